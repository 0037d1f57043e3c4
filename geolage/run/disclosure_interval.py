"""Rule 7 of :mod:`geolage.run.disclosure`: each sum a reader can form, checked on its own by intervals.

Split from :mod:`geolage.run.disclosure` (module size); :func:`geolage.run.disclosure.complementary_suppression`
calls :func:`_complete` once per sum. Vectorised over the groups of a sum (numpy ``bincount``).
"""

from __future__ import annotations

import numpy as np


def _complete(values, hidden, roles, gid, is_total, part, k, lower) -> bool:  # noqa: ANN001
    """Run the interval check of :func:`complementary_suppression` for one relation until every group is safe.

    True when every group is safe at the end (False only when 50 rounds did not suffice).

    ``values`` is ``(values without NaN, whether all are whole numbers)``, found once per column.
    ``roles`` is ``(primary, protect)``: primary cells are under ``k`` (upper bound
    ``k − 1``); protected cells (primary or forced) may not be computable.
    """
    n_groups = int(gid.max()) + 1 if len(gid) else 0
    if n_groups == 0:
        return True
    v_all, integer = values
    hi_val = k - 1.0 if integer else float(k)
    # only a group with a hidden part can be unsafe, and cells are hidden only in such groups: work on their rows
    sub = np.flatnonzero(np.bincount(gid[part & hidden], minlength=n_groups)[gid] > 0)
    if not len(sub):
        return True
    gid, v, part, lower = gid[sub], v_all[sub], part[sub], lower[sub]
    primary, protect = roles[0][sub], roles[1][sub]
    is_total = is_total[sub] if is_total is not None else None
    whole, hidden = hidden, hidden[sub]
    try:
        return _complete_rows(v, hidden, (primary, protect), gid, is_total, part, k, lower, n_groups, hi_val)
    finally:
        whole[sub] = hidden


def _complete_rows(v, hidden, roles, gid, is_total, part, k, lower, n_groups, hi_val) -> bool:  # noqa: ANN001
    """:func:`_complete` on the rows of the groups that can be unsafe (``hidden`` changed in place); True when safe."""
    primary, protect = roles
    for _ in range(50):
        if is_total is None:
            total = np.bincount(gid, weights=v, minlength=n_groups)
            total_known = np.ones(n_groups, dtype=bool)
        else:
            total = np.bincount(gid[is_total], weights=v[is_total], minlength=n_groups)
            has_total = np.bincount(gid[is_total], minlength=n_groups) > 0
            total_hidden = np.bincount(gid[is_total & hidden], minlength=n_groups) > 0
            total_known = has_total & ~total_hidden
        ph = part & hidden
        visible_sum = np.bincount(gid[part & ~hidden], weights=v[part & ~hidden], minlength=n_groups)
        r = total - visible_sum
        lo = np.where(ph, lower, 0.0)
        hi_inf = ph & ~primary
        hi = np.where(ph & primary, hi_val, np.where(ph, np.inf, 0.0))
        sum_lo = np.bincount(gid, weights=lo, minlength=n_groups)
        n_inf = np.bincount(gid[hi_inf], minlength=n_groups)
        finite_hi = np.bincount(gid, weights=np.where(hi_inf, 0.0, hi), minlength=n_groups)
        g = gid
        others_hi = np.where(n_inf[g] - hi_inf > 0, np.inf, finite_hi[g] - np.where(hi_inf, 0.0, hi))
        others_lo = sum_lo[g] - lo
        low = np.maximum(lo, r[g] - others_hi)
        up = np.minimum(hi, r[g] - others_lo)
        # up < low: the total is more than the parts can be (categories not exhaustive): no equation to solve
        bad_row = ph & protect & total_known[g] & (up - low < 1.0) & (up >= low - 1e-9)
        bad = np.zeros(n_groups, dtype=bool)
        bad[g[bad_row]] = True
        if not bad.any():
            return True
        _hide_one_more(v, hidden, part, g, bad, k, is_total)
    return False


def _hide_one_more(v, hidden, part, g, bad, k, is_total) -> None:  # noqa: ANN001
    """In each unsafe group hide the smallest visible part ≥ k, else the smallest visible part > 0, else the total."""
    cand = part & ~hidden & bad[g]
    big = cand & (v >= k)
    small = cand & (v > 0) & ~big
    ok = np.flatnonzero(big | small)
    first = ok[np.lexsort((v[ok], ~big[ok], g[ok]))]  # by group, big first, then smallest value
    chosen = np.zeros(len(v), dtype=bool)
    done = np.zeros(len(bad), dtype=bool)
    _, idx = np.unique(g[first], return_index=True)
    pick = first[idx]
    chosen[pick] = True
    done[g[pick]] = True
    hidden |= chosen
    rest = bad & ~done
    if rest.any():  # nothing left to hide among the parts: hide the total (or, for shares, the group)
        hidden |= (is_total if is_total is not None else part) & rest[g]

"""Complementary suppression checked on all sums of a table at once (interval propagation, rule 7b).

:func:`geolage.run.disclosure.complementary_suppression` first checks each sum on its own. A
reader can chain them: a cell pinned by one sum narrows a cell of another sum, and so on
(the joint attack of :mod:`geolage.outputs.audit_joint` found hundreds of such counts). Here
every hidden cell carries an interval ``[L, U]`` (``L`` = 0, or 1 where zeros are shown;
``U`` = ``k − 1`` for a primary cell, unbounded otherwise) and every sum narrows the intervals
of its hidden parts and of its hidden total, over all sums in turn until nothing changes
(bounds propagation, as a reader with a pencil would). A protected cell whose interval holds
one whole number or less is disclosed: the smallest visible part of a sum it belongs to is
hidden too, and the check starts again.
"""

from __future__ import annotations

import numpy as np

__all__ = ["propagate_bounds", "joint_suppression"]

Relation = tuple[np.ndarray, "np.ndarray | None", np.ndarray]


def _sum_inf(gid: np.ndarray, values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the sum of the finite values and the number of infinite ones."""
    inf = np.isinf(values)
    finite = np.bincount(gid, weights=np.where(inf, 0.0, values), minlength=n)
    return finite, np.bincount(gid[inf], minlength=n)


def _others(gid: np.ndarray, values: np.ndarray, finite: np.ndarray, n_inf: np.ndarray) -> np.ndarray:
    """For each row: the group's sum without the row itself (inf when another row is inf)."""
    inf = np.isinf(values)
    rest_inf = n_inf[gid] - inf
    return np.where(rest_inf > 0, np.inf, finite[gid] - np.where(inf, 0.0, values))


def propagate_bounds(
    values: np.ndarray, hidden: np.ndarray, low: np.ndarray, high: np.ndarray, relations: list[Relation],
    rounds: int = 30,
) -> None:
    """Narrow ``low``/``high`` (changed in place) of the hidden cells by every sum, until stable.

    Parameters
    ----------
    values : ndarray
        True values (0 where missing); a reader sees those where ``hidden`` is False.
    hidden : ndarray of bool
    low, high : ndarray
        Intervals of the hidden cells (ignored elsewhere).
    relations : list
        ``(group ids, total rows or None, part rows)`` as in ``disclosure._relations``; a group
        whose true total is not the sum of its parts (categories not exhaustive) is skipped.
    rounds : int
        At most this many passes over all relations.
    """
    v = np.nan_to_num(values, nan=0.0)
    prepared = []
    for gid, is_total, part in relations:
        n = int(gid.max()) + 1 if len(gid) else 0
        parts_true = np.bincount(gid[part], weights=v[part], minlength=n)
        if is_total is None:
            total_true = parts_true
            holds = np.ones(n, dtype=bool)
        else:
            total_true = np.bincount(gid[is_total], weights=v[is_total], minlength=n)
            holds = (np.abs(total_true - parts_true) < 1e-6) & (np.bincount(gid[is_total], minlength=n) == 1)
        use = holds[gid] & (part | (is_total if is_total is not None else False))
        if (use & hidden).any():
            prepared.append((gid, is_total, part & use, n, total_true))
    for _ in range(rounds):
        before = (low.copy(), high.copy())
        for gid, is_total, part, n, total_true in prepared:
            _narrow(v, hidden, low, high, gid, is_total, part, n, total_true)
        if np.array_equal(before[0], low) and np.array_equal(before[1], high):
            return


def _narrow(v, hidden, low, high, gid, is_total, part, n, total_true) -> None:  # noqa: ANN001
    """One sum: its total's interval from the parts', then each hidden part's from the total and the rest."""
    ph = part & hidden
    visible = np.bincount(gid[part & ~hidden], weights=v[part & ~hidden], minlength=n)
    lo_sum, lo_inf = _sum_inf(gid[ph], low[ph], n)
    hi_sum, hi_inf = _sum_inf(gid[ph], high[ph], n)
    parts_lo = visible + np.where(lo_inf > 0, np.inf, lo_sum)
    parts_hi = visible + np.where(hi_inf > 0, np.inf, hi_sum)
    if is_total is None:
        t_lo = t_hi = total_true
    else:
        th = is_total & hidden
        t_lo = np.where(np.bincount(gid[th], minlength=n) > 0, -np.inf, total_true)
        t_hi = np.where(np.bincount(gid[th], minlength=n) > 0, np.inf, total_true)
        t_lo[gid[th]] = low[th]
        t_hi[gid[th]] = high[th]
        low[th] = np.maximum(low[th], parts_lo[gid[th]])
        high[th] = np.minimum(high[th], parts_hi[gid[th]])
    g = gid[ph]
    others_hi = _others(g, high[ph], hi_sum, hi_inf)
    others_lo = _others(g, low[ph], lo_sum, lo_inf)
    with np.errstate(invalid="ignore"):
        new_lo = np.maximum(low[ph], t_lo[g] - visible[g] - others_hi)
        new_hi = np.minimum(high[ph], t_hi[g] - visible[g] - others_lo)
    low[ph] = np.where(np.isnan(new_lo), low[ph], new_lo)
    high[ph] = np.where(np.isnan(new_hi), high[ph], new_hi)


def _disclosed(low: np.ndarray, high: np.ndarray, integer: bool) -> np.ndarray:
    if integer:
        return np.floor(high + 1e-9) - np.ceil(low - 1e-9) < 1
    return high - low < 1


def joint_suppression(
    values: np.ndarray, hidden: np.ndarray, primary: np.ndarray, protect: np.ndarray, relations: list[Relation],
    k: int, zero_hidden: bool, max_rounds: int = 50,
) -> int:
    """Hide more cells (``hidden``, in place) until no protected cell is pinned by the sums together.

    Parameters
    ----------
    values : ndarray
        True values.
    hidden, primary, protect : ndarray of bool
        Hidden cells (extended in place), cells under ``k`` (upper bound ``k − 1``), cells that
        must not be computable.
    relations : list
        As for :func:`propagate_bounds`.
    k : int
    zero_hidden : bool
        Zeros are hidden too (lower bound 0 instead of 1).
    max_rounds : int

    Returns
    -------
    int
        Number of cells hidden by this rule.
    """
    v = np.nan_to_num(values, nan=0.0)
    integer = bool(np.allclose(v, np.round(v)))
    lo_val = 0.0 if (zero_hidden or not integer) else 1.0
    before = int(hidden.sum())
    for _ in range(max_rounds):
        protect |= hidden
        low = np.where(hidden, lo_val, v)
        high = np.where(hidden & primary, (k - 1.0) if integer else float(k), np.where(hidden, np.inf, v))
        propagate_bounds(v, hidden, low, high, relations)
        bad = hidden & protect & _disclosed(low, high, integer)
        if not bad.any():
            break
        _hide_near(v, hidden, bad, relations, k)
    return int(hidden.sum()) - before


def _hide_near(v: np.ndarray, hidden: np.ndarray, bad: np.ndarray, relations: list[Relation], k: int) -> None:
    """For each pinned cell, hide the smallest visible part (≥ k first) of the first sum it belongs to."""
    todo = bad.copy()
    for gid, is_total, part in relations:
        if not todo.any():
            return
        n = int(gid.max()) + 1 if len(gid) else 0
        member = part | (is_total if is_total is not None else False)
        bad_groups = np.bincount(gid[todo & member], minlength=n) > 0
        cand = part & ~hidden & bad_groups[gid]
        big = cand & (v >= k)
        usable = cand & ((v > 0) | big)
        if not usable.any():
            continue
        order = np.lexsort((v, ~big, gid))
        first = order[usable[order]]
        _, idx = np.unique(gid[first], return_index=True)
        pick = first[idx]
        hidden[pick] = True
        served = np.zeros(n, dtype=bool)
        served[gid[pick]] = True
        todo &= ~(member & served[gid])
    if todo.any():  # a pinned cell with no visible part beside it anywhere: hide the totals of its sums
        for gid, is_total, part in relations:
            if is_total is not None:
                n = int(gid.max()) + 1
                groups = np.bincount(gid[todo & part], minlength=n) > 0
                hidden |= is_total & groups[gid]

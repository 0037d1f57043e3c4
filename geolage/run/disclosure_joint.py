"""Complementary suppression checked on all sums of a table at once (bounds propagation, rule 7b).

:func:`geolage.run.disclosure.complementary_suppression` first checks each sum on its own. A
reader can chain them: a cell pinned by one sum narrows a cell of another sum, and so on
(the joint attack of :mod:`geolage.outputs.audit_joint` found hundreds of such counts).

The reader modelled here is the one of the joint attack: every published sum is an equation
``Σ parts − total = 0`` over the hidden cells; a hidden cell lies in ``[L, ∞)`` (``L`` = 1 in
a table that shows its zeros, 0 where zeros are hidden too). There is no upper bound: the
published tables mark primary and complementary cells alike (``count_suppressed``), so a
reader cannot tell a cell under ``k`` from a cell hidden to protect it. All equations of a
table are stacked into one sparse system over its hidden cells only (visible cells are
constants), and the bounds of every hidden cell are narrowed by every equation at once,
rounded to whole numbers, until nothing changes (constraint propagation, vectorised over
all equations; a reader with a pencil does the same one sum at a time). A protected cell
whose interval holds one whole number is disclosed: the cheapest visible cell of a sum it
belongs to is hidden too (the smallest count of at least ``k``, else the smallest non-zero
count, else the total), one per sum and round, and the check starts again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

__all__ = ["DETAIL_UNITS", "Equations", "equations", "propagate", "joint_suppression", "detail_rows", "block_ids",
           "time_blocks",
           "hide_blocks"]

#: Time units below the year whose counts are hidden by whole years (rule 7c).
DETAIL_UNITS = ("quarter", "month")

log = logging.getLogger(__name__)

Relation = tuple[np.ndarray, "np.ndarray | None", np.ndarray]


class Equations:
    """All sums of a table as sparse equations ``Σ coef · x = rhs`` over its hidden cells.

    Attributes
    ----------
    eq, var : ndarray of int
        Equation and cell (row of the table) of each non-zero coefficient.
    coef : ndarray of float
        +1 for a part, −1 for a total.
    rhs : ndarray of float
        Right-hand side of each equation (the visible total minus the visible parts).
    """

    def __init__(self, eq: np.ndarray, var: np.ndarray, coef: np.ndarray, rhs: np.ndarray) -> None:
        self.eq, self.var, self.coef, self.rhs = eq, var, coef, rhs


def _usable(v: np.ndarray, relations: list[Relation]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, int]]:
    """Per relation: ``(group ids, member rows, coefficient, number of groups)`` of the groups that hold.

    A group whose total is not the sum of its parts (categories not exhaustive), that has
    more than one total row or no part is no equation and is left out.
    """
    out = []
    for gid, is_total, part in relations:
        n = int(gid.max()) + 1 if len(gid) else 0
        if n == 0:
            continue
        parts_true = np.bincount(gid[part], weights=v[part], minlength=n)
        if is_total is None:
            holds = np.ones(n, dtype=bool)
            member, coef = part, np.ones(len(gid))
        else:
            total_true = np.bincount(gid[is_total], weights=v[is_total], minlength=n)
            holds = ((np.abs(total_true - parts_true) < 1e-6) & (np.bincount(gid[is_total], minlength=n) == 1)
                     & (np.bincount(gid[part & ~is_total], minlength=n) > 0))  # a total of no parts is no sum
            member, coef = part | is_total, np.where(is_total, -1.0, 1.0)
        rows = np.flatnonzero(member & holds[gid])
        out.append((gid[rows], rows, coef[rows], n))
    return out


def equations(v: np.ndarray, hidden: np.ndarray, prepared: list) -> Equations:
    """The equations of the groups with a hidden cell, over the hidden cells (visible ones moved to ``rhs``).

    For a relation without a total row (a share column: the group's total is known from the
    published shares), the total is the sum of the true values.
    """
    eqs, vars_, coefs, rhss = [], [], [], []
    offset = 0
    for gid, rows, coef, n in prepared:
        h = hidden[rows]
        has_hidden = np.bincount(gid[h], minlength=n) > 0
        if not has_hidden.any():
            continue
        # Σ coef·x over all members is 0 when a total row exists; without one it is the group's known total
        no_total = not (coef < 0).any()
        known = np.bincount(gid, weights=coef * v[rows], minlength=n) if no_total else np.zeros(n)
        visible = np.bincount(gid[~h], weights=(coef * v[rows])[~h], minlength=n)
        renum = np.cumsum(has_hidden) - 1 + offset
        keep = h & has_hidden[gid]
        eqs.append(renum[gid[keep]])
        vars_.append(rows[keep])
        coefs.append(coef[keep])
        rhss.append((known - visible)[has_hidden])
        offset += int(has_hidden.sum())
    if not eqs:
        empty = np.zeros(0, dtype=np.int64)
        return Equations(empty, empty, np.zeros(0), np.zeros(0))
    return Equations(np.concatenate(eqs), np.concatenate(vars_), np.concatenate(coefs), np.concatenate(rhss))


def _rest(eq: np.ndarray, term: np.ndarray, n_eq: int) -> np.ndarray:
    """For each coefficient: the sum of the other terms of its equation (inf where another term is inf)."""
    pos, neg = np.isposinf(term), np.isneginf(term)
    finite = np.bincount(eq, weights=np.where(pos | neg, 0.0, term), minlength=n_eq)
    n_pos = np.bincount(eq[pos], minlength=n_eq)[eq] - pos
    n_neg = np.bincount(eq[neg], minlength=n_eq)[eq] - neg
    out = finite[eq] - np.where(pos | neg, 0.0, term)
    out = np.where(n_pos > 0, np.inf, out)
    return np.where(n_neg > 0, -np.inf, out)


def propagate(system: Equations, low: np.ndarray, high: np.ndarray, integer: bool, rounds: int = 100) -> None:
    """Narrow ``low``/``high`` (cells of the table, changed in place) by all equations at once, until stable.

    Each pass recomputes only the equations with a cell whose bounds changed in the pass before.

    Parameters
    ----------
    system : Equations
    low, high : ndarray
        Bounds of every cell (only the hidden cells in ``system`` are changed).
    integer : bool
        Round the bounds to whole numbers (counts).
    rounds : int
        At most this many passes.
    """
    eq, var, coef, rhs = system.eq, system.var, system.coef, system.rhs
    if len(eq) == 0:
        return
    n_eq = len(rhs)
    order = np.argsort(var, kind="stable")  # coefficients by cell, for the per-cell maximum / minimum
    active = np.ones(n_eq, dtype=bool)  # equations with a cell whose bounds changed in the last pass (worklist)
    for _ in range(rounds):
        o = order[active[eq[order]]]
        if not len(o):
            return
        e, x, c = eq[o], var[o], coef[o]
        lo, hi = low[x], high[x]
        t_min = np.where(c > 0, lo, -hi)  # smallest and largest value of each term coef·x
        t_max = np.where(c > 0, hi, -lo)
        with np.errstate(invalid="ignore"):
            a = rhs[e] - _rest(e, t_max, n_eq)  # coef·x = rhs − the rest
            b = rhs[e] - _rest(e, t_min, n_eq)
        starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])  # x is sorted (by cell): no np.unique sort
        cells = x[starts]
        new_lo = np.maximum.reduceat(np.nan_to_num(np.where(c > 0, a, -b), nan=-np.inf), starts)
        new_hi = np.minimum.reduceat(np.nan_to_num(np.where(c > 0, b, -a), nan=np.inf), starts)
        new_lo = np.maximum(low[cells], new_lo)
        new_hi = np.minimum(high[cells], new_hi)
        if integer:
            new_lo = np.ceil(new_lo - 1e-9)
            new_hi = np.floor(new_hi + 1e-9)
        moved = (new_lo > low[cells] + 1e-9) | (new_hi < high[cells] - 1e-9)
        low[cells], high[cells] = new_lo, new_hi
        if not moved.any():
            return
        touched = np.zeros(len(low), dtype=bool)
        touched[cells[moved]] = True
        active = np.bincount(eq[touched[var]], minlength=n_eq) > 0


def _disclosed(low: np.ndarray, high: np.ndarray, integer: bool) -> np.ndarray:
    if integer:
        return np.floor(high + 1e-9) - np.ceil(low - 1e-9) < 1
    return high - low < 1


def joint_suppression(
    values: np.ndarray, hidden: np.ndarray, protect: np.ndarray, relations: list[Relation], lower: np.ndarray,
    k: int, max_rounds: int = 40, expand: Callable[[np.ndarray], None] | None = None, state: dict | None = None,
) -> int:
    """Hide more cells (``hidden``, in place) until no protected cell is pinned by the sums together.

    After the first round only the blocks of sums touched by newly hidden cells are solved
    again (connected components of the hidden cells through their sums): a block without a
    new cell has the same sums and the same bounds as before.

    Parameters
    ----------
    values : ndarray
        True values.
    hidden, protect : ndarray of bool
        Hidden cells (extended in place) and cells that must not be computable (the hidden
        cells are added each round: a complementary cell solved gives its partner back).
    relations : list
        ``(group ids, total rows or None, part rows)`` as in ``disclosure._relations``.
    lower : ndarray
        What a reader knows as each hidden cell's smallest value (1 where zeros are shown, else 0).
    k : int
        ``output.min_count``.
    max_rounds : int
    expand : callable, optional
        Called with ``hidden`` (changed in place) before each check: cells hidden together with
        others (rule 7c's blocks of months).
    state : dict, optional
        Kept between calls on the same table (same values, relations and lower bounds): the
        bounds found last time, so that a later call with more hidden cells solves only the
        blocks they touch. Empty at first; filled by this function.

    Returns
    -------
    int
        Number of cells hidden by this rule.
    """
    v = np.nan_to_num(values, nan=0.0)
    integer = bool(np.allclose(v, np.round(v)))
    state = {} if state is None else state
    if "prepared" not in state:
        state["prepared"] = _usable(v, relations)
    prepared = state["prepared"]
    before = int(hidden.sum())
    for _ in range(max_rounds):
        if expand is not None:
            expand(hidden)
        protect |= hidden
        system = equations(v, hidden, prepared)
        low, high = _bounds(system, v, hidden, lower, integer, state)
        bad = hidden & protect & _disclosed(low, high, integer)
        if not bad.any() or not _hide_cheapest(v, hidden, bad, prepared, lower, k):
            if bad.any():
                log.warning("rule 7b: %d hidden cells stay computable (no visible cell left to hide)", int(bad.sum()))
            break
    return int(hidden.sum()) - before


def _bounds(system: Equations, v: np.ndarray, hidden: np.ndarray, lower: np.ndarray, integer: bool,
            state: dict) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's bounds under ``system``: propagated again only in the blocks with a cell hidden since ``state``."""
    low = np.where(hidden, lower, v)
    high = np.where(hidden, np.inf, v)
    before = state.get("hidden")
    # the blocks are found only to save work: when the last blocks touched held most equations (one block links
    # most counts, as in the demo's district tables), every equation is solved again without looking for them;
    # the bounds are the same (an untouched block's fixed point is the one kept in ``state``)
    if (before is None or len(before) != len(hidden) or (before & ~hidden).any()
            or (state.get("one_block") and (hidden & ~before).any())):
        propagate(system, low, high, integer)
    else:
        new = hidden & ~before
        keep = hidden.copy()
        if new.any() and len(system.eq):
            n_eq = len(system.rhs)
            graph = sparse.coo_matrix((np.ones(len(system.eq)), (system.eq, n_eq + system.var)),
                                      shape=(n_eq + len(v), n_eq + len(v)))
            _, label = csgraph.connected_components(graph, directed=False)
            touched = np.zeros(label.max() + 1, dtype=bool)
            touched[label[n_eq + np.flatnonzero(new)]] = True
            keep = hidden & ~touched[label[n_eq:]] & ~new
            eqs = touched[label[:n_eq]]
            state["one_block"] = bool(eqs.sum() * 2 > n_eq)
            rows = eqs[system.eq]
            propagate(Equations(system.eq[rows], system.var[rows], system.coef[rows], system.rhs), low, high, integer)
        low[keep], high[keep] = state["low"][keep], state["high"][keep]
    state["hidden"], state["low"], state["high"] = hidden.copy(), low.copy(), high.copy()
    return low, high


def _hide_cheapest(v: np.ndarray, hidden: np.ndarray, bad: np.ndarray, prepared: list, lower: np.ndarray,
                   k: int) -> bool:
    """Hide, for each pinned cell, the cheapest visible cell of one of its sums; True when any was hidden.

    Cheapest, in this order: a part of at least ``k``, else a non-zero part (or a zero where
    zeros are hidden), else the total; then the smallest count; then the cell that opens the
    fewest sums with no hidden cell yet (each such sum would pin it in turn and ask for one
    more cell). The count comes before the sums it opens: ordered the other way, a district's
    small count was protected by hiding its whole area's year (all offences, 479 incidents
    for Hässleholmen/Hulta in the demo), which emptied the focus-area profile of the public
    report. Each pinned cell takes the sum
    whose best candidate is cheapest; all pinned cells of that sum are served by it.
    """
    members = _members(prepared)
    g, rows, coef = members
    n_groups = int(g.max()) + 1 if len(g) else 0
    if n_groups == 0:
        return False
    h = hidden[rows]
    opens = np.bincount(rows[(np.bincount(g[h], minlength=n_groups) == 0)[g]], minlength=len(v))
    vr = v[rows]
    cand = ~h & ((vr > 0) | (lower[rows] == 0))
    rank = np.where(vr == 0, 3, np.where((coef > 0) & (vr >= k), 0, np.where(coef > 0, 1, 2)))
    sel = np.flatnonzero(cand & (np.bincount(g[bad[rows]], minlength=n_groups) > 0)[g])  # sums with a pinned cell
    first = sel[np.lexsort((opens[rows[sel]], vr[sel], rank[sel], g[sel]))]
    groups, idx = np.unique(g[first], return_index=True)
    best = np.full(n_groups, -1)
    best[groups] = first[idx]  # the membership of each sum's cheapest candidate
    # each pinned cell: the sum (of those it is in) whose cheapest candidate is cheapest
    mb = np.flatnonzero(bad[rows] & (best[g] >= 0))
    if not len(mb):
        return False
    c = best[g[mb]]
    pick = np.lexsort((opens[rows[c]], vr[c], rank[c], rows[mb]))
    _, idx = np.unique(rows[mb][pick], return_index=True)
    new = np.zeros(len(v), dtype=bool)
    new[rows[c[pick[idx]]]] = True
    hidden |= new
    return bool(new.any())


def _members(prepared: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All sums of ``prepared`` as one list of memberships: (sum number, row, coefficient)."""
    gs, rs, cs = [], [], []
    offset = 0
    for gid, rows, coef, n in prepared:
        gs.append(gid + offset)
        rs.append(rows)
        cs.append(coef)
        offset += n
    if not gs:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0)
    return np.concatenate(gs), np.concatenate(rs), np.concatenate(cs)


# --------------------------------------------------------------------------- rule 7c
def detail_rows(df: pd.DataFrame) -> np.ndarray | None:
    """Rows of a time series below the year (``unit`` month or quarter), or None when there are none."""
    if not {"unit", "period", "category"} <= set(df.columns):
        return None
    detail = df["unit"].isin(list(DETAIL_UNITS)).to_numpy()
    return detail if detail.any() else None


def block_ids(df: pd.DataFrame, detail: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (area, category, year) block of every row and whether the row is a year (for :func:`time_blocks`)."""
    year = df["period"].astype(str).str[:4]
    keys = [df[c] for c in ("area", "district_id", "source") if c in df.columns] + [df["category"], year]
    gid = df.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    is_year = (df["unit"] == "year").to_numpy() if "unit" in df.columns else ~detail
    return gid, is_year


def time_blocks(df: pd.DataFrame, hidden: np.ndarray, detail: np.ndarray,
                ids: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The month and quarter rows of every (area, category, year) with a hidden year, month or quarter (rule 7c).

    Parameters
    ----------
    df : DataFrame
        With ``period`` (``2021``, ``2021K1``, ``2021-03``), ``category`` and ``area`` or ``district_id``
        (and ``source`` when there is one).
    hidden : ndarray of bool
    detail : ndarray of bool
        Rows below the year.
    ids : tuple of ndarray, optional
        :func:`block_ids` of ``df`` when the caller has them (they depend on the keys only).

    Returns
    -------
    ndarray of bool
    """
    gid, is_year = ids if ids is not None else block_ids(df, detail)
    hit = np.bincount(gid[(detail | is_year) & hidden], minlength=int(gid.max()) + 1) > 0
    return detail & hit[gid]


def hide_blocks(df: pd.DataFrame, mask: pd.Series, forced: pd.Series, detail: np.ndarray,
                ids: tuple[np.ndarray, np.ndarray] | None = None) -> bool:
    """Rule 7c: the months and quarters of an (area, category, year) are shown all or none (zeros too).

    Where the year or one of its months or quarters is hidden, all its months and quarters are: a reader then knows
    only that each hidden month is 0 or more (no shown zero beside it tells which months
    had none), and the year's months and quarters no longer chain small counts through
    the sums of months, quarters, categories and areas. True when any count was hidden.
    """
    new = time_blocks(df, mask.to_numpy(bool), detail, ids) & ~mask.to_numpy(bool)
    if not new.any():
        return False
    mask[new] = True  # in place: the caller's Series
    forced[new] = True
    return True

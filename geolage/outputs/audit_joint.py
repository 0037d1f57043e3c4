"""A joint attack on the published counts: every linear relation of the public tables in one system.

:mod:`geolage.run.disclosure` checks each sum a reader can form on its own (rule 7). A reader
with all tables can combine them: the all-categories row, the whole period, the whole area
and the focus areas, year = quarters = months, the sources, the same count in several tables,
period ranges made of years, and ``count + ref_count`` = the whole area. :func:`joint_attack`
reads a public ``tabeller`` folder the way such a reader would, puts every relation into one
system ``A x = b`` over the hidden counts ``x`` (lower bound 0, or 1 in tables that show their
zeros; no upper bound, since a reader cannot tell a primary from a complementary cell) and
finds the range of each hidden count by linear programming (``scipy.optimize.linprog``,
HiGHS). A hidden count is *disclosed* when its range holds at most one whole number.

Scope (stated, not hidden): district and area tables (``rates_district``, ``funnel``,
``series``, ``counts_source``, ``comparison``, ``year_to_date``, ``gistar_district``,
``lisa_district``, ``area_profile``, ``previous_change``) and the per-cell grid tables
(``grid``, ``gistar_grid``, ``lisa_grid``, ``emerging_grid``: all categories = the sum of
the categories in each cell, the same count in every grid table). Not in the system: the
time-of-day and month weights (fractional, checked by rule 7 through their shares), the Knox
table, ``trend``'s baseline/current sums and a sum of grid cells over the whole area
(one equation in some hundred thousand unknowns of 0–4, which pins none of them).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, sparse
from scipy.sparse import csgraph

from ..categories import ALL_CATEGORIES
from ..run import schemas
from ..stats.rates import WHOLE_PERIOD
from ..stats.trends import ALL_FOCUS_AREAS, WHOLE_AREA
from .tables import read_table_csv

__all__ = ["Disclosed", "JointSystem", "build_system", "joint_attack", "hidden_ranges"]

log = logging.getLogger(__name__)

_DTYPES = {c: str for c in ("period", "cell_id", "year", "area", "district_id", "source", "category", "unit",
                            "ytd_end", "period_start", "period_end", "previous_start", "previous_end",
                            "current_start", "current_end", "focus_area", "method", "variable")}
#: District tables with a (place, category, period) count (``source`` where there is one).
_PLACE_TABLES = {
    schemas.RATES_DISTRICT.name: "district_id", schemas.FUNNEL.name: "district_id", schemas.SERIES.name: "area",
    schemas.COUNTS_SOURCE.name: "district_id", schemas.COMPARISON.name: "area", schemas.YEAR_TO_DATE.name: "area",
    schemas.GISTAR_DISTRICT.name: "district_id", schemas.LISA_DISTRICT.name: "district_id",
    schemas.AREA_PROFILE.name: "area", schemas.PERIOD_CHANGE.name: "area",
}
_GRID_TABLES = (schemas.GRID.name, schemas.GISTAR_GRID.name, schemas.LISA_GRID.name, schemas.EMERGING_GRID.name)
_BIG = 1e7  # upper bound for the LP (a count this large is "unbounded" for the reader)


@dataclass
class JointSystem:
    """The facts (distinct published counts) and the linear relations between them.

    Attributes
    ----------
    keys : dict
        Fact key -> index.
    value : list of float
        Published value (NaN where hidden).
    lower : list of float
        What a reader knows as the smallest possible value (0, or 1 where zeros are shown).
    rows : list of list of tuple
        ``(table, column, row)`` where each fact is published.
    equations : list of tuple
        ``(indices, coefficients)`` with ``Σ coef · fact = 0``.
    """

    keys: dict[tuple, int] = field(default_factory=dict)
    value: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    rows: list[list[tuple[str, str, int]]] = field(default_factory=list)
    equations: list[tuple[list[int], list[float]]] = field(default_factory=list)

    def fact(self, key: tuple, value: float, lower: float, where: tuple[str, str, int] | None) -> int:
        """Index of fact ``key``, created if new; a published value wins over a hidden one.

        Raises
        ------
        ValueError
            When two tables publish different values for one key (the key model is wrong).
        """
        i = self.keys.get(key)
        if i is None:
            i = self.keys[key] = len(self.value)
            self.value.append(value)
            self.lower.append(lower)
            self.rows.append([])
        elif math.isnan(self.value[i]):
            self.value[i] = value
            self.lower[i] = max(self.lower[i], lower)
        elif not math.isnan(value) and abs(self.value[i] - value) > 1e-6:
            raise ValueError(f"{key}: published as {self.value[i]} and as {value} ({where})")
        if where is not None:
            self.rows[i].append(where)
        return i

    def total_equals_parts(self, total: int, parts: Iterable[int]) -> None:
        """Add ``total = Σ parts`` (nothing when there is no part)."""
        parts = [p for p in dict.fromkeys(parts) if p != total]
        if parts:
            self.equations.append(([total, *parts], [1.0] + [-1.0] * len(parts)))


@dataclass(frozen=True)
class Disclosed:
    """A hidden count the joint system pins down: its range holds at most one whole number."""

    key: tuple
    rows: tuple[tuple[str, str, int], ...]
    low: float
    high: float


def _read(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / f"{name}.csv"
    if not path.is_file():
        return None
    return read_table_csv(path, dtype=dict(_DTYPES))


def _lower(values: np.ndarray, grid: bool) -> float:
    """1 when a (non-grid) table shows zeros: a hidden count there is not zero; else 0."""
    return 1.0 if not grid and bool((values == 0).any()) else 0.0


def _years_of_range(start: pd.Series, end: pd.Series) -> pd.Series:
    """``2023-01-01``..``2025-12-31`` -> ``"2023..2025"`` (whole years), else the dates themselves."""
    whole = start.str.endswith("-01-01") & end.str.endswith("-12-31")
    return (start.str[:4] + ".." + end.str[:4]).where(whole, start + ".." + end)


def _periods(name: str, df: pd.DataFrame, col: str) -> pd.Series:
    """The period each count of ``df`` covers, written as the other tables write it."""
    if name == schemas.YEAR_TO_DATE.name:
        full = df["ytd_end"].astype(str) == "12-31"
        return df["year"].astype(str).where(full, "ytd" + df["year"].astype(str) + "-" + df["ytd_end"].astype(str))
    if col == "count_previous":
        return _years_of_range(df["previous_start"].astype(str), df["previous_end"].astype(str))
    if name == schemas.PERIOD_CHANGE.name:
        return _years_of_range(df["current_start"].astype(str), df["current_end"].astype(str))
    if name == schemas.AREA_PROFILE.name:
        return _years_of_range(df["period_start"].astype(str), df["period_end"].astype(str))
    return df["period"].astype(str)


def _matching_tag(system: JointSystem, prefix: tuple, keys: list[tuple], values: np.ndarray, tags: Iterable[str],
                  own: str) -> str:
    """The first tag under which every visible value agrees with what is published (a reader's match), else ``own``.

    ``prefix + key + (tag,)`` is a fact key; at least five values must be comparable.
    """
    for tag in tags:
        agree = n = 0
        for key, v in zip(keys, values, strict=True):
            if math.isnan(v):
                continue
            i = system.keys.get((*prefix, *key, tag))
            if i is not None and not math.isnan(system.value[i]):
                n += 1
                agree += abs(system.value[i] - v) < 1e-9
        if n >= 5 and agree == n:
            return tag
    return own


def _whole_year_blocks(df: pd.DataFrame, values: np.ndarray) -> np.ndarray:
    """Month and quarter rows of ``series`` hidden by whole years (rule 7c: zeros too, so a reader knows only >= 0).

    A reader sees the rule at work where every (area, category, year) shows its months and
    quarters all or none; then a hidden month or quarter may be 0. Else: no row.
    """
    detail = df["unit"].isin(["month", "quarter"]).to_numpy()
    if not detail.any():
        return detail
    hidden = np.isnan(values)
    gid = df.groupby([df["area"], df["category"], df["period"].astype(str).str[:4]], sort=False).ngroup().to_numpy()
    n = int(gid.max()) + 1
    n_hidden = np.bincount(gid[detail & hidden], minlength=n)
    n_detail = np.bincount(gid[detail], minlength=n)
    if not ((n_hidden == 0) | (n_hidden == n_detail)).all():
        return np.zeros(len(df), dtype=bool)
    return detail & hidden


def _add_counts(system: JointSystem, name: str, df: pd.DataFrame) -> None:
    place = _PLACE_TABLES[name]
    for col in ("count", "count_previous"):
        if col not in df.columns:
            continue
        values = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
        lower = np.full(len(df), _lower(values, grid=False))
        if name == schemas.SERIES.name:
            lower[_whole_year_blocks(df, values)] = 0.0
        # their period is not a column: matched on values
        if name in (schemas.GISTAR_DISTRICT.name, schemas.LISA_DISTRICT.name):
            tags = sorted({k[4] for k in system.keys if k[0] == "c" and k[3] == ALL_CATEGORIES})
            pairs = [(p, c, ALL_CATEGORIES) for p, c in zip(df[place].astype(str), df["category"].astype(str),
                                                           strict=True)]
            periods = pd.Series(_matching_tag(system, ("c",), pairs, values, tags, f"{name}-period"), index=df.index)
        else:
            periods = _periods(name, df, col)
        sources = df["source"].astype(str) if "source" in df.columns else pd.Series(ALL_CATEGORIES, index=df.index)
        keys = zip(df[place].astype(str), df["category"].astype(str), sources, periods, strict=True)
        for i, (p, c, s, t) in enumerate(keys):
            system.fact(("c", p, c, s, t), values[i], float(lower[i]), (name, col, int(df.index[i])))
    if "ref_count" in df.columns:  # the reference is "the rest of the area": count + ref_count = the whole area
        ref = pd.to_numeric(df["ref_count"], errors="coerce").to_numpy(float)
        lower = _lower(ref, grid=False)
        keys = zip(df[place].astype(str), df["category"].astype(str), df["period"].astype(str), strict=True)
        for i, (p, c, t) in enumerate(keys):
            j = system.fact(("ref", p, c, ALL_CATEGORIES, t), ref[i], lower, (name, "ref_count", int(df.index[i])))
            whole = system.fact(("c", WHOLE_AREA, c, ALL_CATEGORIES, t), math.nan, 0.0, None)
            part = system.fact(("c", p, c, ALL_CATEGORIES, t), math.nan, 0.0, None)
            system.equations.append(([whole, part, j], [1.0, -1.0, -1.0]))


def _add_grid(system: JointSystem, name: str, df: pd.DataFrame) -> None:
    """Per-cell counts; ``grid.count`` is the cell's all-categories count (same period as the grid tables)."""
    values = pd.to_numeric(df["count"], errors="coerce").to_numpy(float)
    cats = df["category"].astype(str) if "category" in df.columns else pd.Series(ALL_CATEGORIES, index=df.index)
    pairs = list(zip(df["cell_id"].astype(str), cats, strict=True))
    tags = list(dict.fromkeys(k[3] for k in system.keys if k[0] == "g"))
    tag = _matching_tag(system, ("g",), pairs, values, tags, name)  # the same period as an earlier grid table?
    for i, (cell, c) in enumerate(pairs):
        system.fact(("g", cell, c, tag), values[i], 0.0, (name, "count", int(df.index[i])))



# --------------------------------------------------------------------------- relations
def _is_year(v: str) -> bool:
    return len(v) == 4 and v.isdigit()


def _period_totals(period: str, ranges: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """``(relation, total period)`` for each period total that ``period`` is a part of."""
    if _is_year(period):
        return [("hela", WHOLE_PERIOD)] + [("range", r) for r, a, b in ranges if a <= period <= b]
    if len(period) == 6 and period[4] == "K":  # a quarter of a year
        return [("quarters", period[:4])]
    if len(period) == 7 and period[4] == "-" and period[5:].isdigit():  # a month: of its year, of its quarter
        return [("months", period[:4]), ("months", f"{period[:4]}K{(int(period[5:]) - 1) // 3 + 1}")]
    return []


def _totals(key: tuple, places: dict[str, set[str]], ranges: list[tuple[str, str, str]],
            districts: set[str]) -> list[tuple]:
    """``(relation, total key)`` for every published sum ``key`` is a part of."""
    out: list[tuple] = []
    if key[0] == "g":
        _, cell, cat, tag = key
        return [("categories", ("g", cell, ALL_CATEGORIES, tag))] if cat != ALL_CATEGORIES else []
    kind, place, cat, source, period = key
    if cat != ALL_CATEGORIES:
        out.append(("categories", (kind, place, ALL_CATEGORIES, source, period)))
    if source != ALL_CATEGORIES:
        out.append(("sources", (kind, place, cat, ALL_CATEGORIES, period)))
    for rel, total in _period_totals(period, ranges):
        out.append((rel, (kind, place, cat, source, total)))
    if kind == "c" and place in districts:
        out += [("places", (kind, area, cat, source, period)) for area, parts in places.items()
                if place in parts and area != place]
    return out


def add_relations(system: JointSystem, focus: dict[str, list[str]], districts: list[str]) -> None:
    """Every sum a reader can form: categories, sources, periods, areas (``focus``: area -> its districts).

    A relation is added where its total is published: ``alla`` = Σ categories, the all-sources
    count = Σ sources, ``hela`` = Σ years, a range of years = Σ its years, a year = Σ its quarters
    and = Σ its months, a quarter = Σ its months, the whole area = Σ districts, a focus area = Σ
    its districts, all focus areas = Σ focus districts (an area that is one district is that district).
    """
    places = {WHOLE_AREA: set(districts), **{a: set(d) for a, d in focus.items()}}
    places[ALL_FOCUS_AREAS] = set().union(*focus.values()) if focus else set()
    periods = {k[4] for k in system.keys if k[0] != "g"}
    ranges = [(p, *p.split("..")) for p in periods if ".." in p and all(map(_is_year, p.split("..")))]
    groups: dict[tuple, list[int]] = {}
    for key, i in system.keys.items():
        for rel, total in _totals(key, places, ranges, set(districts)):
            t = system.keys.get(total)
            if t is not None:
                groups.setdefault((rel, t), []).append(i)
    for (_, t), parts in groups.items():
        system.total_equals_parts(t, parts)


def build_system(folder: str | Path, *, tables: Iterable[str] | None = None,
                 series_units: Iterable[str] = ("year", "quarter", "month")) -> JointSystem:
    """Read a public ``tabeller`` folder (CSV) into one :class:`JointSystem` with all its relations.

    Parameters
    ----------
    folder : str or Path
        The folder of the run's CSV tables.
    tables : iterable of str, optional
        Only these tables (default: every table of the module's scope).
    series_units : iterable of str
        The rows of ``series`` taken (``"year"``, ``"quarter"``, ``"month"``).

    Returns
    -------
    JointSystem
    """
    folder = Path(folder)
    system = JointSystem()
    chosen = set(tables) if tables is not None else set(_PLACE_TABLES) | set(_GRID_TABLES)
    for name in [t for t in _PLACE_TABLES if t in chosen]:
        df = _read(folder, name)
        if df is not None and name == schemas.SERIES.name:
            df = df[df["unit"].isin(list(series_units))]  # rows keep their numbers in the whole table
        if df is not None:
            _add_counts(system, name, df)
    for name in [t for t in _GRID_TABLES if t in chosen]:
        df = _read(folder, name)
        if df is not None and "count" in df.columns:
            _add_grid(system, name, df)
    districts = _read(folder, schemas.DISTRICTS.name)
    focus: dict[str, list[str]] = {}
    ids: list[str] = []
    if districts is not None:
        ids = districts["district_id"].astype(str).tolist()
        if "focus_area" in districts.columns:
            for area, g in districts.dropna(subset=["focus_area"]).groupby("focus_area"):
                focus[str(area)] = g["district_id"].astype(str).tolist()
    add_relations(system, focus, ids)
    return system


# --------------------------------------------------------------------------- solving
def _integers_between(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.floor(high + 1e-6) - np.ceil(low - 1e-6) + 1


def hidden_ranges(system: JointSystem, *, seed: int = 0, sweeps: int = 4, targeted: int = 0) -> pd.DataFrame:
    """The range of every hidden fact under all relations (LP bounds), as far as it matters.

    Parameters
    ----------
    system : JointSystem
    seed : int
        Seed of the random objectives of the sweeps.
    sweeps : int
        Pairs of random objectives solved over the whole system before each unsettled fact
        gets its own two LPs (minimise, maximise) over its connected component.
    targeted : int
        Then at most this many pairs of objectives over the unsettled facts only (random weights,
        minimised and maximised): each pair settles a share of them at the cost of two LPs, where
        each fact's own LPs cost two each (the demo's district tables: some 8,000 unsettled facts in
        one block of 12,000 after the sweeps).

    Returns
    -------
    DataFrame
        One row per hidden fact: ``fact`` (index), ``low``, ``high``, ``exact`` (True when
        ``low``/``high`` are the LP minimum and maximum; False when two feasible solutions
        with different whole numbers were found, which already shows the fact is safe, and
        ``low``/``high`` are those values).
    """
    value = np.asarray(system.value, dtype=float)
    hidden = np.flatnonzero(np.isnan(value))
    col = np.full(len(value), -1)
    col[hidden] = np.arange(len(hidden))
    rows, cols, data, rhs = [], [], [], []
    for idx, coef in system.equations:
        h = [(col[i], c) for i, c in zip(idx, coef, strict=True) if col[i] >= 0]
        if not h:
            continue
        r = len(rhs)
        rhs.append(-sum(c * value[i] for i, c in zip(idx, coef, strict=True) if col[i] < 0))
        for j, c in h:
            rows.append(r)
            cols.append(j)
            data.append(c)
    n = len(hidden)
    a = sparse.csr_matrix((data, (rows, cols)), shape=(len(rhs), n))
    b = np.asarray(rhs, dtype=float)
    lower = np.asarray(system.lower, dtype=float)[hidden]
    bounds = np.column_stack([lower, np.full(n, _BIG)])
    seen_lo = np.full(n, np.inf)
    seen_hi = np.full(n, -np.inf)

    def solve(c: np.ndarray, sel: np.ndarray | None = None) -> np.ndarray | None:
        sub_a, sub_b, sub_bounds = a, b, bounds
        if sel is not None:
            used = np.flatnonzero(abs(a[:, sel]).sum(axis=1).A1 > 0)
            sub_a, sub_b, sub_bounds = a[used][:, sel], b[used], bounds[sel]
        res = optimize.linprog(c, A_eq=sub_a if sub_a.shape[0] else None, b_eq=sub_b if sub_a.shape[0] else None,
                               bounds=sub_bounds, method="highs")
        if res.status != 0:
            raise RuntimeError(f"joint system not solvable ({res.message}): a relation does not hold")
        x = np.full(n, np.nan)
        x[sel if sel is not None else slice(None)] = res.x
        return x

    def note(x: np.ndarray) -> None:
        ok = ~np.isnan(x)
        seen_lo[ok] = np.minimum(seen_lo[ok], x[ok])
        seen_hi[ok] = np.maximum(seen_hi[ok], x[ok])

    if n == 0:
        return pd.DataFrame(columns=["fact", "low", "high", "exact"])
    rng = np.random.default_rng(seed)
    for c in (np.ones(n), -np.ones(n)):
        note(solve(c))
    for _ in range(sweeps):
        c = rng.uniform(0.5, 1.5, n) * rng.choice([-1.0, 1.0], n)
        note(solve(c))
        note(solve(-c))
    for _ in range(targeted):
        unsettled = _integers_between(seen_lo, seen_hi) < 2
        if not unsettled.any():
            break
        c = np.where(unsettled, rng.uniform(0.5, 1.5, n), 0.0)
        note(solve(c))
        note(solve(-c))
    exact = np.zeros(n, dtype=bool)
    adjacency = (abs(a).T @ abs(a)).tocsr()
    _, label = csgraph.connected_components(adjacency, directed=False)
    for j in np.flatnonzero(_integers_between(seen_lo, seen_hi) < 2):
        sel = np.flatnonzero(label == label[j])
        e = np.zeros(len(sel))
        e[np.searchsorted(sel, j)] = 1.0
        x_min, x_max = solve(e, sel), solve(-e, sel)
        note(x_min)
        note(x_max)
        seen_lo[j], seen_hi[j], exact[j] = x_min[j], x_max[j], True
    return pd.DataFrame({"fact": hidden, "low": seen_lo, "high": seen_hi, "exact": exact})


def joint_attack(folder: str | Path, *, tables: Iterable[str] | None = None,
                 series_units: Iterable[str] = ("year", "quarter", "month"), seed: int = 0) -> list[Disclosed]:
    """Hidden counts of a public table folder that all published relations together pin down.

    Parameters
    ----------
    folder : str or Path
        The run's ``tabeller`` folder.
    tables, series_units
        As in :func:`build_system` (the whole demo system, about 42,000 hidden counts, takes
        some 10 s per LP; a subset keeps a test fast).
    seed : int

    Returns
    -------
    list of Disclosed
        Published hidden counts whose LP range under the joint system holds at most one
        whole number; empty when the tables are safe against this attack.
    """
    system = build_system(folder, tables=tables, series_units=series_units)
    ranges = hidden_ranges(system, seed=seed)
    keys = list(system.keys)
    out = []
    for fact, low, high in ranges[["fact", "low", "high"]].itertuples(index=False):
        if system.rows[fact] and _integers_between(np.array([low]), np.array([high]))[0] < 2:
            out.append(Disclosed(keys[fact], tuple(system.rows[fact]), float(low), float(high)))
    log.info("joint attack: %d hidden facts, %d equations, %d disclosed", len(ranges), len(system.equations),
             len(out))
    return out

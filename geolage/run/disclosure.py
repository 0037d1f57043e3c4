"""Disclosure control: make results safe to publish.

Two output modes exist (``output.mode``). ``internal`` outputs may hold incident
points and free text. ``public`` outputs (the default for the map and the report)
must not let a reader identify a single incident. :func:`public_results` turns a
:class:`~geolage.run.results.RunResults` into its public version; every exporter writes
from that version in public mode. :func:`geolage.outputs.audit.scan_public_outputs`
checks a written output folder afterwards and is what the test suite uses to prove the
rules hold.

Rules of the public mode (``k = output.min_count``, default 5; docs/DISCLOSURE.md)
---------------------------------------------------------------------------------
Method: cell suppression with complementary suppression (no rounding, no noise).

1. Tables marked ``internal_only`` (incident points, rejects) are left out.
2. Free-text columns (:data:`FREE_TEXT_COLUMNS`) are dropped from every table.
3. Primary suppression: in every count column (``Table.count_columns`` and
   :data:`DEFAULT_COUNT_COLUMNS`) a value ``0 < v < k`` becomes NaN and
   ``<column>_suppressed`` is set True; in grid tables (``cell_id``) ``0 <= v < k``.
4. Grid tables drop per-cell z/p/q, LISA I and the LISA variable and lag
   (:data:`GRID_WITHHELD_COLUMNS`); a whole-number grid ``score`` counts as a count.
5. Row rule (default deny): on a row with a hidden count every other number is
   withheld except keys and ``TableSchema.public_columns``; columns derived from the
   count (:data:`DERIVED_COLUMNS`, e.g. ``funnel_position``) are withheld too.
6. Group statistics (``TableSchema.group_statistics`` and every other number of such a
   table) are withheld in the whole ``statistic_group`` when a count of it is hidden;
   classes are kept. Across tables: ``trend`` where its yearly ``series`` has a hidden
   count; ``moran_global`` withheld (1–9 hidden counts in its map) or rounded (10 or
   more). ``TableSchema.rank_columns`` are published as percentile ranks.
7. Complementary suppression (:func:`complementary_suppression`): every sum a reader
   can form (``alla``, ``hela``, ``Hela kommunen``, year = quarters = months, shares)
   is checked by intervals and more cells are hidden until no hidden count has fewer
   than two possible values; an area's count and its reference's count (:data:`HIDDEN_TOGETHER`)
   are hidden together. Tables that show the same (place, category, year) count
   (``rates_district``, ``funnel``, ``comparison``, yearly ``series``) hide it alike.
   7b (on by default, :data:`JOINT_CHECK`): all sums of a table, and of the linked district tables, together
   (:mod:`geolage.run.disclosure_joint`; a hidden cell is known to the reader only as 0 or more,
   or 1 or more where zeros are shown). 7c (with 7b): the months and quarters of an
   (area, category, year) are shown all or none, zeros included, once the year or one of them
   is hidden. ``gistar_district``/``lisa_district`` counts are linked to the ``rates_district``
   period whose values they equal. 7d: the rows of all focus areas together are not published
   (with each focus area's sums they give one focus area by subtraction).
8. ``lorenz`` rows of a (unit, category) whose ``n_incidents`` is hidden are dropped.
9. Rasters (:func:`public_rasters`): cells below ``k`` kernel peaks are NaN; a raster
   with no cell left, or without kernel/bandwidth, is left out; mass parameters are
   not published; ``kde_alla`` is also masked where it minus the published category
   rasters is above zero but below the threshold. Rebuilt first from published grid cell counts at the
   cells' centres (:func:`geolage.run.disclosure_rasters.cell_rasters`: no incident located finer than its cell).
10. ``incidents`` and ``rejects`` are emptied; ``quality`` keeps only numbers.
11. Earlier releases (:mod:`geolage.run.disclosure_release`): a count an earlier public run hid stays hidden.

:data:`DISCLOSURE_RULES` is recorded in ``run.json`` (``record["disclosure"]["rules"]``).
"""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..categories import ALL_CATEGORIES
from ..stats.rates import WHOLE_PERIOD
from ..stats.trends import ALL_FOCUS_AREAS, WHOLE_AREA
from . import schemas
from .disclosure_interval import _complete
from .disclosure_joint import block_ids, detail_rows, hide_blocks, joint_suppression, time_blocks
from .disclosure_rasters import (  # noqa: F401 (API)
    _KERNEL_PEAK,
    RASTER_RULE,
    cell_rasters,
    public_density_parameters,
    public_raster,
    public_rasters,
)
from .disclosure_release import RELEASE_RULES, keep_hidden
from .results import RunResults, Table

__all__ = [
    "FREE_TEXT_COLUMNS",
    "DEFAULT_COUNT_COLUMNS",
    "DERIVED_COLUMNS",
    "HIDDEN_TOGETHER",
    "GRID_WITHHELD_COLUMNS",
    "suppressed_label",
    "drop_text_columns",
    "public_table",
    "public_raster",
    "public_results",
    "complementary_suppression",
    "public_rasters",
    "DISCLOSURE_RULES",
    "recorded_rules",
]

log = logging.getLogger(__name__)

#: Columns holding free text (from input data); never in public outputs.
FREE_TEXT_COLUMNS: frozenset[str] = frozenset(
    {
        "text",
        "raw",
        "message",
        "value",
        "source_category",
        "comment",
        "comments",
        "note",
        "notes",
        "description_text",
        "fritext",
        "beskrivning",
        "kommentar",
        "fixes",
    }
)

#: Column names treated as incident counts in every table, in addition to ``Table.count_columns``.
DEFAULT_COUNT_COLUMNS: frozenset[str] = frozenset(
    {"count", "n_incidents", "ref_count", "data_count", "observed", "weight", "change_baseline", "change_current"}
)

#: For each count column: patterns (fnmatch) of columns in the same row derived from it.
DERIVED_COLUMNS: dict[str, tuple[str, ...]] = {
    "count": ("rate", "rate_ci_*", "eb_rate*", "rate_ratio", "rr_*", "lqc", "funnel_position", "*_share", "share"),
    "ref_count": ("ref_rate", "rate_ratio", "rr_*", "lqc"),
    "n_incidents": ("*_share", "gini*"),
    "data_count": ("coverage",),
    "observed": ("ratio", "p_value", "expected"),
    "change_baseline": ("change_pct", "change_p"),
    "change_current": ("change_pct", "change_p"),
}

#: Count columns of one row that sum to a total the reader knows from other rows (``count`` + ``ref_count``
#: = the whole area's count, the same in every row of a category and period): hidden together.
HIDDEN_TOGETHER: tuple[tuple[str, str], ...] = (("count", "ref_count"),)

#: Per-cell continuous statistics withheld from public grid tables (rule 4).
GRID_WITHHELD_COLUMNS: tuple[str, ...] = (
    "gistar_z",
    "gistar_p",
    "gistar_q",
    "gistar_p_sim",
    "lisa_i",
    "lisa_p",
    "lisa_q",
    "lisa_z",
    "lisa_p_analytic",
    "lisa_q_analytic",
    "moran_x",
    "moran_lag",
)

#: Rules 7b and 7c on (the default) or off (scripts/benchmark_disclosure.py times both; off, the joint attack of
#: tests/test_disclosure_joint.py recovers hidden district counts from the demo).
JOINT_CHECK = True

#: Columns that identify the group of a row (for complementary suppression).
_GROUP_COLUMNS = (
    "district_id", "area", "cell_id", "unit", "period", "year", "method", "origin", "month", "weekday", "hour",
    "variable", "source", "distance_band", "time_band", "period_start",
)

#: Rules 7b and 7c (on by default; left out of the record when :data:`JOINT_CHECK` is off).
JOINT_RULES: dict[str, str] = {
    "joint": "all sums of a table, and of rates_district, series (years), year_to_date and counts_source "
             "together, checked at once by bounds propagation: no hidden count is pinned to one whole number "
             "(reader: a hidden count is >= 0, or >= 1 where zeros are shown, with no upper bound); a pinned count "
             "gets one more hidden cell: the smallest count >= k, then the one opening the fewest new sums",
    "time_blocks": "months and quarters of an (area, category, year) shown all or none, zeros included, once "
                   "the year or one of them is hidden",
}

#: The rules in force, recorded in ``run.json`` (``record["disclosure"]["rules"]``).
DISCLOSURE_RULES: dict[str, str] = {
    "primary": "counts 0 < n < k hidden (0 <= n < k in grid tables); method: suppression, no rounding or noise",
    "row": "a row with a hidden count shows no other number except public_columns (population, exposure, bands)",
    "group_statistics": "z, I, p and means over a group with a hidden count are withheld; classes are kept",
    "complementary": "totals (alla, hela, areas, year = quarters = months, sources, shares) checked one by one by "
                     "interval: every hidden count has >= 2 possible values; the same count hidden in every table "
                     "that shows it",
    **JOINT_RULES,
    "focus_union": "the rows of all focus areas together are not published: all focus areas minus the others "
                   "would give a focus area's hidden counts",
    "across_tables": "trend withheld where its series has hidden counts; global Moran's I withheld (1-9 hidden) "
                     "or rounded (>= 10 hidden)",
    "rank_columns": "forecast score published as percentile rank within category and method",
    "rasters": "density cells below k times the kernel peak are masked; kde_alla also where alla minus the "
               "published categories is below that threshold",
    "raster_cells": RASTER_RULE,
    **RELEASE_RULES,
}


def recorded_rules() -> dict[str, str]:
    """The rules of :data:`DISCLOSURE_RULES` in force now (without 7b/7c when :data:`JOINT_CHECK` is off)."""
    return {k: v for k, v in DISCLOSURE_RULES.items() if JOINT_CHECK or k not in JOINT_RULES}


def suppressed_label(min_count: int = 5, language: str = "sv") -> str:
    """Text shown instead of a suppressed count, e.g. ``"<5 (dolt)"``."""
    return f"<{min_count} (suppressed)" if language == "en" else f"<{min_count} (dolt)"


# --------------------------------------------------------------------------- tables
def drop_text_columns(data: pd.DataFrame, extra: Iterable[str] = ()) -> pd.DataFrame:
    """Return ``data`` without free-text columns.

    Parameters
    ----------
    data : DataFrame or GeoDataFrame
    extra : iterable of str
        Further column names to drop.

    Returns
    -------
    DataFrame
        A copy without the columns in :data:`FREE_TEXT_COLUMNS`, any ``text_*``
        column and ``extra``.
    """
    names = set(FREE_TEXT_COLUMNS) | set(extra)
    drop = [c for c in data.columns if c in names or str(c).startswith("text_")]
    if drop:
        log.debug("dropping free-text columns %s", drop)
    return data.drop(columns=drop)


def _small(values: pd.Series, min_count: int, include_zero: bool) -> pd.Series:
    num = pd.to_numeric(values, errors="coerce")
    low = num >= 0 if include_zero else num > 0
    return (low & (num < min_count)).fillna(False).astype(bool)


def _set_missing(df: pd.DataFrame, col: str, mask: pd.Series) -> None:
    if not mask.any():
        return
    m = np.asarray(mask, dtype=bool)
    if pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col]):
        values = df[col].to_numpy(dtype="float64", na_value=np.nan, copy=True)  # numpy, not .loc: 20x faster
        values[m] = np.nan
    else:
        values = df[col].to_numpy(dtype=object, copy=True)
        values[m] = None
        values = pd.Series(values, index=df.index, dtype=object)  # kept as objects (None), not inferred as strings
    df[col] = values


def _derived(col: str, columns: Iterable[str], counts: set[str]) -> list[str]:
    patterns = DERIVED_COLUMNS.get(col, (f"{col}_*",))
    out = []
    for c in columns:
        if c == col or c in counts or str(c).endswith("_suppressed") or c == "geometry":
            continue
        if any(fnmatch.fnmatchcase(str(c), p) for p in patterns):
            out.append(c)
    return out


_KEEP_ALWAYS = frozenset(
    {*("district_id", "area", "cell_id", "unit", "period", "year", "method", "origin", "month", "weekday", "hour"),
     *("x0", "y0", "area_share", "col", "row", "population", "exposure", "years", "n_years", "ytd_end")}
)


def _schema(name: str) -> schemas.TableSchema | None:
    return schemas.TABLES.get(name)


def public_table(table: Table, min_count: int = 5, language: str = "sv", *,
                 cache: dict[tuple, Any] | None = None) -> Table | None:
    """Return the public version of one result table.

    Parameters
    ----------
    table : Table
    min_count : int
        Smallest count shown (``output.min_count``).
    language : {"sv", "en"}
        Language of the added description note.
    cache : dict, optional
        The sums of each table found by an earlier call (they depend on the key columns only):
        :func:`public_results` passes one dict for a run, whose tables keep their rows when
        they are made public again after more cells were hidden elsewhere.

    Returns
    -------
    Table or None
        None for ``internal_only`` tables; otherwise a copy with the rules of this
        module applied. For each suppressed count column ``c`` a boolean column
        ``c_suppressed`` is added (True where the value was withheld).
    """
    if table.internal_only:
        log.debug("public mode: table %s is internal only and left out", table.name)
        return None
    if min_count < 1:
        raise ValueError(f"min_count needs to be at least 1; got {min_count}")
    schema = _schema(table.name)
    df = drop_text_columns(table.data).copy()
    is_grid = "cell_id" in df.columns
    counts = [c for c in dict.fromkeys([*table.count_columns, *DEFAULT_COUNT_COLUMNS]) if c in df.columns]
    if is_grid:
        df = df.drop(columns=[c for c in GRID_WITHHELD_COLUMNS if c in df.columns])
        if "score" in df.columns and "score" not in counts and not (schema and "score" in schema.rank_columns):
            score = pd.to_numeric(df["score"], errors="coerce").dropna()
            if len(score) and np.allclose(score, np.round(score)):
                counts.append("score")
    count_set = set(counts)
    suppressed: dict[str, pd.Series] = {}
    forced: dict[str, pd.Series] = {}
    for col in counts:
        small = _small(df[col], min_count, include_zero=is_grid)
        flag = f"{col}_suppressed"
        if flag in df.columns:  # already public, or hidden in a linked table: keep it hidden
            mask = small | df[flag].fillna(False).astype(bool)
        else:
            mask = small
        suppressed[col] = mask
        forced[col] = mask & ~small
    _secondary(df, table, counts, suppressed, forced, min_count, is_grid, {} if cache is None else cache)
    keep = _KEEP_ALWAYS | set(schema.public_columns if schema else ()) | count_set
    any_hidden = pd.Series(False, index=df.index)
    for col in counts:
        mask = suppressed[col]
        any_hidden |= mask
        _set_missing(df, col, mask)
        for dcol in _derived(col, df.columns, count_set):
            _set_missing(df, dcol, mask)
        df[f"{col}_suppressed"] = mask.to_numpy()
    _withhold_row_numbers(df, any_hidden, keep)
    if schema is not None:
        _group_statistics(df, schema, any_hidden, keep)
    n = int(sum(int(m.sum()) for m in suppressed.values()))
    if n:
        log.info("public mode: %s: %d values under %d suppressed", table.name, n, min_count)
    note = f"Counts under {min_count} are suppressed." if language == "en" else f"Antal under {min_count} visas inte."
    description = dict(table.description)
    description[language] = (description.get(language, "") + " " + note).strip()
    if isinstance(table.data, gpd.GeoDataFrame) and not isinstance(df, gpd.GeoDataFrame):
        df = gpd.GeoDataFrame(df, geometry=table.data.geometry.name, crs=table.data.crs)
    return dataclasses.replace(table, data=df, description=description)


def _secondary(df: pd.DataFrame, table: Table, counts: list[str], suppressed: dict[str, pd.Series],
               forced: dict[str, pd.Series], min_count: int, is_grid: bool, cache: dict[tuple, Any]) -> None:
    """Rules 7, 7b and 7c on one table: each sum alone, the pairs and blocks hidden together, then all sums at once.

    The cheap checks run until nothing changes; then the joint check (rule 7b, when
    :data:`JOINT_CHECK`) runs once per count column, and the whole repeats only when it hid more.
    """
    zero_rows = detail_rows(df) if JOINT_CHECK and table.name == schemas.SERIES.name else None
    relations = {}
    for col in counts:  # from the keys only: the same every round and every time the table is made again
        key = (table.name, col, len(df))
        if key not in cache:
            cache[key] = _relations(df, col, table.area_parts)
        relations[col] = cache[key]
    ids = None
    if zero_rows is not None:
        if (table.name, "blocks", len(df)) not in cache:
            cache[(table.name, "blocks", len(df))] = block_ids(df, zero_rows)
        ids = cache[(table.name, "blocks", len(df))]
    for _ in range(5):
        for _ in range(10):  # each sum alone, then the pairs and blocks hidden together, until nothing changes
            for col in counts:
                complementary_suppression(df, col, suppressed[col], min_count, zero_hidden=is_grid, forced=forced[col],
                                          area_parts=table.area_parts, zero_rows=zero_rows, joint=False,
                                          relations=relations[col])
            changed = _hide_pairs(suppressed, forced)
            if zero_rows is not None and "count" in suppressed:
                changed |= hide_blocks(df, suppressed["count"], forced["count"], zero_rows, ids)
            if not changed:
                break
        if not JOINT_CHECK:
            return
        added = 0
        for col in counts:
            added += _joint(df, col, suppressed[col], forced[col], min_count, is_grid, relations[col], zero_rows, ids,
                            cache.setdefault((table.name, col, len(df), "joint"), {}))
        if not added:
            return


def _joint(df: pd.DataFrame, col: str, mask: pd.Series, forced: pd.Series, min_count: int, zero_hidden: bool,
           relations: list, zero_rows: np.ndarray | None, ids: tuple[np.ndarray, np.ndarray] | None,
           state: dict) -> int:
    """Rule 7b on one count column (:func:`geolage.run.disclosure_joint.joint_suppression`); cells it hid are forced."""
    hidden = mask.to_numpy(dtype=bool).copy()
    if len(relations) < 2 or not hidden.any():  # one sum alone is rule 7's
        return 0
    values = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype="float64")
    expand = None
    if zero_rows is not None:
        def expand(h: np.ndarray) -> None:
            h |= time_blocks(df, h, zero_rows, ids)
    added = joint_suppression(values, hidden, hidden.copy(), relations, _lower_bounds(values, zero_hidden, zero_rows),
                              min_count, expand=expand, state=state)
    if added:
        new = hidden & ~mask.to_numpy(dtype=bool)
        mask[new] = True
        forced[new] = True
    return added


def _hide_pairs(suppressed: dict[str, pd.Series], forced: dict[str, pd.Series]) -> bool:
    """Hide both counts of every :data:`HIDDEN_TOGETHER` pair where either is hidden; True when any changed."""
    changed = False
    for a, b in HIDDEN_TOGETHER:
        if a in suppressed and b in suppressed:
            for one, other in ((a, b), (b, a)):
                new = suppressed[other] & ~suppressed[one]
                if new.any():
                    suppressed[one] |= new
                    forced[one] |= new  # protected like a primary cell from here on
                    changed = True
    return changed


def _withhold_row_numbers(df: pd.DataFrame, hidden: pd.Series, keep: set[str] | frozenset[str]) -> None:
    """Rule 5: in a row with a hidden count, every number not in ``keep`` is withheld (default deny)."""
    if not hidden.any():
        return
    for col in df.columns:
        if col in keep or str(col).endswith("_suppressed") or col == "geometry":
            continue
        dtype = df[col].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            continue
        _set_missing(df, col, hidden)


def _group_keys(df: pd.DataFrame, schema: schemas.TableSchema) -> list[str]:
    keys = schema.statistic_group or ("category", "variable")
    return [k for k in keys if k in df.columns]


def _group_statistics(
    df: pd.DataFrame, schema: schemas.TableSchema, hidden: pd.Series, keep: set[str] | frozenset[str]
) -> None:
    """Rule 6: statistics of a group with a hidden count are withheld; rank columns become percentiles.

    Besides the schema's ``group_statistics``, every other number of the table that is
    not a count, a key or a public column counts as one (default deny: an analysis
    may add columns such as ``gistar_p_sim``).
    """
    stats = [c for c in schema.group_statistics if c in df.columns]
    if stats:
        stats += [
            c for c in df.columns
            if c not in keep and c not in stats and c not in schema.rank_columns and c != "geometry"
            and not str(c).endswith("_suppressed") and pd.api.types.is_numeric_dtype(df[c].dtype)
            and not pd.api.types.is_bool_dtype(df[c].dtype)
        ]
    ranks = [c for c in schema.rank_columns if c in df.columns]
    if not stats and not ranks:
        return
    keys = _group_keys(df, schema)
    if stats:
        if keys:
            group_hidden = hidden.groupby([df[k] for k in keys], dropna=False, sort=False).transform("any")
        else:
            group_hidden = pd.Series(bool(hidden.any()), index=df.index)
        for col in stats:
            _set_missing(df, col, group_hidden.astype(bool))
    for col in ranks:
        values = pd.to_numeric(df[col], errors="coerce")
        grouped = values.groupby([df[k] for k in keys], dropna=False, sort=False) if keys else values.groupby(
            np.zeros(len(df)))
        df[col] = grouped.rank(ascending=True, pct=True, method="average").round(2).to_numpy()


def _gid(df: pd.DataFrame, keys: list[Any], cache: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Group number of each row by ``keys`` (column names or Series; missing values form a group of their own).

    Each column is factorised once (``cache``: name -> codes) and the codes are combined
    with integer arithmetic: ``DataFrame.groupby(...).ngroup()`` on Arrow strings factorises
    every key again for every relation (a third of the public step's time on the demo).
    """
    if not keys:
        return np.zeros(len(df), dtype=np.int64)
    out = None
    for key in keys:
        if isinstance(key, str) and cache is not None and key in cache:
            codes = cache[key]
        else:
            values = df[key] if isinstance(key, str) else key
            codes = pd.factorize(values, use_na_sentinel=False)[0].astype(np.int64)
            if isinstance(key, str) and cache is not None:
                cache[key] = codes
        # initial=0: an empty table (e.g. a refused Knox test) has no codes and no groups
        out = codes if out is None else pd.factorize(out * (int(codes.max(initial=0)) + 1) + codes)[0].astype(np.int64)
    return out


def _area_relations(
    df: pd.DataFrame, keys: list[str], area_parts: dict[str, tuple[str, ...]] | None,
    cache: dict[str, np.ndarray] | None = None,
) -> list[tuple[np.ndarray, np.ndarray | None, np.ndarray]]:
    """Sums over areas: the whole area = its districts (all other rows), or each area of ``area_parts``."""
    place = "area" if "area" in df.columns else "district_id" if area_parts and "district_id" in df.columns else None
    if place is None:
        return []
    others = [c for c in keys if c != place] + (["category"] if "category" in df else [])
    area = df[place].astype(str)
    if not area_parts:
        is_total = (area == WHOLE_AREA).to_numpy()
        if not is_total.any():
            return []
        return [(_gid(df, others, cache), is_total, ~is_total & ~area.isin([ALL_FOCUS_AREAS]).to_numpy())]
    out = []
    for total, parts in area_parts.items():
        is_total = (area == total).to_numpy()
        if is_total.any():
            out.append((_gid(df, others, cache), is_total, area.isin(list(parts)).to_numpy()))
    return out


def _relations(
    df: pd.DataFrame, col: str, area_parts: dict[str, tuple[str, ...]] | None = None
) -> list[tuple[np.ndarray, np.ndarray | None, np.ndarray]]:
    """Sums a reader can form in one table: ``(group ids, total rows or None, part rows)``.

    ``"alla"`` = sum of the categories; ``"hela"`` = sum of the periods; the whole area
    and each focus area = sum of its districts (``area_parts``); a year = sum of its quarters and of
    its months, a quarter = sum of its months (``series``); a ``share`` column gives a
    group's total (``weight / share``).
    """
    out: list[tuple[np.ndarray, np.ndarray | None, np.ndarray]] = []
    keys = [c for c in _GROUP_COLUMNS if c in df.columns]
    cache: dict[str, np.ndarray] = {}
    for dim, total_value in (("category", ALL_CATEGORIES), ("period", WHOLE_PERIOD)):
        if dim not in df.columns:
            continue
        is_total = (df[dim] == total_value).to_numpy()
        if not is_total.any():
            continue
        others = [c for c in keys if c != dim] + (["category"] if dim != "category" and "category" in df else [])
        out.append((_gid(df, others, cache), is_total, ~is_total))
    out += _area_relations(df, keys, area_parts, cache)
    if {"unit", "period"} <= set(df.columns) and df["unit"].isin(["year", "quarter", "month"]).any():
        period = df["period"].astype(str)
        year = period.str[:4]
        month = pd.to_numeric(period.str[5:7].where(df["unit"] == "month"), errors="coerce")
        quarter = pd.to_numeric(period.str[5:].where(df["unit"] == "quarter"), errors="coerce")
        q_of = quarter.fillna(np.ceil(month / 3))
        base = [c for c in ("area", "category") if c in df.columns]
        unit = df["unit"].to_numpy()
        for total_unit, part_unit, by in (("year", "quarter", [year]), ("year", "month", [year]),
                                          ("quarter", "month", [year, q_of])):
            is_total, is_part = unit == total_unit, unit == part_unit
            out.append((_gid(df, [*base, *by], cache), is_total, is_part))
    if col == "observed" and {"distance_band", "time_band"} <= set(df.columns):
        # Knox table: the published expected counts (row total × column total / all pairs) give every row's and
        # column's total of observed pairs, so each row and each column is a sum a reader knows
        extra = ["category"] if "category" in df.columns else []
        for band in ("distance_band", "time_band"):
            out.append((_gid(df, [band, *extra], cache), None, np.ones(len(df), dtype=bool)))
    if "share" in df.columns and col == "weight":
        gkeys = [c for c in ("category", "unit", "area") if c in df.columns]
        out.append((_gid(df, gkeys, cache), None, np.ones(len(df), dtype=bool)))
    return out


def complementary_suppression(
    df: pd.DataFrame, col: str, mask: pd.Series, min_count: int, *, zero_hidden: bool = False,
    forced: pd.Series | None = None, area_parts: dict[str, tuple[str, ...]] | None = None,
    zero_rows: np.ndarray | None = None, joint: bool | None = None, relations: list | None = None,
) -> int:
    """Secondary suppression in ``mask`` (changed in place) so that no hidden count can be computed back.

    Two relations a reader can use are checked (rule 7): an ``"alla"`` (all
    categories) row equals the sum of its category rows (same district / cell /
    period / weekday …), and a ``share`` column gives a group's total (``weight /
    share``) so that the total minus the visible parts is known. For every such
    group the reader knows ``R = total − visible parts`` and, for each hidden part,
    ``lo ≤ part ≤ k − 1`` (``lo`` = 1 in tables that show zeros, 0 otherwise); a
    part whose interval ``[max(lo, R − Σ other hi), min(k − 1, R − Σ other lo)]``
    is narrower than 1 would be disclosed. Then the smallest visible part of the
    group that is at least ``k`` (else the smallest visible non-zero part, else the
    total) is hidden too, and the check repeats. Vectorised over groups (numpy):
    linear in rows; the loop is over rounds (a handful), not over groups.

    Parameters
    ----------
    df : DataFrame
    col : str
        The count column.
    mask : Series of bool
        Hidden values of ``col`` (primary suppression); extended in place.
    min_count : int
    zero_hidden : bool
        Zeros are hidden too (grid tables).
    forced : Series of bool, optional
        Values hidden for another reason (``k`` or more, hidden in a linked table or
        already public): protected like primary cells, with no upper bound.
    area_parts : dict, optional
        Area id -> the district ids it sums (:attr:`geolage.run.results.Table.area_parts`).
    zero_rows : ndarray of bool, optional
        Rows whose zeros are hidden too (rule 7c): a reader knows only that a hidden value there is 0 or more.
    joint : bool, optional
        Then check all sums together (rule 7b); default :data:`JOINT_CHECK`.
    relations : list, optional
        The table's sums (:func:`_relations` of ``df`` and ``col``), when the caller has them already.

    Returns
    -------
    int
        Number of values hidden by this rule.
    """
    values = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype="float64")
    if relations is None:
        relations = _relations(df, col, area_parts)
    hidden = mask.to_numpy(dtype=bool).copy()
    protect = hidden.copy()
    # (``~False`` is the integer -1: ``hidden & ~False`` was an integer array, whose ``~`` is no logical not)
    primary = hidden & ~(forced.to_numpy(dtype=bool) if forced is not None else np.zeros(len(hidden), dtype=bool))
    before = int(hidden.sum())
    lower = _lower_bounds(values, zero_hidden, zero_rows)
    v_all = np.nan_to_num(values, nan=0.0)
    integer = bool(np.allclose(v_all, np.round(v_all)))
    checked = [-1] * len(relations)  # hidden cells when each sum was last made safe (they are only ever added)
    for _ in range(10):  # a cell hidden for one relation can open another: repeat until stable
        n = int(hidden.sum())
        for i, (gid, is_total, is_part) in enumerate(relations):
            if checked[i] == int(hidden.sum()):  # the same hidden cells as when this sum was made safe
                continue
            # a cell hidden to protect another must not be computable either: solved, it gives the other back
            protect |= hidden
            if _complete((v_all, integer), hidden, (primary, protect), gid, is_total, is_part, min_count, lower):
                checked[i] = int(hidden.sum())
        if int(hidden.sum()) == n:
            break
    if (JOINT_CHECK if joint is None else joint) and hidden.any() and len(relations) > 1:  # all sums together (7b)
        joint_suppression(values, hidden, protect, relations, lower, min_count)
    mask[:] = hidden
    return int(hidden.sum()) - before


def _lower_bounds(values: np.ndarray, zero_hidden: bool, zero_rows: np.ndarray | None) -> np.ndarray:
    """What a reader knows as each hidden value's least: 1 in a count table that shows its zeros, else 0."""
    v = np.nan_to_num(values, nan=0.0)
    integer = bool(np.allclose(v, np.round(v)))
    lower = np.full(len(v), 0.0 if (zero_hidden or not integer) else 1.0)
    if zero_rows is not None:
        lower[zero_rows] = 0.0
    return lower


def _numbers_only(obj: Any) -> Any:
    if isinstance(obj, dict):
        out = {k: _numbers_only(v) for k, v in obj.items()}
        return {k: v for k, v in out.items() if v is not None}
    if isinstance(obj, bool | int | float | np.integer | np.floating):
        return obj
    return None


def _without_focus_union(originals: dict[str, Table]) -> dict[str, Table]:
    """The tables without the rows of all focus areas together (rule 7d).

    With the sums of each focus area, all focus areas together give a focus area by subtraction
    (all focus areas minus Hässleholmen/Hulta = Norrby's one district): a sum of sums that the
    bounds of each sum alone do not see, and the LP attack on the demo's district tables
    (``scripts/attack_district_tables.py``) recovered Norrby's hidden yearly counts through it.
    Applied to the public tables after the suppression: dropping rows only takes numbers away,
    and the other tables keep the hiding they had with the rows in their sums.
    """
    out = dict(originals)
    for name, table in originals.items():
        if "area" not in table.data.columns:
            continue
        union = (table.data["area"].astype(str) == ALL_FOCUS_AREAS).to_numpy()
        if union.any():
            parts = {a: p for a, p in table.area_parts.items() if a != ALL_FOCUS_AREAS}
            out[name] = dataclasses.replace(table, data=table.data.loc[~union].reset_index(drop=True),
                                            area_parts=parts)
    return out


def public_results(results: RunResults, min_count: int | None = None, language: str | None = None, *,
                   replacing: Path | None = None) -> RunResults:
    """Return the public version of a whole run (rules in the module docstring).

    Parameters
    ----------
    results : RunResults
    min_count : int, optional
        Default ``results.config.output.min_count``.
    language : {"sv", "en"}, optional
        Default ``results.config.project.language``.
    replacing : Path, optional
        The output folder this run replaces: an earlier public run in it is an earlier release (rule 11).

    Returns
    -------
    RunResults
        A new object; ``results`` is not changed. ``incidents`` and ``rejects`` are
        empty (same columns, without free text), ``public`` is True and
        ``record["disclosure"]`` says what was applied.
    """
    k = int(min_count if min_count is not None else results.config.output.min_count)
    lang = language or results.config.project.language
    tables = {}
    cache: dict[tuple, Any] = {}  # each table's sums, found once for the run
    originals, released = keep_hidden(results, k, replacing)  # rule 11: what an earlier release hid stays hidden
    for name, table in originals.items():
        pub = public_table(table, k, lang, cache=cache)
        if pub is not None:
            tables[name] = pub
    from .disclosure_across import across_tables  # it uses public_table: imported here, not at the top

    across_tables(tables, originals, k, lang, cache)
    tables = _without_focus_union(tables)  # rule 7d, after the suppression: it only takes numbers away
    rasters = public_rasters(cell_rasters(results, tables, k), k)  # from published grid cell counts (rule 9)
    incidents = drop_text_columns(results.incidents.iloc[0:0])
    rejects = drop_text_columns(results.rejects.iloc[0:0])
    record = copy.deepcopy(results.record)
    record["disclosure"] = {
        "mode": "public",
        "min_count": k,
        "tables_left_out": sorted(set(results.tables) - set(tables)),
        "rasters_left_out": sorted(set(results.rasters) - set(rasters)),
        "rules": recorded_rules(),
        **released,
    }
    return dataclasses.replace(
        results,
        incidents=incidents,
        rejects=rejects,
        tables=tables,
        rasters=rasters,
        quality=_numbers_only(results.quality) or {},
        record=record,
        parameters=public_density_parameters(results.parameters, rasters),  # a copy; the public bandwidth
        public=True,
    )

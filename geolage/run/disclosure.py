"""Disclosure control: make results safe to publish.

Two output modes exist (``output.mode``). ``internal`` outputs may hold incident
points and free text. ``public`` outputs (the default for the map and the report)
must not let a reader identify a single incident. :func:`public_results` turns a
:class:`~geolage.run.results.RunResults` into its public version; every exporter writes
from that version in public mode. :func:`geolage.outputs.audit.scan_public_outputs`
checks a written output folder afterwards and is what the test suite uses to prove the
rules hold.

Rules of the public mode (``k = output.min_count``, default 5)
---------------------------------------------------------------
1. Tables marked ``internal_only`` (incident points, rejects) are left out.
2. Free-text columns (:data:`FREE_TEXT_COLUMNS`) are dropped from every table.
3. Primary suppression: in every count column (``Table.count_columns`` and the
   column names in :data:`DEFAULT_COUNT_COLUMNS`) a value ``v`` with ``0 < v < k``
   becomes missing (NaN) and ``<column>_suppressed`` is set True. Zero is kept in
   district and other non-grid tables (a zero identifies nobody).
4. Grid tables (tables with a ``cell_id`` column): counts ``0 <= v < k`` are all
   suppressed, so a public reader cannot tell an empty cell from one with 1..k-1
   incidents; cell geometry is kept (the SCB grid is public and says nothing by
   itself). Per-cell continuous statistics (:data:`GRID_WITHHELD_COLUMNS`:
   Gi* z/p/q, LISA I/p/q, the LISA variable and its lag) are dropped, because the
   z-scores of all cells are a linear function of the cell counts and could be
   inverted; the class columns (``gistar_class``, ``lisa_cluster``,
   ``emerging_category``) are kept. A grid ``score`` whose values are all whole
   numbers (a count-based forecast) is treated as a count.
5. Derived columns: in a row where a count is suppressed, every column derived from
   it (:data:`DERIVED_COLUMNS`, e.g. ``rate*``, ``eb_rate*``, rate ratios, ``lqc``,
   shares, Gini, ``change_pct``, ``coverage``, the funnel position) is suppressed
   too, since ``rate × population / per`` gives the count back.
6. Complementary suppression: where a table has an ``"alla"`` (all categories)
   row and exactly one category row of the same group (same district / area /
   cell / period …) is suppressed, the smallest other unsuppressed category count of
   the group is suppressed as well, so ``alla − the rest`` does not reveal it.
   Residual risk (documented, not removed): differencing *across* tables or
   across districts (e.g. a municipality total in ``series`` minus the district
   rows of ``rates_district``) can narrow a suppressed cell to an interval.
7. ``lorenz`` rows of a (unit, category) whose ``concentration.n_incidents`` is
   suppressed are dropped (the curve's steps would give the count back).
8. Rasters (kernel density): cells where fewer than ``k`` kernel-weighted incidents
   contribute (density / kernel peak < k) are set to NaN; a raster whose kernel or
   bandwidth is not recorded in ``Raster.parameters`` is left out.
9. ``incidents`` and ``rejects`` are emptied; ``quality`` keeps only numbers (no
   example values or messages).
"""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
import logging
import math
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..categories import ALL_CATEGORIES
from . import schemas
from .results import Raster, RunResults, Table

__all__ = [
    "FREE_TEXT_COLUMNS",
    "DEFAULT_COUNT_COLUMNS",
    "DERIVED_COLUMNS",
    "GRID_WITHHELD_COLUMNS",
    "suppressed_label",
    "drop_text_columns",
    "public_table",
    "public_raster",
    "public_results",
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

#: Columns that identify the group of a row (for complementary suppression).
_GROUP_COLUMNS = ("district_id", "area", "cell_id", "unit", "period", "year", "method", "origin", "month")

#: Kernel value at distance 0 for a bandwidth of 1 (2-D kernels as used by density.py).
_KERNEL_PEAK = {
    "quartic": 3 / math.pi,
    "epanechnikov": 2 / math.pi,
    "triangular": 3 / math.pi,
    "uniform": 1 / math.pi,
    "gaussian": 1 / (2 * math.pi),
}


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
    if pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col]):
        df[col] = df[col].astype("float64")
        df.loc[mask, col] = np.nan
    else:
        df[col] = df[col].astype(object)
        df.loc[mask, col] = None


def _derived(col: str, columns: Iterable[str], counts: set[str]) -> list[str]:
    patterns = DERIVED_COLUMNS.get(col, (f"{col}_*",))
    out = []
    for c in columns:
        if c == col or c in counts or str(c).endswith("_suppressed") or c == "geometry":
            continue
        if any(fnmatch.fnmatchcase(str(c), p) for p in patterns):
            out.append(c)
    return out


def public_table(table: Table, min_count: int = 5, language: str = "sv") -> Table | None:
    """Return the public version of one result table.

    Parameters
    ----------
    table : Table
    min_count : int
        Smallest count shown (``output.min_count``).
    language : {"sv", "en"}
        Language of the added description note.

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
    df = drop_text_columns(table.data).copy()
    is_grid = "cell_id" in df.columns
    counts = [c for c in dict.fromkeys([*table.count_columns, *DEFAULT_COUNT_COLUMNS]) if c in df.columns]
    if is_grid:
        df = df.drop(columns=[c for c in GRID_WITHHELD_COLUMNS if c in df.columns])
        if "score" in df.columns and "score" not in counts:
            score = pd.to_numeric(df["score"], errors="coerce").dropna()
            if len(score) and np.allclose(score, np.round(score)):
                counts.append("score")
    count_set = set(counts)
    suppressed: dict[str, pd.Series] = {}
    for col in counts:
        mask = _small(df[col], min_count, include_zero=is_grid)
        flag = f"{col}_suppressed"
        if flag in df.columns:  # already public: keep what was suppressed before
            mask = mask | df[flag].fillna(False).astype(bool)
        suppressed[col] = mask
    _complementary(df, suppressed)
    for col in counts:
        mask = suppressed[col]
        _set_missing(df, col, mask)
        for dcol in _derived(col, df.columns, count_set):
            _set_missing(df, dcol, mask)
        df[f"{col}_suppressed"] = mask.to_numpy()
    n = int(sum(int(m.sum()) for m in suppressed.values()))
    if n:
        log.info("public mode: %s: %d values under %d suppressed", table.name, n, min_count)
    note = f"Counts under {min_count} are suppressed." if language == "en" else f"Antal under {min_count} visas inte."
    description = dict(table.description)
    description[language] = (description.get(language, "") + " " + note).strip()
    if isinstance(table.data, gpd.GeoDataFrame) and not isinstance(df, gpd.GeoDataFrame):
        df = gpd.GeoDataFrame(df, geometry=table.data.geometry.name, crs=table.data.crs)
    return dataclasses.replace(table, data=df, description=description)


def _complementary(df: pd.DataFrame, suppressed: dict[str, pd.Series]) -> None:
    """Secondary suppression so that an ``"alla"`` total does not reveal one hidden category."""
    if "category" not in df.columns or not (df["category"] == ALL_CATEGORIES).any():
        return
    keys = [c for c in _GROUP_COLUMNS if c in df.columns]
    by = keys[0] if len(keys) == 1 else keys
    groups = df.groupby(by, dropna=False, sort=False).groups if keys else {None: df.index}
    is_total = df["category"] == ALL_CATEGORIES
    for col, mask in suppressed.items():
        for _, idx in groups.items():
            idx = pd.Index(idx)
            parts = idx[~is_total.loc[idx].to_numpy()]
            if not is_total.loc[idx].any() or is_total.loc[idx][mask.loc[idx]].any():
                continue
            hidden = mask.loc[parts]
            if int(hidden.sum()) != 1:
                continue
            candidates = pd.to_numeric(df.loc[parts[~hidden.to_numpy()], col], errors="coerce").dropna()
            if candidates.empty:
                continue
            extra = candidates.idxmin()
            mask.loc[extra] = True
            log.debug("complementary suppression of %s in row %s", col, extra)


def public_raster(raster: Raster, min_count: int = 5) -> Raster | None:
    """Mask a density raster where fewer than ``min_count`` incidents contribute.

    Parameters
    ----------
    raster : Raster
        Values in incidents per km² (or per m² when ``unit`` says m²), with
        ``parameters["kernel"]`` and ``parameters["bandwidth"]`` (metres).
    min_count : int

    Returns
    -------
    Raster or None
        A copy with cells of density below ``min_count × kernel peak`` set to NaN
        (the kernel peak is the density one incident gives at its own place), or
        None when kernel or bandwidth is not recorded.
    """
    kernel = str(raster.parameters.get("kernel", "")).lower()
    bandwidth = raster.parameters.get("bandwidth", raster.parameters.get("bandwidth_m"))
    try:
        h = float(bandwidth)
    except (TypeError, ValueError):
        h = float("nan")
    if kernel not in _KERNEL_PEAK or not h > 0:
        log.warning("public mode: raster %s left out (kernel/bandwidth not recorded)", raster.name)
        return None
    per_m2 = "m²" in raster.unit and "km²" not in raster.unit
    h_unit = h if per_m2 else h / 1000.0
    threshold = min_count * _KERNEL_PEAK[kernel] / h_unit**2
    arr = np.array(raster.array, dtype="float64", copy=True)
    arr[~(arr >= threshold)] = np.nan
    params = dict(raster.parameters, public_min_count=min_count, public_threshold=threshold)
    return dataclasses.replace(raster, array=arr, parameters=params)


def _numbers_only(obj: Any) -> Any:
    if isinstance(obj, dict):
        out = {k: _numbers_only(v) for k, v in obj.items()}
        return {k: v for k, v in out.items() if v is not None}
    if isinstance(obj, bool | int | float | np.integer | np.floating):
        return obj
    return None


def public_results(results: RunResults, min_count: int | None = None, language: str | None = None) -> RunResults:
    """Return the public version of a whole run (rules in the module docstring).

    Parameters
    ----------
    results : RunResults
    min_count : int, optional
        Default ``results.config.output.min_count``.
    language : {"sv", "en"}, optional
        Default ``results.config.project.language``.

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
    for name, table in results.tables.items():
        pub = public_table(table, k, lang)
        if pub is not None:
            tables[name] = pub
    lorenz, concentration = schemas.LORENZ.name, schemas.CONCENTRATION.name
    if lorenz in tables and concentration in tables:
        tables[lorenz] = _drop_lorenz(tables[lorenz], tables[concentration])
    rasters = {}
    for name, raster in results.rasters.items():
        pub_r = public_raster(raster, k)
        if pub_r is not None:
            rasters[name] = pub_r
    incidents = drop_text_columns(results.incidents.iloc[0:0])
    rejects = drop_text_columns(results.rejects.iloc[0:0])
    record = copy.deepcopy(results.record)
    record["disclosure"] = {
        "mode": "public",
        "min_count": k,
        "tables_left_out": sorted(set(results.tables) - set(tables)),
        "rasters_left_out": sorted(set(results.rasters) - set(rasters)),
    }
    return dataclasses.replace(
        results,
        incidents=incidents,
        rejects=rejects,
        tables=tables,
        rasters=rasters,
        quality=_numbers_only(results.quality) or {},
        record=record,
        parameters=copy.deepcopy(results.parameters),
        public=True,
    )


def _drop_lorenz(lorenz: Table, concentration: Table) -> Table:
    c = concentration.data
    if "n_incidents_suppressed" not in c.columns or not {"unit", "category"} <= set(lorenz.data.columns):
        return lorenz
    hidden = set(map(tuple, c.loc[c["n_incidents_suppressed"], ["unit", "category"]].astype(str).to_numpy()))
    if not hidden:
        return lorenz
    pairs = zip(lorenz.data["unit"], lorenz.data["category"], strict=True)
    keep = [(str(u), str(cat)) not in hidden for u, cat in pairs]
    return dataclasses.replace(lorenz, data=lorenz.data.loc[keep].reset_index(drop=True))

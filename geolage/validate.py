"""Check incident rows: every row ends up accepted or rejected with a reason (nothing lost).

The checks run in a fixed order and a row is rejected for the *first* problem found:

1. ``missing_category`` / ``unknown_category`` – the category code is empty or not in
   the source's mapping table.
2. ``missing_coordinates`` / ``invalid_coordinates`` / ``zero_coordinates`` – no
   usable coordinates. Coordinates are *fixed* (and the fix recorded in ``fixes``)
   when only one reading lands inside the CRS's area of use: WGS84 lon/lat written in
   projected columns (``latlon_in_xy``), projected x/y swapped (``swapped_axes``),
   lat/lon swapped (``swapped_latlon``).
3. ``missing_date`` / ``invalid_date`` / ``ambiguous_date`` / ``time_window_reversed``
   / ``future_date`` – the time cannot be used. Dates are ISO 8601 unless the source
   names a ``date_format``; a non-ISO date such as ``04/03/2021`` that reads as two
   different days is ``ambiguous_date``.
4. ``outside_period`` – the incident time (the middle of its window) is outside
   ``periods.start``–``periods.end``.
5. ``outside_study_area`` – the point is outside the study area; ``unknown_district`` – the source names
   each incident's district (``[sources.columns] district``) and this row's value is neither an id nor a
   name of the district layer (:mod:`geolage.district_names`).
6. ``duplicate_exact`` / ``duplicate_near`` – the same category at the same time and
   place (exact), or within ``validation.duplicate_distance`` metres and
   ``validation.duplicate_minutes`` minutes (near), as an earlier row. The earlier
   row (in source order, then row order) is kept. Only rows with a clock time are
   compared: rows with a date only (or a month) cannot be told apart from separate
   incidents at the same place, so they are never marked as duplicates (their number
   is reported as ``duplicates_not_checked``).
7. ``outside_districts`` – only when ``validation.outside_districts = "reject"``;
   otherwise the incident is kept with no district and counted.

A row with several problems is rejected once, for the first in this order (so accepted + rejected = read).
Whole sources are checked too (:mod:`geolage.source_checks`): a declared CRS that puts most points outside
the study area while another CRS fits is an error naming that CRS; rows sharing an id but differing are
kept (a report may hold several offences) and counted (``repeated_ids``).

Personal identity numbers (personnummer and samordningsnummer, with a valid check
digit) in free-text columns are replaced by ``[personnummer]`` before anything is
kept or written, in accepted rows and in the rejects table alike
(:func:`geolage.personal.mask_personal_numbers`). Dates and times are read by
:mod:`geolage.dates`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from .config import Config, SourceConfig
from .dates import DAY, END_OF_DAY, join_date_parts, parse_clock_times, parse_datetimes, span_end
from .district_names import NAMED_DISTRICT, district_lookup, match_district_names
from .duplicates import find_duplicates
from .io import GEOMETRY_X, GEOMETRY_Y, file_sha256, read_source_table
from .personal import mask_personal_numbers
from .source_checks import check_source_crs, repeated_ids
from .text.checks import REPEATED_IDS
from .text.format import Text
from .validate_rows import (  # noqa: F401  (_to_float, _blank: read by source_checks and tests from here)
    LONLAT_MARGIN_DEGREES,
    REASONS,
    _blank,
    _check_study_area,
    _coordinates,
    _Rejections,
    _text,
    _to_float,
)

__all__ = [
    "REASONS",
    "FIXES",
    "INCIDENT_COLUMNS",
    "REJECT_COLUMNS",
    "mask_personal_numbers",
    "validate_source",
    "validate_incidents",
    "assign_districts",
    "ValidationOutcome",
]

log = logging.getLogger(__name__)

#: Fix codes recorded in the ``fixes`` column of accepted incidents.
FIXES: dict[str, dict[str, str]] = {
    "latlon_in_xy": {"sv": "WGS84 lat/lon i x/y-kolumner omräknat", "en": "WGS84 lat/lon in x/y columns converted"},
    "swapped_axes": {"sv": "x och y var omkastade", "en": "x and y were swapped"},
    "swapped_latlon": {"sv": "lat och lon var omkastade", "en": "lat and lon were swapped"},
}

INCIDENT_COLUMNS = [
    "incident_id",
    "source",
    "source_row",
    "category",
    "source_category",
    "time",
    "time_from",
    "time_to",
    "has_clock_time",
    "x",
    "y",
    "district_id",
    "district_name",
    "cell_id",
    "fixes",
    "text",
]
REJECT_COLUMNS = ["source", "source_row", "reason", "column", "value", "message", "raw"]


def _count_fixes(fixes: Any) -> dict[str, int]:
    """How many rows got each fix code (``fixes`` holds ``;``-joined codes per row).

    Each distinct value is split once, weighted by its number of rows (rows were split one by one:
    3 s per million rows, issue 13); the same counts as :func:`_count_fixes_per_row` (tested).
    """
    # factorize: distinct values in order of first appearance, so codes are listed as the per-row count lists them
    arr = np.array(fixes, dtype=object)
    missing = pd.isna(arr)
    arr[missing] = [str(v) for v in arr[missing]]  # as the per-row count reads them ("None", "nan")
    codes, uniques = pd.factorize(arr)
    rows = np.bincount(codes, minlength=len(uniques))
    counts: dict[str, int] = {}
    for f, k in zip(uniques, rows):
        for code in filter(None, str(f).split(";")):
            counts[code] = counts.get(code, 0) + int(k)
    return counts


def _count_fixes_per_row(fixes: Any) -> dict[str, int]:
    """The row-by-row count (reference of :func:`_count_fixes`)."""
    counts: dict[str, int] = {}
    for f in fixes:
        for code in filter(None, str(f).split(";")):
            counts[code] = counts.get(code, 0) + 1
    return counts


# ---------------------------------------------------------------------------- one source
@dataclass
class ValidationOutcome:
    """Accepted incidents, rejected rows and the data-quality summary of a validation."""

    incidents: gpd.GeoDataFrame
    rejects: pd.DataFrame
    quality: dict[str, Any]


def validate_source(
    raw: pd.DataFrame,
    src: SourceConfig,
    *,
    crs: str,
    study_area: shapely.Geometry | None,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    language: str = "sv",
    district_lookup: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Check the rows of one source (all checks but duplicates and districts).

    Parameters
    ----------
    raw : DataFrame
        The source as text columns (:func:`geolage.io.read_source_table`).
    src : SourceConfig
        Column mapping, category mapping, CRS, date format.
    crs : str
        The run CRS that accepted coordinates are converted to.
    study_area : shapely geometry, optional
        Points outside it are rejected (``outside_study_area``).
    start, end : date
        The analysed period (inclusive).
    as_of : date
        "Today": times after the end of this day are ``future_date``.
    language : {"sv", "en"}
        Language of the reject messages.
    district_lookup : dict, optional
        District ids and names -> id (:func:`geolage.district_names.district_lookup`): with a
        ``district`` column, the district each row names (column ``NAMED_DISTRICT``) or ``unknown_district``.

    Returns
    -------
    accepted : DataFrame
        Candidate incidents (columns of :data:`INCIDENT_COLUMNS` but districts and cell).
    rejects : DataFrame
        Columns :data:`REJECT_COLUMNS`.
    stats : dict
        ``read``, ``fixes`` (code -> n), ``personnummer_masked``.
    """
    n = len(raw)
    rej = _Rejections(n, language)
    rows = np.arange(1, n + 1)
    # Free text first: nothing unmasked may reach any output, rejects included.
    raw, masked = _mask_text_columns(raw, src.columns.text)
    category, source_category = _categories(raw, src, rej)  # 1
    x, y, fixes = _coordinates(raw, src, crs, rej)  # 2
    time, t_from, t_to, clock = _times(raw, src, rej)  # 3
    _check_time_range(raw, src, rej, t_from, t_to, time, start=start, end=end, as_of=as_of)  # 3 (future), 4
    if study_area is not None:  # 5
        _check_study_area(x, y, study_area, rej)
    named = None
    if src.columns.district is not None and district_lookup is not None:  # 5: the district it names
        values = raw[src.columns.district]
        named, unknown = match_district_names(values, district_lookup)
        rej.add(unknown, "unknown_district", src.columns.district, values.to_numpy(dtype=object))

    acc = rej.open
    accepted = pd.DataFrame(
        {
            "incident_id": _incident_ids(raw, src, rows)[acc],
            "source": src.name,
            "source_row": rows[acc],
            "category": category[acc].astype(object),
            "source_category": source_category[acc],
            "time": time[acc],
            "time_from": t_from[acc],
            "time_to": t_to[acc],
            "has_clock_time": clock[acc],
            "x": x[acc],
            "y": y[acc],
            "fixes": fixes[acc],
            "text": _free_text(raw, src.columns.text)[acc],
        }
    )
    for col in src.columns.keep:
        accepted[col] = raw[col].to_numpy(dtype=object)[acc]
    if named is not None:
        accepted[NAMED_DISTRICT] = named[acc]
    rejects = _rejects_frame(raw, src.name, rows, rej, ~acc)
    stats = {"read": n, "fixes": _count_fixes(fixes[acc]), "personnummer_masked": int(masked)}
    return accepted, rejects, stats


def _mask_text_columns(raw: pd.DataFrame, columns: tuple[str, ...]) -> tuple[pd.DataFrame, int]:
    """A copy of ``raw`` with personal identity numbers masked in the free-text ``columns``, and their number.

    Only the configured free-text columns are masked: coordinates, ids, dates and
    numbers are never altered (issue 10: a coordinate ``372361.2908246644`` was
    masked and its row rejected). A number has ten digits at least, so only texts with
    ten digits or more are read by :func:`mask_personal_numbers` (counted by Arrow; every
    text was read in Python: seconds per million rows, issue 13); the same columns as
    :func:`_mask_text_columns_per_value` (tested).
    """
    raw = raw.copy(deep=False)  # copy-on-write (pandas 3): the columns replaced below are new, the others shared
    masked = 0
    for col in columns:
        if col not in raw.columns:
            continue
        values = raw[col].to_numpy(dtype=object).copy()
        for i in _with_ten_digits(raw[col]):
            v = values[i]
            if isinstance(v, str):
                values[i], k = mask_personal_numbers(v)
                masked += k
        raw[col] = pd.Series(values, index=raw.index, dtype=object)
    return raw, masked


def _with_ten_digits(s: pd.Series) -> np.ndarray:
    """Rows whose text may hold a personal number: ten decimal digits or more (every row unless Arrow text)."""
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        return np.arange(len(s))
    # \p{Nd}: every Unicode decimal digit, what Python's \d matches in the number pattern (RE2's \d is ASCII only)
    digits = pc.count_substring_regex(pa.array(s.array), r"\p{Nd}")
    return np.flatnonzero(pc.fill_null(pc.greater_equal(digits, 10), False).to_numpy(zero_copy_only=False))


def _mask_text_columns_per_value(raw: pd.DataFrame, columns: tuple[str, ...]) -> tuple[pd.DataFrame, int]:
    """Every text read by :func:`mask_personal_numbers` (reference of :func:`_mask_text_columns`)."""
    raw = raw.copy()
    masked = 0
    for col in columns:
        if col not in raw.columns:
            continue
        out = [mask_personal_numbers(v) if isinstance(v, str) else (v, 0) for v in raw[col].tolist()]
        raw[col] = pd.Series([o[0] for o in out], index=raw.index, dtype=object)
        masked += sum(o[1] for o in out)
    return raw, masked


def _free_text(raw: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    """The free-text columns joined with `` | `` (empty ones left out)."""
    text = np.full(len(raw), "", dtype=object)
    for col in columns:
        vals = _text(raw[col])
        text = np.where(text == "", vals, np.where(vals == "", text, text + " | " + vals))
    return text


def _categories(raw: pd.DataFrame, src: SourceConfig, rej: _Rejections) -> tuple[np.ndarray, np.ndarray]:
    """(geolage category, source code as written) per row; rejects missing and unmapped codes."""
    column = src.columns.category
    written = raw[column].astype("string").str.strip()
    rej.add(_blank(raw[column]), "missing_category", column)
    mapping = {str(k).strip(): v for k, v in src.categories.items()}
    category = written.map(mapping).to_numpy(dtype=object)
    unknown = pd.isna(category)
    if src.unknown_category != "reject":
        category = np.where(unknown, src.unknown_category, category)
    else:
        rej.add(unknown, "unknown_category", column, written.to_numpy(dtype=object))
    return category, written.to_numpy(dtype=object)


def _incident_ids(raw: pd.DataFrame, src: SourceConfig, rows: np.ndarray) -> np.ndarray:
    """``"{source}:{id}"``: the id column, or ``rad{row}`` where there is none; a repeated id gets ``#rad{row}``."""
    # Arrow string operations, and f-strings only for the rows that need a row number (ids were formatted
    # one by one: 3 s per million rows, issue 13); the same ids as :func:`_incident_ids_per_row` (tested).
    n = len(rows)
    if src.columns.id is not None:
        ids = raw[src.columns.id].astype("string[pyarrow]").str.strip().fillna("")
    else:
        ids = pd.Series("", index=range(n), dtype="string[pyarrow]")
    ids = (src.name + ":" + ids.reset_index(drop=True)).to_numpy(dtype=object)
    blank = np.flatnonzero(ids == f"{src.name}:")
    ids[blank] = [f"{src.name}:rad{r}" for r in rows[blank]]
    repeated = np.flatnonzero(pd.Series(ids).duplicated(keep=False).to_numpy())
    ids[repeated] = [f"{i}#rad{r}" for i, r in zip(ids[repeated], rows[repeated])]
    return ids


def _incident_ids_per_row(raw: pd.DataFrame, src: SourceConfig, rows: np.ndarray) -> np.ndarray:
    """The row-by-row ids (reference of :func:`_incident_ids`)."""
    if src.columns.id is not None:
        ids = raw[src.columns.id].astype("string").str.strip().fillna("").to_numpy(dtype=object)
        ids = np.where(ids == "", [f"rad{r}" for r in rows], ids)
    else:
        ids = np.array([f"rad{r}" for r in rows], dtype=object)
    incident_id = np.array([f"{src.name}:{i}" for i in ids], dtype=object)
    repeated = pd.Series(incident_id).duplicated(keep=False).to_numpy()
    return np.where(repeated, [f"{i}#rad{r}" for i, r in zip(incident_id, rows)], incident_id)


def _rejects_frame(raw: pd.DataFrame, name: str, rows: np.ndarray, rej: _Rejections, mask: np.ndarray) -> pd.DataFrame:
    visible = [col for col in raw.columns if col not in (GEOMETRY_X, GEOMETRY_Y)]
    records = raw.loc[mask, visible].to_dict(orient="records")
    raw_json = [
        json.dumps({k: (None if pd.isna(v) else str(v)) for k, v in r.items()}, ensure_ascii=False) for r in records
    ]
    return pd.DataFrame(
        {
            "source": name,
            "source_row": rows[mask],
            "reason": rej.reason[mask],
            "column": rej.column[mask],
            "value": rej.value[mask],
            "message": rej.message[mask],
            "raw": raw_json,
        },
        columns=REJECT_COLUMNS,
    )

# ---------------------------------------------------------------------------- times
def _times(raw: pd.DataFrame, src: SourceConfig, rej: _Rejections) -> tuple[np.ndarray, ...]:
    """(time, time_from, time_to, has_clock_time); rejects rows whose time cannot be read.

    ``time`` is the middle of the window (NaT for rejected rows); a date without clock
    time covers its whole span (:func:`geolage.dates.span_end`).
    """
    if src.columns.time_from is not None:
        t_from, t_to, clock = _window_times(raw, src, rej)
    else:
        t_from, t_to, clock = _point_times(raw, src, rej)
    with np.errstate(invalid="ignore"):
        mid = t_from + (t_to - t_from) // 2
    time = np.where(rej.open, mid, np.datetime64("NaT", "ns"))
    return time, t_from, t_to, clock


def _reject_unreadable(rej: _Rejections, status: np.ndarray, column: str, values: pd.Series, detail: Any) -> None:
    """Reject missing, ambiguous and invalid dates (statuses of :func:`geolage.dates.parse_datetimes`)."""
    rej.add(status == "missing", "missing_date", column)
    rej.add(status == "ambiguous", "ambiguous_date", column, values)  # a Series: read at the rejected rows only
    rej.add(status == "invalid", "invalid_date", column, values, detail)


def _window_times(raw: pd.DataFrame, src: SourceConfig, rej: _Rejections) -> tuple[np.ndarray, ...]:
    """A from–to window (police data); an empty 'to' means the window is the 'from' time (or date)."""
    c, fmt = src.columns, src.date_format
    assert c.time_from is not None  # only called for sources with a window
    n = len(raw)
    nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    s_from, t_from, clock_from, d_from = parse_datetimes(raw[c.time_from], fmt)
    _reject_unreadable(rej, s_from, c.time_from, raw[c.time_from], d_from)
    if c.time_to is not None:
        s_to, t_to, clock_to, d_to = parse_datetimes(raw[c.time_to], fmt)
        present = s_to != "missing"
        _reject_unreadable(rej, np.where(present, s_to, "ok"), c.time_to, raw[c.time_to], d_to)
        t_to = np.where(present, t_to, nat)
    else:
        t_to = nat.copy()
        clock_to = np.zeros(n, dtype=bool)
        present = np.zeros(n, dtype=bool)
    clock = clock_from & (clock_to | ~present)
    # Date-only ends cover their whole day.
    t_to = np.where(
        present,
        np.where(clock_to, t_to, span_end(t_to, fmt)),
        np.where(clock_from, t_from, span_end(t_from, fmt)),
    )
    reversed_ = rej.open & (t_from > t_to)
    def vals(idx: np.ndarray) -> list[str]:  # "from > to", for the rejected rows only
        return [f"{a} > {b}" for a, b in zip(pd.Series(t_from[idx]).astype(str), pd.Series(t_to[idx]).astype(str))]

    rej.add(reversed_, "time_window_reversed", f"{c.time_from}/{c.time_to}", vals)
    return t_from, t_to, clock


def _point_times(raw: pd.DataFrame, src: SourceConfig, rej: _Rejections) -> tuple[np.ndarray, ...]:
    """A date-time, a date (with an optional clock-time column) or date parts in separate columns."""
    c = src.columns
    if c.year is not None:
        raw = raw.copy()
        raw["__datetime"] = join_date_parts(raw, c.year, c.month, c.day, c.hour, c.minute)
        column = "__datetime"
    else:
        column = c.datetime or c.date
    assert column is not None  # config validation guarantees one of them
    status, t, clock, detail = parse_datetimes(raw[column], src.date_format if c.year is None else None)
    _reject_unreadable(rej, status, column, raw[column], detail)
    if c.time is not None:
        t_status, delta = parse_clock_times(raw[c.time])
        rej.add(t_status == "invalid", "invalid_date", c.time, raw[c.time].to_numpy(dtype=object),
                Text("väntade TT:MM", "expected HH:MM"))
        has = t_status == "ok"
        t = np.where(has & ~clock, t + delta, t)
        clock = clock | has
    return t, np.where(clock, t, span_end(t, src.date_format)), clock


def _check_time_range(
    raw: pd.DataFrame,
    src: SourceConfig,
    rej: _Rejections,
    t_from: np.ndarray,
    t_to: np.ndarray,
    time: np.ndarray,
    *,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
) -> None:
    """Reject times after the end of ``as_of`` (``future_date``), then times outside start–end."""
    c = src.columns
    time_col = c.time_from or c.datetime or c.date or c.year
    assert time_col is not None  # config validation guarantees one of them

    def time_text(idx: np.ndarray) -> np.ndarray:  # the time as written, for the rejected rows only
        text = _text(raw[time_col].iloc[idx])
        if c.time_to is not None:
            to_text = _text(raw[c.time_to].iloc[idx])
            return np.where(to_text != "", text + " – " + to_text, text)
        if c.time is not None:
            return text + " " + _text(raw[c.time].iloc[idx])
        return text

    as_of_end = np.datetime64(dt.datetime.combine(as_of, dt.time())) + END_OF_DAY
    rej.add((t_from > as_of_end) | (t_to > as_of_end), "future_date", time_col, time_text, str(as_of))
    p0 = np.datetime64(dt.datetime.combine(start, dt.time()))
    p1 = np.datetime64(dt.datetime.combine(end, dt.time())) + DAY
    rej.add((time < p0) | (time >= p1), "outside_period", time_col, time_text, f"{start}–{end}")


# ---------------------------------------------------------------------------- districts
def assign_districts(
    x: np.ndarray, y: np.ndarray, districts: gpd.GeoDataFrame, *, points: np.ndarray | None = None
) -> np.ndarray:
    """District id of each point (None outside every district).

    A point on a shared boundary belongs to the district that comes first in the
    districts layer, so the assignment is deterministic.

    Parameters
    ----------
    x, y : ndarray
        Point coordinates (NaN: no point, None).
    districts : GeoDataFrame
        With ``district_id``, in layer order.
    points : ndarray of shapely Points, optional
        ``shapely.points(x, y)`` when the caller has made them already (not made again).

    Returns
    -------
    ndarray of object

    Notes
    -----
    Candidates by bounding box from the districts' STRtree, then each district prepared
    once and tested with ``shapely.intersects_xy``: what ``geopandas.sjoin(...,
    predicate="intersects")`` gives (tested), about twice as fast for detailed boundaries
    (``sjoin`` tests unprepared polygons; ``scripts/benchmark_scale.py`` measures both).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(x)
    out = np.full(n, None, dtype=object)
    if n == 0 or len(districts) == 0:
        return out
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    pts = shapely.points(x[ok], y[ok]) if points is None else np.asarray(points)[ok]
    pt, poly = districts.sindex.query(pts)  # bounding boxes only
    order = np.argsort(poly, kind="stable")
    pt, poly = ok[pt[order]], poly[order]
    first = np.full(n, len(districts), dtype=np.int64)
    geoms = districts.geometry.to_numpy()
    starts = np.flatnonzero(np.r_[True, poly[1:] != poly[:-1]]) if len(poly) else np.zeros(0, dtype=int)
    for a, b in zip(starts, np.r_[starts[1:], len(poly)]):
        g, cand = geoms[poly[a]], pt[a:b]
        shapely.prepare(g)
        hit = cand[shapely.intersects_xy(g, x[cand], y[cand])]
        first[hit] = np.minimum(first[hit], poly[a])
    found = first < len(districts)
    out[found] = districts["district_id"].to_numpy(dtype=object)[first[found]]
    return out


# ---------------------------------------------------------------------------- all sources
def validate_incidents(
    config: Config,
    districts: gpd.GeoDataFrame,
    study_area: shapely.Geometry | None,
    *,
    progress: Any = None,
) -> ValidationOutcome:
    """Read and check every incident source of a run; nothing is lost.

    Parameters
    ----------
    config : Config
    districts : GeoDataFrame
        From :func:`geolage.io.read_districts`.
    study_area : shapely geometry, optional
        Points outside it are rejected; None keeps every valid point.
    progress : callable, optional
        Called with the source name before each source is read (for progress bars).

    Returns
    -------
    ValidationOutcome
        ``incidents`` (GeoDataFrame, schema in ``docs/DEVELOPING.md``; ``cell_id`` is
        left empty for the grid step), ``rejects`` and ``quality``.

    Notes
    -----
    For every source, ``accepted + rejected == read`` (checked here; a violation is a
    bug and raises ``RuntimeError``).
    """
    language = config.project.language
    as_of = config.project.as_of or dt.date.today()
    parts: list[pd.DataFrame] = []
    rejects: list[pd.DataFrame] = []
    per_source: dict[str, dict[str, Any]] = {}
    named = config.districts is not None and any(s.columns.district is not None for s in config.sources)
    lookup = district_lookup(districts) if named else None
    for src in config.sources:
        if progress is not None:
            progress(src.name)
        raw = read_source_table(src)
        acc, rej, stats = validate_source(
            raw,
            src,
            crs=config.project.crs,
            study_area=study_area,
            start=config.periods.start,
            end=config.periods.end,
            as_of=as_of,
            language=language,
            district_lookup=lookup,
        )
        check_source_crs(raw, src, rej, run_crs=config.project.crs, study_area=study_area)  # wrong CRS: an error
        stats.update(path=str(src.path), format=src.resolved_format(), sha256=file_sha256(src.path))
        stats["repeated_ids"] = repeated_ids(raw, src)  # kept (a report may hold several offences), counted
        if stats["repeated_ids"]["rows"]:
            r = stats["repeated_ids"]
            log.warning(REPEATED_IDS[language].format(path=src.path, rows=r["rows"], ids=r["ids"],
                                                      column=src.columns.id, examples=", ".join(r["examples"])))
        per_source[src.name] = stats
        parts.append(acc)
        rejects.append(rej)
        del raw, acc, rej  # the source as read is not kept while the next is read or the rest is checked
    cand = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=INCIDENT_COLUMNS)
    del parts  # concatenated: the parts are not kept beside cand
    reason, detail = find_duplicates(
        cand, config.validation.duplicate_distance, config.validation.duplicate_minutes, language
    )
    cx, cy = cand["x"].to_numpy(float), cand["y"].to_numpy(float)
    points = shapely.points(cx, cy)  # once: for the districts and as the incidents' geometry
    district = assign_districts(cx, cy, districts, points=points)
    if NAMED_DISTRICT in cand.columns:  # the district a row names wins over the one its point falls in
        named = cand.pop(NAMED_DISTRICT).to_numpy(dtype=object)
        district = np.where(pd.notna(named), named, district)
    if config.validation.outside_districts == "reject":
        reason = np.where(pd.isna(reason) & pd.isna(district), "outside_districts", reason)
    rejected = ~pd.isna(reason)
    if rejected.any():
        rejects.append(_rejects_across_sources(cand[rejected], reason[rejected], detail[rejected], language))
    inc = _incidents_frame(cand[~rejected], district[~rejected], districts, config.project.crs, points[~rejected])
    del cand, points, district  # not kept beside the incidents (a second copy of every row)
    rej_all = (
        pd.concat([r for r in rejects if len(r)], ignore_index=True)
        if any(len(r) for r in rejects)
        else pd.DataFrame(columns=REJECT_COLUMNS)
    )
    rej_all = rej_all.sort_values(["source", "source_row"], kind="stable").reset_index(drop=True)
    quality = _quality(per_source, inc, rej_all)
    return ValidationOutcome(inc, rej_all, quality)


def _rejects_across_sources(
    rows: pd.DataFrame, reason: np.ndarray, detail: np.ndarray, language: str
) -> pd.DataFrame:
    """Rejects of the checks that compare rows of all sources: duplicates and points outside every district."""
    places = [f"({x:.0f}, {y:.0f})" for x, y in zip(rows["x"], rows["y"])]
    messages = [
        REASONS[r][language].format(value=place, column="", detail=det) for r, det, place in zip(reason, detail, places)
    ]
    return pd.DataFrame(
        {
            "source": rows["source"].to_numpy(),
            "source_row": rows["source_row"].to_numpy(),
            "reason": reason,
            "column": None,
            "value": places,
            "message": messages,
            "raw": None,
        },
        columns=REJECT_COLUMNS,
    )


def _incidents_frame(
    accepted: pd.DataFrame, district: np.ndarray, districts: gpd.GeoDataFrame, crs: str, points: np.ndarray
) -> gpd.GeoDataFrame:
    """The accepted incidents with their district, columns in :data:`INCIDENT_COLUMNS` order, as points."""
    inc = accepted.reset_index(drop=True)
    inc["district_id"] = district
    names = districts["district_name"].to_dict()
    # one lookup per distinct district (the dict read row by row cost 1 s per million rows, issue 13)
    codes, uniques = pd.factorize(inc["district_id"].to_numpy(dtype=object))
    found = np.array([names.get(d) for d in uniques] + [None], dtype=object)  # code -1 (None, NaN): None
    inc["district_name"] = found[codes]
    inc["cell_id"] = None
    inc = inc[INCIDENT_COLUMNS + [c for c in inc.columns if c not in INCIDENT_COLUMNS]]
    return gpd.GeoDataFrame(inc, geometry=points, crs=crs)  # the points of x and y (made once, above)


def _quality(per_source: dict[str, dict[str, Any]], inc: pd.DataFrame, rej: pd.DataFrame) -> dict[str, Any]:
    """The data-quality summary: counts per source and in all (``used + rejected == read`` is checked)."""
    for name, stats in per_source.items():
        accepted = int((inc["source"] == name).sum())
        r = rej[rej["source"] == name]
        stats["accepted"] = accepted
        stats["rejected"] = len(r)
        stats["rejected_by_reason"] = {str(k): int(v) for k, v in r["reason"].value_counts().sort_index().items()}
        no_coords = r["reason"].isin(["missing_coordinates", "invalid_coordinates", "zero_coordinates"]).sum()
        stats["geocoded_share"] = (stats["read"] - int(no_coords)) / stats["read"] if stats["read"] else float("nan")
        if accepted + len(r) != stats["read"]:
            raise RuntimeError(
                f"bug: source '{name}' read {stats['read']} rows but accepted {accepted} and rejected {len(r)}"
            )
        stats["fixes"] = _count_fixes(inc.loc[inc["source"] == name, "fixes"])
    total_read = sum(s["read"] for s in per_source.values())
    by_reason: dict[str, int] = {str(k): int(v) for k, v in rej["reason"].value_counts().sort_index().items()}
    fixes_all: dict[str, int] = {}
    for s in per_source.values():
        for k, v in s["fixes"].items():
            fixes_all[k] = fixes_all.get(k, 0) + v
    return {
        "read": total_read,
        "accepted": len(inc),
        "rejected": len(rej),
        "rejected_by_reason": by_reason,
        "fixes": fixes_all,
        "personnummer_masked": sum(s["personnummer_masked"] for s in per_source.values()),
        "repeated_id_rows": sum(s.get("repeated_ids", {}).get("rows", 0) for s in per_source.values()),
        "outside_districts": int(inc["district_id"].isna().sum()),
        "duplicates_not_checked": int((~inc["has_clock_time"].astype(bool)).sum()),
        "geocoded_share": (
            sum(s["geocoded_share"] * s["read"] for s in per_source.values()) / total_read
            if total_read
            else float("nan")
        ),
        "per_source": per_source,
    }

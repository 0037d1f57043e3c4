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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from .config import Config, SourceConfig
from .dates import DAY, END_OF_DAY, join_date_parts, parse_clock_times, parse_datetimes, span_end
from .district_names import NAMED_DISTRICT, district_lookup, match_district_names
from .duplicates import find_duplicates
from .io import GEOMETRY_X, GEOMETRY_Y, file_sha256, read_source_table
from .personal import mask_personal_numbers
from .source_checks import check_source_crs, repeated_ids
from .text.checks import NEAR_EDGE, REPEATED_IDS, detail_words
from .text.format import Text
from .text.labels import REJECT_MESSAGES

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

#: Reject reason codes with their messages (in :mod:`geolage.text.labels`).
REASONS = REJECT_MESSAGES

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


#: Why coordinates outside the area of use of their CRS cannot be used (detail of ``invalid_coordinates``).
_OUTSIDE_CRS_AREA = {
    "sv": "utanför giltighetsområdet för {crs}; kontrollera kolumnerna eller ange ett CRS som täcker data",
    "en": "outside the area where {crs} is valid; check the columns or set a CRS that covers the data",
}


# ---------------------------------------------------------------------------- rejections
@dataclass
class _Rejections:
    """First reason per row, filled in check order."""

    n: int
    language: str
    reason: np.ndarray = field(init=False)
    column: np.ndarray = field(init=False)
    value: np.ndarray = field(init=False)
    message: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.reason = np.full(self.n, None, dtype=object)
        self.column = np.full(self.n, None, dtype=object)
        self.value = np.full(self.n, None, dtype=object)
        self.message = np.full(self.n, None, dtype=object)

    @property
    def open(self) -> np.ndarray:
        """Rows not rejected yet."""
        return pd.isna(self.reason)

    def add(self, mask: np.ndarray, code: str, column: str | None, values: Any = None, detail: Any = "") -> None:
        """Reject rows in ``mask`` (that are still open) for ``code``."""
        mask = np.asarray(mask, dtype=bool) & self.open
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        vals = _pick(values, idx)
        details = [detail_words(d, self.language) for d in _pick(detail, idx)]  # Swedish runs: Swedish words
        template = REASONS[code][self.language]
        self.reason[idx] = code
        self.column[idx] = column
        for k, i in enumerate(idx):
            v = vals[k]
            self.value[i] = None if v is None else str(v)
            why = details[k]
            why = why[self.language] if isinstance(why, Mapping) else why  # a Text: in the run's language
            self.message[i] = template.format(value=v, column=column, detail=why)


def _pick(values: Any, idx: np.ndarray) -> list[Any]:
    if values is None or isinstance(values, str):
        return [values] * len(idx)
    arr = np.asarray(values, dtype=object)
    if arr.ndim == 0:
        return [arr.item()] * len(idx)
    return list(arr[idx])


def _blank(s: pd.Series) -> np.ndarray:
    return (s.isna() | (s.astype("string").str.strip() == "")).to_numpy(dtype=bool)


def _text(s: pd.Series) -> np.ndarray:
    """A column as text, empty for missing values."""
    return s.astype("string").fillna("").to_numpy(dtype=object)


def _to_float(s: pd.Series) -> np.ndarray:
    """Numbers as written in Swedish or English files: '376 000,5', '12.94', '6 400 000'."""
    t = s.astype("string").str.strip().str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    has_comma = t.str.contains(",", regex=False).fillna(False)
    has_dot = t.str.contains(".", regex=False).fillna(False)
    t = t.where(~(has_comma & ~has_dot), t.str.replace(",", ".", regex=False))
    return pd.to_numeric(t, errors="coerce").to_numpy(dtype=float)


def _count_fixes(fixes: Any) -> dict[str, int]:
    """How many rows got each fix code (``fixes`` holds ``;``-joined codes per row)."""
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
    masked and its row rejected).
    """
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


# ---------------------------------------------------------------------------- coordinates
def _crs_bounds(crs: CRS) -> tuple[tuple[float, float, float, float], tuple[float, float, float, float]]:
    """(lon/lat bounds, projected bounds) of a CRS's area of use."""
    aou = crs.area_of_use
    if aou is None:
        ll = (-180.0, -90.0, 180.0, 90.0)
    else:
        ll = (aou.west, aou.south, aou.east, aou.north)
    if crs.is_geographic:
        return ll, ll
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xy = tr.transform_bounds(*ll, densify_pts=50)
    return ll, xy


#: How far (degrees) WGS84 points may lie outside the run CRS's area of use and still be accepted.
LONLAT_MARGIN_DEGREES = 3.0


def _inside(x: np.ndarray, y: np.ndarray, b: tuple[float, float, float, float]) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (x >= b[0]) & (x <= b[2]) & (y >= b[1]) & (y <= b[3])


def _coordinates(
    raw: pd.DataFrame, src: SourceConfig, run_crs: str, rej: _Rejections
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, fixes) in the run CRS; rejects missing, non-numeric, 0,0 and unusable coordinates."""
    c = src.columns
    if c.lon is not None:
        cols, label = (c.lon, c.lat), f"{c.lon}/{c.lat}"
    elif c.x is not None:
        cols, label = (c.x, c.y), f"{c.x}/{c.y}"
    else:
        cols, label = (GEOMETRY_X, GEOMETRY_Y), "geometry"
    a, b = _to_float(raw[cols[0]]), _to_float(raw[cols[1]])
    blank = _blank(raw[cols[0]]) | _blank(raw[cols[1]])
    rej.add(blank, "missing_coordinates", label)
    written = ("(" + raw[cols[0]].astype("string").fillna("") + ", " + raw[cols[1]].astype("string").fillna("") + ")")
    written = written.to_numpy(dtype=object)
    not_number = ~blank & (~np.isfinite(a) | ~np.isfinite(b))
    rej.add(not_number, "invalid_coordinates", label, written, "not a number")
    rej.add((a == 0) & (b == 0), "zero_coordinates", label, written)
    target = CRS.from_user_input(run_crs)
    if c.lon is not None:
        return _from_lonlat(a, b, target, rej, label, written)
    return _from_projected(a, b, CRS.from_user_input(src.crs), target, rej, label, written)


def _from_lonlat(
    lon: np.ndarray, lat: np.ndarray, target: CRS, rej: _Rejections, label: str, written: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WGS84 lon/lat to the run CRS; lat/lon written the other way round is swapped back (a fix)."""
    n = len(lon)
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    fixes = np.full(n, "", dtype=object)
    target_ll, _ = _crs_bounds(target)
    # Points a little outside the CRS's area of use (a city across a UTM zone edge) project well
    # (scale error 3° beyond a UTM zone < 0.5 %); the study area decides whether they belong.
    m = LONLAT_MARGIN_DEGREES
    w, s, e, n_ = target_ll
    wide = (max(w - m, -180), max(s - m, -90), min(e + m, 180), min(n_ + m, 90))
    ok = _inside(lon, lat, wide)
    swapped = ~ok & _inside(lat, lon, target_ll)
    near_edge = rej.open & ok & ~_inside(lon, lat, target_ll)
    if near_edge.any():
        log.warning(NEAR_EDGE[rej.language].format(n=int(near_edge.sum()), label=label, m=m, crs=target.to_string()))
    lon, lat = np.where(swapped, lat, lon), np.where(swapped, lon, lat)
    good = rej.open & (ok | swapped)
    rej.add(~(ok | swapped), "invalid_coordinates", label, written,
            _OUTSIDE_CRS_AREA[rej.language].format(crs=target.to_string()))
    fixes[good & swapped] = "swapped_latlon"
    to_run = Transformer.from_crs("EPSG:4326", target, always_xy=True)
    x[good], y[good] = to_run.transform(lon[good], lat[good])
    return x, y, fixes


def _from_projected(
    a: np.ndarray, b: np.ndarray, src_crs: CRS, target: CRS, rej: _Rejections, label: str, written: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Projected x/y in the source CRS to the run CRS.

    Coordinates are fixed when only one reading lands inside the source CRS's area of use:
    x and y swapped (``swapped_axes``), or WGS84 lon/lat (possibly swapped) written in the
    x/y columns (``latlon_in_xy``).
    """
    n = len(a)
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    fixes = np.full(n, "", dtype=object)
    ll_b, xy_b = _crs_bounds(src_crs)
    ok = _inside(a, b, xy_b)
    swap = ~ok & _inside(b, a, xy_b)
    ll = ~ok & ~swap & _inside(a, b, ll_b)
    ll_swap = ~ok & ~swap & _inside(b, a, ll_b)
    usable = (ok | swap | ll | ll_swap) & ~(ll & ll_swap)
    rej.add(~usable, "invalid_coordinates", label, written,
            _OUTSIDE_CRS_AREA[rej.language].format(crs=src_crs.to_string()))
    sx = np.where(swap, b, a)
    sy = np.where(swap, a, b)
    fixes[rej.open & swap] = "swapped_axes"
    if (ll | ll_swap).any():
        lon = np.where(ll_swap, b, a)
        lat = np.where(ll_swap, a, b)
        to_src = Transformer.from_crs("EPSG:4326", src_crs, always_xy=True)
        m = rej.open & (ll | ll_swap)
        sx[m], sy[m] = to_src.transform(lon[m], lat[m])
        fixes[rej.open & ll] = "latlon_in_xy"
        fixes[rej.open & ll_swap] = "latlon_in_xy;swapped_latlon"
    good = rej.open
    if src_crs == target or src_crs.to_epsg() == target.to_epsg():
        x[good], y[good] = sx[good], sy[good]
    else:
        tr = Transformer.from_crs(src_crs, target, always_xy=True)
        x[good], y[good] = tr.transform(sx[good], sy[good])
    return x, y, fixes


def _check_study_area(x: np.ndarray, y: np.ndarray, study_area: shapely.Geometry, rej: _Rejections) -> None:
    """Reject points outside the study area."""
    ok = rej.open & np.isfinite(x) & np.isfinite(y)
    inside = np.zeros(len(x), dtype=bool)
    inside[ok] = shapely.contains_xy(study_area, x[ok], y[ok])
    coords = np.array([f"({a:.0f}, {b:.0f})" for a, b in zip(x, y)], dtype=object)
    rej.add(ok & ~inside, "outside_study_area", "x/y", coords)


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
    rej.add(status == "ambiguous", "ambiguous_date", column, values.to_numpy(dtype=object))
    rej.add(status == "invalid", "invalid_date", column, values.to_numpy(dtype=object), detail)


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
    vals = np.array(
        [f"{a} > {b}" for a, b in zip(pd.Series(t_from).astype(str), pd.Series(t_to).astype(str))], dtype=object
    )
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
    time_text = _text(raw[time_col])
    if c.time_to is not None:
        to_text = _text(raw[c.time_to])
        time_text = np.where(to_text != "", time_text + " – " + to_text, time_text)
    elif c.time is not None:
        time_text = time_text + " " + _text(raw[c.time])
    as_of_end = np.datetime64(dt.datetime.combine(as_of, dt.time())) + END_OF_DAY
    rej.add((t_from > as_of_end) | (t_to > as_of_end), "future_date", time_col, time_text, str(as_of))
    p0 = np.datetime64(dt.datetime.combine(start, dt.time()))
    p1 = np.datetime64(dt.datetime.combine(end, dt.time())) + DAY
    rej.add((time < p0) | (time >= p1), "outside_period", time_col, time_text, f"{start}–{end}")


# ---------------------------------------------------------------------------- districts
def assign_districts(x: np.ndarray, y: np.ndarray, districts: gpd.GeoDataFrame) -> np.ndarray:
    """District id of each point (None outside every district).

    A point on a shared boundary belongs to the district that comes first in the
    districts layer, so the assignment is deterministic.

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
    pt, poly = districts.sindex.query(shapely.points(x[ok], y[ok]))  # bounding boxes only
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
    cand = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=INCIDENT_COLUMNS)
    reason, detail = find_duplicates(
        cand, config.validation.duplicate_distance, config.validation.duplicate_minutes, language
    )
    district = assign_districts(cand["x"].to_numpy(float), cand["y"].to_numpy(float), districts)
    if NAMED_DISTRICT in cand.columns:  # the district a row names wins over the one its point falls in
        named = cand.pop(NAMED_DISTRICT).to_numpy(dtype=object)
        district = np.where(pd.notna(named), named, district)
    if config.validation.outside_districts == "reject":
        reason = np.where(pd.isna(reason) & pd.isna(district), "outside_districts", reason)
    rejected = ~pd.isna(reason)
    if rejected.any():
        rejects.append(_rejects_across_sources(cand[rejected], reason[rejected], detail[rejected], language))
    inc = _incidents_frame(cand[~rejected], district[~rejected], districts, config.project.crs)
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
    accepted: pd.DataFrame, district: np.ndarray, districts: gpd.GeoDataFrame, crs: str
) -> gpd.GeoDataFrame:
    """The accepted incidents with their district, columns in :data:`INCIDENT_COLUMNS` order, as points."""
    inc = accepted.reset_index(drop=True)
    inc["district_id"] = district
    names = districts["district_name"].to_dict()
    inc["district_name"] = [names.get(d) if d is not None else None for d in inc["district_id"]]
    inc["cell_id"] = None
    inc = inc[INCIDENT_COLUMNS + [c for c in inc.columns if c not in INCIDENT_COLUMNS]]
    return gpd.GeoDataFrame(inc, geometry=gpd.points_from_xy(inc["x"], inc["y"]), crs=crs)


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

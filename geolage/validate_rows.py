"""Row checks of :mod:`geolage.validate`: the first reject reason per row, and coordinates.

Split from :mod:`geolage.validate` (module size): :class:`_Rejections` keeps the first reason of each
row in check order; the coordinate check reads written numbers, fixes swapped axes and lat/lon in x/y
columns and converts to the run CRS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import CRS, Transformer

from .config import SourceConfig
from .io import GEOMETRY_X, GEOMETRY_Y
from .text.checks import NEAR_EDGE, detail_words
from .text.labels import REJECT_MESSAGES

log = logging.getLogger("geolage.validate")

#: Reject reason codes with their messages (in :mod:`geolage.text.labels`).
REASONS = REJECT_MESSAGES

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
        self._open = np.ones(self.n, dtype=bool)  # kept beside ``reason``: pd.isna over it at every check cost
        self.reason = np.full(self.n, None, dtype=object)
        self.column = np.full(self.n, None, dtype=object)
        self.value = np.full(self.n, None, dtype=object)
        self.message = np.full(self.n, None, dtype=object)

    @property
    def open(self) -> np.ndarray:
        """Rows not rejected yet (a copy)."""
        return self._open.copy()

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
        self._open[idx] = False
        self.column[idx] = column
        for k, i in enumerate(idx):
            v = vals[k]
            self.value[i] = None if v is None else str(v)
            why = details[k]
            why = why[self.language] if isinstance(why, Mapping) else why  # a Text: in the run's language
            self.message[i] = template.format(value=v, column=column, detail=why)


def _pick(values: Any, idx: np.ndarray) -> list[Any]:
    """The values of the rows ``idx``: one value for all, a row array or Series, or a callable of the rows.

    A callable (or a Series, read at the rows only) builds the written values of the rejected rows
    alone: formatting them for every row cost seconds per million rows (issue 13).
    """
    if values is None or isinstance(values, str):
        return [values] * len(idx)
    if callable(values):
        return list(values(idx))
    if isinstance(values, pd.Series):
        return list(values.iloc[idx].to_numpy(dtype=object))
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
    """Numbers as written in Swedish or English files: '376 000,5', '12.94', '6 400 000'.

    Values pandas reads as numbers as they stand (no comma, no space inside) are read so at once;
    only the others are cleaned (:func:`_to_float_cleaned`, the reference it is tested equal to).
    Cleaning every value cost 4 s per million (issue 13).
    """
    out = np.full(len(s), np.nan)
    plain = _plain_integers(s, out)
    todo = np.flatnonzero(~plain)
    if len(todo):
        part = s.iloc[todo] if len(todo) < len(s) else s
        out[todo] = np.asarray(pd.to_numeric(part, errors="coerce"), dtype=float)
    rest = np.flatnonzero(np.isnan(out) & s.notna().to_numpy(dtype=bool))
    if len(rest):
        out[rest] = _to_float_cleaned(s.iloc[rest])
    return out


#: Whole numbers pandas reads exactly as Arrow does: no sign but '-', no leading zero (no '-0'), at most
#: 15 digits (below 2**53: the float is the integer itself, whichever parser reads it).
_PLAIN_INTEGER = r"^(-?[1-9][0-9]{0,14}|0)$"


def _plain_integers(s: pd.Series, out: np.ndarray) -> np.ndarray:
    """Read the plain whole numbers of an Arrow text column into ``out``; the mask of those read.

    Arrow reads them 5x faster than ``pd.to_numeric`` (whole-metre coordinates are common);
    other columns and values are left to pandas.
    """
    done = np.zeros(len(s), dtype=bool)
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow") or len(s) == 0:
        return done
    arr = pa.array(s.array)
    hit = pc.fill_null(pc.match_substring_regex(arr, _PLAIN_INTEGER), False).to_numpy(zero_copy_only=False)
    if hit.any():
        idx = np.flatnonzero(hit)
        out[idx] = pc.cast(arr.take(pa.array(idx)), pa.int64()).to_numpy(zero_copy_only=False).astype(float)
        done[idx] = True
    return done


def _to_float_cleaned(s: pd.Series) -> np.ndarray:
    """Every value cleaned (spaces out, a decimal comma to a point), then read as a number."""
    t = s.astype("string").str.strip().str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    has_comma = t.str.contains(",", regex=False).fillna(False)
    has_dot = t.str.contains(".", regex=False).fillna(False)
    t = t.where(~(has_comma & ~has_dot), t.str.replace(",", ".", regex=False))
    return pd.to_numeric(t, errors="coerce").to_numpy(dtype=float)



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
    col_a, col_b = raw[cols[0]], raw[cols[1]]

    def written(idx: np.ndarray) -> np.ndarray:  # "(a, b)" as written, for the rejected rows only
        a_txt = col_a.iloc[idx].astype("string").fillna("")
        b_txt = col_b.iloc[idx].astype("string").fillna("")
        return ("(" + a_txt + ", " + b_txt + ")").to_numpy(dtype=object)

    not_number = ~blank & (~np.isfinite(a) | ~np.isfinite(b))
    rej.add(not_number, "invalid_coordinates", label, written, "not a number")
    rej.add((a == 0) & (b == 0), "zero_coordinates", label, written)
    target = CRS.from_user_input(run_crs)
    if c.lon is not None:
        return _from_lonlat(a, b, target, rej, label, written)
    return _from_projected(a, b, CRS.from_user_input(src.crs), target, rej, label, written)


def _from_lonlat(
    lon: np.ndarray, lat: np.ndarray, target: CRS, rej: _Rejections, label: str,
    written: Callable[[np.ndarray], np.ndarray],
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
    a: np.ndarray, b: np.ndarray, src_crs: CRS, target: CRS, rej: _Rejections, label: str,
    written: Callable[[np.ndarray], np.ndarray],
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
    rej.add(ok & ~inside, "outside_study_area", "x/y",
            lambda idx: [f"({a:.0f}, {b:.0f})" for a, b in zip(x[idx], y[idx])])  # the rejected rows only



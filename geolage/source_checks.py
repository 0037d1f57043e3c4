"""Checks of a whole incident source, beside the row checks of :mod:`geolage.validate`.

- :func:`check_source_crs`: a source declared in the wrong CRS (e.g. RT 90 read as SWEREF 99 TM, or
  projected metres given as lon/lat) loses nearly every row as outside the study area. When most rows
  with coordinates are lost that way and another common CRS would put most of them inside the study
  area, the run stops with an error that names that CRS and the key to set, instead of going on with
  the few rows left.
- :func:`repeated_ids`: rows that share an id but differ in content. A police report can hold several
  offences under one report number, so they are kept (not dropped) but counted and named in the
  data-quality summary and the log.
- :func:`check_rejected_share`: the gate of ``validation.max_rejected_share``: a source that lost more
  than that share of its rows stops ``geolage validate`` and ``geolage run`` with a non-zero exit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from .config import SourceConfig
from .errors import InputFileError

__all__ = ["CANDIDATE_CRS", "check_source_crs", "guess_crs", "repeated_ids", "check_rejected_share"]

#: CRSs a source is commonly in by mistake: Swedish (SWEREF 99 TM and local zones, RT 90), WGS84 and web
#: mercator, UTM/ETRS89 zones of the Nordic countries, and those of the real-world test cities
#: (British National Grid, UTM 10N, the Tennessee and Ohio South state planes in US feet).
CANDIDATE_CRS = (
    "EPSG:3006", "EPSG:3021", "EPSG:4326", "EPSG:3857",
    *(f"EPSG:{c}" for c in range(3007, 3019)),
    "EPSG:25832", "EPSG:25833", "EPSG:25834", "EPSG:25835", "EPSG:32632", "EPSG:32633", "EPSG:32634",
    "EPSG:27700", "EPSG:26910", "EPSG:32610", "EPSG:2274", "EPSG:3735", "EPSG:2263",
)
#: Reject reasons that say "the coordinates do not land where they should".
_PLACE_REASONS = ("outside_study_area", "invalid_coordinates")
#: Below this many rows with coordinates a source's CRS is not guessed.
_MIN_ROWS = 5
#: The declared CRS is suspect when more than this share of the rows with coordinates is lost for their place …
_LOST_SHARE = 0.5
#: … and another CRS puts at least this share of them inside the study area.
_FITS_SHARE = 0.8
_SAMPLE = 2000


def _inside_share(a: np.ndarray, b: np.ndarray, crs: CRS, run_crs: CRS, area: shapely.Geometry) -> float:
    try:
        tr = Transformer.from_crs(crs, run_crs, always_xy=True)
        with np.errstate(all="ignore"):
            x, y = tr.transform(a, b, errcheck=False)
    except Exception:  # a CRS pyproj cannot transform between: it does not fit
        return 0.0
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return 0.0
    inside = np.zeros(len(x), dtype=bool)
    inside[ok] = shapely.contains_xy(area, x[ok], y[ok])
    return float(inside.mean())


def guess_crs(
    a: np.ndarray, b: np.ndarray, run_crs: str, area: shapely.Geometry, candidates: Iterable[str] = CANDIDATE_CRS
) -> tuple[str | None, float]:
    """The candidate CRS (and its share) that puts the most of the points ``(a, b)`` inside ``area``.

    Parameters
    ----------
    a, b : array
        The two coordinate columns as written (x and y, or lon and lat), finite numbers.
    run_crs : str
        CRS of ``area``.
    area : shapely geometry
        The study area.
    candidates : iterable of str
        CRS codes to try (default :data:`CANDIDATE_CRS`).

    Returns
    -------
    crs : str or None
        The best candidate (None when no point lands inside under any of them).
    share : float
        Share of the points inside the area under it.
    """
    target = CRS.from_user_input(run_crs)
    shapely.prepare(area)
    best, best_share = None, 0.0
    for code in candidates:
        share = _inside_share(a, b, CRS.from_user_input(code), target, area)
        if share > best_share:
            best, best_share = code, share
    return best, best_share


def _coordinate_columns(src: SourceConfig) -> tuple[str, str] | None:
    c = src.columns
    if c.lon is not None and c.lat is not None:
        return c.lon, c.lat
    if c.x is not None and c.y is not None:
        return c.x, c.y
    return None  # a point layer: its CRS is the layer's, checked when it is read


def check_source_crs(
    raw: pd.DataFrame, src: SourceConfig, rejects: pd.DataFrame, *, run_crs: str, study_area: shapely.Geometry | None
) -> None:
    """Raise when a source's declared CRS puts most of its points outside the study area and another fits.

    Parameters
    ----------
    raw : DataFrame
        The source as read (text columns).
    src : SourceConfig
    rejects : DataFrame
        The source's rejected rows (:data:`geolage.validate.REJECT_COLUMNS`).
    run_crs : str
    study_area : shapely geometry, optional
        No check without one.

    Raises
    ------
    InputFileError
        Naming the file, the share lost, the CRS the coordinates look like and the key to set.
    """
    from .validate import _to_float  # the one parser of written numbers; validate imports this module

    cols = _coordinate_columns(src)
    if cols is None or study_area is None or study_area.is_empty:
        return
    a, b = _to_float(raw[cols[0]]), _to_float(raw[cols[1]])
    has = np.isfinite(a) & np.isfinite(b) & ~((a == 0) & (b == 0))
    n = int(has.sum())
    lost = int(rejects["reason"].isin(_PLACE_REASONS).sum())
    if n < _MIN_ROWS or lost <= _LOST_SHARE * n:
        return
    idx = np.flatnonzero(has)
    if len(idx) > _SAMPLE:  # evenly spread, deterministic
        idx = idx[np.linspace(0, len(idx) - 1, _SAMPLE).astype(int)]
    declared = "EPSG:4326" if src.columns.lon is not None else src.crs
    others = [c for c in CANDIDATE_CRS if CRS.from_user_input(c) != CRS.from_user_input(declared)]
    best, share = guess_crs(a[idx], b[idx], run_crs, study_area, others)
    if best is None or share < _FITS_SHARE:
        return
    if src.columns.lon is not None:
        fix = (
            f"these are not lon/lat degrees: name the columns x = '{cols[0]}' and y = '{cols[1]}' in "
            f"[sources.columns] and set crs = '{best}'"
        )
    else:
        fix = f"set crs = '{best}' in this [[sources]] table"
    raise InputFileError(
        f"{src.path}: source '{src.name}': {lost} of {n} rows with coordinates ({lost / n:.0%}) fall outside the "
        f"study area when read as {declared}, but {share:.0%} fall inside read as {best} "
        f"({CRS.from_user_input(best).name}); {fix}"
    )


def repeated_ids(raw: pd.DataFrame, src: SourceConfig) -> dict[str, Any]:
    """Rows that share an id with another row but differ from it in content.

    Parameters
    ----------
    raw : DataFrame
        The source as read.
    src : SourceConfig

    Returns
    -------
    dict
        ``rows`` (rows in groups of one id whose rows are not all identical), ``ids`` (such ids) and
        ``examples`` (up to five of them). Groups of identical rows are left to the duplicate checks.
    """
    column = src.columns.id
    empty = {"rows": 0, "ids": 0, "examples": []}
    if column is None or column not in raw.columns or len(raw) == 0:
        return empty
    ids = raw[column].astype("string").str.strip()
    shared = ids.notna() & (ids != "") & ids.duplicated(keep=False)
    if not shared.any():
        return empty
    part = raw[shared.to_numpy()].astype("string").fillna("")
    key = ids[shared]
    # A group differs when it has more than one distinct row.
    distinct = part.assign(__id=key.to_numpy()).drop_duplicates().groupby("__id", sort=True).size()
    differing = distinct[distinct > 1].index
    rows = int(key.isin(differing).sum())
    return {"rows": rows, "ids": len(differing), "examples": [str(i) for i in list(differing)[:5]]}


def check_rejected_share(quality: dict[str, Any], max_share: float, language: str = "en") -> str | None:
    """A problem naming each source that lost more than ``max_share`` of its rows (None if none did).

    Parameters
    ----------
    quality : dict
        The data-quality summary (:func:`geolage.validate.validate_incidents`).
    max_share : float
        ``validation.max_rejected_share``.
    language : {"sv", "en"}
        Language of the message: the reasons in words, the numbers as the language writes them.

    Returns
    -------
    str or None
        One sentence per source that lost too many rows (its share and top three reasons), then
        what to do.
    """
    from .text.checks import LOSS
    from .text.format import format_number, format_percent
    from .text.labels import REJECT_REASON_LABELS

    bad = []
    for name, s in quality["per_source"].items():
        read = s["read"]
        if read and s["rejected"] / read > max_share:
            top = sorted(s["rejected_by_reason"].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
            words = ", ".join(
                f"{format_number(n, language)} {REJECT_REASON_LABELS[r][language] if r in REJECT_REASON_LABELS else r}"
                for r, n in top
            )
            bad.append(LOSS["source"][language].format(
                source=name, path=s["path"], rejected=format_number(s["rejected"], language),
                read=format_number(read, language), share=format_percent(s["rejected"] / read, language, 1, share=True),
                reasons=words,
            ))
    if not bad:
        return None
    whole = round(max_share * 100, 6).is_integer()
    limit = format_percent(max_share, language, 0 if whole else 1, share=True)
    return "; ".join(bad) + ": " + LOSS["tail"][language].format(limit=limit)

"""How precise the times and places of events are, and the Knox test's refusal when they are too coarse.

police.uk publishes the month only and snaps points to anonymous map points; coordinates may be
cell centres of a coarse lattice. A near-repeat test with 7-day or 100-m bands on such data counts
pairs in bands the data cannot tell apart (every pair of a month falls in "0–7 days"), so
:func:`geolage.stats.nearrepeat.knox` refuses it (:class:`KnoxPrecisionError`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

__all__ = ["DataPrecision", "KnoxPrecisionError", "data_precision"]


class KnoxPrecisionError(ValueError):
    """The data's time or space precision is coarser than the smallest Knox band (see :func:`data_precision`).

    Attributes
    ----------
    kind : str
        ``"time"`` or ``"space"``.
    unit : str
        What the data give: ``"month"``, ``"year"``, ``"window"`` (time), ``"lattice"``, ``"snapped"`` (space).
    precision : float
        The precision in days (time) or metres (space).
    band : float
        The width of the smallest band in days or metres.
    """

    def __init__(self, kind: str, unit: str, precision: float, band: float) -> None:
        self.kind, self.unit, self.precision, self.band = kind, unit, float(precision), float(band)
        what = "days" if kind == "time" else "m"
        super().__init__(
            f"knox refused: the {kind} precision of the data ({unit}, about {precision:g} {what}) is coarser than the "
            f"smallest {kind} band ({band:g} {what}); a Knox test would count pairs in bands the data cannot tell "
            "apart. Use data with exact dates and coordinates, or wider bands."
        )


@dataclass(frozen=True)
class DataPrecision:
    """How precise the times and places of events are (:func:`data_precision`).

    Attributes
    ----------
    time_unit : str
        ``"exact"`` (finer than a day), ``"day"``, ``"month"`` (all on the 1st of a month at 00:00),
        ``"year"`` (all on 1 January) or ``"window"`` (the median time window is wider).
    time_days : float
        Precision in days: 0, 1, 28 (a month at the least), 365, or the median window.
    space_unit : str
        ``"exact"``, ``"lattice"`` (all coordinates on a square lattice of ``space_m``) or
        ``"snapped"`` (most events share a map point; ``space_m`` = median distance between
        neighbouring distinct points).
    space_m : float
        Precision in metres (0 for exact).
    """

    time_unit: str
    time_days: float
    space_unit: str
    space_m: float

    def as_dict(self) -> dict[str, Any]:
        """The fields as a dict (for run.json)."""
        return {"time_unit": self.time_unit, "time_days": self.time_days, "space_unit": self.space_unit,
                "space_m": self.space_m}


#: Lattice steps (metres) looked for in the coordinates, largest first.
_LATTICE_STEPS = (1000.0, 500.0, 250.0, 200.0, 100.0, 50.0, 25.0, 20.0, 10.0, 5.0)
#: Fewest distinct places (or times) before a lattice (or a month-only pattern) is taken as a property of the data.
_MIN_DISTINCT = 10


def data_precision(
    xy: np.ndarray, times: Any, *, time_windows: Sequence[float] | np.ndarray | None = None
) -> DataPrecision:
    """Estimate how precise the times and the places of events are.

    Parameters
    ----------
    xy : ndarray of shape (n, 2)
        Coordinates in metres.
    times : array-like
        Datetimes, or numbers in days.
    time_windows : array-like, optional
        Width in days of the window in which each event happened.

    Returns
    -------
    DataPrecision

    Notes
    -----
    Time: datetimes all on the 1st of a month at 00:00 are month-only dates (police.uk), all
    on 1 January year-only; whole days are dates; a median window (``time_windows``) wider than
    that is the precision. Space: coordinates all on a square lattice of one of
    :data:`_LATTICE_STEPS` m (from the smallest x and y) give that step; when most events (over
    half) share their exact point with another event (police.uk snap points, rounded coordinates),
    the median distance from a distinct point to the nearest other one is the precision. Both
    need at least :data:`_MIN_DISTINCT` distinct values, so a few events never look coarse by chance.
    """
    t_unit, t_days = _time_precision(times)
    if time_windows is not None:
        w = np.asarray(time_windows, dtype=float)
        w = w[np.isfinite(w)]
        if len(w) and float(np.median(w)) > t_days:
            t_unit, t_days = "window", float(np.median(w))
    s_unit, s_m = _space_precision(np.asarray(xy, dtype=float))
    return DataPrecision(t_unit, t_days, s_unit, s_m)


def _time_precision(times: Any) -> tuple[str, float]:
    """(unit, days) of the times: month-only and year-only datetimes, whole days, or exact."""
    t = pd.Series(np.asarray(times)) if not isinstance(times, pd.Series) else times
    if pd.api.types.is_datetime64_any_dtype(t):
        dt_ = pd.DatetimeIndex(t.dropna())
        if len(dt_) == 0:
            return "exact", 0.0
        midnight = bool((dt_ == dt_.normalize()).all())
        if midnight and dt_.nunique() >= 2 and len(dt_) >= _MIN_DISTINCT and bool((dt_.day == 1).all()):
            return ("year", 365.0) if bool((dt_.month == 1).all()) else ("month", 28.0)
        return ("day", 1.0) if midnight else ("exact", 0.0)
    v = pd.to_numeric(t, errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return ("day", 1.0) if len(v) and np.allclose(v, np.round(v)) else ("exact", 0.0)


def _space_precision(xy: np.ndarray) -> tuple[str, float]:
    """(unit, metres) of the coordinates: a coarse lattice, snap points, or exact."""
    pts = np.unique(np.round(xy, 2), axis=0)
    if len(pts) < _MIN_DISTINCT:
        return "exact", 0.0
    rel = pts - pts.min(axis=0)
    for step in _LATTICE_STEPS:
        q = rel / step
        if np.all(np.abs(q - np.round(q)) < 1e-6):
            return "lattice", step
    _, counts = np.unique(np.round(xy, 2), axis=0, return_counts=True)
    shared = counts[counts > 1].sum() / len(xy)
    if shared > 0.5:
        nn, _ = cKDTree(pts).query(pts, k=2)
        return "snapped", float(np.median(nn[:, 1]))
    return "exact", 0.0

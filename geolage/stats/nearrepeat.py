"""Near-repeat analysis: the Knox test of space-time clustering with Monte Carlo p-values.

Method of :func:`knox`: every unordered pair of events (i, j) with distance :math:`d_{ij}` and time
difference :math:`|t_i - t_j|` (days, from the representative times rounded to whole seconds) is counted in
the band pair it falls in. Bands are half-open, closed at the lower end and open at
the upper end: [0, 100) m, [0, 7) days, so a pair 100 m apart is in the second band,
and for date-only data [0, 7) holds differences of 0–6 days (the same as the
Near Repeat Calculator's "0 to 6 days"). Pairs at or beyond the last edge are not
counted. Ratcliffe's Near Repeat Calculator (2009) labels bands "1 to 100 m, 101 to
200 m" with integer metres and a separate same-location band; ``same_location=True``
gives that band here.

Significance: the times are permuted among the events (locations fixed), which
keeps both the spatial and the temporal pattern and breaks only their interaction
(Knox 1964; Mantel 1967; Johnson & Bowers 2004). The spatial pairs within the
largest distance are found strip by strip with k-d trees (bounded memory) and kept while they fit
in memory; each permutation then recomputes their time bands. Beyond that, the pairs per distance
band come from dual-tree pair counts and each permutation forms only the pairs closer in time
than the last edge, from the events sorted by space cell and time bin, never holding all pairs
(:mod:`geolage.stats.knox_pairs`). An open last band
("≥ 800 m", "≥ 28 days") completes the table: its counts follow from the row and column totals,
which a permutation keeps (the distance-row totals from the pairs found, the time-column totals
exactly from the sorted times without forming pairs). The expected count of a band pair is exact:
row total × column total / number of pairs (each pair's time difference is, under a random
permutation, any pair's with equal chance). p-values are Monte Carlo, with a floor of
1 / (permutations + 1).

The test is refused (:class:`KnoxPrecisionError`) when the data are less precise than the
smallest band (:func:`data_precision`): police.uk dates are months, so every pair of a month
falls in "0–7 days" and the test would report a spurious near-repeat risk.

Band pairs are tested one by one (no correction for the number of band pairs);
:func:`near_repeat_zone` takes the contiguous block of significant band pairs starting at
the nearest distance and shortest time, and its own p-value from the same permutations.

Large n (more events than ``analytic_above``, default :data:`ANALYTIC_ABOVE`): no Monte Carlo.
The observed counts are found as above (one pass), and each band pair's count is compared with
its exact permutation mean and variance (Mantel 1967), which follow from the events' numbers of
neighbours in space and in time without any permutation; the p-value is a negative binomial (or
normal) approximation with that mean and variance (:mod:`geolage.stats.knox_moments`). Drawing
999 permutations of a million times alone takes minutes; at that size the counts are large and the
approximation is close to the permutation distribution.

References
----------
Knox, E. G. (1964). The detection of space-time interactions. *Applied Statistics* 13, 25–29.
Johnson, S. D. & Bowers, K. J. (2004). The burglary as clue to the future: the beginnings of
prospective hot-spotting. *European Journal of Criminology* 1(2), 237–255.
Ratcliffe, J. H. (2009). *Near Repeat Calculator* (version 1.3). Temple University / National
Institute of Justice.
Mantel, N. (1967). The detection of disease clustering and a generalized regression approach.
*Cancer Research* 27, 209–220.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from .knox_moments import KnoxMoments, knox_moments, p_upper
from .knox_pairs import _PairBands, _PairCounter, _TimeCloseCounter, edge_seconds
from .precision import DataPrecision, KnoxPrecisionError, data_precision

__all__ = [
    "ANALYTIC_ABOVE", "KNOX_COLUMNS", "DataPrecision",
    "KnoxPrecisionError", "KnoxResult", "NearRepeatZone", "data_precision", "knox",
    "near_repeat_zone",
]

log = logging.getLogger(__name__)

#: Above this many events :func:`knox` gives exact-moment p-values instead of Monte Carlo ones.
ANALYTIC_ABOVE = 100_000

#: Columns of :attr:`KnoxResult.table`, in order.
KNOX_COLUMNS: tuple[str, ...] = (
    "distance_band",
    "time_band",
    "distance_from",
    "distance_to",
    "distance_interval",
    "time_from",
    "time_to",
    "time_interval",
    "observed",
    "expected",
    "ratio",
    "p_value",
)



@dataclass
class KnoxResult:
    """Result of :func:`knox`.

    Attributes
    ----------
    table : DataFrame
        One row per (distance band, time band), columns :data:`KNOX_COLUMNS`.
    parameters : dict
        Bands, interval convention, permutations, seed, ``n_events``, ``n_pairs``.
    permutation_counts : ndarray
        Shape (permutations, distance bands + 1, time bands + 1): the band counts of every
        permutation, the open bands last (for p-values of merged bands); no permutations (shape
        (0, ...)) when the p-values are analytic.
    moments : KnoxMoments or None
        The exact permutation moments of every block of bands, when the p-values are analytic.
    """

    table: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)
    permutation_counts: np.ndarray = field(default_factory=lambda: np.empty((0, 0, 0)))
    moments: KnoxMoments | None = None


def _fmt(v: float) -> str:
    return f"{v:g}"


def _check_bands(bands: Sequence[float], name: str, unit: str) -> np.ndarray:
    try:
        arr = np.asarray(bands, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} need to be a list of numbers ({unit}); got {bands!r}") from None
    if arr.ndim != 1 or len(arr) < 2 or not np.all(np.isfinite(arr)) or np.any(np.diff(arr) <= 0) or arr[0] < 0:
        raise ValueError(f"{name} need to be at least two increasing, non-negative numbers ({unit}); got {list(bands)}")
    return arr


def _events(events: Any, times: Any, windows: Any = None) -> tuple[np.ndarray, np.ndarray, bool, Any, Any]:
    """Coordinates (n, 2), times in days (from the first event), whether they were dates, the raw times, windows."""
    crs = None
    if isinstance(events, pd.DataFrame):
        if isinstance(events, gpd.GeoDataFrame):
            crs = events.crs
        if {"x", "y"} <= set(events.columns):
            xy = events[["x", "y"]].to_numpy(dtype=float)
        elif isinstance(events, gpd.GeoDataFrame):
            xy = np.column_stack([events.geometry.x.to_numpy(float), events.geometry.y.to_numpy(float)])
        else:
            raise ValueError("events need columns x and y (metres) or a point geometry; got neither")
        if times is None:
            if "time" not in events.columns:
                raise ValueError("events need a 'time' column, or give times=")
            times = events["time"]
        if windows is None and {"time_from", "time_to"} <= set(events.columns):
            width = pd.to_datetime(events["time_to"]) - pd.to_datetime(events["time_from"])
            windows = (width.dt.total_seconds() / 86_400).to_numpy(dtype=float)
    elif isinstance(events, gpd.GeoSeries):
        crs = events.crs
        xy = np.column_stack([events.x.to_numpy(float), events.y.to_numpy(float)])
    else:
        xy = np.asarray(events, dtype=float)
        if xy.size == 0:
            xy = xy.reshape(0, 2)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ValueError(f"events need to be an (n, 2) array of x, y in metres; got shape {xy.shape}")
    if crs is not None and CRS.from_user_input(crs).is_geographic:
        raise ValueError(
            f"knox needs a projected CRS in metres (e.g. EPSG:3006); got the geographic CRS {crs}; "
            "reproject with .to_crs('EPSG:3006')"
        )
    if times is None:
        raise ValueError("knox needs times: give times= (datetimes, or numbers in days)")
    t_raw = pd.Series(np.asarray(times)) if not isinstance(times, pd.Series) else times.reset_index(drop=True)
    if len(t_raw) != len(xy):
        raise ValueError(f"times need one value per event ({len(xy)}); got {len(t_raw)}")
    if len(xy) < 2:
        raise ValueError(f"knox needs at least 2 events; got {len(xy)}")
    is_dt = pd.api.types.is_datetime64_any_dtype(t_raw)
    if is_dt:
        t_ns = t_raw.to_numpy(dtype="datetime64[ns]")
        bad_t = np.isnat(t_ns)
        t = np.full(len(t_ns), np.nan)
        if (~bad_t).any():
            base = t_ns[~bad_t].min()
            t[~bad_t] = (t_ns[~bad_t] - base).astype("timedelta64[ns]").astype(np.int64) / 86_400e9
    else:
        t = pd.to_numeric(t_raw, errors="coerce").to_numpy(dtype=float)
        bad_t = ~np.isfinite(t)
    bad = np.flatnonzero(~np.isfinite(xy).all(axis=1) | bad_t)
    if bad.size:
        raise ValueError(
            f"knox: {bad.size} of {len(xy)} events have missing coordinates or times (first: row {bad[0]}); "
            "drop them first"
        )
    dates_only = bool(len(t) and np.allclose(t, np.round(t)))
    if windows is not None and len(np.asarray(windows)) != len(xy):
        raise ValueError(f"time_windows need one value per event ({len(xy)}); got {len(np.asarray(windows))}")
    return xy, t, dates_only, t_raw, windows


def knox(
    events: gpd.GeoDataFrame | pd.DataFrame | np.ndarray,
    times: Sequence[Any] | np.ndarray | pd.Series | None = None,
    *,
    distance_bands: Sequence[float] = (0, 100, 200, 400, 800), time_bands: Sequence[float] = (0, 7, 14, 21, 28),
    permutations: int = 999, seed: int | np.random.Generator | None = None, same_location: bool = False,
    alpha: float = 0.05, category: str | None = None, quiet: bool = False, check_precision: bool = True,
    time_windows: Sequence[Any] | np.ndarray | None = None, analytic_above: int | None = ANALYTIC_ABOVE,
) -> KnoxResult:
    """Knox test of near repeats: are events close in space also close in time more often than by chance.

    Parameters
    ----------
    events : GeoDataFrame, DataFrame or array of shape (n, 2)
        Events of one category, e.g. residential burglaries, with columns ``x``, ``y``
        (metres, projected CRS) or point geometry, and ``time`` (unless ``times`` is given).
        A frame with ``time_from`` and ``time_to`` (geolage's incidents) gives the time windows.
    times : array-like, optional
        Time of each event: datetimes, or numbers in days.
    distance_bands : sequence of float
        Band edges in metres, increasing, e.g. ``(0, 100, 200, 400, 800)``; an open band "≥ last edge" is added.
    time_bands : sequence of float
        Band edges in days, increasing, e.g. ``(0, 7, 14, 21, 28)``. An open band "≥ last edge" is added.
    permutations : int
        Monte Carlo permutations of the times (default 999).
    seed : int or numpy Generator, optional
        Seed of the permutations (recorded).
    same_location : bool
        Add a distance band "0 m" = [0, 0] for events at exactly the same coordinates
        (repeat victimisation); the next band is then open at 0: (0, 100).
    alpha : float
        Significance level of the near-repeat zone that is logged (:func:`near_repeat_zone`).
    category : str, optional
        Category code, recorded in the parameters.
    quiet : bool
        Do not log the parameters and the near-repeat zone.
    check_precision : bool
        Refuse (:class:`KnoxPrecisionError`) when the times or places are less precise than the
        smallest band (:func:`data_precision`), e.g. police.uk data with the month only.
    time_windows : array-like, optional
        Width in days of the window in which each event happened (``time_to - time_from``);
        a median width over the smallest time band means the times are too imprecise.
    analytic_above : int or None
        With more events than this, p-values from the exact permutation mean and variance
        (:mod:`geolage.stats.knox_moments`) instead of ``permutations`` Monte Carlo permutations;
        ``None``: always Monte Carlo. Recorded in the parameters (``p_values``, ``analytic_above``).

    Returns
    -------
    KnoxResult
        ``table`` with one row per band pair, the open bands last, and columns

        - ``distance_band``, ``time_band``: labels such as ``"0–100 m"``, ``"0–7 d"``, ``"≥ 800 m"``;
        - ``distance_from``, ``distance_to`` (m), ``time_from``, ``time_to`` (days; ``inf`` for open bands);
        - ``distance_interval``, ``time_interval``: the interval with its closure, e.g.
          ``"[0, 100)"`` = from 0 inclusive to 100 exclusive, ``"[800, ∞)"``;
        - ``observed``: pairs of events in the band pair;
        - ``expected``: exact under random permutation of the times: row total × column total / pairs;
        - ``ratio``: observed / expected (the Knox ratio; NaN when expected is 0);
        - ``p_value``: (1 + permutations with a count ≥ observed) / (permutations + 1), one-sided;
          analytic above ``analytic_above`` events: P(count ≥ observed) from the exact moments;

        and ``parameters``, ``permutation_counts``. Sentences about the result:
        :func:`geolage.text.nearrepeat.knox_summary`.

    Raises
    ------
    ValueError
        Bands not increasing, fewer than 2 events, permutations < 1, missing coordinates or times, geographic CRS.
    KnoxPrecisionError
        The data's time or space precision is coarser than the smallest band (a ValueError).

    Notes
    -----
    Method, band conventions, exact expected counts, pair search, references: :mod:`geolage.stats.nearrepeat`.

    Examples
    --------
    >>> import numpy as np
    >>> from geolage.stats.nearrepeat import knox
    >>> xy = np.array([[0.0, 0.0], [50.0, 0.0], [1000.0, 0.0], [1050.0, 0.0]])
    >>> res = knox(xy, [0.0, 3.0, 100.0, 200.0], distance_bands=(0, 100), time_bands=(0, 7),
    ...            permutations=99, seed=1, quiet=True)
    >>> int(res.table["observed"].iloc[0])
    1
    """
    d_edges, t_edges, same_zero = _check_options(distance_bands, time_bands, permutations, alpha, same_location)
    xy, t, dates_only, t_raw, windows = _events(events, times, time_windows)
    precision = data_precision(xy, t_raw, time_windows=windows)
    _refuse_imprecise(precision, d_edges, t_edges, check_precision)
    pairs, full_obs, expected, full_perm, p, moments = _band_counts(
        xy, t, d_edges, t_edges, same_zero, permutations, seed, analytic_above)
    table = _knox_table(d_edges, t_edges, same_zero, full_obs, expected, p)
    params = _parameters(d_edges, t_edges, same_zero, permutations, seed, alpha, len(xy), pairs, moments is not None)
    params.update(times_are_dates=dates_only, category=category, precision=precision.as_dict(),
                  analytic_above=analytic_above)
    result = KnoxResult(table=table, parameters=params, permutation_counts=full_perm, moments=moments)
    if not quiet:
        _announce(result, alpha)
    return result


def _band_counts(
    xy: np.ndarray, t: np.ndarray, d_edges: np.ndarray, t_edges: np.ndarray, same_zero: bool, permutations: int,
    seed: int | np.random.Generator | None, analytic_above: int | None,
) -> tuple[_PairBands, np.ndarray, np.ndarray, np.ndarray, np.ndarray, KnoxMoments | None]:
    """Pairs, observed and expected counts, permutation counts and p-values of the full table.

    With more than ``analytic_above`` events the p-values come from the exact permutation
    moments (no permutation counts, moments returned); otherwise from Monte Carlo permutations.
    """
    if analytic_above is not None and (isinstance(analytic_above, bool) or analytic_above < 0):
        raise ValueError(f"analytic_above needs to be a whole number of 0 or more, or None; got {analytic_above!r}")
    t_sec = _whole_seconds(t)
    if analytic_above is not None and len(xy) > analytic_above:
        pairs, full_obs, expected, moments = _analytic_counts(xy, t_sec, d_edges, t_edges, same_zero)
        _, _, p = moments.table(full_obs)
        return pairs, full_obs, expected, np.zeros((0, *full_obs.shape), dtype=np.int64), p, moments
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    pairs = _PairBands(xy, d_edges, t_edges, same_zero)
    full_obs, expected, full_perm = _knox_counts(xy, pairs, t_sec, permutations, rng)
    p = (1 + (full_perm >= full_obs[None]).sum(axis=0)) / (permutations + 1)
    return pairs, full_obs, expected, full_perm, p, None


def _parameters(
    d_edges: np.ndarray, t_edges: np.ndarray, same_zero: bool, permutations: int, seed: Any, alpha: float, n: int,
    pairs: _PairBands, analytic: bool = False,
) -> dict[str, Any]:
    """The recorded parameters of a Knox test (``analytic``: p-values from the exact moments, no permutations)."""
    convention = "[lower, upper): closed at the lower end, open at the upper end; an open last band [last, ∞)"
    if analytic:
        permutations, seed = 0, None
    return {
        "method": "Knox test, exact permutation moments (Mantel 1967), negative binomial or normal p-values"
        if analytic else "Knox test, Monte Carlo permutation of times",
        "p_values": "analytic" if analytic else "monte_carlo",
        "expected": "exact under permutation: row total × column total / number of pairs",
        "distance_bands": [float(v) for v in d_edges], "time_bands": [float(v) for v in t_edges],
        "interval_convention": convention + ("; same-location band [0, 0]" if same_zero else ""),
        "same_location": same_zero, "permutations": int(permutations),
        "seed": seed if not isinstance(seed, np.random.Generator) else "generator", "alpha": alpha,
        "n_events": int(n), "n_pairs": int(pairs.n_pairs), "n_pairs_total": int(n * (n - 1) // 2),
        "pairs_streamed": pairs.cache is None,
    }


def _knox_counts(
    xy: np.ndarray, pairs: _PairBands, t_sec: np.ndarray, permutations: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed counts, exact expected counts and the permutation counts of the full table (open bands last)."""
    n = len(t_sec)
    n_all = n * (n - 1) // 2
    counter: _PairCounter | _TimeCloseCounter
    if pairs.cache is not None:
        counter = _PairCounter(pairs, n)
    else:
        counter = _TimeCloseCounter(xy, pairs, int(t_sec.max()))
    observed = counter.counts(t_sec[None, :])[0]
    row_tot, col_tot = pairs.row_totals(n_all), _time_totals(t_sec, pairs.e_sec, n_all)
    perm_counts = _permutation_counts(counter, t_sec, permutations, rng)
    full_obs = _complete(observed[None], row_tot, col_tot)[0]
    full_perm = _complete(perm_counts, row_tot, col_tot)
    expected = np.outer(row_tot[:-1].astype(float), col_tot[:-1].astype(float)) / n_all  # floats: no overflow
    return full_obs, expected, full_perm


def _analytic_counts(
    xy: np.ndarray, t_sec: np.ndarray, d_edges: np.ndarray, t_edges: np.ndarray, same_zero: bool
) -> tuple[_PairBands, np.ndarray, np.ndarray, KnoxMoments]:
    """Observed counts of the full table (one pass, pairs close in time only), exact expected counts, the moments."""
    n = len(t_sec)
    n_all = n * (n - 1) // 2
    moments, row_counts = knox_moments(xy, t_sec, d_edges, edge_seconds(t_edges), same_zero)
    pairs = _PairBands.from_rows(d_edges, t_edges, same_zero, row_counts)
    observed = _TimeCloseCounter(xy, pairs, int(t_sec.max())).counts(t_sec[None, :])
    row_tot, col_tot = pairs.row_totals(n_all), _time_totals(t_sec, pairs.e_sec, n_all)
    full_obs = _complete(observed, row_tot, col_tot)[0]
    expected = np.outer(row_tot[:-1].astype(float), col_tot[:-1].astype(float)) / n_all
    return pairs, full_obs, expected, moments


def _check_options(
    distance_bands: Sequence[float], time_bands: Sequence[float], permutations: int, alpha: float, same_location: bool
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Band edges (metres, days) and whether band 0 is the same-location band [0, 0]; raise on bad options."""
    d_edges = _check_bands(distance_bands, "distance_bands", "metres")
    t_edges = _check_bands(time_bands, "time_bands", "days")
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer) or permutations < 1:
        raise ValueError(f"permutations needs to be a whole number of at least 1 (e.g. 999); got {permutations!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha needs to be between 0 and 1; got {alpha}")
    same_zero = bool(same_location and d_edges[0] == 0)
    if same_location and not same_zero:
        raise ValueError(f"same_location needs distance_bands starting at 0; got {list(distance_bands)}")
    return d_edges, t_edges, same_zero


def _whole_seconds(t: np.ndarray) -> np.ndarray:
    """Times in whole seconds from the first event (int32 when they fit): exact band comparisons, a fast loop."""
    span = float(t.max() - t.min()) * 86_400 if len(t) else 0.0
    itype = np.int32 if span < 2**31 - 1 else np.int64
    return np.round((t - t.min()) * 86_400).astype(itype)


def _time_totals(t_sec: np.ndarray, e_sec: np.ndarray, n_all: int) -> np.ndarray:
    """Pairs of events (all distances) per time column: the bands, the open band, below the first edge.

    Exact, from the sorted times: the pairs with a difference under ``e`` are, for each event in
    time order, the later events less than ``e`` seconds after it (O(n log n), no pairs formed).
    """
    s = np.sort(t_sec.astype(np.int64))
    pos = np.arange(len(s))
    below = np.array(
        [int((np.searchsorted(s, s + e, side="left") - pos - 1).sum()) if e > 0 else 0 for e in e_sec], dtype=np.int64
    )
    return np.concatenate([np.diff(below), [n_all - below[-1], below[0]]])


def _complete(counts: np.ndarray, row_tot: np.ndarray, col_tot: np.ndarray) -> np.ndarray:
    """The full table (k, nd + 1, nt + 1) with the open bands, from the counts of the pairs within the last edge.

    The open distance row is the column total less the pairs within the last edge; the
    rows and columns below the first edges (in no band) are dropped. A permutation of the
    times keeps every row and column total, so this holds for each permutation.
    """
    k, nd1, nt2 = counts.shape
    nd, nt = nd1 - 1, nt2 - 2
    out = np.zeros((k, nd + 1, nt + 1), dtype=np.int64)
    out[:, :nd, :] = counts[:, :nd, : nt + 1]
    within = counts.sum(axis=1)  # (k, nt + 2): pairs within the last edge, per time column
    out[:, nd, :] = col_tot[None, : nt + 1] - within[:, : nt + 1]
    return out


def _permutation_counts(
    counter: _PairCounter | _TimeCloseCounter, t_sec: np.ndarray, permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """Band counts (permutations, nd + 1, nt + 2) with the times permuted among the events, in bounded chunks.

    Each permutation is one row of ``rng.permuted(times, axis=1)``: drawing them in chunks gives the
    same permutations as drawing them all at once (or one by one), whatever the chunk size.
    """
    n = len(t_sec)
    chunk = min(permutations, counter.max_vectors)
    pairs = counter.pairs
    perm_counts = np.empty((permutations, pairs.nd + 1, pairs.nt + 2), dtype=np.int64)
    base = np.broadcast_to(t_sec, (chunk, n))
    for start in range(0, permutations, chunk):
        k = min(chunk, permutations - start)
        perm_counts[start : start + k] = counter.counts(rng.permuted(base[:k], axis=1))
    return perm_counts


def _knox_table(
    d_edges: np.ndarray,
    t_edges: np.ndarray,
    same_zero: bool,
    observed: np.ndarray,
    expected: np.ndarray,
    p: np.ndarray,
) -> pd.DataFrame:
    """One row per (distance band, time band), the open bands last: labels, intervals, counts, ratio, p-value.

    Columns :data:`KNOX_COLUMNS`; ``expected`` is exact (row × column / pairs), ``p`` one-sided.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / np.where(expected > 0, expected, 1.0), np.nan)
    d_rows: list[tuple[str, float, float, str]] = []
    if same_zero:
        d_rows.append(("0 m", 0.0, 0.0, "[0, 0]"))
    for a, b in zip(d_edges[:-1], d_edges[1:], strict=True):
        lo = "(" if (same_zero and a == 0) else "["
        d_rows.append((f"{_fmt(a)}–{_fmt(b)} m", float(a), float(b), f"{lo}{_fmt(a)}, {_fmt(b)})"))
    d_rows.append((f"≥ {_fmt(d_edges[-1])} m", float(d_edges[-1]), math.inf, f"[{_fmt(d_edges[-1])}, ∞)"))
    t_rows = [
        (f"{_fmt(a)}–{_fmt(b)} d", float(a), float(b), f"[{_fmt(a)}, {_fmt(b)})")
        for a, b in zip(t_edges[:-1], t_edges[1:], strict=True)
    ]
    t_rows.append((f"≥ {_fmt(t_edges[-1])} d", float(t_edges[-1]), math.inf, f"[{_fmt(t_edges[-1])}, ∞)"))
    rows = []
    for i, (dl, da, db, di) in enumerate(d_rows):
        for j, (tl, ta, tb_, ti) in enumerate(t_rows):
            rows.append((dl, tl, da, db, di, ta, tb_, ti, int(observed[i, j]), float(expected[i, j]),
                         float(ratio[i, j]), float(p[i, j])))
    return pd.DataFrame(rows, columns=list(KNOX_COLUMNS))


def _refuse_imprecise(precision: DataPrecision, d_edges: np.ndarray, t_edges: np.ndarray, check: bool = True) -> None:
    """Raise :class:`KnoxPrecisionError` when the data are coarser than the smallest band (and ``check``)."""
    if not check:
        return
    t_band = float(np.min(np.diff(t_edges)))
    if precision.time_days > t_band:
        raise KnoxPrecisionError("time", precision.time_unit, precision.time_days, t_band)
    d_band = float(np.min(np.diff(d_edges)))
    if precision.space_m > d_band:
        raise KnoxPrecisionError("space", precision.space_unit, precision.space_m, d_band)


def _announce(result: KnoxResult, alpha: float) -> None:
    """Log the test's size and its near-repeat zone."""
    params = result.parameters
    log.info(
        "knox: %d events, %d pairs within %g m, %d permutations (seed %s; p-values %s)",
        params["n_events"],
        params["n_pairs"],
        params["distance_bands"][-1],
        params["permutations"],
        params["seed"],
        params["p_values"],
    )
    zone = near_repeat_zone(result, alpha=alpha)
    log.info(
        "knox: near-repeat zone %s (up to %g m and %g days: %d pairs against %.1f expected, p = %.3f)",
        "found" if zone.significant else "not found", zone.distance_to, zone.time_to, zone.observed,
        zone.expected, zone.p_value,
    )


@dataclass(frozen=True)
class NearRepeatZone:
    """The near-repeat zone of a Knox test (see :func:`near_repeat_zone`).

    Attributes
    ----------
    significant : bool
        The nearest, shortest band pair is significant (ratio > 1, p < alpha); when False
        the other fields describe that band pair alone.
    distance_index, time_index : int
        Last distance band and last time band in the zone (0-based).
    distance_from, distance_to, time_from, time_to : float
        Bounds of the zone in metres and days.
    observed : int
        Close pairs in the zone.
    expected : float
        Expected close pairs in the zone under no interaction (exact: the sum of the band pairs' expected counts).
    ratio : float
        ``observed / expected``.
    p_value : float
        Permutation p-value of the zone as one test.
    """

    significant: bool
    distance_index: int
    time_index: int
    distance_from: float
    distance_to: float
    time_from: float
    time_to: float
    observed: int
    expected: float
    ratio: float
    p_value: float


def near_repeat_zone(result: KnoxResult, *, alpha: float = 0.05) -> NearRepeatZone:
    """Find the near-repeat zone of a Knox test: where a raised risk is found.

    Parameters
    ----------
    result : KnoxResult
        From :func:`knox`.
    alpha : float
        Significance level.

    Returns
    -------
    NearRepeatZone

    Notes
    -----
    The open bands ("≥ last edge") are never part of the zone.
    The near-repeat zone is the largest block of band pairs, from the nearest distance
    band and the shortest time band outwards (distance bands 0..D × time bands 0..T),
    in which every band pair is significant (ratio > 1 and p < ``alpha``); among blocks
    of equal size the one with the higher ratio. Its ratio is the observed over the
    expected pair count summed over the block, its p-value from the same permutations
    (so it is a new, single test, not a combination of the band p-values), or from the block's
    exact moments when the p-values are analytic. When the
    nearest, shortest band pair is not significant, ``significant`` is False.
    """
    tab = result.table
    pc = result.permutation_counts
    nd_all, nt_all = pc.shape[1], pc.shape[2]
    grid = {c: tab[c].to_numpy().reshape(nd_all, nt_all) for c in ("observed", "expected", "ratio", "p_value")}
    d_to_all = tab["distance_to"].to_numpy().reshape(nd_all, nt_all)[:, 0]
    t_to_all = tab["time_to"].to_numpy().reshape(nd_all, nt_all)[0, :]
    nd, nt = int(np.isfinite(d_to_all).sum()), int(np.isfinite(t_to_all).sum())  # the open bands are never "near"
    obs, exp_ = grid["observed"][:nd, :nt], grid["expected"][:nd, :nt]
    ratio, pv = grid["ratio"][:nd, :nt], grid["p_value"][:nd, :nt]
    pc = pc[:, :nd, :nt]
    sig = (pv < alpha) & (ratio > 1)
    d_to, t_to = d_to_all[:nd], t_to_all[:nt]
    d_from = tab["distance_from"].to_numpy().reshape(nd_all, nt_all)[:nd, 0]
    t_from = tab["time_from"].to_numpy().reshape(nd_all, nt_all)[0, :nt]
    if not sig[0, 0]:
        return NearRepeatZone(False, 0, 0, float(d_from[0]), float(d_to[0]), float(t_from[0]), float(t_to[0]),
                              int(obs[0, 0]), float(exp_[0, 0]), float(ratio[0, 0]), float(pv[0, 0]))
    # The largest block [0..D] x [0..T] of band pairs that are all significant (ties: higher ratio).
    best: tuple[int, float, int, int] | None = None
    for d_i in range(nd):
        for t_i in range(nt):
            if not sig[: d_i + 1, : t_i + 1].all():
                continue
            e_blk = float(exp_[: d_i + 1, : t_i + 1].sum())
            r_blk = obs[: d_i + 1, : t_i + 1].sum() / e_blk if e_blk > 0 else math.inf
            cand = ((d_i + 1) * (t_i + 1), r_blk, d_i, t_i)
            if best is None or cand[:2] > best[:2]:
                best = cand
    D, T = (best[2], best[3]) if best is not None else (0, 0)  # best exists: sig[0, 0] holds
    o = int(obs[: D + 1, : T + 1].sum())
    e = float(exp_[: D + 1, : T + 1].sum())
    r = o / e if e > 0 else math.inf
    if result.moments is not None:
        p = p_upper(o, *result.moments.block(0, D, 0, T))
    else:
        perm = pc[:, : D + 1, : T + 1].sum(axis=(1, 2))
        p = (1 + int((perm >= o).sum())) / (len(perm) + 1)
    return NearRepeatZone(True, D, T, float(d_from[0]), float(d_to[D]), float(t_from[0]), float(t_to[T]), o, e, r, p)

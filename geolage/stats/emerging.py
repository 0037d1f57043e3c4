"""Emerging hot spot analysis on a space-time cube (grid cell × period), as in ArcGIS Pro.

Public functions: :func:`emerging_hotspots` (the whole analysis), :func:`space_time_cube`
(incident counts per cell and period, zeros included), :func:`space_time_gistar`
(Gi* per bin with space-time neighbours), :func:`geolage.stats.trends.mann_kendall_rows` (trend test per
location) and :func:`classify_emerging` (the 17 ArcGIS categories).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse, stats

from ..errors import GeolageWarning
from ..neighbours import MIN_NEIGHBOURS, SpatialWeights, make_weights
from ..periods import period_labels, period_range
from .hotspots import fdr_bh, incident_rows
from .trends import mann_kendall_rows

__all__ = [
    "EMERGING_COLUMNS",
    "space_time_cube",
    "space_time_gistar",
    "classify_emerging",
    "emerging_hotspots",
]

log = logging.getLogger(__name__)

#: Columns of :func:`emerging_hotspots`' result, in order.
EMERGING_COLUMNS = (
    "emerging_category",
    "emerging_mk_z",
    "emerging_mk_p",
    "emerging_mk_s",
    "n_hot_bins",
    "n_cold_bins",
    "n_bins",
    "emerging_final_z",
)


def space_time_cube(
    gdf: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    unit: Literal["year", "quarter", "month"] = "year",
    start: Any = None,
    end: Any = None,
    time_column: str = "time",
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Incident counts per location (row of ``gdf``) and period, zeros included.

    Parameters
    ----------
    gdf : GeoDataFrame
        Grid cells (or districts) indexed by id.
    incidents : GeoDataFrame
        Incidents with a datetime column ``time_column`` and either the id column of
        ``gdf`` (``cell_id``) or point geometry.
    unit : {"year", "quarter", "month"}
        Period length (labels from :func:`geolage.periods.period_labels`).
    start, end : date, optional
        First and last day analysed; default the first and last incident. Every period
        in between is a column, also periods without incidents.
    time_column : str
        Column of the incident time.
    rows : ndarray of int, optional
        The row of ``gdf`` each incident falls in (:func:`geolage.stats.hotspots.incident_rows` of these
        incidents), when already known: one spatial join for the categories of a run instead of one each.

    Returns
    -------
    DataFrame
        Indexed like ``gdf``, one column per period label (in time order), counts.
    """
    if time_column not in incidents.columns:
        raise KeyError(f"incidents need a time column {time_column!r}; columns are: {', '.join(incidents.columns)}")
    times = pd.to_datetime(incidents[time_column])
    if start is None:
        start = times.min()
    if end is None:
        end = times.max()
    if pd.isna(start) or pd.isna(end):
        raise ValueError("incidents have no times; a space-time cube needs incident times")
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(end)
    inside = (times >= start_ts) & (times < end_ts + pd.Timedelta(days=1))
    labels = period_range(start_ts.date(), end_ts.date(), unit)
    inc = incidents[inside.to_numpy()]
    column = pd.Index(labels).get_indexer(period_labels(times[inside], unit).to_numpy())
    if rows is not None and len(rows) != len(incidents):
        raise ValueError(f"rows: one per incident needed; got {len(rows)} for {len(incidents)} incidents")
    row = incident_rows(gdf, inc) if rows is None else np.asarray(rows)[inside.to_numpy()]  # one join, all periods
    ok = (row >= 0) & (column >= 0)
    counts = np.bincount(row[ok] * len(labels) + column[ok], minlength=len(gdf) * len(labels))
    cube = pd.DataFrame(counts.reshape(len(gdf), len(labels)).astype(float), index=gdf.index.copy(), columns=labels)
    cube.columns.name = "period"
    return cube


def space_time_gistar(
    values: np.ndarray,
    weights: sparse.csr_matrix | SpatialWeights,
    *,
    time_window: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and two-sided p-values of every bin of a space-time cube.

    Parameters
    ----------
    values : array (n_locations, n_periods)
        Counts (or values) per location and time step, zeros included.
    weights : csr_matrix or SpatialWeights
        Spatial weights *with* self-weights (binary distance band by default).
    time_window : int
        Number of previous time steps in the neighbourhood (ArcGIS *Neighborhood Time
        Step*): bin (i, t) has as neighbours the spatial neighbours of i (and i) in
        time steps ``t - time_window`` … ``t`` (fewer at the start of the cube).

    Returns
    -------
    z, p : ndarray (n_locations, n_periods)

    Notes
    -----
    Gi* (Ord & Getis 1995, self included) over all ``N = n_locations * n_periods``
    bins: the mean and standard deviation are those of the *entire cube* (ArcGIS's
    default global window, "Entire cube"), the space-time weight of bin (j, s) in the
    neighbourhood of (i, t) is ``w_ij`` for ``t - time_window <= s <= t``.
    """
    W = weights.sparse if isinstance(weights, SpatialWeights) else weights
    W = W.tocsr()
    Y = np.asarray(values, dtype=float)
    n, T = Y.shape
    if time_window < 0:
        raise ValueError(f"time_window needs to be 0 or more; got {time_window}")
    N = n * T
    ybar = Y.mean()
    s = np.sqrt(max((Y * Y).mean() - ybar**2, 0.0))
    if not s > 0:
        raise ValueError(f"space-time Gi* needs values that vary; all {N} bins equal {ybar:g}")
    lag_s = np.asarray(W @ Y)  # (n, T)
    cs = np.cumsum(lag_s, axis=1)
    lag = cs.copy()
    if time_window + 1 < T:
        lag[:, time_window + 1 :] -= cs[:, : T - time_window - 1]
    steps = np.minimum(np.arange(T) + 1, time_window + 1)[None, :]
    wi = np.asarray(W.sum(axis=1)).ravel()[:, None] * steps
    s1 = np.asarray(W.multiply(W).sum(axis=1)).ravel()[:, None] * steps
    den2 = (N * s1 - wi**2) / (N - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (lag - ybar * wi) / (s * np.sqrt(den2))
    z[~(den2 > 0)] = np.nan
    p = 2.0 * stats.norm.sf(np.abs(z))
    return z, p


def _final_run(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True at the end of each row."""
    return np.cumprod(flags[:, ::-1], axis=1).sum(axis=1)


def classify_emerging(
    z: np.ndarray,
    significant: np.ndarray,
    mk_z: np.ndarray,
    mk_p: np.ndarray,
    *,
    trend_alpha: float = 0.05,
) -> np.ndarray:
    """Emerging hot spot category of each location (``geolage.classes.EMERGING_CATEGORIES``).

    Parameters
    ----------
    z : array (n, T)
        Gi* z-score of every bin.
    significant : array of bool (n, T)
        Bin is a statistically significant hot/cold spot (sign from ``z``).
    mk_z, mk_p : array (n,)
        Mann–Kendall trend z and p of each location's Gi* z series.
    trend_alpha : float
        Level at which the trend counts as statistically significant.

    Returns
    -------
    ndarray of str

    Notes
    -----
    ArcGIS Pro definitions (*How Emerging Hot Spot Analysis works*), with T bins, a
    *hot bin* a significant bin with z > 0, "90 %" meaning at least 0.9·T bins (counted
    exactly: ``10 * count >= 9 * T``) and the final time step the last bin. Checked in
    this order, the first that fits wins (the ArcGIS texts overlap; the order is ours):

    1. ``new_hot``: the final bin is hot and no earlier bin was hot (nor cold: see 8).
    2. ``consecutive_hot``: a single uninterrupted run of at least two hot bins ending
       in the final bin, no hot (nor cold) bin before that run, and less than 90 % of
       all bins hot.
    3. ``intensifying_hot``: hot in at least 90 % of the bins including the final one,
       and the Mann–Kendall trend of z is increasing and significant (p < trend_alpha).
    4. ``diminishing_hot``: as 3 with a significant decreasing trend.
    5. ``persistent_hot``: hot in at least 90 % of the bins including the final one,
       no significant trend.
    6. ``historical_hot``: the final bin is not hot, but at least 90 % of the bins were.
    7. ``sporadic_hot``: the final bin is hot, less than 90 % of the bins are hot, the
       hot bins are interrupted (not 1 or 2), and no bin was ever a cold spot.
    8. ``oscillating_hot``: the final bin is hot, less than 90 % of the bins are hot and
       at least one earlier bin was a cold spot.

    The ``*_cold`` categories are the same with cold bins (z < 0); "intensifying" cold
    means z decreasing (colder), "diminishing" cold z increasing. Everything else is
    ``no_pattern``. ArcGIS's texts for *new* and *consecutive* only exclude earlier
    hot bins; a location with earlier *cold* bins fits *oscillating* too, and geolage
    calls it ``oscillating_hot`` (as R's sfdep does). With fewer than 10 bins the 90 %
    rules need every bin, so ``historical`` cannot occur and a hot spot that faded
    before the final bin (e.g. hot in 4 of 7 years) is ``no_pattern``, as in ArcGIS.
    """
    z = np.asarray(z, dtype=float)
    sig = np.asarray(significant, dtype=bool) & np.isfinite(z)
    n, T = z.shape
    out = np.full(n, "no_pattern", dtype=object)
    trend_sig = np.asarray(mk_p) < trend_alpha
    up = trend_sig & (np.asarray(mk_z) > 0)
    down = trend_sig & (np.asarray(mk_z) < 0)
    hot_all = sig & (z > 0)
    cold_all = sig & (z < 0)
    for kind, this, other, rising, falling in (
        ("cold", cold_all, hot_all, down, up),
        ("hot", hot_all, cold_all, up, down),
    ):
        count = this.sum(axis=1)
        other_count = other.sum(axis=1)
        final = this[:, -1]
        run = _final_run(this)
        most = 10 * count >= 9 * T
        rules = [
            ("new", final & (count == 1) & (other_count == 0)),
            ("consecutive", final & (run >= 2) & (count == run) & (other_count == 0) & ~most),
            ("intensifying", most & final & rising),
            ("diminishing", most & final & falling),
            ("persistent", most & final & ~trend_sig),
            ("historical", most & ~final),
            ("sporadic", final & ~most & (other_count == 0)),
            ("oscillating", final & ~most & (other_count > 0)),
        ]
        done = np.zeros(n, dtype=bool)
        for name, rule in rules:
            hit = rule & ~done
            out[hit] = f"{name}_{kind}"
            done |= hit
    return out


def emerging_hotspots(
    gdf: gpd.GeoDataFrame,
    cube: pd.DataFrame | None = None,
    *,
    incidents: gpd.GeoDataFrame | None = None, unit: Literal["year", "quarter", "month"] = "year",
    start: Any = None, end: Any = None, weights: Any = None, distance: float | Literal["auto"] = "auto",
    min_neighbours: int = MIN_NEIGHBOURS, time_window: int = 1, alpha: float = 0.10, trend_alpha: float = 0.05,
    correction: Literal["fdr", "none"] = "fdr",
) -> pd.DataFrame:
    """Emerging hot spot analysis (space-time Gi* + Mann–Kendall), ArcGIS Pro categories.

    Parameters
    ----------
    gdf : GeoDataFrame
        Grid cells (or districts) indexed by id: every location of the study area.
    cube : DataFrame, optional
        Values per location (rows, like ``gdf``) and period (columns in time order).
        Give this or ``incidents``.
    incidents : GeoDataFrame, optional
        Incidents, counted per cell and period with :func:`space_time_cube`.
    unit, start, end
        Periods of the cube built from ``incidents``.
    weights : Graph, W, SpatialWeights or GAL/GWT path, optional
        Spatial neighbourhood (self added). Default: the grid distance band of
        ``distance`` (:func:`geolage.neighbours.grid_weights`) or queen contiguity.
    distance : float or "auto"
        Spatial band radius in metres (ArcGIS *Neighborhood Distance*).
    min_neighbours : int
        For the automatic band.
    time_window : int
        Previous time steps in the neighbourhood (ArcGIS *Neighborhood Time Step*).
    alpha : float
        A bin is a significant hot/cold spot when its FDR-adjusted p (or p with
        ``correction="none"``) is below ``alpha`` (default 0.10, 90 % confidence).
    trend_alpha : float
        Level of the Mann–Kendall trend test (intensifying / diminishing / persistent).
    correction : {"fdr", "none"}
        Benjamini–Hochberg once over all bins of the cube (as ArcGIS), or none.

    Returns
    -------
    DataFrame
        Indexed like ``gdf``: ``emerging_category`` (code of
        :data:`geolage.classes.EMERGING_CATEGORIES`), ``emerging_mk_z``,
        ``emerging_mk_p``, ``emerging_mk_s`` (Mann–Kendall trend of the Gi* z series),
        ``n_hot_bins``, ``n_cold_bins``, ``n_bins``, ``emerging_final_z`` (Gi* z of the
        final bin). ``attrs["parameters"]`` records everything used (the per-bin z cube
        comes from :func:`space_time_gistar`).

    Notes
    -----
    1. Space-time Gi* per bin (:func:`space_time_gistar`): global window = the entire
       cube; neighbours = the spatial band (self included) in the same and the previous
       ``time_window`` time steps. 2. Benjamini–Hochberg over all bins; a bin is hot
       (cold) when adjusted p < ``alpha`` and z > 0 (< 0). 3. Mann–Kendall test on each
       location's z series (:func:`geolage.stats.trends.mann_kendall_rows`), leaving out the first ``time_window``
       bins (recorded as ``trend_periods``): their time neighbourhood is truncated, so a
       constant hot spot has a smaller z there and would otherwise look intensifying (a
       geolage choice; at least 3 bins are always kept). 4. Categories: see
       :func:`classify_emerging` (exact definitions). All locations are analysed, also
       those without incidents (ArcGIS analyses only locations with data unless given
       an analysis mask; our grid *is* the mask).

    References: ArcGIS Pro, *How Emerging Hot Spot Analysis works* (Esri); Ord & Getis
    (1995); Mann (1945); Kendall (1975); Benjamini & Hochberg (1995).
    """
    _check_options(cube, incidents, alpha, trend_alpha, correction)
    cube, Y = _cube_values(gdf, cube, incidents, unit=unit, start=start, end=end)
    n, T = Y.shape
    sw = make_weights(gdf, weights, distance=distance, include_self=True, min_neighbours=min_neighbours)
    z, p = space_time_gistar(Y, sw.sparse, time_window=time_window)
    q = fdr_bh(p.ravel()).reshape(p.shape) if correction == "fdr" else p
    sig = q < alpha
    trend_from, mk_s, mk_z, mk_p = _z_trends(z, time_window)
    cat = classify_emerging(z, sig, mk_z, mk_p, trend_alpha=trend_alpha)
    out = pd.DataFrame(
        {"emerging_category": cat, "emerging_mk_z": mk_z, "emerging_mk_p": mk_p, "emerging_mk_s": mk_s,
         "n_hot_bins": (sig & (z > 0)).sum(axis=1), "n_cold_bins": (sig & (z < 0)).sum(axis=1), "n_bins": T,
         "emerging_final_z": z[:, -1]},
        index=gdf.index.copy(),
    )
    counts = pd.Series(cat).value_counts().to_dict()
    out.attrs["parameters"] = {
        "method": "emerging hot spot analysis: space-time Gi* + Mann-Kendall (ArcGIS Pro categories)",
        "periods": [str(c) for c in cube.columns], "n_locations": n, "n_bins": T, "weights": sw.description,
        "time_window": time_window, "global_window": "entire cube", "alpha": alpha, "trend_alpha": trend_alpha,
        "trend_periods": [str(c) for c in cube.columns[trend_from:]],
        "correction": "Benjamini-Hochberg FDR over all bins" if correction == "fdr" else "none",
        "categories": {str(k): int(v) for k, v in counts.items()},
    }
    log.info(
        "emerging hot spots: %d locations x %d %s periods, neighbourhood %s m + %d previous step(s), "
        "global window entire cube, bins at %.2f (%s), trend at %.2f: %s",
        n, T, unit, sw.description.get("distance", sw.description.get("kind")), time_window, alpha, correction,
        trend_alpha, counts,
    )
    return out


def _check_options(
    cube: pd.DataFrame | None, incidents: gpd.GeoDataFrame | None, alpha: float, trend_alpha: float, correction: str
) -> None:
    """Raise on options :func:`emerging_hotspots` cannot use."""
    if (cube is None) == (incidents is None):
        raise ValueError(
            "give either cube (values per location and period) or incidents; got "
            + ("both" if cube is not None else "neither")
        )
    if not 0 < alpha < 1 or not 0 < trend_alpha < 1:
        raise ValueError(f"alpha and trend_alpha need to be between 0 and 1; got {alpha}, {trend_alpha}")
    if correction not in ("fdr", "none"):
        raise ValueError(f"correction needs to be 'fdr' or 'none'; got {correction!r}")


def _cube_values(
    gdf: gpd.GeoDataFrame, cube: pd.DataFrame | None, incidents: gpd.GeoDataFrame | None, *, unit: str, start: Any,
    end: Any,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The cube (given, or counted from ``incidents``) in the order of ``gdf``, and its values, checked.

    No value may be missing; at least 2 time steps are needed (a warning under 10).
    """
    if incidents is not None:
        cube = space_time_cube(gdf, incidents, unit=unit, start=start, end=end)
    elif cube is None:  # unreachable: checked by _check_options (keeps type checkers informed)
        raise ValueError("give either cube or incidents")
    cube = cube.reindex(gdf.index)
    Y = cube.to_numpy(dtype=float)
    if np.isnan(Y).any():
        bad = cube.index[np.isnan(Y).any(axis=1)]
        raise ValueError(f"cube: {len(bad)} locations have missing values, first {bad[0]!r}; fill with 0 or drop them")
    T = Y.shape[1]
    if T < 2:
        raise ValueError(f"emerging hot spot analysis needs at least 2 time steps; got {T}")
    if T < 10:
        warnings.warn(
            f"the cube has {T} time steps; with fewer than 10 the '90 % of the time steps' rules need every "
            "step, so historical/persistent categories are strict",
            GeolageWarning,
            stacklevel=3,
        )
    return cube, Y


def _z_trends(z: np.ndarray, time_window: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Mann–Kendall trend of each location's Gi* z series: first bin used, S, z and p.

    The first ``time_window`` bins have truncated time neighbourhoods (fewer neighbours give
    a smaller |z| for the same intensity): they are left out of the trend test, keeping at
    least 3 bins.
    """
    T = z.shape[1]
    zz = np.nan_to_num(z, nan=0.0)
    trend_from = min(time_window, max(T - 3, 0))
    mk_s, _, mk_z, mk_p = mann_kendall_rows(zz[:, trend_from:])
    return trend_from, mk_s, mk_z, mk_p

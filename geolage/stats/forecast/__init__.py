"""Forecasts of where crime will occur next period, with an honest rolling-origin backtest.

Three grid forecasts are compared on the analysis grid: a naive baseline (last period's
counts), a recency-weighted kernel density (prospective hotspotting) and a Poisson count
regression with temporal and spatial lags. Each is backtested over past periods with the
hit rate, PAI, PEI and RRI at fixed shares of the area, and compared with the baseline by a
paired test and a bootstrap interval over origins. Per district, a count forecast for the
next calendar year with 80 % and 95 % prediction intervals is made from a Poisson or
negative binomial regression with a trend.

The definitions of the accuracy measures differ in the literature; the ones used here are
given exactly in :func:`hotspot_metrics`.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import stats
from scipy.signal import fftconvolve

from ...categories import category_label
from ...run.results import RunResults, Table

__all__ = [
    "METHODS",
    "BACKTEST_COLUMNS",
    "SUMMARY_COLUMNS",
    "GRID_COLUMNS",
    "DISTRICT_COLUMNS",
    "hotspot_metrics",
    "forecast_scores",
    "backtest_forecast",
    "summarise_backtest",
    "forecast_district_counts",
    "forecast_summary_text",
    "add_forecast",
]

log = logging.getLogger(__name__)

#: The grid forecast methods, the naive baseline first.
METHODS: tuple[str, ...] = ("naive", "prospective", "glm")

#: Columns of ``forecast_backtest`` (one row per category, method, origin and area share).
BACKTEST_COLUMNS: tuple[str, ...] = (
    "category",
    "method",
    "origin",
    "period_end",
    "area_share",
    "area_selected",
    "n_cells",
    "n_eval",
    "n_hits",
    "hit_rate",
    "pai",
    "pai_max",
    "pei",
    "rri",
)
#: Columns of ``forecast_summary`` (one row per category, method and area share).
SUMMARY_COLUMNS: tuple[str, ...] = (
    "category",
    "method",
    "area_share",
    "n_origins",
    "hit_rate",
    "pai",
    "pei",
    "rri",
    "pai_diff",
    "pai_diff_ci_low",
    "pai_diff_ci_high",
    "pai_diff_p",
    "pai_diff_p_holm",
    "beats_baseline",
)
#: Columns of ``forecast_grid``; then ``in_top_<p>`` per area share (p in %, e.g. ``in_top_5``) and the geometry.
GRID_COLUMNS: tuple[str, ...] = (
    "cell_id",
    "category",
    "method",
    "period_start",
    "period_end",
    "score",
    "rank",
    "count_last_period",
)
#: Columns of ``forecast_district``.
DISTRICT_COLUMNS: tuple[str, ...] = (
    "district_id",
    "district_name",
    "category",
    "year",
    "last_count",
    "forecast",
    "pi80_low",
    "pi80_high",
    "pi95_low",
    "pi95_high",
    "pi_low",
    "pi_high",
    "model",
)

_DAY_NS = 86_400 * 10**9
_GLM_HISTORY = 4  # periods averaged in the long-term features of the count regression


# --------------------------------------------------------------------------- grid helpers
@dataclass(frozen=True)
class _Cells:
    """The analysis grid as arrays (grid order), with its dense raster layout."""

    ids: np.ndarray
    index: pd.Index
    r: np.ndarray
    c: np.ndarray
    shape: tuple[int, int]
    area: np.ndarray
    cell_size: float
    id_order: np.ndarray  # position of each cell when sorted by cell id (tie-break)


def _prepare_cells(grid: pd.DataFrame) -> _Cells:
    missing = [c for c in ("col", "row") if c not in grid.columns]
    if missing:
        raise ValueError(f"grid needs the columns col and row; missing: {', '.join(missing)}")
    if len(grid) == 0:
        raise ValueError("grid needs at least one cell; got an empty grid")
    cell_size = grid.attrs.get("cell_size")
    if cell_size is None or not float(cell_size) > 0:
        raise ValueError(f"grid.attrs['cell_size'] needs to be a positive number of metres; got {cell_size!r}")
    ids = (grid["cell_id"] if "cell_id" in grid.columns else pd.Series(grid.index)).astype(str).to_numpy()
    index = pd.Index(ids)
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise ValueError(f"grid cell ids need to be unique; {dup!r} occurs more than once")
    col = grid["col"].to_numpy(dtype=np.int64)
    row = grid["row"].to_numpy(dtype=np.int64)
    r = row - row.min()
    c = col - col.min()
    pos = pd.Index(r * (int(c.max()) + 1) + c)
    if pos.has_duplicates:
        first = int(np.flatnonzero(pos.duplicated())[0])
        raise ValueError(f"grid cells need unique (col, row); cell {ids[first]!r} repeats the position of another")
    full = float(cell_size) ** 2
    if "area_share" in grid.columns:
        area = np.clip(grid["area_share"].to_numpy(dtype=float), 0.0, 1.0) * full
    else:
        area = np.full(len(grid), full)
    id_order = np.empty(len(ids), dtype=np.int64)
    id_order[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    return _Cells(ids, index, r, c, (int(r.max()) + 1, int(c.max()) + 1), area, float(cell_size), id_order)


@dataclass(frozen=True)
class _Events:
    """Incidents as arrays: grid cell position and time (ns since the epoch)."""

    cell: np.ndarray
    t: np.ndarray


def _prepare_events(incidents: pd.DataFrame, cells: _Cells) -> _Events:
    missing = [c for c in ("cell_id", "time") if c not in incidents.columns]
    if missing:
        raise ValueError(f"incidents need the columns cell_id and time; missing: {', '.join(missing)}")
    times = pd.to_datetime(incidents["time"])
    pos = cells.index.get_indexer(incidents["cell_id"].astype(object).where(incidents["cell_id"].notna(), None))
    ok = (pos >= 0) & times.notna().to_numpy()
    t = times.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return _Events(pos[ok].astype(np.int64), t[ok])


def _to_ns(when: Any) -> int:
    return int(pd.Timestamp(when).as_unit("ns").value)


def _raster(values: np.ndarray, cells: _Cells) -> np.ndarray:
    out = np.zeros(cells.shape)
    out[cells.r, cells.c] = values  # (row, col) is unique per cell
    return out


@functools.lru_cache(maxsize=64)
def _quartic_kernel(bandwidth: float, cell_size: float) -> np.ndarray:
    """Quartic (biweight) kernel on the cell raster, normalised to sum 1."""
    reach = int(math.floor(bandwidth / cell_size))
    off = np.arange(-reach, reach + 1)
    dy, dx = np.meshgrid(off, off, indexing="ij")
    d = np.hypot(dx, dy) * cell_size
    k = np.where(d < bandwidth, (1.0 - (d / bandwidth) ** 2) ** 2, 0.0)
    return k / k.sum()


def _smooth(values: np.ndarray, kernel: np.ndarray, cells: _Cells) -> np.ndarray:
    if kernel.shape == (1, 1):
        return values.astype(float).copy()
    out = fftconvolve(_raster(values, cells), kernel, mode="same")[cells.r, cells.c]
    scale = np.abs(out).max() if out.size else 0.0
    out[out < 1e-9 * scale] = 0.0  # FFT round-off would break ties between empty cells
    return out


_NEIGHBOURS = np.array([[1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])


def _neighbour_sum(values: np.ndarray, cells: _Cells) -> np.ndarray:
    out = fftconvolve(_raster(values, cells), _NEIGHBOURS, mode="same")[cells.r, cells.c]
    return np.rint(out * 1e9) / 1e9  # sums of counts: remove FFT round-off


def _rank_order(score: np.ndarray, tiebreak: np.ndarray, id_order: np.ndarray) -> np.ndarray:
    """Cell positions by descending score, then descending tie-break, then ascending cell id."""
    return np.lexsort((id_order, -tiebreak, -score))


# --------------------------------------------------------------------------- metrics
def hotspot_metrics(
    score: np.ndarray,
    observed: np.ndarray,
    area: np.ndarray,
    area_shares: tuple[float, ...] | list[float] = (0.01, 0.05, 0.10),
    *,
    previous: np.ndarray | None = None,
    tiebreak: np.ndarray | None = None,
    cell_order: np.ndarray | None = None,
) -> pd.DataFrame:
    """Hit rate, PAI, PEI and RRI of a ranking of cells at fixed shares of the area.

    Parameters
    ----------
    score : array of float
        Forecast score per cell (higher = more crime expected).
    observed : array of int
        Incidents per cell in the evaluation period.
    area : array of float
        Area of each cell inside the study area (any unit; only shares are used).
    area_shares : sequence of float
        Shares of the total area (0 < share <= 1) to select.
    previous : array of int, optional
        Incidents per cell in the period before the forecast origin (for the RRI);
        without it the RRI is NaN.
    tiebreak : array of float, optional
        Second sort key for cells with equal scores (descending), e.g. the long-term
        count. Default: none.
    cell_order : array of int, optional
        Third sort key (ascending), e.g. the position of the cell id in sorted order.
        Default: the array position.

    Returns
    -------
    DataFrame
        One row per area share: ``area_share`` (asked), ``area_selected`` (share actually
        selected), ``n_cells``, ``n_eval`` (N), ``n_hits`` (n), ``hit_rate``, ``pai``,
        ``pai_max``, ``pei``, ``rri``. Measures are NaN when undefined (no incidents in
        the evaluation period; for the RRI also none in the selected cells before).

    Raises
    ------
    ValueError
        Arrays of different lengths, or a share outside (0, 1].

    Notes
    -----
    Definitions differ between authors; these are the ones used throughout geolage.

    *Selection.* Cells are sorted by descending ``score``, ties by descending
    ``tiebreak``, then by ascending ``cell_order``, and taken in that order until the
    selected area first reaches ``area_share`` × total area (whole cells, so the selected
    share ``a/A`` is at least the asked share; partial cells at the study-area edge
    count with their area inside).

    *Hit rate* = n / N: the share of the evaluation period's N incidents that fall in the
    selected cells (Chainey, Tompson & Uhlig 2008).

    *PAI* (predictive accuracy index) = (n / N) / (a / A), with a the selected area and A
    the total area, as in Chainey, Tompson & Uhlig (2008); 1 is what a random choice of
    area gives on average.

    *PEI* (predictive efficiency index) = PAI / PAI*, where PAI* is the PAI of the best
    selection of the same size made with hindsight: cells sorted by their observed
    incidents per area (ties: larger area, then ``cell_order``) and taken by the same
    rule (Hunt 2016; as computed in Wheeler & Steenbeek 2021 and the R package ``ptools``). With
    equal cells PEI is in [0, 1]; with partial edge cells the greedy hindsight selection
    is not always optimal and PEI can slightly exceed 1 (not clipped). Many cells tie at
    small counts, so at 1 % of the area the hindsight selection is often not unique;
    its value is.

    *RRI* (recapture rate index; Levine 2008) = PAI₂ / PAI₁ = (n₂ / N₂) / (n₁ / N₁) for the
    *same* selected cells, where period 2 is the evaluation period and period 1 the
    period of equal length just before the forecast origin. RRI > 1: the selected area
    holds a larger share of crime in the forecast period than before; < 1: a smaller
    share. It measures the stability of the selected hotspots rather than forecast
    skill (for the naive method, selected on period 1 itself, it is usually < 1: regression
    to the mean). Other authors use the name for other ratios (e.g. predicted / observed
    in the selected area, "recovery rate index", Wheeler & Steenbeek 2021).

    References
    ----------
    Chainey, S., Tompson, L. & Uhlig, S. (2008). The utility of hotspot mapping for
    predicting spatial patterns of crime. *Security Journal* 21, 4–28.
    Hunt, J. M. (2016). Do crime hot spots move? Exploring the effects of the modifiable
    areal unit problem and modifiable temporal unit problem on crime hot spot stability.
    PhD thesis, American University.
    Levine, N. (2008). The "hottest" part of a hotspot: comments on "The utility of
    hotspot mapping for predicting spatial patterns of crime". *Security Journal* 21, 295–302.
    Wheeler, A. P. & Steenbeek, W. (2021). Mapping the risk terrain for crime using
    machine learning. *Journal of Quantitative Criminology* 37, 445–480.

    Examples
    --------
    >>> import numpy as np
    >>> m = hotspot_metrics(np.array([3.0, 2, 1, 0]), np.array([2, 0, 1, 1]), np.ones(4), [0.25])
    >>> float(m["hit_rate"].iloc[0]), float(m["pai"].iloc[0]), float(m["pei"].iloc[0])
    (0.5, 2.0, 1.0)
    """
    score = np.asarray(score, dtype=float)
    observed = np.asarray(observed, dtype=float)
    area = np.asarray(area, dtype=float)
    n = len(score)
    arrays = {"observed": observed, "area": area}
    if previous is not None:
        previous = np.asarray(previous, dtype=float)
        arrays["previous"] = previous
    tiebreak = np.zeros(n) if tiebreak is None else np.asarray(tiebreak, dtype=float)
    cell_order = np.arange(n) if cell_order is None else np.asarray(cell_order)
    arrays["tiebreak"] = tiebreak
    arrays["cell_order"] = cell_order
    bad = [k for k, v in arrays.items() if len(v) != n]
    if bad:
        raise ValueError(f"score, {', '.join(bad)} need the same length; got {n} scores")
    bad_shares = [s for s in area_shares if not 0 < s <= 1]
    if bad_shares:
        raise ValueError(f"area_shares need to be in (0, 1]; got {bad_shares}")
    total_area = area.sum()
    total = observed.sum()
    order = _rank_order(score, tiebreak, cell_order)
    cum = np.cumsum(area[order])
    density = observed / np.where(area > 0, area, np.inf)
    best = np.lexsort((cell_order, -area, -density))
    cum_best = np.cumsum(area[best])
    prev_total = previous.sum() if previous is not None else 0.0
    rows = []
    for share in area_shares:
        target = share * total_area * (1 - 1e-9)
        k = min(int(np.searchsorted(cum, target, side="left")) + 1, n)
        kb = min(int(np.searchsorted(cum_best, target, side="left")) + 1, n)
        sel = order[:k]
        a = cum[k - 1] / total_area
        hits = observed[sel].sum()
        hit_rate = hits / total if total > 0 else np.nan
        pai = hit_rate / a if total > 0 else np.nan
        pai_max = (observed[best[:kb]].sum() / total) / (cum_best[kb - 1] / total_area) if total > 0 else np.nan
        pei = pai / pai_max if total > 0 and pai_max > 0 else np.nan
        rri = np.nan
        if previous is not None and prev_total > 0 and total > 0:
            before = previous[sel].sum() / prev_total
            rri = hit_rate / before if before > 0 else np.nan
        rows.append(
            {
                "area_share": float(share),
                "area_selected": float(a),
                "n_cells": int(k),
                "n_eval": int(total),
                "n_hits": int(hits),
                "hit_rate": hit_rate,
                "pai": pai,
                "pai_max": pai_max,
                "pei": pei,
                "rri": rri,
            }
        )
    return pd.DataFrame(rows)


def _mean_pai(
    score: np.ndarray, observed: np.ndarray, cells: _Cells, tiebreak: np.ndarray, shares: tuple[float, ...]
) -> float:
    """Mean PAI over ``shares`` (same selection rule as :func:`hotspot_metrics`, without the extras)."""
    total = observed.sum()
    if total == 0:
        return float("nan")
    order = _rank_order(score, tiebreak, cells.id_order)
    cum = np.cumsum(cells.area[order])
    hits = np.cumsum(observed[order])
    k = np.minimum(np.searchsorted(cum, np.asarray(shares) * cum[-1] * (1 - 1e-9), side="left"), len(order) - 1)
    return float(np.mean((hits[k] / total) / (cum[k] / cum[-1])))


# --------------------------------------------------------------------------- scores
@dataclass(frozen=True)
class _History:
    """Counts per period back from an origin: ``counts[p]`` covers [origin-(p+1)h, origin-ph)."""

    counts: np.ndarray  # (n_periods, n_cells)
    cell: np.ndarray  # cell of each incident used
    age_ns: np.ndarray  # its age at the origin (ns)
    total: np.ndarray  # all counts per cell (tie-break)


def _history(events: _Events, n_cells: int, origin_ns: int, start_ns: int, horizon_days: int) -> _History:
    h = horizon_days * _DAY_NS
    n_periods = max((origin_ns - start_ns) // h, 0)
    d = origin_ns - events.t
    keep = (d > 0) & (events.t >= start_ns)
    d = d[keep]
    cell = events.cell[keep]
    p = (d - 1) // h
    inside = p < n_periods
    p, cell, d = p[inside], cell[inside], d[inside]
    counts = np.bincount(p * n_cells + cell, minlength=n_periods * n_cells).reshape(n_periods, n_cells)
    return _History(counts.astype(float), cell, d, counts.sum(axis=0).astype(float))


def _recency(hist: _History, n_cells: int, half_life_days: float) -> np.ndarray:
    """Recency-weighted counts per cell: weight ``2 ** (-age / half-life)``, 1 at the origin."""
    weight = np.exp2(-(hist.age_ns / _DAY_NS) / half_life_days)
    return np.bincount(hist.cell, weights=weight, minlength=n_cells)


def _glm_features(hist: _History, q: int, cells: _Cells, year_lag: int) -> np.ndarray:
    """Features for target period ``q`` (q = -1: the period after the origin), from older periods."""
    last = hist.counts[q + 1]
    recent = hist.counts[q + 1 : q + 1 + _GLM_HISTORY].mean(axis=0)
    longterm = hist.counts[q + 1 :].mean(axis=0)
    cols = [
        np.ones(len(last)),
        np.log1p(last),
        np.log1p(_neighbour_sum(last, cells)),
        np.log1p(recent),
        np.log1p(_neighbour_sum(recent, cells)),
        np.log1p(longterm),
    ]
    if year_lag > 1:
        cols.append(np.log1p(hist.counts[q + year_lag]))
    return np.column_stack(cols)


def _glm_score(hist: _History, cells: _Cells, horizon_days: int, train_periods: int) -> np.ndarray | None:
    year_lag = int(round(365.25 / horizon_days))
    need = max(_GLM_HISTORY, year_lag if year_lag > 1 else 1)
    n_periods = hist.counts.shape[0]
    n_targets = min(train_periods, n_periods - need)
    if n_targets < 1:
        return None
    X = np.vstack([_glm_features(hist, q, cells, year_lag) for q in range(n_targets)])
    y = np.concatenate([hist.counts[q] for q in range(n_targets)])
    if y.sum() == 0:
        return None
    # Many cell-periods share a feature vector: fit on the distinct rows (sum of counts, offset log n).
    rows = np.ascontiguousarray(X).view(np.dtype((np.void, X.dtype.itemsize * X.shape[1]))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    n_rows = np.bincount(inverse.ravel())
    beta = _poisson_irls(X[first], np.bincount(inverse.ravel(), weights=y), np.log(n_rows))
    if beta is None:
        log.warning("forecast: the count regression did not converge; method left out for this origin")
        return None
    return np.exp(np.clip(_glm_features(hist, -1, cells, year_lag) @ beta, -50, 50))


def _poisson_irls(
    X: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray | None = None,
    *,
    ridge: float = 1e-6,
    max_iter: int = 50,
    tol: float = 1e-10,
) -> np.ndarray | None:
    """Poisson regression (log link) by iteratively reweighted least squares on the normal equations.

    A tiny ridge penalty on the slopes keeps the fit finite when a feature separates the
    zero counts; it changes nothing else noticeably.
    """
    p = X.shape[1]
    offset = np.zeros(len(y)) if offset is None else offset
    beta = np.zeros(p)
    beta[0] = np.log(max(y.sum() / np.exp(offset).sum(), 1e-10))
    penalty = np.full(p, ridge * float(np.exp(offset).sum()))
    penalty[0] = 0.0
    deviance = np.inf
    for _ in range(max_iter):
        lin = np.clip(X @ beta, -30, 30)
        mu = np.exp(lin + offset)
        z = lin + (y - mu) / mu
        xtw = X.T * mu
        try:
            beta_new = np.linalg.solve(xtw @ X + np.diag(penalty), xtw @ z)
        except np.linalg.LinAlgError:
            return None
        mu_new = np.exp(np.clip(X @ beta_new, -30, 30) + offset)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev_new = 2 * np.sum(np.where(y > 0, y * np.log(y / mu_new), 0.0) - (y - mu_new))
        beta = beta_new
        if abs(deviance - dev_new) <= tol * (abs(dev_new) + 1):
            break
        deviance = dev_new
    return beta if np.all(np.isfinite(beta)) else None


@dataclass(frozen=True)
class _Options:
    """Checked method options; None for a value chosen from the training data ("auto")."""

    horizon_days: int
    half_life_days: float | None
    bandwidth: float | None
    train_periods: int
    area_shares: tuple[float, ...]


#: Candidates of the automatic choice of the prospective map's half-life (days) and bandwidth (× cell size).
_HALF_LIVES = (30.0, 91.0, 182.0, 365.0, 730.0)
_BANDWIDTH_FACTORS = (1.0, 1.5, 2.0, 3.0)
_TUNING_PERIODS = 4


def _prospective_map(hist: _History, cells: _Cells, half_life_days: float, bandwidth: float) -> np.ndarray:
    s = _smooth(_recency(hist, len(cells.ids), half_life_days), _quartic_kernel(bandwidth, cells.cell_size), cells)
    total = s.sum()
    last = hist.counts[0].sum() if hist.counts.shape[0] else 0.0
    return s * (last / total) if total > 0 else s


def _tune_prospective(
    events: _Events,
    cells: _Cells,
    origin_ns: int,
    start_ns: int,
    opts: _Options,
    cache: dict[int, np.ndarray | None] | None = None,
) -> tuple[float, float]:
    """Choose half-life and bandwidth by their mean PAI over the last periods before the origin.

    ``cache`` (one per category) keeps the PAI grid of each inner origin: consecutive
    backtest origins share inner origins.
    """
    h = opts.horizon_days * _DAY_NS
    hls = _HALF_LIVES if opts.half_life_days is None else (opts.half_life_days,)
    bws = tuple(f * cells.cell_size for f in _BANDWIDTH_FACTORS) if opts.bandwidth is None else (opts.bandwidth,)
    cache = {} if cache is None else cache
    gain = np.zeros((len(hls), len(bws)))
    used = 0
    for k in range(1, _TUNING_PERIODS + 1):
        inner = origin_ns - k * h
        if inner not in cache:
            cache[inner] = _inner_gain(events, cells, inner, start_ns, opts, hls, bws)
        if cache[inner] is not None:
            gain += cache[inner]
            used += 1
    if used == 0:
        return (hls[1] if len(hls) > 1 else hls[0]), (bws[2] if len(bws) > 2 else bws[0])
    i, j = np.unravel_index(int(np.argmax(gain)), gain.shape)  # first maximum: shortest half-life, narrowest kernel
    return float(hls[i]), float(bws[j])


def _inner_gain(
    events: _Events,
    cells: _Cells,
    inner: int,
    start_ns: int,
    opts: _Options,
    hls: tuple[float, ...],
    bws: tuple[float, ...],
) -> np.ndarray | None:
    """Mean PAI of each (half-life, bandwidth) map made at ``inner``, scored on the period after it."""
    h = opts.horizon_days * _DAY_NS
    hist = _history(events, len(cells.ids), inner, start_ns, opts.horizon_days)
    if hist.counts.shape[0] == 0:
        return None
    inside = (events.t >= inner) & (events.t < inner + h)
    observed = np.bincount(events.cell[inside], minlength=len(cells.ids)).astype(float)
    if observed.sum() == 0:
        return None
    gain = np.zeros((len(hls), len(bws)))
    for i, hl in enumerate(hls):
        rec = _recency(hist, len(cells.ids), hl)
        for j, bw in enumerate(bws):
            score = _smooth(rec, _quartic_kernel(bw, cells.cell_size), cells)
            gain[i, j] = _mean_pai(score, observed, cells, hist.total, opts.area_shares)
    return gain


def _scores(
    events: _Events,
    cells: _Cells,
    origin_ns: int,
    start_ns: int,
    *,
    method: str,
    opts: _Options,
    cache: dict[int, np.ndarray | None] | None = None,
) -> tuple[np.ndarray | None, _History, dict[str, float]]:
    hist = _history(events, len(cells.ids), origin_ns, start_ns, opts.horizon_days)
    if hist.counts.shape[0] == 0:
        return None, hist, {}
    if method == "naive":
        return hist.counts[0].copy(), hist, {}
    if method == "prospective":
        hl, bw = _tune_prospective(events, cells, origin_ns, start_ns, opts, cache)
        return _prospective_map(hist, cells, hl, bw), hist, {"half_life_days": hl, "bandwidth": bw}
    if method == "glm":
        return _glm_score(hist, cells, opts.horizon_days, opts.train_periods), hist, {}
    raise ValueError(f"method needs to be one of {', '.join(METHODS)}; got {method!r}")


def _check_options(
    horizon_days: int,
    half_life_days: float | str,
    bandwidth: float | str,
    train_periods: int,
    area_shares: tuple[float, ...] | list[float],
) -> _Options:
    problems = []
    if not (isinstance(horizon_days, int | np.integer) and horizon_days >= 1):
        problems.append(f"horizon_days needs to be a whole number of days >= 1; got {horizon_days!r}")
    hl: float | None = None
    if half_life_days != "auto":
        if isinstance(half_life_days, int | float) and half_life_days > 0:
            hl = float(half_life_days)
        else:
            problems.append(f"half_life_days needs to be a positive number of days or 'auto'; got {half_life_days!r}")
    bw: float | None = None
    if bandwidth != "auto":
        if isinstance(bandwidth, int | float) and bandwidth > 0:
            bw = float(bandwidth)
        else:
            problems.append(f"bandwidth needs to be a positive number of metres or 'auto'; got {bandwidth!r}")
    if not (isinstance(train_periods, int | np.integer) and train_periods >= 1):
        problems.append(f"train_periods needs to be a whole number >= 1; got {train_periods!r}")
    bad = [a for a in area_shares if not 0 < a <= 1]
    if bad or not area_shares:
        problems.append(f"area_shares need to be one or more shares in (0, 1]; got {list(area_shares)}")
    if problems:
        raise ValueError("; ".join(problems))
    return _Options(int(horizon_days), hl, bw, int(train_periods), tuple(float(a) for a in area_shares))


def forecast_scores(
    incidents: pd.DataFrame,
    grid: pd.DataFrame,
    origin: Any,
    *,
    method: str = "prospective",
    horizon_days: int = 91,
    start: Any = None,
    half_life_days: float | str = "auto",
    bandwidth: float | str = "auto",
    train_periods: int = 4,
    area_shares: tuple[float, ...] = (0.01, 0.05, 0.10),
) -> pd.Series:
    """Forecast score per grid cell for the period ``[origin, origin + horizon_days)``.

    Only incidents strictly before ``origin`` (and not before ``start``) are used.

    Parameters
    ----------
    incidents : DataFrame
        Needs ``cell_id`` and ``time``; incidents outside the grid or without a time are ignored.
    grid : DataFrame
        The analysis grid (``cell_id`` index or column, ``col``, ``row``, optional
        ``area_share``, ``attrs["cell_size"]`` in metres).
    origin : date-like
        First instant of the forecast period.
    method : {"naive", "prospective", "glm"}
        See Notes.
    horizon_days : int
        Length of a period in days.
    start : date-like, optional
        First instant with data; only whole periods after it are used. Default: the
        earliest incident before ``origin``.
    half_life_days : float or "auto"
        Half-life in days of the recency weight (``prospective``); ``"auto"``: chosen from
        the training data (see Notes).
    bandwidth : float or "auto"
        Quartic kernel bandwidth in metres (``prospective``); ``"auto"``: chosen from the
        training data.
    train_periods : int
        Past periods used as targets when fitting the count regression (``glm``).
    area_shares : tuple of float
        Area shares whose mean PAI is maximised by the automatic choices.

    Returns
    -------
    Series of float indexed by ``cell_id`` (grid order), named ``score``. All NaN when the
    method cannot be computed (no whole period of history; for ``glm`` fewer than 5
    periods, or no incidents). ``attrs`` holds the chosen half-life and bandwidth
    (``prospective``).

    Raises
    ------
    ValueError
        Unknown method, bad options or a grid without ``col``/``row``/cell size.

    Notes
    -----
    Periods are counted back from the origin: period p covers
    ``[origin - (p+1)·h, origin - p·h)``, p = 0 the last one before the origin; an
    incomplete oldest period (before ``start``) is not used.

    ``naive``: the count of period 0 in each cell. Ties (frequent: many cells have 0 or 1)
    are broken everywhere in geolage by the count over the whole history before the
    origin, then by the cell id (ascending) — so the naive baseline is in fact "last
    period, then long-term count", a stronger baseline than random tie-breaking; this
    matters a lot for the PAI at 1 % of the area.

    ``prospective``: prospective hotspotting (Bowers, Johnson & Pease 2004). Each past
    incident gets the weight ``2 ** (-age_days / half_life_days)``; the weights are summed
    per cell, the raster of the grid is convolved (``scipy.signal.fftconvolve``) with a
    quartic kernel ``(1 - (d/b)²)²`` for cell-centre distance d < b, normalised to sum 1,
    and the result read back at the cells (b no larger than the cell size: no smoothing).
    Mass falling outside the grid is lost (edge effect, as in the original). The score is
    scaled to sum to the count of period 0, so it reads as an expected count per cell.
    With ``"auto"``, the half-life (30, 91, 182, 365 or 730 days) and the bandwidth (1,
    1.5, 2 or 3 cell sizes) are those with the highest mean PAI over ``area_shares`` when
    the same map is made at each of the four origins one to four periods earlier and
    scored on the period after it (ties: the shorter half-life, then the narrower kernel)
    — training data only, so the backtest stays honest.

    ``glm``: a Poisson regression (log link; maximum likelihood by IRLS on the distinct
    feature rows, checked against statsmodels) of a cell's count in a period on
    ``log1p`` of: its count in the previous period, the sum over its 8 neighbours of that
    count (spatial lag), its mean count over the previous 4 periods and the neighbours'
    sum of that mean, its mean count over the whole history before the period, and —
    when ``365.25 / horizon_days`` rounds to more than 1 — its count one year earlier
    (season). Fitted on all cells for the ``train_periods`` most recent periods before
    the origin whose features lie inside the history; the score is the predicted mean
    count of the next period. A self-exciting point process (Mohler et al. 2011) was not
    implemented; the regression uses the same ingredients (recent and long-term, local
    and neighbouring counts) in a form that is fast and easy to check.

    References
    ----------
    Bowers, K. J., Johnson, S. D. & Pease, K. (2004). Prospective hot-spotting: the future
    of crime mapping? *British Journal of Criminology* 44(5), 641–658.
    Mohler, G. O., Short, M. B., Brantingham, P. J., Schoenberg, F. P. & Tita, G. E.
    (2011). Self-exciting point process modeling of crime. *JASA* 106(493), 100–108.
    """
    if method not in METHODS:
        raise ValueError(f"method needs to be one of {', '.join(METHODS)}; got {method!r}")
    opts = _check_options(horizon_days, half_life_days, bandwidth, train_periods, area_shares)
    cells = _prepare_cells(grid)
    events = _prepare_events(incidents, cells)
    origin_ns = _to_ns(origin)
    if start is None:
        before = events.t[events.t < origin_ns]
        start_ns = int(before.min()) if len(before) else origin_ns
    else:
        start_ns = _to_ns(start)
    score, _, chosen = _scores(events, cells, origin_ns, start_ns, method=method, opts=opts)
    values = np.full(len(cells.ids), np.nan) if score is None else score
    out = pd.Series(values, index=pd.Index(cells.ids, name="cell_id"), name="score")
    out.attrs.update(chosen)
    return out


# --------------------------------------------------------------------------- backtest
def _backtest_events(
    events: _Events,
    cells: _Cells,
    end_ns: int,
    start_ns: int,
    *,
    backtest_periods: int,
    methods: tuple[str, ...],
    opts: _Options,
    cache: dict[int, np.ndarray | None] | None = None,
) -> pd.DataFrame:
    h = opts.horizon_days * _DAY_NS
    rows = []
    cache = {} if cache is None else cache
    for j in range(backtest_periods, 0, -1):
        origin_ns = end_ns - j * h
        if origin_ns - start_ns < h:
            continue
        inside = (events.t >= origin_ns) & (events.t < origin_ns + h)
        observed = np.bincount(events.cell[inside], minlength=len(cells.ids)).astype(float)
        for method in methods:
            score, hist, _ = _scores(events, cells, origin_ns, start_ns, method=method, opts=opts, cache=cache)
            if score is None:
                log.info(
                    "forecast: %s has too little history before %s; left out of the backtest",
                    method,
                    pd.Timestamp(origin_ns).date(),
                )
                continue
            m = hotspot_metrics(
                score,
                observed,
                cells.area,
                opts.area_shares,
                previous=hist.counts[0],
                tiebreak=hist.total,
                cell_order=cells.id_order,
            )
            m.insert(0, "method", method)
            m.insert(1, "origin", pd.Timestamp(origin_ns))
            m.insert(2, "period_end", pd.Timestamp(origin_ns + h))
            rows.append(m)
    if not rows:
        return pd.DataFrame(columns=[c for c in BACKTEST_COLUMNS if c != "category"])
    return pd.concat(rows, ignore_index=True)


def backtest_forecast(
    incidents: pd.DataFrame,
    grid: pd.DataFrame,
    end: Any,
    *,
    horizon_days: int = 91,
    backtest_periods: int = 8,
    area_shares: tuple[float, ...] = (0.01, 0.05, 0.10),
    methods: tuple[str, ...] = METHODS,
    start: Any = None,
    half_life_days: float | str = "auto",
    bandwidth: float | str = "auto",
    train_periods: int = 4,
) -> pd.DataFrame:
    """Rolling-origin backtest of the grid forecasts.

    For each of the last ``backtest_periods`` origins ``end - j·horizon_days`` (j =
    ``backtest_periods`` … 1), each method is fitted on the incidents strictly before the
    origin (automatic parameters included), predicts ``[origin, origin + horizon_days)``
    and is scored on that period's incidents with :func:`hotspot_metrics`.

    Parameters
    ----------
    incidents : DataFrame
        Needs ``cell_id`` and ``time`` (one category, or all together).
    grid : DataFrame
        The analysis grid (see :func:`forecast_scores`).
    end : date-like
        End of the data (exclusive: the first instant after the last day analysed).
    horizon_days, backtest_periods : int
        Period length in days and number of origins.
    area_shares : tuple of float
        Shares of the area at which the measures are reported.
    methods : tuple of str
        Methods to compare (see :func:`forecast_scores`).
    start : date-like, optional
        First instant with data. Default: the earliest incident.
    half_life_days, bandwidth, train_periods
        Options of the methods (see :func:`forecast_scores`).

    Returns
    -------
    DataFrame
        Columns ``method, origin, period_end, area_share, area_selected, n_cells, n_eval,
        n_hits, hit_rate, pai, pai_max, pei, rri`` (definitions in :func:`hotspot_metrics`),
        one row per origin, method and area share. Origins with less than one whole
        period of history, and methods that cannot be fitted at an origin, are left out.

    Raises
    ------
    ValueError
        Bad options or grid (see :func:`forecast_scores`).
    """
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise ValueError(f"methods need to be among {', '.join(METHODS)}; got {bad}")
    if backtest_periods < 1:
        raise ValueError(f"backtest_periods needs to be at least 1; got {backtest_periods}")
    opts = _check_options(horizon_days, half_life_days, bandwidth, train_periods, area_shares)
    cells = _prepare_cells(grid)
    events = _prepare_events(incidents, cells)
    end_ns = _to_ns(end)
    start_ns = _to_ns(start) if start is not None else (int(events.t.min()) if len(events.t) else end_ns)
    return _backtest_events(
        events, cells, end_ns, start_ns, backtest_periods=backtest_periods, methods=tuple(methods), opts=opts
    )


def _sign_flip_p(diff: np.ndarray, rng: np.random.Generator) -> float:
    """Two-sided paired sign-flip permutation p-value of the mean difference (exact for n <= 12)."""
    n = len(diff)
    observed = abs(diff.mean())
    if n <= 12:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
    else:
        signs = rng.choice((1.0, -1.0), size=(20_000, n))
    means = np.abs((signs * diff).mean(axis=1))
    return float(np.mean(means >= observed - 1e-12))


def summarise_backtest(
    backtest: pd.DataFrame,
    *,
    baseline: str = "naive",
    n_boot: int = 2000,
    seed: int = 12345,
    alpha: float = 0.05,
    min_origins: int = 4,
) -> pd.DataFrame:
    """Mean accuracy per method and area share, and whether a method beats the baseline.

    Parameters
    ----------
    backtest : DataFrame
        From :func:`backtest_forecast` (optionally with a ``category`` column).
    baseline : str
        The method every other method is compared with.
    n_boot : int
        Bootstrap resamples of the origins.
    seed : int
        Seed of the bootstrap and of the random sign flips (more than 12 origins).
    alpha : float
        1 - confidence level of the interval and level of the test.
    min_origins : int
        Fewer paired origins than this: no claim (``beats_baseline`` False).

    Returns
    -------
    DataFrame
        Columns ``category, method, area_share, n_origins, hit_rate, pai, pei, rri``
        (means over origins, NaN values skipped), ``pai_diff`` (mean over origins of
        method PAI − baseline PAI, paired by origin), ``pai_diff_ci_low``,
        ``pai_diff_ci_high`` (percentile bootstrap interval over origins),
        ``pai_diff_p`` (two-sided paired sign-flip permutation test of a zero mean
        difference), ``pai_diff_p_holm`` (Holm-adjusted within the category),
        ``beats_baseline``.

    Notes
    -----
    ``beats_baseline`` is True only when the bootstrap interval lies entirely above 0
    *and* the permutation p-value, Holm-adjusted over all comparisons (methods × area
    shares) of the category (``pai_diff_p_holm``), is below ``alpha``, and at least
    ``min_origins`` origins are paired. The percentile bootstrap over few origins is too
    narrow on its own; requiring the exact permutation test as well, corrected for the
    number of comparisons, keeps the claim conservative (with 8 origins and 6 comparisons
    a method must beat the baseline at every origin). Origins are treated as independent,
    which they are not quite (training data overlap). The baseline's own rows have NaN
    differences and ``beats_baseline`` False.
    """
    bt = backtest.copy()
    if "category" not in bt.columns:
        bt.insert(0, "category", "alla")
    rng = np.random.default_rng(seed)
    rows = []
    for (category, share), part in bt.groupby(["category", "area_share"], sort=False):
        base = part[part["method"] == baseline].set_index("origin")["pai"]
        for method, mpart in part.groupby("method", sort=False):
            row: dict[str, Any] = {
                "category": category,
                "method": method,
                "area_share": float(share),
                "n_origins": int(mpart["pai"].notna().sum()),
                "hit_rate": mpart["hit_rate"].mean(),
                "pai": mpart["pai"].mean(),
                "pei": mpart["pei"].mean(),
                "rri": mpart["rri"].mean(),
                "pai_diff": np.nan,
                "pai_diff_ci_low": np.nan,
                "pai_diff_ci_high": np.nan,
                "pai_diff_p": np.nan,
                "pai_diff_p_holm": np.nan,
                "beats_baseline": False,
            }
            if method != baseline:
                diff = (mpart.set_index("origin")["pai"] - base).dropna().to_numpy()
                if len(diff) >= 2:
                    boot = rng.choice(diff, size=(n_boot, len(diff)), replace=True).mean(axis=1)
                    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
                    p = _sign_flip_p(diff, rng)
                    row.update(
                        pai_diff=float(diff.mean()),
                        pai_diff_ci_low=float(lo),
                        pai_diff_ci_high=float(hi),
                        pai_diff_p=p,
                        beats_baseline=bool(len(diff) >= min_origins and lo > 0),
                    )
                elif len(diff) == 1:
                    row.update(pai_diff=float(diff[0]))
            rows.append(row)
    out = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    for _, idx in out.groupby("category", sort=False).groups.items():
        out.loc[idx, "pai_diff_p_holm"] = _holm(out.loc[idx, "pai_diff_p"].to_numpy(dtype=float))
    out["beats_baseline"] = out["beats_baseline"].astype(bool) & (out["pai_diff_p_holm"] < alpha)
    return out


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (NaN stays NaN and is not counted)."""
    out = np.full(len(p), np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out[order] = adjusted
    return out


# --------------------------------------------------------------------------- districts
def _full_years(start: pd.Timestamp, end: pd.Timestamp) -> list[int]:
    """Calendar years lying wholly in [start, end) (end exclusive)."""
    first = start.year if (start.month, start.day, start.hour, start.minute) == (1, 1, 0, 0) else start.year + 1
    last = end.year - 1
    return list(range(first, last + 1))


def _predictive_quantiles(draws: np.ndarray, levels: tuple[float, ...]) -> dict[str, np.ndarray]:
    out = {}
    for level in levels:
        lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
        q = np.quantile(draws, [lo, hi], axis=0, method="inverted_cdf")
        out[f"pi{round(level * 100)}_low"] = q[0]
        out[f"pi{round(level * 100)}_high"] = q[1]
    return out


def _loglinear_fit(
    X: np.ndarray, y: np.ndarray, *, alpha: float = 0.0, max_iter: int = 100, tol: float = 1e-10
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson (``alpha`` = 0) or NB2 GLM with log link by IRLS; coefficients and their covariance.

    Maximum likelihood for the mean with ``alpha`` fixed; the covariance is the inverse
    Fisher information ``(X' W X)⁻¹`` with ``W = mu / (1 + alpha·mu)`` (as statsmodels' GLM).

    Raises
    ------
    numpy.linalg.LinAlgError
        Singular design.
    ValueError
        No convergence to finite coefficients.
    """
    mu = (y + y.mean()) / 2 + 1e-3  # usual GLM starting values
    eta = np.log(mu)
    beta = np.zeros(X.shape[1])
    for i in range(max_iter):
        w = mu / (1 + alpha * mu)
        z = eta + (y - mu) / mu
        xtw = X.T * w
        beta_new = np.linalg.solve(xtw @ X, xtw @ z)
        eta = np.clip(X @ beta_new, -50, 50)
        mu = np.exp(eta)
        done = i > 0 and np.max(np.abs(beta_new - beta)) <= tol * (1 + np.max(np.abs(beta_new)))
        beta = beta_new
        if done:
            break
    if not np.all(np.isfinite(beta)):
        raise ValueError("the count model did not converge")
    w = mu / (1 + alpha * mu)
    cov = np.linalg.inv((X.T * w) @ X)
    return beta, cov


def _district_model(
    y: np.ndarray, n_years: int, rng: np.random.Generator, n_sim: int, *, trend: bool = True
) -> tuple[np.ndarray, np.ndarray, str]:
    """Fit the fixed-effects (trend) model to counts ``y`` (districts × years); simulate next year.

    Returns the point forecasts, the simulated draws (n_sim × districts) and the model name.
    """
    n_d = y.shape[0]
    t = np.arange(n_years, dtype=float) - (n_years - 1)  # 0 = last full year
    X = np.repeat(np.eye(n_d), n_years, axis=0)
    if trend:
        X = np.hstack([X, np.tile(t, n_d)[:, None]])
    yy = y.reshape(-1)
    beta, cov = _loglinear_fit(X, yy)
    mu = np.exp(X @ beta)
    df = len(yy) - X.shape[1]
    pearson = float(np.sum((yy - mu) ** 2 / mu))
    model, nb_alpha = "poisson", 0.0
    if df > 0 and stats.chi2.sf(pearson, df) < 0.05:
        # Moment estimate of the NB2 dispersion from the Poisson fit (Cameron & Trivedi 2013, ch. 3).
        nb_alpha = max(float(np.sum((yy - mu) ** 2 - yy) / np.sum(mu**2)), 1e-6)
        beta, cov = _loglinear_fit(X, yy, alpha=nb_alpha)
        model = "negbin"
    x_new = np.hstack([np.eye(n_d), np.ones((n_d, 1))]) if trend else np.eye(n_d)
    point = np.exp(x_new @ beta)
    betas = rng.multivariate_normal(beta, cov, size=n_sim, method="eigh")
    lam = np.exp(np.clip(betas @ x_new.T, -50, 20))  # e^20 ≈ 5e8: keeps the Poisson sampler finite
    if model == "negbin":
        lam = lam * rng.gamma(shape=1 / nb_alpha, scale=nb_alpha, size=lam.shape)
    return point, rng.poisson(lam), model if trend else f"{model}_no_trend"


def forecast_district_counts(
    incidents: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    start: Any,
    end: Any,
    categories: tuple[str, ...] | list[str] | None = None,
    seed: int = 12345,
    simulations: int = 4000,
) -> pd.DataFrame:
    """Count forecast per district and category for the next calendar year, with prediction intervals.

    Parameters
    ----------
    incidents : DataFrame
        Needs ``district_id``, ``category`` and ``time``; incidents outside every district
        are ignored.
    districts : DataFrame
        Indexed by ``district_id``, with ``district_name``.
    start, end : date-like
        The analysed span, ``end`` exclusive. Only whole calendar years inside it are used.
    categories : sequence of str, optional
        Categories to forecast besides ``"alla"`` (all together). Default: every category
        in ``incidents``.
    seed : int
        Seed of the simulation.
    simulations : int
        Draws from the predictive distribution.

    Returns
    -------
    DataFrame
        Columns ``district_id, district_name, category, year, last_count`` (count in the
        last whole year), ``forecast`` (expected count), ``pi80_low, pi80_high, pi95_low,
        pi95_high`` (prediction intervals, counts), ``pi_low, pi_high`` (= the 95 %
        interval, the name in the result contract), ``model`` (``"poisson"``,
        ``"negbin"`` or ``"jeffreys"``).

    Raises
    ------
    ValueError
        Fewer than three whole calendar years in [start, end), or missing columns.

    Notes
    -----
    Per category, one log-linear model for all districts with at least one incident in
    the years used: ``log E[y_dt] = a_d + b·t`` (a district effect and a common linear
    trend; five or so yearly counts cannot support a trend per district). Years before the
    category's first incident anywhere count as not covered by the data and are left
    out; with fewer than three covered years the trend is left out (model name suffix
    ``_no_trend``). It is fitted as
    a Poisson GLM; if the Pearson χ² statistic shows overdispersion (p < 0.05), the NB2
    dispersion α is estimated by moments from the Poisson fit and the model refitted as a
    negative binomial GLM with that α. The prediction interval is simulated (seeded):
    coefficients drawn from their estimated normal sampling distribution (parameter
    uncertainty), then counts from the Poisson (or gamma–Poisson = NB2) distribution
    with the drawn mean; the interval bounds are the 10/90 % and 2.5/97.5 % quantiles of
    the draws (whole counts, so coverage is at least nominal up to simulation error). The
    uncertainty of α itself is not propagated. Districts with no incident in those years
    get a Jeffreys-prior gamma–Poisson predictive (rate ~ Gamma(0.5, years)) and forecast 0.
    Population changes are not modelled (no offset).

    The forecast year is the year after the last whole year; if the data already cover
    part of it, that part is not used (a message is logged).
    """
    missing = [c for c in ("district_id", "category", "time") if c not in incidents.columns]
    if missing:
        raise ValueError(f"incidents need the columns district_id, category and time; missing: {', '.join(missing)}")
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(end)
    years = _full_years(start_ts, end_ts)
    if len(years) < 3:
        raise ValueError(
            f"a district forecast needs at least three whole calendar years of data; got {len(years)} "
            f"between {start_ts.date()} and {end_ts.date()}"
        )
    target = years[-1] + 1
    if end_ts > pd.Timestamp(year=target, month=1, day=1):
        log.info("forecast: the data reach into %s; that part year is not used for the district forecast", target)
    rng = np.random.default_rng(seed)
    data = incidents[incidents["district_id"].notna()]
    times = pd.to_datetime(data["time"])
    data = data.assign(_year=times.dt.year)
    data = data[data["_year"].isin(years)]
    ids = pd.Index(districts.index.astype(str), name="district_id")
    names = districts["district_name"] if "district_name" in districts.columns else pd.Series(ids, index=ids)
    names = pd.Series(np.asarray(names), index=ids)
    if categories is None:
        categories = sorted(data["category"].dropna().unique())
    frames = []
    for category in ["alla", *categories]:
        part = data if category == "alla" else data[data["category"] == category]
        table = (
            part.groupby([part["district_id"].astype(str), "_year"])
            .size()
            .unstack(fill_value=0)
            .reindex(index=ids, columns=years, fill_value=0)
        )
        y_all = table.to_numpy(dtype=float)
        # Years before the category's first incident anywhere are taken as not covered by the data.
        covered = np.flatnonzero(y_all.sum(axis=0) > 0)
        y = y_all[:, covered[0] :] if len(covered) else y_all
        has = y.sum(axis=1) > 0
        out = pd.DataFrame(
            {
                "district_id": ids,
                "district_name": names.to_numpy(),
                "category": category,
                "year": target,
                "last_count": y_all[:, -1].astype(int),
            }
        )
        forecast = np.zeros(len(ids))
        draws = np.zeros((simulations, len(ids)))
        model = np.array(["jeffreys"] * len(ids), dtype=object)
        if has.any():
            try:
                point, sim, name = _district_model(y[has], y.shape[1], rng, simulations, trend=y.shape[1] >= 3)
            except (ValueError, np.linalg.LinAlgError) as exc:
                log.warning("forecast: district model for %s failed (%s); no forecast for it", category, exc)
                point, sim, name = np.nan, np.nan, "failed"
            forecast[has] = point
            draws[:, has] = sim
            model[has] = name
        if (~has).any():
            lam = rng.gamma(shape=0.5, scale=1 / y.shape[1], size=(simulations, int((~has).sum())))
            draws[:, ~has] = rng.poisson(lam)
        out["forecast"] = forecast
        for key, value in _predictive_quantiles(draws, (0.8, 0.95)).items():
            out[key] = pd.array(np.round(value), dtype="Int64")  # missing only when the model failed
        out["pi_low"] = out["pi95_low"]
        out["pi_high"] = out["pi95_high"]
        out["model"] = model
        frames.append(out)
    return pd.concat(frames, ignore_index=True)[list(DISTRICT_COLUMNS)]


# --------------------------------------------------------------------------- text
_METHOD_NAMES = {
    "sv": {
        "naive": "den naiva prognosen (förra periodens antal)",
        "prospective": "den prospektiva hotspotkartan",
        "glm": "regressionsmodellen",
    },
    "en": {
        "naive": "the naive forecast (last period's counts)",
        "prospective": "the prospective hotspot map",
        "glm": "the regression model",
    },
}


def _fmt(x: float, language: str, digits: int = 1) -> str:
    x = round(float(x), digits) + 0.0  # no "-0.0"
    text = f"{x:.{digits}f}"
    return text.replace(".", ",").replace("-", "−") if language == "sv" else text


#: Sentence parts of :func:`forecast_summary_text`, per language.
_SUMMARY_PHRASES = {
    "sv": {
        "captured": "{label}, {pct} % av ytan: {name} fångade i genomsnitt {hit} % av brotten (PAI {pai})",
        "naive": ", mot {hit} % (PAI {pai}) för den naiva prognosen",
        "difference": "; skillnad i PAI {diff} (95 % KI {low} till {high}, {n} prognostillfällen)",
        "better": ". Modellen är bättre än den naiva prognosen.",
        "not_better": ". Modellen är inte säkert bättre än den naiva prognosen.",
    },
    "en": {
        "captured": "{label}, {pct} % of the area: {name} captured on average {hit} % of crime (PAI {pai})",
        "naive": ", against {hit} % (PAI {pai}) for the naive forecast",
        "difference": "; PAI difference {diff} (95 % CI {low} to {high}, {n} origins)",
        "better": ". The model is better than the naive forecast.",
        "not_better": ". The model is not reliably better than the naive forecast.",
    },
}


def forecast_summary_text(summary: pd.DataFrame, language: str = "sv", *, category: str | None = "alla") -> str:
    """Plain-language sentences on whether the forecasts beat the naive baseline.

    Parameters
    ----------
    summary : DataFrame
        From :func:`summarise_backtest` (the ``forecast_summary`` table).
    language : {"sv", "en"}
    category : str or None
        Only this category (default ``"alla"``); None for every category.

    Returns
    -------
    str
        One sentence per line. A method is said to be better than the baseline only when
        ``beats_baseline`` is True; otherwise the text says it is not reliably better.
    """
    if language not in ("sv", "en"):
        raise ValueError(f"language needs to be 'sv' or 'en'; got {language!r}")
    names = _METHOD_NAMES[language]
    rows = summary if category is None else summary[summary["category"] == category]
    if rows.empty:
        return "Ingen prognosutvärdering kunde göras." if language == "sv" else "No forecast evaluation could be made."
    lines = []
    for (cat, share), part in rows.groupby(["category", "area_share"], sort=False):
        base = part[part["method"] == "naive"]
        pct = _fmt(share * 100, language, 0)
        label = category_label(cat, language) if cat != "alla" else ("alla brott" if language == "sv" else "all crime")
        for _, r in part[part["method"] != "naive"].iterrows():
            name = names.get(r["method"], r["method"])
            if pd.isna(r["pai"]):
                continue
            ph = _SUMMARY_PHRASES[language]
            text = ph["captured"].format(
                label=label.capitalize(), pct=pct, name=name,
                hit=_fmt(100 * r["hit_rate"], language, 0), pai=_fmt(r["pai"], language),
            )
            if not base.empty:
                b = base.iloc[0]
                text += ph["naive"].format(hit=_fmt(100 * b["hit_rate"], language, 0), pai=_fmt(b["pai"], language))
            if pd.notna(r["pai_diff_ci_low"]):
                text += ph["difference"].format(
                    diff=_fmt(r["pai_diff"], language), low=_fmt(r["pai_diff_ci_low"], language),
                    high=_fmt(r["pai_diff_ci_high"], language), n=r["n_origins"],
                )
            text += ph["better"] if r["beats_baseline"] else ph["not_better"]
            lines.append(text)
    if not lines:
        return "Ingen prognosutvärdering kunde göras." if language == "sv" else "No forecast evaluation could be made."
    return "\n".join(lines)


# --------------------------------------------------------------------------- step
def _share_label(share: float) -> str:
    pct = share * 100
    return f"{pct:g}".replace(".", "_")


def add_forecast(results: RunResults) -> None:
    """Add the grid forecast, its backtest and summary, and the district forecast to ``results``.

    Adds the tables ``forecast_grid`` (spatial; the next period's forecast per cell,
    category and method, cells with a positive score), ``forecast_backtest``,
    ``forecast_summary`` and ``forecast_district``, and records every parameter under
    ``"forecast"``. Categories with fewer than ``forecast.min_incidents`` incidents are
    not forecast on the grid (recorded as ``skipped_categories``).

    Parameters
    ----------
    results : RunResults
        Needs ``incidents`` (with ``cell_id``), ``grid`` and ``districts``.

    Notes
    -----
    The data end is ``periods.end`` + 1 day (exclusive); forecast periods of
    ``forecast.horizon_days`` are counted back from it, and the forecast is for
    ``[end, end + horizon_days)``. ``forecast_grid`` lists the ``prospective`` and
    ``glm`` forecasts (the naive forecast is the last period's count map, which would
    disclose counts); ``rank`` is 1 for the highest score (ties as in
    :func:`forecast_scores`) and ``in_top_<p>`` tells whether the cell is in the
    selection covering p % of the area.
    """
    cfg = results.config
    fc = cfg.forecast
    seed = cfg.project.seed
    start = pd.Timestamp(cfg.periods.start)
    end = pd.Timestamp(cfg.periods.end) + pd.Timedelta(days=1)
    opts = _check_options(fc.horizon_days, fc.half_life_days, fc.bandwidth, fc.train_periods, fc.area_shares)
    cells = _prepare_cells(results.grid)
    shares = opts.area_shares
    inc = results.incidents
    inc = inc[(pd.to_datetime(inc["time"]) >= start) & (pd.to_datetime(inc["time"]) < end)]
    counts = inc["category"].value_counts()
    used = [c for c in sorted(counts.index) if counts[c] >= fc.min_incidents]
    skipped = {c: int(counts[c]) for c in sorted(counts.index) if counts[c] < fc.min_incidents}
    if skipped:
        log.warning(
            "forecast: categories with fewer than %d incidents are not forecast on the grid: %s",
            fc.min_incidents,
            ", ".join(f"{k} ({v})" for k, v in skipped.items()),
        )
    skipped_text = {"sv": "", "en": ""}
    if skipped:
        listed = ", ".join(f"{k} ({v})" for k, v in skipped.items())
        skipped_text = {
            "sv": f"\nFör få händelser (under {fc.min_incidents}) för en prognos per ruta: {listed}.",
            "en": f"\nToo few incidents (under {fc.min_incidents}) for a grid forecast: {listed}.",
        }
    end_ns, start_ns = _to_ns(end), _to_ns(start)
    backtests, grids = [], []
    chosen: dict[str, dict[str, float]] = {}
    for category in ["alla", *used]:
        part = inc if category == "alla" else inc[inc["category"] == category]
        events = _prepare_events(part, cells)
        cache: dict[int, np.ndarray | None] = {}  # tuning results shared by the backtest and the forecast
        bt = _backtest_events(
            events,
            cells,
            end_ns,
            start_ns,
            backtest_periods=fc.backtest_periods,
            methods=METHODS,
            opts=opts,
            cache=cache,
        )
        bt.insert(0, "category", category)
        backtests.append(bt)
        for method in ("prospective", "glm"):
            score, hist, info = _scores(events, cells, end_ns, start_ns, method=method, opts=opts, cache=cache)
            if score is None:
                log.warning("forecast: no %s forecast for %s (too little history)", method, category)
                continue
            if info:
                chosen[category] = info
            order = _rank_order(score, hist.total, cells.id_order)
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(1, len(order) + 1)
            cum = np.cumsum(cells.area[order])
            g = pd.DataFrame(
                {
                    "cell_id": cells.ids,
                    "category": category,
                    "method": method,
                    "period_start": str(end.date()),
                    "period_end": str((end + pd.Timedelta(days=fc.horizon_days)).date()),
                    "score": score,
                    "rank": rank,
                    "count_last_period": hist.counts[0].astype(int),
                }
            )
            for share in shares:
                k = min(int(np.searchsorted(cum, share * cum[-1] * (1 - 1e-9), side="left")) + 1, len(order))
                g[f"in_top_{_share_label(share)}"] = rank <= k
            grids.append(g[g["score"] > 0])
    backtest = pd.concat(backtests, ignore_index=True)
    backtest = backtest[[c for c in BACKTEST_COLUMNS if c in backtest.columns]]
    summary = summarise_backtest(backtest, n_boot=fc.bootstrap, seed=seed)
    top_cols = [f"in_top_{_share_label(s)}" for s in shares]
    if grids:
        grid_df = pd.concat(grids, ignore_index=True)
    else:
        grid_df = pd.DataFrame(columns=[*GRID_COLUMNS, *top_cols])
    geometry = results.grid.set_index(pd.Index(cells.ids))["geometry"]
    grid_gdf = gpd.GeoDataFrame(grid_df, geometry=geometry.reindex(grid_df["cell_id"]).to_numpy(), crs=results.grid.crs)
    district_seed = seed + 1
    try:
        district = forecast_district_counts(
            results.incidents,
            results.districts,
            start=start,
            end=end,
            categories=sorted(counts.index),
            seed=district_seed,
            simulations=fc.simulations,
        )
    except ValueError as exc:
        log.warning("forecast: no district forecast (%s)", exc)
        district = pd.DataFrame(columns=list(DISTRICT_COLUMNS))

    results.add_table(
        Table(
            "forecast_grid",
            grid_gdf,
            title={"sv": "Prognos per ruta för nästa period", "en": "Forecast per grid cell for the next period"},
            description={
                "sv": (
                    f"Förväntat antal brott per ruta {end.date()}–{(end + pd.Timedelta(days=fc.horizon_days)).date()} "
                    "enligt prospektiv hotspotkarta och regressionsmodell; rank 1 = högst."
                ),
                "en": (
                    f"Expected incidents per cell {end.date()}–{(end + pd.Timedelta(days=fc.horizon_days)).date()} "
                    "from the prospective hotspot map and the regression model; rank 1 = highest."
                ),
            },
            count_columns=("count_last_period",),
            style="forecast",
            style_column="score",
        )
    )
    results.add_table(
        Table(
            "forecast_backtest",
            backtest,
            title={"sv": "Utvärdering av prognoserna bakåt i tiden", "en": "Backtest of the forecasts"},
            description={
                "sv": "Träffandel, PAI, PEI och RRI per metod, prognostillfälle och andel av ytan.",
                "en": "Hit rate, PAI, PEI and RRI per method, origin and share of the area.",
            },
            count_columns=("n_eval", "n_hits"),
        )
    )
    results.add_table(
        Table(
            "forecast_summary",
            summary,
            title={"sv": "Slår prognoserna den naiva prognosen?", "en": "Do the forecasts beat the naive forecast?"},
            description={
                "sv": forecast_summary_text(summary, "sv") + skipped_text["sv"],
                "en": forecast_summary_text(summary, "en") + skipped_text["en"],
            },
        )
    )
    results.add_table(
        Table(
            "forecast_district",
            district,
            title={"sv": "Prognos per område för nästa år", "en": "Forecast per district for next year"},
            description={
                "sv": "Förväntat antal brott med 80 % och 95 % prediktionsintervall.",
                "en": "Expected number of incidents with 80 % and 95 % prediction intervals.",
            },
            count_columns=("last_count",),
        )
    )
    results.record_parameters(
        "forecast",
        horizon_days=fc.horizon_days,
        backtest_periods=fc.backtest_periods,
        area_shares=list(shares),
        data_end=str(end.date()),
        forecast_period=[str(end.date()), str((end + pd.Timedelta(days=fc.horizon_days)).date())],
        methods=list(METHODS),
        baseline="naive",
        tie_break="long-term count, then cell id",
        half_life_days=fc.half_life_days,
        bandwidth=fc.bandwidth,
        kernel="quartic",
        auto_half_life_candidates=list(_HALF_LIVES),
        auto_bandwidth_candidates_cells=list(_BANDWIDTH_FACTORS),
        auto_tuning_periods=_TUNING_PERIODS,
        prospective_chosen_for_forecast=chosen,
        glm_history_periods=_GLM_HISTORY,
        train_periods=fc.train_periods,
        min_incidents=fc.min_incidents,
        categories=["alla", *used],
        skipped_categories=skipped,
        bootstrap=fc.bootstrap,
        bootstrap_seed=seed,
        comparison="paired PAI difference; bootstrap 95 % CI "
        "and sign-flip permutation test over origins (Holm-adjusted per category); beats_baseline needs both",
        district_model="Poisson/NB2 GLM, district effects + common linear trend, simulated predictive",
        district_simulations=fc.simulations,
        district_seed=district_seed,
    )

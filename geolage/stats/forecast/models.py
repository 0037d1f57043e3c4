"""The grid forecast methods: the naive baseline, prospective hotspotting and a count regression.

Every method makes a score per grid cell for the period ``[origin, origin + h)`` from the
incidents strictly before the origin (and not before ``start``). Periods are counted back
from the origin: period p covers ``[origin - (p+1)·h, origin - p·h)``, p = 0 the last one
before the origin; an incomplete oldest period (before ``start``) is not used.

``naive``: the count of period 0 in each cell. Ties (frequent: many cells have 0 or 1)
are broken everywhere in geolage by the count over the whole history before the origin,
then by the cell id (ascending) — so the naive baseline is in fact "last period, then
long-term count", a stronger baseline than random tie-breaking; this matters a lot for
the PAI at 1 % of the area.

``prospective``: prospective hotspotting (Bowers, Johnson & Pease 2004). Each past
incident gets the weight ``2 ** (-age_days / half_life_days)``; the weights are summed per
cell, the raster of the grid is convolved (``scipy.signal.fftconvolve``) with a quartic
kernel ``(1 - (d/b)²)²`` for cell-centre distance d < b, normalised to sum 1, and the
result read back at the cells (b no larger than the cell size: no smoothing). Mass falling
outside the grid is lost (edge effect, as in the original). The score is scaled to sum to
the count of period 0, so it reads as an expected count per cell. With ``"auto"``, the
half-life (:data:`HALF_LIVES`: 30, 91, 182, 365 or 730 days) and the bandwidth
(:data:`BANDWIDTH_FACTORS`: 1, 1.5, 2 or 3 cell sizes) are those with the highest mean PAI
over ``area_shares`` when the same map is made at each of the four origins one to four
periods earlier and scored on the period after it (ties: the shorter half-life, then the
narrower kernel) — training data only, so the backtest stays honest.

``glm``: a Poisson regression (log link; maximum likelihood by IRLS on the distinct
feature rows, checked against statsmodels) of a cell's count in a period on ``log1p`` of:
its count in the previous period, the sum over its 8 neighbours of that count (spatial
lag), its mean count over the previous 4 periods and the neighbours' sum of that mean,
its mean count over the whole history before the period, and — when ``365.25 /
horizon_days`` rounds to more than 1 — its count one year earlier (season). Fitted on all
cells for the ``train_periods`` most recent periods before the origin whose features lie
inside the history; the score is the predicted mean count of the next period. A
self-exciting point process (Mohler et al. 2011) was not implemented; the regression uses
the same ingredients (recent and long-term, local and neighbouring counts) in a form that
is fast and easy to check.

References
----------
Bowers, K. J., Johnson, S. D. & Pease, K. (2004). Prospective hot-spotting: the future
of crime mapping? *British Journal of Criminology* 44(5), 641–658.
Mohler, G. O., Short, M. B., Brantingham, P. J., Schoenberg, F. P. & Tita, G. E.
(2011). Self-exciting point process modeling of crime. *JASA* 106(493), 100–108.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .cells import (
    DAY_NS,
    Cells,
    Events,
    counts_in,
    neighbour_sum,
    prepare_cells,
    prepare_events,
    quartic_kernel,
    smooth,
    to_ns,
)
from .metrics import mean_pai

__all__ = ["METHODS", "HALF_LIVES", "BANDWIDTH_FACTORS", "TUNING_PERIODS", "GLM_HISTORY", "forecast_scores"]

log = logging.getLogger(__name__)

#: The grid forecast methods, the naive baseline first.
METHODS: tuple[str, ...] = ("naive", "prospective", "glm")
#: Periods averaged in the recent-mean features of the count regression.
GLM_HISTORY = 4
#: Candidates of the automatic choice of the prospective map's half-life (days) and bandwidth (× cell size).
HALF_LIVES: tuple[float, ...] = (30.0, 91.0, 182.0, 365.0, 730.0)
BANDWIDTH_FACTORS: tuple[float, ...] = (1.0, 1.5, 2.0, 3.0)
#: Origins before the forecast origin on which the automatic choice is scored.
TUNING_PERIODS = 4


# --------------------------------------------------------------------------- options
@dataclass(frozen=True)
class Options:
    """Checked method options; None for a value chosen from the training data ("auto")."""

    horizon_days: int
    half_life_days: float | None
    bandwidth: float | None
    train_periods: int
    area_shares: tuple[float, ...]


def _positive_or_auto(value: float | str, name: str, unit: str, problems: list[str]) -> float | None:
    if value == "auto":
        return None
    if isinstance(value, int | float) and value > 0:
        return float(value)
    problems.append(f"{name} needs to be a positive number of {unit} or 'auto'; got {value!r}")
    return None


def check_options(
    horizon_days: int,
    half_life_days: float | str,
    bandwidth: float | str,
    train_periods: int,
    area_shares: tuple[float, ...] | list[float],
) -> Options:
    """Check the method options, gathering every problem before raising one ValueError."""
    problems: list[str] = []
    if not (isinstance(horizon_days, int | np.integer) and horizon_days >= 1):
        problems.append(f"horizon_days needs to be a whole number of days >= 1; got {horizon_days!r}")
    hl = _positive_or_auto(half_life_days, "half_life_days", "days", problems)
    bw = _positive_or_auto(bandwidth, "bandwidth", "metres", problems)
    if not (isinstance(train_periods, int | np.integer) and train_periods >= 1):
        problems.append(f"train_periods needs to be a whole number >= 1; got {train_periods!r}")
    bad = [a for a in area_shares if not 0 < a <= 1]
    if bad or not area_shares:
        problems.append(f"area_shares need to be one or more shares in (0, 1]; got {list(area_shares)}")
    if problems:
        raise ValueError("; ".join(problems))
    return Options(int(horizon_days), hl, bw, int(train_periods), tuple(float(a) for a in area_shares))


def check_method(method: str) -> None:
    """Raise ValueError unless ``method`` is one of :data:`METHODS`."""
    if method not in METHODS:
        raise ValueError(f"method needs to be one of {', '.join(METHODS)}; got {method!r}")


# --------------------------------------------------------------------------- history
@dataclass(frozen=True)
class History:
    """Counts per period back from an origin: ``counts[p]`` covers [origin-(p+1)h, origin-ph)."""

    counts: np.ndarray  # (n_periods, n_cells)
    cell: np.ndarray  # cell of each incident used
    age_ns: np.ndarray  # its age at the origin (ns)
    total: np.ndarray  # all counts per cell (tie-break)


def history(events: Events, n_cells: int, origin_ns: int, start_ns: int, horizon_days: int) -> History:
    """The whole periods of incidents before ``origin_ns`` (and not before ``start_ns``)."""
    h = horizon_days * DAY_NS
    n_periods = max((origin_ns - start_ns) // h, 0)
    d = origin_ns - events.t
    keep = (d > 0) & (events.t >= start_ns)
    d = d[keep]
    cell = events.cell[keep]
    p = (d - 1) // h
    inside = p < n_periods
    p, cell, d = p[inside], cell[inside], d[inside]
    counts = np.bincount(p * n_cells + cell, minlength=n_periods * n_cells).reshape(n_periods, n_cells)
    return History(counts.astype(float), cell, d, counts.sum(axis=0).astype(float))


# --------------------------------------------------------------------------- prospective hotspotting
def _recency(hist: History, n_cells: int, half_life_days: float) -> np.ndarray:
    """Recency-weighted counts per cell: weight ``2 ** (-age / half-life)``, 1 at the origin."""
    weight = np.exp2(-(hist.age_ns / DAY_NS) / half_life_days)
    return np.bincount(hist.cell, weights=weight, minlength=n_cells)


def _prospective_map(hist: History, cells: Cells, half_life_days: float, bandwidth: float) -> np.ndarray:
    s = smooth(_recency(hist, len(cells.ids), half_life_days), quartic_kernel(bandwidth, cells.cell_size), cells)
    total = s.sum()
    last = hist.counts[0].sum() if hist.counts.shape[0] else 0.0
    return s * (last / total) if total > 0 else s


def _tune_prospective(
    events: Events,
    cells: Cells,
    origin_ns: int,
    start_ns: int,
    opts: Options,
    cache: dict[int, np.ndarray | None] | None = None,
) -> tuple[float, float]:
    """Choose half-life and bandwidth by their mean PAI over the last periods before the origin.

    ``cache`` (one per category) keeps the PAI grid of each inner origin: consecutive
    backtest origins share inner origins.
    """
    h = opts.horizon_days * DAY_NS
    hls = HALF_LIVES if opts.half_life_days is None else (opts.half_life_days,)
    bws = tuple(f * cells.cell_size for f in BANDWIDTH_FACTORS) if opts.bandwidth is None else (opts.bandwidth,)
    cache = {} if cache is None else cache
    gain = np.zeros((len(hls), len(bws)))
    used = 0
    for k in range(1, TUNING_PERIODS + 1):
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
    events: Events,
    cells: Cells,
    inner: int,
    start_ns: int,
    opts: Options,
    hls: tuple[float, ...],
    bws: tuple[float, ...],
) -> np.ndarray | None:
    """Mean PAI of each (half-life, bandwidth) map made at ``inner``, scored on the period after it."""
    h = opts.horizon_days * DAY_NS
    hist = history(events, len(cells.ids), inner, start_ns, opts.horizon_days)
    if hist.counts.shape[0] == 0:
        return None
    observed = counts_in(events, len(cells.ids), inner, inner + h)
    if observed.sum() == 0:
        return None
    gain = np.zeros((len(hls), len(bws)))
    base = np.lexsort((cells.id_order, -hist.total))  # the maps below are ranked with the same tie-break
    for i, hl in enumerate(hls):
        rec = _recency(hist, len(cells.ids), hl)
        spectra: dict = {}  # the bandwidths share the transform of this map
        for j, bw in enumerate(bws):
            score = smooth(rec, quartic_kernel(bw, cells.cell_size), cells, spectra)
            gain[i, j] = mean_pai(score, observed, cells, hist.total, opts.area_shares, base_order=base)
    return gain


# --------------------------------------------------------------------------- count regression
def _glm_features(hist: History, q: int, cells: Cells, year_lag: int) -> np.ndarray:
    """Features for target period ``q`` (q = -1: the period after the origin), from older periods."""
    last = hist.counts[q + 1]
    recent = hist.counts[q + 1 : q + 1 + GLM_HISTORY].mean(axis=0)
    longterm = hist.counts[q + 1 :].mean(axis=0)
    cols = [
        np.ones(len(last)),
        np.log1p(last),
        np.log1p(neighbour_sum(last, cells)),
        np.log1p(recent),
        np.log1p(neighbour_sum(recent, cells)),
        np.log1p(longterm),
    ]
    if year_lag > 1:
        cols.append(np.log1p(hist.counts[q + year_lag]))
    return np.column_stack(cols)


def _glm_score(hist: History, cells: Cells, horizon_days: int, train_periods: int) -> np.ndarray | None:
    year_lag = int(round(365.25 / horizon_days))
    need = max(GLM_HISTORY, year_lag if year_lag > 1 else 1)
    n_periods = hist.counts.shape[0]
    n_targets = min(train_periods, n_periods - need)
    if n_targets < 1:
        return None
    X = np.vstack([_glm_features(hist, q, cells, year_lag) for q in range(n_targets)])
    y = np.concatenate([hist.counts[q] for q in range(n_targets)])
    if y.sum() == 0:
        return None
    # Many cell-periods share a feature vector: fit on the distinct rows (sum of counts, offset log n).
    first, inverse = _distinct_rows(X)
    n_rows = np.bincount(inverse)
    beta = _poisson_irls(X[first], np.bincount(inverse.ravel(), weights=y), np.log(n_rows))
    if beta is None:
        log.warning("forecast: the count regression did not converge; method left out for this origin")
        return None
    return np.exp(np.clip(_glm_features(hist, -1, cells, year_lag) @ beta, -50, 50))


def _distinct_rows(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique`` of the rows of ``X`` as bytes (``return_index``, ``return_inverse``): the same arrays, faster.

    The rows are first grouped by a 64-bit hash of their bytes (one sort of integers instead
    of a sort of byte strings), the grouping is checked byte by byte (a hash collision falls
    back to ``np.unique`` on all rows), and only the distinct rows are sorted by ``np.unique``,
    so the order, and the fit that sums over the distinct rows in that order, is exactly
    that of ``np.unique`` on all rows.
    """
    X = np.ascontiguousarray(X)
    as_bytes = X.view(np.dtype((np.void, X.dtype.itemsize * X.shape[1]))).ravel()
    words = X.view(np.uint64) if X.dtype.itemsize == 8 else None
    if words is None or len(X) < 1000:
        _, first, inverse = np.unique(as_bytes, return_index=True, return_inverse=True)
        return first, inverse.ravel()
    mult = np.random.default_rng(20240611).integers(1, 2**63, size=X.shape[1], dtype=np.uint64) | np.uint64(1)
    h = np.zeros(len(X), dtype=np.uint64)
    for col in range(X.shape[1]):
        h = (h ^ words[:, col]) * mult[col]
        h ^= h >> np.uint64(29)
    _, seen_first, codes = np.unique(h, return_index=True, return_inverse=True)
    codes = codes.ravel()
    if not np.array_equal(words[seen_first][codes], words):  # a collision: two different rows, one hash
        _, first, inverse = np.unique(as_bytes, return_index=True, return_inverse=True)
        return first, inverse.ravel()
    _, pick, rank = np.unique(as_bytes[seen_first], return_index=True, return_inverse=True)
    return seen_first[pick], rank.ravel()[codes]


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


# --------------------------------------------------------------------------- scores
def scores(
    events: Events,
    cells: Cells,
    origin_ns: int,
    start_ns: int,
    *,
    method: str,
    opts: Options,
    cache: dict[int, np.ndarray | None] | None = None,
) -> tuple[np.ndarray | None, History, dict[str, float]]:
    """Score per cell of ``method`` at ``origin_ns`` (None when it cannot be made), the history, chosen options."""
    hist = history(events, len(cells.ids), origin_ns, start_ns, opts.horizon_days)
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
    Periods of ``horizon_days`` are counted back from the origin. ``naive``: the count of
    the last period before the origin (ties broken by the long-term count, then the cell
    id, as everywhere in geolage). ``prospective``: recency-weighted counts smoothed with
    a quartic kernel (Bowers, Johnson & Pease 2004). ``glm``: a Poisson regression on
    recent, long-term, neighbouring and (for short periods) year-earlier counts. The exact
    definitions, the automatic choice of half-life and bandwidth, and the references are
    in :mod:`geolage.stats.forecast.models`.
    """
    check_method(method)
    opts = check_options(horizon_days, half_life_days, bandwidth, train_periods, area_shares)
    cells = prepare_cells(grid)
    events = prepare_events(incidents, cells)
    origin_ns = to_ns(origin)
    if start is None:
        before = events.t[events.t < origin_ns]
        start_ns = int(before.min()) if len(before) else origin_ns
    else:
        start_ns = to_ns(start)
    score, _, chosen = scores(events, cells, origin_ns, start_ns, method=method, opts=opts)
    values = np.full(len(cells.ids), np.nan) if score is None else score
    out = pd.Series(values, index=pd.Index(cells.ids, name="cell_id"), name="score")
    out.attrs.update(chosen)
    return out

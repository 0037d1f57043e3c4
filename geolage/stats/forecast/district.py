"""Count forecast per district and category for the next calendar year, with prediction intervals."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ...categories import ALL_CATEGORIES

__all__ = ["DISTRICT_COLUMNS", "forecast_district_counts"]

log = logging.getLogger(__name__)

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


def _normal_draws(rng: np.random.Generator, mean: np.ndarray, cov: np.ndarray, n: int) -> np.ndarray:
    """``n`` draws of N(mean, cov): Cholesky factor, or eigh when ``cov`` is only semi-definite.

    The Cholesky factor is unique and changes by as little as ``cov`` does, so the draws do
    not depend on last-digit rounding (BLAS threads, CPU); eigenvectors may flip sign under
    such rounding and give different draws from the same seed.
    """
    try:
        return rng.multivariate_normal(mean, cov, size=n, method="cholesky")
    except np.linalg.LinAlgError:
        return rng.multivariate_normal(mean, cov, size=n, method="eigh")


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
    betas = _normal_draws(rng, beta, cov, n_sim)
    lam = np.exp(np.clip(betas @ x_new.T, -50, 20))  # e^20 ≈ 5e8: keeps the Poisson sampler finite
    if model == "negbin":
        lam = lam * rng.gamma(shape=1 / nb_alpha, scale=nb_alpha, size=lam.shape)
    return point, rng.poisson(lam), model if trend else f"{model}_no_trend"


def _forecast_years(start: Any, end: Any) -> tuple[list[int], int]:
    """The whole calendar years in [start, end) (at least three, else ValueError) and the year to forecast."""
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
    return years, target


def _yearly_counts(part: pd.DataFrame, ids: pd.Index, years: list[int]) -> np.ndarray:
    """Incidents per district (rows, in ``ids`` order) and year (columns), zeros included."""
    table = (
        part.groupby([part["district_id"].astype(str), "_year"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=ids, columns=years, fill_value=0)
    )
    return table.to_numpy(dtype=float)


def _simulate_category(
    y_all: np.ndarray, category: str, rng: np.random.Generator, simulations: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point forecast, predictive draws (simulations × districts) and model name per district of one category."""
    n = y_all.shape[0]
    # Years before the category's first incident anywhere are taken as not covered by the data.
    covered = np.flatnonzero(y_all.sum(axis=0) > 0)
    y = y_all[:, covered[0] :] if len(covered) else y_all
    has = y.sum(axis=1) > 0
    forecast = np.zeros(n)
    draws = np.zeros((simulations, n))
    model = np.array(["jeffreys"] * n, dtype=object)
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
    return forecast, draws, model


def _with_intervals(out: pd.DataFrame, draws: np.ndarray, model: np.ndarray) -> pd.DataFrame:
    """``out`` with the 80 % and 95 % prediction intervals of ``draws`` (whole counts) and the model names."""
    for key, value in _predictive_quantiles(draws, (0.8, 0.95)).items():
        out[key] = pd.array(np.round(value), dtype="Int64")  # missing only when the model failed
    out["pi_low"] = out["pi95_low"]
    out["pi_high"] = out["pi95_high"]
    out["model"] = model
    return out


def forecast_district_counts(
    incidents: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    start: Any,
    end: Any,
    categories: tuple[str, ...] | list[str] | None = None,
    seed: int = 12345,
    simulations: int = 4000,
    groups: Sequence[tuple[str, str, Sequence[str]]] = (),
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
        Categories to forecast besides all together (:data:`~geolage.categories.ALL_CATEGORIES`).
        Default: every category in ``incidents``.
    seed : int
        Seed of the simulation.
    simulations : int
        Draws from the predictive distribution.
    groups : sequence of (area id, name, member district ids)
        Focus areas of several districts (:func:`geolage.focus.area_groups`): each gets a row
        (``district_id`` = area id) whose forecast and intervals come from the sum of its
        districts' joint draws (the same parameter draws), so the area is forecast as one unit.

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

    The forecast year is the year after the last whole year; data in it are not used.
    """
    missing = [c for c in ("district_id", "category", "time") if c not in incidents.columns]
    if missing:
        raise ValueError(f"incidents need the columns district_id, category and time; missing: {', '.join(missing)}")
    years, target = _forecast_years(start, end)
    rng = np.random.default_rng(seed)
    data = incidents[incidents["district_id"].notna()]
    data = data.assign(_year=pd.to_datetime(data["time"]).dt.year)
    data = data[data["_year"].isin(years)]
    ids = pd.Index(districts.index.astype(str), name="district_id")
    names = districts["district_name"] if "district_name" in districts.columns else pd.Series(ids, index=ids)
    names = pd.Series(np.asarray(names), index=ids)
    if categories is None:
        categories = sorted(data["category"].dropna().unique())
    frames = []
    for category in [ALL_CATEGORIES, *categories]:
        part = data if category == ALL_CATEGORIES else data[data["category"] == category]
        y_all = _yearly_counts(part, ids, years)
        forecast, draws, model = _simulate_category(y_all, category, rng, simulations)
        g_ids, g_names, g_last, g_fc, g_draws, g_model = _group_sums(groups, ids, y_all, forecast, draws, model)
        out = pd.DataFrame(
            {
                "district_id": [*ids, *g_ids],
                "district_name": [*names.to_numpy(), *g_names],
                "category": category,
                "year": target,
                "last_count": np.concatenate([y_all[:, -1], g_last]).astype(int),
                "forecast": np.concatenate([forecast, g_fc]),
            }
        )
        frames.append(_with_intervals(out, np.hstack([draws, g_draws]), np.concatenate([model, g_model])))
    return pd.concat(frames, ignore_index=True)[list(DISTRICT_COLUMNS)]


def _group_sums(
    groups: Sequence[tuple[str, str, Sequence[str]]], ids: pd.Index, y_all: np.ndarray, forecast: np.ndarray,
    draws: np.ndarray, model: np.ndarray,
) -> tuple[list[str], list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Areas of several districts: last count, forecast, joint draws summed over the members, and the model."""
    pos = {d: i for i, d in enumerate(ids)}
    multi = [(a, n, [pos[str(m)] for m in members if str(m) in pos]) for a, n, members in groups if len(members) > 1]
    g_ids = [str(a) for a, _, _ in multi]
    g_names = [str(n) for _, n, _ in multi]
    last = np.array([y_all[idx, -1].sum() for _, _, idx in multi], dtype=float)
    fc = np.array([np.nansum(forecast[idx]) for _, _, idx in multi], dtype=float)
    summed = np.column_stack([draws[:, idx].sum(axis=1) for _, _, idx in multi]) if multi else draws[:, :0]
    names = np.array(["+".join(sorted(set(model[idx]))) for _, _, idx in multi], dtype=object)
    return g_ids, g_names, last, fc, summed, names

"""Development over time: series, Mann–Kendall and Poisson/negative-binomial trends, period changes."""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from ..categories import ALL_CATEGORIES
from .compare import ALL_FOCUS_AREAS, focus_area_rows, rate_ratio
from .rates import WHOLE_PERIOD, _span, count_incidents, exposure_table

__all__ = [
    "WHOLE_AREA",
    "DIRECTIONS",
    "SERIES_COLUMNS",
    "TREND_COLUMNS",
    "YEAR_TO_DATE_COLUMNS",
    "mann_kendall",
    "mann_kendall_rows",
    "poisson_trend",
    "rate_change",
    "trend",
    "direction",
    "analysis_areas",
    "make_series",
    "trend_table",
    "year_to_date",
]

log = logging.getLogger(__name__)

#: Area code of all districts together (its name in words: :data:`geolage.text.trends.AREA_LABELS`).
WHOLE_AREA = "whole_area"

#: Direction codes of :func:`direction`: a sure increase, a sure decrease, no sure change. In
#: words (sv/en): :data:`geolage.text.trends.DIRECTION_LABELS`.
DIRECTIONS: tuple[str, ...] = ("up", "down", "none")

SERIES_COLUMNS = ("area", "area_name", "category", "unit", "period", "count", "years", "exposure")
TREND_COLUMNS = (
    "area",
    "area_name",
    "category",
    "n_years",
    "mk_s",
    "mk_var_s",
    "mk_z",
    "mk_p",
    "trend_pct_per_year",
    "trend_ci_low",
    "trend_ci_high",
    "trend_p",
    "trend_model",
    "trend_dispersion",
    "change_baseline",
    "change_current",
    "change_pct",
    "change_p",
    "direction",
)
YEAR_TO_DATE_COLUMNS = (
    "area",
    "area_name",
    "category",
    "year",
    "ytd_end",
    "count",
    "ytd_mean_earlier",
    "ytd_change_pct",
    "ytd_p",
)


# --------------------------------------------------------------------------- single series
def mann_kendall_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mann–Kendall trend test of each row of ``x`` (vectorised).

    Parameters
    ----------
    x : array (n_series, n_times)

    Returns
    -------
    s, var_s, z, p : ndarray (n_series,)
        ``S = sum_{i<j} sign(x_j - x_i)``; ``Var(S) = [T(T-1)(2T+5) - sum_t t(t-1)(2t+5)]/18``
        (ties corrected, t the sizes of groups of equal values); ``z = (S - sign(S)) /
        sqrt(Var S)`` (continuity correction), two-sided normal p. Rows with fewer than
        3 times or zero variance get z = 0, p = 1.

    Notes
    -----
    Mann, H.B. (1945) Econometrica 13; Kendall, M.G. (1975) Rank correlation methods.
    """
    x = np.asarray(x, dtype=float)
    n, T = x.shape
    s = np.zeros(n)
    for i in range(T - 1):
        s += np.sign(x[:, i + 1 :] - x[:, [i]]).sum(axis=1)
    xs = np.sort(x, axis=1)
    # sizes of groups of equal values, per row
    new_group = np.ones_like(xs, dtype=bool)
    new_group[:, 1:] = xs[:, 1:] != xs[:, :-1]
    gid = np.cumsum(new_group.ravel()) - 1
    sizes = np.bincount(gid).astype(float)
    row_of_group = np.repeat(np.arange(n), new_group.sum(axis=1))
    tie = np.bincount(row_of_group, weights=sizes * (sizes - 1) * (2 * sizes + 5), minlength=n)
    var = (T * (T - 1) * (2 * T + 5) - tie) / 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var > 0, (s - np.sign(s)) / np.sqrt(var), 0.0)
    p = 2.0 * special.ndtr(-np.abs(z))  # stats.norm.sf without its per-call checks (same values)
    if T < 3:
        z[:] = 0.0
        p[:] = 1.0
    return s, var, z, p


def mann_kendall(values: Any) -> dict[str, float]:
    """Mann–Kendall trend test of a series (ties corrected, normal approximation).

    Parameters
    ----------
    values : array_like
        The series in time order; NaN values are dropped.

    Returns
    -------
    dict
        ``mk_s`` (S = sum of sign(y_j - y_i) over i < j), ``mk_var_s`` (variance of S with the
        ties correction), ``mk_z`` (continuity corrected), ``mk_p`` (two-sided). NaN for fewer
        than 3 values.

    Notes
    -----
    ``Var(S) = [n(n-1)(2n+5) - sum_t t(t-1)(2t+5)] / 18`` over groups of ``t`` tied values;
    ``z = (S - sign(S)) / sqrt(Var S)``. Mann (1945), Kendall (1975); Hipel & McLeod (1994),
    Time series modelling of water resources, ch. 23.

    Examples
    --------
    >>> r = mann_kendall([1, 2, 2, 4])
    >>> r["mk_s"], round(r["mk_var_s"], 3)
    (5.0, 7.667)
    """
    y = np.asarray(values, dtype=float)
    y = y[np.isfinite(y)]
    n = y.size
    if n < 3:
        return {"mk_s": np.nan, "mk_var_s": np.nan, "mk_z": np.nan, "mk_p": np.nan}
    s, var, z, p = mann_kendall_rows(y[None, :])
    return {"mk_s": float(s[0]), "mk_var_s": float(var[0]), "mk_z": float(z[0]), "mk_p": float(p[0])}


def _poisson_fit(y: np.ndarray, x: np.ndarray, offset: np.ndarray,
                 max_iter: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Poisson log-linear maximum likelihood by Newton–Raphson (the GLM of statsmodels, without its overhead).

    Returns the parameters, their covariance (inverse Fisher information) and the fitted means,
    or None when the fit does not converge (e.g. all incidents in the last period).
    """
    beta = np.zeros(x.shape[1])
    beta[0] = np.log(y.sum() / np.exp(offset).sum())
    for _ in range(max_iter):
        mu = np.exp(x @ beta + offset)
        info = x.T @ (mu[:, None] * x)
        try:
            step = np.linalg.solve(info, x.T @ (y - mu))
        except np.linalg.LinAlgError:
            return None
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            mu = np.exp(x @ beta + offset)
            cov = np.linalg.inv(x.T @ (mu[:, None] * x))
            if np.max(np.abs(beta[1:])) > 20:  # separated: no finite trend
                return None
            return beta, cov, mu
    return None


def poisson_trend(
    counts: Any,
    exposure: Any = None,
    time: Any = None,
    *,
    confidence: float = 0.95,
    overdispersion_alpha: float = 0.05,
) -> dict[str, Any]:
    """Yearly change in per cent from a Poisson (or NB2 when overdispersed) regression on time.

    Parameters
    ----------
    counts : array_like of int
        Counts per period.
    exposure : array_like, optional
        Person-years (or years covered) per period: ``log(exposure)`` is the offset, so partly
        covered years and population changes do not make a trend. Default 1.
    time : array_like, optional
        Time of each period in years (e.g. 2019, 2020, …). Default 0, 1, 2, ….
    confidence : float
        Level of the interval.
    overdispersion_alpha : float
        Level of the overdispersion test (Pearson chi-square) that switches to NB2.

    Returns
    -------
    dict
        ``trend_pct_per_year``, ``trend_ci_low``, ``trend_ci_high`` (per cent per year, Wald
        interval of the slope, exponentiated), ``trend_p`` (Wald), ``trend_model``
        (``"poisson"``, ``"negbin"``, ``"quasipoisson"`` when NB2 did not converge, or
        ``"none"`` with fewer than 3 periods or no incidents), ``trend_dispersion``
        (Pearson chi2 / df of the Poisson fit).

    Notes
    -----
    ``log E[y_t] = log(exposure_t) + a + b (t - mean t)`` is fitted by ``statsmodels`` GLM
    Poisson. When the Pearson chi2 statistic exceeds its chi-square(df) upper
    ``overdispersion_alpha`` quantile, an NB2 model (``statsmodels.discrete.NegativeBinomial``,
    Var = mu + alpha mu^2; Cameron & Trivedi 2013, Regression analysis of count data, ch. 3)
    is fitted instead. The yearly change is ``100 (exp(b) - 1)``.

    Examples
    --------
    >>> r = poisson_trend([100, 110, 121, 133, 146], time=[2020, 2021, 2022, 2023, 2024])
    >>> round(r["trend_pct_per_year"], 1), r["trend_model"]
    (9.9, 'poisson')
    """
    y = np.asarray(counts, dtype=float)
    n = y.size
    e = np.ones(n) if exposure is None else np.asarray(exposure, dtype=float)
    tt = np.arange(n, dtype=float) if time is None else np.asarray(time, dtype=float)
    ok = np.isfinite(y) & np.isfinite(e) & (e > 0) & np.isfinite(tt)
    y, e, tt = y[ok], e[ok], tt[ok]
    empty = {
        "trend_pct_per_year": np.nan,
        "trend_ci_low": np.nan,
        "trend_ci_high": np.nan,
        "trend_p": np.nan,
        "trend_model": "none",
        "trend_dispersion": np.nan,
    }
    if y.size < 3 or y.sum() == 0:
        return empty
    x = np.column_stack([np.ones(y.size), tt - tt.mean()])  # statsmodels' add_constant(..., has_constant="add")
    off = np.log(e)
    # scipy.special's functions behind stats.norm/chi2 (same values; the distribution objects' checks cost
    # ~1 ms per call, and a run fits ~500 trends)
    z = special.ndtri(0.5 + confidence / 2)
    pois = _poisson_fit(y, x, off)
    if pois is None:
        return empty
    params, cov, mu = pois
    df_resid = y.size - 2
    pearson = float(np.sum((y - mu) ** 2 / mu))
    disp = pearson / df_resid if df_resid > 0 else np.nan
    model, b, se = "poisson", float(params[1]), float(np.sqrt(cov[1, 1]))
    if df_resid > 0 and special.chdtrc(df_resid, pearson) < overdispersion_alpha and disp > 1:
        import statsmodels.api as sm

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                nb = sm.NegativeBinomial(y, x, offset=off, loglike_method="nb2").fit(disp=0, maxiter=200)
                if nb.mle_retvals.get("converged", False) and np.isfinite(nb.bse[1]):
                    model, b, se = "negbin", float(nb.params[1]), float(nb.bse[1])
                else:
                    raise RuntimeError("NB2 did not converge")
            except Exception:  # noqa: BLE001 - fall back to quasi-Poisson
                model, se = "quasipoisson", se * float(np.sqrt(disp))
    if not np.isfinite(se) or se <= 0:
        return {**empty, "trend_model": model, "trend_dispersion": disp}
    return {
        "trend_pct_per_year": float(100 * np.expm1(b)),
        "trend_ci_low": float(100 * np.expm1(b - z * se)),
        "trend_ci_high": float(100 * np.expm1(b + z * se)),
        "trend_p": float(2 * special.ndtr(-abs(b / se))),
        "trend_model": model,
        "trend_dispersion": disp,
    }


def direction(ci_low: float, ci_high: float) -> str:
    """Direction of a change, as a code, from the CI of the change in per cent.

    Parameters
    ----------
    ci_low, ci_high : float
        Interval of a change in per cent (or of any signed change).

    Returns
    -------
    str
        ``"up"`` when the whole interval is above 0, ``"down"`` when below, otherwise
        ``"none"`` (no sure change; also when the interval is missing). Words for people:
        :func:`geolage.text.trends.direction_label`.

    Examples
    --------
    >>> direction(2.0, 9.0), direction(-3.0, 4.0)
    ('up', 'none')
    """
    if np.isfinite(ci_low) and ci_low > 0:
        return "up"
    if np.isfinite(ci_high) and ci_high < 0:
        return "down"
    return "none"


def rate_change(
    baseline: float, current: float, baseline_exposure: float = 1.0, current_exposure: float = 1.0
) -> dict[str, float]:
    """Change in per cent between two periods, with the exact conditional Poisson test.

    Parameters
    ----------
    baseline, current : float
        Counts of the two periods.
    baseline_exposure, current_exposure : float
        Length (days, years) or person-time of each period.

    Returns
    -------
    dict
        ``change_pct`` (``100 (rate_current / rate_baseline - 1)``), ``change_ci_low``,
        ``change_ci_high``, ``change_p`` (two-sided, H0: equal rates).

    Notes
    -----
    The current count given the total is binomial (Przyborowski & Wilenski 1940); see
    :func:`geolage.stats.compare.rate_ratio`.

    Examples
    --------
    >>> r = rate_change(50, 80)
    >>> round(r["change_pct"]), round(r["change_p"], 3)
    (60, 0.011)
    """
    rr = rate_ratio([current], [current_exposure], [baseline], [baseline_exposure]).iloc[0]
    return {
        "change_pct": 100 * (rr["rate_ratio"] - 1),
        "change_ci_low": 100 * (rr["rr_ci_low"] - 1),
        "change_ci_high": 100 * (rr["rr_ci_high"] - 1),
        "change_p": float(rr["rr_p"]),
    }


def trend(
    counts: Any,
    exposure: Any = None,
    time: Any = None,
    *,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Trend of one yearly series: Mann–Kendall, Poisson/NB regression and the direction of the change.

    Parameters
    ----------
    counts : array_like
        Counts per year, in time order.
    exposure : array_like, optional
        Person-years or years covered per period (offset of the regression; the Mann–Kendall
        test is on ``counts / exposure``).
    time : array_like, optional
        Year of each value.
    confidence : float
        Level of the interval of the yearly change.

    Returns
    -------
    dict
        Keys of :func:`mann_kendall` and :func:`poisson_trend`, plus ``n_years`` and
        ``direction`` (a code of :data:`DIRECTIONS`, see :func:`direction`).

    Notes
    -----
    The *regression* decides the direction: ``"up"`` only when the whole interval of the
    yearly change is above 0, ``"down"`` when it is below 0 (so a flat series is flagged
    with probability about ``1 - confidence``). Mann–Kendall is reported beside it as a
    distribution-free check.

    Examples
    --------
    >>> trend([10, 14, 19, 27, 38, 52], time=range(2019, 2025))["direction"]
    'up'
    """
    y = np.asarray(counts, dtype=float)
    e = np.ones(y.size) if exposure is None else np.asarray(exposure, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mk = mann_kendall(np.where(e > 0, y / e, np.nan))
    pt = poisson_trend(y, e, time, confidence=confidence)
    return {
        "n_years": int(np.isfinite(y).sum()),
        **mk,
        **pt,
        "direction": direction(pt["trend_ci_low"], pt["trend_ci_high"]),
    }


# --------------------------------------------------------------------------- tables
def analysis_areas(
    districts: pd.DataFrame, *, union_name: str = ALL_FOCUS_AREAS, whole_name: str = WHOLE_AREA,
    groups: Sequence[tuple[str, str, Sequence[str]]] | None = None,
) -> list[tuple[str, str, list[str]]]:
    """List the areas that series and trends are made for.

    Parameters
    ----------
    districts : DataFrame
        Indexed by ``district_id``, with ``district_name`` and optionally ``is_focus``.
    union_name, whole_name : str
        Names of the union of the focus districts and of all districts.
    groups : sequence of (area id, name, member district ids), optional
        Named focus areas (:func:`geolage.focus.area_groups`); each of two or more districts
        is added as one area. Without it, the focus districts are read from ``is_focus``.

    Returns
    -------
    list of (area, area_name, member district ids)
        Every district (area = its id), each named focus area of several districts, the union
        of the focus districts when there are more than one, and all districts together
        (unless there is only one district).
    """
    ids = [str(i) for i in districts.index]
    names = dict(zip(ids, districts["district_name"].astype(str), strict=True))
    out = [(d, names[d], [d]) for d in ids]
    if groups is None and "is_focus" in districts:
        focus = [str(i) for i in districts.index[districts["is_focus"].fillna(False).astype(bool)]]
        groups = [(f, names[f], [f]) for f in focus]
    known = set(ids)
    out += [a for a in focus_area_rows(groups or [], names, union_name) if a[0] not in known]
    if len(ids) != 1:  # with one district (a run without districts) the whole area is that district
        out.append((WHOLE_AREA, whole_name, ids))
    return out


def _member_matrix(areas: list[tuple[str, str, list[str]]], ids: list[str]) -> pd.DataFrame:
    pos = {d: i for i, d in enumerate(ids)}
    m = np.zeros((len(areas), len(ids)))
    for k, (_, _, members) in enumerate(areas):
        m[k, [pos[d] for d in members]] = 1.0
    return pd.DataFrame(m, index=[a for a, _, _ in areas], columns=ids)


def make_series(
    incidents: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    units: Sequence[str] = ("year", "quarter", "month"),
    start: dt.date | None = None,
    end: dt.date | None = None,
    categories: Sequence[str] | None = None,
    population_table: pd.DataFrame | None = None,
    areas: list[tuple[str, str, list[str]]] | None = None,
) -> pd.DataFrame:
    """Count incidents per area, category and period (yearly, quarterly, monthly series).

    Parameters
    ----------
    incidents : DataFrame
        Accepted incidents (``district_id``, ``category``, ``time``); unassigned ones are not
        counted.
    districts : DataFrame
        Indexed by ``district_id`` with ``district_name``, ``population``, ``is_focus``.
    units : sequence of {"year", "quarter", "month"}
    start, end : date, optional
        Analysed span (inclusive).
    categories : sequence of str, optional
    population_table : DataFrame, optional
        Population per district and year.
    areas : list, optional
        As returned by :func:`analysis_areas` (the default).

    Returns
    -------
    DataFrame
        Columns :data:`SERIES_COLUMNS`: ``unit`` is the period length; ``years`` the part of
        the period inside the span (in years); ``exposure`` person-years (NaN when a member
        district has no population). Whole-span rows (``"hela"``) are not included.
    """
    s, e = _span(incidents["time"], start, end)
    sd, ed = s.date(), (e - pd.Timedelta(days=1)).date()
    ids = [str(i) for i in districts.index]
    areas = analysis_areas(districts) if areas is None else areas
    mm = _member_matrix(areas, ids)
    names = {a: n for a, n, _ in areas}
    frames = []
    m = mm.to_numpy()
    for unit in units:
        c = count_incidents(incidents, by="district_id", keys=ids, unit=unit, start=sd, end=ed,
                            categories=categories)
        cats = list(pd.unique(c["category"]))  # order of first appearance (not a Python loop over Arrow strings)
        pers = [p for p in pd.unique(c["period"]) if p != WHOLE_PERIOD]
        arr = c["count"].to_numpy().reshape(len(ids), len(cats), len(pers) + 1)[:, :, :-1]
        per_area = np.einsum("ad,dkp->akp", m, arr)
        ex = exposure_table(districts, pers, unit=unit, start=sd, end=ed, population_table=population_table)
        ew = ex.set_index(["district_id", "period"])["exposure"].unstack("period")
        ew = ew.reindex(index=ids, columns=pers).to_numpy(dtype=float)
        ea = m @ np.nan_to_num(ew)
        ea[(m @ (~np.isfinite(ew)).astype(float)) > 0] = np.nan
        yrs = ex.drop_duplicates("period").set_index("period")["years"].reindex(pers).to_numpy()
        na, nk, npr = per_area.shape
        frames.append(pd.DataFrame({
            "area": np.repeat(np.asarray(mm.index, dtype=object), nk * npr),
            "category": np.tile(np.repeat(np.asarray(cats, dtype=object), npr), na),
            "period": np.tile(np.asarray(pers, dtype=object), na * nk),
            "count": per_area.ravel(),
            "exposure": np.repeat(ea[:, None, :], nk, axis=1).ravel(),
            "years": np.tile(yrs, na * nk),
            "unit": unit,
        }))
    out = pd.concat(frames, ignore_index=True)
    out["area_name"] = out["area"].map(names)
    out["count"] = out["count"].round().astype("int64")
    return out[list(SERIES_COLUMNS)]


def _window_counts(
    incidents: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp, mm: pd.DataFrame, categories: list[str]
) -> pd.DataFrame:
    """Count per area (rows) and category (columns, with 'alla') in [lo, hi)."""
    t = pd.to_datetime(incidents["time"])
    sub = incidents[(t >= lo) & (t < hi) & incidents["district_id"].notna()]
    sub = sub[sub["category"].isin(categories)]
    tab = pd.crosstab(sub["district_id"].astype(str), sub["category"]).reindex(
        index=mm.columns, columns=categories, fill_value=0
    )
    tab = tab.fillna(0)
    tab[ALL_CATEGORIES] = tab.sum(axis=1)
    return pd.DataFrame(mm.to_numpy() @ tab.to_numpy(), index=mm.index, columns=tab.columns)


def _default_periods(
    start: pd.Timestamp, end: pd.Timestamp
) -> tuple[tuple[pd.Timestamp, pd.Timestamp], tuple[pd.Timestamp, pd.Timestamp]]:
    """Last 12 months of the span, and the 12 months before (shorter if the span is short)."""
    cur_lo = max(start, end - pd.DateOffset(years=1))
    base_lo = max(start, cur_lo - pd.DateOffset(years=1))
    return (base_lo, cur_lo), (cur_lo, end)


def trend_table(
    series: pd.DataFrame,
    incidents: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    baseline: tuple[dt.date, dt.date] | None = None,
    current: tuple[dt.date, dt.date] | None = None,
    areas: list[tuple[str, str, list[str]]] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Trend and change between two periods for every area and category.

    Parameters
    ----------
    series : DataFrame
        From :func:`make_series` (the yearly rows are used).
    incidents : DataFrame
        Accepted incidents, for the counts of the two compared periods.
    districts : DataFrame
        Districts (for the areas and the population).
    start, end : date, optional
        Analysed span.
    baseline, current : (date, date), optional
        The two periods compared (first and last day, inclusive). Default: the last 12 months
        of the span and the 12 months before.
    areas : list, optional
        From :func:`analysis_areas`.
    confidence : float
        Level of the intervals.

    Returns
    -------
    DataFrame
        Columns :data:`TREND_COLUMNS`: Mann–Kendall (``mk_*``) on the yearly rates, Poisson/NB
        yearly change (``trend_*``, offset = person-years, or years covered when the population is
        unknown), the two periods' counts (``change_baseline``, ``change_current``), their
        change in per cent (rates, so unequal lengths are fair) and exact p (``change_p``), and
        ``direction`` from the trend's interval (a code, see :func:`trend`; in words:
        :func:`geolage.text.trends.direction_words`).
    """
    s, e = _span(incidents["time"], start, end)
    ids = [str(i) for i in districts.index]
    areas = analysis_areas(districts) if areas is None else areas
    mm = _member_matrix(areas, ids)
    yearly = series[series["unit"] == "year"].sort_values("period", kind="stable")
    names = series.drop_duplicates("area", keep="last").set_index("area")["area_name"].to_dict()
    cats = [c for c in yearly["category"].unique() if c != ALL_CATEGORIES]
    if baseline is not None and current is not None:
        b = (pd.Timestamp(baseline[0]), pd.Timestamp(baseline[1]) + pd.Timedelta(days=1))
        c = (pd.Timestamp(current[0]), pd.Timestamp(current[1]) + pd.Timedelta(days=1))
    else:
        b, c = _default_periods(s, e)
    cb = _window_counts(incidents, *b, mm, cats)
    cc = _window_counts(incidents, *c, mm, cats)
    # exposure of the two periods: person-years when known, else years
    pop = districts["population"].astype(float).to_numpy()
    area_pop = mm.to_numpy() @ np.nan_to_num(pop)
    area_pop[(mm.to_numpy() @ (~np.isfinite(pop)).astype(float)) > 0] = np.nan
    len_b = (b[1] - b[0]) / pd.Timedelta(days=365.25)
    len_c = (c[1] - c[0]) / pd.Timedelta(days=365.25)
    rows = []
    cnt = yearly["count"].to_numpy(dtype=float)
    exp_ = yearly["exposure"].to_numpy(dtype=float)
    yrs_ = yearly["years"].to_numpy(dtype=float)
    per_ = yearly["period"].astype(int).to_numpy()
    cb_v, cc_v = cb.to_numpy(), cc.to_numpy()
    col = {k: i for i, k in enumerate(cb.columns)}
    groups = yearly.groupby(["area", "category"], sort=False).indices
    for (area, cat), idx in groups.items():
        expo = exp_[idx]
        if not np.all(np.isfinite(expo) & (expo > 0)):
            expo = yrs_[idx]
        res = trend(cnt[idx], expo, per_[idx], confidence=confidence)
        ai = mm.index.get_loc(area)
        rows.append({"area": area, "area_name": names[area], "category": cat, **res,
                     "change_baseline": float(cb_v[ai, col[cat]]), "change_current": float(cc_v[ai, col[cat]])})
    out = pd.DataFrame(rows, columns=list(TREND_COLUMNS))
    # change between the two periods: the exact conditional test of rate_change, all rows at once
    rr = rate_ratio(out["change_current"], len_c, out["change_baseline"], len_b)
    out["change_pct"] = 100 * (rr["rate_ratio"].to_numpy() - 1)
    out["change_p"] = rr["rr_p"].to_numpy()
    for col in ("change_baseline", "change_current"):
        out[col] = out[col].astype("int64")
    log.debug(
        "trend periods: baseline %s – %s, current %s – %s; population known for %d of %d areas",
        b[0].date(),
        b[1].date(),
        c[0].date(),
        c[1].date(),
        int(np.isfinite(area_pop).sum()),
        len(area_pop),
    )
    return out


def year_to_date(
    incidents: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    as_of: dt.date,
    start: dt.date | None = None,
    categories: Sequence[str] | None = None,
    areas: list[tuple[str, str, list[str]]] | None = None,
) -> pd.DataFrame:
    """Count from 1 January to ``as_of``'s day and month, for the current and earlier years.

    Parameters
    ----------
    incidents : DataFrame
        Accepted incidents.
    districts : DataFrame
        Districts (for the areas).
    as_of : date
        Last day counted (inclusive), e.g. the end of the analysed span.
    start : date, optional
        First day of the data; earlier years whose window starts before it are left out.
    categories : sequence of str, optional
    areas : list, optional
        From :func:`analysis_areas`.

    Returns
    -------
    DataFrame
        Columns :data:`YEAR_TO_DATE_COLUMNS`: one row per area, category and year.
        On the row of ``as_of``'s year: ``ytd_mean_earlier`` (mean of the earlier years),
        ``ytd_change_pct`` and ``ytd_p`` (exact conditional Poisson test of the current
        count against the earlier years together; NaN without earlier years).
    """
    as_of = pd.Timestamp(as_of)
    t = pd.to_datetime(incidents["time"])
    first = pd.Timestamp(start) if start is not None else t.min().normalize()
    ids = [str(i) for i in districts.index]
    areas = analysis_areas(districts) if areas is None else areas
    mm = _member_matrix(areas, ids)
    cats = sorted(incidents["category"].dropna().unique()) if categories is None else list(categories)
    cats = [k for k in cats if k != ALL_CATEGORIES]
    names = {a: n for a, n, _ in areas}
    frames = []
    for y in range(first.year, as_of.year + 1):
        lo = pd.Timestamp(year=y, month=1, day=1)
        if lo < first:
            continue
        day = min(as_of.day, 28) if (as_of.month == 2 and as_of.day == 29) else as_of.day
        hi = pd.Timestamp(year=y, month=as_of.month, day=day) + pd.Timedelta(days=1)
        w = _window_counts(incidents, lo, hi, mm, cats)
        long = w.stack().rename("count").reset_index()
        long.columns = ["area", "category", "count"]
        long["year"] = y
        frames.append(long)
    if not frames:
        return pd.DataFrame(columns=list(YEAR_TO_DATE_COLUMNS))
    out = pd.concat(frames, ignore_index=True)
    out["area_name"] = out["area"].map(names)
    out["ytd_end"] = as_of.strftime("%m-%d")
    cur = out["year"] == as_of.year
    earlier = out[~cur].groupby(["area", "category"])["count"].agg(e_sum="sum", e_n="count")
    cur_rows = out[cur].join(earlier, on=["area", "category"])
    n_earlier = cur_rows[["e_sum", "e_n"]].to_numpy(dtype=float)
    x1 = out.loc[cur, "count"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_earlier = n_earlier[:, 0] / n_earlier[:, 1]
    rr = rate_ratio(x1, np.ones_like(x1), n_earlier[:, 0], n_earlier[:, 1])
    out["ytd_mean_earlier"] = np.nan
    out["ytd_change_pct"] = np.nan
    out["ytd_p"] = np.nan
    out.loc[cur, "ytd_mean_earlier"] = mean_earlier
    out.loc[cur, "ytd_change_pct"] = 100 * (rr["rate_ratio"].to_numpy() - 1)
    out.loc[cur, "ytd_p"] = rr["rr_p"].to_numpy()
    out["count"] = out["count"].round().astype("int64")
    return out[list(YEAR_TO_DATE_COLUMNS)]

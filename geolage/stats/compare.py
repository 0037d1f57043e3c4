"""Comparison with reference data: rate ratios, location quotients, funnel limits, coverage."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..categories import ALL_CATEGORIES, BRA_GROUPS
from .rates import WHOLE_PERIOD, poisson_ci

__all__ = [
    "ALL_FOCUS_AREAS",
    "focus_area_rows",
    "area_parts",
    "COMPARISON_COLUMNS",
    "FUNNEL_COLUMNS",
    "COVERAGE_COLUMNS",
    "rate_ratio",
    "location_quotients",
    "funnel_limits",
    "coverage",
    "compare_areas",
    "funnel_table",
]

log = logging.getLogger(__name__)

#: Area name of the union of all focus districts.
ALL_FOCUS_AREAS = "all_focus_areas"

COMPARISON_COLUMNS = (
    "area",
    "area_name",
    "category",
    "period",
    "count",
    "exposure",
    "rate",
    "ref_count",
    "ref_exposure",
    "ref_rate",
    "rate_ratio",
    "rr_ci_low",
    "rr_ci_high",
    "rr_p",
    "lqc",
    "reference",
)
FUNNEL_COLUMNS = (
    "district_id",
    "district_name",
    "category",
    "period",
    "population",
    "exposure",
    "count",
    "rate",
    "ref_rate",
    "lim95_low",
    "lim95_high",
    "lim998_low",
    "lim998_high",
    "funnel_position",
)
COVERAGE_COLUMNS = ("year", "bra_group", "bra_count", "data_count", "coverage", "preliminary")


def _two_sided(lower_tail: np.ndarray, upper_tail: np.ndarray) -> np.ndarray:
    return np.minimum(1.0, 2.0 * np.minimum(lower_tail, upper_tail))


def rate_ratio(
    count: Any,
    exposure: Any,
    ref_count: Any = None,
    ref_exposure: Any = None,
    *,
    ref_rate: Any = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Rate ratio of an area against a reference, with an exact CI and p-value.

    Parameters
    ----------
    count, exposure : array_like
        Incidents and person-years of the area.
    ref_count, ref_exposure : array_like, optional
        Incidents and person-years of the reference (e.g. the rest of the municipality).
    ref_rate : array_like, optional
        Instead of ``ref_count``/``ref_exposure``: a known reference rate per person-year
        (e.g. a national rate per 100,000 divided by 100,000), taken as exact.
    confidence : float
        Confidence level.

    Returns
    -------
    DataFrame
        ``rate_ratio``, ``rr_ci_low``, ``rr_ci_high``, ``rr_p`` (two-sided, H0: ratio 1).

    Notes
    -----
    Two observed counts: the exact conditional test. Given ``n = x1 + x2``, ``x1`` is
    binomial with ``pi = RR E1 / (RR E1 + E2)``; the Clopper–Pearson interval of ``pi`` is
    turned into one of ``RR = pi E2 / ((1 - pi) E1)``, and the p-value is twice the smaller
    binomial tail at ``pi0 = E1 / (E1 + E2)`` (Breslow & Day 1987, ch. 2; Ulm 1990). Exact also
    for small counts. With ``n = 0`` the ratio is NaN and p = 1.
    A known reference rate: ``x1`` is Poisson with mean ``E1 * ref_rate``; Garwood's interval
    divided by that mean, p twice the smaller Poisson tail.

    Examples
    --------
    >>> rate_ratio([20], [1000], [10], [1000]).round(3).to_dict("records")
    [{'rate_ratio': 2.0, 'rr_ci_low': 0.894, 'rr_ci_high': 4.785, 'rr_p': 0.099}]
    """
    x1 = np.atleast_1d(np.asarray(count, dtype=float))
    e1 = np.broadcast_to(np.asarray(exposure, dtype=float), x1.shape)
    a = 1.0 - confidence
    with np.errstate(divide="ignore", invalid="ignore"):
        if ref_rate is not None:
            mu = e1 * np.broadcast_to(np.asarray(ref_rate, dtype=float), x1.shape)
            rr = x1 / mu
            lo, hi = poisson_ci(x1, mu, confidence=confidence)
            p = _two_sided(stats.poisson.cdf(x1, mu), stats.poisson.sf(x1 - 1, mu))
            p = np.where(np.isfinite(mu) & (mu > 0), p, np.nan)
        else:
            if ref_count is None or ref_exposure is None:
                raise ValueError("rate_ratio needs ref_count and ref_exposure, or ref_rate")
            x2 = np.broadcast_to(np.asarray(ref_count, dtype=float), x1.shape)
            e2 = np.broadcast_to(np.asarray(ref_exposure, dtype=float), x1.shape)
            n = x1 + x2
            valid = (n > 0) & (e1 > 0) & (e2 > 0)
            pi_lo = np.where(x1 > 0, stats.beta.ppf(a / 2, np.maximum(x1, 1e-12), n - x1 + 1), 0.0)
            pi_hi = np.where(x1 < n, stats.beta.ppf(1 - a / 2, x1 + 1, np.maximum(n - x1, 1e-12)), 1.0)
            odds = e2 / e1
            rr = (x1 / e1) / (x2 / e2)
            lo = pi_lo / (1 - pi_lo) * odds
            hi = np.where(pi_hi < 1, pi_hi / (1 - pi_hi) * odds, np.inf)
            pi0 = e1 / (e1 + e2)
            p = _two_sided(stats.binom.cdf(x1, n, pi0), stats.binom.sf(x1 - 1, n, pi0))
            rr, lo, hi = (np.where(valid, v, np.nan) for v in (rr, lo, hi))
            p = np.where(valid, p, np.where(n == 0, 1.0, np.nan))
    return pd.DataFrame({"rate_ratio": rr, "rr_ci_low": lo, "rr_ci_high": hi, "rr_p": p})


def location_quotients(counts: pd.DataFrame, reference: pd.Series | None = None) -> pd.DataFrame:
    """Location quotients for crime (LQC): an area's share of a category relative to the reference's.

    Parameters
    ----------
    counts : DataFrame
        Counts, one row per area and one column per category (categories only, not ``"alla"``).
    reference : Series, optional
        Reference counts per category (same columns). Default: the column sums of ``counts``
        (the whole study area).

    Returns
    -------
    DataFrame
        Same shape: ``LQC_ik = (c_ik / sum_k c_ik) / (R_k / sum_k R_k)``. NaN for an area
        without incidents or a category absent from the reference. 1 = same mix as the
        reference; 2 = the category is twice as large a share of the area's crime.

    Notes
    -----
    Brantingham, P. L. & Brantingham, P. J. (1995). Location quotients and crime hot spots in
    the city. In Block, Dabdoub & Fregly (eds.), Crime analysis through computer mapping.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"hot": [6, 2], "ran": [2, 6]}, index=["a", "b"])
    >>> location_quotients(c).round(2)["hot"].tolist()
    [1.5, 0.5]
    """
    c = counts.astype(float)
    ref = c.sum(axis=0) if reference is None else reference.reindex(c.columns).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = c.div(c.sum(axis=1).replace(0, np.nan), axis=0)
        ref_share = ref / ref.sum()
        return share.div(ref_share.replace(0, np.nan), axis=1)


def _poisson_limit(theta: np.ndarray, p: float) -> np.ndarray:
    """Spiegelhalter's interpolated p-quantile of a Poisson(theta) count."""
    rp = stats.poisson.ppf(p, theta)
    f = stats.poisson.cdf(rp, theta)
    fm = np.where(rp > 0, stats.poisson.cdf(rp - 1, theta), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(f > fm, (f - p) / (f - fm), 0.0)
    return np.maximum(rp - alpha, 0.0)


def funnel_limits(exposure: Any, ref_rate: float | Any, *, levels: Sequence[float] = (0.95, 0.998)) -> pd.DataFrame:
    """Exact Poisson funnel-plot control limits for rates around a reference rate.

    Parameters
    ----------
    exposure : array_like
        Person-years of each unit.
    ref_rate : float or array_like
        Target rate per person-year (e.g. the municipality's rate).
    levels : sequence of float
        Coverage of the limits; default 95 % and 99.8 %.

    Returns
    -------
    DataFrame
        For each level ``L`` (as ``95``, ``998``): ``lim{L}_low``, ``lim{L}_high`` — rate limits
        per person-year (multiply like the rates).

    Notes
    -----
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance.
    Statistics in Medicine 24, 1185–1202: with ``theta = E * ref_rate`` and ``r_p`` the
    p-quantile of Poisson(theta), the limit on the count is ``r_p - alpha`` with
    ``alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1))`` (interpolation that makes the limits
    smooth), divided by ``E``.

    Examples
    --------
    >>> lim = funnel_limits([1000.0], 0.01)
    >>> round(float(lim["lim95_high"].iloc[0]) * 1000, 2)
    16.16
    """
    e = np.atleast_1d(np.asarray(exposure, dtype=float))
    rho = np.broadcast_to(np.asarray(ref_rate, dtype=float), e.shape)
    theta = e * rho
    ok = np.isfinite(theta) & (theta > 0)
    t = np.where(ok, theta, 1.0)
    out = {}
    for level in levels:
        key = f"{level * 100:g}".replace(".", "")
        lo = _poisson_limit(t, (1 - level) / 2)
        hi = _poisson_limit(t, 1 - (1 - level) / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"lim{key}_low"] = np.where(ok, lo / np.where(ok, e, 1.0), np.nan)
            out[f"lim{key}_high"] = np.where(ok, hi / np.where(ok, e, 1.0), np.nan)
    return pd.DataFrame(out)


def coverage(
    data_counts: pd.DataFrame, bra_totals: pd.DataFrame, *, years: Sequence[int] | None = None
) -> pd.DataFrame:
    """Share of Brå's reported offences for the municipality that the data set holds, per year.

    Parameters
    ----------
    data_counts : DataFrame
        Columns ``year``, ``category`` (geolage codes), ``count``: incidents in the data set.
    bra_totals : DataFrame
        Brå's published yearly totals (as ``data/reference/bra_reported_offences_*.csv``):
        ``period`` (year), ``category`` (Brå group), ``reported_offences``, optionally
        ``preliminary``.
    years : sequence of int, optional
        Years to report (e.g. the fully analysed years). Default: years in both tables.

    Returns
    -------
    DataFrame
        ``year``, ``bra_group``, ``bra_count``, ``data_count``, ``coverage`` (data / Brå),
        ``preliminary``. Groups: those in :data:`geolage.categories.BRA_GROUPS`, and
        ``total`` (every geolage category against Brå's total — a lower bound, since the data
        cover only some offence types).

    Notes
    -----
    The geolage categories are summed per Brå group (``BRA_GROUPS``); a group whose geolage
    categories do not cover it fully (e.g. ``theft``) gives a coverage below 1 even for complete
    data. Brå: Anmälda brott, kommunstatistik (https://bra.se).
    """
    bra = bra_totals.copy()
    bra = bra[bra["period"].astype(str).str.fullmatch(r"\d{4}")]
    bra["year"] = bra["period"].astype(int)
    groups = {**{g: tuple(c) for g, c in BRA_GROUPS.items()}, "total": None}
    dc = data_counts.copy()
    dc["year"] = dc["year"].astype(int)
    rows = []
    yrs = sorted(set(dc["year"]) & set(bra["year"])) if years is None else sorted(set(years) & set(bra["year"]))
    for g, cats in groups.items():
        sub = dc if cats is None else dc[dc["category"].isin(cats)]
        per_year = sub.groupby("year")["count"].sum()
        b = bra[bra["category"] == g].set_index("year")
        for y in yrs:
            if y not in b.index:
                continue
            bc = float(b.loc[y, "reported_offences"])
            d = float(per_year.get(y, 0))
            prelim = bool(b.loc[y, "preliminary"]) if "preliminary" in b else False
            rows.append((y, g, bc, d, d / bc if bc > 0 else np.nan, prelim))
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def compare_areas(
    rates_table: pd.DataFrame,
    *,
    focus: Sequence[str],
    reference: str | Sequence[str] = "rest",
    reference_rates: pd.DataFrame | None = None,
    names: dict[str, str] | None = None,
    rate_per: float = 1000,
    confidence: float = 0.95,
    union_name: str = ALL_FOCUS_AREAS,
    groups: Sequence[tuple[str, str, Sequence[str]]] | None = None,
) -> pd.DataFrame:
    """Compare each focus area with the reference: rate ratio with CI and p, and the LQC.

    Parameters
    ----------
    rates_table : DataFrame
        Counts per district (the ``rates_district`` table): ``district_id``, ``category``,
        ``period``, ``count``, ``exposure``.
    focus : sequence of str
        Focus district ids. Each is an area; with more than one, their union is added as
        ``union_name``.
    reference : "rest", "all" or sequence of str
        ``"rest"``: all districts outside the area; ``"all"``: all districts; or a list of
        reference district ids.
    reference_rates : DataFrame, optional
        External reference rates (e.g. national): ``category``, ``rate_per_100k`` and
        optionally ``year``. When given, the rate ratio is against these rates (taken as
        exact); categories missing there fall back to the district reference.
        For ``"hela"`` with yearly rates, the mean of the years is used.
    names : dict, optional
        District id -> name, for ``area_name``.
    rate_per : float
        Unit of the ``rate`` columns.
    confidence : float
        Level of the rate-ratio interval.
    union_name : str
        Area label of the union of the focus districts.
    groups : sequence of (area id, name, member district ids), optional
        Named focus areas made of districts (:func:`geolage.focus.area_groups`). Each is
        compared as one unit, followed by its districts when it has more than one; ``focus``
        is then the union of the members. Without it each focus district is an area.

    Returns
    -------
    DataFrame
        Columns :data:`COMPARISON_COLUMNS`. ``rate``/``ref_rate`` per ``rate_per`` residents
        and year; ``ref_count``/``ref_exposure`` NaN against an external rate; ``lqc`` the
        location quotient of the category against the district reference (NaN for ``"alla"``);
        ``reference`` says what the area is compared with.

    Notes
    -----
    Rate ratio and test: :func:`rate_ratio`; LQC: :func:`location_quotients`.
    """
    all_ids = list(dict.fromkeys(rates_table["district_id"].astype(str)))
    if groups is not None:
        focus = [str(m) for _, _, members in groups for m in members]
    focus = [str(f) for f in focus]
    if not focus:
        return pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    missing = [f for f in focus if f not in all_ids]
    if missing:
        raise ValueError(f"focus districts need to be in the rates table; {len(missing)} are not, first {missing[0]!r}")
    if groups is None:
        groups = [(f, (names or {}).get(f, f), [f]) for f in focus]
    areas = focus_area_rows(groups, names or {}, union_name)
    ref_list = None if isinstance(reference, str) else [str(r) for r in reference]
    if isinstance(reference, str) and reference not in ("rest", "all"):
        raise ValueError(f"reference needs to be 'rest', 'all' or a list of district ids; got {reference!r}")
    ext = None
    if reference_rates is not None and len(reference_rates):
        ext = reference_rates.copy()
        ext["rate"] = ext["rate_per_100k"].astype(float) / 100_000
    piv_c, piv_e = _district_pivots(rates_table)
    frames = []
    for area, area_name, members in areas:
        ref_ids, ref_label = _reference_of(members, all_ids, ref_list, reference)
        c = piv_c[members].sum(axis=1)
        e = piv_e[members].sum(axis=1, min_count=1)
        # districts without population: their incidents are not comparable with person-years
        known = piv_e[ref_ids].notna()
        re_ = piv_e[ref_ids].sum(axis=1, min_count=1)
        rc = (piv_c[ref_ids] * known).sum(axis=1)
        df = pd.DataFrame({"count": c, "exposure": e, "ref_count": rc, "ref_exposure": re_}).reset_index()
        df["reference"] = ref_label
        rr = rate_ratio(df["count"], df["exposure"], df["ref_count"], df["ref_exposure"], confidence=confidence)
        df[rr.columns] = rr.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            df["ref_rate"] = df["ref_count"] / df["ref_exposure"] * rate_per
        if ext is not None:
            _against_external_rate(df, ext, rate_per=rate_per, confidence=confidence)
        df["lqc"] = _lqc_by_period(df, c, piv_c[ref_ids].sum(axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            df["rate"] = df["count"] / df["exposure"] * rate_per
        df["area"], df["area_name"] = area, area_name
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out["count"] = out["count"].astype("int64")
    return out[list(COMPARISON_COLUMNS)]


def _reference_of(members: list[str], all_ids: list[str], ref_list: list[str] | None,
                  reference: str | Sequence[str]) -> tuple[list[str], str]:
    """The reference district ids of an area and what they are called in the ``reference`` column."""
    if ref_list is not None:
        return ref_list, "reference districts"
    if reference == "all":
        return all_ids, "whole area"
    return [d for d in all_ids if d not in members], "rest of the area"


def focus_area_rows(
    groups: Sequence[tuple[str, str, Sequence[str]]], names: dict[str, str], union_name: str = ALL_FOCUS_AREAS
) -> list[tuple[str, str, list[str]]]:
    """The areas a table shows for the focus areas: each area, then its districts, then all focus areas together.

    Parameters
    ----------
    groups : sequence of (area id, name, member district ids)
    names : dict
        District id -> name.
    union_name : str
        Name of the union of all focus areas (added when there is more than one district in all).

    Returns
    -------
    list of (area id, area name, member district ids)
    """
    out: list[tuple[str, str, list[str]]] = []
    for area, name, members in groups:
        out.append((str(area), name, [str(m) for m in members]))
        if len(members) > 1:  # its parts, so the reader sees them too
            out += [(str(m), names.get(str(m), str(m)), [str(m)]) for m in members]
    union = [str(m) for _, _, members in groups for m in members]
    if len(union) > 1 and len(groups) > 1:
        out.append((ALL_FOCUS_AREAS, union_name, union))  # the code as id, a name for people
    return out


def area_parts(areas: Sequence[tuple[str, str, Sequence[str]]]) -> dict[str, tuple[str, ...]]:
    """Which areas of a table are sums of other rows: area id -> the member district ids (areas of 2+ districts).

    Disclosure control (:func:`geolage.run.disclosure.complementary_suppression`) uses it to
    protect hidden counts of districts against "area minus its visible districts".
    """
    return {str(a): tuple(str(m) for m in members) for a, _, members in areas
            if len(members) > 1 or str(members[0]) != str(a)}


def _district_pivots(rates_table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts and exposures with one column per district, one row per (category, period).

    Missing counts are 0; a missing exposure (unknown population) stays NaN.
    """
    t = rates_table[["district_id", "category", "period", "count", "exposure"]].copy()
    t["district_id"] = t["district_id"].astype(str)
    t["exposure"] = t["exposure"].where(np.isfinite(t["exposure"]), np.nan)
    dup = t.duplicated(["category", "period", "district_id"])
    if dup.any():
        raise ValueError(f"rates_table needs one row per district, category and period; {int(dup.sum())} "
                         f"duplicates, first {t.loc[dup].iloc[0][['district_id', 'category', 'period']].tolist()}")
    keyed = t.set_index(["category", "period", "district_id"])
    piv_c = keyed["count"].unstack("district_id").fillna(0)
    piv_e = keyed["exposure"].unstack("district_id")  # NaN stays NaN (unknown population)
    return piv_c, piv_e


def _against_external_rate(df: pd.DataFrame, ext: pd.DataFrame, *, rate_per: float, confidence: float) -> None:
    """Where ``ext`` has a rate for the row's category and period, compare against it (taken as exact), in place."""
    ext_rate = _external_rate(ext, df["category"], df["period"])
    use = ext_rate.notna().to_numpy()
    if use.any():
        rx = rate_ratio(df.loc[use, "count"], df.loc[use, "exposure"], ref_rate=ext_rate[use], confidence=confidence)
        df.loc[use, rx.columns] = rx.to_numpy()
        df.loc[use, "ref_rate"] = ext_rate[use].to_numpy() * rate_per
        df.loc[use, ["ref_count", "ref_exposure"]] = np.nan
        df.loc[use, "reference"] = "external rate"


def _lqc_by_period(df: pd.DataFrame, area_counts: pd.Series, ref_counts: pd.Series) -> np.ndarray:
    """Location quotient of each row's category against the district reference, per period (NaN for all categories).

    ``area_counts`` and ``ref_counts`` are indexed by (category, period); this is
    :func:`location_quotients` for every period at once.
    """
    cats = [k for k in df["category"].unique() if k != ALL_CATEGORIES]
    area_wide = area_counts.unstack("category").reindex(columns=cats)
    ref_wide = ref_counts.unstack("category").reindex(columns=cats)
    with np.errstate(divide="ignore", invalid="ignore"):
        lq = (area_wide.div(area_wide.sum(axis=1).replace(0, np.nan), axis=0)
              / ref_wide.div(ref_wide.sum(axis=1).replace(0, np.nan), axis=0).replace(0, np.nan))
    lq_long = lq.stack(future_stack=True)
    return lq_long.reindex(pd.MultiIndex.from_arrays([df["period"], df["category"]])).to_numpy()


def _external_rate(ext: pd.DataFrame, categories: pd.Series, periods: pd.Series) -> pd.Series:
    """External reference rate per person-year for each (category, period); NaN where none."""
    if "year" in ext and ext["year"].notna().any():
        e = ext.dropna(subset=["year"]).copy()
        e["year"] = e["year"].astype(int).astype(str)
        by_year = e.set_index(["category", "year"])["rate"]
        mean = e.groupby("category")["rate"].mean()
        vals = []
        for k, p in zip(categories, periods, strict=True):
            if p == WHOLE_PERIOD:
                vals.append(mean.get(k, np.nan))
            else:
                vals.append(by_year.get((k, str(p)[:4]), np.nan))
        return pd.Series(vals, index=categories.index, dtype=float)
    m = ext.groupby("category")["rate"].mean()
    return categories.map(m).astype(float)


def funnel_table(
    rates_table: pd.DataFrame,
    *,
    rate_per: float = 1000,
    levels: tuple[float, float] = (0.95, 0.998),
) -> pd.DataFrame:
    """Funnel-plot limits for every district, category and period against the whole area's rate.

    Parameters
    ----------
    rates_table : DataFrame
        The ``rates_district`` table (``district_id``, ``district_name``, ``category``,
        ``period``, ``population``, ``exposure``, ``count``).
    rate_per : float
        Unit of the rate columns.
    levels : (float, float)
        The inner and outer limits; default 95 % and 99.8 %.

    Returns
    -------
    DataFrame
        Columns :data:`FUNNEL_COLUMNS`. ``ref_rate`` is the rate of all districts with a known
        population; limits per :func:`funnel_limits`; ``funnel_position`` is ``"above_998"``,
        ``"above_95"``, ``"within"``, ``"below_95"``, ``"below_998"`` (None without population).

    Notes
    -----
    Spiegelhalter (2005), see :func:`funnel_limits`.
    """
    t = rates_table.copy()
    if hasattr(t, "geometry"):
        t = pd.DataFrame(t.drop(columns="geometry"))
    known = np.isfinite(t["exposure"]) & (t["exposure"] > 0)
    tot = t[known].groupby(["category", "period"]).agg(c=("count", "sum"), e=("exposure", "sum"))
    ref = (tot["c"] / tot["e"]).rename("ref")
    t = t.join(ref, on=["category", "period"])
    lim = funnel_limits(t["exposure"], t["ref"], levels=levels)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = t["count"].to_numpy() / t["exposure"].to_numpy()
    out = pd.DataFrame(
        {
            "district_id": t["district_id"].to_numpy(),
            "district_name": t["district_name"].to_numpy(),
            "category": t["category"].to_numpy(),
            "period": t["period"].to_numpy(),
            "population": t["population"].to_numpy(),
            "exposure": t["exposure"].to_numpy(),
            "count": t["count"].to_numpy(),
            "rate": np.where(known, rate, np.nan) * rate_per,
            "ref_rate": t["ref"].to_numpy() * rate_per,
        }
    )
    keys = list(lim.columns)
    for k in keys:
        out[k] = lim[k].to_numpy() * rate_per
    lo_in, hi_in, lo_out, hi_out = (out[k].to_numpy() for k in keys)
    r = out["rate"].to_numpy()
    pos = np.select(
        [r > hi_out, r > hi_in, r < lo_out, r < lo_in], ["above_998", "above_95", "below_998", "below_95"], "within"
    ).astype(object)
    pos[~np.isfinite(r) | ~np.isfinite(hi_in)] = None
    out["funnel_position"] = pos
    out.columns = list(FUNNEL_COLUMNS)
    return out

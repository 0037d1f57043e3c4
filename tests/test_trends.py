"""Tests of geolage.stats.trends (Mann–Kendall, Poisson/NB trends, period change, series, planted trends)
and geolage.text.trends (directions in words)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from geolage.stats.compare import ALL_FOCUS_AREAS
from geolage.stats.trends import (
    DIRECTIONS,
    SERIES_COLUMNS,
    TREND_COLUMNS,
    WHOLE_AREA,
    YEAR_TO_DATE_COLUMNS,
    analysis_areas,
    direction,
    make_series,
    mann_kendall,
    poisson_trend,
    rate_change,
    trend,
    trend_table,
    year_to_date,
)
from geolage.text.trends import DIRECTION_LABELS, direction_label, direction_words


def districts(n=3, pop=10000.0, focus=("d0", "d1")):
    ids = [f"d{i}" for i in range(n)]
    return pd.DataFrame({"district_id": ids, "district_name": [f"D{i}" for i in range(n)],
                         "population": pop, "is_focus": [i in focus for i in ids]},
                        index=pd.Index(ids, name="district_id"))


def planted_incidents(means_by_district: dict[str, list[float]], *, seed=1, category="hot") -> pd.DataFrame:
    """Poisson counts per district and year 2018.. with the given yearly means, uniform times within the year."""
    rng = np.random.default_rng(seed)
    rows = []
    for d, means in means_by_district.items():
        for k, mu in enumerate(means):
            n = rng.poisson(mu)
            start = pd.Timestamp(year=2018 + k, month=1, day=1)
            sec = rng.uniform(0, 365 * 86400, n)
            rows += [(d, category, start + pd.Timedelta(seconds=s)) for s in sec]
    return pd.DataFrame(rows, columns=["district_id", "category", "time"])


# --------------------------------------------------------------------------- inputs
def test_direction_label_rejects_unknown_language_and_code():
    with pytest.raises(ValueError, match="language needs to be 'sv' or 'en'"):
        direction_label("up", language="de")
    with pytest.raises(ValueError, match="code needs to be one of up, down, none; got 'ökar'"):
        direction_label("ökar")


# --------------------------------------------------------------------------- Mann-Kendall
def test_mann_kendall_hand_worked_with_ties():
    # y = 1, 2, 2, 4: pairs (i<j) signs: +,+,+ | 0,+ | + -> S = 5
    # Var S = [4*3*13 - 2*1*9] / 18 = (156 - 18) / 18 = 7.667; z = (5 - 1) / sqrt(7.667) = 1.4446
    r = mann_kendall([1, 2, 2, 4])
    assert r["mk_s"] == 5
    assert r["mk_var_s"] == pytest.approx(138 / 18)
    assert r["mk_z"] == pytest.approx(4 / np.sqrt(138 / 18))
    assert r["mk_p"] == pytest.approx(2 * stats.norm.sf(4 / np.sqrt(138 / 18)))
    assert r["mk_p"] == pytest.approx(0.1486, abs=1e-4)


def test_mann_kendall_decreasing_no_ties_and_short():
    r = mann_kendall([5, 4, 3, 2, 1])
    assert r["mk_s"] == -10 and r["mk_var_s"] == pytest.approx(5 * 4 * 15 / 18)
    assert r["mk_z"] == pytest.approx(-9 / np.sqrt(5 * 4 * 15 / 18))
    assert np.isnan(mann_kendall([1, 2])["mk_s"])
    assert mann_kendall([3, 3, 3])["mk_p"] == 1.0


def test_mann_kendall_s_equals_kendall_tau_numerator():
    y = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    # tau-b = S / sqrt(n0 (n0 - n_y)) with n0 = n(n-1)/2 pairs and n_y = 1 tied pair (the two 1s)
    tau = stats.kendalltau(np.arange(y.size), y).statistic
    n0 = y.size * (y.size - 1) / 2
    assert mann_kendall(y)["mk_s"] == pytest.approx(tau * np.sqrt(n0 * (n0 - 1)))


# --------------------------------------------------------------------------- regression
def test_poisson_trend_equals_statsmodels_glm():
    import statsmodels.api as sm

    y = np.array([12, 15, 11, 19, 22, 20, 27])
    expo = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5])
    t = np.arange(2018, 2025)
    r = poisson_trend(y, expo, t)
    x = sm.add_constant(t - t.mean())
    fit = sm.GLM(y, x, family=sm.families.Poisson(), offset=np.log(expo)).fit()
    lo, hi = fit.conf_int()[1]
    assert r["trend_model"] == "poisson"
    assert r["trend_pct_per_year"] == pytest.approx(100 * np.expm1(fit.params[1]))
    assert r["trend_ci_low"] == pytest.approx(100 * np.expm1(lo))
    assert r["trend_ci_high"] == pytest.approx(100 * np.expm1(hi))
    assert r["trend_dispersion"] == pytest.approx(fit.pearson_chi2 / 5)


def test_poisson_trend_partial_last_year_makes_no_trend():
    # same rate every year; the last year is only half analysed
    r = poisson_trend([100, 100, 100, 100, 50], [1, 1, 1, 1, 0.5])
    assert r["trend_pct_per_year"] == pytest.approx(0.0, abs=1e-8)


def test_poisson_trend_switches_to_negative_binomial_when_overdispersed():
    y = [5, 60, 8, 70, 4, 90, 10, 80]
    r = poisson_trend(y)
    assert r["trend_model"] in ("negbin", "quasipoisson")
    assert r["trend_dispersion"] > 10
    pois_width = 2 * 1.96 * 0.02  # far narrower than the NB interval
    assert (r["trend_ci_high"] - r["trend_ci_low"]) / 100 > pois_width


def test_poisson_trend_degenerate_series():
    assert poisson_trend([0, 0, 0, 0])["trend_model"] == "none"
    assert poisson_trend([3, 4])["trend_model"] == "none"
    sep = poisson_trend([0, 0, 0, 0, 5])  # all incidents in the last year: no finite MLE
    assert np.isnan(sep["trend_pct_per_year"])


def test_direction_codes():
    assert direction(1.0, 5.0) == "up"
    assert direction(-5.0, -1.0) == "down"
    assert direction(-5.0, 1.0) == "none"
    assert direction(float("nan"), float("nan")) == "none"


def test_direction_words():
    assert set(DIRECTION_LABELS) == set(DIRECTIONS)  # every code has words
    assert direction_label(direction(1.0, 5.0)) == "ökar"
    assert direction_label(direction(-5.0, -1.0)) == "minskar"
    assert direction_label(direction(-5.0, 1.0)) == "ingen säker förändring"
    assert direction_label(direction(float("nan"), float("nan")), "en") == "no certain change"
    assert direction_label(direction(-5.0, -1.0), "en") == "decreasing"


def test_trend_planted_increase_and_english():
    r = trend([20, 26, 33, 43, 56, 72, 94], time=range(2018, 2025))
    assert r["direction"] == "up" and direction_label(r["direction"], "en") == "increasing"
    assert r["trend_pct_per_year"] == pytest.approx(30, abs=5)
    assert r["mk_p"] < 0.01


def test_rate_change_hand_worked():
    # 50 then 80 in equal periods: given 130, the current count is Bin(130, 1/2)
    r = rate_change(50, 80)
    assert r["change_pct"] == pytest.approx(60.0)
    assert r["change_p"] == pytest.approx(2 * stats.binom.sf(79, 130, 0.5))
    # a period twice as long: 50 in 1 year vs 100 in 2 years is no change
    assert rate_change(50, 100, 1.0, 2.0)["change_pct"] == pytest.approx(0.0)


def test_flat_poisson_series_flagged_at_about_alpha():
    rng = np.random.default_rng(2024)
    n_series = 400
    flagged = 0
    for _ in range(n_series):
        y = rng.poisson(25, 7)
        flagged += trend(y, time=range(2018, 2025))["direction"] != "none"
    share = flagged / n_series
    # expected about 0.05 (binomial sd ~0.011); NB switching only makes it more conservative
    assert 0.015 <= share <= 0.09


# --------------------------------------------------------------------------- tables
def test_analysis_areas_union_and_whole():
    areas = analysis_areas(districts())
    assert [a for a, _, _ in areas] == ["d0", "d1", "d2", ALL_FOCUS_AREAS, WHOLE_AREA]
    assert areas[3][2] == ["d0", "d1"] and areas[4][2] == ["d0", "d1", "d2"]


def test_make_series_counts_add_up():
    inc = planted_incidents({"d0": [10, 20], "d1": [5, 5], "d2": [0, 3]})
    d = districts()
    s = make_series(inc, d, start=dt.date(2018, 1, 1), end=dt.date(2019, 12, 31))
    assert list(s.columns) == list(SERIES_COLUMNS)
    y = s[(s["unit"] == "year") & (s["category"] == "alla")].set_index(["area", "period"])["count"]
    assert y[(WHOLE_AREA, "2018")] + y[(WHOLE_AREA, "2019")] == len(inc)
    assert y[(ALL_FOCUS_AREAS, "2019")] == y[("d0", "2019")] + y[("d1", "2019")]
    m = s[(s["unit"] == "month") & (s["category"] == "alla") & (s["area"] == WHOLE_AREA)]
    assert m["count"].sum() == len(inc) and len(m) == 24
    ex = s[(s["unit"] == "year") & (s["area"] == "d0")]["exposure"]
    assert (ex == 10000.0).all()


def test_trend_table_planted_trend_difference_between_areas():
    years = 7
    up = [60 * 1.25**k for k in range(years)]
    down = [150 * 0.8**k for k in range(years)]
    flat = [80.0] * years
    inc = planted_incidents({"d0": up, "d1": down, "d2": flat}, seed=7)
    d = districts()
    s = make_series(inc, d, units=("year",), start=dt.date(2018, 1, 1), end=dt.date(2024, 12, 31))
    tt = trend_table(s, inc, d, start=dt.date(2018, 1, 1), end=dt.date(2024, 12, 31))
    assert list(tt.columns) == list(TREND_COLUMNS)
    got = tt[tt["category"] == "hot"].set_index("area")
    assert got.loc["d0", "direction"] == "up" and got.loc["d0", "trend_ci_low"] > 0
    assert got.loc["d1", "direction"] == "down" and got.loc["d1", "trend_ci_high"] < 0
    assert got.loc["d2", "direction"] == "none"
    words = direction_words(tt).loc[tt["category"] == "hot"].set_index("area")["direction"]
    assert list(words[["d0", "d1", "d2"]]) == ["ökar", "minskar", "ingen säker förändring"]
    assert set(tt["direction"]) <= set(DIRECTIONS)  # the input is not changed
    assert got.loc["d0", "trend_pct_per_year"] == pytest.approx(25, abs=8)
    assert got.loc["d0", "mk_s"] > 0 and got.loc["d1", "mk_s"] < 0
    # default change: the last 12 months (2024) against 2023
    n24 = ((inc["district_id"] == "d0") & (inc["time"].dt.year == 2024)).sum()
    n23 = ((inc["district_id"] == "d0") & (inc["time"].dt.year == 2023)).sum()
    assert got.loc["d0", "change_current"] == n24 and got.loc["d0", "change_baseline"] == n23


def test_trend_table_explicit_periods():
    inc = planted_incidents({"d0": [10, 10, 10], "d1": [5, 5, 5], "d2": [1, 1, 1]}, seed=3)
    d = districts()
    s = make_series(inc, d, units=("year",), start=dt.date(2018, 1, 1), end=dt.date(2020, 12, 31))
    tt = trend_table(s, inc, d, baseline=(dt.date(2018, 1, 1), dt.date(2018, 12, 31)),
                     current=(dt.date(2020, 1, 1), dt.date(2020, 12, 31)))
    row = tt[(tt["area"] == "d0") & (tt["category"] == "alla")].iloc[0]
    n18 = ((inc["district_id"] == "d0") & (inc["time"].dt.year == 2018)).sum()
    assert row["change_baseline"] == n18
    assert row["direction"] in DIRECTIONS
    english = direction_words(tt, "en")
    assert set(english["direction"]) <= {"increasing", "decreasing", "no certain change"}
    assert english.drop(columns="direction").equals(tt.drop(columns="direction"))


def test_year_to_date_hand_worked():
    inc = pd.DataFrame({"district_id": ["d0"] * 5, "category": ["hot"] * 5,
                        "time": pd.to_datetime(["2022-02-01", "2022-08-01", "2023-03-01", "2024-01-10",
                                                "2024-03-31"])})
    y = year_to_date(inc, districts(), as_of=dt.date(2024, 3, 31), start=dt.date(2022, 1, 1))
    assert list(y.columns) == list(YEAR_TO_DATE_COLUMNS)
    r = y[(y["area"] == "d0") & (y["category"] == "hot")].set_index("year")
    assert r["count"].tolist() == [1, 1, 2]  # 2022-08-01 is after 31 March
    assert r.loc[2024, "ytd_mean_earlier"] == 1.0
    assert r.loc[2024, "ytd_change_pct"] == pytest.approx(100.0)
    assert np.isnan(r.loc[2022, "ytd_p"])


def test_trend_old_language_argument_still_works_with_a_deprecation_warning():
    """The public geolage.trend kept its old ``language`` argument (deprecated, not broken)."""
    import warnings

    import geolage

    counts = [10, 14, 19, 27, 38, 52]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = geolage.trend(counts, time=range(2019, 2025), language="sv")
    assert [w.category for w in caught] == [DeprecationWarning]
    assert old["direction"] == "ökar"
    new = geolage.trend(counts, time=range(2019, 2025))
    assert new["direction"] == "up"
    assert {k: v for k, v in old.items() if k != "direction"} == {k: v for k, v in new.items() if k != "direction"}

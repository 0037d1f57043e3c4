"""Tests of geolage.stats.compare: rate ratios, LQC, funnel limits, coverage, area comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from geolage.stats.compare import (
    ALL_FOCUS_AREAS,
    COMPARISON_COLUMNS,
    COVERAGE_COLUMNS,
    FUNNEL_COLUMNS,
    compare_areas,
    coverage,
    funnel_limits,
    funnel_table,
    location_quotients,
    rate_ratio,
)


def rates_table(rows):
    """Rows of (district_id, category, period, count, exposure)."""
    df = pd.DataFrame(rows, columns=["district_id", "category", "period", "count", "exposure"])
    df["district_name"] = df["district_id"].str.upper()
    df["population"] = df["exposure"]
    return df


# --------------------------------------------------------------------------- inputs
def test_rate_ratio_needs_a_reference():
    with pytest.raises(ValueError, match="needs ref_count and ref_exposure, or ref_rate"):
        rate_ratio([1], [10])


def test_compare_areas_rejects_unknown_focus_and_reference():
    t = rates_table([("a", "hot", "hela", 1, 10.0), ("b", "hot", "hela", 1, 10.0)])
    with pytest.raises(ValueError, match="focus districts need to be in the rates table"):
        compare_areas(t, focus=["x"])
    with pytest.raises(ValueError, match="reference needs to be 'rest', 'all' or a list"):
        compare_areas(t, focus=["a"], reference="national")


# --------------------------------------------------------------------------- rate ratio
def test_rate_ratio_exact_conditional_against_independent_computation():
    x1, e1, x2, e2 = 3, 500.0, 40, 3000.0
    r = rate_ratio([x1], [e1], [x2], [e2]).iloc[0]
    assert r["rate_ratio"] == pytest.approx((3 / 500) / (40 / 3000))
    # Clopper-Pearson interval of the binomial proportion (scipy), turned into a ratio
    ci = stats.binomtest(x1, x1 + x2).proportion_ci(0.95, method="exact")
    to_rr = lambda p: p / (1 - p) * e2 / e1  # noqa: E731
    assert r["rr_ci_low"] == pytest.approx(to_rr(ci.low))
    assert r["rr_ci_high"] == pytest.approx(to_rr(ci.high))
    # central two-sided p: twice the smaller one-sided exact binomial p-value
    p0 = e1 / (e1 + e2)
    p_less = stats.binomtest(x1, x1 + x2, p0, alternative="less").pvalue
    p_greater = stats.binomtest(x1, x1 + x2, p0, alternative="greater").pvalue
    assert r["rr_p"] == pytest.approx(min(1.0, 2 * min(p_less, p_greater)))


def test_rate_ratio_equal_exposures_matches_statsmodels():
    from statsmodels.stats.rates import test_poisson_2indep

    r = rate_ratio([20], [1000], [10], [1000]).iloc[0]
    assert r["rr_p"] == pytest.approx(test_poisson_2indep(20, 1000, 10, 1000, method="exact-cond").pvalue)


def test_rate_ratio_zero_counts():
    r = rate_ratio([0, 0], [100, 100], [0, 5], [100, 100])
    assert np.isnan(r["rate_ratio"].iloc[0]) and r["rr_p"].iloc[0] == 1.0
    assert r["rate_ratio"].iloc[1] == 0.0 and r["rr_ci_low"].iloc[1] == 0.0
    assert np.isfinite(r["rr_ci_high"].iloc[1])


def test_rate_ratio_external_rate_hand_worked():
    # 10 incidents in 1000 person-years; reference rate 5 per 1000 -> expected 5
    r = rate_ratio([10], [1000], ref_rate=[0.005]).iloc[0]
    assert r["rate_ratio"] == pytest.approx(2.0)
    assert r["rr_ci_low"] == pytest.approx(4.795 / 5, abs=1e-3)
    assert r["rr_ci_high"] == pytest.approx(18.39 / 5, abs=1e-3)
    assert r["rr_p"] == pytest.approx(2 * stats.poisson.sf(9, 5))  # 2 P(X >= 10 | mean 5) = 0.0637
    assert r["rr_p"] == pytest.approx(0.0637, abs=1e-4)


# --------------------------------------------------------------------------- LQC
def test_location_quotients_hand_worked():
    # area a: 6 of its 8 incidents are threats (0.75); whole: 8 of 16 (0.5) -> LQC 1.5
    c = pd.DataFrame({"hot": [6, 2], "ran": [2, 6]}, index=["a", "b"])
    lq = location_quotients(c)
    assert lq.loc["a", "hot"] == pytest.approx(1.5)
    assert lq.loc["b", "ran"] == pytest.approx(1.5)
    ref = pd.Series({"hot": 1, "ran": 3})  # reference share of threats 0.25 -> 0.75 / 0.25 = 3
    assert location_quotients(c, ref).loc["a", "hot"] == pytest.approx(3.0)


def test_location_quotients_area_without_incidents_is_nan():
    c = pd.DataFrame({"hot": [0, 2], "ran": [0, 6]}, index=["a", "b"])
    assert location_quotients(c).loc["a"].isna().all()


# --------------------------------------------------------------------------- funnel
def test_funnel_limits_hand_worked():
    # theta = 5: the 0.975 quantile is r = 10, F(10) = 0.98630, F(9) = 0.96817,
    # alpha = (0.98630 - 0.975) / (0.98630 - 0.96817) = 0.6233 -> limit 9.377 incidents
    lim = funnel_limits([1000.0], 0.005).iloc[0]
    assert lim["lim95_high"] * 1000 == pytest.approx(9.377, abs=2e-3)
    # lower: the 0.025 quantile of Poisson(5) is 1; F(1) = 0.04043, F(0) = 0.00674,
    # alpha = (0.04043 - 0.025) / (0.04043 - 0.00674) = 0.458 -> 0.542 incidents
    assert lim["lim95_low"] * 1000 == pytest.approx(0.542, abs=2e-3)
    assert list(lim.index) == ["lim95_low", "lim95_high", "lim998_low", "lim998_high"]


def test_funnel_limits_narrow_with_exposure_and_nan_without():
    lim = funnel_limits([100.0, 10000.0, 0.0], 0.01)
    width = lim["lim95_high"] - lim["lim95_low"]
    assert width.iloc[0] > width.iloc[1]
    assert lim.iloc[2].isna().all()
    assert (lim["lim998_high"].iloc[:2] > lim["lim95_high"].iloc[:2]).all()


def test_funnel_table_flags_a_planted_outlier():
    rows = [(f"d{i}", "hot", "hela", 10, 1000.0) for i in range(9)] + [("hi", "hot", "hela", 40, 1000.0)]
    out = funnel_table(rates_table(rows))
    assert list(out.columns) == list(FUNNEL_COLUMNS)
    pos = out.set_index("district_id")["funnel_position"]
    assert pos["hi"] == "above_998"
    assert (pos.drop("hi") == "within").all()
    assert out["ref_rate"].iloc[0] == pytest.approx(130 / 10000 * 1000)


# --------------------------------------------------------------------------- coverage
def test_coverage_hand_worked():
    data = pd.DataFrame({"year": [2024, 2024, 2024], "category": ["misshandel", "hot", "stold"],
                         "count": [30, 20, 40]})
    bra = pd.DataFrame({"period": ["2024", "2024", "2024", "2024K1"], "category": ["person", "total", "theft", "total"],
                        "reported_offences": [100, 1000, 80, 5], "preliminary": [False, False, True, False]})
    cov = coverage(data, bra)
    assert list(cov.columns) == list(COVERAGE_COLUMNS)
    got = cov.set_index("bra_group")
    assert got.loc["person", "coverage"] == pytest.approx(0.5)
    assert got.loc["theft", "coverage"] == pytest.approx(0.5)
    assert bool(got.loc["theft", "preliminary"])
    assert got.loc["total", "data_count"] == 90 and got.loc["total", "coverage"] == pytest.approx(0.09)


# --------------------------------------------------------------------------- areas
def _three_districts():
    return rates_table([
        ("a", "hot", "hela", 30, 1000.0), ("a", "ran", "hela", 10, 1000.0), ("a", "alla", "hela", 40, 1000.0),
        ("b", "hot", "hela", 10, 1000.0), ("b", "ran", "hela", 10, 1000.0), ("b", "alla", "hela", 20, 1000.0),
        ("c", "hot", "hela", 10, 2000.0), ("c", "ran", "hela", 30, 2000.0), ("c", "alla", "hela", 40, 2000.0),
    ])


def test_compare_areas_rest_of_the_area():
    out = compare_areas(_three_districts(), focus=["a", "b"], names={"a": "A", "b": "B"})
    assert list(out.columns) == list(COMPARISON_COLUMNS)
    assert set(out["area"]) == {"a", "b", ALL_FOCUS_AREAS}
    r = out.set_index(["area", "category"]).loc[("a", "hot")]
    assert r["area_name"] == "A"
    assert r["ref_count"] == 20 and r["ref_exposure"] == 3000.0  # b + c
    assert r["rate"] == pytest.approx(30.0) and r["ref_rate"] == pytest.approx(20 / 3)
    exp = rate_ratio([30], [1000.0], [20], [3000.0]).iloc[0]
    assert r["rate_ratio"] == pytest.approx(exp["rate_ratio"]) and r["rr_p"] == pytest.approx(exp["rr_p"])
    # LQC: a has 30/40 threats; the rest 20/60 -> 0.75 / (1/3) = 2.25
    assert r["lqc"] == pytest.approx(2.25)
    u = out.set_index(["area", "category"]).loc[(ALL_FOCUS_AREAS, "alla")]
    assert u["count"] == 60 and u["ref_count"] == 40 and u["exposure"] == 2000.0


def test_compare_areas_whole_and_listed_reference():
    whole = compare_areas(_three_districts(), focus=["a"], reference="all").set_index("category")
    assert whole.loc["hot", "ref_count"] == 50
    listed = compare_areas(_three_districts(), focus=["a"], reference=["c"]).set_index("category")
    assert listed.loc["hot", "ref_count"] == 10 and listed.loc["hot", "ref_exposure"] == 2000.0


def test_compare_areas_external_reference_rates():
    ext = pd.DataFrame({"category": ["hot"], "rate_per_100k": [1000.0]})  # 10 per 1,000
    out = compare_areas(_three_districts(), focus=["a"], reference_rates=ext).set_index("category")
    assert out.loc["hot", "reference"] == "external rate"
    assert out.loc["hot", "ref_rate"] == pytest.approx(10.0)
    assert out.loc["hot", "rate_ratio"] == pytest.approx(3.0)
    assert np.isnan(out.loc["hot", "ref_count"])
    assert out.loc["ran", "reference"] == "rest of the area"  # no external rate: district reference


def test_compare_areas_without_focus_is_empty_with_columns():
    out = compare_areas(_three_districts(), focus=[])
    assert out.empty and list(out.columns) == list(COMPARISON_COLUMNS)

"""Tests of geolage.stats.priorities (the summary's ranking rule) and geolage.text.priorities (its words)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from geolage.stats.compare import rate_ratio
from geolage.stats.priorities import (
    ALPHA,
    CERTAINTIES,
    DEVELOPMENT_YEARS,
    MIN_COUNT,
    PRIORITY_COLUMNS,
    VOLUME_HALF,
    certainty,
    certainty_count,
    rank_problems,
)
from geolage.stats.trends import poisson_trend
from geolage.text.priorities import (
    CERTAINTY_LABELS,
    COMPONENT_LABELS,
    RULE_DESCRIPTION,
    certainty_label,
    component_words,
)

# ---------------------------------------------------------------- inputs


def test_needs_a_category_column():
    with pytest.raises(ValueError, match="needs a 'category' column"):
        rank_problems(pd.DataFrame({"count": [3]}))


def test_categories_need_to_be_unique():
    with pytest.raises(ValueError, match="unique; got 'rån' more than once"):
        rank_problems(pd.DataFrame({"category": ["rån", "rån"], "count": [3, 4]}))


@pytest.mark.parametrize("top", [0, -1, 2.5])
def test_top_needs_to_be_a_positive_whole_number(top):
    with pytest.raises(ValueError, match="top needs to be a whole number"):
        rank_problems(pd.DataFrame({"category": ["rån"], "count": [3]}), top=top)


def test_every_problem_is_reported_at_once():
    bad = pd.DataFrame({"category": ["a", "b"], "count": [-1, 5], "hotspot_share": [0.2, 1.5],
                        "rr_lo": [2.0, 1.0], "rr_hi": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"count needs .* hotspot_share needs .*1\.5.* rr_lo needs to be at most"):
        rank_problems(bad)


# ---------------------------------------------------------------- outputs: the planted problem


def _simulated_profile(seed: int) -> tuple[pd.DataFrame, str]:
    """Six years of Poisson counts per category in an area and its reference; one planted worst problem.

    The planted category has 2.5 times the reference rate, grows 15 % a year and 60 % of it lies in
    hot spots; the others have ratios 0.8–1.3, no trend and 5–30 % in hot spots.
    """
    rng = np.random.default_rng(seed)
    years = np.arange(2019, 2025)
    pop, ref_pop = 12_000, 100_000
    base = {"stöld": 0.020, "skadegörelse": 0.010, "våld": 0.006, "rån": 0.002, "narkotika": 0.004,
            "bedrägeri": 0.008, "inbrott": 0.003, "hot": 0.005}
    ratios = dict(zip(base, [1.3, 1.1, 2.5, 1.2, 0.8, 1.0, 1.25, 0.9], strict=True))
    growth = {c: 0.15 if c == "våld" else 0.0 for c in base}
    share = dict(zip(base, [0.3, 0.2, 0.6, 0.1, 0.25, 0.05, 0.15, 0.2], strict=True))
    rows = []
    for c, rate in base.items():
        trend_factor = (1 + growth[c]) ** (years - years[0])
        area = rng.poisson(rate * ratios[c] * pop * trend_factor)
        ref = rng.poisson(rate * ref_pop, size=len(years))
        rr = rate_ratio(area.sum(), pop * len(years), ref.sum(), ref_pop * len(years)).iloc[0]
        tr = poisson_trend(area, np.full(len(years), pop), years)
        rows.append({"category": c, "count": int(area.sum()), "rate_ratio": rr["rate_ratio"],
                     "rr_lo": rr["rr_ci_low"], "rr_hi": rr["rr_ci_high"],
                     "trend_pct_per_year": tr["trend_pct_per_year"], "trend_p": tr["trend_p"],
                     "hotspot_share": rng.binomial(int(area.sum()), share[c]) / area.sum()})
    rows.append({"category": "alla", "count": sum(r["count"] for r in rows), "rate_ratio": 1.2,
                 "rr_lo": 1.15, "rr_hi": 1.25, "trend_pct_per_year": 3.0, "trend_p": 0.001, "hotspot_share": 0.3})
    return pd.DataFrame(rows), "våld"


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_planted_worst_problem_comes_first(seed):
    profile, planted = _simulated_profile(seed)
    ranked = rank_problems(profile)
    assert ranked["category"].iloc[0] == planted
    assert ranked["priority_rank"].tolist() == [1, 2, 3, 4, 5]
    assert "alla" not in ranked["category"].tolist()
    assert ranked["priority_score"].is_monotonic_decreasing
    # every component of the planted problem is positive and certain enough to count
    first = ranked.iloc[0]
    assert first["level_score"] > 0
    assert first["development_score"] > 0
    assert first["score_components"] == "level,yearly_trend,hotspot_share,volume"


def test_a_planted_problem_that_wins_only_by_combining_the_parts():
    """The planted category has a lower level than another but grows and is concentrated in hot spots."""
    rng = np.random.default_rng(7)
    years = np.arange(2019, 2025)
    pop, ref_pop = 15_000, 100_000
    spec = {  # rate per person-year in the reference, ratio, yearly growth, hot spot share
        "planted": (0.006, 1.5, 0.20, 0.7),
        "high_level": (0.006, 1.9, 0.0, 0.1),
        "moderate": (0.010, 1.3, 0.05, 0.3),
    }
    rows = []
    for c, (rate, ratio, growth, share) in spec.items():
        area = rng.poisson(rate * ratio * pop * (1 + growth) ** (years - years[0]) / (1 + growth) ** 2.5)
        ref = rng.poisson(rate * ref_pop, size=len(years))
        rr = rate_ratio(area.sum(), pop * len(years), ref.sum(), ref_pop * len(years)).iloc[0]
        tr = poisson_trend(area, np.full(len(years), pop), years)
        rows.append({"category": c, "count": int(area.sum()), "rr_lo": rr["rr_ci_low"], "rr_hi": rr["rr_ci_high"],
                     "trend_pct_per_year": tr["trend_pct_per_year"], "trend_p": tr["trend_p"],
                     "hotspot_share": rng.binomial(int(area.sum()), share) / area.sum()})
    ranked = rank_problems(pd.DataFrame(rows)).set_index("category")
    assert ranked.loc["high_level", "level_score"] > ranked.loc["planted", "level_score"]  # level alone: wrong
    assert ranked.index[0] == "planted"
    assert ranked.loc["planted", "development_score"] > 0
    assert ranked.loc["high_level", "development_score"] == 0.0  # no certain trend


def test_output_columns_and_the_input_untouched():
    profile, _ = _simulated_profile(1)
    before = profile.copy()
    ranked = rank_problems(profile, top=3)
    assert list(ranked.columns) == [*profile.columns, *PRIORITY_COLUMNS]
    assert len(ranked) == 3
    assert list(ranked.index) == [0, 1, 2]
    pd.testing.assert_frame_equal(profile, before)
    assert set(ranked["certainty"]) <= set(CERTAINTIES)


def test_scores_by_hand():
    profile = pd.DataFrame({
        "category": ["a", "b", "c", "d", "e"],
        "count": [100, 40, 60, 30, 200],
        "rate_ratio": [2.4, 1.2, 1.6, 0.5, 1.0],
        "rr_lo": [2.0, 0.9, np.nan, 0.3, 0.9],
        "rr_hi": [3.0, 1.6, np.nan, 0.8, 1.1],
        "trend_pct_per_year": [10.0, 10.0, np.nan, np.nan, -20.0],
        "trend_p": [0.01, 0.2, np.nan, np.nan, 0.001],
        "change_ratio": [5.0, 1.5, 1.4, 1.2, 2.0],
        "change_lo": [4.0, 1.2, np.nan, 0.9, 1.5],
        "change_hi": [6.0, 1.9, np.nan, 1.6, 2.6],
        "hotspot_share": [0.5, np.nan, 0.0, 0.25, 0.1],
    })
    out = rank_problems(profile).set_index("category")
    w = {c: n / (n + VOLUME_HALF) for c, n in zip(profile["category"], profile["count"], strict=True)}
    level = {"a": math.log(2.0), "b": 0.0, "c": math.log(1.6), "d": math.log(0.8), "e": 0.0}
    # a: significant trend wins over the change; b: trend not significant -> 0 (not the change);
    # c: change without limits -> its point estimate; d: change interval includes 1 -> 0
    development = {"a": DEVELOPMENT_YEARS * math.log(1.1), "b": 0.0, "c": math.log(1.4), "d": 0.0,
                   "e": DEVELOPMENT_YEARS * math.log(0.8)}
    concentration = {"a": 0.5, "b": 0.0, "c": 0.0, "d": 0.25, "e": 0.1}
    for c in "abcde":
        assert out.loc[c, "level_score"] == pytest.approx(level[c], abs=1e-12)
        assert out.loc[c, "development_score"] == pytest.approx(development[c], abs=1e-12)
        assert out.loc[c, "concentration_score"] == pytest.approx(concentration[c], abs=1e-12)
        assert out.loc[c, "volume_weight"] == pytest.approx(w[c], abs=1e-12)
        expected = w[c] * (level[c] + development[c] + concentration[c])
        assert out.loc[c, "priority_score"] == pytest.approx(expected, abs=1e-12)
    assert out.loc["a", "score_components"] == "level,yearly_trend,hotspot_share,volume"
    assert out.loc["b", "score_components"] == "level,yearly_trend,volume"
    assert out.loc["c", "score_components"] == "level,period_change,hotspot_share,volume"
    assert list(out.index) == ["a", "c", "d", "b", "e"]


def test_a_tiny_count_with_a_huge_ratio_does_not_outrank_a_large_significant_one():
    tiny = rate_ratio(3, 1_000, 10, 100_000).iloc[0]  # ratio 30, interval well above 1
    large = rate_ratio(400, 10_000, 2_900, 100_000).iloc[0]  # ratio 1.38, narrow interval
    assert tiny["rr_ci_low"] > large["rr_ci_high"]  # the tiny one's level alone would win
    profile = pd.DataFrame({
        "category": ["tiny", "large"], "count": [3, 400],
        "rate_ratio": [tiny["rate_ratio"], large["rate_ratio"]],
        "rr_lo": [tiny["rr_ci_low"], large["rr_ci_low"]], "rr_hi": [tiny["rr_ci_high"], large["rr_ci_high"]],
        "hotspot_share": [1.0, 0.2],
    })
    ranked = rank_problems(profile)
    assert ranked["category"].tolist() == ["large", "tiny"]
    assert ranked.loc[1, "priority_score"] == 0.0
    assert ranked.loc[1, "certainty"] == "low"
    assert ranked.loc[0, "certainty"] == "high"


def test_from_the_minimum_count_on_a_strong_certain_excess_does_count():
    profile = pd.DataFrame({"category": ["few", "many"], "count": [MIN_COUNT - 1, MIN_COUNT],
                            "rr_lo": [3.0, 3.0], "rr_hi": [20.0, 20.0]})
    out = rank_problems(profile).set_index("category")
    assert out.loc["few", "priority_score"] == 0.0
    assert out.loc["many", "priority_score"] == pytest.approx(MIN_COUNT / (MIN_COUNT + VOLUME_HALF) * math.log(3))


def test_missing_component_columns_work():
    profile, planted = _simulated_profile(2)
    only_level = profile[["category", "count", "rr_lo", "rr_hi"]]
    ranked = rank_problems(only_level, top=10)
    assert (ranked["development_score"] == 0).all()
    assert (ranked["concentration_score"] == 0).all()
    assert set(ranked["score_components"]) == {"level,volume"}
    n = ranked["count"]
    expected = n / (n + VOLUME_HALF) * np.log(ranked["rr_lo"].where(ranked["rr_lo"] > 1, 1.0))
    hi_below = ranked["rr_hi"] < 1
    expected[hi_below] = (n / (n + VOLUME_HALF) * np.log(ranked["rr_hi"]))[hi_below]
    np.testing.assert_allclose(ranked["priority_score"], expected, rtol=0, atol=1e-12)
    assert ranked["category"].iloc[0] == planted  # its level alone is the largest


def test_no_count_column_means_weight_one_and_certainty_from_the_interval():
    profile = pd.DataFrame({"category": ["a", "b"], "rr_lo": [1.5, 1.1], "rr_hi": [2.0, 3.0]})
    ranked = rank_problems(profile)
    assert ranked["volume_weight"].tolist() == [1.0, 1.0]
    assert ranked["priority_score"].tolist() == pytest.approx([math.log(1.5), math.log(1.1)])
    assert ranked["certainty"].tolist() == ["high", "low"]
    assert ranked["score_components"].tolist() == ["level", "level"]


def test_only_a_category_column_gives_zero_scores_in_name_order():
    ranked = rank_problems(pd.DataFrame({"category": ["våld", "bedrägeri", "rån"]}))
    assert ranked["category"].tolist() == ["bedrägeri", "rån", "våld"]
    assert ranked["priority_score"].tolist() == [0.0, 0.0, 0.0]
    assert ranked["score_components"].tolist() == ["", "", ""]
    assert ranked["certainty"].tolist() == ["low", "low", "low"]


def test_ties_are_broken_by_count_then_name_whatever_the_input_order():
    profile = pd.DataFrame({"category": ["c", "a", "b", "d"], "count": [50, 50, 80, 50],
                            "rr_lo": [0.9] * 4, "rr_hi": [1.2] * 4})
    expected = ["b", "a", "c", "d"]
    for seed in range(4):
        shuffled = profile.sample(frac=1, random_state=seed)
        assert rank_problems(shuffled)["category"].tolist() == expected


# ---------------------------------------------------------------- certainty


def test_certainty_counts_are_the_smallest_counts_meeting_the_width():
    for limit in (1.5, 2.5):
        brute = next(n for n in range(1, 10_000) if math.exp(2 * 1.959963984540054 / math.sqrt(n)) <= limit)
        assert certainty_count(limit) == brute
    assert (certainty_count(1.5), certainty_count(2.5)) == (94, 19)


def test_certainty_words_follow_the_interval_width():
    widths = [1.2, 1.5, 1.51, 2.0, 2.5, 2.51, 6.0]
    profile = pd.DataFrame({"category": [f"k{i}" for i in range(len(widths))], "count": [500] * len(widths),
                            "rr_lo": [1.0] * len(widths), "rr_hi": widths})
    out = rank_problems(profile, top=10).set_index("category")
    assert [out.loc[f"k{i}", "certainty"] for i in range(len(widths))] == [
        "high", "high", "medium", "medium", "medium", "low", "low"]


def test_certainty_without_limits_follows_the_count_and_a_tiny_count_is_low():
    nan = math.nan
    assert [certainty(nan, nan, n) for n in (94, 93, 19, 18, nan)] == ["high", "medium", "medium", "low", "low"]
    assert certainty(1.0, 1.1, MIN_COUNT - 1) == "low"  # a narrow interval does not rescue a tiny count
    assert certainty(0.0, 3.0, 50) == "low"


def test_narrower_intervals_from_more_incidents_mean_more_certainty():
    counts = np.array([15, 40, 300])
    rr = rate_ratio(counts, 10_000, 20 * counts, 20 * 1.5 * 10_000)  # ratio 1.5, reference 20 times larger
    grades = [certainty(lo, hi, n) for lo, hi, n in zip(rr["rr_ci_low"], rr["rr_ci_high"], counts, strict=True)]
    assert grades == ["low", "medium", "high"]


# ---------------------------------------------------------------- words


def test_certainty_labels_in_both_languages():
    assert [certainty_label(c) for c in CERTAINTIES] == ["hög säkerhet", "medelhög säkerhet", "låg säkerhet"]
    assert [certainty_label(c, "en") for c in CERTAINTIES] == ["high certainty", "medium certainty", "low certainty"]
    assert set(CERTAINTY_LABELS) == set(CERTAINTIES)
    with pytest.raises(ValueError, match="code needs to be one of high, medium, low; got 'sure'"):
        certainty_label("sure")
    with pytest.raises(ValueError, match="language needs to be"):
        certainty_label("high", "de")


def test_component_words():
    assert component_words("level,yearly_trend,volume") == (
        "nivå jämfört med referensområdet, utveckling (trend per år), antal brott")
    assert component_words("", "en") == "no parts"
    with pytest.raises(ValueError, match="got 'size'"):
        component_words("level,size")


def test_rule_description_is_complete_in_each_language():
    sv, en = RULE_DESCRIPTION["sv"], RULE_DESCRIPTION["en"]
    assert "0,05" in sv and "0.05" in en
    assert f"{MIN_COUNT} brott" in sv and f"{MIN_COUNT} offences" in en
    assert "1,5 gånger" in sv and "1.5 times" in en
    assert str(ALPHA) not in sv
    for text in (sv, en):
        assert "_" not in text and "{" not in text
        assert text.count("\n") == 0  # one paragraph
    assert not set("åäöÅÄÖ") & set(en)
    for word in ("level", "score", "trend_p", "hotspot", "count"):
        assert word not in sv
    for label in COMPONENT_LABELS.values():
        assert not set("åäö") & set(label["en"])

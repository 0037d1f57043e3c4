"""Tests of geolage.stats.rates: counts, exact Poisson CIs, EB rates, exposure, the district table."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from libpysal.weights import lat2W
from scipy import sparse, stats
from shapely.geometry import box

from geolage.stats.rates import (
    RATES_DISTRICT_COLUMNS,
    count_incidents,
    district_rates,
    eb_rates,
    eb_standardised_rates,
    exposure_table,
    period_years,
    poisson_ci,
    rates,
)


# --------------------------------------------------------------------------- fixtures
def districts_2x2(populations=(1000.0, 2000.0, 500.0, 10.0)) -> gpd.GeoDataFrame:
    """Four 1 km squares in a 2 x 2 block (EPSG:3006), ids a b / c d."""
    x0, y0 = 370000, 6400000
    geoms = [box(x0, y0 + 1000, x0 + 1000, y0 + 2000), box(x0 + 1000, y0 + 1000, x0 + 2000, y0 + 2000),
             box(x0, y0, x0 + 1000, y0 + 1000), box(x0 + 1000, y0, x0 + 2000, y0 + 1000)]
    ids = ["a", "b", "c", "d"]
    return gpd.GeoDataFrame({"district_id": ids, "district_name": ["A", "B", "C", "D"],
                             "population": list(populations), "is_focus": [True, False, False, False]},
                            geometry=geoms, index=pd.Index(ids, name="district_id"), crs="EPSG:3006")


def incidents(rows) -> pd.DataFrame:
    """Rows of (district_id or None, category, time string)."""
    d, c, t = zip(*rows, strict=True)
    times = pd.to_datetime(list(t), format="ISO8601")
    return pd.DataFrame({"district_id": list(d), "category": list(c), "time": times})


# --------------------------------------------------------------------------- inputs
def test_poisson_ci_rejects_bad_confidence():
    with pytest.raises(ValueError, match="confidence needs to be between 0 and 1"):
        poisson_ci([1], confidence=1.5)


def test_poisson_ci_rejects_negative_counts():
    with pytest.raises(ValueError, match="non-negative"):
        poisson_ci([-1])


def test_eb_rates_rejects_unequal_lengths():
    with pytest.raises(ValueError, match="same length"):
        eb_rates([1, 2], [10, 20, 30])


def test_eb_rates_rejects_weights_of_wrong_size():
    with pytest.raises(ValueError, match="weights need to be 3 x 3"):
        eb_rates([1, 2, 3], [10, 20, 30], weights=lat2W(2, 2))


# --------------------------------------------------------------------------- exact Poisson CI
def test_poisson_ci_textbook_values():
    # Garwood intervals as tabulated (e.g. Ulm 1990): x=0 -> (0, 3.689), x=10 -> (4.795, 18.39)
    low, high = poisson_ci([0, 10])
    assert low[0] == 0.0
    assert high[0] == pytest.approx(3.689, abs=5e-4)
    assert low[1] == pytest.approx(4.795, abs=5e-4)
    assert high[1] == pytest.approx(18.39, abs=5e-3)


def test_poisson_ci_equals_gamma_form():
    # independent form: low = Gamma(x).ppf(a/2), high = Gamma(x+1).ppf(1-a/2)
    x = np.array([1, 3, 7, 50, 200])
    low, high = poisson_ci(x, confidence=0.9)
    assert np.allclose(low, stats.gamma.ppf(0.05, x))
    assert np.allclose(high, stats.gamma.ppf(0.95, x + 1))


def test_poisson_ci_divided_by_exposure_and_nan_without_it():
    low, high = poisson_ci([10, 10], [2.0, 0.0])
    assert low[0] == pytest.approx(4.795 / 2, abs=1e-3)
    assert np.isnan(low[1]) and np.isnan(high[1])


def test_rates_hand_worked():
    r = rates([10, 0], [2000, 500], rate_per=1000)
    assert list(r.columns) == ["rate", "rate_ci_low", "rate_ci_high"]
    assert r["rate"].tolist() == [5.0, 0.0]
    assert r["rate_ci_high"].iloc[1] == pytest.approx(3.689 / 500 * 1000, abs=1e-3)


# --------------------------------------------------------------------------- EB
def test_eb_rates_equal_esda_global():
    from esda.smoothing import Empirical_Bayes

    e = np.array([2, 10, 60, 5, 30, 0])
    b = np.array([100, 1000, 2000, 300, 900, 50])
    assert np.allclose(eb_rates(e, b), Empirical_Bayes(e, b).r.ravel())


def test_eb_rates_equal_esda_spatial():
    from esda.smoothing import Spatial_Empirical_Bayes

    rng = np.random.default_rng(3)
    b = rng.integers(50, 5000, 16).astype(float)
    e = rng.poisson(b * rng.uniform(0.005, 0.05, 16)).astype(float)
    w = lat2W(4, 4)
    ours = eb_rates(e, b, weights=w)
    theirs = Spatial_Empirical_Bayes(e, b, w).r.ravel()
    assert np.allclose(ours, theirs)


def test_eb_rates_spatial_accepts_row_standardised_weights():
    w = lat2W(3, 3)
    e, b = np.arange(1, 10, dtype=float), np.full(9, 100.0)
    binary = eb_rates(e, b, weights=w)
    w.transform = "r"
    assert np.allclose(eb_rates(e, b, weights=w), binary)


def test_eb_rate_pulls_tiny_population_to_the_mean():
    # district with 10 residents and 2 incidents: raw rate 0.2, far above the mean (~0.01)
    e = np.array([10, 20, 15, 2])
    b = np.array([1000, 2000, 1500, 10])
    eb = eb_rates(e, b)
    mean = e.sum() / b.sum()
    assert e[3] / b[3] == pytest.approx(0.2)
    assert abs(eb[3] - mean) < 0.2 * abs(e[3] / b[3] - mean)


def test_eb_rates_nan_for_unknown_population():
    eb = eb_rates([1, 2, 3], [100, np.nan, 0])
    assert np.isfinite(eb[0]) and np.isnan(eb[1]) and np.isnan(eb[2])


def test_eb_standardised_rates_equal_esda():
    from esda.smoothing import assuncao_rate

    e = np.array([30, 25, 25, 15, 33, 21, 30, 20])
    b = np.array([100, 100, 110, 90, 100, 90, 110, 90])
    assert np.allclose(eb_standardised_rates(e, b), assuncao_rate(e, b))


# --------------------------------------------------------------------------- counts and exposure
def test_count_incidents_hand_worked():
    inc = incidents([("a", "hot", "2024-01-05"), ("a", "ran", "2024-03-01"), ("b", "hot", "2025-02-01"),
                     (None, "hot", "2025-02-02")])
    c = count_incidents(inc, keys=["a", "b", "c"], start=dt.date(2024, 1, 1), end=dt.date(2025, 12, 31))
    assert list(c.columns) == ["district_id", "category", "period", "count"]
    assert len(c) == 3 * 3 * 3  # districts x (hot, ran, alla) x (2024, 2025, hela)
    get = c.set_index(["district_id", "category", "period"])["count"]
    assert get[("a", "alla", "hela")] == 2
    assert get[("a", "hot", "2024")] == 1
    assert get[("b", "hot", "2025")] == 1
    assert get[("c", "alla", "hela")] == 0
    assert c.query("category == 'alla' and period == 'hela'")["count"].sum() == 3  # the unassigned one left out


def test_count_incidents_by_source_adds_all_sources():
    inc = incidents([("a", "hot", "2024-01-05"), ("a", "hot", "2024-03-01")])
    inc["source"] = ["polis", "kommun"]
    c = count_incidents(inc, by_source=True)
    get = c.set_index(["district_id", "source", "category", "period"])["count"]
    assert get[("a", "polis", "hot", "hela")] == 1
    assert get[("a", "alla", "alla", "hela")] == 2


def test_count_incidents_leaves_out_times_outside_the_span():
    inc = incidents([("a", "hot", "2023-12-31 23:59"), ("a", "hot", "2024-06-01")])
    c = count_incidents(inc, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    assert c.query("category == 'alla' and period == 'hela'")["count"].sum() == 1


def test_count_incidents_quarters_and_months():
    inc = incidents([("a", "hot", "2024-05-05"), ("a", "hot", "2024-12-31")])
    cq = count_incidents(inc, unit="quarter", start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    assert set(cq["period"]) == {"2024K1", "2024K2", "2024K3", "2024K4", "hela"}
    assert cq.set_index(["category", "period"]).loc[("hot", "2024K4"), "count"] == 1
    cm = count_incidents(inc, unit="month", start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    assert cm.set_index(["category", "period"]).loc[("hot", "2024-05"), "count"] == 1


@st.composite
def incident_tables(draw):
    n = draw(st.integers(0, 40))
    d = draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n))
    c = draw(st.lists(st.sampled_from(["hot", "ran", "stold"]), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 3 * 365), min_size=n, max_size=n))
    t = pd.Timestamp("2022-01-01") + pd.to_timedelta(days, unit="D")
    return pd.DataFrame({"district_id": d, "category": c, "time": t})


@settings(max_examples=40, deadline=None)
@given(incident_tables(), st.randoms(use_true_random=False))
def test_counts_sum_to_assigned_incidents_and_ignore_row_order(inc, rnd):
    kw = dict(keys=["a", "b", "c"], categories=["hot", "ran", "stold"], start=dt.date(2022, 1, 1),
              end=dt.date(2025, 12, 31))
    c = count_incidents(inc, **kw)
    total = c.query("category == 'alla' and period == 'hela'")["count"].sum()
    assert total == len(inc) - int(inc["district_id"].isna().sum())
    # the sum over categories and over periods equals the margins
    by = c[(c["category"] != "alla") & (c["period"] != "hela")].groupby("district_id")["count"].sum()
    assert by.sum() == total
    order = list(range(len(inc)))
    rnd.shuffle(order)
    c2 = count_incidents(inc.iloc[order].reset_index(drop=True), **kw)
    pd.testing.assert_frame_equal(c, c2)


def test_period_years_partial_span():
    py = period_years(["2024", "2025", "hela"], "year", dt.date(2024, 1, 1), dt.date(2025, 6, 30))
    assert py["2024"] == {2024: 1.0}
    assert py["2025"][2025] == pytest.approx(181 / 365)
    assert sum(py["hela"].values()) == pytest.approx(1 + 181 / 365)


def test_exposure_table_population_table_overrides_per_year():
    d = districts_2x2()
    pt = pd.DataFrame({"district_id": ["a"], "year": [2025], "population": [3000.0]})
    ex = exposure_table(d, ["2024", "2025", "hela"], unit="year", start=dt.date(2024, 1, 1),
                        end=dt.date(2025, 12, 31), population_table=pt).set_index(["district_id", "period"])
    assert ex.loc[("a", "2024"), "exposure"] == 1000.0
    assert ex.loc[("a", "2025"), "exposure"] == 3000.0
    assert ex.loc[("a", "hela"), "exposure"] == 4000.0
    assert ex.loc[("a", "hela"), "population"] == 2000.0
    assert ex.loc[("b", "hela"), "exposure"] == 4000.0


# --------------------------------------------------------------------------- the district table
def test_district_rates_schema_and_values():
    d = districts_2x2()
    inc = incidents([("a", "hot", "2024-01-05")] * 4 + [("b", "ran", "2024-05-05")] * 2
                    + [("d", "hot", "2024-07-01")])
    out = district_rates(inc, d, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    assert isinstance(out, gpd.GeoDataFrame)
    assert list(out.columns) == list(RATES_DISTRICT_COLUMNS) + ["geometry"]
    assert out.crs == d.crs
    row = out.set_index(["district_id", "category", "period"]).loc[("a", "hot", "2024")]
    assert row["count"] == 4
    assert row["rate"] == pytest.approx(4.0)  # 4 per 1,000 residents
    low, high = poisson_ci([4], [1.0])
    assert row["rate_ci_low"] == pytest.approx(low[0]) and row["rate_ci_high"] == pytest.approx(high[0])
    assert bool(row["is_focus"])
    # the EB rates equal the functions applied to the same columns
    sub = out[(out["category"] == "alla") & (out["period"] == "hela")].set_index("district_id").loc[list("abcd")]
    assert np.allclose(sub["eb_rate"], eb_rates(sub["count"], sub["exposure"]) * 1000, equal_nan=True)
    # tiny district d (10 residents, 1 incident) has raw rate 100 per 1,000 but a smoothed one near the mean
    assert sub.loc["d", "rate"] == pytest.approx(100.0)
    assert sub.loc["d", "eb_rate"] < 20


def test_district_rates_partial_year_is_a_yearly_rate():
    d = districts_2x2()
    inc = incidents([("a", "hot", "2024-02-01")] * 3)
    out = district_rates(inc, d, start=dt.date(2024, 1, 1), end=dt.date(2024, 6, 30))
    row = out.set_index(["district_id", "category", "period"]).loc[("a", "hot", "2024")]
    assert row["exposure"] == pytest.approx(1000 * 182 / 366)
    assert row["rate"] == pytest.approx(3 / (1000 * 182 / 366) * 1000)


def test_eb_rates_match_weights_by_id_not_position():
    """A Graph in another id order gives the same spatial EB rates (by id), ids that differ raise."""
    from libpysal.graph import Graph

    ids = pd.Index(["d3", "d1", "d4", "d0", "d2"])
    adj = pd.DataFrame({"focal": ["d0", "d1", "d1", "d2", "d2", "d3", "d3", "d4"],
                        "neighbor": ["d1", "d0", "d2", "d1", "d3", "d2", "d4", "d3"], "weight": 1.0})
    graph = Graph.from_adjacency(adj)  # ids in the order d0 .. d4 (a chain)
    counts = pd.Series([30.0, 2.0, 50.0, 4.0, 9.0], index=ids)
    pop = np.array([1000.0, 200.0, 1500.0, 300.0, 800.0])
    by_id = eb_rates(counts, pop, weights=graph)
    order = graph.unique_ids.get_indexer(ids)
    aligned = sparse.csr_matrix(graph.sparse.toarray()[np.ix_(order, order)])
    np.testing.assert_allclose(by_id, eb_rates(counts.to_numpy(), pop, weights=aligned), rtol=1e-12)
    np.testing.assert_allclose(eb_rates(counts.to_numpy(), pop, weights=graph, ids=ids), by_id, rtol=1e-12)
    # by position (the old behaviour) would differ
    assert not np.allclose(eb_rates(counts.to_numpy(), pop, weights=graph.sparse), by_id)
    with pytest.raises(ValueError, match="ids="):
        eb_rates(counts.to_numpy(), pop, weights=graph)
    with pytest.raises(ValueError, match="no entry in the weights"):
        eb_rates(counts.rename(index={"d2": "d9"}), pop, weights=graph)

"""Tests of geolage.stats.forecast, its sentences and its step.

Accuracy measures by hand, planted ground truth, honesty, leakage.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geolage.config import Config, DistrictsConfig, ForecastConfig, PeriodsConfig, ProjectConfig
from geolage.grid import make_grid
from geolage.run.results import RunResults
from geolage.run.steps.forecast import add_forecast
from geolage.stats import forecast as fc
from geolage.stats.forecast.cells import DAY_NS, prepare_cells, prepare_events, to_ns
from geolage.stats.forecast.district import _loglinear_fit
from geolage.stats.forecast.models import _poisson_irls
from geolage.text.forecast import forecast_summary_text

CRS = "EPSG:3006"
X0, Y0 = 370_000, 6_400_000
START, END = pd.Timestamp("2019-01-01"), pd.Timestamp("2025-01-01")


# --------------------------------------------------------------------------- helpers
def square_grid(n: int = 20, cell_size: int = 100) -> gpd.GeoDataFrame:
    """An n × n grid of whole cells, made by the real grid builder."""
    area = shapely.box(X0, Y0, X0 + n * cell_size, Y0 + n * cell_size)
    return make_grid(area, cell_size, crs=CRS)


def simulate(
    grid: gpd.GeoDataFrame,
    rate_per_year: np.ndarray,
    *,
    seed: int,
    category: str = "stold",
    start: pd.Timestamp = START,
    end: pd.Timestamp = END,
) -> pd.DataFrame:
    """Poisson incidents: ``rate_per_year`` per cell, times uniform over [start, end)."""
    rng = np.random.default_rng(seed)
    years = (end - start).days / 365.25
    n = rng.poisson(np.asarray(rate_per_year) * years)
    cell = np.repeat(np.arange(len(grid)), n)
    seconds = rng.uniform(0, (end - start).total_seconds(), size=len(cell))
    return pd.DataFrame(
        {
            "incident_id": [f"t:{i}" for i in range(len(cell))],
            "cell_id": grid["cell_id"].to_numpy()[cell],
            "category": category,
            "time": start + pd.to_timedelta(seconds, unit="s"),
        }
    )


def hotspot_rates(grid: gpd.GeoDataFrame) -> np.ndarray:
    """Background 0.5 incidents per cell and year; a stable 2 × 2 hotspot at 20 per year."""
    rate = np.full(len(grid), 0.5)
    hot = (grid["col"].between(5, 6) & grid["row"].between(5, 6)).to_numpy()
    rate[hot] = 20.0
    return rate


# --------------------------------------------------------------------------- inputs
def test_metrics_reject_arrays_of_different_length():
    with pytest.raises(ValueError, match="need the same length"):
        fc.hotspot_metrics(np.ones(3), np.ones(4), np.ones(3), [0.1])


def test_metrics_reject_share_outside_unit_interval():
    with pytest.raises(ValueError, match=r"area_shares need to be in \(0, 1\]"):
        fc.hotspot_metrics(np.ones(3), np.ones(3), np.ones(3), [0.0, 1.5])


def test_scores_reject_unknown_method():
    with pytest.raises(ValueError, match="method needs to be one of naive, prospective, glm; got 'etas'"):
        fc.forecast_scores(pd.DataFrame({"cell_id": [], "time": []}), square_grid(3), "2024-01-01", method="etas")


def test_scores_reject_grid_without_cell_size():
    grid = square_grid(3)
    grid.attrs = {}
    with pytest.raises(ValueError, match=r"grid.attrs\['cell_size'\] needs to be a positive number"):
        fc.forecast_scores(pd.DataFrame({"cell_id": [], "time": []}), grid, "2024-01-01", method="naive")


def test_scores_reject_cells_sharing_a_position():
    grid = square_grid(3)
    grid.loc[grid.index[1], "col"] = grid["col"].iloc[0]
    grid.loc[grid.index[1], "row"] = grid["row"].iloc[0]
    with pytest.raises(ValueError, match=r"grid cells need unique \(col, row\)"):
        fc.forecast_scores(pd.DataFrame({"cell_id": [], "time": []}), grid, "2024-01-01", method="naive")


def test_scores_collect_option_problems():
    with pytest.raises(ValueError, match="half_life_days needs.*bandwidth needs"):
        fc.forecast_scores(
            pd.DataFrame({"cell_id": [], "time": []}), square_grid(3), "2024-01-01", half_life_days=-1, bandwidth="wide"
        )


def test_district_forecast_needs_three_whole_years():
    inc = pd.DataFrame({"district_id": ["A"], "category": ["stold"], "time": [pd.Timestamp("2023-05-01")]})
    districts = pd.DataFrame({"district_name": ["Alfa"]}, index=pd.Index(["A"], name="district_id"))
    with pytest.raises(ValueError, match="at least three whole calendar years of data; got 2"):
        fc.forecast_district_counts(inc, districts, start="2022-06-01", end="2025-01-01")


# --------------------------------------------------------------------------- metrics by hand
def test_metrics_by_hand():
    # 10 equal cells. Ranking by score: c0, c1, then c2/c3 tie (broken by tiebreak: c3 first), ...
    score = np.array([9, 8, 5, 5, 1, 0, 0, 0, 0, 0], dtype=float)
    tiebreak = np.array([0, 0, 1, 2, 0, 0, 0, 0, 0, 0], dtype=float)
    observed = np.array([2, 0, 1, 3, 0, 4, 0, 0, 0, 0])  # N = 10
    previous = np.array([4, 1, 0, 0, 0, 0, 0, 0, 0, 5])  # N1 = 10
    m = fc.hotspot_metrics(score, observed, np.ones(10), [0.1, 0.2, 0.3], previous=previous, tiebreak=tiebreak)
    m = m.set_index("area_share")
    # 10 %: c0 -> n = 2, hit rate 0.2, PAI 0.2 / 0.1 = 2; best cell has 4 -> PAI* 4; PEI 0.5;
    # RRI = (2/10) / (4/10) = 0.5
    assert m.loc[0.1, ["n_cells", "n_hits", "n_eval"]].tolist() == [1, 2, 10]
    assert m.loc[0.1, "hit_rate"] == pytest.approx(0.2)
    assert m.loc[0.1, "pai"] == pytest.approx(2.0)
    assert m.loc[0.1, "pai_max"] == pytest.approx(4.0)
    assert m.loc[0.1, "pei"] == pytest.approx(0.5)
    assert m.loc[0.1, "rri"] == pytest.approx(0.5)
    # 20 %: c0, c1 -> n = 2; best two cells 4 + 3 = 7 -> PAI* 3.5; PEI 1/3.5; RRI (2/10)/(5/10)
    assert m.loc[0.2, "pai"] == pytest.approx(1.0)
    assert m.loc[0.2, "pei"] == pytest.approx(1.0 / 3.5)
    assert m.loc[0.2, "rri"] == pytest.approx(0.4)
    # 30 %: c0, c1, c3 (tie-break) -> n = 5, PAI 0.5 / 0.3; best 4 + 3 + 2 = 9
    assert m.loc[0.3, "n_hits"] == 5
    assert m.loc[0.3, "pai"] == pytest.approx(0.5 / 0.3)
    assert m.loc[0.3, "pei"] == pytest.approx(5 / 9)
    assert m.loc[0.3, "rri"] == pytest.approx(0.5 / 0.5)


def test_metrics_ties_fall_back_to_cell_order():
    score = np.zeros(4)
    m = fc.hotspot_metrics(score, np.array([0, 0, 0, 1]), np.ones(4), [0.25], cell_order=np.array([3, 2, 1, 0]))
    assert m["n_hits"].iloc[0] == 1  # cell 3 comes first by cell order


def test_metrics_partial_cells_count_their_area():
    # The edge cell (area 0.5) is first; the selection takes whole cells until 25 % of 3.5 is reached.
    score = np.array([3.0, 2.0, 1.0, 0.0])
    area = np.array([0.5, 1.0, 1.0, 1.0])
    m = fc.hotspot_metrics(score, np.array([1, 1, 0, 0]), area, [0.25])
    assert m["n_cells"].iloc[0] == 2
    assert m["area_selected"].iloc[0] == pytest.approx(1.5 / 3.5)
    assert m["pai"].iloc[0] == pytest.approx(1.0 / (1.5 / 3.5))


def test_metrics_undefined_without_incidents():
    m = fc.hotspot_metrics(np.arange(4.0), np.zeros(4), np.ones(4), [0.5], previous=np.zeros(4))
    assert m[["hit_rate", "pai", "pei", "rri"]].isna().all(axis=None)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 10), st.integers(0, 5)), min_size=2, max_size=40),
    st.sampled_from([0.05, 0.1, 0.25, 0.5, 1.0]),
)
def test_metrics_invariants(cells, share):
    score = np.array([c[0] for c in cells])
    observed = np.array([c[1] for c in cells])
    m = fc.hotspot_metrics(score, observed, np.ones(len(cells)), [share]).iloc[0]
    if observed.sum() == 0:
        assert np.isnan(m["pai"])
        return
    assert 0 <= m["hit_rate"] <= 1
    assert m["pai"] * m["area_selected"] == pytest.approx(m["hit_rate"])
    assert 0 <= m["pei"] <= 1 + 1e-12  # equal cells: hindsight selection is optimal
    assert m["area_selected"] >= share - 1e-12


# --------------------------------------------------------------------------- scores
def test_naive_counts_the_last_period_half_open():
    grid = square_grid(3)
    origin = pd.Timestamp("2024-01-01")
    cell = grid["cell_id"].iloc[4]
    inc = pd.DataFrame(
        {
            "cell_id": [cell, cell, cell, cell],
            # exactly 91 days before the origin (in), just before the origin (in), at the origin (out), 92 days (out)
            "time": [
                origin - pd.Timedelta(days=91),
                origin - pd.Timedelta(seconds=1),
                origin,
                origin - pd.Timedelta(days=92),
            ],
        }
    )
    s = fc.forecast_scores(inc, grid, origin, method="naive", start="2023-01-01")
    assert s[cell] == 2
    assert s.drop(cell).eq(0).all()
    assert s.index.name == "cell_id"


@pytest.mark.parametrize("method", fc.METHODS)
def test_no_leakage_from_the_future(method):
    grid = square_grid()
    inc = simulate(grid, hotspot_rates(grid), seed=3)
    origin = pd.Timestamp("2024-04-01")
    before = fc.forecast_scores(inc, grid, origin, method=method, start=START)
    rng = np.random.default_rng(9)
    future = pd.DataFrame(
        {
            "cell_id": rng.choice(grid["cell_id"].to_numpy(), 500),
            "time": origin + pd.to_timedelta(rng.uniform(0, 400, 500), unit="D"),
        }
    )
    after = fc.forecast_scores(pd.concat([inc, future], ignore_index=True), grid, origin, method=method, start=START)
    pd.testing.assert_series_equal(before, after)
    assert before.notna().all()


def test_prospective_is_an_expected_count_map():
    grid = square_grid()
    inc = simulate(grid, hotspot_rates(grid), seed=4)
    s = fc.forecast_scores(inc, grid, "2024-01-01", method="prospective", half_life_days=91, bandwidth=150, start=START)
    last = fc.forecast_scores(inc, grid, "2024-01-01", method="naive", start=START)
    assert s.sum() == pytest.approx(last.sum())
    assert s.attrs == {"half_life_days": 91.0, "bandwidth": 150.0}
    hot = grid.index[(grid["col"].between(5, 6) & grid["row"].between(5, 6)).to_numpy()]
    assert set(s.nlargest(4).index) == set(hot)


def test_glm_needs_enough_history():
    grid = square_grid(5)
    inc = simulate(
        grid, np.full(len(grid), 2.0), seed=1, start=pd.Timestamp("2023-01-01"), end=pd.Timestamp("2024-01-01")
    )
    s = fc.forecast_scores(inc, grid, "2024-01-01", method="glm", start="2023-01-01")
    assert s.isna().all()  # 4 quarters of history: the regression needs 5


# --------------------------------------------------------------------------- planted ground truth
def test_stable_hotspot_is_found():
    grid = square_grid()  # 400 cells: 1 % = 4 cells = the hotspot
    inc = simulate(grid, hotspot_rates(grid), seed=11)
    bt = fc.backtest_forecast(inc, grid, END, start=START, backtest_periods=6)
    assert list(bt.columns) == [c for c in fc.BACKTEST_COLUMNS if c != "category"]
    assert set(bt["method"]) == set(fc.METHODS)
    at1 = bt[bt["area_share"] == 0.01].groupby("method")["pai"].mean()
    # The hotspot holds 80 / (80 + 198) ≈ 29 % of incidents on 1 % of the area: PAI ≈ 29.
    assert at1["prospective"] > 20
    assert at1["glm"] > 20
    # A uniformly random ranking of the same cells gets PAI ≈ 1.
    rng = np.random.default_rng(0)
    cells = prepare_cells(grid)
    events = prepare_events(inc, cells)
    random_pai = []
    for origin in bt["origin"].unique():
        o = to_ns(origin)
        h = 91 * DAY_NS
        inside = (events.t >= o) & (events.t < o + h)
        observed = np.bincount(events.cell[inside], minlength=len(grid))
        m = fc.hotspot_metrics(rng.random(len(grid)), observed, cells.area, [0.01])
        random_pai.append(m["pai"].iloc[0])
    assert np.mean(random_pai) < 5
    assert at1["prospective"] > 4 * np.mean(random_pai)


def test_next_period_forecast_is_the_separate_forecasts_and_backtest():
    # Sharing the tuning cache between backtest and forecast must not change either.
    grid = square_grid(12)
    inc = simulate(grid, hotspot_rates(grid), seed=31)
    res = fc.forecast_next_period(inc, grid, END, start=START, backtest_periods=3)
    pd.testing.assert_frame_equal(res.backtest, fc.backtest_forecast(inc, grid, END, start=START, backtest_periods=3))
    assert res.missing == ()
    assert list(res.forecast.columns) == [
        *(c for c in fc.GRID_COLUMNS if c != "category"), "in_top_1", "in_top_5", "in_top_10"
    ]
    for method in fc.GRID_METHODS:
        alone = fc.forecast_scores(inc, grid, END, method=method, start=START)
        part = res.forecast[res.forecast["method"] == method]
        np.testing.assert_allclose(part["score"].to_numpy(), alone.to_numpy())
        assert sorted(part["rank"]) == list(range(1, len(grid) + 1))
        if method == "prospective":
            assert res.chosen == alone.attrs
        top10 = part["in_top_10"].to_numpy()
        assert top10.sum() == int(np.ceil(0.10 * len(grid)))  # whole cells: at least 10 % of the area
        assert (part["rank"][top10] <= top10.sum()).all()
    assert (res.forecast["period_start"] == "2025-01-01").all() and (res.forecast["period_end"] == "2025-04-02").all()


def test_homogeneous_field_gives_no_claim():
    grid = square_grid()
    claims = 0
    for seed in range(8):
        inc = simulate(grid, np.full(len(grid), 1.0), seed=100 + seed)
        bt = fc.backtest_forecast(inc, grid, END, start=START, backtest_periods=8)
        summary = fc.summarise_backtest(bt, n_boot=500, seed=seed)
        claims += bool(summary["beats_baseline"].any())
    assert claims <= 1


def test_summary_flags_a_clear_winner_and_stays_honest():
    origins = pd.date_range("2023-01-01", periods=8, freq="91D")
    rows = []
    for i, o in enumerate(origins):
        rows.append(
            {
                "method": "naive",
                "origin": o,
                "area_share": 0.05,
                "hit_rate": 0.1,
                "pai": 2.0 + 0.1 * i,
                "pei": 0.3,
                "rri": 0.8,
            }
        )
        rows.append(
            {
                "method": "prospective",
                "origin": o,
                "area_share": 0.05,
                "hit_rate": 0.2,
                "pai": 3.0 + 0.1 * i,
                "pei": 0.5,
                "rri": 0.9,
            }
        )
        rows.append(
            {
                "method": "glm",
                "origin": o,
                "area_share": 0.05,
                "hit_rate": 0.1,
                "pai": 2.0 + 0.1 * i + (0.5 if i % 2 else -0.5),
                "pei": 0.3,
                "rri": 0.8,
            }
        )
    s = fc.summarise_backtest(pd.DataFrame(rows), n_boot=500).set_index("method")
    assert list(fc.summarise_backtest(pd.DataFrame(rows), n_boot=10).columns) == list(fc.SUMMARY_COLUMNS)
    assert s.loc["prospective", "pai_diff"] == pytest.approx(1.0)
    assert s.loc["prospective", "pai_diff_p"] == pytest.approx(2 / 256)
    assert s.loc["prospective", "beats_baseline"]
    assert not s.loc["glm", "beats_baseline"]
    assert not s.loc["naive", "beats_baseline"]
    text = forecast_summary_text(s.reset_index())
    lines = text.splitlines()
    assert "Modellen är bättre än den naiva prognosen." in lines[0]
    assert "Modellen är inte säkert bättre än den naiva prognosen." in lines[1]
    en = forecast_summary_text(s.reset_index(), "en")
    assert "not reliably better" in en.splitlines()[1]


def test_summary_never_claims_with_too_few_origins():
    rows = [
        {
            "method": m,
            "origin": pd.Timestamp("2024-01-01") + pd.Timedelta(days=91 * i),
            "area_share": 0.1,
            "hit_rate": 0.1,
            "pai": p + i,
            "pei": 0.1,
            "rri": 1.0,
        }
        for i in range(3)
        for m, p in (("naive", 1.0), ("glm", 5.0))
    ]
    s = fc.summarise_backtest(pd.DataFrame(rows), n_boot=200)
    assert not s["beats_baseline"].any()


# --------------------------------------------------------------------------- districts
def _district_counts(rng, means, trend, years):
    rows = []
    for d, mu in enumerate(means):
        for k, year in enumerate(years):
            n = rng.poisson(mu * np.exp(trend * (k - len(years) + 1)))
            rows += [{"district_id": f"D{d}", "category": "stold", "time": pd.Timestamp(year=year, month=6, day=1)}] * n
    return pd.DataFrame(rows, columns=["district_id", "category", "time"])


def test_district_prediction_interval_coverage():
    rng = np.random.default_rng(5)
    means = rng.uniform(5, 60, 30)
    districts = pd.DataFrame(
        {"district_name": [f"O{d}" for d in range(30)]},
        index=pd.Index([f"D{d}" for d in range(30)], name="district_id"),
    )
    trend = 0.05
    cover80 = cover95 = total = 0
    for rep in range(12):
        inc = _district_counts(rng, means, trend, range(2019, 2024))
        out = fc.forecast_district_counts(
            inc, districts, start="2019-01-01", end="2024-01-01", categories=["stold"], seed=rep, simulations=2000
        )
        out = out[out["category"] == "stold"].set_index("district_id")
        truth = rng.poisson(means * np.exp(trend))
        ids = [f"D{d}" for d in range(30)]
        cover80 += np.sum((truth >= out.loc[ids, "pi80_low"]) & (truth <= out.loc[ids, "pi80_high"]))
        cover95 += np.sum((truth >= out.loc[ids, "pi95_low"]) & (truth <= out.loc[ids, "pi95_high"]))
        total += len(ids)
    assert 0.75 <= cover80 / total <= 0.92
    assert 0.91 <= cover95 / total <= 0.995


def test_district_forecast_schema_and_overdispersion():
    rng = np.random.default_rng(8)
    rows = []
    for d in range(20):
        for year in range(2018, 2024):
            n = rng.negative_binomial(2, 2 / (2 + 30))  # mean 30, strongly overdispersed
            rows += [{"district_id": f"D{d}", "category": "hot", "time": pd.Timestamp(year=year, month=3, day=1)}] * n
    inc = pd.DataFrame(rows)
    districts = pd.DataFrame(
        {"district_name": [f"O{d}" for d in range(21)]},
        index=pd.Index([f"D{d}" for d in range(21)], name="district_id"),
    )
    out = fc.forecast_district_counts(inc, districts, start="2018-01-01", end="2024-01-01", seed=1, simulations=1000)
    assert list(out.columns) == list(fc.DISTRICT_COLUMNS)
    assert set(out["category"]) == {"alla", "hot"}
    assert (out["year"] == 2024).all()
    hot = out[out["category"] == "hot"].set_index("district_id")
    assert (hot.drop("D20")["model"] == "negbin").all()
    assert hot.loc["D20", "model"] == "jeffreys" and hot.loc["D20", "forecast"] == 0
    assert (hot["pi95_low"] <= hot["pi80_low"]).all() and (hot["pi80_high"] <= hot["pi95_high"]).all()
    assert (hot["pi_high"] == hot["pi95_high"]).all()
    again = fc.forecast_district_counts(inc, districts, start="2018-01-01", end="2024-01-01", seed=1, simulations=1000)
    pd.testing.assert_frame_equal(out, again)


# --------------------------------------------------------------------------- the step
def _results(grid: gpd.GeoDataFrame, incidents: pd.DataFrame, **forecast) -> RunResults:
    cfg = Config(
        project=ProjectConfig(seed=7),
        districts=DistrictsConfig(path=Path("omraden.gpkg"), id_field="id", name_field="namn"),
        sources=(),
        periods=PeriodsConfig(start=dt.date(2019, 1, 1), end=dt.date(2024, 12, 31)),
        forecast=ForecastConfig(**forecast),
    )
    districts = gpd.GeoDataFrame(
        {"district_id": ["V", "O"], "district_name": ["Väst", "Öst"]},
        geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 2000), shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 2000)],
        crs=CRS,
    ).set_index(pd.Index(["V", "O"], name="district_id"), drop=False)
    col = grid["col"].reindex(incidents["cell_id"]).to_numpy()
    incidents = incidents.assign(district_id=np.where(col < 10, "V", "O"))
    return RunResults(
        config=cfg,
        incidents=incidents,
        rejects=pd.DataFrame(),
        districts=districts,
        grid=grid,
        study_area=gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 2000)], crs=CRS),
    )


def test_add_forecast_tables_parameters_and_determinism(caplog):
    grid = square_grid()
    inc = pd.concat(
        [
            simulate(grid, hotspot_rates(grid), seed=21, category="stold"),
            simulate(grid, np.full(len(grid), 0.01), seed=22, category="ran"),  # too few: skipped
        ],
        ignore_index=True,
    )
    res = _results(grid, inc, backtest_periods=4, bootstrap=200, simulations=500)
    with caplog.at_level("WARNING", logger="geolage.run.steps.forecast"):
        add_forecast(res)
    # the console warning says the category in words in the run's language (Swedish here), not its code
    n_ran = int((inc["category"] == "ran").sum())
    assert f"prognos: kategorier med färre än 200 brott får ingen prognos i rutnätet: Rån ({n_ran})" in caplog.text
    assert "ran (" not in caplog.text
    tables = res.tables
    assert {"forecast_grid", "forecast_backtest", "forecast_summary", "forecast_district"} <= set(tables)
    g = tables["forecast_grid"]
    assert g.is_spatial and g.style == "forecast" and g.style_column == "score"
    assert list(g.data.columns) == [*fc.GRID_COLUMNS, "in_top_1", "in_top_5", "in_top_10", "geometry"]
    assert set(g.data["method"]) == {"prospective", "glm"}
    assert set(g.data["category"]) == {"alla", "stold"}
    assert (g.data["period_start"] == "2025-01-01").all()
    assert list(tables["forecast_backtest"].data.columns) == list(fc.BACKTEST_COLUMNS)
    assert tables["forecast_backtest"].count_columns == ("n_eval", "n_hits")
    assert list(tables["forecast_summary"].data.columns) == list(fc.SUMMARY_COLUMNS)
    assert list(tables["forecast_district"].data.columns) == list(fc.DISTRICT_COLUMNS)
    params = res.parameters["forecast"]
    assert params["skipped_categories"] == {"ran": int((inc["category"] == "ran").sum())}
    assert params["categories"] == ["alla", "stold"]
    assert params["data_end"] == "2025-01-01"
    assert set(params["prospective_chosen_for_forecast"]) == {"alla", "stold"}
    summary = tables["forecast_summary"].data
    sv = tables["forecast_summary"].description["sv"]
    said = summary[(summary["category"] == "alla") & (summary["method"] != "naive") & summary["pai"].notna()]
    assert len(said)
    for _, r in said.iterrows():  # the documented rule: enough paired origins and the interval above 0
        rule = bool(r["n_origins"] >= 4 and pd.notna(r["pai_diff_ci_low"]) and r["pai_diff_ci_low"] > 0)
        assert bool(r["beats_baseline"]) == rule
    assert ("Modellen är bättre" in sv) == bool(said["beats_baseline"].any())  # the text says what the table says
    assert "För få händelser (under 200) för en prognos per ruta: Rån (" in sv  # the label, not the code
    english = tables["forecast_summary"].description["en"]
    assert "Too few incidents (under 200) for a grid forecast: Robbery (" in english
    res2 = _results(grid, inc, backtest_periods=4, bootstrap=200, simulations=500)
    add_forecast(res2)
    for name in ("forecast_backtest", "forecast_summary", "forecast_district"):
        pd.testing.assert_frame_equal(tables[name].data, res2.tables[name].data)
    pd.testing.assert_frame_equal(
        pd.DataFrame(g.data.drop(columns="geometry")),
        pd.DataFrame(res2.tables["forecast_grid"].data.drop(columns="geometry")),
    )


def test_district_forecast_ignores_years_before_the_data_start():
    # Incidents only in 2023: earlier years are not covered, so no trend is fitted.
    inc = pd.DataFrame({"district_id": ["A"] * 6 + ["B"] * 2, "category": "stold", "time": pd.Timestamp("2023-05-01")})
    districts = pd.DataFrame({"district_name": ["Alfa", "Beta"]}, index=pd.Index(["A", "B"], name="district_id"))
    out = fc.forecast_district_counts(inc, districts, start="2019-01-01", end="2024-01-01", seed=3, simulations=500)
    stold = out[out["category"] == "stold"].set_index("district_id")
    assert (stold["model"] == "poisson_no_trend").all()
    assert stold.loc["A", "forecast"] == pytest.approx(6.0)
    assert stold.loc["A", "pi95_high"] < 20


def test_add_forecast_without_incidents_says_so():
    grid = square_grid(4)
    empty = pd.DataFrame(
        {"incident_id": [], "cell_id": pd.Series([], dtype=object), "category": [], "time": pd.to_datetime([])}
    )
    res = _results(grid, empty, bootstrap=50, simulations=50)
    add_forecast(res)
    assert res.tables["forecast_summary"].description["sv"] == "Ingen prognosutvärdering kunde göras."
    assert not res.tables["forecast_summary"].data["beats_baseline"].any()
    assert len(res.tables["forecast_grid"].data) == 0


@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_count_models_agree_with_statsmodels(alpha):
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(0)
    nd, ny = 15, 6
    X = np.hstack([np.repeat(np.eye(nd), ny, 0), np.tile(np.arange(ny) - ny + 1.0, nd)[:, None]])
    y = rng.poisson(np.exp(X @ np.r_[rng.uniform(1, 4, nd), 0.05])).astype(float)
    beta, cov = _loglinear_fit(X, y, alpha=alpha)
    family = sm.families.Poisson() if alpha == 0 else sm.families.NegativeBinomial(alpha=alpha)
    ref = sm.GLM(y, X, family=family).fit()
    np.testing.assert_allclose(beta, ref.params, atol=1e-6)
    np.testing.assert_allclose(cov, ref.cov_params(), rtol=1e-5, atol=1e-8)
    # The grid regression (intercept + features, distinct rows with an offset) against statsmodels too.
    Xg = np.column_stack([np.ones(3000), np.log1p(rng.poisson(0.5, (3000, 3)))])
    yg = rng.poisson(np.exp(Xg @ np.array([-1.0, 0.4, 0.2, 0.1]))).astype(float)
    np.testing.assert_allclose(
        _poisson_irls(Xg, yg), sm.GLM(yg, Xg, family=sm.families.Poisson()).fit().params, atol=1e-4
    )


def test_district_forecast_of_a_focus_area_is_the_sum_of_its_districts_and_covers():
    """An area of districts is forecast as one unit: the sum of the members' joint draws."""
    rng = np.random.default_rng(21)
    means = rng.uniform(3, 12, 30)
    districts = pd.DataFrame({"district_name": [f"O{d}" for d in range(30)]},
                             index=pd.Index([f"D{d}" for d in range(30)], name="district_id"))
    members = [f"D{d}" for d in range(6)]
    cover = total = 0
    for rep in range(12):
        inc = _district_counts(rng, means, 0.0, range(2019, 2024))
        out = fc.forecast_district_counts(inc, districts, start="2019-01-01", end="2024-01-01", categories=["stold"],
                                          seed=rep, simulations=2000, groups=[("omr", "Området", members)])
        out = out[out["category"] == "stold"].set_index("district_id")
        area = out.loc["omr"]
        assert area["district_name"] == "Området"
        assert area["last_count"] == out.loc[members, "last_count"].sum()
        assert area["forecast"] == pytest.approx(out.loc[members, "forecast"].sum())
        # the area's interval is narrower than the members' intervals added up (errors partly cancel)
        widths = out.loc[members, "pi95_high"] - out.loc[members, "pi95_low"]
        assert area["pi95_high"] - area["pi95_low"] < widths.sum()
        truth = rng.poisson(means[:6]).sum()
        cover += int(area["pi95_low"] <= truth <= area["pi95_high"])
        total += 1
    assert cover >= 10  # 95 % nominal: at least 10 of 12 (binomial probability of fewer is < 2 %)


# --------------------------------------------------------------------------- fast paths = reference paths
def test_convolve_same_is_fftconvolve_bit_for_bit():
    """The cached-spectrum convolution gives exactly scipy's fftconvolve numbers (the forecasts rank on them)."""
    from scipy.signal import fftconvolve

    from geolage.stats.forecast.cells import convolve_same, quartic_kernel

    rng = np.random.default_rng(21)
    for shape in [(150, 203), (7, 9), (2, 5), (1, 6)]:
        raster = rng.poisson(0.4, shape) * rng.random(shape)
        spectra: dict = {}
        for factor in (1.0, 1.5, 2.0, 3.0):
            kernel = quartic_kernel(factor * 100, 100)
            for _ in range(2):  # the second time from the cached spectra
                np.testing.assert_array_equal(convolve_same(raster, kernel, spectra),
                                              fftconvolve(raster, kernel, mode="same"))


def test_neighbour_sum_equals_the_queen_sum_by_hand():
    """Sums over the 8 neighbours on a grid with holes: brute force over cell positions."""
    from geolage.stats.forecast.cells import neighbour_sum

    full = square_grid(10)
    g = full.iloc[np.random.default_rng(2).permutation(len(full))[:70]]  # holes, shuffled order
    g.attrs["cell_size"] = 100
    cells = prepare_cells(g)
    values = np.random.default_rng(3).poisson(2.0, len(g)) / 4.0  # means of 4 periods' counts
    brute = np.array([values[(np.abs(cells.r - r) <= 1) & (np.abs(cells.c - c) <= 1)].sum() - values[i]
                      for i, (r, c) in enumerate(zip(cells.r, cells.c, strict=True))])
    got = neighbour_sum(values, cells)
    assert np.abs(got - brute).max() <= 1e-9 and got.max() > 0


def test_distinct_rows_equal_numpy_unique():
    from geolage.stats.forecast.models import _distinct_rows

    rng = np.random.default_rng(4)
    for n in (3, 999, 5000):
        X = np.column_stack([np.ones(n), np.log1p(rng.poisson(0.5, (n, 4))), rng.poisson(1, n) / 4.0])
        first, inverse = _distinct_rows(X)
        rows = X.view(np.dtype((np.void, X.itemsize * X.shape[1]))).ravel()
        _, ref_first, ref_inverse = np.unique(rows, return_index=True, return_inverse=True)
        np.testing.assert_array_equal(first, ref_first)
        np.testing.assert_array_equal(inverse, ref_inverse.ravel())
        np.testing.assert_array_equal(X[first][inverse], X)


def test_rank_order_from_a_base_order_equals_lexsort():
    """Ranking over a precomputed (tie-break, id) order = the three-key lexsort, ties at every level."""
    from geolage.stats.forecast.cells import rank_order

    rng = np.random.default_rng(9)
    n = 3000
    id_order = rng.permutation(n)
    tiebreak = rng.integers(0, 4, n).astype(float)
    base = np.lexsort((id_order, -tiebreak))
    for score in (rng.integers(0, 3, n).astype(float), rng.random(n), np.zeros(n)):
        np.testing.assert_array_equal(rank_order(score, tiebreak, id_order, base=base),
                                      rank_order(score, tiebreak, id_order))


def test_district_draws_do_not_depend_on_last_digit_rounding():
    from geolage.stats.forecast.district import _normal_draws

    rng = np.random.default_rng(0)
    a = rng.normal(size=(6, 6))
    cov = a @ a.T + 0.1 * np.eye(6)
    cov[0, 1] = cov[1, 0] = cov[0, 1] * (1 + 1e-14)  # what another BLAS summation order does
    mean = np.arange(6.0)
    one = _normal_draws(np.random.default_rng(3), mean, a @ a.T + 0.1 * np.eye(6), 2000)
    two = _normal_draws(np.random.default_rng(3), mean, cov, 2000)
    assert np.max(np.abs(one - two)) < 1e-10
    np.testing.assert_allclose(np.cov(one.T), a @ a.T + 0.1 * np.eye(6), rtol=0.15, atol=0.1)
    singular = np.ones((2, 2))  # semi-definite: falls back to eigh, still the right distribution
    draws = _normal_draws(np.random.default_rng(3), np.zeros(2), singular, 4000)
    np.testing.assert_allclose(draws[:, 0], draws[:, 1], atol=1e-6)
    assert abs(draws[:, 0].var() - 1) < 0.1

"""Tests of geolage.run.steps.statistics.add_statistics on a tiny hand-built run."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geolage.config import config_from_dict
from geolage.run.prepare import read_input_tables
from geolage.run.results import RunResults
from geolage.run.steps.statistics import TABLE_NAMES, add_statistics
from geolage.text.labels import COLUMN_LABELS

#: Key columns per table from docs/DEVELOPING.md.
CONTRACT = {
    "rates_district": ["district_id", "district_name", "category", "period", "count", "population", "rate",
                       "rate_ci_low", "rate_ci_high", "eb_rate", "eb_rate_spatial", "is_focus"],
    "comparison": ["area", "category", "count", "rate", "ref_count", "ref_rate", "rate_ratio", "rr_ci_low",
                   "rr_ci_high", "rr_p", "lqc"],
    "funnel": ["district_id", "district_name", "category", "population", "count", "rate", "ref_rate", "lim95_low",
               "lim95_high", "lim998_low", "lim998_high", "funnel_position"],
    "coverage": ["year", "bra_group", "bra_count", "data_count", "coverage"],
    "series": ["area", "category", "period", "count"],
    "trend": ["area", "category", "mk_s", "mk_var_s", "mk_z", "mk_p", "trend_pct_per_year", "trend_ci_low",
              "trend_ci_high", "trend_model", "change_baseline", "change_current", "change_pct", "change_p",
              "direction"],
    "time_weekday_hour": ["category", "weekday", "hour", "weight"],
    "time_month": ["category", "month", "weight"],
    "concentration": ["unit", "category", "n_incidents", "n_units", "top1_share", "top5_share", "top10_share", "gini",
                      "gini_generalised"],
    "lorenz": ["unit", "category", "place_share", "incident_share"],
}

X0, Y0 = 370000, 6400000


def make_run(tmp_path, *, n=400, seed=5, bra=True, reference="rest", shuffle=None, gal=None, focus=None,
             current=None) -> RunResults:
    """Four 1 km districts (a b / c d), a 500 m grid, incidents 2021-01-01 .. 2023-06-30."""
    ids = ["a", "b", "c", "d"]
    geoms = [box(X0, Y0 + 1000, X0 + 1000, Y0 + 2000), box(X0 + 1000, Y0 + 1000, X0 + 2000, Y0 + 2000),
             box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)]
    districts = gpd.GeoDataFrame({"district_id": ids, "district_name": ["Aby", "Berg", "Centrum", "Dal"],
                                  "population": [1000.0, 2000.0, 1500.0, 20.0],
                                  "is_focus": [True, True, False, False], "is_reference": [False, False, True, True]},
                                 geometry=geoms, index=pd.Index(ids, name="district_id"), crs="EPSG:3006")
    cells = []
    for i in range(4):
        for j in range(4):
            x, y = X0 + 500 * i, Y0 + 500 * j
            cells.append((f"{x:06d}{y:07d}", x, y, i, j, box(x, y, x + 500, y + 500)))
    grid = gpd.GeoDataFrame(cells, columns=["cell_id", "x0", "y0", "col", "row", "geometry"], crs="EPSG:3006")
    grid["area_share"] = 1.0
    grid = grid.set_index("cell_id", drop=False)
    rng = np.random.default_rng(seed)
    xs = rng.uniform(X0, X0 + 2000, n)
    ys = rng.uniform(Y0, Y0 + 2000, n)
    xs[:5] = X0 + 5000  # five incidents outside every district and the grid
    start = pd.Timestamp("2021-01-01")
    t = start + pd.to_timedelta(rng.integers(0, 910 * 24 * 60, n), unit="min")
    window = pd.to_timedelta(rng.choice([0, 0, 90, 600], n), unit="min")
    cats = rng.choice(["hot", "misshandel", "stold"], n)
    pts = gpd.GeoSeries([Point(x, y) for x, y in zip(xs, ys, strict=True)], crs="EPSG:3006")
    inside = (xs < X0 + 2000) & (ys < Y0 + 2000)
    col_d, row_d = ((xs - X0) // 1000).astype(int), ((ys - Y0) // 1000).astype(int)
    did = np.where(inside, np.array([["c", "a"], ["d", "b"]], dtype=object)[col_d.clip(0, 1), row_d.clip(0, 1)], None)
    cx, cy = X0 + 500 * ((xs - X0) // 500), Y0 + 500 * ((ys - Y0) // 500)
    cid = np.where(inside, [f"{int(a):06d}{int(b):07d}" for a, b in zip(cx, cy, strict=True)], None)
    inc = gpd.GeoDataFrame({
        "incident_id": [f"polis:{i}" for i in range(n)], "source": "polis", "source_row": np.arange(1, n + 1),
        "category": cats, "source_category": cats, "time": t + window / 2, "time_from": t, "time_to": t + window,
        "has_clock_time": rng.random(n) > 0.2, "x": xs, "y": ys,
        "district_id": did, "cell_id": cid,
        "fixes": "", "text": "",
    }, geometry=pts, crs="EPSG:3006")
    inc["district_name"] = inc["district_id"].map(districts["district_name"])
    if shuffle is not None:
        inc = inc.iloc[shuffle].reset_index(drop=True)
    project = {"language": "sv", "municipality_code": "1490"}
    if bra:
        path = tmp_path / "bra.csv"
        pd.DataFrame({"kommun_kod": [1490, 1490, 1490, 1999], "period": ["2021", "2022", "2022", "2022"],
                      "category": ["total", "total", "person", "total"], "reported_offences": [1000, 1100, 300, 5],
                      "preliminary": [False, False, False, False]}).to_csv(path, index=False)
        project["bra_totals"] = str(path)
    cfg = config_from_dict({
        "project": project,
        "districts": {"path": "d.gpkg", "id_field": "id", "name_field": "name"},
        "sources": [{"name": "polis", "path": "p.csv", "columns": {"category": "c", "x": "x", "y": "y",
                                                                   "datetime": "t"}, "categories": {"1": "hot"}}],
        "periods": {"start": "2021-01-01", "end": "2023-06-30", **({"current": current} if current else {})},
        "areas": {"focus": focus or ["a", "b"], "reference": reference},
        **({"hotspots": {"district_weights": str(gal)}} if gal else {}),
    }, base_dir=tmp_path, check_files=False)
    return RunResults(config=cfg, incidents=inc, rejects=pd.DataFrame(), districts=districts, grid=grid,
                      study_area=gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 2000, Y0 + 2000)], crs="EPSG:3006"),
                      inputs=read_input_tables(cfg))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    res = make_run(tmp_path_factory.mktemp("stat"))
    add_statistics(res)
    return res


# --------------------------------------------------------------------------- inputs
def test_bad_brå_file_is_a_clear_error(tmp_path):
    from geolage.errors import InputFileError

    res = make_run(tmp_path)
    pd.DataFrame({"year": [2021], "n": [3]}).to_csv(tmp_path / "bra.csv", index=False)
    with pytest.raises(InputFileError, match="Brå totals need the columns period, category, reported_offences"):
        read_input_tables(res.config)


# --------------------------------------------------------------------------- outputs
def test_all_tables_added_with_contract_columns(run):
    assert set(TABLE_NAMES) - {"previous_change"} <= set(run.tables)  # previous_change: only with a previous period
    assert "previous_change" not in run.tables
    for name, cols in CONTRACT.items():
        data = run.tables[name].data
        missing = [c for c in cols if c not in data.columns]
        assert not missing, f"{name} lacks {missing}"
        assert len(data) > 0, name
    assert run.tables["rates_district"].is_spatial
    assert run.tables["rates_district"].style == "rate"
    assert run.tables["rates_district"].style_column == "eb_rate"
    assert "count" in run.tables["rates_district"].count_columns


def test_every_column_has_swedish_and_english_labels(run):
    for name in set(TABLE_NAMES) & set(run.tables):
        for col in run.tables[name].data.columns:
            if col == "geometry":
                continue
            assert col in COLUMN_LABELS, f"{name}.{col} has no label"
            assert set(COLUMN_LABELS[col]) == {"sv", "en"}


def test_counts_per_district_sum_to_assigned_incidents(run):
    rd = run.tables["rates_district"].data
    total = rd[(rd["category"] == "alla") & (rd["period"] == "hela")]["count"].sum()
    assert total == run.incidents["district_id"].notna().sum() == len(run.incidents) - 5
    years = rd[(rd["category"] == "alla") & (rd["period"] != "hela")]["count"].sum()
    assert years == total


def test_counts_per_source_add_up(run):
    cs = run.tables["counts_source"].data
    assert set(cs["source"]) == {"polis", "alla"}
    alla = cs[(cs["source"] == "alla") & (cs["category"] == "alla") & (cs["period"] == "hela")]["count"].sum()
    assert alla == run.incidents["district_id"].notna().sum()


def test_rates_use_person_years(run):
    rd = run.tables["rates_district"].data.set_index(["district_id", "category", "period"])
    r = rd.loc[("a", "alla", "2023")]
    assert r["exposure"] == pytest.approx(1000 * 181 / 365)
    assert r["rate"] == pytest.approx(r["count"] / r["exposure"] * 1000)
    tiny = rd.loc[("d", "alla", "hela")]
    assert abs(tiny["eb_rate"] - 100) < abs(tiny["rate"] - 100)  # shrunk towards the mean


def test_comparison_has_focus_areas_and_union(run):
    comp = run.tables["comparison"].data
    assert set(comp["area"]) == {"a", "b", "all_focus_areas"}  # codes as ids, names for people
    assert comp.loc[comp["area"] == "all_focus_areas", "area_name"].unique().tolist() == ["Alla fokusområden"]
    u = comp[(comp["area"] == "all_focus_areas") & (comp["category"] == "alla") & (comp["period"] == "hela")].iloc[0]
    rd = run.tables["rates_district"].data
    alla = rd[(rd["category"] == "alla") & (rd["period"] == "hela")].set_index("district_id")["count"]
    assert u["count"] == alla["a"] + alla["b"]
    assert u["ref_count"] == alla["c"] + alla["d"]


def test_coverage_uses_the_municipality_and_full_years(run):
    cov = run.tables["coverage"].data
    assert set(cov["year"]) == {2021, 2022}  # 2023 is only half analysed
    tot = cov[cov["bra_group"] == "total"].set_index("year")
    n21 = (pd.to_datetime(run.incidents["time"]).dt.year == 2021).sum()
    assert tot.loc[2021, "data_count"] == n21 and tot.loc[2021, "coverage"] == pytest.approx(n21 / 1000)
    assert tot.loc[2022, "bra_count"] == 1100  # not the other municipality's 5


def test_time_tables_sum_to_incidents(run):
    wh = run.tables["time_weekday_hour"].data
    whole = wh[wh["area"] == "whole_area"]
    assert whole[whole["category"] == "alla"]["weight"].sum() == pytest.approx(len(run.incidents))
    mo = run.tables["time_month"].data
    assert mo[(mo["category"] == "alla") & (mo["area"] == "whole_area")]["weight"].sum() == pytest.approx(
        len(run.incidents))
    in_a = int((run.incidents["district_id"] == "a").sum())  # focus district a: its own weekday × hour and months
    assert wh[(wh["area"] == "a") & (wh["category"] == "alla")]["weight"].sum() == pytest.approx(in_a)
    assert mo[(mo["area"] == "a") & (mo["category"] == "alla")]["weight"].sum() == pytest.approx(in_a)


def test_concentration_on_grid_and_districts(run):
    conc = run.tables["concentration"].data
    assert set(conc["unit"]) == {"grid", "district"}
    g = conc[(conc["unit"] == "grid") & (conc["category"] == "alla")].iloc[0]
    assert g["n_units"] == 16 and g["n_incidents"] == len(run.incidents) - 5


def test_trend_directions_in_the_run_language(run):
    assert set(run.tables["trend"].data["direction"]) <= {"ökar", "minskar", "ingen säker förändring"}


def test_parameters_recorded(run):
    p = run.parameters["statistics"]
    for key in ("rate_per", "confidence", "rate_ci", "eb", "reference", "trend_test", "coverage_years"):
        assert key in p
    assert p["coverage_years"] == [2021, 2022]


def test_results_unchanged_when_rows_are_shuffled(tmp_path, run):
    order = np.random.default_rng(1).permutation(len(run.incidents))
    res = make_run(tmp_path, shuffle=order)
    add_statistics(res)
    for name in set(TABLE_NAMES) & set(run.tables):
        a = pd.DataFrame(run.tables[name].data).drop(columns="geometry", errors="ignore")
        b = pd.DataFrame(res.tables[name].data).drop(columns="geometry", errors="ignore")
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False,
                                      rtol=1e-9, obj=name)


def test_listed_reference_and_no_brå(tmp_path):
    res = make_run(tmp_path, bra=False, reference=["c"])
    add_statistics(res)
    assert "coverage" not in res.tables
    comp = res.tables["comparison"].data
    assert set(comp["reference"]) == {"reference districts"}


def test_user_district_weights_for_the_spatial_eb(tmp_path, run):
    gal = tmp_path / "rook.gal"
    gal.write_text("0 4 rook ID\na 2\nb c\nb 2\na d\nc 2\na d\nd 2\nb c\n", encoding="utf-8")
    res = make_run(tmp_path, gal=gal)
    add_statistics(res)
    assert "rook.gal" in res.parameters["statistics"]["eb"]
    a = res.tables["rates_district"].data["eb_rate_spatial"].to_numpy()
    b = run.tables["rates_district"].data["eb_rate_spatial"].to_numpy()
    assert np.isfinite(a).any() and not np.allclose(a, b, equal_nan=True)


# --------------------------------------------------------------------------- named focus areas
NAMED = [{"name": "Norra fältet", "districts": ["Aby", "b"], "previous": ["2021-01-01", "2021-12-31"]}, "Centrum"]


@pytest.fixture(scope="module")
def named_run(tmp_path_factory):
    res = make_run(tmp_path_factory.mktemp("named"), focus=NAMED, current=["2022-07-01", "2023-06-30"])
    add_statistics(res)
    return res


def test_named_area_is_one_unit_whose_count_is_its_districts_sum(named_run):
    comp = named_run.tables["comparison"].data
    assert list(dict.fromkeys(comp["area"])) == ["norra_faltet", "a", "b", "c", "all_focus_areas"]
    assert comp.loc[comp["area"] == "norra_faltet", "area_name"].iloc[0] == "Norra fältet"
    key = ["category", "period"]
    area = comp[comp["area"] == "norra_faltet"].set_index(key)
    parts = comp[comp["area"].isin(["a", "b"])].groupby(key)[["count", "exposure"]].sum()
    pd.testing.assert_series_equal(area["count"], parts["count"].reindex(area.index), check_names=False)
    np.testing.assert_allclose(area["exposure"], parts["exposure"].reindex(area.index))
    # against the rest of the area (c and d), by brute force from the incidents
    inc = named_run.incidents
    whole = area.loc[("alla", "hela")]
    assert whole["count"] == inc["district_id"].isin(["a", "b"]).sum()
    assert whole["ref_count"] == inc["district_id"].isin(["c", "d"]).sum()
    rest_exposure = (1500.0 + 20.0) * whole["exposure"] / 3000.0  # same person-years per resident
    assert whole["rate_ratio"] == pytest.approx((whole["count"] / whole["exposure"]) /
                                                (whole["ref_count"] / rest_exposure))
    assert named_run.tables["comparison"].area_parts == {
        "norra_faltet": ("a", "b"), "all_focus_areas": ("a", "b", "c")}


def test_named_area_series_and_trend(named_run):
    se = named_run.tables["series"].data
    yearly = se[(se["unit"] == "year") & (se["category"] == "alla")].set_index(["area", "period"])["count"]
    for year in ("2021", "2022"):
        assert yearly[("norra_faltet", year)] == yearly[("a", year)] + yearly[("b", year)]
    tr = named_run.tables["trend"].data
    assert "norra_faltet" in set(tr["area"]) and "c" in set(tr["area"])


def test_change_since_the_previous_period_by_brute_force(named_run):
    pc = named_run.tables["previous_change"].data
    assert set(pc["area"]) == {"norra_faltet"}  # only the area with a previous lägesbild
    row = pc[pc["category"] == "alla"].iloc[0]
    t = pd.to_datetime(named_run.incidents["time"])
    in_area = named_run.incidents["district_id"].isin(["a", "b"])
    before = int((in_area & (t >= "2021-01-01") & (t < "2022-01-01")).sum())
    now = int((in_area & (t >= "2022-07-01") & (t < "2023-07-01")).sum())
    assert (row["count_previous"], row["count"]) == (before, now)
    assert row["exposure_previous"] == pytest.approx(3000.0)  # 3 000 residents, one year
    assert row["exposure"] == pytest.approx(3000.0 * 365 / 365, rel=2e-3)
    assert row["change_ratio"] == pytest.approx((now / row["exposure"]) / (before / row["exposure_previous"]))
    # exact conditional interval: now | total ~ Binomial(total, pi), pi = RR E1 / (RR E1 + E0)
    from scipy.stats import binomtest

    ci = binomtest(now, now + before).proportion_ci(0.95, method="exact")
    odds = row["exposure_previous"] / row["exposure"]
    assert row["change_ci_low"] == pytest.approx(ci.low / (1 - ci.low) * odds, rel=1e-9)
    assert row["change_ci_high"] == pytest.approx(ci.high / (1 - ci.high) * odds, rel=1e-9)
    expected = "up" if row["change_ci_low"] > 1 else "down" if row["change_ci_high"] < 1 else "none"
    assert row["direction"] == expected
    per_cat = pc[pc["category"] != "alla"]
    assert per_cat["count"].sum() == row["count"] and per_cat["count_previous"].sum() == row["count_previous"]


def test_planted_fall_since_the_previous_period_is_found(tmp_path):
    res = make_run(tmp_path, focus=NAMED, current=["2022-07-01", "2023-06-30"])
    t = pd.to_datetime(res.incidents["time"])
    late_in_area = res.incidents["district_id"].isin(["a", "b"]) & (t >= "2022-07-01")
    res.incidents = res.incidents[~late_in_area.to_numpy() | (np.arange(len(t)) % 4 == 0)]  # keep a quarter
    add_statistics(res)
    row = res.tables["previous_change"].data.set_index("category").loc["alla"]
    assert row["direction"] == "down" and row["change_ci_high"] < 1


def test_named_area_district_unknown_is_a_clear_error(tmp_path):
    from geolage.errors import ConfigError
    from geolage.focus import resolve_focus_areas

    res = make_run(tmp_path, focus=[{"name": "X", "districts": ["a", "Nowhere"]}])
    frame = pd.DataFrame({"district_id": list(res.districts.index), "district_name": res.districts["district_name"]})
    with pytest.raises(ConfigError, match=r"'areas.focus\[0\].districts': no district with name or id 'Nowhere'"):
        resolve_focus_areas(res.config.areas.focus, frame)
    twice = make_run(tmp_path, focus=[{"name": "X", "districts": ["a", "b"]}, "a"])
    with pytest.raises(ConfigError, match="district 'a' is in both 'X' and 'Aby'"):
        resolve_focus_areas(twice.config.areas.focus, frame)


def test_area_profile_by_brute_force(named_run):
    from geolage.run.steps.areas import add_area_profiles, current_window

    add_area_profiles(named_run)
    ap = named_run.tables["area_profile"].data
    assert list(dict.fromkeys(ap["area"])) == ["norra_faltet", "c"]
    start, end = current_window(named_run)
    assert (start.isoformat(), end.isoformat()) == ("2022-07-01", "2023-06-30")
    inc = named_run.incidents
    t = pd.to_datetime(inc["time"])
    now = (t >= "2022-07-01") & (t < "2023-07-01")
    row = ap[(ap["area"] == "norra_faltet") & (ap["category"] == "alla")].iloc[0]
    n_area = int((now & inc["district_id"].isin(["a", "b"])).sum())
    n_rest = int((now & inc["district_id"].isin(["c", "d"])).sum())
    years = 365 / 365
    assert row["count"] == n_area
    assert row["rate"] == pytest.approx(n_area / (3000 * years) * 1000, rel=2e-3)
    assert row["ref_rate"] == pytest.approx(n_rest / (1520 * years) * 1000, rel=2e-3)
    assert row["whole_rate"] == pytest.approx((n_area + n_rest) / (4520 * years) * 1000, rel=2e-3)
    assert row["rate_ratio"] == pytest.approx(row["rate"] / row["ref_rate"], rel=1e-9)
    assert row["share_of_whole"] == pytest.approx(n_area / (n_area + n_rest))
    assert np.isnan(row["hotspot_share"])  # no Gi* in this run
    change = named_run.tables["previous_change"].data.set_index("category").loc["alla"]
    assert row["change_ratio"] == pytest.approx(change["change_ratio"])
    ranked = ap[(ap["area"] == "norra_faltet") & ap["priority_rank"].notna()]
    assert sorted(ranked["priority_rank"]) == list(range(1, len(ranked) + 1))
    assert set(ranked["category"]) == {"hot", "misshandel", "stold"}

"""Tests of geolage.run.disclosure (public-mode rules) and geolage.outputs.audit (the output scan)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from fixtures_report import CRS, make_results
from shapely.geometry import Point, box

from geolage.outputs.audit import scan_public_outputs
from geolage.run.disclosure import (
    DEFAULT_COUNT_COLUMNS,
    DISCLOSURE_RULES,
    drop_text_columns,
    public_raster,
    public_results,
    public_table,
    suppressed_label,
)
from geolage.run.results import Raster, Table


def _rates(counts=(3, 5, 0, 12)) -> Table:
    """One district per count, category misshandel, rate per 1000 of 1000 residents."""
    df = pd.DataFrame({"district_id": [f"D{i}" for i in range(len(counts))], "category": "misshandel",
                       "period": "hela", "count": list(counts), "population": 1000.0,
                       "rate": [float(c) for c in counts], "rate_ci_low": 0.1, "eb_rate": [c * 0.9 for c in counts],
                       "is_focus": False})
    return Table("rates_district", df, {"sv": "Takt", "en": "Rate"}, count_columns=("count",))


# --------------------------------------------------------------------------- inputs
def test_min_count_below_one_raises():
    with pytest.raises(ValueError, match="min_count needs to be at least 1; got 0"):
        public_table(_rates(), 0)


# --------------------------------------------------------------------------- outputs
def test_count_of_three_suppressed_five_and_zero_kept():
    out = public_table(_rates(), 5).data
    assert np.isnan(out.loc[0, "count"])
    assert out["count"].tolist()[1:] == [5, 0, 12]
    assert out["count_suppressed"].tolist() == [True, False, False, False]


def test_rates_of_a_suppressed_count_are_suppressed():
    out = public_table(_rates(), 5).data
    for col in ("rate", "rate_ci_low", "eb_rate"):
        assert pd.isna(out.loc[0, col]), col
        assert out.loc[1, col] == pytest.approx(_rates().data.loc[1, col])
    assert out.loc[0, "population"] == 1000.0  # not derived from the count


def test_internal_only_table_is_left_out():
    t = Table("incident_points", pd.DataFrame({"x": [1.0]}), {"sv": "p"}, internal_only=True)
    assert public_table(t, 5) is None


def test_text_columns_dropped():
    df = pd.DataFrame({"district_id": ["D1"], "text": ["fritext"], "raw": ["{}"], "count": [9], "text_2": ["x"]})
    assert list(drop_text_columns(df).columns) == ["district_id", "count"]
    t = public_table(Table("x", df, {"sv": "x"}, count_columns=("count",)), 5)
    assert "text" not in t.data.columns and "raw" not in t.data.columns


def test_input_not_changed():
    t = _rates()
    before = t.data.copy()
    public_table(t, 5)
    pd.testing.assert_frame_equal(t.data, before)


def test_fractional_weights_under_threshold_suppressed():
    df = pd.DataFrame({"category": "alla", "weekday": [0, 1, 2], "hour": 3, "weight": [0.5, 4.99, 5.0]})
    out = public_table(Table("time_weekday_hour", df, {"sv": "t"}), 5).data
    assert out["weight_suppressed"].tolist() == [True, True, False]


def test_complementary_suppression_protects_the_total():
    df = pd.DataFrame({"district_id": "D1", "period": "hela", "category": ["alla", "a", "b", "c"],
                       "count": [40, 2, 30, 8], "rate": [40.0, 2.0, 30.0, 8.0]})
    out = public_table(Table("rates_district", df, {"sv": "t"}, count_columns=("count",)), 5).data
    # 2 is suppressed; 8 (the smallest other) as well, so 40 - 30 does not give 2
    assert out["count_suppressed"].tolist() == [False, True, False, True]
    assert pd.isna(out.loc[3, "rate"])


def test_no_complementary_suppression_without_total():
    df = pd.DataFrame({"district_id": "D1", "category": ["a", "b"], "count": [2, 30]})
    out = public_table(Table("t", df, {"sv": "t"}), 5).data
    assert out["count_suppressed"].tolist() == [True, False]


def test_grid_table_hides_zero_and_cell_statistics():
    df = gpd.GeoDataFrame({"cell_id": ["a", "b", "c"], "category": "alla", "count": [0, 3, 9],
                           "gistar_z": [1.0, 2.0, 3.0], "gistar_p": 0.1, "gistar_class": "hot_95"},
                          geometry=[box(0, 0, 1, 1)] * 3, crs=CRS)
    out = public_table(Table("gistar_grid", df, {"sv": "g"}, count_columns=("count",)), 5).data
    assert isinstance(out, gpd.GeoDataFrame) and out.crs == CRS
    assert out["count_suppressed"].tolist() == [True, True, False]
    assert "gistar_z" not in out.columns and "gistar_p" not in out.columns
    assert out["gistar_class"].tolist() == ["hot_95"] * 3
    assert len(out) == 3  # geometry kept


def test_change_pct_suppressed_with_baseline():
    df = pd.DataFrame({"area": ["A", "B"], "category": "x", "change_baseline": [3, 30], "change_current": [40, 22],
                       "change_pct": [1233.0, -26.7], "trend_pct_per_year": [5.0, 1.0]})
    out = public_table(Table("trend", df, {"sv": "t"}), 5).data
    assert pd.isna(out.loc[0, "change_pct"]) and out.loc[1, "change_pct"] == -26.7
    # a row with a hidden count shows no other number of it (rule 5); the other row keeps its slope
    assert pd.isna(out.loc[0, "trend_pct_per_year"]) and out.loc[1, "change_current"] == 22


def test_public_twice_keeps_suppression():
    once = public_table(_rates(), 5)
    twice = public_table(once, 5).data
    assert twice["count_suppressed"].tolist() == [True, False, False, False]


def test_raster_masked_below_min_count_kernels():
    peak = 3 / np.pi / 0.4**2  # one incident, quartic, bandwidth 400 m, per km²
    arr = np.array([[peak * 4.9, peak * 5.1]])
    r = Raster("kde_alla", arr, Affine(100, 0, 0, 0, -100, 100), CRS, "incidents per km²", {"sv": "k"},
               parameters={"kernel": "quartic", "bandwidth": 400})
    out = public_raster(r, 5)
    assert np.isnan(out.array[0, 0]) and out.array[0, 1] == pytest.approx(peak * 5.1)
    assert r.array[0, 0] == pytest.approx(peak * 4.9)  # input unchanged


def test_raster_without_parameters_left_out():
    r = Raster("kde_alla", np.ones((1, 1)), Affine.identity(), CRS, "incidents per km²", {"sv": "k"})
    assert public_raster(r, 5) is None


def test_public_results_whole_run():
    res = make_results(hostile=True)
    pub = public_results(res)
    assert "incident_points" not in pub.tables
    assert len(pub.incidents) == 0 and "text" not in pub.incidents.columns
    assert len(pub.rejects) == 0
    assert "examples" not in pub.quality and pub.quality["per_source"]["polis"]["read"] == 61
    rec = pub.record["disclosure"]
    assert {k: rec[k] for k in ("mode", "min_count", "tables_left_out", "rasters_left_out")} == {
        "mode": "public", "min_count": 5, "tables_left_out": ["incident_points"], "rasters_left_out": []}
    assert rec["rules"] == DISCLOSURE_RULES
    assert set(pub.tables["lorenz"].data["category"]) == {"alla"}  # inbrott_bostad has n_incidents 3
    assert len(res.incidents) == 60 and "incident_points" in res.tables  # input unchanged
    for name, table in pub.tables.items():
        for col in set(table.count_columns) | DEFAULT_COUNT_COLUMNS:
            if col in table.data.columns:
                v = pd.to_numeric(table.data[col], errors="coerce")
                assert not ((v > 0) & (v < 5)).any(), (name, col)


def test_suppressed_label():
    assert suppressed_label(5, "sv") == "<5 (dolt)"
    assert suppressed_label(3, "en") == "<3 (suppressed)"


# --------------------------------------------------------------------------- scan
def _incidents() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"text": ["Gärningsmannen sprang mot stationen efter rånet", ""]},
                            geometry=[Point(375123.4, 6398456.7), Point(376001.2, 6399002.9)], crs=CRS)


def test_scan_finds_coordinates_counts_and_text(tmp_path):
    inc = _incidents()
    (tmp_path / "a.csv").write_text("id,x,y,count\n1,375123.4,6398456.7,9\n2,1,2,3\n", encoding="utf-8")
    ll = inc.to_crs("EPSG:4326").geometry.iloc[1]
    (tmp_path / "b.html").write_text(f'<p>[{ll.x:.6f},{ll.y:.6f}]</p><p>gärningsmannen sprang mot '
                                     f'stationen efter rånet</p>', encoding="utf-8")
    (tmp_path / "c.json").write_text('{"features": [{"properties": {"count": 2}}]}', encoding="utf-8")
    kinds = {(f.path.name, f.kind) for f in scan_public_outputs(tmp_path, inc, 5)}
    assert kinds >= {("a.csv", "coordinate"), ("a.csv", "count"), ("b.html", "coordinate"), ("b.html", "text"),
                     ("c.json", "count")}


def test_scan_gpkg_points_and_counts(tmp_path):
    inc = _incidents()
    pts = gpd.GeoDataFrame({"count": [7]}, geometry=[inc.geometry.iloc[0]], crs=CRS)
    pts.to_file(tmp_path / "x.gpkg", layer="punkter", driver="GPKG")
    small = gpd.GeoDataFrame({"count": [2]}, geometry=[box(0, 0, 1, 1)], crs=CRS)
    small.to_file(tmp_path / "x.gpkg", layer="rutor", driver="GPKG")
    found = {(f.where, f.kind) for f in scan_public_outputs(tmp_path, inc, 5)}
    assert ("punkter", "coordinate") in found
    assert ("rutor.count", "count") in found


def test_scan_clean_folder_and_boundary_coincidence(tmp_path):
    inc = gpd.GeoDataFrame({"text": ["x"]}, geometry=[Point(375500, 6398500)], crs=CRS)  # on a grid corner
    grid = gpd.GeoDataFrame(geometry=[box(375000, 6398000, 375500, 6398500)], crs=CRS)
    grid.assign(count=[0]).to_file(tmp_path / "g.gpkg", layer="grid", driver="GPKG")
    (tmp_path / "ok.csv").write_text("category,count\nalla,12\n", encoding="utf-8")
    assert scan_public_outputs(tmp_path, inc, 5, boundaries=[grid]) == []
    assert scan_public_outputs(tmp_path, inc, 5) != []  # without the boundary, the vertex is suspicious


def test_named_focus_area_minus_its_visible_districts_cannot_give_a_hidden_one():
    # area "omr" = a + b + c; a = 2 is hidden; without a second hidden part, omr - b - c = a
    df = pd.DataFrame({"area": ["omr", "a", "b", "c", "d"], "category": "alla", "period": "hela",
                       "count": [42, 2, 30, 10, 7], "exposure": 100.0})
    table = Table("comparison", df, {"sv": "t"}, count_columns=("count",), area_parts={"omr": ("a", "b", "c")})
    out = public_table(table, 5).data.set_index("area")
    assert out.loc["a", "count_suppressed"]
    hidden = [a for a in ("b", "c", "omr") if out.loc[a, "count_suppressed"]]
    assert hidden == ["c"]  # the smallest other part; d (not a member) stays
    assert not out.loc["d", "count_suppressed"]
    # attack: the reader's interval for a from the published numbers has at least two values
    vis = out["count"]
    rest = vis["omr"] - vis["b"]  # = a + c, with a in 1..4 and c >= 0 unknown
    assert rest == 12 and pd.isna(vis["a"]) and pd.isna(vis["c"])
    # without area_parts the same table only knows the whole-area rule and would leave c visible
    plain = public_table(Table("comparison", df, {"sv": "t"}, count_columns=("count",)), 5).data
    assert plain["count_suppressed"].tolist() == [False, True, False, False, False]


def _window_case():

    series = pd.DataFrame({"area": "x", "area_name": "X", "category": "alla", "unit": "year",
                           "period": ["2023", "2024", "2025"], "count": [10, 10, 3]})
    profile = pd.DataFrame({"area": ["x", "y"], "area_name": ["X", "Y"], "category": "alla",
                            "period_start": "2023-01-01", "period_end": "2025-12-31", "count": [23, 40],
                            "exposure": 1000.0, "rate": [23.0, 40.0]})
    originals = {"series": Table("series", series, {"sv": "s"}, count_columns=("count",)),
                 "area_profile": Table("area_profile", profile, {"sv": "p"}, count_columns=("count",))}
    tables = {n: public_table(t, 5) for n, t in originals.items()}
    assert not tables["area_profile"].data["count_suppressed"].any()  # each table alone looks safe
    return tables, originals


def test_window_total_of_a_focus_area_is_hidden_when_a_year_inside_is_hidden(monkeypatch):
    """Without rule 7b (and by default with it): a window total is hidden whenever a year inside it is."""
    import geolage.run.disclosure as disclosure
    from geolage.run.disclosure_across import across_tables

    monkeypatch.setattr(disclosure, "JOINT_CHECK", False)
    tables, originals = _window_case()
    across_tables(tables, originals, 5, "sv")
    out = tables["area_profile"].data.set_index("area")
    # 23 - 10 - 10 would give the hidden 3 of 2025: the window total is hidden, y (no hidden year) stays
    assert out.loc["x", "count_suppressed"] and pd.isna(out.loc["x", "count"]) and pd.isna(out.loc["x", "rate"])
    assert not out.loc["y", "count_suppressed"] and out.loc["y", "count"] == 40


def test_window_total_is_an_equation_of_the_joint_check(monkeypatch):
    """With rule 7b: window total = the sum of its years is one more sum; a year of at least k is hidden instead.

    23 = 10 + 10 + x pins the hidden 3; the cheapest other cell of that sum is a 10 (a part of
    at least k comes before the total), so the focus area's window total stays shown and the
    reader is left with 23 − 10 = x + y, x >= 1, y >= 1: two possible values at least.
    """
    import geolage.run.disclosure_across as across

    monkeypatch.setattr(across, "WINDOW_EQUATIONS", True)  # off by default (disclosure_across.WINDOW_EQUATIONS)
    tables, originals = _window_case()
    across.across_tables(tables, originals, 5, "sv")
    out = tables["area_profile"].data.set_index("area")
    assert not out.loc["x", "count_suppressed"] and out.loc["x", "count"] == 23
    assert not out.loc["y", "count_suppressed"] and out.loc["y", "count"] == 40
    s = tables["series"].data.set_index("period")
    assert s["count_suppressed"].tolist() == [True, False, True]  # 2023 (a tie of tens: the first row)


def test_a_share_whose_part_or_rest_is_a_small_count_is_withheld():
    from geolage.run.disclosure_across import across_tables

    profile = pd.DataFrame({"area": "x", "area_name": "X", "category": ["a", "b", "c", "d"],
                            "period_start": "2023-01-01", "period_end": "2025-12-31", "count": [20, 20, 20, 20],
                            "hotspot_share": [0.1, 0.5, 0.95, 0.0], "share_of_whole": [0.5, 20 / 22, 0.25, 1.0]})
    originals = {"area_profile": Table("area_profile", profile, {"sv": "p"}, count_columns=("count",))}
    tables = {n: public_table(t, 5) for n, t in originals.items()}
    across_tables(tables, originals, 5, "sv")
    out = tables["area_profile"].data.set_index("category")
    # 20 × 0.1 = 2 and 20 × (1 − 0.95) = 1 are small counts; 10 and 0 are not
    assert out["hotspot_share"].isna().tolist() == [True, False, True, False]
    # 20 / (20/22) − 20 = 2 incidents in the rest of the municipality: withheld; 20, 60 and 0 are not small
    assert out["share_of_whole"].isna().tolist() == [False, True, False, False]


def test_knox_table_hides_a_second_cell_in_the_row_and_column_of_a_small_one():
    # observed pairs per distance band (rows) and time band (columns); the expected counts published beside them
    # give away every row's and column's total, so one hidden cell per row or column could be solved for
    obs = np.array([[3, 40, 55], [30, 60, 80], [45, 70, 120]])
    rows = [{"category": "inbrott_bostad", "distance_band": f"d{i}", "time_band": f"t{j}", "observed": int(obs[i, j]),
             "expected": float(obs[i].sum() * obs[:, j].sum() / obs.sum()), "ratio": 1.0, "p_value": 0.5}
            for i in range(3) for j in range(3)]
    out = public_table(Table("near_repeat", pd.DataFrame(rows), {"sv": "k"}, count_columns=("observed",)), 5).data
    hidden = out["observed_suppressed"].to_numpy().reshape(3, 3)
    assert hidden[0, 0]
    for k in range(3):  # a row or column with a hidden cell has at least two
        assert hidden[k].sum() != 1 and hidden[:, k].sum() != 1
    assert out.loc[out["observed_suppressed"], "expected"].isna().all()


def test_concentration_share_giving_a_small_count_at_the_top_places_is_withheld():
    from geolage.run.disclosure_across import across_tables

    conc = pd.DataFrame({"unit": "grid", "category": ["a", "b", "c"], "n_incidents": [200, 200, 40],
                         "n_units": 1000, "top1_share": [0.02, 0.30, 0.95], "top10_share": [0.5, 0.9, 1.0]})
    originals = {"concentration": Table("concentration", conc, {"sv": "c"}, count_columns=("n_incidents",))}
    tables = {n: public_table(t, 5) for n, t in originals.items()}
    across_tables(tables, originals, 5, "sv")
    out = tables["concentration"].data
    # 200 × 0.02 = 4 incidents at the top 1 % of cells; 40 × (1 − 0.95) = 2 outside them: both withheld
    assert out["top1_share"].isna().tolist() == [True, False, True]
    assert out["top10_share"].isna().tolist() == [False, False, False]


def test_lorenz_curves_are_rounded_so_no_count_of_places_can_be_read_off():
    from geolage.run.disclosure_across import across_tables
    from geolage.stats.concentration import concentration_table, lorenz_table

    rng = np.random.default_rng(3)
    cells = [f"c{i}" for i in range(300)]
    big = rng.poisson(5, 300)
    big[0] = 3  # a small count at one place
    small = np.zeros(300, dtype=int)
    small[:12] = 3  # 36 incidents: too few to publish a rounded curve
    counts = pd.DataFrame({"cell_id": cells * 2, "category": ["a"] * 300 + ["b"] * 300, "period": "hela",
                           "count": np.concatenate([big, small])})
    conc = concentration_table(counts, by="cell_id", unit="grid")
    lor = lorenz_table(counts, unit="grid")
    originals = {"concentration": Table("concentration", conc, {"sv": "c"}, count_columns=("n_incidents",)),
                 "lorenz": Table("lorenz", lor, {"sv": "l"})}
    tables = {n: public_table(t, 5) for n, t in originals.items()}
    across_tables(tables, originals, 5, "sv")
    out = tables["lorenz"].data
    assert set(out["category"]) == {"a"}  # b (36 incidents) left out
    n = big.sum()
    decimals = int(np.floor(np.log10(n / 10)))
    share = out["incident_share"].to_numpy()
    assert np.allclose(share, np.round(share, decimals))
    assert 0.5 * 10.0 ** -decimals * n >= 5  # each cumulative count known only to ± 5 or more incidents


def test_scan_text_vertex_rounded_twice_is_still_the_vertex(tmp_path):
    # the demo's map prints grid corners as lat/lon with 6 decimals; one of them, 13.142565
    # (5-decimal key 1314256 after half-to-even rounding), is the corner (389250, 6395000),
    # whose exact longitude gives key 1314257; an incident 1 m north of that corner must not make it a leak
    inc = gpd.GeoDataFrame({"text": ["x"]}, geometry=[Point(389250, 6395001)], crs=CRS)
    grid = gpd.GeoDataFrame(geometry=[box(389250, 6395000, 389500, 6395250)], crs=CRS)
    lon, lat = gpd.GeoSeries([Point(389250, 6395000)], crs=CRS).to_crs("EPSG:4326").iloc[0].coords[0]
    text = f'<script>var cells = [[{lat:.6f},{lon:.6f},"3892506395000"]];</script>'
    (tmp_path / "karta.html").write_text(text, encoding="utf-8")
    assert f"{lon:.6f}".endswith("5") or f"{lat:.6f}".endswith("5")  # the double-rounding case
    assert scan_public_outputs(tmp_path, inc, 5, boundaries=[grid]) == []
    assert scan_public_outputs(tmp_path, inc, 5) != []  # without the grid, the pair places the incident


def test_an_area_count_and_its_reference_count_are_hidden_together():
    # count + ref_count is the whole area's count, known from any other row of the same category and period
    df = pd.DataFrame({"area": ["a", "b", "c"], "category": "hot", "period": "hela",
                       "count": [3, 40, 52], "ref_count": [97, 60, 48], "exposure": 100.0, "rate_ratio": 1.0})
    out = public_table(Table("comparison", df, {"sv": "c"}, count_columns=("count", "ref_count")), 5).data
    assert out["count_suppressed"].tolist() == [True, False, False]
    assert out["ref_count_suppressed"].tolist() == [True, False, False]  # else 100 - 97 gives a's 3 back
    assert pd.isna(out.loc[0, "ref_count"]) and out.loc[1, "ref_count"] == 60


def test_every_table_empty_passes_the_public_step():
    """A table with no rows (a refused Knox test, a category without incidents) is published empty, not an error.

    Manchester's run (police.uk months: the Knox test refused, its table empty) failed in the
    public step with "zero-size array to reduction operation maximum".
    """
    import dataclasses

    results = make_results()
    knox = results.tables["near_repeat"]
    assert {"distance_band", "time_band", "observed"} <= set(knox.data.columns)
    results.tables["near_repeat"] = dataclasses.replace(knox, data=knox.data.assign(category="inbrott_bostad"))
    published = {name: public_table(dataclasses.replace(t, data=t.data.iloc[0:0].copy()), 5, "sv", cache={})
                 for name, t in results.tables.items()}
    left_out = {name for name, t in results.tables.items() if t.internal_only}
    assert {name for name, pub in published.items() if pub is None} == left_out
    assert {name: len(pub.data) for name, pub in published.items() if pub is not None} == dict.fromkeys(
        set(results.tables) - left_out, 0)

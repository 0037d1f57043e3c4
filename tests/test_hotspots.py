"""Tests of geolage.stats.hotspots (Gi*, FDR, permutation inference) and the add_hotspots step."""

from __future__ import annotations

import datetime as dt
import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from libpysal.graph import Graph
from scipy import sparse
from statsmodels.stats.multitest import multipletests

from geolage.classes import GISTAR_CLASSES, LISA_CLUSTERS
from geolage.config import config_from_dict
from geolage.neighbours import grid_weights
from geolage.run.results import RunResults
from geolage.run.steps.hotspots import add_hotspots
from geolage.stats.hotspots import (
    classify_gistar,
    count_incidents_in,
    fdr_bh,
    gistar,
    gistar_z,
    permutation_pvalues,
)

CRS = "EPSG:3006"
X0, Y0 = 370_000, 6_400_000


def make_grid(nc: int, nr: int, size: int = 100) -> gpd.GeoDataFrame:
    """A regular grid of nc x nr cells of `size` metres."""
    c, r = np.meshgrid(np.arange(nc), np.arange(nr), indexing="ij")
    c, r = c.ravel(), r.ravel()
    x0, y0 = X0 + c * size, Y0 + r * size
    g = gpd.GeoDataFrame({"col": c, "row": r, "x0": x0, "y0": y0},
                         geometry=shapely.box(x0, y0, x0 + size, y0 + size), crs=CRS)
    g.index = pd.Index([f"{a:06d}{b:07d}" for a, b in zip(x0, y0)], name="cell_id")
    g.attrs["cell_size"] = size
    return g


def make_districts(n: int = 4, size: int = 500) -> gpd.GeoDataFrame:
    """n x n square districts of `size` metres."""
    geoms, ids = [], []
    for i in range(n):
        for j in range(n):
            geoms.append(shapely.box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size))
            ids.append(f"D{i}{j}")
    return gpd.GeoDataFrame({"district_name": ids}, geometry=geoms, crs=CRS,
                            index=pd.Index(ids, name="district_id"))


def esda_gistar(y, graph):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(y, graph, transform="B", star=True, permutations=0).Zs


# --------------------------------------------------------------------------- inputs
def test_missing_values_are_reported():
    g = make_grid(3, 3)
    g["y"] = [1.0, np.nan, 2, 3, 4, 5, 6, 7, 8]
    with pytest.raises(ValueError, match=r"1 of 9 values are missing .* first at id '" + g.index[1]):
        gistar(g, "y")


def test_unknown_column():
    with pytest.raises(KeyError, match="column 'nope' not in the data"):
        gistar(make_grid(3, 3), "nope")


def test_zero_variance_is_an_error():
    g = make_grid(3, 3)
    g["y"] = 0.0
    with pytest.raises(ValueError, match="values that vary"):
        gistar(g, "y")


def test_option_problems_reported_together():
    g = make_grid(3, 3)
    g["y"] = np.arange(9.0)
    with pytest.raises(ValueError, match="inference='permutation' needs permutations > 0.*|correction needs"):
        gistar(g, "y", inference="permutation", correction="bonferroni")


# --------------------------------------------------------------------------- outputs
def test_hand_worked_3x3():
    """Rook band (100 m) plus self on a 3 x 3 grid with values 1..9 (y = 3 col + row + 1)."""
    g = make_grid(3, 3)
    g["y"] = (3 * g["col"] + g["row"] + 1).astype(float)
    res = gistar(g, "y", distance=100, correction="none")
    s = np.sqrt(20 / 3)  # sd (divisor n) of 1..9
    z = res["gistar_z"].to_numpy().reshape(3, 3)
    # corner (0,0): y=1, neighbours 4 and 2 -> sum 7, W=3: (7 - 5*3) / (s * sqrt((9*3 - 9)/8))
    assert z[0, 0] == pytest.approx(-8 / (s * 1.5), abs=1e-12)
    assert z[2, 2] == pytest.approx(8 / (s * 1.5), abs=1e-12)
    assert z[1, 1] == pytest.approx(0.0, abs=1e-12)  # centre: 2+4+5+6+8 = 25 = 5 * 5
    # edge (0,1): y=2, neighbours 1, 3, 5 -> 11, W=4: (11 - 20) / (s * sqrt((36 - 16)/8))
    assert z[0, 1] == pytest.approx(-9 / (s * np.sqrt(20 / 8)), abs=1e-12)
    assert res.loc[g.index[0], "gistar_p"] == pytest.approx(2 * 0.019434, abs=1e-5)


def test_columns_and_index():
    g = make_grid(6, 6)
    g["y"] = np.random.default_rng(0).poisson(2, len(g)).astype(float)
    res = gistar(g, "y", inference="analytical")
    assert list(res.columns) == ["gistar_z", "gistar_p", "gistar_q", "gistar_class", "gistar_n_neighbours"]
    default = gistar(g, "y", seed=1)  # counts: permutation inference, automatic permutations
    assert default.attrs["parameters"]["inference_used"] == "permutation"
    assert default.attrs["parameters"]["permutations"] == 2999  # 4 x 36 / 0.05 = 2880, rounded up to 3000 - 1
    assert list(default.columns)[-1] == "gistar_p_sim"
    assert res.index.equals(g.index)
    assert set(res["gistar_class"]) <= set(GISTAR_CLASSES)
    res2 = gistar(g, "y", permutations=9, seed=1)
    assert list(res2.columns)[-1] == "gistar_p_sim"
    assert res.attrs["parameters"]["weights"]["distance"] == 200.0


def test_matches_esda_on_grid_band():
    g = make_grid(15, 11)
    y = np.random.default_rng(1).poisson(1.5, len(g)).astype(float)
    res = gistar(g, y, distance=250)
    graph = Graph.build_distance_band(g.centroid, threshold=250 + 1e-6)
    ref = esda_gistar(y, graph)
    np.testing.assert_allclose(res["gistar_z"].to_numpy(), ref, atol=1e-8, rtol=0)


def test_matches_esda_on_districts_queen():
    d = make_districts(5)
    y = np.random.default_rng(2).gamma(2.0, 10.0, len(d))
    res = gistar(d, y)
    assert res.attrs["parameters"]["weights"]["kind"] == "queen_contiguity"
    ref = esda_gistar(y, Graph.build_contiguity(d.geometry, rook=False))
    np.testing.assert_allclose(res["gistar_z"].to_numpy(), ref, atol=1e-8, rtol=0)


def test_user_gal_weights_reproduce(tmp_path):
    d = make_districts(4)
    y = np.arange(len(d), dtype=float) ** 1.5
    graph = Graph.build_contiguity(d.geometry, rook=True)
    graph.to_gal(str(tmp_path / "rook.gal"))
    from_file = gistar(d, y, weights=tmp_path / "rook.gal")
    from_graph = gistar(d, y, weights=graph)
    np.testing.assert_allclose(from_file["gistar_z"], from_graph["gistar_z"], atol=1e-12)
    np.testing.assert_allclose(from_file["gistar_z"], esda_gistar(y, graph), atol=1e-8)


def test_weighted_formula_matches_ord_getis():
    """Non-binary weights: Ord & Getis (1995) general form, checked element by element."""
    rng = np.random.default_rng(3)
    n = 7
    W = rng.uniform(0, 1, (n, n)) * (rng.uniform(size=(n, n)) < 0.5)
    np.fill_diagonal(W, 1.0)
    y = rng.normal(5, 2, n)
    z, _ = gistar_z(y, sparse.csr_matrix(W))
    ybar, s = y.mean(), y.std()
    for i in range(n):
        wi, s1 = W[i].sum(), (W[i] ** 2).sum()
        expect = (W[i] @ y - ybar * wi) / (s * np.sqrt((n * s1 - wi**2) / (n - 1)))
        assert z[i] == pytest.approx(expect, abs=1e-12)


def test_fdr_bh_matches_statsmodels():
    p = np.random.default_rng(4).uniform(size=500) ** 3
    np.testing.assert_allclose(fdr_bh(p), multipletests(p, method="fdr_bh")[1], atol=1e-14)
    q = fdr_bh(np.array([0.01, np.nan, 0.04]))
    assert np.isnan(q[1]) and q[0] == pytest.approx(0.02) and q[2] == pytest.approx(0.04)


def test_classes_thresholds():
    z = np.array([3, 3, 3, 3, -3, -3, -3, 0])
    p = np.array([0.005, 0.03, 0.07, 0.2, 0.005, 0.03, 0.07, 0.001])
    assert list(classify_gistar(z, p)) == ["hot_99", "hot_95", "hot_90", "not_significant", "cold_99", "cold_95",
                                           "cold_90", "not_significant"]


def test_permutations_reproducible_with_seed():
    g = make_grid(10, 10)
    g["y"] = np.random.default_rng(5).poisson(2, len(g)).astype(float)
    a = gistar(g, "y", permutations=99, seed=42)
    b = gistar(g, "y", permutations=99, seed=42)
    c = gistar(g, "y", permutations=99, seed=43)
    assert a["gistar_p_sim"].equals(b["gistar_p_sim"])
    assert not a["gistar_p_sim"].equals(c["gistar_p_sim"])
    assert a["gistar_p_sim"].min() >= 2 / 100


def test_permutation_pvalues_agree_with_brute_force():
    """Shared-draw conditional randomisation ≈ independent per-cell randomisation."""
    rng = np.random.default_rng(6)
    g = make_grid(8, 8)
    y = rng.normal(size=len(g))
    y[:6] += 2.5
    w = grid_weights(g, 150, include_self=False).sparse
    # unequal weights as well, to exercise the matrix-product path
    w2 = w.copy()
    w2.data = rng.uniform(0.5, 2.0, len(w2.data))
    for mat in (w, w2):
        lag = mat @ y
        ours = permutation_pvalues(y, mat, lag, 19999, np.random.default_rng(7))
        brute = np.empty(len(y))
        r2 = np.random.default_rng(8)
        for i in range(len(y)):
            row = mat.getrow(i)
            others = np.delete(np.arange(len(y)), i)
            sims = np.array([row.data @ y[r2.choice(others, len(row.data), replace=False)] for _ in range(2999)])
            upper, lower = (sims >= lag[i]).sum(), (sims <= lag[i]).sum()
            brute[i] = (min(upper, lower) + 1) / 3000
        np.testing.assert_allclose(ours, brute, atol=0.04)  # Monte Carlo error of the 2999 brute draws


def test_ties_do_not_make_zeros_significant():
    """Many zero counts: a cell with an all-zero neighbourhood is not a 'significant' cold spot."""
    g = make_grid(10, 10)
    y = np.zeros(len(g))
    y[[5, 50, 77]] = 1.0
    res = gistar(g, y, permutations=199, seed=1, inference="permutation")
    assert (res["gistar_p_sim"] > 0.5).mean() > 0.5


def test_uniform_field_share_flagged():
    """Under the null, ~10 % flagged at 90 % without correction, ~0 with FDR (applied once)."""
    g = make_grid(100, 100)
    y = np.random.default_rng(9).normal(size=len(g))
    none = gistar(g, y, correction="none")
    fdr = gistar(g, y, correction="fdr")
    share_none = (none["gistar_class"] != "not_significant").mean()
    share_fdr = (fdr["gistar_class"] != "not_significant").mean()
    assert 0.08 < share_none < 0.12
    assert share_fdr < 0.005
    perm = gistar(g, y, permutations=999, seed=3, inference="permutation", correction="none")
    assert 0.08 < (perm["gistar_class"] != "not_significant").mean() < 0.12  # two-sided pseudo p
    counts = np.random.default_rng(10).poisson(0.3, len(g)).astype(float)  # mostly zeros
    res = gistar(g, counts, permutations=99, seed=2)
    assert (res["gistar_class"] != "not_significant").mean() < 0.01
    assert res.attrs["parameters"]["n_zero"] > 5000


def test_planted_hotspot_found_with_incidents():
    g = make_grid(20, 20)
    rng = np.random.default_rng(11)
    xy = np.column_stack([rng.uniform(X0, X0 + 2000, 400), rng.uniform(Y0, Y0 + 2000, 400)])
    hot = np.column_stack([rng.normal(X0 + 1450, 60, 120), rng.normal(Y0 + 550, 60, 120)])
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*np.vstack([xy, hot]).T), crs=CRS)
    res = gistar(g, incidents=pts)
    centre = g.index[(g["col"] == 14) & (g["row"] == 5)][0]
    assert res.loc[centre, "gistar_class"] == "hot_99"
    assert res.attrs["parameters"]["variable"] == "count"
    counts = count_incidents_in(g, pts)
    assert counts.sum() == 520 and counts.index.equals(g.index)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_shuffling_rows_does_not_change_results(seed):
    g = make_grid(6, 5)
    g["y"] = np.random.default_rng(seed).poisson(3, len(g)).astype(float)
    if g["y"].nunique() < 2:
        return
    a = gistar(g, "y", inference="analytical")  # permutation draws follow the row order
    perm = np.random.default_rng(seed + 1).permutation(len(g))
    b = gistar(g.iloc[perm], "y", inference="analytical").loc[a.index]
    np.testing.assert_allclose(a["gistar_z"], b["gistar_z"], atol=1e-10)
    assert (a["gistar_class"] == b["gistar_class"]).all()


# --------------------------------------------------------------------------- the step
def make_results(min_incidents: int = 20) -> RunResults:
    """20 x 20 grid of 100 m cells in 4 x 4 districts, uniform incidents plus one planted cluster."""
    cfg = config_from_dict(
        {
            "project": {"seed": 3},
            "districts": {"path": "d.gpkg", "id_field": "id", "name_field": "name"},
            "sources": [{"name": "p", "path": "p.csv", "columns": {"category": "k", "x": "x", "y": "y",
                                                                     "datetime": "t"},
                         "categories": {"1": "misshandel"}}],
            "periods": {"start": dt.date(2023, 1, 1), "end": dt.date(2024, 12, 31), "unit": "year"},
            "hotspots": {"permutations": 99, "min_incidents": min_incidents},
        },
        check_files=False,
    )
    grid = make_grid(20, 20)
    grid.insert(0, "cell_id", grid.index)
    grid["area_share"] = 1.0
    districts = make_districts(4, 500)
    districts.insert(0, "district_id", districts.index)
    districts["population"] = 1000.0 + np.arange(16) * 50
    rng = np.random.default_rng(12)
    xy = np.vstack([np.column_stack([rng.uniform(X0, X0 + 2000, 600), rng.uniform(Y0, Y0 + 2000, 600)]),
                    np.column_stack([rng.normal(X0 + 450, 50, 150), rng.normal(Y0 + 1550, 50, 150)])])
    xy = np.clip(xy, [X0 + 1, Y0 + 1], [X0 + 1999, Y0 + 1999])
    n = len(xy)
    cats = np.where(np.arange(n) % 50 == 0, "ran", "misshandel")
    times = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 729, n), unit="D")
    inc = gpd.GeoDataFrame({"category": cats, "time": times, "x": xy[:, 0], "y": xy[:, 1]},
                           geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)
    col = ((xy[:, 0] - X0) // 100).astype(int)
    row = ((xy[:, 1] - Y0) // 100).astype(int)
    inc["cell_id"] = [f"{X0 + c * 100:06d}{Y0 + r * 100:07d}" for c, r in zip(col, row)]
    inc["district_id"] = [f"D{c // 5}{r // 5}" for c, r in zip(col, row)]
    return RunResults(config=cfg, incidents=inc, rejects=pd.DataFrame(), districts=districts, grid=grid,
                      study_area=gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 2000)], crs=CRS))


def test_add_hotspots_tables_and_parameters():
    results = make_results()
    add_hotspots(results)
    t = results.tables
    assert {"gistar_grid", "gistar_district", "moran_global", "lisa_district", "lisa_grid"} <= set(t)
    gg = t["gistar_grid"].data
    assert isinstance(gg, gpd.GeoDataFrame) and gg.crs == CRS
    for c in ("cell_id", "category", "count", "gistar_z", "gistar_p", "gistar_q", "gistar_class"):
        assert c in gg.columns
    assert set(gg["category"]) == {"alla", "misshandel"}  # 'ran' has < 20 incidents
    alla = gg[gg["category"] == "alla"]
    assert len(alla) == 400 and alla["count"].sum() == len(results.incidents)
    hot_cell = f"{X0 + 400:06d}{Y0 + 1500:07d}"
    assert alla.set_index("cell_id").loc[hot_cell, "gistar_class"] == "hot_99"
    assert t["gistar_grid"].count_columns == ("count",) and t["gistar_grid"].style_column == "gistar_class"
    gd = t["gistar_district"].data
    assert {"district_id", "gistar_z", "gistar_class"} <= set(gd.columns) and len(gd) == 32
    mg = t["moran_global"].data
    for c in ("unit", "category", "variable", "moran_i", "moran_ei", "moran_z", "moran_p_norm", "moran_p_sim"):
        assert c in mg.columns
    assert set(mg["variable"]) == {"eb_rate", "count"}
    ld = t["lisa_district"].data
    for c in ("district_id", "category", "lisa_i", "lisa_p", "lisa_q", "lisa_cluster", "moran_x", "moran_lag"):
        assert c in ld.columns
    assert set(ld["lisa_cluster"]) <= set(LISA_CLUSTERS)
    assert "cell_id" in t["lisa_grid"].data.columns
    p = results.parameters["hotspots"]
    assert p["categories_skipped"] == ["ran"]
    assert p["grid_neighbourhood"]["distance"] == 200.0 and p["grid_neighbourhood"]["distance_rule"] == "auto"
    assert p["grid_cells_without_incidents"] > 0
    assert "gistar_grid:alla" in p["seeds"]
    assert p["lisa_permutations"] == "auto"  # with FDR: 4 x rows / alpha, per table
    assert p["lisa_permutations_used"]["grid:alla"] == 4 * 400 / 0.05 - 1
    assert p["lisa_permutations_used"]["district:alla"] == 1999  # 4 x 16 / 0.05 = 1280, rounded up
    # counts: Gi* by permutations (the normal approximation is off in the tail), automatic number
    assert p["gistar_inference_used"]["grid:alla"]["inference_used"] == "permutation"
    assert p["gistar_inference_used"]["grid:alla"]["permutations"] == 4 * 400 / 0.05 - 1


def test_add_hotspots_is_reproducible():
    a, b = make_results(), make_results()
    add_hotspots(a)
    add_hotspots(b)
    pd.testing.assert_frame_equal(a.tables["lisa_grid"].data.drop(columns="geometry"),
                                  b.tables["lisa_grid"].data.drop(columns="geometry"))


def test_add_hotspots_same_results_on_one_and_on_two_threads(monkeypatch):
    """The (unit, category) analyses run on threads: results and recorded parameters do not depend on how many."""
    runs = []
    for threads in ("1", "2"):
        monkeypatch.setenv("GEOLAGE_THREADS", threads)
        res = make_results()
        add_hotspots(res)
        runs.append(res)
    one, two = runs
    assert len(one.tables["gistar_grid"].data["category"].unique()) > 1  # several tasks ran
    for name in ("gistar_grid", "gistar_district", "moran_global", "lisa_grid", "lisa_district"):
        pd.testing.assert_frame_equal(pd.DataFrame(one.tables[name].data).drop(columns="geometry", errors="ignore"),
                                      pd.DataFrame(two.tables[name].data).drop(columns="geometry", errors="ignore"))
    p1, p2 = one.parameters["hotspots"], two.parameters["hotspots"]
    assert list(p1["seeds"].items()) == list(p2["seeds"].items())  # same order as well
    assert p1["lisa_permutations_used"] == p2["lisa_permutations_used"]


@pytest.mark.slow
def test_benchmark_quick_runs(capsys):
    """The benchmark's smoke test: ours and esda agree, permutations are reproducible."""
    import runpy
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "benchmark_hotspots.py"
    main = runpy.run_path(str(script))["main"]
    assert main(["--quick", "--no-demo"]) == 0
    out = capsys.readouterr().out
    assert "neighbours + Gi* (queen), analytical" in out and "MISMATCH" not in out


def test_with_fewer_than_four_districts_the_district_statistics_are_left_out_and_said():
    """Moran's I and LISA need 4 units: with 3 districts the step leaves the district statistics out (recorded);
    the grid's results are exactly those of the run with all 16 districts."""
    import dataclasses

    def whole_grid(r):  # the analysis area the same in both runs (by default it follows the populated districts)
        r.config = dataclasses.replace(r.config, hotspots=dataclasses.replace(r.config.hotspots, analysis_area="all"))
        return r

    full = whole_grid(make_results())
    add_hotspots(full)
    res = whole_grid(make_results())
    res.districts = res.districts.loc[["D00", "D01", "D10"]]
    add_hotspots(res)
    assert res.tables["gistar_district"].data.empty and res.tables["lisa_district"].data.empty
    assert set(res.tables["moran_global"].data["unit"]) == {"grid"}
    assert res.parameters["hotspots"]["district_statistics"] == "left out: 3 district(s), at least 4 needed"
    for name in ("gistar_grid", "lisa_grid"):
        pd.testing.assert_frame_equal(res.tables[name].data, full.tables[name].data)
    moran = full.tables["moran_global"].data
    pd.testing.assert_frame_equal(res.tables["moran_global"].data,
                                  moran[moran["unit"] == "grid"].reset_index(drop=True))
    assert "district_statistics" not in full.parameters["hotspots"]
    assert not full.tables["lisa_district"].data.empty

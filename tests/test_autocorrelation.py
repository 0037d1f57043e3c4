"""Tests of geolage.stats.autocorrelation: global Moran's I, LISA and EB rate standardisation."""

from __future__ import annotations

import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from esda.smoothing import assuncao_rate
from hypothesis import given, settings
from hypothesis import strategies as st
from libpysal.graph import Graph

from geolage.classes import LISA_CLUSTERS
from geolage.stats.autocorrelation import LISA_COLUMNS, eb_standardise, global_moran, local_moran

CRS = "EPSG:3006"
X0, Y0 = 370_000, 6_400_000


def make_grid(nc: int, nr: int, size: int = 100) -> gpd.GeoDataFrame:
    """A regular grid of nc x nr cells of `size` metres."""
    c, r = np.meshgrid(np.arange(nc), np.arange(nr), indexing="ij")
    c, r = c.ravel(), r.ravel()
    x0, y0 = X0 + c * size, Y0 + r * size
    g = gpd.GeoDataFrame({"col": c, "row": r}, geometry=shapely.box(x0, y0, x0 + size, y0 + size), crs=CRS)
    g.index = pd.Index([f"{a:06d}{b:07d}" for a, b in zip(x0, y0)], name="cell_id")
    g.attrs["cell_size"] = size
    return g


def make_districts(n: int = 5, size: int = 500) -> gpd.GeoDataFrame:
    """n x n square districts with varying population."""
    geoms, ids = [], []
    for i in range(n):
        for j in range(n):
            geoms.append(shapely.box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size))
            ids.append(f"D{i}{j}")
    d = gpd.GeoDataFrame(geometry=geoms, crs=CRS, index=pd.Index(ids, name="district_id"))
    rng = np.random.default_rng(0)
    d["population"] = rng.integers(200, 5000, len(d)).astype(float)
    d["count"] = rng.poisson(d["population"] * 0.01).astype(float)
    return d


# --------------------------------------------------------------------------- inputs
def test_population_must_be_positive():
    d = make_districts(3)
    d.loc["D11", "population"] = 0
    with pytest.raises(ValueError, match="1 of 9 are missing or 0, first at position 4"):
        global_moran(d, "count", population="population")


def test_local_moran_needs_permutations():
    with pytest.raises(ValueError, match="permutations >= 1"):
        local_moran(make_districts(3), "count", permutations=0)


def test_constant_values_are_an_error():
    d = make_districts(3)
    d["count"] = 4.0
    with pytest.raises(ValueError, match="values that vary"):
        global_moran(d, "count")
    with pytest.raises(ValueError, match="values that vary"):
        local_moran(d, "count")


# --------------------------------------------------------------------------- outputs
def test_eb_standardise_matches_esda():
    e = np.array([30, 25, 25, 15, 33, 21, 30, 20])
    b = np.array([100, 100, 110, 90, 100, 90, 110, 90])
    np.testing.assert_allclose(eb_standardise(e, b), assuncao_rate(e, b), atol=1e-12)
    d = make_districts()
    np.testing.assert_allclose(eb_standardise(d["count"], d["population"]),
                               assuncao_rate(d["count"].to_numpy(), d["population"].to_numpy()), atol=1e-12)


def test_global_moran_matches_esda_districts():
    d = make_districts()
    res = global_moran(d, "count", permutations=0)
    ref = esda.Moran(d["count"].to_numpy(), Graph.build_contiguity(d.geometry, rook=False), permutations=0)
    for ours, theirs in (("moran_i", "I"), ("moran_ei", "EI"), ("moran_z", "z_norm"), ("moran_p_norm", "p_norm"),
                         ("moran_z_rand", "z_rand"), ("moran_p_rand", "p_rand")):
        assert res[ours] == pytest.approx(getattr(ref, theirs), abs=1e-8)
    assert np.isnan(res["moran_p_sim"])


def test_global_moran_rate_matches_esda_moran_rate():
    d = make_districts()
    res = global_moran(d, "count", population="population", permutations=0)
    ref = esda.Moran_Rate(d["count"].to_numpy(), d["population"].to_numpy(),
                          Graph.build_contiguity(d.geometry, rook=False), adjusted=True, permutations=0)
    assert res["moran_i"] == pytest.approx(ref.I, abs=1e-8)
    assert res["moran_z"] == pytest.approx(ref.z_norm, abs=1e-8)
    assert res.attrs["parameters"]["variable"].startswith("eb_rate")


def test_global_moran_grid_and_permutations():
    g = make_grid(20, 20)
    rng = np.random.default_rng(1)
    base = rng.normal(size=(20, 20))
    smooth = (base + np.roll(base, 1, 0) + np.roll(base, 1, 1)).ravel()  # positively autocorrelated
    res = global_moran(g, smooth, distance=150, permutations=199, seed=4)
    ref = esda.Moran(smooth, Graph.build_distance_band(g.centroid, threshold=150 + 1e-6), permutations=0)
    assert res["moran_i"] == pytest.approx(ref.I, abs=1e-8)
    assert res["moran_p_sim"] == pytest.approx(1 / 200)
    again = global_moran(g, smooth, distance=150, permutations=199, seed=4)
    assert again["moran_p_sim"] == res["moran_p_sim"]
    noise = global_moran(g, rng.normal(size=400), distance=150, permutations=199, seed=4)
    assert noise["moran_p_sim"] > 0.01


def test_local_moran_matches_esda():
    d = make_districts(6)
    graph = Graph.build_contiguity(d.geometry, rook=False)
    res = local_moran(d, "count", permutations=999, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.Moran_Local(d["count"].to_numpy(), graph, permutations=999, seed=1)
    np.testing.assert_allclose(res["lisa_i"], ref.Is, atol=1e-8)
    np.testing.assert_allclose(res["moran_x"], ref.z, atol=1e-8)
    quad = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
    sig = res["lisa_cluster"] != "not_significant"
    assert all(res.loc[sig, "lisa_cluster"] == [quad[q] for q in ref.q[sig.to_numpy()]])
    # permutation p-values: same null, different random numbers; lisa_p is two-sided (2 x esda's folded
    # p_sim); where the value equals the mean (z = 0, every permuted I_i = 0) esda reports 1/(perms+1),
    # geolage 1 (documented)
    nonzero = res["moran_x"].to_numpy() != 0
    np.testing.assert_allclose(res["lisa_p"][nonzero] / 2, ref.p_sim[nonzero], atol=0.05)
    assert (res.loc[~nonzero, "lisa_p"] == 1).all()


def test_local_moran_rate_matches_esda():
    d = make_districts(6)
    graph = Graph.build_contiguity(d.geometry, rook=False)
    res = local_moran(d, "count", population="population", permutations=99, seed=1)
    ref = esda.Moran_Local_Rate(d["count"].to_numpy(), d["population"].to_numpy(), graph, adjusted=True,
                                permutations=0)
    np.testing.assert_allclose(res["lisa_i"], ref.Is, atol=1e-8)


def test_local_moran_columns_labels_and_seed():
    g = make_grid(15, 15)
    y = np.zeros(len(g))
    y[(g["col"] < 5).to_numpy() & (g["row"] < 5).to_numpy()] = 10.0
    y += np.random.default_rng(2).normal(size=len(g))
    res = local_moran(g, y, distance=150, seed=3)  # automatic permutations: enough for FDR
    assert res.attrs["parameters"]["permutations"] == 4 * len(g) / 0.05 - 1
    assert list(res.columns) == list(LISA_COLUMNS)
    assert res.index.equals(g.index)
    assert set(res["lisa_cluster"]) <= set(LISA_CLUSTERS)
    corner = g.index[(g["col"] == 2) & (g["row"] == 2)][0]
    assert res.loc[corner, "lisa_cluster"] == "HH"
    again = local_moran(g, y, distance=150, seed=3)
    assert res["lisa_p"].equals(again["lisa_p"])
    uncorrected = local_moran(g, y, distance=150, permutations=199, seed=3, correction="none")
    assert uncorrected["lisa_q"].isna().all()
    assert (uncorrected["lisa_cluster"] != "not_significant").sum() >= (res["lisa_cluster"] != "not_significant").sum()


def test_lisa_uniform_field_fdr():
    g = make_grid(40, 40)
    y = np.random.default_rng(5).normal(size=len(g))
    res = local_moran(g, y, permutations=99, seed=6)
    assert (res["lisa_cluster"] != "not_significant").mean() < 0.01
    # lisa_p is two-sided (twice the folded esda/GeoDa value, which would flag ~10 % at 0.05):
    # under the null P(p <= alpha) = alpha, so alpha = 0.05 flags ~5 % of the 1600 cells
    # (binomial sd 0.55 %; the shared draws add some spread)
    raw = local_moran(g, y, permutations=999, seed=6, correction="none", alpha=0.05)
    assert 0.03 < (raw["lisa_cluster"] != "not_significant").mean() < 0.07


@settings(max_examples=15, deadline=None)
@given(st.floats(0.01, 1000), st.floats(-100, 100))
def test_moran_unchanged_when_values_scaled(scale, shift):
    d = make_districts(4)
    a = global_moran(d, "count", permutations=0)
    b = global_moran(d, d["count"] * scale + shift, permutations=0)
    assert a["moran_i"] == pytest.approx(b["moran_i"], abs=1e-9)


@pytest.mark.parametrize("symmetric", [True, False])
def test_s1_equals_the_dense_formula(symmetric):
    """S1 = 1/2 sum (w_ij + w_ji)^2: the one-pass path (symmetric pattern) and the general one."""
    from scipy import sparse

    from geolage.stats.autocorrelation import _s1

    rng = np.random.default_rng(5)
    a = (rng.random((60, 60)) < 0.1).astype(float)
    np.fill_diagonal(a, 0)
    if symmetric:
        a = np.maximum(a, a.T)
    w = a * rng.uniform(0.1, 2.0, a.shape)  # row-standardising or any weights: values need not be symmetric
    w[1, 2], w[2, 1] = 0.7, (0.0 if not symmetric else w[2, 1] or 0.3)
    dense = 0.5 * float(((w + w.T) ** 2).sum())
    assert _s1(sparse.csr_matrix(w)) == pytest.approx(dense, rel=1e-13)
    assert (sparse.csr_matrix(w) != sparse.csr_matrix(w).T).nnz > 0  # the values differ from their transpose

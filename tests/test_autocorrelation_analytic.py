"""Analytical local Moran (spdep ``localmoran``) checked against exact enumeration and esda's moments."""

from __future__ import annotations

import itertools
import warnings

import esda
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from scipy import sparse, stats
from test_autocorrelation import make_districts, make_grid

from geolage.stats.autocorrelation import local_moran, local_moran_analytic

# a small irregular neighbourhood (7 areas, one with a single neighbour), row-standardised
NEIGHBOURS = {0: [1, 2], 1: [0, 2, 3], 2: [0, 1, 3, 4], 3: [1, 2, 5], 4: [2, 5, 6], 5: [3, 4, 6], 6: [5]}
Y = np.array([3.0, 7.0, 1.0, 4.0, 9.0, 2.0, 5.5])


def row_standardised() -> sparse.csr_matrix:
    n = len(NEIGHBOURS)
    rows, cols, vals = [], [], []
    for i, nb in NEIGHBOURS.items():
        for j in nb:
            rows.append(i)
            cols.append(j)
            vals.append(1.0 / len(nb))
    return sparse.csr_matrix((vals, (rows, cols)), shape=(n, n))


def spdep_ii(values: np.ndarray, W: np.ndarray) -> np.ndarray:
    """spdep's Ii = z_i / m2 * sum_j w_ij z_j, z = x - mean, m2 = sum z² / n."""
    z = values - values.mean()
    return z / ((z * z).sum() / len(z)) * (W @ z)


def test_conditional_moments_equal_exact_enumeration():
    """E and Var under conditional randomisation: y_i fixed, all 6! arrangements of the others."""
    W = row_standardised().toarray()
    n = len(Y)
    res = local_moran_analytic(Y, row_standardised(), conditional=True)
    for i in range(n):
        others = [j for j in range(n) if j != i]
        sims = []
        for perm in itertools.permutations(Y[others]):
            v = Y.copy()
            v[others] = perm
            sims.append(spdep_ii(v, W)[i])  # mean and m2 do not change under permutation
        sims = np.array(sims)
        assert res.loc[i, "E.Ii"] == pytest.approx(sims.mean(), abs=1e-12)
        assert res.loc[i, "Var.Ii"] == pytest.approx(sims.var(), abs=1e-12)
    obs = spdep_ii(Y, W)
    np.testing.assert_allclose(res["Ii"], obs, atol=1e-12)
    np.testing.assert_allclose(res["Z.Ii"], (obs - res["E.Ii"]) / np.sqrt(res["Var.Ii"]), atol=1e-12)
    np.testing.assert_allclose(res["p"], 2 * stats.norm.sf(np.abs(res["Z.Ii"])), atol=1e-15)


def test_total_moments_equal_exact_enumeration():
    """E and Var under total randomisation: all 7! arrangements of the values."""
    W = row_standardised().toarray()
    sims = np.array([spdep_ii(Y[list(p)], W) for p in itertools.permutations(range(len(Y)))])
    res = local_moran_analytic(Y, row_standardised(), conditional=False)
    np.testing.assert_allclose(res["E.Ii"], sims.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(res["Var.Ii"], sims.var(axis=0), atol=1e-12)


def test_worked_example_by_hand():
    """Observation 6 (one neighbour, 5): the spdep formulas written out with the numbers."""
    n = 7
    z = Y - Y.mean()  # mean 31.5 / 7 = 4.5
    m2 = (z * z).sum() / n
    z6, lag6 = 5.5 - 4.5, 2.0 - 4.5
    ii = z6 / m2 * lag6
    e = -(z6**2) * 1.0 / ((n - 1) * m2)
    var = (z6 / m2) ** 2 * (n / (n - 2)) * (1.0 - 1.0 / (n - 1)) * (m2 - z6**2 / (n - 1))
    res = local_moran_analytic(Y, row_standardised())
    assert res.loc[6, "Ii"] == pytest.approx(ii, abs=1e-14)
    assert res.loc[6, "Z.Ii"] == pytest.approx((ii - e) / np.sqrt(var), abs=1e-12)
    assert m2 == pytest.approx(48.5 / 7, abs=1e-14)  # squared deviations 2.25+6.25+12.25+0.25+20.25+6.25+1


def test_moments_equal_esda():
    """esda's Moran_Local has the same conditional (EIc, VIc) and total (EI, VI) moments."""
    d = make_districts(6)
    graph = Graph.build_contiguity(d.geometry, rook=False).transform("r")
    y = d["count"].to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.Moran_Local(y, graph, permutations=0)
    W = graph.sparse
    cond = local_moran_analytic(y, W, conditional=True)
    tot = local_moran_analytic(y, W, conditional=False)
    np.testing.assert_allclose(cond["E.Ii"], ref.EIc, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(cond["Var.Ii"], ref.VIc, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tot["E.Ii"], ref.EI, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tot["Var.Ii"], ref.VI, rtol=1e-10, atol=1e-12)
    # scaling: esda's Is (and geolage's lisa_i) = (n - 1) / n x spdep's Ii
    np.testing.assert_allclose(ref.Is, cond["Ii"] * (len(y) - 1) / len(y), rtol=1e-12)


def test_local_moran_carries_the_analytical_columns():
    d = make_districts(6)
    res = local_moran(d, "count", permutations=99, seed=1)
    graph = Graph.build_contiguity(d.geometry, rook=False).transform("r")
    ref = local_moran_analytic(d["count"].to_numpy(dtype=float), graph.sparse)
    np.testing.assert_allclose(res["lisa_z"], ref["Z.Ii"], atol=1e-10)
    np.testing.assert_allclose(res["lisa_p_analytic"], ref["p"], atol=1e-12)
    total = local_moran(d, "count", permutations=99, seed=1, analytic="total")
    ref_t = local_moran_analytic(d["count"].to_numpy(dtype=float), graph.sparse, conditional=False)
    np.testing.assert_allclose(total["lisa_z"], ref_t["Z.Ii"], atol=1e-10)


def test_analytic_labels_find_a_planted_cluster():
    g = make_grid(15, 15)
    y = np.random.default_rng(2).normal(size=len(g))
    block = (g["col"] < 5).to_numpy() & (g["row"] < 5).to_numpy()
    y[block] += 6.0
    res = local_moran(g, y, distance=150, permutations=99, seed=3)
    corner = g.index[(g["col"] == 2) & (g["row"] == 2)][0]
    assert res.loc[corner, "lisa_cluster_analytic"] == "HH"
    q = pd.Series(res["lisa_q_analytic"])
    assert (q[~block] >= 0.05).mean() > 0.9
    sig = res["lisa_cluster_analytic"] != "not_significant"
    assert (res.loc[sig, "lisa_q_analytic"] < 0.05).all()


def test_analytic_needs_varying_values():
    with pytest.raises(ValueError, match="vary"):
        local_moran_analytic(np.ones(7), row_standardised())


def test_global_moran_permutations_are_esdas():
    """Same seed rule as esda.Moran after numpy.random.seed: the same simulated I, the same p_sim."""
    from geolage.stats.autocorrelation import global_moran, moran_simulations

    g = make_grid(20, 20)
    y = np.random.default_rng(3).poisson(1.0, len(g)).astype(float)
    graph = Graph.build_contiguity(g.geometry, rook=False).transform("r")
    np.random.seed(11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.Moran(y, graph, permutations=199)
    z = y - y.mean()
    sims = moran_simulations(graph.sparse, z, float(graph.sparse.sum()), 199, 11)
    np.testing.assert_allclose(sims, ref.sim, rtol=1e-10, atol=1e-13)
    res = global_moran(g, y, weights=graph, permutations=199, seed=11)
    assert res["moran_p_sim"] == pytest.approx(ref.p_sim, abs=1e-15)
    assert res["moran_i"] == pytest.approx(ref.I, abs=1e-12)

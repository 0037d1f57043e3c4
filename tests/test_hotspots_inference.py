"""Permutation p-values (ties, bounds, exact values), automatic permutations, the trust rule, self-weights."""

from __future__ import annotations

import warnings

import esda
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from scipy import sparse, stats
from test_autocorrelation import make_grid

from geolage.neighbours import SpatialWeights, make_weights
from geolage.stats.autocorrelation import local_moran
from geolage.stats.hotspots import gistar, gistar_z
from geolage.stats.permutation import (
    MAX_PERMUTATIONS,
    MIN_PERMUTATIONS,
    analytic_z_trusted,
    auto_permutations,
    permutation_pvalues,
)


def test_auto_permutations_let_fdr_reach_significance():
    for m in (16, 400, 10_000, 60_000):
        r = auto_permutations(m, 0.05)
        assert (r + 1) % 1000 == 0
        assert 2 / (r + 1) <= 0.05 / m / 2  # smallest two-sided p at most half the first BH threshold
    assert auto_permutations(1) == MIN_PERMUTATIONS
    assert auto_permutations(10**9) == MAX_PERMUTATIONS
    assert auto_permutations(400, 0.05, sides=1) == 15_999
    with pytest.raises(ValueError, match="alpha"):
        auto_permutations(100, 1.5)


def test_exact_p_value_of_an_empty_neighbourhood():
    """Zero-heavy counts: a cell with no incidents around it. Exact lower tail = hypergeometric."""
    g = make_grid(20, 20)
    sw = make_weights(g, distance=150, include_self=False)  # queen: 8 neighbours inside
    rng = np.random.default_rng(3)
    y = (rng.random(len(g)) < 0.25).astype(float) * rng.integers(1, 4, len(g))
    W = sw.sparse
    lag = W @ y
    k = np.diff(W.indptr)
    n, n0 = len(y), int((y == 0).sum())
    R = 40_000
    p = permutation_pvalues(y, W, lag, R, np.random.default_rng(5))
    assert p.max() <= 0.5
    empty = np.flatnonzero((lag == 0) & (k == 8) & (y == 0))
    assert len(empty) > 3
    # P(all 8 neighbours drawn from the other n0 - 1 zeros among the other n - 1 values)
    exact = stats.hypergeom.pmf(8, n - 1, n0 - 1, 8)
    se = np.sqrt(exact * (1 - exact) / R)
    np.testing.assert_allclose(p[empty], exact, atol=4 * se + 1 / (R + 1))
    # esda counts ties only in the upper tail: in the lower tail it uses #{L* < L} = 0 here, so it
    # would report 1/(R+1) for these cells (spurious cold spots); geolage reports the exact tail


def test_folded_p_never_exceeds_one_half_with_many_ties():
    g = make_grid(12, 12)
    sw = make_weights(g, distance=150, include_self=False)
    y = np.zeros(len(g))
    y[::37] = 1.0  # almost all values tie
    p = permutation_pvalues(y, sw.sparse, sw.sparse @ y, 999, np.random.default_rng(1))
    assert p.max() == 0.5
    assert p.min() >= 1 / 1000


def test_permutation_p_equals_esda_without_ties():
    """Continuous values (no ties): the same test as esda's p_sim; with many permutations the two agree."""
    g = make_grid(10, 10)
    y = np.random.default_rng(4).normal(size=len(g))
    graph = Graph.build_contiguity(g.geometry, rook=False).transform("r")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.Moran_Local(y, graph, permutations=9999, seed=2)
    res = local_moran(g, y, weights=graph, permutations=9999, seed=2, correction="none")
    # Monte Carlo sd of the difference of two estimates at p = 0.5: sqrt(2 x 0.25 / 9999) = 0.007
    np.testing.assert_allclose(res["lisa_p"] / 2, ref.p_sim, atol=0.035)
    assert np.corrcoef(res["lisa_p"], ref.p_sim)[0, 1] > 0.99
    assert res["lisa_p"].max() <= 1.0


def test_trust_rule():
    g = make_grid(60, 60)
    sw = make_weights(g, include_self=True)
    rng = np.random.default_rng(0)
    assert analytic_z_trusted(rng.normal(size=len(g)), sw.sparse)[0]
    for lam in (0.1, 0.3, 1.0, 5.0, 20.0):
        trusted, err = analytic_z_trusted(rng.poisson(lam, len(g)).astype(float), sw.sparse)
        assert not trusted and err > 1.5
    y = rng.normal(size=len(g))
    assert gistar(g, y).attrs["parameters"]["inference_used"] == "analytical"
    assert "gistar_p_sim" not in gistar(g, y).columns


def test_row_standardised_weights_get_self_weight_one_over_k_plus_one():
    """spdep: include.self() then style "W" gives 1/(k+1); Gi* z is then that of binary weights with self."""
    g = make_grid(9, 9)
    y = np.random.default_rng(1).poisson(2, len(g)).astype(float)
    graph = Graph.build_contiguity(g.geometry, rook=False)
    rs = SpatialWeights(pd.Index(g.index), graph.transform("r").sparse.tocsr())
    with_self = make_weights(g, rs, include_self=True)
    k = np.diff(graph.sparse.tocsr().indptr)
    np.testing.assert_allclose(with_self.sparse.diagonal(), 1 / (k + 1), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(with_self.sparse.sum(axis=1)).ravel(), 1.0, rtol=1e-12)
    binary = make_weights(g, SpatialWeights(pd.Index(g.index), graph.sparse.tocsr()), include_self=True)
    np.testing.assert_allclose(binary.sparse.diagonal(), 1.0)
    z_rs, _ = gistar_z(y, with_self.sparse)
    z_b, _ = gistar_z(y, binary.sparse)
    np.testing.assert_allclose(z_rs, z_b, atol=1e-10)
    res = gistar(g, y, weights=graph.transform("r"), inference="analytical")
    np.testing.assert_allclose(res["gistar_z"], z_b, atol=1e-10)
    # and both equal esda's Gi* with binary weights and self
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.G_Local(y, graph, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(z_b, ref.Zs, atol=1e-10)


def test_gistar_options_are_checked():
    g = make_grid(5, 5)
    y = np.arange(25.0)
    with pytest.raises(ValueError, match="inference"):
        gistar(g, y, inference="exact")
    with pytest.raises(ValueError, match="permutations"):
        gistar(g, y, permutations="many")
    with pytest.raises(ValueError, match="permutations > 0"):
        gistar(g, y, inference="permutation", permutations=0)
    with pytest.raises(ValueError, match="analytic"):
        local_moran(g, y, analytic="exact")


def test_sparse_matrix_weights_unchanged_by_self_rule():
    W = sparse.csr_matrix(np.array([[0, 2.0, 0], [1.0, 0, 3.0], [0, 1.0, 0]]))
    sw = SpatialWeights(pd.Index(["a", "b", "c"]), W)
    assert not sw.is_row_standardised
    np.testing.assert_allclose(sw.with_self_like_transform().sparse.diagonal(), 1.0)


def test_draws_are_distinct_positions_and_transpose_is_exact():
    """Each permutation's draws are distinct positions in range; the blocked transpose equals a.T."""
    from geolage.stats.permutation import _draw_ids, transposed

    for n, m in ((5000, 13), (40, 13), (13, 13)):  # uniform integers with redraws; Floyd; all positions
        ids = _draw_ids(np.random.default_rng(1), n, m, 20_000)
        assert ids.shape == (m, 20_000) and ids.flags.c_contiguous
        srt = np.sort(ids, axis=0)
        assert (srt[1:] != srt[:-1]).all() and ids.min() >= 0 and ids.max() < n
        counts = np.bincount(ids[0], minlength=n)  # first draw uniform over the n positions
        assert stats.chisquare(counts).pvalue > 1e-4
    a = np.random.default_rng(2).integers(0, 100, size=(10_001, 7)).astype(np.int32)
    np.testing.assert_array_equal(transposed(a, block=1000), a.T)
    assert transposed(a).flags.c_contiguous

"""The Knox test's analytic path: exact permutation moments, observed counts, p-values (geolage.stats.knox_moments)."""

from __future__ import annotations

import datetime as dt
import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from shapely.geometry import box

from geolage.config import Config, ConfigError, config_from_dict
from geolage.run.results import RunResults
from geolage.run.steps.near_repeat import add_near_repeat
from geolage.stats.knox_moments import p_upper, pair_moments
from geolage.stats.nearrepeat import ANALYTIC_ABOVE, knox, near_repeat_zone


def _codes(values: np.ndarray, edges: np.ndarray, same_zero: bool = False) -> np.ndarray:
    """Table row/column of each value by the definition: bands [e_k, e_k+1), the open band last, -1 below the first."""
    code = np.full(len(values), -1)
    for k in range(len(edges) - 1):
        code[(values >= edges[k]) & (values < edges[k + 1])] = k + (1 if same_zero else 0)
    code[values >= edges[-1]] = len(edges) - 1 + (1 if same_zero else 0)
    if same_zero:
        code[values == 0] = 0
    return code


def _brute_tables(xy: np.ndarray, t_days: np.ndarray, d_edges, t_edges, same_zero: bool, perms) -> np.ndarray:
    """The full Knox table (open bands last) for every permutation of the times in perms, pair by pair."""
    n = len(xy)
    iu = np.triu_indices(n, 1)
    d = np.hypot(xy[iu[0], 0] - xy[iu[1], 0], xy[iu[0], 1] - xy[iu[1], 1])
    dc = _codes(d, np.asarray(d_edges, float), same_zero)
    rows, cols = len(d_edges) + (1 if same_zero else 0), len(t_edges)
    out = []
    for perm in perms:
        tp = t_days[np.asarray(perm)]
        tc = _codes(np.abs(tp[iu[0]] - tp[iu[1]]), np.asarray(t_edges, float))
        keep = (dc >= 0) & (tc >= 0)
        tab = np.zeros((rows, cols), dtype=np.int64)
        np.add.at(tab, (dc[keep], tc[keep]), 1)
        out.append(tab)
    return np.array(out)


CASES = [
    # whole metres with pairs exactly on the edges 100 (60/80) and 200 (120/160), tied times
    (np.array([[0, 0], [60, 80], [120, 160], [0, 100], [300, 0], [300, 0], [50, 50]], float),
     np.array([0, 3, 7, 7, 14, 2, 30], float), (0, 100, 200), (0, 7, 14), True),
    # random coordinates and times, first edges above 0 (pairs below them are in no band)
    (np.random.default_rng(5).uniform(0, 250, (7, 2)), np.random.default_rng(6).integers(0, 25, 7).astype(float),
     (10, 100, 200), (1, 7, 14), False),
]


@pytest.mark.parametrize(("xy", "t", "d_edges", "t_edges", "same"), CASES)
def test_exact_moments_equal_all_permutations(xy, t, d_edges, t_edges, same):
    res = knox(xy, t, distance_bands=d_edges, time_bands=t_edges, same_location=same, analytic_above=0,
               quiet=True, check_precision=False)
    assert res.parameters["p_values"] == "analytic"
    tabs = _brute_tables(xy, t, d_edges, t_edges, same, itertools.permutations(range(7)))
    assert len(tabs) == 5040
    obs = res.table["observed"].to_numpy().reshape(tabs.shape[1:])
    np.testing.assert_array_equal(obs, tabs[0])  # the identity permutation comes first
    mean, var, _ = res.moments.table(obs)
    np.testing.assert_allclose(mean, tabs.mean(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(var, tabs.var(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.table["expected"].to_numpy(), mean.ravel(), rtol=1e-12)
    # blocks of bands (the near-repeat zone's test): the sum over rows 0..D, columns 0..T
    nd, nt = tabs.shape[1] - 1, tabs.shape[2] - 1
    for d_last, t_last in itertools.product(range(nd), range(nt)):
        block = tabs[:, : d_last + 1, : t_last + 1].sum(axis=(1, 2))
        m, v = res.moments.block(0, d_last, 0, t_last)
        assert m == pytest.approx(block.mean(), rel=1e-12, abs=1e-12)
        assert v == pytest.approx(block.var(), rel=1e-12, abs=1e-12)


def test_pair_moments_small_n():
    """n = 2 and 3: no couples of disjoint pairs; one pair close in space and time is fixed."""
    assert pair_moments(2, 1, 2, 1, 2) == (1, 0)
    mean, var = pair_moments(3, 1, 2, 1, 2)  # one pair of three close in space, one in time
    assert (mean, var) == (pytest.approx(1 / 3), pytest.approx(2 / 9))


def _events(n: int, rng: np.random.Generator, extent: float = 2_000.0, days: float = 365.0,
            planted: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Uniform events in space and time (whole days); ``planted``: share copying another within 60 m, 3 days."""
    n0 = n - int(n * planted)
    xy = rng.uniform(0, extent, (n0, 2))
    t = rng.integers(0, int(days), n0).astype(float)
    src = rng.integers(0, n0, n - n0)
    xy = np.vstack([xy, xy[src] + rng.uniform(-40, 40, (n - n0, 2))])
    t = np.concatenate([t, t[src] + rng.integers(0, 3, n - n0)])
    return xy, t


def test_analytic_path_same_counts_as_monte_carlo_path():
    xy, t = _events(3_000, np.random.default_rng(11), planted=0.1)
    a = knox(xy, t, analytic_above=0, quiet=True, check_precision=False)
    m = knox(xy, t, analytic_above=None, permutations=9, seed=1, quiet=True, check_precision=False)
    np.testing.assert_array_equal(a.table["observed"].to_numpy(), m.table["observed"].to_numpy())
    np.testing.assert_allclose(a.table["expected"].to_numpy(), m.table["expected"].to_numpy(), rtol=1e-12)
    assert a.parameters["n_pairs"] == m.parameters["n_pairs"]
    assert (a.parameters["p_values"], m.parameters["p_values"]) == ("analytic", "monte_carlo")
    assert a.parameters["analytic_above"] == 0 and a.parameters["permutations"] == 0
    assert a.permutation_counts.shape == (0, 5, 5)


def test_threshold_picks_the_path_and_is_checked():
    xy, t = _events(50, np.random.default_rng(2))
    assert knox(xy, t, analytic_above=50, permutations=9, seed=1, quiet=True,
                check_precision=False).parameters["p_values"] == "monte_carlo"
    assert knox(xy, t, analytic_above=49, quiet=True, check_precision=False).parameters["p_values"] == "analytic"
    assert ANALYTIC_ABOVE == 100_000
    with pytest.raises(ValueError, match="analytic_above"):
        knox(xy, t, analytic_above=-1, quiet=True, check_precision=False)


@pytest.mark.slow
def test_exact_moments_match_monte_carlo_within_standard_error():
    """At n = 400 the permutation mean and variance of every cell, from 4,000 permutations, within 4.5 standard errors.

    Standard errors from the permutations themselves: sd / sqrt(B) for the mean,
    sqrt((m4 - var²) / B) for the variance (m4: the fourth central moment).
    """
    xy, t = _events(400, np.random.default_rng(21), extent=1_000.0, days=120, planted=0.1)
    res = knox(xy, t, analytic_above=None, permutations=4_000, seed=3, quiet=True, check_precision=False)
    mom = knox(xy, t, analytic_above=0, quiet=True, check_precision=False).moments
    pc = res.permutation_counts.astype(float)
    mean, var, _ = mom.table(res.table["observed"].to_numpy().reshape(pc.shape[1:]))
    b = len(pc)
    mc_mean, mc_var = pc.mean(axis=0), pc.var(axis=0)
    m4 = ((pc - mc_mean) ** 4).mean(axis=0)
    assert np.all(np.abs(mc_mean - mean) <= 4.5 * np.sqrt(mc_var / b))
    assert np.all(np.abs(mc_var - var) <= 4.5 * np.sqrt((m4 - mc_var**2) / b))
    assert np.all(var > 0)


@pytest.mark.slow
def test_analytic_p_agrees_with_monte_carlo_p():
    """n = 1,500 with a few near repeats: analytic and Monte Carlo p (9,999 permutations) per band pair.

    Tolerance: 3 Monte Carlo standard errors sqrt(p (1 - p) / B) (at most 0.015) plus 0.01 for the
    approximation of the permutation distribution by a two-moment distribution (the skewness left
    after matching mean and variance; the counts here are 130 to 800,000 pairs). Measured: at most
    0.015 apart, in a band pair with p = 0.44.
    """
    xy, t = _events(1_500, np.random.default_rng(31), extent=3_000.0, days=365, planted=0.003)
    b = 9_999
    mc = knox(xy, t, analytic_above=None, permutations=b, seed=4, quiet=True, check_precision=False)
    an = knox(xy, t, analytic_above=0, quiet=True, check_precision=False)
    p_mc, p_an = mc.table["p_value"].to_numpy(), an.table["p_value"].to_numpy()
    tol = 3 * np.sqrt(p_mc * (1 - p_mc) / b) + 0.01
    assert np.all(np.abs(p_mc - p_an) <= tol), np.column_stack([p_mc, p_an])
    assert (p_mc < 0.02).sum() >= 2 and (p_mc > 0.5).sum() >= 5  # the comparison covers the tail and the middle


def test_planted_near_repeats_found_analytically():
    xy, t = _events(5_000, np.random.default_rng(41), extent=5_000.0, days=730, planted=0.05)
    res = knox(xy, t, analytic_above=0, quiet=True, check_precision=False)
    zone = near_repeat_zone(res)
    assert zone.significant and zone.distance_to == 100 and zone.time_to == 7
    assert zone.ratio > 1.5 and zone.p_value < 1e-6


def test_independent_pattern_rejected_at_nominal_rate():
    """Space-time independent events (no planted pairs): the nearest band pair has p < 0.05 in about 5 % of 400 seeds.

    Bounds: 0.05 ± 3 binomial standard errors (sqrt(0.05 · 0.95 / 400) = 0.011): [0.017, 0.083].
    """
    hits = 0
    seeds = 400
    for s in range(seeds):
        xy, t = _events(300, np.random.default_rng(1000 + s), extent=1_500.0, days=180)
        res = knox(xy, t, distance_bands=(0, 200), time_bands=(0, 14), analytic_above=0, quiet=True,
                   check_precision=False)
        hits += res.table["p_value"].iloc[0] < 0.05
    assert 0.017 * seeds <= hits <= 0.083 * seeds


def test_p_upper_cases():
    assert p_upper(5, 5.0, 0.0) == 1.0 and p_upper(6, 5.0, 0.0) == 0.0
    assert p_upper(0, 3.0, 4.0) == 1.0  # P(X >= 0)
    # over-dispersed: the negative binomial with mean 10 and variance 16 (size 100 / 6, success probability 10 / 16)
    assert p_upper(14, 10.0, 16.0) == pytest.approx(stats.nbinom.sf(13, 100 / 6, 10 / 16), rel=1e-12)
    assert stats.nbinom.stats(100 / 6, 10 / 16, moments="mv") == (pytest.approx(10), pytest.approx(16))
    # under-dispersed: normal with a continuity correction
    assert p_upper(14, 10.0, 4.0) == pytest.approx(stats.norm.sf((14 - 0.5 - 10) / 2), rel=1e-12)


# ------------------------------------------------------------------- config, run step, sentences
def _config(near_repeat: dict) -> Config:
    return config_from_dict(
        {
            "project": {"name": "T", "seed": 3},
            "districts": {"path": "d.gpkg", "id_field": "id", "name_field": "name"},
            "sources": [{"name": "p", "path": "p.csv", "columns": {"category": "k", "x": "x", "y": "y",
                                                                     "datetime": "t"},
                         "categories": {"2": "inbrott_bostad"}}],
            "periods": {"start": dt.date(2023, 1, 1), "end": dt.date(2024, 12, 31)},
            "near_repeat": near_repeat,
        },
        check_files=False,
    )


def test_config_key_analytic_above():
    assert _config({}).near_repeat.analytic_above == ANALYTIC_ABOVE
    with pytest.raises(ConfigError, match=r"'near_repeat\.analytic_above' needs to be at least 0; got -1"):
        _config({"analytic_above": -1})


@pytest.mark.parametrize(("above", "analytic"), [(0, True), (100_000, False)])
def test_run_step_uses_the_threshold_and_says_how(above, analytic):
    xy, t = _events(800, np.random.default_rng(51), extent=3_000.0, days=365, planted=0.1)
    xy = xy + [370_000.0, 6_400_000.0]
    times = pd.Timestamp("2023-01-01") + pd.to_timedelta(t, unit="D")
    inc = gpd.GeoDataFrame({"category": "inbrott_bostad", "time": times, "x": xy[:, 0], "y": xy[:, 1]},
                           geometry=gpd.points_from_xy(*xy.T), crs="EPSG:3006")
    r = RunResults(config=_config({"permutations": 99, "analytic_above": above}), incidents=inc,
                   rejects=pd.DataFrame(), districts=gpd.GeoDataFrame(), grid=gpd.GeoDataFrame(),
                   study_area=gpd.GeoDataFrame(geometry=[box(370_000, 6_400_000, 373_000, 6_403_000)],
                                               crs="EPSG:3006"))
    add_near_repeat(r)
    params, desc = r.parameters["near_repeat"], r.tables["near_repeat"].description
    assert params["analytic_above"] == above
    assert params["p_values"] == ("analytic" if analytic else "monte_carlo")
    assert ("Mantel 1967" in desc["sv"], "Mantel 1967" in desc["en"]) == (analytic, analytic)
    assert ("bygger p-värdena på permutationsfördelningens exakta medelvärde" in desc["sv"]) is analytic
    assert ("the p-values come from the exact mean and variance" in desc["en"]) is analytic
    assert ("p < 0,001" in desc["sv"], "p < 0.001" in desc["en"]) == (analytic, analytic)  # 99 permutations: p >= 0.01


def test_space_degrees_are_the_same_on_one_or_two_threads(monkeypatch):
    """From 50,000 events the neighbour counts are split over threads; the counts stay exact."""
    from geolage.stats.knox_moments import space_degrees

    rng = np.random.default_rng(3)
    xy = np.round(rng.uniform(0, 5000, size=(60_000, 2)))  # whole metres: many pairs exactly on an edge
    edges = np.array([0.0, 10.0, 25.0])
    monkeypatch.setenv("GEOLAGE_WORKERS", "1")
    one = space_degrees(xy, edges, False)
    monkeypatch.setenv("GEOLAGE_WORKERS", "2")
    two = space_degrees(xy, edges, False)
    np.testing.assert_array_equal(one, two)
    # brute force for the first 200 events
    d = np.hypot(*(xy[:200, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d[:, :200], np.inf)
    want = np.column_stack([((d >= 0) & (d < 10)).sum(1), ((d >= 10) & (d < 25)).sum(1)])
    np.testing.assert_array_equal(one[:200, : want.shape[1]], want)

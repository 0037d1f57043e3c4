"""Planted truth for the default hot-spot inference: calibrated on random counts, powerful on planted discs.

Complete spatial randomness (CSR): Poisson counts with the same mean in every cell of a
small grid, at 0.1, 0.3, 1 and 5 incidents per cell, many seeds. The defaults of
:func:`geolage.stats.hotspots.gistar` (permutations of the window values, as many as FDR needs) and
:func:`geolage.stats.autocorrelation.local_moran` must

* flag a cell in at most alpha of the maps (FDR over a map whose cells are all null is the
  family-wise error rate), within binomial noise: the bound is the 99.9 % quantile of
  Binomial(maps, alpha), and the analytical Gi* (the old default) exceeds it on the same
  maps, so the bound is a real test;
* give valid uncorrected p-values, ``P(p <= a) <= a`` for a = 0.01, 0.05, 0.10, within
  3 standard errors of the mean over maps (cells of one map are dependent).

Planted discs (radius 5 cells, 80 cells of a 30 x 30 grid): intensity x3 at 2 incidents
per cell and x6 at 0.3 per cell. A disc is found where its core is flagged: the cells
whose whole neighbourhood (band 200 m = 2 cells) lies inside the disc; Gi* must flag them
hot, LISA as HH or LH (a cell of the disc without incidents has a value below the mean,
so its quadrant is LH, but its neighbourhood is significantly high). Sensitivity over
the core cells of all maps >= 0.9 (x3) and >= 0.8 (x6). Cells at the disc's edge have
part of their neighbourhood outside the disc and are found less often (whole-disc
sensitivity is checked against a lower bound, measured: Gi* 0.87 and 0.72, LISA 0.83
and 0.66).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from geolage.neighbours import make_weights
from geolage.stats.autocorrelation import local_moran
from geolage.stats.hotspots import gistar

CRS = "EPSG:3006"
DENSITIES = (0.1, 0.3, 1.0, 5.0)
N_MAPS = 40  # per density; 160 maps in all
ALPHAS = (0.01, 0.05, 0.10)


def make_grid(side: int, size: int = 100) -> gpd.GeoDataFrame:
    """A side x side grid of `size` m cells (col/row, cell_size as the package expects)."""
    c, r = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    c, r = c.ravel(), r.ravel()
    x0, y0 = 370_000 + c * size, 6_400_000 + r * size
    g = gpd.GeoDataFrame({"col": c, "row": r}, geometry=shapely.box(x0, y0, x0 + size, y0 + size), crs=CRS)
    g.index = pd.Index([f"c{a}_{b}" for a, b in zip(c, r)], name="cell_id")
    g.attrs["cell_size"] = size
    return g


def binomial_bound(n: int, alpha: float) -> int:
    """Largest count of maps with a flag consistent with a true rate alpha (99.9 % quantile)."""
    return int(stats.binom.ppf(0.999, n, alpha))


@pytest.fixture(scope="module")
def csr_runs():
    """Per density: for each map, whether Gi*/LISA flagged any cell at 0.05 / 0.10, and p-value shares."""
    g = make_grid(15)
    gw = make_weights(g, include_self=True)
    mw = gw.without_self().row_standardised()
    out = {}
    for lam in DENSITIES:
        rows = []
        for s in range(N_MAPS):
            y = np.random.default_rng(int(10_000 * lam) + s).poisson(lam, len(g)).astype(float)
            if np.all(y == y[0]):
                continue
            gi = gistar(g, y, weights=gw, seed=s)
            li = local_moran(g, y, weights=mw, seed=s)
            an = gistar(g, y, weights=gw, inference="analytical")
            row = {
                "gi_any_05": bool((gi["gistar_q"] < 0.05).any()),
                "gi_any": bool((gi["gistar_class"] != "not_significant").any()),  # q < 0.10
                "lisa_any": bool((li["lisa_cluster"] != "not_significant").any()),  # q < 0.05
                "analytic_any": bool((an["gistar_class"] != "not_significant").any()),
                "inference": gi.attrs["parameters"]["inference_used"],
            }
            for a in ALPHAS:
                row[f"gi_p{a}"] = float((gi["gistar_p_sim"] <= a).mean())
                row[f"lisa_p{a}"] = float((li["lisa_p"] <= a).mean())
            rows.append(row)
        out[lam] = pd.DataFrame(rows)
    return out


@pytest.mark.parametrize("lam", DENSITIES)
def test_csr_default_flags_at_most_alpha_of_maps(csr_runs, lam):
    runs = csr_runs[lam]
    n = len(runs)
    assert n >= N_MAPS - 1
    assert (runs["inference"] == "permutation").all()  # counts: the normal tail is not trusted
    assert runs["gi_any_05"].sum() <= binomial_bound(n, 0.05)
    assert runs["gi_any"].sum() <= binomial_bound(n, 0.10)
    assert runs["lisa_any"].sum() <= binomial_bound(n, 0.05)


def test_csr_pooled_bound_is_a_real_test(csr_runs):
    """Over all 160 maps the defaults stay under the bound; the analytical Gi* does not at sparse counts."""
    allruns = pd.concat(csr_runs.values(), ignore_index=True)
    n = len(allruns)
    assert allruns["gi_any_05"].sum() <= binomial_bound(n, 0.05)
    assert allruns["gi_any"].sum() <= binomial_bound(n, 0.10)
    assert allruns["lisa_any"].sum() <= binomial_bound(n, 0.05)
    sparse = pd.concat([csr_runs[0.1], csr_runs[0.3]], ignore_index=True)
    assert sparse["analytic_any"].sum() > binomial_bound(len(sparse), 0.10)


@pytest.mark.parametrize("lam", DENSITIES)
@pytest.mark.parametrize("which", ["gi", "lisa"])
def test_csr_uncorrected_p_values_are_valid(csr_runs, lam, which):
    runs = csr_runs[lam]
    for a in ALPHAS:
        share = runs[f"{which}_p{a}"].to_numpy()
        se = share.std(ddof=1) / np.sqrt(len(share))
        assert share.mean() <= a + 3 * se + 1e-12, (lam, a, share.mean())


# --------------------------------------------------------------------------- planted discs
@pytest.fixture(scope="module")
def disc_setup():
    g = make_grid(30)
    gw = make_weights(g, include_self=True)
    mw = gw.without_self().row_standardised()
    d2 = (g["col"].to_numpy() - 14.5) ** 2 + (g["row"].to_numpy() - 14.5) ** 2
    disc = d2 <= 5**2
    core = d2 <= (5 - 2) ** 2  # band 200 m = 2 cells: the whole neighbourhood is inside the disc
    assert gw.description["distance"] == 200.0
    return g, gw, mw, disc, core


@pytest.mark.parametrize(("lam", "mult", "core_min", "gi_disc_min", "lisa_disc_min"),
                         [(2.0, 3.0, 0.9, 0.8, 0.75), (0.3, 6.0, 0.8, 0.6, 0.55)])
def test_planted_disc_is_found(disc_setup, lam, mult, core_min, gi_disc_min, lisa_disc_min):
    g, gw, mw, disc, core = disc_setup
    gi_core, li_core, gi_disc, li_disc, gi_far = [], [], [], [], []
    far = ~disc & ((g["col"].to_numpy() - 14.5) ** 2 + (g["row"].to_numpy() - 14.5) ** 2 > (5 + 2) ** 2)
    for s in range(8):
        y = np.random.default_rng(500 + s).poisson(np.where(disc, lam * mult, lam)).astype(float)
        gi = gistar(g, y, weights=gw, seed=s)
        li = local_moran(g, y, weights=mw, seed=s)
        hot = gi["gistar_class"].str.startswith("hot").to_numpy()
        hh = li["lisa_cluster"].isin(["HH", "LH"]).to_numpy()
        gi_core.append(hot[core].mean())
        li_core.append(hh[core].mean())
        gi_disc.append(hot[disc].mean())
        li_disc.append(hh[disc].mean())
        gi_far.append(hot[far].mean())
    assert np.mean(gi_core) >= core_min
    assert np.mean(li_core) >= core_min
    assert np.mean(gi_disc) >= gi_disc_min
    assert np.mean(li_disc) >= lisa_disc_min
    assert np.mean(gi_far) < 0.01  # cells whose neighbourhood does not touch the disc are rarely flagged

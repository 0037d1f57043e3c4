"""Tests of geolage.stats.density (kde, kde_at, kde_bandwidth, kde_cell_size, kde_ratio, kde_to_grid), add_density."""

from __future__ import annotations

import datetime as dt
import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from geolage.config import config_from_dict
from geolage.errors import CRSMismatchError, GeolageWarning
from geolage.run.results import RunResults
from geolage.run.steps.density import add_density
from geolage.stats.density import (
    KDEResult,
    kde,
    kde_at,
    kde_bandwidth,
    kde_cell_size,
    kde_ratio,
    kde_to_grid,
)

CRS = "EPSG:3006"
X0, Y0 = 370_000.0, 6_400_000.0


def cluster(n: int = 500, seed: int = 0, sd: float = 300.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal([X0 + 2000, Y0 + 2000], sd, size=(n, 2))


def exact_grid(res: KDEResult, xy: np.ndarray, weights=None) -> np.ndarray:
    xs, ys = res.cell_centres()
    at = np.column_stack([xs.ravel(), ys.ravel()])
    return kde_at(xy, at, bandwidth=res.bandwidth, kernel=res.kernel, weights=weights).reshape(xs.shape)


# --------------------------------------------------------------------------- inputs
def test_unknown_kernel_raises():
    with pytest.raises(ValueError, match="kernel needs to be one of"):
        kde(cluster(), bandwidth=200, kernel="cosine")


def test_geographic_crs_raises():
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([12.9, 12.95], [57.7, 57.72]), crs="EPSG:4326")
    with pytest.raises(ValueError, match="projected CRS"):
        kde(pts, bandwidth=200)


def test_missing_coordinates_give_count_and_first_row():
    xy = cluster(10)
    xy[3, 0] = np.nan
    xy[7, 1] = np.inf
    with pytest.raises(ValueError, match=r"2 of 10 points .*first: row 3"):
        kde(xy, bandwidth=200)


def test_negative_weights_raise():
    w = np.ones(10)
    w[4] = -1
    with pytest.raises(ValueError, match=r"non-negative.*row 4"):
        kde(cluster(10), bandwidth=200, weights=w)


def test_weights_of_wrong_length_raise():
    with pytest.raises(ValueError, match="one value per point"):
        kde(cluster(10), bandwidth=200, weights=[1, 2])


def test_bad_bandwidth_and_cell_size_raise():
    with pytest.raises(ValueError, match="bandwidth needs to be a positive"):
        kde(cluster(10), bandwidth=0)
    with pytest.raises(ValueError, match="cell_size needs to be a positive"):
        kde(cluster(10), bandwidth=200, cell_size=-5)
    with pytest.raises(ValueError, match="bandwidth_adjust"):
        kde(cluster(10), bandwidth=200, bandwidth_adjust=0)


def test_huge_raster_raises_with_hint():
    with pytest.raises(ValueError, match="larger cell_size"):
        kde(cluster(10), bandwidth=200, cell_size=1, extent=(X0, Y0, X0 + 100_000, Y0 + 100_000))


def test_mask_crs_mismatch_raises():
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*cluster(10).T), crs=CRS)
    mask = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 4000, Y0 + 4000)], crs="EPSG:3857")
    with pytest.raises(CRSMismatchError, match="EPSG:3857"):
        kde(pts, bandwidth=200, mask=mask)


def test_bandwidth_under_two_cells_warns():
    with pytest.warns(GeolageWarning, match="less than 2 cells"):
        kde(cluster(10), bandwidth=50, cell_size=50)


def test_non_point_geometry_raises():
    g = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 10, Y0 + 10)], crs=CRS)
    with pytest.raises(ValueError, match="need to be points"):
        kde(g, bandwidth=200)


# --------------------------------------------------------------------------- outputs
def test_result_type_grid_alignment_and_units():
    res = kde(cluster(), bandwidth=300, cell_size=50, crs=CRS, quiet=True)
    assert isinstance(res, KDEResult)
    t = res.transform
    assert t.a == 50 and t.e == -50 and t.b == 0 and t.d == 0
    assert t.c % 50 == 0 and t.f % 50 == 0  # edges on multiples of the cell size
    assert res.array.dtype == float and res.array.ndim == 2
    assert res.unit == "incidents per km²"
    assert res.crs == "EPSG:3006"
    assert res.parameters["bandwidth"] == 300
    # north-up: the first row is the northernmost
    xs, ys = res.cell_centres()
    assert ys[0, 0] > ys[-1, 0]


@pytest.mark.parametrize("kernel", ["quartic", "gaussian", "epanechnikov", "triangular"])
def test_mass_is_the_number_of_points(kernel):
    xy = cluster(300)
    res = kde(xy, bandwidth=250, cell_size=25, kernel=kernel, quiet=True)
    assert res.integral() == pytest.approx(300, rel=1e-8)
    assert res.parameters["mass_raster"] == pytest.approx(300, rel=1e-8)


def test_uniform_kernel_is_exact_at_cell_centres_and_records_its_mass():
    """A disc has a jump at its rim: the raster is the exact count at the cell centres, whose sum is not N exactly."""
    xy = cluster(300)
    res = kde(xy, bandwidth=250, cell_size=25, kernel="uniform", quiet=True)
    assert res.parameters["raster_method"] == "exact kernel sum at cell centres"
    assert res.parameters["mass_raster"] == pytest.approx(res.integral(), rel=1e-6)
    assert res.integral() == pytest.approx(300, rel=0.02)  # the disc's area on a 10-cells-per-radius lattice


def test_mass_is_the_total_weight():
    xy = cluster(200)
    w = np.random.default_rng(2).uniform(0, 5, 200)
    res = kde(xy, bandwidth=250, cell_size=25, weights=w, quiet=True)
    assert res.integral() == pytest.approx(w.sum(), rel=1e-9)


def test_weights_as_column_name():
    xy = cluster(50)
    gdf = gpd.GeoDataFrame({"n": np.arange(50.0)}, geometry=gpd.points_from_xy(*xy.T), crs=CRS)
    res = kde(gdf, bandwidth=250, cell_size=25, weights="n", quiet=True)
    assert res.integral() == pytest.approx(np.arange(50.0).sum(), rel=1e-9)


@pytest.mark.parametrize("ratio,tol", [(5, 0.02), (10, 0.005)])
def test_fft_matches_exact_kernel_sum_quartic(ratio, tol):
    """Documented tolerance: max |fft - exact| <= 0.5 (cell/bandwidth)^2 of the peak density."""
    xy = cluster(800, seed=3)
    bw = 300.0
    res = kde(xy, bandwidth=bw, cell_size=bw / ratio, quiet=True)
    ex = exact_grid(res, xy)
    err = np.abs(res.array - ex).max() / ex.max()
    assert err <= 0.5 * (1 / ratio) ** 2
    assert err <= tol


def test_fft_matches_exact_kernel_sum_gaussian_weighted():
    xy = cluster(400, seed=4)
    w = np.random.default_rng(4).uniform(0.5, 2, 400)
    res = kde(xy, bandwidth=100, cell_size=20, kernel="gaussian", weights=w, quiet=True)
    ex = exact_grid(res, xy, w)
    assert np.abs(res.array - ex).max() / ex.max() < 0.005


def test_points_outside_the_extent_still_contribute():
    xy = cluster(300, seed=5)
    ext = (X0 + 1800, Y0 + 1800, X0 + 2200, Y0 + 2200)  # smaller than the cluster
    res = kde(xy, bandwidth=300, cell_size=25, extent=ext, quiet=True)
    assert res.bounds == ext
    ex = exact_grid(res, xy)
    assert np.abs(res.array - ex).max() / ex.max() < 0.02
    assert res.parameters["n_points"] == 300


def test_mask_sets_nan_outside_and_keeps_mass_of_interior_points():
    rng = np.random.default_rng(6)
    xy = rng.uniform([X0 + 1000, Y0 + 1000], [X0 + 3000, Y0 + 3000], size=(200, 2))
    mask = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 4000, Y0 + 4000)], crs=CRS)
    res = kde(gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy.T), crs=CRS), bandwidth=300, cell_size=50,
              mask=mask, extent=(X0 - 1000, Y0 - 1000, X0 + 5000, Y0 + 5000), quiet=True)
    xs, ys = res.cell_centres()
    outside = (xs < X0) | (xs > X0 + 4000) | (ys < Y0) | (ys > Y0 + 4000)
    assert np.isnan(res.array[outside]).all() and np.isfinite(res.array[~outside]).all()
    # every kernel lies inside the mask: the masked surface integrates to the points inside
    assert res.parameters["weight_inside_mask"] == 200
    assert res.integral() == pytest.approx(200, rel=1e-9)
    assert res.parameters["mass_outside_mask"] == pytest.approx(0, abs=1e-6)


def test_mass_outside_the_mask_is_reported():
    xy = np.array([[X0 + 10.0, Y0 + 2000.0]])  # 10 m inside the western edge
    mask = box(X0, Y0, X0 + 4000, Y0 + 4000)
    res = kde(xy, bandwidth=300, cell_size=25, mask=mask, quiet=True)
    assert res.parameters["weight_inside_mask"] == 1
    assert 0.4 < res.parameters["mass_mask"] < 0.6  # about half spills west
    assert res.parameters["mass_mask"] + res.parameters["mass_outside_mask"] == pytest.approx(1)


def test_point_order_does_not_matter():
    xy = cluster(300, seed=7)
    perm = np.random.default_rng(7).permutation(300)
    a = kde(xy, bandwidth=200, cell_size=20, quiet=True)
    b = kde(xy[perm], bandwidth=200, cell_size=20, quiet=True)
    np.testing.assert_allclose(a.array, b.array, rtol=1e-10, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 60),
    seed=st.integers(0, 10_000),
    bw=st.floats(60, 600),
    kernel=st.sampled_from(["quartic", "gaussian"]),
)
def test_mass_is_conserved_for_random_point_sets(n, seed, bw, kernel):
    rng = np.random.default_rng(seed)
    xy = rng.uniform([X0, Y0], [X0 + 3000, Y0 + 3000], size=(n, 2))
    res = kde(xy, bandwidth=bw, cell_size=max(bw / 5, 10), kernel=kernel, quiet=True)
    assert res.integral() == pytest.approx(n, rel=1e-8)
    assert np.all(res.array >= 0)


def test_empty_points_with_extent_give_zeros():
    res = kde(np.empty((0, 2)), bandwidth=200, cell_size=50, extent=(X0, Y0, X0 + 1000, Y0 + 1000), quiet=True)
    assert res.array.shape == (20, 20) and (res.array == 0).all()


def test_auto_parameters_are_recorded_and_announced(caplog):
    with caplog.at_level(logging.INFO, logger="geolage.stats"):  # kernels chooses the bandwidth, density the rest
        res = kde(cluster(2000, sd=2500), crs=CRS)
    p = res.parameters
    assert p["bandwidth_auto"] and p["cell_size_auto"]
    assert p["bandwidth_clamped"] == "upper" and res.bandwidth == pytest.approx(1000)
    assert res.cell_size == 200
    assert "upper bound 1000 m" in caplog.text
    assert "bandwidth set to 1000 m automatically" in caplog.text
    assert "cell size set to 200 m automatically" in caplog.text


# --------------------------------------------------------------------------- rules
def test_bandwidth_rule_value_and_bounds():
    xy = cluster(3000, sd=250)
    bw, info = kde_bandwidth(xy, quiet=True)
    sd = np.mean([min(np.std(c, ddof=1), np.subtract(*np.percentile(c, [75, 25])) / 1.349) for c in xy.T])
    expected = np.sqrt(8) * sd * 3000 ** (-1 / 6)
    assert info["bandwidth_rule_value"] == pytest.approx(expected, abs=0.1)
    assert bw == pytest.approx(expected) and info["bandwidth_clamped"] == ""
    bw2, _ = kde_bandwidth(xy, bandwidth_adjust=0.5, quiet=True)
    assert bw2 == pytest.approx(bw / 2)
    bwg, _ = kde_bandwidth(xy, kernel="gaussian", quiet=True)
    assert bwg == pytest.approx(bw / np.sqrt(8))  # equal variance


def test_bandwidth_lower_bound_for_tiny_patterns():
    bw, info = kde_bandwidth(np.array([[X0, Y0]]), quiet=True)
    assert bw == 150 and info["bandwidth_clamped"] == "lower"
    bw, info = kde_bandwidth(cluster(50, sd=5), cell_size=100, quiet=True)
    assert bw == 200  # at least 2 cells


def test_bandwidth_rejects_bad_bounds():
    with pytest.raises(ValueError, match="bounds need to be"):
        kde_bandwidth(cluster(10), bounds=(1000, 100))


@pytest.mark.parametrize("bw,grid,expected", [(500, None, 100), (300, None, 50), (1000, None, 200),
                                              (500, 250, 50), (1000, 250, 50),
                                              (20, None, 2)])
def test_cell_size_rule(bw, grid, expected):
    assert kde_cell_size(bw, grid_cell_size=grid) == expected


def test_auto_cell_size_nests_in_the_grid():
    g = _grid(250)
    res = kde(cluster(100), bandwidth=500, grid=g, quiet=True)
    assert 250 % res.cell_size == 0
    assert res.bounds == tuple(g.total_bounds)


# --------------------------------------------------------------------------- dual kde, grid
def test_kde_ratio_constant_when_numerator_follows_population():
    rng = np.random.default_rng(9)
    homes = rng.uniform([X0, Y0], [X0 + 3000, Y0 + 3000], size=(4000, 2))
    residents = np.full(4000, 2.5)
    res = kde_ratio(homes, homes, denominator_weights=residents, bandwidth=400, cell_size=50, quiet=True)
    inner = res.array[20:-20, 20:-20]
    np.testing.assert_allclose(inner[np.isfinite(inner)], 1000 / 2.5, rtol=1e-9)
    assert res.unit == "incidents per 1000 residents"
    assert res.parameters["per"] == 1000


def test_kde_ratio_masks_low_denominator():
    num = cluster(100)
    den = cluster(100) + [5000, 0]  # population far away
    res = kde_ratio(num, den, bandwidth=300, cell_size=50, min_denominator=1.0, quiet=True)
    assert np.isnan(res.array).sum() == res.parameters["n_cells_below_min"] > 0


def _grid(size: int = 250) -> gpd.GeoDataFrame:
    rows = []
    for r in range(16):
        for c in range(16):
            x0, y0 = X0 + c * size, Y0 + r * size
            rows.append({"cell_id": f"{int(x0):06d}{int(y0):07d}", "x0": x0, "y0": y0, "col": c, "row": r,
                         "area_share": 1.0, "geometry": box(x0, y0, x0 + size, y0 + size)})
    g = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS).set_index("cell_id", drop=False)
    g.attrs["cell_size"] = size
    g.attrs["origin"] = (X0, Y0)
    return g


def test_kde_to_grid_is_the_mean_over_nested_cells():
    g = _grid(250)
    res = kde(cluster(300), bandwidth=500, grid=g, quiet=True)
    s = kde_to_grid(res, g)
    assert list(s.index) == list(g.index)
    k = 250 // int(res.cell_size)
    ny, nx = res.array.shape
    blocks = res.array.reshape(ny // k, k, nx // k, k).mean(axis=(1, 3))[::-1]  # row 0 = south
    assert s.iloc[0] == pytest.approx(blocks[0, 0])
    # the mean over grid cells times the grid area is the mass
    assert s.sum() * 0.25**2 == pytest.approx(res.integral())


# --------------------------------------------------------------------------- step
def _results(n: int = 400, seed: int = 1) -> RunResults:
    cfg = config_from_dict(
        {
            "project": {"name": "T", "seed": 3},
            "districts": {"path": "d.gpkg", "id_field": "id", "name_field": "name"},
            "sources": [{"name": "p", "path": "p.csv", "columns": {"category": "k", "x": "x", "y": "y",
                                                                     "datetime": "t"},
                         "categories": {"1": "misshandel", "2": "inbrott_bostad"}}],
            "periods": {"start": dt.date(2023, 1, 1), "end": dt.date(2024, 12, 31)},
            "density": {"bandwidth": 400},
        },
        check_files=False,
    )
    rng = np.random.default_rng(seed)
    xs = rng.normal(X0 + 2000, 500, n).clip(X0 + 1, X0 + 3999)
    ys = rng.normal(Y0 + 2000, 500, n).clip(Y0 + 1, Y0 + 3999)
    cats = rng.choice(["misshandel", "inbrott_bostad"], n)
    times = pd.to_datetime("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    inc = gpd.GeoDataFrame({"category": cats, "time": times, "x": xs, "y": ys},
                           geometry=gpd.points_from_xy(xs, ys), crs=CRS)
    area = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 4000, Y0 + 4000)], crs=CRS)
    return RunResults(config=cfg, incidents=inc, rejects=pd.DataFrame(), districts=gpd.GeoDataFrame(),
                      grid=_grid(250), study_area=area)


def test_add_density_adds_rasters_per_category_and_all():
    r = _results()
    add_density(r)
    assert set(r.rasters) == {"kde_misshandel", "kde_inbrott_bostad", "kde_alla"}
    alla = r.rasters["kde_alla"]
    assert alla.unit == "brott per km²" and alla.crs == "EPSG:3006"
    assert alla.parameters["bandwidth"] == 400 and alla.parameters["kernel"] == "quartic"
    shapes = {x.array.shape for x in r.rasters.values()}
    assert len(shapes) == 1  # one raster for every category
    cell = alla.transform.a
    total = sum(np.nansum(r.rasters[f"kde_{c}"].array) for c in ("misshandel", "inbrott_bostad")) * cell**2 / 1e6
    assert total == pytest.approx(np.nansum(alla.array) * cell**2 / 1e6)
    # mass inside the study area is (nearly) all the incidents: they lie well inside
    assert np.nansum(alla.array) * cell**2 / 1e6 == pytest.approx(400, rel=0.01)
    p = r.parameters["density"]
    assert p["bandwidth"] == 400 and p["cell_size"] == 50 and "mass_inside_study_area" in p


def test_add_density_without_incidents_gives_an_empty_surface():
    r = _results()
    r.incidents = r.incidents.iloc[:0]
    add_density(r)
    assert set(r.rasters) == {"kde_alla"}
    arr = r.rasters["kde_alla"].array
    assert np.nanmax(arr) == 0 and r.parameters["density"]["bandwidth"] == 400

"""The package top level exports every statistic under its own name."""

from __future__ import annotations

import pytest

import geolage


def test_statistics_at_top_level():
    for name in ("rates", "eb_rates", "rate_ratio", "location_quotients", "trend", "gini", "generalised_gini",
                 "kde", "gistar", "global_moran", "local_moran", "emerging_hotspots", "knox", "mann_kendall"):
        assert callable(getattr(geolage, name)), name
    assert set(geolage.__all__) <= set(dir(geolage))


def test_rates_function_and_module_both_usable():
    from geolage.stats.rates import poisson_ci

    assert callable(geolage.rates) and callable(poisson_ci)


# ---------------------------------------------------------------- sfhotspot-style verbs (geolage.api)
def _memphis(lonlat: bool = True):
    from pathlib import Path

    import geopandas as gpd
    import pandas as pd

    df = pd.read_csv(Path(__file__).resolve().parent.parent / "data" / "real_world" / "memphis" /
                     "memphis_robberies_2019.csv")
    if lonlat:
        return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["longitude"], df["latitude"]), crs="EPSG:4326")
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["x"], df["y"]), crs="EPSG:32616")


def test_verbs_exact_columns_on_memphis():
    from geolage.api import HOTSPOT_COLUMNS

    pts = _memphis()
    count = geolage.hotspot_count(pts, quiet=True)
    assert tuple(count.columns) == HOTSPOT_COLUMNS["hotspot_count"] == ("cell_id", "n", "geometry")
    assert tuple(geolage.hotspot_kde(pts, quiet=True).columns) == ("cell_id", "n", "kde", "geometry")
    gi = geolage.hotspot_gistar(pts, quiet=True)
    assert tuple(gi.columns) == ("cell_id", "n", "kde", "gistar", "pvalue", "qvalue", "gistar_class", "geometry")
    # lon/lat were projected to UTM 16N (Memphis); every point is counted once, in a cell
    assert count.crs.to_epsg() == 32616 and gi.crs.to_epsg() == 32616
    assert count["n"].sum() == len(pts)
    assert count.attrs["parameters"]["cell_size_m"] == 250  # sfhotspot's rule: shorter side / 50, snapped down
    assert (count.geometry.area == 250 ** 2).all()


def test_gistar_verb_equals_the_lower_level_functions():
    """hotspot_gistar(points) == make_grid + assign_cells + gistar by hand (and esda's Gi*)."""
    import esda
    import numpy as np
    import pandas as pd
    import shapely
    from libpysal.graph import Graph

    pts = _memphis(lonlat=False)
    # analytical inference keeps this fast (the permutation default is checked in test_calibration)
    gi = geolage.hotspot_gistar(pts, cell_size=500, distance=1000, inference="analytical", quiet=True)
    x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    area = shapely.convex_hull(shapely.multipoints(shapely.points(x, y))).buffer(500)
    grid = geolage.make_grid(area, 500, crs="EPSG:32616")
    counts = pd.Series(geolage.assign_cells(x, y, grid)).value_counts()
    n = grid.index.map(counts).fillna(0).to_numpy(float)
    ref = geolage.gistar(grid, n, distance=1000, inference="analytical")
    assert gi["cell_id"].tolist() == grid["cell_id"].tolist()
    np.testing.assert_array_equal(gi["n"].to_numpy(), n)
    np.testing.assert_allclose(gi["gistar"].to_numpy(), ref["gistar_z"].to_numpy(), rtol=0, atol=1e-12)
    assert gi["gistar_class"].tolist() == ref["gistar_class"].tolist()
    zs = esda.G_Local(n, Graph.build_distance_band(grid.centroid, threshold=1000 + 1e-6), transform="B",
                      star=True, permutations=0).Zs
    np.testing.assert_allclose(gi["gistar"].to_numpy(), zs, atol=1e-8)
    assert (gi["gistar_class"] == "hot_99").sum() > 10  # robberies concentrate


def test_kde_verb_equals_kde_at_cell_centres_and_integrates_to_n():
    import numpy as np

    pts = _memphis(lonlat=False)
    k = geolage.hotspot_kde(pts, cell_size=100, bandwidth=400, quiet=True)
    c = k.geometry.centroid
    ref = geolage.kde_at(pts, np.column_stack([c.x, c.y]), bandwidth=400)
    np.testing.assert_allclose(k["kde"].to_numpy(), ref, rtol=1e-12)
    # per km² over 0.01 km² cells: the cells (hull + one cell, bandwidth 4 cells) hold nearly all the mass
    assert (k["kde"] * 0.01).sum() == pytest.approx(len(pts), rel=0.02)


def test_classify_verb_equals_emerging_hotspots():
    import numpy as np
    import pandas as pd

    pts = _memphis(lonlat=False)
    cl = geolage.hotspot_classify(pts, time="datetime", cell_size=1000, quiet=True)
    assert tuple(cl.columns) == ("cell_id", "n", "hotspot_category", "n_hot_periods", "n_periods", "trend_z",
                                 "trend_p", "geometry")
    grid = geolage.make_grid(cl.geometry.union_all(), 1000, crs="EPSG:32616")
    x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    inc = pts.assign(time=pd.to_datetime(pts["datetime"]), cell_id=geolage.assign_cells(x, y, grid))
    ref = geolage.emerging_hotspots(grid, incidents=inc, unit="month")
    assert cl["hotspot_category"].tolist() == ref["emerging_category"].tolist()
    assert (cl["n_periods"] == 12).all()
    np.testing.assert_allclose(cl["trend_z"].to_numpy(), ref["emerging_mk_z"].to_numpy(), equal_nan=True)


def test_verbs_refuse_points_without_crs_or_time():
    import geopandas as gpd
    import shapely

    with pytest.raises(ValueError, match="no CRS"):
        geolage.hotspot_count(gpd.GeoSeries([shapely.Point(0, 0)]))
    with pytest.raises(ValueError, match="no column 'when'"):
        geolage.hotspot_classify(_memphis(), time="when")

"""Real open crime data from other cities (data/real_world): geolage must handle data nobody here made."""

from __future__ import annotations

import textwrap
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geolage
from geolage.config import read_config
from geolage.run.pipeline import prepare

REAL = Path(__file__).resolve().parent.parent / "data" / "real_world"


@pytest.fixture(scope="module")
def manchester(tmp_path_factory):
    folder = tmp_path_factory.mktemp("manchester")
    m = REAL / "manchester"
    cfg = folder / "manchester.toml"
    cfg.write_text(
        textwrap.dedent(f"""
        [project]
        name = "Manchester burglary 2017"
        language = "en"
        crs = "EPSG:27700"
        as_of = 2018-06-30

        [districts]
        path = "{m / "manchester_lsoa_2011.gpkg"}"
        id_field = "lsoa_code"
        name_field = "lsoa_name"
        population_field = "resident_pop_2011"
        population_table = "{m / "manchester_lsoa_population_2011.csv"}"

        [custom_categories]
        burglary = "Burglary"

        [[sources]]
        name = "police_uk"
        path = "{m / "manchester_burglary_2017.csv"}"
        crs = "EPSG:27700"
        date_format = "%Y-%m"
        [sources.columns]
        category = "crime_type"
        x = "x"
        y = "y"
        date = "month"
        [sources.categories]
        Burglary = "burglary"

        [periods]
        start = 2017-01-01
        end = 2017-12-31
        unit = "month"

        [near_repeat]
        category = "burglary"
        """),
        encoding="utf-8",
    )
    return prepare(read_config(cfg))


def test_manchester_reconciles_and_keeps_month_precision(manchester):
    q = manchester.quality
    assert q["read"] == 8144
    assert q["accepted"] + q["rejected"] == q["read"]
    # police.uk snaps points and gives only the month: many rows share place and month but are
    # separate burglaries, so none may be thrown away as a duplicate.
    assert q["rejected_by_reason"].get("duplicate_exact", 0) == 0
    assert q["duplicates_not_checked"] == q["accepted"]
    inc = manchester.incidents
    # month-only dates cover their whole month
    first = inc[inc["time_from"].dt.month == 1].iloc[0]
    assert first["time_to"].month == 1 and first["time_to"].day == 31 and not first["has_clock_time"]
    # population from the separate table
    assert manchester.districts["population"].notna().all()
    assert manchester.districts["population"].sum() > 400_000


def test_manchester_points_land_in_lsoas(manchester):
    inc = manchester.incidents
    assert inc["district_id"].notna().mean() > 0.99
    assert manchester.grid.attrs["cell_size"] in (100, 250, 500, 1000)


# ---------------------------------------------------------------- statistics on real data, checked against esda
def _points(csv: str, crs: str) -> gpd.GeoDataFrame:
    df = pd.read_csv(REAL / csv)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["x"], df["y"]), crs=crs)


def test_manchester_rates_moran_match_esda(manchester):
    """EB-standardised Moran's I of burglary rates over 282 real LSOAs equals esda's Moran_Rate."""
    import esda
    from libpysal.graph import Graph

    d = manchester.districts.copy()
    d["count"] = d["district_id"].map(manchester.incidents["district_id"].value_counts()).fillna(0)
    ours = geolage.global_moran(d, "count", population="population", permutations=0)
    ref = esda.Moran_Rate(d["count"].to_numpy(), d["population"].to_numpy(),
                          Graph.build_contiguity(d.geometry, rook=False), adjusted=True, permutations=0)
    assert ours["moran_i"] == pytest.approx(ref.I, abs=1e-8)
    assert ours["moran_z"] == pytest.approx(ref.z_norm, abs=1e-8)
    assert ours["moran_i"] > 0  # burglary rates cluster in Manchester


def test_cincinnati_gistar_on_a_real_grid_matches_esda():
    import esda
    from libpysal.graph import Graph

    pts = _points("cincinnati/cincinnati_burglary_2017.csv", "EPSG:32616")
    area = shapely.convex_hull(shapely.union_all(pts.geometry.values)).buffer(500)
    grid = geolage.make_grid(area, 500, crs="EPSG:32616")
    counts = pd.Series(geolage.assign_cells(pts["x"], pts["y"], grid)).value_counts()
    y = grid.index.map(counts).fillna(0).to_numpy(float)
    ours = geolage.gistar(grid, y, distance=1000)
    graph = Graph.build_distance_band(grid.centroid, threshold=1000 + 1e-6)
    ref = esda.G_Local(y, graph, transform="B", star=True, permutations=0).Zs
    np.testing.assert_allclose(ours["gistar_z"].to_numpy(), ref, atol=1e-8, rtol=0)
    assert (ours["gistar_class"] == "hot_99").any()  # real burglary concentrates


def test_cincinnati_knox_and_shuffled_times():
    """Real burglaries repeat nearby soon after (Johnson & Bowers); with times shuffled they do not."""
    pts = _points("cincinnati/cincinnati_burglary_2017.csv", "EPSG:32616")
    times = pd.to_datetime(pts["date"])
    bands = {"distance_bands": (0, 200, 400), "time_bands": (0, 7, 14), "permutations": 99, "quiet": True}
    res = geolage.knox(pts, times, seed=3, **bands)
    near = res.table.iloc[0]
    assert near["distance_band"] == "0–200 m" and near["time_band"] == "0–7 d"
    assert near["ratio"] > 1.3 and near["p_value"] <= 0.02
    p_null = np.concatenate([
        geolage.knox(pts, pd.Series(times.sample(frac=1, random_state=k).to_numpy()), seed=k, **bands)
        .table["p_value"].to_numpy()
        for k in range(8)
    ])
    assert (p_null <= 0.05).mean() <= 0.15  # about the nominal 5 % under no near-repeat


def test_memphis_kde_mass_with_many_shared_locations():
    """Memphis coordinates are rounded (534 pairs at distance 0): the density still integrates to N."""
    pts = _points("memphis/memphis_robberies_2019.csv", "EPSG:32616")
    res = geolage.kde(pts, bandwidth=400, cell_size=50)
    assert res.integral() == pytest.approx(len(pts), rel=1e-6)

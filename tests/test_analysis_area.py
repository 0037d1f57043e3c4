"""Hot spots within the populated part of a study area, and the population-at-risk surface (issue 14, point 9).

Planted truth: a town of 12 x 12 cells of 100 m inside 30 x 30 cells of empty forest, with a planted
disc of four times the town's intensity. Within the populated part only the disc stands out; over
the whole study area the whole town does. The analysis-area mask, the neighbours and the Gi* z of the
area view are checked against independent computations (index arithmetic, esda), and the population
at risk against a brute-force kernel sum.
"""

from __future__ import annotations

import datetime as dt
import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from libpysal.graph import Graph

from geolage.config import config_from_dict
from geolage.errors import ConfigError
from geolage.run.results import RunResults
from geolage.run.steps.analysis_area import resolve_analysis_area
from geolage.run.steps.hotspots import add_hotspots
from geolage.stats.analysis_area import cells_inside, deso_categories, populated_districts
from geolage.stats.population import population_at_risk, spread_population

CRS = "EPSG:3006"
X0, Y0 = 370_000, 6_400_000
SIZE = 100
N = 30  # grid of N x N cells
TOWN = (9, 21)  # town cells: columns and rows 9..20
DISC = (X0 + 1250.0, Y0 + 1250.0, 200.0)  # planted disc: centre x, y and radius (m), inside the town
HOT = ("hot_95", "hot_99")


def _grid() -> gpd.GeoDataFrame:
    c, r = (a.ravel() for a in np.meshgrid(np.arange(N), np.arange(N), indexing="ij"))
    x0, y0 = X0 + c * SIZE, Y0 + r * SIZE
    ids = pd.Index([f"{a:06d}{b:07d}" for a, b in zip(x0, y0, strict=True)], name="cell_id")
    g = gpd.GeoDataFrame({"cell_id": ids, "col": c, "row": r, "x0": x0, "y0": y0, "area_share": 1.0},
                         geometry=shapely.box(x0, y0, x0 + SIZE, y0 + SIZE), crs=CRS, index=ids)
    g.attrs["cell_size"] = SIZE
    return g


FOREST_IDS = ("WEST", "EAST", "MIDDLE")


def _districts(ids=("TOWN", *FOREST_IDS), population=(8000.0, 20.0, 10.0, 10.0)) -> gpd.GeoDataFrame:
    """The town, and the forest in three districts: west of it, east of it, and north and south of it."""
    lo, hi = TOWN
    town = shapely.box(X0 + lo * SIZE, Y0 + lo * SIZE, X0 + hi * SIZE, Y0 + hi * SIZE)
    west = shapely.box(X0, Y0, X0 + lo * SIZE, Y0 + N * SIZE)
    east = shapely.box(X0 + hi * SIZE, Y0, X0 + N * SIZE, Y0 + N * SIZE)
    middle = shapely.box(X0 + lo * SIZE, Y0, X0 + hi * SIZE, Y0 + N * SIZE).difference(town)
    return gpd.GeoDataFrame({"district_id": list(ids), "district_name": ["Town", "West", "East", "Middle"],
                             "population": list(population)}, geometry=[town, west, east, middle], crs=CRS,
                            index=pd.Index(list(ids), name="district_id"))


def _district_of(col: np.ndarray, row: np.ndarray) -> np.ndarray:
    """District number (0 town, 1 west, 2 east, 3 middle) of cells, by index arithmetic."""
    lo, hi = TOWN
    town = (col >= lo) & (col < hi) & (row >= lo) & (row < hi)
    return np.where(town, 0, np.where(col < lo, 1, np.where(col >= hi, 2, 3)))


def _incidents(grid: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Poisson counts per cell: 5 in the town, 20 in the disc, none in the forest; points uniform in the cell."""
    rng = np.random.default_rng(2024)
    cx, cy = grid["x0"].to_numpy() + SIZE / 2, grid["y0"].to_numpy() + SIZE / 2
    town = _in_town(grid)
    disc = np.hypot(cx - DISC[0], cy - DISC[1]) <= DISC[2]
    lam = np.where(disc, 20.0, np.where(town, 5.0, 0.0))
    n = rng.poisson(lam)
    cell = np.repeat(np.arange(len(grid)), n)
    x = grid["x0"].to_numpy()[cell] + rng.uniform(1, SIZE - 1, len(cell))
    y = grid["y0"].to_numpy()[cell] + rng.uniform(1, SIZE - 1, len(cell))
    times = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 729, len(cell)), unit="D")
    return gpd.GeoDataFrame({"category": "misshandel", "time": times, "x": x, "y": y,
                             "cell_id": grid.index.to_numpy()[cell],
                             "district_id": np.asarray(["TOWN", *FOREST_IDS])[
                                 _district_of(grid["col"].to_numpy(), grid["row"].to_numpy())[cell]]},
                            geometry=gpd.points_from_xy(x, y), crs=CRS)


def _in_town(grid: pd.DataFrame) -> np.ndarray:
    """Town cells by index arithmetic (independent of the geometry code)."""
    lo, hi = TOWN
    return ((grid["col"] >= lo) & (grid["col"] < hi) & (grid["row"] >= lo) & (grid["row"] < hi)).to_numpy()


def _in_area(grid: pd.DataFrame, buffer: float = 200.0) -> np.ndarray:
    """Cells whose centre is within ``buffer`` m of the town (the populated district), by arithmetic."""
    lo, hi = (v * SIZE for v in TOWN)
    cx = (grid["col"].to_numpy() + 0.5) * SIZE
    cy = (grid["row"].to_numpy() + 0.5) * SIZE
    dx = np.maximum.reduce([lo - cx, np.zeros_like(cx), cx - hi])
    dy = np.maximum.reduce([lo - cy, np.zeros_like(cy), cy - hi])
    return np.hypot(dx, dy) <= buffer


def _results(hotspots: dict | None = None, districts: dict | None = None, ids=("TOWN", *FOREST_IDS),
             population=(8000.0, 20.0, 10.0, 10.0)) -> RunResults:
    cfg = config_from_dict(
        {
            "project": {"seed": 5},
            "districts": {"path": "d.gpkg", "id_field": "id", "name_field": "name", "population_field": "pop",
                          **(districts or {})},
            "sources": [{"name": "p", "path": "p.csv", "columns": {"category": "k", "x": "x", "y": "y",
                                                                     "datetime": "t"},
                         "categories": {"1": "misshandel"}}],
            "periods": {"start": dt.date(2023, 1, 1), "end": dt.date(2024, 12, 31), "unit": "year"},
            "hotspots": {"permutations": 99, "distance": 200.0, **(hotspots or {})},
        },
        check_files=False,
    )
    grid = _grid()
    return RunResults(config=cfg, incidents=_incidents(grid), rejects=pd.DataFrame(),
                      districts=_districts(ids, population), grid=grid,
                      study_area=gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + N * SIZE, Y0 + N * SIZE)],
                                                  crs=CRS))


@pytest.fixture(scope="module")
def town_run() -> RunResults:
    results = _results()
    add_hotspots(results)
    return results


# --------------------------------------------------------------------------- planted truth
def _view(results: RunResults, table: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """All-offence rows of a Gi* table by cell, and per row: in the disc core, far from it in the town, hot."""
    gg = results.tables[table].data
    gg = gg[gg["category"] == "alla"].set_index("cell_id")
    grid = results.grid.loc[gg.index]
    lo, hi = TOWN
    dist = np.hypot(grid["x0"] + SIZE / 2 - DISC[0], grid["y0"] + SIZE / 2 - DISC[1]).to_numpy()
    interior = ((grid["col"] >= lo + 2) & (grid["col"] < hi - 2) & (grid["row"] >= lo + 2)
                & (grid["row"] < hi - 2)).to_numpy()  # neighbourhoods of 200 m stay in the town
    core = dist <= 150.0  # the disc's cells whose neighbourhood lies mostly in the disc
    far = interior & (dist > DISC[2] + 200.0)  # beyond the disc and one neighbourhood
    return gg, core, far, gg["gistar_class"].isin(HOT).to_numpy()


def test_within_the_town_only_the_planted_disc_is_hot(town_run):
    gg, core, far, hot = _view(town_run, "gistar_grid")
    assert core.sum() == 9 and far.sum() == 38
    assert hot[core].all()  # the planted disc is found
    assert not hot[far].any()  # and nothing far from it
    assert hot.mean() <= 0.1


def test_over_the_whole_study_area_the_whole_town_is_hot(town_run):
    whole, core, far, hot = _view(town_run, "gistar_grid_whole")
    assert len(whole) == N * N and set(town_run.tables["gistar_grid_whole"].data["category"]) == {"alla"}
    town = _in_town(town_run.grid.loc[whole.index])
    assert hot[core].all()
    assert hot[far].mean() >= 0.7  # the town is hot far from the disc too: compared with empty forest
    assert not hot[~town].any()
    assert len(town_run.tables["lisa_grid_whole"].data) == N * N


def test_the_analysis_area_is_the_town_computed_independently(town_run):
    """The town and the cells within one neighbourhood (200 m) of it: 16 x 16 cells less the four far corners."""
    gg = town_run.tables["gistar_grid"].data
    alla = gg[gg["category"] == "alla"]
    expected = set(town_run.grid.index[_in_area(town_run.grid)])
    assert len(expected) == 16 * 16 - 4 and set(alla["cell_id"]) == expected
    assert set(town_run.tables["lisa_grid"].data["cell_id"]) == expected
    p = town_run.parameters["hotspots"]
    assert p["analysis_area"] == "populated" and p["analysis_area_rule"] == "population_density"
    assert p["analysis_area_cells"] == 252 and p["grid_cells_outside_analysis_area"] == N * N - 252
    assert p["populated_districts"] == 1 and p["analysis_area_setting"] == "auto"
    assert p["analysis_area_buffer_m"] == 200.0 and "residents per km²" in p["analysis_area_reason"]
    moran = town_run.tables["moran_global"].data
    assert set(moran.loc[moran["unit"] == "grid", "moran_n"]) == {252}


def test_neighbours_outside_the_area_do_not_count(town_run):
    """The area's Gi* z equals esda's on the town cells alone (binary 200 m band): mean, variance, neighbours."""
    gg = town_run.tables["gistar_grid"].data
    alla = gg[gg["category"] == "alla"].set_index("cell_id")
    grid = town_run.grid.loc[alla.index]
    xy = np.column_stack([grid["x0"] + SIZE / 2, grid["y0"] + SIZE / 2])
    graph = Graph.build_distance_band(gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), index=alla.index),
                                      200.0, binary=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z = esda.G_Local(alla["count"].to_numpy(dtype=float), graph, transform="B", star=True, permutations=0).Zs
    np.testing.assert_allclose(alla["gistar_z"].to_numpy(), z, rtol=1e-8, atol=1e-10)
    lo, _ = TOWN
    edge = f"{X0 + (lo - 2) * SIZE:06d}{Y0 + (lo + 5) * SIZE:07d}"  # on the area's west edge
    # within 200 m of it and inside the area: the 12 offsets of the band less the 4 to the west
    assert alla.loc[edge, "gistar_n_neighbours"] == 8
    whole = town_run.tables["gistar_grid_whole"].data.set_index("cell_id")
    assert whole.loc[edge, "gistar_n_neighbours"] == 12


# --------------------------------------------------------------------------- choosing the area
def test_deso_categories_b_and_c_are_populated_whatever_the_density():
    d = _districts(ids=("1490C0010", "1490A0020", "1490B0030", "1490A0040"), population=(np.nan, 1e9, 0, 5))
    flags, rule = populated_districts(d, min_density=100)
    assert rule == "deso_category_bc" and flags.tolist() == [True, False, True, False]
    assert deso_categories(pd.Series(["1490B0001", "1490C0002"])).tolist() == ["B", "C"]
    assert deso_categories(pd.Series(["1490B0001", "1490R002"])) is None  # RegSO: no category


def test_population_density_rule_and_unknown_population():
    d = _districts(population=(8000.0, np.nan, 10.0, 10.0))
    flags, rule = populated_districts(d, min_density=100)
    # unknown population: nothing says it is empty; 10 residents on 2.16 km² are fewer than 100 per km²
    assert rule == "population_density" and flags.tolist() == [True, True, False, False]
    town_km2 = ((TOWN[1] - TOWN[0]) * SIZE) ** 2 / 1e6
    flags, _ = populated_districts(_districts(), min_density=8000 / town_km2 + 1)
    assert flags.tolist() == [False, False, False, False]
    assert populated_districts(_districts(population=(np.nan,) * 4), min_density=100) is None


def test_cells_inside_by_cell_centre():
    g = _grid()
    half = shapely.box(X0, Y0, X0 + 1550, Y0 + N * SIZE)  # centres at 50, 150, ... 1450 inside; 1550 on the edge
    inside = cells_inside(g, half)
    assert inside.sum() == 16 * N
    assert set(g.index[inside]) == set(g.index[(g["col"] <= 15).to_numpy()])


def test_auto_without_population_uses_every_cell_and_says_why():
    results = _results(population=(np.nan,) * 4)
    area = resolve_analysis_area(results)
    assert area.inside is None and area.kind == "all" and area.rule == "no_population"
    assert area.record["analysis_area_cells"] == N * N


def test_populated_without_population_or_deso_is_a_clear_error():
    results = _results(hotspots={"analysis_area": "populated"}, population=(np.nan,) * 4)
    with pytest.raises(ConfigError, match="'hotspots.analysis_area' = 'populated' needs to know where people live"):
        add_hotspots(results)


def test_all_keeps_every_cell_and_no_whole_tables():
    results = _results(hotspots={"analysis_area": "all"})
    add_hotspots(results)
    gg = results.tables["gistar_grid"].data
    assert len(gg[gg["category"] == "alla"]) == N * N
    assert "gistar_grid_whole" not in results.tables
    assert results.parameters["hotspots"]["analysis_area_rule"] == "given"


def test_a_polygon_file_as_analysis_area(tmp_path):
    path = tmp_path / "area.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=CRS).to_file(path, layer="a")
    results = _results(hotspots={"analysis_area": str(path)})
    area = resolve_analysis_area(results)
    assert area.kind == "file" and area.rule == "given"
    g = results.grid
    expected = ((g["col"] < 10) & (g["row"] < 10)).to_numpy()
    assert (area.inside == expected).all()


@pytest.mark.parametrize(("hotspots", "districts", "match"), [
    ({"analysis_area": "town.txt"}, True, r"'hotspots.analysis_area' needs to be 'auto', 'populated', 'all' or a "
                                          r"polygon file"),
    ({"analysis_area_layer": "a"}, True, r"'hotspots.analysis_area_layer' \('a'\) names a layer"),
    ({"analysis_area": "populated"}, False, r"'hotspots.analysis_area' = 'populated' needs \[districts\]"),
    ({"populated_density": 0}, True, r"'hotspots.populated_density' needs to be a positive number"),
    ({"analysis_area": "missing.gpkg"}, True, r"'hotspots.analysis_area': file not found"),
])
def test_config_errors(tmp_path, hotspots, districts, match):
    raw = {
        "project": {"name": "t"},
        "sources": [{"name": "p", "path": str(tmp_path / "p.csv"), "columns": {"category": "k", "x": "x", "y": "y",
                                                                                "datetime": "t"},
                     "categories": {"1": "misshandel"}}],
        "periods": {"start": dt.date(2023, 1, 1), "end": dt.date(2024, 12, 31)},
        "hotspots": hotspots,
    }
    (tmp_path / "p.csv").write_text("k,x,y,t\n", encoding="utf-8")
    if districts:
        (tmp_path / "d.gpkg").write_bytes(b"")
        raw["districts"] = {"path": str(tmp_path / "d.gpkg"), "id_field": "id", "name_field": "name"}
    with pytest.raises(ConfigError, match=match):
        config_from_dict(raw, base_dir=tmp_path, check_files=True)


# --------------------------------------------------------------------------- population at risk
def _quartic(d: np.ndarray, h: float) -> np.ndarray:
    """Quartic kernel per km² (textbook: 3 / (pi h²) (1 - d²/h²)² inside h)."""
    u = d / h
    return np.where(u < 1, 3.0 / (np.pi * h * h) * (1 - u * u) ** 2, 0.0) * 1e6


def test_spread_population_puts_each_district_on_its_cells():
    d = _districts()
    xy, w = spread_population(d, d["population"], cell_size=SIZE, extent=(X0, Y0, X0 + N * SIZE, Y0 + N * SIZE))
    assert len(w) == N * N
    which = _district_of(((xy[:, 0] - X0) // SIZE).astype(int), ((xy[:, 1] - Y0) // SIZE).astype(int))
    n_cells = np.bincount(which)
    assert n_cells.tolist() == [144, 9 * N, 9 * N, 2 * 9 * 12]
    np.testing.assert_allclose(w, d["population"].to_numpy()[which] / n_cells[which], rtol=1e-12)
    for k, geom in enumerate(d.geometry):
        assert shapely.contains_xy(geom, xy[which == k, 0], xy[which == k, 1]).all()


def test_population_at_risk_equals_a_brute_force_kernel_sum():
    d = _districts()
    rng = np.random.default_rng(9)
    inc = np.column_stack([rng.uniform(X0 + 900, X0 + 2100, 60), rng.uniform(Y0 + 900, Y0 + 2100, 60)])
    h, years, extent = 250.0, 2.0, (X0, Y0, X0 + N * SIZE, Y0 + N * SIZE)
    res = population_at_risk(inc, d, d["population"], years=years, bandwidth=h, cell_size=SIZE, extent=extent,
                             per=1000, min_density=100, crs=CRS)
    # brute force at every cell centre: incidents per year / residents spread evenly over each district's cells
    cx, cy = np.meshgrid(X0 + (np.arange(N) + 0.5) * SIZE, Y0 + (np.arange(N)[::-1] + 0.5) * SIZE)
    num = sum(_quartic(np.hypot(cx - x, cy - y), h) for x, y in inc) / years
    col, row = np.meshgrid(np.arange(N), np.arange(N))
    which = _district_of(col, row)
    px, py = X0 + (col + 0.5) * SIZE, Y0 + (row + 0.5) * SIZE
    weight = d["population"].to_numpy()[which] / np.bincount(which.ravel())[which]
    den = np.zeros_like(num)
    for x, y, wt in zip(px.ravel(), py.ravel(), weight.ravel(), strict=True):
        den += wt * _quartic(np.hypot(cx - x, cy - y), h)
    expected = np.where(den >= 100, 1000 * num / np.where(den > 0, den, 1), np.nan)
    assert np.isfinite(expected).sum() > 100 and np.isnan(expected).sum() > 400
    np.testing.assert_array_equal(np.isnan(res.array), np.isnan(expected))
    np.testing.assert_allclose(res.array, expected, rtol=1e-9, equal_nan=True)
    assert res.parameters["years"] == years and res.parameters["population_points"] == N * N


# --------------------------------------------------------------------------- what the pipeline and report say
@pytest.mark.parametrize(("language", "area", "par"), [
    ("sv", "Hot spots i rutnätet har sökts inom den bebodda delen av studieområdet (252 av 900 rutor)",
     "brott per 1\xa0000 invånare och år 2023–2024"),
    ("en", "Hot spots on the grid were sought within the populated part of the study area (252 of 900 cells)",
     "incidents per 1,000 residents per year in 2023–2024"),
])
def test_the_report_says_which_area_and_where_risk_per_resident_peaks(town_run, language, area, par):
    from geolage.outputs.report.context import ReportContext
    from geolage.outputs.report.sections.hotspot_area import area_sentence, method_area, par_sentence
    from geolage.run.steps.density import add_density

    if "par_alla" not in town_run.rasters:
        add_density(town_run)
    ctx = ReportContext(town_run, language, "internal")
    [sentence] = area_sentence(ctx)
    assert sentence["text"].startswith(area)
    method = " ".join(b["text"] for b in method_area(ctx))
    assert ("100 invånare per km² (1 av 4 områden)" if language == "sv"
            else "100 residents per km² (1 of 4 districts)") in method
    assert ("Rutor inom 200 m från ett bebott område räknas med" if language == "sv"
            else "Cells within 200 m of a populated district count too") in method
    [peak] = par_sentence(ctx)
    d = town_run.parameters["density"]
    assert d["par_raster"] == "par_alla" and d["par_years"] == round(731 / 365.25, 4)
    assert par in peak["text"] and d["par_peak"]["district_name"] in peak["text"]
    raster = town_run.rasters["par_alla"]
    assert np.nanmax(raster.array) == pytest.approx(d["par_peak"]["value"], abs=1e-3)


def test_the_report_says_why_every_cell_is_used_when_people_live_everywhere():
    from geolage.outputs.report.context import ReportContext
    from geolage.outputs.report.sections.hotspot_area import area_sentence

    results = _results(population=(8000.0, 8000.0, 8000.0, 8000.0))
    area = resolve_analysis_area(results, buffer=200.0)
    assert area.inside is None and area.rule == "covers_grid"
    results.record_parameters("hotspots", grid_cells=N * N, **area.record)
    [sentence] = area_sentence(ReportContext(results, "en", "internal"))
    assert sentence["text"] == ("Hot spots on the grid were sought in the whole study area (900 cells), because people "
                                "live in every part of the study area.")


@pytest.mark.parametrize(("box", "rule"), [
    ((0, 0, 150, 100), "too_few_cells"),  # two cell centres: (50, 50) and (150, 50) on the edge
    ((-500, -500, -100, -100), "no_cell_inside"),
])
def test_an_area_of_fewer_than_three_cells_falls_back_to_every_cell(tmp_path, box, rule):
    path = tmp_path / "small.geojson"
    x0, y0, x1, y1 = box
    gpd.GeoDataFrame(geometry=[shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)], crs=CRS).to_file(path)
    area = resolve_analysis_area(_results(hotspots={"analysis_area": str(path)}))
    assert area.inside is None and area.rule == rule and area.record["analysis_area"] == "all"

"""The size guard (issue 15): grid cells and memory estimated from the study area before any data is read.

The bytes per cell are the measured figure documented in :mod:`geolage.preflight`
(``tests/bad_input/measure_memory.py``); the guard refuses with the number of cells, the estimate and a
cell size that fits, in the run's language, and that size then passes.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from bad_input.generate import CRS, X0, Y0, Project, district_frame

from geolage.config import read_config
from geolage.errors import ConfigError
from geolage.preflight import check_run_size, estimate_run_size

GIB = 1 << 30


def _config(tmp_path: Path, extra: str, **kw):
    return read_config(Project(extra=extra, **kw).write(tmp_path / "p"))


def test_estimate_is_cells_times_the_measured_bytes(tmp_path):
    cfg = _config(tmp_path, "[grid]\ncell_size = 10\n")
    est = estimate_run_size(cfg, (X0, Y0, X0 + 5000, Y0 + 1000))
    assert est["grid_cells"] == 500 * 100  # every cell of the 5 × 1 km box, by hand
    assert (est["categories"], est["periods"]) == (3, 5)  # misshandel, stold, all; 2020–2024 by year
    assert est["grid_bytes"] == 50_000 * (27_000 + 8 * 6 * 3 * 5)  # measured 27 kB a cell + six arrays per period
    # the cells that meet the area: two 1 km squares 20 km apart, 2 km² / 100 m² + 8 km / 10 m (+4), not the box
    est = estimate_run_size(cfg, (X0, Y0, X0 + 21_000, Y0 + 1000), area=2e6, perimeter=8000.0)
    assert est["grid_cells"] == 20_000 + 800 + 4


def test_guard_refuses_with_the_number_and_a_size_that_fits(tmp_path):
    cfg = _config(tmp_path, "[grid]\ncell_size = 5\n")
    memory = 2 * GIB  # half of it may be planned: 1 GiB
    with pytest.raises(ConfigError) as err:
        check_run_size(cfg, memory=memory)
    message = str(err.value)
    cells = 1000 * 200  # the 5 × 1 km box: fewer than area / 25 m² + boundaries (20 km) / 5 m
    gib = cells * (27_000 + 8 * 6 * 15) / GIB
    assert f"gives about {cells:,} cells" in message and "× 3 categories × 5 periods" in message
    assert f"an estimated {gib:.1f} GiB (available: 2.0 GiB)" in message
    suggested = int(re.search(r"set it to at least (\d+) m", message).group(1))
    swedish = err.value.in_language("sv")
    assert f"sätt den till minst {suggested} m" in swedish and f"{gib:.1f}".replace(".", ",") + " GiB" in swedish
    fits = _config(tmp_path, f"[grid]\ncell_size = {suggested}\n")
    check_run_size(fits, memory=memory)  # the size suggested passes …
    tight = _config(tmp_path, f"[grid]\ncell_size = {suggested - 2}\n")
    with pytest.raises(ConfigError, match="grid.cell_size"):  # … and is close to the smallest that does
        check_run_size(tight, memory=memory)


def test_districts_in_degrees_are_measured_in_the_run_crs(tmp_path):
    """A districts layer in WGS84 (reprojected when read) is not taken for a 0.05 × 0.01 m study area."""
    wgs84 = district_frame().to_crs("EPSG:4326")
    cfg = _config(tmp_path, "[grid]\ncell_size = 250\n", districts=wgs84)
    check_run_size(cfg, memory=8 * GIB)  # 5 km² in 250 m cells: about 100 cells, fine
    coarse = _config(tmp_path, "[grid]\ncell_size = 2000\n", districts=wgs84)
    with pytest.raises(ConfigError, match=r"only \d cell\(s\) over the study area 5\.0 × 1\.0 km"):
        check_run_size(coarse, memory=8 * GIB)


def test_study_area_of_two_far_squares_counts_the_cells_that_meet_it(tmp_path):
    squares = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
                                         shapely.box(X0 + 40_000, Y0, X0 + 41_000, Y0 + 1000)], crs=CRS)
    districts = district_frame()
    districts.geometry = [shapely.box(X0 + i * 200, Y0, X0 + (i + 1) * 200, Y0 + 1000) for i in range(5)]
    cfg = _config(tmp_path, "[grid]\ncell_size = 10\n", districts=districts)
    check_run_size(cfg, memory=8 * GIB)  # 1 km² in 10 m cells: 10,000 cells
    squares.to_file(tmp_path / "p" / "studie.gpkg", driver="GPKG")
    text = (tmp_path / "p" / "run.toml").read_text(encoding="utf-8") + '\n[study_area]\npath = "studie.gpkg"\n'
    (tmp_path / "p" / "run.toml").write_text(text, encoding="utf-8")
    study = read_config(tmp_path / "p" / "run.toml")
    check_run_size(study, memory=2 * GIB)  # 2 km² in 10 m cells: 20,804 cells × 27.7 kB = 0.54 GiB, within 1 GiB
    with pytest.raises(ConfigError, match=r"about 20,804 cells"):  # not the 410,000 cells of the 41 × 1 km box
        check_run_size(study, memory=GIB)


def test_density_raster_estimate_and_refusal(tmp_path):
    cfg = _config(tmp_path, "[density]\ncell_size = 2\nbandwidth = 100\n")
    est = estimate_run_size(cfg, (X0, Y0, X0 + 5000, Y0 + 1000))
    cells = (5000 + 200) // 2 * ((1000 + 200) // 2)  # the box widened by the bandwidth on each side, by hand
    assert est["raster_cells"] == cells == 1_560_000
    assert est["raster_bytes"] == cells * (73 + 8 * 3)  # measured 73 bytes while computing + 8 per kept surface
    with pytest.raises(ConfigError, match=r"'density.cell_size' = 2 m gives about 1,560,000 raster cells") as err:
        check_run_size(cfg, memory=est["raster_bytes"])  # half of it may be planned
    suggested = int(re.search(r"set it to at least (\d+) m", str(err.value)).group(1))
    check_run_size(_config(tmp_path, f"[density]\ncell_size = {suggested}\nbandwidth = 100\n"),
                   memory=est["raster_bytes"])

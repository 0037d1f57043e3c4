"""Analysis grid: SCB alignment, ids, clipping, cell assignment, the cell-size rule."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geolage.grid import assign_cells, cell_ids, choose_cell_size, make_grid


# ---------------------------------------------------------------- inputs
def test_bad_cell_size():
    with pytest.raises(ValueError, match="cell_size needs to be a positive number of metres; got 0"):
        make_grid(shapely.box(0, 0, 10, 10), 0)


def test_empty_area():
    with pytest.raises(ValueError, match="the study area is empty"):
        make_grid(shapely.Polygon(), 250)


# ---------------------------------------------------------------- outputs
def test_cells_aligned_to_multiples_and_scb_ids():
    area = shapely.box(370_130, 6_400_070, 370_600, 6_400_420)  # not aligned
    g = make_grid(area, 250)
    assert (g["x0"] % 250 == 0).all() and (g["y0"] % 250 == 0).all()
    assert set(g["cell_id"]) == {
        "3700006400000",
        "3702506400000",
        "3705006400000",
        "3700006400250",
        "3702506400250",
        "3705006400250",
    }
    assert list(g.index) == list(g["cell_id"])
    assert g.loc["3700006400000", "col"] == 0 and g.loc["3705006400250", "row"] == 1
    assert g.attrs["cell_size"] == 250 and g.attrs["origin"] == (370_000.0, 6_400_000.0)


def test_area_share_by_hand():
    area = shapely.box(370_000, 6_400_000, 370_375, 6_400_250)  # 1.5 cells of 250 m
    g = make_grid(area, 250)
    assert g.set_index("cell_id")["area_share"].to_dict() == {"3700006400000": 1.0, "3702506400000": 0.5}


def test_only_cells_touching_the_area():
    area = shapely.Polygon([(0, 0), (1000, 0), (0, 1000)])  # triangle
    g = make_grid(area, 250)
    assert len(g) == 10  # 4 + 3 + 2 + 1 below the diagonal, diagonal cells included
    assert (g["area_share"] > 0).all()


def test_assign_cells_half_open():
    g = make_grid(shapely.box(0, 0, 500, 500), 250)
    ids = assign_cells(np.array([0.0, 249.9, 250.0, 499.0, 600.0, np.nan]), np.array([0.0, 0, 0, 499, 0, 0]), g)
    assert list(ids) == [
        cell_ids([0], [0])[0],
        cell_ids([0], [0])[0],
        cell_ids([250], [0])[0],
        cell_ids([250], [250])[0],
        None,
        None,
    ]


def test_choose_cell_size_town_scale():
    rng = np.random.default_rng(0)
    x = rng.uniform(370_000, 382_000, 5000)  # a 12 × 10 km town
    y = rng.uniform(6_395_000, 6_405_000, 5000)
    size, reason = choose_cell_size(x, y)
    assert size == 100  # 9.5 km / 50 = 190 m -> snapped down to 100 m
    x2 = rng.uniform(0, 40_000, 5000)
    y2 = rng.uniform(0, 40_000, 5000)
    assert choose_cell_size(x2, y2)[0] == 500  # 38 km / 50 = 760 m -> 500 m
    assert "snapped down" in reason


def test_choose_cell_size_robust_to_outliers():
    rng = np.random.default_rng(1)
    x = np.r_[rng.uniform(0, 20_000, 1000), [1e6]]
    y = np.r_[rng.uniform(0, 20_000, 1000), [1e6]]
    assert choose_cell_size(x, y)[0] == 250

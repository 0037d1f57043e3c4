"""Differencing attack on the public density rasters (issue 10): no incident located finer than its grid cell.

The adversarial fixture of :mod:`test_disclosure_attacks` is run with one misshandel incident
more in its dense cluster (D1). The reader has both runs' public rasters (the ``Raster``
arrays, which the GeoTIFFs hold as they are) and subtracts them: where both are shown the
difference is the added incident's kernel, and its argmax is the incident's place to within a
raster cell (50 m) — finer than the grid cell (100 m in this fixture, 250 m in the demo), and
today's masking (below ``k`` kernel peaks) does not stop it in a dense place.

The defence (:func:`geolage.run.disclosure_rasters.cell_rasters`) rebuilds the public rasters from
published grid cell counts placed at the cells' centres. Tested: the public rasters are the same
wherever in its cell the incident lies (so the difference says the cell, no more); and the
defence opens no new leak: fitting kernels at every cell centre to the shown pixels gives back
no hidden (cell, category) count, while the same fit recovers them from rasters rebuilt naively
from *every* cell's count.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import X0, Y0
from test_disclosure_attacks import K
from test_disclosure_difference import _two_runs

from geolage.run.disclosure import public_rasters, public_results
from geolage.run.disclosure_rasters import _cell_density, published_cells
from geolage.stats.kernels import kernel_support

_AT = (X0 + 310.0, Y0 + 480.0)  # the added incident: D1's cluster, in the grid cell [300, 400] x [400, 500]
_ELSEWHERE = (X0 + 392.0, Y0 + 407.0)  # the same grid cell, 110 m away
_NAME = "kde_misshandel"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run A, run B (one incident more at ``_AT``) and run B' (that incident at ``_ELSEWHERE`` in the same cell)."""
    res_a, res_b, *_ = _two_runs(tmp_path_factory, "A", _AT, "2020-03-15")
    _, res_b2, *_ = _two_runs(tmp_path_factory, "A", _ELSEWHERE, "2020-03-15")
    return res_a, res_b, res_b2


def _argmax_place(a, b) -> tuple[float, float]:
    """The pixel centre where run B's raster exceeds run A's most (both shown)."""
    d = b.array - a.array
    assert np.isfinite(d).sum() > 20  # the cluster is shown in both
    row, col = np.unravel_index(np.nanargmax(d), d.shape)
    return a.transform * (col + 0.5, row + 0.5)


def _cell(results, xy) -> tuple[float, float, float]:
    size = float(results.grid.attrs["cell_size"])
    x0, y0 = results.grid.attrs["origin"]
    cx = x0 + (np.floor((xy[0] - x0) / size) + 0.5) * size
    cy = y0 + (np.floor((xy[1] - y0) / size) + 0.5) * size
    return cx, cy, size


def test_the_fixture(runs):
    res_a, res_b, res_b2 = runs
    assert len(res_b.incidents) == len(res_a.incidents) + 1 == len(res_b2.incidents)
    assert _cell(res_b, _AT) == _cell(res_b, _ELSEWHERE) == (X0 + 350.0, Y0 + 450.0, 100.0)
    assert res_a.rasters[_NAME].transform.a == 50.0


def test_raster_difference_locates_the_incident_when_rasters_are_only_masked(runs):
    """The attack is real: rasters masked below k kernel peaks (the rule before this defence) give the place
    to within one raster cell, 2 to 3 times closer than the grid cell's centre is."""
    res_a, res_b, _ = runs
    a, b = (public_rasters(r.rasters, K)[_NAME] for r in (res_a, res_b))
    x, y = _argmax_place(a, b)
    error = np.hypot(x - _AT[0], y - _AT[1])
    cx, cy, size = _cell(res_b, _AT)
    assert error <= 50 / np.sqrt(2) + 1e-6  # within the raster cell holding the incident
    assert error < np.hypot(cx - _AT[0], cy - _AT[1]) / 2 < size


def test_public_rasters_depend_on_an_incident_only_through_its_grid_cell(runs):
    """Defence: B and B' (the incident elsewhere in the same cell) publish the same rasters, bit for bit."""
    _, res_b, res_b2 = runs
    pb, pb2 = public_results(res_b, K), public_results(res_b2, K)
    assert sorted(pb.rasters) == sorted(pb2.rasters) and _NAME in pb.rasters
    for name, raster in pb.rasters.items():
        np.testing.assert_array_equal(raster.array, pb2.rasters[name].array)
    assert not np.array_equal(np.nan_to_num(res_b.rasters[_NAME].array), np.nan_to_num(res_b2.rasters[_NAME].array))


def test_public_raster_records_depend_on_an_incident_only_through_its_grid_cell(runs):
    """Defence, the records too: the rasters' parameters (the GeoTIFF tags) and the density step's parameters
    (run.json) are the same for B and B'; the exact surfaces' bookkeeping differs, so it is not what is shown."""
    _, res_b, res_b2 = runs
    pb, pb2 = public_results(res_b, K), public_results(res_b2, K)
    for name, raster in pb.rasters.items():
        assert raster.parameters == pb2.rasters[name].parameters, name
    assert pb.parameters["density"] == pb2.parameters["density"]
    assert not any(k.startswith("par_") for k in pb.parameters["density"])
    exact = [r.rasters[_NAME].parameters["weight_inside_mask"] for r in (res_b, res_b2)]
    masses = [r.rasters[_NAME].parameters["mass_mask"] for r in (res_b, res_b2)]
    assert exact[0] == exact[1] and masses[0] != masses[1]  # the exact surface's mass moves with the place
    shown = published_cells(res_b, pb.tables, K)
    shown = shown[~shown["count_suppressed"].to_numpy(dtype=bool) & (shown["category"] == "misshandel")]
    assert pb.rasters[_NAME].parameters["total_weight"] == pytest.approx(float(shown["count"].sum()), abs=0)
    assert pb.rasters[_NAME].parameters["total_weight"] < res_b.rasters[_NAME].parameters["total_weight"]


def test_public_raster_difference_says_the_cell_not_the_place(runs):
    """Defence: the argmax of the difference is one of the pixels around the cell's centre, whatever the place."""
    res_a, res_b, _ = runs
    a, b = (public_results(r, K).rasters[_NAME] for r in (res_a, res_b))
    x, y = _argmax_place(a, b)
    cx, cy, _ = _cell(res_b, _AT)
    assert np.hypot(x - cx, y - cy) <= 50 / np.sqrt(2) + 1e-6
    record = public_results(res_b, K).record["disclosure"]["rules"]
    assert "placed at its cell's centre" in record["raster_cells"]


# --------------------------------------------------------------------------- no new leak
def _fit_cells(raster, results):
    """The reader's fit: kernels at every grid cell centre within reach of the shown pixels, least squares.

    Returns the estimated count per cell id (the published counts are among the unknowns too, so the
    fit needs no knowledge of which counts were used).
    """
    grid = results.grid
    size = float(grid.attrs["cell_size"])
    centres = np.column_stack([grid["x0"].to_numpy(float) + size / 2, grid["y0"].to_numpy(float) + size / 2])
    shown = np.isfinite(raster.array)
    rows, cols = np.nonzero(shown)
    px, py = raster.transform * (cols + 0.5, rows + 0.5)
    reach = kernel_support(float(raster.parameters["bandwidth"]), str(raster.parameters["kernel"]))
    near = np.array([np.hypot(px - x, py - y).min() < reach for x, y in centres])
    columns = []
    for xy in centres[near]:  # one column per cell: its kernel (one incident) at the shown pixels
        columns.append(_cell_density(raster, xy[None, :], np.ones(1))[shown])
    design = np.column_stack(columns)
    estimate, *_ = np.linalg.lstsq(design, raster.array[shown], rcond=None)
    return dict(zip(grid["cell_id"].astype(str).to_numpy()[near], estimate, strict=True))


def _hidden_counts(results, tables):
    cells = published_cells(results, tables, K)
    mine = cells[(cells["category"] == "misshandel") & cells["count_suppressed"]]
    return dict(zip(mine["cell_id"].astype(str), mine["count"], strict=True))


def test_naive_cell_rasters_give_hidden_counts_back(runs):
    """The leak a careless defence opens: rasters from *every* cell's count at its centre are a linear system in the
    counts; the fit recovers the hidden counts of 1 or more near the shown pixels exactly."""
    _, res_b, _ = runs
    pub = public_results(res_b, K)
    cells = published_cells(res_b, pub.tables, K)
    every = cells[cells["category"] == "misshandel"]
    size = float(res_b.grid.attrs["cell_size"])
    where = res_b.grid.set_index(res_b.grid["cell_id"].astype(str))
    xy = np.column_stack([where.loc[every["cell_id"].astype(str), "x0"].to_numpy(float) + size / 2,
                          where.loc[every["cell_id"].astype(str), "y0"].to_numpy(float) + size / 2])
    raster = res_b.rasters[_NAME]
    naive = raster.__class__(**{**raster.__dict__, "array": _cell_density(raster, xy, every["count"].to_numpy(float))})
    naive = public_rasters({_NAME: naive}, K)[_NAME]  # masked below k kernel peaks as before
    fit = _fit_cells(naive, res_b)
    hidden = _hidden_counts(res_b, pub.tables)
    recovered = [c for c, n in hidden.items() if n >= 1 and c in fit and abs(fit[c] - n) <= 0.5]
    assert len(recovered) >= 3


def test_public_rasters_give_no_hidden_count_back(runs):
    """Defence: the same fit on the public raster estimates every hidden cell at 0, whatever its count (1–4 or
    more): the shown pixels are the kernels of published counts only."""
    _, res_b, _ = runs
    pub = public_results(res_b, K)
    fit = _fit_cells(pub.rasters[_NAME], res_b)
    hidden = _hidden_counts(res_b, pub.tables)
    near = {c: n for c, n in hidden.items() if c in fit}
    assert sum(1 for n in near.values() if n >= 1) >= 3  # hidden counts of 1 or more are within reach
    assert [c for c, n in near.items() if n >= 1 and abs(fit[c] - n) <= 0.5] == []
    np.testing.assert_allclose([fit[c] for c in near], 0.0, atol=1e-6)

"""Tests of geolage.neighbours: grid distance bands, district contiguity, user weights."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from libpysal.graph import Graph

from geolage.neighbours import (
    SpatialWeights,
    as_weights,
    auto_distance,
    band_offsets,
    district_weights,
    grid_weights,
    make_weights,
    read_weights,
)

CRS = "EPSG:3006"
X0, Y0 = 370_000, 6_400_000


def make_grid(nc: int, nr: int, size: int = 100, keep=None) -> gpd.GeoDataFrame:
    """A regular grid of nc x nr cells (optionally only cells where keep(col, row))."""
    c, r = np.meshgrid(np.arange(nc), np.arange(nr), indexing="ij")
    c, r = c.ravel(), r.ravel()
    if keep is not None:
        m = keep(c, r)
        c, r = c[m], r[m]
    x0, y0 = X0 + c * size, Y0 + r * size
    g = gpd.GeoDataFrame({"col": c, "row": r, "x0": x0, "y0": y0},
                         geometry=shapely.box(x0, y0, x0 + size, y0 + size), crs=CRS)
    g.index = pd.Index([f"{a:06d}{b:07d}" for a, b in zip(x0, y0)], name="cell_id")
    g.insert(0, "cell_id", g.index)
    g.attrs["cell_size"] = size
    return g


def make_districts() -> gpd.GeoDataFrame:
    """2 x 3 squares of 1 km (queen: corner neighbours count)."""
    geoms, ids = [], []
    for i in range(3):
        for j in range(2):
            geoms.append(shapely.box(X0 + i * 1000, Y0 + j * 1000, X0 + (i + 1) * 1000, Y0 + (j + 1) * 1000))
            ids.append(f"D{i}{j}")
    return gpd.GeoDataFrame({"district_id": ids}, geometry=geoms, crs=CRS, index=pd.Index(ids, name="district_id"))


# --------------------------------------------------------------------------- inputs
def test_grid_weights_needs_col_row():
    g = make_grid(3, 3).drop(columns=["col"])
    with pytest.raises(ValueError, match="integer columns 'col' and 'row'"):
        grid_weights(g, 200)


def test_grid_weights_rejects_bad_distance():
    with pytest.raises(ValueError, match="positive number of metres"):
        grid_weights(make_grid(3, 3), -5)
    with pytest.raises(ValueError, match="number of metres or 'auto'"):
        grid_weights(make_grid(3, 3), "far")


def test_user_graph_with_missing_ids_is_named():
    g = make_grid(3, 3)
    graph = Graph.build_contiguity(g.geometry.iloc[:8], rook=False)  # last cell missing
    with pytest.raises(ValueError, match=r"1 of 9 ids have no entry in the weights, first '" + g.index[8]):
        as_weights(graph, g.index)


def test_user_graph_with_extra_ids_is_named():
    g = make_grid(3, 3)
    graph = Graph.build_contiguity(g.geometry, rook=False)
    with pytest.raises(ValueError, match="ids not in the data"):
        as_weights(graph, g.index[:8])


def test_read_weights_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="weights file not found"):
        read_weights(tmp_path / "nope.gal")
    p = tmp_path / "w.txt"
    p.write_text("x")
    with pytest.raises(ValueError, match=r"extension \.gal or \.gwt"):
        read_weights(p)


# --------------------------------------------------------------------------- outputs
def test_band_offsets_counts():
    assert len(band_offsets(100, 100, include_self=False)) == 4  # rook
    assert len(band_offsets(150, 100, include_self=False)) == 8  # queen
    assert len(band_offsets(200, 100, include_self=False)) == 12
    assert len(band_offsets(200, 100)) == 13
    assert len(band_offsets(99, 100)) == 1


def test_grid_band_equals_libpysal_distance_band():
    g = make_grid(12, 9, keep=lambda c, r: (c - 6) ** 2 + (r - 4) ** 2 < 26)
    sw = grid_weights(g, 250, include_self=False)
    ref = Graph.build_distance_band(g.centroid, threshold=250 + 1e-6)
    pos = pd.Index(ref.unique_ids).get_indexer(g.index)
    ref_sparse = ref.sparse[pos][:, pos]
    assert (abs(sw.sparse - ref_sparse)).sum() == 0
    assert sw.description["neighbours_max"] == 20


def test_grid_band_with_sparse_layout_equals_dense():
    """Cells far apart (key lookup instead of a dense raster) give the same neighbours."""
    g = make_grid(5, 5)
    far = g.copy()
    far.loc[far.index[-1], "col"] = 10_000_000  # forces the sorted-key lookup
    a = grid_weights(g.iloc[:-1], 150)
    b = grid_weights(far.iloc[:-1], 150)
    assert (abs(a.sparse - b.sparse)).sum() == 0
    c = grid_weights(far, 150)
    assert c.sparse[len(far) - 1].nnz == 1  # isolated cell: only itself


def test_auto_distance_rule():
    g = make_grid(30, 30)
    d, info = auto_distance(g)
    assert d == 200.0  # 2 cell sizes: 12 neighbours inside, > 8 on average
    assert "8 neighbours" in info["rule"]
    thin = make_grid(40, 1)  # a one-row grid: needs a wider band for 8 neighbours on average
    d2, _ = auto_distance(thin)
    assert d2 > 400


def test_grid_weights_records_auto_choice():
    sw = grid_weights(make_grid(10, 10), "auto")
    assert sw.description["distance_rule"] == "auto"
    assert sw.description["distance"] == 200.0
    assert sw.has_self and sw.is_binary


def test_district_queen_contiguity():
    d = make_districts()
    sw = district_weights(d)
    assert not sw.has_self
    card = pd.Series(sw.cardinalities, index=sw.ids)
    assert card["D00"] == 3 and card["D10"] == 5
    assert sw.description["kind"] == "queen_contiguity"
    assert district_weights(d, include_self=True).has_self


def test_gal_and_gwt_roundtrip(tmp_path):
    d = make_districts()
    sw = district_weights(d)
    sw.to_gal(tmp_path / "d.gal")
    back = read_weights(tmp_path / "d.gal", d.index[::-1])  # reordered to the given ids
    assert list(back.ids) == list(d.index[::-1])
    pos = sw.ids.get_indexer(back.ids)
    assert (abs(back.sparse - sw.sparse[pos][:, pos])).sum() == 0
    sw.to_gwt(tmp_path / "d.gwt")
    back2 = read_weights(tmp_path / "d.gwt", d.index)
    assert (abs(back2.sparse - sw.sparse)).sum() == 0


def test_gal_with_numeric_ids_matches_text_ids(tmp_path):
    (tmp_path / "w.gal").write_text("0 3 demo id\n1 1\n2\n2 1\n1\n3 0\n")
    ids = pd.Index(["1", "2", "3"])
    sw = read_weights(tmp_path / "w.gal", ids)
    assert sw.sparse.toarray().tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 0]]


def test_make_weights_user_graph_and_conversion():
    g = make_grid(4, 4)
    graph = Graph.build_contiguity(g.geometry, rook=True)
    sw = make_weights(g, graph, include_self=True)
    assert sw.has_self and sw.description["kind"] == "user_graph"
    back = sw.to_graph()
    assert isinstance(back, Graph) and back.n == 16
    assert isinstance(make_weights(g, sw, include_self=False), SpatialWeights)
    assert not make_weights(g, sw, include_self=False).has_self


def test_row_standardised_rows_sum_to_one():
    sw = grid_weights(make_grid(5, 5), 150, include_self=False).row_standardised()
    np.testing.assert_allclose(np.asarray(sw.sparse.sum(axis=1)).ravel(), 1.0)


def test_island_district_has_no_neighbours():
    d = make_districts()
    island = gpd.GeoDataFrame({"district_id": ["X"]}, geometry=[shapely.box(X0 + 9000, Y0, X0 + 9500, Y0 + 500)],
                              crs=CRS, index=pd.Index(["X"], name="district_id"))
    d2 = pd.concat([d, island])
    sw = district_weights(d2)
    assert sw.description["islands"] == ["X"]
    assert sw.cardinalities[-1] == 0 and sw.sparse[-1].nnz == 0
    assert district_weights(d2, include_self=True).sparse[-1].nnz == 1

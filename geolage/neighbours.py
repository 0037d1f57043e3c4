"""Spatial weights (neighbourhoods) for grid cells and districts, and user-supplied weights.

Every statistic in :mod:`geolage.stats.hotspots` and :mod:`geolage.stats.autocorrelation` takes its
neighbourhood from :func:`make_weights`, which returns a :class:`SpatialWeights`: the ids,
a ``scipy.sparse`` CSR matrix in the order of the ids, and a description of how it was
built (recorded in every output). Defaults:

* grid cells (a GeoDataFrame with integer ``col``/``row``): binary distance band between
  cell centres, ``distance="auto"`` (rule in :func:`auto_distance`), built from integer
  offsets in O(n·k) without any geometry operation;
* districts (any other polygons): queen contiguity (shared edge or corner), binary.

A user can give a libpysal :class:`~libpysal.graph.Graph`, a libpysal ``W``, a
:class:`SpatialWeights` or the path of a GAL / GWT file as GeoDa writes it; the weights
are matched to the input by id (missing ids raise an error naming them).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

__all__ = [
    "SpatialWeights",
    "auto_distance",
    "band_offsets",
    "grid_weights",
    "district_weights",
    "read_weights",
    "as_weights",
    "make_weights",
    "is_grid",
]

log = logging.getLogger(__name__)

#: Default minimum mean number of neighbours (self not counted) of the automatic band.
MIN_NEIGHBOURS = 8
#: The automatic band is at least this many cell sizes.
MIN_BAND_CELLS = 2.0
_TOL = 1e-9


@dataclass(frozen=True)
class SpatialWeights:
    """Spatial weights aligned to a list of ids.

    Attributes
    ----------
    ids : Index
        Observation ids, in the order of the rows and columns of ``sparse``.
    sparse : scipy.sparse.csr_matrix
        ``n x n`` weights; ``sparse[i, j]`` is the weight of ``j`` in the neighbourhood
        of ``i``. The diagonal holds self-weights (0 when self is not included).
    description : dict
        How the weights were built (kind, distance, rule, source file …): recorded in
        the outputs of every statistic that uses them.
    """

    ids: pd.Index
    sparse: sparse.csr_matrix
    description: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of observations."""
        return len(self.ids)

    @property
    def cardinalities(self) -> np.ndarray:
        """Number of neighbours of each observation, self not counted."""
        off = self.without_self().sparse
        return np.diff(off.indptr)

    @property
    def has_self(self) -> bool:
        """True when any observation has a non-zero self-weight."""
        return bool((self.sparse.diagonal() != 0).any())

    @property
    def is_binary(self) -> bool:
        """True when every stored weight is 1."""
        return bool(np.all(self.sparse.data == 1.0))

    def with_self(self, weight: float = 1.0) -> SpatialWeights:
        """Copy with the diagonal set to ``weight`` where it is zero (Gi* needs self)."""
        diag = self.sparse.diagonal()
        missing = diag == 0
        if not missing.any():
            return self
        add = sparse.diags(np.where(missing, weight, 0.0), format="csr")
        mat = (self.sparse + add).tocsr()
        mat.sort_indices()
        desc = dict(self.description, self_weight=weight, self_included=True)
        return SpatialWeights(self.ids, mat, desc)

    @property
    def is_row_standardised(self) -> bool:
        """True when the weights are not binary and every row with neighbours sums to 1."""
        if self.is_binary or not self.sparse.nnz:
            return False
        sums = np.asarray(self.sparse.sum(axis=1)).ravel()
        k = np.diff(self.sparse.tocsr().indptr)
        return bool(np.allclose(sums[k > 0], 1.0, rtol=0, atol=1e-9))

    def with_self_like_transform(self) -> SpatialWeights:
        """Copy with a self-weight consistent with the weights' transform where there is none.

        Binary weights get a self-weight of 1 (:meth:`with_self`). Row-standardised weights
        (rows summing to 1) get the row's mean weight as self-weight and the row is
        standardised again, so a row of ``k`` weights ``1/k`` becomes ``k + 1`` weights
        ``1/(k+1)``: what R spdep gives with ``include.self()`` then ``nb2listw(style="W")``.
        Other weights get 1, as documented for Gi*.
        """
        if not self.is_row_standardised:
            return self.with_self(1.0)
        mat = self.sparse.tocsr()
        diag = mat.diagonal()
        k = np.diff(mat.indptr)
        sums = np.asarray(mat.sum(axis=1)).ravel()
        mean = np.divide(sums, k, out=np.ones_like(sums), where=k > 0)
        add = sparse.diags(np.where(diag == 0, mean, 0.0), format="csr")
        out = SpatialWeights(self.ids, (mat + add).tocsr(), self.description).row_standardised()
        out.sparse.sort_indices()
        desc = dict(self.description, self_weight="row mean, then row-standardised (1/(k+1) for 1/k rows)",
                    self_included=True, transform="row-standardised")
        return SpatialWeights(self.ids, out.sparse, desc)

    def without_self(self) -> SpatialWeights:
        """Copy with a zero diagonal (Moran's I and LISA exclude self)."""
        if not self.has_self:
            return self
        coo = self.sparse.tocoo()
        off = coo.row != coo.col
        mat = sparse.csr_matrix((coo.data[off], (coo.row[off], coo.col[off])), shape=coo.shape)
        mat.sort_indices()
        desc = dict(self.description, self_included=False)
        return SpatialWeights(self.ids, mat, desc)

    def row_standardised(self) -> SpatialWeights:
        """Copy with each row summing to 1 (rows without neighbours stay 0)."""
        mat = self.sparse.tocsr(copy=True).astype(float)
        sums = np.asarray(mat.sum(axis=1)).ravel()
        scale = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums != 0)
        mat = sparse.diags(scale) @ mat
        desc = dict(self.description, transform="row-standardised")
        return SpatialWeights(self.ids, mat.tocsr(), desc)

    def to_graph(self):
        """The weights as a libpysal :class:`~libpysal.graph.Graph` (to inspect or reuse)."""
        from libpysal.graph import Graph

        return Graph.from_sparse(self.sparse.tocsr(), ids=np.asarray(self.ids))

    def to_gal(self, path: str | Path) -> None:
        """Write the (binary, self excluded) neighbour lists as a GeoDa GAL file."""
        self.without_self().to_graph().to_gal(str(path))

    def to_gwt(self, path: str | Path) -> None:
        """Write the weights (self excluded) as a GeoDa GWT file."""
        self.without_self().to_graph().to_gwt(str(path))


# --------------------------------------------------------------------------- grids
def is_grid(gdf: pd.DataFrame) -> bool:
    """True when ``gdf`` looks like an analysis grid (integer ``col`` and ``row`` columns)."""
    return (
        "col" in gdf.columns
        and "row" in gdf.columns
        and pd.api.types.is_integer_dtype(gdf["col"])
        and pd.api.types.is_integer_dtype(gdf["row"])
    )


def _cell_size(grid: pd.DataFrame) -> float:
    size = grid.attrs.get("cell_size") if hasattr(grid, "attrs") else None
    if size is not None:
        return float(size)
    if isinstance(grid, gpd.GeoDataFrame) and len(grid):
        b = grid.geometry.iloc[0].bounds
        return float(b[2] - b[0])
    raise ValueError("grid needs grid.attrs['cell_size'] or square geometries to tell the cell size; got neither")


def band_offsets(distance: float, cell_size: float, *, include_self: bool = True) -> np.ndarray:
    """Integer (dcol, drow) offsets of the cells whose centres lie within ``distance``.

    Parameters
    ----------
    distance : float
        Band radius in metres (centre to centre, inclusive).
    cell_size : float
        Cell side in metres.
    include_self : bool
        Include the offset (0, 0).

    Returns
    -------
    ndarray of int, shape (k, 2)
    """
    if not distance >= 0:
        raise ValueError(f"distance needs to be a non-negative number of metres; got {distance}")
    r = distance / cell_size
    m = int(math.floor(r + _TOL))
    d = np.arange(-m, m + 1)
    dc, dr = np.meshgrid(d, d, indexing="ij")
    keep = dc**2 + dr**2 <= r * r * (1 + _TOL) + _TOL
    if not include_self:
        keep &= (dc != 0) | (dr != 0)
    return np.column_stack([dc[keep], dr[keep]]).astype(np.int64)


def _grid_index(col: np.ndarray, row: np.ndarray):
    """A lookup (col, row) -> position: dense raster when compact, sorted keys otherwise."""
    c0, r0 = int(col.min()), int(row.min())
    nc, nr = int(col.max()) - c0 + 1, int(row.max()) - r0 + 1
    n = len(col)
    if nc * nr <= max(8 * n, 4_000_000):
        raster = np.full((nc, nr), -1, dtype=np.int64)
        raster[col - c0, row - r0] = np.arange(n)

        def lookup(cc: np.ndarray, rr: np.ndarray) -> np.ndarray:
            cc = cc - c0
            rr = rr - r0
            inside = (cc >= 0) & (cc < nc) & (rr >= 0) & (rr < nr)
            out = np.full(cc.shape, -1, dtype=np.int64)
            out[inside] = raster[cc[inside], rr[inside]]
            return out

        return lookup
    keys = (col.astype(np.int64) - c0) * (nr + 2) + (row.astype(np.int64) - r0)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]

    def lookup(cc: np.ndarray, rr: np.ndarray) -> np.ndarray:
        cc = cc - c0
        rr = rr - r0
        inside = (cc >= 0) & (cc < nc) & (rr >= 0) & (rr < nr)
        k = cc * (nr + 2) + rr
        pos = np.searchsorted(sorted_keys, k)
        pos = np.minimum(pos, len(sorted_keys) - 1)
        hit = inside & (sorted_keys[pos] == k)
        return np.where(hit, order[pos], -1)

    return lookup


def _offset_neighbours(col: np.ndarray, row: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(n, k) positions of the cell at each offset, -1 where there is no cell."""
    lookup = _grid_index(col, row)
    out = np.empty((len(col), len(offsets)), dtype=np.int64)
    for j, (dc, dr) in enumerate(offsets):
        out[:, j] = lookup(col + dc, row + dr)
    return out


def _candidate_distances(max_cells: int = 12) -> np.ndarray:
    d = np.arange(0, max_cells + 1)
    sq = np.unique((d[:, None] ** 2 + d[None, :] ** 2).ravel())
    return np.sqrt(sq[sq > 0])


def auto_distance(
    grid: pd.DataFrame, *, min_neighbours: int = MIN_NEIGHBOURS, min_cells: float = MIN_BAND_CELLS
) -> tuple[float, dict[str, Any]]:
    """The default Gi* distance band of a grid, and how it was chosen.

    Rule: the smallest centre-to-centre distance ``d`` (a distance at which the set of
    neighbours changes, i.e. ``cell_size * sqrt(a² + b²)``) that is at least
    ``min_cells`` cell sizes and gives the cells of this grid on average at least
    ``min_neighbours`` neighbours (self not counted). With the defaults on an unbroken
    grid this is 2 cell sizes (12 neighbours in the interior); along the edges of the
    study area cells have fewer.

    Returns
    -------
    distance : float
        In metres.
    info : dict
        ``rule``, ``cell_size``, ``mean_neighbours`` at the chosen distance.
    """
    size = _cell_size(grid)
    col = grid["col"].to_numpy(np.int64)
    row = grid["row"].to_numpy(np.int64)
    mean = 0.0
    chosen = None
    for r in _candidate_distances():
        if r < min_cells - _TOL:
            continue
        nb = _offset_neighbours(col, row, band_offsets(r * size, size, include_self=False))
        mean = float((nb >= 0).sum(axis=1).mean()) if len(col) else 0.0
        if mean >= min_neighbours:
            chosen = r
            break
    if chosen is None:
        raise ValueError(
            f"no distance band up to 12 cell sizes gives on average {min_neighbours} neighbours; "
            f"the grid has {len(col)} cells; give distance explicitly"
        )
    info = {
        "rule": f"smallest band >= {min_cells:g} cell sizes with on average >= {min_neighbours} neighbours",
        "cell_size": size,
        "mean_neighbours": round(mean, 3),
    }
    return float(chosen * size), info


def grid_weights(
    grid: pd.DataFrame,
    distance: float | str = "auto",
    *,
    include_self: bool = True,
    min_neighbours: int = MIN_NEIGHBOURS,
) -> SpatialWeights:
    """Binary distance-band weights between the cells of a regular grid.

    Parameters
    ----------
    grid : GeoDataFrame
        Analysis grid (see ``docs/DEVELOPING.md``) with integer ``col``/``row`` and
        ``attrs["cell_size"]`` (or square geometries).
    distance : float or "auto"
        Band radius in metres between cell centres (inclusive). ``"auto"``: see
        :func:`auto_distance`.
    include_self : bool
        Put 1 on the diagonal (Gi*). Moran's I and LISA drop it.
    min_neighbours : int
        Used by the automatic rule.

    Returns
    -------
    SpatialWeights

    Notes
    -----
    Cell ``j`` is a neighbour of cell ``i`` when the distance between their centres,
    ``cell_size * sqrt((col_i - col_j)² + (row_i - row_j)²)``, is at most ``distance``.
    Only cells present in the grid (cells intersecting the study area) are neighbours,
    so cells on the edge have fewer. Built from integer offsets with a dense index
    raster (or sorted keys for sparse layouts): O(n·k), no geometry operations.
    Identical to ``libpysal.graph.Graph.build_distance_band`` on the cell centres.
    """
    if not is_grid(grid):
        raise ValueError("grid needs integer columns 'col' and 'row'; got columns " + ", ".join(map(str, grid.columns)))
    size = _cell_size(grid)
    info: dict[str, Any] = {}
    if distance == "auto":
        distance, info = auto_distance(grid, min_neighbours=min_neighbours)
        rule = "auto"
    else:
        try:
            distance = float(distance)
        except (TypeError, ValueError):
            raise ValueError(f"distance needs to be a number of metres or 'auto'; got {distance!r}") from None
        if not distance > 0:
            raise ValueError(f"distance needs to be a positive number of metres; got {distance}")
        rule = "given"
    col = grid["col"].to_numpy(np.int64)
    row = grid["row"].to_numpy(np.int64)
    offsets = band_offsets(distance, size, include_self=include_self)
    nb = _offset_neighbours(col, row, offsets)
    valid = nb >= 0
    counts = valid.sum(axis=1)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    indices = nb[valid]
    data = np.ones(len(indices))
    n = len(col)
    mat = sparse.csr_matrix((data, indices, indptr), shape=(n, n))
    mat.has_sorted_indices = False
    mat.sort_indices()
    k = counts - (1 if include_self else 0)
    desc = {
        "kind": "distance_band",
        "distance": float(distance),
        "distance_rule": rule,
        "cell_size": size,
        "binary": True,
        "self_included": include_self,
        "neighbours_mean": round(float(k.mean()), 3) if n else 0.0,
        "neighbours_min": int(k.min()) if n else 0,
        "neighbours_max": int(k.max()) if n else 0,
        **{k2: v for k2, v in info.items() if k2 == "rule"},
    }
    return SpatialWeights(pd.Index(grid.index), mat, desc)


# --------------------------------------------------------------------------- districts
def district_weights(districts: gpd.GeoDataFrame, *, include_self: bool = False, rook: bool = False) -> SpatialWeights:
    """Binary contiguity weights between polygons (queen by default).

    Parameters
    ----------
    districts : GeoDataFrame
        Polygons, indexed by id.
    include_self : bool
        Put 1 on the diagonal (Gi*).
    rook : bool
        Rook (shared edge) instead of queen (shared edge or corner).

    Returns
    -------
    SpatialWeights

    Notes
    -----
    Built with ``libpysal.graph.Graph.build_contiguity(geometry, rook=rook)``. Districts
    without any neighbour (islands) are kept; they get no neighbourhood sum beyond
    themselves and are reported in the description (``islands``).
    """
    from libpysal.graph import Graph

    if not isinstance(districts, gpd.GeoDataFrame):
        raise TypeError(f"districts needs to be a GeoDataFrame; got {type(districts).__name__}")
    if not districts.index.is_unique:
        dup = districts.index[districts.index.duplicated()][0]
        raise ValueError(f"districts needs a unique index (the district id); got duplicate {dup!r}")
    g = Graph.build_contiguity(districts.geometry, rook=rook)
    sw = _from_graph(g, pd.Index(districts.index), "contiguity")
    k = np.diff(sw.sparse.indptr)  # no self-weights yet
    if include_self:
        sw = sw.with_self(1.0)
    desc = {
        "kind": "rook_contiguity" if rook else "queen_contiguity",
        "binary": True,
        "self_included": include_self,
        "neighbours_mean": round(float(k.mean()), 3) if len(k) else 0.0,
        "neighbours_min": int(k.min()) if len(k) else 0,
        "neighbours_max": int(k.max()) if len(k) else 0,
        "islands": [str(i) for i in np.asarray(districts.index)[k == 0]],
    }
    return SpatialWeights(sw.ids, sw.sparse, desc)


# --------------------------------------------------------------------------- user weights
def _from_graph(graph: Any, ids: pd.Index, source: str) -> SpatialWeights:
    """Reorder a libpysal Graph (or W) to ``ids``; raise naming ids that do not match."""
    from libpysal.graph import Graph
    from libpysal.weights import W

    if isinstance(graph, W):
        graph = Graph.from_W(graph)
    if not isinstance(graph, Graph):
        raise TypeError(
            f"weights needs to be a libpysal Graph or W, a GAL/GWT path or SpatialWeights; got {type(graph).__name__}"
        )
    gids = pd.Index(graph.unique_ids)
    # GAL/GWT ids are read as int when they look like numbers: compare as text as well
    if not ids.isin(gids).all() and ids.astype(str).isin(gids.astype(str)).all():
        gids = gids.astype(str)
        ids_cmp = ids.astype(str)
    else:
        ids_cmp = ids
    missing = ids_cmp[~ids_cmp.isin(gids)]
    if len(missing):
        raise ValueError(
            f"{source}: {len(missing)} of {len(ids)} ids have no entry in the weights, first {missing[0]!r}; "
            "the weights need to be built on the same ids as the data"
        )
    extra = gids[~gids.isin(ids_cmp)]
    if len(extra):
        raise ValueError(
            f"{source}: the weights have {len(extra)} ids not in the data, first {extra[0]!r}; "
            "subset the weights or the data so that they match"
        )
    mat = graph.sparse.tocsr()
    pos = gids.get_indexer(ids_cmp)
    mat = mat[pos][:, pos].tocsr().astype(float)
    mat.eliminate_zeros()  # libpysal stores islands as a zero self-weight
    mat.sort_indices()
    return SpatialWeights(ids, mat, {"kind": source, "binary": bool(np.all(mat.data == 1.0))})


def read_weights(path: str | Path, ids: pd.Index | None = None) -> SpatialWeights:
    """Read GeoDa weights (``.gal`` neighbour lists or ``.gwt`` weighted pairs).

    Parameters
    ----------
    path : str or Path
        A ``.gal`` or ``.gwt`` file as GeoDa (or R ``spdep::write.nb.gal``) writes it.
    ids : Index, optional
        Reorder to these ids (ids are matched as text when the file has numbers).

    Returns
    -------
    SpatialWeights
        Weights as in the file (GAL: binary). No self-weights unless in the file.
    """
    from libpysal.graph import read_gal, read_gwt

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: weights file not found; give a .gal or .gwt file")
    suffix = path.suffix.lower()
    if suffix == ".gal":
        graph = read_gal(str(path))
    elif suffix == ".gwt":
        graph = read_gwt(str(path))
    else:
        raise ValueError(f"{path}: weights file needs the extension .gal or .gwt; got {suffix!r}")
    if ids is None:
        ids = pd.Index(graph.unique_ids)
    sw = _from_graph(graph, pd.Index(ids), f"file {path.name}")
    return SpatialWeights(sw.ids, sw.sparse, dict(sw.description, kind=suffix[1:], source=str(path)))


def as_weights(weights: Any, ids: pd.Index) -> SpatialWeights:
    """Coerce user weights (Graph, W, SpatialWeights, GAL/GWT path) to ``ids``' order."""
    ids = pd.Index(ids)
    if isinstance(weights, SpatialWeights):
        if weights.ids.equals(ids):
            return weights
        g = weights.to_graph()
        sw = _from_graph(g, ids, "weights")
        return SpatialWeights(ids, sw.sparse, weights.description)
    if isinstance(weights, str | Path):
        return read_weights(weights, ids)
    sw = _from_graph(weights, ids, "user graph")
    return SpatialWeights(ids, sw.sparse, dict(sw.description, kind="user_graph"))


def make_weights(
    gdf: gpd.GeoDataFrame,
    weights: Any = None,
    *,
    distance: float | str = "auto",
    include_self: bool = False,
    min_neighbours: int = MIN_NEIGHBOURS,
) -> SpatialWeights:
    """The neighbourhood of a statistic: the user's weights or the documented default.

    Parameters
    ----------
    gdf : GeoDataFrame
        Grid cells (integer ``col``/``row``) or polygons (districts).
    weights : Graph, W, SpatialWeights, str or Path, optional
        User weights; matched to ``gdf.index``.
    distance : float or "auto"
        Grid band radius (metres) when no weights are given.
    include_self : bool
        Add a self-weight where the weights have none (Gi*): 1 for binary weights, the
        transform's own for row-standardised ones
        (:meth:`SpatialWeights.with_self_like_transform`); False drops self-weights.
    min_neighbours : int
        For the automatic grid band.

    Returns
    -------
    SpatialWeights
    """
    if weights is not None:
        sw = as_weights(weights, pd.Index(gdf.index))
    elif is_grid(gdf):
        sw = grid_weights(gdf, distance, include_self=include_self, min_neighbours=min_neighbours)
    else:
        sw = district_weights(gdf, include_self=include_self)
    if include_self:
        if (sw.sparse.diagonal() == 0).any():
            sw = sw.with_self_like_transform()
    else:
        sw = sw.without_self()
    return sw

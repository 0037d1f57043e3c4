"""One call from points to mapped grid cells, like sfhotspot's verbs (Ashby).

Each verb takes incident points (a GeoDataFrame or GeoSeries of points with a CRS), builds
the analysis grid from them (the points' convex hull buffered by one cell, cell size by
:func:`geolage.grid.choose_cell_size` unless given), runs the statistic and returns a
GeoDataFrame of cells with polygon geometry and fixed columns:

============================  ==============================================================
:func:`hotspot_count`         ``cell_id``, ``n``, ``geometry``
:func:`hotspot_kde`           ``cell_id``, ``n``, ``kde``, ``geometry``
:func:`hotspot_gistar`        ``cell_id``, ``n``, ``kde``, ``gistar``, ``pvalue``, ``qvalue``,
                              ``gistar_class``, ``geometry``
:func:`hotspot_classify`      ``cell_id``, ``n``, ``hotspot_category``, ``n_hot_periods``,
                              ``n_periods``, ``trend_z``, ``trend_p``, ``geometry``
============================  ==============================================================

``n`` is the number of points in the cell, ``kde`` the kernel density at the cell's centre
in points per km². Every parameter chosen automatically is announced (log, INFO) and kept in
``result.attrs["parameters"]``. Lon/lat points are projected to a metric CRS first (the UTM
zone, or SWEREF 99 TM in Sweden); the result is in that CRS. Quick looks:
``result.explore(column="gistar_class")`` or ``result.plot(column="kde")``.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .grid import assign_cells, choose_cell_size, make_grid
from .stats.density import kde_at
from .stats.emerging import emerging_hotspots
from .stats.hotspots import gistar as _gistar
from .stats.kernels import kde_bandwidth

__all__ = ["hotspot_count", "hotspot_kde", "hotspot_gistar", "hotspot_classify", "HOTSPOT_COLUMNS"]

log = logging.getLogger(__name__)

#: The columns of each verb's result, in order.
HOTSPOT_COLUMNS: dict[str, tuple[str, ...]] = {
    "hotspot_count": ("cell_id", "n", "geometry"),
    "hotspot_kde": ("cell_id", "n", "kde", "geometry"),
    "hotspot_gistar": ("cell_id", "n", "kde", "gistar", "pvalue", "qvalue", "gistar_class", "geometry"),
    "hotspot_classify": ("cell_id", "n", "hotspot_category", "n_hot_periods", "n_periods", "trend_z", "trend_p",
                         "geometry"),
}


def _metric_points(points: gpd.GeoDataFrame | gpd.GeoSeries) -> gpd.GeoDataFrame:
    """The points as a GeoDataFrame in a metric CRS (lon/lat projected to the UTM zone, announced)."""
    if isinstance(points, gpd.GeoSeries):
        points = gpd.GeoDataFrame(geometry=points)
    if not isinstance(points, gpd.GeoDataFrame):
        raise TypeError("points needs to be a GeoDataFrame or GeoSeries of points (geopandas)")
    if points.crs is None:
        raise ValueError("the points have no CRS; set one (points.set_crs('EPSG:...')) so distances are in metres")
    geom = points.geometry
    if len(points) == 0 or geom.isna().any() or not (geom.geom_type == "Point").all():
        raise ValueError("points needs at least one point and only (non-empty) Point geometries")
    if points.crs.is_geographic:
        from .init import guess_run_crs

        lon, lat = float(np.median(geom.x)), float(np.median(geom.y))
        crs = guess_run_crs(lon, lat)
        log.info("points are in degrees: projected to %s (metres) for the grid", crs)
        points = points.to_crs(crs)
    return points


def _grid_for(points: gpd.GeoDataFrame, cell_size: float | Literal["auto"], params: dict[str, Any],
              quiet: bool) -> gpd.GeoDataFrame:
    """Square cells over the points' hull buffered by one cell, with ``n`` points each."""
    x, y = points.geometry.x.to_numpy(float), points.geometry.y.to_numpy(float)
    if cell_size == "auto":
        size, rule = choose_cell_size(x, y)
        if not quiet:
            log.info("cell size set to %d m automatically (%s)", size, rule)
        params["cell_size_rule"] = rule
    else:
        size = int(round(float(cell_size)))
        if size <= 0:
            raise ValueError(f"cell_size needs to be a positive number of metres or 'auto'; got {cell_size!r}")
    area = shapely.convex_hull(shapely.multipoints(shapely.points(x, y))).buffer(size)
    grid = make_grid(area, size, crs=points.crs.to_string())
    cells = assign_cells(x, y, grid)
    counts = pd.Series(cells).dropna().value_counts()
    out = gpd.GeoDataFrame({"cell_id": grid["cell_id"].to_numpy(),
                            "n": grid.index.map(counts).fillna(0).astype(int).to_numpy()},
                           geometry=grid.geometry.to_numpy(), crs=grid.crs, index=grid.index)
    for col in ("col", "row", "x0", "y0"):  # what the neighbourhood of a grid needs
        out[col] = grid[col].to_numpy()
    out.attrs.update(grid.attrs)
    params.update(cell_size_m=size, n_cells=len(out), crs=out.crs.to_string())
    return out


def _finish(cells: gpd.GeoDataFrame, verb: str, params: dict[str, Any]) -> gpd.GeoDataFrame:
    out = gpd.GeoDataFrame(cells[list(HOTSPOT_COLUMNS[verb])], geometry="geometry", crs=cells.crs)
    out = out.reset_index(drop=True)
    out.attrs["parameters"] = params
    return out


def _kde_column(points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, bandwidth: float | Literal["auto"],
                bandwidth_adjust: float, kernel: str, params: dict[str, Any], quiet: bool) -> np.ndarray:
    if bandwidth == "auto":
        bw, info = kde_bandwidth(points, kernel=kernel, bandwidth_adjust=bandwidth_adjust, quiet=quiet)
        params["bandwidth_rule"] = info.get("bandwidth_rule")
    else:
        bw = float(bandwidth) * bandwidth_adjust
    params.update(bandwidth_m=bw, kernel=kernel, kde_unit="points per km²")
    centres = np.column_stack([cells["x0"] + params["cell_size_m"] / 2, cells["y0"] + params["cell_size_m"] / 2])
    return kde_at(points, centres, bandwidth=bw, kernel=kernel)


def hotspot_count(
    points: gpd.GeoDataFrame | gpd.GeoSeries, *, cell_size: float | Literal["auto"] = "auto", quiet: bool = False
) -> gpd.GeoDataFrame:
    """Count points in each cell of a square grid over them.

    Parameters
    ----------
    points : GeoDataFrame or GeoSeries
        Points with a CRS (projected, or lon/lat: projected to the UTM zone first).
    cell_size : float or "auto"
        Cell side in metres; ``"auto"``: :func:`geolage.grid.choose_cell_size` (the shorter
        side of the points' extent / 50, snapped down to 100, 250, 500 or 1000 m).
    quiet : bool
        Do not announce the chosen parameters.

    Returns
    -------
    GeoDataFrame
        ``cell_id``, ``n`` (points in the cell), ``geometry`` (square cell); every cell
        of the points' hull buffered by one cell, empty cells with 0.

    Examples
    --------
    >>> cells = geolage.hotspot_count(robberies)  # doctest: +SKIP
    >>> cells.plot(column="n")  # doctest: +SKIP
    """
    params: dict[str, Any] = {"method": "count per grid cell"}
    pts = _metric_points(points)
    return _finish(_grid_for(pts, cell_size, params, quiet), "hotspot_count", params)


def hotspot_kde(
    points: gpd.GeoDataFrame | gpd.GeoSeries, *, cell_size: float | Literal["auto"] = "auto",
    bandwidth: float | Literal["auto"] = "auto", bandwidth_adjust: float = 1.0, kernel: str = "quartic",
    quiet: bool = False,
) -> gpd.GeoDataFrame:
    """Kernel density of points at the centre of each grid cell.

    Parameters
    ----------
    points : GeoDataFrame or GeoSeries
        Points with a CRS.
    cell_size : float or "auto"
        As in :func:`hotspot_count`.
    bandwidth : float or "auto"
        Kernel radius in metres; ``"auto"``: :func:`geolage.kde_bandwidth`.
    bandwidth_adjust : float
        Multiplier of the bandwidth (as sfhotspot's ``bandwidth_adjust``).
    kernel : str
        ``"quartic"`` (default), ``"gaussian"``, ``"epanechnikov"``, ``"triangular"`` or ``"uniform"``.
    quiet : bool
        Do not announce the chosen parameters.

    Returns
    -------
    GeoDataFrame
        ``cell_id``, ``n``, ``kde`` (points per km² at the cell centre: the same value as
        :func:`geolage.kde_at` there), ``geometry``.
    """
    params: dict[str, Any] = {"method": "kernel density at cell centres"}
    pts = _metric_points(points)
    cells = _grid_for(pts, cell_size, params, quiet)
    cells["kde"] = _kde_column(pts, cells, bandwidth, bandwidth_adjust, kernel, params, quiet)
    return _finish(cells, "hotspot_kde", params)


def hotspot_gistar(
    points: gpd.GeoDataFrame | gpd.GeoSeries, *, cell_size: float | Literal["auto"] = "auto",
    distance: float | Literal["auto"] = "auto", bandwidth: float | Literal["auto"] = "auto",
    bandwidth_adjust: float = 1.0, kernel: str = "quartic", correction: Literal["fdr", "none"] = "fdr",
    inference: Literal["auto", "analytical", "permutation"] = "auto", seed: int = 0, quiet: bool = False,
) -> gpd.GeoDataFrame:
    """Getis–Ord Gi* hot and cold spots of point counts on a grid over the points.

    Parameters
    ----------
    points : GeoDataFrame or GeoSeries
        Points with a CRS.
    cell_size : float or "auto"
        As in :func:`hotspot_count`.
    distance : float or "auto"
        Neighbourhood: cells whose centres are within this many metres (binary weights,
        self included); ``"auto"``: :func:`geolage.neighbours.auto_distance`.
    bandwidth, bandwidth_adjust, kernel
        Of the ``kde`` column, as in :func:`hotspot_kde`.
    correction : {"fdr", "none"}
        Benjamini–Hochberg over all cells (``qvalue``, used by ``gistar_class``), or none.
    inference : {"auto", "analytical", "permutation"}
        As in :func:`geolage.gistar` (``"auto"``: permutations where the normal approximation of
        the z is not trustworthy, as on sparse counts).
    seed : int
        Seed of the permutations (recorded in the parameters).
    quiet : bool
        Do not announce the chosen parameters.

    Returns
    -------
    GeoDataFrame
        ``cell_id``, ``n``, ``kde``, ``gistar`` (z-score), ``pvalue`` (two-sided; normal
        approximation or permutation, as ``inference`` says), ``qvalue`` (FDR-adjusted; NaN with ``correction="none"``),
        ``gistar_class`` (``hot_99`` … ``cold_99``, ``not_significant``), ``geometry``.
        The values equal :func:`geolage.gistar` on the same grid.
    """
    params: dict[str, Any] = {"method": "Getis-Ord Gi* of counts per grid cell"}
    pts = _metric_points(points)
    cells = _grid_for(pts, cell_size, params, quiet)
    res = _gistar(cells, cells["n"].to_numpy(float), distance=distance, correction=correction,
                  inference=inference, seed=seed)
    cells["gistar"], cells["pvalue"] = res["gistar_z"].to_numpy(), res["gistar_p"].to_numpy()
    cells["qvalue"], cells["gistar_class"] = res["gistar_q"].to_numpy(), res["gistar_class"].to_numpy()
    params["gistar"] = res.attrs.get("parameters", {})
    cells["kde"] = _kde_column(pts, cells, bandwidth, bandwidth_adjust, kernel, params, quiet)
    return _finish(cells, "hotspot_gistar", params)


def hotspot_classify(
    points: gpd.GeoDataFrame, *, time: str = "time", unit: Literal["year", "quarter", "month"] = "month",
    cell_size: float | Literal["auto"] = "auto", distance: float | Literal["auto"] = "auto",
    quiet: bool = False,
) -> gpd.GeoDataFrame:
    """Classify cells by how their hot spots develop over time (emerging hot spot analysis).

    Parameters
    ----------
    points : GeoDataFrame
        Points with a CRS and a time column.
    time : str
        The column of times (anything :func:`pandas.to_datetime` reads).
    unit : {"year", "quarter", "month"}
        Time step of the space-time cube (at least 10 steps are advisable).
    cell_size, distance : float or "auto"
        As in :func:`hotspot_gistar`.
    quiet : bool
        Do not announce the chosen parameters.

    Returns
    -------
    GeoDataFrame
        ``cell_id``, ``n``, ``hotspot_category`` (code of
        :data:`geolage.classes.EMERGING_CATEGORIES`, e.g. ``persistent_hot``,
        ``new_hot``, ``no_pattern``), ``n_hot_periods`` and ``n_periods`` (bins that are
        significant hot spots, of all bins), ``trend_z``, ``trend_p`` (Mann–Kendall trend of
        the Gi* series), ``geometry``. The values equal :func:`geolage.emerging_hotspots`.
    """
    if time not in points.columns:
        raise ValueError(f"points has no column {time!r}; name the time column with time=")
    params: dict[str, Any] = {"method": "emerging hot spot analysis (space-time Gi*, Mann-Kendall)", "unit": unit}
    pts = _metric_points(points)
    cells = _grid_for(pts, cell_size, params, quiet)
    inc = gpd.GeoDataFrame({"time": pd.to_datetime(pts[time]).to_numpy(),
                            "cell_id": assign_cells(pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy(), cells)},
                           geometry=pts.geometry.to_numpy(), crs=pts.crs)
    res = emerging_hotspots(cells, incidents=inc, unit=unit, distance=distance)
    cells["hotspot_category"] = res["emerging_category"].to_numpy()
    cells["n_hot_periods"], cells["n_periods"] = res["n_hot_bins"].to_numpy(), res["n_bins"].to_numpy()
    cells["trend_z"], cells["trend_p"] = res["emerging_mk_z"].to_numpy(), res["emerging_mk_p"].to_numpy()
    params["emerging"] = res.attrs.get("parameters", {})
    return _finish(cells, "hotspot_classify", params)

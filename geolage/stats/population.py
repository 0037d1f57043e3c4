"""The population at risk as a surface: residents per district spread over raster cells, and incidents per resident.

A count of incidents says where most happen; relative to the people who live there it says where
the risk of a resident is highest. Residents are known per district (DeSO, RegSO), not per
address, so each district's residents are spread evenly over the raster cells whose centre lies in
it, and the dual kernel density (:func:`geolage.stats.density.kde_ratio`) divides the smoothed
incidents by the smoothed residents.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

from .density import KDEResult, kde_ratio
from .points import MaskLike

__all__ = ["spread_population", "population_at_risk"]


def spread_population(
    districts: gpd.GeoDataFrame, population: Sequence[float] | np.ndarray, *, cell_size: float,
    extent: Sequence[float],
) -> tuple[np.ndarray, np.ndarray]:
    """Each district's residents spread evenly over the cells (of a raster) whose centre lies in it.

    Parameters
    ----------
    districts : GeoDataFrame
        District polygons in a projected CRS (metres).
    population : array-like
        Residents per district (same order); NaN or 0: none spread.
    cell_size : float
        Raster cell size (m).
    extent : (xmin, ymin, xmax, ymax)
        Raster extent, multiples of ``cell_size`` apart.

    Returns
    -------
    xy : ndarray of shape (m, 2)
        Cell centres holding residents (and, for a district holding no cell centre, a point
        inside it).
    weights : ndarray of shape (m,)
        Residents per point; the points of a district sum to its population.

    Notes
    -----
    A cell belongs to the district holding its centre (GDAL's rasterisation rule); a cell
    centre on the border of two districts goes to the later one.
    """
    from affine import Affine
    from rasterio.features import rasterize

    pop = np.asarray(population, dtype=float)
    if len(pop) != len(districts):
        raise ValueError(f"population needs one value per district ({len(districts)}); got {len(pop)}")
    xmin, ymin, xmax, ymax = (float(v) for v in extent)
    nx, ny = round((xmax - xmin) / cell_size), round((ymax - ymin) / cell_size)
    geoms = districts.geometry.to_numpy()
    has = [i for i, (g, p) in enumerate(zip(geoms, pop, strict=True))
           if np.isfinite(p) and p > 0 and g is not None and not g.is_empty]
    if not has:
        return np.zeros((0, 2)), np.zeros(0)
    # district number + 1 of each cell whose centre is inside (GDAL's rule); later districts over earlier ones
    label = rasterize([(geoms[i], k + 1) for k, i in enumerate(has)], out_shape=(ny, nx),
                      transform=Affine(cell_size, 0.0, xmin, 0.0, -cell_size, ymax), fill=0, dtype="int32")
    rows, cols = np.nonzero(label)
    which = label[rows, cols] - 1
    n_cells = np.bincount(which, minlength=len(has))
    pop_has = pop[has]
    xy = np.column_stack([xmin + (cols + 0.5) * cell_size, ymax - (rows + 0.5) * cell_size])
    w = pop_has[which] / n_cells[which]
    small = np.flatnonzero(n_cells == 0)  # smaller than a cell: all residents at one point inside it
    if len(small):
        pts = shapely.point_on_surface(geoms[np.asarray(has)[small]])
        xy = np.vstack([xy, shapely.get_coordinates(pts)])
        w = np.concatenate([w, pop_has[small]])
    return xy, w


def population_at_risk(
    incidents: np.ndarray, districts: gpd.GeoDataFrame, population: Sequence[float] | np.ndarray, *,
    years: float, bandwidth: float, cell_size: float, extent: Sequence[float], kernel: str = "quartic",
    per: float = 1000.0, min_density: float = 100.0, mask: MaskLike | None = None, crs: str | None = None,
) -> KDEResult:
    """Incidents per ``per`` residents per year as a surface (dual kernel density).

    Parameters
    ----------
    incidents : ndarray of shape (n, 2)
        Incident coordinates (m).
    districts : GeoDataFrame
        District polygons, same CRS.
    population : array-like
        Residents per district.
    years : float
        Length of the period of the incidents in years (each incident weighs ``1 / years``).
    bandwidth, cell_size, kernel
        Kernel and raster (as the incidents' density surface, so both compare).
    extent : (xmin, ymin, xmax, ymax)
        Raster extent.
    per : float
        Residents the rate is per (default 1,000).
    min_density : float
        Cells where the smoothed residents are fewer than this per km² are NaN (a ratio of two
        small densities is noise).
    mask : optional
        Study area: cells whose centre is outside are NaN.
    crs : str, optional
        CRS recorded in the result.

    Returns
    -------
    KDEResult
        ``array`` = ``per`` × (smoothed incidents per year) / (smoothed residents), per
        raster cell; parameters of :func:`~geolage.stats.density.kde_ratio` plus ``years`` and
        ``population_points``.

    Raises
    ------
    ValueError
        ``years`` is not positive, or no district has residents.
    """
    if not years > 0:
        raise ValueError(f"years needs to be a positive number; got {years}")
    pop_xy, pop_w = spread_population(districts, population, cell_size=cell_size, extent=extent)
    if not len(pop_w):
        raise ValueError("no district has residents: the population at risk needs a population")
    xy = np.asarray(incidents, dtype=float).reshape(-1, 2)
    res = kde_ratio(xy, pop_xy, numerator_weights=np.full(len(xy), 1.0 / years), denominator_weights=pop_w,
                    per=per, min_denominator=min_density, bandwidth=bandwidth, kernel=kernel,  # type: ignore[arg-type]
                    cell_size=cell_size, extent=extent, mask=mask, crs=crs, quiet=True)
    res.parameters.update(years=years, population_points=int(len(pop_w)))
    return res

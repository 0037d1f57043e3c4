"""Point inputs of the density analyses: coordinates, weights and masks, checked once.

Shared by :mod:`geolage.stats.kernels` (bandwidth rule) and :mod:`geolage.stats.density`
(the surfaces); each message says what is wrong, the count and first row, and how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..errors import CRSMismatchError

__all__ = ["MaskLike", "PointsLike", "as_weights", "as_xy", "mask_geometry"]

PointsLike = gpd.GeoDataFrame | gpd.GeoSeries | np.ndarray | Sequence[Sequence[float]]
MaskLike = gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry


def as_xy(points: Any, name: str = "points") -> tuple[np.ndarray, CRS | None]:
    """Coordinates (n, 2) and CRS of points given as GeoDataFrame/GeoSeries or an array."""
    crs = None
    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        crs = geoms.crs
        if crs is not None and CRS.from_user_input(crs).is_geographic:
            raise ValueError(
                f"{name} need a projected CRS in metres (e.g. EPSG:3006); got the geographic CRS {crs}; "
                "reproject with .to_crs('EPSG:3006')"
            )
        types = geoms.geom_type.to_numpy()
        bad = np.flatnonzero((types != "Point") & pd.notna(types))
        if bad.size:
            raise ValueError(
                f"{name} need to be points; {bad.size} geometries are not (first: row {bad[0]}, "
                f"{types[bad[0]]}); use the centroids or representative points"
            )
        xy = (
            np.column_stack([geoms.x.to_numpy(dtype=float), geoms.y.to_numpy(dtype=float)])
            if len(geoms)
            else np.empty((0, 2))
        )
    else:
        xy = np.asarray(points, dtype=float)
        if xy.size == 0:
            xy = xy.reshape(0, 2)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ValueError(f"{name} need to be an (n, 2) array of x, y in metres; got shape {xy.shape}")
    bad = np.flatnonzero(~np.isfinite(xy).all(axis=1))
    if bad.size:
        raise ValueError(
            f"{name}: {bad.size} of {len(xy)} points have missing or infinite coordinates "
            f"(first: row {bad[0]}); drop them first"
        )
    return xy, (CRS.from_user_input(crs) if crs is not None else None)


def as_weights(weights: Any, points: Any, n: int, name: str = "weights") -> np.ndarray:
    """Weight of each of ``n`` points (a column of ``points``, one value per point, or 1), checked."""
    if weights is None:
        return np.ones(n)
    if isinstance(weights, str):
        if not isinstance(points, pd.DataFrame) or weights not in points.columns:
            raise ValueError(f"{name}: the column {weights!r} is not in the points; give a column name or an array")
        w = points[weights].to_numpy(dtype=float)
    else:
        w = np.asarray(weights, dtype=float).ravel()
    if len(w) != n:
        raise ValueError(f"{name} need one value per point ({n}); got {len(w)}")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        raise ValueError(
            f"{name} need to be finite and non-negative; {bad.size} are not (first: row {bad[0]}, value {w[bad[0]]})"
        )
    return w


def mask_geometry(mask: Any, crs: CRS | None) -> shapely.Geometry:
    """One geometry of a study-area mask (the union of its rows), in the CRS of the points."""
    if isinstance(mask, gpd.GeoDataFrame | gpd.GeoSeries):
        mcrs = mask.crs
        if crs is not None and mcrs is not None and not CRS.from_user_input(mcrs).equals(crs):
            raise CRSMismatchError(
                f"mask and points need the same CRS; got mask {CRS.from_user_input(mcrs).to_string()} "
                f"and points {crs.to_string()}; reproject one of them with .to_crs()"
            )
        geoms = mask.geometry if isinstance(mask, gpd.GeoDataFrame) else mask
        return shapely.union_all(geoms.to_numpy())
    if isinstance(mask, shapely.Geometry):
        return mask
    raise ValueError(f"mask needs to be a GeoDataFrame, GeoSeries or shapely geometry; got {type(mask).__name__}")

"""Kernel density rasters as map images: warped to Web Mercator, coloured YlOrRd, inlined as PNG data URLs."""

from __future__ import annotations

import base64
import io
import logging
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...run import schemas
from ...run.results import Raster
from .escape import esc
from .layers import number
from .units import COORD_DECIMALS, WGS84

__all__ = ["density_layers", "raster_png"]

log = logging.getLogger(__name__)

#: Longest side (pixels) of a density image.
_MAX_RASTER_PIXELS = 1200
_WEB_MERCATOR = "EPSG:3857"


def density_layers(rasters: Mapping[str, Raster], categories: list[str], ui: dict[str, str],
                   language: str) -> list[dict[str, Any]]:
    """Density rasters (``kde_<category>``) as Web-Mercator PNG overlays with WGS84 bounds.

    Returns one entry per drawable raster of a listed category: ``category`` (index in
    ``categories``), ``url`` (PNG data URL), ``bounds`` (``[[S, W], [N, E]]``), ``max``
    (the largest density, formatted) and ``unit``.
    """
    out = []
    for name, raster in rasters.items():
        category = name.removeprefix(schemas.KDE_PREFIX)
        if category not in categories:
            continue
        try:
            image = raster_png(raster)
        except Exception:  # a map without one density surface is better than no map
            log.warning("density raster %s could not be drawn on the map", name, exc_info=True)
            continue
        if image is None:
            continue
        url, bounds, vmax = image
        out.append(
            {
                "category": categories.index(category),
                "url": url,
                "bounds": bounds,
                "max": number(vmax, 1, language),
                "unit": esc(raster.unit) if raster.unit else ui["density_unit"],
            }
        )
    return out


def _warp(raster: Raster, src: np.ndarray) -> tuple[np.ndarray, Any]:
    """``src`` reprojected to Web Mercator (bilinear, at most :data:`_MAX_RASTER_PIXELS` a side) and its transform."""
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    height, width = src.shape
    t = raster.transform
    if t.b != 0 or t.d != 0:
        raise ValueError(f"raster {raster.name} needs a north-up transform; got {tuple(t)[:6]}")
    west, east = sorted((t.c, t.c + t.a * width))
    south, north = sorted((t.f, t.f + t.e * height))
    bounds = {"left": west, "bottom": south, "right": east, "top": north}
    with warnings.catch_warnings():  # rasterio's own use of affine's "*" (PendingDeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        transform, dst_w, dst_h = calculate_default_transform(raster.crs, _WEB_MERCATOR, width, height, **bounds)
        scale = max(dst_w, dst_h) / _MAX_RASTER_PIXELS
        if scale > 1:
            transform, dst_w, dst_h = calculate_default_transform(
                raster.crs, _WEB_MERCATOR, width, height, **bounds,
                dst_width=int(dst_w / scale), dst_height=int(dst_h / scale))
        dst = np.full((dst_h, dst_w), np.nan)
        reproject(src, dst, src_transform=t, src_crs=raster.crs, src_nodata=np.nan, dst_transform=transform,
                  dst_crs=_WEB_MERCATOR, dst_nodata=np.nan, resampling=Resampling.bilinear)
    return dst, transform


def _png(norm: np.ndarray) -> str:
    """Densities scaled to 0..1 as a YlOrRd PNG data URL; alpha grows with density, near-zero is transparent."""
    import matplotlib
    from PIL import Image

    rgba = matplotlib.colormaps["YlOrRd"](norm)
    rgba[..., 3] = np.where(norm > 0.02, 0.35 + 0.5 * norm, 0.0)
    img = Image.fromarray((rgba * 255).round().astype("uint8"), mode="RGBA")
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=6)  # optimize=True: 3x the time for 9 % less
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def raster_png(raster: Raster) -> tuple[str, list[list[float]], float] | None:
    """Warp ``raster`` to EPSG:3857, colour it, and return (data URL, [[S, W], [N, E]], max value).

    None when the raster has no positive finite value (nothing to draw).
    """
    from pyproj import Transformer

    src = np.asarray(raster.array, dtype="float64")
    if src.ndim != 2 or not np.isfinite(src).any():
        return None
    dst, transform = _warp(raster, src)
    vmax = float(np.nanmax(src))
    if not np.isfinite(vmax) or vmax <= 0:
        return None
    url = _png(np.clip(np.nan_to_num(dst, nan=0.0) / vmax, 0.0, 1.0))
    dst_h, dst_w = dst.shape
    x0, y0 = transform.c, transform.f
    x1, y1 = transform.c + transform.a * dst_w, transform.f + transform.e * dst_h
    to_ll = Transformer.from_crs(_WEB_MERCATOR, WGS84, always_xy=True)
    (lon0, lon1), (lat0, lat1) = to_ll.transform([x0, x1], [y0, y1])
    bounds = [
        [round(min(lat0, lat1), COORD_DECIMALS), round(min(lon0, lon1), COORD_DECIMALS)],
        [round(max(lat0, lat1), COORD_DECIMALS), round(max(lon0, lon1), COORD_DECIMALS)],
    ]
    return url, bounds, vmax

"""Density surfaces as Cloud-Optimized GeoTIFFs, each with a pseudocolour QGIS style (``.qml``) beside it."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..run.results import Raster
from ..text.format import check_language
from ..text.spatial import in_language
from .qgis.files import atomic_path, clean_text, jsonable, layer_name
from .qgis.styles import qml_string, raster_style

__all__ = ["NODATA", "BLOCK_SIZE", "write_geotiff"]

log = logging.getLogger(__name__)

#: Nodata value of the GeoTIFFs (explicit, understood by every GIS; NaN is never written).
NODATA = -9999.0
#: Tile size in pixels (tiles are square).
BLOCK_SIZE = 256


def write_geotiff(raster: Raster, path: str | Path, *, language: Literal["sv", "en"] = "sv") -> Path:
    """Write a density surface as a Cloud-Optimized GeoTIFF with a QGIS style beside it.

    Parameters
    ----------
    raster : Raster
        The surface (NaN where no data).
    path : str or Path
        The ``.tif`` file; the style is written to the same name with ``.qml``.
    language : {"sv", "en"}
        Language of the title and description tags and of the legend.

    Returns
    -------
    Path
        The GeoTIFF written.

    Raises
    ------
    ValueError
        The array is not 2-D, or ``raster.crs`` is empty.

    Notes
    -----
    Profile: float32, nodata :data:`NODATA` (-9999; NaN cells are written as
    -9999), 256 × 256 tiles, DEFLATE with floating-point predictor, internal
    overviews (average resampling; at least one level), written with GDAL's COG
    driver, or — when the installed GDAL lacks it — as a tiled GeoTIFF copied with
    its overviews in front (the COG layout). Dataset tags: ``TITLE``,
    ``DESCRIPTION``, ``UNITS``, ``GEOLAGE_NAME`` and ``GEOLAGE_<PARAMETER>`` for each
    of ``raster.parameters``; band 1 has the title as description, the unit as unit
    type, and ``STATISTICS_*`` tags.
    """
    check_language(language)
    path = Path(path)
    arr = np.asarray(raster.array, dtype="float64")
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"raster {raster.name!r} needs a non-empty 2-D array; got shape {arr.shape}")
    if not raster.crs:
        raise ValueError(f"raster {raster.name!r} needs a CRS; got {raster.crs!r}")
    finite = np.isfinite(arr)
    valid = arr[finite]
    data = np.where(finite, arr, NODATA).astype("float32")
    height, width = data.shape
    title = clean_text(in_language(raster.title, language, raster.name))
    tags = _dataset_tags(raster, title, language)
    band_tags = {"UNITS": tags["UNITS"], **_band_statistics(valid, arr.size)}

    def fill(dst: Any) -> None:
        dst.write(data, 1)
        dst.update_tags(**tags)
        dst.update_tags(1, **band_tags)
        dst.set_band_description(1, title)
        dst.units = (tags["UNITS"],)

    profile = {
        "height": height,
        "width": width,
        "count": 1,
        "dtype": "float32",
        "crs": raster.crs,
        "transform": raster.transform,
        "nodata": NODATA,
    }
    n_over = _overview_count(height, width, BLOCK_SIZE)
    with atomic_path(path) as tmp:
        if _cog_available():
            _write_cog(tmp, profile, n_over, fill)
        else:
            log.info("GDAL has no COG driver: writing a tiled GeoTIFF with the COG layout")
            _write_tiled_with_overviews_first(tmp, profile, n_over, fill)
    qml_path = _write_raster_style(raster, path, valid, language)
    log.info("wrote %s (%d × %d, %d overview levels) and %s", path, width, height, n_over, qml_path.name)
    return path


def _dataset_tags(raster: Raster, title: str, language: str) -> dict[str, str]:
    """``TITLE``, ``DESCRIPTION``, ``UNITS``, ``GEOLAGE_NAME`` and ``GEOLAGE_<PARAMETER>`` per recorded parameter."""
    tags = {
        "TITLE": title,
        "DESCRIPTION": clean_text(in_language(raster.description, language)),
        "UNITS": clean_text(raster.unit),
        "GEOLAGE_NAME": clean_text(raster.name),
    }
    for key, value in raster.parameters.items():
        v = jsonable(value)
        tags[f"GEOLAGE_{layer_name(key).upper()}"] = clean_text(v if isinstance(v, str) else json.dumps(v))
    return tags


def _band_statistics(valid: np.ndarray, size: int) -> dict[str, str]:
    """GDAL's ``STATISTICS_*`` band tags of the valid cells (none when every cell is nodata)."""
    if not valid.size:
        return {}
    return {
        "STATISTICS_MINIMUM": f"{valid.min():.10g}",
        "STATISTICS_MAXIMUM": f"{valid.max():.10g}",
        "STATISTICS_MEAN": f"{valid.mean():.10g}",
        "STATISTICS_STDDEV": f"{valid.std():.10g}",
        "STATISTICS_VALID_PERCENT": f"{100 * valid.size / size:.6g}",
    }


def _cog_available() -> bool:
    import rasterio

    with rasterio.Env() as env:
        return "COG" in env.drivers()


def _overview_count(height: int, width: int, block: int) -> int:
    """Overview levels that halve the raster until it fits one tile (at least one; none under 4 pixels)."""
    size, n = max(height, width), 0
    while size > block:
        size = math.ceil(size / 2)
        n += 1
    return max(n, 1) if min(height, width) >= 4 else 0


def _write_cog(path: Path, profile: dict, n_over: int, fill: Callable[[Any], None]) -> None:
    """Write with GDAL's COG driver (overviews made by the driver)."""
    import rasterio

    cog = dict(
        profile,
        driver="COG",
        compress="DEFLATE",
        predictor="YES",
        blocksize=BLOCK_SIZE,
        overviews="AUTO",
        overview_count=n_over,
        overview_resampling="AVERAGE",
        resampling="AVERAGE",
        bigtiff="IF_SAFER",
    )
    with rasterio.open(path, "w", **cog) as dst:
        fill(dst)


def _write_tiled_with_overviews_first(path: Path, profile: dict, n_over: int, fill: Callable[[Any], None]) -> None:
    """The COG layout without the COG driver: a tiled GeoTIFF with overviews, copied with the overviews in front."""
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.shutil import copy as rio_copy

    tiling = {"tiled": True, "blockxsize": BLOCK_SIZE, "blockysize": BLOCK_SIZE, "compress": "deflate", "predictor": 3}
    staging = path.with_name(path.stem + "-staging.tif")
    try:
        with rasterio.open(staging, "w", **dict(profile, driver="GTiff", **tiling)) as dst:
            fill(dst)
            if n_over:
                dst.build_overviews([2**i for i in range(1, n_over + 1)], Resampling.average)
        rio_copy(staging, path, driver="GTiff", copy_src_overviews=True, **tiling)
    finally:
        for p in (staging, staging.with_name(staging.name + ".aux.xml")):
            if p.exists():
                p.unlink()


def _write_raster_style(raster: Raster, path: Path, valid: np.ndarray, language: str) -> Path:
    """Write the GeoTIFF's pseudocolour style beside it (``.qml``), from 0 (or a lower minimum) to the maximum."""
    lo = float(valid.min()) if valid.size else 0.0
    hi = float(valid.max()) if valid.size else 1.0
    qml = qml_string(raster_style(minimum=min(lo, 0.0), maximum=hi, unit=raster.unit, language=language))
    qml_path = path.with_suffix(".qml")
    with atomic_path(qml_path) as tmp:
        tmp.write_text(qml, encoding="utf-8")
    return qml_path

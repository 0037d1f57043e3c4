"""The places a map layer colours: districts as WGS84 GeoJSON, equal grid cells as corners plus two edge vectors."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from ...run.results import RunResults
from .escape import esc

__all__ = ["WGS84", "COORD_DECIMALS", "SIMPLIFY_METRES", "features", "units"]

WGS84 = "EPSG:4326"
#: Decimal places of WGS84 coordinates (6 decimals ≈ 0.1 m).
COORD_DECIMALS = 6
#: Douglas–Peucker tolerance (metres) used to simplify district outlines for the web.
SIMPLIFY_METRES = 5.0


def _round_coords(coords: Any) -> Any:
    if isinstance(coords, (float, int)):
        return round(float(coords), COORD_DECIMALS)
    return [_round_coords(c) for c in coords]


def features(geometries: gpd.GeoSeries, simplify: float | None) -> list[dict[str, Any]]:
    """GeoJSON features (WGS84, rounded) for ``geometries`` (in a projected CRS), with empty properties."""
    geoms = geometries
    if simplify and geoms.crs is not None and geoms.crs.is_projected:
        geoms = geoms.simplify(simplify, preserve_topology=True)
    geoms = geoms.to_crs(WGS84)
    out = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            out.append({"type": "Feature", "geometry": None, "properties": {}})
            continue
        gi = geom.__geo_interface__
        out.append(
            {
                "type": "Feature",
                "geometry": {"type": gi["type"], "coordinates": _round_coords(gi["coordinates"])},
                "properties": {},
            }
        )
    return out


def _square_cells(geoms: gpd.GeoSeries) -> float | None:
    """The cell side when every geometry is an equal axis-parallel square, else None."""
    b = geoms.bounds
    width, height = (b["maxx"] - b["minx"]).to_numpy(), (b["maxy"] - b["miny"]).to_numpy()
    if len(width) == 0 or not np.allclose(width, width[0]) or not np.allclose(height, width[0]):
        return None
    if not np.allclose(geoms.area.to_numpy(), width[0] ** 2, rtol=1e-6):
        return None
    return float(width[0])


def _cells(geoms: gpd.GeoSeries, ids: list[str], size: float) -> dict[str, Any]:
    """Equal square cells as ``[lat, lon, id]`` of their lower-left corners and the two edge vectors."""
    from pyproj import Transformer

    to_ll = Transformer.from_crs(geoms.crs, WGS84, always_xy=True)
    b = geoms.bounds
    lon, lat = to_ll.transform(b["minx"].to_numpy(), b["miny"].to_numpy())
    cx, cy = float(b["minx"].mean()), float(b["miny"].mean())
    (lon0, lon_e, lon_n), (lat0, lat_e, lat_n) = to_ll.transform([cx, cx + size, cx], [cy, cy, cy + size])
    return {
        "cells": [[round(float(la), COORD_DECIMALS), round(float(lo), COORD_DECIMALS), esc(i)]
                  for la, lo, i in zip(lat, lon, ids, strict=True)],
        "step": [[round(lat_e - lat0, 9), round(lon_e - lon0, 9)],
                 [round(lat_n - lat0, 9), round(lon_n - lon0, 9)]],
    }


def _district_names(results: RunResults, data: gpd.GeoDataFrame, first: gpd.GeoDataFrame) -> dict[str, Any]:
    """District id -> name, from the layer's own ``district_name`` or else from the run's districts."""
    if "district_name" in data.columns:
        return dict(zip(first["district_id"].astype(str), first["district_name"], strict=True))
    districts = results.districts
    if "district_name" in districts.columns:
        ids = districts["district_id"].astype(str) if "district_id" in districts else districts.index.astype(str)
        return dict(zip(ids, districts["district_name"], strict=True))
    return {}


def units(results: RunResults, data: gpd.GeoDataFrame, simplify: float | None) -> dict[str, Any]:
    """The places of a spatial table (one per district or cell), ready for the page.

    Districts become GeoJSON features with an escaped ``name``; equal square cells
    become ``[lat, lon, id]`` of their lower-left corner plus the two edge vectors
    (``step``), which is exact to well under a metre at grid-cell size and about
    six times smaller than GeoJSON. ``id_col`` and ``ids`` (the places in order) are
    for the layer builders, not the page.
    """
    id_col = "district_id" if "district_id" in data.columns else "cell_id" if "cell_id" in data.columns else None
    if id_col is None:
        data = data.assign(_unit=[str(i) for i in range(len(data))])
        id_col = "_unit"
    first = data.drop_duplicates(id_col)
    ids = first[id_col].astype(str).tolist()
    geoms = gpd.GeoSeries(first.geometry.to_numpy(), crs=data.crs)
    out: dict[str, Any] = {"id_col": id_col, "ids": ids}
    size = _square_cells(geoms) if id_col == "cell_id" and data.crs is not None and data.crs.is_projected else None
    if size is not None:
        return out | _cells(geoms, ids, size)
    names = _district_names(results, data, first) if id_col == "district_id" else {}
    feats = features(geoms, simplify)
    for f, uid in zip(feats, ids, strict=True):
        f["properties"] = {"name": esc(names.get(uid, uid))}
    out["features"] = feats
    return out

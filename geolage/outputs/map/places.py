"""Places the map names: focus areas (outlined, always labelled), district labels, zoom targets, police areas.

Police areas (Polisens utsatta områden, ``[[overlays]]``) come as one layer per
list year. The map shows each year as its own layer (the latest shown first) with
the area's category (särskilt utsatt område / utsatt område / riskområde) in the
legend and popup; an area whose outline is the same in several years is drawn once,
named with all its years ("2023, 2025").
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from ...focus import focus_area_shapes, focus_areas_of
from ...run.results import RunResults
from ...text.map import POLICE_CATEGORIES
from .escape import esc
from .units import COORD_DECIMALS, SIMPLIFY_METRES, WGS84, features

__all__ = [
    "POLICE_COLOURS", "police_areas", "focus_areas", "district_labels", "zoom_targets", "police_layers",
    "police_category",
]

#: Overlay columns tried, in order, for a label when the config names none.
_LABEL_FIELDS = ("label", "name", "namn", "NAMN")
#: Overlay columns tried, in order, for the police category.
_CATEGORY_FIELDS = ("KATEGORI", "kategori", "category", "typ", "type", "TYP")
#: Outline colour per police category (darkest for the most serious).
POLICE_COLOURS = {"sarskilt_utsatt": "#67001f", "utsatt": "#c2185b", "risk": "#e67e22"}
_OTHER_COLOUR = "#4b0082"
#: Two outlines are "the same" when their symmetric difference is under this share of their union.
_SAME_SHAPE = 0.01


def _wgs84_bounds(geom: Any, crs: Any) -> list[list[float]]:
    w, s, e, n = gpd.GeoSeries([geom], crs=crs).to_crs(WGS84).total_bounds
    r = COORD_DECIMALS
    return [[round(float(s), r), round(float(w), r)], [round(float(n), r), round(float(e), r)]]


def _label_point(geom: Any, crs: Any) -> list[float]:
    pt = gpd.GeoSeries([geom.representative_point()], crs=crs).to_crs(WGS84).iloc[0]
    return [round(float(pt.y), COORD_DECIMALS), round(float(pt.x), COORD_DECIMALS)]


def _districts(results: RunResults) -> gpd.GeoDataFrame | None:
    d = results.districts
    if not isinstance(d, gpd.GeoDataFrame) or d.empty or d.crs is None:
        return None
    return d[d.geometry.notna() & ~d.geometry.is_empty]


def focus_areas(results: RunResults) -> list[dict[str, Any]]:
    """The focus areas (districts dissolved): outline (GeoJSON feature), name, label point and bounds, in WGS84."""
    d = _districts(results)
    if d is None or "is_focus" not in d.columns:
        return []
    shapes = focus_area_shapes(d, focus_areas_of(results))
    shapes = shapes[shapes.geometry.notna()]
    out = []
    for feat, (_, row) in zip(features(shapes.geometry, SIMPLIFY_METRES), shapes.iterrows(), strict=True):
        name = esc(row["area_name"], 60)
        feat["properties"] = {"name": name}
        out.append({"name": name, "feature": feat, "label": _label_point(row.geometry, d.crs),
                    "bounds": _wgs84_bounds(row.geometry, d.crs)})
    return out


def district_labels(results: RunResults) -> list[dict[str, Any]]:
    """Name and label point of every district that is not a focus area (shown when zoomed in)."""
    d = _districts(results)
    if d is None:
        return []
    if "is_focus" in d.columns:  # a one-district focus area is labelled as the area; parts of larger ones keep names
        single = {a.area_id for a in focus_areas_of(results) if not a.is_group}
        d = d[~d.index.astype(str).isin(single)]
    names = d["district_name"] if "district_name" in d.columns else d.index.to_series()
    return [{"name": esc(name, 60), "at": _label_point(geom, d.crs)}
            for name, geom in zip(names, d.geometry, strict=True) if isinstance(name, str) and name]


def zoom_targets(results: RunResults, whole: str) -> list[dict[str, Any]]:
    """The zoom-to control's entries: the whole study area (``whole``), then each focus area."""
    out = []
    for layer in (results.study_area, _districts(results)):
        if isinstance(layer, gpd.GeoDataFrame) and not layer.empty and layer.crs is not None:
            out.append({"label": esc(whole), "bounds": _wgs84_bounds(shapely.box(*layer.total_bounds), layer.crs)})
            break
    out += [{"label": f["name"], "bounds": f["bounds"]} for f in focus_areas(results)]
    return out


# --------------------------------------------------------------------------- police areas
def police_category(text: Any) -> str | None:
    """The police category code of a category text: ``"sarskilt_utsatt"``, ``"utsatt"``, ``"risk"`` or None."""
    if not isinstance(text, str):
        return None
    t = text.lower()
    if "särskilt" in t or "sarskilt" in t or "particularly" in t:
        return "sarskilt_utsatt"
    if "risk" in t:
        return "risk"
    if "utsatt" in t or "vulnerable" in t:
        return "utsatt"
    return None


def _year(name: str) -> str | None:
    match = re.search(r"(19|20)\d{2}", name)
    return match.group(0) if match else None


def _field(layer: gpd.GeoDataFrame, wanted: str | None, tried: tuple[str, ...], *, any_text: bool) -> str | None:
    if wanted in layer.columns:
        return wanted
    found = next((c for c in tried if c in layer.columns), None)
    if found is None and any_text:
        text_cols = [c for c in layer.columns if c != layer.geometry.name and layer[c].dtype == object]
        found = text_cols[0] if text_cols else None
    return found


def _same(a: Any, b: Any) -> bool:
    union = a.union(b).area
    return union > 0 and a.symmetric_difference(b).area <= _SAME_SHAPE * union


def police_areas(results: RunResults) -> list[dict[str, Any]]:
    """Every overlay feature once: geometry, name, category text, years, overlay name (same shapes merged)."""
    label_fields = {ov.name: ov.label_field for ov in results.config.overlays}
    areas: list[dict[str, Any]] = []
    # latest year first: an outline unchanged since an earlier list is drawn in the latest year's layer
    ordered = sorted(results.overlays.items(), key=lambda item: _year(item[0]) or "", reverse=True)
    for name, layer in ordered:
        if layer is None or layer.empty:
            continue
        label = _field(layer, label_fields.get(name), _LABEL_FIELDS, any_text=True)
        kind = _field(layer, None, _CATEGORY_FIELDS, any_text=False)
        year = _year(name)
        for i in range(len(layer)):
            geom = layer.geometry.iloc[i]
            if geom is None or geom.is_empty:
                continue
            text = layer[label].iloc[i] if label else ""
            category = layer[kind].iloc[i] if kind else None
            twin = next((a for a in areas if a["crs"] == layer.crs and a["category"] == category
                         and _same(a["geometry"], geom)), None)
            if twin is not None and year is not None:
                twin["years"].append(year)
                continue
            areas.append({"geometry": geom, "crs": layer.crs, "name": "" if pd.isna(text) else str(text),
                          "category": category, "years": [year] if year else [], "overlay": name})
    return areas


def police_layers(results: RunResults, language: str) -> list[dict[str, Any]]:
    """Overlay layers for the page: one per overlay (year), features named with category and years.

    Each layer: ``title``, ``show`` (only the latest year), ``features`` (GeoJSON,
    properties ``name``, ``category`` (text), ``kind`` (code or None), ``years``) and
    ``kinds`` (the categories in it, for the legend: ``code``, ``label``, ``color``).
    """
    areas = police_areas(results)
    names = [n for n, layer in results.overlays.items() if layer is not None and not layer.empty]
    years = [y for y in (_year(n) for n in names) if y]
    latest = max(years) if years else None
    out = []
    for name in names:
        mine = [a for a in areas if a["overlay"] == name]
        if not mine:
            continue
        geoms = gpd.GeoSeries([a["geometry"] for a in mine], crs=mine[0]["crs"])
        feats = features(geoms, SIMPLIFY_METRES)
        kinds: dict[str, dict[str, str]] = {}
        for feat, area in zip(feats, mine, strict=True):
            code = police_category(area["category"])
            if code is not None:
                text = POLICE_CATEGORIES[code][language]
                kinds[code] = {"code": code, "label": esc(text), "color": POLICE_COLOURS[code]}
            else:
                text = "" if area["category"] is None or pd.isna(area["category"]) else str(area["category"])
            feat["properties"] = {"name": esc(area["name"], 60), "category": esc(text, 80),
                                  "color": POLICE_COLOURS.get(code or "", _OTHER_COLOUR),
                                  "years": esc(", ".join(sorted(set(area["years"]))))}
        year = _year(name)
        out.append({"title": esc(name), "year": year, "show": latest is None or year == latest,
                    "features": feats, "kinds": list(kinds.values())})
    return out

"""The interactive map ``karta.html`` (Leaflet through folium), self-contained and offline.

The map is one HTML file with Leaflet (and, in internal mode, leaflet.heat) inlined,
so it opens on a closed network and can be emailed. Every data layer is drawn by a
small script from one JSON block embedded in the page; background tiles
(OpenStreetMap) are optional and the page falls back to "Ingen bakgrund" when they
cannot be loaded.

Every text that comes from input data (district and overlay names, category codes,
the project name) is HTML-escaped in Python before it reaches the page, and the JSON
block is written so that it cannot close its ``<script>`` element.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import io
import json
import logging
import math
import os
import re
import secrets
import warnings
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from ...categories import CATEGORIES, category_label
from ...classes import EMERGING_CATEGORIES, GISTAR_CLASSES, LISA_CLUSTERS, ClassInfo
from ...run.results import Raster, RunResults, Table

__all__ = ["make_map", "write_map", "map_data", "MAP_STYLES"]

log = logging.getLogger(__name__)

#: Table styles drawn on the map, in drawing order (bottom first).
MAP_STYLES = ("rate", "count", "lisa", "gistar", "emerging")

_WGS84 = "EPSG:4326"
#: Decimal places of WGS84 coordinates (6 decimals ≈ 0.1 m).
_COORD_DECIMALS = 6
#: Douglas–Peucker tolerance (metres) used to simplify district outlines for the web.
_SIMPLIFY_METRES = 5.0
#: Longest text shown from input data (longer names are cut with an ellipsis).
_MAX_TEXT = 120
#: Above this many values, Fisher–Jenks runs on this many evenly spaced quantiles of them.
_JENKS_MAX = 600
#: Longest side (pixels) of a density image.
_MAX_RASTER_PIXELS = 1200
#: ColorBrewer YlOrRd, the choropleth ramp for 1–5 classes.
_YLORRD = {
    1: ["#fd8d3c"],
    2: ["#fecc5c", "#e31a1c"],
    3: ["#ffeda0", "#feb24c", "#f03b20"],
    4: ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
    5: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
}
_NO_CLASS_COLOUR = "#d0d0d0"
_OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

_UI = {
    "sv": {
        "category": "Kategori",
        "period": "Period",
        "all_categories": "Alla kategorier",
        "whole_span": "Hela perioden",
        "background": "Bakgrund",
        "osm": "OpenStreetMap",
        "no_background": "Ingen bakgrund",
        "tiles_failed": "Bakgrundskartan kunde inte laddas – visar ingen bakgrund.",
        "synthetic": "Syntetiska demodata – inte verkliga brott",
        "internal": "INTERN – får inte spridas",
        "no_data": "Inga data för vald kategori/period",
        "suppressed": "Dolt: färre än {k} brott",
        "missing": "Uppgift saknas",
        "no_significant": "Inga signifikanta områden för vald kategori",
        "district": "Område",
        "cell": "Ruta",
        "class": "Klass",
        "count": "Antal brott",
        "population": "Invånare",
        "rate": "Brott per {per} invånare",
        "ci": "{conf} % konfidensintervall",
        "eb_rate": "Utjämnad takt (empirisk Bayes)",
        "density": "Täthet (KDE)",
        "density_unit": "brott per km²",
        "incidents": "Brott (värmekarta, intern)",
        "incidents_note": "Enskilda brott – endast intern version",
        "rates_note": "Utjämnad takt per {per} invånare (empirisk Bayes); klassgränser: Fisher–Jenks, {k} klasser",
        "layers": "Lager",
        "legend_count": "{n} brott",
    },
    "en": {
        "category": "Category",
        "period": "Period",
        "all_categories": "All categories",
        "whole_span": "Whole period",
        "background": "Background",
        "osm": "OpenStreetMap",
        "no_background": "No background",
        "tiles_failed": "The background map could not be loaded – showing no background.",
        "synthetic": "Synthetic demo data – not real crimes",
        "internal": "INTERNAL – do not distribute",
        "no_data": "No data for the selected category/period",
        "suppressed": "Suppressed: fewer than {k} incidents",
        "missing": "No data",
        "no_significant": "No significant areas for the selected category",
        "district": "District",
        "cell": "Cell",
        "class": "Class",
        "count": "Incidents",
        "population": "Residents",
        "rate": "Incidents per {per} residents",
        "ci": "{conf}% confidence interval",
        "eb_rate": "Smoothed rate (empirical Bayes)",
        "density": "Density (KDE)",
        "density_unit": "incidents per km²",
        "incidents": "Incidents (heat map, internal)",
        "incidents_note": "Single incidents – internal version only",
        "rates_note": "Smoothed rate per {per} residents (empirical Bayes); class breaks: Fisher–Jenks, {k} classes",
        "layers": "Layers",
        "legend_count": "{n} incidents",
    },
}

#: Extra tooltip fields per style: (column, Swedish label, English label, decimals).
_FIELDS: dict[str, tuple[tuple[str, str, str, int], ...]] = {
    "gistar": (
        ("gistar_z", "Gi* z-värde", "Gi* z-score", 2),
        ("gistar_p", "p-värde", "p-value", 4),
        ("gistar_q", "q-värde (FDR)", "q-value (FDR)", 4),
    ),
    "lisa": (
        ("lisa_i", "Lokalt Moran I", "Local Moran's I", 3),
        ("lisa_p", "p-värde", "p-value", 4),
        ("lisa_q", "q-värde (FDR)", "q-value (FDR)", 4),
    ),
    "emerging": (
        ("emerging_mk_z", "Trend (Mann–Kendall z)", "Trend (Mann–Kendall z)", 2),
        ("emerging_mk_p", "Trend p-värde", "Trend p-value", 4),
        ("n_hot_bins", "Perioder som hot spot", "Periods as hot spot", 0),
        ("n_cold_bins", "Perioder som cold spot", "Periods as cold spot", 0),
    ),
}
_CLASSES: dict[str, dict[str, ClassInfo]] = {
    "gistar": GISTAR_CLASSES,
    "lisa": LISA_CLUSTERS,
    "emerging": EMERGING_CATEGORIES,
}
#: Class codes left out of grid layers (they would cover the whole study area).
_BACKGROUND_CODES = {"not_significant", "no_pattern"}


# --------------------------------------------------------------------------- text
def _plain(value: Any, max_len: int = _MAX_TEXT) -> str:
    """Input text as valid Unicode: lone surrogates repaired, control characters dropped, cut to ``max_len``."""
    if isinstance(value, bytes):
        text = value.decode("utf-8", errors="replace")
    else:
        text = "" if value is None else str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            text = text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
        except UnicodeEncodeError:
            text = text.encode("utf-8", errors="replace").decode("utf-8")
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
    if len(text) > max_len:
        text = text[: max_len - 1] + "…"
    return text


def _esc(value: Any, max_len: int = _MAX_TEXT) -> str:
    """HTML-escaped input text (safe to insert as HTML and inside attributes)."""
    return html.escape(_plain(value, max_len), quote=True)


def _script_json(data: Any) -> str:
    """JSON that cannot end the ``<script>`` element it is embedded in."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _fmt(value: Any, decimals: int = 1, language: str = "sv") -> str:
    """A number for people: Swedish decimal comma and thin-space thousands; text is escaped."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if isinstance(value, str):
        return _esc(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return _esc(value)
    if math.isnan(number):
        return "–"
    text = f"{number:,.{decimals}f}"
    if language == "sv":
        text = text.replace(",", "\u202f").replace(".", ",").replace("-", "−")
    return text


def _ui(language: str) -> dict[str, str]:
    return _UI["en" if language == "en" else "sv"]


def _category_text(code: str, language: str) -> str:
    if code == "alla":
        return _ui(language)["all_categories"]
    return category_label(code, language)


def _category_order(codes: Iterable[str]) -> list[str]:
    codes = {str(c) for c in codes}
    known = list(CATEGORIES)
    first = ["alla"] if "alla" in codes else []
    return first + [c for c in known if c in codes] + sorted(codes - set(known) - {"alla"})


# --------------------------------------------------------------------------- geometry
def _round_coords(coords: Any) -> Any:
    if isinstance(coords, (float, int)):
        return round(float(coords), _COORD_DECIMALS)
    return [_round_coords(c) for c in coords]


def _features(geometries: gpd.GeoSeries, simplify: float | None) -> list[dict[str, Any]]:
    """GeoJSON features (WGS84, rounded) for ``geometries`` (in a projected CRS)."""
    geoms = geometries
    if simplify and geoms.crs is not None and geoms.crs.is_projected:
        geoms = geoms.simplify(simplify, preserve_topology=True)
    geoms = geoms.to_crs(_WGS84)
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


# --------------------------------------------------------------------------- disclosure
def _drawn(table: Table) -> bool:
    """True for the tables the map draws (district rates; Gi*, LISA, emerging for districts and cells)."""
    if not table.is_spatial or table.style not in MAP_STYLES or table.data.empty:
        return False
    if table.style in ("rate", "count") and "district_id" not in table.data.columns:
        return False  # counts per grid cell: the density surface shows them better
    return True


def _public_layers(
    results: RunResults, tables: list[Table], rasters: dict[str, Raster], language: str
) -> tuple[list[Table], dict[str, Raster]]:
    """The drawn tables and rasters as a public map may show them.

    Uses :func:`geolage.run.disclosure.public_table` / :func:`~geolage.run.disclosure.public_raster`
    (only on what the map draws, which keeps large runs fast).
    """
    if results.public:
        return tables, rasters  # already the public version of the run
    k = results.config.output.min_count
    try:
        from ...run.disclosure import public_raster, public_table
    except ImportError:  # disclosure.py not available: apply the core rules here
        log.warning("geolage.run.disclosure not available; the map applies its own small-count suppression")
        fallback = (_public_fallback(_without_grid_counts(t), k) for t in tables)
        return [t for t in fallback if t is not None], {}
    out_tables = [t for t in (public_table(_without_grid_counts(t), k, language) for t in tables) if t is not None]
    out_rasters = {n: r for n, r in ((n, public_raster(r, k)) for n, r in rasters.items()) if r is not None}
    return out_tables, out_rasters


def _without_grid_counts(table: Table) -> Table:
    """A grid table without its count columns: public grid layers show classes, not counts.

    Cell counts under the threshold would be suppressed anyway; leaving them out keeps
    the public map simple and spares the complementary suppression of large grids.
    """
    data = table.data
    if "cell_id" not in data.columns or "district_id" in data.columns:
        return table
    drop = [c for c in (*table.count_columns, "count") if c in data.columns]
    return dataclasses.replace(table, data=data.drop(columns=drop), count_columns=())


def _public_fallback(table: Table, min_count: int) -> Table | None:
    """Stand-in for :func:`geolage.run.disclosure.public_table`.

    Internal-only tables are left out; counts ``0 < v < min_count`` become NaN with a
    ``<column>_suppressed`` flag, and so do the rate columns of those rows (with the
    population they would give the count back).
    """
    if table.internal_only:
        return None
    data = table.data.copy()
    for col in table.count_columns:
        if col not in data.columns:
            continue
        values = pd.to_numeric(data[col], errors="coerce")
        small = (values > 0) & (values < min_count)
        data[col] = values.where(~small)
        data[f"{col}_suppressed"] = small.to_numpy()
        for derived in [c for c in data.columns if str(c).startswith(("rate", "eb_rate"))]:
            data[derived] = pd.to_numeric(data[derived], errors="coerce").where(~small)
    return dataclasses.replace(table, data=data)


def _suppression_label(min_count: int, language: str) -> str:
    return html.escape(("<{n} (suppressed)" if language == "en" else "<{n} (dolt)").format(n=min_count))


def _flags(data: pd.DataFrame, column: str) -> np.ndarray:
    """Boolean array: True where public mode withheld ``column`` (``<column>_suppressed``)."""
    flag = data.get(f"{column}_suppressed")
    if flag is None:
        return np.zeros(len(data), dtype=bool)
    return pd.Series(flag).fillna(False).astype(bool).to_numpy()


def _texts(data: pd.DataFrame, column: str, decimals: int, language: str, *, min_count: int | None = None
           ) -> list[str]:
    """``column`` formatted for tooltips; withheld counts shown as ``<k (dolt)``."""
    if column not in data.columns:
        return ["–"] * len(data)
    out = [_fmt(v, decimals, language) for v in data[column].tolist()]
    if min_count is not None:
        label = _suppression_label(min_count, language)
        out = [label if hidden else text for text, hidden in zip(out, _flags(data, column), strict=True)]
    return out


def _p_texts(data: pd.DataFrame, column: str, language: str) -> list[str]:
    """p- and q-values with 4 decimals; values under 0.0001 as ``<0,0001``."""
    tiny = "&lt;" + _fmt(0.0001, 4, language)  # HTML-escaped "<"
    values = pd.to_numeric(data[column], errors="coerce").tolist()
    return [tiny if 0 <= v < 0.0001 else _fmt(v, 4, language) for v in values]


# --------------------------------------------------------------------------- layers
def _breaks(values: np.ndarray, k: int = 5) -> list[float]:
    """Upper class bounds (Fisher–Jenks via mapclassify); fewer classes for few distinct values."""
    import mapclassify

    distinct = np.unique(values)
    if distinct.size <= k:
        return [float(v) for v in distinct]
    with warnings.catch_warnings():  # "Numba not installed": the pure-Python path is fine here
        warnings.simplefilter("ignore", UserWarning)
        if values.size > _JENKS_MAX:  # exact Fisher–Jenks is O(k n²): use evenly spaced quantiles (deterministic)
            sample = np.quantile(values, np.linspace(0, 1, _JENKS_MAX))
            bins = mapclassify.FisherJenks(sample, k=k).bins
        else:
            bins = mapclassify.FisherJenks(values, k=k).bins
    return [float(b) for b in bins]


def _slice_keys(data: pd.DataFrame, categories: list[str], periods: list[str]) -> pd.Series:
    """``"<category index>|<period index or *>"`` for every row."""
    if "category" in data.columns:
        cat = data["category"].astype(str).map({c: i for i, c in enumerate(categories)}).astype(str)
    else:
        cat = pd.Series("0", index=data.index)
    if "period" in data.columns:
        per = data["period"].astype(str).map({p: i for i, p in enumerate(periods)}).astype(str)
        return cat + "|" + per
    return cat + "|*"


def _square_cells(geoms: gpd.GeoSeries) -> float | None:
    """The cell side when every geometry is an equal axis-parallel square, else None."""
    b = geoms.bounds
    width, height = (b["maxx"] - b["minx"]).to_numpy(), (b["maxy"] - b["miny"]).to_numpy()
    if len(width) == 0 or not np.allclose(width, width[0]) or not np.allclose(height, width[0]):
        return None
    if not np.allclose(geoms.area.to_numpy(), width[0] ** 2, rtol=1e-6):
        return None
    return float(width[0])


def _units(results: RunResults, data: gpd.GeoDataFrame, simplify: float | None) -> dict[str, Any]:
    """The places of a spatial table (one per district or cell), ready for the page.

    Districts become GeoJSON features with an escaped ``name``; equal square cells
    become ``[lat, lon, id]`` of their lower-left corner plus the two edge vectors
    (``step``), which is exact to well under a metre at grid-cell size and about
    six times smaller than GeoJSON.
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
        from pyproj import Transformer

        to_ll = Transformer.from_crs(data.crs, _WGS84, always_xy=True)
        b = geoms.bounds
        lon, lat = to_ll.transform(b["minx"].to_numpy(), b["miny"].to_numpy())
        cx, cy = float(b["minx"].mean()), float(b["miny"].mean())
        (lon0, lon_e, lon_n), (lat0, lat_e, lat_n) = to_ll.transform([cx, cx + size, cx], [cy, cy, cy + size])
        out["cells"] = [[round(float(la), _COORD_DECIMALS), round(float(lo), _COORD_DECIMALS), _esc(i)]
                        for la, lo, i in zip(lat, lon, ids, strict=True)]
        out["step"] = [[round(lat_e - lat0, 9), round(lon_e - lon0, 9)],
                       [round(lat_n - lat0, 9), round(lon_n - lon0, 9)]]
        return out
    names: dict[str, Any] = {}
    if id_col == "district_id":
        if "district_name" in data.columns:
            names = dict(zip(first[id_col].astype(str), first["district_name"], strict=True))
        elif "district_name" in results.districts.columns:
            names = dict(zip(results.districts["district_id"].astype(str) if "district_id" in results.districts
                             else results.districts.index.astype(str), results.districts["district_name"], strict=True))
    feats = _features(geoms, simplify)
    for f, uid in zip(feats, ids, strict=True):
        f["properties"] = {"name": _esc(names.get(uid, uid))}
    out["features"] = feats
    return out


def _title(table: Table, language: str) -> str:
    return _esc(table.title.get(language) or table.title.get("sv") or table.name)


def _rate_layer(results: RunResults, table: Table, categories: list[str], periods: list[str],
                language: str) -> dict[str, Any]:
    ui = _ui(language)
    stats = results.config.statistics
    min_count = results.config.output.min_count
    per = _fmt(stats.rate_per, 0, language)
    conf = _fmt(stats.confidence * 100, 0, language)
    column = table.style_column or ("eb_rate" if "eb_rate" in table.data.columns else "rate")
    data = table.data
    units = _units(results, data, _SIMPLIFY_METRES)
    position = {uid: i for i, uid in enumerate(units["ids"])}
    fields = [ui["count"], ui["population"], ui["rate"].format(per=per), ui["ci"].format(conf=conf), ui["eb_rate"]]
    count_cols = [c for c in (*table.count_columns, "count") if c in data.columns]
    hidden_any = np.zeros(len(data), dtype=bool)
    for c in count_cols:
        hidden_any |= _flags(data, c)
    low, high = _texts(data, "rate_ci_low", 1, language), _texts(data, "rate_ci_high", 1, language)
    columns = [
        _texts(data, "count", 0, language, min_count=min_count),
        _texts(data, "population", 0, language),
        _texts(data, "rate", 1, language),
        [f"{lo} – {hi}" if lo != "–" and hi != "–" else "–" for lo, hi in zip(low, high, strict=True)],
        _texts(data, column, 1, language),
    ]
    texts = [list(t) for t in zip(*columns, strict=True)]
    values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float)
    pos = data[units["id_col"]].astype(str).map(position).to_numpy()
    keys = _slice_keys(data, categories, periods).to_numpy()
    slices: dict[str, Any] = {}
    k_used = 0
    for key in pd.unique(keys):
        idx = np.flatnonzero(keys == key)
        vals = values[idx]
        finite = vals[np.isfinite(vals)]
        bounds = _breaks(finite) if finite.size else []
        k_used = max(k_used, len(bounds))
        colours = _YLORRD.get(len(bounds), [])
        legend = []
        lower = float(finite.min()) if finite.size else 0.0
        for i, upper in enumerate(bounds):
            text = (_fmt(upper, 1, language) if lower == upper
                    else f"{_fmt(lower, 1, language)} – {_fmt(upper, 1, language)}")
            legend.append({"label": text, "color": colours[i]})
            lower = upper
        classes = np.searchsorted(np.asarray(bounds), vals, side="left") if bounds else np.zeros(len(vals), int)
        rows, missing = [], set()
        for j, i in enumerate(idx):
            cls = int(classes[j]) if np.isfinite(vals[j]) and bounds else None
            if cls is None:
                missing.add(ui["suppressed"].format(k=min_count) if hidden_any[i] else ui["missing"])
            if not pd.isna(pos[i]):
                rows.append([int(pos[i]), cls, texts[i]])
        legend += [{"label": text, "color": _NO_CLASS_COLOUR} for text in sorted(missing)]
        slices[str(key)] = {"legend": legend, "rows": rows}
    return {
        "id": table.name, "kind": "choropleth", "title": _title(table, language), "show": True,
        "by_period": "period" in data.columns,
        "unit_label": ui["district"] if units["id_col"] == "district_id" else ui["cell"],
        "fields": fields,
        "note": ui["rates_note"].format(per=per, k=k_used or 5),
        "empty": ui["no_data"],
        **{k: v for k, v in units.items() if k not in ("id_col", "ids")},
        "slices": slices,
    }


def _class_layer(results: RunResults, table: Table, categories: list[str], periods: list[str],
                 language: str) -> dict[str, Any]:
    ui = _ui(language)
    style = table.style or ""
    classes = _CLASSES[style]
    column = table.style_column or {"gistar": "gistar_class", "lisa": "lisa_cluster",
                                    "emerging": "emerging_category"}[style]
    data = table.data
    is_grid = "district_id" not in data.columns
    if is_grid:  # keep the file small: only the cells that say something
        data = data[~data[column].astype(str).isin(_BACKGROUND_CODES)]
    codes = [c for c in classes if not (is_grid and c in _BACKGROUND_CODES)]
    extra = sorted(set(data[column].dropna().astype(str)) - set(classes))
    legend = [{"label": _esc(classes[c].en if language == "en" else classes[c].sv), "color": classes[c].color}
              for c in codes]
    legend += [{"label": _esc(code), "color": "#999999"} for code in extra]
    index = {c: i for i, c in enumerate([*codes, *extra])}
    extra_fields = [f for f in _FIELDS.get(style, ()) if f[0] in data.columns]
    count_cols = [c for c in table.count_columns if c in data.columns]
    fields = [ui["class"]] + [(f[2] if language == "en" else f[1]) for f in extra_fields]
    fields += [ui["count"]] * len(count_cols)
    layer: dict[str, Any] = {
        "id": table.name, "kind": "classes", "title": _title(table, language), "show": False,
        "by_period": "period" in data.columns,
        "unit_label": ui["cell"] if is_grid else ui["district"],
        "fields": fields, "classes": legend, "note": "",
        "empty": ui["no_significant"] if is_grid else ui["no_data"],
        "features": [], "slices": {},
    }
    if data.empty:
        return layer
    units = _units(results, data, None if is_grid else _SIMPLIFY_METRES)
    position = {uid: i for i, uid in enumerate(units["ids"])}
    columns = [_p_texts(data, f[0], language) if f[0].endswith(("_p", "_q")) else _texts(data, f[0], f[3], language)
               for f in extra_fields]
    columns += [_texts(data, c, 0, language, min_count=results.config.output.min_count) for c in count_cols]
    texts = [list(t) for t in zip(*columns, strict=True)] if columns else [[] for _ in range(len(data))]
    cls = [index.get(c) for c in data[column].astype(str)]
    pos = data[units["id_col"]].astype(str).map(position).to_numpy()
    keys = _slice_keys(data, categories, periods).to_numpy()
    slices: dict[str, Any] = {}
    for i, key in enumerate(keys):
        slices.setdefault(str(key), {"rows": []})["rows"].append([int(pos[i]), cls[i], texts[i]])
    layer.update({k: v for k, v in units.items() if k not in ("id_col", "ids")})
    layer["slices"] = slices
    return layer


def _density_layers(rasters: Mapping[str, Raster], categories: list[str], language: str) -> list[dict[str, Any]]:
    """Density rasters (``kde_<category>``) as Web-Mercator PNG overlays with WGS84 bounds."""
    out = []
    for name, raster in rasters.items():
        category = name[4:]
        if category not in categories:
            continue
        try:
            image = _raster_png(raster)
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
                "max": _fmt(vmax, 1, language),
                "unit": _esc(raster.unit) if raster.unit else _ui(language)["density_unit"],
            }
        )
    return out


def _raster_png(raster: Raster) -> tuple[str, list[list[float]], float] | None:
    """Warp ``raster`` to EPSG:3857, colour it, and return (data URL, [[S, W], [N, E]], max value)."""
    from PIL import Image
    from pyproj import Transformer
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    src = np.asarray(raster.array, dtype="float64")
    if src.ndim != 2 or not np.isfinite(src).any():
        return None
    height, width = src.shape
    t = raster.transform
    if t.b != 0 or t.d != 0:
        raise ValueError(f"raster {raster.name} needs a north-up transform; got {tuple(t)[:6]}")
    west, east = sorted((t.c, t.c + t.a * width))
    south, north = sorted((t.f, t.f + t.e * height))
    dst_crs = "EPSG:3857"
    bounds = {"left": west, "bottom": south, "right": east, "top": north}
    with warnings.catch_warnings():  # rasterio's own use of affine's "*" (PendingDeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        transform, dst_w, dst_h = calculate_default_transform(raster.crs, dst_crs, width, height, **bounds)
        scale = max(dst_w, dst_h) / _MAX_RASTER_PIXELS
        if scale > 1:
            transform, dst_w, dst_h = calculate_default_transform(
                raster.crs, dst_crs, width, height, **bounds,
                dst_width=int(dst_w / scale), dst_height=int(dst_h / scale))
        dst = np.full((dst_h, dst_w), np.nan)
        reproject(src, dst, src_transform=t, src_crs=raster.crs, src_nodata=np.nan, dst_transform=transform,
                  dst_crs=dst_crs, dst_nodata=np.nan, resampling=Resampling.bilinear)
    vmax = float(np.nanmax(src))
    if not np.isfinite(vmax) or vmax <= 0:
        return None
    norm = np.clip(np.nan_to_num(dst, nan=0.0) / vmax, 0.0, 1.0)
    import matplotlib

    rgba = matplotlib.colormaps["YlOrRd"](norm)
    alpha = np.where(norm > 0.02, 0.35 + 0.5 * norm, 0.0)
    rgba[..., 3] = alpha
    img = Image.fromarray((rgba * 255).round().astype("uint8"), mode="RGBA")
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    x0, y0 = transform.c, transform.f
    x1, y1 = transform.c + transform.a * dst_w, transform.f + transform.e * dst_h
    to_ll = Transformer.from_crs(dst_crs, _WGS84, always_xy=True)
    (lon0, lon1), (lat0, lat1) = to_ll.transform([x0, x1], [y0, y1])
    bounds = [
        [round(min(lat0, lat1), _COORD_DECIMALS), round(min(lon0, lon1), _COORD_DECIMALS)],
        [round(max(lat0, lat1), _COORD_DECIMALS), round(max(lon0, lon1), _COORD_DECIMALS)],
    ]
    return url, bounds, vmax


def _overlay_layers(results: RunResults) -> list[dict[str, Any]]:
    """Boundary layers (e.g. vulnerable areas) as outlines with their labels."""
    label_fields = {ov.name: ov.label_field for ov in results.config.overlays}
    out = []
    for name, layer in results.overlays.items():
        if layer is None or layer.empty:
            continue
        field = label_fields.get(name)
        if field not in layer.columns:
            text_cols = [c for c in layer.columns if c != layer.geometry.name and layer[c].dtype == object]
            field = next(
                (c for c in ("label", "name", "namn", "NAMN") if c in layer.columns),
                text_cols[0] if text_cols else None,
            )
        feats = _features(layer.geometry, _SIMPLIFY_METRES)
        labels = layer[field] if field is not None else [""] * len(layer)
        for f, label in zip(feats, labels, strict=True):
            f["properties"] = {"name": _esc(label, 60)}
        out.append({"title": _esc(name), "features": feats})
    return out


def _incident_points(results: RunResults, categories: list[str], periods: list[str]) -> list[list[Any]]:
    """Internal mode: incidents as [lat, lon, category index, period index] (WGS84, 5 decimals)."""
    inc = results.incidents
    if inc is None or inc.empty:
        return []
    from ...periods import period_labels

    inc = inc[inc.geometry.notna() & ~inc.geometry.is_empty]
    pts = inc.geometry.to_crs(_WGS84)
    cat = inc["category"].astype(str).map({c: i for i, c in enumerate(categories)}) if "category" in inc else None
    if "time" in inc:
        labels = period_labels(inc["time"], results.config.periods.unit)
        per = labels.map({p: i for i, p in enumerate(periods)})
    else:
        per = pd.Series(np.nan, index=inc.index)
    out = []
    for x, y, c, p in zip(pts.x, pts.y, cat if cat is not None else [None] * len(inc), per, strict=True):
        out.append(
            [
                round(float(y), 5),
                round(float(x), 5),
                None if c is None or pd.isna(c) else int(c),
                None if pd.isna(p) else int(p),
            ]
        )
    return out


# --------------------------------------------------------------------------- page
def map_data(
    results: RunResults, *, mode: Literal["public", "internal"] = "public", language: str = "sv"
) -> dict[str, Any]:
    """Everything the map draws, as JSON-ready data with every input text HTML-escaped.

    Parameters
    ----------
    results : RunResults
        A finished run.
    mode : {"public", "internal"}
        ``"public"`` leaves out internal-only tables and incident points and
        suppresses counts under ``config.output.min_count``.
    language : {"sv", "en"}

    Returns
    -------
    dict
        Keys ``ui``, ``title``, ``banners``, ``categories``, ``periods``, ``layers``
        (district/grid layers with ``features`` and per category/period ``slices``),
        ``density``, ``overlays``, ``incidents`` (internal mode only).

    Raises
    ------
    ValueError
        ``mode`` or ``language`` is not one of the values above.
    """
    if mode not in ("public", "internal"):
        raise ValueError(f"mode needs to be 'public' or 'internal'; got {mode!r}")
    if language not in ("sv", "en"):
        raise ValueError(f"language needs to be 'sv' or 'en'; got {language!r}")
    ui = _ui(language)
    spatial = [t for t in results.tables.values() if _drawn(t)]
    rasters = {name: r for name, r in results.rasters.items() if name.startswith("kde_")}
    already_public = results.public
    if mode == "public" and not already_public:
        spatial, rasters = _public_layers(results, spatial, rasters, language)
    spatial.sort(key=lambda t: MAP_STYLES.index(t.style or ""))

    cats: set[str] = set()
    pers: set[str] = set()
    for t in spatial:
        if "category" in t.data.columns:
            cats.update(t.data["category"].dropna().astype(str))
        if "period" in t.data.columns:
            pers.update(t.data["period"].dropna().astype(str))
    cats.update(name[4:] for name in rasters)
    categories = _category_order(cats) or ["alla"]
    periods = (["hela"] if "hela" in pers else []) + sorted(pers - {"hela"})

    layers = []
    for t in spatial:
        if t.style in ("rate", "count"):
            layers.append(_rate_layer(results, t, categories, periods, language))
        else:
            layers.append(_class_layer(results, t, categories, periods, language))
    banners = []
    if results.config.project.synthetic:
        banners.append({"text": ui["synthetic"], "kind": "synthetic"})
    if mode == "internal":
        banners.append({"text": ui["internal"], "kind": "internal"})
    data: dict[str, Any] = {
        "ui": ui,
        "title": _esc(results.config.project.name, 200),
        "banners": banners,
        "categories": [{"code": _esc(c), "label": _esc(_category_text(c, language))} for c in categories],
        "periods": [{"code": _esc(p), "label": ui["whole_span"] if p == "hela" else _esc(p)} for p in periods],
        "layers": layers,
        "density": _density_layers(rasters, categories, language),
        "overlays": _overlay_layers(results),
        "incidents": None,
    }
    if mode == "internal":
        data["incidents"] = {
            "title": ui["incidents"],
            "note": ui["incidents_note"],
            "points": _incident_points(results, categories, periods),
        }
    return _clean_numbers(data)


def _clean_numbers(obj: Any) -> Any:
    """NaN/inf to None and numpy scalars to Python (JSON has no NaN)."""
    if isinstance(obj, dict):
        return {k: _clean_numbers(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean_numbers(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _static(name: str) -> str:
    return resources.files("geolage").joinpath("static", name).read_text(encoding="utf-8")


def _leaflet_css() -> str:
    """Leaflet's CSS with its images inlined as data URLs."""
    css = _static("leaflet/leaflet.css")

    def inline(match: re.Match[str]) -> str:
        png = resources.files("geolage").joinpath("static", "leaflet", match.group(1)).read_bytes()
        return "url(data:image/png;base64," + base64.b64encode(png).decode("ascii") + ")"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)


def _safe_inline(code: str) -> str:
    """Library code safe to place inside ``<script>``/``<style>`` (no closing tag inside)."""
    return re.sub(r"</(script|style)", r"<\\/\1", code, flags=re.IGNORECASE)


_PAGE_CSS = """
.folium-map { background: #f4f3ef; }
.geolage-title { position: absolute; top: 10px; left: 50%; transform: translateX(-50%); z-index: 1000;
  background: rgba(255,255,255,.92); padding: 6px 14px; border-radius: 4px; box-shadow: 0 1px 5px rgba(0,0,0,.35);
  font: 600 16px/1.3 system-ui, "Segoe UI", Roboto, Arial, sans-serif; color: #222; text-align: center;
  max-width: 60%; overflow-wrap: anywhere; pointer-events: none; }
.geolage-banner { display: block; margin-top: 4px; padding: 2px 8px; font-size: 13px; border-radius: 3px; }
.geolage-banner.synthetic { background: #ffe08a; color: #5a3b00; }
.geolage-banner.internal { background: #b00020; color: #fff; }
.geolage-panel { background: rgba(255,255,255,.95); padding: 8px 10px; border-radius: 4px;
  box-shadow: 0 1px 5px rgba(0,0,0,.35); font: 13px/1.35 system-ui, "Segoe UI", Roboto, Arial, sans-serif;
  color: #222; max-width: 300px; }
.geolage-panel label { display: block; font-weight: 600; margin: 2px 0; }
.geolage-panel select { width: 100%; max-width: 240px; margin-bottom: 4px; font-size: 13px; }
.geolage-selector { min-width: 170px; }
.leaflet-control-layers { font: 13px/1.4 system-ui, "Segoe UI", Roboto, Arial, sans-serif; }
.leaflet-control-layers label { max-width: 260px; overflow-wrap: anywhere; }
.geolage-legend { max-height: 42vh; overflow-y: auto; min-width: 180px; }
@media (max-width: 700px) {
  .geolage-title { font-size: 13px; max-width: 46%; top: 6px; }
  .geolage-legend { max-height: 30vh; min-width: 0; max-width: 60vw; }
  .geolage-panel { font-size: 12px; }
}
.geolage-legend h4 { margin: 6px 0 3px; font-size: 13px; }
.geolage-legend h4:first-child { margin-top: 0; }
.geolage-legend .row { display: flex; align-items: center; margin: 1px 0; }
.geolage-legend .sw { width: 16px; height: 12px; margin-right: 6px; border: 1px solid #777; flex: none; }
.geolage-legend .line { width: 16px; height: 0; margin-right: 6px; border-top: 2px dashed #4b0082; flex: none; }
.geolage-legend .ramp { height: 10px; border: 1px solid #777; margin: 2px 0;
  background: linear-gradient(to right, rgba(255,255,204,.4), #feb24c, #e31a1c, #800026); }
.geolage-legend .ends { display: flex; justify-content: space-between; font-size: 12px; }
.geolage-legend .note { font-size: 11px; color: #555; margin-top: 2px; max-width: 260px; }
.geolage-tip table { border-collapse: collapse; font-size: 12px; }
.geolage-tip th { text-align: left; font-size: 13px; padding-bottom: 3px; max-width: 320px; white-space: normal;
  overflow-wrap: anywhere; }
.geolage-tip td { padding: 1px 6px 1px 0; vertical-align: top; }
.geolage-tip td.v { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.geolage-label { background: transparent; border: none; box-shadow: none; color: #4b0082; font-weight: 600;
  font-size: 12px; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; }
.geolage-label:before { display: none; }
.geolage-hide-labels .geolage-label { display: none; }
.geolage-note { font-size: 12px; color: #8a4b00; }
"""

_PAGE_JS = r"""
(function () {
  var map = {{ this._parent.get_name() }};
  var D = JSON.parse(document.getElementById("geolage-data").textContent);
  var ui = D.ui;
  var state = {cat: 0, per: 0};
  window.geolage = {map: map, data: D, layers: {}, state: state};

  // Title and banners (texts are escaped in Python).
  var title = document.createElement("div");
  title.className = "geolage-title";
  var h = D.title;
  D.banners.forEach(function (b) { h += '<span class="geolage-banner ' + b.kind + '">' + b.text + "</span>"; });
  title.innerHTML = h;
  map.getContainer().appendChild(title);

  // Panes: density surfaces under the district/grid layers, boundary outlines above them.
  map.createPane("geolageDensity").style.zIndex = 390;
  map.createPane("geolageOutlines").style.zIndex = 450;
  var outlineRenderer = L.svg({pane: "geolageOutlines"});
  var gridRenderer = L.canvas({padding: 0.3});  // thousands of cells draw faster on a canvas

  // Background: optional tiles; "no background" when they cannot be loaded.
  var none = L.layerGroup();
  var osm = L.tileLayer({{ this.osm_url|tojson }}, {maxZoom: 19,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'});
  var bases = Object.create(null);
  bases[ui.osm] = osm;
  bases[ui.no_background] = none;
  var startBase = {{ this.background|tojson }} === "osm" ? osm : none;
  startBase.addTo(map);
  var tileFailures = 0;
  osm.on("tileerror", function () {
    tileFailures += 1;
    if (tileFailures === 3 && map.hasLayer(osm)) {
      map.removeLayer(osm); none.addTo(map);
      var note = L.control({position: "bottomleft"});
      note.onAdd = function () {
        var d = L.DomUtil.create("div", "geolage-panel geolage-note"); d.innerHTML = ui.tiles_failed; return d;
      };
      note.addTo(map);
      setTimeout(function () { note.remove(); }, 8000);
    }
  });

  function tip(name, fields, texts) {
    var s = '<div class="geolage-tip"><table><tr><th colspan="2">' + name + "</th></tr>";
    for (var i = 0; i < fields.length; i++) {
      s += "<tr><td>" + fields[i] + '</td><td class="v">' + texts[i] + "</td></tr>";
    }
    return s + "</table></div>";
  }
  function sliceOf(spec) {
    var key = state.cat + "|" + (spec.by_period ? state.per : "*");
    return spec.slices[key] || null;
  }

  var overlays = Object.create(null);
  function addOverlay(name, layer) {  // unique names: two layers may share a title
    while (name in overlays) { name += "\u00a0"; }
    overlays[name] = layer;
  }
  var legendEntries = [];

  // District and grid layers: one group each, redrawn for the selected category/period.
  // A slice row is [place index, class index or null, [tooltip texts]].
  function cellPolygon(spec, c) {
    var e = spec.step[0], n = spec.step[1], la = c[0], lo = c[1];
    return [[la, lo], [la + e[0], lo + e[1]], [la + e[0] + n[0], lo + e[1] + n[1]], [la + n[0], lo + n[1]]];
  }
  D.layers.forEach(function (spec) {
    var group = L.featureGroup();
    var isGrid = !!spec.cells;
    group.gRedraw = function () {
      group.clearLayers();
      var sl = sliceOf(spec);
      if (!sl) { return; }
      var classes = spec.kind === "choropleth" ? sl.legend : spec.classes;
      var base = {color: "#333", weight: 0.8, fillOpacity: spec.kind === "choropleth" ? 0.72 : 0.8};
      if (isGrid) { base = {weight: 0.5, opacity: 0.8, fillOpacity: 0.8, renderer: gridRenderer}; }
      sl.rows.forEach(function (r) {
        var c = r[1];
        var fill = (c === null || !classes[c]) ? "#d0d0d0" : classes[c].color;
        // grid cells are outlined in their own colour, so neighbours show no seams
        var style = L.extend({}, base, {fillColor: fill}, isGrid ? {color: fill} : {});
        var shape, name;
        if (isGrid) {
          var cell = spec.cells[r[0]];
          shape = L.polygon(cellPolygon(spec, cell), style);
          name = spec.unit_label + " " + cell[2];
        } else {
          var f = spec.features[r[0]];
          if (!f || !f.geometry) { return; }
          shape = L.geoJSON(f, {style: function () { return style; }});
          name = f.properties.name;
        }
        var texts = spec.kind === "classes" ? [c === null ? "–" : classes[c].label].concat(r[2]) : r[2];
        shape.bindTooltip(tip(name, spec.fields, texts), {sticky: true});
        shape.on("mouseover", function () { shape.setStyle({weight: 2.5, color: "#000"}); });
        shape.on("mouseout", function () { shape.setStyle({weight: style.weight, color: style.color}); });
        shape.addTo(group);
      });
    };
    group.gLegend = function () {
      var sl = sliceOf(spec);
      var s = "<h4>" + spec.title + "</h4>";
      if (!sl || !sl.rows.length) { return s + '<div class="note">' + spec.empty + "</div>"; }
      var classes = spec.kind === "choropleth" ? sl.legend : spec.classes;
      var used = {};
      sl.rows.forEach(function (r) { if (r[1] !== null) { used[r[1]] = true; } });
      classes.forEach(function (c, i) {
        if (spec.kind === "classes" && !used[i]) { return; }
        s += '<div class="row"><span class="sw" style="background:' + c.color + '"></span>' + c.label + "</div>";
      });
      if (spec.note) { s += '<div class="note">' + spec.note + "</div>"; }
      return s;
    };
    group.gRedraw();
    addOverlay(spec.title, group);
    legendEntries.push(group);
    window.geolage.layers[spec.id] = group;
    if (spec.show) { group.addTo(map); }
  });

  // Density surfaces: one image per category, the selected one shown.
  if (D.density.length) {
    var dens = L.layerGroup();
    dens.gRedraw = function () {
      dens.clearLayers();
      D.density.forEach(function (d) {
        if (d.category === state.cat) {
          L.imageOverlay(d.url, d.bounds, {opacity: 1, className: "geolage-density", pane: "geolageDensity"})
            .addTo(dens);
        }
      });
    };
    dens.gLegend = function () {
      var s = "<h4>" + ui.density + "</h4>";
      var d = D.density.filter(function (x) { return x.category === state.cat; })[0];
      if (!d) { return s + '<div class="note">' + ui.no_data + "</div>"; }
      return s + '<div class="ramp"></div><div class="ends"><span>0</span><span>' + d.max + " " + d.unit +
        "</span></div>";
    };
    dens.gRedraw();
    addOverlay(ui.density, dens);
    legendEntries.push(dens);
    window.geolage.layers.density = dens;
  }

  // Boundary overlays (e.g. vulnerable areas): dashed outlines with labels.
  D.overlays.forEach(function (ov, k) {
    var g = L.geoJSON(ov.features, {
      pane: "geolageOutlines", renderer: outlineRenderer,
      style: {color: "#4b0082", weight: 2, dashArray: "6 4", fill: false},
      onEachFeature: function (f, layer) {
        if (f.properties.name) {
          layer.bindTooltip(f.properties.name, {permanent: true, direction: "center", className: "geolage-label"});
        }
      }
    });
    g.gLegend = function () {
      return '<h4>' + ov.title + '</h4><div class="row"><span class="line"></span>' + ov.title + "</div>";
    };
    g.gRedraw = function () {};
    addOverlay(ov.title, g);
    legendEntries.push(g);
    window.geolage.layers["overlay_" + k] = g;
    g.addTo(map);
  });

  // Overlay labels only when zoomed in far enough to read them.
  function labelVisibility() {
    L.DomUtil[map.getZoom() < 12 ? "addClass" : "removeClass"](map.getContainer(), "geolage-hide-labels");
  }
  map.on("zoomend", labelVisibility);
  labelVisibility();

  // Internal mode only: incidents as a heat map.
  if (D.incidents && L.heatLayer) {
    var heat = L.heatLayer([], {radius: 14, blur: 18, maxZoom: 16, minOpacity: 0.3});
    heat.gRedraw = function () {
      var pts = D.incidents.points.filter(function (p) {
        var catOk = state.cat === 0 && D.categories[0].code === "alla" ? true : p[2] === state.cat;
        var per = D.periods[state.per];
        var perOk = !per || per.code === "hela" || p[3] === state.per;
        return catOk && perOk;
      }).map(function (p) { return [p[0], p[1], 1]; });
      heat.setLatLngs(pts);
      heat.count = pts.length;
    };
    heat.gLegend = function () {
      return "<h4>" + D.incidents.title + '</h4><div class="ramp"></div><div class="note">' + D.incidents.note +
        " – " + ui.legend_count.replace("{n}", heat.count) + "</div>";
    };
    heat.gRedraw();
    addOverlay(D.incidents.title, heat);
    legendEntries.push(heat);
    window.geolage.layers.incidents = heat;
  }

  // Category / period selector.
  var selector = L.control({position: "topleft"});
  selector.onAdd = function () {
    var div = L.DomUtil.create("div", "geolage-panel geolage-selector");
    var s = "<label>" + ui.category + '</label><select id="geolage-category">';
    D.categories.forEach(function (c, i) { s += '<option value="' + i + '">' + c.label + "</option>"; });
    s += "</select>";
    if (D.periods.length > 1) {
      s += "<label>" + ui.period + '</label><select id="geolage-period">';
      D.periods.forEach(function (p, i) { s += '<option value="' + i + '">' + p.label + "</option>"; });
      s += "</select>";
    }
    div.innerHTML = s;
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  selector.addTo(map);
  var narrow = map.getSize().x < 700;  // phones: the layer list opens from its button
  L.control.layers(bases, overlays, {collapsed: narrow, position: "topright"}).addTo(map);

  // Legend: one block per visible layer.
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    var d = L.DomUtil.create("div", "geolage-panel geolage-legend");
    L.DomEvent.disableScrollPropagation(d);
    return d;
  };
  legend.addTo(map);
  function updateLegend() {
    var s = "";
    legendEntries.forEach(function (g) {
      if (map.hasLayer(g)) { s += '<div class="block">' + g.gLegend() + "</div>"; }
    });
    legend.getContainer().innerHTML = s;
    legend.getContainer().style.display = s ? "" : "none";
  }
  function redrawAll() {
    legendEntries.forEach(function (g) { g.gRedraw(); });
    updateLegend();
  }
  window.geolage.select = function (cat, per) {
    state.cat = cat; state.per = per || 0; redrawAll();
  };
  var catSel = document.getElementById("geolage-category");
  catSel.addEventListener("change", function () { state.cat = parseInt(catSel.value, 10); redrawAll(); });
  var perSel = document.getElementById("geolage-period");
  if (perSel) {
    perSel.addEventListener("change", function () { state.per = parseInt(perSel.value, 10); redrawAll(); });
  }
  map.on("overlayadd overlayremove", updateLegend);
  updateLegend();
  window.geolage.ready = true;
})();
"""


class _GeolageLayers(MacroElement):
    """The data JSON and the script that draws it (a child of the map)."""

    _template = Template(
        "{% macro html(this, kwargs) %}"
        '<script type="application/json" id="geolage-data">{{ this.data_json }}</script>'
        "{% endmacro %}"
        "{% macro script(this, kwargs) %}" + _PAGE_JS + "{% endmacro %}"
    )

    def __init__(self, data: Mapping[str, Any], background: str) -> None:
        super().__init__()
        self._name = "GeolageLayers"
        self.data_json = _script_json(data)
        self.background = background
        self.osm_url = _OSM_URL


def make_map(
    results: RunResults,
    *,
    mode: Literal["public", "internal"] = "public",
    language: str = "sv",
    background: Literal["osm", "none"] = "osm",
) -> folium.Map:
    """Build the interactive map of a run.

    Parameters
    ----------
    results : RunResults
        A finished run (tables ``rates_district``, ``gistar_*``, ``lisa_*``,
        ``emerging_grid``, rasters ``kde_<category>``, ``overlays``).
    mode : {"public", "internal"}
        ``"public"``: no incident points, no internal-only tables, counts under
        ``config.output.min_count`` suppressed. ``"internal"`` adds the incidents as a
        heat map.
    language : {"sv", "en"}
        Language of labels, legends and tooltips.
    background : {"osm", "none"}
        Background shown first: OpenStreetMap tiles (optional; the page falls back to
        no background offline) or none.

    Returns
    -------
    folium.Map
        A map that references no external script or stylesheet: Leaflet and
        leaflet.heat are inlined (``geolage/static``). Layers: district rates
        (choropleth, Fisher–Jenks classes), Gi*, LISA and emerging hot spot classes,
        density surfaces, boundary overlays; a layer control, a category/period
        selector and a legend per visible layer.

    Raises
    ------
    ValueError
        ``mode``, ``language`` or ``background`` is not one of the values above.

    Notes
    -----
    Density rasters are warped to Web Mercator (EPSG:3857) before they are drawn, so
    the image lines up with the vector layers. District outlines are simplified by
    5 m and coordinates rounded to 6 decimals; grid layers keep only significant
    cells.

    Examples
    --------
    >>> m = make_map(results, mode="public")  # doctest: +SKIP
    >>> m.save("karta.html")  # doctest: +SKIP
    """
    if background not in ("osm", "none"):
        raise ValueError(f"background needs to be 'osm' or 'none'; got {background!r}")
    data = map_data(results, mode=mode, language=language)
    m = folium.Map(location=_centre(results), zoom_start=12, tiles=None, control_scale=True,
                   zoom_snap=0.25, zoom_delta=0.5)
    m.default_js = []
    m.default_css = []
    root = m.get_root()
    root.title = _esc(results.config.project.name, 200)
    root.header.add_child(Element('<meta name="referrer" content="no-referrer" />'), name="geolage_referrer")
    root.header.add_child(Element("<style>" + _safe_inline(_leaflet_css()) + "</style>"), name="leaflet_css")
    root.header.add_child(Element("<style>" + _PAGE_CSS + "</style>"), name="geolage_css")
    root.header.add_child(
        Element("<script>" + _safe_inline(_static("leaflet/leaflet.js")) + "</script>"), name="leaflet_js"
    )
    if data["incidents"] is not None:
        root.header.add_child(
            Element("<script>" + _safe_inline(_static("leaflet.heat/leaflet-heat.js")) + "</script>"),
            name="leaflet_heat_js",
        )
    m.add_child(_GeolageLayers(data, background))
    bounds = _bounds(results)
    if bounds is not None:
        m.fit_bounds(bounds)
    n_layers = len(data["layers"]) + bool(data["density"]) + len(data["overlays"])
    log.info(
        "map: %d layers, %d categories, %d periods, mode %s",
        n_layers,
        len(data["categories"]),
        len(data["periods"]),
        mode,
    )
    return m


def _wgs84_extent(results: RunResults) -> tuple[float, float, float, float] | None:
    for layer in (results.districts, results.study_area, results.grid):
        if isinstance(layer, gpd.GeoDataFrame) and not layer.empty and layer.crs is not None:
            return tuple(layer.to_crs(_WGS84).total_bounds)  # type: ignore[return-value]
    return None


def _bounds(results: RunResults) -> list[list[float]] | None:
    ext = _wgs84_extent(results)
    if ext is None:
        return None
    w, s, e, n = ext
    return [[s, w], [n, e]]


def _centre(results: RunResults) -> list[float]:
    ext = _wgs84_extent(results)
    if ext is None:
        return [57.721, 12.940]  # Borås
    w, s, e, n = ext
    return [(s + n) / 2, (w + e) / 2]


def _with_csp(page: str) -> str:
    """Add a Content-Security-Policy that lets only the page's own scripts run.

    Each inline script is allowed by its SHA-256 hash, so markup that slipped into
    the page (it should not: every input text is escaped) could still not run code,
    and nothing but the optional tiles may be fetched from the network.
    """
    hashes = []
    for match in re.finditer(r"<script(?P<attrs>[^>]*)>(?P<code>.*?)</script>", page, flags=re.S | re.I):
        if "application/json" in match.group("attrs"):
            continue
        digest = hashlib.sha256(match.group("code").encode("utf-8")).digest()
        hashes.append("'sha256-" + base64.b64encode(digest).decode("ascii") + "'")
    tiles = _OSM_URL.split("/{", 1)[0]
    policy = (f"default-src 'none'; script-src {' '.join(hashes)}; style-src 'unsafe-inline'; "
              f"img-src data: {tiles}; base-uri 'none'; form-action 'none'")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}" />'
    return page.replace("<head>", "<head>\n" + meta, 1)


def write_map(
    results: RunResults,
    path: str | os.PathLike[str],
    *,
    mode: Literal["public", "internal"] = "public",
    language: str = "sv",
    background: Literal["osm", "none"] = "osm",
) -> Path:
    """Write the interactive map as one self-contained HTML file (atomically).

    Parameters
    ----------
    results : RunResults
    path : str or Path
        The HTML file to write (e.g. ``out/karta.html``); its folder must exist.
    mode, language, background
        As in :func:`make_map`.

    Returns
    -------
    Path
        The written file. It is written to a temporary file in the same folder and
        renamed, so a failed run leaves no half-written map.

    Notes
    -----
    Unlike ``make_map(...).save(path)``, the written page also declares its language
    and a Content-Security-Policy that allows only its own inline scripts (by hash)
    and no network access except the optional OpenStreetMap tiles.
    """
    path = Path(path)
    page = make_map(results, mode=mode, language=language, background=background).get_root().render()
    page = _with_csp(page.replace("<html>", f'<html lang="{language}">', 1))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8", newline="\n") as fh:  # mode from the umask, like any output
            fh.write(page)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("map written: %s (%.0f kB)", path, path.stat().st_size / 1024)
    return path

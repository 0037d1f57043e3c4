"""The district and grid layers of the map: rates as a Fisher–Jenks choropleth, Gi*, LISA and emerging hot spot classes.

A layer is JSON for the page: its places (:func:`~geolage.outputs.map.units.units`),
the tooltip field labels, and per ``"<category index>|<period index or *>"`` a slice
of rows ``[place index, class index or None, [tooltip texts]]`` (with the legend,
for the choropleth, whose classes differ per slice). Every text is HTML-escaped.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from ...classes import EMERGING_CATEGORIES, GISTAR_CLASSES, LISA_CLUSTERS, ClassInfo
from ...run.results import RunResults, Table
from ...run.schemas import SERIES
from ...stats.rates import WHOLE_PERIOD
from ...stats.trends import WHOLE_AREA
from ...text.forecast import METHOD_NAMES
from ...text.format import format_number
from ...text.map import FORECAST_CLASSES, SUPPRESSED_COUNT, TOOLTIP_LABELS
from .escape import esc
from .scale import (
    DIVERGING_COLOURS,
    FLAT_COLOUR,
    REFERENCED_COLUMNS,
    RateScale,
    breaks,
    diverging_labels,
    flat,
    half_widths,
    label_decimals,
    rate_scale,
    ratio_text,
    reference_rates,
)
from .units import SIMPLIFY_METRES, units

__all__ = ["MAP_STYLES", "drawn", "number", "rate_layer", "class_layer", "forecast_layer", "flat", "breaks"]

#: Table styles drawn on the map, in drawing order (bottom first).
MAP_STYLES = ("rate", "count", "lisa", "gistar", "emerging", "forecast")

#: ColorBrewer YlOrRd, the choropleth ramp for 1–5 classes.
_YLORRD = {
    1: ["#fd8d3c"],
    2: ["#fecc5c", "#e31a1c"],
    3: ["#ffeda0", "#feb24c", "#f03b20"],
    4: ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
    5: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
}
_NO_CLASS_COLOUR = "#d0d0d0"
_EXTRA_CLASS_COLOUR = "#999999"

#: Extra tooltip fields per style: (column, decimals); labels in :data:`geolage.text.map.TOOLTIP_LABELS`.
_FIELDS: dict[str, tuple[tuple[str, int], ...]] = {
    "gistar": (("gistar_z", 2), ("gistar_p", 4), ("gistar_q", 4)),
    "lisa": (("lisa_i", 3), ("lisa_p", 4), ("lisa_q", 4)),
    "emerging": (("emerging_mk_z", 2), ("emerging_mk_p", 4), ("n_hot_bins", 0), ("n_cold_bins", 0)),
    "forecast": (("score", 3), ("rank", 0)),
}
#: Forecast classes: the cells in the top 1 %, 5 % and 10 % of the study area (darkest first).
FORECAST_CLASS_INFO = {
    code: ClassInfo(code, FORECAST_CLASSES[code]["sv"], FORECAST_CLASSES[code]["en"], colour)
    for code, colour in (("top_1", "#54278f"), ("top_5", "#807dba"), ("top_10", "#cbc9e2"))
}
#: Forecast methods drawn on the map, in order of preference (the first one the run has).
_FORECAST_METHODS = ("prospective", "glm")
_CLASSES: dict[str, dict[str, ClassInfo]] = {
    "gistar": GISTAR_CLASSES,
    "lisa": LISA_CLUSTERS,
    "emerging": EMERGING_CATEGORIES,
    "forecast": FORECAST_CLASS_INFO,
}
#: The class column of each style, when the table names none (``Table.style_column``).
_CLASS_COLUMNS = {"gistar": "gistar_class", "lisa": "lisa_cluster", "emerging": "emerging_category",
                  "forecast": "forecast_class"}
#: Class codes left out of grid layers (they would cover the whole study area).
_BACKGROUND_CODES = {"not_significant", "no_pattern"}


def drawn(table: Table) -> bool:
    """True for the tables the map draws (district rates; Gi*, LISA, emerging for districts and cells)."""
    if not table.is_spatial or table.style not in MAP_STYLES or table.data.empty:
        return False
    if table.style in ("rate", "count") and "district_id" not in table.data.columns:
        return False  # counts per grid cell: the density surface shows them better
    return True


# --------------------------------------------------------------------------- tooltip texts
def number(value: Any, decimals: int, language: str) -> str:
    """A number for people (:func:`geolage.text.format.format_number`); text is escaped as it is."""
    if isinstance(value, str):
        return esc(value)
    return esc(format_number(value, language, decimals))


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
    # each distinct value formatted once (a grid layer repeats few values over many cells)
    codes, uniques = pd.factorize(data[column], use_na_sentinel=True)
    texts = [number(v, decimals, language) for v in uniques.tolist()] + [number(float("nan"), decimals, language)]
    out = [texts[c] for c in codes.tolist()]  # code -1 (a missing value) is the last text
    if min_count is not None:
        label = esc(SUPPRESSED_COUNT[language].format(k=min_count))
        out = [label if hidden else text for text, hidden in zip(out, _flags(data, column), strict=True)]
    return out


def _p_texts(data: pd.DataFrame, column: str, language: str) -> list[str]:
    """p- and q-values with 4 decimals; values under 0.0001 as ``<0,0001``."""
    tiny = "&lt;" + number(0.0001, 4, language)  # HTML-escaped "<"
    values = pd.to_numeric(data[column], errors="coerce").tolist()
    return [tiny if 0 <= v < 0.0001 else number(v, 4, language) for v in values]


def _rows(*columns: list[str], n: int) -> list[list[str]]:
    """Per row, the texts of ``columns`` (one list per tooltip field)."""
    return [list(t) for t in zip(*columns, strict=True)] if columns else [[] for _ in range(n)]


# --------------------------------------------------------------------------- slices
def _slice_keys(data: pd.DataFrame, categories: list[str], periods: list[str]) -> np.ndarray:
    """``"<category index>|<period index or *>"`` for every row."""
    if "category" in data.columns:
        cat = data["category"].astype(str).map({c: i for i, c in enumerate(categories)}).astype(str)
    else:
        cat = pd.Series("0", index=data.index)
    if "period" in data.columns:
        per = data["period"].astype(str).map({p: i for i, p in enumerate(periods)}).astype(str)
        return (cat + "|" + per).to_numpy()
    return (cat + "|*").to_numpy()


def _positions(data: pd.DataFrame, places: dict[str, Any]) -> np.ndarray:
    """Index of each row's place in ``places["ids"]`` (NaN when the place has no geometry entry)."""
    position = {uid: i for i, uid in enumerate(places["ids"])}
    return data[places["id_col"]].astype(str).map(position).to_numpy()


def _page_units(places: dict[str, Any]) -> dict[str, Any]:
    """The places as the page gets them (``features``, or ``cells`` and ``step``)."""
    return {k: v for k, v in places.items() if k not in ("id_col", "ids")}


def _title(table: Table, language: str) -> str:
    return esc(table.title.get(language) or table.title.get("sv") or table.name)


# --------------------------------------------------------------------------- choropleth
def _class_legend(finite: np.ndarray, bounds: list[float], language: str) -> list[dict[str, str]]:
    """Legend rows ``lower – upper`` (or one value) of the choropleth classes, in YlOrRd.

    The labels get as many decimals as it takes to tell the bounds apart, so no two
    rows read the same.
    """
    colours = _YLORRD.get(len(bounds), [])
    legend = []
    lower = float(finite.min()) if finite.size else 0.0
    d = label_decimals(lower, bounds)
    for i, upper in enumerate(bounds):
        low, high = number(lower, d, language), number(upper, d, language)
        legend.append({"label": high if low == high else f"{low} – {high}", "color": colours[i]})
        lower = upper
    return legend


def _diverging(scale: RateScale, ui: dict[str, str], language: str, per: str
               ) -> tuple[list[float], list[dict[str, str]], str]:
    """Legend rows and the note of the five classes symmetric around the reference (:func:`.scale.rate_scale`)."""
    labels = diverging_labels(scale, ui, language)
    legend = [{"label": esc(text), "color": colour} for text, colour in zip(labels, DIVERGING_COLOURS, strict=True)]
    d = label_decimals(scale.bounds[0], [*scale.bounds[1:4], float(scale.reference or 0.0)])
    b1 = ratio_text((scale.steps or (1.0, 1.0))[0], language)
    note = ui["rates_diverging"].format(ref=number(scale.reference, d, language), per=per, b1=b1)
    return scale.bounds, legend, esc(note, 1000)


def _slice_classes(vals: np.ndarray, half: np.ndarray, reference: float | None, ui: dict[str, str],
                   language: str, per: str = "") -> tuple[list[float], list[dict[str, str]], str]:
    """Class bounds, legend rows and a note for one category/period of the choropleth.

    The classes are :func:`.scale.rate_scale`'s (the QGIS style uses the same): one neutral
    class when the spread is within the uncertainty; else five classes symmetric around
    ``reference`` when there is one; else Fisher–Jenks classes.
    """
    scale = rate_scale(vals, half, reference)
    finite = vals[np.isfinite(vals)]
    if not scale.bounds:
        return [], [], ""
    if scale.kind == "flat":
        low, high = float(finite.min()), float(finite.max())
        d = label_decimals(low, [high]) if high > low else 1
        label = ui["one_class"].format(low=number(low, d, language), high=number(high, d, language))
        ci = number(float(np.nanmedian(half)) if np.isfinite(half).any() else 0.0, d, language)
        note = ui["rates_flat"].format(low=number(low, d, language), high=number(high, d, language), ci=ci)
        return scale.bounds, [{"label": label, "color": FLAT_COLOUR}], note
    if scale.kind == "diverging":
        return _diverging(scale, ui, language, per)
    return scale.bounds, _class_legend(finite, scale.bounds, language), ui["rates_jenks"]


def _rate_texts(table: Table, column: str, min_count: int, language: str) -> list[list[str]]:
    """Tooltip texts per row: count, population, rate, confidence interval, smoothed rate."""
    data = table.data
    low, high = _texts(data, "rate_ci_low", 1, language), _texts(data, "rate_ci_high", 1, language)
    return _rows(
        _texts(data, "count", 0, language, min_count=min_count),
        _texts(data, "population", 0, language),
        _texts(data, "rate", 1, language),
        [f"{lo} – {hi}" if lo != "–" and hi != "–" else "–" for lo, hi in zip(low, high, strict=True)],
        _texts(data, column, 1, language),
        n=len(data),
    )


def rate_layer(results: RunResults, table: Table, categories: list[str], periods: list[str],
               ui: dict[str, str], language: str) -> dict[str, Any]:
    """A choropleth of district rates: Fisher–Jenks classes of the smoothed rate, per category and period.

    Places with no value are grey, with the reason in the legend (withheld in public
    mode, or missing).
    """
    stats = results.config.statistics
    min_count = results.config.output.min_count
    per = number(stats.rate_per, 0, language)
    conf = number(stats.confidence * 100, 0, language)
    column = table.style_column or ("eb_rate" if "eb_rate" in table.data.columns else "rate")
    data = table.data
    places = units(results, data, SIMPLIFY_METRES)
    hidden = np.zeros(len(data), dtype=bool)
    for c in (c for c in (*table.count_columns, "count") if c in data.columns):
        hidden |= _flags(data, c)
    texts = _rate_texts(table, column, min_count, language)
    values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float)
    half = half_widths(data)
    pos = _positions(data, places)
    keys = _slice_keys(data, categories, periods)
    series = results.tables.get(SERIES.name)
    references = reference_rates(data, series.data if series is not None else None, stats.rate_per, WHOLE_AREA,
                                 WHOLE_PERIOD) if "category" in data.columns and "period" in data.columns else {}
    key_of = {(str(c), str(p)): k for c, p, k in zip(data.get("category", []), data.get("period", []), keys,
                                                      strict=False)}
    reference_of = {key_of[cp]: value for cp, value in references.items() if cp in key_of}
    slices: dict[str, Any] = {}
    for key in pd.unique(keys):
        idx = np.flatnonzero(keys == key)
        vals = values[idx]
        reference = reference_of.get(key) if column in REFERENCED_COLUMNS else None
        bounds, legend, note = _slice_classes(vals, half[idx], reference, ui, language, per)
        classes = np.searchsorted(np.asarray(bounds), vals, side="left") if bounds else np.zeros(len(vals), int)
        classes = np.minimum(classes, max(len(bounds) - 1, 0))
        rows, missing = [], set()
        for j, i in enumerate(idx):
            cls = int(classes[j]) if np.isfinite(vals[j]) and bounds else None
            if cls is None:
                missing.add(ui["suppressed"].format(k=min_count) if hidden[i] else ui["missing"])
            if not pd.isna(pos[i]):
                rows.append([int(pos[i]), cls, texts[i]])
        legend += [{"label": text, "color": _NO_CLASS_COLOUR} for text in sorted(missing)]
        slices[str(key)] = {"legend": legend, "rows": rows, "note": note}
    return {
        "id": table.name, "kind": "choropleth", "title": _title(table, language), "show": True,
        "by_period": "period" in data.columns,
        "unit_label": ui["district"] if places["id_col"] == "district_id" else ui["cell"],
        "fields": [ui["count"], ui["population"], ui["rate"].format(per=per), ui["ci"].format(conf=conf),
                   ui["eb_rate"]],
        "note": ui["rates_note"].format(per=per),
        "empty": ui["no_data"],
        **_page_units(places),
        "slices": slices,
    }


# --------------------------------------------------------------------------- classes
def class_layer(results: RunResults, table: Table, categories: list[str], periods: list[str],
                ui: dict[str, str], language: str) -> dict[str, Any]:
    """Gi*, LISA or emerging hot spot classes per district or grid cell, per category (and period).

    Grid layers keep only the cells with a class that says something (not
    ``not_significant`` / ``no_pattern``), which keeps the page small.
    """
    style = table.style or ""
    classes = _CLASSES[style]
    column = table.style_column or _CLASS_COLUMNS[style]
    data = table.data
    is_grid = "district_id" not in data.columns
    if is_grid:  # keep the file small: only the cells that say something
        data = data[~data[column].astype(str).isin(_BACKGROUND_CODES)]
    codes = [c for c in classes if not (is_grid and c in _BACKGROUND_CODES)]
    extra = sorted(set(data[column].dropna().astype(str)) - set(classes))
    legend = [{"label": esc(classes[c].en if language == "en" else classes[c].sv), "color": classes[c].color}
              for c in codes]
    legend += [{"label": esc(code), "color": _EXTRA_CLASS_COLOUR} for code in extra]
    index = {c: i for i, c in enumerate([*codes, *extra])}
    fields = [(c, d) for c, d in _FIELDS.get(style, ()) if c in data.columns]
    count_cols = [c for c in table.count_columns if c in data.columns]
    layer: dict[str, Any] = {
        "id": table.name, "kind": "classes", "title": _title(table, language), "show": False,
        "by_period": "period" in data.columns,
        "unit_label": ui["cell"] if is_grid else ui["district"],
        "fields": [ui["class"], *(TOOLTIP_LABELS[c][language] for c, _ in fields), *[ui["count"]] * len(count_cols)],
        "classes": legend, "note": ui.get(f"{style}_note", ""),
        "empty": ui["no_significant"] if is_grid else ui["no_data"],
        "features": [], "slices": {},
    }
    if data.empty:
        return layer
    places = units(results, data, None if is_grid else SIMPLIFY_METRES)
    texts = _rows(
        *(_p_texts(data, c, language) if c.endswith(("_p", "_q")) else _texts(data, c, d, language) for c, d in fields),
        *(_texts(data, c, 0, language, min_count=results.config.output.min_count) for c in count_cols),
        n=len(data),
    )
    cls = [index.get(c) for c in data[column].astype(str)]
    pos = _positions(data, places)
    slices: dict[str, Any] = {}
    for i, key in enumerate(_slice_keys(data, categories, periods)):
        slices.setdefault(str(key), {"rows": []})["rows"].append([int(pos[i]), cls[i], texts[i]])
    layer.update(_page_units(places))
    layer["slices"] = slices
    return layer


# --------------------------------------------------------------------------- forecast
def _forecast_classes(data: pd.DataFrame) -> pd.Series:
    """``top_1`` / ``top_5`` / ``top_10`` / None per cell, from ``in_top_*`` or else from the rank."""
    out = pd.Series([None] * len(data), index=data.index, dtype=object)
    for share, code in ((0.10, "top_10"), (0.05, "top_5"), (0.01, "top_1")):
        column = f"in_top_{round(share * 100)}"
        if column in data.columns:
            top = data[column].fillna(False).astype(bool)
        else:
            n = data.groupby("category")["rank"].transform("count") if "category" in data.columns else len(data)
            top = pd.to_numeric(data["rank"], errors="coerce") <= np.ceil(share * n)
        out[top.to_numpy()] = code
    return out


def forecast_layer(results: RunResults, table: Table, categories: list[str], periods: list[str],
                   ui: dict[str, str], language: str) -> dict[str, Any]:
    """The forecast for the next period: the cells in the top 1/5/10 % by score, one method.

    The method is the first of ``prospective``, ``glm`` the run has (else the first in
    the table); the legend names it and the forecast period.
    """
    data = table.data
    methods = [str(m) for m in pd.unique(data["method"])] if "method" in data.columns else []
    method = next((m for m in _FORECAST_METHODS if m in methods), methods[0] if methods else "")
    if method:
        data = data[data["method"].astype(str) == method]
    data = data.assign(forecast_class=_forecast_classes(data))
    data = data[data["forecast_class"].notna()]
    shown = dataclasses.replace(table, data=data, style="forecast", style_column="forecast_class")
    layer = class_layer(results, shown, categories, periods, ui, language)
    start = str(data["period_start"].iloc[0]) if "period_start" in data.columns and len(data) else ""
    end = str(data["period_end"].iloc[0]) if "period_end" in data.columns and len(data) else ""
    layer["title"] = esc(ui["forecast"])
    name = METHOD_NAMES[method][language] if method in METHOD_NAMES else method
    layer["note"] = esc(ui["forecast_note"].format(start=start, end=end, method=name), 1000)
    return layer

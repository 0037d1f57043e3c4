"""Everything the map draws, as one JSON-ready dict: layers, density images, overlays, incident points, labels.

The dict is embedded in the page (``<script type="application/json" id="geolage-data">``)
and drawn by ``geolage/templates/map.js.j2``. Every text from input data is
HTML-escaped here; numbers for people are written by :func:`geolage.text.format.format_number`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd

from ...categories import ALL_CATEGORIES, CATEGORIES
from ...periods import period_labels
from ...run import schemas
from ...run.results import Raster, RunResults, Table
from ...stats.rates import WHOLE_PERIOD
from ...text.format import check_language
from ...text.labels import category_label
from ...text.map import map_ui
from ..common import check_mode, public_view
from ..names import output_code
from .density import density_layers
from .escape import esc
from .layers import MAP_STYLES, class_layer, drawn, forecast_layer, rate_layer
from .places import district_labels, focus_areas, police_layers, zoom_targets
from .units import WGS84

__all__ = ["map_data"]

#: Key of the incident points in the map data (internal mode; ``D.incidents`` in the page's script).
INCIDENTS_KEY = schemas.INCIDENTS.name


# --------------------------------------------------------------------------- what may be shown
def _without_grid_counts(table: Table) -> Table:
    """A grid table without its count columns: public grid layers show classes, not counts.

    Cell counts under the threshold are withheld anyway; leaving them out keeps the
    public map simple.
    """
    data = table.data
    if "cell_id" not in data.columns or "district_id" in data.columns:
        return table
    drop = [c for c in (*table.count_columns, "count") if c in data.columns]
    return dataclasses.replace(table, data=data.drop(columns=drop), count_columns=())


def _shown(results: RunResults, mode: str, language: str) -> tuple[RunResults, list[Table], dict[str, Raster]]:
    """The run as the map of ``mode`` may show it, its drawn tables (in drawing order) and density rasters.

    The public view comes from :func:`geolage.outputs.common.public_view`. When the
    map makes that view itself (``write_map`` on a run that is not public yet), its
    grid layers also leave out the cell counts; a run already made public (as
    :func:`geolage.outputs.write_outputs` does) keeps the cell counts, withheld where
    small, in the grid tooltips. Both behaviours are kept as they were.
    """
    view = public_view(results, mode, language)
    tables = [t for t in view.tables.values() if drawn(t)]
    if view is not results:
        tables = [_without_grid_counts(t) for t in tables]
    tables.sort(key=lambda t: MAP_STYLES.index(t.style or ""))
    rasters = {name: r for name, r in view.rasters.items() if name.startswith(schemas.KDE_PREFIX)}
    return view, tables, rasters


def _without_empty_rates(view: RunResults, layers: list[dict[str, Any]]) -> None:
    """Hide the rate layer at start when no district has a population (it would be all grey).

    Counts and density show instead; a run without districts leaves the layer out (its one
    district is the study area).
    """
    d = view.districts
    if d is not None and "population" in d.columns and d["population"].notna().any():
        return
    for layer in list(layers):
        if layer["id"] == schemas.RATES_DISTRICT.name:
            if view.config.districts is None:
                layers.remove(layer)
            else:
                layer["show"] = False


# --------------------------------------------------------------------------- categories and periods
def _category_order(codes: Iterable[str]) -> list[str]:
    """All categories first, then the known categories in their order, then any others sorted."""
    codes = {str(c) for c in codes}
    known = list(CATEGORIES)
    first = [ALL_CATEGORIES] if ALL_CATEGORIES in codes else []
    return first + [c for c in known if c in codes] + sorted(codes - set(known) - {ALL_CATEGORIES})


def _categories_and_periods(tables: list[Table], rasters: dict[str, Raster]) -> tuple[list[str], list[str]]:
    """The category codes and period labels the selector offers (whole span first)."""
    cats: set[str] = set()
    pers: set[str] = set()
    for t in tables:
        if "category" in t.data.columns:
            cats.update(t.data["category"].dropna().astype(str).unique())
        if "period" in t.data.columns:
            pers.update(t.data["period"].dropna().astype(str).unique())
    cats.update(name.removeprefix(schemas.KDE_PREFIX) for name in rasters)
    categories = _category_order(cats) or [ALL_CATEGORIES]
    periods = ([WHOLE_PERIOD] if WHOLE_PERIOD in pers else []) + sorted(pers - {WHOLE_PERIOD})
    return categories, periods


#: A quarter's label in the analysis (``2024K3``, kvartal); English runs write ``2024Q3``.
_QUARTER = re.compile(r"(\d{4})K([1-4])")


def said(code: str, language: str) -> str:
    """A category code or period label as a run in ``language`` writes it in the map's data.

    English runs write ``all``, ``whole_period``, ``residential_burglary`` … and ``2024Q3``
    (:func:`geolage.outputs.names.output_code`); Swedish runs the internal codes.

    Parameters
    ----------
    code : str
    language : {"sv", "en"}

    Returns
    -------
    str
    """
    code = output_code(code, language)
    return _QUARTER.sub(r"\1Q\2", code) if language == "en" else code


def _span(periods: list[str]) -> str:
    """``"2019–2025"``: the first and last period label (the whole span of the run)."""
    own = [p for p in periods if p != WHOLE_PERIOD]
    if not own:
        return ""
    return own[0] if own[0] == own[-1] else f"{own[0]}–{own[-1]}"


def _category_text(code: str, ui: dict[str, str], language: str) -> str:
    return ui["all_categories"] if code == ALL_CATEGORIES else category_label(code, language)


# --------------------------------------------------------------------------- overlays and incidents
def _incident_points(results: RunResults, categories: list[str], periods: list[str]) -> list[list[Any]]:
    """Internal mode: incidents as [lat, lon, category index, period index] (WGS84, 5 decimals)."""
    inc = results.incidents
    if inc is None or inc.empty:
        return []
    inc = inc[inc.geometry.notna() & ~inc.geometry.is_empty]
    pts = inc.geometry.to_crs(WGS84)
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


def _clean_numbers(obj: Any) -> Any:
    """NaN/inf to None and numpy scalars to Python (JSON has no NaN).

    The map's data is mostly plain floats, ints and strings in lists (coordinates, values),
    so those exact types are answered first; anything else (containers, numpy scalars,
    subclasses) takes the general path, with the same result.
    """
    kind = type(obj)
    if kind is float:
        return obj if math.isfinite(obj) else None
    if kind is str or kind is int or obj is None:
        return obj
    if kind is list:
        return [_clean_numbers(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _clean_numbers(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean_numbers(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


# --------------------------------------------------------------------------- the map data
def map_data(
    results: RunResults, *, mode: Literal["public", "internal"] = "public", language: str = "sv"
) -> dict[str, Any]:
    """Everything the map draws, as JSON-ready data with every input text HTML-escaped.

    Parameters
    ----------
    results : RunResults
        A finished run.
    mode : {"public", "internal"}
        ``"public"`` shows the public view of the run
        (:func:`geolage.outputs.common.public_view`): no internal-only tables, no
        incident points, counts under ``config.output.min_count`` withheld.
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
    check_mode(mode)
    check_language(language)
    ui = map_ui(language)
    view, tables, rasters = _shown(results, mode, language)
    categories, periods = _categories_and_periods(tables, rasters)
    makers = {"rate": rate_layer, "count": rate_layer, "forecast": forecast_layer}
    layers = [makers.get(t.style or "", class_layer)(view, t, categories, periods, ui, language) for t in tables]
    _without_empty_rates(view, layers)
    banners = []
    if view.config.project.synthetic:
        banners.append({"text": ui["synthetic"], "kind": "synthetic"})
    if mode == "internal":
        banners.append({"text": ui["internal"], "kind": "internal"})
    data: dict[str, Any] = {
        "ui": ui,
        "title": esc(view.config.project.name, 200),
        "banners": banners,
        "categories": [{"code": esc(said(c, language)), "label": esc(_category_text(c, ui, language))}
                       for c in categories],
        "periods": [{"code": esc(said(p, language)), "label": ui["whole_span"] if p == WHOLE_PERIOD
                     else esc(said(p, language))} for p in periods],
        "layers": layers,
        "density": density_layers(rasters, categories, ui, language),
        "overlays": police_layers(view, language),
        "focus": focus_areas(view),
        "labels": district_labels(view),
        "zoom": zoom_targets(view, ui["whole_area"]),
        "span": esc(said(_span(periods), language)),
        INCIDENTS_KEY: None,
    }
    if mode == "internal":
        data[INCIDENTS_KEY] = {
            "title": ui["heat_map"],
            "note": ui["incidents_note"],
            "points": _incident_points(view, categories, periods),
        }
    return _clean_numbers(data)

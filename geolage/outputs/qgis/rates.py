"""The classes of a rate layer in QGIS: the interactive map's (one source of breaks, :mod:`geolage.outputs.map.scale`).

District rates are compared with the whole municipality's rate on a diverging scale (blue lower, light
about the same, red higher), shown as one class when the rates differ less than their uncertainty, and
classified by Fisher–Jenks only when there is no reference. The QGIS layer opens on one category and
period (:func:`geolage.outputs.gpkg.default_filter`); its classes are the map's for that slice, and the
legend's first row says which category, which period and the unit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...categories import ALL_CATEGORIES
from ...run.schemas import SERIES
from ...stats.rates import WHOLE_PERIOD
from ...stats.trends import WHOLE_AREA
from ...text.format import check_language, format_number
from ...text.labels import ALL_CATEGORIES_LABEL, RATE_LEGEND_HEADING, VALUE_LABELS, category_label
from ...text.map import map_ui
from ..map.scale import (
    DIVERGING_COLOURS,
    FLAT_COLOUR,
    REFERENCED_COLUMNS,
    RateScale,
    diverging_labels,
    label_decimals,
    rate_scale,
    reference_rates,
)
from .styles import RAMPS, GraduatedClass

__all__ = ["RateLegend", "rate_legend", "rate_classes", "rate_heading", "series_of"]


@dataclass(frozen=True)
class RateLegend:
    """What a rate layer's classes need besides its values: the map's reference and the legend's heading.

    ``reference``: the whole area's rate of the slice shown (None: unknown, so Fisher–Jenks classes);
    ``heading``: category, period and unit (:func:`rate_heading`); ``span``: the lowest and highest
    rate of the whole layer (every slice), so that every row gets a colour.
    """

    reference: float | None
    heading: str
    span: tuple[float, float]


def rate_heading(what: str, rate_per: float, language: str) -> str:
    """The heading of a rate legend, e.g. ``"Alla brott, hela perioden 2021–2025: brott per 1 000 invånare och år"``.

    ``what`` (category and period, in words) may be empty: then only the unit.
    """
    unit = RATE_LEGEND_HEADING[check_language(language)].format(what="", per=format_number(rate_per, language, 0))
    return RATE_LEGEND_HEADING[language].format(what=what, per=format_number(rate_per, language, 0)) if what \
        else unit.removeprefix(": ").capitalize()


def _only(data: pd.DataFrame, column: str, filters: Mapping[str, str]) -> str | None:
    """The value of ``column`` in the rows shown: the filter's, or the column's one value."""
    if column in filters:
        return filters[column]
    if column not in data.columns:
        return None
    values = pd.unique(data[column].dropna().astype(str))
    return str(values[0]) if len(values) == 1 else None


def _period_words(period: str | None, data: pd.DataFrame, language: str) -> str:
    """``"hela perioden 2021–2025"`` for the whole span (its first and last period), else the period label."""
    if period is None:
        return ""
    if period != WHOLE_PERIOD:
        return period
    words = VALUE_LABELS["period"][WHOLE_PERIOD][language]
    others = sorted(p for p in pd.unique(data["period"].dropna().astype(str)) if p != WHOLE_PERIOD)
    return f"{words} {others[0]}–{others[-1]}" if len(others) > 1 else words


def rate_legend(data: pd.DataFrame, column: str, filters: Mapping[str, str], series: pd.DataFrame | None,
                rate_per: float, language: str) -> RateLegend | None:
    """The reference and heading of a rate table's default view, as the map computes them.

    Parameters
    ----------
    data : DataFrame
        The rate table as the output shows it (public or internal), with the internal codes
        (``alla``, ``hela``).
    column : str
        The column mapped; only :data:`~geolage.outputs.map.scale.REFERENCED_COLUMNS` get the map's classes.
    filters : mapping
        The default view (:func:`geolage.outputs.gpkg.default_filter` of ``data``).
    series : DataFrame, optional
        The ``series`` table (the whole area's counts and exposure).
    rate_per : float
        Rates are per this many residents and year.
    language : {"sv", "en"}

    Returns
    -------
    RateLegend or None
        None when ``column`` is not a rate compared with the whole area or is not in ``data``.
    """
    if column not in REFERENCED_COLUMNS or column not in data.columns:
        return None
    category, period = _only(data, "category", filters), _only(data, "period", filters)
    reference = None
    if category is not None and period is not None:
        references = reference_rates(data, series, rate_per, WHOLE_AREA, WHOLE_PERIOD)
        reference = references.get((category, period))
    if category is None:
        words = ""
    elif category == ALL_CATEGORIES:
        words = ALL_CATEGORIES_LABEL[language]
    else:
        words = category_label(category, language)
    period_words = _period_words(period, data, language) if "period" in data.columns else ""
    heading = rate_heading(", ".join(w for w in (words, period_words) if w), rate_per, language)
    values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    span = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    return RateLegend(reference, heading, span)


def series_of(tables: Mapping[str, object]) -> pd.DataFrame | None:
    """The ``series`` table's data among a run's tables (None when the run has none)."""
    table = tables.get(SERIES.name)
    return getattr(table, "data", None)


def rate_classes(values: Iterable[float], half_widths: Iterable[float], legend: RateLegend, *,
                 language: str = "sv") -> list[GraduatedClass]:
    """The classes of a rate layer: the map's (:func:`geolage.outputs.map.scale.rate_scale`), with its texts.

    Parameters
    ----------
    values : iterable of float
        The rates shown by default (one category and period); NaN ignored.
    half_widths : iterable of float
        Half the width of each rate's confidence interval (NaN unknown), same order.
    legend : RateLegend
        Reference, heading and the layer's whole span of rates.
    language : {"sv", "en"}

    Returns
    -------
    list of GraduatedClass
        The map's classes with its legend texts, the first prefixed with ``legend.heading``.
        Inner bounds are the map's. Diverging and single classes start at the lowest and end
        at the highest rate of the whole layer, so a row of another category or period gets a
        colour too; Fisher–Jenks classes span the rates shown. Empty when no value is finite.
    """
    y = np.asarray(list(values), dtype=float)
    scale = rate_scale(y, np.asarray(list(half_widths), dtype=float), legend.reference)
    if not scale.bounds:
        return []
    finite = y[np.isfinite(y)]
    low, high = float(finite.min()), float(finite.max())
    if scale.kind != "jenks":  # open-ended classes ("under 6,7", "över 15,0"): every rate of the layer
        low = min(low, legend.span[0])
        high = max(high, legend.span[1], *(b for b in scale.bounds if math.isfinite(b)))
    labels, colours = _texts(scale, finite, language)
    if legend.heading:
        labels = [f"{legend.heading} – {labels[0]}", *labels[1:]]
    uppers = [*scale.bounds[:-1], high]
    out, lower = [], low
    for upper, colour, label in zip(uppers, colours, labels, strict=True):
        out.append(GraduatedClass(lower, upper, colour, label))
        lower = upper
    return out


def _texts(scale: RateScale, finite: np.ndarray, language: str) -> tuple[list[str], Sequence[str]]:
    """Legend texts and colours of the classes, as the map writes them."""
    ui = map_ui(language)
    if scale.kind == "flat":
        low, high = float(finite.min()), float(finite.max())
        d = label_decimals(low, [high]) if high > low else 1
        return [ui["one_class"].format(low=format_number(low, language, d),
                                       high=format_number(high, language, d))], [FLAT_COLOUR]
    if scale.kind == "diverging":
        return diverging_labels(scale, ui, language), DIVERGING_COLOURS
    lows = [float(finite.min()), *scale.bounds[:-1]]
    d = label_decimals(lows[0], scale.bounds)
    labels = []
    for a, b in zip(lows, scale.bounds, strict=True):
        x, y = format_number(a, language, d), format_number(b, language, d)
        labels.append(y if x == y else f"{x} – {y}")
    ramp = RAMPS["YlOrRd"]
    return labels, [ramp[round(i * (len(ramp) - 1) / max(len(labels) - 1, 1))] for i in range(len(labels))]

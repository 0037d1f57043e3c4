"""Words of the interactive map (``karta.html``): controls, legends, tooltips and banners, in Swedish and English.

Category and class labels come from :mod:`geolage.text.labels`; numbers are written by
:mod:`geolage.text.format`. The texts here are plain (no markup); the map escapes
them where needed.
"""

from __future__ import annotations

from .format import Text, check_language

__all__ = ["MAP_UI", "TOOLTIP_LABELS", "SUPPRESSED_COUNT", "map_ui"]

#: Labels of the page's controls, legends and tooltips. ``{k}``, ``{per}``, ``{conf}`` and ``{n}``
#: are filled in by the map (``{n}`` by the page's script, in the browser).
MAP_UI: dict[str, Text] = {
    "category": Text("Kategori", "Category"),
    "period": Text("Period", "Period"),
    "all_categories": Text("Alla kategorier", "All categories"),
    "whole_span": Text("Hela perioden", "Whole period"),
    "background": Text("Bakgrund", "Background"),
    "osm": Text("OpenStreetMap", "OpenStreetMap"),
    "no_background": Text("Ingen bakgrund", "No background"),
    "tiles_failed": Text(
        "Bakgrundskartan kunde inte laddas – visar ingen bakgrund.",
        "The background map could not be loaded – showing no background.",
    ),
    "synthetic": Text("Syntetiska demodata – inte verkliga brott", "Synthetic demo data – not real crimes"),
    "internal": Text("INTERN – får inte spridas", "INTERNAL – do not distribute"),
    "no_data": Text("Inga data för vald kategori/period", "No data for the selected category/period"),
    "suppressed": Text("Dolt: färre än {k} brott", "Suppressed: fewer than {k} incidents"),
    "missing": Text("Uppgift saknas", "No data"),
    "no_significant": Text(
        "Inga signifikanta områden för vald kategori", "No significant areas for the selected category"
    ),
    "district": Text("Område", "District"),
    "cell": Text("Ruta", "Cell"),
    "class": Text("Klass", "Class"),
    "count": Text("Antal brott", "Incidents"),
    "population": Text("Invånare", "Residents"),
    "rate": Text("Brott per {per} invånare", "Incidents per {per} residents"),
    "ci": Text("{conf} % konfidensintervall", "{conf}% confidence interval"),
    "eb_rate": Text("Utjämnad takt (empirisk Bayes)", "Smoothed rate (empirical Bayes)"),
    "density": Text("Täthet (KDE)", "Density (KDE)"),
    "density_unit": Text("brott per km²", "incidents per km²"),
    "heat_map": Text("Brott (värmekarta, intern)", "Incidents (heat map, internal)"),
    "incidents_note": Text("Enskilda brott – endast intern version", "Single incidents – internal version only"),
    "rates_note": Text(
        "Utjämnad takt per {per} invånare (empirisk Bayes); klassgränser: Fisher–Jenks, {k} klasser",
        "Smoothed rate per {per} residents (empirical Bayes); class breaks: Fisher–Jenks, {k} classes",
    ),
    "layers": Text("Lager", "Layers"),
    "legend_count": Text("{n} brott", "{n} incidents"),
}

#: Tooltip labels of the statistics shown for Gi*, LISA and emerging hot spot places (by column).
TOOLTIP_LABELS: dict[str, Text] = {
    "gistar_z": Text("Gi* z-värde", "Gi* z-score"),
    "gistar_p": Text("p-värde", "p-value"),
    "gistar_q": Text("q-värde (FDR)", "q-value (FDR)"),
    "lisa_i": Text("Lokalt Moran I", "Local Moran's I"),
    "lisa_p": Text("p-värde", "p-value"),
    "lisa_q": Text("q-värde (FDR)", "q-value (FDR)"),
    "emerging_mk_z": Text("Trend (Mann–Kendall z)", "Trend (Mann–Kendall z)"),
    "emerging_mk_p": Text("Trend p-värde", "Trend p-value"),
    "n_hot_bins": Text("Perioder som hot spot", "Periods as hot spot"),
    "n_cold_bins": Text("Perioder som cold spot", "Periods as cold spot"),
}

#: Shown in a tooltip instead of a count that the public map withholds (``{k}`` = ``output.min_count``).
SUPPRESSED_COUNT = Text("<{k} (dolt)", "<{k} (suppressed)")


def map_ui(language: str) -> dict[str, str]:
    """The map's control, legend and tooltip labels in ``language`` (``"sv"`` or ``"en"``)."""
    check_language(language)
    return {key: text[language] for key, text in MAP_UI.items()}

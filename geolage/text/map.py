"""Words of the interactive map (``karta.html``): controls, legends, tooltips and banners, in Swedish and English.

Category and class labels come from :mod:`geolage.text.labels`; numbers are written by
:mod:`geolage.text.format`. The texts here are plain (no markup); the map escapes
them where needed.
"""

from __future__ import annotations

from .format import Text, check_language

__all__ = ["MAP_UI", "TOOLTIP_LABELS", "SUPPRESSED_COUNT", "POLICE_CATEGORIES", "FORECAST_CLASSES", "map_ui"]

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
        "Brott per {per} invånare och år, {{period}}, utjämnat (empirisk Bayes) så att små områden inte "
        "sticker ut av slump.",
        "Incidents per {per} residents per year, {{period}}, smoothed (empirical Bayes) so that small districts "
        "do not stand out by chance.",
    ),
    "rates_jenks": Text(
        "Klassgränser: Fisher–Jenks (naturliga brytpunkter i takterna).",
        "Class breaks: Fisher–Jenks (natural breaks in the rates).",
    ),
    "rates_diverging": Text(
        "Färgen jämför med hela kommunen ({ref} brott per {per} invånare och år): ljust = ungefär som "
        "kommunen (inom en faktor {b1}, ungefär osäkerheten i ett områdes takt), rött = högre, blått = lägre.",
        "The colour compares with the whole municipality ({ref} incidents per {per} residents per year): "
        "light = about as the municipality (within a factor of {b1}, about the uncertainty of a district's rate), "
        "red = higher, blue = lower.",
    ),
    "scale_below": Text("under {high} (under {r} × kommunen)", "below {high} (below {r} × the municipality)"),
    "scale_range": Text("{low} – {high} ({rlow}–{rhigh} × kommunen)",
                        "{low} – {high} ({rlow}–{rhigh} × the municipality)"),
    "scale_middle": Text("{low} – {high} (som kommunen: {ref})", "{low} – {high} (as the municipality: {ref})"),
    "scale_above": Text("över {low} (över {r} × kommunen)", "above {low} (above {r} × the municipality)"),
    "rates_flat": Text(
        "Skillnaderna mellan områdena ({low}–{high}) är mindre än osäkerheten i takterna (±{ci} i mitten); "
        "därför visas en enda klass.",
        "The differences between districts ({low}–{high}) are smaller than the uncertainty of the rates "
        "(±{ci} at the median); so one class is shown.",
    ),
    "one_class": Text("Alla områden: {low}–{high}", "All districts: {low}–{high}"),
    "gistar_note": Text(
        "En hot spot är en plats där det sker fler brott än i kommunen i stort, också i grannrutorna runt "
        "omkring – ett område, inte en enstaka adress. Procenten anger hur säkert mönstret inte är slump "
        "(justerat för många test). Gäller {period}.",
        "A hot spot is a place with more incidents than the municipality as a whole, also in the neighbouring "
        "cells around it – an area, not a single address. The percentage says how sure it is that the pattern "
        "is not chance (adjusted for many tests). For {period}.",
    ),
    "lisa_note": Text(
        "Högt omgivet av högt (HH): område med hög takt vars grannar också har hög takt. Gäller {period}.",
        "High-high (HH): a district with a high rate whose neighbours also have high rates. For {period}.",
    ),
    "emerging_note": Text(
        "Hur hot spots har förändrats år för år under hela perioden {span}.",
        "How hot spots have changed year by year over the whole period {span}.",
    ),
    "density_note": Text(
        "Brott per km² under hela perioden {span} (summa, inte per år); utjämnad yta.",
        "Incidents per km² over the whole period {span} (total, not per year); a smoothed surface.",
    ),
    "forecast": Text("Prognos nästa period", "Forecast for the next period"),
    "forecast_note": Text(
        "Rutorna med högst förväntad brottsrisk {start}–{end} enligt {method}; "
        "en prognos, inte ett facit.",
        "The cells with the highest expected crime risk {start}–{end} by {method}; a forecast, "
        "not a certainty.",
    ),
    "zoom_to": Text("Zooma till", "Zoom to"),
    "whole_area": Text("Hela kommunen", "Whole municipality"),
    "focus_areas": Text("Fokusområden", "Focus areas"),
    "police_areas": Text("Polisens utsatta områden", "Police vulnerable areas"),
    "police_years": Text("År", "Years"),
    "police_category": Text("Kategori", "Category"),
    "legend_toggle": Text("Teckenförklaring", "Legend"),
    "period_whole": Text("hela perioden {span}", "the whole period {span}"),
    "layers": Text("Lager", "Layers"),
    "legend_count": Text("{n} brott", "{n} incidents"),
}

#: Tooltip labels of the statistics shown for Gi*, LISA and emerging hot spot places (by column).
TOOLTIP_LABELS: dict[str, Text] = {
    "rank": Text("Rang", "Rank"),
    "score": Text("Prognosvärde (i publika utdata: rang 0–1)", "Forecast score (in public outputs: rank 0–1)"),
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

#: Polisens kategorier av utsatta områden (codes of :func:`geolage.outputs.map.places.police_category`).
POLICE_CATEGORIES: dict[str, Text] = {
    "sarskilt_utsatt": Text("Särskilt utsatt område", "Particularly vulnerable area"),
    "utsatt": Text("Utsatt område", "Vulnerable area"),
    "risk": Text("Riskområde", "Risk area"),
}

#: Classes of the forecast layer: the cells ranked in the top 1 %, 5 % and 10 % of the study area.
FORECAST_CLASSES: dict[str, Text] = {
    "top_1": Text("Högst risk: topp 1 % av ytan", "Highest risk: top 1% of the area"),
    "top_5": Text("Topp 5 % av ytan", "Top 5% of the area"),
    "top_10": Text("Topp 10 % av ytan", "Top 10% of the area"),
}

#: Shown in a tooltip instead of a count that the public map withholds (``{k}`` = ``output.min_count``).
SUPPRESSED_COUNT = Text("<{k} (dolt)", "<{k} (suppressed)")


def map_ui(language: str) -> dict[str, str]:
    """The map's control, legend and tooltip labels in ``language`` (``"sv"`` or ``"en"``)."""
    check_language(language)
    return {key: text[language] for key, text in MAP_UI.items()}

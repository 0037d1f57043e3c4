"""The lägesbild report: one self-contained HTML file (``rapport.html``) and its PDF.

The report follows Brå's structure for a local crime situation picture
(kartläggning → lägesbild → åtgärder): summary, data and method, development over
time, comparison with reference areas, where problems are greatest, time patterns,
deep dives per crime category, forecast with its evaluation, and limitations. It
reads the result tables of a :class:`~geolage.run.results.RunResults` by their registry
names (``docs/DEVELOPING.md``) and says plainly when a part was not computed.

In ``public`` mode (the default) the report is written from
:func:`geolage.run.disclosure.public_results`: no incident points, counts under
``output.min_count`` shown as "<5 (dolt)", no free text. Every text that comes from
input data is HTML-escaped by Jinja2's autoescaping. Charts and maps are PNG images
embedded as ``data:`` URIs; CSS is inline; the file loads nothing from the network.

The PDF is printed from the same HTML by headless Chromium (Debian package
``chromium``; or set ``GEOLAGE_CHROMIUM`` to a Chrome/Chromium executable). When no
browser is found, a :class:`~geolage.errors.GeolageWarning` says so and only the
HTML is written.
"""

from __future__ import annotations

import base64
import contextvars
import datetime as dt
import io
import json
import logging
import math
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ... import __version__
from ...categories import CATEGORIES, category_label
from ...classes import EMERGING_CATEGORIES, GISTAR_CLASSES, LISA_CLUSTERS, ClassInfo, class_label
from ...errors import GeolageWarning
from ...run.disclosure import DEFAULT_COUNT_COLUMNS, public_results, suppressed_label
from ...run.results import RunResults

__all__ = ["write_report", "render_report_html", "format_number", "format_percent", "html_to_pdf", "find_chromium",
           "TEXTS"]

log = logging.getLogger(__name__)

#: False while rendering without figures (``render_report_html(figures=False)``).
_FIGURES: contextvars.ContextVar[bool] = contextvars.ContextVar("geolage_report_figures", default=True)

NBSP = "\u00a0"
MINUS = "\u2212"
_MAX_TEXT = 120

# --------------------------------------------------------------------------- texts
#: Every fixed text of the report, one dict per language.
TEXTS: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Lägesbild: {name}",
        "subtitle": "Lokal lägesbild över brottsligheten {start}–{end}",
        "generated": "Skapad {date} med geolage {version}",
        "public": "Publik version (små tal dolda)",
        "internal": "Intern version – får inte spridas",
        "toc": "Innehåll",
        "synthetic": "Syntetiska demodata – inte verkliga brott",
        "not_computed": "Den här delen har inte beräknats i körningen ({what}).",
        "sec_summary": "Sammanfattning",
        "sec_data": "Data och metod",
        "sec_time": "Utveckling över tid",
        "sec_compare": "Jämförelse med referensområden",
        "sec_where": "Var problemen är störst",
        "sec_patterns": "Tidsmönster",
        "sec_deep": "Fördjupning per brottskategori",
        "sec_forecast": "Prognos och utvärdering",
        "sec_limits": "Begränsningar",
        "summary_intro": "De viktigaste iakttagelserna, räknade fram ur resultaten:",
        "total": "Analysen omfattar {n} registrerade brott under {start}–{end}.",
        "increase": "{cat} ökar i {area} ({pct} per år, {certainty})",
        "decrease": "{cat} minskar i {area} ({pct} per år, {certainty})",
        "sure": "säker förändring",
        "likely": "trolig förändring",
        "no_trends": "Ingen kategori visar en statistiskt säker förändring över tid.",
        "higher": "{area} har {rr} gånger så hög nivå av {cat} som {ref}",
        "lower": "{area} har en lägre nivå av {cat} än {ref} ({rr} gånger så hög)",
        "all_crimes": "brott totalt",
        "ref_rest": "övriga kommunen",
        "ref_all": "kommunen som helhet",
        "ref_list": "jämförelseområdena",
        "funnel_above": "Över den övre kontrollgränsen (99,8 %) i trattdiagrammet: {names}.",
        "hot_cells": "{n} rutor är hot spots med minst 95 % säkerhet (Gi*, alla brott).",
        "concentration": "De 10 % av rutorna med flest brott har {share} av brotten.",
        "emerging": "{n} rutor är nya eller intensifierande hot spots.",
        "forecast_beats": "Prognosmetoder som träffade bättre än basmetoden i utvärderingen (vid andel av ytan): "
                          "{method}.",
        "forecast_not": "Ingen prognosmetod träffade bättre än en enkel basmetod i utvärderingen; "
                        "använd prognosen med försiktighet.",
        "coverage_sum": "Underlaget motsvarar i genomsnitt {share} av de brott Brå redovisar för kommunen "
                        "({year}, jämförbara brottsgrupper).",
        "and_more": " och {n} till",
        "synthetic_note": "Rapporten bygger på syntetiska demodata. Inga slutsatser om verkliga förhållanden "
                          "får dras.",
        "public_note": "Publik version: antal under {k} visas som ”{label}”, och värden som kan räknas fram ur "
                       "dem (t.ex. takter) döljs också. Inga enskilda brott visas.",
        "sources": "Källor",
        "sources_used": "Använda källor: {names}.",
        "not_used": "Inte använt i denna körning: {names}.",
        "src_bra": "Brås statistik över anmälda brott",
        "src_pop": "befolkning per område och år",
        "src_ref": "externa referensnivåer (t.ex. riket)",
        "src_overlays": "extra gränsskikt (t.ex. polisens utsatta områden)",
        "quality": "Datakvalitet",
        "quality_caption": "Rader per källa",
        "rejects_caption": "Avvisade rader per orsak",
        "fixes_caption": "Automatiska rättningar",
        "pnr_masked": "Personnummer maskerade i fritext: {n}.",
        "outside": "Brott utanför alla områden: {n}.",
        "no_quality": "Ingen datakvalitetssammanställning finns i resultaten.",
        "coverage": "Täckning jämfört med Brå",
        "coverage_caption": "Täckning per år och brottsgrupp (andel av Brås anmälda brott)",
        "coverage_fig": "Täckning per år och Brå-grupp. Linjen vid 100 % betyder att underlaget har lika många "
                        "brott som Brås statistik.",
        "parameters": "Valda parametrar",
        "parameters_caption": "Parametrar per analyssteg (automatiskt valda värden ingår)",
        "record": "Körningsprotokoll",
        "record_caption": "Konfiguration, indatafiler, versioner och slumpfrö",
        "method_text": "Metoden följer Brås arbetsgång för lokala lägesbilder: kartläggning av brotten, "
                       "en lägesbild som beskriver nivåer, utveckling och platser, och därefter åtgärder. "
                       "Takter anges per {per} invånare. Områden med få invånare får skattade takter "
                       "(empirisk Bayes) som drar extrema värden mot genomsnittet.",
        "series_fig": "Antal brott per period och område (alla brott). Perioder med dolda tal saknar punkt.",
        "series_cat_fig": "Antal brott per period och kategori i {area}.",
        "trend_caption": "Trender (Mann–Kendall och trendmodell) och förändring mellan jämförelseperioderna",
        "trend_note": "Tabellen visar förändringar som är statistiskt säkra; {n} kombinationer av område och "
                      "kategori visar ingen säker förändring.",
        "compare_caption": "Takt jämfört med referensområdet (kvot med konfidensintervall)",
        "compare_note": "Alla brott samt kategorier där kvoten säkert skiljer sig från 1 visas; {n} rader utan "
                        "säker skillnad är utelämnade.",
        "compare_fig": "Kvot mellan områdets och referensens takt med 95 % konfidensintervall (logaritmisk skala). "
                       "Värden över 1 betyder högre nivå än referensen.",
        "funnel_fig": "Trattdiagram: takt mot befolkning. Områden utanför de yttre gränserna (99,8 %) avviker "
                      "mer än slumpen förklarar.",
        "funnel_caption": "Områden över de övre kontrollgränserna",
        "funnel_below": "{n} områden ligger under de nedre kontrollgränserna (lägre nivå än väntat).",
        "funnel_none": "Inget område ligger utanför kontrollgränserna.",
        "map_rates": "Skattad takt per {per} invånare och område (alla brott, empirisk Bayes). "
                     "Grå områden har dolda eller saknade värden.",
        "map_gistar": "Hot spots och cold spots (Getis–Ord Gi*, alla brott) i rutnätet.",
        "map_gistar_district": "Hot spots och cold spots (Getis–Ord Gi*, alla brott) per område.",
        "map_lisa": "Lokala kluster (LISA, lokalt Moran's I) per område.",
        "map_emerging": "Framväxande hot spots (rum–tid-analys, alla brott).",
        "moran_caption": "Global rumslig autokorrelation (Moran's I)",
        "concentration_caption": "Koncentration: andel av brotten på de mest utsatta platserna",
        "lorenz_fig": "Lorenzkurvor: andel av brotten mot andel av platserna. Ju längre från diagonalen, desto "
                      "mer koncentrerat.",
        "top_caption": "Områden med högst takt (alla brott)",
        "heat_fig": "Brott per veckodag och timme (alla brott, brott med okänd tid fördelade över sitt "
                    "tidsfönster). Grå rutor är dolda små tal.",
        "month_fig": "Brott per månad (alla brott).",
        "near_repeat": "Upprepad utsatthet nära i tid och rum (Knox-test)",
        "near_repeat_caption": "Observerade mot förväntade par av brott per avstånd och tid",
        "deep_intro": "Nyckeltal per kategori. Takter och kvoter för områden med dolda tal visas inte.",
        "deep_facts": "Nyckeltal",
        "deep_map": "{cat}: skattad takt per {per} invånare och område.",
        "deep_count": "Antal brott: {n}.",
        "deep_top": "Högst takt: {names}.",
        "deep_trend": "Trend i {area}: {pct} per år (p = {p}).",
        "deep_rr": "Kvot mot referens i {area}: {rr} ({lo}–{hi}).",
        "deep_none": "Inga resultat för kategorin.",
        "backtest_caption": "Utvärdering bakåt i tiden (genomsnitt över prognostillfällen)",
        "backtest_fig": "Träffsäkerhet: andel av nästa periods brott som föll i de utpekade rutorna, "
                        "mot andel av ytan.",
        "forecast_summary_caption": "Jämförelse med basmetod",
        "forecast_no_baseline": "Resultaten innehåller ingen jämförelse med en basmetod, så det går inte att säga "
                                "om prognosen är bättre än att bara upprepa förra periodens mönster.",
        "forecast_district_caption": "Prognos per område (med prognosintervall)",
        "beats_yes": "ja",
        "beats_no": "nej",
        "limits": [
            "Anmälda brott är inte all brottslighet: mörkertalet är stort för t.ex. misshandel i nära relation, "
            "narkotikabrott och skadegörelse, och anmälningsbenägenheten kan skilja mellan områden och över tid.",
            "Polisens insatser påverkar antalet upptäckta brott (särskilt narkotikabrott), så fler brott kan "
            "betyda fler kontroller.",
            "Brott som inte kunde placeras (saknade eller felaktiga koordinater) ingår inte i kartorna; andelen "
            "redovisas under Data och metod.",
            "Positionerna är ofta adresser eller ungefärliga platser. DeSO/RegSO-gränserna har en lägesnoggrannhet "
            "på omkring 40 meter, så brott nära en gräns kan hamna i grannområdet.",
            "Små tal ger osäkra takter. Empirisk Bayes och konfidensintervall mildrar det men tar inte bort det.",
            "Många områden och rutor prövas samtidigt; p-värden är korrigerade för det (FDR) där det anges, men "
            "enstaka falska träffar kan förekomma.",
            "Resultaten beror på val av områdesindelning och rutstorlek (MAUP).",
            "Prognoser bygger på att mönstret består; de ersätter inte lokalkännedom.",
        ],
        "limit_geocoded": "Andel av brotten med användbar position (geokodade): {share}.",
        "limit_geocoding": "Av {read} lästa rader kunde {acc} ({share}) användas; resten redovisas per orsak under "
                           "Data och metod.",
        "col_district": "Område", "col_area": "Område", "col_category": "Kategori", "col_count": "Antal",
        "col_population": "Invånare", "col_rate": "Takt", "col_eb_rate": "Skattad takt",
        "col_ref_rate": "Referensens takt", "col_rr": "Kvot", "col_ci": "95 % KI", "col_p": "p",
        "col_lqc": "LQ", "col_trend": "Trend per år", "col_mk_p": "p (MK)", "col_change": "Förändring",
        "col_direction": "Riktning", "col_baseline": "Jämförelseperiod", "col_current": "Aktuell period",
        "col_position": "Läge", "col_year": "År", "col_group": "Brå-grupp", "col_bra": "Brå",
        "col_data": "Underlag", "col_coverage": "Täckning", "col_source": "Källa", "col_read": "Lästa",
        "col_accepted": "Godkända", "col_rejected": "Avvisade", "col_reason": "Orsak", "col_rows": "Rader",
        "col_fix": "Rättning", "col_step": "Steg", "col_parameter": "Parameter", "col_value": "Värde",
        "col_key": "Uppgift", "col_unit": "Enhet", "col_top1": "Topp 1 %", "col_top5": "Topp 5 %",
        "col_top10": "Topp 10 %", "col_gini": "Gini", "col_moran_i": "Moran's I", "col_z": "z",
        "col_distance": "Avstånd (m)", "col_time": "Tid (dagar)", "col_observed": "Observerade",
        "col_expected": "Förväntade", "col_ratio": "Kvot", "col_method": "Metod", "col_area_share": "Andel av ytan",
        "col_hit_rate": "Träffandel", "col_pai": "PAI", "col_pei": "PEI", "col_baseline_hit": "Basmetodens träffandel",
        "col_beats": "Bättre än basmetod", "col_forecast": "Prognos", "col_pi": "Prognosintervall",
        "col_variable": "Variabel", "col_units": "Antal enheter", "col_pai_diff": "PAI-skillnad mot basmetod",
        "pos_above_998": "över 99,8 %", "pos_above_95": "över 95 %", "pos_within": "inom gränserna",
        "pos_below_95": "under 95 %", "pos_below_998": "under 99,8 %",
        "dir_increasing": "ökande", "dir_decreasing": "minskande", "dir_no_trend": "ingen säker trend",
        "dir_ökar": "ökar", "dir_minskar": "minskar", "dir_ingen säker förändring": "ingen säker förändring",
        "rec_config_hash": "Konfigurationens kontrollsumma", "rec_seed": "Slumpfrö", "rec_versions": "Versioner",
        "rec_input_hashes": "Indatafiler (kontrollsummor)", "rec_mode": "Utdataläge",
        "weekdays": "mån,tis,ons,tor,fre,lör,sön",
        "months": "jan,feb,mar,apr,maj,jun,jul,aug,sep,okt,nov,dec",
        "axis_hour": "Timme", "axis_count": "Antal", "axis_population": "Invånare", "axis_rate": "Takt per {per}",
        "axis_place_share": "Andel av platserna", "axis_incident_share": "Andel av brotten",
        "axis_rr": "Kvot mot referens", "axis_coverage": "Täckning", "legend_suppressed": "Dolt / saknas",
        "what_table": "tabellen {name} saknas",
    },
    "en": {
        "title": "Crime situation picture: {name}",
        "subtitle": "Local crime situation picture {start}–{end}",
        "generated": "Generated {date} by geolage {version}",
        "public": "Public version (small counts suppressed)",
        "internal": "Internal version – not for distribution",
        "toc": "Contents",
        "synthetic": "Synthetic demo data – not real crimes",
        "not_computed": "This part was not computed in this run ({what}).",
        "sec_summary": "Summary",
        "sec_data": "Data and method",
        "sec_time": "Development over time",
        "sec_compare": "Comparison with reference areas",
        "sec_where": "Where problems are greatest",
        "sec_patterns": "Time patterns",
        "sec_deep": "Deep dives per crime category",
        "sec_forecast": "Forecast and its evaluation",
        "sec_limits": "Limitations",
        "summary_intro": "The main findings, computed from the results:",
        "total": "The analysis covers {n} recorded offences in {start}–{end}.",
        "increase": "{cat}: increasing in {area} ({pct} per year, {certainty})",
        "decrease": "{cat}: decreasing in {area} ({pct} per year, {certainty})",
        "sure": "statistically significant",
        "likely": "probable change",
        "no_trends": "No category shows a statistically significant change over time.",
        "higher": "{area}: the level of {cat} is {rr} times that of {ref}",
        "lower": "{area} has a lower level of {cat} than {ref} ({rr} times)",
        "all_crimes": "all offences",
        "ref_rest": "the rest of the municipality",
        "ref_all": "the municipality as a whole",
        "ref_list": "the reference areas",
        "funnel_above": "Above the upper control limit (99.8%) in the funnel plot: {names}.",
        "hot_cells": "{n} grid cells are hot spots with at least 95% confidence (Gi*, all offences).",
        "concentration": "The 10% of cells with most offences hold {share} of the offences.",
        "emerging": "{n} cells are new or intensifying hot spots.",
        "forecast_beats": "Forecast methods that hit better than the baseline in the backtest (at share of area): "
                          "{method}.",
        "forecast_not": "No forecast method hit better than a simple baseline in the backtest; use the forecast "
                        "with caution.",
        "coverage_sum": "The data correspond on average to {share} of the offences Brå reports for the "
                        "municipality ({year}, comparable offence groups).",
        "and_more": " and {n} more",
        "synthetic_note": "This report is based on synthetic demo data. Draw no conclusions about real conditions.",
        "public_note": "Public version: counts under {k} are shown as “{label}”, and values that could be "
                       "derived from them (e.g. rates) are hidden too. No single offence is shown.",
        "sources": "Sources",
        "sources_used": "Sources used: {names}.",
        "not_used": "Not used in this run: {names}.",
        "src_bra": "Brå's statistics of reported offences",
        "src_pop": "population per area and year",
        "src_ref": "external reference rates (e.g. national)",
        "src_overlays": "extra boundary layers (e.g. police vulnerable areas)",
        "quality": "Data quality",
        "quality_caption": "Rows per source",
        "rejects_caption": "Rejected rows by reason",
        "fixes_caption": "Automatic fixes",
        "pnr_masked": "Personal identity numbers masked in free text: {n}.",
        "outside": "Offences outside every district: {n}.",
        "no_quality": "The results hold no data-quality summary.",
        "coverage": "Coverage against Brå",
        "coverage_caption": "Coverage per year and offence group (share of Brå's reported offences)",
        "coverage_fig": "Coverage per year and Brå group. The line at 100% means the data hold as many offences "
                        "as Brå's statistics.",
        "parameters": "Parameters chosen",
        "parameters_caption": "Parameters per analysis step (automatically chosen values included)",
        "record": "Run record",
        "record_caption": "Configuration, input files, versions and seed",
        "method_text": "The method follows Brå's process for local crime situation pictures: mapping the offences, "
                       "a situation picture of levels, development and places, then measures. Rates are per {per} "
                       "residents. Areas with few residents get estimated rates (empirical Bayes) that pull extreme "
                       "values towards the mean.",
        "series_fig": "Offences per period and area (all offences). Periods with suppressed counts have no point.",
        "series_cat_fig": "Offences per period and category in {area}.",
        "trend_caption": "Trends (Mann–Kendall and trend model) and change between the compared periods",
        "trend_note": "The table shows statistically significant changes; {n} combinations of area and category "
                      "show no clear change.",
        "compare_caption": "Rate compared with the reference area (ratio with confidence interval)",
        "compare_note": "All offences and categories whose ratio clearly differs from 1 are shown; {n} rows without "
                        "a clear difference are left out.",
        "compare_fig": "Ratio of the area's rate to the reference rate with 95% confidence interval (log scale). "
                       "Values above 1 mean a higher level than the reference.",
        "funnel_fig": "Funnel plot: rate against population. Areas outside the outer limits (99.8%) differ more "
                      "than chance explains.",
        "funnel_caption": "Areas above the upper control limits",
        "funnel_below": "{n} areas lie below the lower control limits (lower level than expected).",
        "funnel_none": "No area lies outside the control limits.",
        "map_rates": "Estimated rate per {per} residents per area (all offences, empirical Bayes). Grey areas have "
                     "suppressed or missing values.",
        "map_gistar": "Hot spots and cold spots (Getis–Ord Gi*, all offences) on the grid.",
        "map_gistar_district": "Hot spots and cold spots (Getis–Ord Gi*, all offences) per area.",
        "map_lisa": "Local clusters (LISA, local Moran's I) per area.",
        "map_emerging": "Emerging hot spots (space–time analysis, all offences).",
        "moran_caption": "Global spatial autocorrelation (Moran's I)",
        "concentration_caption": "Concentration: share of offences at the most affected places",
        "lorenz_fig": "Lorenz curves: share of offences against share of places. The further from the diagonal, "
                      "the more concentrated.",
        "top_caption": "Areas with the highest rate (all offences)",
        "heat_fig": "Offences per weekday and hour (all offences; offences with unknown time spread over their "
                    "time window). Grey cells are suppressed small counts.",
        "month_fig": "Offences per month (all offences).",
        "near_repeat": "Near repeats in space and time (Knox test)",
        "near_repeat_caption": "Observed against expected pairs of offences by distance and time",
        "deep_intro": "Key figures per category. Rates and ratios of areas with suppressed counts are not shown.",
        "deep_facts": "Key figures",
        "deep_map": "{cat}: estimated rate per {per} residents per area.",
        "deep_count": "Number of offences: {n}.",
        "deep_top": "Highest rate: {names}.",
        "deep_trend": "Trend in {area}: {pct} per year (p = {p}).",
        "deep_rr": "Ratio to reference in {area}: {rr} ({lo}–{hi}).",
        "deep_none": "No results for this category.",
        "backtest_caption": "Backtest (mean over forecast origins)",
        "backtest_fig": "Hit rate: share of next period's offences in the flagged cells, against share of the area.",
        "forecast_summary_caption": "Comparison with a baseline",
        "forecast_no_baseline": "The results hold no comparison with a baseline, so it cannot be said whether the "
                                "forecast is better than repeating last period's pattern.",
        "forecast_district_caption": "Forecast per area (with prediction interval)",
        "beats_yes": "yes",
        "beats_no": "no",
        "limits": [
            "Reported offences are not all crime: the dark figure is large for e.g. domestic assault, drug "
            "offences and criminal damage, and the propensity to report can differ between areas and over time.",
            "Police activity affects the number of detected offences (drug offences especially), so more offences "
            "can mean more checks.",
            "Offences that could not be placed (missing or wrong coordinates) are not in the maps; their share is "
            "reported under Data and method.",
            "Positions are often addresses or approximate places. DeSO/RegSO boundaries have a positional accuracy "
            "of about 40 metres, so offences near a boundary can fall in the neighbouring area.",
            "Small numbers give uncertain rates. Empirical Bayes and confidence intervals soften this but do not "
            "remove it.",
            "Many areas and cells are tested at once; p-values are corrected for this (FDR) where stated, but "
            "occasional false positives can occur.",
            "Results depend on the choice of districts and cell size (MAUP).",
            "Forecasts assume the pattern persists; they do not replace local knowledge.",
        ],
        "limit_geocoded": "Share of offences with a usable position (geocoded): {share}.",
        "limit_geocoding": "Of {read} rows read, {acc} ({share}) could be used; the rest are listed by reason under "
                           "Data and method.",
        "col_district": "Area", "col_area": "Area", "col_category": "Category", "col_count": "Count",
        "col_population": "Residents", "col_rate": "Rate", "col_eb_rate": "Estimated rate",
        "col_ref_rate": "Reference rate", "col_rr": "Ratio", "col_ci": "95% CI", "col_p": "p",
        "col_lqc": "LQ", "col_trend": "Trend per year", "col_mk_p": "p (MK)", "col_change": "Change",
        "col_direction": "Direction", "col_baseline": "Baseline period", "col_current": "Current period",
        "col_position": "Position", "col_year": "Year", "col_group": "Brå group", "col_bra": "Brå",
        "col_data": "Data", "col_coverage": "Coverage", "col_source": "Source", "col_read": "Read",
        "col_accepted": "Accepted", "col_rejected": "Rejected", "col_reason": "Reason", "col_rows": "Rows",
        "col_fix": "Fix", "col_step": "Step", "col_parameter": "Parameter", "col_value": "Value",
        "col_key": "Item", "col_unit": "Unit", "col_top1": "Top 1%", "col_top5": "Top 5%",
        "col_top10": "Top 10%", "col_gini": "Gini", "col_moran_i": "Moran's I", "col_z": "z",
        "col_distance": "Distance (m)", "col_time": "Time (days)", "col_observed": "Observed",
        "col_expected": "Expected", "col_ratio": "Ratio", "col_method": "Method", "col_area_share": "Share of area",
        "col_hit_rate": "Hit rate", "col_pai": "PAI", "col_pei": "PEI", "col_baseline_hit": "Baseline hit rate",
        "col_beats": "Better than baseline", "col_forecast": "Forecast", "col_pi": "Prediction interval",
        "col_variable": "Variable", "col_units": "Units", "col_pai_diff": "PAI difference to baseline",
        "pos_above_998": "above 99.8%", "pos_above_95": "above 95%", "pos_within": "within limits",
        "pos_below_95": "below 95%", "pos_below_998": "below 99.8%",
        "dir_increasing": "increasing", "dir_decreasing": "decreasing", "dir_no_trend": "no clear trend",
        "dir_ökar": "increasing", "dir_minskar": "decreasing", "dir_ingen säker förändring": "no clear change",
        "rec_config_hash": "Configuration hash", "rec_seed": "Seed", "rec_versions": "Versions",
        "rec_input_hashes": "Input files (hashes)", "rec_mode": "Output mode",
        "weekdays": "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
        "months": "Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec",
        "axis_hour": "Hour", "axis_count": "Count", "axis_population": "Residents", "axis_rate": "Rate per {per}",
        "axis_place_share": "Share of places", "axis_incident_share": "Share of offences",
        "axis_rr": "Ratio to reference", "axis_coverage": "Coverage", "legend_suppressed": "Suppressed / missing",
        "what_table": "table {name} is missing",
    },
}


# --------------------------------------------------------------------------- numbers
def format_number(x: Any, language: str = "sv", decimals: int | None = None) -> str:
    """Format a number for the report.

    Parameters
    ----------
    x : number or None
        NaN / None / NA give ``"–"``.
    language : {"sv", "en"}
        Swedish: decimal comma, no-break space (U+00A0) as thousands separator and a
        true minus sign (U+2212), as in ``"1 234,5"`` and ``"−3,2"``. English:
        ``"1,234.5"``.
    decimals : int, optional
        Number of decimals; default 0 for whole numbers, otherwise 1.

    Returns
    -------
    str
    """
    try:
        if x is None or pd.isna(x):
            return "–"
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(v):
        return "–"
    if decimals is None:
        decimals = 0 if float(v).is_integer() else 1
    text = f"{abs(v):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        v = 0.0
    if language == "sv":
        text = text.replace(",", NBSP).replace(".", ",")
        sign = MINUS if v < 0 else ""
    else:
        sign = "-" if v < 0 else ""
    return sign + text


def format_percent(x: Any, language: str = "sv", decimals: int = 0, *, share: bool = False,
                   sign: bool = False) -> str:
    """Format a percentage: ``"12 %"`` (sv, no-break space) or ``"12%"`` (en).

    Parameters
    ----------
    x : number
        Percent (``12.3``), or a share (``0.123``) when ``share=True``.
    language : {"sv", "en"}
    decimals : int
    share : bool
        ``x`` is a share in 0..1.
    sign : bool
        Always show the sign (``"+12 %"``).
    """
    try:
        if x is None or pd.isna(x):
            return "–"
    except (TypeError, ValueError):
        return str(x)
    v = float(x) * (100 if share else 1)
    text = format_number(v, language, decimals)
    if sign and v > 0 and text != format_number(0, language, decimals):
        text = "+" + text
    return text + (NBSP + "%" if language == "sv" else "%")


def _format_p(p: Any, language: str) -> str:
    try:
        if p is None or pd.isna(p):
            return "–"
    except (TypeError, ValueError):
        return str(p)
    if float(p) < 0.001:
        return "<" + format_number(0.001, language, 3)
    return format_number(float(p), language, 3)


# --------------------------------------------------------------------------- text safety
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _clean(value: Any, limit: int | None = _MAX_TEXT) -> str:
    """Text from input data made printable: valid UTF-8, no control characters, limited length.

    Escaping for HTML is left to Jinja2's autoescaping.
    """
    text = "" if value is None else str(value)
    text = text.encode("utf-8", errors="replace").decode("utf-8", errors="replace")
    text = _CONTROL.sub("", text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _chart_text(value: Any, limit: int = 40) -> str:
    """Text safe for matplotlib (no mathtext)."""
    return _clean(value, limit).replace("$", r"\$")


def _css_string(value: str) -> str:
    return re.sub(r"[\\\"'<>{};\n\r]", "", _clean(value, 90))


# --------------------------------------------------------------------------- helpers
class _Ctx:
    """What every section builder needs."""

    def __init__(self, results: RunResults, language: str, mode: str, min_count: int):
        self.r = results
        self.lang = language
        self.mode = mode
        self.k = min_count
        self.t = TEXTS[language]
        self.per = results.config.statistics.rate_per
        self.cats = [c for c in CATEGORIES]

    def table(self, name: str) -> pd.DataFrame | None:
        tab = self.r.tables.get(name)
        if tab is None or tab.data is None or len(tab.data) == 0:
            return None
        return tab.data

    def counts_of(self, name: str) -> set[str]:
        tab = self.r.tables.get(name)
        return set(DEFAULT_COUNT_COLUMNS) | (set(tab.count_columns) if tab else set())

    def missing(self, name: str) -> dict[str, Any]:
        return {"type": "missing", "text": self.t["not_computed"].format(what=self.t["what_table"].format(name=name))}

    def num(self, x: Any, decimals: int | None = None) -> str:
        return format_number(x, self.lang, decimals)

    def pct(self, x: Any, decimals: int = 0, *, share: bool = False, sign: bool = False) -> str:
        return format_percent(x, self.lang, decimals, share=share, sign=sign)

    def cat(self, code: Any, capital: bool = False) -> str:
        if code == "alla":
            label = "alla brott" if self.lang == "sv" else "all offences"
        else:
            label = category_label(str(code), self.lang)
        label = _clean(label)
        if not capital and code in CATEGORIES and self.lang == "sv":
            label = label[:1].lower() + label[1:]
        if not capital and code in CATEGORIES and self.lang == "en":
            label = label[:1].lower() + label[1:]
        return label[:1].upper() + label[1:] if capital else label

    def focus_names(self) -> set[str]:
        """Names and ids of the focus areas (config ``areas.focus`` and ``districts.is_focus``)."""
        names = {str(f) for f in self.r.config.areas.focus}
        d = self.r.districts
        if d is not None and "is_focus" in d.columns:
            f = d[d["is_focus"].fillna(False).astype(bool)]
            names |= set(map(str, f.index)) | set(map(str, f.get("district_name", [])))
        return names

    def is_focus(self, df: pd.DataFrame) -> pd.Series:
        """Rows of ``df`` that belong to a focus area."""
        focus = self.focus_names()
        hit = pd.Series(False, index=df.index)
        for col in ("area", "area_name", "district_id", "district_name"):
            if col in df.columns:
                hit |= df[col].astype(str).isin(focus)
        if "is_focus" in df.columns:
            hit |= df["is_focus"].fillna(False).astype(bool)
        return hit

    def district_name(self, district_id: Any) -> str:
        d = self.r.districts
        if d is not None and "district_name" in d.columns and district_id in d.index:
            return _clean(d.loc[district_id, "district_name"])
        return _clean(district_id)


def _area_col(df: pd.DataFrame) -> str:
    """The column naming the area: ``area_name`` when the table has it, else ``area``."""
    return "area_name" if "area_name" in df.columns else "area"


def _whole_span(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of the whole analysed span (``period == "hela"``) when the table has periods."""
    if "period" in df.columns and (df["period"] == "hela").any():
        return df[df["period"] == "hela"]
    return df


def _only_all(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of category ``"alla"`` when there are any (else all rows)."""
    if "category" in df.columns and (df["category"] == "alla").any():
        return df[df["category"] == "alla"]
    return df


#: ``direction`` values (trends.py writes Swedish) that mean a statistically sure change.
_SURE_DIRECTIONS = {"ökar": 1, "minskar": -1, "increasing": 1, "decreasing": -1, "increase": 1, "decrease": -1}


def _sure_trends(ctx: _Ctx, tr: pd.DataFrame) -> pd.DataFrame:
    """Trend rows with a sure change, focus areas and all offences first, then by p-value."""
    d = tr.dropna(subset=["trend_pct_per_year"]).copy()
    pcol = "trend_p" if "trend_p" in d.columns else "mk_p"
    if "direction" in d.columns and d["direction"].astype(str).isin(_SURE_DIRECTIONS).any():
        d = d[d["direction"].astype(str).isin(_SURE_DIRECTIONS)]
    else:
        d = d[pd.to_numeric(d[pcol], errors="coerce") < 0.05]
    d["_focus"] = ~ctx.is_focus(d)
    d["_all"] = d["category"] != "alla"
    return d.sort_values(["_focus", "_all", pcol]).drop(columns=["_focus", "_all"])


def _cell(text: Any, *, num: bool = False, count: Any = None, cls: str = "") -> dict[str, Any]:
    classes = " ".join(c for c in (("num" if num else ""), cls) if c)
    c = None
    if count is not None:
        try:
            c = None if pd.isna(count) else (int(count) if float(count).is_integer() else round(float(count), 3))
        except (TypeError, ValueError):
            c = None
    return {"text": text, "cls": classes, "count": c}


#: Columns shown as text (left-aligned) even when they have a formatter.
_TEXTUAL = frozenset({"category", "direction", "funnel_position", "method", "bra_group", "unit", "variable", "pi",
                      "area", "district_name", "distance_band", "time_band", "year", "rr_ci", "trend_ci"})


def _table_block(ctx: _Ctx, df: pd.DataFrame, columns: list[tuple[str, str, Callable[[Any], str] | None]],
                 caption: str, *, table_name: str = "", note: str = "", max_rows: int = 60) -> dict[str, Any]:
    """Build a table block: ``columns`` = [(column, label, formatter or None for text)]."""
    counts = ctx.counts_of(table_name) if table_name else set(DEFAULT_COUNT_COLUMNS)
    cols = [(c, lab, f) for c, lab, f in columns if c in df.columns]
    rows = []
    for _, rec in df.head(max_rows).iterrows():
        row = []
        for c, _lab, f in cols:
            v = rec[c]
            if c in counts:
                hidden = bool(rec.get(f"{c}_suppressed", False)) if f"{c}_suppressed" in df.columns else False
                if hidden or pd.isna(v):
                    label = suppressed_label(ctx.k, ctx.lang) if hidden else "–"
                    row.append(_cell(label, num=True, cls="suppressed" if hidden else ""))
                else:
                    row.append(_cell(ctx.num(v, 0 if float(v).is_integer() else 1), num=True, count=v))
            elif f is None:
                row.append(_cell(_clean(v)))
            else:
                row.append(_cell(f(v), num=c not in _TEXTUAL))
        rows.append(row)
    if len(df) > max_rows:
        more = f"{len(df) - max_rows} " + ("fler rader visas inte." if ctx.lang == "sv" else "more rows not shown.")
        note = (note + " " + more).strip()
    return {"type": "table", "caption": caption, "note": note,
            "columns": [{"label": lab, "num": (f is not None or c in counts) and c not in _TEXTUAL}
                        for c, lab, f in cols], "rows": rows}


def _kv_table(caption: str, rows: Iterable[tuple[Any, Any]], labels: tuple[str, str],
              mono: bool = False) -> dict[str, Any]:
    return {"type": "table", "caption": caption, "note": "",
            "columns": [{"label": labels[0], "num": False}, {"label": labels[1], "num": False}],
            "rows": [[_cell(_clean(k)), _cell(_clean(v, 300), cls="mono" if mono else "")] for k, v in rows]}


# --------------------------------------------------------------------------- charts
def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


_STYLE = {
    "font.family": "DejaVu Sans", "font.size": 8.5, "axes.titlesize": 9.5, "axes.labelsize": 8.5,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.color": "#e3e6e8",
    "grid.linewidth": 0.6, "legend.fontsize": 7.5, "legend.frameon": False, "figure.dpi": 100,
    "savefig.dpi": 150, "axes.prop_cycle": __import__("cycler").cycler(
        color=["#1f4e79", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d96a3", "#2e4057", "#a05195", "#f95d6a"]),
    "svg.fonttype": "none", "text.usetex": False,
}


def _figure(draw: Callable[[Any, Any], None], size: tuple[float, float] = (6.8, 3.2)) -> str | None:
    """Draw with ``draw(fig, plt)`` under the report style and return a PNG data URI."""
    if not _FIGURES.get():
        return None
    plt = _plt()
    import matplotlib

    with matplotlib.rc_context(_STYLE):
        fig = plt.figure(figsize=size)
        try:
            draw(fig, plt)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
        except Exception as exc:  # noqa: BLE001 - a chart that fails must not stop the report
            log.warning("report: a chart could not be drawn (%s)", exc)
            return None
        finally:
            plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _number_formatter(ctx: _Ctx):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: ctx.num(v, None if float(v).is_integer() else 1))


def _fig_block(src: str | None, caption: str, *, cls: str = "") -> dict[str, Any] | None:
    if src is None:
        return None
    return {"type": "figure", "src": src, "caption": caption, "alt": caption, "cls": cls}


def _legend_patches(classes: dict[str, ClassInfo], codes: Iterable[str], lang: str):
    from matplotlib.patches import Patch

    return [Patch(facecolor=classes[c].color, edgecolor="#777", linewidth=0.4, label=class_label(classes, c, lang))
            for c in classes if c in set(codes)]


def _map_categorical(ctx: _Ctx, gdf: Any, column: str, classes: dict[str, ClassInfo]) -> str | None:
    def draw(fig, plt):
        ax = fig.add_subplot(111)
        colors = gdf[column].map(lambda c: classes[c].color if c in classes else "#dddddd")
        gdf.plot(ax=ax, color=list(colors), edgecolor="#ffffff", linewidth=0.2)
        _outline(ctx, ax)
        ax.set_axis_off()
        ax.legend(handles=_legend_patches(classes, gdf[column].dropna().unique(), ctx.lang), loc="upper left",
                  bbox_to_anchor=(1.0, 1.0))
        ax.set_aspect("equal")

    return _figure(draw, (6.8, 4.6))


def _outline(ctx: _Ctx, ax: Any) -> None:
    d = ctx.r.districts
    if d is not None and len(d):
        d.boundary.plot(ax=ax, color="#333333", linewidth=0.5)


def _map_values(ctx: _Ctx, gdf: Any, column: str, size: tuple[float, float] = (6.8, 4.6)) -> str | None:
    def draw(fig, plt):
        from matplotlib.patches import Patch

        ax = fig.add_subplot(111)
        vals = pd.to_numeric(gdf[column], errors="coerce")
        have = gdf[vals.notna()]
        if len(have):
            have.plot(ax=ax, column=column, cmap="YlOrRd", legend=True, edgecolor="#ffffff", linewidth=0.3,
                      legend_kwds={"shrink": 0.6, "label": TEXTS[ctx.lang]["axis_rate"].format(per=ctx.per)})
        gone = gdf[vals.isna()]
        if len(gone):
            gone.plot(ax=ax, color="#d9d9d9", hatch="///", edgecolor="#ffffff", linewidth=0.3)
            ax.legend(handles=[Patch(facecolor="#d9d9d9", hatch="///", label=ctx.t["legend_suppressed"])],
                      loc="upper left", bbox_to_anchor=(0.0, 0.0), fontsize=7)
        _outline(ctx, ax)
        ax.set_axis_off()
        ax.set_aspect("equal")

    return _figure(draw, size)


# --------------------------------------------------------------------------- sections
def _summary(ctx: _Ctx) -> list[dict[str, Any]]:
    t, r = ctx.t, ctx.r
    items: list[str] = []
    p = r.config.periods
    rd = ctx.table("rates_district")
    if rd is not None and {"category", "count"} <= set(rd.columns):
        sel = rd[(rd["category"] == "alla") & (rd.get("period", "hela") == "hela")] if "period" in rd else rd
        total = pd.to_numeric(sel["count"], errors="coerce").sum()
        if total > 0:
            items.append(t["total"].format(n=ctx.num(total), start=p.start.year, end=p.end.year))
    tr = ctx.table("trend")
    if tr is not None and {"category", "area", "trend_pct_per_year"} <= set(tr.columns) and (
            "mk_p" in tr.columns or "trend_p" in tr.columns):
        lines = []
        for _, row in _sure_trends(ctx, tr).head(4).iterrows():
            key = "increase" if row["trend_pct_per_year"] > 0 else "decrease"
            lines.append(t[key].format(cat=ctx.cat(row["category"], capital=True), area=_clean(row[_area_col(tr)]),
                                       pct=ctx.pct(row["trend_pct_per_year"], 0, sign=True), certainty=t["sure"]))
        items.extend(lines or [t["no_trends"]])
    cp = ctx.table("comparison")
    if cp is not None and {"area", "category", "rate_ratio", "rr_ci_low", "rr_ci_high"} <= set(cp.columns):
        ref = r.config.areas.reference
        ref_text = t["ref_rest"] if ref == "rest" else (t["ref_all"] if ref == "all" else t["ref_list"])
        d = _whole_span(cp).dropna(subset=["rate_ratio", "rr_ci_low", "rr_ci_high"]).copy()
        d["_all"] = d["category"] != "alla"
        hi = d[d["rr_ci_low"] > 1].sort_values(["_all", "rate_ratio"], ascending=[True, False]).head(3)
        lo = d[d["rr_ci_high"] < 1].sort_values(["_all", "rate_ratio"]).head(1)
        for key, part in (("higher", hi), ("lower", lo)):
            for _, row in part.iterrows():
                cat = t["all_crimes"] if row["category"] == "alla" else ctx.cat(row["category"])
                items.append(t[key].format(area=_clean(row[_area_col(cp)]), rr=ctx.num(row["rate_ratio"], 1),
                                           cat=cat, ref=ref_text))
    fu = ctx.table("funnel")
    if fu is not None and "funnel_position" in fu.columns:
        sel = _only_all(_whole_span(fu))
        above = sel[sel["funnel_position"].astype(str) == "above_998"]
        if len(above):
            names = [_clean(n, 60) for n in above.get("district_name", above.get("district_id"))]
            more = t["and_more"].format(n=len(names) - 5) if len(names) > 5 else ""
            items.append(t["funnel_above"].format(names=", ".join(names[:5]) + more))
    gg = ctx.table("gistar_grid")
    if gg is not None and "gistar_class" in gg.columns:
        sel = _only_all(gg)
        n_hot = int(sel["gistar_class"].isin(["hot_99", "hot_95"]).sum())
        items.append(t["hot_cells"].format(n=ctx.num(n_hot)))
    co = ctx.table("concentration")
    if co is not None and "top10_share" in co.columns:
        sel = co[(co["category"] == "alla") & (co["unit"] == "grid")] if {"category", "unit"} <= set(co) else co
        if len(sel) and pd.notna(sel["top10_share"].iloc[0]):
            items.append(t["concentration"].format(share=ctx.pct(sel["top10_share"].iloc[0], share=True)))
    em = ctx.table("emerging_grid")
    if em is not None and "emerging_category" in em.columns:
        sel = em[em["category"] == "alla"] if "category" in em.columns else em
        n = int(sel["emerging_category"].isin(["new_hot", "intensifying_hot"]).sum())
        if n:
            items.append(t["emerging"].format(n=ctx.num(n)))
    items.extend(_forecast_verdict(ctx))
    cv = ctx.table("coverage")
    if cv is not None and {"year", "coverage"} <= set(cv.columns):
        d = cv.dropna(subset=["coverage"])
        if "preliminary" in d.columns and (~d["preliminary"].fillna(False).astype(bool)).any():
            d = d[~d["preliminary"].fillna(False).astype(bool)]
        if len(d):
            year = d["year"].max()
            share = pd.to_numeric(d.loc[d["year"] == year, "coverage"], errors="coerce").mean()
            items.append(t["coverage_sum"].format(share=ctx.pct(share, share=True), year=_year(year)))
    blocks: list[dict[str, Any]] = []
    if r.config.project.synthetic:
        blocks.append({"type": "p", "text": t["synthetic_note"]})
    blocks.append({"type": "p", "text": t["summary_intro"]})
    blocks.append({"type": "ul", "items": items, "cls": "summary"})
    if ctx.mode == "public":
        label = suppressed_label(ctx.k, ctx.lang)
        blocks.append({"type": "note", "text": t["public_note"].format(k=ctx.k, label=label)})
    return blocks


def _forecast_verdict(ctx: _Ctx) -> list[str]:
    fs = ctx.table("forecast_summary")
    if fs is None or "beats_baseline" not in fs.columns:
        return []
    fs = _only_all(fs)
    beats = fs[fs["beats_baseline"].fillna(False).astype(bool)]
    if len(beats):
        parts = []
        for method, part in beats.groupby("method", sort=False) if "method" in beats.columns else [("?", beats)]:
            shares = ", ".join(ctx.pct(a, 0, share=True) for a in part.get("area_share", pd.Series(dtype=float)))
            parts.append(f"{_clean(method)} ({shares})" if shares else _clean(method))
        return [ctx.t["forecast_beats"].format(method="; ".join(parts))]
    return [ctx.t["forecast_not"]]


def _data_method(ctx: _Ctx) -> list[dict[str, Any]]:
    t, r, cfg = ctx.t, ctx.r, ctx.r.config
    b: list[dict[str, Any]] = [{"type": "p", "text": t["method_text"].format(per=ctx.num(ctx.per))},
                               {"type": "h3", "text": t["sources"]}]
    used = [f"{_clean(s.name)} ({_clean(Path(s.path).name)})" for s in cfg.sources]
    used.append(_clean(Path(cfg.districts.path).name))
    not_used = []
    for flag, key in ((cfg.project.bra_totals, "src_bra"), (cfg.districts.population_table, "src_pop"),
                      (cfg.areas.reference_rates, "src_ref"), (cfg.overlays or None, "src_overlays")):
        (used if flag else not_used).append(t[key])
    b.append({"type": "p", "text": t["sources_used"].format(names=", ".join(used))})
    if not_used:
        b.append({"type": "p", "text": t["not_used"].format(names=", ".join(not_used))})
    b.append({"type": "h3", "text": t["quality"]})
    q = r.quality or {}
    per_source = q.get("per_source") if isinstance(q.get("per_source"), dict) else {}
    if per_source:
        rows, reasons, fixes = [], {}, {}
        for name, s in per_source.items():
            s = s if isinstance(s, dict) else {}
            rows.append([_cell(_clean(name))] + [_cell(ctx.num(s.get(k)), num=True)
                                                 for k in ("read", "accepted", "rejected")])
            for reason, n in (s.get("rejected_by_reason") or {}).items():
                reasons[(name, reason)] = n
            fx = s.get("fixes")
            for fix, n in (fx.items() if isinstance(fx, dict) else []):
                fixes[(name, fix)] = n
        b.append({"type": "table", "caption": t["quality_caption"], "note": "",
                  "columns": [{"label": t["col_source"], "num": False}] + [{"label": t[c], "num": True} for c in
                                                                          ("col_read", "col_accepted", "col_rejected")],
                  "rows": rows})
        for caption, data, label in ((t["rejects_caption"], reasons, t["col_reason"]),
                                     (t["fixes_caption"], fixes, t["col_fix"])):
            if data:
                b.append({"type": "table", "caption": caption, "note": "",
                          "columns": [{"label": t["col_source"], "num": False}, {"label": label, "num": False},
                                      {"label": t["col_rows"], "num": True}],
                          "rows": [[_cell(_clean(s)), _cell(_clean(k)), _cell(ctx.num(n), num=True)]
                                   for (s, k), n in data.items()]})
    else:
        b.append({"type": "missing", "text": t["no_quality"]})
    if "personnummer_masked" in q:
        b.append({"type": "p", "text": t["pnr_masked"].format(n=ctx.num(q["personnummer_masked"]))})
    if "outside_districts" in q:
        n = q["outside_districts"]
        n = n.get("count", n.get("n")) if isinstance(n, dict) else n
        b.append({"type": "p", "text": t["outside"].format(n=ctx.num(n))})
    b.append({"type": "h3", "text": t["coverage"]})
    cv = ctx.table("coverage")
    if cv is None:
        b.append(ctx.missing("coverage"))
    else:
        b.append(_fig_block(_coverage_chart(ctx, cv), t["coverage_fig"]))
        if {"year", "bra_group", "coverage"} <= set(cv.columns):
            piv = cv.pivot_table(index="year", columns="bra_group", values="coverage", aggfunc="first", sort=True)
            rows = [[_cell(_year(y))] + [_cell(ctx.pct(v, share=True), num=True) for v in piv.loc[y]]
                    for y in piv.index]
            b.append({"type": "table", "caption": t["coverage_caption"], "note": "",
                      "columns": [{"label": t["col_year"], "num": False}]
                      + [{"label": _clean(g), "num": True} for g in piv.columns], "rows": rows})
    b.append({"type": "h3", "text": t["parameters"]})
    prow = []
    for step, params in (r.parameters or {}).items():
        for key, value in (params or {}).items():
            prow.append([_cell(_clean(step)), _cell(_clean(key)), _cell(_clean(_plain(value), 200), cls="mono")])
    b.append({"type": "table", "caption": t["parameters_caption"], "note": "",
              "columns": [{"label": t["col_step"], "num": False}, {"label": t["col_parameter"], "num": False},
                          {"label": t["col_value"], "num": False}], "rows": prow})
    b.append({"type": "h3", "text": t["record"]})
    b.append(_kv_table(t["record_caption"], _record_rows(ctx), (t["col_key"], t["col_value"]), mono=True))
    return [x for x in b if x is not None]


def _year(value: Any) -> str:
    try:
        return str(int(float(value)))
    except (TypeError, ValueError):
        return _clean(value)


def _plain(value: Any) -> str:
    if isinstance(value, dict | list | tuple):
        try:
            return json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float):
        return format_number(value, "en", 3 if not value.is_integer() else 0).replace(",", "")
    return str(value)


def _record_rows(ctx: _Ctx) -> list[tuple[str, str]]:
    rec, t = ctx.r.record or {}, ctx.t
    rows: list[tuple[str, str]] = [(t["rec_mode"], ctx.t[ctx.mode])]
    named = {"config_hash": "rec_config_hash", "config_sha256": "rec_config_hash", "seed": "rec_seed"}
    lists = {"input_hashes": "rec_input_hashes", "input_sha256": "rec_input_hashes", "versions": "rec_versions",
             "packages": "rec_versions"}
    for key, value in rec.items():
        if key in lists and isinstance(value, dict):
            rows.extend((f"{t[lists[key]]}: {k}", _plain(v)) for k, v in value.items())
        elif key == "config":
            continue
        else:
            rows.append((t[named[key]] if key in named else key, _plain(value)))
    if "seed" not in rec:
        rows.append((t["rec_seed"], str(ctx.r.config.project.seed)))
    return rows


def _coverage_chart(ctx: _Ctx, cv: pd.DataFrame) -> str | None:
    if not {"year", "bra_group", "coverage"} <= set(cv.columns):
        return None

    def draw(fig, plt):
        ax = fig.add_subplot(111)
        piv = cv.pivot_table(index="year", columns="bra_group", values="coverage", aggfunc="first")
        width = 0.8 / max(1, piv.shape[1])
        x = np.arange(len(piv))
        for i, col in enumerate(piv.columns):
            ax.bar(x + i * width - 0.4 + width / 2, piv[col] * 100, width, label=_chart_text(col))
        ax.axhline(100, color="#333", linewidth=0.8)
        ax.set_xticks(x, [str(y) for y in piv.index])
        ax.set_ylabel(ctx.t["axis_coverage"] + " (%)")
        ax.legend(ncol=min(5, piv.shape[1]), loc="upper center", bbox_to_anchor=(0.5, -0.12))

    return _figure(draw, (6.8, 2.6))


def _over_time(ctx: _Ctx) -> list[dict[str, Any]]:
    t = ctx.t
    b: list[dict[str, Any] | None] = []
    se = ctx.table("series")
    if se is None:
        b.append(ctx.missing("series"))
    elif {"area", "category", "period", "count"} <= set(se.columns):
        if "unit" in se.columns and (se["unit"] == ctx.r.config.periods.unit).any():
            se = se[se["unit"] == ctx.r.config.periods.unit]
        se = se.assign(_label=se[_area_col(se)].map(_clean))
        focus = se[ctx.is_focus(se)]
        areas = list(dict.fromkeys(focus["area"])) if len(focus) else list(
            _only_all(se).groupby("area")["count"].sum().sort_values(ascending=False).index[:6])
        alla = _only_all(se[se["area"].isin(areas[:8])])
        if len(alla):
            b.append(_fig_block(_line_chart(ctx, alla, "_label"), t["series_fig"]))
        if areas:
            first = areas[0]
            sub = se[(se["area"] == first) & (se["category"] != "alla")].copy()
            if len(sub):
                sub["label"] = sub["category"].map(lambda c: ctx.cat(c, capital=True))
                name = sub["_label"].iloc[0]
                b.append(_fig_block(_line_chart(ctx, sub, "label"), t["series_cat_fig"].format(area=name)))
    tr = ctx.table("trend")
    if tr is None:
        b.append(ctx.missing("trend"))
    else:
        sure = _sure_trends(ctx, tr) if "trend_pct_per_year" in tr.columns else tr
        note = t["trend_note"].format(n=ctx.num(len(tr) - len(sure))) if len(sure) < len(tr) else ""
        b.append(_table_block(ctx, sure, [
            (_area_col(tr), t["col_area"], None), ("category", t["col_category"], lambda v: ctx.cat(v, True)),
            ("trend_pct_per_year", t["col_trend"], lambda v: ctx.pct(v, 0, sign=True)),
            ("trend_p", t["col_p"], lambda v: _format_p(v, ctx.lang)),
            ("mk_p", t["col_mk_p"], lambda v: _format_p(v, ctx.lang)),
            ("change_baseline", t["col_baseline"], None), ("change_current", t["col_current"], None),
            ("change_pct", t["col_change"], lambda v: ctx.pct(v, 0, sign=True)),
            ("direction", t["col_direction"], lambda v: t.get(f"dir_{v}", _clean(v)))],
            t["trend_caption"], table_name="trend", note=note, max_rows=40))
    return [x for x in b if x is not None]


def _line_chart(ctx: _Ctx, df: pd.DataFrame, by: str) -> str | None:
    def draw(fig, plt):
        ax = fig.add_subplot(111)
        periods = sorted(df["period"].astype(str).unique())
        for key, part in list(df.groupby(by, sort=False))[:9]:
            s = part.assign(period=part["period"].astype(str)).set_index("period")["count"]
            s = pd.to_numeric(s.reindex(periods), errors="coerce")
            ax.plot(range(len(periods)), s.to_numpy(dtype=float), marker="o", markersize=3, label=_chart_text(key))
        ax.set_xticks(range(len(periods)), periods, rotation=45 if len(periods) > 8 else 0)
        ax.set_ylabel(ctx.t["axis_count"])
        ax.yaxis.set_major_formatter(_number_formatter(ctx))
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))

    return _figure(draw)


def _comparison(ctx: _Ctx) -> list[dict[str, Any]]:
    t = ctx.t
    b: list[dict[str, Any] | None] = []
    cp = ctx.table("comparison")
    if cp is None:
        b.append(ctx.missing("comparison"))
    else:
        cp = _whole_span(cp).copy()
        cp["_focus"] = ~ctx.is_focus(cp)
        cp = cp.sort_values(["_focus", _area_col(cp)], kind="stable")
        b.append(_fig_block(_rr_chart(ctx, _only_all(cp)), t["compare_fig"]))
        if {"rr_ci_low", "rr_ci_high"} <= set(cp.columns) and len(cp) > 30:
            keep = (cp["category"] == "alla") | (cp["rr_ci_low"] > 1) | (cp["rr_ci_high"] < 1)
            left = int((~keep).sum())
            cp = cp[keep]
            compare_note = t["compare_note"].format(n=ctx.num(left)) if left else ""
        else:
            compare_note = ""
        if {"rr_ci_low", "rr_ci_high"} <= set(cp.columns):
            cp["rr_ci"] = [f"{ctx.num(lo, 2)}–{ctx.num(hi, 2)}" if pd.notna(lo) else "–"
                           for lo, hi in zip(cp["rr_ci_low"], cp["rr_ci_high"], strict=False)]
        b.append(_table_block(ctx, cp, [
            (_area_col(cp), t["col_area"], None), ("category", t["col_category"], lambda v: ctx.cat(v, True)),
            ("count", t["col_count"], None), ("rate", t["col_rate"], lambda v: ctx.num(v, 1)),
            ("ref_rate", t["col_ref_rate"], lambda v: ctx.num(v, 1)),
            ("rate_ratio", t["col_rr"], lambda v: ctx.num(v, 2)),
            ("rr_ci", t["col_ci"], lambda v: v),
            ("rr_p", t["col_p"], lambda v: _format_p(v, ctx.lang)), ("lqc", t["col_lqc"], lambda v: ctx.num(v, 2))],
            t["compare_caption"], table_name="comparison", note=compare_note))
    fu = ctx.table("funnel")
    if fu is None:
        b.append(ctx.missing("funnel"))
    else:
        fu = _only_all(_whole_span(fu))
        b.append(_fig_block(_funnel_chart(ctx, fu), t["funnel_fig"]))
        if "funnel_position" in fu.columns:
            pos = fu["funnel_position"].astype(str)
            out = fu[pos.isin(["above_998", "above_95"])].sort_values("rate", ascending=False)
            n_below = int(pos.isin(["below_95", "below_998"]).sum())
            if len(out):
                b.append(_table_block(ctx, out, [
                    ("district_name", t["col_district"], None),
                    ("category", t["col_category"], lambda v: ctx.cat(v, True)),
                    ("population", t["col_population"], lambda v: ctx.num(v, 0)), ("count", t["col_count"], None),
                    ("rate", t["col_rate"], lambda v: ctx.num(v, 1)),
                    ("funnel_position", t["col_position"], lambda v: t.get(f"pos_{v}", _clean(v)))],
                    t["funnel_caption"], table_name="funnel",
                    note=t["funnel_below"].format(n=ctx.num(n_below)) if n_below else ""))
            else:
                b.append({"type": "p", "text": t["funnel_none"]})
    return [x for x in b if x is not None]


def _rr_chart(ctx: _Ctx, cp: pd.DataFrame) -> str | None:
    if not {"rate_ratio", "rr_ci_low", "rr_ci_high", "area", "category"} <= set(cp.columns):
        return None
    d = cp.dropna(subset=["rate_ratio", "rr_ci_low", "rr_ci_high"])
    d = d[(d["rate_ratio"] > 0) & (d["rr_ci_low"] > 0)].head(25)
    if d.empty:
        return None

    def draw(fig, plt):
        ax = fig.add_subplot(111)
        y = np.arange(len(d))[::-1]
        ax.errorbar(d["rate_ratio"], y, xerr=[d["rate_ratio"] - d["rr_ci_low"], d["rr_ci_high"] - d["rate_ratio"]],
                    fmt="o", color="#1f4e79", ecolor="#7a8b99", capsize=2, markersize=4)
        ax.axvline(1, color="#b3261e", linewidth=0.8)
        ax.set_xscale("log")
        lo, hi = float(d["rr_ci_low"].min()), float(d["rr_ci_high"].max())
        ticks = [v for v in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20) if v == 1 or lo / 1.5 <= v <= hi * 1.5]
        ax.set_xticks(ticks, [ctx.num(v, 1 if v < 1 else 0) for v in ticks])
        ax.minorticks_off()
        labels = [_chart_text(f"{a} – {ctx.cat(c, True)}", 60)
                  for a, c in zip(d[_area_col(d)], d["category"], strict=False)]
        ax.set_yticks(y, labels)
        ax.set_xlabel(ctx.t["axis_rr"])

    return _figure(draw, (6.8, max(1.8, 0.35 * len(d) + 0.8)))


def _funnel_chart(ctx: _Ctx, fu: pd.DataFrame) -> str | None:
    need = {"population", "rate", "lim95_low", "lim95_high", "lim998_low", "lim998_high"}
    if not need <= set(fu.columns):
        return None
    d = fu[fu["category"] == "alla"] if "category" in fu.columns and (fu["category"] == "alla").any() else fu
    d = d.sort_values("population")

    def draw(fig, plt):
        ax = fig.add_subplot(111)
        ax.plot(d["population"], d["lim95_low"], color="#7a8b99", linestyle="--", linewidth=0.8, label="95 %")
        ax.plot(d["population"], d["lim95_high"], color="#7a8b99", linestyle="--", linewidth=0.8)
        ax.plot(d["population"], d["lim998_low"], color="#333", linewidth=0.8, label="99,8 %"
                if ctx.lang == "sv" else "99.8%")
        ax.plot(d["population"], d["lim998_high"], color="#333", linewidth=0.8)
        if "ref_rate" in d.columns:
            ax.axhline(float(d["ref_rate"].iloc[0]), color="#b3261e", linewidth=0.8)
        pos = d.get("funnel_position", pd.Series("", index=d.index)).astype(str)
        col = np.where(pos.str.startswith("above"), "#d62f27", np.where(pos.str.startswith("below"), "#4575b5",
                                                                        "#555555"))
        ax.scatter(d["population"], d["rate"], c=col, s=18, zorder=3)
        name_col = "district_name" if "district_name" in d.columns else "district_id"
        for _, row in d[pos == "above_998"].sort_values("rate", ascending=False).head(6).iterrows():
            if pd.notna(row["rate"]):
                ax.annotate(_chart_text(row[name_col], 25), (row["population"], row["rate"]), fontsize=7,
                            xytext=(3, 3), textcoords="offset points")
        ax.xaxis.set_major_formatter(_number_formatter(ctx))
        ax.yaxis.set_major_formatter(_number_formatter(ctx))
        ax.set_xlabel(ctx.t["axis_population"])
        ax.set_ylabel(ctx.t["axis_rate"].format(per=ctx.num(ctx.per)))
        ax.legend(loc="upper right")

    return _figure(draw, (6.8, 3.6))


def _where(ctx: _Ctx) -> list[dict[str, Any]]:
    t, r = ctx.t, ctx.r
    b: list[dict[str, Any] | None] = []
    rd = ctx.table("rates_district")
    if rd is None or "category" not in rd.columns:
        b.append(ctx.missing("rates_district"))
    else:
        sel = _rates_selection(rd, "alla")
        gdf = _as_geo(ctx, sel)
        col = "eb_rate" if "eb_rate" in sel.columns else "rate"
        if gdf is not None:
            b.append(_fig_block(_map_values(ctx, gdf, col), t["map_rates"].format(per=ctx.num(ctx.per)), cls="map"))
        top = sel.sort_values(col, ascending=False, na_position="last").head(10)
        b.append(_table_block(ctx, top, [
            ("district_name", t["col_district"], None), ("population", t["col_population"], lambda v: ctx.num(v, 0)),
            ("count", t["col_count"], None), ("rate", t["col_rate"], lambda v: ctx.num(v, 1)),
            ("eb_rate", t["col_eb_rate"], lambda v: ctx.num(v, 1))], t["top_caption"], table_name="rates_district"))
    for name, column, classes, caption in (("gistar_grid", "gistar_class", GISTAR_CLASSES, "map_gistar"),
                                           ("gistar_district", "gistar_class", GISTAR_CLASSES, "map_gistar_district"),
                                           ("lisa_district", "lisa_cluster", LISA_CLUSTERS, "map_lisa"),
                                           ("emerging_grid", "emerging_category", EMERGING_CATEGORIES,
                                            "map_emerging")):
        df = ctx.table(name)
        if df is None or column not in df.columns:
            if name != "gistar_district":
                b.append(ctx.missing(name))
            continue
        sel = df[df["category"] == "alla"] if "category" in df.columns and (df["category"] == "alla").any() else df
        gdf = _as_geo(ctx, sel)
        if gdf is not None:
            b.append(_fig_block(_map_categorical(ctx, gdf, column, classes), t[caption], cls="map"))
    mg = ctx.table("moran_global")
    if mg is not None:
        b.append(_table_block(ctx, mg, [
            ("unit", t["col_unit"], None), ("category", t["col_category"], lambda v: ctx.cat(v, True)),
            ("variable", t["col_variable"], None), ("moran_i", t["col_moran_i"], lambda v: ctx.num(v, 3)),
            ("moran_z", t["col_z"], lambda v: ctx.num(v, 2)),
            ("moran_p_sim", t["col_p"], lambda v: _format_p(v, ctx.lang))], t["moran_caption"],
            table_name="moran_global"))
    co = ctx.table("concentration")
    if co is None:
        b.append(ctx.missing("concentration"))
    else:
        b.append(_table_block(ctx, co, [
            ("unit", t["col_unit"], None), ("category", t["col_category"], lambda v: ctx.cat(v, True)),
            ("n_incidents", t["col_count"], None), ("n_units", t["col_units"], lambda v: ctx.num(v, 0)),
            ("top1_share", t["col_top1"], lambda v: ctx.pct(v, share=True)),
            ("top5_share", t["col_top5"], lambda v: ctx.pct(v, share=True)),
            ("top10_share", t["col_top10"], lambda v: ctx.pct(v, share=True)),
            ("gini", t["col_gini"], lambda v: ctx.num(v, 2))], t["concentration_caption"],
            table_name="concentration"))
    lo = ctx.table("lorenz")
    if lo is not None and {"place_share", "incident_share"} <= set(lo.columns):
        b.append(_fig_block(_lorenz_chart(ctx, _only_all(lo)), t["lorenz_fig"], cls="small"))
    del r
    return [x for x in b if x is not None]


def _rates_selection(rd: pd.DataFrame, category: str) -> pd.DataFrame:
    sel = rd[rd["category"] == category]
    if "period" in sel.columns:
        sel = sel[sel["period"] == "hela"] if (sel["period"] == "hela").any() else sel[
            sel["period"] == sorted(sel["period"].astype(str))[-1]]
    return sel


def _as_geo(ctx: _Ctx, df: pd.DataFrame):
    """Return the rows as a GeoDataFrame (geometry of the table, else of the districts / grid)."""
    import geopandas as gpd

    if isinstance(df, gpd.GeoDataFrame) and df.geometry.notna().any():
        return df
    if "district_id" in df.columns and ctx.r.districts is not None:
        geo = ctx.r.districts.geometry
        return gpd.GeoDataFrame(df.copy(), geometry=list(df["district_id"].map(geo)), crs=ctx.r.districts.crs)
    if "cell_id" in df.columns and ctx.r.grid is not None:
        geo = ctx.r.grid.set_index("cell_id").geometry if "cell_id" in ctx.r.grid.columns else ctx.r.grid.geometry
        return gpd.GeoDataFrame(df.copy(), geometry=list(df["cell_id"].map(geo)), crs=ctx.r.grid.crs)
    return None


def _lorenz_chart(ctx: _Ctx, lo: pd.DataFrame) -> str | None:
    def draw(fig, plt):
        ax = fig.add_subplot(111)
        keys = [c for c in ("unit", "category") if c in lo.columns]
        for key, part in list(lo.groupby(keys, sort=False) if keys else [("", lo)])[:8]:
            key = key if isinstance(key, tuple) else (key,)
            label = " – ".join(ctx.cat(k, True) if i == len(key) - 1 else _clean(k) for i, k in enumerate(key))
            ax.plot(part["place_share"], part["incident_share"], label=_chart_text(label))
        ax.plot([0, 1], [0, 1], color="#999", linewidth=0.6, linestyle=":")
        ax.set_xlabel(ctx.t["axis_place_share"])
        ax.set_ylabel(ctx.t["axis_incident_share"])
        ax.legend(loc="lower right")
        ax.set_aspect("equal")

    return _figure(draw, (3.6, 3.4))


def _patterns(ctx: _Ctx) -> list[dict[str, Any]]:
    t = ctx.t
    b: list[dict[str, Any] | None] = []
    wh = ctx.table("time_weekday_hour")
    if wh is None or not {"weekday", "hour", "weight"} <= set(wh.columns):
        b.append(ctx.missing("time_weekday_hour"))
    else:
        sel = wh[wh["category"] == "alla"] if "category" in wh.columns and (wh["category"] == "alla").any() else wh
        b.append(_fig_block(_heatmap(ctx, sel), t["heat_fig"]))
    tm = ctx.table("time_month")
    if tm is None or not {"month", "weight"} <= set(tm.columns):
        b.append(ctx.missing("time_month"))
    else:
        sel = tm[tm["category"] == "alla"] if "category" in tm.columns and (tm["category"] == "alla").any() else tm
        b.append(_fig_block(_month_chart(ctx, sel), t["month_fig"]))
    b.append({"type": "h3", "text": t["near_repeat"]})
    nr = ctx.table("near_repeat")
    if nr is None:
        b.append(ctx.missing("near_repeat"))
    else:
        b.append(_table_block(ctx, nr, [
            ("distance_band", t["col_distance"], None), ("time_band", t["col_time"], None),
            ("observed", t["col_observed"], None), ("expected", t["col_expected"], lambda v: ctx.num(v, 1)),
            ("ratio", t["col_ratio"], lambda v: ctx.num(v, 2)),
            ("p_value", t["col_p"], lambda v: _format_p(v, ctx.lang))],
            t["near_repeat_caption"] + f" ({ctx.cat(ctx.r.config.near_repeat.category)})", table_name="near_repeat"))
    return [x for x in b if x is not None]


def _heatmap(ctx: _Ctx, df: pd.DataFrame) -> str | None:
    def draw(fig, plt):
        ax = fig.add_subplot(111)
        grid = np.full((7, 24), np.nan)
        for _, row in df.iterrows():
            w, h = int(row["weekday"]), int(row["hour"])
            if 0 <= w < 7 and 0 <= h < 24:
                grid[w, h] = row["weight"]
        cmap = plt.get_cmap("YlOrRd")
        cmap = cmap.with_extremes(bad="#d9d9d9")
        im = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap=cmap)
        ax.set_yticks(range(7), ctx.t["weekdays"].split(","))
        ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
        ax.set_xlabel(ctx.t["axis_hour"])
        ax.grid(False)
        fig.colorbar(im, ax=ax, shrink=0.8, label=ctx.t["axis_count"])

    return _figure(draw, (6.8, 2.8))


def _month_chart(ctx: _Ctx, df: pd.DataFrame) -> str | None:
    def draw(fig, plt):
        ax = fig.add_subplot(111)
        s = df.set_index("month")["weight"].reindex(range(1, 13))
        ax.bar(range(12), pd.to_numeric(s, errors="coerce").fillna(0), color="#1f4e79")
        ax.set_xticks(range(12), ctx.t["months"].split(","))
        ax.set_ylabel(ctx.t["axis_count"])

    return _figure(draw, (6.8, 2.4))


def _deep_dives(ctx: _Ctx) -> list[dict[str, Any]]:
    t = ctx.t
    b: list[dict[str, Any] | None] = [{"type": "p", "text": t["deep_intro"]}]
    rd, tr, cp = ctx.table("rates_district"), ctx.table("trend"), ctx.table("comparison")
    present: list[str] = []
    for df in (rd, tr, cp):
        if df is not None and "category" in df.columns:
            present.extend(str(c) for c in df["category"].unique() if c != "alla")
    cats = list(dict.fromkeys([c for c in CATEGORIES if c in present] + [c for c in present if c not in CATEGORIES]))
    if not cats:
        b.append(ctx.missing("rates_district / trend / comparison"))
    for cat in cats[:15]:
        b.append({"type": "h3", "text": ctx.cat(cat, capital=True)})
        facts: list[str] = []
        if rd is not None:
            sel = _rates_selection(rd, cat)
            total = pd.to_numeric(sel["count"], errors="coerce")
            hidden = sel["count_suppressed"].any() if "count_suppressed" in sel.columns else False
            if len(sel) and not hidden:
                facts.append(t["deep_count"].format(n=ctx.num(total.sum())))
            col = "eb_rate" if "eb_rate" in sel.columns else "rate"
            top = sel.dropna(subset=[col]).sort_values(col, ascending=False).head(3)
            if len(top):
                names = ", ".join(f"{_clean(n, 50)} ({ctx.num(v, 1)})" for n, v in
                                  zip(top.get("district_name", top.get("district_id")), top[col], strict=False))
                facts.append(t["deep_top"].format(names=names))
        if tr is not None and "trend_pct_per_year" in tr.columns:
            for _, row in _sure_trends(ctx, tr[tr["category"] == cat]).head(3).iterrows():
                facts.append(t["deep_trend"].format(area=_clean(row.get(_area_col(tr))),
                                                    pct=ctx.pct(row.get("trend_pct_per_year"), 0, sign=True),
                                                    p=_format_p(row.get("trend_p", row.get("mk_p")), ctx.lang)))
        if cp is not None:
            sel = _whole_span(cp[cp["category"] == cat])
            sel = sel[ctx.is_focus(sel)] if ctx.is_focus(sel).any() else sel
            for _, row in sel.head(5).iterrows():
                if pd.notna(row.get("rate_ratio")):
                    facts.append(t["deep_rr"].format(area=_clean(row.get(_area_col(cp))),
                                                      rr=ctx.num(row["rate_ratio"], 2),
                                                      lo=ctx.num(row.get("rr_ci_low"), 2),
                                                      hi=ctx.num(row.get("rr_ci_high"), 2)))
        b.append({"type": "ul", "items": facts} if facts else {"type": "p", "text": t["deep_none"]})
        if rd is not None:
            sel = _rates_selection(rd, cat)
            gdf = _as_geo(ctx, sel)
            col = "eb_rate" if "eb_rate" in sel.columns else "rate"
            if gdf is not None and len(gdf):
                b.append(_fig_block(_map_values(ctx, gdf, col, (5.6, 3.4)),
                                    t["deep_map"].format(cat=ctx.cat(cat, True), per=ctx.num(ctx.per)),
                                    cls="map mid"))
    return [x for x in b if x is not None]


def _forecast(ctx: _Ctx) -> list[dict[str, Any]]:
    t = ctx.t
    b: list[dict[str, Any] | None] = []
    bt = ctx.table("forecast_backtest")
    if bt is None:
        b.append(ctx.missing("forecast_backtest"))
    else:
        bt = _only_all(bt)
        keys = [c for c in ("method", "area_share") if c in bt.columns]
        vals = [c for c in ("hit_rate", "pai", "pei", "rri") if c in bt.columns]
        mean = bt.groupby(keys, as_index=False)[vals].mean() if keys and vals else bt
        b.append(_fig_block(_backtest_chart(ctx, mean), t["backtest_fig"]))
        b.append(_table_block(ctx, mean, [
            ("method", t["col_method"], None), ("area_share", t["col_area_share"], lambda v: ctx.pct(v, 0, share=True)),
            ("hit_rate", t["col_hit_rate"], lambda v: ctx.pct(v, 0, share=True)),
            ("pai", t["col_pai"], lambda v: ctx.num(v, 2)), ("pei", t["col_pei"], lambda v: ctx.num(v, 2))],
            t["backtest_caption"], table_name="forecast_backtest"))
    fs = ctx.table("forecast_summary")
    if fs is None or "beats_baseline" not in fs.columns:
        b.append({"type": "p", "text": t["forecast_no_baseline"]})
    else:
        b.extend({"type": "p", "text": s} for s in _forecast_verdict(ctx))
        b.append(_table_block(ctx, _only_all(fs), [
            ("method", t["col_method"], None), ("area_share", t["col_area_share"], lambda v: ctx.pct(v, 0, share=True)),
            ("hit_rate", t["col_hit_rate"], lambda v: ctx.pct(v, 0, share=True)),
            ("pai", t["col_pai"], lambda v: ctx.num(v, 2)),
            ("pai_diff", t["col_pai_diff"], lambda v: ctx.num(v, 2)),
            ("pai_diff_p_holm", t["col_p"], lambda v: _format_p(v, ctx.lang)),
            ("baseline_hit_rate", t["col_baseline_hit"], lambda v: ctx.pct(v, 0, share=True)),
            ("beats_baseline", t["col_beats"], lambda v: t["beats_yes"] if bool(v) else t["beats_no"])],
            t["forecast_summary_caption"], table_name="forecast_summary"))
    fd = ctx.table("forecast_district")
    if fd is None:
        b.append(ctx.missing("forecast_district"))
    else:
        d = _only_all(fd).copy()
        if "district_id" in d.columns and "district_name" not in d.columns:
            d["district_name"] = d["district_id"].map(ctx.district_name)
        if {"pi_low", "pi_high"} <= set(d.columns):
            d["pi"] = [f"{ctx.num(lo, 0)}–{ctx.num(hi, 0)}" for lo, hi in zip(d["pi_low"], d["pi_high"], strict=False)]
        b.append(_table_block(ctx, d, [
            ("district_name", t["col_district"], None), ("category", t["col_category"], lambda v: ctx.cat(v, True)),
            ("year", t["col_year"], _year), ("forecast", t["col_forecast"], lambda v: ctx.num(v, 0)),
            ("pi", t["col_pi"], lambda v: v)], t["forecast_district_caption"], table_name="forecast_district"))
    return [x for x in b if x is not None]


def _backtest_chart(ctx: _Ctx, mean: pd.DataFrame) -> str | None:
    if not {"method", "area_share", "hit_rate"} <= set(mean.columns):
        return None

    def draw(fig, plt):
        ax = fig.add_subplot(111)
        for method, part in mean.groupby("method", sort=False):
            part = part.sort_values("area_share")
            ax.plot(part["area_share"] * 100, part["hit_rate"] * 100, marker="o", label=_chart_text(method))
        ax.set_xlabel(ctx.t["col_area_share"] + " (%)")
        ax.set_ylabel(ctx.t["col_hit_rate"] + " (%)")
        ax.set_ylim(bottom=0)
        ax.legend(loc="lower right")

    return _figure(draw, (5.6, 2.6))


def _limitations(ctx: _Ctx) -> list[dict[str, Any]]:
    t = ctx.t
    items = list(t["limits"])
    if ctx.r.config.project.synthetic:
        items.insert(0, t["synthetic_note"])
    q = ctx.r.quality or {}
    share = q.get("geocoded_share")
    if isinstance(share, int | float) and not isinstance(share, bool):
        items.append(t["limit_geocoded"].format(share=ctx.pct(share, 1, share=True)))
    per_source = q.get("per_source") or {}
    try:
        read = sum(float(s.get("read", 0) or 0) for s in per_source.values())
        acc = sum(float(s.get("accepted", 0) or 0) for s in per_source.values())
    except (AttributeError, TypeError, ValueError):
        read = acc = 0
    if read > 0:
        items.append(t["limit_geocoding"].format(read=ctx.num(read), acc=ctx.num(acc),
                                                 share=ctx.pct(acc / read, 1, share=True)))
    return [{"type": "ul", "items": items}]


# --------------------------------------------------------------------------- rendering
def render_report_html(results: RunResults, *, mode: str = "public", language: str | None = None,
                       figures: bool = True) -> str:
    """Render the report as one HTML string (see :func:`write_report`).

    ``figures=False`` leaves out charts and maps (a quick text-only check).
    """
    if mode not in ("public", "internal"):
        raise ValueError(f"mode needs to be 'public' or 'internal'; got {mode!r}")
    lang = language or results.config.project.language
    if lang not in TEXTS:
        raise ValueError(f"language needs to be one of {', '.join(TEXTS)}; got {lang!r}")
    k = results.config.output.min_count
    already_public = results.public
    if mode == "internal" and already_public:
        raise ValueError("mode 'internal' needs the full results; these were already made public")
    res = public_results(results, k, lang) if mode == "public" and not already_public else results
    ctx = _Ctx(res, lang, mode, k)
    t = ctx.t
    builders = (("sammanfattning", "sec_summary", _summary), ("data-och-metod", "sec_data", _data_method),
                ("utveckling", "sec_time", _over_time), ("jamforelse", "sec_compare", _comparison),
                ("var", "sec_where", _where), ("tidsmonster", "sec_patterns", _patterns),
                ("fordjupning", "sec_deep", _deep_dives), ("prognos", "sec_forecast", _forecast),
                ("begransningar", "sec_limits", _limitations))
    sections = []
    token = _FIGURES.set(figures)
    try:
        for sid, key, build in builders:
            sections.append(_section(ctx, sid, key, build))
    finally:
        _FIGURES.reset(token)
    p = res.config.periods

    name = _clean(res.config.project.name)
    banner = t["synthetic"] if res.config.project.synthetic else ""
    env = _environment()
    return env.get_template("report.html.j2").render(
        lang=lang, version=__version__, title=_title(t, name),
        subtitle=t["subtitle"].format(start=p.start.isoformat(), end=p.end.isoformat()),
        generated=t["generated"].format(date=dt.date.today().isoformat(), version=__version__),
        mode_label=t[mode], toc_label=t["toc"], banner=banner, banner_css=_css_string(banner),
        footer_css=_css_string(f"{name} · {t[mode]}"), sections=sections,
    )


def _title(t: dict[str, Any], name: str) -> str:
    """Report title; a project name that already says "Lägesbild" is used as it is."""
    head = t["title"].split(":", 1)[0].strip().lower()
    return name if name.lower().startswith(head) else t["title"].format(name=name)


def _section(ctx: _Ctx, sid: str, key: str, build: Callable[[_Ctx], list[dict[str, Any]]]) -> dict[str, Any]:
    try:
        blocks = build(ctx)
    except Exception as exc:  # noqa: BLE001 - one broken part must not stop the report
        log.warning("report: section %s failed (%s: %s)", key, type(exc).__name__, exc)
        blocks = [{"type": "missing", "text": ctx.t["not_computed"].format(what=type(exc).__name__)}]
    return {"id": sid, "title": ctx.t[key], "blocks": blocks}


def _environment():
    try:
        import jinja2
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError("the report needs jinja2: pip install jinja2") from exc
    return jinja2.Environment(
        loader=jinja2.PackageLoader("geolage", "templates"),
        autoescape=True, trim_blocks=False, lstrip_blocks=False,
    )


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable: ``$GEOLAGE_CHROMIUM``, else the first on PATH."""
    env = os.environ.get("GEOLAGE_CHROMIUM")
    if env:
        return env if Path(env).exists() else shutil.which(env)
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def html_to_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout: float = 180.0) -> bool:
    """Print an HTML file to an A4 PDF with headless Chromium, offline.

    Parameters
    ----------
    html_path, pdf_path : str or Path
    timeout : float
        Seconds before the browser is stopped.

    Returns
    -------
    bool
        True when the PDF was written; False (with a :class:`GeolageWarning`) when no
        browser was found or printing failed.
    """
    exe = find_chromium()
    if exe is None:
        warnings.warn("PDF not written: Chromium not found (apt install chromium, or set GEOLAGE_CHROMIUM); "
                      "the HTML report is complete", GeolageWarning, stacklevel=2)
        return False
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    tmp_pdf = pdf_path.with_name(f".{pdf_path.name}.part")
    with tempfile.TemporaryDirectory(prefix="geolage-chromium-") as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
               "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
               "--no-pdf-header-footer", f"--print-to-pdf={tmp_pdf}", html_path.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            warnings.warn(f"PDF not written: Chromium failed ({exc}); the HTML report is complete", GeolageWarning,
                          stacklevel=2)
            tmp_pdf.unlink(missing_ok=True)
            return False
    if not tmp_pdf.is_file() or tmp_pdf.stat().st_size == 0 or not tmp_pdf.read_bytes()[:5] == b"%PDF-":
        err = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:] or [""]
        warnings.warn(f"PDF not written: Chromium exited with {proc.returncode} ({err[0][:200]}); "
                      "the HTML report is complete", GeolageWarning, stacklevel=2)
        tmp_pdf.unlink(missing_ok=True)
        return False
    os.replace(tmp_pdf, pdf_path)
    return True


def write_report(results: RunResults, out_dir: str | Path, *, mode: str = "public", language: str | None = None,
                 pdf: bool = True) -> dict[str, Path]:
    """Write the lägesbild report: ``rapport.html`` and (optionally) ``rapport.pdf``.

    Parameters
    ----------
    results : RunResults
        The run. In ``public`` mode it is passed through
        :func:`geolage.run.disclosure.public_results` first (``results`` is not changed).
    out_dir : str or Path
        Folder to write into (created if missing). Existing report files are replaced.
    mode : {"public", "internal"}
        ``public`` (default): small counts suppressed, no incident data.
    language : {"sv", "en"}, optional
        Default ``results.config.project.language``.
    pdf : bool
        Also print the HTML to PDF with headless Chromium. When Chromium is missing a
        :class:`~geolage.errors.GeolageWarning` is issued and only the HTML is written.

    Returns
    -------
    dict of str to Path
        ``{"html": .../rapport.html}`` and ``"pdf"`` when the PDF was written.

    Notes
    -----
    Sections (Brå's structure): Sammanfattning, Data och metod (sources, data
    quality, coverage against Brå, parameters, run record), Utveckling över tid,
    Jämförelse med referensområden, Var problemen är störst, Tidsmönster,
    Fördjupning per brottskategori, Prognos och utvärdering, Begränsningar. A table
    that is missing gives a plain "not computed" note in its place.

    Examples
    --------
    >>> from geolage.outputs.report.document import write_report
    >>> paths = write_report(results, "ut/", mode="public")  # doctest: +SKIP
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = render_report_html(results, mode=mode, language=language)
    html_path = out / "rapport.html"
    tmp = out / ".rapport.html.part"
    tmp.write_bytes(text.encode("utf-8", errors="replace"))
    os.replace(tmp, html_path)
    paths = {"html": html_path}
    log.info("report written: %s", html_path)
    if pdf:
        pdf_path = out / "rapport.pdf"
        if html_to_pdf(html_path, pdf_path):
            paths["pdf"] = pdf_path
            log.info("report written: %s", pdf_path)
    return paths

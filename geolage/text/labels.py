"""Labels of columns, crime categories, classes and reject reasons, in Swedish and English.

Tables hold codes (``inbrott_bostad``, ``hot_95``, ``duplicate_near``) and snake_case
column names; people see these labels (QGIS aliases, CSV README, spreadsheet headings,
map legends, report). A label missing here falls back to the code, so a user's own
category or column still shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .format import Text, check_language

__all__ = [
    "COLUMN_LABELS",
    "VALUE_LABELS",
    "GRID_UNIT_LABEL",
    "CATEGORY_LABELS",
    "GISTAR_CLASS_LABELS",
    "LISA_CLUSTER_LABELS",
    "EMERGING_CATEGORY_LABELS",
    "SUPPRESSED_LABEL",
    "ALL_CATEGORIES_LABEL",
    "REJECT_MESSAGES",
    "column_label",
    "TABLE_COLUMN_LABELS",
    "SUFFIX_LABELS",
    "category_label",
    "set_custom_categories",
    "SOURCE_COLUMN_LABELS",
    "readable_name",
    "field_alias",
    "RATE_LEGEND_HEADING",
]

#: Readable label of every result column (QGIS aliases, CSV README, spreadsheet headings).
COLUMN_LABELS: dict[str, Text] = {
    "district_id": Text("Områdes-id", "District id"),
    "district_name": Text("Område", "District"),
    "area": Text("Område-id", "Area id"),
    "area_name": Text("Område", "Area"),
    "area_id": Text("Område-id", "Area id"),
    "focus_area": Text("Fokusområdets id", "Focus area id"),
    "n_districts": Text("Antal delområden", "Number of districts"),
    "repeated_id_rows": Text("Rader med ett id som redan förekommit", "Rows with an id already seen"),
    "previous_start": Text("Förra perioden, första dag", "Previous period, first day"),
    "previous_end": Text("Förra perioden, sista dag", "Previous period, last day"),
    "current_start": Text("Aktuella perioden, första dag", "Current period, first day"),
    "current_end": Text("Aktuella perioden, sista dag", "Current period, last day"),
    "rate_basis": Text("Takten räknad per", "Rate counted per"),
    "count_previous": Text("Antal brott, förra perioden", "Incidents, previous period"),
    "exposure_previous": Text("Personår, förra perioden", "Person-years, previous period"),
    "rate_previous": Text("Brott per 1 000 inv., förra perioden", "Incidents per 1,000 pop., previous period"),
    "change_ratio": Text("Förändring: kvot nu mot förra perioden", "Change: ratio now to previous period"),
    "change_ci_low": Text("Nedre 95 %-gräns (förändring)", "Lower 95% limit (change)"),
    "change_ci_high": Text("Övre 95 %-gräns (förändring)", "Upper 95% limit (change)"),
    "change_lo": Text("Nedre 95 %-gräns (förändring)", "Lower 95% limit (change)"),
    "change_hi": Text("Övre 95 %-gräns (förändring)", "Upper 95% limit (change)"),
    "change_direction": Text("Förändring sedan förra lägesbilden", "Change since the previous picture"),
    "whole_rate": Text("Brott per 1 000 inv., hela kommunen", "Incidents per 1,000 pop., whole municipality"),
    "rr_lo": Text("Nedre 95 %-gräns (kvot)", "Lower 95% limit (ratio)"),
    "rr_hi": Text("Övre 95 %-gräns (kvot)", "Upper 95% limit (ratio)"),
    "share_of_whole": Text("Andel av kommunens brott", "Share of the municipality's incidents"),
    "hotspot_share": Text("Andel av brotten i hot spots (Gi*)", "Share of incidents in hot spots (Gi*)"),
    "forecast_year": Text("Prognosår", "Forecast year"),
    "forecast_low": Text("Prognos, nedre 80 %-gräns", "Forecast, lower 80% limit"),
    "forecast_high": Text("Prognos, övre 80 %-gräns", "Forecast, upper 80% limit"),
    "priority_rank": Text("Prioritetsordning (1 = först)", "Priority rank (1 = first)"),
    "priority_score": Text("Prioritetspoäng", "Priority score"),
    "level_score": Text("Poäng för nivå", "Score for level"),
    "development_score": Text("Poäng för utveckling", "Score for development"),
    "concentration_score": Text("Poäng för koncentration", "Score for concentration"),
    "certainty": Text("Säkerhet", "Certainty"),
    "indicator": Text("Indikator", "Indicator"),
    "weighted_mean": Text("Befolkningsvägt medelvärde", "Population-weighted mean"),
    "source_edition": Text("Utgåva av underlaget", "Edition of the source"),
    "category": Text("Brottskategori", "Crime category"),
    "period": Text("Period", "Period"),
    "unit": Text("Enhet", "Unit"),
    "count": Text("Antal brott", "Incidents"),
    "source": Text("Källa", "Source"),
    "population": Text("Befolkning", "Population"),
    "exposure": Text("Personår", "Person-years"),
    "years": Text("År i perioden", "Years in the period"),
    "rate": Text("Brott per 1 000 inv.", "Incidents per 1,000 pop."),
    "rate_ci_low": Text("Takt, 95 % KI nedre", "Rate, 95% CI lower"),
    "rate_ci_high": Text("Takt, 95 % KI övre", "Rate, 95% CI upper"),
    "eb_rate": Text("Utjämnad takt (EB)", "Smoothed rate (EB)"),
    "eb_rate_spatial": Text("Rumsligt utjämnad takt (EB)", "Spatially smoothed rate (EB)"),
    "eb_z": Text("Standardiserad takt (Assunção–Reis)", "Standardised rate (Assunção–Reis)"),
    "is_focus": Text("Fokusområde", "Focus district"),
    "ref_count": Text("Antal brott, jämförelse", "Number of offences, reference"),
    "ref_exposure": Text("Personår, jämförelse", "Person-years, reference"),
    "ref_rate": Text("Takt, jämförelse", "Rate, reference"),
    "rate_ratio": Text("Kvot mot jämförelse", "Rate ratio"),
    "rr_ci_low": Text("Nedre 95 %-gräns (kvot)", "Lower 95% limit (ratio)"),
    "rr_ci_high": Text("Övre 95 %-gräns (kvot)", "Upper 95% limit (ratio)"),
    "rr_p": Text("p-värde (kvot)", "p-value (ratio)"),
    "lqc": Text("Lokaliseringskvot (LQC)", "Location quotient (LQC)"),
    "reference": Text("Jämförs med", "Compared with"),
    "lim95_low": Text("Nedre 95 %-gräns (tratt)", "Lower 95% limit (funnel)"),
    "lim95_high": Text("Övre 95 %-gräns (tratt)", "Upper 95% limit (funnel)"),
    "lim998_low": Text("Nedre 99,8 %-gräns (tratt)", "Lower 99.8% limit (funnel)"),
    "lim998_high": Text("Övre 99,8 %-gräns (tratt)", "Upper 99.8% limit (funnel)"),
    "funnel_position": Text("Läge i trattdiagram", "Funnel position"),
    "year": Text("År", "Year"),
    "bra_group": Text("Brås brottsgrupp", "Brå offence group"),
    "bra_count": Text("Anmälda brott enligt Brå", "Reported offences (Brå)"),
    "data_count": Text("Brott i underlaget", "Offences in the data"),
    "coverage": Text("Täckning", "Coverage"),
    "preliminary": Text("Preliminär", "Preliminary"),
    "n_years": Text("Antal år", "Number of years"),
    "mk_s": Text("Mann–Kendall S", "Mann–Kendall S"),
    "mk_var_s": Text("Varians av S", "Variance of S"),
    "mk_z": Text("Mann–Kendall z", "Mann–Kendall z"),
    "mk_p": Text("p-värde (Mann–Kendall)", "p-value (Mann–Kendall)"),
    "trend_pct_per_year": Text("Förändring per år (%)", "Change per year (%)"),
    "trend_ci_low": Text("Nedre 95 %-gräns (% per år)", "Lower 95% limit (% per year)"),
    "trend_ci_high": Text("Övre 95 %-gräns (% per år)", "Upper 95% limit (% per year)"),
    "trend_p": Text("p-värde (trend)", "p-value (trend)"),
    "trend_model": Text("Trendmodell", "Trend model"),
    "trend_dispersion": Text("Överspridning (Pearson χ²/fg)", "Dispersion (Pearson χ²/df)"),
    "change_baseline": Text("Antal, jämförelseperiod", "Count, baseline period"),
    "change_current": Text("Antal, aktuell period", "Count, current period"),
    "change_pct": Text("Förändring (%)", "Change (%)"),
    "change_p": Text("p-värde (förändring)", "p-value (change)"),
    "direction": Text("Utveckling", "Direction"),
    "ytd_end": Text("Till och med (månad-dag)", "Up to (month-day)"),
    "ytd_mean_earlier": Text("Medel tidigare år", "Mean of earlier years"),
    "ytd_change_pct": Text("Förändring mot tidigare år (%)", "Change against earlier years (%)"),
    "ytd_p": Text("p-värde (hittills i år)", "p-value (year to date)"),
    "weekday": Text("Veckodag (0 = måndag)", "Weekday (0 = Monday)"),
    "hour": Text("Timme", "Hour"),
    "month": Text("Månad", "Month"),
    "weight": Text("Antal (aoristiskt viktat)", "Count (aoristic weight)"),
    "share": Text("Andel", "Share"),
    "months_observed": Text("Antal observerade månader", "Months observed"),
    "weight_per_month": Text("Antal per observerad månad", "Count per observed month"),
    "n_incidents": Text("Antal brott", "Number of offences"),
    "n_units": Text("Antal platser", "Number of places"),
    "n_units_with_incidents": Text("Platser med brott", "Places with offences"),
    "top1_share": Text("Andel brott i topp 1 % av platserna", "Share of offences in the top 1% of places"),
    "top5_share": Text("Andel brott i topp 5 % av platserna", "Share of offences in the top 5% of places"),
    "top10_share": Text("Andel brott i topp 10 % av platserna", "Share of offences in the top 10% of places"),
    "gini": Text("Gini-koefficient", "Gini coefficient"),
    "gini_generalised": Text("Generaliserad Gini (Bernasco & Steenbeek)", "Generalised Gini (Bernasco & Steenbeek)"),
    "place_share": Text("Andel platser", "Share of places"),
    "incident_share": Text("Andel brott", "Share of offences"),
    "period_from": Text("Från period", "From period"),
    "period_to": Text("Till period", "To period"),
    "top_level": Text("Toppnivå (%)", "Top level (%)"),
    "n_top": Text("Antal toppplatser", "Number of top places"),
    "overlap_share": Text("Andel kvar i toppen", "Share still at the top"),
    "is_reference": Text("Jämförelseområde", "Reference district"),
    "cell_id": Text("Rut-id", "Cell id"),
    "x0": Text("Ruthörn öst (m)", "Cell corner east (m)"),
    "y0": Text("Ruthörn nord (m)", "Cell corner north (m)"),
    "col": Text("Kolumn", "Column"),
    "row": Text("Rad", "Row"),
    "area_share": Text("Andel inom området", "Share inside study area"),
    "gistar_z": Text("Gi* z-värde", "Gi* z-score"),
    "gistar_p": Text("Gi* p-värde", "Gi* p-value"),
    "gistar_q": Text("Gi* q-värde (FDR)", "Gi* q-value (FDR)"),
    "gistar_p_sim": Text("Gi* p-värde (permutationer)", "Gi* p-value (permutations)"),
    "gistar_class": Text("Gi* klass", "Gi* class"),
    "lisa_i": Text("Lokalt Moran I", "Local Moran's I"),
    "lisa_p": Text("LISA p-värde", "LISA p-value"),
    "lisa_q": Text("LISA q-värde (FDR)", "LISA q-value (FDR)"),
    "lisa_cluster": Text("LISA-kluster", "LISA cluster"),
    "lisa_z": Text("LISA z-värde (analytiskt)", "LISA z-score (analytical)"),
    "lisa_p_analytic": Text("LISA p-värde (analytiskt)", "LISA p-value (analytical)"),
    "lisa_q_analytic": Text("LISA q-värde (analytiskt, FDR)", "LISA q-value (analytical, FDR)"),
    "lisa_cluster_analytic": Text("LISA-kluster (analytiskt)", "LISA cluster (analytical)"),
    "moran_x": Text("Standardiserat värde", "Standardised value"),
    "moran_lag": Text("Rumslig lagg", "Spatial lag"),
    "emerging_category": Text("Mönster över tid", "Emerging hot spot category"),
    "emerging_mk_z": Text("Trend, Mann–Kendall z", "Trend, Mann–Kendall z"),
    "emerging_mk_p": Text("Trend, p-värde", "Trend, p-value"),
    "n_hot_bins": Text("Antal perioder som hot spot", "Periods as hot spot"),
    "n_cold_bins": Text("Antal perioder som cold spot", "Periods as cold spot"),
    "method": Text("Metod", "Method"),
    "score": Text("Prognospoäng", "Forecast score"),
    "rank": Text("Rang", "Rank"),
    "in_top_1": Text("Bland topp 1 %", "In top 1%"),
    "in_top_5": Text("Bland topp 5 %", "In top 5%"),
    "in_top_10": Text("Bland topp 10 %", "In top 10%"),
    "distance_band": Text("Avståndsintervall (m)", "Distance band (m)"),
    "time_band": Text("Tidsintervall (dagar)", "Time band (days)"),
    "observed": Text("Observerat", "Observed"),
    "expected": Text("Förväntat", "Expected"),
    "ratio": Text("Kvot", "Ratio"),
    "p_value": Text("p-värde", "p-value"),
    "incident_id": Text("Händelse-id", "Incident id"),
    "source_row": Text("Rad i källan", "Source row"),
    "source_category": Text("Kategori i källan", "Source category"),
    "time": Text("Tidpunkt", "Time"),
    "time_from": Text("Från", "From"),
    "time_to": Text("Till", "To"),
    "has_clock_time": Text("Klockslag känt", "Clock time known"),
    "fixes": Text("Rättelser", "Fixes applied"),
    "text": Text("Fritext", "Free text"),
    "reason": Text("Orsak", "Reason"),
    "column": Text("Kolumn", "Column"),
    "value": Text("Värde", "Value"),
    "message": Text("Meddelande", "Message"),
    "raw": Text("Ursprunglig rad", "Raw row"),
    "section": Text("Avsnitt", "Section"),
    "key": Text("Nyckel", "Key"),
    "value_type": Text("Värdetyp", "Value type"),
    "name": Text("Namn", "Name"),
    "fid": Text("Löpnummer", "Feature number"),
    "accepted": Text("Godkända rader", "Rows accepted"),
    "read": Text("Lästa rader", "Rows read"),
    "rejected": Text("Avvisade rader", "Rows rejected"),
    "geocoded_share": Text("Andel med koordinater", "Share with coordinates"),
    "personnummer_masked": Text("Maskerade personnummer", "Personal identity numbers masked"),
    "x": Text("Koordinat öst (m)", "Easting (m)"),
    "y": Text("Koordinat nord (m)", "Northing (m)"),
    "variable": Text("Analyserad variabel", "Variable analysed"),
    "moran_i": Text("Morans I", "Moran's I"),
    "moran_ei": Text("Förväntat I utan mönster", "Expected I without pattern"),
    "moran_z": Text("z-värde (normalantagande)", "z-score (normality)"),
    "moran_p_norm": Text("p-värde (normalantagande)", "p-value (normality)"),
    "moran_z_rand": Text("z-värde (randomisering)", "z-score (randomisation)"),
    "moran_p_rand": Text("p-värde (randomisering)", "p-value (randomisation)"),
    "moran_p_sim": Text("p-värde (permutationer)", "p-value (permutations)"),
    "moran_permutations": Text("Antal permutationer", "Number of permutations"),
    "moran_n": Text("Antal områden/rutor", "Number of districts/cells"),
    "gistar_n_neighbours": Text("Antal grannar (Gi*)", "Number of neighbours (Gi*)"),
    "lisa_n_neighbours": Text("Antal grannar (LISA)", "Number of neighbours (LISA)"),
    "emerging_mk_s": Text("Trend, Mann–Kendall S", "Trend, Mann–Kendall S"),
    "emerging_final_z": Text("Gi* z-värde sista perioden", "Gi* z-score in the last period"),
    "n_bins": Text("Antal tidsperioder", "Number of time periods"),
    "distance_from": Text("Avstånd från (m)", "Distance from (m)"),
    "distance_to": Text("Avstånd till (m)", "Distance to (m)"),
    "distance_interval": Text("Avståndsintervall", "Distance interval"),
    "time_interval": Text("Tidsintervall", "Time interval"),
    "period_start": Text("Prognosperiodens start", "Forecast period start"),
    "period_end": Text("Periodens slut", "Period end"),
    "count_last_period": Text("Antal brott senaste perioden", "Incidents in the last period"),
    "origin": Text("Prognosen gjord per", "Forecast made as of"),
    "area_selected": Text("Utpekad yta (km²)", "Area flagged (km²)"),
    "n_cells": Text("Antal utpekade rutor", "Number of cells flagged"),
    "n_eval": Text("Brott under utvärderingsperioden", "Incidents in the evaluation period"),
    "n_hits": Text("Brott i de utpekade rutorna", "Incidents in the flagged cells"),
    "hit_rate": Text(
        "Träffandel (andel av brotten i utpekad yta)", "Hit rate (share of incidents in the flagged area)"
    ),
    "pai": Text(
        "PAI: träffandel delad med ytandel (1 = som slumpen)",
        "PAI: hit rate divided by area share (1 = no better than chance)",
    ),
    "pai_max": Text("Högsta möjliga PAI", "Highest possible PAI"),
    "pei": Text(
        "PEI: PAI som andel av högsta möjliga (0–1)", "PEI: PAI as a share of the highest possible (0–1)"
    ),
    "rri": Text(
        "RRI: prognosens PAI delad med föregående periods PAI",
        "RRI: the forecast's PAI divided by the PAI of last period's counts",
    ),
    "n_origins": Text("Antal utvärderade tidpunkter", "Number of forecast origins evaluated"),
    "pai_diff": Text("PAI minus den naiva prognosens PAI", "PAI minus the naive forecast's PAI"),
    "pai_diff_ci_low": Text("Nedre 95 %-gräns (PAI-skillnad)", "Lower 95% limit (PAI difference)"),
    "pai_diff_ci_high": Text("Övre 95 %-gräns (PAI-skillnad)", "Upper 95% limit (PAI difference)"),
    "pai_diff_p": Text("p-värde (PAI-skillnad)", "p-value (PAI difference)"),
    "pai_diff_p_holm": Text("p-värde, Holm-korrigerat", "p-value, Holm-corrected"),
    "beats_baseline": Text("Bättre än naiv prognos", "Beats the naive forecast"),
    "last_count": Text("Antal brott senaste året", "Incidents last year"),
    "forecast": Text("Prognos: antal brott nästa år", "Forecast: incidents next year"),
    "pi80_low": Text("80 % prognosintervall, nedre", "80% prediction interval, lower"),
    "pi80_high": Text("80 % prognosintervall, övre", "80% prediction interval, upper"),
    "pi95_low": Text("95 % prognosintervall, nedre", "95% prediction interval, lower"),
    "pi95_high": Text("95 % prognosintervall, övre", "95% prediction interval, upper"),
    "pi_low": Text("Prognosintervall, nedre", "Prediction interval, lower"),
    "pi_high": Text("Prognosintervall, övre", "Prediction interval, upper"),
    "model": Text("Prognosmodell", "Forecast model"),
}

#: The geolage crime categories (codes in :data:`geolage.categories.CATEGORIES`).
CATEGORY_LABELS: dict[str, Text] = {
    "misshandel": Text("Misshandel", "Assault"),
    "hot": Text("Olaga hot", "Unlawful threat"),
    "ran": Text("Rån", "Robbery"),
    "stold": Text("Stöld", "Theft"),
    "inbrott_bostad": Text("Inbrott (bostad)", "Residential burglary"),
    "skadegorelse": Text("Skadegörelse", "Criminal damage"),
    "klotter": Text("Klotter", "Graffiti"),
    "brand_fordon": Text("Brand i fordon", "Vehicle fire"),
    "narkotikabrott": Text("Narkotikabrott", "Drug offence"),
}

#: All categories together (the category code :data:`geolage.categories.ALL_CATEGORIES`).
ALL_CATEGORIES_LABEL = Text("Alla brott", "All incidents")

#: Getis–Ord Gi* classes (``gistar_class``).
GISTAR_CLASS_LABELS: dict[str, Text] = {
    "hot_99": Text("Hot spot, 99 % säkerhet", "Hot spot, 99% confidence"),
    "hot_95": Text("Hot spot, 95 % säkerhet", "Hot spot, 95% confidence"),
    "hot_90": Text("Hot spot, 90 % säkerhet", "Hot spot, 90% confidence"),
    "not_significant": Text("Inte signifikant", "Not significant"),
    "cold_90": Text("Cold spot, 90 % säkerhet", "Cold spot, 90% confidence"),
    "cold_95": Text("Cold spot, 95 % säkerhet", "Cold spot, 95% confidence"),
    "cold_99": Text("Cold spot, 99 % säkerhet", "Cold spot, 99% confidence"),
}

#: Local Moran (LISA) clusters (``lisa_cluster``).
LISA_CLUSTER_LABELS: dict[str, Text] = {
    "HH": Text("Högt omgivet av högt (HH)", "High-high (HH)"),
    "HL": Text("Högt omgivet av lågt (HL)", "High-low (HL)"),
    "LH": Text("Lågt omgivet av högt (LH)", "Low-high (LH)"),
    "LL": Text("Lågt omgivet av lågt (LL)", "Low-low (LL)"),
    "not_significant": Text("Inte signifikant", "Not significant"),
}

#: Emerging hot spot categories (``emerging_category``), as in ArcGIS Pro.
EMERGING_CATEGORY_LABELS: dict[str, Text] = {
    "new_hot": Text("Ny hot spot", "New hot spot"),
    "consecutive_hot": Text("Sammanhängande hot spot", "Consecutive hot spot"),
    "intensifying_hot": Text("Intensifierande hot spot", "Intensifying hot spot"),
    "persistent_hot": Text("Ihållande hot spot", "Persistent hot spot"),
    "diminishing_hot": Text("Avtagande hot spot", "Diminishing hot spot"),
    "sporadic_hot": Text("Sporadisk hot spot", "Sporadic hot spot"),
    "oscillating_hot": Text("Oscillerande hot spot", "Oscillating hot spot"),
    "historical_hot": Text("Historisk hot spot", "Historical hot spot"),
    "new_cold": Text("Ny cold spot", "New cold spot"),
    "consecutive_cold": Text("Sammanhängande cold spot", "Consecutive cold spot"),
    "intensifying_cold": Text("Intensifierande cold spot", "Intensifying cold spot"),
    "persistent_cold": Text("Ihållande cold spot", "Persistent cold spot"),
    "diminishing_cold": Text("Avtagande cold spot", "Diminishing cold spot"),
    "sporadic_cold": Text("Sporadisk cold spot", "Sporadic cold spot"),
    "oscillating_cold": Text("Oscillerande cold spot", "Oscillating cold spot"),
    "historical_cold": Text("Historisk cold spot", "Historical cold spot"),
    "no_pattern": Text("Inget mönster", "No pattern detected"),
}

#: Shown instead of a count that public outputs suppress.
SUPPRESSED_LABEL = Text("<5 (dolt)", "<5 (suppressed)")

#: Reject reason codes with their messages (``{value}``, ``{column}`` and ``{detail}`` are filled in).
REJECT_MESSAGES: dict[str, dict[str, str]] = {
    "missing_category": {
        "sv": "Brottskategori saknas i kolumnen {column}.",
        "en": "The category is missing in column {column}.",
    },
    "unknown_category": {
        "sv": "Okänd brottskod {value!r} i kolumnen {column}; lägg till den i källans [sources.categories].",
        "en": "Unknown category code {value!r} in column {column}; add it to the source's [sources.categories].",
    },
    "missing_coordinates": {
        "sv": "Koordinater saknas ({column}).",
        "en": "Coordinates are missing ({column}).",
    },
    "invalid_coordinates": {
        "sv": "Koordinaterna {value} går inte att använda: {detail}.",
        "en": "The coordinates {value} cannot be used: {detail}.",
    },
    "zero_coordinates": {
        "sv": "Koordinaterna är 0,0 (saknad geokodning).",
        "en": "The coordinates are 0,0 (not geocoded).",
    },
    "missing_date": {
        "sv": "Datum saknas i kolumnen {column}.",
        "en": "The date is missing in column {column}.",
    },
    "invalid_date": {
        "sv": "Datumet {value!r} i kolumnen {column} kan inte läsas: {detail}.",
        "en": "The date {value!r} in column {column} cannot be read: {detail}.",
    },
    "ambiguous_date": {
        "sv": (
            "Datumet {value!r} i kolumnen {column} är tvetydigt (dag/månad eller månad/dag); "
            "ange sources.date_format."
        ),
        "en": "The date {value!r} in column {column} is ambiguous (day/month or month/day); set sources.date_format.",
    },
    "time_window_reversed": {
        "sv": "Starttiden {value} ligger efter sluttiden.",
        "en": "The start time {value} is after the end time.",
    },
    "future_date": {
        "sv": "Tiden {value} ligger i framtiden (efter {detail}).",
        "en": "The time {value} is in the future (after {detail}).",
    },
    "outside_period": {
        "sv": "Tiden {value} ligger utanför analysperioden {detail}.",
        "en": "The time {value} is outside the analysis period {detail}.",
    },
    "outside_study_area": {
        "sv": "Punkten {value} ligger utanför undersökningsområdet.",
        "en": "The point {value} is outside the study area.",
    },
    "duplicate_exact": {
        "sv": "Dubblett: samma kategori, tid och plats som {detail}.",
        "en": "Duplicate: same category, time and place as {detail}.",
    },
    "duplicate_near": {
        "sv": "Trolig dubblett: samma kategori inom {detail}.",
        "en": "Probable duplicate: same category within {detail}.",
    },
    "outside_districts": {
        "sv": "Punkten {value} ligger utanför alla områden.",
        "en": "The point {value} is outside every district.",
    },
    "unknown_district": {
        "sv": (
            "Området {value!r} i kolumnen {column} finns inte i områdesskiktet (varken som id eller namn); "
            "kontrollera stavningen och att skiktet är från samma år, eller ta bort district under "
            "[sources.columns] så placeras händelsen efter sina koordinater."
        ),
        "en": (
            "The district {value!r} in column {column} is not in the district layer (neither an id nor a name); "
            "check the spelling and that the layer is of the same vintage, or remove district from "
            "[sources.columns] to place the incident by its coordinates."
        ),
    },
}


#: Labels of columns that mean something else in some tables (``(table name prefix, column)``).
TABLE_COLUMN_LABELS: dict[tuple[str, str], Text] = {
    ("forecast_", "area_share"): Text("Andel av ytan som pekas ut", "Share of the area flagged"),
}
#: Words of code values in other columns (by column): units, rate bases, models, Brå groups, the whole span.
VALUE_LABELS: dict[str, dict[str, Text]] = {
    "unit": {
        "year": Text("år", "year"), "quarter": Text("kvartal", "quarter"), "month": Text("månad", "month"),
        "week": Text("vecka", "week"), "district": Text("område", "district"),
    },
    "rate_basis": {
        "population": Text("1 000 invånare och år", "1,000 residents per year"),
        "years": Text("år (befolkning saknas)", "year (no population)"),
    },
    "trend_model": {
        "poisson": Text("Poisson", "Poisson"), "quasipoisson": Text("kvasi-Poisson", "quasi-Poisson"),
        "negbin": Text("negativ binomial", "negative binomial"),
        "none": Text("ingen (för få perioder eller inga brott)", "none (too few periods or no incidents)"),
    },
    "model": {
        "poisson": Text("Poisson", "Poisson"), "negbin": Text("negativ binomial", "negative binomial"),
        "jeffreys": Text("Jeffreys-intervall (för få brott för en modell)",
                         "Jeffreys interval (too few incidents for a model)"),
    },
    "bra_group": {
        "total": Text("alla brott", "all offences"), "person": Text("brott mot person", "offences against the person"),
        "theft": Text("stöld och rån", "theft and robbery"), "burglary": Text("inbrott", "burglary"),
        "vandalism": Text("skadegörelse", "criminal damage"),
        "drugs_weapons": Text("narkotika- och vapenbrott", "drug and weapons offences"),
    },
    "period": {"hela": Text("hela perioden", "whole period")},
    "source": {"alla": Text("alla källor", "all sources")},
}
#: The grid as the spatial unit analysed (``unit`` = :data:`geolage.run.schemas.UNIT_GRID`).
GRID_UNIT_LABEL = Text("ruta", "grid cell")
#: Short words of the reject reasons (data quality columns ``rejected_<reason>``).
REJECT_REASON_LABELS: dict[str, Text] = {
    "missing_category": Text("brottskategori saknas", "category missing"),
    "unknown_category": Text("okänd brottskod", "unknown category code"),
    "missing_coordinates": Text("koordinater saknas", "coordinates missing"),
    "invalid_coordinates": Text("oanvändbara koordinater", "unusable coordinates"),
    "zero_coordinates": Text("koordinaterna 0,0", "coordinates 0,0"),
    "missing_date": Text("datum saknas", "date missing"),
    "invalid_date": Text("oläsligt datum", "unreadable date"),
    "ambiguous_date": Text("tvetydigt datum", "ambiguous date"),
    "time_window_reversed": Text("starttid efter sluttid", "start after end"),
    "future_date": Text("tid i framtiden", "time in the future"),
    "outside_period": Text("utanför analysperioden", "outside the analysis period"),
    "outside_study_area": Text("utanför undersökningsområdet", "outside the study area"),
    "duplicate_exact": Text("dubblett", "duplicate"),
    "duplicate_near": Text("trolig dubblett", "probable duplicate"),
    "outside_districts": Text("utanför alla områden", "outside every district"),
    "unknown_district": Text("okänt område", "unknown district"),
}
#: Words of the coordinate fixes (data quality columns ``fixed_<fix>``).
FIX_LABELS: dict[str, Text] = {
    "swapped_axes": Text("x och y omkastade", "x and y swapped"),
    "latlon_in_xy": Text("latitud/longitud i x/y", "latitude/longitude in x/y"),
    "swapped_latlon": Text("latitud och longitud omkastade", "latitude and longitude swapped"),
}
#: Labels of data quality columns by prefix (``{label}``: the reason or fix in words).
PREFIX_LABELS: dict[str, tuple[Text, dict[str, Text]]] = {
    "rejected_": (Text("Avvisade rader: {label}", "Rejected rows: {label}"), REJECT_REASON_LABELS),
    "fixed_": (Text("Rättade rader: {label}", "Fixed rows: {label}"), FIX_LABELS),
}
#: Labels of the columns that outputs add beside a column (``{label}`` = the column's label).
SUFFIX_LABELS: dict[str, Text] = {
    "_suppressed": Text("{label}: dolt (för få brott)", "{label}: suppressed (too few incidents)"),
    "_label": Text("{label} (i ord)", "{label} (in words)"),
}


def column_label(name: str, language: str = "sv", table: str | None = None) -> str:
    """Readable label of a result column in ``language``; the name itself when it has none.

    ``table`` picks a table's own label where a column means something else there
    (``area_share`` of the forecast tables is the share of the area flagged). The
    columns outputs add (``<column>_suppressed``, ``<column>_label``) are labelled from
    their column.
    """
    language = check_language(language)
    label = next((text for (prefix, column), text in TABLE_COLUMN_LABELS.items()
                  if table and column == name and table.startswith(prefix)), None)
    label = label or COLUMN_LABELS.get(name)
    if label is not None:
        return label[language]
    for suffix, text in SUFFIX_LABELS.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            return text[language].format(label=column_label(name.removesuffix(suffix), language, table))
    for prefix, (text, words) in PREFIX_LABELS.items():
        code = name.removeprefix(prefix)
        if name.startswith(prefix) and code in words:
            return text[language].format(label=words[code][language])
    return name


#: Labels of the run's ``[custom_categories]`` (code -> label, one label for both languages),
#: set by :func:`set_custom_categories` when a run is prepared.
_CUSTOM_LABELS: dict[str, str] = {}


def set_custom_categories(labels: Mapping[str, str]) -> None:
    """Use these labels for the user's own category codes (``[custom_categories]``) from now on.

    Parameters
    ----------
    labels : mapping
        Code -> label, as in the configuration. Replaces the labels set before.
    """
    _CUSTOM_LABELS.clear()
    _CUSTOM_LABELS.update({str(k): str(v) for k, v in labels.items()})


def category_label(code: str, language: str = "sv") -> str:
    """Return the label of a category code in ``language`` (``"sv"`` or ``"en"``).

    A user's own category (``[custom_categories]``) gets its configured label; other
    unknown codes are returned unchanged.
    """
    label = CATEGORY_LABELS.get(code)
    if label is None:
        return _CUSTOM_LABELS.get(code, code)
    return label["en"] if language == "en" else label["sv"]


#: Labels of columns that input layers often have (Polisen's layers of vulnerable areas, common Swedish
#: column names), by lower-case name: the QGIS aliases of an overlay's or a district layer's own columns.
SOURCE_COLUMN_LABELS: dict[str, Text] = {
    "namn": Text("Namn", "Name"),
    "kategori": Text("Kategori", "Category"),
    "typ": Text("Typ", "Type"),
    "kod": Text("Kod", "Code"),
    "beskrivning": Text("Beskrivning", "Description"),
    "datum": Text("Datum", "Date"),
    "ort": Text("Ort", "Town"),
    "kommun": Text("Kommun", "Municipality"),
    "kommun_kod": Text("Kommunkod", "Municipality code"),
    "kommun_namn": Text("Kommun", "Municipality"),
    "lan": Text("Län", "County"),
    "lokalpolis": Text("Lokalpolisområde", "Local police area"),
    "omradeskod": Text("Lokalpolisområdets kod", "Local police area code"),
    "polisomrad": Text("Polisområdets kod", "Police area code"),
    "polisomr_1": Text("Polisområde", "Police area"),
    "region": Text("Polisregion", "Police region"),
    "regionkod": Text("Polisregionens kod", "Police region code"),
    "specialomr": Text("Områdets nummer hos Polisen", "Area number at the Police"),
    "aktualitet": Text("Gäller från", "Valid from"),
    "aktualitet_start": Text("Gäller från", "Valid from"),
    "label": Text("Etikett", "Label"),
    "category": Text("Kategori", "Category"),
    "type": Text("Typ", "Type"),
    "id": Text("Id", "Id"),
}
#: Swedish words that column names often spell without å, ä, ö (restored in Swedish aliases).
_ASCII_SWEDISH: dict[str, str] = {
    "omrade": "område", "omraden": "områden", "omrades": "områdes", "omr": "område", "lan": "län",
    "tatort": "tätort", "ar": "år", "manad": "månad", "anmalan": "anmälan", "stold": "stöld",
    "overfall": "överfall", "skadegorelse": "skadegörelse", "kalla": "källa", "hogstadium": "högstadium",
}


def readable_name(name: str, language: str = "sv") -> str:
    """A column's name as words: ``OMRADE_KOD`` -> ``Område kod`` (Swedish), ``popDensity`` -> ``Pop density``.

    Parameters
    ----------
    name : str
        A column name of the user's own data.
    language : {"sv", "en"}
        In Swedish, words commonly spelled without å, ä, ö get them back.

    Returns
    -------
    str
        Underscores, dots and hyphens as spaces, camelCase split, upper-case words in lower case,
        the first letter capitalised; the name itself when it holds no letter or digit.
    """
    language = check_language(language)
    spaced = re.sub(r"(?<=[a-zåäö])(?=[A-ZÅÄÖ])", " ", str(name))
    words = [w for w in re.split(r"[_\s.\-]+", spaced) if w]
    if not words:
        return str(name)
    words = [w.lower() if w.isupper() or w[:1].isupper() else w for w in words]
    if language == "sv":
        words = [_ASCII_SWEDISH.get(w, w) for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def field_alias(name: str, language: str = "sv", table: str | None = None) -> str:
    """The alias of a layer's field in ``language``: its label, else a known input column's, else its name as words.

    Parameters
    ----------
    name : str
        The field (a result column, or a column of the user's own layer).
    language : {"sv", "en"}
    table : str, optional
        The layer's name (see :func:`column_label`).

    Returns
    -------
    str
        :func:`column_label` when the column has a label; else the label of a common input column
        (:data:`SOURCE_COLUMN_LABELS`, by lower-case name); else :func:`readable_name`. Never empty.
    """
    label = column_label(name, language, table)
    if label != name:
        return label
    known = SOURCE_COLUMN_LABELS.get(str(name).lower())
    if known is not None:
        return known[check_language(language)]
    return readable_name(name, language)


#: Heading of a rate layer's legend in QGIS: what is shown (``{what}``: category, period) and the unit.
RATE_LEGEND_HEADING = Text("{what}: brott per {per} invånare och år", "{what}: incidents per {per} residents per year")

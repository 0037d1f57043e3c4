"""The fixed texts of a focus area's lägesbild (:mod:`geolage.outputs.report.sections.area`), Swedish and English.

Merged into the report's texts by :func:`geolage.text.report.report_texts` (keys start with
``area_``). Every number placeholder is filled with a number already formatted in the
report's language, and every sentence says the number's unit and period.
"""

from __future__ import annotations

from .format import Text

__all__ = ["AREA_TEXTS", "DIRECTION_WORDS"]

#: Words of a change's direction code (``up``/``down``/``none``).
DIRECTION_WORDS: dict[str, Text] = {
    "up": Text("har ökat", "has increased"),
    "down": Text("har minskat", "has decreased"),
    "none": Text("ingen säker förändring", "no certain change"),
}

AREA_TEXTS: dict[str, Text] = {
    "area_title": Text("Lägesbild {area}", "Crime situation picture: {area}"),
    "area_subtitle": Text("Aktuell period {current}; data {first}–{last}",
                          "Current period {current}; data {first}–{last}"),
    "overview_title": Text("Översikt för kommunen", "Overview of the municipality"),
    # the short municipal overview (sections/overview.py)
    "osec_areas": Text("Fokusområdena", "The focus areas"),
    "ov_areas_intro": Text(
        "Kommunen har {n} fokusområden med egna lägesbilder. Tabellen visar alla brott under {period} i varje "
        "område jämfört med resten av kommunen: antal, takt per invånare och år, kvoten mot resten av kommunen "
        "med 95 %-intervall, riktningen över hela dataperioden och den brottstyp som rangordningen sätter först.",
        "The municipality has {n} focus areas with their own situation pictures. The table shows all offences "
        "in {period} in each area compared with the rest of the municipality: count, rate per resident and year, "
        "the ratio to the rest of the municipality with its 95% interval, the direction over the whole data "
        "period and the offence type the ranking puts first.",
    ),
    "ov_areas_caption": Text("Fokusområdena jämförda med resten av kommunen, alla brott, {period}",
                             "The focus areas compared with the rest of the municipality, all offences, {period}"),
    "ov_col_rr": Text("Kvot mot resten av kommunen (95 %-intervall)", "Ratio to the rest of the municipality "
                                                                     "(95% interval)"),
    "ov_col_top": Text("Viktigaste brottstypen", "First offence type"),
    "ov_areas_map": Text("Fokusområdena i kommunen (färgade och namngivna); grå linjer är områdesgränser.",
                         "The focus areas in the municipality (coloured and named); grey lines are district "
                         "boundaries."),
    "ov_areas_note": Text(
        "Varje områdes lägesbild har rangordningen av problemen, kartor över området, tider, jämförelser, "
        "utveckling, prognos och underlag för åtgärdsplanen.",
        "Each area's situation picture has the ranking of its problems, maps of the area, times, comparisons, "
        "development, forecast and input to the action plan.",
    ),
    "ov_where_more": Text(
        "Den här översikten visar bara takterna och hot spots för alla brott. Alla analyser per område och "
        "brottstyp finns i tabellerna och i den interaktiva kartan; konfigurationen kan också ge en kommunrapport "
        "med alla metoder.",
        "This overview shows only the rates and hot spots of all offences. Every analysis per district and "
        "offence type is in the tables and on the interactive map; the configuration can also ask for a "
        "municipal report with every method.",
    ),
    "area_reports_note": Text("Varje fokusområde har en egen lägesbild (PDF-filen bredvid den här rapporten):",
                              "Each focus area has its own situation picture (the PDF file beside this report):"),
    # section titles, in the order of the area report
    "asec_summary": Text("Sammanfattning och samlad bedömning", "Summary and overall assessment"),
    "asec_background": Text("Bakgrund och uppdrag", "Background and assignment"),
    "asec_data": Text("Data och metod", "Data and method"),
    "asec_picture": Text("Brottsbilden", "The crime picture"),
    "asec_places": Text("Platser", "Places"),
    "asec_times": Text("Tider", "Times"),
    "asec_compare": Text("Jämförelser", "Comparisons"),
    "asec_development": Text("Utveckling", "Development"),
    "asec_forecast": Text("Prognos", "Forecast"),
    "asec_context": Text("Sammanhang", "Context"),
    "asec_conclusions": Text("Slutsatser och underlag för åtgärdsplanen", "Conclusions and input to the action plan"),
    "asec_limits": Text("Begränsningar", "Limitations"),
    "asec_appendix": Text("Bilagor", "Appendices"),
    # 1. summary
    "area_lead": Text(
        "Under {period} registrerades {count} brott i {area} ({rate} per {per} invånare och år). {compare}",
        "In {period}, {count} offences were recorded in {area} ({rate} per {per} residents and year). {compare}",
    ),
    "area_lead_no_rate": Text(
        "Under {period} registrerades {count} brott i {area} ({per_year} per år).",
        "In {period}, {count} offences were recorded in {area} ({per_year} per year).",
    ),
    "area_lead_hidden": Text(
        "Under {period} registrerades färre än {k} brott i {area}; antalet visas inte i den publika versionen.",
        "In {period}, fewer than {k} offences were recorded in {area}; the count is not shown in the public "
        "version.",
    ),
    "area_vs_rest": Text(
        "Det är {rr} gånger takten i resten av kommunen (95 %-intervall {lo}–{hi}).",
        "That is {rr} times the rate in the rest of the municipality (95% interval {lo}–{hi}).",
    ),
    "area_parts": Text("Området består av {n} delområden: {names}.", "The area consists of {n} districts: {names}."),
    "area_priorities_intro": Text(
        "De viktigaste problemen, i den ordning regeln nedan ger (nivå, utveckling, koncentration och säkerhet):",
        "The most important problems, in the order the rule below gives (level, development, concentration and "
        "certainty):",
    ),
    "area_problem": Text("{n}. {cat}: {facts} ({certainty}).", "{n}. {cat}: {facts} ({certainty})."),
    "area_fact_level": Text("{rr} gånger takten i resten av kommunen", "{rr} times the rate in the rest of the "
                                                                          "municipality"),
    "area_fact_share": Text("{share} av kommunens anmälningar av brottstypen", "{share} of the municipality's "
                                                                              "reports of this type"),
    "area_fact_trend": Text("{change} per år", "{change} per year"),
    "area_fact_change": Text("{ratio} gånger takten under förra lägesbildens period",
                             "{ratio} times the rate of the previous situation picture's period"),
    "area_fact_hot": Text("{share} av brotten i statistiskt säkra hot spots", "{share} of the offences in "
                                                                            "statistically sure hot spots"),
    "area_no_priorities": Text(
        "Ingen brottstyp har tillräckligt många brott i perioden för en säker rangordning.",
        "No offence type has enough offences in the period for a sure ranking.",
    ),
    "area_rule": Text(
        "Rangordningen väger samman nivå (kvoten mot resten av kommunen, noll när intervallet innehåller 1), "
        "utveckling (trend eller förändring sedan förra lägesbilden, noll när den inte är säker), koncentration "
        "(andel i hot spots) och antal; säkerheten bygger på intervallens bredd och antalet brott.",
        "The ranking combines level (the ratio to the rest of the municipality, zero when its interval contains 1), "
        "development (trend or change since the previous situation picture, zero when not certain), concentration "
        "(share in hot spots) and volume; certainty rests on the width of the intervals and the number of offences.",
    ),
    "area_figure_priorities": Text("Brottstakt per brottstyp jämfört med resten av kommunen, {period} "
                                   "(kvot med 95 %-intervall)",
                                   "Rate per offence type compared with the rest of the municipality, {period} "
                                   "(ratio with 95% interval)"),
    # 2. background
    "area_assignment_none": Text(
        "Konfigurationen anger inget uppdrag för området; lägg till vem som beställt lägesbilden och varför.",
        "The configuration gives no assignment for the area; add who asked for this situation picture and why.",
    ),
    "area_scope": Text(
        "Lägesbilden gäller {area} och perioden {period}; den jämförs med resten av kommunen och, där data finns, "
        "med tidigare år.",
        "The situation picture covers {area} and the period {period}; it is compared with the rest of the "
        "municipality and, where data exist, with earlier years.",
    ),
    "area_previous": Text("Förra lägesbilden för området gällde {period}; avsnittet Utveckling säger vad som har "
                          "förändrats sedan dess.",
                          "The area's previous situation picture covered {period}; the Development section says "
                          "what has changed since."),
    "area_law": Text(
        "Lägesbilden följer Brås arbetssätt (kartläggning, lägesbild, åtgärder) och är underlag för "
        "åtgärdsplanen enligt lagen (2023:196) om kommuners ansvar för brottsförebyggande arbete.",
        "The situation picture follows the Swedish Crime Prevention Council's method (mapping, situation picture, "
        "measures) and is input to the municipality's action plan under the 2023 crime prevention act.",
    ),
    # 3. data and method
    "area_data": Text(
        "Underlaget är {n} godkända anmälningar från {sources} ({share} av de lästa raderna kunde användas). "
        "Alla tal gäller brott som kommit till myndigheternas kännedom, inte all brottslighet.",
        "The data are {n} accepted reports from {sources} ({share} of the rows read could be used). "
        "All figures concern offences known to the authorities, not all crime.",
    ),
    "area_method": Text(
        "Takter är brott per {per} invånare och år (befolkningen per år där den finns, annars {pop}). "
        "Jämförelser görs med exakta test och 95 %-intervall: en skillnad kallas säker först när intervallet inte "
        "innehåller ”ingen skillnad”. Hot spots är rutor där fler brott ligger tätare än slumpen förklarar "
        "(Getis–Ord Gi*, kontrollerat för många test). Parametrar och körningsdata finns i bilagorna.",
        "Rates are offences per {per} residents and year (the population per year where known, otherwise {pop}). "
        "Comparisons use exact tests and 95% intervals: a difference is called certain only when its interval "
        "excludes ”no difference”. Hot spots are grid cells where offences cluster more than chance explains "
        "(Getis–Ord Gi*, corrected for many tests). Parameters and the run record are in the appendices.",
    ),
    "area_pop_constant": Text("samma folkmängd för alla år, vilket gör takterna för tidiga år osäkrare",
                              "the same population for every year, which makes the rates of early years less sure"),
    "area_pop_table": Text("befolkningstabellen", "the population table"),
    "area_no_population": Text(
        "Befolkning saknas, så inga takter per invånare beräknas; jämförelser görs med antal per år.",
        "Population is missing, so no rates per resident are computed; comparisons use counts per year.",
    ),
    # 4. the crime picture
    "area_picture_caption": Text("Brott i {area} per brottstyp, {period}", "Offences in {area} by type, {period}"),
    "col_share_whole": Text("Andel av kommunens", "Share of municipality's"),
    "col_rate_year": Text("Per {per} inv. och år", "Per {per} residents and year"),
    "col_per_year": Text("Per år", "Per year"),
    "col_priority": Text("Prioritet", "Priority"),
    "col_certainty": Text("Säkerhet", "Certainty"),
    "col_rr_rest": Text("Kvot mot resten", "Ratio to the rest"),
    "col_rest_rate": Text("Resten av kommunen", "Rest of the municipality"),
    "col_change": Text("Förändring", "Change"),
    "col_previous": Text("Förra perioden", "Previous period"),
    "col_current": Text("Aktuell period", "Current period"),
    "col_forecast_next": Text("Prognos {year}", "Forecast {year}"),
    "col_interval80": Text("80 %-intervall", "80% interval"),
    "col_indicator": Text("Indikator", "Indicator"),
    "col_area_value": Text("Området", "The area"),
    "col_whole_value": Text("Hela kommunen", "Whole municipality"),
    # 5. places
    "area_map_hot": Text("Hot spots (Gi*, alla brott) i och kring {area}, {span}. Namn på kartan: {names}",
                         "Hot spots (Gi*, all offences) in and around {area}, {span}. Names on the map: {names}"),
    "area_map_kde": Text("Antal brott per ruta (alla brott, rutor om {cell} m) i och kring {area}, {span}. Namn på "
                         "kartan: {names}",
                         "Offences per grid cell (all offences, {cell} m cells) in and around {area}, {span}. Names "
                         "on the map: {names}"),
    "area_police": Text("Polisens utsatta områden på kartan: {areas}.", "The police's vulnerable areas on the map: "
                                                                        "{areas}."),
    # 6. times
    "area_heat": Text("Brott i {area} per veckodag och timme, {span} (andel av veckans brott)",
                      "Offences in {area} by weekday and hour, {span} (share of the week's offences)"),
    "area_wheel": Text("Årshjul: brott i {area} per kalendermånad och brottstyp, {span} (genomsnitt per månad)",
                       "Year wheel: offences in {area} per calendar month and offence type, {span} (mean per month)"),
    "area_wheel_peaks": Text("Toppmånader per brottstyp: {peaks}.", "Peak months per offence type: {peaks}."),
    # 7. comparisons
    "area_compare_caption": Text("{area} jämfört med resten av kommunen per brottstyp, {period}",
                                 "{area} compared with the rest of the municipality by offence type, {period}"),
    "area_compare_parts": Text("Delområdena jämförda med resten av kommunen, alla brott, hela perioden {span}",
                               "The districts compared with the rest of the municipality, all offences, whole period "
                               "{span}"),
    "area_no_reference_rates": Text("Nationella eller andra referenstakter har inte angetts.",
                                    "No national or other reference rates were given."),
    # 8. development
    "area_trend_caption": Text("Utveckling per brottstyp i {area}, {span} (förändring per år med 95 %-intervall)",
                               "Development by offence type in {area}, {span} (change per year with 95% interval)"),
    "area_series_caption": Text("Brott per år i {area}, {span}", "Offences per year in {area}, {span}"),
    "area_change_caption": Text("Förändring sedan förra lägesbilden: {previous} jämfört med {current}",
                                "Change since the previous situation picture: {previous} against {current}"),
    "area_change_line": Text("{cat}: {words} ({ratio} gånger takten, 95 %-intervall {lo}–{hi}).",
                             "{cat}: {words} ({ratio} times the rate, 95% interval {lo}–{hi})."),
    "area_previous_published": Text(
        "Förra lägesbildens siffror är hämtade ur de tabeller som den tidigare körningen publicerade ({date}); "
        "perioden {previous} jämförs med {current} som takt per år.",
        "The previous situation picture's figures are taken from the tables its run published ({date}); the "
        "period {previous} is compared with {current} as a rate per year.",
    ),
    "area_previous_hidden": Text(
        "Kan inte jämföras (antalen var dolda i de tidigare publicerade tabellerna): {cats}.",
        "Cannot be compared (the counts were withheld in the earlier published tables): {cats}.",
    ),
    "area_previous_date_unknown": Text("okänt datum", "unknown date"),
    "area_no_previous": Text("Ingen tidigare lägesbild har angetts för området.",
                             "No previous situation picture was given for the area."),
    # 9. forecast
    "area_forecast_intro": Text(
        "Prognosen gäller antal brott i området nästa kalenderår. Med 80 % sannolikhet hamnar antalet inom "
        "intervallet, om inget förändras i förhållande till de senaste åren.",
        "The forecast is the number of offences in the area next calendar year. With 80% probability the number "
        "falls inside the interval, if nothing changes compared with recent years.",
    ),
    "area_forecast_caption": Text("Prognos för {area} {year} per brottstyp", "Forecast for {area} {year} by offence "
                                                                              "type"),
    # 10. context
    "area_context_caption": Text("Socioekonomiska indikatorer för {area} och hela kommunen (källa: {source})",
                                 "Socio-economic indicators of {area} and the whole municipality (source: {source})"),
    "area_context_none": Text("Inga socioekonomiska indikatorer har angetts.",
                              "No socio-economic indicators were given."),
    "area_context_note": Text(
        "Värdena för området är befolkningsvägda medelvärden av dess småområden; för medianer är det en "
        "uppskattning. "
        "Indikatorerna beskriver sammanhanget och förklarar inte brottsligheten.",
        "The area's values are population-weighted means of its small areas; for medians this is an "
        "approximation. "
        "The indicators describe the context and do not explain crime.",
    ),
    "area_survey_caption": Text("Trygghetsmätning i {area} (andel som svarat, procent)",
                                "Perceived-safety survey in {area} (share answering, per cent)"),
    "col_question": Text("Fråga", "Question"),
    "col_share_pct": Text("Andel", "Share"),
    "area_survey_none": Text("Ingen trygghetsmätning har angetts för området.",
                             "No perceived-safety survey was given for the area."),
    # 11. conclusions
    "area_act_first": Text("Agera först på: {items}.", "Act first on: {items}."),
    "area_act_times": Text("Tider att planera för: {when}.", "Times to plan for: {when}."),
    "area_act_places": Text("Platser: {n} rutor i området är statistiskt säkra hot spots för alla brott.",
                            "Places: {n} grid cells in the area are statistically sure hot spots for all offences."),
    "area_cannot": Text(
        "Underlaget kan inte säga varför brotten sker, hur stort mörkertalet är eller hur tryggheten upplevs; "
        "det kräver trygghetsmätningar och kunskap från polis, skola och socialtjänst.",
        "The data cannot say why offences happen, how many go unreported or how safe people feel; that needs "
        "safety surveys and knowledge from the police, schools and social services.",
    ),
    # 13. appendices
    "area_appendix_params": Text("Parametrar för analysen", "Parameters of the analysis"),
}

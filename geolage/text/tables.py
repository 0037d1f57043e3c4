"""Titles and descriptions of the result tables and rasters (GeoPackage layers, CSV README, report).

The table *names* and columns are in :mod:`geolage.run.schemas`, which links each
table to its title and description here. ``{placeholders}`` are filled by the step
that makes the table (:meth:`geolage.text.format.Text.format`).
"""

from __future__ import annotations

from .format import Text

# --------------------------------------------------------------------------- validated data
INCIDENTS_TITLE = Text("Brott (godkända rader)", "Incidents (accepted rows)")
INCIDENTS_DESCRIPTION = Text(
    "Varje godkänd händelse som punkt. Endast intern användning.",
    "Every accepted incident as a point. Internal use only.",
)
REJECTS_TITLE = Text("Avvisade rader", "Rejected rows")
REJECTS_DESCRIPTION = Text(
    "Rader som inte kom med i analysen, med orsak. Endast intern användning.",
    "Rows left out of the analysis, with the reason. Internal use only.",
)
DISTRICTS_TITLE = Text("Områden", "Districts")
GRID_TITLE = Text("Analysrutnät med antal brott", "Analysis grid with incident counts")
DATA_QUALITY_TITLE = Text("Datakvalitet per källa", "Data quality per source")

# --------------------------------------------------------------------------- statistics
RATES_DISTRICT_TITLE = Text("Brott och brottstakt per område", "Offences and rates per district")
RATES_DISTRICT_DESCRIPTION = Text(
    "Antal anmälda brott, brott per {rate_per} invånare och år med exakt 95 %-konfidensintervall "
    "(Poisson) och empiriskt Bayes-utjämnad takt (Marshall; rumslig: grannområden).",
    "Reported offences, offences per {rate_per} residents and year with exact 95% confidence "
    "interval (Poisson) and empirical-Bayes smoothed rate (Marshall; spatial: neighbouring districts).",
)
COUNTS_SOURCE_TITLE = Text("Brott per område och källa", "Offences per district and source")
COUNTS_SOURCE_DESCRIPTION = Text(
    "Antal brott per område, källa, brottskategori och period (källa 'alla' = alla källor).",
    "Offences per district, source, category and period (source 'all' = every source).",
)
COMPARISON_TITLE = Text("Fokusområden jämförda med referens", "Focus areas compared with the reference")
COMPARISON_DESCRIPTION = Text(
    "Kvot mellan områdets brottstakt och referensens med exakt 95 %-intervall och p-värde, "
    "samt lokaliseringskvot (LQC).",
    "Ratio of the area's rate to the reference rate with exact 95% interval and p-value, "
    "and location quotient (LQC).",
)
FUNNEL_TITLE = Text("Trattdiagram: områdens brottstakt", "Funnel plot: district rates")
FUNNEL_DESCRIPTION = Text(
    "Kontrollgränser 95 % och 99,8 % (exakt Poisson, Spiegelhalter 2005) kring hela områdets takt.",
    "Control limits 95% and 99.8% (exact Poisson, Spiegelhalter 2005) around the whole area's rate.",
)
COVERAGE_TITLE = Text("Underlagets täckning jämfört med Brå", "Coverage of the data against Brå")
COVERAGE_DESCRIPTION = Text(
    "Andel av Brås anmälda brott för kommunen som finns i underlaget, per år och brottsgrupp.",
    "Share of Brå's reported offences for the municipality that the data hold, per year and offence group.",
)
SERIES_TITLE = Text("Tidsserier per område", "Time series per area")
SERIES_DESCRIPTION = Text("Antal brott per år, kvartal och månad.", "Offences per year, quarter and month.")
TREND_TITLE = Text("Utveckling över tid", "Development over time")
TREND_DESCRIPTION = Text(
    "Mann–Kendall-test och Poisson-/negativ binomial-regression (förändring per år), samt "
    "förändring mellan två perioder (exakt Poisson-test).",
    "Mann–Kendall test and Poisson / negative binomial regression (change per year), and "
    "change between two periods (exact Poisson test).",
)
PERIOD_CHANGE_TITLE = Text("Förändring sedan förra lägesbilden", "Change since the previous situation picture")
PERIOD_CHANGE_DESCRIPTION = Text(
    "Fokusområdets brottstakt i den aktuella perioden jämförd med perioden för dess förra lägesbild, per "
    "brottstyp: kvot med exakt 95 %-intervall och p-värde.",
    "The focus area's rate in the current period compared with the period of its previous situation picture, "
    "per offence type: ratio with exact 95% interval and p-value.",
)
AREA_PROFILE_TITLE = Text("Fokusområdenas profil per brottstyp", "Focus areas by offence type")
AREA_PROFILE_DESCRIPTION = Text(
    "Per fokusområde och brottstyp i den aktuella perioden: antal, brottstakt, kvot mot resten av kommunen "
    "(exakt 95 %-intervall), utveckling, förändring sedan förra lägesbilden, andel i hot spots, prognos och "
    "prioritetsordning.",
    "Per focus area and offence type in the current period: count, rate, ratio to the rest of the municipality "
    "(exact 95% interval), development, change since the previous situation picture, share in hot spots, "
    "forecast and priority rank.",
)
AREA_CONTEXT_TITLE = Text("Fokusområdenas sammanhang: socioekonomiska indikatorer",
                          "Focus areas' context: socio-economic indicators")
AREA_CONTEXT_DESCRIPTION = Text(
    "Befolkningsvägt medelvärde av småområdenas indikatorer per fokusområde och för hela kommunen.",
    "Population-weighted mean of the small areas' indicators per focus area and for the whole municipality.",
)
YEAR_TO_DATE_TITLE = Text("Hittills i år jämfört med tidigare år", "Year to date against earlier years")
YEAR_TO_DATE_DESCRIPTION = Text("Antal brott 1 januari–{end_sv} varje år.", "Offences 1 January–{end_en} each year.")
TIME_WEEKDAY_HOUR_TITLE = Text("Brott per veckodag och timme", "Offences by weekday and hour")
TIME_WEEKDAY_HOUR_DESCRIPTION = Text(
    "Aoristiskt viktat: ett brott med ett tidsfönster fördelas över fönstrets timmar.",
    "Aoristic weights: an offence with a time window is spread over the window's hours.",
)
TIME_MONTH_TITLE = Text("Brott per månad (säsong)", "Offences by month (season)")
TIME_MONTH_DESCRIPTION = Text("Aoristiskt viktat antal per kalendermånad.", "Aoristic count per calendar month.")
CONCENTRATION_TITLE = Text("Brottskoncentration", "Crime concentration")
CONCENTRATION_DESCRIPTION = Text(
    "Andel brott på de 1, 5 och 10 % platser med flest brott; Gini och generaliserad Gini "
    "(Bernasco & Steenbeek 2017).",
    "Share of offences in the 1, 5 and 10% of places with most offences; Gini and generalised Gini "
    "(Bernasco & Steenbeek 2017).",
)
LORENZ_TITLE = Text("Lorenzkurvor", "Lorenz curves")
LORENZ_DESCRIPTION = Text(
    "Andel brott mot andel platser, platser ordnade efter antal brott.",
    "Share of offences against share of places, places ranked by offences.",
)
CONCENTRATION_STABILITY_TITLE = Text("Stabilitet i toppen", "Stability of the top places")
CONCENTRATION_STABILITY_DESCRIPTION = Text(
    "Andel av ett års toppplatser som är toppplatser även året därpå.",
    "Share of one year's top places that are top places the next year too.",
)

# --------------------------------------------------------------------------- hot spots
GISTAR_DESCRIPTION = Text(
    "Getis–Ord Gi* (egen cell inräknad), binära grannskap, BH-FDR; klasser från slumpvisa permutationer av värdena "
    "(så många att FDR kan nå signifikans) där normalapproximationen inte håller, som för glesa antal; "
    "alla celler i analysområdet analyseras, även de utan händelser (den bebodda delen av studieområdet om inget "
    "annat anges).",
    "Getis–Ord Gi* (self included), binary neighbourhoods, BH FDR; classes from random permutations of the values "
    "(enough for FDR to reach significance) where the normal approximation does not hold, as for sparse "
    "counts; every cell of the analysis area is analysed, including cells without incidents (the populated part "
    "of the study area unless set otherwise: run.json, hotspots.analysis_area).",
)
GISTAR_GRID_TITLE = Text("Hot spots (Gi*) per rutcell", "Hot spots (Gi*) per grid cell")
GISTAR_DISTRICT_TITLE = Text("Hot spots (Gi*) per område", "Hot spots (Gi*) per district")
MORAN_GLOBAL_TITLE = Text("Global rumslig autokorrelation (Morans I)", "Global spatial autocorrelation (Moran's I)")
MORAN_GLOBAL_DESCRIPTION = Text(
    "Morans I med radstandardiserade vikter; p från normalfördelning och permutationer.",
    "Moran's I, row-standardised weights; p from the normal approximation and permutations.",
)
LISA_DESCRIPTION = Text(
    "Lokal Moran (LISA), villkorade permutationer; områden: EB-standardiserad takt (Assunção–Reis).",
    "Local Moran (LISA), conditional permutations; districts: EB-standardised rate (Assunção–Reis).",
)
LISA_DISTRICT_TITLE = Text("Lokala kluster (LISA) per område", "Local clusters (LISA) per district")
LISA_GRID_TITLE = Text("Lokala kluster (LISA) per rutcell", "Local clusters (LISA) per grid cell")
GISTAR_GRID_WHOLE_TITLE = Text(
    "Hot spots (Gi*) per rutcell, hela studieområdet", "Hot spots (Gi*) per grid cell, whole study area"
)
LISA_GRID_WHOLE_TITLE = Text(
    "Lokala kluster (LISA) per rutcell, hela studieområdet", "Local clusters (LISA) per grid cell, whole study area"
)
GRID_WHOLE_DESCRIPTION = Text(
    "Samma analys som i rutnätet men över hela studieområdet, alla brott: tätorten jämförs med skog och åkrar, "
    "så hela centrum blir ofta en enda hot spot. Kartorna använder analysområdet.",
    "The same analysis as on the grid but over the whole study area, all offences: the town is compared with "
    "forest and fields, so the whole centre often becomes one hot spot. The maps use the analysis area.",
)
EMERGING_GRID_TITLE = Text("Framväxande hot spots per rutcell", "Emerging hot spots per grid cell")
EMERGING_GRID_DESCRIPTION = Text(
    "Gi* per ruta och period (rum-tid-grannskap), Mann–Kendall-trend, ArcGIS Pro:s kategorier.",
    "Gi* per cell and period (space-time neighbourhood), Mann–Kendall trend, ArcGIS Pro categories.",
)

# --------------------------------------------------------------------------- density and near repeats
KDE_TITLE = Text("Kärntäthet: {label}", "Kernel density: {label}")
KDE_DESCRIPTION = Text(
    "Brott per km², {kernel}-kärna (kvartisk = biweight) med bandbredd {bandwidth} m, "
    "cellstorlek {cell_size} m; tomt utanför studieområdet.",
    "Incidents per km², {kernel} kernel with bandwidth {bandwidth} m, cell size {cell_size} m; "
    "empty outside the study area.",
)
KDE_UNIT = Text("brott per km²", "incidents per km²")
PAR_TITLE = Text("Brott per invånare (dubbel kärntäthet): alla brott",
                 "Incidents per resident (dual kernel density): all offences")
PAR_DESCRIPTION = Text(
    "Brott per {per} invånare och år, {start}–{end}: kärntätheten av brotten delad med kärntätheten av "
    "befolkningen (varje områdes invånare jämnt fördelade över området), samma kärna och bandbredd ({bandwidth} m); "
    "tomt där färre än {min_density} invånare per km² bor.",
    "Incidents per {per} residents per year, {start}–{end}: the kernel density of the incidents divided by the "
    "kernel density of the population (each district's residents spread evenly over it), same kernel and "
    "bandwidth ({bandwidth} m); empty where fewer than {min_density} residents per km² live.",
)
PAR_UNIT = Text("brott per {per} invånare och år", "incidents per {per} residents per year")
NEAR_REPEAT_TITLE = Text(
    "Upprepning nära i tid och rum (Knox-test): {label}", "Near repeats (Knox test): {label}"
)
NEAR_REPEAT_TOO_FEW = Text(
    "För få händelser ({n}) av kategorin {label} för ett Knox-test.",
    "Too few incidents ({n}) of category {label} for a Knox test.",
)

# --------------------------------------------------------------------------- forecasts
FORECAST_GRID_TITLE = Text("Prognos per ruta för nästa period", "Forecast per grid cell for the next period")
FORECAST_GRID_DESCRIPTION = Text(
    "Förväntat antal brott per ruta {start}–{end} enligt prospektiv hotspotkarta och regressionsmodell; "
    "rank 1 = högst.",
    "Expected incidents per cell {start}–{end} from the prospective hotspot map and the regression model; "
    "rank 1 = highest.",
)
FORECAST_BACKTEST_TITLE = Text("Utvärdering av prognoserna bakåt i tiden", "Backtest of the forecasts")
FORECAST_BACKTEST_DESCRIPTION = Text(
    "Träffandel, PAI, PEI och RRI per metod, prognostillfälle och andel av ytan.",
    "Hit rate, PAI, PEI and RRI per method, origin and share of the area.",
)
FORECAST_SUMMARY_TITLE = Text("Slår prognoserna den naiva prognosen?", "Do the forecasts beat the naive forecast?")
FORECAST_DISTRICT_TITLE = Text("Prognos per område för nästa år", "Forecast per district for next year")
FORECAST_DISTRICT_DESCRIPTION = Text(
    "Förväntat antal brott med 80 % och 95 % prediktionsintervall.",
    "Expected number of incidents with 80 % and 95 % prediction intervals.",
)

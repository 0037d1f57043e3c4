"""Every fixed text of the lägesbild report (:mod:`geolage.outputs.report`), in Swedish and English.

:data:`TEXTS` holds one :class:`~geolage.text.format.Text` per key, grouped by the report's
sections; :func:`report_texts` gives the texts of one language, as the section builders
read them (``t["sec_summary"]``). ``{placeholders}`` are filled by the report with numbers
already formatted by :mod:`geolage.text.format`.
"""

from __future__ import annotations

from .area_report import AREA_TEXTS
from .format import Text, check_language

__all__ = ["TEXTS", "LIMITS", "report_texts"]

#: Every fixed text of the report by key.
TEXTS: dict[str, Text] = {
    # the document: title page, banners, missing parts
    "title": Text("Lägesbild: {name}", "Crime situation picture: {name}"),
    "subtitle": Text(
        "Lokal lägesbild över brottsligheten {start}–{end}",
        "Local crime situation picture {start}–{end}",
    ),
    "generated": Text("Skapad {date} med geolage {version}", "Generated {date} by geolage {version}"),
    "public": Text("Publik version (små tal dolda)", "Public version (small counts suppressed)"),
    "internal": Text("Intern version – får inte spridas", "Internal version – not for distribution"),
    "toc": Text("Innehåll", "Contents"),
    "synthetic": Text("Syntetiska demodata – inte verkliga brott", "Synthetic demo data – not real crimes"),
    "not_computed": Text(
        "Den här delen har inte beräknats i körningen ({what}).",
        "This part was not computed in this run ({what}).",
    ),
    "what_table": Text("tabellen {name} saknas", "table {name} is missing"),
    "more_rows": Text("{n} fler rader visas inte.", "{n} more rows not shown."),
    "cat_all": Text("alla brott", "all offences"),
    # section titles (in the report's order)
    "sec_summary": Text("Sammanfattning", "Summary"),
    "sec_data": Text("Data och metod", "Data and method"),
    "sec_time": Text("Utveckling över tid", "Development over time"),
    "sec_compare": Text("Jämförelse med referensområden", "Comparison with reference areas"),
    "sec_where": Text("Var problemen är störst", "Where problems are greatest"),
    "sec_patterns": Text("Tidsmönster", "Time patterns"),
    "sec_deep": Text("Fördjupning per brottskategori", "Deep dives per crime category"),
    "sec_forecast": Text("Prognos och utvärdering", "Forecast and its evaluation"),
    "sec_limits": Text("Begränsningar", "Limitations"),
    # 1. summary
    "summary_intro": Text(
        "De viktigaste iakttagelserna, räknade fram ur resultaten:",
        "The main findings, computed from the results:",
    ),
    "synthetic_note": Text(
        "Rapporten bygger på syntetiska demodata. Inga slutsatser om verkliga förhållanden får dras.",
        "This report is based on synthetic demo data. Draw no conclusions about real conditions.",
    ),
    "public_note": Text(
        "Publik version: antal under {k} visas som ”{label}”, och värden som kan räknas fram ur dem (t.ex. takter) "
        "döljs också. Fler antal döljs där en summa (alla brott, hela perioden, hela kommunen), ensam eller "
        "tillsammans med andra summor, annars skulle avslöja ett dolt antal, mått som z-värden visas bara som "
        "klasser för grupper med dolda antal, och täthetskartor "
        "visar bara platser som minst {k} brott formar. Inga enskilda brott visas.",
        "Public version: counts under {k} are shown as “{label}”, and values that could be derived from them (e.g. "
        "rates) are hidden too. Further counts are hidden where a sum (all offences, the whole period, the whole "
        "municipality), alone or together with other sums, would reveal a hidden count, statistics such as "
        "z-scores are shown only as classes for groups "
        "with hidden counts, and density maps show only places shaped by at least {k} offences. No single offence "
        "is shown.",
    ),
    "total": Text(
        "Analysen omfattar {n} registrerade brott under {start}–{end}.",
        "The analysis covers {n} recorded offences in {start}–{end}.",
    ),
    "increase": Text(
        "{cat} ökar i {area} ({pct} per år, {certainty})",
        "{cat}: increasing in {area} ({pct} per year, {certainty})",
    ),
    "decrease": Text(
        "{cat} minskar i {area} ({pct} per år, {certainty})",
        "{cat}: decreasing in {area} ({pct} per year, {certainty})",
    ),
    "sure": Text("säker förändring", "statistically significant"),
    "likely": Text("trolig förändring", "probable change"),
    "no_trends": Text(
        "Ingen kategori visar en statistiskt säker förändring över tid.",
        "No category shows a statistically significant change over time.",
    ),
    "higher": Text(
        "{area} har {rr} gånger så hög nivå av {cat} som {ref}",
        "{area}: the level of {cat} is {rr} times that of {ref}",
    ),
    "lower": Text(
        "{area} har en lägre nivå av {cat} än {ref} ({rr} gånger så hög)",
        "{area} has a lower level of {cat} than {ref} ({rr} times)",
    ),
    "all_crimes": Text("brott totalt", "all offences"),
    "ref_rest": Text("övriga kommunen", "the rest of the study area"),
    "ref_all": Text("kommunen som helhet", "the municipality as a whole"),
    "ref_list": Text("jämförelseområdena", "the reference areas"),
    "funnel_above": Text(
        "Över den övre kontrollgränsen (99,8 %) i trattdiagrammet: {names}.",
        "Above the upper control limit (99.8%) in the funnel plot: {names}.",
    ),
    "hot_cells": Text(
        "{n} rutor är hot spots med minst 95 % säkerhet (Gi*, alla brott).",
        "{n} grid cells are hot spots with at least 95% confidence (Gi*, all offences).",
    ),
    "concentration_sum": Text(
        "De 10 % av rutorna med flest brott har {share} av brotten.",
        "The 10% of cells with most offences hold {share} of the offences.",
    ),
    "emerging": Text(
        "{n} rutor är nya eller intensifierande hot spots.",
        "{n} cells are new or intensifying hot spots.",
    ),
    "forecast_beats": Text(
        "Prognosmetoder som träffade bättre än basmetoden i utvärderingen (vid andel av ytan): {method}.",
        "Forecast methods that hit better than the baseline in the backtest (at share of area): {method}.",
    ),
    "forecast_not": Text(
        "Ingen prognosmetod träffade bättre än en enkel basmetod i utvärderingen; använd prognosen med försiktighet.",
        "No forecast method hit better than a simple baseline in the backtest; use the forecast with caution.",
    ),
    "coverage_sum": Text(
        "Underlaget motsvarar i genomsnitt {share} av de brott Brå redovisar för kommunen ({year}, jämförbara "
        "brottsgrupper).",
        "The data correspond on average to {share} of the offences Brå reports for the municipality ({year}, "
        "comparable offence groups).",
    ),
    "and_more": Text(" och {n} till", " and {n} more"),
    # 2. data and method
    "sources": Text("Källor", "Sources"),
    "sources_used": Text("Använda källor: {names}.", "Sources used: {names}."),
    "not_used": Text("Inte använt i denna körning: {names}.", "Not used in this run: {names}."),
    "src_bra": Text("Brås statistik över anmälda brott", "Brå's statistics of reported offences"),
    "src_pop": Text("befolkning per område och år", "population per area and year"),
    "src_ref": Text("externa referensnivåer (t.ex. riket)", "external reference rates (e.g. national)"),
    "src_overlays": Text(
        "extra gränsskikt (t.ex. polisens utsatta områden)",
        "extra boundary layers (e.g. police vulnerable areas)",
    ),
    "quality": Text("Datakvalitet", "Data quality"),
    "quality_caption": Text("Rader per källa", "Rows per source"),
    "rejects_caption": Text("Avvisade rader per orsak", "Rejected rows by reason"),
    "fixes_caption": Text("Automatiska rättningar", "Automatic fixes"),
    "pnr_masked": Text("Personnummer maskerade i fritext: {n}.", "Personal identity numbers masked in free text: {n}."),
    "outside": Text("Brott utanför alla områden: {n}.", "Offences outside every district: {n}."),
    "no_quality": Text(
        "Ingen datakvalitetssammanställning finns i resultaten.",
        "The results hold no data-quality summary.",
    ),
    "coverage_heading": Text("Täckning jämfört med Brå", "Coverage against Brå"),
    "coverage_caption": Text(
        "Täckning per år och brottsgrupp (andel av Brås anmälda brott)",
        "Coverage per year and offence group (share of Brå's reported offences)",
    ),
    "coverage_fig": Text(
        "Täckning per år och Brå-grupp. Linjen vid 100 % betyder att underlaget har lika många brott som Brås "
        "statistik.",
        "Coverage per year and Brå group. The line at 100% means the data hold as many offences as Brå's statistics.",
    ),
    "parameters": Text("Valda parametrar", "Parameters chosen"),
    "parameters_caption": Text(
        "Parametrar per analyssteg (automatiskt valda värden ingår)",
        "Parameters per analysis step (automatically chosen values included)",
    ),
    "record": Text("Körningsprotokoll", "Run record"),
    "record_caption": Text(
        "Konfiguration, indatafiler, versioner och slumpfrö",
        "Configuration, input files, versions and seed",
    ),
    "method_text": Text(
        "Metoden följer Brås arbetsgång för lokala lägesbilder: kartläggning av brotten, en lägesbild som beskriver "
        "nivåer, utveckling och platser, och därefter åtgärder.",
        "The method follows the usual steps of a local crime situation picture: mapping the offences, a picture "
        "of levels, development and places, then measures.",
    ),
    "method_rates": Text(
        "Takter anges per {per} invånare. Områden med få invånare får skattade takter (empirisk Bayes) som drar "
        "extrema värden mot genomsnittet.",
        "Rates are per {per} residents. Areas with few residents get estimated rates (empirical Bayes) that pull "
        "extreme values towards the mean.",
    ),
    "method_no_population": Text(
        "Takter per invånare saknas i rapporten eftersom körningen inte har någon befolkning per område; "
        "kartor och tabeller visar antal brott och täthet.",
        "Rates per resident are left out because the run has no population per district; maps and tables show "
        "counts and density instead.",
    ),
    # the analysis area of the grid hot spots and the population at risk (hotspot_area section helpers)
    "area_populated": Text(
        "Hot spots i rutnätet har sökts inom den bebodda delen av studieområdet ({cells} av {total} rutor), så att "
        "rutorna jämförs med andra rutor där människor bor och inte med skog och åkrar.",
        "Hot spots on the grid were sought within the populated part of the study area ({cells} of {total} "
        "cells), so that cells are compared with other cells where people live, not with forest and fields.",
    ),
    "area_file": Text(
        "Hot spots i rutnätet har sökts inom det analysområde som angetts i filen {file} ({cells} av {total} rutor).",
        "Hot spots on the grid were sought within the analysis area given in the file {file} ({cells} of {total} "
        "cells).",
    ),
    "area_all": Text(
        "Hot spots i rutnätet har sökts i hela studieområdet ({total} rutor){why}.",
        "Hot spots on the grid were sought in the whole study area ({total} cells){why}.",
    ),
    "area_why_no_population": Text(
        ", eftersom områdena saknar befolkningsuppgifter", ", because the districts have no population"
    ),
    "area_why_no_populated_district": Text(
        ", eftersom inget område räknas som bebott", ", because no district counts as populated"
    ),
    "area_why_covers_grid": Text(", eftersom analysområdet täcker alla rutor",
                                 ", because the analysis area covers every cell"),
    "area_why_covers_grid_populated": Text(", eftersom människor bor i hela studieområdet",
                                           ", because people live in every part of the study area"),
    "area_why_no_cell_inside": Text(", eftersom analysområdet inte innehåller någon ruta",
                                    ", because the analysis area holds no cell"),
    "area_why_too_few_cells": Text(", eftersom analysområdet innehåller färre än tre rutor",
                                   ", because the analysis area holds fewer than three cells"),
    "method_area_deso": Text(
        "Bebodda är de DeSO-områden som SCB räknar till kategori B eller C (till största delen i en tätort).",
        "Populated districts are the DeSO areas of SCB's category B or C (mostly inside a locality).",
    ),
    "method_area_density": Text(
        "Bebodda är de områden som har minst {density} invånare per km² ({n} av {total} områden).",
        "Populated districts have at least {density} residents per km² ({n} of {total} districts).",
    ),
    "method_area_buffer": Text(
        "Rutor inom {buffer} m från ett bebott område räknas med, så att platser i tätortens utkant (parkeringar, "
        "gångvägar, idrottsplatser) också analyseras.",
        "Cells within {buffer} m of a populated district count too, so that places at the edge of a town (car "
        "parks, paths, sports grounds) are analysed as well.",
    ),
    "method_area_how": Text(
        "Rutor utanför analysområdet räknas inte, inte heller som grannar. Samma analys över hela studieområdet "
        "(alla brott) finns som ett eget kartlager; där jämförs tätorten med skog och åkrar, så hela centrum blir "
        "ofta en enda hot spot.",
        "Cells outside the analysis area do not count, not even as neighbours. The same analysis over the whole "
        "study area (all offences) is a separate map layer; there the town is compared with forest and fields, so "
        "the whole centre often becomes one hot spot.",
    ),
    "method_par": Text(
        "Brott per invånare visas också som en utjämnad yta (dubbel kärntäthet): brottens kärntäthet delad med "
        "befolkningens, där varje områdes invånare fördelas jämnt över området. Ytan är tom där färre än "
        "{density} invånare per km² bor.",
        "Incidents per resident are also shown as a smoothed surface (dual kernel density): the kernel density of "
        "the incidents divided by that of the population, each district's residents spread evenly over it. The "
        "surface is empty where fewer than {density} residents per km² live.",
    ),
    "par_peak": Text(
        "Räknat per invånare är brotten flest kring {place}: ungefär {value} brott per {per} invånare och år "
        "{period} (utjämnad yta, alla brott). Höga värden visar platser där många brott begås men få bor, "
        "som centrum och handelsområden.",
        "Relative to residents, offences are most frequent around {place}: about {value} incidents per {per} "
        "residents per year in {period} (smoothed surface, all offences). High values mark places where many "
        "offences happen but few people live, such as centres and shopping areas.",
    ),
    "method_grid_only": Text(
        "Körningen har ingen områdesindelning: hela undersökningsområdet ({area}) räknas som ett område, och "
        "analyserna av platser görs i rutnätet.",
        "The run has no districts: the whole study area ({area}) counts as one district, and the analyses of "
        "places use the grid.",
    ),
    "method_releases": Text(
        "Tidigare utgåvor: antal som {n} tidigare publicerade körningar av lägesbilden dolde ({folders}) döljs "
        "också här, tillsammans med de antal som behövs för att de inte ska kunna räknas fram ({kept} antal som "
        "annars hade visats). Då kan två utgåvor som skiljer sig med några få brott inte jämföras så att ett dolt "
        "antal framgår. Ett antal som redan har publicerats kan däremot inte döljas i efterhand: en rättelse som "
        "tar bort brott ur en publicerad period visar skillnaden, så ge ut rättelser som en ny period.",
        "Earlier releases: counts that {n} earlier published runs of this situation picture hid ({folders}) "
        "are hidden here "
        "too, with the counts needed so that they cannot be computed ({kept} counts that would otherwise have been "
        "shown). Two releases that differ by a few offences therefore cannot be compared to reveal a hidden "
        "count. A count that has been published cannot be hidden afterwards, though: a correction that removes "
        "offences from a published period shows the difference, so publish corrections as a new period.",
    ),
    "method_raster_cells": Text(
        "Täthetskartorna i den publika versionen är räknade ur de publicerade antalen per ruta ({cell} m), "
        "placerade i rutans mitt; antal som döljs i tabellerna ingår inte. Ingen händelse kan därför lokaliseras "
        "noggrannare än till sin ruta, inte heller genom att jämföra två utgåvor.",
        "The density maps of the public version are computed from the published counts per grid cell ({cell} m), "
        "placed at the centre of the cell; counts hidden in the tables are not included. No offence can therefore be "
        "located more precisely than its grid cell, also not by comparing two releases.",
    ),
    "method_no_releases": Text(
        "Ingen tidigare utgåva av lägesbilden angavs (output.earlier_releases). Har en tidigare publik version "
        "getts ut, ange dess utdatamapp: annars kan en jämförelse mellan utgåvorna avslöja dolda antal där några "
        "få brott har tillkommit.",
        "No earlier release of this situation picture was named (output.earlier_releases). If an earlier public "
        "version "
        "was published, name its output folder: otherwise comparing the releases can reveal hidden counts where "
        "a few offences were added.",
    ),
    # 3. development over time
    "series_fig": Text(
        "Antal brott per period och område (alla brott). Perioder med dolda tal saknar punkt.",
        "Offences per period and area (all offences). Periods with suppressed counts have no point.",
    ),
    "series_cat_fig": Text(
        "Antal brott per period och kategori i {area}.",
        "Offences per period and category in {area}.",
    ),
    "trend_caption": Text(
        "Trender (Mann–Kendall och trendmodell) och förändring mellan jämförelseperioderna",
        "Trends (Mann–Kendall and trend model) and change between the compared periods",
    ),
    "trend_note": Text(
        "Tabellen visar förändringar som är statistiskt säkra; {n} kombinationer av område och kategori visar ingen "
        "säker förändring.",
        "The table shows statistically significant changes; {n} combinations of area and category show no clear "
        "change.",
    ),
    # 4. comparison with reference areas
    "compare_caption": Text(
        "Takt jämfört med referensområdet (kvot med konfidensintervall)",
        "Rate compared with the reference area (ratio with confidence interval)",
    ),
    "derived_districts": Text(
        "Områdena är ungefärliga: de ritades ur händelsernas områdesnamn (kolumnen {column}), så att varje plats hör "
        "till området hos den närmaste händelsen, klippt till händelsernas hölje. Gränserna är lika skarpa som "
        "händelserna är täta, och ytorna (och allt per km²) är ungefärliga.",
        "The districts are approximate: they were drawn from the incidents' district names (column {column}), each "
        "place going to the district of the nearest incident, clipped to the incidents' hull. The boundaries are as "
        "sharp as the incidents are dense, and areas (and everything per km²) are approximate.",
    ),
    "compare_no_focus": Text(
        "Inga fokusområden är angivna ([areas] focus), så inget område jämförs med referensen; trattdiagrammet "
        "nedan jämför varje område med hela kommunens nivå.",
        "No focus areas are set ([areas] focus), so no area is compared with the reference; the funnel plot "
        "below compares every district with the level of the whole area.",
    ),
    "compare_note": Text(
        "Alla brott samt kategorier där kvoten säkert skiljer sig från 1 visas; {n} rader utan säker skillnad är "
        "utelämnade.",
        "All offences and categories whose ratio clearly differs from 1 are shown; {n} rows without a clear "
        "difference are left out.",
    ),
    "compare_fig": Text(
        "Kvot mellan områdets och referensens takt med 95 % konfidensintervall (logaritmisk skala). Värden över 1 "
        "betyder högre nivå än referensen.",
        "Ratio of the area's rate to the reference rate with 95% confidence interval (log scale). Values above 1 mean "
        "a higher level than the reference.",
    ),
    "funnel_fig": Text(
        "Trattdiagram: takt mot befolkning. Områden utanför de yttre gränserna (99,8 %) avviker mer än slumpen "
        "förklarar.",
        "Funnel plot: rate against population. Areas outside the outer limits (99.8%) differ more than chance "
        "explains.",
    ),
    "funnel_caption": Text("Områden över de övre kontrollgränserna", "Areas above the upper control limits"),
    "funnel_below": Text(
        "{n} områden ligger under de nedre kontrollgränserna (lägre nivå än väntat).",
        "{n} areas lie below the lower control limits (lower level than expected).",
    ),
    "funnel_none": Text("Inget område ligger utanför kontrollgränserna.", "No area lies outside the control limits."),
    # 5. where problems are greatest
    "map_rates": Text(
        "Skattad takt per {per} invånare och område (alla brott, empirisk Bayes). Grå områden har dolda eller saknade "
        "värden.",
        "Estimated rate per {per} residents per area (all offences, empirical Bayes). Grey areas have suppressed or "
        "missing values.",
    ),
    "map_gistar": Text(
        "Hot spots och cold spots (Getis–Ord Gi*, alla brott) i rutnätet.",
        "Hot spots and cold spots (Getis–Ord Gi*, all offences) on the grid.",
    ),
    "map_gistar_district": Text(
        "Hot spots och cold spots (Getis–Ord Gi*, alla brott) per område.",
        "Hot spots and cold spots (Getis–Ord Gi*, all offences) per area.",
    ),
    "map_lisa": Text(
        "Lokala kluster (LISA, lokalt Moran's I) per område.",
        "Local clusters (LISA, local Moran's I) per area.",
    ),
    "map_emerging": Text(
        "Framväxande hot spots (rum–tid-analys, alla brott).",
        "Emerging hot spots (space–time analysis, all offences).",
    ),
    "moran_caption": Text("Global rumslig autokorrelation (Moran's I)", "Global spatial autocorrelation (Moran's I)"),
    "concentration_caption": Text(
        "Koncentration: andel av brotten på de mest utsatta platserna",
        "Concentration: share of offences at the most affected places",
    ),
    "lorenz_fig": Text(
        "Lorenzkurvor: andel av brotten mot andel av platserna. Ju längre från diagonalen, desto mer koncentrerat.",
        "Lorenz curves: share of offences against share of places. The further from the diagonal, the more "
        "concentrated.",
    ),
    "top_caption": Text("Områden med högst takt (alla brott)", "Areas with the highest rate (all offences)"),
    # 6. time patterns
    "heat_fig": Text(
        "Brott per veckodag och timme (alla brott, brott med okänd tid fördelade över sitt tidsfönster). Grå rutor är "
        "dolda små tal.",
        "Offences per weekday and hour (all offences; offences with unknown time spread over their time window). Grey "
        "cells are suppressed small counts.",
    ),
    "month_fig": Text("Brott per månad (alla brott).", "Offences per month (all offences)."),
    "near_repeat_heading": Text(
        "Upprepad utsatthet nära i tid och rum (Knox-test)",
        "Near repeats in space and time (Knox test)",
    ),
    "near_repeat_caption": Text(
        "Observerade mot förväntade par av brott per avstånd och tid",
        "Observed against expected pairs of offences by distance and time",
    ),
    # 7. deep dives per crime category
    "deep_intro": Text(
        "Nyckeltal per kategori. Takter och kvoter för områden med dolda tal visas inte.",
        "Key figures per category. Rates and ratios of areas with suppressed counts are not shown.",
    ),
    "deep_facts": Text("Nyckeltal", "Key figures"),
    "deep_map": Text(
        "{cat}: skattad takt per {per} invånare och område.",
        "{cat}: estimated rate per {per} residents per area.",
    ),
    "deep_count": Text("Antal brott: {n}.", "Number of offences: {n}."),
    "deep_top": Text("Högst takt: {names}.", "Highest rate: {names}."),
    "deep_trend": Text("Trend i {area}: {pct} per år (p = {p}).", "Trend in {area}: {pct} per year (p = {p})."),
    "deep_rr": Text("Kvot mot referens i {area}: {rr} ({lo}–{hi}).", "Ratio to reference in {area}: {rr} ({lo}–{hi})."),
    "deep_none": Text("Inga resultat för kategorin.", "No results for this category."),
    # 8. forecast and its evaluation
    "backtest_caption": Text(
        "Utvärdering bakåt i tiden (genomsnitt över prognostillfällen)",
        "Backtest (mean over forecast origins)",
    ),
    "backtest_fig": Text(
        "Träffsäkerhet: andel av nästa periods brott som föll i de utpekade rutorna, mot andel av ytan.",
        "Hit rate: share of next period's offences in the flagged cells, against share of the area.",
    ),
    "forecast_summary_caption": Text("Jämförelse med basmetod", "Comparison with a baseline"),
    "forecast_district_years": Text(
        "Ingen prognos per område: den kräver minst tre hela kalenderår data, och analysperioden har {n}.",
        "No forecast per district: it needs at least three whole calendar years of data, and the analysed span "
        "has {n}.",
    ),
    "forecast_no_baseline": Text(
        "Resultaten innehåller ingen jämförelse med en basmetod, så det går inte att säga om prognosen är bättre än "
        "att bara upprepa förra periodens mönster.",
        "The results hold no comparison with a baseline, so it cannot be said whether the forecast is better than "
        "repeating last period's pattern.",
    ),
    "forecast_district_caption": Text(
        "Prognos per område (med prognosintervall)",
        "Forecast per area (with prediction interval)",
    ),
    "beats_yes": Text("ja", "yes"),
    "beats_no": Text("nej", "no"),
    # 9. limitations (besides LIMITS)
    "limit_geocoded": Text(
        "Andel av brotten med användbar position (geokodade): {share}.",
        "Share of offences with a usable position (geocoded): {share}.",
    ),
    "limit_geocoding": Text(
        "Av {read} lästa rader kunde {acc} ({share}) användas; resten redovisas per orsak under Data och metod.",
        "Of {read} rows read, {acc} ({share}) could be used; the rest are listed by reason under Data and method.",
    ),
    # table column headings
    "col_district": Text("Område", "Area"),
    "col_area": Text("Område", "Area"),
    "col_category": Text("Kategori", "Category"),
    "col_count": Text("Antal", "Count"),
    "col_population": Text("Invånare", "Residents"),
    "col_rate": Text("Takt", "Rate"),
    "col_eb_rate": Text("Skattad takt", "Estimated rate"),
    "col_ref_rate": Text("Referensens takt", "Reference rate"),
    "col_rr": Text("Kvot", "Ratio"),
    "col_ci": Text("95 % KI", "95% CI"),
    "col_p": Text("p", "p"),
    "col_lqc": Text("LQ", "LQ"),
    "col_trend": Text("Trend per år", "Trend per year"),
    "col_mk_p": Text("p (MK)", "p (MK)"),
    "col_change": Text("Förändring", "Change"),
    "col_direction": Text("Riktning", "Direction"),
    "col_baseline": Text("Jämförelseperiod", "Baseline period"),
    "col_current": Text("Aktuell period", "Current period"),
    "col_position": Text("Läge", "Position"),
    "col_year": Text("År", "Year"),
    "col_group": Text("Brå-grupp", "Brå group"),
    "col_bra": Text("Brå", "Brå"),
    "col_data": Text("Underlag", "Data"),
    "col_coverage": Text("Täckning", "Coverage"),
    "col_source": Text("Källa", "Source"),
    "col_read": Text("Lästa", "Read"),
    "col_accepted": Text("Godkända", "Accepted"),
    "col_rejected": Text("Avvisade", "Rejected"),
    "col_reason": Text("Orsak", "Reason"),
    "col_rows": Text("Rader", "Rows"),
    "col_fix": Text("Rättning", "Fix"),
    "col_step": Text("Steg", "Step"),
    "col_parameter": Text("Parameter", "Parameter"),
    "col_value": Text("Värde", "Value"),
    "col_key": Text("Uppgift", "Item"),
    "col_unit": Text("Enhet", "Unit"),
    "col_top1": Text("Topp 1 %", "Top 1%"),
    "col_top5": Text("Topp 5 %", "Top 5%"),
    "col_top10": Text("Topp 10 %", "Top 10%"),
    "col_gini": Text("Gini", "Gini"),
    "col_moran_i": Text("Moran's I", "Moran's I"),
    "col_z": Text("z", "z"),
    "col_distance": Text("Avstånd (m)", "Distance (m)"),
    "col_time": Text("Tid (dagar)", "Time (days)"),
    "col_observed": Text("Observerade", "Observed"),
    "col_expected": Text("Förväntade", "Expected"),
    "col_ratio": Text("Kvot", "Ratio"),
    "col_method": Text("Metod", "Method"),
    "col_area_share": Text("Andel av ytan", "Share of area"),
    "col_hit_rate": Text("Träffandel", "Hit rate"),
    "col_pai": Text("PAI", "PAI"),
    "col_pei": Text("PEI", "PEI"),
    "col_baseline_hit": Text("Basmetodens träffandel", "Baseline hit rate"),
    "col_beats": Text("Bättre än basmetod", "Better than baseline"),
    "col_forecast": Text("Prognos", "Forecast"),
    "col_pi": Text("Prognosintervall", "Prediction interval"),
    "col_variable": Text("Variabel", "Variable"),
    "col_units": Text("Antal enheter", "Units"),
    "col_pai_diff": Text("PAI-skillnad mot basmetod", "PAI difference to baseline"),
    # values shown in tables: funnel positions (``funnel_position``), trend directions (``direction``, as the
    # words of either language or as the codes up / down / none)
    "pos_above_998": Text("över 99,8 %", "above 99.8%"),
    "pos_above_95": Text("över 95 %", "above 95%"),
    "pos_within": Text("inom gränserna", "within limits"),
    "pos_below_95": Text("under 95 %", "below 95%"),
    "pos_below_998": Text("under 99,8 %", "below 99.8%"),
    "dir_increasing": Text("ökande", "increasing"),
    "dir_decreasing": Text("minskande", "decreasing"),
    "dir_no_trend": Text("ingen säker trend", "no clear trend"),
    "dir_ökar": Text("ökar", "increasing"),
    "dir_minskar": Text("minskar", "decreasing"),
    "dir_ingen säker förändring": Text("ingen säker förändring", "no clear change"),
    "dir_up": Text("ökar", "increasing"),
    "dir_down": Text("minskar", "decreasing"),
    "dir_none": Text("ingen säker förändring", "no clear change"),
    # run record
    "rec_config_hash": Text("Konfigurationens kontrollsumma", "Configuration hash"),
    "rec_seed": Text("Slumpfrö", "Seed"),
    "rec_versions": Text("Versioner", "Versions"),
    "rec_input_hashes": Text("Indatafiler (kontrollsummor)", "Input files (hashes)"),
    "rec_mode": Text("Utdataläge", "Output mode"),
    # charts: axes, legends, day and month names
    "weekdays": Text("mån,tis,ons,tor,fre,lör,sön", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
    "months": Text(
        "jan,feb,mar,apr,maj,jun,jul,aug,sep,okt,nov,dec",
        "Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec",
    ),
    "axis_hour": Text("Timme", "Hour"),
    "axis_count": Text("Antal", "Count"),
    "axis_population": Text("Invånare", "Residents"),
    "axis_rate": Text("Takt per {per}", "Rate per {per}"),
    "axis_place_share": Text("Andel av platserna", "Share of places"),
    "axis_incident_share": Text("Andel av brotten", "Share of offences"),
    "axis_rr": Text("Kvot mot referens", "Ratio to reference"),
    "axis_coverage": Text("Täckning", "Coverage"),
    "legend_suppressed": Text("Dolt / saknas", "Suppressed / missing"),
    "limit_95": Text("95 %", "95 %"),
    "limit_998": Text("99,8 %", "99.8%"),
}

#: The general limitations of a lägesbild, listed in the report's last section.
LIMITS: tuple[Text, ...] = (
    Text(
        "Anmälda brott är inte all brottslighet: mörkertalet är stort för t.ex. misshandel i nära relation, "
        "narkotikabrott och skadegörelse, och anmälningsbenägenheten kan skilja mellan områden och över tid.",
        "Reported offences are not all crime: the dark figure is large for e.g. domestic assault, drug offences and "
        "criminal damage, and the propensity to report can differ between areas and over time.",
    ),
    Text(
        "Polisens insatser påverkar antalet upptäckta brott (särskilt narkotikabrott), så fler brott kan betyda fler "
        "kontroller.",
        "Police activity affects the number of detected offences (drug offences especially), so more offences can "
        "mean more checks.",
    ),
    Text(
        "Brott som inte kunde placeras (saknade eller felaktiga koordinater) ingår inte i kartorna; andelen redovisas "
        "under Data och metod.",
        "Offences that could not be placed (missing or wrong coordinates) are not in the maps; their share is "
        "reported under Data and method.",
    ),
    Text(
        "Positionerna är ofta adresser eller ungefärliga platser. DeSO/RegSO-gränserna har en lägesnoggrannhet på "
        "omkring 40 meter, så brott nära en gräns kan hamna i grannområdet.",
        "Positions are often addresses or approximate places, and district boundaries have a limited positional "
        "accuracy (tens of metres), so offences near a boundary can fall in the neighbouring area.",
    ),
    Text(
        "Små tal ger osäkra takter. Empirisk Bayes och konfidensintervall mildrar det men tar inte bort det.",
        "Small numbers give uncertain rates. Empirical Bayes and confidence intervals soften this but do not remove "
        "it.",
    ),
    Text(
        "Många områden och rutor prövas samtidigt; p-värden är korrigerade för det (FDR) där det anges, men enstaka "
        "falska träffar kan förekomma.",
        "Many areas and cells are tested at once; p-values are corrected for this (FDR) where stated, but occasional "
        "false positives can occur.",
    ),
    Text(
        "Resultaten beror på val av områdesindelning och rutstorlek (MAUP).",
        "Results depend on the choice of districts and cell size (MAUP).",
    ),
    Text(
        "Prognoser bygger på att mönstret består; de ersätter inte lokalkännedom.",
        "Forecasts assume the pattern persists; they do not replace local knowledge.",
    ),
)


def report_texts(language: str) -> dict[str, str]:
    """The report's texts in ``language`` (``"sv"`` or ``"en"``), by key.

    Parameters
    ----------
    language : {"sv", "en"}

    Returns
    -------
    dict of str to str
        One text per key of :data:`TEXTS` and of the focus-area report's
        :data:`geolage.text.area_report.AREA_TEXTS`.
    """
    check_language(language)
    return {key: text[language] for key, text in (TEXTS | AREA_TEXTS).items()}

"""The comments of the configuration ``geolage init`` writes (:mod:`geolage.init`), in Swedish and English."""

from __future__ import annotations

from .format import Text

__all__ = ["TEXTS"]

TEXTS: dict[str, Text] = {
    "header": Text(
        "# geolage-konfiguration skriven av `geolage init` från {files} ({date}).\n"
        "# Rader med TODO behöver ett beslut; allt annat går att köra som det står:\n"
        "#   geolage validate DENNA.toml   (kontrollerar data, listar avvisade rader och hur de rättas)\n"
        "#   geolage run DENNA.toml --out resultat\n"
        "# Relativa sökvägar utgår från mappen där filen ligger. Alla utdata är i körningens CRS (project.crs).",
        "# geolage configuration written by `geolage init` from {files} ({date}).\n"
        "# Lines with TODO need a decision; everything else runs as written:\n"
        "#   geolage validate THIS.toml   (checks the data, lists rejected rows and how to fix them)\n"
        "#   geolage run THIS.toml --out results\n"
        "# Relative paths are taken from this file's folder. All outputs are in the run's CRS (project.crs).",
    ),
    "crs_comment": Text("meter; valt från {reason}", "metres; chosen from {reason}"),
    "crs_todo": Text(
        "koordinaternas CRS gick inte att avgöra; ange ett metriskt CRS (EPSG-kod) för området",
        "the coordinates' CRS could not be told; give a metric CRS (EPSG code) for the area",
    ),
    "as_of": Text(
        "\"i dag\" för kontrollen av framtida datum (dagen efter sista händelsens månad)",
        "\"today\" for the future-date check (the day after the last incident's month)",
    ),
    "custom": Text(
        "Egna kategorier: kod = etikett. Etiketten visas i rapport, karta och tabeller.",
        "Your own categories: code = label. The label is shown in the report, map and tables.",
    ),
    "no_districts": Text(
        "Ingen områdesindelning angavs: körningen görs i rutnät (hot spots, täthet, trender för hela området).\n"
        "Undersökningsområdet blir händelsernas konvexa hölje med buffert (grid.hull_buffer), eller ange ett:\n"
        "[study_area]\npath = \"omrade.gpkg\"\n"
        "Med områden (polygoner med id och namn, ev. befolkning) får rapporten även tal per område:\n"
        "[districts]\npath = \"omraden.gpkg\"\nid_field = \"id\"\nname_field = \"namn\"\n"
        "population_field = \"befolkning\"   # eller population_table = \"befolkning.csv\" (id, [year,] befolkning)",
        "No districts were given: the run is grid-only (hot spots, density, trends for the whole area).\n"
        "The study area is the incidents' convex hull with a buffer (grid.hull_buffer), or give one:\n"
        "[study_area]\npath = \"area.gpkg\"\n"
        "With districts (polygons with an id and a name, optionally population) the report adds rates per district:\n"
        "[districts]\npath = \"districts.gpkg\"\nid_field = \"id\"\nname_field = \"name\"\n"
        "population_field = \"population\"   # or population_table = \"population.csv\" (id, [year,] population)",
    ),
    "hull": Text("meter runt händelsernas hölje", "metres around the incidents' hull"),
    "derived_districts": Text(
        "Områdena ritades av `geolage init --districts-from {column}` ur händelsernas områdesnamn: varje plats\n"
        "hör till området hos den närmaste händelsen (Voronoi), klippt till händelsernas hölje + {buffer:g} m.\n"
        "Gränserna är ungefärliga (lika skarpa som händelserna är täta); använd officiella gränser om de finns.",
        "The districts were drawn by `geolage init --districts-from {column}` from the incidents' district names:\n"
        "every place goes to the district of the nearest incident (Voronoi), clipped to the incidents' hull + "
        "{buffer:g} m.\nThe boundaries are approximate (as sharp as the incidents are dense); use official "
        "boundaries where they exist.",
    ),
    "names_hint": Text(
        "Händelserna namnger sitt område i kolumnen {column} ({n} namn): `geolage init ... --districts-from "
        "{column}` ritar områden ur dem",
        "The incidents name their district in column {column} ({n} names): `geolage init ... --districts-from "
        "{column}` draws district polygons from them",
    ),
    "districts_comment": Text(
        "Områdena som tal och jämförelser görs för", "The districts that rates and comparisons are made for"
    ),
    "id_todo": Text("ett fält med unikt id per område", "a field with a unique id per district"),
    "name_todo": Text("ett fält med områdets namn", "a field with the district's name"),
    "population_table": Text(
        "CSV: områdes-id (samma kolumnnamn som id_field), valfritt year, befolkning",
        "CSV: district id (same column name as id_field), optional year, population",
    ),
    "population_field": Text("invånare per område (tal per invånare)", "residents per district (rates per resident)"),
    "no_population": Text(
        "ingen befolkning hittades: utan den visar rapporten antal och täthet i stället för tal per invånare",
        "no population found: without it the report shows counts and density instead of rates per resident",
    ),
    "source": Text("Källa: {file} ({n} rader)", "Source: {file} ({n} rows)"),
    "district_column": Text(
        "alla {n} rader namnger ett område i skiktet: händelsen räknas i det område den namnger (punkten "
        "används för rutnätet); ta bort raden för att placera händelserna efter punkterna",
        "all {n} rows name a district of the layer: an incident counts in the district it names (its point "
        "places it in the grid); remove the line to place incidents by their points",
    ),
    "district_partial": Text(
        "{n} av {total} rader namnger ett område i skiktet; med raden avvisas resten (okänt område)",
        "{n} of {total} rows name a district of the layer; with this line the rest are rejected (unknown district)",
    ),
    "xy_crs_todo": Text(
        "x/y-koordinaternas CRS gick inte att avgöra; ange filens CRS (EPSG-kod)",
        "the CRS of the x/y coordinates could not be told; give the file's CRS (EPSG code)",
    ),
    "date_format": Text(
        "strftime-format för datumen (utan detta läses bara ISO 8601)",
        "strftime format of the dates (without it only ISO 8601 is read)",
    ),
    "precision_time": Text("datum med klockslag", "dates with clock times"),
    "precision_day": Text("bara datum (klockslag okänt)", "dates only (clock time unknown)"),
    "precision_month": Text(
        "bara månad: varje händelse täcker hela sin månad (inga veckodagar/timmar)",
        "month only: each incident covers its whole month (no weekdays or hours)",
    ),
    "precision_year": Text("bara år", "year only"),
    "text": Text("fritext: personnummer maskeras, bara i interna utdata",
                 "free text: personal numbers masked, internal outputs only"),
    "todo_coordinates": Text(
        "inga koordinatkolumner hittades; ange x och y (projicerat) eller lon och lat (WGS84)",
        "no coordinate columns found; give x and y (projected) or lon and lat (WGS84)",
    ),
    "todo_date": Text(
        "ingen datumkolumn gick att läsa; ange datetime, date (+ time), from/to eller year/month/day "
        "och vid behov sources.date_format",
        "no date column could be read; give datetime, date (+ time), from/to or year/month/day and, "
        "if needed, sources.date_format",
    ),
    "todo_category": Text(
        "ingen kategorikolumn hittades; ange category = kolumnen med brottskoder",
        "no category column found; give category = the column with the offence codes",
    ),
    "todo_category_guessed": Text(
        "kategorikolumnen är en gissning; kontrollera den",
        "the category column is a guess; check it",
    ),
    "categories": Text(
        "källans koder -> geolage-kategorier (koder som saknas här avvisas)",
        "the source's codes -> geolage categories (codes missing here are rejected)",
    ),
    "rows": Text("rader", "rows"),
    "periods_todo": Text("datumen gick inte att läsa; ange analysperioden",
                         "the dates could not be read; give the analysed span"),
    "periods": Text("Analyserad tid (från datans första och sista datum)",
                    "Analysed span (from the data's first and last date)"),
    "unit": Text("tidssteg: year, quarter eller month", "time step: year, quarter or month"),
    "near_repeat_comment": Text(
        "Knox-test för upprepade brott nära i tid och rum; \"auto\" = inbrott_bostad om det finns, annars den "
        "vanligaste kategorin",
        "Knox test of near repeats in space and time; \"auto\" = residential_burglary when present, otherwise the most "
        "frequent category",
    ),
    "near_repeat_month": Text(
        "OBS: datumen har bara månad, så Knox-testet (dagar) säger lite om dessa data",
        "NOTE: the dates give only the month, so the Knox test (days) says little about these data",
    ),
    "output": Text(
        "\"public\": inga enskilda händelser, tal under min_count döljs",
        "\"public\": no single incident, counts under min_count suppressed",
    ),
    "losses_head": Text(
        "Rader som försvinner vid kontrollen av dessa filer (geolage validate visar varje rad och hur den rättas):",
        "Rows lost when these files are checked (geolage validate shows each row and how to fix it):",
    ),
    "loss_line": Text("{source}: {rejected} av {read} rader ({share}){reasons}",
                      "{source}: {rejected} of {read} rows ({share}){reasons}"),
    "loss_rule": Text(
        "En källa som tappar mer än validation.max_rejected_share av sina rader (standard {limit}) stoppar "
        "validate och run.",
        "A source that loses more than validation.max_rejected_share of its rows (default {limit}) stops "
        "validate and run.",
    ),
    "loss_raised": Text(
        "Gränsen höjs från {default} till {limit}: {source} tappar {share}, och det beror på data, inte på "
        "konfigurationen:",
        "The limit is raised from {default} to {limit}: {source} loses {share}, and that is the data, not the "
        "configuration:",
    ),
    "why_no_place": Text(
        "{share} saknar plats (koordinaterna 0,0 eller tomma: källan anger inte var dessa hände)",
        "{share} have no place (coordinates 0,0 or empty: the source does not say where these happened)",
    ),
    "why_duplicate": Text("{share} är dubbletter eller troliga dubbletter",
                          "{share} are duplicates or probable duplicates"),
    "loss_todo": Text(
        "{source} tappar {share}, mest {reason}: rätta källans kolumner, crs, date_format eller kategorier\n"
        "(geolage validate visar en exempelrad och vad som rättar den); gränsen står kvar på {limit}.",
        "{source} loses {share}, mostly {reason}: fix the source's columns, crs, date_format or categories\n"
        "(geolage validate shows an example row and what fixes it); the limit stays at {limit}.",
    ),
    "losses_unmeasured": Text(
        "Förlusterna kunde inte mätas: konfigurationen går inte att köra som den står (se TODO-raderna);\n"
        "kör geolage validate när de är ifyllda.",
        "The losses could not be measured: the configuration does not run as written (see the TODO lines);\n"
        "run geolage validate once they are filled in.",
    ),
}

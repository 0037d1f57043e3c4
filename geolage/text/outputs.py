"""Words shared by every output: the synthetic-data note, the disclosure note, file headings."""

from __future__ import annotations

from .format import Text

__all__ = [
    "SYNTHETIC_NOTE",
    "PUBLIC_TABLES_NOTE",
    "INTERNAL_TABLES_NOTE",
    "COLUMNS_HEADING",
    "CSV_FORMAT_NOTE",
    "CODES_NOTE",
    "WORKBOOK",
]

#: Said by every layer, raster, table README, map and report made from synthetic data.
SYNTHETIC_NOTE = Text("Syntetiska demodata – inte verkliga brott.", "Synthetic demo data – not real crimes.")

#: First line of the tables' README in public mode (``{k}`` = ``output.min_count``).
PUBLIC_TABLES_NOTE = Text(
    "Publik version: antal under {k} visas inte. I CSV-filerna är cellen tom och kolumnen "
    "<kolumn>_suppressed = True; i tabeller.xlsx och i rapporten står det \"{label}\".",
    "Public version: counts under {k} are withheld. In the CSV files the cell is empty and the column "
    "<column>_suppressed = True; in tables.xlsx and in the report it reads \"{label}\".",
)
INTERNAL_TABLES_NOTE = Text(
    "INTERN version: innehåller uppgifter om enskilda brott.", "INTERNAL version: holds incident-level data."
)
COLUMNS_HEADING = Text("Kolumner", "Columns")

#: How the CSV files are written (``{sep}``, ``{decimal}``).
CSV_FORMAT_NOTE = Text(
    "CSV-filerna är skrivna för svenskt Excel: semikolon (;) mellan kolumner, decimalkomma, UTF-8 med BOM. "
    "Läs dem i Python med pandas.read_csv(fil, sep=\";\", decimal=\",\"), i R med read.csv2(fil). "
    "Samma tabeller med rubriker i ord finns i tabeller.xlsx.",
    "The CSV files use a comma (,) between columns, a decimal point and UTF-8 with a BOM. "
    "Read them in Python with pandas.read_csv(file), in R with read.csv(file). "
    "The same tables with headings in words are in tables.xlsx.",
)
#: Codes and words in the tables.
CODES_NOTE = Text(
    "Kategorier och klasser står som koder (för sammanslagning med andra data) och i ord i kolumnen "
    "<kolumn>_label bredvid; tabeller.xlsx visar bara orden.",
    "Categories and classes are written as codes (for joins with other data) and in words in the column "
    "<column>_label beside them; tables.xlsx shows only the words.",
)
#: Words of the workbook ``tabeller.xlsx`` / ``tables.xlsx``.
WORKBOOK: dict[str, Text] = {
    "file": Text("tabeller.xlsx", "tables.xlsx"),
    "contents": Text("Innehåll", "Contents"),
    "sheet": Text("Flik", "Sheet"),
    "csv": Text("CSV-fil", "CSV file"),
    "table": Text("Tabell", "Table"),
    "description": Text("Beskrivning", "Description"),
    "column": Text("Kolumn", "Column"),
    "meaning": Text("Betydelse", "Meaning"),
    "cells_note": Text(
        "Fliken visar bara rutor med ett resultat (brott eller en klass); CSV-filen har alla rutor.",
        "The sheet shows only the cells with a result (incidents or a class); the CSV file has every cell.",
    ),
    "split": Text(
        "För lång för ett kalkylblad ({n} rader; Excel rymmer {m} per flik): delad på {k} flikar i tur och ordning.",
        "Too long for one sheet ({n} rows; Excel holds {m} per sheet): split over {k} sheets in order.",
    ),
    "yes": Text("ja", "yes"),
    "no": Text("nej", "no"),
}

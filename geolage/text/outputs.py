"""Words shared by every output: the synthetic-data note, the disclosure note, file headings."""

from __future__ import annotations

from .format import Text

__all__ = ["SYNTHETIC_NOTE", "PUBLIC_TABLES_NOTE", "INTERNAL_TABLES_NOTE", "COLUMNS_HEADING"]

#: Said by every layer, raster, table README, map and report made from synthetic data.
SYNTHETIC_NOTE = Text("Syntetiska demodata – inte verkliga brott.", "Synthetic demo data – not real crimes.")

#: First line of the tables' README in public mode (``{k}`` = ``output.min_count``).
PUBLIC_TABLES_NOTE = Text(
    "Publik version: antal under {k} visas inte (tomma celler, kolumnen <kolumn>_suppressed = True).",
    "Public version: counts under {k} are withheld (empty cells, column <column>_suppressed = True).",
)
INTERNAL_TABLES_NOTE = Text(
    "INTERN version: innehåller uppgifter om enskilda brott.", "INTERNAL version: holds incident-level data."
)
COLUMNS_HEADING = Text("Kolumner", "Columns")

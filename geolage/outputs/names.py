"""File names of a run's outputs in the run's language (``karta.html`` / ``map.html`` …).

The GeoPackage and the QGIS project keep one name in both languages (``lagesbild.gpkg``,
``lagesbild.qgs``: the product's name, which the project file points at); everything a
reader opens by name follows the language.
"""

from __future__ import annotations

from ..text.format import Text, check_language

__all__ = ["OUTPUT_NAMES", "output_name"]

#: Name of each output by key, per language.
OUTPUT_NAMES: dict[str, Text] = {
    "map": Text("karta.html", "map.html"),
    "tables": Text("tabeller", "tables"),
    "report": Text("rapport", "report"),
}


def output_name(key: str, language: str) -> str:
    """The file (or folder) name of output ``key`` in ``language``.

    Parameters
    ----------
    key : {"map", "tables", "report"}
        ``"report"`` is the stem: ``rapport.html``, and ``rapport_<area>.pdf`` for a focus area.
    language : {"sv", "en"}

    Returns
    -------
    str
    """
    check_language(language)
    return OUTPUT_NAMES[key][language]

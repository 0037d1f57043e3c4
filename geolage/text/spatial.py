"""Words of the spatial outputs (GeoPackage, GeoTIFF, QGIS project): base layer titles and layer groups.

Result tables and rasters bring their own titles (:mod:`geolage.text.tables`); the
layers written here are the run's own (districts, grid, study area, incidents,
rejects, run record) and the groups of the QGIS project's layer tree.
"""

from __future__ import annotations

from collections.abc import Mapping

from .format import Text

__all__ = [
    "DISTRICTS_LAYER_TITLE",
    "STUDY_AREA_LAYER_TITLE",
    "GRID_LAYER_TITLE",
    "INCIDENTS_LAYER_TITLE",
    "REJECTS_LAYER_TITLE",
    "RUN_METADATA_LAYER_TITLE",
    "GROUP_TITLES",
    "FOCUS_LAYER_TITLE",
    "THEME_TITLES",
    "in_language",
]

#: Titles of the base layers (a result table of the same name brings its own title instead).
DISTRICTS_LAYER_TITLE = Text("Områden", "Districts")
STUDY_AREA_LAYER_TITLE = Text("Analysområde", "Study area")
GRID_LAYER_TITLE = Text("Analysrutnät", "Analysis grid")
INCIDENTS_LAYER_TITLE = Text("Händelser (internt)", "Incidents (internal)")
REJECTS_LAYER_TITLE = Text("Avvisade rader (internt)", "Rejected rows (internal)")
RUN_METADATA_LAYER_TITLE = Text("Körningsuppgifter", "Run record")
FOCUS_LAYER_TITLE = Text("Fokusområden", "Focus areas")
#: The QGIS project's map themes, one per question (Project > Map themes).
THEME_TITLES: dict[str, Text] = {
    "where": Text("1 Var? Brott per invånare", "1 Where? Incidents per resident"),
    "hotspots": Text("2 Hot spots", "2 Hot spots"),
    "change": Text("3 Utveckling: framväxande hot spots", "3 Trend: emerging hot spots"),
    "prognosis": Text("4 Prognos", "4 Forecast"),
}

#: Names of the QGIS project's layer groups, by group code (order: :data:`geolage.outputs.qgis.project.GROUPS`).
GROUP_TITLES: dict[str, Text] = {
    "outlines": Text("Gränser", "Boundaries"),
    "areas": Text("Områden", "Areas"),
    "hotspots": Text("Hotspots", "Hotspots"),
    "density": Text("Täthet", "Density"),
    "base": Text("Underlag", "Base data"),
    "tables": Text("Tabeller", "Tables"),
}


def in_language(texts: Mapping[str, str] | None, language: str, default: str = "") -> str:
    """The text of ``texts`` in ``language``, else in Swedish, else in English, else ``default``.

    Parameters
    ----------
    texts : mapping of str to str, optional
        ``{"sv": ..., "en": ...}`` (a title or description of a table or raster); may be
        empty or lack a language.
    language : {"sv", "en"}
    default : str
        Returned when no language has a non-empty text.

    Returns
    -------
    str
    """
    if not texts:
        return default
    return texts.get(language) or texts.get("sv") or texts.get("en") or default

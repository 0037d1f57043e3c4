"""Class codes, labels and colours shared by every output (QGIS styles, map legends, report).

Analyses write the *codes* into their tables; exporters look up labels and colours here,
so a class looks the same in QGIS, in the Leaflet map and in the report.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ClassInfo", "GISTAR_CLASSES", "LISA_CLUSTERS", "EMERGING_CATEGORIES", "class_label", "SUPPRESSED_LABEL"]


@dataclass(frozen=True)
class ClassInfo:
    """A class code with its labels and fill colour (hex)."""

    code: str
    sv: str
    en: str
    color: str


def _classes(*items: tuple[str, str, str, str]) -> dict[str, ClassInfo]:
    return {code: ClassInfo(code, sv, en, color) for code, sv, en, color in items}


#: Getis–Ord Gi* classes (``gistar_class``), most significant hot first.
GISTAR_CLASSES = _classes(
    ("hot_99", "Hot spot, 99 % säkerhet", "Hot spot, 99% confidence", "#d62f27"),
    ("hot_95", "Hot spot, 95 % säkerhet", "Hot spot, 95% confidence", "#ed7551"),
    ("hot_90", "Hot spot, 90 % säkerhet", "Hot spot, 90% confidence", "#fab984"),
    ("not_significant", "Inte signifikant", "Not significant", "#f2f2ee"),
    ("cold_90", "Cold spot, 90 % säkerhet", "Cold spot, 90% confidence", "#c0ccbe"),
    ("cold_95", "Cold spot, 95 % säkerhet", "Cold spot, 95% confidence", "#849eba"),
    ("cold_99", "Cold spot, 99 % säkerhet", "Cold spot, 99% confidence", "#4575b5"),
)

#: Local Moran (LISA) cluster labels (``lisa_cluster``).
LISA_CLUSTERS = _classes(
    ("HH", "Högt omgivet av högt (HH)", "High-high (HH)", "#d7191c"),
    ("HL", "Högt omgivet av lågt (HL)", "High-low (HL)", "#fdae61"),
    ("LH", "Lågt omgivet av högt (LH)", "Low-high (LH)", "#abd9e9"),
    ("LL", "Lågt omgivet av lågt (LL)", "Low-low (LL)", "#2c7bb6"),
    ("not_significant", "Inte signifikant", "Not significant", "#eeeeee"),
)

#: Emerging hot spot categories (``emerging_category``), as in ArcGIS Pro.
EMERGING_CATEGORIES = _classes(
    ("new_hot", "Ny hot spot", "New hot spot", "#67000d"),
    ("consecutive_hot", "Sammanhängande hot spot", "Consecutive hot spot", "#a50f15"),
    ("intensifying_hot", "Intensifierande hot spot", "Intensifying hot spot", "#cb181d"),
    ("persistent_hot", "Ihållande hot spot", "Persistent hot spot", "#ef3b2c"),
    ("diminishing_hot", "Avtagande hot spot", "Diminishing hot spot", "#fb6a4a"),
    ("sporadic_hot", "Sporadisk hot spot", "Sporadic hot spot", "#fc9272"),
    ("oscillating_hot", "Oscillerande hot spot", "Oscillating hot spot", "#fcbba1"),
    ("historical_hot", "Historisk hot spot", "Historical hot spot", "#fee0d2"),
    ("new_cold", "Ny cold spot", "New cold spot", "#08306b"),
    ("consecutive_cold", "Sammanhängande cold spot", "Consecutive cold spot", "#08519c"),
    ("intensifying_cold", "Intensifierande cold spot", "Intensifying cold spot", "#2171b5"),
    ("persistent_cold", "Ihållande cold spot", "Persistent cold spot", "#4292c6"),
    ("diminishing_cold", "Avtagande cold spot", "Diminishing cold spot", "#6baed6"),
    ("sporadic_cold", "Sporadisk cold spot", "Sporadic cold spot", "#9ecae1"),
    ("oscillating_cold", "Oscillerande cold spot", "Oscillating cold spot", "#c6dbef"),
    ("historical_cold", "Historisk cold spot", "Historical cold spot", "#deebf7"),
    ("no_pattern", "Inget mönster", "No pattern detected", "#f0f0f0"),
)

#: Shown instead of a count that public outputs suppress.
SUPPRESSED_LABEL = {"sv": "<5 (dolt)", "en": "<5 (suppressed)"}


def class_label(classes: dict[str, ClassInfo], code: str, language: str = "sv") -> str:
    """Label of ``code`` in ``classes`` in ``language``; unknown codes are returned unchanged."""
    info = classes.get(code)
    if info is None:
        return code
    return info.en if language == "en" else info.sv

"""Class codes, labels and colours shared by every output (QGIS styles, map legends, report).

Analyses write the *codes* into their tables; exporters look up labels and colours here,
so a class looks the same in QGIS, in the Leaflet map and in the report.
"""

from __future__ import annotations

from dataclasses import dataclass

from .text.format import Text as _Text
from .text.labels import (
    EMERGING_CATEGORY_LABELS,
    GISTAR_CLASS_LABELS,
    LISA_CLUSTER_LABELS,
    SUPPRESSED_LABEL,
)

__all__ = ["ClassInfo", "GISTAR_CLASSES", "LISA_CLUSTERS", "EMERGING_CATEGORIES", "class_label", "SUPPRESSED_LABEL"]


@dataclass(frozen=True)
class ClassInfo:
    """A class code with its labels and fill colour (hex)."""

    code: str
    sv: str
    en: str
    color: str


def _classes(labels: dict[str, _Text], *colours: tuple[str, str]) -> dict[str, ClassInfo]:
    return {code: ClassInfo(code, labels[code]["sv"], labels[code]["en"], colour) for code, colour in colours}


#: Getis–Ord Gi* classes (``gistar_class``), most significant hot first.
GISTAR_CLASSES = _classes(
    GISTAR_CLASS_LABELS,
    ("hot_99", "#d62f27"),
    ("hot_95", "#ed7551"),
    ("hot_90", "#fab984"),
    ("not_significant", "#f2f2ee"),
    ("cold_90", "#c0ccbe"),
    ("cold_95", "#849eba"),
    ("cold_99", "#4575b5"),
)

#: Local Moran (LISA) cluster labels (``lisa_cluster``).
LISA_CLUSTERS = _classes(
    LISA_CLUSTER_LABELS,
    ("HH", "#d7191c"),
    ("HL", "#fdae61"),
    ("LH", "#abd9e9"),
    ("LL", "#2c7bb6"),
    ("not_significant", "#eeeeee"),
)

#: Emerging hot spot categories (``emerging_category``), as in ArcGIS Pro.
EMERGING_CATEGORIES = _classes(
    EMERGING_CATEGORY_LABELS,
    ("new_hot", "#67000d"),
    ("consecutive_hot", "#a50f15"),
    ("intensifying_hot", "#cb181d"),
    ("persistent_hot", "#ef3b2c"),
    ("diminishing_hot", "#fb6a4a"),
    ("sporadic_hot", "#fc9272"),
    ("oscillating_hot", "#fcbba1"),
    ("historical_hot", "#fee0d2"),
    ("new_cold", "#08306b"),
    ("consecutive_cold", "#08519c"),
    ("intensifying_cold", "#2171b5"),
    ("persistent_cold", "#4292c6"),
    ("diminishing_cold", "#6baed6"),
    ("sporadic_cold", "#9ecae1"),
    ("oscillating_cold", "#c6dbef"),
    ("historical_cold", "#deebf7"),
    ("no_pattern", "#f0f0f0"),
)



def class_label(classes: dict[str, ClassInfo], code: str, language: str = "sv") -> str:
    """Label of ``code`` in ``classes`` in ``language``; unknown codes are returned unchanged."""
    info = classes.get(code)
    if info is None:
        return code
    return info.en if language == "en" else info.sv

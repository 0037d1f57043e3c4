"""The geolage crime category codes and their Brå statistics groups (labels: :mod:`geolage.text.labels`)."""

from __future__ import annotations

from dataclasses import dataclass

from .text.labels import CATEGORY_LABELS, category_label

__all__ = ["Category", "CATEGORIES", "ALL_CATEGORIES", "category_label", "BRA_GROUPS"]

#: Category code of all categories together, in every table's ``category`` column.
ALL_CATEGORIES = "alla"


@dataclass(frozen=True)
class Category:
    """One geolage crime category.

    Attributes
    ----------
    code : str
        ASCII code used in every table (e.g. ``"inbrott_bostad"``).
    sv, en : str
        Labels in Swedish and English.
    bra_group : str
        The group in Brå's municipal statistics (``bra_reported_offences_*.csv``,
        column ``category``) that the category belongs to.
    """

    code: str
    sv: str
    en: str
    bra_group: str


_BRA_GROUP_OF = {
    "misshandel": "person",
    "hot": "person",
    "ran": "theft",
    "stold": "theft",
    "inbrott_bostad": "burglary",
    "skadegorelse": "vandalism",
    "klotter": "vandalism",
    "brand_fordon": "vandalism",
    "narkotikabrott": "drugs_weapons",
}

CATEGORIES: dict[str, Category] = {
    code: Category(code, CATEGORY_LABELS[code]["sv"], CATEGORY_LABELS[code]["en"], group)
    for code, group in _BRA_GROUP_OF.items()
}

#: Brå groups (``category`` in the Brå CSV) and the geolage categories counted in each.
#: Brå's ``theft`` (chapter 8) also contains ``burglary``; ``burglary`` is listed separately.
BRA_GROUPS: dict[str, tuple[str, ...]] = {
    "person": ("misshandel", "hot"),
    "theft": ("ran", "stold", "inbrott_bostad"),
    "burglary": ("inbrott_bostad",),
    "vandalism": ("skadegorelse", "klotter", "brand_fordon"),
    "drugs_weapons": ("narkotikabrott",),
}

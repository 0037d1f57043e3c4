"""The geolage crime categories, their labels and their Brå statistics groups."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Category", "CATEGORIES", "category_label", "BRA_GROUPS"]


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


CATEGORIES: dict[str, Category] = {
    c.code: c
    for c in (
        Category("misshandel", "Misshandel", "Assault", "person"),
        Category("hot", "Olaga hot", "Unlawful threat", "person"),
        Category("ran", "Rån", "Robbery", "theft"),
        Category("stold", "Stöld", "Theft", "theft"),
        Category("inbrott_bostad", "Inbrott (bostad)", "Residential burglary", "burglary"),
        Category("skadegorelse", "Skadegörelse", "Criminal damage", "vandalism"),
        Category("klotter", "Klotter", "Graffiti", "vandalism"),
        Category("brand_fordon", "Brand i fordon", "Vehicle fire", "vandalism"),
        Category("narkotikabrott", "Narkotikabrott", "Drug offence", "drugs_weapons"),
    )
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


def category_label(code: str, language: str = "sv") -> str:
    """Return the label of a category code in ``language`` (``"sv"`` or ``"en"``).

    Unknown codes (a user's own category) are returned unchanged.
    """
    cat = CATEGORIES.get(code)
    if cat is None:
        return code
    return cat.en if language == "en" else cat.sv

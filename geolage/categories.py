"""The geolage crime category codes and their Brå statistics groups (labels: :mod:`geolage.text.labels`)."""

from __future__ import annotations

from dataclasses import dataclass

from .text.labels import CATEGORY_LABELS, category_label

__all__ = ["Category", "CATEGORIES", "ALL_CATEGORIES", "ENGLISH_CODES", "category_label", "BRA_GROUPS",
           "internal_codes"]

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

#: What English runs write instead of the (Swedish) internal category codes, in table cells, layer
#: values and file names (``kde_all.tif``); Swedish runs write the codes themselves. A config may
#: name a built-in category by either code.
ENGLISH_CODES: dict[str, str] = {
    ALL_CATEGORIES: "all",
    "misshandel": "assault",
    "hot": "unlawful_threat",
    "ran": "robbery",
    "stold": "theft",
    "inbrott_bostad": "residential_burglary",
    "skadegorelse": "criminal_damage",
    "klotter": "graffiti",
    "brand_fordon": "vehicle_fire",
    "narkotikabrott": "drug_offence",
}


def internal_codes(data: dict) -> dict:
    """Parsed TOML config data with the English codes of built-in categories as the internal ones.

    A config may map a source's codes to ``"robbery"`` as well as to ``"ran"``
    (:data:`ENGLISH_CODES`): in ``[[sources]] categories``, ``unknown_category`` and
    ``[near_repeat] category``. Anything else is left as it is.

    Parameters
    ----------
    data : dict
        The parsed TOML document (not changed).

    Returns
    -------
    dict
    """
    internal = {en: code for code, en in ENGLISH_CODES.items() if code != ALL_CATEGORIES}

    def say(v: object) -> object:
        return internal.get(v, v) if isinstance(v, str) else v

    out = dict(data)
    if isinstance(out.get("sources"), list):
        out["sources"] = [
            {**src, **({"categories": {k: say(v) for k, v in src["categories"].items()}}
                       if isinstance(src.get("categories"), dict) else {}),
             **({"unknown_category": say(src["unknown_category"])} if "unknown_category" in src else {})}
            if isinstance(src, dict) else src
            for src in out["sources"]
        ]
    for section, value in list(out.items()):  # [near_repeat] category (any section's category setting)
        if isinstance(value, dict) and isinstance(value.get("category"), str):
            out[section] = {**value, "category": say(value["category"])}
    return out

"""Words of the whole-source checks (:mod:`geolage.source_checks`) for the console, in Swedish and English."""

from __future__ import annotations

from .format import Text

__all__ = ["LOSS"]

LOSS: dict[str, Text] = {
    "source": Text(
        "källan '{source}' ({path}) tappade {rejected} av {read} rader ({share}: {reasons})",
        "source '{source}' ({path}) lost {rejected} of {read} rows ({share}: {reasons})",
    ),
    "tail": Text(
        "mer än gränsen validation.max_rejected_share = {limit}. Rätta källans kolumner, crs, date_format eller "
        "kategorier enligt orsakerna ovan (geolage validate skriver varje avvisad rad och hur den rättas), eller "
        "höj validation.max_rejected_share under [validation] om förlusten ligger i data (rader utan plats, "
        "dubbletter)",
        "more than the limit validation.max_rejected_share = {limit}. Fix the source's columns, crs, date_format "
        "or categories as the reasons above say (geolage validate writes every rejected row and how to fix it), "
        "or raise validation.max_rejected_share in [validation] if the loss lies in the data (rows without a "
        "place, duplicates)",
    ),
}

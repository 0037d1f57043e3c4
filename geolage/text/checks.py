"""Words of the whole-source checks (:mod:`geolage.source_checks`) for the console, in Swedish and English."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .format import Text

__all__ = ["LOSS", "DETAILS", "NEAR_EDGE", "REPEATED_IDS", "detail_words"]

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

#: Console warnings of :mod:`geolage.validate`.
NEAR_EDGE = Text(
    "{n} punkt(er) ({label}) ligger upp till {m:g}° utanför giltighetsområdet för {crs}; de godtas "
    "(transformationen är väldefinierad där)",
    "{n} point(s) ({label}) lie up to {m:g}° outside the area of use of {crs}; accepted (the transformation "
    "is well defined there)",
)
REPEATED_IDS = Text(
    "{path}: {rows} rader delar {ids} id i kolumnen '{column}' men skiljer sig åt (t.ex. {examples}); de behålls "
    "som separata händelser",
    "{path}: {rows} rows share {ids} id(s) in column '{column}' but differ (e.g. {examples}); kept as separate "
    "incidents",
)

#: The details that :mod:`geolage.dates` and :mod:`geolage.validate` give for a rejected value, as written
#: there (English), in each language.
DETAILS: dict[str, Text] = {
    "expected ISO 8601 (YYYY-MM-DD or YYYY-MM-DD HH:MM); set sources.date_format for other forms": Text(
        "väntade ISO 8601 (ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM-DD TT:MM); ange sources.date_format för andra former",
        "expected ISO 8601 (YYYY-MM-DD or YYYY-MM-DD HH:MM); set sources.date_format for other forms",
    ),
    "no such day": Text("den dagen finns inte", "no such day"),
    "no such time of day": Text("det klockslaget finns inte", "no such time of day"),
    "expected HH:MM": Text("väntade TT:MM", "expected HH:MM"),
    "not a number": Text("inte ett tal", "not a number"),
}
_NOT_FORMAT = re.compile(r"^does not match date_format ('.*?') \(")
_NOT_FORMAT_WORDS = Text("stämmer inte med date_format {fmt}", "does not match date_format {fmt}")


def detail_words(detail: object, language: str) -> object:
    """A reject detail (:data:`DETAILS`) in ``language``; any other detail unchanged.

    Parameters
    ----------
    detail : object
        As the check gave it (a text, a date, a number).
    language : {"sv", "en"}

    Returns
    -------
    object
        Swedish runs get Swedish words (Python's own error text after ``date_format`` is left out).
    """
    if isinstance(detail, Mapping):  # a text in both languages (geolage.text.format.Text)
        return detail[language]
    if not isinstance(detail, str) or language == "en":
        return detail
    if detail in DETAILS:
        return DETAILS[detail][language]
    m = _NOT_FORMAT.match(detail)
    return _NOT_FORMAT_WORDS[language].format(fmt=m.group(1)) if m else detail

"""How numbers are written for people: the one rule for Swedish and English.

Swedish: decimal comma, no-break space (U+00A0) between thousands, true minus sign
(U+2212), ``"12 %"`` with a no-break space; English: ``"1,234.5"``, ``"-3.2"``, ``"12%"``.
Every output (report, map, QGIS legends, spreadsheets, sentences of the analyses) uses
these functions, so a number reads the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["LANGUAGES", "NBSP", "MINUS", "Text", "check_language", "format_number", "format_percent", "format_p"]

#: The languages every text exists in.
LANGUAGES = ("sv", "en")
NBSP = "\u00a0"
MINUS = "\u2212"


def check_language(language: str) -> str:
    """Return ``language`` when it is ``"sv"`` or ``"en"``; raise ValueError otherwise."""
    if language not in LANGUAGES:
        raise ValueError(f"language needs to be 'sv' or 'en'; got {language!r}")
    return language


class Text(dict):
    """A text in every language: ``Text(sv="Område", en="District")``.

    A plain ``dict`` (``{"sv": ..., "en": ...}``) so it can be stored in results and JSON;
    :meth:`format` fills ``{placeholders}`` per language.
    """

    def __init__(self, sv: str, en: str) -> None:
        super().__init__(sv=sv, en=en)

    def format(self, **values: Any) -> Text:  # noqa: D417
        """Fill placeholders; a value may be a ``{"sv": ..., "en": ...}`` mapping or one value for both."""

        def pick(lang: str) -> dict[str, Any]:
            return {k: (v[lang] if isinstance(v, Mapping) else v) for k, v in values.items()}

        return Text(self["sv"].format(**pick("sv")), self["en"].format(**pick("en")))

    def __add__(self, other: Mapping[str, str]) -> Text:  # type: ignore[override]
        return Text(self["sv"] + other["sv"], self["en"] + other["en"])


def _missing(x: Any) -> bool:
    """None, NaN, NaT or pandas' NA (not a list or other container)."""
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def format_number(x: Any, language: str = "sv", decimals: int | None = None) -> str:
    r"""Format a number for people.

    Parameters
    ----------
    x : number or None
        NaN / None / NA give ``"–"``; text is returned unchanged.
    language : {"sv", "en"}
        Swedish: decimal comma, no-break space (U+00A0) as thousands separator and a
        true minus sign (U+2212), as in ``"1 234,5"`` and ``"−3,2"``. English:
        ``"1,234.5"``.
    decimals : int, optional
        Number of decimals; default 0 for whole numbers, otherwise 1.

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(1234.56, "sv", 1)
    '1\xa0234,6'
    >>> format_number(-0.04, "en", 1)
    '0.0'
    """
    try:
        if _missing(x):
            return "–"
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(v):
        return "–"
    if decimals is None:
        decimals = 0 if float(v).is_integer() else 1
    text = f"{abs(v):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        v = 0.0
    if language == "sv":
        text = text.replace(",", NBSP).replace(".", ",")
        sign = MINUS if v < 0 else ""
    else:
        sign = "-" if v < 0 else ""
    return sign + text


def format_percent(
    x: Any, language: str = "sv", decimals: int = 0, *, share: bool = False, sign: bool = False
) -> str:
    """Format a percentage: ``"12 %"`` (sv, no-break space) or ``"12%"`` (en).

    Parameters
    ----------
    x : number
        Percent (``12.3``), or a share (``0.123``) when ``share=True``.
    language : {"sv", "en"}
    decimals : int
    share : bool
        ``x`` is a share in 0..1.
    sign : bool
        Always show the sign (``"+12 %"``).
    """
    try:
        if _missing(x):
            return "–"
        v = float(x) * (100 if share else 1)
    except (TypeError, ValueError):
        return str(x)
    text = format_number(v, language, decimals)
    if sign and v > 0 and text != format_number(0, language, decimals):
        text = "+" + text
    return text + (NBSP + "%" if language == "sv" else "%")


def format_p(p: Any, language: str = "sv") -> str:
    """A p-value with three decimals, ``"<0,001"`` below 0.001."""
    try:
        if _missing(p):
            return "–"
        v = float(p)
    except (TypeError, ValueError):
        return str(p)
    if v < 0.001:
        return "<" + format_number(0.001, language, 3)
    return format_number(v, language, 3)

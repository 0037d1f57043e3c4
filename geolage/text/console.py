"""Warnings on the console in the run's language: categories and methods in words, never as codes."""

from __future__ import annotations

from collections.abc import Iterable

from ..categories import ALL_CATEGORIES
from .format import Text, format_number
from .labels import ALL_CATEGORIES_LABEL, category_label

__all__ = ["FORECAST_TOO_FEW", "FORECAST_NO_HISTORY", "categories_in_words"]

FORECAST_TOO_FEW = Text(
    "prognos: kategorier med färre än {n} brott får ingen prognos i rutnätet: {categories}",
    "forecast: categories with fewer than {n} incidents are not forecast on the grid: {categories}",
)
FORECAST_NO_HISTORY = Text(
    "prognos: {method} har för kort historik och görs inte för {categories}",
    "forecast: {method} has too little history and is left out for {categories}",
)


def categories_in_words(codes: Iterable[str], language: str, counts: dict[str, int] | None = None) -> str:
    """Category codes as their labels, comma-separated (with ``counts``: ``"Rån (8)"``).

    Parameters
    ----------
    codes : iterable of str
    language : {"sv", "en"}
    counts : dict, optional
        Code -> number of incidents, written after each label.

    Returns
    -------
    str
    """
    words = []
    for code in codes:
        label = ALL_CATEGORIES_LABEL[language] if code == ALL_CATEGORIES else category_label(code, language)
        words.append(f"{label} ({format_number(counts[code], language)})" if counts and code in counts else label)
    return ", ".join(words)

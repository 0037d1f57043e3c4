"""Words for the results of :mod:`geolage.stats.trends`, in Swedish and English."""

from __future__ import annotations

import pandas as pd

from ..stats.compare import ALL_FOCUS_AREAS
from ..stats.trends import DIRECTIONS, WHOLE_AREA
from .format import Text

__all__ = ["DIRECTION_LABELS", "AREA_LABELS", "area_name", "direction_label", "direction_words"]

#: Names of the areas the statistics add beside the districts (codes in :mod:`geolage.stats`).
AREA_LABELS: dict[str, Text] = {
    WHOLE_AREA: Text("Hela kommunen", "Whole area"),
    ALL_FOCUS_AREAS: Text("Alla fokusområden", "All focus areas"),
}


def area_name(code: str, language: str) -> str:
    """The name of an added area (:data:`AREA_LABELS`) in ``language``; other codes unchanged."""
    label = AREA_LABELS.get(code)
    return label["en" if language == "en" else "sv"] if label is not None else code

#: The direction codes of :func:`geolage.stats.trends.direction` in words.
DIRECTION_LABELS: dict[str, Text] = {
    "up": Text("ökar", "increasing"),
    "down": Text("minskar", "decreasing"),
    "none": Text("ingen säker förändring", "no certain change"),
}


def direction_label(code: str, language: str = "sv") -> str:
    """Name a direction code (``"up"``, ``"down"``, ``"none"``) in plain words.

    Parameters
    ----------
    code : str
        A code of :data:`geolage.stats.trends.DIRECTIONS`.
    language : {"sv", "en"}

    Returns
    -------
    str
        ``"ökar"``/``"increasing"``, ``"minskar"``/``"decreasing"`` or ``"ingen säker
        förändring"``/``"no certain change"``.

    Raises
    ------
    ValueError
        Unknown language or code.

    Examples
    --------
    >>> direction_label("up"), direction_label("none", "en")
    ('ökar', 'no certain change')
    """
    if language not in ("sv", "en"):
        raise ValueError(f"language needs to be 'sv' or 'en'; got {language!r}")
    if code not in DIRECTION_LABELS:
        raise ValueError(f"code needs to be one of {', '.join(DIRECTIONS)}; got {code!r}")
    return DIRECTION_LABELS[code][language]


def direction_words(table: pd.DataFrame, language: str = "sv") -> pd.DataFrame:
    """Return a copy of a trend table with its ``direction`` codes written in words.

    Parameters
    ----------
    table : DataFrame
        From :func:`geolage.stats.trends.trend_table` (a ``direction`` column of codes).
    language : {"sv", "en"}

    Returns
    -------
    DataFrame
        The same table, ``direction`` in ``language`` (see :func:`direction_label`).
    """
    out = table.copy()
    out["direction"] = [direction_label(code, language) for code in out["direction"]]
    return out

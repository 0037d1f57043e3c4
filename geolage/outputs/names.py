"""File names of a run's outputs in the run's language (``karta.html`` / ``map.html`` …).

Every file a reader opens by name follows the language: the GeoPackage and the QGIS project
are ``lagesbild.gpkg``/``lagesbild.qgs`` (the product's name) in Swedish runs and
``situation_picture.gpkg``/``.qgs`` in English ones.

Codes in data values follow it too: the internal codes of "all categories" (``alla``), "the whole
span" (``hela``) and the built-in categories (``inbrott_bostad`` …) are Swedish; English runs write
``all``, ``whole_period``, ``residential_burglary`` … in table cells, layer values, layer filters and
file names (:func:`output_code`, :func:`output_codes`, :func:`output_text`), and quarters
``2024Q3`` instead of ``2024K3``. The analysis itself
always uses the internal codes; only the exporters translate.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ..categories import ENGLISH_CODES
from ..stats.rates import WHOLE_PERIOD
from ..text.format import Text, check_language

__all__ = ["OUTPUT_NAMES", "VALUE_CODES", "CODE_COLUMNS", "output_name", "output_code", "output_codes",
           "output_text", "config_codes"]

#: Internal code -> what an English run writes instead (a Swedish run writes the code itself).
VALUE_CODES: dict[str, str] = {**ENGLISH_CODES, WHOLE_PERIOD: "whole_period"}
#: Columns of result tables whose values are codes that :func:`output_codes` translates.
CODE_COLUMNS: tuple[str, ...] = ("category", "period", "source")
#: A quarter's label: ``2024K3`` (kvartal) in the analysis and Swedish runs, ``2024Q3`` in English ones.
_QUARTER = re.compile(r"(?<![^\W_])(\d{4})K([1-4])(?![^\W_])")
#: Codes that are also English words: inside a longer string only after ``kde_`` or ``:`` (``kde_hot``,
#: ``grid:ran``), so ``new_hot`` (an emerging hot spot class) and "hot spots" stay.
_ENGLISH_WORDS = frozenset({"hot", "ran"})
_CODE_WORD = re.compile(
    r"(?<![^\W_])(" + "|".join(sorted((re.escape(c) for c in VALUE_CODES if c not in _ENGLISH_WORDS),
                                       key=len, reverse=True))
    + r")(?![^\W_])|(?:(?<=:)|(?<=\bkde_))(" + "|".join(sorted(_ENGLISH_WORDS)) + r")(?![\w])"
)

#: Name of each output by key, per language.
OUTPUT_NAMES: dict[str, Text] = {
    "map": Text("karta.html", "map.html"),
    "tables": Text("tabeller", "tables"),
    "report": Text("rapport", "report"),
    "gpkg": Text("lagesbild.gpkg", "situation_picture.gpkg"),
    "qgis": Text("lagesbild.qgs", "situation_picture.qgs"),
}


def output_name(key: str, language: str) -> str:
    """The file (or folder) name of output ``key`` in ``language``.

    Parameters
    ----------
    key : {"map", "tables", "report", "gpkg", "qgis"}
        ``"report"`` is the stem: ``rapport.html``, and ``rapport_<area>.pdf`` for a focus area.
    language : {"sv", "en"}

    Returns
    -------
    str
    """
    check_language(language)
    return OUTPUT_NAMES[key][language]


def output_code(code: str, language: str) -> str:
    """``code`` as a run in ``language`` writes it in data values and file names.

    Parameters
    ----------
    code : str
        An internal code (``"alla"``, ``"hela"``, ``"inbrott_bostad"``) or any other value.
    language : {"sv", "en"}

    Returns
    -------
    str
        The English code (:data:`VALUE_CODES`) in English runs; ``code`` unchanged otherwise.

    Examples
    --------
    >>> output_code("alla", "en"), output_code("alla", "sv"), output_code("burglary", "en")
    ('all', 'alla', 'burglary')
    """
    check_language(language)
    return VALUE_CODES.get(code, code) if language == "en" else code


def output_codes(data: pd.DataFrame, language: str, columns: tuple[str, ...] = CODE_COLUMNS) -> pd.DataFrame:
    """``data`` with the codes in ``columns`` as a run in ``language`` writes them (a copy when changed).

    Parameters
    ----------
    data : DataFrame
        A result table (may be a GeoDataFrame; its class is kept).
    language : {"sv", "en"}
    columns : tuple of str
        Code columns (default :data:`CODE_COLUMNS`); absent ones are skipped.

    Returns
    -------
    DataFrame
    """
    check_language(language)
    present = [c for c in columns if c in data.columns]
    if language != "en" or not present:
        return data
    out = data.copy(deep=False)
    for c in present:
        values = [v for v in pd.unique(out[c].dropna()) if isinstance(v, str)]  # each distinct value once
        said = {v: _QUARTER.sub(r"\1Q\2", VALUE_CODES.get(v, v)) for v in values}
        changed = {v: w for v, w in said.items() if w != v}
        if changed:
            out[c] = out[c].replace(changed)
    return out


def output_text(obj: Any, language: str) -> Any:
    """Every internal code inside the strings (keys too) of ``obj`` as a run in ``language`` writes it.

    For records and notes, where codes stand inside longer strings: ``"grid:alla"`` ->
    ``"grid:all"``, ``"kde_alla"`` -> ``"kde_all"`` (a code counts when no letter or digit touches it;
    the codes that are English words, ``hot`` and ``ran``, only as a whole string or at the end after
    ``kde_`` or ``:``, so "hot spots" and ``new_hot`` stay).

    Parameters
    ----------
    obj : str, dict, list, tuple or any
        Nested containers are translated recursively; other values are returned unchanged.
    language : {"sv", "en"}

    Returns
    -------
    Same type as ``obj``.

    Examples
    --------
    >>> output_text({"grid:alla": ["hela", "kde_alla", "allan", "hot spots", "kde_hot", "new_hot"]}, "en")
    {'grid:all': ['whole_period', 'kde_all', 'allan', 'hot spots', 'kde_unlawful_threat', 'new_hot']}
    >>> output_text("2024K3", "en")
    '2024Q3'
    """
    check_language(language)
    if language != "en":
        return obj
    if isinstance(obj, str):
        if obj in VALUE_CODES:
            return VALUE_CODES[obj]
        return _QUARTER.sub(r"\1Q\2", _CODE_WORD.sub(lambda m: VALUE_CODES[m.group(1) or m.group(2)], obj))
    if isinstance(obj, dict):
        return {output_text(k, language): output_text(v, language) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(output_text(v, language) for v in obj)
    return obj


def config_codes(config: dict[str, Any], language: str) -> dict[str, Any]:
    """A config as a dict (:meth:`geolage.config.Config.to_dict`) with its category codes as ``language`` writes them.

    Only the codes the sources map to (``categories``, ``unknown_category``) and the
    ``category`` settings of sections (``[near_repeat]``) are translated; paths and names stay
    as given.

    Parameters
    ----------
    config : dict
    language : {"sv", "en"}

    Returns
    -------
    dict
        A new dict (``config`` is not changed).
    """
    out = dict(config)
    sources = []
    for src in out.get("sources") or []:
        src = dict(src)
        for key in ("categories", "unknown_category"):
            if key in src:
                src[key] = output_text(src[key], language)
        sources.append(src)
    if "sources" in out:
        out["sources"] = sources
    for section, value in list(out.items()):  # [near_repeat] category (any section's category setting)
        if isinstance(value, dict) and isinstance(value.get("category"), str):
            out[section] = {**value, "category": output_text(value["category"], language)}
    return out

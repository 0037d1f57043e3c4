"""Words for the context section (:mod:`geolage.stats.context`): names of socioeconomic indicators."""

from __future__ import annotations

import re

from .format import Text, check_language

__all__ = ["INDICATOR_LABELS", "UNIT_LABELS", "indicator_label", "parse_indicator"]

#: Names of the indicators of SCB's DeSO statistics (``shapes/boras_deso_2025.gpkg``), by the
#: column name without its unit, age band and year (see :func:`parse_indicator`).
INDICATOR_LABELS: dict[str, Text] = {
    "pop": Text("Folkmängd", "Population"),
    "pop_growth": Text("Befolkningsförändring", "Population change"),
    "share_single_person_hh": Text("Andel enpersonshushåll", "Share of single-person households"),
    "share_foreign_background": Text("Andel med utländsk bakgrund", "Share with a foreign background"),
    "net_income_mean": Text("Nettoinkomst, medelvärde", "Net income, mean"),
    "disp_income_median": Text("Disponibel inkomst, median", "Disposable income, median"),
    "low_economic_standard": Text("Låg ekonomisk standard", "Low economic standard"),
    "unemployment": Text("Arbetslöshet", "Unemployment"),
    "employment_rate": Text("Förvärvsfrekvens", "Employment rate"),
    "post_secondary_edu": Text("Eftergymnasial utbildning", "Post-secondary education"),
    "rental_dwellings": Text("Andel hyresrätter", "Share of rental dwellings"),
    "multi_dwelling": Text("Andel bostäder i flerbostadshus", "Share of dwellings in multi-dwelling buildings"),
    "area": Text("Yta", "Area"),
    "pop_density": Text("Befolkningstäthet", "Population density"),
}

#: Units written in column names (``_pct``, ``_tkr``, ``_per_km2``, ``_km2``) in words.
UNIT_LABELS: dict[str, Text] = {
    "pct": Text("%", "%"),
    "tkr": Text("tusen kronor", "thousand SEK"),
    "per_km2": Text("invånare per km²", "inhabitants per km²"),
    "km2": Text("km²", "km²"),
}

_UNITS = "|".join(sorted(UNIT_LABELS, key=len, reverse=True))
_PATTERN = re.compile(
    rf"^(?P<stem>.+?)(?:_(?P<age1>\d{{1,3}})_(?P<age2>\d{{1,3}}))?(?:_(?P<unit>{_UNITS}))?"
    rf"(?:_(?P<age3>\d{{1,3}})_(?P<age4>\d{{1,3}}))?(?:_(?P<year>(?:19|20)\d\d))?$"
)
_AGES = Text("{a}–{b} år", "ages {a}–{b}")
#: Stems named by their age band: ``share_age_20_34`` is the share aged 20–34.
_AGE_STEMS: dict[str, Text] = {"share_age": Text("Andel i åldern {a}–{b} år", "Share aged {a}–{b}")}


def parse_indicator(name: str) -> dict[str, str | None]:
    """Split an indicator column name into its stem, age band, unit and year.

    Parameters
    ----------
    name : str
        A column name such as ``"unemployment_pct_20_64_2024"``.

    Returns
    -------
    dict
        ``stem``, ``ages`` (``"20_64"`` or None), ``unit`` (a key of :data:`UNIT_LABELS` or None)
        and ``year`` (four digits or None).

    Examples
    --------
    >>> parse_indicator("unemployment_pct_20_64_2024")
    {'stem': 'unemployment', 'ages': '20_64', 'unit': 'pct', 'year': '2024'}
    >>> parse_indicator("pop_density_per_km2")
    {'stem': 'pop_density', 'ages': None, 'unit': 'per_km2', 'year': None}
    """
    match = _PATTERN.match(name)
    if match is None:  # only an empty name does not match
        return {"stem": name, "ages": None, "unit": None, "year": None}
    g = match.groupdict()
    ages = None
    if g["age1"] is not None:
        ages = f"{g['age1']}_{g['age2']}"
    elif g["age3"] is not None:
        ages = f"{g['age3']}_{g['age4']}"
    return {"stem": g["stem"], "ages": ages, "unit": g["unit"], "year": g["year"]}


def _readable(stem: str) -> str:
    """An unknown stem as words: underscores to spaces, first letter capital."""
    words = re.sub(r"[_\s]+", " ", stem).strip()
    return words[:1].upper() + words[1:]


def indicator_label(indicator: str, language: str = "sv") -> str:
    """Name an indicator column in words, with its unit and year from the column name.

    Parameters
    ----------
    indicator : str
        A column name such as ``"low_economic_standard_pct_2024"``: a stem, optionally an age
        band (``_20_64``), a unit (``_pct``, ``_tkr``, ``_per_km2``, ``_km2``) and a year.
    language : {"sv", "en"}

    Returns
    -------
    str
        The name of a known stem (:data:`INDICATOR_LABELS`), or the stem with spaces for
        underscores, then the age band, then ``(unit, year)``.

    Raises
    ------
    ValueError
        Unknown language.

    Examples
    --------
    >>> indicator_label("low_economic_standard_pct_2024")
    'Låg ekonomisk standard (%, 2024)'
    >>> indicator_label("unemployment_pct_20_64_2024", "en")
    'Unemployment, ages 20–64 (%, 2024)'
    >>> indicator_label("disp_income_median_tkr_2024")
    'Disponibel inkomst, median (tusen kronor, 2024)'
    """
    check_language(language)
    parts = parse_indicator(indicator)
    stem, known = parts["stem"], INDICATOR_LABELS.get(parts["stem"])
    label = known[language] if known is not None else _readable(stem)
    if parts["ages"]:
        a, b = parts["ages"].split("_")
        if stem in _AGE_STEMS:
            label = _AGE_STEMS[stem][language].format(a=a, b=b)
        else:
            label = f"{label}, {_AGES[language].format(a=a, b=b)}"
    bracket = [UNIT_LABELS[parts["unit"]][language]] if parts["unit"] else []
    bracket += [parts["year"]] if parts["year"] else []
    return f"{label} ({', '.join(bracket)})" if bracket else label

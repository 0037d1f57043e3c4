"""Words for the ranking rule of :mod:`geolage.stats.priorities`, in Swedish and English."""

from __future__ import annotations

from ..stats.priorities import (
    ALPHA,
    CERTAINTIES,
    CERTAINTY_LIMITS,
    COMPONENTS,
    DEVELOPMENT_YEARS,
    MIN_COUNT,
    VOLUME_HALF,
    certainty_count,
)
from .format import Text, check_language, format_number

__all__ = [
    "CERTAINTY_LABELS",
    "COMPONENT_LABELS",
    "RULE_DESCRIPTION",
    "certainty_label",
    "component_words",
    "rule_description",
]

#: The certainty codes of :func:`geolage.stats.priorities.certainty` in words.
CERTAINTY_LABELS: dict[str, Text] = {
    "high": Text("hög säkerhet", "high certainty"),
    "medium": Text("medelhög säkerhet", "medium certainty"),
    "low": Text("låg säkerhet", "low certainty"),
}

#: The parts of a priority score (codes of :data:`geolage.stats.priorities.COMPONENTS`) in words.
COMPONENT_LABELS: dict[str, Text] = {
    "level": Text("nivå jämfört med referensområdet", "level compared with the reference area"),
    "yearly_trend": Text("utveckling (trend per år)", "development (trend per year)"),
    "period_change": Text(
        "utveckling (förändring sedan föregående period)", "development (change since the previous period)"
    ),
    "hotspot_share": Text("koncentration till hot spots", "concentration in hot spots"),
    "volume": Text("antal brott", "number of offences"),
}

_RULE = Text(
    "Problemen rangordnas efter en poäng som lägger ihop tre delar, och varje del räknas bara när "
    "den är statistiskt säker. Nivån mäter hur mycket högre brottstakten i området är än i "
    "referensområdet; vi använder den gräns i 95-procentiga konfidensintervallet som ligger närmast "
    "ingen skillnad, så en osäker skillnad räknas som noll. Utvecklingen mäter hur snabbt brotten "
    "ökar eller minskar: en trend per år räknas om till förändringen över {years} år om den "
    "fortsätter, och den räknas bara när p-värdet är under {alpha}; utan trend används "
    "förändringen sedan föregående period, på samma sätt som nivån. Koncentrationen är andelen av "
    "områdets brott av typen som ligger i statistiskt säkra brottskoncentrationer (hot spots), alltså platser "
    "där åtgärder kan riktas. Summan vägs med antalet brott: vikten är hälften vid {half} brott och "
    "närmar sig ett vid många brott, och en brottstyp med färre än {min_count} brott under perioden "
    "får poängen noll, så att ett fåtal händelser aldrig hamnar först. Lika poäng avgörs av antalet "
    "brott. En del som saknar uppgifter räknas som noll, och tabellen anger vilka delar som användes. "
    "Säkerheten anger hur precist områdets brottstakt är känd: hög säkerhet när övre gränsen "
    "i konfidensintervallet för kvoten är högst {high} gånger den nedre (ungefär {high_n} brott "
    "eller fler), medelhög när den är högst {medium} gånger (ungefär {medium_n} brott eller fler) "
    "och låg annars. Rangordningen säger vilka problem som är störst i området enligt dessa data, "
    "inte hur allvarligt varje brott är eller vad som orsakar det.",
    "The problems are ranked by a score that adds three parts, and each part counts only when it "
    "is statistically certain. Level measures how much higher the area's crime rate is than the "
    "reference area's; we use the limit of the 95% confidence interval that lies nearest to no "
    "difference, so an uncertain difference counts as zero. Development measures how fast the "
    "offences increase or decrease: a trend per year is turned into the change over {years} years "
    "if it goes on, and counts only when its p-value is below {alpha}; without a trend, the change "
    "since the previous period is used, in the same way as the level. Concentration is the share "
    "of the area's offences of the type that lie in statistically certain hot spots, places where "
    "measures can be targeted. The sum is weighted by the number of offences: the weight is one "
    "half at {half} offences and approaches one with many offences, and a crime type with fewer "
    "than {min_count} offences in the period gets a score of zero, so that a handful of incidents "
    "never comes first. Equal scores are decided by the number of offences. A part without data "
    "counts as zero, and the table says which parts were used. Certainty says how "
    "precisely the area's crime rate is known: high certainty when the upper limit of the rate ratio's "
    "confidence interval is at most {high} times the lower one (about {high_n} offences or more), "
    "medium when it is at most {medium} times (about {medium_n} offences or more), and low "
    "otherwise. The ranking says which problems are largest in the area according to these data, "
    "not how serious each offence is or what causes it.",
)


def certainty_label(code: str, language: str = "sv") -> str:
    """Name a certainty code (``"high"``, ``"medium"``, ``"low"``) in plain words.

    Parameters
    ----------
    code : str
        A code of :data:`geolage.stats.priorities.CERTAINTIES`.
    language : {"sv", "en"}

    Returns
    -------
    str
        ``"hög säkerhet"``/``"high certainty"``, ``"medelhög säkerhet"``/``"medium certainty"``
        or ``"låg säkerhet"``/``"low certainty"``.

    Raises
    ------
    ValueError
        Unknown language or code.

    Examples
    --------
    >>> certainty_label("medium"), certainty_label("low", "en")
    ('medelhög säkerhet', 'low certainty')
    """
    check_language(language)
    if code not in CERTAINTY_LABELS:
        raise ValueError(f"code needs to be one of {', '.join(CERTAINTIES)}; got {code!r}")
    return CERTAINTY_LABELS[code][language]


def component_words(codes: str, language: str = "sv") -> str:
    """Write the ``score_components`` of a ranked row (comma-separated codes) as a list of words.

    Parameters
    ----------
    codes : str
        Codes of :data:`geolage.stats.priorities.COMPONENTS` joined by commas (may be empty).
    language : {"sv", "en"}

    Returns
    -------
    str
        The parts in words joined by ``", "``; ``"inga delar"``/``"no parts"`` when empty.

    Raises
    ------
    ValueError
        Unknown language or code.

    Examples
    --------
    >>> component_words("level,volume", "en")
    'level compared with the reference area, number of offences'
    """
    check_language(language)
    parts = [c for c in codes.split(",") if c]
    unknown = [c for c in parts if c not in COMPONENT_LABELS]
    if unknown:
        raise ValueError(f"codes need to be among {', '.join(COMPONENTS)}; got {unknown[0]!r}")
    if not parts:
        return "inga delar" if language == "sv" else "no parts"
    return ", ".join(COMPONENT_LABELS[c][language] for c in parts)


def rule_description() -> Text:
    """The ranking rule in one plain-language paragraph per language, for the method appendix.

    Returns
    -------
    Text
        ``{"sv": ..., "en": ...}`` with the rule's constants written as numbers for people.
    """

    def numbers(language: str) -> dict[str, str]:
        high, medium = CERTAINTY_LIMITS
        return {
            "years": format_number(DEVELOPMENT_YEARS, language),
            "alpha": format_number(ALPHA, language, 2),
            "half": format_number(VOLUME_HALF, language),
            "min_count": format_number(MIN_COUNT, language),
            "high": format_number(high, language, 1),
            "medium": format_number(medium, language, 1),
            "high_n": format_number(certainty_count(high), language),
            "medium_n": format_number(certainty_count(medium), language),
        }

    sv, en = numbers("sv"), numbers("en")
    return _RULE.format(**{k: {"sv": sv[k], "en": en[k]} for k in sv})


#: The rule of :mod:`geolage.stats.priorities` with its default constants, in both languages.
RULE_DESCRIPTION: Text = rule_description()

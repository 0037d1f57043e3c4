"""Plain-language sentences about a Knox near-repeat test, in Swedish and English."""

from __future__ import annotations

from ..stats.nearrepeat import KnoxResult, near_repeat_zone
from .format import Text, format_number

__all__ = ["knox_summary"]

#: (Swedish "a …", Swedish "another …", English "a …", English "another …") per category.
_NOUNS: dict[str, tuple[str, str, str, str]] = {
    "inbrott_bostad": ("ett inbrott", "ett nytt inbrott", "a burglary", "another burglary"),
    "ran": ("ett rån", "ett nytt rån", "a robbery", "another robbery"),
    "stold": ("en stöld", "en ny stöld", "a theft", "another theft"),
    "skadegorelse": ("en skadegörelse", "en ny skadegörelse", "criminal damage", "more criminal damage"),
    "klotter": ("ett klotter", "ett nytt klotter", "graffiti", "more graffiti"),
    "brand_fordon": ("en fordonsbrand", "en ny fordonsbrand", "a vehicle fire", "another vehicle fire"),
    "misshandel": ("en misshandel", "en ny misshandel", "an assault", "another assault"),
    "hot": ("ett olaga hot", "ett nytt olaga hot", "an unlawful threat", "another unlawful threat"),
    "narkotikabrott": ("ett narkotikabrott", "ett nytt narkotikabrott", "a drug offence", "another drug offence"),
}
_DEFAULT_NOUNS = ("ett brott", "ett nytt brott", "an incident", "another incident")


def _g(v: float) -> str:
    return f"{v:g}"


def _num(v: float, language: str, digits: int = 1) -> str:
    return format_number(v, language, digits)


def _p(p: float, language: str) -> str:
    return f"p = {_num(p, language, 3)}"


def knox_summary(result: KnoxResult, *, category: str | None = None, alpha: float = 0.05) -> Text:
    """Write a plain-language sentence (Swedish and English) about the near-repeat risk.

    Parameters
    ----------
    result : KnoxResult
        From :func:`geolage.stats.nearrepeat.knox`.
    category : str, optional
        Category code for the wording ("efter ett inbrott …").
    alpha : float
        Significance level.

    Returns
    -------
    Text
        ``{"sv": ..., "en": ...}``, e.g. "Inom 200 m och 14 dagar efter ett inbrott är
        risken för ett nytt inbrott 2,3 gånger högre än väntat (Knox-test, p = 0,001)."
        The zone is the one of :func:`geolage.stats.nearrepeat.near_repeat_zone`.
    """
    tab = result.table
    zone = near_repeat_zone(result, alpha=alpha)
    sv_a, sv_new, en_a, en_new = _NOUNS.get(category or "", _DEFAULT_NOUNS)
    if not zone.significant:
        dmax, tmax = _g(tab["distance_to"].max()), _g(tab["time_to"].max())
        first_d, first_t = tab["distance_band"].iloc[0], tab["time_band"].iloc[0]
        return Text(
            f"Knox-testet visar ingen förhöjd risk för {sv_new} nära i tid och rum efter {sv_a} "
            f"(närmaste band {first_d} och {first_t}: {_p(zone.p_value, 'sv')}; "
            f"undersökt upp till {dmax} m och {tmax} dagar).",
            f"The Knox test shows no raised risk of {en_new} close in space and time after {en_a} "
            f"(nearest bands {first_d} and {first_t}: {_p(zone.p_value, 'en')}; "
            f"examined up to {dmax} m and {tmax} days).",
        )
    dist_hi, time_hi = _g(zone.distance_to), _g(zone.time_to)
    if zone.distance_from == 0 and zone.time_from == 0:
        if zone.distance_to == 0:
            where = Text(f"På samma plats och inom {time_hi} dagar", f"At the same place and within {time_hi} days")
        else:
            where = Text(f"Inom {dist_hi} m och {time_hi} dagar", f"Within {dist_hi} m and {time_hi} days")
    else:
        dlo, tlo = _g(zone.distance_from), _g(zone.time_from)
        where = Text(f"På {dlo}–{dist_hi} m avstånd och {tlo}–{time_hi} dagar", f"At {dlo}–{dist_hi} m and "
                     f"{tlo}–{time_hi} days")
    o, e, r = zone.observed, zone.expected, zone.ratio
    return Text(
        f"{where['sv']} efter {sv_a} är risken för {sv_new} {_num(r, 'sv')} gånger högre än väntat "
        f"(Knox-test: {o} par mot väntat {_num(e, 'sv')}, {_p(zone.p_value, 'sv')}).",
        f"{where['en']} of {en_a}, the risk of {en_new} is {_num(r, 'en')} times higher than expected "
        f"(Knox test: {o} pairs against {_num(e, 'en')} expected, {_p(zone.p_value, 'en')}).",
    )

"""Plain-language sentences about a Knox near-repeat test, in Swedish and English."""

from __future__ import annotations

from ..stats.nearrepeat import KnoxPrecisionError, KnoxResult, near_repeat_zone
from .format import Text, format_number

__all__ = ["knox_refusal", "knox_summary"]

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
    return f"p < {_num(0.001, language, 3)}" if p < 0.001 else f"p = {_num(p, language, 3)}"


def _method(result: KnoxResult) -> Text:
    """The sentence on how the p-values were found when they are analytic (none for Monte Carlo)."""
    params = result.parameters
    if params.get("p_values") != "analytic":
        return Text("", "")
    sv_n, en_n = (format_number(float(params["analytic_above"]), lang, 0) for lang in ("sv", "en"))
    return Text(
        f" Med fler än {sv_n} händelser bygger p-värdena på permutationsfördelningens exakta medelvärde och "
        "varians (Mantel 1967) i stället för slumpade permutationer.",
        f" With more than {en_n} incidents the p-values come from the exact mean and variance of the permutation "
        "distribution (Mantel 1967) instead of random permutations.",
    )


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
        The zone is the one of :func:`geolage.stats.nearrepeat.near_repeat_zone`. Analytic p-values
        (more events than ``analytic_above``) add a sentence saying so.
    """
    method = _method(result)
    tab = result.table
    zone = near_repeat_zone(result, alpha=alpha)
    sv_a, sv_new, en_a, en_new = _NOUNS.get(category or "", _DEFAULT_NOUNS)
    if not zone.significant:
        dmax, tmax = _g(tab["distance_to"].max()), _g(tab["time_to"].max())
        first_d, first_t = tab["distance_band"].iloc[0], tab["time_band"].iloc[0]
        return Text(
            f"Knox-testet visar ingen förhöjd risk för {sv_new} nära i tid och rum efter {sv_a} "
            f"(närmaste band {first_d} och {first_t}: {_p(zone.p_value, 'sv')}; "
            f"undersökt upp till {dmax} m och {tmax} dagar).{method['sv']}",
            f"The Knox test shows no raised risk of {en_new} close in space and time after {en_a} "
            f"(nearest bands {first_d} and {first_t}: {_p(zone.p_value, 'en')}; "
            f"examined up to {dmax} m and {tmax} days).{method['en']}",
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
        f"(Knox-test: {o} par mot väntat {_num(e, 'sv')}, {_p(zone.p_value, 'sv')}).{method['sv']}",
        f"{where['en']} of {en_a}, the risk of {en_new} is {_num(r, 'en')} times higher than expected "
        f"(Knox test: {o} pairs against {_num(e, 'en')} expected, {_p(zone.p_value, 'en')}).{method['en']}",
    )


#: How the data give times or places, per :class:`~geolage.stats.nearrepeat.KnoxPrecisionError` unit ({v}: the number).
_PRECISION: dict[str, tuple[str, str]] = {
    "month": ("anges bara per månad (minst {v} dagar)", "are given by month only (at least {v} days)"),
    "year": ("anges bara per år ({v} dagar)", "are given by year only ({v} days)"),
    "window": ("anges som tidsfönster på i median {v} dagar", "are given as time windows of {v} days (median)"),
    "day": ("anges bara per dag", "are given by day only"),
    "lattice": ("ligger på ett rutnät med {v} m mellan punkterna", "lie on a lattice {v} m apart"),
    "snapped": ("är flyttade till gemensamma kartpunkter (i median {v} m mellan grannpunkter)",
                "are snapped to shared map points ({v} m between neighbouring points, median)"),
}


def knox_refusal(error: KnoxPrecisionError, *, category: str | None = None) -> Text:
    """Say (Swedish and English) why the Knox test was not run: the data are too coarse for the bands.

    Parameters
    ----------
    error : KnoxPrecisionError
        From :func:`geolage.stats.nearrepeat.knox`.
    category : str, optional
        Category code (not used in the wording yet; kept for symmetry with :func:`knox_summary`).

    Returns
    -------
    Text
        ``{"sv": ..., "en": ...}``, e.g. "The Knox test was not run: the incidents' times are
        given by month only (at least 28 days), coarser than the smallest time band (7 days) …".
    """
    sv_how, en_how = _PRECISION.get(error.unit, ("är för grova", "are too coarse"))
    v_sv, v_en = _num(error.precision, "sv", 0), _num(error.precision, "en", 0)
    b_sv, b_en = _num(error.band, "sv", 0), _num(error.band, "en", 0)
    if error.kind == "time":
        return Text(
            f"Knox-testet gjordes inte: händelsernas tider {sv_how.format(v=v_sv)}, grövre än det minsta "
            f"tidsbandet ({b_sv} dagar). Alla par inom samma period skulle räknas som nära i tid och ge ett "
            "skenbart resultat. Använd data med exakta datum, eller bredare tidsband.",
            f"The Knox test was not run: the incidents' times {en_how.format(v=v_en)}, coarser than the smallest "
            f"time band ({b_en} days). Every pair within the same period would count as close in time and give a "
            "spurious result. Use data with exact dates, or wider time bands.",
        )
    return Text(
        f"Knox-testet gjordes inte: händelsernas platser {sv_how.format(v=v_sv)}, grövre än det minsta "
        f"avståndsbandet ({b_sv} m). Avstånden mellan händelserna är då inte kända noga nog för banden och "
        "testet skulle ge ett skenbart resultat. Använd exakta koordinater, eller bredare avståndsband.",
        f"The Knox test was not run: the incidents' places {en_how.format(v=v_en)}, coarser than the smallest "
        f"distance band ({b_en} m). The distances between incidents are then not known well enough for the "
        "bands and the test would give a spurious result. Use exact coordinates, or wider distance bands.",
    )

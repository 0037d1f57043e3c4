"""A diverging colour scale around a reference value: district rates against the whole municipality's rate.

A sequential ramp (Fisher–Jenks) stretches whatever range the rates have over the full
yellow-to-red scale, so districts a few per cent apart can look far apart. Against a
reference the colours say something a planner can read: light = about as the
municipality, red = higher, blue = lower. The classes are symmetric around the
reference on a ratio scale (``rate / reference``): the middle class spans
``reference / b1 … reference × b1`` and the outer breaks lie at ``reference / b2`` and
``reference × b2``, with ``b1`` at least the districts' typical relative uncertainty
(half the width of a rate's confidence interval, over the reference), so that
"about the same" means "not clearly different".
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...text.format import format_number

__all__ = ["DIVERGING_COLOURS", "RATIO_STEPS", "ratio_steps", "diverging_bounds", "reference_rates", "flat",
           "breaks", "RateScale", "rate_scale", "FLAT_COLOUR", "REFERENCED_COLUMNS", "half_widths", "label_decimals",
           "ratio_text", "diverging_labels"]

#: ColorBrewer RdBu (5 classes): blue = lower, light = about as the reference, red = higher.
DIVERGING_COLOURS = ("#0571b0", "#92c5de", "#f7f7f7", "#f4a582", "#ca0020")
#: (largest relative uncertainty, (b1, b2)): the ratio limits of the middle and the outer classes.
RATIO_STEPS: tuple[tuple[float, tuple[float, float]], ...] = (
    (0.10, (1.1, 1.5)),
    (0.25, (1.25, 2.0)),
    (0.50, (1.5, 3.0)),
    (math.inf, (2.0, 4.0)),
)


#: The one class of a map whose differences are within the uncertainty (neutral, not a ramp colour).
FLAT_COLOUR = "#c9c3b8"
#: Rate columns that are compared with the whole area's rate (a diverging scale around it).
REFERENCED_COLUMNS = frozenset({"rate", "eb_rate", "eb_rate_spatial"})
#: Above this many values, Fisher–Jenks runs on this many evenly spaced quantiles of them.
_JENKS_MAX = 600


def ratio_steps(relative_uncertainty: float) -> tuple[float, float]:
    """The ratio limits ``(b1, b2)`` for values whose typical relative uncertainty is ``relative_uncertainty``.

    Parameters
    ----------
    relative_uncertainty : float
        Median half-width of the values' confidence intervals over the reference
        (0.2 = ±20 %); NaN when unknown (then ±25 % counts as "about the same").

    Returns
    -------
    tuple of float
        ``b1`` (middle class: within a factor ``b1`` of the reference) and ``b2`` (outer
        classes: more than a factor ``b2`` away), ``1 < b1 < b2``.
    """
    u = 0.25 if not np.isfinite(relative_uncertainty) else max(float(relative_uncertainty), 0.0)
    return next(steps for limit, steps in RATIO_STEPS if u <= limit)


def diverging_bounds(reference: float, relative_uncertainty: float) -> list[float]:
    """Upper bounds of the five diverging classes around ``reference`` (the last is infinity).

    Parameters
    ----------
    reference : float
        The reference value (> 0), e.g. the municipality's rate.
    relative_uncertainty : float
        As in :func:`ratio_steps`.

    Returns
    -------
    list of float
        ``[reference / b2, reference / b1, reference * b1, reference * b2, inf]``:
        symmetric around ``reference`` on a log scale. A value equal to a bound
        belongs to the class below it.

    Raises
    ------
    ValueError
        ``reference`` is not a positive finite number.
    """
    if not (np.isfinite(reference) and reference > 0):
        raise ValueError(f"a diverging scale needs a positive reference; got {reference!r}")
    b1, b2 = ratio_steps(relative_uncertainty)
    return [reference / b2, reference / b1, reference * b1, reference * b2, math.inf]


def reference_rates(rates: pd.DataFrame, series: pd.DataFrame | None, rate_per: float,
                    whole_area: str, whole_period: str) -> dict[tuple[str, str], float]:
    """The whole area's rate per (category, period) of a district rates table, where it is known.

    Parameters
    ----------
    rates : DataFrame
        District rates (``category``, ``period``, ``count``, ``exposure`` or
        ``population``); counts may be withheld (NaN).
    series : DataFrame, optional
        The ``series`` table (``area``, ``category``, ``period``, ``count``, ``exposure``).
        Its ``whole_area`` rows give the reference; the ``whole_period`` reference sums
        the periods the rates table has.
    rate_per : float
        Rates are per this many person-years.
    whole_area, whole_period : str
        The whole area's code in ``series`` and the whole span's period label.

    Returns
    -------
    dict
        ``(category, period) -> rate_per × Σ count / Σ exposure``. From ``series`` when
        every count it needs is shown, else from the districts of ``rates`` when every
        one of their counts is shown; left out when neither is complete.
    """
    exposure = "exposure" if "exposure" in rates.columns else "population"
    if exposure not in rates.columns:
        return {}
    keys = pd.DataFrame({"category": rates["category"].astype(str), "period": rates["period"].astype(str)})
    out = _rates(rates["count"], rates[exposure], keys, rate_per)
    if series is None or not {"area", "category", "period", "count", "exposure"} <= set(series.columns):
        return out
    whole = series[series["area"].astype(str) == whole_area]
    periods = set(keys["period"]) - {whole_period}
    whole = whole[whole["period"].astype(str).isin(periods)]
    keys = pd.DataFrame({"category": whole["category"].astype(str), "period": whole["period"].astype(str)})
    out.update(_rates(whole["count"], whole["exposure"], keys, rate_per))
    complete = keys.groupby("category")["period"].nunique() == len(periods)
    span = _rates(whole["count"], whole["exposure"], keys.assign(period=whole_period), rate_per)
    out.update({key: value for key, value in span.items() if complete.get(key[0], False)})
    return out


def _rates(counts: pd.Series, exposure: pd.Series, keys: pd.DataFrame, rate_per: float
           ) -> dict[tuple[str, str], float]:
    """``rate_per × Σ counts / Σ exposure`` per (category, period) of ``keys``.

    Groups with a missing count or exposure, or no exposure, are left out.
    """
    c = pd.to_numeric(counts, errors="coerce")
    e = pd.to_numeric(exposure, errors="coerce")
    frame = keys.assign(c=c.fillna(0).to_numpy(), e=e.fillna(0).to_numpy(), bad=(c.isna() | e.isna()).to_numpy())
    agg = frame.groupby(["category", "period"], sort=False).agg(c=("c", "sum"), e=("e", "sum"), bad=("bad", "any"))
    agg = agg[~agg["bad"] & (agg["e"] > 0)]
    return {key: float(rate_per * row.c / row.e) for key, row in zip(agg.index, agg.itertuples(), strict=True)}


def flat(values: np.ndarray, half_widths: np.ndarray) -> bool:
    """True when the values' spread is within their uncertainty: no class breaks worth drawing.

    Parameters
    ----------
    values : numpy.ndarray
        The mapped values (finite).
    half_widths : numpy.ndarray
        Half the width of each value's confidence interval (NaN where unknown).

    Returns
    -------
    bool
        ``max - min`` of ``values`` is at most the median half-width (or every value
        is the same).
    """
    if values.size == 0:
        return False
    spread = float(values.max() - values.min())
    if spread == 0:
        return True
    known = half_widths[np.isfinite(half_widths)]
    return bool(known.size) and spread <= float(np.median(known))


def breaks(values: np.ndarray, k: int = 5) -> list[float]:
    """Upper class bounds (Fisher–Jenks via mapclassify); fewer classes for few distinct values."""
    import mapclassify

    distinct = np.unique(values)
    if distinct.size <= k:
        return [float(v) for v in distinct]
    with warnings.catch_warnings():  # "Numba not installed": the pure-Python path is fine here
        warnings.simplefilter("ignore", UserWarning)
        if values.size > _JENKS_MAX:  # exact Fisher–Jenks is O(k n²): use evenly spaced quantiles (deterministic)
            sample = np.quantile(values, np.linspace(0, 1, _JENKS_MAX))
            bins = mapclassify.FisherJenks(sample, k=k).bins
        else:
            bins = mapclassify.FisherJenks(values, k=k).bins
    return [float(b) for b in bins]


@dataclass(frozen=True)
class RateScale:
    """The classes of one map of rates (one category and period), as the map and the QGIS style draw them.

    ``kind``: ``"flat"`` (one class: the spread is within the uncertainty), ``"diverging"`` (five classes
    around ``reference``, ratio limits ``steps`` = ``(b1, b2)``) or ``"jenks"`` (Fisher–Jenks, no reference).
    ``bounds``: the upper bound of each class; a value equal to a bound belongs to the class below it.
    ``uncertainty``: the median half-width of the rates' confidence intervals over the reference (NaN unknown).
    """

    kind: str
    bounds: list[float]
    reference: float | None = None
    steps: tuple[float, float] | None = None
    uncertainty: float = math.nan


def rate_scale(values: np.ndarray, half_widths: np.ndarray, reference: float | None) -> RateScale:
    """The classes of a map of rates: one class, a diverging scale around ``reference``, or Fisher–Jenks.

    Parameters
    ----------
    values : numpy.ndarray
        The rates mapped (NaN ignored).
    half_widths : numpy.ndarray
        Half the width of each rate's confidence interval, same length (NaN where unknown).
    reference : float or None
        The whole area's rate (:func:`reference_rates`); None or not positive: no diverging scale.

    Returns
    -------
    RateScale
        ``bounds`` empty when no value is finite. One class when :func:`flat`; else five classes
        symmetric around ``reference`` (:func:`diverging_bounds`) when there is one; else Fisher–Jenks
        (:func:`breaks`).
    """
    values = np.asarray(values, dtype=float)
    half_widths = np.asarray(half_widths, dtype=float)
    ok = np.isfinite(values)
    finite, half = values[ok], half_widths[ok]
    if not finite.size:
        return RateScale("jenks", [])
    if flat(finite, half):
        return RateScale("flat", [float(finite.max())])
    if reference is not None and np.isfinite(reference) and reference > 0:
        known = half[np.isfinite(half)]
        u = float(np.median(known)) / reference if known.size else math.nan
        return RateScale("diverging", diverging_bounds(reference, u), float(reference), ratio_steps(u), u)
    return RateScale("jenks", breaks(finite))


def half_widths(data: pd.DataFrame) -> np.ndarray:
    """Half the width of each row's rate confidence interval (``rate_ci_low``, ``rate_ci_high``; NaN where unknown)."""
    if not {"rate_ci_low", "rate_ci_high"} <= set(data.columns):
        return np.full(len(data), np.nan)
    low = pd.to_numeric(data["rate_ci_low"], errors="coerce").to_numpy(dtype=float)
    high = pd.to_numeric(data["rate_ci_high"], errors="coerce").to_numpy(dtype=float)
    return (high - low) / 2


def label_decimals(lower: float, bounds: list[float]) -> int:
    """Fewest decimals (1–4) at which the class bounds read as different numbers."""
    edges = sorted({lower, *bounds})  # a class of one value has lower == upper: one label, not two
    for d in range(1, 5):
        rounded = [round(v, d) for v in edges]
        if len(set(rounded)) == len(rounded):
            return d
    return 4


def ratio_text(x: float, language: str) -> str:
    """A ratio for a legend with at most two decimals and no trailing zeros (``0,5``, ``1,25``, ``2``)."""
    text = format_number(round(x, 2), language, 2)
    mark = "," if language == "sv" else "."
    return text.rstrip("0").rstrip(mark) if mark in text else text


def diverging_labels(scale: RateScale, ui: dict[str, str], language: str) -> list[str]:
    """The legend texts of the five diverging classes (plain text, not escaped).

    Parameters
    ----------
    scale : RateScale
        Of kind ``"diverging"``.
    ui : dict
        The templates ``scale_below``, ``scale_range``, ``scale_middle``, ``scale_above``
        (:data:`geolage.text.map.MAP_UI` in ``language``).
    language : {"sv", "en"}

    Returns
    -------
    list of str
        E.g. ``["under 6,7 (under 0,67 × kommunen)", …, "över 15,0 (över 1,5 × kommunen)"]``.
    """
    bounds, reference = scale.bounds, float(scale.reference or 0.0)
    b1, b2 = scale.steps or (1.0, 1.0)
    d = label_decimals(bounds[0], [*bounds[1:4], reference])
    x = [format_number(b, language, d) for b in bounds[:4]]
    r = [ratio_text(v, language) for v in (1 / b2, 1 / b1, b1, b2)]
    return [
        ui["scale_below"].format(high=x[0], r=r[0]),
        ui["scale_range"].format(low=x[0], high=x[1], rlow=r[0], rhigh=r[1]),
        ui["scale_middle"].format(low=x[1], high=x[2], ref=format_number(reference, language, d)),
        ui["scale_range"].format(low=x[2], high=x[3], rlow=r[2], rhigh=r[3]),
        ui["scale_above"].format(low=x[3], r=r[3]),
    ]

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

import numpy as np
import pandas as pd

__all__ = ["DIVERGING_COLOURS", "RATIO_STEPS", "ratio_steps", "diverging_bounds", "reference_rates"]

#: ColorBrewer RdBu (5 classes): blue = lower, light = about as the reference, red = higher.
DIVERGING_COLOURS = ("#0571b0", "#92c5de", "#f7f7f7", "#f4a582", "#ca0020")
#: (largest relative uncertainty, (b1, b2)): the ratio limits of the middle and the outer classes.
RATIO_STEPS: tuple[tuple[float, tuple[float, float]], ...] = (
    (0.10, (1.1, 1.5)),
    (0.25, (1.25, 2.0)),
    (0.50, (1.5, 3.0)),
    (math.inf, (2.0, 4.0)),
)


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

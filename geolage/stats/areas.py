"""Focus areas over two periods: what changed since an area's previous lägesbild.

:func:`period_change` compares, per focus area and category, the rate of the period of the
area's previous lägesbild with the rate of the current period as one unit (counts and
person-years summed over the area's districts), with the exact conditional rate-ratio test
(:func:`geolage.stats.compare.rate_ratio`). :func:`period_change_published` does the same against
the figures an earlier geolage run published (``previous_output``), when the earlier incidents
are not in this run's data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..categories import ALL_CATEGORIES
from .compare import rate_ratio
from .rates import WHOLE_PERIOD, count_incidents, exposure_table

if TYPE_CHECKING:
    from ..previous import PublishedFigures

__all__ = ["PERIOD_CHANGE_COLUMNS", "period_change", "period_change_published", "window_counts"]

#: Columns of the ``period_change`` table.
PERIOD_CHANGE_COLUMNS: tuple[str, ...] = (
    "area", "area_name", "category", "previous_start", "previous_end", "current_start", "current_end",
    "rate_basis", "count_previous", "exposure_previous", "rate_previous", "count", "exposure", "rate",
    "change_ratio", "change_ci_low", "change_ci_high", "change_p", "direction",
)


def window_counts(
    incidents: pd.DataFrame,
    districts: pd.DataFrame,
    window: tuple[dt.date, dt.date],
    *,
    categories: Sequence[str],
    population_table: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.Series, float]:
    """Counts per district and category in one window, the districts' person-years and the window's length.

    Parameters
    ----------
    incidents : DataFrame
        ``district_id``, ``category``, ``time``.
    districts : DataFrame
        Indexed by district id, with ``population``.
    window : (date, date)
        First and last day (inclusive).
    categories : sequence of str
    population_table : DataFrame, optional
        Population per district and year (:func:`geolage.stats.rates.exposure_table`).

    Returns
    -------
    counts : DataFrame
        District ids (rows) by category (columns, ``"alla"`` included), zeros included.
    exposure : Series
        Person-years per district (NaN where the population is unknown).
    years : float
        Length of the window in years.
    """
    start, end = window
    ids = [str(i) for i in districts.index]
    c = count_incidents(incidents, by="district_id", keys=ids, unit="year", start=start, end=end,
                        categories=list(categories))
    c = c[c["period"] == WHOLE_PERIOD]
    counts = c.pivot_table(index="district_id", columns="category", values="count", aggfunc="sum", fill_value=0)
    counts = counts.reindex(index=ids, fill_value=0)
    d = districts.copy()
    d.index = pd.Index(ids)
    e = exposure_table(d, [WHOLE_PERIOD], unit="year", start=start, end=end, population_table=population_table)
    exposure = e.set_index(e["district_id"].astype(str))["exposure"].reindex(ids)
    years = float(e["years"].iloc[0]) if len(e) else ((end - start).days + 1) / 365.25
    return counts, exposure, years


def _area_sums(
    counts: pd.DataFrame, exposure: pd.Series, years: float, members: list[str]
) -> tuple[pd.Series, float, str]:
    """An area's counts per category and its exposure: person-years, or years when a member's population is unknown."""
    c = counts.reindex(members, fill_value=0).sum(axis=0)
    e = exposure.reindex(members)
    if e.notna().all() and float(e.sum()) > 0:
        return c, float(e.sum()), "population"
    return c, years, "years"


def period_change(
    incidents: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    groups: Sequence[tuple[str, str, Sequence[str], tuple[dt.date, dt.date]]],
    current: tuple[dt.date, dt.date],
    categories: Sequence[str],
    population_table: pd.DataFrame | None = None,
    rate_per: float = 1000,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Compare each focus area's current period with the period of its previous lägesbild.

    Parameters
    ----------
    incidents : DataFrame
        Accepted incidents: ``district_id``, ``category``, ``time``.
    districts : DataFrame
        Indexed by district id, with ``population`` (NaN when unknown).
    groups : sequence of (area id, name, member district ids, (first day, last day) of the previous period)
    current : (date, date)
        The current period (inclusive).
    categories : sequence of str
        Categories besides all together (``"alla"``).
    population_table : DataFrame, optional
        Population per district and year; without it each district's population is taken as
        constant over the years.
    rate_per : float
        Rates per ``rate_per`` residents and year (``rate_basis == "population"``); with an
        unknown population the rates are incidents per year (``rate_basis == "years"``).
    confidence : float
        Level of the interval of the change.

    Returns
    -------
    DataFrame
        Columns :data:`PERIOD_CHANGE_COLUMNS`, one row per area and category (``"alla"``
        first). ``change_ratio`` = current rate / previous rate, with its exact interval and
        two-sided p (:func:`geolage.stats.compare.rate_ratio`); ``direction`` ``"up"``,
        ``"down"`` or ``"none"`` from the interval.
    """
    cats = [ALL_CATEGORIES, *[c for c in categories if c != ALL_CATEGORIES]]
    cur = window_counts(incidents, districts, current, categories=categories, population_table=population_table)
    frames = []
    for area, name, members, previous in groups:
        prev = window_counts(incidents, districts, previous, categories=categories,
                             population_table=population_table)
        members = [str(m) for m in members]
        c1, e1, basis1 = _area_sums(*cur, members)
        c0, e0, basis0 = _area_sums(*prev, members)
        if basis1 != basis0:  # one period lacks a population: compare incidents per year in both
            e1, e0, basis1 = cur[2], prev[2], "years"
        df = pd.DataFrame({"category": cats})
        df["count_previous"] = c0.reindex(cats, fill_value=0).to_numpy().astype("int64")
        df["count"] = c1.reindex(cats, fill_value=0).to_numpy().astype("int64")
        frames.append(_change_rows(df, e0, e1, basis1, (area, name), previous, current, rate_per, confidence))
    if not frames:
        return pd.DataFrame(columns=list(PERIOD_CHANGE_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(PERIOD_CHANGE_COLUMNS)]


def _change_rows(df: pd.DataFrame, e0: float, e1: float, basis: str, area: tuple[str, str],
                 previous: tuple[dt.date, dt.date], current: tuple[dt.date, dt.date], rate_per: float,
                 confidence: float) -> pd.DataFrame:
    """The change columns of one area's rows (``category``, ``count_previous``, ``count``): ratio, interval, p."""
    scale = rate_per if basis == "population" else 1.0
    df["exposure_previous"], df["exposure"] = e0, e1
    rr = rate_ratio(df["count"], df["exposure"], df["count_previous"], df["exposure_previous"],
                    confidence=confidence)
    df["change_ratio"], df["change_ci_low"] = rr["rate_ratio"].to_numpy(), rr["rr_ci_low"].to_numpy()
    df["change_ci_high"], df["change_p"] = rr["rr_ci_high"].to_numpy(), rr["rr_p"].to_numpy()
    df["rate_previous"] = df["count_previous"] / e0 * scale
    df["rate"] = df["count"] / e1 * scale
    lo, hi = df["change_ci_low"].to_numpy(float), df["change_ci_high"].to_numpy(float)
    df["direction"] = np.select([lo > 1, hi < 1], ["up", "down"], "none")  # as trends.direction, on the ratio
    df["area"], df["area_name"], df["rate_basis"] = area[0], area[1], basis
    df["previous_start"], df["previous_end"] = previous[0].isoformat(), previous[1].isoformat()
    df["current_start"], df["current_end"] = current[0].isoformat(), current[1].isoformat()
    return df


def period_change_published(
    incidents: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    groups: Sequence[tuple[str, str, Sequence[str], PublishedFigures]],
    current: tuple[dt.date, dt.date],
    categories: Sequence[str],
    population_table: pd.DataFrame | None = None,
    rate_per: float = 1000,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Compare each focus area's current period with the figures an earlier geolage run published.

    As :func:`period_change`, with the previous period's counts and exposure taken from the earlier
    output folder (:func:`geolage.previous.read_previous_output`) instead of counted here.
    Categories whose count the earlier outputs withheld, or that they did not have, are left out.
    When one side's exposure is person-years and the other's is years (an unknown population),
    both are compared as incidents per year.

    Parameters
    ----------
    incidents, districts, current, categories, population_table, rate_per, confidence
        As :func:`period_change`.
    groups : sequence of (area id, name, member district ids, PublishedFigures)

    Returns
    -------
    DataFrame
        Columns :data:`PERIOD_CHANGE_COLUMNS`.
    """
    cats = [ALL_CATEGORIES, *[c for c in categories if c != ALL_CATEGORIES]]
    cur = window_counts(incidents, districts, current, categories=categories, population_table=population_table)
    frames = []
    for area, name, members, published in groups:
        c1, e1, basis1 = _area_sums(*cur, [str(m) for m in members])
        e0, basis0 = published.exposure, published.rate_basis
        if basis1 != basis0:  # compare incidents per year in both
            p0, p1 = published.period
            e0 = e0 if basis0 == "years" else ((p1 - p0).days + 1) / 365.25
            e1, basis1 = cur[2], "years"
        shown = [c for c in cats if c in published.counts]
        df = pd.DataFrame({"category": shown})
        df["count_previous"] = np.array([published.counts[c] for c in shown]).round().astype("int64")
        df["count"] = c1.reindex(shown, fill_value=0).to_numpy().astype("int64")
        frames.append(_change_rows(df, e0, e1, basis1, (area, name), published.period, current, rate_per,
                                   confidence))
    if not frames:
        return pd.DataFrame(columns=list(PERIOD_CHANGE_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(PERIOD_CHANGE_COLUMNS)]

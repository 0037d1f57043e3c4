"""Time patterns: weekday × hour and month-of-year tables with aoristic weighting."""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd

from ..categories import ALL_CATEGORIES

__all__ = [
    "WEEKDAY_HOUR_COLUMNS",
    "MONTH_COLUMNS",
    "aoristic_weights",
    "aoristic_month_weights",
    "weekday_hour",
    "month_of_year",
]

log = logging.getLogger(__name__)

WEEKDAY_HOUR_COLUMNS = ("category", "weekday", "hour", "weight", "share")
MONTH_COLUMNS = ("category", "month", "weight", "share", "months_observed", "weight_per_month")

_MIN_PER_HOUR = 60.0
_MIN_PER_WEEK = 7 * 24 * 60.0
_NS_PER_MIN = 60 * 10**9
#: 1970-01-01 (the epoch) was a Thursday: weekday 3 with Monday = 0.
_EPOCH_WEEKDAY = 3


def _windows(incidents: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of each incident's window in minutes since the epoch (end == start when exact)."""
    t = pd.to_datetime(incidents["time"])
    t0 = pd.to_datetime(incidents["time_from"]) if "time_from" in incidents else t
    t1 = pd.to_datetime(incidents["time_to"]) if "time_to" in incidents else t
    t0 = t0.fillna(t)
    t1 = t1.fillna(t)
    swap = t1 < t0
    t0, t1 = t0.where(~swap, t1), t1.where(~swap, t0)
    if "has_clock_time" in incidents:
        date_only = ~incidents["has_clock_time"].fillna(True).astype(bool)
        if date_only.any():
            # hour unknown: the window is the whole day(s)
            t0 = t0.where(~date_only, t0.dt.normalize())
            t1 = t1.where(~date_only, t1.dt.normalize() + pd.Timedelta(days=1))
    if t0.isna().any():
        raise ValueError(
            f"incidents need a time; {int(t0.isna().sum())} have none, first at row "
            f"{int(np.flatnonzero(t0.isna().to_numpy())[0])}"
        )
    s = t0.to_numpy(dtype="datetime64[ns]").astype(np.int64) / _NS_PER_MIN
    e = t1.to_numpy(dtype="datetime64[ns]").astype(np.int64) / _NS_PER_MIN
    return s, e


def aoristic_weights(incidents: pd.DataFrame) -> pd.DataFrame:
    """Spread each incident over the weekday-hours in which it may have happened.

    Parameters
    ----------
    incidents : DataFrame
        With ``time`` and, when known, ``time_from``, ``time_to`` (the window) and
        ``has_clock_time`` (False: only the date is known).

    Returns
    -------
    DataFrame
        ``row`` (position of the incident in ``incidents``), ``weekday`` (0 = Monday),
        ``hour`` (0–23), ``weight``; the weights of each incident sum to 1.

    Notes
    -----
    Aoristic analysis (Ratcliffe & McCullagh 1998, Aoristic crime analysis, IJGIS 12(7)):
    an incident with a window ``[from, to)`` gives each hour the share of the window that
    falls in it (minute resolution); an exact time gives weight 1 to its hour; a date without
    a clock time is spread evenly over the 24 hours of the day(s). Whole weeks of a long window
    add the same weight to all 168 weekday-hours.

    Examples
    --------
    >>> import pandas as pd
    >>> inc = pd.DataFrame({"time": pd.to_datetime(["2024-01-01 10:00"]),
    ...     "time_from": pd.to_datetime(["2024-01-01 09:30"]), "time_to": pd.to_datetime(["2024-01-01 10:30"])})
    >>> aoristic_weights(inc)[["hour", "weight"]].values.tolist()
    [[9.0, 0.5], [10.0, 0.5]]
    """
    row, wh, weight = _aoristic_parts(incidents)
    out = pd.DataFrame({"row": row, "weekday": wh // 24, "hour": wh % 24, "weight": weight})
    return out.groupby(["row", "weekday", "hour"], as_index=False)["weight"].sum()


def _aoristic_parts(incidents: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, weekday-hour 0–167, weight > 0) of every part of every window, not yet summed per row."""
    s, e = _windows(incidents)
    n = s.size
    dur = e - s
    exact = dur <= 0
    weeks = np.where(exact, 0, np.floor(dur / _MIN_PER_WEEK))
    rs = s + weeks * _MIN_PER_WEEK  # the remainder window [rs, e)
    h0 = np.floor(rs / _MIN_PER_HOUR)
    h1 = np.where(exact, h0 + 1, np.ceil(e / _MIN_PER_HOUR))
    k = np.maximum(h1 - h0, 1).astype(np.int64)
    row = np.repeat(np.arange(n), k)
    j = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
    hour_abs = np.repeat(h0, k) + j
    lo = np.maximum(np.repeat(rs, k), hour_abs * _MIN_PER_HOUR)
    hi = np.minimum(np.repeat(e, k), (hour_abs + 1) * _MIN_PER_HOUR)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(np.repeat(exact, k), 1.0, (hi - lo) / np.repeat(np.where(exact, 1.0, dur), k))
    parts = [pd.DataFrame({"row": row, "hour_abs": hour_abs, "weight": w})]
    long = np.flatnonzero(weeks > 0)
    if long.size:
        r = np.repeat(long, 168)
        parts.append(
            pd.DataFrame(
                {
                    "row": r,
                    "hour_abs": np.tile(np.arange(168, dtype=float), long.size),
                    "weight": np.repeat(weeks[long] * _MIN_PER_HOUR / dur[long], 168),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out = out[out["weight"] > 0]
    wh = (out["hour_abs"].to_numpy().astype(np.int64) + _EPOCH_WEEKDAY * 24) % 168
    return out["row"].to_numpy(), wh, out["weight"].to_numpy()


def _month_index(minutes: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of times given in minutes since the epoch."""
    ns = np.round(minutes * _NS_PER_MIN).astype(np.int64)
    return ns.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)


def aoristic_month_weights(incidents: pd.DataFrame) -> pd.DataFrame:
    """Spread each incident over the calendar months of its window.

    Parameters
    ----------
    incidents : DataFrame
        As for :func:`aoristic_weights`.

    Returns
    -------
    DataFrame
        ``row``, ``year``, ``month`` (1–12), ``weight``; each incident's weights sum to 1.

    Notes
    -----
    The weight of a month is the share of the window inside it (Ratcliffe & McCullagh 1998).
    """
    s, e = _windows(incidents)
    n = s.size
    dur = e - s
    exact = dur <= 0
    m0 = _month_index(s)
    m1 = np.where(exact, m0, _month_index(np.maximum(e - 1e-6, s)))
    k = (m1 - m0 + 1).astype(np.int64)
    row = np.repeat(np.arange(n), k)
    j = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
    mon = np.repeat(m0, k) + j
    mstart = mon.astype("datetime64[M]").astype("datetime64[ns]").astype(np.int64) / _NS_PER_MIN
    mend = (mon + 1).astype("datetime64[M]").astype("datetime64[ns]").astype(np.int64) / _NS_PER_MIN
    lo = np.maximum(np.repeat(s, k), mstart)
    hi = np.minimum(np.repeat(e, k), mend)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(np.repeat(exact, k), 1.0, (hi - lo) / np.repeat(np.where(exact, 1.0, dur), k))
    return pd.DataFrame({"row": row, "year": 1970 + mon // 12, "month": mon % 12 + 1, "weight": w})


def _with_all(df: pd.DataFrame, keys: list[str], categories: list[str]) -> pd.DataFrame:
    by_cat = df.groupby(["category"] + keys, as_index=False)["weight"].sum()
    alla = df.groupby(keys, as_index=False)["weight"].sum()
    alla["category"] = ALL_CATEGORIES
    return pd.concat([by_cat, alla], ignore_index=True), categories + [ALL_CATEGORIES]


#: Incidents spread over weekday-hours at a time by :func:`weekday_hour` (its memory does not grow beyond them).
_CHUNK = 500_000


def weekday_hour(incidents: pd.DataFrame, *, categories: list[str] | None = None) -> pd.DataFrame:
    """Aoristic weekday × hour table per category.

    Parameters
    ----------
    incidents : DataFrame
        Incidents with ``category`` and the time columns of :func:`aoristic_weights`.
    categories : list of str, optional
        Categories listed (default those present); ``"alla"`` is added.

    Returns
    -------
    DataFrame
        Columns :data:`WEEKDAY_HOUR_COLUMNS`: all 7 × 24 cells per category, ``weight`` (sum
        of aoristic weights: expected number of incidents), ``share`` of the category's total.
        The weights of a category sum to its number of incidents.

    Notes
    -----
    See :func:`aoristic_weights`.
    """
    cats = sorted(incidents["category"].dropna().unique()) if categories is None else list(categories)
    cats = [c for c in cats if c != ALL_CATEGORIES]
    inc = incidents[incidents["category"].isin(cats)].reset_index(drop=True)
    # Summed straight into category x weekday-hour bins: the per-incident table of aoristic_weights (a groupby
    # over ~8 rows per incident) cost 8 s per million incidents (issue 13). Same sums as through it
    # (tests/test_timepatterns.py; the order of the additions differs, not the terms).
    allcats = cats + [ALL_CATEGORIES]
    sums = np.zeros((len(allcats), 168))
    codes = pd.Index(cats).get_indexer(inc["category"].to_numpy())
    for first in range(0, len(inc), _CHUNK):  # in chunks of incidents: ~8 parts each, memory bounded at 10M
        part = inc.iloc[first:first + _CHUNK]
        row, wh, weight = _aoristic_parts(part)
        cat = codes[first:first + _CHUNK][row]
        sums[: len(cats)] += np.bincount(cat * 168 + wh, weights=weight, minlength=len(cats) * 168).reshape(-1, 168)
        sums[-1] += np.bincount(wh, weights=weight, minlength=168)
    full = pd.MultiIndex.from_product([allcats, range(7), range(24)], names=["category", "weekday", "hour"])
    out = pd.DataFrame({"weight": sums.ravel()}, index=full).reset_index()
    tot = out.groupby("category")["weight"].transform("sum")
    out["share"] = np.where(tot > 0, out["weight"] / tot.where(tot > 0, 1.0), np.nan)
    return out[list(WEEKDAY_HOUR_COLUMNS)]


def _months_observed(start: dt.date, end: dt.date) -> np.ndarray:
    """How many times each calendar month (1–12) lies in [start, end] (fractional at the ends)."""
    days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
    per = pd.Series(1.0, index=days).groupby([days.year, days.month]).sum()
    dim = np.array([pd.Timestamp(year=y, month=m, day=1).days_in_month for y, m in per.index])
    frac = per.to_numpy() / dim
    out = np.zeros(12)
    np.add.at(out, np.array([m for _, m in per.index]) - 1, frac)
    return out


def month_of_year(
    incidents: pd.DataFrame,
    *,
    categories: list[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Aoristic month-of-year (seasonality) table per category.

    Parameters
    ----------
    incidents : DataFrame
        As for :func:`weekday_hour`.
    categories : list of str, optional
        Categories listed (default those present); ``"alla"`` is added.
    start, end : date, optional
        Analysed span (inclusive), to count how often each month was observed. Default: the
        span of ``time``.

    Returns
    -------
    DataFrame
        Columns :data:`MONTH_COLUMNS`: ``month`` 1–12, ``weight`` (aoristic sum), ``share`` of
        the category, ``months_observed`` (number of such months in the span, fractional for
        partly covered ones) and ``weight_per_month`` (weight / months observed: fair when the
        span does not cover whole years).
    """
    cats = sorted(incidents["category"].dropna().unique()) if categories is None else list(categories)
    cats = [c for c in cats if c != ALL_CATEGORIES]
    inc = incidents[incidents["category"].isin(cats)].reset_index(drop=True)
    w = aoristic_month_weights(inc) if len(inc) else pd.DataFrame(columns=["row", "year", "month", "weight"])
    w["category"] = inc["category"].to_numpy()[w["row"].to_numpy().astype(int)] if len(w) else []
    tab, allcats = _with_all(w, ["month"], cats)
    full = pd.MultiIndex.from_product([allcats, range(1, 13)], names=["category", "month"])
    out = tab.set_index(["category", "month"])["weight"].reindex(full, fill_value=0.0).reset_index()
    tot = out.groupby("category")["weight"].transform("sum")
    out["share"] = np.where(tot > 0, out["weight"] / tot.where(tot > 0, 1.0), np.nan)
    t = pd.to_datetime(incidents["time"])
    if len(t) or (start is not None and end is not None):
        sd = start if start is not None else t.min().date()
        ed = end if end is not None else t.max().date()
        obs = _months_observed(sd, ed)
    else:
        obs = np.zeros(12)
    out["months_observed"] = obs[out["month"].to_numpy() - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["weight_per_month"] = np.where(
            out["months_observed"] > 0,
            out["weight"] / out["months_observed"].where(out["months_observed"] > 0, 1),
            np.nan,
        )
    return out[list(MONTH_COLUMNS)]

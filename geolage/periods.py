"""Time periods (year, quarter, month) used by series and space-time analyses."""

from __future__ import annotations

import datetime as dt

import pandas as pd

__all__ = ["period_labels", "period_range", "period_bounds"]

_FREQ = {"year": "Y", "quarter": "Q", "month": "M"}


def _check_unit(unit: str) -> str:
    if unit not in _FREQ:
        raise ValueError(f"unit needs to be one of {', '.join(_FREQ)}; got {unit!r}")
    return _FREQ[unit]


def _label(p: pd.Period, unit: str) -> str:
    if unit == "year":
        return f"{p.year}"
    if unit == "quarter":
        return f"{p.year}K{p.quarter}"
    return f"{p.year}-{p.month:02d}"


def period_labels(times: pd.Series, unit: str = "year") -> pd.Series:
    """Label each time with its period: ``"2024"``, ``"2024K3"`` or ``"2024-07"``.

    Parameters
    ----------
    times : Series of datetime64
        Incident times (NaT gives a missing label).
    unit : {"year", "quarter", "month"}

    Returns
    -------
    Series of str (object), indexed like ``times``.
    """
    freq = _check_unit(unit)
    per = pd.to_datetime(times).dt.to_period(freq)
    codes, uniques = pd.factorize(per)
    if len(per) == 0 or (codes < 0).any():  # empty, or with NaT: label value by value (the reference)
        return per.map(lambda p: _label(p, unit) if not pd.isna(p) else None)
    # One label per distinct period, spread by code (labelling every row cost 2.5 s per million, issue 13);
    # the same Series as the value-by-value labels (tests/test_periods.py).
    distinct = pd.Series(uniques).map(lambda p: _label(p, unit))
    return pd.Series(distinct.to_numpy()[codes], index=per.index, name=per.name, dtype=distinct.dtype)


def period_range(start: dt.date, end: dt.date, unit: str = "year") -> list[str]:
    """All period labels from the period containing ``start`` to the one containing ``end``."""
    freq = _check_unit(unit)
    return [_label(p, unit) for p in pd.period_range(pd.Timestamp(start), pd.Timestamp(end), freq=freq)]


def period_bounds(label: str, unit: str = "year") -> tuple[pd.Timestamp, pd.Timestamp]:
    """First instant of a period and first instant of the next one (half-open interval)."""
    freq = _check_unit(unit)
    if unit == "quarter":
        year, q = label.split("K")
        p = pd.Period(year=int(year), quarter=int(q), freq="Q")
    else:
        p = pd.Period(label, freq=freq)
    return p.start_time, (p + 1).start_time

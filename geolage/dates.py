"""Read the dates and times of incident sources: ISO 8601 or a source's ``date_format``.

Each reader gives a status per value (``"ok"``, ``"missing"``, ``"invalid"`` or ``"ambiguous"``)
rather than raising, so that validation can reject the row with a reason and keep the rest.
A date without a clock time stands for a span (its day, or its month or year for a
``date_format`` without a day), whose last second :func:`span_end` gives.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DAY", "END_OF_DAY", "parse_datetimes", "parse_clock_times", "join_date_parts", "span_end"]

#: One day, and the last second of a day counted from its midnight.
DAY = np.timedelta64(1, "D")
END_OF_DAY = np.timedelta64(86399, "s")

_ISO = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:\.\d+)?)?\s*$")
_NOT_ISO = "expected ISO 8601 (YYYY-MM-DD or YYYY-MM-DD HH:MM); set sources.date_format for other forms"


def _valid_date(y: int, m: int, d: int) -> bool:
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return True


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == ""


def _parse_one(value: Any, fmt: str | None) -> tuple[str, pd.Timestamp | None, bool, str]:
    """Parse one date/datetime text: (status, timestamp, has_clock_time, detail)."""
    if _is_empty(value):
        return "missing", None, False, ""
    text = str(value).strip()
    if fmt is not None:
        try:
            ts = dt.datetime.strptime(text, fmt)
        except ValueError as exc:
            return "invalid", None, False, f"does not match date_format {fmt!r} ({exc})"
        return "ok", pd.Timestamp(ts), any(c in fmt for c in ("%H", "%I", "%M")), ""
    m = _ISO.match(text)
    if m:
        y, mo, d, hh, mi, ss, tz = m.groups()
        if not _valid_date(int(y), int(mo), int(d)):
            return "invalid", None, False, "no such day"
        if hh is not None and (int(hh) > 23 or int(mi) > 59 or (ss is not None and int(ss) > 59)):
            return "invalid", None, False, "no such time of day"
        ts = pd.Timestamp(text.replace(" ", "T", 1) if hh is not None else text[:10])
        if tz is not None:
            ts = ts.tz_convert("Europe/Stockholm").tz_localize(None)
        return "ok", ts, hh is not None, ""
    m = _NUMERIC_DATE.match(text)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if _valid_date(y, b, a) and _valid_date(y, a, b) and a != b:
            return "ambiguous", None, False, ""
    return "invalid", None, False, _NOT_ISO


def parse_datetimes(s: pd.Series, fmt: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read a column of dates or date-times.

    Parameters
    ----------
    s : Series
        The values as written.
    fmt : str, optional
        A ``strptime`` format; None reads ISO 8601 only (a time zone is converted to
        Swedish local time), and a day/month date such as ``04/03/2021`` that reads as
        two different days is ``"ambiguous"``.

    Returns
    -------
    status : ndarray of str
        ``"ok"``, ``"missing"``, ``"invalid"`` or ``"ambiguous"`` per value.
    time : ndarray of datetime64[ns]
        NaT where the status is not ``"ok"``.
    has_clock_time : ndarray of bool
    detail : ndarray of str
        Why an invalid value cannot be read (English, for the reject message).
    """
    parsed = [_parse_one(v, fmt) for v in s.tolist()]
    status = np.array([p[0] for p in parsed], dtype=object)
    ts = pd.to_datetime(pd.Series([p[1] for p in parsed], dtype="object")).to_numpy(dtype="datetime64[ns]")
    clock = np.array([p[2] for p in parsed], dtype=bool)
    detail = np.array([p[3] for p in parsed], dtype=object)
    return status, ts, clock, detail


def join_date_parts(
    raw: pd.DataFrame, year: str, month: str | None, day: str | None, hour: str | None, minute: str | None
) -> pd.Series:
    """ISO text 'YYYY-MM-DD[ HH:MM]' from date parts in separate columns.

    Parameters
    ----------
    raw : DataFrame
        The source table.
    year, month, day, hour, minute : str
        Names of the columns holding each part; hour and minute may be None (a missing
        minute counts as 00).

    Returns
    -------
    Series
        The joined text, None where a part of the date is missing or not a whole number.
    """

    def part(col: str | None, width: int) -> pd.Series:
        if col is None:
            return pd.Series(pd.NA, index=raw.index, dtype="string")
        num = pd.to_numeric(raw[col], errors="coerce")
        text = num.map(lambda v: pd.NA if pd.isna(v) or v != int(v) else str(int(v)).zfill(width))
        return text.astype("string")

    y, m, d = part(year, 4), part(month, 2), part(day, 2)
    date = y + "-" + m + "-" + d
    if hour is not None:
        hh, mm = part(hour, 2), part(minute, 2).fillna("00")
        date = date.where(hh.isna(), date + " " + hh + ":" + mm)
    return date.astype(object).where(date.notna(), None)


def parse_clock_times(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Read a column of clock times 'HH:MM[:SS]' (or with dots).

    Parameters
    ----------
    s : Series

    Returns
    -------
    status : ndarray of str
        ``"ok"``, ``"missing"`` (empty) or ``"invalid"`` per value.
    delta : ndarray of timedelta64[ns]
        Time since midnight; zero where the status is not ``"ok"``.
    """
    status = np.full(len(s), "missing", dtype=object)
    delta = np.zeros(len(s), dtype="timedelta64[ns]")
    for i, v in enumerate(s.tolist()):
        if _is_empty(v):
            continue
        m = _TIME.match(str(v))
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            status[i] = "invalid"
            continue
        status[i] = "ok"
        delta[i] = np.timedelta64(int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3) or 0), "s")
    return status, delta


def span_end(t: np.ndarray, fmt: str | None) -> np.ndarray:
    """Last second of the span a date without clock time stands for.

    Parameters
    ----------
    t : ndarray of datetime64[ns]
        The start of each span (midnight of the date read).
    fmt : str, optional
        The source's ``date_format``. A plain date covers its day; a format without a
        day (``%Y-%m``, as police.uk publishes) covers its month, one without a month its year.

    Returns
    -------
    ndarray of datetime64[ns]
    """
    if fmt is None or any(d in fmt for d in ("%d", "%j")):
        return t + END_OF_DAY
    s = pd.Series(t)
    if any(m in fmt for m in ("%m", "%b", "%B")):
        nxt = s + pd.offsets.MonthBegin(1)
    else:
        nxt = s + pd.offsets.YearBegin(1)
    return (nxt - pd.Timedelta(seconds=1)).to_numpy(dtype="datetime64[ns]")

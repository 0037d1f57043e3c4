"""Read the dates and times of incident sources: ISO 8601 or a source's ``date_format``.

Each reader gives a status per value (``"ok"``, ``"missing"``, ``"invalid"`` or ``"ambiguous"``)
rather than raising, so that validation can reject the row with a reason and keep the rest.
A date without a clock time stands for a span (its day, or its month or year for a
``date_format`` without a day), whose last second :func:`span_end` gives.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .text.format import Text

log = logging.getLogger(__name__)

__all__ = [
    "DAY",
    "END_OF_DAY",
    "parse_datetimes",
    "parse_datetimes_per_value",
    "parse_clock_times",
    "join_date_parts",
    "span_end",
]

#: One day, and the last second of a day counted from its midnight.
DAY = np.timedelta64(1, "D")
END_OF_DAY = np.timedelta64(86399, "s")

_ISO = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:\.\d+)?)?\s*$")
_NOT_ISO = Text("väntade ISO 8601 (ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM-DD TT:MM); ange sources.date_format för andra former",
                "expected ISO 8601 (YYYY-MM-DD or YYYY-MM-DD HH:MM); set sources.date_format for other forms")
_NO_DAY = Text("det finns ingen sådan dag", "no such day")
_NO_TIME = Text("det finns ingen sådan tid på dygnet", "no such time of day")
#: A number Excel shows as a date between 1960 and 2099 (days since 1899-12-30, a fraction for the time of day).
_EXCEL_SERIAL = re.compile(r"^\s*(2[2-9]\d{3}|[3-6]\d{4}|7[0-3]\d{3})([.,]\d+)?\s*$")


def _excel_serial_hint(text: str) -> Text | None:
    """What to do when ``text`` looks like an Excel date serial number (``44197`` is 2021-01-01); else None."""
    m = _EXCEL_SERIAL.match(text)
    if m is None:
        return None
    day = dt.date(1899, 12, 30) + dt.timedelta(days=int(m.group(1)))
    return Text(f"ser ut som ett datumtal från Excel ({m.group(1)} = {day.isoformat()}); formatera kolumnen som "
                "datum i Excel (Formatera celler > Datum, till exempel ÅÅÅÅ-MM-DD tt:mm) och spara filen igen",
                f"looks like an Excel date serial number ({m.group(1)} = {day.isoformat()}); format the column as "
                "dates in Excel (Format Cells > Date, e.g. YYYY-MM-DD hh:mm) and save the file again")


def _valid_date(y: int, m: int, d: int) -> bool:
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return True


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == ""


def _parse_one(value: Any, fmt: str | None) -> tuple[str, pd.Timestamp | None, bool, str | Text]:
    """Parse one date/datetime text: (status, timestamp, has_clock_time, detail: why not, in both languages)."""
    if _is_empty(value):
        return "missing", None, False, ""
    text = str(value).strip()
    if fmt is not None:
        try:
            ts = dt.datetime.strptime(text, fmt)
        except ValueError as exc:
            return "invalid", None, False, Text(f"stämmer inte med date_format {fmt!r}",
                                                f"does not match date_format {fmt!r} ({exc})")
        return "ok", pd.Timestamp(ts), any(c in fmt for c in ("%H", "%I", "%M")), ""
    m = _ISO.match(text)
    if m:
        y, mo, d, hh, mi, ss, tz = m.groups()
        if not _valid_date(int(y), int(mo), int(d)):
            return "invalid", None, False, _NO_DAY
        if hh is not None and (int(hh) > 23 or int(mi) > 59 or (ss is not None and int(ss) > 59)):
            return "invalid", None, False, _NO_TIME
        ts = pd.Timestamp(text.replace(" ", "T", 1) if hh is not None else text[:10])
        if tz is not None:
            ts = ts.tz_convert("Europe/Stockholm").tz_localize(None)
        return "ok", ts, hh is not None, ""
    m = _NUMERIC_DATE.match(text)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if _valid_date(y, b, a) and _valid_date(y, a, b) and a != b:
            return "ambiguous", None, False, ""
    return "invalid", None, False, _excel_serial_hint(text) or _NOT_ISO


#: ISO 8601 shapes read in one vectorised pass: (regex of the whole text, pandas format, has clock time).
#: Anything else (time zones, fractions of a second, non-ISO text) goes through the per-value reader.
_ISO_SHAPES: tuple[tuple[str, str, bool], ...] = (
    (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "%Y-%m-%d %H:%M", True),
    (r"\d{4}-\d{2}-\d{2}", "%Y-%m-%d", False),
    (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "%Y-%m-%d %H:%M:%S", True),
    (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", "%Y-%m-%dT%H:%M:%S", True),
    (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", "%Y-%m-%dT%H:%M", True),
    # UTC ("Z", as open-data portals write it): converted to Swedish local time, as the per-value reader does
    (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "%Y-%m-%dT%H:%M:%SZ", True),
)
#: Values compared between the vectorised and the per-value reader before a ``date_format`` column
#: is read vectorised (the format is detected as safe once per column).
_SAMPLE = 200


def _stripped(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The values as stripped Arrow text (for vectorised matching) and the mask of missing ones.

    Missing is what the per-value reader calls missing: None, a float NaN, or blank text.
    A text column as read from a file (pandas' ``str`` dtype: text, or NaN where missing) is
    converted as it stands; other columns value by value (``str(v)``; 1 s per million rows).
    """
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.na_value is np.nan:
        text = s.astype("string[pyarrow]").str.strip()
        return text, (text.isna() | (text == "")).to_numpy(dtype=bool, na_value=True)
    text = s.astype(object).map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    text = text.astype("string[pyarrow]").str.strip()
    missing = (text.isna() | (text == "")).to_numpy(dtype=bool, na_value=True)
    return text, missing


def _fast_iso(text: pd.Series, todo: np.ndarray, ts: np.ndarray, clock: np.ndarray) -> np.ndarray:
    """Read the ISO shapes of :data:`_ISO_SHAPES` in place; the rows read (valid days and times only)."""
    done = np.zeros(len(text), dtype=bool)
    for pattern, fmt, has_clock in _ISO_SHAPES:
        rest = todo & ~done
        if not rest.any():
            break
        sub = text[rest]
        hit = sub.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)
        if not hit.any():
            continue
        idx = np.flatnonzero(rest)[hit]
        utc = fmt.endswith("Z")
        parsed = pd.to_datetime(sub[hit].astype(object), format=fmt, errors="coerce", utc=utc)
        if utc:
            parsed = parsed.dt.tz_convert("Europe/Stockholm").dt.tz_localize(None)
        parsed = parsed.to_numpy(dtype="datetime64[ns]")
        ok = ~np.isnat(parsed)  # no such day or time: left to the per-value reader for its detail
        if "%S" in fmt:  # strptime takes leap seconds (60, 61); ISO 8601 reading here does not
            ok &= pd.to_numeric(sub[hit].str.slice(17, 19)).to_numpy(dtype=int) <= 59
        ts[idx[ok]] = parsed[ok]
        clock[idx[ok]] = has_clock
        done[idx[ok]] = True
    return done


def _fast_format(text: pd.Series, todo: np.ndarray, fmt: str, ts: np.ndarray, clock: np.ndarray) -> np.ndarray:
    """Read a ``date_format`` column with pandas in place, when a sample reads the same as with ``strptime``."""
    done = np.zeros(len(text), dtype=bool)
    if not todo.any() or any(z in fmt for z in ("%z", "%Z")):
        return done  # time zones: per value, as strptime gives them
    idx = np.flatnonzero(todo)
    values = text[todo].astype(object)
    parsed = pd.to_datetime(values, format=fmt, errors="coerce").to_numpy(dtype="datetime64[ns]")
    sample = np.unique(np.linspace(0, len(idx) - 1, min(_SAMPLE, len(idx))).astype(int))
    for k in sample:
        st, t, _, _ = _parse_one(values.iloc[k], fmt)
        same = (st == "ok" and not np.isnat(parsed[k]) and np.datetime64(t, "ns") == parsed[k]) or (
            st != "ok" and np.isnat(parsed[k])
        )
        if not same:
            log.debug("date_format %r: pandas and strptime differ on %r; reading per value", fmt, values.iloc[k])
            return done
    ok = ~np.isnat(parsed)
    ts[idx[ok]] = parsed[ok]
    clock[idx[ok]] = any(c in fmt for c in ("%H", "%I", "%M"))
    done[idx[ok]] = True
    return done


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
    detail : ndarray of object
        Why an invalid value cannot be read, for the reject message: a
        :class:`~geolage.text.format.Text` (Swedish and English), ``""`` for values read.

    Notes
    -----
    The column is read in vectorised passes (pandas ``to_datetime`` with an explicit format):
    ISO columns by the common shapes of :data:`_ISO_SHAPES`, each matched on the whole text;
    a ``date_format`` column in one pass once a sample of it reads the same as with
    ``datetime.strptime``. The values left over (time zones, fractions of a second, invalid or
    ambiguous text) go through the per-value reader, so every outcome and message is that of
    the per-value reader (``tests/test_dates.py`` checks this on a corpus of formats).
    """
    n = len(s)
    status = np.full(n, "missing", dtype=object)
    ts = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    clock = np.zeros(n, dtype=bool)
    detail = np.full(n, "", dtype=object)
    if n == 0:
        return status, ts, clock, detail
    text, missing = _stripped(s)
    todo = ~missing
    done = _fast_iso(text, todo, ts, clock) if fmt is None else _fast_format(text, todo, fmt, ts, clock)
    status[done] = "ok"
    slow = np.flatnonzero(todo & ~done)
    if len(slow):
        values = s.iloc[slow].to_numpy(dtype=object)  # the rows left over only (not the whole column)
        parsed = [_parse_one(v, fmt) for v in values]
        status[slow] = [p[0] for p in parsed]
        ts[slow] = pd.to_datetime(pd.Series([p[1] for p in parsed], dtype="object")).to_numpy(dtype="datetime64[ns]")
        clock[slow] = [p[2] for p in parsed]
        detail[slow] = [p[3] for p in parsed]
    return status, ts, clock, detail


def parse_datetimes_per_value(
    s: pd.Series, fmt: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The per-value reader behind :func:`parse_datetimes` (the reference it is tested equal to)."""
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
        num = pd.to_numeric(raw[col], errors="coerce").to_numpy(dtype=float)
        whole = np.isfinite(num) & (num == np.floor(num)) & (np.abs(num) < 1e15)
        text = pd.Series(pd.NA, index=raw.index, dtype="string")
        text[whole] = pd.Series(num[whole].astype(np.int64), dtype="string").str.zfill(width).to_numpy()
        huge = np.isfinite(num) & (num == np.floor(num)) & ~whole  # beyond int64: Python's int
        text[huge] = [str(int(v)).zfill(width) for v in num[huge]]
        return text

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
    n = len(s)
    status = np.full(n, "missing", dtype=object)
    delta = np.zeros(n, dtype="timedelta64[ns]")
    if n == 0:
        return status, delta
    text, missing = _stripped(s)
    pattern = r"^\s*(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2})(?:\.\d+)?)?\s*$"  # _TIME, in RE2
    parts = pc.extract_regex(pa.array(text.to_numpy(dtype=object, na_value=None), type=pa.string()), pattern)
    h, m, sec = (
        pd.to_numeric(pd.Series(parts.field(k).to_numpy(zero_copy_only=False)), errors="coerce").to_numpy(dtype=float)
        for k in ("h", "m", "s")
    )
    ok = ~missing & ~np.isnan(h) & (h <= 23) & (m <= 59)
    status[~missing] = "invalid"
    status[ok] = "ok"
    seconds = h[ok] * 3600 + m[ok] * 60 + np.nan_to_num(sec[ok])
    delta[ok] = (seconds.astype(np.int64) * 1_000_000_000).astype("timedelta64[ns]")
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

"""Dates: the vectorised readers give the per-value reader's outcome on a corpus of formats."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from geolage.dates import (
    join_date_parts,
    parse_clock_times,
    parse_datetimes,
    parse_datetimes_per_value,
)

ISO_CORPUS = [
    "2021-03-04 10:15",
    "2021-03-04",
    "2021-03-04 10:15:59",
    "2021-03-04T10:15:00",
    "2021-03-04T10:15",
    "  2021-03-04 10:15  ",
    "2021-03-04T10:15:00.250",
    "2021-03-04T10:15:00Z",
    "2021-03-28T01:30:00Z",
    "2021-10-31T00:30:00Z",
    "2021-10-31T01:30:00Z",
    "2021-02-30T00:00:00Z",
    "2021-03-04T10:15:61Z",
    "2021-03-04T24:00:00Z",
    "2021-03-04T10:15:00+01:00",
    "2021-06-04 10:15+0200",
    "2021-02-30",
    "2021-02-29 10:00",
    "2020-02-29 23:59",
    "2021-03-04 24:00",
    "2021-03-04 10:60",
    "2021-03-04 10:15:61",
    "2021-3-4",
    "2021-03-04 9:15",
    "04/03/2021",
    "4.3.2021",
    "13/03/2021",
    "03/03/2021",
    "04-03-2021 10:00",
    "2021/03/04",
    "20210304",
    "mars 2021",
    "",
    "   ",
    None,
    np.nan,
    "nan",
    "2021-03-04\n",
    "１９９９-01-01",
]


def _same(a, b) -> None:
    for x, y in zip(a, b):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.mark.parametrize("order", [0, 1, 2])
def test_iso_corpus_equals_per_value(order: int) -> None:
    rng = np.random.default_rng(order)
    values = list(ISO_CORPUS) * 3
    if order:
        values = [values[i] for i in rng.permutation(len(values))]
    s = pd.Series(values, dtype=object)
    fast = parse_datetimes(s, None)
    ref = parse_datetimes_per_value(s, None)
    _same(fast, ref)


def test_iso_statuses_are_the_documented_ones() -> None:
    s = pd.Series(["2021-03-04 10:15", "2021-03-04", "2021-02-30", "04/03/2021", None, "2021-03-04T10:15:00Z"])
    status, t, clock, _ = parse_datetimes(s, None)
    assert status.tolist() == ["ok", "ok", "invalid", "ambiguous", "missing", "ok"]
    assert t[0] == np.datetime64("2021-03-04T10:15")
    assert clock.tolist() == [True, False, False, False, False, True]
    # 10:15 UTC in March is 11:15 Swedish time
    assert t[5] == np.datetime64("2021-03-04T11:15")


FORMAT_CORPUS = {
    "%d/%m/%Y %H:%M": [
        "04/03/2021 10:15", "4/3/2021 10:15", "31/02/2021 10:00", "04/03/2021", "x", None, " 04/03/2021 10:15 "
    ],
    "%m/%d/%Y %I:%M:%S %p": ["03/04/2021 10:15:00 PM", "03/04/2021 12:00:00 AM", "13/04/2021 10:15:00 PM", ""],
    "%Y-%m": ["2021-03", "2021-13", "2021-3", "2021-03-04"],
    "%Y%m%d": ["20210304", "2021034", "20211304", "2021-03-04"],
    "%d.%m.%Y": ["04.03.2021", "4.3.2021", "04.03.21", "29.02.2021"],
    "%Y-%m-%dT%H:%M:%S%z": ["2021-03-04T10:15:00+0100", "2021-03-04T10:15:00"],
}


@pytest.mark.parametrize("fmt", sorted(FORMAT_CORPUS))
def test_date_format_corpus_equals_per_value(fmt: str) -> None:
    s = pd.Series(FORMAT_CORPUS[fmt] * 2, dtype=object)
    _same(parse_datetimes(s, fmt), parse_datetimes_per_value(s, fmt))


def test_large_column_equals_per_value() -> None:
    rng = np.random.default_rng(7)
    t = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 7 * 365 * 1440, 20_000), unit="min")
    values = t.strftime("%Y-%m-%d %H:%M").to_numpy(dtype=object)
    values[rng.integers(0, len(values), 300)] = rng.choice(ISO_CORPUS[:-3], 300)
    s = pd.Series(values, dtype=object)
    _same(parse_datetimes(s, None), parse_datetimes_per_value(s, None))
    dmy = pd.Series(t.strftime("%d/%m/%Y %H:%M"), dtype=object)
    _same(parse_datetimes(dmy, "%d/%m/%Y %H:%M"), parse_datetimes_per_value(dmy, "%d/%m/%Y %H:%M"))


_OLD_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:\.\d+)?)?\s*$")


def _old_clock_times(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The per-value clock-time reader geolage had before it was vectorised."""
    status = np.full(len(s), "missing", dtype=object)
    delta = np.zeros(len(s), dtype="timedelta64[ns]")
    for i, v in enumerate(s.tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "":
            continue
        m = _OLD_TIME.match(str(v))
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            status[i] = "invalid"
            continue
        status[i] = "ok"
        delta[i] = np.timedelta64(int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3) or 0), "s")
    return status, delta


def test_clock_times_equal_per_value() -> None:
    values = ["10:15", "9.30", "23:59:59", "24:00", "10:60", "7:5", " 08:00 ", "08:00:30.5", "", None, np.nan, "x",
              "10:15:99", 12.5, "0:00"]
    s = pd.Series(values * 2, dtype=object)
    _same(parse_clock_times(s), _old_clock_times(s))
    status, delta = parse_clock_times(pd.Series(["10:15", "24:00", ""]))
    assert status.tolist() == ["ok", "invalid", "missing"]
    assert delta[0] == np.timedelta64(10 * 3600 + 15 * 60, "s")


def _old_join(raw: pd.DataFrame, year, month, day, hour, minute) -> pd.Series:
    def part(col, width):
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


def test_join_date_parts_equals_per_value() -> None:
    raw = pd.DataFrame({
        "Y": ["2021", "2021", "2021.0", "", "2021", "abc", "2021", "2021"],
        "M": ["3", "12", "3", "3", "3.5", "3", "3", "3"],
        "D": ["4", "31", "4", "4", "4", "4", None, "-1"],
        "H": ["10", "", "0", "1", "1", "1", "1", "23"],
        "MI": ["5", "", "", "59", "59", "59", "59", "0"],
    })
    new = join_date_parts(raw, "Y", "M", "D", "H", "MI")
    old = _old_join(raw, "Y", "M", "D", "H", "MI")
    assert new.tolist() == old.tolist()
    assert new.tolist()[:3] == ["2021-03-04 10:05", "2021-12-31", "2021-03-04 00:00"]
    no_clock = join_date_parts(raw, "Y", "M", "D", None, None)
    assert no_clock.tolist() == _old_join(raw, "Y", "M", "D", None, None).tolist()

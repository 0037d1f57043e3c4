"""The vectorised parts of validation against their row-by-row references (issue 13)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geolage.config import ColumnsConfig, SourceConfig
from geolage.dates import _stripped, parse_datetimes, parse_datetimes_per_value
from geolage.validate import _count_fixes, _count_fixes_per_row, _incident_ids, _incident_ids_per_row
from geolage.validate_rows import _to_float, _to_float_cleaned

NUMBERS = ["1,5", "1.5", " 12 ", "1 000", "1\u00a0000,5", "1\u202f000", "1_000", "0x10", "1e5", "inf", "-inf",
           "nan", "NaN", "", "  ", "+3", "-0", "1.5.2", "1,000.5", "376 000,5", "12.94", "6 400 000",
           "9007199254740993", "123456789012345678901234", ".5", "5.", "1d5", "Infinity", "１２", "1,5e3", None,
           "abc", "٣", "372361.2908246644", "6,4e6", "0", "-0", "00", "0123", "-12", "--1", "999999999999999",
           "9999999999999999", "-999999999999999", "12 ", "1-2", "7e0", "6400100", "-6400100.0"]


@pytest.mark.parametrize("dtype", ["str", object, "string"])
def test_to_float_equals_cleaning_every_value(dtype):
    s = pd.Series(NUMBERS, dtype=dtype)
    got, want = _to_float(s), _to_float_cleaned(s)
    assert np.array_equal(got, want, equal_nan=True)
    assert got[NUMBERS.index("376 000,5")] == 376000.5  # the corpus does go through the cleaning
    assert got[NUMBERS.index("1.5")] == 1.5
    assert np.signbit(got[NUMBERS.index("-0")]) == np.signbit(want[NUMBERS.index("-0")])
    assert got[NUMBERS.index("999999999999999")] == 999999999999999.0 and got[NUMBERS.index("-12")] == -12.0


def test_to_float_whole_numbers_column():
    """A column of whole numbers only (read by Arrow) and mixed with decimals: as cleaning every value."""
    rng = np.random.default_rng(8)
    whole = rng.integers(-7_000_000, 7_000_000, 3000).astype(str).astype(object)
    for values in (whole, np.r_[whole, np.array(["372361.2908246644", "1,5", None], dtype=object)]):
        s = pd.Series(values, dtype="str")
        assert np.array_equal(_to_float(s), _to_float_cleaned(s), equal_nan=True)


def test_count_fixes_equals_row_by_row():
    rng = np.random.default_rng(3)
    kinds = np.array(["", "swapped_axes", "latlon_in_xy", "latlon_in_xy;swapped_latlon", None], dtype=object)
    fixes = kinds[rng.integers(0, len(kinds), 5000)]
    fixes[7] = float("nan")
    got, want = _count_fixes(fixes), _count_fixes_per_row(fixes)
    assert list(got.items()) == list(want.items())  # same counts, same order
    assert got["swapped_latlon"] == int((fixes == "latlon_in_xy;swapped_latlon").sum())
    assert _count_fixes(np.array([], dtype=object)) == {}


def _source(id_column: str | None) -> SourceConfig:
    return SourceConfig(name="polisen", path="x.csv", format="csv", crs="EPSG:3006", categories={"1": "a"},
                        columns=ColumnsConfig(id=id_column, category="c", x="x", y="y", datetime="t"))


@pytest.mark.parametrize("id_column", ["id", None])
def test_incident_ids_equal_row_by_row(id_column):
    values = ["17", " 17 ", "", None, "  ", "rad5", "18", "19", "19", "polisen:1", "a:b", "ö"]
    raw = pd.DataFrame({"id": pd.Series(values, dtype="str")})
    rows = np.arange(1, len(values) + 1)
    got = _incident_ids(raw, _source(id_column), rows)
    want = _incident_ids_per_row(raw, _source(id_column), rows)
    assert got.dtype == object and list(got) == list(want)
    if id_column:
        assert got[0] == "polisen:17#rad1" and got[2] == "polisen:rad3"  # a repeat and a blank


def test_stripped_text_column_equals_value_by_value():
    values = [" 2021-03-01 22:00 ", None, "", "   ", "2021-03-01", "x", "\t2021-03-01\n"]
    s = pd.Series(values, dtype="str")
    fast_text, fast_missing = _stripped(s)
    ref_text, ref_missing = _stripped(s.astype(object))  # the value-by-value path
    assert fast_text.tolist() == ref_text.tolist()
    assert np.array_equal(fast_missing, ref_missing) and fast_missing.tolist() == [False, True, True, True, False,
                                                                                    False, False]
    fast, ref = parse_datetimes(s, None), parse_datetimes_per_value(s.astype(object), None)
    assert np.array_equal(fast[1].view("int64"), ref[1].view("int64"))  # NaT compared too
    for k in (0, 2, 3):  # status, clock time, detail
        assert list(fast[k]) == list(ref[k])
    assert list(fast[0]) == ["ok", "missing", "missing", "missing", "ok", "invalid", "ok"]


@pytest.mark.parametrize("dtype", ["str", object])
def test_masking_only_texts_with_ten_digits_equals_every_text(dtype):
    from geolage.validate import _mask_text_columns, _mask_text_columns_per_value

    texts = ["ring 811218–9876", "inget", None, "", "8112189876", "81 12 18-9876 och 811278-9873",
             "070-123 45 67", "372361.2908246644", "٨١١٢١٨-٩٨٧٦", "８１１２１８-９８７６", "123456789", "19811218 9876",
             "x 811218-987", "1234567890"]
    raw = pd.DataFrame({"text": pd.Series(texts, dtype=dtype), "id": pd.Series([str(i) for i in range(len(texts))],
                                                                              dtype="str")})
    got, n = _mask_text_columns(raw, ("text", "missing"))
    want, n_ref = _mask_text_columns_per_value(raw, ("text", "missing"))
    pd.testing.assert_frame_equal(got, want)
    assert n == n_ref >= 5 and got["text"].iloc[4] == "[personnummer]"
    assert raw["text"].iloc[0] == "ring 811218–9876"  # the input is not changed

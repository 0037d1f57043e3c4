"""The fast CSV text equals pandas' ``to_csv`` byte for byte."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geolage.outputs.csv_text import csv_text
from geolage.outputs.tables import CSV_FORMATS


def _tricky() -> pd.DataFrame:
    floats = [0.1, 1e-05, 1.5e16, -0.0, np.inf, -np.inf, np.nan, 3334.0, 2 / 3, 123456789.125, 1e-300, 5e-324]
    n = len(floats)
    text = ["a", "b;c", 'say "hi"', "line\nbreak", "cr\rx", "", None, "å ä ö", " pad ", "x,y", "é", "plain"]
    return pd.DataFrame({
        "f": floats,
        "i": np.arange(n, dtype=np.int64) - 5,
        "u8": np.arange(n, dtype=np.uint8),
        "b": [True, False] * (n // 2),
        "s": pd.array(text, dtype="str"),
        "o": pd.Series(text, dtype=object),
        "i32": np.arange(n, dtype=np.int32),
    })


@pytest.mark.parametrize("language", ["sv", "en"])
def test_csv_text_equals_pandas_on_tricky_values(language):
    fmt = CSV_FORMATS[language]
    df = _tricky()
    assert csv_text(df, **fmt) == df.to_csv(index=False, **fmt)
    assert csv_text(df.iloc[:0], **fmt) == df.iloc[:0].to_csv(index=False, **fmt)
    # columns only pandas formats (dates, nullable ints, mixed objects, one column): still the same text
    other = df.assign(d=pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(len(df)), unit="D"),
                      n=pd.array([1, None] * (len(df) // 2), dtype="Int64"),
                      m=pd.Series([1, "x"] * (len(df) // 2), dtype=object))
    assert csv_text(other, **fmt) == other.to_csv(index=False, **fmt)
    single = pd.DataFrame({"s": ["", "a"]})
    assert csv_text(single, **fmt) == single.to_csv(index=False, **fmt)


def test_csv_text_equals_pandas_on_random_floats():
    rng = np.random.default_rng(7)
    x = rng.standard_cauchy(20_000) * 10.0 ** rng.integers(-12, 18, 20_000)
    scale = 10.0 ** rng.integers(0, 10, 20_000)
    df = pd.DataFrame({"x": x, "y": np.round(rng.random(20_000) * scale) / scale})
    for fmt in CSV_FORMATS.values():
        assert csv_text(df, **fmt) == df.to_csv(index=False, **fmt)


def test_csv_text_equals_pandas_on_the_demo_tables(demo_run):
    from geolage.outputs.common import public_view
    from geolage.outputs.tables import _frame, _tables, words

    results = public_view(demo_run[0], "public")
    tables = _tables(results, "public")
    assert len(tables) > 20
    for table in tables:
        frame = words(_frame(table), "sv")
        sample = frame.iloc[:: max(1, len(frame) // 3000)]  # every table, up to about 3,000 rows each
        for fmt in CSV_FORMATS.values():
            assert csv_text(sample, **fmt) == sample.to_csv(index=False, **fmt), table.name

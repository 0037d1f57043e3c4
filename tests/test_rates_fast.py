"""count_incidents' lookups, one per distinct value, against looking up every value (issue 13)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geolage.stats.rates import _positions, count_incidents


@pytest.mark.parametrize("dtype", ["str", object])
def test_positions_equal_looking_up_every_value(dtype):
    rng = np.random.default_rng(4)
    pool = np.array(["d1", "d2", "d3", "x", "None", "nan"], dtype=object)
    vals = pd.Series(pool[rng.integers(0, len(pool), 500)], dtype=dtype)
    vals.iloc[[3, 9]] = None
    labels = ["d3", "d1", "d2", "None"]
    want_text = pd.Index(labels).get_indexer(vals.astype(str).where(vals.notna(), None))
    want_raw = pd.Index(labels).get_indexer(vals)
    got_text, got_raw = _positions(vals, labels, as_text=True), _positions(vals, labels, as_text=False)
    assert np.array_equal(got_text, want_text) and np.array_equal(got_raw, want_raw)
    assert got_text[3] == -1 and (got_text == 1).sum() == (vals == "d1").sum() > 0
    assert np.array_equal(_positions(vals.iloc[:0], labels, as_text=True), np.zeros(0, dtype=np.int64))


def test_positions_numbers_as_text():
    vals = pd.Series([1, 2, 2, None, 3.0], dtype=object)
    assert _positions(vals, ["2", "1", "3.0"], as_text=True).tolist() == [1, 0, 0, -1, 2]


def test_count_incidents_units_by_text():
    inc = pd.DataFrame({"district_id": ["a", "b", None, "a", "z"], "category": ["hot", "ran", "hot", "hot", "hot"],
                        "time": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-01", "2025-02-01", "2024-05-01"])})
    c = count_incidents(inc, keys=["a", "b"], categories=["hot", "ran"])
    whole = c[(c["category"] == "alla") & (c["period"] == "hela")].set_index("district_id")["count"]
    assert whole.to_dict() == {"a": 2, "b": 1}

"""Period labels: one label per distinct period, equal to labelling every value (issue 13)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geolage.periods import _label, period_labels


def _per_value(times: pd.Series, unit: str) -> pd.Series:
    freq = {"year": "Y", "quarter": "Q", "month": "M"}[unit]
    per = pd.to_datetime(times).dt.to_period(freq)
    return per.map(lambda p: _label(p, unit) if not pd.isna(p) else None)


@pytest.mark.parametrize("unit", ["year", "quarter", "month"])
@pytest.mark.parametrize("with_nat", [False, True])
def test_period_labels_equal_value_by_value(unit, with_nat):
    rng = np.random.default_rng(5)
    t = pd.Timestamp("2018-12-31 23:59") + pd.to_timedelta(rng.integers(0, 3 * 365 * 1440, 3000), unit="min")
    times = pd.Series(t, index=np.arange(3000) * 2 + 7, name="time")
    times.iloc[0] = pd.Timestamp("2018-12-31 23:59")
    if with_nat:
        times.iloc[[3, 40]] = pd.NaT
    got = period_labels(times, unit)
    pd.testing.assert_series_equal(got, _per_value(times, unit))
    first = {"year": "2018", "quarter": "2018K4", "month": "2018-12"}[unit]
    assert got.iloc[0] == first and got.nunique() > 3

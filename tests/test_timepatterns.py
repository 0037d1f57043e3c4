"""Tests of geolage.stats.timepatterns: aoristic weights, weekday × hour and month tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geolage.stats.timepatterns import (
    MONTH_COLUMNS,
    WEEKDAY_HOUR_COLUMNS,
    aoristic_month_weights,
    aoristic_weights,
    month_of_year,
    weekday_hour,
)


def inc(rows, category="hot"):
    """Rows of (from, to, has_clock_time); time is the middle of the window."""
    f = pd.to_datetime([r[0] for r in rows], format="ISO8601")
    t = pd.to_datetime([r[1] for r in rows], format="ISO8601")
    return pd.DataFrame({"category": category, "time": f + (t - f) / 2, "time_from": f, "time_to": t,
                         "has_clock_time": [r[2] for r in rows]})


# --------------------------------------------------------------------------- inputs
def test_aoristic_weights_need_a_time():
    bad = pd.DataFrame({"time": pd.to_datetime(["2024-01-01", None])})
    with pytest.raises(ValueError, match="incidents need a time; 1 have none"):
        aoristic_weights(bad)


# --------------------------------------------------------------------------- hand-worked weights
def test_exact_time_weight_one_in_its_hour():
    w = aoristic_weights(inc([("2024-01-01 10:15", "2024-01-01 10:15", True)]))  # a Monday
    assert w[["weekday", "hour", "weight"]].values.tolist() == [[0, 10, 1.0]]


def test_window_split_by_minutes():
    # 09:30-11:00 on Wednesday: 30 min in hour 9, 60 min in hour 10 -> 1/3, 2/3
    w = aoristic_weights(inc([("2024-01-03 09:30", "2024-01-03 11:00", True)]))
    assert w["weekday"].tolist() == [2, 2]
    assert w["hour"].tolist() == [9, 10]
    assert w["weight"].tolist() == pytest.approx([1 / 3, 2 / 3])


def test_date_only_spread_over_the_day():
    w = aoristic_weights(inc([("2024-01-07", "2024-01-07", False)]))  # a Sunday
    assert len(w) == 24 and (w["weekday"] == 6).all()
    assert w["weight"].tolist() == pytest.approx([1 / 24] * 24)


def test_window_over_midnight_sunday_to_monday():
    w = aoristic_weights(inc([("2024-01-07 23:00", "2024-01-08 01:00", True)]))
    got = {(r.weekday, r.hour): r.weight for r in w.itertuples()}
    assert got == pytest.approx({(6, 23): 0.5, (0, 0): 0.5})


def test_week_long_window_is_uniform():
    w = aoristic_weights(inc([("2024-01-01 00:00", "2024-01-08 00:00", True)]))
    assert len(w) == 168
    assert w["weight"].to_numpy() == pytest.approx(np.full(168, 1 / 168))


def test_long_window_spreads_whole_weeks_evenly():
    # 8 days from Monday 00:00: every weekday-hour gets 1 week, Monday's hours a second one
    w = aoristic_weights(inc([("2024-01-01 00:00", "2024-01-09 00:00", True)]))
    mon = w[w["weekday"] == 0]["weight"].to_numpy()
    other = w[w["weekday"] != 0]["weight"].to_numpy()
    assert mon == pytest.approx(np.full(24, 2 / 192))
    assert other == pytest.approx(np.full(144, 1 / 192))


def test_month_weights_across_months():
    # 20 Jan 12:00 - 5 Apr 12:00 2024 (76 days): Jan 11.5, Feb 29, Mar 31, Apr 4.5 days
    w = aoristic_month_weights(inc([("2024-01-20 12:00", "2024-04-05 12:00", True)]))
    assert w["month"].tolist() == [1, 2, 3, 4]
    assert w["weight"].tolist() == pytest.approx([11.5 / 76, 29 / 76, 31 / 76, 4.5 / 76])


# --------------------------------------------------------------------------- tables
def test_weekday_hour_table_schema_and_totals():
    data = pd.concat([inc([("2024-01-01 10:15", "2024-01-01 10:15", True)]),
                      inc([("2024-01-07", "2024-01-07", False)], category="ran")], ignore_index=True)
    t = weekday_hour(data)
    assert list(t.columns) == list(WEEKDAY_HOUR_COLUMNS)
    assert len(t) == 3 * 7 * 24  # hot, ran, alla
    tot = t.groupby("category")["weight"].sum()
    assert tot.to_dict() == pytest.approx({"alla": 2.0, "hot": 1.0, "ran": 1.0})
    assert t.groupby("category")["share"].sum().to_numpy() == pytest.approx([1, 1, 1])


def test_month_of_year_months_observed():
    data = inc([("2024-01-15 10:00", "2024-01-15 10:00", True), ("2024-02-10", "2024-02-10", False)])
    t = month_of_year(data, start=dt.date(2023, 7, 1), end=dt.date(2024, 12, 31))
    assert list(t.columns) == list(MONTH_COLUMNS)
    hot = t[t["category"] == "hot"].set_index("month")
    assert hot.loc[1, "weight"] == 1.0 and hot.loc[2, "weight"] == 1.0
    assert hot.loc[1, "months_observed"] == pytest.approx(1.0)
    assert hot.loc[7, "months_observed"] == pytest.approx(2.0)
    assert hot.loc[7, "weight_per_month"] == 0.0


# --------------------------------------------------------------------------- invariants
@st.composite
def windows(draw):
    n = draw(st.integers(1, 25))
    start = draw(st.lists(st.integers(0, 60 * 24 * 400), min_size=n, max_size=n))
    length = draw(st.lists(st.sampled_from([0, 1, 45, 60, 61, 600, 1440, 10079, 10080, 20000, 60 * 24 * 40]),
                           min_size=n, max_size=n))
    clock = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    cats = draw(st.lists(st.sampled_from(["hot", "ran"]), min_size=n, max_size=n))
    f = pd.Timestamp("2023-01-01") + pd.to_timedelta(start, unit="min")
    t = f + pd.to_timedelta(length, unit="min")
    return pd.DataFrame({"category": cats, "time": f, "time_from": f, "time_to": t, "has_clock_time": clock})


@settings(max_examples=40, deadline=None)
@given(windows(), st.randoms(use_true_random=False))
def test_aoristic_weights_sum_to_incidents_and_ignore_row_order(data, rnd):
    w = aoristic_weights(data)
    assert w.groupby("row")["weight"].sum().to_numpy() == pytest.approx(np.ones(len(data)))
    assert (w["weight"] > 0).all() and w["hour"].between(0, 23).all() and w["weekday"].between(0, 6).all()
    m = aoristic_month_weights(data)
    assert m["weight"].sum() == pytest.approx(len(data))
    t = weekday_hour(data, categories=["hot", "ran"])
    assert t[t["category"] == "alla"]["weight"].sum() == pytest.approx(len(data))
    order = list(range(len(data)))
    rnd.shuffle(order)
    t2 = weekday_hour(data.iloc[order].reset_index(drop=True), categories=["hot", "ran"])
    pd.testing.assert_frame_equal(t, t2, check_exact=False, atol=1e-12)

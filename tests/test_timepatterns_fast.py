"""weekday_hour summed into bins directly equals the sums through the per-incident aoristic table (issue 13)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geolage.categories import ALL_CATEGORIES
from geolage.stats.timepatterns import WEEKDAY_HOUR_COLUMNS, _with_all, aoristic_weights, weekday_hour


def _reference(incidents: pd.DataFrame, cats: list[str]) -> pd.DataFrame:
    """weekday_hour as it was: aoristic_weights per incident, then grouped (the reference)."""
    inc = incidents[incidents["category"].isin(cats)].reset_index(drop=True)
    w = aoristic_weights(inc) if len(inc) else pd.DataFrame(columns=["row", "weekday", "hour", "weight"])
    w["category"] = inc["category"].to_numpy()[w["row"].to_numpy().astype(int)] if len(w) else []
    tab, allcats = _with_all(w, ["weekday", "hour"], cats)
    full = pd.MultiIndex.from_product([allcats, range(7), range(24)], names=["category", "weekday", "hour"])
    out = tab.set_index(["category", "weekday", "hour"])["weight"].reindex(full, fill_value=0.0).reset_index()
    tot = out.groupby("category")["weight"].transform("sum")
    out["share"] = np.where(tot > 0, out["weight"] / tot.where(tot > 0, 1.0), np.nan)
    return out[list(WEEKDAY_HOUR_COLUMNS)]


def _incidents(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 2 * 365 * 1440, n), unit="min")
    span = np.where(rng.random(n) < 0.3, rng.integers(1, 20 * 1440, n), 0)  # exact times, windows, long windows
    return pd.DataFrame({
        "category": rng.choice(["a", "b", "c"], n),
        "time": t0, "time_from": t0, "time_to": t0 + pd.to_timedelta(span, unit="min"),
        "has_clock_time": rng.random(n) < 0.9,
    })


@pytest.mark.parametrize("cats", [["a", "b", "c"], ["b", "z"], ["a"]])
def test_weekday_hour_equals_per_incident_table(cats):
    inc = _incidents(4000, 11)
    got = weekday_hour(inc, categories=cats)
    want = _reference(inc, cats)
    pd.testing.assert_frame_equal(got[["category", "weekday", "hour"]], want[["category", "weekday", "hour"]])
    # the same terms added in another order: equal to the last bits of a double
    np.testing.assert_allclose(got["weight"], want["weight"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got["share"], want["share"], rtol=1e-12, atol=1e-15)
    alla = got[got["category"] == ALL_CATEGORIES]["weight"].sum()
    assert alla == pytest.approx(inc["category"].isin(cats).sum(), rel=1e-12)


def test_weekday_hour_without_incidents():
    inc = _incidents(50, 2)
    got = weekday_hour(inc.iloc[:0], categories=["a"])
    pd.testing.assert_frame_equal(got, _reference(inc.iloc[:0], ["a"]), check_dtype=False)
    assert len(got) == 2 * 168 and (got["weight"] == 0).all()


def test_weekday_hour_in_chunks_equals_one_pass(monkeypatch):
    import geolage.stats.timepatterns as tp

    inc = _incidents(3000, 5)
    whole = weekday_hour(inc, categories=["a", "b"])
    monkeypatch.setattr(tp, "_CHUNK", 700)  # 5 chunks, the last a short one
    chunked = weekday_hour(inc, categories=["a", "b"])
    pd.testing.assert_frame_equal(chunked[["category", "weekday", "hour"]], whole[["category", "weekday", "hour"]])
    np.testing.assert_allclose(chunked["weight"], whole["weight"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(chunked["weight"], _reference(inc, ["a", "b"])["weight"], rtol=1e-12, atol=1e-12)

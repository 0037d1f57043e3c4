"""Duplicates across sources (geolage.duplicates): the linear-memory check equals the former pairwise one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree

import geolage.duplicates as dup
from geolage.duplicates import find_duplicates


def pairwise_reference(df: pd.DataFrame, distance: float, minutes: float, language: str):
    """The former check, kept here as the reference: every pair within the distance, then a loop."""
    n = len(df)
    reason = np.full(n, None, dtype=object)
    detail = np.full(n, "", dtype=object)
    if n == 0:
        return reason, detail
    label = [f"{s} rad {r}" if language == "sv" else f"{s} row {r}" for s, r in zip(df["source"], df["source_row"])]
    # Only rows with a clock time can be told to be the same report: two burglaries on the
    # same day (or, in police.uk data, the same month) at the same snapped map point are
    # usually two incidents, so rows without a clock time are never marked as duplicates.
    eligible = df["has_clock_time"].to_numpy(dtype=bool)
    key = pd.DataFrame(
        {
            "c": df["category"].to_numpy(),
            "f": df["time_from"].to_numpy(),
            "t": df["time_to"].to_numpy(),
            "x": np.round(df["x"].to_numpy(), 0),
            "y": np.round(df["y"].to_numpy(), 0),
        }
    )
    first = key.groupby(list(key.columns), sort=False, dropna=False).ngroup().to_numpy()
    seen: dict[int, int] = {}
    for i, g in enumerate(first):
        if not eligible[i]:
            continue
        if g in seen:
            reason[i] = "duplicate_exact"
            detail[i] = label[seen[g]]
        else:
            seen[g] = i
    tol = np.timedelta64(int(minutes * 60), "s")
    xy = df[["x", "y"]].to_numpy()
    times = df["time"].to_numpy()
    cats = df["category"].to_numpy()
    for cat in pd.unique(cats):
        idx = np.flatnonzero((cats == cat) & pd.isna(reason) & eligible)
        if len(idx) < 2:
            continue
        pairs = cKDTree(xy[idx]).query_pairs(distance, output_type="ndarray")
        if len(pairs) == 0:
            continue
        i, j = idx[pairs[:, 0]], idx[pairs[:, 1]]
        lo, hi = np.minimum(i, j), np.maximum(i, j)
        close = np.abs(times[lo] - times[hi]) <= tol
        lo, hi = lo[close], hi[close]
        order = np.lexsort((lo, hi))
        for a, b in zip(lo[order], hi[order]):
            if reason[b] is None and reason[a] is None:
                reason[b] = "duplicate_near"
                what = (
                    f"{distance:g} m och {minutes:g} minuter från {label[a]}"
                    if language == "sv"
                    else f"{distance:g} m and {minutes:g} minutes of {label[a]}"
                )
                detail[b] = what
    return reason, detail


def incidents(n: int, seed: int, spread: float = 400.0) -> pd.DataFrame:
    """Rows with many near copies: clusters in place and time, exact copies, rows without a clock time."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2023-01-01")
    x = 370_000 + rng.uniform(0, spread, n)
    y = 6_400_000 + rng.uniform(0, spread, n)
    minutes = rng.integers(0, 60 * 24 * 20, n).astype(float)
    k = n // 3  # near copies of earlier rows: within ~40 m and ~90 minutes
    src = rng.integers(0, n - k, k)
    x[n - k :] = x[src] + rng.normal(0, 15, k)
    y[n - k :] = y[src] + rng.normal(0, 15, k)
    minutes[n - k :] = minutes[src] + rng.integers(-90, 90, k)
    x[:10], y[:10], minutes[:10] = x[0] + np.array([0, 25, 0, 17.68, 0, 0, 0, 0, 0, 0]), y[0], minutes[0] + 60
    copies = rng.integers(0, n, n // 20)  # exact copies
    x[n - n // 20 :], y[n - n // 20 :], minutes[n - n // 20 :] = x[copies], y[copies], minutes[copies]
    cat = rng.choice(["stold", "ran", "hot"], n, p=[0.6, 0.3, 0.1])
    cat[n - k :] = np.where(rng.uniform(size=k) < 0.8, cat[src], cat[n - k :])
    cat[n - n // 20 :] = cat[copies]
    t = base + pd.to_timedelta(minutes * 60 + rng.choice([0, 0, 0, 0.5], n), unit="s")  # some sub-second
    return pd.DataFrame({
        "source": rng.choice(["a", "b"], n), "source_row": np.arange(1, n + 1),
        "category": cat,
        "time": t, "time_from": t, "time_to": t,
        "x": x, "y": y, "has_clock_time": rng.uniform(size=n) > 0.1,
    })


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("distance, minutes", [(25.0, 60.0), (50.0, 5.0), (10.0, 240.0)])
def test_equals_the_pairwise_check(seed, distance, minutes, monkeypatch):
    monkeypatch.setattr(dup, "_CHUNK_PAIRS", 500)  # many chunks
    df = incidents(1500, seed)
    reason, detail = find_duplicates(df, distance, minutes, "sv")
    ref_reason, ref_detail = pairwise_reference(df, distance, minutes, "sv")
    assert (pd.Series(reason) == "duplicate_near").sum() > 20  # the data have near copies to find
    assert (pd.Series(reason) == "duplicate_exact").sum() > 20
    np.testing.assert_array_equal(reason, ref_reason)
    np.testing.assert_array_equal(detail, ref_detail)


def test_english_detail_and_no_rows():
    df = incidents(300, 5, spread=200.0)
    reason, detail = find_duplicates(df, 25.0, 60.0, "en")
    ref_reason, ref_detail = pairwise_reference(df, 25.0, 60.0, "en")
    np.testing.assert_array_equal(reason, ref_reason)
    np.testing.assert_array_equal(detail, ref_detail)
    assert any(d.startswith("25 m and 60 minutes of ") for d in detail)
    r0, d0 = find_duplicates(df.iloc[:0], 25.0, 60.0, "en")
    assert len(r0) == 0 and len(d0) == 0


def test_edges_are_inclusive():
    t = pd.Timestamp("2023-05-01 12:00")
    df = pd.DataFrame({
        "source": "a", "source_row": [1, 2, 3, 4], "category": "stold",
        "time": [t, t + pd.Timedelta(minutes=60), t, t + pd.Timedelta(minutes=60, seconds=1)],
        "x": [0.0, 25.0, 25.0001 + 25, 0.0], "y": 0.0, "has_clock_time": True,
    })
    df["time_from"] = df["time_to"] = df["time"]
    reason, detail = find_duplicates(df, 25.0, 60.0, "en")
    # row 2: exactly 25 m and 60 minutes from row 1; row 3: 25.0001 m from row 2 (a duplicate), 50 m from row 1;
    # row 4: same place as row 1 but 60 minutes and 1 second later
    assert list(reason) == [None, "duplicate_near", None, None]
    assert detail[1] == "25 m and 60 minutes of a row 1"

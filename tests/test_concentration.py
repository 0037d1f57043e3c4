"""Tests of geolage.stats.concentration: Gini, generalised Gini, Lorenz curve, top shares, stability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geolage.stats.concentration import (
    CONCENTRATION_COLUMNS,
    LORENZ_COLUMNS,
    STABILITY_COLUMNS,
    concentration_table,
    generalised_gini,
    gini,
    lorenz_curve,
    lorenz_table,
    stability_table,
    top_overlap,
    top_share,
)


# --------------------------------------------------------------------------- inputs
def test_gini_rejects_negative_counts():
    with pytest.raises(ValueError, match="finite and non-negative"):
        gini([1, -1])


def test_top_share_rejects_bad_share():
    with pytest.raises(ValueError, match=r"share needs to be in \(0, 1\]"):
        top_share([1, 2], 0)


# --------------------------------------------------------------------------- hand-worked values
def test_gini_and_generalised_gini_fewer_incidents_than_places():
    # 10 places, 8 incidents: 5, 2, 1 and seven zeros.
    # Ascending x_(i): zeros at i=1..7, 1 at i=8, 2 at i=9, 5 at i=10; n = 10.
    # sum (2i - n - 1) x_(i) = (16-11)*1 + (18-11)*2 + (20-11)*5 = 5 + 14 + 45 = 64
    # G = 64 / (n * N) = 64 / 80 = 0.8
    # G' = max(1, n/N) (G - 1) + 1 = 1.25 * (-0.2) + 1 = 0.75 (Bernasco & Steenbeek 2017)
    x = [5, 2, 1, 0, 0, 0, 0, 0, 0, 0]
    assert gini(x) == pytest.approx(0.8)
    assert generalised_gini(x) == pytest.approx(0.75)


def test_generalised_gini_equals_gini_with_more_incidents_than_places():
    # 10 places, 20 incidents: 10, 8, 2: sum = (9*10 + 7*8 + 5*2) = 156 -> 156 / 200 = 0.78
    x = [10, 8, 2, 0, 0, 0, 0, 0, 0, 0]
    assert gini(x) == pytest.approx(0.78)
    assert generalised_gini(x) == pytest.approx(0.78)


def test_generalised_gini_zero_at_maximal_equality():
    # 3 incidents in 3 different places of 10: as equal as 3 incidents can be
    x = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert gini(x) == pytest.approx(0.7)
    assert generalised_gini(x) == pytest.approx(0.0)
    assert gini([2, 2, 2, 2]) == 0.0
    assert np.isnan(gini([0, 0])) and np.isnan(generalised_gini([0, 0]))


def test_lorenz_curve_hand_worked():
    lc = lorenz_curve([1, 3, 0, 0], points=None)
    assert lc["place_share"].tolist() == [0, 0.25, 0.5, 0.75, 1.0]
    assert lc["incident_share"].tolist() == [0, 0.75, 1.0, 1.0, 1.0]
    lc5 = lorenz_curve([1, 3, 0, 0], points=5)
    assert lc5["incident_share"].tolist() == pytest.approx([0, 0.75, 1, 1, 1])
    assert lorenz_curve([0, 0]).empty


def test_top_share_hand_worked():
    x = [10, 5, 3, 1, 1, 0, 0, 0, 0, 0]  # 20 incidents in 10 places
    assert top_share(x, 0.10) == pytest.approx(0.5)  # 1 place: 10 of 20
    assert top_share(x, 0.05) == pytest.approx(0.5)  # ceil(0.5) = 1 place
    assert top_share(x, 0.25) == pytest.approx(18 / 20)  # ceil(2.5) = 3 places


def test_top_overlap_hand_worked():
    a = pd.Series([5, 4, 0, 0], index=list("abcd"))
    b = pd.Series([0, 3, 2, 0], index=list("abcd"))
    assert top_overlap(a, b, 0.5) == (2, 0.5)  # tops {a, b} then {b, c}
    assert top_overlap(pd.Series([0, 0], index=["a", "b"]), b[:2], 0.5)[0] == 0


# --------------------------------------------------------------------------- tables
def _counts():
    rows = []
    for p, vals in {"2023": [3, 1, 0, 0], "2024": [0, 2, 2, 0]}.items():
        for u, v in zip("abcd", vals, strict=True):
            rows.append((u, "hot", p, v))
    df = pd.DataFrame(rows, columns=["cell_id", "category", "period", "count"])
    hela = df.groupby(["cell_id", "category"], as_index=False)["count"].sum().assign(period="hela")
    return pd.concat([df, hela], ignore_index=True)


def test_concentration_table_schema_and_values():
    t = concentration_table(_counts(), by="cell_id", unit="grid")
    assert list(t.columns) == list(CONCENTRATION_COLUMNS)
    r = t.iloc[0]
    assert r["unit"] == "grid" and r["n_incidents"] == 8 and r["n_units"] == 4 and r["n_units_with_incidents"] == 3
    assert r["top1_share"] == pytest.approx(3 / 8)  # hela: a 3, b 3, c 2 -> one place
    assert r["gini"] == pytest.approx(gini([3, 3, 2, 0]))


def test_lorenz_and_stability_tables():
    lt = lorenz_table(_counts(), unit="grid", points=11)
    assert list(lt.columns) == list(LORENZ_COLUMNS) and len(lt) == 11
    st_ = stability_table(_counts(), by="cell_id", unit="grid", levels=(0.5,))
    assert list(st_.columns) == list(STABILITY_COLUMNS)
    r = st_.iloc[0]
    assert (r["period_from"], r["period_to"], r["n_top"], r["overlap_share"]) == ("2023", "2024", 2, 0.5)


# --------------------------------------------------------------------------- invariants
@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=60), st.randoms(use_true_random=False))
def test_gini_bounds_and_order_invariance(x, rnd):
    if sum(x) == 0:
        return
    g, gg = gini(x), generalised_gini(x)
    assert 0 <= g <= 1 and gg <= g + 1e-12 and gg >= -1e-12
    y = list(x)
    rnd.shuffle(y)
    assert gini(y) == pytest.approx(g) and generalised_gini(y) == pytest.approx(gg)
    lc = lorenz_curve(x, points=None)
    assert np.all(np.diff(lc["incident_share"]) >= -1e-12)

"""The fast paths of the disclosure step are equal to their reference paths (issue 10).

- group numbers from factorised codes (``disclosure._gid``) = pandas ``groupby(...).ngroup()``;
- rule 7b solving only the blocks touched by new hidden cells = solving every block every round;
- the bounds kept between calls (``state``) = bounds found from scratch;
- after rule 7b, full propagation pins no hidden cell, and a brute-force reader (every whole-number
  solution of a small table enumerated) pins none either.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import geolage.run.disclosure_joint as dj
from geolage.categories import ALL_CATEGORIES
from geolage.run.disclosure import _gid, _lower_bounds, _relations
from geolage.stats.rates import WHOLE_PERIOD


def district_table(n_districts: int, n_categories: int, n_years: int, seed: int) -> pd.DataFrame:
    """district × (categories + alla) × (years + hela), small Poisson counts (many under 5)."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(rng.gamma(1.0, 4.0, (n_districts, n_categories, 1)), (n_districts, n_categories, n_years))
    rows = []
    for d in range(n_districts):
        c_all = counts[d].sum(axis=0)
        for c in range(n_categories + 1):
            series = counts[d, c] if c < n_categories else c_all
            cat = f"cat{c}" if c < n_categories else ALL_CATEGORIES
            for y in range(n_years):
                rows.append((f"D{d}", cat, str(2020 + y), int(series[y])))
            rows.append((f"D{d}", cat, WHOLE_PERIOD, int(series.sum())))
    return pd.DataFrame(rows, columns=["district_id", "category", "period", "count"])


def test_gid_is_the_groupby_partition():
    df = district_table(7, 3, 4, seed=1).sample(frac=1.0, random_state=2).reset_index(drop=True)
    df.loc[3, "category"] = None  # a missing key is a group of its own
    for keys in (["district_id"], ["district_id", "category"], ["category", "period"], ["district_id", "period"]):
        ours = _gid(df, keys, {})
        ref = df.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
        pairs = set(zip(ours, ref, strict=True))
        assert len(pairs) == len(set(ours)) == len(set(ref)), keys  # one-to-one: the same groups


def _run(df: pd.DataFrame, k: int = 5, full: bool = False, monkeypatch=None) -> np.ndarray:
    values = df["count"].to_numpy(float)
    hidden = (values > 0) & (values < k)
    relations = _relations(df, "count")
    if full:  # the reference: every round solves every block from scratch
        real = dj._bounds

        def every_block(system, v, h, lower, integer, state):
            state.pop("hidden", None)
            return real(system, v, h, lower, integer, state)

        monkeypatch.setattr(dj, "_bounds", every_block)
    dj.joint_suppression(values, hidden, hidden.copy(), relations, _lower_bounds(values, False, None), k)
    return hidden


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_blocks_touched_only_equals_every_block(seed, monkeypatch):
    df = district_table(12, 5, 5, seed)
    fast = _run(df)
    full = _run(df, full=True, monkeypatch=monkeypatch)
    assert fast.sum() > ((df["count"] > 0) & (df["count"] < 5)).sum()  # rule 7b hid more than the primary cells
    np.testing.assert_array_equal(fast, full)


def test_state_between_calls_equals_from_scratch():
    df = district_table(10, 4, 5, seed=6)
    values = df["count"].to_numpy(float)
    relations = _relations(df, "count")
    lower = _lower_bounds(values, False, None)
    first = (values > 0) & (values < 5)
    state: dict = {}
    dj.joint_suppression(values, first, first.copy(), relations, lower, 5, state=state)
    rng = np.random.default_rng(7)
    more = first | (rng.random(len(values)) < 0.05)  # more cells hidden elsewhere (a linked table)
    again, scratch = more.copy(), more.copy()
    dj.joint_suppression(values, again, again.copy(), relations, lower, 5, state=state)
    dj.joint_suppression(values, scratch, scratch.copy(), relations, lower, 5)
    np.testing.assert_array_equal(again, scratch)


def _brute_pinned(values: np.ndarray, hidden: np.ndarray, relations, lower: np.ndarray, top: int) -> list[int]:
    """Hidden cells with one value over all whole-number solutions in [lower, top] (every combination tried)."""
    idx = np.flatnonzero(hidden)
    rows = []
    for g, r, c, n in dj._usable(values, relations):  # one row of A per sum: A x = 0
        a = np.zeros((n, len(values)))
        np.add.at(a, (g, r), c)
        rows.append(a[np.abs(a).sum(axis=1) > 0])
    a = np.vstack(rows)
    combos = np.array(list(itertools.product(*[range(int(lower[i]), top + 1) for i in idx])), dtype=float)
    x = np.tile(values, (len(combos), 1))
    x[:, idx] = combos
    ok = np.all(np.abs(x @ a.T) < 1e-9, axis=1)
    assert ok.any()  # the true values are a solution
    return [int(i) for j, i in enumerate(idx) if len(np.unique(combos[ok, j])) < 2]


def test_nothing_pinned_after_rule_7b_by_brute_force():
    """2 districts × 2 categories × 2 years (+ alla, hela): every solution enumerated, none pins a hidden cell."""
    df = district_table(1, 2, 2, seed=0)
    df["count"] = [3, 9, 12, 6, 7, 13, 9, 16, 25]  # cat0: 3 + 9; cat1: 6 + 7; alla: 9 + 16
    values = df["count"].to_numpy(float)
    relations = _relations(df, "count")
    lower = _lower_bounds(values, False, None)
    before = (values > 0) & (values < 5)
    assert _brute_pinned(values, before, relations, lower, 25) == [0]  # the 3 alone is pinned
    hidden = before.copy()
    dj.joint_suppression(values, hidden, hidden.copy(), relations, lower, 5)
    assert hidden.sum() == 4  # a rectangle: the 3, the 6 below it, the 7 beside that and the 9 that closes it
    assert sorted(values[hidden]) == [3, 6, 7, 9]
    assert _brute_pinned(values, hidden, relations, lower, 25) == []


def _rule7_reference(df: pd.DataFrame, k: int) -> np.ndarray:
    """Rule 7 as it was before the skip: every sum checked again every round until nothing changes."""
    from geolage.run.disclosure_interval import _complete

    values = df["count"].to_numpy(float)
    hidden = (values > 0) & (values < k)
    primary, protect = hidden.copy(), hidden.copy()
    lower = _lower_bounds(values, False, None)
    integer = bool(np.allclose(values, np.round(values)))
    for _ in range(10):
        n = int(hidden.sum())
        for gid, is_total, is_part in _relations(df, "count"):
            protect |= hidden
            _complete((values, integer), hidden, (primary, protect), gid, is_total, is_part, k, lower)
        if int(hidden.sum()) == n:
            break
    return hidden


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_rule7_skipping_safe_sums_equals_checking_all(seed):
    """complementary_suppression skips a sum whose hidden cells did not change since it was made safe: same cells."""
    from geolage.run.disclosure import complementary_suppression

    df = district_table(15, 5, 4, seed)
    mask = pd.Series((df["count"] > 0) & (df["count"] < 5))
    complementary_suppression(df, "count", mask, 5, joint=False)
    ref = _rule7_reference(df, 5)
    assert ref.sum() > ((df["count"] > 0) & (df["count"] < 5)).sum()  # rule 7 hid more than the primary cells
    np.testing.assert_array_equal(mask.to_numpy(), ref)


def _matched_period_reference(d: pd.DataFrame, rates: pd.DataFrame) -> str | None:
    """The period look-up as it was: one index per period."""
    own = pd.Series(pd.to_numeric(d["count"], errors="coerce").to_numpy(float),
                    index=pd.MultiIndex.from_arrays([d["district_id"].astype(str), d["category"].astype(str)]))
    own = own[~own.index.duplicated()].dropna()
    periods = list(dict.fromkeys([WHOLE_PERIOD, *sorted(rates["period"].astype(str).unique(), reverse=True)]))
    for period in periods:
        rows = rates[rates["period"].astype(str) == period]
        ref = pd.Series(pd.to_numeric(rows["count"], errors="coerce").to_numpy(float),
                        index=pd.MultiIndex.from_arrays([rows["district_id"].astype(str),
                                                         rows["category"].astype(str)]))
        both = ref.reindex(own.index)
        if both.notna().any() and bool((both[both.notna()] == own[both.notna()]).all()):
            return period
    return None


def test_matched_period_equals_the_loop_over_periods():
    from geolage.run.disclosure_across import _matched_period
    from geolage.run.results import Table

    rates = district_table(6, 3, 4, seed=21)
    rates.loc[5, "count"] = np.nan  # a missing count is compared with nothing
    tables = {"rates_district": Table("rates_district", rates, {"sv": "r"}, count_columns=("count",))}
    cases = []
    for period in ("2021", WHOLE_PERIOD, "2023"):
        own = rates[rates["period"] == period][["district_id", "category", "count"]].reset_index(drop=True)
        cases.append(own)
        changed = own.copy()
        changed.loc[2, "count"] += 1  # one count differs: no period matches all
        cases.append(changed)
    cases.append(cases[0].assign(district_id="X"))  # nothing to compare
    found = [_matched_period(c, tables) for c in cases]
    assert found == [_matched_period_reference(c, rates) for c in cases]
    assert found[0] == "2021" and found[2] == WHOLE_PERIOD and found[1] is None and found[-1] is None

"""Tests of geolage.stats.nearrepeat (knox, knox_summary) and add_near_repeat."""

from __future__ import annotations

import datetime as dt
import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geolage.config import config_from_dict
from geolage.run.results import RunResults
from geolage.run.steps.near_repeat import add_near_repeat
from geolage.stats.nearrepeat import KNOX_COLUMNS, KnoxResult, knox
from geolage.text.nearrepeat import knox_summary

CRS = "EPSG:3006"
X0, Y0 = 370_000.0, 6_400_000.0


def planted(n0: int = 1200, chains: int = 250, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random burglaries over 8 km × 8 km and two years, plus follow-ups within 150 m and 10 days."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform([X0, Y0], [X0 + 8000, Y0 + 8000], size=(n0, 2))
    t = rng.uniform(0, 730, n0)
    src = rng.integers(0, n0, chains)
    ang = rng.uniform(0, 2 * np.pi, chains)
    r = 150 * np.sqrt(rng.uniform(0, 1, chains))
    xy2 = xy[src] + np.column_stack([r * np.cos(ang), r * np.sin(ang)])
    t2 = t[src] + rng.uniform(0, 10, chains)
    return np.vstack([xy, xy2]), np.concatenate([t, t2])


def brute_force(xy, t, d_edges, t_edges, same_location=False):
    """The full Knox table (open last bands included) from every pair, one at a time."""
    d_up = [*d_edges[1:], np.inf]
    t_up = [*t_edges[1:], np.inf]
    d_rows = [(0.0, 0.0)] if same_location else []
    d_rows += [(a, b) for a, b in zip(d_edges, d_up)]
    out = np.zeros((len(d_rows), len(t_up)), dtype=int)
    for i, j in itertools.combinations(range(len(xy)), 2):
        d = np.hypot(*(xy[i] - xy[j]))
        dt_ = abs(t[i] - t[j])
        if same_location and d == 0:
            a = [0]
        else:
            a = [k for k, (lo, hi) in enumerate(d_rows) if lo <= d < hi and not (same_location and k > 0 and d == 0)]
        b = [k for k in range(len(t_up)) if t_edges[k] <= dt_ < t_up[k]]
        if a and b:
            out[a[0], b[0]] += 1
    return out


def brute_force_expected(xy, t, d_edges, t_edges):
    """Expected counts as the mean over every permutation of the times (tiny n only)."""
    return np.mean([brute_force(xy, t[list(p)], d_edges, t_edges) for p in itertools.permutations(range(len(t)))],
                   axis=0)


# --------------------------------------------------------------------------- inputs
@pytest.mark.parametrize("bands", [(0,), (100, 0), (0, 100, 100), (-5, 10)])
def test_bad_distance_bands_raise(bands):
    with pytest.raises(ValueError, match="distance_bands need to be at least two increasing"):
        knox(np.zeros((3, 2)), [0, 1, 2], distance_bands=bands)


def test_bad_time_bands_raise():
    with pytest.raises(ValueError, match="time_bands need to be at least two increasing"):
        knox(np.zeros((3, 2)), [0, 1, 2], time_bands=(7, 0))


@pytest.mark.parametrize("perms", [0, -1, 2.5, True])
def test_bad_permutations_raise(perms):
    with pytest.raises(ValueError, match="permutations needs to be a whole number"):
        knox(np.zeros((3, 2)), [0, 1, 2], permutations=perms)


def test_too_few_events_raise():
    with pytest.raises(ValueError, match="at least 2 events; got 1"):
        knox(np.zeros((1, 2)), [0])


def test_missing_times_give_count_and_first_row():
    df = pd.DataFrame({"x": [0.0, 1, 2, 3], "y": [0.0, 0, 0, 0],
                       "time": pd.to_datetime(["2024-01-01", None, "2024-01-03", None])})
    with pytest.raises(ValueError, match=r"2 of 4 events .*first: row 1"):
        knox(df)


def test_times_of_wrong_length_raise():
    with pytest.raises(ValueError, match="one value per event"):
        knox(np.zeros((3, 2)), [0, 1])


def test_no_time_column_raises():
    with pytest.raises(ValueError, match="'time' column"):
        knox(pd.DataFrame({"x": [0.0, 1], "y": [0.0, 1]}))


def test_geographic_crs_raises():
    g = gpd.GeoDataFrame({"time": [0.0, 1.0]}, geometry=gpd.points_from_xy([12.9, 12.91], [57.7, 57.7]),
                         crs="EPSG:4326")
    with pytest.raises(ValueError, match="projected CRS"):
        knox(g)


def test_same_location_needs_bands_from_zero():
    with pytest.raises(ValueError, match="same_location needs distance_bands starting at 0"):
        knox(np.zeros((3, 2)), [0, 1, 2], distance_bands=(50, 100), same_location=True)


# --------------------------------------------------------------------------- outputs
def test_hand_worked_four_events_including_band_edges():
    # A-B are exactly 100 m apart (-> [100, 200)); A-C exactly 7 days apart (-> [7, 14));
    # B-C 67 m and 2 days; D is more than 200 m from everyone.
    xy = np.array([[0.0, 0.0], [60.0, 80.0], [0.0, 50.0], [0.0, 300.0]])
    t = np.array([0.0, 5.0, 7.0, 1.0])
    res = knox(xy, t, distance_bands=(0, 100, 200), time_bands=(0, 7, 14), permutations=99, seed=1, quiet=True)
    assert isinstance(res, KnoxResult)
    obs = res.table["observed"].to_numpy().reshape(3, 3)
    np.testing.assert_array_equal(obs[:2, :2], [[1, 1], [1, 0]])
    np.testing.assert_array_equal(obs[2], [3, 0, 0])  # >= 200 m: A-D 1 day, B-D 4 days, C-D 6 days
    np.testing.assert_array_equal(obs, brute_force(xy, t, (0, 100, 200), (0, 7, 14)))
    assert res.parameters["n_pairs"] == 3  # pairs within 200 m


def test_counts_match_brute_force_on_random_data():
    rng = np.random.default_rng(11)
    xy = rng.uniform(0, 600, size=(60, 2))
    t = rng.integers(0, 60, 60).astype(float)  # whole days: many ties on band edges
    d_edges, t_edges = (0, 50, 120, 250), (2, 7, 14, 30)
    res = knox(xy, t, distance_bands=d_edges, time_bands=t_edges, permutations=9, seed=0, quiet=True)
    np.testing.assert_array_equal(res.table["observed"].to_numpy().reshape(4, 4),
                                  brute_force(xy, t, d_edges, t_edges))


@pytest.mark.parametrize("d_edges, t_edges", [((0, 100), (0, 7, 21)), ((20, 100, 600), (3, 7, 21))])
def test_expected_is_exactly_the_mean_over_all_permutations(d_edges, t_edges):
    xy = np.array([[0.0, 0.0], [30.0, 0.0], [500.0, 0.0], [530.0, 0.0], [0.0, 40.0], [10.0, 5.0], [900.0, 0.0]])
    t = np.array([0.0, 2.0, 10.0, 30.0, 50.0, 51.0, 8.0])
    exact = brute_force_expected(xy, t, d_edges, t_edges)  # 5,040 permutations
    res = knox(xy, t, distance_bands=d_edges, time_bands=t_edges, permutations=9, seed=2, quiet=True)
    shape = (len(d_edges), len(t_edges))
    np.testing.assert_allclose(res.table["expected"].to_numpy().reshape(shape), exact, rtol=1e-12, atol=0)
    # and equal to row total x column total / pairs, the totals counted pair by pair
    n_all = len(t) * (len(t) - 1) // 2
    pairs = list(itertools.combinations(range(len(t)), 2))
    d = np.array([np.hypot(*(xy[i] - xy[j])) for i, j in pairs])
    dt_ = np.array([abs(t[i] - t[j]) for i, j in pairs])
    d_up, t_up = [*d_edges[1:], np.inf], [*t_edges[1:], np.inf]
    rows = [((d >= a) & (d < b)).sum() for a, b in zip(d_edges, d_up)]
    cols = [((dt_ >= a) & (dt_ < b)).sum() for a, b in zip(t_edges, t_up)]
    np.testing.assert_allclose(res.table["expected"].to_numpy().reshape(shape), np.outer(rows, cols) / n_all,
                               rtol=1e-12, atol=0)


def test_table_schema_labels_and_intervals():
    xy, t = planted(300, 20)
    res = knox(xy, t, permutations=19, seed=1, quiet=True)
    assert tuple(res.table.columns) == KNOX_COLUMNS
    assert len(res.table) == 25  # 4 bands and an open one, each way
    first = res.table.iloc[0]
    assert first["distance_band"] == "0–100 m" and first["time_band"] == "0–7 d"
    assert first["distance_interval"] == "[0, 100)" and first["time_interval"] == "[0, 7)"
    closed = res.table.iloc[18]
    assert closed["distance_interval"] == "[400, 800)" and closed["time_interval"] == "[21, 28)"
    last = res.table.iloc[-1]
    assert last["distance_band"] == "≥ 800 m" and last["time_band"] == "≥ 28 d"
    assert last["distance_interval"] == "[800, ∞)" and last["time_interval"] == "[28, ∞)"
    assert last["distance_to"] == np.inf and last["time_to"] == np.inf
    n = len(t)
    assert res.table["observed"].sum() == n * (n - 1) // 2  # bands from 0 and open: every pair once
    np.testing.assert_allclose(res.table["expected"].sum(), n * (n - 1) // 2, rtol=1e-12)
    assert res.table["p_value"].between(1 / 20, 1).all()
    assert (res.table["observed"] >= 0).all() and res.table["observed"].dtype.kind == "i"


def test_same_location_band():
    xy = np.array([[0.0, 0.0], [0.0, 0.0], [50.0, 0.0], [0.0, 0.0]])
    t = np.array([0.0, 3.0, 4.0, 20.0])
    res = knox(xy, t, distance_bands=(0, 100), time_bands=(0, 7, 28), permutations=9, seed=0,
               same_location=True, quiet=True)
    tab = res.table
    assert list(tab["distance_interval"].unique()) == ["[0, 0]", "(0, 100)", "[100, ∞)"]
    assert list(tab["distance_band"].unique()) == ["0 m", "0–100 m", "≥ 100 m"]
    obs = tab["observed"].to_numpy().reshape(3, 3)
    # same place: (0,1) dt 3, (0,3) dt 20, (1,3) dt 17; 50 m: (0,2) dt 4, (1,2) dt 1, (2,3) dt 16
    np.testing.assert_array_equal(obs[:2, :2], [[1, 2], [2, 1]])
    np.testing.assert_array_equal(obs, brute_force(xy, t, (0, 100), (0, 7, 28), same_location=True))


def test_p_value_and_ratio_follow_their_definitions():
    xy, t = planted(400, 40, seed=3)
    res = knox(xy, t, permutations=99, seed=5, quiet=True)
    pc = res.permutation_counts
    assert pc.shape == (99, 5, 5)
    obs = res.table["observed"].to_numpy().reshape(5, 5)
    p = (1 + (pc >= obs).sum(axis=0)) / 100
    np.testing.assert_allclose(res.table["p_value"].to_numpy().reshape(5, 5), p)
    np.testing.assert_allclose(res.table["ratio"], res.table["observed"] / res.table["expected"])
    # a permutation keeps every row and column total
    np.testing.assert_array_equal(pc.sum(axis=2), np.broadcast_to(obs.sum(axis=1), (99, 5)))
    np.testing.assert_array_equal(pc.sum(axis=1), np.broadcast_to(obs.sum(axis=0), (99, 5)))
    # the Monte Carlo mean is close to the exact expected count (sd of a mean of 99)
    exp_ = res.table["expected"].to_numpy().reshape(5, 5)
    se = pc.std(axis=0) / np.sqrt(99)
    assert (np.abs(pc.mean(axis=0) - exp_) <= 4 * se + 1e-9).all()


def test_seed_makes_results_reproducible():
    xy, t = planted(300, 30)
    a = knox(xy, t, permutations=49, seed=7, quiet=True)
    b = knox(xy, t, permutations=49, seed=7, quiet=True)
    c = knox(xy, t, permutations=49, seed=8, quiet=True)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert not np.array_equal(a.permutation_counts, c.permutation_counts)
    assert a.parameters["seed"] == 7


def test_datetimes_and_day_numbers_agree():
    xy, t = planted(300, 30)
    times = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.round(t * 86400), unit="s")
    df = gpd.GeoDataFrame({"time": times}, geometry=gpd.points_from_xy(*xy.T), crs=CRS)
    a = knox(df, permutations=19, seed=1, quiet=True)
    b = knox(xy, t, permutations=19, seed=1, quiet=True)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_finds_planted_near_repeats():
    xy, t = planted()
    res = knox(xy, t, permutations=999, seed=1, category="inbrott_bostad", quiet=True)
    near = res.table.iloc[0]  # [0, 100) m, [0, 7) days
    assert near["ratio"] > 1.5 and near["p_value"] < 0.01
    tab = res.table
    far = tab[(tab["distance_from"] >= 400) & np.isfinite(tab["distance_to"]) & np.isfinite(tab["time_to"])]
    assert len(far) == 4 and (far["p_value"] > 0.01).all()  # nothing planted beyond 150 m
    summary = knox_summary(res, category="inbrott_bostad")
    sv = summary["sv"]
    assert sv.startswith("Inom ") and "efter ett inbrott är risken för ett nytt inbrott" in sv
    assert "gånger högre än väntat" in sv and "," in sv.split("risken")[1]  # decimal comma
    assert summary["en"].startswith("Within ") and "times higher than expected" in summary["en"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_near_repeats_when_times_are_shuffled(seed):
    xy, t = planted(seed=seed)
    t = np.random.default_rng(100 + seed).permutation(t)
    res = knox(xy, t, permutations=999, seed=seed, category="inbrott_bostad", quiet=True)
    assert (res.table["p_value"] < 0.01).sum() <= 1  # 25 band pairs: at most chance
    assert res.table.iloc[0]["ratio"] < 1.5
    # the summary follows the zone: no raised risk exactly when the nearest band pair is not significant
    zone_found = res.table.iloc[0]["p_value"] < 0.05 and res.table.iloc[0]["ratio"] > 1
    no_risk = knox_summary(res, category="inbrott_bostad")["sv"].startswith("Knox-testet visar ingen förhöjd risk")
    assert no_risk is not zone_found


# --------------------------------------------------------------------------- step
def _results(xy, t, category="inbrott_bostad") -> RunResults:
    cfg = config_from_dict(
        {
            "project": {"name": "T", "seed": 3},
            "districts": {"path": "d.gpkg", "id_field": "id", "name_field": "name"},
            "sources": [{"name": "p", "path": "p.csv", "columns": {"category": "k", "x": "x", "y": "y",
                                                                     "datetime": "t"},
                         "categories": {"1": "misshandel", "2": "inbrott_bostad"}}],
            "periods": {"start": dt.date(2023, 1, 1), "end": dt.date(2024, 12, 31)},
            "near_repeat": {"permutations": 199},
        },
        check_files=False,
    )
    times = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.round(np.asarray(t) * 86400), unit="s")
    inc = gpd.GeoDataFrame({"category": category, "time": times, "x": xy[:, 0], "y": xy[:, 1]},
                           geometry=gpd.points_from_xy(*xy.T), crs=CRS)
    area = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 8000, Y0 + 8000)], crs=CRS)
    return RunResults(config=cfg, incidents=inc, rejects=pd.DataFrame(), districts=gpd.GeoDataFrame(),
                      grid=gpd.GeoDataFrame(), study_area=area)


def test_add_near_repeat_adds_table_and_parameters():
    xy, t = planted(600, 120)
    r = _results(xy, t)
    add_near_repeat(r)
    tab = r.tables["near_repeat"]
    assert list(tab.data.columns) == ["category", *KNOX_COLUMNS]
    assert (tab.data["category"] == "inbrott_bostad").all()
    assert tab.count_columns == ("observed",)
    assert tab.description["sv"].startswith("Inom ")
    p = r.parameters["near_repeat"]
    assert p["seed"] == 3 and p["permutations"] == 199 and p["n_events"] == 720
    assert p["summary"] == tab.description[r.config.project.language]


def test_add_near_repeat_with_too_few_events():
    r = _results(np.array([[X0, Y0]]), [0.0])
    add_near_repeat(r)
    tab = r.tables["near_repeat"]
    assert len(tab.data) == 0 and list(tab.data.columns) == ["category", *KNOX_COLUMNS]
    assert "För få" in tab.description["sv"]


def test_summary_zone_is_the_largest_all_significant_block():
    res = knox(np.zeros((3, 2)), [0.0, 1.0, 2.0], permutations=99, seed=0, quiet=True)  # 4 × 4 bands
    sig = np.zeros((5, 5), dtype=bool)  # 4 bands and the open one, each way
    sig[:2, :2] = True  # 0–200 m × 0–14 days
    sig[2, 0] = True  # 200–400 m × 0–7 days, but not 7–14 days: the block stops at 200 m
    sig[4, :] = sig[:, 4] = True  # the open bands are never part of the zone
    obs = np.where(sig, 30, 10)
    res.permutation_counts = np.full((99, 5, 5), 10)
    res.table["observed"] = obs.ravel()
    res.table["expected"] = 10.0
    res.table["ratio"] = obs.ravel() / 10
    res.table["p_value"] = np.where(sig, 0.01, 1.0).ravel()
    summary = knox_summary(res, category="inbrott_bostad")
    assert summary["sv"] == (
        "Inom 200 m och 14 dagar efter ett inbrott är risken för ett nytt inbrott 3,0 gånger högre än väntat "
        "(Knox-test: 120 par mot väntat 40,0, p = 0,010)."
    )
    assert summary["en"].startswith("Within 200 m and 14 days of a burglary, the risk of another burglary is 3.0")
    res.table["p_value"] = 1.0
    assert knox_summary(res)["sv"].startswith("Knox-testet visar ingen förhöjd risk för ett nytt brott")

"""Knox: the streamed pair search equals a brute-force reference, and imprecise data are refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import geolage.stats.knox_pairs as nr
from geolage.config import config_from_dict
from geolage.run.results import RunResults
from geolage.run.steps.near_repeat import add_near_repeat
from geolage.stats.nearrepeat import KnoxPrecisionError, data_precision, knox
from geolage.text.nearrepeat import knox_refusal

REAL = Path(__file__).resolve().parent.parent / "data" / "real_world"
CRS = "EPSG:3006"
X0, Y0 = 370_000.0, 6_400_000.0


def brute_table(xy: np.ndarray, t_sec: np.ndarray, d_edges, t_edges) -> np.ndarray:
    """The full Knox table (open last bands) from the n × n matrices of distances and time differences."""
    i, j = np.triu_indices(len(xy), k=1)
    d = np.hypot(xy[i, 0] - xy[j, 0], xy[i, 1] - xy[j, 1])
    dt_ = np.abs(t_sec[i].astype(np.int64) - t_sec[j]) / 86_400
    d_up, t_up = np.r_[d_edges[1:], np.inf], np.r_[t_edges[1:], np.inf]
    out = np.zeros((len(d_up), len(t_up)), dtype=np.int64)
    for a, (lo, hi) in enumerate(zip(d_edges, d_up)):
        for b, (tlo, thi) in enumerate(zip(t_edges, t_up)):
            out[a, b] = np.count_nonzero((d >= lo) & (d < hi) & (dt_ >= tlo) & (dt_ < thi))
    return out


def events(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform([X0, Y0], [X0 + 3000, Y0 + 3000], size=(n, 2))
    xy[: n // 10] = np.round(xy[: n // 10], -1)  # some on 10 m (distances exactly on band edges)
    xy[n // 10 : n // 5] = xy[: n // 10]  # repeats at the same place
    t = rng.integers(0, 400, n).astype(float)  # whole days: ties on the time edges
    return xy, t


@pytest.mark.parametrize("streamed", [False, True])
def test_observed_and_every_permutation_equal_brute_force(monkeypatch, streamed):
    if streamed:  # many strips, the pairs not kept, permutations in chunks of 3, candidates in pieces of 50
        monkeypatch.setattr(nr, "_strip_size", lambda xy, r: 37)
        monkeypatch.setattr(nr, "_CACHE_PAIRS", 0)
        monkeypatch.setattr(nr, "_FIND_BELOW", 0)
        monkeypatch.setattr(nr, "_PERM_ELEMENTS", 3 * 400)
        monkeypatch.setattr(nr, "_CANDIDATES", 50)
    xy, t = events(400, 1)
    d_edges, t_edges = np.array([0.0, 100, 250, 500]), np.array([0.0, 7, 14, 30])
    res = knox(xy, t, distance_bands=d_edges, time_bands=t_edges, permutations=30, seed=4, quiet=True,
               check_precision=False)
    assert res.parameters["pairs_streamed"] is streamed
    t_sec = np.round(t * 86_400).astype(np.int64)
    np.testing.assert_array_equal(res.table["observed"].to_numpy().reshape(4, 4),
                                  brute_table(xy, t_sec, d_edges, t_edges))
    # the same permutations, drawn as knox draws them (one chunk of 30), counted by brute force
    perms = np.random.default_rng(4).permuted(np.broadcast_to(t_sec, (30, len(t))), axis=1)
    for k in range(30):
        np.testing.assert_array_equal(res.permutation_counts[k], brute_table(xy, perms[k], d_edges, t_edges))


@pytest.mark.parametrize("streamed", [False, True])
def test_first_edges_above_zero_and_same_location_equal_brute_force(monkeypatch, streamed):
    monkeypatch.setattr(nr, "_strip_size", lambda xy, r: 50)
    monkeypatch.setattr(nr, "_CACHE_PAIRS", 0 if streamed else nr._CACHE_PAIRS)
    xy, t = events(300, 2)
    d_edges, t_edges = np.array([20.0, 150, 400]), np.array([3.0, 10, 40])
    res = knox(xy, t, distance_bands=d_edges, time_bands=t_edges, permutations=5, seed=0, quiet=True,
               check_precision=False)
    t_sec = np.round(t * 86_400).astype(np.int64)
    np.testing.assert_array_equal(res.table["observed"].to_numpy().reshape(3, 3),
                                  brute_table(xy, t_sec, d_edges, t_edges))
    same = knox(xy, t, distance_bands=(0, 150, 400), time_bands=(0, 10), permutations=5, seed=0, quiet=True,
                same_location=True, check_precision=False)
    obs = same.table["observed"].to_numpy().reshape(4, 2)
    ref = brute_table(xy, t_sec, np.array([0.0, 150, 400]), np.array([0.0, 10]))
    i, j = np.triu_indices(len(xy), k=1)
    at_same = np.hypot(*(xy[i] - xy[j]).T) == 0
    close_t = np.abs(t[i] - t[j]) < 10
    np.testing.assert_array_equal(obs[0], [np.sum(at_same & close_t), np.sum(at_same & ~close_t)])
    np.testing.assert_array_equal(obs[1] + obs[0], ref[0])
    np.testing.assert_array_equal(obs[2:], ref[1:])


def test_sparse_cells_and_coarse_time_bins_equal_brute_force(monkeypatch):
    """Events over 300 km (many cells, few events each): the time bins are coarsened, the counts stay exact."""
    monkeypatch.setattr(nr, "_CACHE_PAIRS", 0)
    monkeypatch.setattr(nr, "_FIND_BELOW", 0)  # row totals from the dual-tree counts
    rng = np.random.default_rng(9)
    centres = rng.uniform([X0, Y0], [X0 + 300_000, Y0 + 300_000], size=(60, 2))
    xy = centres[rng.integers(0, 60, 500)] + rng.normal(0, 300, (500, 2))
    t = rng.integers(0, 3000, 500) + rng.integers(0, 86_400, 500) / 86_400  # 8 years, to the second
    d_edges, t_edges = np.array([0.0, 200, 600]), np.array([0.0, 5, 20])
    res = knox(xy, t, distance_bands=d_edges, time_bands=t_edges, permutations=8, seed=3, quiet=True,
               check_precision=False)
    t_sec = np.round(t * 86_400).astype(np.int64)
    counter = nr._TimeCloseCounter(xy, nr._PairBands(xy, d_edges, t_edges, False), int(t_sec.max()))
    assert counter.bin_width > t_edges[-1] * 86_400 / 2  # coarser than half the last time edge
    np.testing.assert_array_equal(res.table["observed"].to_numpy().reshape(3, 3),
                                  brute_table(xy, t_sec, d_edges, t_edges))
    perms = np.random.default_rng(3).permuted(np.broadcast_to(t_sec, (8, len(t))), axis=1)
    for k in range(8):
        np.testing.assert_array_equal(res.permutation_counts[k], brute_table(xy, perms[k], d_edges, t_edges))


@pytest.mark.parametrize("same_location", [False, True])
def test_counted_rows_equal_the_pairs_found(same_location):
    """Dual-tree row counts (no pair formed) equal the strip search, also with distances exactly on the edges."""
    rng = np.random.default_rng(12)
    xy = np.round(rng.uniform([X0, Y0], [X0 + 2000, Y0 + 2000], size=(600, 2)), -1)  # 10 m: many exact edges
    xy[:50] = xy[50:100]  # same places
    d_edges = np.array([0.0, 100, 250, 500])
    nd = len(d_edges) - 1 + same_location
    found = nr._PairBands(xy, d_edges, np.array([0.0, 7]), same_location).row_counts
    i, j = np.triu_indices(len(xy), k=1)
    d = np.hypot(xy[i, 0] - xy[j, 0], xy[i, 1] - xy[j, 1])
    assert np.sum(np.isin(d, d_edges[1:])) > 100  # the test has pairs exactly on the edges
    np.testing.assert_array_equal(nr._counted_rows(xy, d_edges, same_location, nd), found)
    assert found[: nd].sum() == np.sum(d < 500)
    off = xy + 0.5  # half metres: pairs exactly on an edge cannot be told from the k-d tree's rounding
    assert nr._counted_rows(off, d_edges, same_location, nd) is None
    jittered = off + rng.uniform(0, 0.1, off.shape)  # no pair near an edge: counted, equal to the strip search
    jittered[:50] = jittered[50:100]
    np.testing.assert_array_equal(nr._counted_rows(jittered, d_edges, same_location, nd),
                                  nr._PairBands(jittered, d_edges, np.array([0.0, 7]), same_location).row_counts)


# --------------------------------------------------------------------------- precision
def test_month_only_dates_are_refused():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 5000, size=(200, 2))
    months = pd.to_datetime([f"2017-{m:02d}-01" for m in rng.integers(1, 13, 200)])
    with pytest.raises(KnoxPrecisionError, match=r"time precision of the data \(month.*smallest time band \(7 days\)"):
        knox(xy, months, permutations=9, seed=0, quiet=True)
    p = data_precision(xy, months)
    assert (p.time_unit, p.time_days) == ("month", 28.0)
    # wide enough bands are allowed: the test runs
    res = knox(xy, months, time_bands=(0, 31, 62), permutations=9, seed=0, quiet=True)
    assert res.parameters["precision"]["time_unit"] == "month"


def test_exact_dates_and_coordinates_pass():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 5000, size=(200, 2))
    days = pd.Timestamp("2017-01-01") + pd.to_timedelta(rng.integers(0, 365, 200), unit="D")
    p = data_precision(xy, days)
    assert (p.time_unit, p.time_days, p.space_unit, p.space_m) == ("day", 1.0, "exact", 0.0)
    clock = days + pd.to_timedelta(rng.integers(0, 86_400, 200), unit="s")
    assert data_precision(xy, clock).time_unit == "exact"
    knox(xy, days, permutations=9, seed=0, quiet=True)  # no error


def test_wide_time_windows_are_refused():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 5000, size=(100, 2))
    t = rng.uniform(0, 365, 100)
    with pytest.raises(KnoxPrecisionError, match="window"):
        knox(xy, t, time_windows=np.full(100, 30.0), permutations=9, seed=0, quiet=True)
    knox(xy, t, time_windows=np.full(100, 2.0), permutations=9, seed=0, quiet=True)  # 2 days < 7: runs


def test_coarse_lattice_and_snap_points_are_refused():
    rng = np.random.default_rng(2)
    t = rng.uniform(0, 365, 300)
    lattice = X0 + 125 + 250 * rng.integers(0, 40, size=(300, 2)).astype(float)  # 250 m cell centres
    with pytest.raises(KnoxPrecisionError, match=r"space precision of the data \(lattice, about 250 m\)"):
        knox(lattice, t, permutations=9, seed=0, quiet=True)
    snaps = rng.uniform(0, 10_000, size=(60, 2))  # 60 map points ~ 600 m apart, 300 events on them
    xy = snaps[rng.integers(0, 60, 300)]
    p = data_precision(xy, t)
    assert p.space_unit == "snapped" and p.space_m > 300
    with pytest.raises(KnoxPrecisionError, match="snapped"):
        knox(xy, t, permutations=9, seed=0, quiet=True)
    fine = xy + rng.normal(0, 5, size=xy.shape)  # the same places with exact coordinates
    assert data_precision(fine, t).space_unit == "exact"


def test_a_few_events_never_look_coarse():
    xy = np.array([[0.0, 0.0], [1000.0, 0.0], [0.0, 1000.0]])
    p = data_precision(xy, pd.to_datetime(["2017-01-01", "2017-02-01", "2017-03-01"]))
    assert (p.time_unit, p.space_unit) == ("day", "exact")


def test_manchester_police_uk_is_refused_not_a_spurious_result():
    """police.uk: month-only dates (and snapped points); the Knox test must refuse, not report 1.39×."""
    d = pd.read_csv(REAL / "manchester" / "manchester_burglary_2017.csv")
    times = pd.to_datetime(d["month"], format="%Y-%m")
    with pytest.raises(KnoxPrecisionError) as err:
        knox(d[["x", "y"]].to_numpy(float), times, permutations=9, seed=0, quiet=True)
    assert (err.value.kind, err.value.unit, err.value.band) == ("time", "month", 7.0)
    p = data_precision(d[["x", "y"]].to_numpy(float), times)
    assert p.space_unit == "snapped"  # 81 % of the burglaries share a snap point
    # the same data as geolage reads them: each incident a window of its month (time = the middle)
    t_from = times
    t_to = times + pd.offsets.MonthEnd(0) + pd.Timedelta(hours=23, minutes=59, seconds=59)
    frame = pd.DataFrame({"x": d["x"], "y": d["y"], "time": t_from + (t_to - t_from) / 2,
                          "time_from": t_from, "time_to": t_to})
    with pytest.raises(KnoxPrecisionError, match="window"):
        knox(frame, permutations=9, seed=0, quiet=True)
    text = knox_refusal(err.value, category="burglary")
    assert text["sv"].startswith("Knox-testet gjordes inte: händelsernas tider anges bara per månad (minst 28 dagar)")
    assert text["en"].startswith("The Knox test was not run: the incidents' times are given by month only")
    assert "skenbart" in text["sv"] and "spurious" in text["en"]


def test_step_records_the_refusal():
    cfg = config_from_dict(
        {
            "project": {"name": "T", "seed": 3, "language": "en"},
            "districts": {"path": "d.gpkg", "id_field": "id", "name_field": "name"},
            "sources": [{"name": "p", "path": "p.csv", "columns": {"category": "k", "x": "x", "y": "y", "date": "t"},
                         "categories": {"2": "inbrott_bostad"}}],
            "periods": {"start": dt.date(2023, 1, 1), "end": dt.date(2024, 12, 31)},
            "near_repeat": {"permutations": 19},
        },
        check_files=False,
    )
    rng = np.random.default_rng(0)
    xy = rng.uniform([X0, Y0], [X0 + 5000, Y0 + 5000], size=(150, 2))
    t_from = pd.to_datetime([f"2023-{m:02d}-01" for m in rng.integers(1, 13, 150)])
    t_to = t_from + pd.offsets.MonthEnd(0)
    inc = gpd.GeoDataFrame({"category": "inbrott_bostad", "time": t_from + (t_to - t_from) / 2,
                            "time_from": t_from, "time_to": t_to, "x": xy[:, 0], "y": xy[:, 1]},
                           geometry=gpd.points_from_xy(*xy.T), crs=CRS)
    r = RunResults(config=cfg, incidents=inc, rejects=pd.DataFrame(), districts=gpd.GeoDataFrame(),
                   grid=gpd.GeoDataFrame(),
                   study_area=gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 5000, Y0 + 5000)], crs=CRS))
    add_near_repeat(r)
    tab = r.tables["near_repeat"]
    assert len(tab.data) == 0
    assert tab.description["en"].startswith("The Knox test was not run: the incidents' times are given as time windows")
    assert tab.description["sv"].startswith("Knox-testet gjordes inte")
    p = r.parameters["near_repeat"]
    assert p["refused"] is True and p["refusal"]["kind"] == "time" and p["refusal"]["unit"] == "window"
    assert p["summary"] == tab.description[cfg.project.language]

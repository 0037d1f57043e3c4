"""Tests of geolage.stats.emerging: space-time Gi*, Mann–Kendall, ArcGIS categories, add_emerging."""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import sparse

from geolage.classes import EMERGING_CATEGORIES
from geolage.config import config_from_dict
from geolage.errors import GeolageWarning
from geolage.neighbours import grid_weights
from geolage.run.results import RunResults
from geolage.run.steps.emerging import add_emerging
from geolage.stats.emerging import (
    EMERGING_COLUMNS,
    classify_emerging,
    emerging_hotspots,
    space_time_cube,
    space_time_gistar,
)
from geolage.stats.hotspots import gistar_z
from geolage.stats.trends import mann_kendall_rows

CRS = "EPSG:3006"
X0, Y0 = 370_000, 6_400_000
YEARS = [str(y) for y in range(2016, 2026)]


def make_grid(nc: int, nr: int, size: int = 100) -> gpd.GeoDataFrame:
    """A regular grid of nc x nr cells of `size` metres."""
    c, r = np.meshgrid(np.arange(nc), np.arange(nr), indexing="ij")
    c, r = c.ravel(), r.ravel()
    x0, y0 = X0 + c * size, Y0 + r * size
    g = gpd.GeoDataFrame({"col": c, "row": r}, geometry=shapely.box(x0, y0, x0 + size, y0 + size), crs=CRS)
    g.index = pd.Index([f"{a:06d}{b:07d}" for a, b in zip(x0, y0)], name="cell_id")
    g.attrs["cell_size"] = size
    return g


def block(g: gpd.GeoDataFrame, c0: int, r0: int) -> np.ndarray:
    """Positions of the 3 x 3 cells with lower-left (c0, r0)."""
    c, r = g["col"].to_numpy(), g["row"].to_numpy()
    return np.flatnonzero((c >= c0) & (c < c0 + 3) & (r >= r0) & (r < r0 + 3))


def planted_cube(g: gpd.GeoDataFrame, seed: int = 1) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """10 yearly bins of Poisson(2) background with planted hot spots of known kind."""
    rng = np.random.default_rng(seed)
    T = len(YEARS)
    Y = rng.poisson(2.0, (len(g), T)).astype(float)
    b = {
        "persistent_hot": block(g, 3, 3),
        "new_hot": block(g, 20, 3),
        "consecutive_hot": block(g, 3, 20),
        "historical_hot": block(g, 20, 20),
        "intensifying_hot": block(g, 12, 12),
    }
    Y[b["persistent_hot"]] += 6
    Y[b["new_hot"], -1] += 10
    Y[b["consecutive_hot"], -2:] += 8
    Y[b["historical_hot"], :9] += 6
    Y[b["intensifying_hot"]] += np.linspace(3, 12, T)
    return pd.DataFrame(Y, index=g.index, columns=YEARS), b


# --------------------------------------------------------------------------- inputs
def test_cube_or_incidents_required():
    g = make_grid(4, 4)
    with pytest.raises(ValueError, match="either cube .* or incidents; got neither"):
        emerging_hotspots(g)


def test_missing_bins_reported():
    g = make_grid(4, 4)
    cube = pd.DataFrame(1.0, index=g.index[:-1], columns=YEARS)
    with pytest.raises(ValueError, match=f"1 locations have missing values, first '{g.index[-1]}'"):
        emerging_hotspots(g, cube)


def test_needs_two_steps_and_warns_on_short_cubes():
    g = make_grid(5, 5)
    y = np.arange(25.0)[:, None]
    with pytest.raises(ValueError, match="at least 2 time steps"):
        emerging_hotspots(g, pd.DataFrame(y, index=g.index, columns=["2024"]))
    with pytest.warns(GeolageWarning, match="90 %"):
        emerging_hotspots(g, pd.DataFrame(np.hstack([y, y[::-1]]), index=g.index, columns=["2024", "2025"]))


# --------------------------------------------------------------------------- outputs
def test_mann_kendall_hand_worked():
    s, _, z, p = mann_kendall_rows(np.array([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [1, 1, 2, 2, 2], [3, 3, 3, 3, 3.0]]))
    assert list(s) == [10, -10, 6, 0]
    assert z[0] == pytest.approx(9 / np.sqrt(5 * 4 * 15 / 18))
    assert z[1] == pytest.approx(-z[0])
    # ties: groups of 2 and 3 -> Var = (5*4*15 - 2*1*9 - 3*2*11) / 18
    assert z[2] == pytest.approx(5 / np.sqrt((300 - 18 - 66) / 18))
    assert z[3] == 0 and p[3] == 1


def test_space_time_gistar_equals_gistar_on_explicit_space_time_weights():
    g = make_grid(6, 5)
    rng = np.random.default_rng(2)
    T = 4
    Y = rng.poisson(3, (len(g), T)).astype(float)
    W = grid_weights(g, 150).sparse
    z, p = space_time_gistar(Y, W, time_window=1)
    # bins ordered time-major: bin (i, t) -> t * n + i; neighbours in t and t - 1
    lower = sparse.eye(T, format="csr") + sparse.eye(T, k=-1, format="csr")
    big = sparse.kron(lower, W, format="csr")
    zz, pp = gistar_z(Y.T.ravel(), big)
    np.testing.assert_allclose(z, zz.reshape(T, -1).T, atol=1e-10)
    np.testing.assert_allclose(p, pp.reshape(T, -1).T, atol=1e-12)


def test_classify_definitions():
    T = 10
    rows = {
        "new_hot": [0] * 9 + [1],
        "consecutive_hot": [0] * 7 + [1, 1, 1],
        "persistent_hot": [1] * 10,
        "historical_hot": [1] * 9 + [0],
        "sporadic_hot": [0, 1, 0, 0, 1, 0, 1, 0, 0, 1],
        "oscillating_hot": [0, -1, 0, 1, 0, 0, -1, 0, 0, 1],
        "new_cold": [0] * 9 + [-1],
        "consecutive_cold": [0] * 8 + [-1, -1],
        "persistent_cold": [-1] * 10,
        "historical_cold": [-1] * 9 + [0],
        "sporadic_cold": [-1, 0, 0, -1, 0, 0, 0, 0, 0, -1],
        "oscillating_cold": [1, 0, 0, 0, 0, 0, 0, 0, -1, -1],
        "no_pattern": [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        "oscillating_hot ": [-1, 0, 0, 0, 0, 0, 0, 0, 0, 1],  # 'new' but with a cold history
        "intensifying_hot": [1] * 10,
        "diminishing_hot": [0] + [1] * 9,
        "intensifying_cold": [-1] * 10,
        "diminishing_cold": [-1] * 10,
    }
    names = list(rows)
    sign = np.array([rows[k] for k in names], dtype=float)
    z = sign * 3.0
    sig = sign != 0
    mk_z = np.zeros(len(names))
    mk_p = np.ones(len(names))
    trend = {"intensifying_hot": 3.0, "diminishing_hot": -3.0, "intensifying_cold": -3.0, "diminishing_cold": 3.0}
    for k, v in trend.items():
        mk_z[names.index(k)] = v
        mk_p[names.index(k)] = 0.001
    out = classify_emerging(z, sig, mk_z, mk_p)
    assert dict(zip(names, out)) == {k: k.strip() for k in names}
    assert set(out) <= set(EMERGING_CATEGORIES)
    assert z.shape == (len(names), T)


def test_planted_hotspots_get_their_categories():
    g = make_grid(30, 30)
    cube, blocks = planted_cube(g)
    res = emerging_hotspots(g, cube, time_window=0)
    assert list(res.columns) == list(EMERGING_COLUMNS)
    assert res.index.equals(g.index)
    for kind, pos in blocks.items():
        assert res["emerging_category"].iloc[pos].mode()[0] == kind, kind
    params = res.attrs["parameters"]
    assert params["global_window"] == "entire cube" and params["time_window"] == 0
    assert params["n_bins"] == 10 and params["weights"]["distance"] == 200.0
    # background far from the planted spots: almost no pattern
    assert (res["emerging_category"] == "no_pattern").mean() > 0.8


def test_time_window_one_keeps_persistent_new_and_consecutive():
    g = make_grid(30, 30)
    cube, blocks = planted_cube(g)
    res = emerging_hotspots(g, cube, time_window=1)
    for kind in ("persistent_hot", "new_hot", "consecutive_hot", "intensifying_hot"):
        assert res["emerging_category"].iloc[blocks[kind]].mode()[0] == kind, kind


def test_truncated_time_window_does_not_fake_a_trend():
    """A constant hot spot: the first bins (shorter time window) have smaller z; not 'intensifying'."""
    g = make_grid(20, 20)
    Y = np.random.default_rng(3).poisson(2.0, (len(g), 8)).astype(float)
    pos = block(g, 8, 8)
    Y[pos] += 8
    cube = pd.DataFrame(Y, index=g.index, columns=YEARS[:8])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeolageWarning)
        res = emerging_hotspots(g, cube, time_window=2)
        z, _ = space_time_gistar(Y, grid_weights(g, 200).sparse, time_window=2)
    assert (z[pos, 0] < z[pos, 3]).all()  # the edge effect that would fake an increasing trend
    assert res.attrs["parameters"]["trend_periods"] == YEARS[2:8]
    assert res["emerging_category"].iloc[pos].mode()[0] == "persistent_hot"


def test_space_time_cube_from_incidents_counts_zeros():
    g = make_grid(5, 5)
    pts = gpd.GeoDataFrame(
        {"time": pd.to_datetime(["2023-03-01 00:00", "2023-12-31 23:00", "2025-06-01 00:00"])},
        geometry=gpd.points_from_xy([X0 + 50, X0 + 50, X0 + 250], [Y0 + 50, Y0 + 50, Y0 + 50]), crs=CRS,
    )
    cube = space_time_cube(g, pts, unit="year", start=dt.date(2023, 1, 1), end=dt.date(2025, 12, 31))
    assert list(cube.columns) == ["2023", "2024", "2025"]
    assert cube.shape == (25, 3) and cube.to_numpy().sum() == 3
    assert cube.iloc[0].tolist() == [2, 0, 0]


def test_space_time_cube_equals_counting_each_period_separately():
    """One spatial join for all periods = the reference: count_incidents_in per period (edges, outside, key column)."""
    from geolage.periods import period_labels
    from geolage.stats.hotspots import count_incidents_in

    g = make_grid(6, 5)
    rng = np.random.default_rng(12)
    n = 900
    x = rng.uniform(X0 - 100, X0 + 700, n)
    y = rng.uniform(Y0 - 100, Y0 + 600, n)
    x[:200] = X0 + 100 * rng.integers(0, 7, 200)  # on vertical cell edges (and outside the grid)
    y[200:300] = Y0 + 100 * rng.integers(0, 6, 100)  # on horizontal edges
    times = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 5 * 365, n), unit="D")
    pts = gpd.GeoDataFrame({"time": times}, geometry=gpd.points_from_xy(x, y), crs=CRS)
    cube = space_time_cube(g, pts, unit="quarter", start=dt.date(2020, 1, 1), end=dt.date(2024, 12, 31))
    lab = period_labels(pts["time"], "quarter").to_numpy()
    ref = pd.DataFrame({label: count_incidents_in(g, pts[lab == label]).to_numpy() for label in cube.columns},
                       index=g.index)
    assert cube.shape == (30, 20)
    assert 0 < cube.to_numpy().sum() < n  # some points fall outside the grid
    np.testing.assert_array_equal(cube.to_numpy(), ref.to_numpy())
    # incidents that carry the cell id: the same cube without a spatial join
    first = np.full(n, None, dtype=object)
    joined = gpd.sjoin(pts, g[["geometry"]].reset_index(), predicate="intersects", how="inner")
    joined = joined[~joined.index.duplicated()]
    first[joined.index.to_numpy()] = joined["cell_id"].to_numpy()
    keyed = pts.assign(cell_id=first)
    by_key = space_time_cube(g, keyed, unit="quarter", start=dt.date(2020, 1, 1), end=dt.date(2024, 12, 31))
    np.testing.assert_array_equal(by_key.to_numpy(), cube.to_numpy())
    # rows joined once for all incidents, then taken per subset (as the emerging step does per category)
    from geolage.stats.hotspots import incident_rows

    rows = incident_rows(g, pts)
    part = rng.random(n) < 0.4
    sub = space_time_cube(g, pts[part], unit="quarter", start=dt.date(2020, 1, 1), end=dt.date(2024, 12, 31),
                          rows=rows[part])
    own = space_time_cube(g, pts[part], unit="quarter", start=dt.date(2020, 1, 1), end=dt.date(2024, 12, 31))
    assert 0 < sub.to_numpy().sum() < cube.to_numpy().sum()
    pd.testing.assert_frame_equal(sub, own)
    with pytest.raises(ValueError, match="one per incident"):
        space_time_cube(g, pts[part], unit="quarter", rows=rows)


def make_results() -> RunResults:
    """30 x 30 grid, 10 years, incidents drawn from the planted cube."""
    cfg = config_from_dict(
        {
            "project": {"seed": 3},
            "districts": {"path": "d.gpkg", "id_field": "id", "name_field": "name"},
            "sources": [{"name": "p", "path": "p.csv", "columns": {"category": "k", "x": "x", "y": "y",
                                                                     "datetime": "t"},
                         "categories": {"1": "misshandel"}}],
            "periods": {"start": dt.date(2016, 1, 1), "end": dt.date(2025, 12, 31), "unit": "year"},
            "emerging": {"time_window": 0},
        },
        check_files=False,
    )
    g = make_grid(30, 30)
    cube, _ = planted_cube(g, seed=4)
    rng = np.random.default_rng(5)
    rows = []
    for t, year in enumerate(YEARS):
        k = cube.iloc[:, t].to_numpy().astype(int)
        pos = np.repeat(np.arange(len(g)), k)
        day = rng.uniform(0, 364, len(pos))
        rows.append(pd.DataFrame({"cell_id": g.index[pos], "time": pd.Timestamp(f"{year}-01-01")
                                  + pd.to_timedelta(day, unit="D")}))
    inc = pd.concat(rows, ignore_index=True)
    inc["category"] = "misshandel"
    c = g.loc[inc["cell_id"], "col"].to_numpy()
    r = g.loc[inc["cell_id"], "row"].to_numpy()
    inc = gpd.GeoDataFrame(inc, geometry=gpd.points_from_xy(X0 + c * 100 + 50, Y0 + r * 100 + 50), crs=CRS)
    g.insert(0, "cell_id", g.index)
    districts = gpd.GeoDataFrame({"district_id": ["A"]}, geometry=[shapely.box(X0, Y0, X0 + 3000, Y0 + 3000)],
                                 crs=CRS, index=pd.Index(["A"], name="district_id"))
    return RunResults(config=cfg, incidents=inc, rejects=pd.DataFrame(), districts=districts, grid=g,
                      study_area=districts[["geometry"]])


def test_add_emerging_table_and_parameters():
    results = make_results()
    with warnings.catch_warnings():
        warnings.simplefilter("error", GeolageWarning)  # 10 bins: no short-cube warning
        add_emerging(results)
    t = results.tables["emerging_grid"]
    data = t.data
    assert isinstance(data, gpd.GeoDataFrame) and data.crs == CRS
    for c in ("cell_id", "category", "emerging_category", "emerging_mk_z", "emerging_mk_p", "n_hot_bins",
              "n_cold_bins"):
        assert c in data.columns
    assert set(data["category"]) == {"alla", "misshandel"}
    alla = data[data["category"] == "alla"].reset_index(drop=True)
    assert len(alla) == 900 and alla["count"].sum() == len(results.incidents)
    g = results.grid
    assert alla.loc[block(g, 3, 3), "emerging_category"].mode()[0] == "persistent_hot"
    assert alla.loc[block(g, 20, 3), "emerging_category"].mode()[0] == "new_hot"
    assert t.style == "emerging" and t.style_column == "emerging_category"
    p = results.parameters["emerging"]
    assert p["periods"] == YEARS and p["time_window"] == 0 and p["global_window"] == "entire cube"
    assert p["unit"] == "year" and p["unit_source"] == "periods.unit"


def test_add_emerging_unit_override():
    results = make_results()
    results.config = dataclasses.replace(
        results.config, emerging=dataclasses.replace(results.config.emerging, unit="quarter"))
    add_emerging(results)
    p = results.parameters["emerging"]
    assert p["unit"] == "quarter" and p["unit_source"] == "emerging.unit" and len(p["periods"]) == 40
    assert results.tables["emerging_grid"].data["n_bins"].eq(40).all()


def test_space_time_gistar_equals_esda_on_the_cube_and_on_each_slice():
    """esda's Gi* (binary weights, self included) on the explicit space-time graph, and on every slice alone."""
    import warnings

    import esda
    from libpysal.graph import Graph

    g = make_grid(7, 6)
    rng = np.random.default_rng(8)
    T = 5
    Y = rng.poisson(1.5, (len(g), T)).astype(float)
    W = grid_weights(g, 150).sparse  # queen + self
    off = W - sparse.diags(W.diagonal())
    off.eliminate_zeros()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in range(T):  # each time slice on its own: a cube of one step
            z, _ = space_time_gistar(Y[:, [t]], W, time_window=0)
            ref = esda.G_Local(Y[:, t], Graph.from_sparse(off.tocsr()), transform="B", star=True, permutations=0)
            np.testing.assert_allclose(z[:, 0], ref.Zs, atol=1e-10)
        # the whole cube, time window 1: bins time-major, neighbours in t and t - 1, self added by esda
        lower = sparse.eye(T, format="csr") + sparse.eye(T, k=-1, format="csr")
        big = sparse.kron(lower, W, format="csr")
        big_off = (big - sparse.diags(big.diagonal())).tocsr()
        big_off.eliminate_zeros()
        ref = esda.G_Local(Y.T.ravel(), Graph.from_sparse(big_off), transform="B", star=True, permutations=0)
    z, _ = space_time_gistar(Y, W, time_window=1)
    np.testing.assert_allclose(z, ref.Zs.reshape(T, -1).T, atol=1e-10)

"""Adversarial tests: try to compute hidden counts back from everything a public run writes.

A small run (5 districts, 2 categories, 5 years; one district with 1–4 incidents per
category and year; one incident alone in an empty district) is written twice: as the
public outputs (CSV tables and GeoTIFF rasters, what a reader gets) and as a *naive*
public version that only blanks counts under ``k`` (what public mode did before issue 10).
Each attack uses only the published files (and the published district geometry) and
the documented methods. An attack "recovers" a count when the hidden true value is
under ``k`` and the attack's value is within ±0.5 of it. Every attack must recover
nothing from the public outputs, and must recover something from the naive ones (so the
attack is real and the test could fail).
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from conftest import CSV_HEADER, X0, Y0, make_districts, write_config
from scipy import ndimage, optimize

from geolage.config import read_config
from geolage.neighbours import make_weights
from geolage.outputs.geotiff import write_geotiff
from geolage.outputs.tables import read_table_csv, write_tables_csv
from geolage.run.disclosure import public_results
from geolage.run.pipeline import run
from geolage.stats.hotspots import gistar_z

K = 5
LONELY = (X0 + 4900.3, Y0 + 120.7)  # the one incident in an empty district
_PEAK = {"quartic": 3 / np.pi, "epanechnikov": 2 / np.pi, "triangular": 3 / np.pi, "uniform": 1 / np.pi,
         "gaussian": 1 / (2 * np.pi)}  # kernel value at its centre for a bandwidth of 1 (textbook forms)
_KEYS = ("district_id", "area", "cell_id", "unit", "category", "period", "year", "variable", "method", "source",
         "weekday", "hour", "month", "origin")


def _project(folder: Path) -> Path:
    rng = np.random.default_rng(7)
    rows: list[str] = []

    def add(x: float, y: float, cat: str, year: int) -> None:
        t = f"{year}-{rng.integers(1, 13):02d}-{rng.integers(1, 28):02d} {rng.integers(0, 24):02d}:00"
        rows.append(f"{len(rows) + 1},{cat},{x:.1f},{y:.1f},{t},")

    for year in range(2020, 2025):
        for cat, n1, n2 in (("A", 40, 15), ("S", 60, 20)):
            for _ in range(n1):  # D1: a cluster
                add(X0 + 300 + rng.normal(0, 60), Y0 + 500 + rng.normal(0, 60), cat, year)
            for _ in range(n2):  # D2: spread out
                add(X0 + 1000 + rng.uniform(50, 950), Y0 + rng.uniform(50, 950), cat, year)
        for cat in ("A", "S"):  # D3: 1–4 per category and year
            for _ in range(int(rng.integers(1, 5))):
                add(X0 + 2000 + rng.uniform(100, 400), Y0 + rng.uniform(600, 900), cat, year)
    for _ in range(25):  # D4: a few a year
        add(X0 + 3000 + rng.uniform(50, 950), Y0 + rng.uniform(50, 950), "S", int(rng.integers(2020, 2025)))
    rows.append(f"{len(rows) + 1},A,{LONELY[0]},{LONELY[1]},2023-05-05 03:00,")
    cfg = write_config(folder, CSV_HEADER + "\n".join(rows) + "\n", extra="\n[output]\nmin_count = 5\n")
    make_districts(folder / "omraden.gpkg", names=("Centrum", "Norr", "Söder", "Väster", "Skogen"),
                   populations=(1000, 2000, 500, 800, 90))
    return cfg


def naive_public(results):
    """Public mode before issue 10: counts under k blanked, everything else published."""
    tables = {}
    for name, t in results.tables.items():
        if t.internal_only:
            continue
        df = t.data.copy()
        for col in t.count_columns:
            if col in df.columns:
                v = pd.to_numeric(df[col], errors="coerce")
                small = ((v > 0) & (v < K)).to_numpy()
                df[col] = v.where(~small)
                df[f"{col}_suppressed"] = small
        tables[name] = dataclasses.replace(t, data=df)
    return dataclasses.replace(results, tables=tables, public=True)


def _write(results, folder: Path) -> Path:
    write_tables_csv(results, folder, mode="public")
    for name, raster in results.rasters.items():
        write_geotiff(raster, folder / f"{name}.tif")
    return folder


@pytest.fixture(scope="module")
def run_files(tmp_path_factory):
    base = tmp_path_factory.mktemp("attack")
    results = run(read_config(_project(base)))
    public = _write(public_results(results, K), base / "public")
    naive = _write(naive_public(results), base / "naive")
    return results, public, naive


# --------------------------------------------------------------------------- helpers
def _read(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / f"{name}.csv"
    return read_table_csv(path, dtype={"period": str, "cell_id": str}) if path.is_file() else None


def _truth(results, name: str, pub: pd.DataFrame) -> pd.DataFrame:
    truth = pd.DataFrame(results.tables[name].data).reset_index(drop=True)
    assert len(truth) == len(pub), name
    for key in ("district_id", "cell_id", "category"):
        if key in pub.columns:
            assert truth[key].astype(str).tolist() == pub[key].astype(str).tolist(), name
    return truth


def _recovered(results, name: str, col: str, pub: pd.DataFrame, estimate: pd.Series) -> list[tuple]:
    """Rows of ``name`` whose hidden ``col`` (< K) the estimate gives to within ±0.5."""
    truth = pd.to_numeric(_truth(results, name, pub)[col], errors="coerce")
    est = pd.to_numeric(estimate, errors="coerce").reindex(pub.index)
    # zeros are published in tables without cells (rule 3): finding a hidden zero there tells nothing new
    low = (truth < K) if "cell_id" in pub.columns else (truth > 0) & (truth < K)
    hit = pub[col].isna() & low & ((est - truth).abs() < 0.5)
    return [(name, int(i), float(truth[i]), float(est[i])) for i in np.flatnonzero(hit.to_numpy())]


def _groups(df: pd.DataFrame, exclude: tuple[str, ...]) -> list[str]:
    return [c for c in _KEYS if c in df.columns and c not in exclude]


def _numbers(df: pd.DataFrame, skip: set[str]) -> list[str]:
    return [c for c in df.columns if c not in skip and not c.endswith("_suppressed") and c not in _KEYS
            and pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]


# --------------------------------------------------------------------------- attacks
def attack_eb_inversion(results, folder: Path) -> list[tuple]:
    """Invert the Assunção–Reis EB z: ``r = m + z·sqrt(v + m/pop)``, with m and v fitted on visible rows."""
    pub = _read(folder, "rates_district")
    est = pd.Series(np.nan, index=pub.index)
    for _, g in pub.groupby(["category", "period"]):
        vis = g[g["count"].notna() & g["eb_z"].notna()]
        hid = g[g["count"].isna() & g["eb_z"].notna()]
        if hid.empty or len(vis) < 2:
            continue
        for pop in ("population", "exposure"):
            r, z, b = vis["count"] / vis[pop], vis["eb_z"], vis[pop]

            def resid(p, r=r, z=z, b=b):
                return r - (p[0] + z * np.sqrt(np.maximum(p[1], 0) + p[0] / b))

            fit = optimize.least_squares(resid, x0=[max(r.mean(), 1e-9), max(r.var(), 1e-9)])
            m, v = fit.x[0], max(fit.x[1], 0)
            est[hid.index] = hid[pop] * (m + hid["eb_z"] * np.sqrt(v + m / hid[pop]))
            if np.abs(fit.fun).max() < 1e-6 * max(r.abs().max(), 1e-12):
                break
    return _recovered(results, "rates_district", "count", pub, est)


def attack_affine(results, folder: Path) -> list[tuple]:
    """Any number published on a hidden row that is affine in the count (or count/population) gives it back."""
    found = []
    for name, table in results.tables.items():
        pub = _read(folder, name)
        if pub is None or table.internal_only:
            continue
        for col in [c for c in table.count_columns if c in pub.columns]:
            others = _numbers(pub, {col, *table.count_columns})
            keys = _groups(pub, ("district_id", "area", "cell_id")) or [np.zeros(len(pub))]
            for _, g in pub.groupby(keys, dropna=False):
                hidden = g[col].isna()
                if not hidden.any():
                    continue
                for c in others:
                    found += _affine_one(results, name, col, pub, g, c)
    return found


def _affine_one(results, name: str, col: str, pub: pd.DataFrame, g: pd.DataFrame, c: str) -> list[tuple]:
    vis = g[g[col].notna() & g[c].notna()]
    hid = g[g[col].isna() & g[c].notna()]
    if hid.empty or len(vis) < 3:
        return []
    scales = [None] + [p for p in ("population", "exposure") if p in g.columns]
    for scale in scales:
        s_vis = 1.0 if scale is None else vis[scale].to_numpy(float)
        s_hid = 1.0 if scale is None else hid[scale].to_numpy(float)
        a = np.column_stack([np.ones(len(vis)), vis[c].to_numpy(float)])
        y = vis[col].to_numpy(float) / s_vis
        coef, *_ = np.linalg.lstsq(a, y, rcond=None)
        if coef[1] == 0 or np.abs(a @ coef - y).max() * np.max(s_vis) > 0.01:
            continue
        est = pd.Series((coef[0] + coef[1] * hid[c].to_numpy(float)) * s_hid, index=hid.index)
        return _recovered(results, name, col, pub, est)
    return []


def attack_share_total(results, folder: Path) -> list[tuple]:
    """``share × total`` (the total is ``weight / share`` of any visible row) and ``total − visible``."""
    found = []
    for name in ("time_weekday_hour", "time_month"):
        pub = _read(folder, name)
        est = pd.Series(np.nan, index=pub.index)
        for _, g in pub.groupby("category"):
            vis = g[g["weight"].notna() & (g["share"] > 0)]
            if vis.empty:
                continue
            total = float((vis["weight"] / vis["share"]).median())
            hid = g[g["weight"].isna()]
            est[hid.index] = hid["share"] * total
            if len(hid) == 1:
                est[hid.index] = total - g["weight"].sum()
        found += _recovered(results, name, "weight", pub, est)
    return found


def attack_year_to_date(results, folder: Path) -> list[tuple]:
    """``mean_earlier × (1 + change/100)``, and ``mean_earlier × n − visible earlier years``."""
    pub = _read(folder, "year_to_date")
    est = pd.Series(np.nan, index=pub.index)
    for _, g in pub.groupby(["area", "category"]):
        g = g.sort_values("year")
        cur = g[g["ytd_mean_earlier"].notna()]
        for i, row in cur.iterrows():
            est[i] = row["ytd_mean_earlier"] * (1 + row["ytd_change_pct"] / 100)
            earlier = g[g["year"] < row["year"]]
            hid = earlier[earlier["count"].isna()]
            if len(hid) == 1:
                est[hid.index] = row["ytd_mean_earlier"] * len(earlier) - earlier["count"].sum()
    return _recovered(results, "year_to_date", "count", pub, est)


def _solve_sums(total: float, visible: float, m: int, lo: int) -> list[float]:
    """Each hidden part's value when it is the same in every solution of ``Σ hidden = total − visible``."""
    rest = total - visible
    if m == 1:
        return [rest]
    if m > 4:
        return [np.nan] * m
    sols = [s for s in itertools.product(range(lo, K), repeat=m) if abs(sum(s) - rest) < 1e-6]
    if not sols:
        return [np.nan] * m
    return [float(sols[0][j]) if len({s[j] for s in sols}) == 1 else np.nan for j in range(m)]


def _differencing(pub: pd.DataFrame, col: str, dim: str, total_value: str, lo: int, extra=None) -> pd.Series:
    est = pd.Series(np.nan, index=pub.index)
    keys = (_groups(pub, (dim,)) or [np.zeros(len(pub))]) if extra is None else extra
    for _, g in pub.groupby(keys, dropna=False):
        tot = g[g[dim] == total_value]
        parts = g[(g[dim] != total_value) & ~g[dim].isin(["Alla fokusområden"])]
        if len(tot) != 1 or tot[col].isna().any() or parts.empty:
            continue
        hid = parts[parts[col].isna()]
        if 0 < len(hid):
            est[hid.index] = _solve_sums(float(tot[col].iloc[0]), float(parts[col].sum()), len(hid), lo)
    return est


def attack_totals(results, folder: Path) -> list[tuple]:
    """Totals minus the visible parts: ``alla``, ``hela`` (whole period), ``Hela kommunen``, year − months."""
    found = []
    for name, table in results.tables.items():
        pub = _read(folder, name)
        if pub is None or table.internal_only:
            continue
        lo = 0 if "cell_id" in pub.columns else 1
        for col in [c for c in table.count_columns if c in pub.columns]:
            for dim, total in (("category", "alla"), ("period", "hela"), ("area", "Hela kommunen")):
                if dim in pub.columns:
                    found += _recovered(results, name, col, pub, _differencing(pub, col, dim, total, lo))
            if {"unit", "period"} <= set(pub.columns):
                found += _recovered(results, name, col, pub, _year_minus_months(pub, col, lo))
    return found


def _year_minus_months(pub: pd.DataFrame, col: str, lo: int) -> pd.Series:
    est = pd.Series(np.nan, index=pub.index)
    d = pub.assign(_y=pub["period"].astype(str).str[:4])
    for part_unit in ("quarter", "month"):
        sub = d[d["unit"].isin(["year", part_unit])].copy()
        sub["_dim"] = np.where(sub["unit"] == "year", "T", "P")
        e = _differencing(sub, col, "_dim", "T", lo, extra=["area", "category", "_y"])
        est = est.fillna(e.reindex(est.index))
    return est


def attack_across_tables(results, folder: Path) -> list[tuple]:
    """The same count in two tables: ``rates_district`` (district, category, year) and ``series`` (year).

    Values one table shows fill the other's hidden cells, then totals minus parts are
    formed again (``alla`` in ``rates_district``, year − months in ``series``). Against
    the naive output the within-table step already succeeds; the cross-table step is
    tested on its own in :func:`test_a_count_hidden_in_one_table_is_hidden_in_all`.
    """
    rates, series = _read(folder, "rates_district"), _read(folder, "series")
    ys = series[series["unit"] == "year"].set_index(["area", "category", "period"])["count"]
    key = pd.MultiIndex.from_frame(rates[["district_id", "category", "period"]].astype(str))
    est = pd.Series(ys.reindex(key).to_numpy(), index=rates.index)
    found = _recovered(results, "rates_district", "count", rates, est)
    merged = rates.assign(count=rates["count"].fillna(est))  # what series adds, then alla minus the rest
    diff = _differencing(merged, "count", "category", "alla", 1).where(merged["count"].isna())
    found += _recovered(results, "rates_district", "count", rates, diff.fillna(est))
    rk = rates.set_index(["district_id", "category", "period"])["count"]
    yrows = series["unit"] == "year"
    key2 = pd.MultiIndex.from_frame(series.loc[yrows, ["area", "category", "period"]].astype(str))
    est2 = pd.Series(rk.reindex(key2).to_numpy(), index=series.index[yrows])
    found += _recovered(results, "series", "count", series, est2)
    # then the year minus its months in series, with the years rates_district shows
    merged = series.assign(count=series["count"].fillna(est2.reindex(series.index)))
    diff = _year_minus_months(merged, "count", 1).where(merged["count"].isna())
    return found + _recovered(results, "series", "count", series, diff.fillna(est2.reindex(series.index)))


def attack_gistar_system(results, folder: Path) -> list[tuple]:
    """Solve the Gi* system: try every hidden count 1..k-1 and keep those that give the published z exactly."""
    pub = _read(folder, "gistar_district")
    districts = results.tables["districts"].data
    weights = make_weights(districts.set_index("district_id", drop=False), include_self=True)
    est = pd.Series(np.nan, index=pub.index)
    for _, g in pub.groupby("category"):
        hid = g.index[g["count"].isna()]
        known = g["gistar_z"].notna().to_numpy()
        if len(hid) == 0 or len(hid) > 4 or not known.any():
            continue
        y = np.array(g["count"].to_numpy(float), copy=True)
        pos = [g.index.get_loc(i) for i in hid]
        sols = []
        for combo in itertools.product(range(1, K), repeat=len(hid)):
            y[pos] = combo
            z, _ = gistar_z(y, weights)
            if np.allclose(z[known], g["gistar_z"].to_numpy(float)[known], atol=1e-6):
                sols.append(combo)
        for j, i in enumerate(hid):
            if sols and len({s[j] for s in sols}) == 1:
                est[i] = sols[0][j]
    return _recovered(results, "gistar_district", "count", pub, est)


def attack_raster_kernels(results, folder: Path) -> list[tuple]:
    """A bump of published density (or of ``kde_alla`` − the categories) lower than k single kernels.

    One incident gives at most the kernel's peak (``3/(π h²)`` for the quartic kernel
    of the recorded bandwidth ``h``); a separate bump whose maximum is under ``k``
    peaks is shaped by fewer than ``k`` incidents and locates them.
    """
    found = []
    arrays = {}
    for path in sorted(folder.glob("kde_*.tif")):
        params = results.rasters[path.stem].parameters
        with rasterio.open(path) as src:
            arr = src.read(1, masked=True).filled(np.nan).astype(float)
        peak = _PEAK[str(params["kernel"])] / (float(params["bandwidth"]) / 1000) ** 2  # per km²
        arrays[path.stem] = arr
        found += _small_bumps(path.stem, arr, peak)
    if "kde_alla" in arrays:
        parts = [np.nan_to_num(a, nan=0.0) for n, a in arrays.items() if n != "kde_alla"]
        residual = np.where(np.isnan(arrays["kde_alla"]), 0.0, arrays["kde_alla"] - sum(parts))
        found += _small_bumps("kde_alla - categories", residual, peak)
    return found


def _small_bumps(name: str, arr: np.ndarray, peak: float) -> list[tuple]:
    values = np.nan_to_num(arr, nan=0.0)
    labels, n = ndimage.label(values > peak * 1e-3)  # above float32 noise of the GeoTIFF
    out = []
    for i in range(1, n + 1):
        top = float(values[labels == i].max())
        if top < K * peak * (1 - 1e-6):
            out.append((name, i, top / peak, top / peak))
    return out


ATTACKS = [attack_eb_inversion, attack_affine, attack_share_total, attack_year_to_date, attack_totals,
           attack_across_tables, attack_gistar_system, attack_raster_kernels]


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.__name__)
def test_attack_recovers_nothing_from_public_outputs(run_files, attack):
    results, public, _ = run_files
    assert attack(results, public) == []


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.__name__)
def test_attack_is_real_against_naive_outputs(run_files, attack):
    results, _, naive = run_files
    assert len(attack(results, naive)) > 0


def test_a_count_hidden_in_one_table_is_hidden_in_all(run_files):
    """Rule 7 across tables: a year hidden in ``series`` (e.g. to protect its months) is hidden in rates too."""
    from geolage.run.results import Table

    results, _, _ = run_files
    series = results.tables["series"]
    d = series.data.copy()
    row = (d["unit"] == "year") & (d["area"] == "D1") & (d["category"] == "stold") & (d["period"] == "2021")
    assert int(d.loc[row, "count"].iloc[0]) >= K
    d["count_suppressed"] = row.to_numpy()  # as if complementary suppression had hidden it
    tables = dict(results.tables, series=Table(**{**series.__dict__, "data": d}))
    pub = public_results(dataclasses.replace(results, tables=tables), K)
    rates = pub.tables["rates_district"].data
    r = (rates["district_id"] == "D1") & (rates["category"] == "stold") & (rates["period"] == "2021")
    assert bool(rates.loc[r, "count_suppressed"].iloc[0]) and rates.loc[r, "count"].isna().all()
    # and rates_district hides one more of the group, so alla minus the rest does not give it back
    group = (rates["district_id"] == "D1") & (rates["period"] == "2021")
    assert int(rates.loc[group, "count_suppressed"].sum()) >= 2


def test_audit_scan_checks_the_new_rules(run_files):
    """The output scan finds numbers on hidden rows and thin raster cells in the naive outputs, none in public."""
    from geolage.outputs.audit import scan_public_outputs

    results, public, naive = run_files
    found_public = scan_public_outputs(public, results.incidents, K)
    assert [f for f in found_public if f.kind in ("derived", "raster", "count")] == []
    kinds = {(f.kind, f.path.stem) for f in scan_public_outputs(naive, results.incidents, K)}
    assert ("derived", "rates_district") in kinds  # eb_z, rate … on hidden rows
    assert any(kind == "raster" for kind, _ in kinds)  # the lonely incident's kernel


def test_audit_scan_reads_the_workbook(run_files):
    """The workbook is scanned as tables too: its naive version shows numbers on hidden rows, the public none."""
    from geolage.outputs.audit import scan_public_outputs

    results, public, naive = run_files
    assert (naive / "tabeller.xlsx").is_file() and (public / "tabeller.xlsx").is_file()
    naive_xlsx = [f for f in scan_public_outputs(naive, results.incidents, K) if f.path.suffix == ".xlsx"]
    assert any(f.kind == "derived" and f.where.startswith("Brott och brottstakt") for f in naive_xlsx), naive_xlsx
    assert [f for f in scan_public_outputs(public, results.incidents, K) if f.path.suffix == ".xlsx"] == []

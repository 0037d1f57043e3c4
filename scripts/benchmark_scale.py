"""Benchmark geolage at national scale: synthetic incidents over real boundaries, stage by stage.

Usage::

    python scripts/benchmark_scale.py                                  # Borås at 100k, 1M, 5M, 10M + national batch
    python scripts/benchmark_scale.py --mode boras --sizes 100000      # one size over Borås
    python scripts/benchmark_scale.py --mode national --national-incidents 20000 --municipalities 10
    python scripts/benchmark_scale.py --mode national --workers 1,2    # the batch on 1 and on 2 workers
    python scripts/benchmark_scale.py --mode national --profile national --sample 24 --workers 1,2
    python scripts/benchmark_scale.py --mode national --plan-full      # split the whole 10M national file

**Borås** (``--mode boras``): for each size, synthetic incidents over Borås (the demo's
RegSO districts, study area, periods and settings; one police-like CSV source, 2019–2025,
the demo's category codes; 70 % clustered around the DeSO centres weighted by population,
30 % uniform over the municipality). Each stage of a run is timed with its peak resident
memory (a sampler thread reads the process RSS every 20 ms; ``psutil``): reading and
validation (``prepare``), each analysis step, writing (disclosure, tables, GeoPackage, map,
report; no PDF). Beside them, micro-benchmarks print the ratio against the previous or
library path measured in the same run on the same data (``--baseline-cap`` rows at most,
a size both can do): vectorised date parsing vs the per-value reader, point-in-polygon vs
``geopandas.sjoin``.

**National** (``--mode national``): a batch over Sweden's municipalities
(``data/sweden/kommuner.gpkg``), ``--national-incidents`` in all (default 10 million,
about 1.5 million a year for 7 years), spread over the municipalities in proportion to
their population. No population table ships with the repository, so unless
``--population CSV`` (``kommun_kod,population``) is given, a documented proxy is used: a
Zipf-like law (weight ∝ rank^-1.0 over a seeded random order of the municipalities,
scaled to 10.5 million inhabitants), which gives the real spread of Swedish municipality
sizes (the largest about a tenth of the country, the smallest a few thousand). Each
municipality is cut into synthetic districts by a 10 km grid (population shared by area).
The batch (``geolage batch`` as an API: plan, run on a Dask LocalCluster, national
summary; ``--profile national`` as ``geolage batch --profile national``) runs once per
worker count in ``--workers`` (default ``1,2``) and prints the total time, the CPU time of
the Dask worker processes (the tasks' own CPU and Dask's) and the speed-up against one
worker. On a shared machine wall times are inflated; CPU times are the measure.

``--sample K`` runs a stratified sample instead of all municipalities: the three largest
(by the population above) and one municipality drawn from each of ``K - 3`` equal strata of
the rest by size, each with its full national share of incidents. It prints each one's CPU
and the estimate for all of them (sum of CPU × the number of municipalities each stands for,
plus the Dask overhead per task measured on one worker), and the wall time that gives on 1
and 2 free cores. ``--plan-full`` instead writes the whole national file and times its
splitting by municipality (``plan_national``), which the sample cannot show.

This is a benchmark, not a test: it prints, it does not assert. The defaults are the full
sizes of issue 13; give small ``--sizes`` for a quick look.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psutil
import shapely

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))  # benchmark_knox: the previous Knox and duplicate algorithms

from geolage.config import AreasConfig, ColumnsConfig, SourceConfig, read_config  # noqa: E402
from geolage.dates import parse_datetimes, parse_datetimes_per_value  # noqa: E402
from geolage.validate import assign_districts  # noqa: E402

ROWS: list[dict] = []
START, END = pd.Timestamp("2019-01-01"), pd.Timestamp("2026-01-01")


# ---------------------------------------------------------------------------- measuring
class PeakRSS:
    """Peak resident memory of this process (and its children) while a block runs, sampled every 20 ms."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()

    def _rss(self, refresh: bool = True) -> int:
        # Listing the children scans every process of the machine (/proc): done once a second,
        # not every 20 ms, or the sampler itself costs a sixth of a core beside a Dask batch.
        if refresh or not hasattr(self, "_children"):
            self._children = self.proc.children(recursive=True)
        total = self.proc.memory_info().rss
        for child in self._children:
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _run(self) -> None:
        tick = 0
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss(refresh=tick % 50 == 0))
            tick += 1
            self._stop.wait(0.02)

    def __enter__(self) -> PeakRSS:
        self.peak = self._rss()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


@contextmanager
def stage(what: str, n: int, group: str) -> Iterator[dict]:
    """Time a stage and its peak memory; print one line."""
    row = {"group": group, "what": what, "n": n}
    with PeakRSS() as mem:
        t, c = time.perf_counter(), time.process_time()
        yield row
        row["seconds"], row["cpu"] = time.perf_counter() - t, time.process_time() - c
    row["peak_gb"] = mem.peak / 1e9
    ROWS.append(row)
    base = row.get("baseline_s")
    ratio = f"{base / row['cpu' if row.get('ratio_in_cpu') else 'seconds']:7.1f}x" if base else "       -"
    b = f"{base:9.2f}" if base else "        -"
    print(f"{what:<40} {n:>11,} {row['seconds']:9.2f} {row['cpu']:9.2f} {b} {ratio} {row['peak_gb']:8.2f}  "
          f"{row.get('note', '')}", flush=True)


def header(title: str) -> None:
    print(f"\n== {title}")
    print(f"{'stage':<40} {'n':>11} {'time (s)':>9} {'CPU (s)':>9} {'base (s)':>9} {'ratio':>8} {'peak GB':>8}")
    print("(time: wall clock; CPU: this process only, not the Dask workers; base: the previous or library path on "
          "the same rows, its time in the same unit as the ratio's)")


# ---------------------------------------------------------------------------- synthetic data
def points_in(polygon: shapely.Geometry, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n uniform points inside a polygon (rejection sampling in its bounding box)."""
    shapely.prepare(polygon)
    x0, y0, x1, y1 = polygon.bounds
    xs, ys, got = [], [], 0
    while got < n:
        k = max(1000, int((n - got) * 1.5 * (x1 - x0) * (y1 - y0) / max(polygon.area, 1.0)))
        x, y = rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)
        inside = shapely.contains_xy(polygon, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        got += int(inside.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def clustered_points(area: shapely.Geometry, centres: np.ndarray, weights: np.ndarray, n: int,
                     rng: np.random.Generator, spread: float = 400.0) -> tuple[np.ndarray, np.ndarray]:
    """70 % around the centres (Gaussian, ``spread`` m), 30 % uniform; points outside the area redrawn uniformly."""
    n_c = int(n * 0.7)
    pick = rng.choice(len(centres), n_c, p=weights / weights.sum())
    x = np.empty(n)
    y = np.empty(n)
    x[:n_c] = centres[pick, 0] + rng.normal(0, spread, n_c)
    y[:n_c] = centres[pick, 1] + rng.normal(0, spread, n_c)
    shapely.prepare(area)
    bad = np.r_[~shapely.contains_xy(area, x[:n_c], y[:n_c]), np.ones(n - n_c, dtype=bool)]
    ux, uy = points_in(area, int(bad.sum()), rng)
    x[bad], y[bad] = ux, uy
    return x, y


def incident_frame(x: np.ndarray, y: np.ndarray, codes: list[str], rng: np.random.Generator,
                   prefix: str = "") -> pd.DataFrame:
    """A police-like table: id, code, from/to times (20 % windows), whole-metre coordinates."""
    n = len(x)
    span = int((END - START).total_seconds() // 60)
    t0 = START + pd.to_timedelta(rng.integers(0, span, n), unit="min")
    window = rng.random(n) < 0.2
    t1 = t0 + pd.to_timedelta(np.where(window, rng.integers(30, 3 * 1440, n), 0), unit="min")
    t1 = t1.where(t1 < END, t0)
    return pd.DataFrame({
        "anmalan_id": [f"{prefix}{i}" for i in range(1, n + 1)],
        "brottskod": rng.choice(codes, n),
        "tid_fran": t0.strftime("%Y-%m-%d %H:%M"),
        "tid_till": t1.strftime("%Y-%m-%d %H:%M"),
        "x": np.round(x).astype(np.int64),
        "y": np.round(y).astype(np.int64),
    })


# ---------------------------------------------------------------------------- Borås
def boras_config(csv: Path, work: Path):
    """The demo configuration with one synthetic police source (the demo's districts, periods and settings)."""
    demo = read_config(REPO / "data" / "boras_demo.toml")
    police = demo.sources[0]
    src = SourceConfig(
        name="polisen", path=csv, format="csv", crs="EPSG:3006", categories=dict(police.categories),
        columns=ColumnsConfig(id="anmalan_id", category="brottskod", x="x", y="y", time_from="tid_fran",
                              time_to="tid_till"),
    )
    project = dataclasses.replace(demo.project, bra_totals=demo.project.bra_totals, as_of=END.date())
    return dataclasses.replace(demo, sources=(src,), project=project, overlays=(), source_file=None,
                               output=dataclasses.replace(demo.output, pdf=False))


def boras_incidents(n: int, seed: int) -> tuple[pd.DataFrame, list[str]]:
    demo = read_config(REPO / "data" / "boras_demo.toml")
    deso = gpd.read_file(REPO / "shapes" / "boras_deso_2025.gpkg")
    area = shapely.union_all(deso.geometry.to_numpy())
    centres = np.c_[deso.geometry.centroid.x, deso.geometry.centroid.y]
    rng = np.random.default_rng(seed)
    x, y = clustered_points(area, centres, deso["pop_2025"].fillna(1).to_numpy(float) + 1, n, rng)
    codes = list(demo.sources[0].categories)
    return incident_frame(x, y, codes, rng), codes


class PeakPSS(PeakRSS):
    """Peak proportional set size (PSS) of this process and its children, sampled every 0.25 s.

    Forked children share the parent's pages: the RSS sum counts them in each process, PSS once
    (``/proc/PID/smaps_rollup`` is read, slower than RSS, hence the longer interval).
    """

    def _rss(self, refresh: bool = True) -> int:
        if refresh or not hasattr(self, "_children"):
            self._children = self.proc.children(recursive=True)
        total = 0
        for p in [self.proc, *self._children]:
            try:
                total += p.memory_full_info().pss
            except (psutil.Error, AttributeError):
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            self._stop.wait(0.25)


def run_boras(n: int, args: argparse.Namespace) -> None:
    from geolage.outputs import write_outputs
    from geolage.run.pipeline import prepare
    from geolage.run.steps import DEFAULT_STEPS

    header(f"Borås, {n:,} synthetic incidents")
    work = Path(tempfile.mkdtemp(prefix="geolage-bench-"))
    try:
        with stage("make synthetic data", n, "boras") as row:
            frame, _ = boras_incidents(n, args.seed)
            frame.to_csv(work / "incidents.csv", index=False)
        cfg = boras_config(work / "incidents.csv", work)
        micro_dates(frame, args.baseline_cap)
        micro_pip(frame, cfg, args.baseline_cap)
        micro_knox(frame, args.knox_cap)
        micro_duplicates(args.dup_cap, args.seed)
        del frame
        with stage("prepare (read, validate, index)", n, "boras") as row:
            results = prepare(cfg)
            row["note"] = f"{len(results.incidents):,} accepted"
        steps = [s for s in DEFAULT_STEPS if not args.steps or s.name in args.steps]
        for step in steps:
            with stage(f"step {step.name}", n, "boras"):
                step.run(results)
        results.record["steps"] = [s.name for s in steps]
        if not args.no_write:
            with stage("disclosure + writing (no PDF)", n, "boras"), PeakPSS() as pss:
                write_outputs(results, work / "out", pdf=False)
            print(f"{'':<40} peak PSS {pss.peak / 1e9:.2f} GB (the RSS sum counts the pages the forked report and "
                  f"tables writers share with this process once per process; PSS counts them once)")
        run = [r for r in ROWS if r["group"] == "boras" and r["n"] == n and not r["what"].startswith("make")]
        total, cpu = sum(r["seconds"] for r in run), sum(r["cpu"] for r in run)
        peak = max(r["peak_gb"] for r in ROWS if r["group"] == "boras" and r["n"] == n)
        print(f"{'total run (prepare + steps + writing)':<40} {n:>11,} {total:9.2f} {cpu:9.2f} {'':>9} {'':>8} "
              f"{peak:8.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def micro_dates(frame: pd.DataFrame, cap: int) -> None:
    """Vectorised dates against the per-value reader, on the same rows (at most ``cap``)."""
    s = frame["tid_fran"].iloc[:cap].astype(object)
    t = time.perf_counter()
    ref = parse_datetimes_per_value(s, None)
    base = time.perf_counter() - t
    with stage("dates: parse_datetimes (vs per value)", len(s), "micro") as row:
        got = parse_datetimes(s, None)
        row["baseline_s"] = base
    same = all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(got, ref))
    print(f"{'':<40} same result as the per-value reader: {same}")


def micro_pip(frame: pd.DataFrame, cfg, cap: int) -> None:
    """District assignment against geopandas' sjoin (intersects, first district), on the same points."""
    from geolage.io import read_districts

    districts, _ = read_districts(cfg.districts, crs=cfg.project.crs)
    d = districts.reset_index(drop=True)
    x = frame["x"].to_numpy(float)[:cap]
    y = frame["y"].to_numpy(float)[:cap]
    t = time.perf_counter()
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=d.crs)
    joined = gpd.sjoin(pts, d[["district_id", "geometry"]], predicate="intersects", how="left")
    joined = joined[~joined.index.duplicated(keep="first")]
    base = time.perf_counter() - t
    with stage("point-in-polygon (vs geopandas sjoin)", len(x), "micro") as row:
        got = assign_districts(x, y, d)
        row["baseline_s"] = base
    want = joined["district_id"].reindex(range(len(x))).to_numpy(dtype=object)
    same = all((a is None and pd.isna(b)) or a == b for a, b in zip(got, want))
    print(f"{'':<40} same districts as sjoin: {same}")


def micro_knox(frame: pd.DataFrame, cap: int) -> None:
    """Knox (999 permutations would take the previous algorithm minutes: 99 here) against the previous algorithm.

    The previous algorithm (``scripts/benchmark_knox.previous_knox``) forms every pair within 800 m
    at once and counts every permutation over them; both draw the same permutations (same seed), and
    the counts are checked equal. On the first ``cap`` incidents (all categories: a dense test).
    """
    from benchmark_knox import previous_knox

    from geolage.stats.nearrepeat import knox

    sub = frame.iloc[:cap]
    xy = sub[["x", "y"]].to_numpy(float)
    t = pd.to_datetime(sub["tid_fran"], format="%Y-%m-%d %H:%M")
    days = ((t - t.min()).dt.total_seconds() / 86_400).to_numpy()
    c = time.process_time()
    obs_old, perm_old = previous_knox(xy, days, 99, 1)
    base = time.process_time() - c
    with stage("Knox, 99 permutations (vs previous)", len(sub), "micro") as row:
        res = knox(xy, days, permutations=99, seed=1, quiet=True, check_precision=False, analytic_above=None)
        row["baseline_s"] = base
        row["note"] = f"{res.parameters['n_pairs'] / len(sub):.0f} pairs within 800 m per event (CPU ratio)"
        row["ratio_in_cpu"] = True
    same = np.array_equal(res.table["observed"].to_numpy().reshape(5, 5)[:4, :4], obs_old) and np.array_equal(
        res.permutation_counts[:, :4, :4], perm_old)
    print(f"{'':<40} same counts as the previous algorithm: {same}")
    c = time.process_time()
    knox(xy, days, permutations=999, seed=1, quiet=True, check_precision=False, analytic_above=None)
    base = time.process_time() - c
    with stage("Knox, exact moments (vs 999 perms)", len(sub), "micro") as row:
        ana = knox(xy, days, quiet=True, check_precision=False, analytic_above=0)
        row["baseline_s"] = base
        row["note"] = "analytic p-values (stats.knox_moments) against Monte Carlo (CPU ratio)"
        row["ratio_in_cpu"] = True
    same = np.array_equal(ana.table["observed"].to_numpy(), res.table["observed"].to_numpy())
    print(f"{'':<40} same observed counts as Monte Carlo: {same}")


def micro_duplicates(cap: int, seed: int) -> None:
    """The duplicate check (grid cells and time windows) against the former pairwise check, on ``cap`` rows.

    The rows are ``scripts/benchmark_knox.make_rows``: half of them on 300 shared address points (many
    pairs within 25 m, which the pairwise check formed all at once) and 2 % near copies.
    """
    from benchmark_knox import make_rows, previous_duplicates

    from geolage.duplicates import find_duplicates

    rows = make_rows(cap, 30.0, 7.0, np.random.default_rng(seed))
    c = time.process_time()
    ref = previous_duplicates(rows, 25.0, 60.0)
    base = time.process_time() - c
    with stage("duplicates (vs pairwise)", len(rows), "micro") as row:
        got, _ = find_duplicates(rows, 25.0, 60.0, "en")
        row["baseline_s"] = base
        row["note"] = "CPU ratio"
        row["ratio_in_cpu"] = True
    print(f"{'':<40} same rejects as the pairwise check: {np.array_equal(got, ref)} "
          f"({int(pd.notna(got).sum()):,} duplicates)")


# ---------------------------------------------------------------------------- national
def population_proxy(codes: list[str], seed: int, path: str | None) -> pd.Series:
    """Population per municipality: from ``path`` (kommun_kod,population) or the Zipf-like proxy."""
    if path:
        table = pd.read_csv(path, dtype={"kommun_kod": str})
        return table.set_index(table["kommun_kod"].str.zfill(4))["population"].reindex(codes).fillna(0)
    rng = np.random.default_rng(seed)
    rank = rng.permutation(len(codes)) + 1
    w = 1.0 / rank
    return pd.Series(np.round(w / w.sum() * 10_500_000), index=codes)


def national_sizes(args: argparse.Namespace):
    """All municipalities' boundaries, population (proxy or ``--population``) and national incident counts."""
    from geolage.batch.plan import read_boundaries

    bounds = read_boundaries().reset_index(drop=True)
    pop = population_proxy(list(bounds["code"]), args.seed, args.population)
    n_each = np.floor(pop / pop.sum() * args.national_incidents).astype(int)
    return bounds, pop, n_each


def national_inputs(work: Path, args: argparse.Namespace, bounds: gpd.GeoDataFrame | None = None,
                    pop: pd.Series | None = None, n_each: pd.Series | None = None):
    """Boundaries, synthetic districts, a national incident CSV and a template configuration.

    Without ``bounds``, ``--municipalities`` drawn at random (or all) share ``--national-incidents``;
    with ``bounds``/``pop``/``n_each`` (a sample), each municipality gets its given count.
    """
    from geolage.batch.plan import read_boundaries

    rng = np.random.default_rng(args.seed)
    if bounds is None:
        bounds = read_boundaries()
        if args.municipalities:
            bounds = bounds.iloc[np.sort(rng.choice(len(bounds), args.municipalities, replace=False))]
        bounds = bounds.reset_index(drop=True)
        pop = population_proxy(list(bounds["code"]), args.seed, args.population)
        n_each = np.floor(pop / pop.sum() * args.national_incidents).astype(int)
    cells = []
    for code, geom in zip(bounds["code"], bounds.geometry):
        x0, y0, x1, y1 = geom.bounds
        xs, ys = np.arange(x0, x1, 10_000), np.arange(y0, y1, 10_000)
        X, Y = np.meshgrid(xs, ys)
        boxes = shapely.box(X.ravel(), Y.ravel(), X.ravel() + 10_000, Y.ravel() + 10_000)
        parts = shapely.intersection(boxes, geom)
        parts = parts[~shapely.is_empty(parts) & (shapely.area(parts) > 1e4)]
        area = shapely.area(parts)
        for i, part in enumerate(parts):
            cells.append({"omrade": f"{code}-{i:03d}", "namn": f"{code} område {i}", "kommun": code,
                          "bef": float(pop[code] * area[i] / area.sum()), "geometry": part})
    districts = gpd.GeoDataFrame(cells, crs=bounds.crs)
    districts.to_file(work / "omraden.gpkg", layer="omraden", driver="GPKG")
    demo = read_config(REPO / "data" / "boras_demo.toml")
    codes = list(demo.sources[0].categories)
    first = True
    for code, geom in zip(bounds["code"], bounds.geometry):
        own = districts[districts["kommun"] == code]
        centres = np.c_[own.geometry.representative_point().x, own.geometry.representative_point().y]
        x, y = clustered_points(geom, centres, own["bef"].to_numpy() + 1, int(n_each[code]), rng, spread=1500)
        frame = incident_frame(x, y, codes, rng, prefix=f"{code}-")
        frame.insert(1, "kommun_kod", code)
        frame.to_csv(work / "incidents.csv", mode="w" if first else "a", header=first, index=False)
        first = False
    return national_template(work), bounds


def national_template(work: Path):
    """The demo configuration with the national source, the synthetic districts and no Borås-only parts."""
    from geolage.config import DistrictsConfig

    demo = read_config(REPO / "data" / "boras_demo.toml")
    src = SourceConfig(
        name="polisen", path=work / "incidents.csv", format="csv", crs="EPSG:3006",
        categories=dict(demo.sources[0].categories),
        columns=ColumnsConfig(id="anmalan_id", category="brottskod", x="x", y="y", time_from="tid_fran",
                              time_to="tid_till"),
    )
    districts = DistrictsConfig(path=work / "omraden.gpkg", layer="omraden", id_field="omrade", name_field="namn",
                                population_field="bef")
    project = dataclasses.replace(demo.project, name="Nationell benchmark", bra_totals=None, municipality_code=None,
                                  as_of=END.date())
    return dataclasses.replace(demo, project=project, districts=districts, sources=(src,), study_area=None,
                               overlays=(), areas=AreasConfig(), source_file=None,
                               output=dataclasses.replace(demo.output, pdf=False))


def stratified_sample(n_each: pd.Series, k: int, seed: int) -> pd.Series:
    """``k`` municipalities: the three largest, and one drawn from each of ``k - 3`` equal strata of the rest.

    Returns the weight of each municipality drawn (how many municipalities it stands for: 1 for
    the three largest, the size of its stratum for the others), indexed by code, largest first.
    """
    if k >= len(n_each):
        return pd.Series(1.0, index=n_each.sort_values(ascending=False).index)
    if k < 4:
        raise SystemExit("--sample needs at least 4 municipalities (the three largest and one stratum)")
    order = n_each.sort_values(ascending=False, kind="stable")
    weights = {code: 1.0 for code in order.index[:3]}
    rest = order.index[3:]
    rng = np.random.default_rng(seed)
    for stratum in np.array_split(np.arange(len(rest)), k - 3):
        weights[rest[int(rng.choice(stratum))]] = float(len(stratum))
    return pd.Series(weights).reindex([c for c in order.index if c in weights])


def _print_row(row: dict, done: int, total: int) -> None:
    """One line per municipality as it finishes (a long run shows what it has so far)."""
    print(f"   [{done}/{total}] {row['code']} {str(row['name'])[:18]:<18} {row['status']:<6} CPU "
          f"{float(row.get('cpu_seconds') or 0):8.2f} s, wall {float(row.get('seconds') or 0):8.2f} s, cell "
          f"{row.get('cell_size')} m, accepted {row.get('accepted')}", flush=True)


def _tree_cpu(proc: psutil.Process) -> float:
    """CPU seconds (user + system) of a process's children, grandchildren … (the Dask nannies and workers)."""
    total = 0.0
    for child in proc.children(recursive=True):
        try:
            t = child.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def run_national(args: argparse.Namespace) -> None:
    """The national batch on ``--municipalities`` drawn at random, or on a stratified ``--sample`` extrapolated."""
    from geolage.batch.plan import plan_national
    from geolage.batch.profiles import get_profile
    from geolage.batch.run import RunOptions, make_client, run_batch
    from geolage.batch.summary import summary_table, write_summary

    n = args.national_incidents
    profile = get_profile(args.profile)
    weights = None
    if args.sample:
        bounds_all, pop_all, n_all = national_sizes(args)
        weights = stratified_sample(n_all, args.sample, args.seed)
        codes = list(weights.index)
        bounds = bounds_all.set_index("code").loc[codes].reset_index()
        title = (f"National batch, profile {profile.name}: stratified sample of {len(codes)} of {len(n_all)} "
                 f"municipalities, each with its share of {n:,} incidents ({int(n_all[codes].sum()):,} in the sample)")
    else:
        title = (f"National batch, profile {profile.name}: {n:,} synthetic incidents, "
                 f"{args.municipalities or 290} municipalities")
    header(title)
    print("(CPU of 'run on Dask' below: the benchmark process only; the workers' CPU is printed after it)")
    work = Path(tempfile.mkdtemp(prefix="geolage-bench-national-"))
    try:
        with stage("make synthetic national data", n, "national"):
            if args.sample:
                template, bounds = national_inputs(work, args, bounds, pop_all, n_all)
            else:
                template, bounds = national_inputs(work, args)
        n_rows = sum(1 for _ in open(work / "incidents.csv", encoding="utf-8")) - 1
        times, rows_by_w = {}, {}
        for workers in args.workers:
            out = work / f"out-{workers}"
            with stage(f"plan (split by municipality), {workers}w", n_rows, "national"):
                plan = plan_national(template, by="kommun_kod", out_dir=out, work_dir=work / f"split-{workers}",
                                     boundaries=bounds)
            steps = tuple(args.steps) if args.steps else None
            client, cluster = make_client(workers=workers)
            try:
                before = _tree_cpu(psutil.Process())
                with stage(f"run on Dask, {workers} worker(s)", n_rows, "national") as row:
                    result = run_batch(plan, options=RunOptions(steps=steps, pdf=False, profile=profile.name),
                                       client=client, progress=_print_row)
                    row["note"] = f"{len(result.rows) - len(result.failed)} ok, {len(result.failed)} failed"
                workers_cpu = _tree_cpu(psutil.Process()) - before
            finally:
                client.close()
                cluster.close()
            tasks_cpu = sum(float(r.get("cpu_seconds") or 0) for r in result.rows)
            print(f"{'  CPU of the Dask worker processes':<40} {n_rows:>11,} {'':>9} {workers_cpu:9.2f}   "
                  f"(tasks themselves: {tasks_cpu:.2f} s; Dask and imports: {workers_cpu - tasks_cpu:.2f} s)")
            with stage(f"national summary, {workers}w", n_rows, "national"):
                write_summary(summary_table(result.rows, plan.boundaries), out, record=result.record)
            times[workers] = (row["seconds"], workers_cpu)
            rows_by_w[workers] = result.rows
            for r in result.failed[:5]:
                print(f"   failed {r['code']}: {str(r.get('error', '')).splitlines()[0][:150]}")
        if len(times) > 1:
            one = times[min(times)][0]
            for w, (t, c) in sorted(times.items()):
                print(f"{'speed-up with ' + str(w) + ' worker(s)':<40} {n_rows:>11,} {t:9.2f} {c:9.2f} {one / t:7.2f}x "
                      "(wall clock; the machine is shared)")
        if weights is not None:
            extrapolate(rows_by_w[min(rows_by_w)], weights, n_all, times, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def extrapolate(rows: list[dict], weights: pd.Series, n_all: pd.Series, times: dict, args: argparse.Namespace) -> None:
    """Per-municipality CPU of the sample, and the stratified estimate of all municipalities' CPU and wall time."""
    print(f"\n{'code':<6} {'name':<18} {'incidents':>10} {'weight':>7} {'cell m':>7} {'CPU s':>8} {'wall s':>8}")
    cpu = {}
    for r in sorted(rows, key=lambda r: -n_all.get(r["code"], 0)):
        cpu[r["code"]] = float(r.get("cpu_seconds") or 0)
        print(f"{r['code']:<6} {str(r['name'])[:18]:<18} {int(n_all[r['code']]):>10,} {weights[r['code']]:>7.0f} "
              f"{str(r.get('cell_size') or '-'):>7} {cpu[r['code']]:8.2f} {float(r.get('seconds') or 0):8.2f} "
              f"{r['status']}")
    est = float(sum(weights[c] * cpu[c] for c in cpu))
    largest = max(cpu.values())
    _, one_cpu = times[min(times)]
    overhead = max(0.0, one_cpu - sum(cpu.values())) / max(len(cpu), 1)  # Dask and imports per task
    total = est + overhead * len(n_all)
    print(f"\nEstimate for all {len(n_all)} municipalities ({int(n_all.sum()):,} incidents), profile {args.profile}:")
    print(f"  tasks' CPU (stratified: sum of weight x CPU)          {est:9.0f} s")
    print(f"  + Dask/imports per task ({overhead:.2f} s, measured on {min(times)} worker(s)) {total:9.0f} s CPU")
    print(f"  largest single municipality                          {largest:9.0f} s CPU")
    for w in (1, 2):
        print(f"  wall on {w} worker(s), cores free: max(total / {w}, largest) = {max(total / w, largest):9.0f} s "
              "(+ splitting the national file: --plan-full)")


def plan_full(args: argparse.Namespace) -> None:
    """Split the whole national file (all municipalities, ``--national-incidents``) by municipality: time and CPU."""
    from geolage.batch.plan import plan_national

    bounds, pop, n_each = national_sizes(args)
    header(f"Splitting the national file: {int(n_each.sum()):,} incidents, {len(bounds)} municipalities")
    work = Path(tempfile.mkdtemp(prefix="geolage-bench-split-"))
    try:
        with stage("make synthetic national data", int(n_each.sum()), "split"):
            template, bounds = national_inputs(work, args, bounds, pop, n_each)
        size = (work / "incidents.csv").stat().st_size / 1e9
        with stage("plan (split by municipality)", int(n_each.sum()), "split") as row:
            plan = plan_national(template, by="kommun_kod", out_dir=work / "out", work_dir=work / "split",
                                 boundaries=bounds)
            row["note"] = f"{len(plan.municipalities)} municipalities, CSV {size:.2f} GB"
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=("boras", "national", "both"), default="both")
    p.add_argument("--sizes", default="100000,1000000,5000000,10000000",
                   help="incident counts over Borås, comma-separated (default: 100k, 1M, 5M, 10M)")
    p.add_argument("--national-incidents", type=int, default=10_000_000, help="incidents in the national batch")
    p.add_argument("--municipalities", type=int, help="only this many municipalities, drawn at random (default all)")
    p.add_argument("--population", help="CSV kommun_kod,population (default: the Zipf-like proxy)")
    p.add_argument("--workers", default="1,2", help="worker counts for the national batch (default 1,2)")
    p.add_argument("--steps", help="analysis steps, comma-separated (default: the profile's)")
    p.add_argument("--profile", default="full", choices=("full", "national"),
                   help="national: the batch profile of geolage batch --profile national (default full)")
    p.add_argument("--sample", type=int, help="national: a stratified sample of this many municipalities (the 3 "
                   "largest + one per stratum of the rest), each with its full share of --national-incidents, "
                   "extrapolated to all 290")
    p.add_argument("--plan-full", action="store_true", help="national: instead of running the batch, write the "
                   "whole national file (--national-incidents over all municipalities) and time its splitting")
    p.add_argument("--baseline-cap", type=int, default=1_000_000, help="rows at most for the baseline paths")
    p.add_argument("--knox-cap", type=int, default=20_000, help="incidents for Knox against the previous algorithm")
    p.add_argument("--dup-cap", type=int, default=200_000, help="rows for the duplicate check against pairwise")
    p.add_argument("--no-write", action="store_true", help="Borås: skip writing the outputs")
    p.add_argument("--seed", type=int, default=20260630)
    args = p.parse_args(argv)
    args.workers = [int(w) for w in args.workers.split(",") if w.strip()]
    args.steps = [s.strip() for s in args.steps.split(",")] if args.steps else None
    print(f"geolage scale benchmark: {os.cpu_count()} CPUs, {psutil.virtual_memory().total / 1e9:.1f} GB RAM")
    if args.mode in ("boras", "both"):
        for n in (int(s) for s in args.sizes.split(",") if s.strip()):
            run_boras(n, args)
    if args.mode in ("national", "both"):
        if args.plan_full:
            plan_full(args)
        else:
            run_national(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

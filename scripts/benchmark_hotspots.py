"""Benchmark geolage's neighbours, Gi*, Moran/LISA and emerging hot spots against libpysal + esda.

Usage::

    python scripts/benchmark_hotspots.py                  # demo data + 1,000,000 synthetic cells
    python scripts/benchmark_hotspots.py --cells 250000   # smaller synthetic grid
    python scripts/benchmark_hotspots.py --quick          # smoke test (small sizes, seconds)
    python scripts/benchmark_hotspots.py --no-demo

Each figure is printed beside a baseline measured in the same run on the same data: the
straightforward libpysal + esda path (``Graph.build_contiguity`` on the cell polygons,
``esda.G_Local(star=True, transform="B")``, ``esda.Moran``, ``esda.Moran_Local``), and
the largest absolute difference of the values both give. The grid neighbourhood used
for the comparison is queen contiguity = geolage's distance band of 1.5 cell sizes.

This is a benchmark, not a test: it prints, it does not assert (except a non-zero exit
status when a value check fails).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from geolage.neighbours import grid_weights  # noqa: E402
from geolage.stats.autocorrelation import global_moran, local_moran  # noqa: E402
from geolage.stats.emerging import emerging_hotspots  # noqa: E402
from geolage.stats.hotspots import gistar  # noqa: E402

ROWS: list[dict] = []
FAILED: list[str] = []


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def report(what: str, n: int, ours: float, base: float | None, diff: float | None, note: str = "",
           tol: float = 1e-8) -> None:
    ratio = f"{base / ours:8.1f}x" if base is not None and ours > 0 else "       -"
    b = f"{base:9.2f}" if base is not None else "        -"
    d = f"{diff:.1e}" if diff is not None else "-"
    ok = diff is None or diff <= tol
    if not ok:
        FAILED.append(what)
    print(f"{what:<44} {n:>10,} {ours:9.2f} {b} {ratio}  {d:>8} {'' if ok else 'MISMATCH'} {note}", flush=True)
    ROWS.append({"what": what, "n": n, "ours_s": ours, "baseline_s": base, "max_abs_diff": diff})


def header(title: str) -> None:
    print(f"\n== {title}")
    print(f"{'method':<44} {'n':>10} {'ours (s)':>9} {'base (s)':>9} {'speed-up':>9}  {'max|Δ|':>8}")


def synthetic_grid(n_cells: int, size: float = 100.0, seed: int = 1) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """A square grid of about n_cells cells (disc-shaped study area) with Poisson counts and 20 clusters."""
    side = int(math.ceil(math.sqrt(n_cells * 4 / math.pi)))
    c, r = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    c, r = c.ravel(), r.ravel()
    keep = (c - side / 2) ** 2 + (r - side / 2) ** 2 <= (side / 2) ** 2
    c, r = c[keep][:n_cells], r[keep][:n_cells]
    x0, y0 = 300_000 + c * size, 6_300_000 + r * size
    g = gpd.GeoDataFrame({"col": c, "row": r}, geometry=shapely.box(x0, y0, x0 + size, y0 + size), crs="EPSG:3006")
    g.index = pd.RangeIndex(len(g), name="cell")
    g.attrs["cell_size"] = size
    rng = np.random.default_rng(seed)
    lam = np.full(len(g), 0.3)
    for _ in range(20):
        cc, rr = rng.integers(0, side, 2)
        lam += 4.0 * np.exp(-((c - cc) ** 2 + (r - rr) ** 2) / (2 * 3.0**2))
    return g, rng.poisson(lam).astype(float)


def esda_quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def bench_grid(g: gpd.GeoDataFrame, y: np.ndarray, label: str, *, baseline: bool, permutations: int,
               esda_perm_cells: int) -> None:
    import esda
    from libpysal.graph import Graph

    n = len(g)
    size = g.attrs["cell_size"]
    header(f"{label}: {n:,} grid cells")

    # neighbours + Gi*: ours (queen band = 1.5 cell sizes) vs libpysal contiguity + esda
    def ours_gi():
        w = grid_weights(g, 1.5 * size)
        return gistar(g, y, weights=w, correction="fdr")

    res, t_ours = timed(ours_gi)
    _, t_w = timed(grid_weights, g, 1.5 * size)
    graph = None
    if baseline:
        graph, t_graph = timed(Graph.build_contiguity, g.geometry, rook=False)
        ref, t_esda = timed(esda_quiet, esda.G_Local, y, graph, transform="B", star=True, permutations=0)
        diff = float(np.nanmax(np.abs(ref.Zs - res["gistar_z"].to_numpy())))
        report("neighbours + Gi* (queen), analytical", n, t_ours, t_graph + t_esda, diff,
               f"(weights {t_w:.2f}s vs {t_graph:.2f}s)")
    else:
        report("neighbours + Gi* (queen), analytical", n, t_ours, None, None)
    res_auto, t_auto = timed(gistar, g, y)
    report(f"neighbours + Gi* (auto band {res_auto.attrs['parameters']['weights']['distance']:g} m)", n, t_auto,
           None, None)

    # permutation inference
    w = grid_weights(g, 1.5 * size)
    res_p, t_perm = timed(gistar, g, y, weights=w, permutations=permutations, seed=1)
    res_p2 = gistar(g, y, weights=w, permutations=permutations, seed=1)
    same = bool(res_p["gistar_p_sim"].equals(res_p2["gistar_p_sim"]))
    base_perm, note = None, f"seeded rerun identical: {same}"
    if not same:
        FAILED.append("permutation reproducibility")
    if baseline and graph is not None:
        m = min(n, esda_perm_cells)
        sub = g.iloc[:m]
        gsub = Graph.build_contiguity(sub.geometry, rook=False)
        _, t_sub = timed(esda_quiet, esda.G_Local, y[:m], gsub, transform="B", star=True,
                         permutations=permutations, seed=1, n_jobs=1)
        base_perm = t_sub * n / m
        note += f"; esda timed on {m:,} cells, scaled x{n / m:.0f}" if m < n else ""
    report(f"Gi* permutation inference ({permutations} perms)", n, t_perm, base_perm, None, note)

    # global Moran and LISA (row-standardised queen weights)
    gm, t_gm = timed(global_moran, g, y, weights=w, permutations=0)
    if baseline and graph is not None:
        ref_m, t_rm = timed(esda_quiet, esda.Moran, y, graph, permutations=0)
        report("global Moran's I (analytical)", n, t_gm, t_rm, abs(gm["moran_i"] - ref_m.I))
    else:
        report("global Moran's I (analytical)", n, t_gm, None, None)
    perms_m = min(permutations, 99)
    _, t_gmp = timed(global_moran, g, y, weights=w, permutations=perms_m, seed=1)
    report(f"global Moran's I ({perms_m} perms)", n, t_gmp, None, None)
    lm, t_lm = timed(local_moran, g, y, weights=w, permutations=permutations, seed=1)
    if baseline and graph is not None:
        ref_l, t_rl = timed(esda_quiet, esda.Moran_Local, y, graph, permutations=0)
        m = min(n, esda_perm_cells)
        gsub = Graph.build_contiguity(g.iloc[:m].geometry, rook=False)
        _, t_sub = timed(esda_quiet, esda.Moran_Local, y[:m], gsub, permutations=permutations, seed=1, n_jobs=1)
        base = t_rl + t_sub * n / m
        report(f"LISA ({permutations} perms)", n, t_lm, base, float(np.abs(lm["lisa_i"].to_numpy() - ref_l.Is).max()),
               f"esda perms timed on {m:,} cells, scaled" if m < n else "")
    else:
        report(f"LISA ({permutations} perms)", n, t_lm, None, None)

    # emerging hot spots: 10 yearly bins
    rng = np.random.default_rng(2)
    cube = pd.DataFrame(rng.poisson(np.maximum(y, 0.1)[:, None] / 10 + 0.05, (n, 10)).astype(float), index=g.index,
                        columns=[str(2016 + i) for i in range(10)])
    _, t_e = timed(emerging_hotspots, g, cube, weights=w)
    report("emerging hot spots (10 bins, no baseline)", n, t_e, None, None, f"{n * 10:,} bins")


def bench_demo(permutations: int, baseline: bool) -> None:
    from geolage.config import read_config
    from geolage.run.pipeline import prepare
    from geolage.run.steps.emerging import add_emerging
    from geolage.run.steps.hotspots import add_hotspots

    cfg_path = REPO / "data" / "boras_demo.toml"
    try:
        cfg = read_config(cfg_path)
        results = prepare(cfg)
    except Exception as exc:  # the demo is optional for the benchmark
        print(f"\n== demo skipped: {exc}")
        return
    counts = results.incidents["cell_id"].dropna().value_counts().reindex(results.grid.index, fill_value=0)
    bench_grid(results.grid, counts.to_numpy(dtype=float), "Borås demo (all categories)", baseline=baseline,
               permutations=permutations, esda_perm_cells=5000)
    header("Borås demo: pipeline steps (all categories)")
    _, t_h = timed(add_hotspots, results)
    report("add_hotspots (Gi*, Moran, LISA: grid + districts)", len(results.grid), t_h, None, None)
    _, t_e = timed(add_emerging, results)
    report("add_emerging", len(results.grid), t_e, None, None)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=1_000_000, help="synthetic grid cells (default 1,000,000)")
    ap.add_argument("--permutations", type=int, default=999)
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke test in seconds")
    ap.add_argument("--no-demo", action="store_true", help="skip the Borås demo data")
    ap.add_argument("--no-baseline", action="store_true", help="skip libpysal + esda (ours only)")
    args = ap.parse_args(argv)
    cells = 5_000 if args.quick else args.cells
    perms = 99 if args.quick else args.permutations
    numba = importlib.util.find_spec("numba") is not None
    print(f"geolage hotspot benchmark: {cells:,} synthetic cells, {perms} permutations; numba installed: {numba} "
          "(geolage uses none: no JIT compilation)")
    if not args.no_demo and not args.quick:
        bench_demo(perms, not args.no_baseline)
    g, y = synthetic_grid(cells)
    bench_grid(g, y, "synthetic", baseline=not args.no_baseline, permutations=perms,
               esda_perm_cells=1000 if args.quick else 5000)
    if FAILED:
        print("\nvalue checks failed: " + ", ".join(FAILED))
        return 1
    print("\nall value checks passed (analytical values within 1e-8 of esda)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

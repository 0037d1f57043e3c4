"""Benchmark geolage.stats.density.kde (binning + FFT) against the exact kernel sum (scipy cKDTree).

Usage::

    python scripts/benchmark_density.py [--points 1000000] [--size 1000] [--cell 10]
                                        [--bandwidth 100] [--sample 2000] [--quick]

Prints the time of ``kde`` for N points onto a size × size raster, beside a baseline
measured in the same run: the exact quartic kernel sum at cell centres with
``scipy.spatial.cKDTree.query_ball_point`` (``geolage.stats.density.kde_at``) on a random
sample of cells, scaled to the whole raster; and the largest difference between the
two, relative to the peak density (documented tolerance: 0.5 × (cell / bandwidth)²).
Exit code 1 if the difference exceeds the tolerance or the mass is not conserved.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from scipy.spatial import cKDTree

from geolage.stats.density import kde, kde_at


def make_points(n: int, extent: float, rng: np.random.Generator) -> np.ndarray:
    """Clustered points like crime: 70 % in 200 hotspots (sd 50–400 m), 30 % spread out."""
    x0, y0 = 370_000.0, 6_390_000.0
    n_c = int(0.7 * n)
    centres = rng.uniform(0.1 * extent, 0.9 * extent, size=(200, 2))
    which = rng.integers(0, 200, n_c)
    sd = rng.uniform(50, 400, 200)[which]
    clustered = centres[which] + rng.normal(size=(n_c, 2)) * sd[:, None]
    spread = rng.uniform(0, extent, size=(n - n_c, 2))
    xy = np.vstack([clustered, spread])
    xy = xy[(xy >= 0).all(axis=1) & (xy < extent).all(axis=1)]
    return xy + [x0, y0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--size", type=int, default=1000, help="raster side in cells")
    ap.add_argument("--cell", type=float, default=10.0, help="cell size in metres")
    ap.add_argument("--bandwidth", type=float, default=100.0, help="quartic radius in metres")
    ap.add_argument("--sample", type=int, default=2000, help="cells on which the baseline is timed")
    ap.add_argument("--repeat", type=int, default=3, help="runs of kde (best is reported)")
    ap.add_argument("--quick", action="store_true", help="smoke test: 20,000 points, 200 × 200 cells")
    args = ap.parse_args(argv)
    if args.quick:
        args.points, args.size, args.sample, args.repeat = 20_000, 200, 40_000, 1

    rng = np.random.default_rng(20240601)
    extent = args.size * args.cell
    xy = make_points(args.points, extent, rng)
    x0, y0 = 370_000.0, 6_390_000.0
    box = (x0, y0, x0 + extent, y0 + extent)
    print(f"cores available: {os.cpu_count()} (affinity: {len(os.sched_getaffinity(0))})")
    print(f"points: {len(xy):,}; raster: {args.size} × {args.size} cells of {args.cell:g} m; "
          f"quartic kernel, bandwidth {args.bandwidth:g} m")

    kde(xy[:1000], bandwidth=args.bandwidth, cell_size=args.cell, extent=box, quiet=True)  # warm-up
    times = []
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        res = kde(xy, bandwidth=args.bandwidth, cell_size=args.cell, extent=box, quiet=True)
        times.append(time.perf_counter() - t0)
    ours = min(times)
    print(f"geolage.kde (linear binning + FFT): {ours:.3f} s (best of {len(times)}; "
          f"all: {', '.join(f'{t:.3f}' for t in times)})")

    n_cells = res.array.size
    k = min(args.sample, n_cells)
    idx = rng.choice(n_cells, size=k, replace=False) if k < n_cells else np.arange(n_cells)
    xs, ys = res.cell_centres()
    at = np.column_stack([xs.ravel()[idx], ys.ravel()[idx]])
    # Baseline: the straightforward scipy path, the exact quartic kernel sum at each cell
    # centre over the points a k-d tree finds within the bandwidth (vectorised per batch).
    h = args.bandwidth
    t0 = time.perf_counter()
    tree = cKDTree(xy)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    hits = tree.query_ball_point(at, r=h)
    lens = np.fromiter((len(v) for v in hits), dtype=np.int64, count=k)
    loc = np.repeat(np.arange(k), lens)
    pts = np.concatenate([np.asarray(v, dtype=np.int64) for v in hits])
    u2 = ((xy[pts] - at[loc]) ** 2).sum(axis=1) / (h * h)
    exact = np.bincount(loc, np.where(u2 < 1, 3 / (np.pi * h * h) * (1 - u2) ** 2, 0.0), minlength=k) * 1e6
    query = time.perf_counter() - t0
    scaled = build + query * n_cells / k
    check = kde_at(xy, at[:100], bandwidth=h, kernel="quartic")  # the library's exact sum agrees
    if not np.allclose(check, exact[:100], rtol=1e-9, atol=1e-9):
        print("FAILED: baseline and geolage.stats.density.kde_at differ")
        return 1
    print(f"baseline (exact kernel sum, scipy cKDTree.query_ball_point): tree {build:.3f} s + {query:.3f} s "
          f"for {k:,} cells -> {scaled:.1f} s for all {n_cells:,} cells"
          f"{' (measured)' if k == n_cells else ' (scaled)'}")
    print(f"speed-up: {scaled / ours:.0f} ×")

    fft_vals = res.array.ravel()[idx]
    peak = max(float(exact.max()), 1e-300)
    diff = float(np.abs(fft_vals - exact).max()) / peak
    tol = 0.5 * (args.cell / args.bandwidth) ** 2
    print(f"max |kde - exact| / peak density on the sampled cells: {diff:.5f} (tolerance {tol:.5f}); "
          f"peak {peak:,.0f} incidents per km²")
    inside = ((xy[:, 0] >= box[0] + args.bandwidth) & (xy[:, 0] < box[2] - args.bandwidth)
              & (xy[:, 1] >= box[1] + args.bandwidth) & (xy[:, 1] < box[3] - args.bandwidth)).sum()
    print(f"mass on the raster: {res.integral():,.1f} (points: {len(xy):,}; "
          f"at least a bandwidth inside the edge: {inside:,})")
    ok = diff <= tol and inside - 1e-6 <= res.integral() <= len(xy) + 1e-6
    print("OK" if ok else "FAILED: difference above tolerance or mass not conserved")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

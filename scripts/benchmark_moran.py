"""Benchmark global Moran's I with permutations: geolage against esda.Moran, same permutations.

Usage::

    python scripts/benchmark_moran.py                         # 1,000,000 cells, 99 permutations
    python scripts/benchmark_moran.py --cells 40000 --permutations 99

Both compute I and the permutation p-value on the same row-standardised distance-band
weights (geolage's grid default) with the same seed rule (``numpy.random.seed(seed)``
before ``esda.Moran``; ``RandomState(seed)`` in geolage), so the simulated values must be
equal: the script checks that and exits non-zero when they differ. Printed: CPU seconds,
the ratio esda / geolage, and the peak memory of numpy allocations during each call
(tracemalloc). Target (issue 13): at least 10x esda at 1M cells.

This is a benchmark, not a test: it prints, it does not assert (except the value check).
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from geolage.neighbours import grid_weights  # noqa: E402
from geolage.stats.autocorrelation import global_moran, moran_simulations  # noqa: E402


def make_grid(cells: int, size: int = 100) -> gpd.GeoDataFrame:
    side = int(round(cells**0.5))
    c, r = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    c, r = c.ravel(), r.ravel()
    x0, y0 = 370_000 + c * size, 6_400_000 + r * size
    g = gpd.GeoDataFrame({"col": c, "row": r}, geometry=shapely.box(x0, y0, x0 + size, y0 + size), crs="EPSG:3006")
    g.index = pd.Index(np.arange(len(g)), name="cell_id")
    g.attrs["cell_size"] = size
    return g


def measured(fn):
    """(result, CPU seconds of this process, peak MiB of traced allocations); CPU time, not wall time: the
    machine may be shared."""
    tracemalloc.start()
    t = time.process_time()
    out = fn()
    sec = time.process_time() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, sec, peak / 2**20


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=1_000_000)
    ap.add_argument("--permutations", type=int, default=99)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    import esda
    from libpysal.graph import Graph

    g = make_grid(args.cells)
    sw = grid_weights(g, 200.0, include_self=False).row_standardised()
    y = np.random.default_rng(args.seed).poisson(0.3, len(g)).astype(float)
    graph = Graph.from_sparse(sw.sparse, ids=np.asarray(sw.ids))
    print(f"{len(g):,} cells, {sw.sparse.nnz:,} weights, {args.permutations} permutations")

    def ours():
        return global_moran(g, y, weights=sw, permutations=args.permutations, seed=args.seed)

    def theirs():
        np.random.seed(args.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return esda.Moran(y, graph, permutations=args.permutations)

    res, t_ours, m_ours = measured(ours)
    ref, t_ref, m_ref = measured(theirs)
    z = y - y.mean()
    sims = moran_simulations(sw.sparse, z, float(sw.sparse.sum()), args.permutations, args.seed)
    diff = float(np.abs(sims - ref.sim).max())
    ok = diff <= 1e-10 and abs(res["moran_i"] - ref.I) <= 1e-10 and res["moran_p_sim"] == ref.p_sim
    print(f"{'':12} {'CPU s':>9} {'peak MiB':>9}")
    print(f"{'esda.Moran':12} {t_ref:9.2f} {m_ref:9.1f}")
    print(f"{'geolage':12} {t_ours:9.2f} {m_ours:9.1f}")
    print(f"ratio esda / geolage: {t_ref / t_ours:.2f}x (target >= 10x at 1M cells)")
    print(f"largest difference of the simulated I: {diff:.1e}; p_sim {res['moran_p_sim']:.4g} vs {ref.p_sim:.4g}")
    if not ok:
        print("VALUES DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

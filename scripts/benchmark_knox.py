"""Benchmark the Knox test (geolage.stats.nearrepeat.knox) and the duplicate check (geolage.duplicates).

Usage::

    python scripts/benchmark_knox.py [--sizes 10000,50000,200000] [--compare 10000] [--permutations 999]
                                     [--extent-km 30] [--years 7] [--dup-sizes 100000,1000000]
                                     [--dup-compare 50000] [--analytic-sizes 100000,1000000]
                                     [--analytic-compare 100000]

Synthetic burglaries over an area of ``extent-km`` × ``extent-km`` (Borås is about 30 × 30 km)
and ``years`` years, with near-repeat chains (a fifth of the events follow another within 150 m
and 10 days). For each size: the CPU time and peak memory (tracemalloc: numpy's allocations) of
``knox`` with the default bands (0–800 m, 0–28 days). At ``--compare`` events (a size both can do)
the previous algorithm is run in the same process: every pair within 800 m formed at once
(``cKDTree.query_pairs``), then every permutation over them; the script checks that both give
the same observed and permutation counts (same seed) and prints the ratio of the times.

The analytic path (exact permutation moments, :mod:`geolage.stats.knox_moments`; what ``knox``
does above ``analytic_above`` = 100,000 events): at ``--analytic-compare`` events both it and the
Monte Carlo path run on the same events (same observed counts checked; the largest difference of
the p-values printed) and the ratio of the times is printed; at ``--analytic-sizes`` the analytic
path alone (Monte Carlo at 1M events takes hours).

The duplicate check likewise: ``find_duplicates`` (grid cells and time search, linear memory)
against the former pairwise check (every pair within 25 m, then a Python loop) at ``--dup-compare``
rows (half of them on shared address points), and alone at ``--dup-sizes``; equal results are checked.

Target (issue 13): Knox on 1M events <= 10 s. The work of a permutation test grows with the
number of pairs within the largest distance (about n² / area), so the time at a size depends on
the density; the script prints the pairs per event.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geolage.duplicates import find_duplicates
from geolage.stats.nearrepeat import knox

D_EDGES = np.array([0.0, 100, 200, 400, 800])
T_EDGES = np.array([0.0, 7, 14, 21, 28])


def make_events(n: int, extent_km: float, years: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Burglary-like events (x, y in metres; time in whole seconds) with near-repeat chains."""
    n0 = n - n // 5
    xy = rng.uniform(0, extent_km * 1000, size=(n0, 2)) + [370_000.0, 6_390_000.0]
    t = rng.uniform(0, years * 365.25, n0)
    src = rng.integers(0, n0, n - n0)
    ang = rng.uniform(0, 2 * np.pi, n - n0)
    r = 150 * np.sqrt(rng.uniform(0, 1, n - n0))
    xy = np.vstack([xy, xy[src] + np.column_stack([r * np.cos(ang), r * np.sin(ang)])])
    t = np.concatenate([t, t[src] + rng.uniform(0, 10, n - n0)])
    return xy, np.round(t * 86_400) / 86_400


def previous_knox(xy: np.ndarray, t_days: np.ndarray, permutations: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The former algorithm: all pairs within the last distance at once, then each permutation over them."""
    t_sec = np.round((t_days - t_days.min()) * 86_400).astype(np.int32)
    pairs = cKDTree(xy).query_pairs(r=float(D_EDGES[-1]), output_type="ndarray")
    d = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    sb = np.searchsorted(D_EDGES, d, side="right") - 1
    keep = d < D_EDGES[-1]
    pi, pj, sb = pairs[keep, 0], pairs[keep, 1], sb[keep]
    nd, nt = len(D_EDGES) - 1, len(T_EDGES) - 1
    e_sec = np.ceil(T_EDGES * 86_400 - 1e-6).astype(np.int64)

    def counts(tt: np.ndarray) -> np.ndarray:
        dt = np.abs(tt[:, pi] - tt[:, pj])
        band = np.zeros(dt.shape, dtype=np.int8)
        for e in e_sec[1:]:
            band += dt >= e
        code = band.astype(np.int64) + sb * (nt + 1) + (np.arange(len(tt)) * nd * (nt + 1))[:, None]
        return np.bincount(code.ravel(), minlength=len(tt) * nd * (nt + 1)).reshape(len(tt), nd, nt + 1)[:, :, :nt]

    observed = counts(t_sec[None, :])[0]
    rng = np.random.default_rng(seed)
    chunk = max(1, min(permutations, 4_000_000 // max(len(pi), 1)))
    out = np.empty((permutations, nd, nt), dtype=np.int64)
    base = np.broadcast_to(t_sec, (chunk, len(t_sec)))
    for s in range(0, permutations, chunk):
        k = min(chunk, permutations - s)
        out[s : s + k] = counts(rng.permuted(base[:k], axis=1))
    return observed, out


def measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, CPU seconds of this process, peak MB of traced allocations); CPU time: the machine may be shared."""
    tracemalloc.start()
    t0 = time.process_time()
    out = fn()
    sec = time.process_time() - t0
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return out, sec, peak


def previous_duplicates(df: pd.DataFrame, distance: float, minutes: float) -> np.ndarray:
    """The former duplicate check: every pair within the distance (per category), then a Python loop."""
    reason = np.full(len(df), None, dtype=object)
    eligible = df["has_clock_time"].to_numpy(bool)
    key = df[["category", "time_from", "time_to"]].assign(x=np.round(df["x"], 0), y=np.round(df["y"], 0))
    first = key.groupby(list(key.columns), sort=False, dropna=False).ngroup().to_numpy()
    seen: dict[int, int] = {}
    for i, g in enumerate(first):
        if eligible[i]:
            if g in seen:
                reason[i] = "duplicate_exact"
            else:
                seen[g] = i
    tol = np.timedelta64(int(minutes * 60), "s")
    xy, times, cats = df[["x", "y"]].to_numpy(), df["time"].to_numpy(), df["category"].to_numpy()
    for cat in pd.unique(cats):
        idx = np.flatnonzero((cats == cat) & pd.isna(reason) & eligible)
        if len(idx) < 2:
            continue
        pairs = cKDTree(xy[idx]).query_pairs(distance, output_type="ndarray")
        if len(pairs) == 0:
            continue
        i, j = idx[pairs[:, 0]], idx[pairs[:, 1]]
        lo, hi = np.minimum(i, j), np.maximum(i, j)
        close = np.abs(times[lo] - times[hi]) <= tol
        lo, hi = lo[close], hi[close]
        order = np.lexsort((lo, hi))
        for a, b in zip(lo[order], hi[order]):
            if reason[b] is None and reason[a] is None:
                reason[b] = "duplicate_near"
    return reason


def make_rows(n: int, extent_km: float, years: float, rng: np.random.Generator) -> pd.DataFrame:
    """Incidents of four categories, half of them on 300 shared address points, a few per cent near copies.

    The shared points give many pairs within 25 m (as snapped or geocoded data do), which the former
    check formed all at once.
    """
    xy, t = make_events(n, extent_km, years, rng)
    addresses = rng.uniform(0, extent_km * 1000, size=(300, 2)) + [370_000.0, 6_390_000.0]
    on_address = rng.uniform(size=n) < 0.5
    xy[on_address] = addresses[rng.integers(0, 300, int(on_address.sum()))]
    copies = rng.integers(0, n, n // 50)
    xy[-len(copies) :] = xy[copies] + rng.normal(0, 5, (len(copies), 2))
    t[-len(copies) :] = t[copies] + rng.uniform(-0.02, 0.02, len(copies))
    times = pd.Timestamp("2018-01-01") + pd.to_timedelta(np.round(t * 86_400), unit="s")
    return pd.DataFrame({"source": "s", "source_row": np.arange(1, n + 1),
                         "category": rng.choice(["stold", "inbrott_bostad", "skadegorelse", "misshandel"], n),
                         "time": times, "time_from": times, "time_to": times, "x": xy[:, 0], "y": xy[:, 1],
                         "has_clock_time": True})


def compare_analytic(args: argparse.Namespace, rng: np.random.Generator) -> int:
    """Analytic against Monte Carlo p-values at one size (same events), then the analytic path alone.

    Returns 1 when the observed counts of the two paths differ.
    """
    n = args.analytic_compare
    xy, t = make_events(n, args.extent_km, args.years, rng)
    an, t_an, m_an = measure(lambda: knox(xy, t, seed=1, quiet=True, analytic_above=0))
    mc, t_mc, m_mc = measure(lambda: knox(xy, t, permutations=args.permutations, seed=1, quiet=True,
                                          analytic_above=None))
    same = np.array_equal(an.table["observed"].to_numpy(), mc.table["observed"].to_numpy())
    p_an, p_mc = an.table["p_value"].to_numpy(), mc.table["p_value"].to_numpy()
    print(f"\nKnox at {n:,} events, analytic (exact moments) {t_an:.2f} s, peak {m_an:.0f} MB; Monte Carlo "
          f"({args.permutations} permutations) {t_mc:.2f} s, peak {m_mc:.0f} MB; ratio {t_mc / t_an:.1f}× faster; "
          f"same observed counts: {same}; largest |p analytic - p Monte Carlo| {np.abs(p_an - p_mc).max():.4f} "
          f"(Monte Carlo floor {1 / (args.permutations + 1):.4f})")
    for n in [int(s) for s in args.analytic_sizes.split(",") if s]:
        xy, t = make_events(n, args.extent_km, args.years, rng)
        res, sec, peak = measure(lambda xy=xy, t=t: knox(xy, t, quiet=True, analytic_above=0))
        print(f"Knox analytic {n:>10,} events: {sec:8.2f} s, peak {peak:7.0f} MB, "
              f"{res.parameters['n_pairs'] / n:6.0f} pairs within 800 m per event")
    return 0 if same else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,50000,200000", help="Knox event counts, comma separated")
    ap.add_argument("--compare", type=int, default=10_000, help="size at which the previous algorithms also run")
    ap.add_argument("--permutations", type=int, default=999)
    ap.add_argument("--extent-km", type=float, default=30.0)
    ap.add_argument("--years", type=float, default=7.0)
    ap.add_argument("--dup-sizes", default="100000,200000", help="duplicate-check row counts")
    ap.add_argument("--dup-compare", type=int, default=50_000, help="rows at which the former check also runs")
    ap.add_argument("--analytic-sizes", default="100000,1000000", help="Knox sizes with exact-moment p-values")
    ap.add_argument("--analytic-compare", type=int, default=100_000,
                    help="size at which the analytic and the Monte Carlo paths both run")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(20261128)
    print(f"cores available: {os.cpu_count()} (affinity: {len(os.sched_getaffinity(0))}); "
          f"area {args.extent_km:g} × {args.extent_km:g} km, {args.years:g} years, {args.permutations} permutations")
    status = 0

    xy, t = make_events(args.compare, args.extent_km, args.years, rng)
    new, t_new, m_new = measure(lambda: knox(xy, t, permutations=args.permutations, seed=1, quiet=True))
    (obs_old, perm_old), t_old, m_old = measure(lambda: previous_knox(xy, t, args.permutations, 1))
    obs_new = new.table["observed"].to_numpy().reshape(5, 5)[:4, :4]
    same = np.array_equal(obs_new, obs_old) and np.array_equal(new.permutation_counts[:, :4, :4], perm_old)
    status |= 0 if same else 1
    print(f"\nKnox at {args.compare:,} events ({new.parameters['n_pairs'] / args.compare:.0f} pairs within 800 m "
          f"per event): geolage {t_new:.2f} s, peak {m_new:.0f} MB; previous algorithm {t_old:.2f} s, "
          f"peak {m_old:.0f} MB; ratio {t_old / t_new:.2f}× faster, {m_old / max(m_new, 1e-9):.2f}× less memory; "
          f"same counts: {same}")
    for n in [int(s) for s in args.sizes.split(",") if s]:
        xy, t = make_events(n, args.extent_km, args.years, rng)
        res, sec, peak = measure(lambda xy=xy, t=t: knox(xy, t, permutations=args.permutations, seed=1, quiet=True))
        print(f"Knox {n:>10,} events: {sec:8.2f} s, peak {peak:7.0f} MB, "
              f"{res.parameters['n_pairs'] / n:6.0f} pairs within 800 m per event, "
              "pairs " + ("not kept (close in time found per permutation)" if res.parameters["pairs_streamed"]
                          else "kept"))

    status |= compare_analytic(args, rng)

    rows = make_rows(args.dup_compare, args.extent_km, args.years, rng)
    (r_new, _), t_new, m_new = measure(lambda: find_duplicates(rows, 25.0, 60.0, "en"))
    r_old, t_old, m_old = measure(lambda: previous_duplicates(rows, 25.0, 60.0))
    same = np.array_equal(r_new, r_old)
    status |= 0 if same else 1
    print(f"\nduplicates at {args.dup_compare:,} rows: geolage {t_new:.2f} s, peak {m_new:.0f} MB; pairwise "
          f"{t_old:.2f} s, peak {m_old:.0f} MB; ratio {t_old / t_new:.2f}× faster; same rejects: {same} "
          f"({int(pd.notna(r_new).sum())} duplicates)")
    for n in [int(s) for s in args.dup_sizes.split(",") if s]:
        rows = make_rows(n, args.extent_km, args.years, rng)
        (r, _), sec, peak = measure(lambda rows=rows: find_duplicates(rows, 25.0, 60.0, "en"))
        print(f"duplicates {n:>10,} rows: {sec:8.2f} s, peak {peak:7.0f} MB, {int(pd.notna(r).sum()):,} duplicates")
    print(f"\nprocess peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")
    return status


if __name__ == "__main__":
    raise SystemExit(main())

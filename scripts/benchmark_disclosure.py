"""Benchmark the disclosure step (public tables) before and after vectorising it (issue 10).

Usage::

    python scripts/benchmark_disclosure.py                 # 100,000 grid cells × 4 categories + alla
    python scripts/benchmark_disclosure.py --cells 5000    # smaller
    python scripts/benchmark_disclosure.py --demo          # also the demo run's whole public step
    python scripts/benchmark_disclosure.py --demo --results r.pkl   # the demo's results pickled once, reused

Grid: "before" is the complementary suppression geolage had until issue 10 (a Python loop over
the groups with pandas ``.loc`` calls, copied below as the baseline); "after" is
:func:`geolage.run.disclosure.complementary_suppression` (numpy, over all groups at once) and
the whole :func:`geolage.run.disclosure.public_table` with rules 7b/7c off and on. Demo: the
whole public step (:func:`geolage.run.disclosure.public_results`) with rules 7b/7c off (the
default before issue 10's joint check) and on (the default now). Everything runs in this
process on the same data; times are CPU seconds (``time.process_time``: other processes on the
machine do not count), peak memory from ``tracemalloc``. The rules differ, so the results are
not compared for equality; the number of hidden values is printed. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import geolage.run.disclosure as disclosure  # noqa: E402
from geolage.categories import ALL_CATEGORIES  # noqa: E402
from geolage.run.disclosure import complementary_suppression, public_table  # noqa: E402
from geolage.run.results import Table  # noqa: E402

#: District tables whose hidden counts the demo benchmark prints.
DEMO_TABLES = ("rates_district", "funnel", "counts_source", "comparison", "series", "year_to_date", "area_profile")


def old_complementary(df: pd.DataFrame, suppressed: dict[str, pd.Series]) -> None:
    """The pre-issue-10 rule (one hidden category per group: hide the smallest other), as it was."""
    keys = [c for c in ("cell_id", "period") if c in df.columns]
    by = keys[0] if len(keys) == 1 else keys
    groups = df.groupby(by, dropna=False, sort=False).groups
    is_total = df["category"] == ALL_CATEGORIES
    for col, mask in suppressed.items():
        for _, idx in groups.items():
            idx = pd.Index(idx)
            parts = idx[~is_total.loc[idx].to_numpy()]
            if not is_total.loc[idx].any() or is_total.loc[idx][mask.loc[idx]].any():
                continue
            hidden = mask.loc[parts]
            if int(hidden.sum()) != 1:
                continue
            candidates = pd.to_numeric(df.loc[parts[~hidden.to_numpy()], col], errors="coerce").dropna()
            if candidates.empty:
                continue
            mask.loc[candidates.idxmin()] = True


def grid_table(n_cells: int, n_categories: int = 4, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cells = np.repeat([f"C{i:07d}" for i in range(n_cells)], n_categories)
    cats = np.tile([f"cat{j}" for j in range(n_categories)], n_cells)
    lam = rng.gamma(0.6, 4.0, n_cells * n_categories)
    counts = rng.poisson(lam)
    parts = pd.DataFrame({"cell_id": cells, "category": cats, "count": counts})
    total = parts.groupby("cell_id", sort=False)["count"].sum().reset_index().assign(category=ALL_CATEGORIES)
    return pd.concat([parts, total], ignore_index=True)


def measure(fn, *args, memory: bool = True):
    """Time ``fn`` (without tracing), then run it again under ``tracemalloc`` for the peak memory."""
    t = time.process_time()
    out = fn(*args)
    seconds = time.process_time() - t
    peak = float("nan")
    if memory:
        tracemalloc.start()
        fn(*args)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return out, seconds, peak


def bench_grid(n_cells: int, k: int = 5) -> None:
    df = grid_table(n_cells)
    small = (df["count"] >= 0) & (df["count"] < k)

    def before():
        mask = small.copy()
        old_complementary(df, {"count": mask})
        return int(mask.sum())

    def after():
        mask = small.copy()
        complementary_suppression(df, "count", mask, k, zero_hidden=True)
        return int(mask.sum())

    def whole():
        return public_table(Table("gistar_grid", df, {"sv": "x"}, count_columns=("count",)), k)

    def whole_off():
        default = disclosure.JOINT_CHECK
        disclosure.JOINT_CHECK = False
        try:
            return whole()
        finally:
            disclosure.JOINT_CHECK = default

    n_before, t_before, m_before = measure(before, memory=n_cells <= 20_000)  # tracing the loop is slow
    n_after, t_after, m_after = measure(after)
    _, t_off, m_off = measure(whole_off)
    _, t_whole, m_whole = measure(whole)
    rows = len(df)
    print(f"grid {n_cells:,} cells, {rows:,} rows (4 categories + alla), k = {k}")
    print(f"  before (loop, .loc)      {t_before:9.3f} s  peak {m_before:8.1f} MiB  hidden {n_before:,}")
    print(f"  after  (numpy)           {t_after:9.3f} s  peak {m_after:8.1f} MiB  hidden {n_after:,}"
          f"  speed-up {t_before / max(t_after, 1e-9):8.1f}x")
    print(f"  whole public_table, 7b/7c off {t_off:8.3f} s  peak {m_off:8.1f} MiB")
    print(f"  whole public_table, 7b/7c on  {t_whole:8.3f} s  peak {m_whole:8.1f} MiB")


def _demo_results(path: str | None):
    """The demo's results: run once, or read from ``path`` (a pickle; written there when it does not exist)."""
    import pickle

    from geolage.cli import demo_config_path
    from geolage.config import read_config
    from geolage.run.pipeline import run

    if path and Path(path).is_file():
        with open(path, "rb") as f:
            return pickle.load(f)  # noqa: S301 (a file this script wrote)
    results = run(read_config(demo_config_path()))
    if path:
        with open(path, "wb") as f:
            pickle.dump(results, f)
    return results


def bench_demo(path: str | None = None) -> None:
    from geolage.run.disclosure import public_results

    results = _demo_results(path)
    public_results(results)  # once untimed: imports and first calls
    default = disclosure.JOINT_CHECK
    for joint in (False, True):  # rules 7b/7c off and on, in the same process
        disclosure.JOINT_CHECK = joint
        try:
            public, seconds, _ = measure(public_results, results, memory=False)
        finally:
            disclosure.JOINT_CHECK = default
        hidden = {name: int(t.data["count_suppressed"].sum()) for name, t in public.tables.items()
                  if "count_suppressed" in t.data.columns}
        print(f"demo: whole public step (public_results), rules 7b/7c {'on ' if joint else 'off'} {seconds:.3f} s CPU; "
              f"hidden counts: " + ", ".join(f"{name} {hidden.get(name, 0):,}" for name in DEMO_TABLES)
              + f", all tables {sum(hidden.values()):,}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=100_000)
    ap.add_argument("--demo", action="store_true", help="also time the demo's public step (runs the demo first)")
    ap.add_argument("--results", help="pickle of the demo's results: read if it exists, else written after the run")
    args = ap.parse_args(argv)
    bench_grid(args.cells)
    if args.demo:
        bench_demo(args.results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

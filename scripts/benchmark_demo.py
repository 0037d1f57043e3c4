"""Benchmark the Borås demo (``geolage demo``) stage by stage, against a baseline revision in the same run.

Usage::

    python scripts/benchmark_demo.py                         # this checkout only
    python scripts/benchmark_demo.py --baseline 0cac43f      # and a baseline revision, same machine, same run
    python scripts/benchmark_demo.py --baseline main --repeat 2

Each run is a child process (``python scripts/benchmark_demo.py --child OUT.json``) that runs
``geolage demo`` through :func:`geolage.cli.main` with the command's progress display
replaced by a timer: the command names each stage before it starts (reading each source,
the grid, every analysis step, disclosure control, GeoPackage, tables, map, report), so
the time between two names is the stage's. A sampler thread reads the resident memory
(``/proc/self/statm``) every 20 ms and keeps each stage's peak. The baseline is checked
out with ``git worktree add --detach`` into a temporary folder (removed afterwards) and
run with ``PYTHONPATH`` pointing at it; the current checkout likewise.

Printed: per stage the wall and CPU seconds of the baseline and of this checkout and their
ratios (baseline / this: above 1 is faster) and this checkout's peak memory in the stage,
then the totals and the peak memory of each run. A stage's CPU is the main process's; the
work of the forked children (hot spots, forecast, report, tables) shows only in "CPU with
children", which adds the CPU of every child process that was waited for (the forked
children and the browser; the browser's renderer processes, started by its zygote, are
not all counted). With ``--repeat N`` each figure is the median of N runs (the runs
alternate, so load from other processes falls on both). The machine is shared: read the
ratios, which are measured side by side, rather than the absolute seconds.

This is a benchmark, not a test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * _PAGE


class _StageTimer:
    """Stands in for the command's progress bar: records when each named stage starts, and its peak memory."""

    def __init__(self, total: int = 0, enabled: bool = False) -> None:  # the signature of geolage.cli._Progress
        self.stages: list[dict] = []
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self("start")

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self._peak = max(self._peak, _rss_bytes())

    def _end_stage(self) -> None:
        if self.stages:
            last = self.stages[-1]
            last["seconds"] = time.perf_counter() - last.pop("_t")
            last["cpu_seconds"] = time.process_time() - last.pop("_c")
            last["peak_mb"] = max(self._peak, _rss_bytes()) / 2**20

    def __call__(self, name: str) -> None:
        self._end_stage()
        self._peak = _rss_bytes()
        self.stages.append({"stage": name, "_t": time.perf_counter(), "_c": time.process_time()})

    def close(self) -> None:
        if self.stages and "_t" in self.stages[-1]:
            self._end_stage()
        self._stop.set()


def _child(out_json: Path) -> int:
    """Run the demo in this process with stage timing; write the timings as JSON."""
    import geolage.cli as cli

    timers: list[_StageTimer] = []

    def make(total: int, enabled: bool) -> _StageTimer:
        timers.append(_StageTimer(total, enabled))
        return timers[-1]

    cli._Progress = make  # type: ignore[assignment]
    with tempfile.TemporaryDirectory(prefix="geolage-bench-") as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        code = cli.main(["demo", "--quiet", "--out", str(Path(tmp) / "out")])
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    stages = [s for t in timers for s in t.stages if "seconds" in s]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_all = cpu + kids.ru_utime + kids.ru_stime  # plus the forked children and the browsers (as far as waited for)
    out_json.write_text(json.dumps({"exit": code, "wall": wall, "cpu": cpu, "cpu_all": cpu_all, "peak_mb": peak,
                                    "stages": stages}))
    return code


def _run(tree: Path, label: str) -> dict:
    """One demo run of the code in ``tree`` in a child process."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        result = Path(fh.name)
    env = dict(os.environ, PYTHONPATH=str(tree))
    print(f"running {label} ({tree}) …", file=sys.stderr, flush=True)
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(result)], env=env,
                          cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{label}: the demo failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    data = json.loads(result.read_text())
    result.unlink()
    return data


def _median_runs(runs: list[dict]) -> dict:
    """Stage by stage medians of several runs of one tree (stages matched by name and order)."""
    names = [s["stage"] for s in runs[0]["stages"]]
    stages = []
    for i, name in enumerate(names):
        same = [r["stages"][i] for r in runs if i < len(r["stages"]) and r["stages"][i]["stage"] == name]
        stages.append({"stage": name, "seconds": statistics.median(s["seconds"] for s in same),
                       "cpu_seconds": statistics.median(s["cpu_seconds"] for s in same),
                       "peak_mb": max(s["peak_mb"] for s in same)})
    return {"stages": stages, **{k: statistics.median(r.get(k, 0.0) for r in runs)
                                 for k in ("wall", "cpu", "cpu_all", "peak_mb")}}


def _ratio(base: float | None, this: float) -> str:
    return f"{base / this:6.1f}x" if base is not None and this > 0 else f"{'':>7}"


def _report(current: dict, baseline: dict | None) -> None:
    """Per stage: wall and CPU seconds (baseline, this, ratio baseline / this) and this run's peak memory."""
    base_stages = {s["stage"]: s for s in baseline["stages"]} if baseline else {}
    print(f"{'stage':<30} {'wall base':>9} {'this':>7} {'ratio':>7} {'cpu base':>9} {'this':>7} {'ratio':>7} "
          f"{'peak MB':>8}")
    for s in current["stages"]:
        b = base_stages.get(s["stage"])
        bw = f"{b['seconds']:9.2f}" if b else f"{'-':>9}"
        bc = f"{b['cpu_seconds']:9.2f}" if b else f"{'-':>9}"
        print(f"{s['stage'][:30]:<30} {bw} {s['seconds']:7.2f} {_ratio(b and b['seconds'], s['seconds'])} "
              f"{bc} {s['cpu_seconds']:7.2f} {_ratio(b and b['cpu_seconds'], s['cpu_seconds'])} {s['peak_mb']:8.0f}")
    for key, label in (("wall", "total wall (s)"), ("cpu", "total CPU (s)"), ("cpu_all", "CPU with children (s)"),
                       ("peak_mb", "peak memory (MB)")):
        base = baseline[key] if baseline else None
        shown = f"{base:9.1f}" if base is not None else f"{'-':>9}"
        print(f"{label:<30} {shown} {current[key]:7.1f} {_ratio(base, current[key])}")


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the benchmark (or, with ``--child``, one timed demo)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="git revision to compare with (checked out in a temporary worktree)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each tree (medians; default 1)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child)
    worktree = None
    try:
        if args.baseline:
            worktree = Path(tempfile.mkdtemp(prefix="geolage-baseline-")) / "tree"
            subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(worktree), args.baseline],
                           check=True, stdout=subprocess.DEVNULL)
        runs: dict[str, list[dict]] = {"this": [], "base": []}
        for _ in range(max(args.repeat, 1)):
            if worktree is not None:
                runs["base"].append(_run(worktree, f"baseline {args.baseline}"))
            runs["this"].append(_run(REPO, "this checkout"))
        current = _median_runs(runs["this"])
        baseline = _median_runs(runs["base"]) if runs["base"] else None
        _report(current, baseline)
    finally:
        if worktree is not None:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(worktree)], check=False)
            shutil.rmtree(worktree.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

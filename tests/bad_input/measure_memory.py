"""Measure the peak memory of a run's analysis against its grid size: the basis of the size guard's constants.

``python tests/bad_input/measure_memory.py`` runs prepare + analyse (one process, ``GEOLAGE_WORKERS=1``) of
the bad-input corpus's clean project (5 × 1 km, 60 incidents, 3 categories with "all") with grid cells of
several sizes and periods of years or months, each in a fresh Python, and reports per run the grid cells,
periods and the peak resident memory above the same run with a 250 m grid (ru_maxrss, Linux). A least-squares
fit of ``extra = a · cells + b · cells · categories · periods`` gives the bytes per cell and per
cell × category × period that :mod:`geolage.preflight` uses. The density raster is measured the same way:
one surface (:func:`geolage.stats.density.kde` with its mask) of 1, 4 and 9 million cells.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CHILD = """
import json, resource, sys
from geolage.config import read_config
from geolage.preflight import _n_categories, _n_periods
from geolage.run.pipeline import run
cfg = read_config(sys.argv[1])
results = run(cfg)
print(json.dumps({"cells": len(results.grid), "categories": _n_categories(cfg), "periods": _n_periods(cfg),
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""
RASTER_CHILD = """
import json, resource, sys
import numpy as np, shapely
from geolage.stats.density import kde
n = int(sys.argv[1])
pts = np.random.default_rng(1).uniform(0, 5000, size=(60, 2)) + [370000, 6400000]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kde(pts, bandwidth=300, cell_size=5000 / n, extent=(370000, 6400000, 375000, 6405000),
    mask=shapely.box(370000, 6400000, 375000, 6405000), crs="EPSG:3006", quiet=True)
print(json.dumps({"raster_cells": n * n, "extra_bytes": 1024 * (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                                                  - base)}))
"""
#: (grid cell in m, period unit of the emerging hot spots)
RUNS = ((250, "year"), (40, "year"), (25, "year"), (20, "year"), (40, "month"), (25, "month"))


def measure(cell: int, unit: str, folder: Path) -> dict:
    """Peak memory of one run (a fresh process)."""
    sys.path.insert(0, str(HERE.parent))
    from bad_input.generate import Project

    extra = f"[grid]\ncell_size = {cell}\n[emerging]\nunit = \"{unit}\"\n"
    config = Project(extra=extra).write(folder / f"{cell}_{unit}")
    env = {**os.environ, "GEOLAGE_WORKERS": "1", "PYTHONPATH": str(HERE.parents[1])}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(config)], capture_output=True, text=True, env=env,
                          check=True)
    return {"cell": cell, "unit": unit, **json.loads(proc.stdout.strip().splitlines()[-1])}


def measure_raster(side_cells: int) -> dict:
    """Peak memory of one density surface of ``side_cells``² cells (a fresh process)."""
    env = {**os.environ, "PYTHONPATH": str(HERE.parents[1])}
    proc = subprocess.run([sys.executable, "-c", RASTER_CHILD, str(side_cells)], capture_output=True, text=True,
                          env=env, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure every run of :data:`RUNS` and print the fit; then the density raster."""
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(cell, unit, Path(tmp)) for cell, unit in RUNS]
    base = rows[0]["peak_kib"] * 1024
    for r in rows:
        r["extra_bytes"] = r["peak_kib"] * 1024 - base
        print(json.dumps(r))
    fit = rows[1:]
    x = np.array([[r["cells"], r["cells"] * r["categories"] * r["periods"]] for r in fit], dtype=float)
    y = np.array([r["extra_bytes"] for r in fit], dtype=float)
    (a, b), *_ = np.linalg.lstsq(x, y, rcond=None)
    print(f"bytes per cell: {a:.0f}; bytes per cell x category x period: {b:.0f}")
    rasters = [measure_raster(n) for n in (1000, 2000, 3000)]
    for r in rasters:
        print(json.dumps(r))
    slope = (rasters[-1]["extra_bytes"] - rasters[0]["extra_bytes"]) / (rasters[-1]["raster_cells"]
                                                                         - rasters[0]["raster_cells"])
    print(f"bytes per raster cell of one surface: {slope:.0f}")


if __name__ == "__main__":  # pragma: no cover
    main()

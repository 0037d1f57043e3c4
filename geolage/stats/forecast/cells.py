"""The analysis grid and the incidents as arrays, and the raster operations the forecasts use."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import fftconvolve

DAY_NS = 86_400 * 10**9


@dataclass(frozen=True)
class Cells:
    """The analysis grid as arrays (grid order), with its dense raster layout."""

    ids: np.ndarray
    index: pd.Index
    r: np.ndarray
    c: np.ndarray
    shape: tuple[int, int]
    area: np.ndarray
    cell_size: float
    id_order: np.ndarray  # position of each cell when sorted by cell id (tie-break)


def prepare_cells(grid: pd.DataFrame) -> Cells:
    """Check the grid (``col``, ``row``, cell size, unique ids and positions) and lay it out as arrays."""
    missing = [c for c in ("col", "row") if c not in grid.columns]
    if missing:
        raise ValueError(f"grid needs the columns col and row; missing: {', '.join(missing)}")
    if len(grid) == 0:
        raise ValueError("grid needs at least one cell; got an empty grid")
    cell_size = grid.attrs.get("cell_size")
    if cell_size is None or not float(cell_size) > 0:
        raise ValueError(f"grid.attrs['cell_size'] needs to be a positive number of metres; got {cell_size!r}")
    ids = (grid["cell_id"] if "cell_id" in grid.columns else pd.Series(grid.index)).astype(str).to_numpy()
    index = pd.Index(ids)
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise ValueError(f"grid cell ids need to be unique; {dup!r} occurs more than once")
    col = grid["col"].to_numpy(dtype=np.int64)
    row = grid["row"].to_numpy(dtype=np.int64)
    r = row - row.min()
    c = col - col.min()
    pos = pd.Index(r * (int(c.max()) + 1) + c)
    if pos.has_duplicates:
        first = int(np.flatnonzero(pos.duplicated())[0])
        raise ValueError(f"grid cells need unique (col, row); cell {ids[first]!r} repeats the position of another")
    full = float(cell_size) ** 2
    if "area_share" in grid.columns:
        area = np.clip(grid["area_share"].to_numpy(dtype=float), 0.0, 1.0) * full
    else:
        area = np.full(len(grid), full)
    id_order = np.empty(len(ids), dtype=np.int64)
    id_order[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    return Cells(ids, index, r, c, (int(r.max()) + 1, int(c.max()) + 1), area, float(cell_size), id_order)


@dataclass(frozen=True)
class Events:
    """Incidents as arrays: grid cell position and time (ns since the epoch)."""

    cell: np.ndarray
    t: np.ndarray


def prepare_events(incidents: pd.DataFrame, cells: Cells) -> Events:
    """The incidents inside the grid with a time, as cell positions and times (incidents need ``cell_id``, ``time``)."""
    missing = [c for c in ("cell_id", "time") if c not in incidents.columns]
    if missing:
        raise ValueError(f"incidents need the columns cell_id and time; missing: {', '.join(missing)}")
    times = pd.to_datetime(incidents["time"])
    pos = cells.index.get_indexer(incidents["cell_id"].astype(object).where(incidents["cell_id"].notna(), None))
    ok = (pos >= 0) & times.notna().to_numpy()
    t = times.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return Events(pos[ok].astype(np.int64), t[ok])


def to_ns(when: Any) -> int:
    """A date-like value as nanoseconds since the epoch."""
    return int(pd.Timestamp(when).as_unit("ns").value)


def counts_in(events: Events, n_cells: int, start_ns: int, end_ns: int) -> np.ndarray:
    """Incidents per cell in ``[start_ns, end_ns)``."""
    inside = (events.t >= start_ns) & (events.t < end_ns)
    return np.bincount(events.cell[inside], minlength=n_cells).astype(float)


def _raster(values: np.ndarray, cells: Cells) -> np.ndarray:
    out = np.zeros(cells.shape)
    out[cells.r, cells.c] = values  # (row, col) is unique per cell
    return out


@functools.lru_cache(maxsize=64)
def quartic_kernel(bandwidth: float, cell_size: float) -> np.ndarray:
    """Quartic (biweight) kernel on the cell raster, normalised to sum 1."""
    reach = int(math.floor(bandwidth / cell_size))
    off = np.arange(-reach, reach + 1)
    dy, dx = np.meshgrid(off, off, indexing="ij")
    d = np.hypot(dx, dy) * cell_size
    k = np.where(d < bandwidth, (1.0 - (d / bandwidth) ** 2) ** 2, 0.0)
    return k / k.sum()


def smooth(values: np.ndarray, kernel: np.ndarray, cells: Cells) -> np.ndarray:
    """``values`` per cell convolved with ``kernel`` on the grid raster, read back at the cells."""
    if kernel.shape == (1, 1):
        return values.astype(float).copy()
    out = fftconvolve(_raster(values, cells), kernel, mode="same")[cells.r, cells.c]
    scale = np.abs(out).max() if out.size else 0.0
    out[out < 1e-9 * scale] = 0.0  # FFT round-off would break ties between empty cells
    return out


_NEIGHBOURS = np.array([[1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])


def neighbour_sum(values: np.ndarray, cells: Cells) -> np.ndarray:
    """Sum of ``values`` over the 8 neighbouring cells (queen contiguity on the raster)."""
    out = fftconvolve(_raster(values, cells), _NEIGHBOURS, mode="same")[cells.r, cells.c]
    return np.rint(out * 1e9) / 1e9  # sums of counts: remove FFT round-off


def rank_order(score: np.ndarray, tiebreak: np.ndarray, id_order: np.ndarray) -> np.ndarray:
    """Cell positions by descending score, then descending tie-break, then ascending cell id."""
    return np.lexsort((id_order, -tiebreak, -score))


def selection_size(cum_area: np.ndarray, share: float, total_area: float) -> int:
    """Number of cells, taken in order, whose cumulated area ``cum_area`` first reaches ``share`` × ``total_area``.

    Whole cells, so the selected area is at least the asked share (up to a relative 1e-9
    for round-off).
    """
    target = share * total_area * (1 - 1e-9)
    return min(int(np.searchsorted(cum_area, target, side="left")) + 1, len(cum_area))

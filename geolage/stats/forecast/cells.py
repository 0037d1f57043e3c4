"""The analysis grid and the incidents as arrays, and the raster operations the forecasts use."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import fft as sp_fft
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


#: Spectra of the kernels by (shape, FFT shape, values): a kernel is transformed once per raster size.
_KERNEL_SPECTRA: dict[tuple, np.ndarray] = {}


def convolve_same(raster: np.ndarray, kernel: np.ndarray, spectra: dict | None = None) -> np.ndarray:
    """``scipy.signal.fftconvolve(raster, kernel, mode="same")``, the same steps and the same numbers, reusing spectra.

    Parameters
    ----------
    raster : ndarray (rows, cols)
        Values on the grid raster.
    kernel : ndarray (kr, kc)
        Convolution kernel.
    spectra : dict, optional
        Spectra of ``raster`` by FFT shape, filled and reused across calls with the same
        raster (several kernels on one raster share its transform when their padded FFT
        shapes agree). The kernel's spectrum is kept in a module cache.

    Returns
    -------
    ndarray (rows, cols)
        Identical to ``fftconvolve`` (same padded FFT shape, ``rfftn``/``irfftn``, centring),
        which is what it falls back to for rasters or kernels with a dimension of 1.
    """
    if raster.ndim != 2 or kernel.ndim != 2 or min(raster.shape) < 2 or min(kernel.shape) < 2:
        return fftconvolve(raster, kernel, mode="same")
    shape = [raster.shape[i] + kernel.shape[i] - 1 for i in range(2)]
    fshape = tuple(sp_fft.next_fast_len(s, True) for s in shape)
    axes = [0, 1]
    sp1 = None if spectra is None else spectra.get(fshape)
    if sp1 is None:
        sp1 = sp_fft.rfftn(raster, fshape, axes=axes)
        if spectra is not None:
            spectra[fshape] = sp1
    kernel = np.ascontiguousarray(kernel, dtype=float)
    key = (kernel.shape, fshape, kernel.tobytes())
    sp2 = _KERNEL_SPECTRA.get(key)
    if sp2 is None:
        if len(_KERNEL_SPECTRA) >= 64:
            _KERNEL_SPECTRA.clear()
        sp2 = _KERNEL_SPECTRA[key] = sp_fft.rfftn(kernel, fshape, axes=axes)
    ret = sp_fft.irfftn(sp1 * sp2, fshape, axes=axes)
    r0, c0 = (shape[0] - raster.shape[0]) // 2, (shape[1] - raster.shape[1]) // 2
    return ret[r0 : r0 + raster.shape[0], c0 : c0 + raster.shape[1]].copy()


def smooth(values: np.ndarray, kernel: np.ndarray, cells: Cells, spectra: dict | None = None) -> np.ndarray:
    """``values`` per cell convolved with ``kernel`` on the grid raster, read back at the cells.

    ``spectra`` (a dict, one per ``values``) lets several kernels share the transform of
    the raster (see :func:`convolve_same`); the result does not depend on it.
    """
    if kernel.shape == (1, 1):
        return values.astype(float).copy()
    out = convolve_same(_raster(values, cells), kernel, spectra)[cells.r, cells.c]
    scale = np.abs(out).max() if out.size else 0.0
    out[out < 1e-9 * scale] = 0.0  # FFT round-off would break ties between empty cells
    return out


def neighbour_sum(values: np.ndarray, cells: Cells) -> np.ndarray:
    """Sum of ``values`` over the 8 neighbouring cells (queen contiguity on the raster).

    Added directly from the 8 shifted rasters, then rounded to 1e-9 as the FFT convolution
    used before was (the values are counts or means of a few counts, far from the rounding
    boundaries, so both give the same numbers; this is some 20 times faster).
    """
    rows, cols = cells.shape
    padded = np.pad(_raster(values, cells), 1)
    out = np.zeros(cells.shape)
    for dr in (0, 1, 2):
        for dc in (0, 1, 2):
            if dr != 1 or dc != 1:
                out += padded[dr : dr + rows, dc : dc + cols]
    return np.rint(out[cells.r, cells.c] * 1e9) / 1e9


def rank_order(
    score: np.ndarray, tiebreak: np.ndarray, id_order: np.ndarray, *, base: np.ndarray | None = None
) -> np.ndarray:
    """Cell positions by descending score, then descending tie-break, then ascending cell id.

    ``base``, the order by tie-break and id alone (``np.lexsort((id_order, -tiebreak))``),
    saves two of the three sorts when many scores are ranked with the same tie-break: one
    stable sort of the score over it gives exactly ``np.lexsort``'s order.
    """
    if base is None:
        return np.lexsort((id_order, -tiebreak, -score))
    return base[np.argsort(-score[base], kind="stable")]


def selection_size(cum_area: np.ndarray, share: float, total_area: float) -> int:
    """Number of cells, taken in order, whose cumulated area ``cum_area`` first reaches ``share`` × ``total_area``.

    Whole cells, so the selected area is at least the asked share (up to a relative 1e-9
    for round-off).
    """
    target = share * total_area * (1 - 1e-9)
    return min(int(np.searchsorted(cum_area, target, side="left")) + 1, len(cum_area))

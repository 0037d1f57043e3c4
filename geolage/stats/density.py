r"""Kernel density surfaces of incidents (binning + FFT convolution), and dual (ratio) KDE.

The kernels and the rules that choose bandwidth and cell size are in
:mod:`geolage.stats.kernels` (re-exported here); the checks of the point inputs in
:mod:`geolage.stats.points`.

Method (:func:`kde`): each point is split over the four nearest cell centres by linear
("cloud-in-cell") binning, O(points); the binned grid is convolved with the kernel
sampled at cell-centre offsets and normalised to sum to 1 (FFT convolution,
``scipy.signal.fftconvolve``), O(cells log cells); divided by the cell area in km².
The cost does not grow with points × cells. The raster is padded by the kernel's
reach while computing, so points outside the extent still contribute to cells
inside, and the integral over an unmasked raster covering every point's kernel equals
the number (total weight) of points exactly, up to rounding.

Accuracy (tested against an independent brute-force sum): the raster holds the density at the
cell centres within 0.5 % of the peak of the exact kernel sum (:func:`kde_at`) at any cell size.
Binning and sampling the kernel give an error of order (cell_size / bandwidth)² (quartic: at most
0.5 × (cell_size / bandwidth)² of the peak, measured 0.37 % at 10 cells per bandwidth), so binning +
FFT at the raster's own cell size is used only from :data:`~geolage.stats.kernels.CELLS_PER_BANDWIDTH`
cells per bandwidth (quartic 10, Gaussian 5 per sd, epanechnikov and triangular 24; never for the
uniform disc, whose jump at the rim makes the error ~ cell / bandwidth). On coarser rasters each
cell centre gets the exact kernel sum (each point's values normalised to its total from
:data:`~geolage.stats.kernels.CELLS_TO_NORMALISE` cells per bandwidth, so that the mass stays
the number of points), or, when that would take over 200 million kernel evaluations, binning +
FFT on a grid an odd factor finer sampled at the cell centres. ``parameters["raster_method"]``
says which. Where neither normalisation applies (the uniform kernel, very coarse cells), cells ×
values are a sum of samples of the density, not the number of points; ``mass_raster`` records it.

The quartic kernel :math:`K(r) = 3/(\pi h^2)(1 - r^2/h^2)^2` for :math:`r < h` is
the usual choice in crime mapping (Chainey 2013; CrimeStat; ArcGIS).

References
----------
Silverman, B. W. (1986). *Density Estimation for Statistics and Data Analysis*. Chapman & Hall.
Wand, M. P. (1994). Fast computation of multivariate kernel estimators. *JCGS* 3(4), 433–445.
Chainey, S. (2013). Examining the influence of cell size and bandwidth size on kernel density
estimation crime hotspot maps for predicting spatial patterns of crime. *Bulletin of the
Geographical Society of Liège*, 60, 7–19.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from pyproj import CRS
from scipy import fft as sp_fft
from scipy.signal import fftconvolve
from scipy.spatial import cKDTree

from ..errors import CRSMismatchError, GeolageWarning
from .kernels import (
    BANDWIDTH_BOUNDS,
    CELLS_PER_BANDWIDTH,
    CELLS_TO_NORMALISE,
    KERNELS,
    Kernel,
    check_kernel,
    discrete_kernel,
    kde_bandwidth,
    kde_cell_size,
    kernel_support,
    kernel_values,
)
from .points import MaskLike, PointsLike, as_weights, as_xy, mask_geometry

__all__ = [
    "BANDWIDTH_BOUNDS",
    "KERNELS",
    "KDEResult",
    "kde",
    "kde_at",
    "kde_bandwidth",
    "kde_cell_size",
    "kde_ratio",
    "kde_to_grid",
]

log = logging.getLogger(__name__)

#: Largest raster (cells) :func:`kde` will build, a guard against a cell size in the wrong unit.
MAX_CELLS = 50_000_000
#: Kernel evaluations up to which a coarse raster is the exact sum at the cell centres (else a finer FFT grid).
_EXACT_BUDGET = 200_000_000


# --------------------------------------------------------------------------- result
@dataclass
class KDEResult:
    """A kernel density surface on a north-up raster.

    Attributes
    ----------
    array : ndarray
        2-D float array (first row northernmost), density per km² (of incidents, or of
        the weights); NaN outside the mask.
    transform : affine.Affine
        Pixel-to-CRS transform (cell edges at multiples of ``cell_size``).
    crs : str or None
        CRS of the raster.
    bandwidth, cell_size : float
        In metres.
    kernel : str
    unit : str
        ``"incidents per km²"`` (or as given).
    parameters : dict
        Every parameter used and the mass bookkeeping: ``n_points``, ``total_weight``,
        ``mass_raster`` (integral over the whole raster), ``mass_mask`` (over the cells
        inside the mask), ``mass_outside_mask``, ``weight_inside_mask`` (weight of the
        points inside the mask) and the bandwidth rule (see :func:`kde_bandwidth`).
    """

    array: np.ndarray
    transform: Affine
    crs: str | None
    bandwidth: float
    cell_size: float
    kernel: str
    unit: str = "incidents per km²"
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def cell_area_km2(self) -> float:
        """Area of one raster cell in km²."""
        return self.cell_size * self.cell_size / 1e6

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of the raster."""
        ny, nx = self.array.shape
        xmin, ymax = self.transform.c, self.transform.f
        return (xmin, ymax - ny * self.cell_size, xmin + nx * self.cell_size, ymax)

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Return x and y of every cell centre, each shaped like ``array``."""
        ny, nx = self.array.shape
        xmin, _, _, ymax = self.bounds
        xs = xmin + (np.arange(nx) + 0.5) * self.cell_size
        ys = ymax - (np.arange(ny) + 0.5) * self.cell_size
        return np.meshgrid(xs, ys)

    def integral(self) -> float:
        """Integral of the surface (density × cell area, NaN cells skipped)."""
        return float(np.nansum(self.array) * self.cell_area_km2)


# --------------------------------------------------------------------------- kde
def _snap_extent(extent: Sequence[float], c: float) -> tuple[float, float, float, float]:
    xmin, ymin, xmax, ymax = (float(v) for v in extent)
    if not (xmax > xmin and ymax > ymin):
        raise ValueError(f"extent needs to be (xmin, ymin, xmax, ymax) with xmax > xmin and ymax > ymin; got {extent}")
    eps = 1e-9 * max(1.0, abs(xmax), abs(ymax))
    return (
        math.floor(xmin / c + eps) * c,
        math.floor(ymin / c + eps) * c,
        math.ceil(xmax / c - eps) * c,
        math.ceil(ymax / c - eps) * c,
    )


def _bin_linear(
    xy: np.ndarray, w: np.ndarray, x0: float, y0: float, c: float, nx: int, ny: int
) -> tuple[np.ndarray, np.ndarray]:
    """Linear ("cloud-in-cell") binning of weighted points to cell centres, south-up (ny, nx).

    Returns the binned grid and a boolean array of the points that were binned.
    """
    gx = (xy[:, 0] - x0) / c - 0.5
    gy = (xy[:, 1] - y0) / c - 0.5
    ix = np.floor(gx)
    iy = np.floor(gy)
    keep = (ix >= 0) & (ix <= nx - 2) & (iy >= 0) & (iy <= ny - 2)
    fx = gx[keep] - ix[keep]
    fy = gy[keep] - iy[keep]
    wk = w[keep]
    idx = iy[keep].astype(np.int64) * nx + ix[keep].astype(np.int64)
    size = nx * ny
    a = wk * (1 - fy)
    b = wk * fy
    out = np.bincount(idx, a * (1 - fx), minlength=size)
    out += np.bincount(idx + 1, a * fx, minlength=size)
    out += np.bincount(idx + nx, b * (1 - fx), minlength=size)
    out += np.bincount(idx + nx + 1, b * fx, minlength=size)
    return out.reshape(ny, nx), keep


def kde(
    points: PointsLike,
    *,
    bandwidth: float | Literal["auto"] = "auto", bandwidth_adjust: float = 1.0, kernel: Kernel = "quartic",
    cell_size: float | Literal["auto"] = "auto", extent: Sequence[float] | None = None,
    grid: gpd.GeoDataFrame | None = None, weights: str | Sequence[float] | np.ndarray | None = None,
    mask: MaskLike | None = None, crs: str | None = None,
    bandwidth_bounds: tuple[float, float] = BANDWIDTH_BOUNDS, unit: str = "incidents per km²", quiet: bool = False,
) -> KDEResult:
    r"""Kernel density of points on a raster, in incidents (or weight) per km².

    Parameters
    ----------
    points : GeoDataFrame, GeoSeries or array of shape (n, 2)
        Points in a projected CRS (metres).
    bandwidth : float or "auto"
        Radius (m) of the compact kernels, standard deviation (m) of the Gaussian;
        ``"auto"``: :func:`kde_bandwidth` (announced and recorded).
    bandwidth_adjust : float
        Multiplier of the bandwidth (automatic or given), as in sfhotspot.
    kernel : str
        ``"quartic"`` (biweight, default), ``"gaussian"`` (truncated at 4 sd and renormalised),
        ``"epanechnikov"``, ``"triangular"`` (cone) or ``"uniform"`` (disc).
    cell_size : float or "auto"
        Raster cell size (m); ``"auto"``: :func:`kde_cell_size` (bandwidth / 5, snapped
        to a round size dividing the grid's cell size when ``grid`` is given).
    extent : (xmin, ymin, xmax, ymax), optional
        Area to cover, snapped outwards to multiples of the cell size. Default: the
        bounds of ``grid``, else of ``mask``, else of the points widened by the kernel's
        reach and two cells (so the whole mass is on the raster).
    grid : GeoDataFrame, optional
        The analysis grid (:mod:`geolage.grid`): its bounds are the extent and the
        automatic cell size divides its cell size, so raster cells nest in grid cells.
    weights : str, array-like, optional
        Weight of each point (a column name of ``points`` or one value per point),
        non-negative. Default 1 (the density counts incidents).
    mask : GeoDataFrame, GeoSeries or shapely geometry, optional
        Study area: cells whose centre is outside it are set to NaN. The surface is
        *not* edge-corrected: mass that the kernels spread beyond the mask is lost from
        the masked surface and reported as ``mass_outside_mask``.
    crs : str, optional
        CRS recorded in the result when ``points`` is an array.
    bandwidth_bounds : (float, float)
        Bounds of the automatic bandwidth (quartic radius in metres).
    unit : str
        Unit text recorded in the result.
    quiet : bool
        Do not announce automatically chosen parameters.

    Returns
    -------
    KDEResult
        ``array`` (north-up, per km², NaN outside ``mask``), ``transform``, ``crs``,
        ``bandwidth``, ``cell_size``, ``kernel``, ``parameters`` (see :class:`KDEResult`).

    Raises
    ------
    ValueError
        Unknown kernel, non-positive bandwidth or cell size, geographic CRS, missing
        coordinates, negative weights, or a raster of more than :data:`MAX_CELLS` cells.
    CRSMismatchError
        ``mask`` and ``points`` have different CRSs.

    Notes
    -----
    Binning + FFT, O(points + cells log cells), or the exact sum at the cell centres of coarse
    rasters: within 0.5 % of the peak of the exact sum at any cell size; the integral over a raster
    covering every point's kernel is the number (weight) of points (uniform kernel: recorded).
    Method, accuracy and references: :mod:`geolage.stats.density`. A dual KDE (incidents per
    resident) is :func:`kde_ratio`.

    Examples
    --------
    >>> import numpy as np
    >>> from geolage.stats.density import kde
    >>> xy = np.array([[377_000.0, 6_400_000.0], [377_100.0, 6_400_050.0]])
    >>> res = kde(xy, bandwidth=200, cell_size=20, crs="EPSG:3006", quiet=True)
    >>> round(res.integral(), 6)
    2.0
    """
    xy, w, pcrs, mask_geom, grid = _kde_inputs(points, weights, crs, mask, grid, kernel=kernel,
                                               bandwidth_adjust=bandwidth_adjust)
    params: dict[str, Any] = {"method": "linear binning + FFT convolution", "kernel": kernel}
    bw, c, bounds = _choose_raster(xy, grid, mask_geom, params, bandwidth=bandwidth, bandwidth_adjust=bandwidth_adjust,
                                   kernel=kernel, cell_size=cell_size, extent=extent, bandwidth_bounds=bandwidth_bounds,
                                   quiet=quiet)
    xmin, ymin, xmax, ymax = bounds
    nx, ny = _raster_shape(xmin, ymin, xmax, ymax, c)
    dens, used = _density_raster(xy, w, bw, kernel, c, xmin, ymin, nx, ny, params)
    transform = Affine(c, 0.0, xmin, 0.0, -c, ymax)
    cell_km2 = c * c / 1e6
    params.update(bandwidth=round(bw, 3), cell_size=c, extent=bounds, shape=(ny, nx), unit=unit, n_points=int(len(xy)),
                  n_points_used=int(used.sum()), total_weight=float(w.sum()),
                  mass_raster=round(float(dens.sum() * cell_km2), 6), weighted=weights is not None)
    if mask_geom is not None:
        dens = _apply_mask(dens, mask_geom, transform, xy, w, params, quiet)
    else:
        params["masked"] = False
    return KDEResult(array=dens, transform=transform, crs=pcrs.to_string() if pcrs is not None else None,
                     bandwidth=bw, cell_size=c, kernel=kernel, unit=unit, parameters=params)


def _kde_inputs(
    points: PointsLike, weights: Any, crs: str | None, mask: MaskLike | None, grid: gpd.GeoDataFrame | None, *,
    kernel: str, bandwidth_adjust: float,
) -> tuple[np.ndarray, np.ndarray, CRS | None, shapely.Geometry | None, gpd.GeoDataFrame | None]:
    """The checked inputs of :func:`kde`: coordinates, weights, CRS, mask geometry and grid (None when empty)."""
    check_kernel(kernel)
    xy, pcrs = as_xy(points)
    w = as_weights(weights, points, len(xy))
    pcrs = _points_crs(pcrs, crs)
    if not bandwidth_adjust > 0:
        raise ValueError(f"bandwidth_adjust needs to be a positive number; got {bandwidth_adjust}")
    mask_geom = mask_geometry(mask, pcrs) if mask is not None else None
    return xy, w, pcrs, mask_geom, _check_grid(grid, pcrs)


def _points_crs(pcrs: CRS | None, crs: str | None) -> CRS | None:
    """The CRS of the surface: the points' CRS, or ``crs`` (which has to agree with it); projected."""
    if crs is not None:
        ccrs = CRS.from_user_input(crs)
        if pcrs is not None and not ccrs.equals(pcrs):
            raise CRSMismatchError(f"crs {ccrs.to_string()} differs from the points' CRS {pcrs.to_string()}")
        pcrs = ccrs
    if pcrs is not None and pcrs.is_geographic:
        raise ValueError(f"kde needs a projected CRS in metres; got {pcrs.to_string()}")
    return pcrs


def _check_grid(grid: gpd.GeoDataFrame | None, pcrs: CRS | None) -> gpd.GeoDataFrame | None:
    """The analysis grid (None when empty), checked to be in the points' CRS."""
    if grid is not None and len(grid) == 0:
        return None
    if grid is not None and isinstance(grid, gpd.GeoDataFrame) and grid.crs is not None and pcrs is not None:
        if not CRS.from_user_input(grid.crs).equals(pcrs):
            raise CRSMismatchError(
                f"grid and points need the same CRS; got grid {CRS.from_user_input(grid.crs).to_string()} "
                f"and points {pcrs.to_string()}"
            )
    return grid


def _choose_raster(
    xy: np.ndarray,
    grid: gpd.GeoDataFrame | None,
    mask_geom: shapely.Geometry | None,
    params: dict[str, Any],
    *,
    bandwidth: float | Literal["auto"],
    bandwidth_adjust: float,
    kernel: str,
    cell_size: float | Literal["auto"],
    extent: Sequence[float] | None,
    bandwidth_bounds: tuple[float, float],
    quiet: bool,
) -> tuple[float, float, tuple[float, float, float, float]]:
    """Bandwidth, cell size and the raster's bounds (snapped to the cells); every choice recorded in ``params``."""
    grid_size = float(grid.attrs["cell_size"]) if grid is not None and "cell_size" in grid.attrs else None
    cs_given = None if cell_size == "auto" else float(cell_size)
    if cs_given is not None and not cs_given > 0:
        raise ValueError(f"cell_size needs to be a positive number of metres or 'auto'; got {cell_size}")
    bw = _choose_bandwidth(xy, bandwidth, bandwidth_adjust, kernel, cs_given, bandwidth_bounds, quiet, params)
    c = _choose_cell_size(bw, cs_given, grid_size, quiet, params)
    margin = kernel_support(bw, kernel) + 2 * c  # around the points: the kernel's reach plus the binning's spread
    return bw, c, _snap_extent(_extent(extent, grid, mask_geom, xy, margin, params), c)


def _choose_bandwidth(
    xy: np.ndarray,
    bandwidth: float | Literal["auto"],
    bandwidth_adjust: float,
    kernel: str,
    cell_size: float | None,
    bounds: tuple[float, float],
    quiet: bool,
    params: dict[str, Any],
) -> float:
    """The bandwidth (m): given × ``bandwidth_adjust``, or by :func:`kde_bandwidth`; recorded in ``params``."""
    if bandwidth == "auto":
        bw, info = kde_bandwidth(
            xy,
            kernel=kernel,
            bandwidth_adjust=bandwidth_adjust,
            bounds=bounds,
            cell_size=cell_size,
            quiet=quiet,
        )
        params.update(info)
        params["bandwidth_auto"] = True
        return bw
    try:
        bw = float(bandwidth) * bandwidth_adjust
    except (TypeError, ValueError):
        raise ValueError(f"bandwidth needs to be a positive number of metres or 'auto'; got {bandwidth!r}") from None
    if not bw > 0:
        raise ValueError(f"bandwidth needs to be a positive number of metres or 'auto'; got {bandwidth!r}")
    params.update(bandwidth_adjust=bandwidth_adjust, bandwidth_auto=False)
    return bw


def _choose_cell_size(
    bw: float, cell_size: float | None, grid_size: float | None, quiet: bool, params: dict[str, Any]
) -> float:
    """The raster cell size (m): given, or by :func:`kde_cell_size`; warns when under half the bandwidth."""
    if cell_size is None:
        c = kde_cell_size(bw, grid_cell_size=grid_size)
        params["cell_size_auto"] = True
        if not quiet:
            log.info("cell size set to %g m automatically (bandwidth / 5, rounded)", c)
        return c
    params["cell_size_auto"] = False
    if bw < 2 * cell_size:
        warnings.warn(
            f"bandwidth ({bw:g} m) is less than 2 cells ({cell_size:g} m); the surface will be coarse: its values "
            "are the density at the cell centres, and cells times values can add up to more or less than the "
            "points (see mass_raster); use a smaller cell_size",
            GeolageWarning,
            stacklevel=4,
        )
    return cell_size


def _extent(
    extent: Sequence[float] | None,
    grid: gpd.GeoDataFrame | None,
    mask_geom: shapely.Geometry | None,
    xy: np.ndarray,
    margin: float,
    params: dict[str, Any],
) -> Sequence[float]:
    """The area to cover: ``extent``, else the grid's or the mask's bounds, else the points widened by ``margin``."""
    if extent is not None:
        params["extent_from"] = "extent"
        return extent
    if grid is not None:
        params["extent_from"] = "analysis grid"
        return tuple(grid.total_bounds)
    if mask_geom is not None:
        params["extent_from"] = "mask"
        return mask_geom.bounds
    if len(xy):
        params["extent_from"] = "points"
        m = margin
        return (xy[:, 0].min() - m, xy[:, 1].min() - m, xy[:, 0].max() + m, xy[:, 1].max() + m)
    raise ValueError("kde needs points, an extent, a grid or a mask to know where to compute")


def _raster_shape(xmin: float, ymin: float, xmax: float, ymax: float, c: float) -> tuple[int, int]:
    """Columns and rows of the raster, at most :data:`MAX_CELLS` cells."""
    nx = round((xmax - xmin) / c)
    ny = round((ymax - ymin) / c)
    if nx * ny > MAX_CELLS:
        raise ValueError(
            f"the raster would have {nx} × {ny} cells (more than {MAX_CELLS:,}); "
            f"use a larger cell_size than {c:g} m or a smaller extent"
        )
    return nx, ny


def _density_raster(
    xy: np.ndarray, w: np.ndarray, bw: float, kernel: str, c: float, xmin: float, ymin: float, nx: int, ny: int,
    params: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """Density per km² at the cell centres of the north-up raster, within 0.5 % of the peak of the exact sum.

    Binning + FFT at the raster's cell size when it has :data:`CELLS_PER_BANDWIDTH` cells per
    bandwidth. Coarser, the exact kernel sum at the cell centres (normalised per point from
    :data:`CELLS_TO_NORMALISE` cells per bandwidth, so the mass is kept); only when that would
    take more than :data:`_EXACT_BUDGET` kernel evaluations, binning + FFT on a grid an odd factor
    finer (whose cell centres include the raster's), sampled at the raster's cell centres (the mass
    is then a sum of samples, recorded). Records the method used.
    """
    need = CELLS_PER_BANDWIDTH[kernel]
    if bw / c >= need:
        params.update(raster_method="binning + FFT", internal_cell_size=c)
        return _binned_density(xy, w, bw, kernel, c, xmin, ymin, nx, ny)
    f = math.ceil(need * c / bw) if math.isfinite(need) else 1
    f += 1 - f % 2  # odd: a fine cell centre at every raster cell centre
    r = math.ceil(kernel_support(bw, kernel) / c) + 1
    fine_cells = (nx * f + 2 * f * r) * (ny * f + 2 * f * r)
    if not math.isfinite(need) or len(xy) * (2 * r + 1) ** 2 <= _EXACT_BUDGET or fine_cells > MAX_CELLS:
        normalise = bw / c >= CELLS_TO_NORMALISE[kernel]
        method = "exact kernel sum at cell centres" + (", normalised per point" if normalise else "")
        params.update(raster_method=method, internal_cell_size=c)
        return _exact_density(xy, w, bw, kernel, c, xmin, ymin, nx, ny, normalise=normalise)
    params.update(raster_method=f"binning + FFT on cells {f} times finer, at the cell centres",
                  internal_cell_size=c / f)
    fine, used = _binned_density(xy, w, bw, kernel, c / f, xmin, ymin, nx * f, ny * f)
    mid = (f - 1) // 2
    return np.ascontiguousarray(fine[mid::f, mid::f]), used


def _exact_density(
    xy: np.ndarray, w: np.ndarray, bw: float, kernel: str, c: float, xmin: float, ymin: float, nx: int, ny: int,
    *, normalise: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact kernel sum (per km²) at the cell centres of the north-up raster, and the points within reach.

    Each point adds the kernel to the cells of a square window around it (half-width the kernel's
    reach + 1 cell), points in chunks; cost points × window cells, cheap when cells are coarse.
    ``normalise``: each point's values are divided by their sum over the window × cell area, so each
    point puts exactly its weight on the (unbounded) grid.
    """
    r = math.ceil(kernel_support(bw, kernel) / c) + 1
    off = np.arange(-r, r + 1)
    ox, oy = (a.ravel() for a in np.meshgrid(off, off))
    ix = np.floor((xy[:, 0] - xmin) / c).astype(np.int64)
    iy = np.floor((xy[:, 1] - ymin) / c).astype(np.int64)
    used = (ix >= -r) & (ix < nx + r) & (iy >= -r) & (iy < ny + r)
    out = np.zeros(nx * ny)
    idx = np.flatnonzero(used)
    step = max(1, 4_000_000 // len(ox))
    for s in range(0, len(idx), step):
        p = idx[s : s + step]
        cx = ix[p, None] + ox[None, :]
        cy = iy[p, None] + oy[None, :]
        dist = np.hypot(xmin + (cx + 0.5) * c - xy[p, 0, None], ymin + (cy + 0.5) * c - xy[p, 1, None])
        vals = kernel_values(dist, bw, kernel)
        if normalise:
            total = vals.sum(axis=1) * (c * c)
            vals /= np.where(total > 0, total, 1.0)[:, None]
        vals *= w[p, None]
        ok = (cx >= 0) & (cx < nx) & (cy >= 0) & (cy < ny)
        out += np.bincount((cy * nx + cx)[ok], vals[ok], minlength=nx * ny)
    return np.ascontiguousarray(out.reshape(ny, nx)[::-1] * 1e6), used


def _binned_density(
    xy: np.ndarray, w: np.ndarray, bw: float, kernel: str, c: float, xmin: float, ymin: float, nx: int, ny: int
) -> tuple[np.ndarray, np.ndarray]:
    """Density per km² on the north-up raster (binning + FFT convolution), and which points were binned.

    The working grid is the raster padded by the kernel's reach (+1 cell for the binning),
    so points outside the raster still contribute to the cells inside.
    """
    pad = math.ceil(kernel_support(bw, kernel) / c) + 2
    nxw, nyw = nx + 2 * pad, ny + 2 * pad
    binned, used = _bin_linear(xy, w, xmin - pad * c, ymin - pad * c, c, nxw, nyw)
    kern = discrete_kernel(bw, kernel, c)
    if binned.any():
        with sp_fft.set_workers(-1):
            conv = fftconvolve(binned, kern, mode="same")
        np.maximum(conv, 0.0, out=conv)  # FFT round-off
    else:
        conv = binned
    dens = conv[pad : pad + ny, pad : pad + nx][::-1] / (c * c / 1e6)
    return np.ascontiguousarray(dens), used


def _apply_mask(
    dens: np.ndarray,
    mask_geom: shapely.Geometry,
    transform: Affine,
    xy: np.ndarray,
    w: np.ndarray,
    params: dict[str, Any],
    quiet: bool,
) -> np.ndarray:
    """Set the cells outside the mask to NaN; record (and announce) the mass inside and outside it."""
    cell_km2 = transform.a * transform.a / 1e6
    total = params["total_weight"]
    dens = _nan_outside(dens, mask_geom, transform)
    mass_mask = float(np.nansum(dens) * cell_km2)
    w_in = float(w[shapely.contains_xy(mask_geom, xy[:, 0], xy[:, 1])].sum()) if len(xy) else 0.0
    params.update(
        masked=True,
        mass_mask=round(mass_mask, 6),
        mass_outside_mask=round(total - mass_mask, 6),
        weight_inside_mask=w_in,
    )
    if not quiet:
        log.info(
            "kde: %.1f of %.1f (%.1f %%) of the mass falls inside the mask; %.1f points are inside it",
            mass_mask,
            total,
            100 * mass_mask / total if total else 0.0,
            w_in,
        )
    return dens


def kde_at(
    points: PointsLike,
    locations: PointsLike,
    *,
    bandwidth: float,
    kernel: Kernel = "quartic",
    weights: str | Sequence[float] | np.ndarray | None = None,
) -> np.ndarray:
    r"""Exact kernel density (per km²) at arbitrary locations, summing the kernel over all points.

    Parameters
    ----------
    points : GeoDataFrame, GeoSeries or array of shape (n, 2)
        Points in metres.
    locations : GeoDataFrame, GeoSeries or array of shape (m, 2)
        Where to evaluate.
    bandwidth : float
        As in :func:`kde` (metres).
    kernel : str
        As in :func:`kde`.
    weights : str or array-like, optional
        As in :func:`kde`.

    Returns
    -------
    ndarray of shape (m,)
        :math:`\sum_i w_i K(\lVert s - x_i \rVert)`, per km².

    Notes
    -----
    The straightforward method: a k-d tree (``scipy.spatial.cKDTree.query_ball_point``)
    finds the points within the kernel's reach of each location; cost grows with
    locations × points within reach. Used as the reference for :func:`kde`.
    """
    check_kernel(kernel)
    if not bandwidth > 0:
        raise ValueError(f"bandwidth needs to be a positive number of metres; got {bandwidth}")
    xy, _ = as_xy(points)
    at, _ = as_xy(locations, "locations")
    w = as_weights(weights, points, len(xy))
    out = np.zeros(len(at))
    if not len(xy) or not len(at):
        return out
    tree = cKDTree(xy)
    reach = kernel_support(bandwidth, kernel)
    hits = tree.query_ball_point(at, r=reach)
    lens = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
    if lens.sum() == 0:
        return out
    loc = np.repeat(np.arange(len(at)), lens)
    pts = np.concatenate([np.asarray(h, dtype=np.int64) for h in hits if len(h)])
    r = np.hypot(xy[pts, 0] - at[loc, 0], xy[pts, 1] - at[loc, 1])
    vals = kernel_values(r, bandwidth, kernel) * w[pts]
    out = np.bincount(loc, vals, minlength=len(at))
    return out * 1e6


def kde_ratio(
    numerator: PointsLike,
    denominator: PointsLike,
    *,
    numerator_weights: str | Sequence[float] | np.ndarray | None = None,
    denominator_weights: str | Sequence[float] | np.ndarray | None = None,
    per: float = 1000.0,
    min_denominator: float = 100.0,
    bandwidth: float | Literal["auto"] = "auto",
    bandwidth_adjust: float = 1.0,
    kernel: Kernel = "quartic",
    cell_size: float | Literal["auto"] = "auto",
    extent: Sequence[float] | None = None,
    grid: gpd.GeoDataFrame | None = None,
    mask: MaskLike | None = None,
    crs: str | None = None,
    quiet: bool = False,
) -> KDEResult:
    """Dual kernel density: incidents per ``per`` residents (ratio of two densities).

    Parameters
    ----------
    numerator : GeoDataFrame, GeoSeries or array of shape (n, 2)
        Incident points.
    denominator : GeoDataFrame, GeoSeries or array of shape (m, 2)
        Population points (e.g. address points, or district/cell centroids), with the
        number of residents as ``denominator_weights``.
    numerator_weights, denominator_weights : str or array-like, optional
        As ``weights`` in :func:`kde`.
    per : float
        The ratio is per this many units of the denominator (default 1,000 residents).
    min_denominator : float
        Cells where the denominator density is below this (units per km², default 100
        residents per km²) are NaN: the ratio of two small densities is noise.
    bandwidth, bandwidth_adjust, kernel, cell_size, extent, grid, mask, crs, quiet
        As in :func:`kde`; both densities use the same bandwidth and raster. An
        automatic bandwidth is chosen from the numerator's points.

    Returns
    -------
    KDEResult
        ``array`` = ``per`` × numerator density / denominator density; ``unit`` "incidents per
        1000 residents"; parameters of both surfaces (prefixed ``numerator_`` and
        ``denominator_``) and ``min_denominator``, ``per``, ``n_cells_below_min``.

    Notes
    -----
    Dual KDE (Levine, CrimeStat, ch. 10; sfhotspot ``hotspot_dual_kde``, method
    ``"ratio"``): both point sets are smoothed with the same kernel and bandwidth, and the
    densities divided cell by cell, a smoothed risk surface.

    References
    ----------
    Levine, N. (2013). *CrimeStat IV*, chapter 10 "Kernel density interpolation".
    """
    if not per > 0:
        raise ValueError(f"per needs to be a positive number; got {per}")
    if not min_denominator >= 0:
        raise ValueError(f"min_denominator needs to be zero or positive; got {min_denominator}")
    num_xy, num_crs = as_xy(numerator, "numerator")
    den_xy, den_crs = as_xy(denominator, "denominator")
    if num_crs is not None and den_crs is not None and not num_crs.equals(den_crs):
        raise CRSMismatchError(
            f"numerator and denominator need the same CRS; got {num_crs.to_string()} and {den_crs.to_string()}"
        )
    num = kde(numerator, bandwidth=bandwidth, bandwidth_adjust=bandwidth_adjust, kernel=kernel, cell_size=cell_size,
              extent=extent, grid=grid, weights=numerator_weights, mask=None, crs=crs, quiet=quiet)
    den = kde(denominator, bandwidth=num.bandwidth, kernel=kernel, cell_size=num.cell_size, extent=num.bounds,
              weights=denominator_weights, mask=None, crs=crs or num.crs, quiet=True)
    ratio, params = _ratio(num, den, per=per, min_denominator=min_denominator, quiet=quiet)
    if mask is not None:
        ratio = _nan_outside(ratio, mask_geometry(mask, num_crs), num.transform)
        params["masked"] = True
    return KDEResult(
        array=ratio,
        transform=num.transform,
        crs=num.crs,
        bandwidth=num.bandwidth,
        cell_size=num.cell_size,
        kernel=kernel,
        unit=f"incidents per {per:g} residents",
        parameters=params,
    )


def _ratio(
    num: KDEResult, den: KDEResult, *, per: float, min_denominator: float, quiet: bool
) -> tuple[np.ndarray, dict[str, Any]]:
    """``per`` × numerator / denominator density where the denominator is at least ``min_denominator``.

    Returns the ratio (NaN elsewhere) and the parameters of both surfaces.
    """
    ok = den.array >= max(min_denominator, np.finfo(float).tiny)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ok, per * num.array / den.array, np.nan)
    params: dict[str, Any] = {"method": "dual kde (ratio)", "per": per, "min_denominator": min_denominator}
    params.update({f"numerator_{k}": v for k, v in num.parameters.items()})
    params.update({f"denominator_{k}": v for k, v in den.parameters.items() if k.startswith(("n_", "total", "mass"))})
    params.update(bandwidth=num.bandwidth, cell_size=num.cell_size, kernel=num.kernel,
                  n_cells_below_min=int((~ok).sum()))
    if not quiet:
        log.info(
            "kde_ratio: %d of %d cells have a denominator density below %g per km² and are left empty",
            int((~ok).sum()),
            ok.size,
            min_denominator,
        )
    return ratio, params


def _nan_outside(array: np.ndarray, geom: shapely.Geometry, transform: Affine) -> np.ndarray:
    """Set the raster cells whose centre is outside ``geom`` to NaN."""
    from rasterio.features import geometry_mask

    inside = geometry_mask([geom], out_shape=array.shape, transform=transform, invert=True)
    return np.where(inside, array, np.nan)


def kde_to_grid(result: KDEResult, grid: gpd.GeoDataFrame) -> pd.Series:
    """Mean density of a :class:`KDEResult` over each analysis grid cell.

    Parameters
    ----------
    result : KDEResult
        A surface from :func:`kde`.
    grid : GeoDataFrame
        Analysis grid indexed by ``cell_id`` with ``x0``, ``y0`` (lower-left corners) and
        ``grid.attrs["cell_size"]``.

    Returns
    -------
    Series
        Indexed like ``grid``, named ``kde``, per km² (mean over the raster cells whose
        centre lies in the grid cell, NaN cells skipped; NaN where none).

    Notes
    -----
    Raster cells are assigned to grid cells by their centre; with the automatic cell
    size of :func:`kde` (given ``grid``) they nest exactly.
    """
    size = float(grid.attrs["cell_size"])
    xs, ys = result.cell_centres()
    vals = result.array.ravel()
    ok = np.isfinite(vals)
    gx = np.floor(xs.ravel()[ok] / size) * size
    gy = np.floor(ys.ravel()[ok] / size) * size
    df = pd.DataFrame({"x0": gx, "y0": gy, "v": vals[ok]}).groupby(["x0", "y0"])["v"].mean()
    keys = pd.MultiIndex.from_arrays([grid["x0"].to_numpy(dtype=float), grid["y0"].to_numpy(dtype=float)])
    out = df.reindex(keys).to_numpy()
    return pd.Series(out, index=grid.index, name="kde")

"""Kernels of the density surfaces, and the rules that choose their bandwidth and raster cell size."""

from __future__ import annotations

import logging
import math
from typing import Any, Literal

import numpy as np

from .points import PointsLike, as_xy

__all__ = [
    "BANDWIDTH_BOUNDS",
    "CELLS_PER_BANDWIDTH",
    "CELLS_TO_NORMALISE",
    "KERNELS",
    "Kernel",
    "check_kernel",
    "discrete_kernel",
    "kde_bandwidth",
    "kde_cell_size",
    "kernel_support",
    "kernel_values",
]

log = logging.getLogger(__name__)

Kernel = Literal["quartic", "gaussian", "epanechnikov", "triangular", "uniform"]
#: Kernels :func:`geolage.stats.density.kde` knows. ``bandwidth`` is the radius of the compact
#: kernels and the standard deviation of the Gaussian kernel.
KERNELS: tuple[str, ...] = ("quartic", "gaussian", "epanechnikov", "triangular", "uniform")

#: Per-axis standard deviation of each kernel with bandwidth 1 (used to make kernels
#: comparable: equal variance).
KERNEL_SD = {
    "quartic": 1 / math.sqrt(8),
    "epanechnikov": 1 / math.sqrt(6),
    "triangular": math.sqrt(0.15),
    "uniform": 0.5,
    "gaussian": 1.0,
}
#: The Gaussian kernel is truncated at this many standard deviations and renormalised, so that it
#: still integrates to 1 (the mass beyond, e^-8 = 0.034 %, is spread over the rest, not lost).
GAUSS_TRUNCATE = 4.0
#: Mass of the 2-D Gaussian within :data:`GAUSS_TRUNCATE` standard deviations.
_GAUSS_MASS = 1.0 - math.exp(-0.5 * GAUSS_TRUNCATE**2)
#: Cells per bandwidth at which binning + FFT is within 0.5 % of the peak of the exact kernel sum
#: (quartic: at most 0.5 × (cell / bandwidth)², measured 0.37 % at 10; gaussian 0.14 % at 5 per sd;
#: epanechnikov and triangular 0.3 % at 20);
#: the uniform kernel (a jump at the rim) never gets there by binning, so it is always summed exactly.
CELLS_PER_BANDWIDTH = {"quartic": 10.0, "gaussian": 5.0, "epanechnikov": 24.0, "triangular": 24.0,
                       "uniform": math.inf}
#: Cells per bandwidth from which the kernel sampled at cell centres sums to 1 within 0.25 % wherever the
#: point lies in its cell (measured: quartic 0.15 % at 4, gaussian 0.02 % at 1, epanechnikov 0.23 % and
#: triangular 0.14 % at 6); from there the exact sum is normalised per point, so the raster keeps the mass.
CELLS_TO_NORMALISE = {"quartic": 4.0, "gaussian": 1.0, "epanechnikov": 6.0, "triangular": 6.0, "uniform": math.inf}
#: Bounds of the automatic bandwidth, as a quartic radius in metres (city-block scale).
BANDWIDTH_BOUNDS = (150.0, 1000.0)
#: Raster cell sizes the automatic rule snaps to (metres).
_NICE_SIZES = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)


# --------------------------------------------------------------------------- kernel shapes
def kernel_values(r: np.ndarray, bandwidth: float, kernel: str) -> np.ndarray:
    """Continuous 2-D kernel at distance ``r`` (m), integrating to 1 over the plane (per m²).

    The Gaussian is truncated at :data:`GAUSS_TRUNCATE` standard deviations and renormalised
    (divided by the mass within, :math:`1 - e^{-8}`), so it integrates to 1 as well.
    """
    h = float(bandwidth)
    u = r / h
    if kernel == "gaussian":
        k = np.exp(-0.5 * u * u) / (2 * math.pi * h * h * _GAUSS_MASS)
        return np.where(u <= GAUSS_TRUNCATE, k, 0.0)
    inside = u < 1.0
    if kernel == "quartic":
        k = 3.0 / (math.pi * h * h) * (1 - u * u) ** 2
    elif kernel == "epanechnikov":
        k = 2.0 / (math.pi * h * h) * (1 - u * u)
    elif kernel == "triangular":
        k = 3.0 / (math.pi * h * h) * (1 - u)
    elif kernel == "uniform":
        k = np.full_like(u, 1.0 / (math.pi * h * h), dtype=float)
    else:  # pragma: no cover - checked by callers
        raise ValueError(f"kernel needs to be one of {', '.join(KERNELS)}; got {kernel!r}")
    return np.where(inside, k, 0.0)


def kernel_support(bandwidth: float, kernel: str) -> float:
    """Distance beyond which the kernel is zero (m)."""
    return bandwidth * (GAUSS_TRUNCATE if kernel == "gaussian" else 1.0)


def check_kernel(kernel: str) -> None:
    """Raise a ValueError naming the known kernels when ``kernel`` is not one of them."""
    if kernel not in KERNELS:
        raise ValueError(f"kernel needs to be one of {', '.join(KERNELS)}; got {kernel!r}")


def discrete_kernel(bandwidth: float, kernel: str, c: float) -> np.ndarray:
    """Sample the kernel at cell-centre offsets (cell size ``c``), normalised to sum to 1."""
    r_cells = max(1, math.ceil(kernel_support(bandwidth, kernel) / c))
    k = np.arange(-r_cells, r_cells + 1) * c
    r = np.hypot(k[None, :], k[:, None])
    vals = kernel_values(r, bandwidth, kernel)
    s = vals.sum()
    if s <= 0:  # bandwidth far below the cell size: all mass in the cell itself
        vals = np.zeros_like(vals)
        vals[r_cells, r_cells] = 1.0
        return vals
    return vals / s


# --------------------------------------------------------------------------- rules
def kde_bandwidth(
    points: PointsLike,
    *,
    kernel: Kernel = "quartic",
    bandwidth_adjust: float = 1.0,
    bounds: tuple[float, float] = BANDWIDTH_BOUNDS,
    cell_size: float | None = None,
    quiet: bool = False,
) -> tuple[float, dict[str, Any]]:
    r"""Choose a kernel bandwidth (m) for crime points: a robust normal-reference rule, clamped.

    Parameters
    ----------
    points : GeoDataFrame, GeoSeries or array of shape (n, 2)
        Incident points in a projected CRS (metres).
    kernel : str
        Kernel the bandwidth is for (see :data:`KERNELS`).
    bandwidth_adjust : float
        Multiplier applied to the rule's (clamped) value, as in sfhotspot.
    bounds : (float, float)
        Lower and upper bound of the rule, in metres, as the radius of a quartic kernel
        (converted to other kernels by equal variance). Default 150–1000 m.
    cell_size : float, optional
        Raster cell size; the lower bound is raised to at least 2 cells.
    quiet : bool
        Do not announce the chosen value in the log.

    Returns
    -------
    bandwidth : float
        In metres: the radius of compact kernels, the standard deviation of the Gaussian.
    info : dict
        ``bandwidth_rule``, ``bandwidth_rule_value`` (before clamping), ``bandwidth_clamped``
        (``"lower"``, ``"upper"`` or ``""``), ``bandwidth_adjust``, ``bandwidth_bounds``, ``spread``, ``n``.

    Notes
    -----
    Rule (``"silverman_robust_clamped"``): Silverman's (1986, eq. 4.14) normal-reference
    bandwidth in two dimensions, :math:`h = \hat\sigma n^{-1/6}`, with the robust spread
    :math:`\hat\sigma` = mean over x and y of :math:`\min(s, IQR/1.349)` (Silverman 1986,
    eq. 3.30). For a compact kernel the radius with the same per-axis variance as that
    Gaussian is used (quartic: :math:`\sqrt 8\,h`). The result is clamped to ``bounds``
    and then multiplied by ``bandwidth_adjust``.

    Normal-reference rules assume one smooth bump; a whole town gives bandwidths of one
    to a few kilometres, which blur every hotspot into the town centre. sfhotspot's
    ``hotspot_kde`` uses MASS ``bandwidth.nrd`` (:math:`4 \times 1.06 \min(s, IQR/1.34)
    n^{-1/5}`, mean of x and y) as the quartic radius: the same kind of rule and of the
    same size (for n = 3000 it is 0.86 σ, ours before clamping 0.75 σ). Hence the upper
    bound at a city-block scale (Chainey 2013 found hotspot maps for prediction fairly
    insensitive to bandwidth within a few hundred metres); when a bound bites this is
    logged at WARNING level and recorded.

    References
    ----------
    Silverman, B. W. (1986). *Density Estimation for Statistics and Data Analysis*. Chapman & Hall.
    Chainey, S. (2013). Examining the influence of cell size and bandwidth size on kernel density
    estimation crime hotspot maps for predicting spatial patterns of crime. *Bulletin of the
    Geographical Society of Liège*, 60, 7–19.
    """
    check_kernel(kernel)
    if not bandwidth_adjust > 0:
        raise ValueError(f"bandwidth_adjust needs to be a positive number; got {bandwidth_adjust}")
    lo, hi = (float(b) for b in bounds)
    if not 0 < lo <= hi:
        raise ValueError(f"bounds need to be two positive numbers, lower first; got {bounds}")
    xy, _ = as_xy(points)
    conv = (1 / math.sqrt(8)) / KERNEL_SD[kernel]  # quartic-radius equivalent -> this kernel
    lo_k, hi_k = lo * conv, hi * conv
    if cell_size is not None:
        lo_k = max(lo_k, 2.0 * float(cell_size))
        hi_k = max(hi_k, lo_k)
    n = len(xy)
    if n >= 2:
        spread = _robust_spread(xy)
        rule = spread * n ** (-1 / 6) / KERNEL_SD[kernel] * KERNEL_SD["gaussian"]
    else:
        spread, rule = float("nan"), float("nan")
    value, clamped = _clamp(rule, lo_k, hi_k)
    bandwidth = value * bandwidth_adjust
    info = {
        "bandwidth_rule": "silverman_robust_clamped",
        "bandwidth_rule_value": round(rule, 1) if rule == rule else None,
        "bandwidth_clamped": clamped,
        "bandwidth_bounds": (round(lo_k, 1), round(hi_k, 1)),
        "bandwidth_adjust": bandwidth_adjust,
        "spread": round(spread, 1) if spread == spread else None,
        "n": n,
    }
    if not quiet:
        bound = lo_k if clamped == "lower" else hi_k
        _announce_bandwidth(bandwidth, rule=rule, n=n, kernel=kernel, clamped=clamped, bound=bound,
                            adjust=bandwidth_adjust)
    return float(bandwidth), info


def _robust_spread(xy: np.ndarray) -> float:
    """Mean over x and y of min(standard deviation, IQR / 1.349) (Silverman 1986, eq. 3.30)."""
    spreads = []
    for col in xy.T:
        sd = float(np.std(col, ddof=1))
        q75, q25 = np.percentile(col, [75, 25])
        iqr = float(q75 - q25) / 1.349
        spreads.append(min(sd, iqr) if iqr > 0 else sd)
    return float(np.mean(spreads))


def _clamp(rule: float, lo: float, hi: float) -> tuple[float, str]:
    """The rule's value within [lo, hi], and which bound bit (``"lower"``, ``"upper"`` or ``""``)."""
    if not rule > 0:  # fewer than 2 points or all at one place
        return lo, "lower"
    if rule < lo:
        return lo, "lower"
    if rule > hi:
        return hi, "upper"
    return rule, ""


def _announce_bandwidth(
    bandwidth: float, *, rule: float, n: int, kernel: str, clamped: str, bound: float, adjust: float
) -> None:
    """Log the chosen bandwidth, and at WARNING level when a bound replaced the rule's value."""
    if clamped:
        log.warning(
            "bandwidth rule gave %s m for %d points; %s bound %.0f m used instead%s",
            "no value" if rule != rule else f"{rule:.0f}",
            n,
            clamped,
            bound,
            f" (× bandwidth_adjust {adjust})" if adjust != 1 else "",
        )
    log.info("bandwidth set to %.0f m automatically (%s kernel)", bandwidth, kernel)


def kde_cell_size(bandwidth: float, *, grid_cell_size: float | None = None) -> float:
    """Choose a raster cell size (m): a fifth of the bandwidth, snapped down to a round size.

    Parameters
    ----------
    bandwidth : float
        Kernel bandwidth in metres.
    grid_cell_size : float, optional
        Analysis grid cell size; the raster cell size is then a divisor of it, so that
        raster cells nest in grid cells.

    Returns
    -------
    float
        The largest of 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000 … m that is at
        most ``bandwidth / 5`` (and divides ``grid_cell_size`` when given).

    Notes
    -----
    Five cells per bandwidth show the surface's shape; :func:`geolage.stats.density.kde` keeps
    the values within 0.5 % of the peak of the exact kernel sum at this and any other cell size
    (the exact sum at the cell centres where binning would be coarser than that).
    """
    if not bandwidth > 0:
        raise ValueError(f"bandwidth needs to be a positive number of metres; got {bandwidth}")
    target = bandwidth / 5.0
    cands = [s for s in _NICE_SIZES if s <= target]
    if grid_cell_size is not None:
        g = float(grid_cell_size)
        cands = [s for s in cands if abs(g / s - round(g / s)) < 1e-9]
        if not cands:
            return g / math.ceil(g / target)
    return float(cands[-1]) if cands else float(target)


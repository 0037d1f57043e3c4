"""Density rasters in public mode (rule 9 of :mod:`geolage.run.disclosure`).

A kernel density raster shows where incidents are; a rare category's raster shows isolated
kernels centred on single incidents. :func:`public_raster` masks every cell below the
density that ``k`` incidents give at their own place; :func:`public_rasters` also masks the
all-categories raster where it minus the published category rasters would show the masked
incidents. Moved out of :mod:`geolage.run.disclosure` (module size); re-exported there.
"""

from __future__ import annotations

import dataclasses
import logging
import math

import numpy as np

from ..categories import ALL_CATEGORIES
from . import schemas
from .results import Raster

__all__ = ["public_raster", "public_rasters"]

log = logging.getLogger(__name__)

#: Kernel value at distance 0 for a bandwidth of 1 (2-D kernels as used by density.py).
_KERNEL_PEAK = {
    "quartic": 3 / math.pi,
    "epanechnikov": 2 / math.pi,
    "triangular": 3 / math.pi,
    "uniform": 1 / math.pi,
    "gaussian": 1 / (2 * math.pi),
}


def public_raster(raster: Raster, min_count: int = 5) -> Raster | None:
    """Mask a density raster where fewer than ``min_count`` incidents contribute.

    Parameters
    ----------
    raster : Raster
        Values in incidents per km² (or per m² when ``unit`` says m²), with
        ``parameters["kernel"]`` and ``parameters["bandwidth"]`` (metres).
    min_count : int

    Returns
    -------
    Raster or None
        A copy with cells of density below ``min_count × kernel peak`` set to NaN
        (the kernel peak is the density one incident gives at its own place), or
        None when kernel or bandwidth is not recorded or no cell is left.
    """
    kernel = str(raster.parameters.get("kernel", "")).lower()
    bandwidth = raster.parameters.get("bandwidth", raster.parameters.get("bandwidth_m"))
    try:
        h = float(bandwidth)
    except (TypeError, ValueError):
        h = float("nan")
    if kernel not in _KERNEL_PEAK or not h > 0:
        log.warning("public mode: raster %s left out (kernel/bandwidth not recorded)", raster.name)
        return None
    per_m2 = "m²" in raster.unit and "km²" not in raster.unit
    h_unit = h if per_m2 else h / 1000.0
    threshold = min_count * _KERNEL_PEAK[kernel] / h_unit**2
    arr = np.array(raster.array, dtype="float64", copy=True)
    arr[~(arr >= threshold)] = np.nan
    if not np.isfinite(arr).any():  # a rare category: nothing to show, and the tags would give its count
        log.info("public mode: raster %s left out (no cell of %d or more incidents)", raster.name, min_count)
        return None
    # the masses before masking (total, inside/outside the study area) count incidents: not published
    params = {k: v for k, v in raster.parameters.items() if not str(k).lower().startswith("mass")}
    params.update(public_min_count=min_count, public_threshold=threshold)
    return dataclasses.replace(raster, array=arr, parameters=params)


def public_rasters(rasters: dict[str, Raster], min_count: int = 5) -> dict[str, Raster]:
    """Public versions of a run's density rasters (rule 8), with the all-categories raster checked against the rest.

    Each raster is masked by :func:`public_raster`. Then, where ``kde_alla`` and the
    category rasters share one grid, a reader could subtract the published category
    values from ``kde_alla`` and see the density of the masked (fewer than ``k``)
    incidents; ``kde_alla`` is therefore also masked where that residual is above
    zero but below the threshold of ``k`` incidents.

    Parameters
    ----------
    rasters : dict of str to Raster
    min_count : int

    Returns
    -------
    dict of str to Raster
        Without the rasters :func:`public_raster` leaves out.
    """
    out = {}
    for name, raster in rasters.items():
        pub = public_raster(raster, min_count)
        if pub is not None:
            out[name] = pub
    total_name = schemas.kde_raster_name(ALL_CATEGORIES)
    total = out.get(total_name)
    if total is None:
        return out
    parts = [r for n, r in rasters.items() if n != total_name and n.startswith(schemas.KDE_PREFIX)]
    same = [r for r in parts if r.array.shape == total.array.shape and r.transform == total.transform]
    if not same:
        return out
    shown = sum(np.nan_to_num(out[r.name].array, nan=0.0) if r.name in out else np.zeros_like(total.array)
                for r in same)
    residual = np.nan_to_num(total.array, nan=0.0) - shown
    threshold = float(total.parameters["public_threshold"])
    leak = (residual > threshold * 1e-9) & (residual < threshold)
    if leak.any():
        arr = np.array(total.array, copy=True)
        arr[leak] = np.nan
        out[total_name] = dataclasses.replace(total, array=arr)
    return out

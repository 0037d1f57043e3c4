"""Density rasters in public mode (rule 9 of :mod:`geolage.run.disclosure`).

A kernel density raster shows where incidents are; a rare category's raster shows isolated
kernels centred on single incidents. :func:`public_raster` masks every cell below the
density that ``k`` incidents give at their own place; :func:`public_rasters` also masks the
all-categories raster where it minus the published category rasters would show the masked
incidents. Moved out of :mod:`geolage.run.disclosure` (module size); re-exported there.

Masking alone does not stop differencing: two public runs that differ by one incident in a
dense place differ by that incident's kernel, whose peak (the argmax of the difference) is the
incident's place to within a raster cell (50 m in the demo; tests/test_disclosure_difference.py).
:func:`cell_rasters` therefore rebuilds every public density raster from the published counts of
the analysis grid's cells, each placed at its cell's centre: a raster then depends on an incident
only through its grid cell, and on no hidden count (a (cell, category) count under ``k``, or hidden
to protect one, adds nothing), so shown pixels minus the kernels of the published counts leave
nothing to solve for.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import fftconvolve

from ..categories import ALL_CATEGORIES
from ..stats.kernels import kernel_support, kernel_values
from . import schemas
from .results import Raster, RunResults, Table

__all__ = ["public_raster", "public_rasters", "cell_rasters", "published_cells", "public_bandwidth",
           "public_density_parameters", "RASTER_RULE"]

#: The rule recorded in ``run.json`` (``record["disclosure"]["rules"]["raster_cells"]``).
RASTER_RULE = ("density rasters are computed from the published counts of the analysis grid's cells (a (cell, "
               "category) count under k, or hidden to protect one or in a table with the same count, adds nothing), "
               "each placed at its cell's centre: no incident is located more precisely than its grid cell, also "
               "by differencing two runs")

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


def published_cells(results: RunResults, tables: dict[str, Table], min_count: int) -> pd.DataFrame:
    """The (grid cell, category) counts of the incidents that public density rasters may use.

    Every cell with an incident gets a row per category present and one for all categories
    (``alla``), zeros included; :func:`geolage.run.disclosure.public_table` hides counts under
    ``k`` (zeros too, as in grid tables) and completes them by complementary suppression over
    ``alla`` = the sum of the categories. A count hidden in a public grid table that shows the
    same count (the same value on every row they share: ``grid``, ``gistar_grid`` …) is hidden
    here too, so the rasters cannot open what a table hides.

    Parameters
    ----------
    results : RunResults
        Its ``incidents`` with ``cell_id`` and ``category``.
    tables : dict of str to Table
        The public tables of the run.
    min_count : int

    Returns
    -------
    DataFrame
        ``cell_id``, ``category``, ``count`` and ``count_suppressed``.
    """
    from .disclosure import public_table  # it imports this module

    inc = _with_cells(results)
    if not len(inc):
        return pd.DataFrame({"cell_id": [], "category": [], "count": [], "count_suppressed": []})
    wide = pd.crosstab(inc["cell_id"].astype(str), inc["category"].astype(str))
    wide[ALL_CATEGORIES] = wide.sum(axis=1)
    df = wide.stack().rename("count").reset_index()
    df.columns = ["cell_id", "category", "count"]
    df["count"] = df["count"].astype("float64")
    df["count_suppressed"] = _hidden_alike(df, tables)
    table = Table(name="kde_cells", data=df, title={}, count_columns=("count",))
    pub = public_table(table, min_count)
    df["count_suppressed"] = pub.data["count_suppressed"].to_numpy(dtype=bool) if pub is not None else True
    return df


def _with_cells(results: RunResults) -> pd.DataFrame:
    """The incidents' ``cell_id`` and ``category``; a missing cell id from the coordinates and the grid's origin."""
    from ..grid import cell_ids

    inc = results.incidents
    if not len(inc) or "category" not in inc.columns:
        return pd.DataFrame({"cell_id": [], "category": []})
    cell = inc["cell_id"] if "cell_id" in inc.columns else pd.Series(None, index=inc.index, dtype=object)
    grid = results.grid
    missing = cell.isna().to_numpy()
    if missing.any() and grid is not None and "origin" in grid.attrs and {"x", "y"} <= set(inc.columns):
        size = float(grid.attrs["cell_size"])
        ox, oy = (float(v) for v in grid.attrs["origin"])
        xy = inc.loc[missing, ["x", "y"]].to_numpy(dtype="float64")
        ok = np.isfinite(xy).all(axis=1)
        ids = np.full(len(xy), None, dtype=object)
        ids[ok] = cell_ids(ox + np.floor((xy[ok, 0] - ox) / size) * size, oy + np.floor((xy[ok, 1] - oy) / size) * size)
        cell = cell.astype(object).copy()
        cell[missing] = ids
    out = pd.DataFrame({"cell_id": cell.to_numpy(dtype=object), "category": inc["category"].to_numpy()})
    return out[out["cell_id"].notna()]


def _hidden_alike(df: pd.DataFrame, tables: dict[str, Table]) -> np.ndarray:
    """Rows of ``df`` whose count a public grid table shows alike (same value on every shared row) and hides."""
    mine = pd.DataFrame({"cell_id": df["cell_id"].astype(str).to_numpy(), "category": df["category"].astype(str),
                         "row": np.arange(len(df)), "mine": df["count"].to_numpy(dtype="float64")})
    hidden = np.zeros(len(df), dtype=bool)
    for name, table in tables.items():
        d = table.data
        if not {"cell_id", "count", "count_suppressed"} <= set(d.columns) or table.internal_only:
            continue
        if "category" not in d.columns and len(d) != d["cell_id"].nunique():
            continue  # not one count per cell
        theirs = pd.DataFrame({
            "cell_id": d["cell_id"].astype(str).to_numpy(),
            "category": d["category"].astype(str).to_numpy() if "category" in d.columns else ALL_CATEGORIES,
            "theirs": pd.to_numeric(d["count"], errors="coerce").to_numpy(dtype="float64"),
            "flag": d["count_suppressed"].fillna(False).astype(bool).to_numpy()})
        both = mine.merge(theirs, on=["cell_id", "category"], how="inner")
        shown = ~both["flag"].to_numpy()
        if shown.any() and not np.allclose(both["mine"].to_numpy()[shown], both["theirs"].to_numpy()[shown]):
            continue  # another quantity (another period, the analysis area only …)
        hidden[both["row"].to_numpy()[~shown]] = True
        log.debug("public mode: density rasters hide the cells %s hides", name)
    return hidden


def _stamp(frac: tuple[float, float], radius: int, p: float, bandwidth: float, kernel: str) -> np.ndarray:
    """Kernel values (per m²) at the pixel centres around a point ``frac`` pixels into its pixel (row, column)."""
    off = np.arange(-radius, radius + 1, dtype="float64")
    dy = (off[:, None] + 0.5 - frac[0]) * p
    dx = (off[None, :] + 0.5 - frac[1]) * p
    return kernel_values(np.hypot(dx, dy), bandwidth, kernel)


def _cell_density(raster: Raster, centres: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
    """``raster``'s surface again: the kernel sum of ``weights`` at ``centres`` (n, 2) at its pixel centres.

    Written here, not with :func:`geolage.stats.density.kde`, because the values must be the exact
    kernel sum at the pixel centres from points that sit on the grid's cell centres, on ``raster``'s
    own pixels (kde's binning moves a point to the pixel corners around it). The kernel around every
    cell centre is the same stamp (one per distinct position of a centre inside its pixel), so the
    sum is a convolution (FFT) of the weights with that stamp: linear in pixels, not in pixels × cells.
    """
    kernel = str(raster.parameters.get("kernel", "")).lower()
    try:
        h = float(raster.parameters.get("bandwidth", raster.parameters.get("bandwidth_m")))
    except (TypeError, ValueError):
        return None
    t = raster.transform
    p = float(t.a)
    if kernel not in _KERNEL_PEAK or not h > 0 or t.b != 0 or t.d != 0 or abs(-t.e - p) > 1e-9 * p:
        return None
    ny, nx = raster.array.shape
    radius = math.ceil(kernel_support(h, kernel) / p) + 1
    u = (centres[:, 0] - t.c) / p  # column, continuous
    v = (t.f - centres[:, 1]) / p  # row, continuous
    col, row = np.floor(u).astype(np.int64), np.floor(v).astype(np.int64)
    frac = np.round(np.column_stack([v - row, u - col]), 9)
    inside = (col >= -radius) & (col < nx + radius) & (row >= -radius) & (row < ny + radius) & (weights > 0)
    out = np.zeros((ny, nx))
    groups = pd.DataFrame(frac[inside]).groupby([0, 1]).indices if inside.any() else {}
    idx = np.flatnonzero(inside)
    for (fr, fc), members in groups.items():
        m = idx[members]
        binned = np.zeros((ny + 2 * radius, nx + 2 * radius))
        np.add.at(binned, (row[m] + radius, col[m] + radius), weights[m])
        conv = fftconvolve(binned, _stamp((fr, fc), radius, p, h, kernel), mode="same")
        out += conv[radius:radius + ny, radius:radius + nx]
    np.maximum(out, 0.0, out=out)  # FFT round-off
    per_m2 = "m²" in raster.unit and "km²" not in raster.unit
    return out if per_m2 else out * 1e6


def public_bandwidth(results: RunResults, where: pd.DataFrame, raster: Raster) -> dict[str, Any]:
    """The bandwidth of the public rasters: as configured, or the automatic rule on the incidents' cell centres.

    The density step chose an automatic bandwidth from the exact places of all incidents, so it moves
    when one incident moves inside its cell; the public rasters use the same rule
    (:func:`geolage.stats.kernels.kde_bandwidth`, with the configured adjustment and bounds) on every
    incident placed at its grid cell's centre instead.

    Parameters
    ----------
    results : RunResults
    where : DataFrame
        ``x``, ``y`` of each grid cell's centre, indexed by ``cell_id``.
    raster : Raster
        A density raster of the run (its kernel, bandwidth and pixel size).

    Returns
    -------
    dict
        ``bandwidth`` and, when automatic, ``bandwidth_rule_value``, ``bandwidth_clamped`` and ``spread``.
    """
    from ..stats.kernels import kde_bandwidth

    cfg = results.config.density
    if cfg.bandwidth != "auto":
        return {"bandwidth": raster.parameters.get("bandwidth")}
    xy = where.reindex(_with_cells(results)["cell_id"].astype(str).to_numpy()).to_numpy(float)
    xy = xy[np.isfinite(xy).all(axis=1)]
    kernel = str(raster.parameters.get("kernel", cfg.kernel))
    h, info = kde_bandwidth(xy, kernel=kernel, bandwidth_adjust=cfg.bandwidth_adjust,
                            bounds=(cfg.bandwidth_min, cfg.bandwidth_max), cell_size=float(raster.transform.a),
                            quiet=True)
    return {"bandwidth": round(float(h), 3), **{k: info[k] for k in ("bandwidth_rule_value", "bandwidth_clamped",
                                                                      "spread") if k in info}}


def public_density_parameters(parameters: dict[str, Any], rasters: dict[str, Raster]) -> dict[str, Any]:
    """The run's parameters with the density step's bandwidth as the public rasters used it (a copy).

    The masses inside the study area are the public rasters'; the population-at-risk parameters
    (``par_*``: its peak is a pixel of the surface from the exact places) are left out with its raster.

    Parameters
    ----------
    parameters : dict
        ``RunResults.parameters``.
    rasters : dict of str to Raster
        The public rasters (:func:`cell_rasters`).

    Returns
    -------
    dict
    """
    out = copy.deepcopy(parameters)
    total = rasters.get(schemas.kde_raster_name(ALL_CATEGORIES)) or next(
        (r for n, r in rasters.items() if n.startswith(schemas.KDE_PREFIX)), None)
    density = out.get("density")
    if total is not None and isinstance(density, dict):
        for key in ("bandwidth", "bandwidth_rule_value", "bandwidth_clamped"):
            if key in total.parameters and key in density:
                density[key] = total.parameters[key]
    if isinstance(density, dict):
        # The masses inside the study area are those of the public rasters (the exact ones sum the
        # exact places, hidden counts included); the population-at-risk surface is not published.
        density["mass_inside_study_area"] = {
            str(r.parameters.get("category", n.removeprefix(schemas.KDE_PREFIX))): r.parameters.get("mass_mask")
            for n, r in rasters.items() if n.startswith(schemas.KDE_PREFIX)}
        for key in [k for k in density if k.startswith("par_")]:
            del density[key]
    return out


#: Raster parameters that sum the exact places (hidden counts included): replaced for a rebuilt raster.
_EXACT_BOOKKEEPING = ("n_points", "n_points_used", "total_weight", "mass_raster", "mass_mask", "mass_outside_mask",
                      "weight_inside_mask")


def _cell_bookkeeping(parameters: dict[str, Any], dens: np.ndarray, weight: float) -> dict[str, Any]:
    """A rebuilt raster's parameters: the mass bookkeeping of the exact surface replaced by the rebuilt one's.

    ``total_weight`` becomes the published counts the raster was built from and ``mass_mask`` its mass
    inside the study area (incidents); the exact surface's point counts and masses would tell the
    hidden counts (total minus the published ones) and are left out.
    """
    params = {k: v for k, v in parameters.items() if k not in _EXACT_BOOKKEEPING}
    cell_km2 = float(parameters.get("cell_size") or 0) ** 2 / 1e6
    params.update(total_weight=weight, mass_mask=round(float(np.nansum(dens)) * cell_km2, 6) if cell_km2 else None)
    return params


def cell_rasters(results: RunResults, tables: dict[str, Table], min_count: int) -> dict[str, Raster]:
    """The run's density rasters rebuilt from published grid cell counts at the cells' centres (then masked as before).

    Each ``kde_<category>`` raster becomes the kernel sum, on its own pixels and with its kernel and
    bandwidth, of the published counts of :func:`published_cells` placed at their cell's centre (NaN
    where it was NaN: outside the study area). The population-at-risk raster (``par_alla``, incidents
    over residents, whose population surface has the density step's bandwidth) and a raster that cannot
    be rebuilt (no grid, another kernel) are left out.

    Parameters
    ----------
    results : RunResults
    tables : dict of str to Table
        The run's public tables (:func:`published_cells`).
    min_count : int

    Returns
    -------
    dict of str to Raster
        For :func:`public_rasters`; ``parameters["public_from"]`` says how each was made.
    """
    grid = results.grid
    rasters = results.rasters
    if not rasters:
        return {}
    if grid is None or not len(grid) or "cell_size" not in grid.attrs or not {"cell_id", "x0", "y0"} <= set(grid):
        log.warning("public mode: density rasters left out (no analysis grid to place them on)")
        return {}
    cells = published_cells(results, tables, min_count)
    size = float(grid.attrs["cell_size"])
    where = pd.DataFrame({"x": grid["x0"].to_numpy(float) + size / 2, "y": grid["y0"].to_numpy(float) + size / 2},
                         index=grid["cell_id"].astype(str).to_numpy())
    shown = cells[~cells["count_suppressed"].to_numpy(dtype=bool)]
    out: dict[str, Raster] = {}
    chosen: dict[str, Any] | None = None
    for name, raster in rasters.items():
        if not name.startswith(schemas.KDE_PREFIX):
            continue
        if chosen is None:
            chosen = public_bandwidth(results, where, raster)
        raster = dataclasses.replace(raster, parameters={**raster.parameters, **chosen})
        category = str(raster.parameters.get("category", name.removeprefix(schemas.KDE_PREFIX)))
        mine = shown[shown["category"] == category]
        xy = where.reindex(mine["cell_id"].astype(str).to_numpy()).to_numpy(float)
        ok = np.isfinite(xy).all(axis=1)
        dens = _cell_density(raster, xy[ok], mine["count"].to_numpy(float)[ok])
        if dens is None:
            log.warning("public mode: raster %s left out (it cannot be rebuilt from grid cells)", name)
            continue
        dens[~np.isfinite(np.asarray(raster.array, dtype="float64"))] = np.nan
        params = _cell_bookkeeping(raster.parameters, dens, float(mine["count"].to_numpy(float)[ok].sum()))
        params.update(public_from="published grid cell counts at the cell centres", public_grid_cell_size=size)
        out[name] = dataclasses.replace(raster, array=dens, parameters=params)
    for name in rasters:
        if not name.startswith(schemas.KDE_PREFIX):  # par_alla: its population density has the step's bandwidth
            log.info("public mode: raster %s left out (it cannot be rebuilt from published grid cell counts)", name)
    return out

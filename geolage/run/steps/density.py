"""The density step: kernel density rasters per category and for all categories (incidents per km²)."""

from __future__ import annotations

import logging
from typing import Any

from ...categories import ALL_CATEGORIES
from ...stats.density import KDEResult, kde
from ...text import tables as T
from ...text.labels import ALL_CATEGORIES_LABEL, category_label
from .. import schemas
from ..results import Raster, RunResults
from .common import categories_present
from .population_at_risk import add_population_at_risk

__all__ = ["add_density"]

log = logging.getLogger(__name__)

#: Parameters of the all-categories surface that every surface shares (recorded once).
_SHARED = (
    "method",
    "kernel",
    "bandwidth",
    "bandwidth_auto",
    "bandwidth_adjust",
    "bandwidth_rule",
    "bandwidth_rule_value",
    "bandwidth_clamped",
    "bandwidth_bounds",
    "cell_size",
    "cell_size_auto",
    "extent",
    "shape",
    "masked",
)


def _raster(res: KDEResult, category: str, kernel: str, unit: str) -> Raster:
    """One density surface as a :class:`~geolage.run.results.Raster` for the exporters."""
    label = ALL_CATEGORIES_LABEL if category == ALL_CATEGORIES else {
        lang: category_label(category, lang) for lang in ("sv", "en")
    }
    parameters = dict(res.parameters)
    parameters["category"] = category
    parameters["unit"] = unit
    return Raster(
        name=schemas.kde_raster_name(category),
        array=res.array,
        transform=res.transform,
        crs=res.crs or "",
        unit=unit,
        title=dict(T.KDE_TITLE.format(label=label)),
        description=dict(
            T.KDE_DESCRIPTION.format(kernel=kernel, bandwidth=f"{res.bandwidth:.0f}", cell_size=f"{res.cell_size:g}")
        ),
        parameters=parameters,
    )


def add_density(results: RunResults) -> None:
    """Add kernel density rasters ``kde_<category>`` and ``kde_alla`` (incidents per km²), and ``par_alla``.

    One bandwidth and one raster for every category, chosen from all incidents together
    (``[density]`` in the configuration; see :func:`geolage.stats.density.kde`), so surfaces
    can be compared. Rasters cover the analysis grid (raster cells nest in grid cells
    with the automatic cell size) and are NaN outside the study area; there is no edge
    correction, and the share of each surface's mass inside the study area is recorded
    in the raster's parameters (``mass_mask`` of ``total_weight``). With a district population, the
    population-at-risk surface ``par_alla`` (incidents per 1,000 residents per year, dual KDE on the
    same raster: :func:`~geolage.run.steps.population_at_risk.add_population_at_risk`).

    Parameters
    ----------
    results : RunResults
        Reads ``config.density``, ``incidents``, ``grid`` and ``study_area``; adds rasters
        and records the parameters under ``"density"``.
    """
    cfg = results.config.density
    lang = results.config.project.language
    crs = results.config.project.crs
    inc = results.incidents
    grid = (
        results.grid if results.grid is not None and len(results.grid) and "cell_size" in results.grid.attrs else None
    )
    area = results.study_area if results.study_area is not None and len(results.study_area) else None
    unit = T.KDE_UNIT[lang]
    xy = inc[["x", "y"]].to_numpy(dtype=float) if len(inc) else inc.reindex(columns=["x", "y"]).to_numpy(dtype=float)
    if grid is None and area is None and not len(xy):
        log.warning("density: no incidents, grid or study area; no density rasters made")
        results.record_parameters("density", n_rasters=0, reason="no incidents and no study area")
        return

    everything = kde(
        xy,
        bandwidth=cfg.bandwidth,
        bandwidth_adjust=cfg.bandwidth_adjust,
        kernel=cfg.kernel,
        cell_size=cfg.cell_size,
        grid=grid,
        mask=area,
        crs=crs,
        bandwidth_bounds=(cfg.bandwidth_min, cfg.bandwidth_max),
        unit=unit,
    )
    shared: dict[str, Any] = {k: everything.parameters[k] for k in _SHARED if k in everything.parameters}
    surfaces = {ALL_CATEGORIES: everything}
    for cat in categories_present(inc):
        sub = xy[(inc["category"] == cat).to_numpy()]
        surfaces[cat] = kde(
            sub,
            bandwidth=everything.bandwidth,
            kernel=cfg.kernel,
            cell_size=everything.cell_size,
            extent=everything.bounds,
            mask=area,
            crs=crs,
            unit=unit,
            quiet=True,
        )
    order = [c for c in surfaces if c != ALL_CATEGORIES] + [ALL_CATEGORIES]
    for cat in order:
        results.add_raster(_raster(surfaces[cat], cat, cfg.kernel, unit))
    results.record_parameters(
        "density",
        **shared,
        n_rasters=len(surfaces),
        bandwidth_from="all incidents (one bandwidth for every category)",
        mass_inside_study_area={c: surfaces[c].parameters.get("mass_mask") for c in order},
    )
    add_population_at_risk(results, everything)

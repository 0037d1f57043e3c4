"""The analysis area of the grid hot spots (``hotspots.analysis_area``): which cells, and why.

The populated districts (:func:`geolage.stats.analysis_area.populated_districts`), a polygon file,
or every cell. What was chosen and why goes into ``run.json`` (parameters of the hotspots step:
``analysis_area``, ``analysis_area_rule``, ``analysis_area_cells``, …) and the report says it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ...config import LayerConfig
from ...errors import ConfigError
from ...io import read_overlay
from ...stats.analysis_area import cells_inside, populated_districts
from ..results import RunResults

__all__ = ["AnalysisArea", "resolve_analysis_area", "AREA_ALL", "AREA_POPULATED", "AREA_FILE", "REASONS"]

log = logging.getLogger(__name__)

#: Values of ``analysis_area`` in run.json: every cell, the populated districts, a polygon file.
AREA_ALL, AREA_POPULATED, AREA_FILE = "all", "populated", "file"


@dataclass(frozen=True)
class AnalysisArea:
    """The grid cells the grid Gi* and LISA compare with each other.

    Attributes
    ----------
    kind : str
        :data:`AREA_ALL`, :data:`AREA_POPULATED` or :data:`AREA_FILE`.
    rule : str
        Why: ``"given"`` (the setting), ``"deso_category_bc"``, ``"population_density"``,
        ``"no_population"`` (auto without population: every cell), ``"covers_grid"`` (the area
        holds every cell), ``"no_cell_inside"`` or ``"too_few_cells"`` (fewer than 3 cell
        centres inside: every cell).
    inside : ndarray of bool or None
        Per grid cell whether its centre is inside; None when every cell is analysed.
    record : dict
        What run.json records.
    """

    kind: str
    rule: str
    inside: np.ndarray | None
    record: dict[str, Any] = field(default_factory=dict)


#: Why the analysis area is what it is, by rule (recorded in run.json as ``analysis_area_reason``).
REASONS = {
    "given": "set in the configuration (hotspots.analysis_area)",
    "deso_category_bc": "the populated districts (DeSO category B or C: mostly inside a locality) and the cells "
                        "within one neighbourhood distance of them",
    "population_density": "the populated districts (at least hotspots.populated_density residents per km²) and "
                          "the cells within one neighbourhood distance of them",
    "no_population": "'auto', but the districts say neither their population nor their category: every cell",
    "no_populated_district": "no district is populated by the rule: every cell",
    "covers_grid": "the area holds every grid cell: every cell",
    "no_cell_inside": "the area holds no grid cell centre: every cell",
    "too_few_cells": "the area holds fewer than 3 grid cell centres (Gi* needs 3): every cell",
}


def _every_cell(rule: str, setting: Any, n_cells: int, **extra: Any) -> AnalysisArea:
    record = {"analysis_area": AREA_ALL, "analysis_area_rule": rule, "analysis_area_reason": REASONS[rule],
              "analysis_area_setting": str(setting), "analysis_area_cells": n_cells, **extra}
    return AnalysisArea(AREA_ALL, rule, None, record)


def _populated_geometry(
    results: RunResults, setting: Any, buffer: float
) -> tuple[shapely.Geometry | None, str, dict[str, Any]]:
    """The populated districts widened by ``buffer`` m, the rule, and what to record; (None, reason, …) when none."""
    cfg = results.config.hotspots
    districts = results.districts if results.config.districts is not None else None
    found = populated_districts(districts, min_density=cfg.populated_density) if districts is not None else None
    if found is None:
        if setting == AREA_POPULATED:
            raise ConfigError(
                "'hotspots.analysis_area' = 'populated' needs to know where people live: the district ids are not "
                "DeSO codes and no district has a population; give 'districts.population_field' or "
                "'districts.population_table', or set analysis_area to 'auto', 'all' or a polygon file"
            )
        return None, "no_population", {}
    flags, rule = found
    chosen = districts.loc[flags.to_numpy()]
    extra: dict[str, Any] = {"populated_districts": int(flags.sum()), "district_count": int(len(flags))}
    if rule == "population_density":
        extra["populated_density"] = cfg.populated_density
    if not len(chosen):
        return None, "no_populated_district", extra
    extra["analysis_area_buffer_m"] = buffer
    return shapely.union_all(chosen.geometry.to_numpy()).buffer(buffer, quad_segs=4), rule, extra


def resolve_analysis_area(results: RunResults, *, buffer: float = 0.0) -> AnalysisArea:
    """The analysis area of a run's grid hot spots (``config.hotspots.analysis_area``).

    Parameters
    ----------
    results : RunResults
        Reads ``config.hotspots`` (``analysis_area``, ``analysis_area_layer``,
        ``populated_density``), ``districts`` and ``grid``.
    buffer : float
        The populated districts are widened by this many metres (the hot spot step: the Gi*
        neighbourhood distance), so that places at the edge of a town (car parks, paths,
        sports grounds) are analysed and the town's edge cells keep their neighbours. A
        polygon file is used as drawn.

    Returns
    -------
    AnalysisArea

    Raises
    ------
    ConfigError
        ``analysis_area = "populated"`` but neither DeSO codes nor a population say where people live.
    InputFileError
        The polygon file cannot be read or has no polygon.

    Notes
    -----
    A cell is inside when its centre lies in the area (populated districts: within ``buffer`` m
    of one). ``"auto"`` is "populated" when the
    districts allow it (DeSO codes or a population), else every cell.
    """
    cfg = results.config.hotspots
    grid = results.grid
    setting = cfg.analysis_area
    n = len(grid)
    if setting == AREA_ALL:
        return _every_cell("given", setting, n)
    if isinstance(setting, Path):
        layer = read_overlay(LayerConfig(setting, cfg.analysis_area_layer), crs=results.config.project.crs)
        geom, kind, rule, extra = shapely.union_all(layer.geometry.to_numpy()), AREA_FILE, "given", {}
    else:
        geom, rule, extra = _populated_geometry(results, setting, buffer)
        kind = AREA_POPULATED
        if geom is None:
            log.info("hot spots: %s; the grid hot spots use every cell", rule.replace("_", " "))
            return _every_cell(rule, setting, n, **extra)
    inside = cells_inside(grid, geom) if n else np.zeros(0, dtype=bool)
    if inside.sum() < 3:
        log.warning("hot spots: the analysis area (%s) holds %d grid cell centre(s); every cell is used", kind,
                    int(inside.sum()))
        return _every_cell("too_few_cells" if inside.any() else "no_cell_inside", setting, n, **extra)
    if inside.all():
        return _every_cell("covers_grid", setting, n, **extra)
    record = {"analysis_area": kind, "analysis_area_rule": rule, "analysis_area_reason": REASONS[rule],
              "analysis_area_setting": str(setting),
              "analysis_area_cells": int(inside.sum()), "grid_cells_outside_analysis_area": int((~inside).sum()),
              **extra}
    log.info("hot spots: analysis area %s (%s): %d of %d grid cells", kind, rule, int(inside.sum()), n)
    return AnalysisArea(kind, rule, inside, record)

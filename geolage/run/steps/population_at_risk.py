"""The population-at-risk surface of the density step: incidents per 1,000 residents per year (dual KDE).

Adds the raster :data:`~geolage.run.schemas.PAR_RASTER` (``par_alla``) when districts have a
population, on the raster of ``kde_alla`` (same kernel, bandwidth and cells), and records under
``density`` what it used and where it peaks (``par_*``), which the report says in words.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ...stats.density import KDEResult
from ...stats.population import population_at_risk
from ...text import tables as T
from ...text.format import format_number
from .. import schemas
from ..results import Raster, RunResults
from .common import span_incidents

__all__ = ["add_population_at_risk", "PER_RESIDENTS"]

log = logging.getLogger(__name__)

#: The surface is in incidents per this many residents per year.
PER_RESIDENTS = 1000.0


def _years(results: RunResults) -> float:
    """Length of the analysed span (``periods.start`` … ``periods.end``, whole days) in years of 365.25 days."""
    per = results.config.periods
    return ((pd.Timestamp(per.end) - pd.Timestamp(per.start)).days + 1) / 365.25


def _peak(res: KDEResult, districts: Any) -> dict[str, Any]:
    """The highest value of the surface, its cell centre and the district holding it."""
    arr = res.array
    if not np.isfinite(arr).any():
        return {}
    row, col = np.unravel_index(int(np.nanargmax(arr)), arr.shape)
    t = res.transform  # north-up: x = c + (col + ½) a, y = f + (row + ½) e
    x, y = t.c + (col + 0.5) * t.a, t.f + (row + 0.5) * t.e
    hit = districts.index[shapely.intersects_xy(districts.geometry.to_numpy(), x, y)]
    out: dict[str, Any] = {"value": round(float(arr[row, col]), 3), "x": round(float(x), 1), "y": round(float(y), 1)}
    if len(hit):
        out.update(district_id=str(districts.loc[hit[0], "district_id"]),
                   district_name=str(districts.loc[hit[0], "district_name"]))
    return out


def add_population_at_risk(results: RunResults, surface: KDEResult) -> None:
    """Add the raster ``par_alla``: all incidents of the span per 1,000 residents per year (dual KDE).

    Parameters
    ----------
    results : RunResults
        Reads the districts' population, the incidents of ``periods``, the study area and
        ``hotspots.populated_density`` (cells with fewer smoothed residents per km² are empty).
    surface : KDEResult
        The density of all incidents (``kde_alla``): its kernel, bandwidth, cell size and extent
        are used.

    Notes
    -----
    Nothing is added (and the reason recorded) without districts or without any district
    population. Method: :func:`geolage.stats.population.population_at_risk`.
    """
    d = results.districts
    pop = pd.to_numeric(d["population"], errors="coerce") if d is not None and "population" in d.columns else None
    if results.config.districts is None or pop is None or not (pop.fillna(0) > 0).any():
        results.record_parameters("density", par_raster=None, par_reason="no district population")
        return
    cfg = results.config
    lang = cfg.project.language
    inc = span_incidents(results)
    xy = inc[["x", "y"]].to_numpy(dtype=float)
    years = _years(results)
    area = results.study_area if results.study_area is not None and len(results.study_area) else None
    res = population_at_risk(xy, d, pop.to_numpy(dtype=float), years=years, bandwidth=surface.bandwidth,
                             cell_size=surface.cell_size, extent=surface.bounds, kernel=surface.kernel,
                             per=PER_RESIDENTS, min_density=cfg.hotspots.populated_density, mask=area,
                             crs=cfg.project.crs)
    per_text = format_number(PER_RESIDENTS, lang, 0)
    start, end = str(cfg.periods.start), str(cfg.periods.end)
    description = {
        code: T.PAR_DESCRIPTION[code].format(per=format_number(PER_RESIDENTS, code, 0), start=start, end=end,
                                             bandwidth=f"{res.bandwidth:.0f}",
                                             min_density=format_number(cfg.hotspots.populated_density, code, 0))
        for code in ("sv", "en")
    }
    params = {**res.parameters, "category": "alla", "period_start": start, "period_end": end}
    results.add_raster(Raster(name=schemas.PAR_RASTER, array=res.array, transform=res.transform, crs=res.crs or "",
                              unit=T.PAR_UNIT[lang].format(per=per_text), title=dict(T.PAR_TITLE),
                              description=description, parameters=params))
    peak = _peak(res, d)
    results.record_parameters(
        "density", par_raster=schemas.PAR_RASTER, par_method="dual kde (ratio): incidents per year / residents",
        par_per_residents=PER_RESIDENTS, par_years=round(years, 4), par_min_density=cfg.hotspots.populated_density,
        par_population_spread="each district's residents evenly over its raster cells",
        par_cells_with_value=int(np.isfinite(res.array).sum()), par_peak=peak,
    )

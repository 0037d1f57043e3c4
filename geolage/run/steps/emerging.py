"""The emerging hot spot step: Gi* per grid cell and period, Mann–Kendall trend, ArcGIS Pro categories.

Adds :data:`~geolage.run.schemas.EMERGING_GRID`.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ...categories import ALL_CATEGORIES
from ...errors import GeolageWarning
from ...neighbours import make_weights
from ...periods import period_range
from ...stats.emerging import emerging_hotspots, space_time_cube
from ...stats.hotspots import incident_rows
from .. import schemas
from ..results import RunResults
from .common import as_spatial, categories_with, span_incidents, stack, subset

__all__ = ["add_emerging"]

log = logging.getLogger(__name__)


def _emerging_unit(configured: str | None, period_unit: str, start: Any, end: Any) -> tuple[str, str]:
    """Time step of the space-time cube.

    The configured one; else the coarsest of ``periods.unit``, quarter and month that gives
    at least 10 time steps (ArcGIS Pro's minimum for a meaningful Mann–Kendall trend: 7
    yearly steps cannot confirm a change in the last two).
    """
    if configured:
        return configured, "emerging.unit"
    order = ["year", "quarter", "month"]
    for unit in order[order.index(period_unit):]:
        if len(period_range(start, end, unit)) >= 10:
            src = "periods.unit" if unit == period_unit else f"{unit}: periods.unit gave fewer than 10 time steps"
            return unit, src
    return "month", "month: the finest step"


def add_emerging(results: RunResults) -> None:
    """Add the emerging hot spot analysis of the grid (``emerging_grid``) to ``results``.

    The space-time cube is every grid cell × every period (``emerging.unit``; by default
    ``periods.unit``, refined to quarters or months when that gives fewer than 10 time
    steps) from ``periods.start`` to ``periods.end``, zeros included. Reads
    ``config.emerging`` (unit, time_window, distance, alpha, trend_alpha), ``hotspots.correction``,
    ``hotspots.min_neighbours`` and ``hotspots.min_incidents``.

    Tables
    ------
    emerging_grid
        ``cell_id``, ``category``, ``emerging_category``, ``emerging_mk_z``,
        ``emerging_mk_p``, ``n_hot_bins``, ``n_cold_bins``, ``emerging_mk_s``,
        ``n_bins``, ``emerging_final_z``, ``count`` (whole span), geometry.

    Notes
    -----
    Method and exact category definitions: :func:`geolage.stats.emerging.emerging_hotspots`
    and :func:`geolage.stats.emerging.classify_emerging`.
    """
    cfg = results.config.emerging
    hcfg = results.config.hotspots
    per = results.config.periods
    inc = span_incidents(results)
    cats, skipped = categories_with(inc, hcfg.min_incidents)
    grid = results.grid
    unit, unit_source = _emerging_unit(cfg.unit, per.unit, per.start, per.end)
    weights = make_weights(grid, distance=cfg.distance, include_self=True, min_neighbours=hcfg.min_neighbours)
    parts = []
    summary: dict[str, Any] = {}
    periods: list[str] = []
    warned: set[str] = set()
    cells = incident_rows(grid, inc)  # one spatial join for every category (a join per category: 3 s at 1M)
    for cat in cats:
        sub = subset(inc, cat)
        rows = cells if cat == ALL_CATEGORIES else cells[(inc["category"] == cat).to_numpy()]
        cube = space_time_cube(grid, sub, unit=unit, start=per.start, end=per.end, rows=rows)
        periods = [str(c) for c in cube.columns]
        if len(np.unique(cube.to_numpy())) < 2:
            log.info("emerging hot spots %s: all bins equal; skipped", cat)
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", GeolageWarning)
            res = emerging_hotspots(grid, cube, weights=weights, time_window=cfg.time_window, alpha=cfg.alpha,
                                    trend_alpha=cfg.trend_alpha, correction=hcfg.correction)
        for w in caught:
            if str(w.message) not in warned:
                warned.add(str(w.message))
                log.warning("emerging hot spots: %s", w.message)
        summary[cat] = res.attrs["parameters"]["categories"]
        frame = pd.DataFrame({"cell_id": grid.index.astype(str), "category": cat,
                              "count": cube.sum(axis=1).to_numpy()})
        frame = pd.concat([frame, res.reset_index(drop=True)], axis=1)
        parts.append(as_spatial(frame, grid.geometry))
    results.record_parameters(
        "emerging",
        categories=cats,
        categories_skipped=skipped,
        unit=unit,
        unit_source=unit_source,
        periods=periods,
        neighbourhood=weights.description,
        time_window=cfg.time_window,
        global_window="entire cube",
        alpha=cfg.alpha,
        trend_alpha=cfg.trend_alpha,
        correction="Benjamini-Hochberg FDR over all bins" if hcfg.correction == "fdr" else "none",
        category_counts=summary,
    )
    results.add_table(schemas.EMERGING_GRID.table(stack(parts, schemas.EMERGING_GRID.columns)))

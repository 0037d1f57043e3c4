"""The hot spot step: Gi* (grid, districts), global Moran's I and LISA (districts, grid).

Adds the tables :data:`~geolage.run.schemas.GISTAR_GRID`, ``GISTAR_DISTRICT``,
``MORAN_GLOBAL``, ``LISA_DISTRICT`` and ``LISA_GRID``. Every category with at least
``hotspots.min_incidents`` incidents in the analysed span is analysed, plus all
categories together, and every parameter used is recorded.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from ...neighbours import make_weights
from ...stats.autocorrelation import GLOBAL_MORAN_COLUMNS, global_moran, local_moran
from ...stats.hotspots import gistar
from .. import schemas
from ..results import RunResults
from .common import as_spatial, categories_with, derived_seed, span_incidents, stack, subset

__all__ = ["add_hotspots", "LISA_FDR_PERMUTATIONS"]

log = logging.getLogger(__name__)

#: LISA permutations with FDR when ``hotspots.lisa_permutations = "auto"``: with 999 the
#: smallest pseudo p-value (0.001) times thousands of cells leaves no cell FDR-significant.
LISA_FDR_PERMUTATIONS = 9999


def _counts(inc: pd.DataFrame, key: str, index: pd.Index) -> pd.Series:
    return inc[key].dropna().value_counts().reindex(index, fill_value=0).astype(float)


def add_hotspots(results: RunResults) -> None:
    """Add Gi* (grid, districts), global Moran's I and LISA (districts, grid) to ``results``.

    Reads ``config.hotspots`` (distance, permutations, correction, inference,
    min_neighbours, lisa_alpha, lisa_permutations, district_weights, min_incidents) and
    the run seed (a seed per table and category is derived from it and recorded).

    Tables
    ------
    gistar_grid, gistar_district
        ``cell_id`` / ``district_id``, ``category``, ``count``, ``gistar_z``,
        ``gistar_p``, ``gistar_q``, ``gistar_class``, ``gistar_n_neighbours``,
        ``gistar_p_sim`` (when permutations > 0), geometry. Every cell of the grid (all
        cells intersecting the study area, also those without incidents) is analysed.
    moran_global
        ``unit``, ``category``, ``variable``, ``moran_i``, ``moran_ei``, ``moran_z``,
        ``moran_p_norm``, ``moran_p_sim`` (+ randomisation z/p, permutations, n).
    lisa_district, lisa_grid
        id, ``category``, ``variable``, ``lisa_i``, ``lisa_p``, ``lisa_q``,
        ``lisa_cluster``, ``moran_x``, ``moran_lag``, ``lisa_n_neighbours``, geometry.
        Districts: the empirical-Bayes standardised rate (Assunção–Reis) per
        population when every district has a population, otherwise counts.

    Notes
    -----
    Methods: :func:`geolage.stats.hotspots.gistar`, :func:`geolage.stats.autocorrelation.global_moran`,
    :func:`geolage.stats.autocorrelation.local_moran`. One FDR correction per table and
    category (over all cells, or all districts).
    """
    cfg = results.config.hotspots
    seed = results.config.project.seed
    inc = span_incidents(results)
    cats, skipped = categories_with(inc, cfg.min_incidents)
    grid, districts = results.grid, results.districts
    g_weights = make_weights(grid, distance=cfg.distance, include_self=True, min_neighbours=cfg.min_neighbours)
    d_source: Any = cfg.district_weights
    d_weights = make_weights(districts, d_source, include_self=True)
    # Moran / LISA: the same neighbourhoods without self, row-standardised (built once)
    g_moran = g_weights.without_self().row_standardised()
    d_moran = d_weights.without_self().row_standardised()
    results.record_parameters(
        "hotspots",
        categories=cats,
        categories_skipped=skipped,
        min_incidents=cfg.min_incidents,
        grid_cells=len(grid),
        grid_cells_without_incidents=int((_counts(inc, "cell_id", grid.index) == 0).sum()),
        grid_neighbourhood=g_weights.description,
        district_neighbourhood=d_weights.description,
        district_weights_file=str(d_source) if d_source else None,
        permutations=cfg.permutations,
        gistar_inference=cfg.inference,
        correction=cfg.correction,
        lisa_alpha=cfg.lisa_alpha,
        seed=seed,
    )
    lisa_perms = cfg.lisa_permutations
    lisa_rule = "given"
    if lisa_perms == "auto":
        lisa_perms = max(cfg.permutations, LISA_FDR_PERMUTATIONS) if cfg.correction == "fdr" else cfg.permutations
        lisa_rule = "auto: at least 9999 with FDR, else hotspots.permutations"
    lisa_perms = max(int(lisa_perms), 1)
    results.record_parameters("hotspots", lisa_permutations=lisa_perms, lisa_permutations_rule=lisa_rule)
    pop = districts["population"] if "population" in districts.columns else pd.Series(np.nan, index=districts.index)
    use_rate = bool(len(pop) and np.all(np.isfinite(pop.to_numpy(dtype=float)) & (pop.to_numpy(dtype=float) > 0)))
    if not use_rate:
        log.info("districts: population missing or 0 for some districts; Moran/LISA on counts, not EB rates")

    gi_grid, gi_dist, moran_rows, lisa_d, lisa_g = [], [], [], [], []
    seeds: dict[str, int] = {}
    for cat in cats:
        sub = subset(inc, cat)
        gc = _counts(sub, "cell_id", grid.index)
        dc = _counts(sub, "district_id", districts.index)
        for unit, gdf, counts, weights, key, sink in (
            (schemas.UNIT_GRID, grid, gc, g_weights, "cell_id", gi_grid),
            (schemas.UNIT_DISTRICT, districts, dc, d_weights, "district_id", gi_dist),
        ):
            if counts.nunique() < 2:
                log.info("Gi* %s %s: all counts equal (%g); skipped", unit, cat, counts.iloc[0] if len(counts) else 0)
                continue
            s = derived_seed(seed, "gistar", unit, cat)
            seeds[f"gistar_{unit}:{cat}"] = s
            res = gistar(gdf, counts.rename("count"), weights=weights, permutations=cfg.permutations, seed=s,
                         inference=cfg.inference, correction=cfg.correction)
            frame = pd.DataFrame({key: gdf.index.astype(str), "category": cat, "count": counts.to_numpy()})
            frame = pd.concat([frame, res.reset_index(drop=True)], axis=1)
            sink.append(as_spatial(frame, gdf.geometry))

        # Moran's I and LISA: grid counts; district EB rates (or counts)
        for unit, gdf, counts, key, sink in (
            (schemas.UNIT_GRID, grid, gc, "cell_id", lisa_g),
            (schemas.UNIT_DISTRICT, districts, dc, "district_id", lisa_d),
        ):
            if counts.nunique() < 2:
                continue
            population = pop if (unit == schemas.UNIT_DISTRICT and use_rate) else None
            weights = g_moran if unit == schemas.UNIT_GRID else d_moran
            s = derived_seed(seed, "moran", unit, cat)
            seeds[f"moran_{unit}:{cat}"] = s
            gm = global_moran(gdf, counts.rename("count"), population=population, weights=weights,
                              permutations=cfg.permutations, seed=s)
            variable = "eb_rate" if population is not None else "count"
            moran_rows.append({"unit": unit, "category": cat, "variable": variable, **gm.to_dict()})
            s = derived_seed(seed, "lisa", unit, cat)
            seeds[f"lisa_{unit}:{cat}"] = s
            lm = local_moran(gdf, counts.rename("count"), population=population, weights=weights,
                             permutations=lisa_perms, seed=s, correction=cfg.correction,
                             alpha=cfg.lisa_alpha)
            frame = pd.DataFrame({key: gdf.index.astype(str), "category": cat, "variable": variable,
                                  "count": counts.to_numpy()})
            frame = pd.concat([frame, lm.reset_index(drop=True)], axis=1)
            sink.append(as_spatial(frame, gdf.geometry))
    results.record_parameters("hotspots", announce=False, seeds=seeds,
                              district_variable="eb_rate (Assunção-Reis)" if use_rate else "count")

    results.add_table(schemas.GISTAR_GRID.table(stack(gi_grid, schemas.GISTAR_GRID.columns)))
    results.add_table(schemas.GISTAR_DISTRICT.table(stack(gi_dist, schemas.GISTAR_DISTRICT.columns)))
    results.add_table(schemas.MORAN_GLOBAL.table(
        pd.DataFrame(moran_rows, columns=["unit", "category", "variable", *GLOBAL_MORAN_COLUMNS])))
    results.add_table(schemas.LISA_DISTRICT.table(stack(lisa_d, schemas.LISA_DISTRICT.columns)))
    results.add_table(schemas.LISA_GRID.table(stack(lisa_g, schemas.LISA_GRID.columns)))

"""The hot spot step: Gi* (grid, districts), global Moran's I and LISA (districts, grid).

Adds the tables :data:`~geolage.run.schemas.GISTAR_GRID`, ``GISTAR_DISTRICT``,
``MORAN_GLOBAL``, ``LISA_DISTRICT`` and ``LISA_GRID`` (the grid ones on the cells of the
analysis area, :mod:`geolage.run.steps.analysis_area`), and, when that is not every cell,
``GISTAR_GRID_WHOLE`` and ``LISA_GRID_WHOLE`` (all categories together on the whole grid).
Every category with at least ``hotspots.min_incidents`` incidents in the analysed span is
analysed, plus all categories together, and every parameter used is recorded.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ...categories import ALL_CATEGORIES
from ...config import HotspotsConfig
from ...neighbours import SpatialWeights, make_weights
from ...preflight import MIN_DISTRICTS
from ...stats.autocorrelation import global_moran, local_moran
from ...stats.hotspots import gistar
from ...stats.permutation import auto_permutations
from .. import schemas
from ..parallel import count_from_environment
from ..results import RunResults
from .analysis_area import AnalysisArea, resolve_analysis_area
from .common import as_spatial, categories_with, derived_seed, span_incidents, stack, subset

__all__ = ["add_hotspots", "UNIT_GRID_WHOLE"]

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class _Unit:
    """A spatial unit analysed: the grid or the districts, with their neighbourhoods."""

    name: str
    frame: gpd.GeoDataFrame
    key: str
    gistar_weights: SpatialWeights
    moran_weights: SpatialWeights
    population: pd.Series | None  # EB rates for Moran/LISA when given, else counts
    #: Only all categories together, and no global Moran (the whole-study-area view beside the analysis area).
    whole_view: bool = False

    @property
    def variable(self) -> str:
        return "eb_rate" if self.population is not None else "count"


def _counts(inc: pd.DataFrame, key: str, index: pd.Index) -> pd.Series:
    return inc[key].dropna().value_counts().reindex(index, fill_value=0).astype(float)


def _lisa_permutations(cfg: HotspotsConfig) -> tuple[int | str, str]:
    """LISA permutations and the rule that chose them (enough for FDR to reach significance)."""
    if cfg.lisa_permutations != "auto":
        return max(int(cfg.lisa_permutations), 1), "given"
    if cfg.correction == "fdr":
        return "auto", "auto: 4 x rows / lisa_alpha (FDR can reach significance), per table"
    return max(int(cfg.permutations), 1), "auto: hotspots.permutations without correction"


def _gistar_permutations(cfg: HotspotsConfig, n: int) -> int | str:
    """Gi* permutations: automatic with ``inference = "auto"``, at least enough for FDR with "permutation"."""
    if cfg.inference == "auto":
        return "auto"
    if cfg.inference == "permutation" and cfg.correction == "fdr":
        return max(int(cfg.permutations), auto_permutations(n))
    return int(cfg.permutations)


def _district_population(districts: gpd.GeoDataFrame) -> tuple[pd.Series, bool]:
    """District populations, and whether every district has one (then Moran/LISA use EB rates)."""
    pop = districts["population"] if "population" in districts.columns else pd.Series(np.nan, index=districts.index)
    values = pop.to_numpy(dtype=float)
    use_rate = bool(len(pop) and np.all(np.isfinite(values) & (values > 0)))
    if not use_rate:
        log.info("districts: population missing or 0 for some districts; Moran/LISA on counts, not EB rates")
    return pop, use_rate


def _gistar_frame(
    unit: _Unit, category: str, counts: pd.Series, cfg: HotspotsConfig, seed: int, used: dict[str, Any]
) -> pd.DataFrame:
    """Gi* of one category on one unit, as rows of ``gistar_grid`` / ``gistar_district``.

    Records in ``used`` (key ``unit:category``) the inference used, why, and the permutations.
    """
    res = gistar(unit.frame, counts.rename("count"), weights=unit.gistar_weights,
                 permutations=_gistar_permutations(cfg, len(counts)), seed=seed, inference=cfg.inference,
                 correction=cfg.correction)
    par = res.attrs["parameters"]
    used[f"{unit.name}:{category}"] = {k: par[k] for k in ("inference_used", "inference_reason", "permutations",
                                                           "permutations_rule")}
    frame = pd.DataFrame({unit.key: unit.frame.index.astype(str), "category": category, "count": counts.to_numpy()})
    return as_spatial(pd.concat([frame, res.reset_index(drop=True)], axis=1), unit.frame.geometry)


def _lisa_frame(
    unit: _Unit, category: str, counts: pd.Series, cfg: HotspotsConfig, permutations: int | str, seed: int,
    used: dict[str, Any],
) -> pd.DataFrame:
    """Local Moran of one category on one unit, as rows of ``lisa_grid`` / ``lisa_district``."""
    lm = local_moran(unit.frame, counts.rename("count"), population=unit.population, weights=unit.moran_weights,
                     permutations=permutations, seed=seed, correction=cfg.correction, alpha=cfg.lisa_alpha)
    used[f"{unit.name}:{category}"] = lm.attrs["parameters"]["permutations"]
    frame = pd.DataFrame({unit.key: unit.frame.index.astype(str), "category": category, "variable": unit.variable,
                          "count": counts.to_numpy()})
    return as_spatial(pd.concat([frame, lm.reset_index(drop=True)], axis=1), unit.frame.geometry)


#: Environment variable with the number of threads of the hotspot analyses (default 1). Measured on the
#: shared 2-core machine (demo, 20 maps): 2 threads took the step from 30.6 s to 26.9 s (the analyses hold
#: the GIL part of the time) and the peak memory from 1.04 GB to 1.42 GB, so threads are opt-in.
THREADS_VARIABLE = "GEOLAGE_THREADS"


def analysis_threads() -> int:
    """Threads for independent analyses: ``$GEOLAGE_THREADS`` when set (at least 1), else 1."""
    return count_from_environment(THREADS_VARIABLE, 1, "thread")


@dataclass
class _Outcome:
    """The results of one (unit, category): Gi* rows, global Moran row, LISA rows, seeds and choices."""

    gistar: pd.DataFrame
    moran: dict[str, Any] | None
    lisa: pd.DataFrame
    seeds: dict[str, int]
    gi_used: dict[str, Any]
    lisa_used: dict[str, Any]


def _analyse_one(unit: _Unit, cat: str, counts: pd.Series, cfg: HotspotsConfig, seed: int,
                 lisa_perms: int | str) -> _Outcome:
    """Gi*, global Moran's I and LISA of one category on one unit (no shared state: safe on a thread)."""
    seeds: dict[str, int] = {}
    gi_used: dict[str, Any] = {}
    lisa_used: dict[str, Any] = {}
    s = seeds[f"gistar_{unit.name}:{cat}"] = derived_seed(seed, "gistar", unit.name, cat)
    gi = _gistar_frame(unit, cat, counts, cfg, s, gi_used)
    moran = None
    if not unit.whole_view:
        s = seeds[f"moran_{unit.name}:{cat}"] = derived_seed(seed, "moran", unit.name, cat)
        gm = global_moran(unit.frame, counts.rename("count"), population=unit.population,
                          weights=unit.moran_weights, permutations=cfg.permutations, seed=s)
        moran = {"unit": unit.name, "category": cat, "variable": unit.variable, **gm.to_dict()}
    s = seeds[f"lisa_{unit.name}:{cat}"] = derived_seed(seed, "lisa", unit.name, cat)
    lisa = _lisa_frame(unit, cat, counts, cfg, lisa_perms, s, lisa_used)
    return _Outcome(gi, moran, lisa, seeds, gi_used, lisa_used)


#: Unit name of the whole-study-area grid view (``gistar_grid_whole``, ``lisa_grid_whole``) in run.json keys.
UNIT_GRID_WHOLE = "grid_whole"


def _units(
    results: RunResults, whole: SpatialWeights, area: AnalysisArea
) -> tuple[tuple[_Unit, ...], dict[str, Any]]:
    """The units analysed (grid in the analysis area, districts, the whole grid when they differ), and their record.

    The analysis-area grid keeps the distance band of the whole grid, so both views use the
    same neighbourhoods; a cell's neighbours outside the analysis area do not count.
    """
    cfg = results.config.hotspots
    grid, districts = results.grid, results.districts
    if area.inside is None:
        cells, g_weights = grid, whole
    else:
        cells = grid[area.inside]
        cells.attrs.update(grid.attrs)
        g_weights = make_weights(cells, distance=whole.description["distance"], include_self=True)
    units = [  # Moran / LISA: the same neighbourhoods without self, row-standardised (built once)
        _Unit(schemas.UNIT_GRID, cells, "cell_id", g_weights, g_weights.without_self().row_standardised(), None),
    ]
    record: dict[str, Any] = {"grid_neighbourhood": g_weights.description}
    if len(districts) >= MIN_DISTRICTS:
        d_source: Any = cfg.district_weights
        d_weights = make_weights(districts, d_source, include_self=True)
        population, use_rate = _district_population(districts)
        units.append(_Unit(schemas.UNIT_DISTRICT, districts, "district_id", d_weights,
                           d_weights.without_self().row_standardised(), population if use_rate else None))
        record.update({"district_neighbourhood": d_weights.description,
                       "district_weights_file": str(d_source) if d_source else None,
                       "district_variable": "eb_rate (Assunção-Reis)" if use_rate else "count"})
    else:  # Moran's I and LISA need 4 units; a Gi* over 1-3 districts says nothing: the grid carries the hot spots
        record.update({"district_statistics": f"left out: {len(districts)} district(s), at least {MIN_DISTRICTS} "
                                              "needed", "district_variable": None})
    if area.inside is not None:
        units.append(_Unit(UNIT_GRID_WHOLE, grid, "cell_id", whole, whole.without_self().row_standardised(), None,
                           whole_view=True))
        record["grid_whole_neighbourhood"] = whole.description
        record["grid_whole_categories"] = [ALL_CATEGORIES]
    return tuple(units), record


def add_hotspots(results: RunResults) -> None:
    """Add Gi* (grid, districts), global Moran's I and LISA (districts, grid) to ``results``.

    Reads ``config.hotspots`` (distance, permutations, correction, inference,
    min_neighbours, lisa_alpha, lisa_permutations, district_weights, min_incidents,
    analysis_area, analysis_area_layer, populated_density) and the run seed (a seed per
    table and category is derived from it and recorded).

    Tables
    ------
    gistar_grid, gistar_district
        ``cell_id`` / ``district_id``, ``category``, ``count``, ``gistar_z``,
        ``gistar_p``, ``gistar_q``, ``gistar_class``, ``gistar_n_neighbours``,
        ``gistar_p_sim`` (when permutations > 0), geometry. Every cell of the analysis area
        (:func:`~geolage.run.steps.analysis_area.resolve_analysis_area`; also cells without
        incidents) is analysed.
    moran_global
        ``unit``, ``category``, ``variable``, ``moran_i``, ``moran_ei``, ``moran_z``,
        ``moran_p_norm``, ``moran_p_sim`` (+ randomisation z/p, permutations, n).
    lisa_district, lisa_grid
        id, ``category``, ``variable``, ``lisa_i``, ``lisa_p``, ``lisa_q``,
        ``lisa_cluster``, ``moran_x``, ``moran_lag``, ``lisa_n_neighbours``, geometry.
        Districts: the empirical-Bayes standardised rate (Assunção–Reis) per
        population when every district has a population, otherwise counts.
    gistar_grid_whole, lisa_grid_whole
        Only when the analysis area is not the whole grid: Gi* and LISA of all categories
        together on every cell of the study area (the municipality-wide view).

    Notes
    -----
    The grid analyses (Gi*, global Moran, LISA) see only the cells of the analysis area (the
    populated districts widened by the neighbourhood distance): the mean and variance are those
    of these cells, and a cell's neighbours outside the area do not count (as at the edge of the
    study area). Methods: :func:`geolage.stats.hotspots.gistar`,
    :func:`geolage.stats.autocorrelation.global_moran`, :func:`geolage.stats.autocorrelation.local_moran`.
    One FDR correction per table and category (over all cells, or all districts). The (unit,
    category) analyses can run on threads (:func:`analysis_threads`, ``GEOLAGE_THREADS``); each
    has its own seeds, so the results do not depend on the number of threads.
    """
    cfg = results.config.hotspots
    seed = results.config.project.seed
    inc = span_incidents(results)
    cats, skipped = categories_with(inc, cfg.min_incidents)
    whole = make_weights(results.grid, distance=cfg.distance, include_self=True, min_neighbours=cfg.min_neighbours)
    area = resolve_analysis_area(results, buffer=whole.description["distance"])
    units, unit_record = _units(results, whole, area)
    results.record_parameters(
        "hotspots",
        categories=cats,
        categories_skipped=skipped,
        min_incidents=cfg.min_incidents,
        grid_cells=len(results.grid),
        grid_cells_without_incidents=int((_counts(inc, "cell_id", results.grid.index) == 0).sum()),
        **area.record,
        **{k: v for k, v in unit_record.items() if k != "district_variable"},
        permutations=cfg.permutations,
        gistar_inference=cfg.inference,
        correction=cfg.correction,
        lisa_alpha=cfg.lisa_alpha,
        seed=seed,
    )
    lisa_perms, lisa_rule = _lisa_permutations(cfg)
    results.record_parameters("hotspots", lisa_permutations=lisa_perms, lisa_permutations_rule=lisa_rule)
    gi: dict[str, list[pd.DataFrame]] = {u.name: [] for u in units}
    lisa: dict[str, list[pd.DataFrame]] = {u.name: [] for u in units}
    moran_rows: list[dict[str, Any]] = []
    seeds: dict[str, int] = {}
    gi_used: dict[str, Any] = {}
    lisa_used: dict[str, Any] = {}
    tasks = []
    for cat in cats:
        sub = subset(inc, cat)
        for unit in units:
            if unit.whole_view and cat != ALL_CATEGORIES:
                continue
            counts = _counts(sub, unit.key, unit.frame.index)
            if counts.nunique() < 2:
                log.info("Gi* %s %s: all counts equal (%g); skipped", unit.name, cat,
                         counts.iloc[0] if len(counts) else 0)
                continue
            tasks.append((unit, cat, counts))
    # independent analyses with their own seeds (threads: GEOLAGE_THREADS), gathered in this order
    with ThreadPoolExecutor(max_workers=analysis_threads()) as pool:
        outcomes = list(pool.map(lambda t: _analyse_one(*t, cfg, seed, lisa_perms), tasks))
    for (unit, _, _), out in zip(tasks, outcomes, strict=True):
        seeds.update(out.seeds)
        gi_used.update(out.gi_used)
        lisa_used.update(out.lisa_used)
        gi[unit.name].append(out.gistar)
        if out.moran is not None:
            moran_rows.append(out.moran)
        lisa[unit.name].append(out.lisa)
    results.record_parameters("hotspots", announce=False, gistar_inference_used=gi_used,
                              lisa_permutations_used=lisa_used)
    results.record_parameters("hotspots", announce=False, seeds=seeds,
                              district_variable=unit_record["district_variable"])
    _add_tables(results, gi, lisa, moran_rows)


def _add_tables(results: RunResults, gi: dict[str, list[pd.DataFrame]], lisa: dict[str, list[pd.DataFrame]],
                moran_rows: list[dict[str, Any]]) -> None:
    """The step's tables; the whole-study-area ones only when that view was analysed."""
    grid_name, district_name = schemas.UNIT_GRID, schemas.UNIT_DISTRICT
    results.add_table(schemas.GISTAR_GRID.table(stack(gi[grid_name], schemas.GISTAR_GRID.columns)))
    results.add_table(schemas.GISTAR_DISTRICT.table(stack(gi.get(district_name, []),
                                                          schemas.GISTAR_DISTRICT.columns)))
    results.add_table(schemas.MORAN_GLOBAL.table(pd.DataFrame(moran_rows, columns=list(schemas.MORAN_GLOBAL.columns))))
    results.add_table(schemas.LISA_DISTRICT.table(stack(lisa.get(district_name, []), schemas.LISA_DISTRICT.columns)))
    results.add_table(schemas.LISA_GRID.table(stack(lisa[grid_name], schemas.LISA_GRID.columns)))
    if UNIT_GRID_WHOLE in gi:
        results.add_table(schemas.GISTAR_GRID_WHOLE.table(stack(gi[UNIT_GRID_WHOLE],
                                                                schemas.GISTAR_GRID_WHOLE.columns)))
        results.add_table(schemas.LISA_GRID_WHOLE.table(stack(lisa[UNIT_GRID_WHOLE], schemas.LISA_GRID_WHOLE.columns)))

"""Pipeline steps of the hotspot analyses: Gi*, Moran's I, LISA and emerging hot spots.

:func:`add_hotspots` adds the tables ``gistar_grid``, ``gistar_district``,
``moran_global``, ``lisa_district`` and ``lisa_grid``; :func:`add_emerging` adds
``emerging_grid`` (schemas in ``docs/DEVELOPING.md``). Both analyse every category with
at least ``hotspots.min_incidents`` incidents in the analysed span, plus all
categories together (``"alla"``), and record every parameter they used.
"""

from __future__ import annotations

import logging
import warnings
import zlib
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .autocorrelation import global_moran, local_moran
from .emerging import emerging_hotspots, space_time_cube
from .errors import GeolageWarning
from .hotspots import gistar
from .neighbours import make_weights
from .periods import period_range
from .results import RunResults, Table

__all__ = ["add_hotspots", "add_emerging", "derived_seed"]

log = logging.getLogger(__name__)

ALL = "alla"
#: LISA permutations with FDR when ``hotspots.lisa_permutations = "auto"``: with 999 the
#: smallest pseudo p-value (0.001) times thousands of cells leaves no cell FDR-significant.
LISA_FDR_PERMUTATIONS = 9999


def derived_seed(seed: int, *parts: str) -> int:
    """A seed derived from the run seed and a name (recorded next to the result)."""
    return int((seed + zlib.crc32(":".join(parts).encode("utf-8"))) % (2**32))


def _span_incidents(results: RunResults) -> gpd.GeoDataFrame:
    inc = results.incidents
    per = results.config.periods
    t = pd.to_datetime(inc["time"])
    inside = (t >= pd.Timestamp(per.start)) & (t < pd.Timestamp(per.end) + pd.Timedelta(days=1))
    return inc[inside.to_numpy()]


def _categories(inc: pd.DataFrame, min_incidents: int) -> tuple[list[str], list[str]]:
    counts = inc["category"].value_counts()
    used = sorted(str(c) for c, n in counts.items() if n >= min_incidents)
    skipped = sorted(str(c) for c, n in counts.items() if n < min_incidents)
    return [ALL, *used], skipped


def _subset(inc: pd.DataFrame, category: str) -> pd.DataFrame:
    return inc if category == ALL else inc[inc["category"] == category]


def _counts(inc: pd.DataFrame, key: str, index: pd.Index) -> pd.Series:
    return inc[key].dropna().value_counts().reindex(index, fill_value=0).astype(float)


def _spatial(frame: pd.DataFrame, geometry: gpd.GeoSeries) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(frame, geometry=geometry.to_numpy(), crs=geometry.crs).reset_index(drop=True)


def _stack(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)


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
    Methods: :func:`geolage.hotspots.gistar`, :func:`geolage.autocorrelation.global_moran`,
    :func:`geolage.autocorrelation.local_moran`. One FDR correction per table and
    category (over all cells, or all districts).
    """
    cfg = results.config.hotspots
    seed = results.config.project.seed
    inc = _span_incidents(results)
    cats, skipped = _categories(inc, cfg.min_incidents)
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
        sub = _subset(inc, cat)
        gc = _counts(sub, "cell_id", grid.index)
        dc = _counts(sub, "district_id", districts.index)
        for unit, gdf, counts, weights, key, sink in (
            ("grid", grid, gc, g_weights, "cell_id", gi_grid),
            ("district", districts, dc, d_weights, "district_id", gi_dist),
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
            sink.append(_spatial(frame, gdf.geometry))

        # Moran's I and LISA: grid counts; district EB rates (or counts)
        for unit, gdf, counts, key, sink in (
            ("grid", grid, gc, "cell_id", lisa_g),
            ("district", districts, dc, "district_id", lisa_d),
        ):
            if counts.nunique() < 2:
                continue
            population = pop if (unit == "district" and use_rate) else None
            weights = g_moran if unit == "grid" else d_moran
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
            sink.append(_spatial(frame, gdf.geometry))
    results.record_parameters("hotspots", announce=False, seeds=seeds,
                              district_variable="eb_rate (Assunção-Reis)" if use_rate else "count")

    gi_cols = ["category", "count", "gistar_z", "gistar_p", "gistar_q", "gistar_class"]
    desc_gi = {
        "sv": "Getis–Ord Gi* (egen cell inräknad), binära grannskap, BH-FDR; alla celler i studieområdet "
              "analyseras, även de utan händelser.",
        "en": "Getis–Ord Gi* (self included), binary neighbourhoods, BH FDR; every cell of the study area is "
              "analysed, including cells without incidents.",
    }
    results.add_table(Table(
        "gistar_grid", _stack(gi_grid, ["cell_id", *gi_cols]),
        title={"sv": "Hot spots (Gi*) per rutcell", "en": "Hot spots (Gi*) per grid cell"},
        description=desc_gi, count_columns=("count",), style="gistar", style_column="gistar_class"))
    results.add_table(Table(
        "gistar_district", _stack(gi_dist, ["district_id", *gi_cols]),
        title={"sv": "Hot spots (Gi*) per område", "en": "Hot spots (Gi*) per district"},
        description=desc_gi, count_columns=("count",), style="gistar", style_column="gistar_class"))
    results.add_table(Table(
        "moran_global", pd.DataFrame(moran_rows, columns=[
            "unit", "category", "variable", "moran_i", "moran_ei", "moran_z", "moran_p_norm", "moran_z_rand",
            "moran_p_rand", "moran_p_sim", "moran_permutations", "moran_n"]),
        title={"sv": "Global rumslig autokorrelation (Morans I)", "en": "Global spatial autocorrelation (Moran's I)"},
        description={"sv": "Morans I med radstandardiserade vikter; p från normalfördelning och permutationer.",
                     "en": "Moran's I, row-standardised weights; p from the normal approximation and permutations."}))
    lisa_cols = ["category", "variable", "count", "lisa_i", "lisa_p", "lisa_q", "lisa_cluster", "moran_x", "moran_lag"]
    desc_lisa = {
        "sv": "Lokal Moran (LISA), villkorade permutationer; områden: EB-standardiserad takt (Assunção–Reis).",
        "en": "Local Moran (LISA), conditional permutations; districts: EB-standardised rate (Assunção–Reis).",
    }
    results.add_table(Table(
        "lisa_district", _stack(lisa_d, ["district_id", *lisa_cols]),
        title={"sv": "Lokala kluster (LISA) per område", "en": "Local clusters (LISA) per district"},
        description=desc_lisa, count_columns=("count",), style="lisa", style_column="lisa_cluster"))
    results.add_table(Table(
        "lisa_grid", _stack(lisa_g, ["cell_id", *lisa_cols]),
        title={"sv": "Lokala kluster (LISA) per rutcell", "en": "Local clusters (LISA) per grid cell"},
        description=desc_lisa, count_columns=("count",), style="lisa", style_column="lisa_cluster"))


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
    Method and exact category definitions: :func:`geolage.emerging.emerging_hotspots`
    and :func:`geolage.emerging.classify_emerging`.
    """
    cfg = results.config.emerging
    hcfg = results.config.hotspots
    per = results.config.periods
    inc = _span_incidents(results)
    cats, skipped = _categories(inc, hcfg.min_incidents)
    grid = results.grid
    unit, unit_source = _emerging_unit(cfg.unit, per.unit, per.start, per.end)
    weights = make_weights(grid, distance=cfg.distance, include_self=True, min_neighbours=hcfg.min_neighbours)
    parts = []
    summary: dict[str, Any] = {}
    periods: list[str] = []
    warned: set[str] = set()
    for cat in cats:
        sub = _subset(inc, cat)
        cube = space_time_cube(grid, sub, unit=unit, start=per.start, end=per.end)
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
        parts.append(_spatial(frame, grid.geometry))
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
    cols = ["cell_id", "category", "count", "emerging_category", "emerging_mk_z", "emerging_mk_p", "emerging_mk_s",
            "n_hot_bins", "n_cold_bins", "n_bins", "emerging_final_z"]
    results.add_table(Table(
        "emerging_grid", _stack(parts, cols),
        title={"sv": "Framväxande hot spots per rutcell", "en": "Emerging hot spots per grid cell"},
        description={
            "sv": "Gi* per ruta och period (rum-tid-grannskap), Mann–Kendall-trend, ArcGIS Pro:s kategorier.",
            "en": "Gi* per cell and period (space-time neighbourhood), Mann–Kendall trend, ArcGIS Pro categories.",
        },
        count_columns=("count",), style="emerging", style_column="emerging_category"))

"""The focus-area step: one profile per focus area and crime type, with the ranked problems of its lägesbild.

Runs after the other steps and reads their tables: for each focus area (:mod:`geolage.focus`)
and category, the current period's count, rate and rate ratio against the rest of the
municipality (exact conditional test), its share of the municipality's incidents, the trend
(``trend``), the change since the previous lägesbild (``period_change``), the share of its
incidents in significant Gi* hot spot cells (``gistar_grid``), next year's forecast
(``forecast_district``) and the priority rank of :func:`geolage.stats.priorities.rank_problems`.
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd

from ...categories import ALL_CATEGORIES
from ...focus import FocusArea, focus_area_shapes, focus_areas_of
from ...stats.areas import window_counts
from ...stats.compare import rate_ratio
from ...stats.context import area_indicators
from ...stats.priorities import rank_problems
from .. import schemas
from ..results import RunResults

__all__ = ["add_area_profiles", "current_window"]

log = logging.getLogger(__name__)


def current_window(results: RunResults) -> tuple[dt.date, dt.date]:
    """The current period: ``periods.current``, else the last three years of the span (at most the span)."""
    per = results.config.periods
    if per.current is not None:
        return per.current
    start = dt.date(per.end.year - 2, 1, 1) if per.end.month == 12 and per.end.day == 31 else (
        per.end - dt.timedelta(days=3 * 365 - 1))
    return max(per.start, start), per.end


def _level(area: FocusArea, counts: pd.DataFrame, exposure: pd.Series, years: float, cats: list[str],
           rate_per: float, confidence: float) -> pd.DataFrame:
    """Count, rate and rate ratio against the rest of the districts, per category, in the current window."""
    members = list(area.district_ids)
    rest = [d for d in counts.index if d not in set(members)]
    c = counts.reindex(members, fill_value=0).sum(axis=0).reindex(cats, fill_value=0)
    rc = counts.reindex(rest, fill_value=0).sum(axis=0).reindex(cats, fill_value=0)
    e, re_ = exposure.reindex(members), exposure.reindex(rest)
    known = e.notna().all() and re_.notna().all() and float(e.sum()) > 0
    e_sum = float(e.sum()) if known else years
    re_sum = float(re_.sum()) if known else np.nan
    df = pd.DataFrame({"category": cats, "count": c.to_numpy().astype("int64"),
                       "exposure": e_sum, "ref_count": rc.to_numpy().astype("int64")})
    whole = c.to_numpy() + rc.to_numpy()
    df["share_of_whole"] = np.divide(c.to_numpy(), whole, out=np.full(len(df), np.nan), where=whole > 0)
    scale = rate_per if known else 1.0
    df["rate"] = df["count"] / e_sum * scale
    df["rate_basis"] = "population" if known else "years"
    if known:
        rr = rate_ratio(df["count"], df["exposure"], df["ref_count"], pd.Series(re_sum, index=df.index),
                        confidence=confidence)
        df["ref_rate"] = df["ref_count"] / re_sum * scale
        df["whole_rate"] = (df["count"] + df["ref_count"]) / (e_sum + re_sum) * scale  # the whole municipality
        df["rate_ratio"], df["rr_lo"] = rr["rate_ratio"].to_numpy(), rr["rr_ci_low"].to_numpy()
        df["rr_hi"], df["rr_p"] = rr["rr_ci_high"].to_numpy(), rr["rr_p"].to_numpy()
    else:  # without population a rate ratio has no denominator: the level is left to the share
        for col in ("ref_rate", "whole_rate", "rate_ratio", "rr_lo", "rr_hi", "rr_p"):
            df[col] = np.nan
    return df


def _lookup(table: pd.DataFrame | None, key: str, value: str, columns: dict[str, str]) -> pd.DataFrame:
    """Rows of ``table`` where ``key == value``, indexed by category, with ``columns`` renamed."""
    if table is None or key not in table.columns or not len(table):
        return pd.DataFrame(columns=list(columns.values()))
    rows = table[table[key].astype(str) == value]
    have = {k: v for k, v in columns.items() if k in rows.columns}
    return rows.set_index("category")[list(have)].rename(columns=have)


def _hotspot_share(results: RunResults, area: FocusArea, window: tuple[dt.date, dt.date],
                   cats: list[str]) -> pd.Series:
    """Share of the area's incidents per category (current window) in cells that are Gi* hot spots of that category."""
    grid = results.tables.get(schemas.GISTAR_GRID.name)
    inc = results.incidents
    if grid is None or "cell_id" not in inc.columns or "gistar_class" not in grid.data.columns:
        return pd.Series(np.nan, index=cats)
    g = grid.data
    t = pd.to_datetime(inc["time"])
    in_window = (t >= pd.Timestamp(window[0])) & (t < pd.Timestamp(window[1]) + pd.Timedelta(days=1))
    sel = inc[inc["district_id"].astype(str).isin(area.district_ids).to_numpy() & in_window.to_numpy()]
    out = {}
    for cat in cats:
        rows = g[g["category"] == cat] if "category" in g.columns else g
        if not len(rows):
            out[cat] = np.nan
            continue
        hot = set(rows.loc[rows["gistar_class"].astype(str).str.startswith("hot"), "cell_id"].astype(str))
        part = sel if cat == ALL_CATEGORIES else sel[sel["category"] == cat]
        out[cat] = float(part["cell_id"].astype(str).isin(hot).mean()) if len(part) else np.nan
    return pd.Series(out)


def _profile(results: RunResults, area: FocusArea, window: tuple[dt.date, dt.date], cats: list[str],
             current: tuple[pd.DataFrame, pd.Series, float]) -> pd.DataFrame:
    st = results.config.statistics
    df = _level(area, *current, cats, st.rate_per, st.confidence).set_index("category")
    tables = {name: (t.data if t is not None else None) for name, t in results.tables.items()}
    df = df.join(_lookup(tables.get(schemas.TREND.name), "area", area.area_id,
                         {"trend_pct_per_year": "trend_pct_per_year", "trend_p": "trend_p", "direction": "direction"}))
    df = df.join(_lookup(tables.get(schemas.PERIOD_CHANGE.name), "area", area.area_id,
                         {"change_ratio": "change_ratio", "change_ci_low": "change_lo", "change_ci_high": "change_hi",
                          "direction": "change_direction"}))
    df = df.join(_lookup(tables.get(schemas.FORECAST_DISTRICT.name), "district_id", area.area_id,
                         {"year": "forecast_year", "forecast": "forecast", "pi80_low": "forecast_low",
                          "pi80_high": "forecast_high"}))
    df["hotspot_share"] = _hotspot_share(results, area, window, cats).reindex(df.index)
    df = df.reset_index()
    df.insert(0, "area", area.area_id)
    df.insert(1, "area_name", area.name)
    df["period_start"], df["period_end"] = window[0].isoformat(), window[1].isoformat()
    ranked = rank_problems(df[df["category"] != ALL_CATEGORIES], top=len(cats))
    keep = ["category", "priority_rank", "priority_score", "level_score", "development_score",
            "concentration_score", "certainty"]
    return df.merge(ranked[[c for c in keep if c in ranked.columns]], on="category", how="left")


def add_area_profiles(results: RunResults) -> None:
    """Add ``area_profile``: one row per focus area and category (all offences first), ranked problems included.

    Parameters
    ----------
    results : RunResults
        A run whose statistics (and, when run, hot spot and forecast) steps are done.
    """
    areas = focus_areas_of(results)
    if not areas:
        log.info("areas: no focus areas in [areas] focus; no area profiles")
        return
    window = current_window(results)
    inc = results.incidents
    cats = [ALL_CATEGORIES, *sorted(inc["category"].dropna().astype(str).unique())]
    districts = results.districts.copy()
    districts.index = districts.index.astype(str)
    current = window_counts(inc, districts, window, categories=cats[1:], population_table=results.inputs.population)
    frames = [_profile(results, a, window, cats, current) for a in areas]
    profile = pd.concat(frames, ignore_index=True)
    results.add_table(schemas.AREA_PROFILE.table(profile[[c for c in schemas.AREA_PROFILE.columns
                                                          if c in profile.columns]]))
    context = _add_context(results, areas)
    results.record_parameters(
        "areas",
        context_indicators=context,
        focus_areas=[f"{a.name}: {', '.join(a.district_ids)}" for a in areas],
        current_period=f"{window[0]} – {window[1]}",
        reference="rest of the districts (rate ratio, exact conditional test)",
        ranking="geolage.stats.priorities.rank_problems",
    )


def _add_context(results: RunResults, areas: list[FocusArea]) -> list[str]:
    """``area_context``: each focus area's socio-economic indicators beside the whole municipality's."""
    cfg, units = results.config.areas.indicators, results.inputs.indicators
    if cfg is None or units is None:
        return []
    shapes = focus_area_shapes(results.districts, areas)
    table = area_indicators(units, dict(zip(shapes["area_id"], shapes.geometry, strict=True)), list(cfg.columns),
                            weight=cfg.weight).rename(columns={"value": "weighted_mean"})  # "value" is a free-text name
    results.add_table(schemas.AREA_CONTEXT.table(table[[c for c in schemas.AREA_CONTEXT.columns if c in table]]))
    return list(cfg.columns)

"""The forecast step: grid forecasts with their backtest, and district count forecasts.

Adds :data:`~geolage.run.schemas.FORECAST_GRID`, :data:`~geolage.run.schemas.FORECAST_BACKTEST`,
:data:`~geolage.run.schemas.FORECAST_SUMMARY` and :data:`~geolage.run.schemas.FORECAST_DISTRICT`.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import pandas as pd

from ...focus import area_groups, focus_areas_of
from ...stats.compare import area_parts
from ...stats.forecast import (
    BACKTEST_COLUMNS,
    BANDWIDTH_FACTORS,
    DISTRICT_COLUMNS,
    GLM_HISTORY,
    GRID_COLUMNS,
    HALF_LIVES,
    METHODS,
    TUNING_PERIODS,
    forecast_district_counts,
    forecast_next_period,
    summarise_backtest,
    top_column,
)
from ...text.console import FORECAST_NO_HISTORY, FORECAST_TOO_FEW, categories_in_words
from ...text.forecast import METHOD_NAMES, forecast_summary_description
from ...text.format import format_number
from .. import schemas
from ..results import RunResults
from .common import categories_with, span_incidents, stack, subset

__all__ = ["add_forecast"]

log = logging.getLogger(__name__)


def _grid_forecasts(
    results: RunResults, inc: pd.DataFrame, categories: list[str], start: pd.Timestamp, end: pd.Timestamp
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, dict[str, dict[str, float]]]:
    """The next-period grid forecast (cells with a positive score), the backtest and the chosen options per category."""
    fc = results.config.forecast
    backtests, grids = [], []
    chosen: dict[str, dict[str, float]] = {}
    missing: dict[str, list[str]] = {}  # method -> categories it had too little history for
    for category in categories:
        res = forecast_next_period(
            subset(inc, category),
            results.grid,
            end,
            start=start,
            horizon_days=fc.horizon_days,
            backtest_periods=fc.backtest_periods,
            area_shares=fc.area_shares,
            half_life_days=fc.half_life_days,
            bandwidth=fc.bandwidth,
            train_periods=fc.train_periods,
        )
        for method in res.missing:
            missing.setdefault(method, []).append(category)
        if res.chosen:
            chosen[category] = res.chosen
        res.backtest.insert(0, "category", category)
        backtests.append(res.backtest)
        if not res.forecast.empty:
            res.forecast.insert(1, "category", category)
            grids.append(res.forecast[res.forecast["score"] > 0])
    language = results.config.project.language
    for method, cats in missing.items():  # one line per method, in words
        log.warning(FORECAST_NO_HISTORY[language].format(
            method=METHOD_NAMES[method][language] if method in METHOD_NAMES else method,
            categories=categories_in_words(cats, language)))
    backtest = pd.concat(backtests, ignore_index=True)
    backtest = backtest[[c for c in BACKTEST_COLUMNS if c in backtest.columns]]
    grid_df = stack(grids, (*GRID_COLUMNS, *(top_column(float(s)) for s in fc.area_shares)))
    cells = results.grid
    ids = (cells["cell_id"] if "cell_id" in cells.columns else pd.Series(cells.index)).astype(str).to_numpy()
    geometry = cells.geometry.set_axis(pd.Index(ids)).reindex(grid_df["cell_id"]).to_numpy()
    return gpd.GeoDataFrame(grid_df, geometry=geometry, crs=cells.crs), backtest, chosen


def _district_forecast(
    results: RunResults, start: pd.Timestamp, end: pd.Timestamp, categories: list[str], seed: int
) -> pd.DataFrame:
    """The next calendar year's count per district; an empty table (logged) when the data are too short."""
    try:
        return forecast_district_counts(
            results.incidents,
            results.districts,
            start=start,
            end=end,
            categories=categories,
            seed=seed,
            simulations=results.config.forecast.simulations,
            groups=area_groups(focus_areas_of(results)),
        )
    except ValueError as exc:
        log.warning("forecast: no district forecast (%s)", exc)
        return pd.DataFrame(columns=list(DISTRICT_COLUMNS))


def _record(
    results: RunResults,
    period: tuple[str, str],
    *,
    chosen: dict[str, dict[str, float]],
    categories: list[str],
    skipped: dict[str, int],
    district_seed: int,
) -> None:
    """Record every parameter of the step (chosen ones included) under ``"forecast"``."""
    fc = results.config.forecast
    seed = results.config.project.seed
    results.record_parameters(
        schemas.FORECAST_GRID.step,
        horizon_days=fc.horizon_days,
        backtest_periods=fc.backtest_periods,
        area_shares=[float(s) for s in fc.area_shares],
        data_end=period[0],
        forecast_period=list(period),
        methods=list(METHODS),
        baseline=METHODS[0],
        tie_break="long-term count, then cell id",
        half_life_days=fc.half_life_days,
        bandwidth=fc.bandwidth,
        kernel="quartic",
        auto_half_life_candidates=list(HALF_LIVES),
        auto_bandwidth_candidates_cells=list(BANDWIDTH_FACTORS),
        auto_tuning_periods=TUNING_PERIODS,
        prospective_chosen_for_forecast=chosen,
        glm_history_periods=GLM_HISTORY,
        train_periods=fc.train_periods,
        min_incidents=fc.min_incidents,
        categories=categories,
        skipped_categories=skipped,
        bootstrap=fc.bootstrap,
        bootstrap_seed=seed,
        comparison="paired PAI difference; bootstrap 95 % CI "
        "and sign-flip permutation test over origins (Holm-adjusted per category); beats_baseline needs both",
        district_model="Poisson/NB2 GLM, district effects + common linear trend, simulated predictive",
        district_simulations=fc.simulations,
        district_seed=district_seed,
    )


def add_forecast(results: RunResults) -> None:
    """Add the grid forecast, its backtest and summary, and the district forecast to ``results``.

    Adds the tables ``forecast_grid`` (spatial; the next period's forecast per cell,
    category and method, cells with a positive score), ``forecast_backtest``,
    ``forecast_summary`` and ``forecast_district``, and records every parameter under
    ``"forecast"``. Categories with fewer than ``forecast.min_incidents`` incidents are
    not forecast on the grid (recorded as ``skipped_categories``).

    Parameters
    ----------
    results : RunResults
        Needs ``incidents`` (with ``cell_id``), ``grid`` and ``districts``.

    Notes
    -----
    The data end is ``periods.end`` + 1 day (exclusive); forecast periods of
    ``forecast.horizon_days`` are counted back from it, and the forecast is for
    ``[end, end + horizon_days)``. ``forecast_grid`` lists the ``prospective`` and
    ``glm`` forecasts (the naive forecast is the last period's count map, which would
    disclose counts); ``rank`` is 1 for the highest score (ties as in
    :func:`~geolage.stats.forecast.forecast_scores`) and ``in_top_<p>`` tells whether the
    cell is in the selection covering p % of the area. Method details:
    :func:`~geolage.stats.forecast.forecast_next_period`,
    :func:`~geolage.stats.forecast.summarise_backtest`,
    :func:`~geolage.stats.forecast.forecast_district_counts`.
    """
    cfg = results.config
    fc = cfg.forecast
    start = pd.Timestamp(cfg.periods.start)
    end = pd.Timestamp(cfg.periods.end) + pd.Timedelta(days=1)
    period = (str(end.date()), str((end + pd.Timedelta(days=fc.horizon_days)).date()))
    inc = span_incidents(results)
    counts = inc["category"].value_counts()
    categories, skipped_names = categories_with(inc, fc.min_incidents)
    skipped = {c: int(counts[c]) for c in skipped_names}
    if skipped:
        language = cfg.project.language
        log.warning(FORECAST_TOO_FEW[language].format(n=format_number(fc.min_incidents, language),
                                                       categories=categories_in_words(skipped, language, skipped)))
    grid, backtest, chosen = _grid_forecasts(results, inc, categories, start, end)
    summary = summarise_backtest(backtest, n_boot=fc.bootstrap, seed=cfg.project.seed)
    district_seed = cfg.project.seed + 1
    district = _district_forecast(results, start, end, sorted(counts.index), district_seed)

    description = schemas.FORECAST_GRID.description.format(start=period[0], end=period[1])
    results.add_table(schemas.FORECAST_GRID.table(grid, description=description))
    results.add_table(schemas.FORECAST_BACKTEST.table(backtest))
    summary_text = forecast_summary_description(summary, skipped, fc.min_incidents)
    results.add_table(schemas.FORECAST_SUMMARY.table(summary, description=summary_text))
    results.add_table(schemas.FORECAST_DISTRICT.table(district, area_parts=area_parts(area_groups(
        focus_areas_of(results)))))
    _record(results, period, chosen=chosen, categories=categories, skipped=skipped, district_seed=district_seed)

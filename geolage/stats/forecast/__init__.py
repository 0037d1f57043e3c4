"""Forecasts of where crime will occur next period, with an honest rolling-origin backtest.

Three grid forecasts are compared on the analysis grid: a naive baseline (last period's
counts), a recency-weighted kernel density (prospective hotspotting) and a Poisson count
regression with temporal and spatial lags (:mod:`.models`). Each is backtested over past
periods with the hit rate, PAI, PEI and RRI at fixed shares of the area (:mod:`.metrics`),
and compared with the baseline by a paired test and a bootstrap interval over origins
(:mod:`.backtest`); :mod:`.next_period` makes the forecast after the data together with
its backtest. Per district, a count forecast for the next calendar year with 80 % and
95 % prediction intervals is made from a Poisson or negative binomial regression with a
trend (:mod:`.district`).

The definitions of the accuracy measures differ in the literature; the ones used here are
given exactly in :mod:`geolage.stats.forecast.metrics`. Sentences about the results are
in :mod:`geolage.text.forecast`; the run step is :mod:`geolage.run.steps.forecast`.
"""

from __future__ import annotations

from .backtest import BACKTEST_COLUMNS, SUMMARY_COLUMNS, backtest_forecast, summarise_backtest
from .district import DISTRICT_COLUMNS, forecast_district_counts
from .metrics import hotspot_metrics
from .models import BANDWIDTH_FACTORS, GLM_HISTORY, HALF_LIVES, METHODS, TUNING_PERIODS, forecast_scores
from .next_period import GRID_COLUMNS, GRID_METHODS, NextPeriodForecast, forecast_next_period, top_column

__all__ = [
    "METHODS",
    "GRID_METHODS",
    "BACKTEST_COLUMNS",
    "SUMMARY_COLUMNS",
    "GRID_COLUMNS",
    "DISTRICT_COLUMNS",
    "HALF_LIVES",
    "BANDWIDTH_FACTORS",
    "TUNING_PERIODS",
    "GLM_HISTORY",
    "hotspot_metrics",
    "forecast_scores",
    "backtest_forecast",
    "summarise_backtest",
    "forecast_next_period",
    "NextPeriodForecast",
    "top_column",
    "forecast_district_counts",
]

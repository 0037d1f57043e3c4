"""The grid forecast for the period after the data, made together with its backtest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .backtest import backtest_events, check_backtest
from .cells import Cells, prepare_cells, prepare_events, rank_order, selection_size, to_ns
from .models import METHODS, History, check_options, scores

__all__ = ["GRID_COLUMNS", "GRID_METHODS", "NextPeriodForecast", "top_column", "forecast_next_period"]

#: Columns of ``forecast_grid``; then ``in_top_<p>`` per area share (p in %, e.g. ``in_top_5``) and the geometry.
GRID_COLUMNS: tuple[str, ...] = (
    "cell_id",
    "category",
    "method",
    "period_start",
    "period_end",
    "score",
    "rank",
    "count_last_period",
)
#: The methods whose next-period forecast is made (the naive one is the last period's count map).
GRID_METHODS: tuple[str, ...] = ("prospective", "glm")


def top_column(share: float) -> str:
    """Name of the column telling whether a cell is in the selection covering ``share`` of the area.

    Examples
    --------
    >>> top_column(0.05), top_column(0.025)
    ('in_top_5', 'in_top_2_5')
    """
    return "in_top_" + f"{share * 100:g}".replace(".", "_")


@dataclass(frozen=True)
class NextPeriodForecast:
    """Result of :func:`forecast_next_period`.

    Attributes
    ----------
    forecast : DataFrame
        One row per cell (grid order) and method that could be computed: ``cell_id,
        method, period_start, period_end`` (dates ``YYYY-MM-DD``, end exclusive),
        ``score``, ``rank`` (1 = highest score; ties as in :func:`forecast_scores`),
        ``count_last_period`` and one ``in_top_<p>`` column per area share
        (:func:`top_column`).
    backtest : DataFrame
        The rolling-origin backtest (columns as from :func:`backtest_forecast`).
    chosen : dict
        Half-life and bandwidth chosen for the prospective forecast (empty when none was made).
    missing : tuple of str
        Methods without a forecast (too little history).
    """

    forecast: pd.DataFrame
    backtest: pd.DataFrame
    chosen: dict[str, float] = field(default_factory=dict)
    missing: tuple[str, ...] = ()


def _forecast_frame(
    score: np.ndarray, hist: History, cells: Cells, method: str, period: tuple[str, str], shares: tuple[float, ...]
) -> pd.DataFrame:
    """The next-period forecast of one method: score, rank and top-share membership per cell."""
    order = rank_order(score, hist.total, cells.id_order)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    cum = np.cumsum(cells.area[order])
    frame = pd.DataFrame(
        {
            "cell_id": cells.ids,
            "method": method,
            "period_start": period[0],
            "period_end": period[1],
            "score": score,
            "rank": rank,
            "count_last_period": hist.counts[0].astype(int),
        }
    )
    for share in shares:
        frame[top_column(share)] = rank <= selection_size(cum, share, cum[-1])
    return frame


def forecast_next_period(
    incidents: pd.DataFrame,
    grid: pd.DataFrame,
    end: Any,
    *,
    start: Any,
    horizon_days: int = 91,
    backtest_periods: int = 8,
    area_shares: tuple[float, ...] = (0.01, 0.05, 0.10),
    half_life_days: float | str = "auto",
    bandwidth: float | str = "auto",
    train_periods: int = 4,
    methods: tuple[str, ...] = GRID_METHODS,
) -> NextPeriodForecast:
    """Forecast ``[end, end + horizon_days)`` per grid cell, and backtest every method on the data before ``end``.

    The backtest (:func:`backtest_forecast`, all of :data:`METHODS`) and the forecast
    share the automatic choices already scored at common origins, so making both costs
    little more than the backtest alone; the forecast uses only incidents before ``end``.

    Parameters
    ----------
    incidents : DataFrame
        Needs ``cell_id`` and ``time`` (one category, or all together).
    grid : DataFrame
        The analysis grid (see :func:`forecast_scores`).
    end : date-like
        End of the data (exclusive) = start of the forecast period.
    start : date-like
        First instant with data.
    horizon_days, backtest_periods, area_shares, half_life_days, bandwidth, train_periods
        As in :func:`backtest_forecast` and :func:`forecast_scores`.
    methods : tuple of str
        Methods whose forecast is made (default :data:`GRID_METHODS`).

    Returns
    -------
    NextPeriodForecast

    Raises
    ------
    ValueError
        Bad options, methods or grid (see :func:`forecast_scores`).
    """
    check_backtest(methods, backtest_periods)
    opts = check_options(horizon_days, half_life_days, bandwidth, train_periods, area_shares)
    cells = prepare_cells(grid)
    events = prepare_events(incidents, cells)
    end_ts = pd.Timestamp(end)
    end_ns, start_ns = to_ns(end_ts), to_ns(start)
    cache: dict[int, np.ndarray | None] = {}  # tuning results shared by the backtest and the forecast
    bt = backtest_events(
        events, cells, end_ns, start_ns, backtest_periods=backtest_periods, methods=METHODS, opts=opts, cache=cache
    )
    period = (str(end_ts.date()), str((end_ts + pd.Timedelta(days=opts.horizon_days)).date()))
    frames, chosen, missing = [], {}, []
    for method in methods:
        score, hist, info = scores(events, cells, end_ns, start_ns, method=method, opts=opts, cache=cache)
        if score is None:
            missing.append(method)
            continue
        chosen.update(info)
        frames.append(_forecast_frame(score, hist, cells, method, period, opts.area_shares))
    columns = [c for c in GRID_COLUMNS if c != "category"] + [top_column(s) for s in opts.area_shares]
    forecast = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return NextPeriodForecast(forecast, bt, chosen, tuple(missing))

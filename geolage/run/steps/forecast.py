"""The forecast step: grid forecasts with their backtest, and district count forecasts."""

from __future__ import annotations

from ...stats.forecast import add_forecast

__all__ = ["add_forecast"]

"""8. Forecast and its evaluation: backtest, comparison with a baseline, forecast per area."""

from __future__ import annotations

import pandas as pd

from ....run import schemas
from .. import charts
from ..blocks import Block, figure_block, paragraph, present, table_block
from ..context import ReportContext, year_text
from ..select import only_all
from .summary import forecast_verdict

__all__ = ["forecast"]


def _backtest(ctx: ReportContext, bt: pd.DataFrame) -> list[Block | None]:
    """Hit rate, PAI and PEI per method and share of the area, as means over the forecast origins."""
    t = ctx.t
    bt = only_all(bt)
    keys = [c for c in ("method", "area_share") if c in bt.columns]
    vals = [c for c in ("hit_rate", "pai", "pei", "rri") if c in bt.columns]
    mean = bt.groupby(keys, as_index=False)[vals].mean() if keys and vals else bt
    return [figure_block(charts.backtest_chart(ctx, mean), t["backtest_fig"]), table_block(ctx, mean, [
        ("method", t["col_method"], None), ("area_share", t["col_area_share"], lambda v: ctx.pct(v, 0, share=True)),
        ("hit_rate", t["col_hit_rate"], lambda v: ctx.pct(v, 0, share=True)),
        ("pai", t["col_pai"], lambda v: ctx.num(v, 2)), ("pei", t["col_pei"], lambda v: ctx.num(v, 2))],
        t["backtest_caption"], schema=schemas.FORECAST_BACKTEST)]


def _against_baseline(ctx: ReportContext) -> list[Block]:
    """Whether the methods beat the baseline, said plainly, and the table of the comparison."""
    t = ctx.t
    fs = ctx.table(schemas.FORECAST_SUMMARY)
    if fs is None or "beats_baseline" not in fs.columns:
        return [paragraph(t["forecast_no_baseline"])]
    verdict = [paragraph(s) for s in forecast_verdict(ctx)]
    return [*verdict, table_block(ctx, only_all(fs), [
        ("method", t["col_method"], None), ("area_share", t["col_area_share"], lambda v: ctx.pct(v, 0, share=True)),
        ("hit_rate", t["col_hit_rate"], lambda v: ctx.pct(v, 0, share=True)),
        ("pai", t["col_pai"], lambda v: ctx.num(v, 2)),
        ("pai_diff", t["col_pai_diff"], lambda v: ctx.num(v, 2)),
        ("pai_diff_p_holm", t["col_p"], ctx.p),
        ("baseline_hit_rate", t["col_baseline_hit"], lambda v: ctx.pct(v, 0, share=True)),
        ("beats_baseline", t["col_beats"], lambda v: t["beats_yes"] if bool(v) else t["beats_no"])],
        t["forecast_summary_caption"], schema=schemas.FORECAST_SUMMARY)]


def _per_area(ctx: ReportContext, fd: pd.DataFrame) -> Block:
    """The forecast per area with its prediction interval."""
    t = ctx.t
    d = only_all(fd).copy()
    if "district_id" in d.columns and "district_name" not in d.columns:
        d["district_name"] = d["district_id"].map(ctx.district_name)
    if {"pi_low", "pi_high"} <= set(d.columns):
        d["pi"] = [f"{ctx.num(lo, 0)}–{ctx.num(hi, 0)}" for lo, hi in zip(d["pi_low"], d["pi_high"], strict=False)]
    return table_block(ctx, d, [
        ("district_name", t["col_district"], None), ("category", t["col_category"], lambda v: ctx.cat(v, True)),
        ("year", t["col_year"], year_text), ("forecast", t["col_forecast"], lambda v: ctx.num(v, 0)),
        ("pi", t["col_pi"], lambda v: v)], t["forecast_district_caption"], schema=schemas.FORECAST_DISTRICT)


def _no_district_forecast(ctx: ReportContext) -> Block | None:
    """Why there is no forecast per district: none for a grid-only run, one sentence for a short span."""
    if ctx.r.config.districts is None:  # grid-only: no forecast per district
        return None
    per = ctx.r.config.periods
    start, end = pd.Timestamp(per.start), pd.Timestamp(per.end) + pd.Timedelta(days=1)
    first = start.year if (start.month, start.day) == (1, 1) else start.year + 1
    years = max(end.year - first, 0)  # whole calendar years in [start, end), as the forecast counts them
    if years < 3:
        return paragraph(ctx.t["forecast_district_years"].format(n=ctx.num(years, 0)))
    return ctx.missing(schemas.FORECAST_DISTRICT)


def forecast(ctx: ReportContext) -> list[Block]:
    """The forecast section."""
    bt = ctx.table(schemas.FORECAST_BACKTEST)
    fd = ctx.table(schemas.FORECAST_DISTRICT)
    return present([
        *([ctx.missing(schemas.FORECAST_BACKTEST)] if bt is None else _backtest(ctx, bt)),
        *_against_baseline(ctx),
        _no_district_forecast(ctx) if fd is None else _per_area(ctx, fd),
    ])

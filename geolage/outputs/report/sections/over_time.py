"""3. Development over time: counts per period (focus areas, categories) and the sure trends."""

from __future__ import annotations

import pandas as pd

from ....categories import ALL_CATEGORIES
from ....focus import focus_areas_of
from ....run import schemas
from ....stats.trends import WHOLE_AREA
from .. import charts
from ..blocks import Block, figure_block, present, table_block
from ..context import ReportContext, clean
from ..select import area_col, only_all, sure_trends

__all__ = ["over_time", "overview_time"]


def _series(ctx: ReportContext, se: pd.DataFrame, per_category: bool = True) -> list[Block | None]:
    """Lines of all offences per area (focus areas, else the six largest), then per category in the first."""
    t = ctx.t
    unit = ctx.r.config.periods.unit
    if "unit" in se.columns and (se["unit"] == unit).any():
        se = se[se["unit"] == unit]
    se = se.assign(_label=se[area_col(se)].map(clean))
    focus = se[ctx.is_focus(se)]
    if len(focus):
        areas = list(dict.fromkeys(focus["area"]))
    else:
        areas = list(only_all(se).groupby("area")["count"].sum().sort_values(ascending=False).index[:6])
    blocks: list[Block | None] = []
    everything = only_all(se[se["area"].isin(areas[:8])])
    if len(everything):
        blocks.append(figure_block(charts.line_chart(ctx, everything, "_label"), t["series_fig"]))
    if areas and per_category:
        sub = se[(se["area"] == areas[0]) & (se["category"] != ALL_CATEGORIES)].copy()
        if len(sub):
            sub["label"] = sub["category"].map(lambda c: ctx.cat(c, capital=True))
            name = sub["_label"].iloc[0]
            blocks.append(figure_block(charts.line_chart(ctx, sub, "label"), t["series_cat_fig"].format(area=name)))
    return blocks


def _trends(ctx: ReportContext, tr: pd.DataFrame) -> Block:
    """The table of sure trends (all trends when the table has no yearly change)."""
    t = ctx.t
    sure = sure_trends(ctx, tr) if "trend_pct_per_year" in tr.columns else tr
    note = t["trend_note"].format(n=ctx.num(len(tr) - len(sure))) if len(sure) < len(tr) else ""
    return table_block(ctx, sure, [
        (area_col(tr), t["col_area"], None), ("category", t["col_category"], lambda v: ctx.cat(v, True)),
        ("trend_pct_per_year", t["col_trend"], lambda v: ctx.pct(v, 0, sign=True)),
        ("trend_p", t["col_p"], ctx.p), ("mk_p", t["col_mk_p"], ctx.p),
        ("change_baseline", t["col_baseline"], None), ("change_current", t["col_current"], None),
        ("change_pct", t["col_change"], lambda v: ctx.pct(v, 0, sign=True)),
        ("direction", t["col_direction"], lambda v: t.get(f"dir_{v}", clean(v)))],
        t["trend_caption"], schema=schemas.TREND, note=note, max_rows=40)


def over_time(ctx: ReportContext) -> list[Block]:
    """The development-over-time section."""
    blocks: list[Block | None] = []
    se = ctx.table(schemas.SERIES)
    if se is None:
        blocks.append(ctx.missing(schemas.SERIES))
    elif {"area", "category", "period", "count"} <= set(se.columns):
        blocks.extend(_series(ctx, se))
    tr = ctx.table(schemas.TREND)
    blocks.append(ctx.missing(schemas.TREND) if tr is None else _trends(ctx, tr))
    return present(blocks)


def overview_time(ctx: ReportContext) -> list[Block]:
    """Development in the short overview: all offences per focus area, the sure trends of the areas and the whole.

    The districts' trends are in the areas' lägesbilder and in the trend table.
    """
    blocks: list[Block | None] = []
    se = ctx.table(schemas.SERIES)
    if se is None:
        blocks.append(ctx.missing(schemas.SERIES))
    elif {"area", "category", "period", "count"} <= set(se.columns):
        blocks.extend(_series(ctx, se, per_category=False))
    tr = ctx.table(schemas.TREND)
    if tr is None:
        blocks.append(ctx.missing(schemas.TREND))
    else:
        keep = {a.area_id for a in focus_areas_of(ctx.r)} | {WHOLE_AREA}
        blocks.append(_trends(ctx, tr[tr["area"].astype(str).isin(keep)] if "area" in tr.columns else tr))
    return present(blocks)

"""6. Time patterns: weekday and hour, month, and near repeats in space and time (Knox test)."""

from __future__ import annotations

from ....run import schemas
from ....run.steps.near_repeat import resolve_near_repeat_category
from .. import charts
from ..blocks import Block, figure_block, heading, paragraph, present, table_block
from ..context import ReportContext
from ..select import only_all, whole_area

__all__ = ["patterns"]


def _near_repeat(ctx: ReportContext) -> list[Block]:
    """The Knox table of observed against expected pairs per distance and time band, and its summary sentence.

    A refused or impossible test (month-only dates, snapped points, too few incidents) has an empty
    table whose description says why: that sentence is shown in place of the table.
    """
    t = ctx.t
    nr = ctx.table(schemas.NEAR_REPEAT)
    tab = ctx.r.tables.get(schemas.NEAR_REPEAT.name)
    said = tab.description.get(ctx.lang) if tab is not None and tab.description else None
    if nr is None:
        return [heading(t["near_repeat_heading"]), paragraph(said) if said else ctx.missing(schemas.NEAR_REPEAT)]
    cat = (str(nr["category"].iloc[0]) if len(nr) and "category" in nr.columns
           else resolve_near_repeat_category(ctx.r.config.near_repeat.category, ctx.r.incidents))
    caption = t["near_repeat_caption"] + f" ({ctx.cat(cat)})"
    return [heading(t["near_repeat_heading"]), *([paragraph(said)] if said else []), table_block(ctx, nr, [
        ("distance_band", t["col_distance"], None), ("time_band", t["col_time"], None),
        ("observed", t["col_observed"], None), ("expected", t["col_expected"], lambda v: ctx.num(v, 1)),
        ("ratio", t["col_ratio"], lambda v: ctx.num(v, 2)), ("p_value", t["col_p"], ctx.p)],
        caption, schema=schemas.NEAR_REPEAT)]


def patterns(ctx: ReportContext) -> list[Block]:
    """The time-patterns section."""
    t = ctx.t
    blocks: list[Block | None] = []
    wh = ctx.table(schemas.TIME_WEEKDAY_HOUR)
    if wh is None or not {"weekday", "hour", "weight"} <= set(wh.columns):
        blocks.append(ctx.missing(schemas.TIME_WEEKDAY_HOUR))
    else:
        blocks.append(figure_block(charts.heatmap(ctx, only_all(whole_area(wh))), t["heat_fig"]))
    tm = ctx.table(schemas.TIME_MONTH)
    if tm is None or not {"month", "weight"} <= set(tm.columns):
        blocks.append(ctx.missing(schemas.TIME_MONTH))
    else:
        blocks.append(figure_block(charts.month_chart(ctx, only_all(whole_area(tm))), t["month_fig"]))
    return present([*blocks, *_near_repeat(ctx)])

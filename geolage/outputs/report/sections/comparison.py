"""4. Comparison with reference areas: rate ratios with intervals, and the funnel plot."""

from __future__ import annotations

import pandas as pd

from ....categories import ALL_CATEGORIES
from ....focus import focus_areas_of
from ....run import schemas
from .. import charts
from ..blocks import Block, figure_block, paragraph, present, table_block
from ..context import ReportContext, clean
from ..select import area_col, only_all, whole_span
from .data_method import has_population

__all__ = ["comparison"]

#: Above this many rows, the comparison table shows only all offences and sure differences.
_MAX_ALL_ROWS = 30


def _ratios(ctx: ReportContext, cp: pd.DataFrame) -> list[Block | None]:
    """Chart of the ratios (all offences) and the table (focus areas first; sure differences only when long)."""
    t = ctx.t
    cp = whole_span(cp).copy()
    cp["_focus"] = ~ctx.is_focus(cp)
    cp = cp.sort_values(["_focus", area_col(cp)], kind="stable")
    chart = figure_block(charts.rr_chart(ctx, only_all(cp)), t["compare_fig"])
    note = ""
    has_ci = {"rr_ci_low", "rr_ci_high"} <= set(cp.columns)
    if has_ci and len(cp) > _MAX_ALL_ROWS:
        keep = (cp["category"] == ALL_CATEGORIES) | (cp["rr_ci_low"] > 1) | (cp["rr_ci_high"] < 1)
        left = int((~keep).sum())
        cp = cp[keep].copy()
        note = t["compare_note"].format(n=ctx.num(left)) if left else ""
    if has_ci:
        cp["rr_ci"] = [f"{ctx.num(lo, 2)}–{ctx.num(hi, 2)}" if pd.notna(lo) else "–"
                       for lo, hi in zip(cp["rr_ci_low"], cp["rr_ci_high"], strict=False)]
    table = table_block(ctx, cp, [
        (area_col(cp), t["col_area"], None), ("category", t["col_category"], lambda v: ctx.cat(v, True)),
        ("count", t["col_count"], None), ("rate", t["col_rate"], lambda v: ctx.num(v, 1)),
        ("ref_rate", t["col_ref_rate"], lambda v: ctx.num(v, 1)),
        ("rate_ratio", t["col_rr"], lambda v: ctx.num(v, 2)),
        ("rr_ci", t["col_ci"], lambda v: v),
        ("rr_p", t["col_p"], ctx.p), ("lqc", t["col_lqc"], lambda v: ctx.num(v, 2))],
        t["compare_caption"], schema=schemas.COMPARISON, note=note)
    return [chart, table]


def _funnel(ctx: ReportContext, fu: pd.DataFrame) -> list[Block | None]:
    """The funnel plot and the table of areas above the upper limits."""
    t = ctx.t
    fu = only_all(whole_span(fu))
    blocks = [figure_block(charts.funnel_chart(ctx, fu), t["funnel_fig"])]
    if "funnel_position" not in fu.columns:
        return blocks
    pos = fu["funnel_position"].astype(str)
    out = fu[pos.isin(["above_998", "above_95"])].sort_values("rate", ascending=False)
    n_below = int(pos.isin(["below_95", "below_998"]).sum())
    if not len(out):
        return [*blocks, paragraph(t["funnel_none"])]
    return [*blocks, table_block(ctx, out, [
        ("district_name", t["col_district"], None),
        ("category", t["col_category"], lambda v: ctx.cat(v, True)),
        ("population", t["col_population"], lambda v: ctx.num(v, 0)), ("count", t["col_count"], None),
        ("rate", t["col_rate"], lambda v: ctx.num(v, 1)),
        ("funnel_position", t["col_position"], lambda v: t.get(f"pos_{v}", clean(v)))],
        t["funnel_caption"], schema=schemas.FUNNEL,
        note=t["funnel_below"].format(n=ctx.num(n_below)) if n_below else "")]


def comparison(ctx: ReportContext) -> list[Block]:
    """The comparison section (left out without population: the data-and-method section says why)."""
    if not has_population(ctx):
        return []
    cp = ctx.table(schemas.COMPARISON)
    fu = ctx.table(schemas.FUNNEL)
    if cp is None and not focus_areas_of(ctx.r):  # nothing to compare: one sentence, not a missing table
        ratios: list[Block | None] = [paragraph(ctx.t["compare_no_focus"])]
    else:
        ratios = [ctx.missing(schemas.COMPARISON)] if cp is None else _ratios(ctx, cp)
    return present([
        *ratios,
        *([ctx.missing(schemas.FUNNEL)] if fu is None else _funnel(ctx, fu)),
    ])

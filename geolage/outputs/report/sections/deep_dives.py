"""7. Deep dives per crime category: key figures (count, highest rates, trends, ratios) and a rate map."""

from __future__ import annotations

import pandas as pd

from ....categories import ALL_CATEGORIES, CATEGORIES
from ....run import schemas
from .. import charts
from ..blocks import Block, bullets, figure_block, heading, paragraph, present
from ..context import ReportContext, clean
from ..select import area_col, as_geo, rate_column, rates_selection, sure_trends, whole_span
from .data_method import has_population

__all__ = ["deep_dives"]

#: At most this many categories get a deep dive.
MAX_CATEGORIES = 15


def _categories(*tables: pd.DataFrame | None) -> list[str]:
    """The categories in the tables: geolage's own in their order, then a user's own."""
    present_: list[str] = []
    for df in tables:
        if df is not None and "category" in df.columns:
            present_.extend(str(c) for c in df["category"].unique() if c != ALL_CATEGORIES)
    own = [c for c in CATEGORIES if c in present_]
    return list(dict.fromkeys(own + [c for c in present_ if c not in CATEGORIES]))


def _rate_facts(ctx: ReportContext, rd: pd.DataFrame, cat: str) -> list[str]:
    """The number of offences (unless suppressed) and the three areas with the highest rate."""
    facts = []
    sel = rates_selection(rd, cat)
    total = pd.to_numeric(sel["count"], errors="coerce")
    hidden = sel["count_suppressed"].any() if "count_suppressed" in sel.columns else False
    if len(sel) and not hidden:
        facts.append(ctx.t["deep_count"].format(n=ctx.num(total.sum())))
    col = rate_column(sel)
    top = sel.dropna(subset=[col]).sort_values(col, ascending=False).head(3)
    if len(top):
        names = ", ".join(f"{clean(n, 50)} ({ctx.num(v, 1)})"
                          for n, v in zip(top.get("district_name", top.get("district_id")), top[col], strict=False))
        facts.append(ctx.t["deep_top"].format(names=names))
    return facts


def _trend_facts(ctx: ReportContext, tr: pd.DataFrame, cat: str) -> list[str]:
    """Up to three sure trends of the category."""
    return [ctx.t["deep_trend"].format(area=clean(row.get(area_col(tr))),
                                       pct=ctx.pct(row.get("trend_pct_per_year"), 0, sign=True),
                                       p=ctx.p(row.get("trend_p", row.get("mk_p"))))
            for _, row in sure_trends(ctx, tr[tr["category"] == cat]).head(3).iterrows()]


def _ratio_facts(ctx: ReportContext, cp: pd.DataFrame, cat: str) -> list[str]:
    """Ratios to the reference (focus areas when there are any), at most five."""
    sel = whole_span(cp[cp["category"] == cat])
    sel = sel[ctx.is_focus(sel)] if ctx.is_focus(sel).any() else sel
    return [ctx.t["deep_rr"].format(area=clean(row.get(area_col(cp))), rr=ctx.num(row["rate_ratio"], 2),
                                    lo=ctx.num(row.get("rr_ci_low"), 2), hi=ctx.num(row.get("rr_ci_high"), 2))
            for _, row in sel.head(5).iterrows() if pd.notna(row.get("rate_ratio"))]


def _rate_map(ctx: ReportContext, rd: pd.DataFrame, cat: str) -> Block | None:
    """The map of the category's rates per area."""
    sel = rates_selection(rd, cat)
    gdf = as_geo(ctx, sel)
    if gdf is None or not len(gdf):
        return None
    caption = ctx.t["deep_map"].format(cat=ctx.cat(cat, True), per=ctx.num(ctx.per))
    return figure_block(charts.map_values(ctx, gdf, rate_column(sel), (5.6, 3.4)), caption, cls="map mid")


def deep_dives(ctx: ReportContext) -> list[Block]:
    """The deep-dives section: one part per category (at most :data:`MAX_CATEGORIES`)."""
    t = ctx.t
    rd, tr, cp = ctx.table(schemas.RATES_DISTRICT), ctx.table(schemas.TREND), ctx.table(schemas.COMPARISON)
    blocks: list[Block | None] = [paragraph(t["deep_intro"])]
    cats = _categories(rd, tr, cp)
    if not cats:
        blocks.append(ctx.missing(schemas.RATES_DISTRICT, schemas.TREND, schemas.COMPARISON))
    for cat in cats[:MAX_CATEGORIES]:
        facts: list[str] = []
        if rd is not None:
            facts += _rate_facts(ctx, rd, cat)
        if tr is not None and "trend_pct_per_year" in tr.columns:
            facts += _trend_facts(ctx, tr, cat)
        if cp is not None:
            facts += _ratio_facts(ctx, cp, cat)
        blocks.append(heading(ctx.cat(cat, capital=True)))
        blocks.append(bullets(facts) if facts else paragraph(t["deep_none"]))
        if rd is not None and has_population(ctx):
            blocks.append(_rate_map(ctx, rd, cat))
    return present(blocks)

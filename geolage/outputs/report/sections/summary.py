"""1. Summary: the main findings, each computed from one result table, in plain words."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ....categories import ALL_CATEGORIES
from ....focus import focus_areas_of
from ....run import schemas
from ...names import output_name
from ..blocks import Block, bullets, links, note_block, paragraph
from ..context import ReportContext, clean, year_text
from ..select import area_col, latest_coverage, only_all, sure_trends, whole_span

__all__ = ["summary", "forecast_verdict"]


def _total(ctx: ReportContext) -> list[str]:
    """The number of offences analysed: the accepted incidents (data quality).

    Not a sum of the public district table, whose small counts are withheld and which leaves
    out incidents outside every district.
    """
    total = ctx.r.quality.get("accepted") if ctx.r.quality else None
    if not isinstance(total, int | float) or not total > 0:
        return []
    p = ctx.r.config.periods
    start, end = p.start.year, p.end.year
    return [ctx.t["total"].format(n=ctx.num(total), start=start, end=end).replace(f"{start}–{start}", f"{start}")]


def _trends(ctx: ReportContext) -> list[str]:
    """Up to four sure trends (focus areas and all offences first), or that there are none."""
    tr = ctx.table(schemas.TREND)
    if tr is None or not {"category", "area", "trend_pct_per_year"} <= set(tr.columns):
        return []
    if "mk_p" not in tr.columns and "trend_p" not in tr.columns:
        return []
    t = ctx.t
    lines = []
    for _, row in sure_trends(ctx, tr).head(4).iterrows():
        key = "increase" if row["trend_pct_per_year"] > 0 else "decrease"
        lines.append(t[key].format(cat=ctx.cat(row["category"], capital=True), area=clean(row[area_col(tr)]),
                                   pct=ctx.pct(row["trend_pct_per_year"], 0, sign=True), certainty=t["sure"]))
    return lines or [t["no_trends"]]


def _comparison(ctx: ReportContext) -> list[str]:
    """Up to three areas surely above the reference and one surely below."""
    cp = ctx.table(schemas.COMPARISON)
    if cp is None or not {"area", "category", "rate_ratio", "rr_ci_low", "rr_ci_high"} <= set(cp.columns):
        return []
    t = ctx.t
    ref = ctx.r.config.areas.reference
    ref_text = t["ref_rest"] if ref == "rest" else (t["ref_all"] if ref == "all" else t["ref_list"])
    d = whole_span(cp).dropna(subset=["rate_ratio", "rr_ci_low", "rr_ci_high"]).copy()
    d["_all"] = d["category"] != ALL_CATEGORIES
    hi = d[d["rr_ci_low"] > 1].sort_values(["_all", "rate_ratio"], ascending=[True, False]).head(3)
    lo = d[d["rr_ci_high"] < 1].sort_values(["_all", "rate_ratio"]).head(1)
    items = []
    for key, part in (("higher", hi), ("lower", lo)):
        for _, row in part.iterrows():
            cat = t["all_crimes"] if row["category"] == ALL_CATEGORIES else ctx.cat(row["category"])
            items.append(t[key].format(area=clean(row[area_col(cp)]), rr=ctx.num(row["rate_ratio"], 1), cat=cat,
                                       ref=ref_text))
    return items


def _funnel(ctx: ReportContext) -> list[str]:
    """The areas above the outer (99.8 %) control limit of the funnel plot."""
    fu = ctx.table(schemas.FUNNEL)
    if fu is None or "funnel_position" not in fu.columns:
        return []
    sel = only_all(whole_span(fu))
    above = sel[sel["funnel_position"].astype(str) == "above_998"]
    if not len(above):
        return []
    names = [clean(n, 60) for n in above.get("district_name", above.get("district_id"))]
    more = ctx.t["and_more"].format(n=len(names) - 5) if len(names) > 5 else ""
    return [ctx.t["funnel_above"].format(names=", ".join(names[:5]) + more)]


def _hot_spots(ctx: ReportContext) -> list[str]:
    """The number of grid cells that are hot spots with at least 95 % confidence."""
    gg = ctx.table(schemas.GISTAR_GRID)
    if gg is None or "gistar_class" not in gg.columns:
        return []
    n_hot = int(only_all(gg)["gistar_class"].isin(["hot_99", "hot_95"]).sum())
    return [ctx.t["hot_cells"].format(n=ctx.num(n_hot))]


def _concentration(ctx: ReportContext) -> list[str]:
    """The share of offences in the top 10 % of grid cells."""
    co = ctx.table(schemas.CONCENTRATION)
    if co is None or "top10_share" not in co.columns:
        return []
    if {"category", "unit"} <= set(co):
        co = co[(co["category"] == ALL_CATEGORIES) & (co["unit"] == schemas.UNIT_GRID)]
    if not len(co) or pd.isna(co["top10_share"].iloc[0]):
        return []
    return [ctx.t["concentration_sum"].format(share=ctx.pct(co["top10_share"].iloc[0], share=True))]


def _emerging(ctx: ReportContext) -> list[str]:
    """The number of new or intensifying hot spots."""
    em = ctx.table(schemas.EMERGING_GRID)
    if em is None or "emerging_category" not in em.columns:
        return []
    sel = em[em["category"] == ALL_CATEGORIES] if "category" in em.columns else em
    n = int(sel["emerging_category"].isin(["new_hot", "intensifying_hot"]).sum())
    return [ctx.t["emerging"].format(n=ctx.num(n))] if n else []


def forecast_verdict(ctx: ReportContext) -> list[str]:
    """Whether a forecast method hit better than the baseline in the backtest (nothing without the comparison)."""
    fs = ctx.table(schemas.FORECAST_SUMMARY)
    if fs is None or "beats_baseline" not in fs.columns:
        return []
    fs = only_all(fs)
    beats = fs[fs["beats_baseline"].fillna(False).astype(bool)]
    if not len(beats):
        return [ctx.t["forecast_not"]]
    parts = []
    for method, part in beats.groupby("method", sort=False) if "method" in beats.columns else [("?", beats)]:
        shares = ", ".join(ctx.pct(a, 0, share=True) for a in part.get("area_share", pd.Series(dtype=float)))
        parts.append(f"{clean(method)} ({shares})" if shares else clean(method))
    return [ctx.t["forecast_beats"].format(method="; ".join(parts))]


def _coverage(ctx: ReportContext) -> list[str]:
    """Mean coverage against Brå in the latest final (not preliminary) year."""
    cv = ctx.table(schemas.COVERAGE)
    latest = None if cv is None else latest_coverage(cv)
    if latest is None:
        return []
    year, share = latest
    return [ctx.t["coverage_sum"].format(share=ctx.pct(share, share=True), year=year_text(year))]


#: The findings of the summary, in the order they are listed.
FINDINGS: tuple[Callable[[ReportContext], list[str]], ...] = (
    _total, _trends, _comparison, _funnel, _hot_spots, _concentration, _emerging, forecast_verdict, _coverage,
)


def summary(ctx: ReportContext) -> list[Block]:
    """The summary section: the synthetic-data note, the findings, the public-version note."""
    items = [line for finding in FINDINGS for line in finding(ctx)]
    blocks: list[Block] = []
    if ctx.r.config.project.synthetic:
        blocks.append(paragraph(ctx.t["synthetic_note"]))
    areas = focus_areas_of(ctx.r)
    if areas:  # the overview links each focus area's own lägesbild (the PDF beside this report)
        stem = output_name("report", ctx.lang)
        blocks.append(links(ctx.t["area_reports_note"], [(clean(a.name), f"{stem}_{a.slug}.pdf") for a in areas]))
    blocks.append(paragraph(ctx.t["summary_intro"]))
    blocks.append(bullets(items, cls="summary"))
    if ctx.mode == "public":
        blocks.append(note_block(ctx.t["public_note"].format(k=ctx.k, label=ctx.suppressed())))
    return blocks

"""A focus area's lägesbild, part 1: summary and assessment, background, data and method, crime picture, conclusions.

Every builder reads the area's rows (``ctx.area``) of the ``area_profile`` table
(:mod:`geolage.run.steps.areas`): one row per category with the current period's count, rate,
ratio to the rest of the municipality, development, concentration, forecast and priority rank.
"""

from __future__ import annotations

import pandas as pd

from ....categories import ALL_CATEGORIES
from ....run import schemas
from ....text.priorities import certainty_label
from .. import charts
from ..blocks import Block, bullets, figure_block, note_block, paragraph, present, table_block
from ..context import ReportContext, clean

__all__ = ["area_summary", "area_background", "area_data", "area_picture", "area_conclusions", "profile",
           "period_text", "ranked"]

#: Most problems the summary and the conclusions name.
TOP_PROBLEMS = 5


def profile(ctx: ReportContext) -> pd.DataFrame | None:
    """The area's rows of ``area_profile`` (None without)."""
    ap = ctx.table(schemas.AREA_PROFILE)
    if ap is None:
        return None
    rows = ctx.area_rows(ap)
    return rows if len(rows) else None


def period_text(start: object, end: object) -> str:
    """A period as years (``2023–2025``; one year once), else as dates."""
    s, e = str(start)[:10], str(end)[:10]
    if s[5:] == "01-01" and e[5:] == "12-31":
        return s[:4] if s[:4] == e[:4] else f"{s[:4]}–{e[:4]}"
    return f"{s}–{e}"


def _current(ctx: ReportContext, pr: pd.DataFrame) -> str:
    row = pr.iloc[0]
    return period_text(row["period_start"], row["period_end"])


def ranked(pr: pd.DataFrame) -> pd.DataFrame:
    """The ranked problems (priority order) with a positive score, without all offences and hidden counts."""
    d = pr[(pr["category"] != ALL_CATEGORIES) & pr["priority_rank"].notna()
           & (pd.to_numeric(pr["priority_score"], errors="coerce") > 0)]  # a score of 0 or less is no problem
    if "count_suppressed" in d.columns:
        d = d[~d["count_suppressed"].fillna(False).astype(bool)]
    return d.sort_values("priority_rank").head(TOP_PROBLEMS)


def _facts(ctx: ReportContext, row: pd.Series) -> str:
    t = ctx.t
    facts = []
    if pd.notna(row.get("rate_ratio")) and pd.notna(row.get("rr_lo")) and row["rr_lo"] > 1:
        facts.append(t["area_fact_level"].format(rr=ctx.num(row["rate_ratio"], 1)))
    elif pd.notna(row.get("share_of_whole")):
        facts.append(t["area_fact_share"].format(share=ctx.pct(row["share_of_whole"], share=True)))
    if pd.notna(row.get("change_ratio")) and row.get("change_direction") in ("up", "down"):
        facts.append(t["area_fact_change"].format(ratio=ctx.num(row["change_ratio"], 1)))
    elif pd.notna(row.get("trend_pct_per_year")) and row.get("direction") in ("up", "down"):
        facts.append(t["area_fact_trend"].format(change=ctx.pct(row["trend_pct_per_year"], sign=True)))
    if pd.notna(row.get("hotspot_share")) and row["hotspot_share"] > 0:
        facts.append(t["area_fact_hot"].format(share=ctx.pct(row["hotspot_share"], share=True)))
    return "; ".join(facts)


def problem_lines(ctx: ReportContext, pr: pd.DataFrame) -> list[str]:
    """One line per ranked problem: category, the figures behind it and the certainty word."""
    lines = []
    for n, (_, row) in enumerate(ranked(pr).iterrows(), start=1):
        code = str(row.get("certainty"))
        certainty = certainty_label(code if code in ("high", "medium", "low") else "low", ctx.lang)
        lines.append(ctx.t["area_problem"].format(n=n, cat=ctx.cat(row["category"], True),
                                                  facts=_facts(ctx, row) or ctx.t["area_fact_share"].format(
                                                      share=ctx.pct(row.get("share_of_whole"), share=True)),
                                                  certainty=certainty))
    return lines


def _lead(ctx: ReportContext, pr: pd.DataFrame) -> str:
    t, area = ctx.t, clean(ctx.area.name if ctx.area else "")
    row = pr[pr["category"] == ALL_CATEGORIES].iloc[0]
    period = _current(ctx, pr)
    if bool(row.get("count_suppressed", False)) or pd.isna(row["count"]):
        return t["area_lead_hidden"].format(period=period, k=ctx.k, area=area)
    if row.get("rate_basis") != "population":
        return t["area_lead_no_rate"].format(period=period, count=ctx.num(row["count"]), area=area,
                                             per_year=ctx.num(row["rate"], 1))
    compare = ""
    if pd.notna(row.get("rate_ratio")):
        compare = t["area_vs_rest"].format(rr=ctx.num(row["rate_ratio"], 1), lo=ctx.num(row["rr_lo"], 1),
                                           hi=ctx.num(row["rr_hi"], 1))
    return t["area_lead"].format(period=period, count=ctx.num(row["count"]), area=area,
                                 rate=ctx.num(row["rate"], 1), per=ctx.num(ctx.per), compare=compare).strip()


def area_summary(ctx: ReportContext) -> list[Block]:
    """Sammanfattning och samlad bedömning: the lead, the ranked problems with their figure, the rule."""
    t = ctx.t
    pr = profile(ctx)
    if pr is None:
        return [ctx.missing(schemas.AREA_PROFILE)]
    blocks: list[Block | None] = [paragraph(_lead(ctx, pr))]
    if ctx.area is not None and ctx.area.is_group:
        names = [ctx.district_name(d) for d in ctx.area.district_ids]
        blocks.append(paragraph(t["area_parts"].format(n=len(names), names=", ".join(names))))
    lines = problem_lines(ctx, pr)
    if lines:
        blocks += [paragraph(t["area_priorities_intro"]), bullets(lines)]
    else:
        blocks.append(paragraph(t["area_no_priorities"]))
    top = ranked(pr).rename(columns={"rr_lo": "rr_ci_low", "rr_hi": "rr_ci_high"})
    if len(top):
        fig = charts.rr_chart(ctx, top.assign(area=clean(ctx.area.name if ctx.area else "")))
        blocks.append(figure_block(fig, t["area_figure_priorities"].format(period=_current(ctx, pr))))
    blocks.append(note_block(t["area_rule"]))
    if ctx.r.config.project.synthetic:
        blocks.append(note_block(t["synthetic_note"]))
    return present(blocks)


def area_background(ctx: ReportContext) -> list[Block]:
    """Bakgrund och uppdrag: the assignment from the configuration, the area and period, the previous lägesbild."""
    t, area = ctx.t, ctx.area
    if area is None:
        return []
    pr = profile(ctx)
    period = _current(ctx, pr) if pr is not None else ""
    blocks = [paragraph(clean(area.assignment, 1200)) if area.assignment else note_block(t["area_assignment_none"]),
              paragraph(t["area_scope"].format(area=clean(area.name), period=period))]
    if area.previous is not None:
        blocks.append(paragraph(t["area_previous"].format(period=period_text(*area.previous))))
    if ctx.r.config.project.municipality_code:  # a Swedish municipality: the law and Brå's method apply
        blocks.append(paragraph(t["area_law"]))
    return blocks


def area_data(ctx: ReportContext) -> list[Block]:
    """Data och metod, on one page in plain words (every parameter is in the appendix)."""
    t, q = ctx.t, ctx.r.quality or {}
    per_source = q.get("per_source") or {}
    read = sum(float((s or {}).get("read", 0) or 0) for s in per_source.values()) if per_source else 0.0
    accepted = sum(float((s or {}).get("accepted", 0) or 0) for s in per_source.values()) if per_source else 0.0
    sources = ", ".join(clean(s.name) for s in ctx.r.config.sources)
    blocks = []
    if read > 0:
        blocks.append(paragraph(t["area_data"].format(n=ctx.num(accepted), sources=sources,
                                                      share=ctx.pct(accepted / read, 1, share=True))))
    d = ctx.r.districts
    has_pop = d is not None and "population" in d.columns and d["population"].notna().any()
    if has_pop:
        pop = t["area_pop_table"] if ctx.r.inputs.population is not None else t["area_pop_constant"]
        blocks.append(paragraph(t["area_method"].format(per=ctx.num(ctx.per), pop=pop)))
    else:
        blocks.append(paragraph(t["area_no_population"]))
    return blocks


def area_picture(ctx: ReportContext) -> list[Block]:
    """Brottsbilden: offences per type in the current period, with rate, share of the municipality and rank."""
    t = ctx.t
    pr = profile(ctx)
    if pr is None:
        return [ctx.missing(schemas.AREA_PROFILE)]
    d = pr.copy()
    d["_all"] = d["category"] != ALL_CATEGORIES
    d = d.sort_values(["_all", "count"], ascending=[True, False])
    rate_head = t["col_rate_year"].format(per=ctx.num(ctx.per)) if (d["rate_basis"] == "population").any() \
        else t["col_per_year"]
    caption = t["area_picture_caption"].format(area=clean(ctx.area.name if ctx.area else ""),
                                               period=_current(ctx, pr))
    return [table_block(ctx, d, [
        ("category", t["col_category"], lambda v: ctx.cat(v, True)), ("count", t["col_count"], None),
        ("rate", rate_head, lambda v: ctx.num(v, 1)),
        ("share_of_whole", t["col_share_whole"], lambda v: ctx.pct(v, share=True)),
        ("priority_rank", t["col_priority"], lambda v: ctx.num(v, 0))], caption, schema=schemas.AREA_PROFILE)]


def area_conclusions(ctx: ReportContext) -> list[Block]:
    """Slutsatser och underlag för åtgärdsplanen: what to act on first, when, where, and what the data cannot say."""
    t = ctx.t
    pr = profile(ctx)
    if pr is None:
        return [ctx.missing(schemas.AREA_PROFILE)]
    items = []
    top = ranked(pr).head(3)
    if len(top):
        items.append(t["area_act_first"].format(items=", ".join(ctx.cat(c) for c in top["category"])))
    when = peak_times(ctx)
    if when:
        items.append(t["area_act_times"].format(when=when))
    n_hot = hot_cells_in_area(ctx)
    if n_hot:
        items.append(t["area_act_places"].format(n=ctx.num(n_hot)))
    items.append(t["area_cannot"])
    return [bullets(items)]


def peak_times(ctx: ReportContext) -> str:
    """The area's busiest weekday-and-hour block and peak month (all offences), in words."""
    wh = ctx.table(schemas.TIME_WEEKDAY_HOUR)
    tm = ctx.table(schemas.TIME_MONTH)
    parts = []
    if wh is not None:
        d = ctx.area_rows(wh)
        d = d[(d["category"] == ALL_CATEGORIES)].dropna(subset=["weight"]) if len(d) else d
        if len(d):
            top = d.sort_values("weight", ascending=False).iloc[0]
            day = ctx.t["weekdays"].split(",")[int(top["weekday"])]
            parts.append(f"{day} {int(top['hour']):02d}–{(int(top['hour']) + 1) % 24:02d}")
    if tm is not None:
        d = ctx.area_rows(tm)
        d = d[(d["category"] == ALL_CATEGORIES)].dropna(subset=["weight"]) if len(d) else d
        if len(d):
            top = d.sort_values("weight", ascending=False).iloc[0]
            parts.append(ctx.t["months"].split(",")[int(top["month"]) - 1])
    return ", ".join(parts)


def hot_cells_in_area(ctx: ReportContext) -> int:
    """Grid cells inside the focus area that are Gi* hot spots (95 % or more) for all offences."""
    gg = ctx.table(schemas.GISTAR_GRID)
    if gg is None or ctx.area is None or "gistar_class" not in gg.columns or ctx.r.districts is None:
        return 0
    import geopandas as gpd

    from ....focus import focus_area_shapes

    shape = focus_area_shapes(ctx.r.districts, [ctx.area]).geometry.iloc[0]
    sel = gg[(gg["category"] == ALL_CATEGORIES)] if "category" in gg.columns else gg
    sel = sel[sel["gistar_class"].isin(["hot_99", "hot_95"])]
    if not isinstance(sel, gpd.GeoDataFrame) or not len(sel):
        return 0
    return int(sel.geometry.centroid.within(shape).sum())

"""A focus area's lägesbild, part 2: places, times, comparisons, development, forecast, context, appendices."""

from __future__ import annotations

import pandas as pd
import shapely

from ....categories import ALL_CATEGORIES
from ....classes import GISTAR_CLASSES
from ....focus import focus_area_shapes
from ....run import schemas
from ....stats.trends import WHOLE_AREA
from ....text.area_report import DIRECTION_WORDS
from ....text.map import POLICE_CATEGORIES
from ....text.priorities import RULE_DESCRIPTION
from ...map.places import police_areas, police_category
from .. import charts
from ..blocks import Block, bullets, figure_block, note_block, paragraph, present, table_block
from ..context import ReportContext, clean, year_text
from ..select import as_geo
from .area import period_text, profile
from .data_method import data_method

__all__ = ["area_places", "area_times", "area_compare", "area_development", "area_forecast", "area_context",
           "area_appendix"]


def _span(ctx: ReportContext) -> str:
    p = ctx.r.config.periods
    return period_text(p.start, p.end)


def _name(ctx: ReportContext) -> str:
    return clean(ctx.area.name if ctx.area else "")


def area_places(ctx: ReportContext) -> list[Block]:
    """Platser: hot spot and density maps zoomed to the area, with place names and the police's areas."""
    t = ctx.t
    d = ctx.r.districts
    if ctx.area is None or d is None:
        return []
    shape = focus_area_shapes(d, [ctx.area]).geometry.iloc[0]
    x0, y0, x1, y1 = charts.map_view(shape)
    inner = shapely.box(x0 + 0.06 * (x1 - x0), y0 + 0.06 * (y1 - y0), x1 - 0.06 * (x1 - x0), y1 - 0.06 * (y1 - y0))
    view = shapely.box(x0, y0, x1, y1)
    # every district with a part well inside the map is named there, at a point of that part
    parts = d.geometry.intersection(inner)
    shown = ~parts.is_empty & (parts.area > 0.01 * inner.area)
    places = [(str(n), g.representative_point()) for n, g in zip(d.loc[shown, "district_name"], parts[shown],
                                                                   strict=True)]
    names = ", ".join(clean(n) for n, _ in places)
    police = [a for a in police_areas(ctx.r) if a["geometry"].intersects(view)]
    blocks: list[Block | None] = []
    gg = ctx.table(schemas.GISTAR_GRID)
    if gg is not None and "gistar_class" in gg.columns:
        sel = gg[gg["category"] == ALL_CATEGORIES] if "category" in gg.columns else gg
        geo = as_geo(ctx, sel)
        fig = charts.area_map(ctx, geo, "gistar_class", shape=shape, places=places, police=police,
                              classes=GISTAR_CLASSES)
        blocks.append(figure_block(fig, t["area_map_hot"].format(area=_name(ctx), span=_span(ctx), names=names),
                                   cls="map"))
    else:
        blocks.append(ctx.missing(schemas.GISTAR_GRID))
    grid = ctx.table(schemas.GRID)
    if grid is not None and "count" in grid.columns:
        fig = charts.area_map(ctx, as_geo(ctx, grid), "count", shape=shape, places=places, police=police,
                              label=t["axis_count"])
        cell = ctx.r.parameters.get(schemas.GRID.name, {}).get("cell_size_m", "")
        blocks.append(figure_block(fig, t["area_map_kde"].format(area=_name(ctx), span=_span(ctx), names=names,
                                                                 cell=ctx.num(cell) if cell != "" else "?"),
                                   cls="map"))
    if police:
        years: dict[tuple[str, str], set[str]] = {}  # one line per named area and category, its list years joined
        for a in police:
            code = police_category(a["category"])
            kind = POLICE_CATEGORIES[code][ctx.lang].lower() if code else ""
            years.setdefault((clean(a["name"]), kind), set()).update(a["years"])
        described = [" ".join(p for p in (name, f"({kind})" if kind else "", ", ".join(sorted(y))) if p)
                     for (name, kind), y in years.items()]
        blocks.append(paragraph(t["area_police"].format(areas="; ".join(described))))
    return present(blocks)


def area_times(ctx: ReportContext) -> list[Block]:
    """Tider: the area's weekday × hour pattern and its year wheel (peak month per offence type)."""
    t = ctx.t
    blocks: list[Block | None] = []
    wh = ctx.table(schemas.TIME_WEEKDAY_HOUR)
    rows = ctx.area_rows(wh) if wh is not None else None
    if rows is None or not len(rows):
        blocks.append(ctx.missing(schemas.TIME_WEEKDAY_HOUR))
    else:
        fig = charts.heatmap(ctx, rows[rows["category"] == ALL_CATEGORIES])
        blocks.append(figure_block(fig, t["area_heat"].format(area=_name(ctx), span=_span(ctx))))
    tm = ctx.table(schemas.TIME_MONTH)
    rows = ctx.area_rows(tm) if tm is not None else None
    if rows is None or not len(rows):
        blocks.append(ctx.missing(schemas.TIME_MONTH))
        return present(blocks)
    blocks.append(figure_block(charts.month_chart(ctx, rows[rows["category"] == ALL_CATEGORIES]),
                               t["area_wheel"].format(area=_name(ctx), span=_span(ctx))))
    months = t["months"].split(",")
    peaks = []
    for cat, part in rows[rows["category"] != ALL_CATEGORIES].groupby("category", sort=True):
        w = pd.to_numeric(part["weight"], errors="coerce")
        if w.notna().any() and w.max() > 0:
            peaks.append(f"{ctx.cat(cat)} {months[int(part.loc[w.idxmax(), 'month']) - 1]}")
    if peaks:
        blocks.append(paragraph(t["area_wheel_peaks"].format(peaks="; ".join(peaks))))
    return present(blocks)


def area_compare(ctx: ReportContext) -> list[Block]:
    """Jämförelser: the area against the rest of the municipality per offence type; its districts; references."""
    t = ctx.t
    pr = profile(ctx)
    if pr is None:
        return [ctx.missing(schemas.AREA_PROFILE)]
    period = period_text(pr["period_start"].iloc[0], pr["period_end"].iloc[0])
    d = pr.copy()
    d["rr_ci"] = [f"{ctx.num(lo, 2)}–{ctx.num(hi, 2)}" if pd.notna(lo) else "–"
                  for lo, hi in zip(d["rr_lo"], d["rr_hi"], strict=True)]
    blocks: list[Block | None] = [table_block(ctx, d, [
        ("category", t["col_category"], lambda v: ctx.cat(v, True)), ("count", t["col_count"], None),
        ("rate", t["col_rate_year"].format(per=ctx.num(ctx.per)), lambda v: ctx.num(v, 1)),
        ("ref_rate", t["col_rest_rate"], lambda v: ctx.num(v, 1)),
        ("whole_rate", t["col_whole_value"], lambda v: ctx.num(v, 1)),
        ("rate_ratio", t["col_rr_rest"], lambda v: ctx.num(v, 2)), ("rr_ci", t["col_ci"], None),
        ("rr_p", t["col_p"], ctx.p)], t["area_compare_caption"].format(area=_name(ctx), period=period),
        schema=schemas.AREA_PROFILE)]
    cp = ctx.table(schemas.COMPARISON)
    if cp is not None and ctx.area is not None and ctx.area.is_group:
        parts = cp[cp["area"].astype(str).isin(ctx.area.district_ids) & (cp["category"] == ALL_CATEGORIES)]
        parts = parts[parts["period"] == "hela"] if "period" in parts.columns else parts
        if len(parts):
            blocks.append(figure_block(charts.rr_chart(ctx, parts), t["area_compare_parts"].format(
                span=_span(ctx))))
    if ctx.r.inputs.reference_rates is None:
        blocks.append(note_block(t["area_no_reference_rates"]))
    return present(blocks)


def area_development(ctx: ReportContext) -> list[Block]:
    """Utveckling: yearly counts, the trend per offence type with its interval, the change since the previous one."""
    t = ctx.t
    blocks: list[Block | None] = []
    se = ctx.table(schemas.SERIES)
    if se is not None:
        rows = ctx.area_rows(se)
        rows = rows[(rows["unit"] == "year")] if "unit" in rows.columns else rows
        if len(rows):
            blocks.append(figure_block(charts.line_chart(ctx, rows.assign(category=rows["category"].map(
                lambda c: ctx.cat(c, True))), "category"), t["area_series_caption"].format(area=_name(ctx),
                                                                                           span=_span(ctx))))
    tr = ctx.table(schemas.TREND)
    if tr is not None:
        rows = ctx.area_rows(tr)
        if len(rows):
            rows = rows.assign(trend_ci=[f"{ctx.pct(lo, sign=True)} – {ctx.pct(hi, sign=True)}" if pd.notna(lo)
                                         else "–" for lo, hi in zip(rows["trend_ci_low"], rows["trend_ci_high"],
                                                                    strict=True)])
            blocks.append(table_block(ctx, rows, [
                ("category", t["col_category"], lambda v: ctx.cat(v, True)),
                ("trend_pct_per_year", t["col_trend"], lambda v: ctx.pct(v, sign=True)),
                ("trend_ci", t["col_ci"], None), ("direction", t["col_direction"], None)],
                t["area_trend_caption"].format(area=_name(ctx), span=_span(ctx)), schema=schemas.TREND))
    blocks += _since_previous(ctx)
    return present(blocks)


def _since_previous(ctx: ReportContext) -> list[Block]:
    t = ctx.t
    if ctx.area is None or ctx.area.previous is None:
        return [note_block(t["area_no_previous"])]
    pc = ctx.table(schemas.PERIOD_CHANGE)
    rows = ctx.area_rows(pc) if pc is not None else None
    if rows is None or not len(rows):
        return [ctx.missing(schemas.PERIOD_CHANGE)]
    first = rows.iloc[0]
    caption = t["area_change_caption"].format(previous=period_text(first["previous_start"], first["previous_end"]),
                                              current=period_text(first["current_start"], first["current_end"]))
    lines = []
    for _, row in rows.iterrows():
        if pd.isna(row["change_ratio"]):
            continue
        lines.append(t["area_change_line"].format(
            cat=ctx.cat(row["category"], True), words=DIRECTION_WORDS.get(str(row["direction"]),
                                                                          DIRECTION_WORDS["none"])[ctx.lang],
            ratio=ctx.num(row["change_ratio"], 2), lo=ctx.num(row["change_ci_low"], 2),
            hi=ctx.num(row["change_ci_high"], 2)))
    table = table_block(ctx, rows, [
        ("category", t["col_category"], lambda v: ctx.cat(v, True)),
        ("count_previous", t["col_previous"], None), ("count", t["col_current"], None),
        ("rate_previous", t["col_previous"] + " " + t["col_rate_year"].format(per=ctx.num(ctx.per)),
         lambda v: ctx.num(v, 1)),
        ("rate", t["col_current"] + " " + t["col_rate_year"].format(per=ctx.num(ctx.per)), lambda v: ctx.num(v, 1)),
        ("change_ratio", t["col_change"], lambda v: ctx.num(v, 2)), ("change_p", t["col_p"], ctx.p)],
        caption, schema=schemas.PERIOD_CHANGE)
    blocks = [paragraph(caption), bullets(lines), table] if lines else [table]
    published = ctx.area.published
    if published is not None:  # figures of an earlier run's output folder (previous_output)
        blocks.insert(0, note_block(t["area_previous_published"].format(
            date=published.finished or t["area_previous_date_unknown"], previous=period_text(*published.period),
            current=period_text(first["current_start"], first["current_end"]))))
        hidden = [ctx.cat(c) for c in published.hidden]
        if hidden:
            blocks.append(note_block(t["area_previous_hidden"].format(cats=", ".join(hidden))))
    return blocks


def area_forecast(ctx: ReportContext) -> list[Block]:
    """Prognos: next year's count per offence type for the area with its 80 % interval, and the backtest in words."""
    t = ctx.t
    pr = profile(ctx)
    if pr is None or "forecast" not in pr.columns or pr["forecast"].isna().all():
        return [ctx.missing(schemas.FORECAST_DISTRICT)]
    d = pr.dropna(subset=["forecast"]).copy()
    d["pi"] = [f"{ctx.num(lo, 0)}–{ctx.num(hi, 0)}" if pd.notna(lo) else "–"
               for lo, hi in zip(d["forecast_low"], d["forecast_high"], strict=True)]
    year = int(d["forecast_year"].iloc[0]) if pd.notna(d["forecast_year"].iloc[0]) else ""
    blocks: list[Block | None] = [paragraph(t["area_forecast_intro"]), table_block(ctx, d, [
        ("category", t["col_category"], lambda v: ctx.cat(v, True)),
        ("forecast", t["col_forecast_next"].format(year=year), lambda v: ctx.num(v, 0)),
        ("pi", t["col_interval80"], None)], t["area_forecast_caption"].format(area=_name(ctx), year=year),
        schema=schemas.AREA_PROFILE)]
    from .summary import forecast_verdict

    blocks += [paragraph(v) for v in forecast_verdict(ctx)]
    return present(blocks)


def area_context(ctx: ReportContext) -> list[Block]:
    """Sammanhang: the area's socio-economic indicators beside the municipality's; a survey when supplied."""
    t = ctx.t
    survey = _survey(ctx)
    ac = ctx.r.tables.get(schemas.AREA_CONTEXT.name)
    rows = ctx.area_rows(ac.data) if ac is not None else None
    if rows is None or not len(rows):
        return [note_block(t["area_context_none"]), survey]
    from ....text.context import indicator_label

    whole = ac.data[ac.data["area"] == WHOLE_AREA].set_index("indicator")["weighted_mean"]
    d = rows.assign(whole=rows["indicator"].map(whole), label=rows["indicator"].map(
        lambda c: indicator_label(str(c), ctx.lang)))
    cfg = ctx.r.config.areas.indicators
    source = clean(cfg.source or cfg.path.name) if cfg is not None else ""
    return [table_block(ctx, d, [("label", t["col_indicator"], None),
                                 ("weighted_mean", t["col_area_value"], lambda v: ctx.num(v, 1)),
                                 ("whole", t["col_whole_value"], lambda v: ctx.num(v, 1))],
                        t["area_context_caption"].format(area=_name(ctx), source=source)),
            note_block(t["area_context_note"]), survey]


def _survey(ctx: ReportContext) -> Block:
    """The area's perceived-safety survey results (``areas.survey``), or one line saying there are none."""
    t, sv = ctx.t, ctx.r.inputs.survey
    if sv is None or ctx.area is None:
        return note_block(t["area_survey_none"])
    names = {ctx.area.name.casefold(), ctx.area.area_id.casefold(), ctx.area.slug}
    rows = sv[sv["area"].astype(str).str.strip().str.casefold().isin(names)]
    if not len(rows):
        return note_block(t["area_survey_none"])
    return table_block(ctx, rows, [("question", t["col_question"], None), ("year", t["col_year"], year_text),
                                   ("share", t["col_share_pct"], lambda v: ctx.pct(v / 100, 1, share=True))],
                       t["area_survey_caption"].format(area=_name(ctx)))


def area_appendix(ctx: ReportContext) -> list[Block]:
    """Bilagor: the ranking rule, sources, data quality with reason labels, coverage, parameters, run record."""
    return [paragraph(RULE_DESCRIPTION[ctx.lang]), *data_method(ctx)]

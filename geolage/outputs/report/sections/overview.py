"""The short municipal overview beside the focus areas' own lägesbilder: the areas side by side, where in short.

When a run has focus areas, each gets its own lägesbild (:data:`AREA_SECTIONS`) and the
municipal report is an overview (``output.overview``, :func:`overview_is_short`): the
summary, the focus areas compared with the rest of the municipality on one page with a
map, the development over time, where the problems are (rates and hot spots, without the
method-by-method detail), data and method in plain words, limitations and the appendices.
"""

from __future__ import annotations

import pandas as pd

from ....categories import ALL_CATEGORIES
from ....focus import focus_area_shapes, focus_areas_of
from ....run import schemas
from ....text.area_report import DIRECTION_WORDS
from .. import charts
from ..blocks import Block, figure_block, note_block, paragraph, present, table_block
from ..context import ReportContext
from .area import period_text, ranked
from .hotspot_area import area_sentence, par_sentence
from .where import CLASS_MAPS, class_map, rates_blocks

__all__ = ["overview_is_short", "overview_areas", "overview_where"]


def overview_is_short(setting: str, has_areas: bool) -> bool:
    """Whether the municipal report is the short overview (``output.overview``: auto, short or full).

    ``"auto"`` is short exactly when the run has focus areas: their lägesbilder carry the detail.
    """
    if setting not in ("auto", "short", "full"):
        raise ValueError(f"output.overview needs to be 'auto', 'short' or 'full'; got {setting!r}")
    return setting == "short" or (setting == "auto" and has_areas)


def _area_rows(ctx: ReportContext, ap: pd.DataFrame) -> pd.DataFrame:
    """One row per focus area (all offences, current period) with its interval, direction and first problem."""
    rows = []
    for area in focus_areas_of(ctx.r):
        pr = ap[ap["area"].astype(str) == area.area_id]
        whole = pr[pr["category"] == ALL_CATEGORIES]
        if not len(whole):
            continue
        row = whole.iloc[0].to_dict()
        top = ranked(pr)
        row["top_problem"] = ctx.cat(top["category"].iloc[0], True) if len(top) else "–"
        code = str(row.get("direction"))
        row["direction_words"] = DIRECTION_WORDS[code][ctx.lang] if code in DIRECTION_WORDS else "–"
        rr, lo, hi = row.get("rate_ratio"), row.get("rr_lo"), row.get("rr_hi")
        row["rr_text"] = (f"{ctx.num(rr, 2)} ({ctx.num(lo, 2)}–{ctx.num(hi, 2)})"
                          if pd.notna(rr) and pd.notna(lo) and pd.notna(hi) else "–")
        rows.append(row)
    return pd.DataFrame(rows)


def overview_areas(ctx: ReportContext) -> list[Block]:
    """The focus areas side by side: count, rate, ratio to the rest of the municipality, trend, first problem, map."""
    t = ctx.t
    areas = focus_areas_of(ctx.r)
    if not areas:
        return []
    ap = ctx.table(schemas.AREA_PROFILE)
    if ap is None or not {"area", "category"} <= set(ap.columns):
        return [ctx.missing(schemas.AREA_PROFILE)]
    rows = _area_rows(ctx, ap)
    if not len(rows):
        return [ctx.missing(schemas.AREA_PROFILE)]
    period = period_text(rows["period_start"].iloc[0], rows["period_end"].iloc[0])
    blocks: list[Block | None] = [paragraph(t["ov_areas_intro"].format(n=ctx.num(len(areas)), period=period))]
    rate_head = t["col_rate_year"].format(per=ctx.num(ctx.per))
    blocks.append(table_block(ctx, rows, [
        ("area_name", t["col_area"], None), ("count", t["col_count"], None),
        ("rate", rate_head, lambda v: ctx.num(v, 1)), ("rr_text", t["ov_col_rr"], None),
        ("direction_words", t["col_direction"], None), ("top_problem", t["ov_col_top"], None)],
        t["ov_areas_caption"].format(period=period),
        schema=schemas.AREA_PROFILE))
    d = ctx.r.districts
    if d is not None and len(d):
        shapes = focus_area_shapes(d, areas)
        blocks.append(figure_block(charts.focus_areas_map(ctx, shapes), t["ov_areas_map"], cls="map"))
    blocks.append(note_block(t["ov_areas_note"]))
    return present(blocks)


def overview_where(ctx: ReportContext) -> list[Block]:
    """Where problems are greatest, in short: the rate map and the highest rates, the grid's hot spots."""
    gistar = CLASS_MAPS[0]
    return present([*rates_blocks(ctx), *par_sentence(ctx), *area_sentence(ctx), *class_map(ctx, *gistar),
                    paragraph(ctx.t["ov_where_more"])])


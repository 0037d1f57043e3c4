"""Sentences about the analysis area of the grid hot spots and the population-at-risk surface.

Read from the run's parameters (``hotspots``: ``analysis_area``, ``analysis_area_rule``, …;
``density``: ``par_*``), so the report says what the pipeline did. Used by the data-and-method
section (how) and the where section (which area, and where the risk per resident peaks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..blocks import Block, paragraph
from ..context import ReportContext, clean

__all__ = ["area_sentence", "method_area", "par_sentence"]


def _params(ctx: ReportContext, step: str) -> dict[str, Any]:
    params = (ctx.r.parameters or {}).get(step)
    return params if isinstance(params, dict) else {}


def area_sentence(ctx: ReportContext) -> list[Block]:
    """One plain sentence: which cells the grid hot spots compare (nothing when the run has no record)."""
    t, h = ctx.t, _params(ctx, "hotspots")
    kind = h.get("analysis_area")
    total = ctx.num(h.get("grid_cells"), 0)
    if kind == "populated":
        text = t["area_populated"].format(cells=ctx.num(h.get("analysis_area_cells"), 0), total=total)
    elif kind == "file":
        text = t["area_file"].format(file=clean(Path(str(h.get("analysis_area_setting", ""))).name),
                                     cells=ctx.num(h.get("analysis_area_cells"), 0), total=total)
    elif kind == "all":
        key = f"area_why_{h.get('analysis_area_rule')}"
        if h.get("populated_districts") and f"{key}_populated" in t:  # the populated districts cover every cell
            key = f"{key}_populated"
        text = t["area_all"].format(total=total, why=t[key] if key in t else "")
    else:
        return []
    return [paragraph(text)]


def method_area(ctx: ReportContext) -> list[Block]:
    """How the analysis area was chosen and what it means, and how the population-at-risk surface is made."""
    t, h = ctx.t, _params(ctx, "hotspots")
    blocks = area_sentence(ctx)
    rule = h.get("analysis_area_rule")
    if h.get("analysis_area") == "populated":
        if rule == "deso_category_bc":
            blocks.append(paragraph(t["method_area_deso"]))
        elif rule == "population_density":
            blocks.append(paragraph(t["method_area_density"].format(
                density=ctx.num(h.get("populated_density"), 0), n=ctx.num(h.get("populated_districts"), 0),
                total=ctx.num(h.get("district_count"), 0))))
        if h.get("analysis_area_buffer_m"):
            blocks.append(paragraph(t["method_area_buffer"].format(buffer=ctx.num(h["analysis_area_buffer_m"], 0))))
    if h.get("analysis_area") in ("populated", "file"):
        blocks.append(paragraph(t["method_area_how"]))
    d = _params(ctx, "density")
    if d.get("par_raster"):
        blocks.append(paragraph(t["method_par"].format(density=ctx.num(d.get("par_min_density"), 0))))
    return blocks


def par_sentence(ctx: ReportContext) -> list[Block]:
    """Where incidents per resident peak on the population-at-risk surface (nothing without it)."""
    d = _params(ctx, "density")
    peak = d.get("par_peak")
    if not d.get("par_raster") or not isinstance(peak, dict) or "district_name" not in peak:
        return []
    per = ctx.r.config.periods
    period = str(per.start.year) if per.start.year == per.end.year else f"{per.start.year}–{per.end.year}"
    return [paragraph(ctx.t["par_peak"].format(
        place=clean(peak["district_name"]), value=ctx.num(peak.get("value"), 0),
        per=ctx.num(d.get("par_per_residents"), 0), period=period))]

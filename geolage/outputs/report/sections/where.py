"""5. Where problems are greatest: rates per area, hot spots, clusters, emerging hot spots, concentration."""

from __future__ import annotations

from ....categories import ALL_CATEGORIES
from ....classes import EMERGING_CATEGORIES, GISTAR_CLASSES, LISA_CLUSTERS, ClassInfo
from ....run import schemas
from ....run.schemas import TableSchema
from .. import charts
from ..blocks import Block, figure_block, present, table_block
from ..context import ReportContext
from ..select import as_geo, only_all, rate_column, rates_selection
from .data_method import has_population
from .hotspot_area import area_sentence, par_sentence

__all__ = ["where", "rates_blocks", "class_map", "CLASS_MAPS"]

#: The class maps: (table, class column, classes, caption key, said missing when absent).
CLASS_MAPS: tuple[tuple[TableSchema, str, dict[str, ClassInfo], str, bool], ...] = (
    (schemas.GISTAR_GRID, "gistar_class", GISTAR_CLASSES, "map_gistar", True),
    (schemas.GISTAR_DISTRICT, "gistar_class", GISTAR_CLASSES, "map_gistar_district", False),
    (schemas.LISA_DISTRICT, "lisa_cluster", LISA_CLUSTERS, "map_lisa", True),
    (schemas.EMERGING_GRID, "emerging_category", EMERGING_CATEGORIES, "map_emerging", True),
)


def rates_blocks(ctx: ReportContext) -> list[Block | None]:
    """The map of smoothed rates (all offences) and the ten areas with the highest rate."""
    t = ctx.t
    rd = ctx.table(schemas.RATES_DISTRICT)
    if not has_population(ctx):  # no rates: the data-and-method section says why
        return []
    if rd is None or "category" not in rd.columns:
        return [ctx.missing(schemas.RATES_DISTRICT)]
    sel = rates_selection(rd, ALL_CATEGORIES)
    gdf = as_geo(ctx, sel)
    col = rate_column(sel)
    blocks: list[Block | None] = []
    if gdf is not None:
        caption = t["map_rates"].format(per=ctx.num(ctx.per))
        blocks.append(figure_block(charts.map_values(ctx, gdf, col), caption, cls="map"))
    top = sel.sort_values(col, ascending=False, na_position="last").head(10)
    blocks.append(table_block(ctx, top, [
        ("district_name", t["col_district"], None), ("population", t["col_population"], lambda v: ctx.num(v, 0)),
        ("count", t["col_count"], None), ("rate", t["col_rate"], lambda v: ctx.num(v, 1)),
        ("eb_rate", t["col_eb_rate"], lambda v: ctx.num(v, 1))], t["top_caption"], schema=schemas.RATES_DISTRICT))
    return blocks


def class_map(ctx: ReportContext, schema: TableSchema, column: str, classes: dict[str, ClassInfo], caption: str,
              required: bool) -> list[Block | None]:
    """The map of one class table (all offences), or the note that it is missing when ``required``."""
    df = ctx.table(schema)
    if df is None or column not in df.columns:
        if required and (has_population(ctx) or schema is not schemas.LISA_DISTRICT):
            return [ctx.missing(schema)]
        return []
    gdf = as_geo(ctx, only_all(df))
    if gdf is None:
        return []
    return [figure_block(charts.map_categorical(ctx, gdf, column, classes), ctx.t[caption], cls="map")]


def _class_maps(ctx: ReportContext) -> list[Block | None]:
    """Maps of Gi* hot spots (grid, districts), LISA clusters and emerging hot spots (all offences)."""
    return [block for spec in CLASS_MAPS for block in class_map(ctx, *spec)]


def _autocorrelation(ctx: ReportContext) -> list[Block]:
    """Global Moran's I per unit and category."""
    t = ctx.t
    mg = ctx.table(schemas.MORAN_GLOBAL)
    if mg is None:
        return []
    return [table_block(ctx, mg, [
        ("unit", t["col_unit"], None), ("category", t["col_category"], lambda v: ctx.cat(v, True)),
        ("variable", t["col_variable"], None), ("moran_i", t["col_moran_i"], lambda v: ctx.num(v, 3)),
        ("moran_z", t["col_z"], lambda v: ctx.num(v, 2)), ("moran_p_sim", t["col_p"], ctx.p)],
        t["moran_caption"], schema=schemas.MORAN_GLOBAL)]


def _concentration(ctx: ReportContext) -> list[Block | None]:
    """The share of offences at the most affected places, and the Lorenz curves."""
    t = ctx.t
    co = ctx.table(schemas.CONCENTRATION)
    blocks: list[Block | None] = [ctx.missing(schemas.CONCENTRATION) if co is None else table_block(ctx, co, [
        ("unit", t["col_unit"], None), ("category", t["col_category"], lambda v: ctx.cat(v, True)),
        ("n_incidents", t["col_count"], None), ("n_units", t["col_units"], lambda v: ctx.num(v, 0)),
        ("top1_share", t["col_top1"], lambda v: ctx.pct(v, share=True)),
        ("top5_share", t["col_top5"], lambda v: ctx.pct(v, share=True)),
        ("top10_share", t["col_top10"], lambda v: ctx.pct(v, share=True)),
        ("gini", t["col_gini"], lambda v: ctx.num(v, 2))], t["concentration_caption"], schema=schemas.CONCENTRATION)]
    lo = ctx.table(schemas.LORENZ)
    if lo is not None and {"place_share", "incident_share"} <= set(lo.columns):
        blocks.append(figure_block(charts.lorenz_chart(ctx, only_all(lo)), t["lorenz_fig"], cls="small"))
    return blocks


def where(ctx: ReportContext) -> list[Block]:
    """The where-problems-are-greatest section."""
    return present([*rates_blocks(ctx), *par_sentence(ctx), *area_sentence(ctx), *_class_maps(ctx),
                    *_autocorrelation(ctx), *_concentration(ctx)])

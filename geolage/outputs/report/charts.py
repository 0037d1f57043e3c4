"""The report's charts and static maps: matplotlib figures embedded as PNG ``data:`` URIs.

Every chart is drawn by :func:`figure` under one style; a chart that fails is logged
and left out (the report is still written). :func:`without_figures` renders a report
without charts and maps (quick checks, tests).
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import io
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from ...classes import ClassInfo, class_label
from .context import ReportContext, chart_text, clean
from .select import area_col, coverage_by_year, only_all

__all__ = [
    "without_figures",
    "figure",
    "map_categorical",
    "map_values",
    "coverage_chart",
    "line_chart",
    "rr_chart",
    "funnel_chart",
    "lorenz_chart",
    "heatmap",
    "month_chart",
    "backtest_chart",
]

log = logging.getLogger(__name__)

#: False while rendering without figures (:func:`without_figures`).
_FIGURES: contextvars.ContextVar[bool] = contextvars.ContextVar("geolage_report_figures", default=True)

_COLORS = ["#1f4e79", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d96a3", "#2e4057", "#a05195", "#f95d6a"]
_MAP_SIZE = (6.8, 4.6)
_SUPPRESSED_FILL = "#d9d9d9"


@contextlib.contextmanager
def without_figures(leave_out: bool = True) -> Iterator[None]:
    """Leave charts and maps out of the reports rendered inside the ``with`` block (when ``leave_out``)."""
    token = _FIGURES.set(not leave_out and _FIGURES.get())
    try:
        yield
    finally:
        _FIGURES.reset(token)


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _style() -> dict[str, Any]:
    from cycler import cycler

    return {
        "font.family": "DejaVu Sans", "font.size": 8.5, "axes.titlesize": 9.5, "axes.labelsize": 8.5,
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.color": "#e3e6e8",
        "grid.linewidth": 0.6, "legend.fontsize": 7.5, "legend.frameon": False, "figure.dpi": 100,
        "savefig.dpi": 150, "axes.prop_cycle": cycler(color=_COLORS), "svg.fonttype": "none", "text.usetex": False,
    }


def figure(draw: Callable[[Any, Any], None], size: tuple[float, float] = (6.8, 3.2)) -> str | None:
    """Draw with ``draw(fig, plt)`` under the report style and return a PNG data URI.

    Returns ``None`` when figures are left out or drawing failed (logged as a warning).
    """
    if not _FIGURES.get():
        return None
    plt = _plt()
    import matplotlib

    with matplotlib.rc_context(_style()):
        fig = plt.figure(figsize=size)
        try:
            with _no_idle_draws(fig):
                draw(fig, plt)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
        except Exception as exc:  # noqa: BLE001 - a chart that fails must not stop the report
            log.warning("report: a chart could not be drawn (%s)", exc)
            return None
        finally:
            plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


@contextlib.contextmanager
def _no_idle_draws(fig: Any) -> Iterator[None]:
    """Within the block, ``fig.canvas.draw_idle()`` does nothing.

    GeoPandas' ``plot`` ends with ``draw_idle()``, which on the Agg canvas renders the whole
    figure at once; the render is thrown away, since :func:`figure` renders the figure again
    when it saves it. A map with districts, cells and outlines was rendered three times for
    nothing (about a fifth of the report's drawing time). The saved PNG is the same byte for
    byte (tested: ``test_report_charts.py``).
    """
    fig.canvas.draw_idle = _skip_draw
    try:
        yield
    finally:
        del fig.canvas.draw_idle


def _skip_draw(*_args: Any, **_kwargs: Any) -> None:
    return None


def _number_formatter(ctx: ReportContext):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: ctx.num(v, None if float(v).is_integer() else 1))


# --------------------------------------------------------------------------- static maps
def _legend_patches(classes: dict[str, ClassInfo], codes: Iterable[str], lang: str):
    from matplotlib.patches import Patch

    return [Patch(facecolor=classes[c].color, edgecolor="#777", linewidth=0.4, label=class_label(classes, c, lang))
            for c in classes if c in set(codes)]


def _outline(ctx: ReportContext, ax: Any) -> None:
    d = ctx.r.districts
    if d is not None and len(d):
        d.boundary.plot(ax=ax, color="#333333", linewidth=0.5)


def map_categorical(ctx: ReportContext, gdf: Any, column: str, classes: dict[str, ClassInfo]) -> str | None:
    """A map of classes (Gi*, LISA, emerging hot spots) in their standard colours, with a legend."""

    def draw(fig, plt):
        ax = fig.add_subplot(111)
        # the background class is the fill of the districts, so only the other cells are drawn (fast on big grids)
        background = [c for c in BACKGROUND_CLASSES if c in classes]
        d = ctx.r.districts
        if background and d is not None and len(d):
            d.plot(ax=ax, color=classes[background[0]].color, edgecolor="none")
        shown = gdf[~gdf[column].isin(background)] if background else gdf
        colors = shown[column].map(lambda c: classes[c].color if c in classes else "#dddddd")
        if len(shown):
            shown.plot(ax=ax, color=list(colors), edgecolor="#ffffff", linewidth=0.2)
        _outline(ctx, ax)
        ax.set_axis_off()
        ax.legend(handles=_legend_patches(classes, gdf[column].dropna().unique(), ctx.lang), loc="upper left",
                  bbox_to_anchor=(1.0, 1.0))
        ax.set_aspect("equal")

    return figure(draw, _MAP_SIZE)


def map_values(ctx: ReportContext, gdf: Any, column: str, size: tuple[float, float] = _MAP_SIZE) -> str | None:
    """A choropleth of rates; areas with suppressed or missing values hatched grey."""

    def draw(fig, plt):
        from matplotlib.patches import Patch

        ax = fig.add_subplot(111)
        vals = pd.to_numeric(gdf[column], errors="coerce")
        have = gdf[vals.notna()]
        if len(have):
            have.plot(ax=ax, column=column, cmap="YlOrRd", legend=True, edgecolor="#ffffff", linewidth=0.3,
                      legend_kwds={"shrink": 0.6, "label": ctx.t["axis_rate"].format(per=ctx.per)})
        gone = gdf[vals.isna()]
        if len(gone):
            gone.plot(ax=ax, color=_SUPPRESSED_FILL, hatch="///", edgecolor="#ffffff", linewidth=0.3)
            ax.legend(handles=[Patch(facecolor=_SUPPRESSED_FILL, hatch="///", label=ctx.t["legend_suppressed"])],
                      loc="upper left", bbox_to_anchor=(0.0, 0.0), fontsize=7)
        _outline(ctx, ax)
        ax.set_axis_off()
        ax.set_aspect("equal")

    return figure(draw, size)


# --------------------------------------------------------------------------- charts
def coverage_chart(ctx: ReportContext, cv: pd.DataFrame) -> str | None:
    """Bars of coverage against Brå per year and offence group, a line at 100 %."""
    piv = coverage_by_year(cv)
    if piv is None:
        return None

    def draw(fig, plt):
        ax = fig.add_subplot(111)
        width = 0.8 / max(1, piv.shape[1])
        x = np.arange(len(piv))
        for i, col in enumerate(piv.columns):
            ax.bar(x + i * width - 0.4 + width / 2, piv[col] * 100, width, label=chart_text(col))
        ax.axhline(100, color="#333", linewidth=0.8)
        ax.set_xticks(x, [str(y) for y in piv.index])
        ax.set_ylabel(ctx.t["axis_coverage"] + " (%)")
        ax.legend(ncol=min(5, piv.shape[1]), loc="upper center", bbox_to_anchor=(0.5, -0.12))

    return figure(draw, (6.8, 2.6))


def line_chart(ctx: ReportContext, df: pd.DataFrame, by: str) -> str | None:
    """Counts per period, one line per value of ``by`` (at most 9)."""

    def draw(fig, plt):
        ax = fig.add_subplot(111)
        periods = sorted(df["period"].astype(str).unique())
        for key, part in list(df.groupby(by, sort=False))[:9]:
            s = part.assign(period=part["period"].astype(str)).set_index("period")["count"]
            s = pd.to_numeric(s.reindex(periods), errors="coerce")
            ax.plot(range(len(periods)), s.to_numpy(dtype=float), marker="o", markersize=3, label=chart_text(key))
        ax.set_xticks(range(len(periods)), periods, rotation=45 if len(periods) > 8 else 0)
        ax.set_ylabel(ctx.t["axis_count"])
        ax.yaxis.set_major_formatter(_number_formatter(ctx))
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))

    return figure(draw)


def rr_chart(ctx: ReportContext, cp: pd.DataFrame) -> str | None:
    """Rate ratios against the reference with 95 % intervals, on a log scale (at most 25 rows)."""
    if not {"rate_ratio", "rr_ci_low", "rr_ci_high", "area", "category"} <= set(cp.columns):
        return None
    d = cp.dropna(subset=["rate_ratio", "rr_ci_low", "rr_ci_high"])
    d = d[(d["rate_ratio"] > 0) & (d["rr_ci_low"] > 0)].head(25)
    if d.empty:
        return None

    def draw(fig, plt):
        ax = fig.add_subplot(111)
        y = np.arange(len(d))[::-1]
        ax.errorbar(d["rate_ratio"], y, xerr=[d["rate_ratio"] - d["rr_ci_low"], d["rr_ci_high"] - d["rate_ratio"]],
                    fmt="o", color="#1f4e79", ecolor="#7a8b99", capsize=2, markersize=4)
        ax.axvline(1, color="#b3261e", linewidth=0.8)
        ax.set_xscale("log")
        lo, hi = float(d["rr_ci_low"].min()), float(d["rr_ci_high"].max())
        ticks = [v for v in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20) if v == 1 or lo / 1.5 <= v <= hi * 1.5]
        ax.set_xticks(ticks, [ctx.num(v, 1 if v < 1 else 0) for v in ticks])
        ax.minorticks_off()
        labels = [chart_text(f"{a} – {ctx.cat(c, True)}", 60)
                  for a, c in zip(d[area_col(d)], d["category"], strict=False)]
        ax.set_yticks(y, labels)
        ax.set_xlabel(ctx.t["axis_rr"])

    return figure(draw, (6.8, max(1.8, 0.35 * len(d) + 0.8)))


def funnel_chart(ctx: ReportContext, fu: pd.DataFrame) -> str | None:
    """Funnel plot: rate against population with the 95 % and 99.8 % control limits."""
    need = {"population", "rate", "lim95_low", "lim95_high", "lim998_low", "lim998_high"}
    if not need <= set(fu.columns):
        return None
    d = only_all(fu).sort_values("population")

    def draw(fig, plt):
        ax = fig.add_subplot(111)
        ax.plot(d["population"], d["lim95_low"], color="#7a8b99", linestyle="--", linewidth=0.8,
                label=ctx.t["limit_95"])
        ax.plot(d["population"], d["lim95_high"], color="#7a8b99", linestyle="--", linewidth=0.8)
        ax.plot(d["population"], d["lim998_low"], color="#333", linewidth=0.8, label=ctx.t["limit_998"])
        ax.plot(d["population"], d["lim998_high"], color="#333", linewidth=0.8)
        if "ref_rate" in d.columns:
            ax.axhline(float(d["ref_rate"].iloc[0]), color="#b3261e", linewidth=0.8)
        pos = d.get("funnel_position", pd.Series("", index=d.index)).astype(str)
        col = np.where(pos.str.startswith("above"), "#d62f27",
                       np.where(pos.str.startswith("below"), "#4575b5", "#555555"))
        ax.scatter(d["population"], d["rate"], c=col, s=18, zorder=3)
        name_col = "district_name" if "district_name" in d.columns else "district_id"
        for _, row in d[pos == "above_998"].sort_values("rate", ascending=False).head(6).iterrows():
            if pd.notna(row["rate"]):
                ax.annotate(chart_text(row[name_col], 25), (row["population"], row["rate"]), fontsize=7,
                            xytext=(3, 3), textcoords="offset points")
        ax.xaxis.set_major_formatter(_number_formatter(ctx))
        ax.yaxis.set_major_formatter(_number_formatter(ctx))
        ax.set_xlabel(ctx.t["axis_population"])
        ax.set_ylabel(ctx.t["axis_rate"].format(per=ctx.num(ctx.per)))
        ax.legend(loc="upper right")

    return figure(draw, (6.8, 3.6))


def lorenz_chart(ctx: ReportContext, lo: pd.DataFrame) -> str | None:
    """Lorenz curves (share of offences against share of places), one per unit and category (at most 8)."""

    def draw(fig, plt):
        ax = fig.add_subplot(111)
        keys = [c for c in ("unit", "category") if c in lo.columns]
        for key, part in list(lo.groupby(keys, sort=False) if keys else [("", lo)])[:8]:
            key = key if isinstance(key, tuple) else (key,)
            label = " – ".join(ctx.cat(k, True) if i == len(key) - 1 else clean(k) for i, k in enumerate(key))
            ax.plot(part["place_share"], part["incident_share"], label=chart_text(label))
        ax.plot([0, 1], [0, 1], color="#999", linewidth=0.6, linestyle=":")
        ax.set_xlabel(ctx.t["axis_place_share"])
        ax.set_ylabel(ctx.t["axis_incident_share"])
        ax.legend(loc="lower right")
        ax.set_aspect("equal")

    return figure(draw, (3.6, 3.4))


def heatmap(ctx: ReportContext, df: pd.DataFrame) -> str | None:
    """Offences per weekday and hour; suppressed cells grey."""

    def draw(fig, plt):
        ax = fig.add_subplot(111)
        grid = np.full((7, 24), np.nan)
        for _, row in df.iterrows():
            w, h = int(row["weekday"]), int(row["hour"])
            if 0 <= w < 7 and 0 <= h < 24:
                grid[w, h] = row["weight"]
        cmap = plt.get_cmap("YlOrRd").with_extremes(bad=_SUPPRESSED_FILL)
        im = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap=cmap)
        ax.set_yticks(range(7), ctx.t["weekdays"].split(","))
        ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
        ax.set_xlabel(ctx.t["axis_hour"])
        ax.grid(False)
        fig.colorbar(im, ax=ax, shrink=0.8, label=ctx.t["axis_count"])

    return figure(draw, (6.8, 2.8))


def month_chart(ctx: ReportContext, df: pd.DataFrame) -> str | None:
    """Offences per calendar month."""

    def draw(fig, plt):
        ax = fig.add_subplot(111)
        s = df.set_index("month")["weight"].reindex(range(1, 13))
        ax.bar(range(12), pd.to_numeric(s, errors="coerce").fillna(0), color="#1f4e79")
        ax.set_xticks(range(12), ctx.t["months"].split(","))
        ax.set_ylabel(ctx.t["axis_count"])

    return figure(draw, (6.8, 2.4))


def backtest_chart(ctx: ReportContext, mean: pd.DataFrame) -> str | None:
    """Hit rate against share of the area, one line per forecast method."""
    if not {"method", "area_share", "hit_rate"} <= set(mean.columns):
        return None

    def draw(fig, plt):
        ax = fig.add_subplot(111)
        for method, part in mean.groupby("method", sort=False):
            part = part.sort_values("area_share")
            ax.plot(part["area_share"] * 100, part["hit_rate"] * 100, marker="o", label=chart_text(method))
        ax.set_xlabel(ctx.t["col_area_share"] + " (%)")
        ax.set_ylabel(ctx.t["col_hit_rate"] + " (%)")
        ax.set_ylim(bottom=0)
        ax.legend(loc="lower right")

    return figure(draw, (5.6, 2.6))


# --------------------------------------------------------------------------- maps of one focus area
#: Classes meaning "nothing found": drawn as the fill of the districts, not cell by cell.
BACKGROUND_CLASSES = ("not_significant", "no_pattern")

#: Outline colour of the focus area and frame colour of an area map (a test finds the zoom by them).
AREA_OUTLINE = "#7b2cbf"
AREA_FRAME = "#00a0b0"
#: Margin around the focus area on its maps, as a share of its larger side.
AREA_MARGIN = 0.12
#: Margin around the focus areas on the overview's map, as a share of their joint extent's larger side.
FOCUS_MARGIN = 0.35


def map_view(shape: Any) -> tuple[float, float, float, float]:
    """The extent of an area map: the area's bounds plus :data:`AREA_MARGIN` on every side."""
    minx, miny, maxx, maxy = shape.bounds
    pad = AREA_MARGIN * max(maxx - minx, maxy - miny, 1.0)
    return minx - pad, miny - pad, maxx + pad, maxy + pad


def _draw_places(ax: Any, view: tuple[float, float, float, float], districts: Any, police: list[dict[str, Any]],
                 names: list[tuple[str, Any]]) -> None:
    """District outlines, police areas (dashed, named with category and years) and place names inside ``view``."""
    import matplotlib.patheffects as pe
    import shapely

    box = shapely.box(*view)
    if districts is not None and len(districts):
        districts[districts.intersects(box)].boundary.plot(ax=ax, color="#555555", linewidth=0.5)
    halo = [pe.withStroke(linewidth=2.5, foreground="white")]
    for area in police:
        geom = area["geometry"]
        if not geom.intersects(box):
            continue
        ax.plot(*_exterior_xy(geom), color="#1a1a1a", linewidth=1.1, linestyle="--")
    for name, point in names:
        if box.contains(point):
            ax.text(point.x, point.y, chart_text(name, 30), fontsize=6.5, ha="center", va="center",
                    color="#111111", path_effects=halo)


def _exterior_xy(geom: Any) -> tuple[list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []
    for poly in getattr(geom, "geoms", [geom]):
        x, y = poly.exterior.xy
        xs += [*x, np.nan]
        ys += [*y, np.nan]
    return xs, ys


def area_map(ctx: ReportContext, gdf: Any, column: str, *, shape: Any, places: list[tuple[str, Any]],
             police: list[dict[str, Any]], classes: dict[str, ClassInfo] | None = None,
             label: str = "") -> str | None:
    """A map zoomed to one focus area: the cells in view, districts, police areas, place names and the area outline.

    Parameters
    ----------
    ctx : ReportContext
    gdf : GeoDataFrame
        Cells (or districts) with ``column``: class codes when ``classes`` is given, else numbers.
    column : str
    shape : shapely geometry
        The focus area (outlined in :data:`AREA_OUTLINE`; the view is its bounds plus
        :data:`AREA_MARGIN`, framed in :data:`AREA_FRAME`).
    places : list of (name, point)
        Names written on the map (districts in view).
    police : list of dict
        Police areas (:func:`geolage.outputs.map.places.police_areas`).
    classes : dict, optional
    label : str
        Colour bar label of a numeric map.
    """
    import shapely

    view = map_view(shape)
    in_view = gdf[gdf.intersects(shapely.box(*view))] if gdf is not None and len(gdf) else gdf

    def draw(fig, plt):
        ax = fig.add_axes((0.01, 0.16, 0.98, 0.83))
        if in_view is not None and len(in_view) and classes is not None:
            shown = in_view[~in_view[column].isin(BACKGROUND_CLASSES)]
            colors = shown[column].map(lambda c: classes[c].color if c in classes else "#f2f2ee")
            if len(shown):
                shown.plot(ax=ax, color=list(colors), edgecolor="none")
            handles = _legend_patches(classes, in_view[column].dropna().unique(), ctx.lang)
            fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=7, frameon=False)
        elif in_view is not None and len(in_view):
            vals = pd.to_numeric(in_view[column], errors="coerce")
            have = in_view[vals.notna() & (vals > 0)]
            if len(have):
                have.plot(ax=ax, column=column, cmap="YlOrRd", legend=True,
                          legend_kwds={"shrink": 0.5, "label": label, "orientation": "horizontal", "pad": 0.01})
        _draw_places(ax, view, ctx.r.districts, police, places)
        ax.plot(*_exterior_xy(shape), color=AREA_OUTLINE, linewidth=2.2)
        ax.set_xlim(view[0], view[2])
        ax.set_ylim(view[1], view[3])
        ax.set_aspect("equal", adjustable="box")  # the frame shrinks to the view: the area fills it
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_color(AREA_FRAME)
            spine.set_linewidth(3.0)

    return figure(draw, (6.8, 5.6))


def focus_areas_map(ctx: ReportContext, shapes: Any) -> str | None:
    """The focus areas filled, outlined and named among the districts around them (the overview's map of the areas).

    The view is the areas' joint extent with a margin of :data:`FOCUS_MARGIN` of its larger side,
    so small areas in a large municipality can be read.

    Parameters
    ----------
    ctx : ReportContext
    shapes : GeoDataFrame
        One polygon per focus area with ``area_name`` (:func:`geolage.focus.focus_area_shapes`).
    """
    import matplotlib.patheffects as pe
    import shapely

    minx, miny, maxx, maxy = shapes.total_bounds
    pad = FOCUS_MARGIN * max(maxx - minx, maxy - miny, 1.0)
    view = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    frame = shapely.box(*view)

    def draw(fig, plt):
        ax = fig.add_subplot(111)
        d = ctx.r.districts
        if d is not None and len(d):
            near = d[d.intersects(frame)]
            near.plot(ax=ax, color="#f2f2ee", edgecolor="#9a9a9a", linewidth=0.4)
            halo = [pe.withStroke(linewidth=2.0, foreground="white")]
            inside = shapely.union_all(shapes.geometry.values)  # districts of a focus area carry its name instead
            for name, geom in zip(near["district_name"], near.geometry, strict=True):
                part = geom.intersection(frame)
                if part.is_empty or part.area <= 0.004 * frame.area:
                    continue
                point = part.representative_point()
                if not inside.contains(point):
                    ax.text(point.x, point.y, chart_text(name, 24), fontsize=5.5, ha="center", va="center",
                            color="#666666", path_effects=halo)
        shapes.plot(ax=ax, color=AREA_OUTLINE, alpha=0.35, edgecolor="none")
        halo = [pe.withStroke(linewidth=2.5, foreground="white")]
        for name, geom in zip(shapes["area_name"], shapes.geometry, strict=True):
            ax.plot(*_exterior_xy(geom), color=AREA_OUTLINE, linewidth=1.6)
            point = geom.representative_point()
            ax.text(point.x, point.y, chart_text(name, 30), fontsize=8.5, fontweight="bold", ha="center",
                    va="center", color="#111111", path_effects=halo)
        ax.set_xlim(view[0], view[2])
        ax.set_ylim(view[1], view[3])
        ax.set_axis_off()
        ax.set_aspect("equal")

    return figure(draw, _MAP_SIZE)

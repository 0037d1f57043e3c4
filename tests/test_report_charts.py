"""Tests of geolage.outputs.report.charts: a figure is rendered once, to the same PNG as before."""

from __future__ import annotations

import contextlib

import geopandas as gpd
import pytest
from shapely.geometry import box

from geolage.outputs.report import charts


def _draw_map(fig, plt):
    """A small map drawn as the report's maps are: GeoPandas plots (each asks for a draw), legend, aspect."""
    gdf = gpd.GeoDataFrame({"v": [1.0, 3.0, 2.0, 5.0]},
                           geometry=[box(i, j, i + 1, j + 1) for i in range(2) for j in range(2)], crs=3006)
    ax = fig.add_subplot(111)
    gdf.plot(ax=ax, column="v", cmap="YlOrRd", legend=True, edgecolor="#ffffff", linewidth=0.3)
    gdf.boundary.plot(ax=ax, color="#333333", linewidth=0.5)
    gdf.iloc[:2].plot(ax=ax, color="#d9d9d9", hatch="///")
    ax.set_axis_off()
    ax.set_aspect("equal")


@pytest.fixture
def renders(monkeypatch):
    """Count the full renders of a figure (the Agg canvas' draw)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    count = {"n": 0}
    original = FigureCanvasAgg.draw

    def counted(self, *args, **kwargs):
        count["n"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(FigureCanvasAgg, "draw", counted)
    return count


def test_figure_skips_geopandas_idle_draws_and_gives_the_same_png(monkeypatch, renders):
    fast = charts.figure(_draw_map)
    fast_renders = renders["n"]
    renders["n"] = 0
    monkeypatch.setattr(charts, "_no_idle_draws", lambda fig: contextlib.nullcontext())
    reference = charts.figure(_draw_map)  # GeoPandas' draw_idle renders after each of its three plots
    assert reference is not None and reference.startswith("data:image/png;base64,")
    assert fast == reference
    assert renders["n"] == fast_renders + 3  # GeoPandas asked for a render after each of its three plots


def test_figure_restores_the_canvas_draw_idle():
    seen = {}

    def draw(fig, plt):
        seen["fig"] = fig
        fig.add_subplot(111).plot([0, 1], [1, 0])

    assert charts.figure(draw) is not None
    assert "draw_idle" not in vars(seen["fig"].canvas)

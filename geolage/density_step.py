"""Pipeline steps: kernel density rasters per category and the near-repeat (Knox) table."""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import pandas as pd

from .categories import CATEGORIES, category_label
from .density import kde
from .nearrepeat import KNOX_COLUMNS, knox
from .results import RunResults, Table

__all__ = ["add_density", "add_near_repeat"]

log = logging.getLogger(__name__)


def _categories(incidents: pd.DataFrame) -> list[str]:
    present = set(incidents["category"].dropna().astype(str)) if len(incidents) else set()
    return [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))


def add_density(results: RunResults) -> None:
    """Add kernel density rasters ``kde_<category>`` and ``kde_alla`` (incidents per km²).

    One bandwidth and one raster for every category, chosen from all incidents together
    (``[density]`` in the configuration; see :func:`geolage.density.kde`), so surfaces
    can be compared. Rasters cover the analysis grid (raster cells nest in grid cells
    with the automatic cell size) and are NaN outside the study area; there is no edge
    correction, and the share of each surface's mass inside the study area is recorded
    in the raster's parameters (``mass_mask`` of ``total_weight``).

    Parameters
    ----------
    results : RunResults
        Reads ``config.density``, ``incidents``, ``grid`` and ``study_area``; adds rasters
        and records the parameters under ``"density"``.
    """
    cfg = results.config.density
    lang = results.config.project.language
    crs = results.config.project.crs
    inc = results.incidents
    grid = (
        results.grid if results.grid is not None and len(results.grid) and "cell_size" in results.grid.attrs else None
    )
    area = results.study_area if results.study_area is not None and len(results.study_area) else None
    unit = "brott per km²" if lang == "sv" else "incidents per km²"
    xy = inc[["x", "y"]].to_numpy(dtype=float) if len(inc) else inc.reindex(columns=["x", "y"]).to_numpy(dtype=float)
    if grid is None and area is None and not len(xy):
        log.warning("density: no incidents, grid or study area; no density rasters made")
        results.record_parameters("density", n_rasters=0, reason="no incidents and no study area")
        return

    alla = kde(
        xy,
        bandwidth=cfg.bandwidth,
        bandwidth_adjust=cfg.bandwidth_adjust,
        kernel=cfg.kernel,
        cell_size=cfg.cell_size,
        grid=grid,
        mask=area,
        crs=crs,
        bandwidth_bounds=(cfg.bandwidth_min, cfg.bandwidth_max),
        unit=unit,
    )
    shared: dict[str, Any] = {
        k: alla.parameters[k]
        for k in (
            "method",
            "kernel",
            "bandwidth",
            "bandwidth_auto",
            "bandwidth_adjust",
            "bandwidth_rule",
            "bandwidth_rule_value",
            "bandwidth_clamped",
            "bandwidth_bounds",
            "cell_size",
            "cell_size_auto",
            "extent",
            "shape",
            "masked",
        )
        if k in alla.parameters
    }
    surfaces = {"alla": alla}
    for cat in _categories(inc):
        sub = xy[(inc["category"] == cat).to_numpy()]
        surfaces[cat] = kde(
            sub,
            bandwidth=alla.bandwidth,
            kernel=cfg.kernel,
            cell_size=alla.cell_size,
            extent=alla.bounds,
            mask=area,
            crs=crs,
            unit=unit,
            quiet=True,
        )
    order = [c for c in surfaces if c != "alla"] + ["alla"]
    for cat in order:
        res = surfaces[cat]
        label_sv = "Alla brott" if cat == "alla" else category_label(cat, "sv")
        label_en = "All incidents" if cat == "alla" else category_label(cat, "en")
        bw, cs = res.bandwidth, res.cell_size
        raster = res.to_raster(
            f"kde_{cat}",
            title={"sv": f"Kärntäthet: {label_sv}", "en": f"Kernel density: {label_en}"},
            description={
                "sv": (
                    f"Brott per km², {cfg.kernel}-kärna (kvartisk = biweight) med bandbredd {bw:.0f} m, "
                    f"cellstorlek {cs:g} m; tomt utanför studieområdet."
                ),
                "en": (
                    f"Incidents per km², {cfg.kernel} kernel with bandwidth {bw:.0f} m, cell size {cs:g} m; "
                    "empty outside the study area."
                ),
            },
        )
        raster.parameters["category"] = cat
        raster.parameters["unit"] = unit
        results.add_raster(raster)
    results.record_parameters(
        "density",
        **shared,
        n_rasters=len(surfaces),
        bandwidth_from="all incidents (one bandwidth for every category)",
        mass_inside_study_area={c: surfaces[c].parameters.get("mass_mask") for c in order},
    )


def add_near_repeat(results: RunResults) -> None:
    """Add the table ``near_repeat``: the Knox test for ``[near_repeat].category``.

    Columns: ``category`` and those of :data:`geolage.nearrepeat.KNOX_COLUMNS`
    (``distance_band``, ``time_band``, interval bounds and closure, ``observed``,
    ``expected``, ``ratio``, ``p_value``). The summary sentence is the table's
    description and is recorded in the parameters. The permutations use
    ``project.seed``.

    Parameters
    ----------
    results : RunResults
        Reads ``config.near_repeat``, ``config.project.seed`` and ``incidents``.
    """
    cfg = results.config.near_repeat
    seed = results.config.project.seed
    inc = results.incidents
    cat = cfg.category
    sub = inc[inc["category"] == cat] if len(inc) else inc
    label_sv, label_en = category_label(cat, "sv"), category_label(cat, "en")
    title = {
        "sv": f"Upprepning nära i tid och rum (Knox-test): {label_sv}",
        "en": f"Near repeats (Knox test): {label_en}",
    }
    if len(sub) < 2:
        msg = {
            "sv": f"För få händelser ({len(sub)}) av kategorin {label_sv} för ett Knox-test.",
            "en": f"Too few incidents ({len(sub)}) of category {label_en} for a Knox test.",
        }
        log.warning("near_repeat: %s", msg["en"])
        results.add_table(
            Table(
                name="near_repeat",
                data=pd.DataFrame(columns=["category", *KNOX_COLUMNS]),
                title=title,
                description=msg,
                count_columns=("observed",),
            )
        )
        results.record_parameters("near_repeat", category=cat, n_events=int(len(sub)), summary=msg["en"])
        return
    frame = gpd.GeoDataFrame(sub) if not isinstance(sub, gpd.GeoDataFrame) else sub
    res = knox(
        frame[["x", "y", "time"]],
        distance_bands=cfg.distance_bands,
        time_bands=cfg.time_bands,
        permutations=cfg.permutations,
        seed=seed,
        same_location=cfg.same_location,
        category=cat,
    )
    table = res.table.copy()
    table.insert(0, "category", cat)
    results.add_table(
        Table(
            name="near_repeat",
            data=table,
            title=title,
            description=res.summary,
            count_columns=("observed",),
        )
    )
    params = dict(res.parameters)
    params["summary_sv"] = res.summary["sv"]
    params["summary_en"] = res.summary["en"]
    results.record_parameters("near_repeat", **params)

"""Load → validate → index: read and check every input of a run once and build the analysis grid.

:func:`prepare` reads the districts (with the population table), the study area,
overlays, the tables beside the data (reference rates, Brå totals) and every incident
source, validates the incidents (nothing lost: accepted + rejected = read), marks the
focus and reference districts, builds the grid and adds the base tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import logging
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from .. import __version__
from ..config import Config
from ..derived_districts import derived_from
from ..focus import FOCUS_AREA_COLUMN, district_ids, resolve_focus_areas
from ..grid import assign_cells, choose_cell_size, make_grid
from ..io import (
    file_sha256,
    read_bra_totals,
    read_districts,
    read_indicators,
    read_overlay,
    read_population_table,
    read_reference_rates,
    read_survey,
)
from ..preflight import check_distances, check_run_size
from ..previous import with_published
from ..text.labels import set_custom_categories
from ..validate import validate_incidents
from . import schemas
from .results import InputTables, RunResults

__all__ = ["prepare", "read_input_tables", "read_areas", "input_files", "Progress"]

log = logging.getLogger(__name__)

#: Called with a short text before each step (the CLI shows a progress bar).
Progress = Callable[[str], None]


def _noop(_: str) -> None:
    return None

_RECORDED_PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "shapely",
    "pyproj",
    "pyogrio",
    "geopandas",
    "libpysal",
    "esda",
    "mapclassify",
    "statsmodels",
    "rasterio",
    "folium",
    "matplotlib",
)

def _resolve_areas(districts: gpd.GeoDataFrame, config: Config) -> gpd.GeoDataFrame:
    """Mark focus and reference districts from ``[areas]`` (names or ids) and each district's focus area."""
    d = districts.copy()
    areas = resolve_focus_areas(config.areas.focus, d)
    member_of = {m: a.area_id for a in areas for m in a.district_ids}
    d[FOCUS_AREA_COLUMN] = d["district_id"].astype(str).map(member_of)
    d["is_focus"] = d[FOCUS_AREA_COLUMN].notna()
    ref = config.areas.reference
    if ref == "rest":
        d["is_reference"] = ~d["is_focus"]
    elif ref == "all":
        d["is_reference"] = True
    else:
        items = (ref,) if isinstance(ref, str) else tuple(ref)
        d["is_reference"] = d["district_id"].isin(district_ids(items, "areas.reference", d))
    return d


def input_files(config: Config) -> list[Path]:
    """Every input file of a run (config file first), each once: their hashes go into the run record."""
    files = [config.districts.path] if config.districts is not None else []
    files += [s.path for s in config.sources] + [o.path for o in config.overlays]
    for p in (
        config.study_area.path if config.study_area else None,
        config.districts.population_table if config.districts is not None else None,
        config.areas.reference_rates,
        config.project.bra_totals,
        config.hotspots.district_weights,
        config.hotspots.analysis_area if isinstance(config.hotspots.analysis_area, Path) else None,
    ):
        if p is not None:
            files.append(p)
    if config.source_file is not None:
        files.insert(0, config.source_file)
    seen: list[Path] = []
    for f in files:
        if f not in seen:
            seen.append(f)
    return seen

def _package_versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "geolage": __version__}
    for name in _RECORDED_PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out

def read_input_tables(config: Config) -> InputTables:
    """Read the population table, reference rates and Brå totals of a run (those configured)."""
    d = config.districts
    population = None
    if d is not None and d.population_table is not None:
        population = read_population_table(d.population_table, id_field=d.id_field,
                                           population_field=d.population_field)
        population["year"] = population["year"].fillna(config.periods.end.year).astype(int)
    reference = read_reference_rates(config.areas.reference_rates) if config.areas.reference_rates else None
    bra = None
    if config.project.bra_totals is not None:
        bra = read_bra_totals(config.project.bra_totals, municipality_code=config.project.municipality_code)
    ind = config.areas.indicators
    indicators = None
    if ind is not None:
        indicators = read_indicators(ind.path, ind.layer, columns=ind.columns, weight=ind.weight,
                                     crs=config.project.crs)
    survey = read_survey(config.areas.survey) if config.areas.survey is not None else None
    return InputTables(population=population, reference_rates=reference, bra_totals=bra, indicators=indicators,
                       survey=survey)


def _apply_population(districts: gpd.GeoDataFrame, table: pd.DataFrame, config: Config) -> gpd.GeoDataFrame:
    """Population per district from the population table.

    With years, the latest year at or before ``periods.end`` gives the district's
    population (the table keeps every year for yearly rates).
    """
    unknown = sorted(set(table["district_id"]) - set(districts["district_id"]))
    if unknown:
        log.warning("%s: %d district id(s) not in the districts layer, ignored: %s",
                    config.districts.population_table, len(unknown), unknown[:5])
    table = table[table["year"] <= config.periods.end.year].sort_values("year", kind="stable")
    latest = table.groupby("district_id")["population"].last()
    d = districts.copy()
    d["population"] = d["district_id"].map(latest).astype(float)
    return d

def prepare(config: Config, *, progress: Progress = _noop) -> RunResults:
    """Load and validate the data of a run and build the analysis grid.

    Parameters
    ----------
    config : Config
    progress : callable, optional
        Called with a short text before each step (the CLI shows a progress bar).

    Returns
    -------
    RunResults
        With incidents (districts and cells assigned), rejects, districts (focus and
        reference marked), study area, overlays, grid, quality summary and run record;
        no analysis tables yet.

    Raises
    ------
    ConfigError, InputFileError, CRSMismatchError
        Problems with the configuration or the input files.
    """
    started = dt.datetime.now(dt.UTC)
    check_run_size(config)  # grid and raster against the study area and memory, before any data is read
    crs = config.project.crs
    set_custom_categories(config.custom_categories)  # their labels in every table, map and report
    progress(schemas.DISTRICTS.name)
    inputs = read_input_tables(config)
    districts, district_report, area_geom = read_areas(config, inputs)
    # the focus areas, with an earlier run's published figures (previous_output) read before the incidents
    focus_areas = (with_published(resolve_focus_areas(config.areas.focus, districts), config.areas.focus)
                   if config.districts is not None else [])
    overlays = {ov.name: read_overlay(ov, crs=crs) for ov in config.overlays}

    outcome = validate_incidents(config, districts, area_geom, progress=lambda name: progress(f"source {name}"))
    incidents, rejects, quality = outcome.incidents, outcome.rejects, outcome.quality
    if config.districts is None:
        area_geom, area_rule = _study_area_geometry(area_geom, incidents, config)
        districts = _whole_area_district(area_geom, config)
        incidents["district_id"] = districts["district_id"].iloc[0]
        incidents["district_name"] = districts["district_name"].iloc[0]
        quality["outside_districts"] = 0
        district_report = {"n_districts": 1, "repaired": 0, "whole_area": True}
    study_area = gpd.GeoDataFrame({"name": [config.project.name]}, geometry=[area_geom], crs=crs)
    quality[schemas.DISTRICTS.name] = district_report

    progress(schemas.GRID.name)
    if config.grid.cell_size == "auto":
        size, reason = choose_cell_size(incidents["x"].to_numpy(), incidents["y"].to_numpy())
    else:
        size, reason = int(config.grid.cell_size), "set in the configuration"
    check_distances(config, size)  # a fixed neighbourhood distance against an automatic cell
    grid = make_grid(area_geom, size, crs=crs)
    incidents["cell_id"] = assign_cells(incidents["x"].to_numpy(), incidents["y"].to_numpy(), grid)
    quality["outside_grid"] = int(incidents["cell_id"].isna().sum())

    results = RunResults(
        config=config,
        incidents=incidents,
        rejects=rejects,
        districts=districts,
        grid=grid,
        study_area=study_area,
        overlays=overlays,
        focus_areas=focus_areas,
        inputs=inputs,
        quality=quality,
    )
    _add_base_tables(results)
    if config.districts is None:
        results.record_parameters(
            schemas.DISTRICTS.name, districts="none: the whole study area is one district (grid-only run)",
            study_area=area_rule, hull_buffer_m=config.grid.hull_buffer,
        )
    elif (column := derived_from(config.districts.path, config.districts.layer)) is not None:
        results.record_parameters(schemas.DISTRICTS.name, drawn_from_incident_column=column)  # the report says so
    results.record_parameters(schemas.GRID.name, cell_size_m=size, cell_size_rule=reason, n_cells=len(grid))
    results.record_parameters(
        "validation",
        duplicate_distance_m=config.validation.duplicate_distance,
        duplicate_minutes=config.validation.duplicate_minutes,
        as_of=str(config.project.as_of or dt.date.today()),
        outside_districts=config.validation.outside_districts,
        announce=False,
    )
    config_json = json.dumps(config.to_dict(), sort_keys=True, ensure_ascii=False)
    results.record = {
        "geolage_version": __version__,
        "synthetic_data": config.project.synthetic,
        "seed": config.project.seed,
        "config_sha256": hashlib.sha256(config_json.encode()).hexdigest(),
        "input_sha256": {str(p): file_sha256(p) for p in input_files(config)},
        "packages": _package_versions(),
        "started_utc": started.isoformat(timespec="seconds"),
    }
    return results


def read_areas(
    config: Config, inputs: InputTables | None = None
) -> tuple[gpd.GeoDataFrame, dict[str, Any] | None, Any]:
    """The districts (population and focus/reference areas applied), their report and the study area.

    Without ``[districts]`` the one whole-area district and the study area are made after validation
    (from the points' hull when no study area is given); the report is then None.

    Parameters
    ----------
    config : Config
    inputs : InputTables, optional
        The tables beside the data; the population table (if any) is applied to the districts.
        None leaves the population as the layer has it (``geolage init`` measuring losses).

    Returns
    -------
    districts : GeoDataFrame
    report : dict or None
        What :func:`geolage.io.read_districts` repaired.
    study_area : shapely geometry or None
    """
    crs = config.project.crs
    district_report = None
    area_geom = None
    if config.study_area is not None:
        area_layer = read_overlay(config.study_area, crs=crs)
        area_geom = shapely.union_all(shapely.make_valid(area_layer.geometry.values))
    if config.districts is not None:
        districts, district_report = read_districts(config.districts, crs=crs)
        if inputs is not None and inputs.population is not None:
            districts = _apply_population(districts, inputs.population, config)
        districts = _resolve_areas(districts, config)
        if area_geom is None:
            area_geom = shapely.union_all(districts.geometry.values)
    else:
        districts = _whole_area_district(area_geom, config)  # area_geom None: filled in after validation
    return districts, district_report, area_geom

#: District id of the one district of a run without ``[districts]``: the whole study area.
WHOLE_AREA_ID = "study_area"


def _whole_area_district(area: shapely.Geometry | None, config: Config) -> gpd.GeoDataFrame:
    """The one district of a run without ``[districts]``: the study area, named after the project."""
    # Before validation without [study_area] the area is not known yet: a box around everything.
    geom = area if area is not None else shapely.box(-1e12, -1e12, 1e12, 1e12)
    d = gpd.GeoDataFrame(
        {"district_id": [WHOLE_AREA_ID], "district_name": [config.project.name], "population": [float("nan")],
         "is_focus": [False], "is_reference": [True], FOCUS_AREA_COLUMN: [None]},
        geometry=[geom], crs=config.project.crs,
    )
    d.index = pd.Index(d["district_id"], name=None)
    return d


def _study_area_geometry(
    given: shapely.Geometry | None, incidents: gpd.GeoDataFrame, config: Config
) -> tuple[shapely.Geometry, str]:
    """The study area of a run without districts: ``[study_area]``, or the points' buffered convex hull."""
    if given is not None:
        return given, "study_area layer"
    if len(incidents) == 0:  # validate still reports why; a run on no incidents has nothing to show
        log.warning("no incident was accepted, so no study area can be drawn around them; check the sources "
                    "(geolage validate lists why rows were rejected) or give [study_area]")
        return shapely.box(0, 0, 1, 1), "none: no incident was accepted"
    pts = shapely.points(incidents["x"].to_numpy(float), incidents["y"].to_numpy(float))
    hull = shapely.convex_hull(shapely.multipoints(pts))
    buffer = max(float(config.grid.hull_buffer), 1.0)
    log.info("study area: convex hull of the %d accepted incidents buffered by %.0f m (no [study_area] or "
             "[districts] given)", len(incidents), buffer)
    return hull.buffer(buffer), f"convex hull of the incidents buffered by {buffer:.0f} m"


def _add_base_tables(results: RunResults) -> None:
    """The validated data as tables: incidents and rejects (internal only), districts, grid, data quality."""
    inc = results.incidents
    results.add_table(schemas.INCIDENTS.table(inc))
    results.add_table(schemas.REJECTS.table(results.rejects))
    d = results.districts
    districts = gpd.GeoDataFrame(
        d[[*schemas.DISTRICTS.columns, "geometry"]].reset_index(
            drop=True
        ),
        crs=d.crs,
    )
    results.add_table(schemas.DISTRICTS.table(districts))
    g = results.grid
    counts = inc["cell_id"].value_counts()
    grid_table = gpd.GeoDataFrame(
        g[["cell_id", "x0", "y0", "area_share", "geometry"]].reset_index(drop=True), crs=g.crs
    )
    grid_table["count"] = grid_table["cell_id"].map(counts).fillna(0).astype(int)
    results.add_table(schemas.GRID.table(grid_table))
    rows = []
    for name, s in results.quality["per_source"].items():
        base = {
            "source": name,
            "read": s["read"],
            "accepted": s["accepted"],
            "rejected": s["rejected"],
            "geocoded_share": s["geocoded_share"],
            "personnummer_masked": s["personnummer_masked"],
            "repeated_id_rows": s.get("repeated_ids", {}).get("rows", 0),  # kept, but worth a look (issue 15)
        }
        for reason, n in s["rejected_by_reason"].items():
            base[f"rejected_{reason}"] = n
        for fix, n in s["fixes"].items():
            base[f"fixed_{fix}"] = n
        rows.append(base)
    results.add_table(schemas.DATA_QUALITY.table(pd.DataFrame(rows).fillna(0)))

"""The result of a run: every table, raster and chosen parameter, handed to the exporters.

Analysis steps add to a :class:`RunResults`; exporters (GeoPackage, GeoTIFF, map,
report) read from it and never recompute statistics. Each table says which of its
columns hold incident counts (so that public outputs can suppress small counts)
and whether it may only appear in internal outputs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine

from ..config import Config
from ..focus import FocusArea

__all__ = ["Table", "Raster", "InputTables", "RunResults"]

log = logging.getLogger(__name__)


@dataclass
class Table:
    """One result table (written as a GeoPackage layer and a CSV file).

    Attributes
    ----------
    name : str
        snake_case name; the GeoPackage layer and CSV file are named after it.
    data : DataFrame or GeoDataFrame
        The table. GeoDataFrames are in the run's CRS.
    title, description : dict
        ``{"sv": ..., "en": ...}`` texts for layer titles, legends and the report.
    count_columns : tuple of str
        Columns holding incident counts: suppressed below ``output.min_count`` in
        public outputs.
    internal_only : bool
        True for tables that identify incidents (incident points, rejects): never in
        public outputs.
    style : str, optional
        Style key for exporters: ``"rate"``, ``"count"``, ``"gistar"``, ``"lisa"``,
        ``"emerging"``, ``"forecast"``, ``"points"`` or None (no map style).
    style_column : str, optional
        The column the style classifies.
    area_parts : dict of str to tuple of str
        Rows of column ``area`` that are sums of other rows: area id -> the district ids it
        adds up (a named focus area, all focus areas, the whole area). Disclosure control
        protects hidden counts against these sums. Empty: the whole area sums every other row
        except all focus areas.
    """

    name: str
    data: pd.DataFrame
    title: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    count_columns: tuple[str, ...] = ()
    internal_only: bool = False
    style: str | None = None
    style_column: str | None = None
    area_parts: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_spatial(self) -> bool:
        """True when the table has geometry."""
        return isinstance(self.data, gpd.GeoDataFrame)


@dataclass
class Raster:
    """A raster surface (written as a Cloud-Optimized GeoTIFF).

    Attributes
    ----------
    name : str
        File name stem.
    array : ndarray
        2-D float array, first row is the northernmost; NaN where no data.
    transform : affine.Affine
        Pixel-to-CRS transform (north-up).
    crs : str
        CRS of the grid, e.g. ``"EPSG:3006"``.
    unit : str
        Unit of the values, e.g. ``"incidents per km²"``.
    title, description : dict
        ``{"sv": ..., "en": ...}`` texts.
    parameters : dict
        Method parameters (kernel, bandwidth, cell size …) stored in the file metadata.
    """

    name: str
    array: np.ndarray
    transform: Affine
    crs: str
    unit: str
    title: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class InputTables:
    """Tables read beside the data (each once, in :func:`geolage.run.prepare.prepare`).

    Attributes
    ----------
    population : DataFrame, optional
        ``district_id``, ``year``, ``population`` from ``districts.population_table``
        (:func:`geolage.io.read_population_table`; ``year`` is the last year of the
        span when the table has none).
    reference_rates : DataFrame, optional
        From ``areas.reference_rates`` (:func:`geolage.io.read_reference_rates`).
    bra_totals : DataFrame, optional
        From ``project.bra_totals`` (:func:`geolage.io.read_bra_totals`).
    indicators : GeoDataFrame, optional
        From ``areas.indicators`` (:func:`geolage.io.read_indicators`), in the run's CRS.
    survey : DataFrame, optional
        From ``areas.survey`` (:func:`geolage.io.read_survey`).
    """

    population: pd.DataFrame | None = None
    reference_rates: pd.DataFrame | None = None
    bra_totals: pd.DataFrame | None = None
    indicators: gpd.GeoDataFrame | None = None
    survey: pd.DataFrame | None = None


@dataclass
class RunResults:
    """Everything one run produced, in the order the pipeline made it.

    Attributes
    ----------
    config : Config
    incidents : GeoDataFrame
        Accepted incidents (schema in :mod:`geolage.validate`).
    rejects : DataFrame
        Rejected rows with reason codes.
    districts : GeoDataFrame
        Districts indexed by ``district_id`` with ``district_name``, ``population``.
    grid : GeoDataFrame
        Analysis grid indexed by ``cell_id``.
    study_area : GeoDataFrame
        One polygon: the study area.
    overlays : dict of GeoDataFrame
        Boundary layers for maps (name -> layer).
    focus_areas : list of FocusArea
        The focus areas of ``[areas] focus``, resolved against the districts once
        (:func:`geolage.focus.resolve_focus_areas`).
    inputs : InputTables
        Population, reference rates and Brå totals as read.
    tables, rasters : dict
        Results by name.
    parameters : dict
        ``{step: {parameter: value}}`` of every parameter used, especially those
        chosen automatically. Recorded in run.json, the GeoPackage and the report.
    quality : dict
        The data-quality summary from validation.
    record : dict
        Run record: seeds, input hashes, package versions, timestamps.
    public : bool
        True for the public version made by :func:`geolage.run.disclosure.public_results`
        (disclosure control applied once); every output checks this flag, nothing else.
    """

    config: Config
    incidents: gpd.GeoDataFrame
    rejects: pd.DataFrame
    districts: gpd.GeoDataFrame
    grid: gpd.GeoDataFrame
    study_area: gpd.GeoDataFrame
    overlays: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    focus_areas: list[FocusArea] = field(default_factory=list)
    inputs: InputTables = field(default_factory=InputTables)
    tables: dict[str, Table] = field(default_factory=dict)
    rasters: dict[str, Raster] = field(default_factory=dict)
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    quality: dict[str, Any] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    public: bool = False

    def add_table(self, table: Table) -> None:
        """Add (or replace) a result table."""
        self.tables[table.name] = table

    def add_raster(self, raster: Raster) -> None:
        """Add (or replace) a raster surface."""
        self.rasters[raster.name] = raster

    def record_parameters(self, step: str, announce: bool = True, **parameters: Any) -> None:
        """Record the parameters a step used, and announce them in the log."""
        self.parameters.setdefault(step, {}).update(parameters)
        if announce:
            text = ", ".join(f"{k} = {v}" for k, v in parameters.items())
            log.info("%s: %s", step, text)

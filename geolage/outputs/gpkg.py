"""The GeoPackage for GIS staff: one layer per result, each with its default QGIS style in ``layer_styles``.

:func:`write_geopackage` writes ``lagesbild.gpkg``: districts, every result table,
the analysis grid, study area, overlays, the ``run_metadata`` table, and in internal
mode also ``incidents`` and ``rejects``; CRS of the run (SWEREF 99 TM, EPSG:3006).
Field names stay snake_case (stable for scripts); QGIS shows Swedish (or English)
aliases. Every layer has a default QGIS style in the ``layer_styles`` table, which
QGIS applies when the layer is opened (:mod:`geolage.outputs.qgis.styles`). Per-district
tables shown with their district's polygon (``series``, ``counts_source``, …) are views on
``districts`` over an attribute table ``<name>_rows`` (:mod:`geolage.outputs.gpkg_views`).

:func:`collect_layers` says what the layers are (title, look, group in the QGIS
project); the project (:mod:`geolage.outputs.qgis.project`) reads the same list.
The density surfaces are GeoTIFFs (:mod:`geolage.outputs.geotiff`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import math
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from ..categories import ALL_CATEGORIES, CATEGORIES
from ..errors import CRSMismatchError
from ..focus import focus_area_shapes, focus_areas_of
from ..run import schemas
from ..run.results import RunResults, Table
from ..stats.rates import WHOLE_PERIOD
from ..text.format import check_language
from ..text.outputs import SYNTHETIC_NOTE
from ..text.spatial import (
    DISTRICTS_LAYER_TITLE,
    FOCUS_LAYER_TITLE,
    GRID_LAYER_TITLE,
    INCIDENTS_LAYER_TITLE,
    REJECTS_LAYER_TITLE,
    RUN_METADATA_LAYER_TITLE,
    STUDY_AREA_LAYER_TITLE,
    in_language,
)
from .common import public_view
from .gpkg_views import ROWS_TITLE, district_rows, key_alias, write_district_view
from .map.scale import half_widths
from .names import config_codes, output_code, output_codes, output_name, output_text
from .qgis.files import atomic_path, clean_text, jsonable, layer_name
from .qgis.rates import RateLegend, rate_classes, rate_legend, series_of
from .qgis.styles import GRADUATED_STYLES, STYLE_CLASSES, qml_string, symbol_type_for, vector_style
from .record import for_output

__all__ = [
    "GPKG_NAME",
    "GEOMETRY_COLUMN",
    "LAYER_STYLES_COLUMNS",
    "STUDY_AREA_LAYER",
    "RUN_METADATA_LAYER",
    "OVERLAY_PREFIX",
    "Layer",
    "collect_layers",
    "default_filter",
    "informative_cells",
    "with_synthetic_note",
    "write_geopackage",
]

log = logging.getLogger(__name__)

#: File name of the GeoPackage inside the output folder.
GPKG_NAME = "lagesbild.gpkg"
#: Geometry column of every GeoPackage layer.
GEOMETRY_COLUMN = "geom"
#: Layers that are not result tables: the study area, the run record, overlays (``overlay_<name>``).
STUDY_AREA_LAYER = "study_area"
#: The focus districts, outlined and labelled above every other layer.
FOCUS_LAYER = "focus_areas"
RUN_METADATA_LAYER = "run_metadata"
OVERLAY_PREFIX = "overlay_"
#: Columns of the ``layer_styles`` table, as QGIS creates it.
LAYER_STYLES_COLUMNS = (
    "id",
    "f_table_catalog",
    "f_table_schema",
    "f_table_name",
    "f_geometry_column",
    "styleName",
    "styleQML",
    "styleSLD",
    "useAsDefault",
    "description",
    "owner",
    "ui",
    "update_time",
)

_LAYER_STYLES_DDL = """
CREATE TABLE IF NOT EXISTS "layer_styles" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "f_table_catalog" TEXT(256),
  "f_table_schema" TEXT(256),
  "f_table_name" TEXT(256),
  "f_geometry_column" TEXT(256),
  "styleName" TEXT(30),
  "styleQML" TEXT,
  "styleSLD" TEXT,
  "useAsDefault" BOOLEAN,
  "description" TEXT,
  "owner" TEXT(30),
  "ui" TEXT(30),
  "update_time" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)
"""

#: Style keys of the hot spot layers (the project's "Hotspots" group, one shown at a time).
_HOTSPOT_STYLES = ("gistar", "lisa", "emerging", "forecast")
#: The hotspot layer shown when the project opens (first present).
_DEFAULT_HOTSPOT = tuple(
    s.name
    for s in (
        schemas.GISTAR_GRID,
        schemas.EMERGING_GRID,
        schemas.LISA_GRID,
        schemas.GISTAR_DISTRICT,
        schemas.LISA_DISTRICT,
        schemas.FORECAST_GRID,
    )
)
#: Class codes that mean "no result" in per-cell tables.
_EMPTY_CLASSES = {"gistar_class": "not_significant", "lisa_cluster": "not_significant",
                  "emerging_category": "no_pattern"}


# --------------------------------------------------------------------------- layers
@dataclasses.dataclass
class Layer:
    """One GeoPackage layer to write, with what its style and the QGIS project need.

    ``group`` is the project's layer group (``areas``, ``hotspots``, ``density``,
    ``base``, ``tables``); ``visible`` whether it is shown when the project opens;
    ``outline`` the outline colour and width (mm) of polygons; ``from_table`` whether
    it is a result table (not one of the run's base layers); ``rate_legend`` the map's
    reference and the legend heading of a rate layer (:mod:`geolage.outputs.qgis.rates`).
    """

    name: str
    data: pd.DataFrame
    title: str
    description: str = ""
    style: str | None = None
    style_column: str | None = None
    group: str = "tables"
    visible: bool = False
    outline_only: bool = False
    color: str = "#3182bd"
    outline: tuple[str, float] | None = None
    from_table: bool = False
    label_field: str | None = None
    rate_legend: RateLegend | None = None
    #: :func:`pyogrio.read_info` of the layer as written (set by :func:`write_geopackage_layers`), so
    #: the QGIS project need not open the GeoPackage again for each layer.
    info: dict[str, Any] | None = dataclasses.field(default=None, repr=False, compare=False)
    #: A per-district table joined to the district polygons: its key column (``district_id`` or ``area``),
    #: so the layer can be written as a view on the districts layer (:mod:`.gpkg_views`).
    district_key: str | None = None


def collect_layers(results: RunResults, language: str) -> list[Layer]:
    """The layers of the GeoPackage, in the order they are written.

    Parameters
    ----------
    results : RunResults
        The run as the output may show it (:func:`geolage.outputs.common.public_view`):
        public results give no internal-only table, no ``incidents`` and no ``rejects``.
    language : {"sv", "en"}
        Language of the titles.

    Returns
    -------
    list of Layer
        ``districts``, the result tables (names as in ``results.tables``), ``grid``,
        ``study_area``, ``overlay_<name>``, [``incidents``, ``rejects``],
        ``run_metadata``. A result table named like a base layer takes its place
        (see :func:`_merge`). One hot spot layer is visible (:data:`_DEFAULT_HOTSPOT`).
    """
    tables = [
        dataclasses.replace(_table_layer(name, table, language, results.districts),
                            rate_legend=_rate_legend(results, table, language))
        for name, table in results.tables.items()
        if not (results.public and table.internal_only)
    ]
    metadata = Layer(
        RUN_METADATA_LAYER, _run_metadata(results, language), in_language(RUN_METADATA_LAYER_TITLE, language)
    )
    layers: dict[str, Layer] = {}
    for layer in (*_districts_layer(results, language), *tables, *_base_layers(results, language), metadata):
        old = layers.get(layer.name)
        if old is None:
            layers[layer.name] = layer
        elif old.from_table != layer.from_table:
            layers[layer.name] = _merge(old, layer)
        else:
            log.warning("two results are named %r: the later one is written", layer.name)
            layers[layer.name] = layer
    _show_default_hotspot(layers)
    return list(layers.values())


def _rate_legend(results: RunResults, table: Table, language: str) -> RateLegend | None:
    """The map's reference rate and the legend heading of a rate table's default view (None for other tables)."""
    if table.style != "rate" or not table.style_column:
        return None
    return rate_legend(table.data, table.style_column, default_filter(table.data), series_of(results.tables),
                       results.config.statistics.rate_per, language)


def _merge(old: Layer, new: Layer) -> Layer:
    """A result table named like a base layer (the pipeline adds ``districts``, ``grid``, …).

    The table's data, title and style; the base layer's place, look and labels in the project.
    """
    table, base = (new, old) if new.from_table else (old, new)
    plain = table.style in (None, "points")
    return dataclasses.replace(
        table,
        group=base.group,
        visible=base.visible,
        outline=base.outline,
        outline_only=base.outline_only and table.style is None,
        color=base.color if plain else table.color,
        label_field=table.label_field or base.label_field,
    )


def _districts_layer(results: RunResults, language: str) -> Iterator[Layer]:
    """The district boundaries, shown first (outline only)."""
    if results.districts is not None and len(results.districts.columns):
        yield Layer(
            schemas.DISTRICTS.name,
            results.districts,
            in_language(DISTRICTS_LAYER_TITLE, language),
            group="outlines",
            visible=True,
            outline_only=True,
            outline=("#252525", 0.4),
            label_field="district_name" if "district_name" in results.districts.columns else None,
        )
        if "is_focus" in results.districts.columns:
            focus = focus_area_shapes(results.districts, focus_areas_of(results))
            if len(focus):  # one polygon per focus area (its districts dissolved), labelled with its name
                yield Layer(
                    FOCUS_LAYER,
                    focus,
                    in_language(FOCUS_LAYER_TITLE, language),
                    group="outlines",
                    visible=True,
                    outline_only=True,
                    outline=("#000000", 1.0),
                    label_field="area_name",
                )


def _with_district_geometry(table: Table, districts: gpd.GeoDataFrame | None) -> pd.DataFrame | None:
    """A per-district table without geometry joined to the district polygons (None when it cannot be)."""
    if table.is_spatial or districts is None or "district_id" not in districts.columns or districts.crs is None:
        return None
    key = next((c for c in ("district_id", "area") if c in table.data.columns), None)
    if key is None:
        return None
    shapes = districts[["district_id", districts.geometry.name]].copy()
    shapes["district_id"] = shapes["district_id"].astype(str)
    data = table.data.copy()
    ids = data[key].astype(str)
    if not ids.isin(set(shapes["district_id"])).any():
        return None
    merged = data.assign(_join=ids).merge(shapes.rename(columns={"district_id": "_join"}), on="_join", how="left")
    return gpd.GeoDataFrame(merged.drop(columns="_join"), geometry=districts.geometry.name, crs=districts.crs)


def _table_layer(name: str, table: Table, language: str, districts: gpd.GeoDataFrame | None = None) -> Layer:
    """A result table as a layer (per-cell tables only with the rows that carry a result).

    Per-district tables without geometry (``forecast_district``, ``comparison``) get
    the district polygons, so they can be mapped.
    """
    joined = _with_district_geometry(table, districts)
    if joined is not None:
        key = next(c for c in ("district_id", "area") if c in table.data.columns)
        return Layer(layer_name(name), output_codes(joined, language), in_language(table.title, language, name),
                     in_language(table.description, language), group="areas", outline_only=False,
                     color="#9e9ac8", outline=("#54278f", 0.3), from_table=True, district_key=key)
    return Layer(
        layer_name(name),
        output_codes(informative_cells(table.data), language),
        in_language(table.title, language, name),
        in_language(table.description, language),
        style=table.style,
        style_column=table.style_column,
        group=_group_for(table),
        outline=("#969696", 0.0) if "cell_id" in table.data.columns else None,  # cells: no outline
        from_table=True,
    )


def _group_for(table: Table) -> str:
    if not table.is_spatial:
        return "tables"
    if table.style in _HOTSPOT_STYLES:
        return "hotspots"
    if table.style == "points":
        return "base"
    return "areas"


def _base_layers(results: RunResults, language: str) -> Iterator[Layer]:
    """The run's own layers after the results: grid, study area, overlays, and internally incidents and rejects."""
    if results.grid is not None and len(results.grid.columns):
        yield Layer(
            schemas.GRID.name,
            results.grid,
            in_language(GRID_LAYER_TITLE, language),
            group="base",
            outline_only=True,
            outline=("#969696", 0.1),
        )
    if results.study_area is not None and len(results.study_area.columns):
        yield Layer(
            STUDY_AREA_LAYER,
            results.study_area,
            in_language(STUDY_AREA_LAYER_TITLE, language),
            group="outlines",
            visible=True,
            outline_only=True,
            outline=("#000000", 0.6),
        )
    label_fields = {ov.name: ov.label_field for ov in results.config.overlays}
    for oname, overlay in (results.overlays or {}).items():
        label = label_fields.get(oname)
        if label not in overlay.columns:
            label = next((c for c in ("label", "name", "namn", "NAMN") if c in overlay.columns), None)
        yield Layer(
            f"{OVERLAY_PREFIX}{layer_name(oname)}",
            overlay,
            str(oname),
            group="outlines",
            visible=True,
            outline_only=True,
            outline=("#7a0177", 0.7),
            label_field=label,
        )
    if results.public:
        return
    if results.incidents is not None and len(results.incidents):
        yield Layer(
            schemas.INCIDENTS.name,
            output_codes(results.incidents, language),
            in_language(INCIDENTS_LAYER_TITLE, language),
            style="points",
            group="base",
            color="#e31a1c",
        )
    if results.rejects is not None and len(results.rejects.columns):
        yield Layer(schemas.REJECTS.name, results.rejects, in_language(REJECTS_LAYER_TITLE, language))


def _show_default_hotspot(layers: Mapping[str, Layer]) -> None:
    """Make one hot spot layer visible: the first of :data:`_DEFAULT_HOTSPOT` present, else the first one."""
    hotspots = [n for n, lyr in layers.items() if lyr.group == "hotspots"]
    shown = next((n for n in _DEFAULT_HOTSPOT if n in hotspots), hotspots[0] if hotspots else None)
    if shown is not None:
        layers[shown].visible = True


def informative_cells(data: pd.DataFrame) -> pd.DataFrame:
    """Rows of a per-grid-cell result table that carry a result.

    A grid covers the whole study area, so most cells of most categories hold no incident
    and no significant class; writing each of them as a polygon per category makes the
    GeoPackage hundreds of megabytes for a municipality. Rows are kept when the cell has
    incidents (in public outputs: at least ``output.min_count``, since counts 0–4 are
    withheld alike) or a class other than "not significant" / "no pattern"; forecast rows
    are kept within the top 10 % of the area.
    Tables without ``cell_id`` are returned unchanged, and the CSV tables keep every row.
    """
    if "cell_id" not in data.columns or not isinstance(data, gpd.GeoDataFrame):
        return data
    keep = pd.Series(False, index=data.index)
    informative = False
    if "count" in data.columns:
        count = pd.to_numeric(data["count"], errors="coerce")
        keep |= count.fillna(0) > 0
        informative = True
    for column, empty in _EMPTY_CLASSES.items():
        if column in data.columns:
            keep |= data[column].astype(str) != empty
            informative = True
    if "in_top_10" in data.columns:
        keep = data["in_top_10"].fillna(False).astype(bool)
        informative = True
    return data[keep] if informative else data


def default_filter(data: pd.DataFrame) -> dict[str, str]:
    """Choose the rows a long result table shows by default: one category, the whole period.

    Parameters
    ----------
    data : DataFrame

    Returns
    -------
    dict
        ``{column: value}``: ``category`` = ``"alla"`` (else the first category
        present), ``period`` = ``"hela"`` (else the latest period), ``method`` = the
        first method; in the codes of either language (:func:`~geolage.outputs.names.output_code`).
        Columns that are absent or hold one value are not listed.
    """
    out: dict[str, str] = {}
    if "category" in data.columns:
        cats = [str(c) for c in pd.unique(data["category"].dropna())]
        if len(cats) > 1:
            first = [code for c in (ALL_CATEGORIES, *CATEGORIES) for code in (c, output_code(c, "en"))]
            ordered = [c for c in first if c in cats] or sorted(cats)
            out["category"] = ordered[0]
    if "period" in data.columns:
        periods = [str(p) for p in pd.unique(data["period"].dropna())]
        if len(periods) > 1:
            whole = [w for w in (WHOLE_PERIOD, output_code(WHOLE_PERIOD, "en")) if w in periods]
            out["period"] = whole[0] if whole else sorted(periods)[-1]
    if "method" in data.columns:
        methods = [str(m) for m in pd.unique(data["method"].dropna())]
        if len(methods) > 1:
            out["method"] = methods[0]
    return out


def _filtered(data: pd.DataFrame, filters: Mapping[str, str]) -> pd.DataFrame:
    mask = np.ones(len(data), dtype=bool)
    for col, value in filters.items():
        mask &= (data[col].astype("str") == value).to_numpy()
    return data.loc[mask]


def with_synthetic_note(results: RunResults) -> RunResults:
    """Put the synthetic-data note first in every table and raster description (QGIS shows it).

    ``results`` unchanged when the run is not made from synthetic data.
    """
    if not results.config.project.synthetic:
        return results

    def note(desc: Mapping[str, str]) -> dict[str, str]:
        return {lang: f"{SYNTHETIC_NOTE[lang]} {desc.get(lang, '')}".strip() for lang in ("sv", "en")}

    tables = {n: dataclasses.replace(t, description=note(t.description)) for n, t in results.tables.items()}
    rasters = {n: dataclasses.replace(r, description=note(r.description)) for n, r in results.rasters.items()}
    return dataclasses.replace(results, tables=tables, rasters=rasters)


def _run_metadata(results: RunResults, language: str) -> pd.DataFrame:
    """Flatten the run record into a long key/value table (``section``, ``key``, ``value``, ``value_type``)."""
    rows: list[tuple[str, str, str, str]] = []

    def flatten(section: str, prefix: str, obj: Any) -> None:
        if isinstance(obj, dict) and obj:
            for k, v in obj.items():
                flatten(section, f"{prefix}.{k}" if prefix else str(k), v)
            return
        value = jsonable(obj)
        vtype = type(value).__name__ if value is not None else "null"
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        rows.append((section, prefix, text, vtype))

    mode = "public" if results.public else "internal"
    flatten("run", "", {"mode": mode, "language": language, "geolage_export": output_name("gpkg", language)})
    flatten("record", "", for_output(results, results.record))
    for step, params in for_output(results, results.parameters).items():
        flatten(f"parameters.{step}", "", params)
    try:
        config = results.config.to_dict()
    except Exception as exc:  # noqa: BLE001 - the record must still be written
        log.warning("config not recorded in run_metadata: %s", exc)
        config = {}
    flatten("config", "", config_codes(for_output(results, config), language))  # its category codes
    flatten("quality", "", for_output(results, results.quality))
    rows = [(section, key, value, vtype) if section == "config" else
            (section, output_text(key, language), output_text(value, language), vtype)
            for section, key, value, vtype in rows]
    return pd.DataFrame(rows, columns=["section", "key", "value", "value_type"])


# --------------------------------------------------------------------------- writing
def write_geopackage(
    results: RunResults,
    path: str | Path,
    *,
    mode: Literal["public", "internal"] = "public",
    language: Literal["sv", "en"] = "sv",
) -> list[str]:
    """Write every result as a layer of one GeoPackage, each with its default QGIS style.

    Parameters
    ----------
    results : RunResults
        The run; in ``"public"`` mode only its public view is written
        (:func:`geolage.outputs.common.public_view`).
    path : str or Path
        The ``.gpkg`` file; replaced if it exists.
    mode : {"public", "internal"}
        ``"internal"`` adds ``incidents`` (points) and ``rejects``.
    language : {"sv", "en"}
        Language of layer titles, legend labels and field aliases.

    Returns
    -------
    list of str
        The layers written, in order: ``districts``, the result tables (names as in
        ``results.tables``), ``grid``, ``study_area``, ``overlay_<name>``,
        [``incidents``, ``rejects``], ``run_metadata``.

    Raises
    ------
    ValueError
        ``mode`` or ``language`` not one of the values above.
    CRSMismatchError
        A layer has no CRS. Layers in another CRS are reprojected to the run CRS.

    Notes
    -----
    Layer title and description are in ``gpkg_contents.identifier`` /
    ``description``. Styles are rows of ``layer_styles`` (the table QGIS reads and
    writes, registered in ``gpkg_contents`` as attributes) with ``useAsDefault`` = 1;
    how each style is chosen is described in :mod:`geolage.outputs.qgis.styles`. Graduated
    class breaks are computed on the rows the project shows by default
    (:func:`default_filter`). ``run_metadata`` holds the run record, every recorded
    parameter, the configuration and the data-quality summary as rows of
    ``section``, ``key``, ``value`` (JSON text for non-strings), ``value_type``.
    The file is written under a temporary name and renamed when complete.
    """
    return [layer.name for layer in write_geopackage_layers(results, path, mode=mode, language=language)]


def write_geopackage_layers(
    results: RunResults,
    path: str | Path,
    *,
    mode: Literal["public", "internal"] = "public",
    language: Literal["sv", "en"] = "sv",
) -> list[Layer]:
    """As :func:`write_geopackage`, returning the layers as written: each one's ``data`` is the frame in the file.

    The QGIS project takes its layers' titles, groups and default filters from them instead of
    collecting the layers again and reading the file back
    (:func:`geolage.outputs.qgis.project.write_qgis_project`).
    """
    check_language(language)
    results = with_synthetic_note(public_view(results, mode, language))
    path = Path(path)
    crs = results.config.project.crs
    styles: list[dict] = []
    layers: list[Layer] = []
    identifiers: set[str] = set()
    districts = None  # the districts layer once written: per-district tables become views on it
    with atomic_path(path) as tmp, _sqlite_without_sync():
        for layer in collect_layers(results, language):
            styles += _write_layer(tmp, layer, crs, language, identifiers, first=not styles, districts=districts)
            layers.append(layer)
            if layer.name == schemas.DISTRICTS.name and "district_id" in layer.data.columns and layer.info \
                    and layer.info.get("geometry_type") and layer.info.get("fid_column") == "fid":
                districts = layer
        _write_layer_styles(tmp, styles)
    log.info("wrote %s (%d layers)", path, len(layers))
    return layers


@contextlib.contextmanager
def _sqlite_without_sync() -> Iterator[None]:
    """GDAL's SQLite writes without waiting for the disk after each layer (``OGR_SQLITE_SYNCHRONOUS=OFF``).

    Safe here: the GeoPackage is written under a temporary name and renamed when complete
    (:func:`geolage.outputs.qgis.files.atomic_path`), so an interrupted write never looks complete.
    """
    import pyogrio

    before = pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS")
    pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "OFF"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": before})


def _write_layer(path: Path, layer: Layer, crs: str, language: str, identifiers: set[str], *, first: bool,
                 districts: Layer | None = None) -> list[dict]:
    """Write one layer into the GeoPackage at ``path``; return its rows of ``layer_styles`` (a view's table's too).

    A per-district table joined to the district polygons (``layer.district_key``) is written as
    an attribute table and a view on the layer ``districts`` (as written) when each row's polygon
    is its district's there (:mod:`.gpkg_views`); otherwise, and every other layer, as a table.
    """
    import pyogrio

    df = _prepare_frame(layer.data, crs, layer.name)
    spatial = isinstance(df, gpd.GeoDataFrame)
    options = {
        "FID": "fid",
        "IDENTIFIER": clean_text(_unique(layer.title[:1000], identifiers)),
        "DESCRIPTION": clean_text(layer.description),
    }
    if spatial:
        options["GEOMETRY_NAME"] = GEOMETRY_COLUMN
    rows = district_rows(df, layer.district_key, None if districts is None else districts.data) if spatial else None
    styles = []
    if rows is not None and districts is not None:
        rows_title = clean_text(_unique(ROWS_TITLE[language].format(title=layer.title[:900]), identifiers))
        table, table_fields = write_district_view(path, df, rows, layer.name, districts=districts.name,
                                                  identifier=options["IDENTIFIER"], rows_identifier=rows_title,
                                                  description=options["DESCRIPTION"], language=language)
        qml, _ = _style_for(Layer(table, pd.DataFrame(columns=table_fields), rows_title), ["fid", *table_fields],
                            None, language)
        styles.append({"f_table_name": table, "f_geometry_column": "", "styleName": table,
                       "styleQML": key_alias(qml, table_fields[-1], language), "description": rows_title})
    else:
        _write_table(path, layer.name, df, options, first=first)
    info = pyogrio.read_info(path, layer=layer.name)
    gtype = info.get("geometry_type") if spatial else None
    fields = ["fid", *(str(f) for f in info["fields"])]  # QGIS lists the FID as field 0
    layer.data = df
    layer.info = info
    qml, style_info = _style_for(layer, fields, gtype, language)
    log.debug("layer %s: %d rows, style %s", layer.name, len(df), style_info)
    return [{"f_table_name": layer.name, "f_geometry_column": GEOMETRY_COLUMN if spatial else "",
             "styleName": layer.name, "styleQML": qml, "description": clean_text(layer.title)}, *styles]


def _write_table(path: Path, name: str, df: pd.DataFrame, options: dict[str, str], *, first: bool) -> None:
    """Write ``df`` as the table ``name`` (with its geometry, if any) into the GeoPackage at ``path``."""
    import pyogrio

    spatial = isinstance(df, gpd.GeoDataFrame)
    pyogrio.write_dataframe(
        df,
        path,
        layer=name,
        driver="GPKG",
        layer_options=options,
        geometry_type="Unknown" if spatial and df.geometry.isna().all() else None,
        # GeoPackage 1.2: read without warnings by the GDAL of QGIS 3.22 (1.4 needs GDAL >= 3.7)
        dataset_options={"VERSION": "1.2"} if first else None,
        # through Arrow: a quarter less CPU on the demo, the same layers (fields, types, values; tested)
        use_arrow=True,
    )


def _prepare_frame(data: pd.DataFrame, crs: str, name: str) -> pd.DataFrame:
    """Return a copy of ``data`` that pyogrio writes faithfully to a GeoPackage."""
    df = data.copy()
    index_names = [n for n in df.index.names if n is not None]
    if index_names and not all(n in df.columns for n in index_names):
        df = df.reset_index()
    else:
        df = df.reset_index(drop=True)
    geom_col = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    renames = {c: str(c) for c in df.columns if not isinstance(c, str)}
    for col in df.columns:
        if str(col).lower() == "fid":
            renames[col] = f"{col}_source"
    if renames:
        df = df.rename(columns=renames)
        if geom_col in renames:
            geom_col = renames[geom_col]
    for col in df.columns:
        if col == geom_col:
            continue
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object:
            df[col] = pd.array([_cell_text(v) for v in s], dtype="str")
        elif pd.api.types.is_string_dtype(s.dtype):
            cleaned = {v: clean_text(v) for v in pd.unique(s.dropna())}  # each distinct text once (ids repeat)
            df[col] = s.map(cleaned)
        elif pd.api.types.is_timedelta64_dtype(s.dtype):
            df[col] = s.astype("str")
    if isinstance(df, gpd.GeoDataFrame):
        if df.crs is None:
            raise CRSMismatchError(f"layer {name!r} needs a CRS (the run CRS is {crs}); got none")
        if not df.crs.equals(crs):
            log.info("layer %s: reprojecting from %s to %s", name, df.crs.to_string(), crs)
            df = df.to_crs(crs)
    return df


def _cell_text(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    elif isinstance(value, dict | list | tuple | set):
        value = json.dumps(jsonable(value), ensure_ascii=False)
    return clean_text(str(value))


def _unique(title: str, used: set[str]) -> str:
    candidate, i = title, 2
    while candidate.lower() in used:
        candidate = f"{title} ({i})"
        i += 1
    used.add(candidate.lower())
    return candidate


def _style_for(layer: Layer, fields: Sequence[str], geometry_type: str | None, language: str) -> tuple[str, dict]:
    """The layer's QML: categorized/graduated by its style key, breaks from the rows shown by default."""
    symbol_type = symbol_type_for(geometry_type)
    values: Iterable[float] | None = None
    classes = None
    style_column = layer.style_column
    if layer.style in STYLE_CLASSES:
        default_attr = STYLE_CLASSES[layer.style][0]
        if style_column is None or style_column not in layer.data.columns:
            style_column = default_attr
    elif layer.style in GRADUATED_STYLES:
        if style_column is None or style_column not in layer.data.columns:
            log.warning("layer %s: style column %r missing; single-symbol style", layer.name, style_column)
            style_column = None
        else:
            shown = _filtered(layer.data, default_filter(layer.data))
            values = pd.to_numeric(shown[style_column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            if layer.rate_legend is not None:  # the map's classes
                classes = rate_classes(values, half_widths(shown), layer.rate_legend, language=language)
    root, info = vector_style(
        fields=fields,
        symbol_type=symbol_type,
        style=layer.style if style_column or layer.style not in GRADUATED_STYLES else None,
        style_column=style_column,
        values=values,
        language=language,
        outline_only=layer.outline_only,
        color=layer.color,
        outline=layer.outline,
        label_field=layer.label_field,
        table=layer.name,
        classes=classes,
    )
    return qml_string(root), info


def _write_layer_styles(path: Path, styles: Sequence[dict]) -> None:
    """Store the QML styles in the ``layer_styles`` table as QGIS does (one default per layer)."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
    con = sqlite3.connect(path)
    try:
        with con:
            con.execute(_LAYER_STYLES_DDL)
            for s in styles:
                con.execute(
                    'UPDATE "layer_styles" SET "useAsDefault" = 0 WHERE "f_table_name" = ?', (s["f_table_name"],)
                )
                con.execute(
                    'INSERT INTO "layer_styles" ("f_table_catalog", "f_table_schema", "f_table_name", '
                    '"f_geometry_column", "styleName", "styleQML", "styleSLD", "useAsDefault", "description", '
                    '"owner", "ui", "update_time") VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, NULL, ?)',
                    (
                        "",
                        "",
                        s["f_table_name"],
                        s["f_geometry_column"],
                        s["styleName"],
                        s["styleQML"],
                        "",
                        s["description"],
                        "geolage",
                        now,
                    ),
                )
            exists = con.execute("SELECT 1 FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchone()
            if not exists:
                con.execute(
                    "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
                    "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles', ?)",
                    (now,),
                )
    finally:
        con.close()

"""The QGIS project (``lagesbild.qgs``) that opens the GeoPackage and the GeoTIFFs, styled and grouped.

:func:`write_spatial_outputs` writes, into one folder:

``lagesbild.gpkg``
    One layer per result with its default QGIS style (:mod:`geolage.outputs.gpkg`).
``<raster>.tif`` and ``<raster>.qml``
    Each density surface as a Cloud-Optimized GeoTIFF with a pseudocolour QGIS style
    beside it (:mod:`geolage.outputs.geotiff`).
``lagesbild.qgs``
    A QGIS project opening all of it, styled and grouped, with relative paths
    (:func:`write_qgis_project`).

Files are written under a temporary name in the output folder and renamed when
complete, so a failed run never leaves a complete-looking half file. Existing files
of the same name are replaced: refusing to overwrite an output folder is the
pipeline's job.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import math
import os
import sqlite3
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ...run import schemas
from ...run.results import RunResults, Table
from ...text.format import check_language
from ...text.spatial import GROUP_TITLES, THEME_TITLES, in_language
from ..common import check_mode, public_view
from ..geotiff import write_geotiff
from ..gpkg import GPKG_NAME, Layer, collect_layers, default_filter, with_synthetic_note, write_geopackage_layers
from ..names import output_name, output_text
from .files import atomic_path, layer_name
from .styles import QGIS_VERSION, symbol_type_for, xml_text

__all__ = ["PROJECT_NAME", "GROUPS", "write_qgis_project", "write_spatial_outputs"]

log = logging.getLogger(__name__)

#: File name of the project inside the output folder.
PROJECT_NAME = "lagesbild.qgs"
#: Layer tree groups of the project, top to bottom (names in :data:`geolage.text.spatial.GROUP_TITLES`).
GROUPS = ("outlines", "areas", "hotspots", "density", "base", "tables")
#: Map themes: the layers each shows on top of the boundaries (group ``outlines``), by GeoPackage layer name.
THEMES: dict[str, tuple[str, ...]] = {
    "where": (schemas.RATES_DISTRICT.name,),
    "hotspots": (schemas.GISTAR_GRID.name,),
    "change": (schemas.EMERGING_GRID.name,),
    "prognosis": (schemas.FORECAST_GRID.name, schemas.FORECAST_DISTRICT.name),
}
_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"


def write_spatial_outputs(
    results: RunResults,
    out_dir: str | Path,
    *,
    mode: Literal["public", "internal"] = "public",
    language: Literal["sv", "en"] = "sv",
) -> dict[str, Path]:
    """Write the GeoPackage, the GeoTIFFs and the QGIS project into ``out_dir``.

    Parameters
    ----------
    results : RunResults
    out_dir : str or Path
        Output folder (created if missing).
    mode : {"public", "internal"}
        In ``"public"`` mode only the public view of the run is written
        (:func:`geolage.outputs.common.public_view`: the disclosure rules of
        :mod:`geolage.run.disclosure`, applied once to tables and rasters alike, not
        again if ``results`` is already public).
    language : {"sv", "en"}

    Returns
    -------
    dict of str to Path
        Every file written: ``"gpkg"``, ``"project"``, and for each raster
        ``"raster:<name>"`` (the GeoTIFF) and ``"raster_style:<name>"`` (its ``.qml``).
        The GeoPackage's layers are listed by :func:`pyogrio.list_layers`.

    Examples
    --------
    >>> written = write_spatial_outputs(results, "ut", mode="public")  # doctest: +SKIP
    >>> sorted(written)  # doctest: +SKIP
    ['gpkg', 'project', 'raster:kde_alla', 'raster_style:kde_alla']

    In English runs the rasters are named with the English codes
    (:func:`geolage.outputs.names.output_text`): ``kde_all.tif``.
    """
    check_mode(mode)
    check_language(language)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    shown = public_view(results, mode, language)
    gpkg = out / output_name("gpkg", language)
    as_written = write_geopackage_layers(shown, gpkg, mode=mode, language=language)
    layers = [layer.name for layer in as_written]
    shown = with_synthetic_note(shown)  # the rasters' descriptions (the GeoPackage adds it itself)
    shown = _rasters_named(shown, language)  # kde_all.tif in English runs
    written: dict[str, Path] = {"gpkg": gpkg}
    tifs = []
    for name, raster in shown.rasters.items():
        stem = layer_name(name)
        tif = write_geotiff(raster, out / f"{stem}.tif", language=language)
        tifs.append(tif)
        written[f"raster:{stem}"] = tif
        written[f"raster_style:{stem}"] = tif.with_suffix(".qml")
    written["project"] = write_qgis_project(shown, out, layers, tifs, language=language, gpkg_name=gpkg.name,
                                            name=output_name("qgis", language), written=as_written)
    return written


def _rasters_named(results: RunResults, language: str) -> RunResults:
    """``results`` with every raster named as a run in ``language`` writes it (``kde_alla`` -> ``kde_all``)."""
    named = {output_text(n, language): dataclasses.replace(r, name=output_text(r.name, language))
             for n, r in results.rasters.items()}
    return dataclasses.replace(results, rasters=named)


@dataclasses.dataclass(frozen=True)
class _TreeLayer:
    """A layer of the project as the layer tree shows it."""

    id: str
    title: str
    source: str
    provider: str
    group: str
    visible: bool
    bounds: tuple[float, ...] | None = None


def write_qgis_project(
    results: RunResults,
    out_dir: str | Path,
    layers: Sequence[str],
    rasters: Sequence[str | Path],
    *,
    language: Literal["sv", "en"] = "sv",
    gpkg_name: str = GPKG_NAME,
    name: str = PROJECT_NAME,
    written: Sequence[Layer] | None = None,
) -> Path:
    """Write a QGIS project that opens the GeoPackage layers and rasters, styled and grouped.

    Parameters
    ----------
    results : RunResults
        Gives titles, styles and the run CRS.
    out_dir : str or Path
        The folder holding ``gpkg_name`` and the rasters; the project is written there.
    layers : sequence of str
        GeoPackage layers to include (as returned by
        :func:`geolage.outputs.gpkg.write_geopackage`).
    rasters : sequence of str or Path
        GeoTIFFs to include (as returned by :func:`geolage.outputs.geotiff.write_geotiff`),
        each with its ``.qml`` style beside it.
    language : {"sv", "en"}
        Language of group and layer names.
    gpkg_name, name : str
        File names of the GeoPackage and of the project.
    written : sequence of Layer, optional
        The layers as :func:`geolage.outputs.gpkg.write_geopackage_layers` wrote them (their
        ``data`` is what the file holds); without them the layers are collected again and the
        default filters read from the file.

    Returns
    -------
    Path
        The ``.qgs`` file.

    Notes
    -----
    Paths are relative (``./lagesbild.gpkg|layername=…``), so the folder can be
    moved. Groups, top to bottom: Områden (districts, rates), Hotspots (Gi*, LISA,
    emerging, forecast; one shown at a time), Täthet (rasters), Underlag (study area,
    overlays, grid, incidents), Tabeller (tables without geometry). Long tables get a
    layer filter for the default view, e.g. ``"category" = 'alla' AND "period" =
    'hela'`` (:func:`geolage.outputs.gpkg.default_filter`), which the user can change
    in QGIS. Each layer carries the same style as in the GeoPackage. Layer ids are
    stable across runs. CRS of project and layers: the run CRS.
    """
    check_language(language)
    out = Path(out_dir)
    crs = results.config.project.crs
    root = _project_root(results.config.project.name, crs)
    project_layers = ET.Element("projectlayers")
    entries = _vector_layers(project_layers, results, out, layers, gpkg_name=gpkg_name, language=language,
                             written=written)
    entries += [_raster_layer(project_layers, results, Path(r), out, language) for r in rasters]
    tree = ET.SubElement(root, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    order = _layer_tree(tree, entries, language)
    ET.SubElement(tree, "custom-order", {"enabled": "0"})
    _map_canvas(root, _start_extent(entries, results), crs)
    root.append(project_layers)
    _map_themes(root, entries, language)
    layer_order = ET.SubElement(root, "layerorder")
    for lid in order:
        ET.SubElement(layer_order, "layer", {"id": lid})
    _project_properties(root)
    ET.indent(root, space=" ")
    path = out / name
    with atomic_path(path) as tmp:
        tmp.write_text(_DOCTYPE + ET.tostring(root, encoding="unicode") + "\n", encoding="utf-8")
    log.info("wrote %s (%d layers, %d rasters)", path, len(layers), len(rasters))
    return path


def _project_root(title: str, crs: str) -> ET.Element:
    """``<qgis>`` with the project's title and CRS."""
    root = ET.Element(
        "qgis",
        {
            "projectname": xml_text(title),
            "version": QGIS_VERSION,
            "saveUser": "geolage",
            "saveDateTime": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        },
    )
    ET.SubElement(root, "homePath", {"path": ""})
    ET.SubElement(root, "title").text = xml_text(title)
    ET.SubElement(root, "transaction", {"mode": "Disabled"})
    ET.SubElement(root, "projectFlags", {"set": ""})
    _srs(ET.SubElement(root, "projectCrs"), crs)
    return root


# --------------------------------------------------------------------------- layers
def _vector_layers(
    parent: ET.Element, results: RunResults, out: Path, layers: Sequence[str], *, gpkg_name: str, language: str,
    written: Sequence[Layer] | None = None,
) -> list[_TreeLayer]:
    """Add a ``<maplayer>`` for each GeoPackage layer, with its stored style and default filter."""
    gpkg = out / gpkg_name
    styles = _read_styles(gpkg) if layers else {}
    tables = {layer_name(n): t for n, t in results.tables.items()}
    specs = {lyr.name: lyr for lyr in (collect_layers(results, language) if written is None else written)}
    as_written = written is not None
    crs = results.config.project.crs
    entries = []
    for lname in layers:
        spec, table, qml = specs.get(lname), tables.get(lname), styles.get(lname)
        written_spec = spec if as_written and spec is not None else None
        entries.append(_vector_layer(parent, gpkg, gpkg_name, lname, spec, table, qml, crs,
                                     None if written_spec is None else written_spec.data,
                                     None if written_spec is None else written_spec.info))
    return entries


def _vector_layer(
    parent: ET.Element,
    gpkg: Path,
    gpkg_name: str,
    lname: str,
    spec: Layer | None,
    table: Table | None,
    qml: str | None,
    crs: str,
    data: pd.DataFrame | None = None,
    info: dict[str, Any] | None = None,
) -> _TreeLayer:
    """Add a ``<maplayer>`` for a GeoPackage layer: title, group and visibility from ``spec``, style ``qml``.

    ``info`` is the layer's :func:`pyogrio.read_info` taken when it was written (read from the file when None).
    """
    import pyogrio

    if info is None:
        info = pyogrio.read_info(gpkg, layer=lname)
    gtype = info.get("geometry_type")
    spatial = gtype is not None
    title, group, visible = (spec.title, spec.group, spec.visible) if spec is not None else (lname, "base", False)
    if not spatial:
        group, visible = "tables", False
    source = f"./{gpkg_name}|layername={lname}"
    subset = _default_subset(gpkg, lname, list(info["fields"]), table, data)
    ml = ET.SubElement(parent, "maplayer", {"type": "vector", "geometry": _wkb_geometry(gtype)})
    bounds = None
    if spatial:
        ml.set("wkbType", str(gtype))
        total = info.get("total_bounds")
        if total is not None and all(math.isfinite(b) for b in total):
            bounds = tuple(total)
            _extent(ml, "extent", bounds)
    ET.SubElement(ml, "id").text = _layer_id(lname)
    ET.SubElement(ml, "datasource").text = xml_text(source + (f"|subset={subset}" if subset else ""))
    ET.SubElement(ml, "layername").text = xml_text(title)
    if spatial:
        _srs(ET.SubElement(ml, "srs"), crs)
    ET.SubElement(ml, "provider", {"encoding": "UTF-8"}).text = "ogr"
    if qml:
        style_root = ET.fromstring(qml)
        if style_root.get("labelsEnabled"):
            ml.set("labelsEnabled", style_root.get("labelsEnabled", "0"))
        ml.extend(list(style_root))
    return _TreeLayer(_layer_id(lname), title, source, "ogr", group, visible, bounds)


def _default_subset(gpkg: Path, lname: str, fields: Sequence[str], table: Table | None,
                    data: pd.DataFrame | None = None) -> str:
    """The layer filter of a long result table's default view (``""`` for other layers).

    From ``data`` (the frame as written into the file) when given, else read from the file.
    """
    import pyogrio

    read_cols = [c for c in ("category", "period", "method") if c in fields]
    if not read_cols or table is None or table.style == "points":  # result tables only, not points
        return ""
    if data is not None and all(c in data.columns for c in read_cols):
        df = pd.DataFrame(data[read_cols])
    else:
        df = pyogrio.read_dataframe(gpkg, layer=lname, columns=read_cols, read_geometry=False)
    return _subset_expression(default_filter(df))


def _subset_expression(filters: Mapping[str, str]) -> str:
    parts = []
    for col, value in filters.items():
        quoted = str(value).replace("'", "''")
        parts.append(f"\"{col}\" = '{quoted}'")
    return " AND ".join(parts)


def _raster_layer(parent: ET.Element, results: RunResults, rpath: Path, out: Path, language: str) -> _TreeLayer:
    """Add a ``<maplayer>`` for a GeoTIFF with the style beside it; rasters start hidden."""
    import rasterio

    rname = rpath.stem
    raster = results.rasters.get(rname)
    title = in_language(raster.title, language, rname) if raster is not None else rname
    lid = _layer_id(f"raster_{rname}")
    try:
        rel = "./" + rpath.resolve().relative_to(out.resolve()).as_posix()
    except ValueError:
        rel = os.path.relpath(rpath.resolve(), out.resolve())
    with rasterio.open(rpath) as ds:
        bounds = tuple(ds.bounds)
    ml = ET.SubElement(parent, "maplayer", {"type": "raster"})
    _extent(ml, "extent", bounds)
    ET.SubElement(ml, "id").text = lid
    ET.SubElement(ml, "datasource").text = xml_text(rel)
    ET.SubElement(ml, "layername").text = xml_text(title)
    _srs(ET.SubElement(ml, "srs"), results.config.project.crs)
    ET.SubElement(ml, "provider").text = "gdal"
    qml_path = rpath.with_suffix(".qml")
    if qml_path.exists():
        ml.extend(_style_children(qml_path.read_text(encoding="utf-8")))
    # rasters start hidden: the opaque hotspot layer is the default view
    return _TreeLayer(lid, title, rel, "gdal", "density", False, bounds)


def _layer_id(name: str) -> str:
    """Return a stable QGIS layer id (same name -> same id in every run)."""
    return f"{name}_{hashlib.sha1(name.encode()).hexdigest()[:12]}"


def _read_styles(gpkg: Path) -> dict[str, str]:
    """The default QML of each layer, from the GeoPackage's ``layer_styles``."""
    con = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
    try:
        rows = con.execute(
            'SELECT "f_table_name", "styleQML" FROM "layer_styles" WHERE "useAsDefault" ORDER BY "id"'
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def _style_children(qml: str) -> list[ET.Element]:
    return list(ET.fromstring(qml))


def _wkb_geometry(geometry_type: str | None) -> str:
    st = symbol_type_for(geometry_type)
    return {"fill": "Polygon", "line": "Line", "marker": "Point"}.get(st or "", "No geometry")


# --------------------------------------------------------------------------- tree, canvas, properties
def _layer_tree(tree: ET.Element, entries: Sequence[_TreeLayer], language: str) -> list[str]:
    """Add the groups (:data:`GROUPS`, empty ones left out) and their layers; return the layer ids in order.

    Hotspots are mutually exclusive (one shown at a time); Tabeller starts unchecked and folded.
    """
    order: list[str] = []
    for group in GROUPS:
        items = [e for e in entries if e.group == group]
        if not items:
            continue
        attrs = {"name": in_language(GROUP_TITLES[group], language), "checked": "Qt::Checked", "expanded": "1"}
        if group == "hotspots":
            checked = next((i for i, it in enumerate(items) if it.visible), -1)
            attrs.update({"mutually-exclusive": "1", "mutually-exclusive-child": str(checked)})
        if group == "tables":
            attrs.update({"checked": "Qt::Unchecked", "expanded": "0"})
        g = ET.SubElement(tree, "layer-tree-group", attrs)
        ET.SubElement(g, "customproperties")
        for e in items:
            ET.SubElement(
                g,
                "layer-tree-layer",
                {
                    "id": e.id,
                    "name": xml_text(e.title),
                    "source": xml_text(e.source),
                    "providerKey": e.provider,
                    "checked": "Qt::Checked" if e.visible else "Qt::Unchecked",
                    "expanded": "1" if e.visible else "0",
                    "legend_exp": "",
                },
            ).append(ET.Element("customproperties"))
            order.append(e.id)
    return order


def _map_themes(root: ET.Element, entries: Sequence[_TreeLayer], language: str) -> None:
    """One map theme per question (:data:`THEMES`): its layers with every boundary layer above them."""
    outlines = [e for e in entries if e.group == "outlines"]
    by_id = {e.id: e for e in entries}
    presets = ET.SubElement(root, "visibility-presets")
    for key, names in THEMES.items():
        shown = [by_id[_layer_id(n)] for n in names if _layer_id(n) in by_id]
        if not shown:
            continue
        preset = ET.SubElement(presets, "visibility-preset", {"name": in_language(THEME_TITLES[key], language)})
        for e in (*outlines, *shown):
            ET.SubElement(preset, "layer", {"id": e.id, "visible": "1", "style": "default", "expanded": "1"})


def _start_extent(entries: Sequence[_TreeLayer], results: RunResults) -> tuple[float, float, float, float]:
    """The extent shown when the project opens: the municipality (study area, districts), else the visible layers."""
    bounds = [e.bounds for e in entries if e.group == "outlines" and e.bounds is not None]
    bounds = bounds or [e.bounds for e in entries if e.visible and e.bounds is not None]
    if not bounds:
        bounds = [tuple(results.districts.total_bounds)] if len(results.districts) else [(0, 0, 1, 1)]
    b = np.asarray(bounds, dtype=float)
    return (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())


def _map_canvas(root: ET.Element, extent: Sequence[float], crs: str) -> None:
    canvas = ET.SubElement(root, "mapcanvas", {"name": "theMapCanvas", "annotationsVisible": "1"})
    ET.SubElement(canvas, "units").text = "meters"
    _extent(canvas, "extent", extent)
    ET.SubElement(canvas, "rotation").text = "0"
    _srs(ET.SubElement(canvas, "destinationsrs"), crs)
    ET.SubElement(canvas, "rendermaptile").text = "0"


def _project_properties(root: ET.Element) -> None:
    props = ET.SubElement(root, "properties")
    # QGIS 3.22 reads <projectCrs> only when this legacy flag is set
    srs_props = ET.SubElement(props, "SpatialRefSys")
    ET.SubElement(srs_props, "ProjectionsEnabled", {"type": "int"}).text = "1"
    paths = ET.SubElement(props, "Paths")
    ET.SubElement(paths, "Absolute", {"type": "bool"}).text = "false"


def _srs(parent: ET.Element, crs: str) -> None:
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    srs = ET.SubElement(parent, "spatialrefsys")
    epsg = c.to_epsg()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "lose projection information": QGIS reads the WKT first
        proj4 = c.to_proj4()
    values = {
        "wkt": c.to_wkt("WKT2_2019"),
        "proj4": proj4,
        "srid": str(epsg or ""),
        "authid": f"EPSG:{epsg}" if epsg else "",
        "description": c.name,
        "projectionacronym": "utm" if "+proj=utm" in proj4 else "",
        "ellipsoidacronym": "",
        "geographicflag": "true" if c.is_geographic else "false",
    }
    for tag, text in values.items():
        ET.SubElement(srs, tag).text = text


def _extent(parent: ET.Element, tag: str, bounds: Sequence[float]) -> None:
    el = ET.SubElement(parent, tag)
    for key, value in zip(("xmin", "ymin", "xmax", "ymax"), bounds, strict=True):
        ET.SubElement(el, key).text = repr(float(value))

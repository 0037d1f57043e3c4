"""Spatial outputs for GIS staff: GeoPackage with stored QGIS styles, COG GeoTIFFs, QGIS project.

:func:`write_spatial_outputs` writes, into one folder:

``lagesbild.gpkg``
    One layer per result (districts, every result table, the analysis grid, study
    area, overlays, the ``run_metadata`` table; in internal mode also ``incidents``
    and ``rejects``), CRS of the run (SWEREF 99 TM, EPSG:3006). Field names stay
    snake_case (stable for scripts); QGIS shows Swedish (or English) aliases. Every
    layer has a default QGIS style in the ``layer_styles`` table, which QGIS applies
    when the layer is opened.
``<raster>.tif`` and ``<raster>.qml``
    Each density surface as a Cloud-Optimized GeoTIFF (float32, nodata
    :data:`NODATA`, internal overviews, unit and method parameters in the metadata)
    with a pseudocolour QGIS style beside it.
``lagesbild.qgs``
    A QGIS project opening all of it, styled and grouped, with relative paths.

Files are written under a temporary name in the output folder and renamed when
complete, so a failed run never leaves a complete-looking half file. Existing files
of the same name are replaced: refusing to overwrite an output folder is the
pipeline's job.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import math
import os
import re
import sqlite3
import uuid
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from ..categories import CATEGORIES
from ..errors import CRSMismatchError
from ..run.results import Raster, RunResults, Table
from .qgis.styles import (
    GRADUATED_STYLES,
    QGIS_VERSION,
    STYLE_CLASSES,
    qml_string,
    raster_style,
    symbol_type_for,
    vector_style,
    xml_text,
)

__all__ = [
    "GPKG_NAME",
    "PROJECT_NAME",
    "NODATA",
    "GEOMETRY_COLUMN",
    "LAYER_STYLES_COLUMNS",
    "write_geopackage",
    "write_geotiff",
    "write_qgis_project",
    "write_spatial_outputs",
    "informative_cells",
    "default_filter",
]

log = logging.getLogger(__name__)

#: File names inside the output folder.
GPKG_NAME = "lagesbild.gpkg"
PROJECT_NAME = "lagesbild.qgs"
#: Nodata value of the GeoTIFFs (explicit, understood by every GIS; NaN is never written).
NODATA = -9999.0
#: Geometry column of every GeoPackage layer.
GEOMETRY_COLUMN = "geom"
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

_BASE_TITLES: dict[str, dict[str, str]] = {
    "districts": {"sv": "Områden", "en": "Districts"},
    "study_area": {"sv": "Analysområde", "en": "Study area"},
    "grid": {"sv": "Analysrutnät", "en": "Analysis grid"},
    "incidents": {"sv": "Händelser (internt)", "en": "Incidents (internal)"},
    "rejects": {"sv": "Avvisade rader (internt)", "en": "Rejected rows (internal)"},
    "run_metadata": {"sv": "Körningsuppgifter", "en": "Run record"},
}

#: Layer tree groups of the QGIS project, top to bottom.
_GROUPS: dict[str, dict[str, str]] = {
    "areas": {"sv": "Områden", "en": "Areas"},
    "hotspots": {"sv": "Hotspots", "en": "Hotspots"},
    "density": {"sv": "Täthet", "en": "Density"},
    "base": {"sv": "Underlag", "en": "Base data"},
    "tables": {"sv": "Tabeller", "en": "Tables"},
}
_HOTSPOT_STYLES = ("gistar", "lisa", "emerging", "forecast")
#: The hotspot layer shown when the project opens (first present).
_DEFAULT_HOTSPOT = ("gistar_grid", "emerging_grid", "lisa_grid", "gistar_district", "lisa_district", "forecast_grid")


# --------------------------------------------------------------------------- helpers
@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{uuid.uuid4().hex[:8]}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".aux.xml"), tmp.with_name(tmp.name + "-journal")):
            if leftover.exists():
                leftover.unlink()


def _check_language(language: str) -> None:
    if language not in ("sv", "en"):
        raise ValueError(f"language needs to be 'sv' or 'en'; got {language!r}")


def _text(texts: Mapping[str, str] | None, language: str, default: str = "") -> str:
    if not texts:
        return default
    return texts.get(language) or texts.get("sv") or texts.get("en") or default


def _layer_name(name: str) -> str:
    clean = re.sub(r"[^0-9A-Za-z_]", "_", str(name)).strip("_").lower()
    return clean or "layer"


def _layer_id(name: str) -> str:
    """Return a stable QGIS layer id (same name -> same id in every run)."""
    return f"{name}_{hashlib.sha1(name.encode()).hexdigest()[:12]}"


def _cell_text(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    elif isinstance(value, dict | list | tuple | set):
        value = json.dumps(_jsonable(value), ensure_ascii=False)
    return _clean_str(str(value))


def _clean_str(text: str) -> str:
    """UTF-8-safe text without NUL (SQLite TEXT readers stop at NUL)."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dt.date | dt.datetime | pd.Timestamp):
        return obj.isoformat()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    return str(obj)


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
            df[col] = s.map(_clean_str, na_action="ignore")
        elif pd.api.types.is_timedelta64_dtype(s.dtype):
            df[col] = s.astype("str")
    if isinstance(df, gpd.GeoDataFrame):
        if df.crs is None:
            raise CRSMismatchError(f"layer {name!r} needs a CRS (the run CRS is {crs}); got none")
        if not df.crs.equals(crs):
            log.info("layer %s: reprojecting from %s to %s", name, df.crs.to_string(), crs)
            df = df.to_crs(crs)
    return df


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
        first method. Columns that are absent or hold one value are not listed.
    """
    out: dict[str, str] = {}
    if "category" in data.columns:
        cats = [str(c) for c in pd.unique(data["category"].dropna())]
        if len(cats) > 1:
            ordered = [c for c in ("alla", *CATEGORIES) if c in cats] or sorted(cats)
            out["category"] = ordered[0]
    if "period" in data.columns:
        periods = [str(p) for p in pd.unique(data["period"].dropna())]
        if len(periods) > 1:
            out["period"] = "hela" if "hela" in periods else sorted(periods)[-1]
    if "method" in data.columns:
        methods = [str(m) for m in pd.unique(data["method"].dropna())]
        if len(methods) > 1:
            out["method"] = methods[0]
    return out


def _subset_expression(filters: Mapping[str, str]) -> str:
    parts = []
    for col, value in filters.items():
        quoted = str(value).replace("'", "''")
        parts.append(f"\"{col}\" = '{quoted}'")
    return " AND ".join(parts)


def _filtered(data: pd.DataFrame, filters: Mapping[str, str]) -> pd.DataFrame:
    mask = np.ones(len(data), dtype=bool)
    for col, value in filters.items():
        mask &= (data[col].astype("str") == value).to_numpy()
    return data.loc[mask]


# --------------------------------------------------------------------------- layers
@dataclasses.dataclass
class _Layer:
    """One GeoPackage layer to write, with what the style and project need."""

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


SYNTHETIC_NOTE = {"sv": "Syntetiska demodata – inte verkliga brott.", "en": "Synthetic demo data – not real crimes."}


def _mark_synthetic(results: RunResults) -> RunResults:
    """Put the synthetic-data note first in every layer and raster description (QGIS shows it)."""
    if not results.config.project.synthetic:
        return results

    def note(desc: Mapping[str, str]) -> dict[str, str]:
        return {lang: f"{SYNTHETIC_NOTE[lang]} {desc.get(lang, '')}".strip() for lang in ("sv", "en")}

    tables = {n: dataclasses.replace(t, description=note(t.description)) for n, t in results.tables.items()}
    rasters = {n: dataclasses.replace(r, description=note(r.description)) for n, r in results.rasters.items()}
    return dataclasses.replace(results, tables=tables, rasters=rasters)


def _public(results: RunResults, language: str) -> RunResults:
    """Return the public version of ``results`` (through :mod:`geolage.run.disclosure` when present)."""
    if results.public:
        return results  # already filtered: do not apply the rules twice
    min_count = results.config.output.min_count
    try:
        from ..run.disclosure import public_results
    except ImportError:
        public_results = None
    if public_results is not None:
        return public_results(results, min_count, language)
    log.warning("geolage.run.disclosure not available: public mode only leaves out internal tables")
    tables = {n: t for n, t in results.tables.items() if not t.internal_only}
    return dataclasses.replace(
        results, tables=tables, incidents=results.incidents.iloc[0:0], rejects=results.rejects.iloc[0:0]
    )


def _run_metadata(results: RunResults, mode: str, language: str) -> pd.DataFrame:
    """Flatten the run record into a long key/value table (``section``, ``key``, ``value``, ``value_type``)."""
    rows: list[tuple[str, str, str, str]] = []

    def flatten(section: str, prefix: str, obj: Any) -> None:
        if isinstance(obj, dict) and obj:
            for k, v in obj.items():
                flatten(section, f"{prefix}.{k}" if prefix else str(k), v)
            return
        value = _jsonable(obj)
        vtype = type(value).__name__ if value is not None else "null"
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        rows.append((section, prefix, text, vtype))

    flatten("run", "", {"mode": mode, "language": language, "geolage_export": "lagesbild.gpkg"})
    flatten("record", "", results.record)
    for step, params in results.parameters.items():
        flatten(f"parameters.{step}", "", params)
    try:
        config = results.config.to_dict()
    except Exception as exc:  # noqa: BLE001 - the record must still be written
        log.warning("config not recorded in run_metadata: %s", exc)
        config = {}
    flatten("config", "", config)
    flatten("quality", "", results.quality)
    return pd.DataFrame(rows, columns=["section", "key", "value", "value_type"])


def _group_for(table: Table) -> str:
    if not table.is_spatial:
        return "tables"
    if table.style in _HOTSPOT_STYLES:
        return "hotspots"
    if table.style == "points":
        return "base"
    return "areas"


#: Class codes that mean "no result" in per-cell tables.
_EMPTY_CLASSES = {"gistar_class": "not_significant", "lisa_cluster": "not_significant",
                  "emerging_category": "no_pattern"}


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


def _collect_layers(results: RunResults, mode: str, language: str) -> list[_Layer]:
    layers: dict[str, _Layer] = {}

    def add(layer: _Layer) -> None:
        old = layers.get(layer.name)
        if old is None:
            layers[layer.name] = layer
        elif old.from_table != layer.from_table:
            # a result table named like a base layer (the pipeline adds "districts", "grid", …):
            # the table's data, title and style, the base layer's place and look in the project
            table, base = (layer, old) if layer.from_table else (old, layer)
            plain = table.style in (None, "points")
            layers[layer.name] = dataclasses.replace(
                table,
                group=base.group,
                visible=base.visible,
                outline=base.outline,
                outline_only=base.outline_only and table.style is None,
                color=base.color if plain else table.color,
            )
        else:
            log.warning("two results are named %r: the later one is written", layer.name)
            layers[layer.name] = layer

    t = _BASE_TITLES
    if results.districts is not None and len(results.districts.columns):
        add(
            _Layer(
                "districts",
                results.districts,
                _text(t["districts"], language),
                group="areas",
                visible=True,
                outline_only=True,
                outline=("#252525", 0.4),
            )
        )
    for name, table in results.tables.items():
        if mode == "public" and table.internal_only:
            continue
        add(
            _Layer(
                _layer_name(name),
                informative_cells(table.data),
                _text(table.title, language, name),
                _text(table.description, language),
                style=table.style,
                style_column=table.style_column,
                group=_group_for(table),
                outline=("#969696", 0.0) if "cell_id" in table.data.columns else None,  # cells: no outline
                from_table=True,
            )
        )
    if results.grid is not None and len(results.grid.columns):
        add(
            _Layer(
                "grid",
                results.grid,
                _text(t["grid"], language),
                group="base",
                outline_only=True,
                outline=("#969696", 0.1),
            )
        )
    if results.study_area is not None and len(results.study_area.columns):
        add(
            _Layer(
                "study_area",
                results.study_area,
                _text(t["study_area"], language),
                group="base",
                visible=True,
                outline_only=True,
                outline=("#000000", 0.6),
            )
        )
    for oname, overlay in (results.overlays or {}).items():
        add(
            _Layer(
                f"overlay_{_layer_name(oname)}",
                overlay,
                str(oname),
                group="base",
                visible=True,
                outline_only=True,
                outline=("#7a0177", 0.5),
            )
        )
    if mode == "internal":
        if results.incidents is not None and len(results.incidents):
            add(
                _Layer(
                    "incidents",
                    results.incidents,
                    _text(t["incidents"], language),
                    style="points",
                    group="base",
                    color="#e31a1c",
                )
            )
        if results.rejects is not None and len(results.rejects.columns):
            add(_Layer("rejects", results.rejects, _text(t["rejects"], language)))
    add(_Layer("run_metadata", _run_metadata(results, mode, language), _text(t["run_metadata"], language)))
    default_hotspot = next((n for n in _DEFAULT_HOTSPOT if n in layers and layers[n].group == "hotspots"), None)
    if default_hotspot is None:
        default_hotspot = next((n for n, lyr in layers.items() if lyr.group == "hotspots"), None)
    if default_hotspot is not None:
        layers[default_hotspot].visible = True
    return list(layers.values())


def _style_for(layer: _Layer, fields: Sequence[str], geometry_type: str | None, language: str) -> tuple[str, dict]:
    symbol_type = symbol_type_for(geometry_type)
    values = None
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


def _unique(title: str, used: set[str]) -> str:
    candidate, i = title, 2
    while candidate.lower() in used:
        candidate = f"{title} ({i})"
        i += 1
    used.add(candidate.lower())
    return candidate


def _write_gpkg(results: RunResults, path: Path, mode: str, language: str) -> list[str]:
    import pyogrio

    crs = results.config.project.crs
    layers = _collect_layers(results, mode, language)
    styles: list[dict] = []
    written: list[str] = []
    identifiers: set[str] = set()
    with _atomic(path) as tmp:
        for layer in layers:
            df = _prepare_frame(layer.data, crs, layer.name)
            spatial = isinstance(df, gpd.GeoDataFrame)
            options = {
                "FID": "fid",
                "IDENTIFIER": _clean_str(_unique(layer.title[:1000], identifiers)),
                "DESCRIPTION": _clean_str(layer.description),
            }
            if spatial:
                options["GEOMETRY_NAME"] = GEOMETRY_COLUMN
            geometry_type = None
            if spatial and df.geometry.isna().all():
                geometry_type = "Unknown"
            pyogrio.write_dataframe(
                df,
                tmp,
                layer=layer.name,
                driver="GPKG",
                layer_options=options,
                geometry_type=geometry_type,
                # GeoPackage 1.2: read without warnings by the GDAL of QGIS 3.22 (1.4 needs GDAL >= 3.7)
                dataset_options={"VERSION": "1.2"} if not written else None,
            )
            info = pyogrio.read_info(tmp, layer=layer.name)
            gtype = info.get("geometry_type") if spatial else None
            fields = ["fid", *(str(f) for f in info["fields"])]  # QGIS lists the FID as field 0
            layer.data = df
            qml, style_info = _style_for(layer, fields, gtype, language)
            styles.append(
                {
                    "f_table_name": layer.name,
                    "f_geometry_column": GEOMETRY_COLUMN if spatial else "",
                    "styleName": layer.name,
                    "styleQML": qml,
                    "description": _clean_str(layer.title),
                }
            )
            log.debug("layer %s: %d rows, style %s", layer.name, len(df), style_info)
            written.append(layer.name)
        _write_layer_styles(tmp, styles)
    log.info("wrote %s (%d layers)", path, len(written))
    return written


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
        The run; in ``"public"`` mode it is first passed through
        :func:`geolage.run.disclosure.public_results` (unless it already is public).
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
    """
    if mode not in ("public", "internal"):
        raise ValueError(f"mode needs to be 'public' or 'internal'; got {mode!r}")
    _check_language(language)
    if mode == "public":
        results = _public(results, language)
    return _write_gpkg(_mark_synthetic(results), Path(path), mode, language)


# --------------------------------------------------------------------------- rasters
def _cog_available() -> bool:
    import rasterio

    with rasterio.Env() as env:
        return "COG" in env.drivers()


def _overview_count(height: int, width: int, block: int) -> int:
    size, n = max(height, width), 0
    while size > block:
        size = math.ceil(size / 2)
        n += 1
    return max(n, 1) if min(height, width) >= 4 else 0


def write_geotiff(raster: Raster, path: str | Path, *, language: Literal["sv", "en"] = "sv") -> Path:
    """Write a density surface as a Cloud-Optimized GeoTIFF with a QGIS style beside it.

    Parameters
    ----------
    raster : Raster
        The surface (NaN where no data).
    path : str or Path
        The ``.tif`` file; the style is written to the same name with ``.qml``.
    language : {"sv", "en"}
        Language of the title and description tags and of the legend.

    Returns
    -------
    Path
        The GeoTIFF written.

    Raises
    ------
    ValueError
        The array is not 2-D, or ``raster.crs`` is empty.

    Notes
    -----
    Profile: float32, nodata :data:`NODATA` (-9999; NaN cells are written as
    -9999), 256 × 256 tiles, DEFLATE with floating-point predictor, internal
    overviews (average resampling; at least one level), written with GDAL's COG
    driver, or — when the installed GDAL lacks it — as a tiled GeoTIFF copied with
    its overviews in front (the COG layout). Dataset tags: ``TITLE``,
    ``DESCRIPTION``, ``UNITS``, ``GEOLAGE_NAME`` and ``GEOLAGE_<PARAMETER>`` for each
    of ``raster.parameters``; band 1 has the title as description, the unit as unit
    type, and ``STATISTICS_*`` tags.
    """
    import rasterio
    from rasterio.enums import Resampling

    _check_language(language)
    path = Path(path)
    arr = np.asarray(raster.array, dtype="float64")
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"raster {raster.name!r} needs a non-empty 2-D array; got shape {arr.shape}")
    if not raster.crs:
        raise ValueError(f"raster {raster.name!r} needs a CRS; got {raster.crs!r}")
    finite = np.isfinite(arr)
    data = np.where(finite, arr, NODATA).astype("float32")
    height, width = data.shape
    block = 256
    title = _clean_str(_text(raster.title, language, raster.name))
    tags = {
        "TITLE": title,
        "DESCRIPTION": _clean_str(_text(raster.description, language)),
        "UNITS": _clean_str(raster.unit),
        "GEOLAGE_NAME": _clean_str(raster.name),
    }
    for key, value in raster.parameters.items():
        v = _jsonable(value)
        tags[f"GEOLAGE_{_layer_name(key).upper()}"] = _clean_str(v if isinstance(v, str) else json.dumps(v))
    valid = arr[finite]
    stats = {}
    if valid.size:
        stats = {
            "STATISTICS_MINIMUM": f"{valid.min():.10g}",
            "STATISTICS_MAXIMUM": f"{valid.max():.10g}",
            "STATISTICS_MEAN": f"{valid.mean():.10g}",
            "STATISTICS_STDDEV": f"{valid.std():.10g}",
            "STATISTICS_VALID_PERCENT": f"{100 * valid.size / arr.size:.6g}",
        }
    base = {
        "height": height,
        "width": width,
        "count": 1,
        "dtype": "float32",
        "crs": raster.crs,
        "transform": raster.transform,
        "nodata": NODATA,
    }
    n_over = _overview_count(height, width, block)

    def fill(dst: Any) -> None:
        dst.write(data, 1)
        dst.update_tags(**tags)
        dst.update_tags(1, UNITS=tags["UNITS"], **stats)
        dst.set_band_description(1, title)
        dst.units = (tags["UNITS"],)

    with _atomic(path) as tmp:
        if _cog_available():
            profile = dict(
                base,
                driver="COG",
                compress="DEFLATE",
                predictor="YES",
                blocksize=block,
                overviews="AUTO",
                overview_count=n_over,
                overview_resampling="AVERAGE",
                resampling="AVERAGE",
                bigtiff="IF_SAFER",
            )
            with rasterio.open(tmp, "w", **profile) as dst:
                fill(dst)
        else:
            log.info("GDAL has no COG driver: writing a tiled GeoTIFF with the COG layout")
            staging = tmp.with_name(tmp.stem + "-staging.tif")
            try:
                gtiff = dict(
                    base,
                    driver="GTiff",
                    tiled=True,
                    blockxsize=block,
                    blockysize=block,
                    compress="deflate",
                    predictor=3,
                )
                with rasterio.open(staging, "w", **gtiff) as dst:
                    fill(dst)
                    if n_over:
                        dst.build_overviews([2**i for i in range(1, n_over + 1)], Resampling.average)
                from rasterio.shutil import copy as rio_copy

                rio_copy(
                    staging,
                    tmp,
                    driver="GTiff",
                    copy_src_overviews=True,
                    tiled=True,
                    blockxsize=block,
                    blockysize=block,
                    compress="deflate",
                    predictor=3,
                )
            finally:
                for p in (staging, staging.with_name(staging.name + ".aux.xml")):
                    if p.exists():
                        p.unlink()
    lo = float(valid.min()) if valid.size else 0.0
    hi = float(valid.max()) if valid.size else 1.0
    qml = qml_string(raster_style(minimum=min(lo, 0.0), maximum=hi, unit=raster.unit, language=language))
    qml_path = path.with_suffix(".qml")
    with _atomic(qml_path) as tmp:
        tmp.write_text(qml, encoding="utf-8")
    log.info("wrote %s (%d × %d, %d overview levels) and %s", path, width, height, n_over, qml_path.name)
    return path


# --------------------------------------------------------------------------- project
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


def _style_children(qml: str) -> list[ET.Element]:
    root = ET.fromstring(qml)
    return list(root)


def _read_styles(gpkg: Path) -> dict[str, str]:
    con = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
    try:
        rows = con.execute(
            'SELECT "f_table_name", "styleQML" FROM "layer_styles" WHERE "useAsDefault" ORDER BY "id"'
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def _wkb_geometry(geometry_type: str | None) -> str:
    st = symbol_type_for(geometry_type)
    return {"fill": "Polygon", "line": "Line", "marker": "Point"}.get(st or "", "No geometry")


def write_qgis_project(
    results: RunResults,
    out_dir: str | Path,
    layers: Sequence[str],
    rasters: Sequence[str | Path],
    *,
    language: Literal["sv", "en"] = "sv",
    gpkg_name: str = GPKG_NAME,
    name: str = PROJECT_NAME,
) -> Path:
    """Write a QGIS project that opens the GeoPackage layers and rasters, styled and grouped.

    Parameters
    ----------
    results : RunResults
        Gives titles, styles and the run CRS.
    out_dir : str or Path
        The folder holding ``gpkg_name`` and the rasters; the project is written there.
    layers : sequence of str
        GeoPackage layers to include (as returned by :func:`write_geopackage`).
    rasters : sequence of str or Path
        GeoTIFFs to include (as returned by :func:`write_geotiff`), each with its
        ``.qml`` style beside it.
    language : {"sv", "en"}
        Language of group and layer names.
    gpkg_name, name : str
        File names of the GeoPackage and of the project.

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
    'hela'`` (:func:`default_filter`), which the user can change in QGIS. Each
    layer carries the same style as in the GeoPackage. Layer ids are stable across
    runs. CRS of project and layers: the run CRS.
    """
    import pyogrio
    import rasterio

    _check_language(language)
    out = Path(out_dir)
    gpkg = out / gpkg_name
    crs = results.config.project.crs
    styles = _read_styles(gpkg) if layers else {}
    tables = {_layer_name(n): t for n, t in results.tables.items()}
    root = ET.Element(
        "qgis",
        {
            "projectname": xml_text(results.config.project.name),
            "version": QGIS_VERSION,
            "saveUser": "geolage",
            "saveDateTime": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        },
    )
    ET.SubElement(root, "homePath", {"path": ""})
    ET.SubElement(root, "title").text = xml_text(results.config.project.name)
    ET.SubElement(root, "transaction", {"mode": "Disabled"})
    ET.SubElement(root, "projectFlags", {"set": ""})
    _srs(ET.SubElement(root, "projectCrs"), crs)
    tree = ET.SubElement(root, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    project_layers = ET.Element("projectlayers")
    entries: dict[str, list[tuple[str, str, str, str, bool]]] = {g: [] for g in _GROUPS}
    all_bounds: list[Sequence[float]] = []

    specs = {lyr.name: lyr for lyr in _collect_layers(results, "internal", language)}
    for lname in layers:
        info = pyogrio.read_info(gpkg, layer=lname)
        gtype = info.get("geometry_type")
        spatial = gtype is not None
        spec = specs.get(lname)
        if spec is not None:
            title, group, visible = spec.title, spec.group, spec.visible
        else:
            title, group, visible = lname, "base", False
        table = tables.get(lname)
        if not spatial:
            group, visible = "tables", False
        filters = {}
        read_cols = [c for c in ("category", "period", "method") if c in list(info["fields"])]
        if read_cols and table is not None and table.style != "points":  # result tables only, not points
            df = pyogrio.read_dataframe(gpkg, layer=lname, columns=read_cols, read_geometry=False)
            filters = default_filter(df)
        source = f"./{gpkg_name}|layername={lname}"
        datasource = source + (f"|subset={_subset_expression(filters)}" if filters else "")
        lid = _layer_id(lname)
        ml = ET.SubElement(project_layers, "maplayer", {"type": "vector", "geometry": _wkb_geometry(gtype)})
        if spatial:
            ml.set("wkbType", str(gtype))
            bounds = info.get("total_bounds")
            if bounds is not None and all(math.isfinite(b) for b in bounds):
                _extent(ml, "extent", bounds)
                if visible:
                    all_bounds.append(bounds)
        ET.SubElement(ml, "id").text = lid
        ET.SubElement(ml, "datasource").text = xml_text(datasource)
        ET.SubElement(ml, "layername").text = xml_text(title)
        if spatial:
            _srs(ET.SubElement(ml, "srs"), crs)
        ET.SubElement(ml, "provider", {"encoding": "UTF-8"}).text = "ogr"
        qml = styles.get(lname)
        if qml:
            ml.extend(_style_children(qml))
        entries[group].append((lid, title, source, "ogr", visible))

    for rpath in rasters:
        rpath = Path(rpath)
        rname = rpath.stem
        raster = results.rasters.get(rname)
        title = _text(raster.title, language, rname) if raster is not None else rname
        lid = _layer_id(f"raster_{rname}")
        try:
            rel = "./" + rpath.resolve().relative_to(out.resolve()).as_posix()
        except ValueError:
            rel = os.path.relpath(rpath.resolve(), out.resolve())
        with rasterio.open(rpath) as ds:
            bounds = tuple(ds.bounds)
        ml = ET.SubElement(project_layers, "maplayer", {"type": "raster"})
        _extent(ml, "extent", bounds)
        ET.SubElement(ml, "id").text = lid
        ET.SubElement(ml, "datasource").text = xml_text(rel)
        ET.SubElement(ml, "layername").text = xml_text(title)
        _srs(ET.SubElement(ml, "srs"), crs)
        ET.SubElement(ml, "provider").text = "gdal"
        qml_path = rpath.with_suffix(".qml")
        if qml_path.exists():
            ml.extend(_style_children(qml_path.read_text(encoding="utf-8")))
        # rasters start hidden: the opaque hotspot layer is the default view
        entries["density"].append((lid, title, rel, "gdal", False))

    order: list[str] = []
    for group, items in entries.items():
        if not items:
            continue
        attrs = {"name": _text(_GROUPS[group], language), "checked": "Qt::Checked", "expanded": "1"}
        if group == "hotspots":
            checked = next((i for i, it in enumerate(items) if it[4]), -1)
            attrs.update({"mutually-exclusive": "1", "mutually-exclusive-child": str(checked)})
        if group == "tables":
            attrs.update({"checked": "Qt::Unchecked", "expanded": "0"})
        g = ET.SubElement(tree, "layer-tree-group", attrs)
        ET.SubElement(g, "customproperties")
        for lid, title, source, provider, visible in items:
            ET.SubElement(
                g,
                "layer-tree-layer",
                {
                    "id": lid,
                    "name": xml_text(title),
                    "source": xml_text(source),
                    "providerKey": provider,
                    "checked": "Qt::Checked" if visible else "Qt::Unchecked",
                    "expanded": "1" if visible else "0",
                    "legend_exp": "",
                },
            ).append(ET.Element("customproperties"))
            order.append(lid)
    ET.SubElement(tree, "custom-order", {"enabled": "0"})
    if not all_bounds:
        all_bounds = [tuple(results.districts.total_bounds)] if len(results.districts) else [(0, 0, 1, 1)]
    b = np.asarray(all_bounds, dtype=float)
    extent = (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
    canvas = ET.SubElement(root, "mapcanvas", {"name": "theMapCanvas", "annotationsVisible": "1"})
    ET.SubElement(canvas, "units").text = "meters"
    _extent(canvas, "extent", extent)
    ET.SubElement(canvas, "rotation").text = "0"
    _srs(ET.SubElement(canvas, "destinationsrs"), crs)
    ET.SubElement(canvas, "rendermaptile").text = "0"
    root.append(project_layers)
    lo = ET.SubElement(root, "layerorder")
    for lid in order:
        ET.SubElement(lo, "layer", {"id": lid})
    props = ET.SubElement(root, "properties")
    # QGIS 3.22 reads <projectCrs> only when this legacy flag is set
    srs_props = ET.SubElement(props, "SpatialRefSys")
    ET.SubElement(srs_props, "ProjectionsEnabled", {"type": "int"}).text = "1"
    paths = ET.SubElement(props, "Paths")
    ET.SubElement(paths, "Absolute", {"type": "bool"}).text = "false"
    ET.indent(root, space=" ")
    text = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")
    path = out / name
    with _atomic(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    log.info("wrote %s (%d layers, %d rasters)", path, len(layers), len(rasters))
    return path


# --------------------------------------------------------------------------- all
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
        In ``"public"`` mode the disclosure rules of :mod:`geolage.run.disclosure` are
        applied once, to tables and rasters alike (not again if ``results`` is
        already public).
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
    """
    if mode not in ("public", "internal"):
        raise ValueError(f"mode needs to be 'public' or 'internal'; got {mode!r}")
    _check_language(language)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if mode == "public":
        results = _public(results, language)
    results = _mark_synthetic(results)
    gpkg = out / GPKG_NAME
    layers = _write_gpkg(results, gpkg, mode, language)
    written: dict[str, Path] = {"gpkg": gpkg}
    tifs = []
    for name in results.rasters:
        stem = _layer_name(name)
        tif = write_geotiff(results.rasters[name], out / f"{stem}.tif", language=language)
        tifs.append(tif)
        written[f"raster:{stem}"] = tif
        written[f"raster_style:{stem}"] = tif.with_suffix(".qml")
    written["project"] = write_qgis_project(results, out, layers, tifs, language=language)
    return written

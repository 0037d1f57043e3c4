"""Per-district layers of the GeoPackage as SQL views: the rows once, the polygons once.

A per-district result table without geometry of its own (``series``, ``counts_source``,
``funnel``, ``year_to_date``, …) is shown on the map with its district's polygon
(:func:`geolage.outputs.gpkg._with_district_geometry`). Writing the polygon into every row
made the demo's ``series`` layer 138 MB (102,000 rows, each with a copy of one of 47
polygons) and cost most of the GeoPackage's writing time. Such a layer is written instead as

``<name>_rows``
    An attribute table (``gpkg_contents.data_type = 'attributes'``): the layer's fields and
    ``district_fid``, the ``fid`` of the row's district in the ``districts`` layer (NULL where
    the row is not one district's: the whole area, a focus area).
``<name>``
    A view joining each row to its district's geometry, registered as a features layer in
    ``gpkg_contents`` and ``gpkg_geometry_columns`` (a GeoPackage "spatial view", read by
    GDAL >= 2.2 and so by QGIS, pyogrio and geopandas like a table). Its ``fid`` is the row's,
    its fields are the layer's in the same order, its geometry the district's polygon as
    stored in ``districts`` (the same polygons the layer carried: both are written from the
    run's districts, row for row).

The view has no spatial index (GeoPackage views cannot have one); QGIS reads the 47
polygons through the join. Its extent is stored in ``gpkg_contents`` like a table's.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["ROWS_SUFFIX", "DISTRICT_FID", "ROWS_TITLE", "district_positions", "district_rows", "key_alias",
           "write_district_view"]

#: Suffix of the attribute table holding a per-district view's rows.
ROWS_SUFFIX = "_rows"
#: Column of the attribute table naming the row's district (``fid`` in the districts layer).
DISTRICT_FID = "district_fid"

#: Title of a view's attribute table (``gpkg_contents.identifier``), from the layer's title.
ROWS_TITLE = {"sv": "{title} (rader utan geometri)", "en": "{title} (rows without geometry)"}
_ROWS_DESCRIPTION = {
    "sv": "Raderna i lagret {name} utan geometri. Lagret {name} är en vy som visar dem med områdets polygon "
          "(kolumnen {key} är områdets fid i lagret {districts}).",
    "en": "The rows of layer {name} without geometry. Layer {name} is a view showing them with their "
          "district's polygon (column {key} is the district's fid in layer {districts}).",
}


_KEY_ALIAS = {"sv": "Områdets löpnummer i lagret districts", "en": "The district's feature number in layer districts"}


def key_alias(qml: str, key: str, language: str) -> str:
    """The attribute table's style ``qml`` with the alias of its ``district_fid`` column in ``language``."""
    return re.sub(rf'(<alias field="{re.escape(key)}" index="\d+" name=")[^"]*(")',
                  lambda m: m.group(1) + _KEY_ALIAS[language] + m.group(2), qml)


def district_positions(keys: pd.Series, district_ids: pd.Series) -> np.ndarray | None:
    """The row of each key's district in ``district_ids`` (-1 where none), as a left join on text matches.

    Parameters
    ----------
    keys : Series
        A table's district key (``district_id`` or ``area``), compared as text.
    district_ids : Series
        The districts' ``district_id`` in the order the districts layer is written.

    Returns
    -------
    ndarray of int or None
        Positions into ``district_ids``; None when the ids are not unique (a join would then
        repeat rows, which a view of one row per row cannot show).
    """
    ids = pd.Index(district_ids.astype(str))
    if not ids.is_unique:
        return None
    return ids.get_indexer(keys.astype(str))


def district_rows(frame: gpd.GeoDataFrame, key: str | None, districts: pd.DataFrame | None) -> np.ndarray | None:
    """Each row's position in the districts layer as written, when every row's polygon is exactly that district's.

    Parameters
    ----------
    frame : GeoDataFrame
        A per-district layer as it would be written, its polygons joined from the districts.
    key : str or None
        Its district key column (``district_id`` or ``area``); None: not a per-district layer.
    districts : GeoDataFrame or None
        The districts layer as written (``district_id``, geometry; ``fid`` 1, 2, … in this order).

    Returns
    -------
    ndarray of int or None
        Positions (-1 for a row without geometry, which must be the rows matching no district);
        None when the layer cannot be a view: no key, ids not unique, or a row's polygon is not
        exactly (``shapely.equals_exact``, tolerance 0) its district's.
    """
    if key is None or districts is None or key not in frame.columns or "district_id" not in districts.columns:
        return None
    rows = district_positions(frame[key], districts["district_id"])
    if rows is None or (frame.geometry.isna().to_numpy() != (rows < 0)).any():
        return None
    matched = rows >= 0
    mine = frame.geometry.to_numpy()[matched]
    theirs = districts.geometry.to_numpy()[rows[matched]]
    return rows if bool(shapely.equals_exact(mine, theirs, tolerance=0).all()) else None


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def write_district_view(
    path: Path,
    frame: pd.DataFrame,
    positions: np.ndarray,
    name: str,
    *,
    districts: str,
    identifier: str,
    rows_identifier: str,
    description: str,
    language: str,
) -> tuple[str, list[str]]:
    """Write a per-district layer as an attribute table ``<name>_rows`` and a spatial view ``<name>``.

    Parameters
    ----------
    path : Path
        The GeoPackage, which already holds the districts layer ``districts`` (with ``fid``
        1, 2, … in the order of ``positions``' targets).
    frame : GeoDataFrame
        The layer as it would be written (geometry included; the geometry is not written).
    positions : ndarray of int
        Each row's district: its position in the districts layer (-1: none, NULL geometry).
    name : str
        The layer (the view's name).
    districts : str
        Name of the districts layer.
    identifier, description : str
        ``gpkg_contents`` identifier and description of the view (the layer's title and text).
    rows_identifier : str
        ``gpkg_contents`` identifier of the attribute table (unique in the file; see :data:`ROWS_TITLE`).
    language : {"sv", "en"}
        Language of the attribute table's title and description.

    Returns
    -------
    tuple of (str, list of str)
        The attribute table's name and its fields (the layer's, then the district key).
    """
    import pyogrio

    geometry = frame.geometry.name
    attrs = pd.DataFrame(frame.drop(columns=geometry))
    fields = [str(c) for c in attrs.columns]
    key = DISTRICT_FID
    while key in fields:
        key = f"_{key}"
    attrs[key] = pd.array(np.where(positions >= 0, positions + 1, 0), dtype="Int64")
    attrs.loc[positions < 0, key] = pd.NA
    table = f"{name}{ROWS_SUFFIX}"
    pyogrio.write_dataframe(
        attrs, path, layer=table, driver="GPKG", use_arrow=True,
        layer_options={"FID": "fid", "IDENTIFIER": rows_identifier,
                       "DESCRIPTION": _ROWS_DESCRIPTION[language].format(name=name, key=key, districts=districts)},
    )
    bounds = frame.geometry.dropna().total_bounds if frame.geometry.notna().any() else [None] * 4
    con = sqlite3.connect(path)
    try:
        with con:
            gtype, srs_id, z, m, gcol = con.execute(
                "SELECT geometry_type_name, srs_id, z, m, column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                (districts,)).fetchone()
            con.execute(_view_sql(name, table, districts, gcol, fields, key))
            con.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, "
                "min_x, min_y, max_x, max_y, srs_id) VALUES (?, 'features', ?, ?, "
                "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, ?, ?, ?)",
                (name, identifier, description, *(None if b is None else float(b) for b in bounds), srs_id))
            con.execute("INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (name, gcol, gtype, srs_id, z, m))
    finally:
        con.close()
    return table, [*fields, key]


def _view_sql(name: str, table: str, districts: str, geometry: str, fields: Sequence[str], key: str) -> str:
    """``CREATE VIEW``: the rows' fid, the district's geometry, the rows' fields in order."""
    columns = ", ".join(f"r.{_quote(f)}" for f in fields)
    return (f"CREATE VIEW {_quote(name)} AS SELECT r.\"fid\" AS \"fid\", d.{_quote(geometry)} AS {_quote(geometry)}"
            f"{', ' + columns if columns else ''} FROM {_quote(table)} AS r "
            f"LEFT JOIN {_quote(districts)} AS d ON d.\"fid\" = r.{_quote(key)}")

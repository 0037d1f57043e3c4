"""District polygons from incidents that name their district (Vancouver's ``NEIGHBOURHOOD``).

Some open crime data give each incident the name of its neighbourhood, beat or ward but publish
no boundaries. :func:`districts_from_points` draws them from the incidents themselves: every
place in the study area goes to the district named by the **nearest incident location** (the
Voronoi cells of the distinct locations, merged per name), clipped to the study area (the
points' convex hull buffered by ``buffer`` metres, or one given).

Limits, said in the layer and the README: a boundary lies halfway between the nearest incidents
on either side, so it is only as sharp as the incidents are dense (in a thinly covered part a
district can reach into its neighbour, or leave a park or river to the wrong side); the outer
edge is the study area, not the true boundary; a district without geocoded incidents gets no
polygon; a location with incidents of several names goes to the most frequent one, and a
point can fall outside its named polygon where a true boundary zig-zags between incidents.
The column ``agreement`` says, per district, which share of its incidents lie in its own
polygon: close to 1 everywhere means the polygons reproduce the data's own assignment. Use
official boundaries instead whenever they exist.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .errors import ConfigError, InputFileError
from .focus import area_code
from .run import schemas

if TYPE_CHECKING:
    from .init import SourceGuess

__all__ = ["DERIVED_COLUMNS", "districts_for_source", "districts_from_points", "derived_from",
           "write_districts_from_source"]

log = logging.getLogger(__name__)

#: How the description of a derived district layer begins; :func:`derived_from` reads it back.
_ABOUT = "Approximate districts drawn by geolage from column {column} of {file}: "
_ABOUT_RE = re.compile(r"^Approximate districts drawn by geolage from column (.+?) of (.+?): ")

#: Columns of :func:`districts_from_points`, before ``geometry``.
DERIVED_COLUMNS: tuple[str, ...] = ("id", "name", "n_incidents", "agreement")


def _located_names(points: gpd.GeoDataFrame, name_column: str) -> pd.DataFrame:
    """One row per distinct location: x, y and the most frequent name there (ties: the first by name)."""
    xy = pd.DataFrame({"x": points.geometry.x.to_numpy(), "y": points.geometry.y.to_numpy(),
                       "name": points[name_column].astype(str).str.strip().to_numpy()})
    counts = xy.groupby(["x", "y", "name"], sort=True).size().rename("n").reset_index()
    counts = counts.sort_values(["x", "y", "n", "name"], ascending=[True, True, False, True], kind="mergesort")
    return counts.drop_duplicates(["x", "y"], keep="first").reset_index(drop=True)


def districts_from_points(
    points: gpd.GeoDataFrame,
    name_column: str,
    *,
    study_area: shapely.Geometry | None = None,
    buffer: float = 500.0,
) -> gpd.GeoDataFrame:
    """District polygons from incident points that carry their district's name.

    Parameters
    ----------
    points : GeoDataFrame
        Incident points in a projected CRS (metres). Rows without a geometry, with an empty
        geometry or without a name are left out.
    name_column : str
        The column naming each incident's district.
    study_area : shapely geometry, optional
        Polygon the districts are clipped to (in the points' CRS). Default: the convex hull
        of the points buffered by ``buffer`` metres.
    buffer : float
        Metres around the hull when no ``study_area`` is given.

    Returns
    -------
    GeoDataFrame
        One row per name, sorted by name: ``id`` (ASCII code of the name, made unique),
        ``name``, ``n_incidents`` (incidents with this name and a location), ``agreement``
        (share of those incidents inside this polygon) and ``geometry`` (polygons that
        tile the study area without overlap), in the points' CRS.

    Raises
    ------
    ConfigError
        No projected CRS, the column is missing, or fewer than two distinct names or
        three distinct locations are left.

    Notes
    -----
    Each distinct location's Voronoi cell (:func:`shapely.voronoi_polygons`) goes to the
    name most frequent at that location; the cells are merged per name and clipped to the
    study area. See the module docstring for the limits.
    """
    if points.crs is None or not CRS.from_user_input(points.crs).is_projected:
        raise ConfigError("districts from incident names need points in a projected CRS (metres); "
                          f"got {points.crs}")
    if name_column not in points.columns:
        raise ConfigError(f"no column {name_column!r} in the incidents; columns: {', '.join(map(str, points.columns))}")
    keep = points.geometry.notna() & ~points.geometry.is_empty & points[name_column].notna()
    keep &= points[name_column].astype(str).str.strip() != ""
    pts = points.loc[keep]
    located = _located_names(pts, name_column)
    if located["name"].nunique() < 2 or len(located) < 3:
        raise ConfigError(f"column {name_column!r} gives {located['name'].nunique()} name(s) at {len(located)} "
                          "location(s); district polygons need at least two names and three locations")
    generators = shapely.points(located["x"].to_numpy(), located["y"].to_numpy())
    area = study_area if study_area is not None else shapely.MultiPoint(generators).convex_hull.buffer(buffer)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(generators), extend_to=area,
                                                       ordered=True))
    frame = gpd.GeoDataFrame({"name": located["name"].to_numpy()}, geometry=cells, crs=points.crs)
    merged = frame.dissolve(by="name", sort=True).reset_index()
    merged["geometry"] = shapely.make_valid(shapely.intersection(merged.geometry.to_numpy(), area))
    return _with_counts(merged, pts, name_column)


def _with_counts(merged: gpd.GeoDataFrame, pts: gpd.GeoDataFrame, name_column: str) -> gpd.GeoDataFrame:
    """Add ``id``, ``n_incidents`` and ``agreement`` to the merged polygons."""
    names = pts[name_column].astype(str).str.strip().to_numpy()
    ids, used = [], set()
    for name in merged["name"]:
        code, k = area_code(name), 2
        while code in used:
            code, k = f"{area_code(name)}_{k}", k + 1
        used.add(code)
        ids.append(code)
    n, agree = [], []
    for name, geom in zip(merged["name"], merged.geometry, strict=True):
        own = pts.geometry.to_numpy()[names == name]
        inside = shapely.covers(geom, own) if len(own) else np.zeros(0, dtype=bool)
        n.append(len(own))
        agree.append(float(inside.mean()) if len(own) else np.nan)
    out = gpd.GeoDataFrame({"id": ids, "name": merged["name"].to_numpy(), "n_incidents": n, "agreement": agree},
                           geometry=merged.geometry.to_numpy(), crs=merged.crs)
    low = out[out["agreement"] < 0.9]
    if len(low):
        log.warning("derived districts: %d of %d have under 90%% of their incidents inside (lowest: %s, %.0f%%)",
                    len(low), len(out), low.sort_values("agreement")["name"].iloc[0],
                    100 * low["agreement"].min())
    return out


def write_districts_from_source(
    path: str | Path, *, x: str, y: str, crs: str, name_column: str, out: str | Path, buffer: float = 500.0
) -> Path:
    """Read an incident CSV/Excel/GeoPackage/GeoJSON/Parquet file and write its derived districts.

    Parameters
    ----------
    path : str or Path
        The incident file (read as :func:`geolage.init.inspect_source` reads it).
    x, y : str
        Its coordinate columns (``"__x"``/``"__y"`` for a point layer's geometry).
    crs : str
        CRS of ``x``/``y``; lon/lat (a geographic CRS) is projected to its UTM zone first.
    name_column : str
        The column naming each incident's district.
    out : str or Path
        GeoPackage to write (layer ``districts``, columns :data:`DERIVED_COLUMNS`; the layer's
        description, shown by QGIS, says how it was drawn).
    buffer : float
        Metres around the points' hull (the study area).

    Returns
    -------
    Path
        ``out``.
    """
    from .init import _read, guess_run_crs

    df, _, _ = _read(Path(path), None, None)
    xs = pd.to_numeric(df[x].astype(str).str.replace(",", ".", regex=False), errors="coerce")
    ys = pd.to_numeric(df[y].astype(str).str.replace(",", ".", regex=False), errors="coerce")
    ok = np.isfinite(xs) & np.isfinite(ys) & ~((xs == 0) & (ys == 0))  # 0,0 = not geocoded
    points = gpd.GeoDataFrame(df.loc[ok], geometry=gpd.points_from_xy(xs[ok], ys[ok]), crs=crs)
    if points.crs.is_geographic:
        mid = points.geometry.union_all().centroid
        points = points.to_crs(guess_run_crs(mid.x, mid.y))
    districts = districts_from_points(points, name_column, buffer=buffer)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    about = (_ABOUT.format(column=name_column, file=Path(path).name) + "every place goes to the district of "
             f"the nearest incident (Voronoi), clipped to the incidents' hull + {buffer:g} m.")
    districts.to_file(out, layer=schemas.DISTRICTS.name, driver="GPKG", engine="pyogrio",
                      layer_options={"DESCRIPTION": about})
    log.info("wrote %s: %d districts from column %s of %s", out, len(districts), name_column, Path(path).name)
    return out


def districts_for_source(guess: SourceGuess, column: str, config: Path, *, buffer: float = 500.0) -> Path:
    """Derived districts of the file ``geolage init`` inspected, written as ``<config stem>_districts.gpkg``.

    Parameters
    ----------
    guess : SourceGuess
        What :func:`geolage.init.inspect_source` found (coordinate columns and their CRS).
    column : str
        The column naming each incident's district.
    config : Path
        The configuration being written; the GeoPackage goes beside it.
    buffer : float
        Metres around the points' hull.

    Returns
    -------
    Path

    Raises
    ------
    InputFileError
        The file's coordinates or their CRS are unknown (give ``--crs``).
    """
    cols = guess.columns
    if guess.crs is None or not ({"x", "y"} <= set(cols) or {"lon", "lat"} <= set(cols)):
        raise InputFileError(f"{guess.path.name}: --districts-from needs coordinates in a known CRS; "
                             "give the CRS of the x/y columns with --crs (e.g. --crs EPSG:26910)")
    x, y = (cols["lon"], cols["lat"]) if "lon" in cols else (cols["x"], cols["y"])
    return write_districts_from_source(guess.path, x=x, y=y, crs=guess.crs, name_column=column,
                                       out=config.with_name(f"{config.stem}_districts.gpkg"), buffer=buffer)


def derived_from(path: str | Path, layer: str | None = None) -> str | None:
    """The incident column a district layer was drawn from by :func:`write_districts_from_source`, else None.

    Parameters
    ----------
    path : str or Path
        A district layer; only a GeoPackage can say it (its layer description).
    layer : str, optional
        The layer (default: the first one).

    Returns
    -------
    str or None
        The column name, or None for any other layer (or one that cannot be read).
    """
    if Path(path).suffix.lower() != ".gpkg" or not Path(path).is_file():
        return None
    try:
        with sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True) as con:
            rows = con.execute("select table_name, description from gpkg_contents").fetchall()
    except sqlite3.Error:
        return None
    about = next((d for t, d in rows if layer is None or t == layer), None)
    match = _ABOUT_RE.match(about or "")
    return match.group(1) if match else None

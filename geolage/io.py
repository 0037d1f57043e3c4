"""Read districts, boundary layers and incident sources (CSV, Excel, GeoPackage, GeoJSON, Parquet)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from .config import DistrictsConfig, LayerConfig, OverlayConfig, SourceConfig
from .errors import CRSMismatchError, InputFileError

__all__ = [
    "read_layer",
    "read_districts",
    "read_overlay",
    "read_source_table",
    "read_population_table",
    "read_reference_rates",
    "read_indicators",
    "read_survey",
    "read_bra_totals",
    "file_sha256",
    "GEOMETRY_X",
    "GEOMETRY_Y",
]

log = logging.getLogger(__name__)

#: Names of the coordinate columns added when a source is a point layer.
GEOMETRY_X = "__geometry_x"
GEOMETRY_Y = "__geometry_y"


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (recorded in the run record)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _same_crs(a: CRS, b: CRS) -> bool:
    return a == b or (a.to_epsg() is not None and a.to_epsg() == b.to_epsg())


def read_layer(
    path: str | Path, layer: str | None = None, *, crs: str | None = None, reproject: bool = False
) -> gpd.GeoDataFrame:
    """Read a vector layer and check its CRS (or reproject it to ``crs``).

    Parameters
    ----------
    path : str or Path
        GeoPackage, GeoJSON, Shapefile or any format GDAL reads.
    layer : str, optional
        Layer name (needed when a GeoPackage holds several layers).
    crs : str, optional
        The CRS the layer must be in (e.g. ``"EPSG:3006"``).
    reproject : bool
        Reproject a layer in another CRS to ``crs`` (logged at INFO) instead of refusing it.
        Boundary layers (districts, study area, overlays) are reprojected; a point source's
        CRS must match its configured ``crs``.

    Returns
    -------
    GeoDataFrame

    Raises
    ------
    InputFileError
        The file is missing or unreadable, the layer does not exist, or the layer has no CRS.
    CRSMismatchError
        The layer's CRS differs from ``crs`` and ``reproject`` is False. A mismatch is never
        ignored: a silent mismatch gives counts of zero in a scheduled run.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: file not found; check the path in the configuration",
                             sv=f"{path}: filen finns inte; kontrollera sökvägen i konfigurationen")
    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises DataSourceError and others
        raise InputFileError(f"{path}: cannot be read as a vector file ({exc})",
                             sv=f"{path}: kan inte läsas som en vektorfil ({exc})") from None
    if layer is None and len(layers) > 1:
        raise InputFileError(f"{path}: holds {len(layers)} layers ({', '.join(layers)}); name one with 'layer'",
                             sv=f"{path}: innehåller {len(layers)} lager ({', '.join(layers)}); ange ett med 'layer'")
    if layer is not None and layer not in layers:
        raise InputFileError(f"{path}: no layer '{layer}'; the file has: {', '.join(layers)}",
                             sv=f"{path}: lagret '{layer}' finns inte; filen har: {', '.join(layers)}")
    gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    if gdf.crs is None:
        raise InputFileError(
            f"{path}: the layer has no CRS; assign one (e.g. EPSG:3006) in QGIS or with ogr2ogr -a_srs",
            sv=f"{path}: lagret saknar koordinatsystem; ange ett (t.ex. EPSG:3006) i QGIS eller med ogr2ogr -a_srs",
        )
    if crs is not None and not _same_crs(CRS.from_user_input(gdf.crs), CRS.from_user_input(crs)):
        if reproject:
            log.info("%s: reprojected from %s to the run CRS %s", path.name,
                     CRS.from_user_input(gdf.crs).to_string(), CRS.from_user_input(crs).to_string())
            return gdf.to_crs(crs)
        raise CRSMismatchError(
            f"{path}: layer CRS is {CRS.from_user_input(gdf.crs).to_string()} but the run uses "
            f"{CRS.from_user_input(crs).to_string()}; reproject the layer (e.g. ogr2ogr -t_srs {crs}) "
            "or change project.crs",
            sv=f"{path}: lagret har koordinatsystemet {CRS.from_user_input(gdf.crs).to_string()} men körningen "
            f"använder {CRS.from_user_input(crs).to_string()}; projicera om lagret (t.ex. ogr2ogr -t_srs {crs}) "
            "eller ändra project.crs",
        )
    return gdf


def read_districts(cfg: DistrictsConfig, *, crs: str) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """Read the district polygons, check them and repair invalid geometries.

    Parameters
    ----------
    cfg : DistrictsConfig
        Path, layer and field names.
    crs : str
        The run CRS; a layer in another CRS is reprojected to it (logged).

    Returns
    -------
    districts : GeoDataFrame
        Indexed by ``district_id`` (str), with ``district_id``, ``district_name``,
        ``population`` (float, NaN when no population field), the other source fields
        and the geometry.
    report : dict
        ``{"n_districts": n, "repaired": n_invalid_geometries_repaired}`` (a district with no
        area after repair is an error).

    Raises
    ------
    InputFileError
        A named field is missing, district ids repeat, or ids are empty, or the layer has no CRS.
    """
    gdf = read_layer(cfg.path, cfg.layer, crs=crs, reproject=True)
    # The population may come from a separate table (districts.population_table) instead.
    from_layer = cfg.population_field is not None and cfg.population_table is None
    fields = [cfg.id_field, cfg.name_field] + ([cfg.population_field] if from_layer else [])
    missing = [f for f in fields if f not in gdf.columns]
    if missing:
        raise InputFileError(
            f"{cfg.path}: district field(s) {', '.join(missing)} not found; the layer has: "
            f"{', '.join(c for c in gdf.columns if c != 'geometry')}",
            sv=f"{cfg.path}: områdesfältet/fälten {', '.join(missing)} finns inte; lagret har: "
            f"{', '.join(c for c in gdf.columns if c != 'geometry')}",
        )
    if len(gdf) == 0:
        raise InputFileError(f"{cfg.path}: the districts layer has no features; give the layer with the polygons",
                             sv=f"{cfg.path}: områdeslagret har inga objekt; ange lagret med polygonerna")
    ids = _district_ids(gdf[cfg.id_field], cfg)
    _check_district_geometry_types(gdf.geometry.values, ids, cfg)
    geoms, n_invalid = _repaired_geometries(gdf.geometry.values, ids, cfg)
    out = gpd.GeoDataFrame(
        {
            "district_id": ids.to_numpy(),
            "district_name": gdf[cfg.name_field].astype(str).to_numpy(),
        },
        geometry=gpd.GeoSeries(geoms, crs=gdf.crs).to_numpy(),
        crs=gdf.crs,
    )
    out["population"] = _layer_population(gdf, ids, cfg) if from_layer else np.nan
    for col in gdf.columns:
        if col not in (cfg.id_field, cfg.name_field, cfg.population_field, "geometry") and col not in out.columns:
            out[col] = gdf[col].to_numpy()
    out.index = pd.Index(out["district_id"], name=None)
    return out, {"n_districts": len(out), "repaired": n_invalid}


def _district_ids(ids: pd.Series, cfg: DistrictsConfig) -> pd.Series:
    """The id field as stripped text; empty or repeated ids are an error."""
    blank = ids.isna() | (ids.astype(str).str.strip() == "")
    if blank.any():
        rows = [int(i) + 1 for i in np.flatnonzero(blank.to_numpy())]
        raise InputFileError(
            f"{cfg.path}: column '{cfg.id_field}' is empty in feature(s) {rows[:10]}; every district needs an id",
            sv=f"{cfg.path}: kolumnen '{cfg.id_field}' är tom i objekt {rows[:10]}; varje område behöver ett id",
        )
    ids = ids.astype(str).str.strip()
    dup = ids[ids.duplicated(keep=False)]
    if len(dup):
        raise InputFileError(
            f"{cfg.path}: column '{cfg.id_field}' has duplicate district ids: {', '.join(sorted(set(dup))[:10])}; "
            "ids must be unique (dissolve the duplicates or pick another id field)",
            sv=f"{cfg.path}: kolumnen '{cfg.id_field}' har dubblerade områdes-id: "
            f"{', '.join(sorted(set(dup))[:10])}; id måste vara unika (slå ihop dubbletterna eller välj ett annat "
            "id-fält)",
        )
    return ids


def _check_district_geometry_types(geoms: np.ndarray, ids: pd.Series, cfg: DistrictsConfig) -> None:
    """Every district has a polygon: a null, empty, point or line geometry is an error naming feature and id."""
    missing = pd.isna(geoms) | shapely.is_empty(geoms)
    kinds = shapely.get_type_id(geoms)
    polygonal = np.isin(kinds, (3, 6))  # Polygon, MultiPolygon
    collections = kinds == 7
    if collections.any():  # a GeometryCollection counts when it holds a polygon
        polygonal[collections] = [_polygonal_part(g).area > 0 for g in geoms[collections]]
    problems = (
        (missing, "no geometry (null or empty)", "ingen geometri (null eller tom)"),
        (~missing & ~polygonal, "a geometry that is no polygon", "en geometri som inte är en polygon"),
    )
    for bad, what, what_sv in problems:
        if bad.any():
            rows = np.flatnonzero(bad)
            named = ", ".join(f"feature {i + 1} (id {ids.iloc[i]})" for i in rows[:10])
            named_sv = ", ".join(f"objekt {i + 1} (id {ids.iloc[i]})" for i in rows[:10])
            more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
            more_sv = f" och {len(rows) - 10} till" if len(rows) > 10 else ""
            raise InputFileError(
                f"{cfg.path}: {len(rows)} district(s) have {what}: {named}{more}; draw the polygon or remove "
                "the feature (e.g. in QGIS)",
                sv=f"{cfg.path}: {len(rows)} område(n) har {what_sv}: {named_sv}{more_sv}; rita polygonen eller "
                "ta bort objektet (t.ex. i QGIS)",
            )


def _repaired_geometries(geoms: np.ndarray, ids: pd.Series, cfg: DistrictsConfig) -> tuple[np.ndarray, int]:
    """Invalid polygons repaired with ``make_valid`` (their polygonal part), and how many; no area is an error."""
    invalid = ~shapely.is_valid(geoms)
    n_invalid = int(invalid.sum())
    if n_invalid:
        log.warning("%s: %d invalid district polygon(s) repaired with make_valid", cfg.path, n_invalid)
        fixed = shapely.make_valid(geoms[invalid])
        # make_valid can return collections with lines; keep the polygonal part.
        fixed = np.array([_polygonal_part(g) for g in fixed], dtype=object)
        geoms = geoms.copy()
        geoms[invalid] = fixed
    empty = shapely.is_empty(geoms) | pd.isna(geoms)
    if empty.any():
        raise InputFileError(
            f"{cfg.path}: district(s) {', '.join(ids[empty].tolist()[:10])} have no area after repair; "
            "fix the geometry",
            sv=f"{cfg.path}: område(n) {', '.join(ids[empty].tolist()[:10])} har ingen yta efter reparation; rätta "
            "geometrin",
        )
    return geoms, n_invalid


def _layer_population(gdf: gpd.GeoDataFrame, ids: pd.Series, cfg: DistrictsConfig) -> np.ndarray:
    """The population field as numbers; text that is no number, or a negative value, is an error."""
    assert cfg.population_field is not None  # only called when the layer has the population
    pop = pd.to_numeric(gdf[cfg.population_field], errors="coerce")
    bad = pop.isna() & gdf[cfg.population_field].notna()
    if bad.any():
        raise InputFileError(
            f"{cfg.path}: population field '{cfg.population_field}' is not a number for district(s) "
            f"{', '.join(ids[bad].tolist()[:10])}",
            sv=f"{cfg.path}: befolkningsfältet '{cfg.population_field}' är inte ett tal för område(n) "
            f"{', '.join(ids[bad].tolist()[:10])}",
        )
    if (pop < 0).any():
        raise InputFileError(
            f"{cfg.path}: population field '{cfg.population_field}' has negative values for district(s) "
            f"{', '.join(ids[pop < 0].tolist()[:10])}; a population is a count of residents, 0 or more",
            sv=f"{cfg.path}: befolkningsfältet '{cfg.population_field}' har negativa värden för område(n) "
            f"{', '.join(ids[pop < 0].tolist()[:10])}; en befolkning är ett antal invånare, 0 eller fler",
        )
    return pop.astype(float).to_numpy()


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def read_overlay(cfg: OverlayConfig | LayerConfig, *, crs: str) -> gpd.GeoDataFrame:
    """Read a boundary layer (study area or map overlay) in the run CRS.

    The study area (a :class:`LayerConfig`) needs polygons: a feature with no geometry, or a layer with
    no area, is an :class:`InputFileError` naming the features.
    """
    gdf = read_layer(cfg.path, cfg.layer, crs=crs, reproject=True)
    if isinstance(cfg, LayerConfig):
        geoms = gdf.geometry.values
        missing = np.flatnonzero(pd.isna(geoms) | shapely.is_empty(geoms))
        if len(missing):
            raise InputFileError(
                f"{cfg.path}: the study area has {len(missing)} feature(s) with no geometry (null or empty): "
                f"feature(s) {[int(i) + 1 for i in missing[:10]]}; draw them or remove them (e.g. in QGIS)",
                sv=f"{cfg.path}: undersökningsområdet har {len(missing)} objekt utan geometri (null eller tom): "
                f"objekt {[int(i) + 1 for i in missing[:10]]}; rita dem eller ta bort dem (t.ex. i QGIS)",
            )
        if len(gdf) == 0 or not (shapely.area(geoms) > 0).any():
            raise InputFileError(f"{cfg.path}: the study area has no polygon with an area; give the area's polygon",
                                 sv=f"{cfg.path}: undersökningsområdet har ingen polygon med en yta; ange områdets "
                                 "polygon")
    return gdf


def read_source_table(src: SourceConfig) -> pd.DataFrame:
    """Read an incident source as raw text columns, one row per input record.

    Every value is kept as text (or None) so that validation sees exactly what the
    file says. Point layers (GeoPackage, GeoJSON, GeoParquet) get two extra columns,
    ``__geometry_x`` and ``__geometry_y``, in the layer's CRS.

    Parameters
    ----------
    src : SourceConfig

    Returns
    -------
    DataFrame
        The rows in file order with a RangeIndex.

    Raises
    ------
    InputFileError
        The file cannot be read, or a configured column is missing.
    CRSMismatchError
        A point layer's CRS differs from the source's configured ``crs``.
    """
    fmt = src.resolved_format()
    path = src.path
    if not path.exists():
        raise InputFileError(f"{path}: file not found (source '{src.name}'); check sources.path",
                             sv=f"{path}: filen finns inte (källan '{src.name}'); kontrollera sources.path")
    df = _read_source_file(src, fmt).reset_index(drop=True)
    df.columns = [str(c).strip() for c in df.columns]
    _check_source_columns(df, src)
    if len(df) == 0:
        raise InputFileError(
            f"{path}: source '{src.name}' has no data rows (only a header, or nothing); give the file with the "
            "incidents, or remove the source from the configuration",
            sv=f"{path}: källan '{src.name}' har inga datarader (bara en rubrikrad, eller ingenting); ange filen med "
            "händelserna, eller ta bort källan ur konfigurationen",
        )
    return df


def _read_source_file(src: SourceConfig, fmt: str) -> pd.DataFrame:
    """The source file as a frame of text, by format; any failure to read is an :class:`InputFileError`."""
    path = src.path
    try:
        if fmt == "csv":
            return pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                encoding=src.encoding,
                sep=src.delimiter,
                encoding_errors="strict",
            )
        if fmt == "excel":
            sheet: str | int = src.sheet if src.sheet is not None else 0
            book = pd.read_excel(path, sheet_name=sheet, dtype=object, engine="openpyxl")
            return book.apply(lambda s: s.map(_excel_text))
        if fmt in ("gpkg", "geojson"):
            return _points_to_columns(read_layer(path, src.layer), src)
        if fmt == "parquet":
            try:
                return _points_to_columns(gpd.read_parquet(path), src)
            except (ValueError, KeyError):
                return pd.read_parquet(path).apply(lambda s: s.map(_excel_text))
        raise InputFileError(f"{path}: unsupported format {fmt}")  # pragma: no cover - the config allows no other
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{path}: not valid {src.encoding} text at byte {exc.start}; set sources.encoding "
            "(e.g. 'cp1252' or 'latin-1' for files saved by older Excel)",
            sv=f"{path}: inte giltig {src.encoding}-text vid byte {exc.start}; ange sources.encoding "
            "(t.ex. 'cp1252' eller 'latin-1' för filer sparade av äldre Excel)",
        ) from None
    except (InputFileError, CRSMismatchError):
        raise
    except pd.errors.ParserError as exc:
        raise InputFileError(
            f"{path}: cannot be read as csv ({' '.join(str(exc).split())}); a row has more values than the header: "
            f"quote values that hold the delimiter {src.delimiter!r}, or set sources.delimiter",
            sv=f"{path}: kan inte läsas som csv ({' '.join(str(exc).split())}); en rad har fler värden än "
            f"rubrikraden: citera värden som innehåller avgränsaren {src.delimiter!r}, eller ange sources.delimiter",
        ) from None
    except pd.errors.EmptyDataError:
        raise InputFileError(
            f"{path}: source '{src.name}' is empty (no header, no rows); give the file with the incidents",
            sv=f"{path}: källan '{src.name}' är tom (ingen rubrikrad, inga rader); ange filen med händelserna",
        ) from None
    except Exception as exc:
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise InputFileError(f"{path}: cannot be read as {fmt} ({detail}); check the file and sources.format",
                             sv=f"{path}: kan inte läsas som {fmt} ({detail}); kontrollera filen och "
                             "sources.format") from None


def _check_source_columns(df: pd.DataFrame, src: SourceConfig) -> None:
    """Every column the source's ``[sources.columns]`` names is in the file."""
    c = src.columns
    wanted = {
        "year": c.year,
        "month": c.month,
        "day": c.day,
        "hour": c.hour,
        "minute": c.minute,
        "category": c.category,
        "id": c.id,
        "x": c.x,
        "y": c.y,
        "lon": c.lon,
        "lat": c.lat,
        "datetime": c.datetime,
        "date": c.date,
        "time": c.time,
        "from": c.time_from,
        "to": c.time_to,
        "district": c.district,
    }
    missing = [f"{key} = '{col}'" for key, col in wanted.items() if col is not None and col not in df.columns]
    missing += [f"text = '{col}'" for col in c.text if col not in df.columns]
    missing += [f"keep = '{col}'" for col in c.keep if col not in df.columns]
    if missing:
        hint = hint_sv = ""
        if len(df.columns) == 1:
            seen = [d for d in (";", "\t", ",", "|") if d in str(df.columns[0]) and d != src.delimiter]
            hint = f"; the values look separated by {seen[0]!r}: set delimiter = {seen[0]!r}" if seen else ""
            hint_sv = f"; värdena verkar avgränsade med {seen[0]!r}: ange delimiter = {seen[0]!r}" if seen else ""
        raise InputFileError(
            f"{src.path}: column(s) not found: {', '.join(missing)} (source '{src.name}'); the file has: "
            f"{', '.join(df.columns[:30])}{hint}",
            sv=f"{src.path}: kolumn(er) saknas: {', '.join(missing)} (källan '{src.name}'); filen har: "
            f"{', '.join(df.columns[:30])}{hint_sv}",
        )


def _excel_text(v: object) -> object:
    """Excel cells as text: dates in ISO form, whole numbers without '.0', empty as None."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat(sep=" ")
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def _points_to_columns(gdf: gpd.GeoDataFrame, src: SourceConfig) -> pd.DataFrame:
    if gdf.crs is not None and not _same_crs(CRS.from_user_input(gdf.crs), CRS.from_user_input(src.crs)):
        raise CRSMismatchError(
            f"{src.path}: layer CRS is {CRS.from_user_input(gdf.crs).to_string()} but sources.crs says "
            f"{src.crs}; set sources.crs to the layer's CRS",
            sv=f"{src.path}: lagret har koordinatsystemet {CRS.from_user_input(gdf.crs).to_string()} men "
            f"sources.crs anger {src.crs}; sätt sources.crs till lagrets koordinatsystem",
        )
    geom = gdf.geometry
    is_point = geom.notna().to_numpy() & (geom.geom_type == "Point").to_numpy()
    xs = np.full(len(gdf), np.nan)
    ys = np.full(len(gdf), np.nan)
    xs[is_point] = shapely.get_x(geom.values[is_point])
    ys[is_point] = shapely.get_y(geom.values[is_point])
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    df = df.apply(lambda s: s.map(_excel_text))
    df[GEOMETRY_X] = [None if np.isnan(v) else repr(float(v)) for v in xs]
    df[GEOMETRY_Y] = [None if np.isnan(v) else repr(float(v)) for v in ys]
    return df


# --------------------------------------------------------------------------- tables beside the data
def _read_csv(path: Path, what: str, **kwargs: object) -> pd.DataFrame:
    try:
        return pd.read_csv(path, sep=None, engine="python", encoding="utf-8-sig", **kwargs)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read the {what} ({exc}); give a UTF-8 CSV file",
                             sv=f"{path}: kan inte läsa filen ({exc}); ange en CSV-fil i UTF-8") from None


def read_population_table(
    path: str | Path, *, id_field: str, population_field: str | None = None
) -> pd.DataFrame:
    """Read a population table: residents per district (and optionally per year).

    Parameters
    ----------
    path : str or Path
        CSV (comma or semicolon) with the district id column ``id_field``, the population
        column ``population_field`` (default ``"population"``) and optionally ``year``.
    id_field, population_field : str
        Column names, as in ``[districts]``.

    Returns
    -------
    DataFrame
        ``district_id`` (str, stripped), ``year`` (int, or None when the table has no
        ``year`` column) and ``population`` (float), in file order.

    Raises
    ------
    InputFileError
        A column is missing, or a population or year is not a number (the rows are named).
    """
    path = Path(path)
    pop_field = population_field or "population"
    table = _read_csv(path, "population table", dtype={id_field: str})
    missing = [c for c in (id_field, pop_field) if c not in table.columns]
    if missing:
        raise InputFileError(
            f"{path}: column(s) {', '.join(missing)} not found; the population table needs the district id column "
            f"'{id_field}' and the population column '{pop_field}' (and optionally 'year'); it has: "
            f"{', '.join(map(str, table.columns))}",
            sv=f"{path}: kolumn(er) {', '.join(missing)} saknas; befolkningstabellen behöver områdes-id-kolumnen "
            f"'{id_field}' och befolkningskolumnen '{pop_field}' (och gärna 'year'); den har: "
            f"{', '.join(map(str, table.columns))}",
        )
    pop = pd.to_numeric(table[pop_field], errors="coerce")
    if pop.isna().any():
        rows = list(pop[pop.isna()].index[:10] + 1)
        comma = table[pop_field].astype(str).str.fullmatch(r"\s*-?\d+,\d+\s*").any()
        hint = "; write numbers with a decimal point, not a comma" if comma else ""
        hint_sv = "; skriv talen med decimalpunkt, inte decimalkomma" if comma else ""
        raise InputFileError(f"{path}: column '{pop_field}' is not a number in data row(s) {rows}{hint}",
                             sv=f"{path}: kolumnen '{pop_field}' är inte ett tal på datarad(er) {rows}{hint_sv}")
    if (pop < 0).any() or not np.isfinite(pop).all():
        rows = list(pop[(pop < 0) | ~np.isfinite(pop)].index[:10] + 1)
        raise InputFileError(f"{path}: column '{pop_field}' has negative or infinite populations in data row(s) "
                             f"{rows}; a population is a count of residents, 0 or more",
                             sv=f"{path}: kolumnen '{pop_field}' har negativa eller oändliga befolkningar på "
                             f"datarad(er) {rows}; en befolkning är ett antal invånare, 0 eller fler")
    if "year" in table.columns:
        years = pd.to_numeric(table["year"], errors="coerce")
        if years.isna().any():
            rows = list(years[years.isna()].index[:10] + 1)
            raise InputFileError(f"{path}: column 'year' is not a year in data row(s) {rows}",
                                 sv=f"{path}: kolumnen 'year' är inte ett årtal på datarad(er) {rows}")
        years = years.astype(int)
    else:
        years = pd.Series(None, index=table.index, dtype=object)
    return pd.DataFrame(
        {"district_id": table[id_field].astype(str).str.strip(), "year": years, "population": pop.astype(float)}
    )


def read_reference_rates(path: str | Path) -> pd.DataFrame:
    """Read reference rates (e.g. national): columns ``category``, ``rate_per_100k`` and optionally ``year``.

    Raises
    ------
    InputFileError
        A required column is missing.
    """
    path = Path(path)
    table = _read_csv(path, "reference rates")
    if not {"category", "rate_per_100k"} <= set(table.columns):
        raise InputFileError(
            f"{path}: reference rates need the columns category, rate_per_100k (optionally year); "
            f"got {list(table.columns)}",
            sv=f"{path}: referenstal behöver kolumnerna category, rate_per_100k (och gärna year); "
            f"filen har {list(table.columns)}",
        )
    return table


def read_indicators(
    path: str | Path, layer: str | None, *, columns: Sequence[str], weight: str, crs: str
) -> gpd.GeoDataFrame:
    """Read small areas with socio-economic indicators (``[areas.indicators]``), reprojected to ``crs``.

    Parameters
    ----------
    path : str or Path
        Polygon layer, e.g. SCB DeSO with indicator columns.
    layer : str, optional
    columns : sequence of str
        Indicator columns (numbers).
    weight : str
        Column weighting the areas (population).
    crs : str
        The run's CRS.

    Raises
    ------
    InputFileError
        A named column is missing or holds no numbers.
    """
    gdf = read_layer(path, layer, crs=crs, reproject=True)
    missing = [c for c in (*columns, weight) if c not in gdf.columns]
    if missing:
        raise InputFileError(
            f"{path}: areas.indicators names columns the layer does not have: {', '.join(missing)}; "
            f"the layer has {', '.join(map(str, gdf.columns[:15]))}",
            sv=f"{path}: areas.indicators anger kolumner som lagret saknar: {', '.join(missing)}; "
            f"lagret har {', '.join(map(str, gdf.columns[:15]))}",
        )
    for col in (*columns, weight):
        values = pd.to_numeric(gdf[col], errors="coerce")
        if values.notna().sum() == 0:
            raise InputFileError(f"{path}: column {col!r} (areas.indicators) holds no numbers; name a numeric column",
                                 sv=f"{path}: kolumnen {col!r} (areas.indicators) innehåller inga tal; ange en "
                                 "numerisk kolumn")
        gdf[col] = values
    return gdf[[*dict.fromkeys([*columns, weight]), gdf.geometry.name]]


def read_survey(path: str | Path) -> pd.DataFrame:
    """Read perceived-safety survey results per focus area: ``area``, ``question``, ``share`` (%), optional ``year``.

    Raises
    ------
    InputFileError
        A required column is missing, or a share is not a number from 0 to 100 (the rows are named).
    """
    path = Path(path)
    table = _read_csv(path, "survey results")
    need = {"area", "question", "share"}
    if not need <= set(table.columns):
        raise InputFileError(f"{path}: survey results need the columns area, question, share (per cent) and "
                             f"optionally year; got {list(table.columns)}",
                             sv=f"{path}: enkätresultat behöver kolumnerna area, question, share (procent) och gärna "
                             f"year; filen har {list(table.columns)}")
    # Swedish spreadsheets write a decimal comma (42,5)
    share = pd.to_numeric(table["share"].astype(str).str.strip().str.replace(",", ".", regex=False), errors="coerce")
    bad = np.flatnonzero(share.isna().to_numpy() | (share < 0).to_numpy() | (share > 100).to_numpy())
    if len(bad):
        rows = [int(i) + 2 for i in bad[:10]]
        raise InputFileError(f"{path}: column share needs per cent from 0 to 100; rows {rows} are not "
                             "(row 1 is the header)",
                             sv=f"{path}: kolumnen share ska vara procent från 0 till 100; raderna {rows} är inte det "
                             "(rad 1 är rubrikraden)")
    table["share"] = share
    return table


def read_bra_totals(path: str | Path, *, municipality_code: str | None = None) -> pd.DataFrame:
    """Read Brå's reported offences: columns ``period``, ``category``, ``reported_offences``.

    Parameters
    ----------
    path : str or Path
        CSV as in ``data/reference/bra_reported_offences_boras_1996_2025.csv``.
    municipality_code : str, optional
        Keep only the rows of this municipality when the table has a ``kommun_kod`` column.

    Raises
    ------
    InputFileError
        A required column is missing.
    """
    path = Path(path)
    table = _read_csv(path, "Brå totals")
    need = {"period", "category", "reported_offences"}
    if not need <= set(table.columns):
        raise InputFileError(
            f"{path}: Brå totals need the columns period, category, reported_offences; got {list(table.columns)}",
            sv=f"{path}: Brås totaler behöver kolumnerna period, category, reported_offences; filen har "
            f"{list(table.columns)}",
        )
    if municipality_code is not None and "kommun_kod" in table.columns:
        code = str(municipality_code).zfill(4)
        table = table[table["kommun_kod"].astype(str).str.zfill(4) == code]
    return table

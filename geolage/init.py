"""``geolage init``: look at a user's incident files and write a commented run configuration.

:func:`inspect_source` reads one incident file (CSV, Excel, GeoPackage, GeoJSON or Parquet)
and guesses which column holds what (id, date/time, x/y or lon/lat, category, free text),
the date format and precision, the CRS and every category code; :func:`inspect_districts`
does the same for an optional district layer; :func:`init_config` writes the TOML. Where a
guess cannot be made the TOML says ``TODO`` with what to fill in; everything else runs as
written (``geolage init`` then ``geolage run``).
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

from .categories import ALL_CATEGORIES, CATEGORIES, ENGLISH_CODES
from .config import _EXTENSIONS
from .dates import parse_datetimes
from .derived_districts import districts_for_source
from .district_names import district_column
from .errors import InputFileError
from .init_losses import limit_lines, measure_losses
from .init_toml import analysis_lines, districts_lines, month_end, periods_lines, q, source_lines
from .text.init import TEXTS as T

__all__ = ["SourceGuess", "DistrictGuess", "inspect_source", "inspect_districts", "init_config", "guess_run_crs"]

log = logging.getLogger(__name__)

#: Rows looked at to guess columns and formats (the category codes are counted over every row).
SAMPLE_ROWS = 2000

_ID = ("id", "uid", "incident_id", "incident_no", "incident_number", "case_number", "case_id", "case_no",
       "report_id", "report_number", "event_id", "anmalan_id", "anmalningsnummer", "arendenummer",
       "handelsenummer", "diarienummer", "objectid", "fid")
_LON = ("lon", "lng", "long", "longitude", "lon_wgs84", "longitud", "x_wgs84", "wgs84_lon")
_LAT = ("lat", "latitude", "lat_wgs84", "latitud", "y_wgs84", "wgs84_lat")
_X = ("x", "easting", "east", "x_coord", "xcoord", "x_coordinate", "point_x", "e", "ostlig", "x_sweref99tm")
_Y = ("y", "northing", "north", "y_coord", "ycoord", "y_coordinate", "point_y", "n", "nordlig", "y_sweref99tm")
_CATEGORY = ("category", "offense", "offence", "offense_type", "offence_type", "crime_type", "crime", "type",
             "crime_category", "offense_category", "ucr", "brottskod", "brottstyp", "kategori", "handelsetyp",
             "brott", "kod", "code", "nature", "description")
_DATE_HINTS = ("date", "time", "datum", "tid", "month", "occurred", "reported", "when", "dag", "manad",
               "larmtid", "from", "to", "start", "end", "fran", "till")
_FROM = ("from", "fran", "start", "begin", "tid_fran", "date_from", "from_date", "start_date", "first")
_TO = ("to", "till", "end", "tid_till", "date_to", "to_date", "end_date", "last")
_TEXT = ("text", "fritext", "description", "beskrivning", "narrative", "notes", "summary", "comment", "kommentar")
_PARTS = {"year": ("year", "ar", "yr"), "month": ("month", "manad", "mon"), "day": ("day", "dag"),
          "hour": ("hour", "timme", "hr"), "minute": ("minute", "minut", "min")}
_DISTRICT_ID = ("id", "code", "kod", "_code", "_id", "regso", "deso", "lsoa", "geoid")
_DISTRICT_NAME = ("name", "namn", "_name", "_nm", "label", "neighbourhood", "neighborhood")
_AREA_NAMES = ("neighbourhood", "neighborhood", "district", "ward", "beat", "precinct", "omrade", "stadsdel")
_POPULATION = ("pop", "population", "befolkning", "folkmangd", "residents", "invanare", "inv")

#: Formats tried when the dates are not ISO 8601, in order (day-first before month-first: an
#: ambiguous column is left to the user with a TODO).
_DATE_FORMATS = (
    "%Y-%m", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%d.%m.%Y %H:%M", "%d.%m.%Y",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M", "%m/%d/%Y", "%Y%m%d", "%Y-%m-%dT%H:%M:%S.%f", "%d-%m-%Y", "%Y",
)

#: Words in a category code that say which built-in category it is (the code names it, not more).
_BUILT_IN_HINTS: tuple[tuple[str, str], ...] = (
    ("residential burglary", "inbrott_bostad"), ("burglary residential", "inbrott_bostad"),
    ("bostadsinbrott", "inbrott_bostad"), ("inbrott bostad", "inbrott_bostad"),
    ("break and enter residential", "inbrott_bostad"), ("robbery", "ran"), ("ran", "ran"),
    ("assault", "misshandel"), ("misshandel", "misshandel"), ("threat", "hot"), ("olaga hot", "hot"),
    ("graffiti", "klotter"), ("klotter", "klotter"), ("criminal damage", "skadegorelse"),
    ("vandalism", "skadegorelse"), ("skadegorelse", "skadegorelse"), ("vehicle fire", "brand_fordon"),
    ("car fire", "brand_fordon"), ("brand i fordon", "brand_fordon"), ("drug", "narkotikabrott"),
    ("narcotic", "narkotikabrott"), ("narkotika", "narkotikabrott"),
)


def _norm(name: Any) -> str:
    """A column name or code as ASCII lowercase words joined by ``_`` (``"Brottskod (Brå)"`` -> ``brottskod_bra``)."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


@dataclass
class SourceGuess:
    """What :func:`inspect_source` found in one incident file."""

    path: Path
    format: str
    n_rows: int
    columns: dict[str, Any] = field(default_factory=dict)
    layer: str | None = None
    sheet: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    #: CRS of x/y (or the point layer); ``EPSG:4326`` for lon/lat; None when unknown.
    crs: str | None = None
    crs_reason: str = ""
    date_format: str | None = None
    #: ``"time"`` (clock times), ``"day"``, ``"month"`` or ``"year"``.
    precision: str = "day"
    first: dt.date | None = None
    last: dt.date | None = None
    #: Source code -> number of rows.
    categories: dict[str, int] = field(default_factory=dict)
    #: Columns named like a district name (neighbourhood, district, ward …) -> number of distinct names.
    area_names: dict[str, int] = field(default_factory=dict)
    #: Text columns not used otherwise -> rows per distinct value (to find a column naming the districts).
    value_counts: dict[str, pd.Series] = field(default_factory=dict)
    #: The column naming each incident's district (``[sources.columns] district``): (column, rows matched,
    #: rows with a value); set by :func:`init_config` when a district layer is given.
    district_column: tuple[str, int, int] | None = None
    #: Lon/lat (or x/y in ``crs``) bounds of the points: (xmin, ymin, xmax, ymax).
    bounds: tuple[float, float, float, float] | None = None
    todo: list[str] = field(default_factory=list)


@dataclass
class DistrictGuess:
    """What :func:`inspect_districts` found in a district layer."""

    path: Path
    layer: str | None
    crs: str
    id_field: str | None
    name_field: str | None
    population_field: str | None
    n: int
    bounds: tuple[float, float, float, float]
    population_table: Path | None = None
    #: Every district's id and name: a source column naming these names the districts.
    keys: frozenset[str] = frozenset()


# --------------------------------------------------------------------------- reading
def _sniff_csv(path: Path) -> tuple[str, str]:
    """(encoding, delimiter) of a text table."""
    raw = path.read_bytes()[:65536]
    try:
        raw.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "cp1252"
    head = raw.decode(encoding, errors="replace")
    try:
        delimiter = csv.Sniffer().sniff(head.split("\n", 1)[0] + "\n", delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    return encoding, delimiter


def _read(path: Path, layer: str | None, sheet: str | None) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    """The file as text columns (a point layer adds ``__x``/``__y``), its format and reading options."""
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise InputFileError(f"{path}: cannot tell the format from '{path.suffix}'; use CSV, Excel, GeoPackage, "
                             "GeoJSON or Parquet")
    if not path.is_file():
        raise InputFileError(f"{path}: file not found")
    opts: dict[str, Any] = {}
    if fmt == "csv":
        encoding, delimiter = _sniff_csv(path)
        opts.update(encoding=encoding, delimiter=delimiter)
        df = pd.read_csv(path, dtype=str, sep=delimiter, encoding=encoding, keep_default_na=False)
        return df, fmt, opts
    if fmt == "excel":
        book = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
        name = sheet or max(book, key=lambda k: len(book[k]))
        opts["sheet"] = name if len(book) > 1 or sheet else None
        return book[name].fillna(""), fmt, opts
    return _read_geo(path, fmt, layer, opts)


def _read_geo(path: Path, fmt: str, layer: str | None, opts: dict[str, Any]) -> tuple[pd.DataFrame, str, dict]:
    import geopandas as gpd

    if fmt == "parquet":
        try:
            gdf = gpd.read_parquet(path)
        except (ValueError, TypeError):  # a plain (non-geo) Parquet table
            return pd.read_parquet(path).astype(str), fmt, opts
    else:
        import pyogrio

        layers = [n for n, _ in pyogrio.list_layers(path)]
        name = layer or layers[0]
        opts["layer"] = name if len(layers) > 1 or layer else None
        gdf = gpd.read_file(path, layer=name, engine="pyogrio")
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(str)
    if gdf.geometry.notna().any() and (gdf.geom_type == "Point").all():
        df["__x"], df["__y"] = gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()
        opts["geometry_crs"] = gdf.crs.to_string() if gdf.crs is not None else None
    return df, fmt, opts


# --------------------------------------------------------------------------- columns
def _numeric(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s.astype(str).str.strip().str.replace(",", ".", regex=False), errors="coerce").to_numpy()


def _named(cols: list[str], names: tuple[str, ...]) -> list[str]:
    """Columns whose normalised name is one of ``names`` (in the order of ``names``)."""
    by = {_norm(c): c for c in cols}
    return [by[n] for n in names if n in by]


def _coordinate_columns(df: pd.DataFrame, g: SourceGuess, opts: dict[str, Any]) -> None:
    """lon/lat (preferred: the CRS is known) or x/y, or the point geometry of a layer."""
    cols = [c for c in df.columns if not c.startswith("__")]
    sample = df.head(SAMPLE_ROWS)

    def fits(col: str, lo: float, hi: float) -> bool:
        v = _numeric(sample[col])
        v = v[np.isfinite(v)]
        nz = v[v != 0]  # 0 = not geocoded (Vancouver hides some places so): not a reason to doubt the column
        return len(v) > 0.5 * len(sample) and len(nz) > 0.5 * len(v) and bool(((nz >= lo) & (nz <= hi)).mean() > 0.95)

    lon = [c for c in _named(cols, _LON) if fits(c, -180, 180)]
    lat = [c for c in _named(cols, _LAT) if fits(c, -90, 90)]
    if lon and lat:
        g.columns.update(lon=lon[0], lat=lat[0])
        g.crs, g.crs_reason = "EPSG:4326", "lon/lat columns in degrees"
        g.bounds = _bounds(sample[lon[0]], sample[lat[0]])
        return
    xs, ys = _named(cols, _X), _named(cols, _Y)
    xs = xs or [c for c in cols if _norm(c).startswith("x_")]
    ys = ys or [c for c in cols if _norm(c).startswith("y_")]
    xs = [c for c in xs if fits(c, -1e8, 1e8)]
    ys = [c for c in ys if fits(c, -1e8, 1e8)]
    if xs and ys:
        if fits(xs[0], -180, 180) and fits(ys[0], -90, 90):
            g.columns.update(lon=xs[0], lat=ys[0])
            g.crs, g.crs_reason = "EPSG:4326", f"{xs[0]}/{ys[0]} are in degrees"
        else:
            g.columns.update(x=xs[0], y=ys[0])
        g.bounds = _bounds(sample[g.columns.get("x", g.columns.get("lon"))],
                           sample[g.columns.get("y", g.columns.get("lat"))])
        return
    if "__x" in df.columns:
        g.crs, g.crs_reason = opts.get("geometry_crs"), "the layer's CRS"
        g.bounds = _bounds(sample["__x"], sample["__y"])
        return
    g.todo.append("coordinates")


def _bounds(x: pd.Series, y: pd.Series) -> tuple[float, float, float, float] | None:
    a, b = _numeric(x), _numeric(y)
    ok = np.isfinite(a) & np.isfinite(b) & ~((a == 0) & (b == 0))
    if not ok.any():
        return None
    a, b = a[ok], b[ok]
    # robust: 1st–99th percentile, so a few stray points do not decide the CRS
    return (float(np.percentile(a, 1)), float(np.percentile(b, 1)), float(np.percentile(a, 99)),
            float(np.percentile(b, 99)))


def _parse_share(values: pd.Series, fmt: str | None) -> tuple[float, float, pd.Series]:
    """(share read, share with a clock time, times) of the non-empty values under ``fmt``."""
    v = values[values.astype(str).str.strip() != ""]
    if v.empty:
        return 0.0, 0.0, pd.Series(dtype="datetime64[ns]")
    status, times, clock, _ = parse_datetimes(v.reset_index(drop=True), fmt)
    ok = status == "ok"
    return float(ok.mean()), float(np.asarray(clock)[ok].mean()) if ok.any() else 0.0, pd.Series(times[ok])


def _date_reading(values: pd.Series) -> tuple[str | None, float, float, pd.Series] | None:
    """The format that reads a column (None = ISO 8601): (format, share, clock share, times), or None."""
    share, clock, times = _parse_share(values, None)
    if share >= 0.95:
        return None, share, clock, times
    for fmt in _DATE_FORMATS:
        share, clock, times = _parse_share(values, fmt)
        if share >= 0.95:
            return fmt, share, clock, times
    return None


def _precision(fmt: str | None, clock: float) -> str:
    if clock > 0.5:
        return "time"
    if fmt is not None and "%d" not in fmt:
        return "month" if "%m" in fmt else "year"
    return "day"


def _date_columns(df: pd.DataFrame, g: SourceGuess) -> pd.Series | None:
    """The time columns: a window (from/to), date-time, date (+ time) or year/month/day parts."""
    sample = df.head(SAMPLE_ROWS)
    cols = [c for c in df.columns if not c.startswith("__") and c not in g.columns.values()]
    parts = {k: _named(cols, names) for k, names in _PARTS.items()}
    readings: dict[str, tuple[str | None, float, float, pd.Series]] = {}
    for c in cols:
        if any(h in _norm(c) for h in _DATE_HINTS) or _norm(c) in ("dt",):
            r = _date_reading(sample[c].astype(str))
            if r is not None:
                readings[c] = r
    if not readings and parts["year"] and parts["month"] and parts["day"]:
        return _date_parts(df, g, parts)
    if not readings:
        for c in cols:  # no column is named like a date: try them all
            r = _date_reading(sample[c].astype(str))
            if r is not None and len(r[3]) and r[3].dt.year.between(1900, 2100).all():
                readings[c] = r
    froms = [c for c in readings if _norm(c) in _FROM or _norm(c).endswith(("_from", "_fran", "_start"))]
    tos = [c for c in readings if _norm(c) in _TO or _norm(c).endswith(("_to", "_till", "_end"))]
    if froms and tos:
        g.columns.update({"from": froms[0], "to": tos[0]})
        return _use(g, readings[froms[0]])
    if readings:
        # clock times beat dates; then the column named most like a date; then the first
        best = max(readings, key=lambda c: (readings[c][2] > 0.5, "date" in _norm(c) or "tid" in _norm(c),
                                            -list(readings).index(c)))
        fmt, _, clock, _ = readings[best]
        if clock > 0.5:
            g.columns["datetime"] = best
        else:
            g.columns["date"] = best
            time_col = _time_column(sample, cols, best)
            if time_col:
                g.columns["time"] = time_col
        return _use(g, readings[best], extra_clock=bool(g.columns.get("time")))
    g.todo.append("date")
    return None


def _date_parts(df: pd.DataFrame, g: SourceGuess, parts: dict[str, list[str]]) -> pd.Series:
    """Year, month and day (and hour, minute) in columns of their own (Vancouver's YEAR, MONTH, DAY …)."""
    for k, found in parts.items():
        if found:
            g.columns[k] = found[0]
    g.precision = "time" if parts["hour"] else "day"
    y, m, d = (_numeric(df[parts[k][0]]) for k in ("year", "month", "day"))
    ok = np.isfinite(y) & np.isfinite(m) & np.isfinite(d)
    times = pd.to_datetime(pd.DataFrame({"year": y[ok], "month": m[ok], "day": d[ok]}), errors="coerce")
    return times.dropna()


def _time_column(sample: pd.DataFrame, cols: list[str], date_col: str) -> str | None:
    """A clock-time column (HH:MM) beside a date column."""
    for c in cols:
        if c == date_col:
            continue
        v = sample[c].astype(str).str.strip()
        v = v[v != ""]
        if len(v) and v.str.fullmatch(r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?").mean() > 0.95:
            return c
    return None


def _use(g: SourceGuess, reading: tuple[str | None, float, float, pd.Series], extra_clock: bool = False) -> pd.Series:
    fmt, _, clock, times = reading
    g.date_format = fmt
    g.precision = "time" if extra_clock else _precision(fmt, clock)
    return times


def _category_column(df: pd.DataFrame, g: SourceGuess) -> None:
    """The column of category codes: named like one, with few distinct values."""
    used = set(g.columns.values())
    cols = [c for c in df.columns if not c.startswith("__") and c not in used]
    n = max(len(df), 1)

    def few(c: str) -> bool:
        k = df[c].astype(str).str.strip().replace("", np.nan).nunique()
        return 1 <= k <= 200 and (k <= 0.5 * n or n < 10)

    named = [c for c in _named(cols, _CATEGORY) if few(c)]
    named += [c for c in cols if c not in named and any(h in _norm(c) for h in ("offen", "crime", "categ", "brott",
                                                                                  "kategori", "type")) and few(c)]
    if named:
        g.columns["category"] = named[0]
    else:
        text_cols = [c for c in cols if few(c) and _numeric(df[c].head(SAMPLE_ROWS)).size
                     and np.isnan(_numeric(df[c].head(SAMPLE_ROWS))).all()]
        if not text_cols:
            g.todo.append("category")
            return
        g.columns["category"] = min(text_cols, key=lambda c: df[c].nunique())
        g.todo.append("category_guessed")
    codes = df[g.columns["category"]].astype(str).str.strip()
    g.categories = {str(k): int(v) for k, v in codes[codes != ""].value_counts().items()}


def _id_column(df: pd.DataFrame, g: SourceGuess) -> None:
    cols = [c for c in df.columns if not c.startswith("__")]
    named = _named(cols, _ID) + [c for c in cols if _norm(c).endswith(("_id", "_no", "_nr", "nummer", "_number"))]
    for c in dict.fromkeys(named):
        v = df[c].astype(str).str.strip()
        if (v != "").all() and v.is_unique:
            g.columns["id"] = c
            return


def _text_columns(df: pd.DataFrame, g: SourceGuess) -> None:
    used = set(g.columns.values())
    found = [c for c in _named([c for c in df.columns if c not in used], _TEXT)
             if df[c].astype(str).str.len().mean() > 15]
    if found:
        g.columns["text"] = found


def inspect_source(path: str | Path, *, layer: str | None = None, sheet: str | None = None) -> SourceGuess:
    """Guess the columns, date format, CRS and category codes of an incident file.

    Parameters
    ----------
    path : str or Path
        CSV (any delimiter; UTF-8 or Windows-1252), Excel, GeoPackage, GeoJSON or Parquet.
    layer, sheet : str, optional
        The layer of a GeoPackage or the sheet of a workbook (default: the only or the largest).

    Returns
    -------
    SourceGuess
        ``columns`` in the keys of ``[sources.columns]``; ``todo`` lists what could not be
        decided (``"coordinates"``, ``"date"``, ``"category"``, ``"crs"``).

    Raises
    ------
    InputFileError
        The file is missing or its format unknown.
    """
    path = Path(path)
    df, fmt, opts = _read(path, layer, sheet)
    g = SourceGuess(path=path, format=fmt, n_rows=len(df), layer=opts.get("layer"), sheet=opts.get("sheet"),
                    delimiter=opts.get("delimiter", ","), encoding=opts.get("encoding", "utf-8"))
    _coordinate_columns(df, g, opts)
    _id_column(df, g)
    times = _date_columns(df, g)
    col = g.columns.get("from") or g.columns.get("datetime") or g.columns.get("date")
    if col is not None:  # the span over every row, not only the sample
        times = _parse_share(df[col].astype(str), g.date_format)[2]
    if times is not None and len(times):
        g.first, g.last = times.min().date(), times.max().date()
    _category_column(df, g)
    _text_columns(df, g)
    used = {v for v in g.columns.values() if isinstance(v, str)}
    names = {c: df[c].replace("", np.nan).nunique() for c in df.columns if any(h in _norm(c) for h in _AREA_NAMES)}
    g.area_names = {c: int(n) for c, n in names.items() if c not in used and 2 <= n <= 500}
    for c in df.columns:
        if c not in used and not c.startswith("__"):
            counts = df[c].astype(str).str.strip().value_counts()
            if 2 <= len(counts) <= 20_000:
                g.value_counts[c] = counts
    if g.crs is None and "coordinates" not in g.todo:
        g.todo.append("crs")
    return g


# --------------------------------------------------------------------------- districts and CRS
def inspect_districts(
    path: str | Path, *, layer: str | None = None, population: str | Path | None = None
) -> DistrictGuess:
    """Guess the id, name and population fields of a district layer (and a population table).

    Parameters
    ----------
    path : str or Path
        Polygon layer (GeoPackage, GeoJSON, Shapefile …) with a CRS.
    layer : str, optional
        The layer of a multi-layer file.
    population : str or Path, optional
        A CSV with the population per district: its id column must have the layer's id
        field's name; its population column is guessed.

    Returns
    -------
    DistrictGuess
    """
    import geopandas as gpd
    import pyogrio

    path = Path(path)
    layers = [n for n, _ in pyogrio.list_layers(path)]
    name = layer or layers[0]
    gdf = gpd.read_file(path, layer=name, engine="pyogrio")
    if gdf.crs is None:
        raise InputFileError(f"{path}: the layer has no CRS; assign one in QGIS or with ogr2ogr -a_srs")
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    unique = [c for c in cols if gdf[c].notna().all() and gdf[c].astype(str).is_unique]
    id_field = next((c for c in unique if any(h in _norm(c) for h in _DISTRICT_ID)), unique[0] if unique else None)
    text_unique = [c for c in unique if c != id_field and np.isnan(_numeric(gdf[c])).all()]
    name_field = next((c for c in text_unique if any(h in _norm(c) for h in _DISTRICT_NAME)),
                      text_unique[0] if text_unique else id_field)
    pop = _population_column(gdf, cols)
    table_pop = None
    if population is not None:
        table = pd.read_csv(population, dtype=str, sep=None, engine="python")
        table_pop = _population_column(table, [c for c in table.columns if c != id_field])
    b = gdf.to_crs("EPSG:4326").total_bounds
    return DistrictGuess(
        path=path, layer=name if len(layers) > 1 or layer else None, crs=gdf.crs.to_string(), id_field=id_field,
        name_field=name_field, population_field=table_pop if population is not None else pop, n=len(gdf),
        bounds=(float(b[0]), float(b[1]), float(b[2]), float(b[3])),
        population_table=Path(population) if population is not None else None,
        keys=frozenset(str(v) for f in (id_field, name_field) if f is not None for v in gdf[f].dropna()),
    )


def _population_column(df: pd.DataFrame, cols: list[str]) -> str | None:
    for c in cols:
        norm = _norm(c)
        if any(norm == h or norm.startswith(h + "_") or f"_{h}" in norm for h in _POPULATION):
            v = _numeric(df[c])
            if np.isfinite(v).mean() > 0.9 and (v[np.isfinite(v)] >= 0).all():
                return c
    return None


def guess_run_crs(lon: float, lat: float) -> str:
    """A metric CRS for a place: SWEREF 99 TM in Sweden, else the WGS 84 UTM zone.

    Parameters
    ----------
    lon, lat : float
        The middle of the data in degrees.

    Returns
    -------
    str
        ``"EPSG:3006"`` inside Sweden's bounding box, else ``"EPSG:326zz"`` (north) or
        ``"EPSG:327zz"`` (south), zz the UTM zone of ``lon``.
    """
    if 10.0 <= lon <= 24.2 and 55.0 <= lat <= 69.1:
        return "EPSG:3006"
    zone = int((lon + 180) // 6) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def _xy_crs(g: SourceGuess, districts: DistrictGuess | None) -> None:
    """The CRS of projected x/y: the district layer's when the points fall inside it."""
    if g.crs is not None or g.bounds is None or "coordinates" in g.todo:
        return
    if districts is not None:
        tr = Transformer.from_crs("EPSG:4326", districts.crs, always_xy=True)
        xb = tr.transform_bounds(*districts.bounds)
        mid = ((g.bounds[0] + g.bounds[2]) / 2, (g.bounds[1] + g.bounds[3]) / 2)
        if xb[0] <= mid[0] <= xb[2] and xb[1] <= mid[1] <= xb[3]:
            g.crs, g.crs_reason = districts.crs, "the points lie inside the district layer in this CRS"
            g.todo.remove("crs")
            return
    b = g.bounds
    if 200_000 <= b[0] and b[2] <= 1_000_000 and 6_100_000 <= b[1] and b[3] <= 7_700_000:
        g.crs, g.crs_reason = "EPSG:3006", "the x/y range fits SWEREF 99 TM (Sweden); check"
        return


def _middle_lonlat(g: SourceGuess) -> tuple[float, float] | None:
    if g.bounds is None or g.crs is None:
        return None
    mid = ((g.bounds[0] + g.bounds[2]) / 2, (g.bounds[1] + g.bounds[3]) / 2)
    crs = CRS.from_user_input(g.crs)
    if crs.is_geographic:
        return mid
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(*mid)
    return float(lon), float(lat)


def _run_crs(sources: list[SourceGuess], districts: DistrictGuess | None) -> tuple[str | None, str]:
    """The run CRS and why: the districts' (projected), a source's projected CRS, or the UTM zone."""
    if districts is not None and CRS.from_user_input(districts.crs).is_projected:
        return districts.crs, "the district layer's CRS"
    for g in sources:
        if g.crs is not None and CRS.from_user_input(g.crs).is_projected:
            return g.crs, f"the CRS of {g.path.name}"
    for g in sources:
        mid = _middle_lonlat(g)
        if mid is not None:
            crs = guess_run_crs(*mid)
            return crs, f"metric CRS for lon {mid[0]:.2f}, lat {mid[1]:.2f}"
    return None, ""


#: Metres around the incidents' hull: the study area of grid-only runs and of derived districts.
_HULL_BUFFER = 500.0


# --------------------------------------------------------------------------- categories
def _slug(code: str) -> str:
    s = _norm(code) or "category"
    if s[0].isdigit():
        s = f"c_{s}"
    if s in CATEGORIES or s in ENGLISH_CODES.values() or s == ALL_CATEGORIES:
        s = f"{s}_source"
    return s


def suggest_category(code: str) -> str | None:
    """The built-in category a source code names (``"Personal robbery"`` -> ``ran``), or None."""
    words = f" {_norm(code).replace('_', ' ')} "
    for hint, target in _BUILT_IN_HINTS:
        if f" {hint} " in words:
            return target
    return None


def _label(code: str) -> str:
    return code if any(ch.islower() for ch in code) else code.capitalize()


def _category_plan(sources: list[SourceGuess]) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Per source the code -> category mapping, and the custom categories (code -> label) it needs."""
    custom: dict[str, str] = {}
    plans = []
    for g in sources:
        plan = {}
        for code in g.categories:
            target = suggest_category(code)
            if target is None:
                target = _slug(code)
                custom.setdefault(target, _label(code))
            plan[code] = target
        plans.append(plan)
    return plans, custom


def init_config(
    paths: list[str | Path],
    *,
    out: str | Path,
    districts: str | Path | None = None,
    districts_layer: str | None = None,
    population: str | Path | None = None,
    language: str = "en",
    name: str | None = None,
    crs: str | None = None,
    districts_from: str | None = None,
) -> tuple[str, list[SourceGuess]]:
    """Write the text of a commented run configuration for incident files.

    Parameters
    ----------
    paths : list of str or Path
        Incident files (one ``[[sources]]`` each).
    out : str or Path
        Where the configuration will be saved (paths in it are written relative to its folder).
    districts : str or Path, optional
        District polygons; without them the run is grid-only (study area: the points' hull).
    districts_layer : str, optional
        Layer of a multi-layer district file.
    population : str or Path, optional
        CSV of population per district (``districts.population_table``).
    language : {"en", "sv"}
        Language of the comments and of the run.
    name : str, optional
        Project name (default: from the first file's name).
    crs : str, optional
        CRS of the x/y columns when the file does not say it (e.g. ``"EPSG:26910"``).
    districts_from : str, optional
        Without ``districts``: a column of the first file naming each incident's district;
        district polygons are drawn from it (:func:`geolage.derived_districts.districts_from_points`)
        and **written** beside the configuration as ``<out stem>_districts.gpkg``.

    Returns
    -------
    text : str
        The TOML. Lines with ``TODO`` need a decision; the rest runs as written.
    guesses : list of SourceGuess
        What was found in each file.
    """
    base = Path(out).parent
    lang = "sv" if language == "sv" else "en"
    t = {k: v[lang] for k, v in T.items()}
    guesses = [inspect_source(p) for p in paths]
    for g in guesses:
        if crs and "lon" not in g.columns and g.crs is None:
            g.crs, g.crs_reason = crs, "given with --crs"
            g.todo = [x for x in g.todo if x != "crs"]
    if districts_from and not districts:
        districts = districts_for_source(guesses[0], districts_from, Path(out), buffer=_HULL_BUFFER)
    d = inspect_districts(districts, layer=districts_layer, population=population) if districts else None
    for g in guesses:
        _xy_crs(g, d)
        if d is not None:
            g.district_column = district_column(g.value_counts, d.keys)
    run_crs, crs_reason = _run_crs(guesses, d)
    plans, custom = _category_plan(guesses)
    firsts = [g.first for g in guesses if g.first]
    lasts = [g.last for g in guesses if g.last]
    first, last = (min(firsts) if firsts else None), (max(lasts) if lasts else None)
    name = name or Path(paths[0]).stem.replace("_", " ")
    lines = [t["header"].format(files=", ".join(Path(p).name for p in paths), date=dt.date.today()), ""]
    lines += ["[project]", f"name = {q(name)}", f"language = {q(lang)}"]
    if run_crs:
        lines.append(f"crs = {q(run_crs)}  # {t['crs_comment'].format(reason=crs_reason)}")
    else:
        lines.append(f'crs = "EPSG:3006"  # TODO: {t["crs_todo"]}')
    if last is not None:
        lines.append(f"as_of = {month_end(last) + dt.timedelta(days=1)}  # {t['as_of']}")
    if districts_from and d is not None:
        lines += [""] + [f"# {line}" for line in t["derived_districts"].format(column=districts_from,
                                                                                buffer=_HULL_BUFFER).split("\n")]
    elif d is None and guesses[0].area_names:
        lines += [""] + [f"# {t['names_hint'].format(column=c, n=n)}" for c, n in guesses[0].area_names.items()]
    lines += [""] + districts_lines(d, base, t)
    lines += ["", f"# {t['custom']}"]
    if custom:
        lines += ["[custom_categories]"] + [f"{code} = {q(label)}" for code, label in custom.items()]
    else:
        lines += ["# [custom_categories]", '# break_commercial = "Break and enter (commercial)"']
    for g, plan in zip(guesses, plans):
        said = {k: ENGLISH_CODES.get(v, v) if lang == "en" else v for k, v in plan.items()}  # "ran" -> "robbery"
        lines += [""] + source_lines(g, _slug(g.path.stem), said, base, t)
    lines += [""] + periods_lines(first, last, t)
    lines += [""] + analysis_lines(guesses, t)
    losses = measure_losses("\n".join(lines) + "\n", base)  # validated as written: the loss limit it needs
    lines += [""] + limit_lines(losses, lang)
    return "\n".join(lines) + "\n", guesses



"""Audit a written public output folder for anything that identifies an incident.

:func:`scan_public_outputs` reads every file the way a reader could (GeoPackage layers and
tables, CSV, GeoJSON, HTML/JS/XML text, GeoTIFF tags, PDF text) and looks for incident
positions, counts under the threshold and incident free text. It checks after writing what
:func:`geolage.run.disclosure.public_results` promises before writing; the test suite uses it
to prove the rules hold.
"""

from __future__ import annotations

import datetime
import html
import json
import logging
import math
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..run import schemas
from ..run.disclosure import _KEEP_ALWAYS, _KERNEL_PEAK, DEFAULT_COUNT_COLUMNS
from .gpkg_views import DISTRICT_FID
from .tables import read_table_csv

__all__ = ["Finding", "scan_public_outputs"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finding:
    """One problem found in a public output.

    Attributes
    ----------
    path : Path
        The file.
    kind : str
        ``"coordinate"`` (an incident's position), ``"count"`` (a count under the
        threshold) or ``"text"`` (an incident's free text).
    where : str
        Layer / column / line inside the file.
    detail : str
    """

    path: Path
    kind: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path.name} [{self.where}] {self.kind}: {self.detail}"


_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")
_BRACKETS = re.compile(r"[()\[\]{}]")
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")
#: Count names not searched as quoted text keys: ``"weight"`` is also a line-width style key in
#: Leaflet/folium maps (the ``weight`` column of tables is still checked in CSV and GeoPackage).
_TEXT_KEY_EXCLUDED = frozenset({"weight"})
_TEXT_SUFFIXES = {
    ".html",
    ".htm",
    ".json",
    ".geojson",
    ".js",
    ".txt",
    ".csv",
    ".qml",
    ".qgs",
    ".xml",
    ".css",
    ".md",
    ".svg",
    ".sld",
    ".tsv",
}


class _Scanner:
    """What a public output must not show, indexed for fast look-ups, and the findings so far."""

    def __init__(
        self,
        incidents: gpd.GeoDataFrame,
        min_count: int,
        count_columns: Iterable[str],
        boundaries: Iterable[gpd.GeoDataFrame],
    ):
        self.min_count = min_count
        self.count_columns = {str(c) for c in count_columns}
        self.findings: list[Finding] = []
        self._index_positions(incidents, boundaries)
        self._index_snippets(incidents)

    def _index_positions(self, incidents: gpd.GeoDataFrame, boundaries: Iterable[gpd.GeoDataFrame]) -> None:
        """Incident positions (x/y to 1 m, lon/lat to 5 decimals) and the vertices of public boundaries."""
        inc = incidents[~incidents.geometry.is_empty & incidents.geometry.notna()] if len(incidents) else incidents
        self.crs = inc.crs
        self.xy: set[tuple[int, int]] = set()
        self.ll: set[tuple[int, int]] = set()  # lon/lat × 1e5, rounded
        if len(inc):
            xy = inc.geometry.get_coordinates().to_numpy()
            self.xy = set(map(tuple, np.round(xy).astype(np.int64)))
            ll = inc.to_crs("EPSG:4326").geometry.get_coordinates().to_numpy()
            self.ll = set(map(tuple, np.round(ll * 1e5).astype(np.int64)))
        self.allowed_xy: set[tuple[int, int]] = set()
        self.allowed_ll: set[tuple[int, int]] = set()
        for layer in boundaries:
            if layer is None or not len(layer):
                continue
            lay = layer.to_crs(self.crs) if self.crs is not None and layer.crs is not None else layer
            xy = lay.geometry.get_coordinates().to_numpy()
            self.allowed_xy |= set(map(tuple, np.round(xy).astype(np.int64)))
            if lay.crs is not None:
                ll = lay.to_crs("EPSG:4326").geometry.get_coordinates().to_numpy()
                self.allowed_ll |= set(map(tuple, np.round(ll * 1e5).astype(np.int64)))
        # The coordinate sets as sorted int64 keys, for vectorised look-ups (see _match_many).
        self.xy_keys = _key_array(self.xy)
        self.ll_keys = _key_array(self.ll)
        self.allowed_xy_keys = _key_array(self.allowed_xy)
        self.allowed_ll_keys = _key_array(self.allowed_ll)

    def _index_snippets(self, incidents: gpd.GeoDataFrame) -> None:
        """The incidents' free texts (of 12 characters or more) and an index of their word 4-grams."""
        texts = [] if "text" not in incidents.columns else incidents["text"].dropna().astype(str)
        self.snippets = list(dict.fromkeys(t.strip() for t in texts if len(t.strip()) >= 12))
        # Inverted index of word 4-grams -> snippets, so a text is compared with all snippets at once.
        self.gram_index: dict[tuple[str, ...], list[int]] = {}
        self.snippet_sizes = np.zeros(len(self.snippets), dtype=np.int64)
        self.short_snippets: list[str] = []
        for i, snippet in enumerate(self.snippets):
            grams = _ngrams(_words(snippet))
            self.snippet_sizes[i] = len(grams)
            if not grams:
                self.short_snippets.append(snippet)
            for g in grams:
                self.gram_index.setdefault(g, []).append(i)
        self.gram_starts = {g[0] for g in self.gram_index}

    def add(self, path: Path, kind: str, where: str, detail: str) -> None:
        self.findings.append(Finding(path, kind, where, detail))

    # coordinates --------------------------------------------------------------
    def _match(self, a: float, b: float, lonlat: bool = True) -> str | None:
        if not (math.isfinite(a) and math.isfinite(b)):
            return None
        if not self._match_many(np.array([a]), np.array([b]), lonlat)[0]:
            return None  # no incident, or a vertex of a public boundary layer
        for x, y in ((a, b), (b, a)):
            if abs(x) <= 180 and abs(y) <= 90:
                if lonlat and _near((x * 1e5, y * 1e5), self.ll, self.allowed_ll):
                    return f"lon/lat {x:.5f} {y:.5f}"
            elif _near((x, y), self.xy, self.allowed_xy):
                return f"x/y {x:.0f} {y:.0f}"
        return None

    def _match_many(self, a: np.ndarray, b: np.ndarray, lonlat: np.ndarray | bool = True) -> np.ndarray:
        """:meth:`_match` for arrays of number pairs: True where a pair places an incident."""
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        fin = np.isfinite(a) & np.isfinite(b) & (np.abs(a) < 1e9) & (np.abs(b) < 1e9)
        a = np.where(fin, a, 0.0)
        b = np.where(fin, b, 0.0)
        lonlat = np.broadcast_to(np.asarray(lonlat, dtype=bool), a.shape)
        # a vertex of a public layer, with the same one unit of slack as the incident match: a
        # vertex printed with more decimals and rounded again (…565 → …56 or …57) is still the vertex
        none = np.zeros(0, dtype=np.int64)  # no exceptions: "within one unit of a vertex" itself
        own_allowed = (
            _near_many(a, b, self.allowed_xy_keys, none) | _near_many(b, a, self.allowed_xy_keys, none)
            | _near_many(a * 1e5, b * 1e5, self.allowed_ll_keys, none)
            | _near_many(b * 1e5, a * 1e5, self.allowed_ll_keys, none)
        )
        hit = np.zeros(a.shape, dtype=bool)
        for x, y in ((a, b), (b, a)):
            is_ll = (np.abs(x) <= 180) & (np.abs(y) <= 90)
            hit |= is_ll & lonlat & _near_many(x * 1e5, y * 1e5, self.ll_keys, self.allowed_ll_keys)
            hit |= ~is_ll & _near_many(x, y, self.xy_keys, self.allowed_xy_keys)
        return hit & fin & ~own_allowed

    def scan_coords(self, path: Path, where: str, coords: np.ndarray, points: bool) -> None:
        if not len(coords):
            return
        a = coords[:, 0].astype(float)
        b = coords[:, 1].astype(float)
        empty = np.zeros(0, dtype=np.int64)
        if not points:  # a vertex of a public boundary layer is a coincidence, not a leak: left out
            skip = _in_sorted(_keys(a, b), self.allowed_xy_keys)
            skip |= _in_sorted(_keys(a * 1e5, b * 1e5), self.allowed_ll_keys)
            a, b = a[~skip], b[~skip]
        is_ll = (np.abs(a) <= 180) & (np.abs(b) <= 90)
        hit = is_ll & _near_many(a * 1e5, b * 1e5, self.ll_keys, empty if points else self.allowed_ll_keys)
        hit |= ~is_ll & _near_many(a, b, self.xy_keys, empty if points else self.allowed_xy_keys)
        if hit.any():
            i = int(np.flatnonzero(hit)[0])
            self.add(path, "coordinate", where, f"{'point' if points else 'vertex'} at {a[i]:.5f} {b[i]:.5f}")

    def scan_text(self, path: Path, where: str, text: str) -> None:
        text = _DATA_URI.sub(" ", text)
        self.scan_text_numbers_only(path, where, text)
        cols = "|".join(re.escape(c) for c in sorted(self.count_columns - _TEXT_KEY_EXCLUDED))
        if cols:
            pat = re.compile(rf"[\"']({cols})[\"']\s*:\s*[\"']?(-?\d+(?:\.\d+)?)")
            for m in pat.finditer(text):
                if 0 < float(m.group(2)) < self.min_count:
                    self.add(path, "count", where, f"{m.group(1)} = {m.group(2)} as text")
                    break
        for m in re.finditer(r"data-count=\"(-?\d+(?:\.\d+)?)\"", text):
            if 0 < float(m.group(1)) < self.min_count:
                self.add(path, "count", where, f"data-count = {m.group(1)}")
                break
        self.scan_snippets(path, where, text)

    def scan_snippets(self, path: Path, where: str, text: str) -> None:
        if not self.snippets:
            return
        plain = html.unescape(text)
        shared = np.zeros(len(self.snippets), dtype=np.int64)
        words = _words(plain)
        # 4-grams only where a snippet's 4-gram can start (most words of a table never do)
        starts = np.flatnonzero(pd.Series(words, dtype=object).isin(self.gram_starts).to_numpy())
        grams = {tuple(words[i : i + 4]) for i in starts[starts <= len(words) - 4]}
        for g in grams:
            for i in self.gram_index.get(g, ()):
                shared[i] += 1
        hits = np.flatnonzero((self.snippet_sizes > 0) & (shared * 2 >= self.snippet_sizes))
        if len(hits):
            self.add(path, "text", where, f"incident free text: {self.snippets[hits[0]][:40]!r}")
            return
        for snippet in self.short_snippets:
            if snippet in plain or json.dumps(snippet)[1:-1] in text:
                self.add(path, "text", where, f"incident free text: {snippet[:40]!r}")
                return

    def scan_frame(self, path: Path, where: str, df: pd.DataFrame) -> None:
        for col in df.columns:
            if str(col) in self.count_columns:
                num = pd.to_numeric(df[col], errors="coerce")
                bad = num[(num > 0) & (num < self.min_count)]
                if len(bad):
                    self.add(
                        path,
                        "count",
                        f"{where}.{col}",
                        f"{len(bad)} value(s) under {self.min_count}, e.g. {bad.iloc[0]:g}",
                    )
        numeric = [
            c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        ]
        if len(numeric) >= 2 and (self.xy or self.ll):
            arr = df[numeric].to_numpy(dtype="float64", na_value=np.nan)
            found = False
            for i in range(len(numeric)):
                for j in range(i + 1, len(numeric)):  # _match_many tries both orders
                    hit = self._match_many(arr[:, i], arr[:, j])
                    if hit.any():
                        k = int(np.flatnonzero(hit)[0])
                        self.add(path, "coordinate", f"{where}.{numeric[i]}/{numeric[j]}",
                                 f"incident position in columns: {arr[k, i]} {arr[k, j]}")
                        found = True
                        break
                if found:
                    break
        self.scan_hidden_rows(path, where, df)
        text_cols = [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]
        if text_cols:
            joined = "\n".join(" ".join(str(v) for v in row if v is not None) for row in df[text_cols].to_numpy())
            self.scan_snippets(path, where, joined)
            self.scan_text_numbers_only(path, where, joined)

    def scan_hidden_rows(self, path: Path, where: str, df: pd.DataFrame) -> None:
        """A number other than a key or public column on a row whose count is hidden (issue 10: EB z, shares)."""
        flags = [c for c in df.columns if str(c).endswith("_suppressed")]
        if not flags:
            return
        hidden = df[flags].fillna(False).astype(bool).any(axis=1).to_numpy()
        if not hidden.any():
            return
        keep = set(_KEEP_ALWAYS) | {c for s in schemas.TABLES.values() for c in s.public_columns}
        keep |= {str(c)[: -len("_suppressed")] for c in flags} | self.count_columns | {DISTRICT_FID}  # a key
        for col in df.columns:
            if col in keep or col in flags or col == "geometry" or pd.api.types.is_bool_dtype(df[col]):
                continue
            if not pd.api.types.is_numeric_dtype(df[col]):
                continue
            shown = hidden & pd.to_numeric(df[col], errors="coerce").notna().to_numpy()
            if shown.any():
                self.add(path, "derived", f"{where}.{col}",
                         f"{int(shown.sum())} value(s) published on rows whose count is hidden")

    def scan_raster_values(self, path: Path, ds: Any) -> None:
        """Density cells shaped by fewer than ``min_count`` incidents (below ``min_count`` kernel peaks)."""
        tags = ds.tags()
        kernel = str(tags.get("GEOLAGE_KERNEL", "")).lower()
        try:
            h = float(tags.get("GEOLAGE_BANDWIDTH", "nan"))
        except ValueError:
            h = math.nan
        for key, value in tags.items():
            if key.startswith("GEOLAGE_MASS"):
                try:
                    mass = float(value)
                except ValueError:
                    continue
                if 0 < mass < self.min_count - 0.5:
                    self.add(path, "count", f"tags.{key}", f"raster mass {mass:g} is a count under {self.min_count}")
        if kernel not in _KERNEL_PEAK or not h > 0:
            return
        unit = (str(tags.get("UNITS", "")) + str(ds.tags(1).get("UNITS", "")) + str(ds.units)).lower()
        h_unit = h / 1000.0 if "km" in unit else h
        threshold = self.min_count * _KERNEL_PEAK[kernel] / h_unit**2
        arr = ds.read(1, masked=True).filled(np.nan).astype("float64")
        low = (arr > 0) & (arr < threshold * (1 - 1e-6))
        if low.any():
            self.add(path, "raster", "band 1",
                     f"{int(low.sum())} cell(s) below {self.min_count} kernel peaks ({threshold:.4g})")

    def scan_text_numbers_only(self, path: Path, where: str, text: str) -> None:
        text = _DATA_URI.sub(" ", text)
        # All numbers at once (findall and one array conversion); their positions are only
        # needed for the rare candidate pairs, so the regex runs a second time only then.
        words = _NUMBER.findall(text)
        if len(words) < 2:
            return
        strings = np.array(words)
        vals = strings.astype("float64")
        point = np.strings.find(strings, ".")
        decimals = np.where(point >= 0, np.strings.str_len(strings) - point - 1, 0)
        # lon/lat written with fewer than 5 decimals (≥ ~1 m grid) cannot place an incident to 1 m
        lonlat = np.minimum(decimals[:-1], decimals[1:]) >= 5
        candidates = np.flatnonzero(self._match_many(vals[:-1], vals[1:], lonlat))
        if not len(candidates):
            return
        spans = [m.span() for m in _NUMBER.finditer(text)]
        for k in candidates:
            if _BRACKETS.search(text, spans[k][1], spans[k + 1][0]):
                continue  # numbers of two different vertices ("...],[..."), not one position
            hit = self._match(vals[k], vals[k + 1], lonlat=bool(lonlat[k]))
            if hit:
                self.add(path, "coordinate", where, f"incident position as text: {hit}")
                return

    # files ----------------------------------------------------------------------
    def scan_file(self, path: Path) -> None:
        suffix = path.suffix.lower()
        if suffix == ".gpkg":
            self.scan_gpkg(path)
        elif suffix in (".tif", ".tiff"):
            self.scan_tiff(path)
        elif suffix == ".pdf":
            self.scan_pdf(path)
        elif suffix == ".xlsx":
            self.scan_xlsx(path)
        elif suffix in _TEXT_SUFFIXES:
            text = path.read_bytes().decode("utf-8", errors="replace")
            if suffix == ".csv":
                try:
                    self.scan_frame(path, "csv", read_table_csv(path))  # ";" and decimal comma in Swedish runs
                except (ValueError, pd.errors.ParserError) as exc:
                    log.debug("csv %s not parsed (%s); scanned as text", path, exc)
            if suffix in (".geojson", ".json"):
                self.scan_geojson(path, text)
            self.scan_text(path, "text", text)
        elif suffix in (".png", ".jpg", ".jpeg", ".webp", ".gif", ".woff", ".woff2", ".ttf"):
            return
        else:
            text = path.read_bytes().decode("utf-8", errors="replace")
            self.scan_text(path, "bytes", text)

    def scan_geojson(self, path: Path, text: str) -> None:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return
        stack = [data]
        while stack:
            obj = stack.pop()
            if isinstance(obj, dict):
                if obj.get("type") in ("Point", "MultiPoint") and "coordinates" in obj:
                    coords = np.atleast_2d(np.asarray(obj["coordinates"], dtype="float64"))
                    self.scan_coords(path, "geojson", coords, points=True)
                stack.extend(obj.values())
            elif isinstance(obj, list):
                stack.extend(x for x in obj if isinstance(x, dict | list))

    def scan_gpkg(self, path: Path) -> None:
        import pyogrio

        try:
            layers = pyogrio.list_layers(path)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is itself a finding
            self.add(path, "unreadable", "gpkg", str(exc))
            return
        feature_tables = set()
        for name, _geom_type in layers:
            feature_tables.add(name)
            try:
                df = pyogrio.read_dataframe(path, layer=name)
            except Exception as exc:  # noqa: BLE001
                self.add(path, "unreadable", name, str(exc))
                continue
            if isinstance(df, gpd.GeoDataFrame) and df.geometry.notna().any():
                geoms = df.geometry.dropna()
                if df.crs is not None and self.crs is not None and df.crs != self.crs:
                    geoms = geoms.to_crs(self.crs)
                is_point = geoms.geom_type.isin(["Point", "MultiPoint"])
                for points, part in ((True, geoms[is_point]), (False, geoms[~is_point])):
                    if len(part):
                        self.scan_coords(path, name, part.get_coordinates().to_numpy(), points)
            self.scan_frame(path, name, pd.DataFrame(df.drop(columns="geometry", errors="ignore")))
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            con.text_factory = lambda b: b.decode("utf-8", errors="replace")
            names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for name in names:
                if name in feature_tables or name.startswith(("rtree_", "sqlite_", "gpkg_tile")):
                    continue
                df = pd.read_sql_query(f'SELECT * FROM "{name}"', con)
                df = df[[c for c in df.columns if df[c].map(lambda v: not isinstance(v, bytes)).all()]]
                self.scan_frame(path, name, df)
                self.scan_text(path, name, df.to_csv(index=False))
        finally:
            con.close()

    def scan_tiff(self, path: Path) -> None:
        try:
            import rasterio
        except ImportError:  # pragma: no cover - rasterio is a dependency
            self.add(path, "unreadable", "tiff", "rasterio missing")
            return
        with rasterio.open(path) as ds:
            parts = [json.dumps(ds.tags())]
            for ns in ds.tag_namespaces() or []:
                parts.append(json.dumps(ds.tags(ns=ns)))
            for b in range(1, ds.count + 1):
                parts.append(json.dumps(ds.tags(b)))
                parts.append(ds.descriptions[b - 1] or "")
            self.scan_raster_values(path, ds)
        self.scan_text(path, "tags", "\n".join(parts))

    def scan_xlsx(self, path: Path) -> None:
        """Every sheet of a workbook as a table (headings mapped back to column names) and as text.

        The contents sheet says which sheet holds which table and what each heading means
        (:func:`geolage.outputs.tables.write_workbook`); a cell written as the suppression label
        (``"<5 (dolt)"``) is a hidden count, so the checks of :meth:`scan_frame` (small counts,
        numbers on rows whose count is hidden, positions, free text) apply as to the CSV.
        """
        try:
            sheets = _read_workbook(path)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is itself a finding
            self.add(path, "unreadable", "xlsx", str(exc))
            return
        names = _xlsx_headings(next(iter(sheets.values()), []))
        for title, rows in sheets.items():
            self.scan_text(path, title, "\n".join(" ".join(str(v) for v in r if v is not None) for r in rows))
            if len(rows) < 2:
                continue
            heads = [str(h) if h is not None else f"col{j}" for j, h in enumerate(rows[0])]
            width = max(len(r) for r in rows)
            heads += [f"col{j}" for j in range(len(heads), width)]
            body = [list(r) + [None] * (width - len(r)) for r in rows[1:]]
            df = pd.DataFrame(body, columns=[names.get((title, h), h) for h in heads])
            df = df.loc[:, ~df.columns.duplicated()]
            for col in list(df.columns):
                converted = pd.to_numeric(df[col], errors="coerce")
                # the values that are not numbers (labels, texts, dates), looked at one by one
                other = df[col][converted.isna() & df[col].notna()]
                label = other.map(lambda v: isinstance(v, str) and bool(_SUPPRESSED_LABEL.match(v)))
                if label.any():
                    hidden = df.index.isin(label.index[label.to_numpy()])
                    df[f"{col}_suppressed"] = hidden
                    df[col] = df[col].where(~hidden)
                    other = other[~label]
                if other.map(lambda v: isinstance(v, datetime.date | datetime.time)).any():
                    continue  # dates are keys (period ends), not numbers
                if not len(other) and df[col].notna().any():
                    df[col] = converted
            self.scan_frame(path, title, df)

    def scan_pdf(self, path: Path) -> None:
        import shutil
        import subprocess

        exe = shutil.which("pdftotext")
        if exe is None:
            log.debug("pdftotext missing; %s not scanned (it is rendered from the scanned HTML)", path)
            return
        out = subprocess.run([exe, "-layout", str(path), "-"], capture_output=True, timeout=120, check=False)
        self.scan_text(path, "pdf text", out.stdout.decode("utf-8", errors="replace"))


def _read_workbook(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's rows (empty cells as None), with python-calamine when it is installed.

    calamine (Rust) reads the demo's workbook in about 2 s where openpyxl's read-only mode
    takes about 40 s; the test extras install it. The values are the same for this scan:
    calamine gives empty cells as ``""`` (made None here) and whole numbers as floats.
    """
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
        finally:
            wb.close()
    with CalamineWorkbook.from_path(str(path)) as wb:
        return {
            name: [[None if v == "" else v for v in row] for row in wb.get_sheet_by_name(name).to_python()]
            for name in wb.sheet_names
        }


_SUPPRESSED_LABEL = re.compile(r"^<\d+ \((dolt|suppressed)\)$")


def _xlsx_headings(contents: list[list[Any]]) -> dict[tuple[str, str], str]:
    """``(sheet, heading) -> column name`` from a geolage workbook's contents sheet (empty if not one)."""
    out: dict[tuple[str, str], str] = {}
    sheet = None
    for row in contents[1:]:
        cells = list(row) + [None] * (6 - len(row))
        if cells[0] is not None or cells[1] is not None:
            sheet = cells[0]
        elif sheet is not None and cells[4] is not None and cells[5] is not None:
            out[(str(sheet), str(cells[5]))] = str(cells[4])
    return out


_KEY_OFFSET = 2**30
_KEY_SPAN = 2**31


def _keys(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One int64 key per rounded integer pair (|values| < 1e9)."""
    xi = np.round(np.clip(x, -1e9, 1e9)).astype(np.int64) + _KEY_OFFSET
    yi = np.round(np.clip(y, -1e9, 1e9)).astype(np.int64) + _KEY_OFFSET
    return xi * _KEY_SPAN + yi


def _key_array(pairs: set[tuple[int, int]]) -> np.ndarray:
    if not pairs:
        return np.zeros(0, dtype=np.int64)
    arr = np.array(sorted(pairs), dtype=np.int64)
    return np.unique(_keys(arr[:, 0], arr[:, 1]))


def _in_sorted(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """``np.isin`` for a sorted unique array, without re-sorting it on every call."""
    if not len(sorted_keys):
        return np.zeros(np.shape(keys), dtype=bool)
    idx = np.searchsorted(sorted_keys, keys)
    idx = np.minimum(idx, len(sorted_keys) - 1)
    return sorted_keys[idx] == keys


def _near_many(x: np.ndarray, y: np.ndarray, targets: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """:func:`_near` for arrays (in rounding units): within one unit of a target that is not allowed."""
    hit = np.zeros(np.shape(x), dtype=bool)
    if not len(targets):
        return hit
    xi = np.round(np.clip(x, -1e9, 1e9))
    yi = np.round(np.clip(y, -1e9, 1e9))
    # Only pairs within one unit of the targets' x range can match (the keys are sorted by x
    # first, so the range is their first and last key): the look-ups below run on those (in a
    # table most numbers are counts and rates, far from any position).
    x_low = targets[0] // _KEY_SPAN - _KEY_OFFSET
    x_high = targets[-1] // _KEY_SPAN - _KEY_OFFSET
    rows = np.flatnonzero((xi >= x_low - 1) & (xi <= x_high + 1))
    if not len(rows):
        return hit
    xi, yi = xi[rows], yi[rows]
    found = np.zeros(len(rows), dtype=bool)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            k = _keys(xi + dx, yi + dy)
            inside = _in_sorted(k, targets)
            if inside.any() and len(allowed):
                inside &= ~_in_sorted(k, allowed)
            found |= inside
    hit[rows] = found
    return hit


def _near(xy: tuple[float, float], targets: set[tuple[int, int]], allowed: set[tuple[int, int]]) -> bool:
    """True when ``xy`` (in rounding units) is within one unit of a target that is not allowed.

    One unit of slack absorbs double rounding (a coordinate printed with more decimals
    and then rounded again).
    """
    if not targets or not (math.isfinite(xy[0]) and math.isfinite(xy[1])):
        return False
    x, y = int(round(xy[0])), int(round(xy[1]))
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            key = (x + dx, y + dy)
            if key in targets and key not in allowed:
                return True
    return False


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _ngrams(words: list[str], n: int = 4) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def scan_public_outputs(
    out_dir: str | Path,
    incidents: gpd.GeoDataFrame,
    min_count: int = 5,
    *,
    count_columns: Iterable[str] = DEFAULT_COUNT_COLUMNS,
    boundaries: Iterable[gpd.GeoDataFrame] = (),
) -> list[Finding]:
    """Scan every file in a public output folder for anything that identifies an incident.

    Parameters
    ----------
    out_dir : str or Path
        The output folder (searched recursively).
    incidents : GeoDataFrame
        The accepted incidents of the run (with ``text`` if any), in the run CRS.
    min_count : int
        Counts ``0 < v < min_count`` are findings.
    count_columns : iterable of str
        Column / key names holding counts (add the ``count_columns`` of the run's
        tables when they use other names).
    boundaries : iterable of GeoDataFrame
        Public boundary layers (districts, grid, study area, overlays). A polygon
        vertex, or a number pair in text, that matches an incident but is also a
        vertex of these layers (to 1 m) is taken as a coincidence, not a leak.
        Point geometries are flagged whatever these layers hold.

    Returns
    -------
    list of Finding
        Empty when nothing was found.

    Notes
    -----
    Checks per file type: GeoPackage (every feature layer's geometry and columns
    via pyogrio, every other SQLite table — styles, metadata — as columns and
    text), CSV (columns and text), GeoJSON/JSON (point geometries and text),
    HTML/JS/XML/QML/text (text; embedded ``data:`` URIs such as base64 images are
    skipped), GeoTIFF (dataset and band tags, band descriptions), PDF (text through
    ``pdftotext`` when installed). Text is searched for (a) a pair of adjacent
    numbers equal to an incident's x/y rounded to 1 m, or lon/lat rounded to 5
    decimals (either order; one unit of slack for double rounding; lon/lat written with
    fewer than 5 decimals is too coarse to count; two numbers with a bracket between
    them belong to different vertices and are not paired), (b) a quoted key
    ``"<count column>": v`` (JSON, GeoJSON in a map; not ``"weight"``, a Leaflet style key)
    or ``data-count="v"`` with ``0 < v < min_count``, (c) an incident's free text (texts of at least 12
    characters; matched on word 4-grams, at least half of them present, so
    escaping and line breaks do not hide it).
    """
    out = Path(out_dir)
    scanner = _Scanner(incidents, min_count, count_columns, boundaries)
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        log.debug("scanning %s", path)
        scanner.scan_file(path)
    if scanner.findings:
        log.warning("disclosure scan: %d finding(s) in %s", len(scanner.findings), out)
    return scanner.findings

"""The national summary of a batch: one row per municipality (table, GeoPackage layer, map).

:func:`municipality_numbers` takes the numbers of one finished run from its own tables
(``rates_district`` and ``coverage``), so the summary says what each municipality's
output says. :func:`summary_table` puts the rows together with the municipality
polygons and, in public mode, withholds counts under ``output.min_count`` and what is
derived from them (:func:`geolage.run.disclosure.public_table`). :func:`write_summary`
writes the CSV, the GeoPackage layer, a self-contained Leaflet map and ``batch.json``.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..categories import ALL_CATEGORIES
from ..run import schemas
from ..run.disclosure import public_table
from ..run.results import RunResults, Table
from ..stats.rates import WHOLE_PERIOD
from ..text import batch as T
from ..text.format import format_number, format_percent
from ..text.outputs import SYNTHETIC_NOTE

__all__ = [
    "SUMMARY_COLUMNS",
    "SUMMARY_CSV",
    "SUMMARY_GPKG",
    "SUMMARY_LAYER",
    "SUMMARY_MAP",
    "RECORD_JSON",
    "UNASSIGNED_CSV",
    "municipality_numbers",
    "summary_table",
    "write_summary",
]

log = logging.getLogger(__name__)

SUMMARY_CSV = "nationell_sammanstallning.csv"
SUMMARY_GPKG = "nationell_sammanstallning.gpkg"
SUMMARY_LAYER = "kommuner"
SUMMARY_MAP = "nationell_karta.html"
RECORD_JSON = "batch.json"
UNASSIGNED_CSV = "ej_fordelade_rader.csv"

#: Columns of the national summary table (one row per municipality).
SUMMARY_COLUMNS = (
    "code",
    "name",
    "status",
    "error",
    "read",
    "accepted",
    "rejected",
    "count",
    "population",
    "exposure",
    "rate",
    "rate_per",
    "span",
    "bra_count",
    "data_count",
    "bra_coverage",
    "coverage_years",
    "seconds",
    "out_dir",
)
_NUMBER_COLUMNS = ("read", "accepted", "rejected", "count", "population", "exposure", "rate", "rate_per",
                   "bra_count", "data_count", "bra_coverage", "seconds")


def municipality_numbers(results: RunResults) -> dict[str, Any]:
    """The summary numbers of one finished run (before disclosure control).

    Parameters
    ----------
    results : RunResults
        A run with the ``statistics`` step done.

    Returns
    -------
    dict
        ``read``, ``accepted``, ``rejected`` (rows, as in ``data_quality``); ``count``:
        incidents in the analysed span in the districts (``rates_district``, all categories,
        whole span); ``population`` (sum over districts with a population); ``exposure``
        (person-years of those districts); ``rate`` = count in those districts / exposure ×
        ``rate_per`` (per inhabitant and year); ``span``; ``bra_count``, ``data_count``,
        ``bra_coverage`` (data / Brå over the years of the ``coverage`` table, group ``total``)
        and ``coverage_years``.
    """
    q = results.quality
    cfg = results.config
    out: dict[str, Any] = {"read": int(q["read"]), "accepted": int(q["accepted"]), "rejected": int(q["rejected"]),
                           "rate_per": float(cfg.statistics.rate_per),
                           "span": f"{cfg.periods.start}–{cfg.periods.end}"}
    rd = results.tables[schemas.RATES_DISTRICT.name].data
    whole = rd[(rd["category"] == ALL_CATEGORIES) & (rd["period"] == WHOLE_PERIOD)]
    counts = pd.to_numeric(whole["count"], errors="coerce").fillna(0)
    exposure = pd.to_numeric(whole["exposure"], errors="coerce")
    known = exposure.notna() & (exposure > 0)
    pop = pd.to_numeric(results.districts["population"], errors="coerce")
    out["count"] = int(counts.sum())
    out["population"] = float(pop.sum()) if pop.notna().any() else np.nan
    out["exposure"] = float(exposure[known].sum()) if known.any() else np.nan
    rate = counts[known].sum() / exposure[known].sum() * cfg.statistics.rate_per if known.any() else np.nan
    out["rate"] = float(rate)
    cov = results.tables.get(schemas.COVERAGE.name)
    out.update(bra_count=np.nan, data_count=np.nan, bra_coverage=np.nan, coverage_years="")
    if cov is not None:
        total = cov.data[cov.data["bra_group"] == "total"]
        if len(total):
            bra, data = float(total["bra_count"].sum()), float(total["data_count"].sum())
            years = sorted(int(y) for y in total["year"])
            out.update(bra_count=bra, data_count=data, bra_coverage=data / bra if bra > 0 else np.nan,
                       coverage_years=f"{years[0]}–{years[-1]}" if years[0] != years[-1] else str(years[0]))
    return out


def summary_table(
    rows: Sequence[dict[str, Any]],
    boundaries: gpd.GeoDataFrame,
    *,
    mode: str = "public",
    min_count: int = 5,
    language: str = "sv",
) -> Table:
    """The national summary: one row per municipality of the batch, with its polygon.

    Parameters
    ----------
    rows : sequence of dict
        From :func:`geolage.batch.run.run_batch` (``BatchResult.rows``).
    boundaries : GeoDataFrame
        ``code``, ``name``, geometry (:func:`geolage.batch.plan.read_boundaries`).
    mode : {"public", "internal"}
        Public: counts (``count``, ``data_count``) under ``min_count`` are withheld with
        what is derived from them (``rate``, ``bra_coverage``), flagged in ``<column>_suppressed``.
    min_count : int
    language : {"sv", "en"}

    Returns
    -------
    Table
        Columns :data:`SUMMARY_COLUMNS` (and the ``*_suppressed`` flags in public mode),
        geometry of the municipality (None when it is not in ``boundaries``).
    """
    frame = pd.DataFrame(list(rows))
    for col in SUMMARY_COLUMNS:
        if col not in frame.columns:
            frame[col] = np.nan if col in _NUMBER_COLUMNS else ""
    frame = frame[list(SUMMARY_COLUMNS)]
    for col in _NUMBER_COLUMNS:
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    frame["error"] = frame["error"].fillna("").astype(str)
    geom = boundaries.set_index("code").geometry
    gdf = gpd.GeoDataFrame(frame, geometry=frame["code"].map(geom).to_numpy(), crs=boundaries.crs)
    rate_per = frame["rate_per"].dropna()
    per = format_number(rate_per.iloc[0] if len(rate_per) else 1000, language)
    span = frame["span"].replace("", np.nan).dropna()
    table = Table(
        name="national_summary",
        data=gdf,
        title=dict(T.SUMMARY_TITLE),
        description=dict(T.SUMMARY_DESCRIPTION.format(rate_per=per, span=span.iloc[0] if len(span) else "")),
        count_columns=("count", "data_count"),
        style="rate",
        style_column="rate",
    )
    if mode == "internal":
        return table
    public = public_table(table, min_count=min_count, language=language)
    assert public is not None  # only internal_only tables give None
    hidden = public.data["data_count_suppressed"].fillna(False).astype(bool)
    public.data.loc[hidden, "bra_coverage"] = np.nan  # data / Brå gives the withheld count back
    return public


# ---------------------------------------------------------------------------- writing
def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _classes(values: pd.Series, k: int = 5) -> list[float]:
    """Upper class bounds (Fisher–Jenks, mapclassify) of the values shown on the map."""
    from ..outputs.map.scale import breaks  # the map's classes (no "Numba not installed" warning)

    v = values.dropna().to_numpy(dtype=float)
    return breaks(v, k) if len(v) else []


def _map_data(table: Table, *, language: str, min_count: int, synthetic: bool) -> dict[str, Any]:
    """The JSON the map page draws: features in WGS84 with display texts, the layers and their classes."""
    from ..outputs.map.escape import plain

    d = table.data
    d = d[d.geometry.notna()].copy()
    d["geometry"] = d.geometry.simplify(250)
    wgs = d.to_crs("EPSG:4326")
    per = format_number(table.data["rate_per"].dropna().iloc[0] if table.data["rate_per"].notna().any() else 1000,
                        language)
    span = next((s for s in table.data["span"] if isinstance(s, str) and s), "")
    years = next((s for s in table.data["coverage_years"] if isinstance(s, str) and s), "")

    def shown(col: str, fmt: Any) -> list[str]:
        flags = d.get(f"{col}_suppressed", pd.Series(False, index=d.index)).fillna(False).astype(bool)
        out = []
        for status, v, hidden in zip(d["status"], d[col], flags):
            if status != "ok":
                out.append(T.FAILED[language])
            elif hidden:
                out.append(T.WITHHELD.format(k=min_count)[language])
            else:
                out.append(fmt(v) if pd.notna(v) else "–")
        return out

    props = pd.DataFrame({
        "code": d["code"].map(plain),
        "name": d["name"].map(plain),
        "ok": d["status"] == "ok",
        "rate": d["rate"].astype(float).where(d["rate"].notna(), None),
        "bra_coverage": d["bra_coverage"].astype(float).where(d["bra_coverage"].notna(), None),
        "status_text": [T.STATUS_WORDS.get(s, T.STATUS_WORDS["failed"])[language] for s in d["status"]],
        "rate_text": shown("rate", lambda v: format_number(v, language, 1)),
        "coverage_text": shown("bra_coverage", lambda v: format_percent(v, language, 0, share=True)),
        "count_text": shown("count", lambda v: format_number(v, language, 0)),
        "rate_withheld": d.get("count_suppressed", pd.Series(False, index=d.index)).fillna(False).astype(bool),
        "bra_coverage_withheld": d.get("data_count_suppressed", pd.Series(False, index=d.index)).fillna(False)
        .astype(bool),
    })
    features = []
    for geom, (_, p) in zip(wgs.geometry, props.iterrows()):
        features.append({"type": "Feature", "geometry": json.loads(gpd.GeoSeries([geom]).to_json())["features"][0]
                         ["geometry"] if geom is not None else None,
                         "properties": {k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                                        for k, v in p.items()}})
    ok = d["status"] == "ok"
    rate_bins, cov_bins = _classes(d.loc[ok, "rate"]), _classes(d.loc[ok, "bra_coverage"])
    layers = [
        {"key": "rate", "name": T.RATE_LAYER.format(rate_per=per)[language],
         "unit": T.RATE_UNIT.format(rate_per=per, span=span)[language],
         "bins": rate_bins, "labels": [format_number(b, language, 1) for b in rate_bins]},
        {"key": "bra_coverage", "name": T.COVERAGE_LAYER[language],
         "unit": T.COVERAGE_UNIT.format(years=years)[language],
         "bins": cov_bins, "labels": [format_percent(b, language, 0, share=True) for b in cov_bins]},
    ]
    bounds = wgs.total_bounds if len(wgs) else np.array([10.0, 55.0, 25.0, 69.0])
    return {
        "features": {"type": "FeatureCollection", "features": features},
        "layers": [ly for ly in layers if ly["bins"]] or layers[:1],
        "bounds": [[float(bounds[1]), float(bounds[0])], [float(bounds[3]), float(bounds[2])]],
        "words": {
            "municipality": T.MUNICIPALITY[language],
            "no_value": T.NO_VALUE[language],
            "failed": T.FAILED[language],
            "withheld": T.WITHHELD.format(k=min_count)[language],
            "count": T.COLUMN_WORDS["count"][language],
            "rate": T.COLUMN_WORDS["rate"].format(rate_per=per)[language],
            "bra_coverage": T.COLUMN_WORDS["bra_coverage"][language],
            "status": T.COLUMN_WORDS["status"][language],
        },
        "title": T.SUMMARY_TITLE[language],
        "note": SYNTHETIC_NOTE[language] if synthetic else "",
    }


def map_page(table: Table, *, language: str = "sv", min_count: int = 5, synthetic: bool = False) -> str:
    """The national map as one self-contained HTML page (Leaflet inlined, no network needed).

    Every text from input data is escaped by the page script (it is set as text, never as
    HTML) and the JSON cannot close its ``<script>`` element; a Content-Security-Policy
    allows only the page's own scripts, as for the run map (:mod:`geolage.outputs.map.page`).
    """
    from ..outputs.map.escape import esc, safe_inline, script_json
    from ..outputs.map.page import _leaflet_css, _static, _with_csp

    data = _map_data(table, language=language, min_count=min_count, synthetic=synthetic)
    script = resources.files("geolage").joinpath("templates", "batch_map.js").read_text(encoding="utf-8")
    css = resources.files("geolage").joinpath("templates", "batch_map.css").read_text(encoding="utf-8")
    page = (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8" />\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f'<meta name="referrer" content="no-referrer" />\n<title>{esc(data["title"])}</title>\n'
        f"<style>{safe_inline(_leaflet_css())}</style>\n<style>{safe_inline(css)}</style>\n"
        f"<script>{safe_inline(_static('leaflet/leaflet.js'))}</script>\n</head>\n<body>\n"
        f'<div id="map"></div>\n'
        f'<script type="application/json" id="geolage-batch-data">{script_json(data)}</script>\n'
        f"<script>{safe_inline(script)}</script>\n</body>\n</html>\n"
    )
    return _with_csp(page)


def write_summary(
    table: Table,
    out_dir: str | Path,
    *,
    record: dict[str, Any],
    unassigned: pd.DataFrame | None = None,
    language: str = "sv",
    min_count: int = 5,
    synthetic: bool = False,
) -> dict[str, Path]:
    """Write the national summary into ``out_dir`` (each file atomically).

    Writes :data:`SUMMARY_CSV` (no geometry), :data:`SUMMARY_GPKG` (layer
    :data:`SUMMARY_LAYER`), :data:`SUMMARY_MAP`, :data:`RECORD_JSON` (every
    municipality's status, reason, time; the options and the accounting of rows) and,
    when rows could not be given to a municipality, :data:`UNASSIGNED_CSV` (source, row,
    reason, the code as written: no incident content).

    Returns
    -------
    dict
        Output name -> path.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    frame = pd.DataFrame(table.data.drop(columns="geometry"))
    _atomic_write(out / SUMMARY_CSV, frame.to_csv(index=False))
    written["csv"] = out / SUMMARY_CSV
    gpkg = out / SUMMARY_GPKG
    tmp = out / f".{SUMMARY_GPKG}.{os.getpid()}.tmp.gpkg"
    try:
        table.data.to_file(tmp, layer=SUMMARY_LAYER, driver="GPKG")
        os.replace(tmp, gpkg)
    finally:
        tmp.unlink(missing_ok=True)
    written["gpkg"] = gpkg
    _atomic_write(out / SUMMARY_MAP, map_page(table, language=language, min_count=min_count, synthetic=synthetic))
    written["map"] = out / SUMMARY_MAP
    if unassigned is not None and len(unassigned):
        _atomic_write(out / UNASSIGNED_CSV, unassigned.to_csv(index=False))
        written["unassigned"] = out / UNASSIGNED_CSV
    _atomic_write(out / RECORD_JSON, json.dumps(record, ensure_ascii=False, indent=2, default=str))
    written["record"] = out / RECORD_JSON
    log.info("batch: national summary written to %s", out)
    return written

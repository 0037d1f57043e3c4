"""The lägesbild workflow: load → validate → index → analyse → export.

:func:`prepare` loads and checks the data and builds the analysis grid,
:func:`analyse` runs every analysis step, and :func:`write_outputs` writes one output
folder atomically (a failed run leaves no folder that looks complete).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import __version__
from .config import Config
from .errors import ConfigError, OutputExistsError
from .grid import assign_cells, choose_cell_size, make_grid
from .io import file_sha256, read_districts, read_overlay
from .results import RunResults, Table
from .validate import validate_incidents

__all__ = ["prepare", "analyse", "run", "write_outputs", "write_tables_csv", "write_run_json", "ANALYSIS_STEPS"]

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

#: The analysis steps in the order they run: (name, module, function). Each function
#: takes the RunResults and adds its tables, rasters and parameters.
ANALYSIS_STEPS: tuple[tuple[str, str, str], ...] = (
    ("statistics", "geolage.statistics", "add_statistics"),
    ("density", "geolage.density_step", "add_density"),
    ("hotspots", "geolage.spatial_step", "add_hotspots"),
    ("emerging", "geolage.spatial_step", "add_emerging"),
    ("near_repeat", "geolage.density_step", "add_near_repeat"),
    ("forecast", "geolage.forecast", "add_forecast"),
)

_RECORDED_PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "shapely",
    "pyproj",
    "pyogrio",
    "geopandas",
    "libpysal",
    "esda",
    "mapclassify",
    "statsmodels",
    "rasterio",
    "folium",
    "matplotlib",
)


def _noop(_: str) -> None:
    return None


def _resolve_areas(districts: gpd.GeoDataFrame, config: Config) -> gpd.GeoDataFrame:
    """Mark focus and reference districts from ``[areas]`` (names or ids)."""
    d = districts.copy()
    by_name = {str(n).casefold(): i for i, n in zip(d["district_id"], d["district_name"])}
    ids = set(d["district_id"])

    def lookup(items: tuple[str, ...], key: str) -> list[str]:
        found, missing = [], []
        for item in items:
            if item in ids:
                found.append(item)
            elif item.casefold() in by_name:
                found.append(by_name[item.casefold()])
            else:
                missing.append(item)
        if missing:
            raise ConfigError(
                f"'{key}': no district with name or id {', '.join(repr(m) for m in missing)}; "
                f"district names are e.g. {', '.join(list(d['district_name'].astype(str))[:5])}"
            )
        return found

    focus = lookup(config.areas.focus, "areas.focus")
    d["is_focus"] = d["district_id"].isin(focus)
    ref = config.areas.reference
    if ref == "rest":
        d["is_reference"] = ~d["is_focus"]
    elif ref == "all":
        d["is_reference"] = True
    else:
        items = (ref,) if isinstance(ref, str) else tuple(ref)
        d["is_reference"] = d["district_id"].isin(lookup(items, "areas.reference"))
    return d


def _input_files(config: Config) -> list[Path]:
    files = [config.districts.path] + [s.path for s in config.sources] + [o.path for o in config.overlays]
    for p in (
        config.study_area.path if config.study_area else None,
        config.districts.population_table,
        config.areas.reference_rates,
        config.project.bra_totals,
        config.hotspots.district_weights,
    ):
        if p is not None:
            files.append(p)
    if config.source_file is not None:
        files.insert(0, config.source_file)
    seen: list[Path] = []
    for f in files:
        if f not in seen:
            seen.append(f)
    return seen


def _package_versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "geolage": __version__}
    for name in _RECORDED_PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def prepare(config: Config, *, progress: Progress = _noop) -> RunResults:
    """Load and validate the data of a run and build the analysis grid.

    Parameters
    ----------
    config : Config
    progress : callable, optional
        Called with a short text before each step (the CLI shows a progress bar).

    Returns
    -------
    RunResults
        With incidents (districts and cells assigned), rejects, districts (focus and
        reference marked), study area, overlays, grid, quality summary and run record;
        no analysis tables yet.

    Raises
    ------
    ConfigError, InputFileError, CRSMismatchError
        Problems with the configuration or the input files.
    """
    started = dt.datetime.now(dt.UTC)
    crs = config.project.crs
    progress("districts")
    districts, district_report = read_districts(config.districts, crs=crs)
    if config.districts.population_table is not None:
        districts = _apply_population_table(districts, config)
    districts = _resolve_areas(districts, config)
    if config.study_area is not None:
        area_layer = read_overlay(config.study_area, crs=crs)
        area_geom = shapely.union_all(shapely.make_valid(area_layer.geometry.values))
    else:
        area_geom = shapely.union_all(districts.geometry.values)
    study_area = gpd.GeoDataFrame({"name": [config.project.name]}, geometry=[area_geom], crs=crs)
    overlays = {ov.name: read_overlay(ov, crs=crs) for ov in config.overlays}

    outcome = validate_incidents(config, districts, area_geom, progress=lambda name: progress(f"source {name}"))
    incidents, rejects, quality = outcome.incidents, outcome.rejects, outcome.quality
    quality["districts"] = district_report

    progress("grid")
    if config.grid.cell_size == "auto":
        size, reason = choose_cell_size(incidents["x"].to_numpy(), incidents["y"].to_numpy())
    else:
        size, reason = int(config.grid.cell_size), "set in the configuration"
    grid = make_grid(area_geom, size, crs=crs)
    incidents["cell_id"] = assign_cells(incidents["x"].to_numpy(), incidents["y"].to_numpy(), grid)
    quality["outside_grid"] = int(incidents["cell_id"].isna().sum())

    results = RunResults(
        config=config,
        incidents=incidents,
        rejects=rejects,
        districts=districts,
        grid=grid,
        study_area=study_area,
        overlays=overlays,
        quality=quality,
    )
    _add_base_tables(results)
    results.record_parameters("grid", cell_size_m=size, cell_size_rule=reason, n_cells=len(grid))
    results.record_parameters(
        "validation",
        duplicate_distance_m=config.validation.duplicate_distance,
        duplicate_minutes=config.validation.duplicate_minutes,
        as_of=str(config.project.as_of or dt.date.today()),
        outside_districts=config.validation.outside_districts,
        announce=False,
    )
    config_json = json.dumps(config.to_dict(), sort_keys=True, ensure_ascii=False)
    results.record = {
        "geolage_version": __version__,
        "synthetic_data": config.project.synthetic,
        "seed": config.project.seed,
        "config_sha256": hashlib.sha256(config_json.encode()).hexdigest(),
        "input_sha256": {str(p): file_sha256(p) for p in _input_files(config)},
        "packages": _package_versions(),
        "started_utc": started.isoformat(timespec="seconds"),
    }
    return results


def _add_base_tables(results: RunResults) -> None:
    """The validated data as tables: incidents and rejects (internal only), districts, grid, data quality."""
    inc = results.incidents
    results.add_table(
        Table(
            "incidents",
            inc,
            title={"sv": "Brott (godkända rader)", "en": "Incidents (accepted rows)"},
            description={
                "sv": "Varje godkänd händelse som punkt. Endast intern användning.",
                "en": "Every accepted incident as a point. Internal use only.",
            },
            internal_only=True,
            style="points",
        )
    )
    results.add_table(
        Table(
            "rejects",
            results.rejects,
            title={"sv": "Avvisade rader", "en": "Rejected rows"},
            description={
                "sv": "Rader som inte kom med i analysen, med orsak. Endast intern användning.",
                "en": "Rows left out of the analysis, with the reason. Internal use only.",
            },
            internal_only=True,
        )
    )
    d = results.districts
    results.add_table(
        Table(
            "districts",
            gpd.GeoDataFrame(
                d[["district_id", "district_name", "population", "is_focus", "is_reference", "geometry"]].reset_index(
                    drop=True
                ),
                crs=d.crs,
            ),
            title={"sv": "Områden", "en": "Districts"},
        )
    )
    g = results.grid
    counts = inc["cell_id"].value_counts()
    grid_table = gpd.GeoDataFrame(
        g[["cell_id", "x0", "y0", "area_share", "geometry"]].reset_index(drop=True), crs=g.crs
    )
    grid_table["count"] = grid_table["cell_id"].map(counts).fillna(0).astype(int)
    results.add_table(
        Table(
            "grid",
            grid_table,
            title={"sv": "Analysrutnät med antal brott", "en": "Analysis grid with incident counts"},
            count_columns=("count",),
            style="count",
            style_column="count",
        )
    )
    rows = []
    for name, s in results.quality["per_source"].items():
        base = {
            "source": name,
            "read": s["read"],
            "accepted": s["accepted"],
            "rejected": s["rejected"],
            "geocoded_share": s["geocoded_share"],
            "personnummer_masked": s["personnummer_masked"],
        }
        for reason, n in s["rejected_by_reason"].items():
            base[f"rejected_{reason}"] = n
        for fix, n in s["fixes"].items():
            base[f"fixed_{fix}"] = n
        rows.append(base)
    results.add_table(
        Table(
            "data_quality",
            pd.DataFrame(rows).fillna(0),
            title={"sv": "Datakvalitet per källa", "en": "Data quality per source"},
        )
    )


def _apply_population_table(districts: gpd.GeoDataFrame, config: Config) -> gpd.GeoDataFrame:
    """Population per district from a CSV table.

    The table has a column named like ``districts.id_field`` and one named like
    ``districts.population_field``, and optionally a ``year`` column. With years, the
    latest year at or before ``periods.end`` gives the district's population, and the
    whole table is kept in ``districts.attrs["population_by_year"]`` for yearly rates.
    """
    cfg = config.districts
    path = cfg.population_table
    assert path is not None
    from .errors import InputFileError

    table = pd.read_csv(path, dtype={cfg.id_field: str})
    pop_field = cfg.population_field or "population"
    missing = [c for c in (cfg.id_field, pop_field) if c not in table.columns]
    if missing:
        raise InputFileError(
            f"{path}: column(s) {', '.join(missing)} not found; the population table needs the district id column "
            f"'{cfg.id_field}' and the population column '{pop_field}' (and optionally 'year'); it has: "
            f"{', '.join(table.columns)}"
        )
    pop = pd.to_numeric(table[pop_field], errors="coerce")
    if pop.isna().any():
        rows = list(pop[pop.isna()].index[:10] + 1)
        raise InputFileError(f"{path}: column '{pop_field}' is not a number in data row(s) {rows}")
    years = table["year"] if "year" in table.columns else pd.Series(config.periods.end.year, index=table.index)
    table = pd.DataFrame({"district_id": table[cfg.id_field].astype(str).str.strip(), "year": years, "population": pop})
    unknown = sorted(set(table["district_id"]) - set(districts["district_id"]))
    if unknown:
        log.warning("%s: %d district id(s) not in the districts layer, ignored: %s", path, len(unknown), unknown[:5])
    table = table[table["year"] <= config.periods.end.year].sort_values("year")
    latest = table.groupby("district_id")["population"].last()
    d = districts.copy()
    d["population"] = d["district_id"].map(latest).astype(float)
    d.attrs["population_by_year"] = table.reset_index(drop=True)
    return d


def analyse(results: RunResults, *, progress: Progress = _noop) -> RunResults:
    """Run every analysis step (:data:`ANALYSIS_STEPS`) on prepared results."""
    import importlib

    for name, module, func in ANALYSIS_STEPS:
        progress(name)
        step = getattr(importlib.import_module(module), func)
        step(results)
    results.record["finished_utc"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return results


def run(config: Config, *, progress: Progress = _noop) -> RunResults:
    """Prepare and analyse a run (no files written)."""
    return analyse(prepare(config, progress=progress), progress=progress)


# ---------------------------------------------------------------------------- outputs
def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dt.date | dt.datetime | pd.Timestamp):
        return obj.isoformat()
    return obj


def write_run_json(results: RunResults, path: Path, *, mode: str, outputs: list[str]) -> Path:
    """Write the run record: config, input hashes, versions, seed, parameters, data quality."""
    doc = {
        "project": results.config.project.name,
        "mode": mode,
        "language": results.config.project.language,
        "record": results.record,
        "config": results.config.to_dict(),
        "parameters": results.parameters,
        "quality": results.quality,
        "tables": sorted(results.tables),
        "rasters": sorted(results.rasters),
        "outputs": sorted(outputs),
    }
    path.write_text(json.dumps(_jsonable(doc), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _public(table: Table, results: RunResults) -> Table | None:
    from .disclosure import public_table

    return public_table(table, results.config.output.min_count, results.config.project.language)


def write_tables_csv(results: RunResults, folder: Path, *, mode: str) -> list[Path]:
    """Write every result table as UTF-8 CSV (public mode: after disclosure control)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    already_public = results.record.get("disclosure", {}).get("mode") == "public"
    for table in results.tables.values():
        t = table if mode == "internal" or already_public else _public(table, results)
        if t is None:
            continue
        df = pd.DataFrame(t.data.drop(columns="geometry", errors="ignore"))
        path = folder / f"{t.name}.csv"
        df.to_csv(path, index=False, encoding="utf-8")
        written.append(path)
    written.append(_write_tables_readme(results, folder, [p.stem for p in written], mode))
    return written


def _write_tables_readme(results: RunResults, folder: Path, names: list[str], mode: str) -> Path:
    """A README beside the CSV tables: what each is, whether data are synthetic, disclosure mode."""
    lang = results.config.project.language
    lines = []
    if results.config.project.synthetic:
        from .export import SYNTHETIC_NOTE

        lines.append(SYNTHETIC_NOTE[lang])
    if mode == "public":
        k = results.config.output.min_count
        lines.append(f"Publik version: antal under {k} visas inte (tomma celler, kolumnen <kolumn>_suppressed = True)."
                     if lang == "sv" else
                     f"Public version: counts under {k} are withheld (empty cells, column <column>_suppressed = True).")
    else:
        lines.append("INTERN version: innehåller uppgifter om enskilda brott." if lang == "sv"
                     else "INTERNAL version: holds incident-level data.")
    lines.append("")
    from .qgis_styles import field_label

    heading = "Kolumner" if lang == "sv" else "Columns"
    for name in names:
        t = results.tables[name]
        lines.append(f"{name}.csv: {t.title.get(lang, name)}")
        cols = [c for c in t.data.columns if c != "geometry"]
        lines.append(f"  {heading}: " + "; ".join(f"{c} = {field_label(c, lang)}" for c in cols))
    path = folder / "README.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_outputs(
    results: RunResults,
    out_dir: str | Path,
    *,
    overwrite: bool = False,
    mode: str | None = None,
    language: str | None = None,
    pdf: bool | None = None,
    progress: Progress = _noop,
) -> dict[str, Path]:
    """Write every output of a run into ``out_dir``, atomically.

    Parameters
    ----------
    results : RunResults
    out_dir : str or Path
        The output folder; it must not exist unless ``overwrite``.
    overwrite : bool
        Replace an existing folder (only after the new one is complete).
    mode : {"public", "internal"}, optional
        Default ``config.output.mode``. Public outputs hold no incident points, no
        free text and no count under ``output.min_count``.
    language : {"sv", "en"}, optional
        Default ``config.project.language``.
    pdf : bool, optional
        Also write the report as PDF (default ``config.output.pdf``).
    progress : callable, optional

    Returns
    -------
    dict
        Output name -> path.

    Raises
    ------
    OutputExistsError
        ``out_dir`` exists and ``overwrite`` is False.

    Notes
    -----
    Everything is written into a hidden sibling folder first and renamed into place
    when complete, so an interrupted or failed run leaves no output that looks
    complete (the partial folder is removed).
    """
    out_dir = Path(out_dir)
    mode = mode or results.config.output.mode
    language = language or results.config.project.language
    pdf = results.config.output.pdf if pdf is None else pdf
    if mode not in ("public", "internal"):
        raise ConfigError(f"mode needs to be 'public' or 'internal'; got {mode!r}")
    if out_dir.exists() and not overwrite:
        raise OutputExistsError(f"{out_dir}: already exists; choose another --out or add --overwrite")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    if mode == "public":
        # Disclosure control once, for every exporter (each would otherwise apply it again).
        from .disclosure import public_results

        progress("disclosure control")
        results = public_results(results, results.config.output.min_count, language)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        written = _write_all(results, tmp, mode=mode, language=language, pdf=pdf, progress=progress)
        progress("run.json")
        write_run_json(
            results, tmp / "run.json", mode=mode, outputs=[str(p.relative_to(tmp)) for p in written.values()]
        )
        written["run_json"] = tmp / "run.json"
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {k: out_dir / p.relative_to(tmp) for k, p in written.items()}


def _write_all(
    results: RunResults, folder: Path, *, mode: str, language: str, pdf: bool, progress: Progress
) -> dict[str, Path]:
    from .export import write_spatial_outputs
    from .maps import write_map
    from .report import write_report

    written: dict[str, Path] = {}
    progress("GeoPackage, GeoTIFF, QGIS")
    spatial = write_spatial_outputs(results, folder, mode=mode, language=language)
    written.update({f"spatial:{k}": Path(v) for k, v in _as_dict(spatial).items()})
    progress("tables (CSV)")
    for p in write_tables_csv(results, folder / "tabeller", mode=mode):
        written[f"csv:{p.stem}"] = p
    progress("map")
    written["map"] = Path(write_map(results, folder / "karta.html", mode=mode, language=language))
    progress("report")
    rep = write_report(results, folder, mode=mode, language=language, pdf=pdf)
    written.update({f"report:{k}": Path(v) for k, v in _as_dict(rep).items()})
    return written


def _as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    if isinstance(obj, list | tuple):
        return {Path(p).name: p for p in obj}
    return {Path(obj).name: obj}

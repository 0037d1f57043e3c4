"""Value rules of a run configuration that the types cannot say: ranges, relations, CRS codes, safe names.

One checker per section, each appending a one-line problem (naming the key, what is wrong and what to
set) to the shared list, so :func:`geolage.config.config_from_dict` raises once with every problem and a
run never starts with a value that would fail, or exhaust memory, minutes later inside a step.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyproj import CRS
from pyproj.exceptions import CRSError

from .errors import ConfigError, Problem

if TYPE_CHECKING:  # config imports this module; the types are for the checkers' signatures only
    from .config import Config, SourceConfig, _Checks

__all__ = ["RANGE_CHECKS", "check_output", "check_sources", "MIN_RASTER_CELL", "crs_problem", "unsafe_name"]

#: Smallest density raster cell (m): finer cells than this resolve nothing a geocoded address can say.
MIN_RASTER_CELL = 1.0
#: Most permutations, bootstrap resamples or simulations a run may ask for: 99 999 gives pseudo p-values down
#: to 1e-5; more only costs memory (cells × permutations) and time.
MAX_PERMUTATIONS = 99_999
#: Characters that make a source name unusable as a file or table name (path separators, control characters).
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]|^\.|\.\.")


def crs_problem(value: str, key: str, *, projected: bool) -> str | None:
    """A one-line problem when ``value`` is no CRS pyproj knows (or, with ``projected``, not one in metres)."""
    try:
        crs = CRS.from_user_input(value)
    except CRSError:
        return Problem(
            f"'{key}' is not a coordinate reference system pyproj knows: {value!r}; give an EPSG code such as "
            "'EPSG:3006' (SWEREF 99 TM)",
            f"'{key}' är inget koordinatsystem som pyproj känner till: {value!r}; ange en EPSG-kod, till exempel "
            "'EPSG:3006' (SWEREF 99 TM)",
        )
    if projected:
        unit = crs.axis_info[0].unit_name if crs.axis_info else ""
        if not crs.is_projected or unit not in ("metre", "meter"):
            return Problem(
                f"'{key}' needs a projected CRS in metres (analysis distances are in metres); got {value!r} "
                f"({crs.name}); use e.g. 'EPSG:3006' (SWEREF 99 TM)",
                f"'{key}' behöver ett projicerat koordinatsystem i meter (analysens avstånd är i meter); angivet: "
                f"{value!r} ({crs.name}); använd till exempel 'EPSG:3006' (SWEREF 99 TM)",
            )
    return None


def unsafe_name(name: str) -> bool:
    """True when ``name`` cannot safely become part of a file name (empty, path separators, ``..``, leading dot)."""
    return not name.strip() or bool(_UNSAFE.search(name))


class _Rule:
    """Shorthand for the range rules of one section: each call adds a problem when the value breaks the rule."""

    def __init__(self, checks: _Checks, values: Any) -> None:
        self.problems = checks.problems
        # The TOML section of a section class: NearRepeatConfig -> near_repeat.
        self.section = re.sub(r"(?<!^)(?=[A-Z])", "_", type(values).__name__.removesuffix("Config")).lower()
        self.values = values

    def _add(self, name: str, need: str, need_sv: str) -> None:
        value = getattr(self.values, name)
        key = f"{self.section}.{name}"
        self.problems.append(Problem(f"'{key}' needs to be {need}; got {value!r}",
                                     f"'{key}' behöver vara {need_sv}; angivet: {value!r}"))

    def positive(self, *names: str) -> None:
        """Each value (unless ``"auto"``) is a finite number above 0."""
        for name in names:
            v = getattr(self.values, name)
            if v != "auto" and not (math.isfinite(v) and v > 0):
                auto = _allows_auto(self.values, name)
                self._add(name, "a positive number" + (" or 'auto'" if auto else ""),
                          "ett positivt tal" + (" eller 'auto'" if auto else ""))

    def at_least(self, minimum: float, *names: str) -> None:
        """Each value (unless ``"auto"``) is at least ``minimum``."""
        for name in names:
            v = getattr(self.values, name)
            if v != "auto" and not (math.isfinite(v) and v >= minimum):
                self._add(name, f"at least {minimum:g}", f"minst {minimum:g}")

    def at_most(self, maximum: float, *names: str) -> None:
        """Each value (unless ``"auto"``) is at most ``maximum`` (memory and time grow with it)."""
        for name in names:
            v = getattr(self.values, name)
            if v != "auto" and v > maximum:
                self._add(name, f"at most {maximum:,.0f} (memory and run time grow with it)",
                          f"högst {maximum:,.0f}".replace(",", "\u00a0") + " (minne och körtid växer med värdet)")

    def share(self, *names: str, closed: bool = False) -> None:
        """Each value is a probability strictly between 0 and 1 (up to 1 with ``closed``)."""
        for name in names:
            v = getattr(self.values, name)
            if not (0 < v < 1 or (closed and v == 1)):
                self._add(name, "between 0 and 1" + (" (1 allowed)" if closed else " (e.g. 0.95 or 0.05)"),
                          "mellan 0 och 1" + (" (1 tillåtet)" if closed else " (till exempel 0.95 eller 0.05)"))


def _allows_auto(values: Any, name: str) -> bool:
    import dataclasses

    for f in dataclasses.fields(values):
        if f.name == name:
            return "auto" in str(f.type)
    return False


def _check_project_values(cfg: Config, checks: _Checks) -> None:
    problem = crs_problem(cfg.project.crs, "project.crs", projected=True)
    if problem:
        checks.problems.append(problem)


def _check_source_values(cfg: Config, checks: _Checks) -> None:
    for i, src in enumerate(cfg.sources):
        if unsafe_name(src.name):
            checks.problems.append(Problem(
                f"'sources[{i}].name' {src.name!r} cannot be used in file and table names; use letters, digits, "
                "spaces, '-' or '_' (no '/', '\\', '..' or leading '.')",
                f"'sources[{i}].name' {src.name!r} går inte att använda i fil- och tabellnamn; använd bokstäver, "
                "siffror, mellanslag, '-' eller '_' (inte '/', '\\', '..' eller en inledande '.')",
            ))
        problem = crs_problem(src.crs, f"sources[{i}] ('{src.name}').crs", projected=False)
        if problem:
            checks.problems.append(problem)
    for i, overlay in enumerate(cfg.overlays):
        if unsafe_name(overlay.name):
            checks.problems.append(Problem(
                f"'overlays[{i}].name' {overlay.name!r} cannot be used in file and layer names; use letters, digits, "
                "spaces, '-' or '_'",
                f"'overlays[{i}].name' {overlay.name!r} går inte att använda i fil- och lagernamn; använd "
                "bokstäver, siffror, mellanslag, '-' eller '_'",
            ))


def _check_validation_values(cfg: Config, checks: _Checks) -> None:
    rule = _Rule(checks, cfg.validation)
    rule.at_least(0, "duplicate_distance", "duplicate_minutes")
    rule.share("max_rejected_share", closed=True)


def _check_statistics_values(cfg: Config, checks: _Checks) -> None:
    rule = _Rule(checks, cfg.statistics)
    rule.share("confidence")
    rule.positive("rate_per")


def _check_density_values(cfg: Config, checks: _Checks) -> None:
    d = cfg.density
    rule = _Rule(checks, d)
    rule.positive("bandwidth", "bandwidth_adjust", "bandwidth_min", "bandwidth_max")
    if d.cell_size != "auto" and not (math.isfinite(d.cell_size) and d.cell_size >= MIN_RASTER_CELL):
        rule._add("cell_size", f"at least {MIN_RASTER_CELL:g} m or 'auto'", f"minst {MIN_RASTER_CELL:g} m eller 'auto'")
    if d.bandwidth_min > 0 and d.bandwidth_max > 0 and d.bandwidth_min > d.bandwidth_max:
        checks.problems.append(Problem(
            f"'density.bandwidth_min' ({d.bandwidth_min:g} m) is above 'density.bandwidth_max' "
            f"({d.bandwidth_max:g} m); swap them",
            f"'density.bandwidth_min' ({d.bandwidth_min:g} m) är större än 'density.bandwidth_max' "
            f"({d.bandwidth_max:g} m); byt plats på dem",
        ))
    numeric = d.cell_size != "auto" and d.bandwidth != "auto" and d.bandwidth > 0
    if numeric and d.cell_size > d.bandwidth:
        checks.problems.append(Problem(
            f"'density.cell_size' ({d.cell_size:g} m) is larger than 'density.bandwidth' ({d.bandwidth:g} m): the "
            "surface would have no shape; set cell_size to at most a fifth of the bandwidth, or 'auto'",
            f"'density.cell_size' ({d.cell_size:g} m) är större än 'density.bandwidth' ({d.bandwidth:g} m): ytan "
            "skulle sakna form; sätt cell_size till högst en femtedel av bandbredden, eller 'auto'",
        ))


def _distance_vs_cell(cfg: Config, checks: _Checks, key: str, distance: Any) -> None:
    """A fixed neighbourhood distance needs to reach the next cell: at least one grid cell side."""
    cell = cfg.grid.cell_size
    if distance == "auto" or cell == "auto" or not (isinstance(cell, int) and cell > 0 and distance > 0):
        return
    if distance < cell:
        checks.problems.append(Problem(
            f"'{key}' ({distance:g} m) is shorter than 'grid.cell_size' ({cell} m): no cell would have a neighbour; "
            f"set {key} to at least {cell} m (e.g. {2 * cell} m) or 'auto', or make the grid cells smaller",
            f"'{key}' ({distance:g} m) är kortare än 'grid.cell_size' ({cell} m): ingen ruta skulle få en granne; "
            f"sätt {key} till minst {cell} m (till exempel {2 * cell} m) eller 'auto', eller gör rutorna mindre",
        ))


def _check_hotspots_values(cfg: Config, checks: _Checks) -> None:
    h = cfg.hotspots
    rule = _Rule(checks, h)
    rule.positive("distance")
    rule.at_least(0, "permutations", "lisa_permutations", "min_incidents")
    rule.at_least(1, "min_neighbours")
    rule.at_most(MAX_PERMUTATIONS, "permutations", "lisa_permutations")
    rule.share("lisa_alpha")
    rule.positive("populated_density")
    _distance_vs_cell(cfg, checks, "hotspots.distance", h.distance)


#: File types an ``hotspots.analysis_area`` polygon layer may have.
POLYGON_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml", ".sqlite")


def _check_analysis_area(cfg: Config, checks: _Checks) -> None:
    """``hotspots.analysis_area``: an existing polygon file, or "populated" with districts; a layer only with a file."""
    h = cfg.hotspots
    area = h.analysis_area
    if isinstance(area, Path):
        if area.suffix.lower() not in POLYGON_SUFFIXES:
            checks.problems.append(Problem(
                f"'hotspots.analysis_area' needs to be 'auto', 'populated', 'all' or a polygon file "
                f"({', '.join(POLYGON_SUFFIXES)}); got {area.name!r}",
                f"'hotspots.analysis_area' behöver vara 'auto', 'populated', 'all' eller en polygonfil "
                f"({', '.join(POLYGON_SUFFIXES)}); angivet: {area.name!r}",
            ))
        else:
            checks.need_file(area, "hotspots.analysis_area")
    elif h.analysis_area_layer is not None:
        checks.problems.append(Problem(
            f"'hotspots.analysis_area_layer' ({h.analysis_area_layer!r}) names a layer of the "
            f"'hotspots.analysis_area' file, but analysis_area is {area!r}; give the file or remove the layer",
            f"'hotspots.analysis_area_layer' ({h.analysis_area_layer!r}) anger ett lager i filen "
            f"'hotspots.analysis_area', men analysis_area är {area!r}; ange filen eller ta bort lagret",
        ))
    if area == "populated" and cfg.districts is None:
        checks.problems.append(Problem(
            "'hotspots.analysis_area' = 'populated' needs [districts] (DeSO, or districts with a population: "
            "'districts.population_field' or 'districts.population_table'); set it to 'auto' or 'all', "
            "or give a polygon file of the built-up area",
            "'hotspots.analysis_area' = 'populated' kräver [districts] (DeSO, eller områden med befolkning: "
            "'districts.population_field' eller 'districts.population_table'); sätt den till 'auto' eller 'all', "
            "eller ange en polygonfil över tätbebyggelsen",
        ))


def _check_emerging_values(cfg: Config, checks: _Checks) -> None:
    e = cfg.emerging
    rule = _Rule(checks, e)
    rule.positive("distance")
    rule.at_least(0, "time_window")
    rule.share("alpha", "trend_alpha")
    _distance_vs_cell(cfg, checks, "emerging.distance", e.distance)


def _check_near_repeat_values(cfg: Config, checks: _Checks) -> None:
    nr = cfg.near_repeat
    rule = _Rule(checks, nr)
    rule.at_least(0, "permutations")
    rule.at_most(MAX_PERMUTATIONS, "permutations")
    rule.at_least(0, "analytic_above")
    for name in ("distance_bands", "time_bands"):
        bands = getattr(nr, name)
        if any(not math.isfinite(b) or b < 0 for b in bands):
            checks.problems.append(Problem(f"'near_repeat.{name}' needs values of 0 or more; got {list(bands)}",
                                           f"'near_repeat.{name}' behöver värden från 0 och uppåt; angivet: "
                                           f"{list(bands)}"))


def _check_forecast_values(cfg: Config, checks: _Checks) -> None:
    f = cfg.forecast
    rule = _Rule(checks, f)
    rule.at_least(1, "horizon_days", "backtest_periods", "train_periods", "simulations")
    rule.at_least(0, "bootstrap", "min_incidents")
    rule.at_most(MAX_PERMUTATIONS, "bootstrap", "simulations")
    rule.positive("half_life_days", "bandwidth")
    if any(not (0 < s <= 1) for s in f.area_shares) or not f.area_shares:
        checks.problems.append(Problem(
            "'forecast.area_shares' needs shares above 0 and at most 1 (e.g. [0.01, 0.05, 0.1]); "
            f"got {list(f.area_shares)}",
            "'forecast.area_shares' behöver andelar över 0 och högst 1 (till exempel [0.01, 0.05, 0.1]); "
            f"angivet: {list(f.area_shares)}",
        ))


def check_output(cfg: Config, checks: _Checks) -> None:
    """``output.min_count`` at least 1; each ``output.earlier_releases`` folder an earlier public geolage run."""
    if cfg.output.min_count < 1:
        checks.problems.append(f"'output.min_count' needs to be at least 1; got {cfg.output.min_count}")
    folders = cfg.output.earlier_releases
    for dup in sorted({str(f) for f in folders if list(folders).count(f) > 1}):
        checks.problems.append(Problem(f"'output.earlier_releases' names {dup} twice; give each folder once",
                                       f"'output.earlier_releases' anger {dup} två gånger; ange varje mapp en gång"))
    if checks.check_files and folders:
        from .releases import release_problem  # reads run.json; imported when there is a folder

        checks.problems.extend(p for i, f in enumerate(folders)
                               if (p := release_problem(Path(f), f"output.earlier_releases[{i}]")) is not None)


#: The range checkers, run after the section checkers of :mod:`geolage.config`.
RANGE_CHECKS = (
    _check_project_values,
    _check_source_values,
    _check_validation_values,
    _check_statistics_values,
    _check_density_values,
    _check_hotspots_values,
    _check_analysis_area,
    _check_emerging_values,
    _check_near_repeat_values,
    _check_forecast_values,
)


# --------------------------------------------------------------------------- sources
def check_sources(cfg: Config, checks: _Checks) -> None:
    """Sources: at least one, unique names, files, format, columns (place and time) and categories."""
    problems = checks.problems
    if not cfg.sources:
        problems.append(Problem("'sources' needs at least one [[sources]] table",
                                "'sources' behöver minst en [[sources]]-tabell"))
    names = [s.name for s in cfg.sources]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem(f"sources: the name '{dup}' is used twice; give each source its own name",
                                f"sources: namnet '{dup}' används två gånger; ge varje källa ett eget namn"))
    for i, src in enumerate(cfg.sources):
        key = f"sources[{i}] ('{src.name}')"
        checks.need_file(src.path, f"{key}.path")
        _check_source_format(src, key, problems)
        _check_source_columns(src, key, problems)
        _check_source_categories(src, key, checks)


def _check_source_format(src: SourceConfig, key: str, problems: list[str]) -> None:
    from .config import FORMATS  # config imports this module; read its constants at call time

    try:
        src.resolved_format()
    except ConfigError as exc:
        problems.append(str(exc))
    if src.format is not None and src.format not in FORMATS:
        problems.append(Problem(f"'{key}.format' needs to be one of {', '.join(FORMATS)}; got {src.format!r}",
                                f"'{key}.format' behöver vara en av {', '.join(FORMATS)}; angivet: {src.format!r}"))


def _check_source_columns(src: SourceConfig, key: str, problems: list[str]) -> None:
    """Exactly one way to give the place (x/y, lon/lat or a point layer) and one to give the time."""
    from .config import _POINT_FORMATS, _POINT_SUFFIXES

    c = src.columns
    has_xy = c.x is not None and c.y is not None
    has_ll = c.lon is not None and c.lat is not None
    spatial = src.format in _POINT_FORMATS or src.path.suffix.lower() in _POINT_SUFFIXES
    if has_xy and has_ll or not (has_xy or has_ll or spatial):
        problems.append(Problem(
            f"'{key}.columns' needs either x and y, or lon and lat (exactly one pair); "
            "a point layer (GeoPackage, GeoJSON, GeoParquet) may give neither and use its geometry",
            f"'{key}.columns' behöver antingen x och y, eller lon och lat (exakt ett par); "
            "ett punktlager (GeoPackage, GeoJSON, GeoParquet) kan utelämna båda och använda sin geometri",
        ))
    has_window = c.time_from is not None
    if (c.time_to is not None) and not has_window:
        problems.append(Problem(f"'{key}.columns.to' needs 'from' as well",
                                f"'{key}.columns.to' behöver också 'from'"))
    has_parts = c.year is not None or c.month is not None or c.day is not None
    if has_parts and (c.year is None or c.month is None or c.day is None):
        problems.append(Problem(
            f"'{key}.columns' needs year, month and day together (hour and minute are optional)",
            f"'{key}.columns' behöver year, month och day tillsammans (hour och minute är valfria)"))
    if sum([c.datetime is not None, c.date is not None, has_window, has_parts]) != 1:
        problems.append(Problem(
            f"'{key}.columns' needs exactly one of: datetime, date (with optional time), from/to, "
            "or year/month/day (with optional hour/minute)",
            f"'{key}.columns' behöver exakt en av: datetime, date (med valfri time), from/to "
            "eller year/month/day (med valfria hour/minute)",
        ))


def _check_source_categories(src: SourceConfig, key: str, checks: _Checks) -> None:
    known = checks.known_categories
    for code, target in src.categories.items():
        if target not in known:
            checks.problems.append(Problem(
                f"'{key}.categories.{code}' maps to unknown category '{target}'; "
                f"expected one of {', '.join(sorted(known))} (or declare it in [custom_categories])",
                f"'{key}.categories.{code}' pekar på den okända kategorin '{target}'; "
                f"förväntade en av {', '.join(sorted(known))} (eller deklarera den i [custom_categories])",
            ))
    if src.unknown_category != "reject" and src.unknown_category not in known:
        checks.problems.append(Problem(
            f"'{key}.unknown_category' needs to be 'reject' or a category code; got {src.unknown_category!r}",
            f"'{key}.unknown_category' behöver vara 'reject' eller en kategorikod; angivet: {src.unknown_category!r}",
        ))

"""Read a lägesbild run configuration (TOML) into frozen dataclasses.

The one source of truth for every parameter of a run: each TOML section maps to one dataclass below; unknown keys,
missing required keys and values of the wrong type raise :class:`ConfigError` naming the key and what is expected.
Relative paths are resolved against the configuration file's folder; value ranges are checked in ``config_rules``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .categories import ALL_CATEGORIES, CATEGORIES, ENGLISH_CODES, internal_codes
from .config_rules import RANGE_CHECKS, check_output, check_sources
from .errors import ConfigError, problems_error

__all__ = [
    "Config", "ProjectConfig", "DistrictsConfig", "LayerConfig", "OverlayConfig", "SourceConfig",
    "ColumnsConfig", "FocusAreaConfig", "IndicatorsConfig", "AreasConfig", "PeriodsConfig", "GridConfig",
    "ValidationConfig", "StatisticsConfig",
    "DensityConfig", "HotspotsConfig", "EmergingConfig", "NearRepeatConfig", "ForecastConfig", "OutputConfig",
    "read_config", "config_from_dict"]

FORMATS = ("csv", "excel", "gpkg", "geojson", "parquet")
_POINT_FORMATS = ("gpkg", "geojson", "parquet")  # may give no coordinate columns: the geometry is used
_POINT_SUFFIXES = (".gpkg", ".geojson", ".parquet")
_EXTENSIONS = {".csv": "csv", ".txt": "csv", ".xlsx": "excel", ".xls": "excel", ".gpkg": "gpkg",
               ".geojson": "geojson", ".json": "geojson", ".parquet": "parquet"}


# --------------------------------------------------------------------------- sections
@dataclass(frozen=True)
class ProjectConfig:
    """``[project]``: name, language and run-wide settings."""

    name: str = "Lägesbild"
    language: Literal["sv", "en"] = "sv"
    #: CRS of every layer and of all analysis (metres). Default SWEREF 99 TM.
    crs: str = "EPSG:3006"
    #: Seed for every random step (permutations, jitter, simulation).
    seed: int = 12345
    #: True when the incidents are synthetic: every output then says so.
    synthetic: bool = False
    #: Municipality code (kommunkod), used to pick Brå's published totals.
    municipality_code: str | None = None
    #: Brå's yearly totals for the municipality (CSV as in data/reference), for coverage.
    bra_totals: Path | None = None
    #: Date that counts as "today" for the future-date check; default the run date.
    as_of: dt.date | None = None


@dataclass(frozen=True)
class LayerConfig:
    """A vector layer: a path and, for GeoPackages, the layer name."""

    path: Path
    layer: str | None = None


@dataclass(frozen=True)
class DistrictsConfig:
    """``[districts]``: the district polygons (e.g. RegSO or DeSO) and their population."""

    path: Path
    id_field: str
    name_field: str
    layer: str | None = None
    population_field: str | None = None
    #: Optional CSV with population per district and year: columns district id, year, population.
    population_table: Path | None = None


@dataclass(frozen=True)
class OverlayConfig:
    """``[[overlays]]``: a boundary layer drawn on maps (e.g. police vulnerable areas)."""

    name: str
    path: Path
    layer: str | None = None
    label_field: str | None = None


@dataclass(frozen=True)
class ColumnsConfig:
    """``[sources.columns]``: which source column holds what.

    Give either ``x``/``y`` (projected, in the source's ``crs``) or ``lon``/``lat``
    (WGS84 degrees), or neither for a point layer (its geometry is used); either
    ``datetime``, or ``date`` (and optionally ``time``), or
    ``from``/``to`` (a window in which the incident happened, as police data has).
    """

    category: str
    id: str | None = None
    x: str | None = None
    y: str | None = None
    lon: str | None = None
    lat: str | None = None
    datetime: str | None = None
    date: str | None = None
    time: str | None = None
    time_from: str | None = None
    time_to: str | None = None
    #: Dates split over columns (as Vancouver's open data has): year, month, day and
    #: optionally hour and minute.
    year: str | None = None
    month: str | None = None
    day: str | None = None
    hour: str | None = None
    minute: str | None = None
    text: tuple[str, ...] = ()
    #: The column naming each incident's district by the district layer's id or name (e.g. police.uk's
    #: ``LSOA code``): the incident belongs to that district, its point still places it in the grid; a
    #: value the layer does not have is rejected (``unknown_district``). Needs ``[districts]``.
    district: str | None = None
    #: Other columns to keep in the incident table (internal outputs only).
    keep: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceConfig:
    """``[[sources]]``: one incident file (police reports, municipal reports, …)."""

    name: str
    path: Path
    columns: ColumnsConfig
    #: Mapping from the source's category codes (as text) to geolage category codes.
    categories: dict[str, str]
    format: str | None = None
    layer: str | None = None
    sheet: str | None = None
    crs: str = "EPSG:3006"
    encoding: str = "utf-8"
    delimiter: str = ","
    #: strftime format of dates/datetimes; default: ISO 8601 only (YYYY-MM-DD[ HH:MM[:SS]]).
    date_format: str | None = None
    #: What a source code missing from ``categories`` becomes: ``"reject"`` or a category code.
    unknown_category: str = "reject"

    def resolved_format(self) -> str:
        """The file format: ``format`` if given, otherwise from the file extension."""
        if self.format is not None:
            return self.format
        fmt = _EXTENSIONS.get(self.path.suffix.lower())
        if fmt is None:
            raise ConfigError(
                f"sources '{self.name}': format cannot be told from the extension "
                f"'{self.path.suffix}'; set format to one of {', '.join(FORMATS)}"
            )
        return fmt


@dataclass(frozen=True)
class FocusAreaConfig:
    """``[[areas.focus]]``: a named focus area made of districts; it gets its own lägesbild."""

    #: The area's name in reports and maps, e.g. ``"Hässleholmen/Hulta"``.
    name: str
    #: Its districts (ids or names).
    districts: tuple[str, ...]
    #: Period of the area's previous lägesbild, e.g. ``[2014-01-01, 2019-12-31]``: the report then
    #: says what changed between it and the current period.
    previous: tuple[dt.date, dt.date] | None = None
    #: Who asked for the lägesbild and why (the report's background section), in plain words.
    assignment: str | None = None
    #: Instead of ``previous``: the output folder of the earlier run that made it (:mod:`geolage.previous`).
    previous_output: Path | None = None


@dataclass(frozen=True)
class IndicatorsConfig:
    """``[areas.indicators]``: small areas with socio-economic indicators for the area reports' context section."""

    #: Polygon layer (e.g. SCB DeSO with indicator columns: ``shapes/boras_deso_2025.gpkg``).
    path: Path
    #: Indicator columns to show (numbers; a unit and year in the name, e.g. ``unemployment_pct_20_64_2024``).
    columns: tuple[str, ...]
    #: Column weighting the small areas (their population).
    weight: str
    layer: str | None = None
    #: Who published the indicators, named in the report (e.g. ``"SCB, DeSO 2025"``).
    source: str | None = None


@dataclass(frozen=True)
class AreasConfig:
    """``[areas]``: focus areas and what they are compared with."""

    #: The focus areas: a district name or id (one district = one area), or a named area of districts.
    focus: tuple[str | FocusAreaConfig, ...] = ()
    #: ``"rest"`` (rest of the study area), ``"all"`` (whole area) or a list of district ids/names.
    reference: str | tuple[str, ...] = "rest"
    #: Optional CSV of external reference rates per category (columns ``category``,
    #: ``rate_per_100k``, optionally ``year``), e.g. national rates.
    reference_rates: Path | None = None
    indicators: IndicatorsConfig | None = None
    #: Optional CSV of perceived-safety survey results per focus area (columns ``area``, ``question``,
    #: ``share`` in per cent, optionally ``year``): shown in the area reports' context section.
    survey: Path | None = None


@dataclass(frozen=True)
class PeriodsConfig:
    """``[periods]``: the time span analysed and the two periods compared."""

    start: dt.date
    end: dt.date
    #: Time step of series and space-time analyses.
    unit: Literal["year", "quarter", "month"] = "year"
    baseline: tuple[dt.date, dt.date] | None = None
    current: tuple[dt.date, dt.date] | None = None


@dataclass(frozen=True)
class GridConfig:
    """``[grid]``: the square analysis grid (aligned to SCB's national grid)."""

    #: Cell side in metres, or ``"auto"`` (rule in :func:`geolage.grid.choose_cell_size`).
    cell_size: int | Literal["auto"] = "auto"
    #: Without ``[study_area]`` and ``[districts]``, the study area is the convex hull of the
    #: incidents (WGS84 or projected, all sources) buffered by this many metres.
    hull_buffer: float = 500.0


@dataclass(frozen=True)
class ValidationConfig:
    """``[validation]``: thresholds of the input checks."""

    #: Two reports of the same category within this distance (m) and time are near duplicates.
    duplicate_distance: float = 25.0
    duplicate_minutes: float = 60.0
    #: Keep incidents outside every district (``"keep"``, counted and flagged) or reject them.
    outside_districts: Literal["keep", "reject"] = "keep"
    #: A source that loses more than this share of its rows stops ``validate`` and ``run`` (exit 2);
    #: ``geolage init`` writes a higher limit, with the reason, for a source whose loss it understands.
    max_rejected_share: float = 0.10


@dataclass(frozen=True)
class StatisticsConfig:
    """``[statistics]``: rates, comparisons, trends."""

    #: Rates are per this many residents.
    rate_per: int = 1000
    confidence: float = 0.95


@dataclass(frozen=True)
class DensityConfig:
    """``[density]``: kernel density surfaces."""

    kernel: Literal["quartic", "gaussian", "epanechnikov", "triangular", "uniform"] = "quartic"
    #: Bandwidth in metres, or ``"auto"``.
    bandwidth: float | Literal["auto"] = "auto"
    #: Raster cell size in metres, or ``"auto"``.
    cell_size: float | Literal["auto"] = "auto"
    #: Multiplier of the bandwidth (automatic or given), as sfhotspot's ``bandwidth_adjust``.
    bandwidth_adjust: float = 1.0
    #: Bounds (m, quartic radius) of the automatic bandwidth; a bound that bites is announced.
    bandwidth_min: float = 150.0
    bandwidth_max: float = 1000.0


@dataclass(frozen=True)
class HotspotsConfig:
    """``[hotspots]``: Gi*, Moran's I and LISA."""

    #: Distance band (m) of the Gi* neighbourhood, or ``"auto"``.
    distance: float | Literal["auto"] = "auto"
    permutations: int = 999
    #: Multiple-testing control: ``"fdr"`` (Benjamini–Hochberg) or ``"none"``.
    correction: Literal["fdr", "none"] = "fdr"
    #: Optional user weights: a GAL or GWT file (GeoDa) for the districts.
    district_weights: Path | None = None
    #: Gi* classes from the analytical p-values, the permutation p-values, or ``"auto"``: permutations
    #: (as many as FDR needs) unless the normal approximation holds for the values (never for sparse counts).
    inference: Literal["auto", "analytical", "permutation"] = "auto"
    #: The automatic distance band gives cells on average at least this many neighbours.
    min_neighbours: int = 8
    #: Significance level of the LISA cluster labels (q-values with FDR, else p-values).
    lisa_alpha: float = 0.05
    #: LISA permutations, or ``"auto"``: with FDR enough that the smallest pseudo p-value,
    #: 2/(permutations+1), is well below alpha / number of cells (4 x cells / alpha), else ``permutations``.
    lisa_permutations: int | Literal["auto"] = "auto"
    #: Categories with fewer incidents are not analysed on their own (``alla`` always is).
    min_incidents: int = 20
    #: Cells the grid Gi* and LISA compare: "populated" (DeSO B/C, or >= populated_density residents per km²),
    #: "all", a polygon file, or "auto" ("populated" when the districts allow it, else "all"); see
    #: geolage.run.steps.analysis_area. The whole study area stays in gistar_grid_whole / lisa_grid_whole.
    analysis_area: Literal["auto", "populated", "all"] | Path = "auto"
    #: The layer of an ``analysis_area`` GeoPackage holding several layers.
    analysis_area_layer: str | None = None
    #: Residents per km² from which a district counts as populated (districts other than DeSO).
    populated_density: float = 100.0


@dataclass(frozen=True)
class EmergingConfig:
    """``[emerging]``: emerging hotspot analysis on the space-time cube."""

    #: Number of time steps (of ``periods.unit``) in the time neighbourhood.
    time_window: int = 1
    distance: float | Literal["auto"] = "auto"
    #: A bin is a significant hot/cold spot when its FDR-adjusted p is below this (90 %).
    alpha: float = 0.10
    #: Level of the Mann–Kendall trend test (intensifying / diminishing / persistent).
    trend_alpha: float = 0.05
    #: Time step of the cube; default ``periods.unit``. ArcGIS wants at least 10 steps.
    unit: Literal["year", "quarter", "month"] | None = None


@dataclass(frozen=True)
class NearRepeatConfig:
    """``[near_repeat]``: Knox test."""

    #: Knox test's category; ``"auto"``: ``inbrott_bostad`` when present, else the most frequent accepted one.
    category: str = "auto"
    distance_bands: tuple[float, ...] = (0, 100, 200, 400, 800)
    time_bands: tuple[float, ...] = (0, 7, 14, 21, 28)
    permutations: int = 999
    analytic_above: int = 100_000  #: more incidents: exact-moment p-values, no permutations (stats.knox_moments)
    #: Add a same-location distance band [0, 0] m (repeat victimisation) before the first band.
    same_location: bool = False


@dataclass(frozen=True)
class ForecastConfig:
    """``[forecast]``: where crime is likely next period, and the backtest."""

    #: Length of one forecast period in days.
    horizon_days: int = 91
    #: Number of past periods in the rolling-origin backtest.
    backtest_periods: int = 8
    #: Shares of the area at which hit rate, PAI, PEI and RRI are reported.
    area_shares: tuple[float, ...] = (0.01, 0.05, 0.10)
    #: Categories with fewer incidents in the analysed span are not forecast (listed in the run parameters).
    min_incidents: int = 200
    #: Half-life in days of the recency weight of the prospective hotspot map, or ``"auto"`` (chosen per origin
    #: from the training data, see :func:`geolage.stats.forecast.forecast_scores`).
    half_life_days: float | Literal["auto"] = "auto"
    #: Bandwidth in metres of the quartic kernel of the prospective map, or ``"auto"`` (chosen like the half-life).
    bandwidth: float | Literal["auto"] = "auto"
    #: Past periods used as targets when fitting the count regression (``glm``).
    train_periods: int = 4
    #: Bootstrap resamples of the interval of the difference to the naive baseline.
    bootstrap: int = 2000
    #: Simulations of the predictive distribution of the district forecasts.
    simulations: int = 4000


@dataclass(frozen=True)
class OutputConfig:
    """``[output]``: disclosure control and formats."""

    #: ``"public"`` outputs reveal no incident and no count under ``min_count``.
    mode: Literal["public", "internal"] = "public"
    min_count: int = 5
    pdf: bool = True
    #: The municipal report: ``"short"`` an overview beside the focus areas' lägesbilder, ``"full"`` every method,
    #: ``"auto"`` short when the run has focus areas (:func:`geolage.outputs.report.sections.overview_is_short`).
    overview: Literal["auto", "short", "full"] = "auto"
    #: Output folders of earlier public runs of this lägesbild: what they hid stays hidden (run.disclosure_release).
    earlier_releases: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Config:
    """A whole lägesbild run configuration."""

    project: ProjectConfig
    sources: tuple[SourceConfig, ...]
    periods: PeriodsConfig
    #: ``[districts]`` is optional: without it the run is grid-only and the whole study area is
    #: its one district (named after the project, without population); see ``docs/own-data.md``.
    districts: DistrictsConfig | None = None
    study_area: LayerConfig | None = None
    overlays: tuple[OverlayConfig, ...] = ()
    areas: AreasConfig = field(default_factory=AreasConfig)
    grid: GridConfig = field(default_factory=GridConfig)
    validation: ValidationConfig = field(default_factory=ValidationConfig)
    statistics: StatisticsConfig = field(default_factory=StatisticsConfig)
    density: DensityConfig = field(default_factory=DensityConfig)
    hotspots: HotspotsConfig = field(default_factory=HotspotsConfig)
    emerging: EmergingConfig = field(default_factory=EmergingConfig)
    near_repeat: NearRepeatConfig = field(default_factory=NearRepeatConfig)
    forecast: ForecastConfig = field(default_factory=ForecastConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    #: ``[custom_categories]``: categories of your own beside the built-in ones, code -> label
    #: (e.g. ``cykelstold = "Cykelstöld"``); sources may map their codes to them.
    custom_categories: dict[str, str] = field(default_factory=dict)
    #: The file the configuration was read from (None when built from a dict).
    source_file: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain JSON-serialisable data (for the run record)."""
        return _jsonable(dataclasses.asdict(self))


# --------------------------------------------------------------------------- parsing
def read_config(path: str | Path) -> Config:
    """Read and check a TOML run configuration.

    Parameters
    ----------
    path : str or Path
        The TOML file. Relative paths inside it are taken relative to its folder.

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        The file is missing, is not valid TOML, or has unknown keys, missing keys,
        wrong types or missing input files (all problems are listed in one message).

    Examples
    --------
    >>> from geolage.config import read_config
    >>> cfg = read_config("data/boras_demo.toml")  # doctest: +SKIP
    >>> cfg.project.language  # doctest: +SKIP
    'sv'
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: configuration file not found; give the path of a .toml file",
                          sv=f"{path}: konfigurationsfilen finns inte; ange sökvägen till en .toml-fil")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax at that place",
                          sv=f"{path}: inte giltig TOML ({exc}); rätta syntaxen på det stället") from None
    return config_from_dict(data, base_dir=path.parent, source_file=path)


def config_from_dict(
    data: dict[str, Any],
    *,
    base_dir: str | Path = ".",
    source_file: Path | None = None,
    check_files: bool = True,
) -> Config:
    """Build a :class:`Config` from parsed TOML data.

    Parameters
    ----------
    data : dict
        The parsed TOML document.
    base_dir : str or Path
        Folder that relative paths are resolved against.
    source_file : Path, optional
        Recorded in the returned config.
    check_files : bool
        Check that every input file exists.

    Raises
    ------
    ConfigError
        Every problem found, in one message (one line each, naming the key).
    """
    problems: list[str] = []
    base = Path(base_dir)
    cfg = _build(Config, internal_codes(data), "", problems, base)  # "robbery" = "ran" and so on
    if problems:
        raise problems_error(source_file, problems)
    assert isinstance(cfg, Config)  # for type checkers; _build returns the class asked for
    cfg = dataclasses.replace(cfg, source_file=source_file)
    _check_semantics(cfg, problems, check_files)
    if problems:
        raise problems_error(source_file, problems)
    return cfg


# --------------------------------------------------------------------------- types
# TOML values to the types of the fields: one builder per kind of type. A value that does not fit is
# a problem (key, what is expected, what was given) and becomes None, so one pass finds every problem.

_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    Path: "a file path (string)",
    dt.date: "a date (YYYY-MM-DD)",
}
_UNION_ORIGINS = (typing.Union, types.UnionType)
#: TOML keys that are Python keywords, by section: ``[sources.columns] from/to``.
_ALIASES: dict[type, dict[str, str]] = {ColumnsConfig: {"from": "time_from", "to": "time_to"}}


def _describe(tp: Any) -> str:
    """What a value of type ``tp`` needs to be, in words ("an integer", "one of 'sv', 'en'")."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp in _TYPE_NAMES:
        return _TYPE_NAMES[tp]
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in _UNION_ORIGINS:
        return " or ".join(_describe(a) for a in args if a is not type(None))
    if origin is tuple:
        if args[1:] == (Ellipsis,):  # tuple[X, ...]: a list of any length
            return f"a list of {_describe(args[0])}"
        return f"a list of {len(args)} values"
    if origin is dict or dataclasses.is_dataclass(tp):
        return "a table"
    return str(tp)


def _wrong(problems: list[str], key: str, tp: Any, given: Any) -> None:
    problems.append(f"'{key}' needs to be {_describe(tp)}; got {given!r}")


def _build(tp: Any, value: Any, key: str, problems: list[str], base: Path) -> Any:
    """Convert ``value`` to type ``tp``; record a problem and return None when it cannot.

    Dispatches on the kind of type: a section (dataclass), a choice (``Literal``), alternatives
    (``X | Y``), a list or fixed-length pair (``tuple``), a table of values (``dict``), a file path,
    a date, or a plain scalar.
    """
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return _build_section(tp, value, key, problems, base)
    if origin is Literal:
        return _build_choice(tp, value, key, problems)
    if origin in _UNION_ORIGINS:
        return _build_alternatives(tp, value, key, problems, base)
    if origin is tuple:
        return _build_sequence(tp, value, key, problems, base)
    if origin is dict:
        return _build_mapping(tp, value, key, problems, base)
    if tp is Path:
        return _build_path(value, key, problems, base)
    if tp is dt.date:
        return _build_date(value, key, problems)
    return _build_scalar(tp, value, key, problems)


def _build_section(tp: Any, value: Any, key: str, problems: list[str], base: Path) -> Any:
    """A TOML table as the dataclass ``tp``: unknown and missing keys are problems."""
    if not isinstance(value, dict):
        problems.append(f"{key or 'the file'} needs to be a table; got {type(value).__name__}")
        return None
    hints = typing.get_type_hints(tp)
    fields = {f.name: f for f in dataclasses.fields(tp) if f.name != "source_file"}
    aliases = _ALIASES.get(tp, {})
    kwargs: dict[str, Any] = {}
    for raw_name, raw_value in value.items():
        name = aliases.get(raw_name, raw_name)
        sub = f"{key}.{raw_name}" if key else raw_name
        if name not in fields:
            problems.append(f"unknown key '{sub}'; expected one of: {', '.join(sorted(fields))}")
            continue
        kwargs[name] = _build(hints[name], raw_value, sub, problems, base)
    for name, f in fields.items():
        if name not in kwargs and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            sub = f"{key}.{name}" if key else name
            problems.append(f"missing key '{sub}'; it needs to be {_describe(hints[name])}")
    if any(v is None and fields[k].default is dataclasses.MISSING for k, v in kwargs.items()):
        return None
    try:
        return tp(**kwargs)
    except TypeError:  # a required key is missing (already recorded above)
        return None


def _build_choice(tp: Any, value: Any, key: str, problems: list[str]) -> Any:
    """One of the values of a ``Literal``."""
    if value in typing.get_args(tp):
        return value
    _wrong(problems, key, tp, value)
    return None


def _build_alternatives(tp: Any, value: Any, key: str, problems: list[str], base: Path) -> Any:
    """The first alternative of ``X | Y`` that fits (choices first); one problem when none does."""
    alternatives = [a for a in typing.get_args(tp) if a is not type(None)]
    sections = [a for a in alternatives if dataclasses.is_dataclass(a)]
    if len(sections) == 1 and (len(alternatives) == 1 or isinstance(value, dict)):  # a (possibly optional) table
        return _build(sections[0], value, key, problems, base)
    for alt in sorted(alternatives, key=lambda a: 0 if typing.get_origin(a) is Literal else 1):
        trial: list[str] = []
        result = _build(alt, value, key, trial, base)
        if not trial:
            return result
    _wrong(problems, key, tp, value)
    return None


def _build_sequence(tp: Any, value: Any, key: str, problems: list[str], base: Path) -> Any:
    """A TOML array as ``tuple[X, ...]`` (any length) or ``tuple[X, Y]`` (exactly that many)."""
    args = typing.get_args(tp)
    if isinstance(value, str) or not isinstance(value, list | tuple):
        _wrong(problems, key, tp, value)
        return None
    if args[1:] == (Ellipsis,):  # tuple[X, ...]: a list of any length
        return tuple(_build(args[0], v, f"{key}[{i}]", problems, base) for i, v in enumerate(value))
    if len(value) != len(args):
        problems.append(f"'{key}' needs to be {_describe(tp)}; got {len(value)} values")
        return None
    return tuple(_build(a, v, f"{key}[{i}]", problems, base) for i, (a, v) in enumerate(zip(args, value)))


def _build_mapping(tp: Any, value: Any, key: str, problems: list[str], base: Path) -> Any:
    """A TOML table of values (``dict[str, X]``); its keys are taken as text."""
    if not isinstance(value, dict):
        problems.append(f"'{key}' needs to be a table; got {value!r}")
        return None
    value_type = typing.get_args(tp)[1]
    return {str(k): _build(value_type, v, f"{key}.{k}", problems, base) for k, v in value.items()}


def _build_path(value: Any, key: str, problems: list[str], base: Path) -> Path | None:
    """A non-empty string as a path; a relative one is taken relative to ``base``."""
    if not isinstance(value, str) or not value:
        _wrong(problems, key, Path, value)
        return None
    path = Path(value)
    return path if path.is_absolute() else (base / path)


def _build_date(value: Any, key: str, problems: list[str]) -> dt.date | None:
    """A TOML date (a datetime's date is taken) or an ISO date string."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    _wrong(problems, key, dt.date, value)
    return None


def _build_scalar(tp: Any, value: Any, key: str, problems: list[str]) -> Any:
    """A string, whole number, number (an integer is taken as a float) or true/false; ``Any`` as given."""
    is_bool = isinstance(value, bool)
    if tp is Any or (tp is bool and is_bool) or (tp is str and isinstance(value, str)):
        return value
    if tp is int and isinstance(value, int) and not is_bool:
        return value
    if tp is float and isinstance(value, int | float) and not is_bool:
        return float(value)
    _wrong(problems, key, tp, value)
    return None


# --------------------------------------------------------------------------- rules
# Rules that the types cannot say (files exist, codes known, periods in order): one checker per
# section. Value ranges, relations between values, CRS codes and safe names are checked by the
# per-section checkers of geolage.config_rules (RANGE_CHECKS), run after these.


@dataclass
class _Checks:
    """What the section checkers share: the problems found so far and whether to look for files."""

    problems: list[str]
    check_files: bool
    #: Category codes a source or analysis may name: the built-in ones and ``[custom_categories]``.
    known_categories: set[str]

    def need_file(self, path: Path | None, key: str) -> None:
        """Record a problem when ``path`` is given but is no file (and files are checked)."""
        if self.check_files and path is not None and not path.is_file():
            self.problems.append(f"'{key}': file not found: {path}; check the path (relative to the config file)")


def _check_districts(cfg: Config, checks: _Checks) -> None:
    if cfg.districts is None:
        checks.problems.extend(
            f"'sources.columns.district' of source '{s.name}' names districts, but there is no [districts] layer "
            "to match them; add [districts] (path, id_field, name_field) or remove the key"
            for s in cfg.sources if s.columns.district is not None)
        return
    checks.need_file(cfg.districts.path, "districts.path")
    checks.need_file(cfg.districts.population_table, "districts.population_table")


def _check_study_area(cfg: Config, checks: _Checks) -> None:
    if cfg.study_area is not None:
        checks.need_file(cfg.study_area.path, "study_area.path")


def _check_overlays(cfg: Config, checks: _Checks) -> None:
    for i, overlay in enumerate(cfg.overlays):
        checks.need_file(overlay.path, f"overlays[{i}].path")


def _check_areas(cfg: Config, checks: _Checks) -> None:
    checks.need_file(cfg.areas.reference_rates, "areas.reference_rates")
    checks.need_file(cfg.areas.survey, "areas.survey")
    if cfg.areas.indicators is not None:
        checks.need_file(cfg.areas.indicators.path, "areas.indicators.path")
    names = [f.name if isinstance(f, FocusAreaConfig) else f for f in cfg.areas.focus]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        checks.problems.append(f"'areas.focus': '{dup}' is named twice; give each focus area once")
    for i, area in enumerate(cfg.areas.focus):
        if not isinstance(area, FocusAreaConfig):
            continue
        if not area.name.strip() or not area.districts:
            checks.problems.append(f"'areas.focus[{i}]' needs a name and at least one district (ids or names)")
        if area.previous is not None and area.previous_output is not None:
            checks.problems.append(f"'areas.focus[{i}]' gives both previous and previous_output; give one")
        if area.previous is not None and area.previous[0] > area.previous[1]:
            checks.problems.append(f"'areas.focus[{i}].previous' starts ({area.previous[0]}) after it ends")
        elif area.previous is not None and (area.previous[0] < cfg.periods.start or area.previous[1] > cfg.periods.end):
            checks.problems.append(f"'areas.focus[{i}].previous' ({area.previous[0]} – {area.previous[1]}) needs to "
                                   f"lie inside the analysed span 'periods' ({cfg.periods.start} – {cfg.periods.end}); "
                                   "move periods.start back, or name the earlier run's folder as previous_output")


def _check_project(cfg: Config, checks: _Checks) -> None:
    checks.need_file(cfg.project.bra_totals, "project.bra_totals")


def _check_hotspots(cfg: Config, checks: _Checks) -> None:
    checks.need_file(cfg.hotspots.district_weights, "hotspots.district_weights")


def _check_periods(cfg: Config, checks: _Checks) -> None:
    p = cfg.periods
    if p.start > p.end:
        checks.problems.append(f"'periods.start' ({p.start}) is after 'periods.end' ({p.end})")
    for name in ("baseline", "current"):
        span = getattr(p, name)
        if span is not None and span[0] > span[1]:
            checks.problems.append(f"'periods.{name}' starts ({span[0]}) after it ends ({span[1]})")


def _check_grid(cfg: Config, checks: _Checks) -> None:
    if isinstance(cfg.grid.cell_size, int) and cfg.grid.cell_size <= 0:
        checks.problems.append(
            f"'grid.cell_size' needs to be a positive whole number of metres or 'auto'; got {cfg.grid.cell_size}"
        )


def _check_custom_categories(cfg: Config, checks: _Checks) -> None:
    for code in cfg.custom_categories:
        if code in CATEGORIES or code in ENGLISH_CODES.values() or code == ALL_CATEGORIES or not code.isidentifier():
            checks.problems.append(f"'custom_categories.{code}' needs a new snake_case code (not a built-in one,"
                                   f" its English code or '{ALL_CATEGORIES}')")


def _check_near_repeat(cfg: Config, checks: _Checks) -> None:
    nr = cfg.near_repeat
    if nr.category != "auto" and nr.category not in checks.known_categories:
        checks.problems.append(f"'near_repeat.category' needs to be a category code or 'auto'; got {nr.category!r}")
    for name in ("distance_bands", "time_bands"):
        bands = getattr(nr, name)
        if len(bands) < 2 or list(bands) != sorted(set(bands)):
            checks.problems.append(f"'near_repeat.{name}' needs at least two increasing values; got {list(bands)}")


#: The section checkers, in the order their problems are listed.
_SECTION_CHECKS = (
    _check_districts,
    _check_study_area,
    _check_overlays,
    _check_areas,
    _check_project,
    _check_hotspots,
    check_sources,
    _check_periods,
    _check_grid,
    check_output,
    _check_custom_categories,
    _check_near_repeat,
)


def _check_semantics(cfg: Config, problems: list[str], check_files: bool) -> None:
    """Run every section checker on a config whose types are right; problems are appended."""
    checks = _Checks(problems, check_files, set(CATEGORIES) | set(cfg.custom_categories))
    for check in (*_SECTION_CHECKS, *RANGE_CHECKS):
        check(cfg, checks)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dt.date):
        return obj.isoformat()
    return obj

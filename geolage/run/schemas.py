"""Every result table's name, columns and disclosure roles, in one place: the contract between steps and outputs.

A step makes a table from its schema (``schemas.RATES_DISTRICT.table(frame)``); the
outputs (GeoPackage, CSV, spreadsheet, map, report) find tables through these
schemas, never through a name written out elsewhere. Columns are the documented ones:
a table has at least these (analyses may add more, e.g. ``gistar_p_sim`` with
permutations). Titles and descriptions are in :mod:`geolage.text.tables`.

A new analysis adds its schema here (or, for an extension outside the package, makes
its own :class:`TableSchema`) and a step in :mod:`geolage.run.steps`; see
``docs/DEVELOPING.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from ..stats.areas import PERIOD_CHANGE_COLUMNS
from ..stats.autocorrelation import GLOBAL_MORAN_COLUMNS, LISA_COLUMNS
from ..stats.compare import COMPARISON_COLUMNS, COVERAGE_COLUMNS, FUNNEL_COLUMNS
from ..stats.concentration import CONCENTRATION_COLUMNS, LORENZ_COLUMNS, STABILITY_COLUMNS
from ..stats.emerging import EMERGING_COLUMNS
from ..stats.forecast import BACKTEST_COLUMNS, DISTRICT_COLUMNS, GRID_COLUMNS, SUMMARY_COLUMNS
from ..stats.hotspots import GISTAR_COLUMNS
from ..stats.nearrepeat import KNOX_COLUMNS
from ..stats.rates import RATES_DISTRICT_COLUMNS
from ..stats.timepatterns import MONTH_COLUMNS, WEEKDAY_HOUR_COLUMNS
from ..stats.trends import SERIES_COLUMNS, TREND_COLUMNS, YEAR_TO_DATE_COLUMNS
from ..text import tables as T
from ..text.format import Text
from ..validate import INCIDENT_COLUMNS, REJECT_COLUMNS
from .results import Table

__all__ = [
    "TableSchema",
    "TABLES",
    "KDE_PREFIX",
    "PAR_RASTER",
    "UNIT_GRID",
    "UNIT_DISTRICT",
    "kde_raster_name",
    "INCIDENTS",
    "REJECTS",
    "DISTRICTS",
    "GRID",
    "DATA_QUALITY",
    "RATES_DISTRICT",
    "COUNTS_SOURCE",
    "COMPARISON",
    "FUNNEL",
    "COVERAGE",
    "SERIES",
    "TREND",
    "YEAR_TO_DATE",
    "PERIOD_CHANGE",
    "AREA_PROFILE",
    "AREA_CONTEXT",
    "TIME_WEEKDAY_HOUR",
    "TIME_MONTH",
    "CONCENTRATION",
    "LORENZ",
    "CONCENTRATION_STABILITY",
    "GISTAR_GRID",
    "GISTAR_DISTRICT",
    "MORAN_GLOBAL",
    "LISA_DISTRICT",
    "LISA_GRID",
    "GISTAR_GRID_WHOLE",
    "LISA_GRID_WHOLE",
    "EMERGING_GRID",
    "NEAR_REPEAT",
    "FORECAST_GRID",
    "FORECAST_BACKTEST",
    "FORECAST_SUMMARY",
    "FORECAST_DISTRICT",
]


@dataclass(frozen=True)
class TableSchema:
    """What a result table is: name, columns, and how outputs treat it.

    Attributes
    ----------
    name : str
        snake_case name: the GeoPackage layer, the CSV file and the key in
        ``RunResults.tables``.
    step : str
        The step that makes it (``"prepare"`` for the validated data).
    columns : tuple of str
        The documented columns (``geometry`` not listed; see ``spatial``).
    title, description : Text
        Default texts (a step may pass a description filled with its parameters).
    spatial : bool
        The table has polygon or point geometry (a GeoDataFrame).
    count_columns : tuple of str
        Columns of incident counts: withheld under ``output.min_count`` in public outputs.
    internal_only : bool
        Identifies incidents (points, rejects): never in public outputs.
    style, style_column : str, optional
        Map/QGIS style key and the column it classifies.
    public_columns : tuple of str
        Numbers that say nothing about the row's counts (population, exposure, band
        limits): kept in public outputs on a row whose count is hidden. Every other
        number of such a row is withheld (:mod:`geolage.run.disclosure`, rule 5).
    group_statistics : tuple of str
        Continuous statistics computed from all counts of a group (Gi* z, LISA I, a
        mean of earlier years): withheld in every row of the group when any count
        of the group is hidden (rule 6). Class columns stay.
    statistic_group : tuple of str
        Key columns of that group (default: ``category`` and ``variable``, when present).
    rank_columns : tuple of str
        Continuous scores published as their rank percentile within the statistic
        group (1 = highest) instead of their value (rule 6).
    """

    name: str
    step: str
    columns: tuple[str, ...]
    title: Text
    description: Text = field(default_factory=lambda: Text("", ""))
    spatial: bool = False
    count_columns: tuple[str, ...] = ()
    internal_only: bool = False
    style: str | None = None
    style_column: str | None = None
    public_columns: tuple[str, ...] = ()
    group_statistics: tuple[str, ...] = ()
    statistic_group: tuple[str, ...] = ()
    rank_columns: tuple[str, ...] = ()

    def table(
        self,
        data: pd.DataFrame,
        *,
        description: Mapping[str, str] | None = None,
        title: Mapping[str, str] | None = None,
        area_parts: Mapping[str, tuple[str, ...]] | None = None,
    ) -> Table:
        """Wrap ``data`` as this schema's :class:`~geolage.run.results.Table` (``area_parts``: see there)."""
        desc = self.description if description is None else description
        return Table(
            self.name,
            data,
            title=dict(self.title if title is None else title),
            description=dict(desc) if any(desc.values()) else {},
            count_columns=self.count_columns,
            internal_only=self.internal_only,
            style=self.style,
            style_column=self.style_column,
            area_parts=dict(area_parts or {}),
        )


# --------------------------------------------------------------------------- validated data (prepare)
INCIDENTS = TableSchema(
    "incidents", "prepare", tuple(INCIDENT_COLUMNS), T.INCIDENTS_TITLE, T.INCIDENTS_DESCRIPTION,
    spatial=True, internal_only=True, style="points",
)
REJECTS = TableSchema(
    "rejects", "prepare", tuple(REJECT_COLUMNS), T.REJECTS_TITLE, T.REJECTS_DESCRIPTION, internal_only=True
)
DISTRICTS = TableSchema(
    "districts", "prepare", ("district_id", "district_name", "population", "is_focus", "is_reference", "focus_area"),
    T.DISTRICTS_TITLE, spatial=True,
)
GRID = TableSchema(
    "grid", "prepare", ("cell_id", "x0", "y0", "area_share", "count"), T.GRID_TITLE,
    spatial=True, count_columns=("count",), style="count", style_column="count",
)
DATA_QUALITY = TableSchema(
    "data_quality", "prepare",
    ("source", "read", "accepted", "rejected", "geocoded_share", "personnummer_masked"), T.DATA_QUALITY_TITLE,
)

# --------------------------------------------------------------------------- statistics
RATES_DISTRICT = TableSchema(
    "rates_district", "statistics", RATES_DISTRICT_COLUMNS, T.RATES_DISTRICT_TITLE, T.RATES_DISTRICT_DESCRIPTION,
    spatial=True, count_columns=("count",), style="rate", style_column="eb_rate",
    public_columns=("population", "exposure"),
)
COUNTS_SOURCE = TableSchema(
    "counts_source", "statistics", ("district_id", "district_name", "source", "category", "period", "count"),
    T.COUNTS_SOURCE_TITLE, T.COUNTS_SOURCE_DESCRIPTION, count_columns=("count",),
)
COMPARISON = TableSchema(
    "comparison", "statistics", COMPARISON_COLUMNS, T.COMPARISON_TITLE, T.COMPARISON_DESCRIPTION,
    count_columns=("count", "ref_count"), public_columns=("exposure", "ref_exposure"),
)
FUNNEL = TableSchema(
    "funnel", "statistics", FUNNEL_COLUMNS, T.FUNNEL_TITLE, T.FUNNEL_DESCRIPTION, count_columns=("count",),
    public_columns=("population", "exposure"),
)
COVERAGE = TableSchema("coverage", "statistics", COVERAGE_COLUMNS, T.COVERAGE_TITLE, T.COVERAGE_DESCRIPTION)
SERIES = TableSchema(
    "series", "statistics", SERIES_COLUMNS, T.SERIES_TITLE, T.SERIES_DESCRIPTION, count_columns=("count",),
    public_columns=("years", "exposure"),
)
TREND = TableSchema(
    "trend", "statistics", TREND_COLUMNS, T.TREND_TITLE, T.TREND_DESCRIPTION,
    count_columns=("change_baseline", "change_current"), public_columns=("n_years",),
    group_statistics=("mk_s", "mk_var_s", "mk_z", "mk_p", "trend_pct_per_year", "trend_ci_low", "trend_ci_high",
                      "trend_p", "trend_dispersion"),
    statistic_group=("area", "category"),
)
YEAR_TO_DATE = TableSchema(
    "year_to_date", "statistics", YEAR_TO_DATE_COLUMNS, T.YEAR_TO_DATE_TITLE, T.YEAR_TO_DATE_DESCRIPTION,
    count_columns=("count",), group_statistics=("ytd_mean_earlier", "ytd_change_pct", "ytd_p"),
    statistic_group=("area", "category"),
)
PERIOD_CHANGE = TableSchema(
    "previous_change", "statistics", PERIOD_CHANGE_COLUMNS, T.PERIOD_CHANGE_TITLE, T.PERIOD_CHANGE_DESCRIPTION,
    count_columns=("count", "count_previous"), public_columns=("exposure", "exposure_previous"),
)
#: Columns of ``area_profile`` (:mod:`geolage.run.steps.areas`).
AREA_PROFILE_COLUMNS: tuple[str, ...] = (
    "area", "area_name", "category", "period_start", "period_end", "rate_basis", "count", "exposure", "rate",
    "ref_rate", "whole_rate", "rate_ratio", "rr_lo", "rr_hi", "rr_p", "share_of_whole", "trend_pct_per_year", "trend_p",
    "direction", "change_ratio", "change_lo", "change_hi", "change_direction", "hotspot_share", "forecast_year",
    "forecast", "forecast_low", "forecast_high", "priority_rank", "priority_score", "level_score",
    "development_score", "concentration_score", "certainty",
)
AREA_PROFILE = TableSchema(
    "area_profile", "areas", AREA_PROFILE_COLUMNS, T.AREA_PROFILE_TITLE, T.AREA_PROFILE_DESCRIPTION,
    count_columns=("count",), public_columns=("exposure",),
)
AREA_CONTEXT = TableSchema(
    "area_context", "areas", ("area", "indicator", "weighted_mean", "n_units", "population"), T.AREA_CONTEXT_TITLE,
    T.AREA_CONTEXT_DESCRIPTION, public_columns=("weighted_mean", "n_units", "population"),
)
TIME_WEEKDAY_HOUR = TableSchema(
    "time_weekday_hour", "statistics", ("area", *WEEKDAY_HOUR_COLUMNS), T.TIME_WEEKDAY_HOUR_TITLE,
    T.TIME_WEEKDAY_HOUR_DESCRIPTION, count_columns=("weight",),
)
TIME_MONTH = TableSchema(
    "time_month", "statistics", ("area", *MONTH_COLUMNS), T.TIME_MONTH_TITLE, T.TIME_MONTH_DESCRIPTION,
    count_columns=("weight",), public_columns=("months_observed",),
)
CONCENTRATION = TableSchema(
    "concentration", "statistics", CONCENTRATION_COLUMNS, T.CONCENTRATION_TITLE, T.CONCENTRATION_DESCRIPTION,
    count_columns=("n_incidents",), public_columns=("n_units",),
)
LORENZ = TableSchema("lorenz", "statistics", LORENZ_COLUMNS, T.LORENZ_TITLE, T.LORENZ_DESCRIPTION)
CONCENTRATION_STABILITY = TableSchema(
    "concentration_stability", "statistics", STABILITY_COLUMNS, T.CONCENTRATION_STABILITY_TITLE,
    T.CONCENTRATION_STABILITY_DESCRIPTION,
)

# --------------------------------------------------------------------------- hot spots
_GI = ("category", "count", *GISTAR_COLUMNS)
_LISA = ("category", "variable", "count", *LISA_COLUMNS)
GISTAR_GRID = TableSchema(
    "gistar_grid", "hotspots", ("cell_id", *_GI), T.GISTAR_GRID_TITLE, T.GISTAR_DESCRIPTION,
    spatial=True, count_columns=("count",), style="gistar", style_column="gistar_class",
    public_columns=("gistar_n_neighbours",), group_statistics=("gistar_z", "gistar_p", "gistar_q"),
)
GISTAR_DISTRICT = TableSchema(
    "gistar_district", "hotspots", ("district_id", *_GI), T.GISTAR_DISTRICT_TITLE, T.GISTAR_DESCRIPTION,
    spatial=True, count_columns=("count",), style="gistar", style_column="gistar_class",
    public_columns=("gistar_n_neighbours",), group_statistics=("gistar_z", "gistar_p", "gistar_q"),
)
MORAN_GLOBAL = TableSchema(
    "moran_global", "hotspots", ("unit", "category", "variable", *GLOBAL_MORAN_COLUMNS), T.MORAN_GLOBAL_TITLE,
    T.MORAN_GLOBAL_DESCRIPTION,
    group_statistics=("moran_i", "moran_z", "moran_p_norm", "moran_z_rand", "moran_p_rand", "moran_p_sim"),
    statistic_group=("unit", "category", "variable"),
)
LISA_DISTRICT = TableSchema(
    "lisa_district", "hotspots", ("district_id", *_LISA), T.LISA_DISTRICT_TITLE, T.LISA_DESCRIPTION,
    spatial=True, count_columns=("count",), style="lisa", style_column="lisa_cluster",
    public_columns=("lisa_n_neighbours",), group_statistics=("lisa_i", "lisa_p", "lisa_q", "moran_x", "moran_lag"),
)
LISA_GRID = TableSchema(
    "lisa_grid", "hotspots", ("cell_id", *_LISA), T.LISA_GRID_TITLE, T.LISA_DESCRIPTION,
    spatial=True, count_columns=("count",), style="lisa", style_column="lisa_cluster",
    public_columns=("lisa_n_neighbours",), group_statistics=("lisa_i", "lisa_p", "lisa_q", "moran_x", "moran_lag"),
)
GISTAR_GRID_WHOLE = TableSchema(
    "gistar_grid_whole", "hotspots", ("cell_id", *_GI), T.GISTAR_GRID_WHOLE_TITLE, T.GRID_WHOLE_DESCRIPTION,
    spatial=True, count_columns=("count",), style="gistar", style_column="gistar_class",
    public_columns=("gistar_n_neighbours",), group_statistics=("gistar_z", "gistar_p", "gistar_q"),
)
LISA_GRID_WHOLE = TableSchema(
    "lisa_grid_whole", "hotspots", ("cell_id", *_LISA), T.LISA_GRID_WHOLE_TITLE, T.GRID_WHOLE_DESCRIPTION,
    spatial=True, count_columns=("count",), style="lisa", style_column="lisa_cluster",
    public_columns=("lisa_n_neighbours",), group_statistics=("lisa_i", "lisa_p", "lisa_q", "moran_x", "moran_lag"),
)
EMERGING_GRID = TableSchema(
    "emerging_grid", "emerging", ("cell_id", "category", "count", *EMERGING_COLUMNS), T.EMERGING_GRID_TITLE,
    T.EMERGING_GRID_DESCRIPTION, spatial=True, count_columns=("count",), style="emerging",
    style_column="emerging_category", public_columns=("n_hot_bins", "n_cold_bins", "n_bins"),
    group_statistics=("emerging_mk_z", "emerging_mk_p", "emerging_mk_s", "emerging_final_z"),
)

# --------------------------------------------------------------------------- near repeats
NEAR_REPEAT = TableSchema(
    "near_repeat", "near_repeat", ("category", *KNOX_COLUMNS), T.NEAR_REPEAT_TITLE, count_columns=("observed",),
    public_columns=("distance_band", "time_band", "distance_from", "distance_to", "time_from", "time_to"),
)

# --------------------------------------------------------------------------- forecasts
FORECAST_GRID = TableSchema(
    "forecast_grid", "forecast", GRID_COLUMNS, T.FORECAST_GRID_TITLE, T.FORECAST_GRID_DESCRIPTION,
    spatial=True, count_columns=("count_last_period",), style="forecast", style_column="score",
    public_columns=("rank",), statistic_group=("category", "method"), rank_columns=("score",),
)
FORECAST_BACKTEST = TableSchema(
    "forecast_backtest", "forecast", BACKTEST_COLUMNS, T.FORECAST_BACKTEST_TITLE, T.FORECAST_BACKTEST_DESCRIPTION,
    count_columns=("n_eval", "n_hits"),
)
FORECAST_SUMMARY = TableSchema("forecast_summary", "forecast", SUMMARY_COLUMNS, T.FORECAST_SUMMARY_TITLE)
FORECAST_DISTRICT = TableSchema(
    "forecast_district", "forecast", DISTRICT_COLUMNS, T.FORECAST_DISTRICT_TITLE, T.FORECAST_DISTRICT_DESCRIPTION,
    count_columns=("last_count",),
)

#: Every table of a standard run by name, in the order the steps make them.
TABLES: dict[str, TableSchema] = {
    s.name: s
    for s in (
        INCIDENTS, REJECTS, DISTRICTS, GRID, DATA_QUALITY,
        RATES_DISTRICT, COUNTS_SOURCE, COMPARISON, FUNNEL, COVERAGE, SERIES, TREND, YEAR_TO_DATE, PERIOD_CHANGE,
        TIME_WEEKDAY_HOUR, TIME_MONTH, CONCENTRATION, LORENZ, CONCENTRATION_STABILITY,
        GISTAR_GRID, GISTAR_DISTRICT, MORAN_GLOBAL, LISA_DISTRICT, LISA_GRID, GISTAR_GRID_WHOLE, LISA_GRID_WHOLE,
        EMERGING_GRID,
        NEAR_REPEAT,
        FORECAST_GRID, FORECAST_BACKTEST, FORECAST_SUMMARY, FORECAST_DISTRICT, AREA_PROFILE, AREA_CONTEXT,
    )
}

#: Values of the ``unit`` column (``moran_global``, ``concentration``, ``lorenz``): the spatial unit analysed.
UNIT_GRID = "grid"
UNIT_DISTRICT = "district"

#: Kernel density rasters are named ``kde_<category>`` (``kde_alla`` for all categories).
KDE_PREFIX = "kde_"
#: The population-at-risk raster (dual kernel density, incidents per resident, all categories).
PAR_RASTER = "par_alla"


def kde_raster_name(category: str) -> str:
    """Name of the kernel density raster of ``category`` (also the GeoTIFF file stem)."""
    return f"{KDE_PREFIX}{category}"


def registry_markdown(tables: Mapping[str, TableSchema] | None = None) -> str:
    """The table registry as a Markdown table (``docs/DEVELOPING.md`` holds this text; a test compares)."""
    rows = ["| table | step | spatial | columns | counts | style |", "|---|---|---|---|---|---|"]
    for s in (tables or TABLES).values():
        style = f"{s.style} / `{s.style_column}`" if s.style_column else (s.style or "")
        internal = " (internal only)" if s.internal_only else ""
        rows.append(
            f"| `{s.name}`{internal} | {s.step} | {'yes' if s.spatial else 'no'} | {', '.join(s.columns)} | "
            f"{', '.join(s.count_columns)} | {style} |"
        )
    return "\n".join(rows)

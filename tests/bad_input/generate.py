"""Make the bad-input corpus: one small clean project (5 districts, 60 incidents, all valid) and every kind of
mistake a user is likely to make with it, each with the outcome geolage must give.

Outcomes:

- ``Error(fragments)``: exit 2 before any analysis, stderr one ``geolage: error:`` message (no traceback)
  holding every fragment (the file or key named, and what to set);
- ``Rejected(reason, n)``: exit 0, exactly ``n`` rows rejected with ``reason`` and accepted + rejected = read;
- ``Accepted(n_fixed=...)``: exit 0, nothing rejected (a fix recorded, or a count shown).

``python tests/bad_input/generate.py FOLDER`` writes every case into FOLDER/<kind>/ for a look by hand.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

CRS = "EPSG:3006"
X0, Y0 = 370_000, 6_400_000  # inside Borås municipality
N_ROWS = 60
N_DISTRICTS = 5
HEADER = ["id", "kod", "x", "y", "tid", "text"]


# ------------------------------------------------------------------ the clean project
def clean_rows() -> list[list[str]]:
    """60 valid incidents spread over the five districts and 2021–2024, each with a clock time."""
    rng = np.random.default_rng(15)
    rows = []
    for i in range(N_ROWS):
        x = X0 + 50 + (i % N_DISTRICTS) * 1000 + rng.uniform(0, 900)
        y = Y0 + 50 + rng.uniform(0, 900)
        t = f"{2021 + i % 4}-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{(7 * i) % 60:02d}"
        rows.append([str(i + 1), "AS"[i % 2], f"{x:.0f}", f"{y:.0f}", t, f"anteckning {i + 1}"])
    return rows


def district_frame() -> gpd.GeoDataFrame:
    """Five 1 km squares side by side from (X0, Y0)."""
    geoms = [shapely.box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(N_DISTRICTS)]
    return gpd.GeoDataFrame(
        {
            "omr_id": [f"D{i + 1}" for i in range(N_DISTRICTS)],
            "namn": [f"Område {i + 1}" for i in range(N_DISTRICTS)],
            "bef": [1000 + 100 * i for i in range(N_DISTRICTS)],
        },
        geometry=geoms,
        crs=CRS,
    )


SOURCE = """
[[sources]]
name = "polis"
path = "brott.csv"
{source_extra}
[sources.columns]
id = "id"
category = "kod"
{coords}
datetime = "tid"
text = ["text"]
[sources.categories]
"A" = "misshandel"
"S" = "stold"
"""

BASE = """
[project]
name = "Test"
as_of = 2025-06-30
seed = 1
{project_extra}
[districts]
path = "omraden.gpkg"
layer = "omraden"
id_field = "omr_id"
name_field = "namn"
population_field = "bef"
{source}
[periods]
start = 2020-01-01
end = 2024-12-31

[validation]
{validation}
{extra}
"""


@dataclass
class Project:
    """What a case changes in the clean project."""

    rows: list[list[str]] = field(default_factory=clean_rows)
    header: list[str] = field(default_factory=lambda: list(HEADER))
    districts: gpd.GeoDataFrame = field(default_factory=district_frame)
    extra: str = ""  # appended TOML sections
    #: The [validation] table: the corpus checks row rejections (10–30 of 60 rows), so the loss gate (default
    #: 10 %) is set to 50 % here; the gate has its own cases (most_dates_unreadable, most_categories_unknown).
    validation: str = "max_rejected_share = 0.5\n"
    project_extra: str = ""
    source_extra: str = ""
    coords: str = 'x = "x"\ny = "y"'
    csv_bytes: bytes | None = None  # the CSV file as given (instead of header + rows)
    config_text: str | None = None  # the config as given

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        self.districts.to_file(folder / "omraden.gpkg", layer="omraden", driver="GPKG")
        if self.csv_bytes is not None:
            (folder / "brott.csv").write_bytes(self.csv_bytes)
        else:
            lines = [",".join(self.header)] + [",".join(r) for r in self.rows]
            (folder / "brott.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        text = self.config_text
        if text is None:
            source = SOURCE.format(source_extra=self.source_extra, coords=self.coords)
            text = BASE.format(project_extra=self.project_extra, source=source, extra=textwrap.dedent(self.extra),
                               validation=self.validation)
        path = folder / "run.toml"
        path.write_text(text, encoding="utf-8")
        return path


# ------------------------------------------------------------------ outcomes
@dataclass(frozen=True)
class Error:
    """Exit 2 before analysis; stderr holds each fragment (case-insensitive)."""

    fragments: tuple[str, ...]
    run_too: bool = True  # also check `geolage run` (fails before any analysis, so it is fast)
    validate_too: bool = True  # False: only `run` refuses it (validate reads the data fine)
    stdout: tuple[str, ...] = ()  # what `geolage validate` shows besides (the reasons, with what fixes them)


@dataclass(frozen=True)
class Rejected:
    """Exit 0; exactly ``n`` rows rejected for ``reason`` (and nothing else); accepted + rejected = read."""

    reason: str
    n: int
    read: int = N_ROWS


@dataclass(frozen=True)
class Accepted:
    """Exit 0; nothing rejected; ``stdout`` holds each fragment."""

    fragments: tuple[str, ...] = ()
    read: int = N_ROWS


@dataclass(frozen=True)
class Case:
    kind: str
    make: Callable[[], Project]
    outcome: Error | Rejected | Accepted
    why: str = ""


# ------------------------------------------------------------------ helpers for the cases
def _with_rows(change: Callable[[list[list[str]]], None], **kw) -> Callable[[], Project]:
    def make() -> Project:
        p = Project(**kw)
        change(p.rows)
        return p

    return make


def _set(col: str, value: str | Callable[[int, list[str]], str], rows: range) -> Callable[[list[list[str]]], None]:
    j = HEADER.index(col)

    def change(data: list[list[str]]) -> None:
        for i in rows:
            data[i][j] = value(i, data[i]) if callable(value) else value

    return change


def _project(**kw) -> Callable[[], Project]:
    return lambda: Project(**kw)


def _districts(change: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]) -> Callable[[], Project]:
    return lambda: Project(districts=change(district_frame()))


def _reprojected(crs: str, *, lonlat: bool = False) -> Callable[[list[list[str]]], None]:
    tr = Transformer.from_crs(CRS, crs, always_xy=True)

    def change(data: list[list[str]]) -> None:
        for r in data:
            a, b = tr.transform(float(r[2]), float(r[3]))
            r[2], r[3] = (f"{a:.6f}", f"{b:.6f}") if lonlat else (f"{a:.0f}", f"{b:.0f}")

    return change


def _null_geometry(d: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    d.loc[1, "geometry"] = None
    return d


def _empty_geometry(d: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    d.loc[2, "geometry"] = shapely.Polygon()
    return d


def _point_geometry(d: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    d.loc[3, "geometry"] = shapely.Point(X0, Y0)
    return d


def _repeat_ids(data: list[list[str]]) -> None:
    for i in range(1, 11):  # rows 2..11 take the id of row 1..10 (different contents)
        data[i + 10][0] = data[i][0]


def _exact_copies(data: list[list[str]]) -> None:
    for i in range(5):  # the last five rows become copies of the first five (new ids)
        data[N_ROWS - 1 - i] = [str(N_ROWS - i), *data[i][1:]]


def _two_reasons(data: list[list[str]]) -> None:
    for i in range(10):  # unknown category AND no coordinates: rejected once, for the first reason
        data[i][1], data[i][2], data[i][3] = "X", "", ""


def cases() -> list[Case]:
    """Every kind of bad input, with its expected outcome."""
    few = range(0, 10)
    return [
        # ---------------------------------------------------------- configuration values (before data is read)
        Case("bandwidth_negative", _project(extra="[density]\nbandwidth = -500\n"),
             Error(("density.bandwidth", "positive"))),
        Case("bandwidth_zero", _project(extra="[density]\nbandwidth = 0\n"), Error(("density.bandwidth",))),
        Case("confidence_above_one", _project(extra="[statistics]\nconfidence = 1.5\n"),
             Error(("statistics.confidence", "between 0 and 1"))),
        Case("confidence_zero", _project(extra="[statistics]\nconfidence = 0\n"), Error(("statistics.confidence",))),
        Case("confidence_percent", _project(extra="[statistics]\nconfidence = 95\n"),
             Error(("statistics.confidence",))),
        Case("permutations_negative", _project(extra="[hotspots]\npermutations = -1\n"),
             Error(("hotspots.permutations", "at least 0"))),
        Case("permutations_huge", _project(extra="[hotspots]\npermutations = 100000000\n"),
             Error(("hotspots.permutations", "at most 99,999"))),
        Case("forecast_simulations_huge", _project(extra="[forecast]\nsimulations = 10000000\n"),
             Error(("forecast.simulations", "at most"))),
        Case("near_repeat_permutations_negative", _project(extra="[near_repeat]\npermutations = -5\n"),
             Error(("near_repeat.permutations",))),
        Case("grid_cell_larger_than_distance", _project(extra="[grid]\ncell_size = 250\n[hotspots]\ndistance = 100\n"),
             Error(("hotspots.distance", "grid.cell_size", "at least 250"))),
        Case("distance_below_auto_cell", _project(extra="[hotspots]\ndistance = 50\n"),
             Error(("hotspots.distance", "chosen automatically (100 m)", "at least 100"))),
        Case("emerging_distance_below_cell", _project(extra="[grid]\ncell_size = 250\n[emerging]\ndistance = 50\n"),
             Error(("emerging.distance",))),
        Case("raster_cell_tiny", _project(extra="[density]\ncell_size = 0.001\n"),
             Error(("density.cell_size", "at least 1"))),
        Case("raster_cell_above_bandwidth", _project(extra="[density]\ncell_size = 500\nbandwidth = 200\n"),
             Error(("density.cell_size", "bandwidth"))),
        Case("grid_cell_huge", _project(extra="[grid]\ncell_size = 1000000\n"),
             Error(("grid.cell_size", "only 1 cell", "at most"))),
        Case("grid_cell_one_metre", _project(extra="[grid]\ncell_size = 1\n"),
             Error(("grid.cell_size", "cells over the study area", "GiB", "at least"))),
        Case("grid_cell_zero", _project(extra="[grid]\ncell_size = 0\n"), Error(("grid.cell_size",))),
        Case("bandwidth_bounds_swapped", _project(extra="[density]\nbandwidth_min = 900\nbandwidth_max = 200\n"),
             Error(("density.bandwidth_min", "swap"))),
        Case("lisa_alpha_above_one", _project(extra="[hotspots]\nlisa_alpha = 5\n"), Error(("hotspots.lisa_alpha",))),
        Case("emerging_alpha_zero", _project(extra="[emerging]\nalpha = 0\n"), Error(("emerging.alpha",))),
        Case("emerging_time_window_negative", _project(extra="[emerging]\ntime_window = -1\n"),
             Error(("emerging.time_window",))),
        Case("min_neighbours_zero", _project(extra="[hotspots]\nmin_neighbours = 0\n"),
             Error(("hotspots.min_neighbours",))),
        Case("forecast_area_share_above_one", _project(extra="[forecast]\narea_shares = [0.05, 5]\n"),
             Error(("forecast.area_shares",))),
        Case("forecast_horizon_zero", _project(extra="[forecast]\nhorizon_days = 0\n"),
             Error(("forecast.horizon_days",))),
        Case("near_repeat_band_negative", _project(extra="[near_repeat]\ndistance_bands = [-100, 0, 100]\n"),
             Error(("near_repeat.distance_bands",))),
        Case("duplicate_distance_negative", _project(validation="duplicate_distance = -1\n"),
             Error(("validation.duplicate_distance",))),
        Case("max_rejected_share_above_one", _project(validation="max_rejected_share = 2\n"),
             Error(("validation.max_rejected_share",))),
        Case("rate_per_zero", _project(extra="[statistics]\nrate_per = 0\n"), Error(("statistics.rate_per",))),
        Case("crs_unknown_code", _project(project_extra='crs = "EPSG:99999"\n'),
             Error(("project.crs", "EPSG:99999", "EPSG:3006"))),
        Case("crs_not_a_crs", _project(project_extra='crs = "sweref"\n'), Error(("project.crs",))),
        Case("crs_geographic_run", _project(project_extra='crs = "EPSG:4326"\n'),
             Error(("project.crs", "projected"))),
        Case("source_crs_unknown", _project(source_extra='crs = "EPSG:99999"\n'), Error(("sources[0]", "crs"))),
        Case("source_name_traversal", lambda: _renamed("../polis"), Error(("sources[0].name", "../polis"))),
        Case("source_name_slash", lambda: _renamed("a/b"), Error(("sources[0].name",))),
        Case("source_name_backslash", lambda: _renamed("a\\\\b"), Error(("sources[0].name",))),
        Case("source_name_hidden", lambda: _renamed(".polis"), Error(("sources[0].name",))),
        Case("source_name_blank", lambda: _renamed("  "), Error(("sources[0].name",))),
        Case("periods_reversed", lambda: _config_replace("start = 2020-01-01", "start = 2026-01-01"),
             Error(("periods.start",))),
        Case("unknown_key", _project(extra="[density]\nbandwith = 300\n"), Error(("density.bandwith", "unknown"))),
        Case("wrong_type", _project(extra="[hotspots]\npermutations = \"many\"\n"),
             Error(("hotspots.permutations", "integer"))),
        Case("date_not_a_date", lambda: _config_replace("end = 2024-12-31", 'end = "31/12/2024"'),
             Error(("periods.end", "YYYY-MM-DD"))),
        Case("toml_syntax", lambda: Project(config_text="[project\nname = 'x'\n"), Error(("not valid TOML",))),
        Case("missing_source_file", lambda: _config_replace('path = "brott.csv"', 'path = "saknas.csv"'),
             Error(("saknas.csv", "file not found"))),
        Case("unknown_category_target", lambda: _config_replace('"S" = "stold"', '"S" = "snatteri"'),
             Error(("snatteri", "custom_categories"))),
        Case("no_coordinate_columns", _project(coords=""), Error(("columns", "x and y"))),
        # ---------------------------------------------------------- districts
        Case("district_null_geometry", _districts(_null_geometry), Error(("omraden.gpkg", "feature 2", "D2"))),
        Case("district_empty_geometry", _districts(_empty_geometry), Error(("omraden.gpkg", "feature 3", "D3"))),
        Case("district_point_geometry", _districts(_point_geometry), Error(("omraden.gpkg", "no polygon", "D4"))),
        Case("district_only_three", _districts(lambda d: d.iloc[:3]), Rejected("outside_study_area", 24),
             "the 24 rows in the two districts left out lie outside the study area; the run goes on without the "
             "district Gi*/Moran/LISA and says so (tests/test_hotspots.py)"),
        Case("district_no_features", _districts(lambda d: d.iloc[:0]), Error(("omraden.gpkg", "no features"))),
        Case("district_duplicate_ids", _districts(lambda d: d.assign(omr_id=["D1", "D1", "D3", "D4", "D5"])),
             Error(("omraden.gpkg", "duplicate", "D1"))),
        Case("district_blank_id", _districts(lambda d: d.assign(omr_id=["D1", "", "D3", "D4", "D5"])),
             Error(("omraden.gpkg", "omr_id", "empty"))),
        Case("district_wrong_crs", _districts(lambda d: d.to_crs("EPSG:3021")),
             Accepted()),  # reprojected to the run's CRS (issue 11), with a log line
        Case("district_field_missing", _districts(lambda d: d.rename(columns={"namn": "name"})),
             Error(("omraden.gpkg", "namn", "not found"))),
        Case("district_population_text", _districts(lambda d: d.assign(bef=["1000", "many", "1", "2", "3"])),
             Error(("omraden.gpkg", "bef", "not a number"))),
        Case("study_area_null_geometry", lambda: _study_area([None, shapely.box(X0, Y0, X0 + 5000, Y0 + 1000)]),
             Error(("studie.gpkg", "no geometry", "[1]"))),
        Case("study_area_lines", lambda: _study_area([shapely.LineString([(X0, Y0), (X0 + 5000, Y0 + 1000)])]),
             Error(("studie.gpkg", "no polygon"))),
        Case("study_area_wrong_crs", lambda: _study_area([shapely.box(X0, Y0, X0 + 5000, Y0 + 1000)], "EPSG:3021"),
             Accepted()),  # reprojected to the run's CRS (issue 11), with a log line
        Case("population_table_text", lambda: _population("omr_id,bef\nD1,100\nD2,många\n"),
             Error(("befolkning.csv", "bef", "not a number", "[2]"))),
        Case("population_table_column_missing", lambda: _population("omr_id,folk\nD1,100\n"),
             Error(("befolkning.csv", "bef", "not found"))),
        # ---------------------------------------------------------- whole source files
        Case("header_only", _project(rows=[]), Error(("brott.csv", "no data rows"))),
        Case("empty_file", _project(csv_bytes=b""), Error(("brott.csv", "empty"))),
        Case("wrong_encoding", lambda: _cp1252(), Error(("brott.csv", "encoding"))),
        Case("wrong_delimiter", lambda: _semicolons(), Error(("brott.csv", "not found", "delimiter = ';'"))),
        Case("column_renamed", _project(header=["id", "code", "x", "y", "tid", "text"]),
             Error(("brott.csv", "category = 'kod'"))),
        Case("ragged_row", _with_rows(lambda d: d[5].extend(["x", "y", "z"])),
             Error(("brott.csv", "line 7", "delimiter"))),
        Case("source_in_rt90_declared_sweref", _with_rows(_reprojected("EPSG:3021")),
             Error(("brott.csv", "EPSG:3021", "crs"))),
        Case("source_in_sweref_declared_rt90", _project(source_extra='crs = "EPSG:3021"\n'),
             Error(("brott.csv", "EPSG:3006", "set crs"))),
        Case("source_in_web_mercator", _with_rows(_reprojected("EPSG:3857")), Error(("brott.csv", "EPSG:3857"))),
        Case("projected_given_as_lonlat", _project(coords='lon = "x"\nlat = "y"'),
             Error(("brott.csv", "not lon/lat", "EPSG:3006"))),
        Case("most_dates_unreadable", _with_rows(_set("tid", "igår", range(0, 40))),
             Error(("polis", "max_rejected_share", "unreadable date"))),
        Case("most_categories_unknown", _with_rows(_set("kod", "Z", range(0, 45))),
             Error(("polis", "max_rejected_share", "unknown category code"))),
        # ---------------------------------------------------------- rows: recorded rejections
        Case("coordinates_missing", _with_rows(_set("x", "", few)), Rejected("missing_coordinates", 10)),
        Case("coordinates_text", _with_rows(_set("x", "okänd", few)), Rejected("invalid_coordinates", 10)),
        Case("coordinates_with_unit", _with_rows(_set("x", lambda i, r: r[2] + " m", few)),
             Rejected("invalid_coordinates", 10)),
        Case("coordinates_nan", _with_rows(_set("y", "NaN", few)), Rejected("invalid_coordinates", 10)),
        Case("coordinates_zero", _with_rows(lambda d: [_set("x", "0", few)(d), _set("y", "0", few)(d)]),
             Rejected("zero_coordinates", 10)),
        Case("coordinates_far_outside_sweden", _with_rows(lambda d: [_set("x", "5000000", range(25))(d),
                                                                     _set("y", "100000", range(25))(d)]),
             Rejected("invalid_coordinates", 25),
             "all 25 rejected: the one-row difference of the issue was a row already rejected for another reason"),
        Case("coordinates_outside_study_area", _with_rows(_set("x", lambda i, r: str(int(r[2]) + 30_000), few)),
             Rejected("outside_study_area", 10)),
        Case("date_30_february", _with_rows(_set("tid", "2022-02-30 12:00", range(30))),
             Rejected("invalid_date", 30),
             "all 30 rejected: a row already rejected for another reason is counted under that reason only"),
        Case("date_missing", _with_rows(_set("tid", "", few)), Rejected("missing_date", 10)),
        Case("date_ambiguous", _with_rows(_set("tid", "04/03/2022", few)), Rejected("ambiguous_date", 10)),
        Case("date_in_future", _with_rows(_set("tid", "2026-05-01 12:00", few)), Rejected("future_date", 10)),
        Case("date_before_period", _with_rows(_set("tid", "2019-05-01 12:00", few)), Rejected("outside_period", 10)),
        Case("category_unknown", _with_rows(_set("kod", "X", few)), Rejected("unknown_category", 10)),
        Case("category_missing", _with_rows(_set("kod", "", few)), Rejected("missing_category", 10)),
        Case("two_reasons_counted_once", _with_rows(_two_reasons), Rejected("unknown_category", 10),
             "a row is rejected once, for its first problem (category before coordinates)"),
        Case("exact_copies", _with_rows(_exact_copies), Rejected("duplicate_exact", 5)),
        # ---------------------------------------------------------- rows: kept, fixed or counted
        Case("ids_repeated_different_contents", _with_rows(_repeat_ids),
             Accepted(("rows sharing an id but differing (kept): 20",))),
        Case("axes_swapped", _with_rows(lambda d: [r.__setitem__(slice(2, 4), [r[3], r[2]]) for r in d[:10]]),
             Accepted(("x and y swapped",))),
        Case("lonlat_in_xy", _with_rows(lambda d: _reprojected("EPSG:4326", lonlat=True)(d[:10])),
             Accepted(("latitude/longitude in x/y",))),
        Case("formula_injection", _with_rows(_set("text", '"=HYPERLINK(""http://x"")"', few)), Accepted()),
        Case("html_injection", _with_rows(_set("text", "<script>alert(1)</script>", few)), Accepted()),
        Case("personal_number_in_text", _with_rows(_set("text", "anmälare 19811218-9876", few)),
             Accepted(("personal identity numbers masked: 10",))),
        Case("values_padded", _with_rows(_set("kod", lambda i, r: f" {r[1]} ", few)), Accepted()),
        Case("crlf_and_bom", lambda: _crlf_bom(), Accepted()),
        # ---------------------------------------------------------- what a Swedish Excel user gets wrong
        Case("semicolons_and_decimal_commas", lambda: _swedish_excel(declared=False),
             Error(("brott.csv", "not found", "delimiter = ';'"))),
        Case("semicolons_and_decimal_commas_declared", lambda: _swedish_excel(declared=True), Accepted(),
             "delimiter = ';' declared: the decimal commas of the coordinates are read"),
        Case("decimal_comma_in_quoted_coordinates", _with_rows(_set("x", lambda i, r: f'"{r[2]},5"', few)),
             Accepted()),
        Case("excel_date_serials", lambda: _excel_serials(fraction=True),
             Error(("polis", "max_rejected_share", "unreadable date"),
                   stdout=("Excel date serial number", "format the column as dates"))),
        Case("excel_date_serials_whole_days", lambda: _excel_serials(fraction=False),
             Error(("polis", "max_rejected_share", "unreadable date"), stdout=("Excel date serial number",))),
        Case("lat_lon_columns_swapped", _lat_lon_swapped, Accepted(("latitude and longitude swapped",))),
        Case("category_codes_with_leading_zeros", _leading_zeros, Accepted(),
             "codes such as '0930' stay text: '0930' is not 930"),
        Case("population_table_negative", lambda: _population("omr_id,bef\nD1,100\nD2,-5\nD3,1\nD4,1\nD5,1\n"),
             Error(("befolkning.csv", "bef", "negative", "[2]"))),
        Case("population_table_decimal_comma",
             lambda: _population('omr_id,bef\nD1,"100,5"\nD2,7\nD3,1\nD4,1\nD5,1\n'),
             Error(("befolkning.csv", "bef", "not a number", "decimal point"))),
        Case("district_population_negative", _districts(lambda d: d.assign(bef=[1000, -50, 1, 2, 3])),
             Error(("omraden.gpkg", "bef", "negative", "D2"))),
        Case("coordinates_with_thousands_spaces", _with_rows(_set("x", lambda i, r: f"{r[2][:3]} {r[2][3:]}", few)),
             Accepted(), "'370 123' as Swedish Excel writes thousands: read as 370123"),
        Case("time_24_00", _with_rows(_set("tid", lambda i, r: r[4][:10] + " 24:00", few)),
             Rejected("invalid_date", 10), "24:00 is rejected with what fixes it: 00:00 of the next day"),
        Case("district_layer_misnamed", lambda: _config_replace('layer = "omraden"', 'layer = "områden"'),
             Error(("omraden.gpkg", "no layer 'områden'", "the file has: omraden"))),
        Case("district_duplicate_ids_many", _districts(lambda d: d.assign(omr_id=["D1", "D2", "D1", "D2", "D5"])),
             Error(("omraden.gpkg", "duplicate", "D1", "D2"))),
    ]


class _WithFiles(Project):
    """A project with more files beside it (a study area, a population table)."""

    def __init__(self, files: dict[str, Callable[[Path], None]], **kw) -> None:
        super().__init__(**kw)
        self.files = files

    def write(self, folder: Path) -> Path:
        path = super().write(folder)
        for make in self.files.values():
            make(folder)
        return path


def _study_area(geoms: list, crs: str = CRS) -> Project:
    def make(folder: Path) -> None:
        gpd.GeoDataFrame({"namn": [f"a{i}" for i in range(len(geoms))]}, geometry=geoms, crs=CRS).to_crs(crs).to_file(
            folder / "studie.gpkg", driver="GPKG")

    return _WithFiles({"studie.gpkg": make}, extra='[study_area]\npath = "studie.gpkg"\n')


def _population(text: str) -> Project:
    def make(folder: Path) -> None:
        (folder / "befolkning.csv").write_text(text, encoding="utf-8")

    p = _WithFiles({"befolkning.csv": make})
    table = 'population_field = "bef"\npopulation_table = "befolkning.csv"'
    p.config_text = p_text(p).replace('population_field = "bef"', table)
    return p


def _renamed(name: str) -> Project:
    p = Project()
    p.config_text = p_text(p).replace('name = "polis"', f'name = "{name}"')
    return p


def _config_replace(old: str, new: str) -> Project:
    p = Project()
    text = p_text(p)
    assert old in text, old
    p.config_text = text.replace(old, new)
    return p


def p_text(p: Project) -> str:
    source = SOURCE.format(source_extra=p.source_extra, coords=p.coords)
    return BASE.format(project_extra=p.project_extra, source=source, extra=p.extra, validation=p.validation)


def _text(p: Project) -> str:
    return "\n".join([",".join(p.header)] + [",".join(r) for r in p.rows]) + "\n"


def _cp1252() -> Project:
    p = Project()
    p.rows[3][5] = "stöld på gården"
    p.csv_bytes = _text(p).encode("cp1252")
    return p


def _semicolons() -> Project:
    p = Project()
    p.csv_bytes = _text(p).replace(",", ";").encode("utf-8")
    return p


def _crlf_bom() -> Project:
    p = Project()
    p.csv_bytes = ("\ufeff" + _text(p).replace("\n", "\r\n")).encode("utf-8")
    return p


def _swedish_excel(*, declared: bool) -> Project:
    """Semicolons between the columns and decimal commas in the coordinates, as Swedish Excel saves a CSV."""
    p = Project(source_extra='delimiter = ";"\n' if declared else "")
    for r in p.rows:
        r[2], r[3] = f"{r[2]},5", f"{r[3]},25"
    p.csv_bytes = ("\n".join([";".join(p.header)] + [";".join(r) for r in p.rows]) + "\n").encode("utf-8")
    return p


def _excel_serials(*, fraction: bool) -> Project:
    """Times as Excel keeps them when the column is not formatted as dates: days since 1899-12-30."""
    import datetime as dt

    p = Project()
    for r in p.rows:
        t = dt.datetime.strptime(r[4], "%Y-%m-%d %H:%M") - dt.datetime(1899, 12, 30)
        r[4] = f"{t.total_seconds() / 86400:.5f}" if fraction else str(t.days)
    return p


def _lat_lon_swapped() -> Project:
    """Columns named lat and lon, each holding the other (lat = "lat", lon = "lon" in the config)."""
    p = Project(header=["id", "kod", "lat", "lon", "tid", "text"], coords='lon = "lon"\nlat = "lat"')
    _reprojected("EPSG:4326", lonlat=True)(p.rows)  # longitudes land in "lat", latitudes in "lon"
    return p


def _leading_zeros() -> Project:
    p = Project()
    for i, r in enumerate(p.rows):
        r[1] = "0930" if i % 2 else "0098"
    p.config_text = p_text(p).replace('"A" = "misshandel"', '"0098" = "misshandel"').replace(
        '"S" = "stold"', '"0930" = "stold"')
    return p


def main(folder: str) -> None:
    """Write every case into ``folder/<kind>/``."""
    for case in cases():
        case.make().write(Path(folder) / case.kind)
        print(case.kind, case.outcome)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1])

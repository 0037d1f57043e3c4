"""Shared fixtures: a tiny project in EPSG:3006 that can be checked by hand."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

CRS = "EPSG:3006"
X0, Y0 = 370_000, 6_400_000  # inside Borås municipality


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (CI=true), a skipped browser or QGIS test is a failure: CI must run them."""
    outcome = yield
    report = outcome.get_result()
    needs_optional = item.get_closest_marker("browser") or item.get_closest_marker("qgis")
    if os.environ.get("CI", "").lower() == "true" and report.skipped and needs_optional:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where browser and QGIS tests must run: {reason}"


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """One ``geolage demo`` through the CLI for the whole session: (its full results, its output folder).

    The results are caught on their way to ``write_outputs``, so the end-to-end, report and
    ground-truth tests share one run of the demo instead of running it three times.
    """
    import geolage.outputs as outputs
    from geolage.cli import main

    caught = {}
    real = outputs.write_outputs

    def catch(results, *args, **kwargs):
        caught["results"] = results
        return real(results, *args, **kwargs)

    out = tmp_path_factory.mktemp("demo") / "lagesbild"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(outputs, "write_outputs", catch)
        assert main(["demo", "--out", str(out), "-q"]) == 0
    return caught["results"], out


def make_districts(path: Path, *, names=("Centrum", "Norr", "Söder"), populations=(1000, 2000, 500)) -> Path:
    """Three 1 km squares side by side: A = [X0, X0+1000], B east of it, C east of B."""
    geoms = [shapely.box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(len(names))]
    gdf = gpd.GeoDataFrame(
        {"omr_id": [f"D{i + 1}" for i in range(len(names))], "namn": list(names), "bef": list(populations)},
        geometry=geoms,
        crs=CRS,
    )
    gdf.to_file(path, layer="omraden", driver="GPKG")
    return path


CSV_HEADER = "id,kod,x,y,tid,text\n"


def write_config(folder: Path, csv_text: str, *, extra: str = "", source_extra: str = "") -> Path:
    """A config with one CSV source over :func:`make_districts`; returns the TOML path."""
    make_districts(folder / "omraden.gpkg")
    (folder / "brott.csv").write_text(csv_text, encoding="utf-8")
    toml = textwrap.dedent(
        f"""
        [project]
        name = "Test"
        as_of = 2025-06-30
        seed = 1

        [districts]
        path = "omraden.gpkg"
        layer = "omraden"
        id_field = "omr_id"
        name_field = "namn"
        population_field = "bef"

        [[sources]]
        name = "polis"
        path = "brott.csv"
        {source_extra}
        [sources.columns]
        id = "id"
        category = "kod"
        x = "x"
        y = "y"
        datetime = "tid"
        text = ["text"]
        [sources.categories]
        "A" = "misshandel"
        "S" = "stold"

        [periods]
        start = 2020-01-01
        end = 2024-12-31
        """
    ) + textwrap.dedent(extra)
    path = folder / "run.toml"
    path.write_text(toml, encoding="utf-8")
    return path


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    """A clean project: 6 incidents, all valid."""
    rows = [
        "1,A,370100,6400100,2021-03-01 22:00,",
        "2,A,370200,6400200,2021-03-02 23:00,",
        "3,S,371500,6400500,2022-05-05 12:00,",
        "4,S,371600,6400600,2022-06-05,",
        "5,A,372500,6400500,2023-07-01 01:00,",
        "6,S,372600,6400400,2024-01-01 10:30,",
    ]
    return write_config(tmp_path, CSV_HEADER + "\n".join(rows) + "\n")

"""Real open crime data from other cities (data/real_world): geolage must handle data nobody here made."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from geolage.config import read_config
from geolage.pipeline import prepare

REAL = Path(__file__).resolve().parent.parent / "data" / "real_world"


@pytest.fixture(scope="module")
def manchester(tmp_path_factory):
    folder = tmp_path_factory.mktemp("manchester")
    m = REAL / "manchester"
    cfg = folder / "manchester.toml"
    cfg.write_text(
        textwrap.dedent(f"""
        [project]
        name = "Manchester burglary 2017"
        language = "en"
        crs = "EPSG:27700"
        as_of = 2018-06-30

        [districts]
        path = "{m / "manchester_lsoa_2011.gpkg"}"
        id_field = "lsoa_code"
        name_field = "lsoa_name"
        population_field = "resident_pop_2011"
        population_table = "{m / "manchester_lsoa_population_2011.csv"}"

        [custom_categories]
        burglary = "Burglary"

        [[sources]]
        name = "police_uk"
        path = "{m / "manchester_burglary_2017.csv"}"
        crs = "EPSG:27700"
        date_format = "%Y-%m"
        [sources.columns]
        category = "crime_type"
        x = "x"
        y = "y"
        date = "month"
        [sources.categories]
        Burglary = "burglary"

        [periods]
        start = 2017-01-01
        end = 2017-12-31
        unit = "month"

        [near_repeat]
        category = "burglary"
        """),
        encoding="utf-8",
    )
    return prepare(read_config(cfg))


def test_manchester_reconciles_and_keeps_month_precision(manchester):
    q = manchester.quality
    assert q["read"] == 8144
    assert q["accepted"] + q["rejected"] == q["read"]
    # police.uk snaps points and gives only the month: many rows share place and month but are
    # separate burglaries, so none may be thrown away as a duplicate.
    assert q["rejected_by_reason"].get("duplicate_exact", 0) == 0
    assert q["duplicates_not_checked"] == q["accepted"]
    inc = manchester.incidents
    # month-only dates cover their whole month
    first = inc[inc["time_from"].dt.month == 1].iloc[0]
    assert first["time_to"].month == 1 and first["time_to"].day == 31 and not first["has_clock_time"]
    # population from the separate table
    assert manchester.districts["population"].notna().all()
    assert manchester.districts["population"].sum() > 400_000


def test_manchester_points_land_in_lsoas(manchester):
    inc = manchester.incidents
    assert inc["district_id"].notna().mean() > 0.99
    assert manchester.grid.attrs["cell_size"] in (100, 250, 500, 1000)

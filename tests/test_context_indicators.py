"""Tests of geolage.stats.context (area indicators from DeSO) and geolage.text.context (indicator names)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geolage.stats.context import CONTEXT_COLUMNS, MIN_OVERLAP, WHOLE_AREA, area_indicators, unit_membership
from geolage.text.context import indicator_label, parse_indicator

SHAPES = Path(__file__).resolve().parents[1] / "shapes"
INDICATORS = [
    "low_economic_standard_pct_2024",
    "unemployment_pct_20_64_2024",
    "employment_rate_pct_2024",
    "post_secondary_edu_pct_25_64_2025",
    "share_foreign_background_pct_2025",
    "rental_dwellings_pct_2025",
    "disp_income_median_tkr_2024",
    "net_income_mean_tkr_2024",
    "multi_dwelling_pct_2025",  # empty for two DeSO
]
HASSLEHOLMEN_HULTA = ["1490R017", "1490R018", "1490R019", "1490R020"]


@pytest.fixture(scope="module")
def deso() -> gpd.GeoDataFrame:
    return gpd.read_file(SHAPES / "boras_deso_2025.gpkg", layer="deso_2025")


@pytest.fixture(scope="module")
def regso() -> gpd.GeoDataFrame:
    return gpd.read_file(SHAPES / "boras_regso_2025.gpkg")


def _tiny() -> gpd.GeoDataFrame:
    """Four unit squares in a row (x 0–4), one with no value and one with no people."""
    return gpd.GeoDataFrame(
        {"pop": [100, 300, 0, 200], "x_pct_2024": [10.0, 20.0, 90.0, np.nan],
         "y_tkr_2024": [200.0, 300.0, 250.0, 100.0]},
        geometry=[box(i, 0, i + 1, 1) for i in range(4)],
        crs="EPSG:3006",
    )


def _brute_force(units: pd.DataFrame, members: list[bool], indicator: str, weight: str) -> tuple[float, int, float]:
    """The weighted mean with a plain loop over the units."""
    num = den = 0.0
    n = 0
    for is_member, x, w in zip(members, units[indicator], units[weight], strict=True):
        if is_member and not pd.isna(x) and not pd.isna(w):
            num += float(w) * float(x)
            den += float(w)
            n += 1
    return (num / den if den > 0 else np.nan), n, den


# ---------------------------------------------------------------- inputs


def test_every_problem_is_reported_at_once():
    units = _tiny()
    units.loc[1, "pop"] = -5
    expected = r"columns 'z_2024'.*0 or more; got 1 negative, the first at row 1.*differ from"
    with pytest.raises(ValueError, match=expected):
        area_indicators(units, {WHOLE_AREA: box(0, 0, 1, 1)}, ["z_2024"], weight="pop")


def test_units_need_a_projected_crs():
    units = _tiny().set_crs("EPSG:4326", allow_override=True)
    with pytest.raises(ValueError, match="projected CRS.*EPSG:4326"):
        area_indicators(units, {"a": box(0, 0, 1, 1)}, ["x_pct_2024"], weight="pop")


def test_indicators_need_to_be_a_sequence_of_names():
    with pytest.raises(ValueError, match="sequence of column names; got the string"):
        area_indicators(_tiny(), {"a": box(0, 0, 1, 1)}, "x_pct_2024", weight="pop")


def test_an_area_needs_to_be_a_geometry():
    with pytest.raises(TypeError, match="area 'a' needs to be a shapely geometry.*got str"):
        area_indicators(_tiny(), {"a": "Norrby"}, ["x_pct_2024"], weight="pop")


# ---------------------------------------------------------------- outputs: tiny layer by hand


def test_tiny_layer_by_hand():
    units = _tiny()
    areas = {
        "west": box(0, 0, 1.5, 1),  # unit 0 wholly, unit 1 exactly half -> both
        "middle": box(1.6, 0, 3.4, 1),  # unit 1 by 0.4 (out), unit 2 wholly, unit 3 by 0.4 (out)
        "east": gpd.GeoSeries([box(2.5, 0, 3, 1), box(3, 0, 4, 1)], crs="EPSG:3006"),  # unit 2 half, unit 3
        "empty": box(10, 10, 11, 11),
    }
    out = area_indicators(units, areas, ["x_pct_2024", "y_tkr_2024"], weight="pop")
    assert list(out.columns) == list(CONTEXT_COLUMNS)
    assert out["area"].tolist() == [a for a in (*areas, WHOLE_AREA) for _ in range(2)]
    got = out.set_index(["area", "indicator"])
    expected = {
        ("west", "x_pct_2024"): ((100 * 10 + 300 * 20) / 400, 2, 400),  # 17.5
        ("west", "y_tkr_2024"): ((100 * 200 + 300 * 300) / 400, 2, 400),  # 275
        ("middle", "x_pct_2024"): (np.nan, 1, 0),  # its only unit has no people
        ("middle", "y_tkr_2024"): (np.nan, 1, 0),
        ("east", "x_pct_2024"): (np.nan, 1, 0),  # unit 3 has no value, unit 2 no people
        ("east", "y_tkr_2024"): ((0 * 250 + 200 * 100) / 200, 2, 200),  # 100
        ("empty", "x_pct_2024"): (np.nan, 0, 0),
        ("empty", "y_tkr_2024"): (np.nan, 0, 0),
        (WHOLE_AREA, "x_pct_2024"): ((1000 + 6000 + 0) / 400, 3, 400),  # 17.5
        (WHOLE_AREA, "y_tkr_2024"): ((20_000 + 90_000 + 0 + 20_000) / 600, 4, 600),
    }
    for key, (value, n, pop) in expected.items():
        row = got.loc[key]
        np.testing.assert_allclose(row["value"], value, rtol=1e-12, equal_nan=True, err_msg=str(key))
        assert (row["n_units"], row["population"]) == (n, pop), key
    assert got.loc[("west", "x_pct_2024"), "value"] == 17.5


def test_membership_shares_and_the_half_rule():
    shares = unit_membership(_tiny(), {"west": box(0, 0, 1.5, 1), "strip": box(0, 0, 4, 0.49)})
    np.testing.assert_allclose(shares["west"], [1.0, 0.5, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(shares["strip"], [0.49] * 4, atol=1e-12)
    out = area_indicators(_tiny(), {"strip": box(0, 0, 4, 0.49)}, ["y_tkr_2024"], weight="pop")
    assert out.loc[0, "n_units"] == 0  # under half of every unit: none is part of the area
    assert MIN_OVERLAP == 0.5


# ---------------------------------------------------------------- outputs: the real DeSO layer


def test_norrby_and_hassleholmen_hulta_against_brute_force(deso, regso):
    areas = {
        "Norrby": regso.loc[regso["regso_2025"] == "1490R025", "geometry"],
        "Hässleholmen/Hulta": regso.loc[regso["regso_2025"].isin(HASSLEHOLMEN_HULTA), "geometry"],
    }
    codes = {"Norrby": ["1490R025"], "Hässleholmen/Hulta": HASSLEHOLMEN_HULTA}
    out = area_indicators(deso, areas, INDICATORS, weight="pop_2025").set_index(["area", "indicator"])
    assert len(out) == 3 * len(INDICATORS)
    for name, regsos in codes.items():
        members = deso["regso_2025"].isin(regsos).tolist()
        assert sum(members) == (2 if name == "Norrby" else sum(regso.set_index("regso_2025").loc[regsos, "n_deso"]))
        area_pop = int(regso.set_index("regso_2025").loc[regsos, "pop_2025"].sum())
        for indicator in INDICATORS:
            value, n, pop = _brute_force(deso, members, indicator, "pop_2025")
            row = out.loc[(name, indicator)]
            assert row["value"] == pytest.approx(value, rel=1e-12)
            assert (row["n_units"], row["population"]) == (n, pop)
        assert out.loc[(name, "low_economic_standard_pct_2024"), "population"] == area_pop
    assert out.loc[("Norrby", "low_economic_standard_pct_2024"), "population"] == 3955


def test_the_whole_set_against_brute_force(deso):
    out = area_indicators(deso, {}, INDICATORS, weight="pop_2025").set_index("indicator")
    assert set(out["area"]) == {WHOLE_AREA}
    for indicator in INDICATORS:
        value, n, pop = _brute_force(deso, [True] * len(deso), indicator, "pop_2025")
        assert out.loc[indicator, "value"] == pytest.approx(value, rel=1e-12)
        assert (out.loc[indicator, "n_units"], out.loc[indicator, "population"]) == (n, pop)
    assert out.loc["low_economic_standard_pct_2024", "population"] == 115_217
    assert out.loc["multi_dwelling_pct_2025", "n_units"] == 75  # two DeSO have no value


def test_a_polygon_that_does_not_follow_unit_borders(deso):
    """The police's 2023 polygon of Hässleholmen/Hulta cuts DeSO; brute-force overlaps decide membership."""
    police = gpd.read_file(SHAPES / "boras_police_vulnerable_areas.gpkg", layer="uso_2023")
    polygon = police.loc[police["NAMN"].str.startswith("H"), "geometry"].union_all()
    members = [g.intersection(polygon).area / g.area >= 0.5 for g in deso.geometry]
    shares = [g.intersection(polygon).area / g.area for g in deso.geometry]
    assert 0 < sum(members) < sum(s > 0 for s in shares)  # some cut DeSO are left out
    assert any(0.4 < s < 0.5 for s in shares)  # a DeSO just under half: the rule is tested
    out = area_indicators(deso, {"uso": polygon}, INDICATORS[:3], weight="pop_2025").set_index("indicator")
    for indicator in INDICATORS[:3]:
        value, n, pop = _brute_force(deso, members, indicator, "pop_2025")
        assert out.loc[(indicator), "value"].iloc[0] == pytest.approx(value, rel=1e-12)
        assert out.loc[(indicator), "n_units"].iloc[0] == n


def test_an_area_in_another_crs_is_reprojected(deso, regso):
    norrby = regso.loc[regso["regso_2025"] == "1490R025", "geometry"]
    a = area_indicators(deso, {"n": norrby}, INDICATORS[:2], weight="pop_2025")
    b = area_indicators(deso, {"n": norrby.to_crs("EPSG:3857")}, INDICATORS[:2], weight="pop_2025")
    pd.testing.assert_frame_equal(a, b)
    assert a.loc[0, "n_units"] == 2


# ---------------------------------------------------------------- words


@pytest.mark.parametrize(
    ("name", "sv", "en"),
    [
        ("low_economic_standard_pct_2024", "Låg ekonomisk standard (%, 2024)", "Low economic standard (%, 2024)"),
        ("unemployment_pct_20_64_2024", "Arbetslöshet, 20–64 år (%, 2024)", "Unemployment, ages 20–64 (%, 2024)"),
        ("share_age_20_34_pct_2025", "Andel i åldern 20–34 år (%, 2025)", "Share aged 20–34 (%, 2025)"),
        ("disp_income_median_tkr_2024", "Disponibel inkomst, median (tusen kronor, 2024)",
         "Disposable income, median (thousand SEK, 2024)"),
        ("pop_density_per_km2", "Befolkningstäthet (invånare per km²)", "Population density (inhabitants per km²)"),
        ("foo_bar_pct_2023", "Foo bar (%, 2023)", "Foo bar (%, 2023)"),
        ("crime_cost_tkr_2021", "Crime cost (tusen kronor, 2021)", "Crime cost (thousand SEK, 2021)"),
        ("some_index", "Some index", "Some index"),
    ],
)
def test_indicator_labels(name, sv, en):
    assert indicator_label(name) == sv
    assert indicator_label(name, "en") == en


def test_every_indicator_of_the_deso_layer_has_a_readable_label():
    names = [*INDICATORS, "pop_2025", "pop_growth_pct_2025", "share_single_person_hh_pct_2025"]
    for name in names:
        sv, en = indicator_label(name), indicator_label(name, "en")
        assert "_" not in sv and "_" not in en
        assert not set("åäöÅÄÖ") & set(en), en
        assert sv != en  # a known stem has a Swedish name
        year = parse_indicator(name)["year"]
        assert sv.endswith(f"{year})") and en.endswith(f"{year})")
    assert parse_indicator("area_km2") == {"stem": "area", "ages": None, "unit": "km2", "year": None}


def test_indicator_label_needs_a_known_language():
    with pytest.raises(ValueError, match="language needs to be"):
        indicator_label("pop_2025", "fi")

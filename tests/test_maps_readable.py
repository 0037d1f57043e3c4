"""The map reads at a glance: police areas per year with their category, class breaks, legend texts (no browser)."""

from __future__ import annotations

import numpy as np
import pytest
from fixtures_results import make_results

from geolage.outputs.map.data import map_data
from geolage.outputs.map.layers import flat
from geolage.outputs.map.places import police_category, police_layers


def _two_years(results, moved: float = 0.0):
    """The fixture's police areas listed in 2023 and 2025 (Norrby's 2025 outline shifted by ``moved`` m)."""
    first = results.overlays["Utsatta områden"].copy()
    first["KATEGORI"] = ["Särskilt utsatt område", "Riskområde"]
    second = first.copy()
    second.loc[0, "geometry"] = second.geometry.iloc[0].buffer(0).__class__(
        [(x + moved, y) for x, y in second.geometry.iloc[0].exterior.coords])
    results.overlays = {"Utsatta områden 2023": first, "Utsatta områden 2025": second}
    return results


def test_police_category_words():
    assert police_category("Särskilt utsatt område") == "sarskilt_utsatt"
    assert police_category("Utsatt område") == "utsatt"
    assert police_category("Riskområde") == "risk"
    assert police_category(None) is None


def test_same_police_outline_in_two_years_is_drawn_once_with_both_years():
    layers = police_layers(_two_years(make_results()), "sv")
    by_year = {layer["year"]: layer for layer in layers}
    assert [f["properties"]["years"] for f in by_year["2025"]["features"]] == ["2023, 2025", "2023, 2025"]
    assert "2023" not in by_year  # nothing left to draw twice
    assert by_year["2025"]["show"] is True
    names = [f["properties"]["name"] for layer in layers for f in layer["features"]]
    assert sorted(names) == ["Hässleholmen", "Norrby"]
    assert {k["label"] for k in by_year["2025"]["kinds"]} == {"Särskilt utsatt område", "Riskområde"}
    assert by_year["2025"]["features"][0]["properties"]["category"] == "Särskilt utsatt område"


def test_changed_police_outline_stays_in_its_own_year():
    layers = police_layers(_two_years(make_results(), moved=400.0), "en")
    by_year = {layer["year"]: layer for layer in layers}
    assert [f["properties"]["years"] for f in by_year["2023"]["features"]] == ["2023"]
    assert sorted(f["properties"]["years"] for f in by_year["2025"]["features"]) == ["2023, 2025", "2025"]
    assert by_year["2023"]["show"] is False
    assert {k["label"] for k in by_year["2025"]["kinds"]} == {"Particularly vulnerable area", "Risk area"}


@pytest.mark.parametrize(("values", "half", "expected"), [
    (np.array([0.50, 0.55, 0.60]), np.array([1.0, 1.2, 0.9]), True),   # spread 0.1, CI ±1: flat
    (np.array([10.0, 40.0, 90.0]), np.array([3.0, 4.0, 5.0]), False),  # spread 80, CI ±4: real differences
    (np.array([2.0, 2.0]), np.array([np.nan, np.nan]), True),          # one value
    (np.array([1.0, 3.0]), np.array([np.nan, np.nan]), False),         # unknown uncertainty: classes
])
def test_flat_when_spread_within_uncertainty(values, half, expected):
    assert flat(values, half) is expected


def test_tiny_range_gets_one_neutral_class_and_says_so():
    results = make_results()
    rates = results.tables["rates_district"].data
    sel = (rates["category"] == "misshandel") & (rates["period"] == "2024")
    rates.loc[sel, "eb_rate"] = np.linspace(0.50, 0.60, int(sel.sum()))
    rates.loc[sel, "rate_ci_low"] = 0.0
    rates.loc[sel, "rate_ci_high"] = 3.0
    layer = map_data(results, mode="internal")["layers"][0]
    sl = layer["slices"]["1|2"]
    classes = [row for row in sl["legend"] if row["color"] != "#d0d0d0"]
    assert len(classes) == 1 and classes[0]["label"] == "Alla områden: 0,5–0,6"
    assert "mindre än osäkerheten" in sl["note"]
    assert {r[1] for r in sl["rows"] if r[1] is not None} == {0}


def test_no_legend_repeats_a_break():
    layer = map_data(make_results(), mode="internal")["layers"][0]
    for sl in layer["slices"].values():
        labels = [row["label"] for row in sl["legend"]]
        assert len(labels) == len(set(labels))


def test_legend_notes_say_unit_and_period():
    data = map_data(make_results(), mode="public")
    rates = data["layers"][0]
    assert "per 1\u00a0000 invånare och år" in rates["note"] and "{period}" in rates["note"]
    gistar = next(layer for layer in data["layers"] if layer["id"] == "gistar_grid")
    assert "hot spot är en plats" in gistar["note"]
    assert "per km²" in data["ui"]["density_note"] and "inte per år" in data["ui"]["density_note"]
    assert data["focus"][0]["name"] and data["zoom"][0]["label"] == "Hela kommunen"
    assert [z["label"] for z in data["zoom"][1:]] == [f["name"] for f in data["focus"]]

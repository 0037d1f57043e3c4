"""Diverging class breaks around the municipality's rate: symmetric, tied to the uncertainty, planted values."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from fixtures_results import make_results

from geolage.outputs.map.data import map_data
from geolage.outputs.map.scale import diverging_bounds, ratio_steps, reference_rates
from geolage.text.format import format_number


@pytest.mark.parametrize(("u", "steps"), [
    (0.0, (1.1, 1.5)), (0.10, (1.1, 1.5)), (0.11, (1.25, 2.0)), (0.25, (1.25, 2.0)), (0.4, (1.5, 3.0)),
    (0.51, (2.0, 4.0)), (7.0, (2.0, 4.0)), (float("nan"), (1.25, 2.0)),
])
def test_middle_class_is_at_least_the_uncertainty(u, steps):
    assert ratio_steps(u) == steps
    b1, _ = steps
    if np.isfinite(u) and u <= 0.5:
        assert b1 - 1 >= u  # "about the same" spans at least the typical ± of a rate


@pytest.mark.parametrize("reference", [0.34, 10.0, 812.5])
def test_bounds_are_symmetric_around_the_reference_on_a_ratio_scale(reference):
    bounds = diverging_bounds(reference, 0.2)
    assert bounds[-1] == math.inf
    logs = np.log(np.array(bounds[:4]) / reference)
    np.testing.assert_allclose(logs, [-math.log(2), -math.log(1.25), math.log(1.25), math.log(2)], rtol=1e-12)
    np.testing.assert_allclose(bounds[1] * bounds[2], reference ** 2, rtol=1e-12)
    np.testing.assert_allclose(bounds[0] * bounds[3], reference ** 2, rtol=1e-12)
    with pytest.raises(ValueError, match="positive reference"):
        diverging_bounds(0.0, 0.2)


def test_reference_from_the_whole_area_series_or_complete_districts():
    rates = pd.DataFrame({"category": ["a"] * 4, "period": ["2023", "2023", "2024", "2024"],
                          "count": [10, 30, 5, np.nan], "exposure": [1000.0, 3000.0, 1000.0, 2000.0]})
    # 2023: every district shown -> 1000 * 40 / 4000; 2024: one count withheld, no series -> unknown
    assert reference_rates(rates, None, 1000, "whole_area", "hela") == {("a", "2023"): 10.0}
    series = pd.DataFrame({"area": ["whole_area", "whole_area", "x"], "category": ["a", "a", "a"],
                           "period": ["2023", "2024", "2024"], "count": [44, 9, 1], "exposure": [4000.0, 3000.0, 1.0]})
    rates = pd.concat([rates, pd.DataFrame({"category": ["a"], "period": ["hela"], "count": [np.nan],
                                            "exposure": [7000.0]})])
    ref = reference_rates(rates, series, 1000, "whole_area", "hela")
    assert ref == {("a", "2023"): 11.0, ("a", "2024"): 3.0, ("a", "hela"): 1000 * 53 / 7000}
    series.loc[1, "count"] = np.nan  # the whole area's 2024 count withheld: no 2024, no whole-span reference
    assert reference_rates(rates, series, 1000, "whole_area", "hela") == {("a", "2023"): 11.0}


def _planted(eb: list[float], half: float):
    """The fixture with misshandel 2024 planted: six districts of 1,000 residents, 60 incidents (ref 10 per 1,000)."""
    results = make_results()
    rates = results.tables["rates_district"].data
    sel = ((rates["category"] == "misshandel") & (rates["period"] == "2024")).to_numpy()
    assert sel.sum() == len(eb) == 6
    rates.loc[sel, "population"] = 1000.0
    rates.loc[sel, "count"] = [2, 7, 10, 13, 18, 10]
    rates.loc[sel, "eb_rate"] = eb
    rates.loc[sel, "rate_ci_low"] = np.array(eb) - half
    rates.loc[sel, "rate_ci_high"] = np.array(eb) + half
    return results


def test_values_spread_around_the_reference_get_diverging_classes():
    eb = [2.0, 7.0, 10.0, 13.0, 50.0, 10.0]
    sl = map_data(_planted(eb, 0.5), mode="internal")["layers"][0]["slices"]["1|2"]
    # ref 10, ±0.5 = 5 %: middle class within ×1.1, outer breaks at ×1.5 -> 6.67, 9.09, 11, 15
    assert [row["label"] for row in sl["legend"]] == [
        "under 6,7 (under 0,67 × kommunen)", "6,7 – 9,1 (0,67–0,91 × kommunen)",
        "9,1 – 11,0 (som kommunen: 10,0)", "11,0 – 15,0 (1,1–1,5 × kommunen)", "över 15,0 (över 1,5 × kommunen)"]
    assert [row["color"] for row in sl["legend"]][2] == "#f7f7f7"  # the middle: light, not a ramp colour
    assert [r[1] for r in sl["rows"]] == [0, 1, 2, 3, 4, 2]
    assert "jämför med hela kommunen (10,0 brott per 1\u00a0000 invånare och år)" in sl["note"]
    assert "inom en faktor 1,1" in sl["note"]
    en = map_data(_planted(eb, 0.5), mode="internal", language="en")["layers"][0]["slices"]["1|2"]
    assert en["legend"][2]["label"] == "9.1 – 11.0 (as the municipality: 10.0)" and "kommun" not in en["note"]


def test_values_within_their_uncertainty_get_one_class_even_with_a_reference():
    eb = [9.6, 9.8, 10.0, 10.1, 10.3, 10.4]  # spread 0.8, every CI ±3
    sl = map_data(_planted(eb, 3.0), mode="internal")["layers"][0]["slices"]["1|2"]
    assert [row["label"] for row in sl["legend"]] == ["Alla områden: 9,6–10,4"]
    assert {r[1] for r in sl["rows"]} == {0} and "mindre än osäkerheten" in sl["note"]


def test_demo_map_compares_with_the_municipality_rate(demo_run):
    """The demo's rate layer: the reference is the whole municipality's rate computed from the full table."""
    results, out = demo_run
    html = (out / "karta.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="geolage-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    layer = next(layer for layer in data["layers"] if layer["id"] == "rates_district")
    cats = [c["code"] for c in data["categories"]]
    pers = [p["code"] for p in data["periods"]]
    full = results.tables["rates_district"].data
    whole = full[(full["category"] == "alla") & (full["period"] == "hela")]
    reference = 1000 * whole["count"].sum() / whole["exposure"].sum()  # every count, before disclosure control
    sl = layer["slices"][f"{cats.index('alla')}|{pers.index('hela')}"]
    assert f"som kommunen: {format_number(reference, 'sv', 1)}" in sl["legend"][2]["label"]
    classes = {r[1] for r in sl["rows"]}
    assert 0 in classes and 4 in classes  # districts both well below and well above the municipality

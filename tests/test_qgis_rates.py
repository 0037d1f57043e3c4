"""The QGIS rate style draws the interactive map's classes (no QGIS needed: the QML is read as XML).

One source of breaks (:mod:`geolage.outputs.map.scale`): the ranges of the ``rates_district`` style
in the GeoPackage equal the bounds the map uses for the slice QGIS shows by default (all categories,
the whole period), each district falls in the same class in both, the legend texts are the map's and
the first says the category, the period and the unit.
"""

from __future__ import annotations

import html
import math
import sqlite3
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from fixtures_results import make_results

from geolage.outputs.gpkg import write_geopackage
from geolage.outputs.map.data import map_data
from geolage.outputs.map.scale import DIVERGING_COLOURS, diverging_bounds, ratio_steps


def _planted(half: float, eb: list[float] | None = None):
    """The fixture with all categories over the whole period planted: six districts of 1,000 residents.

    60 incidents in 6,000 person-years: the municipality's rate is 10 per 1,000 residents and year.
    """
    results = make_results()
    rates = results.tables["rates_district"].data
    sel = ((rates["category"] == "alla") & (rates["period"] == "hela")).to_numpy()
    assert sel.sum() == 6
    eb = eb or [2.0, 7.0, 10.0, 13.0, 50.0, 10.0]
    rates.loc[sel, "population"] = 1000.0
    rates.loc[sel, "exposure"] = 1000.0
    rates.loc[sel, "count"] = [2, 7, 10, 13, 18, 10]
    rates.loc[sel, "eb_rate"] = eb
    rates.loc[sel, "rate_ci_low"] = np.array(eb) - half
    rates.loc[sel, "rate_ci_high"] = np.array(eb) + half
    return results, rates[sel]


def _ranges(results, tmp_path, language: str) -> list[ET.Element]:
    path = tmp_path / f"{language}.gpkg"
    write_geopackage(results, path, mode="internal", language=language)
    with sqlite3.connect(path) as con:
        qml = con.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = 'rates_district'").fetchone()[0]
    renderer = ET.fromstring(qml.split("\n", 1)[1]).find("renderer-v2")
    assert renderer.get("type") == "graduatedSymbol" and renderer.get("attr") == "eb_rate"
    return renderer.find("ranges").findall("range")


def _map_slice(results, language: str) -> dict:
    data = map_data(results, mode="internal", language=language)
    layer = next(layer for layer in data["layers"] if layer["id"] == "rates_district")
    cats = [c["code"] for c in data["categories"]]
    pers = [p["code"] for p in data["periods"]]
    every, whole = ("alla", "hela") if language == "sv" else ("all", "whole_period")  # the run's codes
    return layer["slices"][f"{cats.index(every)}|{pers.index(whole)}"]


def _qgis_class(ranges: list[ET.Element], value: float) -> int:
    """QGIS's rule: the first range with lower < value <= upper (the first range also takes lower == value)."""
    for i, r in enumerate(ranges):
        lower, upper = float(r.get("lower")), float(r.get("upper"))
        if (lower < value or (i == 0 and lower == value)) and value <= upper:
            return i
    raise AssertionError(f"{value} in no range")


@pytest.mark.parametrize("language", ["sv", "en"])
def test_qgis_rate_breaks_equal_the_maps(tmp_path, language):
    results, shown = _planted(0.5)
    ranges = _ranges(results, tmp_path, language)
    # by hand: reference 1000 * 60 / 6000 = 10; ±0.5 is 5 % of it -> ratio limits 1.1 and 1.5
    expected = [10 / 1.5, 10 / 1.1, 10 * 1.1, 10 * 1.5]
    assert ratio_steps(0.05) == (1.1, 1.5)
    uppers = [float(r.get("upper")) for r in ranges]
    np.testing.assert_allclose(uppers[:4], expected, rtol=1e-12)
    np.testing.assert_allclose(uppers[:4], diverging_bounds(10.0, 0.05)[:4], rtol=1e-12)
    assert uppers[4] >= max(results.tables["rates_district"].data["eb_rate"])  # every row of the layer coloured
    assert float(ranges[0].get("lower")) <= min(results.tables["rates_district"].data["eb_rate"])
    sl = _map_slice(results, language)
    assert len(sl["legend"]) == len(ranges) == 5
    # the same class for every district, in QGIS as on the map
    ids = list(results.districts.index) if results.districts.index.name else list(results.districts["district_id"])
    by_id = dict(zip(shown["district_id"], shown["eb_rate"], strict=True))
    map_classes = {int(row[0]): row[1] for row in sl["rows"]}
    qgis_classes = {ids.index(d): _qgis_class(ranges, v) for d, v in by_id.items()}
    assert qgis_classes == {i: map_classes[i] for i in qgis_classes}
    assert sorted(qgis_classes.values()) == [0, 1, 2, 2, 3, 4]
    # the map's legend texts and colours; the first row says what is shown and the unit
    labels = [r.get("label") for r in ranges]
    assert labels[1:] == [html.unescape(row["label"]) for row in sl["legend"][1:]]
    assert labels[0].endswith(html.unescape(sl["legend"][0]["label"]))
    heading = {"sv": "Alla brott, hela perioden 2023–2024: brott per 1\u00a0000 invånare och år – under 6,7",
               "en": "All incidents, whole period 2023–2024: incidents per 1,000 residents per year – below 6.7"}
    assert labels[0].startswith(heading[language]), labels[0]
    assert [row["color"] for row in sl["legend"]] == list(DIVERGING_COLOURS)


def test_qgis_rates_within_their_uncertainty_get_the_maps_one_class(tmp_path):
    results, _ = _planted(3.0, [9.6, 9.8, 10.0, 10.1, 10.3, 10.4])
    ranges = _ranges(results, tmp_path, "sv")
    sl = _map_slice(results, "sv")
    assert len(ranges) == len(sl["legend"]) == 1
    label = ranges[0].get("label")
    assert label.endswith("Alla områden: 9,6–10,4") and "brott per 1\u00a0000" in label
    rates = results.tables["rates_district"].data["eb_rate"]
    assert float(ranges[0].get("lower")) <= rates.min() and float(ranges[0].get("upper")) >= rates.max()
    assert not math.isinf(float(ranges[0].get("upper")))

"""The QGIS project reads at a glance (PyQGIS, headless): outlines above the grid, labels, aliases, geometry, themes.

Runs ``tests/qgis_check.py`` with Debian's Python (python3-qgis). Skipped without
PyQGIS, except in CI (``CI=true``) where that is a failure. Renders are kept in
``$GEOLAGE_TEST_ARTIFACTS/qgis_readable`` (or ``tests/artifacts/qgis_readable``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from test_export import CRS, X0, Y0, make_results, with_layers  # noqa: E402
from test_qgis import CHECK, QGIS_PYTHON, _artifacts, _qgis_env, _require_qgis  # noqa: E402

from geolage.classes import GISTAR_CLASSES  # noqa: E402
from geolage.outputs.qgis.project import write_spatial_outputs  # noqa: E402
from geolage.run.results import Table  # noqa: E402

pytestmark = pytest.mark.qgis

#: Points on district boundaries (project CRS): the outlines must be seen there over the Gi* cells.
PROBES = [[X0 + 500, Y0 + 125], [X0 + 500, Y0 + 875], [X0 + 125, Y0 + 500], [X0 + 875, Y0 + 500]]


#: Columns of Polisen's layer of vulnerable areas (as in the demo's overlay) and two of a user's own.
POLICE_COLUMNS = {"NAMN": "Norrby", "KATEGORI": "Särskilt utsatt område", "ORT": "Borås", "LOKALPOLIS": "Borås",
                  "OMRADESKOD": "550220", "POLISOMRAD": "5502", "POLISOMR_1": "Älvsborg", "REGION": "Väst",
                  "REGIONKOD": "5500", "SPECIALOMR": "13", "AKTUALITET": "2018-10-01", "AKTUALITET_START": "2018-10-01",
                  "source_edition": "Polisen uso_2023"}
OWN_COLUMNS = {"pop_density_per_km2": 1234.5, "OMR_TYP": "A"}


def _results():
    results = make_results()
    study = next(iter(results.overlays.values()))
    results.overlays = {"Utsatta områden": study[["geometry"]].assign(**POLICE_COLUMNS, **OWN_COLUMNS)}
    results.tables["rates_district"].data["population"] = 1000.0  # every count and exposure known: a reference
    forecast = pd.DataFrame({"district_id": ["D1", "D2", "D3", "D4"], "district_name": ["a", "b", "c", "d"],
                             "category": "alla", "year": 2025, "last_count": [10, 20, 30, 40],
                             "forecast": [11.0, 19.0, 33.0, 41.0]})
    results.add_table(Table("forecast_district", forecast, {"sv": "Prognos per område", "en": "Forecast"},
                            count_columns=("last_count",)))
    # as the pipeline does: the districts as a result table too, named like the base layer it replaces
    districts = results.districts.reset_index(drop=True)
    results.add_table(Table("districts", districts.assign(focus_area=["centrum", None, None, None]),
                            {"sv": "Områden", "en": "Districts"}))
    return results


def _open_in_qgis(tmp_path_factory, language: str) -> dict:
    tmp = tmp_path_factory.mktemp(f"qgis-readable-{language}")
    _require_qgis(tmp)
    art = _artifacts().parent / ("qgis_readable" if language == "sv" else f"qgis_readable_{language}")
    art.mkdir(parents=True, exist_ok=True)
    written = with_layers(write_spatial_outputs(_results(), tmp / "out", mode="internal", language=language))
    spec = {"gpkg": str(written["gpkg"]), "layers": written["layers"], "rasters": [],
            "project": str(written["project"]), "png": str(art / "default_view.png"), "probes": PROBES}
    spec_path = tmp / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    proc = subprocess.run([QGIS_PYTHON, str(CHECK), str(spec_path)], capture_output=True, text=True, timeout=600,
                          env=_qgis_env(tmp), cwd=tmp)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    (art / "qgis_report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return {"report": report, "written": written}


@pytest.fixture(scope="module")
def qgis(tmp_path_factory) -> dict:
    return _open_in_qgis(tmp_path_factory, "sv")


@pytest.fixture(scope="module")
def qgis_en(tmp_path_factory) -> dict:
    return _open_in_qgis(tmp_path_factory, "en")


def _dark(colour: str) -> bool:
    return all(int(colour[i:i + 2], 16) < 0x70 for i in (1, 3, 5))


def test_outlines_render_above_the_grid(qgis):
    project = qgis["report"]["project"]
    render = project["render"]
    assert render["errors"] == []
    assert "Hot spots (Gi*), rutnät" in project["visible"] and "Områden" in project["visible"]
    gi_colours = {c.color.lower() for c in GISTAR_CLASSES.values()}
    for probe, colours in zip(PROBES, render["probe_colors"], strict=True):
        assert any(_dark(c) for c in colours), (probe, colours)  # the outline is drawn …
        assert gi_colours & set(colours), (probe, colours)  # … over the Gi* cells beside it


def test_labels_enabled_on_named_layers(qgis):
    layers = qgis["report"]["layers"]
    for name in ("districts", "focus_areas", "overlay_utsatta_omraden"):
        assert layers[name]["valid"] and layers[name]["labels_enabled"] is True, name
    assert layers["gistar_grid"]["labels_enabled"] is False


def test_every_field_has_an_alias(qgis):
    for name, info in qgis["report"]["layers"].items():
        missing = [field for field, alias in info["aliases"].items() if not alias]
        assert missing == [], name
    layers = qgis["report"]["layers"]
    assert layers["forecast_district"]["aliases"]["forecast"] == "Prognos: antal brott nästa år"
    assert layers["districts"]["aliases"]["fid"] == "Löpnummer"
    assert layers["districts"]["aliases"]["focus_area"] == "Fokusområdets id"
    for name, info in layers.items():  # an alias in words, not the column's code again
        same = [field for field, alias in info["aliases"].items() if alias == field and "_" in field]
        assert same == [], name


def test_per_district_table_has_geometry(qgis):
    layers = qgis["report"]["layers"]
    assert layers["forecast_district"]["is_spatial"] is True
    assert layers["forecast_district"]["features"] == 4
    stored = gpd.read_file(qgis["written"]["gpkg"], layer="forecast_district")
    assert stored.crs.equals(CRS) and stored.geometry.notna().all()


def test_map_themes_per_question_and_start_view_on_the_municipality(qgis):
    themes = qgis["report"]["project"]["themes"]
    assert "2 Hot spots" in themes and "1 Var? Brott per invånare" in themes
    assert "Hot spots (Gi*), rutnät" in themes["2 Hot spots"] and "Områden" in themes["2 Hot spots"]
    root = ET.parse(qgis["written"]["project"]).getroot()
    extent = root.find("mapcanvas/extent")
    xmin, xmax = float(extent.findtext("xmin")), float(extent.findtext("xmax"))
    assert (xmin, xmax) == (X0, X0 + 1000)



def _raw(field: str, alias: str) -> bool:
    """The alias is the field's name again, or a code: upper case (``KATEGORI``) or snake_case (``focus_area``)."""
    return alias == field or "_" in alias or (alias.isupper() and len(alias) > 2)


def test_every_field_of_every_layer_has_an_alias_in_the_runs_language(qgis, qgis_en):
    sv, en = qgis["report"]["layers"], qgis_en["report"]["layers"]
    assert set(sv) == set(en) and "overlay_utsatta_omraden" in sv
    for layers in (sv, en):
        for name, info in layers.items():
            assert info["aliases"] and all(info["aliases"].values()), name
            raw = {field: alias for field, alias in info["aliases"].items() if _raw(field, alias)}
            assert raw == {}, name
    for name, info in en.items():  # no Swedish letters in an English run's aliases (the fixture's columns are ASCII)
        swedish = {f: a for f, a in info["aliases"].items() if set(a) & set("åäöÅÄÖ")}
        assert swedish == {}, name
    # each language its own words, but for words alike in both and the user's own columns
    alike = {("rates_district", "period"), ("emerging_grid", "emerging_mk_z"),
             ("overlay_utsatta_omraden", "pop_density_per_km2")}
    same = {(name, f) for name, info in sv.items() for f, a in info["aliases"].items() if en[name]["aliases"][f] == a}
    assert same == alike


def test_police_overlay_columns_in_words(qgis, qgis_en):
    sv = qgis["report"]["layers"]["overlay_utsatta_omraden"]["aliases"]
    en = qgis_en["report"]["layers"]["overlay_utsatta_omraden"]["aliases"]
    assert set(sv) == {"fid", *POLICE_COLUMNS, *OWN_COLUMNS}
    assert [sv[c] for c in ("NAMN", "KATEGORI", "POLISOMR_1", "OMRADESKOD", "REGION", "AKTUALITET")] == [
        "Namn", "Kategori", "Polisområde", "Lokalpolisområdets kod", "Polisregion", "Gäller från"]
    assert [en[c] for c in ("NAMN", "KATEGORI", "POLISOMR_1", "OMRADESKOD", "REGION", "AKTUALITET")] == [
        "Name", "Category", "Police area", "Local police area code", "Police region", "Valid from"]
    # a user's own columns: their names as words (Swedish letters back in a Swedish run)
    assert (sv["OMR_TYP"], en["OMR_TYP"]) == ("Område typ", "Omr typ")
    assert sv["pop_density_per_km2"] == en["pop_density_per_km2"] == "Pop density per km2"


def test_rate_layer_opens_with_the_maps_diverging_classes(qgis):
    """Reference 1000 × 90 / 4000 = 22.5; no intervals, so ±25 %: breaks 11.25, 18, 28.125, 45 (map/scale.py)."""
    from geolage.outputs.map.scale import DIVERGING_COLOURS

    rates = qgis["report"]["layers"]["rates_district"]
    assert rates["renderer"] == "graduatedSymbol" and rates["attr"] == "eb_rate" and rates["n_classes"] == 5
    assert rates["colors"] == list(DIVERGING_COLOURS)
    assert rates["labels"][0] == ("Alla brott, hela perioden: brott per 1\u00a0000 invånare och år – "
                                  "under 11,2 (under 0,5 × kommunen)")
    assert rates["labels"][2] == "18,0 – 28,1 (som kommunen: 22,5)"

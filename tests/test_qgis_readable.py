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


def _results():
    results = make_results()
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


@pytest.fixture(scope="module")
def qgis(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("qgis-readable")
    _require_qgis(tmp)
    art = _artifacts().parent / "qgis_readable"
    art.mkdir(parents=True, exist_ok=True)
    written = with_layers(write_spatial_outputs(_results(), tmp / "out", mode="internal", language="sv"))
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

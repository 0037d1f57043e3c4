"""QGIS itself opens geolage's GeoPackage, GeoTIFFs and project (PyQGIS, headless).

PyQGIS runs in a subprocess with Debian's ``/usr/bin/python3`` (``python3-qgis``; set
``GEOLAGE_QGIS_PYTHON`` to use another interpreter) and ``QT_QPA_PLATFORM=offscreen``;
``tests/qgis_check.py`` reports what QGIS sees as JSON and this module asserts on it.
Skipped when PyQGIS is missing, except in CI (``CI=true``), where that is a failure.
Install with ``bash scripts/install_system_deps.sh qgis``. Artefacts (the outputs,
the QGIS report and the rendered PNGs) are kept in ``$GEOLAGE_TEST_ARTIFACTS/qgis/``
(default ``tests/artifacts/qgis/``).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from geolage.classes import EMERGING_CATEGORIES, GISTAR_CLASSES, LISA_CLUSTERS
from geolage.outputs.geotiff import NODATA
from geolage.outputs.gpkg import GPKG_NAME
from geolage.outputs.qgis.project import write_spatial_outputs

sys.path.insert(0, str(Path(__file__).parent))
from test_export import CELL, X0, Y0, make_results, with_layers  # noqa: E402

pytestmark = pytest.mark.qgis

HERE = Path(__file__).parent
CHECK = HERE / "qgis_check.py"
QGIS_PYTHON = os.environ.get("GEOLAGE_QGIS_PYTHON", "/usr/bin/python3")
EXPECTED_CLASSES = {"gistar_grid": GISTAR_CLASSES, "lisa_district": LISA_CLUSTERS, "emerging_grid": EMERGING_CATEGORIES}


def _qgis_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    runtime = tmp / "xdg-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime), PYTHONIOENCODING="utf-8")
    return env


def _require_qgis(tmp: Path) -> None:
    why = ""
    if not Path(QGIS_PYTHON).exists():
        why = f"{QGIS_PYTHON} not found"
    else:
        proc = subprocess.run(
            [QGIS_PYTHON, "-c", "import qgis.core"],
            capture_output=True,
            text=True,
            timeout=120,
            env=_qgis_env(tmp),
        )
        if proc.returncode != 0:
            why = (proc.stderr.strip().splitlines() or ["import qgis.core failed"])[-1]
    if why:
        message = f"PyQGIS is needed ({why}); install it with: bash scripts/install_system_deps.sh qgis"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {message}", pytrace=False)
        pytest.skip(message)


def _artifacts() -> Path:
    base = os.environ.get("GEOLAGE_TEST_ARTIFACTS")
    return (Path(base) if base else HERE / "artifacts") / "qgis"


def _with_dense_cells(results):
    """The export fixture with 40 incidents in two grid cells (20 each), so that public mode has a raster.

    Public density rasters are rebuilt from grid cell counts of at least k (rule 9); the export
    fixture's 30 incidents spread over 16 cells leave none.
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    grid = results.grid
    grid.attrs.update(cell_size=CELL, origin=(X0, Y0))
    cells = grid["cell_id"].astype(str).to_numpy()[[5, 10]].repeat(20)
    xy = np.column_stack([grid["x0"].to_numpy()[[5, 10]].repeat(20), grid["y0"].to_numpy()[[5, 10]].repeat(20)])
    xy = xy + np.random.default_rng(3).uniform(10, CELL - 10, size=xy.shape)
    results.incidents = gpd.GeoDataFrame(
        {"incident_id": [f"polis:{i}" for i in range(40)], "category": ["stold", "misshandel"] * 20,
         "time": pd.date_range("2024-01-01", periods=40, freq="D"), "text": ["fritext"] * 40, "cell_id": cells},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=results.incidents.crs)
    return results


@pytest.fixture(scope="module", params=["internal", "public"])
def qgis(request, tmp_path_factory) -> dict:
    mode = request.param
    tmp = tmp_path_factory.mktemp(f"qgis-{mode}")
    _require_qgis(tmp)
    if mode == "public":
        pytest.importorskip("geolage.run.disclosure")
    art = _artifacts() / mode
    if art.exists():
        shutil.rmtree(art)
    out = art / "outputs"
    written = with_layers(write_spatial_outputs(_with_dense_cells(make_results()), out, mode=mode, language="sv"))
    spec = {
        "gpkg": str(written["gpkg"]),
        "layers": written["layers"],
        "rasters": [str(p) for p in written["rasters"]],
        "project": str(written["project"]),
        "png": str(art / "lagesbild_project.png"),
    }
    spec_path = art / "spec.json"
    spec_path.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    proc = subprocess.run(
        [QGIS_PYTHON, str(CHECK), str(spec_path)],
        capture_output=True,
        text=True,
        timeout=600,
        env=_qgis_env(tmp),
        cwd=tmp,
    )
    (art / "qgis_stderr.txt").write_text(proc.stderr, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert lines, f"qgis_check.py printed nothing; stderr:\n{proc.stderr[-3000:]}"
    report = json.loads(lines[-1])
    (art / "qgis_report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return {"mode": mode, "report": report, "written": written, "spec": spec, "art": art}


def _stored_styles(gpkg: Path) -> dict[str, ET.Element]:
    con = sqlite3.connect(gpkg)
    try:
        rows = con.execute("SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault").fetchall()
    finally:
        con.close()
    return {name: ET.fromstring(qml) for name, qml in rows}


def _intended(root: ET.Element) -> tuple[str | None, int]:
    """Renderer type and class count the stored QML asks for."""
    rend = root.find("renderer-v2")
    if rend is None:
        return None, 0
    rtype = rend.get("type")
    if rtype == "categorizedSymbol":
        return rtype, len(rend.find("categories"))
    if rtype == "graduatedSymbol":
        return rtype, len(rend.find("ranges"))
    return rtype, 1


def test_qgis_version(qgis):
    version = qgis["report"]["qgis_version"]
    major, minor = (int(p) for p in version.split(".")[:2])
    assert (major, minor) >= (3, 22), version  # Debian bookworm ships the 3.22 LTR


def test_every_layer_opens_in_epsg3006_with_its_default_style(qgis):
    layers = qgis["report"]["layers"]
    assert set(layers) == set(qgis["written"]["layers"])
    styles = _stored_styles(Path(qgis["written"]["gpkg"]))
    for name, info in layers.items():
        assert info["valid"], name
        assert info["styles_in_db"] >= 1, name
        if info["is_spatial"]:
            assert info["crs"] == "EPSG:3006", name
        rtype, n = _intended(styles[name])
        assert (info["renderer"], info["n_classes"]) == (rtype, n), name


def test_categorized_styles_have_the_shared_classes(qgis):
    layers = qgis["report"]["layers"]
    for name, classes in EXPECTED_CLASSES.items():
        info = layers[name]
        assert info["renderer"] == "categorizedSymbol"
        assert info["n_classes"] == len(classes)
        assert info["values"] == list(classes)
        assert info["labels"] == [c.sv for c in classes.values()]
        assert info["colors"] == [c.color for c in classes.values()]


def test_graduated_styles_and_aliases(qgis):
    layers = qgis["report"]["layers"]
    assert layers["rates_district"]["renderer"] == "graduatedSymbol"
    assert layers["rates_district"]["attr"] == "eb_rate"
    assert 1 <= layers["rates_district"]["n_classes"] <= 5
    assert layers["districts"]["aliases"]["district_name"] == "Område"  # aliases come from the stored style
    assert layers["run_metadata"]["aliases"]["section"] == "Avsnitt"
    if qgis["mode"] == "internal":
        assert layers["gistar_grid"]["aliases"]["gistar_z"] == "Gi* z-värde"


def test_public_layers_leave_out_internal_data(qgis):
    layers = qgis["report"]["layers"]
    if qgis["mode"] == "public":
        assert not {"incidents", "rejects", "incident_points"} & set(layers)
    else:
        assert {"incidents", "rejects"} <= set(layers)


def test_rasters_open_with_their_style(qgis):
    rasters = qgis["report"]["rasters"]
    assert set(rasters) == {Path(p).name for p in qgis["spec"]["rasters"]}
    assert rasters, "the fixture has a density raster"
    for name, info in rasters.items():
        assert info["valid"], name
        assert info["crs"] == "EPSG:3006"
        assert info["renderer"] == "singlebandpseudocolor"
        assert info["n_items"] == 5
        assert info["nodata"] == NODATA
        assert isinstance(info["overviews"], int) and info["overviews"] >= 1  # GDAL of QGIS reads them


def test_project_opens_styled_grouped_and_renders(qgis):
    project = qgis["report"]["project"]
    written = qgis["written"]
    assert project["read"]
    assert project["crs"] == "EPSG:3006"
    assert len(project["layers"]) == len(written["layers"]) + len(written["rasters"])
    assert project["groups"][:3] == ["Gränser", "Områden", "Hotspots"] and project["groups"][-1] == "Tabeller"
    styles = _stored_styles(Path(written["gpkg"]))
    for info in project["layers"].values():
        assert info["valid"], info["name"]
        if info["type"] == "raster":
            assert info["renderer"] == "singlebandpseudocolor"
        elif info["is_spatial"]:
            assert info["crs"] == "EPSG:3006", info["name"]
    by_name = {info["name"]: info for info in project["layers"].values()}
    gi = by_name["Hot spots (Gi*), rutnät"]
    assert gi["subset"] == "\"category\" = 'alla'"
    assert (gi["renderer"], gi["n_classes"]) == _intended(styles["gistar_grid"])
    # the default view holds every cell of category 'alla' that carries a result (gpkg.informative_cells)
    import pyogrio

    stored = pyogrio.read_dataframe(written["gpkg"], layer="gistar_grid", read_geometry=False)
    assert gi["features"] == int((stored["category"] == "alla").sum()) > 0
    rates = by_name["Brott per invånare"]
    assert rates["subset"] == "\"category\" = 'alla' AND \"period\" = 'hela'"
    assert "Hot spots (Gi*), rutnät" in project["visible"] and "Områden" in project["visible"]
    render = project["render"]
    assert render["errors"] == []
    assert render["png_saved"] and Path(qgis["spec"]["png"]).stat().st_size > 1000
    assert render["n_colors"] >= 5  # the Gi* classes are drawn, not a blank canvas
    assert render["non_white_share"] > 0.3
    raster_render = project["render_rasters"]
    assert raster_render["errors"] == [] and raster_render["n_colors"] >= 3


def test_outputs_are_kept_as_artefacts(qgis):
    art = qgis["art"]
    assert (art / "qgis_report.json").exists()
    assert (art / "lagesbild_project.png").exists()
    assert (art / "outputs" / GPKG_NAME).exists()

"""Tests of the spatial outputs: GeoPackage layers and stored QGIS styles (geolage.outputs.gpkg), GeoTIFFs
(geolage.outputs.geotiff), QGIS project (geolage.outputs.qgis.project)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from affine import Affine

from geolage.classes import EMERGING_CATEGORIES, GISTAR_CLASSES, LISA_CLUSTERS
from geolage.config import Config, DistrictsConfig, PeriodsConfig, ProjectConfig
from geolage.errors import CRSMismatchError
from geolage.outputs import geotiff
from geolage.outputs.geotiff import NODATA, write_geotiff
from geolage.outputs.gpkg import GPKG_NAME, LAYER_STYLES_COLUMNS, default_filter, write_geopackage
from geolage.outputs.qgis.project import write_qgis_project, write_spatial_outputs
from geolage.outputs.qgis.styles import graduated_classes
from geolage.run.results import Raster, RunResults, Table
from geolage.text.labels import COLUMN_LABELS

CRS = "EPSG:3006"
X0, Y0, CELL = 372000.0, 6398000.0, 250.0
HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    "'; DROP TABLE x; --",
    "Å" * 5000,
    b"Sj\xf6bo \xff\xfe".decode("utf-8", errors="replace"),
]


def _rgb(hex_color: str) -> str:
    h = hex_color.lstrip("#")
    return ",".join(str(int(h[i : i + 2], 16)) for i in (0, 2, 4))


def make_results(*, hostile: bool = False) -> RunResults:
    """A tiny hand-made run in EPSG:3006: 4 districts, a 4×4 grid, Gi*/LISA/emerging tables, a raster."""
    config = Config(
        project=ProjectConfig(name="Test <lägesbild> & co", seed=7),
        districts=DistrictsConfig(path=Path("districts.gpkg"), id_field="id", name_field="namn"),
        sources=(),
        periods=PeriodsConfig(start=dt.date(2023, 1, 1), end=dt.date(2024, 12, 31)),
    )
    names = ["Centrum", "Norrby", "Hässleholmen", "Sjöbo"]
    if hostile:
        names = HOSTILE_NAMES
    polys = [
        shapely.box(X0 + i * 500, Y0 + j * 500, X0 + (i + 1) * 500, Y0 + (j + 1) * 500) for j in (0, 1) for i in (0, 1)
    ]
    ids = [f"D{i + 1}" for i in range(4)]
    districts = gpd.GeoDataFrame(
        {
            "district_id": ids,
            "district_name": names,
            "population": [1000.0, 2500.0, np.nan, 400.0],
            "is_focus": [True, False, False, False],
            "is_reference": [False, True, True, True],
        },
        geometry=polys,
        crs=CRS,
        index=pd.Index(ids, name="district_id"),
    )
    cells = []
    for row in range(4):
        for col in range(4):
            x, y = X0 + col * CELL, Y0 + row * CELL
            cells.append(
                {
                    "cell_id": f"{int(x):06d}{int(y):07d}",
                    "x0": x,
                    "y0": y,
                    "col": col,
                    "row": row,
                    "area_share": 1.0,
                    "geometry": shapely.box(x, y, x + CELL, y + CELL),
                }
            )
    grid = gpd.GeoDataFrame(cells, geometry="geometry", crs=CRS).set_index("cell_id", drop=False)
    grid.index.name = "cell_id"
    study_area = gpd.GeoDataFrame(
        {"name": ["Testkommun"]}, geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=CRS
    )
    rng = np.random.default_rng(1)
    pts = rng.uniform([X0, Y0], [X0 + 1000, Y0 + 1000], size=(30, 2))
    incidents = gpd.GeoDataFrame(
        {
            "incident_id": [f"polis:{i}" for i in range(30)],
            "category": ["stold", "inbrott_bostad", "misshandel"] * 10,
            "time": pd.date_range("2024-01-01", periods=30, freq="D"),
            "text": ["fritext"] * 30,
        },
        geometry=gpd.points_from_xy(pts[:, 0], pts[:, 1]),
        crs=CRS,
    )
    rejects = pd.DataFrame(
        {
            "source": ["polis"],
            "source_row": [31],
            "reason": ["missing_xy"],
            "column": ["x"],
            "value": [""],
            "message": ["Koordinat saknas"],
            "raw": ['{"x": ""}'],
        }
    )
    # rates_district: districts × categories × periods (long table)
    rows = []
    for k, did in enumerate(ids):
        for cat in ("alla", "inbrott_bostad"):
            for period in ("hela", "2024"):
                count = (k + 1) * (7 if cat == "alla" else 3) + (period == "hela") * 5
                rows.append(
                    {
                        "district_id": did,
                        "district_name": names[k],
                        "category": cat,
                        "period": period,
                        "count": count,
                        "population": districts["population"].iloc[k],
                        "rate": 1000 * count / 1000.0 * (k + 1),
                        "eb_rate": 10.0 * (k + 1) + (cat == "alla") * 3 + 0.5 * (period == "hela"),
                        "is_focus": k == 0,
                        "geometry": polys[k],
                    }
                )
    rates = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    classes = list(GISTAR_CLASSES)
    gi_rows = []
    for i, cell in enumerate(cells):
        for cat in ("alla", "stold"):
            gi_rows.append(
                {
                    "cell_id": cell["cell_id"],
                    "category": cat,
                    "count": i,
                    "gistar_z": (i - 8) / 2.5,
                    "gistar_p": 0.01 + i / 100,
                    "gistar_q": 0.02 + i / 100,
                    "gistar_class": classes[i % len(classes)],
                    "geometry": cell["geometry"],
                }
            )
    gistar = gpd.GeoDataFrame(gi_rows, geometry="geometry", crs=CRS)
    lisa = gpd.GeoDataFrame(
        {
            "district_id": ids,
            "category": "alla",
            "lisa_i": [1.2, 0.8, -0.5, -0.3],
            "lisa_p": [0.01, 0.02, 0.04, 0.3],
            "lisa_q": [0.02, 0.03, 0.05, 0.4],
            "lisa_cluster": ["HH", "LL", "HL", "not_significant"],
        },
        geometry=polys,
        crs=CRS,
    )
    emerging_codes = list(EMERGING_CATEGORIES)
    emerging = gpd.GeoDataFrame(
        {
            "cell_id": [c["cell_id"] for c in cells],
            "category": "alla",
            "emerging_category": [emerging_codes[i % len(emerging_codes)] for i in range(16)],
            "emerging_mk_z": np.linspace(-2, 2, 16),
            "emerging_mk_p": np.linspace(0.01, 0.9, 16),
            "n_hot_bins": np.arange(16) % 4,
            "n_cold_bins": np.arange(16) % 3,
        },
        geometry=[c["geometry"] for c in cells],
        crs=CRS,
    )
    fc_rows = []
    for method in ("kde", "naive"):
        for i, cell in enumerate(cells):
            fc_rows.append(
                {
                    "cell_id": cell["cell_id"],
                    "category": "alla",
                    "method": method,
                    "score": float((i * 7) % 16) + (0.5 if method == "kde" else 0.0),
                    "rank": i + 1,
                    "in_top_1": i == 0,
                    "in_top_5": i < 2,
                    "in_top_10": i < 3,
                    "geometry": cell["geometry"],
                }
            )
    forecast = gpd.GeoDataFrame(fc_rows, geometry="geometry", crs=CRS)
    near_repeat = pd.DataFrame(
        {
            "distance_band": ["0-100", "100-200"],
            "time_band": ["0-7", "0-7"],
            "observed": [12, 8],
            "expected": [6.0, 7.5],
            "ratio": [2.0, 1.07],
            "p_value": [0.01, 0.4],
        }
    )
    yy, xx = np.mgrid[0:100, 0:100]
    arr = 800.0 * np.exp(-((xx - 60) ** 2 + (yy - 40) ** 2) / 400.0)
    arr[:5, :5] = np.nan
    raster = Raster(
        name="kde_alla",
        array=arr,
        transform=Affine(10.0, 0.0, X0, 0.0, -10.0, Y0 + 1000),
        crs=CRS,
        unit="brott per km²",
        title={"sv": "Täthet, alla brott", "en": "Density, all crimes"},
        description={"sv": "Kärnskattning (kvartisk kärna)", "en": "Kernel density (quartic kernel)"},
        parameters={"kernel": "quartic", "bandwidth": 200.0, "cell_size": 10, "bandwidth_rule": "auto"},
    )
    title_extra = " <b>&amp;</b>" if hostile else ""
    results = RunResults(
        config=config,
        incidents=incidents,
        rejects=rejects,
        districts=districts,
        grid=grid,
        study_area=study_area,
        overlays={"Utsatta områden": study_area.assign(name="Utsatt")},
        record={"seed": 7, "input_hashes": {"incidents.csv": "ab" * 32}, "versions": {"geolage": "0.1.0"}},
        parameters={
            "grid": {"cell_size": 250, "cell_size_rule": "auto (median nearest-neighbour distance)"},
            "density": {"bandwidth": 200.0, "kernel": "quartic"},
        },
        quality={"rows_read": 31, "accepted": 30, "rejected": 1},
    )
    results.add_table(
        Table(
            "rates_district",
            rates,
            {"sv": "Brott per invånare" + title_extra, "en": "Crime rates" + title_extra},
            {"sv": "Antal och takt per område", "en": "Counts and rates per district"},
            count_columns=("count",),
            style="rate",
            style_column="eb_rate",
        )
    )
    results.add_table(
        Table(
            "gistar_grid",
            gistar,
            {"sv": "Hot spots (Gi*), rutnät", "en": "Hot spots (Gi*), grid"},
            count_columns=("count",),
            style="gistar",
            style_column="gistar_class",
        )
    )
    results.add_table(
        Table(
            "lisa_district",
            lisa,
            {"sv": "LISA-kluster", "en": "LISA clusters"},
            style="lisa",
            style_column="lisa_cluster",
        )
    )
    results.add_table(
        Table(
            "emerging_grid",
            emerging,
            {"sv": "Framväxande hot spots", "en": "Emerging hot spots"},
            style="emerging",
            style_column="emerging_category",
        )
    )
    results.add_table(
        Table("forecast_grid", forecast, {"sv": "Prognos", "en": "Forecast"}, style="forecast", style_column="score")
    )
    results.add_table(
        Table("near_repeat", near_repeat, {"sv": "Närupprepning", "en": "Near repeat"}, count_columns=("observed",))
    )
    results.add_table(
        Table(
            "incident_points",
            incidents,
            {"sv": "Händelsepunkter", "en": "Incident points"},
            internal_only=True,
            style="points",
        )
    )
    results.add_raster(raster)
    return results


def read_styles(gpkg: Path) -> dict[str, dict]:
    con = sqlite3.connect(gpkg)
    con.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in con.execute("SELECT * FROM layer_styles")]
    finally:
        con.close()
    return {r["f_table_name"]: r for r in rows}


def renderer(qml: str) -> ET.Element | None:
    return ET.fromstring(qml).find("renderer-v2")


def symbol_colors(rend: ET.Element) -> dict[str, str]:
    """Symbol name -> 'r,g,b' of its fill colour (from the legacy <prop>)."""
    out = {}
    for sym in rend.find("symbols"):
        props = {p.get("k"): p.get("v") for p in sym.find("layer").findall("prop")}
        out[sym.get("name")] = props.get("color", props.get("line_color", "")).rsplit(",", 1)[0]
    return out


@pytest.fixture(scope="module")
def internal_out(tmp_path_factory) -> tuple[Path, RunResults, dict]:
    out = tmp_path_factory.mktemp("internal")
    results = make_results()
    written = write_spatial_outputs(results, out, mode="internal", language="sv")
    return out, results, with_layers(written)


def with_layers(written: dict) -> dict:
    """``written`` plus ``layers`` (GeoPackage layers but layer_styles) and ``rasters`` (GeoTIFF paths)."""
    layers = [n for n, _ in pyogrio.list_layers(written["gpkg"]) if n != "layer_styles"]
    rasters = [p for k, p in written.items() if k.startswith("raster:")]
    return {**written, "layers": layers, "rasters": rasters}


# --------------------------------------------------------------------------- inputs
def test_bad_mode_and_language_raise(tmp_path):
    results = make_results()
    with pytest.raises(ValueError, match="mode needs to be 'public' or 'internal'; got 'open'"):
        write_geopackage(results, tmp_path / "x.gpkg", mode="open")
    with pytest.raises(ValueError, match="language needs to be 'sv' or 'en'; got 'de'"):
        write_geopackage(results, tmp_path / "x.gpkg", mode="internal", language="de")
    assert not (tmp_path / "x.gpkg").exists()


def test_layer_without_crs_raises_and_leaves_no_file(tmp_path):
    results = make_results()
    results.tables["lisa_district"].data = results.tables["lisa_district"].data.set_crs(None, allow_override=True)
    with pytest.raises(CRSMismatchError, match="'lisa_district' needs a CRS"):
        write_geopackage(results, tmp_path / "x.gpkg", mode="internal")
    assert list(tmp_path.iterdir()) == []  # no half-written file, no temporary left behind


def test_geotiff_needs_2d_array(tmp_path):
    raster = make_results().rasters["kde_alla"]
    with pytest.raises(ValueError, match="needs a non-empty 2-D array; got shape"):
        write_geotiff(dataclasses.replace(raster, array=np.zeros(5)), tmp_path / "r.tif")


def test_other_crs_is_reprojected(tmp_path):
    results = make_results()
    lisa = results.tables["lisa_district"]
    lisa.data = lisa.data.to_crs("EPSG:4326")
    write_geopackage(results, tmp_path / "x.gpkg", mode="internal")
    info = pyogrio.read_info(tmp_path / "x.gpkg", layer="lisa_district")
    assert info["crs"] == CRS
    np.testing.assert_allclose(info["total_bounds"], (X0, Y0, X0 + 1000, Y0 + 1000), atol=1e-3)


# --------------------------------------------------------------------------- GeoPackage
def test_geopackage_layers_crs_and_fields(internal_out):
    out, results, written = internal_out
    gpkg = out / GPKG_NAME
    assert written["gpkg"] == gpkg
    layers = dict(pyogrio.list_layers(gpkg))
    expected = {
        "districts",
        "rates_district",
        "gistar_grid",
        "lisa_district",
        "emerging_grid",
        "forecast_grid",
        "near_repeat",
        "incident_points",
        "grid",
        "study_area",
        "overlay_utsatta_omraden",
        "incidents",
        "rejects",
        "run_metadata",
    }
    assert expected <= set(layers), set(layers) ^ expected
    assert sorted(written) == ["gpkg", "layers", "project", "raster:kde_alla", "raster_style:kde_alla", "rasters"]
    assert all(p.exists() for k, p in written.items() if k not in ("layers", "rasters"))
    assert layers["layer_styles"] is None and layers["near_repeat"] is None and layers["run_metadata"] is None
    assert layers["gistar_grid"] == "Polygon" and layers["incidents"] == "Point"
    for name, gtype in layers.items():
        if gtype is not None:
            info = pyogrio.read_info(gpkg, layer=name)
            assert info["crs"] == CRS, name
            assert info["geometry_name"] == "geom"
    gi = pyogrio.read_dataframe(gpkg, layer="gistar_grid")
    assert list(gi.columns) == [*results.tables["gistar_grid"].data.columns.drop("geometry"), "geometry"]
    assert len(gi) == 32
    d = pyogrio.read_dataframe(gpkg, layer="districts")
    assert list(d["district_id"]) == ["D1", "D2", "D3", "D4"]  # index not duplicated
    assert d["is_focus"].dtype == bool
    info = pyogrio.read_info(gpkg, layer="rates_district")
    assert info["layer_metadata"]["IDENTIFIER"] == "Brott per invånare"


def test_run_metadata_layer_holds_record_parameters_and_config(internal_out):
    out, _, _ = internal_out
    meta = pyogrio.read_dataframe(out / GPKG_NAME, layer="run_metadata")
    assert list(meta.columns) == ["section", "key", "value", "value_type"]
    rows = {(s, k): v for s, k, v in zip(meta["section"], meta["key"], meta["value"])}
    assert rows[("record", "seed")] == "7"
    assert rows[("record", "input_hashes.incidents.csv")] == "ab" * 32
    assert rows[("parameters.grid", "cell_size")] == "250"
    assert rows[("parameters.grid", "cell_size_rule")].startswith("auto")
    assert rows[("config", "project.seed")] == "7"
    assert rows[("run", "mode")] == "internal"
    assert rows[("quality", "rejected")] == "1"


def test_layer_styles_table_as_qgis_creates_it(internal_out):
    out, _, written = internal_out
    gpkg = out / GPKG_NAME
    con = sqlite3.connect(gpkg)
    try:
        cols = [r[1] for r in con.execute("PRAGMA table_info(layer_styles)")]
        contents = con.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchone()
    finally:
        con.close()
    assert tuple(cols) == LAYER_STYLES_COLUMNS
    assert contents == ("attributes",)
    styles = read_styles(gpkg)
    assert set(styles) == set(written["layers"])  # every layer has a style ...
    for name, s in styles.items():
        assert s["useAsDefault"] == 1 and s["f_table_schema"] == "" and s["styleName"] == name  # ... as default
        root = ET.fromstring(s["styleQML"])
        assert root.tag == "qgis" and root.get("version").startswith("3.22")
        assert s["f_geometry_column"] == ("geom" if root.find("renderer-v2") is not None else "")


def test_gistar_style_is_categorized_with_classes_colours(internal_out):
    out, _, _ = internal_out
    rend = renderer(read_styles(out / GPKG_NAME)["gistar_grid"]["styleQML"])
    assert rend.get("type") == "categorizedSymbol" and rend.get("attr") == "gistar_class"
    cats = rend.find("categories").findall("category")
    assert [c.get("value") for c in cats] == list(GISTAR_CLASSES)
    assert [c.get("label") for c in cats] == [c.sv for c in GISTAR_CLASSES.values()]
    colors = symbol_colors(rend)
    assert [colors[c.get("symbol")] for c in cats] == [_rgb(c.color) for c in GISTAR_CLASSES.values()]


@pytest.mark.parametrize(
    ("layer", "attr", "classes"),
    [("lisa_district", "lisa_cluster", LISA_CLUSTERS), ("emerging_grid", "emerging_category", EMERGING_CATEGORIES)],
)
def test_lisa_and_emerging_styles(internal_out, layer, attr, classes):
    out, _, _ = internal_out
    rend = renderer(read_styles(out / GPKG_NAME)[layer]["styleQML"])
    assert rend.get("type") == "categorizedSymbol" and rend.get("attr") == attr
    cats = rend.find("categories").findall("category")
    assert [c.get("value") for c in cats] == list(classes)
    colors = symbol_colors(rend)
    assert [colors[c.get("symbol")] for c in cats] == [_rgb(c.color) for c in classes.values()]


def test_rate_style_is_graduated_on_default_view(internal_out):
    out, results, _ = internal_out
    rend = renderer(read_styles(out / GPKG_NAME)["rates_district"]["styleQML"])
    assert rend.get("type") == "graduatedSymbol" and rend.get("attr") == "eb_rate"
    ranges = rend.find("ranges").findall("range")
    data = results.tables["rates_district"].data
    shown = data[(data["category"] == "alla") & (data["period"] == "hela")]["eb_rate"]
    assert len(ranges) == min(5, shown.nunique()) == 4
    assert float(ranges[0].get("lower")) == pytest.approx(shown.min())
    assert float(ranges[-1].get("upper")) == pytest.approx(shown.max())
    assert "," in ranges[0].get("label")  # Swedish decimal comma


def test_field_aliases_in_style(internal_out):
    out, _, _ = internal_out
    root = ET.fromstring(read_styles(out / GPKG_NAME)["gistar_grid"]["styleQML"])
    aliases = {a.get("field"): a.get("name") for a in root.find("aliases")}
    assert aliases["gistar_z"] == COLUMN_LABELS["gistar_z"]["sv"] == "Gi* z-värde"
    assert aliases["fid"] == "Löpnummer"


def test_single_and_points_styles(internal_out):
    out, _, _ = internal_out
    styles = read_styles(out / GPKG_NAME)
    rend = renderer(styles["incidents"]["styleQML"])
    assert rend.get("type") == "singleSymbol"
    assert rend.find("symbols/symbol").get("type") == "marker"
    rend = renderer(styles["districts"]["styleQML"])
    props = {p.get("k"): p.get("v") for p in rend.find("symbols/symbol/layer").findall("prop")}
    assert props["style"] == "no"  # outline only
    assert renderer(styles["near_repeat"]["styleQML"]) is None  # table: aliases only


def test_english_labels(tmp_path):
    write_geopackage(make_results(), tmp_path / "x.gpkg", mode="internal", language="en")
    rend = renderer(read_styles(tmp_path / "x.gpkg")["gistar_grid"]["styleQML"])
    labels = [c.get("label") for c in rend.find("categories")]
    assert labels == [c.en for c in GISTAR_CLASSES.values()]


def test_public_mode_leaves_out_internal_layers(tmp_path):
    pytest.importorskip("geolage.run.disclosure")
    layers = write_geopackage(make_results(), tmp_path / "p.gpkg", mode="public")
    assert "incidents" not in layers and "rejects" not in layers and "incident_points" not in layers
    gi = pyogrio.read_dataframe(tmp_path / "p.gpkg", layer="gistar_grid")
    counts = gi["count"].dropna()
    assert (counts >= 5).all()
    meta = pyogrio.read_dataframe(tmp_path / "p.gpkg", layer="run_metadata")
    assert "public" in set(meta["value"])


def test_hostile_names_survive_and_qml_stays_valid(tmp_path):
    results = make_results(hostile=True)
    out = tmp_path / "h"
    written = write_spatial_outputs(results, out, mode="internal")
    d = pyogrio.read_dataframe(out / GPKG_NAME, layer="districts")
    assert list(d["district_name"]) == HOSTILE_NAMES
    r = pyogrio.read_dataframe(out / GPKG_NAME, layer="rates_district")
    assert set(r["district_name"]) == set(HOSTILE_NAMES)
    assert {n for n, _ in pyogrio.list_layers(out / GPKG_NAME)} >= {"x", "districts"} - {"x"}
    for s in read_styles(out / GPKG_NAME).values():
        ET.fromstring(s["styleQML"])
    root = ET.parse(written["project"]).getroot()  # the project is valid XML too
    assert root.get("projectname") == "Test <lägesbild> & co"
    names = [ml.findtext("layername") for ml in root.iter("maplayer")]
    assert "Brott per invånare <b>&amp;</b>" in names


# --------------------------------------------------------------------------- GeoTIFF
def test_geotiff_profile(internal_out):
    out, results, written = internal_out
    (tif,) = written["rasters"]
    assert tif == out / "kde_alla.tif"
    with rasterio.open(tif) as ds:
        assert ds.crs.to_epsg() == 3006
        assert ds.dtypes == ("float32",)
        assert ds.nodata == NODATA
        assert ds.profile["tiled"] and ds.block_shapes[0] == (256, 256)
        assert ds.compression.name.lower() == "deflate"
        assert len(ds.overviews(1)) >= 1
        assert ds.tags()["UNITS"] == "brott per km²"
        assert ds.tags()["GEOLAGE_BANDWIDTH"] == "200.0"
        assert ds.units == ("brott per km²",)
        assert ds.descriptions == ("Täthet, alla brott",)
        assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        arr = ds.read(1, masked=True)
        assert arr.mask[:5, :5].all() and not arr.mask[50, 50]
        np.testing.assert_allclose(arr.filled(np.nan), results.rasters["kde_alla"].array.astype("float32"))
        assert ds.transform == results.rasters["kde_alla"].transform


def test_geotiff_style_sidecar(internal_out):
    out, _, _ = internal_out
    root = ET.parse(out / "kde_alla.qml").getroot()
    rr = root.find("pipe/rasterrenderer")
    assert rr.get("type") == "singlebandpseudocolor"
    items = rr.findall("rastershader/colorrampshader/item")
    assert len(items) == 5
    assert float(items[-1].get("value")) == pytest.approx(800.0, rel=1e-3)
    assert items[-1].get("label").endswith("brott per km²")


def test_geotiff_without_cog_driver(tmp_path, monkeypatch):
    monkeypatch.setattr(geotiff, "_cog_available", lambda: False)
    tif = write_geotiff(make_results().rasters["kde_alla"], tmp_path / "r.tif")
    with rasterio.open(tif) as ds:
        assert ds.profile["tiled"] and len(ds.overviews(1)) >= 1 and ds.nodata == NODATA
        assert ds.crs.to_epsg() == 3006 and ds.tags()["UNITS"] == "brott per km²"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.qml", "r.tif"]


# --------------------------------------------------------------------------- project
def test_project_groups_layers_and_relative_paths(internal_out):
    out, _, written = internal_out
    root = ET.parse(written["project"]).getroot()
    groups = [g.get("name") for g in root.find("layer-tree-group").findall("layer-tree-group")]
    assert groups == ["Gränser", "Områden", "Hotspots", "Täthet", "Underlag", "Tabeller"]  # outlines on top
    sources = [ml.findtext("datasource") for ml in root.iter("maplayer")]
    assert all(s.startswith("./") for s in sources)
    assert "./kde_alla.tif" in sources
    gi = next(s for s in sources if "layername=gistar_grid" in s)
    assert gi.endswith("|subset=\"category\" = 'alla'")
    rates = next(s for s in sources if "layername=rates_district" in s)
    assert rates.endswith("|subset=\"category\" = 'alla' AND \"period\" = 'hela'")
    fc = next(s for s in sources if "layername=forecast_grid" in s)
    assert fc.endswith("|subset=\"method\" = 'kde'")
    assert {ml.find("srs/spatialrefsys/authid").text for ml in root.iter("maplayer") if ml.find("srs") is not None} == {
        "EPSG:3006"
    }
    assert root.find("projectCrs/spatialrefsys/authid").text == "EPSG:3006"
    ids = [ml.findtext("id") for ml in root.iter("maplayer")]
    assert len(ids) == len(set(ids)) == len(written["layers"]) - 0 + 1  # every layer + 1 raster
    hot = root.find("layer-tree-group/layer-tree-group[@name='Hotspots']")
    assert hot.get("mutually-exclusive") == "1"
    checked = [n.get("id") for n in hot if n.get("checked") == "Qt::Checked"]
    assert len(checked) == 1 and checked[0].startswith("gistar_grid_")


def test_project_ids_are_stable(tmp_path):
    a = write_spatial_outputs(make_results(), tmp_path / "a", mode="internal")
    b = write_spatial_outputs(make_results(), tmp_path / "b", mode="internal")
    ids = [[ml.findtext("id") for ml in ET.parse(w["project"]).getroot().iter("maplayer")] for w in (a, b)]
    assert ids[0]
    assert ids[0] == ids[1]


def test_write_qgis_project_alone(internal_out, tmp_path):
    out, results, written = internal_out
    path = write_qgis_project(results, out, ["districts"], [], language="en", name="only.qgs")
    root = ET.parse(path).getroot()
    assert [ml.findtext("layername") for ml in root.iter("maplayer")] == ["Districts"]
    assert root.find("layer-tree-group/layer-tree-group").get("name") == "Boundaries"


# --------------------------------------------------------------------------- helpers
def test_default_filter():
    df = pd.DataFrame({"category": ["stold", "alla"], "period": ["2023", "2024"], "method": ["a", "a"]})
    assert default_filter(df) == {"category": "alla", "period": "2024"}
    assert default_filter(pd.DataFrame({"category": ["stold"]})) == {}


def test_graduated_classes_fisher_jenks():
    values = [1, 1, 2, 2, 10, 11, 12, 50, 51, 100, np.nan]
    classes = graduated_classes(values, k=5)
    assert len(classes) == 5
    assert classes[0].lower == 1 and classes[-1].upper == 100
    assert all(a.upper == b.lower for a, b in zip(classes, classes[1:]))
    assert graduated_classes([np.nan]) == []
    assert len(graduated_classes([3.0, 3.0])) == 1
    big = graduated_classes(np.arange(5000.0))  # sampled on quantiles: deterministic
    assert big == graduated_classes(np.arange(5000.0)[::-1])


def test_metadata_values_are_json(internal_out):
    out, _, _ = internal_out
    meta = pyogrio.read_dataframe(out / GPKG_NAME, layer="run_metadata")
    for value, vtype in zip(meta["value"], meta["value_type"]):
        if vtype != "str":
            json.loads(value)


def test_result_table_named_like_a_base_layer_replaces_it(tmp_path):
    """The pipeline adds tables "districts" and "grid": their data and style, the base layers' place."""
    results = make_results()
    grid = results.grid.reset_index(drop=True)[["cell_id", "x0", "y0", "geometry"]].assign(count=np.arange(16))
    results.add_table(
        Table("grid", grid, {"sv": "Rutnät med antal", "en": "Grid"}, style="count", style_column="count")
    )
    results.add_table(
        Table("districts", results.districts.reset_index(drop=True), {"sv": "Områden", "en": "Districts"})
    )
    written = write_spatial_outputs(results, tmp_path, mode="internal")
    styles = read_styles(written["gpkg"])
    assert "count" in pyogrio.read_info(written["gpkg"], layer="grid")["fields"]
    assert renderer(styles["grid"]["styleQML"]).get("type") == "graduatedSymbol"
    props = {p.get("k"): p.get("v") for p in renderer(styles["districts"]["styleQML"]).find("symbols/symbol/layer")}
    assert props["style"] == "no"  # still outline only
    root = ET.parse(written["project"]).getroot()
    groups = {g.get("name"): g for g in root.find("layer-tree-group").findall("layer-tree-group")}
    grid_node = groups["Underlag"].find("layer-tree-layer[@source='./lagesbild.gpkg|layername=grid']")
    assert grid_node is not None and grid_node.get("checked") == "Qt::Unchecked"
    assert grid_node.get("name") == "Rutnät med antal"
    d_node = groups["Gränser"].find("layer-tree-layer[@source='./lagesbild.gpkg|layername=districts']")
    assert d_node.get("checked") == "Qt::Checked"


def test_fisher_jenks_breaks_equal_mapclassify():
    """The vectorised natural breaks are mapclassify's, number for number (ties, skew, few values)."""
    import warnings

    import mapclassify

    from geolage.outputs.qgis.styles import fisher_jenks_breaks

    rng = np.random.default_rng(0)
    cases = [(rng.normal(size=120), 5), (rng.poisson(2, 150).astype(float), 5), (np.exp(rng.normal(size=90)), 4),
             (np.repeat([1.0, 2.0, 3.0], 20), 3), (rng.random(30), 2)]
    for values, k in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Numba not installed"
            expected = mapclassify.FisherJenks(values, k=k).bins
        np.testing.assert_array_equal(fisher_jenks_breaks(values, k), expected)
    with pytest.raises(ValueError, match="Fewer unique values"):
        fisher_jenks_breaks(np.array([1.0, 1.0, 2.0]), 3)


def test_project_with_layer_info_as_written_equals_project_reading_the_file(tmp_path, monkeypatch):
    """The QGIS project takes each layer's read_info from the write; reading the file again gives the same project."""
    from geolage.outputs.gpkg import Layer

    calls = []
    real_read_info = pyogrio.read_info

    def counting(*args, **kwargs):
        calls.append(kwargs.get("layer"))
        return real_read_info(*args, **kwargs)

    monkeypatch.setattr(pyogrio, "read_info", counting)
    written = write_spatial_outputs(make_results(), tmp_path / "fast", mode="internal", language="sv")
    layers = [n for n in pyogrio.list_layers(written["gpkg"])[:, 0].tolist() if n != "layer_styles"]
    assert sorted(c for c in calls if c is not None) == sorted(layers)  # once, after each layer's write
    calls.clear()
    monkeypatch.setattr(Layer, "info", property(lambda self: None, lambda self, value: None))  # never kept
    slow = write_spatial_outputs(make_results(), tmp_path / "slow", mode="internal", language="sv")
    assert sorted(c for c in calls if c is not None) == sorted(layers * 2)  # after each write, and in the project

    def text(path):
        return re.sub(r'saveDateTime="[^"]*"', "", Path(path).read_text(encoding="utf-8"))

    assert text(written["project"]) == text(slow["project"])
    assert "<maplayer" in text(written["project"])

"""District polygons drawn from incidents that name their district (planted boundaries), and via init."""

from __future__ import annotations

import html as html_text
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geolage.cli import main
from geolage.config import read_config
from geolage.derived_districts import DERIVED_COLUMNS, districts_from_points
from geolage.errors import ConfigError
from geolage.outputs.report import render_report_html
from geolage.run.prepare import prepare
from geolage.text.report import TEXTS


def _two_halves(shift: float = 0.0) -> gpd.GeoDataFrame:
    """Points on a 100 m lattice, named west where x < shift and east otherwise (no point on the line)."""
    xs, ys = np.meshgrid(np.arange(-950.0, 1000.0, 100.0), np.arange(-950.0, 1000.0, 100.0))
    x, y = xs.ravel() + shift, ys.ravel()
    names = np.where(x < shift, "West side", "East side")
    return gpd.GeoDataFrame({"hood": names}, geometry=gpd.points_from_xy(x, y), crs="EPSG:32610")


def test_planted_boundary_is_halfway_between_the_nearest_incidents():
    pts = _two_halves(shift=1234.0)
    d = districts_from_points(pts, "hood", buffer=200.0)
    assert list(d.columns) == [*DERIVED_COLUMNS, "geometry"]
    assert list(d["name"]) == ["East side", "West side"] and list(d["id"]) == ["east_side", "west_side"]
    assert list(d["n_incidents"]) == [200, 200] and list(d["agreement"]) == [1.0, 1.0]
    east, west = d.geometry.iloc[0], d.geometry.iloc[1]
    # the true boundary x = 1234 lies halfway between the columns at 1184 and 1284
    assert west.bounds[2] == pytest.approx(1234.0, abs=1e-6) and east.bounds[0] == pytest.approx(1234.0, abs=1e-6)
    hull = shapely.MultiPoint(pts.geometry.to_numpy()).convex_hull.buffer(200.0)
    assert (east.area + west.area) == pytest.approx(hull.area, rel=1e-9)  # they tile the study area
    assert east.intersection(west).area == pytest.approx(0.0, abs=1e-6)


def test_a_shared_location_goes_to_its_most_frequent_name_and_agreement_says_so():
    pts = _two_halves()
    extra = gpd.GeoDataFrame({"hood": ["East side", "East side", "West side"]},
                             geometry=gpd.points_from_xy([-50.0] * 3, [50.0] * 3), crs=pts.crs)
    pts = pd.concat([pts, extra], ignore_index=True)  # (-50, 50) was West: now 2 East, 1+1 West there
    d = districts_from_points(pts, "hood", buffer=200.0).set_index("name")
    # 2 West vs 2 East at (-50, 50): tie, the first name in order (East side) takes the cell
    assert shapely.covers(d.loc["East side", "geometry"], shapely.Point(-50.0, 50.0))
    assert d.loc["East side", "n_incidents"] == 202 and d.loc["West side", "n_incidents"] == 201
    assert d.loc["West side", "agreement"] == pytest.approx(199 / 201)
    assert d.loc["East side", "agreement"] == pytest.approx(1.0)


def test_study_area_and_left_out_rows():
    pts = _two_halves()
    pts.loc[0, "hood"] = " "  # no name: left out
    pts.loc[1, "geometry"] = None  # no location: left out
    area = shapely.box(-500, -500, 500, 500)
    d = districts_from_points(pts, "hood", study_area=area)
    assert d.geometry.union_all().area == pytest.approx(area.area)
    assert int(d["n_incidents"].sum()) == 398


def test_refuses_what_cannot_give_districts():
    pts = _two_halves()
    with pytest.raises(ConfigError, match="projected CRS"):
        districts_from_points(pts.to_crs("EPSG:4326"), "hood")
    with pytest.raises(ConfigError, match="at least two names"):
        districts_from_points(pts.assign(hood="one"), "hood")
    with pytest.raises(ConfigError, match="no column 'nope'"):
        districts_from_points(pts, "nope")


def _incidents_csv(path):
    pts = _two_halves(shift=0.0).iloc[::3]
    rng = np.random.default_rng(7)
    df = pd.DataFrame({
        "TYPE": rng.choice(["Mischief", "Other Theft"], len(pts)),
        "YEAR": 2020, "MONTH": rng.integers(1, 13, len(pts)), "DAY": rng.integers(1, 29, len(pts)),
        "HOUR": rng.integers(0, 24, len(pts)), "MINUTE": 0,
        "NEIGHBOURHOOD": pts["hood"].to_numpy(),
        "X": pts.geometry.x.to_numpy() + 491000.0, "Y": pts.geometry.y.to_numpy() + 5459000.0,
    })
    df.to_csv(path, index=False)
    return path


def test_init_hints_at_the_name_column_and_draws_districts_from_it(tmp_path, capsys):
    data = _incidents_csv(tmp_path / "crime.csv")
    plain = tmp_path / "plain.toml"
    assert main(["init", str(data), "--out", str(plain), "--language", "en", "-q"]) == 0
    text = plain.read_text("utf-8")
    assert "# The incidents name their district in column NEIGHBOURHOOD (2 names)" in text
    assert "year = \"YEAR\"" in text and "minute = \"MINUTE\"" in text  # date parts, not YEAR as a date
    cfg = tmp_path / "van.toml"
    assert main(["init", str(data), "--out", str(cfg), "--language", "en", "--crs", "EPSG:26910",
                 "--districts-from", "NEIGHBOURHOOD", "-q"]) == 0
    text = cfg.read_text("utf-8")
    assert "TODO" not in text.split("[project]")[1]
    assert 'path = "van_districts.gpkg"' in text and 'crs = "EPSG:26910"' in text
    config = read_config(cfg)
    assert config.districts is not None and config.districts.name_field == "name"
    layer = gpd.read_file(tmp_path / "van_districts.gpkg")
    assert sorted(layer["name"]) == ["East side", "West side"] and layer.crs.to_epsg() == 26910
    with sqlite3.connect(tmp_path / "van_districts.gpkg") as con:  # QGIS shows how the layer was drawn
        (about,) = con.execute("select description from gpkg_contents where table_name = 'districts'").fetchone()
    assert about.startswith("Approximate districts drawn by geolage from column NEIGHBOURHOOD of crime.csv")
    capsys.readouterr()
    assert main(["validate", str(cfg), "--rejects", str(tmp_path / "rejects.csv"), "-q"]) == 0
    assert "outside every district: 0" in capsys.readouterr().out
    # the run records where the districts came from, and the report says they are approximate
    res = prepare(config)
    assert res.parameters["districts"]["drawn_from_incident_column"] == "NEIGHBOURHOOD"
    html = render_report_html(res, figures=False, language="en")
    assert TEXTS["derived_districts"]["en"].format(column="NEIGHBOURHOOD") in html_text.unescape(html)


def test_init_without_crs_says_how_to_give_it(tmp_path, capsys):
    data = _incidents_csv(tmp_path / "crime.csv")
    assert main(["init", str(data), "--out", str(tmp_path / "x.toml"), "--districts-from", "NEIGHBOURHOOD"]) == 2
    assert "--crs" in capsys.readouterr().err

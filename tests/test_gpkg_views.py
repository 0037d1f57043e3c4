"""Per-district layers written as an attribute table and a spatial view (geolage.outputs.gpkg_views):
read back equal to the same layer written with a polygon per row (the reference path)."""

from __future__ import annotations

import dataclasses
import sqlite3

import numpy as np
import pandas as pd
import pyogrio
import shapely
from fixtures_results import CRS, make_results

from geolage.outputs import gpkg
from geolage.outputs.gpkg import collect_layers, write_geopackage
from geolage.outputs.gpkg_views import ROWS_SUFFIX, district_positions, district_rows
from geolage.run.results import Table


def _with_per_district_tables(results):
    """``results`` plus a long per-area table (``area``: districts and the whole area) and a ``district_id`` one."""
    ids = list(results.districts["district_id"])
    rows = [{"area": a, "area_name": f"Namn {a}", "category": c, "unit": "year", "period": str(y),
             "count": float(k), "count_suppressed": k < 5}
            for k, (a, c, y) in enumerate((a, c, y) for a in ["alla", *ids] for c in ("alla", "stold")
                                          for y in (2021, 2022, 2023))]
    results.add_table(Table("series", pd.DataFrame(rows), {"sv": "Tidsserier", "en": "Series"}))
    funnel = pd.DataFrame({"district_id": ids[::-1], "rate": np.arange(len(ids), dtype=float) + 0.5})
    results.add_table(Table("funnel", funnel, {"sv": "Trattdiagram", "en": "Funnel"}))
    return results


def _reference(results, name, tmp_path):
    """The layer as the reference path writes it: one table, a polygon per row."""
    layer = next(lyr for lyr in collect_layers(results, "sv") if lyr.name == name)
    df = gpkg._prepare_frame(layer.data, CRS, name)
    path = tmp_path / f"reference_{name}.gpkg"
    gpkg._write_table(path, name, df, {"FID": "fid", "GEOMETRY_NAME": "geom"}, first=True)
    return pyogrio.read_dataframe(path, layer=name, fid_as_index=True)


def test_views_read_as_the_tables_with_a_polygon_per_row(tmp_path):
    results = _with_per_district_tables(make_results())
    path = tmp_path / "out.gpkg"
    written = write_geopackage(results, path, mode="internal", language="sv")
    with sqlite3.connect(path) as con:
        kinds = dict(con.execute("SELECT name, type FROM sqlite_master WHERE name IN "
                                 "('series', 'funnel', 'series_rows', 'funnel_rows', 'rates_district')"))
        contents = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))
        styled = {r[0] for r in con.execute('SELECT f_table_name FROM layer_styles WHERE "useAsDefault"')}
    assert kinds == {"series": "view", "funnel": "view", "series_rows": "table", "funnel_rows": "table",
                     "rates_district": "table"}
    assert contents["series"] == contents["funnel"] == "features"
    assert contents["series_rows"] == contents["funnel_rows"] == "attributes"
    assert {"series", "funnel", "series_rows", "funnel_rows"} <= styled
    assert "series_rows" not in written and written.index("series") < written.index("funnel")
    for name in ("series", "funnel"):
        view = pyogrio.read_dataframe(path, layer=name, fid_as_index=True)
        ref = _reference(results, name, tmp_path)
        assert list(view.columns) == list(ref.columns)
        pd.testing.assert_frame_equal(pd.DataFrame(view.drop(columns="geometry")),
                                      pd.DataFrame(ref.drop(columns="geometry")), check_exact=True)
        assert (view.geometry.isna() == ref.geometry.isna()).all()
        assert list(view.geometry.to_wkb()) == list(ref.geometry.to_wkb())
        info, ref_info = pyogrio.read_info(path, layer=name), pyogrio.read_info(tmp_path / f"reference_{name}.gpkg",
                                                                             layer=name)
        assert (info["geometry_type"], info["features"], info["crs"]) == (
            ref_info["geometry_type"], ref_info["features"], ref_info["crs"])
        assert np.allclose(info["total_bounds"], ref_info["total_bounds"], rtol=0, atol=0)
    series = pyogrio.read_dataframe(path, layer="series")
    assert series.loc[series["area"] == "alla", "geometry"].isna().all()  # the whole area: no district polygon
    assert series.loc[series["area"] != "alla", "geometry"].notna().all()
    rows = pyogrio.read_dataframe(path, layer=f"series{ROWS_SUFFIX}")
    assert rows["district_fid"].isna().sum() == (series["area"] == "alla").sum()


def test_district_rows_refuses_what_a_view_cannot_show():
    results = _with_per_district_tables(make_results())
    layer = next(lyr for lyr in collect_layers(results, "sv") if lyr.name == "series")
    districts = results.districts.reset_index(drop=True)
    rows = district_rows(layer.data, "area", districts)
    assert rows is not None and (rows[layer.data["area"].to_numpy() == "alla"] == -1).all()
    moved = districts.copy()
    moved.loc[1, "geometry"] = shapely.affinity.translate(moved.geometry.iloc[1], 1e-6, 0)
    assert district_rows(layer.data, "area", moved) is None  # a polygon not exactly the district's
    twice = pd.concat([districts, districts.iloc[[0]]], ignore_index=True)
    assert district_positions(layer.data["area"], twice["district_id"]) is None  # ids not unique
    assert district_rows(layer.data, None, districts) is None


def test_layer_whose_polygons_differ_from_the_districts_layer_is_written_as_a_table(tmp_path):
    results = _with_per_district_tables(make_results())
    shifted = results.districts.reset_index(drop=True).copy()
    shifted["geometry"] = shifted.geometry.translate(5.0, 0.0)  # the "districts" layer is now this table
    results.add_table(Table("districts", shifted, {"sv": "Områden", "en": "Districts"}))
    path = tmp_path / "out.gpkg"
    write_geopackage(results, path, mode="internal", language="sv")
    with sqlite3.connect(path) as con:
        kinds = dict(con.execute("SELECT name, type FROM sqlite_master WHERE name IN ('series', 'series_rows')"))
    assert kinds == {"series": "table"}
    view = pyogrio.read_dataframe(path, layer="series", fid_as_index=True)
    ref = _reference(dataclasses.replace(results), "series", tmp_path)
    assert list(view.geometry.to_wkb()) == list(ref.geometry.to_wkb())

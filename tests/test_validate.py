"""Validation: every row accepted or rejected with the right reason; counts reconcile."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import CSV_HEADER, write_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geolage.config import read_config
from geolage.errors import CRSMismatchError, InputFileError
from geolage.run.pipeline import prepare
from geolage.validate import mask_personal_numbers

# One row per kind of dirt: (row text, expected reason or fix).
DIRT = [
    ("1,A,370100,6400100,2021-03-01 22:00,", None),  # clean reference row
    ("2,A,,,2021-03-02 23:00,", "missing_coordinates"),
    ("3,A,0,0,2021-03-02 23:00,", "zero_coordinates"),
    ("4,A,abc,6400100,2021-03-02 23:00,", "invalid_coordinates"),
    ("5,A,9000000,9000000,2021-03-02 23:00,", "invalid_coordinates"),
    ("6,X,370300,6400300,2021-03-02 23:00,", "unknown_category"),
    ("7,,370300,6400300,2021-03-02 23:00,", "missing_category"),
    ("8,A,370300,6400300,31/12/2021,", "invalid_date"),
    ("9,A,370300,6400300,2021-13-45,", "invalid_date"),
    ("10,A,370300,6400300,04/03/2021,", "ambiguous_date"),
    ("11,A,370300,6400300,,", "missing_date"),
    ("12,A,370300,6400300,2031-01-01 12:00,", "future_date"),
    ("13,A,370300,6400300,2019-06-01 12:00,", "outside_period"),
    ("14,A,390000,6450000,2021-01-01 12:00,", "outside_study_area"),
    ("15,A,370100,6400100,2021-03-01 22:00,", "duplicate_exact"),  # same as row 1
    ("16,A,370110,6400105,2021-03-01 22:30,", "duplicate_near"),  # 11 m, 30 min from row 1
    ("17,S,6400500,371500,2022-05-05 12:00,", "swapped_axes"),
    ("18,S,12.8254,57.7279,2022-05-05 12:00,", "latlon_in_xy"),
    ("19,S,57.7279,12.8254,2022-05-06 12:00,", "latlon_in_xy;swapped_latlon"),
    ("20,A,372500,6400500,2023-07-01 01:00,Anmälare 811218-9876 ringde", "personnummer"),
    ("21,A,370100,6400900,2021-03-01 22:10,", None),  # 800 m from row 1: not a duplicate
]


@pytest.fixture
def dirty(tmp_path):
    return write_config(tmp_path, CSV_HEADER + "\n".join(r for r, _ in DIRT) + "\n")


# ---------------------------------------------------------------- inputs
def test_district_layer_in_another_crs_is_reprojected(tmp_path, tiny_project, caplog):
    import geopandas as gpd

    original = gpd.read_file(tiny_project.parent / "omraden.gpkg")
    original.to_crs("EPSG:3021").to_file(tiny_project.parent / "omraden.gpkg", layer="omraden", driver="GPKG")
    with caplog.at_level("INFO", logger="geolage.io"):
        res = prepare(read_config(tiny_project))
    assert "omraden.gpkg: reprojected from EPSG:3021 to the run CRS EPSG:3006" in caplog.text
    assert res.districts.crs.to_epsg() == 3006
    # the round trip 3006 -> 3021 -> 3006 returns the same polygons (to well under a metre)
    back = res.districts.geometry.reset_index(drop=True)
    assert back.hausdorff_distance(original.geometry).max() < 0.01


def test_point_source_crs_mismatch_is_an_error(tmp_path):
    from geolage.io import read_layer

    pts = gpd_points(tmp_path / "p.gpkg", "EPSG:3021")
    with pytest.raises(CRSMismatchError, match=r"p.gpkg: layer CRS is EPSG:3021 but the run uses EPSG:3006"):
        read_layer(pts, crs="EPSG:3006")


def gpd_points(path, crs):
    import geopandas as gpd
    import shapely

    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(1400000, 6400000)], crs=crs).to_file(path, driver="GPKG")
    return path


def test_duplicate_district_ids(tmp_path, tiny_project):
    import geopandas as gpd

    p = tiny_project.parent / "omraden.gpkg"
    d = gpd.read_file(p)
    d.loc[2, "omr_id"] = "D1"
    d.to_file(p, layer="omraden", driver="GPKG")
    with pytest.raises(InputFileError, match=r"column 'omr_id' has duplicate district ids: D1"):
        prepare(read_config(tiny_project))


def test_invalid_district_polygon_repaired(tiny_project):
    import geopandas as gpd
    import shapely

    p = tiny_project.parent / "omraden.gpkg"
    d = gpd.read_file(p)
    x, y = 370000, 6400000
    bowtie = shapely.Polygon([(x, y), (x + 1000, y + 1000), (x + 1000, y), (x, y + 1000)])
    d.loc[0, "geometry"] = bowtie
    d.to_file(p, layer="omraden", driver="GPKG")
    r = prepare(read_config(tiny_project))
    assert r.quality["districts"]["repaired"] == 1
    assert r.districts.geometry.is_valid.all()


def test_missing_column_names_file_and_column(tmp_path):
    cfg = write_config(tmp_path, "id,kod,x,y,datum,text\n1,A,370100,6400100,2021-01-01,\n")
    with pytest.raises(InputFileError, match=r"brott.csv: column\(s\) not found: datetime = 'tid'"):
        prepare(read_config(cfg))


def test_wrong_encoding(tmp_path):
    cfg = write_config(tmp_path, CSV_HEADER)
    (tmp_path / "brott.csv").write_bytes((CSV_HEADER + "1,A,370100,6400100,2021-01-01,Bor\xe5s\n").encode("latin-1"))
    with pytest.raises(InputFileError, match="not valid utf-8 text.*set sources.encoding"):
        prepare(read_config(cfg))


def test_unknown_focus_area(tiny_project):
    text = tiny_project.read_text(encoding="utf-8") + '\n[areas]\nfocus = ["Centrum", "Atlantis"]\n'
    tiny_project.write_text(text, encoding="utf-8")
    from geolage.errors import ConfigError

    with pytest.raises(ConfigError, match=r"'areas.focus': no district with name or id 'Atlantis'"):
        prepare(read_config(tiny_project))


# ---------------------------------------------------------------- outputs
def test_each_dirt_kind_is_caught(dirty):
    r = prepare(read_config(dirty))
    rej = r.rejects.set_index("source_row")["reason"].to_dict()
    acc = r.incidents.set_index("source_row")
    for i, (_, expected) in enumerate(DIRT, start=1):
        if expected is None or expected == "personnummer":
            assert i in acc.index, f"row {i} should be accepted"
        elif expected in ("swapped_axes", "latlon_in_xy", "latlon_in_xy;swapped_latlon"):
            assert acc.loc[i, "fixes"] == expected, f"row {i}"
        else:
            assert rej.get(i) == expected, f"row {i}: expected {expected}, got {rej.get(i)}"


def test_fixed_coordinates_land_in_the_right_place(dirty):
    acc = prepare(read_config(dirty)).incidents.set_index("source_row")
    assert acc.loc[17, ["x", "y"]].tolist() == [371500, 6400500]
    # 12.8254 E, 57.7279 N is about (370.5 km E, 6 400.5 km N) in SWEREF 99 TM.
    for row in (18, 19):
        x, y = acc.loc[row, ["x", "y"]]
        assert 369_000 < x < 372_000 and 6_399_500 < y < 6_402_500
        assert acc.loc[row, "district_id"] in ("D1", "D2")


def test_personnummer_masked_everywhere(dirty):
    r = prepare(read_config(dirty))
    assert r.quality["personnummer_masked"] == 1
    text = r.incidents.set_index("source_row").loc[20, "text"]
    assert "811218" not in text and "[personnummer]" in text
    assert not r.rejects["raw"].fillna("").str.contains("811218").any()


def test_counts_reconcile_per_source(dirty):
    r = prepare(read_config(dirty))
    q = r.quality["per_source"]["polis"]
    assert q["read"] == len(DIRT)
    assert q["accepted"] + q["rejected"] == q["read"]
    assert q["accepted"] == len(r.incidents)
    assert sorted(r.incidents["source_row"].tolist() + r.rejects["source_row"].tolist()) == list(
        range(1, len(DIRT) + 1)
    )


def test_reject_rows_keep_their_raw_values(dirty):
    r = prepare(read_config(dirty))
    row = r.rejects.set_index("source_row").loc[8]
    assert json.loads(row["raw"])["tid"] == "31/12/2021"
    assert "31/12/2021" in row["message"]


def test_duplicate_message_names_the_original(dirty):
    r = prepare(read_config(dirty))
    msg = r.rejects.set_index("source_row").loc[15, "message"]
    assert "polis rad 1" in msg


def test_districts_and_cells_assigned(tiny_project):
    r = prepare(read_config(tiny_project))
    inc = r.incidents.set_index("source_row")
    assert inc["district_id"].tolist() == ["D1", "D1", "D2", "D2", "D3", "D3"]
    assert inc["district_name"].tolist() == ["Centrum", "Centrum", "Norr", "Norr", "Söder", "Söder"]
    assert inc["cell_id"].notna().all()
    assert inc.loc[4, "has_clock_time"] == np.False_
    # a date-only time covers the day; the representative time is its middle
    assert inc.loc[4, "time_from"] == pd.Timestamp("2022-06-05")
    assert inc.loc[4, "time_to"] == pd.Timestamp("2022-06-05 23:59:59")


def test_time_window_reversed_and_windows(tmp_path):
    csv = (
        "id,kod,x,y,fran,till\n1,A,370100,6400100,2021-03-01 22:00,2021-03-02 06:00\n"
        "2,A,370500,6400500,2021-03-05 10:00,2021-03-04 10:00\n"
    )
    (tmp_path / "x").mkdir()
    cfg = write_config(tmp_path, csv)
    text = (
        cfg.read_text(encoding="utf-8")
        .replace('datetime = "tid"\n', 'from = "fran"\nto = "till"\n')
        .replace('text = ["text"]\n', "")
    )
    cfg.write_text(text, encoding="utf-8")
    r = prepare(read_config(cfg))
    assert r.rejects["reason"].tolist() == ["time_window_reversed"]
    inc = r.incidents.iloc[0]
    assert inc["time"] == pd.Timestamp("2021-03-02 02:00")


def test_outside_districts_kept_and_counted(tmp_path):
    # The study area is larger than the districts: a point outside every district is kept and counted.
    import geopandas as gpd
    import shapely

    cfg = write_config(tmp_path, CSV_HEADER + "1,A,370100,6400100,2021-01-01,\n2,A,374500,6400500,2021-01-01,\n")
    gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.box(369000, 6399000, 376000, 6402000)], crs="EPSG:3006").to_file(
        tmp_path / "area.gpkg", layer="area", driver="GPKG"
    )
    cfg.write_text(cfg.read_text(encoding="utf-8") + '\n[study_area]\npath = "area.gpkg"\n', encoding="utf-8")
    r = prepare(read_config(cfg))
    assert len(r.incidents) == 2
    assert r.quality["outside_districts"] == 1
    assert r.incidents["district_id"].isna().sum() == 1


_row = st.tuples(
    st.sampled_from(["A", "S", "X", ""]),
    st.one_of(st.floats(369_000, 374_000), st.sampled_from([0.0, float("nan"), 12.3, 6_400_500.0])),
    st.one_of(st.floats(6_399_000, 6_402_000), st.sampled_from([0.0, float("nan"), 57.7, 371_000.0])),
    st.sampled_from(["2021-01-01 10:00", "2021-01-01 10:10", "2031-01-01", "01/02/2021", "", "2022-07-07"]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_row, min_size=1, max_size=30))
def test_nothing_is_lost_property(tmp_path_factory, rows):
    """accepted + rejected == read, for any mix of good and bad rows; no row twice."""
    folder = tmp_path_factory.mktemp("prop")
    lines = [
        f"{i},{c},{'' if np.isnan(x) else x},{'' if np.isnan(y) else y},{t},"
        for i, (c, x, y, t) in enumerate(rows, start=1)
    ]
    cfg = write_config(folder, CSV_HEADER + "\n".join(lines) + "\n")
    r = prepare(read_config(cfg))
    rows_seen = r.incidents["source_row"].tolist() + r.rejects["source_row"].tolist()
    assert sorted(rows_seen) == list(range(1, len(rows) + 1))


def test_shuffled_rows_give_the_same_incidents(tmp_path):
    rng = np.random.default_rng(3)
    lines = [
        f"{i},{'A' if i % 2 else 'S'},{370000 + rng.uniform(0, 3000):.1f},{6400000 + rng.uniform(0, 1000):.1f},"
        f"2021-0{1 + i % 9}-1{i % 10} 1{i % 10}:00,"
        for i in range(1, 60)
    ]
    a = prepare(
        read_config(
            write_config(
                tmp_path / "a" if (tmp_path / "a").mkdir() is None else tmp_path, CSV_HEADER + "\n".join(lines) + "\n"
            )
        )
    )
    rng.shuffle(lines)
    (tmp_path / "b").mkdir()
    b = prepare(read_config(write_config(tmp_path / "b", CSV_HEADER + "\n".join(lines) + "\n")))
    key = ["incident_id", "category", "x", "y", "district_id", "cell_id"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(a.incidents[key]).sort_values("incident_id").reset_index(drop=True),
        pd.DataFrame(b.incidents[key]).sort_values("incident_id").reset_index(drop=True),
    )


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("811218-9876", 1),
        ("19811218-9876", 1),
        ("198112189876", 1),
        ("811218+9876", 1),
        ("811278-9873", 1),  # samordningsnummer (day + 60) with valid check digit
        ("811218-9874", 1),  # mistyped check digit: masked too (issue 10)
        ("ärende 1234567890", 0),
        ("tel 070-123 45 67", 0),
    ],
)
def test_mask_personal_numbers(text, n):
    masked, count = mask_personal_numbers(text)
    assert count == n
    assert ("[personnummer]" in masked) == (n > 0)


def test_date_split_over_columns(tmp_path):
    """Vancouver-style YEAR/MONTH/DAY/HOUR/MINUTE columns; X = 0 hides offences against the person."""
    csv = (
        "id,kod,x,y,YEAR,MONTH,DAY,HOUR,MINUTE\n"
        "1,A,370100,6400100,2021,3,1,22,5\n"
        "2,A,0,0,2021,3,1,22,5\n"
        "3,S,370500,6400500,2021,2,30,10,0\n"
        "4,S,370600,6400600,2022,7,4,,\n"
    )
    cfg = write_config(tmp_path, csv)
    text = cfg.read_text(encoding="utf-8").replace(
        'datetime = "tid"\n', 'year = "YEAR"\nmonth = "MONTH"\nday = "DAY"\nhour = "HOUR"\nminute = "MINUTE"\n'
    )
    cfg.write_text(text.replace('text = ["text"]\n', ""), encoding="utf-8")
    r = prepare(read_config(cfg))
    inc = r.incidents.set_index("source_row")
    assert inc.loc[1, "time"] == pd.Timestamp("2021-03-01 22:05")
    assert not inc.loc[4, "has_clock_time"]
    assert r.rejects.set_index("source_row")["reason"].to_dict() == {2: "zero_coordinates", 3: "invalid_date"}


def test_assign_districts_equals_sjoin():
    """The prepared point-in-polygon assignment gives what geopandas' sjoin gives (first district on a boundary)."""
    import shapely

    from geolage.validate import assign_districts

    rng = np.random.default_rng(3)
    # a 3 x 3 block of squares plus a concave L and an overlapping square; points on edges and vertices too
    polys = [shapely.box(i * 100.0, j * 100.0, (i + 1) * 100.0, (j + 1) * 100.0) for i in range(3) for j in range(3)]
    polys.append(shapely.Polygon([(300, 0), (400, 0), (400, 300), (350, 300), (350, 50), (300, 50)]))
    polys.append(shapely.box(50, 50, 150, 150))
    d = gpd.GeoDataFrame({"district_id": [f"d{i}" for i in range(len(polys))]}, geometry=polys, crs="EPSG:3006")
    x = np.r_[rng.uniform(-20, 420, 5000), np.arange(0, 401, 50.0), [np.nan, 325.0]]
    y = np.r_[rng.uniform(-20, 320, 5000), np.full(9, 100.0), [5.0, 200.0]]
    got = assign_districts(x, y, d)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=d.crs)
    joined = gpd.sjoin(pts, d, predicate="intersects", how="inner")
    first = joined.reset_index().sort_values(["index", "index_right"]).drop_duplicates("index")
    want = np.full(len(x), None, dtype=object)
    want[first["index"].to_numpy()] = first["district_id"].to_numpy()
    assert got.tolist() == want.tolist()
    assert got[-1] is None  # inside the L's notch: outside every district
    assert got[5000 + 1] == "d0"  # (50, 100): on the edge of d0/d1 and inside the overlapping square: d0 first
    # the caller's points (made once for districts and geometry): the same assignment
    assert assign_districts(x, y, d, points=shapely.points(x, y)).tolist() == got.tolist()

"""Incidents that name their district (``[sources.columns] district``) joined to the district layer (issue 11)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import write_config

from geolage.config import read_config
from geolage.district_names import district_column, district_lookup, match_district_names
from geolage.errors import ConfigError
from geolage.run.pipeline import prepare

REAL = Path(__file__).resolve().parent.parent / "data" / "real_world"


def test_lookup_matches_ids_and_names_without_case_or_spaces_ids_first():
    d = gpd.GeoDataFrame({"district_id": ["D1", "D2", "Norr"], "district_name": ["Centrum", "Norr", "Söder"]},
                         geometry=[shapely.Point(0, 0)] * 3)
    lookup = district_lookup(d)
    values = pd.Series(["d1", " centrum ", "NORR", "Söder", "", None, "Väster"])
    district, unknown = match_district_names(values, lookup)
    # "Norr" is D2's name and the third district's id: the id wins
    assert district.tolist() == ["D1", "D1", "Norr", "Norr", None, None, None]
    assert unknown.tolist() == [False, False, False, False, False, False, True]


def _named_project(tmp_path: Path) -> Path:
    rows = [  # id, code, x, y, time, text, district named
        "1,A,370100,6400100,2021-03-01 22:00,,D2",  # point in D1 (Centrum), names D2: D2
        "2,A,370200,6400200,2021-03-02 22:00,,söder",  # point in D1, names Söder by name: D3
        "3,A,370300,6400300,2021-03-03 22:00,,",  # empty: placed by its point, D1
        "4,A,371300,6400300,2021-03-04 22:00,,Väster",  # no such district: rejected
        "5,S,372300,6400300,2021-03-05 22:00,,D3",
    ]
    cfg = write_config(tmp_path, "id,kod,x,y,tid,text,omr\n" + "\n".join(rows) + "\n",
                       extra="[validation]\nmax_rejected_share = 0.5\n")
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('datetime = "tid"', 'datetime = "tid"\ndistrict = "omr"'),
                   encoding="utf-8")
    return cfg


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_named_district_wins_unknown_names_are_rejected_with_the_fix(tmp_path, language):
    cfg = read_config(_named_project(tmp_path))
    import dataclasses

    cfg = dataclasses.replace(cfg, project=dataclasses.replace(cfg.project, language=language))
    res = prepare(cfg)
    inc = res.incidents.sort_values("source_row")
    assert inc["source_row"].tolist() == [1, 2, 3, 5]
    assert inc["district_id"].tolist() == ["D2", "D3", "D1", "D3"]
    assert inc["district_name"].tolist() == ["Norr", "Söder", "Centrum", "Söder"]
    assert "__named_district" not in inc.columns
    rej = res.rejects
    assert rej["source_row"].tolist() == [4] and rej["reason"].tolist() == ["unknown_district"]
    assert rej["column"].tolist() == ["omr"] and rej["value"].tolist() == ["Väster"]
    words = {"sv": "Området 'Väster' i kolumnen omr finns inte i områdesskiktet",
             "en": "The district 'Väster' in column omr is not in the district layer"}[language]
    assert rej["message"].iloc[0].startswith(words)
    q = res.quality["per_source"]["polis"]
    assert q["read"] == 5 and q["accepted"] + q["rejected"] == 5 and q["rejected_by_reason"] == {"unknown_district": 1}


def test_a_district_column_needs_a_district_layer(tmp_path):
    cfg = _named_project(tmp_path)
    text = cfg.read_text(encoding="utf-8")
    start, end = text.index("[districts]"), text.index("[[sources]]")
    cfg.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(ConfigError, match="'sources.columns.district' of source 'polis' names districts"):
        read_config(cfg)


def test_manchester_lsoa_codes_join_the_lsoa_layer(tmp_path):
    """police.uk names each burglary's LSOA; by code every incident is in its LSOA, by point 1 in 120 is not."""
    crimes = pd.read_csv(REAL / "manchester" / "manchester_burglary_2017.csv", dtype=str)
    lsoa = gpd.read_file(REAL / "manchester" / "manchester_lsoa_2011.gpkg")
    points = gpd.GeoDataFrame(crimes, geometry=gpd.points_from_xy(crimes["x"].astype(float),
                                                                   crimes["y"].astype(float)), crs=lsoa.crs)
    by_point = gpd.sjoin(points, lsoa[["lsoa_code", "geometry"]].rename(columns={"lsoa_code": "poly"}),
                         predicate="intersects").groupby(level=0)["poly"].first()
    differ = np.flatnonzero(by_point.reindex(crimes.index).to_numpy() != crimes["lsoa_code"].to_numpy())
    assert 50 <= len(differ) <= 80  # 66 of 8,144: points on or across a boundary
    part = crimes.iloc[np.r_[differ[:20], np.arange(0, 8144, 40)]].reset_index(drop=True)
    part.loc[3, "lsoa_code"] = "E01999999"  # no such LSOA
    data = tmp_path / "burglary.csv"
    part.to_csv(data, index=False)
    example = (REAL / "examples" / "manchester.toml").read_text(encoding="utf-8")
    assert '\ndistrict = "lsoa_code"  # all 8144 rows name a district of the layer' in example  # init found it
    cfg = tmp_path / "manchester.toml"
    cfg.write_text(
        example.replace('"../manchester/manchester_burglary_2017.csv"', f'"{data.as_posix()}"')
        .replace('"../manchester/', f'"{(REAL / "manchester").as_posix()}/'),
        encoding="utf-8",
    )
    res = prepare(read_config(cfg))
    inc = res.incidents
    named = part["lsoa_code"].to_numpy()[inc["source_row"].to_numpy() - 1]
    assert (inc["district_id"].to_numpy() == named).all()
    assert len(inc) == len(part) - 1
    assert res.rejects["reason"].tolist() == ["unknown_district"] and res.rejects["source_row"].tolist() == [4]
    # the 19 accepted incidents whose point lies in another LSOA keep their point for the grid
    moved = inc[inc["source_row"] <= 20]
    assert len(moved) == 19
    assert (moved["x"].to_numpy() == part["x"].astype(float).to_numpy()[moved["source_row"].to_numpy() - 1]).all()


def test_init_finds_the_column_that_names_the_districts():
    keys = frozenset({"E01", "E02", "Manchester 001A", "Manchester 002A"})
    counts = {
        "lsoa_code": pd.Series({"E01": 5, "E02": 4}),
        "lsoa_name": pd.Series({"manchester 001a": 5, "Elsewhere": 4}),  # 5 of 9 by name, case aside
        "street": pd.Series({"High St": 9}),
    }
    assert district_column(counts, keys) == ("lsoa_code", 9, 9)
    assert district_column({"lsoa_name": counts["lsoa_name"]}, keys) == ("lsoa_name", 5, 9)
    assert district_column({"street": counts["street"], "few": pd.Series({"E01": 1, "x": 2})}, keys) is None

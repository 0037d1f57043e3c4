"""geolage init: a runnable, commented configuration from the user's files; validate's exit code and hints."""

from __future__ import annotations

import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geolage.cli import main
from geolage.config import read_config
from geolage.init import guess_run_crs, init_config, inspect_source, suggest_category
from geolage.run.pipeline import prepare

REAL = Path(__file__).resolve().parent.parent / "data" / "real_world"


def _memphis(n: int = 120) -> pd.DataFrame:
    """Every 18th Memphis robbery (spread over the year and across the UTM 15/16 edge)."""
    df = pd.read_csv(REAL / "memphis" / "memphis_robberies_2019.csv", dtype={"uid": str})
    return df.iloc[:: max(len(df) // n, 1)].head(n).reset_index(drop=True)


def _init(tmp_path: Path, *files: Path, **kw) -> tuple[Path, str]:
    out = tmp_path / "geolage.toml"
    assert main(["init", *map(str, files), "--out", str(out), "-q", *sum(([f"--{k.replace('_', '-')}", str(v)]
                                                                            for k, v in kw.items()), [])]) == 0
    return out, out.read_text(encoding="utf-8")


# ---------------------------------------------------------------- every input format
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "gpkg", "geojson", "parquet"])
def test_init_reads_every_format_and_the_config_validates(tmp_path, fmt):
    df = _memphis()
    path = tmp_path / f"robberies.{fmt}"
    if fmt == "csv":
        df.to_csv(path, index=False, sep=";")  # a semicolon file: the delimiter is sniffed
    elif fmt == "xlsx":
        df.to_excel(path, index=False, sheet_name="data")
    else:  # point layers: the geometry gives the place (lon/lat columns dropped)
        gdf = gpd.GeoDataFrame(df.drop(columns=["longitude", "latitude", "x", "y"]),
                               geometry=gpd.points_from_xy(df["x"], df["y"]), crs="EPSG:32616")
        if fmt == "parquet":
            gdf.to_parquet(path)
        else:
            gdf.to_file(path, driver={"gpkg": "GPKG", "geojson": "GeoJSON"}[fmt])
    cfg_path, text = _init(tmp_path, path)
    assert "TODO" not in text.split("\n", 5)[-1]  # nothing left to decide (the header explains TODO)
    tomllib.loads(text)
    cfg = read_config(cfg_path)
    src = cfg.sources[0]
    assert src.columns.id == "uid" and src.columns.category == "offense_type"
    assert src.columns.datetime == "datetime" and src.date_format is None
    assert cfg.project.crs == "EPSG:32616" and cfg.districts is None
    if fmt in ("csv", "xlsx"):
        assert (src.columns.lon, src.columns.lat) == ("longitude", "latitude")
    else:
        assert src.columns.lon is None and src.columns.x is None and src.crs == "EPSG:32616"
    assert src.categories == {"personal robbery": "ran"}  # the name says robbery
    res = prepare(cfg)
    q = res.quality
    assert q["read"] == len(df) and q["accepted"] + q["rejected"] == q["read"]
    assert q["rejected"] == 0
    assert res.districts["district_id"].tolist() == ["study_area"]
    assert res.study_area.geometry.iloc[0].contains(gpd.points_from_xy(res.incidents["x"], res.incidents["y"])).all()


def test_init_manchester_with_districts_population_and_month_dates(tmp_path):
    m = REAL / "manchester"
    cfg_path, text = _init(tmp_path, m / "manchester_burglary_2017.csv", districts=m / "manchester_lsoa_2011.gpkg",
                           population=m / "manchester_lsoa_population_2011.csv")
    cfg = read_config(cfg_path)
    assert cfg.project.crs == "EPSG:27700"  # from the district layer; the x/y lie inside it
    assert cfg.sources[0].crs == "EPSG:27700" and cfg.sources[0].date_format == "%Y-%m"
    assert (cfg.districts.id_field, cfg.districts.name_field) == ("lsoa_code", "lsoa_name")
    assert cfg.districts.population_field == "resident_pop_2011"
    assert (cfg.periods.start.isoformat(), cfg.periods.end.isoformat()) == ("2017-01-01", "2017-12-31")
    assert cfg.custom_categories == {"burglary": "Burglary"}  # no built-in category fits 'Burglary' exactly
    assert "month only" in text
    res = prepare(cfg)
    assert res.quality["accepted"] == 8144 and res.quality["rejected"] == 0
    assert res.districts["population"].notna().all()


def test_init_detects_day_first_dates_date_plus_time_and_windows(tmp_path):
    p = tmp_path / "reports.csv"
    p.write_text("case_no,crime_type,lon,lat,date,time,description\n"
                 "A1,Criminal damage,18.06,59.33,13/01/2024,22:15,a window was broken at the back door\n"
                 "A2,Theft of bicycle,18.07,59.34,02/02/2024,08:05,bicycle stolen from the rack outside\n"
                 "A3,Criminal damage,18.08,59.32,28/02/2024,,paint sprayed on the wall of the school\n",
                 encoding="utf-8")
    g = inspect_source(p)
    assert g.columns["date"] == "date" and g.columns["time"] == "time" and g.date_format == "%d/%m/%Y"
    assert g.columns["id"] == "case_no" and g.columns["text"] == ["description"]
    assert (g.first.isoformat(), g.last.isoformat()) == ("2024-01-13", "2024-02-28")
    text, _ = init_config([p], out=tmp_path / "c.toml", language="sv")
    assert 'crs = "EPSG:3006"' in text  # Stockholm: SWEREF 99 TM
    assert '"Criminal damage" = "skadegorelse"' in text and '"Theft of bicycle" = "theft_of_bicycle"' in text
    assert "Egna kategorier" in text  # Swedish comments
    w = tmp_path / "windows.csv"
    w.write_text("id,type,x,y,date_from,date_to\n1,Burglary residential,370100,6400100,2024-01-01 08:00,"
                 "2024-01-01 17:00\n2,Burglary residential,370300,6400300,2024-01-03 09:00,2024-01-04 10:00\n",
                 encoding="utf-8")
    g = inspect_source(w)
    assert (g.columns["from"], g.columns["to"]) == ("date_from", "date_to")
    assert suggest_category("Burglary residential") == "inbrott_bostad"


def test_guess_run_crs():
    assert guess_run_crs(-89.9, 35.1) == "EPSG:32616"  # Memphis
    assert guess_run_crs(-84.5, 39.1) == "EPSG:32616"  # Cincinnati
    assert guess_run_crs(-123.1, 49.3) == "EPSG:32610"  # Vancouver
    assert guess_run_crs(151.2, -33.9) == "EPSG:32756"  # Sydney (south)
    assert guess_run_crs(12.9, 57.7) == "EPSG:3006"  # Borås


# ---------------------------------------------------------------- CRS edge
def test_lonlat_across_the_utm_zone_edge_is_accepted_far_away_is_refused(tmp_path):
    df = _memphis(400)
    west = df["longitude"] < -90  # in UTM zone 15, outside the area of use of EPSG:32616
    assert west.sum() > 50
    far = df.iloc[:1].assign(uid="far", longitude=10.0, latitude=50.0)  # Germany: not a sensible UTM 16 point
    path = tmp_path / "r.csv"
    pd.concat([df, far]).to_csv(path, index=False)
    cfg_path, _ = _init(tmp_path, path)
    res = prepare(read_config(cfg_path))
    rej = res.rejects
    assert rej["reason"].tolist() == ["invalid_coordinates"]
    assert "outside the area where EPSG:32616 is valid" in rej["message"].iloc[0]
    assert res.quality["accepted"] == len(df)
    # the same points as x/y in EPSG:32616 give the same places (to a millimetre)
    inc = res.incidents.sort_values("source_row")
    assert (inc["x"].to_numpy() - df["x"].to_numpy()).max() < 1e-3


# ---------------------------------------------------------------- validate: exit code, hints, rejects file
def test_validate_exits_2_with_the_fix_on_the_console_and_replaces_its_rejects(tmp_path, capsys):
    df = _memphis(60)
    df["datetime"] = pd.to_datetime(df["datetime"]).dt.strftime("%d/%m/%Y %H:%M")  # not ISO
    path = tmp_path / "r.csv"
    df.to_csv(path, index=False)
    cfg_path, text = _init(tmp_path, path)
    assert 'date_format = "%d/%m/%Y %H:%M"' in text  # init found the format …
    broken = cfg_path.read_text(encoding="utf-8").replace('date_format = "%d/%m/%Y %H:%M"', "")
    cfg_path.write_text(broken, encoding="utf-8")  # … a hand-written config without it loses rows
    rejects = tmp_path / "rejects.csv"
    assert main(["validate", str(cfg_path), "--rejects", str(rejects), "-q"]) == 2  # over the limit: an error
    out = capsys.readouterr()
    assert "set sources.date_format for other forms" in out.out
    assert "unreadable date" in out.out and "invalid_date" not in out.out  # the reason in words, with its fix
    assert "more than the limit validation.max_rejected_share = 10%" in out.err
    first = pd.read_csv(rejects)
    assert len(first) > 0.35 * len(df)
    # re-validating replaces its own rejects file; a fixed config exits 0 and empties it
    cfg_path.write_text(text, encoding="utf-8")
    assert main(["validate", str(cfg_path), "--rejects", str(rejects), "-q"]) == 0
    assert len(pd.read_csv(rejects)) == 0
    # a file geolage did not write is not replaced
    other = tmp_path / "mine.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["validate", str(cfg_path), "--rejects", str(other), "-q"]) == 2
    assert other.read_text(encoding="utf-8") == "a,b\n1,2\n"


def test_init_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "geolage.toml"
    out.write_text("# mine\n", encoding="utf-8")
    assert main(["init", str(REAL / "cincinnati" / "cincinnati_burglary_2017.csv"), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "# mine\n"


def test_near_repeat_auto_picks_a_category_the_data_has():
    from geolage.run.steps.near_repeat import resolve_near_repeat_category

    inc = pd.DataFrame({"category": ["ran", "ran", "stold", "inbrott_bostad"]})
    assert resolve_near_repeat_category("auto", inc) == "inbrott_bostad"  # the classic near-repeat crime
    assert resolve_near_repeat_category("auto", inc[inc["category"] != "inbrott_bostad"]) == "ran"  # most frequent
    assert resolve_near_repeat_category("auto", pd.DataFrame({"category": ["b", "a", "b", "a"]})) == "a"  # tie
    assert resolve_near_repeat_category("stold", inc) == "stold"  # a given category is kept


def test_info_lines_are_short_at_the_default_level():
    import logging

    from geolage.cli import MAX_LOG_LINE, _ShortFormatter

    f = _ShortFormatter("%(levelname)s %(name)s: %(message)s")
    long = logging.LogRecord("geolage.x", logging.INFO, __file__, 1, "p = " + "x" * 500, None, None)
    line = f.format(long)
    assert len(line) == MAX_LOG_LINE == 200 and line.endswith("…") and line.startswith("INFO geolage.x: p = xx")
    warn = logging.LogRecord("geolage.x", logging.WARNING, __file__, 1, "w" * 500, None, None)
    assert len(f.format(warn)) > 500  # warnings are never cut

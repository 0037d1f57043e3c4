"""Tests of the SYNTHETIC Borås demo data set (data/demo, data/boras_demo.toml, scripts/make_demo_data.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import math
import re
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geolage.categories import BRA_GROUPS
from geolage.config import read_config

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
DEMO = DATA / "demo"
CONFIG = DATA / "boras_demo.toml"
YEARS = range(2014, 2026)
#: Share of the geocoded Brå volume the demo holds (data/README.md)
SAMPLE_SHARE = 0.6

REJECT_CODES = {"missing_coordinates", "zero_coordinates", "outside_study_area", "invalid_date", "future_date",
                "time_window_reversed", "unknown_category", "duplicate_exact", "duplicate_near"}
FIX_CODES = {"latlon_in_xy", "swapped_axes", "swapped_latlon"}
ISO_MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$")


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def cfg():
    return read_config(CONFIG)


@pytest.fixture(scope="module")
def truth():
    return json.loads((DEMO / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tables():
    police = pd.read_csv(DEMO / "polisen_anmalningar.csv", dtype=str, keep_default_na=False)
    municipal = pd.read_excel(DEMO / "kommun_skadegorelse_klotter.xlsx", sheet_name="arenden", dtype=object,
                              engine="openpyxl")
    fire = gpd.read_file(DEMO / "raddningstjansten_bilbrander.gpkg", layer="bilbrander")
    return {"polisen": police, "kommunen": municipal, "raddningstjansten": fire}


@pytest.fixture(scope="module")
def dirt(truth):
    return {(r["source"], r["row"]): r for r in truth["dirt"]["rows"]}


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _row(tables, source, row):
    return tables[source].iloc[row - 1]


def _year_and_category(cfg, tables, source):
    """(category, year) of each row of a source, from its own columns."""
    src = {s.name: s for s in cfg.sources}[source]
    t = tables[source]
    cat = t[src.columns.category].astype(str).map(src.categories)
    if source == "polisen":  # the year of the middle of the window, as validation counts it
        t0 = pd.to_datetime(t["tid_fran"], format="%Y-%m-%d %H:%M", errors="coerce")
        t1 = pd.to_datetime(t["tid_till"], format="%Y-%m-%d %H:%M", errors="coerce")
        year = (t0 + (t1 - t0) / 2).dt.year.astype("Int64").astype(str)
    elif source == "kommunen":
        year = t["datum"].astype(str).str[:4]
    else:
        year = pd.to_datetime(t["larmtid"]).dt.year.astype(str)
    return cat, year


# ----------------------------------------------------------------------------- config
def test_config_loads_and_points_at_demo_files(cfg):
    assert cfg.project.synthetic is True
    assert cfg.project.municipality_code == "1490"
    assert cfg.project.as_of == dt.date(2026, 6, 30)
    assert cfg.project.bra_totals.is_file()
    assert [s.name for s in cfg.sources] == ["polisen", "kommunen", "raddningstjansten"]
    assert all(s.path.is_file() for s in cfg.sources)
    assert cfg.periods.start == dt.date(2014, 1, 1) and cfg.periods.end == dt.date(2025, 12, 31)
    # baseline = the period of the previous Norrby lägesbild
    assert cfg.periods.baseline == (dt.date(2014, 1, 1), dt.date(2019, 12, 31))
    assert cfg.periods.current == (dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    hh, norrby = cfg.areas.focus  # two named focus areas: one lägesbild each
    assert (hh.name, len(hh.districts), hh.previous) == ("Hässleholmen/Hulta", 4, None)
    assert (norrby.name, norrby.districts) == ("Norrby", ("Norrby",))
    assert norrby.previous == (dt.date(2014, 1, 1), dt.date(2019, 12, 31))  # the previous Norrby lägesbild
    assert [o.layer for o in cfg.overlays] == ["uso_2023", "uso_2025"]


def test_sources_have_the_documented_columns(tables):
    assert list(tables["polisen"].columns) == ["anmalan_id", "brottskod", "brottsbenamning", "tid_fran", "tid_till",
                                               "x_sweref99tm", "y_sweref99tm", "fritext"]
    assert list(tables["kommunen"].columns) == ["arendenummer", "kategori", "datum", "klockslag", "lat", "lon",
                                                "platstyp", "beskrivning"]
    fire = tables["raddningstjansten"]
    assert fire.crs.to_epsg() == 3006
    assert {"handelsenummer", "handelsetyp", "larmtid", "fordonstyp", "bedomd_orsak"} <= set(fire.columns)
    assert "chain" not in " ".join(tables["polisen"].columns)
    for t, col in [(tables["polisen"], "anmalan_id"), (tables["kommunen"], "arendenummer"),
                   (fire, "handelsenummer")]:
        assert t[col].is_unique


# ----------------------------------------------------------------------------- volumes
def test_shares_are_documented_and_realistic(truth):
    vol = truth["volumes"]
    assert all(0.6 <= s <= 0.8 for s in vol["geocoded_share"].values())
    for unit in ("person", "vandalism"):
        assert math.isclose(sum(vol["category_split"][unit].values()), 1.0)


def test_clean_counts_match_bra_times_geocoded_share(cfg, truth, tables):
    bra = pd.read_csv(cfg.project.bra_totals, dtype={"kommun_kod": str})
    bra = bra[bra["kommun_kod"] == "1490"].set_index(["category", "period"])["reported_offences"]
    vol = truth["volumes"]
    expected = {}
    for unit, split in vol["category_split"].items():
        for y in YEARS:
            n = bra[("theft", y)] - bra[("burglary", y)] if unit == "theft_excl_burglary" else bra[(unit, y)]
            for cat, frac in split.items():
                expected[(cat, str(y))] = math.floor(n * vol["geocoded_share"][unit] * vol["sample_share"] * frac + 0.5)
    rejected = {(r["source"], r["row"]) for r in truth["dirt"]["rows"] if r["action"] == "reject"}
    got: dict[tuple[str, str], int] = {}
    for source in tables:
        cat, year = _year_and_category(cfg, tables, source)
        keep = [(source, i) not in rejected for i in range(1, len(cat) + 1)]
        for key, n in pd.DataFrame({"c": cat[keep], "y": year[keep]}).value_counts().items():
            got[key] = got.get(key, 0) + int(n)
    assert got == expected
    # per Brå group: the data count is Brå × share (× modelled split), within rounding
    for g, cats in BRA_GROUPS.items():
        for y in YEARS:
            data = sum(got[(c, str(y))] for c in cats)
            assert data == next(r["data_count"] for r in vol["bra_groups"] if r["bra_group"] == g and r["year"] == y)


def test_yearly_group_totals_follow_bra_times_shares_from_2014(cfg, truth):
    """Per Brå group and year 2014–2025: data = Brå × geocoded share × sample share × modelled split.

    Independent of the generator's rule: Brå's yearly file read here, the shares written out;
    the only slack is rounding (at most 0.5 per category). The sample share is the documented one.
    """
    assert truth["volumes"]["sample_share"] == SAMPLE_SHARE
    bra = pd.read_csv(cfg.project.bra_totals, dtype={"kommun_kod": str})
    bra = bra[bra["kommun_kod"] == "1490"].set_index(["category", "period"])["reported_offences"]
    planned = {  # Brå group: (Brå count of the unit, geocoded share, modelled share of the unit)
        "person": (lambda y: bra[("person", y)], 0.70, 1.0),
        "burglary": (lambda y: bra[("burglary", y)], 0.80, 0.45),
        "vandalism": (lambda y: bra[("vandalism", y)], 0.75, 1.0),
        "drugs_weapons": (lambda y: bra[("drugs_weapons", y)], 0.60, 0.93),
    }
    rows = {(r["bra_group"], r["year"]): r for r in truth["volumes"]["bra_groups"]}
    assert {y for _, y in rows} == set(YEARS)
    for g, (unit_count, share, modelled) in planned.items():
        for y in YEARS:
            want = unit_count(y) * share * SAMPLE_SHARE * modelled
            n_cats = len(BRA_GROUPS[g])
            assert abs(rows[(g, y)]["data_count"] - want) <= 0.5 * n_cats, (g, y)
            assert rows[(g, y)]["bra_count"] == bra[(g, y)]
    # theft (incl. burglary): theft − burglary at 0.65 (all of it) + burglary at 0.8 × 0.45
    for y in YEARS:
        want = ((bra[("theft", y)] - bra[("burglary", y)]) * 0.65 + bra[("burglary", y)] * 0.80 * 0.45) * SAMPLE_SHARE
        assert abs(rows[("theft", y)]["data_count"] - want) <= 1.5, y
    # 2014 is in the data and about as large as Brå says (higher theft then than in 2025)
    assert rows[("theft", 2014)]["data_count"] > rows[("theft", 2025)]["data_count"]


def test_sample_share_is_documented_in_the_readme(truth):
    text = (DATA / "README.md").read_text(encoding="utf-8")
    assert f"sample share {truth['volumes']['sample_share']:.0%}".replace("%", " %") in text
    assert "2014–2025" in text


# ----------------------------------------------------------------------------- planted patterns
def test_ground_truth_documents_every_field_and_pattern(truth):
    assert truth["synthetic"] is True
    assert set(truth["fields"]) == set(truth) - {"fields"}
    assert truth["generator"]["years"] == list(YEARS), "the committed files must come from the default run"
    kinds = {h["kind"]: h for h in truth["hotspots"]}
    assert set(kinds) == {"persistent", "emerging", "fading"}
    for h in truth["hotspots"]:
        assert {"x", "y", "radius_m", "category", "years", "extra_per_year", "district_id"} <= set(h)
        assert h["radius_m"] <= 200 and all(n >= 40 for y, n in h["extra_per_year"].items() if int(y) in h["years"][:3])
    assert kinds["persistent"]["years"] == list(YEARS)
    assert kinds["emerging"]["years"] == [2024, 2025]
    assert kinds["fading"]["years"][:3] == [2014, 2015, 2016]
    assert all(kinds["fading"]["extra_per_year"][str(y)] == 0 for y in (2023, 2024, 2025))
    trends = {t["district_name"]: t for t in truth["area_trends"] if "misshandel" in t["categories"]}
    assert trends["Norrby"]["multipliers"]["2025"] == pytest.approx(1.08**6, rel=1e-3)
    assert trends["Norrby"]["multipliers"]["2014"] == pytest.approx(1.08**-5, rel=1e-3)
    assert trends["Hässleholmen väst"]["multipliers"]["2025"] == pytest.approx(0.92**6, rel=1e-3)
    assert trends["Hässleholmen öst norr"]["multipliers"]["2025"] == 1.0
    assert truth["uniform"]


def test_focus_area_changes_are_planted_as_documented(truth):
    """Norrby: violence and threats up, vandalism down; Hässleholmen/Hulta: drug offences up (2014–2019 → 2023–2025)."""
    fac = truth["focus_area_changes"]
    assert fac["previous_period"] == [2014, 2019] and fac["current_period"] == [2023, 2025]
    ch = {(c["area"], c["category"]): c for c in fac["changes"]}
    assert ch[("Hässleholmen/Hulta", "misshandel")]["district_ids"] == ["1490R017", "1490R018", "1490R019", "1490R020"]
    assert ch[("Norrby", "misshandel")]["district_ids"] == ["1490R025"]
    # a planted district keeps its anchor-year share times the multiplier, so Norrby's change is that of
    # the mean multipliers: +8 %/year (misshandel, hot), -15 %/year (skadegorelse), six years against three
    for cat, pct in (("misshandel", 8), ("hot", 8), ("skadegorelse", -15), ("brand_fordon", -15)):
        m_prev = np.mean([(1 + pct / 100) ** (y - 2019) for y in range(2014, 2020)])
        m_cur = np.mean([(1 + pct / 100) ** (y - 2019) for y in range(2023, 2026)])
        assert ch[("Norrby", cat)]["change_pct"] == pytest.approx(100 * (m_cur / m_prev - 1), abs=0.1), cat
    strong = {k: c["direction"] for k, c in ch.items() if c["strong"]}
    assert strong[("Norrby", "misshandel")] == strong[("Norrby", "hot")] == "up"
    assert strong[("Norrby", "skadegorelse")] == "down"
    assert strong[("Hässleholmen/Hulta", "narkotikabrott")] == "up"
    for c in ch.values():  # the recorded direction agrees with the recorded numbers
        assert c["direction"] == ("up" if c["change_pct"] > 10 else "down" if c["change_pct"] < -10 else "none")
        prev, cur = c["expected_per_year_previous"], c["expected_per_year_current"]
        rounding = 100 * 0.05 * (1 / prev + cur / prev**2) + 0.05  # both means are rounded to 0.1
        assert 100 * (cur / prev - 1) == pytest.approx(c["change_pct"], abs=rounding)


def test_hotspots_are_visible_in_the_data(truth, tables, dirt):
    police = tables["polisen"]
    x = pd.to_numeric(police["x_sweref99tm"], errors="coerce").to_numpy(copy=True)
    y = pd.to_numeric(police["y_sweref99tm"], errors="coerce").to_numpy(copy=True)
    # undo the planted coordinate problems that validation fixes (a hotspot row may carry one)
    for (source, row), r in dirt.items():
        if source == "polisen" and r["reason"] == "swapped_axes":
            x[row - 1], y[row - 1] = y[row - 1], x[row - 1]
        elif source == "polisen" and r["reason"] == "latlon_in_xy":
            x[row - 1], y[row - 1] = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True).transform(
                x[row - 1], y[row - 1])
    year = police["tid_fran"].str[:4]
    for h in truth["hotspots"]:
        if h["category"] == "skadegorelse":
            continue  # split between police and municipality
        codes = {"misshandel": {"0375", "0376", "0391"}, "narkotikabrott": {"5010", "5011"}}[h["category"]]
        near = police["brottskod"].isin(codes) & (np.hypot(x - h["x"], y - h["y"]) <= h["radius_m"])
        for yr, extra in h["extra_per_year"].items():
            assert (near & (year == yr)).sum() >= extra


def test_near_repeat_chains_are_close_in_space_and_time(truth, tables, dirt):
    nr = truth["near_repeat"]
    assert 0.1 < nr["share_in_chains"] < 0.4 and nr["chains"]
    police = tables["polisen"]
    for chain in nr["chains"]:
        rows = police.iloc[[r - 1 for r in chain["rows"]]]
        assert list(rows["anmalan_id"]) == chain["ids"]
        if any(("polisen", r) in dirt for r in chain["rows"]):
            continue  # a fixable coordinate problem in the chain
        x, y = rows["x_sweref99tm"].astype(float), rows["y_sweref99tm"].astype(float)
        t0, t1 = pd.to_datetime(rows["tid_fran"]), pd.to_datetime(rows["tid_till"])
        mid = t0 + (t1 - t0) / 2
        assert np.hypot(x - x.iloc[0], y - y.iloc[0]).max() <= nr["max_distance_m"] + 1
        assert (mid - mid.iloc[0]).dt.total_seconds().abs().max() <= nr["max_days"] * 86400 + 3 * 3600


# ----------------------------------------------------------------------------- dirt
def test_dirt_share_and_every_kind_present(truth):
    d = truth["dirt"]
    assert 0.02 <= d["share_dirty"] <= 0.04
    reasons = {r["reason"] for r in d["rows"]}
    assert REJECT_CODES | FIX_CODES | {"personnummer_in_text"} <= reasons
    for r in d["rows"]:
        assert r["action"] == ("fix" if r["reason"] in FIX_CODES else "accept_masked"
                               if r["reason"] == "personnummer_in_text" else "reject")
        if r["reason"].startswith("duplicate"):
            dup_of = r["duplicate_of"]
            assert dup_of["source"] != r["source"] or dup_of["row"] < r["row"]


def test_dirty_rows_show_their_problem(truth, tables, cfg):
    kommun = shapely.union_all(gpd.read_file(cfg.study_area.path, layer=cfg.study_area.layer).geometry.values)
    police_codes = set({s.name: s for s in cfg.sources}["polisen"].categories)
    for r in truth["dirt"]["rows"]:
        row = _row(tables, r["source"], r["row"])
        reason, src = r["reason"], r["source"]
        if src == "polisen":
            x, y = row["x_sweref99tm"], row["y_sweref99tm"]
            if reason == "missing_coordinates":
                assert x == "" and y == ""
            elif reason == "zero_coordinates":
                assert float(x) == 0 and float(y) == 0
            elif reason == "latlon_in_xy":
                assert 12 < float(x) < 14 and 57 < float(y) < 58.5
            elif reason == "swapped_axes":
                assert float(x) > 6e6 and float(y) < 1e6
            elif reason == "outside_study_area":
                assert not kommun.contains(shapely.Point(float(x), float(y)))
            elif reason == "invalid_date":
                parsed = pd.to_datetime(row["tid_fran"], format="%Y-%m-%d %H:%M", errors="coerce")
                assert pd.isna(parsed), row["tid_fran"]  # not a real date and time
            elif reason == "future_date":
                assert row["tid_fran"][:10] > "2026-06-30"
            elif reason == "time_window_reversed":
                assert row["tid_fran"] > row["tid_till"]
            elif reason == "unknown_category":
                assert row["brottskod"] not in police_codes
            elif reason == "personnummer_in_text":
                m = re.search(r"(?<!\d)(\d{2})?(\d{6})-?(\d{4})(?!\d)", row["fritext"])
                assert m and _luhn_ok(m.group(2) + m.group(3))
                assert ISO_MINUTE.match(row["tid_fran"]) and row["x_sweref99tm"] != ""
        if src == "kommunen" and reason == "swapped_latlon":
            assert 12 < float(row["lat"]) < 14 and 57 < float(row["lon"]) < 58.5
        if reason == "duplicate_exact":
            orig = _row(tables, r["duplicate_of"]["source"], r["duplicate_of"]["row"])
            id_col = tables[src].columns[0]
            assert orig.drop(id_col).equals(row.drop(id_col))


def test_validation_rejects_and_fixes_exactly_the_planted_rows(cfg, truth):
    validate = pytest.importorskip("geolage.validate")
    io = pytest.importorskip("geolage.io")
    districts, _ = io.read_districts(cfg.districts, crs=cfg.project.crs)
    area = io.read_overlay(cfg.study_area, crs=cfg.project.crs).union_all()
    out = validate.validate_incidents(cfg, districts, area)
    got = {(r.source, int(r.source_row)): r.reason for r in out.rejects.itertuples()}
    want = {(r["source"], r["row"]): r["reason"] for r in truth["dirt"]["rows"] if r["action"] == "reject"}
    assert got == want
    fixes = {(r.source, int(r.source_row)): r.fixes for r in out.incidents.itertuples() if r.fixes}
    assert fixes == {(r["source"], r["row"]): r["reason"] for r in truth["dirt"]["rows"] if r["action"] == "fix"}
    assert not out.incidents["text"].str.contains(r"\d{6}-\d{4}", regex=True).any()


# ----------------------------------------------------------------------------- reproducibility
def _load_generator():
    spec = importlib.util.spec_from_file_location("make_demo_data", REPO / "scripts" / "make_demo_data.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_demo_data"] = module
    spec.loader.exec_module(module)
    return module


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_emerging_hotspot_is_placed_where_its_background_is_low():
    gen = _load_generator()
    inp = gen.read_inputs()
    rule = gen.EMERGING_BACKGROUND
    for seed, moved in ((gen.DEFAULT_SEED, False), (7, True)):  # seed 7: the given place fails the rule
        addresses = gen.make_address_points(np.random.default_rng(seed), inp)
        hotspots, background = gen.place_hotspots(inp, addresses)
        h = next(h for h in hotspots if h["kind"] == "emerging")
        given = next(g for g in gen.HOTSPOTS if g["id"] == h["id"])
        assert ((h["x"], h["y"]) != (given["x"], given["y"])) is moved
        assert background[h["id"]]["place"].startswith("moved" if moved else "given")
        assert math.hypot(h["x"] - given["x"], h["y"] - given["y"]) <= rule["search_m"]
        for year in range(2014, min(y for y, k in h["extra"].items() if k)):
            n = gen.expected_background_near(inp, addresses, h["category"], year, h["x"], h["y"], rule["radius_m"])
            assert n / 4 <= rule["max_per_quarter"]
        others = [(g["x"], g["y"]) for g in hotspots if g["kind"] != "emerging"]
        assert others == [(g["x"], g["y"]) for g in gen.HOTSPOTS if g["kind"] != "emerging"]


def test_generator_is_byte_reproducible(tmp_path):
    gen = _load_generator()
    gen.generate(gen.DEFAULT_SEED, (2025,), tmp_path / "a")
    gen.generate(gen.DEFAULT_SEED, (2025,), tmp_path / "b")
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert set(a) == {"polisen_anmalningar.csv", "kommun_skadegorelse_klotter.xlsx",
                      "raddningstjansten_bilbrander.gpkg", "ground_truth.json"}
    assert a == b

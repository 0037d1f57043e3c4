"""An English run on real data from `geolage init` has no Swedish and no Sweden-only section.

Cincinnati burglaries (every sixth of 2,030, grid-only: no districts, no population) go through
``geolage init`` and ``geolage run --language en``; every text output is scanned: the report and
map (visible text and their data, not the map's option keys), CSV headers and values, the tables
README, run.json, the GeoPackage's layer names, column aliases and every text value of every layer,
the QGIS project (its layer filters too) and every file name.
"""

from __future__ import annotations

import html
import re
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from geolage.categories import ALL_CATEGORIES, CATEGORIES
from geolage.cli import main
from geolage.stats.rates import WHOLE_PERIOD

REAL = Path(__file__).resolve().parent.parent / "data" / "real_world"

#: Swedish words (and Sweden-only sources) that must not appear in an English run, matched as whole
#: words, case-insensitively; Swedish letters are checked separately.
SWEDISH_WORDS = (
    "alla", "hela", "kommunen", "kommun", "brott", "inbrott", "omrade", "omraden", "antal", "invanare",
    "och", "eller", "utanfor", "resten", "ovriga", "fokusomraden", "period_hela", "manad", "kvartal", "ar",
    "SCB", "DeSO", "RegSO", "Bra", "rutstatistik", "polisen", "lagesbild_text", "lagesbild",
)
#: The internal codes English runs must not write (they write ``all``, ``whole_period``, ``2017Q4``).
INTERNAL_CODES = (ALL_CATEGORIES, WHOLE_PERIOD, *CATEGORIES)
#: Names of config settings, the same in both languages (the config file's keys, recorded in run.json).
CONFIG_KEYS = {"bra_totals"}


def _texts(out: Path) -> list[tuple[str, str]]:
    """(where, text) of every text output: file names, HTML, CSV, README, JSON, QGIS, GeoPackage names."""
    found: list[tuple[str, str]] = []
    for p in sorted(out.rglob("*")):
        rel = str(p.relative_to(out))
        found.append((f"file name {rel}", p.stem))
        if p.suffix == ".html":
            text = p.read_text(encoding="utf-8")
            text = re.sub(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+", "", text)  # inlined images
            text = re.sub(r"<style[^>]*>.*?</style>", "", text, flags=re.S)  # CSS is not shown
            # the map's option keys (in its data and the script comparing them) are never shown
            text = re.sub(r'"code":\s*"[^"]*"|code\s*===?\s*"[^"]*"', "", text)
            found.append((rel, html.unescape(text)))
        elif p.suffix == ".csv":
            df = pd.read_csv(p, dtype=str, keep_default_na=False)
            found.append((f"{rel} header", " ".join(df.columns)))
            found.append((f"{rel} values", " ".join(df.select_dtypes(["object", "string"]).stack().unique().tolist())))
        elif p.suffix in (".txt", ".json", ".qgs", ".qml"):
            found.append((rel, p.read_text(encoding="utf-8")))
        elif p.suffix == ".gpkg":
            with sqlite3.connect(p) as con:
                names = [r[0] for r in con.execute("select table_name from gpkg_contents")]
                found.append((f"{rel} layers", " ".join(names)))
                has_schema = con.execute(
                    "select count(*) from sqlite_master where name = 'gpkg_data_columns'").fetchone()[0]
                if has_schema:
                    aliases = [r[0] or "" for r in con.execute("select name from gpkg_data_columns")]
                    found.append((f"{rel} aliases", " ".join(aliases)))
                found += _layer_values(con, names, rel)
    return found


def codes_in_code_columns(out: Path) -> list[str]:
    """Internal codes left in the code columns (category, period, source) of the CSVs and layers."""
    hits = []
    for p in sorted(out.rglob("*.csv")):
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        hits += [f"{p.name}.{c}: {v}" for c in ("category", "period", "source") if c in df.columns
                 for v in sorted(set(df[c]) & set(INTERNAL_CODES))]
    for p in sorted(out.glob("*.gpkg")):
        with sqlite3.connect(p) as con:
            for (layer,) in con.execute("select table_name from gpkg_contents").fetchall():
                cols = {r[1] for r in con.execute(f'pragma table_info("{layer}")')}
                for c in sorted(cols & {"category", "period", "source"}):
                    values = {r[0] for r in con.execute(f'select distinct "{c}" from "{layer}"')}
                    hits += [f"{p.name} {layer}.{c}: {v}" for v in sorted(values & set(INTERNAL_CODES))]
    return hits


def _layer_values(con: sqlite3.Connection, layers: list[str], rel: str) -> list[tuple[str, str]]:
    """(where, text) of every distinct text value of every column of every GeoPackage layer."""
    found = []
    for layer in layers:
        for column in [r[1] for r in con.execute(f'pragma table_info("{layer}")')]:
            values = [r[0] for r in con.execute(
                f'select distinct "{column}" from "{layer}" where typeof("{column}") = \'text\'')]
            if values:
                found.append((f"{rel} {layer}.{column} values", " ".join(values)))
    return found


def swedish_in(out: Path) -> list[str]:
    """Every place an English run's outputs show a Swedish letter or word."""
    hits = []
    # the codes that are English words ("hot", "ran") only where they stand alone as a value or a suffix
    sv = {s.casefold() for s in (*SWEDISH_WORDS, *(c for c in INTERNAL_CODES if c not in ("hot", "ran")))}
    for where, text in _texts(out):
        for w in re.findall(r"[^\W\d_]+(?:_[^\W\d_]+)*", text):
            parts = [w, *w.split("_")] if "_" in w else [w]  # kde_alla, grid_alla: the code inside a name
            if w in CONFIG_KEYS:
                continue
            if re.search(r"[åäöÅÄÖ]", w) or any(p.casefold() in sv for p in parts) or w in ("kde_hot", "kde_ran"):
                hits.append(f"{where}: {w}")
        hits += [f"{where}: {q}" for q in re.findall(r"(?<!\w)\d{4}K[1-4](?!\w)", text)]  # Swedish quarters
    return sorted(set(hits))


def shown_text(out: Path) -> str:
    """What a reader sees: the report's text (not the parameter dump) and the map's labels and titles."""
    report = (out / "report.html").read_text("utf-8")
    report = re.sub(r"<(script|style)[^>]*>.*?</\1>|<td class=\"mono\">.*?</td>", " ", report, flags=re.S)
    page = (out / "map.html").read_text("utf-8")
    labels = re.findall(r'"(?:label|title|note|name)":\s*"([^"]*)"', page)
    return html.unescape(re.sub(r"<[^>]+>", " ", report)) + " " + " ".join(labels)


@pytest.fixture(scope="module")
def english_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cincinnati_en")
    df = pd.read_csv(REAL / "cincinnati" / "cincinnati_burglary_2017.csv", dtype=str)
    data = folder / "burglary.csv"
    df.iloc[::6].to_csv(data, index=False)
    cfg = folder / "cincinnati.toml"
    assert main(["init", str(data), "--out", str(cfg), "--language", "en", "-q"]) == 0
    # fewer permutations and backtest periods keep the test fast (7 edited lines)
    text = cfg.read_text(encoding="utf-8").replace('category = "auto"', 'category = "auto"\npermutations = 99')
    text += ("\n[hotspots]\npermutations = 99\nlisa_permutations = 99\n"
             "[forecast]\nbacktest_periods = 2\nbootstrap = 200\n")
    # 1 km cells: public density rasters are built from grid cell counts of at least 5 (rule 9)
    assert text.count('[grid]\ncell_size = "auto"') == 1
    text = text.replace('[grid]\ncell_size = "auto"', "[grid]\ncell_size = 1000")
    cfg.write_text(text, encoding="utf-8")
    out = folder / "out"
    assert main(["run", str(cfg), "--out", str(out), "--no-pdf", "--language", "en", "-q"]) == 0
    return cfg, out


def test_english_run_has_no_swedish_and_no_category_codes(english_run):
    cfg, out = english_run
    assert swedish_in(out) == []
    assert codes_in_code_columns(out) == []
    # what English runs write instead, in cells, layer filters and file names
    assert (out / "kde_all.tif").is_file() and (out / "situation_picture.gpkg").is_file()
    counts = pd.read_csv(out / "tables" / "counts_source.csv", dtype=str)
    assert {"all", "whole_period"} <= set(counts["category"]) | set(counts["period"])
    assert "subset=\"category\" = 'all'" in (out / "situation_picture.qgs").read_text("utf-8")
    # the custom codes init wrote are shown by their labels, as the built-in codes are
    custom = re.findall(r"^(\w+) = \"", cfg.read_text(encoding="utf-8").split("[custom_categories]")[1]
                        .split("[[sources]]")[0], flags=re.M)
    assert set(custom) == {"burglary", "aggravated_burglary"}
    shown = shown_text(out)
    assert "Aggravated burglary" in shown
    # codes that are no English word ("hot" and "burglary" are)
    codes = [c for c in (*CATEGORIES, *custom) if "_" in c or c not in ("hot", "burglary")]
    assert [c for c in codes if re.search(rf"(?<![\w-]){c}(?![\w-])", shown)] == []


def test_english_report_leaves_out_what_the_data_cannot_give(english_run):
    _, out = english_run
    text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "",
                                                        (out / "report.html").read_text("utf-8"), flags=re.S)))
    text = re.sub(r"\s+", " ", text)
    # no population: one sentence why, no rate section, no empty plot, no table of dashes
    assert "Rates per resident are left out because the run has no population per district" in text
    assert "The run has no districts: the whole study area" in text
    assert "Comparison with reference areas" not in text
    assert "not computed" not in text
    assert "Coverage against" not in text and "Brå" not in text
    assert "The analysis covers 339 recorded offences in 2017." in text  # = accepted (every sixth of 2,030)
    assert "Areas with the highest rate" not in text and "estimated rate per 1,000 residents" not in text


def test_english_map_starts_with_counts_not_grey_rates(english_run):
    _, out = english_run
    page = (out / "map.html").read_text("utf-8")
    assert '"id":"rates_district"' not in page.replace(" ", "")
    # no layer is shown at start, so the page shows the density surface first (not an all-grey rate map)
    assert not re.search(r'"show":\s*true', page)
    assert "if (!D.layers.some(function (l) { return l.show; })) { dens.addTo(map); }" in page
    assert '"density":[{' in page.replace(" ", "")


def test_codes_are_english_in_english_runs_and_unchanged_in_swedish_ones():
    from geolage.outputs.names import VALUE_CODES, output_code, output_codes, output_text

    assert output_code("alla", "en") == "all" and output_code("alla", "sv") == "alla"
    assert output_code("hela", "en") == "whole_period" and output_code("inbrott_bostad", "en") == "residential_burglary"
    assert len(set(VALUE_CODES.values())) == len(VALUE_CODES)  # no two codes said alike
    df = pd.DataFrame({"category": ["alla", "ran", "burglary"], "period": ["hela", "2024K3", "2024-07"],
                       "district_name": ["alla", "hela", "ran"]})
    en = output_codes(df, "en")
    assert en["category"].tolist() == ["all", "robbery", "burglary"]
    assert en["period"].tolist() == ["whole_period", "2024Q3", "2024-07"]
    assert en["district_name"].tolist() == ["alla", "hela", "ran"]  # names are not codes
    assert output_codes(df, "sv") is df
    # inside record texts: codes as parts of names, but English words stay words
    said = output_text({"gistar_grid:alla": "kde_alla and kde_ran; new_hot hot spots ran", "x": ["2019K1"]}, "en")
    assert said == {"gistar_grid:all": "kde_all and kde_robbery; new_hot hot spots ran", "x": ["2019Q1"]}


def test_init_writes_english_codes_and_configs_take_either(tmp_path):
    from geolage.config import config_from_dict
    from geolage.errors import ConfigError
    from geolage.init import init_config

    data = REAL / "memphis" / "memphis_robberies_2019.csv"
    en, _ = init_config([data], out=tmp_path / "en.toml", language="en")
    sv, _ = init_config([data], out=tmp_path / "sv.toml", language="sv")
    assert '"personal robbery" = "robbery"' in en and '"personal robbery" = "ran"' in sv
    base = {"project": {"name": "x", "crs": "EPSG:32616"},
            "periods": {"start": "2019-01-01", "end": "2019-12-31"},
            "sources": [{"name": "s", "path": str(data), "columns": {"category": "offense_type", "lon": "longitude",
                                                                     "lat": "latitude", "datetime": "datetime"},
                         "categories": {"personal robbery": "robbery"}}],
            "near_repeat": {"category": "robbery"}}
    cfg = config_from_dict(base, check_files=False)
    assert cfg.sources[0].categories == {"personal robbery": "ran"} and cfg.near_repeat.category == "ran"
    with pytest.raises(ConfigError, match="custom_categories.robbery"):
        config_from_dict({**base, "custom_categories": {"robbery": "Robbery"}}, check_files=False)

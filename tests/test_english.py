"""An English run on real data from `geolage init` has no Swedish and no Sweden-only section.

Cincinnati burglaries (every sixth of 2,030, grid-only: no districts, no population) go through
``geolage init`` and ``geolage run --language en``; every text output is scanned: the report and
map (visible text and their data), CSV headers and values, the tables README, run.json, the
GeoPackage's layer names and column aliases, the QGIS project.
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
    "SCB", "DeSO", "RegSO", "Bra", "rutstatistik", "polisen", "lagesbild_text",
)
#: Identifiers, not words, that the outputs still use in English runs: the codes of "all
#: categories" and "the whole span" in data columns and file names, and the product name of the
#: GeoPackage and QGIS project (``lagesbild.gpkg``/``.qgs``). Map, report and tables are named in English.
IDENTIFIERS = {ALL_CATEGORIES, WHOLE_PERIOD, "lagesbild"}


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
    return found


def swedish_in(out: Path) -> list[str]:
    """Every place an English run's outputs show a Swedish letter or word."""
    hits = []
    sv = {s.casefold() for s in SWEDISH_WORDS}
    for where, text in _texts(out):
        for w in re.findall(r"[^\W\d_]+(?:_[^\W\d_]+)*", text):
            if w not in IDENTIFIERS and (re.search(r"[åäöÅÄÖ]", w) or w.casefold() in sv):
                hits.append(f"{where}: {w}")
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
    cfg.write_text(text, encoding="utf-8")
    out = folder / "out"
    assert main(["run", str(cfg), "--out", str(out), "--no-pdf", "--language", "en", "-q"]) == 0
    return cfg, out


def test_english_run_has_no_swedish_and_no_category_codes(english_run):
    cfg, out = english_run
    assert swedish_in(out) == []
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

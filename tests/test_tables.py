"""The tables for people and scripts: Swedish/English CSV formats, label columns, the workbook, run.json paths."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest
from fixtures_results import make_results

from geolage.categories import CATEGORIES
from geolage.classes import GISTAR_CLASSES
from geolage.outputs.common import public_view
from geolage.outputs.record import write_run_json
from geolage.outputs.tables import read_table_csv, write_tables_csv


@pytest.fixture(scope="module")
def results():
    return make_results()


@pytest.fixture(scope="module")
def swedish(results, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sv") / "tabeller"
    return folder, write_tables_csv(results, folder, mode="public", language="sv")


def test_swedish_csv_reads_back_with_semicolon_and_decimal_comma(results, swedish):
    folder, _ = swedish
    raw = (folder / "rates_district.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel shows å, ä, ö
    heading = raw.decode("utf-8-sig").splitlines()[0]
    assert heading.startswith("district_id;district_name;category;category_label;")
    back = pd.read_csv(folder / "rates_district.csv", sep=";", decimal=",", encoding="utf-8-sig",
                       dtype={"district_id": str})
    expected = public_view(results, "public").tables["rates_district"].data
    np.testing.assert_allclose(back["eb_rate"].to_numpy(), expected["eb_rate"].to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(back["count"].isna(), expected["count"].isna())
    assert back.loc[back["count_suppressed"], "count"].isna().all() and back["count_suppressed"].any()
    assert (back["category_label"][back["category"] == "misshandel"] == "Misshandel").all()
    assert "," in (folder / "rates_district.csv").read_text(encoding="utf-8-sig").splitlines()[1]
    pd.testing.assert_frame_equal(read_table_csv(folder / "rates_district.csv", dtype={"district_id": str}), back)


def test_english_csv_uses_comma_and_point(results, tmp_path):
    write_tables_csv(results, tmp_path, mode="public", language="en")
    back = pd.read_csv(tmp_path / "gistar_grid.csv", encoding="utf-8-sig")
    assert "gistar_class_label" in back.columns
    hot = back[back["gistar_class"] == "hot_99"]
    assert len(hot) and (hot["gistar_class_label"] == GISTAR_CLASSES["hot_99"].en).all()
    assert (tmp_path / "tables.xlsx").is_file() and not (tmp_path / "tabeller.xlsx").exists()


def test_workbook_has_a_sheet_per_table_with_swedish_headings_and_words(results, swedish):
    folder, written = swedish
    assert folder / "tabeller.xlsx" in written
    wb = openpyxl.load_workbook(folder / "tabeller.xlsx")
    tables = [t for t in public_view(results, "public").tables.values() if not t.internal_only]
    assert wb.sheetnames[0] == "Innehåll"
    assert len(wb.sheetnames) == len(tables) + 1
    for name, table in zip(wb.sheetnames[1:], tables, strict=True):
        title = " ".join(table.title["sv"].replace(":", " ").replace("*", "\u2217").split())  # Excel forbids : and *
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")
        assert name == title or (name.endswith("…") and title.startswith(name[:-1]) and title[len(name) - 1] == " ")
    ws = wb["Brott per 1 000 invånare"]
    headings = [c.value for c in ws[1]]
    assert headings[:3] == ["Områdes-id", "Område", "Brottskategori"]
    assert "Antal brott" in headings and not any(h.endswith("_suppressed") for h in headings)
    assert ws.freeze_panes == "A2"
    codes = set(CATEGORIES) | set(GISTAR_CLASSES) | {"not_significant", "alla"}
    for sheet in wb.sheetnames[1:]:
        values = {c.value for row in wb[sheet].iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
        assert not values & codes, (sheet, values & codes)
    counts = [r[headings.index("Antal brott")].value for r in ws.iter_rows(min_row=2)]
    assert "<5 (dolt)" in counts  # the report's marker, not an empty cell
    assert all(isinstance(v, int | float) or v == "<5 (dolt)" for v in counts)
    contents = [c.value for row in wb["Innehåll"].iter_rows(min_row=2) for c in row if c.value]
    assert "rates_district.csv" in contents and "Utjämnad takt (EB)" in contents


def test_readme_explains_instead_of_repeating_the_code(swedish):
    folder, _ = swedish
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert 'sep=";", decimal=","' in readme and "<5 (dolt)" in readme
    for line in readme.splitlines():
        if line.startswith("    ") and ": " in line:
            code, label = line.strip().split(": ", 1)
            assert label != code, line
    assert "count_suppressed: Antal brott: dolt" in readme


def test_run_json_names_no_absolute_path(results, tmp_path):
    config_dir = tmp_path / "projekt"
    config_dir.mkdir()
    config = dataclasses.replace(results.config, source_file=config_dir / "lagesbild.toml")
    run = dataclasses.replace(results, config=config) if dataclasses.is_dataclass(results) else results
    run.config = config
    run.record = {**results.record, "inputs": {str(config_dir / "data" / "brott.csv"): "abc"},
                  "note": f"read {config_dir}/data/brott.csv"}
    path = write_run_json(run, tmp_path / "run.json", mode="public", outputs=["karta.html"])
    text = path.read_text(encoding="utf-8")
    assert str(tmp_path) not in text
    doc = json.loads(text)
    assert doc["record"]["inputs"] == {"data/brott.csv": "abc"}
    assert doc["record"]["note"] == "read data/brott.csv"


def test_tables_too_long_for_a_sheet_are_split_over_sheets(results, tmp_path, monkeypatch):
    from geolage.outputs import tables

    rates = public_view(results, "public").tables["rates_district"].data
    whole = tables.write_workbook(results, tmp_path / "hel.xlsx", mode="public", language="sv")
    monkeypatch.setattr(tables, "MAX_SHEET_ROWS", len(rates) - 2)
    tables.write_workbook(results, tmp_path / "tabeller.xlsx", mode="public", language="sv")
    wb = openpyxl.load_workbook(tmp_path / "tabeller.xlsx")
    name = "Brott per 1 000 invånare"
    assert wb.sheetnames[wb.sheetnames.index(name) + 1] == f"{name} (2)"
    first, second = wb[name], wb[f"{name} (2)"]
    assert first.max_row == len(rates) - 1 and second.max_row == 3  # heading + 2 rows
    assert [c.value for c in first[1]] == [c.value for c in second[1]] and second.freeze_panes == "A2"
    split = [r for ws in (first, second) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert split == list(openpyxl.load_workbook(whole)[name].iter_rows(min_row=2, values_only=True))
    described = [row for row in wb["Innehåll"].iter_rows(values_only=True) if row[1] == "rates_district.csv"]
    assert described[0][0] == f"{name}, {name} (2)"
    assert f"({len(rates)} rader; Excel rymmer {len(rates) - 2} per flik): delad på 2 flikar" in described[0][3]


def test_every_table_has_a_sheet_and_the_big_ones_are_complete(demo_run):
    """The demo's workbook holds every table, the long ones (series: 102,000 rows) with every row."""
    from geolage.outputs.tables import _sheet_frame

    results, out = demo_run
    wb = openpyxl.load_workbook(out / "tabeller" / "tabeller.xlsx", read_only=True)
    contents = list(wb["Innehåll"].iter_rows(min_row=2, values_only=True))
    public = public_view(results, "public")
    listed = {row[1]: row[0] for row in contents if row[1]}
    assert set(listed) == {f"{t.name}.csv" for t in public.tables.values() if not t.internal_only}
    assert all(listed.values())  # every table has a sheet
    series = public.tables["series"]
    expected = len(_sheet_frame(series, "sv", "<5 (dolt)"))
    assert expected > 10_000  # the table earlier workbooks left out
    assert wb[listed["series.csv"]].max_row == expected + 1


def test_demo_workbook_says_no_code_in_words_columns(demo_run):
    """The demo's workbook: headings are words, and no class, category, direction or method code is left."""
    import re

    from geolage.classes import EMERGING_CATEGORIES, LISA_CLUSTERS
    from geolage.text.forecast import METHOD_NAMES
    from geolage.text.labels import VALUE_LABELS
    from geolage.text.priorities import CERTAINTY_LABELS

    _, out = demo_run
    wb = openpyxl.load_workbook(out / "tabeller" / "tabeller.xlsx", read_only=True)
    codes = (set(CATEGORIES) | set(GISTAR_CLASSES) | set(LISA_CLUSTERS) | set(EMERGING_CATEGORIES)
             | set(METHOD_NAMES) | set(CERTAINTY_LABELS) | {"alla", "up", "down", "none"}
             | {code for labels in VALUE_LABELS.values() for code in labels})
    code_like = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
    left = {}
    for ws in wb.worksheets[1:]:
        rows = ws.iter_rows(values_only=True)
        headings = next(rows)
        assert not [h for h in headings if h is None or code_like.match(h)], (ws.title, headings)
        words = [j for j, h in enumerate(headings) if "-id" not in h and " id" not in h]  # ids stay ids
        for i, row in enumerate(rows):
            if i >= 5000:
                break
            found = {row[j] for j in words if isinstance(row[j], str) and row[j] in codes}
            if found:
                left.setdefault(ws.title, set()).update(found)
    assert left == {}


def test_sheet_names_cut_at_a_word_and_keep_the_star():
    from geolage.outputs.tables import _sheet_title

    knox = "Upprepning nära i tid och rum (Knox-test): Inbrott (bostad)"
    assert _sheet_title(knox) == "Upprepning nära i tid och rum…"
    assert _sheet_title("Hot spots (Gi*) per grid cell") == "Hot spots (Gi\u2217) per grid cell"
    assert _sheet_title("Trattdiagram: områdens brottstakt") == "Trattdiagram områdens…"
    assert len(_sheet_title("x" * 40)) == 31  # one long word: cut inside it

"""The small .xlsx writer: what it writes reads back with openpyxl (values, formats, fonts, panes, widths)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pytest

from geolage.outputs.xlsx import Style, Styled, Workbook, column_letter


def test_column_letters():
    assert [column_letter(i) for i in (1, 26, 27, 52, 53, 702, 703, 16384)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"]
    with pytest.raises(ValueError, match="start at 1"):
        column_letter(0)


def test_values_styles_and_layout_read_back(tmp_path):
    wb = Workbook()
    wb.add_sheet("Innehåll", [[Styled("Blad", Style(bold=True))], ["Brott & <ordning> \"å\x07\""]],
                 widths=[32], freeze_first_row=False)
    rows = [
        [Styled("Antal brott", Style(bold=True, wrap=True)), Styled("Andel", Style(bold=True, wrap=True)), "Text",
         "När"],
        [12, 0.125, "<5 (dolt)", dt.datetime(2024, 3, 1)],
        [np.int64(7), np.float64(float("nan")), True, dt.datetime(2024, 3, 1, 13, 30)],
        [None, float("inf"), "  blanksteg  ", dt.date(1999, 12, 31)],
        [123456789012, -2.5e-7, Styled(3.0, Style("0.0000")), None],
    ]
    wb.add_sheet("Tabell (2)", rows, widths=[12, None, 40.5], number_styles=[Style("#,##0"), Style("0.0%")])
    path = wb.save(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Innehåll", "Tabell (2)"]
    first = book["Innehåll"]
    assert first["A1"].font.b and first["A2"].value == 'Brott & <ordning> "å"'  # the control character left out
    assert first.freeze_panes is None and first.column_dimensions["A"].width == 32
    ws = book["Tabell (2)"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].value == "Antal brott" and ws["A1"].font.b and ws["A1"].alignment.wrap_text
    assert ws["A1"].alignment.vertical == "top"
    assert [ws["A2"].value, ws["B2"].value, ws["C2"].value, ws["D2"].value] == [
        12, 0.125, "<5 (dolt)", dt.datetime(2024, 3, 1)]
    assert ws["A2"].number_format == "#,##0" and ws["B2"].number_format == "0.0%"
    assert not ws["C2"].font.b and ws["C2"].number_format == "General"
    assert ws["D2"].number_format == "yyyy-mm-dd"
    assert ws["A3"].value == 7 and ws["B3"].value is None and ws["C3"].value is True
    assert ws["D3"].value == dt.datetime(2024, 3, 1, 13, 30) and ws["D3"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws["A4"].value is None and ws["B4"].value is None and ws["C4"].value == "  blanksteg  "
    assert ws["D4"].value == dt.datetime(1999, 12, 31)
    assert ws["A5"].value == 123456789012 and ws["B5"].value == -2.5e-7 and ws["B5"].number_format == "0.0%"
    assert ws["C5"].value == 3.0 and ws["C5"].number_format == "0.0000"
    assert ws.column_dimensions["A"].width == 12 and ws.column_dimensions["C"].width == 40.5
    assert ws.max_row == 5 and ws.max_column == 4


def test_same_sheets_give_the_same_bytes(tmp_path):
    def write(name):
        wb = Workbook()
        wb.add_sheet("A", [["x", 1.5], [dt.date(2020, 1, 1), None]])
        return wb.save(tmp_path / name).read_bytes()

    assert write("a.xlsx") == write("b.xlsx")


def test_bad_sheet_names_are_refused(tmp_path):
    wb = Workbook()
    for name in ("", "a" * 32, "a/b", "x*"):
        with pytest.raises(ValueError, match="sheet names"):
            wb.add_sheet(name, [[1]])
    wb.add_sheet("Blad", [[1]])
    with pytest.raises(ValueError, match="already used"):
        wb.add_sheet("BLAD", [[1]])
    with pytest.raises(ValueError, match="at least one sheet"):
        Workbook().save(tmp_path / "empty.xlsx")


def test_table_columns_read_back_value_by_value(tmp_path):
    import pandas as pd

    n = 1000
    rng = np.random.default_rng(7)
    floats = rng.normal(size=n)
    floats[::97] = np.nan
    ints = rng.integers(0, 5, size=n)
    names = pd.Series(rng.choice(["Norrby", "Hässleholmen & <Hulta>", "Centrum"], size=n))
    mixed = pd.Series([True, 1, 1.0, "<5 (dolt)", None, 0, False] * 142 + [7] * 6, dtype=object)  # True ≠ 1 here
    when = pd.Series(pd.to_datetime(["2024-03-01", None, "2024-03-01 13:30"] * 333 + ["2020-01-01"], format="ISO8601"))
    wb = Workbook()
    wb.add_table("T", ["Tal", "Antal", "Område", "Blandat", "När"],
                 [pd.Series(floats), pd.Series(ints), names, mixed, when],
                 widths=[10, 8, None, None, 12], number_styles=[Style("0.00"), Style("#,##0"), None, None, None])
    path = wb.save(tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path)["T"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Tal", "Antal", "Område", "Blandat", "När") and ws["A1"].font.b and ws.freeze_panes == "A2"
    assert len(rows) == n + 1
    for i, row in enumerate(rows[1:]):
        assert row[0] == (None if np.isnan(floats[i]) else floats[i])  # exact: repr round-trips
        assert row[1] == ints[i] and row[2] == names[i]
        expected = mixed[i]
        assert row[3] == expected and type(row[3]) is type(expected)  # booleans stay booleans, 1 stays 1
        assert row[4] == (None if pd.isna(when[i]) else when[i].to_pydatetime())
    assert ws["A3"].number_format == "0.00" and ws["B2"].number_format == "#,##0"  # A2 is empty (NaN)
    assert ws["E2"].number_format == "yyyy-mm-dd" and ws["E4"].number_format == "yyyy-mm-dd hh:mm:ss"


def test_table_too_long_or_ragged_is_refused(monkeypatch):
    import pandas as pd

    from geolage.outputs import xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)
    wb = Workbook()
    wb.add_table("Lagom", ["a"], [pd.Series([1, 2, 3])])
    with pytest.raises(ValueError, match="at most 4 rows"):
        wb.add_table("Lång", ["a"], [pd.Series([1, 2, 3, 4])])
    with pytest.raises(ValueError, match="equal length"):
        wb.add_table("Ojämn", ["a", "b"], [pd.Series([1]), pd.Series([1, 2])])
    with pytest.raises(ValueError, match="at most 4 rows"):
        wb.add_sheet("Rader", [[1]] * 5)

"""The result tables as CSV files (for scripts), one workbook (for people) and a README that explains them.

CSV files follow the run's language: Swedish runs write what Swedish Excel opens
directly (``;`` between columns, decimal comma), English runs ``,`` and ``.``; both
are UTF-8 with a byte order mark, so Excel shows å, ä and ö. Category and class
columns keep their codes (analysts join on them; English runs write the English codes of
:func:`geolage.outputs.names.output_codes`) and get a ``<column>_label`` column in words beside
them. A withheld count is an empty cell with ``<column>_suppressed`` = True in the CSV and
``"<5 (dolt)"`` in the workbook, as in the report.

The workbook (``tabeller.xlsx`` / ``tables.xlsx``) has a first sheet that explains every
table and column in words, then one sheet per table with headings and values in
words, number formats, a frozen heading row and fitted column widths.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..categories import ALL_CATEGORIES
from ..classes import EMERGING_CATEGORIES, GISTAR_CLASSES, LISA_CLUSTERS
from ..run import schemas
from ..run.disclosure import suppressed_label
from ..run.results import RunResults, Table
from ..stats.rates import WHOLE_PERIOD
from ..text.forecast import METHOD_NAMES
from ..text.format import Text, format_number
from ..text.labels import ALL_CATEGORIES_LABEL, GRID_UNIT_LABEL, VALUE_LABELS, category_label, column_label
from ..text.map import MAP_UI
from ..text.outputs import (
    CODES_NOTE,
    COLUMNS_HEADING,
    CSV_FORMAT_NOTE,
    INTERNAL_TABLES_NOTE,
    PUBLIC_TABLES_NOTE,
    SYNTHETIC_NOTE,
    WORKBOOK,
)
from ..text.priorities import CERTAINTY_LABELS
from ..text.report import TEXTS as REPORT_TEXT
from ..text.trends import direction_label
from .common import public_view
from .csv_text import csv_text
from .gpkg import informative_cells
from .names import output_codes
from .xlsx import MAX_ROWS, Style, Styled, Workbook

__all__ = ["CSV_FORMATS", "read_table_csv", "write_tables_csv", "write_workbook", "words", "value_words"]

#: CSV separator and decimal mark per run language (both files UTF-8 with BOM).
CSV_FORMATS: dict[str, dict[str, str]] = {"sv": {"sep": ";", "decimal": ","}, "en": {"sep": ",", "decimal": "."}}
_ENCODING = "utf-8-sig"
_SUPPRESSED = "_suppressed"
_LABEL = "_label"
#: Widest column in the workbook (characters).
_MAX_WIDTH = 60
#: Most data rows of a sheet (Excel's 1,048,576 rows less the heading): longer tables are split over sheets.
MAX_SHEET_ROWS = MAX_ROWS - 1


# --------------------------------------------------------------------------- codes in words
def _classes(classes: dict) -> Callable[[str, str], str]:
    return lambda code, lang: getattr(classes[code], lang) if code in classes else code


def _category(code: str, lang: str) -> str:
    return ALL_CATEGORIES_LABEL[lang] if code == ALL_CATEGORIES else category_label(code, lang)


def _funnel(code: str, lang: str) -> str:
    text = REPORT_TEXT.get(f"pos_{code}")
    return text[lang] if text is not None else code


def _direction(code: str, lang: str) -> str:
    try:
        return direction_label(code, lang)
    except ValueError:
        return code


def _texts(labels: dict[str, Text], capital: bool = False) -> Callable[[str, str], str]:
    def say(code: str, lang: str) -> str:
        text = labels[code][lang] if code in labels else code
        return text[:1].upper() + text[1:] if capital and code in labels else text
    return say


def _variable(code: str, lang: str) -> str:
    return column_label(code, lang)


#: Columns that hold codes, and how to say each code in words.
_CODE_WORDS: dict[str, Callable[[str, str], str]] = {
    "category": _category,
    "gistar_class": _classes(GISTAR_CLASSES),
    "lisa_cluster": _classes(LISA_CLUSTERS),
    "lisa_cluster_analytic": _classes(LISA_CLUSTERS),
    "emerging_category": _classes(EMERGING_CATEGORIES),
    "funnel_position": _funnel,
    "direction": _direction,
    "change_direction": _direction,
    "certainty": _texts(CERTAINTY_LABELS),
    "method": _texts(METHOD_NAMES, capital=True),
}
#: Columns whose few code values the workbook says in words (the CSV keeps them: no extra label column).
_VALUE_WORDS: dict[str, Callable[[str, str], str]] = {
    "variable": _variable,
    **{column: _texts(labels) for column, labels in VALUE_LABELS.items()},
    "unit": _texts({**VALUE_LABELS["unit"], schemas.UNIT_GRID: GRID_UNIT_LABEL}),
}


def value_words(column: str, code: object, language: str) -> object:
    """``code`` of a code column (category, class, funnel position, direction) in words; others as they are."""
    say = _CODE_WORDS.get(column)
    if say is None or code is None or (isinstance(code, float) and np.isnan(code)):
        return code
    return say(str(code), language)


def words(data: pd.DataFrame, language: str) -> pd.DataFrame:
    """``data`` with a ``<column>_label`` column (in words) right after every code column."""
    out = data.copy()
    for column in [c for c in data.columns if c in _CODE_WORDS]:
        said: dict[object, object] = {}  # each distinct code said once (tables repeat few codes many times)

        def say(v: object, c: str = column, said: dict = said) -> object:
            try:
                return said[v]
            except (KeyError, TypeError):  # new code, or unhashable
                w = value_words(c, v, language)
                if isinstance(v, str):
                    said[v] = w
                return w

        out.insert(out.columns.get_loc(column) + 1, column + _LABEL, data[column].map(say))
    return out


# --------------------------------------------------------------------------- CSV
def _frame(table: Table) -> pd.DataFrame:
    return pd.DataFrame(table.data.drop(columns="geometry", errors="ignore"))


def _tables(results: RunResults, mode: str) -> list[Table]:
    return [t for t in results.tables.values() if not (mode == "public" and t.internal_only)]


def read_table_csv(path: str | os.PathLike[str], **kwargs: object) -> pd.DataFrame:
    """Read a table CSV that geolage wrote, in either language's format (told from its heading row).

    Parameters
    ----------
    path : str or Path
    **kwargs
        Passed to :func:`pandas.read_csv` (e.g. ``dtype``).

    Returns
    -------
    pandas.DataFrame
    """
    with open(path, encoding=_ENCODING) as fh:
        heading = fh.readline()
    fmt = CSV_FORMATS["sv"] if ";" in heading else CSV_FORMATS["en"]
    return pd.read_csv(path, encoding=_ENCODING, **fmt, **kwargs)  # type: ignore[arg-type]


def write_tables_csv(results: RunResults, folder: Path, *, mode: str, language: str | None = None,
                     workbook: bool = True) -> list[Path]:
    """Write every result table as CSV, the workbook and a README (public mode: after disclosure control).

    Parameters
    ----------
    results : RunResults
    folder : Path
        Created if missing.
    mode : {"public", "internal"}
    language : {"sv", "en"}, optional
        Default ``config.project.language``: Swedish CSVs use ``;`` and a decimal
        comma, English ones ``,`` and ``.``; headings of the workbook and the README
        are in this language.
    workbook : bool
        Also write the Excel workbook (default True).

    Returns
    -------
    list of Path
        The CSV files, then the workbook, then ``README.txt``.
    """
    language = language or results.config.project.language
    results = public_view(results, mode)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    fmt = CSV_FORMATS[language]
    tables = _tables(results, mode)
    for table in tables:
        path = folder / f"{table.name}.csv"
        path.write_bytes(csv_text(output_codes(words(_frame(table), language), language), **fmt).encode(_ENCODING))
        written.append(path)
    if workbook:
        written.append(write_workbook(results, folder / WORKBOOK["file"][language], mode=mode, language=language))
    written.append(_write_readme(results, folder, tables, mode, language))
    return written


def _write_readme(results: RunResults, folder: Path, tables: list[Table], mode: str, language: str) -> Path:
    """A README beside the tables: format, codes, disclosure, and every table and column in words."""
    k = results.config.output.min_count
    lines = []
    if results.config.project.synthetic:
        lines.append(SYNTHETIC_NOTE[language])
    if mode == "public":
        lines.append(PUBLIC_TABLES_NOTE[language].format(k=k, label=suppressed_label(k, language)))
    else:
        lines.append(INTERNAL_TABLES_NOTE[language])
    lines += [CSV_FORMAT_NOTE[language], CODES_NOTE[language], ""]
    for table in tables:
        lines.append(f"{table.name}.csv: {table.title.get(language, table.name)}")
        description = table.description.get(language)
        if description:
            lines.append(f"  {description}")
        lines.append(f"  {COLUMNS_HEADING[language]}:")
        for column in words(_frame(table).head(0), language).columns:
            lines.append(f"    {column}: {column_label(column, language, table.name)}")
        lines.append("")
    path = folder / "README.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- workbook
def _sheet_title(title: str) -> str:
    """A title as a sheet name: Excel's forbidden characters replaced (``*`` by ``∗``), cut at a word to 31 characters.

    A cut title ends with ``…``.
    """
    text = re.sub(r"\s+", " ", re.sub(r"[\[\]:?/\\]", " ", title).replace("*", "\u2217")).strip()
    if len(text) <= 31:
        return text
    cut = text[:30]
    if " " in cut:
        cut = cut[: cut.rfind(" ")].rstrip(" ,;–-(")
    return cut + "…"


def _sheet_names(parts: list[tuple[Table, int]], language: str) -> list[str]:
    """Sheet names from the table titles: at most 31 characters, none Excel forbids, unique.

    Part ``k`` > 1 of a split table adds `` (k)`` to its title.
    """
    names: list[str] = []
    taken = {WORKBOOK["contents"][language].lower()}
    for table, k in parts:
        base = _sheet_title(table.title.get(language) or table.name) or table.name[:31]
        name, i = (base, 2) if k == 1 else (base[: 31 - len(f" ({k})")] + f" ({k})", k + 1)
        while name.lower() in taken:
            suffix = f" ({i})"
            name, i = base[: 31 - len(suffix)] + suffix, i + 1
        names.append(name)
        taken.add(name.lower())
    return names


def _number_format(column: str, series: pd.Series, counts: set[str]) -> str | None:
    """Excel number format of a column (shown with the reader's own separators)."""
    if column in counts or pd.api.types.is_integer_dtype(series):
        return "#,##0"
    if not pd.api.types.is_float_dtype(series):
        return None
    if column.endswith(("_p", "_q", "_p_holm")) or column in ("p_value",) or column.startswith("moran_p"):
        return "0.0000"
    if "share" in column or column.startswith(("cover", "hit_")):  # shares 0–1 as per cent
        return "0.0%"
    return "#,##0.00"


def _sheet_frame(table: Table, language: str, label: str) -> pd.DataFrame:
    """A table for people: codes in words, withheld counts as ``label``, booleans as yes/no, no flag columns.

    Per-cell tables keep only the cells that carry a result (as in the GeoPackage); the
    CSV has every cell. Built column by column: numbers stay numbers (fast to write).
    """
    data = informative_cells(table.data)
    columns = {}
    for column in data.columns:
        if column == "geometry" or column.endswith(_SUPPRESSED):
            continue
        values = data[column]
        if column in _CODE_WORDS or column in _VALUE_WORDS:
            said_by = _CODE_WORDS.get(column) or _VALUE_WORDS[column]
            say = {code: said_by(code, language) for code in pd.unique(values) if isinstance(code, str)}
            said = values.map(say)
            values = said.where(said.notna(), values)
        elif pd.api.types.is_bool_dtype(values):
            values = pd.Series(np.where(values.to_numpy(), WORKBOOK["yes"][language], WORKBOOK["no"][language]),
                               index=values.index)
        flag = data.get(column + _SUPPRESSED)
        if flag is not None:
            hidden = flag.fillna(False).astype(bool).to_numpy()
            if hidden.any():
                values = values.astype(object)
                values[hidden] = label
        columns[column] = values
    out = pd.DataFrame(columns, index=data.index)
    if "period" in out.columns:  # the whole span in words, as the map says it
        out["period"] = out["period"].replace({WHOLE_PERIOD: MAP_UI["whole_span"][language]})
    return output_codes(out, language)


def _sheet_layout(table: Table, frame: pd.DataFrame, language: str
                  ) -> tuple[list[str], list[float], list[Style | None]]:
    """Headings in words, fitted column widths and number formats of one table's sheet."""
    headings = [column_label(c, language, table.name) for c in frame.columns]
    counts = set(table.count_columns)
    source = table.data
    formats = [_number_format(c, source[c], counts) if c in source.columns else None for c in frame.columns]
    widths = []
    for j, column in enumerate(frame.columns):
        sample = [str(v) for v in frame[column].head(200) if v is not None]
        width = max([len(w) for w in headings[j].split()] + [len(x) for x in sample] + [6])
        widths.append(min(width + 2, _MAX_WIDTH))
    return headings, widths, [Style(fmt) if fmt else None for fmt in formats]


def _contents_rows(tables: list[Table], sheets: dict[str, list[str]], notes: dict[str, str],
                   language: str) -> list[list[object]]:
    """The first sheet: every table (sheets, CSV file, title, description) and its columns in words."""
    bold, wrap = Style(bold=True), Style(wrap=True)
    rows: list[list[object]] = [[Styled(WORKBOOK[key][language], bold)
                                 for key in ("sheet", "csv", "table", "description", "column", "meaning")]]
    for table in tables:
        text = table.description.get(language, "")
        if "cell_id" in table.data.columns:
            text = f"{text} {WORKBOOK['cells_note'][language]}".strip()
        if table.name in notes:
            text = f"{text} {notes[table.name]}".strip()
        rows.append([", ".join(sheets[table.name]), f"{table.name}.csv", table.title.get(language, table.name),
                     Styled(text, wrap), None, None])
        for column in words(table.data.drop(columns="geometry", errors="ignore").head(0), language).columns:
            rows.append([None, None, None, None, column, column_label(column, language, table.name)])
    return rows


def write_workbook(results: RunResults, path: Path, *, mode: str, language: str | None = None) -> Path:
    """Write the tables as one Excel workbook for people (atomically).

    Parameters
    ----------
    results : RunResults
    path : Path
        The ``.xlsx`` file to write; its folder must exist.
    mode : {"public", "internal"}
    language : {"sv", "en"}, optional
        Default ``config.project.language``.

    Returns
    -------
    Path
        The workbook: a contents sheet (every table and column in words), then one
        sheet per table named by its title, headings and codes in words, withheld
        counts written as in the report (``"<5 (dolt)"``), number formats, a frozen
        heading row. Every table is there: one longer than :data:`MAX_SHEET_ROWS`
        rows (Excel's limit) is split over sheets of that many rows, in order, and
        the contents sheet says so.
    """
    language = language or results.config.project.language
    results = public_view(results, mode)
    tables = _tables(results, mode)
    label = suppressed_label(results.config.output.min_count, language)
    frames = {t.name: _sheet_frame(t, language, label) for t in tables}
    parts = [(t, k) for t in tables for k in range(1, max(1, -(-len(frames[t.name]) // MAX_SHEET_ROWS)) + 1)]
    names = _sheet_names(parts, language)
    sheets: dict[str, list[str]] = {}
    for (table, _), name in zip(parts, names, strict=True):
        sheets.setdefault(table.name, []).append(name)
    notes = {name: WORKBOOK["split"][language].format(
        n=format_number(len(frames[name]), language, 0), m=format_number(MAX_SHEET_ROWS, language, 0), k=len(s))
        for name, s in sheets.items() if len(s) > 1}
    wb = Workbook()
    wb.add_sheet(WORKBOOK["contents"][language], _contents_rows(tables, sheets, notes, language),
                 widths=(32, 28, 40, 70, 28, 50))
    for (table, k), name in zip(parts, names, strict=True):
        frame = frames[table.name].iloc[(k - 1) * MAX_SHEET_ROWS: k * MAX_SHEET_ROWS]
        headings, widths, number_styles = _sheet_layout(table, frame, language)
        wb.add_table(name, headings, [frame[c] for c in frame.columns], widths=widths, number_styles=number_styles)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path

"""The blocks a section is made of (paragraph, heading, list, table, figure), as the template renders them.

A block is a plain dict with a ``type`` (``p``, ``h3``, ``note``, ``missing``, ``ul``,
``table``, ``figure``); ``templates/report.html.j2`` writes each type. Count cells carry
``data-count`` (the number shown), so a scan of the written report can check that no
count under ``output.min_count`` is left in a public report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from ...run.schemas import TableSchema
from .context import ReportContext, clean

__all__ = ["Block", "Column", "paragraph", "heading", "note_block", "links", "bullets", "cell", "table_block",
           "kv_table", "figure_block", "present"]

#: One block of a section (see the module docstring).
Block = dict[str, Any]

#: A table column: (column of the data, heading, formatter; ``None`` writes the value as text).
Column = tuple[str, str, Callable[[Any], str] | None]

#: Columns shown as text (left-aligned) even when they have a formatter.
TEXTUAL = frozenset({"category", "direction", "funnel_position", "method", "bra_group", "unit", "variable", "pi",
                     "area", "district_name", "distance_band", "time_band", "year", "rr_ci", "trend_ci"})


def paragraph(text: str) -> Block:
    """A paragraph."""
    return {"type": "p", "text": text}


def heading(text: str) -> Block:
    """A sub-heading (``h3``) inside a section."""
    return {"type": "h3", "text": text}


def note_block(text: str) -> Block:
    """A paragraph in the note style (smaller, grey)."""
    return {"type": "note", "text": text}


def links(intro: str, items: Iterable[tuple[str, str]]) -> Block:
    """A sentence ending in a list of links: ``intro`` then each (text, relative file name) as a link."""
    return {"type": "links", "intro": intro, "links": [{"text": text, "href": href} for text, href in items]}


def bullets(items: list[str], cls: str | None = None) -> Block:
    """A bullet list."""
    block: Block = {"type": "ul", "items": items}
    if cls is not None:
        block["cls"] = cls
    return block


def present(blocks: Iterable[Block | None]) -> list[Block]:
    """The blocks without the ``None`` of a chart that was not drawn."""
    return [b for b in blocks if b is not None]


def cell(text: Any, *, num: bool = False, count: Any = None, cls: str = "") -> dict[str, Any]:
    """A table cell; ``count`` (a number shown as a count) becomes the cell's ``data-count``."""
    classes = " ".join(c for c in (("num" if num else ""), cls) if c)
    c = None
    if count is not None:
        try:
            c = None if pd.isna(count) else (int(count) if float(count).is_integer() else round(float(count), 3))
        except (TypeError, ValueError):
            c = None
    return {"text": text, "cls": classes, "count": c}


def _count_cell(ctx: ReportContext, value: Any, hidden: bool) -> dict[str, Any]:
    if hidden:
        return cell(ctx.suppressed(), num=True, cls="suppressed")
    if pd.isna(value):
        return cell("–", num=True)
    return cell(ctx.count_text(value), num=True, count=value)


def table_block(
    ctx: ReportContext,
    df: pd.DataFrame,
    columns: list[Column],
    caption: str,
    *,
    schema: TableSchema | None = None,
    note: str = "",
    max_rows: int = 60,
) -> Block:
    """A table of the rows of ``df`` (at most ``max_rows``).

    Parameters
    ----------
    ctx : ReportContext
    df : DataFrame
    columns : list of (column, heading, formatter)
        Columns missing from ``df`` are left out. A formatter of ``None`` writes the
        cleaned value as text.
    caption : str
    schema : TableSchema, optional
        The table ``df`` comes from: its count columns (:meth:`ReportContext.counts_of`)
        are written as counts, and as "<5 (dolt)" where ``<column>_suppressed`` is True.
    note : str
        Said under the table (the number of rows left out is added).
    max_rows : int

    Returns
    -------
    Block
    """
    counts = ctx.counts_of(schema)
    cols = [(c, lab, f) for c, lab, f in columns if c in df.columns]
    rows = []
    for _, rec in df.head(max_rows).iterrows():
        row = []
        for c, _lab, f in cols:
            v = rec[c]
            if c in counts:
                hidden = bool(rec.get(f"{c}_suppressed", False)) if f"{c}_suppressed" in df.columns else False
                row.append(_count_cell(ctx, v, hidden))
            elif f is None:
                row.append(cell(clean(v)))
            else:
                row.append(cell(f(v), num=c not in TEXTUAL))
        rows.append(row)
    if len(df) > max_rows:
        note = (note + " " + ctx.t["more_rows"].format(n=len(df) - max_rows)).strip()
    heads = [{"label": lab, "num": (f is not None or c in counts) and c not in TEXTUAL} for c, lab, f in cols]
    return {"type": "table", "caption": caption, "note": note, "columns": heads, "rows": rows}


def kv_table(caption: str, rows: Iterable[tuple[Any, Any]], labels: tuple[str, str], mono: bool = False) -> Block:
    """A two-column table of (key, value) pairs, values in a monospace font when ``mono``."""
    return {"type": "table", "caption": caption, "note": "",
            "columns": [{"label": labels[0], "num": False}, {"label": labels[1], "num": False}],
            "rows": [[cell(clean(k)), cell(clean(v, 300), cls="mono" if mono else "")] for k, v in rows]}


def figure_block(src: str | None, caption: str, *, cls: str = "") -> Block | None:
    """A chart or map (a PNG data URI) with its caption; ``None`` when it was not drawn."""
    if src is None:
        return None
    return {"type": "figure", "src": src, "caption": caption, "alt": caption, "cls": cls}

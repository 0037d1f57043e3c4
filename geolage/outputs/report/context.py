"""What every section of the report reads: the results, the texts of one language and the number format.

A :class:`ReportContext` is made once per report from the results an output of the
mode may show (:func:`geolage.outputs.common.public_view`). Sections find tables
through their schemas (``ctx.table(schemas.TREND)``) and write numbers with
:mod:`geolage.text.format`. Text that comes from input data (district names, a
user's category codes, parameters) goes through :func:`clean` first; escaping for
HTML is left to Jinja2's autoescaping.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from ...categories import ALL_CATEGORIES, CATEGORIES
from ...focus import FocusArea
from ...run.disclosure import DEFAULT_COUNT_COLUMNS, suppressed_label
from ...run.results import RunResults
from ...run.schemas import TableSchema
from ...text.format import format_number, format_p, format_percent
from ...text.labels import category_label
from ...text.report import LIMITS, report_texts

__all__ = ["ReportContext", "clean", "chart_text", "css_string", "year_text"]

#: Longest text from input data shown in the report (longer text is shortened with "…").
MAX_TEXT = 120

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


# --------------------------------------------------------------------------- text from input data
def clean(value: Any, limit: int | None = MAX_TEXT) -> str:
    """Text from input data made printable: valid UTF-8, no control characters, limited length.

    Parameters
    ----------
    value : any
        ``None`` gives ``""``; anything else is written with ``str``.
    limit : int, optional
        Longest length; longer text ends in "…". ``None``: no limit.

    Returns
    -------
    str
        Not escaped: Jinja2's autoescaping does that.
    """
    text = "" if value is None else str(value)
    text = text.encode("utf-8", errors="replace").decode("utf-8", errors="replace")
    text = _CONTROL.sub("", text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def chart_text(value: Any, limit: int = 40) -> str:
    """Text safe for a matplotlib label: cleaned, short, no mathtext (``$`` escaped)."""
    return clean(value, limit).replace("$", r"\$")


def css_string(value: str) -> str:
    """Text safe inside a CSS string (the printed page's header and footer)."""
    return re.sub(r"[\\\"'<>{};\n\r]", "", clean(value, 90))


def year_text(value: Any) -> str:
    """A year as ``"2024"`` (``2024.0`` too); other values cleaned as they are."""
    try:
        return str(int(float(value)))
    except (TypeError, ValueError):
        return clean(value)


# --------------------------------------------------------------------------- the context
class ReportContext:
    """The results, texts and number format a section builder needs.

    Parameters
    ----------
    results : RunResults
        The results the report may show (already public in ``public`` mode).
    language : {"sv", "en"}
    mode : {"public", "internal"}

    Attributes
    ----------
    r : RunResults
    lang, mode : str
    k : int
        ``output.min_count``: counts under it are suppressed in public outputs.
    t : dict of str to str
        The report's texts in ``lang`` (:func:`geolage.text.report.report_texts`).
    per : int
        Rates are per ``per`` residents.
    area : FocusArea or None
        The focus area of an area report (None: the municipal overview).
    """

    def __init__(self, results: RunResults, language: str, mode: str, area: FocusArea | None = None,
                 shared: dict[str, Any] | None = None) -> None:
        self.r = results
        #: Parts that are the same in every report of one run, language and mode (the appendix on data
        #: and method), made once by :meth:`once` (:func:`geolage.outputs.report.write_report` shares it).
        self.shared: dict[str, Any] = {} if shared is None else shared
        self.area = area
        self.lang = language
        self.mode = mode
        self.k = results.config.output.min_count
        self.t = report_texts(language)
        self.per = results.config.statistics.rate_per

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()`` the first time ``key`` is asked for in the shared parts, the same object after that."""
        if key not in self.shared:
            self.shared[key] = make()
        return self.shared[key]

    # ----------------------------------------------------------------- tables
    def table(self, schema: TableSchema) -> pd.DataFrame | None:
        """The data of a result table; ``None`` when the run has no such table or it is empty."""
        tab = self.r.tables.get(schema.name)
        if tab is None or tab.data is None or len(tab.data) == 0:
            return None
        return tab.data

    def counts_of(self, schema: TableSchema | None) -> set[str]:
        """Count columns of a table: shown as counts, suppressed ones as "<5 (dolt)"."""
        tab = self.r.tables.get(schema.name) if schema is not None else None
        return set(DEFAULT_COUNT_COLUMNS) | (set(tab.count_columns) if tab else set())

    def missing(self, *schemas: TableSchema) -> dict[str, Any]:
        """The block said in place of a part whose table(s) the run does not have."""
        what = self.t["what_table"].format(name=" / ".join(s.name for s in schemas))
        return {"type": "missing", "text": self.t["not_computed"].format(what=what)}

    # ----------------------------------------------------------------- numbers and labels
    def num(self, x: Any, decimals: int | None = None) -> str:
        """A number (:func:`geolage.text.format.format_number`)."""
        return format_number(x, self.lang, decimals)

    def pct(self, x: Any, decimals: int = 0, *, share: bool = False, sign: bool = False) -> str:
        """A percentage (:func:`geolage.text.format.format_percent`)."""
        return format_percent(x, self.lang, decimals, share=share, sign=sign)

    def p(self, x: Any) -> str:
        """A p-value (:func:`geolage.text.format.format_p`)."""
        return format_p(x, self.lang)

    def count_text(self, x: Any) -> str:
        """A count: whole numbers without decimals, weights with one."""
        return self.num(x, 0 if float(x).is_integer() else 1)

    def suppressed(self) -> str:
        """What a suppressed count shows, e.g. ``"<5 (dolt)"``."""
        return suppressed_label(self.k, self.lang)

    def cat(self, code: Any, capital: bool = False) -> str:
        """Label of a category code, lower case inside a sentence; ``capital=True`` starts it upper case."""
        label = self.t["cat_all"] if code == ALL_CATEGORIES else category_label(str(code), self.lang)
        label = clean(label)
        if capital:
            return label[:1].upper() + label[1:]
        if code in CATEGORIES:
            label = label[:1].lower() + label[1:]
        return label

    def limits(self) -> list[str]:
        """The general limitations (:data:`geolage.text.report.LIMITS`) in ``lang``."""
        return [text[self.lang] for text in LIMITS]

    # ----------------------------------------------------------------- areas
    def focus_names(self) -> set[str]:
        """Names and ids of the focus areas (config ``areas.focus`` and ``districts.is_focus``)."""
        names = {str(f) for f in self.r.config.areas.focus}
        d = self.r.districts
        if d is not None and "is_focus" in d.columns:
            f = d[d["is_focus"].fillna(False).astype(bool)]
            names |= set(map(str, f.index)) | set(map(str, f.get("district_name", [])))
        return names

    def is_focus(self, df: pd.DataFrame) -> pd.Series:
        """Rows of ``df`` that belong to a focus area."""
        focus = self.focus_names()
        hit = pd.Series(False, index=df.index)
        for col in ("area", "area_name", "district_id", "district_name"):
            if col in df.columns:
                hit |= df[col].astype(str).isin(focus)
        if "is_focus" in df.columns:
            hit |= df["is_focus"].fillna(False).astype(bool)
        return hit

    def district_name(self, district_id: Any) -> str:
        """Name of a district (its id when the districts have no name)."""
        d = self.r.districts
        if d is not None and "district_name" in d.columns and district_id in d.index:
            return clean(d.loc[district_id, "district_name"])
        return clean(district_id)

    def area_rows(self, df: pd.DataFrame, column: str = "area") -> pd.DataFrame:
        """Rows of ``df`` about this report's focus area (``column`` equal to its id)."""
        if self.area is None or column not in df.columns:
            return df.iloc[0:0]
        return df[df[column].astype(str) == self.area.area_id]

"""The text of the configuration ``geolage init`` writes: one function per section (:mod:`geolage.init`)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .init import DistrictGuess, SourceGuess

__all__ = ["q", "toml_path", "month_end", "districts_lines", "source_lines", "periods_lines", "analysis_lines"]


def q(value: Any) -> str:
    """A TOML string literal."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_path(p: Path, base: Path) -> str:
    """``p`` as a TOML string, relative to ``base`` (the configuration's folder) where possible."""
    try:
        return q(Path(p).resolve().relative_to(base.resolve()).as_posix())
    except ValueError:
        try:
            return q(Path(os.path.relpath(Path(p).resolve(), base.resolve())).as_posix())
        except ValueError:  # another drive
            return q(Path(p).resolve().as_posix())


def _unit(first: dt.date | None, last: dt.date | None) -> str:
    if first is None or last is None:
        return "month"
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return "year" if months >= 36 else "quarter" if months >= 24 else "month"


def districts_lines(d: DistrictGuess | None, base: Path, t: dict[str, str]) -> list[str]:
    """The ``[districts]`` and ``[grid]`` tables (a grid-only comment without districts)."""
    if d is None:
        return [f"# {line}" for line in t["no_districts"].split("\n")] + ["[grid]", 'cell_size = "auto"',
                                                                          f"hull_buffer = 500.0  # {t['hull']}"]
    lines = [f"# {t['districts_comment']}", "[districts]", f"path = {toml_path(d.path, base)}"]
    if d.layer:
        lines.append(f"layer = {q(d.layer)}")
    lines.append(f"id_field = {q(d.id_field)}" if d.id_field else f'id_field = ""  # TODO: {t["id_todo"]}')
    lines.append(f"name_field = {q(d.name_field)}" if d.name_field else f'name_field = ""  # TODO: {t["name_todo"]}')
    if d.population_table is not None:
        lines.append(f"population_table = {toml_path(d.population_table, base)}  # {t['population_table']}")
    if d.population_field:
        lines.append(f"population_field = {q(d.population_field)}  # {t['population_field']}")
    else:
        lines.append(f"# population_field = \"...\"  # {t['no_population']}")
    return lines + ["", "[grid]", 'cell_size = "auto"']


def source_lines(g: SourceGuess, name: str, plan: dict[str, str], base: Path, t: dict[str, str]) -> list[str]:
    """The ``[[sources]]`` table of one incident file (``name``: the source's name)."""
    lines = [f"# {t['source'].format(file=g.path.name, n=g.n_rows)}", "[[sources]]",
             f"name = {q(name)}", f"path = {toml_path(g.path, base)}"]
    if g.layer:
        lines.append(f"layer = {q(g.layer)}")
    if g.sheet:
        lines.append(f"sheet = {q(g.sheet)}")
    if g.format == "csv":
        if g.encoding != "utf-8":
            lines.append(f"encoding = {q(g.encoding)}")
        if g.delimiter != ",":
            lines.append(f"delimiter = {q(g.delimiter)}")
    if "lon" not in g.columns:
        if g.crs:
            lines.append(f"crs = {q(g.crs)}  # {g.crs_reason}")
        elif "coordinates" not in g.todo:
            lines.append(f'crs = "EPSG:3006"  # TODO: {t["xy_crs_todo"]}')
    if g.date_format:
        lines.append(f"date_format = {q(g.date_format)}  # {t['date_format']}")
    else:
        lines.append(f"# date_format = \"%d/%m/%Y %H:%M\"  # {t['date_format']}")
    lines.append(f"# {t['precision_' + g.precision]}")
    lines += ["", "[sources.columns]"]
    for key in ("id", "category", "lon", "lat", "x", "y", "datetime", "date", "time", "from", "to",
                "year", "month", "day", "hour", "minute"):
        if key in g.columns:
            lines.append(f"{key} = {q(g.columns[key])}")
    if "text" in g.columns:
        lines.append("text = [" + ", ".join(q(c) for c in g.columns["text"]) + f"]  # {t['text']}")
    if g.district_column is not None:
        column, matched, total = g.district_column
        if matched == total:  # every value names a district: count each incident in the district it names
            lines.append(f"district = {q(column)}  # {t['district_column'].format(n=matched)}")
        else:
            lines.append(f"# district = {q(column)}  # {t['district_partial'].format(n=matched, total=total)}")
    for todo in g.todo:
        if todo in ("coordinates", "date", "category", "category_guessed"):
            lines.append(f"# TODO: {t['todo_' + todo]}")
    lines += ["", f"[sources.categories]  # {t['categories']}"]
    for code, target in plan.items():
        lines.append(f"{q(code)} = {q(target)}  # {g.categories[code]} {t['rows']}")
    return lines


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def periods_lines(first: dt.date | None, last: dt.date | None, t: dict[str, str]) -> list[str]:
    """The ``[periods]`` table: whole months from the first to the last date (a TODO without dates)."""
    if first is None or last is None:
        return ["[periods]", f"# TODO: {t['periods_todo']}", "start = 2020-01-01", "end = 2024-12-31",
                'unit = "year"']
    start, end = first.replace(day=1), month_end(last)
    return [f"# {t['periods']}", "[periods]", f"start = {start}", f"end = {end}",
            f"unit = {q(_unit(first, last))}  # {t['unit']}"]


def analysis_lines(guesses: list[SourceGuess], t: dict[str, str]) -> list[str]:
    """The ``[near_repeat]`` and ``[output]`` tables."""
    lines = [f"# {t['near_repeat_comment']}", "[near_repeat]", 'category = "auto"']
    if any(g.precision in ("month", "year") for g in guesses):
        lines.append(f"# {t['near_repeat_month']}")
    lines += ["", f"# {t['output']}", "[output]", 'mode = "public"', "min_count = 5"]
    return lines

"""The result tables as UTF-8 CSV files with a README that explains every table and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..run.results import RunResults
from ..text.labels import column_label
from ..text.outputs import COLUMNS_HEADING, INTERNAL_TABLES_NOTE, PUBLIC_TABLES_NOTE, SYNTHETIC_NOTE
from .common import public_view

__all__ = ["write_tables_csv"]


def write_tables_csv(results: RunResults, folder: Path, *, mode: str) -> list[Path]:
    """Write every result table as UTF-8 CSV (public mode: after disclosure control) and a README.

    Parameters
    ----------
    results : RunResults
    folder : Path
        Created if missing.
    mode : {"public", "internal"}

    Returns
    -------
    list of Path
        The CSV files, then ``README.txt``.
    """
    results = public_view(results, mode)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in results.tables.values():
        if mode == "public" and table.internal_only:
            continue
        df = pd.DataFrame(table.data.drop(columns="geometry", errors="ignore"))
        path = folder / f"{table.name}.csv"
        df.to_csv(path, index=False, encoding="utf-8")
        written.append(path)
    written.append(_write_readme(results, folder, [p.stem for p in written], mode))
    return written


def _write_readme(results: RunResults, folder: Path, names: list[str], mode: str) -> Path:
    """A README beside the CSV tables: what each is, whether data are synthetic, disclosure mode."""
    lang = results.config.project.language
    lines = []
    if results.config.project.synthetic:
        lines.append(SYNTHETIC_NOTE[lang])
    if mode == "public":
        lines.append(PUBLIC_TABLES_NOTE[lang].format(k=results.config.output.min_count))
    else:
        lines.append(INTERNAL_TABLES_NOTE[lang])
    lines.append("")
    for name in names:
        t = results.tables[name]
        lines.append(f"{name}.csv: {t.title.get(lang, name)}")
        cols = [c for c in t.data.columns if c != "geometry"]
        lines.append(f"  {COLUMNS_HEADING[lang]}: " + "; ".join(f"{c} = {column_label(c, lang)}" for c in cols))
    path = folder / "README.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path

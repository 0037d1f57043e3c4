"""Earlier releases of a lägesbild: a count an earlier public run hid stays hidden (rule 11 of disclosure).

Why
---
Threshold suppression alone cannot stop *differencing*: a (district, category, year) count of 4
is hidden in one public run; a re-run with one incident more shows it as 5, and a reader who
knows the added incident (a neighbour's report, say) has the first run's 4 back. Statistical
offices keep consecutive releases consistent with a release policy instead: a cell once
suppressed stays suppressed in every later release of the same table (SCB, Eurostat's
*Handbook on Statistical Disclosure Control*, ch. 4 on linked tables). This module is that policy.

What counts as an earlier release
---------------------------------
- ``[output] earlier_releases = ["path/to/earlier/output", ...]``: the output folders of earlier
  public runs of the same lägesbild (paths relative to the configuration file). A folder that
  is missing, holds no geolage ``run.json``, is an internal run's output or belongs to other
  districts is an error naming the folder and the fix.
- Every focus area's ``previous_output`` folder (an internal run's folder is no release and is
  passed over; other districts give a warning and the folder is passed over).
- The run's own output folder when it holds an earlier public run that this run replaces
  (``--overwrite``); it is read before it is replaced (a warning when it belongs to other
  districts, and it is passed over).

In the public step (:func:`geolage.run.disclosure.public_results`) every count cell an earlier
release hid is matched to this run's row by the table's row keys (:data:`KEY_COLUMNS`: district,
area, cell, category, unit, period, year, month …, codes compared in the earlier run's language)
and marked ``<count>_suppressed`` before the rules run, so it is hidden like a forced cell
(protected, no upper bound) and complementary and joint suppression (rules 7, 7b, 7c) complete
it. A later run then hides at least every cell the earlier one hid, so its visible cells say
nothing of an earlier hidden cell that the earlier run's own visible cells did not say already.

What it cannot do: a count an earlier release *showed* cannot be taken back. A re-run with one
incident fewer hides a shown 5 as 4, and the reader has it from the earlier 5 minus the removed
incident. Publish corrections that remove incidents as a new period, not as a re-run of a
published one.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..releases import EarlierRelease, as_written, read_hidden, read_release, release_folders
from . import schemas

if TYPE_CHECKING:
    from .results import RunResults, Table

__all__ = ["KEY_COLUMNS", "RELEASE_RULES", "keep_hidden"]

log = logging.getLogger(__name__)

#: Columns that identify a row of a result table (the cell a count belongs to); those present in a table are
#: its row keys. ``ytd_end`` and ``period_start``/``period_end`` make a count of another span another cell.
KEY_COLUMNS: tuple[str, ...] = (
    "district_id", "area", "cell_id", "category", "unit", "period", "year", "month", "weekday", "hour", "method",
    "origin", "variable", "source", "distance_band", "time_band", "period_start", "period_end", "ytd_end",
)

#: The rules recorded in ``run.json`` (``record["disclosure"]["rules"]``).
RELEASE_RULES: dict[str, str] = {
    "earlier_releases": "a count an earlier public release of this situation picture hid (output.earlier_releases, the "
                        "focus areas' previous_output, the output folder this run replaces) is hidden again, matched "
                        "by the table's row keys, and complementary suppression completes it: a re-run that differs "
                        "by a few incidents gives no hidden count back",
    "differencing": "a count an earlier release showed cannot be hidden afterwards: a re-run with incidents removed "
                    "shows what the earlier count minus them is; publish corrections as a new period",
}


def _warn(language: str, en: str, sv: str) -> None:
    """A warning in the run's language."""
    log.warning("%s", sv if language == "sv" else en)


def _canonical(values: pd.Series) -> np.ndarray:
    """Key values as text that is the same whether read from a CSV or taken from a table: numbers to 3 decimals."""
    text = values.astype(str)
    num = pd.to_numeric(text.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True), errors="coerce")  # 1,5 (sv)
    text = text.to_numpy(dtype=object)
    is_num = num.notna().to_numpy()
    if is_num.any():
        text[is_num] = [f"{v:.3f}" for v in num.to_numpy(dtype="float64")[is_num]]
    return text


def _row_keys(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    parts = [_canonical(df[k].reset_index(drop=True)) for k in keys]
    joined = parts[0].astype(str)
    for p in parts[1:]:
        joined = np.char.add(np.char.add(joined.astype(str), "\x1f"), p.astype(str))
    return pd.Series(joined, dtype=object)


def _earlier_hidden(release: EarlierRelease, table: Table, counts: list[str], language: str
                    ) -> dict[str, np.ndarray]:
    """Per count column of ``table``: the rows whose cell ``release`` hid."""
    df = table.data
    keys = [k for k in KEY_COLUMNS if k in df.columns]
    earlier = read_hidden(release, table.name, keys) if keys and not df.empty else None
    if earlier is None:
        return {}
    flags = [c for c in counts if f"{c}_suppressed" in earlier.columns]
    if not flags:
        return {}
    missing = [k for k in keys if k not in earlier.columns]
    if missing:
        _warn(language, f"{release.folder}: {table.name}.csv has no column {', '.join(missing)}, so its hidden counts "
                        "are not matched (written by another geolage version?); name a folder of this version or "
                        "check the table by hand",
              f"{release.folder}: {table.name}.csv saknar kolumnen {', '.join(missing)}, så dess dolda antal kan "
              "inte matchas (skriven av en annan version av geolage?); ange en mapp från den här versionen eller "
              "granska tabellen för hand")
        return {}
    mine = _row_keys(as_written(pd.DataFrame(df[keys]), release.language), keys)  # codes as the earlier run wrote
    theirs = _row_keys(earlier, keys)
    out = {}
    for col in flags:
        hid = earlier[f"{col}_suppressed"].astype(str).str.strip().str.lower().isin(["true", "1"]).to_numpy()
        out[col] = mine.isin(set(theirs[hid])).to_numpy()
    return out


def _read(folder: Path, origin: str, language: str) -> EarlierRelease | None:
    """Read a release (:func:`geolage.releases.read_release`); one found, not named, that cannot be read is skipped.

    A folder of ``output.earlier_releases`` that cannot be read raises its ConfigError; another (a focus
    area's ``previous_output``, the output folder) is passed over with a warning.
    """
    try:
        return read_release(folder, origin)
    except ConfigError as exc:
        if origin == "output.earlier_releases":
            raise
        _warn(language, f"{exc} ({origin}); it is passed over", f"{exc.sv or exc} ({origin}); den hoppas över")
        return None


def _check_places(release: EarlierRelease, results: RunResults, language: str) -> bool:
    """False (with a warning, or an error for ``output.earlier_releases``) when the release has other districts."""
    d = results.districts
    mine = frozenset(d["district_id"].astype(str)) if d is not None and "district_id" in d.columns else frozenset()
    if not release.district_ids or not mine or release.district_ids & mine:
        other = sorted(release.district_ids - mine) if mine else []
        if other:
            _warn(language, f"{release.folder}: {len(other)} of its districts ({', '.join(other[:3])} …) are not in "
                            "this run, so their hidden counts are not matched; check that it is the same "
                            "situation picture",
                  f"{release.folder}: {len(other)} av dess områden ({', '.join(other[:3])} …) finns inte i den här "
                  "körningen, så deras dolda antal matchas inte; kontrollera att det är samma lägesbild")
        return True
    what = (f"{release.folder}: its districts ({', '.join(sorted(release.district_ids)[:3])} …) are none of this "
            "run's, so it is no earlier release of this situation picture")
    what_sv = (f"{release.folder}: dess områden ({', '.join(sorted(release.district_ids)[:3])} …) finns inte i den "
               "här körningen, så den är ingen tidigare utgåva av den här lägesbilden")
    if release.explicit:
        raise ConfigError(f"{what}; remove it from 'output.earlier_releases' or name the right folder",
                          sv=f"{what_sv}; ta bort den ur 'output.earlier_releases' eller ange rätt mapp")
    _warn(language, f"{what} ({release.origin}); it is passed over", f"{what_sv} ({release.origin}); den hoppas över")
    return False


def keep_hidden(results: RunResults, min_count: int,
                replacing: Path | None = None) -> tuple[dict[str, Table], dict[str, Any]]:
    """The run's tables with every cell an earlier release hid marked hidden, and what to record.

    Parameters
    ----------
    results : RunResults
    min_count : int
        ``k``: a marked cell of ``k`` or more (or a zero where zeros are shown) is one kept hidden because of
        an earlier release.
    replacing : Path, optional
        The output folder this run replaces (:func:`release_folders`).

    Returns
    -------
    tables : dict of str to Table
        ``results.tables`` with ``<count>_suppressed`` set True on those cells (tables without such cells
        as they are), for :func:`geolage.run.disclosure.public_table`, which keeps a set flag hidden.
    record : dict
        ``{"earlier_releases": [...], "kept_hidden": {table: n}}`` for ``record["disclosure"]``; empty
        when there is no earlier release.
    """
    from .disclosure import DEFAULT_COUNT_COLUMNS  # it imports this module

    language = results.config.project.language
    releases = [r for folder, origin in release_folders(results.config, replacing)
                if (r := _read(folder, origin, language)) is not None and _check_places(r, results, language)]
    if not releases:
        return dict(results.tables), {}
    cell_size = ((results.parameters or {}).get(schemas.GRID.name) or {}).get("cell_size_m")
    tables = dict(results.tables)
    kept: dict[str, int] = {}
    other_grid: set[Path] = set()  # releases of another cell size (warned once)
    for name, table in results.tables.items():
        if table.internal_only:
            continue
        counts = [c for c in dict.fromkeys([*table.count_columns, *DEFAULT_COUNT_COLUMNS]) if c in table.data.columns]
        grid = "cell_id" in table.data.columns
        marks: dict[str, np.ndarray] = {}
        for release in releases:
            if grid and release.cell_size is not None and cell_size is not None and release.cell_size != cell_size:
                if release.folder in other_grid:
                    continue
                other_grid.add(release.folder)
                _warn(language, f"{release.folder}: grid cells of {release.cell_size:g} m, this run's are "
                                f"{cell_size:g} m, so its hidden grid cells are not matched; keep "
                                "grid.cell_size between releases",
                      f"{release.folder}: rutor på {release.cell_size:g} m, den här körningens är {cell_size:g} m, "
                      f"så dess dolda rutor matchas inte; behåll grid.cell_size mellan utgåvorna")
                continue
            for col, hid in _earlier_hidden(release, table, counts, language).items():
                marks[col] = marks.get(col, np.zeros(len(hid), dtype=bool)) | hid
        if not any(m.any() for m in marks.values()):
            continue
        df = table.data.copy()
        n = 0
        for col, hid in marks.items():
            flag = f"{col}_suppressed"
            before = df[flag].fillna(False).astype(bool).to_numpy() if flag in df.columns else np.zeros(len(df), bool)
            df[flag] = before | hid
            v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype="float64")
            small = (v >= 0 if grid else v > 0) & (v < min_count)
            n += int((hid & ~before & ~small & ~np.isnan(v)).sum())
        tables[name] = dataclasses.replace(table, data=df)
        kept[name] = n
    record = {
        "earlier_releases": [{"folder": str(r.folder), "named_by": r.origin, "finished_utc": r.finished,
                              "input_sha256": r.input_sha256} for r in releases],
        "kept_hidden": {k: v for k, v in sorted(kept.items()) if v},
    }
    for r in releases:
        log.info("public mode: counts hidden in %s (%s, finished %s) stay hidden", r.folder, r.origin, r.finished)
    return tables, record

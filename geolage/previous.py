"""A focus area's previous lägesbild read from an earlier geolage output folder (load step).

``[[areas.focus]] previous_output = "path/to/earlier/output"`` names the folder an earlier
``geolage run`` wrote. Its ``run.json`` gives the language (and so the tables' folder name,
separator and decimal mark) and its ``area_profile`` table gives the area's published figures
of that run's current period: the count per offence type, the person-years (or years) and
the rate basis. The renewed lägesbild then compares its own current period with those
figures (:func:`geolage.stats.areas.period_change_published`), which works when the earlier
incident data are no longer at hand. Counts the earlier public outputs withheld (under
their ``output.min_count``) cannot be compared and are left out, and the report says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .categories import ALL_CATEGORIES, ENGLISH_CODES
from .config import FocusAreaConfig
from .errors import ConfigError

if TYPE_CHECKING:
    from .focus import FocusArea

__all__ = ["PublishedFigures", "read_previous_output", "with_published"]

#: Columns of the earlier ``area_profile`` table the comparison needs.
NEEDED = ("area", "area_name", "category", "period_start", "period_end", "rate_basis", "count", "exposure")


@dataclass(frozen=True)
class PublishedFigures:
    """A focus area's figures as an earlier geolage run published them.

    Attributes
    ----------
    folder : Path
        The earlier output folder.
    period : (date, date)
        That run's current period (first and last day).
    rate_basis : {"population", "years"}
        ``exposure`` is person-years (``population``) or years.
    exposure : float
    counts : dict of str to float
        Count per internal category code (``"alla"`` included) that the earlier run published.
    hidden : tuple of str
        Category codes whose count the earlier public outputs withheld.
    finished : str
        When the earlier run finished (from its ``run.json``), or ``""``.
    """

    folder: Path
    period: tuple[dt.date, dt.date]
    rate_basis: str
    exposure: float
    counts: dict[str, float]
    hidden: tuple[str, ...]
    finished: str = ""


def _problem(where: Path, what: str, sv: str) -> ConfigError:
    """A one-line error naming the file, in English and Swedish (the CLI prints the run's language)."""
    return ConfigError(
        f"{where}: {what} (areas.focus previous_output names the output folder of an earlier "
        "'geolage run'; point it at that folder, or give the period as previous = [start, end])",
        sv=f"{where}: {sv} (areas.focus previous_output ska vara utdatamappen från en tidigare "
        "'geolage run'; peka ut den mappen, eller ange perioden som previous = [start, slut])",
    )


def read_run_json(folder: Path, problem: Callable[[Path, str, str], ConfigError] = _problem) -> dict:
    """An earlier output folder's ``run.json`` as a dict, or the ConfigError that ``problem`` makes.

    The error says the folder is missing, has no ``run.json``, or holds one that is not JSON or
    not a record; :mod:`geolage.releases` reads earlier releases with it too.
    """
    path = folder / "run.json"
    if not folder.is_dir():
        raise problem(folder, "no such folder", "mappen finns inte")
    if not path.is_file():
        raise problem(folder, "no run.json in the folder, so it is not a geolage output folder",
                      "mappen har ingen run.json och är alltså inte en utdatamapp från geolage")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise problem(path, f"cannot be read as JSON ({exc})", f"kan inte läsas som JSON ({exc})") from None
    if not isinstance(record, dict):
        raise problem(path, "is not a geolage run record", "är inte en körningslogg från geolage")
    return record


def _profile(folder: Path, language: str) -> tuple[pd.DataFrame, Path]:
    from .outputs.names import output_name  # the output folder's names and CSV format, as the earlier run wrote
    from .outputs.tables import CSV_FORMATS

    path = folder / output_name("tables", language) / "area_profile.csv"
    if not path.is_file():
        raise _problem(path, "missing: the earlier run had no focus areas or was made by a geolage without "
                             "area profiles", "saknas: den tidigare körningen hade inga fokusområden eller "
                             "gjordes med en geolage utan områdesprofiler")
    fmt = CSV_FORMATS[language]
    df = pd.read_csv(path, sep=fmt["sep"], decimal=fmt["decimal"], encoding="utf-8-sig", dtype={"area": str})
    missing = [c for c in NEEDED if c not in df.columns]
    if missing:
        raise _problem(path, f"columns {', '.join(missing)} missing", f"kolumnerna {', '.join(missing)} saknas")
    return df, path


def read_previous_output(folder: str | Path, area_id: str, area_name: str) -> PublishedFigures:
    """Read a focus area's published figures from an earlier geolage output folder.

    Parameters
    ----------
    folder : str or Path
        The earlier run's output folder (with ``run.json`` and its tables folder).
    area_id, area_name : str
        The focus area; its rows are found by id, else by name (case-insensitive).

    Returns
    -------
    PublishedFigures

    Raises
    ------
    ConfigError
        Naming the file and what is wrong: no such folder, no ``run.json``, no ``area_profile``
        table, or no rows of the area in it.
    """
    folder = Path(folder)
    record = read_run_json(folder)
    language = "en" if record.get("language") == "en" else "sv"
    df, path = _profile(folder, language)
    rows = df[df["area"].astype(str) == str(area_id)]
    if rows.empty:
        rows = df[df["area_name"].astype(str).str.casefold() == area_name.casefold()]
    if rows.empty:
        names = ", ".join(dict.fromkeys(df["area_name"].astype(str)))
        raise _problem(path, f"no rows for the focus area {area_name!r} (areas there: {names})",
                       f"inga rader för fokusområdet {area_name!r} (områden där: {names})")
    internal = {en: code for code, en in ENGLISH_CODES.items()}
    codes = [internal.get(str(c), str(c)) for c in rows["category"]]
    counts = pd.to_numeric(rows["count"], errors="coerce").to_numpy(dtype=float)
    first = rows.iloc[0]
    period = (dt.date.fromisoformat(str(first["period_start"])[:10]),
              dt.date.fromisoformat(str(first["period_end"])[:10]))
    exposure = float(pd.to_numeric(rows["exposure"], errors="coerce").iloc[0])
    if not exposure > 0:
        raise _problem(path, f"the area {area_name!r} has no exposure (person-years or years)",
                       f"området {area_name!r} saknar exponering (personår eller år)")
    if ALL_CATEGORIES not in codes:
        raise _problem(path, f"the area {area_name!r} has no row for all offences together",
                       f"området {area_name!r} saknar raden för alla brott tillsammans")
    return PublishedFigures(
        folder=folder, period=period, rate_basis=str(first["rate_basis"]), exposure=exposure,
        counts={c: float(n) for c, n in zip(codes, counts, strict=True) if n == n},
        hidden=tuple(c for c, n in zip(codes, counts, strict=True) if n != n),
        finished=str((record.get("record") or {}).get("finished_utc", ""))[:10],
    )


def with_published(areas: Sequence[FocusArea], focus: Sequence[str | FocusAreaConfig]) -> list[FocusArea]:
    """The focus areas, each one whose configuration names ``previous_output`` with that run's figures.

    Read once, when the run is prepared; ``previous`` becomes the earlier run's current period.

    Parameters
    ----------
    areas : sequence of FocusArea
        As :func:`geolage.focus.resolve_focus_areas` gives them (in the order of ``focus``).
    focus : sequence of str or FocusAreaConfig
        ``config.areas.focus``.

    Returns
    -------
    list of FocusArea
    """
    folders = {item.name.strip(): item.previous_output for item in focus
               if isinstance(item, FocusAreaConfig) and item.previous_output is not None}
    out = []
    for area in areas:
        folder = folders.get(area.name)
        if folder is not None:
            published = read_previous_output(folder, area.area_id, area.name)
            area = dataclasses.replace(area, previous=published.period, published=published)
        out.append(area)
    return out

"""Earlier public releases of a lägesbild read from their output folders (for rule 11 of the disclosure control).

A release is the output folder of an earlier public ``geolage run``: its ``run.json`` gives the mode (only a
public run is a release), the language (and so the tables' folder name and codes), when it finished and its
input hashes; its tables folder gives the cells it hid (``<count>_suppressed``). The policy that uses them is
:mod:`geolage.run.disclosure_release`; reading a folder is here, beside :mod:`geolage.previous` (which reads a
focus area's figures from such a folder the same way).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .errors import ConfigError, Problem
from .previous import read_run_json

if TYPE_CHECKING:
    from .config import Config

__all__ = ["EarlierRelease", "release_folders", "read_release", "release_problem", "read_hidden", "as_written"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EarlierRelease:
    """The hidden cells of one earlier public run.

    Attributes
    ----------
    folder : Path
    origin : str
        Where it was named: ``"output.earlier_releases"``, ``"areas.focus[i].previous_output"`` or
        ``"output folder"`` (the folder this run replaces).
    language : {"sv", "en"}
    finished : str
        When it finished (``record.finished_utc`` of its ``run.json``), or ``""``.
    input_sha256 : dict
        Its input files' hashes as its ``run.json`` records them (empty when not recorded).
    cell_size : float or None
        Its grid cell size in metres (``parameters.grid.cell_size_m``).
    district_ids : frozenset of str
        Its districts (``districts.csv``), empty when it wrote none.
    tables : dict of str to Path
        Table name -> its CSV file.
    """

    folder: Path
    origin: str
    language: str
    finished: str = ""
    input_sha256: dict[str, str] = field(default_factory=dict)
    cell_size: float | None = None
    district_ids: frozenset[str] = frozenset()
    tables: dict[str, Path] = field(default_factory=dict)

    @property
    def explicit(self) -> bool:
        """Named in ``output.earlier_releases`` (bad input is an error; elsewhere a warning)."""
        return self.origin == "output.earlier_releases"


def _problem(folder: Path, what: str, sv: str) -> ConfigError:
    """An error naming the folder and the fix, in English and Swedish (the CLI prints the run's language)."""
    return ConfigError(
        f"{folder}: {what} ('output.earlier_releases' names output folders of earlier public 'geolage run's of "
        "this situation picture; point it at such a folder or remove the entry)",
        sv=f"{folder}: {sv} ('output.earlier_releases' ska ange utdatamappar från tidigare publika 'geolage run' "
           "av den här lägesbilden; peka ut en sådan mapp eller ta bort posten)",
    )


def _run_json(folder: Path) -> dict:
    """The earlier run's ``run.json`` (read as :func:`geolage.previous.read_run_json` does), or a ConfigError."""
    record = read_run_json(folder, _problem)
    if "record" not in record:
        raise _problem(folder / "run.json", "is not a geolage run record", "är inte en körningslogg från geolage")
    return record


def release_problem(folder: Path, key: str) -> Problem | None:
    """A one-line problem when ``folder`` (named by config ``key``) cannot be an earlier public release.

    Parameters
    ----------
    folder : Path
    key : str
        The config key, e.g. ``"output.earlier_releases[0]"``.

    Returns
    -------
    Problem or None
        None for an existing folder with a public geolage ``run.json``.
    """
    try:
        record = _run_json(folder)
    except ConfigError as exc:
        return Problem(f"'{key}': {exc}", f"'{key}': {exc.sv or exc}")
    if record.get("mode") != "public":
        return Problem(
            f"'{key}': {folder} holds an internal run (mode {record.get('mode')!r}), which published nothing; "
            "name the output folder of the public run that was released, or remove the entry",
            f"'{key}': {folder} är en intern körning (mode {record.get('mode')!r}) som inte publicerades; ange "
            "utdatamappen från den publika körning som gavs ut, eller ta bort posten",
        )
    return None


def release_folders(config: Config, replacing: Path | None = None) -> list[tuple[Path, str]]:
    """The earlier releases of a run: ``output.earlier_releases``, focus areas' ``previous_output``, ``replacing``.

    Parameters
    ----------
    config : Config
    replacing : Path, optional
        The output folder this run is about to replace; taken when it holds a public ``run.json``.

    Returns
    -------
    list of (Path, str)
        Folder and where it was named, each folder once (the first naming wins).
    """
    from .config import FocusAreaConfig

    named: list[tuple[Path, str]] = [(Path(f), "output.earlier_releases") for f in config.output.earlier_releases]
    named += [(Path(a.previous_output), f"areas.focus[{i}].previous_output")
              for i, a in enumerate(config.areas.focus)
              if isinstance(a, FocusAreaConfig) and a.previous_output is not None]
    if replacing is not None and (Path(replacing) / "run.json").is_file():
        named.append((Path(replacing), "output folder"))
    seen: set[Path] = set()
    out = []
    for folder, origin in named:
        resolved = folder.resolve()
        if resolved not in seen:
            seen.add(resolved)
            out.append((folder, origin))
    return out


def read_release(folder: Path, origin: str) -> EarlierRelease | None:
    """Read what an earlier run published: its record and where its tables are.

    Parameters
    ----------
    folder : Path
    origin : str
        As :attr:`EarlierRelease.origin`.

    Returns
    -------
    EarlierRelease or None
        None for an internal run's folder that was not named in ``output.earlier_releases``.

    Raises
    ------
    ConfigError
        For a folder of ``output.earlier_releases`` that is missing, not a geolage output, an internal
        run's, or without its tables folder; or for any folder whose ``run.json`` cannot be read.
    """
    from .outputs.names import output_name  # outputs import the disclosure module: not at the top
    from .run.schemas import GRID

    record = _run_json(folder)
    if record.get("mode") != "public":
        if origin == "output.earlier_releases":
            problem = release_problem(folder, origin)
            raise ConfigError(str(problem), sv=getattr(problem, "sv", None))
        log.info("%s (%s) holds an internal run: no earlier release", folder, origin)
        return None
    language = "en" if record.get("language") == "en" else "sv"
    tables_dir = folder / output_name("tables", language)
    if not tables_dir.is_dir():
        raise _problem(folder, f"the tables folder {tables_dir.name} is missing, so its hidden counts cannot be read",
                       f"tabellmappen {tables_dir.name} saknas, så dess dolda antal kan inte läsas")
    rec = record.get("record") or {}
    grid = (record.get("parameters") or {}).get(GRID.name) or {}
    cell = grid.get("cell_size_m")
    ids: frozenset[str] = frozenset()
    districts = tables_dir / "districts.csv"
    if districts.is_file():
        from .outputs.tables import read_table_csv

        d = read_table_csv(districts, dtype={"district_id": str}, usecols=["district_id"])
        ids = frozenset(d["district_id"].astype(str))
    return EarlierRelease(
        folder=folder, origin=origin, language=language, finished=str(rec.get("finished_utc", "")),
        input_sha256=dict(rec.get("input_sha256") or {}),
        cell_size=float(cell) if isinstance(cell, int | float) else None, district_ids=ids,
        tables={p.stem: p for p in sorted(tables_dir.glob("*.csv"))},
    )


def read_hidden(release: EarlierRelease, name: str, keys: list[str]) -> pd.DataFrame | None:
    """The earlier release's table ``name`` (its key columns as text, numbers as read), or None when it has none.

    Parameters
    ----------
    release : EarlierRelease
    name : str
        The table (its CSV file in the release's tables folder).
    keys : list of str
        Row-key columns, read as text.

    Returns
    -------
    DataFrame or None
    """
    from .outputs.tables import read_table_csv  # outputs import the disclosure control: not at the top

    path = release.tables.get(name)
    return None if path is None else read_table_csv(path, dtype=dict.fromkeys(keys, str))


def as_written(data: pd.DataFrame, language: str) -> pd.DataFrame:
    """``data`` with its codes (category, period, source) as a run in ``language`` writes them."""
    from .outputs.names import output_codes

    return output_codes(data, language)

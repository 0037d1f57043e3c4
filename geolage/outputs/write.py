"""Write every output of a run into one folder, atomically (no half-written folder that looks complete)."""

from __future__ import annotations

import glob
import logging
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from ..errors import OutputExistsError
from ..run.parallel import one_blas_thread, start, workers
from ..run.prepare import Progress
from ..run.results import RunResults
from .common import check_mode, public_view
from .gpkg import write_geopackage_layers
from .map.page import write_map
from .names import output_name
from .qgis.project import write_spatial_outputs
from .record import write_run_json
from .report import write_report
from .tables import write_tables_csv

__all__ = ["write_outputs", "remove_stale_partials", "OWNER_FILE", "OUTPUT_PARTS"]

log = logging.getLogger(__name__)

#: File inside a partial output folder naming the process writing it: pid, host and process start time.
OWNER_FILE = ".geolage-owner"
#: The parts of a run's output that :func:`write_outputs` can leave out (``parts``): the tables (CSV and
#: README), the Excel workbook (written with the tables), the GeoPackage, the GeoTIFF rasters with the QGIS
#: project, the map and the report.
OUTPUT_PARTS = ("tables", "workbook", "gpkg", "qgis", "map", "report")
#: A partial folder without an owner file (made by an older geolage) is stale when older than this (seconds).
_UNOWNED_AGE = 3600.0


def _noop(_: str) -> None:
    return None


def write_outputs(
    results: RunResults,
    out_dir: str | Path,
    *,
    overwrite: bool = False,
    mode: str | None = None,
    language: str | None = None,
    pdf: bool | None = None,
    progress: Progress = _noop,
    parts: Collection[str] | None = None,
) -> dict[str, Path]:
    """Write every output of a run into ``out_dir``, atomically.

    Parameters
    ----------
    results : RunResults
    out_dir : str or Path
        The output folder; it must not exist unless ``overwrite``.
    overwrite : bool
        Replace an existing folder (only after the new one is complete).
    mode : {"public", "internal"}, optional
        Default ``config.output.mode``. Public outputs hold no incident points, no
        free text and no count under ``output.min_count``.
    language : {"sv", "en"}, optional
        Default ``config.project.language``.
    pdf : bool, optional
        Also write the report as PDF (default ``config.output.pdf``).
    progress : callable, optional
    parts : collection of str, optional
        Only these parts of :data:`OUTPUT_PARTS` (default all; ``run.json`` always): e.g.
        ``("tables", "gpkg")`` for a national batch (``geolage batch --profile national``).
        ``"qgis"`` (rasters and QGIS project) includes the GeoPackage it opens.

    Returns
    -------
    dict
        Output name -> path.

    Raises
    ------
    OutputExistsError
        ``out_dir`` exists and ``overwrite`` is False.
    ValueError
        ``parts`` names something not in :data:`OUTPUT_PARTS`.

    Notes
    -----
    Everything is written into a hidden sibling folder first and renamed into place
    when complete, so an interrupted or failed run leaves no output that looks
    complete (the partial folder is removed).
    """
    out_dir = Path(out_dir)
    mode = mode or results.config.output.mode
    language = language or results.config.project.language
    pdf = results.config.output.pdf if pdf is None else pdf
    check_mode(mode)
    chosen = frozenset(OUTPUT_PARTS if parts is None else parts)
    if chosen - set(OUTPUT_PARTS):
        raise ValueError(f"parts: no output part {sorted(chosen - set(OUTPUT_PARTS))}; parts are {OUTPUT_PARTS}")
    if out_dir.exists() and not overwrite:
        raise OutputExistsError(f"{out_dir}: already exists; choose another --out or add --overwrite")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(out_dir)
    if mode == "public":
        progress("disclosure control")
        results = public_view(results, mode, language, replacing=out_dir)  # once, for every exporter
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    (tmp / OWNER_FILE).write_text(_owner_text(os.getpid()), encoding="utf-8")
    try:
        written = _write_all(results, tmp, mode=mode, language=language, pdf=pdf, progress=progress, parts=chosen)
        progress("run.json")
        write_run_json(
            results, tmp / "run.json", mode=mode, outputs=[str(p.relative_to(tmp)) for p in written.values()],
            language=language,
        )
        written["run_json"] = tmp / "run.json"
        (tmp / OWNER_FILE).unlink()
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {k: out_dir / p.relative_to(tmp) for k, p in written.items()}


def _write_all(
    results: RunResults, folder: Path, *, mode: str, language: str, pdf: bool, progress: Progress,
    parts: frozenset[str] = frozenset(OUTPUT_PARTS),
) -> dict[str, Path]:
    """Write every output into ``folder``; the report and the tables in child processes when allowed.

    The report (charts, HTML, PDF printing) and the tables (CSV, workbook) share nothing
    with the other writers but the results, so with two processes
    (:func:`geolage.run.parallel.workers`) each is written by a forked child while this
    process writes the GeoPackage and the map. The files and the order they are listed in
    are the same either way.
    """

    def tables() -> list[Path]:
        return write_tables_csv(results, folder / output_name("tables", language), mode=mode, language=language,
                                workbook="workbook" in parts)

    def report() -> Any:
        return write_report(results, folder, mode=mode, language=language, pdf=pdf)

    writers = {name: fn for name, fn in (("report", report), ("tables", tables)) if name in parts}
    parallel = workers() > 1 and len(writers) > 0
    if parallel:
        # matplotlib draws the report's charts in its child and the map's density images here:
        # imported before the fork, the child finds it in sys.modules instead of importing it again
        import matplotlib  # noqa: F401
    with one_blas_thread():
        children = {name: start(name, fn, parallel=True) for name, fn in writers.items()} if parallel else {}
        try:
            return _write_beside(results, folder, mode=mode, language=language, progress=progress,
                                 made=lambda name: children[name].result() if children else writers[name](),
                                 parts=parts)
        except BaseException:
            for child in children.values():
                child.cancel()
            raise


def _write_beside(results: RunResults, folder: Path, *, mode: str, language: str, progress: Progress,
                  made: Callable[[str], Any], parts: frozenset[str] = frozenset(OUTPUT_PARTS)) -> dict[str, Path]:
    """GeoPackage and map here; the tables and the report from ``made(name)`` (a child's result, or made now)."""
    written: dict[str, Path] = {}
    if "qgis" in parts:
        progress("GeoPackage, GeoTIFF, QGIS")
        spatial = write_spatial_outputs(results, folder, mode=mode, language=language)
        written.update({f"spatial:{k}": Path(v) for k, v in _as_dict(spatial).items()})
    elif "gpkg" in parts:
        progress("GeoPackage")
        gpkg = folder / output_name("gpkg", language)
        write_geopackage_layers(results, gpkg, mode=mode, language=language)
        written["spatial:gpkg"] = gpkg
    map_path = None
    if "map" in parts:
        progress("map")
        map_path = Path(write_map(results, folder / output_name("map", language), mode=mode, language=language))
    if "tables" in parts:
        progress("tables (CSV)")
        for p in made("tables"):
            written[f"csv:{p.stem}"] = p
    if map_path is not None:
        written["map"] = map_path
    if "report" in parts:
        progress("report")
        written.update({f"report:{k}": Path(v) for k, v in _as_dict(made("report")).items()})
    return written


def _as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    if isinstance(obj, list | tuple):
        return {Path(p).name: p for p in obj}
    return {Path(obj).name: obj}


# ------------------------------------------------------------------ partial folders of killed runs
def _start_time(pid: int) -> str:
    """The start time of process ``pid`` (clock ticks since boot, from /proc); "" where unknown."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _owner_text(pid: int) -> str:
    return f"{pid}\n{socket.gethostname()}\n{_start_time(pid)}\n"


def _alive(pid: int, started: str = "") -> bool:
    """Whether process ``pid`` runs (and, when its start time was recorded, is the same process)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists but belongs to someone else
        return True
    return not started or not _start_time(pid) or _start_time(pid) == started


def _stale(folder: Path, pid_from_name: int | None) -> bool:
    """Whether a hidden partial or old folder belongs to no running geolage process."""
    owner = folder / OWNER_FILE
    if owner.is_file():
        try:
            pid_text, host, started = (owner.read_text(encoding="utf-8").split("\n") + ["", ""])[:3]
            pid = int(pid_text)
        except (OSError, ValueError):
            return time.time() - folder.stat().st_mtime > _UNOWNED_AGE
        if host != socket.gethostname():  # another machine on a shared disk: not ours to judge
            log.warning("%s: partial output of a run on %s; remove it when that run has ended", folder, host)
            return False
        return not _alive(pid, started)
    if pid_from_name is not None:
        return not _alive(pid_from_name)
    return time.time() - folder.stat().st_mtime > _UNOWNED_AGE


def remove_stale_partials(out_dir: str | Path) -> list[Path]:
    """Remove the hidden partial (and replaced) folders of earlier runs into ``out_dir`` that were killed.

    A run writes into ``.<out>.partial-*`` and, when replacing an output, moves the old one to
    ``.<out>.old-<pid>``; a run killed (SIGKILL, power loss) leaves them behind, with personal data in
    internal mode. A folder is removed only when the process that made it is no longer running: its
    owner file (pid, host, process start time) says which, or the pid in the name; a folder without
    either (made by an older geolage) when it is older than an hour.

    Parameters
    ----------
    out_dir : str or Path
        The output folder of the run about to write.

    Returns
    -------
    list of Path
        The folders removed.
    """
    out_dir = Path(out_dir)
    if not out_dir.parent.is_dir():
        return []
    removed = []
    name = glob.escape(out_dir.name)
    for pattern, pid_in_name in ((f".{name}.partial-*", False), (f".{name}.old-*", True)):
        for folder in sorted(out_dir.parent.glob(pattern)):
            if not folder.is_dir() or folder.is_symlink():
                continue
            pid = None
            if pid_in_name:
                suffix = folder.name.rsplit("-", 1)[-1]
                pid = int(suffix) if suffix.isdigit() else None
            if _stale(folder, pid):
                shutil.rmtree(folder, ignore_errors=True)
                log.warning("%s: removed the partial output of an earlier run that was killed", folder)
                removed.append(folder)
    return removed

"""Write every output of a run into one folder, atomically (no half-written folder that looks complete)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import OutputExistsError
from ..run.prepare import Progress
from ..run.results import RunResults
from .common import check_mode, public_view
from .map.page import write_map
from .qgis.project import write_spatial_outputs
from .record import write_run_json
from .report import write_report
from .tables import write_tables_csv

__all__ = ["write_outputs"]


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

    Returns
    -------
    dict
        Output name -> path.

    Raises
    ------
    OutputExistsError
        ``out_dir`` exists and ``overwrite`` is False.

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
    if out_dir.exists() and not overwrite:
        raise OutputExistsError(f"{out_dir}: already exists; choose another --out or add --overwrite")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    if mode == "public":
        progress("disclosure control")
        results = public_view(results, mode, language)  # once, for every exporter
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        written = _write_all(results, tmp, mode=mode, language=language, pdf=pdf, progress=progress)
        progress("run.json")
        write_run_json(
            results, tmp / "run.json", mode=mode, outputs=[str(p.relative_to(tmp)) for p in written.values()]
        )
        written["run_json"] = tmp / "run.json"
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
    results: RunResults, folder: Path, *, mode: str, language: str, pdf: bool, progress: Progress
) -> dict[str, Path]:
    written: dict[str, Path] = {}
    progress("GeoPackage, GeoTIFF, QGIS")
    spatial = write_spatial_outputs(results, folder, mode=mode, language=language)
    written.update({f"spatial:{k}": Path(v) for k, v in _as_dict(spatial).items()})
    progress("tables (CSV)")
    for p in write_tables_csv(results, folder / "tabeller", mode=mode, language=language):
        written[f"csv:{p.stem}"] = p
    progress("map")
    written["map"] = Path(write_map(results, folder / "karta.html", mode=mode, language=language))
    progress("report")
    rep = write_report(results, folder, mode=mode, language=language, pdf=pdf)
    written.update({f"report:{k}": Path(v) for k, v in _as_dict(rep).items()})
    return written


def _as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    if isinstance(obj, list | tuple):
        return {Path(p).name: p for p in obj}
    return {Path(obj).name: obj}

"""The run record ``run.json``: config, input hashes, package versions, seed, every parameter, data quality."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path, PureWindowsPath
from typing import Any

import numpy as np
import pandas as pd

from ..run.results import RunResults
from .names import config_codes, output_text

__all__ = ["write_run_json", "relative_paths", "for_output"]


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dt.date | dt.datetime | pd.Timestamp):
        return obj.isoformat()
    return obj


#: An absolute path inside a text (POSIX ``/a/b`` or Windows ``C:\\a``), up to a quote, space or separator.
_ABSOLUTE = re.compile(r"(?<![\w.~:/])(?:[A-Za-z]:[\\/]|/(?=[^\s/]))[^\s'\"<>|;,]*")


def _relative_path(text: str, base: Path) -> str:
    """One absolute path relative to ``base`` (its file name when it is on another drive)."""
    if re.match(r"[A-Za-z]:[\\/]", text) and os.name != "nt":
        return PureWindowsPath(text).name
    try:
        return Path(os.path.relpath(text, base)).as_posix()
    except ValueError:  # another drive (Windows)
        return Path(text).name


def relative_paths(obj: Any, base: Path) -> Any:
    """``obj`` (JSON-ready) with every absolute path, alone or inside a text, made relative to ``base``.

    Parameters
    ----------
    obj : Any
        Dicts, lists, strings, numbers.
    base : Path
        The folder paths are made relative to (the config file's folder).

    Returns
    -------
    Any
        The same structure; no string in it names an absolute path of the machine.
    """
    if isinstance(obj, dict):
        return {relative_paths(k, base): relative_paths(v, base) for k, v in obj.items()}
    if isinstance(obj, list):
        return [relative_paths(v, base) for v in obj]
    if isinstance(obj, str):
        return _ABSOLUTE.sub(lambda m: _relative_path(m.group(0), base), obj)
    return obj


def for_output(results: RunResults, obj: Any, fallback: Path | None = None) -> Any:
    """``obj`` (a part of the run record) JSON-ready with every absolute path made relative.

    Parameters
    ----------
    results : RunResults
    obj : Any
        The record, parameters, config dict or quality of ``results``.
    fallback : Path, optional
        The folder paths are relative to when the config has no file (the output
        folder); default the working folder.

    Returns
    -------
    Any
        As :func:`relative_paths`: input paths relative to the config file's folder,
        so no output names a folder of the machine that made it.
    """
    source = results.config.source_file
    base = Path(source).resolve().parent if source else (fallback or Path.cwd()).resolve()
    return relative_paths(_jsonable(obj), base)


def write_run_json(
    results: RunResults, path: Path, *, mode: str, outputs: list[str], language: str | None = None
) -> Path:
    """Write the run record: config, input hashes, versions, seed, parameters, data quality.

    Every path in it is relative: input files to the folder of the config file (or,
    without a config file, to the output folder), outputs to the output folder
    (``paths_relative_to`` says so), so the record names no folder of the machine
    that made it. ``language`` (default the config's) is the outputs' language: an English
    record names categories by their English codes (:func:`geolage.outputs.names.output_text`)
    in the parameters, quality and run record, and in the config's category mappings (its paths
    and names are written as given).
    """
    language = language or results.config.project.language
    source = results.config.source_file
    base = Path(source).resolve().parent if source else path.resolve().parent
    doc = {
        "project": results.config.project.name,
        "mode": mode,
        "language": language,
        "record": results.record,
        "config": results.config.to_dict(),
        "parameters": results.parameters,
        "quality": results.quality,
        "tables": sorted(results.tables),
        "rasters": sorted(results.rasters),
        "outputs": sorted(outputs),
        "paths_relative_to": {"inputs": "config" if source else "output", "outputs": "output"},
    }
    doc = relative_paths(_jsonable(doc), base)
    for key in ("parameters", "quality", "rasters"):  # not the config (the user's words) nor file names
        doc[key] = output_text(doc[key], language)
    doc["record"] = {k: v if k == "input_sha256" else output_text(v, language) for k, v in doc["record"].items()}
    doc["config"] = config_codes(doc["config"], language)  # the category codes, not the paths
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path

"""The run record ``run.json``: config, input hashes, package versions, seed, every parameter, data quality."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..run.results import RunResults

__all__ = ["write_run_json"]


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


def write_run_json(results: RunResults, path: Path, *, mode: str, outputs: list[str]) -> Path:
    """Write the run record: config, input hashes, versions, seed, parameters, data quality."""
    doc = {
        "project": results.config.project.name,
        "mode": mode,
        "language": results.config.project.language,
        "record": results.record,
        "config": results.config.to_dict(),
        "parameters": results.parameters,
        "quality": results.quality,
        "tables": sorted(results.tables),
        "rasters": sorted(results.rasters),
        "outputs": sorted(outputs),
    }
    path.write_text(json.dumps(_jsonable(doc), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path

"""What the GeoPackage, GeoTIFF and QGIS project writers share: atomic files, safe text, layer names."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
import unicodedata
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["atomic_path", "clean_text", "jsonable", "layer_name"]


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block succeeds.

    A failed block leaves neither ``path`` nor the temporary file (nor the GDAL
    ``.aux.xml`` and SQLite ``-journal`` files beside it) behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{uuid.uuid4().hex[:8]}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".aux.xml"), tmp.with_name(tmp.name + "-journal")):
            if leftover.exists():
                leftover.unlink()


def clean_text(text: str) -> str:
    """UTF-8-safe text without NUL (SQLite TEXT readers and GDAL tags stop at NUL)."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON values: numpy values, paths, dates and sets converted, other objects as text.

    A non-finite Python float becomes None; a numpy scalar is converted with ``.item()``.
    """
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dt.date | dt.datetime | pd.Timestamp):
        return obj.isoformat()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    return str(obj)


def layer_name(name: str) -> str:
    """A GeoPackage layer, file stem or tag name: ``[0-9a-z_]``, lower case (``"layer"`` if nothing is left).

    Letters with accents lose them (``"Utsatta områden"`` -> ``"utsatta_omraden"``), so names stay readable.
    """
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    clean = re.sub(r"_+", "_", re.sub(r"[^0-9A-Za-z_]", "_", ascii_name)).strip("_").lower()
    return clean or "layer"

"""Compare two geolage output folders table by table (for refactors: same content, any order).

    python scripts/compare_outputs.py BEFORE_DIR AFTER_DIR [--rtol 1e-9] [--report]

Compared:
- every CSV in ``tabeller/`` (columns as sets, rows after sorting on all columns;
  numbers within ``--rtol``),
- every GeoPackage layer (attributes as above, geometries as WKB),
- every GeoTIFF (array, transform, CRS),
- ``run.json`` (parameters, quality, tables, rasters; timestamps, hashes of the
  config file text, package versions and paths left out),
- with ``--report``: the visible text of every HTML page (words, in order).

Prints one line per difference and exits 1 when there are any, 0 when the folders
hold the same results. Written for the layout refactor (issue 8); kept for the next ones.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

VOLATILE_RECORD_KEYS = {"started_utc", "finished_utc", "packages", "input_sha256", "config_sha256"}


def _sort_key(col: pd.Series) -> pd.Series:
    """Text that sorts rows the same way in both folders (floats rounded to 8 significant digits)."""
    num = pd.to_numeric(col, errors="coerce")
    if num.notna().sum() == col.notna().sum() and col.notna().any():
        col = num.map(lambda v: f"{v:.8g}" if v == v else "")
    return col.astype(object).where(col.notna(), "").astype(str)


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    df = df.reindex(sorted(df.columns), axis=1)
    keys = [c for c in df.columns if c != "geometry"]
    if keys:
        order = pd.DataFrame({k: _sort_key(df[k]) for k in keys}).sort_values(keys, kind="stable").index
        df = df.loc[order]
    return df.reset_index(drop=True)


def compare_frames(name: str, a: pd.DataFrame, b: pd.DataFrame, rtol: float) -> list[str]:
    """Differences between two tables (columns as sets, rows in any order)."""
    out = []
    if set(a.columns) != set(b.columns):
        out.append(
            f"{name}: columns differ: only before {sorted(set(a.columns) - set(b.columns))}, "
            f"only after {sorted(set(b.columns) - set(a.columns))}"
        )
        common = sorted(set(a.columns) & set(b.columns))
        a, b = a[common], b[common]
    if len(a) != len(b):
        return [*out, f"{name}: {len(a)} rows before, {len(b)} after"]
    a, b = _normalise(a), _normalise(b)
    for col in a.columns:
        x, y = a[col], b[col]
        if col == "geometry":
            wx = [g.wkb_hex if g is not None else None for g in x]
            wy = [g.wkb_hex if g is not None else None for g in y]
            n = sum(p != q for p, q in zip(wx, wy, strict=True))
            if n:
                out.append(f"{name}.geometry: {n} geometries differ")
            continue
        xn, yn = pd.to_numeric(x, errors="coerce"), pd.to_numeric(y, errors="coerce")
        numeric = xn.notna().sum() == x.notna().sum() and yn.notna().sum() == y.notna().sum()
        if numeric and x.dtype != object:
            xa, ya = xn.to_numpy(float), yn.to_numpy(float)
            bad = ~np.isclose(xa, ya, rtol=rtol, atol=1e-12, equal_nan=True)
        else:
            both_missing = (x.isna() & y.isna()).to_numpy()
            bad = (x.astype(object).astype(str) != y.astype(object).astype(str)).to_numpy() & ~both_missing
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            out.append(f"{name}.{col}: {int(bad.sum())} values differ (first: {x.iloc[i]!r} vs {y.iloc[i]!r})")
    return out


def compare_csv(a: Path, b: Path, rtol: float) -> list[str]:
    """Compare every CSV of two ``tabeller`` folders."""
    out = []
    names_a = {p.name for p in a.glob("*.csv")}
    names_b = {p.name for p in b.glob("*.csv")}
    for n in sorted(names_a ^ names_b):
        out.append(f"csv {n}: only {'before' if n in names_a else 'after'}")
    for n in sorted(names_a & names_b):
        da = pd.read_csv(a / n, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=None, engine="python")
        db = pd.read_csv(b / n, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=None, engine="python")
        out += compare_frames(f"csv {n}", da, db, rtol)
    return out


def compare_gpkg(a: Path, b: Path, rtol: float) -> list[str]:
    """Compare every layer of two GeoPackages (attributes and geometries)."""
    import pyogrio

    out = []
    la = {n for n, _ in pyogrio.list_layers(a)} - {"layer_styles"}
    lb = {n for n, _ in pyogrio.list_layers(b)} - {"layer_styles"}
    for n in sorted(la ^ lb):
        out.append(f"gpkg layer {n}: only {'before' if n in la else 'after'}")
    for n in sorted(la & lb):
        da = pyogrio.read_dataframe(a, layer=n)
        db = pyogrio.read_dataframe(b, layer=n)
        out += compare_frames(f"gpkg {n}", pd.DataFrame(da), pd.DataFrame(db), rtol)
    return out


def compare_tif(a: Path, b: Path, rtol: float) -> list[str]:
    """Compare two GeoTIFFs: values, transform and CRS."""
    import rasterio

    with rasterio.open(a) as ra, rasterio.open(b) as rb:
        if ra.crs != rb.crs or ra.transform != rb.transform or ra.shape != rb.shape:
            return [f"tif {a.name}: grid differs ({ra.crs}, {ra.transform}, {ra.shape} vs {rb.crs}, ...)"]
        xa, xb = ra.read(1, masked=True), rb.read(1, masked=True)
        if (xa.mask != xb.mask).any():
            return [f"tif {a.name}: {(xa.mask != xb.mask).sum()} cells masked differently"]
        bad = ~np.isclose(xa.filled(0), xb.filled(0), rtol=rtol, atol=1e-12)
        return [f"tif {a.name}: {bad.sum()} values differ"] if bad.any() else []


def _strip(doc: dict) -> dict:
    rec = {k: v for k, v in doc.get("record", {}).items() if k not in VOLATILE_RECORD_KEYS}
    return {
        "record": rec,
        "parameters": doc.get("parameters"),
        "quality": doc.get("quality"),
        "tables": doc.get("tables"),
        "rasters": doc.get("rasters"),
        "mode": doc.get("mode"),
    }


def _diff_json(path: str, a: object, b: object, out: list[str], rtol: float) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out.append(f"run.json {path}.{k}: only {'before' if k in a else 'after'}")
            else:
                _diff_json(f"{path}.{k}", a[k], b[k], out, rtol)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (p, q) in enumerate(zip(a, b, strict=True)):
            _diff_json(f"{path}[{i}]", p, q, out, rtol)
    elif isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        if not np.isclose(a, b, rtol=rtol, atol=1e-12):
            out.append(f"run.json {path}: {a!r} vs {b!r}")
    elif a != b:
        out.append(f"run.json {path}: {a!r} vs {b!r}"[:300])


def _visible_words(html: str) -> list[str]:
    html = re.sub(r"(?s)<(script|style)[^>]*>.*?</\1>", " ", html)
    html = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+00:00)?", "<time>", html)  # run timestamps
    html = re.sub(r"data:[^\"')]+", " ", html)
    text = re.sub(r"<[^>]+>", " ", html)
    return text.split()


def compare_folders(before: Path, after: Path, *, rtol: float = 1e-9, report: bool = False) -> list[str]:
    """Every difference between two output folders, one line each."""
    out: list[str] = []
    if (before / "tabeller").is_dir() or (after / "tabeller").is_dir():
        out += compare_csv(before / "tabeller", after / "tabeller", rtol)
    for gp in sorted(before.glob("*.gpkg")):
        other = after / gp.name
        out += compare_gpkg(gp, other, rtol) if other.exists() else [f"{gp.name}: missing after"]
    for tif in sorted(before.glob("*.tif")):
        other = after / tif.name
        out += compare_tif(tif, other, rtol) if other.exists() else [f"{tif.name}: missing after"]
    for extra in sorted({p.name for p in after.glob("*.tif")} - {p.name for p in before.glob("*.tif")}):
        out.append(f"{extra}: only after")
    if (before / "run.json").exists() and (after / "run.json").exists():
        ja = _strip(json.loads((before / "run.json").read_text(encoding="utf-8")))
        jb = _strip(json.loads((after / "run.json").read_text(encoding="utf-8")))
        _diff_json("", ja, jb, out, rtol)
    if report:
        for page in sorted(before.glob("*.html")):
            other = after / page.name
            if not other.exists():
                out.append(f"{page.name}: missing after")
                continue
            wa = _visible_words(page.read_text(encoding="utf-8"))
            wb = _visible_words(other.read_text(encoding="utf-8"))
            if wa != wb:
                i = next((k for k, (p, q) in enumerate(zip(wa, wb)) if p != q), min(len(wa), len(wb)))
                out.append(f"{page.name}: text differs at word {i}: {' '.join(wa[i:i + 8])!r} vs "
                           f"{' '.join(wb[i:i + 8])!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rtol", type=float, default=1e-9)
    parser.add_argument("--report", action="store_true", help="also compare the visible text of the HTML pages")
    args = parser.parse_args(argv)
    diffs = compare_folders(args.before, args.after, rtol=args.rtol, report=args.report)
    for d in diffs:
        print(d)
    print(f"{len(diffs)} difference(s)" if diffs else "same results")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())

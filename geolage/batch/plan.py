"""Plan a batch: split national incident files by municipality code and make one run configuration each.

A batch starts from a *template* configuration (a normal run configuration whose sources
are national files with a municipality-code column, and whose districts layer covers every
municipality). :func:`plan_national` reads each source once (CSV in chunks, so memory stays
bounded), writes each municipality's rows to its own Parquet file in a work folder, cuts
out its districts and its boundary (the study area), and builds a
:class:`~geolage.config.Config` per municipality that a worker runs as an ordinary run.
Rows whose code is missing or names no municipality are recorded (``missing_municipality``
/ ``unknown_municipality``), so that for every source ``rows planned + rows unassigned ==
rows read``. :func:`plan_configs` takes a list of ready configurations instead.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..config import AreasConfig, ColumnsConfig, Config, LayerConfig, SourceConfig, read_config
from ..errors import ConfigError, InputFileError
from ..io import GEOMETRY_X, GEOMETRY_Y, read_layer, read_source_table
from ..outputs.gpkg import _sqlite_without_sync  # the same GDAL option as the run's GeoPackage

__all__ = [
    "BATCH_ROW",
    "Municipality",
    "BatchPlan",
    "default_boundaries_path",
    "read_boundaries",
    "plan_national",
    "plan_configs",
]

log = logging.getLogger(__name__)

#: Column added to every split source: the 1-based data row in the national file (internal outputs only).
BATCH_ROW = "batch_row"
#: Coordinates of a point-layer source, written as plain columns in the split files.
_POINT_X, _POINT_Y = "batch_x", "batch_y"
#: Rows read at a time from a national CSV source.
_CHUNK_ROWS = 500_000


@dataclass(frozen=True)
class Municipality:
    """One municipality of a batch: its code, name, run configuration and output folder."""

    code: str
    name: str
    config: Config
    out_dir: Path
    #: Rows of the national sources planned for it (all sources together).
    rows: int


@dataclass
class BatchPlan:
    """The municipalities to run and the rows that could not be given to any."""

    municipalities: list[Municipality]
    boundaries: gpd.GeoDataFrame
    #: Rows read per source of the national files.
    read: dict[str, int] = field(default_factory=dict)
    #: ``source``, ``source_row``, ``reason`` (``missing_municipality``/``unknown_municipality``), ``value``.
    unassigned: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["source", "source_row", "reason", "value"])
    )
    template: Config | None = None
    #: Municipalities that could not be planned: code -> (name, why).
    failed: dict[str, tuple[str, str]] = field(default_factory=dict)


def default_boundaries_path() -> Path:
    """Sweden's municipality boundaries in the repository (``data/sweden/kommuner.gpkg``)."""
    path = Path(__file__).resolve().parents[2] / "data" / "sweden" / "kommuner.gpkg"
    if not path.is_file():
        raise InputFileError(
            f"{path}: the bundled municipality boundaries were not found; give --boundaries with a "
            "layer of municipality polygons (a code and a name field)"
        )
    return path


def _code(values: pd.Series) -> pd.Series:
    """Municipality codes as text: stripped, whole numbers without decimals, four digits zero-padded."""
    text = values.astype("string").str.strip()
    text = text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    digits = text.str.fullmatch(r"\d{1,4}").fillna(False)
    return text.where(~digits, text.str.zfill(4))


def _code_of_values(values: pd.Series) -> pd.Series:
    """:func:`_code` computed once per distinct value (a national file has a few hundred codes in millions of rows).

    The same result as ``_code(values)`` (tested), without running its string operations on every row.
    """
    labels, uniques = pd.factorize(values, use_na_sentinel=True)
    done = _code(pd.Series(uniques, dtype=object)).to_numpy(dtype=object)
    out = np.empty(len(labels), dtype=object)
    known = labels >= 0
    out[known] = done[labels[known]]
    out[~known] = pd.NA
    return pd.Series(out, index=values.index, dtype="string")


def read_boundaries(
    path: str | Path | None = None,
    *,
    layer: str | None = None,
    code_field: str = "kommun_kod",
    name_field: str = "kommun",
    crs: str = "EPSG:3006",
) -> gpd.GeoDataFrame:
    """Read municipality polygons: columns ``code``, ``name``, geometry (one row per code).

    Parameters
    ----------
    path : str or Path, optional
        Default :func:`default_boundaries_path` (SCB's generalised boundaries of Sweden).
    layer : str, optional
    code_field, name_field : str
        Fields with the municipality code and name.
    crs : str
        The run CRS the layer must be in.

    Raises
    ------
    InputFileError
        A field is missing or a code repeats.
    """
    path = Path(path) if path is not None else default_boundaries_path()
    gdf = read_layer(path, layer, crs=crs)
    missing = [f for f in (code_field, name_field) if f not in gdf.columns]
    if missing:
        raise InputFileError(f"{path}: no field {', '.join(missing)} in the boundaries; fields are {list(gdf.columns)}")
    out = gpd.GeoDataFrame(
        {"code": _code(gdf[code_field]).to_numpy(dtype=object), "name": gdf[name_field].astype(str).to_numpy()},
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )
    dup = out["code"][out["code"].duplicated()].tolist()
    if dup:
        raise InputFileError(f"{path}: municipality code(s) {dup[:5]} occur more than once in '{code_field}'")
    return out.sort_values("code", kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------- splitting
def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name, flags=re.ASCII).strip("_") or "source"


def _source_chunks(src: SourceConfig) -> Iterable[pd.DataFrame]:
    """The source as text frames: CSV in chunks (bounded memory), other formats at once."""
    if src.resolved_format() != "csv":
        yield read_source_table(src)
        return
    if not src.path.exists():
        raise InputFileError(f"{src.path}: file not found (source '{src.name}'); check sources.path")
    try:
        reader = pd.read_csv(src.path, dtype=str, keep_default_na=False, na_values=[""], encoding=src.encoding,
                             sep=src.delimiter, encoding_errors="strict", chunksize=_CHUNK_ROWS)
        with reader:
            for chunk in reader:
                chunk.columns = [str(c).strip() for c in chunk.columns]
                yield chunk
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{src.path}: not valid {src.encoding} text at byte {exc.start}; set sources.encoding"
        ) from None


class _SplitWriter:
    """Parquet files of one source, one per municipality, appended chunk by chunk."""

    def __init__(self, folder: Path, src: SourceConfig, codes: Sequence[str]) -> None:
        self.folder = folder
        self.name = f"{_safe(src.name)}.parquet"
        self.codes = list(codes)
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows = dict.fromkeys(self.codes, 0)
        self.schema: pa.Schema | None = None

    def path(self, code: str) -> Path:
        return self.folder / code / self.name

    def write(self, code: str, frame: pd.DataFrame) -> None:
        """Append the rows of one municipality."""
        self._append(code, self._table(frame))

    def write_chunk(self, frame: pd.DataFrame, codes: np.ndarray) -> None:
        """Append every row of ``frame`` to its municipality ``codes[i]``, in the order of the rows.

        One conversion to Arrow and one stable sort by code per chunk, then a zero-copy slice per
        municipality: the same files as :meth:`write` per municipality (tested), without a pandas
        group and a conversion per municipality and chunk (the split of a 10-million-row file
        spent most of its time there).
        """
        if not len(frame):
            return
        table = self._table(frame)
        labels, uniques = pd.factorize(pd.Series(codes, dtype=object), sort=False)
        order = np.argsort(labels, kind="stable")
        table = table.take(pa.array(order))
        sorted_labels = labels[order]
        starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
        ends = np.r_[starts[1:], len(sorted_labels)]
        for start, end in zip(starts, ends, strict=True):
            self._append(str(uniques[sorted_labels[start]]), table.slice(int(start), int(end - start)))

    def _table(self, frame: pd.DataFrame) -> pa.Table:
        if self.schema is None:
            self.schema = pa.schema([(c, pa.string()) for c in frame.columns])
        # text columns go to Arrow as they are (a round trip through Python strings cost most of the split)
        text = {c: frame[c] if isinstance(frame[c].dtype, pd.StringDtype) else frame[c].astype(object)
                for c in frame.columns}
        return pa.Table.from_pandas(pd.DataFrame(text, index=frame.index), schema=self.schema, preserve_index=False)

    def _append(self, code: str, table: pa.Table) -> None:
        if code not in self.writers:
            self.path(code).parent.mkdir(parents=True, exist_ok=True)
            self.writers[code] = pq.ParquetWriter(self.path(code), self.schema)
        self.writers[code].write_table(table)
        self.rows[code] += table.num_rows

    def close(self) -> None:
        for w in self.writers.values():
            w.close()
        for code in self.codes:  # a municipality without rows in this source gets an empty file
            if code not in self.writers and self.schema is not None:
                self.path(code).parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(self.schema.empty_table(), self.path(code))


def _split_source(
    src: SourceConfig, by: str, codes: Sequence[str], work_dir: Path
) -> tuple[_SplitWriter, int, pd.DataFrame]:
    """Split one source by its municipality-code column; (writer, rows read, unassigned rows)."""
    writer = _SplitWriter(work_dir, src, codes)
    known = set(codes)
    offset = 0
    unassigned = []
    try:
        for chunk in _source_chunks(src):
            if by not in chunk.columns:
                raise ConfigError(
                    f"sources '{src.name}' ({src.path}): no column '{by}' with the municipality code; "
                    f"columns are {list(chunk.columns)[:12]}"
                )
            chunk = chunk.copy()
            chunk[BATCH_ROW] = np.arange(offset + 1, offset + len(chunk) + 1).astype(str)
            if GEOMETRY_X in chunk.columns:
                chunk = chunk.rename(columns={GEOMETRY_X: _POINT_X, GEOMETRY_Y: _POINT_Y})
            code = _code_of_values(chunk[by])
            missing = code.isna() | (code == "")
            unknown = ~missing & ~code.isin(known)
            for reason, mask in (("missing_municipality", missing), ("unknown_municipality", unknown)):
                if mask.any():
                    unassigned.append(pd.DataFrame({"source": src.name, "source_row": chunk.loc[mask, BATCH_ROW]
                                                    .astype(int).to_numpy(), "reason": reason,
                                                    "value": chunk.loc[mask, by].to_numpy(dtype=object)}))
            ok = (~(missing | unknown)).to_numpy()
            writer.write_chunk(chunk[ok], code[ok].to_numpy(dtype=object))
            if writer.schema is None:
                writer.schema = pa.schema([(c, pa.string()) for c in chunk.columns])
            offset += len(chunk)
    finally:
        writer.close()
    frame = pd.concat(unassigned, ignore_index=True) if unassigned else None
    return writer, offset, frame


def _split_columns(src: SourceConfig) -> ColumnsConfig:
    """The source's columns for a split file: point-layer geometry as x/y, the national row kept."""
    c = src.columns
    keep = tuple(dict.fromkeys([*c.keep, BATCH_ROW]))
    if c.x is None and c.lon is None:
        return dataclasses.replace(c, x=_POINT_X, y=_POINT_Y, keep=keep)
    return dataclasses.replace(c, keep=keep)


# ---------------------------------------------------------------------------- districts
def _district_codes(districts: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame, field: str | None) -> np.ndarray:
    """The municipality of each district: from ``field``, else the boundary holding its representative point."""
    if field is not None:
        if field not in districts.columns:
            raise ConfigError(f"districts: no field '{field}' (--district-field); fields are {list(districts.columns)}")
        return _code(districts[field]).to_numpy(dtype=object)
    pts = gpd.GeoDataFrame(geometry=districts.geometry.representative_point(), crs=districts.crs)
    joined = gpd.sjoin(pts, boundaries[["code", "geometry"]], predicate="intersects", how="left")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["code"].reindex(pts.index).to_numpy(dtype=object)


def _write_layer(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> LayerConfig:
    path.parent.mkdir(parents=True, exist_ok=True)
    gdf.to_file(path, layer=layer, driver="GPKG")
    return LayerConfig(path=path, layer=layer)


def _municipality_config(
    template: Config, code: str, name: str, districts: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, folder: Path,
    sources: list[tuple[SourceConfig, Path]],
) -> Config:
    """One municipality's run: the template with its split sources, its districts and its boundary as study area."""
    d_layer = _write_layer(districts, folder / "districts.gpkg", "batch_districts")
    area = _write_layer(boundary[["code", "name", "geometry"]], folder / "study_area.gpkg", "study_area")
    split = tuple(
        dataclasses.replace(src, path=path, format="parquet", layer=None, sheet=None, columns=_split_columns(src))
        for src, path in sources
    )
    return dataclasses.replace(
        template,
        project=dataclasses.replace(template.project, name=f"{template.project.name}: {name}", municipality_code=code),
        districts=dataclasses.replace(template.districts, path=d_layer.path, layer=d_layer.layer),
        study_area=area,
        sources=split,
        areas=AreasConfig(focus=(), reference="rest", reference_rates=template.areas.reference_rates),
        source_file=None,
    )


# ---------------------------------------------------------------------------- plans
def plan_national(
    template: Config,
    *,
    by: str,
    out_dir: str | Path,
    work_dir: str | Path,
    boundaries: gpd.GeoDataFrame | None = None,
    municipalities: Sequence[str] | None = None,
    district_field: str | None = None,
) -> BatchPlan:
    """Split a template run's national sources by municipality and make one configuration each.

    Parameters
    ----------
    template : Config
        A run configuration whose sources hold every municipality's incidents and whose
        districts layer covers them all (e.g. DeSO for Sweden). Its other settings (periods,
        categories, analyses, output) are used for every municipality.
    by : str
        The column of every source that holds the municipality code (e.g. ``kommun_kod``;
        codes such as ``180`` or ``180.0`` are read as ``0180``).
    out_dir : str or Path
        Folder of the batch output; municipality ``c`` is written to ``out_dir / c``.
    work_dir : str or Path
        Folder for the split inputs (incident rows: keep it internal). With a cluster, every
        worker must be able to read it.
    boundaries : GeoDataFrame, optional
        Municipality polygons from :func:`read_boundaries` (default: Sweden's 290).
    municipalities : sequence of str, optional
        Only these codes (default: every code with at least one row).
    district_field : str, optional
        Field of the districts layer with the municipality code; default: the municipality
        whose boundary holds the district's representative point.

    Returns
    -------
    BatchPlan

    Raises
    ------
    ConfigError
        A source has no column ``by``, or a code asked for is not a municipality.
    """
    out_dir, work_dir = Path(out_dir), Path(work_dir)
    crs = template.project.crs
    bounds = boundaries if boundaries is not None else read_boundaries(crs=crs)
    codes = list(bounds["code"])
    if municipalities is not None:
        wanted = [str(c).strip().zfill(4) if str(c).strip().isdigit() else str(c).strip() for c in municipalities]
        unknown = sorted(set(wanted) - set(codes))
        if unknown:
            raise ConfigError(f"--municipalities: no municipality with code {', '.join(unknown)} in the boundaries")
        codes = [c for c in codes if c in set(wanted)]
    read, unassigned, writers = {}, [], []
    for src in template.sources:
        writer, n, lost = _split_source(src, by, codes, work_dir)
        read[src.name] = n
        writers.append((src, writer))
        if lost is not None:
            unassigned.append(lost)
        log.info("batch: source %s: %d rows read, %d not given to a municipality", src.name, n,
                 0 if lost is None else len(lost))
    rows = {c: sum(w.rows[c] for _, w in writers) for c in codes}
    if municipalities is None:
        codes = [c for c in codes if rows[c] > 0]
    districts = read_layer(template.districts.path, template.districts.layer, crs=crs)
    d_codes = _district_codes(districts, bounds, district_field)
    by_code = bounds.set_index("code")
    jobs, failed = [], {}
    # The work folder's GeoPackages are inputs of this batch only: written without waiting for the disk
    # after each (half the time of 290 municipalities' districts and boundaries on a busy disk).
    with _sqlite_without_sync():
        for code in codes:
            folder = work_dir / code
            own = districts[d_codes == code]
            if own.empty:
                failed[code] = (str(by_code.loc[code, "name"]), f"{template.districts.path}: no district lies in "
                                f"municipality {code}; check the districts layer or --district-field")
                continue
            name = str(by_code.loc[code, "name"])
            cfg = _municipality_config(template, code, name, own, by_code.loc[[code]].reset_index(), folder,
                                       [(src, w.path(code)) for src, w in writers])
            jobs.append(Municipality(code=code, name=name, config=cfg, out_dir=out_dir / code, rows=rows[code]))
    lost = (pd.concat(unassigned, ignore_index=True) if unassigned
            else pd.DataFrame(columns=["source", "source_row", "reason", "value"]))
    return BatchPlan(municipalities=jobs, boundaries=bounds, read=read, unassigned=lost, template=template,
                     failed=failed)


def plan_configs(
    paths: Sequence[str | Path], *, out_dir: str | Path, boundaries: gpd.GeoDataFrame | None = None
) -> BatchPlan:
    """A batch of ready run configurations, one per municipality.

    Each configuration names its municipality in ``project.municipality_code`` (its
    output goes to ``out_dir / code``); without one, the file name (without ``.toml``)
    is used. Every configuration is read and checked here, before anything runs.

    A configuration that cannot be read makes its municipality (the file name) fail; the
    others still run.

    Raises
    ------
    ConfigError
        Two configurations are for the same municipality.
    """
    out_dir = Path(out_dir)
    bounds = boundaries if boundaries is not None else read_boundaries()
    names = dict(zip(bounds["code"], bounds["name"], strict=True))
    jobs, failed = [], {}
    for p in paths:
        stem = Path(p).stem
        try:
            cfg = read_config(p)
        except ConfigError as exc:
            failed[stem] = (stem, str(exc))
            continue
        code = cfg.project.municipality_code or stem
        code = code.zfill(4) if code.isdigit() else code
        jobs.append(Municipality(code=code, name=names.get(code, cfg.project.name), config=cfg,
                                 out_dir=out_dir / _safe(code), rows=0))
    seen = [j.code for j in jobs] + list(failed)
    dup = sorted({c for c in seen if seen.count(c) > 1})
    if dup:
        raise ConfigError(f"two or more configurations are for municipality {', '.join(dup)}; give each once")
    return BatchPlan(municipalities=jobs, boundaries=bounds, failed=failed)

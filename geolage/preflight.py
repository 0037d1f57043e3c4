"""Checks of a run's size before any data is read: grid and density raster against the study area and memory.

A cell size is fine on its own but not against the area it covers: a 1 m grid over a municipality is
billions of cells (a MemoryError after minutes of work), a 1 000 km cell is one cell (every neighbourhood
statistic fails). :func:`check_run_size` reads only the bounds of the districts (or study-area) layer from
its header, estimates the cells and bytes every grid-sized array of the run needs (cells × categories ×
periods) and raises :class:`~geolage.errors.ConfigError` with the number and the value to set.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import pyogrio
import shapely

from .config import Config
from .config_rules import MIN_RASTER_CELL
from .errors import GeolageWarning, Problem, problems_error

__all__ = [
    "check_district_count", "MIN_DISTRICTS", "check_distances",
    "check_run_size", "estimate_run_size", "available_memory", "MIN_GRID_CELLS", "MAX_GRID_CELLS", "MAX_RASTER_CELLS",
]

#: Fewest districts the district statistics (Moran's I, LISA, Gi* over districts) can be computed for.
MIN_DISTRICTS = 4
#: Fewer grid cells over the study area's bounding box than this leaves no neighbourhood to test (3 × 3).
MIN_GRID_CELLS = 9
#: More cells than this is beyond what the neighbourhood statistics (weights, permutations) handle in a run.
MAX_GRID_CELLS = 1_000_000
#: Largest density raster the density step computes (``geolage.stats.density.MAX_CELLS``, checked equal in tests).
MAX_RASTER_CELLS = 50_000_000
#: Bytes of peak memory per grid cell of a run's analysis (prepare + every step, one process), measured with
#: ``tests/bad_input/measure_memory.py`` on this project's build machine (2 cores, 23 GiB, Python 3.11): the
#: bad-input corpus's clean project (5 × 1 km, 60 incidents) with 250, 40, 25, 20 and 14 m grid cells, peak
#: resident memory (ru_maxrss) above the 250 m run: 117.7 MB at 3,125 cells (37.7 kB a cell), 275.7 MB at
#: 8,000 (34.5 kB), 396.2 MB at 12,500 (31.7 kB), 700.9 MB at 26,134 cells (26.8 kB; 22 kB a cell between the
#: last two). The share falls as the permutation engine's chunk (a fixed 20 million values) stops growing;
#: 27 kB, the figure at the largest grid measured, keeps the estimate on the safe side for large grids.
_BYTES_PER_CELL = 27_000
#: Float arrays per cell, category and period held at once by the space-time steps (counts, z, p, classes …).
#: Not seen in the measurement: months instead of years (60 periods instead of 5) added 13 bytes a cell ×
#: category × period, and 7 categories instead of 3 no memory (steps hold one category at a time); the six
#: arrays of 8 bytes stay as the upper bound for long series of many categories.
_ARRAYS_PER_CELL_PERIOD = 6
#: Bytes of peak memory per density raster cell while one surface is computed (:func:`geolage.stats.density.kde`
#: with its study-area mask), measured like :data:`_BYTES_PER_CELL` (a fresh process, ru_maxrss above the
#: imports; ``tests/bad_input/measure_memory.py``): 60 points, 300 m bandwidth, 5 × 5 km in 1, 4 and 9 million
#: cells: 75 MB, 295 MB and 658 MB, 75 and 73 bytes a cell between them (about nine float arrays: surface,
#: kernel sums, cell centres, mask).
_RASTER_BYTES_PER_CELL = 73
#: Bytes per raster cell of each finished surface the run keeps (one per category and all together).
_RASTER_BYTES_PER_SURFACE = 8
#: Share of the available memory a run may plan to use.
_MEMORY_SHARE = 0.5
_PERIODS_PER_YEAR = {"year": 1, "quarter": 4, "month": 12}


def available_memory() -> int:
    """Bytes of memory available now (psutil when installed, else the physical pages free, else 4 GiB)."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil is a dependency of the test extra only
        try:
            return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            return 4 << 30


def _area_shape(config: Config) -> tuple[tuple[float, float, float, float], float, float, Path] | None:
    """Bounds, area and boundary length (m², m) of the study-area layer (or the districts) in the run CRS.

    None when the layer cannot be read or has no extent (its reader reports that with its own message).
    """
    layer = config.study_area if config.study_area is not None else config.districts
    try:
        shapes = pyogrio.read_dataframe(layer.path, layer=layer.layer, columns=[])
        geoms = shapes.geometry.to_numpy()
        shapes = shapes[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        if shapes.crs is not None and not shapes.crs.equals(config.project.crs):
            shapes = shapes.to_crs(config.project.crs)
        bounds = tuple(float(b) for b in shapes.total_bounds)
        area, length = float(shapes.area.sum()), float(shapes.length.sum())
    except Exception:  # a missing or unreadable layer is reported with its own message when it is read
        return None
    if not all(math.isfinite(b) for b in bounds) or bounds[2] <= bounds[0] or bounds[3] <= bounds[1]:
        return None
    return (bounds[0], bounds[1], bounds[2], bounds[3]), area, length, layer.path


def _n_periods(config: Config) -> int:
    p = config.periods
    years = (p.end - p.start).days / 365.25 if p.end >= p.start else 0
    per_year = max(_PERIODS_PER_YEAR[p.unit], _PERIODS_PER_YEAR.get(config.emerging.unit or p.unit, 1))
    return max(1, math.ceil(years * per_year + 1e-9))


def _n_categories(config: Config) -> int:
    codes = {c for s in config.sources for c in s.categories.values()}
    codes |= {s.unknown_category for s in config.sources if s.unknown_category != "reject"}
    return len(codes) + 1  # and all categories together


def estimate_run_size(config: Config, bounds: tuple[float, float, float, float], *, area: float | None = None,
                      perimeter: float = 0.0) -> dict[str, float]:
    """Cells and bytes of the grid-sized and raster-sized arrays of a run over ``bounds``.

    Parameters
    ----------
    config : Config
    bounds : tuple of float
        ``(xmin, ymin, xmax, ymax)`` of the study area in the run CRS (metres).
    area, perimeter : float, optional
        The study area's area (m²) and boundary length (m): the grid keeps only the cells that meet
        the area, about ``area / cell² + perimeter / cell`` (at most the cells of ``bounds``).
        Without ``area`` every cell of ``bounds`` is counted.

    Returns
    -------
    dict
        ``grid_cells`` and ``grid_bytes`` (None-free: ``nan`` when the size is ``"auto"``),
        ``raster_cells`` and ``raster_bytes``, ``categories``, ``periods``.
    """
    width, height = bounds[2] - bounds[0], bounds[3] - bounds[1]
    cats, periods = _n_categories(config), _n_periods(config)
    out = {"categories": cats, "periods": periods, "width": width, "height": height}
    cell = config.grid.cell_size
    if cell == "auto":
        out.update(grid_cells=math.nan, grid_bytes=math.nan)
    else:
        cells = math.ceil(width / cell) * math.ceil(height / cell)
        if area is not None:
            cells = min(cells, math.ceil(area / cell**2 + perimeter / cell) + 4)
        per_cell = _BYTES_PER_CELL + 8 * _ARRAYS_PER_CELL_PERIOD * cats * periods
        out.update(grid_cells=cells, grid_bytes=cells * per_cell)
    raster = config.density.cell_size
    if raster == "auto":
        out.update(raster_cells=math.nan, raster_bytes=math.nan)
    else:
        pad = 2 * (config.density.bandwidth if config.density.bandwidth != "auto" else config.density.bandwidth_max)
        cells = math.ceil((width + pad) / raster) * math.ceil((height + pad) / raster)
        out.update(raster_cells=cells, raster_bytes=cells * (_RASTER_BYTES_PER_CELL + _RASTER_BYTES_PER_SURFACE * cats))
    return out


def _gib(n: float, language: str = "en") -> str:
    text = f"{n / (1 << 30):.1f} GiB"
    return text.replace(".", ",") if language == "sv" else text


def _count(n: float, language: str = "en") -> str:
    text = f"{n:,.0f}"
    return text.replace(",", "\u00a0") if language == "sv" else text


def check_run_size(config: Config, *, memory: int | None = None) -> None:
    """Refuse a grid or density raster that is too coarse to analyse or too fine for memory.

    Parameters
    ----------
    config : Config
    memory : int, optional
        Bytes available (default: :func:`available_memory`).

    Raises
    ------
    ConfigError
        Every size problem in one message, naming the key, the estimate and the value to set.
    """
    found = _area_shape(config)
    if found is None:
        return
    bounds, area, perimeter, layer_path = found
    est = estimate_run_size(config, bounds, area=area, perimeter=perimeter)
    budget = _MEMORY_SHARE * (available_memory() if memory is None else memory)
    extent = f"{est['width'] / 1000:.1f} × {est['height'] / 1000:.1f} km ({layer_path.name})"
    extent_sv = f"{est['width'] / 1000:.1f} × {est['height'] / 1000:.1f}".replace(".", ",") + f" km ({layer_path.name})"
    problems: list[str] = []
    cell = config.grid.cell_size
    if cell != "auto":
        shorter = min(est["width"], est["height"])
        largest = max(1, int(shorter / 3))
        fitting = math.sqrt(est["width"] * est["height"] / MAX_GRID_CELLS)
        needed = math.sqrt(est["grid_bytes"] / budget) * cell * 1.01 if budget > 0 else fitting
        smallest = math.ceil(max(fitting, needed))
        if est["grid_cells"] < MIN_GRID_CELLS:
            problems.append(Problem(
                f"'grid.cell_size' = {cell} m gives only {est['grid_cells']} cell(s) over the study area {extent}; "
                f"set it to at most {largest} m (e.g. 250) or 'auto'",
                f"'grid.cell_size' = {cell} m ger bara {est['grid_cells']} ruta/rutor över undersökningsområdet "
                f"{extent_sv}; sätt den till högst {largest} m (till exempel 250) eller 'auto'",
            ))
        elif est["grid_cells"] > MAX_GRID_CELLS or est["grid_bytes"] > budget:
            problems.append(Problem(
                f"'grid.cell_size' = {cell} m gives about {_count(est['grid_cells'])} cells over the study area "
                f"{extent} × {est['categories']} categories × {est['periods']} periods, an estimated "
                f"{_gib(est['grid_bytes'])} (available: {_gib(budget / _MEMORY_SHARE)}); set it to at least "
                f"{smallest} m (SCB sizes 100, 250, 500, 1000) or 'auto'",
                f"'grid.cell_size' = {cell} m ger omkring {_count(est['grid_cells'], 'sv')} rutor över "
                f"undersökningsområdet {extent_sv} × {est['categories']} kategorier × {est['periods']} perioder, "
                f"uppskattat {_gib(est['grid_bytes'], 'sv')} (tillgängligt: {_gib(budget / _MEMORY_SHARE, 'sv')}); "
                f"sätt den till minst {smallest} m (SCB:s storlekar 100, 250, 500, 1000) eller 'auto'",
            ))
    raster = config.density.cell_size
    if raster != "auto":
        if est["raster_cells"] < MIN_GRID_CELLS:
            most = max(MIN_RASTER_CELL, min(est["width"], est["height"]) / 3)
            problems.append(Problem(
                f"'density.cell_size' = {raster:g} m gives only {est['raster_cells']} raster cell(s) over the study "
                f"area {extent}; set it to at most {most:.0f} m or 'auto'",
                f"'density.cell_size' = {raster:g} m ger bara {est['raster_cells']} rasterruta/rutor över "
                f"undersökningsområdet {extent_sv}; sätt den till högst {most:.0f} m eller 'auto'",
            ))
        elif est["raster_bytes"] > budget or est["raster_cells"] > MAX_RASTER_CELLS:
            ratio = max(est["raster_bytes"] / budget if budget > 0 else 1, est["raster_cells"] / MAX_RASTER_CELLS)
            smallest = math.ceil(raster * math.sqrt(ratio) * 1.01)
            problems.append(Problem(
                f"'density.cell_size' = {raster:g} m gives about {_count(est['raster_cells'])} raster cells over "
                f"the study area {extent} × {est['categories']} surfaces, an estimated "
                f"{_gib(est['raster_bytes'])} (available: {_gib(budget / _MEMORY_SHARE)}); "
                f"set it to at least {smallest} m or 'auto'",
                f"'density.cell_size' = {raster:g} m ger omkring {_count(est['raster_cells'], 'sv')} rasterrutor "
                f"över undersökningsområdet {extent_sv} × {est['categories']} ytor, uppskattat "
                f"{_gib(est['raster_bytes'], 'sv')} (tillgängligt: {_gib(budget / _MEMORY_SHARE, 'sv')}); "
                f"sätt den till minst {smallest} m eller 'auto'",
            ))
    if problems:
        raise problems_error(config.source_file, problems)


def check_district_count(config: Config) -> None:
    """Say up front when the districts are too few for the district statistics (counted from the layer header).

    With fewer than :data:`MIN_DISTRICTS` districts the run still goes on: the district
    Gi*, Moran's I and LISA are left out (they need at least that many units) and the grid
    carries the hot spots; rates, comparisons and trends per district are made as usual.

    Warns
    -----
    GeolageWarning
        Naming the layer, the count and what to use for district statistics, in the run's language.
    """
    d = config.districts
    if d is None:
        return
    try:
        n = int(pyogrio.read_info(d.path, layer=d.layer).get("features", -1))
    except Exception:  # a missing or unreadable layer is reported with its own message when it is read
        return
    if 0 < n < MIN_DISTRICTS:  # none at all is said by the reader
        text = {"en": f"{d.path}: the districts layer has {n} district(s); the district statistics (Gi*, Moran's I, "
                      f"LISA) need at least {MIN_DISTRICTS} and are left out (the grid's hot spots and the rates per "
                      "district are made); use a finer division (e.g. DeSO or RegSO areas) for them",
                "sv": f"{d.path}: områdeslagret har bara {n} område(n); områdesstatistiken (Gi*, Morans I, LISA) "
                      f"behöver minst {MIN_DISTRICTS} och utelämnas (rutnätets hot spots och takterna per område "
                      "görs); använd en finare indelning (till exempel DeSO- eller RegSO-områden) för den"}
        warnings.warn(text.get(config.project.language, text["en"]), GeolageWarning, stacklevel=2)


def check_distances(config: Config, cell_size: int) -> None:
    """Refuse a fixed neighbourhood distance shorter than the grid cell chosen automatically.

    With ``grid.cell_size = "auto"`` the cell is known only once the incidents are read; the same rule as
    :mod:`geolage.config_rules` applies then, before any analysis.

    Raises
    ------
    ConfigError
        Naming the key, the chosen cell size and what to set.
    """
    problems = [
        Problem(f"'{key}' ({distance:g} m) is shorter than the grid cell chosen automatically ({cell_size} m): no "
                f"cell would have a neighbour; set {key} to at least {cell_size} m or 'auto', or set grid.cell_size",
                f"'{key}' ({distance:g} m) är kortare än rutstorleken som valdes automatiskt ({cell_size} m): ingen "
                f"ruta skulle få en granne; sätt {key} till minst {cell_size} m eller 'auto', eller ange "
                "grid.cell_size")
        for key, distance in (
            ("hotspots.distance", config.hotspots.distance),
            ("emerging.distance", config.emerging.distance),
        )
        if distance != "auto" and distance < cell_size
    ]
    if problems:
        raise problems_error(config.source_file, problems)

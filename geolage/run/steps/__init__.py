"""The analysis steps of a run, each in its own module, in the order they run.

A step reads a :class:`~geolage.run.results.RunResults` (config, incidents, districts,
grid) and adds the tables of its schemas (:mod:`geolage.run.schemas`), its rasters and
the parameters it used. :data:`DEFAULT_STEPS` is what ``geolage run`` does; pass your
own sequence to :func:`geolage.run.pipeline.analyse` to add an analysis
(``docs/DEVELOPING.md``: "Add an analysis").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import schemas
from ..results import RunResults
from ..schemas import TableSchema
from .areas import add_area_profiles
from .density import add_density
from .emerging import add_emerging
from .forecast import add_forecast
from .hotspots import add_hotspots
from .near_repeat import add_near_repeat
from .statistics import add_statistics

__all__ = ["Step", "DEFAULT_STEPS"]


@dataclass(frozen=True)
class Step:
    """One analysis step.

    Attributes
    ----------
    name : str
        Name in the log, the progress bar and ``run.json`` (``record.steps``, ``parameters``).
    run : callable
        ``run(results)`` adds the step's tables, rasters and parameters.
    tables : tuple of TableSchema
        The tables the step adds (some only when their data exist, e.g. coverage).
    background : bool
        The step reads only the prepared run (not other steps' tables), so it may run in a
        child process from the start of the analysis, beside the other steps
        (:func:`geolage.run.pipeline.analyse`).
    reads_tables : bool
        The step may read tables of earlier steps, so steps running in the background are
        waited for first (the default; False for a step that reads only the prepared run).
    """

    name: str
    run: Callable[[RunResults], None]
    tables: tuple[TableSchema, ...] = ()
    background: bool = False
    reads_tables: bool = True


#: The steps of a standard run, in order.
DEFAULT_STEPS: tuple[Step, ...] = (
    Step("statistics", add_statistics, tuple(s for s in schemas.TABLES.values() if s.step == "statistics"),
         reads_tables=False),
    Step("density", add_density, reads_tables=False),
    Step("hotspots", add_hotspots, tuple(s for s in schemas.TABLES.values() if s.step == "hotspots"),
         background=True, reads_tables=False),
    Step("emerging", add_emerging, (schemas.EMERGING_GRID,), reads_tables=False),
    Step(schemas.NEAR_REPEAT.step, add_near_repeat, (schemas.NEAR_REPEAT,), reads_tables=False),
    Step("forecast", add_forecast, tuple(s for s in schemas.TABLES.values() if s.step == "forecast"),
         background=True, reads_tables=False),
    Step("areas", add_area_profiles, (schemas.AREA_PROFILE, schemas.AREA_CONTEXT)),
)

"""Many municipalities in one command (``geolage batch``), on Dask.

:mod:`~geolage.batch.plan` splits national incident files by municipality code (or takes a
list of run configurations), :mod:`~geolage.batch.run` runs each municipality as an ordinary
run on a ``dask.distributed`` cluster (a local one by default) and :mod:`~geolage.batch.summary`
writes the national summary: a table, a GeoPackage layer and a map of every municipality's
rate and coverage against Brå.
"""

from __future__ import annotations

from .plan import BatchPlan, Municipality, plan_configs, plan_national, read_boundaries
from .run import BatchResult, RunOptions, run_batch, run_municipality
from .summary import municipality_numbers, summary_table, write_summary

__all__ = [
    "BatchPlan",
    "BatchResult",
    "Municipality",
    "RunOptions",
    "municipality_numbers",
    "plan_configs",
    "plan_national",
    "read_boundaries",
    "run_batch",
    "run_municipality",
    "summary_table",
    "write_summary",
]

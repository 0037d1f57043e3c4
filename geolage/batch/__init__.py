"""Many municipalities in one command (``geolage batch``), on Dask.

:mod:`~geolage.batch.plan` splits national incident files by municipality code (or takes a
list of run configurations), :mod:`~geolage.batch.run` runs each municipality as an ordinary
run on a ``dask.distributed`` cluster (a local one by default) and :mod:`~geolage.batch.summary`
writes the national summary: a table, a GeoPackage layer and a map of every municipality's
rate and coverage against Brå. :mod:`~geolage.batch.profiles` says how much of each
municipality's lägesbild is made (``full``, or ``national`` for a county or the country).
"""

from __future__ import annotations

from .plan import BatchPlan, Municipality, plan_configs, plan_national, read_boundaries
from .profiles import PROFILES, BatchProfile, get_profile
from .run import BatchResult, RunOptions, run_batch, run_municipality, warning_summary
from .summary import municipality_numbers, summary_table, write_summary

__all__ = [
    "BatchPlan",
    "BatchProfile",
    "BatchResult",
    "Municipality",
    "PROFILES",
    "RunOptions",
    "get_profile",
    "municipality_numbers",
    "plan_configs",
    "plan_national",
    "read_boundaries",
    "run_batch",
    "run_municipality",
    "summary_table",
    "warning_summary",
    "write_summary",
]

"""How many processes a run may use: the one rule that the run's children and threaded statistics share.

It lives below :mod:`geolage.run` so that statistics (e.g. :mod:`geolage.stats.knox_moments`)
can follow it without importing the run layer; :mod:`geolage.run.parallel` re-exports it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys

log = logging.getLogger(__name__)

__all__ = ["WORKERS_VARIABLE", "workers", "count_from_environment"]

#: Environment variable: the number of processes a run may use (1 = everything in order in one process).
WORKERS_VARIABLE = "GEOLAGE_WORKERS"


def workers() -> int:
    """Processes a run may use: ``$GEOLAGE_WORKERS`` when set, else 2 when two cores are free, else 1.

    Returns
    -------
    int
        1 also where ``fork`` is not the platform's way to start processes (not Linux), and in
        a daemonic process, which may not start children.
    """
    if not sys.platform.startswith("linux"):
        return 1
    if multiprocessing.current_process().daemon:
        # A daemonic process (a Dask worker of ``geolage batch``, a multiprocessing pool's
        # worker) may not start children: its run goes in order, in that process.
        return 1
    return count_from_environment(WORKERS_VARIABLE, min(2, len(os.sched_getaffinity(0))), "process")


def count_from_environment(variable: str, default: int, unit: str) -> int:
    """A whole number of at least 1 from ``$variable``; ``default`` when unset, 1 (with a warning) when not a number."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    try:
        return max(1, int(value))
    except ValueError:
        log.warning("%s=%r is not a whole number; using 1 %s", variable, value, unit)
        return 1

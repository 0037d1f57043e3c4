"""Analyse a prepared run: every analysis step in order (:data:`geolage.run.steps.DEFAULT_STEPS`).

The whole flow is load → validate → index (:func:`geolage.run.prepare.prepare`) →
analyse (:func:`analyse`) → write (:func:`geolage.outputs.write_outputs`);
:func:`run` does the first two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..config import Config
from .prepare import Progress, prepare
from .results import RunResults
from .steps import DEFAULT_STEPS, Step

__all__ = ["prepare", "analyse", "run"]


def _noop(_: str) -> None:
    return None


def analyse(results: RunResults, *, steps: Sequence[Step] = DEFAULT_STEPS, progress: Progress = _noop) -> RunResults:
    """Run the analysis steps on prepared results.

    Parameters
    ----------
    results : RunResults
        From :func:`~geolage.run.prepare.prepare`.
    steps : sequence of Step
        The steps in order (default :data:`geolage.run.steps.DEFAULT_STEPS`); add your own
        analysis with ``(*DEFAULT_STEPS, my_step)``.
    progress : callable, optional
        Called with each step's name before it runs.

    Returns
    -------
    RunResults
        ``results``, with every step's tables, rasters and parameters added.
    """
    for step in steps:
        progress(step.name)
        step.run(results)
    results.record["steps"] = [step.name for step in steps]
    results.record["finished_utc"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return results


def run(config: Config, *, steps: Sequence[Step] = DEFAULT_STEPS, progress: Progress = _noop) -> RunResults:
    """Prepare and analyse a run (no files written)."""
    return analyse(prepare(config, progress=progress), steps=steps, progress=progress)

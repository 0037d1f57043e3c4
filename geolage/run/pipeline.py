"""Analyse a prepared run: every analysis step in order (:data:`geolage.run.steps.DEFAULT_STEPS`).

The whole flow is load → validate → index (:func:`geolage.run.prepare.prepare`) →
analyse (:func:`analyse`) → write (:func:`geolage.outputs.write_outputs`);
:func:`run` does the first two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..config import Config
from .parallel import Background, one_blas_thread, start, workers
from .prepare import Progress, prepare
from .results import RunResults
from .steps import DEFAULT_STEPS, Step

__all__ = ["prepare", "analyse", "run"]


def _noop(_: str) -> None:
    return None


def _import_before_fork() -> None:
    """Import what both this process and the forked children use, so that each does not import it again.

    libpysal (with scikit-learn, about 0.7 s) is imported by the statistics step here (districts'
    queen contiguity for the rates) and by the hot spot step in its child (district weights);
    imported before the fork, the child finds it in ``sys.modules``.
    """
    import libpysal  # noqa: F401


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

    Notes
    -----
    Steps marked ``background`` (the hot spots and the forecast, the two largest) start in
    forked child processes, one each, at the beginning and run beside the other steps
    when the run may use two processes
    (:func:`geolage.run.parallel.workers`); a step that ``reads_tables`` (or the end) waits
    for them. Tables, rasters and parameters are then put in the order of the steps, so the
    results (and every file written from them) are the same as when all steps run one
    after another in one process.
    """
    parallel = workers() > 1
    with one_blas_thread():
        _analyse(results, steps, progress, parallel)
    results.record["steps"] = [step.name for step in steps]
    results.record["finished_utc"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return results


def _analyse(results: RunResults, steps: Sequence[Step], progress: Progress, parallel: bool) -> None:
    """The steps in order, background steps in children (see :func:`analyse`)."""
    before = _Added.snapshot(results)
    added: dict[str, _Added] = {}
    pending: dict[str, Background] = {}
    if parallel and any(step.background for step in steps):
        _import_before_fork()
    try:
        for step in steps:
            if step.background and parallel:
                pending[step.name] = start(step.name, _background_step(step, results), parallel=True)
        started = set(pending)
        for step in steps:
            progress(step.name)
            if step.name in started:
                continue  # running in its child since the start
            if step.reads_tables:
                _collect(results, pending, added)
            mark = _Added.snapshot(results)
            step.run(results)
            added[step.name] = _Added.since(mark, results)
        _collect(results, pending, added)
    except BaseException:
        for child in pending.values():
            child.cancel()
        raise
    _restore_order(results, before, [added[step.name] for step in steps])


@dataclass
class _Added:
    """What a step added to the results: tables, rasters and parameters, in the order added."""

    tables: dict[str, Any] = field(default_factory=dict)
    rasters: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)

    @staticmethod
    def snapshot(results: RunResults) -> _Added:
        return _Added(dict(results.tables), dict(results.rasters),
                      {k: dict(v) for k, v in results.parameters.items()})

    @staticmethod
    def since(mark: _Added, results: RunResults) -> _Added:
        """The entries of ``results`` that are new or different since ``mark``."""
        return _Added(
            {k: v for k, v in results.tables.items() if mark.tables.get(k) is not v},
            {k: v for k, v in results.rasters.items() if mark.rasters.get(k) is not v},
            {k: {p: x for p, x in v.items() if p not in mark.parameters.get(k, {})
                 or mark.parameters[k][p] is not x}
             for k, v in results.parameters.items() if v != mark.parameters.get(k)},
        )


def _background_step(step: Step, results: RunResults) -> Callable[[], _Added]:
    """The body of a step run in a child: run it on the child's copy, return what it added."""

    def body() -> _Added:
        mark = _Added.snapshot(results)
        step.run(results)
        return _Added.since(mark, results)

    return body


def _collect(results: RunResults, pending: dict[str, Background], added: dict[str, _Added]) -> None:
    """Wait for the steps running in the background and add what they made to ``results``."""
    for name in list(pending):
        made = pending.pop(name).result()
        results.tables.update(made.tables)
        results.rasters.update(made.rasters)
        for key, values in made.parameters.items():
            results.parameters.setdefault(key, {}).update(values)
        added[name] = made


def _restore_order(results: RunResults, before: _Added, steps: list[_Added]) -> None:
    """Order tables, rasters and parameters as a run of the steps one after another would."""
    for attr in ("tables", "rasters", "parameters"):
        current = getattr(results, attr)
        order = list(getattr(before, attr))
        for made in steps:
            order += [k for k in getattr(made, attr) if k not in order]
        order += [k for k in current if k not in order]
        setattr(results, attr, {k: current[k] for k in order if k in current})


def run(config: Config, *, steps: Sequence[Step] = DEFAULT_STEPS, progress: Progress = _noop) -> RunResults:
    """Prepare and analyse a run (no files written)."""
    return analyse(prepare(config, progress=progress), steps=steps, progress=progress)

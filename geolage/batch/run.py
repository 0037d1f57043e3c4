"""Run a batch on Dask: one ordinary geolage run per municipality, failures recorded, progress reported.

Each municipality is one task (:func:`run_municipality`) submitted to a
``dask.distributed`` client: a :class:`~distributed.LocalCluster` on this machine by
default, or the scheduler at ``scheduler`` (a real cluster; every worker then needs
geolage installed and read access to the batch's work folder and write access to its
output folder). Dask schedules the tasks; geolage only submits them, largest first, and
collects what each one returns. A task that fails (bad input, a crash, a worker lost) is
recorded with its reason and the others go on.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError, GeolageError
from .plan import BatchPlan, Municipality
from .summary import municipality_numbers

__all__ = ["RunOptions", "BatchResult", "run_municipality", "run_batch", "make_client"]

log = logging.getLogger(__name__)

#: Called after each municipality with its row (``code``, ``name``, ``status``, ``error`` …), done and total.
Progress = Callable[[dict[str, Any], int, int], None]


@dataclass(frozen=True)
class RunOptions:
    """How each municipality is run and written (as ``geolage run``)."""

    #: ``"public"`` or ``"internal"``; None: each configuration's ``output.mode`` (default public).
    mode: str | None = None
    #: ``"sv"`` or ``"en"``; None: each configuration's ``project.language``.
    language: str | None = None
    #: Write the PDF report; None: each configuration's ``output.pdf``.
    pdf: bool | None = None
    #: Names of the analysis steps to run (``statistics`` always runs); None: every step.
    steps: tuple[str, ...] | None = None
    overwrite: bool = False


@dataclass
class BatchResult:
    """One row per municipality (finished or failed), in plan order, and the run's record."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The rows of municipalities that failed."""
        return [r for r in self.rows if r["status"] != "ok"]


def _steps(names: Sequence[str] | None) -> tuple[Any, ...]:
    from ..run.steps import DEFAULT_STEPS

    if names is None:
        return DEFAULT_STEPS
    known = [s.name for s in DEFAULT_STEPS]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"--steps: no step {', '.join(unknown)}; steps are {', '.join(known)}")
    wanted = {"statistics", *names}
    return tuple(s for s in DEFAULT_STEPS if s.name in wanted)


def run_municipality(municipality: Municipality, options: RunOptions) -> dict[str, Any]:
    """Run, write and summarise one municipality (a Dask task; never raises for bad input).

    Parameters
    ----------
    municipality : Municipality
        From a :class:`~geolage.batch.plan.BatchPlan`.
    options : RunOptions

    Returns
    -------
    dict
        ``code``, ``name``, ``status`` (``"ok"`` or ``"failed"``), ``error`` (why, for a
        failure: the geolage message, or the exception type and text with ``traceback``),
        ``seconds``, ``out_dir`` and, when it finished, the numbers of
        :func:`geolage.batch.summary.municipality_numbers`.
    """
    from ..outputs import write_outputs
    from ..run.pipeline import analyse, prepare

    started = time.perf_counter()
    m = municipality
    row: dict[str, Any] = {"code": m.code, "name": m.name, "out_dir": m.out_dir.name}
    try:
        config = m.config
        if options.language is not None:
            config = dataclasses.replace(config, project=dataclasses.replace(config.project,
                                                                             language=options.language))
        results = prepare(config)
        analyse(results, steps=_steps(options.steps))
        write_outputs(results, m.out_dir, overwrite=options.overwrite, mode=options.mode,
                      language=config.project.language, pdf=options.pdf)
        row.update(municipality_numbers(results), status="ok", error="")
    except GeolageError as exc:
        row.update(status="failed", error=str(exc))
    except Exception as exc:  # a bug or an unexpected input: recorded, the other municipalities go on
        row.update(status="failed", error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
    row["seconds"] = round(time.perf_counter() - started, 3)
    row["worker_pid"] = os.getpid()
    return row


def make_client(
    *, workers: int | None = None, scheduler: str | None = None, processes: bool = True
) -> tuple[Any, Any]:
    """A ``dask.distributed`` client: to the scheduler at ``scheduler``, or to a new local cluster.

    Parameters
    ----------
    workers : int, optional
        Workers of the local cluster (one thread each); default the number of CPUs.
    scheduler : str, optional
        Address of a running scheduler (e.g. ``tcp://10.0.0.5:8786``); ``workers`` is then ignored.
    processes : bool
        Local workers as processes (default) or as threads of this process (for tests).

    Returns
    -------
    client : distributed.Client
    cluster : distributed.LocalCluster or None
        The local cluster made (close it after the client), None for a scheduler address.
    """
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        return Client(scheduler), None
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n < 1:
        raise ConfigError(f"--workers needs to be at least 1; got {n}")
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes, dashboard_address=None,
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def run_batch(
    plan: BatchPlan,
    *,
    options: RunOptions | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    processes: bool = True,
    client: Any = None,
    progress: Progress | None = None,
) -> BatchResult:
    """Run every municipality of a plan on Dask; a failure stops none of the others.

    Parameters
    ----------
    plan : BatchPlan
    options : RunOptions, optional
    workers, scheduler, processes
        As in :func:`make_client` (used when no ``client`` is given).
    client : distributed.Client, optional
        A client to use (left open).
    progress : callable, optional
        ``progress(row, done, total)`` after each municipality (the CLI shows a bar).

    Returns
    -------
    BatchResult
        ``rows`` in plan order (municipalities that could not be planned included, as failed),
        ``record``: workers, scheduler, seconds.
    """
    from dask.distributed import as_completed

    options = options or RunOptions()
    _steps(options.steps)  # unknown step names fail here, before anything runs
    started = time.perf_counter()
    own = client is None
    cluster = None
    if own:
        client, cluster = make_client(workers=workers, scheduler=scheduler, processes=processes)
    rows: dict[str, dict[str, Any]] = {}
    total = len(plan.municipalities) + len(plan.failed)
    done = 0
    for code, (name, why) in plan.failed.items():
        rows[code] = {"code": code, "name": name, "status": "failed", "error": why, "seconds": 0.0}
        done += 1
        if progress is not None:
            progress(rows[code], done, total)
    try:
        n_workers = len(client.scheduler_info().get("workers", {}))
        # Largest first, so that a big municipality does not start last and hold up the end.
        order = sorted(plan.municipalities, key=lambda m: -m.rows)
        futures = {
            client.submit(run_municipality, m, options, key=f"geolage-batch-{m.code}", pure=False): m
            for m in order
        }
        for fut in as_completed(futures):
            m = futures[fut]
            if fut.status == "finished":
                row = fut.result()
            else:  # the task itself failed: a worker died (memory) or could not unpickle the job
                exc = fut.exception()
                row = {"code": m.code, "name": m.name, "status": "failed", "error": f"{type(exc).__name__}: {exc}",
                       "seconds": None, "out_dir": m.out_dir.name}
            rows[m.code] = row
            done += 1
            if row["status"] != "ok":
                log.warning("batch: %s %s failed: %s", m.code, m.name, row["error"].splitlines()[0])
            if progress is not None:
                progress(row, done, total)
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    ordered = [rows[m.code] for m in plan.municipalities] + [rows[c] for c in plan.failed]
    record = {"workers": n_workers, "scheduler": scheduler or "local", "seconds": round(time.perf_counter() -
                                                                                        started, 3)}
    return BatchResult(rows=ordered, record=record)

"""Run a batch on Dask: one ordinary geolage run per municipality, failures recorded, progress reported.

Each municipality is one task (:func:`run_municipality`) submitted to a
``dask.distributed`` client: a :class:`~distributed.LocalCluster` on this machine by
default, or the scheduler at ``scheduler`` (a real cluster; every worker then needs
geolage installed and read access to the batch's work folder and write access to its
output folder). Dask schedules the tasks; geolage only submits them, largest first, and
collects what each one returns. A task that fails (bad input, a crash, a worker lost) is
recorded with its reason and the others go on.

What a task logs goes to the municipality's own log (``logs/<code>.log`` in the batch
output folder), not to the console: with many workers the same warning (e.g. the density
step's bandwidth bound) would otherwise be printed once per municipality. Each row carries
the number of warnings and their first lines; the command summarises them at the end.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import re
import threading
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, GeolageError
from .plan import BatchPlan, Municipality
from .profiles import BatchProfile, get_profile
from .summary import municipality_numbers

__all__ = ["RunOptions", "BatchResult", "run_municipality", "run_batch", "make_client", "warning_summary",
           "LOG_DIR"]

#: Folder of the batch output with one log per municipality (``<code>.log``).
LOG_DIR = "logs"
#: Log records kept per municipality (a run logs a few hundred; the rest are counted, not kept).
_LOG_LIMIT = 20_000
#: Distinct warning lines carried back in a municipality's row.
_WARNINGS_KEPT = 5

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
    #: Names of the analysis steps to run (``statistics`` always runs); None: the profile's steps.
    steps: tuple[str, ...] | None = None
    overwrite: bool = False
    #: Batch profile (:data:`geolage.batch.profiles.PROFILES`): ``"full"`` or ``"national"``.
    profile: str = "full"


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


class _TaskLog(logging.Handler):
    """The log records of one task (its thread only), kept as lines; warnings counted and their first lines kept."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.thread = threading.get_ident()
        self.lines: list[str] = []
        self.dropped = 0
        self.warnings: Counter[str] = Counter()
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread == self.thread

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # a record that cannot be formatted is not worth failing the run for
            line = f"{record.levelname} {record.name}: {record.msg!r}"
        if len(self.lines) < _LOG_LIMIT:
            self.lines.append(line)
        else:
            self.dropped += 1
        if record.levelno >= logging.WARNING:
            self.warnings[record.getMessage().strip().splitlines()[0] if record.getMessage().strip() else ""] += 1


@contextmanager
def _task_log() -> Iterator[_TaskLog]:
    """Collect what geolage logs (and Python warnings) during one task instead of printing it.

    In a worker process of a local cluster (daemonic), the ``geolage`` logger is set to INFO and
    Python warnings are logged, for the municipality's log; a handler on the ``geolage`` logger
    also keeps Python's last-resort handler from printing warnings on the console. With the
    workers as threads of the command's process (``--threads``), only this task's thread is
    collected, at the logger's own level, and the console still shows it.
    """
    handler = _TaskLog()
    geo = logging.getLogger("geolage")
    in_worker = multiprocessing.current_process().daemon
    level = geo.level
    geo.addHandler(handler)
    if in_worker:
        geo.setLevel(logging.INFO)
    try:
        if in_worker:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("default")
                yield handler
            for w in caught:
                logging.getLogger("geolage.warnings").warning("%s: %s", w.category.__name__, w.message)
        else:
            yield handler
    finally:
        geo.removeHandler(handler)
        geo.setLevel(level)


def _write_log(handler: _TaskLog, path: Path) -> None:
    """Write a task's log lines (the folder is made); a log that cannot be written is only skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        extra = [f"... {handler.dropped} more records not kept"] if handler.dropped else []
        path.write_text("\n".join([*handler.lines, *extra]) + "\n", encoding="utf-8")
    except OSError as exc:  # the run's outputs are written; a missing log is not worth failing it for
        log.warning("batch: could not write %s: %s", path, exc)


def _profile_steps(profile: BatchProfile, options: RunOptions) -> tuple[str, ...] | None:
    """The steps of a task: ``--steps`` when given, else the profile's."""
    return options.steps if options.steps is not None else profile.steps


def run_municipality(municipality: Municipality, options: RunOptions) -> dict[str, Any]:
    """Run, write and summarise one municipality (a Dask task; never raises for bad input).

    Parameters
    ----------
    municipality : Municipality
        From a :class:`~geolage.batch.plan.BatchPlan`.
    options : RunOptions
        Its ``profile`` sets the grid, the steps, the permutations of global Moran's I and the
        outputs (:mod:`geolage.batch.profiles`); what it leaves out is recorded in ``run.json``
        (``record.batch_profile``).

    Returns
    -------
    dict
        ``code``, ``name``, ``status`` (``"ok"`` or ``"failed"``), ``error`` (why, for a
        failure: the geolage message, or the exception type and text with ``traceback``),
        ``seconds`` (wall) and ``cpu_seconds`` (this process), ``out_dir``, ``log`` (the
        municipality's log file, relative to the batch output folder), ``warnings`` (how many
        were logged) and ``warning_lines`` (up to five distinct first lines with their counts)
        and, when it finished, the numbers of :func:`geolage.batch.summary.municipality_numbers`.
    """
    from ..outputs import write_outputs
    from ..run import schemas
    from ..run.pipeline import analyse, prepare

    started, cpu = time.perf_counter(), time.process_time()
    m = municipality
    row: dict[str, Any] = {"code": m.code, "name": m.name, "out_dir": m.out_dir.name}
    log_path = m.out_dir.parent / LOG_DIR / f"{m.code}.log"
    with _task_log() as task_log:
        try:
            profile = get_profile(options.profile)
            config = profile.apply(m.config)
            if options.language is not None:
                config = dataclasses.replace(config, project=dataclasses.replace(config.project,
                                                                                 language=options.language))
            results = prepare(config)
            analyse(results, steps=_steps(_profile_steps(profile, options)))
            results.record["batch_profile"] = {**profile.record(), "steps": results.record["steps"]}
            write_outputs(results, m.out_dir, overwrite=options.overwrite, mode=options.mode,
                          language=config.project.language, pdf=options.pdf, parts=profile.parts)
            row.update(municipality_numbers(results), status="ok", error="")
            row["cell_size"] = (results.parameters.get(schemas.GRID.name) or {}).get("cell_size_m")
        except GeolageError as exc:
            row.update(status="failed", error=str(exc))
            log.error("%s", exc)
        except Exception as exc:  # a bug or an unexpected input: recorded, the other municipalities go on
            row.update(status="failed", error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
            log.error("%s", row["traceback"])
    _write_log(task_log, log_path)
    row["log"] = f"{LOG_DIR}/{log_path.name}"
    row["warnings"] = int(sum(task_log.warnings.values()))
    row["warning_lines"] = [[text, n] for text, n in task_log.warnings.most_common(_WARNINGS_KEPT)]
    row["seconds"] = round(time.perf_counter() - started, 3)
    row["cpu_seconds"] = round(time.process_time() - cpu, 3)
    row["worker_pid"] = os.getpid()
    return row


def warning_summary(rows: Sequence[dict[str, Any]], top: int = 5) -> tuple[int, int, list[tuple[str, int, int]]]:
    """The warnings of a batch, for the end of the command.

    Parameters
    ----------
    rows : sequence of dict
        :attr:`BatchResult.rows`.
    top : int
        Messages kept.

    Returns
    -------
    total : int
        Warnings logged in all.
    municipalities : int
        Municipalities that logged at least one.
    common : list of (message, count, municipalities)
        The most frequent messages, numbers replaced by ``#`` so that the same warning about
        different values counts as one (``bandwidth rule gave # m for # points; ...``).
    """
    count: Counter[str] = Counter()
    where: dict[str, set[str]] = {}
    for r in rows:
        for text, n in r.get("warning_lines") or []:
            key = re.sub(r"\d+(?:[.,]\d+)?", "#", str(text))
            count[key] += int(n)
            where.setdefault(key, set()).add(str(r.get("code")))
    total = sum(int(r.get("warnings") or 0) for r in rows)
    with_any = sum(1 for r in rows if int(r.get("warnings") or 0) > 0)
    return total, with_any, [(k, n, len(where[k])) for k, n in count.most_common(top)]


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
    _steps(_profile_steps(get_profile(options.profile), options))  # unknown names fail here, before anything runs
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

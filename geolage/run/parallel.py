"""Run one piece of a run in a forked child process while the parent goes on.

A run has two big independent parts at two moments: the hot-spot step beside the other
analysis steps, and the report (charts, HTML, PDF printing) beside the GeoPackage, tables
and map. On a machine with two or more cores each pair runs at the same time in two
processes. The child is a ``fork`` of the parent, so it sees the run as it is (nothing is
pickled on the way in) and sends back only what it made (pickled through a pipe).

Why processes and not threads: the work is mostly Python and matplotlib, which hold the
GIL (matplotlib is not thread-safe either); a fork costs milliseconds and its memory is
copy-on-write. Results do not depend on it: every random draw has its own seed, so a run
with ``GEOLAGE_WORKERS=1`` (everything in one process, in order) gives the same tables and
files.

``fork`` is used only on Linux (macOS and Windows default to ``spawn``, which would have to
pickle the whole run); elsewhere, with one core, or with ``GEOLAGE_WORKERS=1``, the work
runs in the parent in order.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import traceback
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from ..cores import WORKERS_VARIABLE, count_from_environment, workers

log = logging.getLogger(__name__)

__all__ = ["WORKERS_VARIABLE", "ChildFailed", "Background", "workers", "start", "one_blas_thread",
           "count_from_environment"]

class ChildFailed(RuntimeError):
    """A background part of the run failed with an error that could not be sent back as it was."""


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Within the block, numpy's BLAS (OpenBLAS) uses one thread per process.

    Two reasons. Speed: the run's matrices are small, and two processes with a BLAS thread
    pool each oversubscribe two cores while OpenBLAS threads wait by spinning (measured on
    this project's 2-core machine under load: the district forecast's model fits took 4.6 s
    each with two BLAS threads, 0.075 s with one). Reproducibility: the order in which a
    threaded BLAS adds up a product depends on the number of threads, so the last digits of
    results (and draws made from them) would depend on the machine's cores. The children
    forked inside the block inherit the limit.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


class Background:
    """A function running in a forked child (or already run, when there is no child).

    Use :func:`start`; :meth:`result` returns what the function returned (or raises what it
    raised).
    """

    def __init__(self, name: str, fn: Callable[[], Any], *, fork: bool) -> None:
        self.name = name
        self._process: Any = None
        self._conn: Any = None
        self._done = False
        self._value: Any = None
        self._error: BaseException | None = None
        if not fork:
            try:
                self._value = fn()
            except BaseException as exc:  # re-raised by result(), as from the child
                self._error = exc
            self._done = True
            return
        ctx = multiprocessing.get_context("fork")
        self._conn, child_conn = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=_child, args=(fn, child_conn), name=f"geolage-{name}", daemon=True)
        self._process.start()
        child_conn.close()

    def result(self) -> Any:
        """Wait for the function and return its value; raise its exception if it failed.

        Raises
        ------
        ChildFailed
            The child died without an answer (killed, out of memory), or its exception
            could not be pickled (the message then carries its text and traceback).
        """
        if not self._done:
            self._receive()
        if self._error is not None:
            raise self._error
        return self._value

    def cancel(self) -> None:
        """Stop the child if it is still running (the parent failed; its work is not needed)."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
        self._done = True

    def _receive(self) -> None:
        try:
            status, payload = self._conn.recv()  # before join: a large answer fills the pipe
        except EOFError:
            self._process.join()
            code = self._process.exitcode
            self._error = ChildFailed(f"{self.name}: the background process ended without an answer (exit code {code})")
            self._done = True
            return
        finally:
            self._conn.close()
        self._process.join()
        self._done = True
        if status == "ok":
            self._value, caught = payload
            for text, category in caught:  # the child's warnings, as if issued here
                warnings.warn(text, category, stacklevel=3)
        elif status == "error":
            self._error = payload
        else:
            self._error = ChildFailed(f"{self.name} failed in the background process:\n{payload}")


def _child(fn: Callable[[], Any], conn: Any) -> None:
    """The child's body: run ``fn`` and send ``("ok", (value, warnings))`` or the error back."""
    try:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = fn()
            message: tuple[str, Any] = ("ok", (value, [(str(w.message), w.category) for w in caught]))
        except BaseException as exc:
            text = "".join(traceback.format_exception(exc))
            exc.add_note(f"(raised in the background process)\n{text}")
            message = ("error", exc)
            try:
                pickle.dumps(exc)
            except Exception:
                message = ("text", text)
        try:
            conn.send(message)
        except Exception:
            conn.send(("text", traceback.format_exc()))
        conn.close()
    finally:
        logging.shutdown()
        os._exit(0)  # no atexit handlers, no cleanup of the parent's temporary files


def start(name: str, fn: Callable[[], Any], *, parallel: bool) -> Background:
    """Start ``fn()`` in a forked child when ``parallel``, else run it now.

    Parameters
    ----------
    name : str
        For messages (the step or output it makes).
    fn : callable
        No arguments; its return value must pickle.
    parallel : bool
        Use a child (the caller decides, usually ``workers() > 1``).

    Returns
    -------
    Background
    """
    return Background(name, fn, fork=parallel)

"""Exceptions and warnings raised by geolage.

An error for a user's mistake can carry its message in Swedish as well (``sv``); the CLI prints it in
the run's language (:meth:`GeolageError.in_language`). :class:`Problem` is one problem of a list (a
configuration's) in both languages; :func:`problems_error` makes one error of a list of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = [
    "GeolageError",
    "ConfigError",
    "InputFileError",
    "CRSMismatchError",
    "OutputExistsError",
    "GeolageWarning",
    "Problem",
    "problems_error",
]


class Problem(str):
    """One problem in English (the string itself) with its Swedish text (``.sv``).

    A ``str``, so lists of problems stay lists of strings; :func:`problems_error` uses ``.sv``.
    """

    sv: str

    def __new__(cls, en: str, sv: str) -> Problem:  # noqa: D102
        obj = super().__new__(cls, en)
        obj.sv = sv
        return obj


class GeolageError(Exception):
    """Base class of every error geolage raises on purpose (the CLI prints it as one line).

    Parameters
    ----------
    message : str
        The message in English.
    sv : str, optional
        The message in Swedish (the CLI prints it in Swedish runs).
    """

    def __init__(self, message: str = "", *, sv: str | None = None) -> None:
        super().__init__(message)
        self.sv = sv

    def in_language(self, language: str) -> str:
        """The message in ``language`` (``"sv"`` or ``"en"``); English when no Swedish text was given."""
        return self.sv if language == "sv" and self.sv else str(self)


class ConfigError(GeolageError, ValueError):
    """A configuration value is missing, unknown or of the wrong type."""


class InputFileError(GeolageError, ValueError):
    """An input file is missing, unreadable or lacks a required column."""


class CRSMismatchError(GeolageError, ValueError):
    """Two layers that must share a coordinate reference system do not."""


class OutputExistsError(GeolageError, FileExistsError):
    """The output folder exists and ``overwrite`` was not given."""


class GeolageWarning(UserWarning):
    """A result is valid but the user should know something about it."""


def problems_error(source_file: Path | None, problems: Sequence[str], *,
                   translate: Callable[[str], str] | None = None, kind: type[GeolageError] = ConfigError
                   ) -> GeolageError:
    """One error listing every problem (one line each), in English and Swedish.

    Parameters
    ----------
    source_file : Path, optional
        The configuration file, named first.
    problems : sequence of str
        The problems; a :class:`Problem` brings its Swedish text, other strings are given to ``translate``.
    translate : callable, optional
        English problem -> Swedish (default: :func:`geolage.text.problems.in_swedish`).
    kind : type
        The error class (default :class:`ConfigError`).

    Returns
    -------
    GeolageError
        ``"<file>: <problem>"`` for one problem, else ``"<file>: N problems in the configuration:"`` and a
        line ``"  - <problem>"`` each.
    """
    from .text.problems import PROBLEMS_HEADER, in_swedish

    translate = translate or in_swedish
    where = f"{source_file}: " if source_file else ""
    swedish = [p.sv if isinstance(p, Problem) else translate(p) for p in problems]

    def join(items: Sequence[str], head: str) -> str:
        if len(items) == 1:
            return f"{where}{items[0]}"
        return f"{where}{head.format(n=len(items))}\n  - " + "\n  - ".join(items)

    return kind(join(list(problems), PROBLEMS_HEADER["en"]), sv=join(swedish, PROBLEMS_HEADER["sv"]))

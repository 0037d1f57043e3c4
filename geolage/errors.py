"""Exceptions and warnings raised by geolage."""

from __future__ import annotations

__all__ = [
    "GeolageError",
    "ConfigError",
    "InputFileError",
    "CRSMismatchError",
    "OutputExistsError",
    "GeolageWarning",
]


class GeolageError(Exception):
    """Base class of every error geolage raises on purpose (the CLI prints it as one line)."""


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

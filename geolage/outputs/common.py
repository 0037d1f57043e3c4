"""What every output needs: the public view of a run (made once) and the output modes."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from ..run.disclosure import public_results
from ..run.results import RunResults

__all__ = ["MODES", "check_mode", "public_view"]

#: Output modes: ``public`` (no incident points, no free text, small counts withheld) or ``internal``.
MODES = ("public", "internal")


def check_mode(mode: str) -> str:
    """Return ``mode`` when it is ``"public"`` or ``"internal"``; raise ConfigError otherwise."""
    if mode not in MODES:
        raise ConfigError(f"mode needs to be 'public' or 'internal'; got {mode!r}")
    return mode


def public_view(results: RunResults, mode: str, language: str | None = None, replacing: Path | None = None
                ) -> RunResults:
    """The results an output of ``mode`` may show.

    ``internal``: ``results`` as they are. ``public``: ``results`` when they are already
    public (:attr:`RunResults.public`, disclosure control applied once by
    :func:`geolage.outputs.write_outputs`), else their public version
    (:func:`geolage.run.disclosure.public_results`) for an output written on its own. ``replacing``:
    the output folder the run replaces (an earlier public run there is an earlier release).
    """
    if check_mode(mode) == "internal" or results.public:
        return results
    return public_results(results, results.config.output.min_count, language or results.config.project.language,
                          replacing=replacing)

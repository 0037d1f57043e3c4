"""Old call forms of the public API, kept working with a :class:`DeprecationWarning`.

The layout change (issue 8) took the ``language`` argument out of the analyses: they return
codes, and :mod:`geolage.text` says them in words. Calls written for the old form keep working
here and say what to write instead.
"""

from __future__ import annotations

import warnings
from typing import Any

from .stats import trends as _trends
from .text.trends import direction_label

__all__ = ["trend"]


def trend(counts: Any, exposure: Any = None, time: Any = None, *, language: str | None = None,
          **options: Any) -> dict[str, Any]:
    """:func:`geolage.stats.trends.trend`, also accepting the old ``language`` argument.

    Parameters
    ----------
    counts, exposure, time, **options
        As for :func:`geolage.stats.trends.trend`.
    language : {"sv", "en"}, optional
        Deprecated. When given, ``direction`` comes back in words of that language, as before;
        write ``geolage.text.trends.direction_label(result["direction"], language)`` instead.

    Returns
    -------
    dict
        As :func:`geolage.stats.trends.trend`.
    """
    result = _trends.trend(counts, exposure, time, **options)
    if language is not None:
        warnings.warn(
            "trend(language=...) is deprecated: trend returns a direction code ('up', 'down', "
            "'none'); write geolage.text.trends.direction_label(result['direction'], language) "
            "for the words",
            DeprecationWarning,
            stacklevel=2,
        )
        result = {**result, "direction": direction_label(result["direction"], language)}
    return result

"""Every word geolage writes for people, in Swedish and English, and how numbers are written.

- :mod:`geolage.text.format`: numbers, percentages, p-values, dates (one decimal-comma rule).
- :mod:`geolage.text.labels`: labels of columns, categories, classes and reject reasons.
- :mod:`geolage.text.tables`: titles and descriptions of the result tables and rasters.
- prose of one output or analysis: :mod:`geolage.text.report`, :mod:`geolage.text.map`,
  :mod:`geolage.text.forecast`, :mod:`geolage.text.nearrepeat`, :mod:`geolage.text.cli`.

Analyses (:mod:`geolage.stats`) return codes and numbers only; the words are chosen here,
by language (``"sv"`` or ``"en"``).
"""

from __future__ import annotations

from .format import LANGUAGES, Text, check_language, format_number, format_p, format_percent

__all__ = ["LANGUAGES", "Text", "check_language", "format_number", "format_percent", "format_p"]

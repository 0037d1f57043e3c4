"""The report's sections in Brå's order (kartläggning → lägesbild → åtgärder), one module each.

A section builder takes the :class:`~geolage.outputs.report.context.ReportContext` and
returns its blocks (:mod:`geolage.outputs.report.blocks`); a part whose table the run
does not have says so plainly (``ctx.missing(schema)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ..blocks import Block
from ..context import ReportContext
from .area import area_background, area_conclusions, area_data, area_picture, area_summary
from .area_detail import (
    area_appendix,
    area_compare,
    area_context,
    area_development,
    area_forecast,
    area_places,
    area_times,
)
from .comparison import comparison
from .data_method import data_method
from .deep_dives import deep_dives
from .forecast import forecast
from .limitations import limitations
from .over_time import over_time, overview_time
from .overview import overview_areas, overview_is_short, overview_where
from .patterns import patterns
from .summary import summary
from .where import where

__all__ = ["Section", "SECTIONS", "AREA_SECTIONS", "OVERVIEW_SECTIONS", "overview_is_short"]


class Section(NamedTuple):
    """One section: its HTML anchor (language-neutral), the key of its title in the report's texts, and its builder."""

    anchor: str
    title_key: str
    build: Callable[[ReportContext], list[Block]]


#: Every section, in the report's order.
SECTIONS: tuple[Section, ...] = (
    Section("summary", "sec_summary", summary),
    Section("data-and-method", "sec_data", data_method),
    Section("development", "sec_time", over_time),
    Section("compared-with-reference", "sec_compare", comparison),
    Section("where", "sec_where", where),
    Section("time-patterns", "sec_patterns", patterns),
    Section("deep-dives", "sec_deep", deep_dives),
    Section("forecast", "sec_forecast", forecast),
    Section("limitations", "sec_limits", limitations),
)

#: The short municipal overview beside the focus areas' lägesbilder (``output.overview``), in order.
OVERVIEW_SECTIONS: tuple[Section, ...] = (
    Section("summary", "sec_summary", summary),
    Section("focus-areas", "osec_areas", overview_areas),
    Section("development", "sec_time", overview_time),
    Section("where", "sec_where", overview_where),
    Section("data-and-method", "asec_data", area_data),
    Section("limitations", "sec_limits", limitations),
    Section("appendices", "asec_appendix", area_appendix),
)

#: The sections of a focus area's lägesbild (issue: "structure of each area report"), in order.
AREA_SECTIONS: tuple[Section, ...] = (
    Section("summary", "asec_summary", area_summary),
    Section("background", "asec_background", area_background),
    Section("data-and-method", "asec_data", area_data),
    Section("crime-picture", "asec_picture", area_picture),
    Section("places", "asec_places", area_places),
    Section("times", "asec_times", area_times),
    Section("comparisons", "asec_compare", area_compare),
    Section("development", "asec_development", area_development),
    Section("forecast", "asec_forecast", area_forecast),
    Section("context", "asec_context", area_context),
    Section("conclusions", "asec_conclusions", area_conclusions),
    Section("limitations", "asec_limits", limitations),
    Section("appendices", "asec_appendix", area_appendix),
)

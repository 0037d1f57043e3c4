"""The near-repeat step: the Knox test for ``[near_repeat].category``."""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import pandas as pd

from ...stats.nearrepeat import KnoxPrecisionError, knox
from ...text import tables as T
from ...text.format import Text
from ...text.labels import category_label
from ...text.nearrepeat import knox_refusal, knox_summary
from .. import schemas
from ..results import RunResults

__all__ = ["add_near_repeat", "resolve_near_repeat_category"]

log = logging.getLogger(__name__)


#: The category ``near_repeat.category = "auto"`` prefers when the data has it.
_PREFERRED = "inbrott_bostad"


def resolve_near_repeat_category(category: str, incidents: pd.DataFrame) -> str:
    """The category of the Knox test: ``category``, or for ``"auto"`` the one the data suits.

    Parameters
    ----------
    category : str
        ``[near_repeat].category``: a category code or ``"auto"``.
    incidents : DataFrame
        Accepted incidents (column ``category``).

    Returns
    -------
    str
        ``category`` unless it is ``"auto"``; then ``inbrott_bostad`` (residential burglary,
        the classic near-repeat crime) when the data has it, else the most frequent category
        (ties: the first code in sorted order), else ``inbrott_bostad`` for empty data.
    """
    if category != "auto":
        return category
    counts = incidents["category"].value_counts() if len(incidents) else pd.Series(dtype=int)
    if _PREFERRED in counts.index or counts.empty:
        return _PREFERRED
    top = counts[counts == counts.max()].index
    return str(sorted(top)[0])


def add_near_repeat(results: RunResults) -> None:
    """Add the table ``near_repeat``: the Knox test for ``[near_repeat].category``.

    Columns: ``category`` and those of :data:`geolage.stats.nearrepeat.KNOX_COLUMNS`
    (``distance_band``, ``time_band``, interval bounds and closure, ``observed``,
    ``expected``, ``ratio``, ``p_value``). The summary sentence is the table's
    description and is recorded in the parameters. The permutations use
    ``project.seed``. When the incidents' times or places are less precise than the smallest
    band (month-only dates, snapped points), the test is refused: an empty table whose
    description says why, ``refused`` and the reason in the parameters, and a warning in the log.

    Parameters
    ----------
    results : RunResults
        Reads ``config.near_repeat``, ``config.project.seed`` and ``incidents``.
    """
    cfg = results.config.near_repeat
    seed = results.config.project.seed
    inc = results.incidents
    cat = resolve_near_repeat_category(cfg.category, inc)
    sub = inc[inc["category"] == cat] if len(inc) else inc
    label = {lang: category_label(cat, lang) for lang in ("sv", "en")}
    title = T.NEAR_REPEAT_TITLE.format(label=label)
    if len(sub) < 2:
        msg = T.NEAR_REPEAT_TOO_FEW.format(n=len(sub), label=label)
        log.warning("near_repeat: %s", msg[results.config.project.language])
        _empty(results, title, msg, category=cat, n_events=int(len(sub)))
        return
    frame = gpd.GeoDataFrame(sub) if not isinstance(sub, gpd.GeoDataFrame) else sub
    columns = [c for c in ("x", "y", "time", "time_from", "time_to") if c in frame.columns]
    try:
        res = knox(
            frame[columns],
            distance_bands=cfg.distance_bands,
            time_bands=cfg.time_bands,
            permutations=cfg.permutations, analytic_above=cfg.analytic_above,
            seed=seed,
            same_location=cfg.same_location,
            category=cat,
        )
    except KnoxPrecisionError as err:
        msg = knox_refusal(err, category=cat)
        log.warning("near_repeat: %s", msg[results.config.project.language])
        _empty(results, title, msg, category=cat, n_events=int(len(sub)), refused=True,
               refusal={"kind": err.kind, "unit": err.unit, "precision": err.precision, "band": err.band})
        return
    table = res.table.copy()
    table.insert(0, "category", cat)
    summary = knox_summary(res, category=cat)
    results.add_table(schemas.NEAR_REPEAT.table(table, title=title, description=summary))
    params = dict(res.parameters)
    params["refused"] = False
    # the sentence in the run's language only: an English run records no Swedish (and vice versa)
    params["summary"] = summary[results.config.project.language]
    results.record_parameters(schemas.NEAR_REPEAT.step, **params)


def _empty(results: RunResults, title: Text, msg: Text, **params: Any) -> None:
    """An empty near-repeat table whose description says why, and the reason in the parameters."""
    results.add_table(
        schemas.NEAR_REPEAT.table(pd.DataFrame(columns=list(schemas.NEAR_REPEAT.columns)), title=title,
                                  description=msg)
    )
    # the sentence in the run's language only: an English run records no Swedish (and vice versa)
    results.record_parameters(schemas.NEAR_REPEAT.step, **params, summary=msg[results.config.project.language])

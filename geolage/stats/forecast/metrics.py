"""Accuracy of a hotspot forecast: hit rate, PAI, PEI and RRI at fixed shares of the area.

Definitions differ between authors; these are the ones used throughout geolage.

*Selection.* Cells are sorted by descending score, ties by descending tie-break (e.g.
the long-term count), then by ascending cell order, and taken in that order until the
selected area first reaches the asked share × total area (whole cells, so the selected
share ``a/A`` is at least the asked share; partial cells at the study-area edge count with
their area inside).

*Hit rate* = n / N: the share of the evaluation period's N incidents that fall in the
selected cells (Chainey, Tompson & Uhlig 2008).

*PAI* (predictive accuracy index) = (n / N) / (a / A), with a the selected area and A the
total area, as in Chainey, Tompson & Uhlig (2008); 1 is what a random choice of area gives
on average.

*PEI* (predictive efficiency index) = PAI / PAI*, where PAI* is the PAI of the best
selection of the same size made with hindsight: cells sorted by their observed incidents
per area (ties: larger area, then cell order) and taken by the same rule (Hunt 2016; as
computed in Wheeler & Steenbeek 2021 and the R package ``ptools``). With equal cells PEI
is in [0, 1]; with partial edge cells the greedy hindsight selection is not always
optimal and PEI can slightly exceed 1 (not clipped). Many cells tie at small counts, so at
1 % of the area the hindsight selection is often not unique; its value is.

*RRI* (recapture rate index; Levine 2008) = PAI₂ / PAI₁ = (n₂ / N₂) / (n₁ / N₁) for the
*same* selected cells, where period 2 is the evaluation period and period 1 the period of
equal length just before the forecast origin. RRI > 1: the selected area holds a larger
share of crime in the forecast period than before; < 1: a smaller share. It measures the
stability of the selected hotspots rather than forecast skill (for the naive method,
selected on period 1 itself, it is usually < 1: regression to the mean). Other authors use
the name for other ratios (e.g. predicted / observed in the selected area, "recovery rate
index", Wheeler & Steenbeek 2021).

References
----------
Chainey, S., Tompson, L. & Uhlig, S. (2008). The utility of hotspot mapping for
predicting spatial patterns of crime. *Security Journal* 21, 4–28.
Hunt, J. M. (2016). Do crime hot spots move? Exploring the effects of the modifiable
areal unit problem and modifiable temporal unit problem on crime hot spot stability.
PhD thesis, American University.
Levine, N. (2008). The "hottest" part of a hotspot: comments on "The utility of
hotspot mapping for predicting spatial patterns of crime". *Security Journal* 21, 295–302.
Wheeler, A. P. & Steenbeek, W. (2021). Mapping the risk terrain for crime using
machine learning. *Journal of Quantitative Criminology* 37, 445–480.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .cells import Cells, rank_order, selection_size

__all__ = ["hotspot_metrics"]


@dataclass(frozen=True)
class _Ranked:
    """The inputs of :func:`hotspot_metrics` as float arrays, with the forecast and the hindsight rankings."""

    observed: np.ndarray
    area: np.ndarray
    previous: np.ndarray | None
    order: np.ndarray  # cells by forecast score
    cum: np.ndarray  # cumulated area along ``order``
    best: np.ndarray  # cells by observed incidents per area (hindsight)
    cum_best: np.ndarray


def _ranked(
    score: np.ndarray,
    observed: np.ndarray,
    area: np.ndarray,
    area_shares: tuple[float, ...] | list[float],
    previous: np.ndarray | None,
    tiebreak: np.ndarray | None,
    cell_order: np.ndarray | None,
) -> _Ranked:
    """Check the arrays and shares (ValueError) and rank the cells both ways."""
    score = np.asarray(score, dtype=float)
    observed = np.asarray(observed, dtype=float)
    area = np.asarray(area, dtype=float)
    n = len(score)
    arrays = {"observed": observed, "area": area}
    if previous is not None:
        previous = np.asarray(previous, dtype=float)
        arrays["previous"] = previous
    tiebreak = np.zeros(n) if tiebreak is None else np.asarray(tiebreak, dtype=float)
    cell_order = np.arange(n) if cell_order is None else np.asarray(cell_order)
    arrays["tiebreak"] = tiebreak
    arrays["cell_order"] = cell_order
    bad = [k for k, v in arrays.items() if len(v) != n]
    if bad:
        raise ValueError(f"score, {', '.join(bad)} need the same length; got {n} scores")
    bad_shares = [s for s in area_shares if not 0 < s <= 1]
    if bad_shares:
        raise ValueError(f"area_shares need to be in (0, 1]; got {bad_shares}")
    order = rank_order(score, tiebreak, cell_order)
    density = observed / np.where(area > 0, area, np.inf)
    best = np.lexsort((cell_order, -area, -density))
    return _Ranked(observed, area, previous, order, np.cumsum(area[order]), best, np.cumsum(area[best]))


def _measures(x: _Ranked, share: float) -> dict[str, Any]:
    """The measures of the selection covering ``share`` of the area (one row of :func:`hotspot_metrics`)."""
    total_area = x.area.sum()
    total = x.observed.sum()
    k = selection_size(x.cum, share, total_area)
    kb = selection_size(x.cum_best, share, total_area)
    sel = x.order[:k]
    a = x.cum[k - 1] / total_area
    hits = x.observed[sel].sum()
    hit_rate = hits / total if total > 0 else np.nan
    pai = hit_rate / a if total > 0 else np.nan
    pai_max = (x.observed[x.best[:kb]].sum() / total) / (x.cum_best[kb - 1] / total_area) if total > 0 else np.nan
    pei = pai / pai_max if total > 0 and pai_max > 0 else np.nan
    rri = np.nan
    prev_total = x.previous.sum() if x.previous is not None else 0.0
    if x.previous is not None and prev_total > 0 and total > 0:
        before = x.previous[sel].sum() / prev_total
        rri = hit_rate / before if before > 0 else np.nan
    return {
        "area_share": float(share),
        "area_selected": float(a),
        "n_cells": int(k),
        "n_eval": int(total),
        "n_hits": int(hits),
        "hit_rate": hit_rate,
        "pai": pai,
        "pai_max": pai_max,
        "pei": pei,
        "rri": rri,
    }


def hotspot_metrics(
    score: np.ndarray,
    observed: np.ndarray,
    area: np.ndarray,
    area_shares: tuple[float, ...] | list[float] = (0.01, 0.05, 0.10),
    *,
    previous: np.ndarray | None = None,
    tiebreak: np.ndarray | None = None,
    cell_order: np.ndarray | None = None,
) -> pd.DataFrame:
    """Hit rate, PAI, PEI and RRI of a ranking of cells at fixed shares of the area.

    Parameters
    ----------
    score : array of float
        Forecast score per cell (higher = more crime expected).
    observed : array of int
        Incidents per cell in the evaluation period.
    area : array of float
        Area of each cell inside the study area (any unit; only shares are used).
    area_shares : sequence of float
        Shares of the total area (0 < share <= 1) to select.
    previous : array of int, optional
        Incidents per cell in the period before the forecast origin (for the RRI);
        without it the RRI is NaN.
    tiebreak : array of float, optional
        Second sort key for cells with equal scores (descending), e.g. the long-term
        count. Default: none.
    cell_order : array of int, optional
        Third sort key (ascending), e.g. the position of the cell id in sorted order.
        Default: the array position.

    Returns
    -------
    DataFrame
        One row per area share: ``area_share`` (asked), ``area_selected`` (share actually
        selected), ``n_cells``, ``n_eval`` (N), ``n_hits`` (n), ``hit_rate``, ``pai``,
        ``pai_max``, ``pei``, ``rri``. Measures are NaN when undefined (no incidents in
        the evaluation period; for the RRI also none in the selected cells before).

    Raises
    ------
    ValueError
        Arrays of different lengths, or a share outside (0, 1].

    Notes
    -----
    Cells are taken by descending ``score`` (ties: descending ``tiebreak``, then ascending
    ``cell_order``) until their area first reaches the share (whole cells). With n of the
    N evaluation incidents in the selected area a of the total A: hit rate = n / N
    (Chainey, Tompson & Uhlig 2008), PAI = (n / N) / (a / A), PEI = PAI / PAI* with PAI*
    the PAI of the best selection of the same size made with hindsight (Hunt 2016), and
    RRI = PAI₂ / PAI₁ for the same cells in the evaluation period and the period before
    the origin (Levine 2008). The exact definitions, their caveats and the references are
    in :mod:`geolage.stats.forecast.metrics`.

    Examples
    --------
    >>> import numpy as np
    >>> m = hotspot_metrics(np.array([3.0, 2, 1, 0]), np.array([2, 0, 1, 1]), np.ones(4), [0.25])
    >>> float(m["hit_rate"].iloc[0]), float(m["pai"].iloc[0]), float(m["pei"].iloc[0])
    (0.5, 2.0, 1.0)
    """
    ranked = _ranked(score, observed, area, area_shares, previous, tiebreak, cell_order)
    return pd.DataFrame([_measures(ranked, share) for share in area_shares])


def mean_pai(
    score: np.ndarray,
    observed: np.ndarray,
    cells: Cells,
    tiebreak: np.ndarray,
    shares: tuple[float, ...],
    *,
    base_order: np.ndarray | None = None,
) -> float:
    """Mean PAI over ``shares`` (same selection rule as :func:`hotspot_metrics`, without the extras).

    ``base_order``: the cells ordered by ``tiebreak`` and id alone, when many scores share
    the tie-break (see :func:`geolage.stats.forecast.cells.rank_order`; same result).
    """
    total = observed.sum()
    if total == 0:
        return float("nan")
    order = rank_order(score, tiebreak, cells.id_order, base=base_order)
    cum = np.cumsum(cells.area[order])
    hits = np.cumsum(observed[order])
    k = np.minimum(np.searchsorted(cum, np.asarray(shares) * cum[-1] * (1 - 1e-9), side="left"), len(order) - 1)
    return float(np.mean((hits[k] / total) / (cum[k] / cum[-1])))

"""Concentration of crime to few places: top shares, Lorenz curve, (generalised) Gini, stability."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .rates import WHOLE_PERIOD

__all__ = [
    "CONCENTRATION_COLUMNS",
    "LORENZ_COLUMNS",
    "STABILITY_COLUMNS",
    "gini",
    "generalised_gini",
    "lorenz_curve",
    "top_share",
    "top_units",
    "top_overlap",
    "concentration_table",
    "lorenz_table",
    "stability_table",
]

log = logging.getLogger(__name__)

CONCENTRATION_COLUMNS = (
    "unit",
    "category",
    "n_incidents",
    "n_units",
    "n_units_with_incidents",
    "top1_share",
    "top5_share",
    "top10_share",
    "gini",
    "gini_generalised",
)
LORENZ_COLUMNS = ("unit", "category", "place_share", "incident_share")
STABILITY_COLUMNS = ("unit", "category", "period_from", "period_to", "top_level", "n_top", "overlap_share")


def _counts(counts: Any) -> np.ndarray:
    x = np.asarray(counts, dtype=float).ravel()
    if np.any(~np.isfinite(x)) or np.any(x < 0):
        raise ValueError("counts need to be finite and non-negative")
    return x


def gini(counts: Any) -> float:
    """Compute the Gini coefficient of incidents over places (all places, those without incidents included).

    Parameters
    ----------
    counts : array_like
        Incidents per place (one value per place).

    Returns
    -------
    float
        ``G = sum_i (2i - n - 1) x_(i) / (n sum x)`` with ``x_(1) <= … <= x_(n)``; 0 = equal,
        ``(n - 1) / n`` = all in one place. NaN without incidents.

    Notes
    -----
    The (biased) sample Gini used by Bernasco & Steenbeek (2017) and by R's ``DescTools::Gini``
    with ``unbiased = FALSE``.

    Examples
    --------
    >>> gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0])
    0.8
    """
    x = np.sort(_counts(counts))
    n, total = x.size, x.sum()
    if n == 0 or total == 0:
        return float("nan")
    i = np.arange(1, n + 1)
    return float(round(np.sum((2 * i - n - 1) * x) / (n * total), 12))


def generalised_gini(counts: Any) -> float:
    """Compute the generalised Gini of Bernasco & Steenbeek (2017), correct when incidents are fewer than places.

    Parameters
    ----------
    counts : array_like
        Incidents per place.

    Returns
    -------
    float
        ``G' = max(1, n / N) (G - 1) + 1`` with ``n`` places, ``N`` incidents and ``G`` from
        :func:`gini`. Equal to ``G`` when ``N >= n``. NaN without incidents.

    Notes
    -----
    With fewer incidents than places, perfect equality is impossible: the most equal spread
    puts one incident in each of ``N`` places. The generalised Lorenz curve measures against
    that line of *maximal* equality, so ``G' = 0`` for ``N`` places with one incident each.
    Bernasco, W. & Steenbeek, W. (2017). More places than crimes: implications for evaluating
    the law of crime concentration at place. Journal of Quantitative Criminology 33, 451–467.

    Examples
    --------
    >>> generalised_gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0])
    0.75
    """
    x = _counts(counts)
    n, total = x.size, x.sum()
    g = gini(x)
    if not np.isfinite(g):
        return g
    return float(round(max(1.0, n / total) * (g - 1.0) + 1.0, 12))


def lorenz_curve(counts: Any, *, points: int | None = 201) -> pd.DataFrame:
    """Compute the concentration (Lorenz) curve: share of incidents in the share of places with most incidents.

    Parameters
    ----------
    counts : array_like
        Incidents per place.
    points : int or None
        Number of evenly spaced place shares (0 … 1) at which the curve is given, by linear
        interpolation of the exact curve; None gives every place.

    Returns
    -------
    DataFrame
        ``place_share`` (0–1, places ranked from most to fewest incidents), ``incident_share``
        (0–1, cumulative). Starts at (0, 0) and ends at (1, 1); empty without incidents.

    Notes
    -----
    The curve is the Lorenz curve mirrored (places in descending order), as usual in the
    crime-concentration literature (Weisburd 2015; Bernasco & Steenbeek 2017).

    Examples
    --------
    >>> lorenz_curve([3, 1, 0, 0], points=None)["incident_share"].tolist()
    [0.0, 0.75, 1.0, 1.0, 1.0]
    """
    x = np.sort(_counts(counts))[::-1]
    n, total = x.size, x.sum()
    if n == 0 or total == 0:
        return pd.DataFrame({"place_share": [], "incident_share": []})
    ps = np.arange(n + 1) / n
    cs = np.concatenate([[0.0], np.cumsum(x) / total])
    if points is not None:
        grid = np.linspace(0, 1, points)
        cs = np.interp(grid, ps, cs)
        ps = grid
    return pd.DataFrame({"place_share": ps, "incident_share": cs})


def top_share(counts: Any, share: float) -> float:
    """Compute the share of incidents in the top ``share`` of places (e.g. 0.05 = the 5 % with most).

    Parameters
    ----------
    counts : array_like
        Incidents per place.
    share : float
        Share of places, 0 < share <= 1; ``ceil(share * n)`` places are taken (at least 1).

    Returns
    -------
    float
        Share (0–1) of all incidents that are in those places; NaN without incidents.

    Examples
    --------
    >>> top_share([10, 5, 3, 1, 1, 0, 0, 0, 0, 0], 0.1)
    0.5
    """
    if not 0 < share <= 1:
        raise ValueError(f"share needs to be in (0, 1]; got {share}")
    x = np.sort(_counts(counts))[::-1]
    total = x.sum()
    if total == 0:
        return float("nan")
    k = max(1, math.ceil(round(share * x.size, 9)))
    return float(x[:k].sum() / total)


def top_units(counts: pd.Series, share: float) -> set:
    """Return the places in the top ``share`` (by count; only places with incidents; ties broken by id).

    Parameters
    ----------
    counts : Series
        Incidents per place, indexed by place id.
    share : float
        Share of all places (``ceil(share * n)`` places at most).

    Returns
    -------
    set
        Ids of the top places.
    """
    k = max(1, math.ceil(round(share * len(counts), 9)))
    c = counts[counts > 0]
    df = pd.DataFrame({"id": c.index.astype(str), "n": c.to_numpy()}).sort_values(["n", "id"], ascending=[False, True])
    return set(df["id"].iloc[:k])


def _top_mask(x: np.ndarray, k: int) -> np.ndarray:
    """Mark the ``k`` largest positive values (stable: earlier positions win ties)."""
    order = np.argsort(-x, kind="stable")[:k]
    mask = np.zeros(x.size, dtype=bool)
    mask[order] = True
    return mask & (x > 0)


def top_overlap(counts_a: pd.Series, counts_b: pd.Series, share: float) -> tuple[int, float]:
    """Measure the stability of the top places between two periods.

    Parameters
    ----------
    counts_a, counts_b : Series
        Incidents per place in the first and the second period (same index).
    share : float
        Share of places counted as "top" (e.g. 0.05).

    Returns
    -------
    (int, float)
        Number of top places in the first period and the share of them that are also top
        places in the second period (NaN when the first has none).

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.Series([5, 4, 0, 0], index=list("abcd")); b = pd.Series([0, 3, 2, 0], index=list("abcd"))
    >>> top_overlap(a, b, 0.5)
    (2, 0.5)
    """
    ta, tb = top_units(counts_a, share), top_units(counts_b, share)
    if not ta:
        return 0, float("nan")
    return len(ta), len(ta & tb) / len(ta)


def concentration_table(counts: pd.DataFrame, *, by: str, unit: str, period: str = WHOLE_PERIOD) -> pd.DataFrame:
    """Compute concentration measures per category from a long count table.

    Parameters
    ----------
    counts : DataFrame
        From :func:`geolage.stats.rates.count_incidents`: ``<by>``, ``category``, ``period``, ``count``
        with every place (zeros included).
    by : str
        The place column (``"cell_id"`` or ``"district_id"``).
    unit : str
        Value of the ``unit`` column (``"grid"`` or ``"district"``).
    period : str
        The period used (default the whole span).

    Returns
    -------
    DataFrame
        Columns :data:`CONCENTRATION_COLUMNS`; shares 0–1.
    """
    rows = []
    sub = counts[counts["period"] == period]
    for cat, g in sub.groupby("category", sort=False):
        x = g["count"].to_numpy(dtype=float)
        rows.append(
            {
                "unit": unit,
                "category": cat,
                "n_incidents": int(x.sum()),
                "n_units": int(x.size),
                "n_units_with_incidents": int((x > 0).sum()),
                "top1_share": top_share(x, 0.01),
                "top5_share": top_share(x, 0.05),
                "top10_share": top_share(x, 0.10),
                "gini": gini(x),
                "gini_generalised": generalised_gini(x),
            }
        )
    return pd.DataFrame(rows, columns=list(CONCENTRATION_COLUMNS))


def lorenz_table(counts: pd.DataFrame, *, unit: str, period: str = WHOLE_PERIOD, points: int = 201) -> pd.DataFrame:
    """Compute Lorenz curves per category (see :func:`lorenz_curve`), columns :data:`LORENZ_COLUMNS`."""
    frames = []
    sub = counts[counts["period"] == period]
    for cat, g in sub.groupby("category", sort=False):
        lc = lorenz_curve(g["count"].to_numpy(dtype=float), points=points)
        lc.insert(0, "category", cat)
        lc.insert(0, "unit", unit)
        frames.append(lc)
    if not frames:
        return pd.DataFrame(columns=list(LORENZ_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(LORENZ_COLUMNS)]


def stability_table(
    counts: pd.DataFrame, *, by: str, unit: str, levels: Sequence[float] = (0.01, 0.05, 0.10)
) -> pd.DataFrame:
    """Compute the overlap of the top places between consecutive periods, per category.

    Parameters
    ----------
    counts : DataFrame
        Long counts (``<by>``, ``category``, ``period``, ``count``), zeros included.
    by : str
        Place column.
    unit : str
        Value of the ``unit`` column.
    levels : sequence of float
        Top shares of places.

    Returns
    -------
    DataFrame
        Columns :data:`STABILITY_COLUMNS`: ``top_level`` in per cent (1, 5, 10), ``n_top`` top
        places of ``period_from``, ``overlap_share`` of them again top places in ``period_to``.

    Notes
    -----
    A simple version of the stability analyses in Weisburd et al. (2004), Trajectories of
    crime at places, Criminology 42(2).
    """
    rows = []
    sub = counts[counts["period"] != WHOLE_PERIOD]
    periods = sorted(sub["period"].unique())
    ucode, places = pd.factorize(sub[by].astype(str), sort=True)  # ties are broken by place id
    ccode, cats = pd.factorize(sub["category"])
    pcode = pd.Index(periods).get_indexer(sub["period"])
    shape = (len(places), len(cats), len(periods))
    flat = np.ravel_multi_index((ucode, ccode, pcode), shape)
    arr = np.bincount(flat, weights=sub["count"].to_numpy(dtype=float), minlength=int(np.prod(shape))).reshape(shape)
    n = len(places)
    for ci, cat in enumerate(cats):
        for pi, (p0, p1) in enumerate(zip(periods[:-1], periods[1:], strict=True)):
            a, b = arr[:, ci, pi], arr[:, ci, pi + 1]
            for lev in levels:
                k = max(1, math.ceil(round(lev * n, 9)))
                ta, tb = _top_mask(a, k), _top_mask(b, k)
                n_top = int(ta.sum())
                ov = float((ta & tb).sum() / n_top) if n_top else float("nan")
                rows.append({"unit": unit, "category": cat, "period_from": p0, "period_to": p1,
                             "top_level": round(lev * 100, 6), "n_top": n_top, "overlap_share": ov})
    return pd.DataFrame(rows, columns=list(STABILITY_COLUMNS))

"""The ranking rule of a lägesbild's summary: which crime problems of one area come first.

One row per crime category of one focus area goes in; the categories come out ranked by a
``priority_score`` that adds three parts, each counted only when it is statistically certain,
and scales the sum by the category's volume:

``priority_score = volume_weight × (level_score + development_score + concentration_score)``

- **Level** (how much higher the area's rate is than the reference area's): the logarithm of
  the rate ratio's 95 % confidence limit nearest 1, so ``log(rr_lo)`` when the whole interval
  lies above 1, ``log(rr_hi)`` (negative) when it lies below 1, and 0 when it includes 1 (the
  estimate shrunk to "no certain difference"). Without limits the point estimate
  ``log(rate_ratio)`` is used (and certainty then comes from the count alone).
- **Development** (how fast it is changing): with a trend, the logarithm of the yearly factor
  ``1 + trend_pct_per_year / 100`` times :data:`DEVELOPMENT_YEARS` (the change over five years
  if the trend goes on, the length of a typical lägesbild period, which puts it on the scale of
  a change between two periods), 0 when ``trend_p >=`` :data:`ALPHA`. Without a trend, the
  change between the previous and the current period: the logarithm of its confidence limit
  nearest 1 (``change_lo``/``change_hi``), 0 when the interval includes 1, or of
  ``change_ratio`` when there are no limits. A trend is preferred because it uses every year.
- **Concentration** (how much of it is gathered in places one can act on): ``hotspot_share``,
  the share (0–1) of the category's incidents in the area that lie in significant hot spot
  cells.
- **Volume**: ``volume_weight = count / (count + VOLUME_HALF)`` (one half at 20 incidents,
  0.83 at 100), and 0 below :data:`MIN_COUNT` incidents, so a category with a handful of
  incidents cannot come first however large its ratio; its score is then 0 ("too few to say").

A missing part (column absent or value NaN) counts as 0 and is left out of
``score_components``, the comma-separated list of the parts a row's score used (codes
``level``, ``yearly_trend``, ``period_change``, ``hotspot_share``, ``volume``; words in
:mod:`geolage.text.priorities`). Without a count the volume weight is 1.

**Certainty** says how precisely the area's rate is known, from the width of the rate ratio's
95 % interval: ``"high"`` when ``rr_hi / rr_lo <= 1.5``, ``"medium"`` when ``<= 2.5``,
``"low"`` otherwise. Without limits, the count gives the same grading through the Poisson
width ``exp(2 × 1.96 / sqrt(count))`` (high from 94 incidents, medium from 19); a count under
:data:`MIN_COUNT`, or neither limits nor count, is ``"low"``.

Ties are broken by count (larger first), then by category name, so the order is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..categories import ALL_CATEGORIES

__all__ = [
    "ALPHA",
    "CERTAINTIES",
    "CERTAINTY_LIMITS",
    "COMPONENTS",
    "DEVELOPMENT_YEARS",
    "MIN_COUNT",
    "PRIORITY_COLUMNS",
    "VOLUME_HALF",
    "certainty",
    "certainty_count",
    "rank_problems",
]

#: Significance level of a trend (two-sided p-value below it counts).
ALPHA = 0.05
#: Years over which a yearly trend is compounded to put it on a period's scale.
DEVELOPMENT_YEARS = 5
#: Fewer incidents than this in the period: volume weight 0 and low certainty.
MIN_COUNT = 10
#: The count at which the volume weight is one half.
VOLUME_HALF = 20
#: Certainty codes, best first (words: :data:`geolage.text.priorities.CERTAINTY_LABELS`).
CERTAINTIES: tuple[str, ...] = ("high", "medium", "low")
#: Largest ``rr_hi / rr_lo`` for "high" and for "medium" certainty.
CERTAINTY_LIMITS: tuple[float, float] = (1.5, 2.5)
#: Codes of the parts a score can use (words: :data:`geolage.text.priorities.COMPONENT_LABELS`).
COMPONENTS: tuple[str, ...] = ("level", "yearly_trend", "period_change", "hotspot_share", "volume")
#: Columns :func:`rank_problems` adds to its input.
PRIORITY_COLUMNS: tuple[str, ...] = (
    "priority_rank",
    "priority_score",
    "level_score",
    "development_score",
    "concentration_score",
    "volume_weight",
    "certainty",
    "score_components",
)
_Z = 1.959963984540054
_NUMERIC = ("count", "rate_ratio", "rr_lo", "rr_hi", "trend_pct_per_year", "trend_p",
            "change_ratio", "change_lo", "change_hi", "hotspot_share")


def certainty_count(limit: float) -> int:
    """Smallest count whose Poisson 95 % interval of a rate is at most ``limit`` wide (as a ratio).

    Parameters
    ----------
    limit : float
        Largest ``upper / lower`` of the interval, above 1.

    Returns
    -------
    int
        ``ceil((2 × 1.96 / log(limit))²)``: 94 for 1.5, 19 for 2.5.
    """
    return math.ceil((2 * _Z / math.log(limit)) ** 2)


def certainty(rr_lo: float, rr_hi: float, count: float = math.nan) -> str:
    """Grade how precisely a rate ratio is known: ``"high"``, ``"medium"`` or ``"low"``.

    Parameters
    ----------
    rr_lo, rr_hi : float
        The 95 % confidence limits of the rate ratio (NaN when unknown).
    count : float, optional
        Incidents behind the rate; used when the limits are unknown, and a count under
        :data:`MIN_COUNT` is always ``"low"``.

    Returns
    -------
    str
        A code of :data:`CERTAINTIES` (see the module's notes for the thresholds).

    Examples
    --------
    >>> certainty(1.2, 1.5), certainty(1.1, 2.2), certainty(0.5, 4.0), certainty(math.nan, math.nan, 200)
    ('high', 'medium', 'low', 'high')
    """
    if not math.isnan(count) and count < MIN_COUNT:
        return "low"
    if not (math.isnan(rr_lo) or math.isnan(rr_hi)):
        width = rr_hi / rr_lo if rr_lo > 0 else math.inf
        high, medium = CERTAINTY_LIMITS
        return "high" if width <= high else "medium" if width <= medium else "low"
    if math.isnan(count):
        return "low"
    high_n, medium_n = (certainty_count(limit) for limit in CERTAINTY_LIMITS)
    return "high" if count >= high_n else "medium" if count >= medium_n else "low"


def _log(x: pd.Series) -> pd.Series:
    """Natural logarithm of the positive values; NaN elsewhere."""
    return pd.Series(np.log(x.where(x > 0)), index=x.index, dtype=float)


def _conservative_log(point: pd.Series, lo: pd.Series, hi: pd.Series) -> pd.Series:
    """Log of the confidence limit nearest 1 (0 when the interval includes 1); log of the point without limits."""
    shrunk = pd.Series(0.0, index=point.index)
    shrunk[lo > 1] = _log(lo)[lo > 1]
    shrunk[hi < 1] = _log(hi)[hi < 1]
    has_limits = lo.notna() & hi.notna()
    return shrunk.where(has_limits, _log(point))


def _columns(profile: pd.DataFrame) -> pd.DataFrame:
    """The numeric inputs as floats, NaN where a column is missing."""
    out = pd.DataFrame(index=profile.index)
    for name in _NUMERIC:
        out[name] = pd.to_numeric(profile[name], errors="coerce") if name in profile else np.nan
    return out.astype(float)


def _check(profile: pd.DataFrame, top: int) -> None:
    """Gather every problem of the input, then raise once."""
    problems = []
    if "category" not in profile:
        problems.append(f"profile needs a 'category' column; got columns {list(profile.columns)}")
    elif profile["category"].duplicated().any():
        first = profile.loc[profile["category"].duplicated(), "category"].iloc[0]
        problems.append(f"categories need to be unique; got {first!r} more than once")
    if not isinstance(top, (int, np.integer)) or isinstance(top, bool) or top < 1:
        problems.append(f"top needs to be a whole number of at least 1; got {top!r}")
    x = _columns(profile)
    for name, lower, upper in (("count", 0, math.inf), ("hotspot_share", 0, 1), ("trend_p", 0, 1)):
        bad = x[name].notna() & ~x[name].between(lower, upper)
        if bad.any():
            problems.append(f"{name} needs to be within [{lower}, {upper}]; got {int(bad.sum())} rows "
                            f"outside, the first {x.loc[bad, name].iloc[0]!r}")
    for lo, hi in (("rr_lo", "rr_hi"), ("change_lo", "change_hi")):
        bad = x[lo] > x[hi]
        if bad.any():
            problems.append(f"{lo} needs to be at most {hi}; got {int(bad.sum())} rows where it is larger")
    if problems:
        raise ValueError("; ".join(problems))


def _development(x: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Development score and which source it used (``yearly_trend``, ``period_change`` or empty)."""
    trend_log = _log(1 + x["trend_pct_per_year"] / 100) * DEVELOPMENT_YEARS
    trend = trend_log.where(x["trend_p"] < ALPHA, 0.0).where(trend_log.notna() & x["trend_p"].notna())
    change = _conservative_log(x["change_ratio"], x["change_lo"], x["change_hi"])
    source = pd.Series("", index=x.index).mask(change.notna(), COMPONENTS[2]).mask(trend.notna(), COMPONENTS[1])
    return trend.fillna(change), source


def _components(used: Sequence[pd.Series], names: Sequence[str]) -> list[str]:
    """Per row, the comma-separated names of the parts that were available."""
    rows = zip(*(s.to_numpy() for s in used), strict=True)
    return [",".join(n for n, ok in zip(names, flags, strict=True) if ok) for flags in rows]


def rank_problems(profile: pd.DataFrame, *, top: int = 5) -> pd.DataFrame:
    """Rank the crime problems of one area by the documented rule of this module.

    Parameters
    ----------
    profile : DataFrame
        One row per crime category of one area: ``category`` and any of ``count``,
        ``rate_ratio``, ``rr_lo``, ``rr_hi``, ``trend_pct_per_year``, ``trend_p``,
        ``change_ratio``, ``change_lo``, ``change_hi``, ``hotspot_share`` (missing columns and
        NaN values allowed). The category ``"alla"`` (all offences) is left out.
    top : int, default 5
        How many of the ranked rows to keep.

    Returns
    -------
    DataFrame
        The input rows (all their columns), best first, at most ``top``, index 0.., with
        :data:`PRIORITY_COLUMNS` added: ``priority_rank`` (1..), ``priority_score``,
        ``level_score``, ``development_score``, ``concentration_score``, ``volume_weight``,
        ``certainty`` (code of :data:`CERTAINTIES`) and ``score_components`` (codes of
        :data:`COMPONENTS` the score used, comma-separated).

    Raises
    ------
    ValueError
        No ``category`` column, repeated categories, ``top`` under 1, a count below 0, a share
        or p-value outside [0, 1], or a lower confidence limit above its upper one.

    Notes
    -----
    The rule and its constants are in the module's docstring (and in words for the report
    in :func:`geolage.text.priorities.rule_description`).

    Examples
    --------
    >>> profile = pd.DataFrame({"category": ["rån", "stöld"], "count": [40, 300],
    ...                         "rr_lo": [0.8, 1.4], "rr_hi": [1.6, 1.8]})
    >>> rank_problems(profile)[["category", "priority_rank", "certainty"]].to_numpy().tolist()
    [['stöld', 1, 'high'], ['rån', 2, 'medium']]
    """
    _check(profile, top)
    rows = profile.loc[profile["category"] != ALL_CATEGORIES].reset_index(drop=True)
    x = _columns(rows)
    level = _conservative_log(x["rate_ratio"], x["rr_lo"], x["rr_hi"])
    development, source = _development(x)
    concentration = x["hotspot_share"]
    n = x["count"]
    volume = (n / (n + VOLUME_HALF)).where(n >= MIN_COUNT, 0.0).where(n.notna())
    out = rows.copy()
    out["level_score"] = level.fillna(0.0)
    out["development_score"] = development.fillna(0.0)
    out["concentration_score"] = concentration.fillna(0.0)
    out["volume_weight"] = volume.fillna(1.0)
    parts = out["level_score"] + out["development_score"] + out["concentration_score"]
    out["priority_score"] = out["volume_weight"] * parts
    out["certainty"] = [certainty(lo, hi, c) for lo, hi, c in zip(x["rr_lo"], x["rr_hi"], n, strict=True)]
    available = [level.notna(), source == COMPONENTS[1], source == COMPONENTS[2], concentration.notna(), volume.notna()]
    out["score_components"] = _components(available, COMPONENTS)
    keys = pd.DataFrame({"score": out["priority_score"], "count": n.fillna(-1.0), "name": out["category"].astype(str)})
    order = keys.sort_values(["score", "count", "name"], ascending=[False, False, True], kind="mergesort").index
    out = out.loc[order].head(top).reset_index(drop=True)
    out["priority_rank"] = np.arange(1, len(out) + 1)
    added = [c for c in PRIORITY_COLUMNS if c not in rows.columns]
    return out[[*rows.columns, *added]]

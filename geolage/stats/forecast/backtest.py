"""Rolling-origin backtest of the grid forecasts, and whether a method beats the naive baseline."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import numpy as np
import pandas as pd

from ...categories import ALL_CATEGORIES
from .cells import DAY_NS, Cells, Events, counts_in, prepare_cells, prepare_events, to_ns
from .metrics import hotspot_metrics
from .models import METHODS, Options, check_options, scores

__all__ = ["BACKTEST_COLUMNS", "SUMMARY_COLUMNS", "backtest_forecast", "summarise_backtest"]

log = logging.getLogger(__name__)

#: Columns of ``forecast_backtest`` (one row per category, method, origin and area share).
BACKTEST_COLUMNS: tuple[str, ...] = (
    "category",
    "method",
    "origin",
    "period_end",
    "area_share",
    "area_selected",
    "n_cells",
    "n_eval",
    "n_hits",
    "hit_rate",
    "pai",
    "pai_max",
    "pei",
    "rri",
)
#: Columns of ``forecast_summary`` (one row per category, method and area share).
SUMMARY_COLUMNS: tuple[str, ...] = (
    "category",
    "method",
    "area_share",
    "n_origins",
    "hit_rate",
    "pai",
    "pei",
    "rri",
    "pai_diff",
    "pai_diff_ci_low",
    "pai_diff_ci_high",
    "pai_diff_p",
    "pai_diff_p_holm",
    "beats_baseline",
)


# --------------------------------------------------------------------------- backtest
def backtest_events(
    events: Events,
    cells: Cells,
    end_ns: int,
    start_ns: int,
    *,
    backtest_periods: int,
    methods: tuple[str, ...],
    opts: Options,
    cache: dict[int, np.ndarray | None] | None = None,
) -> pd.DataFrame:
    """The backtest of :func:`backtest_forecast` on prepared arrays (``cache``: tuning results to share)."""
    h = opts.horizon_days * DAY_NS
    rows = []
    cache = {} if cache is None else cache
    for j in range(backtest_periods, 0, -1):
        origin_ns = end_ns - j * h
        if origin_ns - start_ns < h:
            continue
        observed = counts_in(events, len(cells.ids), origin_ns, origin_ns + h)
        for method in methods:
            score, hist, _ = scores(events, cells, origin_ns, start_ns, method=method, opts=opts, cache=cache)
            if score is None:
                log.info(
                    "forecast: %s has too little history before %s; left out of the backtest",
                    method,
                    pd.Timestamp(origin_ns).date(),
                )
                continue
            m = hotspot_metrics(
                score,
                observed,
                cells.area,
                opts.area_shares,
                previous=hist.counts[0],
                tiebreak=hist.total,
                cell_order=cells.id_order,
            )
            m.insert(0, "method", method)
            m.insert(1, "origin", pd.Timestamp(origin_ns))
            m.insert(2, "period_end", pd.Timestamp(origin_ns + h))
            rows.append(m)
    if not rows:
        return pd.DataFrame(columns=[c for c in BACKTEST_COLUMNS if c != "category"])
    return pd.concat(rows, ignore_index=True)


def check_backtest(methods: tuple[str, ...] | list[str], backtest_periods: int) -> None:
    """Raise ValueError for an unknown method or fewer than one backtest period."""
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise ValueError(f"methods need to be among {', '.join(METHODS)}; got {bad}")
    if backtest_periods < 1:
        raise ValueError(f"backtest_periods needs to be at least 1; got {backtest_periods}")


def backtest_forecast(
    incidents: pd.DataFrame,
    grid: pd.DataFrame,
    end: Any,
    *,
    horizon_days: int = 91,
    backtest_periods: int = 8,
    area_shares: tuple[float, ...] = (0.01, 0.05, 0.10),
    methods: tuple[str, ...] = METHODS,
    start: Any = None,
    half_life_days: float | str = "auto",
    bandwidth: float | str = "auto",
    train_periods: int = 4,
) -> pd.DataFrame:
    """Rolling-origin backtest of the grid forecasts.

    For each of the last ``backtest_periods`` origins ``end - j·horizon_days`` (j =
    ``backtest_periods`` … 1), each method is fitted on the incidents strictly before the
    origin (automatic parameters included), predicts ``[origin, origin + horizon_days)``
    and is scored on that period's incidents with :func:`hotspot_metrics`.

    Parameters
    ----------
    incidents : DataFrame
        Needs ``cell_id`` and ``time`` (one category, or all together).
    grid : DataFrame
        The analysis grid (see :func:`forecast_scores`).
    end : date-like
        End of the data (exclusive: the first instant after the last day analysed).
    horizon_days, backtest_periods : int
        Period length in days and number of origins.
    area_shares : tuple of float
        Shares of the area at which the measures are reported.
    methods : tuple of str
        Methods to compare (see :func:`forecast_scores`).
    start : date-like, optional
        First instant with data. Default: the earliest incident.
    half_life_days, bandwidth, train_periods
        Options of the methods (see :func:`forecast_scores`).

    Returns
    -------
    DataFrame
        Columns ``method, origin, period_end, area_share, area_selected, n_cells, n_eval,
        n_hits, hit_rate, pai, pai_max, pei, rri`` (definitions in :func:`hotspot_metrics`),
        one row per origin, method and area share. Origins with less than one whole
        period of history, and methods that cannot be fitted at an origin, are left out.

    Raises
    ------
    ValueError
        Bad options or grid (see :func:`forecast_scores`).
    """
    check_backtest(methods, backtest_periods)
    opts = check_options(horizon_days, half_life_days, bandwidth, train_periods, area_shares)
    cells = prepare_cells(grid)
    events = prepare_events(incidents, cells)
    end_ns = to_ns(end)
    start_ns = to_ns(start) if start is not None else (int(events.t.min()) if len(events.t) else end_ns)
    return backtest_events(
        events, cells, end_ns, start_ns, backtest_periods=backtest_periods, methods=tuple(methods), opts=opts
    )


# --------------------------------------------------------------------------- comparison with the baseline
def _sign_flip_p(diff: np.ndarray, rng: np.random.Generator) -> float:
    """Two-sided paired sign-flip permutation p-value of the mean difference (exact for n <= 12)."""
    n = len(diff)
    observed = abs(diff.mean())
    if n <= 12:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
    else:
        signs = rng.choice((1.0, -1.0), size=(20_000, n))
    means = np.abs((signs * diff).mean(axis=1))
    return float(np.mean(means >= observed - 1e-12))


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (NaN stays NaN and is not counted)."""
    out = np.full(len(p), np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out[order] = adjusted
    return out


def _paired_difference(
    diff: np.ndarray, rng: np.random.Generator, *, n_boot: int, alpha: float, min_origins: int
) -> dict[str, Any]:
    """Mean PAI difference to the baseline over paired origins: bootstrap interval and sign-flip p-value."""
    if len(diff) == 1:
        return {"pai_diff": float(diff[0])}
    if len(diff) < 2:
        return {}
    boot = rng.choice(diff, size=(n_boot, len(diff)), replace=True).mean(axis=1)
    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    p = _sign_flip_p(diff, rng)
    return {
        "pai_diff": float(diff.mean()),
        "pai_diff_ci_low": float(lo),
        "pai_diff_ci_high": float(hi),
        "pai_diff_p": p,
        "beats_baseline": bool(len(diff) >= min_origins and lo > 0),
    }


def summarise_backtest(
    backtest: pd.DataFrame,
    *,
    baseline: str = "naive",
    n_boot: int = 2000,
    seed: int = 12345,
    alpha: float = 0.05,
    min_origins: int = 4,
) -> pd.DataFrame:
    """Mean accuracy per method and area share, and whether a method beats the baseline.

    Parameters
    ----------
    backtest : DataFrame
        From :func:`backtest_forecast` (optionally with a ``category`` column).
    baseline : str
        The method every other method is compared with.
    n_boot : int
        Bootstrap resamples of the origins.
    seed : int
        Seed of the bootstrap and of the random sign flips (more than 12 origins).
    alpha : float
        1 - confidence level of the interval and level of the test.
    min_origins : int
        Fewer paired origins than this: no claim (``beats_baseline`` False).

    Returns
    -------
    DataFrame
        Columns ``category, method, area_share, n_origins, hit_rate, pai, pei, rri``
        (means over origins, NaN values skipped), ``pai_diff`` (mean over origins of
        method PAI − baseline PAI, paired by origin), ``pai_diff_ci_low``,
        ``pai_diff_ci_high`` (percentile bootstrap interval over origins),
        ``pai_diff_p`` (two-sided paired sign-flip permutation test of a zero mean
        difference), ``pai_diff_p_holm`` (Holm-adjusted within the category),
        ``beats_baseline``. Without a ``category`` column the category is
        :data:`~geolage.categories.ALL_CATEGORIES`.

    Notes
    -----
    ``beats_baseline`` is True only when the bootstrap interval lies entirely above 0
    *and* the permutation p-value, Holm-adjusted over all comparisons (methods × area
    shares) of the category (``pai_diff_p_holm``), is below ``alpha``, and at least
    ``min_origins`` origins are paired. The percentile bootstrap over few origins is too
    narrow on its own; requiring the exact permutation test as well, corrected for the
    number of comparisons, keeps the claim conservative (with 8 origins and 6 comparisons
    a method must beat the baseline at every origin). Origins are treated as independent,
    which they are not quite (training data overlap). The baseline's own rows have NaN
    differences and ``beats_baseline`` False.
    """
    bt = backtest.copy()
    if "category" not in bt.columns:
        bt.insert(0, "category", ALL_CATEGORIES)
    rng = np.random.default_rng(seed)
    rows = []
    for (category, share), part in bt.groupby(["category", "area_share"], sort=False):
        base = part[part["method"] == baseline].set_index("origin")["pai"]
        for method, mpart in part.groupby("method", sort=False):
            row: dict[str, Any] = {
                "category": category,
                "method": method,
                "area_share": float(share),
                "n_origins": int(mpart["pai"].notna().sum()),
                "hit_rate": mpart["hit_rate"].mean(),
                "pai": mpart["pai"].mean(),
                "pei": mpart["pei"].mean(),
                "rri": mpart["rri"].mean(),
                "pai_diff": np.nan,
                "pai_diff_ci_low": np.nan,
                "pai_diff_ci_high": np.nan,
                "pai_diff_p": np.nan,
                "pai_diff_p_holm": np.nan,
                "beats_baseline": False,
            }
            if method != baseline:
                diff = (mpart.set_index("origin")["pai"] - base).dropna().to_numpy()
                row.update(_paired_difference(diff, rng, n_boot=n_boot, alpha=alpha, min_origins=min_origins))
            rows.append(row)
    out = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    for _, idx in out.groupby("category", sort=False).groups.items():
        out.loc[idx, "pai_diff_p_holm"] = _holm(out.loc[idx, "pai_diff_p"].to_numpy(dtype=float))
    out["beats_baseline"] = out["beats_baseline"].astype(bool) & (out["pai_diff_p_holm"] < alpha)
    return out

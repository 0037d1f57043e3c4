"""Counts and rates per district, period and category, with exact CIs and empirical-Bayes smoothing."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse, stats

from ..categories import ALL_CATEGORIES
from ..periods import period_bounds, period_range

__all__ = [
    "ALL_CATEGORIES",
    "WHOLE_PERIOD",
    "RATES_DISTRICT_COLUMNS",
    "poisson_ci",
    "rates",
    "eb_rates",
    "eb_standardised_rates",
    "count_incidents",
    "period_years",
    "exposure_table",
    "district_rates",
    "contiguity_weights",
]

log = logging.getLogger(__name__)

#: Period value meaning "the whole analysed span".
WHOLE_PERIOD = "hela"

#: Columns of the ``rates_district`` table (before geometry).
RATES_DISTRICT_COLUMNS = (
    "district_id",
    "district_name",
    "category",
    "period",
    "count",
    "population",
    "exposure",
    "rate",
    "rate_ci_low",
    "rate_ci_high",
    "eb_rate",
    "eb_rate_spatial",
    "eb_z",
    "is_focus",
)


# --------------------------------------------------------------------------- elementary statistics
def poisson_ci(counts: Any, exposure: Any = 1.0, *, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) confidence interval of a Poisson count, or of a rate ``count / exposure``.

    Parameters
    ----------
    counts : array_like of int
        Observed counts (non-negative).
    exposure : array_like of float
        Person-time (or any denominator); the interval is divided by it. Default 1 (the
        interval of the expected count).
    confidence : float
        Two-sided confidence level, e.g. 0.95.

    Returns
    -------
    low, high : ndarray of float
        Interval limits; ``low`` is 0 when the count is 0. NaN where ``exposure`` is 0 or NaN.

    Notes
    -----
    Garwood (1936): with ``a = 1 - confidence``,
    ``low = chi2.ppf(a/2, 2x) / 2`` and ``high = chi2.ppf(1 - a/2, 2x + 2) / 2``.
    Reference values (95 %): x = 0 gives (0, 3.689); x = 10 gives (4.795, 18.39)
    (e.g. Ulm 1990, Am J Epidemiol 131:373; Breslow & Day 1987, table).

    Examples
    --------
    >>> low, high = poisson_ci([0, 10])
    >>> [round(float(v), 3) for v in high]
    [3.689, 18.39]
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence needs to be between 0 and 1; got {confidence}")
    x = np.asarray(counts, dtype=float)
    if np.any(x < 0):
        raise ValueError("counts need to be non-negative")
    e = np.asarray(exposure, dtype=float)
    a = 1.0 - confidence
    low = np.where(x > 0, stats.chi2.ppf(a / 2, 2 * np.maximum(x, 1e-300)) / 2, 0.0)
    high = stats.chi2.ppf(1 - a / 2, 2 * x + 2) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = np.isfinite(e) & (e > 0)
        safe = np.where(ok, e, 1.0)
        low = np.where(ok, low / safe, np.nan)
        high = np.where(ok, high / safe, np.nan)
    return low, high


def rates(counts: Any, exposure: Any, *, rate_per: float = 1000, confidence: float = 0.95) -> pd.DataFrame:
    """Crude rates with exact Poisson confidence intervals.

    Parameters
    ----------
    counts : array_like of int
        Incident counts.
    exposure : array_like of float
        Person-years at risk (residents times years). 0 or NaN gives NaN rates.
    rate_per : float
        Rates are per this many person-years (1000: per 1,000 residents and year).
    confidence : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        Columns ``rate``, ``rate_ci_low``, ``rate_ci_high`` (per ``rate_per``), one row per input.

    Notes
    -----
    ``rate = count / exposure * rate_per``; the interval is Garwood's exact Poisson interval
    (:func:`poisson_ci`) scaled the same way.

    Examples
    --------
    >>> rates([10], [2000]).round(3).to_dict("records")
    [{'rate': 5.0, 'rate_ci_low': 2.398, 'rate_ci_high': 9.195}]
    """
    x = np.asarray(counts, dtype=float).ravel()
    e = np.broadcast_to(np.asarray(exposure, dtype=float), x.shape)
    low, high = poisson_ci(x, e, confidence=confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(np.isfinite(e) & (e > 0), x / np.where(e > 0, e, 1.0), np.nan)
    return pd.DataFrame({"rate": rate * rate_per, "rate_ci_low": low * rate_per, "rate_ci_high": high * rate_per})


def _weight_ids(weights: Any) -> pd.Index | None:
    """The ids a weights object carries (Graph ``unique_ids``, W ``id_order``, SpatialWeights ``ids``), else None."""
    if hasattr(weights, "unique_ids"):
        return pd.Index(weights.unique_ids)
    if hasattr(weights, "id_order"):
        return pd.Index(weights.id_order)
    if hasattr(weights, "ids") and hasattr(weights, "sparse"):
        return pd.Index(weights.ids)
    return None


def _binary_matrix(weights: Any, n: int, ids: Any = None) -> sparse.csr_matrix:
    """Return a binary (0/1) sparse neighbour matrix, no diagonal, rows in the order of the data.

    Weights that carry ids (libpysal Graph or W, SpatialWeights) are matched to ``ids`` by
    id (reordered; a ValueError names ids that do not match). Without ``ids`` their ids
    need to be ``0 .. n-1`` in order (positions), else a ValueError asks for ``ids``. A
    bare sparse matrix is taken by position.
    """
    wids = _weight_ids(weights)
    if wids is not None:
        from ..neighbours import as_weights

        if ids is None:
            if not (wids == pd.RangeIndex(len(wids))).all():
                raise ValueError(
                    f"the weights carry ids ({', '.join(map(str, wids[:3]))}, ...) but the counts do not: give ids= "
                    "(the id of each unit, in the order of the counts) or counts as a Series indexed by id, so "
                    "the weights can be matched by id and not by position"
                )
            m = weights.sparse
        else:
            m = as_weights(weights, pd.Index(ids)).sparse
    else:
        m = weights
    m = sparse.csr_matrix(m, dtype=float)
    if m.shape != (n, n):
        raise ValueError(f"weights need to be {n} x {n} (one row per unit); got {m.shape[0]} x {m.shape[1]}")
    m = (m != 0).astype(float).tocsr()
    m.setdiag(0)
    m.eliminate_zeros()
    return m


def eb_rates(counts: Any, population: Any, *, weights: Any = None, ids: Any = None) -> np.ndarray:
    """Empirical-Bayes smoothed rates, global (Marshall) or spatial (local reference).

    Parameters
    ----------
    counts : array_like
        Incident counts per unit.
    population : array_like
        Population (or person-years) at risk per unit, same order. Units with population 0
        or NaN get NaN and do not enter the prior.
    weights : libpysal W, libpysal Graph, SpatialWeights, sparse matrix or None
        Neighbours of each unit. Weights with ids (Graph, W, SpatialWeights) are matched
        to the units by id (``ids``, or the index of ``counts`` when it is a Series), in
        any order; ids that do not match raise ValueError. A bare sparse matrix is taken
        by position. Non-zero entries count as neighbours (binary). None gives the
        global estimator.
    ids : sequence, optional
        The id of each unit, in the order of ``counts``.

    Returns
    -------
    ndarray of float
        Smoothed rates per unit of ``population`` (multiply by 1000 for per 1,000).

    Notes
    -----
    Marshall (1991) method-of-moments estimator: with ``r_i = e_i / b_i``, the prior mean
    ``m = sum e / sum b`` and variance ``A = sum b_i (r_i - m)^2 / sum b - m / mean(b)``
    (set to 0 when negative), the estimate is ``m + A / (A + m / b_i) * (r_i - m)``.
    Small populations are pulled strongly towards ``m``.
    The spatial version takes ``m_i`` and ``A_i`` over unit *i* and its neighbours, as in
    ``esda.smoothing.Spatial_Empirical_Bayes`` (Anselin, Lozano & Koschinsky 2006), computed
    here with sparse matrix products. Without a negative prior variance the global result
    equals ``esda.smoothing.Empirical_Bayes``.

    References
    ----------
    Marshall, R. J. (1991). Mapping disease and mortality rates using empirical Bayes
    estimators. Applied Statistics 40(2), 283–294.

    Examples
    --------
    >>> eb_rates([2, 10, 60], [100, 1000, 2000]).round(4).tolist()
    [0.0225, 0.0135, 0.029]
    """
    e = np.asarray(counts, dtype=float).ravel()
    b = np.asarray(population, dtype=float).ravel()
    if e.shape != b.shape:
        raise ValueError(f"counts and population need the same length; got {e.size} and {b.size}")
    ok = np.isfinite(b) & (b > 0) & np.isfinite(e)
    out = np.full(e.shape, np.nan)
    if not ok.any():
        return out
    r = np.where(ok, e / np.where(ok, b, 1.0), 0.0)
    if weights is None:
        bs = b[ok].sum()
        m = e[ok].sum() / bs
        var = (b[ok] * (r[ok] - m) ** 2).sum() / bs - m / b[ok].mean()
        var = max(var, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(var + m / b[ok] > 0, var / (var + m / b[ok]), 0.0)
        out[ok] = m + w * (r[ok] - m)
        return out
    if ids is None and isinstance(counts, pd.Series):
        ids = counts.index
    a = _binary_matrix(weights, e.size, ids)
    keep = sparse.diags(ok.astype(float))
    a = (a @ keep + keep).tocsr()  # neighbours with a valid population, plus the unit itself
    bz, ez = np.where(ok, b, 0.0), np.where(ok, e, 0.0)
    bi = a @ bz
    with np.errstate(divide="ignore", invalid="ignore"):
        m = (a @ ez) / bi
        nn = np.asarray(a.sum(axis=1)).ravel()
        left = (a @ (bz * r * r) - 2 * m * (a @ (bz * r)) + m * m * bi) / bi
        var = np.maximum(left - m / (bi / nn), 0.0)
        res = m + (r - m) * (var / (var + m / np.where(ok, b, 1.0)))
        res = np.where(var + m / np.where(ok, b, 1.0) > 0, res, m)
    out[ok] = res[ok]
    return out


def eb_standardised_rates(counts: Any, population: Any) -> np.ndarray:
    """Assunção–Reis empirical-Bayes standardised rates (z values), e.g. for Moran's I on rates.

    Parameters
    ----------
    counts, population : array_like
        Incident counts and population at risk per unit (same order). Units with
        population 0 or NaN get NaN.

    Returns
    -------
    ndarray of float
        ``z_i = (r_i - m) / sqrt(v_i)`` with ``v_i = A + m / b_i`` (or ``m / b_i`` when
        that is negative), ``m`` and ``A`` as in :func:`eb_rates`.

    Notes
    -----
    Assunção, R. M. & Reis, E. A. (1999). A new proposal to adjust Moran's I for population
    density. Statistics in Medicine 18, 2147–2162. Same values as ``esda.smoothing.assuncao_rate``
    (used by ``esda.Moran_Rate``).

    Examples
    --------
    >>> eb_standardised_rates([30, 25, 25, 15], [100, 100, 110, 90]).round(3).tolist()
    [1.341, 0.268, -0.231, -1.435]
    """
    e = np.asarray(counts, dtype=float).ravel()
    b = np.asarray(population, dtype=float).ravel()
    ok = np.isfinite(b) & (b > 0) & np.isfinite(e)
    out = np.full(e.shape, np.nan)
    if not ok.any():
        return out
    eo, bo = e[ok], b[ok]
    y = eo / bo
    m = eo.sum() / bo.sum()
    s2 = (bo * (y - m) ** 2).sum() / bo.sum()
    a = s2 - m / bo.mean()
    v = a + m / bo
    v = np.where(v < 0, m / bo, v)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[ok] = np.where(v > 0, (y - m) / np.sqrt(v), 0.0)
    return out


def contiguity_weights(districts: gpd.GeoDataFrame) -> Any:
    """Queen contiguity weights of districts (libpysal W), ``id_order`` = ``districts.index``.

    Parameters
    ----------
    districts : GeoDataFrame
        Polygons; the index is used as ids.

    Returns
    -------
    libpysal.weights.W
        Binary weights. A district without a neighbour (an island) is its own local
        reference, so its spatial EB rate equals its raw rate.
    """
    import warnings

    from libpysal.weights import Queen

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands / disconnected components are allowed
        w = Queen.from_dataframe(districts, use_index=True, silence_warnings=True)
    w.id_order = list(districts.index)
    return w


# --------------------------------------------------------------------------- periods and exposure
def _span(times: pd.Series, start: dt.date | None, end: dt.date | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Half-open span [start, end + 1 day) of the analysis."""
    t = pd.to_datetime(times)
    s = pd.Timestamp(start) if start is not None else (t.min().normalize() if len(t) else pd.Timestamp("2000-01-01"))
    e = (
        (pd.Timestamp(end) + pd.Timedelta(days=1))
        if end is not None
        else (t.max().normalize() + pd.Timedelta(days=1) if len(t) else s + pd.Timedelta(days=1))
    )
    return s, e


def _year_fractions(lo: pd.Timestamp, hi: pd.Timestamp) -> dict[int, float]:
    """Share of each calendar year covered by [lo, hi)."""
    out: dict[int, float] = {}
    if hi <= lo:
        return out
    for y in range(lo.year, (hi - pd.Timedelta(microseconds=1)).year + 1):
        ys, ye = pd.Timestamp(year=y, month=1, day=1), pd.Timestamp(year=y + 1, month=1, day=1)
        a, b = max(lo, ys), min(hi, ye)
        if b > a:
            out[y] = (b - a) / (ye - ys)
    return out


def _period_codes(times: pd.Series, unit: str, start: pd.Timestamp) -> np.ndarray:
    """Position of each time's period in ``period_range(start, …, unit)`` (fast, no labels)."""
    t = pd.to_datetime(times)
    y = t.dt.year.to_numpy(dtype=float)
    if unit == "year":
        code, c0 = y, start.year
    elif unit == "quarter":
        code, c0 = y * 4 + (t.dt.month.to_numpy(dtype=float) - 1) // 3, start.year * 4 + (start.month - 1) // 3
    elif unit == "month":
        code, c0 = y * 12 + t.dt.month.to_numpy(dtype=float) - 1, start.year * 12 + start.month - 1
    else:
        raise ValueError(f"unit needs to be one of year, quarter, month; got {unit!r}")
    out = code - c0
    return np.where(np.isfinite(out), out, -1).astype(np.int64)


def period_years(labels: Sequence[str], unit: str, start: dt.date, end: dt.date) -> dict[str, dict[int, float]]:
    """Years covered by each period inside the analysed span, split by calendar year.

    Parameters
    ----------
    labels : sequence of str
        Period labels (``period_labels``) or ``"hela"``.
    unit : {"year", "quarter", "month"}
    start, end : date
        First and last day (inclusive) of the analysed span.

    Returns
    -------
    dict
        ``{label: {year: fraction of that year inside both the period and the span}}``.
        A full year gives ``{2024: 1.0}``; a period half inside the span gives about 0.5.
    """
    s, e = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    out = {}
    for lab in labels:
        if lab == WHOLE_PERIOD:
            lo, hi = s, e
        else:
            lo, hi = period_bounds(lab, unit)
            lo, hi = max(lo, s), min(hi, e)
        out[lab] = _year_fractions(lo, hi)
    return out


def exposure_table(
    districts: pd.DataFrame,
    periods: Sequence[str],
    *,
    unit: str,
    start: dt.date,
    end: dt.date,
    population_table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Person-years at risk per district and period.

    Parameters
    ----------
    districts : DataFrame
        Indexed by ``district_id``, with ``population`` (NaN when unknown).
    periods : sequence of str
        Period labels, may include ``"hela"``.
    unit : {"year", "quarter", "month"}
    start, end : date
        Analysed span (inclusive).
    population_table : DataFrame, optional
        Population per district and year: columns ``district_id``, ``year``, ``population``.
        Years missing there use ``districts.population``.

    Returns
    -------
    DataFrame
        Columns ``district_id``, ``period``, ``years`` (length of the period inside the span,
        in years), ``population`` (mean population over the period), ``exposure``
        (person-years = sum over years of population x covered share of the year).
    """
    ids = districts.index.astype(str)
    base = pd.Series(districts["population"].to_numpy(dtype=float), index=ids)
    py = period_years(list(periods), unit, start, end)
    years = sorted({y for d in py.values() for y in d})
    pop = pd.DataFrame({y: base for y in years}, index=ids) if years else pd.DataFrame(index=ids)
    if population_table is not None and len(population_table) and years:
        pt = population_table.copy()
        pt["district_id"] = pt["district_id"].astype(str)
        pt["year"] = pt["year"].astype(int)
        wide = pt.pivot_table(index="district_id", columns="year", values="population", aggfunc="sum")
        wide = wide.reindex(index=ids, columns=years)
        pop = wide.where(wide.notna(), pop)
    labels = list(py)
    frac = np.array([[py[lab].get(y, 0.0) for y in years] for lab in labels]).reshape(len(labels), len(years))
    pv = pop.reindex(columns=years).to_numpy(dtype=float).reshape(len(ids), len(years))
    expo = np.nan_to_num(pv) @ frac.T  # districts x periods
    unknown = (~np.isfinite(pv)).astype(float) @ (frac > 0).T.astype(float) > 0
    expo[unknown] = np.nan
    yrs = frac.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        popm = np.where(yrs > 0, expo / np.where(yrs > 0, yrs, 1.0), np.nan)
    return pd.DataFrame({
        "district_id": np.repeat(np.asarray(ids, dtype=object), len(labels)),
        "period": np.tile(np.asarray(labels, dtype=object), len(ids)),
        "years": np.tile(yrs, len(ids)),
        "population": popm.ravel(),
        "exposure": expo.ravel(),
    })


def _positions(values: pd.Series, labels: Sequence[str], *, as_text: bool) -> np.ndarray:
    """Position of each value (its text with ``as_text``) in ``labels``; -1 for missing or unlisted values.

    One lookup per distinct value: looking up a million text values (converted to text first) cost
    0.5 s per call, and a run counts nine times (issue 13). The same positions as looking up every
    value (tests/test_rates_fast.py).
    """
    codes, uniques = pd.factorize(values)  # missing values: code -1
    keys = [str(u) for u in uniques] if as_text else list(uniques)
    pos = pd.Index(labels, dtype=object).get_indexer(pd.Index(keys, dtype=object)) if len(keys) else np.zeros(0, int)
    return np.append(pos, -1).astype(np.int64)[codes]


def count_incidents(
    incidents: pd.DataFrame,
    *,
    by: str = "district_id",
    keys: Sequence[str] | None = None,
    unit: str = "year",
    start: dt.date | None = None,
    end: dt.date | None = None,
    categories: Sequence[str] | None = None,
    by_source: bool = False,
) -> pd.DataFrame:
    """Count incidents per unit, category and period, with zeros, ``"alla"`` and ``"hela"``.

    Parameters
    ----------
    incidents : DataFrame
        Accepted incidents with ``category``, ``time`` and the ``by`` column.
    by : str
        Unit column (``"district_id"``, ``"cell_id"``, or any other). Rows where it is
        missing (outside every unit) are not counted.
    keys : sequence of str, optional
        All units (e.g. ``districts.index``) so that units without incidents get 0 rows.
        Default: the units present.
    unit : {"year", "quarter", "month"}
        Period length.
    start, end : date, optional
        Analysed span (inclusive); incidents outside it are not counted. Default the span of
        the data.
    categories : sequence of str, optional
        Categories to list (default those present). ``"alla"`` is always added.
    by_source : bool
        Count per ``source`` as well (adds a ``source`` column; ``"alla"`` = every source).

    Returns
    -------
    DataFrame
        Columns ``<by>``, [``source``], ``category``, ``period``, ``count`` (int64): every
        combination, zeros included; ``category == "alla"`` sums the categories and
        ``period == "hela"`` the periods.

    Examples
    --------
    >>> import pandas as pd
    >>> inc = pd.DataFrame({"district_id": ["a", "a", "b"], "category": ["hot", "ran", "hot"],
    ...                     "time": pd.to_datetime(["2024-01-05", "2024-03-01", "2025-02-01"])})
    >>> c = count_incidents(inc)
    >>> int(c.query("district_id == 'a' and category == 'alla' and period == 'hela'")["count"].iloc[0])
    2
    """
    s, e = _span(incidents["time"], start, end)
    t = pd.to_datetime(incidents["time"])
    inside = ((t >= s) & (t < e)).to_numpy()
    n_out = int((~inside).sum())
    if n_out:
        log.info("%d incident(s) outside the analysed span %s – %s are not counted", n_out, s.date(),
                 (e - pd.Timedelta(days=1)).date())
    plist = period_range(s.date(), (e - pd.Timedelta(days=1)).date(), unit)
    cats = list(categories) if categories is not None else sorted(incidents["category"].dropna().unique())
    cats = [c for c in cats if c != ALL_CATEGORIES]
    key = incidents[by]
    units = [str(k) for k in keys] if keys is not None else sorted(key.dropna().astype(str).unique())
    dims: list[tuple[str, list[str], np.ndarray]] = []
    dims.append((by, units, _positions(key, units, as_text=True)))
    if by_source:
        sources = sorted(incidents["source"].dropna().astype(str).unique())
        dims.append(("source", sources, _positions(incidents["source"], sources, as_text=True)))
    dims.append(("category", cats, _positions(incidents["category"], cats, as_text=False)))
    dims.append(("period", plist, _period_codes(t, unit, s)))
    ok = inside.copy()
    for name, _, code in dims:
        bad = inside & (code < 0)
        if bad.any() and name != by:
            log.info("%d incident(s) with a %s not listed are not counted", int(bad.sum()), name)
        ok &= code >= 0
    shape = tuple(len(v) for _, v, _ in dims)
    flat = np.ravel_multi_index(tuple(code[ok] for _, _, code in dims), shape) if ok.any() else np.array([], int)
    arr = np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape)
    # marginal sums: source 'alla', category 'alla', period 'hela' (appended as the last level)
    labels = []
    for axis, (name, values, _) in enumerate(dims):
        if name in ("source", "category", "period"):
            arr = np.concatenate([arr, arr.sum(axis=axis, keepdims=True)], axis=axis)
            values = values + [WHOLE_PERIOD if name == "period" else ALL_CATEGORIES]
        labels.append(values)
    grids = np.meshgrid(*[np.arange(len(v)) for v in labels], indexing="ij")
    out = pd.DataFrame({name: np.asarray(labels[i], dtype=object)[grids[i].ravel()]
                        for i, (name, _, _) in enumerate(dims)})
    out["count"] = arr.ravel().astype("int64")
    return out


# --------------------------------------------------------------------------- the district table
def district_rates(
    incidents: pd.DataFrame,
    districts: gpd.GeoDataFrame,
    *,
    unit: str = "year",
    start: dt.date | None = None,
    end: dt.date | None = None,
    categories: Sequence[str] | None = None,
    population_table: pd.DataFrame | None = None,
    weights: Any = None,
    rate_per: float = 1000,
    confidence: float = 0.95,
) -> gpd.GeoDataFrame:
    """Count incidents and compute rates, exact CIs and EB rates per district × category × period.

    Parameters
    ----------
    incidents : DataFrame
        Accepted incidents (``district_id``, ``category``, ``time``).
    districts : GeoDataFrame
        Indexed by ``district_id`` with ``district_name``, ``population``, optionally ``is_focus``.
    unit : {"year", "quarter", "month"}
    start, end : date, optional
        Analysed span (inclusive). Default the span of the data.
    categories : sequence of str, optional
        Categories listed (default: those present); ``"alla"`` is added.
    population_table : DataFrame, optional
        Population per year (``district_id``, ``year``, ``population``).
    weights : libpysal W / Graph, SpatialWeights, sparse matrix, "none" or None
        Neighbours for the spatial EB rate: weights with ids are matched to
        ``districts.index`` by id (any order; mismatching ids raise), a bare sparse matrix
        is taken in the order of ``districts``; non-zero = neighbour. None: Queen
        contiguity. ``"none"``: no spatial EB (column NaN).
    rate_per : float
        Rates per this many person-years.
    confidence : float
        Level of the exact Poisson interval.

    Returns
    -------
    GeoDataFrame
        Columns :data:`RATES_DISTRICT_COLUMNS` and ``geometry``: ``count``; ``population``
        (mean over the period); ``exposure`` (person-years); ``rate`` per ``rate_per``
        residents and year with ``rate_ci_low``/``rate_ci_high``; ``eb_rate`` (global
        Marshall EB) and ``eb_rate_spatial`` (EB towards the district and its neighbours),
        same unit; ``eb_z`` (Assunção–Reis standardised rate); ``is_focus``.

    Notes
    -----
    Rates are yearly rates: a quarter's count is divided by a quarter of the population,
    and a partly analysed year by the share analysed, so periods are comparable. EB rates
    (Marshall 1991) pull districts with few residents towards the mean so that they do not
    dominate a map; show them beside the raw rate.
    """
    s, e = _span(incidents["time"], start, end)
    start_d, end_d = s.date(), (e - pd.Timedelta(days=1)).date()
    counts = count_incidents(
        incidents,
        by="district_id",
        keys=list(districts.index.astype(str)),
        unit=unit,
        start=start_d,
        end=end_d,
        categories=categories,
    )
    expo = exposure_table(
        districts, counts["period"].unique(), unit=unit, start=start_d, end=end_d, population_table=population_table
    )
    df = counts.merge(
        expo[["district_id", "period", "population", "exposure"]], on=["district_id", "period"], how="left"
    )
    r = rates(df["count"], df["exposure"], rate_per=rate_per, confidence=confidence)
    df[r.columns] = r.to_numpy()
    order = {d: i for i, d in enumerate(districts.index.astype(str))}
    df["_pos"] = df["district_id"].map(order)
    df = df.sort_values(["category", "period", "_pos"], kind="stable").reset_index(drop=True)
    if weights is None:
        weights = contiguity_weights(districts) if len(districts) > 1 else "none"
    df["eb_rate"], df["eb_rate_spatial"], df["eb_z"] = _eb_columns(df, len(districts), weights, rate_per,
                                                                   districts.index)
    dist = districts.copy()
    dist.index = dist.index.astype(str)
    df["district_name"] = df["district_id"].map(dist["district_name"])
    df["is_focus"] = df["district_id"].map(dist["is_focus"]).fillna(False).astype(bool) if "is_focus" in dist else False
    df = df.sort_values(["_pos", "category", "period"], kind="stable")
    geom = df["district_id"].map(dist.geometry)
    out = gpd.GeoDataFrame(
        df[list(RATES_DISTRICT_COLUMNS)].reset_index(drop=True),
        geometry=gpd.GeoSeries(geom.to_numpy(), crs=districts.crs),
        crs=districts.crs,
    )
    return out


def _eb_columns(
    df: pd.DataFrame, n: int, weights: Any, rate_per: float, ids: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Global EB rate, spatial EB rate (NaN when ``weights`` is ``"none"``) and Assunção–Reis z of every row.

    ``df`` is sorted by category and period, then district: each block of ``n`` rows is
    one category × period over all districts, smoothed on its own.
    """
    eb = np.full(len(df), np.nan)
    ebs = np.full(len(df), np.nan)
    ebz = np.full(len(df), np.nan)
    spatial = not (isinstance(weights, str) and weights == "none")
    # the neighbour matrix matched to the districts once, not per category x period (same rates)
    binary = _binary_matrix(weights, n, ids) if spatial and weights is not None and len(df) else weights
    for start_row in range(0, len(df), n):
        sl = slice(start_row, start_row + n)
        c, b = df["count"].to_numpy()[sl], df["exposure"].to_numpy()[sl]
        eb[sl] = eb_rates(c, b) * rate_per
        ebz[sl] = eb_standardised_rates(c, b)
        if spatial:
            ebs[sl] = eb_rates(c, b, weights=binary) * rate_per
    return eb, ebs, ebz

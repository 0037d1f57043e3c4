"""Getis–Ord Gi* hot and cold spots, with analytical and permutation inference and FDR control.

Public functions: :func:`gistar` (Gi* of a column or of incident counts on grid cells
or districts), :func:`gistar_z` (the analytical kernel on arrays), :func:`fdr_bh`
(Benjamini–Hochberg adjusted p-values), :func:`classify_gistar` (hot/cold classes) and
:func:`permutation_pvalues` (fast conditional randomisation shared with
:mod:`geolage.stats.autocorrelation`, defined in :mod:`geolage.stats.permutation`).

Inference. On sparse counts (0.3 incidents per cell) the normal approximation of the
window sum is far too light in the upper tail: the analytical p flags 5 % instead of
2.5 % of the cells of a random field, and hot spots in most random maps even after FDR.
The permutation p-value of the window sum under total randomisation (the ``k + 1``
values of the window, the cell itself included, drawn from all values:
:func:`geolage.stats.permutation.permutation_pvalues` with ``conditional=False``; the
null the analytical z approximates, so an isolated very high cell can be a hot spot as
in ArcGIS; esda's ``G_Local`` instead holds the cell's own value fixed) is exact up to
Monte Carlo error for any distribution of the values, and with the automatic number of
permutations (:func:`geolage.stats.permutation.auto_permutations`) its smallest value is
small enough for FDR to reach significance. :func:`gistar` therefore uses it unless the
normal approximation is shown to hold for the values
(:func:`geolage.stats.permutation.analytic_z_trusted`); the analytical p stays in
``gistar_p`` and is used when asked (``inference="analytical"``).
tests/test_calibration.py checks both on planted truth.

References: Getis, A. & Ord, J.K. (1992) The analysis of spatial association by use
of distance statistics. Geographical Analysis 24(3); Ord, J.K. & Getis, A. (1995)
Local spatial autocorrelation statistics: distributional issues and an application.
Geographical Analysis 27(4); Benjamini, Y. & Hochberg, Y. (1995) Controlling the false
discovery rate. JRSS B 57(1); Anselin, L. (1995) Local indicators of spatial association
— LISA. Geographical Analysis 27(2).
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse, stats

from ..neighbours import MIN_NEIGHBOURS, SpatialWeights, make_weights
from .permutation import AUTO_ALPHA, analytic_z_trusted, auto_permutations, permutation_pvalues

__all__ = [
    "GISTAR_COLUMNS",
    "gistar",
    "gistar_z",
    "fdr_bh",
    "classify_gistar",
    "permutation_pvalues",
    "auto_permutations",
    "choose_gistar_inference",
    "count_incidents_in",
    "incident_rows",
]

log = logging.getLogger(__name__)

#: Columns :func:`gistar` always returns, in order.
GISTAR_COLUMNS = ("gistar_z", "gistar_p", "gistar_q", "gistar_class", "gistar_n_neighbours")
#: Confidence levels of the classes (two-sided): class ``hot_99`` needs q (or p) < 0.01 and z > 0.
_LEVELS = ((0.01, "99"), (0.05, "95"), (0.10, "90"))


# --------------------------------------------------------------------------- inference helpers
def fdr_bh(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg false-discovery-rate adjusted p-values (q-values).

    Parameters
    ----------
    p : array of float
        p-values of one family of tests (NaN are ignored and stay NaN).

    Returns
    -------
    ndarray
        ``q_(i) = min_{j >= i} min(1, p_(j) * m / j)`` over the sorted p-values, where
        ``m`` is the number of non-missing p-values. Rejecting ``q < alpha`` controls
        the FDR at ``alpha`` (Benjamini & Hochberg 1995). Equal to
        ``statsmodels.stats.multitest.multipletests(p, method="fdr_bh")[1]``.

    Notes
    -----
    Benjamini, Y. & Hochberg, Y. (1995) Controlling the false discovery rate: a practical
    and powerful approach to multiple testing. JRSS B 57(1), 289–300.
    """
    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    pv = p[ok]
    m = len(pv)
    if m == 0:
        return q
    order = np.argsort(pv, kind="stable")
    ranked = pv[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(ranked, 1.0)
    q[ok] = out
    return q


def classify_gistar(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Gi* classes (``geolage.classes.GISTAR_CLASSES`` codes) from z and (adjusted) p.

    ``hot_99`` when p < 0.01 and z > 0, ``hot_95`` when p < 0.05, ``hot_90`` when
    p < 0.10; ``cold_*`` likewise with z < 0; otherwise ``not_significant`` (also
    when z or p is missing).
    """
    z = np.asarray(z, dtype=float)
    p = np.asarray(p, dtype=float)
    out = np.full(z.shape, "not_significant", dtype=object)
    for level, tag in reversed(_LEVELS):
        sig = p < level
        out[sig & (z > 0)] = f"hot_{tag}"
        out[sig & (z < 0)] = f"cold_{tag}"
    return out


# --------------------------------------------------------------------------- Gi*
def gistar_z(y: np.ndarray, weights: sparse.csr_matrix | SpatialWeights) -> tuple[np.ndarray, np.ndarray]:
    """Analytical Getis–Ord Gi* z-scores and two-sided p-values (arrays in, arrays out).

    Parameters
    ----------
    y : array (n,)
        Values (e.g. incident counts per cell, zeros included).
    weights : csr_matrix or SpatialWeights
        Weights *with* self-weights on the diagonal.

    Returns
    -------
    z, p : ndarray
        ``z_i = (sum_j w_ij y_j - ybar W_i) / (s sqrt((n S1_i - W_i²) / (n - 1)))`` with
        ``W_i = sum_j w_ij``, ``S1_i = sum_j w_ij²``, ``ybar`` the mean and ``s`` the
        standard deviation (divisor n) of all n values; ``p = 2 (1 - Phi(|z|))``.
        NaN where the neighbourhood is the whole study area (no variance).

    Raises
    ------
    ValueError
        All values equal (zero variance): Gi* is undefined.

    Notes
    -----
    Ord & Getis (1995), eq. 14 (Gi* with self included). With binary weights this is
    exactly ``esda.G_Local(y, w, transform="B", star=True).Zs``.
    """
    W = weights.sparse if isinstance(weights, SpatialWeights) else weights
    W = W.tocsr()
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n < 3:
        raise ValueError(f"Gi* needs at least 3 observations; got {n}")
    ybar = y.mean()
    s = np.sqrt(max((y * y).mean() - ybar**2, 0.0))
    if not s > 1e-12 * max(1.0, abs(ybar)):
        raise ValueError(f"Gi* needs values that vary; all {n} values equal {ybar:g}")
    wi = np.asarray(W.sum(axis=1)).ravel()
    s1 = wi if np.all(W.data == 1.0) else np.asarray(W.multiply(W).sum(axis=1)).ravel()
    lag = W @ y
    den2 = (n * s1 - wi**2) / (n - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (lag - ybar * wi) / (s * np.sqrt(den2))
    z[~(den2 > 1e-12)] = np.nan
    p = 2.0 * stats.norm.sf(np.abs(z))
    return z, p


def count_incidents_in(gdf: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame) -> pd.Series:
    """Number of incidents in each row of ``gdf`` (zeros included), indexed like ``gdf``.

    Uses the incidents' column named like ``gdf.index`` (``cell_id``, ``district_id``)
    when there is one, otherwise a spatial join (a point on a shared edge counts once,
    in the first polygon).
    """
    key = gdf.index.name
    if key is not None and key in incidents.columns:
        counts = incidents[key].dropna().value_counts()
    else:
        if incidents.crs != gdf.crs:
            raise ValueError(f"incidents and areas need the same CRS; got {incidents.crs} and {gdf.crs}")
        areas = gpd.GeoDataFrame({"_pos": np.arange(len(gdf))}, geometry=gdf.geometry.values, crs=gdf.crs)
        j = gpd.sjoin(incidents[[incidents.geometry.name]], areas, predicate="intersects", how="inner")
        j = j[~j.index.duplicated()]
        counts = pd.Series(np.asarray(gdf.index)[j["_pos"].to_numpy()]).value_counts()
    return counts.reindex(gdf.index, fill_value=0).astype(float).rename("count")


def incident_rows(gdf: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame) -> np.ndarray:
    """Position of the row of ``gdf`` each incident falls in (-1: in none), as :func:`count_incidents_in` counts.

    Parameters
    ----------
    gdf : GeoDataFrame
        Areas (grid cells, districts) indexed by id.
    incidents : GeoDataFrame
        Points, with the column named like ``gdf.index`` (``cell_id``, ``district_id``) or
        point geometry in the CRS of ``gdf``.

    Returns
    -------
    ndarray of int (len(incidents),)
        From the id column when there is one, otherwise from one spatial join (a point on a
        shared edge goes to the first polygon the join reports, as in :func:`count_incidents_in`;
        incidents are told apart by position, not by index label).
    """
    key = gdf.index.name
    if key is not None and key in incidents.columns:
        return np.asarray(gdf.index.get_indexer(incidents[key]), dtype=np.int64)
    if incidents.crs != gdf.crs:
        raise ValueError(f"incidents and areas need the same CRS; got {incidents.crs} and {gdf.crs}")
    areas = gpd.GeoDataFrame({"_pos": np.arange(len(gdf))}, geometry=gdf.geometry.values, crs=gdf.crs)
    points = gpd.GeoDataFrame(geometry=incidents.geometry.values, crs=incidents.crs)
    j = gpd.sjoin(points, areas, predicate="intersects", how="inner")
    j = j[~j.index.duplicated()]
    out = np.full(len(incidents), -1, dtype=np.int64)
    out[j.index.to_numpy()] = j["_pos"].to_numpy()
    return out


def _values(gdf: pd.DataFrame, column: Any, incidents: gpd.GeoDataFrame | None) -> tuple[np.ndarray, str]:
    if incidents is not None:
        return count_incidents_in(gdf, incidents).to_numpy(), "count"
    if column is None:
        raise ValueError("give the column to analyse (a column name or values aligned with the rows) or incidents=")
    if isinstance(column, str):
        if column not in gdf.columns:
            raise KeyError(f"column {column!r} not in the data; columns are: {', '.join(map(str, gdf.columns))}")
        vals = pd.to_numeric(gdf[column], errors="coerce")
        name = column
    else:
        vals = pd.Series(column, index=gdf.index) if not isinstance(column, pd.Series) else column.reindex(gdf.index)
        vals = pd.to_numeric(vals, errors="coerce")
        name = str(getattr(column, "name", None) or "value")
    bad = ~np.isfinite(vals.to_numpy(dtype=float))
    if bad.any():
        first = gdf.index[bad][0]
        raise ValueError(
            f"{name}: {int(bad.sum())} of {len(vals)} values are missing or not numbers, first at id {first!r}; "
            "fill them (e.g. 0 for no incidents) or drop those rows"
        )
    return vals.to_numpy(dtype=float), name


def gistar(
    gdf: gpd.GeoDataFrame,
    column: str | pd.Series | np.ndarray | None = None,
    *,
    incidents: gpd.GeoDataFrame | None = None, weights: Any = None, distance: float | Literal["auto"] = "auto",
    min_neighbours: int = MIN_NEIGHBOURS, permutations: int | Literal["auto"] = "auto", seed: int | None = None,
    inference: Literal["auto", "analytical", "permutation"] = "auto", correction: Literal["fdr", "none"] = "fdr",
) -> pd.DataFrame:
    """Getis–Ord Gi* hot and cold spots of a column (or of incident counts).

    Parameters
    ----------
    gdf : GeoDataFrame
        Grid cells (integer ``col``/``row``, see ``docs/DEVELOPING.md``) or district
        polygons, indexed by id. Analyse *all* cells of the study area: cells without
        incidents must be present with 0.
    column : str, Series or array, optional
        The values: a column name, or values aligned with ``gdf``.
    incidents : GeoDataFrame, optional
        Instead of ``column``: incident points, counted per row of ``gdf`` (by the
        ``cell_id``/``district_id`` column when present, else spatially); rows without
        incidents get 0.
    weights : libpysal Graph or W, SpatialWeights, or path of a GAL/GWT file, optional
        The neighbourhood, matched to ``gdf.index`` by id; a self-weight consistent with
        the transform is added where there is none (:func:`geolage.neighbours.make_weights`).
        Default: grid cells, binary distance band of ``distance`` metres with self;
        districts, queen contiguity plus self.
    distance : float or "auto"
        Grid band radius in metres (default rule in :func:`geolage.neighbours.auto_distance`:
        the smallest band of at least 2 cell sizes giving on average at least
        ``min_neighbours`` neighbours).
    min_neighbours : int
        For the automatic band.
    permutations : int or "auto"
        Conditional permutations (0: none; adds ``gistar_p_sim`` when > 0). ``"auto"``: none
        with the analytical p, else :func:`geolage.stats.permutation.auto_permutations`.
    seed : int, optional
        Seed of ``numpy.random.default_rng`` for the permutations.
    inference : {"auto", "analytical", "permutation"}
        Which p-value the classes (and ``gistar_q``) are based on. ``"analytical"``:
        ``gistar_p`` (normal approximation). ``"permutation"``: ``gistar_p_sim``.
        ``"auto"``: the analytical p only where it is trustworthy
        (:func:`geolage.stats.permutation.analytic_z_trusted`; practically never for
        counts), else permutations; ``attrs["parameters"]`` says which and why.
    correction : {"fdr", "none"}
        ``"fdr"``: Benjamini–Hochberg over all rows of this one call (applied once);
        classes from ``gistar_q``. ``"none"``: ``gistar_q`` is NaN and classes come
        from the unadjusted p.

    Returns
    -------
    DataFrame
        Indexed like ``gdf``, columns ``gistar_z`` (z-score), ``gistar_p`` (two-sided
        analytical p), ``gistar_q`` (BH-adjusted p of the p used for classes),
        ``gistar_class`` (:data:`geolage.classes.GISTAR_CLASSES` code),
        ``gistar_n_neighbours`` (neighbours, self not counted) and, with permutations,
        ``gistar_p_sim`` (two-sided pseudo p: twice the folded one-sided value, at
        most 1). ``attrs["parameters"]`` records every parameter used, incl. the
        neighbourhood (automatic distance, mean/min/max neighbours), ``inference_used``
        and ``inference_reason``.

    Raises
    ------
    ValueError
        Missing values, fewer than 3 rows, all values equal, weights that do not match
        the ids, ``inference="permutation"`` with ``permutations=0``.

    Notes
    -----
    Gi* (Getis & Ord 1992; Ord & Getis 1995) with self included:
    ``z_i = (sum_j w_ij x_j - xbar sum_j w_ij) / (S sqrt((n sum_j w_ij² - (sum_j w_ij)²)/(n-1)))``
    over all ``n`` rows (the mean and S, the standard deviation with divisor n, are
    those of the whole study area, zeros included), ``p = 2(1 - Phi(|z|))``. With
    binary weights this equals ``esda.G_Local(x, w, transform="B", star=True).Zs``
    and ArcGIS *Hot Spot Analysis (Getis-Ord Gi-star)*. Why permutations by default on
    counts: see :mod:`geolage.stats.hotspots`. Classes at 99/95/90 % confidence:
    :func:`classify_gistar`; multiple testing: :func:`fdr_bh` once over all rows.

    Examples
    --------
    >>> gistar(grid, incidents=incidents, seed=1)["gistar_class"].value_counts()  # doctest: +SKIP
    """
    _check_options(inference, correction, permutations)
    y, name = _values(gdf, column, incidents)
    sw = make_weights(gdf, weights, distance=distance, include_self=True, min_neighbours=min_neighbours)
    used, reason, perms, perm_rule = choose_gistar_inference(y, sw, inference, permutations)
    out = _gistar_frame(y, sw, gdf.index.copy(), permutations=perms, seed=seed, inference=used,
                        correction=correction)
    out.attrs["parameters"] = params = {
        "method": "Getis-Ord Gi* (self included), Ord & Getis 1995", "variable": name, "n": len(y),
        "n_zero": int((y == 0).sum()), "weights": sw.description, "inference": inference,
        "inference_used": used, "inference_reason": reason, "permutations": perms,
        "permutations_rule": perm_rule, "seed": seed,
        "correction": "Benjamini-Hochberg FDR over all rows" if correction == "fdr" else "none",
        "n_significant_90": int((out["gistar_class"] != "not_significant").sum()),
    }
    log.info("Gi* on %s: %d rows (%d with value 0, all analysed), neighbourhood %s, %s inference (%s), "
             "%d permutations, correction %s; %d significant at 90 %%", name, len(y), params["n_zero"],
             _describe_weights(sw.description), used, reason, perms, correction, params["n_significant_90"])
    return out


def choose_gistar_inference(
    y: np.ndarray, sw: SpatialWeights, inference: str, permutations: int | str, alpha: float = AUTO_ALPHA
) -> tuple[str, str, int, str]:
    """The inference Gi* uses, why, and the number of permutations and its rule.

    Parameters
    ----------
    y : array
        The values.
    sw : SpatialWeights
        Gi* weights (with self).
    inference : {"auto", "analytical", "permutation"}
        As in :func:`gistar`.
    permutations : int or "auto"
        As in :func:`gistar`.
    alpha : float
        FDR level the automatic number of permutations is sized for.

    Returns
    -------
    used, reason, permutations, rule : str, str, int, str
        ``used`` is ``"analytical"`` or ``"permutation"``.
    """
    if inference == "auto":
        trusted, err = analytic_z_trusted(y, sw.sparse, len(y), alpha)
        used = "analytical" if trusted else "permutation"
        reason = (
            f"auto: normal tail area at the first FDR threshold off by {err:.0%} (skewed values)"
            if not trusted else f"auto: normal approximation accurate (tail area within {err:.0%})"
        )
    else:
        used, reason = inference, "given"
    if permutations == "auto":
        if used == "permutation":
            return used, reason, auto_permutations(len(y), alpha), f"auto: 4 x rows / {alpha:g}, rounded"
        return used, reason, 0, "auto: none with analytical inference"
    return used, reason, int(permutations), "given"


def _check_options(inference: str, correction: str, permutations: int | str) -> None:
    """Raise one ValueError listing every bad option of :func:`gistar`."""
    problems = []
    if inference not in ("auto", "analytical", "permutation"):
        problems.append(f"inference needs to be 'auto', 'analytical' or 'permutation'; got {inference!r}")
    if correction not in ("fdr", "none"):
        problems.append(f"correction needs to be 'fdr' or 'none'; got {correction!r}")
    if isinstance(permutations, str):
        if permutations != "auto":
            problems.append(f"permutations needs to be a number or 'auto'; got {permutations!r}")
    elif permutations < 0:
        problems.append(f"permutations needs to be 0 or more; got {permutations}")
    elif inference == "permutation" and permutations == 0:
        problems.append("inference='permutation' needs permutations > 0 (or 'auto'); got 0")
    if problems:
        raise ValueError("; ".join(problems))


def _gistar_frame(
    y: np.ndarray, sw: SpatialWeights, index: pd.Index, *, permutations: int, seed: int | None, inference: str,
    correction: str,
) -> pd.DataFrame:
    """The Gi* columns: z, analytical p, permutation p (when asked), q and class from the p chosen, neighbours."""
    z, p = gistar_z(y, sw.sparse)
    out = pd.DataFrame(index=index)
    out["gistar_z"] = z
    out["gistar_p"] = p
    p_used = p
    if permutations > 0:
        rng = np.random.default_rng(seed)
        full = sw.sparse  # self included: the whole window is permuted (total randomisation)
        p_sim = np.minimum(1.0, 2.0 * permutation_pvalues(y, full, full @ y, permutations, rng, conditional=False))
        out["gistar_p_sim"] = p_sim
        if inference == "permutation":
            p_used = p_sim
    q = fdr_bh(p_used) if correction == "fdr" else np.full(len(y), np.nan)
    out["gistar_q"] = q
    out["gistar_class"] = classify_gistar(z, q if correction == "fdr" else p_used)
    out["gistar_n_neighbours"] = np.diff(sw.sparse.indptr) - (sw.sparse.diagonal() != 0)
    cols = [
        c
        for c in ("gistar_z", "gistar_p", "gistar_q", "gistar_class", "gistar_n_neighbours", "gistar_p_sim")
        if c in out.columns
    ]
    return out[cols]


def _describe_weights(desc: dict[str, Any]) -> str:
    kind = desc.get("kind", "weights")
    if kind == "distance_band":
        return (
            f"distance band {desc['distance']:g} m ({desc.get('distance_rule')}), "
            f"{desc.get('neighbours_mean')} neighbours on average"
        )
    return str(kind)

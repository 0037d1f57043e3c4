"""Global Moran's I and local Moran (LISA), for counts or empirical-Bayes standardised rates.

Public functions: :func:`global_moran`, :func:`local_moran` and
:func:`eb_standardise` (the Assunção–Reis empirical-Bayes standardisation of rates).
Both statistics use row-standardised weights without self (esda's default), take
their neighbourhood from the user or use the documented default (grid cells: the
distance band of :func:`geolage.neighbours.grid_weights`; districts: queen contiguity),
and record the parameters they used in ``attrs["parameters"]``.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse, stats

from ..neighbours import MIN_NEIGHBOURS, SpatialWeights, make_weights
from .hotspots import _values, fdr_bh
from .permutation import MIN_PERMUTATIONS, auto_permutations, permutation_pvalues, transposed
from .rates import eb_standardised_rates

__all__ = [
    "GLOBAL_MORAN_COLUMNS",
    "LISA_COLUMNS",
    "eb_standardise",
    "global_moran",
    "local_moran",
    "local_moran_analytic",
    "moran_simulations",
]

log = logging.getLogger(__name__)

#: Fields of :func:`global_moran`'s result, in order.
GLOBAL_MORAN_COLUMNS = (
    "moran_i",
    "moran_ei",
    "moran_z",
    "moran_p_norm",
    "moran_z_rand",
    "moran_p_rand",
    "moran_p_sim",
    "moran_permutations",
    "moran_n",
)
#: Columns of :func:`local_moran`'s result, in order.
LISA_COLUMNS = (
    "lisa_i",
    "lisa_p",
    "lisa_q",
    "lisa_cluster",
    "moran_x",
    "moran_lag",
    "lisa_n_neighbours",
    "lisa_z",
    "lisa_p_analytic",
    "lisa_q_analytic",
    "lisa_cluster_analytic",
)


def eb_standardise(events: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Empirical-Bayes standardised rates (Assunção & Reis 1999).

    Parameters
    ----------
    events : array
        Number of events (incidents) per area.
    population : array
        Population at risk per area (all positive).

    Returns
    -------
    ndarray
        ``(r_i - b) / sqrt(v_i)`` with ``r_i = e_i / p_i``, ``b = sum e / sum p``,
        ``s² = sum p_i (r_i - b)² / sum p``, ``a = s² - b / (sum p / n)`` and
        ``v_i = a + b / p_i`` (``v_i = b / p_i`` where that is negative). Equal to
        ``esda.smoothing.assuncao_rate`` (the variable of ``esda.Moran_Rate`` and
        ``esda.Moran_Local_Rate`` with ``adjusted=True``).

    Raises
    ------
    ValueError
        Population missing or not positive (naming the count and first position).

    Notes
    -----
    Assunção, R.M. & Reis, E.A. (1999) A new proposal to adjust Moran's I for
    population density. Statistics in Medicine 18, 2147–2162.
    """
    e = np.asarray(events, dtype=float)
    p = np.asarray(population, dtype=float)
    bad = ~(np.isfinite(p) & (p > 0))
    if bad.any():
        raise ValueError(
            f"population needs to be positive for every area; {int(bad.sum())} of {len(p)} are missing or 0, "
            f"first at position {int(np.flatnonzero(bad)[0])}; leave those areas out or give their population"
        )
    return eb_standardised_rates(e, p)


def _variable(
    gdf: pd.DataFrame, column: Any, population: Any, incidents: gpd.GeoDataFrame | None
) -> tuple[np.ndarray, str]:
    y, name = _values(gdf, column, incidents)
    if population is None:
        return y, name
    pop, pname = _values(gdf, population, None)
    return eb_standardise(y, pop), f"eb_rate({name}/{pname})"


def _moran_weights(gdf: pd.DataFrame, weights: Any, distance: Any, min_neighbours: int) -> SpatialWeights:
    sw = make_weights(gdf, weights, distance=distance, include_self=False, min_neighbours=min_neighbours)
    return sw.row_standardised()


def global_moran(
    gdf: gpd.GeoDataFrame,
    column: str | pd.Series | np.ndarray | None = None,
    *,
    population: str | pd.Series | np.ndarray | None = None, incidents: gpd.GeoDataFrame | None = None,
    weights: Any = None, distance: float | Literal["auto"] = "auto", min_neighbours: int = MIN_NEIGHBOURS,
    permutations: int = 999, seed: int | None = None,
) -> pd.Series:
    """Global Moran's I with analytical and permutation inference.

    Parameters
    ----------
    gdf : GeoDataFrame
        Grid cells or districts indexed by id (all cells of the study area).
    column : str, Series or array, optional
        The variable (or the event counts when ``population`` is given).
    population : str, Series or array, optional
        Population at risk: the variable becomes the empirical-Bayes standardised rate
        of ``column`` per ``population`` (:func:`eb_standardise`, Assunção–Reis).
    incidents : GeoDataFrame, optional
        Instead of ``column``: incidents counted per row.
    weights : Graph, W, SpatialWeights or GAL/GWT path, optional
        The neighbourhood (self-weights dropped, then row-standardised). Default: the
        grid distance band (:func:`geolage.neighbours.grid_weights`) or queen contiguity.
    distance : float or "auto"
        Grid band radius in metres when no weights are given.
    min_neighbours : int
        For the automatic band.
    permutations : int
        Random permutations of the whole variable (0: none; ``moran_p_sim`` NaN).
    seed : int, optional
        Seed of ``numpy.random.RandomState``: the permutations are those ``esda.Moran``
        draws after ``numpy.random.seed(seed)`` (same simulated values, same ``p_sim``
        when nothing ties).

    Returns
    -------
    Series
        ``moran_i``, ``moran_ei`` (= -1/(n-1)), ``moran_z`` and ``moran_p_norm``
        (normality assumption, two-sided), ``moran_z_rand`` / ``moran_p_rand``
        (randomisation assumption), ``moran_p_sim`` (folded pseudo p-value, as esda),
        ``moran_permutations``, ``moran_n``; ``attrs["parameters"]``.

    Notes
    -----
    ``I = (n / S0) sum_ij w_ij z_i z_j / sum_i z_i²`` with ``z = x - xbar`` and
    row-standardised weights; moments as in Cliff & Ord (1981), identical to
    ``esda.Moran`` (``I``, ``EI``, ``z_norm``, ``p_norm``, ``z_rand``, ``p_rand``).
    Moran, P.A.P. (1950) Biometrika 37; Anselin, L. (1995) Geographical Analysis 27(2).
    """
    y, name = _variable(gdf, column, population, incidents)
    n = len(y)
    if n < 4:
        raise ValueError(f"Moran's I needs at least 4 observations; got {n}")
    sw = _moran_weights(gdf, weights, distance, min_neighbours)
    W = sw.sparse
    z = y - y.mean()
    z2 = float((z * z).sum())
    if not z2 > 0:
        raise ValueError(f"Moran's I needs values that vary; all {n} values are equal")
    s0 = float(W.sum())
    I_obs = n / s0 * float(z @ (W @ z)) / z2
    ei, z_norm, z_rand = _moran_moments(W, z, I_obs, s0)
    p_sim = _moran_p_sim(W, z, I_obs, s0, permutations, seed) if permutations > 0 else np.nan
    res = pd.Series(
        {
            "moran_i": I_obs,
            "moran_ei": ei,
            "moran_z": z_norm,
            "moran_p_norm": 2 * stats.norm.sf(abs(z_norm)),
            "moran_z_rand": z_rand,
            "moran_p_rand": 2 * stats.norm.sf(abs(z_rand)) if np.isfinite(z_rand) else np.nan,
            "moran_p_sim": p_sim,
            "moran_permutations": permutations,
            "moran_n": n,
        },
        name="global_moran",
    )
    res.attrs["parameters"] = {
        "method": "global Moran's I, row-standardised weights",
        "variable": name,
        "n": n,
        "weights": sw.description,
        "permutations": permutations,
        "seed": seed,
    }
    log.info(
        "Moran's I of %s: I = %.4f, z = %.2f (n = %d, %s, %d permutations, seed %s)",
        name, I_obs, z_norm, n, sw.description.get("kind"), permutations, seed,
    )
    return res


def _moran_moments(W: Any, z: np.ndarray, I_obs: float, s0: float) -> tuple[float, float, float]:
    """E[I] and the z-scores of I under normality and under randomisation (Cliff & Ord 1981)."""
    n = len(z)
    ei = -1.0 / (n - 1)
    s1 = _s1(W)
    rs = np.asarray(W.sum(axis=1)).ravel() + np.asarray(W.sum(axis=0)).ravel()
    s2 = float((rs**2).sum())
    vi = (n * n * s1 - n * s2 + 3 * s0**2) / ((n - 1) * (n + 1) * s0**2) - ei**2
    z_norm = (I_obs - ei) / np.sqrt(vi)
    k = ((z**4).sum() / n) / ((z**2).sum() / n) ** 2
    A = n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0**2)
    B = k * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0**2)
    vr = (A - B) / ((n - 1) * (n - 2) * (n - 3) * s0**2) - ei**2
    z_rand = (I_obs - ei) / np.sqrt(vr) if vr > 0 else np.nan
    return ei, z_norm, z_rand


def _s1(W: Any) -> float:
    """S1 = 1/2 sum_ij (w_ij + w_ji)^2 (Cliff & Ord 1981).

    When the weights' pattern is symmetric (distance bands, contiguity), ``W.T`` in CSR has the
    same pattern and its data line up with W's: one pass over the weights instead of a sparse sum
    and product (several times faster at a million cells).
    """
    W = sparse.csr_matrix(W, copy=True)
    W.sum_duplicates()  # canonical: sorted indices, no duplicates
    T = W.T.tocsr()
    T.sort_indices()
    if np.array_equal(W.indptr, T.indptr) and np.array_equal(W.indices, T.indices):
        return 0.5 * float(np.square(W.data + T.data).sum())
    wt = W + T
    return 0.5 * float(wt.multiply(wt).sum())


def _moran_p_sim(W: Any, z: np.ndarray, I_obs: float, s0: float, permutations: int, seed: int | None) -> float:
    """Folded pseudo p-value of I over random permutations of the whole variable, with esda's permutations.

    Seed rule: permutation ``r`` is the ``r``-th ``numpy.random.RandomState(seed).permutation(z)``,
    exactly the permutations ``esda.Moran`` draws after ``numpy.random.seed(seed)``, so the
    simulated values (and ``p_sim``) equal esda's. Faster than esda's loop because the
    lags of a batch of permutations are one sparse x dense product (the weights are read
    once per batch); the batch holds at most about 16 million values (memory bounded).
    ``p = (1 + min(#{I* >= I}, #{I* <= I})) / (R + 1)``, at most 0.5: esda's value when no
    simulated I ties with the observed one.
    """
    sims = moran_simulations(W, z, s0, permutations, seed)
    tol = 1e-12 * max(1.0, abs(I_obs))
    upper = int((sims >= I_obs - tol).sum())
    lower = int((sims <= I_obs + tol).sum())
    return min(0.5, (min(upper, lower) + 1.0) / (permutations + 1.0))


def moran_simulations(W: Any, z: np.ndarray, s0: float, permutations: int, seed: int | None) -> np.ndarray:
    """Moran's I of ``permutations`` random permutations of ``z`` (esda's permutations for the same seed).

    Parameters
    ----------
    W : sparse matrix
        Weights (as used for I).
    z : array
        Deviations from the mean.
    s0 : float
        Sum of the weights.
    permutations : int
        Number of permutations.
    seed : int, optional
        Seed of ``numpy.random.RandomState`` (``None``: unseeded).

    Returns
    -------
    ndarray (permutations,)
        ``n / s0 * z_p' W z_p / z'z`` per permutation; equal to ``esda.Moran(...).sim``
        after ``numpy.random.seed(seed)``.
    """
    n = len(z)
    z2 = float((z * z).sum())
    rs = np.random.RandomState(seed)
    W = W.tocsr()
    batch = max(1, min(permutations, 16_000_000 // max(n, 1)))
    sims = np.empty(permutations)
    rows = np.empty((batch, n))
    for a in range(0, permutations, batch):
        b = min(batch, permutations - a)
        for j in range(b):
            rows[j] = rs.permutation(z)
        Zp = transposed(rows[:b])  # (n, b) in C order: what scipy's product needs (else it copies the view
        # itself) and what einsum reads fastest; the same numbers as the view
        sims[a : a + b] = n / s0 * np.einsum("ij,ij->j", Zp, W @ Zp) / z2
    return sims


def local_moran_analytic(y: np.ndarray, weights: Any, *, conditional: bool = True) -> pd.DataFrame:
    """Local Moran's I with its analytical moments, z and p, as R spdep ``localmoran``.

    Parameters
    ----------
    y : array (n,)
        The variable.
    weights : csr_matrix or SpatialWeights
        Weights without self (row-standardised for the usual LISA), rows in the order of ``y``.
    conditional : bool
        ``True`` (default, as spdep >= 1.2): conditional randomisation (``y_i`` fixed,
        the other values permuted; Sokal, Oden & Thomson 1998, eqs. A7–A8). ``False``:
        total randomisation (Anselin 1995; Sokal et al. 1998, eqs. A3–A4).

    Returns
    -------
    DataFrame
        Columns ``Ii``, ``E.Ii``, ``Var.Ii``, ``Z.Ii`` and ``p`` (two-sided normal p), as
        spdep's ``localmoran(x, listw, conditional=, mlvar=TRUE, alternative="two.sided")``.

    Notes
    -----
    spdep's scaling: ``Ii = z_i / m2 * sum_j w_ij z_j`` with ``z = y - ybar`` and
    ``m2 = sum z² / n``; :func:`local_moran`'s ``lisa_i`` (esda's ``Is``) is
    ``(n - 1) / n`` times this. z and p do not depend on the scaling. With
    ``W_i = sum_j w_ij``, ``W2_i = sum_j w_ij²``, ``b2 = m4 / m2²``:
    conditional ``E = -z_i² W_i / ((n-1) m2)``,
    ``Var = (z_i/m2)² n/(n-2) (W2_i - W_i²/(n-1)) (m2 - z_i²/(n-1))``;
    total ``E = -W_i/(n-1)``,
    ``Var = W2_i (n-b2)/(n-1) + (W_i² - W2_i)(2 b2 - n)/((n-1)(n-2)) - W_i²/(n-1)²``.
    The same moments are esda's ``Moran_Local(...).EIc/VIc`` and ``EI/VI``. Rows with
    ``Var = 0`` (``z_i = 0`` or no neighbours, conditional) get z = NaN and p = 1.
    """
    W = (weights.sparse if isinstance(weights, SpatialWeights) else weights).tocsr()
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n < 3:
        raise ValueError(f"local Moran needs at least 3 observations; got {n}")
    z = y - y.mean()
    m2 = float((z * z).sum()) / n
    if not m2 > 0:
        raise ValueError(f"local Moran needs values that vary; all {n} values are equal")
    lag = W @ z
    ii = z / m2 * lag
    wi = np.asarray(W.sum(axis=1)).ravel()
    wi2 = np.asarray(W.multiply(W).sum(axis=1)).ravel()
    if conditional:
        e = -(z * z * wi) / ((n - 1) * m2)
        var = (z / m2) ** 2 * (n / (n - 2)) * (wi2 - wi * wi / (n - 1)) * (m2 - z * z / (n - 1))
    else:
        b2 = float((z**4).sum() / n) / m2**2
        e = -wi / (n - 1)
        var = wi2 * (n - b2) / (n - 1) + (wi * wi - wi2) * (2 * b2 - n) / ((n - 1) * (n - 2)) - wi * wi / (n - 1) ** 2
    ok = var > 1e-15 * max(1.0, float(np.abs(var).max()))
    zz = np.full(n, np.nan)
    zz[ok] = (ii[ok] - e[ok]) / np.sqrt(var[ok])
    p = np.ones(n)
    p[ok] = 2.0 * stats.norm.sf(np.abs(zz[ok]))
    return pd.DataFrame({"Ii": ii, "E.Ii": e, "Var.Ii": var, "Z.Ii": zz, "p": p})


def local_moran(
    gdf: gpd.GeoDataFrame,
    column: str | pd.Series | np.ndarray | None = None,
    *,
    population: str | pd.Series | np.ndarray | None = None, incidents: gpd.GeoDataFrame | None = None,
    weights: Any = None, distance: float | Literal["auto"] = "auto", min_neighbours: int = MIN_NEIGHBOURS,
    permutations: int | Literal["auto"] = "auto", seed: int | None = None, correction: Literal["fdr", "none"] = "fdr",
    alpha: float = 0.05, analytic: Literal["conditional", "total"] = "conditional",
) -> pd.DataFrame:
    """Local Moran's I (LISA) with permutation and analytical inference and HH/LL/HL/LH labels.

    Parameters
    ----------
    gdf : GeoDataFrame
        Grid cells or districts indexed by id.
    column, population, incidents, weights, distance, min_neighbours
        As in :func:`global_moran` (``population`` gives the Assunção–Reis EB rate).
    permutations : int or "auto"
        Conditional permutations. ``"auto"`` (default): 999 without correction, with FDR
        :func:`geolage.stats.permutation.auto_permutations` for the number of rows and
        ``alpha`` (with 999 and thousands of rows no row can become FDR-significant).
    seed : int, optional
        Seed of ``numpy.random.default_rng``: the same seed gives the same p-values.
    correction : {"fdr", "none"}
        ``"fdr"``: labels from the Benjamini–Hochberg q-values over all rows (applied
        once); ``"none"``: from the p-values.
    alpha : float
        Significance level of the labels.
    analytic : {"conditional", "total"}
        Null hypothesis of the analytical z (:func:`local_moran_analytic`).

    Returns
    -------
    DataFrame
        Indexed like ``gdf``: ``lisa_i`` (local I), ``lisa_p`` (two-sided pseudo p-value
        of conditional permutation: twice esda's folded ``p_sim``, see
        :func:`geolage.stats.permutation.permutation_pvalues`), ``lisa_q`` (BH q, NaN when
        ``correction="none"``), ``lisa_cluster`` (``HH``, ``LL``, ``HL``, ``LH`` when
        significant, else ``not_significant``), ``moran_x`` (standardised value) and
        ``moran_lag`` (its spatial lag): the Moran scatter plot, ``lisa_n_neighbours``,
        then the analytical inference: ``lisa_z`` (z of I_i, spdep's ``Z.Ii``),
        ``lisa_p_analytic`` (two-sided normal p), ``lisa_q_analytic`` and
        ``lisa_cluster_analytic`` (labels from them, same rule).

    Notes
    -----
    ``I_i = (n - 1) z_i sum_j w_ij z_j / sum_k z_k²`` with ``z`` the variable
    standardised by its mean and standard deviation (divisor n) and row-standardised
    weights: identical to ``esda.Moran_Local(...).Is``, and ``(n-1)/n`` times spdep's
    ``Ii`` (``z_i/m2 sum_j w_ij z_j``, ``m2 = sum z²/n``); the z-scores do not depend on
    this scaling. Quadrants: HH ``z > 0`` and lag ``> 0``; LH ``z <= 0``, lag ``> 0``;
    LL both ``<= 0``; HL ``z > 0``, lag ``<= 0`` (esda's ``q`` 1/2/3/4). Rows with
    ``z_i = 0`` get ``p = 1``. ``lisa_p`` is two-sided so that ``P(p <= alpha) <= alpha``
    under the null (GeoDa and esda compare the folded one-sided value, ``lisa_p / 2``,
    with alpha, which flags about ``2 alpha`` of a random field). The analytical z is
    a normal approximation (poor for skewed counts; the labels use the permutation p).
    Anselin, L. (1995) Local indicators of spatial association — LISA. Geographical
    Analysis 27(2), 93–115; Sokal, R.R., Oden, N.L. & Thomson, B.A. (1998) Local spatial
    autocorrelation in a biological model. Geographical Analysis 30(4), 331–354;
    Benjamini & Hochberg (1995); Assunção & Reis (1999) for rates.
    """
    _check_local_options(permutations, correction, alpha, analytic)
    y, name = _variable(gdf, column, population, incidents)
    n = len(y)
    if n < 4:
        raise ValueError(f"local Moran needs at least 4 observations; got {n}")
    sd = y.std()
    if not sd > 0:
        raise ValueError(f"local Moran needs values that vary; all {n} values are equal")
    sw = _moran_weights(gdf, weights, distance, min_neighbours)
    W = sw.sparse
    perms, rule = _lisa_permutations(permutations, correction, n, alpha)
    z = (y - y.mean()) / sd
    lag = W @ z
    out = _lisa_columns(y, z, lag, W, perms, seed, correction, alpha, analytic, gdf.index.copy())
    counts = out["lisa_cluster"].value_counts().to_dict()
    out.attrs["parameters"] = {
        "method": "local Moran (LISA), Anselin 1995, conditional permutation (two-sided pseudo p)",
        "analytic": f"{analytic} randomisation (Sokal et al. 1998), as spdep localmoran",
        "variable": name,
        "n": n,
        "weights": sw.description,
        "permutations": perms,
        "permutations_rule": rule,
        "seed": seed,
        "correction": "Benjamini-Hochberg FDR over all rows" if correction == "fdr" else "none",
        "alpha": alpha,
        "clusters": {str(k): int(v) for k, v in counts.items()},
        "clusters_analytic": {str(k): int(v) for k, v in out["lisa_cluster_analytic"].value_counts().items()},
    }
    log.info(
        "LISA of %s: n = %d, %s, %d permutations (%s, seed %s), correction %s at %.2f: %s",
        name, n, sw.description.get("kind"), perms, rule, seed, correction, alpha, counts,
    )
    return out


def _lisa_columns(
    y: np.ndarray, z: np.ndarray, lag: np.ndarray, W: Any, perms: int, seed: int | None, correction: str,
    alpha: float, analytic: str, index: pd.Index,
) -> pd.DataFrame:
    """The :data:`LISA_COLUMNS` of :func:`local_moran`: permutation and analytical inference, labels."""
    n = len(y)
    li = (n - 1) * z * lag / (z * z).sum()
    rng = np.random.default_rng(seed)
    p = np.minimum(1.0, 2.0 * permutation_pvalues(z, W, lag, perms, rng))
    p[z == 0] = 1.0
    an = local_moran_analytic(y, W, conditional=analytic == "conditional")
    pa = an["p"].to_numpy()
    out = pd.DataFrame(
        {
            "lisa_i": li,
            "lisa_p": p,
            "lisa_q": fdr_bh(p) if correction == "fdr" else np.full(n, np.nan),
            "lisa_cluster": None,
            "moran_x": z,
            "moran_lag": lag,
            "lisa_n_neighbours": np.diff(W.indptr),
            "lisa_z": an["Z.Ii"].to_numpy(),
            "lisa_p_analytic": pa,
            "lisa_q_analytic": fdr_bh(pa) if correction == "fdr" else np.full(n, np.nan),
            "lisa_cluster_analytic": None,
        },
        index=index,
    )
    for col, pcol, qcol in (("lisa_cluster", p, "lisa_q"), ("lisa_cluster_analytic", pa, "lisa_q_analytic")):
        sig = (out[qcol].to_numpy() if correction == "fdr" else pcol) < alpha
        out[col] = _lisa_clusters(z, lag, sig)
    return out


def _lisa_permutations(permutations: int | str, correction: str, n: int, alpha: float) -> tuple[int, str]:
    """Permutations of :func:`local_moran` and the rule that chose them."""
    if permutations != "auto":
        return int(permutations), "given"
    if correction == "fdr":
        return auto_permutations(n, alpha), f"auto: 4 x rows / {alpha:g}, rounded (FDR can reach significance)"
    return MIN_PERMUTATIONS, "auto: 999 without correction"


def _check_local_options(permutations: int | str, correction: str, alpha: float, analytic: str) -> None:
    """Raise on options :func:`local_moran` cannot use."""
    if isinstance(permutations, str):
        if permutations != "auto":
            raise ValueError(f"permutations needs to be a number >= 1 or 'auto'; got {permutations!r}")
    elif permutations < 1:
        raise ValueError(f"local_moran needs permutations >= 1 (or 'auto'); got {permutations}")
    if correction not in ("fdr", "none"):
        raise ValueError(f"correction needs to be 'fdr' or 'none'; got {correction!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha needs to be between 0 and 1; got {alpha}")
    if analytic not in ("conditional", "total"):
        raise ValueError(f"analytic needs to be 'conditional' or 'total'; got {analytic!r}")


def _lisa_clusters(z: np.ndarray, lag: np.ndarray, significant: np.ndarray) -> np.ndarray:
    """Moran scatter-plot quadrant of the significant rows: ``HH``, ``LH``, ``LL``, ``HL``, else ``not_significant``.

    HH ``z > 0`` and lag ``> 0``; LH ``z <= 0``, lag ``> 0``; LL both ``<= 0``; HL ``z > 0``,
    lag ``<= 0`` (esda's ``q`` 1/2/3/4).
    """
    cluster = np.full(len(z), "not_significant", dtype=object)
    hi, lhi = z > 0, lag > 0
    cluster[significant & hi & lhi] = "HH"
    cluster[significant & ~hi & lhi] = "LH"
    cluster[significant & ~hi & ~lhi] = "LL"
    cluster[significant & hi & ~lhi] = "HL"
    return cluster

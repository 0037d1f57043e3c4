"""Conditional-randomisation (permutation) p-values for local statistics, and the rules that size them.

Public functions: :func:`permutation_pvalues` (folded pseudo p-values of a spatial lag,
shared by Gi* and local Moran), :func:`auto_permutations` (how many permutations
multiple-testing control over ``m`` rows needs) and :func:`analytic_z_trusted` (whether
the normal approximation of a weighted sum is accurate at the tail multiple testing
looks at).

Tie convention. A permuted statistic equal to the observed one counts in the tail being
tested: ``upper = #{L* >= L}``, ``lower = #{L* <= L}``, folded
``p = min(0.5, (1 + min(upper, lower)) / (R + 1))``. Each one-sided value is then a valid
Monte Carlo p-value (``P(p <= a) <= a`` under the null, also for discrete counts), and the
two-sided ``min(1, 2 p)`` is valid as well. Without ties this is exactly esda's
``p_sim`` (esda's ``crand``: ``larger = #{I* >= I}``, folded to ``R - larger`` when
smaller). With ties esda counts them only in the upper tail, so in the lower tail it
uses ``#{L* < L}``: on zero-heavy counts a cell with no incidents around it then gets
``p = 1/(R+1)`` whenever no permutation is strictly lower, i.e. always — spurious cold
spots / LL clusters. geolage keeps the conservative count and caps the folded value at
0.5 (without the cap it could exceed 0.5 when many permuted values tie).

References: Anselin, L. (1995) LISA. Geographical Analysis 27(2); Besag, J. & Clifford, P.
(1989) Generalized Monte Carlo significance tests. Biometrika 76(4) (the ``(1 + b)/(R + 1)``
p-value); Benjamini & Hochberg (1995).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse, stats

__all__ = [
    "AUTO_ALPHA",
    "MAX_PERMUTATIONS",
    "MIN_PERMUTATIONS",
    "analytic_z_trusted",
    "auto_permutations",
    "permutation_pvalues",
]

#: Fewest permutations :func:`auto_permutations` gives (GeoDa's default).
MIN_PERMUTATIONS = 999
#: Most permutations :func:`auto_permutations` gives (time bound: about 40 s per map at 100k cells).
MAX_PERMUTATIONS = 4_999_999
#: Level :func:`auto_permutations` sizes for by default (the 95 % classes).
AUTO_ALPHA = 0.05


def auto_permutations(m: int, alpha: float = AUTO_ALPHA, *, sides: int = 2) -> int:
    """Permutations needed so that Benjamini–Hochberg over ``m`` tests can reach ``alpha``.

    Parameters
    ----------
    m : int
        Number of tests in the family (rows corrected together).
    alpha : float
        Level of the FDR-adjusted q-values used for classes or labels.
    sides : int
        2 when the p-value used is two-sided (``2 x`` the folded value), 1 otherwise.

    Returns
    -------
    int
        ``R`` with ``R + 1`` the smallest multiple of 1000 at or above ``2 * sides * m / alpha``,
        between :data:`MIN_PERMUTATIONS` and :data:`MAX_PERMUTATIONS`.

    Notes
    -----
    With ``R`` permutations the smallest p-value is ``sides / (R + 1)``; BH rejects the
    most extreme row only when that is at most ``alpha / m``. With ``R + 1 = sides * m / alpha``
    a single extreme row would sit exactly at ``q = alpha``; the factor 2 gives ``q = alpha / 2``
    for it, and clusters of ``j`` rows (threshold ``j alpha / m``) a ``2 j``-fold margin for
    Monte Carlo noise. With 999 permutations and 10,000 cells no cell can become
    FDR-significant at all.
    """
    if m < 1:
        return MIN_PERMUTATIONS
    if not 0 < alpha < 1:
        raise ValueError(f"alpha needs to be between 0 and 1; got {alpha}")
    need = 2.0 * sides * m / alpha
    r = int(math.ceil(need / 1000.0) * 1000) - 1
    return int(min(max(r, MIN_PERMUTATIONS), MAX_PERMUTATIONS))


def analytic_z_trusted(
    y: np.ndarray, weights: sparse.csr_matrix, m: int | None = None, alpha: float = AUTO_ALPHA, *,
    max_error: float = 1.0,
) -> tuple[bool, float]:
    """Whether the normal approximation of weighted sums of ``y`` holds where FDR decides.

    Parameters
    ----------
    y : array (n,)
        The values (e.g. counts per cell).
    weights : csr_matrix
        The weights of the sums (Gi*: with self).
    m : int, optional
        Number of tests corrected together (default ``n``).
    alpha : float
        FDR level.
    max_error : float
        Largest relative error of the tail area accepted (1.0: the normal p-value within a
        factor of 2 where FDR decides). Measured on 3,600 cells with 12 neighbours: normal
        values 0.6-0.8 (trusted); Poisson counts with mean 5, 20, 100: 4-6, 2-3.4, 0.9-1.2.

    Returns
    -------
    trusted, error : bool, float
        ``error`` is the largest relative error of the normal tail area at the critical
        z ``Phi^-1(1 - alpha / (2 m))`` (the first BH threshold) from the first Edgeworth
        terms of a row's sum, ``phi(z)/Phi(-z) * (g/6 |z²-1| + k/24 |z³-3z| + g²/72 |z⁵-10z³+15z|)``
        (no cancellation between the terms) with the row's skewness ``g = g_y sum w³ / (sum w²)^1.5``
        and excess kurtosis ``k = k_y sum w⁴ / (sum w²)²`` (``g_y``, ``k_y`` the absolute sample
        skewness and excess kurtosis of ``y`` plus one standard error, ``sqrt(6/n)`` and
        ``sqrt(24/n)``; independent draws); ``trusted`` is ``error <= max_error``.

    Notes
    -----
    Sparse counts are skewed (a Poisson count with mean 0.3 has skewness 1.8), and the
    normal tail at ``z = 4`` is then off by a factor of 2 or more even for sums over 20
    cells, which is why analytical Gi* over-flags on counts. Hall, P. (1992) The Bootstrap
    and Edgeworth Expansion, ch. 2.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    m = n if m is None else m
    d = y - y.mean()
    s2 = float((d * d).mean())
    if not s2 > 0 or n < 3:
        return False, math.inf
    # sample moments made larger by one standard error (sqrt(6/n), sqrt(24/n) under normality),
    # so a skewed variable whose sample skewness happens to be near 0 is not trusted
    g_y = abs(float((d**3).mean()) / s2**1.5) + math.sqrt(6.0 / n)
    k_y = abs(float((d**4).mean()) / s2**2 - 3.0) + math.sqrt(24.0 / n)
    w = weights.tocsr()
    a = np.abs(w)
    s2w = np.asarray(a.power(2).sum(axis=1)).ravel()
    ok = s2w > 0
    if not ok.any():
        return False, math.inf
    g = g_y * np.asarray(a.power(3).sum(axis=1)).ravel()[ok] / s2w[ok] ** 1.5
    k = k_y * np.asarray(a.power(4).sum(axis=1)).ravel()[ok] / s2w[ok] ** 2
    z = float(stats.norm.isf(alpha / (2.0 * max(m, 1))))
    ratio = float(stats.norm.pdf(z) / stats.norm.sf(z))
    term = g / 6 * (z * z - 1) + k / 24 * abs(z**3 - 3 * z) + g * g / 72 * abs(z**5 - 10 * z**3 + 15 * z)
    err = ratio * float(term.max())
    return bool(err <= max_error), err


def _draw_ids(rng: np.random.Generator, n: int, m: int, permutations: int) -> np.ndarray:
    """(m, permutations) positions drawn without replacement from range(n), one column per permutation.

    Each column holds ``m`` distinct positions in random order; the array is stored draw by
    draw (row ``j`` holds the ``j``-th draw of every permutation, contiguous), which is how
    the counting below reads it. ``n`` large against ``m²``: uniform integers, permutations
    with a repeated position drawn again (rare; only the redrawn ones are checked again).
    Otherwise Floyd's algorithm (Bentley & Floyd 1987: for ``j = n-m .. n-1`` take a uniform
    ``t`` in ``0..j``, or ``j`` when ``t`` was taken), vectorised over the permutations, then
    each permutation shuffled: O(permutations · m²), never O(permutations · n). Positions are
    int32 when ``n`` fits (numpy draws the same bounded integers for int32 and int64, so
    the random stream does not depend on the dtype).
    """
    dtype = np.int32 if n < 2**31 else np.int64
    if n > 4 * m * m:
        out = transposed(rng.integers(0, n, size=(permutations, m), dtype=dtype))
        bad = np.flatnonzero(_repeats(out))
        while len(bad):
            redrawn = transposed(rng.integers(0, n, size=(len(bad), m), dtype=dtype))
            out[:, bad] = redrawn
            bad = bad[_repeats(redrawn)]
        return out
    out = np.empty((m, permutations), dtype=dtype)
    for col, j in enumerate(range(n - m, n)):
        t = rng.integers(0, j + 1, size=permutations, dtype=dtype)
        if col:
            t = np.where((out[:col] == t).any(axis=0), j, t)
        out[col] = t
    order = np.argsort(rng.random((permutations, m)), axis=1)
    return np.ascontiguousarray(np.take_along_axis(out.T, order, axis=1).T)


def transposed(a: np.ndarray, block: int = 4096) -> np.ndarray:
    """``np.ascontiguousarray(a.T)`` of a 2-d array, copied ``block`` rows at a time (2-4x faster for thin arrays).

    Parameters
    ----------
    a : ndarray (rows, cols)
    block : int
        Rows copied at a time (a block of both layouts stays in the CPU cache).

    Returns
    -------
    ndarray (cols, rows)
        C-contiguous, the same values as ``a.T``.
    """
    rows, cols = a.shape
    out = np.empty((cols, rows), dtype=a.dtype)
    for start in range(0, rows, block):
        out[:, start : start + block] = a[start : start + block].T
    return out


def _repeats(ids: np.ndarray) -> np.ndarray:
    """Boolean per column of ``ids`` (m, P): whether a position occurs twice in the column.

    Small ``m``: each draw compared with the draws after it (m - 1 vectorised passes over
    contiguous rows, faster than sorting every short column); large ``m``: columns sorted.
    """
    m, P = ids.shape
    if m > 48:
        srt = np.sort(ids, axis=0)
        return (srt[1:] == srt[:-1]).any(axis=0)
    bad = np.zeros(P, dtype=bool)
    for i in range(m - 1):
        bad |= (ids[i + 1 :] == ids[i]).any(axis=0)
    return bad


def permutation_pvalues(
    y: np.ndarray,
    weights: sparse.csr_matrix,
    observed: np.ndarray,
    permutations: int,
    rng: np.random.Generator,
    *,
    chunk_size: int = 20_000_000,
    conditional: bool = True,
) -> np.ndarray:
    """Folded pseudo p-values of the spatial lag under conditional (or total) randomisation.

    For each observation ``i`` the value ``y_i`` is held fixed and its ``k_i``
    neighbours are given ``k_i`` values drawn without replacement from the other
    ``n - 1`` values; the statistic of interest (Gi*, local Moran) is a monotone
    function of the lag ``L_i = sum_j w_ij y_j`` (self excluded), so the p-value is
    computed on the lag: ``p = min(0.5, (1 + min(#{L* >= L}, #{L* <= L})) / (R + 1))``
    (ties count in the tail tested: see :mod:`geolage.stats.permutation`; without ties
    identical to esda's ``p_sim``).

    Parameters
    ----------
    y : array (n,)
        Values.
    weights : csr_matrix
        Weights with zero diagonal (self is not permuted).
    observed : array (n,)
        Observed lag ``weights @ y``.
    permutations : int
        Number of random draws ``R``.
    rng : numpy.random.Generator
        Source of randomness (seeded by the caller).
    chunk_size : int
        Largest number of values held in memory at once (draws are made in chunks of
        permutations, so memory is bounded whatever ``R``).
    conditional : bool
        ``True``: ``y_i`` fixed, ``weights`` without self (LISA; the lag of the neighbours).
        ``False``: total randomisation of the whole window, ``weights`` *with* the
        self-weight: the ``k_i`` values of row ``i`` (self included) are drawn from all
        ``n`` values (Gi*, whose sum includes the cell itself: the null the analytical Gi*
        z approximates).

    Returns
    -------
    ndarray (n,)
        Folded pseudo p-values in ``[1 / (R + 1), 0.5]`` (1 for observations without
        neighbours). Twice the value is the two-sided p-value.

    Notes
    -----
    Like esda's ``crand``, one matrix of random draws is shared by all observations
    (row ``p`` holds ``kmax + 1`` distinct positions). Observation ``i`` uses the first
    ``k_i`` positions of each row; when ``i`` itself is among them it is replaced by
    the position ``k_i``, which keeps each draw a uniform sample of ``k_i`` of the other
    ``n - 1`` values. Rows whose neighbours all have the same weight (binary or
    row-standardised binary weights) share one sorted null distribution per ``k``, and
    counting is a binary search: O(R·kmax + n·log R) instead of O(n·R·k). Other rows are
    done by a chunked matrix product.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    w = weights.tocsr()
    k = np.diff(w.indptr)
    observed = np.asarray(observed, dtype=float)
    pvals = np.ones(n)
    kmax = int(k.max()) if n else 0
    if kmax == 0 or permutations <= 0:
        return pvals
    m = min(kmax + 1, n) if conditional else min(kmax, n)
    scale = float(np.abs(y).max()) * max(1.0, float(np.abs(w.data).max())) * kmax
    tol = 1e-9 * max(scale, 1.0)
    upper = np.zeros(n, dtype=np.int64)
    lower = np.zeros(n, dtype=np.int64)
    has = k > 0
    common = _common_weights(w, k, has)
    step = max(1, min(permutations, chunk_size // (4 * m)))
    for a in range(0, permutations, step):
        b = min(permutations, a + step)
        R = _draw_ids(rng, n, m, b - a)  # (m, chunk): draw j of every permutation in row j
        Z = y[R]
        cs = np.empty_like(Z)  # cs[j - 1]: sum of the first j draws (as np.cumsum, row by row: faster)
        cs[0] = Z[0]
        for j in range(1, m):
            np.add(cs[j - 1], Z[j], out=cs[j])
        _count_tails(w, k, has, Z, cs, observed, tol, chunk_size, upper, lower, common)
        if conditional:
            _correct_self_draws(w, k, kmax, R, Z, cs, observed, tol, upper, lower, common)
    pvals[has] = np.minimum(0.5, (np.minimum(upper, lower)[has] + 1.0) / (permutations + 1.0))
    return pvals


def _common_weights(w: sparse.csr_matrix, k: np.ndarray, has: np.ndarray) -> np.ndarray:
    """The weight shared by all neighbours of each row (binary, row-standardised binary), else 0."""
    n = len(k)
    rmax = np.zeros(n)
    rmin = np.zeros(n)
    if has.any():
        starts = w.indptr[:-1][has]
        rmax[has] = np.maximum.reduceat(w.data, starts)
        rmin[has] = np.minimum.reduceat(w.data, starts)
    equal = has & (rmax - rmin <= 1e-12 * np.abs(rmax)) & (rmax != 0)
    return np.where(equal, rmax, 0.0)


def _count_tails(
    w: sparse.csr_matrix,
    k: np.ndarray,
    has: np.ndarray,
    Z: np.ndarray,
    cs: np.ndarray,
    observed: np.ndarray,
    tol: float,
    chunk_size: int,
    upper: np.ndarray,
    lower: np.ndarray,
    common: np.ndarray,
) -> None:
    """Add to ``upper``/``lower`` the permuted lags at or above / at or below the observed lag, per row.

    ``Z`` (m, P) holds the drawn values (row ``j``: draw ``j`` of every permutation), ``cs``
    their cumulative sums along the draws. Row ``i`` takes the first ``k_i`` drawn values of
    each permutation. Rows whose neighbours share one weight (``common != 0``) use one sorted
    null distribution per ``k`` (binary search); other rows a chunked matrix product of
    their weights with the draws.
    """
    P = Z.shape[1]
    equal = common != 0
    rmax = common
    for kk in np.unique(k[has]):
        rows = np.flatnonzero((k == kk) & has)
        eq_rows = rows[equal[rows]]
        if len(eq_rows):
            s = np.sort(cs[kk - 1])
            wv = rmax[eq_rows]
            t = observed[eq_rows] / wv
            tt = tol / np.abs(wv)
            up = P - np.searchsorted(s, t - tt, side="left")
            lo = np.searchsorted(s, t + tt, side="right")
            neg = wv < 0  # a negative common weight reverses the order
            upper[eq_rows] += np.where(neg, lo, up)
            lower[eq_rows] += np.where(neg, up, lo)
        gen_rows = rows[~equal[rows]]
        if len(gen_rows):
            idx = w.indptr[gen_rows][:, None] + np.arange(kk)[None, :]
            Wg = w.data[idx]  # (ng, kk)
            Zk = Z[:kk]  # (kk, P)
            step = max(1, chunk_size // P)
            for a in range(0, len(gen_rows), step):
                V = Wg[a : a + step] @ Zk
                obs = observed[gen_rows[a : a + step]][:, None]
                upper[gen_rows[a : a + step]] += (V >= obs - tol).sum(axis=1)
                lower[gen_rows[a : a + step]] += (V <= obs + tol).sum(axis=1)


def _correct_self_draws(
    w: sparse.csr_matrix,
    k: np.ndarray,
    kmax: int,
    R: np.ndarray,
    Z: np.ndarray,
    cs: np.ndarray,
    observed: np.ndarray,
    tol: float,
    upper: np.ndarray,
    lower: np.ndarray,
    common: np.ndarray,
) -> None:
    """Correct the tail counts where an observation was drawn for itself (position < k_c): use position k_c instead.

    ``R``, ``Z`` and ``cs`` are (m, P): draw ``j`` of every permutation in row ``j``.
    ``common`` holds the common weight of rows whose neighbours share one weight (else 0):
    their sums are read from the cumulative sums ``cs`` in O(1), one draw position at a time
    (:func:`_correct_common`); other rows are summed over their ``k`` weights.
    """
    _correct_common(k, R, Z, cs, observed, tol, upper, lower, common)
    if not np.any((common == 0) & (k > 0)):
        return
    n = len(upper)
    m = R.shape[0]
    sel = (np.arange(m)[:, None] < k[R]) & (common[R] == 0)
    pos, pp = np.nonzero(sel)
    if not len(pp):
        return
    cc = R[pos, pp]
    kc = k[cc]
    idx = w.indptr[cc][:, None] + np.arange(kmax)[None, :]
    valid = np.arange(kmax)[None, :] < kc[:, None]
    Wpad = np.where(valid, w.data[np.minimum(idx, len(w.data) - 1)], 0.0)
    old = (Wpad * np.ascontiguousarray(Z[:kmax, pp].T)).sum(axis=1)
    wpos = Wpad[np.arange(len(cc)), pos]
    new = old + wpos * (Z[kc, pp] - Z[pos, pp])
    obs = observed[cc]
    du = (new >= obs - tol).astype(np.int64) - (old >= obs - tol)
    dl = (new <= obs + tol).astype(np.int64) - (old <= obs + tol)
    upper += np.bincount(cc, weights=du, minlength=n).astype(np.int64)
    lower += np.bincount(cc, weights=dl, minlength=n).astype(np.int64)


def _correct_common(
    k: np.ndarray,
    R: np.ndarray,
    Z: np.ndarray,
    cs: np.ndarray,
    observed: np.ndarray,
    tol: float,
    upper: np.ndarray,
    lower: np.ndarray,
    common: np.ndarray,
) -> None:
    """Self-draw correction of the rows with one common weight, one draw position at a time.

    At position ``pos`` of permutation ``p`` observation ``c = R[pos, p]`` drew itself when
    ``pos < k_c``: its permuted lag ``w_c cs[k_c - 1, p]`` becomes
    ``w_c cs[k_c - 1, p] + w_c (Z[k_c, p] - Z[pos, p])``. The most frequent (k, weight)
    pair (usually most rows) reads both sums from whole rows of ``cs`` and ``Z``; the other
    rows gather theirs. Only draws where the comparison with the observed lag changes alter
    the counts, so the counts are updated from those few (small ``bincount`` calls).
    """
    m, P = R.shape
    k_self = np.where(common != 0, k, 0)  # draws before k_self[c] are self-draws of c
    if not k_self.any():
        return
    pairs, freq = np.unique(np.column_stack([k_self, common])[k_self > 0], axis=0, return_counts=True)
    kd, wd = pairs[int(np.argmax(freq))]
    kd = int(kd)
    dominant = (k_self == kd) & (common == wd)
    kind = np.where(dominant, -1, k_self)  # -1: the dominant pair; else draws before kind[c] are self-draws
    thr_u = observed - tol
    thr_l = observed + tol
    old_d = wd * cs[kd - 1]  # = w_c cs[k_c - 1, p] for every dominant c
    repl_d = Z[min(kd, m - 1)]
    flat_z = Z.ravel()
    flat_cs = cs.ravel()
    for pos in range(m):
        c = R[pos]
        kc = kind[c]
        if pos < kd:
            new = old_d + wd * (repl_d - Z[pos])
            sel = kc == -1
            _update(c, old_d, new, thr_u[c], thr_l[c], sel, upper, lower)
        rows = np.flatnonzero(kc > pos)
        if len(rows):
            cr = c[rows]
            kr = k[cr].astype(np.int64)
            wc = common[cr]
            old = wc * flat_cs[(kr - 1) * P + rows]
            new = old + wc * (flat_z[np.minimum(kr, m - 1) * P + rows] - Z[pos][rows])
            _update(cr, old, new, thr_u[cr], thr_l[cr], None, upper, lower)


def _update(
    c: np.ndarray,
    old: np.ndarray,
    new: np.ndarray,
    t_u: np.ndarray,
    t_l: np.ndarray,
    sel: np.ndarray | None,
    upper: np.ndarray,
    lower: np.ndarray,
) -> None:
    """Move the tail counts of observations ``c`` whose permuted lag goes from ``old`` to ``new`` (where ``sel``)."""
    n = len(upper)
    for now, was, counts in ((new >= t_u, old >= t_u, upper), (new <= t_l, old <= t_l, lower)):
        changed = now != was
        if sel is not None:
            changed &= sel
        if changed.any():
            gained = now & changed
            counts += np.bincount(c[gained], minlength=n)
            counts -= np.bincount(c[changed & ~gained], minlength=n)

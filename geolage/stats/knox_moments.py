r"""Exact permutation moments of Knox counts and their p-values: the Knox test without Monte Carlo, for large n.

A Knox count is :math:`X = \sum_{i<j} a_{ij} b_{ij}` over unordered pairs of events, with
:math:`a_{ij} = 1` when the pair is in a distance band (or a block of bands) and
:math:`b_{ij} = 1` when it is in a time band. Under a random permutation of the times among the
events (the null hypothesis of :func:`geolage.stats.nearrepeat.knox`), its mean and variance are
exact functions of a few sums (Mantel 1967; Barton & David 1966). With :math:`n` events,
:math:`N = n(n-1)/2` pairs, the degree :math:`a_i = \sum_j a_{ij}` of event i,
:math:`S_a = \sum_{i<j} a_{ij}` (pairs), :math:`P_a = \sum_i a_i (a_i - 1)` (ordered pairs of pairs
sharing one event) and :math:`D_a = S_a^2 - S_a - P_a` (ordered pairs of disjoint pairs), likewise
for b:

.. math::

    E[X] = S_a S_b / N, \qquad
    E[X^2] = S_a S_b / N + P_a P_b / (n(n-1)(n-2)) + D_a D_b / (n(n-1)(n-2)(n-3)/4),

because a permutation maps a pair to a uniformly random pair, two pairs sharing one event to a
uniformly random such couple and two disjoint pairs to a uniformly random disjoint couple. The sums
are whole numbers, so the moments are computed exactly (Python integers and fractions: no
cancellation in :math:`E[X^2] - E[X]^2`).

The degrees are per event: in time from the sorted times (O(n log n)); in space from k-d tree
neighbour counts (``cKDTree.query_ball_point(return_length=True)``, no pair is formed), queried in
the tree's own order (neighbouring queries share the cache: about three times faster).

p-values: one-sided, P(X ≥ observed). The permutation distribution of a count of pairs is
over-dispersed against the Poisson distribution that Knox (1964) used (pairs sharing an event are
dependent: the variance exceeds the mean when the degrees vary), and right-skewed when the count is
small, which a normal approximation (Mantel 1967) misses. So: when the exact variance exceeds the
exact mean, the negative binomial distribution with that mean and variance (a count distribution:
skewed for small means, normal for large ones); otherwise (under-dispersed counts, e.g. the open
bands) the normal distribution with a continuity correction.

References
----------
Barton, D. E. & David, F. N. (1966). The random intersection of two graphs. In F. N. David (ed.),
*Research Papers in Statistics*, 455–459. Wiley.
Knox, E. G. (1964). The detection of space-time interactions. *Applied Statistics* 13, 25–29.
Mantel, N. (1967). The detection of disease clustering and a generalized regression approach.
*Cancer Research* 27, 209–220.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import stats
from scipy.spatial import cKDTree

from ..cores import workers  # the run's process budget (1 inside a Dask worker)

__all__ = ["KnoxMoments", "knox_moments", "pair_moments", "p_upper", "space_degrees", "time_degrees"]

#: Relative margin below a distance edge for the k-d tree's ``<=``: a pair exactly at an edge (e.g.
#: whole metres 60, 80 from each other at the edge 100) is not below it, as in :func:`numpy.hypot` ``< e``.
_EDGE_MARGIN = 1e-12
#: Events summed at once in exact sums of squares (each square < 2**62: the partial sums fit in int64).
_SUM_CHUNK = 1024


def space_degrees(xy: np.ndarray, d_edges: np.ndarray, same_zero: bool) -> np.ndarray:
    """Per event, the other events in each distance code: (n, nd + 1), bands 0..nd-1, then below the first edge.

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
        Coordinates in metres.
    d_edges : ndarray
        Increasing distance edges; a pair is in band k when ``d_edges[k] <= d < d_edges[k + 1]``.
    same_zero : bool
        Band 0 is [0, 0] (events at exactly the same coordinates), band 1 then (0, e1).

    Returns
    -------
    ndarray of int64
        Column k: the events in distance band k from the event; the last column: closer than the first edge.

    Notes
    -----
    A pair at a distance within 1e-12 (relative) below an edge is counted as at the edge (a
    nanometre at 1 km); pairs exactly at an edge are counted as at the edge, as by :func:`numpy.hypot`.
    """
    n = len(xy)
    tree = cKDTree(xy)
    order = tree.indices  # the tree's own order: neighbouring queries touch the same nodes
    below = np.zeros((n, len(d_edges)), dtype=np.int64)
    threads = workers() if n >= 50_000 else 1  # scipy splits the queries over threads: exact counts either way
    for k, e in enumerate(d_edges):
        if e > 0:
            # scipy's query counts d <= r, the event itself included
            below[order, k] = tree.query_ball_point(xy[order], float(e) * (1 - _EDGE_MARGIN), return_length=True,
                                                    workers=threads) - 1
    m = len(d_edges)
    if same_zero:  # d_edges[0] == 0: band 0 is [0, 0], band 1 (0, e1), nothing below the first edge
        _, inverse, counts = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
        same = counts[inverse.ravel()] - 1
        out = np.zeros((n, m + 1), dtype=np.int64)
        out[:, 0] = same
        out[:, 1] = below[:, 1] - same
        out[:, 2:m] = np.diff(below[:, 1:], axis=1)
        return out
    out = np.empty((n, m), dtype=np.int64)
    out[:, : m - 1] = np.diff(below, axis=1)
    out[:, m - 1] = below[:, 0]
    return out


def time_degrees(t_sec: np.ndarray, e_sec: np.ndarray) -> np.ndarray:
    """Per event, the other events in each time code: (n, nt + 1), bands 0..nt-1, then below the first edge.

    Parameters
    ----------
    t_sec : ndarray of int
        Times in whole seconds.
    e_sec : ndarray of int
        Time edges in whole seconds; a pair is in band l when ``e_sec[l] <= |dt| < e_sec[l + 1]``.

    Returns
    -------
    ndarray of int64
        Exact, from the sorted times: for each event the events less than e seconds from it, per edge.
    """
    order = np.argsort(t_sec, kind="stable")
    s = t_sec[order].astype(np.int64)  # sorted queries: about ten times faster than in the events' order
    below = np.zeros((len(s), len(e_sec)), dtype=np.int64)
    for k, e in enumerate(e_sec):
        if e > 0:
            below[order, k] = np.searchsorted(s, s + e, side="left") - np.searchsorted(s, s - e, side="right") - 1
    m = len(e_sec)
    out = np.empty((len(s), m), dtype=np.int64)
    out[:, : m - 1] = np.diff(below, axis=1)
    out[:, m - 1] = below[:, 0]
    return out


def _sum_squares(a: np.ndarray) -> int:
    """Exact sum of squares of non-negative whole numbers below 2**31 (int64 partial sums, Python int total)."""
    if a.size == 0:
        return 0
    sq = a.astype(np.int64) ** 2
    return int(sum(np.add.reduceat(sq, np.arange(0, a.size, _SUM_CHUNK)).tolist()))


def pair_moments(n: int, s_a: int, q_a: int, s_b: int, q_b: int) -> tuple[Fraction, Fraction]:
    r"""Exact mean and variance of a Knox count under random permutation of the times.

    Parameters
    ----------
    n : int
        Events.
    s_a, s_b : int
        Pairs close in space (a) and in time (b).
    q_a, q_b : int
        Sums over the events of their squared degrees, :math:`\sum_i a_i^2` and :math:`\sum_i b_i^2`.

    Returns
    -------
    (Fraction, Fraction)
        Mean and variance (exact rationals); formulas in :mod:`geolage.stats.knox_moments`.
    """
    n_pairs = n * (n - 1) // 2
    if n_pairs == 0:
        return Fraction(0), Fraction(0)
    m3 = n * (n - 1) * (n - 2)  # ordered couples of pairs sharing one event
    m4 = n * (n - 1) * (n - 2) * (n - 3) // 4  # ordered couples of disjoint pairs
    p_a, p_b = q_a - 2 * s_a, q_b - 2 * s_b
    d_a, d_b = s_a * s_a - s_a - p_a, s_b * s_b - s_b - p_b
    mean = Fraction(s_a * s_b, n_pairs)
    second = mean + (Fraction(p_a * p_b, m3) if m3 else 0) + (Fraction(d_a * d_b, m4) if m4 else 0)
    return mean, second - mean * mean


def p_upper(observed: int, mean: float, var: float) -> float:
    """One-sided p-value P(X ≥ observed) of a Knox count from its exact permutation mean and variance.

    Parameters
    ----------
    observed : int
        Observed count.
    mean, var : float
        Exact permutation mean and variance (:func:`pair_moments`).

    Returns
    -------
    float
        Negative binomial with this mean and variance when ``var > mean``, else normal with a
        continuity correction; 1 when the variance is 0 and ``observed <= mean`` (the count cannot vary).
    """
    if var <= 0 or mean <= 0:
        return 1.0 if observed <= mean + 1e-9 else 0.0
    if var > mean:
        size, prob = mean * mean / (var - mean), mean / var
        return float(stats.nbinom.sf(observed - 1, size, prob))
    return float(stats.norm.sf((observed - 0.5 - mean) / np.sqrt(var)))


@dataclass(frozen=True)
class KnoxMoments:
    """The sums behind the exact moments of every block of contiguous bands of a Knox table.

    Attributes
    ----------
    n : int
        Events.
    space, time : dict
        ``(first, last) -> (S, Q)`` for every contiguous range of table rows (distance bands, the
        open band last) or columns (time bands, the open band last): the pairs in the range and
        the sum over the events of their squared degrees.
    """

    n: int
    space: dict[tuple[int, int], tuple[int, int]]
    time: dict[tuple[int, int], tuple[int, int]]

    def block(self, d_first: int, d_last: int, t_first: int, t_last: int) -> tuple[float, float]:
        """Exact mean and variance of the pairs in table rows d_first..d_last and columns t_first..t_last."""
        s_a, q_a = self.space[(d_first, d_last)]
        s_b, q_b = self.time[(t_first, t_last)]
        mean, var = pair_moments(self.n, s_a, q_a, s_b, q_b)
        return float(mean), float(var)

    def table(self, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean, variance and p-value of every cell of the full table (rows, columns as ``observed``)."""
        rows, cols = observed.shape
        mean, var, p = np.zeros((rows, cols)), np.zeros((rows, cols)), np.ones((rows, cols))
        for i in range(rows):
            for j in range(cols):
                mean[i, j], var[i, j] = self.block(i, i, j, j)
                p[i, j] = p_upper(int(observed[i, j]), mean[i, j], var[i, j])
        return mean, var, p


def _range_sums(deg: np.ndarray) -> dict[tuple[int, int], tuple[int, int]]:
    """``(first, last) -> (pairs, sum of squared degrees)`` for every contiguous range of the columns of deg."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    k = deg.shape[1]
    for first in range(k):
        acc = np.zeros(deg.shape[0], dtype=np.int64)
        for last in range(first, k):
            acc += deg[:, last]
            out[(first, last)] = (int(acc.sum()) // 2, _sum_squares(acc))
    return out


def knox_moments(xy: np.ndarray, t_sec: np.ndarray, d_edges: np.ndarray, e_sec: np.ndarray,
                 same_zero: bool) -> tuple[KnoxMoments, np.ndarray]:
    """The moment sums of a Knox table and the pairs per distance code (the table's row counts).

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
        Coordinates in metres.
    t_sec : ndarray of int
        Times in whole seconds.
    d_edges : ndarray
        Distance edges in metres.
    e_sec : ndarray of int
        Time edges in whole seconds.
    same_zero : bool
        Distance band 0 is [0, 0].

    Returns
    -------
    (KnoxMoments, ndarray)
        The sums for rows = distance bands + the open band, columns = time bands + the open band;
        and the pairs per distance code (bands, then below the first edge), as
        :class:`geolage.stats.knox_pairs._PairBands` counts them.
    """
    n = len(xy)
    sd = space_degrees(xy, d_edges, same_zero)
    nd = sd.shape[1] - 1
    row_counts = sd.sum(axis=0) // 2
    rows = np.empty((n, nd + 1), dtype=np.int64)
    rows[:, :nd] = sd[:, :nd]
    rows[:, nd] = (n - 1) - sd.sum(axis=1)  # the open band: at or beyond the last edge
    del sd
    td = time_degrees(t_sec, e_sec)
    nt = td.shape[1] - 1
    cols = np.empty((n, nt + 1), dtype=np.int64)
    cols[:, :nt] = td[:, :nt]
    cols[:, nt] = (n - 1) - td.sum(axis=1)
    del td
    return KnoxMoments(n, _range_sums(rows), _range_sums(cols)), row_counts

"""The pair machinery of the Knox test (:func:`geolage.stats.nearrepeat.knox`): row totals and band counts.

Three parts, all in bounded memory:

- :class:`_PairBands`: the pairs of events per distance band over all time differences (the row
  totals of the table): from dual-tree pair counts of a k-d tree when no pair can lie on a band
  edge within rounding (:func:`_counted_rows`), else found strip by strip; the pairs themselves
  are kept (sorted by band) while they fit in :data:`_CACHE_PAIRS`.
- :class:`_PairCounter`: band counts of the kept pairs for many permuted time vectors at once.
- :class:`_TimeCloseCounter`: band counts when the pairs are not kept, from the events sorted by
  space cell and time bin for each permutation: only the pairs closer in time than the last time
  edge are formed, a piece at a time.

Distance codes: 0..nd-1 the bands, nd below the first edge; time codes: 0..nt-1 the bands, nt at
or beyond the last edge (the open band), nt+1 below the first edge.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

#: Kept pairs: largest number of (vector, pair) time differences formed at once (about 16 bytes each).
_CHUNK_ELEMENTS = 4_000_000
#: Kept pairs: largest number of (vector, event) times held at once.
_PAIR_VECTORS = 16_000_000
#: Pairs kept between the passes (about 20 bytes each); beyond it the pairs close in time are found per pass.
_CACHE_PAIRS = 20_000_000
#: Pairs not kept: largest number of (vector, event) elements sorted at once (about 80 bytes each).
_PERM_ELEMENTS = 2_000_000
#: Pairs not kept: largest number of candidate pairs (close in time, neighbouring cells) formed at once (~120 bytes).
_CANDIDATES = 1_000_000
#: Fewer events than this: the pairs are found strip by strip without counting them first.
_FIND_BELOW = 5_000
#: About this many pairs per strip of events.
_STRIP_PAIRS = 2_000_000


def _band_index(values: np.ndarray, edges: np.ndarray, same_zero: bool) -> np.ndarray:
    """Band of each value for half-open bands [e_k, e_k+1); -1 outside. ``same_zero``: band 0 is [0, 0]."""
    idx = np.searchsorted(edges, values, side="right") - 1
    idx[(values >= edges[-1]) | (values < edges[0])] = -1
    if same_zero:
        idx = np.where(idx >= 0, idx + 1, -1)
        idx[values == 0] = 0
    return idx


def edge_seconds(t_edges: np.ndarray) -> np.ndarray:
    """Time band edges in whole seconds: for whole-second differences, dt < e  <=>  dt < ceil(e)."""
    return np.ceil(np.asarray(t_edges, dtype=float) * 86_400 - 1e-6).astype(np.int64)


class _PairBands:
    """The pairs of events per distance code over all time differences, found strip by strip.

    The events are cut into strips along x; the pairs of a strip are those inside it (k-d tree
    ``query_pairs``) and those with the events up to the largest distance to its right
    (``sparse_distance_matrix``), so every pair is found once and a strip holds a bounded number of
    pairs. Their count per distance code is kept (the row totals of the table), and the pairs
    themselves, sorted by distance code, while they fit in :data:`_CACHE_PAIRS`.

    Distance codes: 0..nd-1 the bands, nd below the first edge; time codes: 0..nt-1 the bands,
    nt at or beyond the last edge (the open band), nt+1 below the first edge.
    """

    def __init__(self, xy: np.ndarray | None, d_edges: np.ndarray, t_edges: np.ndarray, same_zero: bool,
                 row_counts: np.ndarray | None = None) -> None:
        self.d_edges, self.same_zero = d_edges, same_zero
        self.nd = len(d_edges) - 1 + (1 if same_zero else 0)
        self.nt = len(t_edges) - 1
        self.e_sec = edge_seconds(t_edges)
        self.row_counts = np.zeros(self.nd + 1, dtype=np.int64)
        self.cache: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
        if row_counts is not None:  # known (e.g. from per-event degrees): no pair is found or kept
            self.row_counts = np.asarray(row_counts, dtype=np.int64)
        else:
            counted = _counted_rows(xy, d_edges, same_zero, self.nd) if len(xy) > _FIND_BELOW else None
            if counted is not None and counted.sum() > _CACHE_PAIRS:  # too many to keep: no need to find them
                self.row_counts = counted
            else:
                self._find(xy)
        self.n_pairs = int(self.row_counts[: self.nd].sum())
        self.n_within = int(self.row_counts.sum())  # pairs closer than the last distance edge

    @classmethod
    def from_rows(cls, d_edges: np.ndarray, t_edges: np.ndarray, same_zero: bool, row_counts: np.ndarray) -> _PairBands:
        """Bands whose pairs per distance code are known (e.g. from per-event degrees): no pair is found or kept."""
        return cls(None, d_edges, t_edges, same_zero, row_counts=row_counts)

    def _find(self, xy: np.ndarray) -> None:
        """Find the pairs strip by strip: their row counts, and the pairs while they fit in the cache."""
        d_edges, same_zero = self.d_edges, self.same_zero
        r_query = float(d_edges[-1]) * (1 + 1e-9) + 1e-9  # the k-d tree's own rounding: filter after
        order = np.argsort(xy[:, 0], kind="stable")
        xs = xy[order, 0]
        strip = _strip_size(xy, r_query)
        n = len(xy)
        itype = np.int32 if n < 2**31 - 1 else np.int64
        cache: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = []
        for a in range(0, n, strip):
            b = min(n, a + strip)
            blk = order[a:b]
            tree = cKDTree(xy[blk])
            p = tree.query_pairs(r_query, output_type="ndarray")
            i_parts, j_parts = [blk[p[:, 0]]], [blk[p[:, 1]]]
            q = int(np.searchsorted(xs, xs[b - 1] + r_query, side="right"))
            if q > b:
                other = order[b:q]
                m = tree.sparse_distance_matrix(cKDTree(xy[other]), r_query, output_type="ndarray")
                i_parts.append(blk[m["i"]])
                j_parts.append(other[m["j"]])
            pi, pj = np.concatenate(i_parts).astype(itype), np.concatenate(j_parts).astype(itype)
            code = _distance_code(np.hypot(xy[pi, 0] - xy[pj, 0], xy[pi, 1] - xy[pj, 1]), d_edges, same_zero, self.nd)
            sizes = np.bincount(code[code >= 0], minlength=self.nd + 1)
            self.row_counts += sizes
            if cache is not None:
                srt = np.flatnonzero(code >= 0)
                srt = srt[np.argsort(code[srt], kind="stable")]
                cache.append((pi[srt], pj[srt], np.r_[0, np.cumsum(sizes)]))
                if sum(len(c[0]) for c in cache) > _CACHE_PAIRS:
                    cache = None
        self.cache = cache

    def row_totals(self, n_all: int) -> np.ndarray:
        """Pairs per distance row (all time differences): the bands, the open band, below the first edge."""
        return np.concatenate([self.row_counts[: self.nd], [n_all - self.n_within], self.row_counts[self.nd :]])


def _counted_rows(xy: np.ndarray, d_edges: np.ndarray, same_zero: bool, nd: int) -> np.ndarray | None:
    """Pairs per distance code from dual-tree pair counts (no pair formed), or None when rounding could matter.

    A pair is below an edge e when ``hypot(dx, dy) < e``. The k-d tree counts the pairs within
    e (1 - 1e-11) and within e (1 + 1e-11): when both counts agree no pair is near the edge and
    the first is exact. When they differ, the pairs between are on the edge itself if the
    coordinates are whole metres below 2**25 and the edge is whole (their squared distances are
    whole numbers, so within 2e-11 e² of e² means equal for e < 200 km); ``hypot`` gives exactly e
    for them (checked for every whole (dx, dy) at distance e), so they are not below it. Otherwise None.
    """
    n = len(xy)
    tree = cKDTree(xy)
    radii = np.concatenate([[0.0], d_edges * (1 - 1e-11), d_edges * (1 + 1e-11)])
    order = np.argsort(radii, kind="stable")
    within = np.empty(len(radii), dtype=np.int64)
    within[order] = (np.asarray(tree.count_neighbors(tree, radii[order]), dtype=np.int64) - n) // 2
    m = len(d_edges)
    lo, hi = within[1 : m + 1], within[m + 1 :]
    whole = bool(np.all(xy == np.round(xy)) and np.abs(xy).max() < 2**25)
    for e, a, b in zip(d_edges, lo, hi, strict=True):
        if a != b and not (whole and e == round(e) and e < 200_000 and _hypot_exact(int(e))):
            return None
    below = np.where(d_edges > 0, lo, 0)  # pairs closer than each edge
    rows = np.zeros(nd + 1, dtype=np.int64)
    if same_zero:  # band 0 is [0, 0], band 1 is (0, e1)
        rows[0] = within[0]
        rows[1] = below[1] - within[0]
        rows[2:nd] = np.diff(below[1:])
    else:
        rows[:nd] = np.diff(below)
        rows[nd] = below[0]
    return rows


def _hypot_exact(e: int) -> bool:
    """Whether ``np.hypot`` gives exactly e for every whole (dx, dy) with dx² + dy² = e²."""
    dx = np.arange(e + 1, dtype=np.int64)
    dy = np.round(np.sqrt((e * e - dx * dx).astype(float))).astype(np.int64)
    on = dx * dx + dy * dy == e * e
    return bool(np.all(np.hypot(dx[on].astype(float), dy[on].astype(float)) == e))


def _distance_code(d: np.ndarray, d_edges: np.ndarray, same_zero: bool, nd: int) -> np.ndarray:
    """Distance code of each distance: 0..nd-1 the bands, nd below the first edge, -1 at or beyond the last edge."""
    code = _band_index(d, d_edges, same_zero)
    code[d < d_edges[0]] = nd
    code[d >= d_edges[-1]] = -1
    return code


class _PairCounter:
    """Band counts of the kept pairs for many time vectors at once (when the pairs fit in :data:`_CACHE_PAIRS`).

    The times are held event by vector (n, k), so a pair's times for all k vectors are next to each
    other in memory; per distance code and piece of pairs the absolute time differences are formed,
    those under the last time edge (a few per cent) picked out and counted with one ``bincount``.
    """

    def __init__(self, pairs: _PairBands, n: int) -> None:
        self.pairs = pairs
        self.max_vectors = max(1, min(256, _PAIR_VECTORS // max(n, 1)))

    def counts(self, tt: np.ndarray) -> np.ndarray:
        """Band counts (k, nd + 1, nt + 2) for the time vectors tt (whole seconds, (k, n))."""
        pairs = self.pairs
        k, nd, nt, e_max = tt.shape[0], pairs.nd, pairs.nt, pairs.e_sec[-1]
        tt_t = np.ascontiguousarray(tt.T)
        hist = np.zeros(k * (nd + 1) * (nt + 2), dtype=np.int64)
        step = max(1, _CHUNK_ELEMENTS // k)
        for pi, pj, bounds in pairs.cache or []:
            for c in range(nd + 1):
                for s in range(int(bounds[c]), int(bounds[c + 1]), step):
                    e_ = min(s + step, int(bounds[c + 1]))
                    dt = tt_t[pi[s:e_]]
                    dt -= tt_t[pj[s:e_]]
                    np.abs(dt, out=dt)
                    close = np.flatnonzero(dt < e_max)  # flat over (pair, vector)
                    t_code = np.searchsorted(pairs.e_sec, dt.ravel()[close], side="right") - 1
                    t_code[t_code < 0] = nt + 1
                    hist += np.bincount(((close % k) * (nd + 1) + c) * (nt + 2) + t_code, minlength=hist.size)
        out = hist.reshape(k, nd + 1, nt + 2)
        out[:, :, nt] = pairs.row_counts[None, :] - out.sum(axis=2)
        return out


class _TimeCloseCounter:
    """Band counts of the pairs closer in time than the last time edge, for many time vectors at once.

    The events sit in square cells as wide as the last distance edge, so a pair within that
    distance lies in one cell or in two neighbouring cells. For a set of time vectors (the
    permutations) the events are sorted once by (vector, cell, time bin), the bins half the last
    time edge wide, and a table gives the first position of every (vector, cell, bin). The
    partners of an event closer in time than the last time edge are then in a few consecutive
    bins: of its own cell after its own position, and of four of its eight neighbouring cells
    (the other four find it); two table look-ups per cell, no search. Only these candidates are
    formed, in pieces of at most :data:`_CANDIDATES`, filtered by time and distance and counted
    with one ``bincount``: no pair is held beyond a piece, and a permutation costs the pairs close
    in time (a few per cent of the pairs close in space) instead of every pair close in space.
    """

    def __init__(self, xy: np.ndarray, pairs: _PairBands, t_max: int) -> None:
        self.pairs = pairs
        self.x, self.y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
        self.e_max = int(pairs.e_sec[-1])
        self.span = int(t_max) + 2 * self.e_max + 1  # time + e_max in [e_max, span - e_max): windows stay in a cell
        size = float(pairs.d_edges[-1])
        ix = np.floor((xy[:, 0] - xy[:, 0].min()) / size).astype(np.int64)
        iy = np.floor((xy[:, 1] - xy[:, 1].min()) / size).astype(np.int64)
        ny = int(iy.max()) + 3
        occupied, self.cell = np.unique((ix + 1) * ny + iy + 1, return_inverse=True)
        self.n_cells = len(occupied)
        self.neighbours = []
        for dx, dy in ((1, -1), (1, 0), (1, 1), (0, 1)):
            g = occupied + dx * ny + dy
            pos = np.minimum(np.searchsorted(occupied, g), self.n_cells - 1)
            self.neighbours.append(np.where(occupied[pos] == g, pos, -1))
        # time bins of half the last time edge (coarser when the cells are sparse: the slot table stays ~4n)
        n = len(xy)
        self.bin_width = max(1, self.e_max // 2, -(-self.span * self.n_cells // (4 * n + 1024)))
        self.n_bins = self.span // self.bin_width + 2
        self.max_vectors = max(1, min(256, _PERM_ELEMENTS // (n + self.n_cells * self.n_bins)))

    def counts(self, tt: np.ndarray) -> np.ndarray:
        """Band counts (k, nd + 1, nt + 2) for the time vectors tt (whole seconds, (k, n)).

        The open time column is filled from the row counts of the pairs (a permutation keeps them).
        """
        k, n = tt.shape
        nd, nt, n_bins, e_max = self.pairs.nd, self.pairs.nt, self.n_bins, self.e_max
        tau = tt.astype(np.int64) + e_max  # in [e_max, span - e_max): the time windows stay in their cell
        slot = ((np.arange(k, dtype=np.int64)[:, None] * self.n_cells + self.cell[None, :]) * n_bins
                + tau // self.bin_width).ravel()  # (vector, cell, time bin)
        order = np.argsort(slot, kind="stable")
        slot = slot[order]
        start = np.zeros(k * self.n_cells * n_bins + 1, dtype=np.int64)  # first sorted position of each slot
        np.cumsum(np.bincount(slot, minlength=len(start) - 1), out=start[1:])
        event, vec, tau = order % n, order // n, tau.ravel()[order]
        del order
        group = slot // n_bins  # vector * cells + cell
        bin_lo, bin_hi = (tau - e_max + 1) // self.bin_width, (tau + e_max - 1) // self.bin_width + 1
        sorted_ = (event, vec.astype(np.int16 if k < 2**15 else np.int64), tau)
        hist = np.zeros(k * (nd + 1) * (nt + 2), dtype=np.int64)
        # own cell: the later positions up to the last time bin (each pair once, from its first position)
        self._add(hist, sorted_, np.arange(1, k * n + 1), start[group * n_bins + bin_hi])
        cell = self.cell[event]
        for nbr in self.neighbours:
            other = nbr[cell]
            at = np.flatnonzero(other >= 0)
            first = (group[at] + other[at] - cell[at]) * n_bins  # the neighbour cell's slots, same vector
            lo, hi = np.zeros(k * n, dtype=np.int64), np.zeros(k * n, dtype=np.int64)
            lo[at], hi[at] = start[first + bin_lo[at]], start[first + bin_hi[at]]
            self._add(hist, sorted_, lo, hi)
        out = hist.reshape(k, nd + 1, nt + 2)
        out[:, :, nt] = self.pairs.row_counts[None, :] - out.sum(axis=2)
        return out

    def _add(self, hist: np.ndarray, sorted_: tuple[np.ndarray, np.ndarray, np.ndarray], lo: np.ndarray,
             hi: np.ndarray) -> None:
        """Count the candidates (s, lo[s]..hi[s]-1) of every sorted position s into hist, in bounded pieces."""
        width = np.maximum(hi - lo, 0)
        rows = np.flatnonzero(width)
        if rows.size == 0:
            return
        ends = np.cumsum(width[rows])
        start = 0
        while start < rows.size:
            done = int(ends[start - 1]) if start else 0
            stop = max(start + 1, int(np.searchsorted(ends, done + _CANDIDATES, side="right")))
            self._count_piece(hist, sorted_, rows[start:stop], lo, width)
            start = stop

    def _count_piece(self, hist: np.ndarray, sorted_: tuple[np.ndarray, np.ndarray, np.ndarray], rows: np.ndarray,
                     lo: np.ndarray, width: np.ndarray) -> None:
        """Distance and time codes of the candidates of the sorted positions ``rows``, added to hist.

        ``sorted_`` holds, per sorted position, the event, its time vector and its time.
        """
        pairs, (event, vec, tau) = self.pairs, sorted_
        w = width[rows]
        a = np.repeat(rows, w)
        b = np.arange(a.size, dtype=np.int64) + np.repeat(lo[rows] - (np.cumsum(w) - w), w)
        dt = np.abs(tau[a] - tau[b])
        close = np.flatnonzero(dt < self.e_max)  # the time bins hold a little more than the window
        a, b, dt = a[close], b[close], dt[close]
        i, j = event[a], event[b]
        d = np.hypot(self.x[i] - self.x[j], self.y[i] - self.y[j])
        near = np.flatnonzero(d < pairs.d_edges[-1])
        a, d, dt = a[near], d[near], dt[near]
        d_code = _distance_code(d, pairs.d_edges, pairs.same_zero, pairs.nd)
        t_code = np.searchsorted(pairs.e_sec, dt, side="right") - 1  # dt < e_max: no open band
        t_code[t_code < 0] = pairs.nt + 1
        code = (vec[a] * (pairs.nd + 1) + d_code) * (pairs.nt + 2) + t_code
        hist += np.bincount(code, minlength=hist.size)


def _strip_size(xy: np.ndarray, r: float) -> int:
    """Events per strip so that a strip holds about :data:`_STRIP_PAIRS` pairs (from a sample's neighbour count)."""
    n = len(xy)
    if n <= 2_000:
        return max(n, 1)
    tree = cKDTree(xy)
    sample = xy[np.linspace(0, n - 1, 500).astype(int)]
    k = float(np.mean(tree.query_ball_point(sample, r, return_length=True))) if r > 0 else 1.0
    return int(np.clip(_STRIP_PAIRS / max(k, 1.0), 256, n))

"""Expected utility model (EUM) of Bueno de Mesquita, as formalised by Scholz et al. (2011).

Bueno de Mesquita, B. (1994). "Political forecasting: an expected utility method." In
Bueno de Mesquita & Stokman (eds.), *European Community Decision Making*, Yale UP.
Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011). "Unravelling Bueno De Mesquita's group
decision model." *Journal of Theoretical Politics* 23(4), 510-531.

Actors ``i`` have capability ``c_i``, position ``x_i``, salience ``s_i`` in [0, 1] and a risk
exponent ``r_i`` in [0.5, 2]. ``D`` is the issue range and ``d_ij = |x_i - x_j| / D``:
``eum_step`` takes D = hi - lo, the dimension's declared range, which Scholz's code keeps
fixed at the initial range (dividing by the current spread of the actors at the table
would make two close actors maximally distant). All utilities are reckoned from the
viewpoint of one actor ``v`` with *its* exponent ``r_v``::

    U_s  = 2 - 4 (1/2 - d_ij/2)^r_v              U_f  = 2 - 4 (1/2 + d_ij/2)^r_v
    U_b  = 2 - 4 (1/2 - (|x_i - mu|/D + d_ij)/4)^r_v,  U_w the same with +
    U_sq = 2 - 4 (1/2)^r_v
    E(U_ij) = s_j [P_ij U_s + (1 - P_ij) U_f] + (1 - s_j) U_s
              - Q U_sq - (1 - Q) [T U_b + (1 - T) U_w]

``mu`` is the Condorcet median; the published example uses ``Q = 1`` so ``T`` and ``mu``
drop out. Actor ``k``'s votes for position ``a`` over ``b`` are
``c_k s_k ((|x_k - b|/D)^r_k - (|x_k - a|/D)^r_k)``. Two details matter for reproducing
the published EC trajectory (Scholz et al. 2011, fig. 2; checked against Scholz's code as
transcribed by the public replication jmckib/bdm-scholz-expected-utility-model):

* the distances inside the votes are divided by ``D`` *before* raising to ``r_k``. Without
  the division the trajectory departs from round 9 (weighted mean 7.60 instead of 7.3);
* ``P_ij`` is the sum of the positive votes for ``x_i`` over ``x_j`` divided by the sum of
  the absolute votes of every actor over *every ordered pair of actors' positions*
  (``normaliser="scholz"``). The per-pair normaliser printed in the paper
  (``normaliser="paper"``, so that ``P_ij + P_ji = 1``) does not reproduce it.

Each round: compute all ``E`` with ``r = 1``; the danger of ``i`` is ``D_i = sum_{j != i}
E(U_ji)``; ``R_i = (2 D_i - max D - min D) / (max D - min D)`` and ``r_i = (1 - R_i/3) /
(1 + R_i/3)``; recompute with these ``r``. Then actor ``i`` classifies each ``j`` by
``a = E^i(U_ij)`` and ``b = E^i(U_ji)`` -- both from *i's* viewpoint (its ``r_i``; ``P`` is
common to all viewpoints because it uses each voter's own exponent):

* ``b > a > 0``: conflict that ``i`` loses, offer ``x_j``;
* ``b > 0 > a``, ``b > |a|``: compromise, offer ``x_i + (x_j - x_i) |a / b|``;
* ``b > 0 > a``, ``b < |a|``: capitulation, offer ``x_j``.

``i`` takes a conflict offer if it has one, else a compromise, else a capitulation. Among
conflicts or capitulations it takes the one that moves it least. Among compromises it takes,
as in Scholz's code, the one minimising ``(|a| x_i + |b| x_j) / (|a| + |b|)``
(``compromise_rule="scholz"``): that is what reproduces the published trajectory, whereas
the smallest move that the paper's text describes (``compromise_rule="smallest_move"``)
departs from round 4 (mean 7.60 instead of 7.36). Note that Scholz's key is not
reflection-invariant: it favours compromises towards lower positions. Remaining exact ties
go to the proposer with the larger ``b``, then to the lower position, so the result does not
depend on the order of the actors. All actors move simultaneously.

The replication cited above tests capitulation as ``b < |b|``, which never holds, so in it
nobody ever capitulates. Here capitulation is implemented as stated; in the EC example it
makes no difference (every actor with a capitulation offer also has a conflict or
compromise offer, which take priority). ``capitulation=False`` reproduces the quirk.

Positions of shape ``(n, d)`` (with salience ``(n, d)`` or ``(n,)``) are treated as ``d``
independent issues: the 1-D model is applied column by column.

Cost: ``P`` needs ``sum_k w_k max(A_kj - A_ki, 0)`` for every ordered pair, ``A_km =
(|x_k - x_m|/D)^r_k``. Because ``r_k > 0``, the sign of ``A_kj - A_ki`` depends only on
which of ``x_i``, ``x_j`` is nearer to ``x_k``, i.e. on which side of the midpoint
``(x_i + x_j)/2`` actor ``k`` sits. With actors sorted by position and prefix sums of
``w_k A_km`` the sum is a handful of look-ups per pair, so a round costs O(n^2 log n) time
and O(n^2) memory instead of the O(n^3) of a direct sum (O(n^5) for a naive transcription).
Above about 2,600 actors the pairwise arrays are built in blocks of rows (:class:`_Votes`),
so that memory stays O(n * block) at the price of recomputing prefix sums (O(n^3 / block)
time); every entry and every row sum is computed the same way whatever the block, so the
result is identical.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from model.mechanisms import memory
from model.mechanisms.scale import issue_span

Array = NDArray[np.float64]
Normaliser = Literal["scholz", "paper"]
CompromiseRule = Literal["scholz", "smallest_move"]

__all__ = [
    "risk_exponents",
    "expected_utilities",
    "eum_round",
    "eum_step",
    "condorcet_median",
    "weighted_mean",
]


# ---------------------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------------------


def _prepare(c: ArrayLike, x: ArrayLike, s: ArrayLike) -> tuple[Array, Array, Array]:
    """Float copies with ``x`` and ``s`` as (n, d) and ``c`` as (n,); validates shapes."""
    x2 = np.array(x, dtype=float)
    if x2.ndim not in (1, 2):
        raise ValueError(f"positions must have shape (n,) or (n, d), got {x2.shape}")
    if x2.ndim == 1:
        x2 = x2[:, None]
    n = x2.shape[0]
    c1 = np.array(c, dtype=float)
    if c1.shape != (n,):
        raise ValueError(f"capability must have shape ({n},), got {c1.shape}")
    s2 = np.array(s, dtype=float)
    if s2.ndim == 1 and s2.shape == (n,):
        s2 = np.repeat(s2[:, None], x2.shape[1], axis=1)
    if s2.shape != x2.shape:
        raise ValueError(f"salience must have shape ({n},) or {x2.shape}, got {s2.shape}")
    if not (np.all(np.isfinite(x2)) and np.all(np.isfinite(c1)) and np.all(np.isfinite(s2))):
        raise ValueError("capability, position and salience must be finite")
    return c1, x2, s2


def _span(x: Array, span: float | None) -> float:
    """Issue range D; 1 when all positions coincide (every distance is then 0 anyway).

    A given ``span`` must cover the positions' spread, else distances would exceed 1.
    """
    spread = float(x.max() - x.min()) if x.size else 0.0
    if span is None:
        return spread if spread > 0 else 1.0
    d = float(span)
    if not d > 0:
        raise ValueError(f"span must be positive, got {span}")
    if spread > d * (1 + 1e-9):
        raise ValueError(f"positions spread over {spread:g}, wider than the span {d:g}")
    return d


# ---------------------------------------------------------------------------------------
# 1-D kernels (x, s, r of shape (n,))
# ---------------------------------------------------------------------------------------


class _Votes:
    """The actors sorted by position, and tiles of the vote sums ``G`` and ``S`` over them.

    ``A_km = (|x_k - x_m| / span)^r_k`` and ``w_k (A_kj - A_ki)`` are k's votes for ``x_i``
    over ``x_j``. ``A_kj > A_ki`` exactly when ``x_k`` lies on ``x_i``'s side of the midpoint
    ``m_ij``, so with the actors sorted by position and column prefix sums ``C[p, m]`` of
    ``w_k A_km`` over the first ``p`` actors, each entry is a few look-ups: O(n^2 log n)
    time. A tile of rows ``I`` and columns ``J`` needs only the prefix sums of its own
    columns, (n + 1) x (|I| + |J|): memory O(n * block). Every entry is computed by the same
    element-wise operations whatever the tile, so tiled and whole results are identical.
    """

    def __init__(self, x: Array, w: Array, r: Array, span: float) -> None:
        self.order = np.argsort(x, kind="stable")
        self.rank = np.argsort(self.order)  # the sorted position of each actor
        self.xs, self.ws, self.rs = x[self.order], w[self.order], r[self.order]
        self.span = span
        self._whole: tuple[Array, Array] | None = None
        self.linear = bool(np.all(self.rs == 1.0))

    def prefix(self, cols: Array) -> Array:
        """``C[:, cols]`` for actors ``cols`` (original indices): shape (n + 1, len(cols))."""
        pc = self.rank[cols]
        a = np.abs(self.xs[:, None] - self.xs[None, pc]) / self.span
        if not self.linear:  # a**1.0 is a itself: skip the power when every r is 1
            a **= self.rs[:, None]
        cum = np.zeros((self.xs.shape[0] + 1, len(pc)))
        np.cumsum(self.ws[:, None] * a, axis=0, out=cum[1:])
        return cum

    def tile(self, rows: Array, cols: Array, cum_rows: Array, cum_cols: Array
             ) -> tuple[Array, Array]:
        """``G[rows][:, cols]`` and ``S[rows][:, cols]`` (original indices)."""
        n = self.xs.shape[0]
        xi, xj = self.xs[self.rank[rows]], self.xs[self.rank[cols]]
        total_i, total_j = cum_rows[n], cum_cols[n]  # sum_k w_k A_km (the linear part)
        mid = 0.5 * (xi[:, None] + xj[None, :])
        below = np.searchsorted(self.xs, mid, side="left")  # actors with x_k < m_ij
        upto = np.searchsorted(self.xs, mid, side="right")  # actors with x_k <= m_ij
        ci, cj = np.arange(len(rows))[:, None], np.arange(len(cols))[None, :]
        low_j, low_i = cum_cols[below, cj], cum_rows[below, ci]
        high_j = total_j[None, :] - cum_cols[upto, cj]
        high_i = total_i[:, None] - cum_rows[upto, ci]
        side = np.sign(xj[None, :] - xi[:, None])
        big = np.maximum(side * ((low_j - low_i) - (high_j - high_i)), 0.0)
        gain = np.clip(0.5 * (big + total_j[None, :] - total_i[:, None]), 0.0, big)
        return gain, big

    def rows(self, rows: Array, block: int, transposed: bool = False,
             cum_rows: Array | None = None) -> tuple[Array, Array]:
        """``G[rows, :]`` and ``S[rows, :]`` (or, ``transposed``, ``G[:, rows].T`` and
        ``S[:, rows].T``), built from column tiles of at most ``block`` actors."""
        n = self.xs.shape[0]
        if len(rows) == n and block >= n:  # the whole matrix: computed once, then reused
            if self._whole is None:
                every = np.arange(n)
                cum = self.prefix(every)
                self._whole = self.tile(every, every, cum, cum)
            gain, big = self._whole
            if transposed:
                return np.ascontiguousarray(gain.T), np.ascontiguousarray(big.T)
            return gain, big
        cum_rows = self.prefix(rows) if cum_rows is None else cum_rows
        gain = np.empty((len(rows), n))
        big = np.empty((len(rows), n))
        for start in range(0, n, block):
            cols = np.arange(start, min(start + block, n))
            cum_cols = cum_rows if (len(cols) == len(rows) and np.array_equal(cols, rows)) \
                else self.prefix(cols)
            if transposed:
                g, b = self.tile(cols, rows, cum_cols, cum_rows)
                gain[:, cols], big[:, cols] = g.T, b.T
            else:
                g, b = self.tile(rows, cols, cum_rows, cum_cols)
                gain[:, cols], big[:, cols] = g, b
        return gain, big


    def both(self, rows: Array, block: int) -> tuple[Array, Array, Array, Array]:
        """:meth:`rows` and its ``transposed`` form at once: each column tile's prefix sums
        serve both (the same entries, computed once fewer)."""
        n = self.xs.shape[0]
        if len(rows) == n and block >= n:
            return (*self.rows(rows, block), *self.rows(rows, block, transposed=True))
        cum_rows = self.prefix(rows)
        out = [np.empty((len(rows), n)) for _ in range(4)]
        for start in range(0, n, block):
            cols = np.arange(start, min(start + block, n))
            cum_cols = cum_rows if (len(cols) == len(rows) and np.array_equal(cols, rows)) \
                else self.prefix(cols)
            out[0][:, cols], out[1][:, cols] = self.tile(rows, cols, cum_rows, cum_cols)
            g, b = self.tile(cols, rows, cum_cols, cum_rows)
            out[2][:, cols], out[3][:, cols] = g.T, b.T
        return out[0], out[1], out[2], out[3]


def _vote_sums(x: Array, w: Array, r: Array, span: float) -> tuple[Array, Array]:
    """``G[i, j] = sum_k w_k max(A_kj - A_ki, 0)`` and ``S[i, j] = sum_k w_k |A_kj - A_ki|``
    for every pair (see :class:`_Votes`)."""
    votes = _Votes(x, w, r, span)
    every = np.arange(x.shape[0])
    return votes.rows(every, x.shape[0])


def _normaliser_total(votes: _Votes, n: int, block: int, normaliser: Normaliser) -> float:
    """Scholz's normaliser: the sum of every actor's absolute votes over every ordered pair,
    summed row by row (the same sums whatever the block)."""
    if normaliser == "paper":
        return 0.0
    if normaliser != "scholz":
        raise ValueError(f"normaliser must be 'scholz' or 'paper', got {normaliser!r}")
    sums = np.empty(n)
    for start in range(0, n, block):
        rows = np.arange(start, min(start + block, n))
        sums[rows] = votes.rows(rows, block)[1].sum(axis=1)
    return float(sums.sum())


def _p(gain: Array, big: Array, total: float, normaliser: Normaliser) -> Array:
    if normaliser == "scholz":
        return gain / total if total > 0 else np.zeros_like(gain)
    return np.divide(gain, big, out=np.zeros_like(gain), where=big > 0)


def _probabilities(
    x: Array, c: Array, s: Array, r: Array, span: float, normaliser: Normaliser
) -> Array:
    """``P[i, j]``: probability that ``x_i`` prevails over ``x_j`` (0 when they coincide)."""
    n = x.shape[0]
    votes = _Votes(x, c * s, r, span)
    total = _normaliser_total(votes, n, n, normaliser)
    gain, big = votes.rows(np.arange(n), n)
    return _p(gain, big, total, normaliser)


def _expected(
    p: Array,
    s_target: Array,
    dist: Array,
    dmu: Array | float,
    rv: Array | float,
    q: float,
    t: float,
) -> Array:
    """E(U) of a challenge, from the broadcast pieces (see the module docstring)."""
    us = 2.0 - 4.0 * (0.5 - 0.5 * dist) ** rv
    uf = 2.0 - 4.0 * (0.5 + 0.5 * dist) ** rv
    usq = 2.0 - 4.0 * 0.5**rv
    e = s_target * (p * us + (1.0 - p) * uf) + (1.0 - s_target) * us - q * usq
    if q != 1.0:
        shift = 0.25 * (dmu + dist)
        ub = 2.0 - 4.0 * np.maximum(0.5 - shift, 0.0) ** rv
        uw = 2.0 - 4.0 * (0.5 + shift) ** rv
        e = e - (1.0 - q) * (t * ub + (1.0 - t) * uw)
    return e


def _geometry(c: Array, x: Array, s: Array, q: float, span: float | None):
    """Normalised distances (n, n), normalised distances to the median (n,), and D."""
    d = _span(x, span)
    dist = np.abs(x[:, None] - x[None, :]) / d
    dmu = np.abs(x - _median_1d(c, x, s)) / d if q != 1.0 else np.zeros_like(x)
    return dist, dmu, d


def _eu_matrix(c, x, s, r, q, t, span, normaliser) -> Array:
    dist, dmu, d = _geometry(c, x, s, q, span)
    p = _probabilities(x, c, s, r, d, normaliser)
    return _expected(p, s[None, :], dist, dmu[:, None], r[:, None], q, t)


def _blocks(n: int, block: int):
    for start in range(0, n, block):
        yield np.arange(start, min(start + block, n))


def _median_distance(c, x, s, q, d) -> Array:
    return np.abs(x - _median_1d(c, x, s)) / d if q != 1.0 else np.zeros_like(x)


def _risk_1d(c, x, s, q, t, span, normaliser, block: int | None = None) -> Array:
    """Risk exponents from the danger ``D_i = sum_{j != i} E(U_ji)`` under r = 1, computed
    ``block`` rows at a time (every row's sum is the same whatever the block)."""
    n = x.shape[0]
    block = n if block is None else block
    order = np.argsort(x, kind="stable")  # position order, as in _round_1d
    if not np.array_equal(order, np.arange(n)):
        out = np.empty(n)
        out[order] = _risk_1d(c[order], x[order], s[order], q, t, span, normaliser, block)
        return out
    d = _span(x, span)
    dmu = _median_distance(c, x, s, q, d)
    ones = np.ones(n)
    votes = _Votes(x, c * s, ones, d)
    total = _normaliser_total(votes, n, block, normaliser)
    danger = np.empty(n)
    for rows in _blocks(n, block):
        g_t, big_t = votes.rows(rows, block, transposed=True)  # [i, j] = G[j, i]
        dist = np.abs(x[rows, None] - x[None, :]) / d
        e1_t = _expected(_p(g_t, big_t, total, normaliser), s[rows, None], dist,
                         dmu[None, :], ones[None, :], q, t)  # [i, j] = E^j(U_ji)
        danger[rows] = e1_t.sum(axis=1) - e1_t[np.arange(len(rows)), rows]
    hi, lo = danger.max(), danger.min()
    if not hi > lo:
        return np.ones(n)
    big_r = (2.0 * danger - hi - lo) / (hi - lo)
    return np.clip((1.0 - big_r / 3.0) / (1.0 + big_r / 3.0), 0.5, 2.0)


def _pick(key: Array, mask: Array, b: Array, pos: Array) -> tuple[Array, Array]:
    """Per row, the offer in ``mask`` with the smallest key (ties: larger b, then lower pos)."""
    k = np.where(mask, key, np.inf)
    cand = mask & (k == k.min(axis=1, keepdims=True))
    bb = np.where(cand, b, -np.inf)
    cand &= bb == bb.max(axis=1, keepdims=True)
    return mask.any(axis=1), np.where(cand, pos, np.inf).min(axis=1)


def _round_1d(c, x, s, q, t, span, normaliser, compromise_rule, capitulation,
              block: int | None = None) -> Array:
    n = x.shape[0]
    if n < 2 or x.max() == x.min():
        return x.copy()
    if compromise_rule not in ("scholz", "smallest_move"):
        raise ValueError(
            f"compromise_rule must be 'scholz' or 'smallest_move', got {compromise_rule!r}"
        )
    # in position order: each row's midpoints ascend, which keeps the searches fast; the
    # rules do not depend on the actors' order, and the result goes back to theirs
    order = np.argsort(x, kind="stable")
    out = np.empty(n)
    out[order] = _round_sorted(c[order], x[order], s[order], q, t, span, normaliser,
                               compromise_rule, capitulation, n if block is None else block)
    return out


def _round_sorted(c, x, s, q, t, span, normaliser, compromise_rule, capitulation,
                  block: int) -> Array:
    n = x.shape[0]
    r = _risk_1d(c, x, s, q, t, span, normaliser, block)
    d = _span(x, span)
    dmu = _median_distance(c, x, s, q, d)
    votes = _Votes(x, c * s, r, d)
    total = _normaliser_total(votes, n, block, normaliser)
    out = np.empty(n)
    for rows in _blocks(n, block):
        gain, big, gain_t, big_t = votes.both(rows, block)
        p = _p(gain, big, total, normaliser)
        p_t = _p(gain_t, big_t, total, normaliser)
        out[rows] = _choose(x, s, r, dmu, d, rows, p, p_t, q, t, compromise_rule, capitulation)
    return out


def _choose(x, s, r, dmu, d, rows, p, p_t, q, t, compromise_rule, capitulation) -> Array:
    """The new positions of actors ``rows`` from their rows of P and P^T."""
    n, m = x.shape[0], len(rows)
    dist = np.abs(x[rows, None] - x[None, :]) / d
    rv = r[rows, None]
    a = _expected(p, s[None, :], dist, dmu[rows, None], rv, q, t)  # E^i(U_ij)
    b = _expected(p_t, s[rows, None], dist, dmu[None, :], rv, q, t)  # E^i(U_ji)
    xi, xj = np.broadcast_to(x[rows, None], (m, n)), np.broadcast_to(x[None, :], (m, n))
    valid = xi != xj
    move = np.abs(xj - xi)
    conflict = valid & (b > a) & (a > 0)
    comp = valid & (b > 0) & (a < 0) & (b > -a)
    cap = valid & (b > 0) & (a < 0) & (b < -a) & capitulation
    ratio = np.abs(np.divide(a, b, out=np.zeros_like(a), where=comp))
    comp_pos = xi + (xj - xi) * ratio
    if compromise_rule == "scholz":
        aa, bb = np.abs(a), np.abs(b)
        denom = np.where(comp, aa + bb, 1.0)
        comp_key = (aa * xi + bb * xj) / denom
    else:
        comp_key = np.abs(comp_pos - xi)
    has_conf, pos_conf = _pick(move, conflict, b, xj)
    has_comp, pos_comp = _pick(comp_key, comp, b, comp_pos)
    has_cap, pos_cap = _pick(move, cap, b, xj)
    return np.select([has_conf, has_comp, has_cap], [pos_conf, pos_comp, pos_cap],
                     default=x[rows])


def _median_1d(c: Array, x: Array, s: Array) -> float:
    """Condorcet winner among the actors' positions under r = 1 votes (see condorcet_median)."""
    w = c * s
    u = np.unique(x)
    # sum_k w_k |x_k - u|; votes for a over b are F(b) - F(a)
    f = np.abs(x[:, None] - u[None, :]).T @ w
    net = f[None, :] - f[:, None]
    tol = 1e-12 * max(float(np.abs(f).max()), 1e-300)
    wins = (net > tol).sum(axis=1)
    return float(u[np.argmax(wins)])  # first maximum = lowest position on ties


def _per_column(fn, c: Array, x: Array, s: Array, squeeze: bool, span=None):
    """``fn(c, x_k, s_k, span_k)`` for every column k; ``span`` None, a scalar or (d,)."""
    spans = [None] * x.shape[1] if span is None else np.broadcast_to(
        np.asarray(span, dtype=float), (x.shape[1],)).tolist()
    out = np.stack([fn(c, x[:, k], s[:, k], spans[k]) for k in range(x.shape[1])], axis=-1)
    return out[..., 0] if squeeze else out


# ---------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------


def risk_exponents(
    c: ArrayLike,
    x: ArrayLike,
    s: ArrayLike,
    *,
    q: float = 1.0,
    t: float = 1.0,
    span: float | ArrayLike | None = None,
    normaliser: Normaliser = "scholz",
) -> Array:
    """Risk exponents r_i in [0.5, 2] from the danger each actor faces under r = 1.

    Bueno de Mesquita (1994); Scholz et al. (2011), eqs. for R_i and r_i. All 1 when every
    actor faces the same danger. Shape (n,) or, for (n, d) positions, (n, d).
    """
    c1, x2, s2 = _prepare(c, x, s)
    return _per_column(
        lambda cc, xx, ss, sp: _risk_1d(cc, xx, ss, q, t, sp, normaliser),
        c1,
        x2,
        s2,
        np.ndim(x) == 1,
        span,
    )


def expected_utilities(
    c: ArrayLike,
    x: ArrayLike,
    s: ArrayLike,
    r: ArrayLike,
    *,
    q: float = 1.0,
    t: float = 1.0,
    span: float | ArrayLike | None = None,
    normaliser: Normaliser = "scholz",
) -> Array:
    """``E[i, j] = E^i(U_ij)``: i's expected utility of challenging j, with i's exponent r_i.

    Scholz et al. (2011). ``E^i(U_ji)`` (j challenging i, reckoned by i) is not this
    matrix's transpose, which is reckoned by j. Shape (n, n), or (n, n, d) for (n, d) input.
    """
    c1, x2, s2 = _prepare(c, x, s)
    r2 = np.array(r, dtype=float)
    if r2.ndim == 1:
        r2 = np.repeat(r2[:, None], x2.shape[1], axis=1)
    if r2.shape != x2.shape:
        raise ValueError(f"r must have the shape of the positions, got {r2.shape}")
    spans = [None] * x2.shape[1] if span is None else np.broadcast_to(
        np.asarray(span, dtype=float), (x2.shape[1],)).tolist()
    cols = [
        _eu_matrix(c1, x2[:, k], s2[:, k], r2[:, k], q, t, spans[k], normaliser)
        for k in range(x2.shape[1])
    ]
    out = np.stack(cols, axis=-1)
    return out[..., 0] if np.ndim(x) == 1 else out


def eum_round(
    c: ArrayLike,
    x: ArrayLike,
    s: ArrayLike,
    *,
    q: float = 1.0,
    t: float = 1.0,
    span: float | ArrayLike | None = None,
    normaliser: Normaliser = "scholz",
    compromise_rule: CompromiseRule = "scholz",
    capitulation: bool = True,
    block: int | None = None,
) -> Array:
    """One simultaneous EUM round (Bueno de Mesquita 1994; Scholz et al. 2011): new positions.

    ``span`` fixes the issue range D (a scalar, or (d,) for (n, d) positions). The default,
    the current max(x) - min(x), is right only for a table's first round: Scholz's code
    keeps the initial range, and :func:`eum_step` passes the declared ``hi - lo``.
    ``normaliser``, ``compromise_rule`` and ``capitulation`` select the variants discussed
    in the module docstring; the defaults reproduce the published EC example. Inputs are
    not modified. (n, d) positions: columns are independent issues.

    ``block``: rows of the pairwise arrays computed at a time (default: all of them while
    they fit in :data:`model.mechanisms.memory.DENSE_BYTES`, else blocks that do); any
    block gives the same result. A table whose arrays would exceed the memory limit is
    refused before anything is allocated (:func:`model.mechanisms.memory.require`).
    """
    c1, x2, s2 = _prepare(c, x, s)
    n = x2.shape[0]
    block = memory.eum_block(n) if block is None else int(block)
    if block < 1:
        raise ValueError(f"block must be at least 1, got {block}")
    memory.require("eum", n, block=block)
    return _per_column(
        lambda cc, xx, ss, sp: _round_1d(cc, xx, ss, q, t, sp, normaliser, compromise_rule,
                                         capitulation, block),
        c1,
        x2,
        s2,
        np.ndim(x) == 1,
        span,
    )


def eum_step(
    x: ArrayLike,
    c: ArrayLike,
    s: ArrayLike,
    rng: np.random.Generator | None = None,
    *,
    lo: ArrayLike,
    hi: ArrayLike,
    q: float = 1.0,
    t: float = 1.0,
    normaliser: Normaliser = "scholz",
    compromise_rule: CompromiseRule = "scholz",
    capitulation: bool = True,
    block: int | None = None,
) -> Array:
    """One EUM round on the issue's declared scale: ``eum_round(..., span=hi - lo)``.

    The common ``step(x, c, s, rng, *, lo, hi)`` signature; ``rng`` is unused (the EUM is
    deterministic). D = hi - lo as in Bueno de Mesquita (1994) and Scholz et al. (2011),
    whose code keeps D at the initial range: the result for the actors at the table does
    not depend on how close they already are, nor on who is absent. ``lo``/``hi`` are
    scalars or, for (n, d) positions, per-dimension (d,) arrays.
    """
    del rng
    span = issue_span(lo, hi, x)
    return eum_round(c, x, s, q=q, t=t, span=span if np.ndim(x) == 2 else float(span[0]),
                     normaliser=normaliser, compromise_rule=compromise_rule,
                     capitulation=capitulation, block=block)


def condorcet_median(c: ArrayLike, x: ArrayLike, s: ArrayLike) -> float | Array:
    """Condorcet winner among the actors' positions under the votes with r = 1.

    Bueno de Mesquita (1994). Actor k's votes for a over b are ``c_k s_k (|x_k - b| -
    |x_k - a|) = F(b) - F(a)`` with ``F(y) = sum_k c_k s_k |x_k - y|``, so with r = 1 the
    pairwise contest is transitive and the winner is the actor position minimising F (the
    weighted median). Should no position beat all others, the one with the most pairwise
    wins is returned; that happens only with exact ties in F, broken towards the lower
    position. One value per column for (n, d) positions.
    """
    c1, x2, s2 = _prepare(c, x, s)
    out = np.array([_median_1d(c1, x2[:, k], s2[:, k]) for k in range(x2.shape[1])])
    return float(out[0]) if np.ndim(x) == 1 else out


def weighted_mean(c: ArrayLike, x: ArrayLike, s: ArrayLike) -> float | Array:
    """The EUM forecast ``sum c s x / sum c s`` (Bueno de Mesquita 1994); per column if 2-D."""
    c1, x2, s2 = _prepare(c, x, s)
    w = c1[:, None] * s2
    total = w.sum(axis=0)
    if np.any(total <= 0):
        raise ValueError("the weights c·s sum to zero: no actor has both capability and salience")
    out = (w * x2).sum(axis=0) / total
    return float(out[0]) if np.ndim(x) == 1 else out

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
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

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


def _vote_sums(x: Array, w: Array, r: Array, span: float) -> tuple[Array, Array]:
    """``G[i, j] = sum_k w_k max(A_kj - A_ki, 0)`` and ``S[i, j] = sum_k w_k |A_kj - A_ki|``.

    ``A_km = (|x_k - x_m| / span)^r_k``, so ``w_k (A_kj - A_ki)`` are k's votes for ``x_i``
    over ``x_j``. ``A_kj > A_ki`` exactly when ``x_k`` lies on ``x_i``'s side of the midpoint
    ``m_ij``, so with actors sorted by position and column prefix sums ``C[p, m]`` of
    ``w_k A_km`` over the first ``p`` actors, each entry is a few look-ups: O(n^2 log n).
    """
    n = x.shape[0]
    order = np.argsort(x, kind="stable")  # work in sorted order, undo at the end
    xs, ws, rs = x[order], w[order], r[order]
    a = (np.abs(xs[:, None] - xs[None, :]) / span) ** rs[:, None]  # A[k, m]
    cum = np.zeros((n + 1, n))
    np.cumsum(ws[:, None] * a, axis=0, out=cum[1:])
    total = cum[n]  # sum_k w_k A_km  (the linear part, w @ A)
    mid = 0.5 * (xs[:, None] + xs[None, :])  # rows ascending: fast searchsorted
    below = np.searchsorted(xs, mid, side="left")  # number of actors with x_k < m_ij
    upto = np.searchsorted(xs, mid, side="right")  # number of actors with x_k <= m_ij
    cols = np.arange(n)
    low_j = cum[below, cols[None, :]]
    low_i = cum[below, cols[:, None]]
    high_j = total[None, :] - cum[upto, cols[None, :]]
    high_i = total[:, None] - cum[upto, cols[:, None]]
    side = np.sign(xs[None, :] - xs[:, None])
    big = np.maximum(side * ((low_j - low_i) - (high_j - high_i)), 0.0)
    gain = np.clip(0.5 * (big + total[None, :] - total[:, None]), 0.0, big)
    back = np.ix_(np.argsort(order), np.argsort(order))
    gain, big = gain[back], big[back]
    return gain, big


def _probabilities(
    x: Array, c: Array, s: Array, r: Array, span: float, normaliser: Normaliser
) -> Array:
    """``P[i, j]``: probability that ``x_i`` prevails over ``x_j`` (0 when they coincide)."""
    gain, big = _vote_sums(x, c * s, r, span)
    if normaliser == "scholz":
        total = big.sum()
        return gain / total if total > 0 else np.zeros_like(gain)
    if normaliser == "paper":
        return np.divide(gain, big, out=np.zeros_like(gain), where=big > 0)
    raise ValueError(f"normaliser must be 'scholz' or 'paper', got {normaliser!r}")


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


def _risk_1d(c, x, s, q, t, span, normaliser) -> Array:
    n = x.shape[0]
    e1 = _eu_matrix(c, x, s, np.ones(n), q, t, span, normaliser)
    danger = e1.sum(axis=0) - np.diag(e1)  # D_i = sum_{j != i} E(U_ji)
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


def _round_1d(c, x, s, q, t, span, normaliser, compromise_rule, capitulation) -> Array:
    n = x.shape[0]
    if n < 2 or x.max() == x.min():
        return x.copy()
    r = _risk_1d(c, x, s, q, t, span, normaliser)
    dist, dmu, d = _geometry(c, x, s, q, span)
    p = _probabilities(x, c, s, r, d, normaliser)
    rv = r[:, None]
    a = _expected(p, s[None, :], dist, dmu[:, None], rv, q, t)  # E^i(U_ij)
    b = _expected(p.T, s[:, None], dist, dmu[None, :], rv, q, t)  # E^i(U_ji)
    xi, xj = np.broadcast_to(x[:, None], (n, n)), np.broadcast_to(x[None, :], (n, n))
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
    elif compromise_rule == "smallest_move":
        comp_key = np.abs(comp_pos - xi)
    else:
        raise ValueError(
            f"compromise_rule must be 'scholz' or 'smallest_move', got {compromise_rule!r}"
        )
    has_conf, pos_conf = _pick(move, conflict, b, xj)
    has_comp, pos_comp = _pick(comp_key, comp, b, comp_pos)
    has_cap, pos_cap = _pick(move, cap, b, xj)
    return np.select([has_conf, has_comp, has_cap], [pos_conf, pos_comp, pos_cap], default=x)


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
) -> Array:
    """One simultaneous EUM round (Bueno de Mesquita 1994; Scholz et al. 2011): new positions.

    ``span`` fixes the issue range D (a scalar, or (d,) for (n, d) positions). The default,
    the current max(x) - min(x), is right only for a table's first round: Scholz's code
    keeps the initial range, and :func:`eum_step` passes the declared ``hi - lo``.
    ``normaliser``, ``compromise_rule`` and ``capitulation`` select the variants discussed
    in the module docstring; the defaults reproduce the published EC example. Inputs are
    not modified. (n, d) positions: columns are independent issues.
    """
    c1, x2, s2 = _prepare(c, x, s)
    return _per_column(
        lambda cc, xx, ss, sp: _round_1d(cc, xx, ss, q, t, sp, normaliser, compromise_rule,
                                         capitulation),
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
                     capitulation=capitulation)


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

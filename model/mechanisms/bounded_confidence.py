"""Bounded-confidence influence, weighted by capability × salience.

- Hegselmann, R. & Krause, U. (2002). "Opinion dynamics and bounded confidence: models,
  analysis and simulation." *JASSS* 5(3). Each actor adopts the (weighted) mean of every
  actor, itself included, whose position lies within ``epsilon`` of its own.
- Deffuant, G., Neau, D., Amblard, F. & Weisbuch, G. (2000). "Mixing beliefs among
  interacting agents." *Advances in Complex Systems* 3. Random pairs closer than ``d``
  move toward each other by ``mu`` times their difference.

Weighting: in HK each neighbour counts with weight c·s. In Deffuant the pair (i, j) moves
by ``2·mu·w_j/(w_i + w_j)`` and ``2·mu·w_i/(w_i + w_j)`` of the gap, so the heavier actor
moves less; with equal weights this is the original rule, and the weighted mean Σw·x is
conserved exactly in every encounter (the unweighted mean when weights are equal).

Both are 1-D rules on opinions in [0, 1]: ``epsilon`` and ``d`` are on that normalised
scale, so here they are fractions of the issue's declared range ``hi - lo`` (an actor
reaches those within ``epsilon·(hi - lo)``); the result does not depend on who else is at
the table. For 2-D ``x`` (several issues) they act on each column separately, with the
column's own range when ``lo``/``hi`` are per-dimension (d,) arrays.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from model.mechanisms.scale import issue_span


def _weights(c: np.ndarray, s: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    c = np.asarray(c, dtype=float)
    s = np.asarray(s, dtype=float)
    return np.broadcast_to(c.reshape((-1,) + (1,) * (len(shape) - 1)) * s, shape)


def hegselmann_krause_step(
    x: np.ndarray,
    c: np.ndarray,
    s: np.ndarray,
    rng: np.random.Generator | None = None,
    *,
    lo: ArrayLike,
    hi: ArrayLike,
    epsilon: float = 0.2,
) -> np.ndarray:
    """One synchronous Hegselmann–Krause update on the complete graph, weighted by c·s.

    ``epsilon`` is the confidence bound on the normalised [0, 1] scale (Hegselmann & Krause
    2002): a fraction of ``hi - lo``.
    """
    x = np.asarray(x, dtype=float)
    span = issue_span(lo, hi, x)
    if x.ndim == 2:
        w2 = _weights(c, s, x.shape)
        return np.column_stack(
            [hegselmann_krause_step(x[:, k], w2[:, k], np.ones(len(x)), lo=0.0,
                                    hi=span[k], epsilon=epsilon)
             for k in range(x.shape[1])]
        )
    w = _weights(c, s, x.shape)
    reach = epsilon * span[0]
    near = np.abs(x[:, None] - x[None, :]) <= reach  # near[i, j]: j within reach of i
    weight = near * w[None, :]
    total = weight.sum(axis=1)
    # an actor with no weighted neighbour (zero weight, alone) keeps its position
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, weight @ x / safe, x)


def deffuant_step(
    x: np.ndarray,
    c: np.ndarray,
    s: np.ndarray,
    rng: np.random.Generator | None = None,
    *,
    lo: ArrayLike,
    hi: ArrayLike,
    d: float = 0.2,
    mu: float = 0.3,
) -> np.ndarray:
    """One round of Deffuant encounters: a random perfect matching of the actors.

    Every actor meets at most one partner per round (an odd actor out sits the round out).
    ``rng`` is required: the matching is random. ``d`` is the bound on the normalised
    [0, 1] scale (Deffuant et al. 2000): pairs closer than ``d·(hi - lo)`` interact.
    """
    if rng is None:
        raise ValueError("deffuant_step needs an rng: its encounters are random")
    if not 0.0 < mu <= 0.5:
        raise ValueError(f"mu must lie in (0, 0.5], got {mu}")
    x = np.array(x, dtype=float)  # copy
    span = issue_span(lo, hi, x)
    n = x.shape[0]
    order = rng.permutation(n)
    i, j = order[0 : n - 1 : 2], order[1:n:2]
    w = _weights(c, s, x.shape)
    wi, wj = w[i], w[j]
    wsum = wi + wj
    safe = np.where(wsum > 0, wsum, 1.0)
    share_i = np.where(wsum > 0, 2 * mu * wj / safe, mu)
    share_j = np.where(wsum > 0, 2 * mu * wi / safe, mu)
    gap = x[j] - x[i]
    close = np.abs(gap) < d * (span if x.ndim == 2 else span[0])
    x[i] = x[i] + np.where(close, share_i * gap, 0.0)
    x[j] = x[j] - np.where(close, share_j * gap, 0.0)
    return x

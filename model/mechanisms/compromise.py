"""Compromise model: Achen's capability-and-salience-weighted mean.

Achen, C. H. (2006). "Evaluating political decision-making models." In Thomson et al.
(eds.), *The European Union Decides*, Cambridge UP. The forecast is Σ c·s·x / Σ c·s, the
baseline that the forecasting literature (e.g. on the DEU data sets) compares against.

As a round-by-round mechanism each actor closes a share ``rate`` of its gap to the forecast.
Because every actor moves by the same share, the weighted mean is conserved exactly, so
the forecast is the fixed point and does not drift with the number of rounds.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from model.mechanisms.scale import issue_span


def weighted_mean(c: np.ndarray, x: np.ndarray, s: np.ndarray) -> np.ndarray | float:
    """Σ c·s·x / Σ c·s over actors (axis 0); one value per issue dimension for 2-D ``x``."""
    c = np.asarray(c, dtype=float)
    x = np.asarray(x, dtype=float)
    s = np.asarray(s, dtype=float)
    w = c.reshape((-1,) + (1,) * (x.ndim - 1)) * s
    total = w.sum(axis=0)
    if np.any(total <= 0):
        raise ValueError("the weights c·s sum to zero: no actor has both capability and salience")
    mean = (w * x).sum(axis=0) / total
    return float(mean) if np.ndim(mean) == 0 else mean


def compromise_step(
    x: np.ndarray,
    c: np.ndarray,
    s: np.ndarray,
    rng: np.random.Generator | None = None,
    *,
    lo: ArrayLike,
    hi: ArrayLike,
    rate: float = 0.5,
) -> np.ndarray:
    """Move every actor a share ``rate`` of the way to the weighted mean (Achen 2006).

    ``rate = 1`` jumps straight to the compromise forecast. The rule measures no distance,
    so the scale ``lo``/``hi`` (taken for the common signature) only has to be valid.
    """
    issue_span(lo, hi, x)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must lie in [0, 1], got {rate}")
    x = np.asarray(x, dtype=float)
    target = weighted_mean(c, x, s)
    return x + rate * (target - x)

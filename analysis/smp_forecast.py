"""Forecast a negotiation from an actor table with KTAB's Spatial Model of Politics.

Pure: returns tidy pandas tables (one round per KTAB state, round 0 = the input); the
command line prints and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from inputs.ktab_table import KTAB_SCALE
from model.actors import ActorTable
from model.errors import InputError
from model.mechanisms.smp import SMPHistory, SMPOptions, smp_negotiate


@dataclass(frozen=True)
class SMPForecast:
    positions: pd.DataFrame  # round, actor, dimension, position (on the input's scale)
    probabilities: pd.DataFrame  # round, actor, probability (KTAB's "prob :" lines)
    history: SMPHistory


def table_scale(table: ActorTable) -> tuple[np.ndarray, np.ndarray]:
    """KTAB tables are on 0..100; the project's tables use their initial range per dimension
    (as Scholz's EUM code keeps the initial range), widened to 1 where all positions agree."""
    x = np.asarray(table.x, dtype=float).reshape(len(table.names), table.dimensions)
    if table.dimension_names:
        return np.full(x.shape[1], KTAB_SCALE[0]), np.full(x.shape[1], KTAB_SCALE[1])
    lo, hi = x.min(axis=0), x.max(axis=0)
    return lo, np.where(hi > lo, hi, lo + 1.0)


def smp_forecast(
    table: ActorTable, *, source: str = "actor table", options: SMPOptions | None = None,
    max_turns: int | None = None, scale: tuple[float, float] | None = None,
    seed: int = 0,
) -> SMPForecast:
    """Run the SMP on ``table`` to KTAB's stopping rule (or ``max_turns``)."""
    n, d = len(table.names), table.dimensions
    x = np.asarray(table.x, dtype=float).reshape(n, d)
    s = np.asarray(table.s, dtype=float).reshape(n, d)
    total = s.sum(axis=1)
    for i in np.flatnonzero((total <= 0) | (total > 1 + 1e-9)):
        raise InputError(
            f"{source}: actor {table.names[i]}: saliences sum to {total[i]:g}; the SMP needs "
            "each actor's total salience in (0, 1]"
        )
    for i in np.flatnonzero(np.asarray(table.c) <= 0):
        raise InputError(f"{source}: actor {table.names[i]}: the SMP needs capability > 0")
    if n < 3:
        raise InputError(f"{source}: {n} actors; KTAB's SMP needs at least 3")
    lo, hi = table_scale(table) if scale is None else scale
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    history = smp_negotiate(x, table.c, s, lo=lo, hi=hi, options=options,
                            max_turns=max_turns, rng=rng)
    names = table.dimension_names or [k + 1 for k in range(d)]
    t1 = history.positions.shape[0]
    rounds = np.repeat(np.arange(t1), n * d)
    actors = np.tile(np.repeat(np.array(table.names, dtype=object), d), t1)
    dims = np.tile(np.array(names, dtype=object), t1 * n)
    positions = pd.DataFrame({"round": rounds, "actor": actors, "dimension": dims,
                              "position": history.positions.ravel()})
    probabilities = pd.DataFrame({
        "round": np.repeat(np.arange(t1), n),
        "actor": np.tile(np.array(table.names, dtype=object), t1),
        "probability": history.probabilities.ravel(),
    })
    return SMPForecast(positions, probabilities, history)

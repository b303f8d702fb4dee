"""Forecast a negotiation from an actor table with one mechanism over several rounds.

Pure: returns tidy pandas tables; the command line prints and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.actor_table import ActorTable
from model.mechanisms import condorcet_median, get_mechanism, weighted_mean


@dataclass(frozen=True)
class Forecast:
    positions: pd.DataFrame  # round, actor, position (dimension when d > 1)
    summary: pd.DataFrame  # round, mean_position, median_position (dimension when d > 1)


def _median(c: np.ndarray, x: np.ndarray, s: np.ndarray) -> np.ndarray:
    if x.ndim == 1:
        return np.array([condorcet_median(c, x, s)])
    return np.array([condorcet_median(c, x[:, k], s[:, k]) for k in range(x.shape[1])])


def forecast(
    table: ActorTable, *, mechanism: str = "eum", rounds: int = 10, seed: int = 0
) -> Forecast:
    """Run ``rounds`` simultaneous updates; round 0 is the input table."""
    if rounds < 0:
        raise ValueError(f"rounds must be >= 0, got {rounds}")
    step = get_mechanism(mechanism)
    rng = np.random.default_rng(seed)
    x = np.asarray(table.x, dtype=float)
    history = [x]
    for _ in range(rounds):
        x = step(x, table.c, table.s, rng)
        history.append(x)
    dims = table.dimensions
    pos_rows, sum_rows = [], []
    for r, xr in enumerate(history):
        xr2 = xr.reshape(len(table.names), dims)
        s2 = np.asarray(table.s).reshape(len(table.names), dims)
        means = np.atleast_1d(weighted_mean(table.c, xr2, s2))
        medians = _median(table.c, xr2 if dims > 1 else xr2[:, 0], s2 if dims > 1 else s2[:, 0])
        for k in range(dims):
            dim = {"dimension": k + 1} if dims > 1 else {}
            sum_rows.append(
                {"round": r, **dim, "mean_position": means[k], "median_position": medians[k]}
            )
            for name, value in zip(table.names, xr2[:, k], strict=True):
                pos_rows.append({"round": r, **dim, "actor": name, "position": value})
    return Forecast(pd.DataFrame(pos_rows), pd.DataFrame(sum_rows))

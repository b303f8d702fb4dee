"""Forecast a negotiation from an actor table with one mechanism over several rounds.

Pure: returns tidy pandas tables (or one number per issue); the command line prints and
writes them. Distances are measured on a fixed scale ``[lo, hi]``: by default the table's
*initial* range, as in Scholz's code for the expected utility model (Scholz, Calbert &
Smith 2011), or a declared range (``negotiate forecast --scale MIN MAX``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from model.actors import ActorTable
from model.mechanisms import condorcet_median, get_mechanism, weighted_mean

Summary = Literal["mean", "median"]


@dataclass(frozen=True)
class Forecast:
    positions: pd.DataFrame  # round, actor, position (dimension when d > 1)
    summary: pd.DataFrame  # round, mean_position, median_position (dimension when d > 1)


def _median(c: np.ndarray, x: np.ndarray, s: np.ndarray) -> np.ndarray:
    if x.ndim == 1:
        return np.array([condorcet_median(c, x, s)])
    return np.array([condorcet_median(c, x[:, k], s[:, k]) for k in range(x.shape[1])])


def initial_scale(table: ActorTable) -> tuple[np.ndarray | float, np.ndarray | float]:
    """The table's initial range per dimension (scalars for a 1-D table).

    A dimension on which every actor stands at one point gets the range ``[x, x + 1]``
    (nothing can move on it; the mechanisms only need a positive range).
    """
    x = np.asarray(table.x, dtype=float)
    lo, hi = x.min(axis=0), x.max(axis=0)
    hi = np.where(hi > lo, hi, lo + 1.0)
    if x.ndim == 1:
        return float(lo), float(hi)
    return lo, hi


def forecast(
    table: ActorTable,
    *,
    mechanism: str = "eum",
    rounds: int = 10,
    seed: int = 0,
    lo: Any = None,
    hi: Any = None,
) -> Forecast:
    """Run ``rounds`` simultaneous updates on the scale ``[lo, hi]``; round 0 is the input.

    ``lo``/``hi`` default to the table's initial range (:func:`initial_scale`).
    """
    if rounds < 0:
        raise ValueError(f"rounds must be >= 0, got {rounds}")
    if lo is None or hi is None:
        lo0, hi0 = initial_scale(table)
        lo = lo0 if lo is None else lo
        hi = hi0 if hi is None else hi
    step = get_mechanism(mechanism)
    rng = np.random.default_rng(seed)
    x = np.asarray(table.x, dtype=float)
    history = [x]
    for _ in range(rounds):
        x = step(x, table.c, table.s, rng, lo=lo, hi=hi)
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


def weighted_median(c: np.ndarray, x: np.ndarray, s: np.ndarray) -> float:
    """The position at which the cumulated weight c·s first reaches half (lower median).

    The "weighted median" baseline of the DEU literature (Thomson et al. 2006); for r = 1
    votes it is the Condorcet winner among the actors' positions.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(c, dtype=float) * np.asarray(s, dtype=float)
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cum, cum[-1] / 2)])


def forecast_outcome(
    table: ActorTable,
    mechanism: str,
    *,
    lo: float,
    hi: float,
    rounds: int,
    options: Mapping[str, Any] | None = None,
    summary: Summary = "mean",
    tol: float | None = None,
    seed: int | np.random.SeedSequence = 0,
) -> float:
    """The outcome a mechanism forecasts for one issue (a 1-D table): a single number.

    Runs up to ``rounds`` rounds of ``mechanism`` (with its keyword ``options``) on the
    scale ``[lo, hi]``, stopping early once no position moves by more than
    ``tol·(hi - lo)`` in a round (``tol=None``: always all rounds; use it only for
    deterministic mechanisms, whose unchanged positions are a fixed point). The forecast is
    the c·s-weighted mean of the final positions (Bueno de Mesquita 1994; for the
    compromise mechanism it is Achen's Σcsx/Σcs, which its rounds conserve) or, with
    ``summary="median"``, their weighted median.
    """
    x = np.asarray(table.x, dtype=float)
    if x.ndim != 1:
        raise ValueError("forecast_outcome forecasts one issue: give a 1-D table")
    if rounds < 0:
        raise ValueError(f"rounds must be >= 0, got {rounds}")
    step = get_mechanism(mechanism)
    rng = np.random.default_rng(seed)
    opts = dict(options or {})
    for _ in range(rounds):
        new = step(x, table.c, table.s, rng, lo=lo, hi=hi, **opts)
        still = tol is not None and np.max(np.abs(new - x)) <= tol * (hi - lo)
        x = new
        if still:
            break
    if summary == "mean":
        return float(weighted_mean(table.c, x, table.s))
    if summary == "median":
        return weighted_median(table.c, x, table.s)
    raise ValueError(f"summary must be 'mean' or 'median', got {summary!r}")


def forecast_issues(
    issues: Sequence[Any],
    mechanism: str,
    *,
    lo: float,
    hi: float,
    rounds: int,
    options: Mapping[str, Any] | None = None,
    summary: Summary = "mean",
    tol: float | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """``issue, forecast, outcome`` for issues with ``.issue``, ``.table`` and ``.outcome``
    (e.g. :class:`inputs.deu.DeuIssue`); issue k's random stream is child k of ``seed``."""
    children = np.random.SeedSequence(seed).spawn(len(issues))
    rows = [
        {"issue": item.issue,
         "forecast": forecast_outcome(item.table, mechanism, lo=lo, hi=hi, rounds=rounds,
                                      options=options, summary=summary, tol=tol, seed=child),
         "outcome": np.nan if item.outcome is None else float(item.outcome)}
        for item, child in zip(issues, children, strict=True)
    ]
    return pd.DataFrame(rows, columns=["issue", "forecast", "outcome"])


def absolute_errors(table: pd.DataFrame) -> pd.Series:
    """``|forecast - outcome|`` of the issues that have a recorded outcome."""
    known = table.dropna(subset=["outcome"])
    return (known["forecast"] - known["outcome"]).abs()

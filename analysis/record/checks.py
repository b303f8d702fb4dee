"""Evaluating a record's checks on one run's tables (pure pandas and numpy).

A run is seen through :class:`Observed`: per round, each actor's stance and presence and
the round's counts. A target is evaluated at the round nearest its date among the rounds
that carry a date: a tie (a date exactly between two rounds) goes to the earlier round, the
state of things when the claim was reported; a date before the first round is evaluated at
round 0, the starting point. Rounds past the scenario's (no date) are never a target's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.record.schema import STANCES, Check, Target

# The model before its stances (issue 11) reported blocs; read them as the nearest stance.
_BLOC_STANCE = {"committed": "deploy_now", "conditional": "deploy_after_ceasefire",
                "support": "outside_only", "opposed": "opposed", "host": "host"}
_IN_UKRAINE = ("pledge_ground", "pledge_monitoring")


@dataclass
class Observed:
    """One run as the record sees it: ``stance`` and ``presence`` (rounds x actors), the
    rounds' counts, and the dates of the rounds."""

    actors: list[str]
    rounds: np.ndarray            # round numbers
    dates: list[dt.date | None]   # per round; None for round 0 and rounds past the scenario
    stance: np.ndarray            # object array, rounds x actors
    presence: np.ndarray          # float, rounds x actors
    pledge_ground: np.ndarray     # float, rounds x actors
    contributor: np.ndarray       # bool, rounds x actors
    counts: dict[str, np.ndarray]  # per round
    guarantee: np.ndarray | None = None   # float, rounds x actors (two-dimensional model)
    blocked_by: np.ndarray | None = None  # object, rounds x actors

    def round_index(self, date: dt.date) -> int:
        """The row of the round nearest ``date`` (ties: the earlier; before the first
        round: round 0)."""
        best, best_gap = 0, None
        for i, d in enumerate(self.dates):
            if d is None:
                continue
            gap = abs((d - date).days)
            if best_gap is None or gap < best_gap:
                best, best_gap = i, gap
        first = next((d for d in self.dates if d is not None), None)
        if first is None or date < first:
            return 0
        return best


def _date(text: object) -> dt.date | None:
    if isinstance(text, dt.date):
        return text
    if not text or (isinstance(text, float) and np.isnan(text)):
        return None
    return dt.date.fromisoformat(str(text))


def observe(rounds: pd.DataFrame, actors: pd.DataFrame) -> Observed:
    """An :class:`Observed` from a run's ``rounds`` and ``actors`` tables (as
    :func:`model.run.run_one` returns them, or one run's rows of a sweep)."""
    actors = actors.sort_values(["round", "actor"], kind="stable")
    codes = sorted(actors["actor"].unique())
    round_nos = np.sort(rounds["round"].to_numpy())
    shape = (len(round_nos), len(codes))

    def grid(column: pd.Series) -> np.ndarray:
        return column.to_numpy().reshape(shape)

    if len(actors) != shape[0] * shape[1]:
        raise ValueError("the actors table needs one row per actor per round")
    if "stance" in actors.columns:
        stance = grid(actors["stance"].astype(object))
    else:
        stance = grid(actors["bloc"].map(_BLOC_STANCE).fillna("none").astype(object))
    if "presence" in actors.columns:
        presence = grid(actors["presence"].astype(float))
    else:  # no presence dimension: troops or monitors pledged into Ukraine
        presence = grid(sum(actors[c].astype(float) for c in _IN_UKRAINE))
    rounds = rounds.sort_values("round", kind="stable")
    counts = {s: (stance == s).sum(axis=1) for s in STANCES}
    counts["willing_troops"] = counts["deploy_now"] + counts["deploy_after_ceasefire"]
    for c in ("contributors", "contributors_inside", "contributors_outside"):
        if c in rounds.columns:
            counts[c] = rounds[c].to_numpy()
    if "contributors" not in counts:
        counts["contributors"] = grid(actors["contributor"].astype(bool)).sum(axis=1)
    return Observed(actors=codes, rounds=round_nos,
                    dates=[_date(d) for d in rounds["date"]], stance=stance,
                    presence=presence, pledge_ground=grid(actors["pledge_ground"].astype(float)),
                    contributor=grid(actors["contributor"].astype(bool)), counts=counts,
                    guarantee=(grid(actors["guarantee"].astype(float))
                               if "guarantee" in actors.columns else None),
                    blocked_by=(grid(actors["blocked_by"].fillna("").astype(object))
                                if "blocked_by" in actors.columns else None))


def carried(obs: Observed) -> Observed:
    """The carried-forward baseline: each state's round-0 stance (and presence, pledges,
    counts) repeated for every round."""
    n = len(obs.rounds)

    def rep(a: np.ndarray) -> np.ndarray:
        return np.repeat(a[:1], n, axis=0)

    return Observed(actors=obs.actors, rounds=obs.rounds, dates=obs.dates,
                    stance=rep(obs.stance), presence=rep(obs.presence),
                    pledge_ground=rep(obs.pledge_ground), contributor=rep(obs.contributor),
                    counts={k: rep(v) for k, v in obs.counts.items()},
                    guarantee=None if obs.guarantee is None else rep(obs.guarantee),
                    blocked_by=None if obs.blocked_by is None else rep(obs.blocked_by))


def _in(stance: np.ndarray, check: Check) -> np.ndarray:
    if check.stance_in is not None:
        return np.isin(stance, check.stance_in)
    return ~np.isin(stance, check.stance_not_in or [])


def holds(check: Check, obs: Observed, row: int) -> bool:
    """Whether ``check`` holds on ``obs`` at round row ``row`` (``over = "all"`` and
    ``never``: in every round from 0 to ``row``)."""
    rows = slice(0, row + 1) if (check.over == "all" or check.never) else slice(row, row + 1)
    if check.count is not None:
        if check.count not in obs.counts:
            raise KeyError(check.count)
        values = obs.counts[check.count][rows]
        ok = np.ones(len(values), dtype=bool)
        if check.min is not None:
            ok &= values >= check.min
        if check.max is not None:
            ok &= values <= check.max
        return bool(ok.all())
    if check.actor is not None:
        j = obs.actors.index(check.actor)
        if check.never is not None:
            series = {"presence_above_zero": obs.presence[rows, j] > 0,
                      "pledge_ground_above_zero": obs.pledge_ground[rows, j] > 0,
                      "contributor": obs.contributor[rows, j],
                      "deploy_now": obs.stance[rows, j] == "deploy_now"}[check.never]
            return not bool(np.any(series))
        return bool(_in(obs.stance[rows, j], check).all())
    cols = [obs.actors.index(a) for a in check.actors or []]
    n_ok = _in(obs.stance[rows][:, cols], check).sum(axis=1)
    lo = len(cols) if check.min is None and check.max is None else (check.min or 0)
    hi = len(cols) if check.max is None else check.max
    return bool(((n_ok >= lo) & (n_ok <= hi)).all())


def hits(targets: list[Target], obs: Observed) -> np.ndarray:
    """Whether each target holds on one run (bool per target)."""
    return np.array([holds(t.check, obs, obs.round_index(t.date)) for t in targets],
                    dtype=bool)


def _actor_state(obs: Observed, code: str, row: int) -> str:
    """``GB outside_only (presence 30, guarantee 35)``, with ``blocked by …`` if so."""
    j = obs.actors.index(code)
    bits = [f"presence {obs.presence[row, j]:.0f}"]
    if obs.guarantee is not None:
        bits.append(f"guarantee {obs.guarantee[row, j]:.0f}")
    if obs.blocked_by is not None and obs.blocked_by[row, j]:
        bits.append(f"blocked by {obs.blocked_by[row, j]}")
    return f"{code} {obs.stance[row, j]} ({', '.join(bits)})"


def what_happened(check: Check, obs: Observed, row: int) -> str:
    """What the run had where ``check`` looks, in words (for the report's misses): the
    count, or each actor's stance with its stated positions."""
    if check.count is not None:
        rows = slice(0, row + 1) if check.over == "all" else slice(row, row + 1)
        values = obs.counts[check.count][rows]
        if check.over == "all":
            return f"{check.count} up to {int(values.max())} by then"
        return f"{check.count} = {int(values[-1])}"
    if check.actor is not None:
        j = obs.actors.index(check.actor)
        if check.never == "presence_above_zero":
            return f"{check.actor} presence up to {obs.presence[:row + 1, j].max():g}"
        return _actor_state(obs, check.actor, row)
    return "; ".join(_actor_state(obs, a, row) for a in check.actors or [])

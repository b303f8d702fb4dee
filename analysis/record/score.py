"""Scored replays: per target the share of runs on which it holds, per window the mean of
those shares, next to two baselines on the same targets and seeds:

- ``frozen``: the model with ``freeze_positions = True`` (no position or salience moves
  after round 0; conditions, shocks and pledges still act);
- ``carried``: each state's round-0 stance carried forward (the model's round-0 rows
  repeated for every round): what the starting stances alone predict.

Seeds: run ``k`` of every parameter set uses ``SeedSequence(base_seed, spawn_key=(k,))``,
the seeds of a sweep with common random numbers (:func:`model.run.run_seed`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.record.checks import Observed, carried, hits, observe
from analysis.record.schema import DEFAULT_TRAIN_UNTIL, Record, Target
from model.scenario import Scenario

WINDOWS = ("train", "test", "all")
BASELINES = ("frozen", "carried")


def seeds_for(n: int, base_seed: int = 0) -> list[int]:
    """``n`` run seeds from ``base_seed`` (numpy SeedSequence children, as in sweeps)."""
    from model.run import run_seed

    return [run_seed(base_seed, k, n, crn=True) for k in range(n)]


def can_freeze(scenario: Scenario) -> bool:
    return "freeze_positions" in type(scenario.parameters).model_fields


def run_observed(scenario: Scenario, params: dict[str, Any], seed: int,
                 rounds: int | None = None) -> Observed:
    """One run (without the ceasefire phase unless ``params`` asks for it), observed."""
    from model.run import run_one

    p = {"ceasefire_phase": False, **params}
    tables = run_one(p, seed, scenario=scenario, rounds=rounds)
    return observe(tables.rounds, tables.actors)


def window_scores(rates: np.ndarray, windows: list[str]) -> dict[str, float | None]:
    """Mean hit rate over the targets of each window (None for an empty window)."""
    w = np.array(windows)
    out: dict[str, float | None] = {}
    for name in WINDOWS:
        mask = np.ones(len(w), bool) if name == "all" else w == name
        out[name] = float(rates[mask].mean()) if mask.any() else None
    return out


@dataclass
class Scored:
    """A scored ensemble: ``hits[name]`` is runs x targets (bool) for ``model`` and each
    baseline (``frozen`` is None where the model cannot freeze positions)."""

    record: Record
    train_until: dt.date
    seeds: list[int]
    param_sets: list[dict[str, Any]]
    hits: dict[str, np.ndarray | None]
    observed: list[Observed] = field(default_factory=list)  # the model's runs

    @property
    def targets(self) -> list[Target]:
        return self.record.targets

    @property
    def windows(self) -> list[str]:
        return [self.record.window(t, self.train_until) for t in self.targets]

    def rates(self, name: str = "model") -> np.ndarray | None:
        h = self.hits.get(name)
        return None if h is None else h.mean(axis=0)

    def scores(self, name: str = "model") -> dict[str, float | None]:
        r = self.rates(name)
        if r is None:
            return dict.fromkeys(WINDOWS)
        return window_scores(r, self.windows)

    def as_json(self) -> dict[str, Any]:
        """The object of ``negotiate score --json`` (issue 12)."""
        model = self.rates("model")
        base = {b: self.rates(b) for b in BASELINES}
        targets = []
        for k, (t, w) in enumerate(zip(self.targets, self.windows, strict=True)):
            targets.append({
                "id": t.id, "date": t.date.isoformat(), "window": w,
                "hit_rate": _r(model[k]),
                "baselines": {b: (None if base[b] is None else _r(base[b][k]))
                              for b in BASELINES},
            })
        return {"score": _round(self.scores("model")),
                "baselines": {b: _round(self.scores(b)) for b in BASELINES},
                "targets": targets}


def _r(x: float) -> float:
    return round(float(x), 4)


def _round(d: dict[str, float | None]) -> dict[str, float | None]:
    return {k: (None if v is None else _r(v)) for k, v in d.items()}


def score(scenario: Scenario, record: Record, *, seeds: int = 10, base_seed: int = 0,
          param_sets: list[dict[str, Any]] | None = None,
          train_until: dt.date = DEFAULT_TRAIN_UNTIL, keep_runs: bool = False,
          baselines: bool = True) -> Scored:
    """Run every parameter set (default: the scenario's own values) on ``seeds`` seeds and
    score the model and (unless ``baselines`` is false) both baselines on every target."""
    sets = param_sets or [{}]
    run_seeds = seeds_for(seeds, base_seed)
    freeze = baselines and can_freeze(scenario)
    rows: dict[str, list[np.ndarray]] = {"model": [], "frozen": [], "carried": []}
    kept = []
    for params in sets:
        for seed in run_seeds:
            obs = run_observed(scenario, params, seed)
            rows["model"].append(hits(record.targets, obs))
            if baselines:
                rows["carried"].append(hits(record.targets, carried(obs)))
            if freeze:
                frozen = run_observed(scenario, {**params, "freeze_positions": True}, seed)
                rows["frozen"].append(hits(record.targets, frozen))
            if keep_runs:
                kept.append(obs)
    table = {k: (np.array(v) if v else None) for k, v in rows.items()}
    return Scored(record=record, train_until=train_until, seeds=run_seeds, param_sets=sets,
                  hits=table, observed=kept)


def _pct(x: float | None) -> str:
    return "  n/a" if x is None else f"{100 * x:4.0f}%"


def score_table(s: Scored) -> list[str]:
    """The per-target table and the window scores, as lines for a terminal."""
    model, frozen, carry = s.rates("model"), s.rates("frozen"), s.rates("carried")
    n_runs = len(s.hits["model"])
    lines = [f"{s.record.path}: {len(s.targets)} targets; {n_runs} runs "
             f"({len(s.param_sets)} parameter set(s) x {len(s.seeds)} seeds); "
             f"training window up to {s.train_until}",
             "",
             f"{'id':6} {'date':10} {'window':6} {'model':>6} {'frozen':>6} {'carried':>7}  check"]
    lines.append("-" * 100)
    for k, (t, w) in enumerate(zip(s.targets, s.windows, strict=True)):
        fz = None if frozen is None else frozen[k]
        lines.append(f"{t.id:6} {t.date.isoformat():10} {w:6} {_pct(model[k]):>6} "
                     f"{_pct(fz):>6} {_pct(carry[k]):>7}  {t.check.describe()}")
    lines.append("")
    lines.append(f"{'score':24} {'train':>6} {'test':>6} {'all':>6}")
    for name, label in (("model", "model"), ("frozen", "baseline: frozen positions"),
                        ("carried", "baseline: round 0 carried")):
        sc = s.scores(name)
        lines.append(f"{label[:26]:26} " + " ".join(f"{_pct(sc[w]):>6}" for w in WINDOWS))
    if frozen is None:
        lines.append("(frozen: this model has no freeze_positions parameter)")
    return lines

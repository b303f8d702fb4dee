"""Students' choices in the model: the hook ``NegotiationModel.play(choices)``, and replay.

A state played by a student states its own position each round; the mechanism does not move
it that round (it still moves everyone else, with the student's position among the inputs);
its pledges are the kinds the student offers *and* its own rules allow (threshold, conditions,
red lines). This is the human-in-the-loop use of an agent-based model as in participatory
modelling and HubNet (Wilensky & Stroup 1999): a human replaces an agent's decision rule,
the rest of the world stays the model's.

The hook and :class:`~agents.state.StateChoice` are the model's (``model/negotiation.py``);
this module adds what a class page needs before it submits (the range a student may state
this round, the pledges a state could offer at all), the same bounds applied up front so
that the page can refuse a value with a message, and :func:`replay`, which rebuilds a class
session's run from the scenario, the seed and the students' choices, round by round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.state import StateChoice
from model.negotiation import NegotiationModel
from model.run import RunTables, tables_of
from model.scenario import Scenario

__all__ = ["StateChoice", "ClassModel", "replay", "read_choices", "models_by_round"]

DIMENSIONS = ("presence", "guarantee")

#: The model that takes the students' choices (the hook is NegotiationModel's own).
ClassModel = NegotiationModel


def max_move(model: NegotiationModel) -> float:
    """The largest change of a stated position in one round (``[parameters] max_move``)."""
    return float(model.params.max_move)


def dimension_keys(model: NegotiationModel) -> tuple[str, ...]:
    """The issue dimensions of the scenario, by key (``presence``, ``guarantee``)."""
    return tuple(model.keys)


def current_position(model: NegotiationModel, code: str) -> dict[str, float]:
    """A state's stated position now, per dimension."""
    i = model.codes.index(code)
    return {k: float(model.stated[i, j]) for j, k in enumerate(model.keys)}


def current_salience(model: NegotiationModel, code: str) -> dict[str, float]:
    i = model.codes.index(code)
    return {k: float(model.saliences[i, j]) for j, k in enumerate(model.keys)}


def position_range(model: NegotiationModel, code: str) -> dict[str, tuple[float, float]]:
    """Per dimension, the positions a student may state this round: within ``max_move`` of
    last round, on the scale, and under the state's red-line ceiling (as the hook bounds
    them)."""
    step = max_move(model)
    i = model.codes.index(code)
    out = {}
    for j, key in enumerate(model.keys):
        now = float(model.stated[i, j])
        lo = max(float(model.lo[j]), min(now - step, float(model.ceilings[i, j])))
        hi = min(float(model.hi[j]), now + step, float(model.ceilings[i, j]))
        out[key] = (lo, max(lo, hi))
    return out


def allowed_pledges(model: NegotiationModel, code: str) -> list[str]:
    """Kinds of pledge a state could offer at all: it has capacity and no red line forbids
    them (whether its thresholds and conditions let it pledge is decided by its rules)."""
    agent = model.states[code]
    if agent.kind != "state":
        return []
    types = model.scenario_config.contribution_types
    return [k for k, cap in agent.capacity.items()
            if cap > 0 and k in types and not any(r.forbids(k) for r in agent.red_lines)]


def bounded(model: NegotiationModel, code: str, choice: StateChoice) -> StateChoice:
    """The choice as it takes effect: positions clipped to :func:`position_range`,
    saliences to [0, 1], pledges to :func:`allowed_pledges`."""
    ranges = position_range(model, code)
    vals = {}
    for key in DIMENSIONS:
        v = float(getattr(choice, key))
        if key in ranges:
            lo, hi = ranges[key]
            v = float(np.clip(v, lo, hi))
        vals[key] = v
    allowed = set(allowed_pledges(model, code))
    return StateChoice(
        presence=vals["presence"], guarantee=vals["guarantee"],
        salience_presence=float(np.clip(choice.salience_presence, 0.0, 1.0)),
        salience_guarantee=float(np.clip(choice.salience_guarantee, 0.0, 1.0)),
        pledges=frozenset(p for p in choice.pledges if p in allowed),
    )


@dataclass
class Replay:
    """A run rebuilt from a scenario, a seed and the students' choices per round."""

    model: ClassModel
    tables: RunTables


def build_model(scenario: Scenario, seed: int, rounds: int | None,
                parameters: Mapping[str, Any] | None = None) -> ClassModel:
    return ClassModel(scenario, rng=seed, rounds=rounds, datacollector=False,
                      overrides=dict(parameters or {}))


def finish_tables(model: NegotiationModel) -> RunTables:
    """The run's tables as ``negotiate run`` writes them, with the ceasefire phase."""
    from model.ceasefire import ceasefire_after

    tables = tables_of(model)
    phase = ceasefire_after(model)
    if phase is not None:
        tables.extra.update(phase.run().tables())
    return tables


def replay(scenario: Scenario, seed: int, rounds: int | None,
           choices: Mapping[int, Mapping[str, StateChoice]],
           parameters: Mapping[str, Any] | None = None) -> Replay:
    """Run the model with ``choices[r]`` (state code → choice) in round ``r``; the model
    plays every state without a choice. ``choices = {}`` is the model alone."""
    model = build_model(scenario, seed, rounds, parameters)
    while model.running:
        model.play(choices.get(model.round + 1, {}))
    return Replay(model, finish_tables(model))


def choice_to_dict(choice: StateChoice) -> dict[str, Any]:
    return {"presence": choice.presence, "guarantee": choice.guarantee,
            "salience_presence": choice.salience_presence,
            "salience_guarantee": choice.salience_guarantee,
            "pledges": sorted(choice.pledges)}


def choice_from_dict(d: Mapping[str, Any]) -> StateChoice:
    return StateChoice(presence=float(d["presence"]), guarantee=float(d["guarantee"]),
                       salience_presence=float(d["salience_presence"]),
                       salience_guarantee=float(d["salience_guarantee"]),
                       pledges=frozenset(str(p) for p in d.get("pledges", ())))


def models_by_round(scenario: Scenario, seed: int, rounds: int | None,
                    choices: Mapping[int, Mapping[str, StateChoice]],
                    parameters: Mapping[str, Any] | None = None,
                    upto: int | None = None) -> list[ClassModel]:
    """The run after each round 0, 1, …, ``upto`` (one model per round, for the debrief's
    replay; a model cannot be rewound, so each is rebuilt from the start)."""
    out = []
    last = upto if upto is not None else (rounds if rounds is not None else
                                          len(scenario.rounds))
    for r in range(last + 1):
        model = build_model(scenario, seed, rounds, parameters)
        while model.round < r and model.running:
            model.play(choices.get(model.round + 1, {}))
        out.append(model)
    return out


def read_choices(path) -> dict[int, dict[str, StateChoice]]:
    """Choices by round from a class export's ``choices.csv`` (rows not submitted are the
    model's) or ``session.json``; one line naming the file and the problem otherwise."""
    import json
    from pathlib import Path

    import pandas as pd

    from model.errors import InputError

    path = Path(path)
    out: dict[int, dict[str, StateChoice]] = {}
    try:
        if path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            for r in data["history"]:
                out[int(r["round"])] = {c: choice_from_dict(ch) for c, ch in r["choices"].items()}
            return out
        table = pd.read_csv(path, keep_default_na=False)
        for row in table.itertuples(index=False):
            if str(row.submitted).lower() not in ("true", "1"):
                continue
            out.setdefault(int(row.round), {})[str(row.state)] = StateChoice(
                presence=float(row.presence), guarantee=float(row.guarantee),
                salience_presence=float(row.salience_presence),
                salience_guarantee=float(row.salience_guarantee),
                pledges=frozenset(str(row.pledges).split()))
    except FileNotFoundError:
        raise InputError(f"--choices {path}: no such file") from None
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise InputError(f"--choices {path}: not a class session's choices ({exc})") from None
    return out

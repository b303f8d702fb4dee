"""Students' choices in the model: the hook ``NegotiationModel.step(choices=...)``, and replay.

A state played by a student states its own position each round; the mechanism does not move
it that round (it still moves everyone else, with the student's position among the inputs);
its pledges are the kinds the student offers *and* its own rules allow (threshold, conditions,
red lines). This is the human-in-the-loop use of an agent-based model as in participatory
modelling and HubNet (Wilensky & Stroup 1999): a human replaces an agent's decision rule,
the rest of the world stays the model's.

The model core gets the hook ``NegotiationModel.step(choices)`` with a ``StateChoice`` per
state on the ``twod`` branch. Until the model has it, :class:`ClassModel` provides the same
interface on the one-dimensional model (``guarantee`` is recorded but has no dimension to act
on). :func:`replay` rebuilds a class session's run from the scenario, the seed and the
students' choices, round by round.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model.negotiation import NegotiationModel
from model.run import RunTables, tables_of
from model.scenario import Scenario

try:  # the model's own hook (twod branch)
    from model.negotiation import StateChoice  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - exercised until twod is merged

    @dataclass(frozen=True)
    class StateChoice:  # type: ignore[no-redef]
        """What a student decides for their state in one round (same fields as the model's)."""

        presence: float
        guarantee: float
        salience_presence: float
        salience_guarantee: float
        pledges: frozenset[str] = field(default_factory=frozenset)


#: Points a stated position may move per round and dimension when the scenario sets none.
DEFAULT_MAX_MOVE = 10.0

DIMENSIONS = ("presence", "guarantee")

_MODEL_HAS_HOOK = "choices" in inspect.signature(NegotiationModel.step).parameters


def max_move(model: NegotiationModel) -> float:
    """The largest change of a stated position in one round (scenario parameter or default)."""
    return float(getattr(model.params, "max_move", DEFAULT_MAX_MOVE) or DEFAULT_MAX_MOVE)


def dimension_keys(model: NegotiationModel) -> tuple[str, ...]:
    """The issue dimensions of the scenario, by key (``presence``, maybe ``guarantee``)."""
    return tuple(d.key for d in model.scenario_config.dimensions)


def current_position(model: NegotiationModel, code: str) -> dict[str, float]:
    """A state's position now, per dimension (``guarantee`` absent from a 1-D model)."""
    i = model.codes.index(code)
    pos = np.asarray(model.positions[i], dtype=float).ravel()
    keys = dimension_keys(model)
    return {k: float(pos[j]) for j, k in enumerate(keys) if j < pos.size}


def current_salience(model: NegotiationModel, code: str) -> dict[str, float]:
    i = model.codes.index(code)
    sal = np.asarray(model.salience[i], dtype=float).ravel()
    keys = dimension_keys(model)
    if sal.size == 1:
        return {k: float(sal[0]) for k in keys}
    return {k: float(sal[j]) for j, k in enumerate(keys) if j < sal.size}


def position_range(model: NegotiationModel, code: str) -> dict[str, tuple[float, float]]:
    """Per dimension, the positions a student may state this round: within ``max_move`` of
    now, on the scale, and below the state's red-line ceiling."""
    step = max_move(model)
    out = {}
    i = model.codes.index(code)
    dims = {d.key: d for d in model.scenario_config.dimensions}
    ceilings = np.asarray(model.ceilings[i], dtype=float).ravel()
    for j, (key, value) in enumerate(current_position(model, code).items()):
        lo = max(dims[key].min, value - step)
        hi = min(dims[key].max, value + step)
        ceil = float(ceilings[min(j, ceilings.size - 1)])
        if j == 0 or ceilings.size > 1:
            hi = min(hi, ceil)
        out[key] = (lo, max(lo, hi))
    return out


def allowed_pledges(model: NegotiationModel, code: str) -> list[str]:
    """Kinds of pledge a state could offer at all: it has capacity and no red line forbids
    them (whether its threshold and conditions let it pledge is decided by its rules)."""
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


class ClassModel(NegotiationModel):
    """``NegotiationModel`` whose ``step`` takes the students' choices for this round."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._choices: dict[str, StateChoice] = {}
        super().__init__(*args, **kwargs)

    def step(self, choices: Mapping[str, StateChoice] | None = None) -> None:  # type: ignore[override]
        choices = {c: bounded(self, c, ch) for c, ch in (choices or {}).items()
                   if c in self.states}
        if _MODEL_HAS_HOOK:  # pragma: no cover - once twod is merged
            super().step(choices=choices)
            return
        self._choices = choices
        originals = {}
        for code, choice in choices.items():
            agent = self.states[code]
            originals[code] = agent.decide_pledges

            def offered(agent=agent, kinds=choice.pledges):
                decided = type(agent).decide_pledges(agent)
                return {k: v for k, v in decided.items() if k in kinds}

            agent.decide_pledges = offered  # this round only
        try:
            super().step()
        finally:
            for code in originals:
                del self.states[code].decide_pledges
            self._choices = {}

    def _move_positions(self, spec) -> None:  # adapter for the 1-D model
        before = self.positions.copy()
        for code, choice in self._choices.items():  # the mechanism sees the stated positions
            i = self.codes.index(code)
            before[i] = choice.presence
            self.salience[i] = choice.salience_presence
        self.positions = before
        super()._move_positions(spec)
        for code, choice in self._choices.items():  # and does not move them this round
            self.positions[self.codes.index(code)] = choice.presence


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
        model.step(choices.get(model.round + 1, {}))
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
            model.step(choices.get(model.round + 1, {}))
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

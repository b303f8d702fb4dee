"""``NegotiationModel``: states meet over summits; positions move, pledges follow, Russia answers.

One ``step()`` is one round (a summit). Before it, the round's shocks apply (a change of
US backstop, a ceasefire, a Russian threat, a change of government). Then:

1. the attendees' positions move by the chosen mechanism (:mod:`model.mechanisms`), all at
   once in numpy; red lines cap positions (Russia never moves to accept troops in Ukraine);
2. every state decides its pledges by the threshold rule of :mod:`agents.state`, from last
   round's coalition (simultaneous decisions, so the order of agents never matters);
3. Russia's threat level answers the new coalition (:mod:`agents.opposer`);
4. the round is written to the ``DataCollector`` and to the plain-text event log.

The only randomness is each state's private threshold offset (drawn once from ``rng``) and
the random encounters of the Deffuant mechanism: same scenario, parameters and seed give
identical results. The model does no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from agents import OpposerAgent, StateAgent
from model.mechanisms import get_mechanism, weighted_mean
from model.scenario import Round, Scenario, load_scenario, with_overrides


@dataclass(frozen=True)
class Event:
    round: int
    date: dt.date | None
    venue: str
    text: str

    def __str__(self) -> str:
        when = self.date.isoformat() if self.date else f"round {self.round}"
        return f"{self.venue}, {when}: {self.text}"


PLEDGE_TYPES = ("ground", "air", "maritime", "training", "logistics", "monitoring")


def _fmt(n: float) -> str:
    return f"{n:,.0f}"


class NegotiationModel(mesa.Model):
    """The negotiation over a coalition of the willing, built from a scenario.

    Keyword parameters override the scenario's ``[parameters]`` (``us_backstop=0.8``) and,
    through ``overrides``, any actor attribute by path (``{"actors.DE.salience": 0.9}``), so
    that ``mesa.batch_run`` and the sweep runner can construct it.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        rng: int | np.random.Generator | None = None,
        rounds: int | None = None,
        overrides: dict[str, Any] | None = None,
        datacollector: bool = True,
        **parameters: Any,
    ) -> None:
        if "seed" in parameters:  # Mesa < 3.4 style, and mesa.batch_run
            seed = parameters.pop("seed")
            rng = seed if rng is None else rng
        super().__init__(rng=rng)
        if scenario is None:
            from model.resources import DEFAULT_SCENARIO

            scenario = DEFAULT_SCENARIO
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        scenario = with_overrides(
            scenario, {**parameters, **(overrides or {})}, origin="parameters"
        )
        self.scenario_config = scenario  # Mesa >= 3.4 owns Model.scenario
        self.params = scenario.parameters
        self.step_positions = get_mechanism(self.params.mechanism)
        self.total_rounds = len(scenario.rounds) if rounds is None else rounds
        if self.total_rounds < 0:
            raise ValueError(f"rounds must be >= 0, got {rounds}")

        self.codes = list(scenario.actors)
        actors = [scenario.actors[c] for c in self.codes]
        self.capability = np.array([a.capability for a in actors], dtype=float)
        self.positions = np.array([a.position for a in actors], dtype=float)
        self.salience = np.array([a.salience for a in actors], dtype=float)
        dim = scenario.dimensions[0]
        self.scale = (dim.min, dim.max)
        types = scenario.contribution_types
        self.support_threshold = min(t.min_position for t in types.values())
        self.presence_threshold = min(
            (t.min_position for t in types.values() if t.in_ukraine), default=dim.max
        )

        offsets = self.rng.normal(0.0, self.params.threshold_noise, size=len(actors))
        self.states: dict[str, StateAgent] = {}
        for i, (code, actor) in enumerate(zip(self.codes, actors, strict=True)):
            cls = OpposerAgent if actor.kind == "opposer" else StateAgent
            self.states[code] = cls(self, code, actor, i, float(offsets[i]))
        self.opposer = next((a for a in self.states.values() if isinstance(a, OpposerAgent)), None)
        self.ceilings = np.full(len(actors), np.inf)
        for agent in self.states.values():
            for line in agent.red_lines:
                ceiling = line.position_ceiling(self.presence_threshold)
                if ceiling is not None:
                    self.ceilings[agent.index] = min(self.ceilings[agent.index], ceiling)
        self.nato_mask = np.array([a.nato for a in actors])
        self.n_contributors = sum(a.kind == "state" for a in actors)  # potential ones

        self.round = 0
        self.us_backstop = self.params.us_backstop
        self.russia_threat = 0.0
        self.ceasefire = False
        self.un_mandate = False
        self.committed_codes: frozenset[str] = frozenset()
        self.n_contributing = 0
        self.events: list[Event] = []
        self.round_reporters = {
            "contributors": NegotiationModel.contributors,
            "ground_states": lambda m: len(m.committed_codes),
            "troops_pledged": lambda m: m.pledged("ground"),
            "mean_position": lambda m: m.mean_position(),
            "russia_threat": lambda m: m.russia_threat,
            "us_backstop": lambda m: m.us_backstop,
            "ceasefire": lambda m: m.ceasefire,
            **{f"bloc_{b}": partial(NegotiationModel.bloc_count, bloc=b)
               for b in ("committed", "conditional", "support", "opposed")},
        }
        # Mesa's DataCollector, for SolaraViz and mesa.batch_run; run_one turns it off and
        # builds its tables from the lean per-round record below (the same numbers, a
        # fraction of the cost: tests/test_model.py pins that both agree).
        self.datacollector = mesa.DataCollector(
            model_reporters=self.round_reporters,
            agent_reporters={
                "actor": "code",
                "position": "position",
                **{f"pledge_{t}": partial(StateAgent.pledge, kind=t) for t in PLEDGE_TYPES},
                "contributor": "contributor",
                "bloc": "bloc",
            },
        ) if datacollector else None
        self.round_record: list[dict[str, Any]] = []
        self.actor_record: list[tuple[np.ndarray, np.ndarray, list[bool], list[str]]] = []
        for agent in self.states.values():
            agent.bloc = agent.classify()
        self._record()
        if self.total_rounds == 0:
            self.running = False

    # -- views the agents and the viz read ----------------------------------------------
    @property
    def committed_last_round(self) -> int:
        return len(self.committed_codes)

    def bandwagon_shares(self, agent: StateAgent) -> tuple[float, float]:
        """Share of the other potential contributors, and of ``agent``'s friends, committed."""
        others = self.n_contributors - (agent.kind == "state")
        committed = len(self.committed_codes - {agent.code})
        share_all = committed / others if others else 0.0
        friends = agent.friends
        share_friends = (sum(f in self.committed_codes for f in friends) / len(friends)
                         if friends else 0.0)
        return share_all, share_friends

    def nato_consensus(self) -> bool:
        """Enough NATO members stand at or above a presence in Ukraine (a consensus proxy)."""
        if not self.nato_mask.any():
            return False
        share = np.mean(self.positions[self.nato_mask] >= self.presence_threshold)
        return bool(share >= self.params.nato_consensus_share)

    def contributors(self) -> int:
        """States pledging anything this round (counted once per round)."""
        return self.n_contributing

    def pledged(self, kind: str) -> float:
        return float(sum(a.pledges.get(kind, 0.0) for a in self.states.values()))

    def mean_position(self) -> float:
        return float(weighted_mean(self.capability, self.positions, self.salience))

    def bloc_count(self, bloc: str) -> int:
        return sum(a.bloc == bloc for a in self.states.values())

    def round_spec(self, number: int) -> Round | None:
        """The scenario's round ``number`` (1-based), or None past the scenario's rounds."""
        rounds = self.scenario_config.rounds
        return rounds[number - 1] if number <= len(rounds) else None

    def attendees(self, spec: Round | None) -> list[str]:
        """Codes of the actors at the table in a round (everyone past the scenario)."""
        present = self.codes if spec is None or spec.attendees == "all" else spec.attendees
        absent = set(spec.absent) if spec else set()
        return [c for c in present if c not in absent]

    # -- the round ----------------------------------------------------------------------
    def _log(self, spec: Round | None, text: str) -> None:
        venue = spec.venue if spec else "Extra round"
        self.events.append(Event(self.round, spec.date if spec else None, venue, text))

    def _apply_shocks(self, spec: Round | None) -> float:
        """Apply the shocks before this round; return the threat they add."""
        threat = 0.0
        shocks = list(spec.shocks) if spec else []
        if self.params.ceasefire_round == self.round and not self.ceasefire:
            self.ceasefire = True
            self._log(spec, "A ceasefire takes effect (the ceasefire_round lever).")
        for shock in shocks:
            if shock.kind == "us_backstop":
                level = shock.value if shock.value is not None else self.us_backstop + shock.change
                # rounded: announced levels, so that 0.35 - 0.20 + 0.35 - 0.10 meets a 0.40
                # condition as it should (float sums would give 0.39999999999999997)
                self.us_backstop = round(float(np.clip(level, 0.0, 1.0)), 6)
            elif shock.kind == "ceasefire":
                self.ceasefire = bool(shock.value)
            elif shock.kind == "un_mandate":
                self.un_mandate = bool(shock.value)
            elif shock.kind == "russian_threat":
                threat += float(shock.value)
            elif shock.kind == "government_change":
                i = self.codes.index(shock.actor)
                if shock.position is not None:
                    self.positions[i] = shock.position
                if shock.shift is not None:
                    self.positions[i] = np.clip(self.positions[i] + shock.shift, *self.scale)
                if shock.salience is not None:
                    self.salience[i] = shock.salience
            self._log(spec, f"Before the round: {shock.note}.")
        return threat

    def inject(self, kind: str, value: float, note: str) -> None:
        """A what-if shock from outside the scenario (the live view's buttons), effective now."""
        if kind == "us_backstop":
            self.us_backstop = float(np.clip(value, 0.0, 1.0))
        elif kind == "ceasefire":
            self.ceasefire = bool(value)
        elif kind == "russian_threat":
            self.russia_threat = float(np.clip(self.russia_threat + value, 0.0, 1.0))
        else:
            raise ValueError(f"cannot inject a {kind!r} shock")
        self._log(self.round_spec(self.round + 1), f"What-if: {note}.")

    def _move_positions(self, spec: Round | None) -> None:
        attendees = self.attendees(spec)
        idx = np.array([self.codes.index(c) for c in attendees])
        # distances on the dimension's declared scale, not the attendees' spread
        # (Scholz et al. 2011 keep D fixed; issue 10)
        moved = self.step_positions(self.positions[idx], self.capability[idx],
                                    self.salience[idx], self.rng,
                                    lo=self.scale[0], hi=self.scale[1])
        new = self.positions.copy()
        new[idx] = moved
        self.positions = np.clip(np.minimum(new, self.ceilings), *self.scale)

    def step(self) -> None:
        if self.round >= self.total_rounds:
            self.running = False
            return
        self.round += 1
        spec = self.round_spec(self.round)
        threat_shock = self._apply_shocks(spec)
        self._move_positions(spec)

        before = {code: (dict(a.pledges), a.bloc) for code, a in self.states.items()}
        decided = {code: a.decide_pledges() for code, a in self.states.items()}
        for code, agent in self.states.items():
            agent.pledges = decided[code]
        for agent in self.states.values():
            agent.bloc = agent.classify()
        self.committed_codes = frozenset(c for c, a in self.states.items() if a.committed)
        self.n_contributing = sum(a.contributor for a in self.states.values())
        self._log_changes(spec, before)

        if self.opposer is not None:
            threat = self.opposer.respond(
                troops_in_ukraine=self.pledged("ground") + self.pledged("monitoring"),
                ground_states=len(self.committed_codes),
                mean_position=self.mean_position(),
                shock=threat_shock,
            )
            if abs(threat - self.russia_threat) >= 0.01:
                verb = "rises" if threat > self.russia_threat else "falls"
                self._log(spec, f"{self.opposer.name}'s threat level {verb} to {threat:.2f}.")
            self.russia_threat = threat
        self._log(spec, (
            f"{self.contributors()} contributors; "
            f"{len(self.committed_codes)} states pledge ground troops "
            f"({_fmt(self.pledged('ground'))} troops)."
        ))
        self._record()
        if self.round >= self.total_rounds:
            self.running = False

    def _record(self) -> None:
        """This round's model values and, per actor, position, pledges, contributor, bloc."""
        if self.datacollector is not None:
            self.datacollector.collect(self)
        self.round_record.append({k: f(self) for k, f in self.round_reporters.items()})
        agents = list(self.states.values())
        pledges = np.array([[a.pledges.get(t, 0.0) for t in PLEDGE_TYPES] for a in agents],
                           dtype=float)
        self.actor_record.append((self.positions.copy(), pledges,
                                  [a.contributor for a in agents], [a.bloc for a in agents]))

    def _log_changes(self, spec: Round | None, before: dict) -> None:
        for code, agent in self.states.items():
            old_pledges, old_bloc = before[code]
            joined = {k: v for k, v in agent.pledges.items() if k not in old_pledges}
            dropped = [k for k in old_pledges if k not in agent.pledges]
            if joined:
                what = ", ".join(f"{k} ({_fmt(v)})" for k, v in joined.items())
                verb = "pledges" if not old_pledges else "adds"
                self._log(spec, f"{agent.name} {verb} {what}.")
            if dropped:
                why = f" until there is {', '.join(agent.unmet)}" if agent.unmet else ""
                self._log(spec, f"{agent.name} withdraws its {', '.join(dropped)} pledge{why}.")
            if agent.bloc == "conditional" and old_bloc != "conditional":
                self._log(spec, f"{agent.name} would deploy once there is "
                                f"{', '.join(agent.unmet)}.")

"""``NegotiationModel``: states meet over summits; stated positions move, stances follow.

One ``step()`` is one round (a meeting). Before it, the round's shocks apply, each at its
own date (announcements, government changes, news, a ceasefire, a Russian threat). Then:

1. the attendees bargain over the terms of the deal for ``turns_per_meeting`` turns of
   the chosen mechanism (:mod:`model.mechanisms`) on the dimensions' declared scales, all
   at once in numpy: each opens with its current stated position; red lines cap positions
   per dimension; an actor moved by announcements only (the US) keeps its position but
   counts in the others' bargaining. The deal's terms are the capability×salience-
   weighted mean of the attendees' stated positions after bargaining. Each attendee's
   ideal then moves a share ``accommodation`` towards its stated position (KTAB's ideal
   adjustment);
2. every state takes its stance and decides its pledges by the rule of
   :mod:`agents.state`, from last round's coalition (simultaneous decisions, so the order
   of agents never matters);
3. Russia's threat level answers the deployed forces (:mod:`agents.opposer`);
4. the round is written to the per-round record, the ``DataCollector`` and the event log.

The only randomness is each state's private threshold offset (drawn once from ``rng``) and
the random encounters of the Deffuant mechanism: same scenario, parameters and seed give
identical results. The model does no I/O.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import mesa
import numpy as np

from agents import OpposerAgent, StateAgent, StateChoice
from agents.state import STANCES, Decision
from model.errors import InputError
from model.mechanisms import MECHANISMS, weighted_mean
from model.scenario import Round, Scenario, with_overrides

_ROUNDS_TEXT: dict[int, tuple[Any, str]] = {}


def _rounds_text(rounds: Any) -> str:
    """``repr(rounds)`` (every meeting and shock), memoised for the last few scenarios."""
    hit = _ROUNDS_TEXT.get(id(rounds))
    if hit is None or hit[0] is not rounds:
        if len(_ROUNDS_TEXT) >= 16:
            _ROUNDS_TEXT.clear()
        hit = _ROUNDS_TEXT[id(rounds)] = (rounds, repr(rounds))
    return hit[1]


_LEAN_COLUMNS = ("contributors", "ground_states", "troops_pledged", "mean_position",
                 "russia_threat", "us_backstop", "ceasefire", "bloc_committed",
                 "bloc_conditional", "bloc_support", "bloc_opposed", *STANCES,
                 "willing_troops", "contributors_inside", "contributors_outside",
                 "troops_deployed", "troops_intended", "deal_presence", "deal_guarantee")


@dataclass(frozen=True)
class BargainingRound:
    """What a round's shocks and bargaining leave, before any state decides: a function of
    the scenario and :data:`BARGAINING_PARAMETERS` alone when every mechanism is seed-free,
    since no stance, pledge or threat feeds back into positions."""

    stated: np.ndarray
    ideals: np.ndarray
    saliences: np.ndarray
    deal: np.ndarray | float
    ceasefire: bool
    un_mandate: bool
    us_level: float
    us_low: float
    threat_shock: float
    events: tuple


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
# Mechanisms that never draw a random number (their step ignores ``rng``): the model calls
# them with ``rng=None``, so the bargaining of a run cannot depend on its seed
SEED_FREE_MECHANISMS = frozenset({"smp", "eum", "compromise", "hk"})
# Every parameter the shocks, the bargaining and the ideal adjustment read (nothing else in
# ``Parameters`` reaches them; ``tests/test_shared_bargaining.py`` checks it)
BARGAINING_PARAMETERS = ("mechanism", "mechanism_presence", "mechanism_guarantee",
                         "turns_per_meeting", "accommodation", "freeze_positions", "max_move",
                         "us_backstop", "ceasefire_round")
Bargain = Callable[[np.ndarray, np.ndarray, np.ndarray, np.random.Generator, float, float],
                   np.ndarray]


def _fmt(n: float) -> str:
    return f"{n:,.0f}"


def _bargainer(name: str) -> Bargain:
    """The mechanism ``name`` called on a declared range ``[lo, hi]``.

    Mechanisms that take the keyword-only range (``step(x, c, s, rng, *, lo, hi)``) get it;
    the EUM without it gets ``span = hi - lo`` through ``eum_round``; the others are called
    as they are (their rules do not depend on the actors' spread)."""
    if name not in MECHANISMS:
        raise InputError(f"parameters.mechanism: {name!r} is not available in this build "
                         f"(choose one of {', '.join(MECHANISMS)})")
    fn = MECHANISMS[name]
    if name == "smp":
        # KTAB needs capability > 0 and each actor's saliences summing to at most 1: the
        # per-dimension saliences (each in [0, 1]) are divided by the number of dimensions
        def smp(x, c, s, rng, lo, hi):
            s2 = np.atleast_2d(np.asarray(s, dtype=float).T).T
            s2 = s2 / s2.shape[1]
            # an actor whose saliences were all shocked to 0 (KTAB throws) keeps a trace
            s2 = np.where(s2.sum(axis=1, keepdims=True) > 0, s2, 1e-6)
            return fn(x, np.maximum(c, 1e-3), s2, rng, lo=lo, hi=hi)

        return smp
    params = inspect.signature(fn).parameters
    if "lo" in params and "hi" in params:
        return lambda x, c, s, rng, lo, hi: fn(x, c, s, rng, lo=lo, hi=hi)
    if name == "eum":
        from model.mechanisms.eum import eum_round

        return lambda x, c, s, rng, lo, hi: eum_round(c, x, s, span=hi - lo)
    return lambda x, c, s, rng, lo, hi: fn(x, c, s, rng)


class NegotiationModel(mesa.Model):
    """The negotiation over a coalition of the willing, built from a scenario.

    Keyword parameters override the scenario's ``[parameters]`` (``turns_per_meeting=3``)
    and, through ``overrides``, any actor attribute by path (``{"actors.DE.salience": 0.9}``),
    so that ``mesa.batch_run`` and the sweep runner can construct it.

    Arrays (rows in scenario order, one column per dimension): ``ideals``, ``stated``,
    ``saliences``; ``positions`` is the stated presence (the first dimension).

    ``shared_bargaining``: a dict the caller keeps across runs (the sweep worker, per
    process). When every mechanism is seed-free, the rounds' shocks and bargaining depend
    only on the scenario and :data:`BARGAINING_PARAMETERS`, not on the seed (which enters
    through the private offsets, drawn once, and random mechanisms): the first run of those
    inputs records each round's result there, the others replay it instead of bargaining
    again. Identical tables either way (``tests/test_shared_bargaining.py``).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        rng: int | np.random.Generator | None = None,
        rounds: int | None = None,
        overrides: dict[str, Any] | None = None,
        datacollector: bool = True,
        shared_bargaining: dict | None = None,
        **parameters: Any,
    ) -> None:
        if "seed" in parameters:  # Mesa < 3.4 style, and mesa.batch_run
            seed = parameters.pop("seed")
            rng = seed if rng is None else rng
        super().__init__(rng=rng)
        self._choices: dict[str, StateChoice] = {}  # for the next step (play)
        self._us_now: float | None = None  # the US backstop, fixed while states decide
        if not isinstance(scenario, Scenario):
            raise TypeError("NegotiationModel takes a Scenario (read files with "
                            f"inputs.scenario_file.load_scenario), got {type(scenario).__name__}")
        scenario = with_overrides(
            scenario, {**parameters, **(overrides or {})}, origin="parameters"
        )
        self.scenario_config = scenario  # Mesa >= 3.4 owns Model.scenario
        self.params = scenario.parameters
        self.total_rounds = len(scenario.rounds) if rounds is None else rounds
        if self.total_rounds < 0:
            raise ValueError(f"rounds must be >= 0, got {rounds}")

        self.dims = list(scenario.dimensions)
        self.keys = [d.key for d in self.dims]
        self.n_dims = len(self.dims)
        self.guarantee_index = 1 if self.n_dims > 1 else 0
        self.lo = np.array([d.min for d in self.dims], dtype=float)
        self.hi = np.array([d.max for d in self.dims], dtype=float)
        self.scale = (self.dims[0].min, self.dims[0].max)
        self._bargain_joint: Bargain | None = None
        self._bargain: list[Bargain] = []
        if self.params.mechanism == "smp":
            self._bargain_joint = _bargainer("smp")
        for key in self.keys:
            own = getattr(self.params, f"mechanism_{key}", None)
            self._bargain.append(_bargainer(own or (
                "eum" if self.params.mechanism == "smp" else self.params.mechanism)))
        if self._bargain_joint is not None and any(
                getattr(self.params, f"mechanism_{k}", None) for k in self.keys):
            self._bargain_joint = None  # a per-dimension choice overrides the joint one
        used = {"smp"} if self._bargain_joint is not None else {
            getattr(self.params, f"mechanism_{k}", None) or (
                "eum" if self.params.mechanism == "smp" else self.params.mechanism)
            for k in self.keys}
        self._seed_free = used <= SEED_FREE_MECHANISMS

        self.codes = list(scenario.actors)
        actors = [scenario.actors[c] for c in self.codes]
        self.capability = np.array([a.capability for a in actors], dtype=float)
        self.ideals = np.array([a.ideal(self.keys) for a in actors], dtype=float)
        self.saliences = np.array([a.saliences(self.keys) for a in actors], dtype=float)
        types = scenario.contribution_types
        self.type_dimension = {t: self.dimension_index(spec.dimension)
                               for t, spec in types.items()}
        self.support_threshold = min(
            (t.min_position for k, t in types.items() if self.type_dimension[k] == 0),
            default=self.dims[0].max)
        self.presence_threshold = min(
            (t.min_position for t in types.values() if t.in_ukraine), default=self.dims[0].max)

        offsets = self.rng.normal(0.0, self.params.threshold_noise, size=len(actors))
        # an actor moved only by its dated announcements (the US, Russia) states its stance
        # publicly: no private threshold noise (the draws are kept so other streams stay put)
        offsets[[a.moved_by == "announcements" for a in actors]] = 0.0
        self.states: dict[str, StateAgent] = {}
        for i, (code, actor) in enumerate(zip(self.codes, actors, strict=True)):
            cls = OpposerAgent if actor.kind == "opposer" else StateAgent
            self.states[code] = cls(self, code, actor, i, float(offsets[i]))
        self.opposer = next((a for a in self.states.values() if isinstance(a, OpposerAgent)), None)
        self.offsets = np.array([a.offset for a in self.states.values()], dtype=float)
        n = len(actors)
        # friends as a count matrix (a friend outside the scenario is never willing) and,
        # per actor, how many friends it names and how many other potential contributors
        # it has: the bandwagon shares of all states at once (:meth:`willingness_all`)
        row = {c: i for i, c in enumerate(self.codes)}
        self._friends = np.zeros((n, n), dtype=np.int64)
        for i, a in enumerate(self.states.values()):
            for f in a.friends:
                if f in row:
                    self._friends[i, row[f]] += 1
        self._n_friends = np.array([len(a.friends) for a in self.states.values()],
                                   dtype=np.int64)
        self._others = np.array([0] * n, dtype=np.int64)
        self._burden_rows = np.array([c != "US" for c in self.codes])
        self._will: np.ndarray | None = None  # this round's willingness, while states decide
        self._nato_now: bool | None = None
        self.ceilings = np.full((len(actors), self.n_dims), np.inf)
        thresholds: dict[str, dict[str, float]] = {}
        for t, spec in types.items():
            thresholds.setdefault(self.keys[self.type_dimension[t]], {})[t] = spec.min_position
        lo = dict(zip(self.keys, self.lo, strict=True))
        for agent in self.states.values():
            for line in agent.red_lines:
                if self.n_dims == 1 and line.kind != "western_troops_in_ukraine":
                    continue  # one axis: only Russia's red line caps it (as before 2-D)
                for key, cap in line.ceilings(thresholds, self.presence_threshold,
                                              self.keys[0], lo).items():
                    k = self.keys.index(key)
                    self.ceilings[agent.index, k] = min(self.ceilings[agent.index, k], cap)
        self.ideals = self._bounded(self.ideals)
        self.us_index = self.codes.index("US") if "US" in self.codes else None
        if self.params.us_backstop is not None and self.us_index is not None:
            self.ideals[self.us_index, self.guarantee_index] = self._backstop_position(
                self.params.us_backstop)
        self.stated = self.ideals.copy()
        self._us_start = self.us_backstop if self.us_index is not None else 0.0
        self._us_low = self._us_start
        self.bargains = np.array([a.moved_by == "bargaining" for a in actors])
        self.nato_mask = np.array([a.nato for a in actors])
        self.n_contributors = sum(a.kind == "state" for a in actors)  # potential ones
        self._others = self.n_contributors - np.array([a.kind == "state" for a in actors],
                                                      dtype=np.int64)
        self.un_mandate_blocked = self.opposer is not None and not any(
            sh.kind == "un_mandate" for r in scenario.rounds for sh in r.shocks)

        self.round = 0
        self._us_level = self.params.us_backstop if self.params.us_backstop is not None else 0.0
        self.russia_threat = 0.0
        self.ceasefire = False
        self.un_mandate = False
        self.deal = weighted_mean(self.capability, self.stated, self.saliences)
        self.committed_codes: frozenset[str] = frozenset()
        self.willing_codes: frozenset[str] = frozenset()
        self.contributor_codes: frozenset[str] = frozenset()
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
            **{s: partial(NegotiationModel.stance_count, stance=s) for s in STANCES},
            "willing_troops": lambda m: sum(a.willing_troops for a in m.states.values()),
            "contributors_inside": lambda m: m.contributors_inside(),
            "contributors_outside": lambda m: m.contributors_outside(),
            "troops_deployed": lambda m: m.pledged("ground"),
            "troops_intended": lambda m: m.intended("ground"),
            "deal_presence": lambda m: float(np.atleast_1d(m.deal)[0]),
            "deal_guarantee": lambda m: float(np.atleast_1d(m.deal)[m.guarantee_index]),
        }
        # Mesa's DataCollector, for SolaraViz and mesa.batch_run; run_one turns it off and
        # builds its tables from the lean per-round record below (the same numbers, a
        # fraction of the cost: tests/test_model.py pins that both agree).
        self.datacollector = mesa.DataCollector(
            model_reporters=self.round_reporters,
            agent_reporters={
                "actor": "code",
                "position": "position",
                "presence": "presence",
                "guarantee": "guarantee",
                **{f"pledge_{t}": partial(StateAgent.pledge, kind=t) for t in PLEDGE_TYPES},
                "contributor": "contributor",
                "bloc": "bloc",
                "stance": "stance",
                "blocked_by": "blocked_by",
            },
        ) if datacollector else None
        self.round_record: list[dict[str, Any]] = []
        self.actor_record: list[tuple] = []
        self._shared: list[BargainingRound] | None = None
        if shared_bargaining is not None and self._seed_free:
            self._shared = shared_bargaining.setdefault(self._bargaining_key(), [])
        # Round 0: the stance rule applied to the sourced early-2024 ideals before any
        # meeting, so that round 0 (and the "carried" baseline of the record's score) holds
        # each state's starting stance. Recorded only: the dynamics from round 1 start from
        # the same state (no bandwagon sets, no mandate clock, nothing pledged before the
        # first meeting).
        for agent in self.states.values():
            start = agent.decide()
            agent.stance, agent.blocked_by, agent.unmet = (start.stance, start.blocked_by,
                                                           start.unmet)
            agent.bloc = agent.classify()
        self._record()
        if self.total_rounds == 0:
            self.running = False

    # -- views the agents and the viz read ----------------------------------------------
    @property
    def positions(self) -> np.ndarray:
        """Stated positions on the first (presence) dimension."""
        return self.stated[:, 0]

    @property
    def salience(self) -> np.ndarray:
        return self.saliences[:, 0]

    @property
    def us_backstop(self) -> float:
        """The US position on the guarantee dimension, mapped onto 0..1 (the backstop)."""
        if self._us_now is not None:
            return self._us_now
        if self.us_index is None:
            return self._us_level
        g = self.guarantee_index
        value = (self.stated[self.us_index, g] - self.lo[g]) / (self.hi[g] - self.lo[g])
        return round(float(value), 6)

    @property
    def us_retreat(self) -> float:
        """How far the US guarantee has ever fallen below its starting level, as a share of
        it (0..1): what ``burden_shift`` turns into European willingness (a ratchet: the
        lesson of a US retreat is not unlearned by a later offer)."""
        if self.us_index is None or self._us_start <= 0:
            return 0.0
        return max(0.0, (self._us_start - self._us_low) / self._us_start)

    def _backstop_position(self, level: float) -> float:
        g = self.guarantee_index
        return float(self.lo[g] + np.clip(level, 0.0, 1.0) * (self.hi[g] - self.lo[g]))

    @property
    def deal_presence(self) -> float:
        """The deal's presence term after this round's bargaining."""
        return float(np.atleast_1d(self.deal)[0])

    def dimension_index(self, key: str | None) -> int:
        return 0 if key is None else self.keys.index(key)

    def _bounded(self, x: np.ndarray, rows: Any = slice(None)) -> np.ndarray:
        """Positions of actors ``rows`` capped by their red lines and the declared scales."""
        return np.clip(np.minimum(x, self.ceilings[rows]), self.lo, self.hi)

    @property
    def committed_last_round(self) -> int:
        return len(self.committed_codes)

    def bandwagon_shares(self, agent: StateAgent, dim: int = 0) -> tuple[float, float]:
        """Share of the other potential contributors, and of ``agent``'s friends, willing
        last round: willing to put troops in Ukraine (presence) or contributing (others)."""
        willing = self.willing_codes if dim == 0 else self.contributor_codes
        others = self.n_contributors - (agent.kind == "state")
        share_all = len(willing - {agent.code}) / others if others else 0.0
        friends = agent.friends
        share_friends = (sum(f in willing for f in friends) / len(friends)
                         if friends else 0.0)
        return share_all, share_friends

    def willingness_all(self) -> np.ndarray:
        """Every actor's willingness per dimension, (n, d): the rule of
        :meth:`agents.state.StateAgent.willingness` in numpy, the same operations in the
        same order (so the same bits), for all states at once."""
        p = self.params
        n = len(self.codes)
        out = np.empty((n, self.n_dims))
        willing = np.array([c in self.willing_codes for c in self.codes], dtype=np.int64)
        contrib = (willing if self.n_dims == 1 else
                   np.array([c in self.contributor_codes for c in self.codes], dtype=np.int64))
        has_friends = self._n_friends > 0
        friends_n = np.where(has_friends, self._n_friends, 1)
        has_others = self._others != 0
        others_n = np.where(has_others, self._others, 1)
        for k in range(self.n_dims):
            w = willing if k == 0 else contrib
            share_all = np.where(has_others, (w.sum() - w) / others_n, 0.0)
            share_friends = np.where(has_friends, (self._friends @ w) / friends_n, 0.0)
            pull = p.bandwagon * ((1 - p.friend_weight) * share_all
                                  + p.friend_weight * share_friends)
            out[:, k] = self.ideals[:, k] + self.offsets + pull
        sal = self.saliences[:, 0]
        out[:, 0] -= (p.threat_sensitivity * self.russia_threat * p.russia_threat_credibility
                      * (1 - sal))
        if p.burden_shift:
            burden = p.burden_shift * self.us_retreat * sal
            out[:, 0] += np.where(self._burden_rows, burden, 0.0)
        return out

    def nato_consensus(self) -> bool:
        """Enough NATO members' stated presence reaches a presence in Ukraine (a proxy)."""
        if self._nato_now is not None:
            return self._nato_now
        if not self.nato_mask.any():
            return False
        share = np.mean(self.stated[self.nato_mask, 0] >= self.presence_threshold)
        return bool(share >= self.params.nato_consensus_share)

    def contributors(self) -> int:
        """States pledging anything this round, now or once a ceasefire holds."""
        return self.n_contributing

    def contributors_inside(self) -> int:
        """States declaring a contribution in Ukraine (standing or once a ceasefire holds)."""
        return sum(a.stance in ("deploy_now", "deploy_after_ceasefire")
                   for a in self.states.values())

    def contributors_outside(self) -> int:
        """States pledging a contribution from outside Ukraine (whatever else they do)."""
        types = self.scenario_config.contribution_types
        return sum(any(v > 0 and not types[k].in_ukraine for k, v in a.pledges.items())
                   for a in self.states.values())

    def pledged(self, kind: str) -> float:
        """Personnel pledged and standing (in Ukraine: deployed) of one type."""
        return float(sum(a.pledges.get(kind, 0.0) for a in self.states.values()))

    def deployed(self) -> float:
        """Personnel standing in Ukraine: pledged in-Ukraine types (declarations excluded)."""
        types = self.scenario_config.contribution_types
        return sum(self.pledged(k) for k, t in types.items() if t.in_ukraine)

    def intended(self, kind: str) -> float:
        """Personnel declared for Ukraine once a ceasefire holds (not deployed)."""
        return float(sum(a.intended.get(kind, 0.0) for a in self.states.values()))

    def pledges_under_ceasefire(self) -> dict[str, dict[str, float]]:
        """What each state would field once a ceasefire takes effect: its standing pledges
        and the forces it declared for after a ceasefire (the ceasefire phase's forces)."""
        out = {}
        for code, a in self.states.items():
            merged = dict(a.pledges)
            if a.stance == "deploy_after_ceasefire":
                merged.update(a.intended)
            out[code] = merged
        return out

    def mean_position(self) -> float:
        """The weighted mean stated presence of all actors (c·s weights)."""
        if not np.any(self.capability * self.salience > 0):  # saliences shocked to 0
            return float(np.atleast_1d(self.deal)[0])
        return float(weighted_mean(self.capability, self.positions, self.salience))

    def bloc_count(self, bloc: str) -> int:
        return sum(a.bloc == bloc for a in self.states.values())

    def stance_count(self, stance: str) -> int:
        return sum(a.stance == stance for a in self.states.values())

    def stance_members(self) -> dict[str, list[str]]:
        """Codes per stance this round (every stance, possibly empty)."""
        out: dict[str, list[str]] = {s: [] for s in STANCES}
        for code in sorted(self.states):
            out[self.states[code].stance].append(code)
        return out

    def round_spec(self, number: int) -> Round | None:
        """The scenario's round ``number`` (1-based), or None past the scenario's rounds."""
        rounds = self.scenario_config.rounds
        return rounds[number - 1] if number <= len(rounds) else None

    def attendees(self, spec: Round | None) -> list[str]:
        """Codes of the actors at the table in a round (everyone past the scenario)."""
        present = self.codes if spec is None or spec.attendees == "all" else spec.attendees
        absent = set(spec.absent) if spec else set()
        return [c for c in present if c not in absent]

    def _bargaining_key(self) -> tuple:
        """Everything the shocks and the bargaining of every round read (a dict key)."""
        arrays = (self.capability, self.ideals, self.stated, self.saliences, self.ceilings,
                  self.bargains, self.lo, self.hi)
        return (tuple(a.tobytes() for a in arrays), tuple(self.codes), tuple(self.keys),
                self.total_rounds, self._us_level, self._us_start,
                tuple(getattr(self.params, k) for k in BARGAINING_PARAMETERS),
                _rounds_text(self.scenario_config.rounds))

    # -- the round ----------------------------------------------------------------------
    def _log(self, spec: Round | None, text: str) -> None:
        venue = spec.venue if spec else "Extra round"
        self.events.append(Event(self.round, spec.date if spec else None, venue, text))

    def _per_dim(self, value: Any, current: np.ndarray) -> np.ndarray:
        """A shock's value (one number for the first dimension, or a table) as a row."""
        out = current.copy()
        if isinstance(value, Mapping):
            for key, v in value.items():
                out[self.keys.index(key)] = v
        else:
            out[0] = value
        return out

    def _apply_shocks(self, spec: Round | None) -> float:
        """Apply the shocks before this round; return the threat they add."""
        threat = 0.0
        shocks = list(spec.shocks) if spec else []
        if self.params.ceasefire_round == self.round and not self.ceasefire:
            self.ceasefire = True
            self._log(spec, "A ceasefire takes effect (the ceasefire_round lever).")
        frozen = self.params.freeze_positions
        for shock in shocks:
            if shock.kind == "us_backstop":
                if self.us_index is None:
                    level = shock.value if shock.value is not None \
                        else self._us_level + shock.change
                    self._us_level = round(float(np.clip(level, 0.0, 1.0)), 6)
                elif not frozen and self.params.us_backstop is None:
                    level = shock.value if shock.value is not None \
                        else self.us_backstop + shock.change
                    g, u = self.guarantee_index, self.us_index
                    self.ideals[u, g] = self.stated[u, g] = self._backstop_position(level)
            elif shock.kind == "ceasefire":
                self.ceasefire = bool(shock.value)
            elif shock.kind == "un_mandate":
                self.un_mandate = bool(shock.value)
            elif shock.kind == "russian_threat":
                threat += float(shock.value)
            elif not frozen:  # government_change, announcement, news
                i = self.codes.index(shock.actor)
                fixed_us = (i == self.us_index and self.params.us_backstop is not None)
                keep = self.ideals[i, self.guarantee_index]
                if shock.position is not None:
                    self.ideals[i] = self._per_dim(shock.position, self.ideals[i])
                    self.stated[i] = self._per_dim(shock.position, self.stated[i])
                if shock.shift is not None:
                    delta = self._per_dim(shock.shift, np.zeros(self.n_dims))
                    self.ideals[i] += delta
                    self.stated[i] += delta
                if fixed_us:  # the what-if holds the US guarantee where it was set
                    self.ideals[i, self.guarantee_index] = keep
                    self.stated[i, self.guarantee_index] = keep
                if shock.salience is not None:
                    self.saliences[i] = np.clip(self._per_dim(shock.salience, self.saliences[i]),
                                                0.0, 1.0)
                self.ideals[i] = self._bounded(self.ideals[i], i)
                self.stated[i] = self._bounded(self.stated[i], i)
            when = f" ({shock.date.isoformat()})" if shock.date else ""
            self._log(spec, f"Before the round{when}: {shock.note}.")
        return threat

    def inject(self, kind: str, value: float, note: str) -> None:
        """A what-if shock from outside the scenario (the live view's buttons), effective now."""
        self._shared = None  # from now on this run bargains on its own
        if kind == "us_backstop":
            if self.us_index is None:
                self._us_level = float(np.clip(value, 0.0, 1.0))
            else:
                g, u = self.guarantee_index, self.us_index
                self.ideals[u, g] = self.stated[u, g] = self._backstop_position(value)
        elif kind == "ceasefire":
            self.ceasefire = bool(value)
        elif kind == "russian_threat":
            self.russia_threat = float(np.clip(self.russia_threat + value, 0.0, 1.0))
        else:
            raise ValueError(f"cannot inject a {kind!r} shock")
        self._log(self.round_spec(self.round + 1), f"What-if: {note}.")

    def _bargain_turns(self, idx: np.ndarray) -> np.ndarray:
        """The attendees' stated positions after the meeting's turns (not yet applied)."""
        x = self.stated[idx].copy()
        c, s = self.capability[idx], self.saliences[idx]
        fixed = ~self.bargains[idx]
        rng = None if self._seed_free else self.rng  # a seed-free mechanism never draws
        for _ in range(self.params.turns_per_meeting):
            if self._bargain_joint is not None:
                lo = float(self.lo[0]) if np.all(self.lo == self.lo[0]) else self.lo
                hi = float(self.hi[0]) if np.all(self.hi == self.hi[0]) else self.hi
                new = np.asarray(self._bargain_joint(x, c, s, rng, lo, hi), dtype=float)
            else:
                new = np.column_stack([
                    self._bargain[k](x[:, k], c, s[:, k], rng,
                                     float(self.lo[k]), float(self.hi[k]))
                    for k in range(self.n_dims)])
            new[fixed] = x[fixed]
            x = np.clip(np.minimum(new, self.ceilings[idx]), self.lo, self.hi)
        return x

    def _move_positions(self, spec: Round | None,
                        choices: Mapping[str, StateChoice]) -> None:
        attendees = self.attendees(spec)
        idx = np.array([self.codes.index(c) for c in attendees], dtype=int)
        if self.params.freeze_positions or len(idx) == 0:
            if len(idx):
                self.deal = self._deal_of(idx)
            return
        chosen = {self.codes.index(c): ch for c, ch in choices.items()}
        for i, ch in chosen.items():  # a player's choice counts in the others' bargaining
            want = np.array([ch.presence, ch.guarantee][:self.n_dims], dtype=float)
            step = self.params.max_move
            row = np.clip(want, self.stated[i] - step, self.stated[i] + step)
            self.stated[i] = self.ideals[i] = self._bounded(row, i)
            sal = np.array([ch.salience_presence, ch.salience_guarantee][:self.n_dims])
            self.saliences[i] = np.clip(sal, 0.0, 1.0)
        if len(idx) >= 2:
            moved = self._bargain_turns(idx)
            keep = np.array([i in chosen for i in idx], dtype=bool)
            moved[keep] = self.stated[idx][keep]
            self.stated[idx] = moved
            a = self.params.accommodation
            movers = idx[self.bargains[idx] & ~keep]
            self.ideals[movers] = self._bounded(
                self.ideals[movers] + a * (self.stated[movers] - self.ideals[movers]), movers)
        self.deal = self._deal_of(idx)

    def _deal_of(self, idx: np.ndarray) -> np.ndarray:
        """The c·s weighted mean of the attendees' stated positions (Bueno de Mesquita
        1994); on a dimension where they carry no weight (saliences shocked to 0) the deal
        stays where it was."""
        w = self.capability[idx, None] * self.saliences[idx]
        total = w.sum(axis=0)
        mean = (w * self.stated[idx]).sum(axis=0) / np.where(total > 0, total, 1.0)
        return np.where(total > 0, mean, self.deal)

    def play(self, choices: Mapping[str, StateChoice] | None = None) -> None:
        """One meeting with classroom players' choices for their states (the model plays
        every other state; see :class:`agents.state.StateChoice`). Mesa 3.4+ wraps ``step``
        and calls it without arguments, so the choices reach it through this method."""
        self._choices = dict(choices or {})
        try:
            self.step()
        finally:
            self._choices = {}

    def step(self) -> None:
        """One meeting (with the choices given to :meth:`play`, if any)."""
        if self.round >= self.total_rounds:
            self.running = False
            return
        choices = self._choices
        for code in choices:
            if code not in self.states or self.states[code].kind != "state":
                raise ValueError(f"no state {code!r} to play")
        self.round += 1
        spec = self.round_spec(self.round)
        threat_shock = self._bargaining_round(spec, choices)

        before = {code: (dict(a.pledges), a.bloc, a.stance) for code, a in self.states.items()}
        # what every state reads is fixed while they decide (simultaneous decisions): the
        # willingness of all states in one numpy pass, NATO consensus and the US backstop
        self._nato_now = None
        self._nato_now = self.nato_consensus()
        self._us_now = self.us_backstop
        self._will = self.willingness_all()
        rows = self._will.tolist()
        try:
            decided: dict[str, Decision] = {
                code: a.decide(choices[code].pledges if code in choices else None,
                               will=rows[a.index])
                for code, a in self.states.items()}
        finally:
            self._will = self._nato_now = self._us_now = None
        for code, agent in self.states.items():
            agent.apply(decided[code])
        self.committed_codes = frozenset(c for c, a in self.states.items() if a.committed)
        self.willing_codes = frozenset(c for c, a in self.states.items() if a.willing_troops)
        self.contributor_codes = frozenset(c for c, a in self.states.items() if a.contributor)
        self.n_contributing = len(self.contributor_codes)
        self._log_changes(spec, before)

        if self.opposer is not None:
            deal_presence = float(np.atleast_1d(self.deal)[0])
            threat = self.opposer.respond(
                troops_in_ukraine=self.deployed(),
                ground_states=len(self.committed_codes),
                mean_position=deal_presence,
                shock=threat_shock,
            )
            if abs(threat - self.russia_threat) >= 0.01:
                verb = "rises" if threat > self.russia_threat else "falls"
                self._log(spec, f"{self.opposer.name}'s threat level {verb} to {threat:.2f}.")
            self.russia_threat = threat
        counts = self.stance_members()
        self._log(spec, (
            f"{self.contributors()} contributors; "
            f"{len(self.committed_codes)} states pledge ground troops "
            f"({_fmt(self.pledged('ground'))} troops); "
            f"{len(counts['deploy_after_ceasefire'])} would deploy after a ceasefire."
        ))
        self._record()
        if self.round >= self.total_rounds:
            self.running = False

    def _bargaining_round(self, spec: Round | None,
                          choices: Mapping[str, StateChoice]) -> float:
        """The round's shocks, bargaining and ideal adjustment (replayed from
        ``shared_bargaining`` when another run of the same inputs recorded it); returns the
        threat the shocks add."""
        shared = self._shared
        if shared is not None and (choices or len(shared) < self.round - 1):
            shared = self._shared = None  # a player's choice: this run's own bargaining
        if shared is not None and len(shared) >= self.round:
            r = shared[self.round - 1]
            self.stated, self.ideals = r.stated.copy(), r.ideals.copy()
            self.saliences = r.saliences.copy()
            self.deal = r.deal.copy() if isinstance(r.deal, np.ndarray) else r.deal
            self.ceasefire, self.un_mandate = r.ceasefire, r.un_mandate
            self._us_level, self._us_low = r.us_level, r.us_low
            self.events.extend(r.events)
            return r.threat_shock
        first_event = len(self.events)
        threat_shock = self._apply_shocks(spec)
        if self.us_index is not None:
            self._us_low = min(self._us_low, self.us_backstop)
        self._move_positions(spec, choices)
        if shared is not None:
            shared.append(BargainingRound(
                self.stated.copy(), self.ideals.copy(), self.saliences.copy(),
                self.deal.copy() if isinstance(self.deal, np.ndarray) else self.deal,
                self.ceasefire, self.un_mandate,
                self._us_level, self._us_low, threat_shock,
                tuple(self.events[first_event:])))
        return threat_shock

    def _record(self) -> None:
        """This round's model values and, per actor, positions, pledges, stance."""
        if self.datacollector is not None:
            self.datacollector.collect(self)
        agents = list(self.states.values())
        stances = [a.stance for a in agents]
        blocs = [a.bloc for a in agents]
        self.round_record.append(self._round_values(agents, stances, blocs))
        pledges = np.array([[a.pledges.get(t, 0.0) for t in PLEDGE_TYPES] for a in agents],
                           dtype=float)
        self.actor_record.append((self.stated.copy(), pledges,
                                  [a.contributor for a in agents], blocs, stances,
                                  [a.blocked_by for a in agents], self.ideals.copy()))

    def _round_values(self, agents: list[StateAgent], stances: list[str],
                      blocs: list[str]) -> dict[str, Any]:
        """The values of :attr:`round_reporters`, in their order, from one pass over the
        states (the same numbers; ``tests/test_model.py`` pins the two against each other)."""
        if set(self.round_reporters) != set(_LEAN_COLUMNS):  # a caller added a reporter
            return {k: f(self) for k, f in self.round_reporters.items()}
        ground = float(sum(a.pledges.get("ground", 0.0) for a in agents))
        types = self.scenario_config.contribution_types
        deal = np.atleast_1d(self.deal)
        values = {
            "contributors": self.n_contributing,
            "ground_states": len(self.committed_codes),
            "troops_pledged": ground,
            "mean_position": self.mean_position(),
            "russia_threat": self.russia_threat,
            "us_backstop": self.us_backstop,
            "ceasefire": self.ceasefire,
            **{f"bloc_{b}": blocs.count(b)
               for b in ("committed", "conditional", "support", "opposed")},
            **{s: stances.count(s) for s in STANCES},
            "willing_troops": stances.count("deploy_now")
            + stances.count("deploy_after_ceasefire"),
            "contributors_inside": stances.count("deploy_now")
            + stances.count("deploy_after_ceasefire"),
            "contributors_outside": sum(
                any(v > 0 and not types[k].in_ukraine for k, v in a.pledges.items())
                for a in agents),
            "troops_deployed": ground,
            "troops_intended": float(sum(a.intended.get("ground", 0.0) for a in agents)),
            "deal_presence": float(deal[0]),
            "deal_guarantee": float(deal[self.guarantee_index]),
        }
        return {k: values[k] for k in self.round_reporters}

    def _log_changes(self, spec: Round | None, before: dict) -> None:
        for code, agent in self.states.items():
            old_pledges, old_bloc, old_stance = before[code]
            joined = {k: v for k, v in agent.pledges.items() if k not in old_pledges}
            dropped = [k for k in old_pledges if k not in agent.pledges]
            if joined:
                what = ", ".join(f"{k} ({_fmt(v)})" for k, v in joined.items())
                verb = "pledges" if not old_pledges else "adds"
                self._log(spec, f"{agent.name} {verb} {what}.")
            if dropped:
                why = f" until there is {', '.join(agent.unmet)}" if agent.unmet else ""
                self._log(spec, f"{agent.name} withdraws its {', '.join(dropped)} pledge{why}.")
            if agent.stance != old_stance:
                if agent.stance == "deploy_after_ceasefire":
                    pending = [u for u in agent.unmet]
                    self._log(spec, f"{agent.name} would deploy once there is "
                                    f"{', '.join(pending) or 'a ceasefire'}.")
                elif agent.stance != "deploy_now":
                    why = (f" (blocked: {agent.blocked_by.replace('_', ' ')})"
                           if agent.blocked_by else
                           (f" (waits for {', '.join(agent.unmet)})"
                            if agent.wants_to_deploy and agent.unmet else ""))
                    self._log(spec, f"{agent.name}: {agent.stance.replace('_', ' ')}{why}.")

"""The ceasefire phase after the deal, hour by hour: the event queue, violations, the
rungs acting in turn, exposure and the outcomes. The ladder is :mod:`model.ceasefire.ladder`;
the violator's decision :mod:`model.ceasefire.violator`.

**Exposure** (a proxy for Western casualties, in person-days): while a violation is under
way, each state's personnel in Ukraine (contribution types with ``in_ukraine``) plus, once
a rung naming it has acted, its other combat forces of that rung, weighted by the
escalation ``s x (1 + rungs acted / K)``; after a collapse, all of them weighted by 2 until
the horizon.

**The event queue.** On Mesa >= 3.5 the queue is Mesa's own discrete-event scheduler
(``Model.schedule_event``) on a private clock model whose time unit is one hour; on Mesa
3.3.1, which has none, a small ``heapq`` queue with the same ordering (time, then priority,
then insertion). The negotiation model's own clock is not used: one of its time units is a
summit, and each unit fires its ``step``. Mesa holds callbacks by weak reference and
refuses partials, so each scheduled call is a small object kept alive until it fires. Both
queues give the same history for the same seed (tested).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from agents.red_lines import RedLine
from model.ceasefire.ladder import (
    RungView,
    clock_label,
    rung_actors,
    rung_strength,
    rung_view,
    severity_word,
)
from model.ceasefire.violator import choose_severity, expect, gain, threshold, utility
from model.errors import InputError
from model.scenario import CeasefireSpec, Parameters, Scenario

if TYPE_CHECKING:
    from model.negotiation import NegotiationModel

RUNG_FIRST, DECISION_LAST = 5, 10  # same-hour order: rungs act before the violator decides


# -- event queues ---------------------------------------------------------------------------
class _Call:
    """A scheduled call; Mesa keeps only a weak reference to ``fire``, the queue keeps us."""

    __slots__ = ("fn", "args", "queue", "__weakref__")

    def __init__(self, queue: Any, fn: Callable[..., None], args: tuple) -> None:
        self.queue, self.fn, self.args = queue, fn, args

    def fire(self) -> None:
        self.queue._alive.discard(self)
        self.fn(*self.args)


class HeapEventQueue:
    """A small discrete-event queue: calls run in order of (hour, priority, insertion)."""

    backend = "heapq"

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int, _Call]] = []
        self._seq = itertools.count()
        self._alive: set[_Call] = set()
        self.now = 0.0

    def schedule(self, at: float, fn: Callable[..., None], *args: Any,
                 priority: int = RUNG_FIRST) -> None:
        if at < self.now:
            raise ValueError(f"cannot schedule at hour {at}, before now ({self.now})")
        call = _Call(self, fn, args)
        self._alive.add(call)
        heapq.heappush(self._heap, (float(at), priority, next(self._seq), call))

    def run_until(self, until: float) -> None:
        while self._heap and self._heap[0][0] <= until:
            at, _, _, call = heapq.heappop(self._heap)
            self.now = at
            call.fire()
        self.now = max(self.now, until)

    def __len__(self) -> int:
        return len(self._heap)


class MesaEventQueue:
    """The same queue on Mesa's scheduler (Mesa >= 3.5): a private clock, one unit an hour."""

    backend = "mesa"

    def __init__(self) -> None:
        import mesa
        from mesa.time import Priority

        self._priority = {RUNG_FIRST: Priority.DEFAULT, DECISION_LAST: Priority.LOW}
        self._clock = mesa.Model(rng=0)  # its rng is never used: ours is the model's
        self._alive: set[_Call] = set()

    @property
    def now(self) -> float:
        return float(self._clock.time)

    def schedule(self, at: float, fn: Callable[..., None], *args: Any,
                 priority: int = RUNG_FIRST) -> None:
        call = _Call(self, fn, args)
        self._alive.add(call)
        self._clock.schedule_event(call.fire, at=float(at), priority=self._priority[priority])

    def run_until(self, until: float) -> None:
        if until > self._clock.time:
            self._clock.run_until(until)

    def __len__(self) -> int:
        return len(self._alive)


def mesa_has_events() -> bool:
    import mesa

    return hasattr(mesa.Model, "schedule_event")


def make_queue(backend: str | None = None) -> HeapEventQueue | MesaEventQueue:
    """Mesa's scheduler when the installed Mesa has one, else the heapq queue."""
    if backend is None:
        backend = "mesa" if mesa_has_events() else "heapq"
    if backend == "mesa":
        return MesaEventQueue()
    if backend == "heapq":
        return HeapEventQueue()
    raise ValueError(f"unknown queue backend {backend!r}")


@dataclass(frozen=True)
class HistoryEvent:
    hour: float
    text: str
    violation: int | None = None  # 1-based violation number
    rung: int | None = None  # 0-based rung index

    def __str__(self) -> str:
        return f"{clock_label(self.hour)} (hour {self.hour:g}): {self.text}"


@dataclass
class Violation:
    """One violation and what each rung did about it.

    ``status[k]``: ``pending``, ``acted``, ``unanswered`` (no strength), ``skipped`` (below
    the rung's ``min_severity``) or ``not needed`` (de-escalated before it).
    """

    number: int
    start_h: float
    severity: float
    by_hand: bool
    status: list[str]
    outcome: str = "active"  # active, de-escalated, collapse
    end_h: float | None = None
    stopped_by: int | None = None

    @property
    def active(self) -> bool:
        return self.outcome == "active"

    @property
    def rungs_acted(self) -> int:
        return sum(s == "acted" for s in self.status)

    @property
    def highest_rung(self) -> int | None:
        """0-based index of the highest rung that acted, or None."""
        acted = [k for k, s in enumerate(self.status) if s == "acted"]
        return acted[-1] if acted else None


# -- the phase ------------------------------------------------------------------------------
class CeasefirePhase:
    """The ceasefire after the deal, hour by hour, with the ladder of ``spec``.

    Build it with :meth:`after` (from a finished :class:`NegotiationModel`) or
    :meth:`standalone` (from a scenario whose ``[ceasefire]`` says who pledged what). Then
    :meth:`run` to the horizon, or drive it with :meth:`advance`/:meth:`step` and
    :meth:`trigger_violation` (the live view).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        pledges: dict[str, dict[str, float]],
        us_backstop: float,
        threat: float,
        rng: np.random.Generator,
        spec: CeasefireSpec | None = None,
        params: Parameters | None = None,
        queue: str | None = None,
    ) -> None:
        spec = spec or scenario.ceasefire
        if spec is None:
            raise InputError(f"{scenario.name}: the scenario has no [ceasefire] section")
        self.scenario = scenario
        self.spec = spec
        self.params = params or scenario.parameters
        self.rng = rng
        self.violator = spec.violator or scenario.opposer
        assert self.violator is not None  # the schema checks it
        self.violator_name = scenario.actors[self.violator].name
        p = self.params
        self.us_backstop = float(p.ceasefire_us_backstop if p.ceasefire_us_backstop is not None
                                 else us_backstop)
        self.threat = float(spec.threat if spec.threat is not None else threat)
        self.readiness = p.force_readiness
        self.horizon_h = p.ceasefire_horizon_days * 24.0
        base = spec.pledges if spec.pledges is not None else pledges
        self.pledges = {c: {t: float(v) for t, v in d.items() if v > 0} for c, d in base.items()}
        self.pledges = {c: d for c, d in self.pledges.items() if d}
        if p.ceasefire_ground_contributors is not None:
            self.pledges = self._counterfactual_ground(p.ceasefire_ground_contributors)
        self.ladder = [self._rung_view(k, r) for k, r in enumerate(spec.ladder)]
        self.severities = sorted(set(spec.severities))
        self.expectations = {s: self._expect(s) for s in self.severities}

        in_ukraine = {t for t, ct in scenario.contribution_types.items() if ct.in_ukraine}
        self._in_ukraine = {c: sum(v for t, v in d.items() if t in in_ukraine)
                            for c, d in self.pledges.items()}
        self._combat_out: dict[str, float] = {}
        for rung in spec.ladder:
            if rung.kind not in ("forces", "backstop"):
                continue
            types = set(rung.forces) - in_ukraine
            for code in self._actors_of(rung):
                d = self.pledges.get(code, {})
                self._combat_out[code] = max(self._combat_out.get(code, 0.0),
                                             sum(v for t, v in d.items() if t in types))
        self.exposure: dict[str, float] = {}
        self.acted_count: dict[str, int] = {}
        self._accrued_to = 0.0

        self.clock_hours = 0.0
        self.history: list[HistoryEvent] = []
        self.violations: list[Violation] = []
        self.collapsed_h: float | None = None
        self.queue = make_queue(queue)
        self._log(f"The ceasefire takes effect; horizon {p.ceasefire_horizon_days} days. "
                  f"{self._forces_sentence()}")
        if spec.decision_hours < self.horizon_h:
            self.queue.schedule(spec.decision_hours, self._decide, priority=DECISION_LAST)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def after(cls, model: NegotiationModel, *, spec: CeasefireSpec | None = None,
              queue: str | None = None) -> CeasefirePhase:
        """The phase that follows a negotiation: its pledges, backstop, threat and ``rng``."""
        return cls(_scenario_of(model), spec=spec, params=model.params,
                   pledges=model.pledges_under_ceasefire(),
                   us_backstop=model.us_backstop, threat=model.russia_threat, rng=model.rng,
                   queue=queue)

    @classmethod
    def standalone(cls, scenario: Scenario, *, seed: int | np.random.Generator | None = 0,
                   spec: CeasefireSpec | None = None, queue: str | None = None) -> CeasefirePhase:
        """A phase from the scenario alone: ``[ceasefire] pledges`` (none if absent), the
        parameters' ``us_backstop`` and ``[ceasefire] threat`` (0 if absent)."""
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        return cls(scenario, spec=spec, pledges={}, us_backstop=scenario.parameters.us_backstop,
                   threat=0.0, rng=rng, queue=queue)

    def _actors_of(self, rung: Any) -> tuple[str, ...]:
        return rung_actors(self.scenario, rung, self.violator)

    def _rung_view(self, index: int, rung: Any) -> RungView:
        actors = self._actors_of(rung)
        strength = rung_strength(rung, actors, readiness=self.readiness,
                                 us_backstop=self.us_backstop, pledges=self.pledges,
                                 force_scale=self.spec.force_scale)
        return rung_view(index, rung, actors, strength)

    def _counterfactual_ground(self, n: int) -> dict[str, dict[str, float]]:
        """Ground troops from exactly ``n`` states: those with the largest ground capacity
        (ties by code) among states whose red lines allow it; each sends the ground troops
        it pledged or, if none, half its capacity (the middle of the pledge rule's 25-100 %
        ramp, agents/state.py). Other contribution types stay as negotiated."""
        eligible = []
        for code, actor in self.scenario.actors.items():
            cap = actor.capacity.get("ground", 0.0)
            if actor.kind != "state" or code == self.violator or cap <= 0:
                continue
            if any(RedLine(k).forbids("ground") for k in actor.red_lines):
                continue
            eligible.append((-cap, code))
        chosen = [code for _, code in sorted(eligible)[:n]]
        out = {c: {t: v for t, v in d.items() if t != "ground"} for c, d in self.pledges.items()}
        for code in chosen:
            pledged = self.pledges.get(code, {}).get("ground", 0.0)
            out.setdefault(code, {})["ground"] = (
                pledged or round(0.5 * self.scenario.actors[code].capacity["ground"]))
        return {c: d for c, d in out.items() if d}

    # -- the violator's reckoning ----------------------------------------------------------
    def _expect(self, severity: float) -> dict[str, float]:
        """:func:`model.ceasefire.violator.expect` on this run's ladder."""
        return expect(self.ladder, severity, self.spec.collapse_gain_days)

    def utility(self, severity: float, opportunity: float = 1.0) -> float:
        """``U(s)`` for a day whose opportunity draw is ``opportunity``."""
        e = self.expectations.get(severity) or self._expect(severity)
        return utility(e, severity, gain(self.params.violation_propensity, self.threat,
                                         opportunity))

    def deterrence_table(self) -> pd.DataFrame:
        """Per severity: expected days, cost, collapse chance, and the least opportunity
        draw at which violating pays (higher means stronger deterrence)."""
        g0 = gain(self.params.violation_propensity, self.threat)
        return pd.DataFrame([
            {"severity": s, "expected_days": e["days"], "expected_cost": e["cost"],
             "p_collapse": e["p_collapse"], "threshold": threshold(e, s, g0)}
            for s, e in self.expectations.items()])

    # -- events ------------------------------------------------------------------------------
    def _log(self, text: str, violation: int | None = None, rung: int | None = None) -> None:
        self.history.append(HistoryEvent(self.queue.now if hasattr(self, "queue") else 0.0,
                                         text, violation, rung))

    def _forces_sentence(self) -> str:
        parts = [f"{r.name}: strength {r.strength:.2f}" for r in self.ladder]
        return "Ladder " + "; ".join(parts) + "."

    def _decide(self) -> None:
        now = self.queue.now
        nxt = now + self.spec.decision_hours
        if self.collapsed_h is not None:
            return
        if nxt < self.horizon_h:
            self.queue.schedule(nxt, self._decide, priority=DECISION_LAST)
        if self.active is not None:
            return
        opportunity = float(self.rng.exponential(1.0))
        best_s = choose_severity(self.severities, lambda s: self.utility(s, opportunity))
        if best_s is not None:
            self._start(best_s, by_hand=False)

    def _start(self, severity: float, *, by_hand: bool) -> Violation:
        self._accrue(self.queue.now)
        v = Violation(len(self.violations) + 1, self.queue.now, severity, by_hand,
                      ["pending"] * len(self.ladder))
        self.violations.append(v)
        how = " (triggered by hand)" if by_hand else ""
        self._log(f"{self.violator_name} violates the ceasefire: {severity_word(severity)} "
                  f"(severity {severity:.2f}){how}.", v.number)
        for rung in self.ladder:
            self.queue.schedule(v.start_h + rung.delay_h, self._rung_due, v, rung.index)
        return v

    def _rung_due(self, v: Violation, k: int) -> None:
        if not v.active:
            return
        self._accrue(self.queue.now)
        rung = self.ladder[k]
        if v.severity < rung.min_severity:
            v.status[k] = "skipped"
            self._log(f"{rung.name}: not engaged for {severity_word(v.severity)}.", v.number, k)
        elif rung.strength <= 0.0:
            v.status[k] = "unanswered"
            self._log(f"{rung.name}: no forces to act; the violation goes unanswered.",
                      v.number, k)
        else:
            v.status[k] = "acted"
            for code in self.acting(rung):
                self.acted_count[code] = self.acted_count.get(code, 0) + 1
            p = 1.0 - math.exp(-rung.strength / v.severity)
            if self.rng.random() < p:
                v.outcome, v.end_h, v.stopped_by = "de-escalated", self.queue.now, k
                v.status = [("not needed" if s == "pending" else s) for s in v.status]
                self._log(f"{rung.name} ({self._who(rung)}) acts; the violation "
                          f"de-escalates after {self.queue.now - v.start_h:g} h.", v.number, k)
                return
            self._log(f"{rung.name} ({self._who(rung)}) acts; no de-escalation.", v.number, k)
        if k == len(self.ladder) - 1:
            v.outcome, v.end_h = "collapse", self.queue.now
            self.collapsed_h = self.queue.now
            self._log("The violation outlasts the ladder: the ceasefire collapses.", v.number)

    def acting(self, rung: RungView) -> tuple[str, ...]:
        """The rung's actors that act: for a ``forces`` rung, those with forces in it."""
        if rung.kind != "forces":
            return rung.actors
        types = set(self.spec.ladder[rung.index].forces)
        return tuple(c for c in rung.actors if any(t in types for t in self.pledges.get(c, {})))

    def _who(self, rung: RungView) -> str:
        codes = self.acting(rung)
        if not codes:
            return "the guarantors"
        return ", ".join(codes[:5]) + (f" and {len(codes) - 5} more" if len(codes) > 5 else "")

    def _accrue(self, to: float) -> None:
        """Add exposure from the last accrual to hour ``to`` (never past the horizon)."""
        to = min(to, self.horizon_h)
        dt = to - self._accrued_to
        if dt <= 0:
            return
        self._accrued_to = to
        v = self.violations[-1] if self.violations else None
        if self.collapsed_h is not None:
            weight, engaged = 2.0, set(self._combat_out)
        elif v is not None and v.active:
            weight = v.severity * (1.0 + v.rungs_acted / len(self.ladder))
            engaged = {c for k, s in enumerate(v.status) if s == "acted"
                       for c in self.ladder[k].actors}
        else:
            return
        for code in set(self._in_ukraine) | engaged:
            people = self._in_ukraine.get(code, 0.0)
            if code in engaged:
                people += self._combat_out.get(code, 0.0)
            if people > 0:
                self.exposure[code] = self.exposure.get(code, 0.0) + weight * people * dt / 24

    # -- driving it ------------------------------------------------------------------------
    @property
    def active(self) -> Violation | None:
        """The violation under way, or None."""
        v = self.violations[-1] if self.violations else None
        return v if v is not None and v.active else None

    @property
    def last_violation(self) -> Violation | None:
        return self.violations[-1] if self.violations else None

    @property
    def rung_status(self) -> list[str]:
        """Per rung, for the latest violation: pending, acted, unanswered, skipped, not
        needed; all ``idle`` before the first violation."""
        v = self.last_violation
        return list(v.status) if v else ["idle"] * len(self.ladder)

    @property
    def active_rung(self) -> int | None:
        """0-based index of the highest rung that has answered the violation under way (acted
        or found no forces), or None."""
        v = self.active
        if v is None:
            return None
        done = [k for k, s in enumerate(v.status) if s not in ("pending", "not needed")]
        return done[-1] if done else None

    @property
    def collapsed(self) -> bool:
        return self.collapsed_h is not None

    @property
    def finished(self) -> bool:
        return self.collapsed or (self.clock_hours >= self.horizon_h and self.active is None)

    def advance(self, hours: float) -> None:
        """Move the clock on by ``hours``, running every event due on the way."""
        if hours < 0:
            raise ValueError(f"hours must be >= 0, got {hours}")
        target = self.clock_hours + hours
        self.queue.run_until(target)
        self._accrue(target)
        self.clock_hours = target

    def step(self) -> None:
        """One tick of the live view (``[ceasefire] tick_hours``)."""
        self.advance(self.spec.tick_hours)

    def run(self) -> CeasefirePhase:
        """Run to the horizon, and on until a violation begun before it is settled."""
        if self.clock_hours < self.horizon_h:
            self.advance(self.horizon_h - self.clock_hours)
        v = self.active
        if v is not None:
            self.advance(max(0.0, v.start_h + self.ladder[-1].delay_h - self.clock_hours))
        return self

    def trigger_violation(self, severity: float = 0.5) -> Violation | None:
        """A violation now, by hand; None (and nothing happens) while one is under way, after
        a collapse or past the horizon."""
        if not 0.0 < severity <= 1.0:
            raise ValueError(f"severity must lie in (0, 1], got {severity}")
        if self.active is not None or self.collapsed or self.clock_hours >= self.horizon_h:
            return None
        return self._start(float(severity), by_hand=True)

    # -- results -----------------------------------------------------------------------------
    def outcomes(self) -> dict[str, float]:
        """The run's outcome numbers (one row of ``outcomes``)."""
        vs = self.violations
        settled = [v.end_h - v.start_h for v in vs if v.outcome == "de-escalated"]
        highest = max((v.highest_rung for v in vs if v.highest_rung is not None), default=-1)
        ground = list(self.pledges.values())
        return {
            "ceasefire_held": int(not self.collapsed),
            "violations": len(vs),
            "deescalated": sum(v.outcome == "de-escalated" for v in vs),
            "highest_rung": highest + 1,
            "hours_to_deescalation": float(np.mean(settled)) if settled else math.nan,
            "collapse_day": self.collapsed_h / 24 if self.collapsed else math.nan,
            "exposure": float(sum(self.exposure.values())),
            "ceasefire_us_backstop": self.us_backstop,
            "ceasefire_ground_states": sum(d.get("ground", 0) > 0 for d in ground),
            "ceasefire_ground_troops": float(sum(d.get("ground", 0) for d in ground)),
        }

    def state_table(self) -> pd.DataFrame:
        """One row per state with forces in harm's way or acting on the ladder."""
        codes = [c for c in self.scenario.actors
                 if self._in_ukraine.get(c) or self._combat_out.get(c)
                 or any(c in self.acting(r) for r in self.ladder)]
        rows = []
        for code in codes:
            rows.append({
                "actor": code,
                "name": self.scenario.actors[code].name,
                "rungs": "; ".join(r.name for r in self.ladder if code in self.acting(r)),
                "in_ukraine": self._in_ukraine.get(code, 0.0),
                "combat_forces_outside": self._combat_out.get(code, 0.0),
                "ground": self.pledges.get(code, {}).get("ground", 0.0),
                "rungs_acted": self.acted_count.get(code, 0),
                "exposure": self.exposure.get(code, 0.0),
            })
        return pd.DataFrame(rows, columns=["actor", "name", "rungs", "in_ukraine",
                                           "combat_forces_outside", "ground", "rungs_acted",
                                           "exposure"])

    def history_table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"hour": e.hour, "day": int(e.hour // 24) + 1,
              "violation": e.violation if e.violation is not None else pd.NA,
              "rung": self.ladder[e.rung].name if e.rung is not None else "", "text": e.text}
             for e in self.history],
            columns=["hour", "day", "violation", "rung", "text"]).astype({"violation": "Int64"})

    def tables(self) -> dict[str, pd.DataFrame]:
        """``outcomes`` (one row), ``ceasefire_states`` and ``ceasefire_events``."""
        return {"outcomes": pd.DataFrame([self.outcomes()]),
                "ceasefire_states": self.state_table(),
                "ceasefire_events": self.history_table()}

    def report(self) -> list[str]:
        """A short plain-text report for the terminal."""
        o = self.outcomes()
        days = self.params.ceasefire_horizon_days
        if o["ceasefire_held"]:
            head = f"the ceasefire held over {days} days"
        else:
            head = f"the ceasefire collapsed after {o['collapse_day']:g} of {days} days"
        top = (f"{int(o['highest_rung'])} ({self.ladder[int(o['highest_rung']) - 1].name})"
               if o["highest_rung"] else "none")
        mean = ("-" if math.isnan(o["hours_to_deescalation"])
                else f"{o['hours_to_deescalation']:.0f} h")
        return [
            f"ceasefire phase: {head}",
            f"  violations {o['violations']} (de-escalated {o['deescalated']}); highest rung "
            f"{top}; mean time to de-escalation {mean}",
            f"  US backstop {self.us_backstop:.2f}; {o['ceasefire_ground_states']} states with "
            f"ground troops ({o['ceasefire_ground_troops']:,.0f}); exposure "
            f"{o['exposure']:,.0f} person-days",
        ]


# -- integration ----------------------------------------------------------------------------
def _scenario_of(model: NegotiationModel) -> Scenario:
    # Mesa >= 3.4 owns ``Model.scenario``: the model keeps ours as ``scenario_config``
    own = getattr(model, "scenario_config", None)
    return own if isinstance(own, Scenario) else model.scenario


def ceasefire_after(model: NegotiationModel) -> CeasefirePhase | None:
    """The phase after ``model``'s last round, or None when the scenario has no
    ``[ceasefire]`` or the parameter ``ceasefire_phase`` is false."""
    if _scenario_of(model).ceasefire is None or not model.params.ceasefire_phase:
        return None
    return CeasefirePhase.after(model)

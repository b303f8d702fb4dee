"""The ladder of the graduated response, as data: its rungs, who acts on each, and how strong
each is in a run.

Source of the design: seed article S4 (``seeds/004_0150de64ef9ddab3.txt``, early Feb 2026).
After a violation, a formal diplomatic warning within 24 hours; then Ukrainian forces
restore the ceasefire; if there is no de-escalation, forces of the coalition of the willing
(EU states, the UK, Norway, Iceland, Turkey); for a wider or persistent attack, a
coordinated response including US forces 72 hours after the initial violation. The ladder
is data (``[ceasefire]`` in the scenario file, :class:`model.scenario.CeasefireSpec`), so
other designs can be tried (``configs/ladder_variants/``).

Time runs in hours from the start of the ceasefire (hour 0) to the horizon
(``ceasefire_horizon_days``). Two kinds of event fill the queue:

- **decisions**: every ``decision_hours`` (24 by default), while no violation is under way,
  the violator weighs violating;
- **rungs**: a violation of severity ``s`` at hour ``t0`` schedules rung ``k`` at
  ``t0 + delay_h[k]``. When its hour comes and the violation is still going, the rung acts
  with strength ``a_k`` and de-escalates the violation with probability
  ``d_k(s) = 1 - exp(-a_k / s)``; a rung with no strength (no forces pledged, no backstop)
  leaves the violation *unanswered*. A violation that outlasts the last rung breaks the
  ceasefire (it *collapses*), and no more decisions follow.

Strength of a rung (``Rung.kind``): ``diplomatic`` ``effect``; ``host`` ``effect x r``;
``forces`` ``effect x r x min(1, P / force_scale)`` where ``P`` is the personnel its actors
pledged in the rung's ``forces`` types; ``backstop`` ``effect x r x b``. Here ``r`` is the
parameter ``force_readiness`` and ``b`` the US backstop level the negotiation ended with
(or the parameter ``ceasefire_us_backstop``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from model.scenario import Rung, Scenario

SEVERITY_WORDS = ((0.25, "a probe"), (0.5, "a local attack"), (0.75, "a wider attack"),
                  (1.0, "a major offensive"))


def severity_word(severity: float) -> str:
    return next(word for top, word in SEVERITY_WORDS if severity <= top + 1e-9)


def clock_label(hour: float) -> str:
    """``day 3, 14:00`` for hour 62 (day 1 starts at hour 0)."""
    day, rest = divmod(hour, 24.0)
    minutes = round(rest * 60)
    return f"day {int(day) + 1}, {minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class RungView:
    """A rung as the phase sees it: who acts, when, and how strong it is in this run."""

    index: int  # 0-based position on the ladder
    name: str
    kind: str
    actors: tuple[str, ...]
    delay_h: float
    strength: float
    min_severity: float
    source: str

    @property
    def actor(self) -> str:
        """Who acts, as one line (``FR, GB, ...``)."""
        return ", ".join(self.actors)


def rung_actors(scenario: Scenario, rung: Rung, violator: str) -> tuple[str, ...]:
    """Who acts on ``rung``: its named actors, then its groups (``eu``, ``nato``), in order,
    once each, never the violator."""
    codes = list(rung.actors)
    for code, actor in scenario.actors.items():
        if ("eu" in rung.groups and actor.eu) or ("nato" in rung.groups and actor.nato):
            codes.append(code)
    seen: dict[str, None] = {}
    for code in codes:
        if code != violator:
            seen.setdefault(code, None)
    return tuple(seen)


def rung_strength(rung: Rung, actors: tuple[str, ...], *, readiness: float, us_backstop: float,
                  pledges: dict[str, dict[str, float]], force_scale: float) -> float:
    """The strength ``a_k`` of a rung in this run (the rule in the module docstring)."""
    if rung.kind == "diplomatic":
        return float(rung.effect)
    if rung.kind == "host":
        return float(rung.effect * readiness)
    if rung.kind == "backstop":
        return float(rung.effect * readiness * us_backstop)
    personnel = sum(v for c in actors for t, v in pledges.get(c, {}).items()
                    if t in rung.forces)
    return float(rung.effect * readiness * min(1.0, personnel / force_scale))


def rung_view(index: int, rung: Any, actors: tuple[str, ...], strength: float) -> RungView:
    return RungView(index, rung.name, rung.kind, actors, rung.delay_h, float(strength),
                    rung.min_severity, rung.source)

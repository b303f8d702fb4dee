"""A state at the table: position from the mechanism, pledges from a threshold rule.

Each round a state (1) has its position moved by the model's mechanism (the model updates
every position at once in numpy); (2) checks its conditions and red lines; (3) decides
what it pledges by contribution type and size; and (4) withdraws a pledge whose condition
fails. The pledge rule is a threshold rule (Granovetter 1978) on an *effective position*:

    effective = position + private offset
                + bandwagon × [(1 − f)·share of states committed + f·share of friends committed]
                − threat_sensitivity × threat × credibility × (1 − salience)   (deployments only)

The bandwagon term follows the spillover complementarity of non-UN coalitions (Gaibulloev,
George, Sandler & Shimizu 2015) and deploying alongside friends (Ward & Dorussen 2016); the
threat term weighs the Russian threat against what the question means to the state (Bove &
Elia 2011: contributions depend on threat and casualty tolerance). A type is offered once
the effective position reaches the type's threshold; the size grows linearly from a quarter
of capacity at the threshold to all of it ``pledge_ramp`` points above.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from agents.red_lines import RedLine
from model.scenario import Actor

if TYPE_CHECKING:
    from model.negotiation import NegotiationModel

BLOCS = ("committed", "conditional", "support", "opposed", "host")


class StateAgent(mesa.Agent):
    """A state (or the host) with preferences about deploying troops to Ukraine."""

    def __init__(self, model: NegotiationModel, code: str, actor: Actor, index: int,
                 offset: float) -> None:
        super().__init__(model)
        self.code = code
        self.name = actor.name
        self.kind = actor.kind
        self.index = index  # row in the model's position arrays
        self.capability = actor.capability
        self.conditions = actor.conditions
        self.red_lines = [RedLine(k) for k in actor.red_lines]
        self.capacity = dict(actor.capacity)
        self.friends = list(actor.friends)
        self.backstop = actor.backstop
        self.nato = actor.nato
        self.lon, self.lat = actor.lon, actor.lat
        self.offset = offset  # private threshold noise, drawn once per run
        self.pledges: dict[str, float] = {}
        self.unmet: list[str] = []
        self.bloc = "host" if actor.kind == "host" else "opposed"
        self.willing_rounds = 0  # consecutive rounds willing to deploy: a mandate takes one
        self.wants_to_deploy = False  # this round, before conditions

    # -- state shared with the model's arrays -------------------------------------------
    @property
    def position(self) -> float:
        return float(self.model.positions[self.index])

    @property
    def salience(self) -> float:
        return float(self.model.salience[self.index])

    @property
    def committed(self) -> bool:
        """Pledges ground troops in Ukraine."""
        return self.pledges.get("ground", 0.0) > 0

    def pledge(self, kind: str) -> float:
        """Personnel pledged of one contribution type (0 when none)."""
        return self.pledges.get(kind, 0.0)

    @property
    def contributor(self) -> bool:
        return any(v > 0 for v in self.pledges.values())

    # -- the round ------------------------------------------------------------------------
    def unmet_conditions(self) -> list[str]:
        """The conditions for committing that do not hold now (scenario brief, col. 3)."""
        m, c = self.model, self.conditions
        unmet = []
        if c.ceasefire and not m.ceasefire:
            unmet.append("a ceasefire")
        if m.us_backstop < c.us_backstop:
            unmet.append(f"a US backstop of at least {c.us_backstop:.2f}")
        if c.nato_consensus and not m.nato_consensus():
            unmet.append("NATO consensus")
        if c.parliament and self.willing_rounds < 1:
            unmet.append("a parliamentary mandate")
        if c.un_mandate and not m.un_mandate:
            unmet.append("a UN mandate")
        if c.min_committed:
            others = m.committed_last_round - (1 if self.code in m.committed_codes else 0)
            if others < c.min_committed:
                unmet.append(f"{c.min_committed} others committed")
        return unmet

    def effective_position(self, deployment: bool) -> float:
        m, p = self.model, self.model.params
        share_all, share_friends = m.bandwagon_shares(self)
        pull = p.bandwagon * ((1 - p.friend_weight) * share_all + p.friend_weight * share_friends)
        value = self.position + self.offset + pull
        if deployment:
            value -= self.threat_discount()
        return value

    def threat_discount(self) -> float:
        """Points the Russian threat takes off a deployment, weighed against salience."""
        m, p = self.model, self.model.params
        return (p.threat_sensitivity * m.russia_threat * p.russia_threat_credibility
                * (1 - self.salience))

    def decide_pledges(self) -> dict[str, float]:
        """This round's pledges by type; does not change state (the model applies them)."""
        m = self.model
        if self.kind != "state":
            self.unmet = []
            return {}
        pledges: dict[str, float] = {}
        self.unmet = self.unmet_conditions()
        wants_to_deploy = False
        support = None if self.backstop else self.effective_position(deployment=False)
        deploy = None if self.backstop else support - self.threat_discount()
        for kind, capacity in self.capacity.items():
            spec = m.scenario_config.contribution_types.get(kind)
            if spec is None or capacity <= 0:
                continue
            if any(r.forbids(kind) for r in self.red_lines):
                continue
            if self.backstop:
                share = m.us_backstop
            else:
                eff = deploy if spec.gated else support
                if eff < spec.min_position:
                    continue
                if spec.gated:
                    wants_to_deploy = True
                    if self.unmet:
                        continue
                share = min(1.0, 0.25 + 0.75 * (eff - spec.min_position) / m.params.pledge_ramp)
            if share > 0:
                pledges[kind] = round(capacity * share)
        self.willing_rounds = self.willing_rounds + 1 if wants_to_deploy else 0
        self.wants_to_deploy = wants_to_deploy
        return pledges

    def classify(self) -> str:
        """committed / conditional / support / opposed / host, from this round's pledges."""
        if self.kind == "host":
            return "host"
        if self.kind == "opposer" or any(r.kind == "western_troops_in_ukraine"
                                         for r in self.red_lines):
            return "opposed"
        if self.committed:
            return "committed"
        if self.wants_to_deploy and self.unmet:
            return "conditional"
        if self.contributor or self.position >= self.model.support_threshold:
            return "support"
        return "opposed"

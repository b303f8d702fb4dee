"""A state at the table: stated positions from the bargaining, a stance by its own choice.

Each round (a meeting) a state (1) has its stated positions moved by the meeting's
bargaining, if it attends, and its ideal pulled towards them by ``accommodation`` (KTAB's
ideal adjustment); (2) checks its conditions and red lines; (3) takes a stance and decides
its pledges by type and size. The stance is the state's own decision whether to join the
deal, a threshold rule (Granovetter 1978) on its *willingness* on each dimension:

    willingness_k = ideal_k + private offset
                    + bandwagon × [(1 − f)·share of others willing + f·share of friends willing]
                    − threat_sensitivity × threat × credibility × (1 − salience_presence)
                                                                    (presence only)

The bandwagon term follows the spillover complementarity of non-UN coalitions (Gaibulloev,
George, Sandler & Shimizu 2015) and deploying alongside friends (Ward & Dorussen 2016); the
threat term weighs the Russian threat against what the question means to the state (Bove &
Elia 2011). "Willing" is, for presence, a state willing to put troops in Ukraine last round
(``deploy_now`` or ``deploy_after_ceasefire``); for the other dimensions, a contributor.

Stances, exactly one per state per round (:data:`STANCES`):

- ``host`` (Ukraine) and ``opposed`` (a red line against any Western presence: Russia,
  Slovakia, Hungary) whatever else;
- a state *wants in* when its presence willingness reaches the threshold of an in-Ukraine
  contribution type it has capacity for and no red line forbids. Then:
  - a condition that cannot be met inside the scenario (a UN mandate while Russia holds a
    veto and no mandate shock is scheduled) is reported in ``blocked_by``; a condition it
    sets *before* declaring (Germany: NATO consensus, a US guarantee) that fails keeps it out
    of Ukraine; in both cases its stance is ``outside_only`` or ``none``;
  - otherwise ``deploy_now`` when its forces can stand in Ukraine this round: a ceasefire is
    in effect, or its willingness reaches ``deploy_now_threshold``, it set no ceasefire
    condition and the deal's presence term reaches the same threshold (a state joins the
    deal's terms: a coalition goes into a war only if its terms say so); and its pending
    conditions (a parliamentary mandate, which takes one round
    of willingness; a pending US-backstop condition) hold;
  - else ``deploy_after_ceasefire``: it declares troops once a ceasefire holds, the rest
    pending. A declared intention is not a deployed force: its in-Ukraine pledges are kept
    in ``intended``, not in ``pledges``, and count for Russia only once deployed.
- ``outside_only``: pledges only types outside Ukraine (guarantee: training abroad, air
  policing, maritime, logistics and hosting, monitoring from outside);
- ``none``: pledges nothing.

A type is offered once the willingness on its dimension reaches its threshold; the size
grows linearly from a quarter of capacity at the threshold to all of it ``pledge_ramp``
points above.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa

from agents.red_lines import RedLine
from model.scenario import Actor

if TYPE_CHECKING:
    from model.negotiation import NegotiationModel

BLOCS = ("committed", "conditional", "support", "opposed", "host")
STANCES = ("deploy_now", "deploy_after_ceasefire", "outside_only", "none", "opposed", "host")
BLOC_OF_STANCE = {"deploy_now": "committed", "deploy_after_ceasefire": "conditional",
                  "outside_only": "support", "opposed": "opposed", "host": "host"}


@dataclass(frozen=True)
class StateChoice:
    """A classroom player's choice for its state in one round (the model's ``step`` hook).

    Positions on the presence and guarantee scales, saliences in [0, 1], and the kinds of
    contribution it offers; the model bounds the positions to ``max_move`` points from last
    round, clips them by the state's red lines and keeps only the pledges its rules allow.
    """

    presence: float
    guarantee: float
    salience_presence: float
    salience_guarantee: float
    pledges: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decision:
    stance: str
    pledges: dict[str, float]
    intended: dict[str, float]
    unmet: list[str]
    blocked_by: str
    wants_in: bool


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
        self.before = actor.conditions.before_set()
        self.red_lines = [RedLine(k) for k in actor.red_lines]
        self.capacity = dict(actor.capacity)
        self.friends = list(actor.friends)
        self.nato = actor.nato
        self.moved_by = actor.moved_by
        self.lon, self.lat = actor.lon, actor.lat
        self.offset = offset  # private threshold noise, drawn once per run
        self.pledges: dict[str, float] = {}
        self.intended: dict[str, float] = {}
        self.unmet: list[str] = []
        self.blocked_by = ""
        self.opposes_presence = actor.kind == "opposer" or any(
            r.kind == "western_troops_in_ukraine" for r in self.red_lines)
        self.stance = "host" if actor.kind == "host" else (
            "opposed" if self.opposes_presence else "none")
        self.bloc = "host" if actor.kind == "host" else "opposed"
        self.willing_rounds = 0  # consecutive rounds willing to deploy: a mandate takes one
        # the types it can offer at all, in the order of its capacity table (fixed for a run):
        # (kind, capacity, the type's spec, the index of the dimension that gates it)
        types = model.scenario_config.contribution_types
        forbidden = {k for k in types if any(r.forbids(k) for r in self.red_lines)}
        self.offers = [(kind, capacity, types[kind], model.type_dimension[kind])
                       for kind, capacity in self.capacity.items()
                       if kind in types and capacity > 0 and kind not in forbidden]
        self.wants_to_deploy = False  # this round, before conditions

    # -- state shared with the model's arrays -------------------------------------------
    @property
    def position(self) -> float:
        """Stated position on the first (presence) dimension."""
        return float(self.model.stated[self.index, 0])

    @property
    def presence(self) -> float:
        return float(self.model.stated[self.index, 0])

    @property
    def guarantee(self) -> float:
        return float(self.model.stated[self.index, self.model.guarantee_index])

    @property
    def salience(self) -> float:
        return float(self.model.saliences[self.index, 0])

    @property
    def committed(self) -> bool:
        """Ground troops standing in Ukraine (or ready to, with every condition met)."""
        return self.pledges.get("ground", 0.0) > 0

    @property
    def willing_troops(self) -> bool:
        return self.stance in ("deploy_now", "deploy_after_ceasefire")

    def pledge(self, kind: str) -> float:
        """Personnel pledged of one contribution type (0 when none)."""
        return self.pledges.get(kind, 0.0)

    @property
    def contributor(self) -> bool:
        return any(v > 0 for v in self.pledges.values()) or any(
            v > 0 for v in self.intended.values())

    # -- the round ------------------------------------------------------------------------
    def condition_status(self) -> tuple[list[str], list[str], str]:
        """(unmet conditions set before declaring, unmet pending ones, blocked_by)."""
        m, c = self.model, self.conditions
        before: list[str] = []
        pending: list[str] = []
        blocked = ""

        def put(name: str, text: str) -> None:
            (before if name in self.before else pending).append(text)

        if c.ceasefire and not m.ceasefire:
            pending.append("a ceasefire")
        if m.us_backstop < c.us_backstop:
            put("us_backstop", f"a US backstop of at least {c.us_backstop:.2f}")
        if c.nato_consensus and not m.nato_consensus():
            put("nato_consensus", "NATO consensus")
        if c.parliament and self.willing_rounds < 1:
            pending.append("a parliamentary mandate")
        if c.un_mandate and not m.un_mandate:
            if m.un_mandate_blocked:
                blocked = "un_mandate"
            else:
                put("un_mandate", "a UN mandate")
        if c.min_committed:
            others = m.committed_last_round - (1 if self.code in m.committed_codes else 0)
            if others < c.min_committed:
                put("min_committed", f"{c.min_committed} others committed")
        return before, pending, blocked

    def unmet_conditions(self) -> list[str]:
        """Every condition that does not hold now, in the words of the event log."""
        before, pending, blocked = self.condition_status()
        return before + pending + ([f"a {blocked.replace('_', ' ')} (cannot be met: "
                                    "Russia's veto)"] if blocked else [])

    def willingness(self) -> list[float]:
        """Willingness per dimension (see the module docstring); presence carries the threat."""
        m, p = self.model, self.model.params
        out = []
        for k in range(m.n_dims):
            share_all, share_friends = m.bandwagon_shares(self, k)
            pull = p.bandwagon * ((1 - p.friend_weight) * share_all
                                  + p.friend_weight * share_friends)
            out.append(float(m.ideals[self.index, k]) + self.offset + pull)
        out[0] -= self.threat_discount()
        if p.burden_shift and self.code != "US":
            out[0] += (p.burden_shift * m.us_retreat
                       * float(m.saliences[self.index, 0]))
        return out

    def effective_position(self, deployment: bool) -> float:
        """Willingness on the presence dimension (without the threat unless ``deployment``)."""
        w = self.willingness()[0]
        return w if deployment else w + self.threat_discount()

    def threat_discount(self) -> float:
        """Points the Russian threat takes off a deployment, weighed against salience."""
        m, p = self.model, self.model.params
        return (p.threat_sensitivity * m.russia_threat * p.russia_threat_credibility
                * (1 - float(m.saliences[self.index, 0])))

    def _size(self, capacity: float, eff: float, threshold: float) -> float:
        share = min(1.0, 0.25 + 0.75 * (eff - threshold) / self.model.params.pledge_ramp)
        return round(capacity * share)

    def decide(self, offered: Iterable[str] | None = None, *,
               will: list[float] | None = None) -> Decision:
        """This round's stance and pledges; does not change state (the model applies them).

        ``offered``: the kinds a classroom player offers (None: the model decides); ``will``:
        this state's :meth:`willingness`, when the model computed every state's at once."""
        m = self.model
        if self.kind == "host":
            return Decision("host", {}, {}, [], "", False)
        if self.kind != "state" or self.opposes_presence:
            return Decision("opposed", {}, {}, [], "", False)
        allowed = None if offered is None else set(offered)
        if will is None:
            will = self.willingness()
        before, pending, blocked = self.condition_status()
        inside: dict[str, float] = {}
        outside: dict[str, float] = {}
        wants_in = False
        for kind, capacity, spec, k in self.offers:
            if allowed is not None and kind not in allowed:
                continue
            eff = will[k]
            if eff < spec.min_position:
                continue
            size = self._size(capacity, eff, spec.min_position)
            if spec.in_ukraine:
                wants_in = True
                inside[kind] = size
            elif not spec.gated or not (before or pending or blocked):
                outside[kind] = size
        stance, pledges, intended = "none", dict(outside), {}
        if wants_in and not blocked and not before:
            standing_now = m.ceasefire or (will[0] >= m.params.deploy_now_threshold
                                           and not self.conditions.ceasefire
                                           and m.deal_presence >= m.params.deploy_now_threshold)
            if standing_now and not [u for u in pending if u != "a ceasefire"]:
                stance = "deploy_now"
                pledges.update(inside)
            else:
                stance = "deploy_after_ceasefire"
                intended = inside
        elif pledges:
            stance = "outside_only"
        if stance == "none" and pledges:
            stance = "outside_only"
        unmet = before + pending + ([f"a {blocked.replace('_', ' ')} (cannot be met: "
                                     "Russia's veto)"] if blocked else [])
        return Decision(stance, pledges, intended, unmet, blocked, wants_in)

    def apply(self, decision: Decision) -> None:
        self.stance = decision.stance
        self.pledges = decision.pledges
        self.intended = decision.intended
        self.unmet = decision.unmet
        self.blocked_by = decision.blocked_by
        self.wants_to_deploy = decision.wants_in
        self.willing_rounds = self.willing_rounds + 1 if decision.wants_in else 0
        self.bloc = self.classify()

    def decide_pledges(self) -> dict[str, float]:
        """This round's pledges by type (kept for callers of the one-dimensional model)."""
        return self.decide().pledges

    def classify(self) -> str:
        """The legacy bloc (committed / conditional / support / opposed / host) of the stance."""
        if self.stance == "none":
            return ("support" if float(self.model.ideals[self.index, 0])
                    >= self.model.support_threshold else "opposed")
        return BLOC_OF_STANCE[self.stance]

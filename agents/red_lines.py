"""Red lines: what an actor will never do, whatever the negotiation says, per dimension.

From the scenario brief (sources S1–S4): Russia treats any Western troops in Ukraine as
unacceptable ("legitimate targets"); the US rules out its own ground troops (S2, E07);
Japan's constitution and Slovakia's and Hungary's governments rule out sending forces
abroad. A red line forbids contribution types and caps positions on the dimensions that
gate them (:meth:`RedLine.ceilings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

IN_UKRAINE_DEPLOYMENTS = ("ground", "air", "maritime", "monitoring")


@dataclass(frozen=True)
class RedLine:
    kind: str

    def forbids(self, contribution: str) -> bool:
        """True when this red line rules out pledging ``contribution``."""
        if self.kind == "own_ground_troops":
            return contribution == "ground"
        if self.kind == "own_forces_abroad":
            return contribution in IN_UKRAINE_DEPLOYMENTS
        if self.kind == "western_troops_in_ukraine":
            return True  # the opposer pledges nothing to the coalition
        raise ValueError(f"unknown red line {self.kind!r}")

    def ceilings(self, thresholds: Mapping[str, Mapping[str, float]], in_ukraine_min: float,
                 presence: str, lo: Mapping[str, float]) -> dict[str, float]:
        """Positions the actor never moves above, by dimension key.

        ``thresholds[dim][type]`` is the least position on ``dim`` that gates ``type``;
        ``in_ukraine_min`` the least presence at which a force stands in Ukraine.
        - opposing any Western presence in Ukraine keeps the actor one point below the least
          presence that means a force in Ukraine;
        - no own ground troops (the US) keeps its own presence at the bottom of the scale;
        - no own forces abroad keeps presence at the bottom and every other dimension one
          point below the least position of a type it forbids (air, maritime, monitoring).
        """
        out: dict[str, float] = {}
        if self.kind == "western_troops_in_ukraine":
            out[presence] = in_ukraine_min - 1.0
        elif self.kind == "own_ground_troops":
            out[presence] = lo[presence]
        elif self.kind == "own_forces_abroad":
            out[presence] = lo[presence]
            for dim, types in thresholds.items():
                forbidden = [v for t, v in types.items() if self.forbids(t)]
                if dim != presence and forbidden and len(thresholds) > 1:
                    out[dim] = min(forbidden) - 1.0
        return out

    def position_ceiling(self, in_ukraine_threshold: float) -> float | None:
        """The presence ceiling of Russia's red line on a one-dimensional scale (or None)."""
        if self.kind == "western_troops_in_ukraine":
            return in_ukraine_threshold - 1.0
        return None

    def describe(self) -> str:
        return {
            "own_ground_troops": "no own ground troops in Ukraine",
            "own_forces_abroad": "no own forces deployed abroad",
            "western_troops_in_ukraine": "no Western troops in Ukraine",
        }[self.kind]

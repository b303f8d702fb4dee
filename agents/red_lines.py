"""Red lines: what an actor will never do, whatever the negotiation says.

From the scenario brief (sources S1–S4): Russia treats any Western troops in Ukraine as
unacceptable ("legitimate targets"); the US rules out its own ground troops (S2); Japan's
constitution and Slovakia's and Hungary's governments rule out sending forces abroad.
"""

from __future__ import annotations

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

    def position_ceiling(self, in_ukraine_threshold: float) -> float | None:
        """A position the actor never moves above, or None.

        Opposing any Western presence in Ukraine keeps the actor strictly below the least
        position that means a presence in Ukraine (one point under it on the scale).
        """
        if self.kind == "western_troops_in_ukraine":
            return in_ukraine_threshold - 1.0
        return None

    def describe(self) -> str:
        return {
            "own_ground_troops": "no own ground troops in Ukraine",
            "own_forces_abroad": "no own forces deployed abroad",
            "western_troops_in_ukraine": "no Western troops in Ukraine",
        }[self.kind]

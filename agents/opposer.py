"""The opposing power: Russia answers the coalition with threats.

Russia treats any Western troops in Ukraine as unacceptable and their soldiers as
"legitimate targets" (S1, S3, S4). Its threat level (0–1) rises with the coalition's
proximity to that red line, the troops pledged for Ukraine and the number of states sending
them, and fades by ``threat_decay`` each round; threats announced between rounds (shocks)
add to it. The response rule is the modeller's (no published model is reproduced here):

    pressure = min(1, escalation × (troops in Ukraine / 20,000 + ground states / 20
                                    + max(0, weighted mean position − 40) / 60))
    threat   = clip((1 − decay) × threat + decay × pressure + shocks, 0, 1)
"""

from __future__ import annotations

import numpy as np

from agents.state import StateAgent


class OpposerAgent(StateAgent):
    """A state that pledges nothing and answers the coalition with threats."""

    def respond(self, troops_in_ukraine: float, ground_states: int, mean_position: float,
                shock: float) -> float:
        """Russia's threat level after this round."""
        p = self.model.params
        pressure = min(1.0, p.russia_escalation * (
            troops_in_ukraine / 20_000 + ground_states / 20 + max(0.0, mean_position - 40) / 60
        ))
        previous = self.model.russia_threat
        return float(np.clip((1 - p.threat_decay) * previous + p.threat_decay * pressure + shock,
                             0.0, 1.0))

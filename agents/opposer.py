"""The opposing power: Russia answers the coalition with threats.

Russia treats any Western troops in Ukraine as unacceptable and their soldiers as
"legitimate targets" (S1, S3, S4). Its threat level (0–1) rises with the troops standing in
Ukraine, the number of states whose troops stand there and the presence the deal's terms
carry, and fades by ``threat_decay`` each round; threats announced between rounds (shocks)
add to it. The rule is the modeller's (no published model is reproduced here); its
constants are parameters with ranges in the scenario:

    pressure = min(1, escalation × (troops deployed / russia_troop_scale
                                    + deploying states / russia_state_scale
                                    + max(0, deal presence − russia_presence_offset)
                                      / russia_presence_span))
    threat   = clip((1 − decay) × threat + decay × pressure + shocks, 0, 1)

Declared intentions to deploy after a ceasefire do not count: only deployed forces.
"""

from __future__ import annotations

import numpy as np

from agents.state import StateAgent


class OpposerAgent(StateAgent):
    """A state that pledges nothing and answers the coalition with threats."""

    def respond(self, troops_in_ukraine: float, ground_states: int, mean_position: float,
                shock: float) -> float:
        """Russia's threat level after this round (``mean_position``: the deal's presence)."""
        p = self.model.params
        pressure = min(1.0, p.russia_escalation * (
            troops_in_ukraine / p.russia_troop_scale + ground_states / p.russia_state_scale
            + max(0.0, mean_position - p.russia_presence_offset) / p.russia_presence_span
        ))
        previous = self.model.russia_threat
        return float(np.clip((1 - p.threat_decay) * previous + p.threat_decay * pressure + shock,
                             0.0, 1.0))

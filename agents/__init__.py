"""Mesa agents: states at the negotiating table and the opposing power."""

from agents.opposer import OpposerAgent
from agents.red_lines import RedLine
from agents.state import BLOCS, STANCES, Decision, StateAgent, StateChoice

__all__ = ["BLOCS", "STANCES", "Decision", "OpposerAgent", "RedLine", "StateAgent",
           "StateChoice"]

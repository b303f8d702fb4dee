"""Mesa agents: states at the negotiating table and the opposing power."""

from agents.opposer import OpposerAgent
from agents.red_lines import RedLine
from agents.state import BLOCS, StateAgent

__all__ = ["BLOCS", "OpposerAgent", "RedLine", "StateAgent"]

"""Colours and labels shared by the live view's map, charts and table (one palette)."""

from __future__ import annotations

from analysis.report import PLEDGE_COLOURS as REPORT_PLEDGE_COLOURS
from analysis.report import STANCE_COLOURS as REPORT_STANCE_COLOURS
from analysis.report import STANCE_LABELS as REPORT_STANCE_LABELS

#: Bloc of a state after a round (see ``StateAgent.classify``) → fill colour.
BLOC_COLOURS = {
    "committed": "#1a9850",  # pledges ground troops in Ukraine
    "conditional": "#f39c12",  # would deploy once its conditions are met
    "support": "#74add1",  # support from outside Ukraine only
    "opposed": "#d73027",
    "host": "#ffd500",  # Ukraine
}

BLOC_LABELS = {
    "committed": "committed (ground troops)",
    "conditional": "conditional",
    "support": "support only",
    "opposed": "opposed",
    "host": "host (Ukraine)",
}

#: Stance of a state in a round (see ``agents.state``) → fill colour and legend label: the
#: palette of the run report (analysis/report.py), with a shorter label for the host.
STANCE_COLOURS = REPORT_STANCE_COLOURS
STANCE_LABELS = {**REPORT_STANCE_LABELS, "host": "Ukraine"}

#: Contribution types in the order of their sectors on a node's ring (clockwise from 12).
TYPE_ORDER = ("ground", "monitoring", "air", "maritime", "training", "logistics")

TYPE_COLOURS = REPORT_PLEDGE_COLOURS  # the run report's palette (analysis/report.py)

THREAT_COLOUR = "#b71c1c"


def fmt_int(x: float) -> str:
    """12,345 (thousands separators, no decimals)."""
    return f"{x:,.0f}"

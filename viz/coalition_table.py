"""The coalition table: one row per actor; click a column header to sort.

Columns: state, bloc, position, the conditions it set for committing (each marked met ✓ or
not ✗, as they stand now), how many are met, its pledges by type and their total.
"""

from __future__ import annotations

import solara

from viz.style import BLOC_LABELS, STANCE_LABELS, TYPE_ORDER, fmt_int

HEADERS = [
    {"text": "State", "value": "state"},
    {"text": "Stance", "value": "stance"},
    {"text": "Bloc", "value": "bloc"},
    {"text": "Position", "value": "position", "align": "end"},
    {"text": "Conditions (✓ met, ✗ not yet)", "value": "conditions", "sortable": False},
    {"text": "Met", "value": "met", "align": "end"},
    {"text": "Pledges", "value": "pledges", "sortable": False},
    {"text": "Personnel", "value": "personnel", "align": "end"},
]


def required_conditions(agent) -> list[str]:
    """The conditions an actor set, worded as ``StateAgent.unmet_conditions`` words them."""
    c = agent.conditions
    out = []
    if c.ceasefire:
        out.append("a ceasefire")
    if c.us_backstop > 0:
        out.append(f"a US backstop of at least {c.us_backstop:.2f}")
    if c.nato_consensus:
        out.append("NATO consensus")
    if c.parliament:
        out.append("a parliamentary mandate")
    if c.un_mandate:
        out.append("a UN mandate")
    if c.min_committed:
        out.append(f"{c.min_committed} others committed")
    return out


def table_rows(model) -> list[dict]:
    """One dict per actor, ready for the table (and for tests)."""
    rows = []
    for agent in model.states.values():
        required = required_conditions(agent) if agent.kind == "state" else []
        unmet = set(agent.unmet_conditions()) if required else set()
        unmet_words = {u.split(" (")[0] for u in unmet}
        marks = [("✗ " if r in unmet_words else "✓ ") + r.removeprefix("a ")
                 for r in required]
        pledges = [(k, agent.pledges[k]) for k in TYPE_ORDER if agent.pledges.get(k, 0) > 0]
        unmet = {u.split(" (")[0] for u in unmet}
        rows.append({
            "code": agent.code,
            "state": agent.name,
            "bloc": BLOC_LABELS.get(agent.bloc, agent.bloc),
            "stance": STANCE_LABELS.get(agent.stance, agent.stance),
            "position": round(agent.position, 1),
            "conditions": " · ".join(marks) if marks else "—",
            "met": f"{len(required) - len(unmet)}/{len(required)}" if required else "—",
            "pledges": ", ".join(f"{k} {fmt_int(n)}" for k, n in pledges) or "—",
            "personnel": int(sum(n for _, n in pledges)),
        })
    return rows


@solara.component
def CoalitionTable(model, version: int = 0):
    rows = table_rows(model)
    with solara.Card("Coalition table (click a header to sort)", classes=["viz-table-card"],
                     margin=0):
        solara.v.DataTable(
            headers=HEADERS,
            items=rows,
            item_key="code",
            items_per_page=-1,
            hide_default_footer=True,
            dense=True,
            sort_by=["position"],
            sort_desc=[True],
            multi_sort=False,
            class_="viz-table",
            fixed_header=True,
            height="420px",
        )

"""The event log: what happened in each round, in plain sentences, newest round first.

Each round is a block headed by its number, venue and date (the scenario's summit); the
sentences inside keep the order in which they happened. What-if shocks from the sidebar
get their own block, placed before the round they affect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import solara


@dataclass
class LogBlock:
    round: int
    heading: str
    lines: list[str] = field(default_factory=list)
    whatif: bool = False
    key: tuple = ()


def _date(d) -> str:
    return d.strftime("%-d %B %Y") if d is not None else ""


def log_blocks(model) -> list[LogBlock]:
    """The model's events grouped into blocks, newest first."""
    blocks: list[LogBlock] = []
    for event in model.events:
        whatif = event.text.startswith("What-if")
        key = (event.round, event.venue, event.date, whatif)
        if not blocks or blocks[-1].key != key:
            when = ", ".join(x for x in (event.venue, _date(event.date)) if x)
            if whatif:
                heading = f"What-if before round {event.round + 1} ({when})"
            else:
                spec = model.round_spec(event.round)
                name = f" · {spec.name}" if spec is not None else ""
                heading = f"Round {event.round}{name} — {when}"
            blocks.append(LogBlock(event.round, heading, whatif=whatif, key=key))
        text = event.text.removeprefix("What-if: ")
        text = text[:1].upper() + text[1:]
        blocks[-1].lines.append(text)
    blocks.reverse()
    return blocks


def log_html(model) -> str:
    blocks = log_blocks(model)
    if not blocks:
        return ('<p class="viz-log-empty">Round 0: the starting positions. '
                'Press <b>Step</b> to hold the first summit.</p>')
    parts = []
    for i, block in enumerate(blocks):
        cls = "viz-log-block" + (" viz-log-latest" if i == 0 else "") + (
            " viz-log-whatif" if block.whatif else "")
        bg = "#fff4e5" if block.whatif else ("#eef6ee" if i == 0 else "transparent")
        parts.append(f'<div class="{cls}" data-round="{block.round}" '
                     f'style="background:{bg}; padding:4px 8px; margin-bottom:6px; '
                     f'border-radius:4px">'
                     f'<div style="font-weight:600">{escape(block.heading)}</div><ul '
                     f'style="margin:2px 0 0 0; padding-left:18px">')
        parts.extend(f"<li>{escape(line)}</li>" for line in block.lines)
        parts.append("</ul></div>")
    return "".join(parts)


@solara.component
def EventLog(model, version: int = 0):
    with solara.Card("Event log (newest first)", classes=["viz-log-card"], margin=0):
        solara.HTML(tag="div", unsafe_innerHTML=log_html(model), classes=["viz-log"],
                    style="max-height: 430px; overflow-y: auto; font-size: 14px;")

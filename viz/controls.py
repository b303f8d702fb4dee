"""The round header and the what-if panel.

The header says which summit was just held and what comes next, with Russia's threat
level, the US backstop and whether a ceasefire holds. The what-if panel injects a shock
into the running model (``NegotiationModel.inject``): it takes effect from the next round,
and the event log and the charts mark it.
"""

from __future__ import annotations

from html import escape

import solara
from mesa.visualization.utils import force_update, update_counter

#: (button label, inject kind, value, sentence for the event log)
WHAT_IFS = (
    ("US withdraws its backstop", "us_backstop", 0.0, "the United States withdraws its backstop"),
    ("Ceasefire signed", "ceasefire", 1.0, "a ceasefire is signed"),
    ("Ceasefire breaks down", "ceasefire", 0.0, "the ceasefire breaks down"),
    ("Russia threatens", "russian_threat", 0.3,
     "Russia threatens any Western troops in Ukraine"),
)


def round_summary(model) -> dict[str, str]:
    """Texts for the header (also used by the tests)."""
    k, n = model.round, model.total_rounds
    spec = model.round_spec(k) if k else None
    nxt = model.round_spec(k + 1) if k < n else None
    held = (f"{spec.name} — {spec.venue}, {spec.date.isoformat()}" if spec is not None
            else ("starting positions" if k == 0 else "extra round"))
    upcoming = (f"Next: {nxt.name} ({nxt.venue}, {nxt.date.isoformat()})" if nxt is not None
                else ("Next: an extra round" if k < n else "The last round has been held."))
    return {
        "round": f"Round {k} of {n}",
        "held": held,
        "next": upcoming,
        "threat": f"{model.russia_threat:.2f}",
        "backstop": f"{model.us_backstop:.2f}",
        "ceasefire": "in force" if model.ceasefire else "none",
        "settings": settings_line(model),
    }


def settings_line(model) -> str:
    """What this run was built with (the sidebar's values at the last Reset)."""
    p = model.params
    cf = f"round {p.ceasefire_round}" if p.ceasefire_round else "none"
    seed = getattr(model, "seed_value", None)
    backstop = "as announced" if p.us_backstop is None else f"fixed at {p.us_backstop:.2f}"
    return (f"This run: {getattr(model, 'scenario_name', model.scenario_config.name)} · "
            f"mechanism {p.mechanism} · seed {seed} · US backstop {backstop}"
            f" · threat credibility {p.russia_threat_credibility:.2f} · bandwagon "
            f"{p.bandwagon:g} · ceasefire lever {cf}")


def _chip(label: str, value: str, colour: str, cls: str) -> str:
    return (f'<span class="{cls}" style="display:inline-block; margin:2px 8px 2px 0; '
            f'padding:2px 10px; border-radius:12px; background:{colour}; color:white; '
            f'font-size:13px">{escape(label)} <b>{escape(value)}</b></span>')


@solara.component
def RoundHeader(model, version: int = 0):
    s = round_summary(model)
    threat_bg = "#b71c1c" if model.russia_threat >= 0.5 else "#e57373"
    html = (
        f'<div style="display:flex; flex-wrap:wrap; align-items:baseline; gap:4px 16px">'
        f'<span class="viz-round" data-round="{model.round}" '
        f'style="font-size:22px; font-weight:700">{escape(s["round"])}</span>'
        f'<span class="viz-round-held" style="font-size:16px">{escape(s["held"])}</span>'
        f'<span class="viz-round-next" style="font-size:13px; color:#52606d">'
        f'{escape(s["next"])}</span></div><div>'
        + _chip("Russia's threat", s["threat"], threat_bg, "viz-chip-threat")
        + _chip("US backstop", s["backstop"], "#1565c0", "viz-chip-backstop")
        + _chip("Ceasefire", s["ceasefire"], "#2e7d32" if model.ceasefire else "#616161",
                "viz-chip-ceasefire")
        + f'<span class="viz-settings" style="font-size:12px; color:#616e7c">'
        f'{escape(s["settings"])}</span></div>'
    )
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=["viz-header"],
                style="padding: 4px 4px 8px 4px")


@solara.component
def WhatIfPanel(model):
    """Buttons that inject a shock into this tab's model, effective from the next round."""
    update_counter.get()

    def shock(kind: str, value: float, note: str) -> None:
        model.inject(kind, value, note)
        force_update()

    with solara.Sidebar(), solara.Card("What if …", classes=["viz-whatif"]):
        solara.HTML(  # not solara.Markdown, which fetches mermaid from the CDN
            tag="p",
            unsafe_innerHTML="A shock now takes effect from the next round; the log and the "
            "charts mark it. The sliders under <i>Model Parameters</i> apply when you press "
            "<b>Reset</b>.",
            style="font-size: 13px",
        )
        for label, kind, value, note in WHAT_IFS:
            solara.Button(label, on_click=lambda k=kind, x=value, n=note: shock(k, x, n),
                          disabled=not model.running, outlined=True, small=True,
                          classes=["viz-whatif-button"], style="margin: 2px 0; width: 100%")

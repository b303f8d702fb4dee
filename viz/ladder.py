"""The ceasefire ladder panel: after the last round, the ceasefire phase hour by hour.

Shown when the scenario has a ``[ceasefire]`` section (:mod:`model.ceasefire`). Before the
last round the rungs are listed, greyed out. Once the negotiation is over, the phase starts
from the pledges, US backstop and threat the negotiation ended with: the clock advances a
tick (``[ceasefire] tick_hours``), a day at a time or to the horizon, the violator decides
by itself once a day, and the **Violation** button starts one by hand. Each rung lights up
as it acts (green), finds no forces to act with (red) or is skipped; the history is newest
first.
"""

from __future__ import annotations

from html import escape

import solara

from viz.style import THREAT_COLOUR

try:  # the ceasefire phase arrived after the live view; keep working without it
    from model.ceasefire import SEVERITY_WORDS, ceasefire_after, clock_label
except ImportError:  # pragma: no cover - older model package
    SEVERITY_WORDS = ()
    ceasefire_after = None
    clock_label = None

STATUS_STYLE = {
    "idle": ("#eceff1", "#607d8b", "waiting"),
    "pending": ("#fff8e1", "#f39c12", "due"),
    "acted": ("#1a9850", "#ffffff", "acted"),
    "unanswered": (THREAT_COLOUR, "#ffffff", "no forces: unanswered"),
    "skipped": ("#cfd8dc", "#37474f", "skipped (below its severity)"),
    "not needed": ("#e8f5e9", "#2e7d32", "not needed"),
}


def has_ladder(model) -> bool:
    """Whether the model's scenario has a ceasefire phase to show."""
    if ceasefire_after is None:
        return False
    scenario = getattr(model, "scenario_config", None)
    return (getattr(scenario, "ceasefire", None) is not None
            and bool(getattr(model.params, "ceasefire_phase", True)))


def ladder_html(phase, rungs=None) -> str:
    """The rungs as a column of boxes lit by their status (``phase`` None: not started)."""
    if phase is not None:
        rungs, status = phase.ladder, phase.rung_status
        active = phase.active_rung
    else:
        status, active = ["idle"] * len(rungs), None
    parts = ['<div class="viz-ladder-rungs">']
    for k, rung in enumerate(rungs):
        bg, fg, word = STATUS_STYLE.get(status[k], STATUS_STYLE["idle"])
        border = "3px solid #0d47a1" if k == active else "1px solid #b0bec5"
        name = getattr(rung, "name", "")
        delay = getattr(rung, "delay_h", 0)
        who = _who(rung.actors) if phase is not None else ""
        strength = (f" · strength {rung.strength:.2f}" if phase is not None else "")
        parts.append(
            f'<div class="viz-rung viz-rung-{status[k].replace(" ", "-")}" data-status='
            f'"{escape(status[k])}" style="background:{bg}; color:{fg}; border:{border}; '
            f'border-radius:6px; padding:4px 10px; margin:4px 0; display:flex; '
            f'align-items:baseline; justify-content:space-between; gap:4px 12px; '
            f'flex-wrap:wrap">'
            f'<span style="flex:1 1 14em; min-width:0"><b>{k + 1}. {escape(name)}</b> '
            f'<span style="opacity:.85">+{delay:g} h'
            f'{strength}{(" · " + escape(who)) if who else ""}</span></span>'
            f'<span class="viz-rung-status" style="white-space:nowrap; margin-left:auto">'
            f'{escape(word)}</span></div>')
    parts.append("</div>")
    return "".join(parts)


def _who(codes, shown: int = 6) -> str:
    codes = list(codes)
    more = f" +{len(codes) - shown} more" if len(codes) > shown else ""
    return ", ".join(codes[:shown]) + more


def phase_summary(phase) -> str:
    """One line: the clock, and what the ceasefire is doing."""
    horizon = phase.horizon_h / 24
    clock = f"{clock_label(phase.clock_hours)} of {horizon:g} days"
    if phase.collapsed:
        state = "the ceasefire has collapsed"
    elif phase.active is not None:
        v = phase.active
        state = (f"violation {v.number} under way ({_severity(v.severity)}, since "
                 f"{clock_label(v.start_h)})")
    elif phase.finished:
        state = "the ceasefire held to the horizon"
    else:
        n = len(phase.violations)
        state = f"the ceasefire holds ({n} violation{'' if n == 1 else 's'} so far)"
    return f"{clock} — {state}"


def _severity(s: float) -> str:
    return next((w for top, w in SEVERITY_WORDS if s <= top + 1e-9), f"severity {s:g}")


def history_html(phase, limit: int = 12) -> str:
    items = list(reversed(phase.history))[:limit]
    return "<ul style='margin:0; padding-left:18px'>" + "".join(
        f"<li><b>{escape(clock_label(e.hour))}</b>: {escape(e.text)}</li>" for e in items
    ) + "</ul>"


@solara.component
def LadderPanel(model, version: int = 0):
    """The ceasefire phase after the negotiation: the ladder, the clock, a Violation button."""
    _, set_ticks = solara.use_state(0)  # bumped after each click: the phase mutates
    severity, set_severity = solara.use_state(0.5)
    finished = not model.running
    phase = solara.use_memo(lambda: ceasefire_after(model) if finished else None,
                            [model, finished])

    def act(fn):
        def handler():
            fn()
            set_ticks(lambda t: t + 1)
        return handler

    with solara.Card("Ceasefire phase: the graduated response", classes=["viz-ladder"],
                     margin=0):
        if phase is None:
            # plain HTML, not solara.Markdown: Markdown loads mermaid from the CDN (a 404
            # on a closed network, since the offline cache does not hold it)
            solara.HTML(tag="p", unsafe_innerHTML="The ceasefire phase starts after the last "
                        "round, with the forces pledged by then. Step or Play to the end.",
                        style="font-size: 14px")
            rungs = model.scenario_config.ceasefire.ladder
            solara.HTML(tag="div", unsafe_innerHTML=ladder_html(None, rungs))
            return
        solara.HTML(tag="div", unsafe_innerHTML=escape(phase_summary(phase)),
                    classes=["viz-ladder-clock"],
                    style="font-size: 18px; font-weight: 600; margin-bottom: 4px",
                    attributes={"data-hours": f"{phase.clock_hours:g}"})
        with solara.Columns([1, 1], gutters_dense=True):
            with solara.Column():
                solara.HTML(tag="div", unsafe_innerHTML=ladder_html(phase))
                with solara.Row(style="flex-wrap: wrap; align-items: center"):
                    tick = phase.spec.tick_hours
                    solara.Button(f"+{tick:g} h", on_click=act(phase.step),
                                  disabled=phase.finished, outlined=True,
                                  classes=["viz-ladder-tick"])
                    solara.Button("+1 day", on_click=act(lambda: phase.advance(24)),
                                  disabled=phase.finished, outlined=True)
                    solara.Button("To the end", on_click=act(phase.run),
                                  disabled=phase.finished, outlined=True,
                                  classes=["viz-ladder-run"])
                    solara.Select("Severity", value=severity, on_value=set_severity,
                                  values=list(phase.severities), dense=True,
                                  style="max-width: 110px")
                    solara.Button("Violation", color="error",
                                  on_click=act(lambda: phase.trigger_violation(severity)),
                                  disabled=phase.finished or phase.active is not None,
                                  classes=["viz-ladder-violation"])
            solara.HTML(tag="div", unsafe_innerHTML=history_html(phase),
                        classes=["viz-ladder-history"],
                        style="max-height: 260px; overflow-y: auto; font-size: 13px")

"""The class session's pages: student (``/``), teacher, projector, debrief.

Every page reads the one shared :class:`~viz.classroom.session.ClassSession` and re-renders
when it changes: :func:`use_session_view` subscribes a listener that sets a counter of the
page *inside the page's own kernel context* (the dispatcher thread belongs to no kernel;
without ``with ctx:`` Solara finds "no known context"). A listener's error is caught by the
session, so a broken page never stops the others from updating.

A student's seat is keyed on ``solara.get_session_id()`` (the browser's cookie), so a refresh
or a second tab of the same browser finds the same seat; the page never names a seat or a
state to act for. Every handler turns a refusal into a message on the page; no handler lets
an exception reach Solara's error display (which shows a traceback with server paths).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import math
import time
import zipfile
from collections.abc import Callable
from html import escape
from urllib.parse import parse_qs

import numpy as np
import solara
from solara.server import kernel_context

from agents.red_lines import RedLine
from viz.classroom import hub as hubmod
from viz.classroom.play import DIMENSIONS, current_position, models_by_round
from viz.classroom.session import (
    MAX_DELEGATION,
    ClassError,
    ClassSession,
    SessionView,
    load_session,
)
from viz.coalition_map import map_svg
from viz.coalition_table import required_conditions
from viz.event_log import log_blocks
from viz.style import STANCE_COLOURS, STANCE_LABELS

log = logging.getLogger("negotiate.class")

#: The smallest type on the class pages (px); the projector's is larger.
MIN_FONT_PX = 18
PROJECTOR_FONT_PX = 24

CSS = f"""
.cls-page {{ font-size: {MIN_FONT_PX}px; line-height: 1.35; }}
.cls-page .v-label, .cls-page input, .cls-page .v-btn, .cls-page .v-select__selection,
.cls-page .v-list-item__title, .cls-page td, .cls-page th {{
  font-size: {MIN_FONT_PX}px !important; }}
.cls-projector {{ font-size: {PROJECTOR_FONT_PX}px; }}
.cls-projector .cls-big {{ font-size: 44px; font-weight: 700; }}
.cls-code {{ font-family: monospace; font-size: 48px; font-weight: 800; letter-spacing: 6px; }}
.cls-msg {{
  background: #fff4e5; border-left: 6px solid #f39c12; padding: 6px 12px; margin: 6px 0; }}
.cls-ok {{
  background: #e8f5e9; border-left: 6px solid #2e7d32; padding: 6px 12px; margin: 6px 0; }}
.cls-model {{
  background: #eceff1; border-left: 6px solid #607d8b; padding: 6px 12px; margin: 6px 0; }}
.cls-chip {{ display: inline-block; margin: 3px; padding: 2px 10px; border-radius: 14px;
             color: white; font-weight: 600; }}
.cls-table {{ border-collapse: collapse; }}
.cls-table td, .cls-table th {{ padding: 2px 10px; border-bottom: 1px solid #dde3ea;
                               text-align: left; }}
.cls-diff {{ background: #fff4e5; }}
.cls-map .viz-node text {{ font-size: 17px; }}
.cls-page .v-input__slider {{ margin-top: 30px; }}
"""


# -- shared state in a page --------------------------------------------------------------
def use_session_view(session: ClassSession | None,
                     select: Callable[[SessionView], object] = lambda v: v.version
                     ) -> SessionView | None:
    """The session's latest view; the page re-renders when ``select(view)`` changes."""
    _, bump = solara.use_state(0)

    def subscribe():
        if session is None:
            return None
        ctx = kernel_context.get_current_context()
        last = [select(session.view())]

        def listener(view: SessionView) -> None:
            key = select(view)
            if key == last[0]:
                return
            last[0] = key
            with ctx:  # render this page in its own kernel, not the dispatcher's
                bump(lambda n: n + 1)

        return session.subscribe(listener)

    solara.use_effect(subscribe, [session])
    return session.view() if session is not None else None


def _query(name: str) -> str:
    search = solara.use_router().search or ""
    return (parse_qs(search).get(name) or [""])[0]


def _html(html: str, classes: list[str] | None = None, style: str = "") -> None:
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=classes or [], style=style)


def _message(text: str, kind: str = "cls-msg") -> None:
    if text:
        _html(escape(text), classes=[kind, "cls-message"])


def guarded(handler: Callable[[], object], set_message: Callable[[str], None]) -> Callable:
    """A click handler whose refusal (or failure) becomes a message, never a traceback."""

    def run(*_args) -> None:
        try:
            handler()
            set_message("")
        except ClassError as exc:
            set_message(str(exc))
        except Exception:  # noqa: BLE001 - the page shows a sentence; the log keeps the rest
            log.exception("class page handler failed")
            set_message("That did not work; please tell the teacher.")

    return run


def _left(view: SessionView) -> str:
    if view.deadline is None:
        return ""
    left = view.deadline - time.time()
    at = dt.datetime.fromtimestamp(view.deadline).strftime("%H:%M:%S")
    if left <= 0:
        return "The deadline has passed."
    return f"Deadline {at} (about {left:.0f} s left when this page was drawn)."


def _round_title(session: ClassSession, number: int) -> str:
    spec = session.model.round_spec(number)
    if spec is None:
        return f"Round {number}"
    return f"Round {number}: {spec.name} — {spec.venue}, {spec.date.isoformat()}"


#: The projector's counts: (label, stances counted, colour).
COUNTS = (("troops now", ("deploy_now",), STANCE_COLOURS["deploy_now"]),
          ("after a ceasefire", ("deploy_after_ceasefire",),
           STANCE_COLOURS["deploy_after_ceasefire"]),
          ("outside only", ("outside_only",), STANCE_COLOURS["outside_only"]),
          ("none", ("none", "opposed"), "#7b8794"))


def counts(model) -> dict[str, int]:
    """States willing now, willing after a ceasefire, outside only, none (host left out)."""
    stances = [a.stance for a in model.states.values() if a.kind != "host"]
    return {label: sum(s in kinds for s in stances) for label, kinds, _ in COUNTS}


def _counts_html(model) -> str:
    colours = {label: colour for label, _, colour in COUNTS}
    return "".join(
        f'<span class="cls-chip cls-count" data-what="{k}" style="background:{colours[k]}">'
        f'{escape(k)} <b>{n}</b></span>' for k, n in counts(model).items())


def _map(session: ClassSession, model=None) -> None:
    with session._lock:  # the model is not stepped while the map is drawn
        svg = map_svg(model if model is not None else session.model)
    _html(svg, classes=["viz-map", "cls-map"], style="width:100%")


# -- the student's page --------------------------------------------------------------------
@solara.component
def StudentPage():
    solara.Style(CSS)
    browser = solara.get_session_id()
    code_from_url = _query("code")
    _, set_joined = solara.use_state(0)
    session = hubmod.HUB.session_of(browser)
    with solara.Column(classes=["cls-page", "cls-student"], style="max-width: 980px"):
        solara.Title("Class negotiation")
        if session is None:
            JoinForm(code_from_url, browser, on_joined=lambda: set_joined(lambda n: n + 1))
        else:
            SeatView(session, browser)


@solara.component
def JoinForm(code_from_url: str, browser: str, on_joined: Callable[[], None]):
    code, set_code = solara.use_state(code_from_url.upper())
    name, set_name = solara.use_state("")
    message, set_message = solara.use_state("")

    def join():
        hubmod.HUB.get(code).join(code, name, browser)
        on_joined()

    _html("<h2>Join the class negotiation</h2><p>Type the code on the projector and your "
          "name.</p>")
    solara.InputText("Join code", value=code, on_value=set_code, continuous_update=True,
                     classes=["cls-join-code"])
    solara.InputText("Your name", value=name, on_value=set_name, continuous_update=True,
                     classes=["cls-join-name"])
    solara.Button("Join", on_click=guarded(join, set_message), color="primary",
                  classes=["cls-join"])
    _message(message)


def _student_key(browser: str):
    def select(v: SessionView):
        seat = v.seat_of(browser)
        state = seat.state if seat else None
        picking = v.phase == "lobby" and state is None  # sees which states are free
        return (v.phase, v.round, v.locked, v.deadline, v.deadline_passed,
                tuple((s.seat, s.state) for s in v.seats) if picking else (),
                seat, state in v.submitted)
    return select


@solara.component
def SeatView(session: ClassSession, browser: str):
    view = use_session_view(session, _student_key(browser))
    message, set_message = solara.use_state("")
    seat = view.seat_of(browser)
    if seat is None:
        _message("Your seat was removed by the teacher. Reload the page to join again.")
        return
    state = seat.state
    name = session.model.states[state].name if state else None
    _html(f'<h2 class="cls-who" data-state="{escape(state or "")}">Seat {seat.seat} · '
          f'{escape(seat.name)} — '
          + (f"you play <b>{escape(name)}</b> ({escape(state)})" if state
             else "no state yet") + "</h2>")
    if view.phase == "lobby" and state is None:
        if not view.locked:
            taken = set(view.seated_states)
            free = [c for c in session.playable_states() if c not in taken]
            labels = {f"{session.model.states[c].name} ({c})": c for c in free}
            solara.Select("Pick a state", value=None, values=list(labels),
                          on_value=lambda lab: guarded(
                              lambda: session.pick(browser, labels[lab]), set_message)(),
                          classes=["cls-pick"])
        _html("<p>Waiting for the teacher to start round 1.</p>")
        _message(message)
        return
    if view.phase == "finished":
        _html("<p class='cls-finished'>The negotiation is over. Look at the projector for "
              "the debrief.</p>" + history_html(view, state))
        return
    number = view.round + 1
    lobby = view.phase == "lobby"  # the brief and the form are on show before round 1
    # few elements per page: each round re-renders every student's page, 30 at a time
    head = (f"<h3 class='cls-round' data-round='{0 if lobby else number}'>"
            f"{'Before ' if lobby else ''}{escape(_round_title(session, number))} "
            f"(of {view.total_rounds})</h3>")
    if state is None:
        _html(head + "<div class='cls-model'>You have no state this round; the model plays "
              "every unseated state.</div>")
        return
    if lobby:
        note = ("<div class='cls-msg cls-lobby'>Read your brief: round 1 starts when the "
                "teacher says so.</div>")
    elif view.deadline_passed and state not in view.submitted:
        note = (f"<div class='cls-model'>The deadline has passed: the model plays "
                f"{escape(name)} this round.</div>")
    elif state in view.submitted:
        note = ("<div class='cls-ok'>Submitted. You can change it until the deadline. "
                f"{escape(_left(view))}</div>")
    else:
        note = (f"<div class='cls-msg'>{escape(_left(view))} If you do not submit in time, "
                f"the model plays {escape(name)} this round.</div>")
    _html(head + note)
    with solara.Div(style="display: grid; grid-template-columns: 1fr 1fr; gap: 24px"):
        _html(brief_html(session, state))
        ChoiceForm(session, browser, state, closed=lobby or view.deadline_passed,
                   number=number)
    _html(others_html(session, state, view) + history_html(view, state))


def brief_html(session: ClassSession, state: str) -> str:
    """The state's brief: stance, conditions (met or not), red lines, capacities."""
    with session._lock:
        agent = session.model.states[state]
        conds = required_conditions(agent)
        unmet = set(agent.unmet_conditions())
        lines = [RedLine(r.kind).describe() for r in agent.red_lines]
        stance = STANCE_LABELS.get(agent.stance, agent.stance)
        now = current_position(session.model, state)
        scales = {d.key: d for d in session.model.dims}
        caps = ", ".join(f"{k} {v:,.0f}" for k, v in agent.capacity.items() if v > 0)
    cond_html = "".join(f"<li>{'✗' if c in unmet else '✓'} {escape(c)}</li>" for c in conds)
    dims = "".join(
        f"<li>{escape(scales[k].label)}: <b>{v:.0f}</b> on {scales[k].min:.0f}–"
        f"{scales[k].max:.0f} ({escape(_scale_words(scales[k]))})</li>" for k, v in now.items())
    return (f"<div class='cls-brief'><h3>Your brief</h3>"
          f"<p>Stance now: <b>{escape(stance)}</b>.</p><ul>{dims}</ul>"
          f"<p>Your conditions for deploying (✓ met now, ✗ not yet):</p>"
          f"<ul>{cond_html or '<li>none</li>'}</ul>"
          f"<p>Red lines: {escape('; '.join(lines) or 'none')}.</p>"
            f"<p>What you could offer: {escape(caps or 'nothing')}.</p></div>")


@solara.component
def ChoiceForm(session: ClassSession, browser: str, state: str, closed: bool,
               number: int = 0):
    # one form per round, kept in place (new widgets for every student at every round
    # would make each round's push heavier): its values start again when the round changes
    brief = solara.use_memo(lambda: session.brief(state), [number, state])
    form_key = (number, state)
    dims = [k for k in DIMENSIONS if k in brief["range"]]
    start = {k: brief["position"][k] for k in dims}

    def fresh() -> dict:
        return {"round": form_key,
                "values": {f"salience_{k}": round(brief["salience"][k], 2) for k in dims},
                "texts": {k: f"{v:.0f}" for k, v in start.items()},
                # submitting unchanged keeps course: last round's pledges stay offered
                "pledges": [p for p in brief["pledges"] if p in brief["pledged"]],
                "message": ""}

    form, set_form = solara.use_state(fresh())
    if form["round"] != form_key:
        form = fresh()

    def update(part: str, key: str | None, x) -> None:
        def change(f):
            f = f if f["round"] == form_key else fresh()
            return {**f, part: x if key is None else {**f[part], key: x}}
        set_form(change)

    values, texts, pledges = form["values"], form["texts"], form["pledges"]
    message = form["message"]

    def set_message(text: str) -> None:
        update("message", None, text)

    def put(key, x):
        update("values", key, x)

    def set_texts(fn):
        update("texts", None, fn(texts))

    def set_pledges(x):
        update("pledges", None, list(x))

    def submit():
        raw = dict(values)
        raw.update({k: texts[k] for k in dims})  # the typed value is checked on the server
        raw["pledges"] = list(pledges)
        choice = session.submit(browser, raw)
        set_texts(lambda _: {k: f"{getattr(choice, k):.0f}" for k in dims})

    parts = ["<h3>Your move this round</h3>"]
    for k in dims:
        lo, hi = brief["range"][k]
        lo_i, hi_i = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)  # whole numbers inside
        parts.append(f"<p class='cls-range'>{k.capitalize()}: now {start[k]:.0f}; this round "
                     f"between <b>{min(lo_i, hi_i)}</b> and <b>{max(lo_i, hi_i)}</b>.</p>")
    if brief["pledges"]:
        parts.append("<p>A pledge you offer is made only if your state's rules allow it: "
                     "its threshold, your conditions, your red lines.</p>")
    _html("".join(parts))
    with solara.Column(gap="4px"):
        for k in dims:
            lo, hi = brief["range"][k]
            try:
                shown = float(texts[k])
            except ValueError:
                shown = start[k]
            solara.SliderFloat(f"{k.capitalize()}: {shown:.0f}",
                               value=min(max(shown, lo), hi), min=lo, max=hi, step=1.0,
                               thumb_label="always", disabled=closed,
                               on_value=lambda x, k=k: set_texts(
                                   lambda d: {**d, k: f"{x:.0f}"}))
            solara.InputText(f"{k.capitalize()} (type a number)", value=texts[k],
                             on_value=lambda s, k=k: set_texts(lambda d: {**d, k: s}),
                             continuous_update=True, disabled=closed,
                             classes=[f"cls-input-{k}"])
            skey = f"salience_{k}"
            solara.SliderFloat(f"How much {k} matters to you: {values[skey]:.2f}",
                               value=values[skey], min=0.0, max=1.0, step=0.05,
                               thumb_label="always", disabled=closed,
                               on_value=lambda x, skey=skey: put(skey, x))
        if brief["pledges"]:
            solara.SelectMultiple("Pledges you offer", values=pledges,
                                  all_values=brief["pledges"], on_value=set_pledges,
                                  disabled=closed, classes=["cls-pledges"])
    solara.Button("Submit", on_click=guarded(submit, set_message), color="primary",
                  disabled=closed, classes=["cls-submit"])
    _message(message)


def _scale_words(dim) -> str:
    """The labelled points of a scale, e.g. ``0 none · 50 a reassurance force …``."""
    return " · ".join(f"{k} {v}" for k, v in sorted(dim.scale.items(), key=lambda kv:
                                                      float(kv[0])))


def others_html(session: ClassSession, state: str, view: SessionView) -> str:
    """What every other state stated last round, its pledges, and who played it."""
    with session._lock:
        model = session.model
        if len(model.actor_record) < 2:
            return "<p>Round 1: nobody has spoken yet.</p>"
        now = np.asarray(model.actor_record[-1][0], dtype=float).reshape(len(model.codes), -1)
        before = np.asarray(model.actor_record[-2][0], dtype=float).reshape(now.shape)
        keys = list(model.keys)
        rows = []
        seated = view.seated_states
        for agent in model.states.values():
            if agent.code == state:
                continue
            i = agent.index
            who = escape(seated[agent.code]) if agent.code in seated else "model"
            pl = ", ".join(sorted(agent.pledges)) or "—"
            cells = "".join(f"<td>{now[i, j]:.0f} ({now[i, j] - before[i, j]:+.0f})</td>"
                            for j in range(len(keys)))
            rows.append(f"<tr><td>{escape(agent.name)}</td>"
                        f"<td>{escape(STANCE_LABELS.get(agent.stance, ''))}</td>{cells}"
                        f"<td>{escape(pl)}</td><td>{who}</td></tr>")
    heads = "".join(f"<th>{escape(k.capitalize())} (change)</th>" for k in keys)
    return ("<h3>What the others said last round</h3><table class='cls-table cls-others'>"
            f"<tr><th>State</th><th>Stance</th>{heads}<th>Pledges</th><th>Played by</th>"
            "</tr>" + "".join(rows) + "</table>")


def history_html(view: SessionView, state: str | None) -> str:
    """The student's rounds so far: what they chose, or that the model played for them."""
    if not state or not view.history:
        return ""
    items = []
    for rec in view.history:
        ch = rec.choices.get(state)
        if ch is not None:
            offered = escape(", ".join(sorted(ch.pledges)) or "nothing")
            items.append(f"<li class='cls-played'>Round {rec.round}: you stated "
                         f"{ch.presence:.0f} and offered {offered}.</li>")
        elif state in rec.missed:
            items.append(f"<li class='cls-missed'>Round {rec.round}: you missed the deadline; "
                         "the model played your state.</li>")
    return "<h3>Your rounds</h3><ul class='cls-history'>" + "".join(items) + "</ul>"


# -- the teacher's page --------------------------------------------------------------------
TEACHERS: set[str] = set()  # browsers that opened the teacher's link


def _is_teacher(key: str, browser: str) -> bool:
    if hubmod.HUB.is_teacher(key):
        TEACHERS.add(browser)
    return browser in TEACHERS


@solara.component
def TeacherPage():
    solara.Style(CSS)
    browser = solara.get_session_id()
    _, bump = solara.use_state(0)
    with solara.Column(classes=["cls-page", "cls-teacher"]):
        solara.Title("Class negotiation — teacher")
        if not _is_teacher(_query("key"), browser):
            _message("This page needs the teacher's link, printed in the terminal by "
                     "`negotiate class`.")
            return
        session = hubmod.HUB.current
        if session is None:
            SetupForm(on_created=lambda: bump(lambda n: n + 1))
        else:
            TeacherControls(session, on_new=lambda: bump(lambda n: n + 1))


@solara.component
def SetupForm(on_created: Callable[[], None]):
    files = solara.use_memo(hubmod.scenario_files, [])
    labels = list(files)
    scenario, set_scenario = solara.use_state(labels[0] if labels else None)
    seed, set_seed = solara.use_state("0")
    rounds, set_rounds = solara.use_state("3")
    seconds, set_seconds = solara.use_state("180")
    saved = solara.use_memo(hubmod.saved_sessions, [])
    reload_label, set_reload = solara.use_state(None)
    message, set_message = solara.use_state("")

    def create():
        sc = hubmod.load_choice(scenario)
        try:
            s = int(str(seed).strip())
            n = int(str(rounds).strip())
        except ValueError:
            raise ClassError("Seed and rounds are whole numbers.") from None
        if s < 0:
            raise ClassError("The seed is a whole number, 0 or more.")
        if not 1 <= n <= len(sc.rounds):
            raise ClassError(f"Rounds: between 1 and {len(sc.rounds)} for this scenario.")
        from viz.classroom.session import check_seconds

        hubmod.HUB.add(ClassSession(sc, scenario_name=scenario, seed=s, rounds=n,
                                    round_seconds=check_seconds(seconds)))
        on_created()

    def reload():
        import json

        path = saved.get(reload_label or "")
        if path is None:
            raise ClassError("Choose a saved session from the list.")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise ClassError("That saved session cannot be read.") from None
        hubmod.HUB.add(load_session(data))
        on_created()

    _html("<h2>New class session</h2>")
    solara.Select("Scenario", value=scenario, values=labels, on_value=set_scenario,
                  classes=["cls-scenario"])
    solara.InputText("Seed (a whole number)", value=seed, on_value=set_seed,
                     continuous_update=True, classes=["cls-seed"])
    solara.InputText("Rounds to play", value=rounds, on_value=set_rounds,
                     continuous_update=True, classes=["cls-rounds"])
    solara.InputText("Seconds per round", value=seconds, on_value=set_seconds,
                     continuous_update=True, classes=["cls-seconds"])
    solara.Button("Create the class", on_click=guarded(create, set_message), color="primary",
                  classes=["cls-create"])
    if saved:
        _html("<h3>Or reload a finished session</h3>")
        solara.Select("Saved session", value=reload_label, values=list(saved),
                      on_value=set_reload, classes=["cls-saved"])
        solara.Button("Reload", on_click=guarded(reload, set_message), classes=["cls-reload"])
    _message(message)


@functools.lru_cache(maxsize=8)
def qr_svg(url: str) -> str:
    """The join URL as an inline SVG QR code (segno, offline)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=6, border=2)


def join_url(code: str) -> str:
    return f"{hubmod.student_url().rstrip('/')}/?code={code}"


@solara.component
def TeacherControls(session: ClassSession, on_new: Callable[[], None]):
    view = use_session_view(session)
    message, set_message = solara.use_state("")
    exported, set_exported = solara.use_state(None)
    g = lambda fn: guarded(fn, set_message)  # noqa: E731
    url = join_url(view.code)
    with solara.Row(style="align-items: center; gap: 24px; flex-wrap: wrap"):
        _html(qr_svg(url), classes=["cls-qr"])
        _html(f"<div>Join code</div><div class='cls-code' data-code='{view.code}'>"
              f"{view.code}</div><div>Students open <b class='cls-url'>{escape(url)}</b>"
              f"</div><div>Scenario {escape(view.scenario_name)} · seed {session.seed} · "
              f"{view.total_rounds} rounds</div>"
              f"<div><a href='/projector' target='_blank'>Projector view</a> · "
              f"<a href='/debrief' target='_blank'>Debrief</a></div>")
    status = {"lobby": "Seats (before round 1)",
              "playing": f"Round {view.round + 1} of {view.total_rounds} under way",
              "finished": "The negotiation is over"}[view.phase]
    _html(f"<h2 class='cls-phase' data-phase='{view.phase}' data-round='{view.round}'>"
          f"{escape(status)}</h2>")
    SeatTable(session, view, set_message)
    if view.phase == "lobby":
        with solara.Row():
            solara.Button("Assign the rest", on_click=g(session.auto_assign),
                          classes=["cls-auto"])
            solara.Button("Unlock seats" if view.locked else "Lock seats",
                          on_click=g(lambda: session.lock(not view.locked)),
                          classes=["cls-lock"])
            solara.Button("Start round 1", on_click=g(session.start), color="primary",
                          classes=["cls-start"])
    elif view.phase == "playing":
        _html(f"<p class='cls-deadline'>{escape(_left(view))}</p>")
        ok, why = session.can_advance()
        with solara.Row():
            solara.Button("Close the round now", on_click=g(session.close_round),
                          classes=["cls-close"])
            solara.Button("+60 s", on_click=g(lambda: session.extend(60)),
                          classes=["cls-extend"])
            solara.Button(f"Hold round {view.round + 1}", on_click=g(session.advance),
                          color="primary", disabled=not ok, classes=["cls-advance"])
        if not ok:
            _html(f"<p class='cls-waiting'>{escape(why)}</p>")
    else:
        def export():
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            out = hubmod.export_dir() / f"{stamp}-{session.code}"
            session.export(out)
            set_exported(out.name)

        with solara.Row():
            solara.Button("Export the session", on_click=g(export), color="primary",
                          classes=["cls-export"])
            solara.FileDownload(lambda: export_zip(session),
                                filename=f"class-{session.code}.zip",
                                label="Download (CSV and JSON, zip)")
            solara.Button("New class", on_click=g(lambda: _new(on_new)), classes=["cls-new"])
        if exported:
            _html(f"<p class='cls-exported' data-folder='{escape(exported)}'>Saved as "
                  f"<b>{escape(exported)}</b> in the class-sessions folder.</p>", ["cls-ok"])
    _message(message)


def _new(on_new):
    hubmod.HUB.current = None
    on_new()


def export_zip(session: ClassSession) -> bytes:
    import tempfile
    from pathlib import Path

    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        files = session.export(Path(tmp))
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, f.name)
    return buf.getvalue()


@solara.component
def SeatTable(session: ClassSession, view: SessionView, set_message):
    if not view.seats:
        _html("<p class='cls-noseats'>Nobody has joined yet.</p>")
        return
    states = session.playable_states()
    names = {c: session.model.states[c].name for c in states}
    if view.phase != "lobby":  # one element for the whole table (re-drawn at each submit)
        rows = []
        for seat in view.seats:
            mark = ("✓ submitted" if seat.state in view.submitted else
                    ("… waiting" if view.phase == "playing" and seat.state else ""))
            st = f"{names.get(seat.state, '')} ({seat.state})" if seat.state else "no state"
            rows.append(f"<tr><td><span class='cls-seat' data-seat='{seat.seat}' "
                        f"data-state='{escape(seat.state or '')}'>{seat.seat}. "
                        f"<b>{escape(seat.name)}</b></span></td><td>{escape(st)}</td>"
                        f"<td>{mark}</td></tr>")
        _html("<table class='cls-table cls-seats'>" + "".join(rows) + "</table>")
        return
    with solara.Column(classes=["cls-seats"]):
        for seat in view.seats:
            with solara.Row(style="align-items: center; gap: 12px"):
                mark = ("✓ submitted" if seat.state in view.submitted else
                        ("… waiting" if view.phase == "playing" and seat.state else ""))
                _html(f"<span class='cls-seat' data-seat='{seat.seat}' "
                      f"data-state='{escape(seat.state or '')}'>{seat.seat}. "
                      f"<b>{escape(seat.name)}</b> {mark}</span>")
                if view.phase == "lobby":
                    options = ["(none)"] + [f"{names[c]} ({c})" for c in states
                                            if c == seat.state
                                            or view.delegation_size(c) < MAX_DELEGATION]
                    current = f"{names[seat.state]} ({seat.state})" if seat.state else "(none)"

                    def assign(label, seat=seat):
                        code = None if label == "(none)" else label.rsplit("(", 1)[1][:-1]
                        guarded(lambda: session.assign(seat.seat, code), set_message)()

                    solara.Select("State", value=current, values=options, on_value=assign,
                                  dense=True, style="max-width: 280px",
                                  classes=[f"cls-assign-{seat.seat}"])
                else:
                    _html(escape(f"{names.get(seat.state, '')} ({seat.state})"
                                 if seat.state else "no state"))


# -- the projector -------------------------------------------------------------------------
@solara.component
def ProjectorPage():
    solara.Style(CSS)
    _, bump = solara.use_state(0)
    session = hubmod.HUB.current
    with solara.Column(classes=["cls-page", "cls-projector"]):
        solara.Title("Class negotiation — projector")
        if session is None:
            _html("<p class='cls-big'>Waiting for the teacher to create the class.</p>")
            solara.Button("Refresh", on_click=lambda: bump(lambda n: n + 1))
            return
        Projector(session)


@solara.component
def Projector(session: ClassSession):
    view = use_session_view(session)
    url = join_url(view.code)
    if view.phase == "lobby":
        with solara.Row(style="align-items: center; gap: 32px"):
            _html(qr_svg(url), classes=["cls-qr"])
            _html(f"<div class='cls-big'>Join: <span class='cls-code'>{view.code}</span></div>"
                  f"<div>{escape(url)}</div><div>{len(view.seats)} joined: "
                  + escape(", ".join(s.name for s in view.seats)) + "</div>")
        return
    model = session.model
    with session._lock:
        title = (_round_title(session, view.round + 1) if view.phase == "playing"
                 else f"After round {view.round}: the negotiation is over")
        blocks = log_blocks(model)
        latest = blocks[0] if blocks else None
        count_html = _counts_html(model)
    seated = view.seated_states
    chips = []
    for code in session.playable_states():
        if code in seated and view.phase == "finished":
            colour, word = "#1565c0", "student"
        elif code in seated:
            done = code in view.submitted
            colour = "#2e7d32" if done else "#9e9e9e"
            word = "submitted" if done else "waiting"
        else:
            colour, word = "#607d8b", "model"
        chips.append(f"<span class='cls-chip cls-sub' data-state='{code}' data-status='{word}' "
                     f"style='background:{colour}'>{code}</span>")
    n_seated = len(seated)
    n_done = len(set(seated) & view.submitted)
    _html(f"<div class='cls-big cls-proj-round' data-round='{view.round}'>"
          f"{escape(title)}</div><div>{escape(_left(view))} Code "
          f"<b>{view.code}</b></div>")
    with solara.Columns([3, 2]):
        with solara.Column():
            _map(session)
        with solara.Column():
            sub = (f"<b>{n_done} of {n_seated}</b> students submitted (green: submitted; "
                   "grey: waiting; blue-grey: played by the model)" if view.phase == "playing"
                   else f"All {view.round} rounds played: the debrief is next.")
            _html(f"<div class='cls-counts'>{count_html}</div>"
                  f"<div class='cls-submitted' data-done='{n_done}' data-seated='{n_seated}'>"
                  f"{sub}</div><div>{''.join(chips)}</div>")
            if latest is not None:
                items = "".join(f"<li>{escape(t)}</li>" for t in latest.lines[-5:])
                _html(f"<div class='cls-log'><b>{escape(latest.heading)}</b><ul>{items}</ul>"
                      "</div>")


# -- the debrief ---------------------------------------------------------------------------
@solara.component
def DebriefPage():
    solara.Style(CSS)
    session = hubmod.HUB.current
    with solara.Column(classes=["cls-page", "cls-debrief"]):
        solara.Title("Class negotiation — debrief")
        if session is None or not session.view().history:
            _html("<p>No round has been played yet.</p>")
            return
        Debrief(session)


def _side_by_side(ours, alone, players: dict[str, str]) -> str:
    rows = []
    for code, a in ours.states.items():
        b = alone.states[code]
        if a.kind == "opposer":
            continue
        pa, pb = ", ".join(sorted(a.pledges)) or "—", ", ".join(sorted(b.pledges)) or "—"
        differs = abs(a.position - b.position) >= 0.5 or pa != pb or a.stance != b.stance
        cls = " class='cls-diff'" if differs else ""
        who = escape(players.get(code, "model"))
        rows.append(f"<tr{cls} data-state='{code}' data-differs='{int(differs)}'>"
                    f"<td>{escape(a.name)}</td><td>{who}</td>"
                    f"<td>{a.position:.0f}</td><td>{escape(STANCE_LABELS.get(a.stance, ''))}</td>"
                    f"<td>{escape(pa)}</td><td>{b.position:.0f}</td>"
                    f"<td>{escape(STANCE_LABELS.get(b.stance, ''))}</td><td>{escape(pb)}</td>"
                    "</tr>")
    return ("<table class='cls-table cls-compare'><tr><th>State</th><th>Played by</th>"
            "<th>Class: presence</th><th>stance</th><th>pledges</th><th>Model alone: "
            "presence</th><th>stance</th><th>pledges</th></tr>" + "".join(rows) + "</table>")


@solara.component
def Debrief(session: ClassSession):
    view = use_session_view(session)
    played = view.round
    chosen, set_round = solara.use_state(played)
    r = min(chosen, played)
    ours = solara.use_memo(
        lambda: models_by_round(session.scenario, session.seed, session.total_rounds,
                                session.choices_by_round(), session.parameters, upto=played),
        [view.version])
    alone = solara.use_memo(
        lambda: models_by_round(session.scenario, session.seed, session.total_rounds, {},
                                session.parameters, upto=played), [played])
    players = view.seated_states
    a, b = ours[r], alone[r]
    departed = sum(abs(a.states[c].position - b.states[c].position) >= 0.5
                   or set(a.states[c].pledges) != set(b.states[c].pledges) for c in a.states)
    _html(f"<h2 class='cls-debrief-round' data-round='{r}'>Debrief: round {r} of {played}"
          f"</h2><p>The class against the model alone (same scenario "
          f"{escape(view.scenario_name)}, seed {session.seed}). States where the two differ "
          f"are shaded: <b class='cls-departed'>{departed}</b>.</p>")
    with solara.Div(classes=["cls-debrief-slider"]):
        solara.SliderInt(f"Round {r}", value=r, min=0, max=played, on_value=set_round,
                         thumb_label="always")
    with solara.Row():
        for k in range(played + 1):
            solara.Button(f"{k}", on_click=lambda k=k: set_round(k), small=True,
                          outlined=k != r, classes=[f"cls-goto-{k}"])
    summary = (f"<p>Class: {a.contributors()} contributors, {len(a.committed_codes)} with "
               f"ground troops, {a.pledged('ground'):,.0f} troops. Model alone: "
               f"{b.contributors()} contributors, {len(b.committed_codes)} with ground "
               f"troops, {b.pledged('ground'):,.0f} troops.</p>")
    _html(summary, ["cls-debrief-summary"])
    with solara.Columns([1, 1]):
        with solara.Column():
            _html("<h3>The class</h3>" + _counts_html(a))
            _map(session, a)
        with solara.Column():
            _html("<h3>The model alone</h3>" + _counts_html(b))
            _map(session, b)
    _html(_side_by_side(a, b, players))
    if solara.get_session_id() in TEACHERS:
            solara.FileDownload(lambda: export_zip(session), filename=f"class-{session.code}.zip",
                                label="Download the session (CSV and JSON, zip)")

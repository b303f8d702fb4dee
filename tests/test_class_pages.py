"""The class pages without a browser: one virtual kernel per student (each with its own
browser session id), the shared session pushed to every page from the dispatcher thread."""

from __future__ import annotations

import contextlib
import io

import ipyvuetify as v
import pytest
import solara
from solara.server import kernel, kernel_context

from viz.classroom import hub as hubmod
from viz.classroom import pages
from viz.classroom.session import ClassHub, ClassSession


@pytest.fixture
def hub(monkeypatch):
    h = ClassHub("teacher-key")
    monkeypatch.setattr(hubmod, "HUB", h)
    monkeypatch.setattr(pages, "TEACHERS", set())
    yield h
    for s in list(h._sessions.values()):
        s.close()


@pytest.fixture
def session(hub, default_scenario):
    s = ClassSession(default_scenario, scenario_name="coalition_of_the_willing", seed=0,
                     rounds=3, round_seconds=60)
    hub.add(s)
    return s


class Browser:
    """A virtual kernel with its own session id (its own cookie): one student's browser."""

    def __init__(self, name: str):
        self.ctx = kernel_context.VirtualKernelContext(
            id=f"kernel-{name}", kernel=kernel.Kernel(), session_id=f"browser-{name}")
        self.rc = None

    def render(self, element):
        with self.ctx, contextlib.redirect_stdout(io.StringIO()):
            _, self.rc = solara.render(element, handle_error=False)
        return self

    def html(self, cls: str) -> str:
        with self.ctx:
            found = [w.unsafe_innerHTML for w in self.rc.find(solara.widgets.HTML).widgets
                     if cls in w.attributes.get("class", "").split()]
        return "\n".join(found)

    def text(self) -> str:
        with self.ctx:
            return "\n".join(w.unsafe_innerHTML for w in self.rc.find(solara.widgets.HTML).widgets)

    def click(self, cls: str):
        with self.ctx:
            self.rc.find(v.Btn, class_=cls).widget.click()

    def type(self, cls: str, text: str):
        with self.ctx:
            self.rc.find(v.TextField, class_=cls).widget.v_model = text

    def wait_for(self, text: str, timeout: float = 5.0):
        import time

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.text():
                return
            time.sleep(0.02)
        raise AssertionError(f"{text!r} never shown; page has:\n{self.text()[:2000]}")


def test_students_join_and_get_pushed_rounds(session):
    students = [Browser(n).render(pages.StudentPage()) for n in ("ann", "bob", "cem")]
    for b, name in zip(students, ("Ann", "Bob", "Cem"), strict=True):
        b.type("cls-join-code", session.code.lower())
        b.type("cls-join-name", name)
        b.click("cls-join")
        b.wait_for("no state yet")
    projector = Browser("proj").render(pages.ProjectorPage())
    projector.wait_for("3 joined")
    session.auto_assign()
    for b in students:
        b.wait_for("you play")
    session.start()
    for b in students:
        b.wait_for("cls-round' data-round='1'")  # pushed from the dispatcher thread
    projector.wait_for("0 of 3")
    ann = students[0]
    ann.click("cls-submit")
    ann.wait_for("Submitted.")
    projector.wait_for("1 of 3")
    session.close_round()
    session.advance()
    for b in students:
        b.wait_for("cls-round' data-round='2'")
    students[1].wait_for("you missed the deadline")
    assert "you stated" in ann.text()


def test_a_bad_value_is_a_message(session):
    b = Browser("dan").render(pages.StudentPage())
    b.type("cls-join-code", session.code)
    b.type("cls-join-name", "Dan")
    b.click("cls-join")
    b.wait_for("no state yet")
    session.auto_assign()
    session.start()
    b.wait_for("data-round='1'")
    b.type("cls-input-presence", "lots")
    b.click("cls-submit")
    b.wait_for("is not a number")
    b.type("cls-input-presence", "-5")
    b.click("cls-submit")
    b.wait_for("must be between")
    shown = b.html("cls-message")
    assert "must be between" in shown and "Traceback" not in b.text()
    assert "/" not in shown and ".py" not in shown  # no server path


def test_wrong_code_and_teacher_key(session):
    b = Browser("eve").render(pages.StudentPage())
    b.type("cls-join-code", "ZZZZZ")
    b.type("cls-join-name", "Eve")
    b.click("cls-join")
    b.wait_for("No class with that code")
    t = Browser("eve").render(pages.TeacherPage())
    t.wait_for("This page needs the teacher")


def test_teacher_and_debrief_render(session):
    t = Browser("teach")
    with t.ctx:
        pass
    pages.TEACHERS.add("browser-teach")
    t.render(pages.TeacherPage())
    t.wait_for(session.code)
    t.wait_for("Nobody has joined yet")
    s = Browser("s1").render(pages.StudentPage())
    s.type("cls-join-code", session.code)
    s.type("cls-join-name", "Sam")
    s.click("cls-join")
    t.wait_for("Sam")
    t.click("cls-auto")
    t.click("cls-start")
    t.wait_for("Round 1 of 3 under way")
    for k in range(1, 4):
        t.click("cls-close")
        t.wait_for("The deadline has passed")
        t.click("cls-advance")
        t.wait_for(f"Round {k + 1} of 3 under way" if k < 3 else "The negotiation is over")
    d = Browser("teach").render(pages.DebriefPage())
    d.wait_for("Debrief: round 3 of 3")
    assert "cls-compare" in d.text()


def test_teacher_setup_checks_its_values(hub):
    t = Browser("setup")
    pages.TEACHERS.add("browser-setup")
    t.render(pages.TeacherPage())
    t.wait_for("New class session")
    for field, bad, why in (("cls-seed", "-5", "0 or more"), ("cls-seed", "x", "whole numbers"),
                            ("cls-rounds", "99", "Rounds: between 1 and"),
                            ("cls-seconds", "2", "between 5 and 3600")):
        t.type(field, bad)
        t.click("cls-create")
        t.wait_for(why)
        t.type(field, {"cls-seed": "0", "cls-rounds": "3", "cls-seconds": "180"}[field])
    assert hub.current is None  # nothing was created from a bad value
    t.click("cls-create")
    t.wait_for("Join code")
    assert hub.current is not None and hub.current.total_rounds == 3


def test_students_pick_until_the_teacher_locks(session):
    a = Browser("pia").render(pages.StudentPage())
    a.type("cls-join-code", session.code)
    a.type("cls-join-name", "Pia")
    a.click("cls-join")
    a.wait_for("no state yet")
    with a.ctx:
        select = a.rc.find(v.Select, class_="cls-pick").widget
        assert "France (FR)" in select.items and "Russia (RU)" not in select.items
        select.v_model = "France (FR)"
    a.wait_for('data-state="FR"')
    b = Browser("quin").render(pages.StudentPage())
    b.type("cls-join-code", session.code)
    b.type("cls-join-name", "Quin")
    b.click("cls-join")
    b.wait_for("no state yet")
    with b.ctx:
        assert "France (FR)" not in b.rc.find(v.Select, class_="cls-pick").widget.items
    session.lock()

    def picker_gone():
        with b.ctx:
            return not b.rc.find(v.Select, class_="cls-pick").widgets

    import time

    end = time.monotonic() + 5
    while not picker_gone() and time.monotonic() < end:
        time.sleep(0.02)
    assert picker_gone()  # no picking once the teacher has locked the seats

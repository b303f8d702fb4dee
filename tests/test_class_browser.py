"""A class session end to end in headless Chromium: one teacher, three students, one server.

Each person is a separate Playwright browser context (their own cookie, so their own seat).
They join with the code, get states, play three rounds in which one student misses the
round-2 deadline (the model plays that state, and their page says so), and the teacher
exports the session; ``negotiate run --choices`` on the same scenario and seed then writes
the same tables. Every response the pages get is checked for an error status. Screenshots
of the projector, a student's page and the debrief go to ``test-artifacts/`` (1280×720;
``NEGOTIATE_DOCS_SCREENSHOTS=1`` writes them to ``docs/``).

Needs Debian's Chromium and the Solara asset cache (see tests/test_viz_browser.py).
"""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from tests.conftest import DEFAULT_SCENARIO, ROOT

pytestmark = pytest.mark.browser

APP = ROOT / "viz" / "classroom" / "app.py"
# screenshots go to test-artifacts/ (docs/class_*.png are copies of them, refreshed by
# running with NEGOTIATE_DOCS_SCREENSHOTS=1), so a test run never edits tracked files
DOCS = ROOT / ("docs" if os.environ.get("NEGOTIATE_DOCS_SCREENSHOTS") else "test-artifacts")
KEY = "test-teacher-key"
NAMES = ("Ann", "Bob", "Cem")


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    return tmp_path_factory.mktemp("class-sessions")


@pytest.fixture(scope="module")
def served(exports):
    from tests.browser_harness import chromium_path, serve_solara
    from viz.assets import AssetError, prepare_assets

    if chromium_path() is None:
        _unavailable("no system Chromium at /usr/bin/chromium (apt-get install chromium)")
    try:
        prepare_assets(quiet=True)
    except AssetError as exc:
        _unavailable(f"Solara asset cache cannot be filled: {exc}")
    env = {"NEGOTIATE_CLASS_KEY": KEY, "NEGOTIATE_CLASS_EXPORT_DIR": str(exports),
           "SOLARA_MODE": "production"}
    with serve_solara(str(APP), env_extra=env, extra_args=["--production"]) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.browser_harness import launch_chromium

    with sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()


class Person:
    """One browser context (one cookie: one person) with one page, errors collected."""

    def __init__(self, browser, url: str, errors: list):
        from tests.browser_harness import wait_for_solara

        self.context = browser.new_context(viewport={"width": 1280, "height": 720})
        self.page = self.context.new_page()
        self.page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
                     if r.status >= 400 else None)
        self.page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        self.page.goto(url)
        wait_for_solara(self.page)

    def wait(self, selector: str, timeout: float = 30_000):
        return self.page.wait_for_selector(selector, timeout=timeout)

    def text(self, selector: str) -> str:
        return self.page.locator(selector).first.inner_text()


def _submit(student: Person, number: int, presence: str | None = None,
            pledge: bool = False) -> str | None:
    """Submit this round's move; ``pledge``: offer the first kind in the list (returned)."""
    student.wait(f".cls-round[data-round='{number}']")
    if presence is not None:
        student.page.locator(".cls-input-presence input").fill(presence)
    offered = None
    if pledge:
        student.page.locator(".cls-pledges").click()
        student.page.locator(".v-menu__content .v-list-item").first.click()  # toggles it
        student.page.keyboard.press("Escape")
        offered = student.text(".cls-pledges .v-select__selections")
    student.page.locator(".cls-submit").click()
    found = student.wait(".cls-ok:has-text('Submitted'), .cls-message")
    assert "Submitted" in found.inner_text(), found.inner_text()
    return offered


def test_a_class_plays_three_rounds_and_exports(served, browser, exports, tmp_path):
    from playwright.sync_api import expect

    from negotiate.main import main

    errors: list[str] = []
    teacher = Person(browser, served + "teacher?key=" + KEY, errors)
    teacher.wait(".cls-create")
    teacher.page.locator(".cls-create").click()
    code = teacher.wait(".cls-code").get_attribute("data-code")
    assert len(code) == 5

    # a stranger without the key sees no teacher controls
    stranger = Person(browser, served + "teacher", errors)
    stranger.wait(".cls-message")
    assert stranger.page.locator(".cls-create, .cls-start").count() == 0

    students = []
    for name in NAMES:
        s = Person(browser, served + f"?code={code}", errors)
        s.wait(".cls-join-name")
        s.page.locator(".cls-join-name input").fill(name)
        s.page.locator(".cls-join").click()
        s.wait(".cls-who")
        students.append(s)
    ann, bob, cem = students
    teacher.wait(".cls-seat[data-seat='3']")
    teacher.page.locator(".cls-auto").click()
    teacher.wait(".cls-seat[data-seat='3']:not([data-state=''])")
    states = [s.wait(".cls-who:not([data-state=''])").get_attribute("data-state")
              for s in students]
    assert len(set(states)) == 3

    # a refresh re-attaches a student to their seat (the cookie, not the tab)
    bob.page.reload()
    bob.wait(f".cls-who[data-state='{states[1]}']")

    projector = Person(browser, served + "projector", errors)
    teacher.page.locator(".cls-start").click()

    # round 1: everyone submits; Ann moves by typing a number and offers pledges
    # (the top of this round's range: her state's bounded move and red lines)
    top = float(ann.text(".cls-range").split(" and ")[1].rstrip("."))
    offered = _submit(ann, 1, presence=f"{top:.0f}", pledge=True)
    _submit(bob, 1)
    _submit(cem, 1)
    projector.wait(".cls-submitted[data-done='3']")
    teacher.wait(".cls-advance:not([disabled])")
    teacher.page.locator(".cls-advance").click()

    # round 2: Cem misses the deadline; the teacher ends the round's time
    _submit(ann, 2)
    _submit(bob, 2)
    teacher.wait(".cls-waiting")  # cannot advance yet: Cem has time left
    assert teacher.page.locator(".cls-advance[disabled]").count() == 1
    teacher.page.locator(".cls-close").click()
    cem.wait(".cls-model:has-text('The deadline has passed: the model plays')")
    expect(projector.page.locator(f".cls-sub[data-state='{states[2]}']")).to_have_attribute(
        "data-status", "waiting")
    teacher.page.locator(".cls-advance").click()
    cem.wait(".cls-missed")
    assert "the model played your state" in cem.text(".cls-missed")

    # round 3 (a student's page as it opens, for docs/)
    bob.wait(".cls-round[data-round='3']")
    bob.wait(".cls-submit:not([disabled])")
    DOCS.mkdir(parents=True, exist_ok=True)
    bob.page.evaluate("window.scrollTo(0, 0)")
    bob.page.screenshot(path=str(DOCS / "class_student.png"))
    for s in students:
        _submit(s, 3)
    teacher.page.locator(".cls-advance").click()
    teacher.wait(".cls-phase[data-phase='finished']")
    projector.wait(".cls-proj-round[data-round='3']")
    projector.page.evaluate("window.scrollTo(0, 0)")
    projector.page.wait_for_timeout(300)
    projector.page.screenshot(path=str(DOCS / "class_projector.png"))

    teacher.page.locator(".cls-export").click()
    folder = teacher.wait(".cls-exported").get_attribute("data-folder")
    out = exports / folder
    session = json.loads((out / "session.json").read_text())
    assert [r["missed"] for r in session["history"]] == [[], [states[2]], []]
    assert {s["name"]: s["state"] for s in session["seats"]} == dict(zip(NAMES, states,
                                                                         strict=True))
    choices = pd.read_csv(out / "choices.csv", keep_default_na=False)
    assert len(choices) == 9 and choices["submitted"].sum() == 8
    first = choices[(choices["round"] == 1) & (choices["player"] == "Ann")].iloc[0]
    chosen = sorted(p.strip() for p in offered.split(",") if p.strip())
    assert float(first["presence"]) == top and sorted(str(first["pledges"]).split()) == chosen

    # the export reproduces: negotiate run, same scenario and seed, plus the choices
    replayed = tmp_path / "replayed"
    assert main(["run", str(DEFAULT_SCENARIO), "--seed", "0", "--rounds", "3", "--quiet",
                 "--choices", str(out / "choices.csv"), "--out", str(replayed)]) == 0
    for table in ("rounds", "actors", "outcomes", "ceasefire_states", "ceasefire_events"):
        pd.testing.assert_frame_equal(pd.read_csv(replayed / f"{table}.csv"),
                                      pd.read_csv(out / f"{table}.csv"), check_dtype=False)
    assert (replayed / "events.txt").read_text() == (out / "events.txt").read_text()

    debrief = Person(browser, served + "debrief", errors)
    debrief.wait(".cls-debrief-round[data-round='3']")
    debrief.page.locator(".cls-goto-1").click()
    debrief.wait(".cls-debrief-round[data-round='1']")
    assert debrief.page.locator(f".cls-compare tr[data-state='{states[0]}']").count() == 1
    debrief.page.locator(".cls-goto-3").click()
    debrief.wait(".cls-debrief-round[data-round='3']")
    debrief.page.wait_for_timeout(300)
    debrief.page.screenshot(path=str(DOCS / "class_debrief.png"), full_page=True)

    assert errors == []
    for person in (teacher, stranger, *students, projector, debrief):
        person.context.close()

"""A class of N students in one headless Chromium against one class server (loopback).

Used by ``tests/test_class_load.py`` (which checks that every round reaches every page)
and by ``bench/bench_class.py`` (which prints how long that took). Each student is a
separate browser context (own cookie, own seat); the teacher and the projector are two
more. Each round every student clicks Submit, the teacher holds the round, and each page
records (``Date.now()``, one clock for all pages of the machine) when it shows the new
round; the push time of a round is the last page's time minus the click's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tests.browser_harness import wait_for_solara

#: Installed in a page before the teacher's click: note when ``selector`` appears.
WATCH = """selector => {
  window.__seenAt = null;
  const check = () => { if (document.querySelector(selector)) {
      window.__seenAt = Date.now(); obs.disconnect(); return true; } return false; };
  const obs = new MutationObserver(check);
  if (!check()) obs.observe(document.body, {subtree: true, childList: true, attributes: true});
}"""

CLICK = """sel => { const b = document.querySelector(sel); const t = Date.now(); b.click();
                    return t; }"""


@dataclass
class LoadResult:
    students: int
    rounds: int
    push_ms: list[float] = field(default_factory=list)  # per round: click → last page
    first_ms: list[float] = field(default_factory=list)  # per round: click → first page
    submit_s: list[float] = field(default_factory=list)  # per round: all students submitted
    pages_updated: list[int] = field(default_factory=list)
    join_s: float = 0.0


def _open(browser, url: str, errors: list):
    ctx = browser.new_context(viewport={"width": 1024, "height": 700})
    page = ctx.new_page()
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    page.goto(url)
    wait_for_solara(page)
    return ctx, page


def run_class(browser, url: str, key: str, n_students: int = 30, rounds: int = 3,
              errors: list | None = None) -> LoadResult:
    errors = errors if errors is not None else []
    result = LoadResult(n_students, rounds)
    contexts = []
    t_ctx, teacher = _open(browser, f"{url}teacher?key={key}", errors)
    contexts.append(t_ctx)
    teacher.wait_for_selector(".cls-rounds input").fill(str(rounds))
    teacher.locator(".cls-create").click()
    code = teacher.wait_for_selector(".cls-code").get_attribute("data-code")
    t0 = time.monotonic()
    students = []
    for k in range(n_students):
        ctx, page = _open(browser, f"{url}?code={code}", errors)
        contexts.append(ctx)
        page.locator(".cls-join-name input").fill(f"Student {k + 1:02d}")
        page.locator(".cls-join").click()
        page.wait_for_selector(".cls-who", timeout=60_000)
        students.append(page)
    result.join_s = time.monotonic() - t0
    teacher.wait_for_selector(f".cls-seat[data-seat='{n_students}']", timeout=60_000)
    teacher.locator(".cls-auto").click()
    teacher.wait_for_selector(f".cls-seat[data-seat='{n_students}']:not([data-state=''])")
    p_ctx, projector = _open(browser, f"{url}projector", errors)
    contexts.append(p_ctx)
    teacher.locator(".cls-start").click()
    pages = [teacher, projector, *students]
    for page in students:
        page.wait_for_selector(".cls-round[data-round='1']", timeout=60_000)
    for number in range(1, rounds + 1):
        t_sub = time.monotonic()
        for page in students:
            page.wait_for_selector(".cls-submit:not([disabled])", timeout=60_000)
            page.evaluate("() => document.querySelector('.cls-submit').click()")
        teacher.wait_for_selector(".cls-advance:not([disabled])", timeout=120_000)
        result.submit_s.append(time.monotonic() - t_sub)
        nxt = number + 1
        selectors = {id(teacher): f".cls-phase[data-round='{number}']",
                     id(projector): f".cls-proj-round[data-round='{number}']"}
        for page in students:
            selectors[id(page)] = (f".cls-round[data-round='{nxt}']" if number < rounds
                                   else ".cls-finished")
        for page in pages:
            page.evaluate(WATCH, selectors[id(page)])
        clicked = teacher.evaluate(CLICK, ".cls-advance")
        seen = []
        for page in pages:
            page.wait_for_function("() => window.__seenAt !== null", timeout=120_000)
            seen.append(page.evaluate("() => window.__seenAt"))
        result.pages_updated.append(len(seen))
        result.push_ms.append(max(seen) - clicked)
        result.first_ms.append(min(seen) - clicked)
    for ctx in contexts:
        ctx.close()
    return result

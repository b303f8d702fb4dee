"""The run report in headless Chromium: ``negotiate run --out DIR --report`` writes a page
that loads from the file with no request leaving the machine and shows every section.

Debian's Chromium (``/usr/bin/chromium``) through Playwright's Python API; Playwright never
downloads a browser. Without Chromium the test is skipped (it fails when ``CI`` is set). The
screenshot goes to ``test-artifacts/report.png`` (docs/report.png is one of these).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analysis.report import RUN_SECTIONS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def test_report_loads_offline_and_shows_every_section(tmp_path, capsys):
    pytest.importorskip("playwright")
    from playwright.sync_api import sync_playwright

    from negotiate.main import main
    from tests.browser_harness import chromium_path, launch_chromium

    if chromium_path() is None:
        _unavailable("no system Chromium at /usr/bin/chromium (apt-get install chromium)")
    out = tmp_path / "run"
    assert main(["run", "--out", str(out), "--quiet", "--report"]) == 0
    assert f"wrote {out / 'report.html'}" in capsys.readouterr().out
    page_file = out / "report.html"

    outside: list[str] = []
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            context = browser.new_context(viewport={"width": 1300, "height": 900})

            def guard(route):
                url = route.request.url
                if url.startswith(("file:", "data:")):
                    route.continue_()
                else:  # anything else would leave the machine (or need a server)
                    outside.append(url)
                    route.abort()

            context.route("**/*", guard)
            page = context.new_page()
            page.on("request", lambda r: None if r.url.startswith(("file:", "data:"))
                    else outside.append(r.url))
            page.goto(page_file.as_uri(), wait_until="load")
            assert outside == []
            assert page.title().startswith("Coalition of the willing")
            for anchor, title in RUN_SECTIONS:
                section = page.locator(f"section#{anchor}")
                section.scroll_into_view_if_needed()
                assert section.is_visible(), anchor
                assert section.locator("h2").inner_text() == title
            # the figures are drawn, at a readable size
            for anchor in ("stances", "paths", "map", "pledges", "threat"):
                svg = page.locator(f"section#{anchor} svg").first
                box = svg.bounding_box()
                assert box is not None and box["width"] > 500 and box["height"] > 150, anchor
            # the map has a dot and a label per state at each of its three rounds
            labels = page.locator("section#map svg text").evaluate_all(
                "els => els.map(e => e.textContent.trim())")
            assert labels.count("FR") == 3 and labels.count("DE") == 3
            # the event log lists what events.txt says; the ceasefire says how it ended
            events = [e for e in (out / "events.txt").read_text(encoding="utf-8").splitlines()
                      if e.strip()]
            assert page.locator("section#events ol.events > li").count() == len(events)
            verdict = page.locator("section#ceasefire .fact b").first.inner_text()
            assert verdict in ("held", "collapsed")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
            assert outside == []
        finally:
            browser.close()

"""Class session under load on loopback: N students (browser contexts in one headless
Chromium) against one ``negotiate class`` server; prints, per round, how long until all
students had submitted and how long from the teacher's click until the last page (teacher,
projector, every student) showed the new round.

    PYTHONPATH=$PWD python3 bench/bench_class.py [--students 30] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser_harness import launch_chromium, serve_solara
    from tests.class_load import run_class

    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    key = "bench-key"
    timing = Path("/tmp/bench-class-dispatch.log")
    timing.unlink(missing_ok=True)
    env = {"NEGOTIATE_CLASS_KEY": key, "SOLARA_MODE": "production",
           "NEGOTIATE_CLASS_TIMING_LOG": str(timing),
           "NEGOTIATE_CLASS_EXPORT_DIR": "/tmp/bench-class-sessions"}
    app = ROOT / "viz" / "classroom" / "app.py"
    with serve_solara(str(app), env_extra=env, extra_args=["--production"]) as url, \
            sync_playwright() as pw:
        browser = launch_chromium(pw)
        errors: list[str] = []
        r = run_class(browser, url, key, n_students=args.students, rounds=args.rounds,
                      errors=errors)
        browser.close()
    print(f"{args.students} students, {os.cpu_count()} cores, {args.rounds} rounds "
          f"(joining took {r.join_s:.1f} s)")
    for k, (sub, first, push, n) in enumerate(zip(r.submit_s, r.first_ms, r.push_ms,
                                                  r.pages_updated, strict=True), 1):
        print(f"round {k}: all submitted after {sub:.2f} s; advance -> first page updated "
              f"{first:.0f} ms, last of {n} pages {push:.0f} ms")
    print(f"push time: median {statistics.median(r.push_ms):.0f} ms, max {max(r.push_ms):.0f} ms")
    rounds = [line.split() for line in timing.read_text().splitlines()]
    pushes = [float(x[4]) * 1000 for x in rounds if int(x[3]) >= args.students]
    if pushes:
        print(f"server side, one push to all pages: median {statistics.median(pushes):.0f} ms, "
              f"max {max(pushes):.0f} ms ({len(pushes)} pushes)")
    if errors:
        print("errors:", *errors, sep="\n  ")


if __name__ == "__main__":
    main()

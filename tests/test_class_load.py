"""Load on loopback: 30 students in one server, each round advanced and pushed to every
page (teacher, projector, 30 students). Checks that every page got every round; the time it
took is printed by ``bench/bench_class.py`` and recorded in bench/README.md, not asserted."""

from __future__ import annotations

import pytest

from tests.test_class_browser import KEY, browser, exports, served  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

STUDENTS = 30


def test_thirty_students_every_round_reaches_every_page(served, browser):  # noqa: F811
    from tests.class_load import run_class

    errors: list[str] = []
    result = run_class(browser, served, KEY, n_students=STUDENTS, rounds=3, errors=errors)
    assert result.pages_updated == [STUDENTS + 2] * 3
    assert errors == []

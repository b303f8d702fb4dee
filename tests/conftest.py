"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = ROOT / "configs" / "coalition_of_the_willing.toml"


@pytest.fixture(scope="session")
def default_scenario():
    from inputs.scenario_file import load_scenario

    return load_scenario(DEFAULT_SCENARIO)

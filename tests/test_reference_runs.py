"""The faster run path gives the same bytes as the code before it (main a72c649).

``tests/data/run_digests.json`` was written by ``tests/reference_runs.py`` from the code
before the speed work (main a72c649);
a digest covers every column's dtype and every value of every table of a run, and of every
exported table of two sweeps (serial and process executors)."""

from __future__ import annotations

import json

import pytest

from inputs.scenario_file import default_scenario
from model.run import run_one
from tests.reference_runs import DIGESTS, RUN_CASES, run_digest, run_sweep_case

EXPECTED = json.loads(DIGESTS.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("label", "params", "seed"), RUN_CASES, ids=[c[0] for c in RUN_CASES])
def test_run_tables_match_the_reference(label, params, seed):
    assert run_digest(run_one(params, seed, scenario=default_scenario())) == EXPECTED["runs"][label]


@pytest.mark.parametrize(("name", "executor", "workers", "share"),
                         [("ranges", "serial", 1, True), ("ranges", "serial", 1, False),
                          ("grid", "process", 2, True), ("grid", "serial", 1, False)])
def test_sweep_tables_match_the_reference(tmp_path, name, executor, workers, share):
    """With the bargaining shared across runs (the default) or not, whatever the executor."""
    got = run_sweep_case(name, tmp_path / name, executor=executor, workers=workers,
                         share=share)
    assert got == EXPECTED["sweeps"][name]

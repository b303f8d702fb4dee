"""negotiate.api: one module with the model classes and the run, sweep and describe
functions; the same numbers as the core and the commands."""

from __future__ import annotations

import pandas as pd
import pytest

import negotiate.api as api


def test_everything_listed_is_there_with_a_docstring():
    for name in api.__all__:
        obj = getattr(api, name)
        if callable(obj):
            assert obj.__doc__, name


def test_run_one_is_the_core_run_on_the_named_scenario(default_scenario):
    from model.run import run_one

    ours = api.run_one({"bandwagon": 30.0, "actors.DE.salience.presence": 0.9}, seed=4,
                       scenario="coalition_of_the_willing")
    core = run_one({"bandwagon": 30.0, "actors.DE.salience.presence": 0.9}, 4,
                   scenario=default_scenario)
    pd.testing.assert_frame_equal(ours.rounds, core.rounds, check_exact=True)
    pd.testing.assert_frame_equal(ours.actors, core.actors, check_exact=True)
    # the parameter matters (else the comparison above proves little)
    other = api.run_one({"bandwagon": 0.0}, seed=4)
    assert not other.actors["stance"].equals(ours.actors["stance"])


def test_sweep_returns_one_row_per_run():
    pytest.importorskip("pyarrow")
    outcomes = api.sweep("small")
    assert len(outcomes) == 8  # 2 x 2 design points x 2 replications
    assert set(outcomes["mechanism"]) == {"eum", "compromise"}
    assert {"willing_troops", "ceasefire_held"} <= set(outcomes.columns)


def test_score_is_what_negotiate_score_prints(capsys):
    """The API's score is the command's: the same window scores as ``negotiate score
    --json`` on the same seeds, and the model beats the frozen baseline on training."""
    import json

    from negotiate.main import main

    result = api.score(seeds=2)
    assert main(["score", "--seeds", "2", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["score"] == result.as_json()["score"]
    model, frozen = result.scores("model"), result.scores("frozen")
    assert set(model) == {"train", "test", "all"} and model["train"] > frozen["train"]

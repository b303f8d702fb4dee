"""The live view on a class network: no typed scenario path, bad control values are messages."""

from __future__ import annotations

import pytest

from model.errors import InputError
from viz.live_model import LiveModel, load_named, model_params, parse_seed


def test_scenario_only_from_the_menu(tmp_path):
    outside = tmp_path / "elsewhere.toml"
    outside.write_text("name = 'x'\n")
    for typed in ("/etc/passwd", str(outside), "../configs/coalition_of_the_willing"):
        with pytest.raises(InputError, match="choose one from the list"):
            load_named(typed)
    model = LiveModel(scenario_name=str(outside))
    assert model.scenario_name == model_params()["scenario_name"]["value"]
    assert "choose one from the list" in model.input_problems[0]


def test_bad_seed_and_levers_are_messages_not_tracebacks():
    with pytest.raises(InputError, match="from 0"):
        parse_seed("-5")
    assert parse_seed("7") == 7 and parse_seed("class 4b") == parse_seed("class 4b")
    model = LiveModel(seed="-5")
    assert model.seed_value == 0 and "not -5" in model.input_problems[0]
    model = LiveModel(mechanism="bogus", bandwagon=float("nan"))
    default = model.scenario_config.parameters.mechanism
    assert model.input_problems and model.params.mechanism == default
    assert "/" not in model.input_problems[0].split(":")[0]  # no server path in the message


def test_the_mechanism_menu_holds_the_default():
    params = model_params()
    assert params["mechanism"]["value"] in params["mechanism"]["values"]

"""``negotiate describe``: the scenario as the ODD initialisation and input-data tables,
checked against the scenario's own values."""

from __future__ import annotations

import re

import pytest

from analysis.odd import conditions_text, odd_tables
from inputs.scenario_file import load_scenario
from model.scenario import Conditions, Parameters

SCENARIO = "configs/coalition_of_the_willing.toml"


@pytest.fixture(scope="module")
def described():
    scenario = load_scenario(SCENARIO)
    return scenario, odd_tables(scenario, source=SCENARIO)


def _rows(text: str, heading: str) -> list[list[str]]:
    """The body rows of the Markdown table under ``heading``, split into cells."""
    part = text.split(heading, 1)[1]
    lines = [ln for ln in part.splitlines()[1:] if ln.strip()]
    table = []
    for ln in lines:
        if not ln.startswith("|"):
            if table:
                break
            continue
        table.append(ln)
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", ln)[1:-1]] for ln in table[2:]]
    return cells


def test_every_actor_with_its_positions_saliences_and_source(described):
    scenario, text = described
    rows = {r[0]: r for r in _rows(text, "### Actors")}
    assert set(rows) == set(scenario.actors)
    keys = scenario.dimension_keys
    for code, actor in scenario.actors.items():
        row = rows[code]
        assert row[1] == actor.name
        n = len(keys)
        assert [float(v) for v in row[4:4 + n]] == actor.ideal(keys)
        assert [float(v) for v in row[4 + n:4 + 2 * n]] == actor.saliences(keys)
        assert row[-1] == " ".join(actor.source.split()).replace("|", "\\|")
        assert row[-2] == (", ".join(actor.red_lines) or "none")
    # Germany's conditions, as the file states them
    assert "US guarantee >= 0.75" in rows["DE"][-3] and "NATO consensus" in rows["DE"][-3]


def test_every_parameter_with_value_and_every_ranged_one_with_range_and_source(described):
    scenario, text = described
    rows = {r[0]: r for r in _rows(text, "### Parameters")}
    assert set(rows) == set(Parameters.model_fields)
    values = scenario.parameters.model_dump()
    assert scenario.parameter_ranges  # the default scenario has ranged parameters
    for name, (lo, hi) in scenario.parameter_ranges.items():
        assert rows[name][2] == f"[{lo:g}, {hi:g}]", name
        assert float(rows[name][1]) == values[name]
        # a Markdown table cell escapes "|"
        assert rows[name][3].replace("\\|", "|") == " ".join(
            scenario.parameter_sources[name].split())
    unranged = [n for n in rows if n not in scenario.parameter_ranges]
    assert all(rows[n][2] == "" for n in unranged)
    assert rows["mechanism"][1] == values["mechanism"]
    assert rows["mechanism"][3] == "set in the scenario file"
    assert rows["ceasefire_round"][3] == "model default"


def test_meetings_shocks_and_ladder(described):
    scenario, text = described
    meetings = _rows(text, "### Meetings")
    assert [r[1] for r in meetings] == [r.date.isoformat() for r in scenario.rounds]
    shocks = _rows(text, "### Shocks")
    assert len(shocks) == sum(len(r.shocks) for r in scenario.rounds)
    ladder = _rows(text, "### The ceasefire ladder")
    assert [r[1] for r in ladder] == [r.name for r in scenario.ceasefire.ladder]


def test_conditions_in_words():
    assert conditions_text(Conditions()) == "none"
    text = conditions_text(Conditions(ceasefire=True, min_committed=3, before=["min_committed"]))
    assert text == "ceasefire; 3 others committed; before declaring: min_committed"


def test_describe_command(capsys, tmp_path):
    from negotiate.main import main

    assert main(["describe"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Coalition of the willing") and "## Input data (ODD element 7)" in out
    assert main(["describe", "coalition_of_the_willing", "--out", str(tmp_path / "odd.md")]) == 0
    assert (tmp_path / "odd.md").read_text(encoding="utf-8") == out.replace(
        "`coalition_of_the_willing.toml`", "`coalition_of_the_willing`")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["describe", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0]

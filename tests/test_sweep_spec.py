"""Sweep files: validation messages, designs, and the per-run seeds."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from model.errors import InputError
from negotiate.main import main
from sweep.spec import load_sweep, run_seed, salib_problem

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = ROOT / "configs" / "coalition_of_the_willing.toml"


def write(tmp_path, body: str, name: str = "sweep.toml"):
    path = tmp_path / name
    path.write_text(f'scenario = "{DEFAULT_SCENARIO}"\n' + textwrap.dedent(body))
    return path


ISSUE_EXAMPLE = """
seed = 42
replications = 5
[parameters]
us_backstop = [0.0, 0.25, 0.5, 0.75, 1.0]
russia_threat_credibility = { low = 0.0, high = 1.0 }
mechanism = ["eum", "compromise"]
[design]
method = "grid"
samples = 64
[output]
every = "round"
"""

BROKEN = [
    ("replication = 5\n", "replication: unknown key"),
    ("replications = 0\n", "replications:"),
    ("seed = -1\n", "seed:"),
    ("[parameters]\nus_backstop = [0.5, 1.5]\n", "parameters.us_backstop[1]:"),
    ("[parameters]\nus_backstop = 1.5\n", "parameters.us_backstop:"),
    ("[parameters]\nrussia_threat_credibility = { low = 0.8, high = 0.2 }\n",
     "parameters.russia_threat_credibility: low"),
    ("[parameters]\nrussia_threat_credibility = { low = 0.0, high = 2.0 }\n",
     "parameters.russia_threat_credibility.high:"),
    ("[parameters]\nrussia_threat_credibility = { low = 0.0, hi = 1.0 }\n",
     "parameters.russia_threat_credibility.hi: unknown key"),
    ("[parameters]\nnonsense = [1, 2]\n", "parameters.nonsense: unknown key"),
    ('[parameters]\n"actors.XX.salience" = [0.1]\n', "parameters.actors.XX.salience: unknown"),
    ('[parameters]\n"actors.DE.salience" = [0.5, 7]\n', "parameters.actors.DE.salience[1]:"),
    ('[parameters]\nmechanism = ["eum", "magic"]\n', "parameters.mechanism[1]:"),
    ("[parameters]\nmechanism = { low = 0, high = 1 }\n", "parameters.mechanism"),
    ("[parameters]\nus_backstop = []\n", "parameters.us_backstop: empty list"),
    ('[design]\nmethod = "bogus"\n', "design.method:"),
    ("[parameters]\nus_backstop = { low = 0.0, high = 1.0 }\n"
     '[design]\nmethod = "sobol"\nsamples = 10\n', "design.samples: Sobol"),
    ('[parameters]\nmechanism = ["eum"]\n[design]\nmethod = "lhs"\n', "design.method: lhs"),
    ('[output]\nevery = "sometimes"\n', "output.every:"),
]


@pytest.mark.parametrize("body, expected", BROKEN, ids=[b[1] for b in BROKEN])
def test_broken_sweep_file_is_one_line_naming_file_and_key(tmp_path, capsys, body, expected):
    path = write(tmp_path, body)
    assert main(["sweep", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"negotiate: error: {path}: ")
    assert expected in lines[0]


def test_missing_scenario_and_bad_toml(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text('scenario = "nowhere/at_all.toml"\n')
    assert main(["sweep", "validate", str(path)]) == 2
    assert f"{path}: scenario: no such file" in capsys.readouterr().err
    path.write_text("seed = = 3\n")
    assert main(["sweep", "validate", str(path)]) == 2
    assert f"{path}: not valid TOML" in capsys.readouterr().err


def test_validate_prints_the_number_of_runs(tmp_path, capsys):
    path = write(tmp_path, ISSUE_EXAMPLE)
    assert main(["sweep", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    sweep = load_sweep(path)
    # a grid: 5 us_backstop values x the range cut into design.levels values x 2 mechanisms
    points = 5 * sweep.spec.design.levels * 2
    assert sweep.design.n_points == points
    assert f"runs: {points * 5}" in out
    assert f"{points} design points" in out


def test_values_are_read_as_the_model_reads_them(tmp_path):
    sweep = load_sweep(write(tmp_path, """
        [parameters]
        us_backstop = [0, 1]
        ceasefire_round = { low = 1, high = 4 }
        [design]
        levels = 4
    """))
    table = sweep.design.table
    assert table["us_backstop"].dtype == np.float64
    assert table["ceasefire_round"].dtype == np.int64
    assert sorted(table["ceasefire_round"].unique()) == [1, 2, 3, 4]


def test_nested_and_dotted_actor_keys_are_the_same(tmp_path):
    dotted = load_sweep(write(tmp_path, '[parameters]\n"actors.DE.salience" = [0.2, 0.9]\n',
                              "a.toml"))
    nested = load_sweep(write(tmp_path, "[parameters.actors.DE]\nsalience = [0.2, 0.9]\n",
                              "b.toml"))
    assert [p.key for p in dotted.params] == [p.key for p in nested.params] == \
        ["actors.DE.salience"]
    assert dotted.design.table.equals(nested.design.table)


@pytest.mark.parametrize("method, rows_per_block", [
    ("lhs", lambda n, d: n),
    ("sobol", lambda n, d: n * (d + 2)),
    ("morris", lambda n, d: n * (d + 1)),
])
def test_sampled_designs_cross_lists_with_the_sample(tmp_path, method, rows_per_block):
    sweep = load_sweep(write(tmp_path, f"""
        [parameters]
        russia_threat_credibility = {{ low = 0.2, high = 0.6 }}
        ceasefire_round = {{ low = 2, high = 5 }}
        mechanism = ["eum", "compromise"]
        [design]
        method = "{method}"
        samples = 8
    """))
    d = sweep.design
    assert d.blocks == 2
    assert d.n_points == 2 * rows_per_block(8, 2)
    t = d.table
    assert t["russia_threat_credibility"].between(0.2, 0.6).all()
    assert t["ceasefire_round"].between(2, 5).all() and t["ceasefire_round"].dtype == np.int64
    half = d.block_size
    assert (t["mechanism"].iloc[:half] == "eum").all()
    assert (t["mechanism"].iloc[half:] == "compromise").all()
    # the same sample in every block
    cols = ["russia_threat_credibility", "ceasefire_round"]
    assert t[cols].iloc[:half].reset_index(drop=True).equals(
        t[cols].iloc[half:].reset_index(drop=True))
    # and the design is a pure function of the file
    assert load_sweep(sweep.path).design.table.equals(t)


def test_salib_problem_widens_integer_ranges(tmp_path):
    sweep = load_sweep(write(tmp_path, "[parameters]\nceasefire_round = { low = 2, high = 5 }\n"))
    assert salib_problem(sweep.params)["bounds"] == [[2, 6]]


def test_run_seeds_come_from_seedsequence_spawn():
    n, reps = 24, 3
    children = np.random.SeedSequence(42).spawn(n)
    seeds = [run_seed(42, i, reps) for i in range(n)]
    expected = [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
    assert seeds == expected
    assert len(set(seeds)) == n
    assert all(0 <= s < 2**63 for s in seeds)


def test_common_random_numbers_share_seeds_across_design_points():
    reps = 4
    seeds = np.array([run_seed(42, i, reps, crn=True) for i in range(5 * reps)]).reshape(5, reps)
    assert (seeds == seeds[0]).all()  # every design point: the same seeds
    assert len(set(seeds[0])) == reps  # replications differ
    rep_children = np.random.SeedSequence(42).spawn(reps)
    assert list(seeds[0]) == [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
                              for c in rep_children]


def test_common_random_numbers_in_the_file(tmp_path):
    sweep = load_sweep(write(tmp_path, """
        replications = 2
        common_random_numbers = true
        [parameters]
        us_backstop = [0.1, 0.9]
    """))
    assert sweep.crn
    assert sweep.run_seed(0) == sweep.run_seed(2) != sweep.run_seed(1)


def test_load_sweep_raises_input_error(tmp_path):
    with pytest.raises(InputError, match=r"parameters\.us_backstop\[0\]"):
        load_sweep(write(tmp_path, "[parameters]\nus_backstop = [-1, 0.5]\n"))


def test_from_scenario_samples_every_ranged_parameter(tmp_path):
    from inputs.scenario_file import load_scenario
    from tests.conftest import DEFAULT_SCENARIO

    path = tmp_path / "s.toml"
    path.write_text(f'scenario = "{DEFAULT_SCENARIO}"\nfrom_scenario = true\n'
                    '[parameters]\nbandwagon = [5.0]\n[design]\nmethod = "lhs"\nsamples = 4\n')
    sweep = load_sweep(path)
    ranges = load_scenario(DEFAULT_SCENARIO).parameter_ranges
    keys = {p.key: p for p in sweep.params}
    assert set(keys) == set(ranges)
    assert keys["bandwagon"].values == (5.0,)  # the file's own value wins
    turns = keys["turns_per_meeting"]
    assert (turns.low, turns.high, turns.kind) == (1.0, 6.0, "int")
    table = sweep.design.table
    assert table["turns_per_meeting"].between(1, 6).all()

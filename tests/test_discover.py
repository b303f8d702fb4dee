"""Scenario discovery (``negotiate sweep discover`` / ``features``) on sweeps whose answer is
known: the outcome is true exactly inside the box 0.2 <= a <= 0.6, b >= 0.5 of two sampled
parameters, and a third parameter plays no part."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.cases import parse_condition
from analysis.discover import choose, discover, feature_scores, quasi_p, trajectory_lines
from model.errors import InputError
from model.tables import RunTables
from negotiate.main import main
from sweep.cases import sweep_cases
from sweep.runner import run_sweep
from sweep.spec import load_sweep

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "configs" / "coalition_of_the_willing.toml"
# the sweep's a, b, c: three unit-interval parameters of the scenario; the toy model below
# reads them and nothing else
A, B, C = "us_backstop", "russia_threat_credibility", "friend_weight"


def in_the_box(a, b):
    return (0.2 <= a) & (a <= 0.6) & (b >= 0.5)


def uniform_sample(n: int = 1000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.uniform(0, 1, n), "b": rng.uniform(0, 1, n),
                         "c": rng.uniform(0, 1, n)})


# -- the analysis (pure) ------------------------------------------------------------------
def test_prim_recovers_the_box_and_leaves_the_irrelevant_parameter_alone():
    x = uniform_sample()
    y = in_the_box(x["a"], x["b"]).to_numpy()
    traj = discover(x, y, threshold=0.95)
    box = traj.box
    assert traj.threshold_met and box.density >= 0.95 and box.coverage >= 0.9
    a, b = box.restriction("a"), box.restriction("b")
    assert box.restriction("c") is None
    assert a.low == pytest.approx(0.2, abs=0.03) and a.high == pytest.approx(0.6, abs=0.03)
    assert b.low == pytest.approx(0.5, abs=0.05) and b.high is None
    assert a.significant and b.significant
    # the trajectory starts from all runs and ends at the densest box
    assert traj.boxes[0].restrictions == () and traj.boxes[0].mass == 1.0
    assert traj.boxes[-1].density == max(bx.density for bx in traj.boxes)
    # the counts agree with the limits
    inside = np.ones(len(x), dtype=bool)
    for r in box.restrictions:
        col = x[r.parameter]
        inside &= (col >= (r.low if r.low is not None else -np.inf)) & \
            (col <= (r.high if r.high is not None else np.inf))
    assert box.runs == inside.sum() and box.cases == y[inside].sum()


def test_a_categorical_parameter_is_restricted_to_the_values_that_matter():
    x = uniform_sample(1200, seed=3)
    x["mechanism"] = np.random.default_rng(4).choice(["eum", "compromise", "hk"], len(x))
    y = (in_the_box(x["a"], x["b"]) & (x["mechanism"] == "eum")).to_numpy()
    traj = discover(x, y, threshold=0.95)
    m = traj.box.restriction("mechanism")
    assert m is not None and m.values == ("eum",) and m.significant
    assert traj.box.restriction("c") is None


def test_the_threshold_chooses_the_widest_box_dense_enough():
    x = uniform_sample()
    y = in_the_box(x["a"], x["b"]).to_numpy()
    traj = discover(x, y, threshold=0.5)
    ok = [b for b in traj.boxes if b.density >= 0.5]
    assert traj.box.coverage == max(b.coverage for b in ok)
    assert traj.box.density >= 0.5
    # a threshold no box reaches: the densest box, flagged
    step, met = choose(traj.boxes[:3], 0.99)
    assert not met and step == 2
    # a step asked for (--box) is reported as asked for, not as the threshold's choice
    asked = traj.select(1)
    assert asked.box.step == 1 and asked.requested and not traj.requested
    assert any("asked for with --box" in line for line in trajectory_lines(asked))


def test_quasi_p_is_small_only_when_the_limit_raises_the_density():
    # 50 runs, 45 cases in the box; without the limit 100 runs and 50 cases
    assert quasi_p(50, 45, 100, 50) < 1e-6
    # the limit changes nothing: the box is as dense without it
    assert quasi_p(50, 25, 100, 50) > 0.4


def test_feature_scores_rank_the_two_box_parameters_above_the_irrelevant_one():
    x = uniform_sample()
    y = in_the_box(x["a"], x["b"]).to_numpy()
    scores = feature_scores(x, y)
    assert list(scores["parameter"][:2]) == ["a", "b"] or \
        list(scores["parameter"][:2]) == ["b", "a"]
    assert scores["parameter"].iloc[2] == "c"
    c = scores.set_index("parameter").loc["c"]
    assert c["pawn_median"] < 0.06 and c["p_value"] > 0.01
    assert (scores.set_index("parameter").loc[["a", "b"], "p_value"] < 1e-10).all()


def test_a_grid_parameter_gets_one_slice_per_value_the_highest_included():
    x = pd.DataFrame({"g": np.repeat([0.0, 0.5, 1.0], 100)})
    y = (x["g"] == 1.0).to_numpy()
    s = feature_scores(x, y).iloc[0]
    assert s["slices"] == 3 and s["highest_share"] == 1.0 and s["lowest_share"] == 0.0


# -- outcome conditions -------------------------------------------------------------------
def test_conditions_compare_columns_and_combine():
    t = pd.DataFrame({"x": [0.0, 5.0, 10.0, np.nan], "held": [1, 0, 1, 1]})
    assert parse_condition("x >= 5").evaluate(t).tolist() == [False, True, True, False]
    assert parse_condition("0 < x <= 5").evaluate(t).tolist() == [False, True, False, False]
    assert parse_condition("x >= 5 and held").evaluate(t).tolist() == [False, False, True,
                                                                       False]
    assert parse_condition("not held or x == -1").evaluate(t).tolist() == [False, True,
                                                                           False, False]
    assert parse_condition("10 <= x").names == {"x"}


@pytest.mark.parametrize("text", ["x >=", "__import__('os').system('true')", "x + 1 > 2",
                                  "x > 'a'", "1 < 2", "x.real > 1", "5", "x in [1, 2]"])
def test_anything_but_a_comparison_is_refused(text):
    with pytest.raises(InputError, match="--outcome"):
        parse_condition(text)


# -- from a sweep directory ---------------------------------------------------------------
def toy_run(parameters, seed, **kwargs):
    """Three rounds; willing_troops is 10 x round inside the box, 0 outside; ``shock`` is a
    run-level outcome (as the ceasefire phase gives) true in the box's lower half of b."""
    inside = bool(in_the_box(parameters[A], parameters[B]))
    rounds = pd.DataFrame({"round": np.arange(3, dtype=np.int64),
                           "willing_troops": np.arange(3) * 10.0 * inside,
                           "us_backstop": np.full(3, 0.5)})
    outcomes = pd.DataFrame({"shock": [int(inside and parameters[B] < 0.75)]})
    return RunTables(rounds=rounds, actors=pd.DataFrame(), events=[],
                     extra={"outcomes": outcomes})


@pytest.fixture(scope="module")
def toy_sweep(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("discover")
    path = tmp / "toy.toml"
    path.write_text(f"""
scenario = "{SCENARIO}"
seed = 3
[parameters]
{A} = {{ low = 0.0, high = 1.0 }}
{B} = {{ low = 0.0, high = 1.0 }}
{C} = {{ low = 0.0, high = 1.0 }}
[design]
method = "lhs"
samples = 800
[output]
actors = false
""")
    out = tmp / "runs"
    summary = run_sweep(load_sweep(path), out, executor="serial", quiet=True,
                        log=lambda m: None, run_fn=toy_run)
    assert summary.status == "complete"
    return out


def test_discover_on_a_sweep_directory_recovers_the_box(toy_sweep):
    cases = sweep_cases(toy_sweep, "willing_troops >= 10")
    assert list(cases.params.columns) == [A, B, C]
    assert cases.outcome.sum() == in_the_box(cases.params[A], cases.params[B]).sum()
    box = discover(cases.params, cases.outcome, threshold=0.95).box
    assert box.restriction(A).low == pytest.approx(0.2, abs=0.03)
    assert box.restriction(A).high == pytest.approx(0.6, abs=0.03)
    assert box.restriction(B).low == pytest.approx(0.5, abs=0.05)
    assert box.restriction(C) is None
    # a round column at an earlier round, a run-level outcome, a column named like a parameter
    assert (sweep_cases(toy_sweep, "willing_troops >= 10", round_=1).outcome
            == cases.outcome).all()
    assert not sweep_cases(toy_sweep, "willing_troops > 0", round_=0).outcome.any()
    shock = sweep_cases(toy_sweep, "shock == 1")
    assert (shock.outcome == (cases.outcome & (cases.params[B] < 0.75))).all()
    assert sweep_cases(toy_sweep, "outcome_us_backstop == 0.5").outcome.all()


def test_the_command_prints_the_box_and_writes_the_figures(toy_sweep, tmp_path, capsys):
    code = main(["sweep", "discover", str(toy_sweep), "--outcome", "willing_troops >= 10",
                 "--threshold", "0.95", "--features", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    chosen = out[out.index("chosen box"):]
    assert f"<= {A} <=" in chosen and f"{B} >= " in chosen and C not in chosen
    ranking = out[out.index("feature scores"):out.index("PRIM (")]
    assert ranking.index(C) > max(ranking.index(A), ranking.index(B))
    for name in ("discover_tradeoff.png", "discover_box.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_features_command_ranks_the_parameters(toy_sweep, capsys):
    assert main(["sweep", "features", str(toy_sweep), "--outcome", "willing_troops >= 10"]) == 0
    table = capsys.readouterr().out.splitlines()
    ranked = [line.split()[1] for line in table if line.strip()[:1].isdigit()]
    assert ranked[-1] == C and set(ranked[:2]) == {A, B}


@pytest.mark.parametrize(("args", "says"), [
    (["--outcome", "willing_trops >= 10"], "unknown column willing_trops (outcome columns: "),
    (["--outcome", "willing_troops >= 10", "--round", "7"], "--round 7: not a round"),
    (["--outcome", f"{A} >= 0.5"], f"unknown column {A}"),
    (["--outcome", "willing_troops >= 1000"], "nothing to discover"),
    (["--outcome", "willing_troops >= 10", "--parameter", "bandwagon"],
     "--parameter bandwagon: not a parameter"),
    (["--outcome", "import os"], "--outcome 'import os': not a comparison"),
])
def test_bad_input_exits_2_with_one_line(toy_sweep, capsys, args, says):
    assert main(["sweep", "discover", str(toy_sweep), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err
    if "willing_trops" in args[1]:
        assert "willing_troops" in err and "shock" in err

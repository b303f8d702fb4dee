"""Forecasts scored on real EU decisions: the DEU reader, the per-issue forecast, the CLI.

The training half of DEU III (Arregui & Perarnaud 2021) lies outside the repository, in the
shared folder (``DEU3_TRAIN`` names it elsewhere); the tests that need it skip without it.
Its README publishes the baselines pinned here (mean absolute error against ``out``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.forecast import absolute_errors, forecast_issues, forecast_outcome, weighted_median
from inputs.actor_table import ActorTable
from inputs.deu import parse_deu, read_deu
from model.errors import InputError
from negotiate.main import main
from tests.conftest import ROOT


def _train_file() -> Path | None:
    candidates = [os.environ.get("DEU3_TRAIN", ""),
                  ROOT.parent / "shared/data/deu3/deu3_train.tsv",
                  ROOT.parent.parent / "shared/data/deu3/deu3_train.tsv"]
    return next((Path(p) for p in candidates if p and Path(p).is_file()), None)


TRAIN = _train_file()
needs_train = pytest.mark.skipif(TRAIN is None, reason="DEU III training half not found")

SMALL = (
    "isnr\tprnr\tpa\tpb\tpc\tsa\tsb\tsc\trp\tout\n"
    "\t\t1\t2\t1\t\t\t\t\t\n"
    "i1\tp1\t0\t100\t50\t80\t40\t\t0\t60\n"  # c has no salience: the mean (80+40)/2
    "i2\tp1\t10\t\t90\t50\t\t50\t\t\n"  # b absent; no outcome
)


def test_reader_keeps_present_actors_and_fills_missing_salience_with_the_mean():
    one, two = parse_deu(SMALL, "small.tsv")
    assert one.table.names == ["a", "b", "c"] and two.table.names == ["a", "c"]
    np.testing.assert_allclose(one.table.c, [1.0, 2.0, 1.0])
    np.testing.assert_allclose(one.table.s, [0.8, 0.4, 0.6])
    assert one.imputed == ("c",) and one.outcome == 60.0 and one.reference_point == 0.0
    assert two.outcome is None and two.row == 4
    zero = parse_deu(SMALL, "small.tsv", missing_salience="zero")[0]
    np.testing.assert_allclose(zero.table.s, [0.8, 0.4, 0.0])


def test_forecast_outcome_is_the_compromise_and_the_weighted_median():
    table = parse_deu(SMALL, "small.tsv")[0].table
    # Σcsx/Σcs = (0 + 2·0.4·100 + 0.6·50) / (0.8 + 0.8 + 0.6) = 110/2.2 = 50
    for rounds in (0, 5):
        got = forecast_outcome(table, "compromise", lo=0, hi=100, rounds=rounds)
        assert got == pytest.approx(50.0)
    # weights 0.8 at 0, 0.6 at 50, 0.8 at 100: half (1.1) is first reached at 50
    assert forecast_outcome(table, "compromise", lo=0, hi=100, rounds=0,
                            summary="median") == 50.0
    assert weighted_median([1, 1, 1], [0.0, 10.0, 20.0], [1.0, 0.1, 0.1]) == 0.0


def test_forecast_outcome_runs_its_rounds_and_may_stop_at_a_fixed_point():
    table = ActorTable(names=list("ABCDE"), c=np.array([3.0, 5, 9, 5, 7]),
                       x=np.array([0.0, 10, 20, 40, 50]), s=np.array([0.6, 0.6, 0.9, 0.4, 0.3]))
    eum = [forecast_outcome(table, "eum", lo=0, hi=50, rounds=r) for r in (0, 1, 10)]
    assert eum[0] == pytest.approx(22.17647, abs=1e-5)  # Σcsx/Σcs of the input
    assert abs(eum[1] - eum[0]) > 1 and abs(eum[2] - eum[1]) > 1  # the rounds matter
    hk = {"epsilon": 0.5}
    full = forecast_outcome(table, "hk", lo=0, hi=50, rounds=60, options=hk)
    early = forecast_outcome(table, "hk", lo=0, hi=50, rounds=60, options=hk, tol=1e-12)
    assert early == pytest.approx(full, abs=1e-9)
    assert full != pytest.approx(eum[0], abs=1e-3)


BAD = {
    "not a number": (SMALL.replace("\t80\t", "\tx\t"), "row 3, column sa: 'x' is not a number"),
    "position off the scale": (SMALL.replace("i1\tp1\t0", "i1\tp1\t120"),
                               "row 3, column pa: position 120 is outside [0, 100]"),
    "no capability row": (SMALL.replace("\t\t1\t2\t1\t\t\t\t\t\n", ""),
                          "row 2, column isnr: expected the capability row"),
    "zero capability": (SMALL.replace("\t\t1\t2\t1", "\t\t1\t0\t1"), "row 2, column pb"),
    "missing outcome column": (SMALL.replace("\tout\n", "\toutcome\n"),
                               "row 1, column out: missing"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_deu_file_is_one_line_through_the_cli(case, tmp_path, capsys):
    text, expected = BAD[case]
    path = tmp_path / "deu.tsv"
    path.write_text(text)
    with pytest.raises(InputError):
        read_deu(path)
    assert main(["forecast", str(path), "--format", "deu"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0] and str(path) in err[0], err


def test_cli_writes_forecasts_and_prints_the_errors(tmp_path, capsys):
    path = tmp_path / "deu.tsv"
    path.write_text(SMALL)
    assert main(["forecast", str(path), "--format", "deu", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    table = pd.read_csv(tmp_path / "forecasts.csv")
    assert list(table.columns) == ["issue", "forecast", "outcome"]
    assert table["forecast"].tolist() == pytest.approx([50.0, 50.0])
    assert np.isnan(table.loc[1, "outcome"])
    assert "mean absolute error   10.00" in out and "(1 issues with an outcome)" in out


@needs_train
def test_training_half_reproduces_the_published_baselines():
    issues = read_deu(TRAIN)
    assert len(issues) == 196
    errors = absolute_errors(forecast_issues(issues, "compromise", lo=0, hi=100, rounds=0))
    assert round(errors.mean(), 2) == 24.34  # the README's compromise model

    def mae(rule):
        return np.mean([abs(rule(i.table) - i.outcome) for i in issues])

    def capability_mean(t):
        return np.dot(t.c, t.x) / t.c.sum()

    assert round(mae(capability_mean), 2) == 24.65
    assert round(mae(lambda t: weighted_median(t.c, t.x, t.s)), 2) == 28.12
    assert round(mae(lambda t: t.x.mean()), 2) == 25.72
    com = [abs(i.table.x[0] - i.outcome) for i in issues if i.table.names[0] == "com"]
    assert round(float(np.mean(com)), 2) == 37.10


@needs_train
def test_cli_on_the_training_half_prints_the_compromise_error(capsys):
    assert main(["forecast", str(TRAIN), "--format", "deu", "--mechanism", "compromise"]) == 0
    assert "mean absolute error   24.34" in capsys.readouterr().out

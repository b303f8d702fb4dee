"""The record as data: schema errors, check evaluation on hand-built runs, scoring and its
baselines, calibration (resume, twin experiment), the outlook and the validation report."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.record.checks import carried, hits, holds, observe
from analysis.record.schema import Check, Record, Target, load_record
from negotiate.main import main
from tests.conftest import DEFAULT_SCENARIO, ROOT

RECORD = ROOT / "configs" / "record" / "coalition_2024_2026.toml"
DATES = ["", "2024-02-26", "2025-02-17", "2025-03-02", "2025-09-04"]


def run_frames(stances: dict[str, list[str]], presence: dict[str, list[float]] | None = None,
               dates: list[str] = DATES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A RunTables-like (rounds, actors) pair with the columns of issue 11's tables."""
    n = len(dates)
    rows = []
    for code, seq in stances.items():
        assert len(seq) == n
        for r, s in enumerate(seq):
            rows.append({"round": r, "date": dates[r], "actor": code,
                         "presence": (presence or {}).get(code, [0.0] * n)[r],
                         "guarantee": 0.0, "pledge_ground": 0.0,
                         "contributor": s in ("deploy_now", "deploy_after_ceasefire",
                                              "outside_only"),
                         "bloc": "", "stance": s, "blocked_by": ""})
    actors = pd.DataFrame(rows)
    rounds = pd.DataFrame({"round": range(n), "date": dates, "venue": [""] * n})
    return rounds, actors


def target(check: dict, date: str = "2025-03-02", id: str = "T") -> Target:
    return Target(id=id, date=dt.date.fromisoformat(date), statement="s", source="src",
                  check=Check(**check))


OUT, DAC, NOW = "outside_only", "deploy_after_ceasefire", "deploy_now"


@pytest.fixture
def obs():
    return observe(*run_frames({
        "FR": [OUT, DAC, DAC, DAC, NOW],
        "GB": ["none", "none", DAC, DAC, DAC],
        "US": [OUT, OUT, OUT, OUT, OUT],
        "RU": ["opposed"] * 5,
    }, presence={"US": [0, 0, 0, 0, 10.0]}))


def test_a_target_is_checked_at_the_nearest_round_ties_to_the_earlier(obs):
    assert obs.round_index(dt.date(2024, 1, 5)) == 0      # before the first round: the start
    assert obs.round_index(dt.date(2024, 2, 26)) == 1
    assert obs.round_index(dt.date(2025, 2, 20)) == 2     # 3 days after vs 10 before
    assert obs.round_index(dt.date(2025, 2, 23)) == 2     # 6 and 7 days: nearest
    tie = observe(*run_frames({"FR": [OUT] * 3}, dates=["", "2025-03-01", "2025-03-13"]))
    assert tie.round_index(dt.date(2025, 3, 7)) == 1
    assert tie.round_index(dt.date(2025, 3, 8)) == 2
    assert tie.round_index(dt.date(2030, 1, 1)) == 2


def test_stance_checks(obs):
    row = obs.round_index(dt.date(2025, 3, 2))
    assert holds(Check(actor="GB", stance_in=[DAC, NOW]), obs, row)
    assert not holds(Check(actor="GB", stance_in=[DAC, NOW]), obs, 1)
    assert holds(Check(actor="US", stance_not_in=[DAC, NOW]), obs, row)
    assert not holds(Check(actor="FR", stance_not_in=[NOW]), obs, 4)


def test_over_all_and_never_look_back_to_the_start_but_never_past_the_target(obs):
    c = Check(count="deploy_now", max=0, over="all")
    assert holds(c, obs, 3)            # FR deploys now only in round 4, after the target
    assert not holds(c, obs, 4)
    assert holds(Check(actor="US", never="presence_above_zero"), obs, 3)
    assert not holds(Check(actor="US", never="presence_above_zero"), obs, 4)
    assert not holds(Check(actor="GB", stance_in=[DAC], over="all"), obs, 3)  # none in 0, 1
    assert holds(Check(actor="RU", stance_in=["opposed"], over="all"), obs, 4)


def test_counts_and_groups(obs):
    assert holds(Check(count="willing_troops", min=2), obs, 2)
    assert not holds(Check(count="willing_troops", min=3), obs, 2)
    assert holds(Check(count="willing_troops", min=1, max=1), obs, 1)
    grp = {"actors": ["FR", "GB", "US"], "stance_in": [DAC]}
    assert not holds(Check(**grp), obs, 2)               # all of them (default)
    assert holds(Check(**grp, min=2), obs, 2)
    assert not holds(Check(**grp, min=2), obs, 1)
    assert holds(Check(**grp, max=1), obs, 1)


def test_carried_baseline_repeats_round_zero(obs):
    c = carried(obs)
    assert (c.stance == obs.stance[0]).all()
    assert c.counts["willing_troops"].tolist() == [0] * 5
    targets = [target({"actor": "GB", "stance_in": [DAC]}),
               target({"actor": "FR", "stance_in": [OUT]}, date="2025-09-04")]
    assert hits(targets, obs).tolist() == [True, False]
    assert hits(targets, c).tolist() == [False, True]


def test_the_record_file_is_valid_and_windows_follow_train_until(default_scenario):
    rec = load_record(RECORD, default_scenario)
    windows = [rec.window(t) for t in rec.targets]
    assert {t.id[0] for t, w in zip(rec.targets, windows, strict=True) if w == "train"} == {"E"}
    assert {t.id[0] for t, w in zip(rec.targets, windows, strict=True) if w == "test"} == {"S"}
    early = [rec.window(t, dt.date(2024, 12, 31)) for t in rec.targets]
    assert early.count("train") < windows.count("train")
    for t in rec.targets:   # test targets cite a seed article or the brief only
        if rec.window(t) == "test":
            assert "seed 00" in t.source or "scenario_brief" in t.source


GOOD = """name = "r"
[[targets]]
id = "A"
date = 2025-03-02
statement = "s"
source = "src"
check = { actor = "GB", stance_in = ["deploy_after_ceasefire"] }
"""
BROKEN = {
    "unknown actor": (('actor = "GB"', 'actor = "HR"'),
                      "targets.0.check.actor: unknown actor 'HR' in the scenario (A)"),
    "unknown stance": (('"deploy_after_ceasefire"', '"willing"'),
                       "targets.0.check.stance_in.0: Input should be"),
    "date outside": (("2025-03-02", "2027-01-01"),
                     "targets.0.date: 2027-01-01 is outside the scenario"),
    "two subjects": (('actor = "GB"', 'actor = "GB", count = "deploy_now"'),
                     "targets.0.check: give exactly one of actor, actors or count (A)"),
    "count without bounds": (('actor = "GB", stance_in = ["deploy_after_ceasefire"]',
                              'count = "willing_troops"'),
                             "targets.0.check: a count check needs min and/or max"),
    "unknown count": (('actor = "GB", stance_in = ["deploy_after_ceasefire"]',
                       'count = "troops", min = 1'), "targets.0.check.count"),
    "misspelt key": (("stance_in", "stance_is"), "targets.0.check.stance_is: unknown key"),
    "missing source": (('source = "src"\n', ""), "targets.0.source: missing required key"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_bad_record_gets_one_line_naming_file_and_field(case, tmp_path, capsys):
    (old, new), expected = BROKEN[case]
    assert old in GOOD
    path = tmp_path / "rec.toml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    assert main(["score", "--record", str(path), "--seeds", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"negotiate: error: {path}: ")
    assert expected in err[0]


def test_score_json_is_the_object_of_the_issue(capsys):
    assert main(["score", "--seeds", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"score", "baselines", "targets"}
    assert set(out["score"]) == {"train", "test", "all"}
    assert set(out["baselines"]) == {"frozen", "carried"}
    t = out["targets"][0]
    assert set(t) == {"id", "date", "window", "hit_rate", "baselines"}
    assert set(t["baselines"]) == {"frozen", "carried"}
    rates = [x["hit_rate"] for x in out["targets"]]
    assert out["score"]["all"] == pytest.approx(np.mean(rates), abs=1e-3)
    train = [x["hit_rate"] for x in out["targets"] if x["window"] == "train"]
    assert out["score"]["train"] == pytest.approx(np.mean(train), abs=1e-3)


def test_the_core_never_imports_the_analysis():
    code = ("import sys, model.negotiation, model.run, model.scenario, model.ceasefire; "
            "print([m for m in sys.modules if m.startswith('analysis.record')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.strip()
    assert out == "[]"


# -- calibration ------------------------------------------------------------------------
def record_from_runs(scenario, params: dict, seeds: int, path: Path, every: int = 1) -> Record:
    """A record written from the model itself: at each dated round, each state's most common
    stance over ``seeds`` runs with ``params`` (the twin experiment's 'observations')."""
    from analysis.record.score import run_observed, seeds_for

    runs = [run_observed(scenario, params, s) for s in seeds_for(seeds)]
    lines = ['name = "twin"']
    codes = runs[0].actors
    for i, date in enumerate(runs[0].dates):
        if date is None or i % every:
            continue
        for j, code in enumerate(codes):
            values, counts = np.unique([o.stance[i, j] for o in runs], return_counts=True)
            lines += ["[[targets]]", f'id = "R{i}{code}"', f"date = {date.isoformat()}",
                      'statement = "generated"', 'source = "the model"',
                      f'check = {{ actor = "{code}", stance_in = ["{values[counts.argmax()]}"] }}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_record(path, scenario)


# Two parameters the stances respond to (each moves 10-40 stance cells across its range).
TWIN_RANGES = {"accommodation": (0.0, 0.6), "bandwagon": (0.0, 30.0)}
TWIN_TRUTH = {"accommodation": 0.45, "bandwagon": 6.0}


def test_twin_experiment_recovers_known_parameters(default_scenario, tmp_path):
    """Calibration recovers the parameters a record was generated with, within its accepted
    90% intervals and narrower than the prior; a record generated with another mechanism
    scores measurably lower on the accepted ensemble."""
    from analysis.record.score import score
    from sweep.calibrate import calibrate, load_param_sets

    twin = record_from_runs(default_scenario, TWIN_TRUTH, 2, tmp_path / "twin.toml")
    c = calibrate(DEFAULT_SCENARIO, twin, scenario=default_scenario,
                  train_until=dt.date(2026, 12, 31), samples=32, accept=0.2, seeds=2,
                  executor="serial", out=tmp_path / "cal", quiet=True, ranges=TWIN_RANGES,
                  log=lambda m: None)
    assert c.status == "complete"
    for f in c.fits:
        assert f.q05 <= TWIN_TRUTH[f.key] <= f.q95, f
    assert any(f.identified for f in c.fits)  # narrower than chance
    sets = load_param_sets(tmp_path / "cal" / "accepted.csv")
    assert len(sets) == c.n_accepted and set(sets[0]) == set(TWIN_RANGES)
    from sweep.spec import load_sweep

    posterior = load_sweep(tmp_path / "cal" / "posterior.toml")  # a sweep over the intervals
    assert {p.key: (p.low, p.high) for p in posterior.params} == {
        f.key: (f.q05, f.q95) for f in c.fits}
    other = record_from_runs(default_scenario, {**TWIN_TRUTH, "mechanism": "compromise"}, 2,
                             tmp_path / "other.toml")
    own = score(default_scenario, twin, seeds=1, param_sets=sets, baselines=False)
    alien = score(default_scenario, other, seeds=1, param_sets=sets, baselines=False)
    own, alien = own.scores()["all"], alien.scores()["all"]
    assert own - alien > 0.05, (own, alien)


def test_calibration_interrupted_then_resumed_equals_a_clean_one(default_scenario, tmp_path,
                                                                 monkeypatch):
    from sweep import calibrate as cal
    from sweep import worker

    rec = load_record(RECORD, default_scenario)
    kw = {"scenario": default_scenario, "samples": 8, "seeds": 2, "executor": "serial",
          "quiet": True, "ranges": TWIN_RANGES, "log": lambda m: None}
    clean = cal.calibrate(DEFAULT_SCENARIO, rec, out=tmp_path / "clean", **kw)
    real, calls = worker.run_one, []

    def stop_after_some(*a, **k):
        calls.append(1)
        if len(calls) > 5:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(worker, "run_one", stop_after_some)
    part = cal.calibrate(DEFAULT_SCENARIO, rec, out=tmp_path / "cut", **kw)
    assert part.status == "interrupted"
    with pytest.raises(Exception, match="not empty; add --resume"):
        cal.calibrate(DEFAULT_SCENARIO, rec, out=tmp_path / "cut", **kw)
    monkeypatch.setattr(worker, "run_one", real)
    with pytest.raises(Exception, match="cannot resume"):
        cal.calibrate(DEFAULT_SCENARIO, rec, out=tmp_path / "cut", resume=True,
                      **{**kw, "samples": 9})
    done = cal.calibrate(DEFAULT_SCENARIO, rec, out=tmp_path / "cut", resume=True, **kw)
    assert done.status == "complete"
    pd.testing.assert_frame_equal(done.samples, clean.samples)
    assert (tmp_path / "cut" / "accepted.csv").read_text() == \
        (tmp_path / "clean" / "accepted.csv").read_text()


def test_accepting_breaks_ties_by_sample_order():
    from sweep.calibrate import accept_samples

    train = np.array([0.5, 0.9, 0.7, 0.9, 0.7, 0.1])
    assert accept_samples(train, 0.5).tolist() == [1, 2, 3]
    assert accept_samples(train, 0.01).tolist() == [1]


def test_outlook_writes_probabilities_past_the_record(default_scenario, tmp_path, capsys):
    out = tmp_path / "outlook"
    assert main(["outlook", "--extend", "3", "--seeds", "3", "--out", str(out)]) == 0
    probs = pd.read_csv(out / "stance_probabilities.csv")
    from analysis.record.schema import STANCES

    n_rounds = len(default_scenario.rounds) + 3
    assert probs["round"].max() == n_rounds
    assert len(probs) == (n_rounds + 1) * len(default_scenario.actors)
    np.testing.assert_allclose(probs[list(STANCES)].sum(axis=1), 1.0)
    assert (probs.loc[probs["actor"] == "RU", "opposed"] == 1.0).all()
    willing = pd.read_csv(out / "willing_troops.csv")
    assert (willing["q05"] <= willing["median"]).all()
    assert (willing["median"] <= willing["q95"]).all()
    assert (out / "willing_troops.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_options_get_one_line(tmp_path, capsys):
    assert main(["score", "--train-until", "March", "--seeds", "1"]) == 2
    assert "--train-until: expected a date" in capsys.readouterr().err
    assert main(["score", "--params", str(tmp_path / "none.csv")]) == 2
    assert "none.csv: no such file" in capsys.readouterr().err
    assert main(["outlook", "--extend", "-1", "--out", str(tmp_path)]) == 2
    assert "--extend: must be >= 0" in capsys.readouterr().err


def test_applying_a_calibration_rewrites_values_and_records_it(default_scenario, tmp_path):
    from sweep.calibrate import ParameterFit, applied_text
    from sweep.spec import parse_scenario

    text = DEFAULT_SCENARIO.read_text(encoding="utf-8")
    fits = [ParameterFit("bandwagon", 0.0, 30.0, 12.34567, 3.0, 20.0),
            ParameterFit("turns_per_meeting", 1.0, 6.0, 4.0, 2.0, 6.0),
            ParameterFit("friend_weight", 0.0, 1.0, 0.7, 0.1, 0.95, identified=False)]
    once = applied_text(text, fits, {"turns_per_meeting"}, command="negotiate calibrate X",
                        date="2026-12-01")
    s = parse_scenario(once, "calibrated")
    assert s.parameters.bandwagon == pytest.approx(12.35)
    assert s.parameters.turns_per_meeting == 4
    assert "calibrated: median of the accepted samples of `negotiate calibrate X` " \
        "(2026-12-01)" in s.parameter_sources["bandwagon"]
    assert s.parameter_ranges["bandwagon"] == default_scenario.parameter_ranges["bandwagon"]
    assert s.parameters.friend_weight == default_scenario.parameters.friend_weight
    assert "not identified" in s.parameter_sources["friend_weight"]
    twice = applied_text(once, fits, {"turns_per_meeting"}, command="negotiate calibrate Y",
                         date="2026-12-02")
    src = parse_scenario(twice, "again").parameter_sources["bandwagon"]
    assert src.count("calibrated:") == 1 and "calibrate Y" in src
    assert src.startswith(default_scenario.parameter_sources["bandwagon"].split(" | ")[0])
    keys = ("bandwagon", "turns_per_meeting", "friend_weight")
    untouched = [ln for ln in text.splitlines() if not any(k in ln for k in keys)]
    assert untouched == [ln for ln in once.splitlines() if not any(k in ln for k in keys)]


def test_the_committed_validation_report_is_what_its_command_generates(monkeypatch):
    """docs/validation.md is generated (negotiate score --report); regenerate it with the
    command written in its header and compare, so it cannot drift from the code."""
    import re
    import shlex

    from negotiate.main import build_parser
    from negotiate.score import score_and_report

    monkeypatch.chdir(ROOT)  # the command's paths are relative to the project
    path = ROOT / "docs" / "validation.md"
    committed = path.read_text(encoding="utf-8")
    command = re.search(r"Generated by `([^`]+)`", committed).group(1)
    words = shlex.split(command)
    assert words[:2] == ["negotiate", "score"] and "--report" in words
    args = build_parser().parse_args(words[1:])
    assert (ROOT / args.report).resolve() == path.resolve()
    _, text = score_and_report(args)
    assert text == committed, ("docs/validation.md differs from what its command generates; "
                               f"regenerate it with `{command}`")

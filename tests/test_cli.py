"""The command line end to end: validate, run, forecast; bad input gives one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from negotiate.main import main
from tests.conftest import DEFAULT_SCENARIO, ROOT

PUBLISHED_MEAN = [7.4, 7.5, 7.6, 7.6, 7.4, 7.3, 7.4, 7.5, 7.6, 7.3, 7.2]  # Scholz et al. 2011


def negotiate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "negotiate", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_validate_default_scenario_ok(capsys):
    assert main(["validate", str(DEFAULT_SCENARIO)]) == 0
    assert capsys.readouterr().out.strip() == "ok"


BROKEN = {
    "unknown top-level key": (("name = ", "colour = 'red'\nname = "), "colour: unknown key"),
    "wrong type": (("salience = { presence = 0.85, guarantee = 0.6 }", "salience = 'high'"),
                   "actors.FR.salience"),
    "out of range": (("salience = { presence = 0.85,", "salience = { presence = 1.7,"),
                     "actors.FR.salience"),
    "unknown attendee": (('attendees = ["FR", "GB", "DE"', 'attendees = ["FR", "ZZ", "DE"'),
                         "rounds.1.attendees: unknown actor code 'ZZ'"),
    "shock on a missing actor": (('actor = "CZ"', 'actor = "NZ"'),
                                 "rounds.8.shocks.0.actor: unknown actor code 'NZ'"),
    "not an ISO code": (("[actors.FR]", "[actors.XK1]"), "'XK1' is not an ISO 3166-1"),
    "unknown condition": (("conditions = { parliament = true }",
                           "conditions = { parlament = true }"),
                          "actors.CZ.conditions.parlament: unknown key"),
    "position off the scale": (("position = { presence = 60,", "position = { presence = 160,"),
                               "actors.FR.position.presence: 160.0 is outside the scale"),
    "unknown parameter": (('mechanism = "smp"', 'mechanism = "smp"\nwarp = 2'),
                          "parameters.warp: unknown key"),
    "bad mechanism": (('mechanism = "smp"', 'mechanism = "vote"'), "parameters.mechanism"),
    "malformed TOML": (("[actors.FR]", "[actors.FR"), "not valid TOML"),
    "rounds out of order": (("date = 2025-02-17", "date = 2023-02-17"),
                            "rounds: rounds must be in date order"),
    "shock after its round": (("date = 2025-05-06", "date = 2025-08-19"),
                              "rounds.5.shocks.0.date: 2025-08-19 must lie after 2025-03-27"),
    "parameter outside its range": (("turns_per_meeting = { value = 2,",
                                     "turns_per_meeting = { value = 9,"),
                                    "parameters.turns_per_meeting.value: 9 is outside"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_validate_catches_broken_config_with_one_clear_line(case, tmp_path, capsys):
    (old, new), expected = BROKEN[case]
    text = DEFAULT_SCENARIO.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines, "no error printed"
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert any(expected in line for line in lines), lines
    # run refuses the same file with one line on stderr, exit 2
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"negotiate: error: {path}: ")


def test_missing_file_is_one_line(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.toml")]) == 2
    assert capsys.readouterr().out.strip() == f"{tmp_path / 'nope.toml'}: no such file"


def test_run_writes_tidy_tables_in_both_formats(tmp_path):
    out = tmp_path / "csv"
    proc = negotiate("run", "--seed", "3", "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "2026-02-03" in proc.stdout  # the last round is printed
    rounds = pd.read_csv(out / "rounds.csv")
    actors = pd.read_csv(out / "actors.csv")
    n_actors = actors["actor"].nunique()
    assert list(rounds["round"]) == list(range(len(rounds)))
    assert len(actors) == n_actors * len(rounds)
    for col in ("date", "venue", "contributors", "ground_states", "troops_pledged",
                "mean_position", "russia_threat"):
        assert col in rounds.columns
    for col in ("round", "date", "actor", "position", "pledge_ground", "pledge_monitoring",
                "contributor", "bloc"):
        assert col in actors.columns
    assert set(actors["bloc"]) <= {"committed", "conditional", "support", "opposed", "host"}
    assert (out / "events.txt").read_text(encoding="utf-8").count("\n") > 10
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 3 and "mesa" in run["versions"]

    pq = tmp_path / "pq"
    assert main(["run", "--seed", "3", "--out", str(pq), "--format", "parquet", "--quiet"]) == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(pq / "actors.parquet").drop(columns="date").reset_index(drop=True),
        actors.drop(columns="date").fillna({"blocked_by": ""}), check_dtype=False)
    for col in ("presence", "guarantee", "stance", "blocked_by"):
        assert col in actors.columns
    for col in ("deploy_now", "deploy_after_ceasefire", "outside_only", "willing_troops",
                "contributors_inside", "contributors_outside"):
        assert col in rounds.columns
    assert (rounds["willing_troops"]
            == rounds["deploy_now"] + rounds["deploy_after_ceasefire"]).all()
    assert "stances: now" in proc.stdout


def test_run_set_and_rounds_change_the_run(tmp_path, capsys):
    assert main(["run", "--rounds", "3", "--set", "us_backstop=1.0",
                 "--set", "actors.DE.salience=0.95", "--out", str(tmp_path), "--quiet"]) == 0
    rounds = pd.read_csv(tmp_path / "rounds.csv")
    assert len(rounds) == 4
    assert rounds.loc[0, "us_backstop"] == 1.0
    assert main(["run", "--set", "actors.DE.salience=3"]) == 2
    assert "actors.DE.salience" in capsys.readouterr().err


def test_forecast_cli_prints_and_writes_published_trajectory(tmp_path):
    proc = negotiate("forecast", "configs/ec_emissions.csv", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "Netherlands" in proc.stdout
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(summary.columns) == ["round", "mean_position", "median_position"]
    assert summary["mean_position"].to_numpy() == pytest.approx(PUBLISHED_MEAN, abs=0.05)
    assert summary.loc[0, "median_position"] == 7.0
    positions = pd.read_csv(tmp_path / "positions.csv")
    assert list(positions.columns) == ["round", "actor", "position"]
    assert len(positions) == 11 * 10


# KTAB's SMP input rules (issue 10): one line each naming file, row and column.
KTAB_RULES = {
    "salience sum over 100": (
        "Actor,Capability,Position,Salience,Position2,Salience2\n"
        "A,1,10,60,20,30\nB,2,50,70,40,40\nC,1,90,20,80,50\n",
        "row 3, column Salience+Salience2: saliences sum to 110, over 100"),
    "zero capability": ("Actor,Capability,Position,Salience\nA,1,2,0.5\nB,0,3,0.5\n"
                        "C,1,4,0.5\n", "row 3, column Capability: capability 0 must be positive"),
    "two actors": ("Actor,Capability,Position,Salience\nA,1,2,0.5\nB,1,3,0.5\n",
                   "rows 2-3, column Actor: 2 actor(s); a negotiation needs at least three"),
    "unknown column": ("Actor,Capability,Colour,Position,Salience\nA,1,red,2,0.5\n"
                       "B,1,blue,3,0.5\nC,1,red,4,0.5\n",
                       "row 1, column 'Colour': unknown column"),
}


@pytest.mark.parametrize("case", sorted(KTAB_RULES))
def test_forecast_ktab_rule_through_the_command_line(case, tmp_path):
    text, expected = KTAB_RULES[case]
    path = tmp_path / "actors.csv"
    path.write_text(text)
    proc = negotiate("forecast", str(path))
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and expected in err[0] and str(path) in err[0], proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_saliences_on_ktabs_0_100_scale_are_read_as_fractions(tmp_path):
    from inputs.actor_table import read_actor_table

    path = tmp_path / "percent.csv"
    path.write_text("Actor,Capability,Position,Salience,Position2,Salience2\n"
                    "A,1,10,60,20,40\nB,2,50,70,40,30\nC,1,90,20,80,50\n")
    table = read_actor_table(path)
    np.testing.assert_allclose(table.s, [[0.6, 0.4], [0.7, 0.3], [0.2, 0.5]])


BAD_TABLES = {
    "missing column": ("Actor,Capability,Position\nA,1,2\nB,1,3\n", "missing column 'Salience'"),
    "non-numeric": ("Actor,Capability,Position,Salience\nA,1,x,0.5\nB,1,3,0.5\n",
                    "row 2, column Position: 'x' is not a number"),
    "negative salience": ("actor,capability,position,salience\nA,1,2,-0.5\nB,1,3,0.5\n"
                          "C,1,4,0.5\n", "row 2, column salience: salience -0.5 is outside [0, 1]"),
    "salience over 100": ("actor,capability,position,salience\nA,1,2,150\nB,1,3,50\n"
                          "C,1,4,50\n", "row 2, column salience: salience 150 is outside [0, 100]"),
    "one actor": ("Actor,Capability,Position,Salience\nA,1,2,0.5\n", "at least three"),
    "duplicate": ("Actor,Capability,Position,Salience\nA,1,2,0.5\nA,1,3,0.5\n",
                  "row 3, column Actor: duplicate actor 'A'"),
    **{case: (text, expected) for case, (text, expected) in KTAB_RULES.items()},
}


@pytest.mark.parametrize("case", sorted(BAD_TABLES))
def test_forecast_bad_table_one_line(case, tmp_path, capsys):
    text, expected = BAD_TABLES[case]
    path = tmp_path / "actors.csv"
    path.write_text(text)
    assert main(["forecast", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0] and str(path) in err[0], err


def test_forecast_two_dimensions(tmp_path):
    path = Path(tmp_path / "two.csv")
    path.write_text("Actor,Capability,Position,Salience,Position,Salience\n"
                    "A,1,0,1,100,0.5\nB,1,100,1,0,0.5\nC,2,50,0.5,50,1\n")
    assert main(["forecast", str(path), "--mechanism", "compromise", "--rounds", "2",
                 "--out", str(tmp_path)]) == 0
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert set(summary["dimension"]) == {1, 2}


def test_forecast_scale_defaults_to_the_initial_range_and_can_be_declared(tmp_path, capsys):
    ec = str(ROOT / "configs" / "ec_emissions.csv")
    runs = {}
    for name, extra in {"default": [], "initial": ["--scale", "4", "10"],
                        "wide": ["--scale", "0", "20"]}.items():
        assert main(["forecast", ec, "--out", str(tmp_path / name), *extra]) == 0
        runs[name] = pd.read_csv(tmp_path / name / "summary.csv")["mean_position"]
    pd.testing.assert_series_equal(runs["default"], runs["initial"])
    assert np.abs(runs["wide"] - runs["default"]).max() > 0.05  # D enters the EUM
    capsys.readouterr()
    assert main(["forecast", ec, "--scale", "0", "8"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--scale 0 8" in err[0] and "outside the scale" in err[0]

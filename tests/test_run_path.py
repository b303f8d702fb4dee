"""The one run path (model/run.py) and the files `negotiate run --out` writes as it goes
(negotiate/run_files.py): byte-identical to run_one, kept through `| head` and Ctrl-C, a
reused --out holding only this run's files, an unwritable --out refused up front."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from inputs.scenario_file import default_scenario as shipped_scenario
from model.run import Observer, build_model, run, run_one
from negotiate.main import main
from negotiate.run_files import RunFiles

ROOT = Path(__file__).resolve().parent.parent


def negotiate(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "negotiate", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **kwargs)


def status(out: Path) -> dict:
    return json.loads((out / "run.json").read_text(encoding="utf-8"))


class Calls(Observer):
    def __init__(self, stop_after: int | None = None) -> None:
        self.calls: list[tuple] = []
        self.rows: list[pd.DataFrame] = []
        self.stop_after = stop_after

    def on_start(self, model):
        self.calls.append(("start", model.round))

    def on_round(self, model, rows):
        self.calls.append(("round", rows.number, rows.last))
        self.rows.append(rows.actors)
        if rows.number == self.stop_after:
            raise KeyboardInterrupt

    def on_ceasefire(self, phase, tables):
        self.calls.append(("ceasefire", sorted(tables)))

    def on_end(self, status, tables):
        self.calls.append(("end", status, None if tables is None else len(tables.rounds)))


def test_observers_see_every_round_then_the_phase_then_the_end():
    calls = Calls()
    tables = run_one({}, 0, scenario=shipped_scenario(), observers=[calls])
    n = len(tables.rounds)
    assert calls.calls[0] == ("start", 0)
    assert calls.calls[1:n + 1] == [("round", r, r == n - 1) for r in range(n)]
    assert calls.calls[n + 1] == ("ceasefire",
                                  ["ceasefire_events", "ceasefire_states", "outcomes"])
    assert calls.calls[-1] == ("end", "complete", n)
    # the rounds' rows, one after the other, are the run's table
    pd.testing.assert_frame_equal(pd.concat(calls.rows, ignore_index=True), tables.actors)


def test_negotiate_run_writes_the_tables_of_run_one_byte_for_byte(tmp_path, capsys):
    out = tmp_path / "d"
    assert main(["run", "--quiet", "--seed", "3", "--set", "us_backstop=0.6",
                 "--out", str(out)]) == 0
    tables = run_one({"us_backstop": 0.6}, 3, scenario=shipped_scenario())
    whole = {"rounds": tables.rounds, "actors": tables.actors, **tables.extra}
    for name, table in whole.items():
        assert (out / f"{name}.csv").read_bytes() == table.to_csv(index=False).encode(), name
    assert (out / "events.txt").read_text(encoding="utf-8") == "\n".join(tables.events) + "\n"
    run_json = status(out)
    assert run_json["status"] == "complete"
    assert run_json["rounds_completed"] == len(tables.rounds) - 1
    assert sorted(run_json["files"]) == sorted(
        [*(f"{n}.csv" for n in whole), "events.txt", "run.json"])


def test_parquet_is_written_a_row_group_a_round(tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "p"
    assert main(["run", "--quiet", "--format", "parquet", "--out", str(out)]) == 0
    tables = run_one({}, 0, scenario=shipped_scenario())
    assert pq.ParquetFile(out / "rounds.parquet").num_row_groups == len(tables.rounds)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "actors.parquet"), tables.actors,
                                  check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "rounds.parquet"), tables.rounds,
                                  check_dtype=False)


def test_an_interrupted_run_keeps_its_rounds_and_says_so(tmp_path):
    out = tmp_path / "d"
    out.mkdir()
    # an earlier complete run with the ceasefire phase: its outcomes must not survive
    for name in ("outcomes.csv", "ceasefire_states.csv"):
        (out / name).write_text("old\n")
    (out / "run.json").write_text(json.dumps({"status": "complete", "files": [
        "rounds.csv", "actors.csv", "outcomes.csv", "ceasefire_states.csv", "events.txt",
        "run.json"]}))
    model = build_model(shipped_scenario(), {}, 0)
    with pytest.raises(KeyboardInterrupt):
        run(model, [RunFiles(out, "csv", {"seed": 0}), Calls(stop_after=2)])
    run_json = status(out)
    assert run_json["status"] == "interrupted"
    assert run_json["rounds_completed"] == 2
    assert pd.read_csv(out / "rounds.csv")["round"].tolist() == [0, 1, 2]
    assert sorted(pd.read_csv(out / "actors.csv")["round"].unique()) == [0, 1, 2]
    assert not (out / "outcomes.csv").exists() and not (out / "ceasefire_states.csv").exists()


def test_ctrl_c_after_two_rounds_exits_130_with_two_rounds_written(tmp_path):
    out = tmp_path / "d"
    proc = negotiate("run", "--quiet", "--round-delay", "1", "--out", str(out))
    deadline = time.monotonic() + 60
    rounds = out / "rounds.csv"  # a header and a line a round, flushed as each round ends
    while time.monotonic() < deadline:  # rounds 0, 1, 2 written: the run waits after round 2
        if rounds.is_file() and len(rounds.read_text(encoding="utf-8").splitlines()) == 4:
            break
        time.sleep(0.02)
    assert status(out)["status"] == "running"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert stderr.strip().splitlines() == ["negotiate: interrupted"]
    run_json = status(out)
    assert (run_json["status"], run_json["rounds_completed"]) == ("interrupted", 2)
    assert pd.read_csv(out / "rounds.csv")["round"].tolist() == [0, 1, 2]


def test_a_closed_stdout_never_stops_the_files(tmp_path):
    """`negotiate run --out d | head -3`: the reader goes after three lines."""
    out = tmp_path / "d"
    proc = negotiate("run", "--round-delay", "0.05", "--out", str(out))
    lines = [proc.stdout.readline() for _ in range(3)]
    proc.stdout.close()  # what head does after its third line
    proc.wait(timeout=120)
    stderr = proc.stderr.read()
    assert len(lines) == 3 and lines[1].split()[0] == "round"
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr and stderr == ""
    tables = run_one({}, 0, scenario=shipped_scenario())
    assert status(out)["status"] == "complete"
    assert (out / "actors.csv").read_bytes() == tables.actors.to_csv(index=False).encode()
    assert (out / "outcomes.csv").is_file()


def test_a_reused_out_holds_this_runs_files_only(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    out = tmp_path / "d"
    assert main(["run", "--quiet", "--out", str(out)]) == 0  # with the ceasefire phase
    (out / "notes.txt").write_text("mine\n")
    capsys.readouterr()
    assert main(["run", "--quiet", "--set", "ceasefire_phase=false", "--format", "parquet",
                 "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [
        "actors.parquet", "events.txt", "notes.txt", "rounds.parquet", "run.json"]
    assert err.strip().splitlines() == [
        f"negotiate: warning: --out {out} also holds files no run wrote (left alone): "
        "notes.txt"]
    assert status(out)["files"] == ["rounds.parquet", "actors.parquet", "events.txt",
                                    "run.json"]
    assert (out / "notes.txt").read_text() == "mine\n"


@pytest.mark.parametrize("where", ["file", "under_a_file"])
def test_an_out_that_cannot_be_written_is_refused_before_the_run(tmp_path, where):
    blocker = tmp_path / "taken"
    blocker.write_text("a file\n")
    out = blocker if where == "file" else blocker / "d"
    proc = negotiate("run", "--out", str(out))
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert stdout == ""  # refused before the run starts
    (line,) = stderr.strip().splitlines()
    assert line.startswith(f"negotiate: error: --out {out}: ")
    assert blocker.read_text() == "a file\n"


def test_a_run_that_fails_is_marked_failed(tmp_path):
    class Breaks(Observer):
        def on_round(self, model, rows):
            if rows.number == 1:
                raise RuntimeError("disk full")

    out = tmp_path / "d"
    out.mkdir()
    with pytest.raises(RuntimeError):
        run(build_model(shipped_scenario(), {}, 0), [RunFiles(out, "csv", {}), Breaks()])
    assert (status(out)["status"], status(out)["rounds_completed"]) == ("failed", 1)


def test_the_live_view_steps_through_the_same_per_round_function():
    from viz.live_model import LiveModel

    model = LiveModel(seed=0)
    calls = Calls()
    model.observers.append(calls)
    model.step()  # what Mesa's Step button calls
    model.step()
    assert calls.calls == [("round", 1, False), ("round", 2, False)]
    whole = run_one({}, 0, scenario=shipped_scenario()).actors
    pd.testing.assert_frame_equal(pd.concat(calls.rows, ignore_index=True),
                                  whole[whole["round"].isin([1, 2])].reset_index(drop=True))


def test_the_progress_bar_follows_the_rounds_on_stderr(capsys):
    assert main(["run", "--quiet", "--progress", "--rounds", "2",
                 "--set", "ceasefire_phase=false"]) == 0
    err = capsys.readouterr().err
    frames = err.split("\r")[1:]
    assert [f.split("round ")[1].split()[0] for f in frames] == ["0/2", "1/2", "2/2"]
    assert err.endswith("round 2/2 complete\n")

"""Running sweeps: executors agree bit for bit, kill -9 and Ctrl-C resume, failures, export."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inputs.scenario_file import default_scenario as shipped_scenario
from model.run import run_one
from negotiate.main import main
from sweep.runner import run_sweep
from sweep.spec import load_sweep
from sweep.store import Store
from sweep.tables import export

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "configs" / "coalition_of_the_willing.toml"
TABLES = ["runs", "outcomes", "rounds", "actors", "stats"]

SWEEP = f"""
scenario = "{SCENARIO}"
seed = 11
replications = 3
[parameters]
us_backstop = [0.2, 0.8]
russia_threat_credibility = {{ low = 0.0, high = 1.0 }}
mechanism = ["eum", "compromise"]
[design]
method = "grid"
levels = 3
"""


def tables_of(out: Path, tmp: Path) -> dict[str, pd.DataFrame]:
    """Every table of a sweep, exported as Parquet (run timings dropped: they differ)."""
    got = {}
    for what in TABLES:
        path, _ = export(out, what, "parquet", tmp / f"{out.name}-{what}.parquet")
        got[what] = pd.read_parquet(path)
    got["runs"] = got["runs"].drop(columns="wall_s")
    return got


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for what in a:
        pd.testing.assert_frame_equal(a[what], b[what], check_exact=True, obj=what)


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sweepfile") / "sweep.toml"
    path.write_text(SWEEP)
    return path


@pytest.fixture(scope="module")
def clean(sweep_file, tmp_path_factory):
    """An uninterrupted serial run and its tables."""
    base = tmp_path_factory.mktemp("clean")
    summary = run_sweep(load_sweep(sweep_file), base / "out", executor="serial", quiet=True)
    assert summary.status == "complete" and summary.failed == 0
    return base / "out", tables_of(base / "out", base)


def test_clean_run_tables(clean, sweep_file):
    out, t = clean
    sweep = load_sweep(sweep_file)
    n = sweep.n_runs
    assert n == 2 * 3 * 2 * 3
    runs = t["runs"]
    assert list(runs["run_id"]) == list(range(n))
    assert (runs["status"] == "ok").all() and (runs["error"] == "").all()
    assert list(runs["seed"]) == [sweep.run_seed(i) for i in range(n)]
    assert runs["seed"].nunique() == n
    for col in ("us_backstop", "russia_threat_credibility", "mechanism"):
        assert col in runs.columns
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["finished"]
    assert manifest["sweep_sha256"] == sweep.file_hash
    assert set(manifest["versions"]) >= {"mesa", "numpy", "python"}
    assert (out / "runs.parquet").is_file() and (out / "outcomes.parquet").is_file()
    # a run in the sweep is the same as run_one with its parameters and recorded seed
    row = runs.iloc[23]
    params = {k: row[k].item() if hasattr(row[k], "item") else row[k]
              for k in ("us_backstop", "russia_threat_credibility", "mechanism")}
    one = run_one(params, int(row["seed"]), scenario=sweep.scenario).rounds
    mine = t["rounds"][t["rounds"]["run_id"] == 23].drop(
        columns=["run_id", "design_point", "replication"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, one, check_exact=True)


def test_outcomes_keep_the_parameters_and_rename_clashing_outcomes(clean):
    _, t = clean
    runs, outcomes = t["runs"], t["outcomes"]
    params = ["us_backstop", "russia_threat_credibility", "mechanism"]
    pd.testing.assert_frame_equal(outcomes[["run_id", *params]], runs[["run_id", *params]])
    # the final round's us_backstop (set by the scenario's shocks) is an outcome of its own
    final = t["rounds"].groupby("run_id").tail(1).reset_index(drop=True)
    assert (outcomes["outcome_us_backstop"] == final["us_backstop"]).all()
    assert (outcomes["troops_pledged"] == final["troops_pledged"]).all()


def test_process_pool_equals_serial(clean, sweep_file, tmp_path):
    summary = run_sweep(load_sweep(sweep_file), tmp_path / "proc", executor="process",
                        workers=2, batch_size=3, quiet=True)
    assert summary.status == "complete"
    assert_same(tables_of(tmp_path / "proc", tmp_path), clean[1])


def test_dask_local_cluster_equals_serial(clean, sweep_file, tmp_path):
    pytest.importorskip("distributed")
    summary = run_sweep(load_sweep(sweep_file), tmp_path / "dask", executor="dask", workers=2,
                        quiet=True, log=lambda m: None)
    assert summary.status == "complete"
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["sessions"][0]["executor"] == "dask"
    assert_same(tables_of(tmp_path / "dask", tmp_path), clean[1])


def test_existing_dask_scheduler_equals_serial(clean, sweep_file, tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        code = main(["sweep", "run", str(sweep_file), "--out", str(tmp_path / "sched"),
                     "--executor", "dask", "--scheduler", cluster.scheduler_address,
                     "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert f"connected to {cluster.scheduler_address} (2 workers)" in capsys.readouterr().err
    assert_same(tables_of(tmp_path / "sched", tmp_path), clean[1])


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "negotiate", "sweep", *args]


def _wait_for_parts(out: Path, n: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    runs = out / "parts" / "runs"
    while time.monotonic() < deadline:
        if runs.is_dir() and len(list(runs.glob("*.parquet"))) >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended before it could be stopped: {proc.stderr.read()}")
        time.sleep(0.005)
    pytest.fail("no parts appeared")


def _done(out: Path) -> int:
    return sum(len(pd.read_parquet(f)) for f in (out / "parts" / "runs").glob("*.parquet"))


def test_ctrl_c_then_kill_9_then_resume_equals_clean_run(clean, sweep_file, tmp_path, capsys):
    out = tmp_path / "killed"
    n = load_sweep(sweep_file).n_runs
    base = ["run", str(sweep_file), "--out", str(out), "--workers", "1", "--batch-size", "1",
            "--quiet"]
    # Ctrl-C: the sweep stops cleanly, says how to resume, exits 130
    proc = subprocess.Popen(_cli(*base), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    _wait_for_parts(out, 3, proc)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" in err and "Traceback" not in err
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    after_sigint = _done(out)
    assert 0 < after_sigint < n
    # without --resume the directory is refused
    assert main(["sweep", *base]) == 2
    assert "--resume" in capsys.readouterr().err
    # kill -9 of the whole process group while it runs
    proc = subprocess.Popen(_cli(*base, "--resume"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    _wait_for_parts(out, after_sigint + 3, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    killed_at = _done(out)
    assert after_sigint < killed_at < n, "the sweep finished before the kill"
    # resuming finishes the rest; the tables are those of the uninterrupted run
    summary = run_sweep(load_sweep(sweep_file), out, executor="serial", resume=True,
                        quiet=True, log=lambda m: None)
    assert summary.status == "complete" and summary.ran == n - killed_at
    assert_same(tables_of(out, tmp_path), clean[1])
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["resumed"] for s in manifest["sessions"]] == [False, True, True]


def test_resume_with_an_edited_sweep_file_is_refused(clean, sweep_file, tmp_path, capsys):
    out = tmp_path / "copy"
    shutil.copytree(clean[0], out)
    edited = tmp_path / "edited.toml"
    edited.write_text(sweep_file.read_text().replace("replications = 3", "replications = 4"))
    code = main(["sweep", "run", str(edited), "--out", str(out), "--resume", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot resume" in err and "has changed" in err and str(edited) in err
    assert len(err.strip().splitlines()) == 1


def test_recover_discards_half_written_batches(clean, sweep_file, tmp_path):
    out = tmp_path / "torn"
    sweep = load_sweep(sweep_file)
    run_sweep(sweep, out, executor="serial", quiet=True, batch_size=6)
    parts = out / "parts"
    # a kill between the renames of one batch: its runs part (the commit) is missing
    victim = sorted((parts / "runs").glob("*.parquet"))[2]
    victim.unlink()
    (parts / "rounds" / ".000099.parquet.tmp-123").write_bytes(b"half a file")
    done, failed, next_batch = Store(out).recover()
    assert len(done) == sweep.n_runs - 6 and failed == 0
    assert not (parts / "rounds" / victim.name).exists()
    assert not (parts / "actors" / victim.name).exists()
    assert not list(parts.glob("*/.*"))
    assert next_batch > max(int(f.stem) for f in parts.glob("*/*.parquet"))
    summary = run_sweep(sweep, out, executor="serial", resume=True, quiet=True,
                        log=lambda m: None)
    assert summary.ran == 6
    assert_same(tables_of(out, tmp_path), clean[1])


def failing_run(parameters, seed, **kwargs):
    """run_one, except that it raises for one value of the threat credibility."""
    if parameters["russia_threat_credibility"] == 0.5 and parameters["mechanism"] == "eum":
        raise ValueError("injected failure\nsecond line")
    return run_one(parameters, seed, **kwargs)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(clean, sweep_file, tmp_path):
    out = tmp_path / "failing"
    summary = run_sweep(load_sweep(sweep_file), out, executor="serial", quiet=True,
                        run_fn=failing_run)
    assert summary.status == "complete"
    runs = Store(out).table("runs")
    bad = (runs["russia_threat_credibility"] == 0.5) & (runs["mechanism"] == "eum")
    assert bad.sum() == summary.failed == 2 * 3
    assert (runs.loc[bad, "status"] == "failed").all()
    assert (runs.loc[bad, "error"] == "ValueError: injected failure second line").all()
    assert (runs.loc[~bad, "status"] == "ok").all()
    rounds = Store(out).table("rounds")
    assert set(rounds["run_id"]) == set(runs.loc[~bad, "run_id"])
    # the successful runs are exactly those of the clean sweep
    clean_rounds = clean[1]["rounds"]
    expected = clean_rounds[clean_rounds["run_id"].isin(runs.loc[~bad, "run_id"])]
    pd.testing.assert_frame_equal(rounds.reset_index(drop=True),
                                  expected.reset_index(drop=True), check_exact=True)


@pytest.mark.parametrize("what", ["runs", "outcomes", "rounds", "actors", "stats"])
def test_export_csv_and_parquet_sorted_by_run_and_round(clean, tmp_path, capsys, what):
    out, tables = clean
    for fmt in ("csv", "parquet"):
        to = tmp_path / f"{what}.{fmt}"
        assert main(["sweep", "export", str(out), "--format", fmt, "--what", what,
                     "--to", str(to)]) == 0
        assert str(to) in capsys.readouterr().out
    csv = pd.read_csv(tmp_path / f"{what}.csv", keep_default_na=False, na_values=[""])
    par = pd.read_parquet(tmp_path / f"{what}.parquet")
    assert list(csv.columns) == list(par.columns) and len(csv) == len(par)
    num = [c for c in par.columns if pd.api.types.is_float_dtype(par[c])]
    np.testing.assert_allclose(csv[num].to_numpy(float), par[num].to_numpy(float), rtol=1e-12)
    keys = {"runs": ["run_id"], "outcomes": ["run_id"], "rounds": ["run_id", "round"],
            "actors": ["run_id", "round", "actor"],
            "stats": ["design_point", "round"]}[what]
    assert par[keys].equals(par[keys].sort_values(keys).reset_index(drop=True))


def test_stats_are_mean_sd_and_t_interval_across_replications(clean):
    from scipy import stats as st

    _, t = clean
    s, rounds = t["stats"], t["rounds"]
    assert {"mean", "sd", "ci95_low", "ci95_high", "n"} <= set(s.columns)
    from_rounds = s["outcome"].isin(rounds.columns)
    assert (s.loc[from_rounds, "n"] == 3).all()
    for outcome in ("troops_pledged", "russia_threat", "contributors"):
        mine = s[s["outcome"] == outcome].set_index(["design_point", "round"]).sort_index()
        g = rounds.groupby(["design_point", "round"])[outcome]
        np.testing.assert_allclose(mine["mean"], g.mean().sort_index(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(mine["sd"], g.std().sort_index(), rtol=1e-9, atol=1e-9)
        half = st.t.ppf(0.975, 2) * mine["sd"] / np.sqrt(3)
        np.testing.assert_allclose(mine["ci95_high"] - mine["mean"], half, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(mine["mean"] - mine["ci95_low"], half, rtol=1e-9, atol=1e-9)
    # outcomes of the run as a whole (the ceasefire phase) come at the last round
    outcomes = t["outcomes"]
    held = s[s["outcome"] == "ceasefire_held"].set_index("design_point")
    assert (held["round"] == rounds["round"].max()).all()
    np.testing.assert_allclose(held["mean"].sort_index(),
                               outcomes.groupby("design_point")["ceasefire_held"].mean(),
                               rtol=1e-12)
    # the design columns describe each design point
    design = t["runs"].drop_duplicates("design_point").set_index("design_point")
    merged = s.set_index("design_point")
    assert (merged["mechanism"] == design.loc[merged.index, "mechanism"]).all()


def test_export_errors_are_one_line(clean, tmp_path, capsys):
    out, _ = clean
    assert main(["sweep", "export", str(out), "--what", "nothing", "--format", "csv"]) == 2
    assert "--what nothing: no such table" in capsys.readouterr().err
    assert main(["sweep", "export", str(tmp_path), "--format", "csv"]) == 2
    assert "not a sweep directory" in capsys.readouterr().err
    assert main(["sweep", "export", str(out), "--format", "csv", "--to",
                 str(tmp_path / "x.parquet")]) == 2
    assert "does not match" in capsys.readouterr().err


def test_plot_writes_a_png_per_outcome_and_parameter(clean, tmp_path, capsys):
    out, _ = clean
    dest = tmp_path / "figs"
    assert main(["sweep", "plot", str(out), "--to", str(dest), "--outcome", "troops_pledged",
                 "--outcome", "russia_threat"]) == 0
    pngs = sorted(p.name for p in dest.glob("*.png"))
    params = ["mechanism", "russia_threat_credibility", "us_backstop"]
    assert pngs == sorted(f"{o}__{p}.png" for o in ("russia_threat", "troops_pledged")
                          for p in params)
    for p in dest.glob("*.png"):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["sweep", "plot", str(out), "--outcome", "nope"]) == 2
    assert "--outcome nope: not an outcome" in capsys.readouterr().err


def test_final_round_only_and_no_actor_table(tmp_path, capsys):
    path = tmp_path / "final.toml"
    path.write_text(f"""
scenario = "{SCENARIO}"
seed = 3
replications = 2
[parameters]
mechanism = ["eum", "compromise"]
[output]
every = "final"
actors = false
""")
    out = tmp_path / "out"
    summary = run_sweep(load_sweep(path), out, executor="serial", quiet=True)
    assert summary.status == "complete" and summary.done == 4
    rounds = Store(out).table("rounds")
    full = run_one({"mechanism": "compromise"}, load_sweep(path).run_seed(3),
                   scenario=shipped_scenario()).rounds
    assert list(rounds["run_id"]) == [0, 1, 2, 3]
    assert (rounds["round"] == full["round"].max()).all()
    last = rounds[rounds["run_id"] == 3].drop(columns=["run_id", "design_point", "replication"])
    pd.testing.assert_frame_equal(last.reset_index(drop=True),
                                  full.tail(1).reset_index(drop=True), check_exact=True)
    assert "actors" not in Store(out).kinds()
    assert main(["sweep", "export", str(out), "--what", "actors", "--format", "csv"]) == 2
    assert "no actors table" in capsys.readouterr().err

"""Benchmark: a sweep of 100,000 runs, killed part-way and resumed, with its memory sampled.

Run by hand (not in CI; about 10-20 minutes on 2 cores)::

    PYTHONPATH=$PWD python3 bench/bench_scale.py                # 100,000 runs, 2 workers
    PYTHONPATH=$PWD python3 bench/bench_scale.py --runs 5000    # a quick look

The sweep: the default scenario, ``us_backstop`` x ``russia_threat_credibility`` on a grid x
replications, every round kept (``[output] every = "round"``, no actor table), through
``negotiate sweep run`` in a process of its own. Every ``--sample`` seconds the script
reads the memory of that process and all its children (fork server, workers): the sum of
PSS and the RSS of the largest process, with the runs done so far (committed batches x the
batch size). At ``--kill-at`` of the runs it kills the whole process group with SIGKILL
(no clean shutdown), then starts the same command with ``--resume`` and lets it finish. It
prints the slope of memory against runs done (least squares over the samples after the
first 10% of each session's runs, so the start-up is left out; MB per 10,000 runs) and
checks that the finished sweep has every run exactly once.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "configs" / "coalition_of_the_willing.toml"


def sweep_command() -> list[str]:
    """``negotiate sweep run`` through whichever entry module this checkout has."""
    module = "negotiate" if (ROOT / "negotiate" / "__main__.py").exists() else "model"
    return [sys.executable, "-m", module, "sweep", "run"]


def write_sweep(path: Path, side: int, reps: int) -> None:
    values = ", ".join(f"{i / (side - 1):.6g}" for i in range(side))
    path.write_text(textwrap.dedent(f"""
        scenario = "{SCENARIO}"
        seed = 2
        replications = {reps}
        [parameters]
        us_backstop = [{values}]
        russia_threat_credibility = [{values}]
        [output]
        every = "round"
        actors = false
    """), encoding="utf-8")


def tree_memory(pid: int) -> tuple[float, float] | None:
    """(sum of PSS, RSS of the largest process) in MB of ``pid`` and its children."""
    import psutil

    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return None
    pss, largest = 0, 0
    for p in tree:
        try:
            info = p.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        pss += getattr(info, "pss", info.rss)
        largest = max(largest, info.rss)
    return pss / 2**20, largest / 2**20


def runs_done(out: Path, batch: int) -> int:
    try:
        return sum(1 for _ in os.scandir(out / "parts" / "runs")) * batch
    except FileNotFoundError:
        return 0


def session(argv: list[str], out: Path, batch: int, total: int, every: float,
            kill_at: int | None) -> tuple[list[tuple[float, int, float, float]], float, bool]:
    """Run one session; sample it; kill its process group once ``kill_at`` runs are done."""
    samples = []
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    killed = False
    while proc.poll() is None:
        mem = tree_memory(proc.pid)
        done = runs_done(out, batch)
        if mem is not None:
            samples.append((time.perf_counter() - t0, done, *mem))
        if kill_at is not None and done >= kill_at:
            os.killpg(proc.pid, signal.SIGKILL)  # the group this script started
            proc.wait()
            killed = True
            break
        time.sleep(every)
    err = proc.stderr.read() if proc.stderr else ""
    if not killed and proc.returncode != 0:
        raise SystemExit(f"{argv}: exit {proc.returncode}\n{err}")
    return samples, time.perf_counter() - t0, killed


def slope(samples: list[tuple[float, int, float, float]], col: int) -> float:
    """MB per 10,000 runs, least squares, after the first 10% of the session's runs."""
    if not samples:
        return float("nan")
    start, end = samples[0][1], samples[-1][1]
    rows = [s for s in samples if s[1] >= start + 0.1 * (end - start)]
    if len(rows) < 3:
        return float("nan")
    x = np.array([r[1] for r in rows], dtype=float)
    y = np.array([r[col] for r in rows], dtype=float)
    if np.ptp(x) == 0:
        return float("nan")
    return float(np.polyfit(x, y, 1)[0] * 10_000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=50)
    ap.add_argument("--kill-at", type=float, default=0.3, help="share of the runs (0: no kill)")
    ap.add_argument("--sample", type=float, default=1.0, help="seconds between samples")
    ap.add_argument("--out", type=Path, help="output directory (default: a temporary one)")
    args = ap.parse_args()
    side = max(2, round((args.runs / args.reps) ** 0.5))
    total = side * side * args.reps
    import platform

    import mesa

    print(f"{total} runs ({side} x {side} design points x {args.reps} replications), "
          f"{args.workers} workers, batches of {args.batch_size}; Python "
          f"{platform.python_version()}, Mesa {mesa.__version__}, {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        tmp = Path(tmp)
        path = tmp / "scale.toml"
        write_sweep(path, side, args.reps)
        out = args.out or tmp / "out"
        argv = [*sweep_command(), str(path), "--out", str(out), "--workers", str(args.workers),
                "--batch-size", str(args.batch_size), "--quiet"]
        kill_at = round(args.kill_at * total) if args.kill_at > 0 else None
        first, t1, killed = session(argv, out, args.batch_size, total, args.sample, kill_at)
        print(f"session 1: {t1:.0f} s, {'killed (SIGKILL) at' if killed else 'finished with'} "
              f"{runs_done(out, args.batch_size)} runs", flush=True)
        second, t2 = [], 0.0
        if killed:
            second, t2, _ = session([*argv, "--resume"], out, args.batch_size, total,
                                    args.sample, None)
            print(f"session 2 (--resume): {t2:.0f} s", flush=True)
        import pandas as pd

        runs = pd.read_parquet(out / "runs.parquet", columns=["run_id", "status"])
        ok = (len(runs) == total and runs["run_id"].is_unique
              and set(runs["run_id"]) == set(range(total)))
        print(f"runs table: {len(runs)} rows, every run exactly once: {ok}; failed: "
              f"{int((runs['status'] != 'ok').sum())}")
        for name, samples in (("session 1", first), ("session 2", second)):
            if not samples:
                continue
            pss = [s[2] for s in samples]
            big = [s[3] for s in samples]
            print(f"{name}: {len(samples)} samples; PSS sum {min(pss):.0f}-{max(pss):.0f} MB, "
                  f"largest process {min(big):.0f}-{max(big):.0f} MB; slope over runs done "
                  f"(after 10%): PSS sum {slope(samples, 2):+.2f} MB, largest process "
                  f"{slope(samples, 3):+.2f} MB per 10,000 runs")
        print(f"runs/s (both sessions, wall): {total / (t1 + t2):.1f}; load average now "
              f"{os.getloadavg()[0]:.2f}")
        if args.out is None:
            print("(output directory removed)")


if __name__ == "__main__":
    main()

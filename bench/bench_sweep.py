"""Benchmark: the same 2,000-run sweep through ``mesa.batch_run`` and ``negotiate sweep run``.

Run by hand (not in CI)::

    python3 bench/bench_sweep.py                 # everything, a Markdown table at the end
    python3 bench/bench_sweep.py --runs 400      # a quicker look

The sweep: the default scenario, 20 values of ``us_backstop`` x 20 of
``russia_threat_credibility`` x 5 replications, every round of the model and of every actor
kept (``data_collection_period=1`` for batch_run; ``every = "round"`` for the sweep), and
the ceasefire phase off (``ceasefire_phase = false``: batch_run only calls ``step()``, and
the phase runs after the rounds, in ``run_one``), so both do the same work. Each
contender runs in a fresh Python process; this script samples the resident memory of that
process and all its children (workers, fork server) every 20 ms and reports the peak of the
sum. Throughput is runs / wall time of the call (``batch_run(...)``, or ``run_sweep(...)``
including the worker start-up and writing every table to Parquet); batch_run's rows stay in
memory and are not written anywhere, which favours it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "configs" / "coalition_of_the_willing.toml"

BATCH_RUN = """
import json, sys, time
import numpy as np
import mesa
from inputs.scenario_file import default_scenario
from model.negotiation import NegotiationModel

def main():
    side, reps, procs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    params = {"us_backstop": [float(x) for x in np.linspace(0, 1, side)],
              "russia_threat_credibility": [float(x) for x in np.linspace(0, 1, side)],
              "ceasefire_phase": False,
              "scenario": [default_scenario()]}  # a list of one: batch_run sweeps iterables
    kw = ({"rng": list(range(reps))} if "rng" in mesa.batch_run.__code__.co_varnames
          else {"iterations": reps})
    t = time.perf_counter()
    rows = mesa.batch_run(NegotiationModel, params, number_processes=procs,
                          data_collection_period=1, max_steps=100, display_progress=False, **kw)
    dt = time.perf_counter() - t
    runs = len({(r["RunId"]) for r in rows})
    print(json.dumps({"seconds": dt, "runs": runs, "rows": len(rows)}))

if __name__ == "__main__":
    main()
"""

SWEEP = """
import json, sys, time
from sweep.runner import run_sweep
from sweep.spec import load_sweep

def main():
    path, out, workers, executor = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    size = int(sys.argv[5]) or None
    sweep = load_sweep(path)
    t = time.perf_counter()
    s = run_sweep(sweep, out, executor=executor, workers=workers, quiet=True,
                  log=lambda m: None, batch_size=size)
    dt = time.perf_counter() - t
    print(json.dumps({"seconds": dt, "runs": s.done, "failed": s.failed}))

if __name__ == "__main__":
    main()
"""


def sweep_file(side: int, reps: int, where: Path) -> Path:
    values = ", ".join(f"{i / (side - 1):.6g}" for i in range(side))
    path = where / "bench.toml"
    path.write_text(textwrap.dedent(f"""
        scenario = "{SCENARIO}"
        seed = 1
        replications = {reps}
        [parameters]
        us_backstop = [{values}]
        russia_threat_credibility = [{values}]
        ceasefire_phase = false
        [output]
        every = "round"
        actors = true
    """))
    return path


def measure(argv: list[str], cwd: Path) -> dict:
    import psutil

    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=cwd)
    peak = {"rss": 0, "pss": 0}
    cpu: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        try:
            root = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not stop.is_set():
            rss = pss = 0
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for p in tree:
                try:
                    info = p.memory_full_info()
                    times = p.cpu_times()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                cpu[p.pid] = times.user + times.system
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
            peak["rss"] = max(peak["rss"], rss)
            peak["pss"] = max(peak["pss"], pss)
            stop.wait(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t0 = time.perf_counter()
    t.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"{argv}: failed\n{err}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(peak_rss_mb=peak["rss"] / 2**20, peak_pss_mb=peak["pss"] / 2**20,
                  process_wall=wall, cpu_s=sum(cpu.values()))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2000, help="about this many runs (default 2000)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--only", choices=["batch_run", "sweep"], help="run one contender")
    ap.add_argument("--batch-size", type=int, help="runs per task (default: automatic)")
    args = ap.parse_args()
    side = max(2, round((args.runs / args.reps) ** 0.5))
    n = side * side * args.reps
    import mesa

    print(f"{n} runs ({side} x {side} design points x {args.reps} replications); Python "
          f"{platform.python_version()}, Mesa {mesa.__version__}, {os.cpu_count()} cores")
    print(f"load average: {os.getloadavg()[0]:.2f}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        tmp = Path(tmp)
        (tmp / "batch_run_bench.py").write_text(BATCH_RUN)
        (tmp / "sweep_bench.py").write_text(SWEEP)
        path = sweep_file(side, args.reps, tmp)
        env_py = sys.executable
        if args.only in (None, "batch_run"):
            r = measure([env_py, str(tmp / "batch_run_bench.py"), str(side), str(args.reps),
                         "2"], ROOT)
            rows.append(("mesa.batch_run, 2 processes", r))
            print(rows[-1])
        if args.only in (None, "sweep"):
            for workers in (1, 2):
                out = tmp / f"out{workers}"
                r = measure([env_py, str(tmp / "sweep_bench.py"), str(path), str(out),
                             str(workers), "process", str(args.batch_size or 0)], ROOT)
                rows.append((f"negotiate sweep run, {workers} worker(s)", r))
                print(rows[-1])
    print()
    print("| contender | runs | seconds | runs/s | CPU s (all processes) | peak PSS (MB) | "
          "peak RSS sum (MB) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(f"| {name} | {r['runs']} | {r['seconds']:.1f} | {r['runs'] / r['seconds']:.1f} | "
              f"{r['cpu_s']:.1f} | {r['peak_pss_mb']:.0f} | {r['peak_rss_mb']:.0f} |")
    print(f"\nload average before: {os.getloadavg()[0]:.2f} (other processes share the cores)")


if __name__ == "__main__":
    main()

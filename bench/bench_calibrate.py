"""Time ``negotiate calibrate`` as a user runs it: the default scenario, its ranged
parameters, the default record; print the figures for bench/README.md.

    python3 bench/bench_calibrate.py [--samples 256] [--workers 2] [--seeds 4]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=256)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--executor", default="process")
    a = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "model", "calibrate", "--samples", str(a.samples),
               "--workers", str(a.workers), "--seeds", str(a.seeds), "--executor", a.executor,
               "--out", str(Path(tmp) / "cal"), "--quiet"]
        t0 = time.perf_counter()
        res = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if res.returncode:
            sys.exit(res.stderr)
        print(res.stdout)
    runs = a.samples * a.seeds
    print(f"calibrate: {a.samples} samples x {a.seeds} seeds = {runs} runs, {a.workers} "
          f"workers ({a.executor}): {wall:.1f} s wall, {runs / wall:.0f} runs/s")


if __name__ == "__main__":
    main()

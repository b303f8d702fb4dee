"""Benchmark of KTAB's Spatial Model of Politics (model/mechanisms/smp.py).

Run by hand: ``PYTHONPATH=$PWD python3 bench/bench_smp.py``. Prints the time of a full SMP
negotiation (default options, to KTAB's stopping rule) on seeded random tables drawn as
KTAB's ``SMPActor::randomize`` draws them (capability uniform on [10, 200], total salience
uniform on [0.75, 0.99] split in proportion to uniform [0.1, 1] weights, positions uniform
on [0, 100]) for 30 actors x 2 dimensions and 250 x 2 (KTAB's limit), and for the reference
table dummyData_3Dim (7 x 3). Targets: 30 x 2 well under a second; 250 x 2 in seconds.
Wall and CPU time are both shown: on a loaded machine the wall time overstates the cost.
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np

from inputs.ktab_table import read_ktab_table
from model.mechanisms.smp import smp_negotiate


def random_table(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    c = rng.uniform(10.0, 200.0, n)
    weights = rng.uniform(0.1, 1.0, (n, d))
    s = weights / weights.sum(axis=1, keepdims=True) * rng.uniform(0.75, 0.99, (n, 1))
    return rng.uniform(0.0, 100.0, (n, d)), c, s


def timed(x: np.ndarray, c: np.ndarray, s: np.ndarray, repeats: int) -> tuple[float, float, int]:
    """Best wall and CPU seconds of ``repeats`` full negotiations, and their number of turns."""
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        history = smp_negotiate(x, c, s, lo=0.0, hi=100.0)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), history.turns


def main() -> None:
    print(f"numpy {np.__version__}, Python {platform.python_version()}, {os.cpu_count()} cores,"
          f" load average {os.getloadavg()[0]:.1f}")
    table = read_ktab_table("configs/ktab/dummyData_3Dim.csv")
    cases = [("dummyData_3Dim", (table.x, table.c, table.s), 20)]
    for n, repeats in ((30, 10), (250, 2)):
        cases.append((f"random {n} x 2", random_table(n, 2), repeats))
    for label, (x, c, s), repeats in cases:
        wall, cpu, turns = timed(x, c, s, repeats)
        print(f"{label:>15}: {turns:3d} turns, {wall * 1e3:9.1f} ms wall, {cpu * 1e3:9.1f} ms CPU"
              f" ({wall / turns * 1e3:.1f} ms a turn)")


if __name__ == "__main__":
    main()

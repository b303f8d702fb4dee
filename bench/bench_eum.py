"""Benchmark of the expected utility model (model/mechanisms/eum.py).

Run by hand: ``python3 bench/bench_eum.py``. Prints the time of one ``eum_round`` for
random tables of 10, 20, 100 and 1,000 actors (seeded), and the total for 20 actors over
10 rounds. Targets: 20 x 10 under 10 ms; 1,000 x 1 under 5 s.
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np

from model.mechanisms.eum import eum_round


def random_table(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random(n), rng.random(n) * 100.0, rng.random(n)


def best_of(fn, repeats: int) -> float:
    """Smallest wall time of ``repeats`` calls, in seconds (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run_rounds(c: np.ndarray, x: np.ndarray, s: np.ndarray, rounds: int) -> np.ndarray:
    for _ in range(rounds):
        x = eum_round(c, x, s)
    return x


def main() -> None:
    print(f"numpy {np.__version__}, Python {platform.python_version()}, {os.cpu_count()} cores")
    for n, repeats in ((10, 200), (20, 200), (100, 50), (1000, 5)):
        c, x, s = random_table(n)
        t = best_of(lambda c=c, x=x, s=s: eum_round(c, x, s), repeats)
        print(f"{n:>5} actors x  1 round : {t * 1e3:9.2f} ms per round")
    c, x, s = random_table(20)
    t = best_of(lambda: run_rounds(c, x, s, 10), 50)
    print(f"{20:>5} actors x 10 rounds: {t * 1e3:9.2f} ms total")


if __name__ == "__main__":
    main()

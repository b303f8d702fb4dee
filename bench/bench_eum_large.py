"""Large EUM tables: one round's time and peak memory, dense or in blocks (issue 13).

Run by hand, one table size per process (the peak RSS is the process's):
``python3 bench/bench_eum_large.py 10000`` (automatic block), or with a block size,
``python3 bench/bench_eum_large.py 4000 500``. Prints the block used, wall and CPU time,
the peak resident memory and :func:`model.mechanisms.memory.eum_bytes`' estimate.
Figures: bench/README.md, "Large tables".
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np

from model.mechanisms import memory
from model.mechanisms.eum import eum_step


def main(n: int, block: int | None) -> None:
    rng = np.random.default_rng(0)
    c, x, s = rng.uniform(1, 100, n), rng.uniform(0, 100, n), rng.uniform(0.1, 1, n)
    used = memory.eum_block(n) if block is None else block
    wall, cpu = time.perf_counter(), time.process_time()
    eum_step(x, c, s, lo=0.0, hi=100.0, block=block)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"{n:,} actors, block {used:,}{' (dense)' if used >= n else ''}: one round "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU; peak RSS {memory.size(peak)}, estimate "
          f"{memory.size(memory.eum_bytes(n, used))}; limit {memory.size(memory.memory_limit())}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000,
         int(sys.argv[2]) if len(sys.argv) > 2 else None)

"""Time one run of the default scenario, after start-up (run by hand, not in CI): ``run_one``
per mechanism, then the command ``negotiate run --quiet`` in-process, without and with
``--out`` (the tables written round by round, negotiate/run_files.py).

    python3 bench/bench_run.py
"""

from __future__ import annotations

import statistics
import time

t0 = time.perf_counter()
from inputs.scenario_file import default_scenario  # noqa: E402
from model.run import run_one  # noqa: E402

SCENARIO = default_scenario()

t_import = time.perf_counter() - t0

for mechanism in ("eum", "compromise", "hk", "deffuant", "smp"):
    run_one({"mechanism": mechanism}, 0, scenario=SCENARIO)  # warm
    times, cpu = [], []
    for seed in range(50):
        t, c = time.perf_counter(), time.process_time()
        run_one({"mechanism": mechanism}, seed, scenario=SCENARIO)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    print(f"{mechanism:10s} one run (30 actors, 10 meetings x 2 turns, 2 dimensions, "
          f"tables included): median {statistics.median(times) * 1e3:.1f} ms, "
          f"max {max(times) * 1e3:.1f} ms; CPU median {statistics.median(cpu) * 1e3:.1f} ms")
print(f"start-up (imports, mesa included): {t_import:.2f} s")

import contextlib  # noqa: E402
import io  # noqa: E402
import tempfile  # noqa: E402

from negotiate.main import main  # noqa: E402

with tempfile.TemporaryDirectory() as where:
    for label, extra in (("negotiate run --quiet", []), ("negotiate run --quiet --out DIR",
                                                         ["--out"])):
        times, cpu = [], []
        for seed in range(21):
            argv = ["run", "--quiet", "--seed", str(seed)]
            if extra:
                argv += ["--out", f"{where}/{seed}"]
            t, c = time.perf_counter(), time.process_time()
            with contextlib.redirect_stdout(io.StringIO()):
                main(argv)
            if seed:  # the first one warms up
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
        print(f"{label:32s}: median {statistics.median(times) * 1e3:.1f} ms, "
              f"CPU median {statistics.median(cpu) * 1e3:.1f} ms")

"""Reference digests of runs and sweeps, generated from the code before the speed work
(main a72c649), so that the faster code can be held to the same bytes.

    PYTHONPATH=$PWD python3 tests/reference_runs.py   # rewrite tests/data/run_digests.json

A digest covers every table a run gives (rounds, actors, the ceasefire phase's tables, the
event log): column names, dtypes and every value (numbers by their bytes, strings by repr).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DIGESTS = Path(__file__).resolve().parent / "data" / "run_digests.json"

# (label, parameters, seed): the default (SMP) and every mechanism, the ceasefire phase on
# and off, levers that change the stance rule and the bargaining
RUN_CASES: list[tuple[str, dict[str, Any], int]] = [
    ("default-0", {}, 0),
    ("default-1", {}, 1),
    ("default-2", {}, 2),
    ("default-no-phase", {"ceasefire_phase": False}, 3),
    ("eum", {"mechanism": "eum"}, 0),
    ("compromise", {"mechanism": "compromise"}, 1),
    ("hk", {"mechanism": "hk"}, 2),
    ("deffuant-0", {"mechanism": "deffuant"}, 0),
    ("deffuant-5", {"mechanism": "deffuant", "ceasefire_phase": False}, 5),
    ("smp-deffuant-presence", {"mechanism_presence": "deffuant"}, 4),
    ("us-backstop", {"us_backstop": 0.3}, 4),
    ("noisy-bandwagon", {"bandwagon": 25.0, "threshold_noise": 12.0, "friend_weight": 0.9}, 6),
    ("turns-accommodation", {"turns_per_meeting": 4, "accommodation": 0.5,
                             "burden_shift": 40.0}, 7),
    ("frozen", {"freeze_positions": True}, 8),
    ("ceasefire-round", {"ceasefire_round": 6, "deploy_now_threshold": 80.0}, 9),
    ("threat", {"threat_sensitivity": 60.0, "russia_threat_credibility": 1.0,
                "russia_escalation": 3.0}, 10),
]

SWEEP_CASES: dict[str, str] = {
    "ranges": """
scenario = "{scenario}"
seed = 11
replications = 2
from_scenario = true
[design]
method = "lhs"
samples = 6
[output]
every = "round"
actors = true
""",
    "grid": """
scenario = "{scenario}"
seed = 3
replications = 3
[parameters]
us_backstop = [0.0, 0.9]
mechanism = ["smp", "deffuant"]
[output]
every = "final"
actors = true
""",
}


def frame_digest(frame: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(repr(list(frame.columns)).encode())
    h.update(repr([str(t) for t in frame.dtypes]).encode())
    h.update(repr(len(frame)).encode())
    for col in frame.columns:
        values = frame[col].to_numpy()
        if values.dtype == object:
            h.update("\x1f".join(map(repr, values)).encode())
        else:
            h.update(np.ascontiguousarray(values).tobytes())
    return h.hexdigest()


def run_digest(tables: Any) -> dict[str, str]:
    out = {"rounds": frame_digest(tables.rounds), "actors": frame_digest(tables.actors),
           "events": hashlib.sha256("\n".join(tables.events).encode()).hexdigest()}
    for name in sorted(tables.extra):
        out[f"extra:{name}"] = frame_digest(tables.extra[name])
    return out


def sweep_digest(out: Path) -> dict[str, str]:
    """Digests of every exported table of a finished sweep (run timings dropped)."""
    from sweep.tables import export

    got = {}
    for what in ("runs", "outcomes", "rounds", "actors", "stats"):
        path, _ = export(out, what, "parquet", out / f"export-{what}.parquet")
        frame = pd.read_parquet(path)
        if what == "runs":
            frame = frame.drop(columns="wall_s")
        got[what] = frame_digest(frame)
    return got


def run_sweep_case(name: str, out: Path, executor: str = "serial", workers: int = 1,
                   share: bool = True) -> dict[str, str]:
    from sweep.runner import run_sweep
    from sweep.spec import load_sweep

    path = out.parent / f"{name}.toml"
    path.write_text(SWEEP_CASES[name].format(
        scenario=ROOT / "configs" / "coalition_of_the_willing.toml"), encoding="utf-8")
    run_sweep(load_sweep(path), out, executor=executor, workers=workers, quiet=True,
              log=lambda m: None, share_bargaining=share)
    return sweep_digest(out)


def main() -> None:
    import tempfile

    from inputs.scenario_file import default_scenario
    from model.run import run_one

    result: dict[str, Any] = {"runs": {}, "sweeps": {}}
    for label, params, seed in RUN_CASES:
        result["runs"][label] = run_digest(run_one(params, seed, scenario=default_scenario()))
    with tempfile.TemporaryDirectory() as tmp:
        for name in SWEEP_CASES:
            result["sweeps"][name] = run_sweep_case(name, Path(tmp) / name)
    DIGESTS.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {DIGESTS}", file=sys.stderr)


if __name__ == "__main__":
    main()

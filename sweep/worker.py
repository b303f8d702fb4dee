"""What a worker process does: run a batch of runs with :func:`model.run.run_one`.

A batch carries the scenario as TOML text and its hash, so a worker on another machine needs
the package but not the file; the parsed scenario is cached per process by hash, so each
worker validates it once. Every run is wrapped: one that raises is recorded as ``failed``
with its error and the batch goes on. The results come back as small pandas tables; the
process that owns the output directory writes them.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.run import run_one
from model.scenario import Scenario, with_overrides
from model.tables import RunTables
from sweep.jobs import Job, Result
from sweep.spec import parse_scenario, run_seed

KEYS = ["run_id", "design_point", "replication"]
OUTCOME_SKIP = {"round"}
_SCENARIOS: dict[str, Scenario] = {}


def scenario_for(job: Job) -> Scenario:
    scenario = _SCENARIOS.get(job.scenario_hash)
    if scenario is None:
        scenario = _SCENARIOS[job.scenario_hash] = parse_scenario(job.scenario_text,
                                                                  job.scenario_label)
    return scenario


def _scenario_at(base: Scenario, params: dict[str, Any], cache: dict) -> Scenario:
    """The scenario with a design point's values applied, validated once per design point
    (replications of a point usually share a batch)."""
    key = tuple(sorted(params.items()))
    if key not in cache:
        cache.clear()
        cache[key] = with_overrides(base, params, origin="parameters")
    return cache[key]


def outcome_row(tables: RunTables, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A run's outcomes: every numeric column of its final round, then of the one-row
    ``extra["outcomes"]`` table if the model gives one. A name already taken (by a swept
    parameter, or by a round column) gets the prefix ``outcome_``: the final-round
    ``us_backstop`` of a sweep over ``us_backstop`` is ``outcome_us_backstop``."""
    taken = set(params or ())
    row: dict[str, Any] = {}

    def put(name: str, value: Any) -> None:
        row[f"outcome_{name}" if name in taken or name in row else name] = value

    last = tables.rounds.iloc[-1]
    for c in tables.rounds.columns:
        if c not in OUTCOME_SKIP and pd.api.types.is_numeric_dtype(tables.rounds[c]):
            put(c, last[c])
    extra = tables.extra.get("outcomes")
    if extra is not None and len(extra):
        for c in extra.columns:
            if pd.api.types.is_numeric_dtype(extra[c]):
                put(c, extra[c].iloc[0])
    return row


class _ForgetModels:
    """Mesa 3.3 keeps every model alive in ``Agent._ids`` (a class-level dict of unique-id
    counters keyed by model), about 0.25 MB a run here; a worker that runs thousands would
    grow without end. This drops the keys a run added (Mesa 3.5 no longer has the dict)."""

    def __init__(self) -> None:
        import mesa

        ids = getattr(mesa.Agent, "_ids", None)
        self.ids = ids if isinstance(ids, dict) else None
        self.before: set[int] = set()

    def __enter__(self) -> _ForgetModels:
        if self.ids is not None:
            self.before = {id(k) for k in self.ids}
        return self

    def __exit__(self, *exc: object) -> None:
        if self.ids is not None:
            for key in [k for k in self.ids if id(k) not in self.before]:
                del self.ids[key]


def _final(table: pd.DataFrame) -> pd.DataFrame:
    if "round" in table.columns and len(table):
        return table[table["round"] == table["round"].max()]
    return table


def _stack(frames: list[pd.DataFrame], keys: list[tuple[int, int, int]]) -> pd.DataFrame:
    """One table of many runs, led by run_id, design_point, replication (added once, not per
    run: pandas costs more per call than per row here)."""
    lengths = [len(f) for f in frames]
    table = pd.concat(frames, ignore_index=True)
    cols = np.array(keys, dtype=np.int64).reshape(-1, 3)
    for i, name in reversed(list(enumerate(KEYS))):
        table.insert(0, name, np.repeat(cols[:, i], lengths))
    return table


def run_batch(job: Job, run_fn: Any = None) -> Result:
    """Run every run of ``job``; ``run_fn`` (default :func:`run_one`) is for tests."""
    custom = run_fn is not None
    scenario = scenario_for(job)
    runs, outcomes = [], []
    pieces: dict[str, tuple[list[pd.DataFrame], list[tuple[int, int, int]]]] = {}

    def keep(name: str, table: pd.DataFrame, keys: tuple[int, int, int]) -> None:
        frames, owners = pieces.setdefault(name, ([], []))
        frames.append(_final(table) if job.every == "final" else table)
        owners.append(keys)

    points: dict = {}
    for run_id, point, rep, params in job.runs:
        seed = run_seed(job.seed, run_id, job.replications, job.crn)
        keys = (run_id, point, rep)
        t0 = time.perf_counter()
        try:
            with _ForgetModels():
                if custom:
                    tables = run_fn(params, seed, scenario=scenario, rounds=job.rounds)
                else:  # the same run, with the point's scenario validated once
                    tables = run_one({}, seed, scenario=_scenario_at(scenario, params, points),
                                     rounds=job.rounds)
            status, error = "ok", ""
        except Exception as exc:  # a failing run is recorded; the sweep goes on
            status = "failed"
            error = " ".join(f"{type(exc).__name__}: {exc}".split())[:1000]
        wall = time.perf_counter() - t0
        runs.append({"run_id": run_id, "design_point": point, "replication": rep,
                     "seed": seed, **params, "status": status, "wall_s": wall, "error": error})
        if status != "ok":
            continue
        outcomes.append({"run_id": run_id, "design_point": point, "replication": rep,
                         **params, **outcome_row(tables, params)})
        keep("rounds", tables.rounds, keys)
        if job.actors:
            keep("actors", tables.actors, keys)
        for name, table in tables.extra.items():
            if name != "outcomes":
                keep(f"x_{name}", table, keys)
    tables = {"runs": pd.DataFrame(runs)}
    if outcomes:
        tables["outcomes"] = pd.DataFrame(outcomes)
    for name, (frames, owners) in pieces.items():
        tables[name] = _stack(frames, owners)
    failed = sum(r["status"] != "ok" for r in runs)
    return Result(job.batch, runs=len(runs), failed=failed,
                  tables={name: _parquet(t) for name, t in tables.items()})


def _parquet(table: pd.DataFrame) -> bytes:
    """The Parquet file of a table, as bytes: the runner's process only writes them out."""
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), sink)
    return sink.getvalue().to_pybytes()

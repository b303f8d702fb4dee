"""What travels between the sweep runner and its workers: a :class:`Job` (a batch of runs)
and its :class:`Result` (each table as the bytes of a Parquet file). This module is light
(no Mesa, no pandas, no pyarrow): the runner's process imports it, and only the workers
import :mod:`sweep.worker` and the model (through :mod:`sweep.batch`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Job:
    batch: int
    scenario_text: str
    scenario_hash: str
    scenario_label: str
    seed: int
    replications: int
    crn: bool
    rounds: int | None
    every: str
    actors: bool
    runs: list[tuple[int, int, int, dict[str, Any]]]  # run_id, design_point, replication, params


@dataclass
class Result:
    batch: int
    runs: int = 0
    failed: int = 0
    tables: dict[str, bytes] = field(default_factory=dict)  # Parquet files: runs, rounds, ...

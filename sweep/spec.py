"""Sweep files: what to vary, how to sample it, how many replications, what to keep.

A sweep file is TOML validated with pydantic; every problem becomes one
:class:`~model.errors.InputError` line ``FILE: key.path: message``. The design (the table of
design points) and the per-run seeds are pure functions of the file, so a resumed or
distributed sweep recomputes exactly the same plan.

- a list is a set of grid values (``mechanism = ["eum", "compromise"]``), a scalar a fixed
  value, a table ``{ low = 0.0, high = 1.0 }`` a range;
- ``from_scenario = true`` adds every parameter the scenario gives a ``range`` (those the
  file itself lists keep the file's values);
- ``design.method = "grid"``: ranges are cut into ``levels`` evenly spaced values and
  every combination is run; ``lhs``, ``sobol``, ``morris``: ranges are sampled (SALib) and the
  sample is crossed with every combination of the list values;
- run ``r`` of design point ``d`` has ``run_id = d * replications + r`` and its seed comes from
  ``numpy.random.SeedSequence(seed).spawn(n_runs)[run_id]``; with common random numbers,
  from ``SeedSequence(seed).spawn(replications)[r]``, the same at every design point.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from inputs.scenario_file import read_toml
from model.errors import InputError
from model.run import run_seed
from model.scenario import (
    Scenario,
    _describe,
    _dotted,
    scenario_errors,
    with_overrides,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
Scalar = str | int | float | bool


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RangeSpec(_Strict):
    """A range to sample: ``{ low = 0.0, high = 1.0 }`` (``levels``: points on a grid)."""

    low: float
    high: float
    levels: Annotated[int, Field(ge=2)] | None = None


class DesignSpec(_Strict):
    method: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: Annotated[int, Field(ge=1)] = 64
    levels: Annotated[int, Field(ge=2)] = 5
    morris_levels: Annotated[int, Field(ge=2)] = 4
    second_order: bool = False
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None  # as negotiate --seed


class OutputSpec(_Strict):
    every: Literal["round", "final"] = "round"
    actors: bool = True


class SweepFile(_Strict):
    name: str = ""
    description: str = ""
    scenario: str | None = None
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    replications: Annotated[int, Field(ge=1)] = 1
    common_random_numbers: bool | None = None
    rounds: Annotated[int, Field(ge=0, le=100_000)] | None = None
    from_scenario: bool = False
    parameters: dict[str, Any] = Field(default_factory=dict)
    design: DesignSpec = Field(default_factory=DesignSpec)
    output: OutputSpec = Field(default_factory=OutputSpec)


@dataclass(frozen=True)
class Param:
    """One swept key: grid ``values``, or a range ``low``..``high`` of ``kind`` float|int."""

    key: str
    values: tuple | None = None
    low: float | None = None
    high: float | None = None
    levels: int | None = None
    kind: str = "float"

    @property
    def is_range(self) -> bool:
        return self.values is None


@dataclass
class Sweep:
    """A validated sweep file with its scenario (text, hash) and parameters."""

    path: Path
    spec: SweepFile
    params: list[Param]
    scenario_path: Path
    scenario_text: str
    scenario: Scenario
    file_hash: str
    scenario_hash: str
    variant: str = ""  # e.g. "sobol design, 64 samples" when sensitivity changes the design
    _design: Design | None = field(default=None, repr=False)

    @property
    def crn(self) -> bool:
        return bool(self.spec.common_random_numbers)

    @property
    def design(self) -> Design:
        if self._design is None:
            self._design = build_design(self)
        return self._design

    @property
    def n_runs(self) -> int:
        return self.design.n_points * self.spec.replications

    def run_seed(self, run_id: int) -> int:
        return run_seed(self.spec.seed, run_id, self.spec.replications, self.crn)

    def describe(self) -> list[str]:
        d, spec = self.design, self.spec
        parts = []
        for p in self.params:
            if p.is_range:
                how = (f"{p.levels or spec.design.levels} levels" if spec.design.method == "grid"
                       else "sampled")
                parts.append(f"{p.key} in [{_num(p.low)}, {_num(p.high)}] ({how})")
            else:
                n = len(p.values)
                parts.append(f"{p.key} = {p.values[0]!r}" if n == 1 else f"{p.key}: {n} values")
        crn = " (common random numbers)" if self.crn else ""
        return [
            f"{self.path}: ok",
            f"scenario: {self.scenario_path} (sha256 {self.scenario_hash[:12]})",
            f"design: {spec.design.method}, {d.n_points} design points"
            + (f" ({'; '.join(parts)})" if parts else ""),
            f"replications: {spec.replications}{crn}, seed {spec.seed}",
            f"runs: {self.n_runs}",
        ]


def _num(x: float) -> str:
    return f"{x:g}"


@dataclass
class Design:
    """The design points: ``rows`` of values for ``columns`` (one per parameter), as plain
    Python values so that the runner's process needs no pandas; ``table`` and ``arrow()``
    give them with ``design_point`` as the first column.

    For sampled designs, ``problem`` is the SALib problem over the ranges, ``raw`` the
    sample as SALib drew it (before integer ranges are floored), and the rows are ``blocks``
    repetitions of it, one per combination of the list values (block-major).
    """

    columns: list[str]
    rows: list[tuple]
    kinds: dict[str, str]
    problem: dict | None = None
    raw: np.ndarray | None = None
    blocks: int = 1
    _table: Any = field(default=None, repr=False)

    @property
    def n_points(self) -> int:
        return len(self.rows)

    @property
    def block_size(self) -> int:
        return self.n_points // self.blocks if self.blocks else 0

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def arrow(self):
        import pyarrow as pa

        types = {"int": pa.int64(), "float": pa.float64(), "str": pa.string(),
                 "bool": pa.bool_()}
        arrays = {"design_point": pa.array(range(self.n_points), type=pa.int64())}
        for i, c in enumerate(self.columns):
            arrays[c] = pa.array([row[i] for row in self.rows], type=types[self.kinds[c]])
        return pa.table(arrays)

    @property
    def table(self):
        """A pandas DataFrame (imports pandas)."""
        if self._table is None:
            self._table = self.arrow().to_pandas()
        return self._table


# -- seeds: model.run.run_seed (the core's, so the record's scores share it) -----------


# -- loading -----------------------------------------------------------------------------
def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _resolve_scenario(path: Path, given: str | None) -> Path:
    if given is None:
        from inputs.resources import DEFAULT_SCENARIO

        return Path(DEFAULT_SCENARIO)
    p = Path(given).expanduser()
    if p.is_absolute():
        candidates = [p]
    else:
        from inputs.resources import CONFIGS

        candidates = [path.parent / p, Path.cwd() / p, PROJECT_ROOT / p]
        if p.parts and p.parts[0] == CONFIGS.name:  # written from the repository root
            candidates.append(CONFIGS.joinpath(*p.parts[1:]))
    for c in candidates:
        if c.is_file():
            return c.resolve()
    raise InputError(f"{path}: scenario: no such file {given!r} (looked next to the sweep file, "
                     "in the current directory and in the project)")


def _first_error(exc: ValidationError) -> tuple[tuple, str]:
    """The error to report: a misspelt key first (it usually explains a missing one)."""
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    return _describe(errors[0])


def _flatten(raw: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``{"actors": {"DE": {"salience": [..]}}}`` -> ``[("actors.DE.salience", [..])]``;
    a table with ``low`` or ``high`` is a range, not a level of nesting."""
    out = []
    for key, value in raw.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and value and not ({"low", "high"} & set(value)):
            out.extend(_flatten(value, f"{full}."))
        else:
            out.append((full, value))
    return out


def _get_path(scenario: Scenario, key: str) -> Any:
    node: Any = scenario
    parts = key.split(".")
    if len(parts) == 1:
        parts = ["parameters", *parts]
    for part in parts:
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def _check_value(where: str, scenario: Scenario, key: str, value: Any) -> Any:
    """Validate ``key = value`` against the scenario; return the value as the model reads it
    (``0`` for a float field comes back as ``0.0``)."""
    try:
        changed = with_overrides(scenario, {key: value}, origin="\x00")
    except InputError as exc:
        msg = str(exc).removeprefix("\x00: ")
        first, sep, rest = msg.partition(": ")
        raise InputError(f"{where}: {rest if sep else first}") from None
    return _get_path(changed, key)


def _check_key(where: str, scenario: Scenario, key: str) -> None:
    parts = key.split(".")
    if len(parts) == 1:
        if key not in type(scenario.parameters).model_fields:
            names = ", ".join(type(scenario.parameters).model_fields)
            raise InputError(f"{where}: unknown key (model parameters: {names}; actor "
                             "attributes: actors.CODE.attribute)")
        return
    if parts[0] == "actors" and len(parts) > 1 and parts[1] not in scenario.actors:
        raise InputError(f"{where}: unknown actor {parts[1]!r} in the scenario")
    try:
        _get_path(scenario, key)
    except (AttributeError, KeyError, TypeError):
        raise InputError(f"{where}: unknown key") from None


def _parse_param(path: Path, scenario: Scenario, key: str, value: Any) -> Param:
    where = f"{path}: parameters.{key}"
    _check_key(where, scenario, key)
    if isinstance(value, dict):
        if not value:
            raise InputError(f"{where}: empty table (give a list of values or low and high)")
        try:
            rng = RangeSpec.model_validate(value)
        except ValidationError as exc:
            loc, msg = _first_error(exc)
            raise InputError(f"{where}.{_dotted(loc)}: {msg}") from None
        if not rng.low < rng.high:
            raise InputError(f"{where}: low ({_num(rng.low)}) must be below high "
                             f"({_num(rng.high)})")
        lows = []
        for end, x in (("low", rng.low), ("high", rng.high)):
            x = int(x) if float(x).is_integer() else x
            lows.append(_check_value(f"{where}.{end}", scenario, key, x))
        kind = lows[0]
        if isinstance(kind, bool) or not isinstance(kind, int | float):
            raise InputError(f"{where}: a range needs a numeric parameter; give a list of values")
        if isinstance(kind, int):
            if not (float(rng.low).is_integer() and float(rng.high).is_integer()):
                raise InputError(f"{where}: an integer parameter needs whole low and high")
            return Param(key, low=rng.low, high=rng.high, levels=rng.levels, kind="int")
        return Param(key, low=rng.low, high=rng.high, levels=rng.levels, kind="float")
    values = value if isinstance(value, list) else [value]
    if not values:
        raise InputError(f"{where}: empty list")
    checked = []
    for k, v in enumerate(values):
        if not isinstance(v, Scalar):
            raise InputError(f"{where}[{k}]: expected a number, string or boolean, got {v!r}")
        checked.append(_check_value(f"{where}[{k}]" if len(values) > 1 else where, scenario,
                                    key, v))
    kinds = {type(v) for v in checked}
    kind = "str" if str in kinds else "bool" if kinds == {bool} else \
        "int" if kinds == {int} else "float"
    if kind == "float":
        checked = [float(v) for v in checked]
    return Param(key, values=tuple(checked), kind=kind)


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file and its scenario; problems raise a one-line InputError.

    ``path`` may also name a sweep shipped with the model (``small``, see
    :func:`inputs.resources.sweep_file`)."""
    from inputs.resources import sweep_file

    path = sweep_file(path)
    raw = read_toml(path)
    try:
        spec = SweepFile.model_validate(raw)
    except ValidationError as exc:
        loc, msg = _first_error(exc)
        raise InputError(f"{path}: {_dotted(loc)}: {msg}") from None
    scenario_path = _resolve_scenario(path, spec.scenario)
    text = scenario_path.read_text(encoding="utf-8")
    scenario = parse_scenario(text, str(scenario_path))
    seen: dict[str, str] = {}
    params = []
    for key, value in _flatten(spec.parameters):
        norm = key.removeprefix("parameters.")
        if norm in seen:
            raise InputError(f"{path}: parameters.{key}: given twice (also as {seen[norm]})")
        seen[norm] = key
        params.append(_parse_param(path, scenario, norm, value))
    if spec.from_scenario:  # every ranged parameter of the scenario, unless given here
        for key, (lo, hi) in scenario.parameter_ranges.items():
            if key in seen or not lo < hi:
                continue
            params.append(_parse_param(path, scenario, key, {"low": lo, "high": hi}))
    _check_design(str(path), spec.design, params)
    return Sweep(path=path, spec=spec, params=params, scenario_path=scenario_path,
                 scenario_text=text, scenario=scenario, file_hash=file_hash(path),
                 scenario_hash=hashlib.sha256(text.encode("utf-8")).hexdigest())


def _check_design(where: str, d: DesignSpec, params: list[Param],
                  samples_key: str = "design.samples") -> None:
    if d.method in ("sobol", "morris", "lhs") and not any(p.is_range for p in params):
        raise InputError(f"{where}: design.method: {d.method} samples ranges, and no parameter "
                         "is a range (write e.g. us_backstop = { low = 0.0, high = 1.0 })")
    if d.method == "sobol" and d.samples & (d.samples - 1):
        lo = 1 << (d.samples.bit_length() - 1)
        raise InputError(f"{where}: {samples_key}: Sobol sampling needs a power of 2, got "
                         f"{d.samples} (try {lo} or {lo * 2})")


def with_design(sweep: Sweep, method: str, samples: int | None = None) -> Sweep:
    """The same sweep with another sampled design (for sensitivity analysis). Common random
    numbers are on unless the file turns them off, so that a parameter the model ignores
    gets an index of exactly zero rather than the noise between seeds."""
    if samples is not None and samples < 1:
        raise InputError(f"--samples: must be >= 1, got {samples}")
    design = sweep.spec.design.model_copy(
        update={"method": method, "samples": samples or sweep.spec.design.samples})
    crn = True if sweep.spec.common_random_numbers is None else sweep.spec.common_random_numbers
    _check_design(str(sweep.path), design, sweep.params,
                  samples_key="design.samples" if samples is None else "--samples")
    spec = sweep.spec.model_copy(update={"design": design, "common_random_numbers": crn})
    tag = f"{sweep.file_hash}|{method}|{design.samples}|crn={crn}"
    return Sweep(path=sweep.path, spec=spec, params=sweep.params,
                 scenario_path=sweep.scenario_path, scenario_text=sweep.scenario_text,
                 scenario=sweep.scenario, file_hash=hashlib.sha256(tag.encode()).hexdigest(),
                 scenario_hash=sweep.scenario_hash,
                 variant=f"{method} design with {design.samples} samples")


def parse_scenario(text: str, label: str) -> Scenario:
    """A scenario from TOML text (as a worker receives it); one-line InputError if invalid."""
    import tomllib

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{label}: not valid TOML: {exc}") from None
    scenario, lines = scenario_errors(raw)
    if lines:
        raise InputError(f"{label}: {lines[0]}")
    assert scenario is not None
    return scenario


# -- the design --------------------------------------------------------------------------
def salib_problem(ranges: list[Param]) -> dict:
    """Integer ranges are sampled on [low, high + 1) and floored, so each value is as likely."""
    return {
        "num_vars": len(ranges),
        "names": [p.key for p in ranges],
        "bounds": [[p.low, p.high + 1 if p.kind == "int" else p.high] for p in ranges],
    }


def _sample(sweep: Sweep, problem: dict) -> np.ndarray:
    d = sweep.spec.design
    seed = sweep.spec.seed if d.seed is None else d.seed
    if d.method == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, d.samples, seed=seed)
    if d.method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, d.samples, calc_second_order=d.second_order, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, d.samples, num_levels=d.morris_levels, seed=seed)


def _as_kind(value: float, p: Param) -> int | float:
    if p.kind == "int":
        return int(min(math.floor(value), p.high))
    return float(value)


def build_design(sweep: Sweep) -> Design:
    d = sweep.spec.design
    lists = [p for p in sweep.params if not p.is_range]
    ranges = [p for p in sweep.params if p.is_range]
    order = [p.key for p in lists] + [p.key for p in ranges]
    where = [order.index(p.key) for p in sweep.params]  # back to the file's order
    combos = list(itertools.product(*(p.values for p in lists)))
    problem = raw = None
    if d.method == "grid":
        axes = []
        for p in ranges:
            pts = np.linspace(p.low, p.high, p.levels or d.levels)
            axes.append(sorted({int(round(x)) for x in pts}) if p.kind == "int"
                        else [float(x) for x in pts])
        points = list(itertools.product(*axes))
    else:
        problem = salib_problem(ranges)
        raw = _sample(sweep, problem)
        points = [tuple(_as_kind(x, p) for x, p in zip(row, ranges, strict=True)) for row in raw]
    rows = []
    for combo in combos:
        for point in points:
            values = (*combo, *point)
            rows.append(tuple(values[i] for i in where))
    return Design(columns=[p.key for p in sweep.params], rows=rows,
                  kinds={p.key: p.kind for p in sweep.params}, problem=problem, raw=raw,
                  blocks=len(combos) if d.method != "grid" else 1)


def batches(run_ids: list[int], size: int) -> list[list[int]]:
    """Cut sorted run ids into batches of at most ``size`` that never span a gap, so that
    every part of a sweep covers an interval of run ids disjoint from the others'."""
    out: list[list[int]] = []
    current: list[int] = []
    for rid in run_ids:
        if current and (rid != current[-1] + 1 or len(current) >= size):
            out.append(current)
            current = []
        current.append(rid)
    if current:
        out.append(current)
    return out


def auto_batch_size(n_runs: int, workers: int) -> int:
    """Several runs per task (start-up and transfer costs stay small: a task of 32 runs of the
    default scenario takes about half a second), at least about four tasks per worker so
    that the last ones balance, and at most 32 runs, which bounds a worker's memory."""
    return max(1, min(32, math.ceil(n_runs / max(1, workers * 4))))

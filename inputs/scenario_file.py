"""Scenario files: UTF-8 TOML (standard-library ``tomllib``) parsed into the core's
:class:`model.scenario.Scenario`, cached by path and modification time; ladder variants
(a ``[ceasefire]`` section of their own) and the shipped default scenario."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

from model.errors import InputError
from model.scenario import CeasefireSpec, Scenario, scenario_errors


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; a missing or malformed file raises a one-line InputError."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def validate_file(path: str | Path) -> list[str]:
    """Every problem in a scenario file as ``FILE: key.path: message`` lines ([] if fine)."""
    try:
        raw = read_toml(path)
    except InputError as exc:
        return [str(exc)]
    _, lines = scenario_errors(raw)
    return [f"{path}: {line}" for line in lines]


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario; the first problem raises a one-line InputError.

    Parsed scenarios are cached by path and modification time (a ``Scenario`` is frozen),
    so many runs in one process read and validate the file once.
    """
    path = Path(path)
    try:
        stamp = path.resolve().stat().st_mtime_ns
    except OSError:
        raise InputError(f"{path}: no such file") from None
    return _load_scenario(path.resolve(), stamp, str(path))


@functools.lru_cache(maxsize=32)
def _load_scenario(resolved: Path, stamp: int, shown: str) -> Scenario:
    path = shown
    raw = read_toml(resolved)
    scenario, lines = scenario_errors(raw)
    if lines:
        more = (f" (and {len(lines) - 1} more; run `negotiate validate {path}`)"
                if len(lines) > 1 else "")
        raise InputError(f"{path}: {lines[0]}{more}")
    assert scenario is not None
    return scenario


def load_ladder(path: str | Path) -> CeasefireSpec:
    """The ``[ceasefire]`` section of a TOML file (a ladder variant); one-line errors."""
    from pydantic import ValidationError

    raw = read_toml(path)
    if "ceasefire" not in raw:
        raise InputError(f"{path}: no [ceasefire] section")
    try:
        return CeasefireSpec.model_validate(raw["ceasefire"])
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in ("ceasefire", *err["loc"]))
        raise InputError(f"{path}: {loc}: {err['msg']}") from None


def with_ladder(scenario: Scenario, path: str | Path) -> Scenario:
    """``scenario`` with its ``[ceasefire]`` replaced by the one in ``path``."""
    spec = load_ladder(path)
    raw = scenario.model_dump(mode="python")
    raw["ceasefire"] = spec.model_dump(mode="python")
    checked, lines = scenario_errors(raw)  # cross-references: actor codes in the variant
    if checked is None:
        raise InputError(f"{path}: {lines[0]}")
    return checked


def default_scenario() -> Scenario:
    """The shipped scenario, the coalition of the willing (``resources.DEFAULT_SCENARIO``)."""
    from inputs.resources import DEFAULT_SCENARIO

    return load_scenario(DEFAULT_SCENARIO)

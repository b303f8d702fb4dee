"""Scenario files: UTF-8 TOML (standard-library ``tomllib``) parsed into the core's
:class:`model.scenario.Scenario`, cached by path and modification time; ladder variants
(a ``[ceasefire]`` section of their own) and the shipped default scenario."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

from model.errors import InputError
from model.scenario import CeasefireSpec, Scenario, ceasefire_errors, scenario_errors

MAX_NESTING = 32  # arrays and inline tables inside each other; the scenario needs 3


def _nesting(text: str) -> tuple[int, int]:
    """The deepest nesting of ``[`` and ``{`` outside strings and comments, and its line.

    A scan before parsing: ``tomllib`` recurses once per level and a file of a few thousand
    brackets would end in a RecursionError."""
    depth = deepest = 0
    line = where = 1
    k, n = 0, len(text)
    while k < n:
        ch = text[k]
        if ch == "\n":
            line += 1
        elif ch == "#":
            while k < n and text[k] != "\n":
                k += 1
            continue
        elif ch in "\"'":
            quote = text[k:k + 3] if text[k:k + 3] in ('"""', "'''") else ch
            k += len(quote)
            while k < n and not text.startswith(quote, k):
                if text[k] == "\\" and quote[0] == '"':
                    k += 1
                elif text[k] == "\n":
                    if len(quote) == 1:
                        break  # an unclosed string: the parser will say so
                    line += 1
                k += 1
            k += len(quote)
            continue
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest, where = depth, line
        elif ch in "]}":
            depth = max(depth - 1, 0)
        k += 1
    return deepest, where


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a UTF-8 TOML file; a missing, unreadable, non-UTF-8, malformed or too deeply
    nested file raises a one-line InputError naming the line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"{path}: line {line}, column {column}: not UTF-8 (byte "
                         f"0x{data[exc.start]:02x}); save the file as UTF-8") from None
    deepest, line = _nesting(text)
    if deepest > MAX_NESTING:
        raise InputError(f"{path}: line {line}: arrays or tables nested {deepest} deep, "
                         f"more than {MAX_NESTING}")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:  # pragma: no cover - the scan above refuses it first
        raise InputError(f"{path}: nested too deep to parse") from None


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
    raw = read_toml(path)
    if "ceasefire" not in raw:
        raise InputError(f"{path}: no [ceasefire] section")
    spec, lines = ceasefire_errors(raw["ceasefire"])
    if spec is None:
        raise InputError(f"{path}: {lines[0]}")
    return spec


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

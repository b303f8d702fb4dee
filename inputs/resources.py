"""Where the model's input files are: the ``configs`` package, in a checkout or a wheel.

The default scenario, the ceasefire ladder variants (``configs/ladder_variants/``), the
record (``configs/record/``) and the sweep examples (``configs/sweeps/``) are package data,
read through :mod:`importlib.resources`, so ``negotiate run`` works from any directory after
``pip install coalition_negotiation-….whl`` as it does in the repository. Command-line
arguments that name one of these files are resolved here: an existing path first, else a
name (``no_us_rung``, ``no_us_rung.toml``) or a path written from the repository root
(``configs/ladder_variants/no_us_rung.toml``) looked up in the package.
"""

from __future__ import annotations

import atexit
import contextlib
from importlib import resources
from pathlib import Path

from model.errors import InputError

PACKAGE = "configs"
LADDERS = "ladder_variants"
SWEEPS = "sweeps"
RECORD = "record"

_files = contextlib.ExitStack()
atexit.register(_files.close)


def config_path(*parts: str) -> Path:
    """A file or folder of the ``configs`` package as a filesystem path.

    Installed wheels and checkouts are on disk, so this is the file itself; from a zipped
    package it is a temporary copy kept until the process exits.
    """
    ref = resources.files(PACKAGE).joinpath(*parts)
    if isinstance(ref, Path):
        return ref
    return Path(_files.enter_context(resources.as_file(ref)))


CONFIGS: Path = config_path()
DEFAULT_SCENARIO: Path = config_path("coalition_of_the_willing.toml")


def names(folder: str, suffix: str = ".toml") -> list[str]:
    """The files of a ``configs`` sub-folder, by name without the suffix."""
    base = config_path(folder) if folder else CONFIGS
    if not base.is_dir():
        return []
    return sorted(p.name.removesuffix(suffix) for p in base.iterdir()
                  if p.is_file() and p.name.endswith(suffix))


def resolve(given: str | Path, folder: str, what: str, suffix: str = ".toml") -> Path:
    """``given`` as a file: an existing path, else a file of ``configs/<folder>``.

    ``given`` may be a path relative to the current directory, a path written from the
    repository root (``configs/...``), or a bare name with or without ``suffix``. An unknown
    name raises :class:`InputError` listing the names on offer.
    """
    path = Path(given).expanduser()
    if path.is_file():
        return path
    base = config_path(folder) if folder else CONFIGS
    parts = path.parts
    candidates = []
    if parts and parts[0] == PACKAGE:  # written from the repository root
        candidates.append(CONFIGS.joinpath(*parts[1:]))
    if len(parts) == 1:
        candidates += [base / path.name, base / f"{path.name}{suffix}"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    offered = ", ".join(names(folder, suffix)) or "none"
    raise InputError(f"{given}: no such file, nor a {what} shipped with the model "
                     f"({offered})")


def scenario_file(given: str | Path | None) -> Path:
    """The scenario to run: the default one when ``given`` is None."""
    return DEFAULT_SCENARIO if given is None else resolve(given, "", "scenario")


def ladder_file(given: str | Path) -> Path:
    """A ceasefire ladder variant: a path, or a name in ``configs/ladder_variants/``."""
    return resolve(given, LADDERS, "ladder")


def sweep_file(given: str | Path) -> Path:
    """A sweep file: a path, or a name in ``configs/sweeps/``."""
    return resolve(given, SWEEPS, "sweep")


def scenario_files() -> list[Path]:
    """The scenario files shipped at the top of ``configs/`` (ladder variants and sweep
    files live in sub-folders)."""
    return sorted(p for p in CONFIGS.glob("*.toml") if p.is_file())


def record_file(given: str | Path | None = None) -> Path:
    """A record of what happened: a path, or a name in ``configs/record/`` (the default
    record when ``given`` is None)."""
    if given is None:
        return config_path(RECORD, "coalition_2024_2026.toml")
    return resolve(given, RECORD, "record")

"""Optional dependencies: which extra a command needs, and the one line that says so.

The plain install (``pip install coalition-negotiation``) carries what ``negotiate run``,
``validate``, ``forecast``, ``score`` and ``report`` need. The live view and the sweeps
need the ``viz`` and ``sweep`` extras; a command whose extra is missing stops with one line
naming the extra to install (exit 2), not a traceback.
"""

from __future__ import annotations

import importlib.util
from importlib import metadata

from model.errors import InputError

DISTRIBUTION = "coalition-negotiation"

#: The modules each extra provides that the code imports (pyproject.toml's extras).
EXTRAS: dict[str, tuple[str, ...]] = {
    "viz": ("solara", "ipyvuetify", "ipyvue", "altair"),
    "sweep": ("pyarrow", "dask", "distributed", "SALib", "prim"),
}

#: The extra each subcommand needs (commands not listed need only the plain install).
COMMAND_EXTRAS: dict[str, str] = {"viz": "viz", "sweep": "sweep", "sensitivity": "sweep"}

_EXTRA_OF_MODULE = {module: extra for extra, modules in EXTRAS.items() for module in modules}


def install_hint(extra: str) -> str:
    return f"pip install \"{DISTRIBUTION}[{extra}]\""


def missing_modules(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (found without importing)."""
    missing = []
    for module in EXTRAS[extra]:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a blocked or half-initialised module
            found = False
        if not found:
            missing.append(module)
    return missing


def require(extra: str, command: str) -> None:
    """Raise a one-line :class:`InputError` if ``extra`` is not installed."""
    missing = missing_modules(extra)
    if missing:
        raise InputError(f"negotiate {command} needs the {extra} extra (missing: "
                         f"{', '.join(missing)}): {install_hint(extra)}")


def require_for(command: str) -> None:
    """:func:`require` the extra of a subcommand, if it has one."""
    extra = COMMAND_EXTRAS.get(command)
    if extra is not None:
        require(extra, command)


def explain_missing(exc: ModuleNotFoundError, command: str) -> str | None:
    """The one line for an import of an optional module that failed, or None when the
    module belongs to no extra (a real bug, to be shown as such)."""
    top = (exc.name or "").partition(".")[0]
    extra = _EXTRA_OF_MODULE.get(top)
    if extra is None:
        return None
    return (f"negotiate {command} needs the {extra} extra (missing: {top}): "
            f"{install_hint(extra)}")


def version_line() -> str:
    """``coalition-negotiation 0.1.0 (Mesa 3.3.1, Python 3.11.7)``, from the package
    metadata (no import of Mesa); a source tree that is not installed reads pyproject.toml."""
    import platform

    try:
        own = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        own = _source_version()
    try:
        mesa = metadata.version("mesa")
    except metadata.PackageNotFoundError:
        mesa = "not installed"
    return f"{DISTRIBUTION} {own} (Mesa {mesa}, Python {platform.python_version()})"


def _source_version() -> str:
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        version = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"
    return f"{version} (source tree, not installed)"

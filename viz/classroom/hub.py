"""The server's one :class:`ClassHub` and what ``negotiate class`` passed to it at start-up.

Module-level on purpose: every page of the class, in every virtual kernel, reads the same
hub (one server process, ``solara run --production``: no reload that would re-create it).
The scenario list is the project's scenarios plus the TOML files in the folder the teacher
named at start-up; a page only ever sends a *name* from that list, never a path.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from inputs.scenario_file import load_scenario
from model.errors import InputError
from model.scenario import Scenario
from viz.classroom.session import ClassError, ClassHub

KEY_ENV = "NEGOTIATE_CLASS_KEY"
URL_ENV = "NEGOTIATE_CLASS_URL"
SCENARIO_DIR_ENV = "NEGOTIATE_CLASS_SCENARIO_DIR"
SCENARIO_ENV = "NEGOTIATE_CLASS_SCENARIO"
EXPORT_DIR_ENV = "NEGOTIATE_CLASS_EXPORT_DIR"

HUB = ClassHub(os.environ.get(KEY_ENV) or None)


def student_url() -> str:
    return os.environ.get(URL_ENV, "http://localhost:8765/")


def export_dir() -> Path:
    return Path(os.environ.get(EXPORT_DIR_ENV) or Path.cwd() / "class-sessions")


def _is_scenario(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    return "[actors." in text and "[[rounds]]" in text


def scenario_files() -> dict[str, Path]:
    """Label → file: the one named on the command line, the project's ``configs/``, then
    the teacher's folder (labels prefixed with the folder's name when they clash)."""
    from inputs.resources import CONFIGS

    files: dict[str, Path] = {}
    given = os.environ.get(SCENARIO_ENV)
    if given:
        files[Path(given).stem] = Path(given)
    for path in sorted(CONFIGS.glob("*.toml")):
        if _is_scenario(path):
            files.setdefault(path.stem, path)
    folder = os.environ.get(SCENARIO_DIR_ENV)
    if folder:
        for path in sorted(Path(folder).glob("*.toml")):
            if _is_scenario(path):
                label = path.stem if path.stem not in files else f"{Path(folder).name}/{path.stem}"
                files.setdefault(label, path)
    return files


@lru_cache(maxsize=32)
def _load(path: str, mtime: float) -> Scenario:
    return load_scenario(path)


def load_choice(label: str) -> Scenario:
    """The scenario behind a label of :func:`scenario_files`; anything else is refused."""
    path = scenario_files().get(str(label))
    if path is None:
        raise ClassError("Choose a scenario from the list.")
    try:
        return _load(str(path), path.stat().st_mtime)
    except (InputError, OSError):
        raise ClassError(f"The scenario {label!r} cannot be read; check it with "
                         "`negotiate validate`.") from None


def saved_sessions() -> dict[str, Path]:
    """Exported sessions in the export folder, newest first: label → session.json."""
    root = export_dir()
    found = sorted(root.glob("*/session.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    return {p.parent.name: p for p in found}

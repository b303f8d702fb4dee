"""dev/venv.py, the set-up behind the README's two commands: one environment per Python,
and an install only when pyproject.toml or the extras changed (so a second run is quick)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = """[project]
name = "x-y"
[project.optional-dependencies]
viz = ["solara"]
sweep = ["dask"]
all = ["x_y[viz,sweep]"]
test = ["x-y[all]", "pytest"]
"""


@pytest.fixture
def venv_py(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_file_location("dev_venv", ROOT / "dev" / "venv.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    monkeypatch.setattr(mod, "ROOT", tmp_path)
    calls: list[list[str]] = []

    def fake_run(cmd, *args, **kwargs):
        calls.append([str(c) for c in cmd])
        ok = not (mod.FAIL and "install" in cmd)
        return subprocess.CompletedProcess(cmd, 0 if ok else 1, b"", b"")

    mod.FAIL = False
    monkeypatch.setattr(mod.subprocess, "run", fake_run)
    mod.calls = calls
    return mod


def test_one_environment_per_python_version(venv_py, tmp_path):
    major, minor = sys.version_info[:2]
    assert venv_py.venv_dir(tmp_path) == tmp_path / f".venv-{major}.{minor}"


def _installs(calls: list[list[str]]) -> list[list[str]]:
    return [c for c in calls if "install" in c]


def test_installs_once_then_only_when_pyproject_or_extras_change(venv_py, tmp_path):
    venv = tmp_path / ".venv-x"
    venv.mkdir()
    venv_py.install(venv, "")
    venv_py.install(venv, "")  # the second run of the same command: no pip at all
    assert [c[-1] for c in _installs(venv_py.calls)] == ["."]
    venv_py.install(venv, "test")  # new extras
    venv_py.install(venv, "viz")  # brought by test (test > all > viz): nothing to do
    venv_py.install(venv, "")  # back to the first command: nothing to do
    assert [c[-1] for c in _installs(venv_py.calls)] == [".", ".[test]"]
    (tmp_path / "pyproject.toml").write_text(PYPROJECT + "# changed\n")
    venv_py.install(venv, "")  # pyproject.toml changed
    venv_py.install(venv, "viz")  # the new install had no extras
    assert [c[-1] for c in _installs(venv_py.calls)] == [".", ".[test]", ".", ".[viz]"]


def test_extras_expand_through_self_references(venv_py):
    assert venv_py.expand({"test"}) == {"test", "all", "viz", "sweep"}
    assert venv_py.expand(set()) == set()


def test_a_failed_install_is_retried_next_time(venv_py, tmp_path):
    venv = tmp_path / ".venv-x"
    venv.mkdir()
    venv_py.FAIL = True
    with pytest.raises(SystemExit, match="install failed"):
        venv_py.install(venv, "test")
    assert not (venv / venv_py.STAMP).exists()
    venv_py.FAIL = False
    venv_py.install(venv, "test")
    assert len(_installs(venv_py.calls)) == 2


def test_without_ensurepip_it_falls_back_to_the_system_pip(venv_py, tmp_path, monkeypatch):
    """A Debian Python without python3-venv: ``-m venv`` fails, ``--without-pip`` works, and
    the system's pip installs into the environment with ``--python``."""
    def fake_run(cmd, *args, **kwargs):
        cmd = [str(c) for c in cmd]
        venv_py.calls.append(cmd)
        no_ensurepip = cmd[1:3] == ["-m", "venv"] and "--without-pip" not in cmd
        venv_has_no_pip = cmd[0].startswith(str(tmp_path)) and cmd[1:] == ["-m", "pip",
                                                                           "--version"]
        return subprocess.CompletedProcess(cmd, 1 if no_ensurepip or venv_has_no_pip else 0)

    monkeypatch.setattr(venv_py.subprocess, "run", fake_run)
    venv = tmp_path / ".venv-x"
    venv_py.create(venv)
    assert venv_py.calls[-1][-2:] == ["--without-pip", str(venv)]
    assert venv_py.pip_command(venv) == [sys.executable, "-m", "pip", "--python",
                                         str(venv_py.venv_python(venv))]

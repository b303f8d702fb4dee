"""The package as a user gets it: a wheel that runs outside the checkout, the input files
found by name, ``--version``, and one line when an extra is missing (issue 14)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from inputs.resources import DEFAULT_SCENARIO, ladder_file, names, scenario_file, sweep_file
from model.errors import InputError
from negotiate.extras import EXTRAS

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "agents", "model", "inputs", "analysis",
           "sweep", "negotiate", "viz", "configs")


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _build_wheel(dest: Path) -> Path:
    """Build the wheel from a copy of the sources (no stale build/ of the checkout)."""
    src = dest / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        elif path.is_file():
            shutil.copy2(path, src / name)
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dest), str(src)]
    try:  # offline when this environment can build it (setuptools >= 70.1, as [test] has)
        import setuptools

        if tuple(int(x) for x in setuptools.__version__.split(".")[:2]) >= (70, 1):
            cmd.insert(4, "--no-build-isolation")
    except ImportError:
        pass
    subprocess.run(cmd, check=True, capture_output=True, timeout=300, env=_clean_env())
    (wheel,) = dest.glob("coalition_negotiation-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """The wheel installed without its dependencies in a fresh venv that borrows this
    environment's site-packages for them (a .pth line: nothing is downloaded)."""
    base = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(base)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True,
                   timeout=300, env=_clean_env())
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig."
                                "get_paths()['purelib'])"], check=True, capture_output=True,
                               text=True).stdout.strip())
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_borrowed_dependencies.pth").write_text("\n".join(sorted(borrowed)) + "\n")
    work = base / "elsewhere"  # not the checkout: nothing of it on the path
    work.mkdir()
    return {"wheel": wheel, "bin": bindir, "python": python, "site": site, "cwd": work}


def _negotiate(installed: dict[str, Path], *args: str) -> subprocess.CompletedProcess:
    exe = installed["bin"] / ("negotiate.exe" if os.name == "nt" else "negotiate")
    return subprocess.run([str(exe), *args], cwd=installed["cwd"], capture_output=True,
                          text=True, timeout=300, env=_clean_env())


def test_wheel_carries_the_input_files(installed):
    with zipfile.ZipFile(installed["wheel"]) as whl:
        files = set(whl.namelist())
    for rel in ("configs/coalition_of_the_willing.toml", "configs/ec_emissions.csv",
                "configs/ladder_variants/no_us_rung.toml", "configs/sweeps/small.toml"):
        assert rel in files
    # every input file of the checkout, whatever its kind (a new one needs a package-data
    # glob in pyproject.toml)
    shipped = {p.relative_to(ROOT).as_posix() for p in (ROOT / "configs").rglob("*")
               if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in
               p.parts}
    assert shipped <= files, f"not in the wheel: {sorted(shipped - files)}"


def test_wheel_runs_the_default_scenario_outside_the_checkout(installed):
    proc = _negotiate(installed, "run", "--quiet", "--out", "default")
    assert proc.returncode == 0, proc.stderr
    out = installed["cwd"] / "default"
    import json

    run = json.loads((out / "run.json").read_text())
    assert Path(run["scenario"]).resolve().is_relative_to(installed["site"].resolve())
    # the same tables as the checkout's model on the checkout's scenario
    from inputs.scenario_file import load_scenario
    from model.run import run_one

    here = run_one(seed=0, scenario=load_scenario(DEFAULT_SCENARIO))
    import pandas as pd

    pd.testing.assert_frame_equal(pd.read_csv(out / "rounds.csv"),
                                  pd.read_csv(_as_csv(here.rounds, out / "here.csv")),
                                  check_dtype=False)


def _as_csv(frame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def test_wheel_ladder_by_name_and_by_repository_path(installed):
    by_name = _negotiate(installed, "run", "--quiet", "--ladder", "no_us_rung", "--out", "a")
    by_path = _negotiate(installed, "run", "--quiet", "--ladder",
                         "configs/ladder_variants/no_us_rung.toml", "--out", "b")
    default = _negotiate(installed, "run", "--quiet", "--out", "c")
    assert by_name.returncode == by_path.returncode == default.returncode == 0, by_name.stderr
    env = _clean_env()
    env["PYTHONPATH"] = str(ROOT)
    in_checkout = subprocess.run([sys.executable, "-m", "negotiate", "run", "--quiet", "--ladder",
                                  "configs/ladder_variants/no_us_rung.toml"], cwd=ROOT,
                                 capture_output=True, text=True, timeout=120, env=env)
    assert by_name.stdout.splitlines()[:-1] == by_path.stdout.splitlines()[:-1]
    assert by_name.stdout.rstrip().splitlines()[:-2] == in_checkout.stdout.rstrip().splitlines()
    rungs = {d: json.loads((installed["cwd"] / d / "run.json").read_text())["ladder_rungs"]
             for d in "abc"}
    assert rungs["a"] == rungs["b"] != rungs["c"]  # the variant was used
    assert not any("US" in r for r in rungs["a"]) and any("US" in r for r in rungs["c"])
    unknown = _negotiate(installed, "run", "--ladder", "no_such_ladder")
    assert unknown.returncode == 2
    assert len(unknown.stderr.strip().splitlines()) == 1 and "no_us_rung" in unknown.stderr


def test_wheel_runs_a_shipped_sweep_by_name(installed):
    proc = _negotiate(installed, "sweep", "run", "small", "--out", "sweep", "--executor",
                      "serial", "--quiet")
    assert proc.returncode == 0, proc.stderr
    from sweep.spec import load_sweep

    n = load_sweep(ROOT / "configs" / "sweeps" / "small.toml").n_runs
    assert f"{n} of {n} runs done (0 failed)" in proc.stdout
    assert (installed["cwd"] / "sweep" / "manifest.json").is_file()


def test_wheel_version_names_package_mesa_and_python(installed):
    proc = _negotiate(installed, "--version")
    assert proc.returncode == 0
    import platform
    import tomllib
    from importlib import metadata

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert proc.stdout.strip() == (f"coalition-negotiation {version} (Mesa "
                                   f"{metadata.version('mesa')}, Python "
                                   f"{platform.python_version()})")


# -- resolving names (in the checkout) -----------------------------------------------------
def test_ladder_and_sweep_names_resolve_to_the_shipped_files():
    variant = ROOT / "configs" / "ladder_variants" / "no_us_rung.toml"
    assert ladder_file("no_us_rung").samefile(variant)
    assert ladder_file("no_us_rung.toml").samefile(variant)
    assert ladder_file("configs/ladder_variants/no_us_rung.toml").samefile(variant)
    assert sweep_file("small").samefile(ROOT / "configs" / "sweeps" / "small.toml")
    assert "no_us_rung" in names("ladder_variants")
    assert scenario_file("coalition_of_the_willing").samefile(DEFAULT_SCENARIO)
    assert scenario_file(None) == DEFAULT_SCENARIO


def test_an_existing_path_wins_over_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "no_us_rung").write_text("[ceasefire]\n")
    assert ladder_file("no_us_rung") == Path("no_us_rung")


def test_an_unknown_name_lists_what_is_shipped():
    with pytest.raises(InputError, match=r"nope: no such file, nor a sweep .*small"):
        sweep_file("nope")


# -- extras ------------------------------------------------------------------------------
def _main_without(modules: tuple[str, ...], *argv: str) -> subprocess.CompletedProcess:
    """``negotiate ARGV`` in a subprocess where ``modules`` cannot be imported."""
    code = ("import sys\n"
            f"for name in {list(modules)!r}: sys.modules[name] = None\n"
            "from negotiate.main import main\n"
            f"sys.exit(main({list(argv)!r}))\n")
    env = _clean_env()
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.mark.parametrize(("argv", "extra", "blocked"), [
    (("viz",), "viz", ("solara",)),
    (("viz", "--prepare-assets"), "viz", ("ipyvuetify",)),
    (("sweep", "run", "small", "--out", "x"), "sweep", ("pyarrow",)),
    (("sensitivity", "configs/sweeps/sensitivity.toml", "--method", "morris", "--outcome",
      "contributors"), "sweep", ("SALib",)),
])
def test_a_missing_extra_is_one_line_naming_it(argv, extra, blocked):
    proc = _main_without(blocked, *argv)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"the {extra} extra" in lines[0] and f'coalition-negotiation[{extra}]' in lines[0]
    assert blocked[0] in lines[0]


def test_an_optional_import_deeper_in_is_explained_too():
    from negotiate.extras import explain_missing

    exc = ModuleNotFoundError("No module named 'dask.distributed'", name="dask.distributed")
    assert "sweep extra" in explain_missing(exc, "sweep")
    assert explain_missing(ModuleNotFoundError("x", name="numpy"), "run") is None


def test_the_plain_install_runs_validates_and_forecasts_without_the_extras(tmp_path):
    blocked = tuple(m for mods in EXTRAS.values() for m in mods)
    for argv in (("run", "--quiet", "--rounds", "2", "--out", str(tmp_path)),
                 ("validate", str(DEFAULT_SCENARIO)),
                 ("forecast", "configs/ec_emissions.csv", "--rounds", "2")):
        proc = _main_without(blocked, *argv)
        assert proc.returncode == 0, (argv, proc.stderr)
    assert (tmp_path / "rounds.csv").is_file()

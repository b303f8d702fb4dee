"""Set up a virtual environment in the checkout, install the project into it, run a command.

    python3 dev/venv.py negotiate run --out results/default
    python3 dev/venv.py --extras test pytest

Standard library only, so it runs on a stock Python: Debian and Ubuntu, whose system Python
refuses ``pip install`` outside a virtual environment (PEP 668), macOS, Windows, pyenv, or a
virtual environment already active. Steps, each printed as it is taken:

1. the environment is ``.venv-X.Y`` in the checkout, one per Python version (X.Y of the
   Python that runs this script), so several Pythons coexist; it is created only if missing;
2. the project is installed into it, editable (``pip install -e ".[EXTRAS]"``), only when
   ``pyproject.toml`` or the extras changed since the last install (a stamp file in the
   environment), so a second run starts the command at once;
3. the command runs with the environment's ``bin`` first on ``PATH`` (``negotiate``,
   ``pytest`` and ``python`` are the environment's), and its exit code is this script's.

``--recreate`` deletes the environment first. Nothing outside the checkout is touched but
pip's download cache.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAMP = ".coalition-negotiation-install"


def venv_dir(root: Path = ROOT) -> Path:
    """``.venv-X.Y`` for the Python running this script."""
    return root / f".venv-{sys.version_info[0]}.{sys.version_info[1]}"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def say(text: str) -> None:
    print(f"[dev/venv.py] {text}", file=sys.stderr, flush=True)


def create(venv: Path) -> None:
    """A new environment with pip; where ``venv`` cannot add pip (a Debian Python without
    ``python3-venv``), one without pip, which the system's pip installs into (``--python``)."""
    say(f"creating {venv.name} with {sys.executable} (Python {sys.version.split()[0]})")
    if subprocess.run([sys.executable, "-m", "venv", str(venv)]).returncode == 0:
        return
    shutil.rmtree(venv, ignore_errors=True)
    say("retrying without pip (python3 -m venv --without-pip)")
    if subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)]).returncode:
        shutil.rmtree(venv, ignore_errors=True)
        sys.exit("dev/venv.py: could not create the virtual environment; on Debian or Ubuntu "
                 "install the venv module first: sudo apt install python3-venv")


def pip_command(venv: Path) -> list[str]:
    """The pip that installs into ``venv``: its own, or the system's with ``--python``."""
    python = venv_python(venv)
    if subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True).returncode == 0:
        return [str(python), "-m", "pip"]
    if subprocess.run([sys.executable, "-m", "pip", "--version"],
                      capture_output=True).returncode == 0:
        return [sys.executable, "-m", "pip", "--python", str(python)]
    sys.exit("dev/venv.py: no pip for the virtual environment; on Debian or Ubuntu: "
             "sudo apt install python3-venv (then run this again with --recreate)")


def expand(extras: set[str]) -> set[str]:
    """The extras with those they include (``test`` includes ``all``, which includes
    ``viz`` and ``sweep``), from pyproject.toml's self-references."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    prefix = f"{project['name']}["
    done: set[str] = set()
    todo = list(extras)
    while todo:
        extra = todo.pop()
        if extra in done:
            continue
        done.add(extra)
        for req in optional.get(extra, []):
            if req.replace("_", "-").startswith(prefix):
                todo += req[len(prefix):].split("]")[0].split(",")
    return done


def read_stamp(venv: Path) -> tuple[str, set[str]]:
    """What the last install was: pyproject.toml's digest and the extras installed."""
    try:
        digest, _, extras = (venv / STAMP).read_text().strip().partition(" extras=")
    except OSError:
        return "", set()
    return digest, set(filter(None, extras.split(",")))


def install(venv: Path, extras: str) -> None:
    """``pip install -e .[extras]`` unless the last install, from the same pyproject.toml,
    already brought these extras."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    wanted = expand(set(filter(None, extras.split(","))))
    had_digest, had = read_stamp(venv)
    if had_digest == digest and wanted <= had:
        say(f"{venv.name} is up to date (pyproject.toml unchanged, extras "
            f"{', '.join(sorted(had)) or 'none'})")
        return
    target = f".[{extras}]" if extras else "."
    say(f"installing the project into {venv.name}: pip install -e \"{target}\" (a few "
        "minutes the first time)")
    cmd = [*pip_command(venv), "install", "--quiet", "-e", target]
    stamp = venv / STAMP
    if subprocess.run(cmd, cwd=ROOT).returncode != 0:
        stamp.unlink(missing_ok=True)
        sys.exit("dev/venv.py: the install failed (pip's message above)")
    installed = wanted | (had if had_digest == digest else set())
    stamp.write_text(f"{digest} extras={','.join(sorted(installed))}\n")


def run(venv: Path, command: list[str]) -> int:
    """The command, in the checkout, with the environment first on PATH."""
    env = dict(os.environ)
    bindir = venv_python(venv).parent
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    env.pop("PYTHONHOME", None)
    exe = shutil.which(command[0], path=str(bindir)) or shutil.which(command[0], path=env["PATH"])
    if exe is None:
        say(f"no command {command[0]!r} in {venv.name} or on PATH")
        return 127
    say(f"running {' '.join(command)}")
    return subprocess.run([exe, *command[1:]], cwd=ROOT, env=env).returncode


def main(argv: list[str] | None = None) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036  (a stock Python may be older)
        sys.exit(f"dev/venv.py: the model needs Python 3.11 or newer; this is "
                 f"{sys.version.split()[0]} ({sys.executable})")
    parser = argparse.ArgumentParser(
        prog="dev/venv.py",
        description="Create .venv-X.Y in the checkout if missing, install the project into "
                    "it if pyproject.toml changed, then run COMMAND inside it.")
    parser.add_argument("--extras", default="",
                        help="comma-separated extras: viz, sweep, all, test (default: none)")
    parser.add_argument("--recreate", action="store_true",
                        help="delete the environment and build it again")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="what to run inside it, e.g. negotiate run, or pytest")
    args = parser.parse_args(argv)
    venv = venv_dir()
    if args.recreate and venv.exists():
        say(f"deleting {venv.name}")
        shutil.rmtree(venv)
    if not venv_python(venv).exists():
        create(venv)
    install(venv, args.extras.replace(" ", ""))
    if not args.command:
        say(f"ready: activate it with `source {venv.name}/bin/activate`")
        return 0
    return run(venv, args.command)


if __name__ == "__main__":
    sys.exit(main())

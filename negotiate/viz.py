"""``negotiate viz``: start the live view (a Solara server), or fill its offline asset cache.

    negotiate viz [SCENARIO] [--host 127.0.0.1] [--port 8765] [--dev] [--open]
    negotiate viz --prepare-assets [--cache-dir DIR]

The server binds to 127.0.0.1 unless ``--host`` says otherwise (``--host 0.0.0.0`` opens it
to the classroom network). Before it starts, the launcher points Solara at the offline
asset cache (``SOLARA_ASSETS_PROXY_CACHE_DIR``, :mod:`viz.assets`), filling the cache from
the npm registry first if packages are missing, so the page loads on a closed network.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from model.errors import InputError

APP = Path(__file__).resolve().parent.parent / "viz" / "app.py"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def server_command(host: str, port: int, *, dev: bool = False, open_browser: bool = False
                   ) -> list[str]:
    """The ``solara run`` command line for the app (this interpreter)."""
    cmd = [sys.executable, "-m", "solara", "run", str(APP), "--host", host, "--port", str(port),
           "--no-check-version", "--open" if open_browser else "--no-open"]
    if dev:
        cmd.append("--auto-restart")
    else:
        cmd.append("--production")
    return cmd


def server_env(scenario: Path | None, cache_dir: Path | None, *, dev: bool = False
               ) -> dict[str, str]:
    """Environment for the server: the offline asset cache, and the scenario to open."""
    from viz.assets import offline_env
    from viz.live_model import SCENARIO_ENV

    env = dict(os.environ)
    env.update(offline_env(cache_dir, production=not dev))
    if scenario is not None:
        env[SCENARIO_ENV] = str(scenario.resolve())
    else:
        env.pop(SCENARIO_ENV, None)
    return env


def _prepare(cache_dir: Path | None, *, required: bool) -> Path | None:
    from viz.assets import AssetError, default_cache_dir, missing_assets, prepare_assets

    target = cache_dir or default_cache_dir()
    if not required and not missing_assets(target):
        return target
    try:
        return prepare_assets(target, quiet=False)
    except AssetError as exc:
        if required:
            raise InputError(f"--prepare-assets: {exc}") from None
        print(f"negotiate viz: warning: {exc}\n  the page will load only if this machine can "
              "reach the public CDN; run `negotiate viz --prepare-assets` where npm works",
              file=sys.stderr)
        return None


def _cmd_viz(args: argparse.Namespace) -> int:
    cache_dir = Path(args.cache_dir).expanduser() if args.cache_dir else None
    if args.prepare_assets:
        path = _prepare(cache_dir, required=True)
        print(f"Solara asset cache ready: {path}")
        return 0
    scenario = None
    if args.scenario:
        from inputs.scenario_file import load_scenario

        scenario = Path(args.scenario)
        load_scenario(scenario)  # a broken file: one line and exit 2, not a traceback later
    if not 0 <= args.port <= 65535:
        raise InputError(f"--port: must be 0-65535, got {args.port}")
    cmd = server_command(args.host, args.port, dev=args.dev, open_browser=args.open)
    env = server_env(scenario, cache_dir, dev=args.dev)
    if args.dry_run:
        from viz.assets import CACHE_ENV

        print(" ".join(cmd))
        print(f"{CACHE_ENV}={env[CACHE_ENV]}")
        return 0
    _prepare(cache_dir, required=False)
    shown = "localhost" if args.host in ("127.0.0.1", "localhost") else args.host
    print(f"negotiate viz: serving on http://{shown}:{args.port}/ (Ctrl-C stops)")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print("negotiate viz: the server is reachable from other machines on this network; "
              "each browser tab gets its own model", file=sys.stderr)
    return run_server(cmd, env)


def run_server(cmd: list[str], env: dict[str, str]) -> int:
    """Run the server in place of this process where possible (signals then reach it
    directly, and stopping the launcher cannot leave an orphan server behind)."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execve(cmd[0], cmd, env)  # does not return
    try:  # pragma: no cover - Windows
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:  # pragma: no cover
        return 130


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "viz", help="live view in the browser (Solara): map, charts, log, levers",
        description="Start the live view of the negotiation. Each browser tab gets its own "
                    "model. Binds to 127.0.0.1 unless --host says otherwise.")
    p.add_argument("scenario", nargs="?",
                   help="scenario TOML to open first (default: the coalition of the willing)")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 = the whole network)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8765)")
    p.add_argument("--prepare-assets", action="store_true",
                   help="fill the offline asset cache from the npm registry and exit")
    p.add_argument("--cache-dir", help="asset cache folder (default: $SOLARA_ASSETS_PROXY_"
                   "CACHE_DIR or ~/.cache/coalition-negotiation/solara-assets)")
    p.add_argument("--dev", action="store_true",
                   help="development mode: reload when the code changes")
    p.add_argument("--open", action="store_true", help="open a browser window")
    p.add_argument("--dry-run", action="store_true",
                   help="print the server command and the asset cache, start nothing")
    p.set_defaults(handler=_cmd_viz)

"""``negotiate class``: start a class session server (teacher, students, projector, debrief).

    negotiate class [SCENARIO] [--host 127.0.0.1] [--port 8766] [--scenario-dir DIR]
                    [--export-dir DIR] [--cache-dir DIR] [--dry-run]

One Solara server process in production mode (the class's pages share one session in
memory: no reload, no second worker). It listens on 127.0.0.1 unless ``--host`` says
otherwise; it prints the teacher's link (with a key nobody else sees) and the address
students type. Scenarios offered on the teacher's page: SCENARIO, the project's
``configs/`` and the TOML files in ``--scenario-dir``; the page takes a name from that
list, never a path.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
from pathlib import Path

from model.errors import InputError

APP = Path(__file__).resolve().parent.parent / "viz" / "classroom" / "app.py"
DEFAULT_PORT = 8766
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def lan_address() -> str:
    """This machine's address on the local network (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 1))
            return sock.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def urls(host: str, port: int, key: str) -> tuple[str, str]:
    """(the students' address, the teacher's link)."""
    shown = "localhost" if host in LOOPBACK else (lan_address() if host in ("0.0.0.0", "::")
                                                  else host)
    return f"http://{shown}:{port}/", f"http://localhost:{port}/teacher?key={key}"


def _cmd_class(args: argparse.Namespace) -> int:
    from negotiate.viz import _prepare, run_server
    from viz.assets import offline_env
    from viz.classroom import hub

    env = dict(os.environ)
    if args.scenario:
        from inputs.scenario_file import load_scenario

        path = Path(args.scenario)
        load_scenario(path)  # a broken file: one line and exit 2
        env[hub.SCENARIO_ENV] = str(path.resolve())
    if args.scenario_dir:
        folder = Path(args.scenario_dir)
        if not folder.is_dir():
            raise InputError(f"--scenario-dir {folder}: not a folder")
        env[hub.SCENARIO_DIR_ENV] = str(folder.resolve())
    if not 0 <= args.port <= 65535:
        raise InputError(f"--port: must be 0-65535, got {args.port}")
    export = Path(args.export_dir or "class-sessions").resolve()
    env[hub.EXPORT_DIR_ENV] = str(export)
    key = secrets.token_urlsafe(12)
    student, teacher = urls(args.host, args.port, key)
    env[hub.KEY_ENV] = key
    env[hub.URL_ENV] = student
    cache_dir = Path(args.cache_dir).expanduser() if args.cache_dir else None
    env.update(offline_env(cache_dir, production=True))
    cmd = [sys.executable, "-m", "solara", "run", str(APP), "--host", args.host, "--port",
           str(args.port), "--no-check-version", "--no-open", "--production", "--workers", "1"]
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    _prepare(cache_dir, required=False)
    print(f"negotiate class: teacher (keep this link to yourself): {teacher}")
    print(f"negotiate class: students open {student}")
    print(f"negotiate class: projector {student}projector · exports go to {export}")
    if args.host not in LOOPBACK:
        print("negotiate class: the server is reachable from other machines on this network",
              file=sys.stderr)
    return run_server(cmd, env)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "class", help="a class plays the negotiation: each student a state, the model the rest",
        description="Start a class session server. Binds to 127.0.0.1 unless --host says "
                    "otherwise; prints the teacher's link and the students' address.")
    p.add_argument("scenario", nargs="?", help="scenario TOML to offer first")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 = the room's network)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--scenario-dir", help="a folder of scenario TOML files to offer as well")
    p.add_argument("--export-dir", help="where exported sessions go (default ./class-sessions)")
    p.add_argument("--cache-dir", help="the offline asset cache (see negotiate viz)")
    p.add_argument("--dry-run", action="store_true", help="print the server command only")
    p.set_defaults(handler=_cmd_class)

"""Helpers for end-to-end tests of the Solara app in headless Chromium.

Usage in a test (mark it ``@pytest.mark.browser``)::

    from browser_harness import launch_chromium, serve_solara, wait_for_solara
    from playwright.sync_api import sync_playwright

    with serve_solara("viz/app.py") as url, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page()
        page.goto(url)
        wait_for_solara(page)
        page.get_by_role("button", name="Step", exact=True).click()

(pytest's default "prepend" import mode puts ``tests/`` on ``sys.path`` when it
has no ``__init__.py``; with a package ``tests/`` import ``tests.browser_harness``.)

The server runs offline: Solara's front-end bundles come from the asset cache
that :mod:`viz.assets` fills from the npm registry (once; later runs reuse it).
Chromium is Debian's ``/usr/bin/chromium``; Playwright never downloads a browser.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from viz.assets import ensure_env

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

#: Flags that let Debian's Chromium run headless as root without phoning home.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

SERVER_START_TIMEOUT_S = 90.0

#: Present once Solara rendered the page component (``solara run`` wraps every
#: app in its router; Mesa's SolaraViz also uses an AppLayout).
APP_CONTENT_SELECTOR = ".solara-autorouter-content, .solara-content-main"


def chromium_path() -> str | None:
    """Path of a system Chromium (``$CHROMIUM_PATH`` first), or None."""
    env = os.environ.get("CHROMIUM_PATH")
    if env and os.access(env, os.X_OK):
        return env
    for candidate in CHROMIUM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium")
    return found


def launch_chromium(playwright, **kwargs):
    """Launch headless system Chromium through a Playwright instance.

    Extra keyword arguments go to ``playwright.chromium.launch``. Raises
    RuntimeError when no system Chromium is installed (Debian: ``apt-get
    install chromium``); ``playwright install`` is never needed.
    """
    executable = chromium_path()
    if executable is None:
        raise RuntimeError(
            "no system Chromium found (looked for $CHROMIUM_PATH, "
            + ", ".join(CHROMIUM_CANDIDATES)
            + "); install it with: apt-get install chromium"
        )
    args = list(CHROMIUM_ARGS) + list(kwargs.pop("args", []))
    kwargs.setdefault("headless", True)
    return playwright.chromium.launch(executable_path=executable, args=args, **kwargs)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no server output)"
    return "\n".join(text.splitlines()[-lines:]) or "(no server output)"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # loopback only
            return 200 <= resp.status < 400
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _stop(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the group we created: server and its children
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace_s)


@contextlib.contextmanager
def serve_solara(
    app_path: str,
    env_extra: dict | None = None,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    timeout: float = SERVER_START_TIMEOUT_S,
    extra_args: list[str] | None = None,
    cache_dir: Path | None = None,
) -> Iterator[str]:
    """Run ``solara run app_path`` offline on a free loopback port; yield its URL.

    The asset cache is filled first if needed (see :func:`viz.assets.ensure_env`).
    The server runs in its own process group with this interpreter
    (``python -m solara``), and is always terminated on exit. If it does not
    answer within ``timeout`` seconds, or exits early, RuntimeError is raised
    with the tail of its output.
    """
    port = port or free_port(host)
    env = dict(os.environ)
    env.update(ensure_env(cache_dir))
    env["PYTHONUNBUFFERED"] = "1"
    if env_extra:
        env.update({k: str(v) for k, v in env_extra.items()})
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(app_path),
        "--host",
        host,
        "--port",
        str(port),
        "--no-open",
        "--no-check-version",
        *(extra_args or []),
    ]
    base = f"http://{host}:{port}"
    with tempfile.TemporaryDirectory(prefix="solara-serve-") as tmp:
        log_path = Path(tmp) / "server.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"solara server exited with code {proc.returncode} before answering "
                        f"on {base}; its output ends with:\n{_tail(log_path)}"
                    )
                if _answers(f"{base}/readyz"):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"solara server did not answer on {base}/readyz within {timeout:.0f} s; "
                        f"its output ends with:\n{_tail(log_path)}"
                    )
                time.sleep(0.25)
            yield base + "/"
        finally:
            _stop(proc)


def wait_for_solara(page, timeout_ms: float = 60_000, ready_selector: str | None = None) -> None:
    """Wait until Solara has replaced its "Loading app" screen with the app.

    Passes once the loader is gone and the app's content element exists (it
    never does when the front-end bundles fail to load: the page stays blank
    or on the spinner). ``ready_selector`` (e.g. ``'button:has-text("Step")'``)
    additionally waits for an element of the app itself.
    """
    page.wait_for_function(
        """() => !document.querySelector('#loader')
            && !!document.querySelector(APP_CONTENT_SELECTOR)""".replace(
            "APP_CONTENT_SELECTOR", repr(APP_CONTENT_SELECTOR)
        ),
        timeout=timeout_ms,
    )
    if ready_selector:
        page.wait_for_selector(ready_selector, state="visible", timeout=timeout_ms)

"""Offline front-end assets for the Solara server behind ``negotiate viz``.

The Solara server does not ship its browser code. On first use it downloads the
JavaScript and CSS bundles from a public CDN and keeps them in a cache directory
(``SOLARA_ASSETS_PROXY_CACHE_DIR``). On a closed classroom network that download
fails and the page never gets past "Loading app".

This module fills that cache ahead of time from the npm registry (``npm pack``)
in exactly the layout the server looks up: a request for
``/_solara/cdn/<name>@<spec>/<file>`` is answered from
``<cache>/<name>@<spec>/<file>``, where ``<spec>`` is the version *as Solara
writes it in the URL* (an exact version such as ``10.1.1``, or a major range
such as ``5`` for ``vega@5``). Each npm tarball's top folder (``package/``) is
dropped, so ``<cache>/requirejs@2.3.6/require.js`` exists.

The versions are read from the installed Solara package (its page template and
widget sources), falling back to the ones known for Solara 1.64.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = [
    "CACHE_ENV",
    "AssetError",
    "NpmAsset",
    "default_cache_dir",
    "ensure_env",
    "missing_assets",
    "offline_env",
    "prepare_assets",
    "required_assets",
]

#: Environment variable the Solara server reads for its CDN cache directory.
CACHE_ENV = "SOLARA_ASSETS_PROXY_CACHE_DIR"

#: Written into each unpacked package folder once it is complete.
MARKER = ".npm-pack-complete"

_NPM_TIMEOUT_S = 600


class AssetError(RuntimeError):
    """The asset cache could not be filled; the message is one line for the user."""


@dataclass(frozen=True)
class NpmAsset:
    """One npm package as Solara requests it: ``name@spec`` in the URL path."""

    name: str
    spec: str

    @property
    def key(self) -> str:
        """The package spec, also the cache sub-folder (``@scope/name@spec``)."""
        return f"{self.name}@{self.spec}"

    def directory(self, cache_dir: Path) -> Path:
        return cache_dir.joinpath(*self.key.split("/"))

    @classmethod
    def parse(cls, text: str) -> NpmAsset:
        """Parse ``name@spec`` (``@scope/name@spec`` for scoped packages)."""
        at = text.rfind("@")
        if at <= 0:
            raise ValueError(f"expected name@version, got {text!r}")
        return cls(text[:at], text[at + 1 :])


# What Solara 1.64.1 (Vue 2 front end, ipyvue < 3) requests; used when the
# installed sources cannot be read. Altair charts need the three vega packages,
# solara.GridDraggable (Mesa's component grid) needs vue-grid-layout.
_FALLBACK = (
    NpmAsset("@widgetti/solara-vuetify-app", "10.1.1"),
    NpmAsset("requirejs", "2.3.6"),
    NpmAsset("font-awesome", "4.5.0"),
    NpmAsset("@widgetti/vue-grid-layout", "2.3.13-alpha.2"),
    NpmAsset("vega", "5"),
    NpmAsset("vega-lite", "5"),
    NpmAsset("vega-embed", "6"),
)

# (package name, files under the solara package that put it in a URL)
_SOURCES = (
    ("@widgetti/solara-vuetify-app", ("server/templates/solara.html.j2",)),
    ("requirejs", ("server/templates/solara.html.j2", "widgets/vue/vegalite.vue")),
    ("font-awesome", ("server/settings.py",)),
    ("@widgetti/vue-grid-layout", ("widgets/vue/gridlayout.vue",)),
    ("vega", ("widgets/vue/vegalite.vue",)),
    ("vega-lite", ("widgets/vue/vegalite.vue",)),
    ("vega-embed", ("widgets/vue/vegalite.vue",)),
)


def default_cache_dir() -> Path:
    """``$SOLARA_ASSETS_PROXY_CACHE_DIR`` if set, else a per-user cache folder."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "coalition-negotiation" / "solara-assets"


def _solara_dir() -> Path | None:
    # find_spec on a top-level package locates it without importing it (importing
    # solara.server.settings creates folders and ids as a side effect)
    try:
        spec = importlib.util.find_spec("solara")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def required_assets() -> list[NpmAsset]:
    """The npm packages the installed Solara fetches through its CDN proxy.

    Read from Solara's own sources, so a Solara upgrade that bumps a bundle
    version is picked up; anything that cannot be read falls back to the
    versions known for Solara 1.64.
    """
    root = _solara_dir()
    fallback = {a.name: a for a in _FALLBACK}
    found: list[NpmAsset] = []
    for name, files in _SOURCES:
        pattern = re.compile(r"(?<![\w@-])" + re.escape(name) + r"@([0-9][\w.+-]*)/")
        specs: set[str] = set()
        for rel in files:
            path = root / rel if root else None
            if path is not None and path.is_file():
                specs.update(pattern.findall(path.read_text(encoding="utf-8", errors="replace")))
        if not specs:
            specs = {fallback[name].spec}
        found.extend(NpmAsset(name, s) for s in sorted(specs))
    return found


def _is_complete(asset: NpmAsset, cache_dir: Path) -> bool:
    return (asset.directory(cache_dir) / MARKER).is_file()


def missing_assets(cache_dir: Path | None = None, assets: Iterable[NpmAsset] | None = None):
    """The assets not yet unpacked in ``cache_dir``."""
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    wanted = list(assets) if assets is not None else required_assets()
    return [a for a in wanted if not _is_complete(a, cache_dir)]


def _npm_error(stderr: str, registry: str) -> AssetError:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    codes = re.findall(r"\bcode (E[A-Z0-9_]+)", stderr)
    code = codes[0] if codes else ""
    network = {
        "ENOTFOUND",
        "EAI_AGAIN",
        "ECONNREFUSED",
        "ECONNRESET",
        "ETIMEDOUT",
        "ENETUNREACH",
        "EHOSTUNREACH",
        "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
        "SELF_SIGNED_CERT_IN_CHAIN",
    }
    if code in network or any(c in stderr for c in network) or "network" in stderr.lower():
        return AssetError(
            f"cannot reach the npm registry {registry} ({code or 'network error'}); "
            "fill the asset cache on a connected machine and copy it, "
            f"or point {CACHE_ENV} at a filled copy"
        )
    if code in ("E404", "ETARGET"):
        detail = next((ln for ln in lines if "404" in ln or "No matching" in ln), code)
        return AssetError(f"npm package not found in {registry}: {detail}")
    detail = next((ln for ln in lines if "error" in ln.lower()), lines[-1] if lines else "")
    return AssetError(f"npm pack failed ({code or 'unknown error'}): {detail}")


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError(
            "npm not found on PATH: install Node.js and npm (Debian: apt-get install npm) "
            f"or point {CACHE_ENV} at an already filled asset cache"
        )
    return npm


def _npm_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "npm_config_fund": "false",
            "npm_config_audit": "false",
            "npm_config_update_notifier": "false",
            "npm_config_loglevel": "error",
            "npm_config_fetch_retries": "1",
            "npm_config_fetch_retry_mintimeout": "2000",
            "npm_config_fetch_retry_maxtimeout": "10000",
        }
    )
    return env


def _registry(npm: str) -> str:
    try:
        out = subprocess.run(
            [npm, "config", "get", "registry"],
            capture_output=True,
            text=True,
            timeout=30,
            env=_npm_env(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return "(unknown registry)"
    return out.stdout.strip() or "(unknown registry)"


def _npm_pack(npm: str, assets: list[NpmAsset], dest: Path) -> dict[str, tuple[Path, str]]:
    """Run one ``npm pack``; map each asset key to (tarball, resolved version)."""
    cmd = [npm, "pack", "--json", "--pack-destination", str(dest), *(a.key for a in assets)]
    try:
        proc = subprocess.run(
            cmd,
            cwd=dest,  # an empty folder: no package.json of ours gets involved
            capture_output=True,
            text=True,
            timeout=_NPM_TIMEOUT_S,
            env=_npm_env(),
        )
    except subprocess.TimeoutExpired as e:
        raise AssetError(
            f"npm pack timed out after {_NPM_TIMEOUT_S} s (registry {_registry(npm)})"
        ) from e
    if proc.returncode != 0:
        raise _npm_error(proc.stderr, _registry(npm))
    try:
        entries = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise AssetError(f"npm pack printed no JSON: {proc.stdout[:200]!r}") from e
    by_name = {e["name"]: e for e in entries}
    result = {}
    for asset in assets:
        entry = by_name.get(asset.name)
        if entry is None:
            raise AssetError(f"npm pack did not produce {asset.key}")
        result[asset.key] = (dest / entry["filename"], str(entry["version"]))
    return result


def _unpack(tarball: Path, target: Path) -> int:
    """Extract ``tarball`` into ``target`` without its top folder; return file count."""
    count = 0
    target = target.resolve()
    with tarfile.open(tarball, "r:gz") as tar:
        members = []
        for member in tar.getmembers():
            parts = PurePosixPath(member.name).parts[1:]  # drop "package/"
            if not parts or not (member.isfile() or member.isdir()):
                continue
            if any(p in ("..", "") for p in parts) or PurePosixPath(member.name).is_absolute():
                raise AssetError(f"unsafe path {member.name!r} in {tarball.name}")
            member.name = "/".join(parts)
            members.append(member)
            count += member.isfile()
        if hasattr(tarfile, "data_filter"):
            tar.extractall(target, members=members, filter="data")
        else:  # Python < 3.11.4; paths were checked above
            tar.extractall(target, members=members)
    return count


def _install(asset: NpmAsset, tarball: Path, version: str, cache_dir: Path) -> None:
    final = asset.directory(cache_dir)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=final.parent))
    try:
        files = _unpack(tarball, staging)
        (staging / MARKER).write_text(
            json.dumps({"package": asset.key, "version": version, "files": files}) + "\n",
            encoding="utf-8",
        )
        if final.exists():  # a partial folder, e.g. left by the server's own CDN fetches
            shutil.rmtree(final)
        os.replace(staging, final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def prepare_assets(
    cache_dir: Path | None = None,
    *,
    quiet: bool = False,
    packages: Iterable[str | NpmAsset] | None = None,
) -> Path:
    """Fill the Solara asset cache from the npm registry and return its path.

    Idempotent: packages already unpacked (marked complete) are skipped, so a
    filled cache needs neither npm nor a network. ``packages`` overrides the
    list read from the installed Solara (``"name@spec"`` strings, e.g. to add
    ``katex@0.16.9`` for math in ``solara.Markdown``).

    Raises:
        AssetError: npm is missing, the registry cannot be reached, a package
            is unknown, or the cache folder cannot be written. The message is
            one line.
    """
    cache_dir = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    if packages is None:
        wanted = required_assets()
    else:
        wanted = [p if isinstance(p, NpmAsset) else NpmAsset.parse(p) for p in packages]
    todo = missing_assets(cache_dir, wanted)

    def say(msg: str) -> None:
        if not quiet:
            print(msg, file=sys.stderr)

    if not todo:
        say(f"Solara assets: all {len(wanted)} packages present in {cache_dir}")
        return cache_dir

    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise AssetError(f"cannot create asset cache {cache_dir}: {e.strerror or e}") from e

    npm = _npm()
    say(f"Solara assets: fetching {len(todo)} npm packages into {cache_dir}")
    # npm pack names its output by package name, so a batch holds one spec per name
    batches: list[list[NpmAsset]] = []
    for asset in todo:
        batch = next((b for b in batches if all(a.name != asset.name for a in b)), None)
        if batch is None:
            batches.append([asset])
        else:
            batch.append(asset)
    with tempfile.TemporaryDirectory(prefix="solara-npm-pack-") as tmp:
        for i, batch in enumerate(batches):
            dest = Path(tmp) / str(i)
            dest.mkdir()
            packed = _npm_pack(npm, batch, dest)
            for asset in batch:
                tarball, version = packed[asset.key]
                try:
                    _install(asset, tarball, version, cache_dir)
                except (OSError, tarfile.TarError) as e:
                    raise AssetError(f"cannot unpack {asset.key} into {cache_dir}: {e}") from e
                say(f"  {asset.key} -> {version}")
    return cache_dir


def offline_env(cache_dir: Path | None = None, *, production: bool = False) -> dict[str, str]:
    """Environment variables for a Solara server that needs no internet.

    Set them before the server's Python starts (Solara reads them at import).
    Also pass ``--no-check-version`` to ``solara run`` (it otherwise asks PyPI
    for the newest Solara, synchronously, before serving). ``production=True``
    (``SOLARA_MODE=production``) also drops the development-mode hidden iframe
    that reports a first successful start to solara.dev.
    """
    cache_dir = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    env = {
        CACHE_ENV: str(cache_dir.resolve()),
        "SOLARA_ASSETS_PROXY": "True",  # serve assets from the cache, not the CDN URL
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    }
    if production:
        env["SOLARA_MODE"] = "production"
    return env


def ensure_env(
    cache_dir: Path | None = None, *, quiet: bool = True, production: bool = False
) -> dict[str, str]:
    """Fill the cache if needed (see :func:`prepare_assets`) and return :func:`offline_env`."""
    cache_dir = prepare_assets(cache_dir, quiet=quiet)
    return offline_env(cache_dir, production=production)

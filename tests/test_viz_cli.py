"""``negotiate viz``: what it starts and with which environment (no server is started)."""

from __future__ import annotations

import pytest

from negotiate import viz as cli
from negotiate.main import main
from tests.conftest import DEFAULT_SCENARIO
from viz import assets


@pytest.fixture
def started(monkeypatch, tmp_path):
    """Capture the server command instead of running it; no npm either."""
    calls: dict = {}

    def fake_run(cmd, env):
        calls["cmd"], calls["env"] = cmd, env
        return 0

    def fake_prepare(cache_dir=None, *, quiet=False, packages=None):
        calls["prepared"] = cache_dir
        return cache_dir

    monkeypatch.setattr(cli, "run_server", fake_run)
    monkeypatch.setattr(assets, "prepare_assets", fake_prepare)
    monkeypatch.setattr(assets, "missing_assets", lambda cache_dir=None, wanted=None: ["x"])
    monkeypatch.delenv(assets.CACHE_ENV, raising=False)
    return calls


def test_binds_to_loopback_with_the_asset_cache(started, tmp_path, capsys):
    cache = tmp_path / "cache"
    assert main(["viz", "--cache-dir", str(cache)]) == 0
    cmd, env = started["cmd"], started["env"]
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--port") + 1] == "8765"
    assert cmd[cmd.index("run") + 1].endswith("viz/app.py")
    assert "--production" in cmd and "--no-check-version" in cmd
    assert env[assets.CACHE_ENV] == str(cache.resolve())  # set before the server starts
    assert started["prepared"] == cache  # missing packages are fetched first
    assert "http://localhost:8765/" in capsys.readouterr().out


def test_classroom_network_and_scenario(started, capsys):
    assert main(["viz", str(DEFAULT_SCENARIO), "--host", "0.0.0.0", "--port", "9000"]) == 0
    cmd, env = started["cmd"], started["env"]
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    assert env["NEGOTIATE_VIZ_SCENARIO"] == str(DEFAULT_SCENARIO.resolve())
    assert "reachable from other machines" in capsys.readouterr().err


def test_prepare_assets_only(started, tmp_path, capsys):
    assert main(["viz", "--prepare-assets", "--cache-dir", str(tmp_path)]) == 0
    assert "cmd" not in started
    assert str(tmp_path) in capsys.readouterr().out


def test_prepare_assets_failure_is_one_line(monkeypatch, tmp_path, capsys):
    def fail(cache_dir=None, *, quiet=False, packages=None):
        raise assets.AssetError("cannot reach the npm registry (ECONNREFUSED)")

    monkeypatch.setattr(assets, "prepare_assets", fail)
    assert main(["viz", "--prepare-assets", "--cache-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("negotiate: error: --prepare-assets: cannot reach") and "\n" not in err


def test_bad_scenario_is_one_line(started, tmp_path, capsys):
    assert main(["viz", str(tmp_path / "missing.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert "cmd" not in started


def test_dry_run(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv(assets.CACHE_ENV, str(tmp_path))
    assert main(["viz", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "solara run" in out and f"{assets.CACHE_ENV}={tmp_path.resolve()}" in out

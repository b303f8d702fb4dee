"""``negotiate class`` and ``negotiate run --choices``: what starts, where, and bad input."""

from __future__ import annotations

import pytest

from negotiate import classroom as cli
from negotiate import viz as viz_cli
from negotiate.main import main
from tests.conftest import DEFAULT_SCENARIO
from viz import assets


@pytest.fixture
def started(monkeypatch):
    calls: dict = {}

    def fake_run(cmd, env):
        calls["cmd"], calls["env"] = cmd, env
        return 0

    monkeypatch.setattr(viz_cli, "run_server", fake_run)
    monkeypatch.setattr(viz_cli, "_prepare", lambda cache_dir, required: cache_dir)
    monkeypatch.delenv(assets.CACHE_ENV, raising=False)
    return calls


def test_loopback_production_one_process(started, capsys, tmp_path):
    assert main(["class", "--export-dir", str(tmp_path)]) == 0
    cmd, env = started["cmd"], started["env"]
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert "--production" in cmd and cmd[cmd.index("--workers") + 1] == "1"
    assert cmd[cmd.index("run") + 1].endswith("viz/classroom/app.py")
    assert env["SOLARA_MODE"] == "production" and assets.CACHE_ENV in env
    out = capsys.readouterr().out
    key = env["NEGOTIATE_CLASS_KEY"]
    assert len(key) >= 16 and f"teacher?key={key}" in out
    assert "students open http://localhost:8766/" in out
    assert env["NEGOTIATE_CLASS_EXPORT_DIR"] == str(tmp_path.resolve())


def test_classroom_network_prints_the_students_address(started, capsys, monkeypatch):
    monkeypatch.setattr(cli, "lan_address", lambda: "192.168.1.20")
    assert main(["class", str(DEFAULT_SCENARIO), "--host", "0.0.0.0", "--port", "9000"]) == 0
    captured = capsys.readouterr()
    assert "students open http://192.168.1.20:9000/" in captured.out
    assert "reachable from other machines" in captured.err
    env = started["env"]
    assert env["NEGOTIATE_CLASS_URL"] == "http://192.168.1.20:9000/"
    assert env["NEGOTIATE_CLASS_SCENARIO"] == str(DEFAULT_SCENARIO.resolve())
    assert started["env"]["NEGOTIATE_CLASS_KEY"] not in captured.err


def test_bad_input_is_one_line(started, tmp_path, capsys):
    assert main(["class", str(tmp_path / "missing.toml")]) == 2
    assert main(["class", "--scenario-dir", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "no such file" in err[0] and "not a folder" in err[1]
    assert "cmd" not in started


def test_run_choices_bad_file(tmp_path, capsys):
    bad = tmp_path / "choices.csv"
    bad.write_text("round,state\n1,FR\n")
    assert main(["run", "--rounds", "1", "--quiet", "--choices", str(bad)]) == 2
    assert main(["run", "--rounds", "1", "--quiet", "--choices", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("negotiate: error: --choices") and "not a class session" in err[0]
    assert "no such file" in err[1]

"""Every bad input gets one line and exit code 2 (issue 13, part 4), through the real CLI.

Each case runs ``python -m negotiate`` in a subprocess: the exit code is 2, stderr is
exactly one line naming the file (or the option) and the field, and there is no traceback.
A bad scenario is refused by ``negotiate validate`` as well as by ``negotiate run``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.mechanisms import eum, memory
from tests.conftest import DEFAULT_SCENARIO, ROOT

TEXT = DEFAULT_SCENARIO.read_text(encoding="utf-8")
FAST = ["--rounds", "1", "--quiet", "--set", "ceasefire_phase=false"]


def negotiate(*argv: str, cwd: Path = ROOT, env: dict | None = None
              ) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "negotiate", *argv], capture_output=True,
                          text=True, cwd=cwd, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def one_line(proc: subprocess.CompletedProcess, *parts: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for part in parts:
        assert part in lines[0], (part, lines[0])
    return lines[0]


def edit(old: str, new: str, count: int = 1) -> str:
    assert old in TEXT, old
    return TEXT.replace(old, new, count)


def _actor(code: str, field: str, value: str) -> str:
    """The default scenario with one field of one actor replaced."""
    start = TEXT.index(f"[actors.{code}]")
    at = TEXT.index(f"\n{field} = ", start) + 1
    end = TEXT.index("\n", at)
    return TEXT[:at] + f"{field} = {value}" + TEXT[end:]


def _every(field: str, value: str) -> str:
    lines = [f"{field} = {value}" if line.startswith(f"{field} = ") else line
             for line in TEXT.splitlines()]
    return "\n".join(lines) + "\n"


SCENARIOS = {
    # name: (file text or bytes, what the line must name)
    "not UTF-8": (TEXT.encode("utf-8").replace(b"Coalition of the willing, 2024",
                                               b"Coalition \xe9 2024"), "line 26"),
    "unparsable TOML": (edit("[actors.FR]", "[actors.FR"), "line "),
    "nested too deep": (TEXT + "deep = " + "[" * 5000 + "]" * 5000 + "\n", "nested 5000"),
    "inf capability": (_actor("FR", "capability", "inf"), "actors.FR.capability"),
    "nan salience": (_actor("DE", "salience", "{ presence = nan, guarantee = 0.5 }"),
                     "actors.DE.salience.presence"),
    "-inf position": (_actor("PL", "position", "{ presence = -inf, guarantee = 50 }"),
                      "actors.PL.position.presence"),
    "capability out of range": (_actor("GB", "capability", "1e300"),
                                "actors.GB.capability"),
    "every capability 0": (_every("capability", "0"), "every capability is 0"),
    "every salience 0": (_every("salience", "{ presence = 0, guarantee = 0.5 }"),
                         "every salience on dimension 'presence' is 0"),
    "a parameter inf": (edit("bandwagon = { value = 15.0", "bandwagon = { value = inf"),
                        "parameters.bandwagon"),
    "decision every nanosecond": (edit("decision_hours = 24", "decision_hours = 1e-9"),
                                  "ceasefire.decision_hours"),
    "round attendee unknown": (edit('attendees = ["FR", "GB", "DE"',
                                    'attendees = ["FR", "QQ", "DE"'),
                               "rounds.1.attendees: unknown actor code 'QQ'"),
    "shock actor unknown": (edit('actor = "GB"\nshift', 'actor = "QQ"\nshift'),
                            "rounds.1.shocks.0.actor"),
    "friend unknown": (edit('friends = ["GB", "DE", "BE"]', 'friends = ["GB", "QQ", "BE"]'),
                       "actors.FR.friends"),
    "ladder actor unknown": (edit('actors = ["GB", "NO", "IS", "TR"]',
                                  'actors = ["GB", "NO", "QQ", "TR"]'),
                             "ceasefire.ladder.2.actors"),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_bad_scenario_is_refused_in_one_line_by_validate_and_by_run(tmp_path, capsys, name):
    from negotiate.main import main

    content, field = SCENARIOS[name]
    path = tmp_path / "bad.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    assert main(["validate", str(path)]) == 2  # in-process: subprocesses are slow
    out = capsys.readouterr().out
    assert any(str(path) in line and field in line for line in out.splitlines()), out
    one_line(negotiate("run", str(path), *FAST), str(path), field)


def test_a_bad_ladder_file_is_refused_in_one_line(tmp_path):
    ladder = (ROOT / "configs/ladder_variants/no_us_rung.toml").read_text(encoding="utf-8")
    for old, new, field in (('actors = ["UA"]', 'actors = ["QQ"]', "unknown actor code 'QQ'"),
                            ("delay_h = 24", "delay_h = nan", "ceasefire.ladder.0.delay_h")):
        path = tmp_path / "ladder.toml"
        path.write_text(ladder.replace(old, new, 1), encoding="utf-8")
        one_line(negotiate("run", "--ladder", str(path), *FAST), str(path), field)
    path.write_bytes(b"[ceasefire]\nsource = \"\xff\"\n")
    one_line(negotiate("run", "--ladder", str(path), *FAST), str(path), "not UTF-8")


TABLE = "Actor,Capability,Position,Salience\nA,10,0,0.5\nB,20,50,0.6\nC,30,100,0.7\n"
KTAB = ("t,d,3,1\nActor,Description,Power,Dim,Sal\nA,a,10,0,50\nB,b,20,50,60\n"
        "C,c,30,100,70\n")
DEU = ("isnr\tprnr\tpa\tpb\tpc\tsa\tsb\tsc\trp\tout\n\t\t1\t2\t1\t\t\t\t\t\n"
       "i1\tp1\t0\t100\t50\t80\t40\t30\t0\t60\n")
TABLES = {
    "table not UTF-8": (TABLE.encode().replace(b"A,10", b"\xe9,10"), [], "row 2: not UTF-8"),
    "table inf": (TABLE.replace("B,20", "B,inf"), [], "row 3, column Capability"),
    "table nan": (TABLE.replace("50,0.6", "nan,0.6"), [], "row 3, column Position"),
    "table huge": (TABLE.replace("50,0.6", "1e300,0.6"), [], "out of range"),
    "table zero salience": (TABLE.replace(",0.5\n", ",0\n").replace(",0.6\n", ",0\n")
                            .replace(",0.7\n", ",0\n"), [], "column Salience: every salience"),
    "table zero capability": (TABLE.replace("A,10", "A,0"), [], "row 2, column Capability"),
    "ktab not UTF-8": (KTAB.encode().replace(b"a,10", b"\xff,10"), [], "not UTF-8"),
    "ktab inf": (KTAB.replace("b,20", "b,inf"), [], "row 4, column Power"),
    "ktab zero salience": (KTAB.replace(",50\n", ",0\n").replace(",60\n", ",0\n")
                           .replace(",70\n", ",0\n"), [], "every salience is 0"),
    "deu not UTF-8": (DEU.encode().replace(b"i1", b"\xe91"), ["--format", "deu"],
                      "not UTF-8"),
    "deu inf": (DEU.replace("\t40\t", "\tinf\t"), ["--format", "deu"], "row 3, column sb"),
    "deu zero salience": (DEU.replace("\t80\t40\t30\t", "\t0\t0\t0\t"), ["--format", "deu"],
                          "zero salience"),
}


@pytest.mark.parametrize("name", TABLES)
def test_a_bad_actor_table_is_refused_in_one_line(tmp_path, name):
    content, extra, field = TABLES[name]
    path = tmp_path / ("bad.tsv" if "deu" in name else "bad.csv")
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    one_line(negotiate("forecast", str(path), "--rounds", "1", *extra), str(path), field)


@pytest.mark.parametrize("argv, parts", [
    (["run", "--seed", "-1"], ["--seed", "0 to 2**63 - 1"]),
    (["run", "--seed", str(2**63)], ["--seed", "0 to 2**63 - 1"]),
    (["forecast", "configs/ec_emissions.csv", "--seed", "-5"], ["--seed"]),
    (["run", "--rounds", "-1"], ["--rounds", "-1"]),
    (["run", "--set", "us_backstp=0.5"], ["us_backstp", "did you mean us_backstop"]),
    (["run", "--set", "actors.DE.salienc=0.5"], ["actors.DE.salienc", "did you mean salience"]),
    (["run", "--set", "us_backstop=abc"], ["--set", "us_backstop", "valid number"]),
    (["run", "--set", "us_backstop=2"], ["--set", "us_backstop", "less than or equal to 1"]),
    (["run", "--set", "turns_per_meeting=0.5"], ["--set", "turns_per_meeting"]),
])
def test_a_bad_option_is_refused_in_one_line(argv, parts):
    one_line(negotiate(*argv, *FAST[2:]), *parts)


def test_a_table_too_large_for_the_memory_limit_is_refused_with_both_figures(tmp_path):
    rows = "".join(f"A{i},{1 + i % 7},{i % 101},0.5\n" for i in range(3000))
    path = tmp_path / "big.csv"
    path.write_text("Actor,Capability,Position,Salience\n" + rows, encoding="utf-8")
    line = one_line(negotiate("forecast", str(path), "--mechanism", "smp", "--rounds", "1",
                              env={"NEGOTIATE_MEMORY_LIMIT": "1G"}), str(path), "3,000 actors")
    assert "26.8 GB" in line and "limit of 1.0 GB" in line
    line = one_line(negotiate("forecast", str(path), "--rounds", "1",
                              env={"NEGOTIATE_MEMORY_LIMIT": "2M"}), str(path), "EUM")
    assert "limit of 2.0 MB" in line


def test_the_eum_in_blocks_gives_the_dense_result_exactly():
    rng = np.random.default_rng(7)
    n = 240
    c, x, s = rng.uniform(1, 50, n), rng.uniform(0, 100, n), rng.uniform(0, 1, n)
    x[:20] = x[20]  # ties, which the blocks must break the same way
    dense = eum.eum_round(c, x, s, span=100.0)
    assert memory.eum_block(n) == n  # the default here is dense
    for block in (1, 7, 64, 239):
        np.testing.assert_array_equal(eum.eum_round(c, x, s, span=100.0, block=block), dense)
    two = np.column_stack([x, rng.uniform(0, 100, n)])
    np.testing.assert_array_equal(eum.eum_step(two, c, np.column_stack([s, s]), lo=0, hi=100,
                                               block=50),
                                  eum.eum_step(two, c, np.column_stack([s, s]), lo=0, hi=100))
    assert not np.array_equal(dense, x)  # the round moved someone: the comparison has teeth


def test_the_block_keeps_memory_within_the_budget():
    n = 10_000
    block = memory.eum_block(n)
    assert block < n and memory.eum_bytes(n, block) <= memory.DENSE_BYTES
    assert memory.eum_bytes(n, n) > 10 * memory.DENSE_BYTES  # dense would need ~15 GB

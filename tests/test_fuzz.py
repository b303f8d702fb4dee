"""Property-based fuzzing of the inputs (issue 13, part 5): every input runs or exits 2.

Mutations of the default scenario's TOML text (a value replaced by an edge value, a key
deleted or renamed, a type swapped, an actor code that does not exist) and of actor tables
(CSV, KTAB's layout, DEU) go through the command line's ``main`` in-process, stdout and
stderr captured; a handful go through a subprocess. Each must either validate and run
(two rounds, no ceasefire phase, to stay fast) or exit 2 with one line naming the file, and
never raise (which the console shows as a traceback). ``negotiate validate`` must catch
whatever ``negotiate run`` refuses in the scenario file itself.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from model.scenario import Parameters
from tests.conftest import DEFAULT_SCENARIO, ROOT

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

# FUZZ_SCALE=10 runs ten times the examples, on fresh random draws (a deeper local search)
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
settings.register_profile("fuzz", deadline=None, derandomize=SCALE == 1, database=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
FUZZ = settings.get_profile("fuzz")

TEXT = DEFAULT_SCENARIO.read_text(encoding="utf-8")
LINES = TEXT.splitlines()
ASSIGN = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)(.+)$")
ASSIGNMENTS = [k for k, line in enumerate(LINES) if ASSIGN.match(line)]
CODES = sorted(set(re.findall(r'"([A-Z]{2})"', TEXT)))
KEYS = sorted({ASSIGN.match(LINES[k]).group(2) for k in ASSIGNMENTS})
EDGE_VALUES = ["inf", "-inf", "nan", "0", "-1", "0.0", "1e308", "-1e308", "1e-300",
               "9223372036854775807", "-9223372036854775808", "true", '""', '"ZZ"', "[]", "{}",
               "[1, 2]", '{ presence = 0 }', "1979-05-27", "100", "101", "0.5", "2", "-0.5"]
_counter = itertools.count()


def cli(argv: list[str]) -> tuple[int, str, str]:
    """``negotiate ARGV`` in-process: exit code, stdout, stderr. An exception escapes."""
    from negotiate.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # overflow, nan: a silent corruption
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def one_line_naming(err: str, path: Path) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("negotiate: error: "), err
    assert "Traceback" not in err
    assert path.name in lines[0], err


class Mutation(dict):
    """Changed lines of a file by line number (a short repr for hypothesis)."""

    base: list[str] = LINES

    def text(self) -> str:
        return "\n".join(self.get(k, line) for k, line in enumerate(self.base)) + "\n"


LADDER_LINES = (ROOT / "configs/ladder_variants/no_us_rung.toml").read_text(
    encoding="utf-8").splitlines()


@st.composite
def mutated_scenario(draw, base: list[str] = LINES) -> Mutation:
    """A file (the default scenario) with one to three line-level mutations."""
    changed = Mutation()
    changed.base = base
    assignments = [k for k, line in enumerate(base) if ASSIGN.match(line)]
    numeric = [k for k in assignments if re.match(r"-?[0-9.]", ASSIGN.match(base[k]).group(4))]
    for _ in range(draw(st.integers(1, 3))):
        k = draw(st.sampled_from(assignments) | st.sampled_from(numeric or assignments))
        m = ASSIGN.match(changed.get(k, base[k]))
        if m is None:  # deleted by an earlier mutation
            continue
        indent, key, eq, value = m.groups()
        kind = draw(st.sampled_from(["edge", "edge", "edge", "delete", "rename", "swap",
                                     "actor"]))
        if kind == "edge":
            changed[k] = f"{indent}{key}{eq}{draw(st.sampled_from(EDGE_VALUES))}"
        elif kind == "delete":
            changed[k] = ""
        elif kind == "rename":
            new = draw(st.sampled_from([*KEYS, key + "_x", key.upper()]))
            changed[k] = f"{indent}{new}{eq}{value}"
        elif kind == "swap":  # a number as a string, a string as a number, a table as a list
            swapped = (f'"{value}"' if not value.startswith('"') else "42")
            if value.startswith("{"):
                swapped = "[" + value[1:-1] + "]"
            changed[k] = f"{indent}{key}{eq}{swapped}"
        else:  # an actor that does not exist, wherever a code is written
            code = draw(st.sampled_from(CODES))
            changed[k] = base[k].replace(f'"{code}"', '"QQ"')
    return changed


def check_scenario(path: Path) -> None:
    code, out, err = cli(["validate", str(path)])
    event("valid" if code == 0 else "refused")
    assert code in (0, 2), (code, out, err)
    assert "Traceback" not in out + err
    if code == 2:
        problems = (out + err).strip().splitlines()
        assert problems and all(str(path) in line for line in problems), out + err
    run, out, err = cli(["run", str(path), "--rounds", "2", "--quiet",
                         "--set", "ceasefire_phase=false"])
    if code == 0:  # what validate accepts runs
        assert run == 0, err
    else:  # and what it refuses, run refuses with one line
        assert run == 2, (out, err)
        one_line_naming(err, path)


@settings(FUZZ, max_examples=120 * SCALE)
@given(mutated_scenario())
def test_a_mutated_scenario_validates_and_runs_or_is_refused_in_one_line(tmp_path_factory,
                                                                         mutation):
    path = tmp_path_factory.mktemp("fuzz") / f"scenario_{next(_counter)}.toml"
    path.write_text(mutation.text(), encoding="utf-8")
    check_scenario(path)


@settings(FUZZ, max_examples=60 * SCALE)
@given(mutated_scenario(LADDER_LINES))
def test_a_mutated_ladder_runs_or_is_refused_in_one_line(tmp_path_factory, mutation):
    path = tmp_path_factory.mktemp("fuzz") / f"ladder_{next(_counter)}.toml"
    path.write_text(mutation.text(), encoding="utf-8")
    code, out, err = cli(["run", "--ladder", str(path), "--rounds", "1", "--quiet"])
    event("ran" if code == 0 else "refused")
    assert code in (0, 2), (code, err)
    if code == 2:
        one_line_naming(err, path)


SET_KEYS = [*sorted(Parameters.model_fields), "actors.DE.salience", "actors.DE.salience.presence",
            "actors.FR.capability", "actors.US.position.guarantee", "actors.XX.salience",
            "actors.PL.conditions.min_committed", "bandwagn", "parameters.nothing"]


@settings(FUZZ, max_examples=60 * SCALE)
@given(st.lists(st.tuples(st.sampled_from(SET_KEYS), st.sampled_from(EDGE_VALUES + ["smp"])),
                min_size=1, max_size=3))
def test_fuzzed_set_options_run_or_are_refused_in_one_line(sets):
    argv = ["run", "--rounds", "2", "--quiet", "--set", "ceasefire_phase=false"]
    for key, value in sets:
        argv += ["--set", f"{key}={value}"]
    code, out, err = cli(argv)
    event("ran" if code == 0 else "refused")
    assert code in (0, 2), (code, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("negotiate: error: --set: "), err


# ---------------------------------------------------------------------------------------
# actor tables
# ---------------------------------------------------------------------------------------

CELLS = ["0", "1", "-1", "0.5", "50", "100", "101", "inf", "-inf", "nan", "1e308", "1e-300",
         "", "x", "1,5", '"3"', "\u00e9", "9" * 400]
HEADERS = ["Actor,Capability,Position,Salience",
           "Actor,Capability,Position,Salience,Position2,Salience2",
           "actor,capability,position,salience", "Actor,Capability,Position",
           "Actor,Power,Position,Salience"]


@st.composite
def actor_table(draw) -> bytes:
    """A CSV actor table (the project's layout or KTAB's) with edge cells and encodings."""
    ktab = draw(st.booleans())
    n = draw(st.integers(0, 6))
    dims = draw(st.integers(1, 2))
    rows = []
    if ktab:
        rows.append(f"fuzz,a fuzzed table,{draw(st.sampled_from([n, n + 1]))},{dims}")
        rows.append("Actor,Description,Power," + ",".join(
            f"Dim{k},Sal{k}" for k in range(dims)))
    else:
        rows.append(draw(st.sampled_from(HEADERS[:3]) | st.sampled_from(HEADERS)))
        dims = rows[0].count("Position")
    for i in range(n):
        good = [f"A{i}"] + (["d"] if ktab else []) + [str(10 + i)] + \
            [v for _ in range(dims) for v in (str(20 * i % 101), "0.5" if not ktab else "40")]
        bad = [draw(st.sampled_from(CELLS)) if draw(st.integers(0, 9)) == 0 else cell
               for cell in good]
        rows.append(",".join(bad))
    text = "\n".join(rows) + "\n"
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["latin-1", "utf-16"]))
    return text.encode(encoding, errors="replace")


@settings(FUZZ, max_examples=120 * SCALE)
@given(actor_table(), st.sampled_from(["eum", "smp", "compromise"]))
def test_a_fuzzed_actor_table_forecasts_or_is_refused_in_one_line(tmp_path_factory, data,
                                                                  mechanism):
    path = tmp_path_factory.mktemp("fuzz") / f"table_{next(_counter)}.csv"
    path.write_bytes(data)
    code, out, err = cli(["forecast", str(path), "--rounds", "2", "--mechanism", mechanism])
    event("forecast" if code == 0 else "refused")
    assert code in (0, 2), (code, out, err)
    if code == 2:
        one_line_naming(err, path)


DEU_HEAD = "isnr\tprnr\tpa\tpb\tpc\tsa\tsb\tsc\trp\tout\n\t\t1\t2\t1\t\t\t\t\t\n"


@settings(FUZZ, max_examples=60 * SCALE)
@given(st.lists(st.lists(st.sampled_from(CELLS[:12] + ["i1", "i2"]), min_size=0, max_size=10),
                min_size=0, max_size=3), st.booleans())
def test_a_fuzzed_deu_file_forecasts_or_is_refused_in_one_line(tmp_path_factory, rows, head):
    path = tmp_path_factory.mktemp("fuzz") / f"deu_{next(_counter)}.tsv"
    body = "".join(f"i{k}\tp\t" + "\t".join(r) + "\n" for k, r in enumerate(rows))
    path.write_text((DEU_HEAD if head else "") + body, encoding="utf-8")
    code, out, err = cli(["forecast", str(path), "--format", "deu", "--rounds", "2"])
    assert code in (0, 2), (code, out, err)
    if code == 2:
        one_line_naming(err, path)


# ---------------------------------------------------------------------------------------
# a handful through a real process: the console is what the user sees
# ---------------------------------------------------------------------------------------


@settings(FUZZ, max_examples=3 * SCALE)
@given(mutated_scenario())
def test_a_mutated_scenario_through_a_process_prints_no_traceback(tmp_path_factory, mutation):
    path = tmp_path_factory.mktemp("fuzz") / f"proc_{next(_counter)}.toml"
    path.write_text(mutation.text(), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "negotiate", "run", str(path), "--rounds", "1",
                           "--quiet", "--set", "ceasefire_phase=false"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode in (0, 2), proc.stderr
    assert "Traceback" not in proc.stderr
    if proc.returncode == 2:
        one_line_naming(proc.stderr, path)

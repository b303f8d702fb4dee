"""KTAB's SMP CSV layout (inputs/ktab_table.py) and ``negotiate forecast --mechanism smp``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inputs.actor_table import read_actor_table
from inputs.ktab_table import read_ktab_table
from model.errors import InputError
from negotiate.main import main

DUMMY = Path("configs/ktab/dummyData_3Dim.csv")
LINES = DUMMY.read_text().splitlines()


def test_reads_ktab_layout_verbatim():
    table = read_actor_table(DUMMY)  # dispatches on the layout
    assert table.names == [f"SActor-0{i}" for i in range(7)]
    assert table.dimension_names == ["Pstn1", "Pstn2", "Pstn3"]
    assert table.c[0] == 102.543
    np.testing.assert_array_equal(table.x[2], [82.45, 90.89, 0.07])
    np.testing.assert_allclose(table.s[0], [0.4953, 0.0591, 0.2815])
    assert read_ktab_table(DUMMY).names == table.names


def _broken(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _row(k: int, **cells: str) -> str:
    """Line of actor k with some cells replaced (0 name, 2 power, 3 pos1, 4 sal1, ...)."""
    parts = LINES[2 + k].split(",")
    for index, value in cells.items():
        parts[int(index[1:])] = value
    return ",".join(parts)


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda L: L[:2] + [_row(0, c4="80.0", c6="10.0", c8="20.0")] + L[3:],
         "row 3, column Sal3: saliences sum to 110 > 100"),
        (lambda L: L[:3] + [_row(1, c2=" 0")] + L[4:], "row 4, column Power: capability 0"),
        (lambda L: ["Two,two actors,2,3,"] + L[1:4], "2 actor(s); KTAB's SMP needs 3 to 250"),
        (lambda L: [L[0], L[1].replace("Power", "Capability")] + L[2:],
         "row 2, column 3: expected 'Power', found 'Capability'"),
        (lambda L: [L[0], L[1].replace("Sal3,", "")] + L[2:],
         "row 2, column 'Pstn3': position column without its salience column"),
        (lambda L: L[:4] + [_row(2, c5="101")] + L[5:],
         "row 5, column Pstn2: position 101 is outside 0..100"),
        (lambda L: L[:2] + [_row(0, c3="abc")] + L[3:], "row 3, column Pstn1: 'abc' is not a"),
        (lambda L: ["DummyData_3Dim,x,8,3,"] + L[1:], "row 1, column 3: declares 8 actors"),
    ],
)
def test_bad_ktab_tables_name_file_row_and_column(tmp_path, capsys, edit, expected):
    path = _broken(tmp_path, edit(LINES))
    with pytest.raises(InputError) as err:
        read_actor_table(path)
    assert str(err.value).startswith(f"{path}: ")
    assert expected in str(err.value)
    assert main(["forecast", str(path), "--mechanism", "smp"]) == 2
    message = capsys.readouterr().err.strip()
    assert "\n" not in message and expected in message


def test_forecast_smp_writes_positions_and_probabilities(tmp_path):
    assert main(["forecast", str(DUMMY), "--mechanism", "smp", "--out", str(tmp_path)]) == 0
    pos = pd.read_csv(tmp_path / "positions.csv")
    prob = pd.read_csv(tmp_path / "probabilities.csv")
    assert list(pos.columns) == ["round", "actor", "dimension", "position"]
    assert list(prob.columns) == ["round", "actor", "probability"]
    assert pos["round"].max() == 10 and prob["round"].max() == 10  # KTAB's 11 states
    assert len(pos) == 11 * 7 * 3 and len(prob) == 11 * 7
    start = pos[pos["round"] == 0].set_index(["actor", "dimension"])["position"]
    assert start[("SActor-00", "Pstn2")] == 6.37  # round 0 is the input, verbatim
    last = pos[pos["round"] == 10].set_index(["actor", "dimension"])["position"]
    # dummyData_3Dim log lines 5212-5214, last column: 78.6 31.8 74.1
    got = [last[("SActor-00", d)] for d in ("Pstn1", "Pstn2", "Pstn3")]
    np.testing.assert_allclose(got, [78.6, 31.8, 74.1], atol=0.05 + 1e-9)
    # log line 5239, last column: SActor-05 prob 0.4009
    final = prob[prob["round"] == 10].set_index("actor")["probability"]
    assert f"{final['SActor-05']:.4f}" == "0.4009"


def test_forecast_smp_reads_project_tables(tmp_path):
    assert main(["forecast", "configs/ec_emissions.csv", "--mechanism", "smp",
                 "--rounds", "2", "--out", str(tmp_path)]) == 0
    pos = pd.read_csv(tmp_path / "positions.csv")
    assert pos["round"].max() == 2
    assert set(pos["dimension"]) == {1}
    # the scale is the table's initial range, so every forecast stays inside it
    assert pos["position"].between(pos["position"].min(), pos["position"].max()).all()
    start = pos[pos["round"] == 0]["position"]
    assert pos["position"].min() >= start.min() and pos["position"].max() <= start.max()

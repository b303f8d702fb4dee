"""``negotiate sensitivity``: Sobol and Morris indices through SALib, on a tiny sample.

Germany's longitude is drawn on the map and used nowhere in the model, so with common random
numbers its indices must be exactly zero, while Russia's threat credibility moves the troops
pledged (checked here, not assumed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inputs.scenario_file import default_scenario as shipped_scenario
from model.run import run_one
from negotiate.main import main

SCENARIO = Path(__file__).resolve().parent.parent / "configs" / "coalition_of_the_willing.toml"


def sweep_file(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "sens.toml"
    path.write_text(f"""
scenario = "{SCENARIO}"
seed = 5
[parameters]
russia_threat_credibility = {{ low = 0.0, high = 1.0 }}
"actors.DE.lon" = {{ low = 0.0, high = 20.0 }}
{extra}
[design]
samples = 16
""")
    return path


def test_the_threat_credibility_matters_and_the_longitude_does_not():
    def troops(**params):
        return run_one(params, 3, scenario=shipped_scenario()).rounds["troops_intended"].iloc[-1]

    assert troops(russia_threat_credibility=0.0) != troops(russia_threat_credibility=1.0)
    assert troops(**{"actors.DE.lon": 0.0}) == troops(**{"actors.DE.lon": 20.0})


def test_sobol_indices(tmp_path, capsys):
    to = tmp_path / "sobol.csv"
    runs = tmp_path / "runs"
    code = main(["sensitivity", str(sweep_file(tmp_path)), "--method", "sobol", "--outcome",
                 "troops_intended", "--executor", "serial", "--quiet", "--to", str(to),
                 "--out", str(runs)])
    assert code == 0
    out = capsys.readouterr().out
    assert "Sobol indices" in out and "troops_intended" in out
    table = pd.read_csv(to)
    assert list(table["parameter"]) == ["russia_threat_credibility", "actors.DE.lon"]
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(table.columns)
    ind = table.set_index("parameter")
    assert ind.loc["actors.DE.lon", "ST"] == pytest.approx(0.0, abs=1e-12)
    assert ind.loc["actors.DE.lon", "S1"] == pytest.approx(0.0, abs=1e-12)
    assert ind.loc["russia_threat_credibility", "ST"] > 0.5
    assert np.isfinite(ind["ST_conf"]).all() and (ind["ST_conf"] >= 0).all()
    # the runs were kept: a sampled parameter plots as binned means
    assert main(["sweep", "plot", str(runs), "--outcome", "troops_intended"]) == 0
    assert sorted(p.name for p in (runs / "figures").glob("*.png")) == [
        "troops_intended__actors.DE.lon.png", "troops_intended__russia_threat_credibility.png"]


def test_morris_per_mechanism_and_runs_kept(tmp_path, capsys):
    out_dir = tmp_path / "runs"
    path = sweep_file(tmp_path, 'mechanism = ["eum", "compromise"]')
    code = main(["sensitivity", str(path), "--method", "morris", "--outcome", "troops_intended",
                 "--samples", "4", "--executor", "serial", "--quiet", "--out", str(out_dir)])
    assert code == 0
    table = pd.read_csv(out_dir / "sensitivity_morris_troops_intended.csv")
    # one analysis per mechanism, one row per factor
    assert len(table) == 4
    assert list(table["mechanism"]) == ["eum", "eum", "compromise", "compromise"]
    eum = table[table["mechanism"] == "eum"].set_index("parameter")
    assert eum.loc["actors.DE.lon", "mu_star"] == pytest.approx(0.0, abs=1e-12)
    assert eum.loc["russia_threat_credibility", "mu_star"] > 0
    runs = pd.read_parquet(out_dir / "runs.parquet")
    assert len(runs) == 2 * 4 * (2 + 1)  # blocks x trajectories x (factors + 1)
    assert runs["seed"].nunique() == 1  # common random numbers by default


def test_sensitivity_errors(tmp_path, capsys):
    path = sweep_file(tmp_path)
    assert main(["sensitivity", str(path), "--outcome", "nonsense", "--executor",
                 "serial"]) == 2
    err = capsys.readouterr().err
    assert "--outcome nonsense: not an outcome" in err and "troops_intended" in err
    assert main(["sensitivity", str(path), "--outcome", "troops_intended", "--samples", "12",
                 "--executor", "serial"]) == 2
    assert "--samples: Sobol sampling needs a power of 2" in capsys.readouterr().err

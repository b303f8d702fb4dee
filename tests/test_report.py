"""The run report and the sweep report (analysis/report.py): what the page shows, from the
tables of a run; that it asks for nothing outside itself; that it is reproducible."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.report import (
    RUN_SECTIONS,
    SWEEP_SECTIONS,
    Place,
    _ceasefire_body,
    default_map_rounds,
    map_figure,
    run_report,
    sweep_report,
)
from inputs.scenario_file import load_scenario
from model.run import run_one

SCENARIO = "configs/coalition_of_the_willing.toml"


@pytest.fixture(scope="module")
def run():
    scenario = load_scenario(SCENARIO)
    tables = run_one({"mechanism": "eum"}, seed=3, scenario=scenario)
    places = {c: Place(a.name, a.lon, a.lat) for c, a in scenario.actors.items()}
    meta = {"scenario": SCENARIO, "scenario_name": scenario.name, "seed": 3, "rounds": 10,
            "parameters": {"mechanism": "eum", "bandwagon": 15.0}, "set": ["bandwagon=15"],
            "versions": {"mesa": "3.x"}, "ladder_rungs": [r.name for r in
                                                          scenario.ceasefire.ladder]}
    page = run_report(tables.rounds, tables.actors, tables.events, meta, extra=tables.extra,
                      places=places)
    return tables, places, meta, page


def _section(page: str, anchor: str) -> str:
    m = re.search(rf'<section id="{anchor}">(.*?)</section>', page, re.S)
    assert m, f"no section {anchor}"
    return m.group(1)


def test_every_section_in_order_with_its_content(run):
    tables, places, meta, page = run
    ids = re.findall(r'<section id="([a-z]+)">', page)
    assert ids == [a for a, _ in RUN_SECTIONS]
    for anchor in ("stances", "paths", "map", "pledges", "threat"):
        assert "<svg" in _section(page, anchor), anchor
    # every actor has its panel in the paths figure, with its name
    paths = _section(page, "paths")
    for code, place in places.items():
        assert f"{code} {place.name}"[:22] in paths
    # the stance table names every state after the last round
    last = tables.actors[tables.actors["round"] == tables.actors["round"].max()]
    stances = _section(page, "stances")
    for stance, group in last.groupby("stance"):
        assert ", ".join(sorted(group["actor"])) in stances, stance
    # every event, in order
    events = _section(page, "events")
    positions = [events.find(_esc(e)) for e in tables.events]
    assert -1 not in positions and positions == sorted(positions)
    # the parameters, seed, --set and versions
    params = _section(page, "parameters")
    assert "bandwagon=15" in params and "3.x" in params and ">3<" in params


def _esc(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def test_ceasefire_outcome_matches_the_outcomes_table(run):
    tables, places, meta, page = run
    outcomes = tables.extra["outcomes"]
    body = _section(page, "ceasefire")
    word = "held" if bool(outcomes["ceasefire_held"].iloc[0]) else "collapsed"
    assert f"<b>{word}</b>" in body
    collapsed = outcomes.assign(ceasefire_held=0, violations=3, highest_rung=2)
    body = _ceasefire_body({**tables.extra, "outcomes": collapsed}, meta["ladder_rungs"])
    assert "<b>collapsed</b>" in body and "<b>3</b>" in body
    assert f"<b>{meta['ladder_rungs'][1]}</b>" in body  # rung 2 by its name
    assert "no ceasefire phase" in _ceasefire_body({}, [])


def test_the_page_asks_for_nothing_outside_itself(run):
    page = run[3]
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert "@import" not in page and not re.search(r"url\((?!#)", page)
    # the only href/src values are anchors in the page itself
    refs = re.findall(r'(?:href|src)="([^"]*)"', page)
    assert refs and all(r.startswith("#") for r in refs)
    assert "default-src 'none'" in page  # and the browser is told so


def test_same_tables_same_page_and_the_map_rounds(run):
    tables, places, meta, page = run
    again = run_report(tables.rounds, tables.actors, tables.events, meta, extra=tables.extra,
                       places=places)
    assert again == page
    assert default_map_rounds(tables.rounds) == [1, 6, 10]
    assert "round 6, 2025-08-18" in _section(page, "map")
    dates = dict(zip(tables.rounds["round"], tables.rounds["date"], strict=True))
    body = map_figure(tables.actors, places, [2, 9], dates)
    assert "round 2, 2025-02-17" in body and "round 9," in body and "round 6," not in body
    page = run_report(tables.rounds, tables.actors, tables.events, meta)
    assert "<svg" not in _section(page, "map") and "no map" in _section(page, "map")


def test_sweep_report_one_distribution_per_outcome_and_the_indices():
    design = pd.DataFrame({"design_point": [0, 1], "us_backstop": [0.2, 0.8]})
    outcomes = pd.DataFrame({"run_id": [0, 1, 2, 3], "design_point": [0, 0, 1, 1],
                             "replication": [0, 1, 0, 1], "seed": [1, 2, 3, 4],
                             "troops_pledged": [0.0, 1000.0, 5000.0, 7000.0],
                             "ceasefire_held": [1, 0, 1, 1]})
    indices = pd.DataFrame({"outcome": ["troops_pledged"], "parameter": ["us_backstop"],
                            "S1": [0.81], "ST": [0.9]})
    page = sweep_report(outcomes, design, {"name": "tiny", "status": "complete"},
                        sensitivity={"sensitivity_sobol_troops_pledged": indices})
    assert re.findall(r'<section id="([a-z]+)">', page) == [a for a, _ in SWEEP_SECTIONS]
    body = _section(page, "outcomes")
    assert body.count("<svg") == 2  # troops_pledged, ceasefire_held
    assert "6,000" in body or "6000" in body  # the mean at design point 1
    assert "0.81" in _section(page, "sensitivity")
    assert "us_backstop=0.8" in body  # the design point's label
    page = sweep_report(outcomes, design, {"name": "tiny"})
    assert "none computed" in _section(page, "sensitivity")


def test_commands_write_the_pages_and_bad_input_is_one_line(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    import json

    from negotiate.main import main

    out = tmp_path / "run"
    assert main(["run", "--out", str(out), "--quiet", "--report", "--set",
                 "ceasefire_phase=false"]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert set(run["places"]) >= {"FR", "GB", "US"}  # the map needs no scenario file
    assert "no ceasefire phase" in _section(page, "ceasefire")
    assert "ceasefire_phase=false" in _section(page, "parameters")
    assert "<svg" in _section(page, "map")
    assert main(["run", "--out", str(out), "--quiet", "--seed", "1"]) == 0
    assert not (out / "report.html").exists()  # the earlier run's page does not stay
    capsys.readouterr()
    (out / "rounds.csv").unlink()
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "rounds.csv" in err[0] and str(out) in err[0]
    assert main(["run", "--report"]) == 2
    assert "--report: needs --out" in capsys.readouterr().err

    sweep_dir = tmp_path / "sweep"
    assert main(["sweep", "run", "small", "--out", str(sweep_dir), "--executor", "serial",
                 "--quiet"]) == 0
    assert main(["sweep", "report", str(sweep_dir), "--outcome", "willing_troops"]) == 0
    page = (sweep_dir / "report.html").read_text(encoding="utf-8")
    assert re.findall(r'<section id="([a-z]+)">', page) == [a for a, _ in SWEEP_SECTIONS]
    assert "Sweep: small" in page and _section(page, "outcomes").count("<svg") == 1
    assert main(["sweep", "report", str(sweep_dir), "--outcome", "nonsense"]) == 2
    assert "--outcome nonsense" in capsys.readouterr().err

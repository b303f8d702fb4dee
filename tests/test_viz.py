"""The live view without a browser: pure drawing functions, and the page under solara.render."""

from __future__ import annotations

import contextlib
import inspect
import io
import re

import ipyvuetify as v
import mesa
import pytest
import solara

from model.tables import tables_of
from viz import app as viz_app
from viz.charts import (
    coalition_records,
    coalition_spec,
    pledges_records,
    positions_records,
    positions_spec,
    whatif_records,
    with_data,
)
from viz.coalition_map import map_svg, project
from viz.coalition_table import table_rows
from viz.controls import round_summary
from viz.event_log import log_blocks, log_html
from viz.ladder import has_ladder, ladder_html
from viz.live_model import LiveModel, model_params, parse_seed, scenario_files
from viz.vega import QuickVegaLite


@pytest.fixture
def model():
    return LiveModel(seed=0)


def run(model, rounds):
    for _ in range(rounds):
        model.step()
    return model


# -- the model the view builds ----------------------------------------------------------------
def test_live_model_takes_exactly_the_sidebar_controls():
    params = model_params()
    signature = inspect.signature(LiveModel.__init__).parameters
    assert set(params) <= set(signature)
    # Mesa >= 3.4 would inject its own Scenario on Reset into a `scenario` parameter
    assert "scenario" not in signature
    assert not any(p.kind == p.VAR_KEYWORD for p in signature.values())
    model = LiveModel(**{k: spec["value"] for k, spec in params.items()})
    defaults = model.scenario_config.parameters
    assert model.params.us_backstop == defaults.us_backstop
    assert model.params.mechanism == defaults.mechanism


def test_mesa_accepts_the_model_params(model):
    from mesa.visualization.solara_viz import _check_model_params

    version = tuple(int(x) for x in mesa.__version__.split(".")[:2])
    target = model if version >= (3, 4) else LiveModel.__init__  # 3.4 takes the model itself
    _check_model_params(target, model_params())  # raises on an unknown or missing parameter


def test_levers_reach_the_model():
    model = LiveModel(us_backstop=0.1, russia_threat_credibility=0.9, bandwagon=30.0,
                      mechanism="compromise", ceasefire_round=2, seed="7")
    p = model.params
    assert (p.us_backstop, p.russia_threat_credibility, p.bandwagon, p.mechanism) == (
        0.1, 0.9, 30.0, "compromise")
    assert p.ceasefire_round == 2
    run(model, 2)
    assert model.ceasefire
    assert LiveModel(ceasefire_round=0).params.ceasefire_round is None


def test_seed_text():
    assert parse_seed("42") == 42
    assert parse_seed(" 3 ") == 3
    assert parse_seed("class 4b") == parse_seed("class 4b")  # any word, stably
    a, b = run(LiveModel(seed="5"), 3), run(LiveModel(seed=5), 3)
    assert [x.position for x in a.states.values()] == [x.position for x in b.states.values()]


def test_scenario_menu_lists_scenarios_only(monkeypatch, tmp_path):
    files = scenario_files()
    assert "coalition_of_the_willing" in files
    assert all(p.suffix == ".toml" for p in files.values())
    source = files["coalition_of_the_willing"]
    mine = tmp_path / "my_class.toml"
    mine.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("NEGOTIATE_VIZ_SCENARIO", str(mine))
    assert next(iter(scenario_files())) == "my_class"
    assert model_params()["scenario_name"]["value"] == "my_class"
    assert LiveModel(scenario_name="my_class").scenario_name == "my_class"


# -- the map --------------------------------------------------------------------------------
def test_map_has_every_actor_coloured_by_bloc(model):
    run(model, 9)
    svg = map_svg(model)
    nodes = dict(re.findall(r'data-code="(\w+)" data-bloc="(\w+)"', svg))
    assert nodes == {a.code: a.bloc for a in model.states.values()}
    assert 'data-round="9"' in svg
    assert f'data-threat="{model.russia_threat:.2f}"' in svg
    pledged = sum(len(a.pledges) for a in model.states.values())
    assert svg.count('class="viz-ring ') == pledged
    committed = [a for a in model.states.values() if a.committed]
    assert ("viz-hull" in svg) == (len(committed) >= 2)
    stances = dict(re.findall(r'data-code="(\w+)" data-bloc="\w+" data-stance="(\w+)"', svg))
    assert stances == {a.code: a.stance for a in model.states.values()}
    from viz.style import STANCE_COLOURS, STANCE_LABELS

    for stance, label in STANCE_LABELS.items():  # a legend a class can read
        assert label in svg and STANCE_COLOURS[stance] in svg


def test_map_projection_keeps_europe_and_marks_far_capitals():
    x_paris, y_paris, out = project(2.35, 48.86)
    x_warsaw, y_warsaw, _ = project(21.01, 52.23)
    assert not out and x_warsaw > x_paris and y_warsaw < y_paris
    assert project(-77.04, 38.9)[2] and project(149.13, -35.28)[2]


# -- charts, log, table, header ----------------------------------------------------------------
def test_chart_specs_are_filled_with_the_rounds(model):
    run(model, 4)
    tables = tables_of(model)
    rec = coalition_records(tables.rounds)
    assert len(rec) == 3 * 5 and {r["round"] for r in rec} == set(range(5))
    spec = with_data(coalition_spec(model.total_rounds), coalition=rec, whatif=[])
    assert spec["datasets"]["coalition"] is rec
    assert "datasets" not in coalition_spec(model.total_rounds)  # the cached spec is untouched
    assert len(pledges_records(tables.actors)) == 5 * 6
    names = {a.code: a.name for a in model.states.values()}
    pos = positions_records(tables.actors, names, {c: "support" for c in names}, "FR")
    assert len(pos) == 5 * len(names)
    assert {r["actor"] for r in pos if r["hl"]} == {"FR"}
    layer_data = [layer.get("data", {}).get("name") for layer in
                  positions_spec(model.total_rounds)["layer"]]
    assert "positions" in layer_data and "whatif" in layer_data


def test_charts_redraw_without_solaras_100_ms_wait():
    assert QuickVegaLite is not solara.widgets.VegaLite
    assert "}, 10)" in QuickVegaLite().template


def test_event_log_newest_first_with_venue_and_date(model):
    assert "Press <b>Step</b>" in log_html(model)
    run(model, 3)
    model.inject("us_backstop", 0.0, "the United States withdraws its backstop")
    blocks = log_blocks(model)
    assert blocks[0].whatif and blocks[0].heading.startswith("What-if before round 4")
    assert blocks[0].lines == ["The United States withdraws its backstop."]
    rounds = [b.round for b in blocks if not b.whatif]
    assert rounds == sorted(rounds, reverse=True) and rounds[0] == 3
    spec = model.round_spec(3)
    assert spec.venue in blocks[1].heading and str(spec.date.year) in blocks[1].heading
    assert whatif_records(model) == [
        {"round": 3.5, "label": "the United States withdraws its backstop."}]


def test_table_marks_conditions(model):
    run(model, 2)
    rows = {r["code"]: r for r in table_rows(model)}
    assert set(rows) == set(model.states)
    de = model.states["DE"]
    unmet = de.unmet_conditions()
    assert rows["DE"]["conditions"].count("✗") == len(unmet)
    met, total = map(int, rows["DE"]["met"].split("/"))
    assert total - met == len(unmet)
    fr = model.states["FR"]
    assert rows["FR"]["personnel"] == int(sum(fr.pledges.values()))
    assert rows["RU"]["conditions"] == "—"


def test_header(model):
    s = round_summary(model)
    assert s["round"] == f"Round 0 of {model.total_rounds}" and s["held"] == "starting positions"
    run(model, model.total_rounds)
    s = round_summary(model)
    assert s["next"] == "The last round has been held."


# -- the page -------------------------------------------------------------------------------
def render_page():
    with contextlib.redirect_stdout(io.StringIO()):  # AppLayout prints its app bar outside a server
        return solara.render(solara.AppLayout(children=[viz_app.Page()]), handle_error=False)


def html_of(rc, cls: str) -> str:
    found = [w for w in rc.find(solara.widgets.HTML).widgets
             if cls in w.attributes.get("class", "").split()]
    assert len(found) == 1, f"{len(found)} elements with class {cls}"
    return found[0].unsafe_innerHTML


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def round_of(rc) -> int:
    return int(re.search(r'class="viz-round" data-round="(\d+)"', html_of(rc, "viz-header"))[1])


def chart_data(rc, name: str) -> list:
    for widget in rc.find(QuickVegaLite).widgets:
        if name in widget.spec.get("datasets", {}):
            return widget.spec["datasets"][name]
    raise AssertionError(f"no chart with data set {name}")


def test_page_steps_injects_and_resets():
    _, rc = render_page()
    assert round_of(rc) == 0
    assert len(chart_data(rc, "coalition")) == 3  # three series: now, willing, outside only
    for _ in range(3):
        click(rc, "Step")
    assert round_of(rc) == 3
    assert len(chart_data(rc, "coalition")) == 3 * 4
    assert 'data-round="3"' in html_of(rc, "viz-map")
    assert html_of(rc, "viz-log").count("viz-log-latest") == 1
    assert "Round 3 · " in html_of(rc, "viz-log")
    click(rc, "US withdraws its backstop")
    assert "US backstop <b>0.00</b>" in html_of(rc, "viz-header")
    assert "What-if before round 4" in html_of(rc, "viz-log")
    assert chart_data(rc, "whatif") == [
        {"round": 3.5, "label": "the United States withdraws its backstop."}]
    click(rc, "Reset")
    assert round_of(rc) == 0
    assert chart_data(rc, "whatif") == []


def test_sliders_apply_on_reset():
    _, rc = render_page()
    slider = rc.find(v.Slider, label="US backstop what-if (left end: as announced)").widget
    slider.v_model = 0.9
    assert "US backstop <b>0.25</b>" in html_of(rc, "viz-header")  # not before Reset
    click(rc, "Reset")
    assert "US backstop <b>0.90</b>" in html_of(rc, "viz-header")


def test_each_page_has_its_own_model():
    _, rc_a = render_page()
    _, rc_b = render_page()
    for _ in range(3):
        click(rc_a, "Step")
    assert round_of(rc_a) == 3
    assert round_of(rc_b) == 0
    # and nothing at module level that every tab would share
    shared = [name for name, value in vars(viz_app).items() if isinstance(value, mesa.Model)]
    assert shared == []


def test_ceasefire_ladder_after_the_last_round():
    model = LiveModel()
    if not has_ladder(model):
        pytest.skip("this scenario has no [ceasefire] section")
    _, rc = render_page()
    assert ladder_html(None, model.scenario_config.ceasefire.ladder).count("viz-rung ") == len(
        model.scenario_config.ceasefire.ladder)
    for _ in range(model.total_rounds):
        click(rc, "Step")
    assert "day 1, 00:00" in html_of(rc, "viz-ladder-clock")
    click(rc, "Violation")
    for _ in range(4):
        click(rc, "+6 h")
    clock = html_of(rc, "viz-ladder-clock")
    assert clock.startswith("day 2, 00:00")
    rungs = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets
             if "viz-ladder-rungs" in w.unsafe_innerHTML]
    assert len(rungs) == 1 and 'data-status="acted"' in rungs[0]
    assert "violates the ceasefire" in html_of(rc, "viz-ladder-history")

"""The ceasefire phase (model/ceasefire/): the ladder, the violator's rule, the queue."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from inputs.scenario_file import default_scenario as shipped_scenario
from inputs.scenario_file import load_ladder, with_ladder
from model.ceasefire import (
    CeasefirePhase,
    HeapEventQueue,
    ceasefire_after,
    make_queue,
    mesa_has_events,
)
from model.errors import InputError
from model.negotiation import NegotiationModel
from model.run import run_one
from model.scenario import Scenario, scenario_errors

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = sorted((ROOT / "configs" / "ladder_variants").glob("*.toml"))
NO_US = ROOT / "configs" / "ladder_variants" / "no_us_rung.toml"
BACKENDS = ["heapq", pytest.param("mesa", marks=pytest.mark.skipif(
    not mesa_has_events(), reason="this Mesa has no schedule_event"))]

FORCES = {"FR": {"ground": 6000, "air": 1500}, "GB": {"ground": 5000, "maritime": 1000},
          "US": {"air": 2000, "monitoring": 500}}


def standalone(default_scenario, *, pledges=None, us_backstop=0.6, threat=0.5, ladder=None,
               seed=0, queue=None, **params) -> CeasefirePhase:
    """A phase started on its own from a scenario that says who pledged what."""
    raw = default_scenario.model_dump(mode="python")
    raw["ceasefire"]["pledges"] = pledges if pledges is not None else FORCES
    raw["ceasefire"]["threat"] = threat
    if ladder is not None:
        raw["ceasefire"]["ladder"] = ladder
    raw["parameters"].update(us_backstop=us_backstop, **params)
    return CeasefirePhase.standalone(Scenario.model_validate(raw), seed=seed, queue=queue)


# -- the event queue ------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_queue_runs_calls_in_time_then_priority_then_insertion_order(backend):
    q = make_queue(backend)
    seen = []

    class Sink:
        def note(self, label):
            seen.append((q.now, label))

    sink = Sink()
    q.schedule(5.0, sink.note, "late", priority=5)
    q.schedule(2.0, sink.note, "low", priority=10)
    q.schedule(2.0, sink.note, "first", priority=5)
    q.schedule(2.0, sink.note, "second", priority=5)
    q.run_until(1.9)
    assert seen == [] and q.now == pytest.approx(1.9)
    q.run_until(2.0)
    assert seen == [(2.0, "first"), (2.0, "second"), (2.0, "low")]
    q.run_until(10.0)
    assert seen[-1] == (5.0, "late") and q.now == pytest.approx(10.0)


def test_heap_queue_refuses_the_past_and_runs_what_a_call_schedules_now():
    q = HeapEventQueue()
    seen = []

    def chain(n):
        seen.append((q.now, n))
        if n < 3:
            q.schedule(q.now, chain, n + 1)

    q.schedule(4.0, chain, 1)
    q.run_until(4.0)
    assert seen == [(4.0, 1), (4.0, 2), (4.0, 3)]
    with pytest.raises(ValueError):
        q.schedule(3.0, chain, 1)


# -- the ladder -----------------------------------------------------------------------------
def test_without_forces_or_backstop_violations_go_unanswered_past_the_first_rungs(
        default_scenario):
    held = []
    for seed in range(30):
        phase = standalone(default_scenario, pledges={}, us_backstop=0.0, seed=seed)
        assert [r.strength for r in phase.ladder][2:] == [0.0, 0.0]
        phase.trigger_violation(0.75)
        phase.run()
        for v in phase.violations:
            assert v.status[2] in ("unanswered", "not needed")
            assert v.status[3] in ("unanswered", "not needed")
            assert v.stopped_by in (None, 0, 1)
        assert phase.outcomes()["highest_rung"] <= 2
        held.append(phase.outcomes()["ceasefire_held"])
    # nothing past Ukraine's forces can stop a violation: most such ceasefires collapse
    assert np.mean(held) < 0.5


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_rung_acts_exactly_at_its_delay(default_scenario, backend):
    ladder = [
        {"name": "warn", "kind": "diplomatic", "delay_h": 3, "effect": 0.0, "source": "t"},
        {"name": "host", "kind": "host", "actors": ["UA"], "delay_h": 10, "effect": 0.0,
         "source": "t"},
        {"name": "coalition", "kind": "forces", "actors": ["FR", "GB"], "delay_h": 10,
         "effect": 0.0, "source": "t"},
        {"name": "us", "kind": "backstop", "actors": ["US"], "delay_h": 50, "effect": 0.0,
         "source": "t"},
    ]
    phase = standalone(default_scenario, ladder=ladder, queue=backend,
                       violation_propensity=0.0)
    phase.advance(7.5)
    v = phase.trigger_violation(0.5)
    assert v is not None and v.start_h == 7.5
    for k, rung in enumerate(phase.ladder):
        due = v.start_h + rung.delay_h
        if due > phase.clock_hours:
            phase.advance(due - phase.clock_hours - 0.25)
            assert v.status[k] == "pending", rung.name
            phase.advance(0.25)
        assert phase.clock_hours == due
        assert v.status[k] == "unanswered", rung.name
    hours = {e.rung: e.hour for e in phase.history if e.rung is not None}
    assert hours == {k: 7.5 + r.delay_h for k, r in enumerate(phase.ladder)}
    assert phase.collapsed and phase.collapsed_h == 57.5


def test_every_rung_of_the_default_ladder_acts_at_its_delay_in_a_full_run(default_scenario):
    phase = standalone(default_scenario, violation_propensity=0.3, seed=3).run()
    assert phase.violations, "the test needs violations; raise the propensity"
    delays = {r.index: r.delay_h for r in phase.ladder}
    starts = {v.number: v.start_h for v in phase.violations}
    rung_events = [e for e in phase.history if e.rung is not None]
    assert rung_events
    for e in rung_events:
        assert e.hour - starts[e.violation] == delays[e.rung]
    assert phase.ladder[0].delay_h == 24 and phase.ladder[-1].delay_h == 72  # S4


def test_a_stronger_ladder_deters_more_in_the_violators_reckoning(default_scenario):
    weak = standalone(default_scenario, pledges={}, us_backstop=0.0)
    strong = standalone(default_scenario, us_backstop=1.0)
    for s in weak.severities:
        for x in (0.5, 1.0, 3.0):
            assert strong.utility(s, x) < weak.utility(s, x)
    backstops = [standalone(default_scenario, us_backstop=b).deterrence_table()["threshold"]
                 for b in (0.0, 0.5, 1.0)]
    assert (backstops[0] <= backstops[1]).all() and (backstops[1] <= backstops[2]).all()


def test_removing_the_us_rung_never_makes_deterrence_stronger(default_scenario):
    no_us = load_ladder(NO_US).model_dump(mode="python")["ladder"]
    # the violator's reckoning: never less attractive to violate without the US rung
    for backstop in (0.0, 0.3, 1.0):
        for pledges in ({}, FORCES):
            full = standalone(default_scenario, pledges=pledges, us_backstop=backstop)
            cut = standalone(default_scenario, pledges=pledges, us_backstop=backstop,
                             ladder=no_us)
            for s in full.severities:
                for x in (0.2, 1.0, 5.0):
                    assert cut.utility(s, x) >= full.utility(s, x) - 1e-12
    # and in simulated histories, with the same seeds
    held_full, held_cut = [], []
    for seed in range(40):
        kw = {"us_backstop": 0.8, "seed": seed, "violation_propensity": 0.05}
        held_full.append(standalone(default_scenario, **kw).run().outcomes()["ceasefire_held"])
        held_cut.append(standalone(default_scenario, ladder=no_us, **kw)
                        .run().outcomes()["ceasefire_held"])
    assert sum(held_cut) <= sum(held_full)
    assert sum(held_full) > sum(held_cut) or sum(held_cut) == len(held_cut)


def test_a_violation_outlasting_the_ladder_collapses_the_ceasefire_and_stops_decisions(
        default_scenario):
    phase = standalone(default_scenario, pledges={}, us_backstop=0.0,
                       ladder=[{"name": "warn", "kind": "diplomatic", "delay_h": 24,
                                "effect": 0.0, "source": "t"}], violation_propensity=5.0)
    phase.run()
    assert phase.collapsed and len(phase.violations) == 1
    assert phase.collapsed_h == phase.violations[0].start_h + 24
    o = phase.outcomes()
    assert o["ceasefire_held"] == 0 and o["collapse_day"] == phase.collapsed_h / 24
    assert phase.trigger_violation(0.5) is None


def test_trigger_by_hand_and_the_live_view_surface(default_scenario):
    phase = standalone(default_scenario, violation_propensity=0.0)
    assert phase.rung_status == ["idle"] * len(phase.ladder) and phase.active_rung is None
    phase.step()
    assert phase.clock_hours == phase.spec.tick_hours
    v = phase.trigger_violation(0.25)
    assert v is not None and v.by_hand and phase.active is v
    assert phase.trigger_violation(0.5) is None  # one at a time
    with pytest.raises(ValueError):
        phase.trigger_violation(1.5)
    phase.advance(24)
    assert phase.active_rung in (None, 0, 1) and phase.rung_status[0] == "acted"
    phase.run()
    assert not v.active and phase.finished
    assert any("by hand" in e.text for e in phase.history)
    assert all(isinstance(r.actor, str) for r in phase.ladder)


def test_no_violation_no_exposure_and_exposure_grows_with_forces(default_scenario):
    quiet = standalone(default_scenario, violation_propensity=0.0).run()
    assert quiet.outcomes()["violations"] == 0 and quiet.outcomes()["exposure"] == 0
    assert quiet.outcomes()["ceasefire_held"] == 1
    small = standalone(default_scenario, pledges={"FR": {"ground": 1000}},
                       violation_propensity=0.0, seed=1)
    big = standalone(default_scenario, pledges={"FR": {"ground": 4000}},
                     violation_propensity=0.0, seed=1)
    for phase in (small, big):
        phase.trigger_violation(1.0)
        phase.advance(10)  # before any rung acts, so the two paths are the same
    assert big.outcomes()["exposure"] == pytest.approx(4 * small.outcomes()["exposure"])
    assert small.outcomes()["exposure"] == pytest.approx(1000 * 1.0 * 10 / 24)
    table = big.state_table()
    assert table.set_index("actor").loc["FR", "exposure"] == big.outcomes()["exposure"]


def test_counterfactual_ground_contributors(default_scenario):
    for n in (0, 1, 3):
        phase = standalone(default_scenario, ceasefire_ground_contributors=n)
        assert phase.outcomes()["ceasefire_ground_states"] == n
        assert "US" not in {c for c, d in phase.pledges.items() if "ground" in d}  # red line


# -- determinism and integration ------------------------------------------------------------
def test_same_seed_same_history_and_different_seeds_differ():
    def history(seed):
        model = NegotiationModel(shipped_scenario(), rng=seed, violation_propensity=0.1)
        while model.running:
            model.step()
        phase = ceasefire_after(model).run()
        return [str(e) for e in phase.history], phase.outcomes()

    first = history(4)
    assert history(4) == first
    assert any(history(s)[0] != first[0] for s in (5, 6, 7))


@pytest.mark.skipif(not mesa_has_events(), reason="this Mesa has no schedule_event")
def test_mesa_scheduler_and_heap_queue_give_the_same_history(default_scenario):
    for seed in range(5):
        runs = [standalone(default_scenario, seed=seed, queue=b, violation_propensity=0.1).run()
                for b in ("heapq", "mesa")]
        assert [str(e) for e in runs[0].history] == [str(e) for e in runs[1].history]


def test_run_one_adds_outcomes_and_the_phase_can_be_switched_off():
    tables = run_one({"violation_propensity": 0.05}, seed=2, scenario=shipped_scenario())
    out = tables.extra["outcomes"]
    assert len(out) == 1
    for col in ("ceasefire_held", "violations", "highest_rung", "hours_to_deescalation",
                "exposure"):
        assert col in out.columns
    assert out["ceasefire_held"].iloc[0] in (0, 1)
    states = tables.extra["ceasefire_states"]
    assert math.isclose(states["exposure"].sum(), out["exposure"].iloc[0])
    lean = run_one({"ceasefire_phase": False}, seed=2, scenario=shipped_scenario())
    assert "outcomes" not in lean.extra


def test_negotiate_run_reports_the_phase_and_writes_its_tables(tmp_path, capsys):
    from negotiate.main import main

    assert main(["run", "--quiet", "--rounds", "2", "--ladder", str(NO_US),
                 "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "ceasefire phase: the ceasefire" in printed
    for name in ("outcomes.csv", "ceasefire_states.csv", "ceasefire_events.csv"):
        assert (tmp_path / name).is_file()
    assert "Coordinated response including US forces" not in (
        tmp_path / "ceasefire_events.csv").read_text()


# -- the schema -----------------------------------------------------------------------------
@pytest.mark.parametrize("path", VARIANTS, ids=lambda p: p.name)
def test_ladder_variants_load_against_the_default_scenario(default_scenario, path):
    scenario = with_ladder(default_scenario, path)
    assert scenario.ceasefire is not None and scenario.ceasefire.ladder


def test_ladder_errors_name_the_key(default_scenario, tmp_path):
    raw = default_scenario.model_dump(mode="python")
    raw["ceasefire"]["ladder"][2]["actors"] = ["GB", "XX"]
    _, lines = scenario_errors(raw)
    assert lines == ["ceasefire.ladder.2.actors: unknown actor code 'XX'"]
    raw = default_scenario.model_dump(mode="python")
    raw["ceasefire"]["ladder"].reverse()
    _, lines = scenario_errors(raw)
    assert any("order of delay_h" in line for line in lines)
    bad = tmp_path / "bad.toml"
    bad.write_text('[ceasefire]\ncollapse_gain_days = 1\n[[ceasefire.ladder]]\nname = "a"\n'
                   'kind = "diplomatic"\ndelay_h = 72\neffect = 0.1\nsource = "t"\n')
    with pytest.raises(InputError, match="collapse_gain_days"):
        load_ladder(bad)

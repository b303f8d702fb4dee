"""The two-dimensional model: stances at their boundaries, red lines per dimension, blocked
conditions, dated shocks, the US pledge following its position, the classroom hook."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from agents import StateChoice
from inputs.scenario_file import default_scenario as shipped_scenario
from inputs.scenario_file import load_scenario
from model.errors import InputError
from model.negotiation import NegotiationModel
from model.run import run_one
from model.scenario import Scenario, scenario_errors
from tests.conftest import DEFAULT_SCENARIO

DIMS = [{"key": "presence", "label": "presence"}, {"key": "guarantee", "label": "guarantee"}]
TYPES = {
    "training": {"label": "training", "dimension": "guarantee", "min_position": 25,
                 "gated": False},
    "air": {"label": "air", "dimension": "guarantee", "min_position": 50, "gated": False},
    "ground": {"label": "ground", "dimension": "presence", "min_position": 50,
               "in_ukraine": True},
}
QUIET = {"mechanism": "compromise", "threshold_noise": 0.0, "bandwagon": 0.0,
         "threat_sensitivity": 0.0, "ceasefire_phase": False}


def state(name, presence, guarantee, **extra):
    base = {"name": name, "capability": 10.0,
            "position": {"presence": presence, "guarantee": guarantee},
            "salience": {"presence": 0.8, "guarantee": 0.8}, "lon": 0.0, "lat": 50.0,
            "source": "test", "capacity": {"ground": 1000, "training": 100, "air": 100}}
    base.update(extra)
    return base


def two_d(actors, rounds=3, attendees=None, shocks=None, parameters=None) -> Scenario:
    shocks = shocks or {}
    attendees = attendees or [next(iter(actors))]
    actors = {**actors, "UA": state("Ukraine", 100.0, 100.0, kind="host", capacity={})}
    return Scenario.model_validate({
        "name": "test", "dimensions": DIMS, "contribution_types": TYPES,
        "parameters": {**QUIET, **(parameters or {})}, "actors": actors,
        "rounds": [{"name": f"r{k}", "date": f"2025-0{k}-10", "venue": "Paris",
                    "attendees": attendees, "source": "test",
                    "shocks": shocks.get(k, [])} for k in range(1, rounds + 1)],
    })


def stances(tables, code):
    a = tables.actors
    return list(a[a.actor == code].sort_values("round")["stance"])


@pytest.mark.parametrize(("presence", "guarantee", "expected"), [
    (50.0, 10.0, "deploy_after_ceasefire"),   # at the ground threshold
    (49.99, 25.0, "outside_only"),            # just below it, training from outside
    (49.99, 24.99, "none"),                   # below both thresholds
    (89.99, 10.0, "deploy_after_ceasefire"),  # willing, but not enough to go in now
    (90.0, 10.0, "deploy_now"),               # at deploy_now_threshold, no ceasefire condition
])
def test_stance_at_its_boundaries(presence, guarantee, expected):
    t = run_one({}, 0, scenario=two_d({"FR": state("France", presence, guarantee)}))
    assert stances(t, "FR")[1:] == [expected] * 3


def test_a_ceasefire_condition_never_deploys_now_and_deploys_under_a_ceasefire():
    fr = state("France", 95.0, 10.0, conditions={"ceasefire": True})
    shocks = {3: [{"kind": "ceasefire", "value": 1, "note": "n", "source": "test"}]}
    t = run_one({}, 0, scenario=two_d({"FR": fr}, shocks=shocks))
    assert stances(t, "FR")[1:] == ["deploy_after_ceasefire"] * 2 + ["deploy_now"]
    troops = t.rounds["troops_deployed"].tolist()
    assert troops[1] == troops[2] == 0 and troops[3] > 0  # an intention is not a force
    assert t.rounds["troops_intended"].tolist()[1] > 0


def test_parliament_is_pending_a_before_condition_is_not():
    actors = {"FR": state("France", 60.0, 30.0, conditions={"parliament": True}),
              "DE": state("Germany", 60.0, 30.0, conditions={
                  "us_backstop": 0.5, "parliament": True, "before": ["us_backstop"]}),
              "NL": state("Netherlands", 60.0, 30.0, conditions={"us_backstop": 0.5})}
    t = run_one({}, 0, scenario=two_d(actors))
    assert stances(t, "FR")[1:] == ["deploy_after_ceasefire"] * 3
    assert stances(t, "NL")[1:] == ["deploy_after_ceasefire"] * 3  # pending backstop
    assert stances(t, "DE")[1:] == ["outside_only"] * 3            # it must hold before


def test_an_unmeetable_condition_is_blocked_not_pending():
    actors = {"IT": state("Italy", 80.0, 30.0, conditions={"un_mandate": True}),
              "RU": state("Russia", 0.0, 0.0, kind="opposer", capacity={},
                          red_lines=["western_troops_in_ukraine"])}
    t = run_one({}, 0, scenario=two_d(actors))
    a = t.actors[t.actors.actor == "IT"]
    assert list(a["stance"])[1:] == ["outside_only"] * 3
    assert list(a["blocked_by"])[1:] == ["un_mandate"] * 3
    # a scenario that schedules a mandate makes it a condition that can be met
    shocks = {2: [{"kind": "un_mandate", "value": 1, "note": "n", "source": "test"}]}
    t2 = run_one({}, 0, scenario=two_d(actors, shocks=shocks))
    assert stances(t2, "IT")[1:] == ["outside_only", "deploy_after_ceasefire",
                                     "deploy_after_ceasefire"]
    assert set(t2.actors["blocked_by"]) == {""}


def test_red_line_on_presence_the_us_stays_at_zero_under_a_pull():
    actors = {"FR": state("France", 100.0, 100.0),
              "GB": state("United Kingdom", 100.0, 100.0),
              "US": state("United States", 0.0, 30.0, red_lines=["own_ground_troops"])}
    t = run_one({}, 0, scenario=two_d(actors, attendees=["FR", "GB", "US"]))
    us = t.actors[t.actors.actor == "US"]
    assert (us["presence"] == 0).all() and (us["pledge_ground"] == 0).all()
    assert us["guarantee"].iloc[-1] > 30  # the guarantee dimension still moves


def test_red_line_on_guarantee_no_forces_abroad_stays_below_air_policing():
    actors = {"FR": state("France", 100.0, 100.0),
              "GB": state("United Kingdom", 100.0, 100.0),
              "JP": state("Japan", 0.0, 20.0, red_lines=["own_forces_abroad"])}
    t = run_one({"accommodation": 1.0}, 0,
                scenario=two_d(actors, attendees=["FR", "GB", "JP"]))
    jp = t.actors[t.actors.actor == "JP"]
    assert (jp["guarantee"] < 50).all() and jp["guarantee"].iloc[-1] > 40
    assert (jp["presence"] == 0).all() and (jp["pledge_air"] == 0).all()


def test_a_rounds_result_does_not_depend_on_who_is_absent():
    actors = {"FR": state("France", 70.0, 40.0), "GB": state("United Kingdom", 20.0, 30.0),
              "DE": state("Germany", 10.0, 35.0)}
    far = {**actors, "PL": state("Poland", 0.0, 100.0), "HU": state("Hungary", 100.0, 0.0)}
    for mechanism in ("eum", "compromise", "smp"):
        a = run_one({"mechanism": mechanism}, 0,
                    scenario=two_d(actors, attendees=["FR", "GB", "DE"]))
        b = run_one({"mechanism": mechanism}, 0,
                    scenario=two_d(far, attendees=["FR", "GB", "DE"]))
        for col in ("presence", "guarantee"):
            x = a.actors.set_index(["round", "actor"])[col]
            y = b.actors.set_index(["round", "actor"])[col].loc[x.index]
            np.testing.assert_array_equal(x.to_numpy(), y.to_numpy(), err_msg=mechanism)


def test_a_shock_date_must_lie_between_its_rounds():
    actors = {"FR": state("France", 60.0, 30.0)}
    raw = two_d(actors).model_dump(mode="json")
    shock = {"kind": "news", "actor": "FR", "shift": {"presence": 5}, "note": "n",
             "source": "test"}
    raw["rounds"][1]["shocks"] = [{**shock, "date": "2025-02-11"}]
    _, lines = scenario_errors(raw)
    assert lines == ["rounds.1.shocks.0.date: 2025-02-11 must lie after 2025-01-10 and not "
                     "after the round's date 2025-02-10"]
    raw["rounds"][1]["shocks"] = [{**shock, "date": "2025-01-10"}]
    assert scenario_errors(raw)[1][0].startswith("rounds.1.shocks.0.date")
    raw["rounds"][1]["shocks"] = [{**shock, "date": "2025-01-11"}]
    assert scenario_errors(raw)[1] == []


def test_the_default_shocks_apply_at_their_dates():
    """Merz (6 May 2025) moves Germany's ideal between the Paris summit of 27 Mar 2025 and
    the August talks, not before; the Czech government (Dec 2025) before January 2026."""
    t = run_one({"freeze_positions": False, "accommodation": 0.0}, 0, scenario=shipped_scenario())
    rounds = t.rounds.set_index("round")
    de = t.actors[t.actors.actor == "DE"].set_index("round")["ideal_presence"]
    assert rounds.loc[5, "date"] == "2025-03-27" and rounds.loc[6, "date"] == "2025-08-18"
    assert de.loc[0] == de.loc[5] and de.loc[6] == de.loc[5] + 10
    cz = t.actors[t.actors.actor == "CZ"].set_index("round")["ideal_presence"]
    assert cz.loc[8] == cz.loc[0] and cz.loc[9] < cz.loc[8]
    model = NegotiationModel(shipped_scenario(), rng=0)
    while model.running:
        model.step()
    assert any("Before the round (2025-05-06): Merz" in str(e) for e in model.events)


def test_the_us_pledge_follows_its_guarantee_position():
    t = run_one({}, 0, scenario=shipped_scenario())
    a = t.actors
    us = a[a.actor == "US"].set_index("round")
    assert (us["presence"] == 0).all() and (us["pledge_ground"] == 0).all()
    assert us.loc[0, "stance"] == "none"
    # early 2024 arms and training only; air and logistics once it offers them (S1, round 6)
    assert (us.loc[1:5, ["pledge_air", "pledge_logistics", "pledge_monitoring"]] == 0).all().all()
    assert (us.loc[1:, "stance"] == "outside_only").all()
    assert us.loc[6, "pledge_air"] > 0 and us.loc[6, "pledge_monitoring"] > 0
    # the what-if lever: no backstop at all, never air support
    none = run_one({"us_backstop": 0.0}, 0, scenario=shipped_scenario()).actors
    assert (none[none.actor == "US"]["pledge_air"] == 0).all()


def test_germany_never_deploys_now_nor_declares_while_its_conditions_fail():
    for params in ({}, {"mechanism": "smp"}, {"mechanism": "compromise"},
                   {"accommodation": 0.6, "bandwagon": 30.0}):
        model = NegotiationModel(shipped_scenario(), rng=0, **params)
        de = model.states["DE"]
        while model.running:
            model.step()
            assert de.stance != "deploy_now"
            if de.stance == "deploy_after_ceasefire":
                assert model.nato_consensus() and model.us_backstop >= 0.75


def test_france_declares_for_after_a_ceasefire_by_its_condition():
    """France's ideal (S3, 'nothing must be excluded') and its ceasefire condition (brief)
    make it deploy_after_ceasefire from the first meeting; its forces stand in Ukraine only
    once a ceasefire takes effect (the lever at round 3)."""
    fr = stances(run_one({}, 0, scenario=shipped_scenario()), "FR")
    assert "deploy_now" not in fr and fr[1] == "deploy_after_ceasefire"
    lever = stances(run_one({"ceasefire_round": 3}, 0, scenario=shipped_scenario()), "FR")
    assert lever[1:3] == ["deploy_after_ceasefire"] * 2 and lever[3] == "deploy_now"


def test_freeze_positions_keeps_every_position_and_salience():
    model = NegotiationModel(shipped_scenario(), rng=0, freeze_positions=True)
    ideals, stated, sal = (model.ideals.copy(), model.stated.copy(), model.saliences.copy())
    while model.running:
        model.step()
    np.testing.assert_array_equal(model.ideals, ideals)
    np.testing.assert_array_equal(model.stated, stated)
    np.testing.assert_array_equal(model.saliences, sal)
    assert model.round == len(model.scenario_config.rounds)
    assert model.russia_threat > 0  # the threat shocks still apply


def test_ranged_parameters_keep_their_values_ranges_and_sources():
    sc = load_scenario(DEFAULT_SCENARIO)
    assert sc.parameters.turns_per_meeting == 2
    assert sc.parameter_ranges["turns_per_meeting"] == (1.0, 6.0)
    assert sc.parameter_sources["bandwagon"].startswith("modeller")
    assert all(sc.parameter_sources[k] for k in sc.parameter_ranges)
    raw = copy.deepcopy(sc.model_dump(mode="json"))
    raw["parameters"]["bandwagon"] = {"value": 50.0, "range": [0.0, 30.0], "source": "x"}
    assert scenario_errors(raw)[1] == ["parameters.bandwagon.value: 50.0 is outside its "
                                       "range [0.0, 30.0]"]
    with pytest.raises(InputError, match="parameters.turns_per_meeting"):
        NegotiationModel(shipped_scenario(), rng=0, turns_per_meeting=0)


def test_a_players_choice_is_bounded_and_not_moved_by_the_mechanism():
    model = NegotiationModel(shipped_scenario(), rng=0, max_move=10.0)
    gb = model.states["GB"]
    before = (gb.presence, gb.guarantee)
    choice = StateChoice(presence=100.0, guarantee=100.0, salience_presence=0.9,
                         salience_guarantee=0.2, pledges=frozenset({"ground", "training"}))
    model.step({"GB": choice})
    assert gb.presence == before[0] + 10 and gb.guarantee == before[1] + 10
    assert set(gb.pledges) | set(gb.intended) <= {"ground", "training"}
    assert "training" in gb.pledges  # offered, and its guarantee (45) allows it
    fr_choice = StateChoice(presence=60.0, guarantee=35.0, salience_presence=0.85,
                            salience_guarantee=0.6, pledges=frozenset())
    model.step({"FR": fr_choice})
    assert model.states["FR"].pledges == {} and model.states["FR"].stance == "none"
    us_choice = StateChoice(presence=50.0, guarantee=50.0, salience_presence=0.5,
                            salience_guarantee=0.5, pledges=frozenset({"ground"}))
    model.step({"US": us_choice})
    assert model.states["US"].presence == 0  # its red line clips the choice
    with pytest.raises(ValueError, match="no state"):
        model.step({"RU": us_choice})


def test_deploy_now_needs_the_deals_terms_not_only_the_states_wish():
    actors = {"CZ": state("Czechia", 95.0, 30.0), "DE": state("Germany", 10.0, 30.0),
              "NL": state("Netherlands", 10.0, 30.0)}
    t = run_one({}, 0, scenario=two_d(actors, attendees=["CZ", "DE", "NL"]))
    assert t.rounds["deal_presence"].iloc[1] < 90
    assert "deploy_now" not in stances(t, "CZ")
    assert stances(t, "CZ")[1] == "deploy_after_ceasefire"


def _without_us_retreat(raw):
    for rnd in raw["rounds"]:
        rnd["shocks"] = [sh for sh in rnd["shocks"]
                         if not (sh["actor"] == "US" and sh["date"] is not None
                                 and str(sh["date"]) < "2025-03-01")]
    return raw


def test_the_uk_declares_after_a_ceasefire_through_the_us_retreat_not_attendance():
    """The UK (N early 2024, E02) comes to deploy_after_ceasefire at the Feb 2025 meeting
    (E08) by the burden shifted to Europe as the US retreats (E05, E07) and its pending
    conditions (a US backstop, a Commons vote), whoever attends."""
    base = stances(run_one({}, 0, scenario=shipped_scenario()), "GB")
    assert base[1] == "outside_only" and base[2:6] == ["deploy_after_ceasefire"] * 4
    assert "deploy_now" not in base
    no_shift = run_one({"burden_shift": 0.0}, 0, scenario=shipped_scenario())
    assert "deploy_after_ceasefire" not in stances(no_shift, "GB")
    sc = load_scenario(DEFAULT_SCENARIO)
    raw = sc.model_dump()
    no_retreat = Scenario.model_validate(_without_us_retreat(copy.deepcopy(raw)))
    assert "deploy_after_ceasefire" not in stances(run_one({}, 0, scenario=no_retreat), "GB")
    absent = copy.deepcopy(raw)
    for k in (1, 2):  # the UK stays away from the Feb 2025 and London meetings
        absent["rounds"][k]["attendees"] = [c for c in absent["rounds"][k]["attendees"]
                                            if c != "GB"]
    away = stances(run_one({}, 0, scenario=Scenario.model_validate(absent)), "GB")
    assert away[2:4] == ["deploy_after_ceasefire"] * 2


def test_default_rounds_are_meetings_of_at_least_three_with_who_attended():
    sc = load_scenario(DEFAULT_SCENARIO)
    model = NegotiationModel(sc, rng=0)
    for rnd in sc.rounds:
        assert len(model.attendees(rnd)) >= 3, rnd.name
        assert rnd.attendees_source, rnd.name
        assert "RU" not in model.attendees(rnd)  # Russia never attends
    dates = {sh.note.split(" ")[0]: sh.date for r in sc.rounds for sh in r.shocks}
    assert str(dates["Merz"]) == "2025-05-06" and str(dates["US"]) == "2025-01-20"


def test_the_us_retreat_is_a_ratchet():
    model = NegotiationModel(shipped_scenario(), rng=0)
    retreat = []
    while model.running:
        model.step()
        retreat.append(model.us_retreat)
    assert retreat[0] == 0.0 and retreat[1] == pytest.approx(0.6)  # 0.25 -> 0.10 (E05, E07)
    assert retreat[-1] == pytest.approx(0.6)  # the Aug 2025 offer (0.75) does not undo it

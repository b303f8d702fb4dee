"""Behaviour of the NegotiationModel: red lines, conditions, shocks, determinism."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from inputs.scenario_file import default_scenario as shipped_scenario
from model.errors import InputError
from model.negotiation import NegotiationModel
from model.run import run_one
from model.scenario import Scenario

TYPES = {
    "logistics": {"label": "logistics", "min_position": 20, "gated": False},
    "ground": {"label": "ground troops", "min_position": 60, "in_ukraine": True},
}


def actor(name, position, **extra):
    base = {"name": name, "capability": 10.0, "position": position, "salience": 0.8,
            "lon": 0.0, "lat": 50.0, "source": "test", "capacity": {"ground": 1000}}
    base.update(extra)
    return base


def small_scenario(rounds=6, shocks=None, **actors_extra) -> Scenario:
    """A, B willing states that never move (they attend alone under the compromise rule)."""
    shocks = shocks or {}
    raw = {
        "name": "test",
        "dimensions": [{"key": "presence", "label": "presence"}],
        "contribution_types": TYPES,
        "parameters": {"mechanism": "compromise", "threshold_noise": 0.0, "bandwagon": 0.0,
                       "threat_sensitivity": 0.0},
        "actors": {
            "FR": actor("France", 80, conditions={"ceasefire": True}),
            "GB": actor("United Kingdom", 80, conditions={"min_committed": 1}),
            "RU": actor("Russia", 0, kind="opposer", capacity={},
                        red_lines=["western_troops_in_ukraine"]),
        },
        "rounds": [
            {"name": f"r{k}", "date": f"2025-0{k}-01", "venue": "Paris", "attendees": ["FR"],
             "source": "test", "shocks": shocks.get(k, [])}
            for k in range(1, rounds + 1)
        ],
    }
    for code, extra in actors_extra.items():
        raw["actors"][code].update(extra)
    return Scenario.model_validate(raw)


def ceasefire(value, k):
    return {k: [{"kind": "ceasefire", "value": value, "note": "n", "source": "test"}]}


def committed_rounds(tables, code):
    a = tables.actors
    return sorted(a[(a.actor == code) & (a.pledge_ground > 0)]["round"])


def test_conditional_state_commits_exactly_when_its_condition_holds():
    t = run_one({}, 0, scenario=small_scenario(shocks=ceasefire(1, 3)))
    assert committed_rounds(t, "FR") == [3, 4, 5, 6]
    blocs = t.actors[t.actors.actor == "FR"].set_index("round")["bloc"]
    assert list(blocs.loc[1:2]) == ["conditional", "conditional"]


def test_without_the_condition_a_willing_state_never_commits():
    t = run_one({}, 0, scenario=small_scenario())
    assert committed_rounds(t, "FR") == []
    assert committed_rounds(t, "GB") == []  # waits for one other committed


def test_threshold_condition_follows_the_first_committer_one_round_later():
    t = run_one({}, 0, scenario=small_scenario(shocks=ceasefire(1, 2)))
    assert committed_rounds(t, "FR")[0] == 2
    assert committed_rounds(t, "GB")[0] == 3  # decisions use last round's coalition


def test_pledge_withdrawn_when_condition_fails():
    shocks = {**ceasefire(1, 2), **ceasefire(0, 4)}
    model = NegotiationModel(small_scenario(shocks=shocks), rng=0)
    while model.running:
        model.step()
    t = run_one({}, 0, scenario=small_scenario(shocks=shocks))
    assert committed_rounds(t, "FR") == [2, 3]
    assert any("France withdraws its ground pledge until there is a ceasefire" in str(e)
               for e in model.events)


def test_ceasefire_lever_matches_a_ceasefire_shock():
    lever = run_one({"ceasefire_round": 3}, 0, scenario=small_scenario())
    assert committed_rounds(lever, "FR") == [3, 4, 5, 6]


def test_opposer_threat_rises_with_the_coalition_and_decays_without_it():
    t = run_one({"threat_decay": 0.5}, 0, scenario=small_scenario(shocks=ceasefire(1, 2)))
    threat = t.rounds.set_index("round")["russia_threat"]
    quiet = run_one({"threat_decay": 0.5}, 0, scenario=small_scenario())
    threat0 = quiet.rounds.set_index("round")["russia_threat"]
    assert threat[1] == threat0[1]  # nothing pledged in Ukraine yet in either run
    assert threat[2] > threat0[2] and threat[3] > threat[2]
    t2 = run_one({"threat_decay": 0.5}, 0,
                 scenario=small_scenario(shocks={**ceasefire(1, 2), **ceasefire(0, 4)}))
    threat2 = t2.rounds.set_index("round")["russia_threat"]
    assert threat2[6] < threat2[4]


EXTREMES = [
    {},
    {"us_backstop": 1.0, "bandwagon": 100.0, "threat_sensitivity": 0.0, "ceasefire_round": 1},
    {"mechanism": "compromise", "ceasefire_round": 2, "bandwagon": 60.0},
    {"mechanism": "hk", "us_backstop": 1.0},
    {"mechanism": "deffuant", "ceasefire_round": 1, "bandwagon": 100.0},
]


@pytest.mark.parametrize("params", EXTREMES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_red_lines_never_crossed_in_default_scenario(params, seed):
    t = run_one(params, seed, scenario=shipped_scenario())
    a = t.actors.set_index("actor")
    pledge_cols = [c for c in t.actors.columns if c.startswith("pledge_")]
    assert (a.loc["US", "pledge_ground"] == 0).all()
    assert (a.loc["RU", pledge_cols].to_numpy() == 0).all()
    assert (a.loc["RU", "position"] < 50).all()
    assert (a.loc["US", "presence"] == 0).all()
    for code in ("JP", "SK", "HU"):  # no forces abroad
        assert (a.loc[code, ["pledge_ground", "pledge_air", "pledge_monitoring"]]
                .to_numpy() == 0).all()


def test_the_ceasefire_lever_opens_the_coalition_in_the_shipped_scenario():
    base = run_one({}, 0, scenario=shipped_scenario())
    early = run_one({"ceasefire_round": 5}, 0, scenario=shipped_scenario())
    pd.testing.assert_frame_equal(base.rounds.iloc[:5], early.rounds.iloc[:5])
    assert early.rounds["ground_states"].iloc[-1] > base.rounds["ground_states"].iloc[-1]


def test_us_announcement_matters():
    """Removing the US offer of air support and intelligence (S1) before round 6 changes
    what follows, and nothing before it."""
    from inputs.scenario_file import load_scenario
    from tests.conftest import DEFAULT_SCENARIO

    scenario = load_scenario(DEFAULT_SCENARIO)
    raw = scenario.model_dump()
    raw2 = copy.deepcopy(raw)
    raw2["rounds"][5]["shocks"] = [sh for sh in raw2["rounds"][5]["shocks"]
                                   if sh["actor"] != "US"]
    base = run_one({}, 0, scenario=scenario)
    cut = run_one({}, 0, scenario=Scenario.model_validate(raw2))
    pd.testing.assert_frame_equal(base.rounds.iloc[:6], cut.rounds.iloc[:6])
    assert not base.rounds.iloc[6:].equals(cut.rounds.iloc[6:])
    assert cut.rounds["us_backstop"].iloc[6] == pytest.approx(cut.rounds["us_backstop"].iloc[5])
    assert base.rounds["us_backstop"].iloc[6] > base.rounds["us_backstop"].iloc[5]


@pytest.mark.parametrize("mechanism", ["eum", "deffuant"])
def test_same_seed_same_tables_different_seed_different(mechanism):
    a = run_one({"mechanism": mechanism}, 11, scenario=shipped_scenario())
    b = run_one({"mechanism": mechanism}, 11, scenario=shipped_scenario())
    c = run_one({"mechanism": mechanism}, 12, scenario=shipped_scenario())
    pd.testing.assert_frame_equal(a.actors, b.actors, check_exact=True)
    pd.testing.assert_frame_equal(a.rounds, b.rounds, check_exact=True)
    assert a.events == b.events
    assert not a.actors["position"].equals(c.actors["position"]) or not a.actors.equals(c.actors)


def test_model_uses_no_global_random_state():
    np.random.seed(1)
    a = run_one({"mechanism": "deffuant"}, 5, scenario=shipped_scenario())
    np.random.seed(2)
    b = run_one({"mechanism": "deffuant"}, 5, scenario=shipped_scenario())
    pd.testing.assert_frame_equal(a.actors, b.actors, check_exact=True)


def test_unknown_parameter_is_a_one_line_error():
    with pytest.raises(InputError, match="parameters: warp_speed: unknown key"):
        NegotiationModel(shipped_scenario(), rng=0, warp_speed=3)
    with pytest.raises(InputError, match=r"actors\.DE\.salience"):
        NegotiationModel(shipped_scenario(), rng=0, overrides={"actors.DE.salience": 4})


def test_event_log_names_venue_date_and_round_summary():
    model = NegotiationModel(shipped_scenario(), rng=0)
    model.step()
    texts = [str(e) for e in model.events]
    assert texts and all(t.startswith("Paris, Élysée, 2024-02-26: ") for t in texts)
    assert "contributors" in texts[-1]


def test_us_backstop_lever_overrides_the_us_guarantee_position():
    """The what-if fixes the US guarantee position (0..1 onto its scale) for the whole run;
    by default the US position follows its dated announcements."""
    base = run_one({}, 0, scenario=shipped_scenario()).rounds["us_backstop"].to_numpy()
    high = run_one({"us_backstop": 0.75}, 0,
                   scenario=shipped_scenario()).rounds["us_backstop"].to_numpy()
    assert len(set(base.round(6))) > 2  # the default scenario does announce changes
    assert (high == 0.75).all()


def test_us_announced_levels_follow_the_scale_labels():
    levels = run_one({}, 0, scenario=shipped_scenario()).rounds["us_backstop"].tolist()
    # early 2024 arms and training (0.25); E05, E07 cut it; S1 0.75; S2 0.85
    assert levels == [0.25, 0.25, 0.1, 0.1, 0.1, 0.1, 0.75, 0.75, 0.85, 0.85, 0.85]


@pytest.mark.parametrize("mechanism", ["eum", "deffuant"])
def test_tables_equal_what_mesas_datacollector_collected(mechanism):
    """run_one's lean record and Mesa's DataCollector report the same numbers."""
    from model.tables import tables_of

    model = NegotiationModel(shipped_scenario(), rng=4, mechanism=mechanism)
    while model.running:
        model.step()
    tables = tables_of(model)
    dc_rounds = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    mine = tables.rounds[dc_rounds.columns]
    pd.testing.assert_frame_equal(mine, dc_rounds.astype(mine.dtypes.to_dict()),
                                  check_exact=True)
    dc = model.datacollector.get_agent_vars_dataframe().reset_index()
    dc["round"] = dc.groupby("AgentID").cumcount()
    dc = dc.sort_values(["round", "actor"]).reset_index(drop=True)
    assert len(dc) == len(tables.actors)
    for col in ("actor", "position", "pledge_ground", "pledge_air", "pledge_training",
                "contributor", "bloc"):
        assert list(tables.actors[col]) == list(dc[col]), col
    # and run_one, which switches the DataCollector off, gives the same tables
    lean = run_one({"mechanism": mechanism, "ceasefire_phase": False}, 4,
                   scenario=shipped_scenario())
    pd.testing.assert_frame_equal(lean.actors, tables.actors, check_exact=True)
    pd.testing.assert_frame_equal(lean.rounds, tables.rounds, check_exact=True)

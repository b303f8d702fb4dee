"""Sharing a design point's bargaining across its runs changes no table.

The sweep worker hands every run a ``shared_bargaining`` dict: with seed-free mechanisms
the rounds' shocks and bargaining are recorded by the first run of the same inputs and
replayed by the others (:class:`model.negotiation.NegotiationModel`)."""

from __future__ import annotations

import numpy as np
import pytest

from inputs.scenario_file import default_scenario
from model.negotiation import BARGAINING_PARAMETERS, NegotiationModel
from model.run import tables_of
from model.scenario import Parameters
from tests.reference_runs import run_digest


def run(params: dict, seed: int, shared: dict | None) -> NegotiationModel:
    model = NegotiationModel(default_scenario(), rng=seed, datacollector=False,
                             shared_bargaining=shared, **params)
    while model.running:
        model.step()
    return model


@pytest.mark.parametrize("params", [
    {}, {"mechanism": "eum", "us_backstop": 0.4}, {"mechanism": "compromise"},
    {"mechanism": "hk", "turns_per_meeting": 3}, {"accommodation": 0.6, "bandwagon": 30.0},
])
def test_tables_are_identical_with_and_without_sharing(params):
    shared: dict = {}
    for seed in (0, 1, 2, 3):
        alone = tables_of(run(params, seed, None))
        replayed = tables_of(run(params, seed, shared))
        assert run_digest(replayed) == run_digest(alone)
    assert len(shared) == 1 and len(next(iter(shared.values()))) == 10  # recorded once


def test_parameters_outside_the_bargaining_share_one_record():
    shared: dict = {}
    a = tables_of(run({"bandwagon": 0.0, "threat_sensitivity": 40.0}, 5, shared))
    b = tables_of(run({"bandwagon": 30.0, "russia_threat_credibility": 1.0}, 5, shared))
    assert len(shared) == 1
    assert run_digest(b) == run_digest(tables_of(
        run({"bandwagon": 30.0, "russia_threat_credibility": 1.0}, 5, None)))
    assert not a.actors["stance"].equals(b.actors["stance"])  # the stances did differ


def test_a_random_mechanism_is_never_shared():
    shared: dict = {}
    a = tables_of(run({"mechanism": "deffuant"}, 0, shared))
    b = tables_of(run({"mechanism": "deffuant"}, 1, shared))
    assert shared == {}
    assert not np.array_equal(a.actors["presence"], b.actors["presence"])


OTHER_VALUES = {  # a value for each parameter the scenario gives no range
    "ceasefire_phase": False, "ceasefire_horizon_days": 30, "violation_propensity": 1.0,
    "force_readiness": 0.1, "ceasefire_us_backstop": 0.9, "ceasefire_ground_contributors": 3,
}


def test_no_other_parameter_moves_positions(default_scenario):
    """Every parameter outside BARGAINING_PARAMETERS, moved to the end of its range, leaves
    every round's positions, ideals, saliences and deal as they were: the sharing key
    covers all the bargaining reads."""
    ranges = default_scenario.parameter_ranges

    def trajectory(params: dict) -> list:
        m = NegotiationModel(default_scenario, rng=0, datacollector=False,
                             **{"threshold_noise": 0.0, **params})
        out = []
        while m.running:
            m.step()
            out.append((m.stated.copy(), m.ideals.copy(), m.saliences.copy(),
                        np.atleast_1d(m.deal).copy()))
        return out

    base = trajectory({})
    others = [k for k in Parameters.model_fields if k not in BARGAINING_PARAMETERS]
    assert set(others) - set(ranges) - {"threshold_noise"} <= set(OTHER_VALUES)
    for name in others:
        value = OTHER_VALUES.get(name, ranges.get(name, (0, 0))[1])
        if name == "threshold_noise":
            value = 10.0
        got = trajectory({name: value})
        for (s0, i0, l0, d0), (s1, i1, l1, d1) in zip(base, got, strict=True):
            assert np.array_equal(s0, s1) and np.array_equal(i0, i1), name
            assert np.array_equal(l0, l1) and np.array_equal(d0, d1), name
    for name, value in (("turns_per_meeting", 5), ("accommodation", 0.0), ("us_backstop", 0.9)):
        got = trajectory({name: value})  # the check can fail: these do move positions
        assert not all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
                       for a, b in zip(base, got, strict=True)), name


def test_a_worker_keeps_a_bounded_number_of_records():
    from sweep.worker import SharedBargaining

    shared = SharedBargaining(size=2)
    for params in ({"us_backstop": 0.1}, {"us_backstop": 0.2}):
        run(params, 0, shared)
    first = next(iter(shared))
    run({"us_backstop": 0.1}, 1, shared)  # a hit: 0.1 becomes the most recently used
    assert len(shared) == 2 and next(iter(shared)) != first
    run({"us_backstop": 0.3}, 0, shared)  # a third record drops the least recently used
    assert len(shared) == 2
    kept = [k for k in shared if k != next(reversed(shared))]
    assert kept == [first]

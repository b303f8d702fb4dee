"""The mechanisms measure distances on the issue's fixed scale (issue 10, part 1).

Bueno de Mesquita (1994) and Scholz, Calbert & Smith (2011) divide distances by the issue's
range D, which Scholz's code keeps at the initial range. Dividing by the current spread of
the actors at the table instead made France (70) and the UK (22), alone at a summit, the
maximal distance 1 apart, and the UK "lost a conflict" and jumped to 70.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.forecast import forecast
from inputs.actor_table import ActorTable
from model.mechanisms import MECHANISMS
from model.mechanisms.eum import eum_round, eum_step
from model.negotiation import NegotiationModel
from model.scenario import Scenario
from tests.eum_loops import eum_round_loops

FR = {"name": "France", "capability": 65.0, "position": 70.0, "salience": 0.85}
GB = {"name": "United Kingdom", "capability": 82.0, "position": 22.0, "salience": 0.8}


def _scenario(third_position: float, mechanism: str = "eum") -> Scenario:
    base = {"lon": 0.0, "lat": 50.0, "source": "test", "capacity": {"ground": 1000}}
    return Scenario.model_validate({
        "name": "pair",
        "dimensions": [{"key": "presence", "label": "presence", "min": 0, "max": 100}],
        "contribution_types": {
            "ground": {"label": "ground troops", "min_position": 60, "in_ukraine": True}},
        "parameters": {"mechanism": mechanism, "threshold_noise": 0.0},
        "actors": {
            "FR": {**base, **FR},
            "GB": {**base, **GB},
            "DE": {**base, "name": "Germany", "capability": 90.0, "position": third_position,
                   "salience": 0.7},
        },
        "rounds": [{"name": "r1", "date": "2025-03-02", "venue": "London",
                    "attendees": ["FR", "GB"], "source": "test"}],
    })


def _after_one_round(third_position: float, mechanism: str = "eum") -> np.ndarray:
    model = NegotiationModel(_scenario(third_position, mechanism), rng=0)
    model.step()
    return model.positions[:2].copy()  # FR, GB


def test_two_attendees_move_on_the_declared_scale_whoever_is_absent():
    # Germany absent, once inside the pair's span and once widening the table's range to
    # 22-100: a rule that divides by the whole table's current spread would differ.
    inside, outside = _after_one_round(40.0), _after_one_round(100.0)
    np.testing.assert_array_equal(inside, outside)
    c, x, s = [FR["capability"], GB["capability"]], [70.0, 22.0], [0.85, 0.8]
    want = eum_round_loops(c, x, s, 100.0)  # D = the declared 0-100
    np.testing.assert_allclose(inside, want, atol=1e-12)
    # the old call (D = the attendees' spread, 48) made the UK jump to France's 70
    old = eum_round(np.array(c), np.array(x), np.array(s))
    assert old[1] == pytest.approx(70.0)
    assert inside[1] != pytest.approx(70.0)


@pytest.mark.parametrize("mechanism", sorted(MECHANISMS))
def test_absent_actor_never_changes_the_attendees_round(mechanism):
    np.testing.assert_array_equal(_after_one_round(40.0, mechanism),
                                  _after_one_round(100.0, mechanism))


# A small table whose range shrinks as its actors converge: 50 -> 40 -> 34 -> 29 -> 25.
SHRINKING = ActorTable(
    names=["A", "B", "C", "D", "E"],
    c=np.array([3.0, 5.0, 9.0, 5.0, 7.0]),
    x=np.array([0.0, 10.0, 20.0, 40.0, 50.0]),
    s=np.array([0.6, 0.6, 0.9, 0.4, 0.3]),
)


def test_shrinking_table_follows_the_fixed_range_rule_round_by_round():
    rounds = 4
    result = forecast(SHRINKING, mechanism="eum", rounds=rounds)  # default: initial range
    got = result.positions.pivot(index="round", columns="actor", values="position")
    x = list(SHRINKING.x)
    spans = []
    for r in range(1, rounds + 1):
        x = eum_round_loops(SHRINKING.c, x, SHRINKING.s, 50.0)  # D stays at 50 - 0
        np.testing.assert_allclose(got.loc[r, SHRINKING.names].to_numpy(), x, atol=1e-9)
        spans.append(max(x) - min(x))
    assert spans[0] < 50.0 and spans[-1] < spans[0]  # the range does shrink
    # and re-normalising by the current spread would have left that path by round 3
    xo = SHRINKING.x.copy()
    for _ in range(3):
        xo = eum_round(SHRINKING.c, xo, SHRINKING.s)
    assert np.abs(xo - got.loc[3, SHRINKING.names].to_numpy()).max() > 1.0


def test_declared_scale_changes_the_eum_and_is_per_dimension():
    c, s = SHRINKING.c, SHRINKING.s
    x = SHRINKING.x
    np.testing.assert_allclose(eum_step(x, c, s, lo=-50.0, hi=150.0),
                               eum_round_loops(c, list(x), s, 200.0), atol=1e-12)
    x2 = np.column_stack([x, 2.0 * x])
    both = eum_step(x2, c, s, lo=np.array([0.0, 0.0]), hi=np.array([200.0, 400.0]))
    np.testing.assert_allclose(both[:, 0], eum_step(x, c, s, lo=0.0, hi=200.0), atol=1e-12)
    np.testing.assert_allclose(both[:, 1], 2.0 * both[:, 0], atol=1e-9)


def test_bounded_confidence_bounds_are_fractions_of_the_scale():
    hk, deffuant = MECHANISMS["hk"], MECHANISMS["deffuant"]
    x, ones = np.array([0.0, 15.0, 60.0]), np.ones(3)
    # epsilon 0.2 of 0-100 reaches 20 points: 0 and 15 meet; of 0-50 only 10: nobody does
    assert hk(x, ones, ones, None, lo=0, hi=100, epsilon=0.2)[0] == pytest.approx(7.5)
    np.testing.assert_array_equal(hk(x, ones, ones, None, lo=0, hi=60, epsilon=0.2), x)
    pair = np.array([0.0, 15.0])
    met = deffuant(pair, ones[:2], ones[:2], np.random.default_rng(0), lo=0, hi=100, d=0.2)
    apart = deffuant(pair, ones[:2], ones[:2], np.random.default_rng(0), lo=0, hi=50, d=0.2)
    assert met[0] > 0.0 and met[1] < 15.0
    np.testing.assert_array_equal(apart, pair)


@pytest.mark.parametrize("mechanism", sorted(MECHANISMS))
def test_scale_narrower_than_the_positions_is_refused(mechanism):
    x, ones = np.array([0.0, 40.0, 100.0]), np.ones(3)
    with pytest.raises(ValueError, match="scale|spread"):
        MECHANISMS[mechanism](x, ones, ones, np.random.default_rng(0), lo=0, hi=50)

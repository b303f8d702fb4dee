"""KTAB's Spatial Model of Politics (model/mechanisms/smp.py) pinned to KTAB's reference runs.

Expected values are transcribed from KTAB's reference logs (lsyaseen/KTAB, commit a018d18,
``examples/smp/doc/``): ``20170530_ref-dummyData_3Dim.txt`` (default parameters,
deterministic; input ``configs/ktab/dummyData_3Dim.csv``) and ``20170530_ref-smpExample.txt``
(smpExample.xml at 06542ee: PropCbc votes, MarkovIncentive PCE, an accommodation matrix,
stochastic transitions, so only turn 0 before the draws is pinned). Each block names the log
line it comes from.
"""

from __future__ import annotations

import numpy as np
import pytest

from inputs.ktab_table import read_ktab_table
from model.mechanisms import get_mechanism
from model.mechanisms.smp import (
    SMPOptions,
    assess,
    challenge_value,
    smp_negotiate,
    smp_step,
    smp_turn,
)

DUMMY = "configs/ktab/dummyData_3Dim.csv"


@pytest.fixture(scope="module")
def dummy():
    table = read_ktab_table(DUMMY)
    return table.x / 100, table.c, table.s


@pytest.fixture(scope="module")
def dummy_turn0(dummy):
    x, c, s = dummy
    return smp_turn(x, x, c, s, SMPOptions())


@pytest.fixture(scope="module")
def dummy_history():
    table = read_ktab_table(DUMMY)
    return smp_negotiate(table.x, table.c, table.s, lo=0, hi=100)


# dummyData_3Dim log lines 133-140: "Raw actor-pos value matrix (risk neutral)", %+.3f
RAW = [
    [1.000, 0.903, 0.639, 0.870, 0.929, 0.882, 0.890],
    [0.675, 1.000, 0.635, 0.825, 0.858, 0.767, 0.746],
    [0.556, 0.636, 1.000, 0.603, 0.573, 0.485, 0.465],
    [0.642, 0.802, 0.570, 1.000, 0.896, 0.800, 0.811],
    [0.805, 0.862, 0.622, 0.839, 1.000, 0.913, 0.872],
    [0.766, 0.665, 0.453, 0.807, 0.890, 1.000, 0.935],
    [0.813, 0.725, 0.422, 0.816, 0.866, 0.913, 1.000],
]
# lines 141-148: "Inferred risk attitudes"
RISK = [-0.500, -0.459, -0.499, -0.274, 1.000, -0.232, -0.430]
# lines 149-156: "Risk-aware actor-pos utility matrix (objective)", %+.4f
OBJECTIVE = [
    [1.0000, 0.8593, 0.5233, 0.8136, 0.8958, 0.8297, 0.8410],
    [0.5740, 1.0000, 0.5283, 0.7585, 0.8022, 0.6855, 0.6595],
    [0.4328, 0.5199, 1.0000, 0.4837, 0.4508, 0.3602, 0.3406],
    [0.5795, 0.7581, 0.5029, 1.0000, 0.8701, 0.7560, 0.7687],
    [0.9619, 0.9809, 0.8570, 0.9740, 1.0000, 0.9925, 0.9836],
    [0.7240, 0.6135, 0.3958, 0.7704, 0.8672, 1.0000, 0.9210],
    [0.7473, 0.6395, 0.3173, 0.7508, 0.8155, 0.8785, 1.0000],
]
# line 193-200: "Estimate by 4 of risk-aware utility matrix" (rows 0 and 1)
BY4 = [[1.0000, 0.9468, 0.7540, 0.9266, 0.9619, 0.9339, 0.9389],
       [0.7875, 1.0000, 0.7538, 0.8991, 0.9206, 0.8591, 0.8436]]


def test_turn0_utilities_and_risk_attitudes(dummy):
    x, c, s = dummy
    a = assess(x, x, c, s, SMPOptions())
    np.testing.assert_allclose(a.risk_neutral, RAW, atol=5e-4)
    np.testing.assert_allclose(a.risk, RISK, atol=5e-4)
    np.testing.assert_allclose(a.objective, OBJECTIVE, atol=5e-5)
    np.testing.assert_allclose(a.perspective(4)[:2], BY4, atol=5e-5)


# "In turn 0 actor i has most advantageous target j worth w" and the first "Est by i of
# prob P that [ i> j]" line after it (log lines 217-218, 239-240, 261-262, 283-285, ...)
TARGETS = {0: (6, 0.095, 0.7643), 5: (1, 0.299, 0.8510), 1: (0, 0.281, 0.7964),
           6: (1, 0.029, 0.3970), 2: (6, 0.471, 0.8334), 4: (0, 0.012, 0.5836),
           3: (0, 0.284, 0.8056)}


def test_turn0_challenge_targets(dummy_turn0):
    t = dummy_turn0
    for i, (j, worth, p) in TARGETS.items():
        assert t.target[i] == j
        assert t.gain[i] == pytest.approx(worth, abs=5e-4)
        assert t.win_probability[i] == pytest.approx(p, abs=5e-5)


def test_turn0_challenge_from_other_views(dummy):
    # log lines 218-221: Est by 0 / by 6 of [0> 6], expected gains to 0 and to 6
    x, c, s = dummy
    a = assess(x, x, c, s, SMPOptions())
    p, gain = challenge_value(a, c, s, h=[0, 0, 6, 6], k=[0, 6, 0, 6], i=[0] * 4, j=[6] * 4)
    np.testing.assert_allclose(p, [0.7643, 0.7643, 0.7660, 0.7660], atol=5e-5)
    np.testing.assert_allclose(gain, [0.0947, -0.1548, 0.0925, -0.1514], atol=5e-5)


# "Bargain [id, i:j] from i's perspective (brgnIIJ)": "i proposes i adopt" / "i proposes j
# adopt" (log lines 224-226, 246-248, 268-270, 291-293, 313-315, 335-337, 357-359)
BARGAINS = {
    0: ([75.610, 24.780, 71.950], [75.610, 24.790, 71.950]),
    5: ([84.390, 34.050, 86.340], [84.390, 34.050, 86.340]),
    1: ([81.690, 73.160, 64.500], [81.690, 73.160, 64.500]),
    6: ([78.930, 56.330, 72.520], [78.930, 56.330, 72.520]),
    2: ([82.260, 82.560, 2.060], [82.260, 82.560, 2.060]),
    4: ([79.540, 44.720, 72.050], [79.540, 44.710, 72.050]),
    3: ([65.820, 50.760, 63.020], [65.820, 50.760, 63.020]),
}


def test_turn0_bargain_coordinates(dummy_turn0):
    for i, (to_i, to_j) in BARGAINS.items():
        np.testing.assert_allclose(dummy_turn0.proposal_initiator[i] * 100, to_i, atol=1e-9)
        np.testing.assert_allclose(dummy_turn0.proposal_receiver[i] * 100, to_j, atol=1e-9)


def test_turn0_resolution_of_actor0(dummy_turn0):
    # log lines 365-427: bargains [1000, 0:0][1006, 0:6][1012, 1:0][1022, 4:0][1025, 3:0],
    # u_im row 0, "Probability Opt_i", "Chosen bargain ( Deterministic ): 1022 4 out of 5"
    log_order = [(0, 0), (0, 6), (1, 0), (4, 0), (3, 0)]
    u_row0 = [0.82325, 0.83726, 0.80570, 0.81633, 0.80676]
    u_row4 = [0.96427, 0.96840, 0.96715, 0.96956, 0.96810]
    prob = [0.0004, 0.2938, 0.0137, 0.4968, 0.1953]
    r = dummy_turn0.resolutions[0]
    assert sorted(r.bargains) == sorted(log_order)
    order = [r.bargains.index(b) for b in log_order]
    np.testing.assert_allclose(r.utilities[0, order], u_row0, atol=5e-6)
    np.testing.assert_allclose(r.utilities[4, order], u_row4, atol=5e-6)
    np.testing.assert_allclose(r.probabilities[order], prob, atol=5e-5)
    assert r.bargains[r.chosen] == (4, 0)


# log lines 5212-5232: the position history, one state a column, printed with %5.1f
HISTORY = {
    0: ["75.8  79.5  80.6  80.6  78.5  78.5  78.5  78.5  78.6  78.6  78.6",
        " 6.4  44.7  34.2  35.0  30.5  30.5  31.2  31.2  31.5  31.8  31.8",
        "70.5  72.0  75.9  76.1  74.0  74.0  74.0  74.0  74.0  74.1  74.1"],
    1: ["82.7  78.9  76.0  78.3  79.0  79.0  79.1  78.5  79.9  78.6  78.6",
        "73.5  56.3  27.5  30.5  30.6  30.6  30.9  31.2  34.4  31.8  31.8",
        "64.0  72.5  72.0  73.8  74.2  74.2  74.3  74.0  75.2  74.1  74.1"],
    2: ["82.5  82.5  82.5  82.5  82.5  82.5  82.5  82.5  82.5  82.5  82.5",
        "90.9  90.9  90.9  90.9  90.9  90.9  90.9  90.9  90.9  90.9  90.9",
        " 0.1   0.1   0.1   0.1   0.1   0.1   0.1   0.1   0.1   0.1   0.1"],
    3: ["62.5  65.8  66.7  66.7  66.7  66.7  67.1  67.1  67.1  67.1  67.1",
        "50.8  50.8  50.2  50.2  50.2  50.2  50.1  50.1  50.1  50.1  50.1",
        "62.3  63.0  63.5  63.5  63.5  63.5  63.7  63.7  63.7  63.7  63.7"],
    4: ["82.3  79.5  81.5  78.3  78.5  78.5  78.6  80.5  78.6  78.6  78.6",
        "45.8  44.7  35.8  30.5  30.5  30.5  30.6  34.6  31.6  31.6  31.6",
        "73.3  72.0  79.1  73.8  74.0  74.0  74.1  75.9  74.0  74.1  74.1"],
    5: ["84.5  84.4  80.6  80.7  80.6  80.5  80.5  80.5  79.9  79.9  79.9",
        "33.7  34.1  34.2  34.3  34.7  34.6  34.6  34.6  34.4  34.4  34.4",
        "88.1  86.3  75.9  76.3  76.1  75.9  75.9  75.9  75.2  75.2  75.2"],
    6: ["71.0  75.6  76.0  77.4  77.4  80.5  78.5  78.5  78.7  78.7  78.6",
        "33.5  24.8  27.5  28.7  28.7  34.6  31.2  31.2  31.3  31.3  31.6",
        "90.4  72.0  72.0  73.0  73.0  75.9  74.0  74.0  74.1  74.1  74.1"],
}
# log lines 5234-5240: "SActor-0i, prob :"
PROB = {
    0: "0.0047 0.6059 0.3618 0.2234 0.2420 0.4040 0.4031 0.3546 0.4593 0.3962 0.3340",
    1: "0.0302 0.0509 0.3087 0.3684 0.2457 0.1811 0.1290 0.3546 0.2960 0.3962 0.3340",
    2: "0.0054 0.0096 0.0256 0.0158 0.0096 0.0339 0.0072 0.0571 0.0194 0.0074 0.0183",
    3: "0.1492 0.1406 0.1887 0.1674 0.0823 0.2564 0.0533 0.2768 0.1131 0.0507 0.0957",
    4: "0.6001 0.6059 0.1152 0.3684 0.2420 0.4040 0.0446 0.3115 0.4593 0.1730 0.1512",
    5: "0.1447 0.1217 0.3618 0.0649 0.3687 0.1246 0.3628 0.3115 0.2960 0.3530 0.4009",
    6: "0.0656 0.0713 0.3087 0.1602 0.0517 0.1246 0.4031 0.3546 0.1123 0.0198 0.1512",
}
# the ten "Fractional change compared to first step" lines (log lines 744 ... 5208)
FRACTIONAL = [0.9999, 0.7631, 0.1780, 0.0801, 0.0853, 0.0686, 0.0639, 0.1058, 0.0398, 0.0045]


def test_dummy_position_history_at_the_logs_precision(dummy_history):
    h = dummy_history
    assert h.positions.shape == (11, 7, 3)
    assert h.turns == 10
    for i, rows in HISTORY.items():
        for k, row in enumerate(rows):
            printed = [f"{v:5.1f}".strip() for v in h.positions[:, i, k]]
            assert printed == row.split(), (i, k)


def test_dummy_prob_lines_and_fractional_change(dummy_history):
    h = dummy_history
    for i, row in PROB.items():
        assert [f"{v:.4f}" for v in h.probabilities[:, i]] == row.split(), i
    assert [f"{v:.4f}" for v in h.fractional_change] == [f"{v:.4f}" for v in FRACTIONAL]
    # KTAB stops after step 10: 0.0045 < 0.02 and not before (0.0398 > 0.02)
    assert h.fractional_change[-1] < 0.02 < h.fractional_change[:-1].min()


def test_max_turns_cuts_the_run(dummy):
    x, c, s = dummy
    h = smp_negotiate(x, c, s, lo=0, hi=1, max_turns=3)
    assert h.positions.shape == (4, 7, 3)
    np.testing.assert_allclose(h.fractional_change, FRACTIONAL[:3], atol=5e-5)


def test_smp_step_is_turn0_and_is_registered(dummy):
    x, c, s = dummy
    step = get_mechanism("smp")
    assert step is smp_step
    new = step(x * 100, c, s, None, lo=0.0, hi=100.0)
    first = [float(r.split()[1]) for i in range(7) for r in HISTORY[i]]
    np.testing.assert_allclose(new.ravel(), first, atol=0.05 + 1e-9)
    # scale-free: the same turn on a [0, 1] scale, and a 1-D issue keeps its shape
    np.testing.assert_allclose(step(x, c, s, None, lo=0.0, hi=1.0), new / 100, atol=1e-12)
    one = step(x[:, 0] * 10, c, s[:, :1], None, lo=0.0, hi=10.0)
    assert one.shape == (7,)


# smpExample (06542ee): Alice..Ellie, capabilities, positions and saliences of smpExample.xml
EX_C = np.array([117.7, 93.2, 61.4, 135.4, 63.8])
EX_X = np.array([[52.8, 39.8, 39.6], [15.9, 61.4, 72.0], [61.1, 86.5, 44.5],
                 [26.3, 16.5, 15.9], [73.3, 61.1, 26.3]]) / 100
EX_S = np.array([[32.3, 22.4, 13.4], [25.2, 34.5, 26.5], [28.8, 28.6, 18.2],
                 [15.6, 42.0, 14.3], [39.7, 19.9, 15.8]]) / 100
EX_OPTIONS = SMPOptions(pce="MarkovIncentive", voting="PropCbc", transition="Stochastic")


def test_smp_example_turn0_with_propcbc_and_markov_incentive():
    a = assess(EX_X, EX_X, EX_C, EX_S, EX_OPTIONS)
    # smpExample log lines 103-120
    np.testing.assert_allclose(a.risk_neutral[0], [1.000, 0.673, 0.739, 0.747, 0.799], atol=5e-4)
    np.testing.assert_allclose(a.risk, [1.000, -0.387, -0.500, -0.001, -0.298], atol=5e-4)
    np.testing.assert_allclose(
        a.objective[1], [0.6278, 1.0000, 0.5964, 0.4748, 0.5340], atol=5e-5)
    # the default Prop + Conditional gives other attitudes (KTAB note: -0.456 / -0.284)
    assert not np.allclose(assess(EX_X, EX_X, EX_C, EX_S, SMPOptions()).risk, a.risk, atol=1e-2)

    t = smp_turn(EX_X, EX_X, EX_C, EX_S, EX_OPTIONS, rng=np.random.default_rng(0), assessment=a)
    # "most advantageous target" and "Est by i of prob" lines of turn 0
    for i, (j, worth, p) in {4: (2, 0.0632, 0.5467), 3: (2, 0.4318, 0.7837),
                             2: (0, 0.0975, 0.4396), 1: (2, 0.2315, None),
                             0: (4, 0.012, None)}.items():
        assert t.target[i] == j
        assert t.gain[i] == pytest.approx(worth, abs=5e-4 if worth == 0.012 else 5e-5)
        if p is not None:
            assert t.win_probability[i] == pytest.approx(p, abs=5e-5)
    np.testing.assert_allclose(t.proposal_initiator[4] * 100, [70.06, 76.00, 34.98], atol=1e-9)
    np.testing.assert_allclose(t.proposal_receiver[4] * 100, [70.06, 76.01, 34.98], atol=1e-9)
    np.testing.assert_allclose(t.proposal_initiator[3] * 100, [33.48, 18.89, 19.04], atol=1e-9)
    np.testing.assert_allclose(t.proposal_initiator[0] * 100, [64.11, 48.13, 32.54], atol=1e-9)
    # actor 0's bargains [1007, 0:0][1011, 2:0][1017, 0:4]: u_im and "Probability Opt_i"
    r = t.resolutions[0]
    order = [r.bargains.index(b) for b in [(0, 0), (2, 0), (0, 4)]]
    np.testing.assert_allclose(r.utilities[1, order], [0.64659, 0.67104, 0.64728], atol=5e-6)
    np.testing.assert_allclose(r.probabilities[order], [0.0054, 0.7502, 0.2444], atol=5e-5)
    # actor 3's bargains [1001, 3:3][1008, 3:2]
    np.testing.assert_allclose(t.resolutions[3].probabilities, [0.3948, 0.6052], atol=5e-5)


def test_accommodation_moves_ideals_part_way():
    acc = np.eye(5)
    acc[0, 0], acc[1, 1], acc[1, 0], acc[2, 2], acc[2, 3], acc[3, 3] = .87, .75, .07, .65, .13, .57
    h = smp_negotiate(EX_X, EX_C, EX_S, lo=0, hi=1, options=EX_OPTIONS, accommodation=acc,
                      max_turns=1, rng=np.random.default_rng(5))
    x1, y0 = h.positions[1], h.ideals[0]
    expect = acc @ x1 + (1 - acc.sum(axis=1))[:, None] * y0
    np.testing.assert_allclose(h.ideals[1], expect)
    np.testing.assert_allclose(h.ideals[1][4], x1[4])  # Ellie: identity row


def test_stochastic_mode_reproducible_from_the_generator():
    def run(seed):
        return smp_negotiate(EX_X, EX_C, EX_S, lo=0, hi=1, options=EX_OPTIONS,
                             max_turns=6, rng=np.random.default_rng(seed)).positions
    np.testing.assert_array_equal(run(3), run(3))
    with pytest.raises(ValueError, match="Generator"):
        smp_negotiate(EX_X, EX_C, EX_S, lo=0, hi=1, options=EX_OPTIONS)


def test_degenerate_inputs():
    c = np.ones(3)
    s = np.full((3, 2), 0.5)
    same = np.full((3, 2), 40.0)
    h = smp_negotiate(same, c, s, lo=0, hi=100)  # nobody gains: R = 0, nobody moves
    np.testing.assert_array_equal(h.risk, 0.0)
    np.testing.assert_array_equal(h.positions[-1], same)
    with pytest.raises(ValueError, match="capability"):
        smp_negotiate(same, [1.0, 0.0, 1.0], s, lo=0, hi=100)
    with pytest.raises(ValueError, match="sum to"):
        smp_negotiate(same, c, np.full((3, 2), 0.6), lo=0, hi=100)
    with pytest.raises(ValueError, match="voting"):
        SMPOptions(voting="Plurality")


def test_pruned_target_search_equals_the_full_search():
    from model.mechanisms.smp import _own_view_challenges, best_targets

    rng = np.random.default_rng(7)
    n = 40
    x, c = rng.random((n, 2)), rng.uniform(10, 200, n)
    s = rng.uniform(0.1, 1, (n, 2))
    s *= rng.uniform(0.75, 0.99, (n, 1)) / s.sum(axis=1, keepdims=True)
    for options in (SMPOptions(), SMPOptions(voting="PropCbc", risk_adjust="Half")):
        a = assess(x, x, c, s, options)
        p_full, g_full = _own_view_challenges(a, c, s, options, prune=False)
        target, p, gain = best_targets(a, c, s, options)
        g = np.where(g_full > 1e-5, g_full, -np.inf)
        np.fill_diagonal(g, -np.inf)
        np.testing.assert_array_equal(target, np.argmax(g, axis=1))
        rows = np.arange(n)
        np.testing.assert_allclose(gain, g_full[rows, target], rtol=0, atol=1e-15)
        # the broadcast search agrees with the literal transcription of probEduChlg
        p_lit, g_lit = challenge_value(a, c, s, rows, rows, rows, target, options)
        np.testing.assert_allclose(p, p_lit, atol=1e-13)
        np.testing.assert_allclose(gain, g_lit, atol=1e-13)


def test_pce_closed_forms_for_two_options():
    from model.mechanisms.smp import PCEModel, VotingRule, VPModel, pce, vote

    strength = np.array([[1e-8, 3.0], [1.0, 1e-8]])  # option 0 beats 1 with 3 : 1
    for model in (PCEModel.CONDITIONAL, PCEModel.MARKOV_UNIFORM):
        # MarkovUniform stops at KTAB's tolerance 1e-6 on the step, a few 1e-6 short
        np.testing.assert_allclose(pce(strength, VPModel.LINEAR, model), [0.75, 0.25], atol=1e-5)
    # Square: 9 : 1
    np.testing.assert_allclose(pce(strength, VPModel.SQUARE, PCEModel.CONDITIONAL), [0.9, 0.1])
    du = np.array([-0.5, 0.5])
    np.testing.assert_allclose(vote(VotingRule.PROP_CBC, 2.0, du), [-0.625, 0.625])
    np.testing.assert_allclose(vote(VotingRule.ASYM_PROSP, 3.0, du), [-1.5, 1.0])
    np.testing.assert_allclose(vote(VotingRule.BINARY, 2.0, du), [-2.0, 2.0])


def test_interpolation_rules_closed_forms():
    from model.mechanisms.smp import InterVecBrgn, interpolate_bargain

    xi, xj = np.array([[0.2]]), np.array([[0.8]])
    si, sj = np.array([[0.5]]), np.array([[0.25]])
    p, q = np.array([0.6]), np.array([0.4])
    # S1P1: weights s p = 0.3 and 0.1 -> 0.2 + 0.6 / 4 = 0.35 (rounded to 1e-4)
    bi, bj = interpolate_bargain(xi, si, p, xj, sj, q, InterVecBrgn.S1P1)
    assert bi[0, 0] == pytest.approx(0.35) and bj[0, 0] == pytest.approx(0.35)
    # S2P2: weights 0.09 and 0.01 -> 0.2 + 0.6 / 10 = 0.26
    bi, _ = interpolate_bargain(xi, si, p, xj, sj, q, InterVecBrgn.S2P2)
    assert bi[0, 0] == pytest.approx(0.26)
    # S2PMax: the likelier winner (i) does not move; j moves by d s_i² / (d s_i² + (1-d) s_j²)
    bi, bj = interpolate_bargain(xi, si, p, xj, sj, q, InterVecBrgn.S2PMAX)
    d = 0.2 * 0.25 / (0.2 * 0.25 + 1e-6 + 0.8 * 0.0625)
    assert bi[0, 0] == pytest.approx(0.2)
    assert bj[0, 0] == pytest.approx(0.8 + d * (0.2 - 0.8))

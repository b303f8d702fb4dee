"""KTAB's Spatial Model of Politics (SMP) in numpy.

KTAB (KAPSARC Toolkit for Behavioral Analysis, KAPSARC, MIT licence; C++ in
``examples/smp/libsrc/smp*.cpp`` and ``KTAB/kmodel/libsrc/kmodel.cpp``) models a negotiation
over ``d`` issue dimensions as rounds of challenges and bargains between actors with
capability ``c_i``, position ``x_i`` and saliences ``s_ik``. Win probabilities come from the
probabilistic Condorcet election (PCE) of Wise & Bankes, "Non-spatial Probabilistic
Condorcet Election Methodology" (KAPSARC, 2015). This module is written from a reading of
that code, not translated from it, and it reproduces KTAB's reference runs
(``examples/smp/doc/20170530_ref-dummyData_3Dim.txt``: every position, every ``prob :``
line and every "Fractional change" value; ``20170530_ref-smpExample.txt``: turn 0 with
PropCbc votes, the MarkovIncentive PCE and an accommodation matrix). ``tests/test_smp.py``
pins both.

Everything is on KTAB's internal [0, 1] scale: positions are mapped from ``[lo, hi]`` and
saliences are used as given in [0, 1] (KTAB divides its 0..100 input by 100 and does *not*
renormalise them; each actor's total ``S_i = Σ_k s_ik`` must be in (0, 1]).

One turn, as KTAB computes it (defaults in brackets):

* distance ``d(i, j) = sqrt(Σ_k (s_ik (y_ik - x_jk))² / Σ_k s_ik²)`` from i's ideal y_i to j's
  position; utility ``u = (1 - d)(1 + d R)`` with risk attitude R (R > 0 is risk-averse);
* risk attitudes: risk-neutral utilities ``1 - d``, votes weighted by capability only over
  all n positions, the PCE [Conditional], ``R`` from the PCE probabilities [BigRRange Mid:
  ``(3p - pmax - 2 pmin) / (2 (pmax - pmin))``]; h's estimate of i's R [BigRAdjust OneThird:
  ``(2 R_h + R_i)/3``];
* challenges: actor i estimates, with its own view, the gain of challenging each j. The
  principals vote with weight ``c S``; every third party votes in the "little contest" of
  the principals plus itself (always a linear ratio), then commits [SemiCommit]. ``P`` is the
  linear ratio of the coalitions; j resists with probability ``S_j``. i picks the j of
  largest gain above 1e-5 (the first on ties);
* bargain: from i's view, per dimension, weights ``s_ik² p²`` and ``s_jk² q²`` [S2P2], with
  KTAB's 1e-6 asymmetry and rounding to 1e-4; [InitOnlyInterp] queues it on both i's and
  j's lists, each of which starts with the status quo;
* resolution: for every bargain on k's list, the mean over the n positions (only the
  principals' changed) of each actor's utility, the PCE over the bargains weighted by
  capability, and [Deterministic] the first most probable bargain. All actors move at once;
* ideals ``y ← A x_new + (1 - Σ_j A_ij) y`` with the accommodation matrix ``A`` [identity];
* stop after turn t if ``t ≥ 100`` or (``t ≥ 2`` and ``Σ_i ‖Δx_i(t)‖ / (Σ_i ‖Δx_i(1)‖ + 1e-4)
  < 0.02``).

Quirks of KTAB kept, because the reference logs depend on them: the two weightings (c·S in
challenges, c alone elsewhere); the total salience S_j as the probability that j resists;
the linear ratio in challenges whatever the victory-probability model; risk estimated over
all n positions, duplicates included, while the reported probabilities (``prob :``) are the
PCE over unique positions (``‖x_i - x_j‖ < 1e-3``), so that actors sharing a position share
a probability and the column can sum to more than 1; the rounding of bargains; the tiny
constants (1e-8 and 1e-10 on coalitions, 1e-5 minimum gain, 1e-8 Markov tolerance).

This project's choices:

* the order of each bargain list, which in KTAB follows thread scheduling, is fixed: status
  quo, the actor's own bargain, then the bargains it receives by ascending initiator. It only
  matters for exact ties (Deterministic) and for which draw picks what (Stochastic);
* the Stochastic transition draws one uniform number per actor, in ascending actor order,
  from a numpy ``Generator`` (KTAB's draws are in thread order and cannot be reproduced);
* only the default bargain model InitOnlyInterp is offered. KTAB's InitRcvrInterp
  interpolates "from j's view" with j's estimated *gain* in place of a probability, and its
  PWCompInterp weights both sides with i's capability; both are bugs, and no reference run
  uses them;
* degenerate cases: ``pmax = pmin`` (e.g. every actor at one point), which divides by zero
  in KTAB, gives every actor R = 0; a capability ≤ 0 or a salience row summing to 0, which
  make KTAB throw, raise ``ValueError``; KTAB's check that risk changes utilities by more
  than 1e-6 is not made.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike

from model.mechanisms import memory

Array = np.ndarray


class VotingRule(enum.Enum):
    """KTAB ``VotingRule`` (``Model::vote``); the vote of weight w for a over b, Δ = u_a - u_b."""

    BINARY = "Binary"  # w clip(Δ / 1e-8, -1, 1)
    PROP_BIN = "PropBin"  # w (0.8 Δ + 0.2 bin)
    PROP = "Prop"  # w Δ
    PROP_CBC = "PropCbc"  # w (Δ + Δ³) / 2
    CUBIC = "Cubic"  # w Δ³
    ASYM_PROSP = "ASymProsp"  # w Δ if Δ < 0, 2/3 w Δ if Δ > 0


class VPModel(enum.Enum):
    """KTAB ``VPModel`` (``Model::vProb``): victory probability from coalition strengths."""

    LINEAR = "Linear"
    SQUARE = "Square"
    QUARTIC = "Quartic"
    OCTIC = "Octic"
    BINARY = "Binary"


class PCEModel(enum.Enum):
    """KTAB ``PCEModel``: probabilistic Condorcet election (Wise & Bankes 2015)."""

    CONDITIONAL = "Conditional"
    MARKOV_INCENTIVE = "MarkovIncentive"
    MARKOV_UNIFORM = "MarkovUniform"


class StateTransition(enum.Enum):
    DETERMINISTIC = "Deterministic"
    STOCHASTIC = "Stochastic"


class BigRRange(enum.Enum):
    MIN = "Min"  # R in [0, 1]
    MID = "Mid"  # R in [-1/2, 1]
    MAX = "Max"  # R in [-1, 1]


class BigRAdjust(enum.Enum):
    """How actor h estimates actor i's risk attitude."""

    NONE = "None"  # R_h
    ONE_THIRD = "OneThird"  # (2 R_h + R_i) / 3
    HALF = "Half"  # (R_h + R_i) / 2
    TWO_THIRDS = "TwoThirds"  # (R_h + 2 R_i) / 3
    FULL = "Full"  # R_i


class ThirdPartyCommit(enum.Enum):
    NO_COMMIT = "NoCommit"
    SEMI_COMMIT = "SemiCommit"
    FULL_COMMIT = "FullCommit"


class InterVecBrgn(enum.Enum):
    S1P1 = "S1P1"
    S2P2 = "S2P2"
    S2PMAX = "S2PMax"


class BargainModel(enum.Enum):
    INIT_ONLY_INTERP = "InitOnlyInterp"


@dataclass(frozen=True)
class SMPOptions:
    """KTAB's nine model parameters and its stopping rule, with KTAB's defaults."""

    victory: VPModel = VPModel.LINEAR
    pce: PCEModel = PCEModel.CONDITIONAL
    transition: StateTransition = StateTransition.DETERMINISTIC
    voting: VotingRule = VotingRule.PROP
    risk_range: BigRRange = BigRRange.MID
    risk_adjust: BigRAdjust = BigRAdjust.ONE_THIRD
    third_party: ThirdPartyCommit = ThirdPartyCommit.SEMI_COMMIT
    interpolation: InterVecBrgn = InterVecBrgn.S2P2
    bargain_model: BargainModel = BargainModel.INIT_ONLY_INTERP
    min_turns: int = 2
    max_turns: int = 100
    min_delta_ratio: float = 0.02
    min_sig_delta: float = 1e-4
    position_tolerance: float = 1e-3  # KTAB posTol: positions closer than this are one

    def __post_init__(self) -> None:
        for name, kind in (
            ("victory", VPModel), ("pce", PCEModel), ("transition", StateTransition),
            ("voting", VotingRule), ("risk_range", BigRRange), ("risk_adjust", BigRAdjust),
            ("third_party", ThirdPartyCommit), ("interpolation", InterVecBrgn),
            ("bargain_model", BargainModel),
        ):
            value = getattr(self, name)
            if not isinstance(value, kind):
                try:  # accept KTAB's names, e.g. voting="PropCbc"
                    object.__setattr__(self, name, kind(value))
                except ValueError:
                    valid = ", ".join(m.value for m in kind)
                    raise ValueError(f"{name}={value!r}: choose one of {valid}") from None


# ---------------------------------------------------------------- elementary rules

_MIN_COALITION = 1e-8  # Model::coalitions
_MIN_CHALLENGE_COALITION = 1e-10  # SMPState::probEduChlg
_MIN_GAIN = 1e-5  # SMPState::bestChallenge
_CHUNK = 1 << 16  # elements per temporary array in the O(n³) sums (fits in cache)


def vote(rule: VotingRule, w: ArrayLike, du: ArrayLike) -> Array:
    """Vote of weight ``w`` for option a over b, ``du = u_a - u_b`` (KTAB ``Model::vote``)."""
    w = np.asarray(w, dtype=float)
    du = np.asarray(du, dtype=float)
    if rule is VotingRule.PROP:
        return w * du
    if rule is VotingRule.PROP_CBC:
        return w * (0.5 * du + 0.5 * du**3)
    if rule is VotingRule.CUBIC:
        return w * du**3
    if rule is VotingRule.BINARY:
        return w * np.clip(du / 1e-8, -1.0, 1.0)
    if rule is VotingRule.PROP_BIN:
        return w * (0.8 * du + 0.2 * np.clip(du / 1e-8, -1.0, 1.0))
    if rule is VotingRule.ASYM_PROSP:
        return np.where(du < 0, w * du, 2.0 * w * du / 3.0)
    raise ValueError(f"unknown voting rule {rule!r}")


def salience_distance(y: Array, x: Array, s: Array) -> Array:
    """``d[i, j]``: distance from i's ideal ``y_i`` to j's position, weighted by i's saliences
    (KTAB ``SMPModel::bvDiff``); (n, d) inputs on [0, 1], (n, m) output with m = len(x)."""
    s2 = s**2
    tiny = s2.sum(axis=1) < 1e-200  # squares that underflow: the ratio is scale-free in s
    if np.any(tiny):
        top = np.max(s, axis=1, keepdims=True)
        s2 = np.where(tiny[:, None], (s / np.where(top > 0, top, 1.0)) ** 2, s2)
    diff2 = (y[:, None, :] - x[None, :, :]) ** 2
    return np.sqrt(np.einsum("ijk,ik->ij", diff2, s2) / s2.sum(axis=1)[:, None])


def utility(d: ArrayLike, r: ArrayLike) -> Array:
    """``(1 - d)(1 + d R)`` (KTAB ``SMPModel::bsUtil``; ``(1 - d)(1 + R)`` past d = 1)."""
    d = np.asarray(d, dtype=float)
    return (1.0 - d) * (1.0 + np.minimum(d, 1.0) * r)


@functools.lru_cache(maxsize=64)
def _lower_pairs(m: int) -> tuple[Array, Array]:
    """``np.tril_indices(m, -1)``, computed once per size (read-only)."""
    lower, upper = np.tril_indices(m, -1)
    lower.flags.writeable = upper.flags.writeable = False
    return lower, upper


def coalitions(w: Array, u: Array, rule: VotingRule) -> Array:
    """``C[i, j] = 1e-8 + Σ_k max(vote(w_k, u_ki - u_kj), 0)``, diagonal 1e-8
    (KTAB ``Model::coalitions``); u is (voters, options).

    Each unordered pair is visited once: the positive votes make ``C[i, j]``, the negative
    ones ``C[j, i]``.
    """
    n, m = u.shape
    lower, upper = _lower_pairs(m)
    prop = rule is VotingRule.PROP
    ut = np.ascontiguousarray((w[:, None] * u if prop else u).T)  # (options, voters)
    c_lo = np.empty(len(lower))
    c_up = np.empty(len(lower))
    step = max(1, _CHUNK // max(1, n))
    for a in range(0, len(lower), step):
        b = a + step
        v = ut[lower[a:b]] - ut[upper[a:b]]
        if not prop:
            v = vote(rule, w, v)
        c_lo[a:b] = np.maximum(v, 0.0).sum(axis=1)
        np.negative(v, out=v)
        c_up[a:b] = np.maximum(v, 0.0, out=v).sum(axis=1)
    total = np.full((m, m), _MIN_COALITION)
    total[lower, upper] += c_lo
    total[upper, lower] += c_up
    return total


def victory_probabilities(strength: Array, model: VPModel) -> Array:
    """``P[i, j]`` that option i beats j from coalition strengths (KTAB ``Model::vProb``);
    over the last two axes, so a stack of strength matrices gives a stack."""
    s1, s2 = strength, np.swapaxes(strength, -1, -2)
    if model is VPModel.BINARY:
        r = s1 / (s1 + s2)
        mid = (r * 2.1 - 1.0) / 0.1
        x1 = np.where(s1 >= 1.1 * s2, 1.0, np.where(s2 >= 1.1 * s1, 1e-6, mid))
        x2 = np.where(s1 >= 1.1 * s2, 1e-6, np.where(s2 >= 1.1 * s1, 1.0, 1.0 - mid))
    else:
        power = {VPModel.LINEAR: 1, VPModel.SQUARE: 2, VPModel.QUARTIC: 4, VPModel.OCTIC: 8}
        x1, x2 = s1 ** power[model], s2 ** power[model]
    p = x1 / (x1 + x2)
    r = np.arange(p.shape[-1])
    p[..., r, r] = 0.5
    return p


def pce(strength: Array, victory: VPModel, model: PCEModel) -> Array:
    """Probabilities of the options from coalition strengths (KTAB ``Model::probCE2``).

    ``strength`` is (m, m) or a stack (..., m, m); each Markov chain stops at its own
    tolerance, as KTAB's would.
    """
    p_win = victory_probabilities(strength, victory)
    m = p_win.shape[-1]
    if model is PCEModel.CONDITIONAL:
        p = np.prod(p_win, axis=-1)
        return p / p.sum(axis=-1, keepdims=True)
    if model is PCEModel.MARKOV_INCENTIVE:
        incentive = strength * p_win + np.eye(m) * 1e-10
        challenge = incentive / incentive.sum(axis=-2, keepdims=True)
        a = (p_win * np.swapaxes(challenge, -1, -2)).sum(axis=-1)
        b = p_win * challenge
        tol = 1e-8
    elif model is PCEModel.MARKOV_UNIFORM:
        a = p_win.sum(axis=-1) / m
        b = p_win / m
        tol = 1e-6
    else:
        raise ValueError(f"unknown PCE model {model!r}")
    a2, b2 = a.reshape(-1, m), b.reshape(-1, m, m)
    p = np.full(a2.shape, 1.0 / m)
    active = np.arange(len(p))
    for _ in range(100_000):
        pa = p[active]
        q = pa * a2[active] + np.einsum("kij,kj->ki", b2[active], pa)
        change = np.max(np.abs(q - pa), axis=1)
        p[active] = 0.5 * (pa + q)
        active = active[change > tol]
        if not len(active):
            return p.reshape(a.shape)
    raise RuntimeError(f"{model.value} PCE did not converge")  # pragma: no cover


def scalar_pce(w: Array, u: Array, options: SMPOptions) -> Array:
    """PCE over options with utilities ``u`` (voters × options), votes of weight ``w``."""
    return pce(coalitions(w, u, options.voting), options.victory, options.pce)


def risk_from_probabilities(p: Array, rng_: BigRRange) -> Array:
    """KTAB ``Model::bigRfromProb``; every R is 0 when all probabilities are equal."""
    pmin, pmax = p.min(), p.max()
    span = pmax - pmin
    if span <= 1e-15:
        return np.zeros_like(p)
    if rng_ is BigRRange.MIN:
        return (p - pmin) / span
    if rng_ is BigRRange.MID:
        return (3 * p - (pmax + 2 * pmin)) / (2 * span)
    return (2 * p - (pmax + pmin)) / span


def estimated_risk(rh: ArrayLike, ri: ArrayLike, adjust: BigRAdjust) -> Array:
    """h's estimate of i's risk attitude (KTAB ``Model::estNRA``)."""
    rh, ri = np.asarray(rh, dtype=float), np.asarray(ri, dtype=float)
    if adjust is BigRAdjust.NONE:
        return rh + 0 * ri
    if adjust is BigRAdjust.ONE_THIRD:
        return (2.0 * rh + ri) / 3.0
    if adjust is BigRAdjust.HALF:
        return (rh + ri) / 2
    if adjust is BigRAdjust.TWO_THIRDS:
        return (rh + 2.0 * ri) / 3.0
    return ri + 0 * rh


# ---------------------------------------------------------------- one state

@dataclass(frozen=True)
class SMPAssessment:
    """What KTAB computes for a state before its turn (``setAllAUtil``, ``pDist(-1)``)."""

    distance: Array  # (n, n) d(ideal_i, position_j)
    risk_neutral: Array  # (n, n) 1 - d: "Raw actor-pos value matrix"
    risk: Array  # (n,) "Inferred risk attitudes"
    objective: Array  # (n, n) u(d_ij, R_i): "Risk-aware actor-pos utility matrix"
    unique: Array  # indices of the unique positions (first occurrence)
    probabilities: Array  # (n,) PCE probability of each actor's position ("prob :")

    def perspective(self, h: int, options: SMPOptions | None = None) -> Array:
        """h's estimate of the utility matrix ("Estimate by h of risk-aware utility matrix")."""
        options = options or SMPOptions()
        r = estimated_risk(self.risk[h], self.risk, options.risk_adjust)
        return utility(self.distance, r[:, None])


def _unique_positions(x: Array, tol: float) -> tuple[Array, Array]:
    """KTAB ``ueIndices``: unique indices (first occurrence) and each actor's unique slot."""
    near = (np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2)) < tol).tolist()
    unique: list[int] = []
    slot = [0] * len(x)
    for i, row in enumerate(near):
        for s_, u in enumerate(unique):
            if row[u]:
                slot[i] = s_
                break
        else:
            slot[i] = len(unique)
            unique.append(i)
    return np.array(unique), np.array(slot, dtype=int)


def assess(x: Array, y: Array, c: Array, s: Array, options: SMPOptions) -> SMPAssessment:
    """Risk attitudes, utilities and probabilities of a state, on the [0, 1] scale."""
    d = salience_distance(y, x, s)
    u0 = 1.0 - d
    p_all = scalar_pce(c, u0, options)
    risk = risk_from_probabilities(p_all, options.risk_range)
    objective = utility(d, risk[:, None])
    unique, slot = _unique_positions(x, options.position_tolerance)
    p_unique = scalar_pce(c, objective[:, unique], options)
    return SMPAssessment(d, u0, risk, objective, unique, p_unique[slot])


# ---------------------------------------------------------------- challenges

def challenge_value(
    a: SMPAssessment, c: Array, s: Array, h: ArrayLike, k: ArrayLike, i: ArrayLike,
    j: ArrayLike, options: SMPOptions | None = None,
) -> tuple[Array, Array]:
    """h's estimate of the probability that i beats j and of the gain to k of i challenging j
    (KTAB ``SMPState::probEduChlg``), for equal-shaped index arrays h, k, i, j."""
    options = options or SMPOptions()
    h, k, i, j = (np.atleast_1d(np.asarray(v, dtype=int)) for v in (h, k, i, j))
    total_salience = s.sum(axis=1)
    weight = c * total_salience
    rule = options.voting
    n = len(c)

    def u(hh: Array, row: Array, col: Array) -> Array:
        r = estimated_risk(a.risk[hh], a.risk[row], options.risk_adjust)
        return utility(a.distance[row, col], r)

    vi = vote(rule, weight[i], u(h, i, i) - u(h, i, j))
    vj = vote(rule, weight[j], u(h, j, i) - u(h, j, j))
    base_ij = _MIN_CHALLENGE_COALITION + np.maximum(vi, 0) + np.maximum(vj, 0)
    base_ji = _MIN_CHALLENGE_COALITION + np.maximum(-vi, 0) + np.maximum(-vj, 0)
    c_ij = base_ij.copy()
    c_ji = base_ji.copy()
    step = max(1, _CHUNK // max(1, n))
    third = np.arange(n)[None, :]
    for b0 in range(0, len(h), step):
        sl = slice(b0, b0 + step)
        hh, ii, jj = h[sl, None], i[sl, None], j[sl, None]
        uni, unj, unn = u(hh, third, ii), u(hh, third, jj), u(hh, third, third)
        wn = weight[third]
        v = vote(rule, wn, uni - unj)
        cni = base_ij[sl, None] + np.maximum(v, 0)
        cnj = base_ji[sl, None] + np.maximum(-v, 0)
        pin = cni / (cni + cnj)  # Actor::vProbLittle: always linear
        if options.third_party is ThirdPartyCommit.SEMI_COMMIT:
            ik_j, j_ik, i_jk, jk_i = 2 * uni + unn, 3 * unj, 3 * uni, 2 * unj + unn
        elif options.third_party is ThirdPartyCommit.FULL_COMMIT:
            ik_j, j_ik, i_jk, jk_i = 3 * uni, 3 * unj, 3 * uni, 3 * unj
        else:
            ik_j, j_ik, i_jk, jk_i = 2 * uni + unn, 2 * unj + unn, 2 * uni + unn, 2 * unj + unn
        vk = vote(rule, wn, (pin * ik_j + (1 - pin) * j_ik) - (pin * i_jk + (1 - pin) * jk_i))
        mask = (third != ii) & (third != jj)
        c_ij[sl] += np.where(mask, np.maximum(vk, 0), 0).sum(axis=1)
        c_ji[sl] += np.where(mask, np.maximum(-vk, 0), 0).sum(axis=1)
    p = c_ij / (c_ij + c_ji)
    uki, ukj = u(h, k, i), u(h, k, j)
    sj = total_salience[j]
    gain = (1 - sj) * 2 * uki + sj * (p * 2 * uki + (1 - p) * 2 * ukj) - (uki + ukj)
    return p, gain


_RISK_WEIGHTS = {  # estimated_risk(rh, ri) = alpha rh + beta ri
    BigRAdjust.NONE: (1.0, 0.0), BigRAdjust.ONE_THIRD: (2 / 3, 1 / 3),
    BigRAdjust.HALF: (0.5, 0.5), BigRAdjust.TWO_THIRDS: (1 / 3, 2 / 3),
    BigRAdjust.FULL: (0.0, 1.0),
}


class _OwnView:
    """Everything ``challenge_value(h=k=i, i, j)`` needs, arranged for row gathers.

    With ``r_ha = alpha R_h + beta R_a``, h's utility of b for a is ``U_h(a, b) = E_ab +
    alpha R_h B_ab`` where ``E = (1 - d)(1 + beta R_a d)`` and ``B = d (1 - d)``.
    """

    def __init__(self, a: SMPAssessment, c: Array, s: Array, options: SMPOptions) -> None:
        alpha, beta = _RISK_WEIGHTS[options.risk_adjust]
        d = a.distance
        self.bmat = np.minimum(d, 1.0) * (1.0 - d)
        self.emat = (1.0 - d) + beta * a.risk[:, None] * self.bmat
        self.et = np.ascontiguousarray(self.emat.T)  # [m, n]: U for row actor n, option m
        self.bt = np.ascontiguousarray(self.bmat.T)
        self.e_diag, self.b_diag = np.diag(self.emat).copy(), np.diag(self.bmat).copy()
        self.ar = alpha * a.risk
        self.salience = s.sum(axis=1)
        self.weight = c * self.salience
        self.options = options
        self.n = len(c)
        # h = i's utilities U_i(i, j) for every pair: the bounds on the gain
        self.u_own = self.emat + self.ar[:, None] * self.bmat
        # third party n in i's view: a[i, n] = U_i(n, n) - U_i(n, i) and
        # b = U_i(n, j) - U_i(n, n) = F[j, n] + alpha R_i H[j, n]
        self.f = self.et - self.e_diag[None, :]
        self.h = self.bt - self.b_diag[None, :]
        self.a = -(self.f + self.ar[:, None] * self.h)

    def gain_bounds(self) -> tuple[Array, Array]:
        """``gain = g0 + P g1`` with P in [0, 1]: the (n, n) matrices g0 and g1."""
        uki = np.diag(self.u_own)[:, None]
        ukj = self.u_own
        sj = self.salience[None, :]
        g0 = (1 - sj) * 2 * uki + sj * 2 * ukj - (uki + ukj)
        return g0, 2 * sj * (uki - ukj)

    def pairs(self, i: Array, j: Array) -> Array:
        """P(i beats j) from i's view for index arrays i, j (KTAB ``probEduChlg``)."""
        rule, w, ar = self.options.voting, self.weight, self.ar[i]
        u_ii = self.emat[i, i] + ar * self.bmat[i, i]
        u_ij = self.emat[i, j] + ar * self.bmat[i, j]
        u_ji = self.emat[j, i] + ar * self.bmat[j, i]
        u_jj = self.e_diag[j] + ar * self.b_diag[j]
        vi = vote(rule, w[i], u_ii - u_ij)
        vj = vote(rule, w[j], u_ji - u_jj)
        base_ij = _MIN_CHALLENGE_COALITION + np.maximum(vi, 0) + np.maximum(vj, 0)
        base_ji = _MIN_CHALLENGE_COALITION + np.maximum(-vi, 0) + np.maximum(-vj, 0)
        # third parties n on the last axis: a = unn - uni, b = unj - unn, uni - unj = -(a + b)
        a = self.a[i]
        b = self.h[j]
        b *= ar[:, None]
        b += self.f[j]
        v = a + b
        np.negative(v, out=v)
        v = vote(rule, w, v)
        pin = np.maximum(v, 0.0)
        pin += base_ij[:, None]
        np.abs(v, out=v)
        v += (base_ij + base_ji)[:, None]
        pin /= v  # Actor::vProbLittle: always the linear ratio
        if self.options.third_party is ThirdPartyCommit.SEMI_COMMIT:
            # pi (ik_j - i_jk) + (1 - pi)(j_ik - jk_i) = pi (unn - uni) + (1 - pi)(unj - unn)
            a -= b
            a *= pin
            a += b
            vk = vote(rule, w, a)
        else:  # FullCommit and NoCommit: both differences vanish
            vk = np.zeros_like(b)
        rows = np.arange(len(i))
        vk[rows, i] = 0.0  # the principals are not third parties
        vk[rows, j] = 0.0
        # sum of the negative votes = positive - total: the error is relative to c_ij + c_ji
        total = vk.sum(axis=1)
        c_ij = base_ij + np.maximum(vk, 0.0, out=vk).sum(axis=1)
        c_ji = base_ji + (c_ij - base_ij - total)
        return c_ij / (c_ij + c_ji)


def _own_view_challenges(
    a: SMPAssessment, c: Array, s: Array, options: SMPOptions, prune: bool = True
) -> tuple[Array, Array]:
    """P and gain of ``challenge_value(h=k=i, i, j)`` for the pairs that can be i's best
    target ((n, n) matrices; NaN and -inf elsewhere).

    The gain is ``g0 + P g1`` with P in [0, 1], so it is bounded without computing P. Each
    actor's candidates are evaluated in order of their upper bound, a few at a time, and a
    candidate whose upper bound is below the best exact gain found cannot be the target, so
    it is never computed (4, then 8, 16, ... candidates per actor and round). ``prune=False``
    computes every pair.
    """
    view = _OwnView(a, c, s, options)
    n = view.n
    g0, g1 = view.gain_bounds()
    upper = g0 + np.maximum(g1, 0.0) + 1e-12
    p_out = np.full((n, n), np.nan)
    g_out = np.full((n, n), -np.inf)
    pending = upper > _MIN_GAIN
    np.fill_diagonal(pending, False)
    best = np.full(n, _MIN_GAIN)
    per_round = 4 if prune else n
    step = max(1, _CHUNK // max(1, 4 * n))
    while True:
        score = np.where(pending & (upper > best[:, None]), upper, -np.inf)
        k = min(per_round, n)
        per_round *= 2
        top = np.argpartition(-score, k - 1, axis=1)[:, :k] if k < n else np.tile(
            np.arange(n), (n, 1))
        ii = np.repeat(np.arange(n), top.shape[1])
        jj = top.ravel()
        keep = np.isfinite(score[ii, jj])
        ii, jj = ii[keep], jj[keep]
        if not len(ii):
            break
        for lo_p in range(0, len(ii), step):
            i_b, j_b = ii[lo_p:lo_p + step], jj[lo_p:lo_p + step]
            p = view.pairs(i_b, j_b)
            p_out[i_b, j_b] = p
            g_out[i_b, j_b] = g0[i_b, j_b] + p * g1[i_b, j_b]
        pending[ii, jj] = False
        best = np.maximum(best, np.max(g_out, axis=1))
    return p_out, g_out


def best_targets(
    a: SMPAssessment, c: Array, s: Array, options: SMPOptions
) -> tuple[Array, Array, Array]:
    """Each actor's most advantageous target from its own view (KTAB ``bestChallenge``):
    target (-1 for none), P(i beats target), gain; first j on ties, gain must exceed 1e-5."""
    p_mat, g_mat = _own_view_challenges(a, c, s, options)
    n = len(c)
    g_mat = np.where(g_mat > _MIN_GAIN, g_mat, -np.inf)
    np.fill_diagonal(g_mat, -np.inf)
    target = np.argmax(g_mat, axis=1)
    best = g_mat[np.arange(n), target]
    target = np.where(np.isfinite(best), target, -1)
    return target, np.where(target >= 0, p_mat[np.arange(n), target], np.nan), best


def _round4(v: Array) -> Array:
    return np.floor(0.5 + v * 1e4) / 1e4


def interpolate_bargain(
    xi: Array, si: Array, pi: Array, xj: Array, sj: Array, pj: Array, how: InterVecBrgn
) -> tuple[Array, Array]:
    """Positions proposed to i and to j (KTAB ``interpolateBrgn``); rows are bargains."""
    pi, pj = pi[:, None], pj[:, None]
    if how is InterVecBrgn.S2PMAX:
        di, dj = np.maximum(pj - pi, 0), np.maximum(pi - pj, 0)
        dik = di * sj**2 / (di * sj**2 + 1e-6 + (1 - di) * si**2)
        djk = dj * si**2 / (dj * si**2 + 1e-6 + (1 - dj) * sj**2)
        return xi + dik * (xj - xi), xj + djk * (xi - xj)
    e = 2 if how is InterVecBrgn.S2P2 else 1
    wi, wj = si**e * pi**e, sj**e * pj**e
    total = wi + 1e-6 + wj
    return (_round4(((wi + 1e-6) * xi + wj * xj) / total),
            _round4((wi * xi + (1e-6 + wj) * xj) / total))


# ---------------------------------------------------------------- one turn

@dataclass(frozen=True)
class SMPResolution:
    """Actor k's bargain list (KTAB ``updateBestBrgnPositions``)."""

    bargains: list[tuple[int, int]]  # (initiator, receiver); (k, k) is the status quo
    utilities: Array  # (n, m) "u_im"
    probabilities: Array  # (m,) "Probability Opt_i"
    chosen: int  # index into bargains


def _resolve_lists(
    c: Array, u_sq: Array, u_bargain: Array, lists: list[list[int]], options: SMPOptions
) -> list[Array]:
    """PCE over each actor's bargain list (status quo first), weights c: the lists of equal
    length are stacked and resolved together."""
    out: list[Array] = [np.empty(0)] * len(lists)
    by_length: dict[int, list[int]] = {}
    for k, cols in enumerate(lists):
        by_length.setdefault(len(cols) + 1, []).append(k)
    n = len(c)
    for m, actors in by_length.items():
        step = max(1, _CHUNK // max(1, n * m * m))
        for lo_g in range(0, len(actors), step):
            group = actors[lo_g:lo_g + step]
            cols = np.array([lists[k] for k in group], dtype=int).reshape(len(group), m - 1)
            u = np.concatenate(
                [np.broadcast_to(u_sq[None, :, None], (len(group), n, 1)),
                 np.moveaxis(u_bargain[:, cols], 0, 1)], axis=2)  # (G, n, m)
            v = vote(options.voting, c[None, :, None, None], u[:, :, :, None] - u[:, :, None, :])
            strength = np.maximum(v, 0.0).sum(axis=1) + _MIN_COALITION
            r = np.arange(m)
            strength[:, r, r] = _MIN_COALITION
            p = pce(strength, options.victory, options.pce)
            for g, k in enumerate(group):
                out[k] = p[g]
    return out


@dataclass(frozen=True)
class SMPTurn:
    assessment: SMPAssessment
    target: Array  # (n,) -1 for none
    win_probability: Array  # (n,) P(i beats its target) from i's view
    gain: Array  # (n,)
    proposal_initiator: Array  # (n, d) position proposed to the initiator (NaN if none)
    proposal_receiver: Array  # (n, d)
    resolutions: list[SMPResolution]
    positions: Array  # (n, d) after the turn, [0, 1] scale


def smp_turn(
    x: Array, y: Array, c: Array, s: Array, options: SMPOptions,
    rng: np.random.Generator | None = None, assessment: SMPAssessment | None = None,
    detail: bool = True,
) -> SMPTurn:
    """One KTAB turn on the [0, 1] scale: challenges, bargains, resolution (ideals unchanged).

    ``detail=False`` leaves ``resolutions`` empty (the positions are the same): what
    :func:`smp_step` needs, without building every actor's utility table."""
    n, d = x.shape
    a = assessment if assessment is not None else assess(x, y, c, s, options)
    target, p_win, gain = best_targets(a, c, s, options)
    init = np.flatnonzero(target >= 0)
    rcvr = target[init]
    bi, bj = interpolate_bargain(
        x[init], s[init], p_win[init], x[rcvr], s[rcvr], 1 - p_win[init], options.interpolation
    )
    prop_i = np.full((n, d), np.nan)
    prop_j = np.full((n, d), np.nan)
    prop_i[init], prop_j[init] = bi, bj

    # Utility to every actor a of the state after each bargain: mean over the n positions.
    own = utility(a.distance, a.risk[:, None])  # aUtil[a](a, n)
    total = own.sum(axis=1)
    ubi = utility(salience_distance(y, bi, s), a.risk[:, None])  # (n, B)
    ubj = utility(salience_distance(y, bj, s), a.risk[:, None])
    u_bargain = (total[:, None] - own[:, init] - own[:, rcvr] + ubi + ubj) / n
    u_sq = total / n

    if options.transition is StateTransition.STOCHASTIC and rng is None:
        raise ValueError("the Stochastic transition needs a numpy Generator (rng)")
    new = x.copy()
    resolutions = []
    by_init = {int(i): b for b, i in enumerate(init)}
    received: list[list[int]] = [[] for _ in range(n)]
    for b, j in enumerate(rcvr):
        received[int(j)].append(b)
    lists = [([by_init[k]] if k in by_init else []) + received[k] for k in range(n)]
    probs = _resolve_lists(c, u_sq, u_bargain, lists, options)
    if not detail and options.transition is StateTransition.DETERMINISTIC:
        for k in range(n):
            m = int(np.argmax(probs[k]))
            if m > 0:
                b = lists[k][m - 1]
                new[k] = bi[b] if init[b] == k else bj[b]
        return SMPTurn(a, target, p_win, np.where(target >= 0, gain, np.nan), prop_i, prop_j,
                       resolutions, new)
    for k in range(n):
        cols = lists[k]
        prob = probs[k]
        if options.transition is StateTransition.DETERMINISTIC:
            m = int(np.argmax(prob))
        else:
            m = min(int(np.searchsorted(np.cumsum(prob), rng.random())), len(prob) - 1)
        u_im = np.column_stack([u_sq] + [u_bargain[:, b] for b in cols])
        labels = [(k, k)] + [(int(init[b]), int(rcvr[b])) for b in cols]
        resolutions.append(SMPResolution(labels, u_im, prob, m))
        if m > 0:
            b = cols[m - 1]
            new[k] = bi[b] if init[b] == k else bj[b]
    return SMPTurn(a, target, p_win, np.where(target >= 0, gain, np.nan), prop_i, prop_j,
                   resolutions, new)


# ---------------------------------------------------------------- negotiation

@dataclass(frozen=True)
class SMPHistory:
    """A full SMP run; T turns give T + 1 states (state 0 is the input)."""

    positions: Array  # (T+1, n, d) on the input scale
    probabilities: Array  # (T+1, n): KTAB's "prob :" lines
    risk: Array  # (T+1, n) risk attitudes of each state
    ideals: Array  # (T+1, n, d) on the input scale
    fractional_change: Array  # (T,) KTAB's "Fractional change compared to first step"
    targets: Array  # (T, n) each actor's challenge target, -1 for none
    options: SMPOptions = field(default_factory=SMPOptions)

    @property
    def turns(self) -> int:
        return len(self.fractional_change)

    @property
    def final_ideals(self) -> Array:
        return self.ideals[-1]


def _check(x: ArrayLike, c: ArrayLike, s: ArrayLike, lo: ArrayLike, hi: ArrayLike,
           ) -> tuple[Array, Array, Array, Array, Array]:
    x = np.asarray(x, dtype=float)
    x2 = x[:, None] if x.ndim == 1 else x
    s2 = np.asarray(s, dtype=float)
    s2 = s2[:, None] if s2.ndim == 1 else s2
    c1 = np.asarray(c, dtype=float)
    n, d = x2.shape
    if x2.ndim != 2 or s2.shape != (n, d) or c1.shape != (n,):
        raise ValueError(f"shapes: x {x.shape}, c {c1.shape}, s {s2.shape}; want (n, d), (n,)")
    if n < 2:
        raise ValueError(f"the SMP needs at least two actors, got {n}")
    memory.require("smp", n, d)  # refused before its O(n^2) arrays are allocated
    if np.any(c1 <= 0):
        raise ValueError(f"every capability must be > 0 (KTAB votes need w > 0): {c1.min()}")
    if np.any(s2 < 0) or np.any(s2 > 1):
        raise ValueError("saliences must lie in [0, 1]")
    total = s2.sum(axis=1)
    if np.any(total <= 0) or np.any(total > 1 + 1e-9):
        bad = int(np.flatnonzero((total <= 0) | (total > 1 + 1e-9))[0])
        raise ValueError(
            f"actor {bad}: saliences sum to {total[bad]:g}; each actor's total must be in (0, 1]"
        )
    lo_a = np.broadcast_to(np.asarray(lo, dtype=float), (d,))
    hi_a = np.broadcast_to(np.asarray(hi, dtype=float), (d,))
    if np.any(hi_a <= lo_a):
        raise ValueError(f"the scale needs hi > lo, got lo={lo}, hi={hi}")
    return x2, c1, s2, lo_a, hi_a


def smp_negotiate(
    x: ArrayLike, c: ArrayLike, s: ArrayLike, *, lo: ArrayLike, hi: ArrayLike,
    options: SMPOptions | None = None, ideals: ArrayLike | None = None,
    accommodation: ArrayLike | None = None, max_turns: int | None = None,
    rng: np.random.Generator | None = None,
) -> SMPHistory:
    """Run the SMP to KTAB's stopping rule (or ``max_turns``).

    ``x`` (n, d) or (n,) positions on ``[lo, hi]`` (scalars or (d,)); ``c`` (n,) capabilities
    > 0; ``s`` saliences on [0, 1], each actor's total at most 1; ``ideals`` default to the
    positions; ``accommodation`` (n, n) rows summing to at most 1, default the identity.
    """
    options = options or SMPOptions()
    if max_turns is not None:
        options = replace(options, max_turns=max_turns)
    x2, c1, s2, lo_a, hi_a = _check(x, c, s, lo, hi)
    n, d = x2.shape
    span = hi_a - lo_a
    pos = (x2 - lo_a) / span
    y = pos.copy() if ideals is None else (np.asarray(ideals, float).reshape(n, d) - lo_a) / span
    acc = np.eye(n) if accommodation is None else np.asarray(accommodation, dtype=float)
    if acc.shape != (n, n) or np.any(acc < 0) or np.any(acc.sum(axis=1) > 1 + 1e-10):
        raise ValueError("accommodation must be (n, n), non-negative, rows summing to <= 1")
    lag = np.clip(1.0 - acc.sum(axis=1), 0.0, 1.0)

    a = assess(pos, y, c1, s2, options)
    positions, ideal_hist, probs, risks = [pos], [y], [a.probabilities], [a.risk]
    changes, targets = [], []
    first = None
    t = 0
    while True:
        if options.max_turns <= t:
            break
        turn = smp_turn(pos, y, c1, s2, options, rng, assessment=a)
        t += 1
        new = turn.positions
        y = acc @ new + lag[:, None] * y
        moved = float(np.linalg.norm(new - pos, axis=1).sum())
        if first is None:
            first = moved + options.min_sig_delta
        ratio = moved / first
        pos = new
        a = assess(pos, y, c1, s2, options)
        positions.append(pos)
        ideal_hist.append(y)
        probs.append(a.probabilities)
        risks.append(a.risk)
        changes.append(ratio)
        targets.append(turn.target)
        if t >= options.max_turns or (t >= options.min_turns and ratio < options.min_delta_ratio):
            break
    on_scale = np.array(positions) * span + lo_a
    on_scale[0] = x2  # the input itself, without a round trip through [0, 1]
    ideal_scale = np.array(ideal_hist) * span + lo_a
    if ideals is None:
        ideal_scale[0] = x2
    return SMPHistory(
        positions=on_scale,
        probabilities=np.array(probs),
        risk=np.array(risks),
        ideals=ideal_scale,
        fractional_change=np.array(changes),
        targets=np.array(targets, dtype=int).reshape(len(targets), n),
        options=options,
    )


def smp_step(
    x: ArrayLike, c: ArrayLike, s: ArrayLike, rng: np.random.Generator | None = None, *,
    lo: ArrayLike, hi: ArrayLike, options: SMPOptions | None = None,
) -> Array:
    """One SMP turn in the common ``step(x, c, s, rng, *, lo, hi)`` signature; same shape as x.

    Ideals are the positions (KTAB's identity accommodation), so one turn is a function of
    the positions alone; ``rng`` is used only by the Stochastic transition.
    """
    options = options or SMPOptions()
    x_in = np.asarray(x, dtype=float)
    from model.mechanisms.scale import issue_span

    issue_span(lo, hi, x_in)  # the declared range must cover the positions (as every mechanism)
    x2, c1, s2, lo_a, hi_a = _check(x_in, c, s, lo, hi)
    pos = (x2 - lo_a) / (hi_a - lo_a)
    turn = smp_turn(pos, pos, c1, s2, options, rng, detail=False)
    out = turn.positions * (hi_a - lo_a) + lo_a
    return out.reshape(x_in.shape)

"""Closed forms for the compromise and bounded-confidence mechanisms."""

from __future__ import annotations

import numpy as np
import pytest

from model.mechanisms import get_mechanism
from model.mechanisms.bounded_confidence import deffuant_step, hegselmann_krause_step
from model.mechanisms.compromise import compromise_step, weighted_mean


def test_compromise_forecast_exact_on_small_table():
    c = np.array([1.0, 2.0, 1.0])
    x = np.array([0.0, 50.0, 100.0])
    s = np.array([1.0, 0.5, 0.5])
    # Σcsx / Σcs = (0 + 50 + 50) / (1 + 1 + 0.5) = 40
    assert weighted_mean(c, x, s) == pytest.approx(40.0)
    assert compromise_step(x, c, s, lo=0, hi=100, rate=1.0) == pytest.approx(np.full(3, 40.0))


def test_compromise_rounds_conserve_the_forecast_and_converge():
    rng = np.random.default_rng(3)
    c, x, s = rng.random(12), rng.random(12) * 100, rng.random(12)
    target = weighted_mean(c, x, s)
    for _ in range(60):
        x = compromise_step(x, c, s, lo=0, hi=100, rate=0.3)
        assert weighted_mean(c, x, s) == pytest.approx(target)
    assert np.ptp(x) < 1e-3


def test_hk_complete_graph_reaches_weighted_mean_in_one_step():
    c = np.array([1.0, 3.0, 2.0, 2.0])
    x = np.array([0.1, 0.4, 0.5, 0.9])
    s = np.ones(4)
    new = hegselmann_krause_step(x, c, s, lo=0, hi=1, epsilon=1.0)
    assert new == pytest.approx(np.full(4, np.dot(c, x) / c.sum()))


def test_hk_small_epsilon_keeps_separate_clusters():
    x = np.array([0.0, 0.05, 0.95, 1.0])
    new = hegselmann_krause_step(x, np.ones(4), np.ones(4), lo=0, hi=1, epsilon=0.1)
    assert new == pytest.approx([0.025, 0.025, 0.975, 0.975])


def test_hk_uniform_opinions_consensus_above_threshold_not_below():
    # Hegselmann & Krause (2002): on [0, 1] with many uniform agents, consensus for
    # epsilon above about 0.2, fragmentation well below it.
    x0 = np.linspace(0, 1, 201)
    ones = np.ones_like(x0)

    def final(eps):
        x = x0
        for _ in range(200):
            x = hegselmann_krause_step(x, ones, ones, lo=0, hi=1, epsilon=eps)
        return x

    assert np.ptp(final(0.3)) < 1e-9
    assert np.ptp(final(0.1)) > 0.5


def test_deffuant_conserves_mean_exactly_and_reaches_consensus_above_half():
    rng = np.random.default_rng(7)
    x = rng.random(100)
    ones = np.ones(100)
    mean0 = x.mean()
    for _ in range(400):
        x = deffuant_step(x, ones, ones, rng, lo=0, hi=1, d=0.6, mu=0.5)
    assert x.mean() == pytest.approx(mean0, abs=1e-12)
    assert np.ptp(x) < 1e-6


def test_deffuant_weighted_conserves_weighted_mean():
    rng = np.random.default_rng(1)
    c, x, s = rng.random(30) + 0.1, rng.random(30), rng.random(30) + 0.1
    w = c * s
    target = np.dot(w, x) / w.sum()
    for _ in range(50):
        x = deffuant_step(x, c, s, rng, lo=0, hi=1, d=0.3, mu=0.3)
        assert np.dot(w, x) / w.sum() == pytest.approx(target, abs=1e-12)


def test_deffuant_small_bound_does_not_reach_consensus():
    rng = np.random.default_rng(2)
    x = rng.random(200)
    ones = np.ones(200)
    for _ in range(500):
        x = deffuant_step(x, ones, ones, rng, lo=0, hi=1, d=0.1, mu=0.5)
    assert np.ptp(x) > 0.5


def test_unknown_mechanism_names_the_choices():
    with pytest.raises(ValueError, match="eum, compromise, hk, deffuant"):
        get_mechanism("median-voter")

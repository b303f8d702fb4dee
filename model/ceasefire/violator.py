"""The violator's decision: whether, and how hard, to violate the ceasefire.

**The violation decision** (the modeller's rule, in the spirit of expected-utility
deterrence: Huth 1988, *Extended Deterrence and the Prevention of War*; it reproduces no
published model). The violator knows the ladder and the forces. For each severity ``s`` it
computes, rung by rung, the chance the violation is still going (``reach_k``), the expected
days it runs and the expected cost the ladder inflicts:

    E_days(s) = sum_k reach_k d_k(s) delay_k / 24  +  reach_{K+1} collapse_gain_days
    E_cost(s) = sum_k reach_k a_k                  (a rung costs what it is worth when it acts)
    U(s)      = g s E_days(s) - E_cost(s),   g = violation_propensity (1 + threat) X

where ``threat`` is its hostility after the negotiation (``model.russia_threat``: S4 has
Putin call a foreign contingent a root cause of the war and a legitimate target) and ``X``
is the day's opportunity, drawn from an exponential distribution of mean 1 from the model's
``rng``. It violates at the severity with the highest ``U`` when that is positive. Faster
rungs, more pledged forces, readier forces and a more credible backstop all lower ``U``;
``collapse_gain_days >= the last delay`` (checked by the schema) makes removing the last
rung never lower it. The values of ``effect``, ``force_scale``, ``collapse_gain_days`` and
``violation_propensity`` are assumptions, not estimates: sweep them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

from model.ceasefire.ladder import RungView


def expect(ladder: Sequence[RungView], severity: float,
           collapse_gain_days: float) -> dict[str, float]:
    """Expected days a violation of ``severity`` runs, the cost the ladder inflicts, and
    the chance it outlasts the ladder, as the violator reckons them."""
    reach, days, cost = 1.0, 0.0, 0.0
    for rung in ladder:
        a = rung.strength if severity >= rung.min_severity else 0.0
        d = 1.0 - math.exp(-a / severity)
        cost += reach * a
        days += reach * d * rung.delay_h / 24.0
        reach *= 1.0 - d
    days += reach * collapse_gain_days
    return {"days": days, "cost": cost, "p_collapse": reach}


def gain(propensity: float, threat: float, opportunity: float = 1.0) -> float:
    """``g = violation_propensity (1 + threat) X``."""
    return propensity * (1.0 + threat) * opportunity


def utility(expectation: dict[str, float], severity: float, g: float) -> float:
    """``U(s) = g s E_days(s) - E_cost(s)``."""
    return g * severity * expectation["days"] - expectation["cost"]


def choose_severity(severities: Iterable[float],
                    utility_of: Callable[[float], float]) -> float | None:
    """The severity with the highest positive ``U`` (the first on ties), or None: no
    violation today."""
    best_s, best_u = None, 0.0
    for s in severities:
        u = utility_of(s)
        if u > best_u:
            best_s, best_u = s, u
    return best_s


def threshold(expectation: dict[str, float], severity: float, g0: float) -> float:
    """The least opportunity draw at which violating at ``severity`` pays."""
    denom = g0 * severity * expectation["days"]
    return expectation["cost"] / denom if denom > 0 else math.inf

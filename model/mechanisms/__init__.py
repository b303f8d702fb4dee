"""Position-update mechanisms, each a pure function ``step(x, c, s, rng, *, lo, hi) -> new x``.

``lo``/``hi`` are the issue dimension's declared range (scalars, or per-dimension (d,)
arrays for (n, d) positions); every mechanism that normalises distances divides by
``hi - lo`` (:mod:`model.mechanisms.scale`). Further keyword options are the mechanism's own.

- ``eum``: expected utility model; Bueno de Mesquita (1994), Scholz, Calbert & Smith (2011)
- ``compromise``: capability×salience-weighted mean; Achen (2006)
- ``hk``: Hegselmann–Krause bounded confidence; Hegselmann & Krause (2002)
- ``deffuant``: Deffuant random-pair bounded confidence; Deffuant et al. (2000)
- ``smp``: one turn of KTAB's Spatial Model of Politics (KAPSARC), ``step(x, c, s, rng, *,
  lo, hi)``; ``model.mechanisms.smp.smp_negotiate`` runs it to KTAB's stopping rule
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike

from model.mechanisms.bounded_confidence import deffuant_step, hegselmann_krause_step
from model.mechanisms.compromise import compromise_step, weighted_mean
from model.mechanisms.eum import condorcet_median, eum_step
from model.mechanisms.smp import smp_step


class Step(Protocol):
    """``step(x, c, s, rng, *, lo, hi, **options) -> new positions`` (shape of ``x``)."""

    def __call__(
        self,
        x: np.ndarray,
        c: np.ndarray,
        s: np.ndarray,
        rng: np.random.Generator | None,
        *,
        lo: ArrayLike,
        hi: ArrayLike,
        **options: Any,
    ) -> np.ndarray: ...


MECHANISMS: dict[str, Step] = {
    "eum": eum_step,
    "compromise": compromise_step,
    "hk": hegselmann_krause_step,
    "deffuant": deffuant_step,
    "smp": smp_step,
}


def get_mechanism(name: str) -> Step:
    """The step function registered under ``name``; a ValueError lists the valid names."""
    try:
        return MECHANISMS[name]
    except KeyError:
        raise ValueError(
            f"unknown mechanism {name!r}; choose one of {', '.join(MECHANISMS)}"
        ) from None


__all__ = ["MECHANISMS", "get_mechanism", "weighted_mean", "condorcet_median", "Step"]

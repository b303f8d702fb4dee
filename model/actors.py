"""An actor table: actors with capability, position and salience, the input of the
forecasting mechanisms (Bueno de Mesquita 1994; Scholz et al. 2011; KTAB). Read from files by
:mod:`inputs.actor_table`, :mod:`inputs.ktab_table` and :mod:`inputs.deu`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ActorTable:
    """Actors with capability ``c`` (n,), position ``x`` and salience ``s`` (n,) or (n, d).

    ``dimension_names`` names the issue dimensions (a KTAB table names them by its position
    columns' headers); empty when the table does not name them.
    """

    names: list[str]
    c: np.ndarray
    x: np.ndarray
    s: np.ndarray
    dimension_names: list[str] = field(default_factory=list)

    @property
    def dimensions(self) -> int:
        return 1 if self.x.ndim == 1 else self.x.shape[1]

"""The issue scale every mechanism measures distances on: ``hi - lo`` of the dimension.

Bueno de Mesquita (1994) and Scholz, Calbert & Smith (2011) normalise distances by the
issue's range D; Scholz's code keeps D fixed at the initial range, so that a round's result
does not depend on how far the actors have already converged, nor on who is absent.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def issue_span(lo: ArrayLike, hi: ArrayLike, x: ArrayLike) -> NDArray[np.float64]:
    """``hi - lo`` broadcast to one value per column of ``x`` ((n,) -> (1,), (n, d) -> (d,)).

    ``lo``/``hi`` are scalars or per-dimension (d,) arrays. A ValueError if the range is
    empty or if the positions spread wider than it (distances would exceed 1).
    """
    x = np.asarray(x, dtype=float)
    cols = 1 if x.ndim == 1 else x.shape[1]
    lo_a = np.broadcast_to(np.asarray(lo, dtype=float), (cols,))
    hi_a = np.broadcast_to(np.asarray(hi, dtype=float), (cols,))
    span = hi_a - lo_a
    if not np.all(np.isfinite(span)) or np.any(span <= 0):
        raise ValueError(f"the issue scale needs lo < hi, got lo={lo}, hi={hi}")
    if x.size:
        spread = np.ptp(x.reshape(x.shape[0], cols), axis=0)
        if np.any(spread > span * (1 + 1e-9)):
            raise ValueError(
                f"positions spread over {spread.max():g}, wider than the scale hi - lo = {span}"
            )
    return span.astype(float)

"""Sobol or Morris indices of one outcome of a sweep, with SALib (Herman & Usher 2017):
the sweep file's ranges are the factors; its lists are held fixed, one analysis per
combination of their values. Replications are averaged per design point first. Running the
sweep for it is :func:`sweep.sensitivity.run_sensitivity`."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from model.errors import InputError

NUM_RESAMPLES = 200


def analyse(sweep: Any, outcomes: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Indices per block of the design (one block per combination of the list values);
    ``sweep`` is a :class:`sweep.spec.Sweep` (its design, parameters and seed)."""
    from SALib.analyze import morris, sobol

    design = sweep.design
    method = sweep.spec.design.method
    y = outcomes.groupby("design_point")[outcome].apply(lambda s: s.astype(float).mean())
    missing = design.n_points - len(y)
    if missing:
        raise InputError(f"{missing} of {design.n_points} design points have no successful "
                         "run (see the runs table); the indices need every one")
    y = y.sort_index().to_numpy()
    lists = [p.key for p in sweep.params if not p.is_range]
    names = design.problem["names"]
    seed = sweep.spec.seed
    rows = []
    size = design.block_size
    for b in range(design.blocks):
        yb = y[b * size:(b + 1) * size]
        fixed = {k: design.records()[b * size][k] for k in lists}
        base = {**fixed, "outcome": outcome}
        flat = not np.isfinite(yb).all() or np.ptp(yb) == 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if method == "sobol":
                res = None if flat else sobol.analyze(
                    design.problem, yb, calc_second_order=sweep.spec.design.second_order,
                    num_resamples=NUM_RESAMPLES, conf_level=0.95, seed=seed)
                for i, name in enumerate(names):
                    rows.append({**base, "parameter": name, **{
                        k: (np.nan if res is None else float(res[k][i]))
                        for k in ("S1", "S1_conf", "ST", "ST_conf")}})
            else:
                res = None if flat else morris.analyze(
                    design.problem, design.raw, yb, num_resamples=NUM_RESAMPLES,
                    conf_level=0.95, num_levels=sweep.spec.design.morris_levels, seed=seed)
                for i, name in enumerate(names):
                    rows.append({**base, "parameter": name, **{
                        k: (np.nan if res is None else float(res[k][i]))
                        for k in ("mu", "mu_star", "mu_star_conf", "sigma")}})
    return pd.DataFrame(rows)

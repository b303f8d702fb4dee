"""``negotiate sensitivity``: Sobol or Morris indices of one outcome, with SALib.

The sweep file's ranges are the factors; its lists are held fixed, one analysis per
combination of their values (e.g. one per mechanism). The runs go through the ordinary sweep
runner (so they are parallel, resumable with ``--out DIR --resume``, and on Dask if asked).
Replications are averaged per design point before the analysis. Common random numbers are
on by default: every design point sees the same seeds, so a factor the model ignores gets an
index of exactly zero instead of the seed-to-seed noise.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from model.errors import InputError
from sweep.spec import Sweep, load_sweep, with_design

NUM_RESAMPLES = 200


def outcome_names(sweep: Sweep) -> list[str]:
    """The outcomes of this sweep's model: one probe run at the first design point."""
    from model.run import run_one
    from sweep.worker import outcome_row

    params = sweep.design.records()[0]
    tables = run_one(params, sweep.run_seed(0), scenario=sweep.scenario,
                     rounds=sweep.spec.rounds)
    return list(outcome_row(tables, params))


def analyse(sweep: Sweep, outcomes: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Indices per block of the design (one block per combination of the list values)."""
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


def run_sensitivity(file: str | Path, *, method: str = "sobol", outcome: str,
                    samples: int | None = None, out: str | Path | None = None,
                    to: str | Path | None = None, executor: str = "process",
                    workers: int | None = None, scheduler: str | None = None,
                    quiet: bool = False, resume: bool = False) -> pd.DataFrame:
    from sweep.export import write_table
    from sweep.runner import SweepFailed, run_sweep
    from sweep.runner import stderr_log as log

    sweep = with_design(load_sweep(file), method, samples)
    known = outcome_names(sweep)
    if outcome not in known:
        raise InputError(f"--outcome {outcome}: not an outcome of this model "
                         f"(outcomes: {', '.join(known)})")
    if resume and out is None:
        raise InputError("--resume: needs --out DIR (the runs to finish)")
    if to is not None and Path(to).suffix not in (".csv", ".parquet"):
        raise InputError(f"--to {to}: use a .csv or .parquet file")
    n = sweep.n_runs
    if not quiet:
        log(f"{sweep.path}: {method}, {sweep.design.n_points} design points x "
            f"{sweep.spec.replications} replications = {n} runs")
    with tempfile.TemporaryDirectory(prefix="negotiate-sensitivity-") as tmp:
        where = Path(out) if out is not None else Path(tmp) / "runs"
        try:
            summary = run_sweep(sweep, where, executor=executor, workers=workers,
                                scheduler=scheduler, resume=resume, quiet=quiet, log=log)
        except SweepFailed as exc:
            raise InputError(f"the runs stopped: {exc}") from None
        if summary.status != "complete":
            raise KeyboardInterrupt
        from sweep.store import Store

        outcomes = Store(where).table("outcomes")
        if outcomes is None:
            raise InputError("no run succeeded; see the runs table")
        table = analyse(sweep, outcomes, outcome)
    label = "Sobol indices (first order S1, total ST)" if method == "sobol" else \
        "Morris elementary effects (mu*, sigma)"
    print(f"{label} of {outcome} at the end of each run; {n} runs; 95% confidence intervals from "
          f"{NUM_RESAMPLES} bootstrap resamples (*_conf: half-widths)")
    if table.drop(columns=["outcome", "parameter"]).isna().all().all():
        print(f"note: {outcome} does not vary over this design; the indices are undefined")
    print(table.drop(columns="outcome").to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    if to is None:
        base = Path(out) if out is not None else Path.cwd()
        to = base / f"sensitivity_{method}_{outcome}.csv"
    path = write_table(table, Path(to))
    print(f"wrote {path}")
    return table

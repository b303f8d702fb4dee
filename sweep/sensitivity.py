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
from pathlib import Path

import pandas as pd

from analysis.sensitivity import NUM_RESAMPLES, analyse  # noqa: F401
from model.errors import InputError
from sweep.spec import Sweep, load_sweep, with_design


def outcome_names(sweep: Sweep) -> list[str]:
    """The outcomes of this sweep's model: one probe run at the first design point."""
    from model.run import run_one
    from sweep.worker import outcome_row

    params = sweep.design.records()[0]
    tables = run_one(params, sweep.run_seed(0), scenario=sweep.scenario,
                     rounds=sweep.spec.rounds)
    return list(outcome_row(tables, params))


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

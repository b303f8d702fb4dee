"""``negotiate sweep plot``: one PNG per (outcome, swept parameter).

Each figure shows every run (its final-round outcome) against the parameter, and the mean
with a 95% t interval across runs at each value (or, for a sampled parameter with many
distinct values, in ten quantile bins). Matplotlib's object API is used (no pyplot), so no
global backend is set.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from model.errors import InputError
from sweep.store import Store, read_manifest

KEY_COLUMNS = {"run_id", "design_point", "replication", "seed"}
MANY = 25


def swept_parameters(design: pd.DataFrame) -> list[str]:
    return [c for c in design.columns if c != "design_point" and design[c].nunique() > 1]


def outcome_columns(outcomes: pd.DataFrame, parameters: list[str]) -> list[str]:
    skip = KEY_COLUMNS | set(parameters)
    return [c for c in outcomes.columns if c not in skip
            and (pd.api.types.is_numeric_dtype(outcomes[c]) or
                 pd.api.types.is_bool_dtype(outcomes[c]))]


def _mean_ci(groups: pd.core.groupby.SeriesGroupBy) -> pd.DataFrame:
    from scipy import stats as st

    agg = groups.agg(["mean", "std", "count"])
    half = st.t.ppf(0.975, (agg["count"] - 1).where(agg["count"] > 1)) * agg["std"] \
        / np.sqrt(agg["count"])
    agg["half"] = half.fillna(0.0)
    return agg


def _figure(frame: pd.DataFrame, outcome: str, param: str, n_runs: int):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.2), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    x, y = frame[param], frame[outcome].astype(float)
    categorical = not pd.api.types.is_numeric_dtype(x) or pd.api.types.is_bool_dtype(x)
    if categorical:
        cats = sorted(x.astype(str).unique())
        pos = x.astype(str).map({c: i for i, c in enumerate(cats)}).astype(float)
        jitter = np.random.default_rng(0).uniform(-0.12, 0.12, len(pos))
        ax.scatter(pos + jitter, y, s=9, alpha=0.35, color="tab:blue", label="runs")
        agg = _mean_ci(y.groupby(x.astype(str)))
        agg = agg.reindex(cats)
        ax.errorbar(range(len(cats)), agg["mean"], yerr=agg["half"], fmt="o", color="black",
                    capsize=4, label="mean, 95% CI")
        ax.set_xticks(range(len(cats)), cats)
    else:
        ax.scatter(x, y, s=9, alpha=0.35, color="tab:blue", label="runs")
        if x.nunique() <= MANY:
            agg = _mean_ci(y.groupby(x))
        else:
            bins = pd.qcut(x, 10, duplicates="drop")
            agg = _mean_ci(y.groupby(bins, observed=True))
            agg.index = [iv.mid for iv in agg.index]
        ax.errorbar(agg.index.to_numpy(dtype=float), agg["mean"], yerr=agg["half"], fmt="-o",
                    color="black", capsize=3, ms=4, label="mean, 95% CI")
    ax.set_xlabel(param)
    ax.set_ylabel(f"{outcome} (end of run)")
    ax.set_title(f"{outcome} against {param} ({n_runs} runs)", fontsize=10)
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    return fig


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def plot_sweep(out: str | Path, outcomes: list[str] | None = None,
               parameters: list[str] | None = None, to: str | Path | None = None) -> list[Path]:
    store = Store(out)
    read_manifest(store.out)
    table = store.table("outcomes")
    if table is None:
        raise InputError(f"{store.out}: no outcomes yet: no run has finished")
    design = store.design()
    swept = swept_parameters(design)
    all_params = [c for c in design.columns if c != "design_point"]
    if parameters:
        for p in parameters:
            if p not in all_params:
                raise InputError(f"--parameter {p}: not a parameter of this sweep "
                                 f"(parameters: {', '.join(all_params) or 'none'})")
        swept = parameters
    if not swept:
        raise InputError(f"{store.out}: no parameter takes more than one value; nothing to plot")
    known = outcome_columns(table, all_params)
    if outcomes:
        for o in outcomes:
            if o not in known:
                raise InputError(f"--outcome {o}: not an outcome of this sweep "
                                 f"(outcomes: {', '.join(known)})")
    else:
        outcomes = [c for c in known if table[c].astype(float).nunique(dropna=True) > 1]
    dest = Path(to) if to else store.out / "figures"
    dest.mkdir(parents=True, exist_ok=True)
    paths = []
    for outcome in outcomes:
        for param in swept:
            fig = _figure(table[[param, outcome]].dropna(), outcome, param, len(table))
            path = dest / f"{_safe(outcome)}__{_safe(param)}.png"
            tmp = path.with_name(f".{path.name}.tmp.png")
            fig.savefig(tmp)
            tmp.replace(path)
            paths.append(path)
    return paths

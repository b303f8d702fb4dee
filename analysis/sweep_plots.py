"""The figures of a sweep: one per (outcome, swept parameter), from its tables.

Each figure shows every run (its final-round outcome) against the parameter, and the mean
with a 95% t interval across runs at each value (or, for a sampled parameter with many
distinct values, in ten quantile bins). Matplotlib's object API is used (no pyplot), so no
global backend is set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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

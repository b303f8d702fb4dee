"""The ensemble outlook: the accepted parameter sets, each on several seeds, run past the
record; per actor and round the probability of each stance, and the willing-troops count
with its 90% band (5th to 95th percentile over the runs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.record.checks import Observed
from analysis.record.schema import STANCES
from analysis.record.score import run_observed, seeds_for
from model.scenario import Scenario


@dataclass
class Outlook:
    probabilities: pd.DataFrame   # round, date, actor, one column per stance
    willing: pd.DataFrame         # round, date, mean, q05, median, q95
    runs: int
    record_rounds: int            # the scenario's rounds (the rest is the extension)


def run_outlook(scenario: Scenario, param_sets: list[dict[str, Any]], *, seeds: int = 10,
                base_seed: int = 0, extend: int = 0,
                ceasefire_round: int | None = None) -> Outlook:
    n_rounds = len(scenario.rounds) + extend
    extra: dict[str, Any] = {}
    if ceasefire_round is not None:
        extra["ceasefire_round"] = ceasefire_round
    runs: list[Observed] = [
        run_observed(scenario, {**params, **extra}, seed, rounds=n_rounds)
        for params in param_sets for seed in seeds_for(seeds, base_seed)]
    first = runs[0]
    stance = np.stack([o.stance for o in runs])            # runs x rounds x actors
    labels = [d.isoformat() if d else "" for d in first.dates]
    rows = []
    for i, r in enumerate(first.rounds):
        for j, code in enumerate(first.actors):
            col = stance[:, i, j]
            rows.append({"round": int(r), "date": labels[i], "actor": code,
                         **{s: float(np.mean(col == s)) for s in STANCES}})
    willing = np.stack([o.counts["willing_troops"] for o in runs]).astype(float)
    w = pd.DataFrame({"round": first.rounds.astype(int), "date": labels,
                      "mean": willing.mean(axis=0),
                      "q05": np.quantile(willing, 0.05, axis=0),
                      "median": np.quantile(willing, 0.5, axis=0),
                      "q95": np.quantile(willing, 0.95, axis=0)})
    return Outlook(probabilities=pd.DataFrame(rows), willing=w, runs=len(runs),
                   record_rounds=len(scenario.rounds))


def plot_willing(o: Outlook, path: Path, title: str) -> Path:
    """The willing-troops count over the rounds: median, 90% band, the record's end."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w = o.willing
    x = w["round"].to_numpy()
    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=110)
    ax.fill_between(x, w["q05"], w["q95"], step=None, alpha=0.25, color="#1f77b4",
                    label="90% band (5th-95th percentile of runs)")
    ax.plot(x, w["median"], color="#1f77b4", lw=2, marker="o", label="median")
    ax.plot(x, w["mean"], color="#ff7f0e", lw=1.2, ls="--", label="mean")
    ax.axvspan(o.record_rounds + 0.5, x.max() + 0.5, color="0.92", zorder=0)
    ax.set_xlim(x.min() - 0.5, x.max() + 0.5)
    top = max(1.0, float(w["q95"].max()))
    ax.text(o.record_rounds + 0.6, top * 1.02, "beyond the record", fontsize=9, color="0.3",
            va="bottom")
    ticks = [f"{r}\n{d[2:] if d else ('start' if r == 0 else f'+{r - o.record_rounds}')}"
             for r, d in zip(x, w["date"], strict=True)]
    ax.set_xticks(x, ticks, fontsize=8)
    ax.set_xlabel("round (date of the meeting, yy-mm-dd; +k: k rounds beyond the record)")
    ax.set_ylabel("states willing to put troops in Ukraine")
    ax.set_ylim(0, top * 1.15 + 0.5)
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path

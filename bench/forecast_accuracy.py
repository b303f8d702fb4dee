"""How well does each mechanism forecast real EU decisions? The DEU III training half.

Run by hand: ``python3 bench/forecast_accuracy.py [DEU_FILE]`` (default: the shared
training half, ``../shared/data/deu3/deu3_train.tsv`` seen from the main checkout, or
``$DEU3_TRAIN``). Prints, for every mechanism of ``model.mechanisms.MECHANISMS`` (so a
mechanism registered later appears by itself) with each option set tried, the compromise
model (Achen 2006: Σcsx/Σcs) and the plain mean, the mean and median absolute error against
the recorded outcomes, and the paired difference from the compromise model with its
standard error (sd of the per-issue differences / √n). Everything is on the training half
only; the held-out half of DEU III is neither used nor looked for.

Per issue the forecast is the c·s-weighted mean (or median) of the positions after the
mechanism's rounds, on the issue's scale: DEU's declared 0-100, or (EUM, marked "initial")
the issue's initial range as in Scholz's code. Multi-turn mechanisms run a stated number of
rounds; deterministic ones stop early at a fixed point (no position moves by 1e-9 of the
scale), which changes nothing. A mechanism without a grid below runs with its default
options for up to 100 rounds, stopping when no position moves by more than 1e-4 of the
scale (KTAB's minSigDelta order).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.forecast import forecast_outcome, weighted_median  # noqa: E402
from inputs.deu import SCALE, DeuIssue, read_deu  # noqa: E402
from model.mechanisms import MECHANISMS  # noqa: E402

# (options, rounds, tol, scale) tried per mechanism; each also with summary mean and median
GRID: dict[str, list[tuple[dict[str, Any], int, float | None, str]]] = {
    "eum": [({}, r, None, scale) for r in (1, 10) for scale in ("declared", "initial")],
    "compromise": [({"rate": 0.5}, 10, None, "declared")],
    "hk": [({"epsilon": e}, 100, 1e-9, "declared") for e in (0.1, 0.2, 0.3, 0.5)],
    "deffuant": [({"d": d, "mu": 0.3}, 50, None, "declared") for d in (0.2, 0.5)],
}
DEFAULT_RUN = ({}, 100, 1e-4, "declared")


def _train_file() -> Path:
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    for p in (os.environ.get("DEU3_TRAIN", ""), ROOT.parent / "shared/data/deu3/deu3_train.tsv",
              ROOT.parent.parent / "shared/data/deu3/deu3_train.tsv"):
        if p and Path(p).is_file():
            return Path(p)
    raise SystemExit("forecast_accuracy: DEU III training half not found; give its path")


def _errors(issues: list[DeuIssue], forecast: Callable[[DeuIssue, np.random.SeedSequence],
                                                       float]) -> np.ndarray:
    children = np.random.SeedSequence(0).spawn(len(issues))
    return np.array([abs(forecast(i, child) - i.outcome)
                     for i, child in zip(issues, children, strict=True)])


def _mechanism_run(name: str, options: dict, rounds: int, tol: float | None, scale: str,
                   summary: str):
    def run(issue: DeuIssue, seed: np.random.SeedSequence) -> float:
        lo, hi = SCALE
        if scale == "initial":
            lo, hi = float(issue.table.x.min()), float(issue.table.x.max())
            if not hi > lo:
                return float(issue.table.x[0])  # everyone agrees: nothing can move
        return forecast_outcome(issue.table, name, lo=lo, hi=hi, rounds=rounds,
                                options=options, summary=summary, tol=tol, seed=seed)
    return run


def rows(issues: list[DeuIssue]) -> list[tuple[str, str, np.ndarray | str]]:
    """(forecaster, options, per-issue absolute errors or the error message of a failure)."""
    out: list[tuple[str, str, np.ndarray | str]] = []
    out.append(("compromise model", "Σcsx/Σcs",
                _errors(issues, _mechanism_run("compromise", {}, 0, None, "declared", "mean"))))
    out.append(("plain mean", "Σx/n", _errors(issues, lambda i, _: float(i.table.x.mean()))))
    out.append(("capability-weighted mean", "Σcx/Σc", _errors(
        issues, lambda i, _: float(np.dot(i.table.c, i.table.x) / i.table.c.sum()))))
    out.append(("weighted median", "c·s",
                _errors(issues, lambda i, _: weighted_median(i.table.c, i.table.x, i.table.s))))
    for name in MECHANISMS:
        for options, rounds, tol, scale in GRID.get(name, [DEFAULT_RUN]):
            for summary in ("mean", "median"):
                opts = ", ".join(f"{k}={v}" for k, v in options.items())
                stop = f"≤{rounds} rounds (stop at a fixed point)" if tol else f"{rounds} rounds"
                desc = "; ".join(p for p in (opts, stop, f"scale {scale}", summary) if p)
                run = _mechanism_run(name, options, rounds, tol, scale, summary)
                try:
                    out.append((name, desc, _errors(issues, run)))
                except ValueError as exc:  # e.g. a mechanism that needs more actors
                    out.append((name, desc, f"fails: {exc}"))
    return out


def main() -> None:
    path = _train_file()
    issues = [i for i in read_deu(path) if i.outcome is not None]
    table = rows(issues)
    base = table[0][2]
    n = len(base)
    print(f"DEU III training half: {path} ({n} issues with an outcome)\n")
    print("| forecaster | options | MAE | median AE | MAE − compromise | paired SE | "
          "beats it by > 1 SE |")
    print("|---|---|---:|---:|---:|---:|:--:|")
    for name, desc, err in table:
        if isinstance(err, str):
            print(f"| {name} | {desc} | {err} | | | | |")
            continue
        diff = err - base
        se = float(diff.std(ddof=1) / np.sqrt(n))
        if np.abs(diff).max() < 1e-6:
            verdict = "identical" if name != "compromise model" else ""
        else:
            verdict = "yes" if diff.mean() < -se else "no"
        print(f"| {name} | {desc} | {err.mean():.2f} | {np.median(err):.2f} | "
              f"{diff.mean():+.2f} | {se:.2f} | {verdict} |")


if __name__ == "__main__":
    main()

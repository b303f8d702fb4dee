"""``negotiate forecast``: an actor table (or the DEU data) through a mechanism."""

from __future__ import annotations

import argparse
from pathlib import Path

from model.errors import InputError
from model.mechanisms import memory
from negotiate.args import count_arg, seed_arg

# The mechanism that forecasts the DEU training half best (bench/forecast_accuracy.py).
DEU_DEFAULT_MECHANISM = "compromise"


def _scale(args: argparse.Namespace, x, default):
    """``--scale MIN MAX`` checked against the positions, else ``default``."""
    import numpy as np

    if args.scale is None:
        return default
    lo, hi = args.scale
    if not lo < hi:
        raise InputError(f"--scale {lo:g} {hi:g}: MIN must be below MAX")
    x = np.asarray(x, dtype=float)
    if x.size and (x.min() < lo or x.max() > hi):
        raise InputError(f"--scale {lo:g} {hi:g}: the positions of {args.actors} run from "
                         f"{x.min():g} to {x.max():g}, outside the scale")
    return lo, hi


def _cmd_forecast_smp(args: argparse.Namespace) -> int:
    """``--mechanism smp``: KTAB's SMP to its stopping rule; positions and probabilities."""
    from analysis.smp_forecast import smp_forecast
    from inputs.actor_table import read_actor_table

    table = read_actor_table(args.actors)
    memory.require("smp", len(table.names), table.dimensions, what=str(args.actors))
    result = smp_forecast(table, source=str(args.actors), max_turns=args.rounds, seed=args.seed)
    h = result.history
    print(f"smp forecast for {len(table.names)} actors, {table.dimensions} dimension(s): "
          f"{h.turns} turns to KTAB's stopping rule ({args.actors})")
    last = result.positions[result.positions["round"] == h.turns]
    wide = last.pivot(index="actor", columns="dimension", values="position").loc[table.names]
    wide["probability"] = h.probabilities[-1]
    print(wide.round(3).to_string())
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        result.positions.to_csv(out / "positions.csv", index=False, float_format="%.10g")
        result.probabilities.to_csv(out / "probabilities.csv", index=False, float_format="%.10g")
        print(f"\nwrote {out / 'positions.csv'} and {out / 'probabilities.csv'}")
    return 0


def _cmd_forecast(args: argparse.Namespace) -> int:
    if args.rounds is not None and args.rounds < 0:
        raise InputError(f"--rounds: must be >= 0, got {args.rounds}")
    if args.mechanism == "smp" and args.format != "deu":
        return _cmd_forecast_smp(args)
    if args.rounds is None:
        args.rounds = 10
    if args.format == "deu":
        return _forecast_deu(args)
    from analysis.forecast import forecast, initial_scale
    from inputs.actor_table import read_actor_table

    table = read_actor_table(args.actors)
    mechanism = args.mechanism or "eum"
    memory.require(mechanism, len(table.names), table.dimensions, what=str(args.actors))
    lo, hi = _scale(args, table.x, initial_scale(table))
    result = forecast(table, mechanism=mechanism, rounds=args.rounds, seed=args.seed,
                      lo=lo, hi=hi)
    print(f"{mechanism} forecast for {len(table.names)} actors, {args.rounds} rounds "
          f"({args.actors})")
    if table.dimensions == 1:
        wide = result.positions.pivot(index="actor", columns="round", values="position")
        print(wide.loc[table.names].round(2).to_string())
    print()
    print(result.summary.round(3).to_string(index=False))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        result.positions.to_csv(out / "positions.csv", index=False)
        result.summary.to_csv(out / "summary.csv", index=False)
        print(f"\nwrote {out / 'positions.csv'} and {out / 'summary.csv'}")
    return 0


def _forecast_deu(args: argparse.Namespace) -> int:
    """Forecast every DEU issue and score it against the recorded outcome."""
    import numpy as np

    from analysis.forecast import absolute_errors, forecast_issues
    from inputs.deu import SCALE, read_deu

    issues = read_deu(args.actors)
    mechanism = args.mechanism or DEU_DEFAULT_MECHANISM
    lo, hi = _scale(args, np.concatenate([i.table.x for i in issues]), SCALE)
    table = forecast_issues(issues, mechanism, lo=lo, hi=hi, rounds=args.rounds,
                            summary=args.summary, seed=args.seed)
    errors = absolute_errors(table)
    imputed = sum(len(i.imputed) for i in issues)
    print(f"{mechanism} forecasts of {len(issues)} DEU issues ({args.actors}): {args.rounds} "
          f"rounds on the scale {lo:g}-{hi:g}, forecast = weighted {args.summary} of the final "
          "positions")
    print(f"missing saliences: the issue's mean salience ({imputed} cells)")
    if len(errors):
        print(f"mean absolute error   {errors.mean():.2f}")
        print(f"median absolute error {errors.median():.2f}   ({len(errors)} issues with an "
              "outcome)")
    else:
        print("no issue has a recorded outcome: nothing to score")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        table.to_csv(out / "forecasts.csv", index=False)
        print(f"\nwrote {out / 'forecasts.csv'}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from model.mechanisms import MECHANISMS

    p = sub.add_parser("forecast", help="forecast a negotiation from an actor table (CSV)")
    p.add_argument("actors", help="CSV with columns Actor,Capability,Position,Salience, or a "
                   "DEU file with --format deu")
    p.add_argument("--format", choices=["table", "deu"], default="table",
                   help="table: one actor a row; deu: the DEU layout, one EU issue a row, "
                        "each forecast and scored against its outcome")
    p.add_argument("--mechanism", choices=list(MECHANISMS),
                   help=f"default: eum for a table, {DEU_DEFAULT_MECHANISM} for --format deu "
                        "(the best on the DEU training half)")
    p.add_argument("--rounds", type=count_arg, default=None,
                   help="rounds (default 10); for smp the most turns (default: KTAB's stopping "
                   "rule, at most 100)")
    p.add_argument("--scale", type=float, nargs=2, metavar=("MIN", "MAX"),
                   help="the issue scale distances are measured on (default: the table's "
                        "initial range, as in Scholz's code; 0 100 for --format deu)")
    p.add_argument("--summary", choices=["mean", "median"], default="mean",
                   help="--format deu: forecast = weighted mean or median of final positions")
    p.add_argument("--seed", type=seed_arg, default=0, help="seed for random mechanisms (deffuant)")
    p.add_argument("--out", help="directory for positions.csv and summary.csv (forecasts.csv "
                   "with --format deu)")
    p.set_defaults(handler=_cmd_forecast)

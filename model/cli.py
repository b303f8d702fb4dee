"""The ``negotiate`` command line: forecast, validate, run, viz, sweep, sensitivity.

Every subcommand drives the same model core; bad input becomes one line on stderr naming
the file and the field, and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from model.errors import InputError
from model.resources import DEFAULT_SCENARIO  # noqa: F401  (kept here for older imports)

ROOT = Path(__file__).resolve().parent.parent


def _cmd_forecast(args: argparse.Namespace) -> int:
    from model.actor_table import read_actor_table
    from model.forecast import forecast

    table = read_actor_table(args.actors)
    result = forecast(table, mechanism=args.mechanism, rounds=args.rounds, seed=args.seed)
    print(f"{args.mechanism} forecast for {len(table.names)} actors, {args.rounds} rounds "
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


class _Version(argparse.Action):
    """``--version``: computed when asked for, so building the parser stays cheap."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         **kwargs)  # type: ignore[arg-type]

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from model.extras import version_line

        print(version_line())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="negotiate",
        description="Agent-based model of the negotiation over Western troops in Ukraine.",
    )
    parser.add_argument("--version", action=_Version, help="print the package, Mesa and "
                        "Python versions and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("forecast", help="forecast a negotiation from an actor table (CSV)")
    p.add_argument("actors", help="CSV with columns Actor,Capability,Position,Salience")
    p.add_argument("--mechanism", default="eum", choices=["eum", "compromise", "hk", "deffuant"])
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--seed", type=int, default=0, help="seed for random mechanisms (deffuant)")
    p.add_argument("--out", help="directory for positions.csv and summary.csv")
    p.set_defaults(handler=_cmd_forecast)

    for register in _EXTRA_COMMANDS:
        register(sub)
    return parser


# Subcommand modules add themselves here (kept separate so each stays small).
_EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []


def _register_extras() -> None:
    from model import commands

    _EXTRA_COMMANDS.extend(commands.REGISTER)


def main(argv: Sequence[str] | None = None) -> int:
    if not _EXTRA_COMMANDS:
        _register_extras()
    parser = build_parser()
    args = parser.parse_args(argv)
    from model import extras

    try:
        extras.require_for(args.command)
        return int(args.handler(args) or 0)
    except InputError as exc:
        print(f"negotiate: error: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:  # an optional dependency imported further in
        line = extras.explain_missing(exc, args.command)
        if line is None:
            raise
        print(f"negotiate: error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("negotiate: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `negotiate run | head`: the reader has gone
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0

"""The ``negotiate`` command line: forecast, validate, run, viz, sweep, sensitivity.

Every subcommand drives the same model core; bad input becomes one line on stderr naming
the file and the field, and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from model.errors import InputError
from negotiate.args import Parser


class _Version(argparse.Action):
    """``--version``: computed when asked for, so building the parser stays cheap."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         **kwargs)  # type: ignore[arg-type]

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from negotiate.extras import version_line

        print(version_line())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="negotiate",
        description="Agent-based model of the negotiation over Western troops in Ukraine.",
    )
    parser.add_argument("--version", action=_Version, help="print the package, Mesa and "
                        "Python versions and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from negotiate import classroom, describe, forecast, report, run, score, validate, viz
    from negotiate import sweep as sweep_commands

    for module in (forecast, validate, describe, run, report, score, sweep_commands, viz,
                   classroom):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from negotiate import extras

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

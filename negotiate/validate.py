"""``negotiate validate``: check a scenario file; ``ok`` or one line per problem."""

from __future__ import annotations

import argparse


def _cmd_validate(args: argparse.Namespace) -> int:
    from inputs.scenario_file import validate_file

    problems = validate_file(args.file)
    if problems:
        for line in problems:
            print(line)
        return 2
    print("ok")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a scenario file; prints ok or one line per error")
    p.add_argument("file")
    p.set_defaults(handler=_cmd_validate)

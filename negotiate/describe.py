"""``negotiate describe SCENARIO``: the scenario as the ODD protocol's initialisation and
input-data tables, in Markdown (:mod:`analysis.odd`)."""

from __future__ import annotations

import argparse


def _cmd_describe(args: argparse.Namespace) -> int:
    from analysis.odd import odd_tables
    from inputs.resources import scenario_file
    from inputs.scenario_file import load_scenario

    path = scenario_file(args.scenario)
    text = odd_tables(load_scenario(path), source=str(args.scenario or path.name))
    if args.out:
        from pathlib import Path

        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text, end="")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("describe", help="print a scenario as the ODD protocol's initialisation "
                       "and input-data tables (Markdown)")
    p.add_argument("scenario", nargs="?", help="scenario TOML or the name of a shipped one "
                   "(default: the coalition of the willing)")
    p.add_argument("--out", metavar="FILE", help="write the Markdown to FILE instead")
    p.set_defaults(handler=_cmd_describe)

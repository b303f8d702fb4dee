"""``negotiate run``: one scenario, round by round, to the terminal and to tidy tables."""

from __future__ import annotations

import argparse
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from model.errors import InputError
from negotiate.args import count_arg, seed_arg


def parse_value(text: str) -> Any:
    """A --set value: TOML scalar syntax (numbers, true/false, quoted strings) or a bare word."""
    import tomllib

    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_sets(items: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--set {item!r}: expected KEY=VALUE, e.g. --set us_backstop=0.8")
        out[key.strip()] = parse_value(value.strip())
    return out


def versions() -> dict[str, str]:
    import mesa
    import numpy

    try:
        own = metadata.version("coalition-negotiation")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        own = "unknown"
    return {"coalition-negotiation": own, "mesa": mesa.__version__, "numpy": numpy.__version__,
            "python": platform.python_version()}


def _cmd_run(args: argparse.Namespace) -> int:
    from inputs.resources import ladder_file, scenario_file
    from inputs.scenario_file import load_scenario
    from model.negotiation import NegotiationModel
    from model.tables import tables_of

    path = scenario_file(args.scenario)
    scenario = load_scenario(path)
    sets = parse_sets(args.set)
    if args.mechanism:
        sets["mechanism"] = args.mechanism
    overrides = {k: v for k, v in sets.items() if "." in k}
    params = {k: v for k, v in sets.items() if "." not in k}
    if args.ladder:
        from inputs.scenario_file import with_ladder

        scenario = with_ladder(scenario, ladder_file(args.ladder))
    if args.rounds is not None and args.rounds < 0:
        raise InputError(f"--rounds: must be >= 0, got {args.rounds}")
    if args.format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError("--format parquet: needs pyarrow (pip install pyarrow)") from None
    from model.scenario import with_overrides

    scenario = with_overrides(scenario, {**params, **overrides}, origin="--set")
    model = NegotiationModel(scenario, rng=args.seed, rounds=args.rounds)
    print(f"{scenario.name}: mechanism {model.params.mechanism}, seed {args.seed}, "
          f"{model.total_rounds} rounds")
    header = f"{'round':>5}  {'date':10}  {'venue':28} {'contrib':>7} {'ground':>6} " \
             f"{'troops':>7} {'threat':>6}"
    print(header)
    print("-" * len(header))
    shown = 0
    while True:
        r = model.round
        spec = model.round_spec(r) if r else None
        venue = spec.venue if spec else ("start" if r == 0 else "-")
        print(f"{r:>5}  {(spec.date.isoformat() if spec else ''):10}  {venue[:28]:28} "
              f"{model.contributors():>7} {len(model.committed_codes):>6} "
              f"{model.pledged('ground'):>7,.0f} {model.russia_threat:>6.2f}")
        if not args.quiet:
            for event in model.events[shown:]:
                print(f"         {event.text}")
        shown = len(model.events)
        print("         " + stance_line(model))
        if not model.running:
            break
        model.step()
    blocs = {}
    for agent in model.states.values():
        blocs.setdefault(agent.bloc, []).append(agent.code)
    print("\nafter the last round: " + "; ".join(
        f"{bloc} {', '.join(sorted(codes))}" for bloc, codes in sorted(blocs.items())))
    from model.ceasefire import ceasefire_after

    tables = tables_of(model)
    phase = ceasefire_after(model)
    if phase is not None:
        phase.run()
        if not args.quiet:
            print()
            for event in phase.history:
                print(f"  {event}")
        print("\n" + "\n".join(phase.report()))
        tables.extra.update(phase.tables())
    if args.out:
        _write_run(Path(args.out), model, tables, args, path)
    return 0


STANCE_SHORT = {"deploy_now": "now", "deploy_after_ceasefire": "after ceasefire",
                "outside_only": "outside only", "none": "none", "opposed": "opposed",
                "host": "host"}


def stance_line(model: Any) -> str:
    """``stances: now 0; after ceasefire 2 (FR, GB); ...`` for the round just played."""
    parts = []
    for stance, codes in model.stance_members().items():
        who = f" ({', '.join(codes)})" if codes else ""
        parts.append(f"{STANCE_SHORT[stance]} {len(codes)}{who}")
    blocked = sorted(c for c, a in model.states.items() if a.blocked_by)
    tail = f"; blocked: {', '.join(blocked)}" if blocked else ""
    return "stances: " + "; ".join(parts) + tail


def _write_run(out: Path, model: Any, tables: Any, args: argparse.Namespace, path: Path) -> None:
    from negotiate.export import write_table

    out.mkdir(parents=True, exist_ok=True)
    ext = args.format
    write_table(tables.rounds, out / f"rounds.{ext}")
    write_table(tables.actors, out / f"actors.{ext}")
    for name, table in tables.extra.items():
        write_table(table, out / f"{name}.{ext}")
    (out / "events.txt").write_text("\n".join(tables.events) + "\n", encoding="utf-8")
    run = {
        "scenario": str(path),
        "scenario_name": model.scenario_config.name,
        "seed": args.seed,
        "rounds": model.total_rounds,
        "parameters": model.params.model_dump(),
        "set": args.set or [],
        "ladder": getattr(args, "ladder", None),
        "ladder_rungs": [r.name for r in getattr(model.scenario_config.ceasefire, "ladder", [])],
        "versions": versions(),
    }
    (out / "run.json").write_text(json.dumps(run, indent=2, default=str) + "\n")
    extra = "".join(f", {name}.{ext}" for name in tables.extra)
    print(f"\nwrote {out}/rounds.{ext}, actors.{ext}{extra}, events.txt, run.json")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a scenario round by round and export tidy tables")
    p.add_argument("scenario", nargs="?", help="scenario TOML (default: the coalition of the "
                   "willing, configs/coalition_of_the_willing.toml)")
    p.add_argument("--seed", type=seed_arg, default=0)
    p.add_argument("--rounds", type=count_arg, help="number of rounds (default: the scenario's)")
    p.add_argument("--mechanism", choices=["eum", "compromise", "hk", "deffuant", "smp"])
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a parameter or an actor attribute, e.g. us_backstop=0.8 or "
                        "actors.DE.salience=0.9 (repeatable)")
    p.add_argument("--out", help="directory for rounds, actors, events.txt and run.json")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv")
    p.add_argument("--quiet", action="store_true", help="no event log on the terminal")
    p.add_argument("--ladder", metavar="FILE", help="a TOML file whose [ceasefire] section "
                   "replaces the scenario's, or the name of a variant shipped with the model "
                   "(no_us_rung, un_force, fast_coalition)")
    p.set_defaults(handler=_cmd_run)

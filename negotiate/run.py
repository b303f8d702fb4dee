"""``negotiate run``: one scenario, round by round, to the terminal and to tidy tables."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.errors import InputError
from negotiate.args import count_arg, seed_arg

if TYPE_CHECKING:
    from model.run import RoundRows


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


class Terminal:
    """Lines on stdout that never stop the run: once the reader has gone (``| head``), the
    rest goes to /dev/null, silently."""

    def __init__(self) -> None:
        self.closed = False

    def say(self, text: str = "") -> None:
        if self.closed:
            return
        try:
            print(text, flush=True)
        except (BrokenPipeError, ValueError, OSError):
            self.closed = True
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError):
                pass


# The observers of `negotiate run` (model.run.RunObserver; each has only the methods it needs,
# and this module imports no model when the parser is built).
class Printer:
    """The terminal view of ``negotiate run``: a line per round, its events (unless
    ``quiet``) and stances; the blocs after the last round; the ceasefire phase's report."""

    def __init__(self, terminal: Terminal, *, quiet: bool, seed: int | None) -> None:
        self.say = terminal.say
        self.quiet = quiet
        self.seed = seed

    def on_start(self, model: Any) -> None:
        self.say(f"{model.scenario_config.name}: mechanism {model.params.mechanism}, "
                 f"seed {self.seed}, {model.total_rounds} rounds")
        header = f"{'round':>5}  {'date':10}  {'venue':28} {'contrib':>7} {'ground':>6} " \
                 f"{'troops':>7} {'threat':>6}"
        self.say(header)
        self.say("-" * len(header))

    def on_round(self, model: Any, rows: RoundRows) -> None:
        r = rows.number
        spec = model.round_spec(r) if r else None
        venue = spec.venue if spec else ("start" if r == 0 else "-")
        self.say(f"{r:>5}  {(spec.date.isoformat() if spec else ''):10}  {venue[:28]:28} "
                 f"{model.contributors():>7} {len(model.committed_codes):>6} "
                 f"{model.pledged('ground'):>7,.0f} {model.russia_threat:>6.2f}")
        if not self.quiet:
            for event in rows.events:
                self.say(f"         {event.text}")
        self.say("         " + stance_line(model))
        if rows.last:
            blocs: dict[str, list[str]] = {}
            for agent in model.states.values():
                blocs.setdefault(agent.bloc, []).append(agent.code)
            self.say("\nafter the last round: " + "; ".join(
                f"{bloc} {', '.join(sorted(codes))}" for bloc, codes in sorted(blocs.items())))

    def on_ceasefire(self, phase: Any, tables: dict) -> None:
        if not self.quiet:
            self.say()
            for event in phase.history:
                self.say(f"  {event}")
        self.say("\n" + "\n".join(phase.report()))


class ProgressBar:
    """``--progress``: a bar on stderr, redrawn after each round."""

    def __init__(self, width: int = 30) -> None:
        self.width = width
        self.total = 0

    def on_start(self, model: Any) -> None:
        self.total = max(model.total_rounds, 1)

    def on_round(self, model: Any, rows: RoundRows) -> None:
        done = round(self.width * rows.number / self.total)
        sys.stderr.write(f"\r[{'#' * done}{'.' * (self.width - done)}] "
                         f"round {rows.number}/{self.total}")
        sys.stderr.flush()

    def on_end(self, status: str, tables: Any) -> None:
        sys.stderr.write(f" {status}\n")
        sys.stderr.flush()


class RoundDelay:
    """A pause after each round (the hidden ``--round-delay``: tests interrupt a run)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def on_round(self, model: Any, rows: RoundRows) -> None:
        time.sleep(self.seconds)


def _cmd_run(args: argparse.Namespace) -> int:
    from inputs.resources import ladder_file, scenario_file
    from inputs.scenario_file import load_scenario
    from model.run import build_model, run

    out = Path(args.out) if args.out else None
    if out is not None:
        from negotiate.run_files import check_out

        check_out(out)
    path = scenario_file(args.scenario)
    scenario = load_scenario(path)
    sets = parse_sets(args.set)
    if args.mechanism:
        sets["mechanism"] = args.mechanism
    if args.ladder:
        from inputs.scenario_file import with_ladder

        scenario = with_ladder(scenario, ladder_file(args.ladder))
    if args.rounds is not None and args.rounds < 0:
        raise InputError(f"--rounds: must be >= 0, got {args.rounds}")
    if args.report and not args.out:
        raise InputError("--report: needs --out DIR (the report is DIR/report.html)")
    if args.format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError("--format parquet: needs pyarrow (pip install pyarrow)") from None
    choices = None
    if args.choices:  # a class session's choices, round by round (negotiate class)
        from viz.classroom.play import read_choices

        choices = read_choices(args.choices)
    from model.scenario import with_overrides

    scenario = with_overrides(scenario, sets, origin="--set")  # errors name --set
    model = build_model(scenario, {}, args.seed, rounds=args.rounds)
    terminal = Terminal()
    observers: list[Any] = []
    files = None
    if out is not None:
        from negotiate.run_files import RunFiles

        files = RunFiles(out, args.format, _run_meta(model, args, path))
        observers.append(files)
    observers.append(Printer(terminal, quiet=args.quiet, seed=args.seed))
    if args.progress:
        observers.append(ProgressBar())
    if args.round_delay:
        observers.append(RoundDelay(args.round_delay))
    run(model, observers, choices)
    if files is not None:
        names = [f for f in files.files if f != "run.json"]
        terminal.say(f"\nwrote {out}/{', '.join(names)}, run.json")
        if args.report:
            from negotiate.report import write_run_report

            terminal.say(f"wrote {write_run_report(out)}")
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


def _run_meta(model: Any, args: argparse.Namespace, path: Path) -> dict[str, Any]:
    """What run.json says of the run beside its status and files."""
    return {
        "scenario": str(path),
        "scenario_name": model.scenario_config.name,
        "seed": args.seed,
        "rounds": model.total_rounds,
        "parameters": model.params.model_dump(),
        "set": args.set or [],
        "ladder": getattr(args, "ladder", None),
        "ladder_rungs": [r.name for r in getattr(model.scenario_config.ceasefire, "ladder", [])],
        "places": {c: {"name": a.name, "lon": a.lon, "lat": a.lat}  # the report's map
                   for c, a in model.scenario_config.actors.items()},
        "versions": versions(),
    }


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
    p.add_argument("--choices", metavar="FILE", help="replay a class session: the students' "
                   "choices.csv (or session.json) from `negotiate class`; the model plays "
                   "the rest")
    p.add_argument("--progress", action="store_true", help="a progress bar on stderr")
    p.add_argument("--round-delay", type=float, default=0.0, help=argparse.SUPPRESS)
    p.add_argument("--ladder", metavar="FILE", help="a TOML file whose [ceasefire] section "
                   "replaces the scenario's, or the name of a variant shipped with the model "
                   "(no_us_rung, un_force, fast_coalition)")
    p.add_argument("--report", action="store_true", help="also write DIR/report.html, one "
                   "self-contained page of the run (as `negotiate report DIR`; needs --out)")
    p.set_defaults(handler=_cmd_run)

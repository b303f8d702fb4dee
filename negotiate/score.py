"""``negotiate score``, ``negotiate calibrate`` and ``negotiate outlook``.

Only argparse is imported here; the handlers import the analysis when they run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import sys
from pathlib import Path

from model.errors import InputError

EXECUTOR_HELP = ("serial, process (a local process pool, the default) or dask (a local "
                 "cluster, or the scheduler given by --scheduler)")


def _root() -> Path:
    """The folder that holds ``configs/`` (the checkout, or the installed packages)."""
    from inputs.resources import CONFIGS

    return CONFIGS.parent


def _default_record() -> Path:
    from inputs.resources import record_file

    return record_file()


def _label(path: Path) -> str:
    """A path as shown in generated files: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(_root()).as_posix()
    except ValueError:
        return path.as_posix()


def _train_until(text: str | None) -> dt.date:
    from analysis.record.schema import DEFAULT_TRAIN_UNTIL

    if text is None:
        return DEFAULT_TRAIN_UNTIL
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--train-until: expected a date YYYY-MM-DD, got {text!r}") from None


def _inputs(args: argparse.Namespace):
    from analysis.record.schema import load_record
    from inputs.resources import DEFAULT_SCENARIO
    from inputs.scenario_file import load_scenario

    scenario_path = Path(args.scenario) if args.scenario else Path(DEFAULT_SCENARIO)
    scenario = load_scenario(scenario_path)
    record_path = Path(args.record) if args.record else _default_record()
    return scenario_path, scenario, record_path, load_record(record_path, scenario)


def _positive(name: str, value: int) -> int:
    if value < 1:
        raise InputError(f"{name}: must be >= 1, got {value}")
    return value


def score_and_report(args: argparse.Namespace):
    """Run ``negotiate score`` as parsed in ``args``: (the scores, the report text or None)."""
    from analysis.record.score import score
    from sweep.calibrate import load_param_sets

    scenario_path, scenario, record_path, record = _inputs(args)
    sets = load_param_sets(args.params) if args.params else None
    result = score(scenario, record, seeds=_positive("--seeds", args.seeds),
                   base_seed=args.seed, param_sets=sets, train_until=_train_until(
                       args.train_until), keep_runs=bool(args.report))
    if not args.report:
        return result, None
    from analysis.record.report import render

    text = render(result, scenario, command=_score_command(args),
                  scenario_label=_label(scenario_path), record_label=_label(record_path),
                  params_label=(f"the {len(sets)} sets of `{_label(Path(args.params))}`"
                                if sets else "the scenario's values"))
    return result, text


def _cmd_score(args: argparse.Namespace) -> int:
    from analysis.record.score import score_table

    result, text = score_and_report(args)
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        print("\n".join(score_table(result)))
    if text is not None:
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        Path(args.report).write_text(text, encoding="utf-8")
        if not args.json:
            print(f"\nwrote {args.report}")
    return 0


def _score_command(args: argparse.Namespace) -> str:
    """The command that regenerates a report, from the parsed options (not ``sys.argv``, so
    the report does not depend on how it was invoked)."""
    words = ["negotiate", "score"]
    if args.scenario:
        words.append(_label(Path(args.scenario)))
    for flag, value in (("--record", args.record), ("--params", args.params)):
        if value:
            words += [flag, _label(Path(value))]
    if args.train_until:
        words += ["--train-until", args.train_until]
    words += ["--seeds", str(args.seeds)]
    if args.seed:
        words += ["--seed", str(args.seed)]
    words += ["--report", _label(Path(args.report))]
    return " ".join(shlex.quote(w) for w in words)


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from sweep.calibrate import calibrate, report_lines

    scenario_path, scenario, record_path, record = _inputs(args)
    command = " ".join(shlex.quote(w) for w in ["negotiate", "calibrate", *sys.argv[2:]])
    c = calibrate(scenario_path, record, scenario=scenario,
                  train_until=_train_until(args.train_until), samples=args.samples,
                  accept=args.accept, seeds=args.seeds, base_seed=args.seed,
                  workers=args.workers, executor=args.executor, scheduler=args.scheduler,
                  out=args.out, resume=args.resume, quiet=args.quiet, command=command)
    if c.status != "complete":
        again = command.replace(" --resume", "") + " --resume"
        print(f"negotiate: calibration {c.status}; continue with: {again}", file=sys.stderr)
        return 130
    print(f"{c.runs} runs in {c.seconds:.1f} s")
    print("\n".join(report_lines(c)))
    if args.apply:
        from sweep.calibrate import apply_to_scenario

        path = apply_to_scenario(scenario_path, c, scenario, command=command)
        print(f"wrote the accepted medians into {path} ([parameters], each with its source)")
    return 0


def _cmd_outlook(args: argparse.Namespace) -> int:
    from analysis.record.outlook import plot_willing, run_outlook
    from inputs.resources import DEFAULT_SCENARIO
    from inputs.scenario_file import load_scenario
    from sweep.calibrate import load_param_sets

    scenario_path = Path(args.scenario) if args.scenario else Path(DEFAULT_SCENARIO)
    scenario = load_scenario(scenario_path)
    if args.extend < 0:
        raise InputError(f"--extend: must be >= 0, got {args.extend}")
    if args.ceasefire_round is not None and args.ceasefire_round < 0:
        raise InputError(f"--ceasefire-round: must be >= 0, got {args.ceasefire_round}")
    sets = load_param_sets(args.params) if args.params else [{}]
    o = run_outlook(scenario, sets, seeds=_positive("--seeds", args.seeds), base_seed=args.seed,
                    extend=args.extend, ceasefire_round=args.ceasefire_round)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    o.probabilities.to_csv(out / "stance_probabilities.csv", index=False)
    o.willing.to_csv(out / "willing_troops.csv", index=False)
    what = f"{len(sets)} parameter set(s) x {args.seeds} seeds"
    cf = "" if args.ceasefire_round is None else f", ceasefire from round {args.ceasefire_round}"
    png = plot_willing(o, out / "willing_troops.png",
                       f"Willing to put troops in Ukraine: {o.runs} runs ({what}{cf})")
    print(o.willing.round(2).to_string(index=False))
    print(f"\nwrote {out / 'stance_probabilities.csv'}, {out / 'willing_troops.csv'}, {png}")
    return 0


def _common(p: argparse.ArgumentParser, record: bool = True) -> None:
    p.add_argument("scenario", nargs="?", help="scenario TOML (default: the coalition of the "
                   "willing)")
    if record:
        p.add_argument("--record", metavar="FILE", help="record file (default: "
                       "configs/record/coalition_2024_2026.toml)")
        p.add_argument("--train-until", metavar="DATE",
                       help="last date of the training window (default 2025-03-31)")
    p.add_argument("--seed", type=int, default=0, help="base seed (SeedSequence)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="score a replay against the public record, with baselines")
    _common(p)
    p.add_argument("--seeds", type=int, default=10, help="seeds per parameter set")
    p.add_argument("--params", metavar="FILE", help="parameter sets (accepted.csv of a "
                   "calibration); default: the scenario's values")
    p.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    p.add_argument("--report", metavar="FILE", help="write the validation report (Markdown)")
    p.set_defaults(handler=_cmd_score)

    p = sub.add_parser("calibrate", help="ABC rejection on the training window (resumable)")
    _common(p)
    p.add_argument("--samples", type=int, default=256, help="Latin hypercube samples")
    p.add_argument("--accept", type=float, default=0.1, help="share of samples accepted")
    p.add_argument("--seeds", type=int, default=4, help="seeds per sample")
    p.add_argument("--out", metavar="DIR", default="results/calibration")
    p.add_argument("--resume", action="store_true", help="finish the calibration in --out")
    p.add_argument("--executor", default="process", choices=["serial", "process", "dask"],
                   help=EXECUTOR_HELP)
    p.add_argument("--workers", type=int, help="worker processes (default: the local cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--apply", action="store_true",
                   help="write the accepted medians into the scenario file's [parameters], "
                        "with the command and date in each entry's source")
    p.set_defaults(handler=_cmd_calibrate)

    p = sub.add_parser("outlook", help="stance probabilities and willing troops past the record")
    _common(p, record=False)
    p.add_argument("--params", metavar="FILE", help="parameter sets (accepted.csv); default: "
                   "the scenario's values")
    p.add_argument("--extend", type=int, default=4, help="rounds beyond the scenario's")
    p.add_argument("--ceasefire-round", type=int, metavar="K",
                   help="a ceasefire takes effect from round K")
    p.add_argument("--seeds", type=int, default=10, help="seeds per parameter set")
    p.add_argument("--out", metavar="DIR", default="results/outlook")
    p.set_defaults(handler=_cmd_outlook)

"""``negotiate sweep validate|run|export|plot|discover|features`` and ``negotiate sensitivity``.

Only argparse is imported here: the handlers import the sweep machinery when they run, so
``negotiate --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys

EXECUTOR_HELP = ("serial, process (a local process pool, the default) or dask (a local "
                 "cluster on 127.0.0.1, or the scheduler given by --scheduler)")


def _cmd_validate(args: argparse.Namespace) -> int:
    from sweep.spec import load_sweep

    sweep = load_sweep(args.file)
    for line in sweep.describe():
        print(line)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from sweep.runner import SweepFailed, run_sweep
    from sweep.runner import stderr_log as log
    from sweep.spec import load_sweep

    sweep = load_sweep(args.file)
    if not args.quiet:
        log(f"{sweep.path}: {sweep.design.n_points} design points x "
            f"{sweep.spec.replications} replications = {sweep.n_runs} runs -> {args.out}")
    try:
        s = run_sweep(sweep, args.out, executor=args.executor, workers=args.workers,
                      scheduler=args.scheduler, resume=args.resume, batch_size=args.batch_size,
                      quiet=args.quiet, log=log)
    except SweepFailed as exc:
        print(f"negotiate: error: the sweep stopped: {exc}; finish it with "
              f"`negotiate sweep run {args.file} --out {args.out} --resume`", file=sys.stderr)
        return 1
    rate = s.ran / s.seconds if s.seconds > 0 else 0.0
    line = (f"{s.status}: {s.done} of {s.total} runs done ({s.failed} failed); {s.ran} in this "
            f"session, {s.seconds:.1f} s, {rate:.1f} runs/s; output in {s.out}")
    print(line)
    if s.status != "complete":
        print(f"resume with: negotiate sweep run {args.file} --out {args.out} --resume",
              file=sys.stderr)
        return 130
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from sweep.tables import export

    path, rows = export(args.dir, args.what, args.format, args.to)
    print(f"wrote {path} ({rows} rows)")
    return 0


def _cmd_plot(args: argparse.Namespace) -> int:
    from sweep.plot import plot_sweep

    paths = plot_sweep(args.dir, outcomes=args.outcome, parameters=args.parameter, to=args.to)
    print(f"wrote {len(paths)} figure(s) to {paths[0].parent if paths else args.to}")
    return 0


def _cmd_discover(args: argparse.Namespace) -> int:
    from sweep.cases import run_discover

    run_discover(args.dir, args.outcome, round_=args.round, threshold=args.threshold,
                 peel_alpha=args.peel_alpha, paste_alpha=args.paste_alpha,
                 mass_min=args.mass_min, box=args.box, parameters=args.parameter, to=args.out,
                 features=args.features)
    return 0


def _cmd_features(args: argparse.Namespace) -> int:
    from sweep.cases import run_features

    run_features(args.dir, args.outcome, round_=args.round, slices=args.slices,
                 parameters=args.parameter)
    return 0


def _add_cases(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", help="sweep output directory")
    p.add_argument("--outcome", required=True, metavar="EXPR",
                   help='the cases of interest: a comparison on outcome columns, e.g. '
                        '"troops_pledged >= 5000", "ceasefire_held == 1", '
                        '"2 <= ground_states <= 4 and ceasefire_held" (an unknown column '
                        'lists the valid ones)')
    p.add_argument("--round", type=int, metavar="N",
                   help="read round-table columns at round N (default: each run's last round; "
                        "run-level outcomes such as ceasefire_held are read as they are)")
    p.add_argument("--parameter", action="append", metavar="KEY",
                   help="only this parameter (repeatable; default: every swept parameter)")


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from sweep.sensitivity import run_sensitivity

    run_sensitivity(args.file, method=args.method, outcome=args.outcome, samples=args.samples,
                    out=args.out, to=args.to, executor=args.executor, workers=args.workers,
                    scheduler=args.scheduler, quiet=args.quiet, resume=args.resume)
    return 0


def _add_execution(p: argparse.ArgumentParser) -> None:
    p.add_argument("--executor", default="process", choices=["serial", "process", "dask"],
                   help=EXECUTOR_HELP)
    p.add_argument("--workers", type=int, help="worker processes (default: the local cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (with "
                        "--executor dask)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar (for logs); a summary line at the end")


def register(sub: argparse._SubParsersAction) -> None:
    sweep = sub.add_parser("sweep", help="parameter sweeps: validate, run, export, plot, "
                                         "discover, features")
    ssub = sweep.add_subparsers(dest="sweep_command", required=True, metavar="ACTION")

    p = ssub.add_parser("validate", help="check a sweep file and print how many runs it makes")
    p.add_argument("file", help="sweep file (TOML)")
    p.set_defaults(handler=_cmd_validate)

    p = ssub.add_parser("run", help="run a sweep into a directory (resumable)")
    p.add_argument("file", help="sweep file (TOML)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    _add_execution(p)
    p.add_argument("--resume", action="store_true",
                   help="finish an interrupted sweep in DIR (refused if the sweep file changed)")
    p.add_argument("--batch-size", type=int, metavar="N",
                   help="runs per task (default: chosen from the number of runs and workers)")
    p.set_defaults(handler=_cmd_run)

    p = ssub.add_parser("export", help="write one table of a sweep as one CSV or Parquet file")
    p.add_argument("dir", help="sweep output directory")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv")
    p.add_argument("--what", default="rounds", metavar="TABLE",
                   help="runs, outcomes, rounds (default), actors, stats (mean, sd and a 95%% "
                        "interval across replications per design point and round), or an "
                        "extra table of the model")
    p.add_argument("--to", metavar="FILE", help="output file (default: DIR/TABLE.FORMAT)")
    p.set_defaults(handler=_cmd_export)

    p = ssub.add_parser("plot", help="PNG figures of each outcome against each swept parameter")
    p.add_argument("dir", help="sweep output directory")
    p.add_argument("--outcome", action="append", metavar="NAME",
                   help="only this outcome (repeatable; default: every outcome that varies)")
    p.add_argument("--parameter", action="append", metavar="KEY",
                   help="only this parameter (repeatable; default: every swept parameter)")
    p.add_argument("--to", metavar="DIR", help="figure directory (default: DIR/figures)")
    p.set_defaults(handler=_cmd_plot)

    p = ssub.add_parser("discover",
                        help="scenario discovery: PRIM boxes of the parameters where an "
                             "outcome condition holds (needs the [sweep] extra)")
    _add_cases(p)
    p.add_argument("--threshold", type=float, default=0.8, metavar="DENSITY",
                   help="the box reported is the one of highest coverage with at least this "
                        "density (share of its runs that are cases; default 0.8)")
    p.add_argument("--peel-alpha", type=float, default=0.05, metavar="A",
                   help="share of the runs each peel drops (default 0.05)")
    p.add_argument("--paste-alpha", type=float, default=0.05, metavar="A",
                   help="share of the runs each paste adds back (default 0.05)")
    p.add_argument("--mass-min", type=float, default=0.05, metavar="M",
                   help="smallest box, as a share of the runs (default 0.05)")
    p.add_argument("--box", type=int, metavar="STEP",
                   help="report this step of the trajectory instead of the threshold's choice")
    p.add_argument("--features", action="store_true",
                   help="print the feature scores (as `sweep features`) first")
    p.add_argument("--out", metavar="DIR",
                   help="where discover_tradeoff.png and discover_box.png go (default: DIR)")
    p.set_defaults(handler=_cmd_discover)

    p = ssub.add_parser("features",
                        help="rank the swept parameters by how much they move an outcome "
                             "condition (PAWN index)")
    _add_cases(p)
    p.add_argument("--slices", type=int, default=10, metavar="S",
                   help="conditioning slices of a parameter with more than S values "
                        "(default 10; a grid or categorical parameter: one per value)")
    p.set_defaults(handler=_cmd_features)

    p = sub.add_parser("sensitivity",
                       help="Sobol or Morris sensitivity indices of an outcome (SALib)")
    p.add_argument("file", help="sweep file (TOML); its ranges are the factors")
    p.add_argument("--method", choices=["sobol", "morris"], default="sobol")
    p.add_argument("--outcome", required=True, metavar="NAME",
                   help="a final-round column, e.g. troops_pledged, contributors")
    p.add_argument("--samples", type=int, metavar="N",
                   help="base sample size (Sobol: a power of 2; runs = N x (factors + 2)); "
                        "default: the sweep file's design.samples")
    p.add_argument("--out", metavar="DIR",
                   help="keep the runs in DIR (default: a temporary directory)")
    p.add_argument("--resume", action="store_true", help="finish the runs in --out DIR")
    p.add_argument("--to", metavar="FILE",
                   help="indices table, .csv or .parquet (default: "
                        "sensitivity_METHOD_OUTCOME.csv in --out DIR or here)")
    _add_execution(p)
    p.set_defaults(handler=_cmd_sensitivity)

"""``negotiate report DIR`` and ``negotiate sweep report DIR``: read what a run or a sweep
wrote, build the page with :mod:`analysis.report`, write ``DIR/report.html``.

The page is self-contained (inline SVG and CSS, no script): it opens offline, from a USB
stick or an e-mail attachment, and asks for nothing outside itself.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd

from model.errors import InputError

#: The ceasefire tables ``negotiate run`` writes when the scenario has a ceasefire phase.
CEASEFIRE_TABLES = ("outcomes", "ceasefire_states", "ceasefire_events")

#: The outcomes a sweep report draws by default (those present); the table shows them all.
SWEEP_OUTCOMES = ("willing_troops", "deploy_now", "deploy_after_ceasefire", "outside_only",
                  "troops_pledged", "troops_intended", "contributors", "russia_threat",
                  "ceasefire_held", "violations", "exposure")


def _table(out: Path, name: str, *, required: bool) -> pd.DataFrame | None:
    """``DIR/NAME.csv`` or ``DIR/NAME.parquet``; strings stay strings (``none`` is a stance,
    ``NA`` would be Namibia), only empty cells are missing."""
    for ext in ("csv", "parquet"):
        path = out / f"{name}.{ext}"
        if not path.is_file():
            continue
        try:
            if ext == "csv":
                return pd.read_csv(path, keep_default_na=False, na_values=[""])
            return pd.read_parquet(path)
        except (ValueError, OSError, ImportError) as exc:
            raise InputError(f"{path}: cannot read it as a table ({exc})") from None
    if required:
        raise InputError(f"{out}: no {name}.csv or {name}.parquet (written by "
                         "`negotiate run --out DIR`)")
    return None


def _places(run: dict[str, Any]) -> dict[str, Any] | None:
    """Each actor's name and lon/lat: from run.json when it has them, else from the scenario
    it names (None when neither can be read)."""
    from analysis.report import Place

    given = run.get("places")
    if isinstance(given, dict) and given:
        try:
            return {c: Place(str(p["name"]), float(p["lon"]), float(p["lat"]))
                    for c, p in given.items()}
        except (KeyError, TypeError, ValueError):
            pass
    scenario = run.get("scenario")
    if not scenario:
        return None
    from inputs.scenario_file import load_scenario

    try:
        sc = load_scenario(scenario)
    except (InputError, OSError):
        return None
    return {c: Place(a.name, a.lon, a.lat) for c, a in sc.actors.items()}


def places_of(scenario: Any) -> dict[str, dict[str, Any]]:
    """What run.json keeps of each actor for the report's map: name, lon, lat."""
    return {c: {"name": a.name, "lon": a.lon, "lat": a.lat} for c, a in scenario.actors.items()}


def write_run_report(out: str | Path, *, map_rounds: list[int] | None = None) -> Path:
    """Read the files of ``negotiate run --out OUT`` and write ``OUT/report.html``."""
    from analysis.report import run_report

    out = Path(out)
    if not out.is_dir():
        raise InputError(f"{out}: no such directory (give the --out DIR of `negotiate run`)")
    rounds = _table(out, "rounds", required=True)
    actors = _table(out, "actors", required=True)
    assert rounds is not None and actors is not None
    for name, table, cols in (("rounds", rounds, ("round", "russia_threat", "deploy_now")),
                              ("actors", actors, ("round", "actor", "stance", "presence",
                                                  "guarantee"))):
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise InputError(f"{out}/{name}: no column {missing[0]!r} (a run of an older "
                             "version? run it again)")
    actors["blocked_by"] = actors.get("blocked_by", pd.Series("", index=actors.index)
                                      ).fillna("").astype(str)
    run_path = out / "run.json"
    try:
        run = json.loads(run_path.read_text(encoding="utf-8")) if run_path.is_file() else {}
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{run_path}: not valid JSON ({exc})") from None
    events_path = out / "events.txt"
    events = (events_path.read_text(encoding="utf-8").splitlines()
              if events_path.is_file() else [])
    extra = {n: t for n in CEASEFIRE_TABLES
             if (t := _table(out, n, required=False)) is not None}
    known = set(rounds["round"].astype(int))
    if map_rounds:
        bad = [r for r in map_rounds if r not in known]
        if bad:
            raise InputError(f"--map-rounds {bad[0]}: no such round (rounds "
                             f"{min(known)}..{max(known)})")
    page = run_report(rounds, actors, events, run, extra=extra, places=_places(run),
                      map_rounds=map_rounds)
    path = out / "report.html"
    tmp = path.with_name(".report.html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path


def write_sweep_report(out: str | Path, *, outcomes: list[str] | None = None) -> Path:
    """Read a sweep's directory and write ``OUT/report.html``: outcome distributions per
    design point, and the sensitivity indices found there (``sensitivity_*.csv``)."""
    from analysis.report import sweep_outcome_columns, sweep_report
    from sweep.store import Store, read_manifest

    out = Path(out)
    manifest = read_manifest(out)
    store = Store(out)
    table = store.table("outcomes")
    if table is None or table.empty:
        raise InputError(f"{out}: no outcomes yet: no run of this sweep has finished")
    design = store.design()
    numeric = [c for c in sweep_outcome_columns(table) if c not in design.columns]
    if outcomes:
        unknown = [c for c in outcomes if c not in table.columns]
        if unknown:
            raise InputError(f"--outcome {unknown[0]}: not an outcome of this sweep "
                             f"(outcomes: {', '.join(numeric)})")
        cols = list(outcomes)
    else:
        cols = [c for c in SWEEP_OUTCOMES if c in numeric] or numeric
    indices = {}
    for f in sorted(out.glob("sensitivity_*")):
        if f.suffix in (".csv", ".parquet"):
            t = _table(out, f.stem, required=False)
            if t is not None:
                indices[f.stem] = t
    page = sweep_report(table, design, manifest, sensitivity=indices, outcome_columns=cols)
    path = out / "report.html"
    tmp = path.with_name(".report.html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path


def _cmd_report(args: argparse.Namespace) -> int:
    path = write_run_report(args.dir, map_rounds=args.map_rounds)
    print(f"wrote {path}")
    return 0


def _cmd_sweep_report(args: argparse.Namespace) -> int:
    path = write_sweep_report(args.dir, outcomes=args.outcome)
    print(f"wrote {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """``negotiate report DIR``."""
    p = sub.add_parser("report", help="one self-contained HTML page of a run: DIR/report.html "
                       "from what `negotiate run --out DIR` wrote")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--map-rounds", type=int, nargs="+", metavar="ROUND",
                   help="the rounds the map shows (default: the first meeting, the middle one, "
                        "the last)")
    p.set_defaults(handler=_cmd_report)


def register_sweep(ssub: argparse._SubParsersAction) -> None:
    """``negotiate sweep report DIR`` (added to the sweep group)."""
    p = ssub.add_parser("report", help="one self-contained HTML page of a sweep: "
                        "DIR/report.html (outcome distributions, sensitivity indices)")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--outcome", action="append", metavar="NAME",
                   help="an outcome to draw (repeatable; default: the stances, troops, "
                        "threat and ceasefire outcomes)")
    p.set_defaults(handler=_cmd_sweep_report)

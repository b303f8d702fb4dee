"""The Python API: everything a notebook or a script needs, from one module.

    from negotiate.api import load_scenario, run_one, sweep, describe

    tables = run_one({"bandwagon": 30}, seed=1)          # the default scenario
    tables.rounds[["round", "date", "deploy_now", "deploy_after_ceasefire"]]
    outcomes = sweep("small")                             # a shipped sweep file, serially

Why here, in ``negotiate/``: this module re-exports the core (the model classes,
:func:`model.run.run_one`), the readers (:mod:`inputs`), the sweep runner (:mod:`sweep`) and
the report (:mod:`analysis.report`). Only a driver may import all of them (LAYOUT.md's
rules: the core imports no reader or driver, analysis/ never imports sweep/); ``negotiate/``
is the driver package that already does, for the command line. The functions below are what
the commands call, so the API and the CLI give the same numbers.

``docs/notebooks/quickstart.ipynb`` shows it in use (executed by tests/test_notebook.py).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from agents import STANCES, OpposerAgent, RedLine, StateAgent, StateChoice
from analysis.odd import odd_tables
from analysis.record.score import Scored
from inputs.resources import record_file
from inputs.scenario_file import default_scenario, load_scenario, with_ladder
from model.errors import InputError
from model.negotiation import NegotiationModel
from model.run import RunTables
from model.run import run_one as _run_one
from model.scenario import Actor, Parameters, Scenario, with_overrides

__all__ = [
    "STANCES", "Actor", "InputError", "NegotiationModel", "OpposerAgent", "Parameters",
    "RedLine", "RunTables", "Scenario", "StateAgent", "StateChoice", "default_scenario",
    "as_scenario", "describe", "load_scenario", "report", "run_one", "score", "sweep",
    "with_ladder", "with_overrides",
]


def as_scenario(given: Scenario | str | Path | None = None) -> Scenario:
    """A scenario: a :class:`Scenario` as it is, a path to a TOML file, the name of a
    shipped one (``"coalition_of_the_willing"``), or None for the default scenario."""
    if isinstance(given, Scenario):
        return given
    if given is None:
        return default_scenario()
    from inputs.resources import scenario_file

    return load_scenario(scenario_file(given))


def run_one(parameters: dict[str, Any] | None = None, seed: int | None = 0, *,
            scenario: Scenario | str | Path | None = None,
            rounds: int | None = None) -> RunTables:
    """One run: every meeting, then the ceasefire phase when the scenario has one.

    ``parameters``: model parameters by name (``{"bandwagon": 30, "mechanism": "eum"}``,
    the fields of :class:`Parameters`) and actor attributes by dotted path
    (``{"actors.DE.salience.presence": 0.9}``), as ``negotiate run --set``. ``seed``: the
    run's only randomness (each state's private threshold offset, Deffuant encounters, the
    ceasefire violator), via numpy's SeedSequence. ``scenario``: see :func:`as_scenario`.

    Returns :class:`RunTables`: ``rounds`` (one row per round), ``actors`` (one row per actor
    per round: stated and ideal positions on presence and guarantee, stance, pledges),
    ``events`` (sentences), ``extra`` (``outcomes``, ``ceasefire_states``,
    ``ceasefire_events``). The same inputs and seed give identical tables.
    """
    return _run_one(parameters, seed, scenario=as_scenario(scenario), rounds=rounds)


def sweep(file: str | Path, out: str | Path | None = None, *, executor: str = "serial",
          workers: int | None = None, quiet: bool = True) -> pd.DataFrame:
    """Run a sweep file (a path, or the name of a shipped one such as ``"small"``) and return
    its outcomes: one row per run with ``design_point``, ``replication``, ``seed``, the
    swept parameters and every outcome (the last round's columns, the ceasefire's).

    ``out``: the sweep's directory (kept: resumable, exportable, ``negotiate sweep report``);
    None runs it in a temporary directory. ``executor``: ``serial`` (the default here: no
    process pool to start from a notebook), ``process`` or ``dask``; the numbers do not
    depend on it. Needs the ``sweep`` extra (pyarrow)."""
    from inputs.resources import sweep_file
    from sweep.runner import run_sweep
    from sweep.spec import load_sweep
    from sweep.store import Store

    spec = load_sweep(sweep_file(file))
    if out is None:
        with tempfile.TemporaryDirectory(prefix="negotiate-sweep-") as tmp:
            run_sweep(spec, Path(tmp) / "runs", executor=executor, workers=workers,
                      quiet=quiet)
            table = Store(Path(tmp) / "runs").table("outcomes")
    else:
        run_sweep(spec, out, executor=executor, workers=workers, quiet=quiet)
        table = Store(out).table("outcomes")
    if table is None:
        raise InputError(f"{file}: no run of the sweep succeeded")
    return table


def score(given: Scenario | str | Path | None = None, record: str | Path | None = None, *,
          seeds: int = 10, base_seed: int = 0,
          param_sets: list[dict[str, Any]] | None = None,
          train_until: str | dt.date | None = None) -> Scored:
    """Score runs of a scenario against the public record, as ``negotiate score`` does: per
    target the share of seeds on which it holds, for the model and two baselines (positions
    frozen at round 0; each state's round-0 stance carried forward), over the training and
    test windows. ``result.scores("model")`` gives ``{"train": …, "test": …, "all": …}``;
    ``result.as_json()`` the object ``negotiate score --json`` prints."""
    from analysis.record.schema import DEFAULT_TRAIN_UNTIL, load_record
    from analysis.record.score import score as score_runs

    sc = as_scenario(given)
    until = (DEFAULT_TRAIN_UNTIL if train_until is None
             else dt.date.fromisoformat(str(train_until)))
    rec = load_record(record_file(record), sc)
    return score_runs(sc, rec, seeds=seeds, base_seed=base_seed, param_sets=param_sets,
                      train_until=until)


def describe(given: Scenario | str | Path | None = None) -> str:
    """The scenario as the ODD protocol's initialisation and input-data tables (Markdown),
    as ``negotiate describe`` prints them."""
    sc = as_scenario(given)
    return odd_tables(sc, source="" if isinstance(given, Scenario) or given is None
                      else str(given))


def report(out: str | Path, *, map_rounds: list[int] | None = None) -> Path:
    """Write ``OUT/report.html`` from the files of ``negotiate run --out OUT`` (see
    :mod:`negotiate.report`) and return its path."""
    from negotiate.report import write_run_report

    return write_run_report(out, map_rounds=map_rounds)

"""The one run path: a scenario round by round, then the ceasefire phase, each finished round
handed to observers.

:func:`run` is the path; :func:`play_round` is one round of it (the live view steps with
it); :func:`run_one` is the path with no observer, returning the run's tables (the sweep
worker calls it). The terminal printer, the progress bar and the table writer of
``negotiate run`` are observers (:mod:`negotiate.run`, :mod:`negotiate.run_files`). Like the
rest of the core this module does no I/O: observers do it.

An observer has any of the methods of :class:`RunObserver`; :class:`Observer` is a base
with every method doing nothing. They are called in the order given, in the process that
runs the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from model.negotiation import Event, NegotiationModel
from model.scenario import Scenario
from model.tables import RunTables, tables_of

if TYPE_CHECKING:
    import pandas as pd

    from model.ceasefire.phase import CeasefirePhase

__all__ = ["COMPLETE", "FAILED", "INTERRUPTED", "Observer", "RoundRows", "RunObserver",
           "RunTables", "build_model", "finish_round", "has_ceasefire_phase", "play_round",
           "run", "run_one", "tables_of"]

COMPLETE, INTERRUPTED, FAILED = "complete", "interrupted", "failed"


class RoundRows:
    """What one finished round adds: its number, its events and its rows of the run's
    tables (``rounds``: one row; ``actors``: one per actor), built on first use so that a
    run with no observer reading them pays nothing."""

    def __init__(self, model: NegotiationModel, number: int, events: list[Event]) -> None:
        self.model = model
        self.number = number
        self.events = events

    @cached_property
    def tables(self) -> RunTables:
        return tables_of(self.model, self.number, self.number)

    @property
    def rounds(self) -> pd.DataFrame:
        return self.tables.rounds

    @property
    def actors(self) -> pd.DataFrame:
        return self.tables.actors

    @property
    def last(self) -> bool:
        """True for the last round of the negotiation (the ceasefire phase may follow)."""
        return not self.model.running


class RunObserver(Protocol):
    """What the run path calls. ``on_start`` once, after the model is built (round 0, the
    starting positions, is then the first ``on_round``); ``on_round`` after each round;
    ``on_ceasefire`` after the ceasefire phase, with its tables (``outcomes``,
    ``ceasefire_states``, ``ceasefire_events``); ``on_end`` last, always, with the status
    (``complete``, ``interrupted`` on Ctrl-C, ``failed`` on an error) and the tables of
    what was done (None when the run failed before any round)."""

    def on_start(self, model: NegotiationModel) -> None: ...

    def on_round(self, model: NegotiationModel, rows: RoundRows) -> None: ...

    def on_ceasefire(self, phase: CeasefirePhase, tables: dict[str, pd.DataFrame]) -> None: ...

    def on_end(self, status: str, tables: RunTables | None) -> None: ...


class Observer:
    """An observer that does nothing: subclass it and override what you need."""

    def on_start(self, model: NegotiationModel) -> None:
        pass

    def on_round(self, model: NegotiationModel, rows: RoundRows) -> None:
        pass

    def on_ceasefire(self, phase: CeasefirePhase, tables: dict[str, pd.DataFrame]) -> None:
        pass

    def on_end(self, status: str, tables: RunTables | None) -> None:
        pass


def _call(observers: Iterable[Any], name: str, *args: Any) -> None:
    for observer in observers:
        method = getattr(observer, name, None)
        if method is not None:
            method(*args)


def build_model(
    scenario: Scenario,
    parameters: dict[str, Any] | None = None,
    seed: int | None = 0,
    *,
    rounds: int | None = None,
    datacollector: bool = False,
) -> NegotiationModel:
    """The model of ``scenario`` with ``parameters``: model parameters (``us_backstop``) and
    dotted actor paths (``actors.DE.salience``) alike."""
    params = dict(parameters or {})
    overrides = {k: params.pop(k) for k in list(params) if "." in k}
    return NegotiationModel(scenario, rng=seed, rounds=rounds, overrides=overrides,
                            datacollector=datacollector, **params)


def has_ceasefire_phase(model: NegotiationModel) -> bool:
    """Whether :func:`run` goes on into the ceasefire phase after the last round."""
    return model.scenario_config.ceasefire is not None and bool(model.params.ceasefire_phase)


def finish_round(model: NegotiationModel, observers: Sequence[Any] = ()) -> RoundRows:
    """Hand the round just recorded to the observers (the second half of
    :func:`play_round`: a model whose ``step`` Mesa calls itself, the live view's, calls
    this after it)."""
    seen = getattr(model, "_events_handed", 0)
    rows = RoundRows(model, model.round, model.events[seen:])
    model._events_handed = len(model.events)
    _call(observers, "on_round", model, rows)
    return rows


def play_round(model: NegotiationModel, observers: Sequence[Any] = ()) -> RoundRows:
    """One round (``model.step()``), then its rows to each observer's ``on_round``."""
    model.step()
    return finish_round(model, observers)


def run(model: NegotiationModel, observers: Sequence[Any] = ()) -> RunTables:
    """Run ``model`` to its last round, then the ceasefire phase when the scenario has one
    (:mod:`model.ceasefire`), telling ``observers`` as it goes; return the run's tables.

    Ctrl-C (``KeyboardInterrupt``) and errors end the run with ``on_end("interrupted")`` or
    ``on_end("failed")`` with the tables of the rounds done, then propagate."""
    status, tables = FAILED, None
    try:
        _call(observers, "on_start", model)
        finish_round(model, observers)  # round 0: the starting positions
        while model.running:
            play_round(model, observers)
        tables = tables_of(model)
        if has_ceasefire_phase(model):
            from model.ceasefire.phase import ceasefire_after

            phase = ceasefire_after(model)
            if phase is not None:
                extra = phase.run().tables()
                tables.extra.update(extra)
                _call(observers, "on_ceasefire", phase, extra)
        status = COMPLETE
        return tables
    except KeyboardInterrupt:
        status = INTERRUPTED
        raise
    finally:
        if tables is None and model.round_record:
            tables = tables_of(model)
        _call(observers, "on_end", status, tables)


def run_one(
    parameters: dict[str, Any] | None = None,
    seed: int | None = 0,
    *,
    scenario: Scenario,
    rounds: int | None = None,
    observers: Sequence[Any] = (),
) -> RunTables:
    """Build the model from ``scenario`` with ``parameters`` (model parameters and dotted actor
    paths such as ``actors.DE.salience``), :func:`run` it, and return its tables: ``rounds``,
    ``actors``, ``events`` and, after the ceasefire phase, ``extra["outcomes"]``,
    ``extra["ceasefire_states"]`` and ``extra["ceasefire_events"]``."""
    model = build_model(scenario, parameters, seed, rounds=rounds)
    return run(model, observers)

"""``run_one``: one run of the model to tidy tables. The CLI, the sweep runner and the
adapters all call it; it does no I/O."""

from __future__ import annotations

from typing import Any

from model.negotiation import NegotiationModel
from model.scenario import Scenario
from model.tables import RunTables, tables_of

__all__ = ["RunTables", "run_one", "tables_of"]


def run_one(
    parameters: dict[str, Any] | None = None,
    seed: int | None = 0,
    *,
    scenario: Scenario,
    rounds: int | None = None,
) -> RunTables:
    """Build the model from ``scenario`` with ``parameters`` (model parameters and dotted actor
    paths such as ``actors.DE.salience``), run every round, then the ceasefire phase when the
    scenario has one (``extra["outcomes"]``, ``extra["ceasefire_states"]``,
    ``extra["ceasefire_events"]``; :mod:`model.ceasefire`), and return its tables."""
    params = dict(parameters or {})
    overrides = {k: params.pop(k) for k in list(params) if "." in k}
    model = NegotiationModel(scenario, rng=seed, rounds=rounds, overrides=overrides,
                             datacollector=False, **params)
    while model.running:
        model.step()
    tables = tables_of(model)
    from model.ceasefire import ceasefire_after

    phase = ceasefire_after(model)  # None without [ceasefire] or with ceasefire_phase = false
    if phase is not None:
        tables.extra.update(phase.run().tables())
    return tables

"""``run_one``: one run of the model to tidy tables. The CLI, the sweep runner and the
adapters all call it; it does no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from model.negotiation import NegotiationModel
from model.scenario import Scenario

PLEDGE_COLUMNS = [f"pledge_{t}" for t in
                  ("ground", "air", "maritime", "training", "logistics", "monitoring")]
ROUND_COLUMNS = ["round", "date", "venue", "contributors", "ground_states", "troops_pledged",
                 "mean_position", "russia_threat", "us_backstop", "ceasefire", "bloc_committed",
                 "bloc_conditional", "bloc_support", "bloc_opposed"]
ACTOR_COLUMNS = ["round", "date", "actor", "position", *PLEDGE_COLUMNS, "contributor", "bloc"]


@dataclass
class RunTables:
    rounds: pd.DataFrame
    actors: pd.DataFrame
    events: list[str]
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)


def tables_of(model: NegotiationModel) -> RunTables:
    """Tidy tables of a model run so far: one row per round; one per actor per round."""
    dates = ["" if (s := model.round_spec(r)) is None else s.date.isoformat()
             for r in range(1, model.round + 1)]
    venues = ["" if (s := model.round_spec(r)) is None else s.venue
              for r in range(1, model.round + 1)]
    rounds = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    rounds.insert(0, "round", range(len(rounds)))
    rounds.insert(1, "date", ["", *dates])
    rounds.insert(2, "venue", ["", *venues])
    actors = model.datacollector.get_agent_vars_dataframe().reset_index()
    step_col = actors.columns[0]
    steps = sorted(actors[step_col].unique())
    actors["round"] = actors[step_col].map({s: k for k, s in enumerate(steps)}).astype(int)
    actors["date"] = actors["round"].map(dict(enumerate(["", *dates])))
    actors = actors[ACTOR_COLUMNS].sort_values(["round", "actor"], kind="stable")
    return RunTables(
        rounds=rounds[ROUND_COLUMNS].astype({"ceasefire": bool}),
        actors=actors.reset_index(drop=True),
        events=[str(e) for e in model.events],
    )


def run_one(
    parameters: dict[str, Any] | None = None,
    seed: int | None = 0,
    *,
    scenario: Scenario | str | None = None,
    rounds: int | None = None,
) -> RunTables:
    """Build the model from ``scenario`` with ``parameters`` (model parameters and dotted actor
    paths such as ``actors.DE.salience``), run every round, then the ceasefire phase when the
    scenario has one (``extra["outcomes"]``, ``extra["ceasefire_states"]``,
    ``extra["ceasefire_events"]``; :mod:`model.ceasefire`), and return its tables."""
    params = dict(parameters or {})
    overrides = {k: params.pop(k) for k in list(params) if "." in k}
    model = NegotiationModel(scenario, rng=seed, rounds=rounds, overrides=overrides, **params)
    while model.running:
        model.step()
    tables = tables_of(model)
    from model.ceasefire import ceasefire_after

    phase = ceasefire_after(model)  # None without [ceasefire] or with ceasefire_phase = false
    if phase is not None:
        tables.extra.update(phase.run().tables())
    return tables

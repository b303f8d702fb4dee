"""The tidy tables of a run (:class:`RunTables`), built from the model's per-round record:
one row per round, one per actor per round, the event log, and the ceasefire phase's tables
in ``extra``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from model.negotiation import NegotiationModel

PLEDGE_COLUMNS = [f"pledge_{t}" for t in
                  ("ground", "air", "maritime", "training", "logistics", "monitoring")]
STANCE_COLUMNS = ["deploy_now", "deploy_after_ceasefire", "outside_only", "none", "opposed",
                  "host"]
ROUND_COLUMNS = ["round", "date", "venue", "contributors", "ground_states", "troops_pledged",
                 "mean_position", "russia_threat", "us_backstop", "ceasefire", "bloc_committed",
                 "bloc_conditional", "bloc_support", "bloc_opposed", *STANCE_COLUMNS,
                 "willing_troops", "contributors_inside", "contributors_outside",
                 "troops_deployed", "troops_intended", "deal_presence", "deal_guarantee"]
ACTOR_COLUMNS = ["round", "date", "actor", "position", *PLEDGE_COLUMNS, "contributor", "bloc",
                 "presence", "guarantee", "ideal_presence", "ideal_guarantee", "stance",
                 "blocked_by"]


@dataclass
class RunTables:
    rounds: pd.DataFrame
    actors: pd.DataFrame
    events: list[str]
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)


def tables_of(model: NegotiationModel, first: int = 0, last: int | None = None) -> RunTables:
    """Tidy tables of a model run so far: one row per round; one per actor per round
    (actors in code order), built from the model's per-round record. ``first``..``last``
    (inclusive; default: every round played) selects rounds: the rows of round ``r`` alone
    are ``tables_of(model, r, r)``, and the rows of consecutive ranges, one after the other,
    are the rows of the whole range (the run's files are written so, a round at a time)."""
    last = model.round if last is None else last
    numbers = range(first, last + 1)
    specs = [None if r == 0 else model.round_spec(r) for r in numbers]
    dates = ["" if s is None else s.date.isoformat() for s in specs]
    venues = ["" if s is None else s.venue for s in specs]
    n_rounds = len(numbers)
    records = model.round_record[first:last + 1]
    columns: dict[str, Any] = {"round": np.arange(first, last + 1, dtype=np.int64),
                               "date": dates, "venue": venues}
    for col in ROUND_COLUMNS[3:]:
        columns[col] = [rec[col] for rec in records]
    columns["ceasefire"] = np.array(columns["ceasefire"], dtype=bool)
    rounds = pd.DataFrame(columns)
    record = model.actor_record[first:last + 1]

    order = np.argsort(model.codes, kind="stable")
    n_actors = len(order)
    stated = np.stack([rec[0] for rec in record])[:, order, :]
    ideals = np.stack([rec[6] for rec in record])[:, order, :]
    g = model.guarantee_index
    pledges = np.stack([rec[1] for rec in record])[:, order, :]
    contributor = np.array([rec[2] for rec in record], dtype=bool)[:, order]
    bloc = np.array([rec[3] for rec in record], dtype=object)[:, order]
    stance = np.array([rec[4] for rec in record], dtype=object)[:, order]
    blocked = np.array([rec[5] for rec in record], dtype=object)[:, order]
    actors = pd.DataFrame({
        "round": np.repeat(np.arange(first, last + 1, dtype=np.int64), n_actors),
        "date": np.repeat(np.array(dates, dtype=object), n_actors),
        "actor": np.tile(np.array(model.codes, dtype=object)[order], n_rounds),
        "position": stated[:, :, 0].ravel(),
        **{col: pledges[:, :, k].ravel() for k, col in enumerate(PLEDGE_COLUMNS)},
        "contributor": contributor.ravel(),
        "bloc": bloc.ravel(),
        "presence": stated[:, :, 0].ravel(),
        "guarantee": stated[:, :, g].ravel(),
        "ideal_presence": ideals[:, :, 0].ravel(),
        "ideal_guarantee": ideals[:, :, g].ravel(),
        "stance": stance.ravel(),
        "blocked_by": blocked.ravel(),
    })
    return RunTables(
        rounds=rounds,
        actors=actors,
        events=[str(e) for e in model.events if first <= e.round <= last],
    )

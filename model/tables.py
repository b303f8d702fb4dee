"""The tidy tables of a run (:class:`RunTables`), built from the model's per-round record:
one row per round, one per actor per round, the event log, and the ceasefire phase's tables
in ``extra``."""

from __future__ import annotations

from dataclasses import dataclass, field

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


def tables_of(model: NegotiationModel) -> RunTables:
    """Tidy tables of a model run so far: one row per round; one per actor per round
    (actors in code order), built from the model's per-round record."""
    dates = ["", *("" if (s := model.round_spec(r)) is None else s.date.isoformat()
                   for r in range(1, model.round + 1))]
    venues = ["", *("" if (s := model.round_spec(r)) is None else s.venue
                    for r in range(1, model.round + 1))]
    n_rounds = len(model.round_record)
    rounds = pd.DataFrame(model.round_record)
    rounds.insert(0, "round", np.arange(n_rounds, dtype=np.int64))
    rounds.insert(1, "date", dates)
    rounds.insert(2, "venue", venues)

    order = np.argsort(model.codes, kind="stable")
    n_actors = len(order)
    stated = np.stack([rec[0] for rec in model.actor_record])[:, order, :]
    ideals = np.stack([rec[6] for rec in model.actor_record])[:, order, :]
    g = model.guarantee_index
    pledges = np.stack([rec[1] for rec in model.actor_record])[:, order, :]
    contributor = np.array([rec[2] for rec in model.actor_record], dtype=bool)[:, order]
    bloc = np.array([rec[3] for rec in model.actor_record], dtype=object)[:, order]
    stance = np.array([rec[4] for rec in model.actor_record], dtype=object)[:, order]
    blocked = np.array([rec[5] for rec in model.actor_record], dtype=object)[:, order]
    actors = pd.DataFrame({
        "round": np.repeat(np.arange(n_rounds, dtype=np.int64), n_actors),
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
        rounds=rounds[ROUND_COLUMNS].astype({"ceasefire": bool}),
        actors=actors[ACTOR_COLUMNS],
        events=[str(e) for e in model.events],
    )

"""Record files: dated targets from the public record, each with a machine-checkable check.

TOML validated with pydantic; every problem is one :class:`~model.errors.InputError` line
``FILE: targets.K.check.field: message (target ID)``, like scenario files. A target::

    [[targets]]
    id = "E09"
    date = 2025-03-02
    statement = "The UK and France will back a deal with troops (London summit)"
    source = "pravda.com.ua (2 Mar 2025), maltatoday.com.mt"
    check = { actors = ["FR", "GB"], stance_in = ["deploy_after_ceasefire"] }

Checks (evaluated by :mod:`analysis.record.checks`):

- ``{ actor = "GB", stance_in = [...] }`` / ``stance_not_in``: the actor's stance;
- ``{ actor = "US", never = "presence_above_zero" }``: in no round up to the target's;
- ``{ actors = [...], stance_in = [...], min = 3 }``: at least ``min`` (default: all) and at
  most ``max`` of the actors are in (or not in) the stances;
- ``{ count = "willing_troops", min = 11 }``: a count of the round (a stance, or
  ``willing_troops``, ``contributors``, ``contributors_inside``, ``contributors_outside``);
- ``over = "all"`` on a stance or count check: it must hold in every round from the start
  (round 0) up to the target's round, never later (so a training target never sees the
  test window).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from inputs.scenario_file import read_toml
from model.errors import InputError
from model.scenario import Scenario, _describe, _dotted

STANCES = ("deploy_now", "deploy_after_ceasefire", "outside_only", "none", "opposed", "host")
Stance = Literal["deploy_now", "deploy_after_ceasefire", "outside_only", "none", "opposed",
                 "host"]
COUNTS = (*STANCES, "willing_troops", "contributors", "contributors_inside",
          "contributors_outside")
Count = Literal["deploy_now", "deploy_after_ceasefire", "outside_only", "none", "opposed",
                "host", "willing_troops", "contributors", "contributors_inside",
                "contributors_outside"]
NEVER = ("presence_above_zero", "pledge_ground_above_zero", "contributor", "deploy_now")
Never = Literal["presence_above_zero", "pledge_ground_above_zero", "contributor", "deploy_now"]
DEFAULT_TRAIN_UNTIL = dt.date(2025, 3, 31)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Check(_Strict):
    """One machine-checkable claim on a run's outputs (see the module docstring)."""

    actor: str | None = None
    actors: list[str] | None = None
    count: Count | None = None
    stance_in: list[Stance] | None = None
    stance_not_in: list[Stance] | None = None
    never: Never | None = None
    min: Annotated[int, Field(ge=0)] | None = None
    max: Annotated[int, Field(ge=0)] | None = None
    over: Literal["round", "all"] = "round"

    @model_validator(mode="after")
    def _shape(self) -> Check:
        subjects = [k for k in ("actor", "actors", "count") if getattr(self, k) is not None]
        if len(subjects) != 1:
            raise ValueError("give exactly one of actor, actors or count")
        stances = [k for k in ("stance_in", "stance_not_in") if getattr(self, k) is not None]
        if len(stances) > 1:
            raise ValueError("give stance_in or stance_not_in, not both")
        for k in stances:
            if not getattr(self, k):
                raise ValueError(f"{k}: empty list")
        bounds = self.min is not None or self.max is not None
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        if self.actor is not None:
            if len(stances) + (self.never is not None) != 1:
                raise ValueError("an actor check needs one of stance_in, stance_not_in or never")
            if bounds:
                raise ValueError("min and max count actors or a round's count, not one actor")
        elif self.actors is not None:
            if not self.actors:
                raise ValueError("actors: empty list")
            if not stances or self.never is not None:
                raise ValueError("an actors check needs stance_in or stance_not_in")
            if self.max is not None and self.max > len(self.actors) or (
                    self.min is not None and self.min > len(self.actors)):
                raise ValueError(f"min and max must be at most the {len(self.actors)} actors")
        else:
            if stances or self.never is not None:
                raise ValueError("a count check takes min and/or max, not stances")
            if not bounds:
                raise ValueError("a count check needs min and/or max")
        if self.never is not None and self.over != "round":
            raise ValueError("never already covers every round up to the target's")
        return self

    def describe(self) -> str:
        """The check in words, e.g. ``GB in deploy_after_ceasefire or deploy_now``."""
        def stances(names: list[str]) -> str:
            return " or ".join(names)

        when = " in every round so far" if self.over == "all" else ""
        if self.actor is not None:
            if self.never is not None:
                return f"{self.actor} never {self.never.replace('_', ' ')}"
            if self.stance_in:
                return f"{self.actor} is {stances(self.stance_in)}{when}"
            return f"{self.actor} is not {stances(self.stance_not_in or [])}{when}"
        if self.actors is not None:
            n = len(self.actors)
            lo = n if self.min is None and self.max is None else self.min
            how = ("all" if lo == n and self.max is None else
                   f"at least {lo}" if self.max is None else
                   f"at most {self.max}" if lo is None else f"{lo} to {self.max}")
            verb = (f"are {stances(self.stance_in)}" if self.stance_in
                    else f"are not {stances(self.stance_not_in or [])}")
            return f"{how} of {', '.join(self.actors)} {verb}{when}"
        bound = (f"= {self.min}" if self.min == self.max else
                 f">= {self.min}" if self.max is None else
                 f"<= {self.max}" if self.min is None else f"in [{self.min}, {self.max}]")
        return f"{self.count} {bound}{when}"


class Target(_Strict):
    id: Annotated[str, Field(min_length=1)]
    date: dt.date
    statement: Annotated[str, Field(min_length=1)]
    source: Annotated[str, Field(min_length=1)]
    check: Check
    note: str = ""


class RecordFile(_Strict):
    name: str
    description: str = ""
    targets: list[Target] = Field(min_length=1)


@dataclass(frozen=True)
class Record:
    path: Path
    name: str
    description: str
    targets: list[Target]

    def window(self, target: Target, train_until: dt.date = DEFAULT_TRAIN_UNTIL) -> str:
        """``train`` for a target dated up to ``train_until``, else ``test``."""
        return "train" if target.date <= train_until else "test"


def scenario_span(scenario: Scenario) -> tuple[dt.date, dt.date]:
    """Dates a target may carry: from 1 January of the first round's year (the starting
    point, round 0, is early that year) to the last round's date."""
    first, last = scenario.rounds[0].date, scenario.rounds[-1].date
    return dt.date(first.year, 1, 1), last


def load_record(path: str | Path, scenario: Scenario) -> Record:
    """Read and validate a record file against ``scenario`` (its actors and dates)."""
    path = Path(path)
    raw = read_toml(path)
    try:
        spec = RecordFile.model_validate(raw)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        loc, msg = _describe(errors[0])
        raise InputError(f"{path}: {_dotted(loc)}: {msg}{_which(raw, loc)}") from None
    seen: dict[str, int] = {}
    start, end = scenario_span(scenario)
    for k, t in enumerate(spec.targets):
        where = f"{path}: targets.{k}"
        if t.id in seen:
            raise InputError(f"{where}.id: {t.id!r} already used by targets.{seen[t.id]}")
        seen[t.id] = k
        if not start <= t.date <= end:
            raise InputError(f"{where}.date: {t.date} is outside the scenario ({start} to {end})"
                             f" ({t.id})")
        c = t.check
        for field, codes in (("actor", [c.actor] if c.actor else []),
                             ("actors", c.actors or [])):
            for code in codes:
                if code not in scenario.actors:
                    raise InputError(f"{where}.check.{field}: unknown actor {code!r} in the "
                                     f"scenario ({t.id})")
        if c.actors and len(set(c.actors)) != len(c.actors):
            raise InputError(f"{where}.check.actors: an actor is named twice ({t.id})")
    return Record(path=path, name=spec.name, description=spec.description,
                  targets=list(spec.targets))


def _which(raw: dict, loc: tuple) -> str:
    """`` (E08a)``: the id of the target an error is in, when there is one."""
    if len(loc) >= 2 and loc[0] == "targets" and isinstance(loc[1], int):
        targets = raw.get("targets")
        if isinstance(targets, list) and loc[1] < len(targets) and isinstance(
                targets[loc[1]], dict) and "id" in targets[loc[1]]:
            return f" ({targets[loc[1]]['id']})"
    return ""

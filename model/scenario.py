"""The scenario schema (pydantic): a scenario parsed from a mapping (files: inputs.scenario_file).

A scenario holds the issue dimensions, the contribution types, the actors (keyed by ISO
3166-1 alpha-2 code), the negotiation rounds with the shocks before each, and the model
parameters with their defaults. Every problem is reported as one line naming the file, the
key path and what is wrong (:func:`load_scenario`, :func:`scenario_errors`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Annotated, Any, Literal

import pycountry
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from model.errors import InputError

CONTRIBUTION_TYPES = ("ground", "air", "maritime", "training", "logistics", "monitoring")
Contribution = Literal["ground", "air", "maritime", "training", "logistics", "monitoring"]
Unit = Annotated[float, Field(ge=0.0, le=1.0)]
# Bounds on magnitudes that have no natural ceiling, so that sums and products of them stay
# finite: a scale point, a capability (KTAB's ceiling, ``smpread.cpp``), troops of a kind.
Point = Annotated[float, Field(ge=-1e6, le=1e6)]
Shift = Annotated[float, Field(ge=-2e6, le=2e6)]
Capability = Annotated[float, Field(ge=0.0, le=1e8)]
Personnel = Annotated[float, Field(ge=0.0, le=1e7)]


class Strict(BaseModel):
    """Unknown keys are errors; ``inf`` and ``nan`` (which TOML allows) are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Dimension(Strict):
    """An issue dimension and the meaning of points on its scale."""

    key: str
    label: str
    min: Point = 0.0
    max: Point = 100.0
    scale: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _range(self) -> Dimension:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must exceed min ({self.min})")
        return self


class ContributionType(Strict):
    """A kind of pledge, the dimension that gates it and the least position on it.

    ``dimension``: the key of the issue dimension whose position gates the pledge (default:
    the first dimension); ``gated``: the pledge waits for the conditions a state sets before
    it declares; ``in_ukraine``: the force stands in Ukraine (ground troops), which is what
    Russia's red line is about, and it is pledged only by a state that joins the presence
    part of the deal (stance ``deploy_now`` or ``deploy_after_ceasefire``).
    """

    label: str
    min_position: Point
    dimension: str | None = None
    gated: bool = True
    in_ukraine: bool = False


ConditionName = Literal["ceasefire", "us_backstop", "nato_consensus", "parliament",
                        "un_mandate", "min_committed"]
BEFORE_BY_DEFAULT = ("nato_consensus", "un_mandate", "min_committed")


class Conditions(Strict):
    """What an actor needs before its forces stand in Ukraine (scenario brief, col. 3).

    ``us_backstop`` is the least US position on the guarantee dimension, mapped onto 0..1
    over that dimension's declared scale. ``before`` names the conditions that must hold
    before the state even declares it would deploy (Germany: NATO consensus and a US
    guarantee); the others are *pending*: the state declares, and they follow (a
    parliamentary vote after the decision; the ceasefire itself). A ceasefire and a
    parliamentary mandate are always pending. Default ``before``: NATO consensus, a UN
    mandate and a minimum number of others committed.
    """

    ceasefire: bool = False
    us_backstop: Unit = 0.0
    nato_consensus: bool = False
    parliament: bool = False
    un_mandate: bool = False
    min_committed: Annotated[int, Field(ge=0, le=10_000)] = 0
    before: list[ConditionName] | None = None

    @model_validator(mode="after")
    def _before_is_not_pending_only(self) -> Conditions:
        for name in self.before or []:
            if name in ("ceasefire", "parliament"):
                raise ValueError(f"{name!r} is always pending; it cannot be a 'before' condition")
        return self

    def before_set(self) -> frozenset[str]:
        return frozenset(BEFORE_BY_DEFAULT if self.before is None else self.before)


RedLineKind = Literal["western_troops_in_ukraine", "own_ground_troops", "own_forces_abroad"]
PerDimension = Point | dict[str, Point]
ShiftPerDimension = Shift | dict[str, Shift]


class Actor(Strict):
    """A state: ``kind`` is ``state``, ``opposer`` (answers the coalition with threats) or
    ``host`` (the state the forces would deploy to).

    ``position`` is the actor's ideal point: one number (every dimension) or a table keyed
    by dimension (``{ presence = 5, guarantee = 25 }``); ``salience`` likewise.
    ``moved_by = "announcements"``: the actor's positions move only by its own dated
    announcements (shocks), not by the bargaining of the meetings it attends (the US: its
    stance is set in Washington, E07, S1, S2); it still counts in the others' bargaining.
    ``backstop`` is kept for old scenario files and has no effect."""

    name: str
    kind: Literal["state", "opposer", "host"] = "state"
    capability: Capability
    position: PerDimension
    salience: Unit | dict[str, Unit]
    moved_by: Literal["bargaining", "announcements"] = "bargaining"
    risk: Annotated[float, Field(ge=0.5, le=2.0)] | None = None
    nato: bool = False
    eu: bool = False
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    conditions: Conditions = Field(default_factory=Conditions)
    red_lines: list[RedLineKind] = Field(default_factory=list)
    capacity: dict[Contribution, Personnel] = Field(default_factory=dict)
    friends: list[str] = Field(default_factory=list)
    backstop: bool = False
    source: str

    def on(self, value: PerDimension | dict, keys: list[str]) -> list[float]:
        if isinstance(value, dict):
            return [float(value[k]) for k in keys]
        return [float(value)] * len(keys)

    def ideal(self, keys: list[str]) -> list[float]:
        """The ideal point, one value per dimension key."""
        return self.on(self.position, keys)

    def saliences(self, keys: list[str]) -> list[float]:
        return self.on(self.salience, keys)


ShockKind = Literal[
    "us_backstop", "ceasefire", "russian_threat", "government_change", "un_mandate",
    "announcement", "news",
]


class Shock(Strict):
    """An exogenous change before a round.

    - ``us_backstop``: the US backstop level moves by ``change`` (clipped to [0, 1]), or is
      set to ``value``. Write announcements as a ``change``, so that the ``us_backstop``
      parameter (the starting level: a lever, a sweep) keeps acting in every round;
    - ``ceasefire``: a ceasefire is in force (``value`` 1) or breaks down (0);
    - ``russian_threat``: a threat adds ``value`` to Russia's threat level;
    - ``government_change``, ``announcement`` (a government's dated change of its own
      stance, e.g. the US's), ``news`` (a contact between governments reported in the
      press): ``actor``'s ideal (and stated position) moves by ``shift`` points (or to
      ``position``), one number for the first dimension or a table by dimension, and/or it
      gets a new ``salience``;
    - ``un_mandate``: a UN Security Council mandate exists (1) or not (0).

    ``date``: when it happened; it must lie after the previous round and not after its own.
    ``range``: the plausible range of a size the modeller chose (``source`` says so).
    """

    kind: ShockKind
    date: dt.date | None = None
    value: Annotated[float, Field(ge=-1.0, le=1.0)] | None = None
    change: Annotated[float, Field(ge=-1.0, le=1.0)] | None = None
    actor: str | None = None
    position: PerDimension | None = None
    shift: ShiftPerDimension | None = None
    salience: Unit | dict[str, Unit] | None = None
    range: tuple[float, float] | None = None
    note: str
    source: str

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Shock:
        if self.kind in ("government_change", "announcement", "news"):
            if self.actor is None or (
                self.position is None and self.shift is None and self.salience is None
            ):
                raise ValueError(f"a {self.kind} needs actor and shift, position or salience")
            if self.position is not None and self.shift is not None:
                raise ValueError(f"give a {self.kind} a shift or a position, not both")
        elif self.kind == "us_backstop":
            if (self.value is None) == (self.change is None):
                raise ValueError("a us_backstop shock needs a value or a change, not both")
            return self
        elif self.value is None:
            raise ValueError(f"a {self.kind} shock needs a value")
        if self.change is not None:
            raise ValueError(f"a {self.kind} shock takes a value, not a change")
        if self.kind in ("us_backstop", "ceasefire", "un_mandate") and not 0 <= self.value <= 1:
            raise ValueError(f"a {self.kind} value must lie in [0, 1], got {self.value}")
        return self


class Round(Strict):
    """A meeting (a summit): where states state positions and pledges.

    ``attendees_source`` says who reported who attended."""

    name: str
    date: dt.date
    venue: str
    attendees: list[str] | Literal["all"] = "all"
    absent: list[str] = Field(default_factory=list)
    attendees_source: str = ""
    shocks: list[Shock] = Field(default_factory=list)
    source: str


MechanismName = Literal["eum", "compromise", "hk", "deffuant", "smp"]
OneDimensional = Literal["eum", "compromise", "hk", "deffuant"]


class Parameters(Strict):
    """Model parameters; every one can be overridden (``--set``, sweeps, the live view).

    ``mechanism``: the bargaining mechanism of a meeting; a one-dimensional one runs on each
    dimension separately, ``smp`` (KTAB's Spatial Model of Politics) on all at once;
    ``mechanism_<dimension key>`` picks a one-dimensional mechanism for one dimension.
    ``us_backstop``: a what-if that fixes the US position on the guarantee dimension for the
    whole run (0..1 onto its declared scale), overriding the US announcements; None (the
    default) leaves the US to its sourced position and announcements.
    """

    mechanism: MechanismName = "eum"
    mechanism_presence: OneDimensional | None = None
    mechanism_guarantee: OneDimensional | None = None
    turns_per_meeting: Annotated[int, Field(ge=1, le=50)] = 2
    accommodation: Unit = 0.0
    freeze_positions: bool = False
    max_move: Annotated[float, Field(ge=0.0, le=100.0)] = 10.0
    deploy_now_threshold: Annotated[float, Field(ge=0.0, le=100.0)] = 90.0
    burden_shift: Annotated[float, Field(ge=0.0, le=200.0)] = 0.0
    russia_troop_scale: Annotated[float, Field(ge=1.0, le=1e7)] = 20_000.0
    russia_state_scale: Annotated[float, Field(ge=0.1, le=1000.0)] = 20.0
    russia_presence_offset: Annotated[float, Field(ge=0.0, le=100.0)] = 40.0
    russia_presence_span: Annotated[float, Field(ge=0.1, le=1000.0)] = 60.0
    us_backstop: Unit | None = None
    russia_threat_credibility: Unit = 0.5
    bandwagon: Annotated[float, Field(ge=0.0, le=100.0)] = 15.0
    friend_weight: Unit = 0.5
    threat_sensitivity: Annotated[float, Field(ge=0.0, le=100.0)] = 20.0
    russia_escalation: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0
    threat_decay: Unit = 0.3
    threshold_noise: Annotated[float, Field(ge=0.0, le=50.0)] = 5.0
    pledge_ramp: Annotated[float, Field(gt=0.0, le=100.0)] = 30.0
    nato_consensus_share: Unit = 0.75
    ceasefire_round: Annotated[int, Field(ge=0, le=10_000)] | None = None
    # The ceasefire phase after the deal (model/ceasefire/); used when the scenario has one.
    ceasefire_phase: bool = True
    ceasefire_horizon_days: Annotated[int, Field(ge=1, le=3650)] = 90
    violation_propensity: Annotated[float, Field(ge=0.0, le=10.0)] = 0.03
    force_readiness: Unit = 0.7
    ceasefire_us_backstop: Unit | None = None
    ceasefire_ground_contributors: Annotated[int, Field(ge=0, le=10_000)] | None = None


RungKind = Literal["diplomatic", "host", "forces", "backstop"]


class Rung(Strict):
    """One rung of the graduated response to a ceasefire violation (model/ceasefire/).

    ``kind`` says what the rung's strength depends on: ``diplomatic`` (``effect`` as is),
    ``host`` (the host's own forces: ``effect`` x readiness), ``forces`` (``effect`` x
    readiness x the share of ``force_scale`` that ``actors`` and ``groups`` have pledged in
    ``forces``), ``backstop`` (``effect`` x readiness x the US backstop level).
    ``delay_h``: hours after the initial violation at which the rung acts.
    """

    name: str
    kind: RungKind
    actors: list[str] = Field(default_factory=list)
    groups: list[Literal["eu", "nato"]] = Field(default_factory=list)
    delay_h: Annotated[float, Field(ge=0.0, le=87600.0)]
    effect: Annotated[float, Field(ge=0.0, le=10.0)]
    forces: list[Contribution] = Field(default_factory=lambda: ["ground", "air", "maritime"])
    min_severity: Unit = 0.0
    source: str


class CeasefireSpec(Strict):
    """The ceasefire phase after the deal: the ladder, and what the violator weighs.

    ``pledges`` (code -> type -> personnel) lets the phase start on its own, without the
    negotiation rounds; ``threat`` is then the violator's hostility level (0-1).
    """

    violator: str | None = None
    # at least an hour and at most a year: a decision every 1e-9 h would never reach the horizon
    decision_hours: Annotated[float, Field(ge=1.0, le=8760.0)] = 24.0
    tick_hours: Annotated[float, Field(ge=0.1, le=8760.0)] = 6.0
    severities: list[Annotated[float, Field(gt=0.0, le=1.0)]] = Field(
        default_factory=lambda: [0.25, 0.5, 0.75, 1.0], min_length=1)
    force_scale: Annotated[float, Field(ge=1.0, le=1e7)] = 20_000.0
    collapse_gain_days: Annotated[float, Field(ge=0.0, le=3650.0)] = 14.0
    ladder: list[Rung] = Field(min_length=1)
    pledges: dict[str, dict[Contribution, Personnel]] | None = None
    threat: Unit | None = None
    source: str = ""

    @model_validator(mode="after")
    def _ladder_order(self) -> CeasefireSpec:
        delays = [r.delay_h for r in self.ladder]
        if delays != sorted(delays):
            raise ValueError("ladder rungs must be in order of delay_h")
        names = [r.name for r in self.ladder]
        if len(set(names)) != len(names):
            raise ValueError("ladder rung names must be unique")
        if self.collapse_gain_days * 24 < delays[-1]:
            raise ValueError(f"collapse_gain_days ({self.collapse_gain_days}) must cover the "
                             f"last rung's delay ({delays[-1]} h)")
        return self


def _split_ranges(raw: Any) -> Any:
    """``[parameters]`` entries written ``{ value = …, range = [lo, hi], source = … }``:
    the value stays in ``parameters``, the range and source go to their own tables."""
    if not isinstance(raw, dict) or not isinstance(raw.get("parameters"), dict):
        return raw
    params = dict(raw["parameters"])
    ranges = dict(raw.get("parameter_ranges") or {})
    sources = dict(raw.get("parameter_sources") or {})
    for key, entry in raw["parameters"].items():
        if not isinstance(entry, dict):
            continue
        extra = set(entry) - {"value", "range", "source"}
        if "value" not in entry or extra:
            what = f"unknown key {sorted(extra)[0]!r}" if extra else "missing 'value'"
            raise _Located(("parameters", key), f"a ranged parameter needs value, range, "
                           f"source: {what}")
        params[key] = entry["value"]
        if "range" in entry:
            rng = entry["range"]
            if (not isinstance(rng, list) or len(rng) != 2
                    or not all(isinstance(v, int | float) and not isinstance(v, bool)
                               for v in rng) or rng[0] > rng[1]):
                raise _Located(("parameters", key, "range"), f"must be [lo, hi] with lo <= hi, "
                               f"got {rng!r}")
            value = entry["value"]
            if isinstance(value, int | float) and not rng[0] <= value <= rng[1]:
                raise _Located(("parameters", key, "value"),
                               f"{value} is outside its range [{rng[0]}, {rng[1]}]")
            ranges[key] = (float(rng[0]), float(rng[1]))
        if "source" in entry:
            sources[key] = str(entry["source"])
    return {**raw, "parameters": params, "parameter_ranges": ranges,
            "parameter_sources": sources}


class Scenario(Strict):
    """A scenario. ``parameters`` holds the resolved values; ``parameter_ranges`` and
    ``parameter_sources`` what the file says of the ranged ones (``source = "modeller"``:
    no empirical source, a plausible range to sweep or calibrate)."""

    name: str
    description: str = ""
    dimensions: list[Dimension] = Field(min_length=1)
    contribution_types: dict[Contribution, ContributionType]
    parameters: Parameters = Field(default_factory=Parameters)
    parameter_ranges: dict[str, tuple[float, float]] = Field(default_factory=dict)
    parameter_sources: dict[str, str] = Field(default_factory=dict)
    actors: dict[str, Actor] = Field(min_length=2)
    rounds: list[Round] = Field(min_length=1)
    ceasefire: CeasefireSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _ranged_parameters(cls, raw: Any) -> Any:
        return _split_ranges(raw)

    @property
    def dimension_keys(self) -> list[str]:
        return [d.key for d in self.dimensions]

    @model_validator(mode="after")
    def _ceasefire_references(self) -> Scenario:
        spec = self.ceasefire
        if spec is None:
            return self
        if spec.violator is not None and spec.violator not in self.actors:
            raise _Located(("ceasefire", "violator"), f"unknown actor code {spec.violator!r}")
        if spec.violator is None and self.opposer is None:
            raise _Located(("ceasefire", "violator"), "no opposer in the scenario: name one")
        for k, rung in enumerate(spec.ladder):
            for code in rung.actors:
                if code not in self.actors:
                    raise _Located(("ceasefire", "ladder", k, "actors"),
                                   f"unknown actor code {code!r}")
        for code in spec.pledges or {}:
            if code not in self.actors:
                raise _Located(("ceasefire", "pledges", code), f"unknown actor code {code!r}")
        return self

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        keys = self.dimension_keys
        if len(set(keys)) != len(keys):
            raise _Located(("dimensions",), "dimension keys must be unique")
        for name, ctype in self.contribution_types.items():
            if ctype.dimension is not None and ctype.dimension not in keys:
                raise _Located(("contribution_types", name, "dimension"),
                               f"unknown dimension {ctype.dimension!r}")
        for key in self.parameter_ranges:
            if key not in Parameters.model_fields:
                raise _Located(("parameters", key), "unknown key")
        for code, actor in self.actors.items():
            for field in ("position", "salience"):
                value = getattr(actor, field)
                if isinstance(value, dict) and set(value) != set(keys):
                    raise _Located(("actors", code, field),
                                   f"give one value per dimension ({', '.join(keys)})")
            for dim, value in zip(self.dimensions, actor.ideal(keys), strict=True):
                if not (dim.min <= value <= dim.max):
                    loc = ("actors", code, "position") + (
                        (dim.key,) if isinstance(actor.position, dict) else ())
                    raise _Located(loc, f"{value} is outside the scale [{dim.min}, {dim.max}]")
            for friend in actor.friends:
                if friend not in self.actors:
                    raise _Located(("actors", code, "friends"), f"unknown actor code {friend!r}")
        self._weights(keys)
        dates = [r.date for r in self.rounds]
        if dates != sorted(dates):
            raise _Located(("rounds",), "rounds must be in date order")
        opposers = [c for c, a in self.actors.items() if a.kind == "opposer"]
        if len(opposers) > 1:
            raise _Located(("actors",), f"at most one opposer, found {', '.join(opposers)}")
        for k, rnd in enumerate(self.rounds):
            if rnd.attendees != "all":
                for code in rnd.attendees:
                    if code not in self.actors:
                        raise _Located(("rounds", k, "attendees"), f"unknown actor code {code!r}")
            for code in rnd.absent:
                if code not in self.actors:
                    raise _Located(("rounds", k, "absent"), f"unknown actor code {code!r}")
            for m, shock in enumerate(rnd.shocks):
                if shock.actor is not None and shock.actor not in self.actors:
                    raise _Located(("rounds", k, "shocks", m, "actor"),
                                   f"unknown actor code {shock.actor!r}")
                for field in ("position", "shift", "salience"):
                    value = getattr(shock, field)
                    if isinstance(value, dict) and not set(value) <= set(keys):
                        raise _Located(("rounds", k, "shocks", m, field),
                                       f"unknown dimension in {sorted(value)}")
                if shock.date is not None:
                    previous = self.rounds[k - 1].date if k else None
                    if shock.date > rnd.date or (previous is not None
                                                 and shock.date <= previous):
                        after = f"after {previous} and " if previous else ""
                        raise _Located(("rounds", k, "shocks", m, "date"),
                                       f"{shock.date} must lie {after}not after the round's "
                                       f"date {rnd.date}")
        return self

    def _weights(self, keys: list[str]) -> None:
        """Every meeting's deal is the capability x salience weighted mean of the attendees'
        positions (Bueno de Mesquita 1994): on every dimension some actor must carry weight,
        in the scenario and at every round."""
        if all(a.capability == 0 for a in self.actors.values()):
            raise _Located(("actors",), "every capability is 0: no actor carries weight")
        for k, key in enumerate(keys):
            if all(a.saliences(keys)[k] == 0 for a in self.actors.values()):
                raise _Located(("actors",), f"every salience on dimension {key!r} is 0")
        for r, rnd in enumerate(self.rounds):
            codes = (list(self.actors) if rnd.attendees == "all" else rnd.attendees)
            codes = [c for c in codes if c in self.actors and c not in rnd.absent]
            for k, key in enumerate(keys):
                if len(codes) and all(self.actors[c].capability
                                      * self.actors[c].saliences(keys)[k] == 0 for c in codes):
                    raise _Located(("rounds", r, "attendees"),
                                   f"no attendee has both capability and salience on "
                                   f"dimension {key!r}")

    @property
    def opposer(self) -> str | None:
        return next((c for c, a in self.actors.items() if a.kind == "opposer"), None)


class _Located(ValueError):
    """A cross-field error that knows its key path."""

    def __init__(self, loc: tuple, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def _code_errors(raw: dict[str, Any]) -> list[tuple[tuple, str]]:
    errors = []
    actors = raw.get("actors")
    if isinstance(actors, dict):
        for code in actors:
            if pycountry.countries.get(alpha_2=code) is None and code != "EU":
                errors.append((("actors", code), f"{code!r} is not an ISO 3166-1 alpha-2 code"))
    return errors


def _dotted(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) if loc else "(top level)"


_UNION_TAG = re.compile(r"^(constrained-)?(float|int|str|bool|dict|list|tuple|literal|"
                        r"function-[a-z-]+|lax-or-strict|json-or-python|tagged-union|"
                        r"is-instance)(\[.*\])?$", re.IGNORECASE)


def _deepest(errors: list[dict[str, Any]]) -> list[tuple[tuple, str]]:
    """The errors described, without those of a union's branch that failed higher up than
    another branch (a table given where a number may stand: report inside the table)."""
    described = [_describe(err) for err in errors]
    return [(loc, msg) for loc, msg in described
            if not any(len(other) > len(loc) and other[:len(loc)] == loc
                       for other, _ in described)]


def _describe(err: dict[str, Any]) -> tuple[tuple, str]:
    # pydantic names the branch of a union it tried (``constrained-float``): not a key
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and _UNION_TAG.match(p)))
    kind = err["type"]
    if kind == "extra_forbidden":
        return loc, "unknown key"
    if kind == "missing":
        return loc, "missing required key"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if "input" in err and kind not in ("missing",) and not isinstance(err["input"], dict | list):
        msg = f"{msg} (got {err['input']!r})"
    return loc, msg


def _closest(name: str, node: Any, above: list[str]) -> str:
    """``; did you mean a, b?`` from the keys beside ``name`` (difflib), or ``''``."""
    if not isinstance(node, dict):
        return f" ({'.'.join(above)} is a value, not a table)" if above else ""
    keys = [str(k) for k in node]
    close = difflib.get_close_matches(name, keys, n=3, cutoff=0.6)
    if not close:
        close = [k for k in keys if name.lower() in k.lower()][:3]
    if close:
        return f"; did you mean {', '.join(close)}?"
    return f"; one of {', '.join(keys[:8])}{', ...' if len(keys) > 8 else ''}" if keys else ""


def with_overrides(
    scenario: Scenario, overrides: dict[str, Any], *, origin: str = "--set"
) -> Scenario:
    """A copy of ``scenario`` with dotted keys replaced: ``us_backstop`` (a parameter),
    ``parameters.us_backstop``, ``actors.DE.salience``, ``actors.DE.conditions.ceasefire``.

    Unknown keys and invalid values raise a one-line InputError naming ``origin`` and the key.
    """
    if not overrides:
        return scenario
    raw = scenario.model_dump(mode="python")
    for key, value in overrides.items():
        parts = key.split(".")
        if len(parts) == 1:
            parts = ["parameters", *parts]
        node: Any = raw
        for depth, part in enumerate(parts):
            if not isinstance(node, dict) or part not in node:
                where = ".".join(parts[: depth + 1])
                shown = where.removeprefix("parameters.") if len(key.split(".")) == 1 \
                    else where
                raise InputError(f"{origin}: {key}: unknown key {shown!r}"
                                 f"{_closest(part, node, parts[:depth])}")
            if depth == len(parts) - 1:
                node[part] = value
            else:
                node = node[part]
    try:
        return Scenario.model_validate(raw)
    except _Located as exc:
        raise InputError(f"{origin}: {_dotted(exc.loc)}: {exc.message}") from None
    except ValidationError as exc:
        loc, msg = _deepest(exc.errors())[0]
        raise InputError(f"{origin}: {_dotted(loc)}: {msg}") from None


def ceasefire_errors(raw: Any) -> tuple[CeasefireSpec | None, list[str]]:
    """Validate a ``[ceasefire]`` mapping (a ladder variant): the spec, or
    ``ceasefire.key.path: message`` lines."""
    try:
        return CeasefireSpec.model_validate(raw), []
    except ValidationError as exc:
        return None, [f"{_dotted(('ceasefire', *loc))}: {msg}"
                      for loc, msg in _deepest(exc.errors())]


def scenario_errors(raw: dict[str, Any]) -> tuple[Scenario | None, list[str]]:
    """Validate a parsed TOML mapping; return the scenario or ``key.path: message`` lines."""
    problems = _code_errors(raw)
    scenario = None
    try:
        scenario = Scenario.model_validate(raw)
    except _Located as exc:
        problems.append((exc.loc, exc.message))
    except ValidationError as exc:
        plain = []
        for err in exc.errors():
            ctx_error = err.get("ctx", {}).get("error")
            if isinstance(ctx_error, _Located):
                problems.append((ctx_error.loc, ctx_error.message))
            else:
                plain.append(err)
        problems.extend(_deepest(plain))
    lines = [f"{_dotted(loc)}: {msg}" for loc, msg in problems]
    return (scenario if not lines else None), lines

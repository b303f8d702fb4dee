"""A scenario as the ODD protocol's *Initialisation* and *Input data* tables, in Markdown.

The ODD protocol (Overview, Design concepts, Details; Grimm et al. 2006, Ecological
Modelling 198:115; updated Grimm et al. 2020, JASSS 23(2):7) asks a model description to
say how the model is initialised (element 6: the state variables' initial values and where
they come from) and which input data drive it over time (element 7). For this model that is
the scenario: the actors with their ideal positions and saliences on each issue dimension,
their conditions, red lines and sources (initialisation), the parameters with value, range
and source, and the meetings with their dated shocks (input data). docs/model.md describes
the rest of the protocol.

A pure function of a :class:`~model.scenario.Scenario`: ``negotiate describe`` prints it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from model.scenario import Conditions, Parameters, Scenario

_DEFAULT_CONDITIONS = Conditions()


def _md(text: Any) -> str:
    """A Markdown table cell: pipes escaped, line breaks folded."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _num(x: float) -> str:
    return f"{x:g}"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return out


def conditions_text(conditions: Conditions) -> str:
    """The conditions an actor sets, in words (``ceasefire; US guarantee >= 0.5; …``);
    ``before:`` lists those that must hold before it even declares."""
    parts = []
    if conditions.ceasefire:
        parts.append("ceasefire")
    if conditions.us_backstop > 0:
        parts.append(f"US guarantee >= {_num(conditions.us_backstop)}")
    if conditions.nato_consensus:
        parts.append("NATO consensus")
    if conditions.parliament:
        parts.append("parliamentary mandate")
    if conditions.un_mandate:
        parts.append("UN mandate")
    if conditions.min_committed:
        parts.append(f"{conditions.min_committed} others committed")
    if conditions.before is not None and parts:
        parts.append("before declaring: " + (", ".join(conditions.before) or "none"))
    return "; ".join(parts) or "none"


def actor_rows(scenario: Scenario) -> list[list[str]]:
    """One row per actor: code, name, kind, capability, position and salience on each
    dimension, how it moves, conditions, red lines, source."""
    keys = scenario.dimension_keys
    rows = []
    for code, a in scenario.actors.items():
        rows.append([code, a.name, a.kind, _num(a.capability),
                     *(_num(v) for v in a.ideal(keys)), *(_num(v) for v in a.saliences(keys)),
                     a.moved_by, conditions_text(a.conditions),
                     ", ".join(a.red_lines) or "none", a.source])
    return rows


def parameter_rows(scenario: Scenario) -> list[list[str]]:
    """One row per model parameter: name, value, range (ranged ones), source (the file's
    for a ranged one; else whether the file sets it or the model's default holds)."""
    rows = []
    values = scenario.parameters.model_dump()
    given = scenario.parameters.model_fields_set
    for name in Parameters.model_fields:
        value = values[name]
        rng = scenario.parameter_ranges.get(name)
        shown = "none" if value is None else (_num(value) if isinstance(value, float)
                                              else str(value))
        rows.append([name, shown,
                     f"[{_num(rng[0])}, {_num(rng[1])}]" if rng else "",
                     scenario.parameter_sources.get(name) or (
                         "set in the scenario file" if name in given else "model default")])
    return rows


def odd_tables(scenario: Scenario, *, source: str = "") -> str:
    """The scenario as Markdown: ODD element 6 (initialisation: dimensions, contribution
    types, actors) and element 7 (input data: parameters, meetings and their shocks, the
    ceasefire ladder). ``source`` names the file in the heading."""
    keys = scenario.dimension_keys
    out = [f"# {scenario.name}", ""]
    if source:
        out += [f"Scenario file: `{source}`", ""]
    if scenario.description:
        out += [_md(scenario.description), ""]
    out += ["## Initialisation (ODD element 6)", "",
            "### Issue dimensions", ""]
    out += _table(["key", "label", "scale", "points on the scale"],
                  [[d.key, d.label, f"{_num(d.min)} to {_num(d.max)}",
                    "; ".join(f"{k}: {v}" for k, v in d.scale.items())]
                   for d in scenario.dimensions])
    out += ["", "### Contribution types", ""]
    out += _table(["type", "label", "least position", "dimension", "in Ukraine", "gated"],
                  [[k, c.label, _num(c.min_position), c.dimension or keys[0],
                    "yes" if c.in_ukraine else "no", "yes" if c.gated else "no"]
                   for k, c in scenario.contribution_types.items()])
    out += ["", f"### Actors ({len(scenario.actors)})", "",
            "Positions are ideal points on each dimension's scale; saliences on 0..1.", ""]
    header = ["code", "name", "kind", "capability", *(f"position {k}" for k in keys),
              *(f"salience {k}" for k in keys), "moved by", "conditions", "red lines",
              "source"]
    out += _table(header, actor_rows(scenario))
    out += ["", "## Input data (ODD element 7)", "",
            "### Parameters", "",
            "A range is what a sweep or the calibration may explore; `modeller` in the "
            "source: no empirical source, the modeller's plausible value.", ""]
    out += _table(["parameter", "value", "range", "source"], parameter_rows(scenario))
    out += ["", f"### Meetings ({len(scenario.rounds)} rounds)", ""]
    out += _table(["round", "date", "name", "venue", "attendees", "shocks before it", "source"],
                  [[k, r.date.isoformat(), r.name, r.venue,
                    "all" if r.attendees == "all" else ", ".join(r.attendees),
                    len(r.shocks), r.source] for k, r in enumerate(scenario.rounds, start=1)])
    shocks = [[k, s.date.isoformat() if s.date else r.date.isoformat(), s.kind, s.actor or "",
               s.note, s.source]
              for k, r in enumerate(scenario.rounds, start=1) for s in r.shocks]
    if shocks:
        out += ["", "### Shocks (dated events before each meeting)", ""]
        out += _table(["round", "date", "kind", "actor", "what", "source"], shocks)
    if scenario.ceasefire is not None:
        spec = scenario.ceasefire
        out += ["", "### The ceasefire ladder", ""]
        out += _table(["rung", "name", "kind", "actors", "delay (h)", "effect", "source"],
                      [[k, r.name, r.kind, ", ".join(r.actors + r.groups), _num(r.delay_h),
                        _num(r.effect), r.source] for k, r in enumerate(spec.ladder, start=1)])
    return "\n".join(out) + "\n"

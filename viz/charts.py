"""Charts over the rounds (Vega-Lite specs written with Altair, drawn in the browser).

- coalition size: contributors, and states pledging ground troops;
- personnel pledged, stacked by contribution type;
- each state's position, one line per state coloured by its bloc now; a state can be
  highlighted (menu above the chart, or hover a line).

What-if shocks injected from the sidebar are marked with a dashed rule between rounds.

Speed: building and validating an Altair chart costs tens of milliseconds, too slow to
redo on every step. Each chart's spec is built once (it refers to *named* data sets) and
every step only fills in the data (:func:`with_data`), which takes well under a millisecond.
The widget is Solara's, redrawing 10 ms rather than 100 ms after a change (:mod:`viz.vega`).
"""

from __future__ import annotations

import copy
from functools import lru_cache

import altair as alt
import pandas as pd
import solara

from viz.style import BLOC_COLOURS, BLOC_LABELS, STANCE_COLOURS, TYPE_COLOURS, TYPE_ORDER
from viz.vega import QuickVegaLite

HEIGHT = 190
COALITION_SERIES = {"deploy_now": "troops in Ukraine now",
                    "willing_troops": "troops now or after a ceasefire",
                    "outside_only": "help from outside only"}


def _round_axis(total_rounds: int) -> alt.X:
    return alt.X("round:Q", title="round",
                 scale=alt.Scale(domain=[0, max(total_rounds, 1)], nice=False),
                 axis=alt.Axis(tickMinStep=1, format="d"))


def _whatif_rules() -> alt.Chart:
    return alt.Chart(alt.NamedData("whatif")).mark_rule(
        strokeDash=[4, 3], color="#b71c1c", strokeWidth=2).encode(
        x="round:Q", tooltip=[alt.Tooltip("label:N", title="what-if")])


@lru_cache(maxsize=32)
def coalition_spec(total_rounds: int) -> dict:
    """States per stance per round: troops now, willing troops (now or after a ceasefire),
    help from outside only (data set ``coalition``)."""
    lines = alt.Chart(alt.NamedData("coalition")).mark_line(point=True).encode(
        x=_round_axis(total_rounds),
        y=alt.Y("states:Q", title="states", scale=alt.Scale(domainMin=0)),
        color=alt.Color("measure:N", title=None,
                        scale=alt.Scale(domain=list(COALITION_SERIES.values()),
                                        range=[STANCE_COLOURS["deploy_now"],
                                               STANCE_COLOURS["deploy_after_ceasefire"],
                                               STANCE_COLOURS["outside_only"]]),
                        legend=alt.Legend(orient="top")),
        tooltip=["round:Q", "venue:N", "date:N", "measure:N", "states:Q"],
    )
    chart = alt.layer(lines, _whatif_rules()).properties(
        width="container", height=HEIGHT, title="Coalition size")
    return chart.to_dict()


@lru_cache(maxsize=32)
def pledges_spec(total_rounds: int) -> dict:
    """Personnel pledged per round, stacked by contribution type (data set ``pledges``)."""
    area = alt.Chart(alt.NamedData("pledges")).mark_area(opacity=0.85).encode(
        x=_round_axis(total_rounds),
        y=alt.Y("personnel:Q", title="personnel pledged", stack="zero"),
        color=alt.Color("type:N", title=None,
                        scale=alt.Scale(domain=list(TYPE_ORDER),
                                        range=[TYPE_COLOURS[t] for t in TYPE_ORDER]),
                        legend=alt.Legend(orient="top", columns=3)),
        order=alt.Order("order:Q"),
        tooltip=["round:Q", "type:N", alt.Tooltip("personnel:Q", format=",.0f")],
    )
    chart = alt.layer(area, _whatif_rules()).properties(
        width="container", height=HEIGHT, title="Personnel pledged, by type")
    return chart.to_dict()


@lru_cache(maxsize=32)
def positions_spec(total_rounds: int) -> dict:
    """A line per state (data set ``positions``; ``hl`` marks the highlighted state)."""
    blocs = list(BLOC_LABELS)
    hover = alt.selection_point(fields=["actor"], on="mouseover", empty=False, name="hover")
    is_on = hover | (alt.datum.hl == 1)
    base = alt.Chart(alt.NamedData("positions")).encode(
        x=_round_axis(total_rounds),
        y=alt.Y("position:Q", title="position (0 none … 100 combat troops now)",
                scale=alt.Scale(domain=[0, 100])),
        detail="actor:N",
        color=alt.Color("bloc:N", title="bloc now",
                        scale=alt.Scale(domain=[BLOC_LABELS[b] for b in blocs],
                                        range=[BLOC_COLOURS[b] for b in blocs]),
                        legend=alt.Legend(orient="top", columns=3)),
        tooltip=["state:N", "round:Q", alt.Tooltip("position:Q", format=".1f"),
                 alt.Tooltip("bloc:N", title="bloc now")],
    )
    # hover a line to pick out its state (no Voronoi layer: it doubles the drawing time)
    lines = base.mark_line(point=False).encode(
        strokeWidth=alt.condition(is_on, alt.value(4), alt.value(1.6)),
        opacity=alt.condition(is_on, alt.value(1.0), alt.value(0.5)),
    ).add_params(hover)
    label = base.mark_text(align="left", dx=6, fontWeight="bold").encode(
        text="state:N").transform_filter("datum.hl == 1 && datum.last == 1")
    chart = alt.layer(lines, label, _whatif_rules()).properties(
        width="container", height=260, title="Each state's position")
    return chart.to_dict()


def with_data(spec: dict, **datasets: list[dict]) -> dict:
    """A copy of ``spec`` with its named data sets filled in."""
    out = copy.copy(spec)
    out["datasets"] = {**spec.get("datasets", {}), **datasets}
    return out


def whatif_records(model) -> list[dict]:
    """What-if shocks, drawn between round r (when injected) and r + 1."""
    rounds: dict[float, list[str]] = {}
    for e in model.events:
        if e.text.startswith("What-if"):
            rounds.setdefault(e.round + 0.5, []).append(e.text.removeprefix("What-if: "))
    return [{"round": r, "label": "; ".join(t)} for r, t in sorted(rounds.items())]


def coalition_records(rounds: pd.DataFrame) -> list[dict]:
    out = []
    for row in rounds[["round", "venue", "date", *COALITION_SERIES]].itertuples(index=False):
        for key, label in COALITION_SERIES.items():
            out.append({"round": int(row.round), "venue": row.venue, "date": row.date,
                        "measure": label, "states": int(getattr(row, key))})
    return out


def pledges_records(actors: pd.DataFrame) -> list[dict]:
    cols = [f"pledge_{t}" for t in TYPE_ORDER]
    sums = actors.groupby("round")[cols].sum()
    return [{"round": int(r), "type": t, "order": i, "personnel": float(sums.at[r, f"pledge_{t}"])}
            for r in sums.index for i, t in enumerate(TYPE_ORDER)]


def positions_records(actors: pd.DataFrame, names: dict[str, str], blocs_now: dict[str, str],
                      highlight: str | None = None) -> list[dict]:
    last = int(actors["round"].max()) if len(actors) else 0
    return [{"round": int(r), "actor": a, "state": names.get(a, a),
             "position": round(float(p), 2), "bloc": BLOC_LABELS.get(blocs_now.get(a, ""), ""),
             "hl": int(a == highlight), "last": int(r == last)}
            for r, a, p in actors[["round", "actor", "position"]].itertuples(index=False)]


def _vega(spec: dict, cls: str):
    with solara.Div(classes=[cls]):
        QuickVegaLite.element(spec=spec)


@solara.component
def RoundCharts(model, tables):
    """Coalition size and personnel pledged, one above the other in one card."""
    whatif = whatif_records(model)
    with solara.Card("Over the rounds", classes=["viz-charts"], margin=0):
        _vega(with_data(coalition_spec(model.total_rounds),
                        coalition=coalition_records(tables.rounds), whatif=whatif),
              "viz-chart-coalition")
        _vega(with_data(pledges_spec(model.total_rounds),
                        pledges=pledges_records(tables.actors), whatif=whatif),
              "viz-chart-pledges")


@solara.component
def PositionsChart(model, tables):
    """Positions of every state, with a menu to highlight one."""
    highlight, set_highlight = solara.use_state("(none)")
    names = {a.code: a.name for a in model.states.values()}
    choices = ["(none)", *sorted(names.values())]
    code = next((c for c, n in names.items() if n == highlight), None)
    blocs_now = {a.code: a.bloc for a in model.states.values()}
    with solara.Card("Positions", classes=["viz-positions"], margin=0):
        solara.Select("Highlight a state", value=highlight if highlight in choices else "(none)",
                      values=choices, on_value=set_highlight, dense=True,
                      style="max-width: 260px")
        _vega(with_data(positions_spec(model.total_rounds),
                        positions=positions_records(tables.actors, names, blocs_now, code),
                        whatif=whatif_records(model)),
              "viz-chart-positions")

"""Live view of the negotiation: ``negotiate viz`` or ``solara run viz/app.py``.

Built on Mesa's ``SolaraViz`` (app bar, Step / Play-Pause / Reset, the Model Parameters
controls, which re-create the model on Reset) with our own components in the main area:
the round header, the coalition map, the charts, the event log and the coalition table,
and a what-if panel in the sidebar. The components are laid out here rather than in Mesa's
draggable grid, whose fixed cells (half the width, 390 px high) cut the map and the table.

One model per browser tab: the model is created inside :func:`Page` (``use_memo``), never
at module level, where every tab would share (and step) the same model.
"""

from __future__ import annotations

import warnings

import solara

# Mesa 3.3's ComponentsView returns early when it has no components (ours are laid out
# below): harmless, but Solara's hook check warns about it when Mesa's module is imported.
warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite")

from mesa.visualization import SolaraViz  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from model.tables import tables_of  # noqa: E402
from viz.charts import PositionsChart, RoundCharts  # noqa: E402
from viz.coalition_map import CoalitionMap  # noqa: E402
from viz.coalition_table import CoalitionTable  # noqa: E402
from viz.controls import RoundHeader, WhatIfPanel  # noqa: E402
from viz.event_log import EventLog  # noqa: E402
from viz.ladder import LadderPanel, has_ladder  # noqa: E402
from viz.live_model import LiveModel, model_params  # noqa: E402

TITLE = "Coalition of the willing — live"
PLAY_INTERVAL_MS = 500  # a summit every 0.5 s (the slider's maximum): slow enough to follow


def new_model() -> LiveModel:
    """The model a new tab starts with: the sidebar's defaults."""
    params = model_params()
    return LiveModel(**{k: spec["value"] for k, spec in params.items()})


@solara.component
def Dashboard(model):
    """The main area: everything a step changes."""
    counter = update_counter.get()
    tables = solara.use_memo(lambda: tables_of(model), [model, counter])
    # the children do not subscribe to Mesa's counter themselves: one render pass per step
    WhatIfPanel(model)  # goes to the sidebar, below Mesa's controls
    RoundHeader(model, version=counter)
    with solara.Columns([3, 2], gutters_dense=True):
        CoalitionMap(model, version=counter)
        RoundCharts(model, tables)
    with solara.Columns([3, 2], gutters_dense=True):
        PositionsChart(model, tables)
        EventLog(model, version=counter)
    if has_ladder(model):
        LadderPanel(model, version=counter)
    CoalitionTable(model, version=counter)


@solara.component
def Page():
    # per session: a model made at import time would be shared by every tab
    initial = solara.use_memo(new_model, [])
    model = solara.use_reactive(initial)
    params = solara.use_memo(model_params, [])
    solara.Title(TITLE)
    SolaraViz(model, components=[], model_params=params, name=TITLE,
              play_interval=PLAY_INTERVAL_MS)
    Dashboard(model.value)

"""A Vega-Lite chart widget that redraws 10 ms after its data change instead of 100 ms.

Solara's ``VegaLite`` widget (behind ``solara.FigureAltair``) waits 100 ms after every
change of its spec before it draws, to merge bursts of changes. On a Step that wait is
most of the time between the click and the updated chart. This is the same widget with
the same front-end code, only the wait shortened; if a Solara release changes that code so
that the wait cannot be found, Solara's own widget is used unchanged.
"""

from __future__ import annotations

from pathlib import Path

import traitlets
from solara.widgets import VegaLite

REDRAW_WAIT_MS = 10


def _template() -> str | None:
    try:
        text = Path(VegaLite.template_file).read_text(encoding="utf-8")
    except (OSError, TypeError):
        return None
    marker = "}, 100)"
    if text.count(marker) != 1:
        return None
    return text.replace(marker, f"}}, {REDRAW_WAIT_MS})")


_TEMPLATE = _template()

if _TEMPLATE is not None:

    class QuickVegaLite(VegaLite):
        template_file = None  # the template is the string below, sent with the widget
        template = traitlets.Unicode(_TEMPLATE).tag(sync=True)

else:  # pragma: no cover - a Solara whose template we do not recognise
    QuickVegaLite = VegaLite

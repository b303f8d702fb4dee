"""The ceasefire after the deal (seed article S4): :mod:`~model.ceasefire.ladder` (the
graduated response as data), :mod:`~model.ceasefire.violator` (the violator's decision) and
:mod:`~model.ceasefire.phase` (the phase hour by hour: queue, violations, outcomes)."""

from model.ceasefire.ladder import SEVERITY_WORDS, RungView, clock_label, severity_word
from model.ceasefire.phase import (
    CeasefirePhase,
    HeapEventQueue,
    HistoryEvent,
    MesaEventQueue,
    Violation,
    ceasefire_after,
    make_queue,
    mesa_has_events,
)

__all__ = ["SEVERITY_WORDS", "CeasefirePhase", "HeapEventQueue", "HistoryEvent",
           "MesaEventQueue", "RungView", "Violation", "ceasefire_after", "clock_label",
           "make_queue", "mesa_has_events", "severity_word"]

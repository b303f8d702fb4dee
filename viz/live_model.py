"""The model as the live view builds it: one keyword per control in the sidebar.

Mesa's ``SolaraViz`` re-creates the model on Reset by calling its class with the values of
the "Model Parameters" controls, so the class the view shows must take exactly those
keywords. :class:`LiveModel` is ``NegotiationModel`` with such a signature: a scenario
chosen by name, a mechanism, a seed typed as text, and the teacher's levers.

It deliberately has no parameter called ``scenario`` and no ``**kwargs``: Mesa ≥ 3.4 would
otherwise pass a ``mesa.experimental.scenarios.Scenario`` of its own on Reset.
"""

from __future__ import annotations

import os
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from inputs.resources import DEFAULT_SCENARIO
from inputs.resources import scenario_files as shipped_scenarios
from inputs.scenario_file import load_scenario
from model.negotiation import NegotiationModel
from model.run import finish_round
from model.scenario import Parameters, Scenario

#: Set by ``negotiate viz SCENARIO``: a scenario file to offer (and open) first.
SCENARIO_ENV = "NEGOTIATE_VIZ_SCENARIO"

MECHANISMS = ("eum", "compromise", "hk", "deffuant")


def scenario_files() -> dict[str, Path]:
    """Scenario choices, label → file: the one given on the command line first, then the
    TOML files in ``configs/``."""
    files: dict[str, Path] = {}
    given = os.environ.get(SCENARIO_ENV)
    if given:
        path = Path(given).expanduser().resolve()
        files[path.stem] = path
    for path in shipped_scenarios():
        if _looks_like_scenario(path):
            files.setdefault(path.stem, path)
    if not files:
        files[DEFAULT_SCENARIO.stem] = DEFAULT_SCENARIO
    return files


def _looks_like_scenario(path: Path) -> bool:
    """A scenario file has actors and rounds (sweep specs and ladder variants do not)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    return "[actors." in text and "[[rounds]]" in text


def default_scenario_key() -> str:
    files = scenario_files()
    return DEFAULT_SCENARIO.stem if (
        DEFAULT_SCENARIO.stem in files and not os.environ.get(SCENARIO_ENV)
    ) else next(iter(files))


@lru_cache(maxsize=16)
def _load(path: str, mtime: float) -> Scenario:
    return load_scenario(path)


def load_named(key: str) -> Scenario:
    """The scenario behind a choice in the Scenario menu (a label or a path)."""
    files = scenario_files()
    path = files.get(key) or Path(key)
    return _load(str(path), path.stat().st_mtime if path.is_file() else 0.0)


def parse_seed(text: int | str | None) -> int:
    """A seed from the text box: an integer, or any other word (hashed, so it is stable)."""
    if text is None:
        return 0
    if isinstance(text, int):
        return text
    text = str(text).strip()
    try:
        return int(text)
    except ValueError:
        return zlib.crc32(text.encode("utf-8"))


class LiveModel(NegotiationModel):
    """``NegotiationModel`` with the live view's controls as keywords.

    ``None`` keeps the scenario's value; ``ceasefire_round=0`` means no ceasefire lever
    (the scenario's own ceasefire shocks still apply).
    """

    def __init__(
        self,
        scenario_name: str | None = None,
        mechanism: str | None = None,
        seed: int | str = 0,
        us_backstop: float | None = None,
        russia_threat_credibility: float | None = None,
        bandwagon: float | None = None,
        ceasefire_round: int | None = None,
        rng: int | None = None,
    ) -> None:
        key = scenario_name or default_scenario_key()
        scenario = load_named(key)
        if us_backstop is not None and us_backstop < 0:
            us_backstop = None  # the slider's "as announced" end
        levers = {
            "mechanism": mechanism,
            "us_backstop": us_backstop,
            "russia_threat_credibility": russia_threat_credibility,
            "bandwagon": bandwagon,
        }
        params = {k: v for k, v in levers.items() if v is not None}
        if ceasefire_round is not None:
            params["ceasefire_round"] = int(ceasefire_round) or None
        self.seed_value = parse_seed(seed) if rng is None else int(rng)
        super().__init__(scenario, rng=self.seed_value, **params)
        self.scenario_name = key
        #: observers of the run path (model.run.RunObserver): each round Mesa's Play or
        #: Step plays goes to their ``on_round``, as in ``negotiate run``
        self.observers: list[Any] = []
        finish_round(self, self.observers)  # round 0

    def step(self, choices: Any = None) -> None:
        """One round, as :func:`model.run.play_round` plays it (Mesa calls ``step``)."""
        super().step(choices)
        finish_round(self, self.observers)


def model_params(scenario_key: str | None = None) -> dict:
    """Mesa ``model_params`` for the sidebar: the scenario's values as the defaults."""
    key = scenario_key or default_scenario_key()
    scenario = load_named(key)
    p: Parameters = scenario.parameters
    rounds = len(scenario.rounds)
    return {
        "scenario_name": {
            "type": "Select",
            "value": key,
            "values": list(scenario_files()),
            "label": "Scenario",
        },
        "mechanism": {
            "type": "Select",
            "value": p.mechanism,
            "values": list(MECHANISMS),
            "label": "Mechanism",
        },
        "seed": {"type": "InputText", "value": "0", "label": "Seed"},
        "us_backstop": {
            "type": "SliderFloat",
            "value": -0.05 if p.us_backstop is None else p.us_backstop,
            "min": -0.05,
            "max": 1.0,
            "step": 0.05,
            "label": "US backstop what-if (left end: as announced)",
        },
        "russia_threat_credibility": {
            "type": "SliderFloat",
            "value": p.russia_threat_credibility,
            "min": 0.0,
            "max": 1.0,
            "step": 0.05,
            "label": "Threat credibility",
        },
        "bandwagon": {
            "type": "SliderFloat",
            "value": p.bandwagon,
            "min": 0.0,
            "max": 50.0,
            "step": 1.0,
            "label": "Bandwagon pull",
        },
        "ceasefire_round": {
            "type": "SliderInt",
            "value": p.ceasefire_round or 0,
            "min": 0,
            "max": rounds,
            "step": 1,
            "label": "Ceasefire round (0 none)",
        },
    }

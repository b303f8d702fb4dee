"""``negotiate sweep plot``: one PNG per (outcome, swept parameter) of a sweep directory;
the figures are :mod:`analysis.sweep_plots`."""

from __future__ import annotations

import re
from pathlib import Path

from analysis.sweep_plots import (  # noqa: F401  (read from here by sweep.cases)
    KEY_COLUMNS,
    _figure,
    outcome_columns,
    swept_parameters,
)
from model.errors import InputError
from sweep.store import Store, read_manifest


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def plot_sweep(out: str | Path, outcomes: list[str] | None = None,
               parameters: list[str] | None = None, to: str | Path | None = None) -> list[Path]:
    store = Store(out)
    read_manifest(store.out)
    table = store.table("outcomes")
    if table is None:
        raise InputError(f"{store.out}: no outcomes yet: no run has finished")
    design = store.design()
    swept = swept_parameters(design)
    all_params = [c for c in design.columns if c != "design_point"]
    if parameters:
        for p in parameters:
            if p not in all_params:
                raise InputError(f"--parameter {p}: not a parameter of this sweep "
                                 f"(parameters: {', '.join(all_params) or 'none'})")
        swept = parameters
    if not swept:
        raise InputError(f"{store.out}: no parameter takes more than one value; nothing to plot")
    known = outcome_columns(table, all_params)
    if outcomes:
        for o in outcomes:
            if o not in known:
                raise InputError(f"--outcome {o}: not an outcome of this sweep "
                                 f"(outcomes: {', '.join(known)})")
    else:
        outcomes = [c for c in known if table[c].astype(float).nunique(dropna=True) > 1]
    dest = Path(to) if to else store.out / "figures"
    dest.mkdir(parents=True, exist_ok=True)
    paths = []
    for outcome in outcomes:
        for param in swept:
            fig = _figure(table[[param, outcome]].dropna(), outcome, param, len(table))
            path = dest / f"{_safe(outcome)}__{_safe(param)}.png"
            tmp = path.with_name(f".{path.name}.tmp.png")
            fig.savefig(tmp)
            tmp.replace(path)
            paths.append(path)
    return paths

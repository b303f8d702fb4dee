"""``negotiate sweep discover`` and ``negotiate sweep features``: the cases of interest of a
sweep (which runs meet an outcome condition) and the parameters they were sampled at, read
from the sweep's directory; the analysis itself is :mod:`analysis.discover`.

An outcome condition is a comparison on the per-run outcome columns, parsed with
:mod:`ast` and evaluated on the columns only (never ``eval``)::

    troops_pledged >= 5000          ceasefire_held == 1          ceasefire_held
    2 <= ground_states <= 4         contributors >= 10 and not ceasefire
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.cases import Cases, Condition, parse_condition  # noqa: F401
from analysis.sweep_plots import KEY_COLUMNS, outcome_columns, swept_parameters
from model.errors import InputError
from sweep.store import Store, read_manifest


def _round_columns(store: Store, round_: int, params: list[str],
                   wanted: set[str]) -> tuple[pd.DataFrame, set[int]]:
    """The round table's numeric columns at ``round_`` (a run that ended earlier: at its
    last round), one row per run; a column named like a parameter gets ``outcome_``."""
    pieces, rounds_seen = [], set()
    for part in store.iter_parts("rounds"):
        rounds_seen.update(int(r) for r in part["round"].unique())
        at = part[part["round"] <= round_]
        at = at.groupby("run_id", sort=True).tail(1)
        keep = [c for c in at.columns if c not in KEY_COLUMNS | {"round"}
                and (pd.api.types.is_numeric_dtype(at[c]) or pd.api.types.is_bool_dtype(at[c]))]
        at = at[["run_id", *keep]].rename(columns={c: f"outcome_{c}" for c in keep
                                                   if c in params})
        pieces.append(at[["run_id", *[c for c in at.columns if c in wanted]]])
    if not pieces:
        return pd.DataFrame(columns=["run_id"]), rounds_seen
    return pd.concat(pieces, ignore_index=True), rounds_seen


def sweep_cases(out: str | Path, condition: str, round_: int | None = None,
                parameters: list[str] | None = None) -> Cases:
    """Read the parameters and the outcome ``condition`` of every successful run in the
    sweep directory ``out``; ``round_``: read round-table columns at that round (default: each
    run's last round). Unknown columns, parameters or rounds are :class:`InputError`."""
    store = Store(out)
    manifest = read_manifest(store.out)
    cond = parse_condition(condition)
    outcomes = store.table("outcomes")
    if outcomes is None:
        raise InputError(f"{store.out}: no outcomes yet: no run has finished")
    design = store.design()
    all_params = [c for c in design.columns if c != "design_point"]
    swept = swept_parameters(design)
    if parameters:
        for p in parameters:
            if p not in all_params:
                raise InputError(f"--parameter {p}: not a parameter of this sweep "
                                 f"(parameters: {', '.join(all_params) or 'none'})")
        swept = list(dict.fromkeys(parameters))
    if not swept:
        raise InputError(f"{store.out}: no parameter takes more than one value; nothing to "
                         "discover")
    run_level = outcome_columns(outcomes, all_params)
    round_cols: list[str] = []
    if "rounds" in store.kinds():
        first = next(store.iter_parts("rounds"), None)
        if first is not None:
            round_cols = [f"outcome_{c}" if c in all_params else c for c in first.columns
                          if c not in KEY_COLUMNS | {"round"}
                          and (pd.api.types.is_numeric_dtype(first[c])
                               or pd.api.types.is_bool_dtype(first[c]))]
    known = list(dict.fromkeys([*round_cols, *run_level]))
    unknown = sorted(cond.names - set(known))
    if unknown:
        raise InputError(f"--outcome {condition!r}: unknown column {', '.join(unknown)} "
                         f"(outcome columns: {', '.join(known)})")
    table = outcomes[["run_id", "design_point"]].copy()
    at_round = cond.names & set(round_cols) if round_ is not None else set()
    from_outcomes = sorted(cond.names - at_round)
    for c in from_outcomes:
        table[c] = outcomes[c].to_numpy()
    label = f"{cond.text} at the end of each run"
    notes = []
    if at_round:
        values, seen = _round_columns(store, round_, all_params, at_round)
        if round_ not in seen:
            kept = sorted(seen)
            span = (f"{kept[0]}" if len(kept) == 1 else f"{kept[0]} to {kept[-1]}") \
                if kept else "none"
            hint = (" (this sweep kept only each run's final round: [output] every = "
                    "\"final\")" if len(kept) == 1 else "")
            raise InputError(f"--round {round_}: not a round of this sweep (rounds kept: "
                             f"{span}){hint}")
        table = table.merge(values, on="run_id", how="left")
        label = f"{cond.text} at round {round_}" + (
            f" ({', '.join(sorted(cond.names - at_round))} at the end of each run)"
            if cond.names - at_round else "")
    if round_ is not None and not at_round:
        notes.append(f"--round {round_} not used: {', '.join(sorted(cond.names))} "
                     "is read once per run (a run-level outcome)")
    missing = {c: int(table[c].isna().sum()) for c in sorted(cond.names) if table[c].isna().any()}
    if missing:
        notes.append("missing values count as not a case: " + ", ".join(
            f"{c} in {n} runs" for c, n in missing.items()))
    y = cond.evaluate(table)
    failed = int(manifest.get("runs", len(outcomes)) - len(outcomes))
    if failed > 0:
        notes.append(f"{failed} run(s) without outcomes (failed or not run) left out")
    params = table[["design_point"]].merge(design[["design_point", *swept]], on="design_point",
                                           how="left")[swept]
    return Cases(params=params.reset_index(drop=True), outcome=y, label=label, notes=notes)


# -- the commands -------------------------------------------------------------------------
def _save(fig, path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp)
    tmp.replace(path)
    return path


def run_discover(out: str | Path, condition: str, *, round_: int | None = None,
                 threshold: float = 0.8, peel_alpha: float = 0.05, paste_alpha: float = 0.05,
                 mass_min: float = 0.05, box: int | None = None,
                 parameters: list[str] | None = None, to: str | Path | None = None,
                 features: bool = False) -> list[Path]:
    """``negotiate sweep discover``: print the trajectory and the chosen box; write
    ``discover_tradeoff.png`` and ``discover_box.png`` to ``to`` (default: the sweep's
    directory). Returns the paths written."""
    from analysis.discover import (
        box_figure,
        discover,
        feature_lines,
        feature_scores,
        tradeoff_figure,
        trajectory_lines,
    )

    cases = sweep_cases(out, condition, round_, parameters)
    print(f"cases of interest: {cases.label}")
    for note in cases.notes:
        print(f"note: {note}")
    n, k = len(cases.outcome), int(cases.outcome.sum())
    if features:
        for line in feature_lines(feature_scores(cases.params, cases.outcome), k, n):
            print(line)
        print()
    traj = discover(cases.params, cases.outcome, threshold=threshold, peel_alpha=peel_alpha,
                    paste_alpha=paste_alpha, mass_min=mass_min)
    if box is not None:
        traj = traj.select(box)
    for line in trajectory_lines(traj):
        print(line)
    dest = Path(to) if to is not None else Path(out)
    dest.mkdir(parents=True, exist_ok=True)
    title = f"{cases.label}: {k} of {n} runs"
    paths = [_save(tradeoff_figure(traj, f"PRIM peeling trajectory\n{title}"),
                   dest / "discover_tradeoff.png"),
             _save(box_figure(traj, f"{cases.label}\nPRIM box, step {traj.box.step}: coverage "
                                    f"{traj.box.coverage:.2f}, density {traj.box.density:.2f}, "
                                    f"{traj.box.runs} of {n} runs"),
                   dest / "discover_box.png")]
    print(f"wrote {paths[0]} and {paths[1].name}")
    return paths


def run_features(out: str | Path, condition: str, *, round_: int | None = None,
                 slices: int = 10, parameters: list[str] | None = None) -> pd.DataFrame:
    """``negotiate sweep features``: print the ranked feature scores; return them."""
    from analysis.discover import feature_lines, feature_scores

    cases = sweep_cases(out, condition, round_, parameters)
    print(f"cases of interest: {cases.label}")
    for note in cases.notes:
        print(f"note: {note}")
    n, k = len(cases.outcome), int(cases.outcome.sum())
    table = feature_scores(cases.params, cases.outcome, slices=slices)
    for line in feature_lines(table, k, n):
        print(line)
    return table

"""Approximate Bayesian computation by rejection on the early record.

Only the parameters that carry a ``range`` in the scenario (``Scenario.parameter_ranges``)
are fitted, only on the targets dated up to ``train_until`` (the honest-calibration rules
of issue 12). The prior is uniform on each range, sampled by a Latin hypercube through the
sweep runner (:mod:`sweep`), so a calibration is resumable after Ctrl-C and runs on
Dask unchanged: the calibration writes a sweep file into its directory and runs it there.

Each sample is run on ``seeds`` seeds (common random numbers: the same seeds at every
sample, those of ``negotiate score``); its distance to the record is one minus its mean hit
rate on the training targets; the ``accept`` share of samples with the smallest distance
is the posterior sample (Pritchard et al. 1999, Mol. Biol. Evol. 16:1791; ties broken by
design point, so the result is deterministic). The test targets are scored on the same
runs and reported, never used.

``DIR/``: ``calibration_sweep.toml`` (the sweep), ``runs/`` (its output), ``samples.csv``
(every sample with its scores), ``accepted.csv`` (the accepted parameter sets: input to
``negotiate score --params`` and ``negotiate outlook --params``), ``posterior.toml`` (a
sweep file over the accepted 90% intervals, for ``negotiate sweep run``) and
``calibration.json`` (the summary, the command and the date).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.record.checks import hits, observe
from analysis.record.schema import DEFAULT_TRAIN_UNTIL, Record
from analysis.record.score import window_scores
from model.errors import InputError
from model.scenario import Scenario

SWEEP_FILE = "calibration_sweep.toml"
META = ("design_point", "train", "test", "all", "accepted", "rank")


@dataclass
class ParameterFit:
    key: str
    low: float
    high: float
    median: float
    q05: float
    q95: float
    identified: bool = True

    @property
    def narrowed(self) -> float:
        """How much the 90% interval is narrower than the range (0: not at all, 1: a point)."""
        return 1.0 - (self.q95 - self.q05) / (self.high - self.low)


@dataclass
class Calibration:
    out: Path
    status: str
    samples: pd.DataFrame | None = None      # one row per design point
    fits: list[ParameterFit] | None = None
    accepted_scores: dict[str, float | None] | None = None
    prior_scores: dict[str, float | None] | None = None
    n_accepted: int = 0
    seconds: float = 0.0
    runs: int = 0


def ranges_of(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """The parameters with a ``range`` in the scenario (issue 11's ``parameter_ranges``)."""
    ranges = dict(getattr(scenario, "parameter_ranges", None) or {})
    if not ranges:
        raise InputError(f"{getattr(scenario, 'name', 'scenario')}: no parameter carries a "
                         "range; write e.g. [parameters] bandwagon = { value = 15, range = "
                         "[0, 40], source = \"modeller\" }")
    return {k: (float(lo), float(hi)) for k, (lo, hi) in ranges.items()}


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    return repr(v)


def sweep_text(scenario_path: Path, ranges: dict[str, tuple[float, float]], *,
               samples: int, seeds: int, base_seed: int, fixed: dict[str, Any] | None = None,
               name: str = "calibration") -> str:
    """The calibration's sweep file: an LHS over the ranges, ``seeds`` replications each."""
    lines = [f"# Written by negotiate calibrate ({name}); resumable with --resume.",
             f"name = {json.dumps(name)}",
             f"scenario = {json.dumps(str(scenario_path.resolve()))}",
             f"seed = {base_seed}",
             f"replications = {seeds}",
             "common_random_numbers = true",
             "", "[parameters]"]
    for key, value in {"ceasefire_phase": False, **(fixed or {})}.items():
        lines.append(f"{json.dumps(key)} = {_toml_value(value)}")
    for key, (lo, hi) in ranges.items():
        lines.append(f"{json.dumps(key)} = {{ low = {lo!r}, high = {hi!r} }}")
    lines += ["", "[design]", 'method = "lhs"', f"samples = {samples}", f"seed = {base_seed}",
              "", "[output]", 'every = "round"', "actors = true", ""]
    return "\n".join(lines)


def run_hits(store_dir: Path, record: Record) -> tuple[pd.DataFrame, np.ndarray]:
    """Per run of a sweep (run_id, design_point): whether each target holds."""
    from sweep.store import Store

    store = Store(store_dir)
    rounds, actors = store.table("rounds"), store.table("actors")
    if rounds is None or actors is None:
        raise InputError(f"{store_dir}: no finished runs")
    keys, rows = [], []
    actor_groups = dict(tuple(actors.groupby("run_id", sort=True)))
    for run_id, r in rounds.groupby("run_id", sort=True):
        obs = observe(r, actor_groups[run_id])
        keys.append((int(run_id), int(r["design_point"].iloc[0])))
        rows.append(hits(record.targets, obs))
    return pd.DataFrame(keys, columns=["run_id", "design_point"]), np.array(rows)


def accept_samples(train: np.ndarray, share: float) -> np.ndarray:
    """Indices of the accepted samples: the ``share`` with the best training score (at least
    one), ties broken by index."""
    n = max(1, math.ceil(share * len(train) - 1e-9))
    order = np.lexsort((np.arange(len(train)), -train))
    return np.sort(order[:n])


def chance_narrowing(n: int, level: float = 0.95, draws: int = 4000) -> float:
    """How much the 90% interval of ``n`` draws from a uniform prior narrows by chance alone,
    at quantile ``level`` (simulated with a fixed seed, so deterministic): a parameter is
    *identified* by the record when its accepted interval narrows more than that."""
    u = np.random.default_rng(0).random((draws, n))
    width = np.quantile(u, 0.95, axis=1) - np.quantile(u, 0.05, axis=1)
    return float(np.quantile(1.0 - width, level))


def summarise(samples: pd.DataFrame, ranges: dict[str, tuple[float, float]]
              ) -> list[ParameterFit]:
    acc = samples[samples["accepted"]]
    floor = chance_narrowing(len(acc))
    out = []
    for key, (lo, hi) in ranges.items():
        v = acc[key].astype(float).to_numpy()
        fit = ParameterFit(key, lo, hi, float(np.median(v)), float(np.quantile(v, 0.05)),
                           float(np.quantile(v, 0.95)))
        fit.identified = fit.narrowed > floor
        out.append(fit)
    return out


def calibrate(scenario_path: str | Path, record: Record, *, scenario: Scenario,
              train_until: dt.date = DEFAULT_TRAIN_UNTIL, samples: int = 256,
              accept: float = 0.1, seeds: int = 4, base_seed: int = 0,
              workers: int | None = None, executor: str = "process",
              scheduler: str | None = None, out: str | Path = "results/calibration",
              resume: bool = False, quiet: bool = False,
              ranges: dict[str, tuple[float, float]] | None = None,
              fixed: dict[str, Any] | None = None, command: str = "",
              log: Callable[[str], None] | None = None) -> Calibration:
    """Run (or, with ``resume``, finish) a calibration into ``out``; see the module."""
    from sweep.runner import run_sweep, stderr_log
    from sweep.spec import load_sweep

    log = log or stderr_log
    if samples < 2:
        raise InputError(f"--samples: need at least 2, got {samples}")
    if not 0 < accept <= 1:
        raise InputError(f"--accept: a share in (0, 1], got {accept}")
    if seeds < 1:
        raise InputError(f"--seeds: must be >= 1, got {seeds}")
    ranges = ranges or ranges_of(scenario)
    out = Path(out)
    text = sweep_text(Path(scenario_path), ranges, samples=samples, seeds=seeds,
                      base_seed=base_seed, fixed=fixed)
    sweep_path = out / SWEEP_FILE
    if resume and sweep_path.is_file():
        if sweep_path.read_text(encoding="utf-8") != text:
            raise InputError(f"{out}: cannot resume: the calibration's settings (samples, "
                             "seeds, ranges or scenario) differ from the ones it began with; "
                             "give the same options or choose another --out")
    else:
        if out.exists() and any(out.iterdir()):
            raise InputError(f"{out}: directory is not empty; add --resume to finish a "
                             "calibration there, or choose another --out")
        out.mkdir(parents=True, exist_ok=True)
        sweep_path.write_text(text, encoding="utf-8")
        resume = False
    sweep = load_sweep(sweep_path)
    summary = run_sweep(sweep, out / "runs", executor=executor, workers=workers,
                        scheduler=scheduler, resume=resume, quiet=quiet, log=log)
    result = Calibration(out=out, status=summary.status, seconds=summary.seconds,
                         runs=summary.ran)
    if summary.status != "complete":
        return result
    keys, table = run_hits(out / "runs", record)
    windows = [record.window(t, train_until) for t in record.targets]
    design = sweep.design.table.set_index("design_point")
    rows = []
    for point, idx in keys.groupby("design_point").groups.items():
        rates = table[np.asarray(keys.index.get_indexer(idx))].mean(axis=0)
        rows.append({"design_point": int(point), **{k: design.at[point, k] for k in ranges},
                     **window_scores(rates, windows)})
    frame = pd.DataFrame(rows).sort_values("design_point").reset_index(drop=True)
    if frame["train"].isna().all():
        raise InputError(f"{record.path}: no target is dated up to {train_until} (the "
                         "training window is empty)")
    chosen = accept_samples(frame["train"].to_numpy(), accept)
    frame["accepted"] = False
    frame.loc[chosen, "accepted"] = True
    frame["rank"] = frame["train"].rank(ascending=False, method="min").astype(int)
    accepted_runs = keys["design_point"].isin(frame.loc[chosen, "design_point"]).to_numpy()
    result.samples = frame
    result.fits = summarise(frame, ranges)
    result.n_accepted = len(chosen)
    result.accepted_scores = window_scores(table[accepted_runs].mean(axis=0), windows)
    result.prior_scores = window_scores(table.mean(axis=0), windows)
    _write(result, ranges, scenario_path=Path(scenario_path), record=record,
           train_until=train_until, seeds=seeds, base_seed=base_seed, command=command,
           accept=accept)
    return result


def _write(c: Calibration, ranges: dict[str, tuple[float, float]], *, scenario_path: Path,
           record: Record, train_until: dt.date, seeds: int, base_seed: int, command: str,
           accept: float) -> None:
    assert c.samples is not None and c.fits is not None
    c.samples.to_csv(c.out / "samples.csv", index=False)
    acc = c.samples[c.samples["accepted"]]
    acc[["design_point", *ranges, "train", "test", "all"]].to_csv(c.out / "accepted.csv",
                                                                    index=False)
    lines = ["# The accepted 90% intervals of a calibration, as a sweep file:",
             "#   negotiate sweep run posterior.toml --out DIR",
             'name = "posterior"', f"scenario = {json.dumps(str(scenario_path.resolve()))}",
             f"seed = {base_seed}", f"replications = {seeds}", "", "[parameters]"]
    for f in c.fits:
        lo, hi = (f.q05, f.q95) if f.q95 > f.q05 else (f.low, f.high)
        lines.append(f"{json.dumps(f.key)} = {{ low = {lo!r}, high = {hi!r} }}")
    lines += ["", "[design]", 'method = "lhs"', "samples = 64", "", "[output]",
              'every = "round"', ""]
    (c.out / "posterior.toml").write_text("\n".join(lines), encoding="utf-8")
    summary = {
        "command": command, "date": dt.date.today().isoformat(),
        "scenario": str(scenario_path), "record": str(record.path),
        "train_until": train_until.isoformat(), "samples": len(c.samples),
        "seeds": seeds, "base_seed": base_seed, "accept": accept, "accepted": c.n_accepted,
        "chance_narrowing": round(chance_narrowing(c.n_accepted), 4),
        "parameters": {f.key: {"range": [f.low, f.high], "median": f.median,
                               "q05": f.q05, "q95": f.q95, "narrowed": round(f.narrowed, 4),
                               "identified": f.identified}
                       for f in c.fits},
        "accepted_scores": c.accepted_scores, "prior_scores": c.prior_scores,
    }
    (c.out / "calibration.json").write_text(json.dumps(summary, indent=2) + "\n",
                                            encoding="utf-8")


def report_lines(c: Calibration) -> list[str]:
    assert c.fits is not None and c.samples is not None
    lines = [f"accepted {c.n_accepted} of {len(c.samples)} samples (best training scores)",
             "", f"{'parameter':32} {'range':>17} {'median':>9} {'90% interval':>21} "
             f"{'narrowed':>8}  identified"]
    for f in c.fits:
        lines.append(f"{f.key[:32]:32} [{f.low:7.3g}, {f.high:7.3g}] {f.median:9.4g} "
                     f"[{f.q05:8.4g}, {f.q95:8.4g}] {100 * f.narrowed:7.0f}%  "
                     f"{'yes' if f.identified else 'no'}")
    lines.append(f"(identified: narrower than {100 * chance_narrowing(c.n_accepted):.0f}%, "
                 f"what {c.n_accepted} draws from the prior give by chance 1 time in 20)")

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{100 * x:.0f}%"

    lines += ["", f"{'ensemble':12} {'train':>6} {'test':>6} {'all':>6}"]
    for label, sc in (("accepted", c.accepted_scores), ("prior", c.prior_scores)):
        assert sc is not None
        lines.append(f"{label:12} {pct(sc['train']):>6} {pct(sc['test']):>6} "
                     f"{pct(sc['all']):>6}")
    lines += ["", f"wrote {c.out / 'accepted.csv'}, {c.out / 'samples.csv'}, "
              f"{c.out / 'posterior.toml'}, {c.out / 'calibration.json'}"]
    return lines


def load_param_sets(path: str | Path) -> list[dict[str, Any]]:
    """Parameter sets from an ``accepted.csv`` (or any CSV whose columns are parameter keys;
    the columns design_point, train, test, all, accepted and rank are skipped)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: not a readable CSV ({exc})") from None
    cols = [c for c in frame.columns if c not in META]
    if not cols or frame.empty:
        raise InputError(f"{path}: no parameter columns or no rows")
    sets = []
    for rec in frame[cols].to_dict("records"):
        sets.append({k: (v.item() if hasattr(v, "item") else v) for k, v in rec.items()})
    return sets


CALIBRATED = " | calibrated: "


def _fmt_value(x: float, integer: bool) -> str:
    if integer:
        return str(int(x))
    return f"{x:.4g}" if abs(x) < 1e4 else f"{x:.1f}"


def applied_text(text: str, fits: list[ParameterFit], integers: set[str], *, command: str,
                 date: str) -> str:
    """The scenario's TOML text with each identified ``[parameters]`` entry's ``value``
    replaced by its accepted median (the lower median for integers; a parameter the record
    does not identify keeps the modeller's value), and the calibration (command, date, 90%
    interval, narrowing) recorded in the entry's ``source`` (an earlier calibration's note
    is replaced). Comments and layout are kept."""
    import re

    lines = text.splitlines(keepends=True)
    section = None
    by_key = {f.key: f for f in fits}
    done = set()
    for i, line in enumerate(lines):
        head = re.match(r"\s*\[([^\]]+)\]\s*(#.*)?$", line)
        if head:
            section = head.group(1).strip()
            continue
        if section != "parameters":
            continue
        m = re.match(r'(\s*"?([A-Za-z_][\w]*)"?\s*=\s*\{\s*value\s*=\s*)([^,}]+)(.*?source\s*=\s*")'
                     r'((?:[^"\\]|\\.)*)(".*)$', line, re.S)
        if not m or m.group(2) not in by_key:
            continue
        f = by_key[m.group(2)]
        base = m.group(5).split(CALIBRATED)[0]
        interval = (f"90% interval [{f.q05:.4g}, {f.q95:.4g}], {100 * f.narrowed:.0f}% "
                    "narrower than the range")
        if f.identified:
            value = _fmt_value(f.median, f.key in integers)
            note = (f"{CALIBRATED}median of the accepted samples of `{command}` ({date}); "
                    f"{interval}")
        else:
            value = m.group(3).strip()
            note = (f"{CALIBRATED}not identified by the training record in `{command}` "
                    f"({date}): {interval}, no more than chance; the modeller's value kept")
        lines[i] = f"{m.group(1)}{value}{m.group(4)}{base}{note}{m.group(6)}"
        done.add(f.key)
    missing = set(by_key) - done
    if missing:
        raise InputError(f"scenario: [parameters]: cannot find the entries of "
                         f"{', '.join(sorted(missing))} written as {{ value = …, range = …, "
                         "source = … }} on one line")
    return "".join(lines)


def integer_parameters(scenario: Scenario) -> set[str]:
    """The ranged parameters whose model field is an integer."""
    out = set()
    for key in getattr(scenario, "parameter_ranges", {}) or {}:
        if isinstance(getattr(scenario.parameters, key, None), int) and not isinstance(
                getattr(scenario.parameters, key), bool):
            out.add(key)
    return out


def apply_to_scenario(path: str | Path, c: Calibration, scenario: Scenario, *, command: str,
                      date: str | None = None) -> Path:
    """Write the accepted medians into the scenario file (see :func:`applied_text`) and check
    that the result is still a valid scenario."""
    from sweep.spec import parse_scenario

    assert c.fits is not None
    integers = integer_parameters(scenario)
    fits = [ParameterFit(f.key, f.low, f.high,
                         float(np.quantile(c.samples.loc[c.samples["accepted"], f.key],
                                           0.5, method="lower")) if f.key in integers
                         else f.median, f.q05, f.q95, f.identified) for f in c.fits]
    path = Path(path)
    text = applied_text(path.read_text(encoding="utf-8"), fits, integers, command=command,
                        date=date or dt.date.today().isoformat())
    parse_scenario(text, str(path))
    path.write_text(text, encoding="utf-8")
    return path

"""Scenario discovery over a sweep's results: PRIM boxes and feature scores.

Pure analysis, EMA Workbench style: it takes the sampled parameters of the runs and a
boolean outcome per run (a *case of interest*), never runs the model and does no I/O
(:mod:`sweep.cases` reads a sweep directory and prints; the figures are returned as
Matplotlib figures for the caller to save).

- :func:`discover` runs the Patient Rule Induction Method (Friedman & Fisher 1999, "Bump
  hunting in high-dimensional data", Statistics and Computing 9) as scenario discovery
  (Bryant & Lempert 2010, "Thinking inside the box", Technological Forecasting & Social
  Change 77): peel the box of all runs along one parameter at a time, each step dropping
  the ``peel_alpha`` share of the runs that raises the share of cases in the box the most,
  then paste back; every box on the way is a trade-off between *coverage* (the share of all
  cases that lie in the box) and *density* (the share of the runs in the box that are
  cases). The peeling is the ``prim`` package's (Project Platypus, a standalone copy of
  EMA Workbench's PRIM); the limits, the counts and the significance tests are computed
  here from the box limits it returns.
- Each restriction is tested as Bryant & Lempert (2010) do with their quasi-p-values: a
  one-sided binomial test of whether the box's density could come from the box without
  that limit (see :func:`quasi_p`).
- :func:`feature_scores` ranks the parameters by how much conditioning on each one moves the
  outcome: the PAWN index (Pianosi & Wagener 2015, Environmental Modelling & Software 67;
  given-data form, 2018, EMS 108) on the 0/1 outcome, with a chi-square test of independence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from model.errors import InputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ALPHA = 0.05  # a restriction is reported significant when its quasi-p-value is below this


# -- the boxes ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Restriction:
    """One parameter's limits in a box: a range (``low``/``high``; ``None`` on a side the
    box leaves open) or, for a categorical parameter, the ``values`` it keeps. ``seen``: the
    smallest and largest value among the runs in the box (or the values kept)."""

    parameter: str
    low: float | None = None
    high: float | None = None
    values: tuple | None = None
    qp_low: float | None = None
    qp_high: float | None = None
    qp_values: float | None = None
    seen: tuple = ()

    @property
    def qps(self) -> list[float]:
        return [q for q in (self.qp_low, self.qp_high, self.qp_values) if q is not None]

    @property
    def significant(self) -> bool:
        """Every limit of the restriction passes the binomial test at :data:`ALPHA`."""
        return all(q < ALPHA for q in self.qps)

    def text(self) -> str:
        """``0.2 <= a <= 0.6``, ``b >= 0.5``, ``mechanism in {eum}``."""
        if self.values is not None:
            return f"{self.parameter} in {{{', '.join(map(str, self.values))}}}"
        if self.low is not None and self.high is not None:
            return f"{_g(self.low)} <= {self.parameter} <= {_g(self.high)}"
        if self.low is not None:
            return f"{self.parameter} >= {_g(self.low)}"
        return f"{self.parameter} <= {_g(self.high)}"


@dataclass(frozen=True)
class Box:
    """One box of the peeling trajectory: ``runs`` runs in it, ``cases`` of them cases of
    interest; coverage = cases / all cases, density = cases / runs, mass = runs / all runs."""

    step: int
    coverage: float
    density: float
    mass: float
    runs: int
    cases: int
    restrictions: tuple[Restriction, ...]
    pasted: bool = False  # a pasting step (the box grew back), after the peeling

    def restriction(self, parameter: str) -> Restriction | None:
        return next((r for r in self.restrictions if r.parameter == parameter), None)

    def text(self, mark: bool = False) -> str:
        """The restrictions; ``mark``: `` (ns)`` after those not significant."""
        return ", ".join(r.text() + (" (ns)" if mark and not r.significant else "")
                         for r in self.restrictions) or "(all runs)"


@dataclass(frozen=True)
class Trajectory:
    """The boxes PRIM visited, from the box of all runs (step 0) to the densest; ``chosen``
    is the step :func:`choose` picks for ``threshold``."""

    boxes: tuple[Box, ...]
    chosen: int
    threshold: float
    threshold_met: bool
    runs: int
    cases: int
    parameters: tuple[str, ...]
    domain: dict[str, tuple]  # numeric: (min, max) over all runs; categorical: the values
    settings: dict[str, float]
    requested: bool = False  # chosen by ``select`` (``--box STEP``), not by the threshold

    @property
    def box(self) -> Box:
        return self.boxes[self.chosen]

    def select(self, step: int) -> Trajectory:
        """The same trajectory with another box chosen."""
        if not 0 <= step < len(self.boxes):
            raise InputError(f"--box {step}: the trajectory has steps 0 to {len(self.boxes) - 1}")
        return Trajectory(self.boxes, step, self.threshold,
                          self.boxes[step].density >= self.threshold, self.runs, self.cases,
                          self.parameters, self.domain, self.settings, requested=True)


def _g(x: float) -> str:
    return f"{x:.3g}"


def _categorical(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def _prepare(params: pd.DataFrame) -> pd.DataFrame:
    """Parameters as the ``prim`` package reads them: float, int64, or object (categories)."""
    out = {}
    for c in params.columns:
        s = params[c]
        if _categorical(s):
            out[str(c)] = np.asarray(s.tolist(), dtype=object)
        elif pd.api.types.is_integer_dtype(s):
            out[str(c)] = s.to_numpy(dtype=np.int64)
        else:
            out[str(c)] = s.to_numpy(dtype=np.float64)
    return pd.DataFrame(out)


def _inside(x: pd.DataFrame, limits: dict[str, Any]) -> np.ndarray:
    """Which runs lie in the box given by ``limits`` (parameter -> (low, high) or a set)."""
    mask = np.ones(len(x), dtype=bool)
    for name, lim in limits.items():
        col = x[name].to_numpy()
        if isinstance(lim, frozenset):
            mask &= np.isin(col, list(lim))
        else:
            mask &= (col >= lim[0]) & (col <= lim[1])
    return mask


def quasi_p(runs: int, cases: int, runs_without: int, cases_without: int) -> float:
    """Bryant & Lempert's (2010) quasi-p-value of one limit of a box: the chance of at least
    ``cases`` cases among the box's ``runs`` runs if each run were a case with the density of
    the box without that limit (``cases_without / runs_without``); a one-sided binomial test
    (small: the limit matters; near or above 0.5: the box is as dense without it)."""
    from scipy.stats import binom

    if runs_without == 0:
        return float("nan")
    return float(binom.sf(cases - 1, runs, cases_without / runs_without))


def discover(params: pd.DataFrame, outcome: Any, *, threshold: float = 0.8,
             peel_alpha: float = 0.05, paste_alpha: float = 0.05,
             mass_min: float = 0.05) -> Trajectory:
    """PRIM's peeling trajectory for the cases ``outcome`` (one bool per row of ``params``).

    ``params``: one column per sampled parameter (numeric ranges, integer, or categorical:
    strings and booleans). ``threshold``: the density a box must reach to be chosen (the
    chosen box is the one with the highest coverage among those that reach it; without one,
    the densest). ``peel_alpha``: the share of runs a peel drops; ``paste_alpha``: the share
    a paste adds back; ``mass_min``: the smallest box, as a share of the runs."""
    try:
        import prim
    except ImportError:
        raise InputError("scenario discovery needs the prim package: pip install "
                         "'coalition-negotiation[sweep]' (or pip install PRIM)") from None
    y = np.asarray(outcome, dtype=bool).ravel()
    if len(y) != len(params):
        raise ValueError(f"{len(params)} rows of parameters but {len(y)} outcomes")
    if not 0 < peel_alpha < 0.5 or not 0 < paste_alpha < 0.5:
        raise InputError(f"--peel-alpha {peel_alpha}, --paste-alpha {paste_alpha}: "
                         "each must be between 0 and 0.5 (PRIM peels a small share per step)")
    if not 0 < mass_min < 1:
        raise InputError(f"--mass-min {mass_min}: must be between 0 and 1")
    if not 0 < threshold <= 1:
        raise InputError(f"--threshold {threshold}: a density, between 0 and 1")
    n, k = len(y), int(y.sum())
    if k == 0 or k == n:
        raise InputError(f"the outcome is {'true' if k else 'false'} in all {n} runs; "
                         "nothing to discover (choose another threshold or outcome)")
    x = _prepare(params)
    cats = {c for c in x.columns if _categorical(x[c])}
    # The prim package's ``threshold`` argument thresholds the outcome, not the density: not
    # passed; the density threshold is applied by choose().
    box = prim.Prim(x, y, peel_alpha=peel_alpha, paste_alpha=paste_alpha,
                    mass_min=mass_min).find_box()
    lims = box._box_lims  # one structured array (row 0: lower, row 1: upper) per step
    domain: dict[str, tuple] = {}
    full: dict[str, Any] = {}
    for c in x.columns:
        if c in cats:
            full[c] = frozenset(lims[0][c][0])
            domain[c] = tuple(sorted(full[c], key=str))
        else:
            full[c] = (lims[0][c][0], lims[0][c][1])
            domain[c] = (float(full[c][0]), float(full[c][1]))
    boxes = []
    for step, lim in enumerate(lims):
        limits = {c: (frozenset(lim[c][0]) if c in cats else (lim[c][0], lim[c][1]))
                  for c in x.columns}
        mask = _inside(x, limits)
        runs_in, cases_in = int(mask.sum()), int(y[mask].sum())

        def without(c: str, side: int | None, limits=limits, runs_in=runs_in,
                    cases_in=cases_in) -> float:
            """The quasi-p-value of the limit on ``c`` (side 0: low, 1: high, None: set)."""
            changed = dict(limits)
            if side is None:
                changed[c] = full[c]
            else:
                bounds = list(limits[c])
                bounds[side] = full[c][side]
                changed[c] = tuple(bounds)
            m = _inside(x, changed)
            return quasi_p(runs_in, cases_in, int(m.sum()), int(y[m].sum()))

        restrictions = []
        for c in x.columns:
            if isinstance(limits[c], frozenset):
                if limits[c] != full[c]:
                    kept = tuple(sorted(limits[c], key=str))
                    restrictions.append(Restriction(c, values=kept, qp_values=without(c, None),
                                                    seen=kept))
                continue
            lo, hi = limits[c]
            cut_lo, cut_hi = lo > full[c][0], hi < full[c][1]
            if not (cut_lo or cut_hi):
                continue
            vals = x[c].to_numpy()[mask]
            seen = (float(vals.min()), float(vals.max())) if len(vals) else ()
            restrictions.append(Restriction(
                c, low=float(lo) if cut_lo else None, high=float(hi) if cut_hi else None,
                qp_low=without(c, 0) if cut_lo else None,
                qp_high=without(c, 1) if cut_hi else None, seen=seen))
        boxes.append(Box(step=step, coverage=cases_in / k, density=cases_in / runs_in if runs_in
                         else float("nan"), mass=runs_in / n, runs=runs_in, cases=cases_in,
                         restrictions=tuple(restrictions),
                         pasted=bool(boxes) and runs_in > boxes[-1].runs))
    chosen, met = choose(boxes, threshold)
    return Trajectory(tuple(boxes), chosen, threshold, met, n, k, tuple(x.columns), domain,
                      {"peel_alpha": peel_alpha, "paste_alpha": paste_alpha,
                       "mass_min": mass_min})


def choose(boxes: list[Box] | tuple[Box, ...], threshold: float) -> tuple[int, bool]:
    """The step to report: the highest coverage among the boxes of density >= ``threshold``
    (then the fewest restrictions, then the earliest); without one, the densest box.
    Returns (step, whether the threshold was met)."""
    ok = [b for b in boxes if b.density >= threshold - 1e-12]
    if ok:
        best = max(ok, key=lambda b: (b.coverage, -len(b.restrictions), -b.step))
        return best.step, True
    best = max(boxes, key=lambda b: (b.density, b.coverage, -b.step))
    return best.step, False


# -- feature scores -----------------------------------------------------------------------
def slices_of(values: pd.Series, slices: int = 10) -> np.ndarray:
    """The conditioning slice of every run: one per distinct value for a categorical
    parameter or one with at most ``slices`` values (a grid), else ``slices`` bins of about
    equal counts (every run in one, the largest value included)."""
    if _categorical(values) or values.nunique() <= slices:
        return pd.factorize(values.astype(str) if _categorical(values) else values,
                            sort=True)[0]
    return pd.qcut(values.astype(float), slices, labels=False, duplicates="drop").to_numpy()


def feature_scores(params: pd.DataFrame, outcome: Any, *, slices: int = 10) -> pd.DataFrame:
    """Which parameters move the outcome most, one row per parameter, most influential first.

    The PAWN index (Pianosi & Wagener 2015; 2018 for a sample of any design) is the
    Kolmogorov-Smirnov distance between the outcome's distribution over all runs and over
    the runs of one slice of the parameter; for a 0/1 outcome that is
    ``|P(case | slice) - P(case)|``. ``pawn_median`` (the usual summary) and ``pawn_max``
    over the slices, and the p-value of a chi-square test of independence between slice
    and outcome (small: the parameter's slices differ in their share of cases by more than
    chance). Like any one-parameter-at-a-time score it misses a parameter that acts only in
    interaction with another (PRIM does not)."""
    from scipy.stats import chi2_contingency

    y = np.asarray(outcome, dtype=bool).ravel()
    if len(y) != len(params):
        raise ValueError(f"{len(params)} rows of parameters but {len(y)} outcomes")
    if slices < 2:
        raise InputError(f"--slices {slices}: must be at least 2")
    p = y.mean()
    rows = []
    for c in params.columns:
        s = slices_of(params[c].reset_index(drop=True), slices)
        labels = np.unique(s)
        shares = np.array([y[s == lab].mean() for lab in labels])
        counts = np.array([[(~y[s == lab]).sum(), y[s == lab].sum()] for lab in labels])
        ks = np.abs(shares - p)
        if len(labels) < 2 or p in (0.0, 1.0):
            pval = float("nan")
        else:
            pval = float(chi2_contingency(counts, correction=False).pvalue)
        rows.append({"parameter": str(c), "pawn_median": float(np.median(ks)),
                     "pawn_max": float(ks.max()), "slices": len(labels),
                     "lowest_share": float(shares.min()), "highest_share": float(shares.max()),
                     "p_value": pval})
    table = pd.DataFrame(rows)
    order = np.lexsort((table["parameter"].to_numpy(), -table["pawn_max"].to_numpy(),
                        -table["pawn_median"].to_numpy()))
    return table.iloc[order].reset_index(drop=True)


# -- text ---------------------------------------------------------------------------------
def _qp(q: float | None) -> str:
    if q is None:
        return "-"
    if math.isnan(q):
        return "nan"
    mark = "*" if q < ALPHA else " "
    return f"{q:.2g}{mark}" if q >= 1e-3 else f"{q:.1e}{mark}"


def _seen(r: Restriction) -> str:
    if r.values is not None:
        return ", ".join(map(str, r.values))
    if not r.seen:
        return "-"
    lo, hi = r.seen
    return _g(lo) if lo == hi else f"{_g(lo)} to {_g(hi)}"


def trajectory_lines(traj: Trajectory) -> list[str]:
    """The peeling trajectory and the chosen box, as printed by ``negotiate sweep discover``."""
    pct = 100 * traj.cases / traj.runs
    s = traj.settings
    lines = [
        f"PRIM (Friedman & Fisher 1999) over {len(traj.parameters)} parameter(s): "
        f"{', '.join(traj.parameters)}",
        f"{traj.runs} runs, {traj.cases} cases of interest ({pct:.1f}%); peel_alpha "
        f"{s['peel_alpha']:g}, paste_alpha {s['paste_alpha']:g}, mass_min {s['mass_min']:g}, "
        f"density threshold {traj.threshold:g}",
        "",
        "peeling trajectory (* the chosen box; + a pasting step, the box grown back; "
        f"(ns): a limit not significant at {ALPHA:g}, see below):",
        "  step  coverage  density   mass   runs  cases  box",
    ]
    for b in traj.boxes:
        mark = "*" if b.step == traj.chosen else " "
        lines.append(f"{mark} {b.step:>3}{'+' if b.pasted else ' '}  {b.coverage:8.3f}  "
                     f"{b.density:7.3f}  {b.mass:5.3f}  {b.runs:5d}  {b.cases:5d}  "
                     f"{b.text(mark=True)}")
    b = traj.box
    why = ("the step asked for with --box" if traj.requested
           else f"the highest coverage with density >= {traj.threshold:g}" if traj.threshold_met
           else f"no box reaches density {traj.threshold:g}: the densest")
    lines += ["", f"chosen box: step {b.step} ({why})",
              f"  coverage {b.coverage:.3f} ({b.cases} of the {traj.cases} cases), density "
              f"{b.density:.3f} ({b.cases} of its {b.runs} runs), mass {b.mass:.3f}"]
    if not b.restrictions:
        lines.append("  no restriction: the box of all runs")
        return lines
    width = max(len(r.text()) for r in b.restrictions)
    lines.append(f"  {'restriction':<{width}}  {'values in the box':<20}  quasi-p (low, high)")
    for r in b.restrictions:
        qps = _qp(r.qp_values) if r.values is not None else f"{_qp(r.qp_low)}, {_qp(r.qp_high)}"
        lines.append(f"  {r.text():<{width}}  {_seen(r):<20}  {qps}")
    lines.append(f"  * significant at {ALPHA:g}: a one-sided binomial test of the box's density "
                 "against the box without that limit (Bryant & Lempert 2010)")
    return lines


def _p(p: float) -> str:
    if math.isnan(p):
        return "nan"
    return "<1e-300" if p < 1e-300 else f"{p:.2g}"


def feature_lines(table: pd.DataFrame, cases: int, runs: int) -> list[str]:
    """The ranked feature scores, as printed by ``negotiate sweep features``."""
    w = max(9, int(table["parameter"].str.len().max()))
    lines = [f"feature scores: PAWN index (Pianosi & Wagener 2015) of the outcome, "
             f"{cases} cases in {runs} runs ({100 * cases / runs:.1f}%)",
             "  PAWN: |P(case | slice of the parameter) - P(case)|, median and largest over "
             "the slices",
             "  share: P(case) in the lowest and the highest slice; p: chi-square test of "
             "independence",
             "",
             f"  rank  {'parameter':<{w}}  median     max  slices  share: low   high         p"]
    for i, r in enumerate(table.itertuples(index=False), start=1):
        lines.append(f"  {i:>4}  {r.parameter:<{w}}  {r.pawn_median:6.3f}  {r.pawn_max:6.3f}"
                     f"  {r.slices:6d}  {r.lowest_share:10.3f}  {r.highest_share:5.3f}"
                     f"  {_p(r.p_value):>8}")
    return lines


# -- figures ------------------------------------------------------------------------------
def tradeoff_figure(traj: Trajectory, title: str = "") -> Figure:
    """Coverage against density of every box on the trajectory, coloured by the number of
    restricted parameters, the chosen box ringed, the density threshold dashed."""
    from matplotlib import colormaps
    from matplotlib.colors import BoundaryNorm
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.2, 5.2), dpi=120, layout="constrained")
    ax = fig.add_subplot()
    cov = np.array([b.coverage for b in traj.boxes])
    den = np.array([b.density for b in traj.boxes])
    dims = np.array([len(b.restrictions) for b in traj.boxes])
    top = max(int(dims.max()), 1)
    cmap = colormaps["viridis"].resampled(top + 1)
    norm = BoundaryNorm(np.arange(-0.5, top + 1.5), cmap.N)
    ax.plot(cov, den, color="0.75", lw=1, zorder=1)
    sc = ax.scatter(cov, den, c=dims, cmap=cmap, norm=norm, s=36, zorder=2,
                    edgecolors="white", linewidths=0.5)
    bar = fig.colorbar(sc, ax=ax, ticks=range(top + 1))
    bar.set_label("restricted parameters")
    b = traj.box
    ax.scatter([b.coverage], [b.density], s=220, facecolors="none", edgecolors="tab:red",
               linewidths=2, zorder=3, label=f"chosen: step {b.step}")
    every = 1 if len(traj.boxes) <= 25 else 5
    for box in traj.boxes:
        if box.step % every == 0 and box.step != b.step:
            ax.annotate(str(box.step), (box.coverage, box.density), xytext=(5, 3),
                        textcoords="offset points", fontsize=7, color="0.35")
    ax.annotate(f"step {b.step}: coverage {b.coverage:.2f}, density {b.density:.2f}",
                (b.coverage, b.density), textcoords="offset points",
                xytext=(14 if b.coverage < 0.5 else -14, -16 if b.density > 0.75 else 16),
                ha="left" if b.coverage < 0.5 else "right",
                va="top" if b.density > 0.75 else "bottom", fontsize=9, color="tab:red",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
    ax.axhline(traj.threshold, color="tab:red", ls="--", lw=1,
               label=f"density threshold {traj.threshold:g}")
    ax.axhline(traj.cases / traj.runs, color="0.4", ls=":", lw=1,
               label=f"share of cases in all runs ({traj.cases / traj.runs:.2f})")
    ax.set_xlim(-0.02, 1.04)
    ax.set_ylim(0, 1.04)
    ax.set_xlabel("coverage (share of all cases in the box)")
    ax.set_ylabel("density (share of the box's runs that are cases)")
    ax.set_title(title or "PRIM peeling trajectory", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    return fig


def box_figure(traj: Trajectory, title: str = "") -> Figure:
    """The chosen box's limits: one row per restricted parameter on its sampled range
    (left end: its lowest value in the sweep, right end: its highest), with the limits and
    the quasi-p-values written beside."""
    from matplotlib.figure import Figure

    b = traj.box
    rows = list(b.restrictions)
    fig = Figure(figsize=(9.2, 1.5 + 0.8 * max(len(rows), 1)), dpi=120, layout="constrained")
    ax, side = fig.subplots(1, 2, width_ratios=[3, 1.5], sharey=True)
    side.set_axis_off()
    fig.suptitle(title or (f"PRIM box, step {b.step}: coverage {b.coverage:.2f}, density "
                           f"{b.density:.2f}, {b.runs} runs"), fontsize=10)
    if not rows:
        ax.text(0.5, 0.5, "no restriction: the box of all runs", ha="center", va="center")
        ax.set_axis_off()
        return fig
    side.text(0, len(rows) - 0.35, f"quasi-p (* < {ALPHA:g}; pale: not significant)",
              fontsize=8, weight="bold", va="bottom")
    for i, r in enumerate(rows):
        y = len(rows) - 1 - i
        colour = "tab:blue" if r.significant else "#9ecae1"
        ax.plot([0, 1], [y, y], color="0.85", lw=9, solid_capstyle="butt", zorder=1)
        dom = traj.domain[r.parameter]
        if r.values is not None:
            # categories: one square per value, the kept ones filled
            n = len(dom)
            for j, v in enumerate(dom):
                xpos = (j + 0.5) / n
                ax.plot([xpos], [y], "s", ms=13, zorder=2, markeredgecolor=colour,
                        color=colour if v in r.values else "white")
                ax.text(xpos, y - 0.28, str(v), ha="center", va="top", fontsize=8)
            detail = f"values kept: {_qp(r.qp_values)}"
        else:
            lo_dom, hi_dom = dom
            span = (hi_dom - lo_dom) or 1.0
            lo = r.low if r.low is not None else lo_dom
            hi = r.high if r.high is not None else hi_dom
            x0, x1 = (lo - lo_dom) / span, (hi - lo_dom) / span
            ax.plot([x0, x1], [y, y], color=colour, lw=9, solid_capstyle="butt", zorder=2)
            ax.text(0, y - 0.25, _g(lo_dom), ha="left", va="top", fontsize=7, color="0.45")
            ax.text(1, y - 0.25, _g(hi_dom), ha="right", va="top", fontsize=7, color="0.45")
            if r.low is not None:
                ax.text(x0, y + 0.2, f"\u2265 {_g(r.low)}", ha="center", va="bottom",
                        fontsize=8)
            if r.high is not None:
                ax.text(x1, y + 0.2, f"\u2264 {_g(r.high)}", ha="center", va="bottom",
                        fontsize=8)
            detail = "\n".join([f"{name}: {_qp(q)}" for name, q in
                                (("low", r.qp_low), ("high", r.qp_high)) if q is not None]
                               + [f"runs in box: {_seen(r)}"])
        side.text(0, y, detail, ha="left", va="center", fontsize=8, family="monospace")
    ax.set_yticks(range(len(rows)), [r.parameter for r in reversed(rows)])
    ax.set_ylim(-0.75, len(rows) - 0.25)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xticks([0, 1], ["lowest sampled", "highest sampled"], fontsize=8)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    return fig

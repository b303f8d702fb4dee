"""Read the DEU layout: EU legislative issues, one a row, with actors' stances and outcomes.

The DEU data sets (Thomson, Stokman, Achen & König 2006, *The European Union Decides*;
DEU III: Arregui & Perarnaud 2021, JEPP, doi:10.1080/13501763.2021.1991983), in the
tab-separated layout of the public repository ``blksv/predictioneers_game``: row 1 the
header; row 2 a capability row (GDP, the Commission and the Parliament set equal to Germany)
under the position columns; from row 3 one issue a row, with ``isnr`` the issue, ``prnr`` the
proposal, ``p<actor>``/``s<actor>`` each actor's position and salience (0-100; an empty
position: the actor is absent), ``rp`` the reference point and ``out`` the outcome.

An actor is a pair of columns ``p<code>`` and ``s<code>``. A position without a salience
gets, by default, the issue's mean salience over the actors that have one (the rule of the
baselines in the data's README); ``missing_salience="zero"`` gives it 0 instead. Saliences
are divided by 100 so that they lie in [0, 1] as the mechanisms expect; positions stay on
the 0-100 scale (:data:`SCALE`). Pure: :func:`parse_deu` takes the text; :func:`read_deu`
only reads the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from inputs.cells import number, read_text
from model.actors import ActorTable
from model.errors import InputError

SCALE = (0.0, 100.0)  # the declared scale of every DEU issue
MissingSalience = Literal["mean", "zero"]


@dataclass(frozen=True)
class DeuIssue:
    """One issue: its actors' table (capability, position 0-100, salience 0-1), outcome."""

    issue: str
    proposal: str
    row: int  # the line of the file
    table: ActorTable
    outcome: float | None
    reference_point: float | None
    imputed: tuple[str, ...]  # actors whose missing salience was filled in


def _cell(source: str, row: int, column: str, text: str) -> float | None:
    """An empty cell is None (an actor absent from the issue); anything else a checked
    number (:func:`inputs.cells.number`)."""
    text = text.strip()
    return number(source, row, column, text) if text else None


def _on_scale(source: str, row: int, column: str, value: float | None, what: str) -> None:
    if value is not None and not 0.0 <= value <= 100.0:
        raise InputError(f"{source}: row {row}, column {column}: {what} {value:g} is outside "
                         "[0, 100]")


def parse_deu(
    text: str, source: str = "<deu>", *, missing_salience: MissingSalience = "mean"
) -> list[DeuIssue]:
    """The issues of a DEU file's text; any problem is an :class:`InputError` (one line)."""
    if missing_salience not in ("mean", "zero"):
        raise ValueError(f"missing_salience must be 'mean' or 'zero', got {missing_salience!r}")
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if len(rows) < 3:
        raise InputError(f"{source}: {len(rows)} line(s); expected a header, a capability row "
                         "and issues (the DEU layout, tab-separated)")
    header = [h.strip() for h in rows[0]]
    col = {h: k for k, h in enumerate(header)}
    for needed in ("isnr", "prnr", "out"):
        if needed not in col:
            raise InputError(f"{source}: row 1, column {needed}: missing (is this the DEU "
                             "layout, tab-separated?)")
    codes = [h[1:] for h in header if h.startswith("p") and len(h) > 1 and f"s{h[1:]}" in col]
    if not codes:
        raise InputError(f"{source}: row 1: no actor columns (p<actor> with s<actor>)")

    def value(row: list[str], row_no: int, name: str) -> float | None:
        k = col[name]
        return _cell(source, row_no, name, row[k] if k < len(row) else "")

    cap_row = rows[1]
    if cap_row[col["isnr"]].strip() if col["isnr"] < len(cap_row) else "":
        raise InputError(f"{source}: row 2, column isnr: expected the capability row (no issue "
                         "number), found an issue")
    caps = {}
    for code in codes:
        cap = value(cap_row, 2, f"p{code}")
        if cap is None or not cap > 0:
            raise InputError(f"{source}: row 2, column p{code}: capability must be a positive "
                             f"number, got {cap_row[col[f'p{code}']]!r}")
        caps[code] = cap

    issues: list[DeuIssue] = []
    seen: set[str] = set()
    for row_no, row in enumerate(rows[2:], start=3):
        issue = row[col["isnr"]].strip() if col["isnr"] < len(row) else ""
        if not issue:
            raise InputError(f"{source}: row {row_no}, column isnr: empty issue number")
        if issue in seen:
            raise InputError(f"{source}: row {row_no}, column isnr: duplicate issue {issue!r}")
        seen.add(issue)
        names, x, s = [], [], []
        for code in codes:
            p = value(row, row_no, f"p{code}")
            _on_scale(source, row_no, f"p{code}", p, "position")
            sal = value(row, row_no, f"s{code}")
            _on_scale(source, row_no, f"s{code}", sal, "salience")
            if p is not None:
                names.append(code)
                x.append(p)
                s.append(sal)
        if not names:
            raise InputError(f"{source}: row {row_no}: no actor has a position on issue {issue}")
        given = [v for v in s if v is not None]
        imputed = tuple(n for n, v in zip(names, s, strict=True) if v is None)
        if imputed and missing_salience == "mean" and not given:
            raise InputError(f"{source}: row {row_no}, column s{imputed[0]}: no salience on "
                             f"issue {issue}, so no mean salience to fill in")
        fill = float(np.mean(given)) if given and missing_salience == "mean" else 0.0
        sal_arr = np.array([fill if v is None else v for v in s]) / 100.0
        c = np.array([caps[n] for n in names])
        if not np.any(c * sal_arr > 0):
            raise InputError(f"{source}: row {row_no}: every actor on issue {issue} has zero "
                             "salience")
        outcome = value(row, row_no, "out")
        _on_scale(source, row_no, "out", outcome, "outcome")
        rp = value(row, row_no, "rp") if "rp" in col else None
        issues.append(DeuIssue(
            issue=issue, proposal=row[col["prnr"]].strip(), row=row_no,
            table=ActorTable(names=names, c=c, x=np.array(x, dtype=float), s=sal_arr),
            outcome=outcome, reference_point=rp, imputed=imputed,
        ))
    return issues


def read_deu(path: str | Path, *, missing_salience: MissingSalience = "mean") -> list[DeuIssue]:
    """Read a DEU file (see :func:`parse_deu`)."""
    path = Path(path)
    text = read_text(path)
    return parse_deu(text, str(path), missing_salience=missing_salience)

"""Read KTAB's SMP actor table (``SMPModel::csvRead``, KTAB ``examples/smp/libsrc/smpread.cpp``).

KTAB (KAPSARC, MIT licence) lays out its CSV input as::

    <scenario name>,<description>,<number of actors>,<number of dimensions>,
    Actor,Description,Power,<dim 1 name>,<salience 1 name>,...,<dim D name>,<salience D name>,
    <actor>,<description>,<capability>,<position 1>,<salience 1>,...

with positions and saliences on 0..100 and a trailing comma allowed. The position columns'
headers name the dimensions. Checks are KTAB's: 3 to 250 actors, names of 1 to 25
characters, capability in (0, 1e8] (KTAB reads 0 but its votes then fail), positions and
saliences in [0, 100], each actor's saliences summing to at most 100. Saliences are divided
by 100 and not renormalised; positions stay on KTAB's 0..100 scale (:data:`KTAB_SCALE`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from inputs.cells import number as _number
from inputs.cells import read_rows
from model.actors import ActorTable
from model.errors import InputError

KTAB_SCALE = (0.0, 100.0)
MIN_ACTORS, MAX_ACTORS = 3, 250


def _cells(row: list[str]) -> list[str]:
    cells = [cell.strip().strip('"').strip() for cell in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def looks_like_ktab(rows: list[list[str]]) -> bool:
    """True if a title line comes before a header starting ``Actor`` (KTAB's layout, whose
    header is ``Actor,Description,Power,...``); the project's tables start with the header."""
    if len(rows) < 2 or (rows[0] and rows[0][0].strip().lower() == "actor"):
        return False
    head = _cells(rows[1])
    return bool(head) and head[0].lower() == "actor"


def _read_rows(path: Path) -> list[list[str]]:
    return read_rows(path)


def read_ktab_table(path: str | Path, rows: list[list[str]] | None = None) -> ActorTable:
    """Parse and validate a KTAB SMP table; any problem raises :class:`InputError` (one line)."""
    path = Path(path)
    rows = _read_rows(path) if rows is None else rows
    if len(rows) < 2:
        raise InputError(f"{path}: expected a title line and a header Actor,Description,Power,...")
    header = _cells(rows[1])
    expected = ["actor", "description", "power"]
    for k, name in enumerate(expected):
        if k >= len(header) or header[k].lower() != name:
            found = header[k] if k < len(header) else "nothing"
            raise InputError(
                f"{path}: row 2, column {k + 1}: expected {name.capitalize()!r}, found {found!r}"
            )
    pairs = header[3:]
    if not pairs:
        raise InputError(f"{path}: row 2: no position/salience columns after Power")
    if len(pairs) % 2:
        raise InputError(
            f"{path}: row 2, column {pairs[-1]!r}: position column without its salience column"
        )
    for k, name in enumerate(pairs):
        if not name:
            raise InputError(f"{path}: row 2, column {k + 4}: empty column name")
    dims = pairs[0::2]
    sal_names = pairs[1::2]
    ncol = 3 + len(pairs)
    title = _cells(rows[0])
    names: list[str] = []
    caps, pos, sal = [], [], []
    for row_no, raw in enumerate(rows[2:], start=3):
        row = _cells(raw)
        if len(row) != ncol:
            raise InputError(f"{path}: row {row_no}: {len(row)} values for {ncol} columns")
        name = row[0]
        if not 1 <= len(name) <= 25:
            raise InputError(
                f"{path}: row {row_no}, column Actor: name {name!r} must have 1 to 25 characters"
            )
        if name in names:
            raise InputError(f"{path}: row {row_no}, column Actor: duplicate actor {name!r}")
        cap = _number(path, row_no, "Power", row[2])
        if not 0 < cap <= 1e8:
            raise InputError(
                f"{path}: row {row_no}, column Power: capability {cap:g} must be in (0, 1e8]"
            )
        p = [_number(path, row_no, h, row[3 + 2 * k]) for k, h in enumerate(dims)]
        s = [_number(path, row_no, h, row[4 + 2 * k]) for k, h in enumerate(sal_names)]
        for column, value, what in [*zip(dims, p, ["position"] * len(p), strict=True),
                                    *zip(sal_names, s, ["salience"] * len(s), strict=True)]:
            if not 0.0 <= value <= 100.0:
                raise InputError(
                    f"{path}: row {row_no}, column {column}: {what} {value:g} is outside 0..100"
                )
        if sum(s) > 100.0 + 1e-9:
            raise InputError(
                f"{path}: row {row_no}, column {sal_names[-1]}: saliences sum to {sum(s):g} > 100"
            )
        if sum(s) <= 0.0:
            raise InputError(f"{path}: row {row_no}, column {sal_names[0]}: every salience is 0")
        names.append(name)
        caps.append(cap)
        pos.append(p)
        sal.append(s)
    if not MIN_ACTORS <= len(names) <= MAX_ACTORS:
        raise InputError(
            f"{path}: {len(names)} actor(s); KTAB's SMP needs {MIN_ACTORS} to {MAX_ACTORS}"
        )
    if len(title) >= 4:
        for k, (label, actual) in enumerate((("actors", len(names)), ("dimensions", len(dims)))):
            try:
                declared = int(float(title[2 + k]))
            except ValueError:
                raise InputError(
                    f"{path}: row 1, column {3 + k}: {title[2 + k]!r} is not a number of {label}"
                ) from None
            if declared != actual:
                raise InputError(
                    f"{path}: row 1, column {3 + k}: declares {declared} {label}, "
                    f"the table has {actual}"
                )
    for k in np.flatnonzero(~np.any(np.array(sal) > 0, axis=0)):
        raise InputError(f"{path}: column {sal_names[k]}: every salience is 0, so no actor "
                         "weighs this dimension")
    return ActorTable(
        names=names, c=np.array(caps), x=np.array(pos), s=np.array(sal) / 100.0,
        dimension_names=list(dims),
    )

"""Read the common actor-table format ``Actor,Capability,Position,Salience``.

The format of the EUM literature (Bueno de Mesquita 1994; Scholz et al. 2011) and of KTAB's
CSV input: one row per actor; header names are case-insensitive; further issue dimensions
come as further ``Position``/``Salience`` column pairs (``Position2``, ``Salience2``, or a
repeated ``Position``/``Salience`` header).

Checks, after KTAB's SMP input rules (KAPSARC's KTAB, ``examples/smp``): at least three
actors; every capability positive; no column but those; saliences in [0, 1], or, in a table
whose saliences exceed 1, on KTAB's 0-100 scale, where each actor's saliences must sum to at
most 100 (they are then divided by 100). Every problem is one line naming file, row, column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from inputs.cells import number as _number
from inputs.cells import read_rows
from inputs.ktab_table import looks_like_ktab, read_ktab_table
from model.actors import ActorTable
from model.errors import InputError

__all__ = ["ActorTable", "read_actor_table"]


def _saliences(
    path: Path, header: list[str], sal_cols: list[int], sal: list[list[float]]
) -> np.ndarray:
    """Saliences on [0, 1]; a table with any salience above 1 is read on KTAB's 0-100 scale."""
    percent = any(v > 1.0 for row in sal for v in row)
    top = 100.0 if percent else 1.0
    for row_no, values in enumerate(sal, start=2):
        for k, value in zip(sal_cols, values, strict=True):
            if not 0.0 <= value <= top:
                raise InputError(
                    f"{path}: row {row_no}, column {header[k]}: salience {value:g} is outside "
                    f"[0, {top:g}]"
                )
        if percent and sum(values) > 100.0 + 1e-9:
            cols = "+".join(header[k] for k in sal_cols)
            raise InputError(
                f"{path}: row {row_no}, column {cols}: saliences sum to {sum(values):g}, over "
                "100 (KTAB's rule for saliences given 0-100)"
            )
    out = np.array(sal, dtype=float)
    return out / 100.0 if percent else out


def read_actor_table(path: str | Path) -> ActorTable:
    """Parse and validate an actor table; any problem raises :class:`InputError` (one line).

    A file whose second line is KTAB's header ``Actor,Description,Power,...`` (after a
    title line) is read by :func:`inputs.ktab_table.read_ktab_table`.
    """
    path = Path(path)
    rows = read_rows(path)
    if looks_like_ktab(rows):
        return read_ktab_table(path, rows)
    if not rows:
        raise InputError(
            f"{path}: the file is empty; expected a header Actor,Capability,Position,Salience"
        )
    header = [h.strip() for h in rows[0]]
    lower = [h.lower() for h in header]
    for k, h in enumerate(lower):
        if h not in ("actor", "capability") and h.rstrip("0123456789") not in (
            "position", "salience"
        ):
            name = repr(header[k]) if header[k] else f"{k + 1} (no name)"
            raise InputError(
                f"{path}: row 1, column {name}: unknown column; expected Actor, Capability, "
                "Position, Salience (Position2, Salience2, ... for further dimensions)"
            )
    for required in ("actor", "capability", "position", "salience"):
        if required not in [h.rstrip("0123456789") for h in lower]:
            raise InputError(f"{path}: header: missing column {required.capitalize()!r}")
    actor_col = lower.index("actor")
    cap_col = lower.index("capability")
    pos_cols = [k for k, h in enumerate(lower) if h.rstrip("0123456789") == "position"]
    sal_cols = [k for k, h in enumerate(lower) if h.rstrip("0123456789") == "salience"]
    if len(pos_cols) != len(sal_cols):
        raise InputError(
            f"{path}: header: {len(pos_cols)} Position columns but {len(sal_cols)} Salience "
            "columns; give one Salience per Position"
        )
    names: list[str] = []
    caps: list[float] = []
    pos: list[list[float]] = []
    sal: list[list[float]] = []
    for row_no, row in enumerate(rows[1:], start=2):
        if len(row) < len(header):
            raise InputError(
                f"{path}: row {row_no}: {len(row)} values for {len(header)} columns"
            )
        name = row[actor_col].strip()
        if not name:
            raise InputError(f"{path}: row {row_no}, column {header[actor_col]}: empty actor name")
        if name in names:
            raise InputError(
                f"{path}: row {row_no}, column {header[actor_col]}: duplicate actor {name!r}"
            )
        cap = _number(path, row_no, header[cap_col], row[cap_col])
        if not cap > 0:
            raise InputError(
                f"{path}: row {row_no}, column {header[cap_col]}: capability {cap:g} must be "
                "positive (an actor without capability casts no vote; KTAB refuses it too)"
            )
        p = [_number(path, row_no, header[k], row[k]) for k in pos_cols]
        s = [_number(path, row_no, header[k], row[k]) for k in sal_cols]
        names.append(name)
        caps.append(cap)
        pos.append(p)
        sal.append(s)
    if len(names) < 3:
        raise InputError(
            f"{path}: rows 2-{len(names) + 1}, column {header[actor_col]}: {len(names)} "
            "actor(s); a negotiation needs at least three (as KTAB's SMP requires)"
        )
    s_arr = _saliences(path, header, sal_cols, sal)
    x = np.array(pos, dtype=float)
    if x.shape[1] == 1:
        x, s_arr = x[:, 0], s_arr[:, 0]
    c = np.array(caps, dtype=float)
    weights = c[:, None] * (s_arr if s_arr.ndim == 2 else s_arr[:, None])
    for k in np.flatnonzero(~np.any(weights > 0, axis=0)):
        raise InputError(f"{path}: column {header[sal_cols[k]]}: every salience is 0, so no "
                         "actor weighs this dimension (the forecast c·s·x / c·s is undefined)")
    return ActorTable(names=names, c=c, x=x, s=s_arr)

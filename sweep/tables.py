"""Reading a sweep's tables back, one file per table, and the statistics across replications.

The parts of a table are read in run order one at a time (see :mod:`sweep.store`), so
an export or the statistics need about one part in memory, however many runs there are.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from model.errors import InputError
from sweep.store import (  # noqa: F401  (the readers live with the store)
    SORT_KEYS,
    Store,
    batches_in_order,
    iter_parts,
    read_design,
    read_manifest,
    read_table,
)


# -- export -------------------------------------------------------------------------------
class TableWriter:
    """Append pandas chunks to one CSV or Parquet file, written under a temporary name and
    renamed when closed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        self.fmt = path.suffix.lstrip(".")
        if self.fmt not in ("csv", "parquet"):
            raise InputError(f"{path}: unknown table format {path.suffix!r} (use .csv or .parquet)")
        self.writer = None
        self.schema = None
        self.rows = 0
        self._first = True

    def write(self, chunk: pd.DataFrame) -> None:
        self.rows += len(chunk)
        if self.fmt == "csv":
            chunk.to_csv(self.tmp, mode="w" if self._first else "a", header=self._first,
                         index=False)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            if self.writer is None:
                table = pa.Table.from_pandas(chunk, preserve_index=False)
                self.schema = table.schema
                self.writer = pq.ParquetWriter(self.tmp, self.schema)
            else:
                table = pa.Table.from_pandas(chunk, preserve_index=False, schema=self.schema)
            self.writer.write_table(table)
        self._first = False

    def close(self) -> Path:
        if self.writer is not None:
            self.writer.close()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.tmp.unlink(missing_ok=True)


def export(out: str | Path, what: str, fmt: str, to: str | Path | None = None) -> tuple[Path, int]:
    """Write one table of a sweep as one file sorted by run (and round); return (path, rows).

    ``what``: runs, outcomes, rounds, actors, stats, or an extra table of the model."""
    store = Store(out)
    manifest = read_manifest(store.out)
    path = Path(to) if to else store.out / f"{what}.{fmt}"
    if path.suffix.lstrip(".") != fmt:
        raise InputError(f"--to {path}: the suffix does not match --format {fmt}")
    if what == "stats":
        chunks: Iterator[pd.DataFrame] = iter([stats(store)])
    elif what in ("runs", "outcomes"):
        table = store.table(what)
        chunks = iter([] if table is None else [table])
    else:
        kind = what if what in ("rounds", "actors") else f"x_{what}"
        if kind not in store.kinds():
            extra = [k.removeprefix("x_") for k in store.kinds() if k.startswith("x_")]
            known = ", ".join(["runs", "outcomes", "rounds", "actors", "stats", *extra])
            if what in ("rounds", "actors", "outcomes"):
                raise InputError(f"{store.out}: no {what} table yet "
                                 f"({manifest.get('status')}; no run has finished, or "
                                 "[output] actors = false)")
            raise InputError(f"--what {what}: no such table (tables: {known})")
        chunks = store.iter_parts(kind)
    writer = TableWriter(path)
    try:
        wrote = False
        for chunk in chunks:
            writer.write(chunk)
            wrote = True
        if not wrote:
            raise InputError(f"{store.out}: no {what} table yet: no run has finished")
    except BaseException:
        writer.abort()
        raise
    return writer.close(), writer.rows


# -- stats across replications -------------------------------------------------------------
def _numeric(frame: pd.DataFrame) -> list[str]:
    skip = {"run_id", "design_point", "replication", "round"}
    return [c for c in frame.columns
            if c not in skip and (pd.api.types.is_numeric_dtype(frame[c])
                                  or pd.api.types.is_bool_dtype(frame[c]))]


def _reduce(rows: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    from scipy import stats as st

    long = rows.melt(id_vars=["design_point", "round"], value_vars=order, var_name="outcome")
    long["value"] = long["value"].astype(float)
    long["outcome"] = pd.Categorical(long["outcome"], categories=order, ordered=True)
    g = long.groupby(["design_point", "round", "outcome"], sort=True, observed=True)["value"]
    out = pd.DataFrame({"n": g.count(), "mean": g.mean(), "sd": g.std(ddof=1)}).reset_index()
    n = out["n"].astype(float)
    half = st.t.ppf(0.975, (n - 1).where(n > 1)) * out["sd"] / n ** 0.5
    out["ci95_low"] = out["mean"] - half
    out["ci95_high"] = out["mean"] + half
    out["outcome"] = out["outcome"].astype(str)
    return out


def _outcome_stats(store: Store, round_stats: pd.DataFrame, known: set[str]):
    """Outcomes that are not round columns (e.g. the ceasefire phase's ``ceasefire_held``),
    reduced the same way and listed at each design point's last round."""
    outcomes = store.table("outcomes")
    if outcomes is None:
        return None
    cols = [c for c in _numeric(outcomes) if c not in known and c != "seed"]
    if not cols:
        return None
    last = round_stats.groupby("design_point")["round"].max()
    rows = outcomes[["design_point", *cols]].copy()
    rows.insert(1, "round", rows["design_point"].map(last).astype("int64"))
    return _reduce(rows, cols)


def stats(store: Store) -> pd.DataFrame:
    """Mean, sd and a 95% t interval of every numeric round column across replications, per
    design point and round (long format: one row per design point, round and outcome), and
    of the other outcomes of a run at its last round.

    A design point's replications are consecutive runs, so the parts are read in run order
    and each design point is reduced once all its rows are in: memory stays at about one
    part, and the numbers do not depend on how the runs were batched."""
    pieces, order = [], []
    buffer: pd.DataFrame | None = None
    for chunk in store.iter_parts("rounds"):
        order = order or _numeric(chunk)
        buffer = chunk if buffer is None else pd.concat([buffer, chunk], ignore_index=True)
        last = buffer["design_point"].iloc[-1]
        complete = buffer["design_point"] < last
        if complete.any():
            pieces.append(_reduce(buffer[complete], order))
            buffer = buffer[~complete]
    if buffer is None:
        raise InputError(f"{store.out}: no rounds table yet: no run has finished")
    pieces.append(_reduce(buffer, order))
    out = pd.concat(pieces, ignore_index=True)
    design = store.design()
    extra = _outcome_stats(store, out, set(order) | set(design.columns))
    if extra is not None:
        out = pd.concat([out, extra], ignore_index=True).sort_values(
            ["design_point", "round"], kind="stable")
    out = out.merge(design, on="design_point", how="left")
    cols = ["design_point", *[c for c in design.columns if c != "design_point"], "round",
            "outcome", "n", "mean", "sd", "ci95_low", "ci95_high"]
    return out[cols]

"""The run's files, written as the run goes: an observer of :func:`model.run.run`.

``DIR/run.json`` is written first, with ``"status": "running"``, and rewritten (atomically:
a temporary name, then a rename) when the run ends, as ``complete``, ``interrupted`` (Ctrl-C)
or ``failed``, with ``rounds_completed`` (a rename a round would cost more than the round's
rows; a reader follows progress in ``rounds``). Each round's rows reach ``rounds`` and
``actors`` when the round ends: CSV appended and flushed, Parquet one row group a round
through ``pyarrow.parquet.ParquetWriter``; ``events.txt`` likewise. The ceasefire phase's
tables (``outcomes``, ``ceasefire_states``, ``ceasefire_events``) are written when the
phase ends. Concatenated, the rounds' rows are byte for byte the tables of
:func:`model.run.run_one` written whole.

A reused ``DIR`` ends up holding this run's files only: the files an earlier ``run.json``
lists that this run does not write are removed before the run starts; files no run wrote
are left alone and named in a warning. A ``DIR`` that cannot be written is refused before
the run starts (:func:`check_out`).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from model.errors import InputError
from model.run import RoundRows, has_ceasefire_phase

if TYPE_CHECKING:
    import pandas as pd

    from model.ceasefire.phase import CeasefirePhase
    from model.negotiation import NegotiationModel
    from model.tables import RunTables

TABLES = ("rounds", "actors")
PHASE_TABLES = ("outcomes", "ceasefire_states", "ceasefire_events")
# what `negotiate run` writes (or wrote before run.json listed its files)
KNOWN = {f"{t}.{ext}" for t in (*TABLES, *PHASE_TABLES) for ext in ("csv", "parquet")} | {
    "events.txt", "run.json"}


def check_out(out: Path) -> None:
    """Refuse, before anything runs, a ``--out`` that is a file or cannot be written."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None


def _atomic_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def earlier_files(out: Path) -> set[str] | None:
    """The files an earlier run in ``out`` wrote (its run.json's ``files``; for a run.json
    from before the list, the names ``negotiate run`` writes); None without a run.json."""
    path = out / "run.json"
    if not path.is_file():
        return None
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files")
    except (OSError, ValueError, AttributeError):
        files = None
    if isinstance(files, list):
        return {str(f) for f in files if isinstance(f, str) and "/" not in f and f != ".."}
    return {p.name for p in out.iterdir() if p.name in KNOWN}


class RunFiles:
    """Write a run's tables into ``out`` round by round (``fmt``: ``csv`` or ``parquet``);
    ``meta`` goes into run.json beside the status. ``warn`` gets one line naming files in
    ``out`` that no run wrote."""

    def __init__(self, out: Path, fmt: str, meta: dict[str, Any],
                 warn: Any = None) -> None:
        self.out = Path(out)
        self.fmt = fmt
        self.meta = dict(meta)
        self.warn = warn or (lambda line: print(line, file=sys.stderr))
        self.files: list[str] = []
        self.rounds_completed = 0
        self._csv: dict[str, IO[str]] = {}
        self._parquet: dict[str, Any] = {}
        self._events: IO[str] | None = None
        self._n_events = 0

    # -- the files ----------------------------------------------------------------------------
    def _planned(self, model: NegotiationModel) -> list[str]:
        tables = [*TABLES, *(PHASE_TABLES if has_ceasefire_phase(model) else ())]
        return [*(f"{t}.{self.fmt}" for t in tables), "events.txt", "run.json"]

    def _tidy(self, planned: list[str]) -> None:
        """Remove what an earlier run wrote and this one does not write at once (the phase's
        tables come at the end: an interrupted run must not leave an earlier run's); name
        the files no run wrote."""
        earlier = earlier_files(self.out) or set()
        for name in sorted(earlier - set(self.files)):
            (self.out / name).unlink(missing_ok=True)
        strangers = sorted(p.name for p in self.out.iterdir()
                           if p.name not in earlier and p.name not in planned
                           and not p.name.startswith(".write-test-"))
        if strangers:
            self.warn(f"negotiate: warning: --out {self.out} also holds files no run wrote "
                      f"(left alone): {', '.join(strangers)}")

    def _status(self, status: str) -> None:
        _atomic_json(self.out / "run.json", {
            "status": status, "rounds_completed": self.rounds_completed, **self.meta,
            "files": self.files})

    def _append(self, name: str, table: pd.DataFrame) -> None:
        path = self.out / f"{name}.{self.fmt}"
        if self.fmt == "csv":
            handle = self._csv.get(name)
            text = table.to_csv(index=False, header=handle is None)
            if handle is None:
                handle = self._csv[name] = path.open("w", encoding="utf-8", newline="")
            handle.write(text)
            handle.flush()
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            arrow = pa.Table.from_pandas(table, preserve_index=False)
            writer = self._parquet.get(name)
            if writer is None:
                writer = self._parquet[name] = pq.ParquetWriter(path, arrow.schema)
            writer.write_table(arrow.cast(writer.schema))

    def _whole(self, name: str, table: pd.DataFrame) -> None:
        path = self.out / f"{name}.{self.fmt}"
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        if self.fmt == "csv":
            table.to_csv(tmp, index=False)
        else:
            table.to_parquet(tmp, index=False)
        os.replace(tmp, path)

    def _close(self) -> None:
        for handle in self._csv.values():
            handle.close()
        for writer in self._parquet.values():
            writer.close()
        self._csv, self._parquet = {}, {}
        if self._events is not None:
            if self._n_events == 0:  # as a whole run writes it: one empty line
                self._events.write("\n")
            self._events.close()
            self._events = None

    # -- the observer ---------------------------------------------------------------------------
    def on_start(self, model: NegotiationModel) -> None:
        self.files = [f"{t}.{self.fmt}" for t in TABLES] + ["events.txt", "run.json"]
        self._tidy(self._planned(model))
        self.meta.setdefault("rounds", model.total_rounds)
        self._status("running")
        self._events = (self.out / "events.txt").open("w", encoding="utf-8")

    def on_round(self, model: NegotiationModel, rows: RoundRows) -> None:
        for name in TABLES:
            self._append(name, getattr(rows, name))
        if rows.events and self._events is not None:
            self._events.write("".join(f"{e}\n" for e in rows.events))
            self._events.flush()
            self._n_events += len(rows.events)
        self.rounds_completed = rows.number

    def on_ceasefire(self, phase: CeasefirePhase, tables: dict[str, pd.DataFrame]) -> None:
        for name, table in tables.items():
            self._whole(name, table)
            self.files.insert(-2, f"{name}.{self.fmt}")

    def on_end(self, status: str, tables: RunTables | None) -> None:
        self._close()
        self._status(status)

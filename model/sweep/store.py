"""The output directory of a sweep: manifest, parts, and the tables read back from them.

::

    DIR/manifest.json        sweep file and hash, scenario and hash, versions, git commit,
                             times, status, and one entry per session (start, resume)
    DIR/sweep.toml           copies of the sweep file and of the scenario
    DIR/scenario.toml
    DIR/design.parquet       the design points
    DIR/parts/<kind>/<batch>.parquet
                             kind: runs, outcomes, rounds, actors, x_<extra table>
    DIR/runs.parquet         written when the sweep is complete
    DIR/outcomes.parquet

Every file is written to a temporary name and renamed. A batch's ``runs`` part is written
last: it is the commit record. On resume, parts of batches without one (a kill between two
renames) and temporary files are deleted, and the runs listed in the committed ``runs``
parts are not run again. Batches never span a gap in run ids, so the parts cover disjoint
intervals and a table is read back in run order one part at a time (memory stays flat).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from model.errors import InputError
from model.export import write_table
from model.sweep.spec import PROJECT_ROOT, Sweep

MANIFEST = "manifest.json"
SORT_KEYS = {"rounds": ["run_id", "round"], "actors": ["run_id", "round", "actor"]}
RUN_KEYS = ["run_id", "design_point", "replication"]


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def git_commit() -> dict[str, Any] | None:
    """The project's git commit and whether the tree had local changes, where known."""
    try:
        head = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(PROJECT_ROOT), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               timeout=20)
        return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return None


def versions() -> dict[str, str]:
    """The versions of :func:`model.commands.versions` (and pandas, pyarrow), read from the
    package metadata so that the runner's process need not import Mesa."""
    import platform
    from importlib import metadata

    out = {}
    for key, dist in (("coalition-negotiation", "coalition-negotiation"), ("mesa", "mesa"),
                      ("numpy", "numpy"), ("pandas", "pandas"), ("pyarrow", "pyarrow")):
        try:
            out[key] = metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[key] = "unknown"
    out["python"] = platform.python_version()
    return out


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def read_manifest(out: Path) -> dict[str, Any]:
    path = out / MANIFEST
    if not path.is_file():
        raise InputError(f"{out}: not a sweep directory (no {MANIFEST})")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: unreadable ({exc})") from None


class Store:
    """Reads and writes one sweep directory."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.parts = self.out / "parts"

    # -- set-up and resume ----------------------------------------------------------------
    def create(self, sweep: Sweep, session: dict[str, Any]) -> dict[str, Any]:
        if (self.out / MANIFEST).exists():
            raise InputError(f"{self.out}: already holds a sweep; add --resume to finish it, "
                             "or choose another --out")
        if self.out.exists() and any(self.out.iterdir()):
            raise InputError(f"{self.out}: directory is not empty; choose another --out")
        self.parts.mkdir(parents=True, exist_ok=True)
        write_text(self.out / "sweep.toml", sweep.path.read_text(encoding="utf-8"))
        write_text(self.out / "scenario.toml", sweep.scenario_text)
        write_table(sweep.design.table, self.out / "design.parquet")
        manifest = {
            "sweep_file": str(sweep.path.resolve()),
            "sweep_sha256": sweep.file_hash,
            "scenario_file": str(sweep.scenario_path),
            "scenario_sha256": sweep.scenario_hash,
            "versions": versions(),
            "git": git_commit(),
            "design_points": sweep.design.n_points,
            "replications": sweep.spec.replications,
            "runs": sweep.n_runs,
            "seed": sweep.spec.seed,
            "common_random_numbers": sweep.crn,
            "design": sweep.spec.design.model_dump(),
            "started": now(),
            "finished": None,
            "status": "running",
            "sessions": [session],
        }
        write_json(self.out / MANIFEST, manifest)
        return manifest

    def reopen(self, sweep: Sweep, session: dict[str, Any]) -> dict[str, Any]:
        manifest = read_manifest(self.out)
        if manifest.get("sweep_sha256") != sweep.file_hash:
            what = f"the sweep file {sweep.path}" + (f" (or its {sweep.variant})"
                                                      if sweep.variant else "")
            raise InputError(
                f"{self.out}: cannot resume: {what} has changed since this "
                f"sweep began (sha256 {manifest.get('sweep_sha256', '?')[:12]}, now "
                f"{sweep.file_hash[:12]}); restore it or start a new --out directory")
        if manifest.get("scenario_sha256") != sweep.scenario_hash:
            raise InputError(
                f"{self.out}: cannot resume: the scenario {sweep.scenario_path} has changed "
                f"since this sweep began (sha256 {manifest.get('scenario_sha256', '?')[:12]}, "
                f"now {sweep.scenario_hash[:12]}); restore it or start a new --out directory")
        manifest.setdefault("sessions", []).append(session)
        manifest["status"] = "running"
        write_json(self.out / MANIFEST, manifest)
        return manifest

    def recover(self) -> tuple[set[int], int, int]:
        """Delete what a kill left half-done; return (done run ids, failed count, next batch)."""
        done: set[int] = set()
        failed = 0
        committed = set()
        highest = -1
        if not self.parts.is_dir():
            return done, failed, 0
        for kind_dir in self.parts.iterdir():
            for f in kind_dir.iterdir():
                if f.name.startswith("."):
                    f.unlink(missing_ok=True)
                elif f.stem.isdigit():
                    highest = max(highest, int(f.stem))
        for f in (self.parts / "runs").glob("*.parquet"):
            runs = pd.read_parquet(f, columns=["run_id", "status"])
            done.update(int(r) for r in runs["run_id"])
            failed += int((runs["status"] != "ok").sum())
            committed.add(f.stem)
        for kind_dir in self.parts.iterdir():
            if kind_dir.name != "runs":
                for f in kind_dir.glob("*.parquet"):
                    if f.stem not in committed:
                        f.unlink(missing_ok=True)
        return done, failed, highest + 1

    # -- writing --------------------------------------------------------------------------
    def write_batch(self, batch: int, tables: dict[str, pd.DataFrame]) -> None:
        name = f"{batch:06d}.parquet"
        for kind in sorted(tables, key=lambda k: k == "runs"):  # runs last: the commit
            (self.parts / kind).mkdir(parents=True, exist_ok=True)
            write_table(tables[kind], self.parts / kind / name)

    def finish(self, manifest: dict[str, Any], status: str, counts: dict[str, int]) -> None:
        manifest["status"] = status
        manifest["sessions"][-1].update(finished=now(), **counts)
        if status == "complete":
            manifest["finished"] = now()
            for what in ("runs", "outcomes"):
                table = self.table(what)
                if table is not None:
                    write_table(table, self.out / f"{what}.parquet")
        write_json(self.out / MANIFEST, manifest)

    # -- reading --------------------------------------------------------------------------
    def _batches_in_order(self) -> list[str]:
        starts = []
        for f in (self.parts / "runs").glob("*.parquet"):
            ids = pd.read_parquet(f, columns=["run_id"])["run_id"]
            if len(ids):
                starts.append((int(ids.min()), int(ids.max()), f.stem))
        starts.sort()
        for (_, hi, _), (lo, _, _) in itertools.pairwise(starts):
            if lo <= hi:  # pragma: no cover - batches never overlap (spec.batches)
                raise InputError(f"{self.out}: parts overlap; the directory is damaged")
        return [stem for _, _, stem in starts]

    def kinds(self) -> list[str]:
        if not self.parts.is_dir():
            return []
        return sorted(d.name for d in self.parts.iterdir() if d.is_dir())

    def iter_parts(self, kind: str) -> Iterator[pd.DataFrame]:
        """The committed parts of one table, in run order, each sorted by run and round."""
        keys = SORT_KEYS.get(kind, ["run_id"])
        for stem in self._batches_in_order():
            f = self.parts / kind / f"{stem}.parquet"
            if f.is_file():
                part = pd.read_parquet(f)
                cols = [k for k in keys if k in part.columns]
                yield part.sort_values(cols, kind="stable").reset_index(drop=True)

    def table(self, kind: str) -> pd.DataFrame | None:
        """A whole table in memory (for the small ones: runs, outcomes)."""
        parts = list(self.iter_parts(kind))
        if not parts:
            return None
        return pd.concat(parts, ignore_index=True)

    def design(self) -> pd.DataFrame:
        return pd.read_parquet(self.out / "design.parquet")


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

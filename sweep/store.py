"""The output directory of a sweep, as the runner writes it (the tables are read back by
:mod:`sweep.tables`).

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

While the workers run, the runner's process only writes the Parquet bytes they send and
never imports pandas or pyarrow (together about 100 MB): the design goes to
``design.json`` at the start and to ``design.parquet`` when the session ends, and the
Parquet files are read only on resume and at the end.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.errors import InputError
from sweep.spec import PROJECT_ROOT, Design, Sweep

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pandas as pd
    import pyarrow as pa

MANIFEST = "manifest.json"


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def git_commit() -> dict[str, Any] | None:
    """The project's git commit and whether the tree had local changes, where known."""
    if not (PROJECT_ROOT / ".git").exists():  # an installed wheel, not a checkout
        return None
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
    """The versions of :func:`negotiate.run.versions` (and pandas, pyarrow), read from the
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


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary name and a rename."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def write_parquet(table: pa.Table, path: Path) -> Path:
    """Write an Arrow table to ``path`` via a temporary name and a rename."""
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    return path


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
        d = sweep.design
        write_json(self.out / "design.json",
                   {"columns": d.columns, "kinds": d.kinds, "rows": d.rows})
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
            import pyarrow.parquet as pq

            runs = pq.read_table(f, columns=["run_id", "status"])
            done.update(runs["run_id"].to_pylist())
            failed += sum(s != "ok" for s in runs["status"].to_pylist())
            committed.add(f.stem)
        for kind_dir in self.parts.iterdir():
            if kind_dir.name != "runs":
                for f in kind_dir.glob("*.parquet"):
                    if f.stem not in committed:
                        f.unlink(missing_ok=True)
        return done, failed, highest + 1

    # -- writing --------------------------------------------------------------------------
    def write_batch(self, batch: int, tables: dict[str, bytes]) -> None:
        """Write a batch's tables (Parquet bytes); its runs part last: the commit."""
        name = f"{batch:06d}.parquet"
        for kind in sorted(tables, key=lambda k: k == "runs"):
            (self.parts / kind).mkdir(parents=True, exist_ok=True)
            write_bytes(self.parts / kind / name, tables[kind])

    def finish(self, manifest: dict[str, Any], status: str, counts: dict[str, int],
               sweep: Sweep) -> None:
        """Close a session (the workers have stopped): the design and, once complete, the
        runs and outcomes tables as single files."""
        if not (self.out / "design.parquet").exists():
            write_parquet(sweep.design.arrow(), self.out / "design.parquet")
        manifest["status"] = status
        manifest["sessions"][-1].update(finished=now(), **counts)
        if status == "complete":
            manifest["finished"] = now()
            for what in ("runs", "outcomes"):
                table = self.concat(what)
                if table is not None:
                    write_parquet(table, self.out / f"{what}.parquet")
        write_json(self.out / MANIFEST, manifest)

    def concat(self, kind: str) -> pa.Table | None:
        """A small table (runs, outcomes) from all its committed parts, sorted by run."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        committed = {f.stem for f in (self.parts / "runs").glob("*.parquet")}
        files = sorted(f for f in (self.parts / kind).glob("*.parquet") if f.stem in committed)
        if not files:
            return None
        table = pa.concat_tables([pq.read_table(f) for f in files], promote_options="permissive")
        return table.take(pc.sort_indices(table, sort_keys=[("run_id", "ascending")]))

    # -- reading (pandas; see sweep.tables) ------------------------------------------
    def kinds(self) -> list[str]:
        if not self.parts.is_dir():
            return []
        return sorted(d.name for d in self.parts.iterdir() if d.is_dir())

    def iter_parts(self, kind: str) -> Iterator[pd.DataFrame]:
        return iter_parts(self, kind)

    def table(self, kind: str) -> pd.DataFrame | None:
        return read_table(self, kind)

    def design(self) -> pd.DataFrame:
        """The design points (from design.json if the session was killed before its end)."""
        return read_design(self)


# -- reading a store's tables back (pandas), one part at a time ---------------------------
SORT_KEYS = {"rounds": ["run_id", "round"], "actors": ["run_id", "round", "actor"]}


def batches_in_order(store: Store) -> list[str]:
    """The committed batches, ordered by their first run."""
    import pandas as pd

    starts = []
    for f in (store.parts / "runs").glob("*.parquet"):
        ids = pd.read_parquet(f, columns=["run_id"])["run_id"]
        if len(ids):
            starts.append((int(ids.min()), int(ids.max()), f.stem))
    starts.sort()
    for (_, hi, _), (lo, _, _) in itertools.pairwise(starts):
        if lo <= hi:  # pragma: no cover - batches never overlap (spec.batches)
            raise InputError(f"{store.out}: parts overlap; the directory is damaged")
    return [stem for _, _, stem in starts]


def iter_parts(store: Store, kind: str) -> Iterator[pd.DataFrame]:
    """The committed parts of one table, in run order, each sorted by run and round."""
    import pandas as pd

    keys = SORT_KEYS.get(kind, ["run_id"])
    for stem in batches_in_order(store):
        f = store.parts / kind / f"{stem}.parquet"
        if f.is_file():
            part = pd.read_parquet(f)
            cols = [k for k in keys if k in part.columns]
            yield part.sort_values(cols, kind="stable").reset_index(drop=True)


def read_design(store: Store) -> pd.DataFrame:
    import pandas as pd

    path = store.out / "design.parquet"
    if path.is_file():
        return pd.read_parquet(path)
    raw = json.loads((store.out / "design.json").read_text(encoding="utf-8"))
    return Design(columns=raw["columns"], kinds=raw["kinds"],
                  rows=[tuple(r) for r in raw["rows"]]).table


def read_table(store: Store, kind: str) -> pd.DataFrame | None:
    """A whole table in memory (for the small ones: runs, outcomes)."""
    import pandas as pd

    parts = list(iter_parts(store, kind))
    if not parts:
        return None
    return pd.concat(parts, ignore_index=True)

"""Run a sweep: plan the batches, hand them to an executor, stream the results to disk.

Executors (all give the same tables, bit for bit, because every run is a pure function of
its parameters and its own seed):

- ``serial``: in this process;
- ``process`` (default): a ``concurrent.futures.ProcessPoolExecutor`` on its own
  multiprocessing context (``forkserver`` where there is one, preloaded with the worker
  module so each worker starts without importing Mesa again; ``spawn`` elsewhere). The
  global start method is never touched;
- ``dask``: a ``distributed.Client``, on a ``LocalCluster`` bound to 127.0.0.1, or on an
  existing scheduler (``--scheduler tcp://HOST:PORT``, e.g. one that dask-jobqueue started
  on SLURM or PBS).

At most a few batches per worker are in flight; each finished batch is written at once, so
memory does not grow with the number of runs.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.errors import InputError
from sweep.batch import init_worker, run_batch
from sweep.jobs import Job, Result
from sweep.spec import Sweep, auto_batch_size, batches
from sweep.store import Store, now

EXECUTORS = ("serial", "process", "dask")


class SweepFailed(Exception):
    """The executor itself failed (a worker died, the cluster went away); resumable."""


@dataclass
class Summary:
    out: Path
    total: int
    done: int
    failed: int
    ran: int
    seconds: float
    status: str


def stderr_log(msg: str) -> None:
    print(msg, file=sys.stderr)


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class _SerialExecutor(cf.Executor):
    """Runs each task when it is submitted (the same code path as the pools)."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> cf.Future:
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            fut.set_exception(exc)
        return fut


def _process_pool(workers: int) -> cf.Executor:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sweep.preload"])
    else:  # pragma: no cover - Windows
        ctx = multiprocessing.get_context("spawn")
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=init_worker)


@contextmanager
def executor_for(kind: str, workers: int, scheduler: str | None = None,
                 log: Callable[[str], None] = stderr_log) -> Iterator[tuple[cf.Executor, int]]:
    """Yield (executor, number of workers); shut everything down on leaving."""
    if kind == "serial":
        yield _SerialExecutor(), 1
    elif kind == "process":
        pool = _process_pool(workers)
        try:
            yield pool, workers
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    elif kind == "dask":
        with _dask_client(workers, scheduler, log) as (client, n):
            yield client.get_executor(pure=False), n
    else:
        raise InputError(f"--executor: unknown executor {kind!r} (use {', '.join(EXECUTORS)})")


@contextmanager
def _dask_client(workers: int, scheduler: str | None, log: Callable[[str], None]):
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a dependency
        raise InputError("--executor dask: needs dask.distributed (pip install "
                         "'dask[distributed]')") from None
    import logging

    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler:
        try:
            client = Client(scheduler, timeout="15s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        try:
            kw = {"n_workers": -1} if "n_workers" in _params(client.scheduler_info) else {}
            n = max(1, len(client.scheduler_info(**kw).get("workers", {})))
            log(f"dask: connected to {scheduler} ({n} workers)")
            yield client, n
        finally:
            client.close()
        return
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1",
                           dashboard_address=None, processes=True)
    client = Client(cluster)
    try:
        log(f"dask: local cluster at {cluster.scheduler_address} ({workers} workers)")
        yield client, workers
    finally:
        client.close()
        cluster.close()


def _params(fn: Callable) -> set[str]:
    import inspect

    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):  # pragma: no cover
        return set()


def make_job(sweep: Sweep, batch: int, run_ids: list[int], records: list[dict]) -> Job:
    reps = sweep.spec.replications
    runs = [(rid, rid // reps, rid % reps, records[rid // reps]) for rid in run_ids]
    return Job(batch=batch, scenario_text=sweep.scenario_text,
               scenario_hash=sweep.scenario_hash, scenario_label=str(sweep.scenario_path),
               seed=sweep.spec.seed, replications=reps, crn=sweep.crn,
               rounds=sweep.spec.rounds, every=sweep.spec.output.every,
               actors=sweep.spec.output.actors, runs=runs)


@contextmanager
def _sigterm_as_interrupt():
    """SIGTERM (a batch scheduler's warning before a kill) stops the sweep like Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _progress(total: int, initial: int, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="run", desc="sweep", disable=quiet,
                file=sys.stderr, dynamic_ncols=True, smoothing=0.1)


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    *,
    executor: str = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    batch_size: int | None = None,
    quiet: bool = False,
    log: Callable[[str], None] | None = None,
    run_fn: Callable | None = None,
) -> Summary:
    """Run (or finish, with ``resume``) a sweep into ``out``; see the module docstring.

    ``run_fn`` replaces :func:`model.run.run_one` in the workers (tests inject failures)."""
    log = log or stderr_log
    if executor not in EXECUTORS:
        raise InputError(f"--executor: unknown executor {executor!r} (use "
                         f"{', '.join(EXECUTORS)})")
    if scheduler and executor != "dask":
        raise InputError("--scheduler: only with --executor dask")
    workers = workers or default_workers()
    if workers < 1:
        raise InputError(f"--workers: must be >= 1, got {workers}")
    if batch_size is not None and batch_size < 1:
        raise InputError(f"--batch-size: must be >= 1, got {batch_size}")
    store = Store(out)
    session = {"started": now(), "executor": executor, "workers": workers,
               "scheduler": scheduler, "resumed": resume}
    if resume and not (store.out / "manifest.json").exists() and not (
            store.out.exists() and any(store.out.iterdir())):
        log(f"nothing to resume in {store.out}: starting the sweep")
        resume = session["resumed"] = False
    if resume:
        manifest = store.reopen(sweep, session)
    else:
        manifest = store.create(sweep, session)
    done, failed, next_batch = store.recover()
    total = sweep.n_runs
    remaining = [r for r in range(total) if r not in done]
    size = batch_size or auto_batch_size(len(remaining), 1 if executor == "serial" else workers)
    plan = batches(remaining, size)
    manifest["sessions"][-1]["batch_size"] = size
    records = sweep.design.records()
    task = run_batch if run_fn is None else functools.partial(run_batch, run_fn=run_fn)
    if resume:
        log(f"resuming {store.out}: {len(done)} of {total} runs done, {len(remaining)} to go")
    t0 = time.perf_counter()
    ran = 0
    status = "interrupted"
    bar = _progress(total, len(done), quiet)
    bar.set_postfix(failed=failed, refresh=False)

    def record(result: Result) -> None:
        nonlocal failed, ran
        store.write_batch(result.batch, result.tables)
        failed += result.failed
        ran += result.runs
        bar.update(result.runs)
        bar.set_postfix(failed=failed)

    try:
        with _sigterm_as_interrupt(), executor_for(executor, workers, scheduler, log) as (ex, n):
            window = 1 if executor == "serial" else max(2, 2 * n)
            todo = iter(enumerate(plan, start=next_batch))
            pending: set[cf.Future] = set()
            try:
                for batch, ids in todo:
                    pending.add(ex.submit(task, make_job(sweep, batch, ids, records)))
                    if len(pending) >= window:
                        finished, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                        _collect(finished, record)
                while pending:
                    finished, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    _collect(finished, record)
                status = "complete"
            except KeyboardInterrupt:
                _drain(pending, record, log)
                raise
            except SweepFailed:
                status = "failed"
                _drain(pending, record, log)
                raise
    except KeyboardInterrupt:
        status = "interrupted"
    finally:
        bar.close()
        counts = {"ran": ran, "failed_total": failed, "done": len(done) + ran}
        store.finish(manifest, status, counts, sweep)
    return Summary(out=store.out, total=total, done=len(done) + ran, failed=failed, ran=ran,
                   seconds=time.perf_counter() - t0, status=status)


def _collect(finished: set[cf.Future], record: Callable[[Result], None]) -> None:
    for fut in finished:
        try:
            result = fut.result()
        except cf.CancelledError:
            continue
        except Exception as exc:  # the executor failed, not a run (runs catch their own)
            raise SweepFailed(f"{type(exc).__name__}: {exc}") from exc
        record(result)


def _drain(pending: set[cf.Future], record: Callable[[Result], None],
           log: Callable[[str], None]) -> None:
    """Stop cleanly: cancel what has not started and keep what is already running."""
    for fut in pending:
        fut.cancel()
    running = [f for f in pending if not f.cancelled()]
    if running:
        log(f"stopping: saving {len(running)} batch(es) in flight (Ctrl-C again to abandon them)")
    try:
        for fut in cf.as_completed(running):
            try:
                record(fut.result())
            except Exception:  # noqa: BLE001 - abandoned: they are rerun on --resume
                pass
    except KeyboardInterrupt:
        pass

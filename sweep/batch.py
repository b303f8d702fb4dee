"""What the runner hands to its executor: :func:`run_batch` imports the worker (and the model)
only in the process that runs the batch; :func:`init_worker` sets up a pool's processes."""

from __future__ import annotations

from typing import Any

from sweep.jobs import Job, Result


def run_batch(job: Job, run_fn: Any = None) -> Result:
    """Run a batch in this process (see :func:`sweep.worker.run_batch`)."""
    from sweep import worker

    return worker.run_batch(job, run_fn)


def init_worker() -> None:
    """Process-pool initializer: leave Ctrl-C to the parent, which stops the sweep cleanly."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)

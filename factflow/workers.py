"""Worker processes: a mapped stage's batches (extraction) on several cores of one machine.

``run.workers`` processes take the batches, each the next one as soon as it is free, and send
back each batch's result as it finishes. They are started with ``spawn``, not ``fork``: a forked
copy of a process that runs onnxruntime's threads (or, in the flow, a Prefect client's) can hang
on a lock one of those threads held at the fork. Each worker caps its models at its share of the
cores (:func:`threads_per_worker`), so two workers on two cores run one model thread each, not
two; it loads the detector once, at the first document it has to score (the detector registry
keeps a loaded model per process), so a rerun whose documents all come from the cache loads none.

The plain runner calls :func:`in_processes`; the Prefect runner (``flows/runner.py``) starts
Prefect's own process pool with the same initializer (:func:`start_worker`).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from factflow.config import RunConfig
from factflow.errors import WorkerError
from factflow.runtime import limit_threads

#: How worker processes are started (see the module's docstring).
START_METHOD = "spawn"
#: Batches per worker at least (when there are enough items): the workers take the next batch as
#: they finish one, so the last ones finish within about a batch of each other; eight keeps that
#: tail to an eighth of a worker's share.
BATCHES_PER_WORKER = 8


def batch_size(run: RunConfig, items: float) -> int:
    """Items per batch of a mapped stage (``items``: how many there are, or what they weigh in all):
    ``run.batch_size``, but with several workers small enough that each gets :data:`BATCHES_PER_WORKER`
    batches (250 articles on two workers: 16 batches of at most 16, not 5 of 50, of which one worker
    would take three)."""
    if run.workers == 1:
        return run.batch_size
    return max(1, min(run.batch_size, math.ceil(items / (run.workers * BATCHES_PER_WORKER))))


def processes(run: RunConfig, batches: Sequence[Any]) -> int:
    """The worker processes for these batches: ``run.workers``, but never more than there are
    batches (one batch runs in this process: a worker would only add its start-up)."""
    return max(1, min(run.workers, len(batches)))


def threads_per_worker(workers: int) -> int:
    """The model threads of each of ``workers`` worker processes: the machine's cores shared out, at least one."""
    return max(1, (os.cpu_count() or 1) // workers)


def start_worker(threads: int) -> None:
    """Set up a worker process (the pool's initializer): cap its models at ``threads``, and end it
    when the run's process is gone. A killed run cannot stop its workers, and a worker left behind
    would wait for batches forever; so a thread of each worker watches its parent."""
    limit_threads(threads)
    threading.Thread(target=_end_when_orphaned, args=(os.getppid(),), name="factflow-watch-parent", daemon=True).start()


def _end_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:  # once the parent dies, the worker is re-parented (to init or a subreaper)
        time.sleep(0.5)
    os._exit(1)


def in_processes(func: Callable[[Any, Any], Any], ctx: Any, batches: Sequence[Any], workers: int,
                 stage: str) -> Iterator[tuple[int, Any]]:
    """``func(ctx, batch)`` for every batch on ``workers`` worker processes, yielding (batch index,
    result) as each finishes. ``func`` must be importable by name and ``ctx`` and the batches
    picklable. An error a batch raises is raised here; a worker that dies (killed, out of memory)
    is a :class:`~factflow.errors.WorkerError` naming ``stage``."""
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(START_METHOD),
                               initializer=start_worker, initargs=(threads_per_worker(workers),))
    try:
        pending: dict[Future[Any], int] = {pool.submit(func, ctx, batch): i for i, batch in enumerate(batches)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=pending.__getitem__):  # batches finished together: in batch order
                yield pending.pop(future), future.result()
    except BrokenProcessPool as exc:
        raise WorkerError(f"a worker process died while running {stage} (killed, or out of memory?); "
                          "set run.workers: 1 to run it in the main process") from exc
    finally:
        # Also when the caller stops early or a batch failed: no batch left running behind the run.
        pool.shutdown(wait=True, cancel_futures=True)

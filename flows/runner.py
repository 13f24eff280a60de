"""The Prefect runner: each stage of ``factflow.pipeline.PIPELINE`` as a Prefect task.

The pipeline itself (which stages, in which order, on which values) is declared once in the
domain package; this module only decides how a stage becomes a task:

- a called stage runs as a task in the flow's process; a mapped stage (extraction) is a task per
  batch, submitted to the flow's task runner (threads, or Dask workers), collected as they finish,
  with a progress artifact. With ``run.workers`` above one and the thread runner, the batches go
  to Prefect's process pool instead (``ProcessPoolTaskRunner``, started for the stage: the other
  stages stay in the flow's process), each worker with its share of the cores for the model, as
  the plain runner's worker processes (``factflow.workers``). The pool is chosen here, in the flow
  run, from the run's config, so ``factflow run``, ``serve`` and deployments all honour it;
- no Prefect cache policy (``NO_CACHE``): the project's own caches (extraction, merged claims, HTTP)
  serve the plain runner and every task runner alike, and hit per document where a Prefect cache
  could only hit per batch;
- ``Stage.retries`` become Prefect retries, for transient errors only (a network failure that
  escaped the HTTP layer's own retries); a bad input is never retried;
- values go to tasks unwalked (``quote``): they are plain data with no futures inside, and Prefect
  would otherwise walk every field of every claim, seconds per task at tens of thousands of claims.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar, cast
from uuid import UUID

from prefect import Task, unmapped
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture, as_completed
from prefect.states import State
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote
from prefect.utilities.callables import get_call_parameters

from factflow.errors import TransientSourceError
from factflow.pipeline import Stage
from factflow.stages import RunContext
from factflow.workers import processes, start_worker, threads_per_worker

T = TypeVar("T")
#: Seconds between updates of the extraction's progress artifact.
_PROGRESS_EVERY_S = 1.0


def opaque(value: T) -> T:
    """Pass ``value`` to a task without Prefect walking it for futures (typed as the value itself)."""
    return cast(T, quote(value))


def _on_threads() -> bool:
    """True inside a flow whose tasks run on Prefect's thread pool (not Dask)."""
    flow_run = FlowRunContext.get()
    return flow_run is not None and isinstance(flow_run.task_runner, ThreadPoolTaskRunner)


def transient(task: Task[Any, Any], run: TaskRun, state: State[Any]) -> bool:
    """Prefect's retry condition: retry only what may succeed on a second try."""
    return isinstance(state.data, TransientSourceError)


class PrefectRunner:
    """Runs stages as Prefect tasks inside a flow (see the module's docstring)."""

    def __init__(self) -> None:
        self._tasks: dict[str, Task[Any, Any]] = {}

    def task_of(self, stage: Stage) -> Task[Any, Any]:
        """The Prefect task of a stage (made once per runner)."""
        if stage.name not in self._tasks:
            self._tasks[stage.name] = Task(
                stage.func, name=stage.name, cache_policy=NO_CACHE, retries=stage.retries,
                retry_condition_fn=transient if stage.retries else None,
            )
        return self._tasks[stage.name]

    def call(self, stage: Stage, ctx: RunContext, *args: Any) -> Any:
        return self.task_of(stage)(opaque(ctx), *(opaque(a) for a in args))

    def map(self, stage: Stage, ctx: RunContext, batches: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        # In a synchronous flow this returns the artifact's id, not a coroutine.
        progress = cast(UUID, create_progress_artifact(progress=0.0, key="factcheck-progress",
                                                        description=f"{stage.label}: items done (%)"))
        total = sum(len(b) for b in batches)
        task = self.task_of(stage)
        with self.process_pool(ctx, batches) as pool:
            # Unwalked too on threads and Prefect's process pool (quote: Prefect re-applies it to each batch),
            # as walking a batch of 750 documents costs 20 ms; not on Dask, which takes the annotation
            # (a named tuple) for a plain tuple of its own.
            args = (unmapped(opaque(ctx)), opaque(batches)) if pool is not None or _on_threads() else (unmapped(ctx), batches)
            if pool is None:
                futures = list(task.map(*args))
            else:
                futures = list(pool.map(task, get_call_parameters(task.fn, args, {}, apply_defaults=False)))
            index = {future.task_run_id: i for i, future in enumerate(futures)}
            done, shown = 0, time.monotonic()
            future: PrefectFuture[Any] | None = None
            result: Any = None
            for future in as_completed(futures):
                i = index[future.task_run_id]
                result = future.result()
                done += len(batches[i])
                # An API call each: at most one a second (and the last), not one per batch of thousands.
                if done == total or time.monotonic() - shown >= _PROGRESS_EVERY_S:
                    update_progress_artifact(progress, progress=100.0 * done / max(1, total))
                    shown = time.monotonic()
                yield i, result
            # A Prefect future and the future it wraps refer to each other (a done callback), and the pair
            # holds the batch's result (its state's data). The run pauses the cyclic collector
            # (collector_paused), so without a collection every batch's result would stay until the flow
            # ends: 100,000 documents' extractions, about 250 MB, through every later stage.
            futures.clear()
            future = result = None
        gc.collect()  # those pairs only: the run's own data are trees, freed by reference counting
        if not batches:
            update_progress_artifact(progress, progress=100.0)

    def process_pool(self, ctx: RunContext, batches: Sequence[Any]) -> contextlib.AbstractContextManager[ProcessPoolTaskRunner | None]:
        """Prefect's process pool for a mapped stage's batches, when ``run.workers`` asks for more than
        one process and the flow runs its tasks on threads (Dask brings its own workers); else None."""
        workers = processes(ctx.loaded.config.run, batches)
        if workers == 1 or not _on_threads():
            return contextlib.nullcontext()
        return ProcessPoolTaskRunner(max_workers=workers, initializer=start_worker, initargs=(threads_per_worker(workers),))

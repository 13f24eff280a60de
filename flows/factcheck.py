"""The fact-check flow: seeds in, review queue and YAML verdict report out.

The run is ``factflow.pipeline.run_pipeline`` with the Prefect runner (``flows/runner.py``): the
same stages, in the same order, as ``factflow run --engine plain``. Only Prefect wiring lives
here: the flow, its task runner (threads or Dask; ``run.workers`` processes are the runner's
choice, ``flows/runner.py``), the summary artifacts, the serve line.
Nothing runs per sentence: a task run costs milliseconds and a corpus has tens of thousands.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from factflow_flows.runner import PrefectRunner
from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.task_runners import ThreadPoolTaskRunner

from factflow.config import RunConfig, load_config
from factflow.errors import SchedulerError
from factflow.pipeline import ProgressHook, run_pipeline
from factflow.stages import PREVIEW_CLAIMS, RunResult


def run_factcheck(config: Path, seeds: Path, out: Path, run: RunConfig, refresh: bool = False, online: bool = False) -> RunResult:
    """Run the flow with the task runner of ``run``: threads, or Dask (a local cluster, or ``dask_address``)."""
    if run.task_runner == "threads":
        return factcheck(config=str(config), seeds=str(seeds), out=str(out), refresh=refresh, online=online).result
    import logging
    import os

    # Dask logs every scheduler, nanny and worker event at INFO; that would bury the progress bar.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # read when distributed is imported
    from prefect_dask import DaskTaskRunner

    logging.getLogger("distributed").setLevel(logging.WARNING)

    if run.dask_address:
        check_scheduler(run.dask_address)
    with contextlib.ExitStack() as stack:
        address = run.dask_address or stack.enter_context(local_dask_cluster(run.dask_workers))
        flow_ = factcheck.with_options(task_runner=DaskTaskRunner(address=address))  # type: ignore[arg-type]
        return flow_(config=str(config), seeds=str(seeds), out=str(out), refresh=refresh, online=online).result


#: Seconds a run waits for the Dask scheduler of run.dask_address to answer before it stops.
SCHEDULER_TIMEOUT_S = 10


def check_scheduler(address: str, timeout: float = SCHEDULER_TIMEOUT_S) -> None:
    """SchedulerError (one line) when no Dask scheduler answers at ``address``: found inside the flow, the same
    failure came after 30 s as two tracebacks, Prefect's log of the crashed flow run and the command's own."""
    from distributed import Client

    try:
        with Client(address, timeout=timeout, set_as_default=False):
            pass
    except (OSError, TimeoutError, ValueError) as exc:  # refused, timed out, no such host; an address Dask cannot parse
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise SchedulerError(f"no Dask scheduler answered at {address} ({reason}); start one (dask scheduler), "
                             "or run on threads (--task-runner threads) or a local cluster (--task-runner dask)") from exc


@contextlib.contextmanager
def local_dask_cluster(workers: int) -> Iterator[str]:
    """A local Dask cluster for one run (its scheduler address), closed workers first when the run ends."""
    import logging

    from distributed import LocalCluster

    # One thread per worker process, since scoring is pure Python.
    # Workers log only what is critical: at shutdown a worker may report a heartbeat the closing
    # scheduler no longer answers, which is harmless; a task that fails reaches us through Prefect.
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.CRITICAL)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


#: Set by the CLI to draw a progress bar; flow parameters must stay serialisable, a callback is not.
PROGRESS: ContextVar[ProgressHook | None] = ContextVar("factflow_progress", default=None)


def progress_hook() -> ProgressHook | None:
    """The CLI's progress hook, if any. The flow's body must reach :data:`PROGRESS` only through a
    function: Prefect pickles the flow function by value (for Dask workers and ``serve``'s runs),
    with the globals it names, and a ContextVar cannot be pickled."""
    return PROGRESS.get()


class FlowResult:
    """The flow's return value: the run's :class:`RunResult` behind one attribute.

    Prefect walks a flow's return value looking for futures, through dataclasses and pydantic
    models: every field of every claim of the report, seconds at ten thousand claims. It does not
    look inside a plain object, so the result travels in one; the CLI reads ``.result``.
    """

    def __init__(self, result: RunResult) -> None:
        self.result = result

    def __getattr__(self, name: str) -> object:  # report, report_path, ... as on the RunResult
        if name == "result":  # not set yet (while unpickling)
            raise AttributeError(name)
        return getattr(self.result, name)


def publish_summary(result: RunResult) -> None:
    """Show the run's summary in the Prefect UI: a table of totals and the Markdown summary."""
    from factflow.export.summary import render

    rows = [{"what": label, "count": count} for label, count in result.totals()]
    create_table_artifact(table=rows, key="factcheck-summary", description="Totals of this fact-check run")
    # The preview holds the claims the artifact lists: the whole report is never read back into memory.
    preview = result.preview if result.preview is not None else result.report
    create_markdown_artifact(markdown=render(preview, "markdown", max_claims=PREVIEW_CLAIMS, total_claims=result.summary.claims)[0],
                             key="factcheck-report",
                             description=f"The verdict report, {result.report_path}")


# Extraction is CPU-bound Python and ONNX, so threads gain little: Prefect's default of one thread
# per task would start every batch at once and hold them all in memory. More cores come from
# run.workers (the runner sends the batches to Prefect's process pool) or the Dask task runner.
@flow(name="factcheck", log_prints=False, validate_parameters=True, task_runner=ThreadPoolTaskRunner(max_workers=1))  # type: ignore[arg-type]
def factcheck(
    config: str | None = "config/factflow.yaml", seeds: str = "seeds", out: str = ".", refresh: bool = False, online: bool = False,
    announce: bool = False,
) -> FlowResult:
    """Run the fact-check pipeline on a seeds folder and write the review queue and the report.

    ``online`` resolves sources over HTTP (as ``sources.online: true`` does); ``announce`` prints
    one line when the run ends (``factflow serve`` shows it per run).
    """
    try:
        loaded = load_config(Path(config) if config else None).going_online(online)
        result = run_pipeline(loaded, Path(seeds), Path(out), progress=progress_hook(), refresh=refresh,
                              on_wait=get_run_logger().warning, runner=PrefectRunner())
        publish_summary(result)
    except Exception as exc:
        if announce:
            print(f"{_now()}  run failed: {exc}", flush=True)
        raise
    if announce:
        s = result.summary
        print(f"{_now()}  run finished: {s.claims:,} claims, {s.verdicts:,} verdicts, {s.problems:,} problems; "
              f"report {result.report_path.resolve()}", flush=True)
    return FlowResult(result)


def _now() -> str:
    """The local time, as a line of ``factflow serve`` shows it."""
    from datetime import datetime

    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")

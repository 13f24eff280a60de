"""The fact-check flow: seeds in, review queue and YAML verdict report out.

Only Prefect wiring lives here; each task calls one stage function of ``factflow.pipeline``.
Extraction runs per document (``.map``); the other stages run once per batch. Nothing here
runs per sentence: a task run costs milliseconds and a corpus has tens of thousands.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar, cast
from uuid import UUID

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from factflow.cache import Merged
from factflow.config import LoadedConfig, RunConfig, load_config
from factflow.lock import output_lock
from factflow.models import Document, DocumentClaims, Problem
from factflow.pipeline import (
    Plan,
    ProgressHook,
    RunResult,
    batches,
    check_output_paths,
    collect_stage,
    extract_batch_stage,
    load_stage,
    plan_stage,
    remove_stale_temp_files,
    report_stage,
    resolve_stage,
    reuse_stage,
    write_review_stage,
)
from factflow.review import LoadedVerdict


def run_factcheck(config: Path, seeds: Path, out: Path, run: RunConfig, refresh: bool = False, online: bool = False) -> RunResult:
    """Run the flow with the task runner of ``run``: threads, or Dask (a local cluster, or ``dask_address``)."""
    if run.task_runner == "threads":
        return factcheck(config=str(config), seeds=str(seeds), out=str(out), refresh=refresh, online=online)
    import logging
    import os

    # Dask logs every scheduler, nanny and worker event at INFO; that would bury the progress bar.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # read when distributed is imported
    from prefect_dask import DaskTaskRunner

    logging.getLogger("distributed").setLevel(logging.WARNING)

    with contextlib.ExitStack() as stack:
        address = run.dask_address or stack.enter_context(local_dask_cluster(run.dask_workers))
        flow_ = factcheck.with_options(task_runner=DaskTaskRunner(address=address))  # type: ignore[arg-type]
        return flow_(config=str(config), seeds=str(seeds), out=str(out), refresh=refresh, online=online)


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


T = TypeVar("T")


def opaque(value: T) -> T:
    """Pass ``value`` to a task without Prefect walking it for futures (typed as the value itself)."""
    return cast(T, quote(value))


#: Set by the CLI to draw a progress bar; flow parameters must stay serialisable, a callback is not.
PROGRESS: ContextVar[ProgressHook | None] = ContextVar("factflow_progress", default=None)


def _progress(stage: str, done: int, total: int) -> None:
    hook = PROGRESS.get()
    if hook is not None:
        hook(stage, done, total)


@task(name="load-documents", cache_policy=NO_CACHE)
def load_documents(seeds: Path, loaded: LoadedConfig, out: Path) -> tuple[list[Document], list[Problem]]:
    """Read the seeds folder (online: fetch its URL list too)."""
    return load_stage(seeds, loaded, out)


@task(name="extract-claims", cache_policy=NO_CACHE)
def extract_claims(documents: list[Document], loaded: LoadedConfig, out: Path, refresh: bool) -> tuple[list[DocumentClaims], dict[str, int]]:
    """Score a batch of documents' sentences (unchanged documents come from the extraction cache)."""
    return extract_batch_stage(documents, loaded, out, refresh)


@task(name="build-tasks", cache_policy=NO_CACHE)
def build_tasks(documents: list[Document], extractions: list[DocumentClaims], loaded: LoadedConfig, out: Path, merged: Merged | None) -> Plan:
    """Merge claims, link sources, assign reviewers (keeping the assignments already made in ``out``)."""
    return plan_stage(documents, extractions, loaded, out, merged)


@task(name="reuse-claims", cache_policy=NO_CACHE)
def reuse_claims(documents: list[Document], loaded: LoadedConfig, out: Path, refresh: bool) -> Merged | None:
    """The last run's merged claims, when they derive from exactly these documents, settings and code."""
    return reuse_stage(documents, loaded, out, refresh)


@task(name="resolve-sources", cache_policy=NO_CACHE)
def resolve_sources(plan: Plan, documents: list[Document], loaded: LoadedConfig, out: Path) -> Plan:
    """Resolve every task's sources over HTTP, as one batch with one client (online runs only).

    Not retried by Prefect: the HTTP layer already retries each request, and a source that still
    fails stays a link marked unresolved, so this task does not fail on a network error. Not
    cached by Prefect either: the on-disk HTTP cache makes a rerun send no request.
    """
    return resolve_stage(plan, documents, loaded, out)


@task(name="write-review-files", cache_policy=NO_CACHE)
def write_review_files(plan: Plan, loaded: LoadedConfig, out: Path) -> tuple[int, int]:
    """Write task files and verdict stubs."""
    return write_review_stage(plan, loaded, out)


@task(name="collect-verdicts", cache_policy=NO_CACHE)
def collect_verdicts(out: Path, plan: Plan, loaded: LoadedConfig) -> tuple[list[LoadedVerdict], list[Problem]]:
    """Read every reviewer's verdicts."""
    return collect_stage(out, plan, loaded)


@task(name="write-report", cache_policy=NO_CACHE)
def write_report(
    out: Path,
    loaded: LoadedConfig,
    documents: list[Document],
    extractions: list[DocumentClaims],
    plan: Plan,
    verdicts: list[LoadedVerdict],
    problems: list[Problem],
) -> RunResult:
    """Build and write the report."""
    report, path = report_stage(out, loaded, documents, extractions, plan, verdicts, problems)
    return RunResult(report=report, report_path=path)


def publish_summary(result: RunResult) -> None:
    """Show the run's summary in the Prefect UI: a table of totals and the Markdown summary."""
    from factflow.export.summary import render

    s = result.report.summary
    rows = [
        {"what": "documents", "count": s.documents}, {"what": "sentences", "count": s.sentences},
        {"what": "claims", "count": s.claims}, {"what": "tasks", "count": s.tasks}, {"what": "verdicts", "count": s.verdicts},
        *({"what": f"consensus: {k}", "count": v} for k, v in s.by_consensus.items()),
        {"what": "problems", "count": s.problems},
    ]
    create_table_artifact(table=rows, key="factcheck-summary", description="Totals of this fact-check run")
    create_markdown_artifact(markdown=render(result.report, "markdown", max_claims=100)[0], key="factcheck-report",
                             description=f"The verdict report, {result.report_path}")


# Extraction is pure Python, so threads do not run it in parallel (the GIL); Prefect's default of
# one thread per task would start every batch at once and hold them all in memory, and two threads
# only contend for the GIL (at 2,500 articles one thread took 56 s where two took about 70 s).
# More cores come from the Dask task runner.
@flow(name="factcheck", log_prints=False, validate_parameters=True, task_runner=ThreadPoolTaskRunner(max_workers=1))  # type: ignore[arg-type]
def factcheck(
    config: str | None = "config/factflow.yaml", seeds: str = "seeds", out: str = ".", refresh: bool = False, online: bool = False,
    announce: bool = False,
) -> RunResult:
    """Run the fact-check pipeline on a seeds folder and write the review queue and the report.

    ``online`` resolves sources over HTTP (as ``sources.online: true`` does); ``announce`` prints
    one line when the run ends (``factflow serve`` shows it per run).
    """
    try:
        loaded = load_config(Path(config) if config else None).going_online(online)
        out_dir = Path(out)
        with output_lock(out_dir, loaded.config.run.lock_timeout, get_run_logger().warning):
            check_output_paths(out_dir, Path(seeds), loaded)
            remove_stale_temp_files(out_dir, out_dir / loaded.config.report.path)
            result = _factcheck(loaded, Path(seeds), out_dir, refresh)
    except Exception as exc:
        if announce:
            print(f"{_now()}  run failed: {exc}", flush=True)
        raise
    if announce:
        s = result.report.summary
        print(f"{_now()}  run finished: {s.claims:,} claims, {s.verdicts:,} verdicts, {s.problems:,} problems; "
              f"report {result.report_path.resolve()}", flush=True)
    return result


def _now() -> str:
    """The local time, as a line of ``factflow serve`` shows it."""
    from datetime import datetime

    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def _extract(documents: list[Document], loaded: LoadedConfig, out_dir: Path, refresh: bool) -> tuple[list[DocumentClaims], dict[str, int]]:
    """Extraction, a task per batch of documents: results in document order, cache hits and misses.

    The futures (which hold every result) end with this function, so the results can be freed
    once the flow is done with them.
    """
    progress_id = cast(UUID, create_progress_artifact(progress=0.0, key="factcheck-progress", description="Documents whose claims are extracted (%)"))
    # Mapped batches stay as they are: they may travel to Dask workers, and each is small.
    futures = extract_claims.map(batches(documents, loaded.config.run.batch_size), loaded=unmapped(loaded),
                                 out=unmapped(out_dir), refresh=unmapped(refresh))
    by_id: dict[str, DocumentClaims] = {}
    counts = {"hits": 0, "misses": 0}
    for future in as_completed(list(futures)):
        results, stats = future.result()
        by_id.update((r.document, r) for r in results)
        counts = {k: counts[k] + stats[k] for k in counts}
        _progress("extract", len(by_id), len(documents))
        update_progress_artifact(progress_id, progress=100.0 * len(by_id) / max(1, len(documents)))
    if not documents:
        update_progress_artifact(progress_id, progress=100.0)
    return [by_id[d.id] for d in documents], counts


def _factcheck(loaded: LoadedConfig, seeds: Path, out_dir: Path, refresh: bool) -> RunResult:
    """The flow's body, run while the output folder is locked."""
    documents, problems = load_documents(seeds, loaded, out_dir)
    _progress("extract", 0, len(documents))
    # In a synchronous flow this returns the artifact's id, not a coroutine.
    # opaque(): these are plain data with no futures inside; without it Prefect walks every field
    # of every claim looking for futures, which costs seconds per task at tens of thousands of claims.
    merged = reuse_claims(opaque(documents), opaque(loaded), out_dir, refresh)
    if merged is not None:  # nothing changed: no document to extract, no claim to merge
        extractions, counts = merged.extractions, {"hits": len(documents), "misses": 0}
        _progress("extract", len(documents), len(documents))
    else:
        extractions, counts = _extract(documents, loaded, out_dir, refresh)
    plan = build_tasks(opaque(documents), opaque(extractions), opaque(loaded), out_dir, opaque(merged))
    # Merged: later stages need only the extraction counts and the documents' metadata.
    extractions = [e.without_sentences() for e in extractions]
    documents = [d.without_text() for d in documents]
    if loaded.config.sources.online:
        _progress("resolve", 0, 1)
        plan = resolve_sources(opaque(plan), opaque(documents), opaque(loaded), out_dir)
        _progress("resolve", 1, 1)
    _progress("review", 0, 1)
    written, created = write_review_files(opaque(plan), opaque(loaded), out_dir)
    verdicts, verdict_problems = collect_verdicts(out_dir, opaque(plan), opaque(loaded))
    result = write_report(out_dir, opaque(loaded), opaque(documents), opaque(extractions), opaque(plan), opaque(verdicts),
                          opaque(problems + verdict_problems))
    publish_summary(result)
    _progress("review", 1, 1)
    result.tasks_written, result.stubs_created = written, created
    result.extracted, result.cached = counts["misses"], counts["hits"]
    return result

"""The run, declared once: an ordered list of stages (:data:`PIPELINE`) and the driver that runs
them with a :class:`Runner`.

Each stage is a plain function of the run's context and of values earlier stages produced, named
by :class:`Stage`. A runner decides only *how* a stage is called: :class:`PlainRunner` calls it in
this process (a mapped stage's batches on ``run.workers`` worker processes); the Prefect runner
(``flows/runner.py``) makes each stage a task, with its retries, artifacts and task runner (threads,
a process pool, or Dask). Both go through :func:`execute`, so both write the same report by
construction. A new stage is one entry in :data:`PIPELINE`.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from factflow.config import LoadedConfig
from factflow.errors import OutputError
from factflow.fileio import files_matching, walk_tree
from factflow.layout import CLAIMREVIEWS, DEFAULT_HTTP_CACHE, STATE, OutputLayout
from factflow.lock import output_lock
from factflow.runtime import collector_paused
from factflow.stages import (
    RunContext,
    RunResult,
    collect,
    extract,
    extract_batches,
    gather_extractions,
    load,
    plan,
    recall,
    report,
    resolve,
    reuse,
    write_task_files,
    write_verdict_stubs,
)
from factflow.workers import in_processes, processes

log = logging.getLogger("factflow")

#: Called as progress(stage label, done, total) while a run advances.
ProgressHook = Callable[[str, int, int], None]


# --- the declaration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """One step of the run.

    ``func(ctx, *inputs)`` returns the value named by ``outputs`` (a tuple when it names several).
    A stage with ``each`` is mapped: ``each(ctx, *inputs)`` splits its work into batches, ``func(ctx,
    batch)`` runs per batch (a task per batch under Prefect, on Dask workers with that task runner),
    and ``gather(*inputs, results)`` puts the results together. ``when`` skips the stage (its outputs
    keep their earlier values). ``retries``: how often a runner may retry it after a transient error.
    """

    name: str
    label: str
    func: Callable[..., Any]
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    each: Callable[..., Sequence[Any]] | None = None
    gather: Callable[..., Any] | None = None
    when: Callable[[RunContext], bool] | None = None
    retries: int = 0


def _online(ctx: RunContext) -> bool:
    return ctx.loaded.config.sources.online


#: The run, in order. Names are the Prefect task names; labels, what the progress bar shows.
PIPELINE: tuple[Stage, ...] = (
    Stage("load-documents", "Reading documents", load, outputs=("documents", "problems")),
    Stage("reuse-claims", "Checking for changes", reuse, inputs=("documents",), outputs=("merged", "claims_key", "cached", "linked")),
    Stage("extract-claims", "Extracting claims", extract, inputs=("documents", "merged", "cached"),
          outputs=("extractions", "counts", "documents"), each=extract_batches, gather=gather_extractions),
    Stage("build-tasks", "Planning tasks", plan, inputs=("documents", "extractions", "merged", "claims_key", "linked", "cached"),
          outputs=("plan",)),
    Stage("resolve-sources", "Resolving sources online", resolve, inputs=("plan", "documents"), outputs=("plan",), when=_online),
    Stage("write-verdict-stubs", "Writing verdict stubs", write_verdict_stubs, inputs=("plan",), outputs=("created",)),
    Stage("collect-verdicts", "Collecting verdicts", collect, inputs=("plan",), outputs=("verdicts", "review_problems", "plan")),
    Stage("match-checked-claims", "Matching checked claims", recall, inputs=("plan", "verdicts"),
          outputs=("plan", "previous", "remembered")),
    Stage("write-tasks", "Writing tasks", write_task_files, inputs=("plan",), outputs=("written",)),
    Stage("write-report", "Writing the report", report,
          inputs=("documents", "plan", "verdicts", "problems", "review_problems", "previous", "remembered"),
          outputs=("report", "report_path")),
)


class Runner(Protocol):
    """How stages are called: in this process, or as Prefect tasks."""

    def call(self, stage: Stage, ctx: RunContext, *args: Any) -> Any:
        """Run ``stage.func(ctx, *args)`` and return its result."""

    def map(self, stage: Stage, ctx: RunContext, batches: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        """Run ``stage.func(ctx, batch)`` for every batch, yielding (batch index, result) as each finishes."""


class PlainRunner:
    """Calls each stage in this process; a mapped stage's batches one after another, or on
    ``run.workers`` worker processes (:mod:`factflow.workers`) when that is more than one."""

    def call(self, stage: Stage, ctx: RunContext, *args: Any) -> Any:
        return stage.func(ctx, *args)

    def map(self, stage: Stage, ctx: RunContext, batches: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        workers = processes(ctx.loaded.config.run, batches)
        if workers > 1:
            yield from in_processes(stage.func, ctx, batches, workers, stage.name)
            return
        for index, batch in enumerate(batches):
            yield index, stage.func(ctx, batch)


def execute(ctx: RunContext, runner: Runner, progress: ProgressHook | None = None,
            pipeline: Sequence[Stage] = PIPELINE) -> RunResult:
    """Run every stage of ``pipeline`` in order with ``runner`` (the garbage collector paused:
    :func:`collector_paused`); call while the output folder is locked."""
    with collector_paused():
        return _execute(ctx, runner, progress, pipeline)


def _execute(ctx: RunContext, runner: Runner, progress: ProgressHook | None, pipeline: Sequence[Stage]) -> RunResult:
    values: dict[str, Any] = {}
    kept = {"counts", "report", "written", "created"}  # what the run's result is made of
    for i, stage in enumerate(pipeline):
        if stage.when is not None and not stage.when(ctx):
            continue
        args = [values[name] for name in stage.inputs]
        # A value no later stage reads is let go now: each document's extraction, its text, the parsed verdicts.
        later = kept.union(*(s.inputs for s in pipeline[i + 1:]))
        for name in [name for name in values if name not in later]:
            del values[name]
        if stage.each is not None and stage.gather is not None:
            batches = stage.each(ctx, *args)
            ordered = _in_order(runner.map(stage, ctx, batches), batches, stage.label, progress)
            result = stage.gather(*args, ordered)
            deque(ordered, maxlen=0)  # every batch run, whether the gather read them or not
            del batches, ordered  # they hold the documents' text, which the gathered records let go
        else:
            if progress:
                progress(stage.label, 0, 1)
            result = runner.call(stage, ctx, *args)
            if progress:
                progress(stage.label, 1, 1)
        values.update(zip(stage.outputs, result if len(stage.outputs) > 1 else (result,), strict=True))
    counts = values["counts"]
    return replace(values["report"], tasks_written=values["written"], stubs_created=values["created"], extracted=counts["misses"],
                   cached=counts["hits"])


def _in_order(finished: Iterator[tuple[int, Any]], batches: Sequence[Sequence[Any]], label: str,
              progress: ProgressHook | None) -> Iterator[Any]:
    """Batch results in batch order, each as soon as it and every batch before it have finished,
    reporting progress (in items) as each batch finishes."""
    total = sum(len(b) for b in batches)
    done = 0
    if progress:
        progress(label, 0, total)
    waiting: dict[int, Any] = {}
    following = 0
    for index, result in finished:
        waiting[index] = result
        done += len(batches[index])
        if progress:
            progress(label, done, total)
        while following in waiting:
            yield waiting.pop(following)
            following += 1


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def _resolved(path: Path) -> Path:
    """``path`` with its symbolic links followed; a link that leads back to itself is an :class:`OutputError`
    (Python raised RuntimeError, a traceback on every run until the link went)."""
    try:
        return path.resolve()
    except RuntimeError as exc:
        raise OutputError(path, "is a symbolic link that leads back to itself; remove it (the run writes a file there)") from exc


def check_output_paths(out: Path, seeds: Path, loaded: LoadedConfig) -> None:
    """Refuse to start when a path the run writes is not ours alone; raises OutputError before anything is written.

    The folders the run writes into must be real folders (a symbolic link there would send task
    files elsewhere and let the clean-up delete files there), and the report and the HTTP cache
    must lie inside ``--out`` but outside ``review/`` (a reviewer's verdict) and the seeds.
    """
    cfg = loaded.config
    layout = loaded.layout(out)
    root = _resolved(out)
    owned = layout.owned_folders()
    if layout.verdicts.is_dir() and not layout.verdicts.is_symlink():
        owned += [layout.verdicts.relative_to(out) / name for name in sorted(os.listdir(layout.verdicts))]
    for relative in owned:
        current = out
        for part in relative.parts:
            current = current / part
            if current.is_symlink():
                raise OutputError(current, "is a symbolic link; the folders a run writes into must be real folders "
                                  "inside the output folder (replace the link with a folder)")
    seeds_root = _resolved(seeds)
    report = _resolved(layout.report)
    review = _resolved(layout.review)
    for key, target in (("report.path", report), ("http.cache_dir", _resolved(layout.http_cache))):
        shown = cfg.report.path if key == "report.path" else cfg.http.cache_dir
        if not _inside(target, root) or target == root:
            raise OutputError(out, f"{key}: {shown!r} must name a path inside the output folder, not the folder itself")
        if _inside(target, review):
            raise OutputError(out, f"{key}: {shown!r} lies in review/, where tasks and reviewers' verdicts live; choose e.g. reports/verdicts.yaml")
        if _inside(target, seeds_root):
            raise OutputError(out, f"{key}: {shown!r} lies in the seeds folder {seeds}; the run never writes there")
    # Nor where the flow keeps other files: imported fact-checks (kept, not rebuilt), its own state, the lock.
    memory = _resolved(layout.claimreview_index.parent)
    state = _resolved(layout.state)
    http_cache = _resolved(layout.http_cache)
    taken = {_resolved(f): layout.shown(f) for f in layout.kept_files()}
    for target in (report, _resolved(layout.report_json)):
        if _inside(target, memory):
            raise OutputError(out, f"report.path: {cfg.report.path!r} lies in {CLAIMREVIEWS.parent}/, where imported fact-checks "
                              "are kept; choose e.g. reports/verdicts.yaml")
        if _inside(target, state) or target in taken:
            raise OutputError(out, f"report.path: {cfg.report.path!r} lies in {STATE}/ or names a file the flow keeps there "
                              f"({taken.get(target, STATE)}); choose e.g. reports/verdicts.yaml")
        if _inside(target, http_cache):
            raise OutputError(out, f"report.path: {cfg.report.path!r} lies in the HTTP cache folder (http.cache_dir: "
                              f"{cfg.http.cache_dir!r}); choose e.g. reports/verdicts.yaml")
    if _inside(http_cache, memory):
        raise OutputError(out, f"http.cache_dir: {cfg.http.cache_dir!r} lies in {CLAIMREVIEWS.parent}/, where imported fact-checks "
                          f"are kept; choose e.g. {DEFAULT_HTTP_CACHE}")
    clash = next((shown for path, shown in taken.items() if _inside(http_cache, path) or _inside(path, http_cache)), None)
    if clash is not None:  # .factflow-cache/ itself holds them all
        raise OutputError(out, f"http.cache_dir: {cfg.http.cache_dir!r} would hold or replace a file the flow keeps "
                          f"({clash}); choose a folder of its own, e.g. {DEFAULT_HTTP_CACHE}")
    if report.is_dir():
        raise OutputError(out, f"report.path: {cfg.report.path!r} is a folder; name a file such as reports/verdicts.yaml")
    if _inside(review, seeds_root) or _inside(seeds_root, review):
        raise OutputError(out, f"the seeds folder {seeds} and the output's review/ folder overlap; keep them apart")


def remove_stale_temp_files(layout: OutputLayout) -> int:
    """Delete temporary files a killed run left behind (ours only: ``.<name>.<random>.tmp``), and the
    extraction cache of earlier versions (a file per document, now one database); call under the lock."""
    legacy = layout.legacy_extractions
    if legacy.is_symlink():
        legacy.unlink()
    elif legacy.is_dir():
        shutil.rmtree(legacy, ignore_errors=True)
    removed = 0
    for folder, pattern in layout.temp_files():
        # walk_tree, not rglob: a reviewer's folder nested a thousand deep (rglob recurses) must not stop the run
        for path in files_matching(walk_tree(folder, hidden=True)[0], [pattern], case_sensitive=True) if folder.is_dir() else ():
            (folder / path).unlink(missing_ok=True)
            removed += 1
    return removed


def run_pipeline(
    loaded: LoadedConfig, seeds: Path, out: Path, progress: ProgressHook | None = None, refresh: bool = False,
    on_wait: Callable[[str], None] | None = None, runner: Runner | None = None,
) -> RunResult:
    """Run the pipeline on ``seeds`` into ``out``, one run at a time per output folder.

    ``runner`` calls the stages (default: :class:`PlainRunner`, in this process); ``on_wait`` is
    told when another run holds the folder (default: a warning on the ``factflow`` logger).
    """
    with output_lock(out, loaded.config.run.lock_timeout, on_wait or log.warning):
        check_output_paths(out, seeds, loaded)
        remove_stale_temp_files(loaded.layout(out))
        return execute(RunContext(loaded, seeds, out, refresh), runner or PlainRunner(), progress)

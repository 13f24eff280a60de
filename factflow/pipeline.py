"""The pipeline's stages as plain functions, and :func:`run_pipeline`, which runs them without Prefect.

``flows/factcheck.py`` wraps the same stage functions in Prefect tasks; a test asserts both
write the same report (timestamps aside).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from factflow.cache import CACHE_DIR, ExtractionCache, Merged, cache_key, claims_key, load_merged, save_merged
from factflow.claims import extract_claims, merge_claims
from factflow.config import LoadedConfig
from factflow.errors import OutputError
from factflow.ingest import WebFetcher, fetch_urls, load_documents
from factflow.lock import output_lock
from factflow.models import Claim, Document, DocumentClaims, ExistingFactCheck, Ledger, Problem, Report, Source, Task
from factflow.report import build_report, load_previous_report, write_report
from factflow.review import (
    TASKS_DIR,
    VERDICTS_DIR,
    LoadedVerdict,
    ParsedVerdicts,
    assignments_from,
    collect_verdicts,
    iter_tasks,
    load_known_claim_ids,
    load_ledger,
    plan_assignments,
    rated_pairs,
    write_ledger,
    write_stubs,
    write_tasks,
)
from factflow.sources import link_sources, resolve_sources
from factflow.yamlio import flush_to_disk

log = logging.getLogger("factflow")

#: Called as progress(stage, done, total) while a run advances.
ProgressHook = Callable[[str, int, int], None]


class Plan:
    """Claims with their sources, reviewers and tasks: everything derived from the documents.

    A plain class, like :class:`RunResult`, so Prefect does not walk it when a task returns it.
    ``ledger`` holds every assignment ever made (``review/assignments.json``), this run's included;
    ``problems``, those met while planning (a damaged ledger); ``verdict_files``, the verdict files
    parsed so far, so collecting them does not parse them again. Tasks are built one at a time
    when they are written (:meth:`tasks`): kept all at once they would double the claims' memory.
    """

    def __init__(
        self, claims: list[Claim], assignments: dict[str, list[str]], sources: dict[str, list[Source]], titles: dict[str, str],
        already_checked: dict[str, list[ExistingFactCheck]] | None = None, requests_sent: int = 0,
        ledger: Ledger | None = None, problems: list[Problem] | None = None, verdict_files: ParsedVerdicts | None = None,
    ) -> None:
        self.claims = claims
        self.assignments = assignments
        self.sources = sources
        self.titles = titles
        self.already_checked = already_checked or {}
        self.requests_sent = requests_sent
        self.ledger = ledger
        self.problems = problems or []
        self.verdict_files = verdict_files

    def tasks(self) -> Iterator[Task]:
        """One verification task per claim, in claim order."""
        return iter_tasks(self.claims, self.titles, self.assignments, self.sources, self.already_checked)


class RunResult:
    """What a run produced: the report, where it is, and what it wrote.

    A plain class on purpose, not a dataclass or pydantic model: Prefect walks those when a flow
    returns them, looking for futures, which takes seconds for a report of thousands of claims.
    """

    def __init__(self, report: Report, report_path: Path, tasks_written: int = 0, stubs_created: int = 0,
                 extracted: int = 0, cached: int = 0) -> None:
        self.report = report
        self.report_path = report_path
        self.tasks_written = tasks_written
        self.stubs_created = stubs_created
        self.extracted = extracted
        self.cached = cached


def web_fetcher(loaded: LoadedConfig, out: Path | None) -> WebFetcher | None:
    """How the URL list is fetched in this run: with the shared HTTP layer when online, not at all offline."""
    cfg = loaded.config
    if not cfg.sources.online:
        return None
    cache = (out if out is not None else Path.cwd()) / cfg.http.cache_dir
    return lambda urls: fetch_urls(urls, cfg.ingest, cfg.http, cache)


def load_stage(seeds: Path, loaded: LoadedConfig, out: Path | None = None) -> tuple[list[Document], list[Problem]]:
    """Stage 1: read the seeds folder (and, online, fetch the articles its URL list names)."""
    return load_documents(seeds, loaded.config.ingest, web=web_fetcher(loaded, out))


def extract_stage(document: Document, loaded: LoadedConfig, cache: ExtractionCache | None = None) -> DocumentClaims:
    """Stage 2, per document: its claims with their context (compact), from the cache when the document is unchanged."""
    cfg = loaded.config.claims
    if cache is None:
        return extract_claims(document, cfg).compact(cfg.context_sentences)
    key = cache_key(document, cfg)
    cached = cache.get(key)
    if cached is not None:
        return cached
    result = extract_claims(document, cfg).compact(cfg.context_sentences)
    cache.put(key, result)
    return result


def extract_batch_stage(
    documents: Sequence[Document], loaded: LoadedConfig, out: Path, refresh: bool = False
) -> tuple[list[DocumentClaims], dict[str, int]]:
    """Stage 2 for a batch of documents (one Prefect task): results in order, and cache hits and misses."""
    cache = make_cache(loaded, out, refresh)
    results = [extract_stage(d, loaded, cache) for d in documents]
    return results, cache.stats() if cache else {"hits": 0, "misses": len(documents)}


def make_cache(loaded: LoadedConfig, out: Path, refresh: bool = False) -> ExtractionCache | None:
    """The extraction cache of an output folder, or None when the config turns it off."""
    cfg = loaded.config.cache
    return ExtractionCache.for_output(out, cfg.max_age_days, refresh) if cfg.enabled else None


def batches(documents: Sequence[Document], size: int) -> list[list[Document]]:
    """Documents in consecutive batches of at most ``size``."""
    return [list(documents[i:i + size]) for i in range(0, len(documents), size)]


def reuse_stage(documents: Sequence[Document], loaded: LoadedConfig, out: Path, refresh: bool = False) -> Merged | None:
    """Stage 2, when nothing changed: the last run's merged claims, sources and extraction counts,
    if they derive from exactly these documents, settings and code (None otherwise, or on ``refresh``)."""
    cfg = loaded.config
    if not cfg.cache.enabled or refresh:
        return None
    return load_merged(out, claims_key(documents, cfg), load_known_claim_ids(out), cfg.cache.max_age_days)


def plan_stage(
    documents: Sequence[Document], extractions: Sequence[DocumentClaims], loaded: LoadedConfig, out: Path,
    merged: Merged | None = None,
) -> Plan:
    """Stage 3, per batch: merge claims, link sources, assign reviewers, build tasks.

    The assignments already made in ``out`` (its ledger, or its verdict files) are kept; only
    claims short of reviewers are assigned. With ``merged`` (from :func:`reuse_stage`) the claims
    and sources are taken from it; otherwise they are merged and linked, and kept for the next run.
    """
    cfg = loaded.config
    if merged is not None:
        claims, sources = merged.claims, merged.sources
    else:
        known = load_known_claim_ids(out)
        claims = merge_claims(extractions, cfg.claims, cfg.sources.max_terms, known_ids=known)
        by_id = {d.id: d for d in documents}
        sources = {c.id: link_sources(c, cfg.sources, by_id.get(c.document)) for c in claims}
        if cfg.cache.enabled:
            save_merged(out, claims_key(documents, cfg), known, claims, sources, extractions)
    previous, problems = load_ledger(out, cfg.review)
    verdict_files = ParsedVerdicts(out, cfg.review)
    rated = rated_pairs(out, cfg.review, verdict_files)
    ledger = plan_assignments(claims, cfg.review, previous, rated, now())
    assignments = assignments_from(ledger, claims, cfg.review)
    return Plan(claims=claims, assignments=assignments, sources=sources, titles={d.id: d.title for d in documents},
                ledger=ledger, problems=problems, verdict_files=verdict_files)


def resolve_stage(plan: Plan, documents: Sequence[Document], loaded: LoadedConfig, out: Path) -> Plan:
    """Stage 3b, per batch, online only: resolve the plan's sources over HTTP; offline the plan is returned as it is."""
    if not loaded.config.sources.online or not plan.claims:
        return plan
    batch = resolve_sources(plan.claims, plan.sources, documents, loaded.config, out)
    return Plan(
        claims=plan.claims, assignments=plan.assignments, sources=batch.sources, titles=plan.titles,
        already_checked=batch.already_checked, requests_sent=batch.requests_sent,
        ledger=plan.ledger, problems=plan.problems, verdict_files=plan.verdict_files,
    )


def write_review_stage(plan: Plan, loaded: LoadedConfig, out: Path) -> tuple[int, int]:
    """Stage 4: write task files and create missing verdict stubs; returns (tasks written, stubs created)."""
    written = write_tasks(plan.tasks(), out)
    if plan.ledger is not None:
        write_ledger(plan.ledger, out)
    created = write_stubs(plan.claims, plan.assignments, loaded.config.review, out)
    flush_to_disk()  # one flush for the task files, stubs and cached extractions written without fsync
    return written, created


def collect_stage(out: Path, plan: Plan, loaded: LoadedConfig) -> tuple[list[LoadedVerdict], list[Problem]]:
    """Stage 5: read every reviewer's verdict file."""
    parsed = plan.verdict_files or ParsedVerdicts(out, loaded.config.review)
    verdicts, problems = collect_verdicts(out, {c.id for c in plan.claims}, loaded.config.review, plan.ledger, parsed)
    parsed.save()
    return verdicts, plan.problems + problems


def report_stage(
    out: Path,
    loaded: LoadedConfig,
    documents: Sequence[Document],
    extractions: Sequence[DocumentClaims],
    plan: Plan,
    verdicts: Sequence[LoadedVerdict],
    problems: Sequence[Problem],
    generated_at: str | None = None,
) -> tuple[Report, Path]:
    """Stage 6: build the report and write it atomically."""
    path = out / loaded.config.report.path
    snapshot = out / CACHE_DIR.parent / "report-snapshot.json"
    previous = load_previous_report(path, snapshot)
    report = build_report(
        loaded=loaded, documents=documents, extractions=extractions, claims=plan.claims,
        assignments=plan.assignments, sources=plan.sources, verdicts=verdicts, problems=problems,
        generated_at=generated_at or now(), previous=previous,
        already_checked=plan.already_checked, ledger=plan.ledger,
    )
    write_report(report, path, snapshot, previous)
    return report, path


REVIEW_DIR = TASKS_DIR.parent


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def check_output_paths(out: Path, seeds: Path, loaded: LoadedConfig) -> None:
    """Refuse to start when a path the run writes is not ours alone; raises OutputError before anything is written.

    The folders the run writes into must be real folders (a symbolic link there would send task
    files elsewhere and let the clean-up delete files there), and the report and the HTTP cache
    must lie inside ``--out`` but outside ``review/`` (a reviewer's verdict) and the seeds.
    """
    cfg = loaded.config
    root = out.resolve()
    owned = [REVIEW_DIR, TASKS_DIR, VERDICTS_DIR, CACHE_DIR.parent, CACHE_DIR, Path(cfg.report.path).parent, Path(cfg.http.cache_dir)]
    verdicts = out / VERDICTS_DIR
    if verdicts.is_dir() and not verdicts.is_symlink():
        owned += [VERDICTS_DIR / name for name in sorted(os.listdir(verdicts))]
    for relative in owned:
        current = out
        for part in relative.parts:
            current = current / part
            if current.is_symlink():
                raise OutputError(current, "is a symbolic link; the folders a run writes into must be real folders "
                                  "inside the output folder (replace the link with a folder)")
    seeds_root = seeds.resolve()
    report = (out / cfg.report.path).resolve()
    review = (out / REVIEW_DIR).resolve()
    for key, target in (("report.path", report), ("http.cache_dir", (out / cfg.http.cache_dir).resolve())):
        shown = cfg.report.path if key == "report.path" else cfg.http.cache_dir
        if not _inside(target, root) or target == root:
            raise OutputError(out, f"{key}: {shown!r} must name a path inside the output folder, not the folder itself")
        if _inside(target, review):
            raise OutputError(out, f"{key}: {shown!r} lies in review/, where tasks and reviewers' verdicts live; choose e.g. reports/verdicts.yaml")
        if _inside(target, seeds_root):
            raise OutputError(out, f"{key}: {shown!r} lies in the seeds folder {seeds}; the run never writes there")
    if report.is_dir():
        raise OutputError(out, f"report.path: {cfg.report.path!r} is a folder; name a file such as reports/verdicts.yaml")
    if _inside(review, seeds_root) or _inside(seeds_root, review):
        raise OutputError(out, f"the seeds folder {seeds} and the output's review/ folder overlap; keep them apart")


def remove_stale_temp_files(out: Path, report_path: Path) -> int:
    """Delete temporary files a killed run left behind (ours only: ``.<name>.<random>.tmp``); call under the lock."""
    removed = 0
    for folder, pattern in [
        (report_path.parent, f".{report_path.name}.*.tmp"),
        (report_path.parent, f"..{report_path.name}.json.*.tmp"),  # the report's JSON twin
        (out / TASKS_DIR, ".c-*.yaml.*.tmp"),
        (out / VERDICTS_DIR, ".c-*.yaml.*.tmp"),  # a stub being created; a reviewer's own files never match
        (out / CACHE_DIR.parent, ".*.json.*.tmp"),  # extractions and the report snapshot
    ]:
        for path in folder.rglob(pattern) if folder.is_dir() else ():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def now() -> str:
    """The current UTC time, as the report shows it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def run_pipeline(
    loaded: LoadedConfig, seeds: Path, out: Path, progress: ProgressHook | None = None, refresh: bool = False,
    on_wait: Callable[[str], None] | None = None,
) -> RunResult:
    """Run every stage in this process, without Prefect (one run at a time per output folder)."""
    with output_lock(out, loaded.config.run.lock_timeout, on_wait or log.warning):
        check_output_paths(out, seeds, loaded)
        remove_stale_temp_files(out, out / loaded.config.report.path)
        return _run_locked(loaded, seeds, out, progress, refresh)


def _run_locked(loaded: LoadedConfig, seeds: Path, out: Path, progress: ProgressHook | None, refresh: bool) -> RunResult:
    documents, problems = load_stage(seeds, loaded, out)
    merged = reuse_stage(documents, loaded, out, refresh)
    extractions: list[DocumentClaims] = []
    counts = {"hits": 0, "misses": 0}
    if merged is not None:  # nothing changed: no document to extract, no claim to merge
        extractions, counts = merged.extractions, {"hits": len(documents), "misses": 0}
    else:
        for batch in batches(documents, loaded.config.run.batch_size):
            results, stats = extract_batch_stage(batch, loaded, out, refresh)
            extractions += results
            counts = {k: counts[k] + stats[k] for k in counts}
            if progress:
                progress("extract", len(extractions), len(documents))
    if progress:
        progress("extract", len(documents), len(documents))
    plan = plan_stage(documents, extractions, loaded, out, merged)
    # Merged: later stages need only the extraction counts and the documents' metadata.
    extractions = [e.without_sentences() for e in extractions]
    documents = [d.without_text() for d in documents]
    if progress and loaded.config.sources.online:
        progress("resolve", 0, 1)
    plan = resolve_stage(plan, documents, loaded, out)
    if progress and loaded.config.sources.online:
        progress("resolve", 1, 1)
    written, created = write_review_stage(plan, loaded, out)
    verdicts, verdict_problems = collect_stage(out, plan, loaded)
    report, path = report_stage(out, loaded, documents, extractions, plan, verdicts, problems + verdict_problems)
    return RunResult(report=report, report_path=path, tasks_written=written, stubs_created=created,
                     extracted=counts["misses"], cached=counts["hits"])

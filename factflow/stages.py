"""The run's stages: plain functions of the run's context (:class:`RunContext`) and of the values
earlier stages produced, from reading the documents to writing the report. Which stages run, in
which order and on which values, is declared once in :data:`factflow.pipeline.PIPELINE`; a runner
calls them (the plain runner in this process, the Prefect runner as tasks)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from factflow.cache import (
    Counted,
    ExtractionCache,
    LastMerge,
    Linked,
    Merged,
    cache_keys,
    claims_key,
    counted,
    link_fingerprint,
    linking_key,
    load_merged,
    merging_key,
    relocated,
    save_merged,
    scores_version,
)
from factflow.claims import Unchanged, extract_claims_many, merge_claims
from factflow.config import LoadedConfig
from factflow.errors import InputError, OutputError, StaleCacheError
from factflow.export import load_report
from factflow.fileio import flush_to_disk
from factflow.ingest import UrlLine, WebFetcher, fetch_urls, load_documents
from factflow.layout import OutputLayout
from factflow.memory import desk_candidates, imported_candidates, load_index, merge_checks
from factflow.memory.desk import recall as recall_matches
from factflow.memory.vectors import CachedEncoder
from factflow.models import Document, DocumentClaims, DocumentRecord, Ledger, PlannedClaim, Problem, Report, Summary
from factflow.report import TopClaims, build_report, desk_ratings, load_previous_report
from factflow.reportfile import write_report
from factflow.review import (
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
from factflow.runtime import collector_paused, collector_running
from factflow.sources import link_sources_with_reasons, resolve_sources
from factflow.workers import batch_size

log = logging.getLogger("factflow")

#: Claims the run's short summary (the Prefect flow's Markdown artifact) lists at most.
PREVIEW_CLAIMS = 100


@dataclass(frozen=True)
class RunContext:
    """What every stage may read: the config, the seeds folder, the output folder, and --refresh."""

    loaded: LoadedConfig
    seeds: Path
    out: Path
    refresh: bool = False

    @property
    def layout(self) -> OutputLayout:
        return self.loaded.layout(self.out)


@dataclass
class Plan:
    """The claims of this run as records (claim, document title, reviewers, sources, already checked),
    the assignments ledger (every assignment ever made, this run's included), problems met while
    planning (a damaged ledger), and the verdict files parsed so far, so collecting does not parse them again."""

    items: list[PlannedClaim]
    ledger: Ledger | None = None
    problems: list[Problem] = field(default_factory=list)
    verdict_files: ParsedVerdicts | None = None
    requests_sent: int = 0

    def claim_ids(self) -> set[str]:
        return {item.claim.id for item in self.items}


@dataclass
class RunResult:
    """What a run produced: the report's summary and problems, where the report is, and what it wrote.

    The whole report is not kept: it was written a claim at a time. :attr:`report` reads it back
    from its file (the JSON twin) when asked for, once.
    """

    summary: Summary
    problems: list[Problem]
    report_path: Path
    tasks_written: int = 0
    stubs_created: int = 0
    extracted: int = 0
    cached: int = 0
    #: How many of the claims' sources have each status (link, resolved, unresolved ...).
    source_statuses: Counter[str] = field(default_factory=Counter)
    #: The report with only the claims a short summary lists (:data:`PREVIEW_CLAIMS`, disputed first, then
    #: by check-worthiness) and their documents: ``render(preview, ..., total_claims=summary.claims)``.
    preview: Report | None = field(default=None, repr=False)
    _report: Report | None = field(default=None, repr=False)

    @property
    def report(self) -> Report:
        """The report as written (read from its file on first use)."""
        if self._report is None:
            self._report = load_report(self.report_path)
        return self._report

    def totals(self, waiting: int = 0) -> list[tuple[str, int | str]]:
        """The totals a run ends with, as the terminal and the Prefect UI show them (label, value).

        ``waiting``: disputed claims that wait for an adjudicator when none is configured. Rows that
        are zero and only matter when not (orphaned verdicts, overdue tasks, ...) are left out.
        """
        s = self.summary
        alpha = s.agreement.krippendorff_alpha
        rows: list[tuple[str, int | str]] = [
            ("documents", s.documents), ("sentences", s.sentences), ("claims", s.claims), ("tasks", s.tasks),
            ("verdicts", s.verdicts), *((f"consensus: {k}", v) for k, v in s.by_consensus.items()),
            ("agreement (alpha)", "n/a" if alpha is None else f"{alpha:.2f}"),
        ]
        overdue = sum(r.overdue for r in s.reviewers)
        statuses = self.source_statuses
        rows += [(label, value) for label, value in [
            ("orphaned verdicts", s.orphaned_verdicts), ("overdue tasks", overdue), ("waiting for an adjudicator", waiting)] if value]
        if statuses["resolved"] or statuses["unresolved"]:  # an online run
            rows += [("sources resolved", statuses["resolved"]), ("sources unresolved", statuses["unresolved"])]
        return rows + [("problems", s.problems), ("documents extracted", self.extracted), ("from cache", self.cached)]


# --- the stages: plain functions of the context and earlier values ---------------------------------


def web_fetcher(loaded: LoadedConfig, out: Path | None) -> WebFetcher | None:
    """How the URL list is fetched in this run: with the shared HTTP layer when online, not at all offline."""
    cfg = loaded.config
    if not cfg.sources.online:
        return None
    cache = loaded.layout(out if out is not None else Path.cwd()).http_cache

    def fetch(urls: Sequence[UrlLine]) -> tuple[list[Document], list[Problem]]:
        with collector_running():  # HTTP makes reference cycles as it goes: collected as usual here
            return fetch_urls(urls, cfg.ingest, cfg.http, cache)

    return fetch


def load_stage(seeds: Path, loaded: LoadedConfig, out: Path | None = None) -> tuple[list[Document], list[Problem]]:
    """Read the seeds folder (and, online, fetch the articles its URL list names)."""
    return load_documents(seeds, loaded.config.ingest, web=web_fetcher(loaded, out))


def load(ctx: RunContext) -> tuple[list[Document], list[Problem]]:
    """Stage: the documents, and a problem for each input that could not be read."""
    return load_stage(ctx.seeds, ctx.loaded, ctx.out)


@dataclass
class Cached:
    """What the extraction cache holds for this run's documents: each document's key (by document id),
    the extractions found (by document id), and the cache that stores the rest as they are made
    (None with the cache off, or when the last run's merged claims serve)."""

    cache: ExtractionCache | None = None
    keys: dict[str, str] = field(default_factory=dict)
    found: dict[str, DocumentClaims] = field(default_factory=dict)
    #: For the documents the cache lacks (edited ones), the last scores of their sentences, by document id.
    scored: dict[str, dict[str, float]] = field(default_factory=dict)
    #: The last run's merge, when documents changed since, and the rows it kept of the documents that
    #: did not (by document id): these are merged from their rows, their extractions left unread.
    last: LastMerge | None = None
    unchanged: dict[str, Counted] = field(default_factory=dict)

    def done(self, document: str) -> bool:
        """Whether a document needs no extraction: found in the cache, or unchanged since the last merge."""
        return document in self.found or document in self.unchanged


def reuse(ctx: RunContext, documents: Sequence[Document]) -> tuple[Merged | None, str, Cached, Linked]:
    """Stage: the last run's merged claims, sources and extraction counts, if they derive from exactly
    these documents, settings and code (None otherwise, or on ``--refresh``); the key this run's
    merged claims are kept under ("" with the cache off), made here, while the documents' text is at
    hand; and, when the merged claims do not serve, the last run's sources of each claim, for the
    claims that did not change, and what the extraction cache holds (one lookup for them all, in this
    process: worker processes only extract). A document that did not change since the last merge
    (same extraction key, its extraction still cached) is not read at all: the merge takes it from
    the row the last merge kept (:class:`factflow.claims.Unchanged`); the others' cached extractions are read."""
    cfg = ctx.loaded.config
    if not cfg.cache.enabled:
        return None, "", Cached(), Linked()
    keys = cache_keys(documents, cfg.claims, ctx.seeds)
    key = claims_key(documents, cfg, keys, ctx.seeds)
    merged, linked, last = ((None, Linked(), None) if ctx.refresh else
                            load_merged(ctx.out, key, load_known_claim_ids(ctx.out), cfg.cache.max_age_days, merging_key(cfg)))
    if merged is not None:
        return merged, key, Cached(), linked
    cache = ExtractionCache.for_output(ctx.out, cfg.cache.max_age_days, ctx.refresh, scores_version(cfg.claims))
    cached = Cached(cache, keys={d.id: k for d, k in zip(documents, keys, strict=True)}, last=last)
    if last is not None:
        same = {d.id: k for d, k in zip(documents, keys, strict=True) if (row := last.counted.get(d.id)) is not None and row[3] == k}
        # Only those whose extraction stays in the cache: a claim that changes hands may need one (Unchanged.load).
        present = cache.present(list(same.values()))
        cached.unchanged = {document: last.counted[document] for document, k in same.items() if k in present}
    found = cache.get_many([k for d, k in zip(documents, keys, strict=True) if d.id not in cached.unchanged])
    for document, k in zip(documents, keys, strict=True):
        if k in found and document.id not in cached.unchanged:
            cached.found[document.id] = relocated(found[k], document)
    cached.scored = cache.get_scores([d.id for d in documents if not cached.done(d.id)])
    return None, key, cached, linked


def extract_batches(ctx: RunContext, documents: Sequence[Document], merged: Merged | None,
                    cached: Cached | None = None) -> list[list[Document]]:
    """The extract stage's batches: none when the last run's claims are reused; otherwise the documents
    the cache lacks, ``run.batch_size`` to a batch, short documents counted by their length
    (:func:`weight`), and with several workers enough batches for each to get a few
    (:func:`factflow.workers.batch_size`)."""
    if merged is not None:
        return []
    cached = cached or Cached()
    scored = cached.scored
    # An edited document takes its sentences' last scores along: only its changed sentences meet the detector.
    missing = [replace(d, scored=scored[d.id]) if d.id in scored else d for d in documents if not cached.done(d.id)]
    return batches(missing, batch_size(ctx.loaded.config.run, sum(map(weight, missing))))


def extract(ctx: RunContext, batch: Sequence[Document]) -> list[DocumentClaims]:
    """Stage, per batch: each document's claims with their context (the sentences of the whole batch
    scored together: a batch of short documents keeps the model's threads busy)."""
    cfg = ctx.loaded.config.claims
    with collector_paused():  # (already, in this process; not in a worker process, Dask's or Prefect's pool)
        return [found.compact(cfg.context_sentences) for found in extract_claims_many(batch, cfg)]


def gather_extractions(
    documents: Sequence[Document], merged: Merged | None, cached: Cached, results: Iterable[list[DocumentClaims]],
) -> tuple[list[DocumentClaims], dict[str, int], list[DocumentRecord]]:
    """The extract stage's batch results (in batch order), each stored in the extraction cache as it
    comes, with the extractions the cache held, as one list in document order, with cache hits and
    misses; and the documents as the later stages read them, one compact record each, their text let go.
    When the last run's merged claims serve, no extraction is read: the records come from its rows,
    as they do for the documents that did not change since the last merge (:attr:`Cached.unchanged`)."""
    if merged is not None:  # nothing changed: no document to extract, no claim to merge
        rows = {row[0]: row for row in merged.counted}
        return [], {"hits": len(documents), "misses": 0}, [_record(d, rows.get(d.id)) for d in documents]
    by_document = dict(cached.found)
    for found in results:
        if cached.cache is not None:
            cached.cache.put_many((cached.keys[e.document], e) for e in found)
        for e in found:
            e.scores = {}  # stored: the later stages never read them
        by_document.update((e.document, e) for e in found)
    extractions = [by_document[d.id] for d in documents if d.id in by_document]
    hits = len(cached.found) + len(cached.unchanged)
    records = [_record(d, cached.unchanged[d.id]) if d.id in cached.unchanged else DocumentRecord.of(d, by_document.get(d.id))
               for d in documents]
    return extractions, {"hits": hits, "misses": len(documents) - hits}, records


def _record(document: Document, row: Counted | None) -> DocumentRecord:
    """A document's record from the row a saved merge kept of its extraction (None: none, nothing scored)."""
    if row is None:
        return DocumentRecord.counted(document, 0, [])
    # The problems name the document where it is in this run (the seeds folder may be named otherwise).
    return DocumentRecord.counted(document, row[1], [p if p.file == document.path else p.model_copy(update={"file": document.path})
                                                     for p in row[2]])


def plan(
    ctx: RunContext, documents: Sequence[DocumentRecord], extractions: Sequence[DocumentClaims], merged: Merged | None, key: str,
    linked: Linked | None = None, cached: Cached | None = None,
) -> Plan:
    """Stage: merge claims, link sources, assign reviewers; the extractions' sentences are let go after it.

    The assignments already made in ``out`` (its ledger, or its verdict files) are kept; only
    claims short of reviewers are assigned. With ``merged`` the claims and sources are the last
    run's; otherwise they are merged (the documents that did not change since the last merge, from
    the rows it kept: ``cached.unchanged``) and linked (a claim ``linked`` holds unchanged keeps the
    last run's sources), and kept for the next run under ``key``.
    """
    cfg, out = ctx.loaded.config, ctx.out
    if merged is not None:
        claims, sources, left_out = merged.claims, merged.sources, merged.left_out
    else:
        cached = cached or Cached()
        known = load_known_claim_ids(out)
        try:
            claims = merge_claims(extractions, cfg.claims, cfg.sources.max_terms, known_ids=known, unchanged=_unchanged(ctx, cached))
        except StaleCacheError as exc:  # a saved row edited by hand: merge every document from its extraction
            log.warning("the saved merge %s does not match the extraction cache (%s); every document is merged from its extraction",
                        ctx.layout.claims_cache, exc)
            extractions = [*extractions, *(_read_extraction(cached, document) for document in cached.unchanged)]
            cached.unchanged = {}
            claims = merge_claims(extractions, cfg.claims, cfg.sources.max_terms, known_ids=known)
        by_id = {d.id: d for d in documents}
        linking = linking_key(cfg) if cfg.cache.enabled else ""
        sources, left_out, linked_from = {}, {}, {}
        for c in claims:
            document = by_id.get(c.document)
            fingerprint = link_fingerprint(linking, c, document.url, document.published) if document is not None and linking else ""
            reused = linked.get(c.id, fingerprint) if linked is not None and fingerprint else None
            sources[c.id], skipped = reused if reused is not None else link_sources_with_reasons(c, cfg.sources, document)
            if skipped:
                left_out[c.id] = skipped
            if fingerprint:
                linked_from[c.id] = fingerprint
        if cfg.cache.enabled:
            rows = {e.document: counted(e, cached.keys[e.document]) for e in extractions if e.document in cached.keys}
            rows.update(cached.unchanged)
            save_merged(out, key, known, claims, sources, [rows[d.id] for d in documents if d.id in rows], left_out, linked_from,
                        merging_key(cfg))
    previous, problems = load_ledger(out, cfg.review)
    verdict_files = ParsedVerdicts(out, cfg.review)
    ledger = plan_assignments(claims, cfg.review, previous, rated_pairs(out, cfg.review, verdict_files), now())
    assignments = assignments_from(ledger, claims, cfg.review)
    titles = {d.id: d.title for d in documents}
    items = [PlannedClaim(c, titles.get(c.document, ""), assignments[c.id], sources[c.id], sources_left_out=left_out.get(c.id, []))
             for c in claims]
    return Plan(items, ledger=ledger, problems=problems, verdict_files=verdict_files)


def _unchanged(ctx: RunContext, cached: Cached) -> Unchanged | None:
    """The documents the merge takes from the last merge's rows (None: none), with the last run's claims,
    and a reader of a document's cached extraction, for a sentence that makes a claim it did not make then."""
    if not cached.unchanged or cached.last is None or cached.cache is None:
        return None
    return Unchanged(sentences={document: row[4] for document, row in cached.unchanged.items()},
                     claims={(c.document, c.sentence_index): c for c in cached.last.claims},
                     load=lambda document: _read_extraction(cached, document))


def _read_extraction(cached: Cached, document: str) -> DocumentClaims:
    """A document's cached extraction, which the run found there when it began (and fresh for an hour)."""
    key = cached.keys[document]
    found = cached.cache.get_many([key]).get(key) if cached.cache is not None else None
    if found is None:  # the cache was removed or damaged meanwhile
        path = cached.cache.path if cached.cache is not None else ""
        raise OutputError(path, f"the cached extraction of document {document!r} went missing during the run "
                          "(the cache was removed or damaged meanwhile); run again")
    return found


def resolve(ctx: RunContext, plan: Plan, documents: Sequence[DocumentRecord]) -> Plan:
    """Stage, online only: resolve the plan's sources over HTTP (and look up what already checked each claim)."""
    if not plan.items:
        return plan
    with collector_running():  # HTTP makes reference cycles as it goes: collected as usual here
        batch = resolve_sources([i.claim for i in plan.items], {i.claim.id: i.sources for i in plan.items}, documents,
                                ctx.loaded.config, ctx.out)
    items = [PlannedClaim(i.claim, i.title, i.reviewers, batch.sources[i.claim.id], batch.already_checked.get(i.claim.id),
                          batch.passages.get(i.claim.id), i.sources_left_out) for i in plan.items]
    return Plan(items, ledger=plan.ledger, problems=plan.problems, verdict_files=plan.verdict_files,
                requests_sent=batch.requests_sent)


def write_verdict_stubs(ctx: RunContext, plan: Plan) -> int:
    """Stage: the assignments ledger and a verdict stub for every assignment that has no file yet; returns
    how many stubs were created. Before the verdicts are collected, so a first run's report lists them."""
    if plan.ledger is not None:
        write_ledger(plan.ledger, ctx.out)
    return write_stubs(plan.items, ctx.loaded.config.review, ctx.out, plan.verdict_files)


def collect(ctx: RunContext, plan: Plan) -> tuple[list[LoadedVerdict], list[Problem], Plan]:
    """Stage: read every reviewer's verdict file; a bad one is a problem. The plan goes on without
    its parsed verdict files: saved for the next run, no later stage reads them."""
    parsed = plan.verdict_files or ParsedVerdicts(ctx.out, ctx.loaded.config.review)
    verdicts, problems = collect_verdicts(ctx.out, plan.claim_ids(), ctx.loaded.config.review, plan.ledger, parsed)
    parsed.save()
    return verdicts, problems, replace(plan, verdict_files=None)


def recall(ctx: RunContext, plan: Plan, verdicts: Sequence[LoadedVerdict]) -> tuple[Plan, dict[str, Any] | None, dict[str, list[Any]]]:
    """Stage: what each claim repeats of the claims already rated, by this desk (every claim whose
    verdict files make a consensus ``agreed`` or ``adjudicated`` now, this run's and those no document
    holds any more) or by other fact-checkers (``factflow import claimreview``), as ``already_checked``
    entries with their similarity, highest first. Nothing to match, nothing to do.
    Also returns what the report stage compares with (the last report, as :func:`load_previous_report`
    reads it) and the rated claims it no longer lists, with their dates, for its snapshot to keep."""
    cfg, layout = ctx.loaded.config, ctx.layout
    problems = list(plan.problems)
    try:
        candidates = imported_candidates(load_index(ctx.out))
    except InputError as exc:  # a damaged index costs one problem line; the desk's own memory still works
        problems.append(Problem(file=str(exc.path), line=exc.line, message=exc.message))
        candidates = []
    previous = load_previous_report(layout.report, layout.report_snapshot)  # its snapshot: read in a moment, once a run
    rated, remembered = desk_ratings(plan.items, verdicts, cfg.review, previous, now())
    candidates = desk_candidates(rated, cfg.report.publisher, cfg.report.publisher_url) + candidates
    del rated
    if not candidates or not plan.items:
        return replace(plan, problems=problems), previous, remembered
    from factflow.encoder import SentenceEncoder

    encoders: list[CachedEncoder] = []

    def encoder() -> CachedEncoder:  # loaded only when the claims or candidates changed since the last run
        encoders.append(CachedEncoder(SentenceEncoder.load(), layout.vector_cache, borrowed=[layout.claimreview_vectors]))
        return encoders[0]

    found = recall_matches([item.claim for item in plan.items], candidates, cfg.sources.match_threshold, layout.match_cache, encoder)
    for made in encoders:
        made.save()
    items = [replace(item, already_checked=merge_checks(item.already_checked, found[item.claim.id])) for item in plan.items]
    return replace(plan, items=items, problems=problems), previous, remembered


def write_task_files(ctx: RunContext, plan: Plan) -> int:
    """Stage: write the task file of every claim whose task changed since it was written; returns how many were written."""
    written = write_tasks(iter_tasks(plan.items), ctx.out)
    flush_to_disk()  # one flush for the task files, stubs and cached extractions written without fsync
    return written


def report(
    ctx: RunContext, documents: Sequence[DocumentRecord], plan: Plan,
    verdicts: Sequence[LoadedVerdict], problems: Sequence[Problem], review_problems: Sequence[Problem],
    previous: dict[str, Any] | None, remembered: dict[str, list[Any]],
) -> tuple[RunResult, Path]:
    """Stage: build the report and write it atomically, a claim at a time, with its JSON twin and the
    snapshot the next run compares with (and the desk's rated claims the report no longer lists,
    ``remembered``); returns what the run ends with (the summary, the problems)."""
    layout = ctx.layout
    built = build_report(
        loaded=ctx.loaded, documents=documents, items=plan.items, verdicts=verdicts,
        problems=[*problems, *plan.problems, *review_problems], generated_at=now(), previous=previous, ledger=plan.ledger,
    )
    top = TopClaims(PREVIEW_CLAIMS)
    write_report(replace(built, claims=lambda: top.watch(built.claims())), layout.report, layout.report_snapshot, previous, remembered)
    shown = top.claims()
    listed = {c.document for c in shown}
    preview = built.head.model_copy(update={"claims": shown, "documents": list(built.documents(listed))})
    statuses = Counter[str](source.status for item in plan.items for source in item.sources)
    return RunResult(built.head.summary, built.head.problems, layout.report, source_statuses=statuses, preview=preview), layout.report


#: A document this long or longer counts as one in ``run.batch_size``; a shorter one as its share of it
#: (the news sample's median article has 2,900 characters, a one-sentence document about 130).
ARTICLE_CHARS = 2_000
#: What the shortest document counts for at least (an empty one costs a little too): 20 characters' worth.
MIN_WEIGHT = 0.01


def weight(document: Document) -> float:
    """What a document counts for in a batch: 1 for an article, its share of :data:`ARTICLE_CHARS` when shorter.

    Extracting a document costs about its length; a Prefect task run costs about 50 ms whatever it
    holds. Counted by length, 100,000 one-sentence documents make batches of several hundred each,
    not 2,000 task runs of 50, while a batch of articles stays ``run.batch_size`` articles.
    """
    return min(1.0, max(MIN_WEIGHT, len(document.text) / ARTICLE_CHARS))


def batches(documents: Sequence[Document], size: float) -> list[list[Document]]:
    """Documents in consecutive batches, each of at most ``size`` by :func:`weight` (and at least one document)."""
    found: list[list[Document]] = []
    current: list[Document] = []
    load = 0.0
    for document in documents:
        counts = weight(document)
        if current and load + counts > size + 1e-9:
            found.append(current)
            current, load = [], 0.0
        current.append(document)
        load += counts
    if current:
        found.append(current)
    return found


def now() -> str:
    """The current UTC time, as the report shows it."""
    return datetime.now(UTC).isoformat(timespec="seconds")

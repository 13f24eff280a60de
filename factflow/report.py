"""Report: assemble the verdict report an editor reads (its claims, summary and changes since the last run).

Writing it (the YAML, streamed; its JSON twin; the snapshot the next run reads) is :mod:`factflow.reportfile`."""

from __future__ import annotations

import dataclasses
import heapq
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NotRequired

import yaml
from pydantic import ConfigDict, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict  # pydantic reads typing's TypedDict only from Python 3.12

from factflow.config import CLAIM_TYPES, LoadedConfig, ReviewConfig
from factflow.fileio import read_regular, regular_digest
from factflow.memory.desk import RATED, RatedClaim
from factflow.models import (
    Agreement,
    Changes,
    ClaimBase,
    ConfigRef,
    Consensus,
    ConsensusChange,
    DocumentRecord,
    GoneClaim,
    Ledger,
    OrphanedVerdict,
    PlannedClaim,
    Problem,
    Report,
    ReportClaim,
    ReportDocument,
    ReviewerStats,
    Summary,
    VerdictChange,
    VerdictRecord,
)
from factflow.review import LoadedVerdict, agreement, consensus, reviewer_stats
from factflow.yamlio import SafeLoader

CONSENSUS_STATUSES = ("pending", "agreed", "disputed", "adjudicated")

#: What a report claim takes from the claim as it is: every field they share, so a field added to
#: the claim reaches the report without another list to update.
_CLAIM_FIELDS = tuple(ClaimBase.model_fields)


@dataclasses.dataclass(slots=True)
class ClaimOutcome:
    """What the report's totals and changes read of one claim: its type, verdicts and consensus (the
    claim itself is made into a :class:`ReportClaim` only as it is written, one at a time)."""

    id: str
    type: str
    verdicts: list[VerdictRecord]
    consensus: Consensus


@dataclasses.dataclass
class ReportStream:
    """A report whose documents and claims are made one at a time as it is written, so that a corpus's
    report is never all in memory: ``head`` holds every other member (its documents and claims empty),
    ``documents()`` and ``claims()`` give the rest in the report's order (each may be called again);
    ``documents(only)``, only the documents whose ids are in ``only``."""

    head: Report
    documents: Callable[..., Iterator[ReportDocument]]
    claims: Callable[[], Iterator[ReportClaim]]

    @classmethod
    def of(cls, report: Report) -> ReportStream:
        """A report already made, as a stream."""
        def documents(only: Container[str] | None = None) -> Iterator[ReportDocument]:
            return (d for d in report.documents if only is None or d.id in only)

        return cls(report.model_copy(update={"documents": [], "claims": []}), documents, lambda: iter(report.claims))

    def whole(self) -> Report:
        """The whole report in memory (for small reports and tests)."""
        return self.head.model_copy(update={"documents": list(self.documents()), "claims": list(self.claims())})


class TopClaims:
    """The claims a short summary lists, kept as the report streams by: at most ``n``, ranked as
    :func:`factflow.export.summary.render` ranks them (disputed first, then by check-worthiness)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.total = 0
        self._heap: list[tuple[tuple[int, float, int], ReportClaim]] = []  # the worst kept claim first

    def watch(self, claims: Iterator[ReportClaim]) -> Iterator[ReportClaim]:
        """``claims`` as they are, keeping the best ``n`` on the way."""
        for claim in claims:
            rank = (int(claim.consensus.status == "disputed"), claim.checkworthiness, -self.total)  # larger is better
            self.total += 1
            if len(self._heap) < self.n:
                heapq.heappush(self._heap, (rank, claim))
            elif self.n and rank > self._heap[0][0]:
                heapq.heapreplace(self._heap, (rank, claim))
            yield claim

    def claims(self) -> list[ReportClaim]:
        """The kept claims, in the report's order."""
        return [claim for _, claim in sorted(self._heap, key=lambda kept: -kept[0][2])]


def build_report(
    *,
    loaded: LoadedConfig,
    documents: Sequence[DocumentRecord],
    items: Sequence[PlannedClaim],
    verdicts: Sequence[LoadedVerdict],
    problems: Sequence[Problem],
    generated_at: str,
    previous: dict[str, Any] | None = None,
    ledger: Ledger | None = None,
) -> ReportStream:
    """Put every stage's output together in the report's fixed order (document, then position).

    The totals, changes and problems are worked out here; each document's and claim's entry is made
    only when :func:`write_report` writes it.
    """
    cfg = loaded.config
    by_claim: dict[str, list[VerdictRecord]] = {}
    orphans: list[OrphanedVerdict] = []
    for lv in verdicts:
        v = lv.verdict
        if lv.orphaned:
            if v.rating is not None or (v.rationale or "").strip():  # an untouched stub is no verdict to keep
                orphans.append(OrphanedVerdict(claim=v.claim, claim_text=lv.claim_text, reviewer=v.reviewer, rating=v.rating,
                                               rationale=v.rationale, evidence=v.evidence, file=lv.file))
            continue
        by_claim.setdefault(v.claim, []).append(_record(lv, cfg.review))
    consensus_of: dict[str, Consensus] = {}
    earlier = _previous_consensus(previous)
    claim_counts = Counter(item.claim.document for item in items)
    outcomes = []
    for item in items:
        c = item.claim
        records = sorted(by_claim.get(c.id, []), key=_record_order)
        by_claim[c.id] = records
        consensus_of[c.id] = _dated(_consensus(records, cfg.review), earlier.get(c.id), generated_at)
        outcomes.append(ClaimOutcome(c.id, c.type, records, consensus_of[c.id]))
    del earlier
    current = {item.claim.id for item in items}
    stats = reviewer_stats(
        {item.claim.id: item.reviewers for item in items},
        {cid: recs for cid, recs in by_claim.items() if cid in current},
        consensus_of, cfg.review, ledger, generated_at,
    )
    agreed = agreement([by_claim.get(item.claim.id, []) for item in items], cfg.review)
    orphans.sort(key=lambda o: (o.claim, o.reviewer))
    ordered = sorted(documents, key=lambda d: d.id)
    all_problems = sorted(
        list(problems) + [p for d in documents for p in d.problems],
        key=lambda p: (p.file, p.line or 0, p.message),
    )

    def report_documents(only: Container[str] | None = None) -> Iterator[ReportDocument]:
        for d in ordered:
            if only is not None and d.id not in only:
                continue
            yield ReportDocument(id=d.id, path=d.path, title=d.title, sha256=d.sha256, encoding=d.encoding, sentences=d.sentences,
                                 claims=claim_counts.get(d.id, 0), url=d.url, published=d.published, outlet=d.outlet)

    def report_claims() -> Iterator[ReportClaim]:
        for item, outcome in zip(items, outcomes, strict=True):
            c = item.claim
            yield ReportClaim(
                **{name: getattr(c, name) for name in _CLAIM_FIELDS},
                sources=item.sources, already_checked=item.already_checked, evidence_passages=item.evidence_passages,
                assigned_to=item.reviewers, verdicts=outcome.verdicts, consensus=outcome.consensus,
            )

    summary = summarise(len(ordered), sum(d.sentences for d in ordered), outcomes, cfg.review.labels, len(all_problems), agreed, stats,
                        len(orphans))
    head = Report(
        generated_at=generated_at,
        config=ConfigRef(path=loaded.path, sha256=loaded.sha256),
        summary=summary,
        scale=list(cfg.review.scale),
        changes=compute_changes(previous, outcomes),
        documents=[],
        claims=[],
        orphaned_verdicts=orphans,
        problems=all_problems,
    )
    return ReportStream(head, report_documents, report_claims)


def _record(lv: LoadedVerdict, review: ReviewConfig) -> VerdictRecord:
    v = lv.verdict
    return VerdictRecord(reviewer=v.reviewer, rating=v.rating, rationale=v.rationale, evidence=v.evidence, file=lv.file,
                         role="adjudicator" if review.is_adjudicator(v.reviewer) else "reviewer")


def _record_order(record: VerdictRecord) -> tuple[bool, str]:
    """A claim's verdicts in the report's order: reviewers by name, then adjudicators."""
    return record.role != "reviewer", record.reviewer


def _consensus(records: Sequence[VerdictRecord], review: ReviewConfig) -> Consensus:
    return consensus(records, review.reviewers_per_claim, review.consensus, [a.id for a in review.adjudicators])


def desk_ratings(
    items: Sequence[PlannedClaim], verdicts: Iterable[LoadedVerdict], review: ReviewConfig,
    previous: dict[str, Any] | None, today: str,
) -> tuple[list[RatedClaim], dict[str, list[Any]]]:
    """Every claim the desk has rated (consensus ``agreed`` or ``adjudicated``), as its verdict files say now.

    This run's claims first (their order), with the consensus the report gives them; then the claims
    no document holds any more (by id), whose verdict files still make a rated consensus: reviewers'
    files are never deleted, so the desk remembers what it checked after the articles leave the seeds.
    A rating keeps the date it was first reached (``since``): from the last report, or, for claims
    it no longer listed, from its snapshot's ``remembered``. Also returns those departed claims'
    (status, rating, since), for the report's snapshot to keep.
    """
    earlier = _previous_consensus(previous)
    by_claim: dict[str, list[VerdictRecord]] = {}
    texts: dict[str, str] = {}
    for lv in verdicts:
        if lv.verdict.rating is None:  # a consensus counts ratings alone; most files of a desk are stubs not yet rated
            continue
        by_claim.setdefault(lv.verdict.claim, []).append(_record(lv, review))
        if lv.orphaned and lv.claim_text and " ".join(lv.claim_text.split()):
            texts.setdefault(lv.verdict.claim, lv.claim_text)
    current = [(item.claim.id, item.claim.text) for item in items if item.claim.id in by_claim]
    known = {item.claim.id for item in items}
    departed = sorted((cid, text) for cid, text in texts.items() if cid not in known)
    rated: list[RatedClaim] = []
    remembered: dict[str, list[Any]] = {}
    for cid, text in [*current, *departed]:
        records = sorted(by_claim.get(cid, ()), key=_record_order)
        agreed = _dated(_consensus(records, review), earlier.get(cid), today)
        if agreed.status not in RATED or not agreed.rating:
            continue
        reviewers = [r.reviewer for r in records if r.rating is not None and r.role == "reviewer"]
        rated.append(RatedClaim(cid, text, agreed.rating, agreed.since, (*reviewers, *([agreed.adjudicator] if agreed.adjudicator else []))))
        if cid not in known:
            remembered[cid] = [agreed.status, agreed.rating, agreed.since]
    return rated, remembered


def _previous_consensus(previous: dict[str, Any] | None) -> dict[str, tuple[Any, Any, Any]]:
    """Each claim's consensus in the previous report: (status, rating, since), ``since`` defaulting to that report's date;
    and of the rated claims it no longer listed, as its snapshot remembered them."""
    if not previous:
        return {}
    default = previous.get("generated_at")
    found: dict[str, tuple[Any, Any, Any]] = {}
    for cid, kept in (previous.get("remembered") or {}).items():
        if isinstance(kept, list) and len(kept) == 3:
            found[str(cid)] = (kept[0], kept[1], kept[2])
    for claim in previous.get("claims") or []:
        if isinstance(claim, dict) and isinstance(claim.get("consensus"), dict):
            old = claim["consensus"]
            found[str(claim.get("id"))] = (old.get("status"), old.get("rating"), old.get("since") or default)
    return found


def _dated(now: Consensus, before: tuple[Any, Any, Any] | None, generated_at: str) -> Consensus:
    """The consensus with the date it was reached: the previous report's while status and rating stay the same."""
    if now.status != "pending":
        same = before is not None and (before[0], before[1]) == (now.status, now.rating) and isinstance(before[2], str)
        now.since = before[2] if same and before is not None else generated_at
    return now


def summarise(
    documents: int,
    sentences: int,
    claims: Sequence[ClaimOutcome | ReportClaim],
    labels: Sequence[str],
    problems: int,
    agreed: Agreement,
    reviewers: list[ReviewerStats],
    orphaned: int,
) -> Summary:
    """Totals by claim type, consensus status and consensus rating (every key present, zeros included)."""
    by_type: Counter[str] = Counter(c.type for c in claims)
    by_status: Counter[str] = Counter(c.consensus.status for c in claims)
    by_rating: Counter[str] = Counter(c.consensus.rating for c in claims if c.consensus.rating)
    return Summary(
        documents=documents,
        sentences=sentences,
        claims=len(claims),
        tasks=len(claims),
        verdicts=sum(1 for c in claims for v in c.verdicts if v.rating is not None),
        by_type={t: by_type[t] for t in CLAIM_TYPES},
        by_consensus={s: by_status[s] for s in CONSENSUS_STATUSES},
        by_rating={label: by_rating[label] for label in labels},
        problems=problems,
        orphaned_verdicts=orphaned,
        agreement=agreed,
        reviewers=reviewers,
    )


def load_previous_report(path: Path, snapshot: Path | None = None) -> dict[str, Any] | None:
    """What :func:`compute_changes` needs of the report a previous run left at ``path``; None if none or unreadable.

    Parsing a large YAML report takes seconds, so the run also keeps a JSON snapshot of the fields
    ``changes`` compares; it is used when it belongs to exactly the report on disk (same SHA-256),
    so a report edited, replaced or removed by hand is read (or missed) as it is.
    """
    digest = regular_digest(path)  # the report is read whole only when the snapshot does not serve
    if digest is None:
        return None
    saved = read_regular(snapshot) if snapshot is not None else None
    if saved is not None:
        found = _previous_shape(saved)
        if found is not None and found.get("report_sha256") == digest:
            return found
    raw = read_regular(path)
    if raw is None:
        return None
    try:
        data = yaml.load(raw.decode("utf-8", errors="replace"), Loader=SafeLoader)  # noqa: S506 - our safe loader
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
    return _previous_shape(data)


# The members of a previous report that ``changes`` and the desk's memory read, with their types: an
# edited or odd report is ignored. Typed dicts, not models: pydantic validates the snapshot's JSON
# straight into plain dicts (at 34,000 claims a model and its dump peaked at 177 MB, 4.4 s; these at 53 MB, 0.7 s).
_LENIENT = ConfigDict(extra="allow")


@with_config(_LENIENT)
class _PreviousVerdict(TypedDict):
    reviewer: str
    rating: NotRequired[str | None]


@with_config(_LENIENT)
class _PreviousConsensus(TypedDict, total=False):
    status: str | None
    rating: str | None


@with_config(_LENIENT)
class _PreviousClaim(TypedDict):
    id: str
    text: NotRequired[str]
    verdicts: NotRequired[list[_PreviousVerdict]]
    consensus: NotRequired[_PreviousConsensus]


@with_config(_LENIENT)
class _PreviousReport(TypedDict, total=False):
    generated_at: str | None
    claims: list[_PreviousClaim]
    #: (the snapshot's) The rated claims the report no longer lists, as :func:`desk_ratings` kept them: id -> [status, rating, since].
    remembered: dict[str, list[Any]] | None
    #: (the snapshot's) Where each run of the documents' list lies in the report: [key of its content, byte offset, byte length].
    documents_spans: list[Any] | None


_PREVIOUS: TypeAdapter[_PreviousReport] = TypeAdapter(_PreviousReport)


def _previous_shape(data: Any) -> dict[str, Any] | None:
    """``data`` (or, as bytes, the JSON of it) when it has the shape of a report (or its snapshot), else
    None (then every claim counts as new)."""
    try:
        found = _PREVIOUS.validate_json(data) if isinstance(data, bytes) else _PREVIOUS.validate_python(data)
    except ValidationError:
        return None
    return dict(found)


def snapshot_entry(claim: ReportClaim, span: list[Any] | None) -> dict[str, Any]:
    """What the next run's ``changes`` compares of one claim, and (``span``) where its YAML lies in the
    report file ([key of its content, byte offset, byte length]), so the next run copies unchanged claims' text."""
    return {"id": claim.id, "text": claim.text,
            "verdicts": [{"reviewer": v.reviewer, "rating": v.rating, "role": v.role} for v in claim.verdicts],
            "consensus": {"status": claim.consensus.status, "rating": claim.consensus.rating, "adjudicator": claim.consensus.adjudicator,
                          "since": claim.consensus.since},
            **({"span": span} if span else {})}


def compute_changes(previous: dict[str, Any] | None, claims: Sequence[ClaimOutcome | ReportClaim]) -> Changes:
    """New and gone claims, new and changed verdicts, and consensus moves since the previous report."""
    if previous is None:
        return Changes(
            since=None, new_claims=[c.id for c in claims], claims_gone=[],
            new_verdicts=[VerdictChange(claim=c.id, reviewer=v.reviewer, rating_before=None, rating_after=v.rating)
                          for c in claims for v in c.verdicts if v.rating is not None],
            changed_verdicts=[], consensus_changes=[],
        )
    before = {c.get("id"): c for c in previous.get("claims") or [] if isinstance(c, dict)}
    now = {c.id for c in claims}
    new_verdicts: list[VerdictChange] = []
    changed_verdicts: list[VerdictChange] = []
    consensus_changes: list[ConsensusChange] = []
    for claim in claims:
        old = before.get(claim.id)
        old_ratings = {v.get("reviewer"): v.get("rating") for v in (old or {}).get("verdicts") or [] if isinstance(v, dict)}
        for v in claim.verdicts:
            if v.rating is None:
                continue
            if old_ratings.get(v.reviewer) is None:
                new_verdicts.append(VerdictChange(claim=claim.id, reviewer=v.reviewer, rating_before=None, rating_after=v.rating))
            elif old_ratings[v.reviewer] != v.rating:
                changed_verdicts.append(VerdictChange(claim=claim.id, reviewer=v.reviewer, rating_before=old_ratings[v.reviewer], rating_after=v.rating))
        if old is not None:
            old_consensus = old.get("consensus") or {}
            if (old_consensus.get("status"), old_consensus.get("rating")) != (claim.consensus.status, claim.consensus.rating):
                consensus_changes.append(ConsensusChange(
                    claim=claim.id, status_before=str(old_consensus.get("status")), rating_before=old_consensus.get("rating"),
                    status_after=claim.consensus.status, rating_after=claim.consensus.rating,
                ))
    return Changes(
        since=str(previous.get("generated_at")) if previous.get("generated_at") else None,
        new_claims=[c.id for c in claims if c.id not in before],
        claims_gone=[GoneClaim(id=str(cid), text=str(c.get("text", ""))) for cid, c in before.items() if cid not in now],
        new_verdicts=new_verdicts,
        changed_verdicts=changed_verdicts,
        consensus_changes=consensus_changes,
    )

"""Report: assemble the verdict report an editor reads and write it as YAML."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from factflow.config import CLAIM_TYPES, LoadedConfig
from factflow.models import (
    Agreement,
    Claim,
    ConfigRef,
    Consensus,
    Document,
    DocumentClaims,
    Ledger,
    OrphanedVerdict,
    Problem,
    Report,
    ReportClaim,
    ReportDocument,
    ReviewerStats,
    Source,
    Summary,
    VerdictRecord,
)
from factflow.review import LoadedVerdict, agreement, consensus, reviewer_stats
from factflow.yamlio import atomic_write_text, dump_yaml

CONSENSUS_STATUSES = ("pending", "agreed", "disputed", "adjudicated")


def build_report(
    *,
    loaded: LoadedConfig,
    documents: Sequence[Document],
    extractions: Sequence[DocumentClaims],
    claims: Sequence[Claim],
    assignments: dict[str, list[str]],
    sources: dict[str, list[Source]],
    verdicts: Sequence[LoadedVerdict],
    problems: Sequence[Problem],
    generated_at: str,
    ledger: Ledger | None = None,
) -> Report:
    """Put every stage's output together in the report's fixed order (document, then position)."""
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
        by_claim.setdefault(v.claim, []).append(VerdictRecord(
            reviewer=v.reviewer, rating=v.rating, rationale=v.rationale, evidence=v.evidence, file=lv.file,
            role="adjudicator" if cfg.review.is_adjudicator(v.reviewer) else "reviewer",
        ))
    adjudicators = [a.id for a in cfg.review.adjudicators]
    consensus_of: dict[str, Consensus] = {}
    extraction = {e.document: e for e in extractions}
    claim_counts = Counter(c.document for c in claims)
    report_claims = []
    for c in claims:
        records = sorted(by_claim.get(c.id, []), key=lambda r: (r.role != "reviewer", r.reviewer))
        by_claim[c.id] = records
        consensus_of[c.id] = consensus(records, cfg.review.reviewers_per_claim, cfg.review.consensus, adjudicators)
        report_claims.append(ReportClaim(
            id=c.id, document=c.document, text=c.text, sentence_index=c.sentence_index,
            checkworthiness=c.checkworthiness, reasons=c.reasons, type=c.type, appearances=c.appearances,
            sources=sources.get(c.id, []), assigned_to=assignments.get(c.id, []), verdicts=records,
            consensus=consensus_of[c.id],
        ))
    current = {c.id for c in claims}
    stats = reviewer_stats(
        {c.id: assignments.get(c.id, []) for c in claims},
        {cid: recs for cid, recs in by_claim.items() if cid in current},
        consensus_of, cfg.review, ledger, generated_at,
    )
    agreed = agreement([by_claim.get(c.id, []) for c in claims], cfg.review)
    orphans.sort(key=lambda o: (o.claim, o.reviewer))
    report_docs = [
        ReportDocument(
            id=d.id, path=d.path, title=d.title, sha256=d.sha256,
            sentences=len(extraction[d.id].sentences) if d.id in extraction else 0,
            claims=claim_counts.get(d.id, 0),
        )
        for d in sorted(documents, key=lambda d: d.id)
    ]
    all_problems = sorted(
        list(problems) + [p for e in extractions for p in e.problems],
        key=lambda p: (p.file, p.line or 0, p.message),
    )
    return Report(
        generated_at=generated_at,
        config=ConfigRef(path=loaded.path, sha256=loaded.sha256),
        summary=summarise(report_docs, report_claims, cfg.review.labels, len(all_problems), agreed, stats, len(orphans)),
        documents=report_docs,
        claims=report_claims,
        orphaned_verdicts=orphans,
        problems=all_problems,
    )


def summarise(
    documents: Sequence[ReportDocument],
    claims: Sequence[ReportClaim],
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
        documents=len(documents),
        sentences=sum(d.sentences for d in documents),
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


def report_text(report: Report) -> str:
    """The report as YAML text."""
    header = "# factflow verdict report. Written by factflow on every run; do not edit.\n"
    return header + dump_yaml(report.model_dump(mode="json"))


def write_report(report: Report, path: Path) -> None:
    """Write the report atomically."""
    atomic_write_text(path, report_text(report))


def report_schema() -> dict[str, Any]:
    """The JSON Schema of the report, as shipped in the package."""
    text = resources.files("factflow").joinpath("schema/report.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def generated_schema() -> dict[str, Any]:
    """The JSON Schema derived from the Report model (what the shipped file must equal)."""
    schema = Report.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "urn:factflow:schema:report"
    return schema

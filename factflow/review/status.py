"""Who owes what: each person's open, overdue and done tasks, and their queue, read from the desk's files.

Fast at desk size: claims come from the last run's report (its JSON twin), assignment times from
the ledger, and verdict files through the run's parse cache, so only files edited since the last
run are parsed. Verdicts are read as they are now, not as the last run saw them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from factflow.config import LoadedConfig
from factflow.errors import InputError
from factflow.layout import OutputLayout
from factflow.models import Problem, QueuedClaim, ReportQueue, VerdictRecord
from factflow.review.assign import load_ledger
from factflow.review.consensus import consensus, parse_time
from factflow.review.files import ParsedVerdicts, collect_verdicts
from factflow.review.session import queue_order


@dataclass(frozen=True)
class QueueItem:
    """One open task: the claim, where it is, and since when it waits."""

    claim: str
    text: str
    document: str
    since: str | None
    overdue: bool


@dataclass
class PersonStatus:
    """One reviewer's or adjudicator's work: counts, and their open tasks in queue order."""

    id: str
    name: str
    role: Literal["reviewer", "adjudicator"]
    assigned: int = 0
    done: int = 0
    overdue: int = 0
    queue: list[QueueItem] = field(default_factory=list)

    @property
    def open(self) -> int:
        """Tasks still waiting for this person."""
        return len(self.queue)


@dataclass
class DeskStatus:
    """The desk's state: every person's work, and disputed claims no one can settle."""

    claims: int
    people: list[PersonStatus]
    #: Disputed claims while no adjudicator is configured: nobody owes them, so they are listed here.
    waiting_for_adjudicator: list[QueueItem]
    problems: list[Problem]
    report_time: str


def load_claims(out: Path, loaded: LoadedConfig) -> tuple[list[QueuedClaim], str]:
    """The claims of the last run, in queue order (most check-worthy first, ties by document and position), and when that run was."""
    from factflow.export import load_report

    path = loaded.layout(out).report
    if not path.is_file():
        raise InputError(path, "no report here; run `factflow run` first (or pass the right --out)")
    report = load_report(path, ReportQueue)  # the claims' queue only, not the documents and sources
    return queue_order(report.claims), report.generated_at


def desk_status(out: Path, loaded: LoadedConfig, now: datetime) -> DeskStatus:
    """Every person's open, overdue and done tasks as the files stand now."""
    cfg = loaded.config.review
    claims, generated_at = load_claims(out, loaded)
    ledger = load_ledger(out, cfg)[0] if OutputLayout(out).ledger.exists() else None
    verdicts, problems = collect_verdicts(out, {c.id for c in claims}, cfg, ledger, ParsedVerdicts(out, cfg))
    records: dict[str, list[VerdictRecord]] = {}
    for lv in verdicts:
        if not lv.orphaned:
            v = lv.verdict
            records.setdefault(v.claim, []).append(VerdictRecord(
                reviewer=v.reviewer, rating=v.rating, rationale=v.rationale, evidence=v.evidence, file=lv.file,
                role="adjudicator" if cfg.is_adjudicator(v.reviewer) else "reviewer"))
    due = timedelta(hours=cfg.due_hours) if cfg.due_hours is not None else None
    adjudicators = [a.id for a in cfg.adjudicators]
    people = {r.id: PersonStatus(r.id, r.display, "reviewer") for r in cfg.reviewers}
    people |= {a.id: PersonStatus(a.id, a.display, "adjudicator") for a in cfg.adjudicators}
    waiting: list[QueueItem] = []

    def item(claim: QueuedClaim, since: str | None) -> QueueItem:
        started = parse_time(since)
        late = due is not None and started is not None and now - started > due
        return QueueItem(claim.id, claim.text, claim.document, since, late)

    for claim in claims:
        recs = records.get(claim.id, [])
        rated = {r.reviewer for r in recs if r.rating is not None}
        for person in claim.assigned_to:
            status = people.get(person)
            if status is None or status.role != "reviewer":
                continue  # a reviewer who left the config: the next run reassigns the claim
            status.assigned += 1
            if person in rated:
                status.done += 1
                continue
            entry = ledger.claims.get(claim.id) if ledger else None
            queued = item(claim, entry.reviewers.get(person) if entry else None)
            status.queue.append(queued)
            status.overdue += queued.overdue
        now_consensus = consensus(recs, cfg.reviewers_per_claim, cfg.consensus, adjudicators)
        for adjudicator in adjudicators:
            if adjudicator in rated:
                people[adjudicator].assigned += 1
                people[adjudicator].done += 1
        if now_consensus.status != "disputed":
            continue
        # Disputed since the last run's date when it already was, else since now (the files changed).
        since = claim.consensus.since if claim.consensus.status == "disputed" else None
        if not adjudicators:
            waiting.append(item(claim, since))
        for adjudicator in adjudicators:
            status = people[adjudicator]
            status.assigned += 1
            queued = item(claim, since)
            status.queue.append(queued)
            status.overdue += queued.overdue
    return DeskStatus(claims=len(claims), people=list(people.values()), waiting_for_adjudicator=waiting,
                      problems=problems, report_time=generated_at)

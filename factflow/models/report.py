"""The report and the views of it that commands read (the desk's memory, the summary, the export)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.dataclasses import dataclass

from factflow.config import RatingLevel
from factflow.models.base import SCHEMA_VERSION, Model, Problem, is_none
from factflow.models.claims import ClaimBase, EvidencePassage, ExistingFactCheck, Source
from factflow.models.verdicts import Agreement, Consensus, OrphanedVerdict, ReviewerStats, VerdictRecord


class ReportClaim(ClaimBase):
    """A claim as listed in the report."""

    sources: list[Source]
    already_checked: list[ExistingFactCheck] | None = Field(
        default=None, description="Fact-checks of this claim already published elsewhere; null when not looked up."
    )
    evidence_passages: list[EvidencePassage] | None = Field(
        default=None, exclude_if=is_none,
        description="The sentences of the Wikipedia articles on the claim's entities most similar to the claim, most similar "
        "first (online runs only; absent offline).",
    )
    assigned_to: list[str]
    verdicts: list[VerdictRecord]
    consensus: Consensus


class ReportDocument(Model):
    """A document as listed in the report."""

    id: str
    path: str
    title: str
    sha256: str
    encoding: str = Field(default="utf-8", description="How the file's bytes were decoded: utf-8, utf-8-sig (with a byte-order mark), cp1252 or latin-1.")
    sentences: int
    claims: int
    url: str | None = None
    published: str | None = None
    outlet: str | None = None


class VerdictChange(Model):
    """A verdict that is new or whose rating changed since the previous report."""

    claim: str
    reviewer: str
    rating_before: str | None
    rating_after: str | None


class ConsensusChange(Model):
    """A claim whose consensus moved since the previous report."""

    claim: str
    status_before: str
    rating_before: str | None
    status_after: str
    rating_after: str | None


class GoneClaim(Model):
    """A claim of the previous report that no document holds any more."""

    id: str
    text: str


class Changes(Model):
    """What changed since the previous report in the same place."""

    since: str | None = Field(description="generated_at of the previous report; null when there was none.")
    new_claims: list[str] = Field(description="Ids of claims the previous report did not have.")
    claims_gone: list[GoneClaim]
    new_verdicts: list[VerdictChange]
    changed_verdicts: list[VerdictChange]
    consensus_changes: list[ConsensusChange]


class ConfigRef(Model):
    """Which config the run used."""

    path: str | None
    sha256: str | None


#: A count of the report: never negative, and exact in a JSON reader's float (a hand-edited 10**30 broke the summary's charts).
Count = Annotated[int, Field(ge=0, le=2**53)]


class Summary(Model):
    """Totals an editor reads first."""

    documents: Count
    sentences: Count
    claims: Count
    tasks: Count
    verdicts: Count
    by_type: dict[str, Count]
    by_consensus: dict[str, Count]
    by_rating: dict[str, Count]
    problems: Count
    orphaned_verdicts: Count = 0
    agreement: Agreement
    reviewers: list[ReviewerStats]


class QueuedClaim(BaseModel):
    """What a reviewer's queue and the desk's status read of a report's claim (other fields are skipped unread)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    text: str
    document: str
    checkworthiness: float
    assigned_to: list[str]
    consensus: Consensus


class ReportQueue(BaseModel):
    """A report read for its claims' queue only: its documents, sources and verdicts are skipped, which
    at ten thousand claims and a hundred thousand documents is a tenth of the time of reading it all."""

    model_config = ConfigDict(extra="ignore")

    generated_at: str
    claims: list[QueuedClaim]


#: A record read for part of its fields: the others are skipped.
_SKIMMED = ConfigDict(extra="ignore")


@dataclass(slots=True, config=_SKIMMED)
class SummarySource:
    """What an editor's summary shows of a claim's source: its title and link (other fields are skipped unread)."""

    title: str
    url: str


@dataclass(slots=True, config=_SKIMMED)
class SummaryClaim:
    """What an editor's summary (``factflow report``) reads of a report's claim: no reasons, anatomy,
    appearances, context or other fact-checks, which are most of a claim's size in memory."""

    id: str
    document: str
    text: str
    type: str
    checkworthiness: float
    sources: list[SummarySource]
    assigned_to: list[str]
    verdicts: list[VerdictRecord]
    consensus: Consensus


@dataclass(slots=True, config=_SKIMMED)
class SummaryDocument:
    """What an editor's summary reads of a report's document: its id, title and how many claims it has."""

    id: str
    title: str
    claims: int


class ReportSummary(BaseModel):
    """A report read for an editor's summary (:mod:`factflow.export.summary`): every member the summary
    shows, each claim and document with only the fields it shows. At 30,000 documents and 9,400 claims
    the whole :class:`Report` takes 127 MB in memory, this a fraction of it."""

    model_config = ConfigDict(extra="ignore")

    schema_version: str = SCHEMA_VERSION
    generated_at: str
    config: ConfigRef
    summary: Summary
    scale: list[RatingLevel]
    documents: list[SummaryDocument]
    claims: list[SummaryClaim]
    problems: list[Problem]


@dataclass(slots=True, config=_SKIMMED)
class ExportAppearance:
    """What the ClaimReview export reads of a claim's appearance: the document it is in."""

    document: str


@dataclass(slots=True, config=_SKIMMED)
class ExportClaim:
    """What the ClaimReview export reads of a report's claim: its id, text, where it appears and its consensus."""

    id: str
    document: str
    text: str
    appearances: list[ExportAppearance]
    consensus: Consensus


@dataclass(slots=True, config=_SKIMMED)
class ExportDocument:
    """What the ClaimReview export reads of a report's document: its URL, outlet and publication date."""

    id: str
    url: str | None = None
    published: str | None = None
    outlet: str | None = None


class ReportExport(BaseModel):
    """A report read for the ClaimReview export (:mod:`factflow.export.claimreview`): the scale, and only the
    fields of each claim and document that a review shows (the whole report is several times the memory)."""

    model_config = ConfigDict(extra="ignore")

    scale: list[RatingLevel]
    documents: list[ExportDocument]
    claims: list[ExportClaim]


class Report(Model):
    """The verdict report, ``reports/verdicts.yaml``."""

    schema_version: str = SCHEMA_VERSION
    generated_at: str
    config: ConfigRef
    summary: Summary
    scale: list[RatingLevel] = Field(description="The rating scale the verdicts use, truest first.")
    changes: Changes
    documents: list[ReportDocument]
    claims: list[ReportClaim]
    orphaned_verdicts: list[OrphanedVerdict] = Field(
        description="Verdicts whose claim has left the documents (sentence edited away, document removed); never dropped."
    )
    problems: list[Problem]

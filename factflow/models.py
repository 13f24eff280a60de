"""The pipeline's data: pydantic models passed between stages and written to files."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass

from factflow.config import ClaimType, RatingLevel
from factflow.text import scrub, shown_name

SCHEMA_VERSION = "1.0"


def _is_none(value: object) -> bool:
    """A field left out of the output when None (fields added later: older outputs keep their bytes)."""
    return value is None


def _is_empty(value: object) -> bool:
    """A list left out of the output when empty or None."""
    return not value


#: Characters no URL holds raw (RFC 3986): in a link they could end it and start markup.
_NOT_IN_URLS = frozenset('"<>\\^`{|}')


#: The longest document id and URL a document may have, and the longest title and outlet kept (longer ones
#: are clipped): each is repeated in every task, stub and report entry of the document's claims, so a
#: corpus row with an id and a title of a million characters each made 264 MB of output from 2 MB.
MAX_ID_CHARS = 1_000
MAX_URL_CHARS = 8_000
MAX_TITLE_CHARS = 1_000


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last of them an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def check_document_url(url: str) -> str:
    """``url`` when it may be a document's URL: a link (:func:`check_link`) of at most :data:`MAX_URL_CHARS`; else ValueError."""
    if len(url) > MAX_URL_CHARS:
        raise ValueError(f"the URL is {len(url):,} characters long; a document's URL is at most {MAX_URL_CHARS:,}")
    return check_link(url)


def check_link(url: str) -> str:
    """``url`` when it may become a link (http or https with a host, no whitespace, controls or markup characters); else ValueError.

    The one rule for every URL shown as a link (evidence, API answers, exports): ``javascript:``,
    ``data:`` and text that would break out of an attribute or a Markdown link never pass.
    """
    if any(ch.isspace() or not ch.isprintable() or ch in _NOT_IN_URLS for ch in url):
        raise ValueError("a URL may not hold whitespace, control characters or any of \" < > \\ ^ ` { | }")
    try:
        parsed = urlsplit(url)
    except ValueError as exc:
        raise ValueError(f"not a valid URL ({exc})") from exc
    if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
        raise ValueError("must be an http:// or https:// URL with a host, such as https://example.org/page")
    return url


class Model(BaseModel):
    """Base model: unknown fields are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class Problem(Model):
    """Something wrong with one input file; the run went on without it."""

    file: str = Field(description="Path of the file, relative to where the run was started or to the output folder.")
    line: int | None = Field(default=None, description="1-based line number, when known.")
    message: str = Field(description="What is wrong and what is allowed.")

    @field_validator("file", "message")
    @classmethod
    def _writable(cls, value: str) -> str:
        # A file or folder name that is not UTF-8 reaches Python with lone surrogates ("caf\udce9"); no report,
        # twin or terminal line can be written with one, so every problem shows such bytes as U+FFFD, wherever it was made.
        return shown_name(value)


#: Problems listed for one file (a row, line or item each); the rest are counted in one more problem.
MAX_PROBLEMS_PER_FILE = 1_000


class FileProblems:
    """The problems of one file that has a problem a line (a corpus, a URL list, a TSV, a ClaimReview
    file): the first :data:`MAX_PROBLEMS_PER_FILE` kept, the rest counted, so a file of millions of bad
    lines costs a thousand problems and a count, not millions (a 10 MB URL list of bad lines was 4.9
    million problems, and 4 GB of memory ran out before the report was written)."""

    def __init__(self, file: str, limit: int = MAX_PROBLEMS_PER_FILE) -> None:
        self.file = file
        self.limit = limit
        self.kept: list[Problem] = []
        self.more = 0
        self.first_more: int | None = None

    @property
    def full(self) -> bool:
        """Whether a further problem is only counted (a caller may skip making it: :meth:`count`)."""
        return len(self.kept) >= self.limit

    def append(self, problem: Problem) -> None:
        if not self.full:
            self.kept.append(problem)
        else:
            self.count(problem.line)

    def count(self, line: int | None) -> None:
        """One more problem, at ``line``, past the limit."""
        self.more += 1
        if self.first_more is None:
            self.first_more = line

    def extend(self, problems: Sequence[Problem]) -> None:
        for problem in problems:
            self.append(problem)

    def __len__(self) -> int:
        return len(self.kept) + self.more

    def listed(self) -> list[Problem]:
        """The problems kept, and one that counts the rest."""
        if not self.more:
            return list(self.kept)
        where = f", the first at line {self.first_more:,}" if self.first_more else ""
        return [*self.kept, Problem(file=self.file, line=self.first_more, message=(
            f"{self.more:,} more problems like those above{where}, not listed (the first {self.limit:,} are); "
            "is this the right file, in the right format?"))]


def unexpected_problem(file: str, line: int | None, exc: BaseException) -> Problem:
    """The problem entry for an input that failed in a way no check foresaw: the run goes on without it."""
    detail = " ".join(str(exc).split())[:300] or "no detail"
    return Problem(file=file, line=line, message=f"could not be read ({type(exc).__name__}: {scrub(detail)}); it was skipped")


@dataclass(slots=True, kw_only=True, config=ConfigDict(extra="forbid"))
class Document:
    """One news article as read from the seeds folder.

    A slotted pydantic dataclass, validated when made (``dataclasses.replace`` validates again), not a
    model: a run holds every document until extraction, and a model instance (its ``__dict__`` and
    fields-set) costs about 1.1 kB more, 110 MB at 100,000 one-sentence documents.
    """

    id: str = Field(description="File stem, unique within a run.")
    path: str = Field(description="Path of the source file.")
    title: str
    byline: str | None = None
    text: str = Field(description="The whole file text, newlines normalised to \\n.")
    body_start: int = Field(default=0, description="Offset in text where the article body begins (after title and byline).")
    sha256: str
    encoding: str = "utf-8"
    url: str | None = Field(default=None, description="Where the article was published, when known.")
    published: str | None = Field(default=None, description="Publication date (ISO 8601), when known.")
    outlet: str | None = Field(default=None, description="The publication, when known.")
    @field_validator("id")
    @classmethod
    def _short_id(cls, value: str) -> str:
        if len(value) > MAX_ID_CHARS:
            raise ValueError(f"the id is {len(value):,} characters long; an id is at most {MAX_ID_CHARS:,}")
        return value

    @field_validator("title", "outlet")
    @classmethod
    def _clipped(cls, value: str | None) -> str | None:
        return None if value is None else clip(value, MAX_TITLE_CHARS)

    @field_validator("url")
    @classmethod
    def _short_url(cls, value: str | None) -> str | None:
        return None if value is None or len(value) > MAX_URL_CHARS else value  # a link no one could follow

    #: Scores an earlier run gave this document's sentences (by ``scoring.sentence_key``), handed to
    #: extraction so an edited document runs only its changed sentences through the detector. Never written out.
    scored: dict[str, float] = Field(default_factory=dict, exclude=True, repr=False)


@dataclasses.dataclass(slots=True, frozen=True)
class DocumentRecord:
    """What the stages after planning read of a document: its metadata, how many sentences were scored,
    and the problems extraction met. A slotted record, not a model: a corpus holds one per document
    until the report is written, and a model with its emptied text costs several times as much."""

    id: str
    path: str
    title: str
    sha256: str
    encoding: str = "utf-8"
    url: str | None = None
    published: str | None = None
    outlet: str | None = None
    sentences: int = 0
    problems: tuple[Problem, ...] = ()

    @classmethod
    def of(cls, document: Document, extraction: DocumentClaims | None) -> DocumentRecord:
        """The record of a document and of its extraction (None: not extracted, no sentence scored)."""
        if extraction is None:
            return cls.counted(document, 0, ())
        return cls.counted(document, extraction.scored(), extraction.problems)

    @classmethod
    def counted(cls, document: Document, sentences: int, problems: Sequence[Problem]) -> DocumentRecord:
        """The record of a document whose extraction scored ``sentences`` and met ``problems``."""
        return cls(document.id, document.path, document.title, document.sha256, document.encoding, document.url,
                   document.published, document.outlet, sentences, tuple(problems))


#: The claim's small parts (a sentence, its reasons, entities, times, appearances, sources, verdicts) are slotted
#: pydantic dataclasses, not models: a corpus holds hundreds of thousands of them, and a model
#: instance (its __dict__ and fields-set) costs about 550 bytes where these cost about 130.
_RECORD = ConfigDict(extra="forbid")


@dataclass(slots=True, config=_RECORD)
class Reason:
    """One signal that raised or lowered a sentence's check-worthiness."""

    signal: str
    effect: Literal["raises", "lowers"]
    evidence: Annotated[str, Field(description="The words in the sentence that triggered the signal.")]


@dataclass(slots=True, config=_RECORD)
class Entity:
    """A name, date or quantity found in a claim, with its character offsets in the claim text."""

    text: str
    kind: Literal["person", "organisation", "place", "nationality", "date", "quantity", "other"]
    start: int
    end: int


@dataclass(slots=True, config=_RECORD)
class TimeExpression:
    """A relative time expression ("last month") and, when the document is dated, the dates it means."""

    text: str
    start: int
    end: int
    resolved: bool
    date_from: str | None = None
    date_to: str | None = None
    note: Annotated[str | None, Field(description="Why the expression is unresolved.")] = None


@dataclass(slots=True, config=_RECORD)
class Appearance:
    """Where a claim's sentence appears."""

    document: str
    sentence_index: int
    text: Annotated[str | None, Field(description="The sentence as it appears here, when it differs (a near-duplicate).")] = None


@dataclass(slots=True, config=_RECORD)
class Sentence:
    """One scored sentence of a document (a span of its text)."""

    index: Annotated[int, Field(description="Position among the document's kept sentences, from 0.")]
    start: int
    end: int
    text: str
    score: Annotated[float, Field(ge=0.0, le=1.0)]
    reasons: Annotated[list[Reason], Field(description="The signals found; kept for claims only.")]
    type: ClaimType
    checkable: bool
    is_claim: Annotated[bool, Field(description="Checkable and scored at or above the threshold.")]
    entities: list[Entity] = Field(default_factory=list)
    attribution: str | None = None
    time: list[TimeExpression] = Field(default_factory=list)
    #: A claim's id and its key terms, all of them (a claim keeps the first ``sources.max_terms``), made
    #: where it is extracted (in a worker, and cached) rather than when claims are merged, in the run's process.
    claim_id: str | None = None
    key_terms: list[str] | None = None


class DocumentClaims(Model):
    """What claim extraction found in one document."""

    document: str
    sentences: list[Sentence]
    boilerplate_dropped: int = 0
    duplicates_dropped: int = 0
    problems: list[Problem] = []
    sentence_count: int | None = Field(
        default=None, description="How many sentences were scored, when ``sentences`` keeps only claims and their context.",
    )
    #: Every scored sentence's score (by ``scoring.sentence_key``), kept past :meth:`compact` for the
    #: extraction cache to give the next extraction of this document (:attr:`Document.scored`). Never written out.
    scores: dict[str, float] = Field(default_factory=dict, exclude=True, repr=False)

    def claims(self) -> list[Sentence]:
        """Sentences worth checking: checkable and scored at or above the threshold."""
        return [s for s in self.sentences if s.is_claim]

    def scored(self) -> int:
        """How many sentences were scored (kept or not)."""
        return len(self.sentences) if self.sentence_count is None else self.sentence_count

    def compact(self, context: int) -> DocumentClaims:
        """Only what later stages read: the claims, the ``context`` sentences either side of each, and the count.

        A corpus has ten times more sentences than claims; a run keeps every document's result
        until the report is written, so this is most of its memory.
        """
        keep: set[int] = set()
        for s in self.sentences:
            if s.is_claim:
                keep.update(range(s.index - context, s.index + context + 1))
        kept = [s for s in self.sentences if s.index in keep]
        return self.model_copy(update={"sentences": kept, "sentence_count": self.scored()})

    def without_sentences(self) -> DocumentClaims:
        """Only the counts and problems: what the report needs once claims are merged."""
        return self.model_copy(update={"sentences": [], "sentence_count": self.scored()})


class Resolution(Model):
    """What an API said about a source (online runs); only the fields that API gives are set."""

    title: str | None = Field(default=None, exclude_if=_is_none, description="Wikipedia article title.")
    extract: str | None = Field(default=None, exclude_if=_is_none, description="One line from the Wikipedia article summary.")
    url: str | None = Field(default=None, exclude_if=_is_none, description="Canonical URL of the article or entity.")
    wikidata_id: str | None = Field(default=None, exclude_if=_is_none, description="Wikidata id (Q...) of the article or entity.")
    label: str | None = Field(default=None, exclude_if=_is_none, description="Wikidata label.")
    description: str | None = Field(default=None, exclude_if=_is_none, description="Wikidata description.")
    snapshot_url: str | None = Field(default=None, exclude_if=_is_none, description="Wayback Machine snapshot of the URL.")
    timestamp: str | None = Field(default=None, exclude_if=_is_none, description="When the snapshot was taken (ISO 8601).")


@dataclass(slots=True, config=_RECORD)
class Source:
    """A reference source linked to a claim."""

    id: str
    title: str
    url: str
    kind: str
    status: Annotated[Literal["link", "resolved", "unresolved"], Field(
        description="link: built offline; resolved: an API confirmed it (online); unresolved: the API could not, see reason."
    )] = "link"
    reason: Annotated[str | None, Field(exclude_if=_is_none, description="Why an online run could not resolve this source.")] = None
    resolved: Annotated[Resolution | None, Field(exclude_if=_is_none, description="What the API found (online runs).")] = None
    archived: Annotated[Resolution | None, Field(exclude_if=_is_none, description="The Wayback Machine snapshot of the resolved page (online runs).")] = None


class ExistingFactCheck(Model):
    """A fact-check of this claim that already exists: published elsewhere (Google Fact Check Tools, an imported
    ClaimReview) or the desk's own earlier verdict on a matching claim."""

    publisher: str
    rating: str = Field(description="The publisher's textual rating, e.g. 'False'.")
    url: str | None = Field(default=None, description="The published fact-check; null for a desk verdict with no public page.")
    date: str | None = Field(default=None, description="Review date, when given.")
    title: str | None = None
    claim: str | None = Field(default=None, description="The claim text the publisher checked.")
    claimant: str | None = None
    archived: Resolution | None = Field(default=None, exclude_if=_is_none, description="The Wayback Machine snapshot of the fact-check, when there is one.")
    origin: Literal["google", "imported", "desk"] | None = Field(
        default=None, exclude_if=_is_none, description="Where it was found: Google Fact Check Tools, an imported ClaimReview, or the desk's own consensus."
    )
    claim_id: str | None = Field(default=None, exclude_if=_is_none, description="The desk's claim id, for the desk's own verdicts.")
    reviewers: list[str] | None = Field(default=None, exclude_if=_is_none, description="Who rated the desk's claim (reviewers, then the adjudicator).")
    similarity: float | None = Field(
        default=None, exclude_if=_is_none, ge=-1.0, le=1.0, description="How closely the claims match (cosine similarity of the sentence encoder, 0-1)."
    )

    def summary(self) -> str:
        """One line for a reviewer: who rated what, when, how close the claim is, and what they checked."""
        who = f"this desk, claim {self.claim_id}" if self.origin == "desk" and self.claim_id else self.publisher
        details = [d for d in (self.date, ", ".join(self.reviewers or []) or None,
                               f"similarity {self.similarity:.2f}" if self.similarity is not None else None) if d]
        text = f"{self.rating!r} by {who}" + (f" ({'; '.join(details)})" if details else "")
        if self.claim:
            text += f": {' '.join(self.claim.split())}"
        return text


class EvidencePassage(Model):
    """A sentence of a Wikipedia article about one of the claim's entities that bears on the claim."""

    text: str = Field(description="The sentence, as the article's plain text has it.")
    title: str = Field(description="The article's title.")
    url: str = Field(description="The article's URL.")
    similarity: float = Field(
        ge=-2.0, le=1.0,
        description="Similarity to the claim (cosine of the sentence encoder, less 1 where the two state different figures).",
    )


class SourceLeftOut(Model):
    """A catalog entry that suits the claim but gives it no link, and why."""

    id: str = Field(description="The catalog entry's id.")
    reason: str


class ClaimBase(Model):
    """What identifies and describes a claim, wherever it is shown."""

    id: str
    document: str = Field(description="The first document (in id order) the sentence appears in.")
    text: str
    sentence_index: int
    checkworthiness: float
    reasons: list[Reason]
    type: ClaimType
    appearances: list[Appearance]
    entities: list[Entity] = []
    attribution: str | None = Field(default=None, description="To whom the claim is attributed, if anyone.")
    time: list[TimeExpression] = []


class Claim(ClaimBase):
    """A sentence worth checking, merged across every document it appears in."""

    context_before: list[str] = []
    context_after: list[str] = []
    key_terms: list[str] = []


@dataclasses.dataclass(slots=True)
class PlannedClaim:
    """One claim as it travels from planning to its task file and the report: the claim, the title of
    its document, its reviewers, its sources and what already checked it (None: not looked up)."""

    claim: Claim
    title: str
    reviewers: list[str]
    sources: list[Source]
    already_checked: list[ExistingFactCheck] | None = None
    evidence_passages: list[EvidencePassage] | None = None
    sources_left_out: list[SourceLeftOut] = dataclasses.field(default_factory=list)


class Task(Model):
    """A verification task: what one reviewer needs to check one claim."""

    claim: str = Field(description="Claim id.")
    text: str
    question: str
    type: ClaimType
    checkworthiness: float
    reasons: list[Reason]
    entities: list[Entity] = []
    attribution: str | None = None
    time: list[TimeExpression] = []
    document: dict[str, str]
    context_before: list[str]
    context_after: list[str]
    appearances: list[Appearance]
    assigned_to: list[str]
    sources: list[Source]
    already_checked: list[ExistingFactCheck] | None = Field(
        default=None, description="Fact-checks of this claim already published elsewhere; null when not looked up (offline, or no API key)."
    )
    evidence_passages: list[EvidencePassage] | None = Field(
        default=None, exclude_if=_is_none,
        description="The sentences of the Wikipedia articles on the claim's entities most similar to the claim, most similar "
        "first (online runs only; absent offline).",
    )
    sources_left_out: list[SourceLeftOut] = Field(
        default=[], exclude_if=_is_empty, description="Catalog entries that suit the claim but give it no link, each with the reason (absent when none)."
    )


class Verdict(Model):
    """A reviewer's verdict file, as the reviewer writes it."""

    claim: str = Field(description="Claim id this verdict is for.")
    reviewer: str
    rating: str | None = Field(default=None, description="One label of the rating scale, or null while undecided.")
    rationale: str | None = ""
    evidence: list[str] = []
    claim_text: str | None = Field(default=None, description="The claim text the verdict was given for.")

    @field_validator("rating", mode="before")
    @classmethod
    def _rating_on_scale(cls, value: Any, info: ValidationInfo) -> Any:
        # YAML writers often leave `rating: true` unquoted; it means the label "true".
        if isinstance(value, bool):
            value = "true" if value else "false"
        labels = (info.context or {}).get("labels")
        if value is not None and labels is not None and value not in labels:
            raise ValueError(f"{value!r} is not on the rating scale; allowed: {', '.join(labels)} (or null while undecided)")
        return value

    @field_validator("evidence", mode="before")
    @classmethod
    def _evidence_list(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        return value


@dataclass(slots=True, config=_RECORD)
class VerdictRecord:
    """A verdict as the report shows it, with the file it came from."""

    reviewer: str
    rating: str | None
    rationale: str | None
    evidence: list[str]
    file: str
    role: Annotated[Literal["reviewer", "adjudicator"], Field(description="An adjudicator's verdict settles the claim.")] = "reviewer"


ConsensusStatus = Literal["pending", "agreed", "disputed", "adjudicated"]


@dataclass(slots=True, config=_RECORD)
class Consensus:
    """Where the reviewers stand on one claim."""

    status: Annotated[ConsensusStatus, Field(
        description="pending: too few ratings yet; agreed: the consensus rule is met; disputed: it cannot be met "
        "without an adjudicator; adjudicated: an adjudicator's rating settles it."
    )]
    rating: Annotated[str | None, Field(description="The agreed or adjudicated rating.")] = None
    adjudicator: Annotated[str | None, Field(description="Who settled the claim, when adjudicated.")] = None
    since: Annotated[str | None, Field(
        description="When the claim first had this status and rating (generated_at of that run, UTC, ISO 8601); "
        "kept by later runs while they stay the same; null while pending."
    )] = None


class AssignmentEntry(Model):
    """Who was assigned one claim, and when: a line of the assignments ledger."""

    text: str = Field(default="", description="The claim text when it was first assigned.")
    reviewers: dict[str, str] = Field(default={}, description="Reviewer id to the UTC time (ISO 8601) they were assigned.")


class Ledger(Model):
    """``review/assignments.json``: every assignment the flow has made; kept so reruns never move one."""

    about: str = Field(
        default="Reviewer assignments, written by factflow on every run; do not edit. Each claim's reviewers and when "
        "they were assigned (UTC); reruns keep them, so an assignment never moves.",
        description="What this file is.",
    )
    claims: dict[str, AssignmentEntry] = {}


class OrphanedVerdict(Model):
    """A verdict whose claim is no longer in the documents; kept so no verdict is lost."""

    claim: str
    claim_text: str | None = Field(description="The claim text the verdict was given for (from the file or the assignments ledger).")
    reviewer: str
    rating: str | None
    rationale: str | None
    evidence: list[str]
    file: str


class Agreement(Model):
    """How far reviewers agree, over every claim with two or more ratings."""

    krippendorff_alpha: float | None = Field(
        description="Krippendorff's alpha, ordinal over the rating scale; null when there is not enough data "
        "(no claim with two usable ratings, or only one value ever given)."
    )
    level: Literal["ordinal"] = "ordinal"
    unverifiable: Literal["missing", "lowest"] = Field(description="How off-scale ratings entered alpha (review.unverifiable_in_alpha).")
    percent_agreement: float | None = Field(
        description="Share of pairs of ratings on the same claim that are the same label; null with no such pair."
    )
    claims_with_two_or_more_ratings: int
    ratings: int = Field(description="Reviewer ratings on current claims (adjudicators' excluded).")


class ReviewerStats(Model):
    """One reviewer's workload and record."""

    reviewer: str
    name: str
    assigned: int = Field(description="Current claims assigned to this reviewer.")
    done: int = Field(description="Of those, the ones this reviewer has rated.")
    open: int
    overdue: int = Field(description="Open tasks assigned longer ago than review.due_hours.")
    agreement_with_consensus: float | None = Field(
        description="Share of this reviewer's ratings on agreed or adjudicated claims that equal the consensus rating; "
        "null when there is none."
    )


class ReportClaim(ClaimBase):
    """A claim as listed in the report."""

    sources: list[Source]
    already_checked: list[ExistingFactCheck] | None = Field(
        default=None, description="Fact-checks of this claim already published elsewhere; null when not looked up."
    )
    evidence_passages: list[EvidencePassage] | None = Field(
        default=None, exclude_if=_is_none,
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


class Summary(Model):
    """Totals an editor reads first."""

    documents: int
    sentences: int
    claims: int
    tasks: int
    verdicts: int
    by_type: dict[str, int]
    by_consensus: dict[str, int]
    by_rating: dict[str, int]
    problems: int
    orphaned_verdicts: int = 0
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


class RememberedVerdict(BaseModel):
    """What the desk's memory reads of a verdict in the report: who rated, how, in which role."""

    model_config = ConfigDict(extra="ignore")

    reviewer: str
    rating: str | None = None
    role: Literal["reviewer", "adjudicator"]  # required: a record that does not say cannot tell an adjudicator


class RememberedClaim(BaseModel):
    """What the desk's memory reads of a report's claim: its text and where its reviewers stand."""

    model_config = ConfigDict(extra="ignore")

    id: str
    text: str
    verdicts: list[RememberedVerdict]
    consensus: Consensus


class ReportMemory(BaseModel):
    """A report read for the desk's memory (its rated claims): documents and sources are skipped, which at
    a hundred thousand documents saves most of the time and a few hundred megabytes of reading it all.
    The run's snapshot of its report holds all of it too (``factflow.report.remembered``)."""

    model_config = ConfigDict(extra="ignore")

    claims: list[RememberedClaim]


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

"""Documents and what extraction finds in them: sentences, entities, time expressions, claims, their
sources and the verification task of each."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator
from pydantic.dataclasses import dataclass

from factflow.config import ClaimType
from factflow.models.base import MAX_ID_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS, Model, Problem, clip, is_empty, is_none


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
    lines_from: int | None = Field(default=1, description=(
        "The line of the file the text's first line is (after front matter, later than 1); None when the text's lines "
        "are not the file's (an HTML page's extracted text, a corpus row: a problem names the file or the row alone)."))
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
RECORD = ConfigDict(extra="forbid")


@dataclass(slots=True, config=RECORD)
class Reason:
    """One signal that raised or lowered a sentence's check-worthiness."""

    signal: str
    effect: Literal["raises", "lowers"]
    evidence: Annotated[str, Field(description="The words in the sentence that triggered the signal.")]


@dataclass(slots=True, config=RECORD)
class Entity:
    """A name, date or quantity found in a claim, with its character offsets in the claim text."""

    text: str
    kind: Literal["person", "organisation", "place", "nationality", "date", "quantity", "other"]
    start: int
    end: int


@dataclass(slots=True, config=RECORD)
class TimeExpression:
    """A relative time expression ("last month") and, when the document is dated, the dates it means."""

    text: str
    start: int
    end: int
    resolved: bool
    date_from: str | None = None
    date_to: str | None = None
    note: Annotated[str | None, Field(description="Why the expression is unresolved.")] = None


@dataclass(slots=True, config=RECORD)
class Appearance:
    """Where a claim's sentence appears."""

    document: str
    sentence_index: int
    text: Annotated[str | None, Field(description="The sentence as it appears here, when it differs (a near-duplicate).")] = None


@dataclass(slots=True, config=RECORD)
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

    title: str | None = Field(default=None, exclude_if=is_none, description="Wikipedia article title.")
    extract: str | None = Field(default=None, exclude_if=is_none, description="One line from the Wikipedia article summary.")
    url: str | None = Field(default=None, exclude_if=is_none, description="Canonical URL of the article or entity.")
    wikidata_id: str | None = Field(default=None, exclude_if=is_none, description="Wikidata id (Q...) of the article or entity.")
    label: str | None = Field(default=None, exclude_if=is_none, description="Wikidata label.")
    description: str | None = Field(default=None, exclude_if=is_none, description="Wikidata description.")
    snapshot_url: str | None = Field(default=None, exclude_if=is_none, description="Wayback Machine snapshot of the URL.")
    timestamp: str | None = Field(default=None, exclude_if=is_none, description="When the snapshot was taken (ISO 8601).")


@dataclass(slots=True, config=RECORD)
class Source:
    """A reference source linked to a claim."""

    id: str
    title: str
    url: str
    kind: str
    status: Annotated[Literal["link", "resolved", "unresolved"], Field(
        description="link: built offline; resolved: an API confirmed it (online); unresolved: the API could not, see reason."
    )] = "link"
    reason: Annotated[str | None, Field(exclude_if=is_none, description="Why an online run could not resolve this source.")] = None
    resolved: Annotated[Resolution | None, Field(exclude_if=is_none, description="What the API found (online runs).")] = None
    archived: Annotated[Resolution | None, Field(exclude_if=is_none, description="The Wayback Machine snapshot of the resolved page (online runs).")] = None


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
    archived: Resolution | None = Field(default=None, exclude_if=is_none, description="The Wayback Machine snapshot of the fact-check, when there is one.")
    origin: Literal["google", "imported", "desk"] | None = Field(
        default=None, exclude_if=is_none, description="Where it was found: Google Fact Check Tools, an imported ClaimReview, or the desk's own consensus."
    )
    claim_id: str | None = Field(default=None, exclude_if=is_none, description="The desk's claim id, for the desk's own verdicts.")
    reviewers: list[str] | None = Field(default=None, exclude_if=is_none, description="Who rated the desk's claim (reviewers, then the adjudicator).")
    similarity: float | None = Field(
        default=None, exclude_if=is_none, ge=-1.0, le=1.0, description="How closely the claims match (cosine similarity of the sentence encoder, 0-1)."
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
        default=None, exclude_if=is_none,
        description="The sentences of the Wikipedia articles on the claim's entities most similar to the claim, most similar "
        "first (online runs only; absent offline).",
    )
    sources_left_out: list[SourceLeftOut] = Field(
        default=[], exclude_if=is_empty, description="Catalog entries that suit the claim but give it no link, each with the reason (absent when none)."
    )

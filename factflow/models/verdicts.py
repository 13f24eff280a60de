"""Reviewers' verdicts and what is made of them: consensus, the assignments ledger, agreement."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass

from factflow.models.base import Model
from factflow.models.claims import RECORD


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


@dataclass(slots=True, config=RECORD)
class VerdictRecord:
    """A verdict as the report shows it, with the file it came from."""

    reviewer: str
    rating: str | None
    rationale: str | None
    evidence: list[str]
    file: str
    role: Annotated[Literal["reviewer", "adjudicator"], Field(description="An adjudicator's verdict settles the claim.")] = "reviewer"


ConsensusStatus = Literal["pending", "agreed", "disputed", "adjudicated"]


@dataclass(slots=True, config=RECORD)
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

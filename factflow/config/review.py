"""The ``review`` section of the config: the rating scale, the reviewers and adjudicators, and
how claims are assigned and agreed on."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from factflow.config.fields import Slug, Strict, check_unique


class RatingLevel(Strict):
    """One label of the rating scale."""

    label: Slug
    rating_value: int | None = Field(
        default=None, ge=-1_000_000, le=1_000_000, description="ClaimReview ratingValue (higher is truer); null for labels off the ordinal scale such as 'unverifiable'."
    )
    definition: str = Field(default="", description="Shown to reviewers when they choose a rating.")
    name: str = Field(
        default="", description="The label as readers see it, published as ClaimReview's alternateName "
        "(default: the label in words, 'pants-on-fire' as 'Pants on fire').",
    )

    @model_validator(mode="after")
    def _default_name(self) -> RatingLevel:
        if not self.name.strip():
            object.__setattr__(self, "name", self.label.replace("-", " ").replace("_", " ").capitalize())
        return self


DEFAULT_SCALE = [
    RatingLevel(label="true", rating_value=6, definition="The statement is accurate and nothing significant is missing."),
    RatingLevel(label="mostly-true", rating_value=5, definition="Accurate but needs clarification or additional information."),
    RatingLevel(label="half-true", rating_value=4, definition="Partially accurate but leaves out important details or takes things out of context."),
    RatingLevel(label="mostly-false", rating_value=3, definition="Contains an element of truth but ignores critical facts that would give a different impression."),
    RatingLevel(label="false", rating_value=2, definition="The statement is not accurate."),
    RatingLevel(label="pants-on-fire", rating_value=1, definition="Not accurate and makes a ridiculous claim."),
    RatingLevel(label="unverifiable", rating_value=None, definition="Public evidence is not enough to rate the statement."),
]


class Reviewer(Strict):
    """A person who rates claims."""

    id: Slug
    name: str = Field(default="", description="Display name.")
    expertise: list[str] = Field(
        default=[],
        description="Tags this reviewer is good at: claim types (statistic, quote, ...), entity kinds (person, place, ...) "
        "or topics (a word or phrase found in a claim's text, such as 'syria').",
    )
    max_open_tasks: int | None = Field(
        default=None, ge=1, le=1_000_000, description="A reviewer with this many unrated tasks gets no new ones; null means no limit."
    )

    @property
    def display(self) -> str:
        """The name to show, falling back to the id."""
        return self.name or self.id


class Adjudicator(Strict):
    """A senior editor whose verdict settles a disputed claim."""

    id: Slug
    name: str = Field(default="", description="Display name.")

    @property
    def display(self) -> str:
        """The name to show, falling back to the id."""
        return self.name or self.id


class ReviewConfig(Strict):
    """Who reviews, how many per claim, on which scale."""

    reviewers: list[Reviewer] = Field(
        default=[Reviewer(id="reviewer-1", name="Reviewer 1"), Reviewer(id="reviewer-2", name="Reviewer 2")],
        min_length=1,
        description="The desk's reviewers.",
    )
    reviewers_per_claim: int = Field(default=2, ge=1, le=100, description="How many reviewers rate each claim.")
    scale: list[RatingLevel] = Field(
        default=DEFAULT_SCALE, min_length=2, description="Rating labels, ordered from truest to least true; off-scale labels (rating_value null) last."
    )
    adjudicators: list[Adjudicator] = Field(
        default=[], description="Editors whose verdict settles a claim; their ids must differ from the reviewers'."
    )
    consensus: Literal["unanimous", "majority"] = Field(
        default="unanimous",
        description="'unanimous': every assigned reviewer gives the same rating; 'majority': more than half of "
        "reviewers_per_claim give the same rating (PolitiFact's two of three editors).",
    )
    expertise_weight: float = Field(
        default=2.0, ge=0.0, le=1_000.0,
        description="How many open tasks above an even share of the work an expert may carry for claims matching "
        "their expertise before the rest goes by load alone; 0 ignores expertise.",
    )
    blind: bool = Field(
        default=False,
        description="Blind review: factflow review and the Prefect form show a reviewer no other reviewer's verdict "
        "on a claim until they have rated it themselves.",
    )
    due_hours: float | None = Field(
        default=72.0, gt=0, le=87_600,
        description="A task not rated this many hours after it was assigned is overdue; null means tasks are never overdue.",
    )
    unverifiable_in_alpha: Literal["missing", "lowest"] = Field(
        default="missing",
        description="How off-scale ratings (rating_value null, such as 'unverifiable') enter Krippendorff's alpha: "
        "'missing' leaves them out; 'lowest' ranks them below the least true label.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> ReviewConfig:
        check_unique([r.id for r in self.reviewers] + [a.id for a in self.adjudicators], "reviewer or adjudicator id")
        check_unique([r.label for r in self.scale], "rating label")
        if self.reviewers_per_claim > len(self.reviewers):
            raise ValueError(
                f"reviewers_per_claim is {self.reviewers_per_claim} but only {len(self.reviewers)} reviewer(s) are configured"
            )
        return self

    @property
    def labels(self) -> list[str]:
        """The rating labels, in scale order."""
        return [level.label for level in self.scale]

    @property
    def people(self) -> list[str]:
        """Every id that may own a verdict folder: reviewers, then adjudicators."""
        return [r.id for r in self.reviewers] + [a.id for a in self.adjudicators]

    def is_adjudicator(self, person: str) -> bool:
        """True when ``person`` is one of the adjudicators."""
        return any(a.id == person for a in self.adjudicators)

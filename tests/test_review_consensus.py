"""Consensus rules, adjudication, Krippendorff's alpha and percent agreement, reviewer statistics."""

from __future__ import annotations

import math

import pytest

from factflow.config import RatingLevel, ReviewConfig, Reviewer
from factflow.models import VerdictRecord
from factflow.review import agreement, consensus


def rec(reviewer: str, rating: str | None, role: str = "reviewer") -> VerdictRecord:
    return VerdictRecord(reviewer=reviewer, rating=rating, rationale="why", evidence=[], file="f", role=role)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rule", "required", "ratings", "status", "rating"),
    [
        ("unanimous", 2, ["false", "false"], "agreed", "false"),
        ("unanimous", 2, ["false"], "pending", None),
        ("unanimous", 3, ["false", "false"], "pending", None),
        ("unanimous", 3, ["false", "half-true"], "disputed", None),  # unanimity is already out of reach
        ("unanimous", 3, ["true", "true", "true"], "agreed", "true"),
        ("majority", 3, ["false", "false"], "agreed", "false"),  # two of three: the third cannot change it
        ("majority", 3, ["false", "true"], "pending", None),
        ("majority", 3, ["false", "true", "false"], "agreed", "false"),
        ("majority", 3, ["false", "true", "half-true"], "disputed", None),
        ("majority", 2, ["false", "true"], "disputed", None),  # with two, a majority is both
        ("majority", 2, ["true", "true"], "agreed", "true"),
        ("majority", 4, ["true", "true", "false", "false"], "disputed", None),
    ],
)
def test_consensus_rules(rule: str, required: int, ratings: list[str], status: str, rating: str | None) -> None:
    result = consensus([rec(f"r{i}", r) for i, r in enumerate(ratings)], required, rule)
    assert (result.status, result.rating) == (status, rating)


def test_an_adjudicator_settles_a_dispute_and_the_first_listed_adjudicator_wins() -> None:
    disputed = [rec("r1", "false"), rec("r2", "true")]
    assert consensus(disputed, 2).status == "disputed"
    settled = consensus([*disputed, rec("ed2", "half-true", "adjudicator"), rec("ed1", "mostly-true", "adjudicator")], 2,
                        adjudicators=["ed1", "ed2"])
    assert (settled.status, settled.rating, settled.adjudicator) == ("adjudicated", "mostly-true", "ed1")
    undecided = consensus([*disputed, rec("ed1", None, "adjudicator")], 2, adjudicators=["ed1"])
    assert undecided.status == "disputed"


# -- agreement ------------------------------------------------------------------------------------


def numeric_scale() -> ReviewConfig:
    """Labels v1..v5 on an ordinal scale, to feed published examples through our labels."""
    return ReviewConfig(
        reviewers=[Reviewer(id=x) for x in "abcd"],
        scale=[RatingLevel(label=f"v{i}", rating_value=i) for i in range(5, 0, -1)] + [RatingLevel(label="unverifiable")],
    )


def units(rows: dict[str, list[int | None]]) -> list[list[VerdictRecord]]:
    n = len(next(iter(rows.values())))
    return [[rec(who, f"v{values[j]}") for who, values in rows.items() if values[j] is not None] for j in range(n)]


def test_alpha_reproduces_krippendorffs_published_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers, 12 units,
    # values 1-5 with missing data. Published: ordinal alpha = 0.815 (nominal 0.743, interval 0.849).
    data = units({
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    })
    result = agreement(data, numeric_scale())
    assert result.krippendorff_alpha is not None and round(result.krippendorff_alpha, 3) == 0.815
    assert result.claims_with_two_or_more_ratings == 11  # unit 12 has one value: not pairable
    assert result.percent_agreement == round(43 / 55, 4)  # agreeing pairs counted by hand
    assert result.ratings == 41


def test_perfect_agreement_gives_alpha_one() -> None:
    data = [[rec("A", label), rec("B", label), rec("C", label)] for label in ["true", "false", "half-true", "true"]]
    result = agreement(data, ReviewConfig())
    assert result.krippendorff_alpha == 1.0 and result.percent_agreement == 1.0


def test_systematic_disagreement_is_below_zero() -> None:
    data = [[rec("A", "true"), rec("B", "pants-on-fire")], [rec("A", "pants-on-fire"), rec("B", "true")]]
    result = agreement(data, ReviewConfig())
    assert result.krippendorff_alpha is not None and result.krippendorff_alpha < 0
    assert result.percent_agreement == 0.0


@pytest.mark.parametrize(
    "data",
    [
        [],  # nothing rated
        [[rec("A", "true")], [rec("B", "false")]],  # no claim with two ratings
        [[rec("A", "true"), rec("B", "true")], [rec("A", "true"), rec("B", "true")]],  # one value only: alpha is 0/0
        [[rec("A", "unverifiable"), rec("B", "unverifiable")]],  # only off-scale ratings, left out
    ],
)
def test_alpha_is_null_without_enough_data(data: list[list[VerdictRecord]]) -> None:
    result = agreement(data, ReviewConfig())
    assert result.krippendorff_alpha is None


def test_unverifiable_is_left_out_or_ranked_lowest_as_configured() -> None:
    data = [
        [rec("A", "true"), rec("B", "true")],
        [rec("A", "false"), rec("B", "false")],
        [rec("A", "unverifiable"), rec("B", "false")],
    ]
    missing = agreement(data, ReviewConfig(unverifiable_in_alpha="missing"))
    lowest = agreement(data, ReviewConfig(unverifiable_in_alpha="lowest"))
    assert missing.krippendorff_alpha == 1.0  # the unverifiable pair is not pairable on the scale
    assert lowest.krippendorff_alpha is not None and lowest.krippendorff_alpha < 1.0
    assert missing.percent_agreement == lowest.percent_agreement == round(2 / 3, 4)  # labels: it is a disagreement
    assert (missing.unverifiable, lowest.unverifiable) == ("missing", "lowest")


def test_adjudicators_do_not_count_towards_agreement() -> None:
    data = [[rec("A", "true"), rec("B", "false"), rec("ed", "true", "adjudicator")]]
    result = agreement(data, ReviewConfig())
    assert result.percent_agreement == 0.0 and result.ratings == 2
    assert not math.isnan(result.percent_agreement)

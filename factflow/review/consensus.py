"""Consensus per claim, agreement between reviewers, and each reviewer's workload.

Krippendorff's alpha comes from the ``krippendorff`` package (a well-kept, tested implementation
that reproduces Krippendorff's published examples); only the mapping of our labels onto it is here.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import combinations

from factflow.config import ReviewConfig
from factflow.models import Agreement, Consensus, Ledger, ReviewerStats, VerdictRecord


def consensus(
    records: Sequence[VerdictRecord],
    required: int,
    rule: str = "unanimous",
    adjudicators: Sequence[str] = (),
) -> Consensus:
    """Where the ratings on one claim stand.

    - ``adjudicated``: an adjudicator rated it (the first in ``adjudicators`` order wins); their word is final.
    - ``unanimous`` rule: ``agreed`` when ``required`` ratings are all the same label; ``disputed`` as soon
      as two ratings differ; else ``pending``.
    - ``majority`` rule: ``agreed`` as soon as one label has more than half of ``required`` ratings (two of
      three); ``disputed`` when every required rating is in and no label has a majority; else ``pending``.
    """
    rank = {a: i for i, a in enumerate(adjudicators)}
    settled = sorted(
        (r for r in records if r.role == "adjudicator" and r.rating is not None),
        key=lambda r: (rank.get(r.reviewer, len(rank)), r.reviewer),
    )
    if settled:
        return Consensus(status="adjudicated", rating=settled[0].rating, adjudicator=settled[0].reviewer)
    ratings = [r.rating for r in records if r.role == "reviewer" and r.rating is not None]
    counts = Counter(ratings)
    if rule == "majority":
        needed = required // 2 + 1
        winners = [label for label, n in counts.items() if n >= needed]
        if len(winners) == 1:
            return Consensus(status="agreed", rating=winners[0])
        return Consensus(status="pending" if len(ratings) < required else "disputed")
    if len(counts) > 1:
        return Consensus(status="disputed")
    if len(ratings) >= required:
        return Consensus(status="agreed", rating=ratings[0])
    return Consensus(status="pending")


def _ordinal_values(cfg: ReviewConfig) -> dict[str, float]:
    """Each label's place on the ordinal scale (higher is truer); off-scale labels as configured."""
    values = {level.label: float(level.rating_value) for level in cfg.scale if level.rating_value is not None}
    if cfg.unverifiable_in_alpha == "lowest":
        lowest = min(values.values(), default=1.0) - 1.0
        for level in cfg.scale:
            if level.rating_value is None:
                values[level.label] = lowest
    return values


def agreement(claims: Sequence[Sequence[VerdictRecord]], cfg: ReviewConfig) -> Agreement:
    """Agreement among reviewers (not adjudicators) over the claims' ratings.

    ``percent_agreement`` pools every pair of ratings on the same claim (off-scale labels count as
    labels). ``krippendorff_alpha`` is ordinal over the scale, with off-scale ratings missing or
    lowest as configured; it is null when fewer than one claim has two usable ratings or when the
    ratings hold a single value (alpha is undefined then).
    """
    units: list[dict[str, str]] = []
    for records in claims:
        rated = {r.reviewer: r.rating for r in records if r.role == "reviewer" and r.rating is not None}
        if rated:
            units.append(rated)
    multi = [u for u in units if len(u) >= 2]
    pairs = agreeing = 0
    for unit in multi:
        for a, b in combinations(unit.values(), 2):
            pairs += 1
            agreeing += a == b
    return Agreement(
        krippendorff_alpha=_alpha(multi, cfg),
        unverifiable=cfg.unverifiable_in_alpha,
        percent_agreement=round(agreeing / pairs, 4) if pairs else None,
        claims_with_two_or_more_ratings=len(multi),
        ratings=sum(len(u) for u in units),
    )


def _alpha(units: Sequence[Mapping[str, str]], cfg: ReviewConfig) -> float | None:
    import krippendorff  # numpy-backed; imported here so commands that never report stay quick to start
    import numpy as np

    values = _ordinal_values(cfg)
    usable = [{who: values[label] for who, label in u.items() if label in values} for u in units]
    usable = [u for u in usable if len(u) >= 2]
    if not usable:
        return None
    raters = sorted({who for u in usable for who in u})
    data = np.full((len(raters), len(usable)), np.nan)
    for j, unit in enumerate(usable):
        for who, value in unit.items():
            data[raters.index(who), j] = value
    domain = sorted(set(values.values()))
    if len(set(data[~np.isnan(data)].tolist())) < 2:
        return None  # one value only: no variation to agree on, alpha is 0/0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            alpha = float(krippendorff.alpha(reliability_data=data, value_domain=domain, level_of_measurement="ordinal"))
        except ValueError:
            return None
    return None if math.isnan(alpha) else round(alpha, 4)


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 time as the flow writes it (UTC); one without a time zone (a hand edit) is read as UTC,
    so it compares with the flow's own times; None when it is no time."""
    try:
        at = datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def reviewer_stats(
    assignments: Mapping[str, Sequence[str]],
    records: Mapping[str, Sequence[VerdictRecord]],
    consensus_of: Mapping[str, Consensus],
    cfg: ReviewConfig,
    ledger: Ledger | None,
    now: str,
) -> list[ReviewerStats]:
    """Per configured reviewer: tasks assigned, done, open, overdue, and agreement with the consensus."""
    at = parse_time(now)
    due = timedelta(hours=cfg.due_hours) if cfg.due_hours is not None else None
    stats = []
    for reviewer in cfg.reviewers:
        assigned = done = overdue = matched = compared = 0
        for cid, people in assignments.items():
            if reviewer.id not in people:
                continue
            assigned += 1
            mine = next((r for r in records.get(cid, []) if r.reviewer == reviewer.id and r.rating is not None), None)
            if mine is not None:
                done += 1
            elif due is not None and at is not None and ledger is not None and cid in ledger.claims:
                since = parse_time(ledger.claims[cid].reviewers.get(reviewer.id, ""))
                if since is not None and at - since > due:
                    overdue += 1
        for cid, recs in records.items():
            result = consensus_of.get(cid)
            mine = next((r for r in recs if r.reviewer == reviewer.id and r.rating is not None), None)
            if mine is None or result is None or result.status not in ("agreed", "adjudicated"):
                continue
            compared += 1
            matched += mine.rating == result.rating
        stats.append(ReviewerStats(
            reviewer=reviewer.id, name=reviewer.display, assigned=assigned, done=done, open=assigned - done,
            overdue=overdue, agreement_with_consensus=round(matched / compared, 4) if compared else None,
        ))
    return stats

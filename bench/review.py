#!/usr/bin/env python3
"""Time the review stage at tens of thousands of claims: assignment, the ledger, agreement.

    python bench/review.py [--claims 20000] [--reviewers 20]

Synthetic claims (types in turn, a topic word in one of five) and reviewers (a quarter with an
expertise); random ratings for 60% of the tasks. Prints the seconds for each step and the
resulting spread of work, so a change to the assignment rule can be judged by its numbers.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factflow.config import ReviewConfig, Reviewer  # noqa: E402
from factflow.models import Appearance, Claim, VerdictRecord  # noqa: E402
from factflow.review import agreement, assignments_from, expertise_match, load_ledger, plan_assignments, write_ledger  # noqa: E402

TYPES = ["statistic", "quantity", "event", "quote", "causal", "other"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--reviewers", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(5)
    claims = [
        Claim(id=f"c-{i:012x}", document=f"d{i // 50}", text=f"Claim {i} about {'Syria' if i % 5 == 0 else 'the budget'}.",
              sentence_index=i % 50, checkworthiness=0.9, reasons=[], type=TYPES[i % len(TYPES)],  # type: ignore[arg-type]
              appearances=[Appearance(document=f"d{i // 50}", sentence_index=i % 50)])
        for i in range(args.claims)
    ]
    expertise = [["statistic"], ["syria"], ["quote"], ["event"], ["causal"]]
    cfg = ReviewConfig(reviewers=[Reviewer(id=f"r{i:02d}", expertise=expertise[i % 5] if i % 4 == 0 else [])
                                  for i in range(args.reviewers)])
    start = time.perf_counter()
    ledger = plan_assignments(claims, cfg, now="2026-01-01T00:00:00+00:00")
    assign_s = time.perf_counter() - start
    assignments = assignments_from(ledger, claims, cfg)
    load = Counter(r for rs in assignments.values() for r in rs)
    by_id = {r.id: r for r in cfg.reviewers}
    matched = sum(expertise_match(by_id[r], c) for c in claims for r in assignments[c.id] if by_id[r].expertise)
    expert_slots = sum(1 for c in claims for r in assignments[c.id] if by_id[r].expertise)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        start = time.perf_counter()
        write_ledger(ledger, out)
        write_s = time.perf_counter() - start
        start = time.perf_counter()
        again, problems = load_ledger(out, cfg)
        read_s = time.perf_counter() - start
        assert again == ledger and not problems
    start = time.perf_counter()
    more = plan_assignments(claims + [c.model_copy(update={"id": f"c-f{i:011x}"}) for i, c in enumerate(claims[:1000])], cfg, ledger)
    rerun_s = time.perf_counter() - start
    assert all(more.claims[cid] == entry for cid, entry in ledger.claims.items())
    labels = cfg.labels
    units = [[VerdictRecord(reviewer=r, rating=rng.choice(labels[:3]) if rng.random() < 0.8 else rng.choice(labels), rationale="x",
                            evidence=[], file="f") for r in assignments[c.id] if rng.random() < 0.6] for c in claims]
    start = time.perf_counter()
    result = agreement(units, cfg)
    alpha_s = time.perf_counter() - start
    print(f"claims: {len(claims):,}; reviewers: {len(cfg.reviewers)}; per claim: {cfg.reviewers_per_claim}")
    print(f"assign: {assign_s:.2f} s; reassign with 1,000 new claims: {rerun_s:.2f} s (old assignments unchanged)")
    print(f"ledger write: {write_s:.2f} s; ledger read: {read_s:.2f} s")
    print(f"tasks per reviewer: min {min(load.values())}, max {max(load.values())}")
    print(f"expert slots on matching claims: {matched:,} of {expert_slots:,}")
    print(f"agreement over {result.claims_with_two_or_more_ratings:,} claims: alpha {result.krippendorff_alpha}, "
          f"percent {result.percent_agreement}; {alpha_s:.2f} s")


if __name__ == "__main__":
    main()

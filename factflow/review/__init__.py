"""Review: assign reviewers, write task and verdict-stub files, collect verdicts, reach consensus.

- :mod:`factflow.review.assign`: who reviews which claim (the assignments ledger)
- :mod:`factflow.review.files`: task files, verdict stubs, reading, checking and saving verdicts
- :mod:`factflow.review.consensus`: consensus per claim, agreement, reviewer workload
- :mod:`factflow.review.session`: one reviewer's open tasks (used by the terminal and the Prefect form)
- :mod:`factflow.review.terminal`: ``factflow review``
"""

from factflow.review.assign import (
    assign_reviewers,
    assignments_from,
    claim_tags,
    expertise_match,
    load_ledger,
    plan_assignments,
    write_ledger,
)
from factflow.review.consensus import agreement, consensus, reviewer_stats
from factflow.review.files import (
    LoadedVerdict,
    ParsedVerdicts,
    collect_verdicts,
    iter_tasks,
    load_known_claim_ids,
    load_tasks,
    load_verdict,
    question_for,
    rated_pairs,
    save_verdict,
    stub_text,
    verdict_path,
    write_stubs,
    write_tasks,
)
from factflow.review.session import OpenTask, ReviewSession

__all__ = [
    "LoadedVerdict",
    "OpenTask",
    "ParsedVerdicts",
    "ReviewSession",
    "agreement",
    "assign_reviewers",
    "assignments_from",
    "claim_tags",
    "collect_verdicts",
    "consensus",
    "expertise_match",
    "iter_tasks",
    "load_known_claim_ids",
    "load_ledger",
    "load_tasks",
    "load_verdict",
    "plan_assignments",
    "question_for",
    "rated_pairs",
    "reviewer_stats",
    "save_verdict",
    "stub_text",
    "verdict_path",
    "write_ledger",
    "write_stubs",
    "write_tasks",
]

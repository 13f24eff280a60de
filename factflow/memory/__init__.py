"""What the desk and other fact-checkers have already checked: imported ClaimReview items and the desk's own verdicts.

* :mod:`factflow.memory.claimreview`: ``factflow import claimreview``, schema.org ClaimReview
  JSON-LD into ``<out>/memory/claimreviews.json``;
* :mod:`factflow.memory.desk`: :func:`find_already_checked`, the new claims matched against the
  desk's rated claims and the imported items (the run's ``match-checked-claims`` stage);
* :mod:`factflow.memory.vectors`: the claims' sentence vectors, kept between runs.
"""

from factflow.memory.claimreview import INDEX_PATH, ImportResult, ReviewIndex, import_files, load_index
from factflow.memory.desk import (
    RATED,
    MemoryCandidate,
    RatedClaim,
    desk_candidates,
    find_already_checked,
    imported_candidates,
    merge_checks,
)

__all__ = [
    "INDEX_PATH", "RATED", "ImportResult", "MemoryCandidate", "RatedClaim", "ReviewIndex", "desk_candidates", "find_already_checked",
    "import_files", "imported_candidates", "load_index", "merge_checks",
]

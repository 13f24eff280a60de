"""Where everything lives under an output folder (``--out``): the one place that knows.

::

    <out>/
    ├── review/
    │   ├── tasks/<claim-id>.yaml               the flow writes; reviewers read
    │   ├── verdicts/<reviewer>/<claim-id>.yaml the flow creates a stub once; the reviewer writes
    │   └── assignments.json                    the ledger: every assignment ever made (the flow)
    ├── reports/verdicts.yaml                   the report (``report.path``) and its JSON twin
    ├── memory/claimreviews.json                other fact-checkers' reviews (``factflow import claimreview``)
    ├── memory/claimreviews.vectors.npz         their sentence vectors, for matching (the import)
    ├── .factflow-cache/                        the flow's own state, safe to delete
    │   ├── extract.sqlite                      each document's extraction, by content
    │   ├── http/                               the HTTP cache (``http.cache_dir``)
    │   ├── claims.json                         the last run's merged claims and sources
    │   ├── tasks-manifest.json                 which task files are up to date
    │   ├── verdicts.json                       verdict files parsed already
    │   ├── vectors.npz                         sentence vectors of the claims matched last run
    │   ├── matches.json                        what those claims matched, for a rerun with nothing new
    │   ├── passage-vectors.npz                 vectors of the claims and article sentences of the last online run's passages
    │   └── report-snapshot.json                the last report's consensus dates, for "since"
    └── .factflow.lock                          held by the run writing here

Every module asks :class:`OutputLayout` for a path instead of joining names itself, so the
layout can be read (and changed) here alone. Each file has one writer, named above.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The defaults of the two paths the config may move (``report.path``, ``http.cache_dir``).
DEFAULT_REPORT = "reports/verdicts.yaml"
DEFAULT_HTTP_CACHE = ".factflow-cache/http"

REVIEW = Path("review")
TASKS = REVIEW / "tasks"
VERDICTS = REVIEW / "verdicts"
LEDGER = REVIEW / "assignments.json"
STATE = Path(".factflow-cache")
EXTRACTIONS = STATE / "extract.sqlite"
#: Where earlier versions kept the extraction cache, a file per document: a run deletes it.
LEGACY_EXTRACTIONS = STATE / "extract"
LOCK = Path(".factflow.lock")
CLAIMREVIEWS = Path("memory") / "claimreviews.json"


def twin_of(report: Path) -> Path:
    """The JSON twin of a report, hidden beside it (``.verdicts.yaml.json``): read in a second where the
    YAML takes tens of seconds at ten thousand claims; wherever the report is, its twin is there."""
    return report.with_name(f".{report.name}.json")


@dataclass(frozen=True)
class OutputLayout:
    """The paths of one output folder; ``report`` and ``http_cache`` are relative to it, as in the config."""

    root: Path
    report_name: str = DEFAULT_REPORT
    http_cache_name: str = DEFAULT_HTTP_CACHE

    @classmethod
    def of(cls, out: Path, report: str = DEFAULT_REPORT, http_cache: str = DEFAULT_HTTP_CACHE) -> OutputLayout:
        """The layout of ``out`` with the config's report path and HTTP cache folder."""
        return cls(Path(out), report, http_cache)

    # What people read and write.
    @property
    def review(self) -> Path:
        return self.root / REVIEW

    @property
    def tasks(self) -> Path:
        return self.root / TASKS

    def task_file(self, claim: str) -> Path:
        return self.tasks / f"{claim}.yaml"

    @property
    def verdicts(self) -> Path:
        return self.root / VERDICTS

    def reviewer_folder(self, reviewer: str) -> Path:
        return self.verdicts / reviewer

    def verdict_file(self, reviewer: str, claim: str) -> Path:
        return self.verdicts / reviewer / f"{claim}.yaml"

    @property
    def ledger(self) -> Path:
        return self.root / LEDGER

    @property
    def report(self) -> Path:
        return self.root / self.report_name

    @property
    def report_json(self) -> Path:
        return twin_of(self.report)

    @property
    def claimreview_index(self) -> Path:
        """Imported ClaimReview items: kept, not a cache (only their files could rebuild it)."""
        return self.root / CLAIMREVIEWS

    @property
    def claimreview_vectors(self) -> Path:
        """The imported claims' sentence vectors: written by the import, read by runs (a cache: the import rebuilds it)."""
        return self.claimreview_index.with_name("claimreviews.vectors.npz")

    # The flow's own state.
    @property
    def state(self) -> Path:
        return self.root / STATE

    @property
    def extractions(self) -> Path:
        return self.root / EXTRACTIONS

    @property
    def legacy_extractions(self) -> Path:
        return self.root / LEGACY_EXTRACTIONS

    @property
    def claims_cache(self) -> Path:
        return self.state / "claims.json"

    @property
    def tasks_manifest(self) -> Path:
        return self.state / "tasks-manifest.json"

    @property
    def verdict_cache(self) -> Path:
        return self.state / "verdicts.json"

    @property
    def match_cache(self) -> Path:
        return self.state / "matches.json"

    @property
    def vector_cache(self) -> Path:
        return self.state / "vectors.npz"

    @property
    def passage_vector_cache(self) -> Path:
        return self.state / "passage-vectors.npz"

    @property
    def report_snapshot(self) -> Path:
        return self.state / "report-snapshot.json"

    @property
    def http_cache(self) -> Path:
        return self.root / self.http_cache_name

    @property
    def lock(self) -> Path:
        return self.root / LOCK

    def kept_files(self) -> list[Path]:
        """The files the flow and the import keep beside the report and the review folder (the lock, the imported
        fact-checks and their vectors, the flow's state): no configured path may land on one."""
        return [self.lock, self.claimreview_index, self.claimreview_vectors, self.extractions, self.claims_cache,
                self.tasks_manifest, self.verdict_cache, self.match_cache, self.vector_cache, self.passage_vector_cache,
                self.report_snapshot]

    def owned_folders(self) -> list[Path]:
        """The folders a run writes into, relative to the root (each must be a real folder, not a link)."""
        return [REVIEW, TASKS, VERDICTS, STATE, Path(self.report_name).parent, Path(self.http_cache_name)]

    def temp_files(self) -> list[tuple[Path, str]]:
        """Where a killed run may have left temporary files, and their pattern (ours only: ``.<name>.<random>.tmp``)."""
        report = self.report
        return [
            (report.parent, f".{report.name}.*.tmp"),
            (report.parent, f"..{report.name}.json.*.tmp"),  # the report's JSON twin
            (self.tasks, ".c-*.yaml.*.tmp"),
            (self.verdicts, ".c-*.yaml.*.tmp"),  # a stub being created; a reviewer's own files never match
            (self.state, ".*.json.*.tmp"),  # the claims cache, the report snapshot
            (self.state, ".*.npz.*.tmp"),  # the vector caches
            (self.claimreview_index.parent, ".claimreviews.vectors.npz.*.tmp"),
            (self.claimreview_index.parent, f".{self.claimreview_index.name}.*.tmp"),  # an import's index (".import.tmp")
            (self.ledger.parent, f".{self.ledger.name}.*.tmp"),
        ]

    def shown(self, path: Path) -> str:
        """A path under the root as messages show it (``review/verdicts/reviewer-1/c-....yaml``)."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


_KEPT = (
    (REVIEW, "lies in review/, where tasks and reviewers' verdicts live"),
    (CLAIMREVIEWS.parent, "lies in memory/, where imported fact-checks are kept"),
    (STATE, "lies in .factflow-cache/, the flow's own state"),
    (LOCK, "is the lock of the run writing there"),
)


def kept_there(path: Path) -> str | None:
    """Where ``path`` lies when an output folder keeps files there that a command's output must not replace
    (reviewers' verdicts, imported fact-checks, the flow's state, its lock), said for a message; else None.

    An output folder is recognised by its ``review/`` folder holding ``tasks/`` or ``verdicts/``.
    """
    target = path.resolve()
    for root in target.parents:
        if (root / TASKS).is_dir() or (root / VERDICTS).is_dir():
            return next((what for part, what in _KEPT if target.is_relative_to(root / part)), None)
    return None

"""A reviewer's session: their open tasks and what they may see, shared by the terminal and the Prefect form."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import ValidationError

from factflow.config import ReviewConfig
from factflow.errors import InputError, VerdictError
from factflow.layout import OutputLayout
from factflow.models import ReportQueue, Task, Verdict, VerdictRecord
from factflow.review.assign import load_ledger
from factflow.review.consensus import consensus
from factflow.review.files import (
    LoadedVerdict,
    ParsedVerdicts,
    collect_verdicts,
    load_tasks,
    load_verdict,
    read_task,
    save_verdict,
    verdict_path,
    yaml_files,
)
from factflow.runtime import collector_paused
from factflow.yamlio import describe_error


@dataclass(frozen=True)
class TaskRef:
    """What the queue needs of a task: its claim and who is assigned; the task file is read when shown."""

    claim: str
    assigned_to: tuple[str, ...]
    checkworthiness: float


class _Scored(Protocol):
    @property
    def checkworthiness(self) -> float: ...


QueueItem = TypeVar("QueueItem", bound=_Scored)


def queue_order(tasks: Iterable[QueueItem]) -> list[QueueItem]:
    """The order a reviewer's queue is served in: the most check-worthy claims first, so a long queue is
    worked from its best claims; ties keep the tasks' own order (document, then sentence)."""
    return sorted(tasks, key=lambda t: -t.checkworthiness)


@dataclass
class OpenTask:
    """One claim waiting for this person's rating, with what they may see of the others' verdicts."""

    ref: TaskRef | Task
    file: Path
    #: The task file the flow wrote for the claim.
    task_file: Path
    #: Other people's rated verdicts this person may see now (empty in blind mode until they rate).
    others: list[VerdictRecord] = field(default_factory=list)
    #: A problem with this person's own file, if it has one (saving replaces the file).
    problem: str | None = None

    @cached_property
    def task(self) -> Task:
        """The task file, read the first time it is needed (a queue of thousands starts without reading them all)."""
        if isinstance(self.ref, Task):
            return self.ref
        return read_task(self.task_file)


class ReviewSession:
    """What one reviewer or adjudicator has to do in an output folder, read from the files the flow wrote."""

    def __init__(self, out: Path, cfg: ReviewConfig, person: str, report: Path | None = None) -> None:
        if person not in cfg.people:
            raise VerdictError(
                "--reviewer", f"{person!r} is not a configured reviewer or adjudicator; known: {', '.join(cfg.people)}"
            )
        if not OutputLayout(out).tasks.is_dir():
            raise VerdictError(OutputLayout(out).tasks, "no task files here; run `factflow run` first (or pass the right --out)")
        # Where the verdicts go must take them before a verdict is typed: found at the first save, it lost that verdict.
        for folder in (OutputLayout(out).verdicts, OutputLayout(out).reviewer_folder(person)):
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                raise VerdictError(folder, "is not a folder, where your verdict files go; move it away (the next "
                                   "`factflow run` writes the folder again), then start again")
        self.out, self.cfg, self.person, self.report = out, cfg, person, report
        self.adjudicator = cfg.is_adjudicator(person)
        self.refresh()

    def refresh(self, queue: bool = True) -> None:
        """Re-read the verdict files and, with ``queue``, the tasks (another reviewer or a run may have changed them)."""
        with collector_paused():  # tens of thousands of verdicts read at once (see collector_paused)
            self._refresh(queue)

    def _refresh(self, queue: bool) -> None:
        if queue:
            self.tasks = queue_of(self.out, self.report)
            self.claim_ids = {t.claim for t in self.tasks}
        ledger, _ = load_ledger(self.out, self.cfg) if OutputLayout(self.out).ledger.exists() else (None, [])
        # The verdicts read before are let go first: read again, both would be held at once (tens of thousands each).
        self.by_claim: dict[str, list[LoadedVerdict]] = {}
        # The run's parse cache (read, never written here): only files saved since the run are parsed.
        verdicts, problems = collect_verdicts(self.out, self.claim_ids, self.cfg, ledger, ParsedVerdicts(self.out, self.cfg))
        for lv in verdicts:
            if not lv.orphaned:
                self.by_claim.setdefault(lv.verdict.claim, []).append(lv)
        self.own_problems = {
            Path(p.file).stem: p.message for p in problems if Path(p.file).parent.name == self.person
        }

    def refresh_claim(self, claim: str) -> None:
        """Re-read the verdict files of one claim only (cheap where ``refresh`` reads every file)."""
        found: list[LoadedVerdict] = []
        self.own_problems.pop(claim, None)
        for path in sorted(OutputLayout(self.out).verdicts.glob(f"*/{claim}.yaml")):
            try:
                found.append(load_verdict(path, self.out, self.claim_ids, self.cfg))
            except VerdictError as exc:
                if path.parent.name == self.person:
                    self.own_problems[claim] = exc.message
        self.by_claim[claim] = [lv for lv in found if not lv.orphaned]

    def records(self, claim: str) -> list[VerdictRecord]:
        """Every verdict on a claim, as the report shows it."""
        return [
            VerdictRecord(
                reviewer=lv.verdict.reviewer, rating=lv.verdict.rating, rationale=lv.verdict.rationale,
                evidence=lv.verdict.evidence, file=lv.file,
                role="adjudicator" if self.cfg.is_adjudicator(lv.verdict.reviewer) else "reviewer",
            )
            for lv in sorted(self.by_claim.get(claim, []), key=lambda lv: lv.verdict.reviewer)
        ]

    def has_rated(self, claim: str) -> bool:
        """True when this person's file for the claim holds a valid rating."""
        return any(lv.verdict.reviewer == self.person and lv.verdict.rating is not None for lv in self.by_claim.get(claim, ()))

    def visible_others(self, claim: str) -> list[VerdictRecord]:
        """Other people's ratings this person may see: none in blind mode until they have rated (adjudicators see all)."""
        if self.cfg.blind and not self.adjudicator and not self.has_rated(claim):
            return []
        return [r for r in self.records(claim) if r.reviewer != self.person and r.rating is not None]

    def is_open(self, task: Task | TaskRef) -> bool:
        """A reviewer's task is open while they have not rated it; an adjudicator's, while the claim is disputed."""
        if self.has_rated(task.claim):
            return False
        if self.adjudicator:
            status = consensus(self.records(task.claim), self.cfg.reviewers_per_claim, self.cfg.consensus,
                               [a.id for a in self.cfg.adjudicators]).status
            return status == "disputed"
        return self.person in task.assigned_to

    def open_task(self, task: Task | TaskRef) -> OpenTask | None:
        """The task as this person sees it now, or None when it is not open for them."""
        if not self.is_open(task):
            return None
        return OpenTask(ref=task, file=verdict_path(self.out, self.person, task.claim), task_file=OutputLayout(self.out).task_file(task.claim),
                        others=self.visible_others(task.claim), problem=self.own_problems.get(task.claim))

    def open_tasks(self) -> list[OpenTask]:  # each one's task file is read when it is shown
        """This person's open tasks in queue order: highest check-worthiness first (see :func:`queue_order`)."""
        return [item for item in (self.open_task(t) for t in self.open_queue()) if item is not None]

    def open_queue(self) -> list[Task | TaskRef]:
        """The tasks open for this person now, in queue order, as queued: what :meth:`open_tasks` gives
        without making each one's view (its verdict file's path, the others' verdicts), which a queue of
        tens of thousands need not pay for before the first task is shown."""
        return [t for t in self.tasks if self.is_open(t)]

    def save(self, task: Task, rating: str, rationale: str, evidence: list[str], via: str) -> LoadedVerdict:
        """Check and write this person's verdict on a task (atomically); raises VerdictError when it breaks a rule."""
        try:
            verdict = Verdict.model_validate(
                {"claim": task.claim, "claim_text": task.text, "reviewer": self.person, "rating": rating,
                 "rationale": rationale.strip(), "evidence": [e.strip() for e in evidence if e.strip()]},
                context={"labels": self.cfg.labels},
            )
        except ValidationError as exc:
            where = verdict_path(self.out, self.person, task.claim)
            raise VerdictError(where, describe_error(Verdict, exc.errors()[0])) from exc
        saved = save_verdict(self.out, verdict, self.cfg, self.claim_ids, via)
        self.by_claim[task.claim] = [lv for lv in self.by_claim.get(task.claim, []) if lv.verdict.reviewer != self.person] + [saved]
        return saved


def queue_of(out: Path, report: Path | None) -> list[TaskRef | Task]:
    """Every current task in queue order (see :func:`queue_order`).

    From the last run's report when there is one (read in a second from its JSON twin), keeping
    the claims whose task file is there; task files the report lacks (a run stopped before its
    report) are read and queued after them. Without a report, every task file is read.
    """
    names = set(yaml_files(OutputLayout(out).tasks))
    if report is None or not report.is_file():
        return queue_order(list[TaskRef | Task](load_tasks(out)))
    from factflow.export import load_report

    try:
        claims = load_report(report, ReportQueue).claims  # the claims' queue only, not the documents and sources
    except InputError:
        return queue_order(list[TaskRef | Task](load_tasks(out)))
    queue: list[TaskRef | Task] = [TaskRef(c.id, tuple(c.assigned_to), c.checkworthiness) for c in claims if f"{c.id}.yaml" in names]
    listed = {f"{t.claim}.yaml" for t in queue}
    for name in sorted(names - listed):
        try:
            queue.append(read_task(OutputLayout(out).tasks / name))
        except InputError:
            continue  # unreadable: the flow rewrites it
    return queue_order(queue)


@dataclass(frozen=True)
class Adoption:
    """A desk's earlier verdict on the same claim, as this reviewer's own: what adopting it saves."""

    rating: str
    rationale: str
    evidence: list[str]


def adoptable(task: Task, cfg: ReviewConfig) -> Adoption | None:
    """The closest earlier verdict of this desk on the same claim (``already_checked``, origin desk), as a verdict
    this reviewer can adopt in one step: its rating (when it is on the scale), a rationale that records the
    match, and its link as evidence when the desk has a public page. None when there is none."""
    for check in task.already_checked or []:
        if check.origin == "desk" and check.rating in cfg.labels:
            how = ", ".join(x for x in (check.date, " and ".join(check.reviewers or [])) if x)
            close = f"; similarity {check.similarity:.2f}" if check.similarity is not None else ""
            rationale = (f"Adopted the desk's earlier verdict on the same claim {check.claim_id} "
                         f"({check.rating!r}{', ' + how if how else ''}{close}): {' '.join((check.claim or '').split())}")
            return Adoption(check.rating, rationale, [check.url] if check.url else [])
    return None

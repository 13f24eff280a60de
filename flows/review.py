"""The review flow: a reviewer's open tasks as forms in the Prefect UI.

Start it from the UI (deployment ``review/by-reviewer``, parameter ``reviewer``) or from Python.
For each open task it pauses with a form (a Prefect ``RunInput``: the rating as a choice from
the scale, the rationale, evidence URLs); the reviewer fills it in under *Resume* on the flow
run's page, and the flow checks the verdict and writes the verdict file, exactly as
``factflow review`` does in the terminal. Only Prefect wiring lives here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal, NamedTuple

from prefect import flow, get_run_logger
from prefect.exceptions import FailedRun
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from prefect.states import Failed, State
from pydantic import ConfigDict, Field, create_model

from factflow.config import ReviewConfig, load_config
from factflow.errors import FactflowError, InputError, VerdictError
from factflow.export.summary import markdown_link, markdown_text
from factflow.review import OpenTask, ReviewSession
from factflow.review.session import adoptable

VIA = "the Prefect review form"


class _NoTracebackForFailedRuns(logging.Filter):
    """Drops Prefect's "Engine execution exited with unexpected exception" record when the exception is
    ``FailedRun``: the engine raises it for a run that returned a Failed state on purpose (a user error,
    already logged in one line with the reason in the state's message), and its traceback points into
    Prefect, not at anything the reviewer can fix. Records of real exceptions pass unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], FailedRun))


logging.getLogger("prefect.flow_runs").addFilter(_NoTracebackForFailedRuns())


class Answer(NamedTuple):
    """What the reviewer last submitted for a claim: the next form for it starts from these values."""

    rating: str
    rationale: str
    evidence: list[str]


def _form_schema(schema: dict[str, Any]) -> None:
    # A rating is required, and a rating needs a rationale (the verdict rules say so), so the form
    # marks the rationale required too instead of "(Optional)"; it keeps a default ("" or the last
    # answer), which is why pydantic would not list it.
    schema["required"] = sorted({*schema.get("required", []), "rating", "rationale"}, key=["rating", "rationale"].index)
    # Each evidence row is a plain text box that starts as "": without an item default the UI started
    # a new row as null, and the server refused the whole submit ("None is not of type 'string'").
    # The flow drops blank rows (see evidence_of).
    schema["properties"]["evidence"]["items"]["default"] = ""


class VerdictForm(RunInput):
    """The base of every verdict form (see :func:`verdict_form`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_form_schema)


def verdict_form(cfg: ReviewConfig, last: Answer | None = None) -> type[VerdictForm]:
    """The form's model: its JSON Schema is what the Prefect UI draws (an enum becomes a drop-down).

    A fresh model per claim: with ``last`` (the reviewer's answer that was not saved) its values are
    the fields' defaults, so the form comes back filled in. Empty evidence rows are dropped by the
    flow, not refused (see :func:`_form_schema`).
    """
    scale = ", ".join(cfg.labels)
    rating_type: Any = Literal[tuple(cfg.labels)]  # the scale comes from the config, so the choice is built at run time
    rating_description = f"Your rating, one of {scale}; each is defined above."
    rating: Any = Field(description=rating_description) if last is None else Field(default=last.rating, description=rating_description)
    model: type[VerdictForm] = create_model(
        "Verdict",
        __base__=VerdictForm,
        rating=(rating_type, rating),
        rationale=(str, Field(default=last.rationale if last else "", description="Why, in a sentence or two (required with a rating).")),
        evidence=(list[str], Field(default=list(last.evidence) if last else [],
                                          description="Links that support your rating, each an http(s) URL; empty rows are ignored.")),
        skip=(bool, Field(default=False, description="Tick to leave this claim for later; nothing is saved.")),
    )
    return model


def evidence_of(answer: Any) -> list[str]:
    """The evidence rows the reviewer filled in; rows left empty are ignored."""
    return [e.strip() for e in answer.evidence if e.strip()]


def describe(item: OpenTask, number: int, total: int, session: ReviewSession, error: str | None) -> str:
    """The Markdown the UI shows above the form: the claim, its context, the sources, what already checked it, the scale."""
    t = item.task
    lines = []
    if error:
        lines += [f"**Not saved:** {error}. Please correct and submit again.", ""]
    lines += [
        f"### Task {number} of {total} for {session.person}: claim `{t.claim}` ({t.type})",
        "",
        f"**Claim:** {' '.join(t.text.split())}",
        "",
        f"**Question:** {t.question}",
        "",
        f"**Document:** {t.document.get('title', '')} (`{t.document.get('id', '')}`)",
    ]
    if t.context_before or t.context_after:
        lines += ["", "**Context:** " + " ".join(t.context_before) + " **[claim]** " + " ".join(t.context_after)]
    if t.already_checked:  # first: a claim already checked need not be checked again
        lines += ["", "**Already checked (closest first):**"] + [
            f"- {markdown_text(c.summary())}" + (f" ([link]({url}))" if (url := markdown_link(c.url)) else "")
            for c in t.already_checked
        ]
        if adoptable(t, session.cfg) and error is None:
            lines += ["", "_The form below is filled in with the desk's earlier verdict: submit it to adopt it as yours, or change it._"]
    if t.evidence_passages:
        lines += ["", "**Passages that bear on the claim (closest first):**"] + [
            f"- {markdown_text(p.text)} ({markdown_text(p.title)}" + (f", [link]({url}))" if (url := markdown_link(p.url)) else ")")
            for p in t.evidence_passages
        ]
    if t.sources:
        lines += ["", "**Sources:**"] + [f"- [{s.title}]({s.url})" for s in t.sources]
    lines += ["", "**Ratings:**"] + [f"- `{level.label}`: {level.definition}" for level in session.cfg.scale]
    if session.adjudicator or not session.cfg.blind:
        if item.others:
            lines += ["", "**Verdicts so far:**"] + [
                f"- {r.reviewer}{' (adjudicator)' if r.role == 'adjudicator' else ''}: `{r.rating}`. {(r.rationale or '').strip()}"
                for r in item.others
            ]
    else:
        lines += ["", "_Other reviewers' verdicts stay hidden until you rate (blind review)._"]
    if item.problem:
        lines += ["", f"_Your file has a problem ({item.problem}); saving here replaces it._"]
    return "\n".join(lines)


@flow(name="review", log_prints=False, validate_parameters=True)
def review(
    reviewer: str,
    config: str | None = "config/factflow.yaml",
    out: str = ".",
    timeout_hours: float = 24.0,
    poll_seconds: int = 5,
) -> dict[str, int] | State:
    """Ask a reviewer for a verdict on each of their open tasks with a form in the Prefect UI; write each verdict file."""
    logger = get_run_logger()
    try:
        loaded = load_config(Path(config) if config else None)
        session = ReviewSession(Path(out), loaded.config.review, reviewer, report=Path(out) / loaded.config.report.path)
    except FactflowError as exc:
        # A mistyped reviewer (or a wrong config/out) is the user's error, not a crash: the run fails
        # with the message alone, which the run's page shows, and no traceback.
        logger.error("%s", exc)
        return Failed(message=str(exc))
    tasks = session.open_queue()  # each task's view is made when it comes up
    saved = skipped = 0
    for number, queued in enumerate(tasks, 1):
        error: str | None = None
        last: Answer | None = None
        while True:
            session.refresh_claim(queued.claim)  # it may have been rated meanwhile, by hand or in the terminal
            item = session.open_task(queued)
            if item is None:
                break
            try:
                item.task  # noqa: B018 - read now: a damaged task file is one line, and the session goes on
            except InputError as exc:
                logger.warning("Task %d of %d skipped: %s (the next factflow run writes it again).", number, len(tasks), exc)
                skipped += 1
                break
            logger.info("Waiting for %s's verdict on claim %s (task %d of %d): press Resume (top right) to open the form.",
                        reviewer, item.task.claim, number, len(tasks))
            adoption = adoptable(item.task, loaded.config.review)
            if last is None and adoption is not None:  # one step: the form comes filled in with the desk's earlier verdict
                last = Answer(adoption.rating, adoption.rationale, adoption.evidence)
            form = verdict_form(loaded.config.review, last)
            answer: Any = pause_flow_run(
                wait_for_input=form.with_initial_data(description=describe(item, number, len(tasks), session, error)),
                timeout=int(timeout_hours * 3600),
                poll_interval=poll_seconds,
            )
            if answer.skip:
                skipped += 1
                break
            evidence = evidence_of(answer)
            try:
                session.save(item.task, answer.rating, answer.rationale, evidence, VIA)
            except VerdictError as exc:
                error, last = exc.message, Answer(answer.rating, answer.rationale, evidence)
                continue
            saved += 1
            break
    session.refresh(queue=False)  # the verdict files, which others may have saved meanwhile; the queue stays
    return {"saved": saved, "skipped": skipped, "left": len(session.open_queue())}

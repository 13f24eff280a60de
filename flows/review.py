"""The review flow: a reviewer's open tasks as forms in the Prefect UI.

Start it from the UI (deployment ``review/by-reviewer``, parameter ``reviewer``) or from Python.
For each open task it pauses with a form (a Prefect ``RunInput``: the rating as a choice from
the scale, the rationale, evidence URLs); the reviewer fills it in under *Resume* on the flow
run's page, and the flow checks the verdict and writes the verdict file, exactly as
``factflow review`` does in the terminal. Only Prefect wiring lives here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from prefect import flow
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import Field, create_model

from factflow.config import ReviewConfig, load_config
from factflow.errors import VerdictError
from factflow.review import OpenTask, ReviewSession

VIA = "the Prefect review form"


def verdict_form(cfg: ReviewConfig) -> type[RunInput]:
    """The form's model: its JSON Schema is what the Prefect UI draws (an enum becomes a drop-down)."""
    scale = ", ".join(cfg.labels)
    rating_type: Any = Literal[tuple(cfg.labels)]  # the scale comes from the config, so the choice is built at run time
    model: type[RunInput] = create_model(
        "Verdict",
        __base__=RunInput,
        rating=(rating_type, Field(description=f"Your rating, one of {scale}; each is defined above.")),
        rationale=(str, Field(default="", description="Why, in a sentence or two (required with a rating).")),
        evidence=(list[str], Field(default=[], description="Links that support your rating, each an http(s) URL.")),
        skip=(bool, Field(default=False, description="Tick to leave this claim for later; nothing is saved.")),
    )
    return model


def describe(item: OpenTask, number: int, total: int, session: ReviewSession, error: str | None) -> str:
    """The Markdown the UI shows above the form: the claim, its context, the sources, the scale."""
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
) -> dict[str, int]:
    """Ask a reviewer for a verdict on each of their open tasks with a form in the Prefect UI; write each verdict file."""
    loaded = load_config(Path(config) if config else None)
    session = ReviewSession(Path(out), loaded.config.review, reviewer, report=Path(out) / loaded.config.report.path)
    form = verdict_form(loaded.config.review)
    tasks = session.open_tasks()
    saved = skipped = 0
    for number, first in enumerate(tasks, 1):
        error: str | None = None
        while True:
            session.refresh_claim(first.task.claim)  # it may have been rated meanwhile, by hand or in the terminal
            item = session.open_task(first.task)
            if item is None:
                break
            answer: Any = pause_flow_run(
                wait_for_input=form.with_initial_data(description=describe(item, number, len(tasks), session, error)),
                timeout=int(timeout_hours * 3600),
                poll_interval=poll_seconds,
            )
            if answer.skip:
                skipped += 1
                break
            try:
                session.save(item.task, answer.rating, answer.rationale, list(answer.evidence), VIA)
            except VerdictError as exc:
                error = exc.message
                continue
            saved += 1
            break
    session.refresh()
    return {"saved": saved, "skipped": skipped, "left": len(session.open_tasks())}

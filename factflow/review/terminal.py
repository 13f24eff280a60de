"""``factflow review``: walk a reviewer through their open tasks in the terminal.

Plain prompts on stdin/stdout (click), so a program can drive it through a pipe as well as a
person at a keyboard. Every verdict is checked like a hand-written file and saved atomically;
quitting (``q``, or the end of the input) keeps what was saved, and the next session resumes
with the tasks still open.
"""

from __future__ import annotations

import errno
import sys
from dataclasses import dataclass
from typing import Any

import click

from factflow.config import ReviewConfig
from factflow.errors import InputError, VerdictError
from factflow.models import VerdictRecord, check_link
from factflow.review.session import OpenTask, ReviewSession, adoptable
from factflow.text import printable

VIA = "factflow review"


@dataclass
class Outcome:
    """What a terminal session did."""

    saved: int = 0
    skipped: int = 0
    left: int = 0
    quit: bool = False
    #: Stopped because a script's answers were refused again and again (the command then exits 1).
    stopped: bool = False


def _show_scale(cfg: ReviewConfig) -> None:
    click.echo("Ratings:")
    for i, level in enumerate(cfg.scale, 1):
        click.echo(f"  {i}. {level.label:<14} {printable(level.definition)}")


def _show_others(others: list[VerdictRecord]) -> None:
    for r in others:
        role = " (adjudicator)" if r.role == "adjudicator" else ""
        click.echo(printable(f"  {r.reviewer}{role}: {r.rating}. {(r.rationale or '').strip()}"))
        for url in r.evidence:
            click.echo(f"      {printable(url)}")


def show_task(item: OpenTask, number: int, total: int, session: ReviewSession) -> None:
    """Print what a reviewer needs to rate one claim: the claim, its context, the sources, what already checked it, the others' verdicts."""
    t = item.task
    click.echo("")
    click.echo(click.style(f"--- Task {number} of {total}: {t.claim} ({t.type}, check-worthiness {t.checkworthiness:.2f}) ---", bold=True))
    # Every text from outside (the article, an API, another reviewer) through printable: an ESC in an article
    # cleared the reviewer's screen or set the window's title.
    click.echo(printable(f"Document: {t.document.get('title', '')} ({t.document.get('id', '')})"))
    if t.context_before:
        click.echo(printable("Before:   " + " ".join(t.context_before)))
    click.echo(click.style(printable("Claim:    " + " ".join(t.text.split())), bold=True))
    if t.context_after:
        click.echo(printable("After:    " + " ".join(t.context_after)))
    click.echo(printable(f"Question: {t.question}"))
    if t.already_checked:  # first: a claim already checked need not be checked again
        click.echo(click.style("Already checked (closest first):", fg="cyan"))
        for check in t.already_checked:
            click.echo(printable(f"  - {check.summary()}" + (f" {check.url}" if check.url else "")))
        if adoptable(t, session.cfg):
            click.echo("  (type a at the rating prompt to adopt the desk's earlier verdict as yours)")
    if t.evidence_passages:
        click.echo(click.style("Passages that bear on the claim (closest first):", fg="cyan"))
        for passage in t.evidence_passages:
            click.echo(printable(f"  - {' '.join(passage.text.split())} ({passage.title}: {passage.url})"))
    if t.sources:
        click.echo("Sources:")
        for source in t.sources:
            click.echo(printable(f"  - {source.title}: {source.url}"))
    if session.adjudicator or not session.cfg.blind:
        if item.others:
            click.echo("Verdicts so far:")
            _show_others(item.others)
    else:
        click.echo("Other reviewers' verdicts: hidden until you rate (blind review).")
    if item.problem:
        click.echo(click.style(printable(f"Your file has a problem: {item.problem}. Saving here replaces it."), fg="yellow"))


#: The longest answer read from standard input that is not a terminal (a pipe, a file).
MAX_ANSWER_CHARS = 100_000


class _BoundedLines:
    """Standard input that is not a terminal, read a line of at most :data:`MAX_ANSWER_CHARS` at a time:
    Python's input() reads a whole line first, and ``< /dev/zero`` is a line without end."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def readline(self, size: int = -1) -> str:
        line: str = self._inner.readline(MAX_ANSWER_CHARS + 1)
        if len(line) > MAX_ANSWER_CHARS and not line.endswith("\n"):
            raise OSError(errno.E2BIG, f"a line of more than {MAX_ANSWER_CHARS:,} characters")
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _ask(text: str, default: str | None = None) -> str:
    """The answer to one prompt; click.Abort at the end of the input, and where there is no input to read:
    standard input closed (``<&-``: Python's input() then fails with "lost sys.stdin") or not readable
    (opened for writing only, a terminal hung up)."""
    if sys.stdin is None:
        raise click.Abort
    stdin = sys.stdin
    try:
        if not stdin.isatty():
            sys.stdin = _BoundedLines(stdin)
        value: str = click.prompt(text, default=default, show_default=False, prompt_suffix=": ")
    except OSError as exc:
        click.echo("")
        click.echo(f"Cannot read standard input ({exc.strerror or exc}); stopping.")
        raise click.Abort from exc
    finally:
        sys.stdin = stdin
    return value.strip()


#: Answers in a row a prompt refuses before a session whose answers come from a pipe or a file stops (a
#: terminal asks on): ``yes | factflow review`` answered 'y' to the rating prompt for ever.
MAX_REFUSED_ANSWERS = 5
#: The message of the click.Abort that stops such a session (end of input is a click.Abort too, and no failure).
_STOPPED = "answers refused"


def _refused(times: int, message: str) -> int:
    """Say why an answer was refused; click.Abort when the :data:`MAX_REFUSED_ANSWERS`-th in a row came from
    standard input that is not a terminal. Returns the count so far."""
    click.echo(message)
    times += 1
    if times >= MAX_REFUSED_ANSWERS and not _is_terminal(sys.stdin):
        click.echo(f"Stopping: {times} answers in a row were refused, and they come from a pipe or a file, not a "
                   "terminal; check the script that writes them.")
        raise click.Abort(_STOPPED)
    return times


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (OSError, ValueError):  # closed
        return False


def _ask_rating(cfg: ReviewConfig, can_adopt: bool = False) -> str:
    labels = cfg.labels
    adopt = "; a = adopt the desk's earlier verdict" if can_adopt else ""
    refused = 0
    while True:
        # An empty answer comes back (default ""), to be refused and counted here: click asked again itself, for ever under `yes ''`.
        answer = _ask(f"Rating (1-{len(labels)} or a label; s = skip, q = quit{adopt})", default="")
        low = answer.casefold()
        if low in ("s", "skip", "q", "quit") or (can_adopt and low in ("a", "adopt")):
            return low[0]
        if answer.isdigit() and 1 <= int(answer) <= len(labels):
            return labels[int(answer) - 1]
        if low in labels:
            return low
        refused = _refused(refused, f"  {answer!r} is not a rating; type 1-{len(labels)} or one of {', '.join(labels)}, s or q.")


def _ask_rationale() -> str:
    refused = 0
    while True:
        answer = _ask("Rationale (why, in a sentence or two)", default="")
        if answer:
            return answer
        refused = _refused(refused, "  A rating needs a rationale.")


def _ask_evidence() -> list[str]:
    urls: list[str] = []
    refused = 0
    while True:
        answer = _ask(f"Evidence URL {len(urls) + 1} (empty line when done)", default="")
        if not answer:
            return urls
        try:
            urls.append(check_link(answer))  # the rule the verdict file is checked by
            refused = 0
        except ValueError:
            refused = _refused(refused, f"  {answer!r} is not an http(s) URL without spaces or control characters; "
                               "paste a link such as https://example.org/page.")


def review_in_terminal(session: ReviewSession) -> Outcome:
    """Ask for a verdict on each open task; returns what was saved, skipped and left open."""
    outcome = Outcome()
    tasks = session.open_queue()  # each task's view is made when it comes up
    who = session.person + (" (adjudicator)" if session.adjudicator else "")
    if not tasks:
        click.echo(f"No open tasks for {who}.")
        return outcome
    click.echo(f"{len(tasks)} open task(s) for {who}. At the rating prompt: s skips a task, q quits; you can resume later.")
    _show_scale(session.cfg)
    for number, queued in enumerate(tasks, 1):
        session.refresh_claim(queued.claim)  # rated meanwhile (by hand, in the form)? then it is done
        item = session.open_task(queued)
        if item is None:
            continue
        try:
            item.task  # noqa: B018 - read now: a damaged task file is one line, and the session goes on
        except InputError as exc:
            click.echo(click.style(printable(f"Task {number} of {len(tasks)} skipped: {exc} (the next `factflow run` writes it again)."), fg="yellow"))
            outcome.skipped += 1
            continue
        if item.file.is_dir():  # asked for, the verdict was typed and then could not be saved there
            click.echo(click.style(printable(f"Task {number} of {len(tasks)} skipped: {item.file} is a folder, where your verdict "
                                             "file goes; move it away to rate this claim."), fg="yellow"))
            outcome.skipped += 1
            continue
        show_task(item, number, len(tasks), session)
        adoption = adoptable(item.task, session.cfg)
        rating = ""
        try:
            rating = _ask_rating(session.cfg, can_adopt=adoption is not None)
            if rating in ("s", "q"):
                outcome.skipped += rating == "s"
                if rating == "q":
                    outcome.quit = True
                    break
                continue
            if rating == "a" and adoption is not None:  # one step: the earlier verdict, the match recorded
                rating, rationale, evidence = adoption.rating, adoption.rationale, adoption.evidence
            else:
                rationale = _ask_rationale()
                evidence = _ask_evidence()
        except click.Abort as exc:  # end of input (a pipe ran dry, Ctrl-D) or Ctrl-C: stop, keep what was saved
            outcome.quit = True
            outcome.stopped = str(exc) == _STOPPED
            if rating and rating not in ("s", "q"):  # the input ended with a verdict half given: say it was not saved
                click.echo(click.style(printable(f"The verdict on {item.task.claim} ({rating}) was not saved: the input ended "
                                                 "before it was complete."), fg="yellow"))
            break
        try:
            saved = session.save(item.task, rating, rationale, evidence, VIA)
        except VerdictError as exc:
            click.echo(click.style(printable(f"Not saved: {exc}"), fg="red"))
            outcome.skipped += 1
            continue
        outcome.saved += 1
        click.echo(f"Saved {saved.file}: {rating}.")
        if session.cfg.blind and not session.adjudicator:
            session.refresh_claim(item.task.claim)
            others = session.visible_others(item.task.claim)
            if others:
                click.echo("Now that you have rated, the other verdicts:")
                _show_others(others)
    session.refresh(queue=False)  # the verdict files, which others may have saved meanwhile; the queue stays
    outcome.left = len(session.open_queue())
    click.echo("")
    again = "Run `factflow review` again to continue; " if outcome.left else "Nothing is left for you; "  # not 'continue' with 0 open
    click.echo(f"Saved {outcome.saved}, skipped {outcome.skipped}, {outcome.left} still open. {again}the next run collects your verdicts.")
    return outcome

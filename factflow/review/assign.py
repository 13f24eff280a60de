"""Assigning reviewers to claims: deterministic, balanced, expertise-aware and stable.

Every assignment made is kept in ``review/assignments.json`` (the ledger, written by the flow).
A run reads the ledger back first and only assigns what is missing: new claims, or claims
short of ``reviewers_per_claim`` (say, after a reviewer left the config). So adding documents
or reviewers never moves an existing assignment. If the ledger is lost, it is rebuilt from the
verdict files, which the flow creates once per assignment and never deletes.

Hand-written: assignment with capacities, preferences and a history to respect is specific to
this desk; no library covers it, and the greedy rule below is short and easy to explain.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from factflow.config import ReviewConfig, Reviewer
from factflow.errors import InputError
from factflow.fileio import atomic_write_text, read_plain_file, read_regular
from factflow.layout import LEDGER, OutputLayout
from factflow.models import AssignmentEntry, Claim, Ledger, Problem
from factflow.review.files import reviewer_folders, yaml_files
from factflow.text import scrub
from factflow.yamlio import parse_yaml

# JSON rather than YAML: only the flow writes and reads this file, and at 20,000 claims PyYAML
# takes seconds to read it where json takes a fraction of one (bench/review.py).


def claim_tags(claim: Claim) -> set[str]:
    """What a claim is about, for matching expertise: its type and the kinds of its entities."""
    return {claim.type} | {entity.kind for entity in claim.entities}


def expertise_match(reviewer: Reviewer, claim: Claim, tags: set[str] | None = None) -> bool:
    """True when one of the reviewer's expertise tags is the claim's type, an entity kind, or a topic word in its text."""
    tags = claim_tags(claim) if tags is None else tags
    text = claim.text.casefold()
    for tag in reviewer.expertise:
        wanted = tag.strip().casefold()
        if wanted and (wanted in tags or _topic(wanted).search(text)):
            return True
    return False


@lru_cache(maxsize=1024)
def _topic(wanted: str) -> re.Pattern[str]:
    """A topic tag as a whole word or phrase."""
    return re.compile(r"(?<!\w)" + re.escape(wanted) + r"(?!\w)")


def _tiebreak(claim_id: str, reviewer_id: str) -> str:
    # Rendezvous hash: a fixed, claim-specific order of reviewers, so ties do not always favour the first one.
    return hashlib.sha256(f"{claim_id}\x00{reviewer_id}".encode()).hexdigest()


def _pick(claim_id: str, candidates: list[Reviewer], key: Callable[[Reviewer], tuple[Any, ...]]) -> Reviewer:
    """The candidate with the lowest key; ties broken by the rendezvous hash (computed only for ties)."""
    keys = [key(r) for r in candidates]
    best = min(keys)
    tied = [r for r, k in zip(candidates, keys, strict=True) if k == best]
    return tied[0] if len(tied) == 1 else min(tied, key=lambda r: _tiebreak(claim_id, r.id))


def plan_assignments(
    claims: Iterable[Claim],
    cfg: ReviewConfig,
    ledger: Ledger | None = None,
    rated: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
    now: str = "",
) -> Ledger:
    """The ledger after assigning every claim that lacks reviewers; existing entries are never changed.

    Only eligible reviewers get a slot: not yet on the claim, and below their ``max_open_tasks``.
    Two passes over the claims lacking reviewers, each in claim-id order (so the result does not
    depend on the order of documents):

    1. expertise: a claim goes to a matching reviewer whose open tasks stay below an even share
       of all open work plus ``expertise_weight`` (the fewest open tasks first);
    2. balance: every slot still empty goes to the reviewer with the fewest open tasks (then a
       matching one, then the fewest tasks in all, then a hash of claim and reviewer).

    Experts go first so that the claims nobody is expert in can even the load out afterwards.
    ``rated`` holds (reviewer, claim) pairs already rated: those tasks are no longer open.
    """
    claims = sorted(claims, key=lambda c: c.id)
    entries: dict[str, AssignmentEntry] = dict(ledger.claims) if ledger else {}
    for claim in claims:  # an entry rebuilt from verdict files without claim_text: the claim's text, while it is known
        entry = entries.get(claim.id)
        if entry is not None and not entry.text:
            entries[claim.id] = entry.model_copy(update={"text": claim.text})
    reviewers = list(cfg.reviewers)
    known = {r.id for r in reviewers}
    open_load: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for claim in claims:
        entry = entries.get(claim.id)
        for rid in entry.reviewers if entry else {}:
            total[rid] += 1
            if (rid, claim.id) not in rated:
                open_load[rid] += 1
    slots: dict[str, dict[str, str]] = {}
    short: list[tuple[Claim, int]] = []
    for claim in claims:
        entry = entries.get(claim.id)
        slots[claim.id] = dict(entry.reviewers) if entry else {}
        missing = cfg.reviewers_per_claim - sum(1 for rid in slots[claim.id] if rid in known)
        if missing > 0:
            short.append((claim, missing))
    if not short:
        return Ledger(claims=dict(sorted(entries.items())))
    share = (sum(open_load[r.id] for r in reviewers) + sum(m for _, m in short)) / len(reviewers)

    def eligible(claim: Claim) -> list[Reviewer]:
        return [r for r in reviewers if r.id not in slots[claim.id] and (r.max_open_tasks is None or open_load[r.id] < r.max_open_tasks)]

    def give(claim: Claim, reviewer: Reviewer) -> None:
        slots[claim.id][reviewer.id] = now
        open_load[reviewer.id] += 1
        total[reviewer.id] += 1

    with_expertise = [r for r in reviewers if r.expertise] if cfg.expertise_weight > 0 else []
    experts_for: dict[str, set[str]] = {}
    for claim, _ in short:
        tags = claim_tags(claim)
        experts_for[claim.id] = {r.id for r in with_expertise if expertise_match(r, claim, tags)}
    def by_load(matching: set[str]) -> Callable[[Reviewer], tuple[Any, ...]]:
        return lambda r: (open_load[r.id], r.id not in matching, total[r.id])

    left: dict[str, int] = {}
    for claim, missing in short:
        for _ in range(missing):
            matching = experts_for[claim.id]
            experts = [r for r in eligible(claim) if r.id in matching and open_load[r.id] < share + cfg.expertise_weight] if matching else []
            if not experts:
                left[claim.id] = left.get(claim.id, 0) + 1
                continue
            give(claim, _pick(claim.id, experts, lambda r: (open_load[r.id], total[r.id])))
    for claim, _ in short:
        matching = experts_for[claim.id]
        for _ in range(left.get(claim.id, 0)):
            candidates = eligible(claim)
            if not candidates:
                break  # everyone is busy: the claim waits for a later run to top it up
            give(claim, _pick(claim.id, candidates, by_load(matching)))
    for claim, _ in short:
        entry = entries.get(claim.id)
        text = entry.text if entry and entry.text else claim.text
        entries[claim.id] = AssignmentEntry(text=text, reviewers=dict(sorted(slots[claim.id].items())))
    return Ledger(claims=dict(sorted(entries.items())))


def assignments_from(ledger: Ledger, claims: Sequence[Claim], cfg: ReviewConfig) -> dict[str, list[str]]:
    """Each current claim's configured reviewers, from the ledger, sorted by id."""
    known = {r.id for r in cfg.reviewers}
    return {
        c.id: sorted(r for r in (ledger.claims[c.id].reviewers if c.id in ledger.claims else {}) if r in known)
        for c in claims
    }


def assign_reviewers(
    claims: Sequence[Claim],
    cfg: ReviewConfig,
    ledger: Ledger | None = None,
    rated: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
    now: str = "",
) -> dict[str, list[str]]:
    """Reviewers for each claim (see :func:`plan_assignments`)."""
    return assignments_from(plan_assignments(claims, cfg, ledger, rated, now), claims, cfg)


def load_ledger(out: Path, cfg: ReviewConfig) -> tuple[Ledger, list[Problem]]:
    """The ledger the flow wrote, completed from the verdict files for any claim it lacks.

    A verdict file under ``review/verdicts/<reviewer>/`` means that reviewer was assigned that
    claim (the flow creates one stub per assignment), so a lost or damaged ledger is rebuilt.
    """
    problems: list[Problem] = []
    path = OutputLayout(out).ledger
    ledger = Ledger()
    if path.exists() or path.is_symlink():
        try:
            raw = read_regular(path)
            if raw is None:  # a folder, a pipe (never waited on), a link to nothing
                raise OSError(f"{LEDGER.as_posix()} is not a plain file")
            try:
                ledger = Ledger.model_validate_json(raw)  # parsed in pydantic's core: a third of the time
            except ValueError:
                ledger = Ledger.model_validate(json.loads(raw.decode("utf-8")))  # the same error, with its line
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:  # json and pydantic errors are ValueErrors
            line = exc.lineno if isinstance(exc, json.JSONDecodeError) else None
            what = (f"not valid JSON: {exc.msg}" if isinstance(exc, json.JSONDecodeError) else
                    # Python's own words name a setting of its own ("use sys.set_int_max_str_digits()"): not the desk's to change
                    f"unreadable: it holds a number of more than {sys.get_int_max_str_digits():,} digits"
                    if isinstance(exc, ValueError) and "integer string conversion" in str(exc) else
                    f"not a ledger: {_first_error(exc)}" if isinstance(exc, ValidationError) else
                    f"unreadable: {str(exc).splitlines()[0]}")
            problems.append(Problem(file=LEDGER.as_posix(), line=line,
                                    message=f"{what}; rebuilt from the verdict files (the flow rewrites this file)"))
    entries = dict(ledger.claims)
    known = {r.id for r in cfg.reviewers}
    recovered: dict[str, dict[str, str]] = {}
    texts: dict[str, str] = {}
    root = OutputLayout(out).verdicts
    for person in reviewer_folders(out):
        if person not in known:
            continue
        for name in yaml_files(root / person):
            cid = name[:-5]
            if cid in entries:
                if person not in entries[cid].reviewers:
                    # A configured reviewer's file on a claim given to others: their verdict counts in the
                    # consensus, so they are assigned it too (their stats and `status` then agree with it).
                    entry = entries[cid]
                    entries[cid] = entry.model_copy(update={"reviewers": {**entry.reviewers, person: _written_at(root / person / name)}})
                continue
            # When the file was last written: for a task still open, when its stub was made, so it can fall overdue.
            recovered.setdefault(cid, {})[person] = _written_at(root / person / name)
            if cid not in texts:
                texts[cid] = _claim_text(root / person / name)
    for cid, reviewers in recovered.items():
        entries[cid] = AssignmentEntry(text=texts.get(cid, ""), reviewers=reviewers)
    if recovered and not problems and not (path.exists() or path.is_symlink()):  # deleted, not merely never written
        problems.append(Problem(file=LEDGER.as_posix(), message="missing, though the verdict files name assignments; "
                                "rebuilt from the verdict files (the flow rewrites this file)"))
    return Ledger(claims=dict(sorted(entries.items()))), problems


def _written_at(path: Path) -> str:
    """When a file was last written, as the ledger's times read (UTC, ISO 8601); "" when it cannot be told."""
    try:
        return datetime.fromtimestamp(path.lstat().st_mtime, UTC).isoformat(timespec="seconds")
    except (OSError, ValueError, OverflowError):
        return ""


def _claim_text(path: Path) -> str:
    try:
        data, _ = parse_yaml(read_plain_file(path, InputError), path, InputError)
    except Exception:  # noqa: BLE001 - an unreadable file gives no text; collecting verdicts reports it
        return ""
    value = data.get("claim_text") if isinstance(data, dict) else None
    return scrub(value) if isinstance(value, str) else ""


def ledger_text(ledger: Ledger) -> str:
    """The ledger file's text: JSON, one claim per line."""
    lines = [json.dumps(cid) + ": " + json.dumps(entry.model_dump(mode="json"), ensure_ascii=False) for cid, entry in ledger.claims.items()]
    body = ",\n  ".join(lines)
    about = json.dumps(ledger.about)
    return f'{{\n"about": {about},\n"claims": {{\n  {body}\n}}\n}}\n' if lines else f'{{\n"about": {about},\n"claims": {{}}\n}}\n'



def write_ledger(ledger: Ledger, out: Path) -> bool:
    """Write the ledger atomically when it changed; True if written."""
    path = OutputLayout(out).ledger
    text = ledger_text(ledger)
    if read_regular(path) == text.encode("utf-8"):
        return False
    atomic_write_text(path, text, durable=False)  # the run flushes once after writing its review files
    return True


def _first_error(exc: ValidationError) -> str:
    """What is wrong, and where, in a ledger pydantic refused: "claims.c-1.reviewers: Input should be a valid list"
    (pydantic's first line names only the model: "1 validation error for Ledger")."""
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "the top level"
    more = f" (and {exc.error_count() - 1:,} more)" if exc.error_count() > 1 else ""
    return f"{where}: {error['msg']}{more}"

"""Review files: task files, verdict stubs, reading and checking verdicts, saving a verdict.

Files are the interface between people and the flow, and each file has one writer: the flow
writes ``review/tasks/*.yaml`` and ``review/assignments.json``; a reviewer (by hand, with
``factflow review`` or through the Prefect form) writes ``review/verdicts/<reviewer>/*.yaml``.
The flow creates a verdict stub only when none exists and never rewrites or deletes one.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

from factflow.config import ReviewConfig
from factflow.errors import InputError, VerdictError
from factflow.fileio import (
    MAX_REVIEW_FILE_BYTES,
    atomic_write_chunks,
    atomic_write_text,
    create_exclusive,
    read_plain_file,
    read_regular,
    with_regular,
)
from factflow.layout import TASKS, VERDICTS, OutputLayout
from factflow.models import Claim, Ledger, PlannedClaim, Problem, Task, Verdict, check_link, unexpected_problem
from factflow.text import scrub, shown_name
from factflow.yamlemit import comment
from factflow.yamlio import dump_yaml, load_model, load_model_node, node_line

_QUESTIONS = {
    "statistic": "Is the figure in this claim accurate, and does it come from a reliable source?",
    "quantity": "Are the quantities or comparisons in this claim accurate?",
    "event": "Did this happen as described: who, what, where and when?",
    "quote": "Did the named source say or report this, and is what they said accurate?",
    "causal": "Does the evidence support the cause and effect this claim states?",
    "other": "Is this claim accurate as stated?",
}


def yaml_files(folder: Path | str) -> list[str]:
    """Names of the ``c-*.yaml`` files (a claim's) in ``folder``, sorted; none if it is missing.

    os.scandir rather than Path.glob: a run lists tens of thousands of verdict files several
    times, and pathlib's globbing and sorting cost seconds there.
    """
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if e.name.startswith("c-") and e.name.endswith(".yaml"))
    except OSError:
        return []


def _reviewer_files(folder: str) -> tuple[list[str], list[str]]:
    """A reviewer's folder in one listing: its ``*.yaml`` files, sorted, and those named as YAML but not
    ``.yaml`` (``.yml``, ``.YAML``), sorted; an editor's hidden or backup files (``.c-x.yaml.swp``,
    ``c-x.yaml~``) are among neither."""
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if not e.name.startswith(".")]
    except OSError:
        return [], []
    return (sorted(n for n in names if n.endswith(".yaml")),
            sorted(n for n in names if not n.endswith(".yaml") and n.lower().endswith((".yml", ".yaml"))))


def reviewer_folders(out: Path) -> list[str]:
    """Names of the folders under ``review/verdicts/``, sorted."""
    try:
        with os.scandir(OutputLayout(out).verdicts) as entries:
            return sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
    except OSError:
        return []


def load_known_claim_ids(out: Path) -> frozenset[str]:
    """Claim ids earlier runs used: those with a task file or a verdict file under ``out``."""
    ids = {name[:-5] for name in yaml_files(OutputLayout(out).tasks)}
    for person in reviewer_folders(out):
        ids.update(name[:-5] for name in yaml_files(OutputLayout(out).reviewer_folder(person)))
    return frozenset(ids)


def question_for(claim: Claim) -> str:
    """The question a reviewer answers for this claim, phrased for its type."""
    return _QUESTIONS.get(claim.type, _QUESTIONS["other"])


def iter_tasks(items: Iterable[PlannedClaim]) -> Iterator[Task]:
    """One verification task per planned claim, made as they are asked for."""
    for item in items:
        c = item.claim
        yield Task(
            claim=c.id, text=c.text, question=question_for(c), type=c.type,
            checkworthiness=c.checkworthiness, reasons=c.reasons,
            entities=c.entities, attribution=c.attribution, time=c.time,
            document={"id": c.document, "title": item.title},
            context_before=c.context_before, context_after=c.context_after,
            appearances=c.appearances, assigned_to=item.reviewers, sources=item.sources,
            already_checked=item.already_checked, evidence_passages=item.evidence_passages,
            sources_left_out=item.sources_left_out,
        )


def _task_text(task: Task) -> str:
    header = f"# Verification task for claim {task.claim}. Written by factflow on every run; do not edit.\n"
    return header + dump_yaml(task.model_dump(mode="json"))


def write_tasks(tasks: Iterable[Task], out: Path) -> int:
    """Write each task file atomically (only when its content changed); remove tasks of claims gone.

    Rendering YAML for every task on every run costs seconds at ten thousand claims, so a manifest
    in the cache folder remembers, per file, the hash of the task it holds and the file's size and
    modification time: an unchanged task whose file is untouched is skipped without rendering.
    Returns the number of files written.
    """
    layout = OutputLayout(out)
    folder = layout.tasks
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = layout.tasks_manifest
    try:
        manifest: dict[str, list[Any]] = json.loads(read_regular(manifest_path) or b"{}")
    except (ValueError, RecursionError):
        manifest = {}
    if not isinstance(manifest, dict):
        manifest = {}  # not ours any more: every task is compared with its file instead
    fresh: dict[str, list[Any]] = {}
    written = 0
    for task in tasks:
        path = folder / f"{task.claim}.yaml"
        digest = hashlib.sha256(task.model_dump_json().encode("utf-8")).hexdigest()
        known = manifest.get(path.name)
        try:
            stat = path.stat()
            if known == [digest, stat.st_size, stat.st_mtime_ns]:
                fresh[path.name] = known
                continue
        except OSError:
            pass
        text = _task_text(task)
        try:
            unchanged = read_plain_file(path, InputError, max_bytes=len(text.encode("utf-8"))) == text
        except InputError:
            unchanged = False  # missing, or not a plain file of ours: replaced below
        if not unchanged:
            atomic_write_text(path, text, durable=False)
            written += 1
        stat = path.stat()
        fresh[path.name] = [digest, stat.st_size, stat.st_mtime_ns]
    for stale in folder.glob("c-*.yaml"):
        if stale.name not in fresh:
            stale.unlink(missing_ok=True)
    atomic_write_text(manifest_path, json.dumps(fresh), durable=False)
    return written


def stub_text(claim: Claim, reviewer: str, cfg: ReviewConfig) -> str:
    """The text of a fresh verdict file, with comments that tell the reviewer what to fill in."""
    return _stub(claim, reviewer, cfg)[0]


def _stub(claim: Claim, reviewer: str, cfg: ReviewConfig) -> tuple[str, dict[str, object]]:
    """A fresh verdict file's text, and the data its YAML holds."""
    labels = ", ".join(cfg.labels)
    header = (
        f"# Verdict of {reviewer} on claim {claim.id}; the task is {TASKS.as_posix()}/{claim.id}.yaml\n"
        f"# Claim: {comment(claim.text)}\n"
        f"# rating: one of {labels} (leave null until you decide)\n"
        "# rationale: why, in a sentence or two. evidence: a list of http(s) URLs.\n"
        f"# Or answer in the terminal: factflow review --reviewer {reviewer}\n"
    )
    body: dict[str, object] = {
        "claim": claim.id,
        "claim_text": claim.text,
        "reviewer": reviewer,
        "rating": None,
        "rationale": "",
        "evidence": [],
    }
    return header + dump_yaml(body), body


def write_stubs(items: Iterable[PlannedClaim], cfg: ReviewConfig, out: Path, parsed: ParsedVerdicts | None = None) -> int:
    """Create a verdict stub for every assignment that has no file yet; returns how many were created.

    ``parsed``: told of each stub created, so that collecting the verdicts does not parse back
    the tens of thousands of stubs a first run writes (:meth:`ParsedVerdicts.written`).
    """
    layout = OutputLayout(out)
    created = 0
    existing: dict[str, set[str]] = {}  # each reviewer's files, listed once (create_exclusive still never overwrites)
    for item in items:
        claim = item.claim
        name = f"{claim.id}.yaml"
        for reviewer in item.reviewers:
            if reviewer not in existing:
                existing[reviewer] = set(yaml_files(layout.reviewer_folder(reviewer)))
            if name in existing[reviewer]:
                continue
            path = layout.verdict_file(reviewer, claim.id)
            text, data = _stub(claim, reviewer, cfg)
            if create_exclusive(path, text, durable=False):
                created += 1
                if parsed is not None:
                    parsed.written(path, text, data, cfg)
    return created


@dataclass(frozen=True)
class LoadedVerdict:
    """A valid verdict and the file it came from (relative to the output folder)."""

    verdict: Verdict
    file: str
    #: The claim is not in this run's documents any more; the report keeps the verdict as orphaned.
    orphaned: bool = False
    #: The claim text the verdict was given for, from the file or the assignments ledger.
    claim_text: str | None = None


def _is_url(value: str) -> bool:
    try:
        check_link(value)
    except ValueError:
        return False
    return True


#: The fields of a verdict, in the order the parse cache keeps them (its header names them: a changed model is a new cache).
_VERDICT_FIELDS = tuple(Verdict.model_fields)
_EVIDENCE = _VERDICT_FIELDS.index("evidence")
_SHARED = (_VERDICT_FIELDS.index("reviewer"), _VERDICT_FIELDS.index("rating"))
#: The parse cache's layout, on its first line: then a line per file, ``[key, identity, *fields]``.
VERDICT_CACHE_FORMAT = "factflow-verdicts/2"

#: A remembered verdict: the file's identity (inode, size, modification and change times), then the
#: verdict's fields in :data:`_VERDICT_FIELDS` order (evidence as a tuple). A tuple of strings, not a
#: model: a run remembers every verdict file, tens of thousands, while it plans (2.8 kB a file as parsed
#: JSON and a model each; this, about a quarter of that).
_Entry = tuple[Any, ...]


class ParsedVerdicts:
    """Verdict files already parsed, remembered by file identity, so a rerun does not parse thousands of unchanged files.

    An entry is keyed by the file's inode, size, modification and change times: every write to
    the file (an editor's save, a rename over it) changes its change time, which no tool can set
    back. Only files that parsed into a :class:`Verdict` are remembered, and the checks that depend
    on the run (reviewer, claim, rationale, evidence) run on every read. Kept in the output's cache
    folder, a line per file, read a line at a time; only a run writes it (atomically); an unreadable
    one, or one made for another rating scale, is ignored (a damaged line, that file is parsed again).
    Entries are kept compact (:data:`_Entry`), and a :class:`Verdict` is made only when asked for, never kept here.
    """

    def __init__(self, out: Path, cfg: ReviewConfig) -> None:
        self.path = OutputLayout(out).verdict_cache
        self.scale = list(cfg.labels)
        # Entries are keyed by the file's path within ``out``: the same folder named otherwise
        # ("out", "./out", its absolute path) finds them (the files' paths are ``out / ...``).
        self._prefix = "" if str(out) == "." else str(out).rstrip(os.sep) + os.sep
        self._entries: dict[str, _Entry] = {}
        self._fresh: dict[str, _Entry] = {}
        self._read = with_regular(self.path, self._load) or False  # whether the file holds exactly _entries

    def _load(self, handle: IO[bytes]) -> bool:
        try:
            header = json.loads(handle.readline())
        except (ValueError, RecursionError):
            return False
        if not (isinstance(header, dict) and header.get("format") == VERDICT_CACHE_FORMAT and header.get("labels") == self.scale
                and header.get("fields") == list(_VERDICT_FIELDS)):
            return False
        whole = True
        for line in handle:
            entry = _entry_of(line)
            if entry is None:
                whole = False  # a damaged line: that file is parsed again, and the cache written anew
                continue
            self._entries[entry[0]] = entry[1]
        return whole

    @staticmethod
    def _identity(path: Path | str) -> tuple[int, ...] | None:
        try:
            st = os.lstat(path)  # a link's own identity: a link is never parsed, so never remembered
        except OSError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    def _current(self, path: Path | str) -> _Entry | None:
        """The entry of ``path`` when the file has not changed since it was remembered (kept for the next run)."""
        identity = self._identity(path)
        key = self._key(path)
        entry = self._fresh.get(key) or self._entries.get(key)
        if identity is None or entry is None or entry[0] != identity:
            return None
        self._fresh[key] = entry
        return entry

    def cached(self, path: Path | str) -> Verdict | None:
        """The verdict ``path`` held when it was last parsed, if the file has not changed since."""
        entry = self._current(path)
        if entry is None:
            return None
        # Built without validation: it was validated when stored, and only a run writes this file.
        fields = dict(zip(_VERDICT_FIELDS, entry[1:], strict=True))
        fields["evidence"] = list(fields["evidence"])
        return Verdict.model_construct(**fields)

    def rating(self, path: Path | str, cfg: ReviewConfig) -> str | None:
        """The rating ``path`` holds (None: none, or a file that does not parse), without making a :class:`Verdict`
        of a file remembered unchanged."""
        entry = self._current(path)
        if entry is not None:
            rating: str | None = entry[1 + _VERDICT_FIELDS.index("rating")]
            return rating
        try:
            return self.parse(Path(path), cfg)[0].rating
        except Exception:  # noqa: BLE001 - a broken file counts as not rated; collecting reports it
            return None

    def parse(self, path: Path, cfg: ReviewConfig) -> tuple[Verdict, yaml.Node | None]:
        """Parse ``path`` (the file's identity is taken first: a change while reading means a new parse next time)."""
        identity = self._identity(path)
        verdict, node = parse_verdict(path, read_plain_file(path, VerdictError), cfg)
        if identity is not None:
            self._remember(path, identity, verdict)
        return verdict, node

    def written(self, path: Path, text: str, data: dict[str, Any], cfg: ReviewConfig) -> None:
        """Remember a file this run has just written as ``text``, the YAML of ``data``, without parsing it
        back; only if the file holds exactly that text, read between two equal looks at its identity
        (a reviewer's save meanwhile changes the identity, and the file is parsed as any other)."""
        identity = self._identity(path)
        if identity is None:
            return
        try:
            same = read_plain_file(path, VerdictError, max_bytes=len(text.encode("utf-8"))) == text
        except VerdictError:
            return
        if not same or self._identity(path) != identity:
            return
        # The data as parsing the file would give it: the emitter writes what a YAML reader reads back
        # as the same data, lone surrogates aside, which it writes as U+FFFD and scrub() replaces alike.
        self._remember(path, identity, Verdict.model_validate(scrub(data), context={"labels": cfg.labels}))

    def _remember(self, path: Path | str, identity: tuple[int, ...], verdict: Verdict) -> None:
        data = verdict.model_dump(mode="json")
        data["evidence"] = tuple(data["evidence"])
        self._fresh[self._key(path)] = (identity, *(data[name] for name in _VERDICT_FIELDS))

    def _key(self, path: Path | str) -> str:
        text = str(path)
        return text[len(self._prefix):] if text.startswith(self._prefix) else text

    def save(self) -> None:
        """Keep what this run parsed or found unchanged (files gone are forgotten); not written again when
        that is what the file holds (every verdict file as it was: megabytes at tens of thousands)."""
        if self._read and self._fresh == self._entries:
            return
        atomic_write_chunks(self.path, self._lines(), durable=False)

    def _lines(self) -> Iterator[str]:
        yield json.dumps({"format": VERDICT_CACHE_FORMAT, "labels": self.scale, "fields": list(_VERDICT_FIELDS)}) + "\n"
        for key, entry in self._fresh.items():
            yield json.dumps([key, *entry]) + "\n"


def _entry_of(line: bytes) -> tuple[str, _Entry] | None:
    """A line of the parse cache as (key, entry); None when it is not one this code wrote."""
    try:
        item = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not (isinstance(item, list) and len(item) == 2 + len(_VERDICT_FIELDS) and isinstance(item[0], str)):
        return None
    identity = item[1]
    if not (isinstance(identity, list) and len(identity) == 4 and all(type(n) is int for n in identity)):
        return None
    values = item[2:]
    evidence = values[_EVIDENCE]
    if not (isinstance(evidence, list) and all(isinstance(url, str) for url in evidence)
            and all(v is None or isinstance(v, str) for i, v in enumerate(values) if i != _EVIDENCE)):
        return None
    values[_EVIDENCE] = tuple(evidence)
    for i in _SHARED:  # the same few reviewer ids and labels in every entry: one string each
        values[i] = values[i] if values[i] is None else sys.intern(values[i])
    return item[0], (tuple(identity), *values)


def parse_verdict(path: Path, text: str, cfg: ReviewConfig) -> tuple[Verdict, yaml.Node | None]:
    """A verdict file's text as a Verdict and its YAML nodes (for line numbers); VerdictError saying what is wrong."""
    if not text.strip():  # each field was "required key is missing", with no word of the file being empty
        raise VerdictError(path, "the file is empty; a verdict file holds claim, reviewer, rating, rationale and evidence "
                           "(delete it and the next run writes a fresh one to fill in)", line=1)
    return load_model_node(path, Verdict, VerdictError, context={"labels": cfg.labels}, text=text)


def load_verdict(
    path: Path | str,
    out: Path,
    claim_ids: set[str],
    cfg: ReviewConfig,
    ledger: Ledger | None = None,
    text: str | None = None,
    parsed: ParsedVerdicts | None = None,
) -> LoadedVerdict:
    """Read and check one verdict file (or ``text`` meant for it); raises VerdictError with file, line and what is allowed.

    A verdict for a claim that is not in ``claim_ids`` but that the ledger knows, or whose file
    carries ``claim_text``, is orphaned (kept for the report), not an error. ``parsed`` skips
    parsing a file that has not changed since a run last parsed it.
    """
    if parsed is not None and text is None:
        verdict = parsed.cached(path)
        if verdict is not None:
            try:
                return _checked(verdict, None, path, out, claim_ids, cfg, ledger)
            except VerdictError:
                pass  # parse it again below, for the line numbers of the message
        path = Path(path)
        verdict, node = parsed.parse(path, cfg)
    else:
        path = Path(path)
        if text is None:
            text = read_plain_file(path, VerdictError)
        verdict, node = parse_verdict(path, text, cfg)
    return _checked(verdict, node, path, out, claim_ids, cfg, ledger)


def _checked(
    verdict: Verdict, node: yaml.Node | None, path: Path | str, out: Path, claim_ids: set[str], cfg: ReviewConfig,
    ledger: Ledger | None,
) -> LoadedVerdict:
    """The checks of :func:`load_verdict` that depend on the run: reviewer, folder, claim, rationale, evidence."""
    shown = _shown(path, out)
    known = cfg.people
    # String operations, not pathlib's: a run checks tens of thousands of files.
    where, name = os.path.split(os.fspath(path))
    folder = os.path.basename(where)
    found: list[tuple[int | None, str]] = []  # every broken rule, so one check lists them all
    if verdict.reviewer not in known:
        found.append((node_line(node, ["reviewer"]), f"reviewer: {verdict.reviewer!r} is not a configured reviewer; known: {', '.join(known)}"))
    elif verdict.reviewer != folder:
        found.append((node_line(node, ["reviewer"]), f"reviewer: {verdict.reviewer!r} does not match the folder {shown_name(folder)!r}; "
                      f"a verdict lives in {VERDICTS.as_posix()}/<reviewer>/"))
    ledger_entry = ledger.claims.get(verdict.claim) if ledger else None
    orphaned = verdict.claim not in claim_ids
    if orphaned and ledger_entry is None and not (verdict.claim_text or "").strip():
        found.append((node_line(node, ["claim"]), f"claim: {verdict.claim!r} belongs to no known claim of this run "
                      "(was the sentence edited or its document removed?)"))
    elif os.path.splitext(name)[0] != verdict.claim:
        found.append((node_line(node, ["claim"]), f"claim: {verdict.claim!r} does not match the file name {name!r}; "
                      "name the file <claim-id>.yaml"))
    if verdict.rating is not None and not (verdict.rationale or "").strip():
        found.append((node_line(node, ["rationale"]), f"rationale: a rating ({verdict.rating!r}) needs a rationale; say why in a sentence or two"))
    for i, url in enumerate(verdict.evidence):
        if not isinstance(url, str) or not _is_url(url):
            found.append((node_line(node, ["evidence", i]),
                          f"evidence[{i}]: {url!r} is not an http(s) URL without spaces or control characters; "
                          "list links such as https://example.org/page"))
    if found:
        raise VerdictError.of_many(shown, found)
    claim_text = verdict.claim_text or (ledger_entry.text if ledger_entry else None) or None
    return LoadedVerdict(verdict=verdict, file=shown, orphaned=orphaned, claim_text=claim_text)


def collect_verdicts(
    out: Path, claim_ids: set[str], cfg: ReviewConfig, ledger: Ledger | None = None, parsed: ParsedVerdicts | None = None
) -> tuple[list[LoadedVerdict], list[Problem]]:
    """Every valid verdict under the output folder (orphaned ones flagged), and a problem for each bad file.

    With ``parsed``, unchanged files are not parsed again (the caller saves it).
    """
    verdicts: list[LoadedVerdict] = []
    problems: list[Problem] = []
    root = OutputLayout(out).verdicts
    if not root.is_dir():
        if root.exists() or root.is_symlink():  # 'check' said "0 valid, 0 with problems" of a file here
            problems.append(Problem(file=VERDICTS.as_posix(), message="not a folder; review/verdicts/ holds a folder per reviewer "
                                    "(move the file away and the next run writes the folders again)"))
        return verdicts, problems
    for person in reviewer_folders(out):
        folder = os.path.join(root, person)  # strings, not pathlib's paths: tens of thousands of files
        named, misnamed = _reviewer_files(folder)  # hidden ones left out: an editor's or our own temporary files
        for name in misnamed:  # a verdict saved as .yml would be ignored without a word
            stem = name[: -4 if name.lower().endswith(".yml") else -5]
            problems.append(Problem(file=shown_name(_shown(os.path.join(folder, name), out)), message=(
                f"not read: verdict files are named <claim-id>.yaml; rename it to {shown_name(stem)}.yaml")))
        for name in named:
            try:
                verdicts.append(load_verdict(os.path.join(folder, name), out, claim_ids, cfg, ledger, parsed=parsed))
            except VerdictError as exc:
                problems.extend(Problem(file=_relative(exc.path, out), line=line, message=message) for line, message in exc.details)
            except Exception as exc:  # noqa: BLE001 - one bad verdict file is one problem, whatever went wrong in it
                problems.append(unexpected_problem(shown_name(_shown(os.path.join(folder, name), out)), None, exc))
    return verdicts, problems


def rated_pairs(out: Path, cfg: ReviewConfig, parsed: ParsedVerdicts | None = None) -> set[tuple[str, str]]:
    """(reviewer, claim id) for every verdict file that holds a rating; a broken file counts as not rated.

    For counting open tasks when assigning: the full checks run when verdicts are collected.
    """
    parsed = parsed or ParsedVerdicts(out, cfg)
    pairs: set[tuple[str, str]] = set()
    root = OutputLayout(out).verdicts
    for person in cfg.people:
        folder = os.path.join(root, person)  # strings, not pathlib's paths: tens of thousands of files
        for name in yaml_files(folder):
            if parsed.rating(os.path.join(folder, name), cfg) is not None:
                pairs.add((person, name[:-5]))  # the claim id: yaml_files lists "<id>.yaml" only
    return pairs


def _shown(path: Path | str, out: Path) -> str:
    """``path`` as messages and the report show it: relative to ``out`` when inside it (string
    operations: pathlib's relative_to costs seconds over tens of thousands of files)."""
    text, root = str(path), str(out).rstrip(os.sep) + os.sep
    return text[len(root):].replace(os.sep, "/") if text.startswith(root) else text


def _relative(path: str, out: Path) -> str:
    p = Path(path)
    return p.relative_to(out).as_posix() if p.is_absolute() and p.is_relative_to(out) else path


def verdict_path(out: Path, reviewer: str, claim: str) -> Path:
    """Where a reviewer's verdict on a claim lives."""
    return OutputLayout(out).verdict_file(reviewer, claim)


def verdict_text(verdict: Verdict, cfg: ReviewConfig, via: str) -> str:
    """The text of a verdict file written for a reviewer (by ``factflow review`` or the Prefect form)."""
    labels = ", ".join(cfg.labels)
    header = (
        f"# Verdict of {verdict.reviewer} on claim {verdict.claim}; saved with {via}. You may edit it by hand.\n"
        f"# rating: one of {labels} (null while undecided)\n"
    )
    body = {
        "claim": verdict.claim,
        "claim_text": verdict.claim_text,
        "reviewer": verdict.reviewer,
        "rating": verdict.rating,
        "rationale": verdict.rationale,
        "evidence": list(verdict.evidence),
    }
    return header + dump_yaml(body)


def save_verdict(out: Path, verdict: Verdict, cfg: ReviewConfig, claim_ids: set[str], via: str) -> LoadedVerdict:
    """Check a verdict exactly as the flow will read it, then write its file atomically.

    Raises VerdictError (nothing written) when the verdict breaks a rule.
    """
    path = verdict_path(out, verdict.reviewer, verdict.claim)
    text = verdict_text(verdict, cfg, via)
    size = len(text.encode("utf-8"))
    if size > MAX_REVIEW_FILE_BYTES:  # a run would refuse the file it reads back: the verdict would be lost
        raise VerdictError(path, f"this verdict would be a {size:,}-byte file, over the limit of {MAX_REVIEW_FILE_BYTES:,} "
                           "bytes of a verdict file; shorten the rationale or give fewer, shorter evidence links")
    loaded = load_verdict(path, out, claim_ids, cfg, text=text)
    # Not ".tmp": a run clears stale ".tmp" files of killed runs in the verdict folders, and would
    # delete this one mid-save (found by tests/test_review_concurrency.py).
    atomic_write_text(path, text, suffix=".saving")
    return loaded


#: The largest task file read: a task holds one claim, its context and links, far below this.
MAX_TASK_FILE_BYTES = 10_000_000


def read_task(path: Path) -> Task:
    """One task file the flow wrote; InputError naming it when it is anything else. Read as the review
    folder's files are (see :func:`factflow.fileio.read_plain_file`): a plain file only, never a link
    followed or a pipe opened (it would wait for a writer), and no larger than ``MAX_TASK_FILE_BYTES``."""
    return load_model(path, Task, InputError, text=read_plain_file(path, InputError, max_bytes=MAX_TASK_FILE_BYTES))


def load_tasks(out: Path) -> list[Task]:
    """The task files the last run wrote, in document then sentence order (unreadable ones skipped: the flow rewrites them)."""
    tasks: list[Task] = []
    for path in sorted(OutputLayout(out).tasks.glob("c-*.yaml")):
        try:
            tasks.append(read_task(path))
        except InputError:
            continue

    def position(task: Task) -> tuple[str, int, str]:
        doc = task.document.get("id", "")
        index = next((a.sentence_index for a in task.appearances if a.document == doc), 0)
        return doc, index, task.claim

    return sorted(tasks, key=position)

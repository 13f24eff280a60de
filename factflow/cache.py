"""The extraction cache: a document's scored sentences, kept on disk by content so reruns skip them.

One SQLite database, ``<out>/.factflow-cache/extract.sqlite``, with a row per (document content,
claims settings, scorer version). A rerun on unchanged documents reads them instead of splitting
and scoring again; a changed document misses and is processed alone. Entries expire after
``cache.max_age_days`` (and are deleted then); ``factflow run --refresh`` ignores them (and
overwrites them). The run's own process is the only writer: worker processes and Dask workers only
extract, and the run stores each batch's extractions, in one transaction, as the batch comes back.
One database rather than a file per document: at 100,000 documents, files cost 80 us each to
write atomically and as many directory entries; a transaction of a batch's rows costs a fraction
of that, and SQLite (in the standard library, and behind the HTTP cache already) makes each write
atomic. It is a cache: a database that cannot be read is deleted and built again.

This is the project's own cache rather than a Prefect cache policy so that the plain pipeline and
every task runner share it, and a batch task can hit per document.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from factflow import __version__
from factflow.config import ClaimsConfig, Config
from factflow.errors import WriteError
from factflow.fileio import atomic_write_chunks, read_lines, with_regular
from factflow.layout import OutputLayout
from factflow.models import Claim, Document, DocumentClaims, Problem, Source, SourceLeftOut
from factflow.text import shown_name

log = logging.getLogger("factflow")


#: Files outside the claims and sources packages that decide what they produce: the data models (a package),
#: names.py and its list of common words (the capitalised names that anatomy, signals, key terms and
#: searches start from).
_SHARED = ("models", "names.py", "common-words.txt.gz")


@lru_cache(maxsize=4)
def _code_version(*packages: str) -> str:
    """What changes a cached output besides its input and config: the package version and every
    file of these subpackages (for extraction, the claims package: the detectors' model files,
    fitted scorer constants, the gazetteer, signals, splitter), and the modules every one of them
    reads: the data models and the name finder (:data:`_SHARED`)."""
    digest = hashlib.sha256()
    root = resources.files("factflow")
    for module in _SHARED:
        item = root.joinpath(module)
        for name, file in _files(item, f"{module}/") if item.is_dir() else [(module, item)]:
            if name.endswith((".py", ".txt.gz")):
                digest.update(name.encode("utf-8") + b"\x00" + file.read_bytes() + b"\x00")
    for package in packages:
        for name, item in _files(root.joinpath(package)):
            if name.endswith((".py", ".npz", ".onnx", ".json", ".gz")):
                digest.update(name.encode("utf-8") + b"\x00" + item.read_bytes() + b"\x00")
    return f"{__version__}:{digest.hexdigest()[:16]}"


def _files(folder: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    """Every file under a package folder, subfolders included (the detectors' model files), by relative name."""
    found: list[tuple[str, Traversable]] = []
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if item.is_file():
            found.append((prefix + item.name, item))
        elif item.is_dir() and item.name != "__pycache__":
            found.extend(_files(item, f"{prefix}{item.name}/"))
    return found


#: The line a corpus row starts on, at the end of its document's path ("corpus.csv:1234").
_ROW_LINE = re.compile(r":\d+$")


def in_seeds(seeds: Path | None) -> Callable[[str], str]:
    """A document's path as the seeds folder names it ("corpus.csv:12", "2026/a.txt"), not as this run
    was given the folder: a rerun from another working folder, or with the folder named by its
    absolute path, is the same corpus. A path outside the folder (a fetched URL) stays as it is."""
    if seeds is None or str(seeds) == ".":
        return lambda path: path
    prefix = shown_name(os.path.join(str(seeds), ""))
    return lambda path: path[len(prefix):] if path.startswith(prefix) else path


def cache_keys(documents: Iterable[Document], cfg: ClaimsConfig, seeds: Path | None = None) -> list[str]:
    """The key of each document's extraction: its id, file (within ``seeds``: :func:`in_seeds`), text and
    date, the claims settings, the code (the settings and the code hashed once, then each document on
    top of that). Not the line a corpus row starts on: a row edited to hold one more line moves every
    row below it, and they are unchanged (:func:`relocated` gives a cached extraction the row's line
    of this run, and the seeds folder's name as this run was given it)."""
    settings = hashlib.sha256("\x00".join([_code_version("claims"), cfg.model_dump_json(), ""]).encode("utf-8"))
    within = in_seeds(seeds)
    keys = []
    for document in documents:
        digest = settings.copy()
        digest.update(json.dumps([document.id, _ROW_LINE.sub("", within(document.path)), document.text, document.body_start,
                                  document.published, document.lines_from], ensure_ascii=False).encode("utf-8", "surrogatepass"))
        keys.append(digest.hexdigest())
    return keys


def relocated(extraction: DocumentClaims, document: Document) -> DocumentClaims:
    """A cached extraction whose problems name the document where it is in this run (its corpus row may
    have moved: see :func:`cache_keys`)."""
    if all(problem.file == document.path for problem in extraction.problems):
        return extraction
    return extraction.model_copy(update={"problems": [p.model_copy(update={"file": document.path}) for p in extraction.problems]})


#: SQLite's names for a database that is not one, or is damaged: deleted and built again.
_DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
_SCHEMA = "CREATE TABLE IF NOT EXISTS extraction (key TEXT PRIMARY KEY, saved REAL NOT NULL, value BLOB NOT NULL) WITHOUT ROWID"
#: The last scores of each (long enough) document's sentences, by document id: see :func:`scores_version`.
_SCORES_SCHEMA = ("CREATE TABLE IF NOT EXISTS scores (document TEXT PRIMARY KEY, saved REAL NOT NULL, version TEXT NOT NULL, "
                  "value BLOB NOT NULL) WITHOUT ROWID")
#: Keys asked for in one query (SQLite allows 32,766 parameters since 3.32; older builds 999).
_CHUNK = 900
#: How long an extraction a rerun counts on without reading it must stay before it expires (the run's
#: first write deletes expired ones): longer than a run takes.
_STAYS_FRESH_S = 3600.0


def scores_version(cfg: ClaimsConfig) -> str:
    """What a sentence's score depends on besides the sentence: the code and model files of the claims
    package, the detector and the threshold (a sentence that cannot be checked is held below it).

    A changed document's extraction is redone whole, but the scores its sentences had (kept by
    document id, tagged with this) go with it to the extraction, where only sentences without one
    run through the detector: a story updated with one figure changed costs one sentence's scoring.
    A score is looked up by its sentence's text, so a kept score can only ever serve the very
    sentence it was made for."""
    return hashlib.sha256(json.dumps([_code_version("claims"), cfg.detector, cfg.threshold]).encode("utf-8")).hexdigest()[:32]


@dataclass
class ExtractionCache:
    """Reads and writes the cached extractions of one output folder (see the module's docstring), and
    the last scores of each document's sentences (with ``scores``, their :func:`scores_version`)."""

    path: Path
    max_age_seconds: float
    refresh: bool = False
    scores: str = ""
    _pruned: bool = field(default=False, repr=False)

    @classmethod
    def for_output(cls, out: Path, max_age_days: float, refresh: bool = False, scores: str = "") -> ExtractionCache:
        """The cache that belongs to an output folder."""
        return cls(path=OutputLayout(out).extractions, max_age_seconds=max_age_days * 86400, refresh=refresh, scores=scores)

    @contextlib.contextmanager
    def _database(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A cache: no fsync (synchronous=OFF); a database a crash left unreadable is deleted and built again.
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute(_SCHEMA)
            connection.execute(_SCORES_SCHEMA)
            yield connection
        finally:
            connection.close()

    @staticmethod
    def _damaged(exc: sqlite3.Error) -> bool:
        return str(getattr(exc, "sqlite_errorname", "")).startswith(_DAMAGED)

    def _reset(self, exc: sqlite3.Error) -> None:
        """Delete a damaged database: it is built again."""
        log.warning("the extraction cache %s could not be read (%s); it is built again", self.path, exc)
        for stale in (self.path, self.path.with_name(self.path.name + "-journal")):
            stale.unlink(missing_ok=True)

    def _refused(self, exc: sqlite3.Error) -> WriteError:
        """SQLite reports the system refusing a write (disk full, quota, file size limit) as an I/O error
        without the system's reason; a probe written beside the database finds it."""
        probe = self.path.with_name(f".{self.path.name}.probe.tmp")
        try:
            with probe.open("wb") as handle:
                handle.write(bytes(65_536))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as found:
            return WriteError(self.path, found)
        finally:
            with contextlib.suppress(OSError):
                probe.unlink(missing_ok=True)
        return WriteError(self.path, OSError(errno.EIO, f"{exc} ({getattr(exc, 'sqlite_errorname', 'SQLite')})"))

    def _fresh_rows(self, query: str, keys: Sequence[str], *params: object, margin: float = 0.0) -> Iterator[Any]:
        """The rows of ``query`` (``... WHERE saved >= ? [AND ...] AND <key> IN``, its other ``?`` given by
        ``params``) for ``keys``, not older than the cache's age limit (less ``margin`` seconds), asked
        :data:`_CHUNK` keys at a time."""
        oldest = time.time() - self.max_age_seconds + margin
        with self._database() as db:
            for i in range(0, len(keys), _CHUNK):
                chunk = keys[i:i + _CHUNK]
                yield from db.execute(f"{query} ({','.join('?' * len(chunk))})", (oldest, *params, *chunk))

    def present(self, keys: Sequence[str]) -> set[str]:
        """The keys among these whose extraction is there and stays fresh through this run (it expires no
        sooner than :data:`_STAYS_FRESH_S` from now, or half the age limit when that is shorter), without
        reading the extractions (none when refreshing or reading fails)."""
        if self.refresh or not keys or not self.path.is_file():
            return set()
        margin = min(_STAYS_FRESH_S, self.max_age_seconds / 2)
        try:
            return {key for key, in self._fresh_rows("SELECT key FROM extraction WHERE saved >= ? AND key IN", keys, margin=margin)}
        except sqlite3.Error:
            return set()  # get_many() tells, and resets a damaged database

    def get_many(self, keys: Sequence[str]) -> dict[str, DocumentClaims]:
        """The cached extractions of these keys that are there, fresh and readable (none when refreshing)."""
        if self.refresh or not keys or not self.path.is_file():
            return {}
        found: dict[str, DocumentClaims] = {}
        try:
            for key, value in self._fresh_rows("SELECT key, value FROM extraction WHERE saved >= ? AND key IN", keys):
                with contextlib.suppress(ValidationError, ValueError, zlib.error, TypeError):
                    found[key] = DocumentClaims.model_validate_json(zlib.decompress(value))
        except sqlite3.Error as exc:
            if self._damaged(exc):
                self._reset(exc)
            else:  # locked by another program, or not ours to read: every document is extracted, and writing tells
                log.warning("the extraction cache %s could not be read (%s); every document is extracted", self.path, exc)
            return {}
        return found

    def get_scores(self, documents: Sequence[str]) -> dict[str, dict[str, float]]:
        """The last scores of these documents' sentences, by document id, where kept, fresh and made
        by this version (:func:`scores_version`); none when refreshing or reading fails (it is a cache)."""
        if self.refresh or not self.scores or not documents or not self.path.is_file():
            return {}
        found: dict[str, dict[str, float]] = {}
        try:
            query = "SELECT document, value FROM scores WHERE saved >= ? AND version = ? AND document IN"
            for document, value in self._fresh_rows(query, documents, self.scores):
                with contextlib.suppress(ValueError, zlib.error, TypeError, RecursionError):
                    scores = json.loads(zlib.decompress(value))
                    if isinstance(scores, dict):
                        found[document] = scores  # each score is checked where it is used
        except sqlite3.Error as exc:
            if self._damaged(exc):
                self._reset(exc)
            return {}
        return found

    def put_many(self, entries: Iterable[tuple[str, DocumentClaims]]) -> None:
        """Store extractions by key (and, with ``scores``, each one's sentence scores by document id), in
        one transaction; the first write also deletes expired entries."""
        rows, scored = [], []
        now = time.time()
        for key, value in entries:
            rows.append((key, now, zlib.compress(value.model_dump_json().encode("utf-8"), 1)))
            if self.scores and value.scores:
                scored.append((value.document, now, self.scores, zlib.compress(json.dumps(value.scores).encode("ascii"), 1)))
        if not rows:
            return
        for attempt in (1, 2):
            try:
                with self._database() as db:
                    db.execute("BEGIN IMMEDIATE")
                    if not self._pruned:
                        db.execute("DELETE FROM extraction WHERE saved < ?", (time.time() - self.max_age_seconds,))
                        db.execute("DELETE FROM scores WHERE saved < ?", (time.time() - self.max_age_seconds,))
                    db.executemany("INSERT OR REPLACE INTO extraction VALUES (?, ?, ?)", rows)
                    db.executemany("INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?)", scored)
                    db.execute("COMMIT")
                self._pruned = True
                return
            except sqlite3.Error as exc:
                if attempt == 2 or not self._damaged(exc):
                    raise self._refused(exc) from exc
                self._reset(exc)


#: What a saved merge keeps of a document's extraction: all the report needs once claims are merged
#: (document id, sentences scored, problems), and all the next run's merge needs of it when it has not
#: changed (its extraction's cache key, and its claim sentences as (index, text, claim id): see
#: :class:`factflow.claims.Unchanged`). A row rather than a model: 100,000 documents' models took a
#: second to read back.
Counted = tuple[str, int, list[Problem], str, list[tuple[int, str, str]]]


def counted(extraction: DocumentClaims, key: str) -> Counted:
    """The saved merge's row of a document's extraction, stored under ``key`` in the extraction cache."""
    from factflow.claims import sentence_claim_id  # (the claims package imports this module)

    return (extraction.document, extraction.scored(), extraction.problems, key,
            [(s.index, s.text, sentence_claim_id(s)) for s in extraction.claims()])


@dataclass
class Merged:
    """A run's merged claims, their linked sources, and each document's extraction counts and problems."""

    claims: list[Claim]
    sources: dict[str, list[Source]]
    counted: list[Counted]
    #: Per claim id, the catalog entries that suit the claim but give it no link (only claims that have some).
    left_out: dict[str, list[SourceLeftOut]] = field(default_factory=dict)


@dataclass
class LastMerge:
    """The last run's merge, when documents changed since: its claims and each document's row
    (:data:`Counted`), by document id. A rerun merges the documents that did not change from these,
    not from their extractions (:class:`factflow.claims.Unchanged`)."""

    claims: list[Claim]
    counted: dict[str, Counted]


@dataclass
class Linked:
    """The last run's linked sources, by claim id, each with the fingerprint of what it was linked from
    (:func:`link_fingerprint`): a claim that changed in no way that linking reads keeps its sources
    when other documents changed, instead of being linked again."""

    by_claim: dict[str, tuple[str, list[Source], list[SourceLeftOut]]] = field(default_factory=dict)

    def get(self, claim_id: str, fingerprint: str) -> tuple[list[Source], list[SourceLeftOut]] | None:
        """The claim's sources and left-out entries from the last run, if linked from exactly this."""
        found = self.by_claim.get(claim_id)
        return (found[1], found[2]) if found is not None and found[0] == fingerprint else None


def linking_key(cfg: Config) -> str:
    """What linking reads besides a claim and its document: the sources settings, the code, and the
    day when an archive's reach depends on it."""
    digest = hashlib.sha256(_code_version("sources").encode("utf-8") + cfg.sources.model_dump_json().encode("utf-8"))
    if any(t.covers_days for t in cfg.sources.catalog):  # which archive covers a claim's date moves with the day
        digest.update(date.today().isoformat().encode("ascii"))
    return digest.hexdigest()


def link_fingerprint(linking: str, claim: Claim, url: str | None, published: str | None) -> str:
    """What a claim's sources are linked from: the settings (:func:`linking_key`), the whole claim, and its
    document's URL and date."""
    return hashlib.sha256("\x00".join([linking, claim.model_dump_json(), url or "", published or ""]).encode("utf-8")).hexdigest()


class _MergedFile(BaseModel):
    """The saved merge: what decides whether it serves, its claims, their sources and each document's row."""

    model_config = ConfigDict(extra="ignore")

    key: str
    #: Ids a near-duplicate group's id could be chosen from, and those of them in use after the run that saved it.
    contested: list[str]
    known: list[str]
    #: What merging read besides the documents (:func:`merging_key`): a rerun with the same merges the
    #: documents that did not change from the saved rows.
    merging: str = ""
    claims: list[Claim]
    sources: dict[str, list[Source]]
    counted: list[Counted]
    left_out: dict[str, list[SourceLeftOut]] = {}
    #: Per claim id, the :func:`link_fingerprint` its sources were linked from.
    linked_from: dict[str, str] = {}


#: A document's metadata as JSON, in the key of the run's merged claims.
_DOCUMENT = TypeAdapter(Document)


def claims_key(documents: Sequence[Document], cfg: Config, keys: Sequence[str] | None = None, seeds: Path | None = None) -> str:
    """The key of a run's merged claims and their linked sources: every input they derive from
    (besides the claim ids earlier runs used, checked apart: see :func:`load_merged`), each document's
    path within ``seeds`` (:func:`in_seeds`: the problems a reused merge kept are given this run's path
    when the documents are read back). ``keys``: the documents' :func:`cache_keys`, when made already."""
    digest = hashlib.sha256(_code_version("claims").encode("utf-8"))
    for part in (cfg.claims.model_dump_json(), linking_key(cfg)):
        digest.update(part.encode("utf-8") + b"\x00")
    keys = cache_keys(documents, cfg.claims, seeds) if keys is None else keys
    within = in_seeds(seeds)
    for i in sorted(range(len(documents)), key=lambda i: documents[i].id):  # its text, and the title, URL and date that fill source links
        digest.update(keys[i].encode("utf-8"))
        digest.update(within(documents[i].path).encode("utf-8", "surrogatepass") + b"\x00")
        digest.update(_DOCUMENT.dump_json(documents[i], exclude={"text", "path"}) + b"\x00")
    return digest.hexdigest()


def merging_key(cfg: Config) -> str:
    """What merging claims reads besides the documents' extractions: the claims code and settings, and
    how many key terms a claim keeps."""
    return hashlib.sha256("\x00".join([_code_version("claims"), cfg.claims.model_dump_json(), str(cfg.sources.max_terms)])
                          .encode("utf-8")).hexdigest()


def _contested(claims: Iterable[Claim]) -> set[str]:
    """Ids that could name a near-duplicate group: only there do the ids earlier runs used change the merge."""
    from factflow.claims import claim_id  # (the claims package imports this module)

    ids: set[str] = set()
    for claim in claims:
        texts = [a.text for a in claim.appearances if a.text]
        if texts:
            ids.update([claim.id, claim_id(claim.text), *(claim_id(t) for t in texts)])
    return ids


def load_merged(out: Path, key: str, known_ids: frozenset[str], max_age_days: float,
                merging: str = "") -> tuple[Merged | None, Linked, LastMerge | None]:
    """What the last run of ``out`` merged, if made from the same inputs and the same ids in use
    among those a near-duplicate group could take, and not older than ``max_age_days``. When it was
    not: what it linked (by claim, with what each was linked from), for the claims that did not
    change; and, when it merged with the same settings (``merging``: :func:`merging_key`), its claims
    and rows, for merging the documents that did not change without reading their extractions."""
    path = OutputLayout(out).claims_cache
    try:
        if time.time() - path.stat().st_mtime > max_age_days * 86400:
            return None, Linked(), None
        # A pipe or a folder in its place is no saved merge (and is never waited on); nor is a file not whole.
        saved = with_regular(path, _read_merged)
        if saved is None:
            return None, Linked(), None
    except OSError:
        return None, Linked(), None
    if saved.key == key and sorted(known_ids.intersection(saved.contested)) == saved.known:
        return Merged(saved.claims, saved.sources, saved.counted, saved.left_out), Linked(), None
    linked = Linked({cid: (fingerprint, saved.sources.get(cid, []), saved.left_out.get(cid, []))
                     for cid, fingerprint in saved.linked_from.items()})
    last = LastMerge(saved.claims, {row[0]: row for row in saved.counted}) if merging and saved.merging == merging else None
    return None, linked, last


def save_merged(
    out: Path, key: str, known_ids: frozenset[str], claims: list[Claim], sources: dict[str, list[Source]],
    rows: Iterable[Counted], left_out: dict[str, list[SourceLeftOut]] | None = None,
    linked_from: dict[str, str] | None = None, merging: str = "",
) -> None:
    """Keep this run's merged claims, sources (with what each claim's were linked from) and each
    document's row (:data:`Counted`) for the next run (one entry: the latest)."""
    contested = _contested(claims)
    # The run about to write a task file for every claim: by the next run their ids are in use too.
    head = {"key": key, "contested": sorted(contested), "known": sorted((known_ids | {c.id for c in claims}) & contested),
            "merging": merging}
    source_list = TypeAdapter(list[Source])

    rows = list(rows)

    def chunks() -> Iterator[str]:  # a line at a time: the whole file is a hundred MB at tens of thousands of claims
        yield json.dumps({"format": _MERGE_FORMAT, **head, "claims": len(claims), "sources": len(sources), "counted": len(rows)}) + "\n"
        for claim in claims:
            yield claim.model_dump_json() + "\n"
        for cid, linked in sources.items():
            yield f"[{json.dumps(cid)},{source_list.dump_json(linked).decode('utf-8')}]\n"
        problems = TypeAdapter(list[Problem])
        for document, scored, found, extraction_key, sentences in rows:
            listed = problems.dump_json(found).decode("utf-8") if found else "[]"
            yield f"[{json.dumps(document)},{scored},{listed},{json.dumps(extraction_key)},{json.dumps(sentences)}]\n"
        yield TypeAdapter(dict[str, list[SourceLeftOut]]).dump_json(left_out or {}).decode("utf-8") + "\n"
        yield json.dumps(linked_from or {}) + "\n"

    atomic_write_chunks(OutputLayout(out).claims_cache, chunks(), durable=False)


#: The saved merge's layout, named in its first line: a line of what decides whether it serves and how
#: many claims, sources and rows follow; a line each of those; then the sources left out and what each
#: claim's sources were linked from, a line each. Read a line at a time (never held whole, never parsed
#: whole: a hundred MB of JSON parsed at once took half a gigabyte); a file of another layout is no saved merge.
_MERGE_FORMAT = "factflow-merge/2"
_CLAIM = TypeAdapter(Claim)
_SOURCES = TypeAdapter(tuple[str, list[Source]])
_COUNTED = TypeAdapter(Counted)
_LEFT_OUT = TypeAdapter(dict[str, list[SourceLeftOut]])
_LINKED_FROM = TypeAdapter(dict[str, str])


class _MergedHead(BaseModel):
    """The saved merge's first line."""

    format: Literal["factflow-merge/2"]
    key: str
    contested: list[str]
    known: list[str]
    merging: str = ""
    claims: int
    sources: int
    counted: int


def _read_merged(handle: IO[bytes]) -> _MergedFile | None:
    """The saved merge from its file (see :data:`_MERGE_FORMAT`); None when it is not one whole."""
    try:
        head = _MergedHead.model_validate_json(handle.readline())
        claims = read_lines(handle, head.claims, _CLAIM.validate_json)
        sources = read_lines(handle, head.sources, _SOURCES.validate_json)
        rows = read_lines(handle, head.counted, _COUNTED.validate_json)
        if claims is None or sources is None or rows is None:
            return None
        left_out = _LEFT_OUT.validate_json(handle.readline())
        linked_from = _LINKED_FROM.validate_json(handle.readline())
    except (ValidationError, ValueError):
        return None
    if handle.read(1):
        return None  # more than the first line counts
    # Every part validated above, line by line: put together as it is.
    return _MergedFile.model_construct(key=head.key, contested=head.contested, known=head.known, merging=head.merging,
                                       claims=claims, sources=dict(sources), counted=rows, left_out=left_out, linked_from=linked_from)

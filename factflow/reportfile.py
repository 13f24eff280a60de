"""The report's files: the YAML an editor reads, written a piece at a time (copying the pieces the last
report holds unchanged); its JSON twin, which commands read instead of parsing the YAML; and the
snapshot of what the next run compares. What the report says is :mod:`factflow.report`."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import json
import os
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import IO, Any, TypeVar, get_args

from pydantic import BaseModel, TypeAdapter

from factflow import __version__
from factflow.errors import WriteError, refused_writes
from factflow.fileio import atomic_write_chunks, read_lines, with_regular
from factflow.layout import twin_of
from factflow.models import (
    SCHEMA_VERSION,
    Report,
    ReportClaim,
    ReportDocument,
)
from factflow.report import ReportStream, snapshot_entry
from factflow.yamlemit import emit
from factflow.yamlio import dump_yaml

#: A report, or a model of part of one (see :func:`read_twin`).
R = TypeVar("R", bound=BaseModel)


_HEADER = "# factflow verdict report. Written by factflow on every run; do not edit.\n"


def report_chunks(report: Report | ReportStream) -> Iterator[str]:
    """The report as YAML text, in pieces: a document or a claim at a time, so tens of thousands of
    claims are never all in memory as text and as plain data at once."""
    return (piece.text for piece in _pieces(_stream(report)))


def _stream(report: Report | ReportStream) -> ReportStream:
    return report if isinstance(report, ReportStream) else ReportStream.of(report)


@lru_cache(maxsize=1)
def _emitter_version() -> bytes:
    """What a claim's YAML depends on besides its content: our version and the emitter's code."""
    return (__version__ + SCHEMA_VERSION).encode("utf-8") + resources.files("factflow").joinpath("yamlemit.py").read_bytes()


@lru_cache(maxsize=1)
def _keyed() -> Any:
    """A SHA-256 that has read :func:`_emitter_version` (8 kB of code): copied for each key of a claim or a run
    of documents, not read again."""
    return hashlib.sha256(_emitter_version())


def claim_key(claim: ReportClaim, as_json: str | None = None) -> str:
    """A key of everything a claim's YAML shows: equal keys, equal text (``as_json``: the claim's JSON, when made already)."""
    digest = _keyed().copy()
    digest.update((as_json or claim.model_dump_json()).encode("utf-8"))
    return digest.hexdigest()[:32]


@dataclasses.dataclass(slots=True)
class _Piece:
    """A piece of the report's YAML text; for a claim also the claim, its JSON and its key."""

    text: str
    claim: ReportClaim | None = None
    as_json: str = ""
    key: str = ""
    #: For a run of the documents' list (:func:`_documents_json`), its key.
    chunk: str = ""


def _pieces(report: ReportStream, reuse: Callable[[str, str], str | None] | None = None,
            chunks: Sequence[tuple[str, int]] = (), copy: Callable[[str], str | None] | None = None) -> Iterator[_Piece]:
    """The report's text in pieces, a run of documents or a claim at a time; ``reuse(id, key)`` may
    return a claim's text as an earlier run wrote it, instead of emitting it again. ``chunks``: the
    runs of the documents' list (key, how many documents: :func:`_documents_json`), and ``copy(key)``
    a run's text as an earlier report has it."""
    yield _Piece(_HEADER)
    for name in Report.model_fields:
        if name == "documents":
            yield from _document_pieces(report.documents(), chunks, copy)
        elif name == "claims":
            yield from _listed(name, report.claims(), lambda claim: _claim_piece(claim, reuse))
        else:
            value = getattr(report.head, name)
            data = value.model_dump(mode="json") if hasattr(value, "model_dump") else (
                [v.model_dump(mode="json") if hasattr(v, "model_dump") else v for v in value] if isinstance(value, list) else value)
            yield _Piece(dump_yaml({name: data}))


def _document_pieces(documents: Iterator[ReportDocument], chunks: Sequence[tuple[str, int]],
                     copy: Callable[[str], str | None] | None) -> Iterator[_Piece]:
    """The documents' list a run of documents at a time (each run copied, when ``copy`` has its text)."""
    first = next(documents, None)
    if first is None:
        yield _Piece(dump_yaml({"documents": []}))
        return
    yield _Piece("documents:\n")
    entries = itertools.chain([first], documents)
    for key, count in chunks or [("", sys.maxsize)]:
        copied = copy(key) if copy is not None and key else None
        if copied is not None:
            deque(itertools.islice(entries, count), maxlen=0)
            yield _Piece(copied, chunk=key)
        else:
            yield _Piece("".join(emit([d.model_dump(mode="json")]) for d in itertools.islice(entries, count)), chunk=key)


def _listed(name: str, entries: Iterator[Any], piece: Callable[[Any], _Piece]) -> Iterator[_Piece]:
    """A list of the report's, an entry at a time (``name: []`` when it has none)."""
    first = next(entries, None)
    if first is None:
        yield _Piece(dump_yaml({name: []}))
        return
    yield _Piece(f"{name}:\n")
    for entry in itertools.chain([first], entries):
        yield piece(entry)  # an entry of the list above


def _claim_piece(claim: ReportClaim, reuse: Callable[[str, str], str | None] | None) -> _Piece:
    """A claim's YAML (copied from the earlier report when ``reuse`` has it), with its JSON and key."""
    as_json = claim.model_dump_json()
    key = claim_key(claim, as_json)
    text = reuse(claim.id, key) if reuse else None
    return _Piece(text if text is not None else dump_yaml([claim.model_dump(mode="json")]), claim, as_json, key)


def report_text(report: Report | ReportStream) -> str:
    """The report as YAML text."""
    return "".join(report_chunks(report))


@dataclasses.dataclass
class _Copier:
    """Reads unchanged text from the report at a path, by the spans its snapshot recorded ([key of the
    content, byte offset, byte length]): a claim's entry, or a run of the documents' list."""

    old: IO[bytes]
    claims: dict[str, Any]
    documents: dict[str, Any]
    size: int = 0

    def _read(self, span: Any, key: str) -> str | None:
        if not isinstance(span, list) or len(span) != 3 or span[0] != key:
            return None
        offset, length = span[1], span[2]
        # A span out of the file (a snapshot edited or damaged) copies nothing, and asks for no huge buffer.
        if not (isinstance(offset, int) and isinstance(length, int) and offset >= 0 and 0 <= length <= self.size - offset):
            return None
        try:
            return os.pread(self.old.fileno(), length, offset).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def claim(self, claim_id: str, key: str) -> str | None:
        """A claim's YAML as the earlier report has it, if its key is ``key``."""
        return self._read(self.claims.get(claim_id), key)

    def documents_run(self, key: str) -> str | None:
        """A run of the documents' list as the earlier report has it, by its key."""
        text = self._read(self.documents.get(key), key)
        return text if text is not None and text.startswith("- ") else None


def _copier(previous: dict[str, Any] | None, path: Path, stack: contextlib.ExitStack) -> _Copier | None:
    """What can be copied from the report at ``path``, by the spans its snapshot ``previous``
    recorded; None when there is nothing to copy from (a report parsed from its YAML has no spans,
    and its text is never copied)."""
    if not previous or not previous.get("report_sha256"):
        return None
    spans: dict[str, Any] = {str(c.get("id")): c.get("span") for c in previous.get("claims") or [] if isinstance(c, dict) and c.get("span")}
    runs = previous.get("documents_spans")
    documents = {str(span[0]): span for span in runs if isinstance(span, list) and span} if isinstance(runs, list) else {}
    if not spans and not documents:
        return None
    try:
        old = stack.enter_context(path.open("rb"))
        size = os.fstat(old.fileno()).st_size
    except OSError:
        return None
    return _Copier(old, spans, documents, size)


#: A run of the documents' list ends after a document whose id hashes to a multiple of this (so about
#: this many documents a run), or at :data:`_RUN_MAX` documents. A run is copied from the last report
#: when none of its documents changed: at 100,000 documents, one edited document costs its run's
#: entries, not the whole list's. Ends chosen by content, not by count, so that a document added or
#: removed moves no end but its own run's.
_RUN_EVERY = 256
_RUN_MAX = 2048


def _documents_json(stream: ReportStream, into: IO[bytes]) -> list[tuple[str, int]]:
    """Write the documents' JSON (a line each, as the twin lists them) into ``into``; the runs
    of the documents' list (see :data:`_RUN_EVERY`), each as the key of everything its YAML shows
    (equal keys, equal text: the emitter's code and its documents) and how many documents it holds."""
    runs: list[tuple[str, int]] = []
    digest, count = _keyed().copy(), 0
    for document in stream.documents():
        data = document.model_dump_json().encode("utf-8")
        into.write(data + b"\n")
        digest.update(data + b"\x00")
        count += 1
        if count >= _RUN_MAX or int.from_bytes(hashlib.blake2b(document.id.encode("utf-8", "surrogatepass"), digest_size=4).digest()) % _RUN_EVERY == 0:
            runs.append((digest.hexdigest()[:32], count))
            digest, count = _keyed().copy(), 0
    if count:
        runs.append((digest.hexdigest()[:32], count))
    return runs


def write_report(report: Report | ReportStream, path: Path, snapshot: Path | None = None, previous: dict[str, Any] | None = None,
                 remembered: dict[str, list[Any]] | None = None) -> None:
    """Write the report atomically, a claim at a time (and, with ``snapshot``, what the next run's ``changes`` needs of it,
    and ``remembered``: the desk's rated claims the report no longer lists, ``factflow.report.desk_ratings``).

    ``previous``, the snapshot of the report now at ``path`` (from :func:`load_previous_report`,
    which checks it belongs to that file): unchanged claims' text is copied from that file rather
    than emitted again, which is most of a rerun's report writing at ten thousand claims. Each claim
    is made once: its YAML goes to the report, its JSON to an unnamed temporary file that becomes
    the end of the JSON twin once the YAML's digest, the twin's first line, is known.
    """
    with refused_writes(path):  # a full disk under the twin's unnamed temporary files names the report
        _write_report(report, path, snapshot, previous, remembered)


def _write_report(report: Report | ReportStream, path: Path, snapshot: Path | None, previous: dict[str, Any] | None,
                  remembered: dict[str, list[Any]] | None) -> None:
    stream = _stream(report)
    digest = hashlib.sha256()
    entries: list[dict[str, Any]] = []
    documents_spans: list[list[Any]] = []
    with contextlib.ExitStack() as stack:
        copier = _copier(previous, path, stack)
        try:  # the twin's parts, beside the report: a folder that refuses them is a refused write, as the report's own
            path.parent.mkdir(parents=True, exist_ok=True)
            claims_json = stack.enter_context(tempfile.TemporaryFile(dir=path.parent))
            documents_json = stack.enter_context(tempfile.TemporaryFile(dir=path.parent))
        except OSError as exc:
            raise WriteError(path, exc) from exc
        # The documents' JSON first (the twin's, and the keys of the documents' runs): a run whose
        # documents the earlier report listed alike is copied (100,000 entries: seconds of emitting).
        runs = _documents_json(stream, documents_json)

        def hashed() -> Iterator[bytes]:
            offset = 0
            for piece in _pieces(stream, copier.claim if copier else None, runs, copier.documents_run if copier else None):
                data = piece.text.encode("utf-8")
                digest.update(data)
                if piece.claim is not None:
                    claims_json.write((piece.as_json + "\n").encode("utf-8"))
                    entries.append(snapshot_entry(piece.claim, [piece.key, offset, len(data)] if snapshot is not None else None))
                elif piece.chunk:
                    documents_spans.append([piece.chunk, offset, len(data)])
                offset += len(data)
                yield data

        atomic_write_chunks(path, hashed())
        claims_json.seek(0)
        documents_json.seek(0)
        counts = {"documents": sum(count for _, count in runs), "claims": len(entries)}
        atomic_write_chunks(twin_path(path), _twin_chunks(stream, digest.hexdigest(), counts, claims_json, documents_json), durable=False)
    if snapshot is not None:
        atomic_write_chunks(snapshot, _snapshot_chunks(stream.head, digest.hexdigest(), entries, documents_spans, remembered))


def _snapshot_chunks(head: Report, report_sha256: str, entries: Sequence[dict[str, Any]],
                     documents_spans: Sequence[list[Any]] = (), remembered: dict[str, list[Any]] | None = None) -> Iterator[str]:
    """The snapshot's JSON, a claim at a time: the fields of a report that the next run's ``changes``
    compares, tied to the report's text by its hash; and where each run of the documents' list lies in it."""
    start = {"report_sha256": report_sha256, "generated_at": head.generated_at, **({"documents_spans": documents_spans} if documents_spans else {}),
             **({"remembered": remembered} if remembered else {})}
    yield json.dumps(start, ensure_ascii=False)[:-1] + ', "claims": ['
    for i, entry in enumerate(entries):
        yield (", " if i else "") + json.dumps(entry, ensure_ascii=False)
    yield "]}"


def twin_path(path: Path) -> Path:
    """Where a run keeps the report at ``path`` as JSON too (hidden, beside it): read in a second where the
    YAML takes tens of seconds at ten thousand claims. Its first line is the SHA-256 of the YAML it mirrors
    (the layout of the rest: :func:`_twin_chunks`)."""
    return twin_of(path)


#: The twin's layout, named on its second line. The layout before it (the whole report as one JSON object
#: on the second line) is still read, whole, so that a report written before is read fast until the next run;
#: any other is not (the YAML is).
TWIN_FORMAT = "factflow-report-twin/2"
#: The report's lists the twin holds a line per item of, in this order, after the line of its other fields.
_TWIN_LISTS = ("documents", "claims")


def _twin_chunks(report: ReportStream, digest: str, counts: dict[str, int], claims_json: IO[bytes],
                 documents_json: IO[bytes]) -> Iterator[bytes]:
    """The twin's bytes, a line at a time: the YAML's SHA-256; its layout and how many documents and
    claims it lists; the report's other fields as one JSON object; then a line of JSON per document and
    per claim (copied from ``documents_json`` and ``claims_json``, written so before). A reader takes a
    document or claim at a time, and skips the lines of a list it does not read."""
    yield f"{digest}\n".encode()
    yield json.dumps({"format": TWIN_FORMAT, **counts}).encode("utf-8") + b"\n"
    yield report.head.model_dump_json(exclude=set(_TWIN_LISTS)).encode("utf-8") + b"\n"
    for listed in (documents_json, claims_json):
        while block := listed.read(1 << 20):
            yield block


def read_twin(path: Path, digest: str, model: type[R]) -> R | None:
    """The report from its JSON twin, when the twin mirrors the YAML whose bytes hash to ``digest``
    (SHA-256, hex); None otherwise (or when it is not whole). ``model``: :class:`Report`, or a model of
    the part of it the caller reads (:class:`ReportQueue`): the documents or claims it has no field for
    are skipped unparsed. Read a line at a time, so the file is never held whole."""
    return with_regular(twin_path(path), lambda handle: _read_twin(handle, digest, model))


def _read_twin(handle: IO[bytes], digest: str, model: type[R]) -> R | None:
    if handle.readline().strip().decode("ascii", errors="replace") != digest:
        return None
    try:
        second = handle.readline()
        if not second.startswith(b'{"format"'):  # the layout before this one: the whole report as one JSON object
            return None if handle.read(1) else model.model_validate_json(second)
        layout = json.loads(second)
        data = json.loads(handle.readline())
        if not isinstance(layout, dict) or layout.get("format") != TWIN_FORMAT or not isinstance(data, dict):
            return None
        for name in _TWIN_LISTS:
            count, item = layout[name], _twin_item(model, name)
            if not isinstance(count, int):
                return None
            # A list the model has no field for is skipped unparsed.
            listed = read_lines(handle, count, bool if item is None else item.validate_json)
            if listed is None:
                return None
            if item is not None:
                data[name] = listed
        if handle.read(1):
            return None  # more than the layout says: not a twin this code wrote
        return model.model_validate(data)
    except (ValueError, KeyError, RecursionError):
        return None


@cache
def _twin_item(model: type[BaseModel], name: str) -> TypeAdapter[Any] | None:
    """What validates one item of the report's list ``name`` as ``model`` reads it; None when it has no such field."""
    field = model.model_fields.get(name)
    if field is None:
        return None
    (item,) = get_args(field.annotation)  # list[Item]
    return TypeAdapter(item)


def report_schema() -> dict[str, Any]:
    """The JSON Schema of the report, as shipped in the package."""
    text = resources.files("factflow").joinpath("schema/report.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def generated_schema() -> dict[str, Any]:
    """The JSON Schema derived from the Report model (what the shipped file must equal)."""
    schema = Report.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "urn:factflow:schema:report"
    return schema

"""Ingest: turn the files of a seeds folder into documents (title, byline, body)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from factflow.config import IngestConfig
from factflow.errors import InputError
from factflow.models import Document, Problem

_BYLINE_MAX_CHARS = 100
_BYLINE_SEARCH_LINES = 3


def discover(seeds: Path, cfg: IngestConfig) -> list[Path]:
    """Files under ``seeds`` matching the configured patterns, in a stable (sorted) order."""
    if not seeds.is_dir():
        raise InputError(seeds, "seeds folder not found; pass an existing folder with --seeds")
    found: set[Path] = set()
    for pattern in cfg.patterns:
        found.update(p for p in seeds.rglob(pattern) if not any(part.startswith(".") for part in p.relative_to(seeds).parts))
    return sorted(found)


def decode(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode file bytes as UTF-8 (BOM allowed), falling back to Windows-1252; returns text and encoding."""
    if b"\x00" in raw[:8192]:
        raise InputError(path, "binary file (contains NUL bytes); only text documents are read")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def parse_document(doc_id: str, path: str, text: str, cfg: IngestConfig, sha256: str, encoding: str = "utf-8") -> Document:
    """Split raw text into title, byline and body; the title is the first non-empty line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bylines = [re.compile(p, re.IGNORECASE) for p in cfg.byline_patterns]
    title = ""
    byline: str | None = None
    body_start = 0
    seen_after_title = 0
    offset = 0
    for raw_line in text.split("\n"):
        line_end = offset + len(raw_line) + 1
        line = raw_line.strip()
        if line:
            if not title:
                title = line
                body_start = min(line_end, len(text))
            elif byline is None and seen_after_title < _BYLINE_SEARCH_LINES:
                seen_after_title += 1
                if len(line) <= _BYLINE_MAX_CHARS and any(rx.search(line) for rx in bylines):
                    byline = line
                    body_start = min(line_end, len(text))
                    break
            else:
                break
        offset = line_end
    if not title:
        raise InputError(path, "empty document: no text to read")
    return Document(
        id=doc_id, path=path, title=title, byline=byline, text=text,
        body_start=body_start, sha256=sha256, encoding=encoding,
    )


def read_document(path: Path, seeds: Path, cfg: IngestConfig) -> Document:
    """Read one seed file into a document; raises InputError naming the file when it cannot."""
    shown = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror or exc}") from exc
    if not path.is_file():
        raise InputError(shown, "not a regular file; documents must be files")
    if size > cfg.max_file_bytes:
        raise InputError(shown, f"file is {size:,} bytes, over the limit of {cfg.max_file_bytes:,} (ingest.max_file_bytes)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror or exc}") from exc
    text, encoding = decode(raw, Path(shown))
    digest = hashlib.sha256(raw).hexdigest()
    return parse_document(path.stem, shown, text, cfg, digest, encoding)


def load_documents(seeds: Path, cfg: IngestConfig) -> tuple[list[Document], list[Problem]]:
    """Read every document under ``seeds``; bad files become problems and the rest are read."""
    documents: list[Document] = []
    problems: list[Problem] = []
    ids: dict[str, str] = {}
    for path in discover(seeds, cfg):
        try:
            doc = read_document(path, seeds, cfg)
        except InputError as exc:
            problems.append(Problem(file=exc.path, line=exc.line, message=exc.message))
            continue
        if doc.id in ids:
            problems.append(Problem(
                file=doc.path,
                message=f"document id {doc.id!r} is already used by {ids[doc.id]}; rename one of the files (ids are file stems)",
            ))
            continue
        ids[doc.id] = doc.path
        documents.append(doc)
    return documents, problems

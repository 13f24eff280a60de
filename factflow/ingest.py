"""Ingest: turn the files of a seeds folder into documents (title, byline, body, metadata).

``*.txt`` and ``*.md`` files are plain text and may begin with YAML front matter (``title``,
``url``, ``published``, ``outlet``); ``*.html`` pages go through article extraction
(``factflow.web``); the URL list (``urls.txt``) names articles fetched when the run is online.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from factflow.config import IngestConfig
from factflow.errors import InputError
from factflow.models import Document, Problem, check_link, unexpected_problem
from factflow.text import shown_name
from factflow.web import UrlLine, extract_article, read_url_list
from factflow.yamlio import load_model

#: Fetches the URL list's articles: (urls) -> (documents, problems). None when the run is offline.
WebFetcher = Callable[[Sequence[UrlLine]], tuple[list[Document], list[Problem]]]
_HTML_SUFFIXES = (".html", ".htm")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


class FrontMatter(BaseModel):
    """The YAML block a text document may begin with, between two '---' lines."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, description="The headline; the first line of the text otherwise.")
    url: str | None = Field(default=None, description="Where the article was published (http or https).")
    published: str | None = Field(default=None, description="Publication date or date-time, ISO 8601 (2015-09-14).")
    outlet: str | None = Field(default=None, description="The publication.")

    @field_validator("published", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, str):
            # Read as text (the YAML loader makes no dates) and checked here, so 2015-02-30 is a clear message.
            try:
                if len(value.strip()) == 10:
                    return date.fromisoformat(value.strip()).isoformat()
                return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).isoformat()
            except ValueError as exc:
                raise ValueError(f"{value!r} is not an ISO 8601 date such as 2015-09-14 or 2015-09-14T08:00:00Z") from exc
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return None if value is None else check_link(value)

_BYLINE_MAX_CHARS = 100
_BYLINE_SEARCH_LINES = 3


def discover(seeds: Path, cfg: IngestConfig) -> list[Path]:
    """Files under ``seeds`` matching the configured patterns, in a stable (sorted) order.

    A folder whose name matches a pattern (``notes.txt/``) is a folder, not a document: it is
    skipped here and its files are read like any other folder's. Symbolic links to folders are
    not followed (so a link loop cannot make the walk endless); links to files are checked by
    :func:`read_document`.
    """
    if not seeds.is_dir():
        raise InputError(seeds, "seeds folder not found; pass an existing folder with --seeds")
    found: set[Path] = set()
    for pattern in cfg.patterns:
        found.update(
            p for p in seeds.rglob(pattern)
            if not any(part.startswith(".") for part in p.relative_to(seeds).parts) and p.name != cfg.urls_file
            and not (p.is_dir() and not p.is_symlink())
        )
    return sorted(found)


def unreadable_folders(seeds: Path) -> list[Problem]:
    """A problem for each folder under ``seeds`` that cannot be listed (its files would be missed silently)."""
    problems: list[Problem] = []

    def record(exc: OSError) -> None:
        problems.append(Problem(
            file=shown_name(str(exc.filename)), message=f"cannot read folder: {exc.strerror or exc}; the files in it were not read",
        ))

    for _folder, subfolders, _files in os.walk(seeds, onerror=record):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
    return problems


def discover_corpora(seeds: Path, cfg: IngestConfig) -> list[Path]:
    """Corpus files (CSV, JSONL) under ``seeds``, sorted; hidden folders are skipped."""
    found: set[Path] = set()
    for pattern in cfg.corpus.patterns:
        found.update(p for p in seeds.rglob(pattern) if p.is_file() and not any(part.startswith(".") for part in p.relative_to(seeds).parts))
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


def split_front_matter(text: str, path: str) -> tuple[FrontMatter | None, str]:
    """Front matter (validated, errors with file lines) and the text after it; (None, text) when there is none."""
    if not text.startswith("---\n"):
        return None, text
    end = _FRONT_MATTER_END.search(text, 4)
    if end is None:
        raise InputError(path, "front matter opened with '---' is never closed; end it with a line '---'", line=1)
    # A blank first line stands for the opening '---', so YAML line numbers are the file's.
    block = "\n" + text[4:end.start()]
    meta = load_model(Path(path), FrontMatter, InputError, text=block)
    return meta, text[end.end():].lstrip("\n")


def parse_text_document(doc_id: str, path: str, text: str, cfg: IngestConfig, sha256: str, encoding: str = "utf-8") -> Document:
    """A text document, with its front matter (when it has one) as metadata."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, body = split_front_matter(text, path)
    if meta is None:
        return parse_document(doc_id, path, text, cfg, sha256, encoding)
    if meta.title:
        first = next((line.strip() for line in body.split("\n") if line.strip()), "")
        if first != meta.title.strip():
            body = f"{meta.title.strip()}\n\n{body}"
    doc = parse_document(doc_id, path, body, cfg, sha256, encoding)
    return doc.model_copy(update={"url": meta.url, "published": meta.published, "outlet": meta.outlet})


def read_document(path: Path, seeds: Path, cfg: IngestConfig) -> Document:
    """Read one seed file into a document; raises InputError naming the file when it cannot."""
    shown = shown_name(str(path))
    if path.is_symlink():
        _check_link(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror or exc}") from exc
    if path.is_dir():
        raise InputError(shown, "a link to a folder; folders are not documents and links to them are not followed")
    if not path.is_file():
        # Checked before any open(): reading a named pipe or a device would block or never end.
        raise InputError(shown, "not a regular file (a pipe, socket or device); documents must be files")
    if size > cfg.max_file_bytes:
        raise InputError(shown, f"file is {size:,} bytes, over the limit of {cfg.max_file_bytes:,} (ingest.max_file_bytes)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror or exc}") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if path.suffix.lower() in _HTML_SUFFIXES:
        return extract_article(raw, shown_name(path.stem), shown, cfg, digest)
    text, encoding = decode(raw, Path(shown))
    return parse_text_document(shown_name(path.stem), shown, text, cfg, digest, encoding)


def _check_link(path: Path) -> None:
    """A symbolic link must end somewhere: a loop or a broken link is an error that says so."""
    shown = shown_name(str(path))
    try:
        path.resolve(strict=True)
    except RuntimeError as exc:  # Python 3.11 reports a loop this way
        raise InputError(shown, "symbolic link loop; remove the link or point it at a file") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(shown, "symbolic link loop; remove the link or point it at a file") from exc
        raise InputError(shown, f"broken symbolic link ({exc.strerror or exc}); remove it or point it at a file") from exc


def load_documents(seeds: Path, cfg: IngestConfig, web: WebFetcher | None = None) -> tuple[list[Document], list[Problem]]:
    """Read every document under ``seeds`` (and fetch its URL list with ``web``); bad inputs become problems."""
    documents: list[Document] = []
    problems: list[Problem] = unreadable_folders(seeds) if seeds.is_dir() else []
    ids: dict[str, str] = {}
    texts: dict[str, str] = {}
    found: list[Document] = []
    for path in discover(seeds, cfg):
        try:
            found.append(read_document(path, seeds, cfg))
        except InputError as exc:
            problems.append(Problem(file=exc.path, line=exc.line, message=exc.message))
        except Exception as exc:  # noqa: BLE001 - one bad file is one problem, whatever went wrong in it
            problems.append(unexpected_problem(shown_name(str(path)), None, exc))
    # Same text in two files is worth a word (likely a copy by mistake); corpora often repeat rows, so not there.
    from_files = {id(doc) for doc in found}
    for path in discover_corpora(seeds, cfg):
        from factflow.corpus import read_corpus  # corpus.py builds on this module

        try:
            corpus_docs, corpus_problems = read_corpus(path, cfg)
        except Exception as exc:  # noqa: BLE001 - a corpus that cannot be read at all is one problem
            corpus_docs, corpus_problems = [], [unexpected_problem(shown_name(str(path)), None, exc)]
        found.extend(corpus_docs)
        problems.extend(corpus_problems)
    url_list = seeds / cfg.urls_file
    if url_list.is_file():
        urls, url_problems = read_url_list(url_list)
        problems.extend(url_problems)
        if web is None:
            if urls:
                problems.append(Problem(
                    file=str(url_list),
                    message=f"{len(urls)} URL(s) not fetched: the run is offline (run with --online or set sources.online: true)",
                ))
        else:
            fetched, fetch_problems = web(urls)
            found.extend(fetched)
            problems.extend(fetch_problems)
    for doc in found:
        if doc.id in ids:
            problems.append(Problem(
                file=doc.path,
                message=f"document id {doc.id!r} is already used by {ids[doc.id]}; rename one of the files (ids are file stems)",
            ))
            continue
        ids[doc.id] = doc.path
        documents.append(doc)
        if id(doc) not in from_files:
            continue
        digest = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        if digest in texts:
            problems.append(Problem(
                file=doc.path,
                message=f"same text as {texts[digest]}; both are read and each claim they share lists both documents (remove one copy if it is a mistake)",
            ))
        else:
            texts[digest] = doc.path
    return documents, problems

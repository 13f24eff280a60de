"""One text, one document: the parsers every way into ingest shares (files, corpora, the web).

Plain text gives its title (the first non-empty line), byline and body; a text file may begin
with YAML front matter (``title``, ``url``, ``published``, ``outlet``); an HTML page goes through
article extraction (trafilatura: main text, title, publication date, outlet). This module is the
bottom of the ``ingest`` package: ``files``, ``corpus`` and ``web`` build on it, never the reverse.
"""

from __future__ import annotations

import codecs
import dataclasses
import logging
import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from factflow.config import IngestConfig
from factflow.errors import InputError
from factflow.models import Document, check_document_url
from factflow.regexes import ConfigPattern, compile_patterns
from factflow.yamlio import load_model

_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_BYLINE_MAX_CHARS = 100
_BYLINE_SEARCH_LINES = 3


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
        return None if value is None else check_document_url(value)


#: Byte-order marks of the UTF-16 and UTF-32 text editors save ("Unicode" in Windows Notepad), longest first.
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def wide_encoding(head: bytes) -> str | None:
    """``utf-16`` or ``utf-32`` when ``head`` (a file's first bytes) starts with that byte-order mark, else None."""
    return next((name for bom, name in _WIDE_BOMS if head.startswith(bom)), None)


def decode(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode file bytes as UTF-8 (BOM allowed), or UTF-16 or UTF-32 with their byte-order mark, falling back
    to Windows-1252; returns text and encoding."""
    wide = wide_encoding(raw[:4])
    if wide:  # its NUL bytes are text: every ASCII character has one
        try:
            return raw.decode(wide), wide
        except UnicodeDecodeError as exc:
            raise InputError(path, f"starts with a {wide.upper()} byte-order mark but is not {wide.upper()} text "
                             f"(byte {exc.start:,}); save it as UTF-8") from exc
    if b"\x00" in raw[:8192]:
        raise InputError(path, "binary file (contains NUL bytes); only text documents are read")
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raw = raw[3:]  # a byte-order mark before text that is not UTF-8 after all: read as the rest are
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


@lru_cache(maxsize=8)
def _compiled(patterns: tuple[str, ...]) -> tuple[ConfigPattern, ...]:
    """The byline patterns, compiled once (not once a document: 100,000 documents looked them up 400,000 times)."""
    return compile_patterns("ingest.byline_patterns", patterns)


def parse_document(doc_id: str, path: str, text: str, cfg: IngestConfig, sha256: str, encoding: str = "utf-8",
                   url: str | None = None, outlet: str | None = None, published: str | None = None) -> Document:
    """Split raw text into title, byline and body; the title is the first non-empty line. ``url``,
    ``outlet``, ``published``: what a corpus row or front matter says of the document, when known."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bylines = _compiled(tuple(cfg.byline_patterns))
    title = ""
    byline: str | None = None
    body_start = 0
    seen_after_title = 0
    offset = 0
    for number, raw_line in enumerate(text.split("\n"), 1):
        line_end = offset + len(raw_line) + 1
        line = raw_line.strip()
        if line:
            if not title:
                title = line
                body_start = min(line_end, len(text))
            elif byline is None and seen_after_title < _BYLINE_SEARCH_LINES:
                seen_after_title += 1
                where = f"the line at {path}:{number}"
                if len(line) <= _BYLINE_MAX_CHARS and any(rx.search(line, where) for rx in bylines):
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
        body_start=body_start, sha256=sha256, encoding=encoding, url=url, outlet=outlet, published=published,
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
    return dataclasses.replace(doc, url=meta.url, published=meta.published, outlet=meta.outlet)


@lru_cache(maxsize=1)
def _quiet_html_libraries() -> None:
    """Keep what trafilatura and the libraries under it log about a page ("lxml parsing failed: Document is
    empty", "discarding data: None") to themselves: it says again, without the file, what the one problem
    line says, and a run whose root logger prints (Prefect's console handler) showed it as ERROR lines."""
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        library = logging.getLogger(name)
        library.addHandler(logging.NullHandler())  # so Python's last-resort handler does not print it either
        library.propagate = False


#: Attributes one HTML tag may have: the HTML parser (libxml2) and trafilatura take time growing with the
#: square of a tag's distinct attributes, so one tag of 400,000 held a 5 MB page for hours. No page has
#: a tag of more than a few dozen.
MAX_HTML_ATTRIBUTES = 200
_HTML_TAG = re.compile(rb"<[A-Za-z][^<>]{%d,}>" % (MAX_HTML_ATTRIBUTES * 3))  # too short for that many: skipped
# After whitespace, a slash or a quoted value (the parser takes a0="x"a1="x" and a0/a1 as two attributes each).
_HTML_ATTRIBUTE = re.compile(rb"""(?:[\s/]|(?<=["']))[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))?""")


def check_html(html: str | bytes, path: str) -> None:
    """InputError when a tag of the page has more than :data:`MAX_HTML_ATTRIBUTES` attributes (linear in the page)."""
    raw = html.encode("utf-8", errors="replace") if isinstance(html, str) else html
    for tag in _HTML_TAG.finditer(raw):
        count = sum(1 for _ in _HTML_ATTRIBUTE.finditer(tag.group()))
        if count > MAX_HTML_ATTRIBUTES:
            raise InputError(path, f"a tag at byte {tag.start():,} has {count:,} attributes; a page is read when no tag has "
                             f"more than {MAX_HTML_ATTRIBUTES:,} (no article page has), as reading it would take hours")


def extract_article(
    html: str | bytes, doc_id: str, path: str, cfg: IngestConfig, sha256: str, url: str | None = None
) -> Document:
    """A document from an HTML page: main text, title, publication date and outlet, by trafilatura."""
    check_html(html, path)
    import trafilatura  # imported here: it costs a third of a second and only HTML needs it

    _quiet_html_libraries()

    result = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False, include_tables=False)
    extracted: dict[str, Any] = {} if result is None else result if isinstance(result, dict) else result.as_dict()
    if not str(extracted.get("text") or "").strip():
        raise InputError(path, "no article text found in the HTML page")
    title = " ".join(str(extracted.get("title") or "").split())
    body = str(extracted["text"]).strip()
    first = body.split("\n", 1)[0].strip()
    if title and first == title:  # trafilatura keeps the headline as the body's first line
        body = body.split("\n", 1)[1].strip() if "\n" in body else ""
    if not title:
        title, _, body = body.partition("\n")
    text = f"{title}\n\n{body}\n"
    doc = parse_document(doc_id, path, text, cfg, sha256)
    page_url = str(url or extracted.get("url") or "")
    return dataclasses.replace(
        doc,
        url=page_url if page_url.startswith(("http://", "https://")) else None,
        published=extracted.get("date") or None,
        outlet=extracted.get("sitename") or extracted.get("hostname") or None,
    )

"""One text, one document: the parsers every way into ingest shares (files, corpora, the web).

Plain text gives its title (the first non-empty line), byline and body; a text file may begin
with YAML (or Hugo's TOML) front matter (``title``, ``url``, ``published``, ``outlet``, ``author``); an HTML page goes through
article extraction (trafilatura: main text, title, publication date, outlet). This module is the
bottom of the ``ingest`` package: ``files``, ``corpus`` and ``web`` build on it, never the reverse.
"""

from __future__ import annotations

import codecs
import dataclasses
import logging
import re
import tomllib
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from factflow.config import IngestConfig
from factflow.errors import InputError
from factflow.ingest.dates import DATE_FORMS, MAX_YEAR, MIN_YEAR, read_date
from factflow.ingest.nesting import readable_nesting
from factflow.models import Document, Problem, check_document_url
from factflow.regexes import ConfigPattern, compile_patterns
from factflow.text import scrub
from factflow.yamlio import describe_error, node_line, parse_mapping

_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_TOML_END = re.compile(r"^\+\+\+[ \t]*$", re.MULTILINE)
_BYLINE_MAX_CHARS = 100
_BYLINE_SEARCH_LINES = 3


class FrontMatter(BaseModel):
    """The block a text document may begin with: YAML between two '---' lines, or TOML between two '+++' lines."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, description="The headline; the first line of the text otherwise.")
    url: str | None = Field(default=None, description="Where the article was published (http or https).")
    published: str | None = Field(default=None, description="Publication date or date-time, ISO 8601 (2015-09-14).")
    outlet: str | None = Field(default=None, description="The publication.")
    author: str | None = Field(default=None, description="Who wrote it (a list is joined); the document's byline.")

    @field_validator("author", mode="before")
    @classmethod
    def _authors(cls, value: object) -> object:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ", ".join(v.strip() for v in value if v.strip()) or None
        return value

    @field_validator("title", "outlet", "author", mode="before")
    @classmethod
    def _number_as_text(cls, value: object) -> object:
        # 'title: 1984' is a number to YAML and TOML: the title is the text written.
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("published", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        read = cls._read_date(value)
        if isinstance(read, str) and not MIN_YEAR <= int(read[:4]) <= MAX_YEAR:  # '9999-12-31' overflowed date sums later
            raise ValueError(f"the year {int(read[:4])} is no year of publication; a date here falls in {MIN_YEAR}-{MAX_YEAR}")
        return read

    @staticmethod
    def _read_date(value: object) -> object:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, int) and not isinstance(value, bool):  # 20261205 or Unix seconds, a number to YAML and TOML
            value = str(value)
        if isinstance(value, str):
            # Read as text (the YAML loader makes no dates) and checked here, so 2015-02-30 is a clear message.
            if value.strip().isdigit():  # 20261205, Unix seconds: not ISO 8601's basic form to Python
                value = read_date(value) or value
            try:
                if len(value.strip()) == 10:
                    return date.fromisoformat(value.strip()).isoformat()
                try:
                    return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).isoformat()
                except ValueError:
                    if value.strip()[10:11] in (" ", "T"):  # a date and a time ISO 8601 does not spell ("2024-01-06 10:00:00 +0000"): the date
                        return date.fromisoformat(value.strip()[:10]).isoformat()
                    raise
            except ValueError as exc:
                read = read_date(value)  # as feeds write dates: RSS's RFC 2822, "December 5, 2026", ...
                if read is None:
                    raise ValueError(f"{value!r} is not a date this reads; a date reads as {DATE_FORMS}") from exc
                return read
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


#: A byte past ASCII.
NON_ASCII = re.compile(rb"[\x80-\xff]")


def utf8_at(first: bytes, final: bool) -> bool:
    """Whether ``first`` (up to four bytes from a text's first byte past ASCII) starts with a UTF-8 character; one
    cut short by the four bytes is no error unless they are the text's last (``final``), a later character
    that is not UTF-8 does not count."""
    try:
        codecs.utf_8_decode(first, "strict", final)
    except UnicodeDecodeError as exc:
        return exc.start != 0
    return True


def is_binary(raw: bytes) -> bool:
    """Whether bytes are no text: NUL bytes near the start, where UTF-16 and UTF-32 (whose every ASCII character
    has one) have no byte-order mark."""
    return b"\x00" in raw[:8192] and wide_encoding(raw[:4]) is None


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
    if is_binary(raw):
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
    # Read as corpora are (corpus_encoding): a text whose first character past ASCII is UTF-8 is UTF-8 with a stray
    # bad byte later (that byte alone is a replacement character); read as Windows-1252, its every accent and curly
    # quote was two or three wrong letters ('Café' became 'CafÃ©').
    found = NON_ASCII.search(raw)
    if found is not None and utf8_at(raw[found.start():found.start() + 4], final=found.start() + 4 >= len(raw)):
        return raw.decode("utf-8", errors="replace"), "utf-8"
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


@lru_cache(maxsize=8)
def _compiled(patterns: tuple[str, ...]) -> tuple[ConfigPattern, ...]:
    """The byline patterns, compiled once (not once a document: 100,000 documents looked them up 400,000 times)."""
    return compile_patterns("ingest.byline_patterns", patterns)


#: The longest line read as a headline when the text's first line is taken for one (the news sample's
#: 250 headlines: 60 characters at the median, 200 the longest).
HEADLINE_MAX_CHARS = 200
#: A line that ends as a sentence does: a full stop (not an ellipsis's), closing quotes or brackets after it.
_SENTENCE_END = re.compile(r"""(?<![.…])\.["'”’)\]]*$""")
#: Characters of a text's first line kept for its title where that line is not a headline.
_TITLE_CHARS = 100


#: The label a press release opens with, above its headline ("FOR IMMEDIATE RELEASE", "Embargoed until 10:00 ET").
_RELEASE_LINE = re.compile(r"(?i:(?:for immediate release|immediate release|(?:press|news|media) release|for release\b.{0,60}|"
                           r"embargoed\b.{0,60})[.:!]?)")


def is_headline(line: str) -> bool:
    """Whether a text's first line reads as its headline: at most :data:`HEADLINE_MAX_CHARS` characters
    and not ending in a full stop. A first line that is a paragraph, or the lede's sentence, is body
    text: of the news sample's articles, 63 of 250 open with such a line (35 over 200 characters, 28
    a sentence ending in a full stop: "The Senate voted late Thursday to ..."), and 3 of its 250
    headlines end in one."""
    return len(line) <= HEADLINE_MAX_CHARS and not _SENTENCE_END.search(line)


#: Words a headline does not end on, and a sentence that goes on to the next line does.
_RUNS_ON_WORD = re.compile(r"(?i:\b(?:a|an|the|of|to|in|on|at|by|for|from|with|into|and|or|but|that|which|who|as|than|is|are|was|were|"
                           r"has|have|had|will|would|its|their|his|her|our|said)|[,;])$")


def _runs_on(line: str, following: str) -> bool:
    """Whether a first line is the start of a sentence wrapped onto the next line (text hard-wrapped by a mail
    program or pdftotext, without a headline): the next line follows at once and starts in lower case, or the
    line ends where no headline does ("... extended an invitation to"). Taken as the title, its words were lost."""
    following = following.strip()
    if not following or following.startswith(("by ", "via ")):  # a byline in lower case below a headline
        return False
    return following[0].islower() or _RUNS_ON_WORD.search(line) is not None


def clipped_title(line: str) -> str:
    """A title made of a line that is not a headline: its start, cut at a word, with an ellipsis."""
    if len(line) <= _TITLE_CHARS:
        return line
    cut = line[:_TITLE_CHARS].rsplit(None, 1)[0] if " " in line[:_TITLE_CHARS] else line[:_TITLE_CHARS]
    return cut.rstrip(" ,;:-–—") + "…"


#: Characters a CMS leaves in text that no reader sees: soft hyphens ('in\u00adfor\u00admal\u00adly'), zero-width spaces,
#: word joiners and a byte-order mark inside the text. They made one sentence two claims (its id is its text) and broke
#: search terms. Unicode's line and paragraph separators are line breaks (a title was glued to the first sentence).
_INVISIBLE = {**dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff")), ord("\u2028"): "\n", ord("\u2029"): "\n\n"}


def parse_document(doc_id: str, path: str, text: str, cfg: IngestConfig, sha256: str, encoding: str = "utf-8",
                   url: str | None = None, outlet: str | None = None, published: str | None = None,
                   lines_from: int | None = 1, titled: bool = False) -> Document:
    """Split raw text into title, byline and body. ``titled``: the text's first non-empty line is its
    title (put there from a title column, front matter or the page's headline); otherwise that line is
    the title only when it reads as a headline (:func:`is_headline`), and where it does not (a paragraph,
    a lede's sentence: a text saved without its headline, a corpus without titles) the body starts with
    it and the title is its start (:func:`clipped_title`). ``url``, ``outlet``, ``published``: what a
    corpus row or front matter says of the document, when known; ``lines_from``: the file's line the
    text's first line is (None: the text's lines are not the file's)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    bylines = _compiled(tuple(cfg.byline_patterns))
    title = ""
    byline: str | None = None
    body_start = 0
    seen_after_title = 0
    offset = 0
    lines = text.split("\n")
    for number, raw_line in enumerate(lines, 1):
        line_end = offset + len(raw_line) + 1
        line = raw_line.strip()
        if line and not title and not titled and _RELEASE_LINE.fullmatch(line):
            pass  # a press release's label above its headline: neither its title nor a sentence (the title comes next)
        elif line:
            if not title:
                if not titled and (not is_headline(line) or _runs_on(line, lines[number] if number < len(lines) else "")):
                    title = clipped_title(line)
                    break  # the body starts at the text's start: no title line, no byline after one
                title = line
                body_start = min(line_end, len(text))
            elif byline is None and seen_after_title < _BYLINE_SEARCH_LINES:
                seen_after_title += 1
                where = f"the line at {path}:{number + lines_from - 1}" if lines_from is not None else f"a line of {path}"
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
        lines_from=lines_from,
    )


#: Keys static site generators (Jekyll, Hugo, Eleventy, Astro, Pelican) write in front matter that say nothing of
#: the article as a fact-checker reads it: left out without a word. Any other key the model lacks is a problem.
_SITE_KEYS = frozenset({
    "layout", "categories", "category", "tags", "keywords", "draft", "slug", "permalink", "aliases", "description",
    "summary", "excerpt", "image", "images", "cover", "thumbnail", "featured_image", "weight", "toc", "lang",
    "language", "type", "series", "comments", "lastmod", "updated", "modified", "subtitle", "sitemap", "menu",
})
#: Other names of the front matter's keys, as site generators write them.
_KEY_ALIASES = {"date": "published", "authors": "author", "byline": "author", "source": "outlet", "publication": "outlet"}
_TOML_FENCE = "+++"


def split_front_matter(text: str, path: str, problems: list[Problem] | None = None) -> tuple[FrontMatter | None, str]:
    """Front matter and the text after it; (None, text) when there is none.

    YAML between '---' lines, or TOML between '+++' lines (Hugo). ``date`` is read as ``published`` and
    ``author`` (or ``authors``) as the byline; a site generator's own keys (``layout``, ``tags``, ...) are left
    out; Jekyll's ``published: false`` (a draft flag, not a date) too. A key the model does not know, or a value
    it refuses, costs one problem in ``problems`` (file and line) and the document is read without it. Front
    matter that cannot be parsed at all, or is never closed, is an :class:`InputError`."""
    fence = "---" if text.startswith("---\n") else _TOML_FENCE if text.startswith(_TOML_FENCE + "\n") else None
    if fence is None:
        return None, text
    closing = _FRONT_MATTER_END if fence == "---" else _TOML_END
    end = closing.search(text, 4)
    if end is None:
        raise InputError(path, f"front matter opened with '{fence}' is never closed; end it with a line '{fence}'", line=1)
    # A blank first line stands for the opening fence, so line numbers are the file's.
    block = "\n" + text[4:end.start()]
    data, lines = _toml_block(block, path) if fence == _TOML_FENCE else _yaml_block(block, path)
    meta = _lenient_front_matter(data, lines, path, problems if problems is not None else [])
    return meta, text[end.end():].lstrip("\n")


def _yaml_block(block: str, path: str) -> tuple[dict[str, Any], Callable[[str], int | None]]:
    data, node = parse_mapping(block, path, InputError, "front matter: ", line=2)
    if isinstance(node, yaml.MappingNode):  # 'title: 1.10' is the text written, not the number 1.1 ('007', '1e3' too)
        for key_node, value_node in node.value:
            key = key_node.value
            if key in _TEXT_KEYS and isinstance(value_node, yaml.ScalarNode) and isinstance(data.get(key), int | float) \
                    and not isinstance(data.get(key), bool):
                data[key] = value_node.value
    return data, lambda key: node_line(node, [key])


#: Front matter keys whose value is text even when it reads as a number.
_TEXT_KEYS = frozenset({"title", "outlet", "author", "authors", "byline", "source", "publication"})


def _toml_block(block: str, path: str) -> tuple[dict[str, Any], Callable[[str], int | None]]:
    try:
        data = tomllib.loads(block)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise InputError(path, f"front matter is not TOML: {exc}", line=int(found.group(1)) if found else 1) from exc
    except RecursionError as exc:
        raise InputError(path, "front matter is nested too deeply to read; it holds a title, url, published date, outlet and author", line=2) from exc
    # Where each top-level key is written ('key = ...' or a table '[key]'), for a problem's line.
    starts = {m.group(1) or m.group(2): block.count("\n", 0, m.start()) + 1
              for m in re.finditer(r"(?m)^[ \t]*(?:([A-Za-z0-9_-]+)[ \t]*=|\[[ \t]*([A-Za-z0-9_-]+)[ \t]*\])", block)}
    return scrub(data), starts.get


def _lenient_front_matter(
    data: dict[str, Any], line_of: Callable[[str], int | None], path: str, problems: list[Problem],
) -> FrontMatter:
    """The front matter's known keys, validated one by one: a refused value or an unknown key is a problem, not a lost document."""
    known = set(FrontMatter.model_fields)
    fields: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in data.items():
        name = _KEY_ALIASES.get(str(key), str(key))
        if name == "published" and isinstance(value, bool):
            continue  # Jekyll's draft flag
        if name in known:
            if name == str(key) or name not in fields:  # 'published' itself wins over 'date', wherever it stands
                fields[name] = (key, value)
        elif str(key) not in _SITE_KEYS:
            unknown.append(str(key))
    if unknown:
        problems.append(Problem(file=path, line=line_of(unknown[0]), message=(
            f"front matter: unknown key(s) {', '.join(map(repr, unknown))}, left out; the keys read are title, url, "
            "published (or date), outlet and author")))
    kept: dict[str, Any] = {}
    for name, (key, value) in fields.items():
        try:
            FrontMatter.model_validate({name: value})
        except ValidationError as exc:
            problems.append(Problem(file=path, line=line_of(key), message=(
                f"front matter: {describe_error(FrontMatter, exc.errors()[0])}; the document is read without it")))
            continue
        kept[name] = value
    return FrontMatter.model_validate(kept)


#: A corpus field that holds HTML (a CMS export, an RSS description, an API's body), not text: a tag that
#: opens or closes a paragraph, a break, a list item, a heading or a link.
HTML_FRAGMENT = re.compile(r"<(?:/?(?:p|div|li|ul|ol|h[1-6]|blockquote|a|span|strong|em|b|i|figure|figcaption|table|tr|td)\b[^<>]{0,500}|br\s*/?)>",
                           re.IGNORECASE)
#: Elements a reader sees as blocks of their own: each is a paragraph of the text.
_BLOCKS = ("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "figcaption", "table", "tr",
           "section", "article", "header", "footer", "aside", "pre", "dd", "dt", "hr")


_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def fragment_text(html: str) -> str:
    """The text of a piece of HTML (not a page: a body a corpus row holds), a block element a paragraph,
    a break a line, scripts and styles left out; the HTML as it is where lxml cannot read it."""
    from lxml import etree
    from lxml import html as lxml_html

    html = _NOT_IN_XML.sub(" ", html)  # lxml refuses a control character anywhere in the text it holds
    try:
        root = lxml_html.fragment_fromstring(readable_nesting(html), create_parent="div")  # nested too deep, it read as empty
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return html
    for gone in root.xpath("//script|//style|//noscript|//template"):
        gone.drop_tree()
    for element in root.iter("br"):
        element.tail = "\n" + (element.tail or "")
    for element in root.iter(*_BLOCKS):
        element.text = "\n\n" + (element.text or "")
        element.tail = "\n\n" + (element.tail or "")
    text = "\n".join(line.strip() for line in root.text_content().split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


#: The file names read as Markdown.
MARKDOWN_SUFFIXES = (".md", ".markdown")
#: The longest Markdown read as such; a longer text is read as plain text, with a problem saying so. The
#: parser takes about 1.5 s per 100,000 characters of the worst input measured here (a run of "["), and a
#: few milliseconds for an article: 200,000 characters is a 30,000-word report.
MARKDOWN_MAX_CHARS = 200_000


@lru_cache(maxsize=1)
def _markdown() -> Any:
    """CommonMark, with tables (GitHub's) recognised so that they can be left out. Nesting is capped at
    markdown-it's default of 20 levels: a thousand '>' deep is text, not a thousand quotes."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def markdown_text(source: str) -> str:
    """The text a reader of a Markdown document sees, line for line with the source: each paragraph,
    heading, list item or quotation on its first line (its lines are one paragraph in Markdown, soft
    wrapped) with the markup gone: "#", "**", "- ", "> " and a link's URL (its words stay), a block of
    raw HTML as its text, and the lines that hold no prose blank: code, tables, images, rules. Lines stay where they were,
    so a problem's line is the file's. Hand-written over markdown-it's tokens, not its renderer: the
    renderer writes HTML, and what the pipeline wants is the prose, on its lines."""
    source = source.replace("\r\n", "\n").replace("\r", "\n")  # markdown-it's own line ends: its lines are these
    out = [""] * (source.count("\n") + 1)
    tables = 0
    for token in _markdown().parse(source):
        if token.type == "table_open":
            tables += 1
        elif token.type == "table_close":
            tables -= 1
        elif token.type == "inline" and not tables and token.map:
            out[token.map[0]] = "".join(
                child.content if child.type in ("text", "code_inline") else " " if child.type in ("softbreak", "hardbreak") else ""
                for child in token.children or ())
        elif token.type == "html_block" and not tables and token.map:
            # A block of raw HTML ('<p>...</p>', '<div class="lede">') is prose as its reader sees it: it was left out
            # without a word. Its paragraphs on its lines; more paragraphs than lines share the last.
            first, end = token.map
            found = [" ".join(p.split()) for p in fragment_text(token.content).split("\n\n") if p.strip()]
            for offset, paragraph in enumerate(found[:end - first - 1]):
                out[first + offset] = paragraph
            if len(found) >= end - first:
                out[end - 1] = " ".join(found[end - first - 1:])
    return "\n".join(out)


#: A mail's header line, as a mail program saves or forwards it.
_MAIL_HEADER = re.compile(r"(?i:(from|to|cc|bcc|date|sent|subject|reply-to)):[ \t]*(.*)")
#: The line a forwarded or quoted mail starts with.
_FORWARDED = re.compile(r"(?i:-{2,}\s*(forwarded message|original message)\s*-{2,}|begin forwarded message:)")
#: A quoted line's marks ("> ", ">> ").
_QUOTED = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.MULTILINE)


def mail_text(text: str) -> str:
    """A text saved from a mail program (a press release sent by mail, a tip forwarded) as its reader sees it,
    line for line: its header block ("From:", "Date:", "Subject:") is no text, its subject is its title (on the
    header block's first line), a "Forwarded message" line goes, and when most lines are quoted ("> "), the quote
    marks go. Their headers were the title ("From: Jane Doe <...>") and sentences, and each quoted line, wrapped
    at 70 columns, a sentence of its own. Any other text is returned as it is."""
    lines = text.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if not filled:
        return text
    quoted = sum(1 for i in filled if lines[i].lstrip().startswith(">"))
    if quoted * 2 > len(filled):
        lines = _QUOTED.sub("", "\n".join(lines)).split("\n")
    subject: str | None = None
    block: list[int] = []
    headers = 0
    for i in filled[:12]:  # the header block: header lines (and a forwarding line) from the text's first line on
        line = lines[i].strip()
        found = _MAIL_HEADER.fullmatch(line)
        if not found and not _FORWARDED.fullmatch(line):
            break  # the first line of text ends the block
        block.append(i)
        headers += found is not None
        if found and found.group(1).lower() == "subject" and subject is None:
            subject = re.sub(r"^(?i:(?:re|fwd?|aw|wg)\s*:\s*)+", "", found.group(2)).strip()
    if headers < 2 or not subject:
        return "\n".join(lines)
    for i in block:
        lines[i] = ""
    lines[block[0]] = subject
    return "\n".join(lines)


def parse_text_document(doc_id: str, path: str, text: str, cfg: IngestConfig, sha256: str, encoding: str = "utf-8",
                        problems: list[Problem] | None = None, markdown: bool = False) -> Document:
    """A text document, with its front matter (when it has one) as metadata; what the front matter gets
    wrong is added to ``problems`` (see :func:`split_front_matter`). ``markdown``: the text is Markdown,
    read as its reader sees it (:func:`markdown_text`)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, body = split_front_matter(text, path, problems)
    lines_from = text.count("\n", 0, len(text) - len(body)) + 1  # the body's first line in the file
    if markdown and len(body) > MARKDOWN_MAX_CHARS:
        if problems is not None:
            problems.append(Problem(file=path, message=f"Markdown of {len(body):,} characters, over the {MARKDOWN_MAX_CHARS:,} read as "
                                    "Markdown: read as plain text (its markup, '#', '**', links' URLs, stays in the text)"))
    elif markdown:
        body = markdown_text(body)
    else:
        body = mail_text(body)
    if meta is None:
        return parse_document(doc_id, path, body, cfg, sha256, encoding)
    if meta.title:
        first = next((line.strip() for line in body.split("\n") if line.strip()), "")
        if first != meta.title.strip():
            body = f"{meta.title.strip()}\n\n{body}"
            lines_from -= 2  # the two lines put before it
    doc = parse_document(doc_id, path, body, cfg, sha256, encoding, lines_from=lines_from, titled=bool(meta.title and meta.title.strip()))
    return dataclasses.replace(doc, url=meta.url, published=meta.published, outlet=meta.outlet,
                               byline=meta.author.strip() if meta.author and meta.author.strip() else doc.byline)


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


#: A page's own statement of its encoding: ``<meta charset=...>`` or the ``content`` of ``<meta http-equiv=Content-Type>``.
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
#: Where a page's meta charset is looked for (HTML requires it in the first 1,024 bytes; some pages are late).
_META_WINDOW = 4096
#: Labels that browsers read as Windows-1252 (the WHATWG Encoding Standard): pages so labelled use its curly quotes.
_READ_AS_CP1252 = frozenset({"ascii", "latin-1", "iso8859-1", "cp819"})


def _known(label: str | None) -> str | None:
    try:
        name = codecs.lookup(label).name if label else None
    except LookupError:
        return None
    return "cp1252" if name in _READ_AS_CP1252 else name


def page_text(html: bytes, path: str, declared: str | None = None) -> tuple[str, str]:
    """A page's bytes as text, and the encoding read: a byte-order mark's; UTF-8 when the bytes are UTF-8 (a page
    labelled ISO-8859-1 often is); else the charset the server ``declared``, else the page's ``<meta charset>``,
    when the bytes decode in it; else the rule seed files follow (:func:`decode`: Windows-1252, or UTF-8 with a
    stray byte). trafilatura guessed, and read a Windows-1252 page without a meta charset as Windows-1250
    ('après' became 'aprčs', 'São' 'Săo'), and a server's charset was never asked."""
    wide = wide_encoding(html[:4])
    if wide is None and not html.startswith(codecs.BOM_UTF8):
        try:
            return html.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        meta = _META_CHARSET.search(html[:_META_WINDOW])
        for label in (declared, meta.group(1).decode("ascii") if meta else None):
            name = _known(label)
            if name is not None and name not in ("utf-8", "utf-16", "utf-32"):
                try:
                    return html.decode(name), name
                except UnicodeDecodeError:
                    continue
    return decode(html, Path(path))


#: Block elements (paragraphs, cells, list items, ...) past which a page is read by trafilatura's own extractor
#: alone, without the fallbacks it tries when its text looks short: jusText's, which weighs every short block
#: against its neighbours, is quadratic in them. A 250 KB page with a short article above a 5,000-row table took
#: 24 s (10,000 rows: 88 s); read alone, 0.5 s (0.9 s), with the same article text. Article pages hold hundreds.
FALLBACK_BLOCKS = 3_000
_BLOCK_TAGS = (*_BLOCKS, "td", "th")
_BLOCK_START = re.compile(rb"<(?:%s)[\s/>]" % b"|".join(t.encode() for t in _BLOCK_TAGS), re.IGNORECASE)


def block_count(html: str | bytes) -> int:
    """How many block elements a page opens (a linear scan of its start tags)."""
    raw = html.encode("utf-8", errors="replace") if isinstance(html, str) else html
    return sum(1 for _ in _BLOCK_START.finditer(raw))


#: htmldate's settings: the dates the page's markup states, never one found in its text (see extract_article).
_DATE_PARAMS = {"original_date": True, "extensive_search": False}


def extract_article(
    html: str | bytes, doc_id: str, path: str, cfg: IngestConfig, sha256: str, url: str | None = None, charset: str | None = None,
) -> Document:
    """A document from an HTML page: main text, title, publication date and outlet, by trafilatura.
    ``charset``: the encoding the server declared for the page's bytes (:func:`page_text`)."""
    check_html(html, path)
    html, encoding = page_text(html, path, charset) if isinstance(html, bytes) else (html, "utf-8")
    import trafilatura  # imported here: it costs a third of a second and only HTML needs it

    _quiet_html_libraries()

    # Nested deeper than the HTML parser reads, a page would come back empty: its deep tags go, its text stays.
    # A page of thousands of blocks is read without trafilatura's fallback extractors (see FALLBACK_BLOCKS).
    # The date is the one the page's markup states (meta tags, JSON-LD, <time>, the URL): htmldate's
    # extensive search took any date in the text ("in March 2020" gave 2020-01-01, a footer's
    # "(c) 2009-2024" 2024-01-01), and the search windows and "last week" were built on it.
    result = trafilatura.bare_extraction(readable_nesting(html), url=url, with_metadata=True, include_comments=False, include_tables=False,
                                         fast=block_count(html) > FALLBACK_BLOCKS, date_extraction_params=_DATE_PARAMS)
    extracted: dict[str, Any] = {} if result is None else result if isinstance(result, dict) else result.as_dict()
    if not str(extracted.get("text") or "").strip():
        raise InputError(path, "no article text found in the HTML page")
    title = " ".join(str(extracted.get("title") or "").split())
    body = str(extracted["text"]).strip()
    first = body.split("\n", 1)[0].strip()
    if title and first == title:  # trafilatura keeps the headline as the body's first line
        body = body.split("\n", 1)[1].strip() if "\n" in body else ""
    text = f"{title}\n\n{body}\n" if title else f"{body}\n"  # no headline: the body's first line may be one
    doc = parse_document(doc_id, path, text, cfg, sha256, encoding, lines_from=None, titled=bool(title))
    page_url = str(url or extracted.get("url") or "")
    return dataclasses.replace(
        doc,
        url=page_url if page_url.startswith(("http://", "https://")) else None,
        published=extracted.get("date") or None,
        outlet=extracted.get("sitename") or extracted.get("hostname") or None,
    )

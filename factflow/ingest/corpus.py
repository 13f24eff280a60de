"""Corpus files: many documents in one CSV (a row each), JSON Lines (a line each) or JSON (an array item each) file.

The column mapping (``ingest.corpus.columns``) says which column holds the id, the text and the
metadata; the defaults fit the FakeNewsCorpus layout (id, content, title, url, domain,
scraped_at). A bad row is a problem naming the file and its line; the other rows are read.
"""

from __future__ import annotations

import csv
import hashlib
import html
import itertools
import json
import math
import re
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any

from factflow.config import CorpusColumns, IngestConfig
from factflow.errors import InputError
from factflow.fileio import BoundedLines, Tree, files_matching, walk_tree
from factflow.ingest.dates import DATE_FORMS, read_date
from factflow.ingest.parse import HTML_FRAGMENT, NON_ASCII, fragment_text, parse_document, utf8_at, wide_encoding
from factflow.jsonstream import array_items, json_kind
from factflow.models import MAX_ID_CHARS, Document, FileProblems, Problem, check_document_url, clip, unexpected_problem
from factflow.text import scrub, shown_name

_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "bars"}


def discover_corpora(seeds: Path, cfg: IngestConfig, tree: Tree | None = None) -> list[Path]:
    """Corpus files (CSV, JSONL) under ``seeds``, sorted; hidden folders are skipped, and folders (a pipe,
    a device or a broken link is listed: reading it is refused with a problem, never silently skipped).
    ``tree``: the folder's :func:`walk_tree`, when walked already."""
    entries, _ = tree or walk_tree(seeds)  # never recursion: folders nested a thousand deep are walked like any
    return sorted(seeds / path for path in files_matching(entries, cfg.corpus.patterns))


class _Keys(dict[str, Any]):
    """A JSON object, and the keys it names more than once (``twice``; json keeps the last of them)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.twice: set[str] = set()
        if len(self) < len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.twice.add(key)
                seen.add(key)


#: Quotes never closed after which the lines that follow are read again as rows; past it, the rest of the file
#: is one problem (each read again runs to the end of the file: a file of thousands would take their square).
_MAX_REREADS = 20


def row_limit(cfg: IngestConfig) -> int:
    """The longest line (or CSV field) of a corpus file read, in characters: a row holds one document, at
    most ingest.max_file_bytes, and its other fields; twice that, and never under 100,000."""
    return max(2 * cfg.max_file_bytes, 100_000)


#: Bytes read at a time while looking for a corpus file's first character that is not ASCII.
_SCAN_BLOCK = 1 << 16


def corpus_encoding(path: Path) -> str:
    """A corpus file's encoding: UTF-16 or UTF-32 by its byte-order mark (Excel's "Unicode text"), else UTF-8
    unless its first character that is not ASCII is not UTF-8: then Windows-1252, what Excel saves a "CSV"
    in on Western Windows (read as UTF-8, every accent and curly quote of one was a replacement character).
    A UTF-8 file with a stray bad byte later stays UTF-8 (that byte is a replacement character)."""
    with path.open("rb") as raw:
        wide = wide_encoding(raw.read(4))
        if wide:
            return wide
        raw.seek(0)
        while block := raw.read(_SCAN_BLOCK):
            found = NON_ASCII.search(block)
            if found is None:
                continue
            first = block[found.start():found.start() + 4]
            first += raw.read(4 - len(first))
            if not utf8_at(first, final=len(first) < 4):
                return "cp1252"
            break
    return "utf-8-sig"


#: The first line Excel writes to name a CSV file's separator ("sep=;"), when asked to.
_SEP_LINE = re.compile(r"\ufeff?sep=([,;\t|])")
#: Characters of a CSV file's first line looked at for its separator.
_HEADER_CHARS = 65_536


def _delimiter(header: str) -> str:
    """The separator a CSV header line uses: of comma, semicolon (Excel where the decimal mark is a comma),
    tab and bar, the one it holds most; a comma on a tie, or when it holds none (one column)."""
    counts = {mark: header.count(mark) for mark in ",;\t|"}
    best = max(counts, key=lambda mark: counts[mark])  # the first, a comma, on a tie
    return best if counts[best] else ","


def _named_as_used(names: list[str], used: frozenset[str]) -> list[str]:
    """A CSV header with each column the run reads named as the config names it when the header writes it in
    other case or with spaces around it ('Content', ' title '): a spreadsheet's export was refused whole for
    'no 'content' column; found Content'. A name the header has as written is left as it is."""
    named = list(names)
    for wanted in used:
        if wanted in names:
            continue
        alike = [i for i, name in enumerate(names) if name is not None and name.strip().casefold() == wanted.casefold()]
        if len(alike) == 1:
            named[alike[0]] = wanted
    return named


def _lacking(columns: CorpusColumns, names: list[str], id_too: bool = True) -> str | None:
    """What a corpus whose header (or first JSON object) names ``names`` lacks of the columns the run needs, or None.
    ``id_too``: the id column is checked too (a CSV header; not a JSON object, whose keys may vary row to row)."""
    found = ", ".join(name for name in names if name) or "nothing"
    if columns.text not in names:
        return f"no {columns.text!r} column (ingest.corpus.columns.text); found {found}"
    if id_too and columns.id is not None and columns.id not in names:
        return (f"no {columns.id!r} column (ingest.corpus.columns.id); found {found}; name the column that holds each "
                "document's id, or set ingest.corpus.columns.id to null to name each row by its text")
    return None


def _any_line(lines: BoundedLines) -> bool:
    """Whether a line that is not blank is left (reading up to it)."""
    while True:
        try:
            if next(lines).strip():
                return True
        except StopIteration:
            return False
        except InputError:  # a line too long to hold is not blank
            return True


def _rows(
    path: Path, used: frozenset[str] = frozenset(), limit: int = 10_000_000, encoding: str | None = None,
    required: Callable[[list[str]], str | None] | None = None,
) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line, row, error) for each record; ``error`` explains a record that could not be parsed.
    A CSV header naming one of the ``used`` columns twice (which of the two holds it cannot be told), or
    lacking a column (``required(names)`` says which, or None), raises :class:`InputError` at line 1. A CSV file's separator is
    the one its header uses (:func:`_delimiter`). A line (or a CSV field) longer than ``limit``
    characters is one bad record, never held in memory (:class:`BoundedLines`)."""
    hint = "a row holds one document (at most ingest.max_file_bytes) and its fields; it was skipped"
    encoding = encoding or corpus_encoding(path)
    if path.suffix.lower() == ".json":
        yield from _array_rows(path, used, limit, encoding)
        return
    if path.suffix.lower() == ".jsonl":
        with path.open(encoding=encoding, errors="replace") as handle:
            lines = BoundedLines(handle, path, limit, hint, InputError)
            while True:
                try:
                    line = next(lines)
                except StopIteration:
                    return
                except InputError as exc:
                    yield lines.number, None, f"is a {exc.message}"
                    continue
                number = lines.number
                if not line.strip():
                    continue
                try:
                    value = json.loads(line, object_pairs_hook=_Keys)
                except json.JSONDecodeError as exc:
                    yield number, None, f"is not valid JSON ({exc.msg} at column {exc.colno}); each line must be one JSON object"
                    continue
                except RecursionError:  # "[[[[..." deeper than the reader goes: this line only, not the whole file
                    yield number, None, "is nested too deeply to read; each line must be one JSON object of plain fields"
                    continue
                except ValueError:  # a number longer than Python converts ("999..." of 4,301 digits): this line only
                    yield number, None, (f"holds a number of more than {sys.get_int_max_str_digits():,} digits; "
                                         "each line must be one JSON object of plain fields")
                    continue
                if not isinstance(value, dict):
                    yield number, None, f"is a JSON {json_kind(value)}, not an object; each line must be one JSON object"
                    continue
                twice = sorted(getattr(value, "twice", set()) & used)
                if twice:  # which of the two holds it cannot be told: json keeps the last, a reader the first
                    yield number, None, (f"names {', '.join(map(repr, twice))} more than once; write each key once "
                                         "(ingest.corpus.columns says which the run reads)")
                    continue
                yield number, scrub(value), None
        return
    csv.field_size_limit(limit)  # a quoted field that never closes grows no further
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        first_line = handle.readline(_HEADER_CHARS)
        excel = _SEP_LINE.fullmatch(first_line.rstrip("\r\n"))
        delimiter = excel.group(1) if excel else _delimiter(first_line)
        handle.seek(0)
        lines = BoundedLines(handle, path, limit, hint, InputError)
        if excel:  # Excel's "sep=;" line names the separator; the header follows it
            next(lines)
        at = lines.number + 1  # the header's line
        # Strict: a quote in the wrong place is an error for that row alone (a lenient reader made '"a"b' the text
        # 'ab'), and a quote never closed is an error at the end, not the rest of the file read into one field.
        reader = csv.DictReader(lines, delimiter=delimiter, strict=True)
        try:
            fieldnames = reader.fieldnames
        except csv.Error as exc:
            raise InputError(path, f"the header is not valid CSV: {exc}", line=at) from exc
        if fieldnames is None:
            return
        named = _named_as_used(list(fieldnames), used)
        if named != fieldnames:
            reader.fieldnames = fieldnames = named
        twice = sorted({name for name in fieldnames if name in used and fieldnames.count(name) > 1})
        if twice:
            raise InputError(path, f"the header names {', '.join(map(repr, twice))} more than once; "
                             "name each column once (ingest.corpus.columns says which the run reads)", line=at)
        lacking = required(list(fieldnames)) if required is not None else None
        if lacking is not None:
            if _any_line(lines):  # rows follow a header without the column: said once, not once a row
                raise InputError(path, lacking, line=at)
            return  # a header alone, or one line of data taken for it: no rows to read
        start = lines.number + 1
        retries = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except InputError as exc:  # a line too long: that row only; the next line starts a row
                yield lines.number, None, f"is a {exc.message}"
                start = lines.number + 1
                continue
            except csv.Error as exc:
                # A fault after the row ran over lines: a quote it opened took the lines after it, which were rows
                # (they were lost with it); the row alone is skipped and those lines are read again.
                again = lines.number > start and retries < _MAX_REREADS and handle.seekable()
                if "field limit" in str(exc):  # a quote never closed ran past the longest field (a file over ~10 MB)
                    # ... or a field that long, over lines: read again only when the line after the row's first
                    # is a row itself (the header's number of fields), not a line of one long field's text.
                    again = again and _row_at(handle, path, limit, hint, start + 1, delimiter, len(fieldnames))
                    if not again:
                        yield start, None, (f"has a field longer than {limit:,} characters (a quote never closed?); "
                                            "this row and the rows after it were not read")
                        return
                    message = f"has a field longer than {limit:,} characters (a quote never closed?)"
                elif "end of data" in str(exc):  # the file ended inside a quoted field
                    if not again:
                        yield start, None, (f"opens a quoted field (\") that is never closed: lines {start:,} to {lines.number:,}, "
                                            "the end of the file, were read into it; close the quote, and double a quote "
                                            "inside a field (\"\")")
                        return
                    message = f"opens a quoted field (\") that is never closed (it ran to the end of the file, line {lines.number:,})"
                else:
                    message = f"is not valid CSV ({exc}{f', line {lines.number:,}' if again else ''})"
                yield start, None, (f"{message}; the row was skipped{' and the lines after it read as rows' if again else ''}; "
                                    "close each quoted field before the next comma, and double a quote inside a field (\"\")")
                if again:
                    retries += 1
                    handle.seek(0)
                    lines = BoundedLines(handle, path, limit, hint, InputError)
                    for _ in range(start):
                        next(lines, None)
                    reader = csv.DictReader(lines, fieldnames=fieldnames, delimiter=delimiter, strict=True)
                start = lines.number + 1
                continue
            if None in row:
                yield start, None, f"has {len(fieldnames) + len(row[None])} fields, the header {len(fieldnames)} (separated by {_NAMES[delimiter]})"
            else:
                yield start, row, None
            start = lines.number + 1


def _row_at(handle: IO[str], path: Path, limit: int, hint: str, number: int, delimiter: str, fields: int) -> bool:
    """Whether line ``number`` of the file reads as a CSV row of ``fields`` fields on its own."""
    handle.seek(0)
    lines = BoundedLines(handle, path, limit, hint, InputError)
    try:
        for _ in range(number - 1):
            next(lines, None)
        line = next(lines, None)
        return line is not None and len(next(csv.reader([line], delimiter=delimiter), [])) == fields
    except (InputError, csv.Error):
        return False


#: What a JSON corpus file holds, as a problem says it.
_JSON_SHAPE = "a .json corpus holds one array of objects, a document each (at the top, or in an object, up to three levels down)"


def _array_rows(path: Path, used: frozenset[str], limit: int, encoding: str) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line, row, error) for each item of a JSON corpus (:func:`factflow.jsonstream.array_items`: an item at a
    time, never the whole file). Where the file stops being JSON, the items after it are lost: one problem."""
    with path.open(encoding=encoding, errors="replace") as handle:
        items = array_items(handle, path, limit, _Keys)
        number = 0
        while True:
            try:
                number, line, value = next(items)
            except StopIteration:
                return
            except InputError as exc:
                if not number:  # nothing read: the file as a whole
                    raise InputError(path, f"the file is {exc.message}; {_JSON_SHAPE}", line=exc.line) from None
                yield exc.line or 1, None, f"is {exc.message}; the items from here on were not read; {_JSON_SHAPE}"
                return
            if not isinstance(value, dict):
                yield line, None, f"(item {number:,}) is a JSON {json_kind(value)}, not an object; {_JSON_SHAPE}"
                continue
            twice = sorted(getattr(value, "twice", set()) & used)
            if twice:
                yield line, None, (f"(item {number:,}) names {', '.join(map(repr, twice))} more than once; write each key once "
                                   "(ingest.corpus.columns says which the run reads)")
                continue
            yield line, scrub(value), None


def _nested(row: dict[str, Any], column: str) -> Any:
    """A row's value of ``column``: its key, or else (JSON) a key inside an object, named with dots:
    ``source.name`` in ``{"source": {"name": "BBC"}}`` (an API's answer: NewsAPI, the Guardian, the New York Times)."""
    value = row.get(column)
    if value is not None or "." not in column:
        return value
    value = row
    for key in column.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _names(row: dict[str, Any], depth: int = 3) -> list[str]:
    """A JSON row's keys, and those of the objects in it with dots (``source.name``), ``depth`` levels down."""
    names = []
    for key, value in row.items():
        names.append(key)
        if depth > 1 and isinstance(value, dict):
            names += [f"{key}.{inner}" for inner in _names(value, depth - 1)]
    return names


def _field(row: dict[str, Any], column: str | None, seconds: bool = False) -> str | None:
    """A column's value as text (None when absent or blank). A CSV value is text already; in JSON Lines
    a field may also be a whole number, never an object, a list, true/false or a fraction: ``str`` would
    make ``{'a': 1}`` an id or a document's text, ``1e400`` the id ``inf``: ValueError, saying so.
    ``seconds``: a fraction is taken as Unix seconds (a date's column: exporters write 1609459200.5)."""
    if column is None:
        return None
    value = _nested(row, column)
    if value is None:
        return None
    if seconds and isinstance(value, float) and math.isfinite(value) and abs(value) < 1e15:
        value = int(value)
    if not isinstance(value, str | int) or isinstance(value, bool):
        kind = {dict: "an object", list: "a list", bool: "true or false", float: "a fraction"}.get(type(value), type(value).__name__)
        inner = next((key for key, item in value.items() if isinstance(item, str)), None) if isinstance(value, dict) else None
        hint = f" (name a key inside it, e.g. {column + '.' + inner!r})" if inner else ""
        raise ValueError(f"{column!r} is {kind}{hint}; a field holds text or a whole number")
    text = str(value).strip()
    # Nothing a person could read (NUL or other control characters alone: a row of a binary dump) is no value.
    return text if any(c.isprintable() and not c.isspace() for c in text) else None


def read_corpus(path: Path, cfg: IngestConfig) -> tuple[list[Document], list[Problem]]:
    """Every valid row of a corpus file as a document, and a problem for each bad row.

    Read a row at a time: only the documents are kept, not the rows they came from (a news corpus's
    rows carry columns the run never reads, often larger than the text)."""
    columns = cfg.corpus.columns
    documents: list[Document] = []
    shown = shown_name(str(path))
    problems = FileProblems(shown)  # a file of millions of bad rows: a thousand problems and a count
    undated = _Undated()
    line = 0
    try:
        encoding = corpus_encoding(path)
        records = _rows(path, frozenset(c for c in columns.model_dump().values() if c), row_limit(cfg), encoding,
                        partial(_lacking, columns))
        first = next(records, None)
        if first is None:  # an empty file, a header alone, or one line of data taken for the header: never lost in silence
            wanted = {".jsonl": "one JSON object per line", ".json": "one JSON array of objects, a document each"}.get(
                path.suffix.lower(), f"a header line naming its columns ({columns.id!r}, {columns.text!r}, ...), then a row per document")
            return [], [Problem(file=shown, message=f"no rows to read; a corpus file holds {wanted}")]
        lacking = _lacking(columns, _names(first[1]), id_too=False) if first[1] is not None else None
        if lacking is not None:  # JSON Lines: the first object has neither (a CSV header is checked as it is read)
            return [], [Problem(file=shown, line=first[0], message=lacking)]
        for line, row, error in itertools.chain([first], records):
            try:
                _read_row(line, row, error, shown, cfg, documents, problems, "utf-8" if encoding == "utf-8-sig" else encoding, undated)
            except Exception as exc:  # noqa: BLE001 - one bad row is one problem, whatever went wrong in it
                problems.append(unexpected_problem(shown, line, exc))
    except InputError as exc:  # the file as a whole (its header)
        return [], [Problem(file=shown, line=exc.line, message=exc.message)]
    except OSError as exc:  # the rows read before it stay read
        where = f" after line {line}" if line else ""
        return documents, [*problems.listed(), *undated.listed(shown, columns.published),
                           Problem(file=shown, line=line or None, message=f"cannot read{where}: {exc.strerror or exc}")]
    return documents, [*problems.listed(), *undated.listed(shown, columns.published)]


class _Undated:
    """A corpus file's rows whose date is not read: counted, the first kept, one problem for the file.
    A feed writes every row's date alike, so a row each would repeat one message thousands of times."""

    def __init__(self) -> None:
        self.count = 0
        self.first: tuple[int, str] | None = None

    def add(self, line: int, value: str) -> None:
        self.count += 1
        if self.first is None:
            self.first = (line, value)

    def listed(self, shown: str, column: str | None) -> list[Problem]:
        if self.first is None:
            return []
        line, value = self.first
        where = f"{column!r} (ingest.corpus.columns.published)"
        said = (f"the row's date in {where} cannot be read ({clip(value, 60)!r}): it is read undated, so its" if self.count == 1 else
                f"{self.count:,} rows' dates in {where} cannot be read (the first: {clip(value, 60)!r}): they are read undated, so their")
        return [Problem(file=shown, line=line, message=(
            f"{said} claims' news-archive searches are not dated. A date reads as {DATE_FORMS}"))]


def _read_row(
    line: int, row: dict[str, Any] | None, error: str | None, shown: str, cfg: IngestConfig, documents: list[Document], problems: FileProblems,
    encoding: str = "utf-8", undated: _Undated | None = None,
) -> None:
    """One corpus record: a document appended to ``documents``, or a problem to ``problems``; ``encoding``: the file's."""
    columns = cfg.corpus.columns
    if row is None:
        problems.append(Problem(file=shown, line=line, message=f"row {error}"))
        return
    try:
        doc_id, text = _field(row, columns.id), _field(row, columns.text)
    except ValueError as exc:
        problems.append(Problem(file=shown, line=line, message=f"row's {exc}; the row was skipped"))
        return

    def optional(column: str | None, seconds: bool = False) -> str | None:
        # Metadata of the wrong kind ('scraped_at': 1609459200.5, 'domain': {...}) costs that field, not the document.
        try:
            return _field(row, column, seconds)
        except ValueError as exc:
            problems.append(Problem(file=shown, line=line, message=f"row's {exc}; the document is read without it"))
            return None

    if columns.id is None and text is not None:  # no id column: the row is named by its text
        doc_id = f"{Path(shown).stem}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"
    if doc_id is None:
        problems.append(Problem(file=shown, line=line, message=f"row has no {columns.id!r} (ingest.corpus.columns.id); every document needs an id"))
        return
    if len(doc_id) > MAX_ID_CHARS:
        problems.append(Problem(file=shown, line=line, message=f"row's {columns.id!r} is {len(doc_id):,} characters long "
                                f"({clip(doc_id, 40)!r}); an id is at most {MAX_ID_CHARS:,}; the row was skipped"))
        return
    title, published, url, outlet = optional(columns.title), optional(columns.published, True), optional(columns.url), optional(columns.outlet)
    if url is not None:
        try:
            check_document_url(url)
        except ValueError as exc:
            problems.append(Problem(file=shown, line=line, message=f"row's {columns.url!r} ({clip(url, 60)!r}): {exc}; "
                                    "the document is read without it"))
            url = None
    if text is None:
        problems.append(Problem(file=shown, line=line, message=f"document {doc_id!r} has no text in {columns.text!r}"))
        return
    if len(text.encode("utf-8")) > cfg.max_file_bytes:
        problems.append(Problem(file=shown, line=line, message=f"document {doc_id!r} is over the limit of {cfg.max_file_bytes:,} bytes (ingest.max_file_bytes)"))
        return
    if HTML_FRAGMENT.search(text):  # a body as a CMS or an API keeps it: HTML, not text
        text = fragment_text(text)
    if title and ("<" in title or "&" in title):
        title = fragment_text(title) if HTML_FRAGMENT.search(title) else html.unescape(title)
    title = " ".join(title.split()) if title else title  # a title over several lines is one line of the text
    body = f"{title}\n\n{text}" if title else text
    date = read_date(published)
    try:
        documents.append(parse_document(
            doc_id, f"{shown}:{line}", body, cfg, hashlib.sha256(body.encode("utf-8")).hexdigest(),
            encoding, url=url, outlet=outlet,
            published=date, lines_from=None, titled=bool(title),
        ))
        if published and date is None and undated is not None:
            undated.add(line, published)
    except InputError as exc:
        problems.append(Problem(file=shown, line=line, message=f"document {doc_id!r}: {exc.message}"))

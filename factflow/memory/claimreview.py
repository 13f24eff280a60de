"""``factflow import claimreview``: other fact-checkers' schema.org ClaimReview JSON-LD, kept in an index under the output folder.

Accepted shapes: a JSON list of reviews, an object with ``@graph``, a schema.org ``DataFeed`` (Data
Commons' fact-check feed: each ``dataFeedElement`` a ``DataFeedItem`` whose ``item`` holds the reviews),
a single review object, or JSON Lines (one review object, or DataFeedItem, per line). Each review gives a claim text (``claimReviewed``), a
publisher (``author.name``), a rating (``reviewRating.alternateName``, else its ``ratingValue``),
a URL and a date; ``factflow export claimreview`` writes exactly this, so the desk's own export
round-trips. A bad item is a problem naming the file, the item number (and the line, for JSON
Lines); the other items are imported. Items are keyed by URL (else by a hash of claim, publisher
and rating), so importing the same file again changes nothing, and a newer copy of a review
replaces the older one.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from factflow.errors import InputError
from factflow.fileio import BoundedLines, atomic_write_text, open_input, read_regular
from factflow.jsonstream import array_items, json_kind
from factflow.layout import CLAIMREVIEWS, OutputLayout
from factflow.models import FileProblems, Model, Problem, check_link

__all__ = ["INDEX_PATH", "ImportResult", "ImportedReview", "ReviewIndex", "import_files", "load_index", "read_claimreviews"]

#: The index, relative to the output folder: data the desk imported, not a cache (a cache may be deleted).
INDEX_PATH = CLAIMREVIEWS
#: Largest file read (a ClaimReview export of 100,000 reviews is about 100 MB).
MAX_FILE_BYTES = 500_000_000
#: Longest JSON Lines line read (one review is a few kilobytes); a longer one is a problem and is never held.
MAX_LINE_CHARS = 10_000_000
_READ_BLOCK = 1 << 20


class _Loose(BaseModel):
    """JSON-LD as publishers write it: any extra keys are fine."""

    model_config = ConfigDict(extra="ignore")


class _Named(_Loose):
    name: str | None = None
    url: str | None = None


class _Rating(_Loose):
    alternateName: str | None = None  # noqa: N815 - the schema.org names
    ratingValue: str | int | float | None = None  # noqa: N815
    name: str | None = None

    @field_validator("ratingValue", mode="before")
    @classmethod
    def _a_value(cls, value: Any) -> Any:
        # Lax parsing took true for the rating "1", and NaN or 1e999 for the ratings "nan" and "inf".
        if isinstance(value, bool):
            raise ValueError("true or false is no rating; give a number or a label")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{value} is no rating; give a number or a label")
        return value


class _ClaimReviewIn(_Loose):
    """The fields of a schema.org ClaimReview that the index keeps."""

    type_: str | list[str] | None = Field(default=None, alias="@type")
    claimReviewed: str = Field(min_length=1)  # noqa: N815
    url: str | None = None
    datePublished: str | None = None  # noqa: N815
    author: _Named | list[_Named] | None = None
    reviewRating: _Rating | None = None  # noqa: N815

    @field_validator("claimReviewed")
    @classmethod
    def _text(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("claimReviewed is empty")
        return value


class ImportedReview(Model):
    """One review in the index."""

    key: str = Field(description="The review's URL, or sha256 of claim, publisher and rating when it has none.")
    claim: str = Field(description="The claim the publisher reviewed (claimReviewed).")
    publisher: str = Field(description="author.name; 'unknown publisher' when absent.")
    rating: str = Field(description="reviewRating.alternateName, else its ratingValue as text.")
    url: str | None = Field(default=None, description="The review's URL (http or https).")
    date: str | None = Field(default=None, description="datePublished, as given.")
    file: str = Field(description="The file it was imported from (the last one, when imported again).")


class ReviewIndex(Model):
    """``<out>/memory/claimreviews.json``: every review imported, keyed, sorted by key."""

    about: str = Field(default="ClaimReview items imported by `factflow import claimreview`; candidates for claim matching.")
    reviews: list[ImportedReview] = []


@dataclass(frozen=True)
class ImportResult:
    """What one import did."""

    added: int
    updated: int
    unchanged: int
    total: int
    problems: list[Problem]
    path: Path
    #: Claims encoded for matching by this import (a later run reads their vectors instead of encoding them).
    encoded: int = 0


#: The shapes a ClaimReview file may take, as a problem message says them.
_EXPECTED = "expected a ClaimReview list, an object with @graph, a DataFeed, or one object per line (JSON Lines)"
_TOO_LONG = f"a number of more than {sys.get_int_max_str_digits():,} digits, longer than Python reads"


def _items(path: Path, text: str) -> Iterator[tuple[int, int | None, Any]]:
    """(item number from 1, line or None, item) of a JSON document (an array is streamed by :func:`_array_file_items`)
    or JSON Lines held whole."""
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise InputError(path, f"nested too deeply to read; {_EXPECTED}") from exc
    except ValueError as exc:  # not JSON, or a number longer than Python converts (4,301 digits and more)
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        if len(lines) < 2 and not text.lstrip().startswith("{"):
            if not isinstance(exc, json.JSONDecodeError):
                raise InputError(path, f"{_TOO_LONG}; {_EXPECTED}", line=lines[0][0] if lines else None) from exc
            raise InputError(path, f"not JSON ({exc.msg}, line {exc.lineno} column {exc.colno}); {_EXPECTED}", line=exc.lineno) from exc
        for number, (line_no, line) in enumerate(lines, start=1):
            yield number, line_no, _line_item(line)
        return
    if isinstance(data, dict) and "@graph" in data:
        data = data["@graph"]
    elif isinstance(data, dict) and isinstance(data.get("dataFeedElement"), list):  # a DataFeed (Data Commons' fact-check feed)
        data = data["dataFeedElement"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise InputError(path, f"a JSON {json_kind(data)} at the top; {_EXPECTED}")
    for number, item in enumerate(data, start=1):
        yield number, None, item


def _line_item(line: str) -> Any:
    """The value of one JSON Lines line, or a ValueError saying why it is none."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as err:
        return ValueError(f"not a JSON object ({err.msg}, column {err.colno})")
    except RecursionError:
        return ValueError("nested too deeply to read")
    except ValueError:
        return ValueError(_TOO_LONG)


def _file_items(path: Path, handle: IO[str]) -> Iterator[tuple[int, int | None, Any]]:
    """(item number from 1, line or None, item) of a ClaimReview file. JSON Lines are read a line at a time:
    read whole, a feed of 20,000 reviews was held three times over (the bytes, the text, a list of its lines).
    A file is JSON Lines when its first line that is not blank is JSON on its own and another line that is not
    blank follows (no JSON document goes on after a whole value); anything else (an array, a graph, an object
    over many lines, a first line that is not JSON) is read whole and told apart as before."""
    lines = BoundedLines(handle, path, MAX_LINE_CHARS, "a line holds one review; the item was skipped", InputError)
    read: list[str] = []  # the lines up to the first that is not blank, and blank ones after it
    first: Any = None
    while line := handle.readline(MAX_LINE_CHARS + 1):
        read.append(line)
        if line.strip():
            first = ValueError() if line.lstrip().startswith("[") or not line.endswith(("\n", "\r")) else _line_item(line)
            break
    if isinstance(first, ValueError) and read[-1].lstrip().startswith("["):  # a JSON array: its items one at a time
        yield from _array_file_items(path, _Resumed("".join(read), handle))
        return
    lines.number = first_line = len(read)
    number, size = 0, sum(map(len, read))
    while first is not None and not isinstance(first, ValueError):
        try:
            line = next(lines)
        except StopIteration:
            break  # one value on one line: a whole document after all
        except InputError as exc:  # a line too long to hold: read to its end, never held
            line, later = "", (exc.line, ValueError(exc.message))
        else:
            size += len(line)
            if size > MAX_FILE_BYTES:
                raise InputError(path, f"larger than {MAX_FILE_BYTES:,} characters; split it", line=lines.number)
            if not line.strip():
                if number == 0:
                    read.append(line)  # kept while the file may yet be a whole document
                continue
            later = (lines.number, _line_item(line))
        if number == 0:
            number = 1
            yield number, first_line, first
        number += 1
        yield number, *later
    if number:
        return
    # In blocks: read(n) makes room for n characters at once (500 MB for a feed of 10 MB).
    while size <= MAX_FILE_BYTES and (block := handle.read(min(_READ_BLOCK, MAX_FILE_BYTES + 1 - size))):
        read.append(block)
        size += len(block)
    if size > MAX_FILE_BYTES:
        raise InputError(path, f"larger than {MAX_FILE_BYTES:,} characters; split it")
    text = "".join(read)
    del read[:]
    yield from _items(path, text)


class _Resumed:
    """A text file read on from where its first lines were taken: ``head``, then the rest of ``handle``."""

    def __init__(self, head: str, handle: IO[str]) -> None:
        self.head, self.handle = head, handle

    def read(self, size: int = -1) -> str:
        if self.head:
            text, self.head = self.head, ""
            return text
        return self.handle.read(size)


def _array_file_items(path: Path, handle: _Resumed) -> Iterator[tuple[int, int | None, Any]]:
    """(item number from 1, line, item) of a file holding one JSON array, decoded an item at a time by
    :func:`factflow.jsonstream.array_items`: held whole, a feed of tens of thousands of reviews was its text
    and every item's objects at once. A fault anywhere refuses the file (InputError), items read before it too."""
    try:
        yield from array_items(handle, path, MAX_LINE_CHARS)  # type: ignore[arg-type] # reads with read(n) only
    except InputError as exc:
        raise InputError(path, f"{exc.message}; {_EXPECTED}", line=exc.line) from None


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}: {'missing' if err['type'] == 'missing' else err['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def _review(item: Any, file: str) -> ImportedReview:
    """The indexed review of one item, or ValueError saying what is wrong."""
    if isinstance(item, ValueError):
        raise item
    if not isinstance(item, dict):
        raise ValueError(f"a JSON {json_kind(item)}, not an object")
    try:
        review = _ClaimReviewIn.model_validate(item)
    except ValidationError as exc:
        raise ValueError(_describe(exc)) from exc
    types = [review.type_] if isinstance(review.type_, str) else (review.type_ or [])
    if types and "ClaimReview" not in types:
        raise ValueError(f"@type {review.type_!r}, not ClaimReview")
    authors = review.author if isinstance(review.author, list) else [review.author] if review.author else []
    publisher = next((a.name.strip() for a in authors if a.name and a.name.strip()), "unknown publisher")
    rating_in = review.reviewRating
    rating = ""
    if rating_in is not None:
        value = rating_in.alternateName or rating_in.name
        rating = value.strip() if value and value.strip() else ("" if rating_in.ratingValue is None else str(rating_in.ratingValue))
    if not rating:
        raise ValueError("reviewRating: no alternateName or ratingValue; a review needs a rating")
    url = None
    if review.url:
        try:
            url = check_link(review.url.strip())
        except ValueError as exc:
            raise ValueError(f"url: {exc}") from exc
    key = url or "sha256:" + hashlib.sha256(f"{review.claimReviewed}\n{publisher}\n{rating}".encode()).hexdigest()
    return ImportedReview(key=key, claim=review.claimReviewed, publisher=publisher, rating=rating, url=url,
                          date=review.datePublished.strip() if review.datePublished else None, file=file)


def _unwrapped(items: Iterator[tuple[int, int | None, Any]]) -> Iterator[tuple[str, int | None, Any]]:
    """(item label, line or None, item) with each DataFeedItem replaced by the reviews it holds (``item``: one
    object or a list of them, as in Data Commons' feed), labelled "3.1", "3.2" when an element holds several."""
    for number, line, item in items:
        inner = item.get("item") if isinstance(item, dict) and "claimReviewed" not in item else None
        if isinstance(inner, list) and len(inner) != 1:
            if not inner:
                yield str(number), line, ValueError("a DataFeedItem whose item list is empty")
            for sub, review in enumerate(inner, start=1):
                yield f"{number}.{sub}", line, review
        elif inner is not None:
            yield str(number), line, inner[0] if isinstance(inner, list) else inner
        else:
            yield str(number), line, item


def read_claimreviews(path: Path) -> tuple[list[ImportedReview], list[Problem]]:
    """The reviews of one file and a problem per bad item; InputError when the file cannot be read at all."""
    reviews: list[ImportedReview] = []
    problems = FileProblems(str(path))  # a file of a million bad items: a thousand problems and a count
    # A file or a pipe (a named pipe nobody writes to is an error, not a wait); newline="": "\r\n" stays one line end.
    with io.TextIOWrapper(open_input(path, InputError), encoding="utf-8-sig", newline="") as handle:
        try:
            for label, line, item in _unwrapped(_file_items(path, handle)):
                try:
                    reviews.append(_review(item, str(path)))
                except ValueError as exc:
                    if problems.full:
                        problems.count(line)
                        continue
                    problems.append(Problem(file=str(path), line=line, message=f"item {label}: {exc}; the item was skipped "
                                            "(a ClaimReview needs claimReviewed, reviewRating with alternateName or ratingValue, "
                                            "and an http(s) url when it has one)"))
        except UnicodeDecodeError as exc:
            raise InputError(path, "not UTF-8 text; save it as UTF-8") from exc
        except OSError as exc:
            raise InputError(path, f"cannot read: {exc.strerror or exc}") from exc
    return reviews, problems.listed()


def load_index(out: Path) -> ReviewIndex:
    """The index under ``out`` (empty when nothing was imported); InputError when it is damaged."""
    path = OutputLayout(out).claimreview_index
    if not (path.exists() or path.is_symlink()):
        return ReviewIndex()
    raw = read_regular(path)  # never waits on a pipe
    if raw is None:
        raise InputError(path, "not a plain file (a folder, a pipe or a broken link); delete it and import again")
    text = raw.decode("utf-8", errors="replace")
    try:
        return ReviewIndex.model_validate_json(text)
    except ValidationError as exc:
        raise InputError(path, f"not a ClaimReview index ({exc.error_count()} errors); delete it and import again") from exc


def import_files(paths: Sequence[Path], out: Path, encoder: Any = None,
                 on_encode: Callable[[int], None] | None = None) -> ImportResult:
    """Merge the reviews of ``paths`` into the index under ``out`` and write it atomically (only when something changed);
    then encode the claims whose vectors are not yet kept beside it (``encoder``: the packaged sentence encoder when
    None; ``on_encode(n)`` is told how many before they are encoded), so that runs matching against a large index do
    not encode it: about a hundred claims a second on two cores, done once here."""
    index = load_index(out)
    by_key = {r.key: r for r in index.reviews}
    added = updated = unchanged = 0
    problems: list[Problem] = []
    for path in paths:
        reviews, found = read_claimreviews(path)
        problems += found
        for review in reviews:
            old = by_key.get(review.key)
            if old is None:
                added += 1
            elif old.model_copy(update={"file": review.file}) == review:
                unchanged += 1
                continue
            else:
                updated += 1
            by_key[review.key] = review
    target = OutputLayout(out).claimreview_index
    if added or updated or not target.exists():
        index = ReviewIndex(reviews=[by_key[k] for k in sorted(by_key)])
        atomic_write_text(target, index.model_dump_json(indent=1) + "\n", suffix=".import.tmp")
    encoded = encode_index(out, [by_key[k] for k in sorted(by_key)], encoder, on_encode)
    return ImportResult(added, updated, unchanged, len(by_key), problems, target, encoded)


def encode_index(out: Path, reviews: Sequence[ImportedReview], encoder: Any = None,
                 on_encode: Callable[[int], None] | None = None) -> int:
    """Keep the vectors of the reviews' claims (as matching encodes them) in ``OutputLayout.claimreview_vectors``,
    encoding only those not kept yet; returns how many were encoded."""
    from factflow.matching import normalise_post
    from factflow.memory.vectors import CachedEncoder

    if encoder is None:
        from factflow.encoder import SentenceEncoder

        encoder = SentenceEncoder.load()
    # The run's own vectors seed it: a desk importing its own export (or reviews of claims it holds) encodes none of them again.
    layout = OutputLayout(out)
    cached = CachedEncoder(encoder, layout.claimreview_vectors, seeded=[layout.vector_cache])
    texts = [normalise_post(r.claim) for r in reviews]
    todo = cached.missing(texts)
    if todo and on_encode is not None:
        on_encode(todo)
    cached.encode(texts)
    cached.save()
    return cached.encoded

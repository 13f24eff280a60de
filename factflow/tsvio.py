"""Reading the TSV files people hand to ``claims score`` and ``claims match``: a row a line, tabs between
fields, and CSV quoting where a file uses it.

Hand-written around :mod:`csv` because no reader takes both kinds of file people have. Files written by
pandas or a spreadsheet quote a field that holds a tab, a quote or a line end (``"He said ""no"".``,
ClaimBuster's sentences span lines that way); files written by hand or by ``print`` do not quote at all,
and a news sentence often starts with a quotation (``"Fake news" is now a word.``) or opens one that a
later sentence closes. A strict CSV reader refused the first at its row and, on the second, read every
line up to the next quote into one sentence (rows lost); a reader that never unquotes keeps the doubled
quotes of the first kind. So a line is read as CSV only when that reading is sound: its quoted fields
close, and a field that spans lines takes no line holding a tab (those are the next rows). Otherwise the
line is its text as written, split at its tabs: the row is kept, with its quotes.
"""

from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from factflow.errors import InputError, LocatedError
from factflow.fileio import MAX_TSV_LINE_CHARS, BoundedLines

#: Lines one quoted field may span (ClaimBuster's longest spans 3): beyond it the opening line is read as written.
MAX_FIELD_LINES = 20


class Record(NamedTuple):
    """One row of a TSV: the line it starts on and its fields."""

    line: int
    fields: list[str]


def _strip_end(line: str) -> str:
    return line.rstrip("\r\n")


def _opens_quote(line: str) -> bool:
    return line.startswith('"') or '\t"' in line


def _as_csv(lines: list[str]) -> list[str] | None:
    """The fields of ``lines`` read as one CSV record; None if they are not exactly one sound record."""
    try:
        records = list(csv.reader(lines, delimiter="\t", strict=True))
    except csv.Error:
        return None
    if len(records) != 1:
        return None
    fields = records[0]
    if len(lines) > 1 and any("\t" in part for field in fields for part in field.splitlines()[1:]):
        return None  # a field reaching into lines with tabs: those are rows of their own
    return fields


def tsv_records(lines: BoundedLines) -> Iterator[Record | LocatedError]:
    """The records of a TSV (the header first), or, in place of a line too long to hold, its error.

    A line where no field starts with a quote is split at its tabs. A line where one does is read as CSV
    if it is a whole record, or the start of one that ends within :data:`MAX_FIELD_LINES` lines none of
    which holds a tab; otherwise it is split at its tabs as written, and the lines after it are rows.
    A blank line is a record with no fields.
    """
    csv.field_size_limit(max(csv.field_size_limit(), MAX_TSV_LINE_CHARS))  # a quoted field as long as a line may be
    ahead: deque[tuple[int, str] | LocatedError] = deque()

    def pull() -> tuple[int, str] | LocatedError | None:
        if ahead:
            return ahead.popleft()
        try:
            text = next(lines)
        except StopIteration:
            return None
        except LocatedError as exc:
            return exc
        return lines.number, text

    while (item := pull()) is not None:
        if isinstance(item, LocatedError):
            yield item
            continue
        number, text = item
        stripped = _strip_end(text)
        if not stripped:
            yield Record(number, [])
            continue
        if not _opens_quote(stripped):
            yield Record(number, stripped.split("\t"))
            continue
        fields = _as_csv([stripped])
        if fields is None and text.endswith(("\n", "\r")):
            # A quoted field left open at the line's end may close on a later line (a sentence with a line break).
            taken: list[tuple[int, str] | LocatedError] = []
            parts = [text]
            while len(parts) < MAX_FIELD_LINES:
                more = pull()
                if more is None:
                    break
                taken.append(more)
                if isinstance(more, LocatedError) or "\t" in more[1].partition('"')[0]:
                    break  # a row of its own: the quote opened above does not close before it
                parts.append(more[1])
                fields = _as_csv([*parts[:-1], _strip_end(parts[-1])])
                if fields is not None:
                    taken.clear()
                    break
            ahead.extendleft(reversed(taken))
        yield Record(number, fields if fields is not None else stripped.split("\t"))


#: What a byte that is no UTF-8 becomes when a TSV is read with errors="surrogateescape" (U+DC80 to U+DCFF).
_UNDECODABLE = re.compile("[\udc80-\udcff]")
#: The problem of a row that holds such a byte (it is skipped; the rows around it are read).
NOT_UTF8_ROW = "not UTF-8 text (bytes that make no UTF-8 character); the row was skipped; save the file as UTF-8"


def undecodable(fields: list[str]) -> bool:
    """Whether a row read with errors="surrogateescape" holds a byte that was no UTF-8."""
    return any(_UNDECODABLE.search(field) for field in fields)


def tsv_header(records: Iterator[Record | LocatedError], path: Path | str, columns: tuple[str, ...], expected: str,
               fold: bool = False) -> tuple[list[str], list[int]]:
    """The header of :func:`tsv_records` (its names, stripped) and where each of ``columns`` is in it (with
    ``fold``, whatever the case: 'sentence_id' is 'Sentence_id'); an :class:`InputError` at line 1 for an
    empty file, a blank first line, a line too long, or a missing column (naming the columns found and
    ``expected``, such as 'id<TAB>text')."""
    header = next(records, None)
    if isinstance(header, LocatedError):
        raise header
    if header is None or not header.fields:
        what = "empty file" if header is None else "the first line is blank"
        raise InputError(path, f"{what}; expected a header line '{expected}'", line=1)
    if undecodable(header.fields):
        raise InputError(path, "not UTF-8 text; save it as UTF-8", line=header.line)
    names = [name.strip() for name in header.fields]
    keys = [name.lower() for name in names] if fold else names
    missing = [c for c in columns if (c.lower() if fold else c) not in keys]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)} in the header; found "
                         f"{', '.join(name for name in names if name) or 'nothing'}; expected '{expected}'", line=header.line)
    return names, [keys.index(c.lower() if fold else c) for c in columns]

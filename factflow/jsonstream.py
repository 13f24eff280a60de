"""The items of a JSON array read from a file one at a time: neither the file nor the array is held.

Python's ``json`` reads a whole document at once (a corpus of 100,000 articles saved as one JSON
array would be held as text and as objects together), and none of our dependencies streams JSON
(ijson would be a new one for this alone), so this reads the file in blocks and decodes each item
with the standard decoder's ``raw_decode``: the text held is a block and the item being decoded,
at most ``limit`` characters (about twice that at the peak).

The array is the file's top value, or the first array of objects its top object holds, or an object
in it (an API's answer or an export: ``{"status": "ok", "articles": [...]}``, ``{"response":
{"results": [...]}}``).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from factflow.errors import InputError

__all__ = ["array_items", "json_kind"]

#: Characters read at a time.
_BLOCK = 1 << 16
_SPACE = re.compile(r"[ \t\n\r]*")
#: Levels of objects searched for the array of items: ``{"response": {"results": [...]}}`` is two.
_DEPTH = 3
#: A decoding fault this close to the end of the text held may be the value cut short by the block's end.
_TAIL = 16


class _Reader:
    """A window on the file's text: ``buf[pos:]`` is what is not read yet; ``line`` is the line of ``pos``."""

    def __init__(self, handle: IO[str], path: Path | str, limit: int, decoder: json.JSONDecoder) -> None:
        self.handle, self.path, self.limit, self.decoder = handle, path, limit, decoder
        self.buf, self.pos, self.line, self.eof = "", 0, 1, False

    def more(self) -> bool:
        """Read another block, or as much again as is held past ``pos`` (False at the end of the file); what was
        read before ``pos`` is let go."""
        if self.eof:
            return False
        block = self.handle.read(max(_BLOCK, len(self.buf) - self.pos))  # doubling: a long value is decoded a few times, not once a block
        if not block:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + block
        self.pos = 0
        return True

    def advance(self, to: int) -> None:
        self.line += self.buf.count("\n", self.pos, to)
        self.pos = to

    def peek(self) -> str:
        """The next character that is not white space ('' at the end of the file), not consumed."""
        while True:
            self.advance(_SPACE.match(self.buf, self.pos).end())  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def expect(self, char: str, what: str) -> None:
        found = self.peek()
        if found != char:
            shown = repr(found) if found else "the end of the file"
            raise self.error(f"expected {what}, found {shown}")
        self.advance(self.pos + 1)

    def value(self) -> Any:
        """The next JSON value, decoded; the window grows until it holds the whole value (beyond the block
        read, at most ``limit`` characters)."""
        self.peek()
        while True:
            fault: json.JSONDecodeError | None = None
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                fault = exc
            except RecursionError:
                raise self.error("nested too deeply to read") from None
            except ValueError:  # a number longer than Python converts (4,301 digits and more)
                raise self.error(f"a number of more than {sys.get_int_max_str_digits():,} digits, longer than Python reads") from None
            if fault is None and (end < len(self.buf) or self.eof):  # at the very end, a number may go on in the next block
                self.advance(end)
                return value
            # Where the text held ends inside the value (a string not closed, a fault in its last characters),
            # the rest may come in the next block; anywhere else, the value is not JSON.
            cut = fault is None or fault.msg.startswith("Unterminated string") or fault.pos >= len(self.buf) - _TAIL
            if cut and not self.eof:
                if len(self.buf) - self.pos > self.limit:
                    raise self.error(f"a value longer than {self.limit:,} characters")
                self.more()
                continue
            assert fault is not None  # noqa: S101 - a whole value at the end of the file returned above
            raise self.error(f"not valid JSON ({fault.msg})", self.line + self.buf.count("\n", self.pos, fault.pos))

    def error(self, message: str, line: int | None = None) -> InputError:
        """What stops the reading, at ``line`` (default: the value's)."""
        return InputError(self.path, message, line=self.line if line is None else line)


def array_items(handle: IO[str], path: Path | str, limit: int, object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
                ) -> Iterator[tuple[int, int, Any]]:
    """(item number from 1, the line the item starts on, the item) of the file's JSON array, or of the first
    array of objects its top object holds (or an object in it: see :func:`_wrapped`); ``limit``: the longest item, in characters. Raises
    :class:`~factflow.errors.InputError` (``path``, the line) where reading stops (the items before it were yielded)."""
    reader = _Reader(handle, path, limit, json.JSONDecoder(object_pairs_hook=object_pairs_hook))
    top = reader.peek()
    if top == "\ufeff":  # a byte-order mark the file's encoding did not take
        reader.advance(reader.pos + 1)
        top = reader.peek()
    if top == "[":
        reader.advance(reader.pos + 1)
        yield from _items(reader)
        if reader.peek():
            raise reader.error("more text after the array's end")
    elif top == "{":
        reader.advance(reader.pos + 1)
        found = _Found()
        yield from _wrapped(reader, found, _DEPTH)  # the rest of the object, after its array, is not read
        if not (found.streamed or found.empty):
            raise reader.error("an object holding no array of objects")
    elif not top:
        raise reader.error("no JSON value")
    else:
        raise reader.error("a JSON value that is neither an array nor an object")


def _items(reader: _Reader, first: tuple[int, Any] | None = None) -> Iterator[tuple[int, int, Any]]:
    """The array's items, from just after its '[' (or after its first item, decoded already: (line, item))."""
    if first is not None:
        yield 1, *first
    elif reader.peek() == "]":
        reader.advance(reader.pos + 1)
        return
    else:
        line = reader.line
        yield 1, line, reader.value()
    number = 1
    while reader.peek() != "]":
        reader.expect(",", f"',' or the array's end ']' after item {number:,}")
        reader.peek()
        number += 1
        line = reader.line
        yield number, line, reader.value()
    reader.advance(reader.pos + 1)


class _Found:
    """What the search of an object found: an array of objects (``streamed``), an empty array (``empty``: no items)."""

    def __init__(self) -> None:
        self.streamed = self.empty = False


def _wrapped(reader: _Reader, found: _Found, depth: int) -> Iterator[tuple[int, int, Any]]:
    """From just after an object's '{': the items of the first array of objects among its values, or in an object
    among them (``depth`` levels of objects down: ``{"response": {"results": [...]}}``); the values before it are
    read and let go. Without one, the object is read to its end; an empty array there counts as found (no items)."""
    while True:
        if reader.peek() == "}":
            reader.advance(reader.pos + 1)
            return
        key = reader.value()
        if not isinstance(key, str):
            raise reader.error("not valid JSON (a key that is not a string)")
        reader.expect(":", f"':' after the key {key!r}")
        start = reader.peek()
        if start == "[":
            reader.advance(reader.pos + 1)
            if reader.peek() == "]":
                reader.advance(reader.pos + 1)
                found.empty = True
            else:
                line = reader.line
                first = reader.value()
                if isinstance(first, dict):
                    found.streamed = True
                    yield from _items(reader, (line, first))
                    return
                _rest_of_array(reader)
        elif start == "{" and depth > 1:
            reader.advance(reader.pos + 1)
            yield from _wrapped(reader, found, depth - 1)
            if found.streamed:
                return
        else:
            reader.value()
        if reader.peek() != "}":
            reader.expect(",", "',' or the object's end '}'")


def _rest_of_array(reader: _Reader) -> None:
    """Read past the rest of an array whose first item was read (an array of other things than items)."""
    while reader.peek() != "]":
        reader.expect(",", "',' or the array's end ']'")
        reader.value()
    reader.advance(reader.pos + 1)


def json_kind(value: object) -> str:
    """What a JSON value is, in JSON's words (a message says 'a JSON string', not 'a JSON str')."""
    return {list: "array", dict: "object", str: "string", bool: "true or false", type(None): "null", int: "number",
            float: "number"}.get(type(value), "value")

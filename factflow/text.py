"""Text from the outside world made safe to keep and write: no lone surrogates, file names shown as text."""

from __future__ import annotations

import os
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings (keys included) replaced by U+FFFD.

    Lone surrogates come from JSON escapes (``"\\ud800"``), YAML escapes and file names that are
    not UTF-8; no file can be written with them, so every input is scrubbed where it enters.
    """
    if isinstance(value, str):
        return value if value.isascii() or _SURROGATE.search(value) is None else _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


#: What a terminal acts on instead of showing: C0 and C1 controls (ESC starts sequences that clear the screen,
#: move the cursor or set the window title; BEL, backspace, carriage return rewrite the line) and DEL, and
#: the bidirectional overrides and isolates that reorder what is shown ("Trojan Source").
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` fit to print on a terminal: a tab or line end as a space, every other control character and
    bidirectional override shown as its escape (``\\x1b``, ``\\u202e``), never sent to the terminal raw."""
    if text.isprintable():
        return text
    return _UNPRINTABLE.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    if match.group() in "\t\n\r":
        return " "
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown_name(name: str) -> str:
    """A file name fit for messages, ids and reports: bytes that are not UTF-8 become U+FFFD."""
    if name.isascii():
        return name
    try:
        return os.fsencode(name).decode("utf-8", errors="replace")
    except UnicodeEncodeError:  # a surrogate no file name holds ("\ud800" from a JSON or YAML escape)
        return scrub(name)

"""A fast block-style YAML emitter for the plain data the flow writes (reports, tasks, stubs).

Hand-written because PyYAML spends nearly all its time in its Python representer, even with
libyaml's C emitter: a report of 20,000 claims took over 30 seconds. Our data is only mappings
with string keys, lists, strings, numbers, booleans and null, so a direct emitter is short. It
writes what PyYAML's safe loader (and any YAML 1.2 reader) reads back as the same data: a test
round-trips arbitrary Unicode through it. Strings stay plain when that is unambiguous, long text
is folded into a ``>-`` block at spaces, text with line breaks becomes a ``|-`` block, and
everything else is double-quoted with JSON escapes (a subset of YAML's).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

_WIDTH = 100
# Plain scalars we can emit without quotes: start with a letter, digit or a few safe marks, and
# contain no YAML indicators that would change their meaning.
_PLAIN = re.compile(r"[A-Za-z0-9_./(\u00a0-\U0010ffff][^\x00-\x1f\x7f#:{}\[\],&*!|>'\"%@`]*")
# Plain strings that a YAML 1.1 or 1.2 reader would resolve to something other than a string.
_SPECIAL = re.compile(
    r"(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF"
    r"|[-+]?(?:\d[\d_]*)?\.?[\d_]*(?:[eE][-+]?\d+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|0x[0-9a-fA-F_]+|0o?[0-7_]+|[-+]?[\d_]+(?::[0-5]?\d)+(?:\.[\d_]*)?|\d{4}-\d\d?-\d\d?.*|<<|=)"
)
_FOLDABLE = re.compile(r"\S+(?: \S+)*")  # single spaces between words only: folding keeps them


# Characters a YAML stream may not hold raw (YAML 1.1 "printable"); they are written as \uXXXX.
# NEL, LS and PS are line breaks to a YAML reader, so they are escaped too.
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    # A lone surrogate has no UTF-8 form, and libyaml refuses its escape: it is written as U+FFFD.
    return "\\ufffd" if 0xD800 <= code <= 0xDFFF else f"\\u{code:04x}"


def _quoted(text: str) -> str:
    return _NOT_PRINTABLE.sub(_escape, json.dumps(text, ensure_ascii=False))


#: PyYAML's YAML 1.1 resolver, the widest common reading: a plain scalar it resolves to anything
#: but a string (a date, 0b1, 0o17, 1:20, yes, =) is quoted, so every reader gets the string back.
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"


def _resolves_to_str(text: str) -> bool:
    return bool(_RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR_TAG)


#: Answers of :func:`_plain_ok` for short strings: ids, names, kinds and links repeat across a report's
#: claims and task files (about half the calls at ten thousand claims), and the check is most of the
#: emitter's time per string. Bounded: emptied when full.
_PLAIN_SEEN: dict[str, bool] = {}
_PLAIN_SEEN_MAX = 65_536


def _plain_ok(text: str) -> bool:
    if len(text) > 80:
        return _plain_check(text)
    known = _PLAIN_SEEN.get(text)
    if known is None:
        if len(_PLAIN_SEEN) >= _PLAIN_SEEN_MAX:
            _PLAIN_SEEN.clear()
        known = _PLAIN_SEEN[text] = _plain_check(text)
    return known


def _plain_check(text: str) -> bool:
    if not text or not text.isprintable() or text != text.strip() or _PLAIN.fullmatch(text) is None:
        return False
    # Asked of the YAML resolver (1.1) and of YAML 1.2's forms (0o17, .5e3) alike.
    if not _resolves_to_str(text):
        return False
    # YAML 1.2's own forms are short or start like a number; skip that check for prose.
    if (len(text) < 40 or text[0] in "0123456789+-.") and _SPECIAL.fullmatch(text) is not None:
        return False
    return _NOT_PRINTABLE.search(text) is None


def comment(text: str) -> str:
    """Text for a ``#`` comment line: one line, with what YAML may not hold raw escaped as \\uXXXX."""
    one_line = " ".join(text.split())
    return _NOT_PRINTABLE.sub(_escape, one_line)


def scalar(value: Any) -> str:
    """One scalar as YAML text (a key or an inline value)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        mantissa, exp, power = text.partition("e")
        if exp and "." not in mantissa:
            return f"{mantissa}.0e{power}"  # PyYAML reads an exponent only after a decimal point
        return text
    text = str(value)
    return text if _plain_ok(text) else _quoted(text)


def _block(text: str, indent: str) -> list[str] | None:
    """A literal or folded block scalar for long or multi-line text, or None when quoting is safer."""
    if "\n" in text:
        lines = text.split("\n")
        if text.endswith("\n") or not lines[0].strip() or lines[0][:1] in " \t" or any(
            ch in text for ch in "\r\t\x85\u2028\u2029\ufeff"
        ) or any(not ch.isprintable() and ch != "\n" for ch in text):
            return None
        if any(line != line.rstrip(" ") for line in lines):
            return None  # trailing spaces would be kept but are easy to lose; quote instead
        return ["|-"] + [f"{indent}{line}" if line else "" for line in lines]
    if len(text) <= _WIDTH or _FOLDABLE.fullmatch(text) is None or not text.isprintable():
        return None
    out, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > _WIDTH:
            out.append(indent + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(indent + line)
    return [">-", *out]


def _value(value: Any, indent: str, out: list[str], head: str) -> None:
    """Append ``value`` whose line starts with ``head`` (a key and colon, or a dash) at ``indent``."""
    if type(value) is str:  # the common case first
        block = _block(value, indent + "  ") if (len(value) > _WIDTH or "\n" in value) else None
        if block is None:
            out.append(f"{head} {value if _plain_ok(value) else _quoted(value)}")
        else:
            out.append(f"{head} {block[0]}")
            out.extend(block[1:])
        return
    if value is None:  # then the other common scalars, before the containers' checks
        out.append(f"{head} null")
        return
    if type(value) is int:  # not bool, a subclass
        out.append(f"{head} {value}")
        return
    if isinstance(value, dict) and value:
        out.append(head)
        _mapping(value, indent + "  ", out)
    elif isinstance(value, list | tuple) and value:
        out.append(head)
        _sequence(value, indent, out)  # a list under a key sits at the key's indentation, as PyYAML writes it
    elif isinstance(value, dict | list | tuple):
        out.append(f"{head} {{}}" if isinstance(value, dict) else f"{head} []")
    else:
        block = _block(value, indent + "  ") if isinstance(value, str) else None
        if block is None:
            out.append(f"{head} {scalar(value)}")
        else:
            out.append(f"{head} {block[0]}")
            out.extend(block[1:])


_KEYS: dict[str, str] = {}  # keys repeat in every claim: their YAML form is worth remembering


def _key(key: Any) -> str:
    if type(key) is not str:
        return scalar(key)
    text = _KEYS.get(key)
    if text is None:
        text = scalar(key)
        if len(_KEYS) < 10_000:
            _KEYS[key] = text
    return text


def _mapping(value: dict[Any, Any], indent: str, out: list[str]) -> None:
    for key, item in value.items():
        _value(item, indent, out, f"{indent}{_key(key)}:")


def _sequence(items: list[Any] | tuple[Any, ...], indent: str, out: list[str]) -> None:
    inner = indent + "  "
    for item in items:
        if isinstance(item, dict | list | tuple) and item:
            nested: list[str] = []
            if isinstance(item, dict):
                _mapping(item, inner, nested)
            else:
                _sequence(item, inner, nested)
            nested[0] = f"{indent}- {nested[0][len(inner):]}"  # the first entry shares the dash's line
            out.extend(nested)
        else:
            _value(item, inner, out, f"{indent}-")


def emit(data: Any) -> str:
    """Block-style YAML text for ``data`` (mappings, lists, str, int, float, bool, None)."""
    out: list[str] = []
    if isinstance(data, dict) and data:
        _mapping(data, "", out)
    elif isinstance(data, list | tuple) and data:
        _sequence(data, "", out)
    else:
        _value(data, "", out, "")
        out[0] = out[0].lstrip()
    return "\n".join(out) + "\n"

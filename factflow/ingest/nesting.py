"""HTML nested deeper than the HTML parser reads, flattened so that none of its text is lost.

libxml2, the parser under lxml and trafilatura, stops at 256 nested elements ("Excessive depth in
document") and then gives back an empty document: a page with a few hundred unclosed ``<div>``,
``<font>`` or ``<dd>`` tags (an old template, a broken widget, a hostile page) lost all of its text,
not only its deep part, and was reported as having none. lxml's ``huge_tree`` only moves the limit
(to 2,048) and lets the libraries above it recurse that deep.

:func:`flatten_nesting` scans the page's tags once and follows libxml2's own rules for what is open:
void and self-closed elements open nothing; a start tag closes the current element when libxml2's
table says so (``<p>`` closes an open ``<p>``, ``<td>`` a ``<td>`` or ``<font>``, but ``<dd>`` never
a ``<dd>``); an end tag closes up to the element it names unless an element of higher end priority
(``div``, cells, rows, table parts, ``table``) is open inside that one, when libxml2 ignores it. It
then takes out the start and end tags of every element that holds more than :data:`MAX_DEPTH` levels
of elements (itself included), keeping everything inside them: the outer wrappers of a runaway
nesting go, the innermost levels, where an article's own markup is, stay; no chain of elements
left is longer than that. A block element's tags become a line break, so its text does not run
into its neighbour's. Where the model is unsure it counts an element as open (nesting over-counted costs
a few tags of a page already that deep; under-counted, the whole page): ``tests/test_hostile_input.py``
checks every rule against the libxml2 installed. A page that nests less deeply (every article page)
is returned as it came. Hand-written because no library rewrites a page tag by tag without building
the whole tree first (html5lib builds it, in Python, by other rules; the standard library's
``html.parser`` does not give back a tag's source text), and building the tree is what fails here.
One pass over the page: no pattern backtracks, an unterminated comment or quote is searched for once,
and an end tag's check looks at one open element per priority level.
"""

from __future__ import annotations

import contextlib
import re
from typing import overload

__all__ = ["MAX_DEPTH", "PARSER_DEPTH", "flatten_nesting", "readable_nesting"]

#: Elements holding more levels than this lose their tags (not their content). libxml2 reads 256;
#: article pages nest a few dozen deep; what trafilatura does with a tree is comfortably within this.
MAX_DEPTH = 128

#: How deep libxml2 reads before it gives up on the whole document.
PARSER_DEPTH = 256

#: Elements that never hold others: never on the stack.
_VOID = frozenset(
    "area base basefont bgsound br col embed frame hr image img input isindex keygen link meta param source track wbr".split()
)
#: Which start tags close the current element, as libxml2's ``htmlStartClose`` table does (a subset:
#: a pair missing here only over-counts). Each pair is checked against the installed libxml2 by a test.
_CLOSED_BY: dict[str, frozenset[str]] = {
    name: frozenset(closers.split())
    for names, closers in (
        ("p", "p li dt dd tr td th tbody tfoot colgroup caption div ul ol dl table form h1 h2 h3 h4 h5 h6 pre "
              "blockquote address center fieldset menu dir listing"),
        ("li", "li"),
        ("dt", "dd dl"),
        ("dd", "dt"),
        ("option", "option optgroup"),
        ("tr", "tr tbody tfoot"),
        ("td th", "tr td th tbody tfoot"),
        ("thead tbody", "tbody tfoot"),
        ("tfoot", "tbody"),
        ("colgroup caption", "tr thead tbody tfoot colgroup"),
        ("span", "td th"),
        ("b i", "p td th center"),
        ("u", "p td th"),
        ("s small big tt strike", "p"),
        ("font", "td th center"),
        ("a", "td th a table fieldset"),
        ("ul", "form pre address menu"),
        ("ol form", "form"),
        ("dl", "li form"),
        ("h1 h2 h3 h4 h5 h6", "p li table form fieldset"),
        ("pre listing", "li dt dd ul dl table form fieldset"),
        ("address", "li dt dd ul dl form"),
        ("menu dir", "dt dd ul dl form"),
    )
    for name in names.split()
}
#: libxml2's end-tag priorities (``htmlEndPriority``): an end tag is ignored while an element of a
#: higher priority is open inside the one it names. Every other element has :data:`_LOW`.
_END_PRIORITY = {
    "div": 150, "td": 160, "th": 160, "tr": 170, "thead": 180, "tbody": 180, "tfoot": 180, "table": 190, "head": 200, "body": 200, "html": 220,
}
_LOW = 100
#: The document's own elements, which libxml2 drops when misplaced, ignoring as many of their end tags.
_DOCUMENT = frozenset(("html", "head", "body"))
_LEVELS = sorted(set(_END_PRIORITY.values()))
#: Elements whose content is text up to their end tag, not markup.
_RAW_TEXT = frozenset("script style textarea title xmp iframe noembed noframes plaintext".split())  # not noscript: libxml2 reads it as markup
#: Elements that start a new line: taken out, they leave a ``<br>`` so that their text stays apart.
_BLOCK = frozenset(
    "address article aside blockquote caption center dd details dialog dir div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hgroup hr legend li listing main menu nav ol p pre section summary table tbody td tfoot th "
    "thead tr ul".split()
)

# A markup construct's start: a comment, a declaration or processing instruction, or a tag.
_START = re.compile(r"<(?:(!--)|([!?])|(/?)([A-Za-z][A-Za-z0-9:_-]*))")
# The rest of a tag after its name, possessive so that a failed match never backtracks; a ``<`` ends it.
_REST = re.compile(r"""(?:[^<>"']++|"[^"]*+"|'[^']*+')*+>""")
_RAW_END = {name: re.compile(rf"</{name}(?![A-Za-z0-9:_-])", re.IGNORECASE) for name in _RAW_TEXT}


@overload
def flatten_nesting(html: str, max_depth: int = ..., *, explicit: bool = ...) -> str: ...
@overload
def flatten_nesting(html: bytes, max_depth: int = ..., *, explicit: bool = ...) -> bytes: ...
def flatten_nesting(html: str | bytes, max_depth: int = MAX_DEPTH, *, explicit: bool = False) -> str | bytes:
    """``html`` with the tags of elements holding more than ``max_depth`` levels taken out and every end tag
    it leaves to the parser written out (see the module): whatever libxml2 makes of it, it nests no deeper
    than the scan counted. The same object when nothing is taken out, unless ``explicit``, which writes
    the end tags out even then (:func:`readable_nesting`'s second try)."""
    if isinstance(html, bytes):
        text = html.decode("latin-1")  # byte for byte: markup is ASCII in every encoding a page is read in
        flat = _flatten(text, max_depth, explicit)
        return html if flat is text else flat.encode("latin-1")
    return _flatten(html, max_depth, explicit)


@overload
def readable_nesting(html: str) -> str: ...
@overload
def readable_nesting(html: bytes) -> bytes: ...
def readable_nesting(html: str | bytes) -> str | bytes:
    """``html`` as libxml2 reads it whole: :func:`flatten_nesting`'s. A page the scan left as it came is
    checked by parsing it when it has tags enough to go too deep (a few per cent of what extracting the
    article costs; a page it rewrote needs no check); should libxml2 still stop (a rule of the parser's
    the scan does not know), the page with every end tag written out."""
    flat = flatten_nesting(html)
    if flat is not html or (html.count(b"<") if isinstance(html, bytes) else html.count("<")) <= PARSER_DEPTH:
        return flat
    from lxml import etree  # imported here: the scan itself needs none of it

    parser = etree.HTMLParser()
    with contextlib.suppress(etree.ParserError, etree.XMLSyntaxError, ValueError):  # what it read does not matter
        etree.fromstring(flat.encode("utf-8", "replace") if isinstance(flat, str) else flat, parser)
    if any(error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT for error in parser.error_log):
        return flatten_nesting(html, explicit=True)
    return flat


def _flatten(html: str, max_depth: int, explicit: bool) -> str:
    if html.count("<") <= max_depth and not explicit:  # too few tags to nest that deep
        return html
    size = len(html)
    # Open elements: name, start tag's span, and the height of the tallest element closed inside it.
    stack: list[tuple[str, int, int, list[int]]] = []
    where: dict[str, list[int]] = {}  # each name's places on the stack, innermost last
    high: dict[int, list[int]] = {level: [] for level in _LEVELS}  # places of elements of each raised end priority
    # What to write instead of a span of the page: (start, end, order, text, block); order keeps an end
    # tag put before a start tag ahead of that start tag's own edit.
    edits: list[tuple[int, int, int, str, bool]] = []
    taken_out = 0
    opened = False  # whether an element was opened yet
    discarded = 0  # misplaced <html>, <head> and <body> tags libxml2 dropped: as many of their end tags are ignored
    unterminated: set[str] = set()  # closers found missing once: not searched for again

    def close_to(index: int, at: int, end: int) -> None:
        """Close the elements from the top of the stack down to ``index``, writing an end tag for each one
        kept in place of ``html[at:end]`` (an end tag, or nothing before a start tag), so that the page
        says explicitly what it left to the parser; the tags of each element holding more than
        ``max_depth`` levels are taken out."""
        nonlocal taken_out
        ends: list[str] = []
        broken = False
        while len(stack) > index:
            name, start, stop, inside = stack.pop()
            where[name].pop()
            if name in _END_PRIORITY:
                high[_END_PRIORITY[name]].pop()
            height = inside[0] + 1
            if stack:
                stack[-1][3][0] = max(stack[-1][3][0], height)
            if height > max_depth:
                taken_out += 1
                edits.append((start, stop, len(edits), "", name in _BLOCK))
                broken = broken or name in _BLOCK
            else:
                ends.append(f"</{name}>")
        if at < size:  # at the page's end the parser closes them all
            edits.append((at, end, len(edits), "".join(ends), broken))

    pos = 0
    while pos < size:
        found = _START.search(html, pos)
        if found is None:
            break
        comment, other, slash, raw_name = found.groups()
        if comment or other:
            closer = "-->" if comment else ">"
            end = -1 if closer in unterminated else html.find(closer, found.end())
            if end < 0:
                if comment:
                    break  # the rest of the page is a comment
                unterminated.add(closer)
                pos = found.end()
                continue
            pos = end + len(closer)
            continue
        rest = _REST.match(html, found.end())
        if rest is None:
            pos = found.end()
            continue
        pos = rest.end()
        name = raw_name.lower()
        if slash:
            if discarded and name in _DOCUMENT:
                discarded -= 1
                continue
            places = where.get(name)
            if not places:
                continue  # a stray end tag: the parser ignores it
            index = places[-1]
            priority = _END_PRIORITY.get(name, _LOW)
            if any(high[level] and high[level][-1] > index for level in _LEVELS if level > priority):
                edits.append((found.start(), pos, len(edits), "", False))  # ignored, as libxml2 ignores it:
                continue  # a <div> (a cell, a table) is open inside its element
            close_to(index, found.start(), pos)
            continue
        if name in _RAW_TEXT:  # never taken out (its text would become the page's): skip to its end tag
            end_tag = _RAW_END[name].search(html, pos)
            if end_tag is None:
                break  # the rest of the page is this element's text
            pos = end_tag.end()
            continue
        if name in _VOID or html[pos - 2] == "/":  # <br>, <div/>
            continue
        if name in _DOCUMENT and (
            (name == "html" and opened)  # libxml2 has opened <html> by then
            or (name == "head" and (len(stack) > 1 or stack and stack[0][0] != "html"))  # a <head> only under <html>
            or (name == "body" and where.get("body"))  # a second <body> while one is open
        ):
            discarded += 1
            continue
        if stack and name in _CLOSED_BY.get(stack[-1][0], ()):  # <p> closes an open <p>
            index = len(stack) - 1
            while index and name in _CLOSED_BY.get(stack[index - 1][0], ()):
                index -= 1
            close_to(index, found.start(), found.start())
        where.setdefault(name, []).append(len(stack))
        if name in _END_PRIORITY:
            high[_END_PRIORITY[name]].append(len(stack))
        stack.append((name, found.start(), pos, [0]))
        opened = True
    close_to(0, size, size)  # what the page leaves open, closed by the parser at its end
    if not taken_out and not explicit:
        return html
    edits.sort()
    pieces: list[str] = []
    kept_from, broken = 0, False
    for start, end, _, text, block in edits:
        between = html[kept_from:start]
        pieces.append(between)
        if between and not between.isspace():
            broken = False
        pieces.append(text)
        if block and not broken:  # one line break for a run of block tags with no text between them
            pieces.append("<br>")
            broken = True
        kept_from = end
    pieces.append(html[kept_from:])
    return "".join(pieces)

"""HTML nested deeper than the HTML parser reads, flattened so that none of its text is lost.

libxml2, the parser under lxml and trafilatura, stops at 256 nested elements ("Excessive depth in
document") and then gives back an empty document: a page with a few hundred unclosed ``<div>`` or
``<font>`` tags (an old template, a broken widget, a hostile page) lost all of its text, not only
its deep part, and was reported as having none. lxml's ``huge_tree`` only moves the limit (to 2,048)
and lets the libraries above it recurse that deep.

:func:`flatten_nesting` scans the page's tags once, the way an HTML parser opens and closes
elements (void elements and those whose end tag is optional never count, end tags close up to
the element they name), and takes out the start and end tags of elements nested more than
:data:`MAX_DEPTH` deep, keeping everything inside them; a block element's tags become a line break,
so its text does not run into its neighbour's. A page that nests less deeply (every article
page) is returned as it came. Hand-written because no library rewrites a page tag by tag without
building the whole tree first (html5lib builds it, in Python; the standard library's ``html.parser``
does not give back a tag's source text), and building the tree is what fails here. Linear in the
page: no pattern backtracks, and an unterminated comment or quote is searched for once.
"""

from __future__ import annotations

import re
from typing import overload

__all__ = ["MAX_DEPTH", "flatten_nesting"]

#: Elements nested deeper than this lose their tags (not their content). libxml2 reads 256; article
#: pages nest a few dozen deep; what trafilatura does with a tree is comfortably within this.
MAX_DEPTH = 128

#: Elements that never hold others: never on the stack.
_VOID = frozenset(
    "area base basefont bgsound br col embed frame hr image img input isindex keygen link meta param source track wbr".split()
)
#: Elements whose end tag may be left out (a parser closes them itself): not counted, never taken out.
_OPTIONAL_END = frozenset("p li dt dd option optgroup tr td th thead tbody tfoot colgroup caption rb rt rtc rp html head body".split())
#: Elements whose content is text up to their end tag, not markup.
_RAW_TEXT = frozenset("script style textarea title xmp iframe noembed noframes noscript plaintext".split())
#: Elements that start a new line: taken out, they leave a ``<br>`` so that their text stays apart.
_BLOCK = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer form h1 h2 h3 "
    "h4 h5 h6 header hgroup hr legend main menu nav ol pre section summary table ul".split()
)

# A markup construct's start: a comment, a declaration or processing instruction, or a tag.
_START = re.compile(r"<(?:(!--)|([!?])|(/?)([A-Za-z][A-Za-z0-9:_-]*))")
# The rest of a tag after its name, possessive so that a failed match never backtracks; a ``<`` ends it.
_REST = re.compile(r"""(?:[^<>"']++|"[^"]*+"|'[^']*+')*+>""")
_RAW_END = {name: re.compile(rf"</{name}(?![A-Za-z0-9:_-])", re.IGNORECASE) for name in _RAW_TEXT}


@overload
def flatten_nesting(html: str, max_depth: int = ...) -> str: ...
@overload
def flatten_nesting(html: bytes, max_depth: int = ...) -> bytes: ...
def flatten_nesting(html: str | bytes, max_depth: int = MAX_DEPTH) -> str | bytes:
    """``html`` with the tags of elements nested more than ``max_depth`` deep taken out (see the module);
    the same object when there are none."""
    if isinstance(html, bytes):
        text = html.decode("latin-1")  # byte for byte: markup is ASCII in every encoding a page is read in
        flat = _flatten(text, max_depth)
        return html if flat is text else flat.encode("latin-1")
    return _flatten(html, max_depth)


def _flatten(html: str, max_depth: int) -> str:
    if html.count("<") <= max_depth:  # too few tags to nest that deep
        return html
    stack: list[tuple[str, bool]] = []  # open elements: name, and whether its tags are taken out
    where: dict[str, list[int]] = {}  # each name's places on the stack, innermost last
    depth = 0  # open elements whose tags stay
    cuts: list[tuple[int, int, bool]] = []  # (start, end, block) of each tag taken out
    unterminated: set[str] = set()  # closers found missing once: not searched for again
    pos, size = 0, len(html)
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
            places = where.get(name)
            if not places:
                continue  # a stray end tag: the parser ignores it
            index = places[-1]
            while len(stack) > index:  # an end tag closes what is still open inside its element
                closed, taken_out = stack.pop()
                where[closed].pop()
                depth -= not taken_out
            if taken_out:  # the element it names (the last one closed) lost its start tag: this one goes too
                cuts.append((found.start(), pos, name in _BLOCK))
            continue
        if name in _RAW_TEXT:  # never taken out (its text would become the page's): skip to its end tag
            end_tag = _RAW_END[name].search(html, pos)
            if end_tag is None:
                break  # the rest of the page is this element's text
            pos = end_tag.end()
            continue
        if name in _VOID or name in _OPTIONAL_END or html[pos - 2] == "/":  # <br>, <p>, <div/>
            continue
        taken_out = depth >= max_depth
        if taken_out:
            cuts.append((found.start(), pos, name in _BLOCK))
        else:
            depth += 1
        where.setdefault(name, []).append(len(stack))
        stack.append((name, taken_out))
    if not cuts:
        return html
    pieces: list[str] = []
    kept_from, broken = 0, False
    for start, end, block in cuts:
        between = html[kept_from:start]
        if between and not between.isspace():
            pieces.append(between)
            broken = False
        if block and not broken:  # one line break for a run of block tags with no text between them
            pieces.append("<br>")
            broken = True
        kept_from = end
    pieces.append(html[kept_from:])
    return "".join(pieces)

"""Regular expressions from the config that could backtrack without end, found before a run uses them.

Python's engine backtracks: a repetition nested in another that can match the same characters
(``(a+)+``, ``(\\w+\\s?)*``) tries every way of splitting a text between the two, a number of ways
exponential in its length, and two repetitions in a row that can match the same characters
(``.*.*x``, ``\\w+\\d*\\w+x``) try every split point of every pair: on a sentence of 3,000 characters
``\\w+\\d*\\w+x`` took 43 s, ``(a*)*$`` 2.8 s on 25. A pattern of either shape is refused when the
config is read; everything else runs, on sentences bounded by ``claims.max_sentence_chars``, in time (below).

The check works on the parse tree Python's own compiler reads (``re._parser``), with each set of
characters sampled on the characters the pattern names and a few of every class (letters, digits,
spaces, punctuation, other scripts): two parts *can match the same character* when one sample
character matches both. It errs towards letting a pattern through: two alternatives that must
each match a character are never compared (``(abc|a\\wc)+`` passes), nor what lies between two
repetitions that must match a character (``.*foo.*bar`` passes, slow only on a text repeating ``foo``).

What the check lets through can still take hours with ``re``: ``.*foo.*bar`` took 5.7 s on one
sentence of 3,000 characters (``foo foo ...``; the default ``claims.max_sentence_chars``, which may be
raised to 10,000,000), ``.*a.*b.*c.*d`` more than 2 minutes on 300 (``abc abc ...``), and
``(abc|a\\wc)+$`` (exponential) about 20 minutes on a byline line of 100. So the run never searches
with ``re``: :class:`ConfigPattern` compiles each pattern with the third-party ``regex`` module
(locked; it comes with trafilatura through dateparser), whose syntax and meaning are ``re``'s (its
VERSION0) and whose searches take a time limit. It is also quicker on these (``.*a.*b.*c.*d``: 0.03 s
at 3,000 characters, 0.7 s at 12,000), but not always: a search past :data:`SEARCH_SECONDS` stops
the run with a ConfigError naming the setting, the pattern and the text; no pattern can hang it.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import regex

from factflow.errors import ConfigError

# The parser Python's own compiler reads (3.11+), and its opcode names; private, so typed loosely.
P: Any = importlib.import_module("re._parser")
C: Any = importlib.import_module("re._constants")

#: Characters of every class a pattern may name, beside the pattern's own literal characters.
_SAMPLES = "aZq5_ \t\n.,-'\"!/:;?()&%$#@é\u00dfЖ\u0663\u00a0\u2019\x00"
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT)
_UNBOUNDED = C.MAXREPEAT

_NESTED = ("nests a repetition (+, *, {m,n}) in another where both can match the same text, as (a+)+ or "
           "(\\w+\\s?)* do: a long sentence then takes time exponential in its length, and the run hangs; "
           "write it so each character can be matched one way only, such as \\w+(?:\\s\\w+)*")
_IN_A_ROW = ("has two open-ended repetitions in a row that can match the same characters, as .*.* or \\w+\\d*\\w+ "
             "do: a long sentence then takes time growing with its length cubed; keep one of them")


#: The longest one search of a config pattern may take; the ones people write take microseconds on the
#: longest sentence, the ones that backtrack take hours.
SEARCH_SECONDS = 2.0

_SLOW = ("and was stopped: it backtracks, trying the same characters many ways, as .*a.*b.*c or (abc|a\\wc)+ do; "
         "write it so each character can be matched one way only, and start it with fixed text or an anchor, "
         "such as ^Share this or Photo: .*")


class ConfigPattern:
    """One regular expression of the config (``setting`` names where), compiled as the config checked it:
    alone and case-insensitive; every search is bounded by :data:`SEARCH_SECONDS`."""

    def __init__(self, setting: str, pattern: str) -> None:
        self.setting = setting
        self.pattern = pattern
        self._rx = regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)

    def search(self, text: str, where: str | Callable[[], str] = "a text") -> bool:
        """Whether the pattern is found in ``text``; ConfigError if the search takes too long. ``where``
        says what ``text`` is (a callable: worked out only for the message)."""
        try:
            return self._rx.search(text, timeout=SEARCH_SECONDS) is not None
        except TimeoutError:
            place = where() if callable(where) else where
            short = repr(self.pattern) if len(self.pattern) <= 80 else repr(self.pattern[:77] + "...")
            raise ConfigError(self.setting, f"{short} took more than {SEARCH_SECONDS:g} s on {place} "
                                            f"({len(text):,} characters) {_SLOW}") from None


def compile_patterns(setting: str, patterns: Iterable[str]) -> tuple[ConfigPattern, ...]:
    """The patterns of one setting, each compiled alone (see :class:`ConfigPattern`)."""
    return tuple(ConfigPattern(setting, p) for p in patterns)


def backtracking_risk(pattern: str) -> str | None:
    """Why ``pattern`` could backtrack without end (see the module), or None. ``pattern`` compiles."""
    tree = P.parse(pattern, re.IGNORECASE)
    samples = frozenset(_SAMPLES) | frozenset(_literals(tree))
    samples |= frozenset(x for c in samples for x in _cases(c))
    return _Check(samples).risk(tree)


def _literals(items: Iterable[tuple[Any, Any]]) -> Iterable[str]:
    for op, av in items:
        if op in (C.LITERAL, C.NOT_LITERAL):
            yield chr(av)
        elif op is C.RANGE or op is C.RANGE_UNI_IGNORE:
            yield from (chr(av[0]), chr(min(av[0] + 1, av[1])), chr(av[1]))
        elif op is C.IN:
            yield from _literals(av)
        else:
            for sub in _children(op, av):
                yield from _literals(sub)


def _children(op: Any, av: Any) -> list[Sequence[tuple[Any, Any]]]:
    """The sub-sequences of one node."""
    if op in _REPEATS or op is C.POSSESSIVE_REPEAT:
        return [av[2]]
    if op is C.SUBPATTERN:
        return [av[3]]
    if op is C.ATOMIC_GROUP:
        return [av]
    if op is C.BRANCH:
        return list(av[1])
    if op is C.GROUPREF_EXISTS:
        return [av[1]] + ([av[2]] if av[2] is not None else [])
    if op in (C.ASSERT, C.ASSERT_NOT):
        return [av[1]]
    return []


class _Check:
    def __init__(self, samples: frozenset[str]) -> None:
        self.samples = samples
        self._memo: dict[tuple[Any, Any], tuple[frozenset[str], bool]] = {}  # the tree lives as long as the check
        self.found: str | None = None

    def risk(self, items: Sequence[tuple[Any, Any]]) -> str | None:
        self._visit(items)
        return self.found

    # -- what a part can match first, and whether it can match nothing ---------------------------------

    def first(self, items: Sequence[tuple[Any, Any]]) -> tuple[frozenset[str], bool]:
        """The sample characters a sequence can start with, and whether it can match the empty text."""
        found: set[str] = set()
        for op, av in items:
            chars, empty = self._first_of(op, av)
            found |= chars
            if not empty:
                return frozenset(found), False
        return frozenset(found), True

    def _first_of(self, op: Any, av: Any) -> tuple[frozenset[str], bool]:
        key = (op, av) if op is C.LITERAL or op is C.NOT_LITERAL else (op, id(av))
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._first_of_node(op, av)
        return found

    def _first_of_node(self, op: Any, av: Any) -> tuple[frozenset[str], bool]:
        if op is C.LITERAL:
            return self._where(lambda c: any(ord(x) == av for x in _cases(c))), False
        if op is C.NOT_LITERAL:
            return self._where(lambda c: all(ord(x) != av for x in _cases(c))), False
        if op is C.ANY:
            return self._where(lambda c: c != "\n"), False
        if op is C.IN:
            return self._where(lambda c: any(_in_set(av, x) for x in _cases(c))), False
        if op in _REPEATS or op is C.POSSESSIVE_REPEAT:
            low, high, body = av
            if high == 0:
                return frozenset(), True
            chars, empty = self.first(body)
            return chars, empty or low == 0
        if op is C.GROUPREF:
            return self.samples, True
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            return frozenset(), True
        parts = [self.first(sub) for sub in _children(op, av)]
        if op is C.GROUPREF_EXISTS and len(parts) == 1:
            parts.append((frozenset(), True))
        if not parts:
            return frozenset(), True
        return frozenset().union(*(p[0] for p in parts)), any(p[1] for p in parts)

    def _where(self, test: Any) -> frozenset[str]:
        return frozenset(c for c in self.samples if test(c))

    # -- the two shapes ----------------------------------------------------------------------------------

    def _visit(self, items: Sequence[tuple[Any, Any]]) -> None:
        """Look at every repetition in the pattern, and every sequence for repetitions in a row."""
        if self.found:
            return
        self._in_a_row(items)
        for op, av in items:
            if op in _REPEATS and av[1] > 1:
                body = av[2]
                again, _ = self.first(body)  # what the next round of the outer repetition starts with
                self._inner(body, again)
            if op is not C.ATOMIC_GROUP:  # inside an atomic group nothing is tried twice
                for sub in _children(op, av):
                    self._visit(sub)

    def _inner(self, items: Sequence[tuple[Any, Any]], follow: frozenset[str]) -> None:
        """Inside an outer repetition: an inner repetition of varying length whose next round could begin
        with a character that what follows it (in the outer's body, or its next round) could take too."""
        after = follow  # what may follow the node at hand: the nodes after it, and what follows them all
        for op, av in reversed(items):
            if self.found:
                return
            if op in _REPEATS and av[1] > 1 and av[1] != av[0]:
                starts, _ = self.first(av[2])
                if starts & after:
                    self.found = _NESTED
                    return
                self._inner(av[2], starts | after)
            elif op in (C.SUBPATTERN, C.BRANCH, C.GROUPREF_EXISTS):
                subs = _children(op, av)
                # An alternative that can match nothing beside another that can too, or that starts with what
                # the first could start with or be followed by: "a(|)" (what (a|a) parses to), "a(|a)" ((a|aa)).
                # (Alternatives that both must match a character are let through: (w1x|w10x) is no risk.)
                alternatives = [self.first(sub) for sub in subs]
                for i, (begins, empty) in enumerate(alternatives):
                    if empty and any(j != i and (other_empty or (begins | after) & other)
                                     for j, (other, other_empty) in enumerate(alternatives)):
                        self.found = _NESTED
                        return
                for sub in subs:
                    self._inner(sub, after)
            chars, empty = self._first_of(op, av)
            after = chars | after if empty else chars

    def _in_a_row(self, items: Sequence[tuple[Any, Any]]) -> None:
        """Two open-ended repetitions in one sequence, with nothing between them that must match a
        character, both able to match one character."""
        seen: frozenset[str] | None = None  # what the open-ended repetitions since the last such thing match
        for op, av in items:
            node_op, node_av = _single(op, av)
            if node_op in _REPEATS and node_av[1] == _UNBOUNDED and node_av[1] != node_av[0]:
                starts, _ = self.first(node_av[2])  # what each round begins with: what the one before could take
                if seen is not None and starts & seen:
                    self.found = _IN_A_ROW
                    return
                seen = starts | (seen or frozenset())
            elif op is C.ATOMIC_GROUP or not self._first_of(op, av)[1]:
                seen = None  # something that must match a character stands between


def _single(op: Any, av: Any) -> tuple[Any, Any]:
    """A group holding one node stands for that node (``(?:.*)`` is ``.*``)."""
    while op is C.SUBPATTERN and len(av[3]) == 1:
        op, av = av[3][0]
    return op, av


def _cases(char: str) -> set[str]:
    """``char`` and its other cases, as a case-insensitive pattern matches them (one character each)."""
    return {x for x in (char, char.lower(), char.upper()) if len(x) == 1}


def _in_set(items: Sequence[tuple[Any, Any]], char: str) -> bool:
    """Whether ``char`` is in a character class (``[...]``, ``\\w``, ``\\d``, ``\\s`` ...)."""
    code = ord(char)
    negate = False
    hit = False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            hit = hit or code == av
        elif op is C.RANGE or op is C.RANGE_UNI_IGNORE:
            hit = hit or av[0] <= code <= av[1]
        elif op is C.CATEGORY:
            hit = hit or _category(av, char)
    return hit != negate


def _category(category: Any, char: str) -> bool:
    name = str(category)
    positive = name.replace("_NOT_", "_")
    if positive.endswith("DIGIT"):
        value = char.isdecimal()
    elif positive.endswith("SPACE"):
        value = char.isspace()
    elif positive.endswith("WORD"):
        value = char.isalnum() or char == "_"
    elif positive.endswith("LINEBREAK"):
        value = char == "\n"
    else:
        return True
    return value if positive == name else not value

"""Capitalised names and acronyms in a sentence: the one cheap name finder the stages share.

The claims stage reads it for its signals, a claim's anatomy and its key terms; the sources
stage for the names a knowledge-base lookup starts from when a claim carries no entities. It
lives here, outside both stages, so that neither reaches into the other.
"""

from __future__ import annotations

import re

# An ordinary word that begins a sentence is capitalised without being a name.
_SENTENCE_STARTERS = frozenset(
    """a an the in on at of for to from by with as and but or so if when while after before since
    this that these those it its he she they we i you his her their our my your there here what who
    which why how where some many most all no not one two three also yet still then now last next
    however meanwhile according mounting news""".split()
)
#: What may come before a sentence's first word: spaces, opening quotes and brackets.
_OPENING = " \"“‘'(["
_ENTITY = re.compile(r"\b(?:[A-Z][\w’'.-]*[a-z][\w’'-]*|[A-Z]{2,}[a-z]?)(?:\s+(?:of|the|de|al|bin|van|von|for)?\s*(?:[A-Z][\w’'-]*|\d+))*")


def name_spans(sentence: str) -> list[tuple[str, int, int]]:
    """Capitalised names and acronyms (text, start, end), skipping an ordinary sentence-initial word."""
    found: list[tuple[str, int, int]] = []
    # Where the sentence's text begins, past opening quotes and brackets: a name that starts there starts the
    # sentence. Found once: cutting and stripping the text before each name made a long "sentence" (a
    # 10 MB row given to `factflow claims score`) take time quadratic in its length.
    opening = len(sentence) - len(sentence.lstrip(_OPENING))
    for m in _ENTITY.finditer(sentence):
        text, start = m.group(0), m.start()
        words = text.split()
        if start <= opening and words[0].lower().strip("’'") in _SENTENCE_STARTERS:
            if len(words) == 1:
                continue
            dropped = len(words[0]) + 1
            text, start = text[dropped:].lstrip(), start + dropped
        text = text.rstrip(".-’'")
        if text.isupper() and len(text) > 1 and sentence[start - 1:start] == "(":
            _join_what_it_spells(sentence, found, text, start)
        found.append((text, start, start + len(text)))
    return found


#: Small words a name spelled out by an acronym may hold: "Islamic State of Iraq and Levant (ISIL)".
_JOINING = frozenset(("and", "&", "of", "the", "for"))


def _join_what_it_spells(sentence: str, found: list[tuple[str, int, int]], acronym: str, at: int) -> None:
    """Join the names just before a bracketed acronym into one when, with the small words between them,
    their capitals spell it: "Islamic State of Iraq" and "Levant" before "(ISIL)" are one name, where
    "and" would otherwise split them (and "Russia and Iran" stays two names, as no acronym spells them)."""
    if len(found) < 2 or sentence[found[-1][2]:at - 1].strip():  # the acronym right after the last name
        return
    end = found[-1][2]
    for first in range(len(found) - 2, max(-1, len(found) - 5), -1):
        start = found[first][1]
        words = sentence[start:end].split()
        if not all(w in _JOINING or w[:1].isupper() for w in words):
            return
        if "".join(w[0] for w in words if w[:1].isupper()) == acronym:
            found[first:] = [(sentence[start:end], start, end)]
            return

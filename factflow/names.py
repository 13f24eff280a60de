"""Capitalised names and acronyms in a sentence: the one cheap name finder the stages share.

The claims stage reads it for its signals, a claim's anatomy and its key terms; the sources
stage for the names a knowledge-base lookup starts from when a claim carries no entities. It
lives here, outside both stages, so that neither reaches into the other.

A capital is the only cue, so what is not a name is told by the words themselves:

* a function word ("The", "For", "According", "Neither") is capitalised only because something
  begins there, wherever that is ("floating around.For the unaware", "here: The letter");
* at the start of a sentence (or after a colon or semicolon, or a full stop with no space after it,
  which the splitter keeps inside one sentence), a single common word is not a name: "Human sources
  say ...", "Revenues up 5%", and nor is an adverb and its comma: "Amazingly, ...". Which words are common is shipped in
  ``common-words.txt.gz``, words written in lower case far more often than with a capital inside
  sentences (``scripts/build_common_words.py``): "Russia" and "Simpson" are not on it, "Human" is;
* a sentence in capitals ("SHANGHAI REJECTS NY PRICING OF GOLD") has no cue at all: it has no names;
* a name does not end in a possessive, nor in a modifier's ending: "Simpson’s testimony" names Simpson,
  "Iranian-backed militants" the Iranians.
"""

from __future__ import annotations

import gzip
import re
import string
from functools import lru_cache
from importlib import resources

#: Words capitalised only because something begins with them: never a name on their own, and dropped
#: from the front of a name that starts a sentence ("Neither President Obama" names President Obama).
_FUNCTION_WORDS = frozenset(
    """a an the in on at of for to from by with as and but or nor so if when while after before since
    this that these those it its he she they we i you his her their our my your there here what who
    which why how where some many most all no not one two three also yet still then now last next
    however meanwhile according mounting news neither either each every both such only even just
    although though because unless until whether despite instead thus hence therefore moreover
    furthermore indeed perhaps do does did is are was were be been being has have had would should
    could must shall whose whom whatever whoever whichever wherever whenever""".split()
)
#: The shipped list of common lower-case words (see the module docstring).
COMMON_WORDS_FILE = "common-words.txt.gz"
#: What may come before a sentence's first word: spaces, opening quotes and brackets.
_OPENING = " \"“‘'(["
# A name: capitalised words, acronyms ("NATO") and dotted ones ("U.S.", "D.C."), with numbers and small joining words.
# A number continues a name right after a word ("Division 52", "MiG 29"), never after a joining word
# ("Kingdom for 10"); a full stop glued to a capital ends a word ("Louisiana.Credits" is two sentences).
_ENTITY = re.compile(
    r"\b(?:(?:[A-Z]\.){2,}|[A-Z](?:[\w’'-]|\.(?![A-Z]))*[a-z][\w’'-]*|[A-Z]{2,}[a-z]?)"
    r"(?:\s+(?:(?:of|the|de|al|bin|van|von|for)\s+)?(?:(?:[A-Z]\.){2,}|[A-Z][\w’'-]*)|\s+\d+)*")
# A possessive inside a name ends one name and begins another: "Trump’s White House", "China’s Yuan".
_INNER_POSSESSIVE = re.compile(r"[’']s\s+")
_DOTTED_END = re.compile(r"(?:^|[\s.])[A-Z]\.$")
# Where a sentence begins again inside one: after a colon or semicolon, or after a full stop (or ! or ?)
# glued to the next word ("system.Consuming kefir"; not "U.S. Army", whose stop ends an abbreviation).
# It opens with a character class, which the regex engine scans for quickly (an alternation first cost 6x).
_RESTART = re.compile(r"[:;.!?](?:(?<=[:;])\s+|(?<=[a-z][.!?])(?=[\"“‘'(\[]*[A-Z]))[\"“‘'(\[]*")
# An adverb that opens a sentence with a comma ("Crucially, ..."), by its ending: not "Italy, ..." nor "Kelly, ...".
_ADVERB = re.compile(r"(?:ally|ingly|ously|ively|edly|fully|ably|ibly|ately|ently|antly|arly|arily)$")
# A participle that opens a sentence opens no name: "Following Duterte’s visit", "Aiding Trump".
_PARTICIPLE = re.compile(r"[a-z]{3,}(?:ing|ed)$")
_APOSTROPHE = re.compile(r"[’']")
# A name made into a modifier: "Iranian-backed", "Saudi-led", "Soviet-era" name Iran, the Saudis, the Soviets.
_MODIFIER = re.compile(
    r"-(?:backed|led|based|born|owned|run|funded|made|style|era|linked|allied|affiliated|aligned|controlled|held|"
    r"sponsored|supported|inspired|friendly|leaning|bred|built|trained|armed|brokered|dominated)$")
#: A sentence with at least this many letters, nearly all capitals, is written in capitals.
_SHOUTING_LETTERS, _SHOUTING_SHARE = 12, 0.8
_LOWER_BYTES, _UPPER_BYTES = string.ascii_lowercase.encode(), string.ascii_uppercase.encode()


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """The shipped common lower-case words (see the module docstring)."""
    data = resources.files(__package__ or "factflow").joinpath(COMMON_WORDS_FILE).read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def _base(word: str) -> str:
    """A word in lower case without an apostrophe's ending: "I’m" -> "i", "Simpson’s" -> "simpson"."""
    word = word.lower()
    return _APOSTROPHE.split(word, 1)[0] if "’" in word or "'" in word else word


def _shouting(sentence: str) -> bool:
    """Whether the sentence is written in capitals (its ASCII letters, 80% or more). Every sentence is
    asked, so the letters are counted by deleting them from its bytes (``bytes.translate`` runs in C;
    a loop over the characters cost more than finding the names)."""
    raw = sentence.encode("utf-8", "ignore")
    lower = len(raw) - len(raw.translate(None, _LOWER_BYTES))
    if lower * 5 > len(raw):
        return False  # most sentences: too many small letters to be 80% capitals
    upper = len(raw) - len(raw.translate(None, _UPPER_BYTES))
    letters = upper + lower
    return letters >= _SHOUTING_LETTERS and upper >= _SHOUTING_SHARE * letters


def name_spans(sentence: str) -> list[tuple[str, int, int]]:
    """Capitalised names and acronyms (text, start, end), without ordinary words a sentence starts with."""
    if _shouting(sentence):
        return []
    # Every capitalised span, and whether it is a name: an ordinary word that starts the sentence is
    # not, but may still begin one that a bracketed acronym spells ("People for the ... (PETA)").
    spans: list[tuple[str, int, int, bool]] = []
    # Where sentences begin, past opening quotes and brackets: found once, so a long "sentence" (a
    # 10 MB row given to `factflow claims score`) costs time linear in its length.
    starts = {len(sentence) - len(sentence.lstrip(_OPENING))}
    starts.update(m.end() for m in _RESTART.finditer(sentence))
    for m in _ENTITY.finditer(sentence):
        text, start = m.group(0), m.start()
        words = text.split()
        first = _base(words[0])
        if len(words) == 1 and first in _FUNCTION_WORDS and text[1:].islower():
            continue  # "For", "The", "According": capitalised because something begins there
        is_name = True
        if start in starts:
            if len(words) == 1:
                # "Human sources say ...", "Amazingly, ...": an ordinary word begins the sentence
                is_name = first not in common_words() and not (_ADVERB.search(first) and sentence[m.end():m.end() + 1] == ",")
            elif first in _FUNCTION_WORDS or (_PARTICIPLE.match(first) and first in common_words()):
                # "In 2009 the Iraqi Ministry of Oil", "Following Duterte": drop the opener, and a number or
                # small word after it.
                rest = 1
                while rest < len(words) - 1 and not words[rest][:1].isupper():
                    rest += 1
                if not words[rest][:1].isupper():
                    continue  # "In 2009": no name after the opener
                dropped = text.index(words[rest], len(words[0]))
                text, start = text[dropped:], start + dropped
        for part, at in _parts(text, start):
            if part.endswith(("’s", "'s")):
                part = part[:-2]
            elif "-" in part:
                part = _MODIFIER.sub("", part)  # "Iranian-backed militants": Iranian
            part = part.rstrip("-’'")
            if not _DOTTED_END.search(part):  # "U.S." keeps its last stop; "Inc." and a sentence's end do not
                part = part.rstrip(".-’'")
            if not part:
                continue
            if part.isupper() and len(part) > 1 and sentence[at - 1:at] == "(":
                _join_what_it_spells(sentence, spans, part, at)
            spans.append((part, at, at + len(part), is_name))
    return [(text, start, end) for text, start, end, is_name in spans if is_name]


def _parts(text: str, start: int) -> list[tuple[str, int]]:
    """A name and where it starts, or the names a possessive inside it separates ("Trump’s", "White House")."""
    if "s " not in text:
        return [(text, start)]
    parts, at = [], 0
    for m in _INNER_POSSESSIVE.finditer(text):
        parts.append((text[at:m.start() + 2], start + at))
        at = m.end()
    parts.append((text[at:], start + at))
    return parts


#: Small words a name spelled out by an acronym may hold: "Islamic State of Iraq and Levant (ISIL)".
_JOINING = frozenset(("and", "&", "of", "the", "for"))


def _join_what_it_spells(sentence: str, found: list[tuple[str, int, int, bool]], acronym: str, at: int) -> None:
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
            found[first:] = [(sentence[start:end], start, end, True)]
            return

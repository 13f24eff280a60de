"""Sentence splitting and boilerplate detection.

Hand-written on purpose: a regular-expression splitter runs many times faster than pysbd or
NLTK's punkt on news text and, with the rules below, keeps their accuracy on what news has:
quotations of several sentences, abbreviations, initials, decimals, URLs and ellipses.
Sentences are returned as spans of the original text, so every claim is a substring of its
document.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Sequence

from factflow.regexes import compile_patterns

ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "capt", "cmdr", "adm", "maj", "rev", "st", "jr", "sr", "inc", "corp", "co", "ltd", "llc", "vs", "etc", "e.g", "i.e", "u.s", "u.k", "u.n", "a.m", "p.m", "no", "nos", "fig", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft", "approx", "dept", "est", "pres", "sec", "ave", "blvd", "rd", "hon", "messrs", "al", "op", "cf", "ed", "eds", "vol", "pp", "ch", "art",
     # references to a page, paragraph, figure or chapter, and circa: "(p. 12)", "c. 1900"
     "p", "para", "paras", "figs", "vols", "chap", "ca", "c",
     # titles before several names: "Reps. Jim Jordan and Ron DeSantis", "Sens. McCain and Graham"
     "reps", "sens", "govs", "gens", "drs", "profs", "mmes", "atty", "attys", "supt", "insp"]
)

# A terminal run (., !, ?, ellipsis) with any closing quotes or brackets and a footnote's number ("[2,3]"), before whitespace.
# Matched only from the start of a run, possessively, so a long run of dots costs linear time.
# Or, glued to the next sentence where a newline between paragraphs was lost ("... the immune system.The
# next ..."): before a capitalised word (see :func:`_glued_boundary`).
_TERMINAL = re.compile(r"(?<![.!?…])[.!?…]++[\"”’'»)\]]*+(?:\[\d{1,3}(?:[,–-]\s?\d{1,3})*\])?(?=\s|[A-Z][a-z]{2})")
#: The token a glued terminal ends, from the last space (a URL's, an address's, a file's dots are no sentence's end).
#: (At most 200 characters of it either side are looked at.)
_REACH = 200
_WORD_AFTER = re.compile(r"\S*")
_LETTERS = re.compile(r"[A-Za-z]+")
#: A dot between letters: an acronym's ("U.S"), a domain's or a file's, not a sentence's end.
_LETTER_DOT_LETTER = re.compile(r"[A-Za-z]\.[A-Za-z]")
#: Words after a dot that make a domain or a file name, not a sentence ("Boohoo.Com").
_NAME_ENDINGS = frozenset({"com", "net", "org", "gov", "edu", "info", "biz", "html", "htm", "php", "aspx", "jsp", "pdf", "jpg", "png"})
# What may start a new sentence: optional opening quotes/brackets, then an upper-case letter or digit.
# (Any letter Python calls upper case, "Łódź" as "Élysée"; a currency sign, "$40 million was spent."; a list's
# bullet, "... died. • The UN counted ...", where scraped lists run on (not a dash: "... harm.” – The Buddha"
# credits the sentence before it); a hashtag or handle.)
_STARTER = re.compile(r"\s+(?:[•·▪►*]\s*)?[\"“‘'«(\[¿¡…]*([^\s\"“‘'«(\[])")
_STARTS = frozenset("0123456789$£€¥#@")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
_LINE_END_TERMINAL = re.compile(r"[.!?…:\"”’'»)\]]\s*$")

#: Site furniture: a sentence any of these finds is dropped before scoring. Each names the furniture's own
#: shape (an imperative, a label alone, a notice's wording), not a topic: "Facebook changed its privacy
#: policy in 2018", "Related charges were filed against 12 people", "Comments by the minister ..." and
#: "(c) The agency spent $4 million" (a list item) are sentences, and reach the detector.
BOILERPLATE = [
    r"\byou must be (logged|signed) in\b",
    r"^(please )?(log ?in|sign ?in|sign up|register)\b.{0,40}\b(to )?(comment|post|reply|continue|read)",
    r"\b(log ?in|sign ?in)$",
    r"^(leave|post|add|write) a (comment|reply)\b",
    r"^\d+\s*comments?\b",
    r"^comments?( policy| \(\d+\))?\s*([:|.!]|$)",
    r"^(share|tweet|email|print|pin)( (this|it|on)\b.*)?[:!.]?$",
    r"\bshare (this|on) (article|story|post|facebook|twitter|whatsapp)\b",
    r"^(click|tap) (here|below)\b",
    r"^(please )?subscribe\b",
    r"\bsubscribe\b.{0,20}\b(our|my)\b.{0,25}\b(newsletter|channel|updates|feed|podcast)\b",
    r"^(read more|continue reading)\b",
    r"^(advertisement|sponsored( content| links?| stories| posts)?|related( articles| stories| posts| reports?| links| reading"
    r"| content| coverage| videos?| topics)?|recommended( reading| for you| resources| articles| stories| videos?)?)\s*([:.!|@]|$)",
    r"\ball rights reserved\b",
    r"^(©|\(c\)\s*(\d{4}|copyright\b)|copyright\s*(©|\(c\)|\d{4}))",
    r"^follow (us|me|@\w+|[\w.'’-]+( [\w.'’-]+){0,3}) (on|at) (twitter|x|facebook|instagram|threads|bluesky|linkedin|tiktok|youtube)\b",
    r"^follow (us|me) (on|at)\b",
    r"\b(this (site|website) uses cookies|accept (all )?cookies|our cookie policy)\b",
    r"^(read |see |view )?(our |the )?(privacy policy|terms of (use|service))\b",
    r"\b(our|this site's|this website's) (privacy policy|terms of (use|service))\b",
    # Syndication footers that feeds append to every article (WordPress: "The post <title> appeared
    # first on <site>."), and reprint notices.
    r"^the post\b.{1,400}\bappeared first on\b",
    r"^this (article|story|post|piece) (was )?(originally|first) (appeared|published) (on|at|in|by)\b",
    # Wire copy's furniture: the credit line, the rights notice, a contributor's note, photo credits, and the
    # page's "story continues" marker.
    r"^\(?((additional )?reporting|writing|compiled) by\b.{0,300}\b(editing|edited) by\b",
    r"^this material may not be published, broadcast, rewritten,? or redistributed\b",
    r"^(the )?(associated press|ap|reuters|afp|bloomberg)( staff)? (writers?|reporters?|correspondents?)\b.{0,200}\bcontributed\b",
    r"^\(?((ap|afp|reuters|epa|getty|file) )?(photo|image|picture)s?( by\b|/).{0,100}\)?\.?$",
    r"^\(?(photo|image|picture|video)s?( credits?| courtesy| source)?\s*:\s*.{0,40}$",
    r"^\(?(photo|image|picture|video)s? (credits?|courtesy|source)\b.{0,100}$",
    r"^(story|article) continues (below|after)\b",
    # A date alone on its line (a page's or a release's dateline): "January 24, 2018", "Tue, 24 Jan 2018 09:15 AM".
    r"^((mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?((jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(st|nd|rd|th)?,?"
    r"\s+\d{4}|\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+\d{4})"
    r"([ ,|/@-]{1,4}(at )?\d{1,2}[:.]\d{2}( ?[ap]\.?m\.?)?( [a-z]{2,4})?)?\.?$",
    # A page's furniture around the article, copied with it: newsletter and paywall prompts, lists of other
    # stories, navigation, the reading time, a byline or tags alone on their line.
    r"^(please )?sign up (for|to) (our|the|my)\b.{0,40}\b(newsletters?|e-?mails?|alerts|updates|digest)\b",
    r"^enter your e-?mail( address)?\b",
    r"^(get|try|unlock) (unlimited|full|digital|premium) access\b",
    r"^(most (popular|read|viewed|shared)|trending( now| stories)?|top stories|you (may|might) also like|editor'?s picks)\s*([:.!|]|$)",
    r"^(please )?(donate|support)( now| today)?( to support)? (our|us|independent|this)\b.{0,40}$",
    r"^(skip|jump) to (the )?(main )?(content|navigation|comments|footer)\b",
    r"^loading\W*$",
    r"^this (article|story|content) is more than \d+ (years?|months?) old\b",
    r"^(image|photo|slide|picture) \d+ (of|/) \d+$",
    r"^listen to (this|the) (article|story)\b",
    r"^(estimated )?reading time:?\s?\d+\s?(min|mins|minutes?)\b",
    r"^(last )?(updated|published|posted)(:|\s(on|at)\b)[^.!?]{0,40}\b(1[89]|20)\d\d\b"
    r"([ ,|/@-]{1,4}(at )?\d{1,2}[:.]\d{2}( ?[ap]\.?m\.?)?( [a-z]{2,4})?)?\.?$",
    r"^(posted|written) by [\w.'’-]+( [\w.'’-]+){0,3}$",
    r"^(tags|filed under|categories|topics)\s?:.{0,200}$",
    r"^like this:?$",
    r"^we value your privacy\b",
    r"^(have|got) a (news )?tip\b.{0,60}$",
    # A press release's end mark and its contact line.
    r"^(#{3,}|-\s?30\s?-|- ?end ?-|ends)\.?$",
    r"^(media |press )?(contacts?|enquiries|inquiries)\s*:\s*.{0,160}$",
]


#: The widest and narrowest widths of hard-wrapped text (mail, plain-text press releases and archives
#: wrap prose at 60 to 80 characters); a block of lines no wider than this may be wrapped.
_WRAP_WIDTHS = (40, 100)
#: A sentence ending inside a line, after a word in lower case (not an initial or "U.S."): prose, not a list.
_ENDS_INSIDE = re.compile(r"[a-z]{2}[.!?][\"”’')\]]*\s+[\"“‘'(\[]*[A-Z0-9]")
#: Words a sentence does not end on: a line ending in one runs on.
_RUNS_ON = re.compile(
    r"\b(?:a|an|the|of|to|in|on|at|by|for|from|with|into|about|and|or|but|nor|that|which|who|whose|as|than|is|are|"
    r"was|were|be|been|has|have|had|will|would|could|should|can|may|might|not|its|their|his|her|our|said|says)$",
    re.IGNORECASE)


def paragraphs(text: str, start: int = 0) -> Iterator[tuple[int, int]]:
    """Spans of paragraphs: blocks of non-blank lines, each line a paragraph, except where a hard wrap
    broke a sentence (see :func:`_block_paragraphs`)."""
    pos = start
    block: list[tuple[int, int, str]] = []  # the block's lines: start, end, text stripped
    for line in text[start:].split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        stripped = line.strip()
        if stripped:
            block.append((line_start, line_end, stripped))
        elif block:
            yield from _block_paragraphs(block)
            block = []
    if block:
        yield from _block_paragraphs(block)


def _block_paragraphs(lines: Sequence[tuple[int, int, str]]) -> Iterator[tuple[int, int]]:
    """A block's paragraphs. A line that ends without a sentence's end runs on into the next when the
    next starts in lower case, or when the block is hard-wrapped prose and the next line's first word
    would not have fitted on it: a wrap at the block's width broke the line there, not its writer
    ("... the United Nations had counted" / "1,200 civilian deaths in 2019."; :func:`_wrapped_at`).
    A short line (a heading, a list item) in a wrapped block, a list of headlines, and lines of any
    width in a block of one paragraph a line stay paragraphs of their own."""
    width = max(len(text) for _, _, text in lines)
    wrappable = len(lines) > 1 and _WRAP_WIDTHS[0] <= width <= _WRAP_WIDTHS[1]
    prose = wrappable and (
        _LINE_END_TERMINAL.search(lines[-1][2]) is not None or any(_ENDS_INSIDE.search(text) for _, _, text in lines)
        or any(line[0].islower() and not _LINE_END_TERMINAL.search(before) for (_, _, before), (_, _, line) in itertools.pairwise(lines)))
    start = lines[0][0]
    for (_, end, before), (next_start, _, line) in itertools.pairwise(lines):
        if _LINE_END_TERMINAL.search(before) or not (line[0].islower() or wrappable and _wrapped_at(before, line, width, prose)):
            yield start, end
            start = next_start
    yield start, lines[-1][1]


def _wrapped_at(before: str, line: str, width: int, prose: bool) -> bool:
    """Whether a wrap broke the line ``before`` (no sentence's end) at the block's ``width`` (one a wrap may
    have: :data:`_WRAP_WIDTHS`): the next line's first word would not have fitted on it, and the block reads
    as prose (``prose``: it ends as a sentence does, a sentence ends inside one of its lines, or a line runs
    on in lower case) or ``before`` ends on a word no sentence ends on."""
    if len(before) + 1 + len(line.split(None, 1)[0]) <= width:
        return False
    return prose or _RUNS_ON.search(before) is not None


def _glued_boundary(block: str, match: re.Match[str]) -> bool:
    """Whether a terminal with no space after it ends a sentence: after a word in lower case, a figure or a
    bracket, not an abbreviation's or an acronym's dot, nor one inside a URL, an address or a file name."""
    if match.start() == 0 or not (block[match.start() - 1].islower() or block[match.start() - 1] in "0123456789%)"):
        return False
    before = block[max(0, match.start() - _REACH):match.start()]
    word = before.rsplit(None, 1)[-1] if before and not before[-1].isspace() else ""
    after = _WORD_AFTER.match(block, match.end(), match.end() + _REACH)
    whole = word + match.group(0) + (after.group(0) if after else "")
    if any(mark in whole for mark in ("/", "@", "www", "=", "_")) or _LETTER_DOT_LETTER.search(word) \
            or word.lower().strip("\"“‘'([") in ABBREVIATIONS:
        return False
    following = _LETTERS.match(block, match.end(), match.end() + 40)
    return following is not None and following.group(0).lower() not in _NAME_ENDINGS


#: Words that go on a sentence after "a.m." or "p.m.": a time zone ("3:20 p.m. EDT", "11 a.m. Central",
#: "7:30 p.m. Washington time"), a day or a month ("10 a.m. Tuesday", as news style writes it).
_CLOCK_GOES_ON = frozenset(
    "eastern central pacific mountain atlantic alaska hawaii greenwich monday tuesday wednesday thursday friday "
    "saturday sunday mon tue tues wed thu thur thurs fri sat sun today tomorrow yesterday tonight january february "
    "march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct "
    "nov dec".split())
_CLOCK_NEXT = re.compile(r"([A-Za-z]+)[^\w\n]*(\w*)")


def _ends_after_clock(block: str, at: int) -> bool:
    """Whether "a.m."/"p.m." before ``at`` (a capital) ends a sentence: it does unless a time zone, a day or a
    month follows ("a.m. EDT", "p.m. Washington time", "a.m. Tuesday"); a figure after it is not guessed."""
    found = _CLOCK_NEXT.match(block, at, at + 60)
    if found is None:
        return False
    word, after = found.group(1), found.group(2)
    zone = word.isupper() and len(word) <= 5  # EDT, GMT, UTC, CEST
    return not (zone or word.lower() in _CLOCK_GOES_ON or after.lower() == "time")


def _is_boundary(block: str, match: re.Match[str]) -> bool:
    if match.end() < len(block) and not block[match.end()].isspace():
        return _glued_boundary(block, match)
    following = _STARTER.match(block, match.end())
    if following is None or not (following.group(1).isupper() or following.group(1) in _STARTS):
        return False
    terminal = match.group(0).rstrip("\"”’'»)]")
    if terminal == ".":
        word = _WORD_BEFORE.search(block, max(0, match.start() - 40), match.start() + 1)
        if word:
            token = word.group(1)
            if token.lower() in ("a.m", "p.m"):  # "at 5 p.m. Officials said": a clock time may end a sentence
                return _ends_after_clock(block, following.start(1))
            if token.lower().rstrip(".") in ABBREVIATIONS:
                return False
            if len(token) == 1 and token.isupper():  # an initial, as in "George W. Bush"
                return False
            if "." in token.strip("."):  # acronyms with dots, as in "U.S."
                return False
    return True


#: A list item's marker at a paragraph's start: a bullet or dash, or a number or letter with a dot or bracket ('1.',
#: '2)', '(3)', '(a)'), then a space. It was read as a sentence of its own ('1.') or kept in the claim ('• Australia
#: is ...'; '3) Eleven countries ...' typed a statistic by its '3').
_MARKER = r"[•●▪◦‣∙*–—-]|\d{1,3}[.)]|\(\d{1,3}\)"
_LIST_MARKER = re.compile(rf"\s*(?:{_MARKER}|\(?[a-z]\))[ \t]+(?=\S)")
#: Markers alone on their line: a number whose item follows on the next ('1.'), a section break ('* * *').
_MARKER_ALONE = re.compile(rf"\s*(?:(?:{_MARKER})\s*)+")


def list_markers(text: str, start: int = 0) -> Iterator[str]:
    """The list markers :func:`split_sentences` passes over, as written ('1.', '*', '* * *'): what an earlier
    splitter read as sentences of their own (a labelled set's rows for them are left out, not lost)."""
    for p_start, p_end in paragraphs(text, start):
        if _MARKER_ALONE.fullmatch(text, p_start, p_end):
            yield text[p_start:p_end].strip()
        elif (marker := _LIST_MARKER.match(text, p_start, p_end)) is not None:
            yield marker.group().strip()


def split_sentences(text: str, start: int = 0) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences of ``text`` from offset ``start``, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    for p_start, p_end in paragraphs(text, start):
        if _MARKER_ALONE.fullmatch(text, p_start, p_end):  # a number on its own line ('1.'), a section break ('* * *')
            continue
        marker = _LIST_MARKER.match(text, p_start, p_end)
        if marker is not None:  # a list item's bullet or number is no part of its sentence
            p_start = marker.end()
        block = text[p_start:p_end]
        cursor = 0
        for match in _TERMINAL.finditer(block):
            if _is_boundary(block, match):
                _append_trimmed(spans, block, p_start, cursor, match.end())
                cursor = match.end()
        _append_trimmed(spans, block, p_start, cursor, len(block))
    return spans


def _append_trimmed(spans: list[tuple[int, int]], block: str, base: int, start: int, end: int) -> None:
    piece = block[start:end]
    left = len(piece) - len(piece.lstrip())
    right = len(piece.rstrip())
    if right > left:
        spans.append((base + start + left, base + start + right))


class Boilerplate:
    """Recognises sentences that are site furniture (login and share prompts, cookie notices)."""

    def __init__(self, extra_patterns: list[str] | None = None) -> None:
        # Patterns anchored at the start are tried once, at position 0 (``match``); only the rest
        # are searched at every position. Same answer as searching one alternation, in half the time.
        anchored = [p for p in BOILERPLATE if p.startswith("^")]
        floating = [p for p in BOILERPLATE if p not in anchored]
        self._start = re.compile("|".join(f"(?:{p})" for p in anchored), re.IGNORECASE)
        self._anywhere = re.compile("|".join(f"(?:{p})" for p in floating), re.IGNORECASE)
        # The config's patterns each alone, as the config checked them: joined to the others, an inline flag
        # ("(?i)...") would stop the compile, and a group number (\1) or name would point at another's group.
        self._extra = compile_patterns("claims.boilerplate_patterns", extra_patterns or ())

    def __call__(self, sentence: str, where: str | Callable[[], str] = "a sentence") -> bool:
        """True if the sentence is boilerplate. ``where``: the sentence's place, for the error a config
        pattern that takes too long stops the run with."""
        sentence = sentence.strip()
        if self._start.match(sentence) is not None:
            return True
        return self._anywhere.search(sentence) is not None or any(rx.search(sentence, where) for rx in self._extra)

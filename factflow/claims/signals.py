"""Interpretable signals of check-worthiness, and the claim type they imply.

Each signal is a set of words, or a regular expression tried only when a cheap gate passes (a
digit, or one of a few gate words): positive signals (numbers, dates, named entities,
attribution, event verbs ...) raise the score, negative ones (questions, first-person opinion,
predictions, imperatives, fragments) lower it. The signals found become the claim's
``reasons``, so a reviewer sees why it was picked. Matching words against a token set rather
than running one large case-insensitive regular expression per signal keeps scoring at tens of
thousands of sentences a second.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from factflow.models import Reason
from factflow.names import name_spans

_MONTHS = frozenset("january february march april june july august september october november december".split())
_DAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday yesterday".split())
_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _rx(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(pattern, flags)


@dataclass(frozen=True)
class Signal:
    """A named cue and how much it moves the score (in log-odds).

    The cue is found when the sentence has one of ``words``, or when ``pattern`` matches; the
    pattern is tried only if the sentence has a digit (``needs_digit``) or one of ``gate``.
    """

    name: str
    weight: float
    words: frozenset[str] = frozenset()
    pattern: re.Pattern[str] | None = None
    gate: frozenset[str] = field(default_factory=frozenset)
    needs_digit: bool = False

    def find(self, sentence: str, tokens: list[str], token_set: frozenset[str], has_digit: bool) -> str | None:
        """The words that show this signal in the sentence, or None."""
        if self.words and not self.words.isdisjoint(token_set):
            return next(t for t in tokens if t in self.words)
        if self.pattern is None:
            return None
        if self.needs_digit and not has_digit:
            return None
        if self.gate and self.gate.isdisjoint(token_set):
            return None
        m = self.pattern.search(sentence)
        return m.group(0).strip() if m else None


SIGNALS: tuple[Signal, ...] = (
    Signal("percentage", 1.3, pattern=_rx(r"(?<!\d)\d++(?:[.,]\d++)?(?:\s*(?:to|-|–)\s*\d++(?:[.,]\d++)?)?\s*(?:%|percent\b|per cent\b|percentage points?\b)"), needs_digit=True),
    Signal("money", 1.2, pattern=_rx(r"[$€£¥]\s?\d[\d,.]*+(?:\s?(?:million|billion|trillion|[mbk]n?)\b)?|(?<![\d,.])\d[\d,.]*+\s?(?:million |billion |trillion )?(?:dollars|euros|pounds|rubles|yuan)\b"), needs_digit=True),
    Signal("number", 1.0, pattern=_rx(r"(?<![\w.])(?>\d[\d,]*(?:\.\d+)?)(?![\w.]*\d)(?!\s*(?:%|percent))"), needs_digit=True),
    Signal("quantity", 0.8, words=_words("hundreds thousands millions billions dozens twice doubled double tripled triple majority minority half third quarter")),
    Signal("date", 0.5, words=_MONTHS | _DAYS,
           pattern=_rx(r"\b(?:(?:19|20)\d\d\b|may \d|(?:last|this|past|previous) (?:week|month|year|decade|few (?:days|weeks|months|years))|(?:in )?recent (?:days|weeks|months|years)|earlier this (?:week|month|year))"),
           gate=_words("last this past previous recent earlier may 19 20"), needs_digit=False),
    Signal("attribution", 0.6, words=_words("according said says told stated reported claimed announced confirmed testified acknowledged admitted revealed")),
    Signal("comparison", 0.4, words=_words("more less fewer greater higher lower larger smaller biggest largest highest lowest fastest worst record only than")),
    Signal("event", 0.8, words=_words(
        """sent sending dispatch deploying coordinating seized launched killed captured attacked arrived arriving began
        signed voted passed announced collapse collapsed met meeting won lost fell rose increased decreased dropped
        took taken control controls controlled invaded bombed deployed arrested died elected approved rejected banned
        raised spent paid received discussed coordinated suffered saw offensive attack invasion summit election struck
        fired shot destroyed built opened closed resigned appointed sued charged convicted""")),
    Signal("causal", 0.4, words=_words("because caused causes"), pattern=_rx(r"\b(?:due to|led to|leads to|resulted in|results in|as a result)\b"),
           gate=_words("due led leads resulted results result")),
    # A question, also when a short attribution follows it: '"Is there a catch?" a reporter asked.'
    Signal("question", -2.5, pattern=_rx(r"\?[\"”’'»)\]]*(?:,?\s+(?:[\w.’'-]+\s+){0,4}(?:asked|asks|wondered|wonders|inquired|inquires)"
                                         r"\b[^?!.,;:]{0,40}[.!]?[\"”’'»)\]]*)?\s*$")),
    Signal("first-person opinion", -2.5,
           pattern=_rx(r"\b(?:I|we)(?:\s+\w+){0,2}\s+(?:think|believe|feel|hope|guess|suppose|doubt|can[’']?t see|cannot see|don[’']?t see|am sure|wish|love|hate)\b|\bin my (?:view|opinion)\b|\bI[’']m (?:sure|convinced|afraid)\b"),
           gate=_words("i we my i'm i’m")),
    Signal("prediction", -2.0, words=_words("will won't won’t shall"),
           pattern=_rx(r"\b(?:is going to|are going to|is expected to|are expected to|is likely to|are likely to|in the coming (?:days|weeks|months|year|years)|next (?:week|month|year))\b"),
           gate=_words("going expected likely coming next")),
    Signal("hedge", -0.4, words=_words("may might could possibly perhaps apparently likely reportedly allegedly")),
    Signal("normative", -0.8, words=_words("should must ought good bad great terrible wonderful awful shameful disgraceful")),
    Signal("second person", -0.8, words=_words("you your")),
    # Against, for news: what debate-trained models over-flag in articles (links and credit lines
    # the boilerplate filter let through, promotional copy, how-to advice, personal anecdote).
    # A domain is tried only where a run of word characters and dashes begins, so a long run costs linear time.
    Signal("link", -2.0, pattern=_rx(r"https?://|\bwww\.|(?<![\w-])-*+\b[\w-]++\.(?:com|org|net|news|info|gov)\b"), gate=_words("http https www com org net news info gov")),
    Signal("credit line", -1.5,
           pattern=_rx(r"^\W*(?:by|via|source|sources|credit|credits|photo|image|filed under|tagged|contributed by|republished|reprinted|originally published|this (?:article|post|content) (?:was|has been|may be|is)|the post\b.*\bappeared first)\b"),
           gate=_words("by via source sources credit credits photo image filed tagged contributed republished reprinted originally article post content")),
    # Sales copy is never a claim (a gate, as a question is): a price cut, free shipping, a call to buy, a
    # discount code, a listing's price. "off" followed by its/their/the is a market's move ("5% off its high").
    Signal("sales copy", -2.0, pattern=_rx(
        r"(?:\d+\s?%|[$€£]\s?\d[\d.,]*)\s+off\b(?!\s+(?:its|their|the|his|her|a|an|from|of|into)\b)"
        r"|^\W*save\s+(?:up\s+to\s+)?(?:\d|[$€£])"
        r"|\bfree\s+(?:shipping|delivery|gift|trial|returns|e-?book)s?\b"
        r"|\b(?:order|shop|subscribe|sign\s+up)\s+(?:now|today)\b|\bbuy\s+now\b(?!,?\s*(?:and\s+)?pay)"
        r"|\b(?:promo|coupon|discount|voucher|offer)\s+code\b|\bwith\s+(?:the\s+)?code\s+[a-z]*\d\w*"
        r"|\blimited[- ]time\s+(?:offer|only|deal)s?\b|\badd\s+to\s+(?:cart|basket)\b|\bwhile\s+(?:supplies|stocks)\s+last\b"
        r"|\bmoney[- ]back\s+guarantee\b|^\W*(?:price|prices|admission|tickets?|tuition|fees?)\s*:\s*(?:[$€£]\s?\d|\d|free\b)"),
        gate=_words("off save free now today code limited cart basket last guarantee price prices admission ticket tickets tuition fee fees")),
    Signal("promotional", -1.0, words=_words("download downloadable discount buy shop premium exclusive guaranteed amazing incredible perfect offers")),
    Signal("advice", -1.0, pattern=_rx(r"\b(?:how to|you can|you need|you should|you want|you will|you[’']ll|make sure|be sure|tips? (?:for|on|to)|(?:we|i) (?:highly )?recommend)\b"),
           gate=_words("how you make be tips tip recommend")),
    Signal("first person", -0.5, words=_words("i me my mine i'm i’m i've i’ve myself")),
    Signal("imperative", -2.0, pattern=_rx(r"^[\"“‘'(\[]*(?:click|share|subscribe|read|watch|call|join|sign|follow|support|donate|download|get|buy|visit|learn|check|see|don[’']t|please|let[’']s|imagine|consider)\b")),
)

_BIAS = -1.6
_ENTITY_WEIGHT = (0.6, 0.9)  # one entity, two or more
_FRAGMENT_WORDS = 5
_FRAGMENT_WEIGHT = -1.5
# A sentence of news prose ends in punctuation; headings, captions, datelines and list items do not.
_END = re.compile(r"[.!?…;\"”’'»)\]]\s*$")
_HEADING_WEIGHT = -1.0
#: Claim types that cannot be fact-checked: nothing has happened yet, or it is a view, or it asks, or it sells.
NOT_CHECKABLE_TYPES = frozenset({"question", "prediction", "opinion", "promotion"})


@dataclass(frozen=True)
class Assessment:
    """What the signals say about one sentence: a rule-based score, the reasons, the type."""

    score: float
    reasons: list[Reason]
    type: str
    checkable: bool


def find_signals(sentence: str) -> dict[str, str]:
    """Every signal found in the sentence, with the words that show it, in signal order."""
    lowered = sentence.lower()
    tokens = _TOKEN.findall(lowered)
    token_set = frozenset(tokens)
    has_digit = _DIGIT.search(sentence) is not None
    names = name_spans(sentence)
    found: dict[str, str] = {}
    used: list[str] | None = None  # the tokens outside names and quoted terms, computed when first needed
    for signal in SIGNALS:
        evidence = signal.find(sentence, tokens, token_set, has_digit)
        if evidence is not None and signal.words and signal.weight < 0 and evidence in signal.words:
            # A cue word inside a name or a quoted term is mentioned, not used: "the Great Hall",
            # "Great Dying", "“at will” employment" hold no judgement and no prediction.
            if used is None:
                used = _TOKEN.findall(_mentions_removed(sentence, names).lower())
            evidence = next((t for t in used if t in signal.words), None)
        if evidence is not None:
            found[signal.name] = evidence
    if "number" in found:
        _numbers_that_count(sentence, found)
    if "prediction" in found and _will_is_subordinate(tokens, found["prediction"]):
        del found["prediction"]
    if names:
        found["named entities"] = ", ".join(n for n, _, _ in names[:4])
    if len(tokens) < _FRAGMENT_WORDS:
        found["fragment"] = f"{len(tokens)} words"
    elif _END.search(sentence) is None:
        found["heading"] = "no closing punctuation"
    return found


# A quoted term of at most four words: “at will”, 'Great Dying' (a longer quotation is speech, whose words count).
_QUOTED_TERM = re.compile(r"[\"“‘'](\w[\w’'-]*(?:\s+[\w’'-]+){0,3})[\"”’']")


def _mentions_removed(sentence: str, names: list[tuple[str, int, int]]) -> str:
    """The sentence with its names (of two or more words) and short quoted terms blanked out."""
    chars = list(sentence)
    spans = [(start, end) for text, start, end in names if " " in text]
    spans += [m.span() for m in _QUOTED_TERM.finditer(sentence)]
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


_NUMBER = next(s.pattern for s in SIGNALS if s.name == "number")
_YEAR = re.compile(r"(?:1[6-9]|20)\d\d")
# A number right after a capitalised word (not a month) or a capitalised word and a hyphen is part of a
# name: "MiG 29", "Boeing 737", "Division 52", "S-400", "COVID-19", "Apollo 11".
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b"
# A sentence's first word is capitalised for being first: "Some 300 troops", "About 40 people", "Nearly 200" count.
_CAPITALISED_FIRST = (r"(?:Some|About|Nearly|Almost|Around|Roughly|Approximately|Over|Under|More|Fewer|Less|Only|Just|Up|Another|"
                      r"All|The|Those|These|At|By|In|On|For|With|From|To|And|But|Or|Since|After|Before|During|Between|Among|"
                      r"Exactly|Barely|Fully|Least|Most|Every|Each|That|This|Even|Still|Also|Then|Now|Of|Than|Another)\s")
_NAME_BEFORE = re.compile(rf"(?:^|[\s(\"“'‘])(?!{_MONTH})(?!{_CAPITALISED_FIRST})[A-Z][\w’'.]*[ -]$")
# A day of the month ("March 5", "Jan. 22", "5 March", "the 5th of March") and the end of a span of
# years ("2012-14", "1996-97", "2017/18") are a date, not a figure.
# Days listed together are dates too: "Jan. 17 and 18", "21 and 22 October", "June 6/7".
_DAY_JOIN = r"(?:st|nd|rd|th)?\s*(?:,|and|or|to|&|[-–/])\s*"
_MONTH_BEFORE = re.compile(rf"\b{_MONTH}\.?\s+(?:\d{{1,2}}{_DAY_JOIN})?$|(?<!\d)(?:1[6-9]|20)\d\d\s*[-–/]\s*$")
_MONTH_AFTER = re.compile(rf"(?:{_DAY_JOIN}\d{{1,2}})?(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH}")
# Neither is an age ("a 27-year-old man") or a rank ("the 44th interceptor", "76TH ANNUAL").
_AGE_OR_RANK_AFTER = re.compile(r"(?i:[- ]years?[- ]olds?\b|(?:st|nd|rd|th)\b)")
# A year of an era ("in 79 A.D.", "AD 410", "300 BC", "70 CE") and a decade ("the '80s", "the 1990s").
_ERA_AFTER = re.compile(r"\s*(?:A\.?\s?D\.?|B\.?\s?C\.?(?:\s?E\.?)?|C\.?\s?E\.?)(?![\w])")
_ERA_BEFORE = re.compile(r"\bA\.?\s?D\.?\s+$")
_DECADE = re.compile(r"(?:1[6-9]|20)?\d0s\b")
# A date written with slashes: with its year ("12/05/2026", "5/12/17") wherever it stands; a month and day
# ("9/11", "3/14") after a word that introduces a date ("since 9/11", "on 3/14", "the 9/11 attacks",
# "post-9/11"), not a fraction ("3/4 of voters", "scored 7/10").
_SLASH_DATE = re.compile(r"(?<![\w./])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\w/]|[.,]\d)")
_DATE_WORD_BEFORE = re.compile(r"(?i:\b(?:on|since|after|before|until|till|by|from|of|the|post|pre)[\s-]+)$")
_FRACTION_AFTER = re.compile(r"\s+of\b|\s*(?:%|percent)")
#: Written with a slash, but a name or a phrase wherever they stand: the attacks of 11 September 2001, "around the clock".
_SLASH_NAMES = frozenset({"9/11", "24/7"})


def _slash_dates(sentence: str) -> list[tuple[int, int]]:
    """The spans of the dates written with slashes in ``sentence`` (see :data:`_SLASH_DATE`)."""
    spans = []
    for m in _SLASH_DATE.finditer(sentence):
        first, second = int(m.group(1)), int(m.group(2))
        if m.group(3):
            dated = 1 <= min(first, second) <= 12 and 1 <= max(first, second) <= 31
        else:
            dated = (1 <= first <= 12 and 1 <= second <= 31 and _DATE_WORD_BEFORE.search(sentence, max(0, m.start() - 8), m.start()) is not None
                     and not _FRACTION_AFTER.match(sentence, m.end()))
        if dated or m.group(0) in _SLASH_NAMES:
            spans.append(m.span())
    return spans


# A number that labels a thing rather than counting it: a section, page or note ("section 12", "page 22",
# "[note 8]"), a stage, flight or ballot measure ("stage 4", "Flight 370", "Proposition 64"), a code of law
# ("6 U.S.C. 101", "15 USC", "401(k)"). None is a figure a reviewer checks.
_LABEL_BEFORE = re.compile(
    r"(?i:\b(?:sections?|sec\.|§+|articles?|art\.|chapters?|ch\.|pages?|p\.|pp\.|notes?|footnotes?|figures?|fig\.|tables?|"
    r"no\.|nos\.|stage|phase|level|version|episode|season|volume|vol\.|route|highway|interstate|flight|room|suite|apt\.|"
    r"platform|gate|exit|channel|proposition|prop\.|measure|u\.?\s?s\.?\s?c\.?|c\.?f\.?r\.?)\s*)$")
_LABEL_AFTER = re.compile(r"\s*(?:U\.?\s?S\.?\s?C\.?|C\.?F\.?R\.?)(?!\w)|\([a-z]\)")
# An age said beside a name ("Donald Sterling, 80, said") or after "age" ("at the age of 13", "aged 7").
_AGE_BEFORE = re.compile(r"(?:[A-Z][\w’'-]+,\s|(?i:\b(?:age|aged|ages)(?:\s+of)?\s+))$")
# A clock time ("7:30 p.m.", "04:26 am") and anything inside a link ("?p=125330") count nothing.
_CLOCK_OR_LINK = re.compile(r"(?<![\d:])\d{1,2}(?::\d{2}(?::\d{2})?(?![\d:])|\s?[ap]\.?m\.?(?!\w))|\b(?:https?://|www\.)\S+", re.IGNORECASE)
# A year written with an apostrophe ("in ’87").
_APOSTROPHE_YEAR = re.compile(r"(?<!\w)[’'](\d\d)(?![\w’'])")


def _numbers_that_count(sentence: str, found: dict[str, str]) -> None:
    """Keep the ``number`` signal only for numbers that state a quantity: not a year or a day of the
    month, not part of a name, not an age or a rank.

    A bare year or a day is a date (``like it was 1984``, ``on March 5``, ``in 79 A.D.``, ``since 9/11``,
    ``the '80s``), and a number inside a name
    (``MiG 29``), an age (``a 27-year-old``) or a rank (``the 44th``) is no figure to check; none
    makes a sentence a ``statistic``.
    """
    kept: str | None = None
    year: str | None = None
    dates = _slash_dates(sentence) if "/" in sentence else []
    unread = [m.span() for m in _CLOCK_OR_LINK.finditer(sentence)]
    for m in _NUMBER.finditer(sentence):  # type: ignore[union-attr]
        value = m.group(0).rstrip(",")  # "In July 2008, ...": the comma ends the clause, not the number
        dated = next((sentence[start:end] for start, end in dates if start <= m.start() < end), None)
        if dated is not None:
            if dated != "24/7":
                year = year or dated
            continue
        if any(start <= m.start() < end for start, end in unread):
            continue
        if len(value) == 2 and _APOSTROPHE_YEAR.match(sentence, m.start() - 1):
            year = year or value
            continue
        if _LABEL_BEFORE.search(sentence, max(0, m.start() - 12), m.start()) or _LABEL_AFTER.match(sentence, m.end()):
            continue
        age = _AGE_BEFORE.search(sentence, max(0, m.start() - 40), m.start())
        if value.isdigit() and int(value) <= 120 and age and (not age.group().endswith(", ")
                                                               or sentence[m.start() + len(value):m.start() + len(value) + 1] == ","):
            continue
        if value.isdigit() and (_ERA_AFTER.match(sentence, m.end()) or _ERA_BEFORE.search(sentence, max(0, m.start() - 6), m.start())
                                or _DECADE.match(sentence, m.start())):
            year = year or value
            continue
        if _NAME_BEFORE.search(sentence, max(0, m.start() - 40), m.start()) or _AGE_OR_RANK_AFTER.match(sentence, m.end()):
            continue
        if _YEAR.fullmatch(value) or (value.isdigit() and len(value) <= 2 and (
                _MONTH_BEFORE.search(sentence, max(0, m.start() - 12), m.start()) or _MONTH_AFTER.match(sentence, m.end()))):
            year = year or value
            continue
        kept = value
        break
    if kept is None:
        del found["number"]
    else:
        found["number"] = kept
    if year is not None and "date" not in found:
        found["date"] = year


_SUBORDINATORS = frozenset("that which who whom whose when where whether if how what why because after before until unless while once".split())
_PAST = frozenset(
    """said told was were had did made took saw met won lost fell rose began paid built sent laid held led left found gave got came went
    brought bought sold spent struck shot fought caught kept put set cut hit ran became""".split()
)


def _will_is_subordinate(tokens: list[str], word: str) -> bool:
    """Whether the sentence reports a past event and its "will" sits in a subordinate clause.

    "The plant, which will close next year, laid off 300 workers" reports a layoff; "Officials met to
    discuss how the rules will work" reports a meeting: neither is a prediction.
    """
    if word not in tokens:
        return False  # a pattern ("is expected to", "next year") found it: a prediction however it is placed
    at = tokens.index(word)
    if _SUBORDINATORS.isdisjoint(tokens[:at]):
        return False
    following = set(tokens[at + 1:at + 3])
    return any((t in _PAST or (t.endswith("ed") and len(t) > 4)) and t not in following for t in tokens)


_WEIGHTS = {s.name: s.weight for s in SIGNALS} | {"named entities": _ENTITY_WEIGHT[0], "fragment": _FRAGMENT_WEIGHT, "heading": _HEADING_WEIGHT}


def assess(sentence: str) -> Assessment:
    """Score one sentence by its signals alone, with the reasons and the claim type."""
    found = find_signals(sentence)
    logit = _BIAS + sum(_WEIGHTS[name] for name in found)
    if "named entities" in found and "," in found["named entities"]:
        logit += _ENTITY_WEIGHT[1] - _ENTITY_WEIGHT[0]
    reasons = [Reason(signal=name, effect="raises" if _WEIGHTS[name] > 0 else "lowers", evidence=evidence) for name, evidence in found.items()]
    kind = claim_type(found)
    checkable = kind not in NOT_CHECKABLE_TYPES
    score = 1.0 / (1.0 + math.exp(-logit))
    if not checkable:
        score = min(score, 0.2)
    return Assessment(score=round(score, 4), reasons=reasons, type=kind, checkable=checkable)


def claim_type(found: dict[str, str]) -> str:
    """The claim type implied by the signals found, most specific first."""
    if "question" in found:
        return "question"
    # "X said ... will ..." reports what someone said, which can be checked; so does a reported view.
    reported = "attribution" in found
    if "sales copy" in found and not reported:  # "The store offered 70% off, the company said" reports a sale
        return "promotion"
    if "prediction" in found and not reported:
        return "prediction"
    if "first-person opinion" in found or ("normative" in found and "event" not in found and not reported):
        return "opinion"
    # A figure with a date is still a figure ("In July 2017 the NHS reported 5,391 cases"); in a reported
    # event ("troops killed 40 people") the event is what a reviewer checks first.
    if "percentage" in found or "money" in found or ("number" in found and "event" not in found):
        return "statistic"
    if "quantity" in found or ("comparison" in found and "number" in found):
        return "quantity"
    if "causal" in found:
        return "causal"
    if "attribution" in found and "event" not in found:
        return "quote"
    if "event" in found or "date" in found:
        return "event"
    return "other"

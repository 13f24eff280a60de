"""Interpretable signals of check-worthiness, the score they add up to, and the claim type.

Each signal is a regular expression over one sentence with a weight: positive signals
(numbers, dates, named entities, attribution, event verbs ...) raise the score, negative
ones (questions, first-person opinion, predictions, imperatives, fragments) lower it.
The signals found become the claim's ``reasons``, so a reviewer sees why it was picked.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from factflow.models import Reason

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_SENTENCE_STARTERS = frozenset(
    ["a", "an", "the", "in", "on", "at", "of", "for", "to", "from", "by", "with", "as", "and", "but", "or", "so", "if", "when", "while", "after", "before", "since", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we", "i", "you", "his", "her", "their", "our", "my", "your", "there", "here", "what", "who", "which", "why", "how", "where", "some", "many", "most", "all", "no", "not", "one", "two", "three", "also", "yet", "still", "then", "now", "last", "next", "however", "meanwhile", "according", "mounting", "news"]
)


@dataclass(frozen=True)
class Signal:
    """A named pattern and how much it moves the score (in log-odds)."""

    name: str
    weight: float
    pattern: re.Pattern[str]


def _rx(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(pattern, flags)


SIGNALS: tuple[Signal, ...] = (
    Signal("percentage", 1.3, _rx(r"\b\d+(?:[.,]\d+)?(?:\s*(?:to|-|–)\s*\d+(?:[.,]\d+)?)?\s*(?:%|percent\b|per cent\b|percentage points?\b)")),
    Signal("money", 1.2, _rx(r"(?:[$€£¥]\s?\d[\d,.]*(?:\s?(?:million|billion|trillion|[mbk]n?)\b)?|\b\d[\d,.]*\s?(?:million |billion |trillion )?(?:dollars|euros|pounds|rubles|yuan)\b)")),
    Signal("number", 1.0, _rx(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w.]*\d)(?!\s*(?:%|percent))")),
    Signal("quantity", 0.8, _rx(r"\b(?:hundreds|thousands|millions|billions|dozens|tens of thousands|a (?:third|quarter|half)|half of|twice|doubled?|tripled?|majority|minority)\b")),
    Signal("date", 0.5, _rx(rf"\b(?:(?:{_MONTHS})\b|(?:19|20)\d\d\b|(?:last|this|past|previous) (?:week|month|year|decade|few (?:days|weeks|months|years))|in recent (?:days|weeks|months|years)|(?:mon|tues|wednes|thurs|fri|satur|sun)day|yesterday)")),
    Signal("attribution", 0.6, _rx(r"\baccording to\b|\b(?:said|says|told|stated|reported|claimed|announced|confirmed|testified|acknowledged|admitted|revealed)\b")),
    Signal("comparison", 0.4, _rx(r"\b(?:more|less|fewer|greater|higher|lower|larger|smaller|biggest|largest|highest|lowest|fastest|worst|record|only|at most|at least|than)\b")),
    Signal("event", 0.8, _rx(r"\b(?:sent|sending|dispatch|deploying|coordinating|seized|launched|killed|captured|attacked|arrived|arriving|began|signed|voted|passed|announced|collapsed?|met|meeting|won|lost|fell|rose|increased|decreased|dropped|took|taken|controls?|controlled|invaded|bombed|deployed|arrested|died|elected|approved|rejected|banned|raised|spent|paid|received|discussed|coordinated|suffered|saw|offensive|attack|invasion|summit|election|struck|fired|shot|destroyed|built|opened|closed|resigned|appointed|sued|charged|convicted)\b")),
    Signal("causal", 0.4, _rx(r"\b(?:because|caused|causes|due to|led to|leads to|resulted in|results in|as a result)\b")),
    Signal("question", -2.5, _rx(r"\?[\"”’'»)\]]*\s*$")),
    Signal("first-person opinion", -2.5, _rx(r"\b(?:I|we)(?:\s+\w+){0,2}\s+(?:think|believe|feel|hope|guess|suppose|doubt|can[’']?t see|cannot see|don[’']?t see|am sure|wish|love|hate)\b|\bin my (?:view|opinion)\b|\bI[’']m (?:sure|convinced|afraid)\b")),
    Signal("prediction", -2.0, _rx(r"\b(?:will|won[’']t|shall|is going to|are going to|is expected to|are expected to|is likely to|are likely to|in the coming (?:days|weeks|months|year|years)|next (?:week|month|year))\b")),
    Signal("hedge", -0.4, _rx(r"\b(?:may|might|could|possibly|perhaps|apparently|likely|reportedly|allegedly)\b")),
    Signal("normative", -0.8, _rx(r"\b(?:should|must|ought to|good|bad|great|terrible|wonderful|awful|shameful|disgraceful)\b")),
    Signal("second person", -0.8, _rx(r"\b(?:you|your)\b")),
    Signal("imperative", -2.0, _rx(r"^[\"“‘'(\[]*(?:click|share|subscribe|read|watch|call|join|sign|follow|support|donate|download|get|buy|visit|learn|check|see|don[’']t|please|let[’']s|imagine|consider)\b")),
)

_ENTITY = re.compile(r"\b(?:[A-Z][\w’'.-]*[a-z][\w’'-]*|[A-Z]{2,}[a-z]?)(?:\s+(?:of|the|de|al|bin|van|von|for)?\s*(?:[A-Z][\w’'-]*|\d+))*")
_WORD = re.compile(r"[\w’'-]+")
_BIAS = -1.6
_ENTITY_WEIGHT = (0.6, 0.9)  # one entity, two or more
_FRAGMENT_WORDS = 5
#: Claim types that cannot be fact-checked: nothing has happened yet, or it is a view, or it asks.
NOT_CHECKABLE_TYPES = frozenset({"question", "prediction", "opinion"})


def entities(sentence: str) -> list[tuple[str, int, int]]:
    """Capitalised names and acronyms (text, start, end), skipping an ordinary sentence-initial word."""
    found: list[tuple[str, int, int]] = []
    for m in _ENTITY.finditer(sentence):
        text, start = m.group(0), m.start()
        words = text.split()
        lead = sentence[:start].strip(" \"“‘'([")
        if not lead and words[0].lower().strip("’'") in _SENTENCE_STARTERS:
            if len(words) == 1:
                continue
            dropped = len(words[0]) + 1
            text, start = text[dropped:].lstrip(), start + dropped
        found.append((text.rstrip(".-’'"), start, start + len(text.rstrip(".-’'"))))
    return found


@dataclass(frozen=True)
class Assessment:
    """A sentence's score, the reasons for it, its type and whether it can be checked."""

    score: float
    reasons: list[Reason]
    type: str
    checkable: bool


def assess(sentence: str) -> Assessment:
    """Score one sentence for check-worthiness, with the signals that moved the score."""
    found: dict[str, str] = {}
    logit = _BIAS
    for signal in SIGNALS:
        m = signal.pattern.search(sentence)
        if m:
            found[signal.name] = m.group(0).strip()
            logit += signal.weight
    names = entities(sentence)
    reasons: list[Reason] = []
    if names:
        logit += _ENTITY_WEIGHT[1] if len(names) > 1 else _ENTITY_WEIGHT[0]
        found["named entities"] = ", ".join(n for n, _, _ in names[:4])
    words = len(_WORD.findall(sentence))
    if words < _FRAGMENT_WORDS:
        logit -= 1.5
        found["fragment"] = f"{words} words"
    weights = {s.name: s.weight for s in SIGNALS} | {"named entities": 1.0, "fragment": -1.0}
    for name, evidence in found.items():
        reasons.append(Reason(signal=name, effect="raises" if weights[name] > 0 else "lowers", evidence=evidence))
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
    if "prediction" in found:
        return "prediction"
    if "first-person opinion" in found or ("normative" in found and "event" not in found):
        return "opinion"
    if "percentage" in found or "money" in found or ("number" in found and "date" not in found and "event" not in found):
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

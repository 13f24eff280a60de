"""The source catalog, offline: fill each applicable source's URL template from the claim and its document."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote

from factflow.config import SourcesConfig, SourceTemplate
from factflow.models import Claim, Document, DocumentRecord, Source, SourceLeftOut
from factflow.names import common_words, name_spans
from factflow.regexes import ConfigPattern, compile_patterns

#: The raw values a catalog template can use for one claim.
Fields = dict[str, str]


def publication_date(published: str | None) -> date | None:
    """The calendar date of an ISO 8601 publication date, or None when absent or unreadable."""
    if not published:
        return None
    try:
        return datetime.fromisoformat(published.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


#: How salient each entity kind is for a lookup: people first; nationalities ("Syrian") only in searches.
_SALIENCE = {"person": 0, "organisation": 1, "place": 1, "other": 1, "nationality": 2}
#: Words that are verbs (or auxiliaries) far more often than nouns: never a search term. A short list on
#: purpose: with the suffix rule below it keeps "said", "fell", "moved", "coordinating" out of a query,
#: and a noun it misses costs one word of the query, never the link.
_VERBS = frozenset(
    """said say says told tell tells fell fall falls rose rise rises lost lose loses take takes took taken make makes
    made mean means meant move moves came come comes went go goes gone saw see sees seen got get gets gave give gives
    given show shows shown know knows knew known think thinks thought found find finds become becomes became left leave
    leaves put puts keep keeps kept held hold holds brought bring brings began begin begins begun ran run runs stood stand
    stands paid pay pays sent send sends built build builds spent spend spends won win wins led lead leads met meet meets
    cut cuts hit hits set sets let lets seem seems want wants need needs use uses try tries call calls ask asks work works
    feel feels felt turn turns help helps start starts include includes continue continues remain remains allow allows
    add adds warn warns reach reaches suffer suffers controls launch launches seize seizes arrive arrives struggle
    struggles would could should might must will can may shall has have had does did is are was were be been being
    likely past""".split()
)
#: Prepositions and adverbs the key terms keep (they are four letters or more) that no search needs.
_SMALL_WORDS = frozenset(
    """through throughout across around within without upon toward towards despite since until unless via
    above below beneath beside besides behind beyond along amid amidst onto into inside outside near nearly
    almost already always never ever often still even rather quite too well much very more most less least
    also just yet thus hence therefore however although though because whether while whilst where there
    here then than that this these those what which whose whom""".split()
)
_VERB_SUFFIX = re.compile(r"(?:ed|ing|ly)$")
_QUOTED = re.compile(r"[“\"]([^”\"]{8,}?)[”\"]")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_CUE = re.compile(r"[\s,;:]*(?:\baccording to|\bas)?[\s,;:]*$", re.IGNORECASE)
#: Words of a quote searched with the speaker's name: enough to find it, few enough to survive paraphrase.
_QUOTE_WORDS = 12


def _is_acronym_of_previous(claim: Claim, text: str, start: int) -> bool:
    """ "Iranian Revolutionary Guards Corps (IRGC)": an acronym in brackets repeats the name before it."""
    return text.isupper() and start > 0 and claim.text[start - 1] == "("


def entity_names(claim: Claim) -> list[str]:
    """The claim's named entities (not dates or quantities), most salient first: people, then the rest in
    the order the claim names them, nationalities last; without repeats or bracketed acronyms."""
    if not claim.entities:
        # Claims built without entity extraction (older callers): capitalised names in text order.
        return list(dict.fromkeys(name for name, _, _ in name_spans(claim.text)))
    named = [e for e in claim.entities if e.kind in _SALIENCE and not _is_acronym_of_previous(claim, e.text, e.start)]
    named.sort(key=lambda e: (_SALIENCE[e.kind], e.start))
    seen: dict[str, str] = {}
    for e in named:
        seen.setdefault(e.text.casefold(), e.text)
    return list(seen.values())


def linked_entities(claim: Claim, cfg: SourcesConfig, names: list[str] | None = None) -> list[str]:
    """The entities that get their own links ({entity}): the most salient, nationalities left out (an adjective
    finds a disambiguation page), at most ``cfg.max_entities``. ``names``: :func:`entity_names`, when known."""
    names = entity_names(claim) if names is None else names
    nationalities = {e.text.casefold() for e in claim.entities if e.kind == "nationality"}
    return [n for n in names if n.casefold() not in nationalities][: cfg.max_entities]


def figures(claim: Claim) -> list[str]:
    """The quantities the claim states, as written ("25 to 30 percent", "hundreds of soldiers")."""
    return list(dict.fromkeys(e.text for e in claim.entities if e.kind == "quantity"))


def content_words(claim: Claim, names: list[str], limit: int = 2) -> list[str]:
    """Up to ``limit`` of the claim's key terms that are neither names, figures, time words, verbs nor
    small words, the least common first: "Rebels ... using the cover of a heavy sandstorm ... seized
    ... Idlib" searches for Idlib and sandstorm, not for Idlib, cover and heavy (the words a search
    shares with every other page). Common words are those of :func:`factflow.names.common_words`."""
    taken = {w.casefold() for n in names for w in n.split()}
    timed = {w.casefold() for t in claim.time for w in t.text.split()}
    timed.update(w.casefold() for e in claim.entities if e.kind in ("date", "quantity") for w in e.text.split())
    # A capitalised term is a name unless it is the sentence's first word ("Unemployment in Spain fell ...").
    first = claim.text.lstrip(" \"“‘'([").split(maxsplit=1)[:1]
    words: list[str] = []
    for term in claim.key_terms:
        key = term.casefold()
        if (" " in term or (term[:1].isupper() and [term] != first) or any(ch.isdigit() for ch in term) or key in taken or key in timed
                or key in _VERBS or key in _SMALL_WORDS or _VERB_SUFFIX.search(key)):
            continue
        words.append(term)
    common = common_words()
    return sorted(words, key=lambda w: w.casefold() in common)[:limit]  # stable: in the claim's order otherwise


def speaker(claim: Claim) -> str:
    """Whom the claim is attributed to, when the attribution names someone ("Israeli intelligence"), else ""."""
    who = _ARTICLE.sub("", claim.attribution or "")
    return who if any(w[:1].isupper() for w in who.split()) else ""


def quoted_words(claim: Claim) -> str:
    """The quoted words, as an exact phrase; reported speech (no quotation marks): the words before or after the attribution."""
    m = _QUOTED.search(claim.text)
    if m:
        return '"' + " ".join(m.group(1).strip(" ,.").split()[:_QUOTE_WORDS]) + '"'
    text = claim.text
    if claim.attribution and claim.attribution in text:
        at = text.index(claim.attribution)
        before, after = text[:at], text[at + len(claim.attribution):]
        text = _CUE.sub("", before) if len(before) > len(after) else after
    words = re.findall(r"[\w’'%$.,-]+", text)
    return " ".join(words[:_QUOTE_WORDS]).strip(" ,.")


def _distinct_words(names: list[str]) -> list[str]:
    """Names that add a word: "Syrian" after "Syrian Golan" repeats it."""
    kept: list[str] = []
    words: set[str] = set()
    for name in names:
        own = {w.casefold() for w in name.split()}
        if own - words:
            kept.append(name)
            words |= own
    return kept


def template_fields(claim: Claim, document: Document | DocumentRecord | None, cfg: SourcesConfig) -> Fields:
    """The raw (not yet encoded) values a URL template can use for this claim, from its anatomy.

    ``entity`` is the most salient entity; :func:`expand` fills a per-entity template once for each
    of :func:`linked_entities`. The searches carry names, figures and content words, never verbs;
    only a claim that names nothing and states no figure falls back to its key terms or its words.
    """
    return _anatomy_fields(claim, document, cfg)[0]


def _anatomy_fields(claim: Claim, document: Document | DocumentRecord | None, cfg: SourcesConfig) -> tuple[Fields, list[str]]:
    names = entity_names(claim)
    linked = linked_entities(claim, cfg, names)
    figs = figures(claim)
    # A claim that names nothing and states no figure is searched by its content words alone.
    words = content_words(claim, names, 2 if names or figs else cfg.max_terms)
    searched = _distinct_words(names)[:4]
    terms = [*searched, *figs, *words]
    if not terms or (names and not claim.entities):
        # Nothing but verbs and small words, or a claim built without its anatomy (older callers, whose
        # names come from the text): the key terms, or the words, are all a search has.
        terms = claim.key_terms[: cfg.max_terms] or re.findall(r"[\w’'-]+", claim.text)[: cfg.max_terms]
    if not names and words:
        # It gets one encyclopaedia search, for its subject's words ("city council", "Prices tariff").
        linked = [" ".join(words[:2])]
    fields = {
        "query": " ".join(terms),
        "phrase": " ".join(terms[:3]),
        "topic": " ".join([*searched, *words]) or " ".join(terms),
        "entity": linked[0] if linked else "",
        "entities": " ".join(linked),
        "figures": " ".join(figs),
        "speaker": speaker(claim),
        "quote": quoted_words(claim) if claim.attribution or claim.type == "quote" else "",
        "document_url": (document.url if document else None) or "",
        "published": "", "date_from": "", "date_to": "", "datetime_from": "", "datetime_to": "",
    }
    day = publication_date(document.published if document else None)
    if day is not None:
        window = timedelta(days=cfg.news_window_days)
        try:
            start = datetime.combine(day - window, datetime.min.time(), UTC)
            end = datetime.combine(day + window, datetime.max.time(), UTC)
        except OverflowError:  # a window past year 1 or 9999: no dates to search between
            return fields, linked
        fields.update(
            published=day.isoformat(), date_from=start.date().isoformat(), date_to=end.date().isoformat(),
            datetime_from=start.strftime("%Y%m%d%H%M%S"), datetime_to=end.strftime("%Y%m%d%H%M%S"),
        )
    return fields, linked


@lru_cache(maxsize=256)
def placeholders(url: str) -> tuple[str, ...]:
    """The placeholders a URL template uses, in order, each once."""
    return tuple(dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(url) if name))


def fill(template: SourceTemplate, fields: Fields, encoded: dict[str, str] | None = None) -> str | None:
    """The template's URL with every placeholder URL-encoded, or None if a needed field is empty.

    ``encoded`` memoises encoded values across the templates of one claim (a value is encoded once).
    """
    if any(not fields.get(required) for required in template.requires):
        return None
    url = template.dated_url if template.dated_url and fields.get("published") else template.url
    used = placeholders(url)
    if any(not fields.get(name) for name in used):
        return None
    memo: dict[str, str] = {} if encoded is None else encoded
    values = {}
    for name in used:
        value = fields[name]
        if value not in memo:
            # Path segments and query values alike: encode everything but unreserved characters.
            memo[value] = quote(value, safe="")
        values[name] = memo[value]
    return url.format_map(values)


@lru_cache(maxsize=64)
def _keyword_rx(template_id: str, patterns: tuple[str, ...]) -> tuple[ConfigPattern, ...]:
    # Each alone, as the config checked it: joined, an inline flag ("(?i)...") would stop the compile and a
    # group number or name would point at another pattern's group.
    return compile_patterns(f"sources.catalog[{template_id}].keywords", patterns)


def applies(template: SourceTemplate, claim: Claim) -> bool:
    """Whether a catalog source suits this claim: its type, entity kinds and topic keywords, each when set."""
    if template.applies_to and claim.type not in template.applies_to:
        return False
    if template.entity_kinds and not any(e.kind in template.entity_kinds for e in claim.entities):
        return False
    if template.keywords:
        text = " ".join([*claim.context_before, claim.text, *claim.context_after])
        def where() -> str:
            return f"the text and context of claim {claim.id}"

        return any(rx.search(text, where) for rx in _keyword_rx(template.id, tuple(template.keywords)))
    return True


def covers(template: SourceTemplate, fields: Fields, today: date) -> bool:
    """Whether the archive behind ``template`` reaches back to the claim's news window (always, without covers_days or a date)."""
    if template.covers_days is None or not fields.get("date_from"):
        return True
    return date.fromisoformat(fields["date_from"]) >= today - timedelta(days=template.covers_days)


def _per_entity(template: SourceTemplate) -> bool:
    return "entity" in placeholders(template.url) or "entity" in placeholders(template.dated_url or "")


@lru_cache(maxsize=256)
def _subject(url: str) -> str:
    """The field a source's title names: what the link is about."""
    used = placeholders(url)
    return next((name for name in ("entity", "speaker", "document_url", "phrase", "topic", "entities") if name in used), "query")


@dataclass(frozen=True)
class Link:
    """One source of one claim, with the catalog entry it came from and the fields it was filled from."""

    template: SourceTemplate
    fields: Fields
    source: Source


def expand(claim: Claim, cfg: SourcesConfig, document: Document | DocumentRecord | None = None, today: date | None = None) -> list[Link]:
    """The claim's sources with their entries and fields (see :func:`expand_with_reasons`)."""
    return expand_with_reasons(claim, cfg, document, today)[0]


def expand_with_reasons(
    claim: Claim, cfg: SourcesConfig, document: Document | DocumentRecord | None = None, today: date | None = None
) -> tuple[list[Link], list[SourceLeftOut]]:
    """The claim's sources with their entries and fields: one link per applicable entry, or per linked entity for an
    ``{entity}`` template (of the entry's ``entity_kinds``, when set); an archive only where it covers the claim's date (else its fallback); entries made for the
    claim's type (``applies_to``) first, then the catalog order. Also the entries that suit the claim but give it
    no link, with the reason (an archive that does not reach back to the claim's date, with no fallback to stand in)."""
    today = today or date.today()
    fields, linked = _anatomy_fields(claim, document, cfg)
    by_id = {t.id: t for t in cfg.catalog}
    fallbacks = {t.fallback_for for t in cfg.catalog if t.fallback_for is not None and applies(t, claim)}
    encoded: dict[str, str] = {}
    found: list[tuple[int, Link]] = []
    left_out: list[SourceLeftOut] = []
    for template in cfg.catalog:
        if not applies(template, claim):
            continue
        if not covers(template, fields, today):
            if template.id not in fallbacks:
                left_out.append(SourceLeftOut(id=template.id, reason=(
                    f"{template.name} reaches back {template.covers_days} days and this claim's news window starts "
                    f"{fields['date_from']}; no catalog entry with fallback_for: {template.id} applies to stand in")))
            continue
        if template.fallback_for is not None:
            covering = by_id[template.fallback_for]  # the config checks that it exists
            if not fields["date_from"] or covers(covering, fields, today):
                continue
        variants = [fields]
        if _per_entity(template):
            names = linked
            if template.entity_kinds:  # a people's archive links the people, not the places
                kinds = {e.text: e.kind for e in claim.entities}
                names = [n for n in linked if kinds.get(n) in template.entity_kinds]
            variants = [{**fields, "entity": name} for name in names]
        rank = 0 if claim.type in template.applies_to else 1
        for values in variants:
            url = fill(template, values, encoded)
            if url is None:
                continue
            subject = values[_subject(template.url)]
            found.append((rank, Link(template, values, Source(id=template.id, title=f"{template.name}: {subject}", url=url, kind=template.kind))))
    found.sort(key=lambda pair: pair[0])  # stable: catalog order within each rank
    return [link for _, link in found], left_out


def link_sources(claim: Claim, cfg: SourcesConfig, document: Document | DocumentRecord | None = None, today: date | None = None) -> list[Source]:
    """The catalog's sources that apply to this claim, with their URLs filled in (see :func:`expand`)."""
    return link_sources_with_reasons(claim, cfg, document, today)[0]


def link_sources_with_reasons(
    claim: Claim, cfg: SourcesConfig, document: Document | DocumentRecord | None = None, today: date | None = None
) -> tuple[list[Source], list[SourceLeftOut]]:
    """The claim's sources, and the catalog entries that suit it but give it no link, with the reason."""
    links, left_out = expand_with_reasons(claim, cfg, document, today)
    return [link.source for link in links], left_out

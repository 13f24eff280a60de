"""The source catalog, offline: fill each applicable source's URL template from the claim and its document."""

from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote

from factflow.config import SourcesConfig, SourceTemplate
from factflow.models import Claim, Document, Source
from factflow.names import name_spans


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


#: Which named entity a knowledge-base lookup should start from: the most specific kind first.
_ENTITY_PREFERENCE = ("person", "organisation", "place", "other", "nationality")


def entity_names(claim: Claim) -> list[str]:
    """The claim's named entities (not dates or quantities), most specific kind first, without repeats."""
    if claim.entities:
        rank = {kind: i for i, kind in enumerate(_ENTITY_PREFERENCE)}
        named = sorted((e for e in claim.entities if e.kind in rank), key=lambda e: (rank[e.kind], e.start))
        return list(dict.fromkeys(e.text for e in named))
    # Claims built without entity extraction (older callers): capitalised names in text order.
    return list(dict.fromkeys(name for name, _, _ in name_spans(claim.text)))


def template_fields(claim: Claim, document: Document | None, cfg: SourcesConfig) -> dict[str, str]:
    """The raw (not yet encoded) values a URL template can use for this claim."""
    terms = claim.key_terms[: cfg.max_terms]
    if not terms:  # a claim with no key terms still needs a search: use its words
        terms = re.findall(r"[\w’'-]+", claim.text)[: cfg.max_terms]
    names = entity_names(claim)
    fields = {
        "query": " ".join(terms),
        "phrase": " ".join(terms[:3]),
        "entity": names[0] if names else "",
        "entities": " ".join(names[:4]),
        "document_url": (document.url if document else None) or "",
        "published": "", "date_from": "", "date_to": "", "datetime_from": "", "datetime_to": "",
    }
    day = publication_date(document.published if document else None)
    if day is not None:
        window = timedelta(days=cfg.news_window_days)
        start = datetime.combine(day - window, datetime.min.time(), UTC)
        end = datetime.combine(day + window, datetime.max.time(), UTC)
        fields.update(
            published=day.isoformat(), date_from=start.date().isoformat(), date_to=end.date().isoformat(),
            datetime_from=start.strftime("%Y%m%d%H%M%S"), datetime_to=end.strftime("%Y%m%d%H%M%S"),
        )
    return fields


def fill(template: SourceTemplate, fields: dict[str, str]) -> str | None:
    """The template's URL with every placeholder URL-encoded, or None if a needed field is empty."""
    if any(not fields.get(required) for required in template.requires):
        return None
    url = template.dated_url if template.dated_url and fields.get("published") else template.url
    used = {name for _, name, _, _ in string.Formatter().parse(url) if name}
    if any(not fields.get(name) for name in used):
        return None
    # Path segments and query values alike: encode everything but unreserved characters.
    encoded = {name: quote(fields[name], safe="") for name in used}
    return url.format_map(encoded)


@lru_cache(maxsize=64)
def _keyword_rx(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def applies(template: SourceTemplate, claim: Claim) -> bool:
    """Whether a catalog source suits this claim: its type, entity kinds and topic keywords, each when set."""
    if template.applies_to and claim.type not in template.applies_to:
        return False
    if template.entity_kinds and not any(e.kind in template.entity_kinds for e in claim.entities):
        return False
    if template.keywords:
        text = " ".join([*claim.context_before, claim.text, *claim.context_after])
        return _keyword_rx(tuple(template.keywords)).search(text) is not None
    return True


def link_sources(claim: Claim, cfg: SourcesConfig, document: Document | None = None) -> list[Source]:
    """The catalog's sources that apply to this claim, with their URLs filled in."""
    fields = template_fields(claim, document, cfg)
    sources: list[Source] = []
    for template in cfg.catalog:
        if not applies(template, claim):
            continue
        url = fill(template, fields)
        if url is None:
            continue
        subject = next(
            (fields[name] for name in ("entity", "document_url", "phrase", "entities") if "{" + name + "}" in template.url),
            fields["query"],
        )
        sources.append(Source(id=template.id, title=f"{template.name}: {subject}", url=url, kind=template.kind))
    return sources

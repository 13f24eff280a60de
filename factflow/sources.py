"""Sources: the public references linked to each claim, built offline from the source catalog."""

from __future__ import annotations

import string
from urllib.parse import quote

from factflow.claims.signals import entities
from factflow.config import SourcesConfig, SourceTemplate
from factflow.models import Claim, Source


def template_fields(claim: Claim, document_url: str | None, max_terms: int) -> dict[str, str]:
    """The raw (not yet encoded) values a URL template can use for this claim."""
    terms = claim.key_terms[:max_terms]
    names = [name for name, _, _ in entities(claim.text)]
    return {
        "query": " ".join(terms),
        "phrase": " ".join(terms[:3]),
        "entity": names[0] if names else "",
        "document_url": document_url or "",
    }


def fill(template: SourceTemplate, fields: dict[str, str]) -> str | None:
    """The template's URL with every placeholder URL-encoded, or None if a needed field is empty."""
    if any(not fields.get(required) for required in template.requires):
        return None
    used = {name for _, name, _, _ in string.Formatter().parse(template.url) if name}
    if any(not fields.get(name) for name in used):
        return None
    # Path segments and query values alike: encode everything but unreserved characters.
    encoded = {name: quote(fields[name], safe="") for name in used}
    return template.url.format_map(encoded)


def link_sources(claim: Claim, cfg: SourcesConfig, document_url: str | None = None) -> list[Source]:
    """The catalog's sources that apply to this claim, with their URLs filled in."""
    fields = template_fields(claim, document_url, cfg.max_terms)
    sources: list[Source] = []
    for template in cfg.catalog:
        if template.applies_to and claim.type not in template.applies_to:
            continue
        url = fill(template, fields)
        if url is None:
            continue
        subject = fields["entity"] if "{entity}" in template.url else fields["query"]
        sources.append(Source(id=template.id, title=f"{template.name}: {subject}", url=url, kind=template.kind))
    return sources

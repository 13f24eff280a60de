"""The source APIs: every public API that resolves a catalog source online, registered by name in this one place.

A source API is a resolver, an async function ``(resolver, template, source, fields) -> outcome``:
it asks its API through the run's :class:`~factflow.sources.resolve.Resolver` (one client, each
distinct question asked once) and returns the source, resolved or unresolved with the reason, and
the fact-checks already published that it found (None from an API that does not look for them).
A catalog entry names its API (``api: wikipedia``); the configuration checks the name against
:func:`names`, the docs read :func:`describe`, and resolution dispatches through :func:`get`, so
an unknown name is an error that lists the known ones, never a fallback. To add an API, write
its client in ``apis.py`` (tested against a server on 127.0.0.1 that speaks its JSON), give it a
section under ``sources.apis`` (``ApisConfig`` in ``config/sources.py``) and register its resolver here:

    @register("mine", "What it finds, in one line.")
    async def _mine(resolver: Resolver, template: SourceTemplate, source: Source, fields: Fields) -> Outcome:
        base, query = resolver.apis.mine.base_url, fields["query"]
        found = await resolver.once(f"mine:{query}", lambda: apis.mine(resolver.client, base, query))
        return await _settle(resolver, template, source, fields, found, f"nothing in Mine matches {query!r}")
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

from factflow.models import ExistingFactCheck, Resolution, Source
from factflow.registry import Registry
from factflow.sources import apis

if TYPE_CHECKING:
    from factflow.config import SourceTemplate
    from factflow.sources.resolve import Resolver

__all__ = ["Fields", "Outcome", "SourceApi", "describe", "get", "names", "register", "unresolved"]

#: The raw values a catalog template can use for one source of one claim (``catalog.expand``: a per-entity
#: source's ``entity`` is its own entity), plus ``claim``, the claim's text, for resolvers that compare with it.
Fields = dict[str, str]
#: What resolving one source gives: the source (resolved or not) and the published fact-checks found, if the API looks.
Outcome = tuple[Source, list[ExistingFactCheck] | None]
Resolve = Callable[["Resolver", "SourceTemplate", Source, Fields], Awaitable[Outcome]]


@dataclass(frozen=True)
class SourceApi:
    """A registered source API: its name, a one-line summary, and its resolver."""

    name: str
    summary: str
    resolve: Resolve


_REGISTRY: Registry[SourceApi] = Registry("source API", "sources.catalog.api")
#: The registered source API names, the API of a name, one line per API.
names, get, describe = _REGISTRY.names, _REGISTRY.get, _REGISTRY.describe


def register(name: str, summary: str) -> Callable[[Resolve], Resolve]:
    """Register a source API's resolver under ``name`` (the name a catalog entry's ``api`` gives)."""

    def decorate(resolve: Resolve) -> Resolve:
        _REGISTRY.add(SourceApi(name=name, summary=summary, resolve=resolve))
        return resolve

    return decorate


def unresolved(source: Source, reason: str) -> Source:
    """The source left as its offline link, with the reason it could not be resolved."""
    return replace(source, status="unresolved", reason=reason)


async def _settle(
    resolver: Resolver, template: SourceTemplate, source: Source, fields: Fields,
    resolution: Resolution | None, missing: str, archive: bool = True,
) -> Outcome:
    """The source resolved with what an API found (and, with ``archive``, the found page's snapshot), or unresolved with ``missing``."""
    if resolution is None:
        return unresolved(source, missing), None
    page = resolution.snapshot_url or resolution.url or source.url
    label = resolution.title or resolution.label or fields["document_url"]
    resolved = replace(source, status="resolved", url=page, title=f"{template.name}: {label}", resolved=resolution)
    if archive and resolution.url:
        resolved = await resolver.archive(resolved, resolution.url)
    return resolved, None


# The registrations, in the order config messages and docs list them.


@register("wikipedia", "the best-matching Wikipedia article (MediaWiki search on the link's entity; for a phrase link, the phrase, then the main entity) and its page summary")
async def _wikipedia(resolver: Resolver, template: SourceTemplate, source: Source, fields: Fields) -> Outcome:
    base = resolver.apis.wikipedia.base_url
    title = None
    # A per-entity link is about its entity: its name alone (another name's article would be wrong);
    # a link of the claim's phrase: the phrase, then the main entity.
    order = ("entity",) if "{entity}" in template.url else ("phrase", "entity")
    for query in dict.fromkeys(q for q in (fields[name] for name in order) if q):
        title = await resolver.once(f"wp-search:{query}", partial(apis.wikipedia_search, resolver.client, base, query))
        if title:
            break
    found = None
    if title:
        found = await resolver.once(f"wp-summary:{title}", partial(apis.wikipedia_summary, resolver.client, base, title))
    return await _settle(resolver, template, source, fields, found, f"no Wikipedia article matches {next((fields[n] for n in order if fields[n]), '')!r}")


@register("wikidata", "the best-matching Wikidata entity for the link's named entity: its id, label and description")
async def _wikidata(resolver: Resolver, template: SourceTemplate, source: Source, fields: Fields) -> Outcome:
    base, name = resolver.apis.wikidata.base_url, fields["entity"]
    entity_id = await resolver.once(f"wd-search:{name}", partial(apis.wikidata_search, resolver.client, base, name))
    found = None
    if entity_id:
        found = await resolver.once(f"wd-entity:{entity_id}", partial(apis.wikidata_entity, resolver.client, base, entity_id))
    return await _settle(resolver, template, source, fields, found, f"no Wikidata entity matches {name!r}")


@register("wayback", "the Wayback Machine's closest snapshot of the claim's document (availability API)")
async def _wayback(resolver: Resolver, template: SourceTemplate, source: Source, fields: Fields) -> Outcome:
    url = fields["document_url"]
    found = await resolver.wayback(url)
    return await _settle(resolver, template, source, fields, found, f"no Wayback Machine snapshot of {url}", archive=False)


@register(
    "factchecktools",
    "fact-checks already published on the claim's names and figures (Google Fact Check Tools claims:search; needs an API key), "
    "re-ranked by similarity to the claim, those below sources.match_threshold dropped",
)
async def _factchecktools(resolver: Resolver, template: SourceTemplate, source: Source, fields: Fields) -> Outcome:
    api = resolver.apis.factchecktools
    if not resolver.api_key:
        return unresolved(source, f"existing fact-checks not looked up: set the environment variable {api.api_key_env}"), None
    query = fields["query"]
    found = await resolver.once(f"fc:{query}", partial(apis.fact_checks, resolver.client, api.base_url, query, api.language_code, api.page_size))
    found = resolver.rerank(fields["claim"], found)
    found = list(await asyncio.gather(*(resolver.archive_check(check) for check in found)))
    noun = "fact-check" if len(found) == 1 else "fact-checks"
    return replace(source, status="resolved", title=f"{source.title} ({len(found)} existing {noun})"), found

"""Clients of the public APIs that resolve sources, each a few lines over :func:`get_json`.

Each function takes the run's client and the API's base URL, asks the real API's question and
validates the answer against a pydantic model of that API's documented reply (the ``*Reply``
classes below, which read only the members we use and ignore the rest). An answer of any other
shape, or a link that is not http(s), is a PermanentSourceError naming what was wrong, never a
crash: the source stays ``unresolved`` with that reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from factflow.errors import PermanentSourceError
from factflow.http import get_json
from factflow.models import ExistingFactCheck, Resolution, check_link
from factflow.text import scrub

R = TypeVar("R", bound="Reply")


class Reply(BaseModel):
    """Base of the API reply models: members we do not use are ignored, those we use are type-checked."""

    model_config = ConfigDict(extra="ignore", frozen=True)


#: A link from an API: http(s) only, no whitespace or control characters (it ends up in <a href> and Markdown).
Link = Annotated[str, AfterValidator(check_link)]


def parse_reply(data: Any, model: type[R], where: str) -> R:
    """Validate an API's JSON against its reply model; a mismatch is a PermanentSourceError with the first reason."""
    try:
        return model.model_validate(scrub(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "the answer"
        raise PermanentSourceError(f"{where}: answer is not of the expected shape: {loc}: {first['msg']}") from exc


def _one_line(text: str | None, limit: int = 240) -> str | None:
    """The first sentence (or line) of a summary, at most ``limit`` characters."""
    if not text:
        return None
    line = " ".join(text.split())
    for end in (". ", "; "):
        cut = line.find(end)
        if 0 < cut < limit:
            return line[: cut + 1]
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


class _SearchHit(Reply):
    title: str = Field(min_length=1)


class _SearchQuery(Reply):
    search: list[_SearchHit]


class WikipediaSearchReply(Reply):
    """MediaWiki ``action=query&list=search`` (formatversion=2)."""

    query: _SearchQuery


async def wikipedia_search(client: httpx.AsyncClient, base_url: str, query: str) -> str | None:
    """The title of the best-matching Wikipedia article (MediaWiki list=search), or None."""
    where = f"{base_url}/w/api.php"
    data = await get_json(client, where, params={
        "action": "query", "list": "search", "srsearch": query, "srlimit": 1, "srnamespace": 0,
        "format": "json", "formatversion": 2,
    })
    hits = parse_reply(data, WikipediaSearchReply, where).query.search
    return hits[0].title if hits else None


class _Titles(Reply):
    normalized: str | None = None


class _Desktop(Reply):
    page: Link


class _ContentUrls(Reply):
    desktop: _Desktop


class WikipediaSummaryReply(Reply):
    """The REST v1 page summary."""

    title: str | None = None
    titles: _Titles | None = None
    extract: str | None = None
    content_urls: _ContentUrls
    wikibase_item: str | None = None


async def wikipedia_summary(client: httpx.AsyncClient, base_url: str, title: str) -> Resolution:
    """Title, one-line extract, canonical URL and Wikidata id of a Wikipedia article (REST page summary)."""
    where = f"{base_url}/api/rest_v1/page/summary"
    data = await get_json(client, f"{where}/{quote(title.replace(' ', '_'), safe='')}")
    reply = parse_reply(data, WikipediaSummaryReply, where)
    shown = (reply.titles.normalized if reply.titles else None) or reply.title
    if not shown:
        raise PermanentSourceError(f"{where}: answer has no title")
    return Resolution(title=shown, extract=_one_line(reply.extract), url=reply.content_urls.desktop.page, wikidata_id=reply.wikibase_item)


class _ExtractPage(Reply):
    title: str | None = None
    extract: str | None = None
    missing: bool = False


class _ExtractQuery(Reply):
    pages: list[_ExtractPage]


class WikipediaExtractReply(Reply):
    """MediaWiki ``action=query&prop=extracts&explaintext=1`` (TextExtracts, formatversion=2)."""

    query: _ExtractQuery


async def wikipedia_extract(client: httpx.AsyncClient, base_url: str, title: str, limit: int) -> str:
    """The plain text of a Wikipedia article (TextExtracts), at most ``limit`` characters; empty for a missing page."""
    where = f"{base_url}/w/api.php"
    data = await get_json(client, where, params={
        "action": "query", "prop": "extracts", "explaintext": 1, "exsectionformat": "wiki", "redirects": 1,
        "titles": title, "format": "json", "formatversion": 2,
    })
    pages = parse_reply(data, WikipediaExtractReply, where).query.pages
    page = next((p for p in pages if not p.missing and p.extract), None)
    # The API cannot cap a whole article's text (``exchars`` stops at 1,200), so the cap is ours.
    return page.extract[:limit] if page and page.extract else ""


class _EntityHit(Reply):
    id: str = Field(pattern=r"^Q[0-9]+$")


class WikidataSearchReply(Reply):
    """Wikidata ``wbsearchentities``."""

    search: list[_EntityHit]


async def wikidata_search(client: httpx.AsyncClient, base_url: str, name: str, language: str = "en") -> str | None:
    """The id (Q...) of the best-matching Wikidata entity (wbsearchentities), or None."""
    where = f"{base_url}/w/api.php"
    data = await get_json(client, where, params={
        "action": "wbsearchentities", "search": name, "language": language, "type": "item", "limit": 1, "format": "json",
    })
    hits = parse_reply(data, WikidataSearchReply, where).search
    return hits[0].id if hits else None


class _Text(Reply):
    value: str


class _Entity(Reply):
    missing: Any = None
    labels: dict[str, _Text] = {}
    descriptions: dict[str, _Text] = {}


class WikidataEntitiesReply(Reply):
    """Wikidata ``wbgetentities``."""

    entities: dict[str, _Entity]


async def wikidata_entity(client: httpx.AsyncClient, base_url: str, entity_id: str, language: str = "en") -> Resolution:
    """Id, label and description of a Wikidata entity (wbgetentities)."""
    where = f"{base_url}/w/api.php"
    data = await get_json(client, where, params={
        "action": "wbgetentities", "ids": entity_id, "props": "labels|descriptions", "languages": language, "format": "json",
    })
    entity = parse_reply(data, WikidataEntitiesReply, where).entities.get(entity_id)
    if entity is None or entity.missing is not None:
        raise PermanentSourceError(f"{where}: wbgetentities has no entity {entity_id}")
    label, description = entity.labels.get(language), entity.descriptions.get(language)
    return Resolution(
        wikidata_id=entity_id,
        label=label.value if label else None,
        description=description.value if description else None,
        url=f"{base_url}/wiki/{entity_id}",
    )


def _wayback_time(stamp: str) -> str:
    try:
        return datetime.strptime(stamp, "%Y%m%d%H%M%S").strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return stamp


class _Snapshot(Reply):
    available: bool = False
    url: Link | None = None
    timestamp: str | None = None


class _Snapshots(Reply):
    closest: _Snapshot | None = None


class WaybackReply(Reply):
    """The Wayback Machine availability API."""

    archived_snapshots: _Snapshots


async def wayback_snapshot(client: httpx.AsyncClient, base_url: str, url: str) -> Resolution | None:
    """The closest Wayback Machine snapshot of ``url`` (availability API), or None when none is archived."""
    where = f"{base_url}/wayback/available"
    data = await get_json(client, where, params={"url": url})
    if isinstance(data, dict) and data.get("archived_snapshots") in ({}, []):
        return None  # the API's way of saying "never archived"
    closest = parse_reply(data, WaybackReply, where).archived_snapshots.closest
    if closest is None or not closest.available or not closest.url:
        return None
    return Resolution(snapshot_url=closest.url, timestamp=_wayback_time(closest.timestamp) if closest.timestamp else None)


class _Publisher(Reply):
    name: str | None = None
    site: str | None = None


class _Review(Reply):
    url: str | None = None
    publisher: _Publisher | None = None
    textualRating: str | None = None  # noqa: N815 - the API's member name
    reviewDate: str | None = None  # noqa: N815 - the API's member name
    title: str | None = None


class _FoundClaim(Reply):
    text: str | None = None
    claimant: str | None = None
    claimReview: list[_Review] = []  # noqa: N815 - the API's member name


class FactCheckReply(Reply):
    """Fact Check Tools ``claims:search`` (an empty answer has no ``claims``)."""

    claims: list[_FoundClaim] = []


async def fact_checks(client: httpx.AsyncClient, base_url: str, query: str, language: str, page_size: int) -> list[ExistingFactCheck]:
    """Published fact-checks matching ``query`` (Fact Check Tools claims:search); the key travels in a header."""
    where = f"{base_url}/v1alpha1/claims:search"
    data = await get_json(client, where, params={"query": query, "languageCode": language, "pageSize": page_size})
    found: list[ExistingFactCheck] = []
    for claim in parse_reply(data, FactCheckReply, where).claims:
        for review in claim.claimReview:
            if not review.url or check_link_or_none(review.url) is None:
                continue  # a review we could not link to is no use to a reviewer
            publisher = (review.publisher.name or review.publisher.site or "") if review.publisher else ""
            found.append(ExistingFactCheck(
                publisher=publisher, rating=review.textualRating or "", url=review.url,
                date=review.reviewDate, title=review.title, claim=claim.text, claimant=claim.claimant,
            ))
    return found


def check_link_or_none(url: str) -> str | None:
    """``url`` when it is a link we may show (http or https, no whitespace or controls), else None."""
    try:
        return check_link(url)
    except ValueError:
        return None

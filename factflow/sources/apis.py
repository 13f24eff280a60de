"""Clients of the public APIs that resolve sources, each a few lines over :func:`get_json`.

Each function takes the run's client and the API's base URL, asks the real API's question and
reads the real API's JSON shape; a missing or odd field is a PermanentSourceError, not a crash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from factflow.errors import PermanentSourceError
from factflow.models import ExistingFactCheck, Resolution
from factflow.sources.http import get_json


def _dig(data: Any, *path: str | int) -> Any:
    """data[path[0]][path[1]]..., or None where the JSON has no such member."""
    for key in path:
        if isinstance(key, int):
            data = data[key] if isinstance(data, list) and len(data) > key else None
        else:
            data = data.get(key) if isinstance(data, dict) else None
        if data is None:
            return None
    return data


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


async def wikipedia_search(client: httpx.AsyncClient, base_url: str, query: str) -> str | None:
    """The title of the best-matching Wikipedia article (MediaWiki list=search), or None."""
    data = await get_json(client, f"{base_url}/w/api.php", params={
        "action": "query", "list": "search", "srsearch": query, "srlimit": 1, "srnamespace": 0,
        "format": "json", "formatversion": 2,
    })
    if _dig(data, "query", "search") is None:
        raise PermanentSourceError(f"{base_url}/w/api.php: answer has no query.search list")
    title = _dig(data, "query", "search", 0, "title")
    return str(title) if title else None


async def wikipedia_summary(client: httpx.AsyncClient, base_url: str, title: str) -> Resolution:
    """Title, one-line extract, canonical URL and Wikidata id of a Wikipedia article (REST page summary)."""
    path = quote(title.replace(" ", "_"), safe="")
    data = await get_json(client, f"{base_url}/api/rest_v1/page/summary/{path}")
    shown = _dig(data, "titles", "normalized") or _dig(data, "title")
    url = _dig(data, "content_urls", "desktop", "page")
    if not shown or not url:
        raise PermanentSourceError(f"{base_url}/api/rest_v1/page/summary: answer has no title or content_urls")
    return Resolution(title=str(shown), extract=_one_line(_dig(data, "extract")), url=str(url), wikidata_id=_dig(data, "wikibase_item"))


async def wikidata_search(client: httpx.AsyncClient, base_url: str, name: str, language: str = "en") -> str | None:
    """The id (Q...) of the best-matching Wikidata entity (wbsearchentities), or None."""
    data = await get_json(client, f"{base_url}/w/api.php", params={
        "action": "wbsearchentities", "search": name, "language": language, "type": "item", "limit": 1, "format": "json",
    })
    if _dig(data, "search") is None:
        raise PermanentSourceError(f"{base_url}/w/api.php: answer has no search list")
    found = _dig(data, "search", 0, "id")
    return str(found) if found else None


async def wikidata_entity(client: httpx.AsyncClient, base_url: str, entity_id: str, language: str = "en") -> Resolution:
    """Id, label and description of a Wikidata entity (wbgetentities)."""
    data = await get_json(client, f"{base_url}/w/api.php", params={
        "action": "wbgetentities", "ids": entity_id, "props": "labels|descriptions", "languages": language, "format": "json",
    })
    entity = _dig(data, "entities", entity_id)
    if not isinstance(entity, dict) or "missing" in entity:
        raise PermanentSourceError(f"{base_url}/w/api.php: wbgetentities has no entity {entity_id}")
    return Resolution(
        wikidata_id=entity_id,
        label=_dig(entity, "labels", language, "value"),
        description=_dig(entity, "descriptions", language, "value"),
        url=f"{base_url}/wiki/{entity_id}",
    )


def _wayback_time(stamp: str) -> str:
    try:
        return datetime.strptime(stamp, "%Y%m%d%H%M%S").strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return stamp


async def wayback_snapshot(client: httpx.AsyncClient, base_url: str, url: str) -> Resolution | None:
    """The closest Wayback Machine snapshot of ``url`` (availability API), or None when none is archived."""
    data = await get_json(client, f"{base_url}/wayback/available", params={"url": url})
    if not isinstance(data, dict) or not isinstance(data.get("archived_snapshots"), dict):
        raise PermanentSourceError(f"{base_url}/wayback/available: answer has no archived_snapshots")
    closest = _dig(data, "archived_snapshots", "closest")
    if not closest or not closest.get("available") or not closest.get("url"):
        return None
    stamp = str(closest.get("timestamp") or "")
    return Resolution(snapshot_url=str(closest["url"]), timestamp=_wayback_time(stamp) if stamp else None)


async def fact_checks(client: httpx.AsyncClient, base_url: str, query: str, language: str, page_size: int) -> list[ExistingFactCheck]:
    """Published fact-checks matching ``query`` (Fact Check Tools claims:search); the key travels in a header."""
    data = await get_json(client, f"{base_url}/v1alpha1/claims:search", params={
        "query": query, "languageCode": language, "pageSize": page_size,
    })
    if not isinstance(data, dict):
        raise PermanentSourceError(f"{base_url}/v1alpha1/claims:search: answer is not an object")
    found: list[ExistingFactCheck] = []
    for claim in data.get("claims") or []:
        for review in (claim.get("claimReview") or []) if isinstance(claim, dict) else []:
            if not isinstance(review, dict) or not review.get("url"):
                continue
            publisher = _dig(review, "publisher", "name") or _dig(review, "publisher", "site") or ""
            found.append(ExistingFactCheck(
                publisher=str(publisher), rating=str(review.get("textualRating") or ""), url=str(review["url"]),
                date=review.get("reviewDate"), title=review.get("title"),
                claim=claim.get("text"), claimant=claim.get("claimant"),
            ))
    return found

"""Ingest from the web: fetch the articles a URL list names, safely, and extract their text and metadata.

Fetching uses the same HTTP layer as source resolution (``factflow.sources.http``: polite,
retrying, cached). Only http and https are fetched, and every hop (redirects included) is
checked against the addresses the config allows: private, loopback and link-local addresses
are refused unless ``ingest.allow_private`` / ``ingest.allow_loopback`` say otherwise. Article
text and metadata (title, publication date, outlet) come from trafilatura, which also reads
``*.html`` pages saved in the seeds folder.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from factflow.config import HttpConfig, IngestConfig
from factflow.errors import InputError
from factflow.models import Document, Problem
from factflow.sources.http import build_client, run_async

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TEXT_TYPES = ("text/plain",)


@dataclass(frozen=True)
class UrlLine:
    """One URL of the URL list, with where it was written."""

    url: str
    file: str
    line: int


def read_url_list(path: Path) -> tuple[list[UrlLine], list[Problem]]:
    """The URLs of a URL list (one a line; blank lines and '#' comments skipped); bad lines are problems."""
    urls: list[UrlLine] = []
    problems: list[Problem] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(file=str(path), message=f"cannot read the URL list: {exc}")]
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        url = raw.split("#", 1)[0].strip() if raw.lstrip().startswith("#") else raw.strip()
        if not url:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(Problem(file=str(path), line=number, message=f"{url!r} is not an http:// or https:// URL; only those are fetched"))
            continue
        if url not in seen:
            seen.add(url)
            urls.append(UrlLine(url=url, file=str(path), line=number))
    return urls, problems


def address_refusal(address: str, cfg: IngestConfig) -> str | None:
    """Why an IP address may not be fetched from under this config, or None when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.is_loopback:
        return None if cfg.allow_loopback else "a loopback address (set ingest.allow_loopback to allow it)"
    if ip.is_link_local:
        return None if cfg.allow_private else "a link-local address (set ingest.allow_private to allow it)"
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
        return None if cfg.allow_private else "a private or reserved address (set ingest.allow_private to allow it)"
    return None


async def check_url(url: str, cfg: IngestConfig) -> None:
    """Refuse a URL that is not http(s) or whose host resolves to an address the config does not allow."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(url, "only http:// and https:// URLs are fetched")
    host = parts.hostname
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
        except OSError as exc:
            raise InputError(url, f"cannot resolve host {host!r}: {exc.strerror or exc}") from exc
        addresses = sorted({str(info[4][0]) for info in infos})
    for address in addresses:
        refusal = address_refusal(address, cfg)
        if refusal:
            where = f"{address} is" if host.strip("[]") == address else f"{host} is {address},"
            raise InputError(url, f"refused: {where} {refusal}")


def extract_article(
    html: str | bytes, doc_id: str, path: str, cfg: IngestConfig, sha256: str, url: str | None = None
) -> Document:
    """A document from an HTML page: main text, title, publication date and outlet, by trafilatura."""
    import trafilatura  # imported here: it costs a third of a second and only HTML needs it

    from factflow.ingest import parse_document

    result = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False, include_tables=False)
    extracted: dict[str, Any] = {} if result is None else result if isinstance(result, dict) else result.as_dict()
    if not str(extracted.get("text") or "").strip():
        raise InputError(path, "no article text found in the HTML page")
    title = " ".join(str(extracted.get("title") or "").split())
    body = str(extracted["text"]).strip()
    first = body.split("\n", 1)[0].strip()
    if title and first == title:  # trafilatura keeps the headline as the body's first line
        body = body.split("\n", 1)[1].strip() if "\n" in body else ""
    if not title:
        title, _, body = body.partition("\n")
    text = f"{title}\n\n{body}\n"
    doc = parse_document(doc_id, path, text, cfg, sha256)
    page_url = str(url or extracted.get("url") or "")
    return doc.model_copy(update={
        "url": page_url if page_url.startswith(("http://", "https://")) else None,
        "published": extracted.get("date") or None,
        "outlet": extracted.get("sitename") or extracted.get("hostname") or None,
    })


def url_doc_id(url: str) -> str:
    """A document id for a fetched URL: stable across runs and unique per URL."""
    return "web-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


async def fetch_article(client: httpx.AsyncClient, url: str, cfg: IngestConfig, limit: int) -> Document:
    """Fetch one article URL (redirects checked hop by hop, size limited) and extract it."""
    from factflow.ingest import parse_text_document

    current = url
    for _ in range(cfg.max_redirects + 1):
        await check_url(current, cfg)
        try:
            async with client.stream("GET", current) as response:
                if response.is_redirect and "location" in response.headers:
                    current = str(response.url.join(response.headers["location"]))
                    continue
                if response.status_code >= 400:
                    raise InputError(url, f"HTTP {response.status_code} from {current}")
                declared = int(response.headers.get("content-length") or 0)
                if declared > limit:
                    raise InputError(url, f"page is {declared:,} bytes, over the limit of {limit:,} (ingest.max_file_bytes)")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise InputError(url, f"page is over the limit of {limit:,} bytes (ingest.max_file_bytes)")
                    chunks.append(chunk)
                raw = b"".join(chunks)
                kind = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
                charset = response.charset_encoding or "utf-8"
        except httpx.TimeoutException as exc:
            raise InputError(url, f"timed out fetching {current}") from exc
        except httpx.HTTPError as exc:
            raise InputError(url, f"cannot fetch {current}: {type(exc).__name__}: {exc}") from exc
        digest = hashlib.sha256(raw).hexdigest()
        if kind in _HTML_TYPES or (not kind and raw.lstrip()[:1] == b"<"):
            return extract_article(raw, url_doc_id(url), url, cfg, digest, url=current)
        if kind in _TEXT_TYPES:
            doc = parse_text_document(url_doc_id(url), url, raw.decode(charset, errors="replace"), cfg, digest, charset)
            return doc if doc.url else doc.model_copy(update={"url": current})
        raise InputError(url, f"content type {kind or 'unknown'!r} is not an article; expected HTML or plain text")
    raise InputError(url, f"more than {cfg.max_redirects} redirects (ingest.max_redirects)")


async def fetch_all(client: httpx.AsyncClient, urls: Sequence[UrlLine], cfg: IngestConfig, limit: int) -> tuple[list[Document], list[Problem]]:
    """Fetch every URL concurrently (the client spaces requests per host); failures become problems."""
    results = await asyncio.gather(*(fetch_article(client, u.url, cfg, limit) for u in urls), return_exceptions=True)
    documents: list[Document] = []
    problems: list[Problem] = []
    for entry, result in zip(urls, results, strict=True):
        if isinstance(result, InputError):
            problems.append(Problem(file=entry.file, line=entry.line, message=str(result)))
        elif isinstance(result, BaseException):
            raise result
        else:
            documents.append(result)
    return documents, problems


def fetch_urls(urls: Sequence[UrlLine], ingest: IngestConfig, http: HttpConfig, cache_dir: Path | None) -> tuple[list[Document], list[Problem]]:
    """Fetch and extract every listed article with one polite, cached client."""
    if not urls:
        return [], []

    async def main() -> tuple[list[Document], list[Problem]]:
        async with build_client(http, cache_dir) as client:
            return await fetch_all(client, urls, ingest, min(ingest.max_file_bytes, http.max_response_bytes))

    return run_async(main)

"""Ingest from the web: fetch the articles a URL list names, safely, and extract their text and metadata.

Fetching uses the same HTTP layer as source resolution (``factflow.http``: polite,
retrying, cached). Only http and https are fetched, and every hop (redirects included) is
checked against the addresses the config allows: private, loopback and link-local addresses
are refused unless ``ingest.allow_private`` / ``ingest.allow_loopback`` say otherwise. A page
becomes a document as a saved one does (``parse``: trafilatura for HTML, plain text as text).
"""

from __future__ import annotations

import asyncio
import codecs
import dataclasses
import hashlib
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from factflow.config import HttpConfig, IngestConfig
from factflow.errors import InputError, RefusedAddress
from factflow.fileio import read_plain_file
from factflow.http import build_client, run_async
from factflow.ingest.parse import decode, extract_article, is_binary, parse_text_document, wide_encoding
from factflow.models import MAX_URL_CHARS, Document, FileProblems, Problem, check_document_url, unexpected_problem

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TEXT_TYPES = ("text/plain", "text/markdown")


@dataclass(frozen=True)
class UrlLine:
    """One URL of the URL list, with where it was written."""

    url: str
    file: str
    line: int


#: Fetches the URL list's articles: (urls) -> (documents, problems). None when the run is offline.
WebFetcher = Callable[[Sequence[UrlLine]], tuple[list[Document], list[Problem]]]


def read_url_list(path: Path) -> tuple[list[UrlLine], list[Problem]]:
    """The URLs of a URL list (one a line; blank lines and '#' comments skipped); bad lines are problems."""
    urls: list[UrlLine] = []
    try:
        text = read_plain_file(path, InputError, max_bytes=10_000_000, follow_links=True)  # a seed may be a link
    except InputError as exc:
        return [], [Problem(file=str(path), message=f"cannot read the URL list: {exc.message}")]
    seen: set[str] = set()
    bad = FileProblems(str(path))  # 10 MB of bad lines: a thousand problems and a count, not five million
    for number, raw in enumerate(_lines(text), 1):
        url = _listed_url(raw)
        if not url:
            continue
        try:
            check_document_url(url)
            httpx.URL(url)  # what the client will parse: an odd port or IPv6 literal fails here, as a problem
        except (ValueError, httpx.InvalidURL) as exc:
            if bad.full:
                bad.count(number)
            else:
                # Why, as the link rule says it ('a link may not hold a user name or password', 'Port out of range').
                message = (f"{_clipped(url)!r} is {len(url):,} characters long; only http:// and https:// URLs of at most "
                           f"{MAX_URL_CHARS:,} characters are fetched" if len(url) > MAX_URL_CHARS else f"{_clipped(url)!r} is refused: {exc}")
                bad.append(Problem(file=str(path), line=number, message=message))
            continue
        if url not in seen:
            seen.add(url)
            urls.append(UrlLine(url=url, file=str(path), line=number))
    return urls, bad.listed()


#: A comment after a URL: '#' after a space ('#' inside a URL starts its fragment).
_TRAILING_COMMENT = re.compile(r"\s+#.*$")
#: A URL as people paste it: an autolink ('<https://...>') or a Markdown link ('[title](https://...)').
_WRAPPED = re.compile(r"<(\S+)>|\[[^\]]*\]\((\S+)\)")


#: A list's bullet or number before a URL ('- https://...', '1. https://...').
_LIST_MARKER = re.compile(r"(?:[-*•]|\d{1,4}[.)])\s+(?=\S)")
#: A URL followed by words on its line (a title after a tab or a space): the URL is read, the words are a comment.
_URL_THEN_WORDS = re.compile(r"(https?://\S+)\s+\S.*", re.IGNORECASE)
#: Query parameters that say where a reader came from, not which page: the same article pasted from a newsletter,
#: a post and a search result was fetched three times, as three documents.
_TRACKING = re.compile(r"utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|igshid|mc_cid|mc_eid|_hsenc|_hsmi|mkt_tok|ref_src",
                       re.IGNORECASE)


def _listed_url(raw: str) -> str:
    """The URL of a URL list's line: '' for a blank line or a comment; a comment after it, the '<>' of an autolink,
    a Markdown link's title and brackets, a list's bullet or number and words after the URL are left out (each was
    'not an http:// or https:// URL'); then :func:`canonical_url`."""
    line = raw.strip().lstrip("\ufeff")
    if line.startswith("#"):
        return ""
    line = _TRAILING_COMMENT.sub("", line)
    line = _LIST_MARKER.sub("", line, count=1) if _LIST_MARKER.match(line) else line
    wrapped = _WRAPPED.fullmatch(line)
    line = (wrapped.group(1) or wrapped.group(2)) if wrapped else line
    line = line[1:] if line[:1] in "(\"'" and line[1:9].lower().startswith(("http://", "https://")) else line  # '(https://...)'
    words = _URL_THEN_WORDS.fullmatch(line)
    return canonical_url(words.group(1) if words else line)


def canonical_url(url: str) -> str:
    """The page a pasted URL names: punctuation that ended the sentence it was pasted from (a trailing '.', ',',
    ';', or a ')' that opens nowhere in it), its fragment (a place in the page; '#!' routes stay) and its
    tracking parameters (``utm_*``, ``fbclid``, ...) left out. Anything else is kept as written."""
    end, surplus = len(url), url.count(")") - url.count("(")  # one pass: a hostile line of a million ')' stays linear
    while end and (url[end - 1] in ".,;:!?'\"" or (url[end - 1] == ")" and surplus > 0)):
        surplus -= url[end - 1] == ")"
        end -= 1
    url = url[:end]
    base, hashed, fragment = url.partition("#")
    if hashed and not fragment.startswith("!"):
        url = base
    if "?" in url and not url.startswith("?"):
        path, _, query = url.partition("?")
        kept = [pair for pair in query.split("&") if pair and not _TRACKING.fullmatch(pair.split("=", 1)[0])]
        url = path + ("?" + "&".join(kept) if kept else "")
    return url


#: What ``str.splitlines`` splits on.
_LINE_END = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` as ``str.splitlines`` gives them, one at a time (not a list of millions)."""
    start = 0
    for end in _LINE_END.finditer(text):
        yield text[start:end.start()]
        start = end.end()
    if start < len(text):
        yield text[start:]


def _clipped(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def effective_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The IPv4 address an IPv6 address stands for (mapped ``::ffff:a.b.c.d``, 6to4, Teredo, NAT64), else itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def address_refusal(address: str, cfg: IngestConfig) -> str | None:
    """Why an IP address may not be fetched from under this config, or None when it may.

    An address is classed by what it reaches: ``[::ffff:127.0.0.1]`` is loopback. Anything that is
    not a global unicast address (private, shared, reserved, multicast, documentation) is private.
    """
    ip = effective_address(ipaddress.ip_address(address.split("%", 1)[0]))
    if ip.is_loopback:
        return None if cfg.allow_loopback else "a loopback address (set ingest.allow_loopback to allow it)"
    if ip.is_link_local:
        return None if cfg.allow_private else "a link-local address (set ingest.allow_private to allow it)"
    if not ip.is_global or ip.is_multicast:
        return None if cfg.allow_private else "a private or reserved address (set ingest.allow_private to allow it)"
    return None


#: Resolves a host name to IP addresses: (host, port) -> addresses. Tests pass a stand-in DNS.
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolve(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class PinnedTransport(httpx.AsyncBaseTransport):
    """Connects to the address that was checked: resolve once, check every address, connect to that IP.

    Checking a name and then letting the connection resolve it again is open to DNS rebinding (a
    host that answers a public address, then a loopback one); here the request goes to the checked
    IP, with the original Host header and, for https, the original name for SNI and certificates.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, cfg: IngestConfig, resolve: Resolver | None = None) -> None:
        self.inner = inner
        self.cfg = cfg
        self.resolve = resolve or system_resolve

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            try:
                addresses = await self.resolve(host, port)
            except OSError as exc:
                raise RefusedAddress(f"cannot resolve host {host!r}: {exc.strerror or exc}") from exc
            if not addresses:
                raise RefusedAddress(f"cannot resolve host {host!r}: no address") from None
        for address in addresses:
            refusal = address_refusal(address, self.cfg)
            if refusal:
                where = f"{address} is" if host == address else f"{host} is {address},"
                raise RefusedAddress(f"refused: {where} {refusal}")
        pinned = request.url.copy_with(host=addresses[0])
        extensions = dict(request.extensions)
        if request.url.scheme == "https" and pinned.host != host:
            extensions["sni_hostname"] = host
        outgoing = httpx.Request(request.method, pinned, headers=request.headers, stream=request.stream, extensions=extensions)
        return await self.inner.handle_async_request(outgoing)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def check_url(url: str, cfg: IngestConfig) -> None:
    """Refuse a URL that is not http(s), or whose host is an IP address the config does not allow.

    Host names are resolved, checked and pinned when connecting (:class:`PinnedTransport`).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(url, "only http:// and https:// URLs are fetched")
    host = parts.hostname.strip("[]")
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        return
    refusal = address_refusal(address, cfg)
    if refusal:
        raise InputError(url, f"refused: {address} is {refusal}")


def _charset(response: httpx.Response) -> str | None:
    """The response's declared charset when Python knows it."""
    try:
        return codecs.lookup(response.charset_encoding).name if response.charset_encoding else None
    except (LookupError, ValueError):
        return None


def url_doc_id(url: str) -> str:
    """A document id for a fetched URL: stable across runs and unique per URL."""
    return "web-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


async def fetch_article(client: httpx.AsyncClient, url: str, cfg: IngestConfig, limit: int) -> Document:
    """Fetch one article URL (redirects checked hop by hop, size limited) and extract it."""
    current = url
    for _ in range(cfg.max_redirects + 1):
        try:
            await check_url(current, cfg)
        except InputError as exc:  # a redirect's target is refused: the problem names the listed URL and the hop
            if current == url:
                raise
            raise InputError(url, f"redirected to {current}: {exc.message}") from exc
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
                charset = _charset(response)
        except RefusedAddress as exc:
            raise InputError(url, str(exc)) from exc
        except httpx.TimeoutException as exc:
            raise InputError(url, f"timed out fetching {current}") from exc
        except httpx.HTTPError as exc:
            raise InputError(url, f"cannot fetch {current}: {type(exc).__name__}: {exc}") from exc
        digest = hashlib.sha256(raw).hexdigest()
        if kind in _HTML_TYPES or (not kind and raw.lstrip()[:1] == b"<"):
            return extract_article(raw, url_doc_id(url), url, cfg, digest, url=current, charset=charset)
        if kind in _TEXT_TYPES:
            if is_binary(raw):  # as a seed file of NUL bytes is: no text to read
                raise InputError(url, f"declared {kind!r} but binary (contains NUL bytes); only text documents are read")
            # A declared charset is read (a byte-order mark first); without one, as a seed file is: UTF-8, UTF-16 by
            # its mark, else Windows-1252 ('Café' was 'Caf\ufffd', UTF-16 text NUL characters).
            text, encoding = (raw.decode(charset, errors="replace"), charset) if charset and not wide_encoding(raw[:4]) \
                and not raw.startswith(codecs.BOM_UTF8) else decode(raw, Path(url))
            doc = parse_text_document(url_doc_id(url), url, text, cfg, digest, encoding, markdown=kind == "text/markdown")
            return doc if doc.url else dataclasses.replace(doc, url=current)
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
        elif isinstance(result, Exception):  # an article no check foresaw: one problem, the run goes on
            problems.append(unexpected_problem(entry.file, entry.line, result))
        elif isinstance(result, BaseException):
            raise result
        else:
            documents.append(result)
    return documents, problems


def fetch_urls(
    urls: Sequence[UrlLine], ingest: IngestConfig, http: HttpConfig, cache_dir: Path | None, resolve: Resolver | None = None
) -> tuple[list[Document], list[Problem]]:
    """Fetch and extract every listed article with one polite, cached client that connects only to checked addresses."""
    if not urls:
        return [], []

    async def main() -> tuple[list[Document], list[Problem]]:
        async with build_client(http, cache_dir, inner=PinnedTransport(httpx.AsyncHTTPTransport(), ingest, resolve)) as client:
            return await fetch_all(client, urls, ingest, min(ingest.max_file_bytes, http.max_response_bytes))

    return run_async(main)

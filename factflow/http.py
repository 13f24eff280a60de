"""The one HTTP layer: a polite, retrying, cached ``httpx.AsyncClient`` and JSON fetching mapped to SourceError.

Shared infrastructure, not part of one stage: source resolution (``factflow.sources``) and URL
ingest (``factflow.ingest.web``) both build their client here.

The layers, top to bottom::

    httpx.AsyncClient (User-Agent, per-request timeout)
    └── hishel AsyncCacheTransport (on-disk SQLite cache: a rerun sends no request)
        └── PoliteTransport (per-host concurrency and spacing, retries, deadline, secret headers)
            └── httpx.AsyncHTTPTransport (the network)

Politeness sits *below* the cache so that cache hits neither wait nor count. Secret headers
(the Fact Check Tools key) are added there too, so they never reach the cache, a URL, a log
line or an error message. Callers get a client from :func:`build_client` (or inject their
own) and call :func:`get_json`, which raises only :class:`~factflow.errors.SourceError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import sqlite3
import time
import zlib
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from factflow.config import HttpConfig
from factflow.errors import DeadlineExceeded, PermanentSourceError, ResponseTooLarge, TransientSourceError

T = TypeVar("T")

#: Statuses worth retrying: the server is busy or briefly broken.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
log = logging.getLogger("factflow")

CACHE_FILE = "factflow-http.sqlite"


#: Content encodings we decode ourselves, capped as we go (see :func:`read_capped`).
ACCEPTED_ENCODINGS = "gzip, deflate"
_DROPPED_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


def _decoder(encoding: str) -> Any:
    """A zlib decompressor for a Content-Encoding, None for identity; others are refused (we never ask for them)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib-wrapped as the RFC says (or gzip)
    raise httpx.DecodingError(f"content-encoding {encoding!r} is not accepted (we ask for {ACCEPTED_ENCODINGS})")


async def read_capped(response: httpx.Response, limit: int) -> bytes:
    """The body of a streamed response, decoded, refused as soon as it passes ``limit`` bytes.

    Decoding here, chunk by chunk with a bounded output, is what stops a gzip bomb: 1.5 MB that
    inflate to 1.5 GB cost at most ``limit`` bytes of memory, and nothing oversized reaches the cache.
    """
    declared = response.headers.get("content-length", "")
    encoding = response.headers.get("content-encoding", "")
    if declared.isdigit() and int(declared) > limit and not encoding:
        raise ResponseTooLarge(f"response of {int(declared):,} bytes is over the limit of {limit:,} (http.max_response_bytes)")
    decoder = _decoder(encoding)
    body = bytearray()
    try:
        async for chunk in response.aiter_raw():
            data = chunk
            while data:
                if decoder is None:
                    piece, data = data, b""
                else:
                    piece = decoder.decompress(data, limit - len(body) + 1)
                    data = decoder.unconsumed_tail
                body += piece
                if len(body) > limit:
                    raise ResponseTooLarge(f"response is over the limit of {limit:,} bytes (http.max_response_bytes)")
        if decoder is not None:
            body += decoder.flush()
    except zlib.error as exc:
        raise httpx.DecodingError(f"cannot decode the {encoding} body: {exc}") from exc
    finally:
        await response.aclose()
    if len(body) > limit:
        raise ResponseTooLarge(f"response is over the limit of {limit:,} bytes (http.max_response_bytes)")
    return bytes(body)


def retry_after(response: httpx.Response, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait (Retry-After: seconds or an HTTP date), or None."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # '²' is a digit to str.isdigit, and no number to float
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class PoliteTransport(httpx.AsyncBaseTransport):
    """Per-host concurrency limit and minimum interval, retries with backoff and jitter, an overall deadline.

    Hand-written because no well-kept httpx add-on does per-host spacing together with
    Retry-After-aware retries; each part is a few lines over asyncio primitives.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        cfg: HttpConfig,
        secret_headers: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """``secret_headers`` maps a URL prefix to headers sent only to URLs under it."""
        self.inner = inner
        self.cfg = cfg
        self.secret_headers = {prefix: dict(h) for prefix, h in (secret_headers or {}).items()}
        self.deadline = time.monotonic() + cfg.deadline_seconds
        self.sent = 0  #: requests that went to the network, retries included
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._spacing: dict[str, asyncio.Lock] = {}
        self._next_start: dict[str, float] = {}

    def _remaining(self) -> float:
        return self.deadline - time.monotonic()

    async def _wait_turn(self, host: str) -> None:
        """Sleep until this host's minimum interval since the last start has passed."""
        lock = self._spacing.setdefault(host, asyncio.Lock())
        async with lock:
            wait = self._next_start.get(host, 0.0) - time.monotonic()
            if wait > 0:
                if wait > self._remaining():
                    raise DeadlineExceeded(f"deadline of {self.cfg.deadline_seconds:g} s reached")
                await asyncio.sleep(wait)
            self._next_start[host] = time.monotonic() + self.cfg.min_interval_seconds

    def _with_secrets(self, request: httpx.Request) -> httpx.Request:
        url = str(request.url)
        extra = next((h for prefix, h in self.secret_headers.items() if url.startswith(prefix)), None)
        if not extra:
            return request
        # A copy: the cache above keeps the original request, which must not hold the secret.
        headers = httpx.Headers(request.headers)
        headers.update(extra)
        return httpx.Request(request.method, request.url, headers=headers, stream=request.stream, extensions=request.extensions)

    def _backoff(self, attempt: int, response: httpx.Response | None) -> float:
        delay = self.cfg.backoff_seconds * (2**attempt)
        delay = random.uniform(delay / 2, delay)  # jitter spreads out clients retrying together
        asked = retry_after(response) if response is not None else None
        if asked is not None:
            delay = max(delay, asked)
        return min(delay, self.cfg.backoff_max_seconds)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.netloc.decode("ascii").lower()
        slot = self._slots.setdefault(host, asyncio.Semaphore(self.cfg.per_host_concurrency))
        outgoing = self._with_secrets(request)
        attempt = 0
        while True:
            if self._remaining() <= 0:
                raise DeadlineExceeded(f"deadline of {self.cfg.deadline_seconds:g} s reached")
            response: httpx.Response | None = None
            error: httpx.TransportError | None = None
            async with slot:
                await self._wait_turn(host)
                self.sent += 1
                try:
                    # Headers and the whole body within what is left of the deadline: a server that
                    # trickles a byte a second is cancelled when the stage's time is up.
                    response = await asyncio.wait_for(self._fetch(outgoing), self._remaining())
                except TimeoutError as exc:
                    raise DeadlineExceeded(f"deadline of {self.cfg.deadline_seconds:g} s reached") from exc
                except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                    error = exc
            if response is not None and response.status_code not in RETRY_STATUSES:
                return response
            delay = self._backoff(attempt, response)
            if attempt >= self.cfg.retries or delay >= self._remaining():
                if response is not None:
                    return response  # the caller maps the status
                assert error is not None
                raise error
            if response is not None:
                await response.aclose()
            await asyncio.sleep(delay)
            attempt += 1

    async def _fetch(self, request: httpx.Request) -> httpx.Response:
        """Send one request and read its body whole, decoded and capped (the layers above get plain bytes)."""
        streamed = await self.inner.handle_async_request(request)
        body = await read_capped(streamed, self.cfg.max_response_bytes)
        # As received, in bytes: a header value of a byte past ASCII ('Retry-After: \xb2') decoded and encoded
        # again was a UnicodeEncodeError, which every source of that host reported as its reason.
        headers = [(k, v) for k, v in streamed.headers.raw if k.decode("latin-1").lower() not in _DROPPED_HEADERS]
        extensions = {k: v for k, v in streamed.extensions.items() if k in ("http_version", "reason_phrase")}
        return httpx.Response(streamed.status_code, headers=headers, content=body, request=request, extensions=extensions)

    async def aclose(self) -> None:
        await self.inner.aclose()


def readable_or_removed(database: Path) -> None:
    """Delete the HTTP cache's database when it is not one SQLite can read (a crash, a full disk, a
    stray file): it is a cache, built again from the next answers. hishel would otherwise treat every
    look-up as a miss and log a traceback for each."""
    if not database.is_file():
        return
    try:
        with contextlib.closing(sqlite3.connect(database)) as connection:
            connection.execute("PRAGMA schema_version").fetchone()
            return
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        log.warning("the HTTP cache %s could not be read (%s); it is built again", database, exc)
    for stale in (database, *(database.with_name(database.name + suffix) for suffix in ("-journal", "-wal", "-shm"))):
        stale.unlink(missing_ok=True)


def build_client(
    cfg: HttpConfig,
    cache_dir: Path | None,
    secret_headers: Mapping[str, Mapping[str, str]] | None = None,
    inner: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The run's HTTP client: User-Agent, timeouts, politeness and (when ``cache_dir`` is set) the on-disk cache."""
    transport: httpx.AsyncBaseTransport = PoliteTransport(inner or httpx.AsyncHTTPTransport(), cfg, secret_headers)
    if cache_dir is not None:
        from hishel import AsyncSqliteStorage
        from hishel.httpx import AsyncCacheTransport

        cache_dir.mkdir(parents=True, exist_ok=True)
        readable_or_removed(cache_dir / CACHE_FILE)
        storage = AsyncSqliteStorage(database_path=cache_dir / CACHE_FILE, default_ttl=cfg.cache_ttl_hours * 3600)
        transport = AsyncCacheTransport(next_transport=transport, storage=storage)
    return httpx.AsyncClient(
        transport=transport,
        headers={
            "User-Agent": cfg.user_agent_header, "Accept": "application/json, text/html;q=0.9, */*;q=0.5",
            "Accept-Encoding": ACCEPTED_ENCODINGS,
        },
        timeout=httpx.Timeout(cfg.timeout_seconds),
        follow_redirects=False,
    )


def polite_transport(client: httpx.AsyncClient) -> PoliteTransport | None:
    """The client's politeness layer, when it has one (for counting requests sent)."""
    transport: Any = client._transport  # httpx keeps the mounted transport here; no public accessor
    while transport is not None and not isinstance(transport, PoliteTransport):
        transport = getattr(transport, "next_transport", None)
    return transport


def shown_url(request_url: httpx.URL | str) -> str:
    """A URL fit for a message: scheme, host and path, no query (a query may hold search terms at length)."""
    url = httpx.URL(str(request_url))
    return f"{url.scheme}://{url.netloc.decode('ascii')}{url.path}"


async def get_json(client: httpx.AsyncClient, url: str, params: Mapping[str, str | int] | None = None) -> Any:
    """GET a JSON document; every failure is a TransientSourceError or PermanentSourceError with a short reason."""
    where = shown_url(url)
    try:
        response = await client.get(url, params=params)
    except DeadlineExceeded as exc:
        raise TransientSourceError(f"{where}: {exc}") from exc
    except (ResponseTooLarge, httpx.DecodingError) as exc:
        raise PermanentSourceError(f"{where}: {exc}") from exc
    except httpx.TimeoutException as exc:
        raise TransientSourceError(f"{where}: timed out ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise TransientSourceError(f"{where}: {type(exc).__name__}: {exc}") from exc
    if response.status_code in RETRY_STATUSES:
        raise TransientSourceError(f"{where}: HTTP {response.status_code} after retries")
    if response.status_code >= 400:
        raise PermanentSourceError(f"{where}: HTTP {response.status_code}")
    if len(response.content) > _max_bytes(client):
        raise PermanentSourceError(f"{where}: response of {len(response.content):,} bytes is over the limit")
    try:
        return response.json()
    except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested thousands deep
        raise PermanentSourceError(f"{where}: malformed JSON ({exc.__class__.__name__})") from exc


def _max_bytes(client: httpx.AsyncClient) -> int:
    polite = polite_transport(client)
    return polite.cfg.max_response_bytes if polite else HttpConfig().max_response_bytes


class Memo:
    """One request per distinct key within a run, even when many claims ask at once."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    async def once(self, key: str, make: Callable[[], Awaitable[T]]) -> T:
        """Await ``make()`` the first time ``key`` is asked for; later callers share its result or error."""
        task = self._tasks.get(key)
        if task is None:
            async def run() -> T:
                return await make()

            task = asyncio.ensure_future(run())
            self._tasks[key] = task
        result: T = await asyncio.shield(task)
        return result


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from synchronous code, even where an event loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    # Inside a running loop (a notebook, an async host) asyncio.run is refused: use a fresh thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()

"""The HTTP layer against a real server on 127.0.0.1: spacing, concurrency, retries, timeouts, cache."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from factflow.config import HttpConfig
from factflow.errors import PermanentSourceError, TransientSourceError
from factflow.http import build_client, get_json, polite_transport, retry_after


def http(**overrides: Any) -> HttpConfig:
    settings: dict[str, Any] = {"min_interval_seconds": 0.0, "backoff_seconds": 0.01, "timeout_seconds": 5.0} | overrides
    return HttpConfig(**settings)


def run(make: Callable[[httpx.AsyncClient], Coroutine[Any, Any, Any]], cfg: HttpConfig, cache: Path | None = None) -> Any:
    async def main() -> Any:
        async with build_client(cfg, cache) as client:
            return await make(client)

    return asyncio.run(main())


class Arrivals:
    """A handler that answers JSON and records when each request arrived and how many were in flight."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.times: list[float] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.times.append(time.monotonic())
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(self.delay)
        with self.lock:
            self.in_flight -= 1
        return Response('{"ok": true}', content_type="application/json")


def test_requests_to_one_host_keep_the_minimum_interval(api_server: HTTPServer) -> None:
    arrivals = Arrivals()
    api_server.expect_request("/api").respond_with_handler(arrivals)
    url = api_server.url_for("/api")

    async def many(client: httpx.AsyncClient) -> list[Any]:
        return await asyncio.gather(*(get_json(client, url, {"n": i}) for i in range(6)))

    assert run(many, http(min_interval_seconds=0.15, per_host_concurrency=4)) == [{"ok": True}] * 6
    gaps = [b - a for a, b in zip(arrivals.times, arrivals.times[1:], strict=False)]
    assert len(arrivals.times) == 6
    # Server-side arrival times jitter by a few milliseconds around the client's spaced starts.
    assert min(gaps) >= 0.12, gaps
    assert arrivals.times[-1] - arrivals.times[0] >= 5 * 0.15 - 0.02, gaps


def test_no_more_than_the_per_host_limit_are_in_flight(api_server: HTTPServer) -> None:
    arrivals = Arrivals(delay=0.2)
    api_server.expect_request("/slow").respond_with_handler(arrivals)
    url = api_server.url_for("/slow")

    async def many(client: httpx.AsyncClient) -> list[Any]:
        return await asyncio.gather(*(get_json(client, url, {"n": i}) for i in range(6)))

    started = time.monotonic()
    run(many, http(per_host_concurrency=2))
    assert arrivals.most_in_flight == 2
    assert time.monotonic() - started >= 0.55  # three rounds of two


def test_429_is_retried_after_the_time_the_server_asks(api_server: HTTPServer) -> None:
    arrivals = Arrivals()
    api_server.expect_ordered_request("/busy").respond_with_response(Response("slow down", status=429, headers={"Retry-After": "1"}))
    api_server.expect_request("/busy").respond_with_handler(arrivals)
    url = api_server.url_for("/busy")
    started = time.monotonic()
    assert run(lambda c: get_json(c, url), http()) == {"ok": True}
    assert len(api_server.log) == 2
    assert arrivals.times[0] - started >= 0.95  # Retry-After: 1 beats the 0.01 s backoff


def test_503_is_retried_with_backoff_until_it_succeeds(api_server: HTTPServer) -> None:
    for _ in range(2):
        api_server.expect_ordered_request("/flaky").respond_with_data("down", status=503)
    api_server.expect_request("/flaky").respond_with_json({"ok": True})
    assert run(lambda c: get_json(c, api_server.url_for("/flaky")), http(retries=3)) == {"ok": True}
    assert [r.status_code for _, r in api_server.log] == [503, 503, 200]


def test_retries_give_up_with_a_transient_error(api_server: HTTPServer) -> None:
    api_server.expect_request("/down").respond_with_data("down", status=503)
    with pytest.raises(TransientSourceError, match="HTTP 503 after retries"):
        run(lambda c: get_json(c, api_server.url_for("/down")), http(retries=2))
    assert len(api_server.log) == 3


def test_a_client_error_is_permanent_and_not_retried(api_server: HTTPServer) -> None:
    api_server.expect_request("/gone").respond_with_data("gone", status=404)
    with pytest.raises(PermanentSourceError, match="HTTP 404"):
        run(lambda c: get_json(c, api_server.url_for("/gone")), http(retries=3))
    assert len(api_server.log) == 1


def test_a_slow_server_times_out_after_the_retries(api_server: HTTPServer) -> None:
    arrivals = Arrivals(delay=0.6)
    api_server.expect_request("/stuck").respond_with_handler(arrivals)
    started = time.monotonic()
    with pytest.raises(TransientSourceError, match="timed out"):
        run(lambda c: get_json(c, api_server.url_for("/stuck")), http(timeout_seconds=0.2, retries=1))
    assert len(arrivals.times) == 2  # the first try and one retry
    assert time.monotonic() - started < 1.0


def test_the_overall_deadline_stops_waiting(api_server: HTTPServer) -> None:
    api_server.expect_request("/stuck").respond_with_handler(Arrivals(delay=1.0))
    started = time.monotonic()
    with pytest.raises(TransientSourceError, match="deadline of 0.3 s"):
        run(lambda c: get_json(c, api_server.url_for("/stuck")), http(timeout_seconds=5, deadline_seconds=0.3, retries=3))
    assert time.monotonic() - started < 0.9


def test_malformed_json_is_a_permanent_error(api_server: HTTPServer) -> None:
    api_server.expect_request("/bad").respond_with_data('{"query": {"search": [', content_type="application/json")
    with pytest.raises(PermanentSourceError, match="malformed JSON"):
        run(lambda c: get_json(c, api_server.url_for("/bad")), http())
    assert len(api_server.log) == 1


def test_a_refused_connection_is_transient() -> None:
    with pytest.raises(TransientSourceError, match="ConnectError"):
        run(lambda c: get_json(c, "http://127.0.0.1:9/nothing-listens-here"), http(retries=1))


def test_the_cache_answers_a_repeated_request(api_server: HTTPServer, tmp_path: Path) -> None:
    api_server.expect_request("/cached").respond_with_json({"n": 1})
    url = api_server.url_for("/cached")
    cfg = http()

    async def twice(client: httpx.AsyncClient) -> tuple[Any, int]:
        first = await get_json(client, url, {"q": "Assad"})
        sent = polite_transport(client).sent  # type: ignore[union-attr]
        return first, sent

    assert run(twice, cfg, tmp_path / "cache") == ({"n": 1}, 1)
    assert run(twice, cfg, tmp_path / "cache") == ({"n": 1}, 0)  # a new client, a new process's view: from disk
    assert len(api_server.log) == 1


@pytest.mark.parametrize("damage", ["garbage", "empty-header", "truncated"])
def test_a_damaged_http_cache_is_built_again_with_one_warning(
    api_server: HTTPServer, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str,
) -> None:
    """A cache, not a record: a database a crash or a stray write damaged costs its answers (one warning),
    never the run, and hishel is not left to log a traceback for every look-up."""
    from factflow.http import CACHE_FILE

    api_server.expect_request("/cached").respond_with_json({"n": 1})
    url = api_server.url_for("/cached")
    cfg, cache = http(), tmp_path / "cache"

    async def once(client: httpx.AsyncClient) -> Any:
        return await get_json(client, url, {"q": "Assad"})

    assert run(once, cfg, cache) == {"n": 1}
    database = cache / CACHE_FILE
    good = database.read_bytes()
    database.write_bytes({"garbage": b"not a database" * 300, "empty-header": bytes(4096) + good[4096:],
                          "truncated": good[:100]}[damage])
    with caplog.at_level(logging.WARNING):
        assert run(once, cfg, cache) == {"n": 1}
    said = [r for r in caplog.records if r.levelno >= logging.WARNING]  # (the test server logs each request)
    assert [r.name for r in said] == ["factflow"] and "could not be read" in said[0].getMessage()
    assert not any(r.exc_info for r in said)
    caplog.clear()
    assert run(once, cfg, cache) == {"n": 1}  # built again: the answer comes from it, nothing more said
    assert len(api_server.log) == 2 and not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_user_agent_names_the_contact(api_server: HTTPServer) -> None:
    api_server.expect_request("/ua").respond_with_json({})
    run(lambda c: get_json(c, api_server.url_for("/ua")), http(contact="desk@example.org"))
    request, _ = api_server.log[0]
    assert request.headers["User-Agent"] == f"factflow/0.1 (automated fact-check task pipeline; desk@example.org) httpx/{httpx.__version__}"


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after(httpx.Response(429, headers={"Retry-After": "7"})) == 7.0
    when = httpx.Response(429, headers={"Retry-After": "Thu, 01 Jan 2026 00:00:10 GMT"})
    assert retry_after(when, now=1767225600.0) == 10.0
    assert retry_after(httpx.Response(429, headers={"Retry-After": "soon"})) is None
    assert retry_after(httpx.Response(503)) is None
    assert retry_after(httpx.Response(429, headers=[(b"Retry-After", b"\xb2")])) is None  # '\xb2' is a digit to str.isdigit


@pytest.mark.parametrize("cache", [False, True])
def test_a_header_with_a_byte_past_ascii_is_a_status_not_an_encoding_error(tmp_path: Path, cache: bool) -> None:
    """'Retry-After: \xb2' (a byte no ASCII) on a 429: every source of the host gave "'ascii' codec can't encode
    character '\xb2'" as its reason; the header is passed on as received, and the answer is the 429 it was."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: \xb2\r\nX-Note: caf\xe9\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()
        writer.close()

    async def main() -> BaseException | None:
        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with build_client(http(retries=1), tmp_path / "cache" if cache else None) as client:
                await get_json(client, f"http://127.0.0.1:{port}/x")
        except Exception as exc:  # noqa: BLE001 - the error itself is what is checked
            return exc
        finally:
            server.close()
        return None

    error = asyncio.run(main())
    assert isinstance(error, TransientSourceError) and "HTTP 429 after retries" in str(error), repr(error)

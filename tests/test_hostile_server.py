"""Online runs against a hostile server on 127.0.0.1: bombs, huge and trickled bodies, odd shapes, bogus charsets, rebinding.

Each run is the real CLI in a child process (``factflow run --online``) with every API and one
listed article pointed at a server that misbehaves in one way. Each must finish within its
deadline plus a few seconds, under a memory cap, exit 0, and leave the sources unresolved with
a reason. No test here touches the internet.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from factflow.config import IngestConfig
from factflow.errors import PermanentSourceError
from factflow.http import build_client
from factflow.ingest.web import PinnedTransport, UrlLine, address_refusal, fetch_all
from factflow.pipeline import run_pipeline
from factflow.sources import apis
from factflow.yamlio import dump_yaml
from tests import public_apis
from tests.conftest import ROOT, SEED, alone, online_config, write

MB = 1024 * 1024
#: Address space a run may use: a Python with numpy, lxml and a thread pool maps far more than it
#: touches, so this is a cap on runaway growth (a 1.5 GB body), not a measure of the footprint.
MEMORY_CAP = 3 * 1024 * MB
DEADLINE = 4.0  # http.deadline_seconds of these runs


def zeros_gzipped(total: int) -> Iterator[bytes]:
    """A gzip stream of ``total`` zero bytes, made as it is sent (1.5 GB of zeros is about 1.5 MB gzipped)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * MB
    for _ in range(total // MB):
        piece = packer.compress(block)
        if piece:
            yield piece
    yield packer.flush()


def huge(total: int) -> Iterator[bytes]:
    block = b"[" + b" " * (MB - 1)
    for _ in range(total // MB):
        yield block


def trickle() -> Iterator[bytes]:
    for ch in b'{"query": {"search": []}}' * 100:
        time.sleep(1.0)
        yield bytes([ch])


def odd_shape(request: Request) -> Response:
    """The right JSON type with the wrong members, chosen by path: what each API client must survive."""
    path = request.path
    if path.startswith("/wayback"):
        body: Any = {"archived_snapshots": {"closest": ["x"]}}
    elif path.startswith("/v1alpha1"):
        body = {"claims": 5}
    elif path.startswith("/api/rest_v1"):
        body = {"title": "X", "content_urls": {"desktop": {"page": "javascript:alert(1)"}}}
    elif request.args.get("action") == "wbsearchentities":
        body = {"search": [{"id": {"nested": True}}]}
    elif request.args.get("action") == "wbgetentities":
        body = {"entities": ["Q1"]}
    else:
        body = {"query": {"search": [{"title": 5}]}}
    return Response(json.dumps(body), content_type="application/json")


BEHAVIOURS = {
    "gzip-bomb": lambda request: Response(zeros_gzipped(1536 * MB), content_type="application/json",
                                          headers={"Content-Encoding": "gzip"}, direct_passthrough=True),
    "100MB-unannounced": lambda request: Response(huge(100 * MB), content_type="application/json", direct_passthrough=True),
    "100MB-announced": lambda request: Response(huge(100 * MB), content_type="application/json",
                                                headers={"Content-Length": str(100 * MB)}, direct_passthrough=True),
    "trickle": lambda request: Response(trickle(), content_type="application/json", direct_passthrough=True),
    "odd-shapes": odd_shape,
    "bogus-charset": lambda request: Response(b'{"query": {"search": []}} \xff', content_type="text/plain; charset=x-bogus-charset"),
    "deep-json": lambda request: Response("[" * 200_000 + "]" * 200_000, content_type="application/json"),
}


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


@pytest.mark.parametrize("behaviour", list(BEHAVIOURS))
def test_a_run_against_a_hostile_server_finishes_in_time_with_sources_unresolved(
    behaviour: str, api_server: HTTPServer, tmp_path: Path
) -> None:
    api_server.expect_request(re.compile(".*")).respond_with_handler(BEHAVIOURS[behaviour])
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    body = SEED.read_text(encoding="utf-8")
    write(seeds / "syria.txt", f"---\nurl: https://news.example.org/2015/09/russia-syria\npublished: 2015-09-14\n---\n{body}")
    write(seeds / "urls.txt", api_server.url_for("/article") + "\n")
    loaded = online_config(api_server, out, deadline_seconds=DEADLINE, retries=1, timeout_seconds=DEADLINE)
    config = write(tmp_path / "config.yaml", dump_yaml(loaded.config.model_dump(mode="json")))
    with alone():
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", "import resource, sys, runpy\n"
             "try:\n    runpy.run_module('factflow_flows.cli', run_name='__main__')\n"
             "finally:\n    print(f'maxrss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)\n",
             "run", "--engine", "plain", "--quiet", "--online", "--config", str(config), "--seeds", str(seeds), "--out", str(out)],
            capture_output=True, text=True, cwd=ROOT, preexec_fn=_limits, timeout=120, check=False,
            env={**os.environ, "FACTCHECK_API_KEY": public_apis.SECRET_KEY},
        )
        wall = time.monotonic() - started
    peak_mb = int(re.findall(r"maxrss_kb=(\d+)", done.stderr)[-1]) // 1024
    print(f"{behaviour}: exit {done.returncode}, {wall:.1f} s, peak RSS {peak_mb} MB")  # shown with -s: the measurements
    assert done.returncode == 0, done.stderr[-3000:]
    # Two stages go online, each within http.deadline_seconds (fetching the URL list, then resolving
    # sources); the child's start-up (imports, reading the seed) adds a few seconds.
    assert wall < 2 * DEADLINE + 12, wall
    assert peak_mb < 1024, peak_mb
    report = yaml.safe_load((out / "reports/verdicts.yaml").read_text(encoding="utf-8"))
    sources = [s for claim in report["claims"] for s in claim.get("sources", []) if s["id"] in ("wikipedia", "wikidata", "wayback", "google-factcheck")]
    assert sources and all(s["status"] == "unresolved" and s["reason"] for s in sources), sources[:3]
    if behaviour == "bogus-charset":  # an unknown charset is read as UTF-8: the article is a document
        assert any(d["path"] == api_server.url_for("/article") for d in report["documents"])
    else:  # the article: one problem, with its line in urls.txt
        assert any(p["file"].endswith("urls.txt") and p["line"] == 1 for p in report["problems"]), report["problems"]
    cache = out / ".factflow-cache/http"
    # One cached answer per distinct request (each 400 kB of brackets for deep-json): about sixty since
    # sources are per named entity (each entity asked about once per run), so well under 32 MB.
    assert sum(f.stat().st_size for f in cache.rglob("*") if f.is_file()) < 32 * MB


# Every API client, any JSON reply: a result or a PermanentSourceError, nothing else.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["query", "search", "title", "id", "entities", "Q1", "labels", "en", "value", "missing", "archived_snapshots",
                         "closest", "available", "url", "timestamp", "claims", "claimReview", "publisher", "name", "content_urls",
                         "desktop", "page", "titles", "normalized", "extract", "text", "pages"]), inner, max_size=4),
    max_leaves=15,
)
CLIENTS = [
    lambda c, b: apis.wikipedia_search(c, b, "x"), lambda c, b: apis.wikipedia_summary(c, b, "X"),
    lambda c, b: apis.wikidata_search(c, b, "x"), lambda c, b: apis.wikidata_entity(c, b, "Q1"),
    lambda c, b: apis.wikipedia_extract(c, b, "X", 1000),
    lambda c, b: apis.wayback_snapshot(c, b, "https://example.org/"), lambda c, b: apis.fact_checks(c, b, "x", "en", 5),
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(reply=JSON)
def test_any_api_reply_shape_is_a_result_or_a_permanent_error(api_server: HTTPServer, tmp_path: Path, reply: Any) -> None:
    api_server.clear()
    api_server.expect_request(re.compile(".*")).respond_with_json(reply)
    http = online_config(api_server, tmp_path).config.http
    base = api_server.url_for("/").rstrip("/")

    async def ask_all() -> list[Any]:
        async with build_client(http, None) as client:
            return await asyncio.gather(*(make(client, base) for make in CLIENTS), return_exceptions=True)

    for result in asyncio.run(ask_all()):
        assert not isinstance(result, BaseException) or isinstance(result, PermanentSourceError), repr(result)
        for link in re.findall(r"url='([^']*)'", repr(result)):
            assert link.startswith(("http://", "https://")), link


def test_odd_article_texts_give_no_passages_and_the_run_goes_on(api_server: HTTPServer, tmp_path: Path) -> None:
    # Search and summaries answer as Wikipedia does; the article texts come back in shapes no client expects:
    # formatversion=1's pages keyed by id, an extract that is a list, and HTML where JSON was promised.
    odd = {
        "Bashar al-Assad": lambda: Response(json.dumps({"query": {"pages": {"4591": {"title": "Bashar al-Assad", "extract": "x"}}}}),
                                            content_type="application/json"),
        "Latakia": lambda: Response(json.dumps({"query": {"pages": [{"title": "Latakia", "extract": ["a", "b"]}]}}),
                                    content_type="application/json"),
    }

    def mediawiki(request: Request) -> Response:
        if request.args.get("prop") == "extracts":
            return odd.get(request.args.get("titles", ""), lambda: Response("<html>", content_type="application/json"))()
        return public_apis.mediawiki(request)

    api_server.expect_request("/w/api.php").respond_with_handler(mediawiki)
    public_apis.install(api_server)
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    write(seeds / "syria.txt", SEED.read_text(encoding="utf-8"))
    report = run_pipeline(online_config(api_server, out), seeds, out).report
    assert any(r.args.get("prop") == "extracts" for r, _ in api_server.log)
    assert any(s.id == "wikipedia" and s.status == "resolved" for c in report.claims for s in c.sources)
    assert report.claims and all(c.evidence_passages == [] for c in report.claims)


def test_dns_rebinding_cannot_reach_an_address_that_was_not_checked(api_server: HTTPServer, tmp_path: Path) -> None:
    api_server.expect_request("/a").respond_with_data("Title\n\nThe army said 1,200 troops arrived in 2015.\n", content_type="text/plain")
    asked: list[str] = []
    answers = iter(["127.0.0.1", "10.0.0.1", "10.0.0.1"])  # public-looking first, then somewhere else

    async def rebinding_dns(host: str, port: int) -> list[str]:
        asked.append(host)
        return [next(answers)]

    cfg = IngestConfig(allow_loopback=True)
    http = online_config(api_server, tmp_path).config.http
    url = f"http://rebind.test:{api_server.port}/a"

    async def fetch() -> tuple[list[Any], list[Any]]:
        inner = PinnedTransport(httpx.AsyncHTTPTransport(), cfg, rebinding_dns)
        async with build_client(http, None, inner=inner) as client:
            return await fetch_all(client, [UrlLine(url=url, file="urls.txt", line=1)], cfg, 1_000_000)

    docs, problems = asyncio.run(fetch())
    assert problems == [] and docs[0].title == "Title"
    assert asked == ["rebind.test"]  # resolved once: the address checked is the address connected to
    assert api_server.log[0][0].headers["Host"] == f"rebind.test:{api_server.port}"
    docs, problems = asyncio.run(fetch())  # the next answer is private: refused, nothing sent
    assert docs == [] and "refused: rebind.test is 10.0.0.1" in problems[0].message
    assert len(api_server.log) == 1


@pytest.mark.parametrize("address", ["::ffff:127.0.0.1", "::ffff:7f00:1", "2002:7f00:1::", "64:ff9b::7f00:1", "::ffff:10.0.0.1",
                                     "::ffff:169.254.169.254", "100.64.0.1", "192.0.2.1", "::", "0.0.0.0"])
def test_ipv6_forms_of_private_addresses_are_classed_by_what_they_reach(address: str) -> None:
    refusal = address_refusal(address, IngestConfig())
    assert refusal is not None
    if "7f00:1" in address or "127.0.0.1" in address:
        assert "loopback" in refusal
    assert address_refusal("::ffff:8.8.8.8", IngestConfig()) is None


def test_an_unknown_charset_is_read_as_utf8(api_server: HTTPServer, tmp_path: Path) -> None:
    api_server.expect_request("/a").respond_with_data(
        "Café title\n\nThe army said 1,200 troops arrived in 2015.\n".encode(), content_type="text/plain; charset=x-bogus-charset"
    )
    cfg = IngestConfig(allow_loopback=True)
    http = online_config(api_server, tmp_path).config.http

    async def fetch() -> tuple[list[Any], list[Any]]:
        async with build_client(http, None, inner=PinnedTransport(httpx.AsyncHTTPTransport(), cfg)) as client:
            return await fetch_all(client, [UrlLine(url=api_server.url_for("/a"), file="urls.txt", line=1)], cfg, 1_000_000)

    docs, problems = asyncio.run(fetch())
    assert problems == [] and docs[0].title == "Café title"


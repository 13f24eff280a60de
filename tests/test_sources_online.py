"""Online resolution against a real HTTP server on 127.0.0.1 that speaks the public APIs' JSON.

No test here touches the internet: every base URL points at the ``api_server`` fixture.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from factflow.pipeline import run_pipeline
from tests import public_apis
from tests.conftest import SEED, online_config, write

DOC_URL = "https://news.example.org/2015/09/russia-syria"


@pytest.fixture
def dated_seed_dir(tmp_path: Path) -> Path:
    """The seed article with front matter: its URL, publication date and outlet."""
    folder = tmp_path / "seeds"
    body = SEED.read_text(encoding="utf-8")
    write(folder / "syria.txt", f"---\nurl: {DOC_URL}\npublished: 2015-09-14\noutlet: WorldTribune.com\n---\n{body}")
    return folder


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    """The Fact Check Tools API key, set in the environment the way a user sets it."""
    monkeypatch.setenv("FACTCHECK_API_KEY", public_apis.SECRET_KEY)
    return public_apis.SECRET_KEY


def tasks(out: Path) -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((out / "review" / "tasks").glob("c-*.yaml"))}


def by_id(task: dict) -> dict[str, dict]:
    """Each catalog entry's first source (a per-entity entry's first is the most salient entity's)."""
    first: dict[str, dict] = {}
    for s in task["sources"]:
        first.setdefault(s["id"], s)
    return first


def each(task: dict, source_id: str) -> list[dict]:
    return [s for s in task["sources"] if s["id"] == source_id]


def test_each_api_resolves_its_fields(api_server: HTTPServer, dated_seed_dir: Path, tmp_path: Path, key: str) -> None:
    public_apis.install(api_server)
    out = tmp_path / "out"
    result = run_pipeline(online_config(api_server, out), dated_seed_dir, out)
    assert result.report.summary.claims > 0
    all_tasks = tasks(out)
    assad = next(t for t in all_tasks.values() if "25 to 30 percent" in t["text"])
    sources = by_id(assad)

    wiki = sources["wikipedia"]
    assert wiki["status"] == "resolved"
    assert wiki["resolved"] == {
        "title": "Bashar al-Assad",
        "extract": "Bashar Hafez al-Assad is a Syrian former politician who was the 19th president of Syria from 2000 until 2024.",
        "url": "https://en.wikipedia.org/wiki/Bashar_al-Assad",
        "wikidata_id": "Q44329",
    }
    assert wiki["url"] == "https://en.wikipedia.org/wiki/Bashar_al-Assad"
    assert wiki["archived"] == {
        "snapshot_url": "http://web.archive.org/web/20240101000000/https://en.wikipedia.org/wiki/Bashar_al-Assad",
        "timestamp": "2024-01-01T00:00:00Z",
    }

    # One link per named entity, each resolved by its own name: the stand-in knows an article on Assad, none on
    # Syria or Damascus (and the Assad article is not offered for them); Wikidata knows Assad and Syria.
    wikis = each(assad, "wikipedia")
    assert [w["title"] for w in wikis] == ["Wikipedia: Bashar al-Assad", "Wikipedia: Syria", "Wikipedia: Damascus"]
    assert [w["status"] for w in wikis] == ["resolved", "unresolved", "unresolved"]
    assert wikis[1]["reason"] == "no Wikipedia article matches 'Syria'"
    wikidata = each(assad, "wikidata")
    assert [w["status"] for w in wikidata] == ["resolved", "resolved", "unresolved"], wikidata
    assert [w["resolved"]["wikidata_id"] for w in wikidata[:2]] == ["Q44329", "Q858"]
    for found in wikidata[:2]:
        label, description = public_apis.ENTITIES[found["resolved"]["wikidata_id"]]
        assert found["resolved"]["label"] == label and found["resolved"]["description"] == description

    archive = sources["wayback"]
    assert archive["status"] == "resolved"
    assert archive["resolved"] == {
        "snapshot_url": f"http://web.archive.org/web/20150915083000/{DOC_URL}",
        "timestamp": "2015-09-15T08:30:00Z",
    }
    assert archive["url"] == archive["resolved"]["snapshot_url"]

    assert sources["google-factcheck"]["status"] == "resolved"
    assert sources["google-factcheck"]["title"].endswith("(1 existing fact-check)")
    # Fact Check Tools found two by keyword; re-ranked by similarity to the claim, the one about Assad's wife
    # falls below sources.match_threshold and is dropped, and the kept one carries its similarity.
    similarity = assad["already_checked"][0].pop("similarity")
    assert 0.70 <= similarity <= 1.0
    assert assad["already_checked"] == [{
        "publisher": "PolitiFact",
        "rating": "Mostly False",
        "url": "https://www.politifact.com/factchecks/2015/sep/20/assad-territory/",
        "date": "2015-09-20T00:00:00Z",
        "title": "How much of Syria does Assad control?",
        "claim": "Assad controls only a quarter of Syria",
        "claimant": "Israeli intelligence",
        "archived": {
            "snapshot_url": "http://web.archive.org/web/20150921120000/https://www.politifact.com/factchecks/2015/sep/20/assad-territory/",
            "timestamp": "2015-09-21T12:00:00Z",
        },
        "origin": "google",
    }]
    # Plain links (no API) are left as they were. The article is from 2015, long before GDELT's 90 days:
    # no GDELT link, a dated news search over the article's window instead.
    assert "gdelt" not in sources and sources["news-search"]["status"] == "link"
    assert "after%3A2015-09-07%20before%3A2015-09-21" in sources["news-search"]["url"]
    # The report carries the same resolution as the task files.
    claim = next(c for c in result.report.claims if c.id == assad["claim"])
    assert claim.already_checked is not None and claim.already_checked[0].publisher == "PolitiFact"
    assert [s.status for s in claim.sources if s.id == "wikipedia"] == ["resolved", "unresolved", "unresolved"]
    # The key went to the fact-check API, in a header, and nowhere else.
    sent = [r for r, _ in api_server.log if r.path == "/v1alpha1/claims:search"]
    assert sent and all(r.headers.get("X-Goog-Api-Key") == key for r in sent)
    assert all(key not in r.url for r, _ in api_server.log)
    others = [r for r, _ in api_server.log if r.path != "/v1alpha1/claims:search"]
    assert all("X-Goog-Api-Key" not in r.headers for r in others)
    assert all(r.headers["User-Agent"].startswith("factflow/") for r, _ in api_server.log)


ASSAD_URL = "https://en.wikipedia.org/wiki/Bashar_al-Assad"


def test_evidence_passages_are_the_article_sentences_most_similar_to_the_claim(
    api_server: HTTPServer, dated_seed_dir: Path, tmp_path: Path, key: str
) -> None:
    public_apis.install(api_server)
    out = tmp_path / "out"
    result = run_pipeline(online_config(api_server, out), dated_seed_dir, out)
    assad = next(t for t in tasks(out).values() if "25 to 30 percent" in t["text"])
    passages = assad["evidence_passages"]
    assert [(p["text"], p["title"], p["url"]) for p in passages] == [
        ("By late 2015 Assad's government controlled only 25 to 30 percent of Syria, mainly Damascus and the coast.",
         "Bashar al-Assad", ASSAD_URL),
        ("The Alawite minority, to which Assad belongs, was the core of the regime's support on the Syrian coastline.",
         "Bashar al-Assad", ASSAD_URL),
        ("That year rebel groups, the Nusra Front and the Islamic State inflicted a series of crushing defeats on Assad's army.",
         "Bashar al-Assad", ASSAD_URL),
    ]
    scores = [p["similarity"] for p in passages]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0.7
    # The same sentence with other figures: the encoder finds it close, the figure rule puts it after all of these.
    assert not any("60 to 70 percent" in p["text"] for p in passages)
    assert not any(p["text"].startswith("==") for t in tasks(out).values() for p in t["evidence_passages"])
    # The report carries them too; each article's text was asked for once.
    claim = next(c for c in result.report.claims if c.id == assad["claim"])
    assert [p.model_dump() for p in claim.evidence_passages or []] == passages
    extracts = [r for r, _ in api_server.log if r.args.get("prop") == "extracts"]
    assert sorted(r.args["titles"] for r in extracts) == sorted({r.args["titles"] for r in extracts})
    assert {r.args["explaintext"] for r in extracts} == {"1"}


def test_a_rerun_on_the_same_input_sends_no_request(
    api_server: HTTPServer, dated_seed_dir: Path, tmp_path: Path, key: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from factflow.encoder import SentenceEncoder

    encoded: list[int] = []
    real_encode = SentenceEncoder.encode
    monkeypatch.setattr(SentenceEncoder, "encode", lambda self, sentences: encoded.append(len(sentences)) or real_encode(self, sentences))
    public_apis.install(api_server)
    out = tmp_path / "out"
    loaded = online_config(api_server, out)
    first = run_pipeline(loaded, dated_seed_dir, out)
    sent_first = len(api_server.log)
    assert any(r.args.get("prop") == "extracts" for r, _ in api_server.log)
    report_first = (out / "reports" / "verdicts.yaml").read_text(encoding="utf-8")
    api_server.clear_log()
    encoded_first, encoded[:] = sum(encoded), []
    second = run_pipeline(loaded, dated_seed_dir, out)
    assert sent_first > 0 and len(api_server.log) == 0
    assert encoded_first > 0 and sum(encoded) == 0, "the passages' sentences are encoded once, not on every online run"
    assert any(c.evidence_passages for c in first.report.claims)
    assert [c.evidence_passages for c in second.report.claims] == [c.evidence_passages for c in first.report.claims]
    report_second = (out / "reports" / "verdicts.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(report_second)["claims"] == yaml.safe_load(report_first)["claims"]
    assert [c.sources for c in second.report.claims] == [c.sources for c in first.report.claims]


def test_within_a_run_each_distinct_question_is_asked_once(api_server: HTTPServer, dated_seed_dir: Path, tmp_path: Path, key: str) -> None:
    public_apis.install(api_server)
    out = tmp_path / "out"
    run_pipeline(online_config(api_server, out), dated_seed_dir, out)
    asked = [(r.path, tuple(sorted(r.args.items(multi=True)))) for r, _ in api_server.log]
    assert len(asked) == len(set(asked))


def test_the_key_never_appears_in_outputs_or_logs(
    api_server: HTTPServer, dated_seed_dir: Path, tmp_path: Path, key: str, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    public_apis.install(api_server)
    out = tmp_path / "out"
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log every request at DEBUG/INFO
    run_pipeline(online_config(api_server, out), dated_seed_dir, out)
    captured = capsys.readouterr()
    assert caplog.records, "the HTTP libraries should have logged the requests"
    assert key not in caplog.text and key not in captured.out + captured.err
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite" for p in files), "the HTTP cache should be under the output folder"
    for path in files:
        assert key.encode() not in path.read_bytes(), path


def test_without_a_key_fact_checks_are_not_looked_up(
    api_server: HTTPServer, dated_seed_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FACTCHECK_API_KEY", raising=False)
    public_apis.install(api_server)
    out = tmp_path / "out"
    run_pipeline(online_config(api_server, out), dated_seed_dir, out)
    for task in tasks(out).values():
        fact_check = by_id(task)["google-factcheck"]
        assert fact_check["status"] == "unresolved" and "FACTCHECK_API_KEY" in fact_check["reason"]
        assert fact_check["url"].startswith("https://toolbox.google.com/factcheck/explorer/search/")
        assert task["already_checked"] is None
    assert not any(r.path == "/v1alpha1/claims:search" for r, _ in api_server.log)


def test_a_broken_api_leaves_links_unresolved_and_the_run_succeeds(
    api_server: HTTPServer, dated_seed_dir: Path, tmp_path: Path, key: str
) -> None:
    api_server.expect_request("/w/api.php").respond_with_data("<html>Service temporarily unavailable</html>", content_type="application/json")
    api_server.expect_request("/wayback/available").respond_with_data("not found", status=404)
    api_server.expect_request("/v1alpha1/claims:search").respond_with_data("{\"claims\": [", content_type="application/json")
    out = tmp_path / "out"
    result = run_pipeline(online_config(api_server, out), dated_seed_dir, out)
    assert result.report.summary.claims > 0
    for task in tasks(out).values():
        sources = by_id(task)
        assert sources["wikipedia"]["status"] == "unresolved"
        assert "malformed JSON" in sources["wikipedia"]["reason"]
        assert sources["wikipedia"]["url"].startswith("https://en.wikipedia.org/w/index.php?search=")
        assert sources["wayback"]["status"] == "unresolved" and "HTTP 404" in sources["wayback"]["reason"]
        assert sources["google-factcheck"]["status"] == "unresolved" and "malformed JSON" in sources["google-factcheck"]["reason"]
        assert len(task["sources"]) >= 3
    # A 404 and malformed JSON are permanent: asked once each, never retried.
    wayback = [r for r, _ in api_server.log if r.path == "/wayback/available"]
    assert len(wayback) == 1


def test_offline_runs_send_nothing_and_mark_sources_as_links(api_server: HTTPServer, dated_seed_dir: Path, tmp_path: Path, key: str) -> None:
    public_apis.install(api_server)
    out = tmp_path / "out"
    offline = online_config(api_server, out)
    data = offline.config.model_dump()
    data["sources"]["online"] = False
    result = run_pipeline(offline.model_copy(update={"config": type(offline.config).model_validate(data)}), dated_seed_dir, out)
    assert api_server.log == []
    assert all(s.status == "link" for c in result.report.claims for s in c.sources)
    assert all(c.already_checked is None and c.evidence_passages is None for c in result.report.claims)
    assert not any("evidence_passages" in t for t in tasks(out).values())
    assert "evidence_passages" not in (out / "reports" / "verdicts.yaml").read_text(encoding="utf-8")
    assert not (out / ".factflow-cache" / "http").exists()


def test_seed_copy_without_metadata_resolves_without_a_wayback_source(
    api_server: HTTPServer, seed_dir: Path, tmp_path: Path, key: str
) -> None:
    public_apis.install(api_server)
    out = tmp_path / "out"
    shutil.copy(SEED, seed_dir / "again.txt")  # the same claims twice: still one question each
    run_pipeline(online_config(api_server, out), seed_dir, out)
    for task in tasks(out).values():
        assert "wayback" not in by_id(task)
    assert not any(r.path == "/wayback/available" and "news.example.org" in r.url for r, _ in api_server.log)


def test_a_slow_api_times_out_into_unresolved_sources(api_server: HTTPServer, dated_seed_dir: Path, tmp_path: Path, key: str) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return public_apis.wayback(request)

    api_server.expect_request("/wayback/available").respond_with_handler(slow)
    public_apis.install(api_server)
    out = tmp_path / "out"
    started = time.monotonic()
    result = run_pipeline(online_config(api_server, out, timeout_seconds=0.1, retries=1), dated_seed_dir, out)
    assert time.monotonic() - started < 10
    for claim in result.report.claims:
        sources = {s.id: s for s in claim.sources}
        assert sources["wayback"].status == "unresolved" and "timed out" in (sources["wayback"].reason or "")
        assert sources["wayback"].url == f"https://web.archive.org/web/*/{quote(DOC_URL, safe='')}"
    assert any(s.status == "resolved" for c in result.report.claims for s in c.sources)  # the fast APIs still answered

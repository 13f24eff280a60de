"""Offline source links built from the catalog."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlparse, urlsplit

import pytest

from factflow.claims import extract_claims, merge_claims
from factflow.config import ClaimsConfig, IngestConfig, SourcesConfig, SourceTemplate
from factflow.ingest import parse_document
from factflow.models import Appearance, Claim, Document, Entity
from factflow.sources import link_sources
from tests.conftest import SEED


def claim(text: str, terms: list[str], kind: str = "statistic") -> Claim:
    return Claim(
        id="c-000000000000", document="d", text=text, sentence_index=0, checkworthiness=0.9, reasons=[],
        type=kind, appearances=[Appearance(document="d", sentence_index=0)], key_terms=terms,  # type: ignore[arg-type]
    )


def test_default_catalog_links_wikipedia_and_a_fact_check_search() -> None:
    c = claim("Assad controls 25 to 30 percent of Syria & more.", ["Assad", "Syria", "25", "R&D"])
    sources = {s.id: s for s in link_sources(c, SourcesConfig())}
    assert {"wikipedia", "google-factcheck", "wikidata", "gdelt"} <= sources.keys()
    wiki = urlparse(sources["wikipedia"].url)
    assert wiki.scheme == "https" and wiki.netloc == "en.wikipedia.org"
    assert parse_qs(wiki.query)["search"] == ["Assad Syria 25 R&D"]
    assert "Assad%20Syria%2025%20R%26D" in sources["google-factcheck"].url
    assert sources["wikidata"].url.endswith("search=Assad")
    assert all(s.url.startswith("https://") and " " not in s.url for s in sources.values())
    assert sources["google-factcheck"].kind == "fact-check"


def test_sources_needing_a_document_url_are_skipped_without_one() -> None:
    c = claim("Text.", ["Term"])
    assert "wayback" not in {s.id for s in link_sources(c, SourcesConfig())}
    doc = Document(id="d", path="d.txt", title="T", text="T", sha256="0" * 64, url="https://news.example/a?b=1")
    with_url = {s.id: s for s in link_sources(c, SourcesConfig(), doc)}
    assert unquote(with_url["wayback"].url.rsplit("/", 1)[-1]) == "https://news.example/a?b=1"


def test_applies_to_limits_a_source_to_claim_types() -> None:
    stats = SourceTemplate(id="stats", name="Stats", kind="statistics", url="https://stats.example/?q={query}", applies_to=["statistic"])
    cfg = SourcesConfig(catalog=[stats])
    assert [s.id for s in link_sources(claim("x", ["a"], "statistic"), cfg)] == ["stats"]
    assert link_sources(claim("x", ["a"], "event"), cfg) == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/{query}", "http:// or https://"),
        ("https://example.org/?q={terms}", "unknown placeholder(s) terms"),
        ("https://example.org/?q={query", "not a valid template"),
    ],
)
def test_bad_templates_are_rejected(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SourceTemplate(id="x", name="X", kind="encyclopedia", url=url)


_URL_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")

VARIED = """Varied claims

Unemployment in Spain fell to 12.3% in March, the lowest rate since 2008, the statistics office said.
The city council approved a budget of $4.5 billion for schools & roads on Tuesday.
“We have never lost a single election here,” the mayor told reporters in São Paulo.
More than 2,000 refugees crossed into Jordan last week after airstrikes on Deraa, the UN said.
Smoking causes more than 480,000 deaths a year in the United States, according to the CDC.
Prices rose sharply after the new tariff was introduced.
"""


def _links_are_well_formed(sources: list) -> None:
    for s in sources:
        parts = urlsplit(s.url)
        assert parts.scheme in ("http", "https") and parts.netloc, s.url
        assert _URL_CHARS.match(s.url), f"unencoded character in {s.url}"
        assert not re.search(r"%(?![0-9A-F]{2})", s.url), f"stray % in {s.url}"


def _doc_claims(text: str, doc_id: str = "d") -> tuple[Document, list[Claim]]:
    doc = parse_document(doc_id, f"{doc_id}.txt", text, IngestConfig(), "0" * 64)
    extraction = extract_claims(doc, ClaimsConfig())
    return doc, merge_claims([extraction], ClaimsConfig())


@pytest.mark.parametrize("text", [SEED.read_text(encoding="utf-8"), VARIED], ids=["seed", "varied"])
def test_every_claim_gets_at_least_three_relevant_well_formed_links(text: str) -> None:
    doc, claims = _doc_claims(text)
    assert len(claims) >= 4
    for c in claims:
        sources = link_sources(c, SourcesConfig(), doc)
        ids = [s.id for s in sources]
        assert len(sources) >= 3, (c.text, ids)
        assert {"wikipedia", "google-factcheck", "gdelt"} <= set(ids)
        _links_are_well_formed(sources)
        wiki = parse_qs(urlsplit(next(s for s in sources if s.id == "wikipedia").url).query)["search"][0]
        assert wiki == " ".join(c.key_terms[:6]) and wiki, "the search is the claim's key terms, decoded intact"


def test_topic_source_only_for_conflict_and_humanitarian_claims() -> None:
    doc, claims = _doc_claims(VARIED)
    by_text = {c.text.split()[0]: {s.id for s in link_sources(c, SourcesConfig(), doc)} for c in claims}
    assert "reliefweb" in by_text["More"]  # refugees, airstrikes
    assert "reliefweb" not in by_text["Unemployment"]
    assert "reliefweb" not in by_text["The"]  # a city budget


def test_publication_date_opens_a_news_archive_window() -> None:
    c = claim("Assad met Putin in Moscow.", ["Assad", "Putin", "Moscow"], "event")
    dated = Document(id="d", path="d.txt", title="T", text="T", sha256="0" * 64, published="2015-10-21T09:00:00+03:00")
    gdelt = {s.id: s for s in link_sources(c, SourcesConfig(), dated)}["gdelt"]
    query = parse_qs(urlsplit(gdelt.url).query)
    assert query["startdatetime"] == ["20151014000000"] and query["enddatetime"] == ["20151028235959"]
    assert query["query"] == ["Assad Putin Moscow"]
    undated = {s.id: s for s in link_sources(c, SourcesConfig())}["gdelt"]
    assert "startdatetime" not in undated.url
    odd = Document(id="d", path="d.txt", title="T", text="T", sha256="0" * 64, published="around 2015")
    assert "startdatetime" not in {s.id: s for s in link_sources(c, SourcesConfig(), odd)}["gdelt"].url


def test_a_claim_without_key_terms_still_gets_search_links() -> None:
    c = claim("It was so.", [], "other")
    sources = link_sources(c, SourcesConfig())
    assert len(sources) >= 3
    assert parse_qs(urlsplit(sources[0].url).query)["search"] == ["It was so"]


def test_unknown_placeholders_in_dated_urls_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown placeholder"):
        SourceTemplate(id="x", name="X", kind="news-archive", url="https://n.example/?q={query}", dated_url="https://n.example/?d={day}")


def test_entity_kinds_pick_the_lookup_and_limit_a_source() -> None:
    c = claim("Russian troops met Vladimir Putin in Moscow.", ["Russian", "Vladimir Putin", "Moscow"], "event").model_copy(update={
        "entities": [
            Entity(text="Russian", kind="nationality", start=0, end=7),
            Entity(text="Vladimir Putin", kind="person", start=19, end=33),
            Entity(text="Moscow", kind="place", start=37, end=43),
        ]
    })
    sources = {s.id: s for s in link_sources(c, SourcesConfig())}
    assert sources["wikidata"].url.endswith("search=Vladimir%20Putin")  # the person, not the first word
    people = SourceTemplate(id="people", name="People", kind="knowledge-base", url="https://p.example/?q={entity}", entity_kinds=["person"])
    places = SourceTemplate(id="orgs", name="Orgs", kind="knowledge-base", url="https://o.example/?q={entity}", entity_kinds=["organisation"])
    cfg = SourcesConfig(catalog=[people, places])
    assert [s.id for s in link_sources(c, cfg)] == ["people"]

"""Offline source links built from the catalog."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlparse

import pytest

from factflow.config import SourcesConfig, SourceTemplate
from factflow.models import Appearance, Claim, Document
from factflow.sources import link_sources


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

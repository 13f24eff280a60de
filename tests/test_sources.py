"""Offline source links built from the catalog."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse, urlsplit

import pytest
import yaml

from factflow.claims import extract_claims, merge_claims
from factflow.config import ClaimsConfig, Config, IngestConfig, LoadedConfig, SourcesConfig, SourceTemplate
from factflow.ingest import parse_document
from factflow.layout import OutputLayout
from factflow.models import Appearance, Claim, Document, Entity
from factflow.pipeline import run_pipeline
from factflow.sources import link_sources, link_sources_with_reasons
from factflow.sources.catalog import template_fields
from tests.conftest import SEED, write


def claim(text: str, terms: list[str], kind: str = "statistic") -> Claim:
    return Claim(
        id="c-000000000000", document="d", text=text, sentence_index=0, checkworthiness=0.9, reasons=[],
        type=kind, appearances=[Appearance(document="d", sentence_index=0)], key_terms=terms,  # type: ignore[arg-type]
    )


def searched(sources: list, source_id: str, key: str = "search") -> list[str]:
    """What each of a claim's sources from catalog entry ``source_id`` searches for, in order."""
    return [parse_qs(urlsplit(s.url).query)[key][0] for s in sources if s.id == source_id]


def test_default_catalog_links_wikipedia_per_name_and_a_fact_check_search() -> None:
    # A claim built without its anatomy (no entities): names from its text, its key terms for the search.
    c = claim("Assad controls 25 to 30 percent of Syria & more.", ["Assad", "Syria", "25", "R&D"])
    found = link_sources(c, SourcesConfig())
    sources = {s.id: s for s in found}
    assert {"wikipedia", "google-factcheck", "wikidata", "gdelt"} <= sources.keys()
    wiki = urlparse(sources["wikipedia"].url)
    assert wiki.scheme == "https" and wiki.netloc == "en.wikipedia.org"
    assert searched(found, "wikipedia") == ["Assad", "Syria"]  # one link per name, not a bag of words
    assert "Assad%20Syria%2025%20R%26D" in sources["google-factcheck"].url
    assert [s.url.rsplit("=", 1)[-1] for s in found if s.id == "wikidata"] == ["Assad", "Syria"]
    assert all(s.url.startswith("https://") and " " not in s.url for s in found)
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
        assert {"google-factcheck", "gdelt"} <= set(ids)
        _links_are_well_formed(sources)
        names = [e.text for e in c.entities if e.kind in ("person", "organisation", "place", "other")]
        wiki = searched(sources, "wikipedia")
        assert 1 <= len(wiki) <= 3 if names else len(wiki) == 1, (c.text, wiki)
        if names:
            assert set(wiki) <= set(names), "each Wikipedia link is one of the claim's names, decoded intact"
        else:  # a claim that names nothing: one search for its subject's words
            assert all(w.casefold() in c.text.casefold() for w in wiki[0].split()), (c.text, wiki)
        assert searched(sources, "wikidata") == wiki


#: Verbs and filler of the seed and the varied claims that the old key-term searches carried.
_NOT_SEARCH_WORDS = {
    "coordinating", "coordinated", "suffered", "said", "mean", "mounting", "using", "launched", "seized", "controls",
    "saw", "added", "discussed", "began", "sent", "taken", "told", "fell", "rose", "approved", "introduced", "crossed",
    "currently", "likely", "struggling", "past", "months",
}


@pytest.mark.parametrize("text", [SEED.read_text(encoding="utf-8"), VARIED], ids=["seed", "varied"])
def test_searches_carry_names_and_figures_not_verbs(text: str) -> None:
    doc, claims = _doc_claims(text)
    for c in claims:
        sources = link_sources(c, SourcesConfig(), doc)
        query = unquote(next(s for s in sources if s.id == "google-factcheck").url.rsplit("/", 1)[-1].split(";")[0])
        assert not set(query.casefold().split()) & _NOT_SEARCH_WORDS, (c.text, query)
        for figure in (e.text for e in c.entities if e.kind == "quantity"):
            assert figure in query, (c.text, query)
    assad = next(c for c in claims if "25 to 30 percent" in c.text) if "Assad" in text else None
    if assad is not None:
        query = searched(link_sources(assad, SourcesConfig(), doc), "reliefweb")[0]
        assert query == "Assad Syria Damascus Alawite 25 to 30 percent"


def test_topic_source_only_for_conflict_and_humanitarian_claims() -> None:
    doc, claims = _doc_claims(VARIED)
    by_text = {c.text.split()[0]: {s.id for s in link_sources(c, SourcesConfig(), doc)} for c in claims}
    assert "reliefweb" in by_text["More"]  # refugees, airstrikes
    assert "reliefweb" not in by_text["Unemployment"]
    assert "reliefweb" not in by_text["The"]  # a city budget


def test_publication_date_opens_a_news_archive_window_the_archive_covers() -> None:
    c = claim("Assad met Putin in Moscow.", ["Assad", "Putin", "Moscow"], "event")
    dated = Document(id="d", path="d.txt", title="T", text="T", sha256="0" * 64, published="2015-10-21T09:00:00+03:00")
    soon_after = date(2015, 11, 30)  # GDELT's DOC API searches the last 90 days: the window is in reach
    sources = {s.id: s for s in link_sources(c, SourcesConfig(), dated, today=soon_after)}
    query = parse_qs(urlsplit(sources["gdelt"].url).query)
    assert query["startdatetime"] == ["20151014000000"] and query["enddatetime"] == ["20151028235959"]
    assert query["query"] == ["Assad Putin Moscow"]
    assert "news-search" not in sources
    undated = {s.id: s for s in link_sources(c, SourcesConfig())}
    assert "startdatetime" not in undated["gdelt"].url and "news-search" not in undated
    odd = Document(id="d", path="d.txt", title="T", text="T", sha256="0" * 64, published="around 2015")
    assert "startdatetime" not in {s.id: s for s in link_sources(c, SourcesConfig(), odd)}["gdelt"].url


def test_a_claim_older_than_the_archive_gets_a_dated_search_instead() -> None:
    c = claim("Assad met Putin in Moscow.", ["Assad", "Putin", "Moscow"], "event")
    dated = Document(id="d", path="d.txt", title="T", text="T", sha256="0" * 64, published="2015-10-21")
    assert SourcesConfig().catalog[[t.id for t in SourcesConfig().catalog].index("gdelt")].covers_days == 90
    for today in (date(2016, 1, 13), date(2026, 1, 1)):  # 91 days after the window opens; years later
        sources = link_sources(c, SourcesConfig(), dated, today=today)
        ids = [s.id for s in sources]
        assert "gdelt" not in ids, "GDELT's DOC API would answer nothing (or today's news) for 2015"
        news = sources[ids.index("news-search")]
        assert unquote(parse_qs(urlsplit(news.url).query)["q"][0]) == "Assad Putin Moscow after:2015-10-14 before:2015-10-28"
    # Without a fallback entry, an old claim gets no archive link at all.
    only_gdelt = SourcesConfig(catalog=[t for t in SourcesConfig().catalog if t.id != "news-search"])
    assert {"gdelt", "news-search"}.isdisjoint(s.id for s in link_sources(c, only_gdelt, dated, today=date(2026, 1, 1)))
    # ... and the task says why: the archive named, how far it reaches, the claim's window.
    sources, left_out = link_sources_with_reasons(c, only_gdelt, dated, today=date(2026, 1, 1))
    assert [x.id for x in left_out] == ["gdelt"] and "gdelt" not in {s.id for s in sources}
    assert "90 days" in left_out[0].reason and "2015-10-14" in left_out[0].reason and "fallback_for: gdelt" in left_out[0].reason
    # With the fallback, or where the archive reaches, nothing is left out.
    assert link_sources_with_reasons(c, SourcesConfig(), dated, today=date(2026, 1, 1))[1] == []
    assert link_sources_with_reasons(c, only_gdelt, dated, today=date(2015, 11, 30))[1] == []


def test_a_fallback_must_name_an_archive_with_coverage() -> None:
    entry = {"id": "old-news", "name": "Old news", "kind": "news-archive", "url": "https://n.example/?q={query}&from={date_from}"}
    with pytest.raises(ValueError, match="fallback_for 'wikipedia' must name an entry of this catalog with covers_days; entries with covers_days: gdelt"):
        Config.model_validate({"sources": {"catalog": [*(t.model_dump() for t in SourcesConfig().catalog), {**entry, "fallback_for": "wikipedia"}]}})


def test_a_claim_without_key_terms_still_gets_search_links() -> None:
    c = claim("It was so.", [], "other")
    sources = link_sources(c, SourcesConfig())
    assert [s.id for s in sources] == ["google-factcheck", "gdelt"]  # no name: no encyclopedia link
    assert sources[0].url.endswith("/search/It%20was%20so;hl=en")


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
    sources = link_sources(c, SourcesConfig())
    # The person first, then the place; the nationality (an adjective) gets no link of its own.
    assert [s.url.rsplit("=", 1)[-1] for s in sources if s.id == "wikidata"] == ["Vladimir%20Putin", "Moscow"]
    people = SourceTemplate(id="people", name="People", kind="knowledge-base", url="https://p.example/?q={entity}", entity_kinds=["person"])
    places = SourceTemplate(id="orgs", name="Orgs", kind="knowledge-base", url="https://o.example/?q={entity}", entity_kinds=["organisation"])
    cfg = SourcesConfig(catalog=[people, places])
    assert [s.id for s in link_sources(c, cfg)] == ["people"]


def test_entity_links_are_capped_at_the_most_salient() -> None:
    text = "Angela Merkel met officials of Eurostat, Nusra Front and the IMF in Berlin, Paris and Rome."
    c = claim(text, [], "event").model_copy(update={"entities": [
        Entity(text=name, kind=kind, start=text.index(name), end=text.index(name) + len(name))  # type: ignore[arg-type]
        for name, kind in [("Angela Merkel", "person"), ("Eurostat", "organisation"), ("Nusra Front", "organisation"),
                           ("IMF", "organisation"), ("Berlin", "place"), ("Paris", "place"), ("Rome", "place")]
    ]})
    assert searched(link_sources(c, SourcesConfig()), "wikipedia") == ["Angela Merkel", "Eurostat", "Nusra Front"]
    assert len(searched(link_sources(c, SourcesConfig(max_entities=5)), "wikipedia")) == 5


def test_a_bracketed_acronym_is_not_a_second_entity() -> None:
    doc, claims = _doc_claims(SEED.read_text(encoding="utf-8"))
    irgc = next(c for c in claims if "(IRGC)" in c.text)
    assert searched(link_sources(irgc, SourcesConfig(), doc), "wikipedia") == ["Iranian Revolutionary Guards Corps", "Syria", "Iran"]


def test_statistics_portals_come_first_for_a_statistic() -> None:
    doc, claims = _doc_claims(VARIED)
    spain = next(c for c in claims if c.text.startswith("Unemployment"))
    assert spain.type == "statistic"
    sources = link_sources(spain, SourcesConfig(), doc)
    assert [s.kind for s in sources[:2]] == ["statistics", "statistics"]
    assert searched(sources, "undata", "q") == ["Spain Unemployment lowest"]  # no figure: a portal searches topics
    assert "statistics" not in {s.kind for s in link_sources(next(c for c in claims if c.text.startswith("“We")), SourcesConfig(), doc)}
    # An entry made for the claim's type comes first wherever the catalog lists it.
    eurostat = SourceTemplate(id="eurostat", name="Eurostat", kind="statistics", url="https://ec.europa.eu/eurostat/search?text={topic}",
                              applies_to=["statistic"])
    catalog = SourcesConfig(catalog=[*SourcesConfig().catalog, eurostat])
    assert [s.id for s in link_sources(spain, catalog, doc)][:3] == ["undata", "worldbank", "eurostat"]


def test_a_quote_links_the_speakers_statements_first() -> None:
    text = "“We will not leave Syria until the job is done,” Vladimir Putin told reporters in Moscow."
    c = claim(text, [], "quote").model_copy(update={
        "attribution": "Vladimir Putin",
        "entities": [Entity(text="Syria", kind="place", start=text.index("Syria"), end=text.index("Syria") + 5),
                     Entity(text="Vladimir Putin", kind="person", start=text.index("Vladimir"), end=text.index("Vladimir") + 14),
                     Entity(text="Moscow", kind="place", start=text.index("Moscow"), end=text.index("Moscow") + 6)],
    })
    sources = link_sources(c, SourcesConfig())
    assert [s.id for s in sources[:2]] == ["wikiquote", "quote-search"]
    assert searched(sources, "wikiquote") == ["Vladimir Putin"]
    assert searched(sources, "quote-search", "q") == ['Vladimir Putin "We will not leave Syria until the job is done"']
    anonymous = c.model_copy(update={"attribution": "a source"})
    assert {"wikiquote", "quote-search"}.isdisjoint(s.id for s in link_sources(anonymous, SourcesConfig()))


def test_reported_speech_searches_the_words_beside_the_attribution() -> None:
    text = "Damascus is now under threat from ISIL, according to Israeli intelligence."
    c = claim(text, [], "quote").model_copy(update={
        "attribution": "Israeli intelligence",
        "entities": [Entity(text="Damascus", kind="place", start=0, end=8), Entity(text="ISIL", kind="organisation", start=34, end=38)],
    })
    assert searched(link_sources(c, SourcesConfig()), "quote-search", "q") == ["Israeli intelligence Damascus is now under threat from ISIL"]


def test_a_task_says_why_an_archive_gave_its_claim_no_link(tmp_path: Path, loaded: LoadedConfig) -> None:
    seeds = tmp_path / "in"
    write(seeds / "old.txt", "---\ntitle: Moscow talks\npublished: 2015-10-21\n---\n"
                             "Assad met Putin in Moscow on Tuesday, the Kremlin said, and 40 soldiers were killed in Idlib.\n")
    custom = loaded.with_changes("sources", catalog=[t for t in loaded.config.sources.catalog if t.id != "news-search"])
    for attempt in ("first run", "rerun from the merged claims"):
        out = tmp_path / "out"
        result = run_pipeline(custom, seeds, out)
        assert result.report.claims, attempt
        for item in result.report.claims:
            task = yaml.safe_load(OutputLayout(out).task_file(item.id).read_text(encoding="utf-8"))
            assert "gdelt" not in {s["id"] for s in task["sources"]}, attempt
            assert [x["id"] for x in task["sources_left_out"]] == ["gdelt"], attempt
            assert "90 days" in task["sources_left_out"][0]["reason"], attempt
    # With the default catalog the dated search stands in, and the task has no such entry.
    result = run_pipeline(loaded, seeds, tmp_path / "default")
    task = yaml.safe_load(OutputLayout(tmp_path / "default").task_file(result.report.claims[0].id).read_text(encoding="utf-8"))
    assert "sources_left_out" not in task and "news-search" in {s["id"] for s in task["sources"]}


def test_a_search_takes_the_claims_least_common_content_words() -> None:
    """ "Rebels, using the cover of a heavy sandstorm ..., seized ... Idlib" searched for "Idlib cover heavy":
    the first content words, which every page shares. The least common come first now."""
    text = ("Rebels, using the cover of a heavy sandstorm in the last few days, launched a new offensive "
            "and seized the key northwestern city of Idlib.")
    doc, claims = _doc_claims(f"Idlib\n\n{text}\n")
    idlib = next(c for c in claims if c.text == text)
    fields = template_fields(idlib, doc, SourcesConfig())
    assert fields["query"].split()[:2] == ["Idlib", "sandstorm"], fields["query"]


def test_a_claim_that_names_nothing_is_searched_by_its_content_words() -> None:
    """Its first word was a name ("Prices"), searched and linked to Wikipedia; with it gone, the search fell
    back to every key term, verbs included ("Prices rose sharply tariff introduced")."""
    doc, claims = _doc_claims("Prices\n\nPrices rose sharply after the new tariff was introduced on imports of steel.\n")
    prices = next(c for c in claims if c.text.startswith("Prices"))
    assert not [e for e in prices.entities if e.kind in ("person", "organisation", "place", "other")]
    fields = template_fields(prices, doc, SourcesConfig())
    assert set(fields["query"].split()) <= {"Prices", "tariff", "imports", "steel"} and "tariff" in fields["query"].split()
    assert len(searched(link_sources(prices, SourcesConfig(), doc), "wikipedia")) == 1

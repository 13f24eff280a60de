"""The near-duplicate index: exact (it finds what a brute-force search finds), figures kept apart, renames."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from factflow.claims import extract_claims
from factflow.claims.dedupe import NearDuplicates, jaccard, numbers, shingles
from factflow.config import ClaimsConfig, IngestConfig
from factflow.ingest import parse_document

WORDS = ["the", "army", "said", "troops", "arrived", "in", "Syria", "on", "Monday", "bases", "new", "jets", "of", "a"]


def brute_force(index: list[tuple[str, str]], text: str, similarity: float) -> str | None:
    """What the index must answer: the best Jaccard at or above the threshold, same figures, ties to the smallest key."""
    best: tuple[float, str] | None = None
    for key, other in sorted(index):
        score = jaccard(shingles(text), shingles(other))
        if score >= similarity and numbers(text) == numbers(other) and (best is None or score > best[0]):
            best = (score, key)
    return best[1] if best else None


sentences = st.lists(st.sampled_from(WORDS + ["12", "40"]), min_size=1, max_size=14).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(sentences, min_size=1, max_size=25), st.sampled_from([0.5, 0.6, 0.8, 0.9, 1.0]))
def test_the_index_finds_exactly_what_a_brute_force_search_finds(texts: list[str], similarity: float) -> None:
    counted = NearDuplicates(similarity, texts)
    uncounted = NearDuplicates(similarity)  # no frequencies: another prefix order, the same answers
    partly = NearDuplicates(similarity, texts[: len(texts) // 2])  # tokens of the later texts never counted: they sort first
    indexed: list[tuple[str, str]] = []
    for i, text in enumerate(texts):
        expected = brute_force(indexed, text, similarity)
        assert counted.find(text) == expected
        assert uncounted.find(text) == expected
        assert partly.find(text) == expected
        if expected is None:
            key = f"k{i:03d}"
            for index in (counted, uncounted, partly):
                index.add(key, text)
            indexed.append((key, text))


def test_sentences_that_differ_in_a_figure_are_different_claims() -> None:
    a = "Russian forces began arriving in the coastal region of Syria in recent days to set up 12 bases for fighter jets."
    b = a.replace("12 bases", "13 bases")
    assert jaccard(shingles(a), shingles(b)) >= 0.8
    index = NearDuplicates(0.8)
    index.add("a", a)
    assert index.find(b) is None
    assert index.find(a.replace("up 12", "up new 12")) == "a"


def test_a_renamed_claim_is_found_under_its_new_id() -> None:
    text = "Russian forces began arriving in the coastal region of Syria in recent days to set up bases for fighter jets."
    index = NearDuplicates(0.8)
    index.add("c-old", text)
    index.rename("c-old", "c-new")
    assert index.find(text + " Today.") == "c-new"
    index.rename("c-new", "c-newer")
    assert index.find(text) == "c-newer"


def test_a_compact_extraction_keeps_claims_their_context_and_the_count() -> None:
    text = "Title\n\n" + " ".join(
        f"What a {w} day, we think?" if i % 5 else f"The army said {i * 10} soldiers arrived in Aleppo in 2015."
        for i, w in enumerate(["fine", "grey", "cold", "long", "wet", "dull", "slow", "calm", "warm", "dark", "odd"])
    )
    full = extract_claims(parse_document("d", "d.txt", text, IngestConfig(), "0" * 64), ClaimsConfig())
    compact = full.compact(1)
    assert compact.scored() == full.scored() == len(full.sentences)
    assert [s.index for s in compact.claims()] == [s.index for s in full.claims()] and full.claims()
    wanted = {j for s in full.claims() for j in (s.index - 1, s.index, s.index + 1)}
    assert [s.index for s in compact.sentences] == [s.index for s in full.sentences if s.index in wanted]
    assert len(compact.sentences) < len(full.sentences)

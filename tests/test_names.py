"""The shared name finder: capitalised names and acronyms in a sentence."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import pytest

from factflow.names import COMMON_WORDS_FILE, common_words, name_spans

ROOT = Path(__file__).resolve().parents[1]


def test_names_skip_an_ordinary_first_word() -> None:
    names = [n for n, _, _ in name_spans("The Iranian Revolutionary Guards Corps (IRGC) met Vladimir Putin.")]
    assert names == ["Iranian Revolutionary Guards Corps", "IRGC", "Vladimir Putin"]


def test_a_name_after_opening_quotes_still_starts_the_sentence() -> None:
    assert [n for n, _, _ in name_spans(' "(The Labor Department said so.')] == ["Labor Department"]
    assert [n for n, _, _ in name_spans("So The Labor Department said so.")] == ["The Labor Department"]


def test_names_are_found_in_time_linear_in_the_sentence() -> None:
    """The text before each name was cut and stripped to see whether the name starts the sentence: a
    2.7 MB 'sentence' of names (a row given to `factflow claims score`, which scores each row whole)
    took minutes, 10 MB hung it. Twice the text now takes about twice the time."""
    import time

    unit = "According to officials, the GDP grew 5 percent in Paris and Texas, "
    timings = []
    for repeat in (10_000, 40_000):
        start = time.perf_counter()
        found = name_spans(unit * repeat)
        timings.append(time.perf_counter() - start)
        assert len(found) == 3 * repeat  # GDP, Paris, Texas each time ("According" is a function word)
    assert timings[1] < 8 * timings[0] + 0.5, timings  # quadratic: 16 times


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        ("Assad lost ground to Islamic State of Iraq and Levant (ISIL), Nusra Front and others.",
         ["Assad", "Islamic State of Iraq and Levant", "ISIL", "Nusra Front"]),
        ("The National Aeronautics and Space Administration (NASA) said so.", ["National Aeronautics and Space Administration", "NASA"]),
        ("People for the Ethical Treatment of Animals (PETA) protested.", ["People for the Ethical Treatment of Animals", "PETA"]),
        ("Russia and Iran met in Moscow (AFP).", ["Russia", "Iran", "Moscow", "AFP"]),  # spells nothing: two names stay two
        ("Russia and Iran met today (RI).", ["Russia", "Iran", "RI"]),  # not right after the names
    ],
)
def test_a_bracketed_acronym_joins_the_names_it_spells(sentence: str, names: list[str]) -> None:
    """ "and" ends a name, but the acronym after it says where the name really ends."""
    assert [text for text, _, _ in name_spans(sentence)] == names


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        # A single common word that starts a sentence is not a name; a name that starts one is.
        ("Human sources and intercepts showed it.", []),
        ("Revenues up 5% to £22.5m at Tesco", ["Tesco"]),
        ("Russia said so.", ["Russia"]),
        ("Simpson said so.", ["Simpson"]),
        ("Human Rights Watch said so.", ["Human Rights Watch"]),  # only a single word is dropped
        # An adverb and its comma open a sentence; a place with a comma is still a place.
        ("Amazingly, hemp is stronger than steel.", []),
        ("Crucially, Canada will have 2.97 doctors.", ["Canada"]),
        ("Italy, which is big, said so.", ["Italy"]),
        # A sentence begins again after a colon, a semicolon or a full stop with no space after it.
        ("You can read it here: The letter names the Peace Corps.", ["Peace Corps"]),
        ("Drugs were floating around.Consuming kefir helps, the United States said.", ["United States"]),
        ("The U.S. Army said so.", ["U.S. Army"]),  # an abbreviation's stop is no sentence's end
        # A function word is capitalised only because something begins there, wherever it is.
        ("the world’s No.1 mining nation", []),
        ("Prices rose, According to officials, in Paris.", ["Paris"]),
        ("I’m thinking of Ohio.", ["Ohio"]),
        # The opener of a name, and a number or a small word after it, are dropped.
        ("Neither President Obama nor Leon Panetta was present.", ["President Obama", "Leon Panetta"]),
        ("In 2009 the Iraqi Ministry of Oil awarded contracts.", ["Iraqi Ministry of Oil"]),
        ("In 2009, prices rose.", []),
        # A possessive is no part of a name.
        ("Simpson’s testimony named Clinton's aides and the Democrats’ plan.", ["Simpson", "Clinton", "Democrats"]),
        # A dotted acronym is one name, with its last stop ("the U" of "the U.S." was a name).
        ("In 2010 the U.S. government met U.N. envoys in Washington, D.C. on Monday.", ["U.S.", "U.N.", "Washington", "D.C.", "Monday"]),
        # A possessive inside a name ends it: "Trump’s White House" names Trump and the White House.
        ("Trump’s White House and Jean-Claude Juncker's Brussels office met.", ["Trump", "White House", "Jean-Claude Juncker", "Brussels"]),
        ("Apple Inc. said so.", ["Apple Inc"]),
        # A participle opens no name; a number follows a word of a name, not a joining word; a stop glued
        # to a capital ends a name.
        ("Following Duterte’s China visit, talks began.", ["Duterte", "China"]),
        ("The Hashemite Kingdom for 10 years ruled, as Division 52 withdrew.", ["Hashemite Kingdom", "Division 52"]),
        ("It moved north over Louisiana.Credits: NASA said.", ["Louisiana", "NASA"]),
        ("Similarly, the bank fell.", []),
        # A sentence in capitals has no cue: no names, rather than every word.
        ("SHANGHAI REJECTS NY /LONDON PRICING OF GOLD", []),
        ("NATO met in Oslo.", ["NATO", "Oslo"]),
    ],
)
def test_ordinary_words_are_not_names(sentence: str, names: list[str]) -> None:
    """A capital alone is the cue, so ordinary capitalised words were names, and got Wikipedia and
    Wikidata links: "Rebels" (the seed), "Amazingly", "Human", "For", "2009 the Iraqi Ministry of Oil"."""
    assert [text for text, _, _ in name_spans(sentence)] == names


def test_the_common_words_are_a_list_of_lower_case_words() -> None:
    words = common_words()
    assert {"human", "revenues", "rebels", "the"} <= words
    assert not {"russia", "obama", "simpson", "congress", "american"} & words  # capitalised inside sentences
    assert all(w == w.lower() and w.strip() == w and w for w in words)


def test_the_shipped_common_words_are_what_the_build_script_makes_from_claimbuster() -> None:
    """scripts/build_common_words.py builds the list from the ClaimBuster train.tsv, byte for byte once unzipped."""
    train = ROOT.parent / "shared" / "data" / "checkworthy" / "train.tsv"
    if not train.is_file():
        pytest.skip(f"{train} is absent (the ClaimBuster data the list is built from)")
    spec = importlib.util.spec_from_file_location("build_common_words", ROOT / "scripts" / "build_common_words.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    built = gzip.decompress(script.build(train))
    assert gzip.decompress((ROOT / "factflow" / COMMON_WORDS_FILE).read_bytes()) == built

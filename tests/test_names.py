"""The shared name finder: capitalised names and acronyms in a sentence."""

from __future__ import annotations

import pytest

from factflow.names import name_spans


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
        assert len(found) == 4 * repeat - 1  # GDP, Paris, Texas each time, and "According" but the first
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

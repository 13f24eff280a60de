"""The shared name finder: capitalised names and acronyms in a sentence."""

from __future__ import annotations

from factflow.names import name_spans


def test_names_skip_an_ordinary_first_word() -> None:
    names = [n for n, _, _ in name_spans("The Iranian Revolutionary Guards Corps (IRGC) met Vladimir Putin.")]
    assert names == ["Iranian Revolutionary Guards Corps", "IRGC", "Vladimir Putin"]

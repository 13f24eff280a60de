"""Near-duplicate sentences: exact word-bigram Jaccard similarity, found through a prefix-filtered index.

Hand-written rather than MinHash LSH (datasketch, which this replaced): for sentence-length sets
an exact search is both cheaper and exact. With 11,000 claims MinHash took 3.5 s and 150 MB
(numpy signatures and band tables), and could miss a pair; this index takes a fraction of a
second and finds every pair at or above the similarity.

The filter (from the all-pairs similarity-join literature, "AllPairs"/"PPJoin"): order every
token globally, rarest first; if two sets have Jaccard >= t then the first ``|x| - ceil(t|x|) + 1``
tokens of one and the first ``|y| - ceil(t|y|) + 1`` of the other share a token. So only those
prefix tokens are indexed and probed, and rare tokens keep the posting lists short. Any fixed
order is correct; rarity only makes it fast, so tokens never counted sort first.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def shingles(text: str) -> frozenset[int]:
    """Word bigrams of the case-folded text (the whole text when it is shorter), as hashes.

    Hashes of word pairs rather than joined strings: a third of the memory and built in C; a
    collision of two 64-bit hashes within one sentence pair is too rare to matter here.
    """
    words = _WORD.findall(text.casefold())
    if len(words) <= 2:
        return frozenset([hash(tuple(words))])
    return frozenset(map(hash, zip(words, words[1:], strict=False)))  # pairs of neighbours


def numbers(text: str) -> tuple[str, ...]:
    """The figures a sentence states, in order: two sentences that differ in a figure are different claims."""
    return tuple(_NUMBER.findall(text))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """Share of shingles two texts have in common."""
    return len(a & b) / len(a | b) if a or b else 1.0


class NearDuplicates:
    """An index of claim texts that finds the one a new sentence nearly repeats: the most similar
    indexed text at or above the similarity that states the same figures.

    ``texts``, when given, are the sentences that will be added or looked up: counting their
    shingles first orders the prefixes rarest first. Look-ups are exact either way.
    """

    def __init__(self, similarity: float, texts: Iterable[str] = ()) -> None:
        if not 0 < similarity <= 1:
            raise ValueError(f"similarity must be in (0, 1], not {similarity}")
        self.similarity = similarity
        frequency: Counter[int] = Counter()
        self._given: dict[str, frozenset[int]] = {}  # the texts given, shingled once
        for text in texts:
            if text not in self._given:
                self._given[text] = grams = shingles(text)
            else:
                grams = self._given[text]
            frequency.update(grams)
        # Each counted token's place in the order (rarest first, then by hash); tokens never counted come first.
        self._rank = {g: i for i, g in enumerate(sorted(frequency, key=lambda g: (frequency[g], g)))}
        self._shingles: dict[str, frozenset[int]] = {}  # index key -> shingles
        self._numbers: dict[str, tuple[str, ...]] = {}  # index key -> figures
        self._postings: dict[int, list[str]] = {}  # prefix token -> index keys
        self._last: tuple[str, frozenset[int]] | None = None  # find() then add() of one text shingles it once
        self._keys: dict[str, str] = {}  # index key -> current claim id
        self._current: dict[str, str] = {}  # current claim id -> index key

    def _shingles_of(self, text: str) -> frozenset[int]:
        given = self._given.get(text)
        if given is not None:
            return given
        if self._last is None or self._last[0] != text:
            self._last = (text, shingles(text))
        return self._last[1]

    def _prefix(self, grams: frozenset[int]) -> list[int]:
        # A hair below t, so float rounding can only lengthen the prefix (still exact, never a miss).
        overlap = math.ceil(self.similarity * len(grams) - 1e-9)
        rank = self._rank
        # Every token counted (always, when merging): the key is a look-up in C, not a Python call a token.
        counted = rank.keys() >= grams
        ordered = sorted(grams, key=rank.__getitem__ if counted else lambda g: (g in rank, rank.get(g, g)))
        return ordered[: len(grams) - overlap + 1]

    def add(self, key: str, text: str) -> None:
        """Index a claim's text under its id."""
        grams = self._shingles_of(text)
        self._shingles[key] = grams
        self._numbers[key] = numbers(text)
        self._keys[key] = key
        self._current[key] = key
        for gram in self._prefix(grams):
            self._postings.setdefault(gram, []).append(key)

    def rename(self, old: str, new: str) -> None:
        """A claim changed id; later look-ups return the new one."""
        index_key = self._current.pop(old)
        self._keys[index_key] = new
        self._current[new] = index_key

    def find(self, text: str) -> str | None:
        """The id of the most similar indexed claim at or above the similarity, if any (ties: the first indexed id in sort order)."""
        grams = self._shingles_of(text)
        figures = numbers(text)
        low, high = self.similarity * len(grams) - 1e-9, len(grams) / self.similarity + 1e-9
        candidates = {key for gram in self._prefix(grams) for key in self._postings.get(gram, ())}
        best: tuple[float, str] | None = None
        for key in sorted(candidates):
            other = self._shingles[key]
            # Jaccard cannot reach t across this size gap; a different figure makes a different claim.
            if not low <= len(other) <= high or self._numbers[key] != figures:
                continue
            score = jaccard(grams, other)
            if score >= self.similarity and (best is None or score > best[0]):
                best = (score, self._keys[key])
        return best[1] if best else None

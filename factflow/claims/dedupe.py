"""Near-duplicate sentences: MinHash locality-sensitive hashing (datasketch) over word bigrams."""

from __future__ import annotations

import re
from typing import Any

_WORD = re.compile(r"\w+")
_PERMUTATIONS = 64
_SHINGLE = 2


def shingles(text: str) -> frozenset[str]:
    """Word bigrams of the case-folded text (the whole text when it is shorter)."""
    words = _WORD.findall(text.casefold())
    if len(words) <= _SHINGLE:
        return frozenset([" ".join(words)])
    return frozenset(" ".join(words[i:i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of shingles two texts have in common."""
    return len(a & b) / len(a | b) if a or b else 1.0


class NearDuplicates:
    """An index of claim texts that finds the one a new sentence nearly repeats."""

    def __init__(self, similarity: float) -> None:
        from datasketch import MinHash, MinHashLSH  # imports scipy: paid only by runs that merge claims

        self.similarity = similarity
        self._lsh = MinHashLSH(threshold=similarity, num_perm=_PERMUTATIONS)
        template = MinHash(num_perm=_PERMUTATIONS, seed=1)
        self._permutations, self._scheme = template.permutations, template.scheme
        self._shingles: dict[str, frozenset[str]] = {}
        self._keys: dict[str, str] = {}  # LSH key -> current claim id

    def _minhash(self, grams: frozenset[str]) -> Any:
        from datasketch import MinHash

        # Building the permutations is most of a MinHash's cost; they depend only on the seed.
        m = MinHash(num_perm=_PERMUTATIONS, seed=1, permutations=self._permutations, scheme=self._scheme)
        m.update_batch([g.encode("utf-8") for g in sorted(grams)])
        return m

    def add(self, key: str, text: str) -> None:
        """Index a claim's text under its id."""
        grams = shingles(text)
        self._shingles[key] = grams
        self._keys[key] = key
        self._lsh.insert(key, self._minhash(grams))

    def rename(self, old: str, new: str) -> None:
        """A claim changed id; later look-ups return the new one."""
        for lsh_key, current in self._keys.items():
            if current == old:
                self._keys[lsh_key] = new
        self._shingles[new] = self._shingles.pop(old)

    def find(self, text: str) -> str | None:
        """The id of the most similar indexed claim at or above the similarity, if any."""
        grams = shingles(text)
        best: tuple[float, str] | None = None
        for lsh_key in sorted(self._lsh.query(self._minhash(grams))):
            key = self._keys[lsh_key]
            score = jaccard(grams, self._shingles[key])
            if score >= self.similarity and (best is None or score > best[0]):
                best = (score, key)
        return best[1] if best else None

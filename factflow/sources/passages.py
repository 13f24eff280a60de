"""Evidence passages: the sentences of the Wikipedia articles on a claim's entities that bear on the claim.

Online only, after resolution: each per-entity Wikipedia source resolved to an article names a
title and a URL; the article's plain text (TextExtracts, through the run's polite, cached client,
its beginning up to ``sources.passage_chars``) is split with the claim splitter
(:func:`factflow.claims.split.split_sentences`), and the sentences are scored against the claim as
claim matching scores a pair (:func:`factflow.matching.similarities`: the packaged encoder and the
figure rule, so "fell to 4.1 percent" never outranks a sentence whose figures agree). The best
``sources.passages`` are kept, most similar first. Each distinct sentence is encoded once per run,
in one batch, however many claims share its article.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from factflow.claims.split import split_sentences
from factflow.matching import normalise_post, similarities
from factflow.models import Claim, EvidencePassage, Source

__all__ = ["Article", "article_sentences", "articles_of", "best_passages"]

#: Shorter "sentences" are captions, list items and stray headings, not statements.
MIN_WORDS = 4


@dataclass(frozen=True)
class Article:
    """A Wikipedia article a claim's source resolved to."""

    title: str
    url: str


def articles_of(sources: Iterable[Source], entity_sources: set[str]) -> list[Article]:
    """The distinct articles of a claim's per-entity Wikipedia sources that resolved, in source order."""
    found: dict[str, Article] = {}
    for s in sources:
        r = s.resolved
        if s.id in entity_sources and s.status == "resolved" and r is not None and r.title and r.url:
            found.setdefault(r.title, Article(r.title, r.url))
    return list(found.values())


def article_sentences(text: str) -> list[str]:
    """The sentences of an article's plain text: section headings ("== History ==") and fragments left out."""
    out = []
    for start, end in split_sentences(text):
        sentence = " ".join(text[start:end].split())
        if sentence.startswith("=") or len(sentence.split()) < MIN_WORDS:
            continue
        out.append(sentence)
    return out


class _Memo:
    """An encoder that encodes each distinct text once, in one batch when :meth:`warm` is given them all."""

    def __init__(self, encoder: object) -> None:
        self.encoder = encoder
        self.vectors: dict[str, np.ndarray] = {}

    def warm(self, texts: Iterable[str]) -> None:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if missing:
            for text, vector in zip(missing, self.encoder.encode(missing), strict=True):  # type: ignore[attr-defined]
                self.vectors[text] = vector

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.warm(texts)
        return np.stack([self.vectors[t] for t in texts])


def best_passages(
    claims: Sequence[Claim], articles: Mapping[str, Sequence[Article]], texts: Mapping[str, str], encoder: object, k: int,
) -> dict[str, list[EvidencePassage]]:
    """Each claim's ``k`` article sentences most similar to it, most similar first (ties: article, then text order).

    ``articles`` are each claim's articles, ``texts`` each article title's plain text (missing or
    empty: an article that could not be read, which gives no passages).
    """
    sentences = {title: article_sentences(text) for title, text in texts.items()}
    memo = _Memo(encoder)
    # One batch for the whole run: every claim and every distinct sentence, as similarities() will ask for them.
    memo.warm(normalise_post(t) for t in [*(c.text for c in claims), *(s for ss in sentences.values() for s in ss)])
    out: dict[str, list[EvidencePassage]] = {}
    for claim in claims:
        pool: dict[str, Article] = {}
        for article in articles.get(claim.id, ()):
            for sentence in sentences.get(article.title, ()):
                pool.setdefault(sentence, article)
        candidates = list(pool)
        scores = similarities(claim.text, candidates, memo)
        ranked = sorted(range(len(candidates)), key=lambda i: (-float(scores[i]), i))[:k]
        out[claim.id] = [
            EvidencePassage(text=candidates[i], title=pool[candidates[i]].title, url=pool[candidates[i]].url,
                            similarity=round(max(-2.0, min(1.0, float(scores[i]))), 4))
            for i in ranked
        ]
    return out

"""Claims: split documents into sentences, drop boilerplate, score and type each sentence, merge claims.

The stage function is :func:`extract_claims` (one document in, its scored sentences out; a batch of
documents scored together with :func:`extract_claims_many`) and
:func:`merge_claims` (every document's claims in, one claim per distinct sentence out).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial

from factflow.claims.anatomy import find_attribution, find_entities, find_times
from factflow.claims.dedupe import NearDuplicates
from factflow.claims.scoring import Scorer, make_scorer, sentence_key
from factflow.claims.signals import NOT_CHECKABLE_TYPES, Assessment
from factflow.claims.split import Boilerplate, split_sentences
from factflow.config import ClaimsConfig
from factflow.errors import StaleCacheError
from factflow.models import Appearance, Claim, Document, DocumentClaims, Problem, Sentence
from factflow.names import name_spans

__all__ = [
    "NOT_CHECKABLE_TYPES",
    "Unchanged",
    "claim_id",
    "extract_claims",
    "extract_claims_many",
    "key_terms",
    "merge_claims",
    "sentence_claim_id",
    "normalise",
    "repeated_fragments",
    "sentences_to_score",
]

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'"})
_SPACE = re.compile(r"\s+")
_EDGE_LEFT = " \"'(["
_EDGE_RIGHT = " \"')].,;:!?"
_STOPWORDS = frozenset(
    ["a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "from", "by", "with", "as", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "do", "does", "did", "this", "that", "these", "those", "it", "its", "he", "she", "they", "them", "his", "her", "their", "there", "here", "which", "who", "whom", "whose", "what", "when", "where", "while", "also", "not", "no", "than", "then", "so", "such", "into", "over", "under", "about", "after", "before", "during", "between", "against", "among", "just", "only", "most", "more", "less", "very", "currently", "now", "said", "says", "according", "all", "other", "some", "any", "each", "both", "few", "many", "much", "up", "down", "out", "off", "again", "further", "once", "i", "we", "you", "me", "us", "our", "your", "my"]
)


def normalise(text: str) -> str:
    """The form of a sentence that identifies it: Unicode-normalised, case-folded, quotes unified, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _SPACE.sub(" ", text).strip()
    # After the line above the only whitespace left is " ", so stripping these sets is _EDGE's job, faster.
    return text.lstrip(_EDGE_LEFT).rstrip(_EDGE_RIGHT).casefold()


def claim_id(text: str) -> str:
    """A stable id derived from the normalised text, so reruns and other documents give the same id."""
    return "c-" + hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:12]


def sentence_claim_id(sentence: Sentence) -> str:
    """The claim id of a claim sentence: made at extraction, or from its text."""
    return sentence.claim_id or claim_id(sentence.text)


def extract_claims(doc: Document, cfg: ClaimsConfig) -> DocumentClaims:
    """Split one document into sentences and score each; boilerplate and verbatim repeats are dropped."""
    return extract_claims_many([doc], cfg)[0]


def extract_claims_many(docs: Sequence[Document], cfg: ClaimsConfig) -> list[DocumentClaims]:
    """:func:`extract_claims` for each document, the sentences of all of them scored as one batch.

    A batch of short documents (a corpus of one-sentence posts) then keeps the detector as busy as one
    long article: the transformer spreads a batch over its threads, and a single sentence runs on one.
    Each sentence is scored alone whatever the batch (see :mod:`factflow.claims.transformer`), so the
    results are those of one document at a time.

    A document's :attr:`~factflow.models.Document.scored` (an earlier run's scores of its sentences)
    spares the detector the sentences it holds; a document of :data:`KEEP_SCORES_FROM` sentences or
    more gives its own in :attr:`~factflow.models.DocumentClaims.scores` for the next run.
    """
    scorer = make_scorer(cfg.detector, cfg.threshold)
    selected = [_select(doc, cfg) for doc in docs]
    # A sentence repeated across the batch's documents (a syndicated paragraph, a site's standing line) is scored once.
    texts = list(dict.fromkeys(text for found in selected for _, _, text in found.kept))
    scored: dict[str, float] = {}
    for doc in docs:
        scored.update(doc.scored)
    results = dict(zip(texts, scorer.assess_many(texts, scored), strict=True))
    return [_scored(doc, found, [results[text] for _, _, text in found.kept], scorer, cfg) for doc, found in zip(docs, selected, strict=True)]


#: Documents with at least this many sentences keep their sentences' scores for the next run: an
#: edited article then costs the detector its changed sentences only. A shorter document is
#: scored again whole (a post of one sentence has nothing to spare).
KEEP_SCORES_FROM = 5


@dataclass
class _Selected:
    """What a document keeps to score, and what it dropped."""

    kept: list[tuple[int, int, str]] = field(default_factory=list)
    boilerplate: int = 0
    duplicates: int = 0
    too_long: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def line_in_file(doc: Document, offset: int) -> int | None:
    """The line of the document's file that holds ``offset`` of its text (None when its text's lines are not the file's)."""
    return None if doc.lines_from is None else doc.text.count("\n", 0, offset) + doc.lines_from


def _sentence_at(doc: Document, start: int) -> str:
    line = line_in_file(doc, start)
    return f"the sentence at {doc.path}:{line}" if line is not None else f"a sentence of {doc.path}"


def _select(doc: Document, cfg: ClaimsConfig) -> _Selected:
    """The document's sentences to score: boilerplate, verbatim repeats and over-long sentences dropped."""
    is_boilerplate = Boilerplate(cfg.boilerplate_patterns)
    found = _Selected()
    seen: set[str] = set()
    for start, end in split_sentences(doc.text, doc.body_start):
        if end - start > cfg.max_sentence_chars:
            found.too_long.append(start)
            continue
        text = doc.text[start:end]
        if is_boilerplate(text, partial(_sentence_at, doc, start)):
            found.boilerplate += 1
            continue
        key = normalise(text)
        if not key or key in seen:
            found.duplicates += bool(key)
            continue
        if len(found.kept) >= cfg.max_sentences_per_document:
            found.problems.append(Problem(
                file=doc.path,
                message=(
                    f"document has more than {cfg.max_sentences_per_document:,} sentences; the rest were not scored "
                    "(raise claims.max_sentences_per_document to score them)"
                ),
            ))
            break
        seen.add(key)
        found.kept.append((start, end, text))
    fragments = repeated_fragments([text for _, _, text in found.kept])
    if fragments:
        found.kept = [kept for i, kept in enumerate(found.kept) if i not in fragments]
        found.duplicates += len(fragments)
    return found


def sentences_to_score(doc: Document, cfg: ClaimsConfig) -> list[str]:
    """The sentences of ``doc`` that :func:`extract_claims` scores, in order: what a labelled set labels."""
    return [text for _, _, text in _select(doc, cfg).kept]


_WORDS = re.compile(r"\w+")
#: A fragment of at least this many words that repeats part of another sentence is dropped.
FRAGMENT_MIN_WORDS = 4
#: Sentences a fragment is compared with, at most: a document of thousands of near-alike lines stays linear.
_FRAGMENT_CANDIDATES = 64


def _opens_mid_sentence(text: str) -> bool:
    """Whether a piece of text starts where no sentence starts: a lower-case word or a comma, semicolon or colon."""
    first = text.lstrip()[:1]
    return first.islower() or first in ",;:"


def repeated_fragments(texts: Sequence[str]) -> set[int]:
    """Indexes of the texts that are a fragment of another one: they open mid-sentence and their words
    stand, in order, inside a longer text of the same document. A page that repeats the tail of a sentence
    as a paragraph of its own (a scraped pull quote, a teaser cut at a comma, a timeline's entry without
    its date: "..., as many of the nation's top banks have suspended ...") gave the fragment as a second
    claim, scored and shown to reviewers beside the sentence it comes from. A sentence that opens as a
    sentence does is kept even when a longer one quotes it: "Officials deny that Russia sent troops" does
    not say what "Russia sent troops." says.
    """
    candidates = [i for i, text in enumerate(texts) if _opens_mid_sentence(text) and len(_WORDS.findall(text)) >= FRAGMENT_MIN_WORDS]
    if not candidates:
        return set()
    keys = [normalise(text) for text in texts]
    index: dict[tuple[str, ...], list[int]] = {}
    for i, key in enumerate(keys):
        words = _WORDS.findall(key)
        for gram in set(zip(words, words[1:], words[2:], strict=False)):
            index.setdefault(gram, []).append(i)
    found = set()
    for i in candidates:
        words = _WORDS.findall(keys[i])
        grams = list(zip(words, words[1:], words[2:], strict=False))
        if not grams:
            continue
        rarest = min((index[g] for g in grams), key=len)  # every longer text holding this one holds each of its word triples
        for j in rarest[:_FRAGMENT_CANDIDATES]:
            if j != i and len(keys[j]) > len(keys[i]) and _holds(keys[j], keys[i]):
                found.add(i)
                break
    return found


def _holds(text: str, part: str) -> bool:
    """Whether ``part`` stands in ``text`` as whole words."""
    open_left, open_right = part[:1].isalnum(), part[-1:].isalnum()  # ", deutsche bank ..." may follow "2014"
    at = text.find(part)
    while at >= 0:
        end = at + len(part)
        if (not open_left or at == 0 or not text[at - 1].isalnum()) and (not open_right or end == len(text) or not text[end].isalnum()):
            return True
        at = text.find(part, at + 1)
    return False


def _scored(doc: Document, found: _Selected, results: list[Assessment], scorer: Scorer, cfg: ClaimsConfig) -> DocumentClaims:
    """The document's sentences with their scores; claims get their anatomy."""
    sentences: list[Sentence] = []
    for (start, end, text), result in zip(found.kept, results, strict=True):
        is_claim = scorer.is_claim(result)
        sentence = Sentence(
            index=len(sentences), start=start, end=end, text=text, score=result.score,
            # Only claims show their reasons; keeping every sentence's would double a corpus's memory.
            reasons=result.reasons if is_claim else [],
            type=result.type, checkable=result.checkable, is_claim=is_claim,  # type: ignore[arg-type]
        )
        if sentence.is_claim:
            # Anatomy costs more than scoring, so only claims get it.
            sentence.entities = find_entities(text)
            sentence.attribution = find_attribution(text)
            sentence.time = find_times(text, doc.published)
            sentence.claim_id, sentence.key_terms = claim_id(text), key_terms(text)
        sentences.append(sentence)
    problems = list(found.problems)
    if found.too_long:
        line = line_in_file(doc, found.too_long[0])
        problems.insert(0, Problem(
            file=doc.path, line=line,
            message=(
                f"{len(found.too_long):,} sentence(s) longer than {cfg.max_sentence_chars:,} characters were not scored"
                f"{', the first starting on this line' if line is not None else ''} (raise claims.max_sentence_chars to score them)"
            ),
        ))
    return DocumentClaims(
        document=doc.id, sentences=sentences, boilerplate_dropped=found.boilerplate,
        duplicates_dropped=found.duplicates, problems=problems,
        scores={sentence_key(s.text): s.score for s in sentences} if len(sentences) >= KEEP_SCORES_FROM else {},
    )


def key_terms(text: str, limit: int | None = None) -> list[str]:
    """The terms a search for this claim should use: names first, then numbers and content words
    (the first ``limit`` of them: the same as the first ``limit`` of them all)."""
    terms: list[str] = []
    seen: set[str] = set()

    def add(term: str) -> None:
        key = term.casefold()
        if term and key not in seen and (limit is None or len(terms) < limit):
            seen.add(key)
            seen.update(key.split())  # the words of "Russian Air Force" are not terms again
            terms.append(term)

    for name, _, _ in name_spans(text):
        add(name)
    for word in re.findall(r"\d[\d,.]*%?|[A-Za-z][\w’'-]{3,}", text):
        if word.casefold() not in _STOPWORDS:
            add(word.strip(".,"))
    return terms


@dataclass
class Unchanged:
    """Documents whose extraction is the one the last run merged, given as that merge left them, so a
    rerun merges without reading their extractions: each document's claim sentences (index, text, claim id),
    the last run's claims by the sentence each was made of (document, index), and ``load``, which
    reads a document's extraction (from the extraction cache) for the rare sentence that makes a
    claim this time but did not last time (its group's first sentence was in a changed document).
    A row that names a claim sentence the extraction does not hold raises StaleCacheError."""

    sentences: dict[str, list[tuple[int, str, str]]]
    claims: dict[tuple[str, int], Claim]
    load: Callable[[str], DocumentClaims]


def merge_claims(
    results: Iterable[DocumentClaims],
    cfg: ClaimsConfig,
    max_terms: int = 6,
    known_ids: frozenset[str] = frozenset(),
    unchanged: Unchanged | None = None,
) -> list[Claim]:
    """One claim per distinct sentence at or above the threshold, in document then sentence order.

    Exact repeats share an id; near-duplicates (``cfg.near_duplicate_similarity``) join the first
    claim they resemble as further appearances. When a group holds an id that earlier runs used
    (``known_ids``), the group keeps that id, so reviewers' verdicts stay attached.

    ``unchanged``: more documents, as the last run's merge left them (see :class:`Unchanged`). The
    grouping reads only each sentence's document, index and text, so it runs over them exactly as
    over their extractions: the claims are those of merging every extraction, only cheaper.
    """
    claims: dict[str, Claim] = {}
    given = {r.document: r for r in results}
    kept = unchanged.sentences if unchanged is not None else {}
    ordered = sorted(given.keys() | kept.keys())
    near = None
    if cfg.near_duplicate_similarity:
        texts = (text for d in ordered for text in (
            [s.text for s in given[d].claims()] if d in given else [text for _, text, _ in kept[d]]))
        near = NearDuplicates(cfg.near_duplicate_similarity, texts)
    context = cfg.context_sentences
    for document in ordered:
        result = given.get(document)
        by_index: dict[int, str] | None = None  # the document's sentences' text, once it makes a claim
        found: Iterable[tuple[int, str, str, Sentence | None]] = (
            ((s.index, s.text, sentence_claim_id(s), s) for s in result.claims()) if result is not None
            else ((i, text, cid, None) for i, text, cid in kept[document]))
        for i, text, cid, sentence in found:
            if cid not in claims and near is not None:
                match = near.find(text)
                if match is not None:
                    claim = claims[match]
                    claim.appearances.append(Appearance(document=document, sentence_index=i, text=text))
                    if cid in known_ids and match not in known_ids:
                        claims = {(cid if k == match else k): v for k, v in claims.items()}
                        claim.id = cid
                        near.rename(match, cid)
                    continue
            if cid in claims:
                claims[cid].appearances.append(Appearance(document=document, sentence_index=i))
                continue
            earlier = unchanged.claims.get((document, i)) if unchanged is not None and sentence is None else None
            if earlier is not None and earlier.text == text:  # the claim the last run made of this very sentence
                claims[cid] = earlier.model_copy(update={"id": cid, "appearances": [Appearance(document=document, sentence_index=i)]})
            else:
                if sentence is None and unchanged is not None:  # a claim this time, not last time: read its extraction
                    result = result or unchanged.load(document)
                    sentence = next((s for s in result.sentences if s.is_claim and s.index == i and s.text == text), None)
                if result is None or sentence is None:  # the saved rows do not match the extraction (edited by hand)
                    raise StaleCacheError(f"document {document!r}: no claim sentence {i} in its extraction")
                if by_index is None:
                    by_index = {s.index: s.text for s in result.sentences}  # a compact result keeps only claims and their context
                claims[cid] = _claim(cid, document, sentence, by_index, context, max_terms)
            if near is not None:
                near.add(cid, text)
    return list(claims.values())


def _claim(cid: str, document: str, sentence: Sentence, by_index: dict[int, str], context: int, max_terms: int) -> Claim:
    """A new claim made of one sentence of a document, with the sentences around it (``by_index``: the text
    of the document's sentences that extraction kept, by index)."""
    i = sentence.index
    return Claim(
        id=cid,
        document=document,
        text=sentence.text,
        sentence_index=i,
        checkworthiness=sentence.score,
        reasons=sentence.reasons,
        type=sentence.type,
        appearances=[Appearance(document=document, sentence_index=i)],
        entities=sentence.entities,
        attribution=sentence.attribution,
        time=sentence.time,
        context_before=[by_index[j] for j in range(max(0, i - context), i) if j in by_index],
        context_after=[by_index[j] for j in range(i + 1, i + 1 + context) if j in by_index],
        key_terms=sentence.key_terms[:max_terms] if sentence.key_terms is not None else key_terms(sentence.text, max_terms),
    )

"""The desk's memory: which new claims repeat a claim already rated by the desk or by another fact-checker.

Candidates are the claims whose verdicts make a consensus ``agreed`` or ``adjudicated``
(:func:`desk_candidates`, of ``factflow.report.desk_ratings``) and the imported ClaimReview items (:func:`imported_candidates`).
:func:`find_already_checked` scores every new claim against them with the packaged sentence
encoder and the figure rule of :mod:`factflow.matching`, and returns, per claim, the
candidates at or above the threshold as :class:`~factflow.models.ExistingFactCheck` entries,
highest similarity first. Pure: it reads and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import TypeAdapter, ValidationError

from factflow.fileio import atomic_write_text, read_regular
from factflow.matching import figures, normalise_post, top_k
from factflow.memory.claimreview import ReviewIndex
from factflow.memory.vectors import CachedEncoder
from factflow.models import ExistingFactCheck

__all__ = ["RATED", "MemoryCandidate", "RatedClaim", "recall", "desk_candidates", "find_already_checked", "imported_candidates", "merge_checks"]

#: Matches kept per claim: enough to show the best earlier verdicts, few enough to read.
MAX_MATCHES = 5
#: The consensus statuses that make a claim part of the desk's memory.
RATED = frozenset({"agreed", "adjudicated"})


class _HasText(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def text(self) -> str: ...


class _Encoder(Protocol):
    def encode(self, sentences: Sequence[str]) -> object: ...


@dataclass(frozen=True)
class MemoryCandidate:
    """A claim already rated: the text matched against, and the entry shown when it matches.

    An imported index holds up to hundreds of thousands of candidates and only a few ever match, so
    the entry is made when first asked for (``check``, from ``make``), and ``fingerprint`` (the
    fields the entry is made of) is what the match cache's key hashes.
    """

    text: str
    make: Callable[[], ExistingFactCheck]
    origin: Literal["desk", "imported"]
    fingerprint: str

    @cached_property
    def check(self) -> ExistingFactCheck:
        """The entry a claim gets when this candidate matches it."""
        return self.make()


@dataclass(frozen=True, slots=True)
class RatedClaim:
    """A claim the desk rated (consensus ``agreed`` or ``adjudicated``): what its entry in the memory says."""

    id: str
    text: str
    rating: str
    #: When the rating was reached (the report's ``consensus.since``).
    since: str | None
    #: The reviewers who rated it, then the adjudicator who settled it.
    reviewers: tuple[str, ...]


def desk_candidates(rated: Iterable[RatedClaim], publisher: str = "Fact-check desk", publisher_url: str | None = None) -> list[MemoryCandidate]:
    """Every claim the desk rated (``factflow.report.desk_ratings``), as a candidate, in its order.

    ``publisher`` and ``publisher_url`` (``report.publisher`` and ``report.publisher_url`` of the
    config) name the desk; with a URL, the entry links to ``<publisher_url>#<claim id>``, the
    ``url`` that ``factflow export claimreview`` gives the same claim.
    """
    out = []
    for claim in rated:
        fields: dict[str, Any] = {"publisher": publisher, "rating": claim.rating,
                  "url": f"{publisher_url.rstrip('/')}#{claim.id}" if publisher_url else None,
                  "date": claim.since[:10] if claim.since else None, "claim": " ".join(claim.text.split()),
                  "origin": "desk", "claim_id": claim.id, "reviewers": list(claim.reviewers)}
        # The entry is made when it matches (few do): tens of thousands of rated claims made as models cost 50 MB.
        out.append(MemoryCandidate(claim.text, partial(ExistingFactCheck, **fields), "desk", json.dumps(fields, sort_keys=True)))
    return out


def imported_candidates(index: ReviewIndex) -> list[MemoryCandidate]:
    """Every imported ClaimReview item, as a candidate (index order)."""
    return [MemoryCandidate(r.claim, partial(ExistingFactCheck, publisher=r.publisher, rating=r.rating, url=r.url, date=r.date,
                                             claim=r.claim, origin="imported"),
                            "imported", f"{r.publisher}\x1f{r.rating}\x1f{r.url}\x1f{r.date}")
            for r in index.reviews]


def find_already_checked(
    claims: Iterable[_HasText], candidates: Sequence[MemoryCandidate], threshold: float,
    encoder: _Encoder | None = None, limit: int = MAX_MATCHES,
) -> dict[str, list[ExistingFactCheck]]:
    """Per claim id, the candidates scoring at or above ``threshold``, highest first (ties: candidate order), with ``similarity``.

    Every claim gets an entry (an empty list when nothing matches), so a caller can tell "looked
    up, nothing found" from "not looked up". A desk candidate for the claim itself (same id) is
    skipped: a claim is not its own earlier check. A candidate whose figures disagree with the
    claim's never matches.
    """
    claims = list(claims)
    result: dict[str, list[ExistingFactCheck]] = {c.id: [] for c in claims}
    if not claims or not candidates:
        return result
    if encoder is None:
        from factflow.encoder import SentenceEncoder

        encoder = SentenceEncoder.load()
    q_text = [normalise_post(c.text) for c in claims]
    c_text = [normalise_post(c.text) for c in candidates]
    q_vec, c_vec = encoder.encode(q_text), encoder.encode(c_text)
    if isinstance(encoder, CachedEncoder):
        encoder.unload()  # the model is not needed for the search
    # One more than the limit per claim: the claim's own entry may be among them.
    idx, scores = top_k(q_vec, c_vec, limit + 1, [figures(t) for t in q_text], [figures(t) for t in c_text],  # type: ignore[arg-type]
                        floor=threshold)  # only matches at or above the threshold are kept
    for qi, claim in enumerate(claims):
        found = result[claim.id]
        for ci, score in zip(idx[qi], scores[qi], strict=True):
            candidate = candidates[int(ci)]
            if float(score) < threshold or len(found) >= limit:
                break
            if candidate.check.claim_id == claim.id:
                continue
            found.append(candidate.check.model_copy(update={"similarity": round(min(1.0, float(score)), 4)}))
    return result


def merge_checks(found: list[ExistingFactCheck] | None, matched: list[ExistingFactCheck]) -> list[ExistingFactCheck] | None:
    """A claim's fact-checks found online (``found``; None when not looked up) and those matched in the
    desk's memory, as one list: highest similarity first, those without one (found by keyword) after,
    one entry per published URL. None when there is nothing either way, as before matching."""
    if not matched:
        return found
    merged: dict[str, ExistingFactCheck] = {}
    for check in sorted([*matched, *(found or [])], key=lambda c: -1.0 if c.similarity is None else -c.similarity):
        key = check.url or f"{check.origin}:{check.claim_id}:{check.claim}"
        merged.setdefault(key, check)
    return list(merged.values())


def recall(
    claims: Sequence[_HasText], candidates: Sequence[MemoryCandidate], threshold: float, cache: Path,
    encoder: Callable[[], _Encoder],
) -> dict[str, list[ExistingFactCheck]]:
    """:func:`find_already_checked`, remembered in ``cache``: a rerun whose claims, candidates, threshold
    and encoder are those of the last run reads the matches back and neither encodes nor searches.
    ``encoder`` makes the encoder, and is called only when matching has to run."""
    from importlib import resources

    digest = hashlib.sha256(resources.files("factflow.claims").joinpath("models", "minilm-encoder.json").read_bytes())
    digest.update(f"{threshold!r}:{MAX_MATCHES}".encode())
    for claim in claims:
        digest.update(f"\x00{claim.id}\x01{claim.text}".encode("utf-8", "surrogatepass"))
    for candidate in candidates:
        digest.update(f"\x02{candidate.text}\x03{candidate.origin}\x03{candidate.fingerprint}".encode("utf-8", "surrogatepass"))
    key = digest.hexdigest()
    checks = TypeAdapter(dict[str, list[ExistingFactCheck]])
    try:
        saved = json.loads(read_regular(cache) or b"{}")  # none yet, or not a plain file (never waited on)
        if saved.get("key") == key:
            return checks.validate_python(saved["found"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, ValidationError):  # none yet, or damaged: match again
        pass
    found = find_already_checked(claims, candidates, threshold, encoder())
    atomic_write_text(cache, json.dumps({"key": key, "found": checks.dump_python(found, mode="json")}), durable=False)
    return found

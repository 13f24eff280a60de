"""Claim matching: which already-checked claims a new claim repeats, by the sentence encoder's similarity.

A pair's score is the cosine similarity of the two sentences' vectors (:mod:`factflow.encoder`),
with one rule on top: when both sentences state figures and neither's figures include the
other's, they are different claims ("fell to 4.1 percent" is not "fell to 5.1 percent", though the
encoder scores the two about 0.95), and the score drops by :data:`FIGURE_PENALTY`, so the pair
ranks after every candidate whose figures agree and never passes a threshold. The near-duplicate index's rule
(:mod:`factflow.claims.dedupe`), made tolerant of a figure one sentence adds ("since 2015") and of
the ways one figure is written ("$2.5 million", "2,500,000"; "one in five", "20%"; "fifty-eight").

Search is exact: one matrix product per chunk of candidates and ``argpartition`` for the top K,
so memory stays at queries x chunk floats whatever the number of candidates. At 100,000 candidates
and 3,000 queries that is well under a second of numpy; an approximate index becomes worth its
recall loss and its build time only past a few million candidates, and then a well-kept one
(faiss's ``IndexHNSWFlat`` or hnswlib, both inner-product on unit vectors) would replace
:func:`top_k` without changing its contract.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TextIO

import numpy as np

from factflow.errors import InputError, LocatedError
from factflow.fileio import MAX_TSV_LINE_CHARS, BoundedLines, open_input
from factflow.models import FileProblems, Problem
from factflow.tsvio import NOT_UTF8_ROW, tsv_header, tsv_records, undecodable

__all__ = [
    "DEFAULT_THRESHOLD", "FIGURE_PENALTY", "Match", "Row", "figures", "figures_conflict",
    "match_tsv", "normalise_post", "read_id_text_tsv", "similarities", "top_k",
]

#: ``sources.match_threshold``'s default: chosen on the development pairs of ``bench/matching.py``.
DEFAULT_THRESHOLD = 0.70
#: Subtracted from the similarity of a pair whose figures disagree: every such pair scores at most 0.
FIGURE_PENALTY = 1.0
#: Candidates scored per matrix product.
CHUNK = 16_384
#: Scores held at once: a block of queries times a chunk of candidates, at most this many float32
#: (8 MB; the search makes a copy of a block and its column order, 8 bytes a score: about 40 MB in
#: all). Memory stays flat however many claims a run matches: 10,000 claims against 8,000 rated ones
#: held 330 MB of scores at once, and peaked past 1 GB. Blocks of 32 MB took 280 MB at the peak for
#: 10,000 claims against 3,900; of 8 MB, 157 MB, in the same time.
BLOCK = 1 << 21

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w{1,30}:?")
_RETWEET = re.compile(r"^\s*(?:RT|MT)\b:?\s*", re.IGNORECASE)



def normalise_post(text: str) -> str:
    """A social-media post as a sentence: links, handles, RT markers, '#' and emoji dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = _URL.sub(" ", text)
    text = _RETWEET.sub("", text)
    text = _HANDLE.sub(" ", text)
    text = text.replace("#", " ")
    # Emoji and other symbols (category So) and unassigned or private characters carry no claim.
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("So", "Cn", "Co", "Cs"))
    return " ".join(text.split())


_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_SCALE = {"hundred": 100, "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9,
          "trillion": 1e12, "tn": 1e12}
#: Words that state a proportion (as a percentage) or a multiple: "half the world's steel" is "50%" of it, not "a quarter".
_FRACTIONS = {"half": 50.0, "quarter": 25.0, "twice": 2.0, "thrice": 3.0, "double": 2.0, "triple": 3.0}
_WORD = "|".join([*_UNITS, *_TENS, "hundred"])
_AMOUNT = (r"(?:(?P<digits>\d+(?:[,\u00a0\u202f]\d{3})*(?:\.\d+)?)|(?P<words>\b(?:" + _WORD + r")(?:[\s-]+(?:and[\s-]+)?(?:" + _WORD + r"))*\b))"
           r"(?:\s*(?P<scale>thousand|million|billion|trillion|k|mn|m|bn|b|tn)\b)?")
_FIGURE = re.compile(
    r"(?P<ratio>" + _AMOUNT.replace("?P<", "?P<r1_") + r"\s+(?:in|out\s+of)\s+(?:every\s+)?" + _AMOUNT.replace("?P<", "?P<r2_") + r")"
    r"|(?<![\w.])" + _AMOUNT +
    r"|\b(?<!first\s)(?<!second\s)(?<!third\s)(?<!fourth\s)(?<!last\s)(?<!next\s)(?P<fraction>" + "|".join(_FRACTIONS) + r")\b",
    re.IGNORECASE,
)


def _words_value(words: str) -> float:
    """The number a run of number words writes ("fifty-eight" 58, "three hundred seventy" 370)."""
    total = 0
    for word in re.split(r"[\s-]+", words.lower()):
        if word in _UNITS:
            total += _UNITS[word]
        elif word in _TENS:
            total += _TENS[word]
        elif word == "hundred":
            total = max(total, 1) * 100
    return float(total)


def _amount(m: re.Match[str], prefix: str = "") -> float:
    digits, words, scale = m.group(prefix + "digits"), m.group(prefix + "words"), m.group(prefix + "scale")
    value = float(re.sub(r"[,\u00a0\u202f]", "", digits)) if digits else _words_value(words)
    return value * _SCALE.get((scale or "").lower(), 1)


def figures(text: str) -> tuple[str, ...]:
    """The figures a sentence states, as values, sorted: "$2.5 million" and "2,500,000", "one in five" and "20%",
    "half" and "50%", "fifty-eight" and "58" are the same figure."""
    out = []
    for m in _FIGURE.finditer(text):
        if m.group("ratio"):
            den = _amount(m, "r2_")
            value = 100 * _amount(m, "r1_") / den if den else _amount(m, "r1_")
        elif m.group("fraction"):
            value = _FRACTIONS[m.group("fraction").lower()]
        else:
            value = _amount(m)
        out.append(format(value, ".6g"))
    return tuple(sorted(out))


def _contains(big: Counter[str], small: Counter[str]) -> bool:
    return all(big[key] >= count for key, count in small.items())


def figures_conflict(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two sentences' figures make them different claims: both state some, and neither's include the other's (with repeats)."""
    if not a or not b:
        return False
    ca, cb = Counter(a), Counter(b)
    return not (_contains(ca, cb) or _contains(cb, ca))


#: :func:`figures_conflict` of two sorted figure tuples, remembered: a search checks the same pairs of
#: figures many times over (a desk's claims repeat their figures).
_conflict = lru_cache(maxsize=1 << 16)(figures_conflict)


def _chunk_top(
    sims: np.ndarray, k: int, query_figures: Sequence[tuple[str, ...]] | None, candidate_figures: Sequence[tuple[str, ...]] | None,
    floor: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best columns of each row of ``sims`` and their scores (unordered), the figure penalty applied.

    The penalty only lowers scores, so it is applied to the best ``m`` columns by similarity alone;
    a row whose k-th penalised score falls below the m-th similarity (a column further down might
    beat it) is searched again with a larger ``m``, up to the whole row. Exact, and it touches the
    figures of a few dozen pairs per query rather than of every pair. With ``floor``, a row is not
    searched further once the columns left all score below it: its results are exact down to ``floor``.
    """
    n = sims.shape[1]
    if query_figures is None or candidate_figures is None:
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k] if n > k else np.broadcast_to(np.arange(n), sims.shape).copy()
        return part, np.take_along_axis(sims, part, axis=1)
    out_i = np.zeros((len(sims), k), dtype=np.int64)
    out_s = np.zeros((len(sims), k), dtype=np.float32)
    rows = np.arange(len(sims))
    m = min(n, 4 * k + 16)
    while len(rows):
        sub = sims if len(rows) == len(sims) else sims[rows]  # the first round: every row, no copy
        # The m best columns: the last m of a partition around the (n - m)-th (no negated copy of the block),
        # copied out so the partition of the whole block (8 bytes a score) goes at once.
        part = np.argpartition(sub, n - m, axis=1)[:, n - m:].copy() if n > m else np.broadcast_to(np.arange(n), sub.shape).copy()
        raw = np.take_along_axis(sub, part, axis=1)
        scored = raw.copy()
        for r, row in enumerate(rows):
            qf = query_figures[int(row)]
            if qf:
                for c in range(m):
                    if _conflict(qf, candidate_figures[part[r, c]]):
                        scored[r, c] -= FIGURE_PENALTY
        keep = np.argpartition(-scored, k - 1, axis=1)[:, :k] if m > k else np.broadcast_to(np.arange(m), scored.shape).copy()
        kth = np.take_along_axis(scored, keep, axis=1).min(axis=1)
        least = raw.min(axis=1)  # no column outside these m scores more than this
        done = (kth >= least) | (m == n)
        if floor is not None:
            done |= least < floor
        out_i[rows[done]] = np.take_along_axis(part, keep, axis=1)[done]
        out_s[rows[done]] = np.take_along_axis(scored, keep, axis=1)[done]
        rows = rows[~done]
        m = min(n, m * 4)
    return out_i, out_s


def top_k(
    queries: np.ndarray, candidates: np.ndarray, k: int,
    query_figures: Sequence[tuple[str, ...]] | None = None, candidate_figures: Sequence[tuple[str, ...]] | None = None,
    chunk: int = CHUNK, block: int = BLOCK, floor: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best candidates of each query: (indices, scores), each queries x min(k, candidates), best first.

    Exact: scores are dot products of unit vectors (cosine similarity), less the figure penalty
    when figures are given. Ties go to the earlier candidate, so results do not depend on ``chunk``.
    Queries are searched in blocks of about ``block`` / ``chunk`` rows, so at most ``block`` scores
    are held at once whatever the number of queries. With ``floor`` (a caller that keeps only scores at
    or above it), only the results scoring at least ``floor`` are exact, and the figure rule is
    checked for far fewer pairs.
    """
    n_q, n_c = len(queries), len(candidates)
    k = min(k, n_c)
    if k <= 0 or n_q == 0:
        return np.zeros((n_q, max(k, 0)), dtype=np.int64), np.zeros((n_q, max(k, 0)), dtype=np.float32)
    chunk = max(1, chunk)
    rows = max(1, block // min(chunk, n_c))  # queries per block
    found = [_block_top(queries[q:q + rows], candidates, k, query_figures[q:q + rows] if query_figures is not None else None,
                        candidate_figures, chunk, floor)
             for q in range(0, n_q, rows)]
    return np.concatenate([i for i, _ in found]), np.concatenate([s for _, s in found])


def _block_top(
    queries: np.ndarray, candidates: np.ndarray, k: int,
    query_figures: Sequence[tuple[str, ...]] | None, candidate_figures: Sequence[tuple[str, ...]] | None, chunk: int,
    floor: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`top_k` for one block of queries, over the candidates a chunk at a time."""
    best_i = np.zeros((len(queries), 0), dtype=np.int64)
    best_s = np.zeros((len(queries), 0), dtype=np.float32)
    for start in range(0, len(candidates), chunk):
        sims = queries @ candidates[start:start + chunk].T
        figs = candidate_figures[start:start + chunk] if candidate_figures is not None else None
        part, scores = _chunk_top(sims, min(k, sims.shape[1]), query_figures, figs, floor)
        idx = np.concatenate([best_i, part + start], axis=1)
        sc = np.concatenate([best_s, scores.astype(np.float32)], axis=1)
        order = np.lexsort((idx, -sc), axis=1)[:, :k]  # score descending, then candidate index ascending
        best_i, best_s = np.take_along_axis(idx, order, axis=1), np.take_along_axis(sc, order, axis=1)
    return best_i, best_s


def similarities(query: str, candidates: Sequence[str], encoder: object) -> np.ndarray:
    """The score of each candidate text against ``query``, as :func:`top_k` scores a pair: posts normalised,
    cosine similarity of the encoder's vectors, less :data:`FIGURE_PENALTY` where the figures disagree."""
    if not candidates:
        return np.zeros(0, dtype=np.float32)
    texts = [normalise_post(query), *(normalise_post(t) for t in candidates)]
    vectors = encoder.encode(texts)  # type: ignore[attr-defined]
    scores = vectors[1:] @ vectors[0]
    own = figures(texts[0])
    penalty = [FIGURE_PENALTY if figures_conflict(own, figures(t)) else 0.0 for t in texts[1:]]
    return (scores - np.asarray(penalty, dtype=np.float32)).astype(np.float32)


@dataclass(frozen=True)
class Row:
    """One ``id<TAB>text`` row of a TSV, with its line."""

    id: str
    text: str
    line: int


@dataclass(frozen=True)
class Match:
    """One candidate found for one query."""

    query: str
    rank: int
    candidate: str
    score: float


def read_id_text_tsv(path: Path) -> tuple[list[Row], list[Problem]]:
    """The rows of a TSV with the header ``id<TAB>text`` (other columns ignored) and a problem per bad row.

    A file that cannot be read, or whose header lacks a column, is an :class:`InputError`; a row
    with a missing or empty field, or an id seen before, is a problem and is skipped.
    """
    handle = io.TextIOWrapper(open_input(path, InputError), encoding="utf-8-sig", errors="surrogateescape", newline="")  # a pipe too
    rows: list[Row] = []
    problems = FileProblems(str(path))  # a file of millions of bad rows: a thousand problems and a count
    seen: dict[str, int] = {}
    with handle:
        records = tsv_records(BoundedLines(handle, path, MAX_TSV_LINE_CHARS, "a row holds one claim; the row was skipped", InputError))
        try:
            names, (id_col, text_col) = tsv_header(records, path, ("id", "text"), "id<TAB>text", fold=True)
            for record in records:
                if isinstance(record, LocatedError):  # a line too long to hold: that row only
                    problems.append(Problem(file=str(path), line=record.line, message=record.message))
                    continue
                row, line = record.fields, record.line
                if not row or not any(cell.strip() for cell in row):
                    continue
                if undecodable(row):  # a byte that is no UTF-8: that row only
                    problems.append(Problem(file=str(path), line=line, message=NOT_UTF8_ROW))
                    continue
                if len(row) <= max(id_col, text_col):
                    problems.append(Problem(file=str(path), line=line, message=f"{len(row)} column(s) where the header has "
                                            f"{len(names)}; write 'id<TAB>text' with one tab; the row was skipped"))
                    continue
                row_id, text = row[id_col].strip(), row[text_col].strip()
                if not row_id or not text:
                    field = "id" if not row_id else "text"
                    problems.append(Problem(file=str(path), line=line, message=f"empty {field}; every row needs an id and a text; the row was skipped"))
                    continue
                if row_id in seen:
                    problems.append(Problem(file=str(path), line=line, message=f"id {row_id!r} already used on line {seen[row_id]}; "
                                            "ids must be unique; the row was skipped"))
                    continue
                seen[row_id] = line
                rows.append(Row(row_id, text, line))
        except UnicodeDecodeError as exc:
            raise InputError(path, "not UTF-8 text; save it as UTF-8") from exc
    return rows, problems.listed()


def match_rows(queries: Sequence[str], candidates: Sequence[str], k: int, encoder: object) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (indices, scores) of each query text among the candidate texts: posts normalised, encoded, searched."""
    q_text = [normalise_post(t) for t in queries]
    c_text = [normalise_post(t) for t in candidates]
    q_vec = encoder.encode(q_text)  # type: ignore[attr-defined]
    c_vec = encoder.encode(c_text)  # type: ignore[attr-defined]
    return top_k(q_vec, c_vec, k, [figures(t) for t in q_text], [figures(t) for t in c_text])


def match_tsv(queries: Path, candidates: Path, k: int, out: TextIO, encoder: object | None = None,
              on_encode: Callable[[int], None] | None = None) -> list[Problem]:
    """Write ``query_id<TAB>rank<TAB>candidate_id<TAB>score`` for the top ``k`` candidates of each query; returns the bad rows.
    ``on_encode(n)`` is told how many sentences will be encoded, before they are (minutes for tens of thousands)."""
    q_rows, q_problems = read_id_text_tsv(queries)
    c_rows, c_problems = read_id_text_tsv(candidates)
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(["query_id", "rank", "candidate_id", "score"])
    if q_rows and c_rows:
        if on_encode is not None:
            on_encode(len(q_rows) + len(c_rows))
        if encoder is None:
            from factflow.encoder import SentenceEncoder

            encoder = SentenceEncoder.load()
        idx, scores = match_rows([r.text for r in q_rows], [r.text for r in c_rows], k, encoder)
        for qi, row in enumerate(q_rows):
            for rank, (ci, score) in enumerate(zip(idx[qi], scores[qi], strict=True), start=1):
                writer.writerow([row.id, rank, c_rows[int(ci)].id, f"{float(score):.4f}"])
    return q_problems + c_problems

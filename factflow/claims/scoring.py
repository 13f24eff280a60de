"""The scorer: one place that turns sentences into check-worthiness scores, reasons and a type.

The detectors are registered in :mod:`factflow.claims.registry` (``minilm``, the default: a
fine-tuned transformer; ``ngram``: the trained n-gram model; ``blend``: the n-gram log-odds plus
fitted weights for the signals against a claim in news; ``signals``: the signals alone). This
module holds their model classes and the :class:`Scorer` that applies the rules common to all:
the signals give the ``reasons`` and the type, and a question, prediction, opinion or promotion is never a
claim: its score is capped below the threshold. The flow and ``factflow claims score`` use it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from factflow.claims import registry
from factflow.claims.detector import Detector, default_detector, logistic
from factflow.claims.signals import Assessment, assess
from factflow.errors import InputError, LocatedError
from factflow.fileio import MAX_TSV_LINE_CHARS, BoundedLines, open_input
from factflow.models import FileProblems, Problem
from factflow.tsvio import NOT_UTF8_ROW, tsv_header, tsv_records, undecodable

#: How far below the threshold a sentence that cannot be checked is placed.
_NOT_CHECKABLE_MARGIN = 0.01
#: Sentences a process remembers the assessment of, per model (least recently used forgotten first).
MEMO_SIZE = 65_536


class _Memo:
    """The assessments of sentences scored lately in this process, per loaded model and threshold.

    A desk's corpus repeats sentences across documents and batches: wire copy republished by many
    outlets, a site's standing lines, a story updated with one figure changed. A sentence's
    assessment depends only on the model, the threshold and the sentence (the transformer scores
    each sentence alone), so a repeat costs a look-up instead of a model run. Bounded: about
    65,000 sentences, at most about 45 MB (690 bytes a sentence, measured on news sentences).
    Keyed by the model object (weakly), so a model loaded again, or a
    test's stand-in, never sees another's results.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()  # the flow's thread pool may run two batches at once
        self._by_model: weakref.WeakKeyDictionary[object, OrderedDict[tuple[float, str], Assessment]] = weakref.WeakKeyDictionary()

    def known(self, model: object, threshold: float, sentences: Sequence[str]) -> dict[str, Assessment]:
        """The remembered assessments of these sentences (those there are)."""
        with self._lock:
            entries = self._by_model.get(model)
            if not entries:
                return {}
            found = {}
            for sentence in sentences:
                result = entries.get((threshold, sentence))
                if result is not None:
                    entries.move_to_end((threshold, sentence))
                    found[sentence] = result
            return found

    def remember(self, model: object, threshold: float, results: dict[str, Assessment]) -> None:
        """Keep these assessments, forgetting the least recently used beyond the size."""
        if self.size <= 0:
            return
        with self._lock:
            entries = self._by_model.setdefault(model, OrderedDict())
            entries.update(((threshold, sentence), result) for sentence, result in results.items())
            self._trim(entries)

    def resize(self, size: int) -> None:
        """Remember at most ``size`` sentences per model from now on, forgetting the least recently used beyond it."""
        with self._lock:
            self.size = size
            for entries in self._by_model.values():
                self._trim(entries)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._by_model.clear()

    def _trim(self, entries: OrderedDict[tuple[float, str], Assessment]) -> None:
        while len(entries) > max(self.size, 0):
            entries.popitem(last=False)


_MEMO = _Memo(MEMO_SIZE)


def sentence_key(sentence: str) -> str:
    """The key of a sentence's score kept between runs (:meth:`Scorer.assess_many`'s ``scored``)."""
    return hashlib.blake2b(sentence.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _given(scored: Mapping[str, float], sentence: str) -> float | None:
    score = scored.get(sentence_key(sentence))
    # A kept score is the cache's, in the output folder: anything but a number in [0, 1] is ignored.
    return score if isinstance(score, float) and 0.0 <= score <= 1.0 else None


def remember_sentences(size: int = MEMO_SIZE) -> None:
    """Remember at most ``size`` sentences' assessments per model from now on; 0 forgets them all and
    remembers none (a benchmark of the model's own speed, which scores the same sentences again)."""
    _MEMO.resize(size)


def forget_sentences() -> None:
    """Forget every remembered assessment (as a new process would start)."""
    _MEMO.clear()


@dataclass(frozen=True)
class Scorer:
    """Scores sentences with one detector and decides claims at one threshold."""

    detector: str
    threshold: float
    model: registry.Model

    def assess_many(self, sentences: Sequence[str], scored: Mapping[str, float] | None = None) -> list[Assessment]:
        """Score, reasons, type and checkability of each sentence; the detector sees those not seen lately
        (see :class:`_Memo`) as one batch, each distinct sentence once.

        ``scored``: scores this scorer gave sentences before (an earlier run's), by :func:`sentence_key`;
        a sentence found there is not run through the detector again (its reasons and type, cheap
        to find, are found again). Only a score in [0, 1] is taken.
        """
        known = _MEMO.known(self.model, self.threshold, sentences)
        todo = list(dict.fromkeys(s for s in sentences if s not in known))
        if todo:
            fresh = dict(zip(todo, self._assess_all(todo, scored or {}), strict=True))
            _MEMO.remember(self.model, self.threshold, fresh)
            known.update(fresh)
        return [known[s] for s in sentences]

    def _assess_all(self, sentences: Sequence[str], scored: Mapping[str, float]) -> list[Assessment]:
        signals = [assess(s) for s in sentences]
        given = [_given(scored, s) for s in sentences] if scored else [None] * len(sentences)
        todo = [i for i, score in enumerate(given) if score is None]
        fresh = iter(self.model.scores([sentences[i] for i in todo], [signals[i] for i in todo]) if todo else [])
        cap = max(0.0, self.threshold - _NOT_CHECKABLE_MARGIN)
        out = []
        for score, found in zip(given, signals, strict=True):
            if score is None:
                raw = next(fresh)
                score = round(raw if found.checkable else min(raw, cap), 4)
            out.append(Assessment(score=score, reasons=found.reasons, type=found.type, checkable=found.checkable))
        return out

    def assess(self, sentence: str) -> Assessment:
        """Score, reasons, type and checkability of one sentence."""
        return self.assess_many([sentence])[0]

    def is_claim(self, result: Assessment) -> bool:
        """Whether an assessed sentence is a claim at this scorer's threshold."""
        return result.checkable and result.score >= self.threshold


class NgramModel:
    """The trained n-gram model alone, at its shipped threshold."""

    def __init__(self, detector: Detector) -> None:
        """Wrap a loaded n-gram detector."""
        self.detector = detector
        self.threshold = detector.threshold

    @classmethod
    def load(cls) -> NgramModel:
        """The packaged n-gram model."""
        return cls(default_detector())

    def scores(self, sentences: Sequence[str], signals: Sequence[Assessment]) -> list[float]:
        """The n-gram model's probability of each sentence."""
        return [self.detector.score(s) for s in sentences]


#: The signals' own decision threshold (their score is a logistic of summed weights).
SIGNALS_THRESHOLD = 0.5


class SignalsModel:
    """The interpretable signals alone."""

    threshold = SIGNALS_THRESHOLD

    def scores(self, sentences: Sequence[str], signals: Sequence[Assessment]) -> list[float]:
        """The signals' own score of each sentence."""
        return [found.score for found in signals]


# BEGIN fitted by scripts/fit_scorer.py (do not edit by hand)
BLEND_BIAS = -1.1889
BLEND_WEIGHTS: dict[str, float] = {"ngram": 1.1463, "question": -0.1481, "prediction": -0.223, "normative": -0.1375, "link": -2.3717, "credit line": -0.7275, "promotional": -0.6669, "advice": -0.2163, "fragment": -2.6646, "heading": -1.2011}
BLEND_THRESHOLD = 0.355
BLEND_FIT: dict[str, object] = {"C": 3.0, "weights_on": "news-dev+dev", "threshold_on": "news-dev+dev+dev-test", "inputs": "against", "cv_p_r_f1_ap": {"news-dev": [0.54, 0.763, 0.632, 0.701], "dev": [0.871, 0.849, 0.86, 0.951]}}
# END fitted by scripts/fit_scorer.py


def blend_score(ngram_logit: float, signals: list[str]) -> float:
    """The blend: a logistic of the n-gram log-odds and the fitted weights of the signals found."""
    return logistic(BLEND_BIAS + BLEND_WEIGHTS["ngram"] * ngram_logit + sum(BLEND_WEIGHTS.get(name, 0.0) for name in signals))


class BlendModel:
    """The n-gram model's log-odds plus the fitted weights of the signals against a claim."""

    threshold = BLEND_THRESHOLD

    def __init__(self, detector: Detector) -> None:
        """Wrap a loaded n-gram detector."""
        self.detector = detector

    @classmethod
    def load(cls) -> BlendModel:
        """The blend over the packaged n-gram model."""
        return cls(default_detector())

    def scores(self, sentences: Sequence[str], signals: Sequence[Assessment]) -> list[float]:
        """The blend's probability of each sentence."""
        return [blend_score(self.detector.logit(s), [r.signal for r in found.reasons]) for s, found in zip(sentences, signals, strict=True)]


class TransformerModel:
    """The fine-tuned transformer, screened by the n-gram model (see :mod:`factflow.claims.transformer`)."""

    def __init__(self, transformer, ngram: Detector) -> None:  # type: ignore[no-untyped-def]
        """Wrap a loaded transformer detector and the n-gram model that screens for it."""
        self.transformer = transformer
        self.ngram = ngram
        self.threshold: float = transformer.threshold

    @classmethod
    def load(cls) -> TransformerModel:
        """The packaged transformer and n-gram models."""
        from factflow.claims.transformer import TransformerDetector

        return cls(TransformerDetector.load(), default_detector())

    def scores(self, sentences: Sequence[str], signals: Sequence[Assessment]) -> list[float]:
        """Calibrated probabilities; the n-gram model's sure negatives and the sentences the gate keeps out
        (questions, predictions, opinions, promotions: see :class:`Scorer`) skip the transformer."""
        return self.transformer.scores(sentences, [self.ngram.logit(s) for s in sentences], [not found.checkable for found in signals])


def make_scorer(detector: str = registry.DEFAULT, threshold: float | None = None) -> Scorer:
    """The scorer for a registered detector; ``threshold`` None means the detector's shipped threshold."""
    model = registry.get(detector).load()
    return Scorer(detector=detector, threshold=model.threshold if threshold is None else threshold, model=model)


def read_sentences_tsv(path: Path, problems: FileProblems) -> Iterator[tuple[str, str]]:
    """(Sentence_id, Text) rows of a TSV with a ``Sentence_id<TAB>Text`` header (other columns ignored).

    Rows are read as :func:`factflow.tsvio.tsv_records` reads them: CSV quoting where it is sound, the
    line as written where it is not (a sentence that starts or opens a quotation keeps its quotes).
    A row without a text column, or too long to hold, is a problem in ``problems`` and skipped; a file
    that cannot be read, or whose header lacks a column, is an :class:`InputError`.
    """
    # A byte that is no UTF-8 costs its row (scores already written stay right): surrogateescape marks it.
    handle = io.TextIOWrapper(open_input(path, InputError), encoding="utf-8-sig", errors="surrogateescape", newline="")  # a pipe too
    with handle:
        records = tsv_records(BoundedLines(handle, path, MAX_TSV_LINE_CHARS, "a row holds one sentence; the row was skipped", InputError))
        try:
            names, (id_col, text_col) = tsv_header(records, path, ("Sentence_id", "Text"), "Sentence_id<TAB>Text", fold=True)
            for record in records:
                if isinstance(record, LocatedError):
                    problems.append(Problem(file=str(path), line=record.line, message=record.message))
                elif undecodable(record.fields):
                    problems.append(Problem(file=str(path), line=record.line, message=NOT_UTF8_ROW))
                elif len(record.fields) > max(id_col, text_col):
                    yield record.fields[id_col], record.fields[text_col]
                elif record.fields and any(field.strip() for field in record.fields):
                    problems.append(Problem(file=str(path), line=record.line, message=(
                        f"{len(record.fields)} column(s) where the header has {len(names)}; write "
                        "'Sentence_id<TAB>Text' with a tab between them; the row was skipped")))
        except UnicodeDecodeError as exc:
            raise InputError(path, "not UTF-8 text; save it as UTF-8") from exc


def _chain(first: tuple[str, str] | None, rest: Iterator[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    if first is not None:
        yield first
        yield from rest


#: Rows scored together by ``score_tsv``: one batch for the detector, then written in order.
_TSV_BATCH = 256


def score_tsv(path: Path, scorer: Scorer, out: TextIO, problems: FileProblems) -> int:
    """Write ``Sentence_id<TAB>score<TAB>label`` for every input row, in order; returns the rows scored.
    A row that cannot be read is added to ``problems`` and has no output row."""
    rows = read_sentences_tsv(path, problems)
    first = next(rows, None)  # the header is checked before anything is written
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(["Sentence_id", "score", "label"])
    count = 0
    batch: list[tuple[str, str]] = []

    def flush() -> None:
        for (sentence_id, _), result in zip(batch, scorer.assess_many([t for _, t in batch]), strict=True):
            writer.writerow([sentence_id, f"{result.score:.4f}", "Yes" if scorer.is_claim(result) else "No"])
        batch.clear()

    for row in _chain(first, rows):
        batch.append(row)
        count += 1
        if len(batch) >= _TSV_BATCH:
            flush()
    flush()
    return count

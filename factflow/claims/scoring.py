"""The scorer: one place that turns a sentence into a check-worthiness score, reasons and a type.

Three detectors:

* ``ngram`` (the default): the trained n-gram model alone, at its own shipped threshold;
* ``blend``: the n-gram model's log-odds plus the signals against a claim that debate-trained
  models miss in news (links, credit lines, headings, fragments, promotional copy, advice,
  predictions, normative words), in one logistic function whose weights ``scripts/fit_scorer.py``
  fits on ClaimBuster dev and the hand-labelled news development set
  (``bench/news-dev-labels.tsv``) and whose threshold it chooses with dev-test too (dev-test may
  choose thresholds but train no shipped model); more precise on news, weaker on debates;
* ``signals``: the interpretable signals alone.

Whatever the detector, the signals give the ``reasons`` and the type, and a question, prediction
or opinion is never a claim: its score is capped below the threshold. The flow and
``factflow claims score`` use this scorer.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TextIO

from factflow.claims.signals import Assessment, assess
from factflow.errors import InputError

#: How far below the threshold a sentence that cannot be checked is placed.
_NOT_CHECKABLE_MARGIN = 0.01


@dataclass(frozen=True)
class Scorer:
    """Scores sentences with one detector and decides claims at one threshold."""

    detector: str
    threshold: float

    def assess(self, sentence: str) -> Assessment:
        """Score, reasons, type and checkability of one sentence."""
        signals = assess(sentence)
        if self.detector == "signals":
            score = signals.score
        elif self.detector == "ngram":
            score = _ngram().score(sentence)
        else:
            score = blend_score(_ngram().logit(sentence), [r.signal for r in signals.reasons])
        if not signals.checkable:
            score = min(score, max(0.0, self.threshold - _NOT_CHECKABLE_MARGIN))
        return Assessment(score=round(score, 4), reasons=signals.reasons, type=signals.type, checkable=signals.checkable)

    def is_claim(self, result: Assessment) -> bool:
        """Whether an assessed sentence is a claim at this scorer's threshold."""
        return result.checkable and result.score >= self.threshold


@lru_cache(maxsize=1)
def _ngram():  # type: ignore[no-untyped-def]
    from factflow.claims.detector import default_detector

    return default_detector()


#: The signals' own decision threshold (their score is a logistic of summed weights).
SIGNALS_THRESHOLD = 0.5
#: The detectors a scorer can use; the first is the default.
DETECTORS = ("blend", "ngram", "signals")

# BEGIN fitted by scripts/fit_scorer.py (do not edit by hand)
BLEND_BIAS = -1.1889
BLEND_WEIGHTS: dict[str, float] = {"ngram": 1.1463, "question": -0.1481, "prediction": -0.223, "normative": -0.1375, "link": -2.3717, "credit line": -0.7275, "promotional": -0.6669, "advice": -0.2163, "fragment": -2.6646, "heading": -1.2011}
BLEND_THRESHOLD = 0.355
BLEND_FIT: dict[str, object] = {"C": 3.0, "weights_on": "news-dev+dev", "threshold_on": "news-dev+dev+dev-test", "inputs": "against", "cv_p_r_f1_ap": {"news-dev": [0.54, 0.763, 0.632, 0.701], "dev": [0.871, 0.849, 0.86, 0.951]}}
# END fitted by scripts/fit_scorer.py


def blend_score(ngram_logit: float, signals: list[str]) -> float:
    """The blend: a logistic of the n-gram log-odds and the fitted weights of the signals found."""
    z = BLEND_BIAS + BLEND_WEIGHTS["ngram"] * ngram_logit + sum(BLEND_WEIGHTS.get(name, 0.0) for name in signals)
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def make_scorer(detector: str = "ngram", threshold: float | None = None) -> Scorer:
    """The scorer for a detector name; ``threshold`` None means the detector's shipped threshold."""
    if detector not in DETECTORS:
        raise ValueError(f"unknown detector {detector!r}; choose one of {', '.join(DETECTORS)}")
    if threshold is None:
        if detector == "signals":
            threshold = SIGNALS_THRESHOLD
        elif detector == "blend":
            threshold = BLEND_THRESHOLD
        else:
            threshold = _ngram().threshold
    return Scorer(detector=detector, threshold=threshold)


def read_sentences_tsv(path: Path) -> Iterator[tuple[str, str]]:
    """(Sentence_id, Text) rows of a TSV with a ``Sentence_id<TAB>Text`` header (other columns ignored)."""
    csv.field_size_limit(2**31 - 1)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from exc
    with handle:
        reader = csv.reader(handle, delimiter="\t")
        try:
            header = next(reader, None)
            if header is None:
                raise InputError(path, "empty file; expected a header line 'Sentence_id<TAB>Text'", line=1)
            missing = [c for c in ("Sentence_id", "Text") if c not in header]
            if missing:
                raise InputError(
                    path, f"missing column(s) {', '.join(missing)} in the header; found {', '.join(header) or 'nothing'}; "
                    "expected 'Sentence_id<TAB>Text' (a class_label column may follow)", line=1,
                )
            id_col, text_col = header.index("Sentence_id"), header.index("Text")
            for row in reader:
                if not row:
                    continue
                if len(row) <= max(id_col, text_col):
                    raise InputError(path, f"row has {len(row)} column(s), the header {len(header)}", line=reader.line_num)
                yield row[id_col], row[text_col]
        except csv.Error as exc:
            raise InputError(path, f"not valid TSV: {exc}", line=reader.line_num) from exc
        except UnicodeDecodeError as exc:
            raise InputError(path, "not UTF-8 text; save it as UTF-8") from exc


def _chain(first: tuple[str, str] | None, rest: Iterator[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    if first is not None:
        yield first
        yield from rest


def score_tsv(path: Path, scorer: Scorer, out: TextIO) -> int:
    """Write ``Sentence_id<TAB>score<TAB>label`` for every input row, in order; returns the row count."""
    rows = read_sentences_tsv(path)
    first = next(rows, None)  # the header is checked before anything is written
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(["Sentence_id", "score", "label"])
    count = 0
    for sentence_id, text in _chain(first, rows):
        result = scorer.assess(text)
        writer.writerow([sentence_id, f"{result.score:.4f}", "Yes" if scorer.is_claim(result) else "No"])
        count += 1
    return count

"""The shipped scorer: the blend of the n-gram model and the signals, its constants and gating."""

from __future__ import annotations

import math

import pytest

from factflow.claims import scoring
from factflow.claims.detector import default_detector
from factflow.claims.scoring import BLEND_THRESHOLD, BLEND_WEIGHTS, blend_score, make_scorer
from factflow.claims.signals import _WEIGHTS
from factflow.config import ClaimsConfig


def test_ngram_is_the_default_detector_and_blend_has_its_own_threshold() -> None:
    scorer = make_scorer(ClaimsConfig().detector)
    assert scorer.detector == "ngram" and scorer.threshold == default_detector().threshold
    assert make_scorer("blend").threshold == BLEND_THRESHOLD


def test_unknown_detector_is_refused() -> None:
    with pytest.raises(ValueError, match="blend, ngram, signals"):
        make_scorer("bert")


def test_blend_weights_only_lower_for_signals_against_a_claim() -> None:
    # The reasons say "lowers" for these signals, so the blend must not raise the score with them.
    assert BLEND_WEIGHTS["ngram"] > 0
    for name, weight in BLEND_WEIGHTS.items():
        if name != "ngram":
            assert name in _WEIGHTS and weight * _WEIGHTS[name] > 0, name


def test_blend_score_is_the_logistic_of_the_weighted_sum() -> None:
    z = 0.8
    expected = scoring.BLEND_BIAS + BLEND_WEIGHTS["ngram"] * z + BLEND_WEIGHTS["link"]
    assert blend_score(z, ["link", "not a fitted signal"]) == pytest.approx(1 / (1 + math.exp(-expected)))
    assert blend_score(-1e6, []) == 0.0 and blend_score(1e6, []) == 1.0


def test_blend_demotes_news_furniture_the_ngram_model_flags() -> None:
    blend, ngram = make_scorer("blend"), make_scorer("ngram")
    line = "Source: http://silveristhenew.com/2018/01/23/richmond-fed-suffers-biggest-2-month-drop-since-2006/"
    assert ngram.is_claim(ngram.assess(line)) and not blend.is_claim(blend.assess(line))
    fact = "Unemployment fell to 4.1 percent in 2019, according to the Labor Department."
    assert blend.is_claim(blend.assess(fact))


def test_questions_are_never_claims_whatever_the_blend_says() -> None:
    scorer = make_scorer("blend", threshold=0.0001)
    result = scorer.assess("Did unemployment fall to 4.1 percent in 2019?")
    assert result.type == "question" and not scorer.is_claim(result) and result.score < 0.0001

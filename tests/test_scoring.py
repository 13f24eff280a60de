"""The shipped scorer: the blend of the n-gram model and the signals, its constants and gating."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from factflow.claims import registry, scoring
from factflow.claims.detector import default_detector
from factflow.claims.scoring import BLEND_THRESHOLD, BLEND_WEIGHTS, blend_score, make_scorer
from factflow.claims.signals import _WEIGHTS
from factflow.claims.transformer import TransformerDetector
from factflow.config import ClaimsConfig
from factflow.errors import ConfigError, UnknownNameError


def test_minilm_is_the_default_detector_and_each_detector_has_its_own_threshold() -> None:
    scorer = make_scorer(ClaimsConfig().detector)
    assert registry.DEFAULT == "minilm" and scorer.detector == "minilm"
    assert scorer.threshold == TransformerDetector.load().threshold
    assert make_scorer("ngram").threshold == default_detector().threshold
    assert make_scorer("blend").threshold == BLEND_THRESHOLD


def test_unknown_detector_is_a_config_error_with_the_known_names() -> None:
    with pytest.raises(UnknownNameError, match="claims.detector: unknown detector 'bert'; choose one of minilm, ngram, blend, signals") as caught:
        make_scorer("bert")
    assert isinstance(caught.value, ConfigError)


def test_config_cli_and_registry_name_the_same_detectors() -> None:
    from factflow_flows.desk import claims_score

    option = next(p for p in claims_score.params if p.name == "detector")
    assert tuple(option.type.choices) == registry.names()  # type: ignore[attr-defined]
    for name in registry.names():
        assert ClaimsConfig(detector=name).detector == name
    with pytest.raises(ValueError, match="unknown detector 'bert'; choose one of minilm"):
        ClaimsConfig(detector="bert")


def test_a_new_detector_is_one_registration() -> None:
    class Constant:
        threshold = 0.5

        def scores(self, sentences: Sequence[str], signals: Sequence[object]) -> list[float]:
            return [0.9 for _ in sentences]

    try:
        registry.register("constant-test", "always 0.9")(Constant)
        assert "constant-test" in registry.names()
        assert ClaimsConfig(detector="constant-test").detector == "constant-test"
        scorer = make_scorer("constant-test")
        assert scorer.assess("The plant closed in 2015.").score == 0.9
        # The gate holds whatever the detector says.
        assert not scorer.is_claim(scorer.assess("Will the plant close in 2015?"))
        with pytest.raises(ValueError, match="registered twice"):
            registry.register("constant-test", "again")(Constant)
    finally:
        registry._REGISTRY.pop("constant-test", None)


def test_a_batch_scores_as_its_sentences_do_one_by_one() -> None:
    scoring.remember_sentences(0)  # else the second scoring would be the first's, remembered
    sentences = [
        "Unemployment fell to 4.1 percent in March, the lowest rate since 2000, the Labor Department said.",
        "Click here to subscribe.",
        "Russia has deployed S-400 missiles to Syria, the ministry said.",
        "I think we should be kinder.",
    ]
    for name in registry.names():
        scorer = make_scorer(name)
        batch = scorer.assess_many(sentences)
        assert [r.score for r in batch] == pytest.approx([scorer.assess(s).score for s in sentences], abs=2e-4), name
    assert make_scorer().assess_many([]) == []


class Counting:
    """A detector that counts the sentences it scores; its score is the sentence's length, scaled."""

    threshold = 0.5

    def __init__(self) -> None:
        self.seen: list[str] = []

    def scores(self, sentences: Sequence[str], signals: Sequence[object]) -> list[float]:
        self.seen.extend(sentences)
        return [min(len(s) / 100, 1.0) for s in sentences]


def test_a_repeated_sentence_is_scored_once_per_process_and_assessed_the_same() -> None:
    model = Counting()
    scorer = scoring.Scorer(detector="counting", threshold=0.5, model=model)
    first = scorer.assess_many(["The plant closed in 2015.", "Will it reopen?", "The plant closed in 2015."])
    assert model.seen == ["The plant closed in 2015.", "Will it reopen?"]  # a batch's repeat is scored once
    again = scorer.assess_many(["Will it reopen?", "Output fell by 40 percent, the firm said.", "The plant closed in 2015."])
    assert model.seen[2:] == ["Output fell by 40 percent, the firm said."]  # so is a later batch's
    assert again[0] == first[1] and again[2] == first[0] == first[2]
    # Another threshold, another model object: neither sees this one's results.
    other = Counting()
    assert scoring.Scorer(detector="counting", threshold=0.5, model=other).assess_many(["Will it reopen?"]) == [first[1]]
    assert other.seen == ["Will it reopen?"]
    scoring.Scorer(detector="counting", threshold=0.3, model=model).assess_many(["The plant closed in 2015."])
    assert model.seen[3:] == ["The plant closed in 2015."]


def test_the_memo_forgets_the_least_recently_used_beyond_its_size() -> None:
    model = Counting()
    scorer = scoring.Scorer(detector="counting", threshold=0.5, model=model)
    scoring.remember_sentences(2)
    scorer.assess_many(["One a.", "Two b."])
    scorer.assess_many(["One a."])  # used lately: "Two b." is now the oldest
    scorer.assess_many(["Three c."])
    assert model.seen == ["One a.", "Two b.", "Three c."]
    scorer.assess_many(["One a.", "Two b."])
    assert model.seen[3:] == ["Two b."]
    scoring.remember_sentences(0)  # none: every call scores again
    scorer.assess_many(["One a.", "One a."])
    scorer.assess_many(["One a."])
    assert model.seen[4:] == ["One a.", "One a."]


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


def test_scores_kept_from_an_earlier_run_spare_the_detector_and_give_the_same_assessments() -> None:
    sentences = ["The plant closed in 2015.", "Will it reopen?", "Output fell by 40 percent, the firm said."]
    fresh = scoring.Scorer(detector="counting", threshold=0.5, model=Counting()).assess_many(sentences)
    model = Counting()
    scorer = scoring.Scorer(detector="counting", threshold=0.5, model=model)
    kept = {scoring.sentence_key(s): a.score for s, a in zip(sentences, fresh, strict=True)}
    del kept[scoring.sentence_key(sentences[2])]
    assert scorer.assess_many(sentences, kept) == fresh  # the question's kept score is its capped one: the gate still holds
    assert model.seen == [sentences[2]]
    # A kept score that is not a number in [0, 1] (a damaged cache) is not taken: the detector scores the sentence.
    model = Counting()
    scorer = scoring.Scorer(detector="counting", threshold=0.5, model=model)
    damaged = {scoring.sentence_key(sentences[0]): 7.0, scoring.sentence_key(sentences[1]): "0.3", scoring.sentence_key(sentences[2]): float("nan")}
    assert scorer.assess_many(sentences, damaged) == fresh  # type: ignore[arg-type]
    assert model.seen == sentences

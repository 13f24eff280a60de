"""The packaged check-worthiness detector: its file, its scores, and its accuracy on the newer debates."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from factflow.claims.detector import MODEL_FILE, Detector, Featurizer, default_detector

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "factflow" / "claims" / MODEL_FILE
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "checkworthy"
WORTHY = "Unemployment fell to 4.1 percent in 2019, according to the Labor Department."
NOT_WORTHY = "Thank you all for coming tonight."
SENTENCES = [
    WORTHY,
    NOT_WORTHY,
    "The bill cut taxes for 80% of families and added $1.5 trillion to the deficit.",
    "Why is it on the ballot?",
    "",
    "   ",
    "?!",
    "Café résumé naïve — “quoted” text with emoji 🙂 and ٣ digits.",
    "x" * 5000,
    "CLICK HERE TO SUBSCRIBE!!!",
]


def test_model_file_loads_without_pickle_and_is_small() -> None:
    assert MODEL.stat().st_size <= 5 * 1024 * 1024
    with np.load(MODEL, allow_pickle=False) as npz:
        assert set(npz.files) == {"weights", "header"}
        header = json.loads(bytes(npz["header"]).decode("utf-8"))
        assert npz["weights"].dtype == np.float16
        assert npz["weights"].size == 1 << header["features"]["bits"]
    assert 0.0 < header["threshold"] < 1.0
    assert set(header["training"]["data"]) >= {"train.tsv", "dev.tsv"}
    assert header["training"]["trained_on"] == "train.tsv"
    with zipfile.ZipFile(MODEL) as zf:
        assert sorted(zf.namelist()) == ["header.npy", "weights.npy"]


def test_default_detector_is_cached_and_matches_the_file() -> None:
    det = default_detector()
    assert det is default_detector()
    assert det.name
    from_path = Detector.load(MODEL)
    assert from_path.threshold == det.threshold
    assert from_path.score(WORTHY) == det.score(WORTHY)


def test_scores_are_probabilities() -> None:
    for score in default_detector().score_many(SENTENCES):
        assert isinstance(score, float)
        assert 0.0 <= score <= 1.0


def test_obvious_sentences_fall_on_either_side_of_the_threshold() -> None:
    det = default_detector()
    assert det.score(WORTHY) > det.threshold
    assert det.score(NOT_WORTHY) < det.threshold


def test_score_many_equals_score_per_item() -> None:
    det = default_detector()
    assert det.score_many(SENTENCES) == [det.score(s) for s in SENTENCES]
    assert det.score_many([]) == []


def test_scores_are_identical_in_other_processes() -> None:
    # Python's str hash() is salted per process; different PYTHONHASHSEEDs would expose any use of it.
    here = default_detector().score_many(SENTENCES)
    code = "import json, sys; from factflow.claims.detector import default_detector; print(json.dumps(default_detector().score_many(json.load(sys.stdin))))"
    for seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        out = subprocess.run([sys.executable, "-c", code], input=json.dumps(SENTENCES), capture_output=True, text=True, env=env, check=True, timeout=60)
        assert json.loads(out.stdout) == here


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    det = default_detector()
    path = tmp_path / "copy.npz"
    det.save(path)
    again = Detector.load(path)
    assert again.score_many(SENTENCES) == det.score_many(SENTENCES)
    assert again.threshold == det.threshold


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, something=np.zeros(3))
    with pytest.raises(ValueError, match="not a check-worthiness model"):
        Detector.load(path)


def test_f1_on_newer_debates() -> None:
    path = DATA / "dev-test.tsv"
    if not path.is_file():
        pytest.skip(f"check-worthiness data not found at {path} (../shared/data/checkworthy is not part of the repo)")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    det = default_detector()
    y = np.array([r["class_label"] == "Yes" for r in rows])
    pred = np.array(det.score_many([r["Text"] for r in rows])) >= det.threshold
    tp = int(np.sum(pred & y))
    precision, recall = tp / max(int(pred.sum()), 1), tp / int(y.sum())
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.80, f"F1 (Yes) on dev-test {f1:.3f} (P {precision:.3f}, R {recall:.3f})"


def _reference_char_grams(featurizer: Featurizer, token: str) -> list[int]:
    """The char block of one token, as the module docstring defines it."""
    if not token[0].isalnum():
        return []
    padded = f" {token} "
    return [zlib.crc32(padded[i:i + n].encode("utf-8"), featurizer.char_seed) & ((1 << featurizer.bits) - 1)
            for n in range(featurizer.char_min, min(featurizer.char_max, len(padded)) + 1) for i in range(len(padded) - n + 1)]


def test_long_tokens_give_the_buckets_the_definition_gives_cached_or_not() -> None:
    featurizer = default_detector().featurizer
    tokens = ["syria", "https://example.org/" + "a1b2" * 40, "é" * 70 + "x", "b" * 64, "c" * 65]
    text = " ".join(tokens)
    expected = [g for token in featurizer.tokens(text) for g in _reference_char_grams(featurizer, token)]
    for _ in range(2):  # the second time from the cache, where tokens are cached
        assert featurizer.indices(text)[1] == expected
        assert featurizer.distinct(text)[1] == set(expected)


def test_a_long_token_is_scored_without_holding_its_buckets() -> None:
    """A 'word' with no space (a one-line dump in a TSV row for claims score, or a sentence when
    claims.max_sentence_chars is raised) held four buckets a character in a list, and in the cache:
    a 2-million-character token took 460 MB, a 50 MB row 9.6 GB."""
    detector = default_detector()
    text = "ab" * 50_000  # few distinct buckets: what is held is the list, not the set
    detector.score("warm up the model and its cache")
    tracemalloc.start()
    try:
        score = detector.score(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 0.0 <= score <= 1.0
    assert peak < 5_000_000, f"{peak / 1e6:.0f} MB"

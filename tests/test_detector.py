"""The packaged check-worthiness detector: its file, its scores, and its accuracy on the newer debates."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from factflow.claims.detector import MODEL_FILE, Detector, default_detector

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

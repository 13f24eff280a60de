#!/usr/bin/env python3
"""Benchmark the packaged check-worthiness detector on labelled sentence files.

    python bench/checkworthiness.py ../shared/data/checkworthy/dev.tsv ../shared/data/checkworthy/dev-test.tsv

Each file is TSV with a header ``Sentence_id<TAB>Text<TAB>class_label`` (Yes/No). Prints, per file,
precision, recall and F1 of the Yes class at the shipped threshold and the average precision;
then scoring speed (one sentence per call, as the pipeline scores), the model file's size and
its load time. Needs numpy only.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def detector_module() -> ModuleType:
    """factflow.claims.detector, imported from the package or, if the package's other dependencies are missing, by path."""
    sys.path.insert(0, str(ROOT))
    try:
        from factflow.claims import detector

        return detector
    except ImportError:
        path = ROOT / "factflow" / "claims" / "detector.py"
        spec = importlib.util.spec_from_file_location("factflow_claims_detector", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return module


def read_tsv(path: Path) -> tuple[list[str], np.ndarray]:
    """Texts and 0/1 labels (Yes = 1)."""
    texts: list[str] = []
    labels: list[bool] = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        if not {"Text", "class_label"} <= set(reader.fieldnames or []):
            raise SystemExit(f"error: {path}: expected columns Sentence_id, Text, class_label; got {reader.fieldnames}")
        for row in reader:
            texts.append(row["Text"])
            labels.append(row["class_label"].strip() == "Yes")
    return texts, np.asarray(labels, dtype=np.int64)


def average_precision(y: np.ndarray, scores: np.ndarray) -> float:
    """Average precision as scikit-learn defines it: sum over distinct score cuts of (recall step) x precision."""
    if y.sum() == 0:
        return float("nan")
    order = np.argsort(-scores, kind="mergesort")
    s, yy = scores[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), yy.size - 1]  # last index of each run of tied scores
    tp = np.cumsum(yy)[last]
    precision = tp / (last + 1)
    recall = tp / tp[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def prf(y: np.ndarray, scores: np.ndarray, threshold: float) -> tuple[float, float, float]:
    """Precision, recall, F1 of the Yes class."""
    pred = scores >= threshold
    tp = int(np.sum(pred & (y == 1)))
    p = tp / max(int(pred.sum()), 1)
    r = tp / max(int(y.sum()), 1)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per file plus the speed and size figures."""
    ap = argparse.ArgumentParser(description="Benchmark the check-worthiness detector.")
    ap.add_argument("files", nargs="+", type=Path, metavar="DATA.tsv")
    ap.add_argument("--model", type=Path, default=None, help="model file (default: the packaged one)")
    args = ap.parse_args(argv)
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"error: data file(s) not found: {', '.join(missing)} (the check-worthiness data lives in ../shared/data/checkworthy/)", file=sys.stderr)
        return 2

    det_mod = detector_module()
    model_path = args.model or ROOT / "factflow" / "claims" / det_mod.MODEL_FILE
    if not model_path.is_file():
        print(f"error: model file not found: {model_path} (train it with scripts/train_checkworthy.py)", file=sys.stderr)
        return 2
    t = time.perf_counter()
    det = det_mod.Detector.load(args.model)
    load_s = time.perf_counter() - t

    data = [(f, *read_tsv(f)) for f in args.files]
    print(f"detector {det.name}  threshold {det.threshold:.3f}")
    print(f"{'file':28s} {'n':>5s} {'yes':>4s}  {'P':>5s}  {'R':>5s}  {'F1':>5s}  {'AP':>5s}")
    all_texts: list[str] = []
    for path, texts, y in data:
        scores = np.asarray(det.score_many(texts))
        p, r, f = prf(y, scores, det.threshold)
        print(f"{path.name:28s} {y.size:5d} {int(y.sum()):4d}  {p:.3f}  {r:.3f}  {f:.3f}  {average_precision(y, scores):.3f}")
        all_texts.extend(texts)

    # Speed: one pass with a fresh detector (empty token cache), then repeated passes for at least
    # a second so the warm figure is not a few milliseconds of noise.
    fresh = det_mod.Detector.load(args.model)
    t = time.perf_counter()
    for text in all_texts:
        fresh.score(text)
    cold = len(all_texts) / (time.perf_counter() - t)
    done, t = 0, time.perf_counter()
    while done == 0 or time.perf_counter() - t < 1.0:
        for text in all_texts:
            fresh.score(text)
        done += len(all_texts)
    warm = done / (time.perf_counter() - t)
    print(f"speed: {cold:,.0f} sentences/s first pass (cold token cache), {warm:,.0f} sentences/s warm; {len(all_texts)} sentences, one per call, one process")
    print(f"model: {model_path} {model_path.stat().st_size / 1e6:.2f} MB, loaded in {load_s * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Benchmark the check-worthiness detectors on labelled sentence files and on the news articles.

    python bench/checkworthiness.py ../shared/data/checkworthy/dev.tsv ../shared/data/checkworthy/dev-test.tsv

Each DATA.tsv has a header ``Sentence_id<TAB>Text<TAB>class_label`` (Yes/No). For each detector
(``blend``, the shipped default; ``ngram``, the trained model alone; ``signals``, the interpretable
signals alone) it prints, per file, precision, recall and F1 of the Yes class at the detector's
shipped threshold and the average precision, scored exactly as ``factflow claims score`` scores
(questions, predictions and opinions never Yes). When ../shared/data/news/ is present it adds the
hand-labelled news development set (bench/news-dev-labels.tsv; part of it was used to fit the
blend, see scripts/fit_scorer.py for cross-validated figures) and the throughput of split + score +
anatomy (``extract_claims``) on the 250 articles. Then scoring speed alone (one sentence per call,
one process), the model file's size and its load time.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DETECTORS = ("blend", "ngram", "signals")


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


def prf(y: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall, F1 of the Yes class."""
    tp = int(np.sum(pred & (y == 1)))
    p = tp / max(int(pred.sum()), 1)
    r = tp / max(int(y.sum()), 1)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def speed(fn, items: list, min_seconds: float = 1.0) -> tuple[float, float]:  # type: ignore[no-untyped-def,type-arg]
    """Items per second of ``fn`` over ``items`` (wall clock, and per CPU-second of this process), repeated for at least ``min_seconds``."""
    done, t, cpu = 0, time.perf_counter(), time.process_time()
    while done == 0 or time.perf_counter() - t < min_seconds:
        for item in items:
            fn(item)
        done += len(items)
    return done / (time.perf_counter() - t), done / max(time.process_time() - cpu, 1e-9)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the tables."""
    ap = argparse.ArgumentParser(description="Benchmark the check-worthiness detectors.")
    ap.add_argument("files", nargs="+", type=Path, metavar="DATA.tsv")
    ap.add_argument("--detectors", nargs="+", choices=DETECTORS, default=list(DETECTORS))
    ap.add_argument("--min-seconds", type=float, default=1.0, help="repeat each speed measurement for at least this long")
    ap.add_argument("--news-dir", type=Path, default=None, help="folder of fakenewscorpus_sample.csv and HELD_OUT.txt (default ../shared/data/news)")
    args = ap.parse_args(argv)
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"error: data file(s) not found: {', '.join(missing)} (the check-worthiness data lives in ../shared/data/checkworthy/)", file=sys.stderr)
        return 2
    try:
        from factflow.claims import extract_claims
        from factflow.claims.detector import MODEL_FILE, Detector, default_detector
        from factflow.claims.scoring import make_scorer
        from factflow.config import ClaimsConfig
    except ImportError as exc:
        print(f"error: cannot import factflow ({exc}); run with the project's environment: .venv/bin/python bench/checkworthiness.py ...", file=sys.stderr)
        return 2
    import newsdev

    model_path = ROOT / "factflow" / "claims" / MODEL_FILE
    if not model_path.is_file():
        print(f"error: model file not found: {model_path} (train it with scripts/train_checkworthy.py)", file=sys.stderr)
        return 2
    t = time.perf_counter()
    Detector.load()
    load_s = time.perf_counter() - t
    default_detector()

    data = [(f.name, *read_tsv(f)) for f in args.files]
    docs = []
    try:
        news_dir = args.news_dir or newsdev.NEWS_DIR
        labelled = newsdev.load_labelled(news_dir=news_dir)
        data.append(("news-dev*", [s.text for s, _ in labelled], np.asarray([y for _, y in labelled], dtype=np.int64)))
        docs = newsdev.articles(news_dir)
    except newsdev.DataMissing as exc:
        print(f"note: no news figures: {exc}")

    all_texts = [t for _, texts, _ in data for t in texts]
    print(f"{'detector':8s} {'threshold':>9s}  {'file':27s} {'n':>5s} {'yes':>4s} {'flag':>5s}  {'P':>5s}  {'R':>5s}  {'F1':>5s}  {'AP':>5s}")
    speeds: dict[str, tuple[tuple[float, float], tuple[float, float] | None]] = {}
    for name in args.detectors:
        scorer = make_scorer(name)
        for label, texts, y in data:
            results = [scorer.assess(text) for text in texts]
            scores = np.asarray([r.score for r in results])
            pred = np.asarray([scorer.is_claim(r) for r in results])
            p, r, f = prf(y, pred)
            print(f"{name:8s} {scorer.threshold:9.3f}  {label:27s} {y.size:5d} {int(y.sum()):4d} {pred.mean():5.2f}  {p:.3f}  {r:.3f}  {f:.3f}  {average_precision(y, scores):.3f}")
        alone = speed(scorer.assess, all_texts, args.min_seconds)
        end_to_end = None
        if docs:
            cfg = ClaimsConfig(detector=name)  # type: ignore[arg-type]
            sentences = sum(len(extract_claims(doc, cfg).sentences) for doc in docs)  # also warms caches
            wall, cpu = speed(lambda doc, cfg=cfg: extract_claims(doc, cfg), docs, args.min_seconds)
            end_to_end = (wall * sentences / len(docs), cpu * sentences / len(docs))
        speeds[name] = (alone, end_to_end)

    if docs:
        print("* news-dev: the blend's weights and threshold were fitted on it, and the news signals written after reading it;"
              " cross-validated figures: python scripts/fit_scorer.py")
    print()
    for name, (alone, end_to_end) in speeds.items():
        line = f"{name:8s} scoring alone {alone[0]:7,.0f} sentences/s ({alone[1]:7,.0f} per CPU-second; one per call, one process, {len(all_texts):,} sentences)"
        if end_to_end is not None:
            chars = sum(len(doc.text) for doc in docs)
            line += (f"\n{'':8s} split + score + anatomy on the {len(docs)} news articles ({chars / 1e6:.2f} M characters):"
                     f" {end_to_end[0]:7,.0f} sentences/s ({end_to_end[1]:7,.0f} per CPU-second)")
        print(line)
    print("(wall-clock figures drop when other processes share the cores; the per-CPU-second figures much less)")
    print(f"model: {model_path.relative_to(ROOT)} {model_path.stat().st_size / 1e6:.2f} MB, loaded in {load_s * 1000:.0f} ms; "
          "blend and signals add no file (their constants are in factflow/claims/scoring.py and signals.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Benchmark the check-worthiness detectors on labelled sentence files and on the news articles.

    python bench/checkworthiness.py ../shared/data/checkworthy/dev.tsv ../shared/data/checkworthy/dev-test.tsv

Each DATA.tsv has a header ``Sentence_id<TAB>Text<TAB>class_label`` (Yes/No). For each registered
detector (``minilm``, the default; ``ngram``; ``blend``; ``signals``: see factflow/claims/registry.py),
measured in a process of its own, it prints per file precision, recall and F1 of the Yes class at
the detector's shipped threshold and the average precision, scored exactly as ``factflow claims
score`` scores (questions, predictions and opinions never Yes). When ../shared/data/news/ is present
it adds the development fold of the hand-labelled news sentences (``bench/news-labels.tsv``, the
articles ``newsdev.in_dev_fold`` picks; never trained on by the transformer) and the throughput of
split + score + anatomy on the 250 articles (a document at a time, ``extract_claims``, and as the
extract stage runs it: ``run.batch_size`` documents together, the collector paused). Then scoring speed alone (batches
of 256), the model's size, its load time and the process's peak memory.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

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


def _child(name: str, files: list[Path], news_dir: Path, min_seconds: float) -> dict:  # type: ignore[type-arg]
    """One detector's figures, measured in a process of its own so load time and peak memory are its alone."""
    import resource

    t = time.perf_counter()
    from factflow.claims import registry

    registry.get(name).load()
    load_s = time.perf_counter() - t
    import newsdev

    from factflow.claims import extract_claims
    from factflow.claims.scoring import make_scorer, remember_sentences
    from factflow.config import ClaimsConfig

    remember_sentences(0)  # the speed figures score the same sentences again: the model's speed, not a look-up's
    scorer = make_scorer(name)
    data = [(f.name, *read_tsv(f)) for f in files]
    docs = []
    note = None
    try:
        fold = [(s, y) for s, y in newsdev.load_labelled(newsdev.NEWS_LABELS, news_dir) if newsdev.in_dev_fold(s.article_id)]
        data.append(("news-labels, dev fold*", [s.text for s, _ in fold], np.asarray([y for _, y in fold], dtype=np.int64)))
        docs = newsdev.articles(news_dir)
    except newsdev.DataMissing as exc:
        note = f"no news figures: {exc}"
    rows = []
    for label, texts, y in data:
        results = scorer.assess_many(texts)
        scores = np.asarray([r.score for r in results])
        pred = np.asarray([scorer.is_claim(r) for r in results])
        p, r, f = prf(y, pred)
        rows.append([label, int(y.size), int(y.sum()), float(pred.mean()), p, r, f, average_precision(y, scores)])
    all_texts = [t for _, texts, _ in data for t in texts]
    done, t = 0, time.perf_counter()
    while done == 0 or time.perf_counter() - t < min_seconds:
        for k in range(0, len(all_texts), 256):
            scorer.assess_many(all_texts[k:k + 256])
        done += len(all_texts)
    alone = done / (time.perf_counter() - t)
    end_to_end = as_run = chars = None
    if docs:
        from factflow.claims import extract_claims_many
        from factflow.config import RunConfig
        from factflow.runtime import collector_paused

        cfg = ClaimsConfig(detector=name)
        sentences = sum(len(extract_claims(doc, cfg).sentences) for doc in docs)  # also warms caches
        wall, _ = speed(lambda doc, cfg=cfg: extract_claims(doc, cfg), docs, min_seconds)
        end_to_end = wall * sentences / len(docs)
        # As the extract stage runs: run.batch_size documents scored together, the garbage collector paused.
        size = RunConfig().batch_size
        batches = [docs[k:k + size] for k in range(0, len(docs), size)]
        with collector_paused():
            wall, _ = speed(lambda batch, cfg=cfg: extract_claims_many(batch, cfg), batches, min_seconds)
        as_run = wall * sentences / len(batches)
        chars = sum(len(doc.text) for doc in docs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"threshold": scorer.threshold, "rows": rows, "alone": alone, "n_alone": len(all_texts), "end_to_end": end_to_end,
            "as_run": as_run,
            "docs": len(docs), "chars": chars, "load_s": load_s, "peak_mb": peak, "note": note}


def model_size(name: str) -> str:
    """The size of the files a detector loads."""
    models = ROOT / "factflow" / "claims"
    if name == "minilm":
        meta_path = models / "models" / "minilm-checkworthy.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        size = sum((models / "models" / name).stat().st_size for name in (meta["model"], meta["tokenizer"], meta_path.name))
        return f"{size / 1e6:.1f} MB (int8 ONNX + tokenizer; the matching encoder beside it is not the detector's)"
    if name in ("ngram", "blend"):
        return f"{(models / 'checkworthy.npz').stat().st_size / 1e6:.2f} MB"
    return "no file"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the tables."""
    ap = argparse.ArgumentParser(description="Benchmark the check-worthiness detectors.")
    ap.add_argument("files", nargs="+", type=Path, metavar="DATA.tsv")
    ap.add_argument("--detectors", nargs="+", default=None, help="detector names (default: every registered one)")
    ap.add_argument("--min-seconds", type=float, default=1.0, help="repeat each speed measurement for at least this long")
    ap.add_argument("--news-dir", type=Path, default=None, help="folder of fakenewscorpus_sample.csv and HELD_OUT.txt (default ../shared/data/news)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"error: data file(s) not found: {', '.join(missing)} (the check-worthiness data lives in ../shared/data/checkworthy/)", file=sys.stderr)
        return 2
    try:
        from factflow.claims import registry
    except ImportError as exc:
        print(f"error: cannot import factflow ({exc}); run with the project's environment: .venv/bin/python bench/checkworthiness.py ...", file=sys.stderr)
        return 2
    import newsdev

    news_dir = args.news_dir or newsdev.NEWS_DIR
    if args.child:
        print(json.dumps(_child(args.child, args.files, news_dir, args.min_seconds)))
        return 0
    names = args.detectors or list(registry.names())
    unknown = [n for n in names if n not in registry.names()]
    if unknown:
        print(f"error: unknown detector(s) {', '.join(unknown)}; choose from {', '.join(registry.names())}", file=sys.stderr)
        return 2
    results = {}
    for name in names:
        cmd = [sys.executable, str(Path(__file__).resolve()), *map(str, args.files), "--child", name, "--min-seconds", str(args.min_seconds), "--news-dir", str(news_dir)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"error: measuring {name} failed:\n{proc.stderr}", file=sys.stderr)
            return 1
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    notes = {r["note"] for r in results.values() if r["note"]}
    for note in notes:
        print(f"note: {note}")
    print(f"{'detector':8s} {'threshold':>9s}  {'file':27s} {'n':>5s} {'yes':>4s} {'flag':>5s}  {'P':>5s}  {'R':>5s}  {'F1':>5s}  {'AP':>5s}")
    for name, res in results.items():
        for label, n, yes, flag, p, r, f, ap_ in res["rows"]:
            print(f"{name:8s} {res['threshold']:9.3f}  {label:27s} {n:5d} {yes:4d} {flag:5.2f}  {p:.3f}  {r:.3f}  {f:.3f}  {ap_:.3f}")
    if not notes:
        print("* news-labels, dev fold: the articles of bench/news-labels.tsv whose id hashes to the development fold"
              " (scripts/train_transformer.py never trains on them; the blend's older fit saw some of their sentences)")
    print()
    for name, res in results.items():
        line = f"{name:8s} scoring alone {res['alone']:7,.0f} sentences/s (batches of 256, {res['n_alone']:,} sentences)"
        if res["end_to_end"] is not None:
            line += (f"\n{'':8s} split + score + anatomy on the {res['docs']} news articles ({res['chars'] / 1e6:.2f} M characters):"
                     f" {res['end_to_end']:7,.0f} sentences/s a document at a time, {res['as_run']:7,.0f} as the extract stage runs"
                     " (run.batch_size documents together, the garbage collector paused)")
        line += f"\n{'':8s} model {model_size(name)}, loaded in {res['load_s'] * 1000:.0f} ms; peak memory {res['peak_mb']:.0f} MB"
        print(line)
    print("(one process each, wall clock: figures drop when other processes share the cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

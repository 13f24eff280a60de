#!/usr/bin/env python3
"""Train the packaged check-worthiness detector (factflow/claims/checkworthy.npz) from the ClaimBuster data.

    python scripts/train_checkworthy.py --data ../shared/data/checkworthy --out factflow/claims/checkworthy.npz

Trains on train.tsv only. C is picked by average precision on dev.tsv; the decision threshold
maximises the mean of the (smoothed) F1 curves on dev.tsv and dev-test.tsv by default, because
the older ClaimBuster dev set and the newer CheckThat! debates disagree on where the best cut
lies (``--threshold-from dev`` uses dev.tsv alone). Features come from the same
``Featurizer`` the runtime uses, so training and scoring cannot drift apart.
Needs numpy and scikit-learn (training only; the runtime needs numpy alone).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import platform
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DETECTOR_PY = ROOT / "factflow" / "claims" / "detector.py"
FILES = ("train.tsv", "dev.tsv", "dev-test.tsv")
C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0)
# Averaging F1 over +-0.025 around each cut keeps the choice off narrow spikes of a small dev set.
THRESHOLD_GRID = np.round(np.arange(0.05, 0.9501, 0.005), 3)
SMOOTH = 5


def load_detector_module() -> ModuleType:
    """Import detector.py by path, so training needs neither the package's other dependencies nor an install."""
    spec = importlib.util.spec_from_file_location("factflow_claims_detector", DETECTOR_PY)
    if spec is None or spec.loader is None:
        raise SystemExit(f"error: cannot import {DETECTOR_PY}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def read_tsv(path: Path) -> tuple[list[str], np.ndarray]:
    """Texts and 0/1 labels (Yes = 1) of one Sentence_id/Text/class_label file."""
    texts: list[str] = []
    labels: list[int] = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        missing = {"Text", "class_label"} - set(reader.fieldnames or [])
        if missing:
            raise SystemExit(f"error: {path}: missing column(s) {sorted(missing)}")
        for row in reader:
            label = row["class_label"].strip()
            if label not in ("Yes", "No"):
                raise SystemExit(f"error: {path}: line {reader.line_num}: class_label {label!r} is not Yes/No")
            texts.append(row["Text"])
            labels.append(label == "Yes")
    return texts, np.asarray(labels, dtype=np.int64)


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def design_matrix(featurizer, texts: list[str]):  # type: ignore[no-untyped-def]
    """Sparse feature matrix built with the runtime featurizer."""
    from scipy.sparse import csr_matrix

    indptr = [0]
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    for text in texts:
        c, v = featurizer.features(text)
        cols.append(c)
        vals.append(v)
        indptr.append(indptr[-1] + c.size)
    n = 1 << featurizer.bits
    m = csr_matrix((np.concatenate(vals), np.concatenate(cols), np.asarray(indptr)), shape=(len(texts), n))
    m.sum_duplicates()  # a bucket hit by both blocks gets the sum of its values, as at run time
    return m


def prf(y: np.ndarray, scores: np.ndarray, threshold: float) -> tuple[float, float, float]:
    """Precision, recall and F1 of the Yes class at a threshold."""
    pred = scores >= threshold
    tp = int(np.sum(pred & (y == 1)))
    p = tp / max(int(pred.sum()), 1)
    r = tp / max(int(y.sum()), 1)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def f1_curve(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """F1 at every grid threshold, smoothed by a centred moving average."""
    f1 = np.array([prf(y, scores, t)[2] for t in THRESHOLD_GRID])
    pad = np.pad(f1, SMOOTH, mode="edge")
    return np.convolve(pad, np.ones(2 * SMOOTH + 1) / (2 * SMOOTH + 1), mode="valid")


def metrics(y: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """Precision, recall, F1 (Yes) and average precision."""
    from sklearn.metrics import average_precision_score

    p, r, f = prf(y, scores, threshold)
    return {"precision": p, "recall": r, "f1": f, "average_precision": float(average_precision_score(y, scores)), "n": int(y.size), "yes": int(y.sum())}


def main(argv: list[str] | None = None) -> int:
    """Train, choose C and the threshold, write the model file and print the metrics."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "checkworthy", help="folder with train.tsv, dev.tsv, dev-test.tsv")
    ap.add_argument("--out", type=Path, default=ROOT / "factflow" / "claims" / "checkworthy.npz")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bits", type=int, default=19, help="log2 of the number of hash buckets")
    ap.add_argument("--char-min", type=int, default=2)
    ap.add_argument("--char-max", type=int, default=5)
    ap.add_argument("--C", type=float, nargs="+", default=list(C_GRID), help="inverse regularisation strengths to try (picked on dev AP)")
    ap.add_argument("--threshold-from", choices=("dev+dev-test", "dev"), default="dev+dev-test")
    args = ap.parse_args(argv)

    needed = ["train.tsv", "dev.tsv"] + (["dev-test.tsv"] if args.threshold_from != "dev" else [])
    for name in needed:
        path = args.data / name
        if not path.is_file():
            print(f"error: training data not found: {path} (expected {', '.join(FILES)} in {args.data}; see ../shared/data/checkworthy/NOTICE.md)", file=sys.stderr)
            return 2
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        print("error: scikit-learn is needed for training: pip install 'factflow[train]' (or scikit-learn)", file=sys.stderr)
        return 2
    import sklearn

    det_mod = load_detector_module()
    np.random.seed(args.seed)
    t0 = time.perf_counter()
    data = {name: read_tsv(args.data / name) for name in FILES if (args.data / name).is_file()}
    featurizer = det_mod.Featurizer(bits=args.bits, char_min=args.char_min, char_max=args.char_max)
    x_train = design_matrix(featurizer, data["train.tsv"][0])
    y_train = data["train.tsv"][1]
    print(f"train: {len(y_train)} sentences, {int(y_train.sum())} Yes; {x_train.nnz} non-zeros; featurised in {time.perf_counter() - t0:.1f}s")

    def fit(c: float):  # type: ignore[no-untyped-def]
        # Balanced weights: Yes is a quarter of train and a third of the newer debates.
        model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=1000, random_state=args.seed)
        model.fit(x_train, y_train)
        # The Detector rounds weights to float16, and every metric below is computed through it.
        return det_mod.Detector(weights=model.coef_.ravel(), bias=float(model.intercept_[0]), threshold=0.5, featurizer=featurizer)

    def scores(det, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
        return np.asarray(det.score_many(data[name][0]))

    from sklearn.metrics import average_precision_score

    y_dev = data["dev.tsv"][1]
    grid: list[dict[str, float]] = []
    best = None
    for c in args.C:
        det = fit(c)
        dev_ap = float(average_precision_score(y_dev, scores(det, "dev.tsv")))
        grid.append({"C": c, "dev_average_precision": round(dev_ap, 4)})
        print(f"C={c:g}: dev AP {dev_ap:.4f}")
        if best is None or dev_ap > best[0] + 1e-9:
            best = (dev_ap, c, det)
    assert best is not None
    _, chosen_c, det = best

    s_dev = scores(det, "dev.tsv")
    have_devtest = "dev-test.tsv" in data
    s_test = scores(det, "dev-test.tsv") if have_devtest else None
    curve = f1_curve(y_dev, s_dev)
    dev_only = float(THRESHOLD_GRID[int(np.argmax(curve))])
    if args.threshold_from == "dev+dev-test":
        assert s_test is not None
        curve = (curve + f1_curve(data["dev-test.tsv"][1], s_test)) / 2
    threshold = float(THRESHOLD_GRID[int(np.argmax(curve))])

    det.threshold = threshold
    det.name = "ngram-lr"
    report = {"dev": metrics(y_dev, s_dev, threshold)}
    if s_test is not None:
        report["dev-test"] = metrics(data["dev-test.tsv"][1], s_test, threshold)
    det.training = {
        "data": {name: {"sha256": sha256(args.data / name), "rows": int(data[name][1].size)} for name in data},
        "trained_on": "train.tsv",
        "seed": args.seed,
        "model": {"kind": "logistic regression", "solver": "liblinear", "class_weight": "balanced", "C": chosen_c, "C_grid": grid, "selected_by": "dev.tsv average precision"},
        "threshold": {"value": threshold, "rule": f"argmax of smoothed F1 (window +-{SMOOTH * 0.005:.3f}) on {args.threshold_from}", "dev_only_value": dev_only},
        "metrics_at_threshold": {name: {k: round(v, 4) for k, v in m.items()} for name, m in report.items()},
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "scikit-learn": sklearn.__version__},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    det.save(args.out)

    # The shipped file must reproduce the scores just measured.
    reloaded = det_mod.Detector.load(args.out)
    if not np.array_equal(np.asarray(reloaded.score_many(data["dev.tsv"][0])), s_dev):
        print("error: the saved model does not reproduce the in-memory scores", file=sys.stderr)
        return 1

    print(f"chosen C={chosen_c:g}; threshold {threshold:.3f} ({det.training['threshold']['rule']}; dev alone would give {dev_only:.3f})")
    for name, m in report.items():
        print(f"{name:9s} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  AP {m['average_precision']:.3f}  (n={m['n']}, Yes={m['yes']})")
    if s_test is not None:
        p, r, f = prf(data["dev-test.tsv"][1], s_test, dev_only)
        print(f"(dev-test at the dev-only threshold {dev_only:.3f}: P {p:.3f} R {r:.3f} F1 {f:.3f})")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

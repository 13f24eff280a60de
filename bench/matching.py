#!/usr/bin/env python3
"""Claim matching on development pairs: which encoder, which threshold, how fast.

    python bench/matching.py pairs            # (re)write bench/matching-news-pairs.tsv from ../shared news
    python bench/matching.py                  # the figures of bench/matching.md
    python bench/matching.py --detector       # also the fine-tuned detector's pooled embedding (needs onnx: the [train] extra)

Two sets of labelled pairs, "same claim" (1) or "different claim" (0):

* ``bench/matching-claims.tsv``: 70 claims written for this bench (our own text, committed), each
  with a paraphrase (1), the same sentence with a figure changed (0: the near miss that must not
  count as already checked) and another claim on the same topic (0);
* ``bench/matching-news-pairs.tsv``: pairs of the sentences labelled Yes in ``bench/news-labels.tsv``
  (articles of ../shared/data/news not held out; only ids and sentence hashes are committed, the
  texts are rebuilt here): two claims of one article (0), claims of two articles (0), a claim and
  the same claim with one figure changed (0), a claim and the same claim as a social-media post
  (handle, link, hashtag, emoji, attribution dropped; 1).

For each encoder it prints the share of pairs right at the best threshold, precision and recall
of "same claim" by kind, with and without the figure rule of ``factflow.matching``;
recall@1 and MAP@5 of finding each paraphrase's or post's claim among every sentence of both sets
(about 2,000); how far batching moves a score; and the speed of encoding and of exact search
against 10,000 and 100,000 candidates.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from factflow.encoder import SentenceEncoder  # noqa: E402
from factflow.matching import FIGURE_PENALTY, figures, figures_conflict, normalise_post, top_k  # noqa: E402

CLAIMS = ROOT / "bench" / "matching-claims.tsv"
NEWS_PAIRS = ROOT / "bench" / "matching-news-pairs.tsv"
_FIRST_FIGURE = re.compile(r"\d+")
_ATTRIBUTION = re.compile(r",\s+(?:according to [^,]{1,60}|(?:[A-Z][\w.'-]*\s){1,4}(?:said|says|reported|reports)(?: on \w+)?)\.?$")


def change_figure(text: str) -> str:
    """The sentence with its first figure's last digit raised by one (2015 -> 2016, 49 -> 40)."""
    m = _FIRST_FIGURE.search(text)
    assert m is not None
    digits = m.group(0)
    return text[: m.start()] + digits[:-1] + str((int(digits[-1]) + 1) % 10) + text[m.end():]


def as_post(text: str, seed: str) -> str:
    """The claim as a social-media post: attribution dropped, a handle, a link, a hashtag and an emoji added."""
    h = hashlib.sha256(seed.encode()).hexdigest()
    body = _ATTRIBUTION.sub(".", text.strip())
    return f"RT @user_{h[:6]}: {body} https://t.co/{h[6:16]} #{'news' if int(h[16], 16) % 2 else 'FactCheck'} \U0001f525"


def news_sentences() -> dict[tuple[str, str], str]:
    """(article id, sentence sha) -> text of every sentence labelled Yes (articles not held out)."""
    from newsdev import LABELS, articles, document_sentences, held_out, sentence_sha

    held = held_out()
    with LABELS.open(encoding="utf-8", newline="") as fh:
        wanted = {(r["article_id"], r["sentence_sha"]) for r in csv.DictReader(fh, delimiter="\t") if r["label"] == "Yes"}
    out: dict[tuple[str, str], str] = {}
    for doc in articles():
        if doc.id in held:
            continue
        for text in document_sentences(doc):
            key = (doc.id, sentence_sha(text))
            if key in wanted:
                out.setdefault(key, text)
    return out


def write_news_pairs(n_each: int = 60, seed: int = 16) -> None:
    """Draw the news pairs (seeded) and write ids, hashes, kind and label."""
    sentences = news_sentences()
    keys = sorted(sentences)
    rng = random.Random(seed)
    by_article: dict[str, list[tuple[str, str]]] = {}
    for key in keys:
        by_article.setdefault(key[0], []).append(key)
    rows: list[tuple[str, int, tuple[str, str], tuple[str, str]]] = []
    multi = sorted(a for a, ks in by_article.items() if len(ks) > 1)
    for _ in range(n_each):
        a, b = rng.sample(by_article[rng.choice(multi)], 2)
        rows.append(("same-article", 0, a, b))
    for _ in range(n_each):
        a, b = rng.sample(keys, 2)
        rows.append(("other-article", 0, a, b))
    with_figures = [k for k in keys if _FIRST_FIGURE.search(sentences[k]) and len(sentences[k]) < 400]
    for key in rng.sample(with_figures, n_each):
        rows.append(("figure-changed", 0, key, key))
    for key in rng.sample([k for k in keys if len(sentences[k]) < 400], n_each):
        rows.append(("post", 1, key, key))
    with NEWS_PAIRS.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["kind", "label", "article_a", "sha_a", "article_b", "sha_b"])
        for kind, label, a, b in rows:
            w.writerow([kind, label, a[0], a[1], b[0], b[1]])
    print(f"wrote {NEWS_PAIRS} ({len(rows)} pairs)")


def load_pairs() -> tuple[list[tuple[str, int, str, str]], list[tuple[str, str]], list[str]]:
    """(kind, label, a, b) pairs; (query, gold claim) for retrieval; every sentence (the retrieval candidates)."""
    pairs: list[tuple[str, int, str, str]] = []
    queries: list[tuple[str, str]] = []
    pool: list[str] = []
    with CLAIMS.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            pairs += [("paraphrase", 1, r["claim"], r["paraphrase"]), ("own figure-changed", 0, r["claim"], r["number_changed"]),
                      ("same topic", 0, r["claim"], r["other_claim"])]
            queries.append((r["paraphrase"], r["claim"]))
            pool += [r["claim"], r["number_changed"], r["other_claim"]]
    try:
        sentences = news_sentences()
    except Exception as exc:  # the shared data is not there: the committed claims alone
        print(f"(news pairs skipped: {exc})")
        return pairs, queries, pool
    pool += sorted(set(sentences.values()))
    with NEWS_PAIRS.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            a = sentences[(r["article_a"], r["sha_a"])]
            b = sentences[(r["article_b"], r["sha_b"])]
            if r["kind"] == "figure-changed":
                b = change_figure(a)
                pool.append(b)
            elif r["kind"] == "post":
                b = as_post(a, r["sha_a"])
                queries.append((b, a))
            pairs.append((r["kind"], int(r["label"]), a, b))
    return pairs, queries, list(dict.fromkeys(pool))


class PooledDetector:
    """The fine-tuned detector's mean-pooled embedding (an intermediate tensor of its graph), normalised here."""

    def __init__(self) -> None:
        import onnx
        import onnxruntime as ort

        from factflow.claims.transformer import TransformerDetector

        base = ROOT / "factflow" / "claims" / "models"
        model = onnx.load(str(base / "minilm-checkworthy.onnx"))
        model.graph.output.append(onnx.helper.make_tensor_value_info("/Div_output_0", onnx.TensorProto.FLOAT, None))
        self.session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        self.tokenizer = TransformerDetector.load().tokenizer

    def encode(self, sentences: Sequence[str], batch: int = 1) -> np.ndarray:
        """Each sentence alone, as the detector runs."""
        out = []
        for enc in self.tokenizer.encode_batch(list(sentences)):
            ids = np.asarray([enc.ids], dtype=np.int64)
            out.append(self.session.run(["/Div_output_0"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0])
        v = np.asarray(out, dtype=np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def pair_scores(encode: Callable[[list[str]], np.ndarray], pairs: list[tuple[str, int, str, str]], rule: bool) -> np.ndarray:
    """The matching score of each pair (cosine, less the figure penalty when ``rule``)."""
    texts = sorted({normalise_post(t) for _, _, a, b in pairs for t in (a, b)})
    vec = dict(zip(texts, encode(texts), strict=True))
    out = []
    for _, _, a, b in pairs:
        a, b = normalise_post(a), normalise_post(b)
        s = float(vec[a] @ vec[b])
        if rule and figures_conflict(figures(a), figures(b)):
            s -= FIGURE_PENALTY
        out.append(s)
    return np.asarray(out)


def prf(labels: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall, F1 of the positive class."""
    tp = int((labels & predicted).sum())
    p = tp / max(1, int(predicted.sum()))
    r = tp / max(1, int(labels.sum()))
    return p, r, 2 * p * r / max(1e-9, p + r)


def best_threshold(labels: np.ndarray, scores: np.ndarray) -> float:
    """The threshold (a multiple of 0.01) with the highest F1 of "same claim"; ties: the higher one."""
    grid = np.round(np.arange(0.30, 1.0, 0.01), 2)
    f1 = [prf(labels, scores >= t)[2] for t in grid]
    return float(grid[len(f1) - 1 - int(np.argmax(f1[::-1]))])


def report_pairs(name: str, encode: Callable[[list[str]], np.ndarray], pairs: list[tuple[str, int, str, str]], threshold: float | None) -> float:
    """Print the pair figures of one encoder; returns the chosen threshold (with the figure rule)."""
    labels = np.asarray([p[1] for p in pairs], dtype=bool)
    kinds = [p[0] for p in pairs]
    chosen = 0.0
    for rule in (False, True):
        scores = pair_scores(encode, pairs, rule)
        t = best_threshold(labels, scores) if threshold is None else threshold
        if rule:
            chosen = t
        pred = scores >= t
        p, r, f1 = prf(labels, pred)
        order = np.argsort(-scores)
        ap = float(np.mean([labels[order][: i + 1].mean() for i in range(len(order)) if labels[order][i]]))
        print(f"{name}{' + figure rule' if rule else ''}: threshold {t:.2f}: precision {p:.3f}, recall {r:.3f}, F1 {f1:.3f}, "
              f"accuracy {(pred == labels).mean():.3f}, average precision {ap:.3f} ({len(pairs)} pairs, {labels.sum()} same)")
        for kind in dict.fromkeys(kinds):
            sel = np.asarray([k == kind for k in kinds])
            s = scores[sel]
            print(f"    {kind:<20} n={sel.sum():3d}  label {int(labels[sel][0])}  called same {pred[sel].mean():6.1%}  "
                  f"score median {np.median(s):.3f} (min {s.min():.3f}, max {s.max():.3f})")
    return chosen


def report_retrieval(name: str, encode: Callable[[list[str]], np.ndarray], queries: list[tuple[str, str]], pool: list[str]) -> None:
    """Recall@1 and MAP@5 of finding each query's claim among every sentence."""
    cand = [normalise_post(t) for t in pool]
    q = [normalise_post(t) for t, _ in queries]
    index = {t: i for i, t in enumerate(cand)}
    gold = np.asarray([index[normalise_post(g)] for _, g in queries])
    cv, qv = encode(cand), encode(q)
    for rule in (False, True):
        figs = ([figures(t) for t in q], [figures(t) for t in cand]) if rule else (None, None)
        idx, _ = top_k(qv, cv, 5, *figs)
        hit = idx == gold[:, None]
        r1 = hit[:, 0].mean()
        map5 = np.mean([1 / (int(np.argmax(h)) + 1) if h.any() else 0.0 for h in hit])
        print(f"{name}{' + figure rule' if rule else ''}: retrieval of {len(q)} queries among {len(cand):,} sentences: "
              f"recall@1 {r1:.3f}, MAP@5 {map5:.3f}")


def report_batching(encoder: SentenceEncoder, pairs: list[tuple[str, int, str, str]]) -> None:
    """How far batching moves a pair's score: batched (64, by length) against each sentence alone."""
    batched = pair_scores(encoder.encode, pairs, rule=False)
    alone = pair_scores(lambda ts: encoder.encode(ts, batch=1), pairs, rule=False)
    d = np.abs(batched - alone)
    print(f"batching: pair scores batched vs alone differ by mean {d.mean():.4f}, max {d.max():.4f}")


def report_speed(encoder: SentenceEncoder, pool: list[str]) -> None:
    """Encoding rate, and exact search against 10,000 and 100,000 (random unit) candidates."""
    texts = (pool * (1 + 2000 // max(1, len(pool))))[:2000]
    t0 = time.perf_counter()
    encoder.encode(texts)
    enc_rate = len(texts) / (time.perf_counter() - t0)
    print(f"encoding: {enc_rate:,.0f} sentences/s (2,000 news claims, batches of 16)")
    rng = np.random.default_rng(0)
    queries = encoder.encode(texts[:1000])
    for n in (10_000, 100_000):
        cand = rng.standard_normal((n, encoder.dimensions)).astype(np.float32)
        cand /= np.linalg.norm(cand, axis=1, keepdims=True)
        figs = [figures(t) for t in texts[:1000]], [(str(i % 97),) if i % 3 == 0 else () for i in range(n)]
        t0 = time.perf_counter()
        top_k(queries, cand, 5, *figs)
        dt = time.perf_counter() - t0
        print(f"search: 1,000 queries against {n:,} candidates in {dt:.2f} s ({1000 / dt:,.0f} queries/s, figure rule on); "
              f"3,000 new claims against {n:,} would take {3 * dt + 3000 / enc_rate:.1f} s with encoding them (candidates' vectors cached)")


def main(argv: list[str] | None = None) -> int:
    """Write the pairs, or print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", nargs="?", choices=["pairs", "figures"], default="figures")
    ap.add_argument("--detector", action="store_true", help="also measure the fine-tuned detector's pooled embedding")
    ap.add_argument("--threshold", type=float, default=None, help="report at this threshold instead of the best one")
    args = ap.parse_args(argv)
    if args.command == "pairs":
        write_news_pairs()
        return 0
    pairs, queries, pool = load_pairs()
    encoder = SentenceEncoder.load()
    encoders: list[tuple[str, Callable[[list[str]], np.ndarray]]] = [("minilm-encoder (pretrained, int8)", encoder.encode)]
    if args.detector:
        encoders.append(("detector pooled (fine-tuned, int8)", PooledDetector().encode))
    for name, encode in encoders:
        report_pairs(name, encode, pairs, args.threshold)
        report_retrieval(name, encode, queries, pool)
    report_batching(encoder, pairs)
    report_speed(encoder, pool)
    return 0


if __name__ == "__main__":
    sys.exit(main())

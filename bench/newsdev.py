#!/usr/bin/env python3
"""The news labels: every sentence of the ../shared/data/news/ articles not held out, labelled Yes/No by hand.

    python bench/newsdev.py show                  # the labelled sentences, rebuilt from ../shared
    python bench/newsdev.py agreement             # Cohen's kappa of the double-labelled sentences
    python bench/newsdev.py sample --n 600        # a fresh seeded sample to label (not held out)

Only ``bench/news-labels.tsv`` (article_id, sentence_sha, label, and the first and second
annotators' labels) is committed; ``bench/news-dev-labels.tsv`` is an earlier, independent pass
over 1,000 of the same sentences, kept for the agreement figure; the sentence
texts stay in ../shared and are rebuilt here the way the pipeline sees them: each article is read by
``factflow.ingest.read_corpus`` (title line and content through ``parse_document``), then ``split_sentences`` and the
boilerplate filter, and verbatim repeats within an article are dropped, as
``factflow.claims.extract_claims`` does. ``sentence_sha`` is the sha256 hex of
``factflow.claims.normalise(text)``. Articles listed in HELD_OUT.txt are never sampled; they are
only read for benchmarks. The labelling guideline is ``bench/news-labels.md``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factflow.claims import normalise, sentences_to_score  # noqa: E402
from factflow.claims.split import list_markers, split_sentences  # noqa: E402
from factflow.config import ClaimsConfig, IngestConfig  # noqa: E402
from factflow.ingest import read_corpus  # noqa: E402
from factflow.models import Document  # noqa: E402

NEWS_DIR = ROOT.parent / "shared" / "data" / "news"
CORPUS = "fakenewscorpus_sample.csv"
LABELS = ROOT / "bench" / "news-labels.tsv"
NEWS_LABELS = LABELS
EARLIER_LABELS = ROOT / "bench" / "news-dev-labels.tsv"


class DataMissing(Exception):
    """The shared news data is not where it is expected."""


@dataclass(frozen=True)
class NewsSentence:
    """One sentence of one article, as the pipeline would score it."""

    article_id: str
    text: str

    @property
    def sha(self) -> str:
        """sha256 hex of the normalised text: the sentence's identity in the labels file."""
        return sentence_sha(self.text)


def in_dev_fold(article_id: str) -> bool:
    """The fixed development fold of the news labels: about a fifth of the articles, by a hash of the id."""
    return int(hashlib.sha256(article_id.encode("utf-8")).hexdigest(), 16) % 5 == 0


def cohen_kappa(a: list[str], b: list[str]) -> float:
    """Cohen's kappa of two annotators' labels of the same items."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    expected = sum((a.count(k) / n) * (b.count(k) / n) for k in set(a) | set(b))
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def agreement(labels: Path = LABELS, earlier: Path = EARLIER_LABELS) -> list[str]:
    """Lines that report the annotators' agreement: the double-labelled sample, and the earlier pass."""
    with labels.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    both = [r for r in rows if r["second"]]
    first, second = [r["first"] for r in both], [r["second"] for r in both]
    disagree = [r for r in both if r["first"] != r["second"]]
    out = [
        f"{len(rows):,} sentences labelled, {sum(r['label'] == 'Yes' for r in rows):,} Yes",
        f"double-labelled sample: {len(both):,} sentences, raw agreement {1 - len(disagree) / len(both):.3f}, "
        f"Cohen's kappa {cohen_kappa(first, second):.3f}; {len(disagree)} disagreements settled by a third reading "
        f"({sum(r['label'] == r['first'] for r in disagree)} for the first annotator, {sum(r['label'] == r['second'] for r in disagree)} for the second)",
    ]
    if earlier.is_file():
        with earlier.open(encoding="utf-8", newline="") as fh:
            old = {(r["article_id"], r["sentence_sha"]): r["label"] for r in csv.DictReader(fh, delimiter="\t")}
        pairs = [(old[(r["article_id"], r["sentence_sha"])], r["first"]) for r in rows if (r["article_id"], r["sentence_sha"]) in old]
        out.append(f"earlier independent pass ({earlier.name}): {len(pairs):,} sentences in common, "
                   f"Cohen's kappa with the first annotator {cohen_kappa([p for p, _ in pairs], [q for _, q in pairs]):.3f}")
    return out


def sentence_sha(text: str) -> str:
    """sha256 hex of ``normalise(text)``."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def _require(path: Path) -> Path:
    if not path.is_file():
        raise DataMissing(
            f"{path} not found: the news articles live in ../shared/data/news/ next to the project "
            "(fakenewscorpus_sample.csv and HELD_OUT.txt); they are not part of the repository"
        )
    return path


def held_out(news_dir: Path = NEWS_DIR) -> frozenset[str]:
    """Ids of the articles held out for evaluation (never labelled or tuned on)."""
    lines = _require(news_dir / "HELD_OUT.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#"))


def articles(news_dir: Path = NEWS_DIR) -> list[Document]:
    """Every article of the corpus as the pipeline reads it (``factflow.ingest.read_corpus``: title line, then the content)."""
    docs, problems = read_corpus(_require(news_dir / CORPUS), IngestConfig())
    if problems:
        raise DataMissing(f"{news_dir / CORPUS}: {len(problems)} unreadable row(s), first: {problems[0].message}")
    return docs


def document_sentences(doc: Document, cfg: ClaimsConfig | None = None) -> list[str]:
    """The sentences extract_claims would score (``factflow.claims.sentences_to_score``): boilerplate,
    verbatim repeats and repeated fragments dropped."""
    return sentences_to_score(doc, cfg or ClaimsConfig())


def sample(n: int, seed: int, per_article: int, news_dir: Path = NEWS_DIR, skip_labelled: bool = True) -> list[NewsSentence]:
    """A seeded sample of sentences from articles not held out, at most ``per_article`` from each, none already labelled."""
    excluded = held_out(news_dir)
    rng = random.Random(seed)
    pool: list[NewsSentence] = []
    # A sentence repeated across articles (site furniture) is drawn once; labelled ones are not drawn again.
    seen: set[str] = set()
    if LABELS.is_file() and skip_labelled:
        with LABELS.open(encoding="utf-8", newline="") as fh:
            seen.update(r["sentence_sha"] for r in csv.DictReader(fh, delimiter="\t"))
    for doc in articles(news_dir):
        if doc.id in excluded:
            continue
        sents = [NewsSentence(doc.id, t) for t in document_sentences(doc)]
        rng.shuffle(sents)
        fresh = [s for s in sents if s.sha not in seen][:per_article]
        seen.update(s.sha for s in fresh)
        pool.extend(fresh)
    rng.shuffle(pool)
    return pool[:n]


def load_labelled(labels: Path = LABELS, news_dir: Path = NEWS_DIR) -> list[tuple[NewsSentence, bool]]:
    """The labelled news sentences with their texts rebuilt from ../shared, in the labels file's order."""
    excluded = held_out(news_dir)
    with labels.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    wanted = {(r["article_id"], r["sentence_sha"]) for r in rows}
    leaked = sorted({a for a, _ in wanted} & excluded)
    if leaked:
        raise ValueError(f"{labels}: held-out articles must not be labelled: {', '.join(leaked)}")
    texts: dict[tuple[str, str], str] = {}
    # A labelled sentence that the pipeline now leaves out (boilerplate by a pattern added after it was
    # labelled, a repeated fragment, a list's number read as a sentence before) never reaches a reviewer:
    # it is left out here too.
    dropped: set[tuple[str, str]] = set()
    cfg = ClaimsConfig()
    for doc in articles(news_dir):
        if doc.id not in {a for a, _ in wanted}:
            continue
        for text in document_sentences(doc, cfg):
            key = (doc.id, sentence_sha(text))
            if key in wanted:
                texts.setdefault(key, text)
        dropped.update((doc.id, sentence_sha(doc.text[a:b])) for a, b in split_sentences(doc.text, doc.body_start))
        dropped.update((doc.id, sentence_sha(marker)) for marker in list_markers(doc.text, doc.body_start))  # '1.', '* * *': no sentences now
    rows = [r for r in rows if (r["article_id"], r["sentence_sha"]) in texts or (r["article_id"], r["sentence_sha"]) not in dropped]
    missing = [f"{a}:{s[:12]}" for a, s in sorted(wanted - dropped) if (a, s) not in texts]
    if missing:
        raise ValueError(f"{labels}: {len(missing)} labelled sentence(s) not found in the corpus (changed splitter?): {', '.join(missing[:5])}")
    out: list[tuple[NewsSentence, bool]] = []
    for r in rows:
        if r["label"] not in ("Yes", "No"):
            raise ValueError(f"{labels}: label {r['label']!r} is not Yes/No")
        key = (r["article_id"], r["sentence_sha"])
        out.append((NewsSentence(key[0], texts[key]), r["label"] == "Yes"))
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the labelled set, or a fresh sample to label, as TSV."""
    ap = argparse.ArgumentParser(description="The hand-labelled news development set.")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("show", help="print article_id, sentence_sha, label, text of the labelled set")
    sub.add_parser("agreement", help="print the annotators' agreement (Cohen's kappa)")
    s = sub.add_parser("sample", help="print a seeded sample of sentences to label (held-out articles excluded)")
    s.add_argument("--n", type=int, default=600)
    s.add_argument("--seed", type=int, default=3)
    s.add_argument("--per-article", type=int, default=4)
    s.add_argument("--include-labelled", action="store_true", help="draw from sentences already in the labels file too (reproduces the first sample)")
    args = ap.parse_args(argv)
    out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    try:
        if args.command == "agreement":
            print("\n".join(agreement()))
        elif args.command == "show":
            out.writerow(["article_id", "sentence_sha", "label", "text"])
            for sent, label in load_labelled():
                out.writerow([sent.article_id, sent.sha, "Yes" if label else "No", sent.text])
        else:
            out.writerow(["article_id", "sentence_sha", "text"])
            for sent in sample(args.n, args.seed, args.per_article, skip_labelled=not args.include_labelled):
                out.writerow([sent.article_id, sent.sha, sent.text])
    except DataMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

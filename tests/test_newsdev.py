"""The hand-labelled news development set: its committed labels and the loader that rebuilds texts."""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import newsdev  # noqa: E402

NEWS = newsdev.NEWS_DIR
needs_news = pytest.mark.skipif(
    not (NEWS / newsdev.CORPUS).is_file(), reason=f"needs the news articles in {NEWS} (../shared/data/news/, not in the repository)"
)


@pytest.mark.parametrize("path", [newsdev.LABELS, newsdev.EARLIER_LABELS], ids=["labels", "earlier"])
def test_labels_files_hold_ids_hashes_and_labels_only(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert rows and set(rows[0]) <= {"article_id", "sentence_sha", "label", "first", "second"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["sentence_sha"]) and r["label"] in ("Yes", "No") for r in rows)
    assert len({(r["article_id"], r["sentence_sha"]) for r in rows}) == len(rows)


def test_double_labelling_is_a_thousand_sentences_and_disagreements_are_settled() -> None:
    with newsdev.LABELS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    both = [r for r in rows if r["second"]]
    # 1,000 sentences labelled twice. Two were split when the splitter changed (bench/news-labels.md): one's two
    # halves each keep both annotators' Yes, the other's ("... SAME TIME. $1355.25") are fragments, relabelled
    # No by one reading: 1,000 - 2 + 2 rows.
    assert len(both) == 1000 and all(r["second"] in ("Yes", "No") for r in both)
    # Where the two annotators agree the label is theirs; where they disagree a third reading chose one of them.
    assert all(r["label"] == r["first"] for r in both if r["first"] == r["second"])
    assert all(r["label"] == r["first"] for r in rows if not r["second"])
    lines = newsdev.agreement()
    assert "Cohen's kappa" in lines[1]


def test_cohen_kappa_matches_a_worked_example() -> None:
    # 20 items, 16 agree; each annotator says Yes 10 times: p_o 0.8, p_e 0.5, kappa (0.8 - 0.5) / 0.5 = 0.6.
    a = ["Yes"] * 10 + ["No"] * 10
    b = ["Yes"] * 8 + ["No"] * 2 + ["Yes"] * 2 + ["No"] * 8
    b[9], b[10] = "No", "Yes"
    assert newsdev.cohen_kappa(a, b) == pytest.approx(0.6)
    assert newsdev.cohen_kappa(a, a) == 1.0


def test_the_development_fold_is_a_fixed_fifth_of_the_articles() -> None:
    with newsdev.LABELS.open(encoding="utf-8", newline="") as fh:
        articles = {r["article_id"] for r in csv.DictReader(fh, delimiter="\t")}
    fold = {a for a in articles if newsdev.in_dev_fold(a)}
    assert 0.12 < len(fold) / len(articles) < 0.28


def test_missing_shared_data_is_named(tmp_path: Path) -> None:
    with pytest.raises(newsdev.DataMissing, match="HELD_OUT.txt not found"):
        newsdev.held_out(tmp_path)


@needs_news
def test_labelled_sentences_are_rebuilt_from_the_corpus_and_none_is_held_out() -> None:
    labelled = newsdev.load_labelled()
    assert len(labelled) > 8000  # every sentence of every article not held out
    held = newsdev.held_out()
    assert held and not {s.article_id for s, _ in labelled} & held
    assert all(newsdev.sentence_sha(s.text) == s.sha for s, _ in labelled)

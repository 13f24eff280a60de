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


def test_labels_file_holds_ids_hashes_and_labels_only() -> None:
    with newsdev.LABELS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert rows and set(rows[0]) == {"article_id", "sentence_sha", "label"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["sentence_sha"]) and r["label"] in ("Yes", "No") for r in rows)
    assert len({(r["article_id"], r["sentence_sha"]) for r in rows}) == len(rows)


def test_missing_shared_data_is_named(tmp_path: Path) -> None:
    with pytest.raises(newsdev.DataMissing, match="HELD_OUT.txt not found"):
        newsdev.held_out(tmp_path)


@needs_news
def test_labelled_sentences_are_rebuilt_from_the_corpus_and_none_is_held_out() -> None:
    labelled = newsdev.load_labelled()
    assert len(labelled) == 1000
    held = newsdev.held_out()
    assert held and not {s.article_id for s, _ in labelled} & held
    assert all(newsdev.sentence_sha(s.text) == s.sha for s, _ in labelled)

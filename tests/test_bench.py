"""The benchmark script runs, prints its tables, and names a missing file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import checkworthiness  # noqa: E402


def test_benchmark_prints_metrics_speed_and_model_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "tiny.tsv"
    data.write_text(
        "Sentence_id\tText\tclass_label\n"
        "1\tUnemployment fell to 4.1 percent in 2019, according to the Labor Department.\tYes\n"
        "2\tI think the minister is doing a wonderful job.\tNo\n"
        "3\tThe city spent $3.2 million on the new bridge.\tYes\n",
        encoding="utf-8",
    )
    assert checkworthiness.main([str(data), "--news-dir", str(tmp_path), "--detectors", "blend", "signals", "--min-seconds", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "no news figures" in out and "HELD_OUT.txt not found" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("blend ", "signals ")) and "tiny.tsv" in line]
    assert [r[0] for r in rows] == ["blend", "signals"]
    assert all(r[3:5] == ["3", "2"] for r in rows)  # n and Yes
    assert "sentences/s" in out and "MB, loaded in" in out


def test_benchmark_names_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert checkworthiness.main([str(tmp_path / "nope.tsv")]) == 2
    assert "nope.tsv" in capsys.readouterr().err


def test_the_memory_benchmark_times_the_match_stage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import memory

    rows = ["Sentence_id\tText\tclass_label"]
    for i in range(60):
        rows.append(f"{i}\tThe city spent {i + 2} million dollars on bridge number {i} in {1990 + i % 30}.\t{'Yes' if i < 12 else 'No'}")
    (tmp_path / "train.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert memory.main(["--data", str(tmp_path), "--claims", "8", "--candidates", "150", "--work", str(tmp_path / "work")]) == 0
    out = capsys.readouterr().out
    assert "import: 150 reviews, 150 encoded" in out
    assert "against 150 imported candidates" in out and "match stage ('Matching checked claims'): first" in out
    assert (tmp_path / "work" / "memory-150" / "memory" / "claimreviews.vectors.npz").is_file()


def test_the_memory_benchmark_names_missing_data(tmp_path: Path) -> None:
    import memory

    with pytest.raises(SystemExit, match="train.tsv"):
        memory.main(["--data", str(tmp_path)])


def test_the_pipeline_benchmark_makes_one_sentence_documents_and_sizes_an_output(tmp_path: Path) -> None:
    import csv

    import pipeline

    news = tmp_path / "news.csv"
    with news.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "content"])
        writer.writerow(["1", "A", "Officials said 40 people died in Ohio on Monday. The city spent $3 million on the bridge."])
        writer.writerow(["2", "B", "Rebels seized the key city of Idlib in March. Too short."])
    corpus = pipeline.generate_one_sentence(news, tmp_path / "seeds", 5)
    with corpus.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == ["s0", "s1", "s2", "s3", "s4"]
    assert [r["content"] for r in rows] == [  # three sentences of four words or more; a second pass shifts the numbers
        "Officials said 40 people died in Ohio on Monday.", "The city spent $3 million on the bridge.",
        "Rebels seized the key city of Idlib in March.", "Officials said 41 people died in Ohio on Monday.",
        "The city spent $4 million on the bridge."]
    assert pipeline.output_size(tmp_path / "seeds") == (corpus.stat().st_size, 1)
    assert pipeline.distinct_texts(corpus) == 5
    distinct = pipeline.generate_one_sentence(news, tmp_path / "distinct", 7, distinct=True)
    with distinct.open(encoding="utf-8", newline="") as handle:
        texts = [r["content"] for r in csv.DictReader(handle)]
    assert texts[3:] == ["In Kent district 1, officials said 41 people died in Ohio on Monday.",
                         "In Kent district 1, the city spent $4 million on the bridge.",
                         "In Kent district 1, rebels seized the key city of Idlib in March.",
                         "In Lagos district 2, officials said 42 people died in Ohio on Monday."]
    assert pipeline.distinct_texts(distinct) == 7
    assert pipeline.distinct_texts(pipeline.generate_one_sentence(news, tmp_path / "repeats", 7)) == 6  # Idlib's sentence twice


def test_the_pipeline_benchmark_edits_one_document_in_a_hundred_and_gives_back_the_original(tmp_path: Path) -> None:
    import csv

    import pipeline

    corpus = tmp_path / "corpus.csv"
    with corpus.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "content"])
        for i in range(250):
            writer.writerow([f"d{i}", f"T{i}", f"Officials said {i} people died."])
    before = corpus.read_bytes()
    assert pipeline.change_one_in(corpus) == before
    with corpus.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    edited = [r["id"] for r in rows if r["content"] != f"Officials said {r['id'][1:]} people died."]
    assert edited == ["d0", "d100", "d200"] and len(rows) == 250
    assert all("new homes" in r["content"] for r in rows if r["id"] in edited)

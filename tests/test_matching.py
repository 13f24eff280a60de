"""Claim matching: the packaged sentence encoder, the figure rule, exact top-k, and `factflow claims match`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from factflow_flows.cli import main

from factflow.config import SourcesConfig
from factflow.encoder import SentenceEncoder
from factflow.matching import DEFAULT_THRESHOLD, figures, figures_conflict, normalise_post, top_k
from tests.conftest import write

CLAIM = "Unemployment fell to 4.1 percent in March, the lowest rate since 2000."
PARAPHRASE = "In March the jobless rate dropped to 4.1%, its lowest level since 2000."
CHANGED = "Unemployment fell to 5.1 percent in March, the lowest rate since 2000."
OTHER = "Wages rose faster than inflation in March for the first time in two years."


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder.load()


def test_encoder_gives_unit_vectors_in_input_order(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode([CLAIM, OTHER, "", CLAIM])
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], vectors[3])
    assert encoder.encode([]).shape == (0, 384)


def test_encoder_scores_a_paraphrase_above_the_threshold_and_another_claim_below(encoder: SentenceEncoder) -> None:
    claim, paraphrase, other = encoder.encode([CLAIM, PARAPHRASE, OTHER])
    assert claim @ paraphrase >= DEFAULT_THRESHOLD > claim @ other


def test_batching_moves_scores_only_slightly(encoder: SentenceEncoder) -> None:
    texts = [CLAIM, PARAPHRASE, CHANGED, OTHER, "Russia has deployed S-400 missiles to Syria."]
    assert np.abs(encoder.encode(texts) - encoder.encode(texts, batch=1)).max() < 0.05


def test_texts_encoded_a_slice_at_a_time_keep_their_places(encoder: SentenceEncoder, monkeypatch: pytest.MonkeyPatch) -> None:
    """Texts are tokenised and encoded a slice at a time (their token ids are not all held at once):
    each vector lands in its text's row, whatever slice and batch it was encoded in."""
    import factflow.encoder

    texts = [f"The council spent {i} million dollars on {word} in {year}." for i, (word, year) in
             enumerate((w, y) for w in ("roads", "schools", "parks", "bridges", "clinics") for y in range(1990, 2010))]
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    monkeypatch.setattr(factflow.encoder, "TOKENISE", 7)
    sliced = encoder.encode(texts)
    assert np.abs(sliced - alone).max() < 0.05
    assert ((sliced @ alone.T).argmax(axis=1) == np.arange(len(texts))).all()


def test_the_search_holds_a_few_blocks_of_scores_however_many_claims() -> None:
    """Blocks of 2M scores (8 MB): 10,000 claims against 4,000 rated ones peaked at 280 MB with blocks of 32 MB."""
    import tracemalloc

    rng = np.random.default_rng(0)
    queries, candidates = (rng.standard_normal((n, 384)).astype(np.float32) for n in (10_000, 4_000))
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    candidates /= np.linalg.norm(candidates, axis=1, keepdims=True)
    tracemalloc.start()
    try:
        top_k(queries, candidates, 6, [("1",) if i % 3 == 0 else () for i in range(10_000)], [("2",)] * 4_000, floor=0.1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 60e6, f"{peak / 1e6:.0f} MB at the peak"


def test_the_encoder_file_is_small_and_recorded() -> None:
    import hashlib
    import json

    from tests.conftest import ROOT

    folder = ROOT / "factflow" / "claims" / "models"
    meta = json.loads((folder / "minilm-encoder.json").read_text(encoding="utf-8"))
    model = (folder / meta["model"]).read_bytes()
    assert len(model) <= 40 * 1024 * 1024 and hashlib.sha256(model).hexdigest() == meta["sha256"]
    assert meta["origin"]["licence"] == "Apache-2.0" and len(meta["origin"]["weights_sha256"]) == 64
    assert meta["tokenizer"] == "minilm-tokenizer.json"  # the detector's file, not a second copy


def test_the_shipped_threshold_is_the_config_default() -> None:
    assert SourcesConfig().match_threshold == DEFAULT_THRESHOLD


@pytest.mark.parametrize(("a", "b", "conflict"), [
    (CLAIM, CHANGED, True),
    (CLAIM, PARAPHRASE, False),
    ("Crime dropped 20 percent since 2015.", "Crime dropped 20%.", False),  # a figure one side adds
    ("One in five children lives in poverty.", "20 percent of children live in poverty.", False),
    ("Fifty-eight people were killed.", "58 died.", False),
    ("Fifty-eight people were killed.", "Fifty-nine people were killed.", True),
    ("Over 100,000 people marched.", "More than 100k protesters marched.", False),
    ("47 percent said no, 48 percent yes.", "48 percent said no, 48 percent yes.", True),
    ("China produces half of the world's steel.", "China produces a quarter of the world's steel.", True),
    ("The senator spoke on Tuesday.", "The senator spoke 3 times.", False),  # only one side states figures
])
def test_figures_conflict_when_both_state_figures_and_neither_includes_the_other(a: str, b: str, conflict: bool) -> None:
    assert figures_conflict(figures(a), figures(b)) is conflict


def test_posts_lose_links_handles_and_emoji() -> None:
    post = "RT @someone: Unemployment fell to 4.1 percent https://t.co/abc #jobs \U0001f525"
    assert normalise_post(post) == "Unemployment fell to 4.1 percent jobs"


@pytest.mark.parametrize(("chunk", "block"), [(17, 1 << 23), (17, 40), (17, 1), (1000, 1000), (3, 7)])
def test_top_k_is_exact_across_chunks_and_query_blocks_and_applies_the_figure_penalty(chunk: int, block: int) -> None:
    rng = np.random.default_rng(3)
    q = rng.standard_normal((9, 16)).astype(np.float32)
    c = rng.standard_normal((200, 16)).astype(np.float32)
    full = q @ c.T
    idx, scores = top_k(q, c, 5, chunk=chunk, block=block)
    assert (idx == np.argsort(-full, axis=1, kind="stable")[:, :5]).all()
    qf = [("1",) if i % 3 else ("2",) for i in range(9)]  # rows differ, so a block's rows must line up with their figures
    cf = [("2",) if j % 2 else () for j in range(200)]
    idx, scores = top_k(q, c, 5, qf, cf, chunk=chunk, block=block)
    penalised = full - np.asarray([[1.0 if j % 2 and i % 3 else 0.0 for j in range(200)] for i in range(9)])
    assert (idx == np.argsort(-penalised, axis=1, kind="stable")[:, :5]).all()
    assert np.allclose(scores, -np.sort(-penalised, axis=1)[:, :5], atol=1e-6)
    assert top_k(q, c[:0], 5, chunk=chunk, block=block)[0].shape == (9, 0)
    # With a floor, every result at or above it is the exact one (the search stops early below it).
    for floor in (-0.5, 0.0, 0.5, 1.5):
        f_idx, f_scores = top_k(q, c, 5, qf, cf, chunk=chunk, block=block, floor=floor)
        above = scores >= floor
        assert (f_idx[above] == idx[above]).all() and np.allclose(f_scores[above], scores[above])
        assert (f_scores[~above] < floor).all()


def match(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["claims", "match", *args])
    return result.exit_code, result.stdout, result.stderr


def test_claims_match_finds_the_paraphrase_first_and_never_the_changed_number(tmp_path: Path) -> None:
    queries = write(tmp_path / "q.tsv", f"id\ttext\nq1\t{PARAPHRASE}\nq2\tRT @x: {CHANGED} https://t.co/z\n")
    candidates = write(tmp_path / "c.tsv", f"id\ttext\nold-1\t{OTHER}\nold-2\t{CLAIM}\nold-3\tThe company laid off 400 workers.\n")
    code, out, err = match(str(queries), str(candidates), "--top", "2")
    assert code == 0, out + err
    rows = list(csv.reader(io.StringIO(out), delimiter="\t"))
    assert rows[0] == ["query_id", "rank", "candidate_id", "score"]
    assert [r[:3] for r in rows[1:3]] == [["q1", "1", "old-2"], ["q1", "2", "old-1"]]
    assert [r[:2] for r in rows[3:]] == [["q2", "1"], ["q2", "2"]]
    assert float(rows[1][3]) >= DEFAULT_THRESHOLD
    # 5.1 percent is not 4.1 percent, however alike the sentences: no candidate reaches the threshold.
    assert all(float(r[3]) < DEFAULT_THRESHOLD for r in rows[3:])
    assert err == ""


def test_claims_match_reports_bad_rows_and_goes_on(tmp_path: Path) -> None:
    queries = write(tmp_path / "q.tsv", f"id\ttext\nq1\t{PARAPHRASE}\nq2\n\t{OTHER}\nq1\t{OTHER}\n")
    candidates = write(tmp_path / "c.tsv", f"id\ttext\nold-2\t{CLAIM}\n")
    code, out, err = match(str(queries), str(candidates))
    assert code == 0
    assert [r[0] for r in csv.reader(io.StringIO(out), delimiter="\t")][1:] == ["q1"]
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert f"{queries}:3:" in lines[0] and "column" in lines[0]
    assert f"{queries}:4:" in lines[1] and "empty id" in lines[1]
    assert f"{queries}:5:" in lines[2] and "already used on line 2" in lines[2]


def test_claims_match_on_empty_files_prints_the_header_only(tmp_path: Path) -> None:
    queries = write(tmp_path / "q.tsv", "id\ttext\n")
    candidates = write(tmp_path / "c.tsv", f"id\ttext\nold-2\t{CLAIM}\n")
    code, out, _ = match(str(queries), str(candidates))
    assert code == 0 and out == "query_id\trank\tcandidate_id\tscore\n"
    code, out, err = match(str(queries), str(write(tmp_path / "empty.tsv", "")))
    assert code == 1 and "empty file" in err and "id<TAB>text" in err


def test_claims_match_names_a_missing_column(tmp_path: Path) -> None:
    queries = write(tmp_path / "q.tsv", "id\tsentence\nq1\tx\n")
    candidates = write(tmp_path / "c.tsv", f"id\ttext\nold-2\t{CLAIM}\n")
    code, _, err = match(str(queries), str(candidates))
    assert code == 1
    assert f"{queries}:1: missing column(s) text" in err and "Traceback" not in err


def test_claims_match_says_before_it_encodes_a_thousand_sentences_or_more(tmp_path: Path) -> None:
    """20,000 queries against 40,000 candidates ran over three minutes without a word on the terminal."""
    queries = write(tmp_path / "q.tsv", "id\ttext\n" + "".join(f"q{i}\tThe city spent {i} million on roads.\n" for i in range(990)))
    candidates = write(tmp_path / "c.tsv", f"id\ttext\nold-1\t{CLAIM}\nold-2\t{OTHER}\n")
    code, _, err = match(str(queries), str(candidates), "--top", "1")
    assert code == 0 and err == ""  # 992 sentences: seconds, nothing said
    write(queries, queries.read_text() + "".join(f"r{i}\tPrices rose {i} percent.\n" for i in range(8)))
    code, out, err = match(str(queries), str(candidates), "--top", "1")
    assert code == 0 and err == "Encoding 1,000 sentences (a few hundred a second) ...\n"
    assert len(out.splitlines()) == 1 + 998

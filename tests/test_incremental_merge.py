"""A rerun merges the documents that did not change from the rows the last merge kept, not from their
extractions: the claims must be exactly those of merging every extraction again."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factflow.cache import ExtractionCache, counted
from factflow.claims import Unchanged, claim_id, extract_claims, merge_claims
from factflow.config import ClaimsConfig, LoadedConfig
from factflow.models import Document, DocumentClaims
from factflow.pipeline import run_pipeline
from tests.conftest import write

# The signals detector at threshold 0 makes a claim of every checkable sentence, with no model to load.
CFG = ClaimsConfig(detector="signals", threshold=0.0)

# Sentences that repeat, nearly repeat (one word more or changed: bigram Jaccard about 0.8-0.9), repeat
# but for case or quotes (the same id), or differ in a figure (never the same claim).
_BASE = [
    "Officials said 40 people died in the Ohio floods on Monday after the river rose above the old levee walls.",
    "The city spent $3.5 million on the new bridge over the Ohio River in 2019, the mayor told reporters on Friday.",
    "Rebels seized the northern city of Idlib in March 2015 after weeks of heavy fighting with the army of the government.",
    "Russian logistics forces began arriving in the coastal region of Syria in recent days to set up bases for fighter jets.",
]
POOL = [
    *_BASE,
    *(b.replace(" the ", " the whole ", 1) for b in _BASE),
    *(b.replace(" the ", " a ", 1) for b in _BASE),
    *(b.upper() for b in _BASE[:2]),
    _BASE[0].replace("said", "“said”"),
    _BASE[0].replace("40", "41"),
    _BASE[1].replace("3.5", "4.5"),
    *(b.replace(" in ", " in the ", 1) for b in _BASE[2:]),
]


def extraction(doc_id: str, picks: list[int]) -> DocumentClaims:
    text = " ".join(POOL[i] for i in picks)
    document = Document(id=doc_id, path=f"{doc_id}.txt", title=doc_id, text=text, sha256=hashlib.sha256(text.encode()).hexdigest())
    return extract_claims(document, CFG).compact(CFG.context_sentences)


def replayed(before: dict[str, DocumentClaims], after: dict[str, DocumentClaims], known_before: frozenset[str],
             known_after: frozenset[str], loads: list[str]) -> list:
    """The merge of ``after`` as a rerun makes it: documents whose extraction is the same as in ``before``
    come from the rows of the last merge (made with ``known_before``), the others from their extractions."""
    last = merge_claims(before.values(), CFG, known_ids=known_before)
    rows = {d: counted(e, d) for d, e in before.items()}
    same = [d for d in after if d in before and after[d] == before[d]]
    unchanged = Unchanged(sentences={d: rows[d][4] for d in same},
                          claims={(c.document, c.sentence_index): c for c in last},
                          load=lambda d: loads.append(d) or before[d])
    return merge_claims([e for d, e in after.items() if d not in same], CFG, known_ids=known_after, unchanged=unchanged)


DOCS = st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e", "f", "g"]), st.lists(st.integers(0, len(POOL) - 1), max_size=4),
                       max_size=6)
KNOWN = st.sets(st.integers(0, len(POOL) - 1), max_size=4).map(lambda picks: frozenset(claim_id(POOL[i]) for i in picks))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=DOCS, edits=DOCS, dropped=st.sets(st.sampled_from("abcdefg")), known_before=KNOWN, known_after=KNOWN)
def test_merging_unchanged_documents_from_the_last_merge_gives_the_full_merge(
    before: dict[str, list[int]], edits: dict[str, list[int]], dropped: set[str], known_before: frozenset[str],
    known_after: frozenset[str],
) -> None:
    old = {d: extraction(d, picks) for d, picks in before.items()}
    new = {d: extraction(d, picks) for d, picks in {**before, **edits}.items() if d not in dropped}
    loads: list[str] = []
    got = replayed(old, new, known_before, known_after, loads)
    full = merge_claims(new.values(), CFG, known_ids=known_after)
    assert got == full
    assert [c.model_dump_json() for c in got] == [c.model_dump_json() for c in full]
    assert all(d in old and new.get(d) == old[d] for d in loads)  # only unchanged documents are ever read, each at most once
    assert len(loads) == len(set(loads))


def test_a_sentence_that_heads_its_group_only_now_is_read_from_its_extraction() -> None:
    first, repeat = POOL[0], POOL[4]  # a sentence and its near-duplicate
    old = {"a": extraction("a", [0, 1]), "b": extraction("b", [4, 0, 2])}
    new = {"a": extraction("a", [1]), "b": old["b"]}  # document a no longer says it: b's copies make the claim now
    loads: list[str] = []
    got = replayed(old, new, frozenset(), frozenset(), loads)
    assert got == merge_claims(new.values(), CFG)
    assert loads == ["b"]
    (claim,) = [c for c in got if c.id == claim_id(repeat)]
    assert claim.document == "b" and [a.text for a in claim.appearances] == [None, first]


def test_unchanged_claims_keep_the_last_runs_objects_data_without_reading_anything() -> None:
    old = {d: extraction(d, picks) for d, picks in {"a": [0, 1], "b": [2], "c": [3, 0]}.items()}
    new = {**old, "b": extraction("b", [2, 7])}
    loads: list[str] = []
    assert replayed(old, new, frozenset(), frozenset(), loads) == merge_claims(new.values(), CFG)
    assert loads == []


def report_without_stamps(out: Path) -> dict:
    data = yaml.safe_load((out / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))
    data.pop("generated_at")
    data.pop("changes")
    return data


def test_a_rerun_reads_only_the_changed_documents_extractions_and_reports_as_a_refreshed_run(
    tmp_path: Path, loaded: LoadedConfig, monkeypatch: pytest.MonkeyPatch,
) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    a, b = "Officials said 40 people died in the Ohio floods on Monday.", "Officials said 40 people died in the Ohio floods on Monday night."
    write(seeds / "doc-00.txt", f"First\n\n{a} The city spent $3.5 million on the new bridge in 2019.\n")
    for i in range(1, 30):
        write(seeds / f"doc-{i:02d}.txt", f"Report {i}\n\n{b if i % 10 == 0 else a} Rebels seized {i} villages near Idlib in March 2015.\n")
    run_pipeline(loaded, seeds, out)
    asked: list[int] = []
    real_get_many = ExtractionCache.get_many
    monkeypatch.setattr(ExtractionCache, "get_many", lambda self, keys: asked.append(len(keys)) or real_get_many(self, keys))
    # The first document no longer says it: the claim passes to the next document that does.
    write(seeds / "doc-00.txt", "First\n\nThe city spent $3.5 million on the new bridge in 2019.\n")
    result = run_pipeline(loaded, seeds, out)
    assert (result.extracted, result.cached) == (1, 29)
    assert asked == [1, 1]  # the changed document (a miss), then the one document whose sentence heads the claim now
    replay = report_without_stamps(out)
    assert any(c["document"] == "doc-01" and c["text"] == a for c in replay["claims"])
    assert run_pipeline(loaded, seeds, out, refresh=True).extracted == 30
    assert report_without_stamps(out) == replay


def test_a_saved_row_edited_by_hand_falls_back_to_merging_every_extraction(
    tmp_path: Path, loaded: LoadedConfig, caplog: pytest.LogCaptureFixture,
) -> None:
    import json

    from factflow.layout import OutputLayout

    seeds, out = tmp_path / "seeds", tmp_path / "out"
    a = "Officials said 40 people died in the Ohio floods on Monday."
    write(seeds / "doc-00.txt", f"First\n\n{a} The city spent $3.5 million on the new bridge in 2019.\n")
    for i in range(1, 4):
        write(seeds / f"doc-{i:02d}.txt", f"Report {i}\n\n{a} Rebels seized {i} villages near Idlib in March 2015.\n")
    run_pipeline(loaded, seeds, out)
    path = OutputLayout(out).claims_cache
    head, *lines = path.read_text(encoding="utf-8").splitlines()
    counts = json.loads(head)
    first = counts["claims"] + counts["sources"]  # the rows' lines follow the claims' and the sources'
    for k in range(first, first + counts["counted"]):
        row = json.loads(lines[k])
        row[4] = [[index + 50, text, cid] for index, text, cid in row[4]]  # sentences the extractions do not hold
        lines[k] = json.dumps(row)
    path.write_text("\n".join([head, *lines]) + "\n", encoding="utf-8")
    write(seeds / "doc-00.txt", "First\n\nThe city spent $3.5 million on the new bridge in 2019.\n")
    run_pipeline(loaded, seeds, out)
    assert "does not match the extraction cache" in caplog.text
    replay = report_without_stamps(out)
    run_pipeline(loaded, seeds, out, refresh=True)
    assert report_without_stamps(out) == replay

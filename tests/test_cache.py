"""Incremental reruns: unchanged documents come from the extraction cache; a changed one is redone alone."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from factflow import stages
from factflow.cache import cache_keys
from factflow.config import ClaimsConfig, LoadedConfig
from factflow.ingest import load_documents
from factflow.layout import EXTRACTIONS as CACHE_DIR
from factflow.layout import OutputLayout
from factflow.pipeline import run_pipeline
from tests.conftest import write


def corpus(folder: Path) -> Path:
    for i in range(5):
        write(folder / f"doc-{i}.txt", f"Title {i}\n\nOfficials said {40 + i} people died in the Ohio floods on Monday.\n"
                                       f"The city spent ${i + 1}.5 million on the new bridge in 2019.\n")
    return folder


def report_without_stamps(out: Path) -> dict:
    data = yaml.safe_load((out / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))
    data.pop("generated_at")
    data.pop("changes")
    return data


def test_a_rerun_extracts_nothing_and_writes_the_same_report(tmp_path: Path, loaded: LoadedConfig) -> None:
    seeds, out = corpus(tmp_path / "seeds"), tmp_path / "out"
    first = run_pipeline(loaded, seeds, out)
    assert (first.extracted, first.cached) == (5, 0)
    before = report_without_stamps(out)
    second = run_pipeline(loaded, seeds, out)
    assert (second.extracted, second.cached) == (0, 5)
    assert report_without_stamps(out) == before


def test_a_changed_document_is_reprocessed_alone(tmp_path: Path, loaded: LoadedConfig) -> None:
    seeds, out = corpus(tmp_path / "seeds"), tmp_path / "out"
    run_pipeline(loaded, seeds, out)
    write(seeds / "doc-3.txt", "Title 3\n\nOfficials said 99 people died in the Ohio floods on Monday.\n")
    result = run_pipeline(loaded, seeds, out)
    assert (result.extracted, result.cached) == (1, 4)
    assert any("99 people" in c.text for c in result.report.claims)
    assert not any("43 people" in c.text for c in result.report.claims)


def test_refresh_ignores_the_cache(tmp_path: Path, loaded: LoadedConfig) -> None:
    seeds, out = corpus(tmp_path / "seeds"), tmp_path / "out"
    run_pipeline(loaded, seeds, out)
    assert run_pipeline(loaded, seeds, out, refresh=True).extracted == 5


def test_changed_claims_settings_miss_the_cache(tmp_path: Path, loaded: LoadedConfig) -> None:
    seeds, out = corpus(tmp_path / "seeds"), tmp_path / "out"
    run_pipeline(loaded, seeds, out)
    stricter = LoadedConfig(config=loaded.config.model_copy(update={"claims": ClaimsConfig(threshold=0.9)}), path=None, sha256=None)
    assert run_pipeline(stricter, seeds, out).extracted == 5


def _entries(out: Path) -> dict[str, float]:
    with contextlib.closing(sqlite3.connect(OutputLayout(out).extractions)) as db:
        return dict(db.execute("SELECT key, saved FROM extraction"))


def test_expired_and_corrupt_entries_are_redone(tmp_path: Path, loaded: LoadedConfig) -> None:
    seeds, out = corpus(tmp_path / "seeds"), tmp_path / "out"
    run_pipeline(loaded, seeds, out)
    docs, _ = load_documents(seeds, loaded.config.ingest)
    keys = cache_keys(docs, loaded.config.claims, seeds)
    assert set(_entries(out)) == set(keys)  # one entry a document
    past = time.time() - 31 * 86400
    with contextlib.closing(sqlite3.connect(OutputLayout(out).extractions)) as db, db:
        db.execute("UPDATE extraction SET saved = ? WHERE key = ?", (past, keys[0]))
        db.execute("UPDATE extraction SET value = ? WHERE key = ?", (b"{not json", keys[1]))
        db.execute("INSERT INTO extraction VALUES ('gone', ?, x'00')", (past,))  # an expired entry of a document no longer there
    # Nothing changed, so the run's merged claims would serve without any document's entry: age them too.
    os.utime(OutputLayout(out).claims_cache, (past, past))
    assert run_pipeline(loaded, seeds, out).extracted == 2
    assert set(_entries(out)) == set(keys) and min(_entries(out).values()) > past  # redone, and the expired entry deleted
    (OutputLayout(out).claims_cache).write_text("{not json", encoding="utf-8")
    assert run_pipeline(loaded, seeds, out).extracted == 0  # every document's entry is fresh again


@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated"])
def test_a_damaged_cache_database_is_built_again(tmp_path: Path, loaded: LoadedConfig, damage: str) -> None:
    """A cache, not a record: a database a crash or a person damaged costs its entries, never the run."""
    seeds, out = corpus(tmp_path / "seeds"), tmp_path / "out"
    run_pipeline(loaded, seeds, out)
    first = report_without_stamps(out)
    database = OutputLayout(out).extractions
    content = database.read_bytes()
    database.write_bytes({"garbage": b"not a database at all" * 100, "empty": b"", "truncated": content[: len(content) // 2]}[damage])
    OutputLayout(out).claims_cache.unlink()  # so the documents' entries are read
    again = run_pipeline(loaded, seeds, out)
    assert again.extracted + again.cached == 5 and report_without_stamps(out) == first
    assert run_pipeline(loaded.with_changes("claims", threshold=0.99), seeds, out).extracted == 5  # and it is written to again
    assert len(_entries(out)) == 10


def test_earlier_versions_cache_folder_is_removed(tmp_path: Path, loaded: LoadedConfig) -> None:
    seeds, out = corpus(tmp_path / "seeds"), tmp_path / "out"
    legacy = OutputLayout(out).legacy_extractions
    write(legacy / "ab" / "ab12.json", "{}")
    run_pipeline(loaded, seeds, out)
    assert not legacy.exists() and OutputLayout(out).extractions.is_file()


def test_the_cache_can_be_turned_off(tmp_path: Path, loaded: LoadedConfig) -> None:
    seeds, out = corpus(tmp_path / "seeds"), tmp_path / "out"
    off = loaded.with_changes("cache", enabled=False)
    run_pipeline(off, seeds, out)
    assert run_pipeline(off, seeds, out).extracted == 5
    # The extraction cache stays off; the folder may still hold the report snapshot the "changes" section needs.
    assert not (out / CACHE_DIR).exists()


def count_merges(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    import factflow.stages as stages

    calls: list[int] = []
    real = stages.merge_claims

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(stages, "merge_claims", counting)
    return calls


def test_a_rerun_reuses_the_merged_claims_and_a_changed_document_merges_again(
    tmp_path: Path, loaded: LoadedConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds, out = corpus(tmp_path / "seeds"), tmp_path / "out"
    run_pipeline(loaded, seeds, out)
    before = report_without_stamps(out)
    merges = count_merges(monkeypatch)
    run_pipeline(loaded, seeds, out)
    assert merges == [] and report_without_stamps(out) == before
    write(seeds / "doc-2.txt", "Title 2\n\nRebels seized the northern city of Idlib in March 2015.\n")
    run_pipeline(loaded, seeds, out)
    assert merges == [1]
    assert any("Idlib" in c["text"] for c in report_without_stamps(out)["claims"])
    run_pipeline(loaded, seeds, out, refresh=True)
    assert merges == [1, 1]


@pytest.mark.parametrize("damage", ["a line short", "a line more", "a claim's line not JSON", "counts that disagree", "one JSON object"])
def test_a_saved_merge_not_whole_is_not_used_and_the_claims_are_merged_again(
    tmp_path: Path, loaded: LoadedConfig, monkeypatch: pytest.MonkeyPatch, damage: str,
) -> None:
    """The saved merge is a line per claim, source list and document row after a line that counts them:
    a file that is not whole by those counts is no saved merge (the run merges anew, and says the same)."""
    seeds, out = corpus(tmp_path / "seeds"), tmp_path / "out"
    run_pipeline(loaded, seeds, out)
    before = report_without_stamps(out)
    path = OutputLayout(out).claims_cache
    head, *lines = path.read_text(encoding="utf-8").splitlines()
    counts = json.loads(head)
    assert counts["claims"] >= 2 and len(lines) == counts["claims"] + counts["sources"] + counts["counted"] + 2
    damaged = {
        "a line short": [head, *lines[1:]],
        "a line more": [head, *lines, "{}"],
        "a claim's line not JSON": [head, lines[0][:-1], *lines[1:]],
        "counts that disagree": [json.dumps({**counts, "claims": counts["claims"] - 1}), *lines],
        "one JSON object": [json.dumps({**counts, "claims": [json.loads(line) for line in lines[:counts["claims"]]]})],
    }[damage]
    path.write_text("\n".join(damaged) + "\n", encoding="utf-8")
    merges = count_merges(monkeypatch)
    run_pipeline(loaded, seeds, out)
    assert merges == [1] and report_without_stamps(out) == before
    run_pipeline(loaded, seeds, out)  # the merge saved again serves
    assert merges == [1] and report_without_stamps(out) == before


def test_a_near_duplicate_id_taken_into_use_is_not_hidden_by_the_cache(tmp_path: Path, loaded: LoadedConfig) -> None:
    from factflow.claims import claim_id

    a = "Russian logistics forces began arriving in the coastal region of Syria in recent days to set up bases for fighter jets."
    b = "Russian logistics forces began arriving in the coastal region of Syria in recent days to set up new bases for fighter jets."
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    write(seeds / "one.txt", f"One\n\n{a}\n")
    write(seeds / "two.txt", f"Two\n\n{b}\n")
    run_pipeline(loaded, seeds, out)
    assert [c["id"] for c in report_without_stamps(out)["claims"]] == [claim_id(a)]
    # The group's id falls out of use (its task and stubs deleted) and a reviewer's verdict uses the
    # near-duplicate's own id (say, from a run on document two alone): the group takes that id.
    for path in out.glob(f"review/**/{claim_id(a)}.yaml"):
        path.unlink()
    write(out / "review" / "verdicts" / "reviewer-1" / f"{claim_id(b)}.yaml",
          f"claim: {claim_id(b)}\nclaim_text: {b}\nreviewer: reviewer-1\nrating: 'false'\nrationale: Checked.\n")
    run_pipeline(loaded, seeds, out)
    assert [c["id"] for c in report_without_stamps(out)["claims"]] == [claim_id(b)]


def test_merged_claims_are_linked_again_on_another_day_when_an_archive_window_moves(
    loaded: LoadedConfig, seed_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime

    import factflow.cache
    from factflow.cache import claims_key
    from factflow.ingest import load_documents

    documents, _ = load_documents(seed_dir, loaded.config.ingest)
    assert any(t.covers_days for t in loaded.config.sources.catalog)  # the default GDELT entry
    today = claims_key(documents, loaded.config)

    class Tomorrow(datetime.date):
        @classmethod
        def today(cls) -> datetime.date:
            return datetime.date.fromordinal(datetime.date.today().toordinal() + 1)

    monkeypatch.setattr(factflow.cache, "date", Tomorrow)
    assert claims_key(documents, loaded.config) != today
    without = loaded.with_changes("sources", catalog=[t for t in loaded.config.sources.catalog if not t.covers_days and not t.fallback_for])
    monkeypatch.setattr(factflow.cache, "date", datetime.date)
    fixed = claims_key(documents, without.config)
    monkeypatch.setattr(factflow.cache, "date", Tomorrow)
    assert claims_key(documents, without.config) == fixed  # no window, no daily relinking


def test_when_one_document_in_a_hundred_changes_the_rerun_redoes_only_its_work(
    tmp_path: Path, loaded: LoadedConfig, monkeypatch: pytest.MonkeyPatch,
) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    linked: list[str] = []
    real_link = stages.link_sources_with_reasons
    monkeypatch.setattr(stages, "link_sources_with_reasons", lambda claim, *a, **k: linked.append(claim.id) or real_link(claim, *a, **k))
    for i in range(100):
        write(seeds / f"doc-{i:03d}.txt", f"Report {i}\n\nOfficials said {100 + i} people died in the floods in Ohio on Monday.\n"
                                          f"The city spent ${i + 2}.5 million on the bridge over the Ohio River in 2019.\n")
    first = run_pipeline(loaded, seeds, out)
    claims_first = {c.id for c in first.report.claims}
    assert first.extracted == 100 and first.tasks_written == len(claims_first) > 100
    assert sorted(linked) == sorted(claims_first)
    tasks = {p.name: p.stat().st_mtime_ns for p in OutputLayout(out).tasks.glob("*.yaml")}
    write(seeds / "doc-042.txt", "Report 42\n\nOfficials said 999 people died in the floods in Ohio on Monday.\n"
                                 "The city spent $999.5 million on the bridge over the Ohio River in 2019.\n")
    linked.clear()
    second = run_pipeline(loaded, seeds, out)
    claims_second = {c.id for c in second.report.claims}
    new, gone = claims_second - claims_first, claims_first - claims_second
    assert (second.extracted, second.cached) == (1, 99)  # only the changed document is extracted
    assert sorted(linked) == sorted(new)  # and only its claims linked to sources: the others keep theirs
    # The same sources as linking every claim afresh would give.
    fresh = run_pipeline(loaded, seeds, tmp_path / "fresh")
    assert {c.id: c.sources for c in second.report.claims} == {c.id: c.sources for c in fresh.report.claims}
    assert len(new) == len(gone) == 2 and second.tasks_written == 2  # the changed document's two claims, no other task
    assert second.stubs_created == 2 * loaded.config.review.reviewers_per_claim
    after = {p.name: p.stat().st_mtime_ns for p in OutputLayout(out).tasks.glob("*.yaml")}
    assert {n for n in after if after[n] != tasks.get(n)} == {f"{c}.yaml" for c in new}  # every other task file untouched
    assert set(tasks) - set(after) == {f"{c}.yaml" for c in gone}


def test_a_corpus_row_that_grows_a_line_is_redone_alone_and_rows_below_keep_their_cache(tmp_path: Path, loaded: LoadedConfig) -> None:
    """A corpus row's document is named by the line it starts on; an edit that adds a line to one row
    moves every row below it, which must still come from the cache, their problems naming the new line."""
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    rows = [f"r{i},Report {i},Officials said {100 + i} people died in the Ohio floods on Monday." for i in range(20)]
    rows[15] = "r15,Report 15," + "word " * 700  # one run of text with no sentence end: a problem of its own
    write(seeds / "corpus.csv", "id,title,content\n" + "\n".join(rows) + "\n")
    first = run_pipeline(loaded, seeds, out)
    assert first.extracted == 20 and [Path(p.file).name for p in first.problems] == ["corpus.csv:17"]
    rows[3] = 'r3,Report 3,"Officials said 103 people died in the Ohio floods on Monday.\n\nThe city spent $4.5 million on the bridge in 2019."'
    write(seeds / "corpus.csv", "id,title,content\n" + "\n".join(rows) + "\n")
    second = run_pipeline(loaded, seeds, out)
    assert (second.extracted, second.cached) == (1, 19)  # the edited row alone, though 16 rows moved down two lines
    assert [Path(p.file).name for p in second.problems] == ["corpus.csv:19"]  # the cached row's problem names where it is now
    report = yaml.safe_load((out / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))
    paths = {d["id"]: Path(d["path"]).name for d in report["documents"]}
    assert (paths["r2"], paths["r3"], paths["r4"], paths["r19"]) == ("corpus.csv:4", "corpus.csv:5", "corpus.csv:8", "corpus.csv:23")


def test_changed_sources_settings_link_every_claim_again(tmp_path: Path, loaded: LoadedConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    seeds, out = corpus(tmp_path / "seeds"), tmp_path / "out"
    first = run_pipeline(loaded, seeds, out)
    linked: list[str] = []
    real_link = stages.link_sources_with_reasons
    monkeypatch.setattr(stages, "link_sources_with_reasons", lambda claim, *a, **k: linked.append(claim.id) or real_link(claim, *a, **k))
    write(seeds / "doc-0.txt", "Title 0\n\nOfficials said 77 people died in the Ohio floods on Tuesday.\n")
    fallen_back_to = {e.fallback_for for e in loaded.config.sources.catalog}
    dropped = next(s.id for c in first.report.claims for s in c.sources if s.id not in fallen_back_to)
    catalog = [e for e in loaded.config.sources.catalog if e.id != dropped]  # one entry fewer: every claim's links may differ
    sources = loaded.config.sources.model_copy(update={"catalog": catalog})
    changed = loaded.model_copy(update={"config": loaded.config.model_copy(update={"sources": sources})})
    second = run_pipeline(changed, seeds, out)
    assert sorted(linked) == sorted(c.id for c in second.report.claims) and len(linked) > 2
    assert all(s.id != dropped for c in second.report.claims for s in c.sources)


def test_a_rerun_with_the_seeds_folder_named_otherwise_or_moved_reuses_every_extraction(
    tmp_path: Path, loaded: LoadedConfig, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A scheduled rerun starts in another working folder, a person names the folder by its absolute
    path, the corpus moves: the documents are the same, so nothing is extracted again, and the
    problems and the report name the files where they are in this run."""
    seeds = corpus(tmp_path / "work" / "seeds")
    write(seeds / "long.txt", "Title\n\n" + "word " * 700 + "\n")  # a problem of its own, kept with its extraction
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path / "work")
    first = run_pipeline(loaded, Path("seeds"), out)
    assert first.extracted == 6 and [p.file for p in first.problems] == [os.path.join("seeds", "long.txt")]
    before = report_without_stamps(out)

    def shown(folder: Path) -> tuple[list[str], set[str]]:
        report = yaml.safe_load((out / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))
        return [p["file"] for p in report["problems"]], {d["path"] for d in report["documents"]}

    for named in (seeds.resolve(), Path("./seeds/")):  # the merged claims serve: nothing changed but the name
        again = run_pipeline(loaded, named, out)
        assert (again.extracted, again.cached) == (0, 6)
        assert [p.file for p in again.problems] == [str(named / "long.txt")]
        assert shown(named) == ([str(named / "long.txt")], {str(named / f"doc-{i}.txt") for i in range(5)} | {str(named / "long.txt")})
    moved = seeds.rename(tmp_path / "elsewhere")
    write(moved / "doc-2.txt", "Title 2\n\nOfficials said 99 people died in the Ohio floods on Monday.\n")
    monkeypatch.chdir(tmp_path)
    changed = run_pipeline(loaded, Path("elsewhere"), out)  # one document changed: merged again, the rest from the cache
    assert (changed.extracted, changed.cached) == (1, 5)
    assert [p.file for p in changed.problems] == [os.path.join("elsewhere", "long.txt")]
    texts = {c["text"] for c in before["claims"]} - {"Officials said 42 people died in the Ohio floods on Monday.",
                                                      "The city spent $3.5 million on the new bridge in 2019."}
    assert {c["text"] for c in report_without_stamps(out)["claims"]} == texts | {"Officials said 99 people died in the Ohio floods on Monday."}


def test_the_code_version_of_extraction_covers_the_name_finder_and_the_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cached extraction is only as current as the code that made it: the claims package, and the
    files outside it that decide what it finds (names.py and its common words, the models package). A change to any of them misses."""
    import factflow.cache as cache_module

    package = tmp_path / "factflow"
    write(package / "claims" / "__init__.py", "# claims\n")
    write(package / "models" / "__init__.py", "# models\n")
    write(package / "names.py", "# names\n")
    write(package / "common-words.txt.gz", "human\n")
    monkeypatch.setattr(cache_module.resources, "files", lambda name: package)
    versions = []
    for path, text in [(None, ""), (package / "names.py", "# names, changed\n"), (package / "models" / "claims.py", "# claims models\n"),
                       (package / "claims" / "__init__.py", "# claims, changed\n"), (package / "common-words.txt.gz", "human\nrebels\n")]:
        if path is not None:
            write(path, text)
        versions.append(cache_module._code_version.__wrapped__("claims"))
    assert len(set(versions)) == 5


def test_an_edited_document_runs_only_its_changed_sentences_through_the_detector(
    tmp_path: Path, loaded: LoadedConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from factflow.claims import KEEP_SCORES_FROM, registry, scoring

    article = [f"Officials said {40 + i} people were hurt in the Ohio floods on day {i}, the state reported." for i in range(8)]
    assert len(article) >= KEEP_SCORES_FROM
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    write(seeds / "long.txt", "Floods\n\n" + " ".join(article) + "\n")
    write(seeds / "short.txt", "Short\n\nThe city spent $2.5 million on the new bridge in 2019.\n")
    run_pipeline(loaded, seeds, out)
    seen: list[str] = []
    model = registry.get(loaded.config.claims.detector).load()
    real = model.scores

    def counting(sentences: Any, signals: Any) -> list[float]:
        seen.extend(sentences)
        return real(sentences, signals)

    monkeypatch.setattr(model, "scores", counting)
    scoring.forget_sentences()  # as a new process starts
    edited = [*article[:3], "Officials said 99 people were hurt in the Ohio floods on day 3, the state reported.", *article[4:]]
    write(seeds / "long.txt", "Floods\n\n" + " ".join(edited) + "\n")
    write(seeds / "short.txt", "Short\n\nThe city spent $3.5 million on the new bridge in 2019.\n")
    result = run_pipeline(loaded, seeds, out)
    assert (result.extracted, result.cached) == (2, 0)
    # The long document's changed sentence, and the short document whole (too short to keep its scores).
    assert sorted(seen) == sorted([edited[3], "The city spent $3.5 million on the new bridge in 2019."])
    incremental = report_without_stamps(out)
    scoring.forget_sentences()
    run_pipeline(loaded, seeds, out, refresh=True)
    assert report_without_stamps(out) == incremental  # the same claims, scores and report as extracting afresh
    # Other scores (another detector or threshold) never serve: a changed threshold scores every sentence again.
    seen.clear()
    scoring.forget_sentences()
    write(seeds / "long.txt", "Floods\n\n" + " ".join(article) + "\n")
    run_pipeline(loaded.with_changes("claims", threshold=0.3), seeds, out)
    assert sorted(seen) == sorted([*article, "The city spent $3.5 million on the new bridge in 2019."])


def test_damaged_kept_scores_are_ignored_and_the_document_scored_afresh(tmp_path: Path, loaded: LoadedConfig) -> None:
    from factflow.claims import scoring

    article = [f"Officials said {40 + i} people were hurt in the Ohio floods on day {i}, the state reported." for i in range(6)]
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    write(seeds / "a.txt", "A\n\n" + " ".join(article) + "\n")
    write(seeds / "b.txt", "B\n\n" + " ".join(reversed(article)) + "\n")
    run_pipeline(loaded, seeds, out)
    with contextlib.closing(sqlite3.connect(OutputLayout(out).extractions)) as db, db:
        assert db.execute("SELECT COUNT(*) FROM scores").fetchone() == (2,)
        db.execute("UPDATE scores SET value = ? WHERE document = 'a'", (b"not zlib",))
        db.execute("UPDATE scores SET value = ? WHERE document = 'b'", (zlib.compress(b'[1, 2, 3]'),))
    write(seeds / "a.txt", "A\n\n" + " ".join(article) + " The mayor said 12 roads were closed.\n")
    write(seeds / "b.txt", "B\n\n" + " ".join(reversed(article)) + " The mayor said 13 roads were closed.\n")
    scoring.forget_sentences()
    assert run_pipeline(loaded, seeds, out).extracted == 2
    incremental = report_without_stamps(out)
    scoring.forget_sentences()
    run_pipeline(loaded, seeds, out, refresh=True)
    assert report_without_stamps(out) == incremental

"""The desk's memory: `factflow import claimreview` and the desk's own earlier verdicts matched to new claims."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from factflow_flows.cli import main

from factflow.config import LoadedConfig
from factflow.export import load_report
from factflow.layout import OutputLayout
from factflow.memory import (
    INDEX_PATH,
    RATED,
    RatedClaim,
    desk_candidates,
    find_already_checked,
    import_files,
    imported_candidates,
    load_index,
)
from factflow.models import Claim
from factflow.pipeline import run_pipeline
from factflow.report import desk_ratings
from factflow.review import collect_verdicts, load_ledger
from tests.conftest import write

REVIEW = {
    "@context": "https://schema.org", "@type": "ClaimReview", "url": "https://checker.example/r/1",
    "claimReviewed": "Unemployment fell to 4.1 percent in 2019.", "datePublished": "2020-01-05",
    "author": {"@type": "Organization", "name": "Checker"},
    "reviewRating": {"@type": "Rating", "ratingValue": 5, "alternateName": "Mostly true"},
}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_import_reads_a_list_a_graph_and_json_lines_and_is_idempotent(tmp_path: Path) -> None:
    second = REVIEW | {"url": "https://checker.example/r/2", "claimReviewed": "The wall will cost $25 billion."}
    third = REVIEW | {"url": "https://other.example/3", "reviewRating": {"ratingValue": 2}, "author": [{"name": "Other"}]}
    listed = write(tmp_path / "list.json", json.dumps([REVIEW]))
    graph = write(tmp_path / "graph.json", json.dumps({"@context": "https://schema.org", "@graph": [second]}))
    lines = write(tmp_path / "more.jsonl", json.dumps(third) + "\n" + json.dumps(REVIEW) + "\n")
    out = tmp_path / "out"
    code, text, err = invoke("import", "claimreview", str(listed), str(graph), str(lines), "--out", str(out))
    assert code == 0, text + err
    assert "Imported 3 new, 0 updated, 1 unchanged; 3 reviews" in text
    index = load_index(out)
    assert [(r.publisher, r.rating) for r in index.reviews] == [("Checker", "Mostly true"), ("Checker", "Mostly true"), ("Other", "2")]
    before = (out / INDEX_PATH).read_bytes()
    code, text, _ = invoke("import", "claimreview", str(lines), str(listed), "--out", str(out))
    assert "Imported 0 new, 0 updated, 3 unchanged; 3 reviews" in text
    assert (out / INDEX_PATH).read_bytes() == before


def test_an_import_waits_for_a_run_writing_the_same_folder(tmp_path: Path) -> None:
    """The index and its vectors are the run's files too: an import takes the output folder's lock
    (a run clears the index's stale temporary files as it starts, and two writers would lose additions)."""
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\nfrom factflow.lock import output_lock\n"
         "with output_lock(Path(sys.argv[1]), 5):\n    print('locked', flush=True)\n    time.sleep(2)\n", str(out)],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    started = time.monotonic()
    code, text, err = invoke("import", "claimreview", str(write(tmp_path / "list.json", json.dumps([REVIEW]))), "--out", str(out))
    waited = time.monotonic() - started
    holder.wait(timeout=30)
    assert code == 0, text + err
    assert waited > 1.0 and f"another factflow run is writing to {out}; waiting for it to finish" in err
    assert "Imported 1 new" in text


def test_import_reads_a_data_feed_of_data_feed_items(tmp_path: Path) -> None:
    """Data Commons' fact-check feed is a schema.org DataFeed whose elements are DataFeedItems holding the
    review in ``item`` (a list of one); every review in it was "claimReviewed: missing" and none was imported."""
    def element(review: object) -> dict[str, object]:
        return {"@type": "DataFeedItem", "dateCreated": "2020-01-06", "item": review}

    second = REVIEW | {"url": "https://checker.example/r/2", "claimReviewed": "The wall will cost $25 billion."}
    third = REVIEW | {"url": "https://checker.example/r/3", "claimReviewed": "Crime fell 10 percent in 2018."}
    fourth = REVIEW | {"url": "https://checker.example/r/4", "claimReviewed": "Exports doubled in 2015."}
    feed = write(tmp_path / "feed.json", json.dumps({
        "@context": "http://schema.org", "@type": "DataFeed",
        "dataFeedElement": [element([REVIEW]), element(second), element([third, {"@type": "ClaimReview"}]), element([]),
                            element([fourth])],
    }))
    lines = write(tmp_path / "feed.jsonl", json.dumps(element([fourth])) + "\n" + json.dumps(element([second])) + "\n")
    result = import_files([feed, lines], tmp_path / "out")
    assert (result.added, result.unchanged) == (4, 2)
    assert sorted(r.claim for r in load_index(tmp_path / "out").reviews) == sorted(
        r["claimReviewed"] for r in (REVIEW, second, third, fourth))
    assert [(p.line, p.message.split(";")[0]) for p in result.problems] == [
        (None, "item 3.2: claimReviewed: missing"), (None, "item 4: a DataFeedItem whose item list is empty")]


def test_bad_items_are_problems_with_file_item_and_line(tmp_path: Path) -> None:
    bad = [REVIEW, {"@type": "ClaimReview", "url": "https://x.example/2"}, "text",
           REVIEW | {"url": "javascript:alert(1)"}, REVIEW | {"url": "https://x.example/5", "reviewRating": {}}]
    listed = write(tmp_path / "bad.json", "[\n" + ",\n".join(json.dumps(item, indent=1) for item in bad) + "\n]\n")  # streamed: lines known
    lines = write(tmp_path / "bad.jsonl", json.dumps(REVIEW) + "\n{not json\n")
    result = import_files([listed, lines], tmp_path / "out")
    assert result.added == 1 and result.unchanged == 1
    messages = [(p.file, p.line, p.message.split(";")[0]) for p in result.problems]
    assert messages == [
        (str(listed), 18, "item 2: claimReviewed: missing"),  # the line each item starts on
        (str(listed), 22, "item 3: a JSON string, not an object"),
        (str(listed), 23, "item 4: url: must be an http:// or https:// URL with a host, such as https://example.org/page"),
        (str(listed), 39, "item 5: reviewRating: no alternateName or ratingValue"),
        (str(lines), 2, "item 2: not a JSON object (Expecting property name enclosed in double quotes, column 2)"),
    ]


def test_json_nested_too_deeply_is_one_clear_error_or_one_bad_item(tmp_path: Path) -> None:
    deep = write(tmp_path / "deep.json", "[" * 200_000)
    code, text, err = invoke("import", "claimreview", str(deep), "--out", str(tmp_path / "out"))
    assert code == 1 and "Traceback" not in text + err
    assert "deep.json:1: nested too deeply to read" in text + err  # the line of the item that nests too deeply
    lines = write(tmp_path / "lines.jsonl", json.dumps(REVIEW) + "\n" + "[" * 200_000 + "\n")
    result = import_files([lines], tmp_path / "out")
    assert result.added == 1
    assert [(p.line, p.message.split(";")[0]) for p in result.problems] == [(2, "item 2: nested too deeply to read")]


def test_a_number_too_long_to_read_is_one_clear_error_or_one_bad_item(tmp_path: Path) -> None:
    """Python refuses to turn 4,301 digits and more into an int (a ValueError that is no JSONDecodeError):
    that was a traceback; it is one line naming the file, or, in JSON Lines, one item with its line."""
    long = "9" * 5000
    whole = write(tmp_path / "long.json", json.dumps([REVIEW])[:-2] + f', "x": {long}}}]')
    code, text, err = invoke("import", "claimreview", str(whole), "--out", str(tmp_path / "out"))
    assert code == 1 and "Traceback" not in text + err
    assert "long.json:1: a number of more than 4,300 digits" in err
    for first in (True, False):  # first: the long number comes before the line that makes the file JSON Lines
        bad = f'{{"claimReviewed": "x", "n": {long}}}'
        rows = [bad, json.dumps(REVIEW)] if first else [json.dumps(REVIEW), bad]
        lines = write(tmp_path / "long.jsonl", "\n".join(rows) + "\n")
        result = import_files([lines], tmp_path / "out")
        assert result.added + result.unchanged == 1
        line = 1 if first else 2
        assert [(p.line, p.message.split(";")[0]) for p in result.problems] == [
            (line, f"item {line}: a number of more than 4,300 digits, longer than Python reads")]


def test_a_json_lines_feed_is_read_a_line_at_a_time(tmp_path: Path) -> None:
    """JSON Lines were read whole: 20,000 reviews (6.8 MB) peaked at 52 MB traced, 23 MB above the 29 MB of
    reviews returned (the bytes, the text, a list of its lines). Now the peak is the reviews."""
    import tracemalloc

    from factflow.memory.claimreview import read_claimreviews

    feed = write(tmp_path / "feed.jsonl", "".join(json.dumps(REVIEW | {"url": f"https://checker.example/r/{i}",
                                                                      "claimReviewed": f"Claim {i}: unemployment fell to 4.1 percent."}) + "\n"
                                                 for i in range(20_000)))
    tracemalloc.start()
    try:
        reviews, problems = read_claimreviews(feed)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(reviews) == 20_000 and problems == []
    assert peak - held < feed.stat().st_size / 4, f"{(peak - held) / 1e6:.1f} MB above the reviews for a file of {feed.stat().st_size / 1e6:.1f} MB"


def test_json_lines_read_a_line_at_a_time_keep_their_line_numbers_and_problems(tmp_path: Path) -> None:
    from factflow.memory.claimreview import MAX_LINE_CHARS, read_claimreviews

    rows = ["", json.dumps(REVIEW), "   ", json.dumps(REVIEW | {"url": "https://x.example/2"}), '{"claimReviewed": "' + "x" * MAX_LINE_CHARS + '"}',
            "{not json", "[1]", json.dumps(REVIEW | {"url": "https://x.example/3"})]
    path = tmp_path / "feed.jsonl"
    path.write_bytes("\r\n".join(rows).encode() + b"\r\n")
    reviews, problems = read_claimreviews(path)
    assert [r.url for r in reviews] == ["https://checker.example/r/1", "https://x.example/2", "https://x.example/3"]
    assert [(p.line, p.message.split(";")[0]) for p in problems] == [
        (5, f"item 3: line longer than {MAX_LINE_CHARS:,} characters"),
        (6, "item 4: not a JSON object (Expecting property name enclosed in double quotes, column 2)"),
        (7, "item 5: a JSON array, not an object"),
    ]
    assert all(p.file == str(path) for p in problems)
    one = write(tmp_path / "one.json", json.dumps({"@graph": [REVIEW, REVIEW | {"url": "https://x.example/2"}]}) + "\n\n")
    assert [r.url for r in read_claimreviews(one)[0]] == ["https://checker.example/r/1", "https://x.example/2"]  # one line: a document
    spread = write(tmp_path / "spread.json", json.dumps(REVIEW, indent=2) + "\n")
    assert len(read_claimreviews(spread)[0]) == 1  # an object over many lines


def test_a_damaged_match_cache_is_matched_again(tmp_path: Path) -> None:
    """The cache of the last run's matches: a file of any other shape (a list, JSON nested too deeply) is
    ignored and the claims are matched again, never a stopped run."""
    import numpy as np

    from factflow.memory.desk import recall

    class Fixed:
        meta = {"name": "fake"}
        dimensions = 2

        def encode(self, sentences: list[str]) -> np.ndarray:
            return np.array([[1.0, 0.0] for _ in sentences], dtype=np.float32)

    claim = Claim(id="c-1", document="d", text="The wall will cost $25 billion.", sentence_index=0, checkworthiness=0.9,
                  reasons=[], type="statistic", appearances=[])
    cache = tmp_path / "matches.json"
    for damaged in ("[]", "[" * 200_000, '{"key": 3}', '"text"'):
        cache.write_text(damaged, encoding="utf-8")
        assert recall([claim], [], 0.8, cache, Fixed) == {"c-1": []}
        assert json.loads(cache.read_text(encoding="utf-8"))["found"] == {"c-1": []}  # and the cache is whole again


def test_a_file_that_is_not_json_is_one_clear_error(tmp_path: Path) -> None:
    code, _, err = invoke("import", "claimreview", str(write(tmp_path / "x.json", "<html>")), "--out", str(tmp_path / "out"))
    assert code == 1 and "not JSON" in err and "Traceback" not in err


@pytest.fixture
def rated_desk(tmp_path: Path, loaded: LoadedConfig) -> Path:
    """A run whose bridge claim both reviewers rated mostly-true: the desk's memory holds it."""
    seeds = tmp_path / "seeds"
    write(seeds / "a.txt", "Bridge costs\n\nThe city spent $3.2 million on the new bridge in 2019, officials said.\n"
                           "Officials said 40 people died in the Ohio floods on Monday.\n")
    out = tmp_path / "out"
    run_pipeline(loaded, seeds, out)
    report = load_report(out / "reports" / "verdicts.yaml")
    bridge = next(c.id for c in report.claims if "bridge" in c.text)
    for reviewer in ("reviewer-1", "reviewer-2"):
        write(out / "review" / "verdicts" / reviewer / f"{bridge}.yaml", f"claim: {bridge}\nreviewer: {reviewer}\nrating: mostly-true\nrationale: The council minutes say so.\nevidence: [https://example.org/minutes]\n")
    run_pipeline(loaded, seeds, out)
    return out


def claim(cid: str, text: str) -> Claim:
    return Claim(id=cid, document="b", text=text, sentence_index=0, checkworthiness=0.9, reasons=[], type="statistic", appearances=[])


def desk_memory(out: Path, loaded: LoadedConfig) -> list[RatedClaim]:
    """What the desk remembers of ``out`` when no document holds its claims any more: every verdict orphaned."""
    ledger, _ = load_ledger(out, loaded.config.review)
    verdicts, _ = collect_verdicts(out, set(), loaded.config.review, ledger)
    rated, departed = desk_ratings([], verdicts, loaded.config.review, None, "2026-12-06T05:00:00+00:00")
    assert set(departed) == {r.id for r in rated}  # for the snapshot to keep their dates
    return rated


def test_the_desks_earlier_verdict_matches_a_paraphrase_and_not_a_changed_figure(rated_desk: Path, loaded: LoadedConfig) -> None:
    candidates = desk_candidates(desk_memory(rated_desk, loaded), "Desk", "https://desk.example/checks")
    assert len(candidates) == 1
    bridge = candidates[0].check.claim_id
    new = [claim("c-new", "In 2019 the city paid 3.2 million dollars for its new bridge."),
           claim("c-changed", "The city spent $8.2 million on the new bridge in 2019, officials said."),
           claim(bridge or "", candidates[0].text)]  # the claim itself is not its own earlier check
    found = find_already_checked(new, candidates, threshold=0.70)
    assert found["c-changed"] == [] and found[bridge or ""] == []
    [check] = found["c-new"]
    assert check.origin == "desk" and check.claim_id == bridge and check.rating == "mostly-true"
    assert check.reviewers == ["reviewer-1", "reviewer-2"] and check.url == f"https://desk.example/checks#{bridge}"
    assert check.similarity is not None and 0.70 <= check.similarity <= 1.0 and check.date == "2026-12-06"


def test_the_desk_remembers_a_rated_claim_after_its_document_leaves_the_seeds(rated_desk: Path, loaded: LoadedConfig) -> None:
    """A desk whose seeds change every day: the claims it rated stay its memory, run after run, with the
    date their rating was reached, as long as their verdict files say so (the memory was the last
    report's claims, so a rated claim was forgotten one run after its article left the seeds)."""
    seeds = rated_desk.parent / "seeds"
    [rated] = [c for c in load_report(OutputLayout(rated_desk).report).claims if c.consensus.status in RATED]
    (seeds / "a.txt").unlink()
    write(seeds / "b.txt", "Bridge spending\n\nIn 2019 the city paid 3.2 million dollars for its new bridge.\n")
    for _ in range(3):
        report = run_pipeline(loaded, seeds, rated_desk).report
        [new] = report.claims
        assert [(x.origin, x.claim_id, x.rating, x.date) for x in new.already_checked or []] == [
            ("desk", rated.id, "mostly-true", (rated.consensus.since or "")[:10])]
        assert {v.claim for v in report.orphaned_verdicts} == {rated.id}
    snapshot = json.loads(OutputLayout(rated_desk).report_snapshot.read_text(encoding="utf-8"))
    assert snapshot["remembered"] == {rated.id: ["agreed", "mostly-true", rated.consensus.since]}
    # A reviewer changes their mind on it: the desk no longer holds a rating, and the task says so at once.
    write(rated_desk / "review" / "verdicts" / "reviewer-2" / f"{rated.id}.yaml",
          f"claim: {rated.id}\nreviewer: reviewer-2\nrating: 'false'\nrationale: The audit says 8.2.\nevidence: []\n")
    [new] = run_pipeline(loaded, seeds, rated_desk).report.claims
    assert new.already_checked is None
    task = yaml.safe_load((rated_desk / "review" / "tasks" / f"{new.id}.yaml").read_text(encoding="utf-8"))
    assert task["already_checked"] is None


def test_a_rating_reached_in_this_run_is_on_its_repeats_task_in_the_same_run(tmp_path: Path, loaded: LoadedConfig) -> None:
    """The memory is the verdicts as this run collects them, not the last report's: the run that first
    reads an agreed verdict puts it on the claims repeating it, and the next run changes no file."""
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    write(seeds / "a.txt", "Bridge costs\n\nThe city spent $3.2 million on the new bridge in 2019, officials said.\n")
    write(seeds / "b.txt", "Bridge again\n\nIn 2019 the city paid 3.2 million dollars for its new bridge, the council said.\n")
    first = run_pipeline(loaded, seeds, out).report
    spent = next(c.id for c in first.claims if "spent" in c.text)
    for reviewer in ("reviewer-1", "reviewer-2"):
        write(out / "review" / "verdicts" / reviewer / f"{spent}.yaml",
              f"claim: {spent}\nreviewer: {reviewer}\nrating: mostly-true\nrationale: The minutes say so.\nevidence: []\n")
    second = run_pipeline(loaded, seeds, out)
    paid = next(c for c in second.report.claims if "paid" in c.text)
    assert [(x.origin, x.claim_id) for x in paid.already_checked or []] == [("desk", spent)]
    assert second.tasks_written == 1  # the repeat's task, with the desk's check
    assert run_pipeline(loaded, seeds, out).tasks_written == 0


def test_imported_reviews_are_candidates_too_highest_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    close = REVIEW | {"url": "https://checker.example/r/9", "claimReviewed": "Unemployment dropped to 4.1% in 2019."}
    import_files([write(tmp_path / "r.json", json.dumps([REVIEW, close]))], out)
    found = find_already_checked([claim("c-1", "In 2019 unemployment fell to 4.1 percent.")], imported_candidates(load_index(out)), 0.70)
    checks = found["c-1"]
    assert [c.origin for c in checks] == ["imported", "imported"]
    assert checks[0].similarity is not None and checks[1].similarity is not None and checks[0].similarity >= checks[1].similarity
    assert checks[0].model_dump()["publisher"] == "Checker"


def test_the_desks_own_export_round_trips(rated_desk: Path, tmp_path: Path) -> None:
    report = rated_desk / "reports" / "verdicts.yaml"
    code, exported, err = invoke("export", "claimreview", "--report", str(report), "--publisher", "Desk",
                                 "--publisher-url", "https://desk.example/checks")
    assert code == 0, err
    result = import_files([write(tmp_path / "desk.json", exported)], tmp_path / "memory")
    assert result.problems == [] and result.added == 1
    [review] = load_index(tmp_path / "memory").reviews
    assert review.publisher == "Desk" and review.rating == "Mostly true" and review.url and review.url.startswith("https://desk.example/checks#c-")
    assert review.claim.startswith("The city spent $3.2 million")


def test_a_run_puts_the_desks_and_imported_checks_on_the_new_claims_task_report_and_terminal(
    rated_desk: Path, loaded: LoadedConfig, tmp_path: Path
) -> None:
    from factflow.layout import OutputLayout
    from factflow.review import ReviewSession, load_tasks, load_verdict

    seeds = tmp_path / "seeds"
    write(seeds / "b.txt", "Bridge again\n\nIn 2019 the city paid 3.2 million dollars for its new bridge, the council said.\n"
                           "Unemployment dropped to 4.1% in 2019, the bureau reported.\n")
    import_files([write(tmp_path / "r.json", json.dumps([REVIEW]))], rated_desk)
    result = run_pipeline(loaded, seeds, rated_desk)
    by_text = {c.text: c for c in result.report.claims}
    paid = next(c for t, c in by_text.items() if "paid 3.2 million" in t)
    bridge = next(c for t, c in by_text.items() if "spent $3.2 million" in t)
    jobs = next(c for t, c in by_text.items() if "Unemployment" in t)
    [desk] = paid.already_checked or []
    assert (desk.origin, desk.claim_id, desk.rating, desk.reviewers) == ("desk", bridge.id, "mostly-true", ["reviewer-1", "reviewer-2"])
    [imported] = jobs.already_checked or []
    assert (imported.origin, imported.publisher, imported.url) == ("imported", "Checker", "https://checker.example/r/1")
    assert bridge.already_checked is None  # a claim is not its own earlier check
    tasks = {t.claim: t for t in load_tasks(rated_desk)}
    assert tasks[paid.id].already_checked == paid.already_checked and tasks[jobs.id].already_checked == jobs.already_checked
    assert OutputLayout(rated_desk).vector_cache.is_file()

    # The reviewer sees them in the terminal, closest first, with who rated what.
    seen = subprocess_review(rated_desk, "reviewer-1", paid.id)
    assert "Already checked (closest first):" in seen and f"'mostly-true' by this desk, claim {bridge.id}" in seen
    assert seen.index("Already checked") < seen.index("Sources:")  # first, before the search links

    # ... and adopts the desk's earlier verdict in one step: it becomes theirs, the match recorded.
    order = [t.task.claim for t in ReviewSession(rated_desk, loaded.config.review, "reviewer-1").open_tasks()]
    answers = "".join("a\n" if claim_id == paid.id else "s\n" for claim_id in order) + "q\n"
    seen = subprocess_review(rated_desk, "reviewer-1", paid.id, answers)
    verdict = load_verdict(rated_desk / "review" / "verdicts" / "reviewer-1" / f"{paid.id}.yaml", rated_desk, {paid.id},
                           loaded.config.review).verdict
    assert verdict.rating == "mostly-true" and verdict.evidence == []
    assert f"Adopted the desk's earlier verdict on the same claim {bridge.id} ('mostly-true'" in (verdict.rationale or "")
    assert "reviewer-1 and reviewer-2; similarity 0." in (verdict.rationale or "")
    again = run_pipeline(loaded, seeds, rated_desk)
    assert [v.rating for v in next(c for c in again.report.claims if c.id == paid.id).verdicts if v.reviewer == "reviewer-1"] == ["mostly-true"]


def subprocess_review(out: Path, reviewer: str, claim_id: str, answers: str = "s\n" * 10 + "q\n") -> str:
    import subprocess
    import sys

    from tests.conftest import CONFIG

    done = subprocess.run([sys.executable, "-m", "factflow_flows.cli", "review", "--reviewer", reviewer, "--config", str(CONFIG),
                           "--out", str(out)], input=answers, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_vectors_are_encoded_once_across_runs(tmp_path: Path) -> None:
    import numpy as np

    from factflow.memory.vectors import CachedEncoder

    class Counting:
        meta = {"name": "fake", "weights_sha256": "0" * 64}
        dimensions = 3
        asked: list[str] = []

        def encode(self, sentences: list[str]) -> np.ndarray:
            self.asked += sentences
            return np.array([[len(s), 1.0, 0.0] for s in sentences], dtype=np.float32)

    path = tmp_path / "vectors.npz"
    first = CachedEncoder(Counting(), path)
    vectors = first.encode(["a", "bb", "a"])
    first.save()
    assert first.encoded == 2 and vectors[:, 0].tolist() == [1.0, 2.0, 1.0]
    inner = Counting()
    inner.asked = []
    second = CachedEncoder(inner, path)
    assert second.encode(["bb", "ccc"])[:, 0].tolist() == [2.0, 3.0] and inner.asked == ["ccc"]
    second.save()
    other = Counting()
    other.meta = {"name": "fake", "weights_sha256": "1" * 64}  # another encoder never reuses these vectors
    other.asked = []
    CachedEncoder(other, path).encode(["bb"])
    assert other.asked == ["bb"]
    path.write_bytes(b"damaged")
    assert CachedEncoder(Counting(), path).encode(["a"])[0, 0] == 1.0
    # A cache, not a record: whatever a crash, a full disk or a person left there is ignored and encoded again,
    # also vectors under the very keys asked for that are of the wrong width, not numbers, or not finite.
    first.save()
    good = path.read_bytes()
    keys = np.array([first._key("a"), first._key("bb")], dtype="S16")
    foreign = []
    for vectors in (np.ones((2, 5), dtype=np.float32), np.array([["x", "y", "z"]] * 2), np.full((2, 3), np.nan, dtype=np.float32)):
        buffer = io.BytesIO()
        np.savez(buffer, keys=keys, vectors=vectors)
        foreign.append(buffer.getvalue())
    for damaged in (b"", good[: len(good) // 2], good[:100] + bytes(60) + good[160:], *foreign):
        path.write_bytes(damaged)
        fresh = Counting()
        fresh.asked = []
        assert CachedEncoder(fresh, path).encode(["a", "bb"])[:, 0].tolist() == [1.0, 2.0] and sorted(fresh.asked) == ["a", "bb"]


def test_a_rerun_with_nothing_new_neither_encodes_nor_searches(tmp_path: Path) -> None:
    import numpy as np

    from factflow.memory.desk import recall

    made: list[int] = []

    class Fake:
        meta = {"name": "fake"}

        def encode(self, sentences: list[str]) -> np.ndarray:
            return np.array([[1.0, 0.0] if "bridge" in s else [0.0, 1.0] for s in sentences], dtype=np.float32)

    def encoder() -> Fake:
        made.append(1)
        return Fake()

    import_files([write(tmp_path / "r.json", json.dumps([REVIEW | {"claimReviewed": "The bridge cost a lot."}]))], tmp_path)
    candidates = imported_candidates(load_index(tmp_path))
    claims = [claim("c-1", "The new bridge cost a lot."), claim("c-2", "Unrelated words.")]
    cache = tmp_path / "matches.json"
    first = recall(claims, candidates, 0.7, cache, encoder)
    assert [c.origin for c in first["c-1"]] == ["imported"] and first["c-2"] == [] and len(made) == 1
    assert recall(claims, candidates, 0.7, cache, encoder) == first and len(made) == 1  # read back, nothing encoded
    recall(claims, candidates, 0.8, cache, encoder)  # another threshold: matched again
    recall([*claims, claim("c-3", "A third bridge claim.")], candidates, 0.8, cache, encoder)  # a new claim: again
    assert len(made) == 3
    cache.write_text("{damaged", encoding="utf-8")
    assert recall([*claims, claim("c-3", "A third bridge claim.")], candidates, 0.8, cache, encoder)["c-3"] and len(made) == 4



class Counting:
    """A stand-in encoder that counts what it is asked to encode: "bridge" sentences one way, the rest another."""

    meta = {"name": "fake", "weights_sha256": "0" * 64}
    dimensions = 2

    def __init__(self) -> None:
        self.asked: list[str] = []

    def encode(self, sentences: list[str]) -> np.ndarray:
        self.asked += sentences
        return np.array([[1.0, 0.0] if "bridge" in s else [0.0, 1.0] for s in sentences], dtype=np.float32)

def test_saved_vectors_are_the_archive_numpy_reads_each_under_its_key(tmp_path: Path) -> None:
    """The vectors are written a few thousand at a time (never all stacked in memory): every one comes back."""
    import numpy as np

    from factflow.memory import vectors as module

    class Fake:
        meta = {"name": "fake"}
        dimensions = 4

        def encode(self, sentences: list[str]) -> np.ndarray:
            return np.array([[i, -i, 0.5, len(s)] for i, s in enumerate(sentences)], dtype=np.float32)

    texts = [f"text {i}" for i in range(module._ROWS * 2 + 7)]
    cached = module.CachedEncoder(Fake(), tmp_path / "vectors.npz")
    made = cached.encode(texts)
    cached.save()
    with np.load(tmp_path / "vectors.npz", allow_pickle=False) as data:
        assert data["vectors"].dtype == np.float32 and data["vectors"].shape == (len(texts), 4)
        raw = data["keys"].tobytes()  # an S16 element drops its trailing zero bytes: keys are sliced from the raw bytes
        saved = {raw[i * 16:(i + 1) * 16]: v for i, v in enumerate(data["vectors"])}
    assert len(saved) == len(texts) and all(np.array_equal(saved[cached._key(t)], made[i]) for i, t in enumerate(texts))
    again = module.CachedEncoder(Fake(), tmp_path / "vectors.npz")
    assert any(cached._key(t).endswith(b"\x00") for t in texts)  # such keys were read back cut, never found
    assert again.missing(texts) == 0 and np.array_equal(again.encode(texts[::-1]), made[::-1])


def test_the_import_encodes_the_imported_claims_once_and_runs_borrow_their_vectors(tmp_path: Path) -> None:
    import numpy as np

    from factflow.layout import OutputLayout
    from factflow.matching import normalise_post
    from factflow.memory.vectors import CachedEncoder

    reviews = [REVIEW | {"url": f"https://checker.example/r/{i}", "claimReviewed": f"The bridge number {i} cost a lot."} for i in range(3)]
    announced: list[int] = []
    first = Counting()
    result = import_files([write(tmp_path / "r.json", json.dumps(reviews))], tmp_path, encoder=first, on_encode=announced.append)
    assert result.encoded == 3 and announced == [3] and len(first.asked) == 3
    vectors = OutputLayout(tmp_path).claimreview_vectors
    assert vectors.is_file()
    again = Counting()  # importing the same file again encodes nothing
    assert import_files([tmp_path / "r.json"], tmp_path, encoder=again, on_encode=announced.append).encoded == 0
    assert again.asked == [] and announced == [3]
    # A run's encoder reads the imported claims' vectors, encodes only its own claims, and keeps only those.
    inner = Counting()
    run_cache = tmp_path / "vectors.npz"
    cached = CachedEncoder(inner, run_cache, borrowed=[vectors])
    texts = [normalise_post(r["claimReviewed"]) for r in reviews]
    out = cached.encode([*texts, "A new claim about the bridge."])
    assert inner.asked == ["A new claim about the bridge."] and out.shape == (4, 2)
    cached.save()
    with np.load(run_cache) as saved:
        assert len(saved["keys"]) == 1  # the borrowed vectors stay in the import's file alone
    assert CachedEncoder(Counting(), run_cache, borrowed=[tmp_path / "missing.npz"]).encode(texts[:1]).shape == (1, 2)


def test_an_import_of_claims_the_run_encoded_takes_their_vectors_from_the_run(tmp_path: Path) -> None:
    """A desk importing its own export (or reviews of claims it holds): the run's matching already encoded
    those claims, and the import keeps their vectors from the run's file instead of encoding them again
    (11,945 claims of a desk's own export: 40 s -> 2.4 s); a claim the run never saw is encoded."""
    import numpy as np

    from factflow.layout import OutputLayout
    from factflow.matching import normalise_post
    from factflow.memory.vectors import CachedEncoder

    reviews = [REVIEW | {"url": f"https://checker.example/r/{i}", "claimReviewed": f"The bridge number {i} cost a lot."} for i in range(4)]
    layout = OutputLayout(tmp_path)
    run = CachedEncoder(Counting(), layout.vector_cache)  # as a run's matching leaves its claims' vectors
    run.encode([normalise_post(r["claimReviewed"]) for r in reviews[:3]])
    run.save()
    counting = Counting()
    result = import_files([write(tmp_path / "r.json", json.dumps(reviews))], tmp_path, encoder=counting)
    assert result.encoded == 1 and counting.asked == [normalise_post(reviews[3]["claimReviewed"])]
    with np.load(layout.claimreview_vectors) as saved:
        assert len(saved["keys"]) == 4  # the import's file holds every imported claim's vector: the run's file may drop them


def test_a_reimported_review_with_a_new_rating_is_matched_again(tmp_path: Path) -> None:
    import numpy as np

    from factflow.memory.desk import recall

    class Fake:
        meta = {"name": "fake"}

        def encode(self, sentences: list[str]) -> np.ndarray:
            return np.array([[1.0, 0.0] if "bridge" in s else [0.0, 1.0] for s in sentences], dtype=np.float32)

    made: list[int] = []

    def encoder() -> Fake:
        made.append(1)
        return Fake()

    review = REVIEW | {"claimReviewed": "The bridge cost a lot."}
    claims = [claim("c-1", "The new bridge cost a lot.")]
    cache = tmp_path / "matches.json"
    import_files([write(tmp_path / "r.json", json.dumps([review]))], tmp_path, encoder=Fake())
    first = recall(claims, imported_candidates(load_index(tmp_path)), 0.7, cache, encoder)
    assert [c.rating for c in first["c-1"]] == ["Mostly true"] and len(made) == 1
    import_files([write(tmp_path / "r.json", json.dumps([review | {"reviewRating": {"alternateName": "False"}}]))], tmp_path, encoder=Fake())
    second = recall(claims, imported_candidates(load_index(tmp_path)), 0.7, cache, encoder)
    assert [c.rating for c in second["c-1"]] == ["False"] and len(made) == 2  # the cached match is not served stale


def test_a_claimreview_feed_is_read_an_item_at_a_time(tmp_path: Path) -> None:
    """A JSON array of 20,000 reviews (11.7 MB) peaked at 500 MB traced: the file was read into a buffer of
    the 500 MB limit, and every item's dicts were held at once. Now about six times the file, most of it the
    reviews read (the item-at-a-time reading alone halved the peak: 108 MB -> 52 MB for 11.7 MB)."""
    import tracemalloc

    from factflow.memory.claimreview import read_claimreviews

    feed = write(tmp_path / "feed.json", json.dumps([REVIEW | {"url": f"https://checker.example/r/{i}",
                                                                "claimReviewed": f"Claim {i}: unemployment fell to 4.1 percent."}
                                                     for i in range(20_000)]))
    tracemalloc.start()
    try:
        reviews, problems = read_claimreviews(feed)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(reviews) == 20_000 and problems == []
    assert peak < 10 * feed.stat().st_size, f"{peak / 1e6:.0f} MB for a file of {feed.stat().st_size / 1e6:.1f} MB"
    broken = write(tmp_path / "broken.json", json.dumps([REVIEW, REVIEW])[:-1] + ' "x"]')  # items, then a fault: the file is wrong
    code, text, err = invoke("import", "claimreview", str(broken), "--out", str(tmp_path / "out"))
    assert code == 1 and "broken.json:1: expected ',' or the array's end ']' after item 2, found '\"'" in err


@pytest.mark.parametrize(("value", "says"), [("true", "true or false is no rating"), ("false", "true or false is no rating"),
                                             ("NaN", "nan is no rating"), ("1e999", "inf is no rating"), ("-Infinity", "-inf is no rating")])
def test_a_rating_value_that_is_no_rating_is_a_bad_item(tmp_path: Path, value: str, says: str) -> None:
    """ratingValue true was imported as the rating "1", NaN as "nan" and 1e999 as "inf"."""
    text = json.dumps(REVIEW | {"reviewRating": {"ratingValue": 0}}).replace('"ratingValue": 0', f'"ratingValue": {value}')
    result = import_files([write(tmp_path / "r.jsonl", text + "\n")], tmp_path / "out")
    assert result.added == 0 and len(result.problems) == 1
    assert result.problems[0].message.startswith(f"item 1: reviewRating.ratingValue: {says}; give a number or a label; the item was skipped")

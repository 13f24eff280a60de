"""Reviewers, task and verdict files, verdict collection and consensus."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from factflow.config import LoadedConfig
from factflow.models import VerdictRecord
from factflow.pipeline import run_pipeline
from factflow.review import consensus
from tests.conftest import write


def record(reviewer: str, rating: str | None) -> VerdictRecord:
    return VerdictRecord(reviewer=reviewer, rating=rating, rationale="why", evidence=[], file="f")


@pytest.mark.parametrize(
    ("ratings", "status", "rating"),
    [
        ([], "pending", None),
        (["false", None], "pending", None),
        (["false", "false"], "agreed", "false"),
        (["false", "half-true"], "disputed", None),
    ],
)
def test_consensus(ratings: list[str | None], status: str, rating: str | None) -> None:
    result = consensus([record(f"r{i}", r) for i, r in enumerate(ratings)], required=2)
    assert (result.status, result.rating) == (status, rating)


# -- files on disk -----------------------------------------------------------------------------


@pytest.fixture
def first_run(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> dict:
    run_pipeline(loaded, seed_dir, out_dir)
    return yaml.safe_load((out_dir / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))


def rerun(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> dict:
    run_pipeline(loaded, seed_dir, out_dir)
    return yaml.safe_load((out_dir / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))


def test_tasks_and_stubs_are_written(first_run: dict, out_dir: Path) -> None:
    claims = first_run["claims"]
    assert claims
    for c in claims:
        task = yaml.safe_load((out_dir / "review" / "tasks" / f"{c['id']}.yaml").read_text(encoding="utf-8"))
        assert task["text"] == c["text"] and task["question"]
        assert task["document"]["title"].startswith("Coordinated Iran-Russian")
        assert set(task) >= {"context_before", "context_after", "checkworthiness", "reasons", "type", "assigned_to", "sources"}
        assert {s["id"] for s in task["sources"]} >= {"wikipedia", "google-factcheck"}
        assert sorted(task["assigned_to"]) == ["reviewer-1", "reviewer-2"]
        for reviewer in task["assigned_to"]:
            stub = yaml.safe_load((out_dir / "review" / "verdicts" / reviewer / f"{c['id']}.yaml").read_text(encoding="utf-8"))
            assert stub["claim"] == c["id"] and stub["reviewer"] == reviewer
            assert stub["rating"] is None and stub["evidence"] == [] and "rationale" in stub


def fill(out_dir: Path, reviewer: str, cid: str, rating: str, rationale: str = "Checked it.", evidence: str = "[https://example.org/a]") -> Path:
    path = out_dir / "review" / "verdicts" / reviewer / f"{cid}.yaml"
    return write(path, f"claim: {cid}\nreviewer: {reviewer}\nrating: {rating}\nrationale: {rationale}\nevidence: {evidence}\n")


def test_filled_verdicts_are_collected_and_reach_consensus(first_run: dict, seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    a, b, c = (x["id"] for x in first_run["claims"][:3])
    fill(out_dir, "reviewer-1", a, "mostly-true")
    fill(out_dir, "reviewer-2", a, "mostly-true")
    fill(out_dir, "reviewer-1", b, "'false'")
    fill(out_dir, "reviewer-2", b, "half-true")
    fill(out_dir, "reviewer-1", c, "true")  # unquoted YAML true still means the label "true"
    report = rerun(seed_dir, out_dir, loaded)
    by_id = {x["id"]: x for x in report["claims"]}
    when = report["generated_at"]  # a consensus is dated by the run that first saw it
    assert by_id[a]["consensus"] == {"status": "agreed", "rating": "mostly-true", "adjudicator": None, "since": when}
    assert by_id[b]["consensus"] == {"status": "disputed", "rating": None, "adjudicator": None, "since": when}
    assert by_id[c]["consensus"] == {"status": "pending", "rating": None, "adjudicator": None, "since": None}
    assert by_id[c]["verdicts"][0]["rating"] == "true"
    assert by_id[a]["verdicts"][0] == {
        "reviewer": "reviewer-1", "rating": "mostly-true", "rationale": "Checked it.",
        "evidence": ["https://example.org/a"], "file": f"review/verdicts/reviewer-1/{a}.yaml", "role": "reviewer",
    }
    assert report["summary"]["by_consensus"] == {"pending": len(by_id) - 2, "agreed": 1, "disputed": 1, "adjudicated": 0}
    assert report["summary"]["by_rating"]["mostly-true"] == 1
    assert report["summary"]["verdicts"] == 5
    assert report["problems"] == []


def test_rerun_keeps_ids_and_never_touches_a_reviewers_file(first_run: dict, seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    cid = first_run["claims"][0]["id"]
    mine = fill(out_dir, "reviewer-1", cid, "half-true", rationale="Mine.")
    before = mine.read_bytes(), mine.stat().st_mtime_ns
    stub = out_dir / "review" / "verdicts" / "reviewer-2" / f"{cid}.yaml"
    stub_before = stub.stat().st_mtime_ns
    report = rerun(seed_dir, out_dir, loaded)
    assert [c["id"] for c in report["claims"]] == [c["id"] for c in first_run["claims"]]
    assert (mine.read_bytes(), mine.stat().st_mtime_ns) == before
    assert stub.stat().st_mtime_ns == stub_before


def test_deleted_stub_is_recreated_but_existing_files_are_not(first_run: dict, seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    cid = first_run["claims"][0]["id"]
    stub = out_dir / "review" / "verdicts" / "reviewer-1" / f"{cid}.yaml"
    stub.unlink()
    rerun(seed_dir, out_dir, loaded)
    assert stub.exists()


@pytest.mark.parametrize(
    ("content", "line", "expected"),
    [
        ("claim: {cid}\nreviewer: reviewer-1\nrating: [unclosed\n", 3, "not valid YAML"),  # where the list opened: the file has 3 lines
        ("claim: {cid}\nreviewer: reviewer-1\nrating: maybe\nrationale: x\n", 3,
         "rating: 'maybe' is not on the rating scale; allowed: true, mostly-true, half-true, mostly-false, false, pants-on-fire, unverifiable"),
        ("claim: c-000000000000\nreviewer: reviewer-1\nrating: 'false'\nrationale: x\n", 1, "belongs to no known claim"),
        ("claim: {cid}\nreviewer: reviewer-9\nrating: 'false'\nrationale: x\n", 2, "not a configured reviewer; known: reviewer-1, reviewer-2"),
        ("claim: {cid}\nreviewer: reviewer-2\nrating: 'false'\nrationale: x\n", 2, "does not match the folder 'reviewer-1'"),
        ("claim: {cid}\nreviewer: reviewer-1\nrating: 'false'\nrationale: ''\n", 4, "needs a rationale"),
        ("claim: {cid}\nreviewer: reviewer-1\nrating: 'false'\nrationale: x\nevidence:\n  - https://ok.example\n  - javascript:alert(1)\n", 7, "evidence[1]: 'javascript:alert(1)' is not an http(s) URL"),
        ("claim: {cid}\nreviewer: reviewer-1\nrating: 'false'\nrationale: x\nverdict: yes\n", 5, "verdict: unknown key; allowed keys: claim, reviewer, rating, rationale, evidence, claim_text"),
        ("- just\n- a list\n", 1, "expected a mapping"),
    ],
)
def test_bad_verdict_files_are_problems_and_the_rest_still_counts(
    first_run: dict, seed_dir: Path, out_dir: Path, loaded: LoadedConfig, content: str, line: int, expected: str
) -> None:
    good, bad = first_run["claims"][0]["id"], first_run["claims"][1]["id"]
    fill(out_dir, "reviewer-1", good, "'false'")
    fill(out_dir, "reviewer-2", good, "'false'")
    write(out_dir / "review" / "verdicts" / "reviewer-1" / f"{bad}.yaml", content.format(cid=bad))
    report = rerun(seed_dir, out_dir, loaded)
    (problem,) = report["problems"]
    assert problem["file"] == f"review/verdicts/reviewer-1/{bad}.yaml"
    assert problem["line"] == line
    assert expected in problem["message"]
    assert {c["id"]: c for c in report["claims"]}[good]["consensus"] == {"status": "agreed", "rating": "false", "adjudicator": None,
                                                                          "since": report["generated_at"]}


# -- never lose a verdict: orphans ---------------------------------------------------------------


def test_a_verdict_whose_sentence_was_edited_away_stays_in_the_report_as_orphaned(
    first_run: dict, seed_dir: Path, out_dir: Path, loaded: LoadedConfig
) -> None:
    gone = next(c for c in first_run["claims"] if "25 to 30 percent" in c["text"])
    mine = fill(out_dir, "reviewer-1", gone["id"], "half-true", rationale="ISW puts it nearer 20 percent.")
    before = mine.read_bytes()
    stub_of_gone = out_dir / "review" / "verdicts" / "reviewer-2" / f"{gone['id']}.yaml"
    seed = next(seed_dir.glob("*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8").replace("25 to 30 percent", "a quarter"), encoding="utf-8")
    report = rerun(seed_dir, out_dir, loaded)
    assert gone["id"] not in {c["id"] for c in report["claims"]}
    assert report["orphaned_verdicts"] == [{
        "claim": gone["id"], "claim_text": gone["text"], "reviewer": "reviewer-1", "rating": "half-true",
        "rationale": "ISW puts it nearer 20 percent.", "evidence": ["https://example.org/a"],
        "file": f"review/verdicts/reviewer-1/{gone['id']}.yaml",
    }]  # the hand-written file has no claim_text: it comes from the assignments ledger
    assert report["summary"]["orphaned_verdicts"] == 1
    assert report["problems"] == []
    assert mine.read_bytes() == before and stub_of_gone.exists()  # the untouched stub is kept on disk, not reported
    assert not (out_dir / "review" / "tasks" / f"{gone['id']}.yaml").exists()


def test_verdicts_of_a_removed_document_are_all_kept(first_run: dict, seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    a, b = first_run["claims"][0], first_run["claims"][1]
    fill(out_dir, "reviewer-1", a["id"], "'false'")
    path = out_dir / "review" / "verdicts" / "reviewer-2" / f"{b['id']}.yaml"
    stub = yaml.safe_load(path.read_text(encoding="utf-8"))
    stub.update(rating="true", rationale="Confirmed by the ministry.")
    path.write_text(yaml.safe_dump(stub), encoding="utf-8")
    for seed in seed_dir.glob("*.txt"):
        seed.unlink()
    report = rerun(seed_dir, out_dir, loaded)
    assert report["claims"] == []
    assert [(o["claim"], o["reviewer"], o["rating"], o["claim_text"]) for o in report["orphaned_verdicts"]] == sorted([
        (a["id"], "reviewer-1", "false", a["text"]), (b["id"], "reviewer-2", "true", b["text"]),
    ])


# -- consensus and agreement in the report --------------------------------------------------------


def three_reviewer_config(**review: object) -> LoadedConfig:
    from factflow.config import Config

    cfg = {"reviewers": [{"id": "reviewer-1"}, {"id": "reviewer-2"}, {"id": "reviewer-3"}], "reviewers_per_claim": 3, **review}
    return LoadedConfig(config=Config.model_validate({"review": cfg}), path=None, sha256=None)


def test_a_verdict_from_a_reviewer_not_assigned_the_claim_counts_and_assigns_them(seed_dir: Path, out_dir: Path) -> None:
    """reviewer-3 rated a claim given to reviewer-1 and reviewer-2: the rating changed the consensus while
    reviewer-3's stats said done 0 and the task did not name them. Now their file assigns them the claim,
    so the consensus, their stats, the task and `status` tell one story."""
    loaded = three_reviewer_config(reviewers_per_claim=2)
    first = run_pipeline(loaded, seed_dir, out_dir).report
    claim = next(c for c in first.claims if "reviewer-3" not in c.assigned_to)
    for person in claim.assigned_to:
        fill(out_dir, person, claim.id, "true")
    fill(out_dir, "reviewer-3", claim.id, "'false'")
    report = rerun(seed_dir, out_dir, loaded)
    rated = next(c for c in report["claims"] if c["id"] == claim.id)
    assert sorted(rated["assigned_to"]) == ["reviewer-1", "reviewer-2", "reviewer-3"]
    assert rated["consensus"]["status"] == "disputed" and len(rated["verdicts"]) == 3
    stats = {s["reviewer"]: s for s in report["summary"]["reviewers"]}
    assert stats["reviewer-3"]["done"] == 1 and sum(s["done"] for s in stats.values()) == 3
    task = yaml.safe_load((out_dir / "review" / "tasks" / f"{claim.id}.yaml").read_text(encoding="utf-8"))
    assert sorted(task["assigned_to"]) == ["reviewer-1", "reviewer-2", "reviewer-3"]
    ledger = json.loads((out_dir / "review" / "assignments.json").read_text(encoding="utf-8"))
    assert set(ledger["claims"][claim.id]["reviewers"]) == {"reviewer-1", "reviewer-2", "reviewer-3"}
    assert rerun(seed_dir, out_dir, loaded)["summary"] == report["summary"]  # settled: a rerun changes nothing


def test_majority_rule_adjudication_and_reviewer_stats_in_the_report(seed_dir: Path, out_dir: Path) -> None:
    loaded = three_reviewer_config(consensus="majority", adjudicators=[{"id": "editor", "name": "The Editor"}], due_hours=1)
    first = run_pipeline(loaded, seed_dir, out_dir).report
    a, b, c = (x.id for x in first.claims[:3])
    fill(out_dir, "reviewer-1", a, "'false'")
    fill(out_dir, "reviewer-2", a, "'false'")  # two of three: agreed before the third rates
    fill(out_dir, "reviewer-1", b, "'false'")
    fill(out_dir, "reviewer-2", b, "'true'")
    fill(out_dir, "reviewer-3", b, "half-true")  # no majority: disputed
    fill(out_dir, "reviewer-1", c, "'true'")
    fill(out_dir, "reviewer-2", c, "'false'")
    fill(out_dir, "reviewer-3", c, "'false'")
    fill(out_dir, "editor", c, "mostly-false")  # the editor's word is final
    ledger = out_dir / "review" / "assignments.json"
    data = json.loads(ledger.read_text(encoding="utf-8"))
    for entry in data["claims"].values():
        entry["reviewers"] = dict.fromkeys(entry["reviewers"], "2020-01-01T00:00:00+00:00")
    ledger.write_text(json.dumps(data), encoding="utf-8")
    report = rerun(seed_dir, out_dir, loaded)
    by_id = {x["id"]: x for x in report["claims"]}
    when = report["generated_at"]
    assert by_id[a]["consensus"] == {"status": "agreed", "rating": "false", "adjudicator": None, "since": when}
    assert by_id[b]["consensus"]["status"] == "disputed"
    assert by_id[c]["consensus"] == {"status": "adjudicated", "rating": "mostly-false", "adjudicator": "editor", "since": when}
    assert by_id[c]["verdicts"][-1]["role"] == "adjudicator"
    assert report["summary"]["by_consensus"]["adjudicated"] == 1
    # The desk's memory: the rated claims, from the verdict files as they are now, the adjudicator named last.
    from factflow.memory import desk_candidates
    from factflow.report import desk_ratings
    from factflow.review import collect_verdicts, load_ledger

    ledger, _ = load_ledger(out_dir, loaded.config.review)
    verdicts, _ = collect_verdicts(out_dir, set(by_id), loaded.config.review, ledger)
    items = [SimpleNamespace(claim=claim) for claim in first.claims]
    rated, departed = desk_ratings(items, verdicts, loaded.config.review, None, when)  # type: ignore[arg-type]
    assert [r.id for r in rated] == [x for x in by_id if x in (a, c)] and departed == {}
    checks = {m.check.claim_id: m.check for m in desk_candidates(rated)}
    assert set(checks) == {a, c} and checks[c].reviewers == ["reviewer-1", "reviewer-2", "reviewer-3", "editor"]
    assert checks[a].rating == "false" and checks[c].rating == "mostly-false" and checks[a].date == when[:10]
    stats = {s["reviewer"]: s for s in report["summary"]["reviewers"]}
    n = len(by_id)
    assert stats["reviewer-1"] == {"reviewer": "reviewer-1", "name": "reviewer-1", "assigned": n, "done": 3, "open": n - 3,
                                   "overdue": n - 3, "agreement_with_consensus": 0.5}  # right on a, wrong on c
    assert stats["reviewer-3"]["done"] == 2 and stats["reviewer-3"]["agreement_with_consensus"] == 0.0
    agreement = report["summary"]["agreement"]
    assert agreement["claims_with_two_or_more_ratings"] == 3
    assert agreement["percent_agreement"] == round(2 / 7, 4)  # a: 1 of 1 pair; b: 0 of 3; c: 1 of 3
    assert agreement["krippendorff_alpha"] is not None and -1 <= agreement["krippendorff_alpha"] < 1
    assert report["problems"] == []


def test_overdue_needs_the_due_time_to_pass(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    report = rerun(seed_dir, out_dir, loaded)
    assert all(s["overdue"] == 0 and s["open"] == s["assigned"] > 0 for s in report["summary"]["reviewers"])
    assert report["summary"]["agreement"]["krippendorff_alpha"] is None


@pytest.mark.parametrize("when", ["2020-01-01T00:00:00", "2020-01-01", "2020-01-01T00:00:00+05:00"])
def test_an_assignment_time_without_a_time_zone_is_read_as_utc(first_run: dict, seed_dir: Path, out_dir: Path, loaded: LoadedConfig,
                                                                 when: str) -> None:
    """A hand-edited ledger time with no zone compared with the flow's own (UTC) times: a TypeError in the
    run and in `factflow status` once; now it is read as UTC, and the task is overdue as it says."""
    from click.testing import CliRunner
    from factflow_flows.cli import main

    from tests.conftest import CONFIG

    ledger = out_dir / "review" / "assignments.json"
    data = json.loads(ledger.read_text(encoding="utf-8"))
    for entry in data["claims"].values():
        entry["reviewers"] = dict.fromkeys(entry["reviewers"], when)
    ledger.write_text(json.dumps(data), encoding="utf-8")
    report = rerun(seed_dir, out_dir, loaded)  # due_hours: 72, long past
    assert all(s["overdue"] == s["open"] == s["assigned"] > 0 for s in report["summary"]["reviewers"])
    shown = CliRunner().invoke(main, ["status", "--config", str(CONFIG), "--out", str(out_dir)])  # due_hours: 72
    assert shown.exit_code == 0, shown.output
    assert shown.output.count("[overdue]") >= 2  # the next open tasks of both reviewers, each overdue


def test_rerun_rewrites_no_unchanged_task_but_restores_an_edited_one(first_run: dict, seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    again = run_pipeline(loaded, seed_dir, out_dir)
    assert again.tasks_written == 0
    task = out_dir / "review" / "tasks" / f"{first_run['claims'][0]['id']}.yaml"
    original = task.read_text(encoding="utf-8")
    task.write_text(original.replace("question:", "question: EDITED"), encoding="utf-8")
    restored = run_pipeline(loaded, seed_dir, out_dir)
    assert restored.tasks_written == 1 and task.read_text(encoding="utf-8") == original
    task.unlink()
    assert run_pipeline(loaded, seed_dir, out_dir).tasks_written == 1 and task.read_text(encoding="utf-8") == original


# -- reruns parse only the verdict files that changed ---------------------------------------------


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    import factflow.review.files as files

    parsed: list[Path] = []
    real = files.load_model_node

    def counting(path: Path, *args: object, **kwargs: object) -> object:
        parsed.append(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(files, "load_model_node", counting)
    return parsed


def test_a_rerun_parses_only_changed_verdict_files_and_sees_every_edit(
    first_run: dict, seed_dir: Path, out_dir: Path, loaded: LoadedConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = first_run["claims"][0]["id"]
    mine = fill(out_dir, "reviewer-1", cid, "half-true", rationale="Mine.")
    rerun(seed_dir, out_dir, loaded)
    parsed = count_parses(monkeypatch)
    assert rerun(seed_dir, out_dir, loaded)["claims"][0]["verdicts"][0]["rating"] == "half-true"
    assert parsed == []  # every file is unchanged since the last run
    # An edit of the same size, with the modification time put back, is still seen (its change time moved).
    stat = mine.stat()
    fill(out_dir, "reviewer-1", cid, "'false'", rationale="Mine!!!")
    assert mine.stat().st_size == stat.st_size
    os.utime(mine, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    report = rerun(seed_dir, out_dir, loaded)
    assert report["claims"][0]["verdicts"][0]["rating"] == "false"
    assert parsed == [mine]


def test_a_remembered_verdict_that_breaks_a_rule_of_this_run_is_reported_with_its_line(
    first_run: dict, seed_dir: Path, out_dir: Path, loaded: LoadedConfig
) -> None:
    cid = first_run["claims"][0]["id"]
    fill(out_dir, "reviewer-1", cid, "half-true")
    rerun(seed_dir, out_dir, loaded)  # remembered as a valid verdict
    review = loaded.config.review
    changed = loaded.with_changes("review", reviewers=[review.reviewers[1], review.reviewers[1].model_copy(update={"id": "reviewer-3"})])
    report = rerun(seed_dir, out_dir, changed)
    problems = [p for p in report["problems"] if p["file"] == f"review/verdicts/reviewer-1/{cid}.yaml"]
    assert [(p["line"], "not a configured reviewer" in p["message"]) for p in problems] == [(2, True)]


def remembered_verdicts(path: Path) -> dict[str, tuple[list[int], dict[str, object]]]:
    """The verdict parse cache's entries: each file's identity and the verdict's data, by the file's path within the output folder."""
    header, *lines = path.read_text(encoding="utf-8").splitlines()
    fields = json.loads(header)["fields"]
    return {key: (identity, dict(zip(fields, values, strict=True))) for key, identity, *values in map(json.loads, lines)}


def test_a_first_run_does_not_parse_back_the_stubs_it_wrote(
    seed_dir: Path, out_dir: Path, loaded: LoadedConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = count_parses(monkeypatch)
    report = rerun(seed_dir, out_dir, loaded)
    stubs = sorted((out_dir / "review" / "verdicts").glob("*/c-*.yaml"))
    assert len(stubs) == 2 * len(report["claims"]) > 0
    assert parsed == []  # every stub known from its writing
    assert all(c["consensus"]["status"] == "pending" and len(c["verdicts"]) == 2 for c in report["claims"])
    # What the next run remembers of a stub is what parsing it gives.
    saved = remembered_verdicts(out_dir / ".factflow-cache" / "verdicts.json")
    within = {stub.relative_to(out_dir).as_posix(): stub for stub in stubs}  # kept by their path within the output folder
    assert sorted(saved) == sorted(within)
    from factflow.review.files import ParsedVerdicts

    for name, stub in list(within.items())[:6]:
        verdict, _ = ParsedVerdicts(out_dir, loaded.config.review).parse(stub, loaded.config.review)
        assert saved[name][1] == verdict.model_dump(mode="json")
    # A stub a reviewer fills right after the run is parsed by the next one.
    cid = report["claims"][0]["id"]
    fill(out_dir, "reviewer-1", cid, "half-true", rationale="Filled.")
    parsed.clear()
    again = rerun(seed_dir, out_dir, loaded)
    assert parsed == [out_dir / "review" / "verdicts" / "reviewer-1" / f"{cid}.yaml"]
    assert again["claims"][0]["verdicts"][0]["rating"] == "half-true"


@pytest.mark.parametrize("text", [
    "Plain text of 25 percent.", "A “quoted” claim: yes, no, null\nand a line break", "Lone \ud800 surrogate, NEL \x85 and tab\t",
    "# not a comment, - not a list, 'quotes' and \"quotes\"", "x" * 300,
])
def test_a_written_stub_is_remembered_as_parsing_it_would_give(text: str, tmp_path: Path, loaded: LoadedConfig) -> None:
    from factflow.models import Claim
    from factflow.review.files import ParsedVerdicts, _stub

    review = loaded.config.review
    claim = Claim.model_construct(id="c-0123456789abcdef", text=text)  # a stub shows only these
    path = tmp_path / "review" / "verdicts" / "reviewer-1" / f"{claim.id}.yaml"
    written, data = _stub(claim, "reviewer-1", review)
    write(path, written)
    remembered = ParsedVerdicts(tmp_path, review)
    remembered.written(path, written, data, review)
    parsed, _ = ParsedVerdicts(tmp_path, review).parse(path, review)
    assert remembered.cached(path) == parsed
    # A file that does not hold what the writer says it wrote is not remembered.
    other = ParsedVerdicts(tmp_path, review)
    other.written(path, written + "# edited\n", data, review)
    assert other.cached(path) is None


def test_parsed_verdicts_are_found_again_whatever_the_output_folder_is_called(
    tmp_path: Path, loaded: LoadedConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from factflow.models import Claim
    from factflow.review.files import ParsedVerdicts, _stub

    review = loaded.config.review
    claim = Claim.model_construct(id="c-0123456789abcdef", text="The plant closed in 2015.")
    out = tmp_path / "out"
    relative = Path("review") / "verdicts" / "reviewer-1" / f"{claim.id}.yaml"
    write(out / relative, _stub(claim, "reviewer-1", review)[0])
    first = ParsedVerdicts(out, review)
    verdict, _ = first.parse(out / relative, review)
    first.save()
    monkeypatch.chdir(tmp_path)
    # The same folder as "out", "./out/" and, from inside it, ".": each finds what the run named by its absolute path parsed.
    assert ParsedVerdicts(Path("out"), review).cached(Path("out") / relative) == verdict
    assert ParsedVerdicts(Path("./out/"), review).cached(Path("./out/") / relative) == verdict
    monkeypatch.chdir(out)
    assert ParsedVerdicts(Path("."), review).cached(Path(".") / relative) == verdict


def test_the_verdict_parse_cache_is_written_only_when_a_verdict_file_changed(
    seed_dir: Path, out_dir: Path, loaded: LoadedConfig,
) -> None:
    from factflow.layout import OutputLayout

    layout = OutputLayout(out_dir)
    run_pipeline(loaded, seed_dir, out_dir)
    run_pipeline(loaded, seed_dir, out_dir)

    def identity() -> tuple[int, int]:
        st = layout.verdict_cache.stat()
        return st.st_ino, st.st_mtime_ns

    before = identity()
    run_pipeline(loaded, seed_dir, out_dir)
    assert identity() == before  # every verdict file as it was: not written again (an atomic write is a new inode)
    stub = sorted(layout.verdicts.rglob("c-*.yaml"))[0]
    stub.write_text(stub.read_text(encoding="utf-8").replace('rationale: ""', 'rationale: "Looked it up."'), encoding="utf-8")
    run_pipeline(loaded, seed_dir, out_dir)
    assert identity() != before
    entries = remembered_verdicts(layout.verdict_cache)
    key = stub.relative_to(out_dir).as_posix()
    assert entries[key][1]["rationale"] == "Looked it up."


def test_a_run_remembers_its_verdict_files_compactly_while_it_plans(tmp_path: Path, loaded: LoadedConfig) -> None:
    """While a run plans it holds what it remembers of every verdict file (tens of thousands at a desk):
    as a compact entry each, not the parse cache's JSON as dicts plus a Verdict model made of each
    (2.8 kB a file then, 190 MB at 69,000 files), and counting the rated ones makes no Verdict."""
    import tracemalloc

    from factflow.review.files import ParsedVerdicts, rated_pairs

    cfg = loaded.config.review
    files = 3_000
    for i in range(files):
        reviewer = f"reviewer-{1 + i % 2}"
        rating = "null" if i % 3 == 0 else "'mostly-true'"
        write(tmp_path / "review" / "verdicts" / reviewer / f"c-{i:012x}.yaml",
              f"claim: c-{i:012x}\nclaim_text: Officials said {i} people were hurt in the storm that hit the coast on Monday.\n"
              f"reviewer: {reviewer}\nrating: {rating}\nrationale: Checked claim {i} against the agency's own figures.\n"
              f"evidence: [https://example.org/c-{i:012x}, https://example.org/source/{i}]\n")
    first = ParsedVerdicts(tmp_path, cfg)
    rated_pairs(tmp_path, cfg, first)
    first.save()
    del first
    tracemalloc.start()
    try:
        parsed = ParsedVerdicts(tmp_path, cfg)  # as the next run: every file remembered
        pairs = rated_pairs(tmp_path, cfg, parsed)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(pairs) == files - files // 3
    assert held / files < 1_500, f"{held / files:.0f} bytes a verdict file"


def test_a_review_session_reads_the_verdicts_again_without_holding_both_readings(
    first_run: dict, out_dir: Path, loaded: LoadedConfig,
) -> None:
    """A session reads every verdict file again as it ends (others may have rated meanwhile): the verdicts
    read before are let go first, so tens of thousands are not held twice at the peak (342 MB where 148 MB
    are held, at 69,000 verdict files). Reading them once peaks at about twice what they hold (the parse
    cache, the verdicts as read); holding both readings, at three times."""
    import tracemalloc

    from factflow.review import ReviewSession
    from factflow.review.files import ParsedVerdicts, rated_pairs

    session = ReviewSession(out_dir, loaded.config.review, "reviewer-1")
    ids = [f"c-{i:012x}" for i in range(3_000)]
    session.claim_ids = set(ids)  # as a desk's queue of 3,000 claims
    for cid in ids:
        fill(out_dir, "reviewer-1", cid, "'mostly-true'", rationale=f"Checked {cid} against the agency's own figures.",
             evidence=f"[https://example.org/{cid}, https://example.org/source]")
    remembered = ParsedVerdicts(out_dir, loaded.config.review)  # as a run leaves them: each file remembered, not parsed again
    rated_pairs(out_dir, loaded.config.review, remembered)
    remembered.save()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        session.refresh(queue=False)
        held = tracemalloc.get_traced_memory()[0] - before  # the verdicts, read once
        tracemalloc.reset_peak()
        session.refresh(queue=False)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert sum(map(len, session.by_claim.values())) == len(ids)
    assert peak < 2.5 * held, f"peak {peak / 1e6:.1f} MB where the verdicts hold {held / 1e6:.1f} MB"


def test_a_verdict_saved_as_yml_is_a_problem_not_silence(first_run: dict, seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    """A reviewer's editor saved c-x.yml: the run counted 0 verdicts and 0 problems, `check` said all was valid."""
    from click.testing import CliRunner
    from factflow_flows.cli import main

    from tests.conftest import CONFIG

    cid = first_run["claims"][0]["id"]
    folder = out_dir / "review" / "verdicts" / "reviewer-1"
    write(folder / f"{cid}.yml", f"claim: {cid}\nreviewer: reviewer-1\nrating: 'false'\nrationale: Checked.\n")
    write(folder / f"{cid}.YAML", f"claim: {cid}\nreviewer: reviewer-1\nrating: 'false'\nrationale: Checked.\n")
    write(folder / f"{cid}.yaml~", "an editor's backup: not a verdict, not a problem\n")
    report = rerun(seed_dir, out_dir, loaded)
    assert [(p["file"], p["message"]) for p in report["problems"]] == [
        (f"review/verdicts/reviewer-1/{cid}.YAML", f"not read: verdict files are named <claim-id>.yaml; rename it to {cid}.yaml"),
        (f"review/verdicts/reviewer-1/{cid}.yml", f"not read: verdict files are named <claim-id>.yaml; rename it to {cid}.yaml"),
    ]
    checked = CliRunner().invoke(main, ["check", "--config", str(CONFIG), "--out", str(out_dir)])
    assert checked.exit_code == 1 and f"{cid}.yml: not read" in checked.output, checked.output


def test_an_empty_verdict_file_or_a_verdicts_path_that_is_a_file_is_said_so(first_run: dict, out_dir: Path) -> None:
    """An empty verdict file was 'claim: required key is missing' and 'reviewer: ...' with no line; a file at
    review/verdicts made `check` say '0 valid, 0 with problems' and exit 0."""
    from click.testing import CliRunner
    from factflow_flows.cli import main

    from tests.conftest import CONFIG

    cid = first_run["claims"][0]["id"]
    write(out_dir / "review" / "verdicts" / "reviewer-1" / f"{cid}.yaml", "\n  \n")
    empty = CliRunner().invoke(main, ["check", "--config", str(CONFIG), "--out", str(out_dir)])
    assert empty.exit_code == 1 and "(1 problem)." in empty.output, empty.output
    assert f"{cid}.yaml:1: the file is empty; a verdict file holds claim, reviewer, rating" in empty.output
    folder = out_dir / "review" / "verdicts"
    folder.rename(out_dir / "review" / "moved")
    write(folder, "not a folder\n")
    result = CliRunner().invoke(main, ["check", "--config", str(CONFIG), "--out", str(out_dir)])
    assert result.exit_code == 1 and "review/verdicts: not a folder; review/verdicts/ holds a folder per reviewer" in result.output

"""Reviewers, task and verdict files, verdict collection and consensus."""

from __future__ import annotations

from pathlib import Path

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
    assert by_id[a]["consensus"] == {"status": "agreed", "rating": "mostly-true", "adjudicator": None}
    assert by_id[b]["consensus"] == {"status": "disputed", "rating": None, "adjudicator": None}
    assert by_id[c]["consensus"] == {"status": "pending", "rating": None, "adjudicator": None}
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
        ("claim: {cid}\nreviewer: reviewer-1\nrating: [unclosed\n", 4, "not valid YAML"),
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
    assert {c["id"]: c for c in report["claims"]}[good]["consensus"] == {"status": "agreed", "rating": "false", "adjudicator": None}

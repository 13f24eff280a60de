"""Assignment: deterministic, balanced, expertise-aware, never twice, capped, and stable across runs."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer

from factflow.config import Config, LoadedConfig, ReviewConfig, Reviewer
from factflow.layout import LEDGER as LEDGER_PATH
from factflow.models import Appearance, Claim, Entity
from factflow.pipeline import run_pipeline
from factflow.review import assign_reviewers, claim_tags, expertise_match, plan_assignments
from tests import public_apis
from tests.conftest import online_config, write


def claim(i: int, type_: str = "event", text: str | None = None) -> Claim:
    return Claim(id=f"c-{i:012x}", document="d", text=text or f"Claim {i}.", sentence_index=i, checkworthiness=0.9,
                 reasons=[], type=type_, appearances=[Appearance(document="d", sentence_index=i)])  # type: ignore[arg-type]


def reviewers(n: int = 3, per_claim: int = 2, **extra: Any) -> ReviewConfig:
    return ReviewConfig(reviewers=[Reviewer(id=f"r{i}") for i in range(1, n + 1)], reviewers_per_claim=per_claim, **extra)


def test_assignment_is_deterministic_distinct_and_balanced() -> None:
    claims = [claim(i) for i in range(300)]
    first = assign_reviewers(claims, reviewers())
    assert first == assign_reviewers(list(reversed(claims)), reviewers())
    assert all(len(set(r)) == len(r) == 2 for r in first.values())
    load = Counter(r for rs in first.values() for r in rs)
    assert sorted(load.values()) == [200, 200, 200]


def test_a_reviewer_never_gets_the_same_claim_twice_even_when_everyone_is_needed() -> None:
    result = assign_reviewers([claim(i) for i in range(10)], reviewers(n=3, per_claim=3))
    assert all(r == ["r1", "r2", "r3"] for r in result.values())


def test_expertise_is_preferred_by_type_and_topic_without_overloading_the_expert() -> None:
    cfg = ReviewConfig(
        reviewers=[Reviewer(id="stats", expertise=["statistic"]), Reviewer(id="syria", expertise=["Syria"]), Reviewer(id="plain")],
        reviewers_per_claim=1,
    )
    stats = [claim(i, "statistic") for i in range(20)]
    syria = [claim(100 + i, "event", f"Rebels took town {i} in Syria.") for i in range(20)]
    other = [claim(200 + i, "event", f"Council met on day {i}.") for i in range(20)]
    result = assign_reviewers(stats + syria + other, cfg)
    got = {name: Counter(result[c.id][0] for c in group) for name, group in [("stats", stats), ("syria", syria), ("other", other)]}
    assert got["stats"]["stats"] >= 15 and got["syria"]["syria"] >= 15
    assert got["other"]["plain"] >= 10
    load = Counter(r[0] for r in result.values())
    assert max(load.values()) - min(load.values()) <= cfg.expertise_weight + 1  # preference, not monopoly


def test_expertise_ignored_with_weight_zero() -> None:
    cfg = ReviewConfig(reviewers=[Reviewer(id="stats", expertise=["statistic"]), Reviewer(id="plain")],
                       reviewers_per_claim=1, expertise_weight=0)
    result = assign_reviewers([claim(i, "statistic") for i in range(40)], cfg)
    assert Counter(r[0] for r in result.values()) == {"stats": 20, "plain": 20}


def test_entity_kinds_count_as_expertise_tags() -> None:
    c = claim(1, text="Putin met Assad.").model_copy(update={"entities": [Entity(text="Putin", kind="person", start=0, end=5)]})
    assert claim_tags(c) == {"event", "person"}
    assert expertise_match(Reviewer(id="r", expertise=["Person"]), c)
    assert not expertise_match(Reviewer(id="r", expertise=["place"]), c)
    assert not expertise_match(Reviewer(id="r", expertise=["syr"]), claim(2, text="In Syria."))  # whole words only


def test_adding_claims_and_reviewers_never_moves_an_existing_assignment() -> None:
    old = [claim(i) for i in range(30)]
    ledger = plan_assignments(old, reviewers(3), now="2026-01-01T00:00:00+00:00")
    grown = plan_assignments(old + [claim(i) for i in range(30, 60)], reviewers(5), ledger, now="2026-02-01T00:00:00+00:00")
    for c in old:
        assert grown.claims[c.id] == ledger.claims[c.id]
    new_load = Counter(r for c in range(30, 60) for r in grown.claims[f"c-{c:012x}"].reviewers)
    assert new_load["r4"] + new_load["r5"] > new_load["r1"]  # the newcomers, with no open tasks, take most new work


def test_a_reviewer_at_max_open_tasks_gets_no_new_ones_until_they_rate() -> None:
    cfg = ReviewConfig(reviewers=[Reviewer(id="busy", max_open_tasks=2), Reviewer(id="r2"), Reviewer(id="r3")], reviewers_per_claim=2)
    first = plan_assignments([claim(i) for i in range(10)], cfg)
    busy = [cid for cid, e in first.claims.items() if "busy" in e.reviewers]
    assert len(busy) == 2
    # busy rates both: two slots free up, but only for new claims; old ones keep their reviewers.
    more = plan_assignments([claim(i) for i in range(20)], cfg, first, rated={("busy", cid) for cid in busy})
    assert sum("busy" in e.reviewers for e in more.claims.values()) == 4
    assert all(more.claims[cid] == first.claims[cid] for cid in first.claims)


def test_when_everyone_is_at_capacity_a_claim_waits_and_is_topped_up_later() -> None:
    cfg = ReviewConfig(reviewers=[Reviewer(id="a", max_open_tasks=1), Reviewer(id="b", max_open_tasks=1)], reviewers_per_claim=1)
    first = plan_assignments([claim(1), claim(2), claim(3)], cfg)
    assigned = {cid: list(e.reviewers) for cid, e in first.claims.items()}
    assert sorted(len(v) for v in assigned.values()) == [0, 1, 1]
    waiting = next(cid for cid, v in assigned.items() if not v)
    done = {(v[0], cid) for cid, v in assigned.items() if v}
    later = plan_assignments([claim(1), claim(2), claim(3)], cfg, first, rated=done)
    assert len(later.claims[waiting].reviewers) == 1


def test_a_reviewer_who_leaves_is_replaced_and_the_others_stay() -> None:
    ledger = plan_assignments([claim(i) for i in range(12)], reviewers(3))
    without_r1 = ReviewConfig(reviewers=[Reviewer(id="r2"), Reviewer(id="r3"), Reviewer(id="r4")], reviewers_per_claim=2)
    after = assign_reviewers([claim(i) for i in range(12)], without_r1, ledger)
    for cid, entry in ledger.claims.items():
        kept = sorted(r for r in entry.reviewers if r != "r1")
        assert set(kept) <= set(after[cid]) and len(after[cid]) == 2 and "r1" not in after[cid]


# -- across runs, on disk ----------------------------------------------------------------------


def _assigned(out: Path) -> dict[str, list[str]]:
    report = yaml.safe_load((out / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))
    return {c["id"]: c["assigned_to"] for c in report["claims"]}


def test_reruns_with_more_documents_and_reviewers_keep_assignments(tmp_path: Path, seed_dir: Path, out_dir: Path) -> None:
    two = LoadedConfig(config=Config.model_validate({"review": {"reviewers": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}}), path=None, sha256=None)
    run_pipeline(two, seed_dir, out_dir)
    before = _assigned(out_dir)
    assert (out_dir / LEDGER_PATH).is_file()
    write(seed_dir / "more.txt", "More\n\nRebels seized Idlib in March 2015. Officials said 40 people died in Ohio on Monday.\n")
    four = LoadedConfig(config=Config.model_validate({"review": {"reviewers": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}]}}),
                        path=None, sha256=None)
    run_pipeline(four, seed_dir, out_dir)
    after = _assigned(out_dir)
    assert len(after) > len(before)
    assert {cid: after[cid] for cid in before} == before
    assert any("d" in r for cid, r in after.items() if cid not in before)


def test_a_lost_ledger_is_rebuilt_from_the_verdict_files(seed_dir: Path, out_dir: Path) -> None:
    cfg = LoadedConfig(config=Config.model_validate({"review": {"reviewers": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}}), path=None, sha256=None)
    run_pipeline(cfg, seed_dir, out_dir)
    before = _assigned(out_dir)
    assigned_at = json.loads((out_dir / LEDGER_PATH).read_text(encoding="utf-8"))["claims"]
    (out_dir / LEDGER_PATH).unlink()
    shutil.copytree(seed_dir, seed_dir.parent / "copy")
    result = run_pipeline(cfg, seed_dir, out_dir)
    assert _assigned(out_dir) == before
    # Said so, and each assignment dated when its stub was written (within the second the run wrote it), so it can fall overdue.
    assert [(p.file, p.message.split(";")[0]) for p in result.report.problems] == [
        (LEDGER_PATH.as_posix(), "missing, though the verdict files name assignments")]
    rebuilt = json.loads((out_dir / LEDGER_PATH).read_text(encoding="utf-8"))["claims"]
    assert rebuilt.keys() == assigned_at.keys()
    for cid, entry in rebuilt.items():
        for person, when in entry["reviewers"].items():
            gap = datetime.fromisoformat(when) - datetime.fromisoformat(assigned_at[cid]["reviewers"][person])
            assert abs(gap.total_seconds()) <= 2, (cid, person, when)
    write(out_dir / LEDGER_PATH, '{"claims": {\n  "c-1": [broken\n')
    result = run_pipeline(cfg, seed_dir, out_dir)
    assert _assigned(out_dir) == before
    assert [p.file for p in result.report.problems] == [LEDGER_PATH.as_posix()]
    assert "not valid JSON" in result.report.problems[0].message and "rebuilt from the verdict files" in result.report.problems[0].message
    assert result.report.problems[0].line == 2
    write(out_dir / LEDGER_PATH, '{"n": ' + "9" * 5_000 + ', "claims": {}}\n')
    result = run_pipeline(cfg, seed_dir, out_dir)
    assert _assigned(out_dir) == before
    assert [p.message for p in result.report.problems] == [
        "unreadable: it holds a number of more than 4,300 digits; rebuilt from the verdict files (the flow rewrites this file)"]
    # Valid JSON of the wrong shape: what is wrong and where ("1 validation error for Ledger" said neither).
    write(out_dir / LEDGER_PATH, '{"claims": {"c-1": {"reviewers": ["reviewer-1"]}}}\n')
    result = run_pipeline(cfg, seed_dir, out_dir)
    assert _assigned(out_dir) == before
    assert [p.message.split(";")[0] for p in result.report.problems] == [
        "not a ledger: claims.c-1.reviewers: Input should be a valid dictionary"]


def test_a_rebuilt_ledger_takes_the_text_of_current_claims_so_their_verdicts_keep_it_when_orphaned(tmp_path: Path, out_dir: Path) -> None:
    # A hand-written verdict may leave out claim_text; a ledger rebuilt from such a file had an empty text that
    # no later run filled in, so once the sentence was edited away its verdict was orphaned with claim_text null.
    seeds = tmp_path / "seeds"
    sentence = "The NHS reported 5,391 cases of measles in July 2017."
    write(seeds / "a.txt", f"Health\n\n{sentence}\n")
    cfg = LoadedConfig(config=Config.model_validate({"claims": {"detector": "signals", "threshold": 0.1},
                                                     "review": {"reviewers": [{"id": "a"}], "reviewers_per_claim": 1}}),
                       path=None, sha256=None)
    first = run_pipeline(cfg, seeds, out_dir)
    [cid] = [c.id for c in first.report.claims if c.text == sentence]
    write(out_dir / "review" / "verdicts" / "a" / f"{cid}.yaml",
          f"claim: {cid}\nreviewer: a\nrating: 'true'\nrationale: Matches the NHS figures.\nevidence: []\n")
    (out_dir / LEDGER_PATH).unlink()
    run_pipeline(cfg, seeds, out_dir)
    write(seeds / "a.txt", "Health\n\nThe NHS reported 6,000 cases of measles in July 2017.\n")
    result = run_pipeline(cfg, seeds, out_dir)
    [orphan] = result.report.orphaned_verdicts
    assert (orphan.claim, orphan.rating, orphan.claim_text) == (cid, "true", sentence)


def test_online_runs_keep_the_ledger_too(seed_dir: Path, out_dir: Path, api_server: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACTCHECK_API_KEY", public_apis.SECRET_KEY)
    public_apis.install(api_server)
    loaded = online_config(api_server, out_dir)
    first = run_pipeline(loaded, seed_dir, out_dir).report
    assert (out_dir / LEDGER_PATH).is_file() and api_server.log
    assert any(s.status == "resolved" for c in first.claims for s in c.sources)
    assert all(len(c.assigned_to) == 2 for c in first.claims) and all(r.assigned == len(first.claims) for r in first.summary.reviewers)
    again = run_pipeline(loaded, seed_dir, out_dir).report
    assert {c.id: c.assigned_to for c in again.claims} == {c.id: c.assigned_to for c in first.claims}

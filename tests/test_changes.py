"""The report's `changes`: new and gone claims, new and changed verdicts, consensus moves."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from factflow.config import LoadedConfig
from factflow.pipeline import run_pipeline
from tests.conftest import SEED


def report(out: Path) -> dict:
    return yaml.safe_load((out / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))


def verdict(out: Path, reviewer: str, cid: str, rating: str) -> None:
    (out / "review" / "verdicts" / reviewer / f"{cid}.yaml").write_text(
        f"claim: {cid}\nreviewer: {reviewer}\nrating: {rating}\nrationale: Checked.\n", encoding="utf-8")


def test_first_report_lists_every_claim_as_new(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    run_pipeline(loaded, seed_dir, out_dir)
    first = report(out_dir)
    assert first["changes"]["since"] is None
    assert first["changes"]["new_claims"] == [c["id"] for c in first["claims"]]


def test_changes_after_added_and_edited_documents_and_new_verdicts(tmp_path: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    run_pipeline(loaded, seeds, out_dir)
    first = report(out_dir)
    quneitra = next(c for c in first["claims"] if "only Quneitra" in c["text"])
    idlib = next(c for c in first["claims"] if "Idlib" in c["text"])
    verdict(out_dir, "reviewer-1", idlib["id"], "mostly-true")
    verdict(out_dir, "reviewer-2", idlib["id"], "mostly-true")
    run_pipeline(loaded, seeds, out_dir)
    second = report(out_dir)
    changes = second["changes"]
    assert changes["since"] == first["generated_at"]
    assert changes["new_claims"] == [] and changes["claims_gone"] == []
    assert {(v["claim"], v["reviewer"], v["rating_after"]) for v in changes["new_verdicts"]} == {
        (idlib["id"], "reviewer-1", "mostly-true"), (idlib["id"], "reviewer-2", "mostly-true")}
    assert changes["consensus_changes"] == [{
        "claim": idlib["id"], "status_before": "pending", "rating_before": None, "status_after": "agreed", "rating_after": "mostly-true"}]

    # Edit the seed (the Quneitra sentence changes), add a document, change a verdict.
    text = (seeds / SEED.name).read_text(encoding="utf-8").replace("controls only Quneitra", "controls only Quneitra and Daraa")
    (seeds / SEED.name).write_text(text, encoding="utf-8")
    (seeds / "extra.txt").write_text("Extra\n\nThe city spent $3.2 million on the new bridge in 2019.\n", encoding="utf-8")
    verdict(out_dir, "reviewer-2", idlib["id"], "half-true")
    run_pipeline(loaded, seeds, out_dir)
    third = report(out_dir)
    changes = third["changes"]
    new_texts = {c["id"]: c["text"] for c in third["claims"] if c["id"] in changes["new_claims"]}
    assert any("Daraa" in t for t in new_texts.values()) and any("$3.2 million" in t for t in new_texts.values())
    assert changes["claims_gone"] == [{"id": quneitra["id"], "text": quneitra["text"]}]
    assert changes["changed_verdicts"] == [{"claim": idlib["id"], "reviewer": "reviewer-2", "rating_before": "mostly-true", "rating_after": "half-true"}]
    assert changes["new_verdicts"] == []
    assert changes["consensus_changes"] == [{
        "claim": idlib["id"], "status_before": "agreed", "rating_before": "mostly-true", "status_after": "disputed", "rating_after": None}]


def test_an_unreadable_previous_report_counts_as_none(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    (out_dir / "reports").mkdir()
    (out_dir / "reports" / "verdicts.yaml").write_text("claims: [broken\n", encoding="utf-8")
    run_pipeline(loaded, seed_dir, out_dir)
    assert report(out_dir)["changes"]["since"] is None


def test_a_report_edited_by_hand_is_read_as_it_is_not_from_the_snapshot(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    from factflow.report import load_previous_report

    run_pipeline(loaded, seed_dir, out_dir)
    path = out_dir / "reports" / "verdicts.yaml"
    snapshot = out_dir / ".factflow-cache" / "report-snapshot.json"
    assert "report_sha256" in (load_previous_report(path, snapshot) or {})  # the fast path
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["claims"].append({"id": "c-ffffffffffff", "text": "A claim added by hand.", "verdicts": [], "consensus": {"status": "pending", "rating": None}})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run_pipeline(loaded, seed_dir, out_dir)
    assert report(out_dir)["changes"]["claims_gone"] == [{"id": "c-ffffffffffff", "text": "A claim added by hand."}]

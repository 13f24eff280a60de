"""The YAML report: shipped JSON Schema, real output valid against it, deterministic."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from factflow.config import LoadedConfig
from factflow.pipeline import run_pipeline
from factflow.reportfile import generated_schema, report_schema, report_text


def test_shipped_schema_matches_the_report_model() -> None:
    # Regenerate with: python -c "import json,factflow.reportfile as r; print(json.dumps(r.generated_schema(), indent=2, ensure_ascii=False))"
    assert report_schema() == generated_schema()


def test_real_report_validates_against_the_schema(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    result = run_pipeline(loaded, seed_dir, out_dir)
    data = yaml.safe_load(result.report_path.read_text(encoding="utf-8"))
    jsonschema.validate(data, report_schema())
    assert data["schema_version"] == "1.0"
    assert data["config"]["sha256"] == loaded.sha256
    assert data["documents"][0]["sentences"] == data["summary"]["sentences"] > 0
    assert data["summary"]["claims"] == len(data["claims"]) == data["summary"]["tasks"]


def test_schema_rejects_a_report_missing_a_field(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    result = run_pipeline(loaded, seed_dir, out_dir)
    data = yaml.safe_load(result.report_path.read_text(encoding="utf-8"))
    del data["claims"][0]["consensus"]
    try:
        jsonschema.validate(data, report_schema())
    except jsonschema.ValidationError as exc:
        assert "consensus" in exc.message
    else:
        raise AssertionError("schema accepted a claim without consensus")


def test_reruns_write_the_same_bytes_except_timestamps(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    run_pipeline(loaded, seed_dir, out_dir)  # the first report lists every claim as new
    second = run_pipeline(loaded, seed_dir, out_dir).report_path.read_text(encoding="utf-8")
    third = run_pipeline(loaded, seed_dir, out_dir).report_path.read_text(encoding="utf-8")
    stamp = re.compile(r"^(generated_at|  since): .*$", re.MULTILINE)
    assert stamp.sub("", second) == stamp.sub("", third)
    assert "’" in second  # UTF-8 text, not \u escapes


def test_report_lists_claims_in_document_then_sentence_order(tmp_path: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    seeds = tmp_path / "s"
    seeds.mkdir()
    (seeds / "b.txt").write_text("B\n\nRebels seized Idlib in March 2015. Officials said 40 people died in Ohio on Monday.", encoding="utf-8")
    (seeds / "a.txt").write_text("A\n\nThe city spent $3.2 million on the new bridge in 2019.", encoding="utf-8")
    data = yaml.safe_load(run_pipeline(loaded, seeds, out_dir).report_path.read_text(encoding="utf-8"))
    assert [(c["document"], c["sentence_index"]) for c in data["claims"]] == [("a", 0), ("b", 0), ("b", 1)]
    assert [d["id"] for d in data["documents"]] == ["a", "b"]


def test_the_report_written_a_claim_at_a_time_is_the_whole_report(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    from factflow.yamlio import dump_yaml

    result = run_pipeline(loaded, seed_dir, out_dir)
    written = result.report_path.read_text(encoding="utf-8")
    assert written.startswith("# factflow verdict report.")
    assert written.split("\n", 1)[1] == dump_yaml(result.report.model_dump(mode="json"))


def test_a_rerun_copies_unchanged_claims_text_and_never_from_an_edited_report(
    seed_dir: Path, out_dir: Path, loaded: LoadedConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    import factflow.reportfile as report_module
    from tests.conftest import write

    path = out_dir / "reports" / "verdicts.yaml"
    run_pipeline(loaded, seed_dir, out_dir)
    emitted: list[object] = []
    real = report_module.dump_yaml
    monkeypatch.setattr(report_module, "dump_yaml", lambda data: emitted.append(data) or real(data))
    second = run_pipeline(loaded, seed_dir, out_dir)
    claims = second.report.claims
    assert not [d for d in emitted if isinstance(d, list)]  # no claim emitted again: all copied
    assert path.read_text(encoding="utf-8") == report_text(second.report)
    emitted.clear()  # (report_text emitted every claim)
    # A rating changes one claim: only that one is emitted again.
    write(out_dir / "review" / "verdicts" / "reviewer-1" / f"{claims[0].id}.yaml",
          f"claim: {claims[0].id}\nreviewer: reviewer-1\nrating: half-true\nrationale: Checked.\n")
    third = run_pipeline(loaded, seed_dir, out_dir)
    assert [d[0]["id"] for d in emitted if isinstance(d, list)] == [claims[0].id]
    assert path.read_text(encoding="utf-8") == report_text(third.report)
    # Someone edits the report by hand: its text is never copied again.
    path.write_text(path.read_text(encoding="utf-8").replace(claims[1].text[:30], "EDITED BY HAND"), encoding="utf-8")
    fourth = run_pipeline(loaded, seed_dir, out_dir)
    assert "EDITED BY HAND" not in path.read_text(encoding="utf-8")
    assert path.read_text(encoding="utf-8") == report_text(fourth.report)


def test_a_rerun_copies_the_documents_list_when_the_documents_are_the_same(
    seed_dir: Path, out_dir: Path, loaded: LoadedConfig, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """A corpus of 100,000 documents lists them all in the report: a rerun over the same documents
    copies that list from the last report instead of writing each entry again; any change to any
    document (here a title) writes it again. Byte for byte what writing it afresh gives, both ways."""
    import shutil

    import factflow.reportfile as report_module

    seeds = tmp_path / "two-documents"
    shutil.copytree(seed_dir, seeds)
    (seeds / "second.txt").write_text("Second\n\nThe city spent $3.2 million on the new bridge in 2019.\n", encoding="utf-8")
    path = out_dir / "reports" / "verdicts.yaml"
    run_pipeline(loaded, seeds, out_dir)
    emitted: list[object] = []
    real = report_module.emit
    monkeypatch.setattr(report_module, "emit", lambda data: emitted.append(data) or real(data))
    second = run_pipeline(loaded, seeds, out_dir)
    assert emitted == []  # neither a document nor a claim emitted: both copied
    assert path.read_text(encoding="utf-8") == report_text(second.report)
    assert len(second.report.documents) == 2
    emitted.clear()  # (report_text emitted every document)
    (seeds / "second.txt").write_text("Second, retitled\n\nThe city spent $3.2 million on the new bridge in 2019.\n", encoding="utf-8")
    third = run_pipeline(loaded, seeds, out_dir)
    assert len([d for d in emitted if isinstance(d, list) and "sha256" in d[0]]) == 2  # every document written again
    assert {d.title for d in third.report.documents} >= {"Second, retitled"}
    assert path.read_text(encoding="utf-8") == report_text(third.report)


def test_one_changed_document_among_thousands_writes_only_its_run_of_the_documents_list(
    seed_dir: Path, out_dir: Path, loaded: LoadedConfig, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """The documents' list is copied from the last report a run of documents at a time (runs end where
    a document's id says, about 256 documents each): a document edited, added or removed costs its own
    run's entries only, and the report is byte for byte what writing it afresh gives."""
    import factflow.reportfile as report_module
    from factflow.report import load_previous_report
    from factflow.reportfile import write_report

    base = run_pipeline(loaded, seed_dir, out_dir).report
    template = base.documents[0]
    documents = [template.model_copy(update={"id": f"doc-{i:05d}", "path": f"corpus.csv:{i + 2}", "title": f"Report {i}"})
                 for i in range(3000)]
    path, snapshot = tmp_path / "report.yaml", tmp_path / "snapshot.json"
    first = base.model_copy(update={"documents": documents})
    write_report(first, path, snapshot)
    emitted: list[str] = []
    real = report_module.emit
    monkeypatch.setattr(report_module, "emit", lambda data: emitted.append(data[0].get("id", "")) or real(data))
    for change in (
        lambda docs: [*docs[:1234], docs[1234].model_copy(update={"title": "Retitled"}), *docs[1235:]],  # an edit
        lambda docs: [*docs[:2000], *docs[2001:]],  # a document removed
        lambda docs: [*docs, template.model_copy(update={"id": "doc-99999", "title": "New"})],  # one added at the end
    ):
        documents = change(documents)
        report = base.model_copy(update={"documents": documents})
        emitted.clear()
        write_report(report, path, snapshot, load_previous_report(path, snapshot))
        written = [e for e in emitted if e.startswith("doc-")]
        assert 0 < len(written) <= 2048 and len(written) < 700  # its run, not 3,000 documents
        monkeypatch.setattr(report_module, "emit", real)
        assert path.read_text(encoding="utf-8") == report_text(report)
        monkeypatch.setattr(report_module, "emit", lambda data: emitted.append(data[0].get("id", "")) or real(data))
    emitted.clear()
    write_report(report, path, snapshot, load_previous_report(path, snapshot))
    assert [e for e in emitted if e.startswith("doc-")] == []  # nothing changed: every run copied


@pytest.mark.parametrize("span", [[0, 10**15], [-5, 10], [10**9, 10], ["0", "10"], [0, -1], [None, None]])
def test_a_damaged_snapshot_span_copies_nothing_and_the_report_is_written_afresh(
    seed_dir: Path, out_dir: Path, loaded: LoadedConfig, span: list[object],
) -> None:
    """The snapshot says where each claim and the documents' list lie in the last report; a span out of
    the file, of the wrong type or asking for a petabyte (an edited or damaged cache) is not read."""
    import json

    from factflow.layout import OutputLayout

    run_pipeline(loaded, seed_dir, out_dir)
    snapshot = OutputLayout(out_dir).report_snapshot
    data = json.loads(snapshot.read_text(encoding="utf-8"))
    assert data["documents_spans"] and all(c.get("span") for c in data["claims"])
    for run in data["documents_spans"]:
        run[1:] = span
    for claim in data["claims"]:
        claim["span"][1:] = span
    snapshot.write_text(json.dumps(data), encoding="utf-8")
    again = run_pipeline(loaded, seed_dir, out_dir)
    assert (out_dir / "reports" / "verdicts.yaml").read_text(encoding="utf-8") == report_text(again.report)


def _claim_block(report_text: str, claim_id: str) -> dict:
    """One claim of a report, parsed from its own lines (the whole report takes a while to parse)."""
    start = report_text.index(f"\n- id: {claim_id}\n") + 1
    following = re.compile(r"\n(?:- |[^ \n])").search(report_text, start)  # the next claim or top-level key
    text = report_text[start:following.start() if following else None]
    return yaml.load(text, Loader=yaml.CSafeLoader)[0]  # libyaml: 400 claims and their task files


def test_task_files_and_the_report_agree_field_by_field(large_desk: Path) -> None:
    from factflow.models import ReportClaim, Task

    report_text = (large_desk / "reports" / "verdicts.yaml").read_text(encoding="utf-8")
    shared = (set(Task.model_fields) & set(ReportClaim.model_fields)) - {"document"}
    assert {"entities", "attribution", "time", "reasons", "sources", "appearances", "assigned_to"} <= shared
    tasks = sorted((large_desk / "review" / "tasks").glob("c-*.yaml"))
    seen = {"entities": 0, "attribution": 0, "time": 0}
    for path in tasks[:: max(1, len(tasks) // 400)]:
        task = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        claim = _claim_block(report_text, task["claim"])
        assert claim["id"] == task["claim"] and claim["document"] == task["document"]["id"]
        for field in sorted(shared):
            assert claim.get(field) == task.get(field), f"{task['claim']}: {field}"
        for field in seen:
            seen[field] += bool(claim[field])
    assert all(count >= 5 for count in seen.values()), seen  # the sample holds claims with each field set


def test_a_run_keeps_no_report_in_memory_and_its_preview_renders_the_same_summary(
    seed_dir: Path, out_dir: Path, loaded: LoadedConfig
) -> None:
    from factflow.export.summary import render
    from factflow.report import TopClaims

    result = run_pipeline(loaded, seed_dir, out_dir)
    assert result._report is None  # written a claim at a time, read back only when asked for
    assert result.preview is not None
    assert result.summary == result.report.summary and result.problems == result.report.problems
    whole = result.report
    assert render(result.preview, "markdown", max_claims=100, total_claims=result.summary.claims) == render(whole, "markdown", max_claims=100)
    # Fewer places than claims: the streamed choice is the one render makes from the whole report.
    top = TopClaims(3)
    assert list(top.watch(iter(whole.claims))) == whole.claims
    preview = whole.model_copy(update={"claims": top.claims()})
    assert len(whole.claims) > 3
    assert render(preview, "markdown", max_claims=3, total_claims=len(whole.claims)) == render(whole, "markdown", max_claims=3)

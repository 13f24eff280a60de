"""Paths from files and ids never escape the output folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from factflow.config import LoadedConfig, load_config
from factflow.errors import ConfigError
from factflow.layout import LEDGER as LEDGER_PATH
from factflow.pipeline import run_pipeline
from tests.conftest import SEED, write


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def assert_only_expected_files(tmp_path: Path, out: Path, before: set[Path], reviewers: set[str]) -> None:
    """Every file the run added lies in the output folder, where the flow writes."""
    for path in files_under(tmp_path) - before:
        rel = path.relative_to(out)  # raises when the file is outside the output folder
        parts = rel.parts
        assert (
            (parts[:2] == ("review", "tasks") and len(parts) == 3 and parts[2].startswith("c-"))
            or (parts[:2] == ("review", "verdicts") and len(parts) == 4 and parts[2] in reviewers and parts[3].startswith("c-"))
            or rel == LEDGER_PATH  # the assignment ledger
            or parts[0] in ("reports", ".factflow-cache")
            or rel.name.startswith(".factflow")  # the lock file
        ), f"unexpected file {rel}"


@pytest.mark.parametrize("reviewer", ["../x", "..", "a/b", "/etc", "x/../../y", ".hidden"])
def test_a_reviewer_id_that_is_not_a_plain_name_is_refused(tmp_path: Path, reviewer: str) -> None:
    path = write(tmp_path / "factflow.yaml", f"review:\n  reviewers:\n    - id: '{reviewer}'\n  reviewers_per_claim: 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line == 3 and info.value.message.startswith("review.reviewers[0].id: String should match pattern")


@pytest.mark.parametrize("report_path", ["/tmp/report.yaml", "../report.yaml", "reports/../../report.yaml"])
def test_a_report_path_outside_the_output_folder_is_refused(tmp_path: Path, report_path: str) -> None:
    path = write(tmp_path / "factflow.yaml", f"report:\n  path: '{report_path}'\n")
    with pytest.raises(ConfigError, match="must be a relative path inside the output folder"):
        load_config(path)


def test_a_verdict_naming_a_path_as_its_claim_is_a_problem_and_writes_nothing(
    tmp_path: Path, loaded: LoadedConfig, seed_dir: Path, out_dir: Path
) -> None:
    run_pipeline(loaded, seed_dir, out_dir)
    evil = "../../../../etc/passwd"
    write(out_dir / "review" / "verdicts" / "reviewer-1" / "c-000000000000.yaml",
          f"claim: '{evil}'\nreviewer: reviewer-1\nrating: 'false'\nrationale: because\n")
    write(out_dir / "review" / "verdicts" / "reviewer-1" / "..evil.yaml",
          f"claim: '{evil}'\nreviewer: reviewer-1\n")
    before = files_under(tmp_path)
    report = run_pipeline(loaded, seed_dir, out_dir).report
    problems = {p.file: p for p in report.problems}
    bad = problems["review/verdicts/reviewer-1/c-000000000000.yaml"]
    assert bad.line == 1 and bad.message.startswith(f"claim: {evil!r} belongs to no known claim")
    assert all(evil not in (v.file for v in c.verdicts) for c in report.claims)
    assert_only_expected_files(tmp_path, out_dir, before, {"reviewer-1", "reviewer-2"})


@pytest.mark.parametrize("name", ["two words.txt", "a..b.txt", "ünïcødé.txt", "new\nline.txt", "-dash.txt", "~tilde.txt", "%2e%2e.txt"])
def test_a_strange_seed_file_name_writes_only_inside_the_output_folder(tmp_path: Path, loaded: LoadedConfig, name: str) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    seeds.mkdir()
    shutil.copy(SEED, seeds / name)
    before = files_under(tmp_path)
    report = run_pipeline(loaded, seeds, out).report
    assert [d.id for d in report.documents] == [Path(name).stem] and report.claims
    assert_only_expected_files(tmp_path, out, before, {"reviewer-1", "reviewer-2"})
    tasks = list((out / "review" / "tasks").iterdir())
    assert {p.stem for p in tasks} == {c.id for c in report.claims}

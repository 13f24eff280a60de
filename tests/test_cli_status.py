"""`factflow status`: who owes what, read from the desk's files as they are now, quickly at desk size."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from factflow_flows.cli import main

from factflow.config import LoadedConfig
from factflow.pipeline import run_pipeline
from tests.conftest import CONFIG, ROOT, alone, write


def verdict_ratings(out: Path) -> dict[tuple[str, str], str | None]:
    """(reviewer, claim) to the rating each verdict file holds, read with PyYAML, independently of factflow."""
    found = {}
    for path in (out / "review" / "verdicts").glob("*/c-*.yaml"):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        found[(path.parent.name, path.stem)] = data.get("rating")
    return found


def table_rows(output: str) -> dict[str, list[str]]:
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line) if c.strip()]
        if cells and re.match(r"reviewer-\d|editor", cells[0]):
            rows[cells[0].split()[0]] = cells[1:]
    return rows


def test_status_counts_every_reviewers_work_and_lists_their_queue_at_desk_size(large_desk: Path) -> None:
    ratings = verdict_ratings(large_desk)
    with alone():
        start = time.perf_counter()
        result = CliRunner().invoke(main, ["status", "--config", str(CONFIG), "--out", str(large_desk)])
        seconds = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    assert seconds < 4, f"status took {seconds:.1f} s"  # 6,000 claims, 12,000 verdict files, on a loaded 2-core machine
    rows = table_rows(result.output)
    claims = int(re.search(r"factflow status: ([\d,]+) claims", result.output).group(1).replace(",", ""))
    for reviewer in ("reviewer-1", "reviewer-2"):
        done = sum(1 for (who, _), rating in ratings.items() if who == reviewer and rating is not None)
        role, assigned, done_shown, open_shown, overdue = rows[reviewer]
        assert role == "reviewer"
        assert int(assigned.replace(",", "")) == claims  # two reviewers per claim, two reviewers
        assert int(done_shown.replace(",", "")) == done > 0
        assert int(open_shown.replace(",", "")) == claims - done and overdue == "0"
    # the queue: open tasks, most check-worthy first, the rated ones skipped
    queue = re.findall(r"^  (c-[0-9a-f]{12})  ", result.output.split("Next for reviewer-2")[0], re.MULTILINE)
    assert len(queue) == 5 and all(ratings.get(("reviewer-1", cid)) is None for cid in queue)
    scores = [yaml.load((large_desk / "review" / "tasks" / f"{cid}.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)["checkworthiness"]
              for cid in queue]
    assert scores == sorted(scores, reverse=True)
    # disputed claims, with no adjudicator configured, wait for one and the status says so
    waiting = re.search(r"Waiting for an adjudicator: ([\d,]+) disputed claims", result.output)
    assert waiting and int(waiting.group(1)) > 50


def test_status_follows_verdicts_saved_since_the_run_and_marks_overdue_tasks(large_desk: Path, tmp_path: Path) -> None:
    out = large_desk  # one verdict file is saved here, and put back as it was at the end
    first = CliRunner().invoke(main, ["status", "--config", str(CONFIG), "--out", str(out), "--reviewer", "reviewer-1", "--next", "2"])
    assert first.exit_code == 0, first.output
    head = re.findall(r"^  (c-[0-9a-f]{12})  ", first.output, re.MULTILINE)
    assert len(head) == 2 and "reviewer-2" not in table_rows(first.output)
    stub = out / "review" / "verdicts" / "reviewer-1" / f"{head[0]}.yaml"
    before = stub.read_bytes()
    write(stub, f"claim: {head[0]}\nreviewer: reviewer-1\nrating: half-true\nrationale: Saved after the run.\n")
    config = write(tmp_path / "config.yaml", CONFIG.read_text(encoding="utf-8").replace("due_hours: 72", "due_hours: 0.001"))
    try:
        second = CliRunner().invoke(main, ["status", "--config", str(config), "--out", str(out), "--reviewer", "reviewer-1", "--next", "2"])
    finally:
        stub.write_bytes(before)
    assert second.exit_code == 0, second.output
    after = re.findall(r"^  (c-[0-9a-f]{12})  .*\[overdue\]$", second.output, re.MULTILINE)
    assert after[0] == head[1] and head[0] not in second.output  # the saved one left the queue
    before, now = table_rows(first.output)["reviewer-1"], table_rows(second.output)["reviewer-1"]
    assert int(now[2].replace(",", "")) == int(before[2].replace(",", "")) + 1  # done
    assert now[4] == now[3]  # every open task is overdue: assigned more than 3.6 s ago


def test_status_names_an_unknown_reviewer_and_a_missing_run(large_desk: Path, tmp_path: Path) -> None:
    bad = CliRunner().invoke(main, ["status", "--config", str(CONFIG), "--out", str(large_desk), "--reviewer", "nobody"])
    assert bad.exit_code == 2 and "'nobody' is not a configured reviewer" in bad.output
    empty = CliRunner().invoke(main, ["status", "--config", str(CONFIG), "--out", str(tmp_path)])
    assert empty.exit_code == 1 and "no report here; run `factflow run` first" in empty.output


def test_a_run_says_how_many_disputed_claims_wait_for_an_adjudicator(seed_dir: Path, out_dir: Path) -> None:
    runner = CliRunner()
    args = ["run", "--engine", "plain", "--config", str(CONFIG), "--seeds", str(seed_dir), "--out", str(out_dir)]
    assert runner.invoke(main, args).exit_code == 0
    claims = sorted(p.stem for p in (out_dir / "review" / "tasks").glob("c-*.yaml"))[:2]
    for cid in claims:
        for reviewer, rating in (("reviewer-1", "'true'"), ("reviewer-2", "'false'")):
            write(out_dir / "review" / "verdicts" / reviewer / f"{cid}.yaml",
                  f"claim: {cid}\nreviewer: {reviewer}\nrating: {rating}\nrationale: Checked.\n")
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert re.search(r"waiting for an adjudicator\s*│\s*2 │", result.output), result.output
    assert "2 disputed claims wait for an adjudicator and none is configured" in result.output


def test_review_starts_in_seconds_at_desk_size(large_desk: Path) -> None:
    from factflow.config import load_config
    from factflow.review import ReviewSession

    cfg = load_config(CONFIG).config
    with alone():
        start = time.perf_counter()
        result = CliRunner().invoke(main, ["review", "--reviewer", "reviewer-2", "--config", str(CONFIG), "--out", str(large_desk)], input="q\n")
        seconds = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    tasks = len(list((large_desk / "review" / "tasks").glob("c-*.yaml")))
    print(f"review started and quit in {seconds:.1f} s at {tasks:,} tasks")
    assert seconds < 20, f"review took {seconds:.1f} s to start and quit"  # reading every file took 21 s at 3,644 tasks
    first = ReviewSession(large_desk, cfg.review, "reviewer-2", report=large_desk / cfg.report.path).open_tasks()[0]
    assert f": {first.task.claim} (" in result.output


def test_the_queue_from_the_report_is_the_queue_of_the_task_files(seed_dir: Path, out_dir: Path) -> None:
    from factflow.config import load_config
    from factflow.pipeline import run_pipeline
    from factflow.review import ReviewSession

    loaded = load_config(CONFIG)
    run_pipeline(loaded, seed_dir, out_dir)
    cfg = loaded.config.review
    claims = sorted(p.stem for p in (out_dir / "review" / "tasks").glob("c-*.yaml"))
    write(out_dir / "review" / "verdicts" / "reviewer-2" / f"{claims[0]}.yaml",
          f"claim: {claims[0]}\nreviewer: reviewer-2\nrating: half-true\nrationale: Checked.\n")
    fast = ReviewSession(out_dir, cfg, "reviewer-2", report=out_dir / loaded.config.report.path)
    slow = ReviewSession(out_dir, cfg, "reviewer-2")  # every task file read
    assert len(fast.open_tasks()) == len(claims) - 1
    assert [t.task for t in fast.open_tasks()] == [t.task for t in slow.open_tasks()]


@pytest.mark.parametrize(("command", "what"), [
    (["status", "--config", "{config}", "--out", "{out}"], "the status"),
    (["report", "--report", "{report}"], "the summary"),
    (["export", "claimreview", "--report", "{report}", "--config", "{config}", "--publisher-url", "https://desk.example/checks"],
     "the ClaimReview JSON"),
])
def test_a_closed_standard_output_is_a_usage_error_not_a_silent_success(seed_dir: Path, out_dir: Path, loaded: LoadedConfig,
                                                                        command: list[str], what: str) -> None:
    """'factflow status >&-' and 'factflow report >&-' exited 0 having written nothing."""
    run_pipeline(loaded, seed_dir, out_dir)
    fill = {"config": str(CONFIG), "out": str(out_dir), "report": str(out_dir / "reports" / "verdicts.yaml")}
    argv = [sys.executable, "-m", "factflow_flows.cli", *(a.format(**fill) for a in command)]
    done = subprocess.run(["bash", "-c", '"$@" >&-', "bash", *argv], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"standard output is closed, and {what} is written there; redirect it to a file" in done.stderr

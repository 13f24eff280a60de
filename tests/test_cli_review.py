"""`factflow review` in the terminal, driven through stdin by a program as a reviewer would type."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from factflow.config import LoadedConfig, load_config
from factflow.pipeline import run_pipeline
from factflow.review import ReviewSession, load_verdict
from tests.conftest import CONFIG, ROOT, write


def review(out: Path, answers: str, reviewer: str = "reviewer-1", config: Path = CONFIG) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "factflow_flows.cli", "review", "--reviewer", reviewer, "--config", str(config), "--out", str(out)],
        input=answers, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )


@pytest.fixture
def queue(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> list[str]:
    """The claim ids of reviewer-1's open tasks after a first run, in the order the terminal shows them."""
    run_pipeline(loaded, seed_dir, out_dir)
    return [t.task.claim for t in ReviewSession(out_dir, loaded.config.review, "reviewer-1").open_tasks()]


def test_rate_skip_quit_and_resume(queue: list[str], out_dir: Path, loaded: LoadedConfig) -> None:
    first, second, third = queue[:3]
    # rate the first (by number, after a wrong answer; one bad URL re-asked), skip the second, quit.
    done = review(out_dir, "maybe\n2\n\nMatches the ISW map of September 2015.\nnot-a-url\nhttps://example.org/isw\n\ns\nq\n")
    assert done.returncode == 0, done.stderr
    assert "'maybe' is not a rating" in done.stdout and "A rating needs a rationale." in done.stdout
    assert "'not-a-url' is not an http(s) URL" in done.stdout
    assert f"Task 1 of {len(queue)}: {first}" in done.stdout and "Sources:" in done.stdout and "Question:" in done.stdout
    assert "mostly-true    Accurate but needs clarification" in done.stdout  # the scale with its definitions
    assert f"Saved 1, skipped 1, {len(queue) - 1} still open." in done.stdout
    path = out_dir / "review" / "verdicts" / "reviewer-1" / f"{first}.yaml"
    verdict = load_verdict(path, out_dir, set(queue), loaded.config.review).verdict
    assert (verdict.rating, verdict.rationale, verdict.evidence) == ("mostly-true", "Matches the ISW map of September 2015.",
                                                                    ["https://example.org/isw"])
    assert verdict.claim_text and yaml.safe_load(path.read_text(encoding="utf-8"))["claim_text"] == verdict.claim_text
    # resume: the rated task is gone, the skipped one comes first; a label works as well as a number.
    again = review(out_dir, "pants-on-fire\nNo such meeting took place.\n\n")
    assert again.returncode == 0, again.stderr
    assert f"Task 1 of {len(queue) - 1}: {second}" in again.stdout and first not in again.stdout
    assert f"Task 2 of {len(queue) - 1}: {third}" in again.stdout  # then the input ran dry: a quit, not a crash
    assert "Traceback" not in again.stderr
    assert yaml.safe_load((out_dir / "review" / "verdicts" / "reviewer-1" / f"{second}.yaml").read_text(encoding="utf-8"))["rating"] == "pants-on-fire"


def test_the_run_collects_what_the_terminal_saved(queue: list[str], seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    answers = "".join(f"{i % 6 + 1}\nReason {i}.\nhttps://example.org/{i}\n\n" for i in range(len(queue)))
    done = review(out_dir, answers)
    assert f"Saved {len(queue)}, skipped 0, 0 still open. Nothing is left for you; the next run collects your verdicts." in done.stdout
    assert "No open tasks for reviewer-1." in review(out_dir, "").stdout
    report = run_pipeline(loaded, seed_dir, out_dir).report
    ratings = {c.id: v.rating for c in report.claims for v in c.verdicts if v.reviewer == "reviewer-1"}
    assert ratings == {cid: loaded.config.review.labels[i % 6] for i, cid in enumerate(queue)}
    assert report.problems == []


def config_with(tmp_path: Path, name: str, **review: object) -> Path:
    """The shipped config with some review settings changed."""
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["review"].update(review)
    return write(tmp_path / f"{name}.yaml", yaml.safe_dump(data, sort_keys=False))


@pytest.mark.parametrize("blind", [True, False])
def test_blind_mode_hides_the_other_verdict_until_you_have_rated(queue: list[str], out_dir: Path, tmp_path: Path, blind: bool) -> None:
    first = queue[0]
    write(out_dir / "review" / "verdicts" / "reviewer-2" / f"{first}.yaml",
          f"claim: {first}\nreviewer: reviewer-2\nrating: 'false'\nrationale: SECRET-REASON of reviewer 2.\n")
    config = config_with(tmp_path, f"blind-{blind}", blind=blind)
    done = review(out_dir, "3\nPartly right.\n\nq\n", config=config)
    assert done.returncode == 0, done.stderr
    before, _, after = done.stdout.partition("Saved review/verdicts/reviewer-1/")
    if blind:
        assert "SECRET-REASON" not in before and "hidden until you rate" in before
        assert "SECRET-REASON" in after  # shown once reviewer-1 has given theirs
    else:
        assert "SECRET-REASON" in before
    session = ReviewSession(out_dir, load_config(config).config.review, "reviewer-1")
    assert [r.reviewer for r in session.visible_others(first)] == ["reviewer-2"]
    second_claim = queue[1]
    write(out_dir / "review" / "verdicts" / "reviewer-2" / f"{second_claim}.yaml",
          f"claim: {second_claim}\nreviewer: reviewer-2\nrating: 'true'\nrationale: Fine.\n")
    session.refresh()
    assert [r.reviewer for r in session.visible_others(second_claim)] == ([] if blind else ["reviewer-2"])


def test_an_adjudicator_gets_the_disputed_claims(queue: list[str], out_dir: Path, tmp_path: Path, seed_dir: Path) -> None:
    config = config_with(tmp_path, "adjudicator", adjudicators=[{"id": "editor", "name": "The Editor"}])
    first = queue[0]
    for reviewer, rating in [("reviewer-1", "'true'"), ("reviewer-2", "'false'")]:
        write(out_dir / "review" / "verdicts" / reviewer / f"{first}.yaml",
              f"claim: {first}\nreviewer: {reviewer}\nrating: {rating}\nrationale: Because.\n")
    done = review(out_dir, "half-true\nBoth have a point.\n\n", reviewer="editor", config=config)
    assert done.returncode == 0, done.stderr
    assert "1 open task(s) for editor (adjudicator)" in done.stdout and "Verdicts so far:" in done.stdout
    report = run_pipeline(load_config(config), seed_dir, out_dir).report
    settled = next(c for c in report.claims if c.id == first).consensus
    assert (settled.status, settled.rating, settled.adjudicator) == ("adjudicated", "half-true", "editor")


def test_unknown_reviewer_and_missing_tasks_are_clear_errors(queue: list[str], out_dir: Path, tmp_path: Path) -> None:
    wrong = review(out_dir, "", reviewer="nobody")
    assert wrong.returncode == 1 and "Error: --reviewer: 'nobody' is not a configured reviewer" in wrong.stderr
    empty = review(tmp_path / "empty", "")
    assert empty.returncode == 1 and "run `factflow run` first" in empty.stderr
    assert "Traceback" not in wrong.stderr + empty.stderr


@pytest.mark.parametrize("stdin", ["closed", "write-only"])
def test_a_standard_input_that_cannot_be_read_ends_the_session_like_the_end_of_the_input(
    queue: list[str], out_dir: Path, stdin: str
) -> None:
    """`factflow review <&-` (no standard input: Python's input() fails with "lost sys.stdin") and a
    standard input opened for writing only (EBADF) were tracebacks; both stop as a pipe that ran dry does."""
    with open(os.devnull, "w") as sink:
        done = subprocess.run(
            [sys.executable, "-m", "factflow_flows.cli", "review", "--reviewer", "reviewer-1", "--config", str(CONFIG), "--out", str(out_dir)],
            stdin=subprocess.DEVNULL if stdin == "closed" else sink, capture_output=True, text=True, cwd=ROOT, timeout=60,
            preexec_fn=(lambda: os.close(0)) if stdin == "closed" else None,
        )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and done.stderr == ""
    assert f"Saved 0, skipped 0, {len(queue)} still open." in done.stdout
    assert ("Cannot read standard input (Bad file descriptor); stopping." in done.stdout) == (stdin == "write-only")


def test_an_endless_line_of_input_stops_the_session_in_bounded_memory(queue: list[str], out_dir: Path) -> None:
    """`factflow review < /dev/zero`: input() would read the line without end until memory ran out."""
    limit = 600 * 1024 * 1024  # an address-space cap: the session must end well within it, not in a MemoryError
    with open("/dev/zero", "rb") as zeros:
        done = subprocess.run(
            [sys.executable, "-m", "factflow_flows.cli", "review", "--reviewer", "reviewer-1", "--config", str(CONFIG), "--out", str(out_dir)],
            stdin=zeros, capture_output=True, text=True, cwd=ROOT, timeout=120,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit * 4, limit * 4)),
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "Cannot read standard input (a line of more than 100,000 characters); stopping." in done.stdout
    assert f"Saved 0, skipped 0, {len(queue)} still open." in done.stdout


def test_review_command_does_not_import_prefect(queue: list[str], out_dir: Path) -> None:
    code = (
        "import sys, io\n"
        "sys.stdin = io.StringIO('q\\n')\n"
        "from factflow_flows.cli import main\n"
        "try:\n"
        "    main(['review', '--reviewer', 'reviewer-1', '--config', sys.argv[1], '--out', sys.argv[2]], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'prefect' not in sys.modules, 'prefect was imported'\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(CONFIG), str(out_dir)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok") and "open task(s) for reviewer-1" in done.stdout


def test_a_broken_file_of_your_own_is_shown_and_replaced_when_you_save(queue: list[str], out_dir: Path, loaded: LoadedConfig) -> None:
    first = queue[0]
    mine = write(out_dir / "review" / "verdicts" / "reviewer-1" / f"{first}.yaml", f"claim: {first}\nreviewer: reviewer-1\nrating: [oops\n")
    done = review(out_dir, "5\nNo record of it.\n\nq\n")
    assert done.returncode == 0, done.stderr
    assert "Your file has a problem: not valid YAML" in done.stdout
    assert load_verdict(mine, out_dir, set(queue), loaded.config.review).verdict.rating == "false"


def test_the_queue_serves_the_most_check_worthy_claims_first(queue: list[str], out_dir: Path, loaded: LoadedConfig) -> None:
    from factflow.review import load_tasks

    scores = {t.claim: t.checkworthiness for t in load_tasks(out_dir)}
    ranked = [scores[c] for c in queue]
    assert len(ranked) >= 3 and ranked == sorted(ranked, reverse=True)
    # The terminal shows them in that order.
    shown = review(out_dir, "s\ns\nq\n")
    assert f"Task 1 of {len(queue)}: {queue[0]}" in shown.stdout and f"Task 2 of {len(queue)}: {queue[1]}" in shown.stdout


def test_queue_order_breaks_ties_by_document_order() -> None:
    from factflow.review.session import queue_order

    class T:
        def __init__(self, claim: str, score: float) -> None:
            self.claim, self.checkworthiness = claim, score

    tasks = [T("a", 0.5), T("b", 0.9), T("c", 0.5), T("d", 0.7)]
    assert [t.claim for t in queue_order(tasks)] == ["b", "d", "a", "c"]  # type: ignore[arg-type]


def test_the_terminal_makes_a_tasks_view_only_when_it_comes_up(queue: list[str], out_dir: Path, loaded: LoadedConfig,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A queue of tens of thousands starts at once: a task's view (its files' paths, the others' verdicts,
    its task file) is made when the task is shown, not for the whole queue first, nor to count what is left."""
    import click

    from factflow.review.terminal import review_in_terminal

    session = ReviewSession(out_dir, loaded.config.review, "reviewer-1")
    made: list[str] = []
    real = ReviewSession.open_task

    def counted(self: ReviewSession, task: object) -> object:
        made.append(task.claim)  # type: ignore[attr-defined]
        return real(self, task)  # type: ignore[arg-type]

    monkeypatch.setattr(ReviewSession, "open_task", counted)
    answers = iter(["s", "q"])
    monkeypatch.setattr(click, "prompt", lambda *a, **k: next(answers))
    outcome = review_in_terminal(session)
    assert len(queue) >= 3 and made == queue[:2]  # the skipped task and the one quit at
    assert (outcome.skipped, outcome.quit, outcome.left) == (1, True, len(queue))


@pytest.mark.parametrize("damage", ["junk", "pipe", "link", "list"])
def test_a_damaged_task_file_skips_that_task_and_the_session_goes_on(queue: list[str], out_dir: Path, damage: str) -> None:
    """The task file was read as a file named on the command line: a pipe there was opened (ten seconds
    waiting for a writer), a link followed, and any damaged task file ended the whole session with an
    error. It is read as the review folder's files are, and costs its own task only."""
    first, second = queue[:2]
    task = out_dir / "review" / "tasks" / f"{first}.yaml"
    task.unlink()
    if damage == "junk":
        task.write_bytes(b"\xff\xfe\x00 not a task")
    elif damage == "pipe":
        os.mkfifo(task)
    elif damage == "link":
        task.symlink_to("/dev/zero")
    else:
        task.write_text("- a list\n", encoding="utf-8")
    done = review(out_dir, "2\nMatches the map.\n\nq\n")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
    assert f"Task 1 of {len(queue)} skipped: " in done.stdout and f"Task 2 of {len(queue)}: {second}" in done.stdout
    assert yaml.safe_load((out_dir / "review" / "verdicts" / "reviewer-1" / f"{second}.yaml").read_text(encoding="utf-8"))["rating"] == "mostly-true"


@pytest.mark.parametrize(("answers", "kept"), [
    ("y\n" * 10_000, 0),  # `yes | factflow review`: 'y' is no rating, asked again for ever
    ("\n" * 10_000, 0),  # `yes ''`
    ("2\nA reason.\n" + "2\n" * 10_000, 0),  # a number where a URL goes, for ever
    ("2\nA reason.\nhttps://example.org/a\n\n" + "3\n" + "\n" * 10_000, 1),  # no rationale, for ever; the first verdict stays
])
def test_answers_from_a_script_refused_five_times_in_a_row_stop_the_session(queue: list[str], out_dir: Path, answers: str, kept: int) -> None:
    done = review(out_dir, answers)
    assert done.returncode == 1, done.stderr  # the script failed (it exited 0, as the end of its answers does)
    assert "Traceback" not in done.stderr
    assert "Stopping: 5 answers in a row were refused, and they come from a pipe or a file" in done.stdout
    assert f"Saved {kept}, skipped 0, {len(queue) - kept} still open." in done.stdout
    assert done.stdout.count("Rating (") <= kept + 5


def test_a_verdict_too_large_to_read_back_is_refused_before_it_is_saved(queue: list[str], out_dir: Path, loaded: LoadedConfig) -> None:
    """The terminal and the Prefect form save through the same check; a file the next run would refuse
    (over the verdict file limit) is not written, and the reviewer is told why, not told it was saved."""
    from factflow.errors import VerdictError
    from factflow.fileio import MAX_REVIEW_FILE_BYTES

    session = ReviewSession(out_dir, loaded.config.review, "reviewer-1")
    task = session.open_tasks()[0].task
    links = [f"https://example.org/{i}/" + "a" * 99_000 for i in range(12)]
    stub = (out_dir / "review" / "verdicts" / "reviewer-1" / f"{task.claim}.yaml").read_bytes()
    with pytest.raises(VerdictError, match="over the limit of 1,000,000 bytes of a verdict file; shorten"):
        session.save(task, "true", "Checked.", links, "terminal")
    assert (out_dir / "review" / "verdicts" / "reviewer-1" / f"{task.claim}.yaml").read_bytes() == stub
    # just under the limit: saved, and read back by the run
    fits = [f"https://example.org/{i}/" + "a" * ((MAX_REVIEW_FILE_BYTES - 20_000) // 12) for i in range(12)]
    session.save(task, "true", "Checked.", fits, "terminal")
    path = out_dir / "review" / "verdicts" / "reviewer-1" / f"{task.claim}.yaml"
    assert load_verdict(path, out_dir, set(queue), loaded.config.review).verdict.evidence == fits


def test_input_ending_inside_a_verdict_says_that_verdict_was_not_saved(queue: list[str], out_dir: Path) -> None:
    """A rating and a rationale typed, then the input ended at the evidence prompt: 'Saved 0' and nothing more."""
    done = review(out_dir, "2\nMatches the record.\n")
    assert done.returncode == 0, done.stderr
    assert f"The verdict on {queue[0]} (mostly-true) was not saved: the input ended before it was complete." in done.stdout
    assert "Saved 0, skipped 0" in done.stdout


def test_a_verdicts_folder_that_is_a_file_stops_the_session_before_a_verdict_is_typed(queue: list[str], out_dir: Path) -> None:
    """The session took a whole verdict, then failed to save it and said 'nothing was lost': the verdict was."""
    folder = out_dir / "review" / "verdicts" / "reviewer-1"
    folder.rename(out_dir / "moved")
    folder.write_text("not a folder\n", encoding="utf-8")
    done = review(out_dir, "2\nChecked.\n\nq\n")
    assert done.returncode == 1 and "Rating" not in done.stdout, done.stdout
    assert "reviewer-1: is not a folder, where your verdict files go; move it away" in done.stderr + done.stdout


def test_a_verdict_file_that_is_a_folder_is_skipped_before_a_verdict_is_typed(queue: list[str], out_dir: Path) -> None:
    """'Saving here replaces it', then the typed verdict failed to save ('Is a directory') and was lost."""
    stub = out_dir / "review" / "verdicts" / "reviewer-1" / f"{queue[0]}.yaml"
    stub.unlink()
    stub.mkdir()
    done = review(out_dir, "2\nChecked against the record.\n\nq\n")
    assert done.returncode == 0, done.stderr
    assert f"Task 1 of {len(queue)} skipped: " in done.stdout and f"{queue[0]}.yaml is a folder, where your verdict file goes" in done.stdout
    assert "Saved 1" in done.stdout and stub.is_dir()  # the answers went to the next task

"""A reviewer saving while the flow runs loses nothing: real concurrent processes on one output folder."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import yaml

from factflow.config import LoadedConfig
from factflow.pipeline import run_pipeline
from factflow.review import ReviewSession
from tests.conftest import CONFIG, ROOT

# Runs the pipeline again and again until told to stop, so every save below happens during a run.
_RUNNER = """
import sys
from pathlib import Path
from factflow.config import load_config
from factflow.pipeline import run_pipeline
loaded = load_config(Path(sys.argv[1]))
started, stop = Path(sys.argv[4]), Path(sys.argv[5])
runs = 0
while not stop.exists() or runs < 3:
    run_pipeline(loaded, Path(sys.argv[2]), Path(sys.argv[3]))
    runs += 1
    started.touch()
print(f'runs done: {runs}')
"""

# A reviewer who edits files in place, as a text editor without atomic saves would, one after another.
_HAND_EDITOR = """
import sys, time
from pathlib import Path
out = Path(sys.argv[1])
for cid in sys.argv[2:]:
    path = out / 'review' / 'verdicts' / 'reviewer-2' / f'{cid}.yaml'
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(f'claim: {cid}\\nreviewer: reviewer-2\\n')
        handle.flush()
        time.sleep(0.01)
        handle.write(f"rating: 'false'\\nrationale: Hand-written for {cid}.\\nevidence: [https://example.org/{cid}]\\n")
    time.sleep(0.02)
print('edits done')
"""


def test_saving_while_the_flow_runs_loses_nothing(seed_dir: Path, out_dir: Path, loaded: LoadedConfig, tmp_path: Path) -> None:
    run_pipeline(loaded, seed_dir, out_dir)
    mine = [t.task.claim for t in ReviewSession(out_dir, loaded.config.review, "reviewer-1").open_tasks()]
    theirs = [t.task.claim for t in ReviewSession(out_dir, loaded.config.review, "reviewer-2").open_tasks()]
    # Remove reviewer-1's stubs, so the runs re-create them while the terminal saves the same files.
    for cid in mine:
        (out_dir / "review" / "verdicts" / "reviewer-1" / f"{cid}.yaml").unlink()
    answers = "".join(f"{i % 5 + 1}\nConcurrent reason {i}.\nhttps://example.org/r1/{i}\n\n" for i in range(len(mine)))
    started, stop = tmp_path / "started", tmp_path / "stop"
    runner = subprocess.Popen([sys.executable, "-c", _RUNNER, str(CONFIG), str(seed_dir), str(out_dir), str(started), str(stop)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not started.exists():
        assert runner.poll() is None and time.monotonic() < deadline, runner.communicate()[1]
        time.sleep(0.05)
    terminal = subprocess.Popen(
        [sys.executable, "-m", "factflow_flows.cli", "review", "--reviewer", "reviewer-1", "--config", str(CONFIG), "--out", str(out_dir)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    editor = subprocess.Popen([sys.executable, "-c", _HAND_EDITOR, str(out_dir), *theirs],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    term_out, term_err = terminal.communicate(answers, timeout=120)
    edit_out, edit_err = editor.communicate(timeout=120)
    stop.touch()
    run_out, run_err = runner.communicate(timeout=300)
    assert runner.returncode == 0 and "runs done" in run_out, run_err
    assert int(run_out.split(":")[1]) >= 3
    assert terminal.returncode == 0, term_err
    assert editor.returncode == 0 and "edits done" in edit_out, edit_err
    assert f"Saved {len(mine)}, skipped 0, 0 still open." in term_out

    # Every file holds exactly what its reviewer saved; the next run collects them all, with no problem.
    for i, cid in enumerate(mine):
        data = yaml.safe_load((out_dir / "review" / "verdicts" / "reviewer-1" / f"{cid}.yaml").read_text(encoding="utf-8"))
        assert (data["rating"], data["rationale"]) == (loaded.config.review.labels[i % 5], f"Concurrent reason {i}.")
    for cid in theirs:
        text = (out_dir / "review" / "verdicts" / "reviewer-2" / f"{cid}.yaml").read_text(encoding="utf-8")
        assert text == (f"claim: {cid}\nreviewer: reviewer-2\nrating: 'false'\nrationale: Hand-written for {cid}.\n"
                        f"evidence: [https://example.org/{cid}]\n")
    report = run_pipeline(loaded, seed_dir, out_dir).report
    assert report.problems == []
    rated = {(v.reviewer, c.id) for c in report.claims for v in c.verdicts if v.rating is not None}
    assert rated == {("reviewer-1", cid) for cid in mine} | {("reviewer-2", cid) for cid in theirs}
    assert not list(out_dir.rglob(".*.tmp")) and not list(out_dir.rglob(".*.saving"))  # no temporary file left behind


def test_a_runs_clean_up_of_stale_temp_files_spares_a_reviewer_saving(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    from factflow.pipeline import remove_stale_temp_files

    run_pipeline(loaded, seed_dir, out_dir)
    task = ReviewSession(out_dir, loaded.config.review, "reviewer-1").open_tasks()[0]
    folder = task.file.parent
    killed_run = folder / f".{task.file.name}.k1ll3d.tmp"  # what a killed run's stub creation leaves
    saving = folder / f".{task.file.name}.r3v13w.saving"  # what factflow review or the form writes before the rename
    killed_run.write_text("x", encoding="utf-8")
    saving.write_text("x", encoding="utf-8")
    remove_stale_temp_files(loaded.layout(out_dir))
    assert not killed_run.exists() and saving.exists()
    session = ReviewSession(out_dir, loaded.config.review, "reviewer-1")
    session.save(task.task, "false", "Checked.", [], "a test")
    assert [p.name for p in folder.glob(f".{task.file.name}.*.saving")] == [saving.name]  # its own temp file is renamed away

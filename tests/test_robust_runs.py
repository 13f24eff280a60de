"""Runs that are killed or overlap lose nothing: atomic files, a lock per output folder."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from factflow.config import LoadedConfig
from factflow.errors import OutputLockedError, WriteError
from factflow.lock import output_lock
from factflow.pipeline import run_pipeline
from factflow.review.files import VERDICT_CACHE_FORMAT
from tests.conftest import CONFIG, ROOT, SEED, write


def corpus(folder: Path, n: int) -> Path:
    seed = SEED.read_text(encoding="utf-8")
    for i in range(n):
        write(folder / f"doc-{i:03d}.txt", seed.replace("25 to 30 percent", f"{i} to {i + 5} percent").replace("hundreds", f"{i + 100}"))
    return folder


def every_yaml_parses(out: Path) -> int:
    count = 0
    for path in out.rglob("*.yaml"):
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)  # libyaml: the report is megabytes
        count += 1
    return count


def every_json_parses(out: Path) -> int:
    count = 0
    for path in out.rglob("*.json"):
        text = path.read_text(encoding="utf-8")
        if path.name.endswith(".yaml.json"):  # the report's JSON twin: the SHA-256 of the YAML it mirrors, then a JSON a line
            digest, layout, head, *items = text.split("\n")
            assert len(digest) == 64 and items.pop() == "", path
            counts = json.loads(layout)
            assert isinstance(json.loads(head), dict) and len(items) == counts["documents"] + counts["claims"], path
            for item in items:
                json.loads(item)
        elif path.name == "verdicts.json":  # the parsed verdict files: a header naming the format, then a JSON a line
            header, *lines = text.splitlines()
            assert json.loads(header)["format"] == VERDICT_CACHE_FORMAT, path
            for line in lines:
                json.loads(line)
        elif path.name == "claims.json":  # the saved merge: a JSON a line, the first counting the lines that follow
            head, *lines = text.splitlines()
            counts = json.loads(head)
            assert len(lines) == counts["claims"] + counts["sources"] + counts["counted"] + 2, path
            for line in lines:
                json.loads(line)
        else:
            json.loads(text)
        count += 1
    return count


# `factflow run ARGS...` that SIGKILLs itself just before its KILL_AT-th file operation: each open of
# a file for writing (the lock, a temporary file, any other) and each os.replace or os.link that puts
# a file in place. KILL_AT 0 runs to the end. It prints every operation it saw when it exits.
_KILLED_AT = """
import atexit, builtins, io, os, runpy, signal, sys
kill_at, seen = int(sys.argv[1]), []
def watch(real, what, writes):
    def watched(*args, **kwargs):
        if writes(*args, **kwargs):
            seen.append(f"{what} {args[0]}")
            if len(seen) == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return watched
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
os.open = watch(os.open, "open", lambda path, flags, *a, **k: bool(flags & WRITE_FLAGS))
io.open = builtins.open = watch(io.open, "open", lambda file, mode="r", *a, **k: isinstance(file, (str, os.PathLike)) and any(c in mode for c in "wax+"))
os.replace, os.link = watch(os.replace, "replace", lambda *a, **k: True), watch(os.link, "link", lambda *a, **k: True)
atexit.register(lambda: print(*seen, sep="\\n", file=sys.stderr))
sys.argv = ["factflow", *sys.argv[2:]]
runpy.run_module("factflow_flows.cli", run_name="__main__")
"""


def test_a_run_killed_at_any_moment_leaves_whole_files_and_the_next_run_loses_nothing(tmp_path: Path, loaded: LoadedConfig) -> None:
    # The n-gram detector: this test is about files, and each killed run pays for a whole extraction before it writes.
    loaded = loaded.with_changes("claims", detector="ngram")
    seeds, out = corpus(tmp_path / "seeds", 60), tmp_path / "out"
    write(tmp_path / "config.yaml", CONFIG.read_text(encoding="utf-8").replace("enabled: true", "enabled: false")
          .replace("detector: minilm ", "detector: ngram "))
    first = run_pipeline(loaded, seeds, out)
    cid = first.report.claims[0].id
    mine = out / "review" / "verdicts" / "reviewer-1" / f"{cid}.yaml"
    mine.write_text(f"claim: {cid}\nreviewer: reviewer-1\nrating: half-true\nrationale: Mine.\n", encoding="utf-8")
    before = mine.read_bytes()
    cmd = [sys.executable, "-c", _KILLED_AT, "KILL_AT", "run", "--engine", "plain", "-q", "--refresh",
           "--config", str(tmp_path / "config.yaml"), "--seeds", str(seeds), "--out", str(out)]
    # Twice: the first takes in the edited verdict (the parsed-verdicts cache is written only when a file
    # changed), so the second does what each run below does, one file operation after another.
    for _ in range(2):
        full = subprocess.run([a.replace("KILL_AT", "0") for a in cmd], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert full.returncode == 0, full.stderr
    operations = [line for line in full.stderr.splitlines() if line.split(" ")[0] in ("open", "replace", "link")]
    assert any(op.startswith("replace ") and op.endswith(".tmp") and "/reports/.verdicts.yaml." in op for op in operations), operations
    # Killed just before each file operation of a run in turn: every moment at which a run has touched some files and not others.
    for kill_at in range(1, len(operations) + 1):
        killed = subprocess.run([a.replace("KILL_AT", str(kill_at)) for a in cmd], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert killed.returncode == -signal.SIGKILL, f"not killed before operation {kill_at} of {operations}:\n{killed.stderr}"
        assert every_yaml_parses(out) > 0 and every_json_parses(out) > 0  # the previous or the new version of each file, never a torn one
        assert mine.read_bytes() == before
    after = run_pipeline(loaded, seeds, out)
    assert list(out.rglob(".*.tmp")) == []  # what the killed runs left behind is cleared
    verdicts = {v.reviewer: v.rating for c in after.report.claims if c.id == cid for v in c.verdicts}
    assert verdicts["reviewer-1"] == "half-true"
    assert mine.read_bytes() == before


def test_a_second_run_on_the_same_folder_waits_for_the_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\nfrom factflow.lock import output_lock\n"
         "with output_lock(Path(sys.argv[1]), 5):\n    print('locked', flush=True)\n    time.sleep(3)\n", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    messages: list[str] = []
    started = time.monotonic()
    with output_lock(out, 30, messages.append):
        waited = time.monotonic() - started
    holder.wait(timeout=30)
    assert waited > 1.0
    assert messages == [f"another factflow run is writing to {out}; waiting for it to finish (up to 30 s)"]


def test_a_run_that_cannot_get_the_lock_in_time_says_why(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_lock(out, 1), pytest.raises(OutputLockedError, match="another factflow run has been writing here for over 0 s"), output_lock(out, 0.2):
        pass


def test_two_runs_started_at_once_both_finish_with_a_whole_report(tmp_path: Path) -> None:
    seeds, out = corpus(tmp_path / "seeds", 20), tmp_path / "out"
    cmd = [sys.executable, "-m", "factflow_flows.cli", "run", "--engine", "plain", "-q", "--config", str(CONFIG), "--seeds", str(seeds), "--out", str(out)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert any("waiting for it to finish" in err for _, err in outputs)
    report = yaml.safe_load((out / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))
    assert report["summary"]["documents"] == 20


def test_stale_temporary_files_are_removed_but_not_a_reviewers(tmp_path: Path, loaded: LoadedConfig, seed_dir: Path) -> None:
    out = tmp_path / "out"
    run_pipeline(loaded, seed_dir, out)
    stale = [write(out / "reports" / ".verdicts.yaml.abc123.tmp", "half"),
             write(out / "review" / "tasks" / ".c-000000000000.yaml.x1.tmp", "half")]
    editors = write(out / "review" / "verdicts" / "reviewer-1" / ".notes.swp", "an editor's swap file")
    run_pipeline(loaded, seed_dir, out)
    assert not any(p.exists() for p in stale) and editors.exists()
    assert os.path.exists(out / "reports" / "verdicts.yaml")


def test_ctrl_c_during_a_flow_run_ends_it_without_log_errors_and_the_next_run_goes_on(tmp_path: Path) -> None:
    """Prefect logs a run's crash as the run ends; the CLI's temporary server must still be there to take it
    (stopped first, each pending batch of log lines printed "--- Error logging to API ---")."""
    rows = "".join(f"{i},Storm {i},Officials said {i} people were hurt in the storm in Ohio on Monday.\n" for i in range(1_000))
    seeds = write(tmp_path / "seeds" / "corpus.csv", "id,title,content\n" + rows).parent  # a title: the content is the body
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"))
    cmd = [sys.executable, "-m", "factflow_flows.cli", "run", "-q", "--config", str(CONFIG), "--seeds", str(seeds), "--out", str(out)]
    run = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as a terminal's foreground job
    try:
        deadline = time.monotonic() + 120
        while not (out / ".factflow.lock").exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)  # the lock is taken inside the flow run: from here Prefect has a run to crash
        time.sleep(0.5)
        # Again each second while it runs, as a user would: a Ctrl-C that lands in an object's finaliser is
        # only printed ("Exception ignored in ..."), and the run goes on.
        while run.poll() is None and time.monotonic() < deadline:
            run.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                run.wait(timeout=1)
        said = run.communicate(timeout=60)[0]
    finally:
        run.kill()
    assert run.returncode != 0, said  # interrupted, not finished
    assert "Error logging to API" not in said, said
    again = subprocess.run([*cmd, "--engine", "plain"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert yaml.safe_load((out / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))["summary"]["documents"] == 1_000


@pytest.mark.parametrize("case", ["lock is a folder", "folder refuses new files"])
def test_an_output_folder_where_the_lock_cannot_be_made_is_one_error_at_once(tmp_path: Path, case: str) -> None:
    """The lock library took a lock file it could not open for one another run held: '--out /proc/self' (or a
    folder the user may not write in) said "another factflow run is writing" and waited the whole timeout."""
    if case == "lock is a folder":
        out = tmp_path / "out"
        (out / ".factflow.lock").mkdir(parents=True)
    else:
        out = Path("/proc/self")  # a folder no one, root included, makes a file in
        if not out.is_dir():
            pytest.skip("needs Linux's /proc")
    messages: list[str] = []
    started = time.monotonic()
    with pytest.raises(WriteError, match=r"\.factflow\.lock( is a folder, where the flow writes a file|;)"), output_lock(out, 30, messages.append):
        pass
    assert time.monotonic() - started < 5 and messages == []

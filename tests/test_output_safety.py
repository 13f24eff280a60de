"""The output folder is ours and nothing else: no pipe, device or link in review/ hangs or misleads a run,
no configured path lands on a reviewer's verdict or the seeds, and a refused write is one line."""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from factflow.config import LoadedConfig
from factflow.errors import OutputError, WriteError
from factflow.pipeline import run_pipeline
from tests.conftest import CONFIG, ROOT
from tests.test_bad_input import deadline


def verdict_files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted((out / "review/verdicts").rglob("c-*.yaml")) if p.is_file()}


def test_pipes_devices_links_and_huge_files_in_a_verdict_folder_are_problems(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    run_pipeline(loaded, seed_dir, out_dir)
    folder = out_dir / "review/verdicts/reviewer-1"
    stub = next(folder.glob("c-*.yaml"))
    os.mkfifo(folder / "c-000000000001.yaml")
    (folder / "c-000000000002.yaml").symlink_to("/dev/zero")
    (folder / "c-000000000003.yaml").symlink_to(stub)
    (folder / "c-000000000004.yaml").write_bytes(b"rationale: " + b"x" * 2_000_000 + b"\n")
    with deadline(60):
        result = run_pipeline(loaded, seed_dir, out_dir)
    problems = {Path(p.file).name: p.message for p in result.report.problems}
    assert "not a regular file" in problems["c-000000000001.yaml"]
    assert "symbolic link" in problems["c-000000000002.yaml"] and "symbolic link" in problems["c-000000000003.yaml"]
    assert "over the limit" in problems["c-000000000004.yaml"]


@pytest.mark.parametrize("where", ["review/tasks", "review/verdicts/reviewer-1", "review"])
def test_a_folder_of_the_output_that_is_a_link_is_refused_before_anything_is_written(
    where: str, seed_dir: Path, tmp_path: Path, loaded: LoadedConfig
) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "c-unrelated.yaml").write_text("someone else's file\n", encoding="utf-8")
    (out / where).parent.mkdir(parents=True, exist_ok=True)
    (out / where).symlink_to(elsewhere)
    with pytest.raises(OutputError, match="symbolic link"):
        run_pipeline(loaded, seed_dir, out)
    assert [p.name for p in elsewhere.iterdir()] == ["c-unrelated.yaml"]
    assert not (out / "reports").exists()


@pytest.mark.parametrize("path", ["review/verdicts/reviewer-1/c-x.yaml", "review/report.yaml", ".", "seeds/report.yaml", "reports",
                                  # where the flow keeps other files: imported fact-checks, its state, its lock
                                  "memory/claimreviews.json", "memory/report.yaml", ".factflow.lock", ".factflow-cache/verdicts.json",
                                  ".factflow-cache/report.yaml", ".factflow-cache/http/report.yaml"])
def test_a_report_path_on_a_verdict_the_seeds_or_a_folder_is_refused(path: str, tmp_path: Path, loaded: LoadedConfig) -> None:
    out = tmp_path
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Title\n\nThe army said 1,200 troops arrived in 2015.\n", encoding="utf-8")
    (out / "reports").mkdir()
    before = sorted(p for p in out.rglob("*"))
    with pytest.raises(OutputError, match="report.path"):
        run_pipeline(loaded.with_changes("report", path=path), seeds, out)
    assert sorted(p for p in out.rglob("*") if p.name != ".factflow.lock") == before  # nothing written


@pytest.mark.parametrize("folder", ["memory", "memory/http", ".factflow.lock", ".factflow-cache", ".factflow-cache/claims.json",
                                    "reports/verdicts.yaml"])
def test_an_http_cache_on_a_file_the_flow_keeps_is_refused(folder: str, tmp_path: Path, loaded: LoadedConfig) -> None:
    """report.path once overwrote memory/claimreviews.json (every later run and import then failed: the
    imported reviews were gone); the HTTP cache folder may not hold or replace such files either."""
    out = tmp_path
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Title\n\nThe army said 1,200 troops arrived in 2015.\n", encoding="utf-8")
    before = sorted(p for p in out.rglob("*"))
    with pytest.raises(OutputError, match="cache_dir|report.path"):
        run_pipeline(loaded.with_changes("http", cache_dir=folder), seeds, out)
    assert sorted(p for p in out.rglob("*") if p.name != ".factflow.lock") == before


def test_an_http_cache_outside_the_output_folder_is_a_config_error(tmp_path: Path) -> None:
    from factflow.config import load_config
    from factflow.errors import ConfigError

    config = tmp_path / "c.yaml"
    config.write_text("http:\n  cache_dir: ../elsewhere\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cache_dir"):
        load_config(config)


def test_disk_full_is_named_in_one_line() -> None:
    fd = os.open("/dev/full", os.O_WRONLY)
    try:
        with pytest.raises(OSError) as caught:
            os.write(fd, b"x")  # the kernel's own "No space left on device"
    finally:
        os.close(fd)
    assert str(WriteError("out/reports/verdicts.yaml", caught.value)) == "disk full writing out/reports/verdicts.yaml; nothing was lost"


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (2_000, 2_000))


def test_a_write_the_os_refuses_ends_the_run_with_one_line_and_loses_nothing(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    run_pipeline(loaded, seed_dir, out_dir)
    report = (out_dir / "reports/verdicts.yaml").read_bytes()
    verdicts = verdict_files(out_dir)
    (out_dir / ".factflow-cache").rename(out_dir / ".old-cache")  # so the rerun has files to write again
    done = subprocess.run(
        [sys.executable, "-m", "factflow_flows.cli", "run", "--engine", "plain", "--quiet", "--config", str(CONFIG),
         "--seeds", str(seed_dir), "--out", str(out_dir)],
        capture_output=True, text=True, cwd=ROOT, preexec_fn=_limit_file_size, timeout=120, check=False,
    )
    assert done.returncode == 1, done.stderr
    assert re.fullmatch(r"Error: file size limit reached writing \S+; nothing was lost\n", done.stderr), done.stderr
    assert (out_dir / "reports/verdicts.yaml").read_bytes() == report
    assert verdict_files(out_dir) == verdicts
    assert not [p for p in out_dir.rglob(".*.tmp")]


def test_an_output_folder_that_refuses_the_lock_file_ends_the_run_with_one_line(seed_dir: Path, tmp_path: Path) -> None:
    """The lock file is the run's first write: a folder the run may not write in (permissions, a read-only or
    immutable folder) or a folder in the lock file's place raised straight through as a traceback."""
    out = tmp_path / "out"
    (out / ".factflow.lock").mkdir(parents=True)
    done = subprocess.run(
        [sys.executable, "-m", "factflow_flows.cli", "run", "--engine", "plain", "--quiet", "--config", str(CONFIG),
         "--seeds", str(seed_dir), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )
    assert done.returncode == 1, done.stderr
    assert re.fullmatch(r"Error: \S+\.factflow\.lock is a folder, where the flow writes a file; move it away and run again; nothing was lost\n",
                        done.stderr), done.stderr


def test_a_report_folder_that_refuses_the_twins_parts_is_a_refused_write(
    seed_dir: Path, out_dir: Path, loaded: LoadedConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's JSON twin is gathered in unnamed temporary files beside the report, made before the
    atomic writer starts: a folder refusing them (EACCES, EPERM, EROFS) was a traceback, not the refused write."""
    import tempfile

    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(1, "Operation not permitted", str(out_dir / "reports" / "tmpabc"))

    monkeypatch.setattr(tempfile, "TemporaryFile", refused)
    with pytest.raises(WriteError) as caught:
        run_pipeline(loaded, seed_dir, out_dir)
    assert str(caught.value) == f"cannot write (Operation not permitted) writing {out_dir / 'reports/verdicts.yaml'}; nothing was lost"


def _first_line_then_close(args: list[str], stream: str, tmp_path: Path) -> tuple[int, str]:
    """Run the CLI, read one line of ``stream`` (stdout or stderr) and close it, as ``| head -1`` does;
    the exit status and what came on the other stream."""
    other = tmp_path / "other.txt"
    with other.open("w") as sink:
        pipes = {"stdout": subprocess.PIPE, "stderr": sink} if stream == "stdout" else {"stdout": sink, "stderr": subprocess.PIPE}
        process = subprocess.Popen([sys.executable, "-m", "factflow_flows.cli", *args], cwd=tmp_path, text=True, **pipes)
        pipe = process.stdout if stream == "stdout" else process.stderr
        assert pipe is not None
        assert pipe.readline()
        pipe.close()
        code = process.wait(timeout=120)
    return code, other.read_text()


def test_a_reader_that_closes_the_pipe_early_ends_the_command_quietly_as_sigpipe_does(tmp_path: Path) -> None:
    """'factflow claims score ... | head -1' exited 1, as a failure does, and rich's output (here the import's
    problems on standard error) the same. Now status 141, as 'seq 100000 | head -1', and nothing printed."""
    rows = "".join(f"{i}\tThe army said {i} troops arrived in 2015.\n" for i in range(20_000))
    (tmp_path / "s.tsv").write_text("Sentence_id\tText\n" + rows, encoding="utf-8")
    code, said = _first_line_then_close(["claims", "score", "--detector", "signals", "s.tsv"], "stdout", tmp_path)
    assert (code, said) == (141, "")
    (tmp_path / "bad.jsonl").write_text('{"url": "x"}\n' * 5_000, encoding="utf-8")  # a problem line each
    code, said = _first_line_then_close(["import", "claimreview", "bad.jsonl", "--out", "out"], "stderr", tmp_path)
    assert (code, said) == (141, "")


def test_names_and_text_from_outside_reach_the_terminal_as_text_never_as_markup_or_control_sequences(tmp_path: Path) -> None:
    """A seed path holding '[/]' (a folder 'x[' with a file ']a.txt') stopped a finished run with rich's
    MarkupError, '[bold]b.txt' was shown as 'b.txt', and an ESC in a file name or an article reached the
    terminal raw from the run, 'factflow status' and 'factflow review' (clearing the screen, setting the title)."""
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    (seeds / "x[").mkdir(parents=True)
    for name in ("x[/]a.txt", "[bold]b.txt", "esc\x1b[31mred.txt"):
        (seeds / name).write_text("", encoding="utf-8")  # empty: a problem naming the file
    (seeds / "hostile.txt").write_text("Title \x1b]0;PWNED\x07 here\n\nThe army said 300 troops \x1b[2J arrived in Syria in 2015, "
                                       "the ministry said on Monday.\n", encoding="utf-8")

    def factflow(*args: str, answers: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "factflow_flows.cli", *args, "--config", str(CONFIG), "--out", str(out)],
                              input=answers, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)

    run = factflow("run", "--engine", "plain", "--quiet", "--seeds", str(seeds))
    assert run.returncode == 0, run.stderr
    for shown in ("x[/]a.txt: empty document", "[bold]b.txt: empty document", "esc\\x1b[31mred.txt: empty document"):
        assert shown in run.stderr, run.stderr
    status = factflow("status")
    review = factflow("review", "--reviewer", "reviewer-1", answers="q\n")
    assert "troops \\x1b[2J arrived" in status.stdout and "Title \\x1b]0;PWNED\\x07 here" in review.stdout
    for done in (run, status, review):
        assert "\x1b" not in done.stdout + done.stderr and "Traceback" not in done.stderr


FLOW = [sys.executable, "-m", "factflow_flows.cli"]


def test_a_link_looping_at_a_kept_file_or_the_lock_is_one_error_line(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    """A symbolic link that leads back to itself where the flow keeps a file was a RuntimeError traceback on every
    run and 'check'; a link at the lock made the file it names, outside the output folder, then failed."""
    run_pipeline(loaded, seed_dir, out_dir)
    claims = out_dir / ".factflow-cache" / "claims.json"
    claims.unlink()
    claims.symlink_to("claims.json")
    args = ["--config", str(CONFIG), "--seeds", str(seed_dir), "--out", str(out_dir)]
    for command in (["run", "--engine", "plain", "-q"], ["check"]):
        done = subprocess.run([*FLOW, *command, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "claims.json: is a symbolic link that leads back to itself; remove it" in done.stderr
    claims.unlink()
    lock, elsewhere = out_dir / ".factflow.lock", out_dir.parent / "elsewhere.lock"
    lock.unlink()
    lock.symlink_to(elsewhere)
    with pytest.raises(OutputError, match="is a symbolic link; the lock is a file of the output folder's own"):
        run_pipeline(loaded, seed_dir, out_dir)
    assert not elsewhere.exists()


def test_a_deleted_working_folder_a_closed_stderr_and_an_ascii_terminal_cost_no_traceback(seed_dir: Path, tmp_path: Path) -> None:
    """A run from a folder deleted under the shell wrote everything, then ended in FileNotFoundError (exit 1);
    with stderr closed (2>&-) 'run' exited 1 without a word or a run; 'status' on an ASCII terminal (LC_ALL=C)
    died on a claim's curly quote."""
    out = tmp_path / "out"
    args = ["--config", str(CONFIG), "--seeds", str(seed_dir), "--out", str(out)]
    done = subprocess.run([*FLOW, "run", "--engine", "plain", *args], stderr=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
                          cwd=ROOT, timeout=120, preexec_fn=lambda: os.close(2))
    assert done.returncode == 0 and (out / "reports" / "verdicts.yaml").is_file()
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": "ascii"}
    done = subprocess.run([*FLOW, "status", "--config", str(CONFIG), "--out", str(out)], capture_output=True, cwd=ROOT, timeout=120, env=env)
    assert done.returncode == 0 and b"Traceback" not in done.stderr and b"\\u2019" in done.stdout
    gone = tmp_path / "gone"
    gone.mkdir()
    done = subprocess.run(["sh", "-c", f'cd "{gone}" && rmdir "{gone}" && exec "$@"', "sh", *FLOW, "run", "--engine", "plain", *args],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "the current folder no longer exists (it was deleted or moved); cd to a folder that does" in done.stderr


def test_the_temporary_files_a_killed_run_or_import_left_go_with_the_next_run(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    """A run killed while writing the ledger, or an import killed while writing the index, left their temporary
    files for good (the README says the next run clears them); a file of the same shape that is not ours stays."""
    run_pipeline(loaded, seed_dir, out_dir)
    left = [out_dir / "review" / ".assignments.json.k3j2.tmp", out_dir / "memory" / ".claimreviews.json.x81q.import.tmp"]
    ours_not = [out_dir / "review" / ".notes.tmp", out_dir / "memory" / "mine.json.tmp"]
    for path in left + ours_not:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half", encoding="utf-8")
    run_pipeline(loaded, seed_dir, out_dir)
    assert [p.exists() for p in left] == [False, False] and all(p.exists() for p in ours_not)


def test_a_folder_where_the_flow_writes_a_file_says_what_to_do(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    """A folder made at .factflow-cache/claims.json stopped every run with 'cannot write (Is a directory)'."""
    run_pipeline(loaded, seed_dir, out_dir)
    (out_dir / ".factflow-cache" / "claims.json").unlink()
    (out_dir / ".factflow-cache" / "claims.json").mkdir()
    with pytest.raises(WriteError, match=r"claims.json is a folder, where the flow writes a file; move it away and run again; nothing was lost"):
        run_pipeline(loaded, seed_dir, out_dir)


def test_a_full_disk_under_the_reports_temporary_files_names_the_report(seed_dir: Path, out_dir: Path, loaded: LoadedConfig,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The report's JSON twin is built in unnamed temporary files: a full disk there was said as 'disk full writing
    the output folder'. The report file stays as the last run left it."""
    import errno
    import tempfile

    from factflow import reportfile

    run_pipeline(loaded, seed_dir, out_dir)
    before = (out_dir / "reports" / "verdicts.yaml").read_bytes()
    real = tempfile.TemporaryFile

    class Full:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self._inner = real()

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name: str) -> object:
            return getattr(self._inner, name)

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self._inner.close()

    monkeypatch.setattr(reportfile.tempfile, "TemporaryFile", Full)
    (out_dir / ".factflow-cache" / "report-snapshot.json").unlink()  # so the rerun writes the report's text again
    with pytest.raises(WriteError) as caught:
        run_pipeline(loaded, seed_dir, out_dir)
    assert str(caught.value) == f"disk full writing {out_dir / 'reports' / 'verdicts.yaml'}; nothing was lost"
    assert (out_dir / "reports" / "verdicts.yaml").read_bytes() == before

"""The command line: commands, messages and exit codes; no Prefect for non-flow commands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from factflow_flows.cli import main
from pytest_httpserver import HTTPServer

from tests import public_apis
from tests.conftest import CONFIG, ROOT, online_config, write
from tests.test_review import count_parses


def test_non_flow_commands_do_not_import_prefect(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from factflow_flows.cli import main\n"
        "for args in (['--help'], ['check', '--config', sys.argv[1], '--out', sys.argv[2]]):\n"
        "    try:\n"
        "        main(args, standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "import factflow.pipeline\n"
        "assert 'prefect' not in sys.modules, 'prefect was imported'\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(CONFIG), str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")


def test_every_command_has_help_with_an_example() -> None:
    for name, command in main.commands.items():
        assert command.help and "Example:" in command.help, f"factflow {name} has no example in its help"


def test_run_plain_engine_writes_review_queue_and_report(seed_dir: Path, out_dir: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--engine", "plain", "--config", str(CONFIG), "--seeds", str(seed_dir), "--out", str(out_dir)])
    assert result.exit_code == 0, result.output
    assert "claims" in result.output and "Report:" in result.output
    report = yaml.safe_load((out_dir / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))
    assert report["summary"]["documents"] == 1
    assert len(list((out_dir / "review" / "tasks").glob("c-*.yaml"))) == report["summary"]["claims"]


def test_invalid_config_stops_with_one_clear_error_and_no_traceback(tmp_path: Path, seed_dir: Path) -> None:
    bad = write(tmp_path / "bad.yaml", "claims:\n  threshold: high\n")
    result = CliRunner().invoke(main, ["run", "--engine", "plain", "--config", str(bad), "--seeds", str(seed_dir), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert f"Error: {bad}:2: claims.threshold: Input should be a valid number" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "reports").exists()


def test_missing_seeds_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--engine", "plain", "--config", str(CONFIG), "--seeds", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "is not a folder" in result.output


def test_check_reports_bad_verdict_files(seed_dir: Path, out_dir: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["run", "--engine", "plain", "--config", str(CONFIG), "--seeds", str(seed_dir), "--out", str(out_dir)]).exit_code == 0
    ok = runner.invoke(main, ["check", "--config", str(CONFIG), "--out", str(out_dir)])
    assert ok.exit_code == 0 and "0 with problems" in ok.output
    victim = next((out_dir / "review" / "verdicts" / "reviewer-1").glob("c-*.yaml"))
    victim.write_text(f"claim: {victim.stem}\nreviewer: reviewer-1\nrating: maybe\nrationale: x\n", encoding="utf-8")
    bad = runner.invoke(main, ["check", "--config", str(CONFIG), "--out", str(out_dir)])
    assert bad.exit_code == 1
    assert f"review/verdicts/reviewer-1/{victim.name}:3: rating: 'maybe' is not on the rating scale" in bad.output


def test_check_with_seeds_lists_what_a_run_would_meet_reading_them(seed_dir: Path, tmp_path: Path) -> None:
    """Before the nightly run: a bad row, a file no pattern reads and the URL list's lines, each with its file and
    line, without extracting a claim or fetching a URL (the offline run's 'not fetched' is no problem of the files)."""
    write(seed_dir / "corpus.csv", "id,content\nr1,Prices rose 4 percent in 2019.\n,No id here.\n")
    write(seed_dir / "scan.pdf", "%PDF-1.4")
    write(seed_dir / "urls.txt", "https://example.com/a\nnot a url\n")
    result = CliRunner().invoke(main, ["check", "--config", str(CONFIG), "--out", str(tmp_path), "--seeds", str(seed_dir)])
    assert result.exit_code == 1, result.output
    assert f"Seeds {seed_dir}: 2 documents read, 3 problems in 3 files." in result.output
    assert f"{seed_dir / 'corpus.csv'}:3: row has no 'id'" in result.output
    assert f"{seed_dir / 'scan.pdf'}: not read: no pattern matches scan.pdf" in result.output
    assert f"{seed_dir / 'urls.txt'}:2: " in result.output and "not fetched" not in result.output
    clean = tmp_path / "clean"
    write(clean / "a.txt", "Title\n\nPrices rose 4 percent in 2019.\n")
    ok = CliRunner().invoke(main, ["check", "--config", str(CONFIG), "--out", str(tmp_path), "--seeds", str(clean)])
    assert ok.exit_code == 0 and f"Seeds {clean}: 1 document read, no problems." in ok.output
    missing = CliRunner().invoke(main, ["check", "--config", str(CONFIG), "--out", str(tmp_path), "--seeds", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "is not a folder" in missing.output


def test_check_refuses_a_report_path_the_run_would_refuse(tmp_path: Path) -> None:
    """`check` said 'valid' of a report.path on memory/claimreviews.json, which the run then overwrote."""
    settings = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    settings["report"]["path"] = "memory/claimreviews.json"
    config = write(tmp_path / "c.yaml", yaml.safe_dump(settings))
    result = CliRunner().invoke(main, ["check", "--config", str(config), "--out", str(tmp_path)])
    assert result.exit_code == 1 and "valid" not in result.output, result.output
    assert "report.path: 'memory/claimreviews.json' lies in memory/, where imported fact-checks are kept" in result.output


def test_check_of_a_folder_that_is_not_there_is_an_error(tmp_path: Path) -> None:
    """A mistyped --out checked nothing and said 'valid, 0 verdict files', exit status 0."""
    result = CliRunner().invoke(main, ["check", "--config", str(CONFIG), "--out", str(tmp_path / "no-such-run")])
    assert result.exit_code == 1 and "no-such-run: is not a folder" in result.output


def test_check_parses_only_files_changed_since_the_run_and_writes_nothing(
    seed_dir: Path, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["run", "--engine", "plain", "--config", str(CONFIG), "--seeds", str(seed_dir), "--out", str(out_dir)]).exit_code == 0
    cache = out_dir / ".factflow-cache" / "verdicts.json"
    before = cache.read_bytes()
    parsed = count_parses(monkeypatch)
    ok = runner.invoke(main, ["check", "--config", str(CONFIG), "--out", str(out_dir)])
    assert ok.exit_code == 0 and parsed == []
    victim = sorted((out_dir / "review" / "verdicts" / "reviewer-2").glob("c-*.yaml"))[0]
    stat = victim.stat()
    edited = victim.read_text(encoding="utf-8").replace("rating: null", "rating: nul2")
    victim.write_text(edited, encoding="utf-8")
    os.utime(victim, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size and time: its change time still moved
    bad = runner.invoke(main, ["check", "--config", str(CONFIG), "--out", str(out_dir)])
    assert bad.exit_code == 1 and parsed == [victim] and "'nul2' is not on the rating scale" in bad.output
    assert cache.read_bytes() == before


def test_check_lists_every_problem_of_every_file_with_its_line(seed_dir: Path, out_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["run", "--engine", "plain", "--config", str(CONFIG), "--seeds", str(seed_dir), "--out", str(out_dir)]).exit_code == 0
    first, second, third = sorted((out_dir / "review" / "verdicts" / "reviewer-1").glob("c-*.yaml"))[:3]
    first.write_text(f"claim: {first.stem}\nreviewer: reviewer-1\nrating: maybe\nrationale: x\nevidence: 3\nsure: yes\n", encoding="utf-8")
    second.write_text(f"claim: {second.stem}\nreviewer: reviewer-1\nrating: 'false'\nrationale: ''\n"
                      "evidence:\n  - https://example.org/ok\n  - ftp://example.org/no\n", encoding="utf-8")
    third.write_text(f"claim: {third.stem}\nreviewer: reviewer-1\nrating: 'true\nrationale: never closed\n", encoding="utf-8")
    bad = runner.invoke(main, ["check", "--config", str(CONFIG), "--out", str(out_dir)])
    assert bad.exit_code == 1
    lines = [line.split(": ", 1)[0].rsplit("/", 1)[-1] for line in bad.output.splitlines() if line.startswith("review/")]
    assert lines == [f"{first.name}:3", f"{first.name}:5", f"{first.name}:6",  # rating, evidence, unknown key: all three
                     f"{second.name}:4", f"{second.name}:7",  # rationale missing, evidence[1]
                     f"{third.name}:3"], bad.output  # where the quote opened, not past the end of the file
    assert "3 with problems (6 problems)" in bad.output
    config = write(tmp_path / "bad.yaml", "claims:\n  threshold: high\nreview:\n  reviewers_per_claim: many\n  colour: red\n")
    bad_config = runner.invoke(main, ["check", "--config", str(config), "--out", str(out_dir)])
    assert bad_config.exit_code == 1
    assert [line.split(": ", 1)[0] for line in bad_config.output.splitlines()] == [f"{config}:2", f"{config}:4", f"{config}:5"]


def test_run_online_resolves_sources_and_says_how_many(
    seed_dir: Path, out_dir: Path, tmp_path: Path, api_server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACTCHECK_API_KEY", public_apis.SECRET_KEY)
    public_apis.install(api_server)
    data = online_config(api_server, out_dir).config.model_dump()
    data["sources"]["online"] = False
    config = write(tmp_path / "online.yaml", yaml.safe_dump(data, sort_keys=False))
    args = ["run", "--engine", "plain", "--config", str(config), "--seeds", str(seed_dir), "--out", str(out_dir)]
    offline = CliRunner().invoke(main, args)
    assert offline.exit_code == 0 and "sources resolved" not in offline.output and api_server.log == []
    online = CliRunner().invoke(main, [*args, "--online"])
    assert online.exit_code == 0, online.output
    assert re.search(r"sources resolved\W+[1-9]", online.output), online.output
    assert public_apis.SECRET_KEY not in online.output and api_server.log


def test_bad_task_runner_option_is_a_usage_error(seed_dir: Path, tmp_path: Path) -> None:
    for value, message in [("spark", "use threads, dask or dask=tcp://HOST:PORT"), ("dask=localhost", "must look like tcp://HOST:PORT")]:
        result = CliRunner().invoke(main, ["run", "--engine", "plain", "--config", str(CONFIG), "--seeds", str(seed_dir),
                                           "--out", str(tmp_path), "--task-runner", value])
        assert result.exit_code == 2 and message in result.output


def test_run_prints_paths_the_user_can_open_from_where_they_stand(seed_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    for out, shown in (("desk", "desk/"), (str(tmp_path / "elsewhere"), f"{tmp_path}/elsewhere/")):
        result = CliRunner().invoke(main, ["run", "--engine", "plain", "--config", str(CONFIG), "--seeds", str(seed_dir), "--out", out])
        assert result.exit_code == 0, result.output
        printed = dict(re.findall(r"^(Report|Tasks|Verdicts): +(\S+)$", result.output, re.MULTILINE))
        assert printed == {"Report": f"{shown}reports/verdicts.yaml", "Tasks": f"{shown}review/tasks/<claim-id>.yaml",
                           "Verdicts": f"{shown}review/verdicts/<reviewer>/<claim-id>.yaml"}
        assert Path(printed["Report"]).is_file()


def test_everything_a_run_leaves_behind_is_ignored_by_git(seed_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    repo = tmp_path / "project"
    repo.mkdir()
    shutil.copy(ROOT / ".gitignore", repo / ".gitignore")
    shutil.copytree(seed_dir, repo / "seeds")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "seeds"], check=True)
    monkeypatch.chdir(repo)
    for out in (".", "desks/monday"):
        result = CliRunner().invoke(main, ["run", "--engine", "plain", "--config", str(CONFIG), "--seeds", "seeds", "--out", out])
        assert result.exit_code == 0, result.output
    assert (repo / ".factflow.lock").exists() and (repo / "desks" / "monday" / ".factflow-cache").is_dir()
    status = subprocess.run([*git, "status", "--porcelain", "--untracked-files=all"], capture_output=True, text=True, check=True).stdout
    untracked = [Path(line[3:]) for line in status.splitlines()]
    # review/ and reports/ of the project folder are ignored (the desk's work, not the project's); a
    # desk elsewhere is the user's to commit or not, but its runtime files are ignored wherever it is.
    assert untracked and all(p.parts[:3] in (("desks", "monday", "review"), ("desks", "monday", "reports")) for p in untracked), status
    assert not [p for p in untracked if any(part.startswith(".") for part in p.parts)], status


def test_a_librarys_logged_traceback_is_one_warning_line_without_debug() -> None:
    """The HTTP cache library logs a traceback with its warnings (a cache it cannot write); the terminal
    shows the one line, and the traceback only with --debug."""
    import logging
    import sys

    from factflow_flows.console import _OneLine

    try:
        raise OSError(28, "No space left on device")
    except OSError:
        record = logging.LogRecord("hishel", logging.ERROR, __file__, 1, "hishel: could not store entry", None, sys.exc_info())
    assert _OneLine(debug=False).format(record) == "Warning: hishel: could not store entry"
    shown = _OneLine(debug=True).format(record)
    assert shown.startswith("Warning: hishel: could not store entry\nTraceback") and "No space left on device" in shown
    CliRunner().invoke(main, ["status", "--help"])  # any command sets the loggers up
    assert _OneLine in [type(h.formatter) for h in logging.getLogger("hishel").handlers]
    assert not logging.getLogger("hishel").propagate  # (not to the root logger's handlers, with their tracebacks)

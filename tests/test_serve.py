"""`factflow serve`: a real local Prefect server, a schedule that runs, and a clean stop."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
import yaml

from tests.conftest import CONFIG

pytestmark = pytest.mark.prefect


# How often the runner asks for due runs and the server schedules a new deployment's runs (10 s and
# 5 s by default): the schedule and what serve does with it stay as they are, the test waits less.
_QUICK = {"PREFECT_RUNNER_POLL_FREQUENCY": "1", "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS": "1"}


def _serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment without the caller's PREFECT_ settings, with a PREFECT_HOME of its own, and ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), **extra)
    return env


def _start_serve(tmp_path: Path, seed_dir: Path, out: Path, *schedule: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], Path]:
    """``factflow serve`` in its own session (so a test can kill its group), in ``env`` (default: :func:`_serve_env`);
    its output goes to the returned log file."""
    env = env if env is not None else _serve_env(tmp_path)
    log = tmp_path / "serve.log"
    with log.open("w") as handle:
        serve = subprocess.Popen(
            [sys.executable, "-m", "factflow_flows.cli", "serve", "--config", str(CONFIG), "--seeds", str(seed_dir),
             "--out", str(out), *schedule],
            cwd=tmp_path, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return serve, log


def _wait_for(serve: subprocess.Popen[bytes], log: Path, pattern: str, seconds: float) -> re.Match[str]:
    """The first match of ``pattern`` in serve's log, waiting up to ``seconds`` (serve still running)."""
    deadline = time.monotonic() + seconds
    while not (found := re.search(pattern, log.read_text())):
        assert serve.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"serve did not print {pattern!r}: {log.read_text()[-3000:]}"
        time.sleep(0.5)
    return found


def _stop_serve(serve: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as a service manager stops serve; killed with its group if it has not ended a minute later."""
    if serve.poll() is None:
        os.kill(serve.pid, signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait(timeout=10)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_runs_the_flow_on_schedule_and_stops_its_server(seed_dir: Path, tmp_path: Path) -> None:
    env = _serve_env(tmp_path, **_QUICK)
    serve, log = _start_serve(tmp_path, seed_dir, tmp_path / "out", "--interval", "5", env=env)
    server_pid = None
    try:
        found = _wait_for(serve, log, r"Prefect UI: (http://127\.0\.0\.1:\d+) \(started by factflow, pid (\d+)\)", 120)
        ui, server_pid = found.group(1), int(found.group(2))
        import asyncio

        import httpx

        # The UI served there calls this server's API (not the default port 4200).
        assert httpx.get(f"{ui}/ui-settings", timeout=10).json()["api_url"] == f"{ui}/api"

        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import (
            DeploymentFilter,
            DeploymentFilterName,
            FlowRunFilter,
            FlowRunFilterState,
            FlowRunFilterStateType,
        )
        from prefect.client.schemas.objects import StateType
        from prefect.settings import PREFECT_API_URL, temporary_settings

        async def completed() -> int:
            async with get_client() as client:
                runs = await client.read_flow_runs(
                    deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["factflow-serve"])),
                    flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED]))),
                )
                return sum(1 for r in runs if r.deployment_id is not None)

        done = 0
        with temporary_settings({PREFECT_API_URL: f"{ui}/api"}):
            deadline = time.monotonic() + 180
            while done < 2:
                assert serve.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, f"only {done} scheduled run(s) completed:\n" + log.read_text()[-3000:]
                time.sleep(0.5)
                done = asyncio.run(completed())
        assert (tmp_path / "out" / "reports" / "verdicts.yaml").is_file()
        # Meanwhile a run started by hand in the same project uses this server: it shows in its UI, no temporary server boots.
        assert json.loads((tmp_path / "prefect-home" / "served-api.json").read_text())["url"] == f"{ui}/api"
        manual = subprocess.run(
            [sys.executable, "-m", "factflow_flows.cli", "run", "--config", str(CONFIG), "--seeds", str(seed_dir),
             "--out", str(tmp_path / "by-hand")],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
        )
        assert manual.returncode == 0, manual.stderr[-3000:]
        assert f"this run uses the server `factflow serve` started; it shows in its UI at {ui}" in manual.stderr
        assert not (tmp_path / "prefect-home" / "temporary-server.log").exists()

        async def by_hand() -> int:
            async with get_client() as client:
                runs = await client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED]))))
                return sum(1 for r in runs if r.deployment_id is None)

        with temporary_settings({PREFECT_API_URL: f"{ui}/api"}):
            assert asyncio.run(by_hand()) == 1
    finally:
        _stop_serve(serve)
    output = log.read_text()
    assert "Stopped." in output, output[-3000:]
    assert server_pid is not None
    assert not (tmp_path / "prefect-home" / "served-api.json").exists()  # runs from now on start their own
    for _ in range(40):
        if not _alive(server_pid):
            break
        time.sleep(0.5)
    stopped = not _alive(server_pid)
    if not stopped:  # never leave a server behind, even when the assertion below fails
        os.killpg(server_pid, signal.SIGKILL)
    assert stopped, "the Prefect server factflow started is still running"


def test_serve_prints_a_line_per_run_and_ctrl_c_in_a_terminal_stops_it_cleanly(seed_dir: Path, tmp_path: Path) -> None:
    """In a real pseudo-terminal: Ctrl-C is the terminal's, sent to the whole foreground process group."""
    import pty
    import select

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), **_QUICK)
    out = tmp_path / "out"
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes factflow serve, its terminal the pty
        os.chdir(tmp_path)
        os.execve(sys.executable, [sys.executable, "-m", "factflow_flows.cli", "serve", "--config", str(CONFIG), "--seeds", str(seed_dir),
                                   "--out", str(out), "--interval", "5"], env)
    screen = b""

    def read(seconds: float) -> bool:
        nonlocal screen
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    return False
                if not data:
                    return False
                screen += data
        return True

    status = None
    try:
        deadline = time.monotonic() + 180
        while screen.count(b"run finished") < 2 and time.monotonic() < deadline and read(0.5):
            pass
        assert screen.count(b"run finished") >= 2, screen.decode(errors="replace")[-3000:]
        os.write(fd, b"\x03")  # Ctrl-C
        deadline = time.monotonic() + 60
        while status is None and time.monotonic() < deadline:
            read(0.5)
            done, code = os.waitpid(pid, os.WNOHANG)
            status = os.waitstatus_to_exitcode(code) if done else None
    finally:
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    text = screen.decode(errors="replace").replace("\r\n", "\n")
    assert status == 0, text[-3000:]
    line = re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+  run finished: (\d+) claims, (\d+) verdicts, 0 problems; report (\S+)$",
                     text, re.MULTILINE)
    assert line and int(line.group(1)) > 0 and Path(line.group(3)) == out / "reports" / "verdicts.yaml", text[-3000:]
    assert text.rstrip().endswith("Stopped."), text[-3000:]
    assert "Traceback" not in text and "anonymous usage" not in text and "telemetry" not in text, text[-3000:]
    m = re.search(r"started by factflow, pid (\d+)", text)
    assert m is not None
    for _ in range(40):
        if not _alive(int(m.group(1))):
            break
        time.sleep(0.5)
    assert not _alive(int(m.group(1))), "the Prefect server factflow started is still running"


def test_ctrl_c_while_serving_cancels_again_when_the_first_cancellation_is_absorbed(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from factflow_flows import cli

    monkeypatch.setattr(cli, "_CANCEL_AGAIN_S", 0.05)
    cancelled: list[float] = []

    class Runner:
        async def start(self) -> None:
            asyncio.get_running_loop().call_later(0.05, cli._stop_serving, signal.SIGINT, None)  # Ctrl-C, as the handler runs it
            while True:
                try:
                    await asyncio.sleep(30)
                except asyncio.CancelledError:
                    cancelled.append(time.monotonic())
                    if len(cancelled) == 1:
                        continue  # the first cancellation absorbed, as Prefect's runner once did
                    raise

    start = time.monotonic()
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(Runner().start())
    assert len(cancelled) == 2 and time.monotonic() - start < 5


def test_ctrl_c_before_serving_starts_stops_at_once() -> None:
    from factflow_flows import cli

    with pytest.raises(KeyboardInterrupt):
        cli._stop_serving(signal.SIGINT, None)  # no event loop yet (the server booting)


@pytest.mark.parametrize(("cron", "timezone"), [(None, "UTC"), ("0 */6 * * *", "UTC"), ("30 2 * * 1", "Europe/Paris")])
def test_the_schedule_is_one_flow_serve_takes(cron: str | None, timezone: str) -> None:
    """Flow.serve takes no time zone: a cron schedule went to it as cron=..., timezone=..., and every
    `factflow serve` but one with --interval (the default schedule is a cron) ended in a TypeError traceback.
    The time zone now travels in the schedule object."""
    import inspect

    from factflow_flows.cli import _schedule
    from prefect import Flow

    schedule = _schedule(cron, timezone, None if cron else 5)
    inspect.signature(Flow.serve).bind(None, name="factflow-serve", parameters={}, print_starting_message=False, limit=1, **schedule)
    if cron:
        assert (schedule["schedule"].cron, schedule["schedule"].timezone) == (cron, timezone)


@pytest.mark.parametrize(("args", "said"), [
    (["--cron", "nonsense"], 'Invalid cron string: "nonsense"'),
    (["--cron", "61 * * * *"], 'Invalid cron string: "61 * * * *"'),
    (["--cron", "0 * * * *", "--timezone", "Mars/Olympus"], 'Invalid timezone: "Mars/Olympus"'),
    # Taken and ignored with an interval, an unknown zone too.
    (["--interval", "5", "--timezone", "Mars/Olympus"], "'Mars/Olympus': --timezone is the time zone of a --cron schedule"),
])
def test_a_cron_or_time_zone_prefect_refuses_is_a_usage_error_before_any_server_starts(tmp_path: Path, args: list[str], said: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "factflow_flows.cli", "serve", "--config", str(CONFIG), "--seeds", str(tmp_path), "--out", str(tmp_path / "out"), *args],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )
    assert done.returncode == 2, done.stderr
    assert f"Invalid value for --cron / --timezone: {said}" in done.stderr and "Traceback" not in done.stderr
    assert "Prefect UI" not in done.stdout


def test_an_interval_past_a_year_is_a_usage_error_before_any_server_starts(tmp_path: Path) -> None:
    """'--interval 99999999999999999999' reached Prefect's schedule and ended in an OverflowError traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "factflow_flows.cli", "serve", "--config", str(CONFIG), "--seeds", str(tmp_path), "--out", str(tmp_path / "out"),
         "--interval", "99999999999999999999"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Invalid value for '--interval': 99999999999999999999 is not in the range 1<=x<=31622400." in done.stderr
    assert "Traceback" not in done.stderr and "Prefect UI" not in done.stdout


@pytest.mark.parametrize("cron", ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *"])
def test_a_cron_that_never_fires_is_a_usage_error_naming_the_option(cron: str) -> None:
    """'0 0 31 2 *' passed Prefect's syntax check and `factflow serve` then waited for ever."""
    from factflow_flows.cli import _schedule

    with pytest.raises(click.BadParameter) as caught:
        _schedule(cron, "UTC", None)
    assert caught.value.param_hint == "--cron" and f"{cron!r} never fires" in caught.value.format_message()


@pytest.mark.parametrize("cron", ["0 0 29 2 *", "0 0 L 2 *", "@yearly", "0 0 * * 1#5"])
def test_a_cron_that_fires_rarely_is_served(cron: str) -> None:
    from factflow_flows.cli import _schedule

    assert _schedule(cron, "Europe/Paris", None)["schedule"].cron == cron


def test_a_cron_that_never_fires_stops_serve_with_one_line_before_any_server_starts(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "factflow_flows.cli", "serve", "--config", str(CONFIG), "--seeds", str(tmp_path), "--out", str(tmp_path / "out"),
         "--cron", "0 0 31 2 *"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr and "Prefect UI" not in done.stdout
    assert "Error: Invalid value for --cron: '0 0 31 2 *' never fires" in done.stderr


def test_serve_whose_server_dies_says_so_and_exits_1(seed_dir: Path, tmp_path: Path) -> None:
    # A server killed under serve (out of memory, by hand) left serve waiting for ever, a traceback on screen.
    home = tmp_path / "prefect-home"
    serve, _ = _start_serve(tmp_path, seed_dir, tmp_path / "out", "--interval", "36000")
    try:
        server_pid = int(_wait_for(serve, tmp_path / "serve.log", r"\(started by factflow, pid (\d+)\)", 120).group(1))
        time.sleep(2)  # serving now
        os.killpg(server_pid, signal.SIGKILL)
        assert serve.wait(timeout=60) == 1
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait(timeout=10)
    output = (tmp_path / "serve.log").read_text()
    assert "Error: the Prefect server factflow started exited (status -9); serving stopped" in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert not (home / "served-api.json").exists()


def test_serve_serves_the_review_form_beside_the_schedule(seed_dir: Path, out_dir: Path, tmp_path: Path) -> None:
    # No `prefect deploy`, work pool or worker: `factflow serve` alone gives reviewers review/by-reviewer.
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.flow_runs import resume_flow_run
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from factflow.config import load_config
    from factflow.pipeline import run_pipeline
    from factflow.review.session import ReviewSession
    from tests.test_review_form import _paused

    loaded = load_config(CONFIG)
    run_pipeline(loaded, seed_dir, out_dir)
    tasks = ReviewSession(out_dir, loaded.config.review, "reviewer-1").open_tasks()
    assert len(tasks) >= 2
    serve, log = _start_serve(tmp_path, seed_dir, out_dir, "--cron", "0 0 1 1 *")
    try:
        deadline = time.monotonic() + 180
        ui = _wait_for(serve, log, r"Prefect UI: (http://127\.0\.0\.1:\d+) ", 180).group(1)
        assert f"Reviewers' forms: {ui}/deployments, review/by-reviewer" in log.read_text()
        with temporary_settings({PREFECT_API_URL: f"{ui}/api"}):
            while True:  # the deployments are registered as serving starts
                try:
                    run = run_deployment("review/by-reviewer", parameters={"reviewer": "reviewer-1", "poll_seconds": 1}, timeout=0)
                    break
                except Exception:  # noqa: BLE001 - not registered yet
                    assert time.monotonic() < deadline, log.read_text()[-3000:]
                    time.sleep(0.5)
            with get_client(sync_client=True) as client:
                _, key = _paused(client, run.id, None, deadline)
                resume_flow_run(run.id, run_input={"rating": "mostly-false", "rationale": "The ISW map says otherwise.",
                                                   "evidence": ["https://example.org/isw-map"]})
                for _ in tasks[1:]:
                    _, key = _paused(client, run.id, key, deadline)
                    resume_flow_run(run.id, run_input={"rating": "true", "rationale": "", "skip": True})
                while not (state := client.read_flow_run(run.id).state) or not state.is_final():
                    assert time.monotonic() < deadline, f"the review run did not end: {state}"
                    time.sleep(0.5)
                assert state.is_completed(), state
        saved = yaml.safe_load(tasks[0].file.read_text(encoding="utf-8"))
        assert (saved["rating"], saved["rationale"]) == ("mostly-false", "The ISW map says otherwise.")
    finally:
        _stop_serve(serve)
    assert "Stopped." in log.read_text()

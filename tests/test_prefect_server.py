"""The Prefect server a run uses, and one Error line when it cannot use one.

A run uses the server `factflow serve` started in the same project (``served-api.json``), and only
while that server is alive and answering (tested against real HTTP servers on 127.0.0.1); a server
that stops answering, a PREFECT_HOME that cannot be a folder and a PREFECT_* setting Prefect refuses
each end the run with one Error line, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from factflow_flows.server import SERVED_FILE, prefect_api, served_api

from tests.conftest import CONFIG


def _server(status: int, version: bytes | None = None, delay: float = 0.0) -> ThreadingHTTPServer:
    """A server that answers /api/health with ``status`` and /api/admin/version with ``version`` (404 when None),
    each after ``delay`` seconds."""
    import time

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            time.sleep(delay)
            asks_version = self.path == "/api/admin/version"
            code = status if self.path == "/api/health" else 200 if asks_version and version is not None else 404
            body = b'{"detail": "no"}' if code != 200 else version if asks_version and version is not None else b"true"
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    server.handle_error = lambda request, address: None  # type: ignore[method-assign]  # the client gave up: a broken pipe
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def healthy() -> Iterator[str]:
    server = _server(200)
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


def _record(home: Path, url: object, pid: object) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / SERVED_FILE).write_text(json.dumps({"url": url, "pid": pid}), encoding="utf-8")


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_live_answering_server_is_used(healthy: str, tmp_path: Path) -> None:
    _record(tmp_path, healthy, os.getpid())
    assert served_api(tmp_path) == healthy


def test_a_record_a_killed_serve_left_behind_is_ignored(healthy: str, tmp_path: Path) -> None:
    _record(tmp_path, healthy, _dead_pid())
    assert served_api(tmp_path) is None


def test_a_server_that_does_not_answer_or_answers_an_error_is_ignored(tmp_path: Path) -> None:
    failing = _server(503)
    try:
        _record(tmp_path, f"http://127.0.0.1:{failing.server_address[1]}/api", os.getpid())
        assert served_api(tmp_path) is None
    finally:
        failing.shutdown()
        failing.server_close()
    closed = failing.server_address[1]  # nothing listens there now
    _record(tmp_path, f"http://127.0.0.1:{closed}/api", os.getpid())
    assert served_api(tmp_path, timeout=1) is None


@pytest.mark.parametrize("record", [
    "not json", "[]", '{"url": "http://127.0.0.1:1/api"}', '{"url": 5, "pid": 1}',
    '{"url": "http://example.com:4200/api", "pid": 1}', '{"url": "http://127.0.0.1:4200/api", "pid": "1"}',
    '{"url": "http://127.0.0.1:4200/api", "pid": -1}',
])
def test_a_record_that_is_not_ours_is_ignored(tmp_path: Path, record: str) -> None:
    (tmp_path / SERVED_FILE).write_text(record, encoding="utf-8")
    assert served_api(tmp_path) is None
    assert served_api(tmp_path / "no-such-folder") is None


def test_a_run_uses_the_served_server_without_starting_one(healthy: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    _record(tmp_path, healthy, os.getpid())
    seen: list[str | None] = []
    with prefect_api(tmp_path, temporary=True, while_starting=lambda: seen.append(os.environ.get("PREFECT_API_URL"))) as api:
        assert (api.url, api.pid, api.served) == (healthy, None, True)
        assert os.environ["PREFECT_API_URL"] == healthy  # for Prefect imported now, and for Dask workers
    assert seen == [healthy]
    assert "PREFECT_API_URL" not in os.environ
    assert not (tmp_path / "temporary-server.log").exists()  # no server was started


def test_prefect_api_url_set_by_the_user_wins_over_the_record(healthy: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = _server(200)
    url = f"http://127.0.0.1:{mine.server_address[1]}/api"
    monkeypatch.setenv("PREFECT_API_URL", url)
    _record(tmp_path, healthy, os.getpid())
    try:
        with prefect_api(tmp_path, temporary=True) as api:
            assert (api.url, api.served) == (url, False)
    finally:
        mine.shutdown()
        mine.server_close()


@pytest.mark.parametrize(("health", "version", "delay", "says"), [
    (404, None, 0.0, "its health check answered HTTP 404, so it is no Prefect API"),
    (200, b"{}", 0.0, "it does not answer as a Prefect server (its version is '{}')"),  # was InvalidVersion, a traceback
    (200, b'"2.14.0"', 0.0, "it is Prefect 2.14.0, and factflow runs with Prefect 3"),  # was a RuntimeError traceback
    (200, b'"3.9.1"', 3.0, "no answer within 1 s (ReadTimeout"),  # was 7 minutes of silence, then one line
    (None, None, 0.0, "no answer within 1 s (ConnectError"),  # serve printed a traceback after announcing itself
    (200, b'"3.9.1"', 0.0, None),
    (200, None, 0.0, None),  # a server that does not tell its version (Prefect Cloud's workspaces): left to the client
])
def test_a_prefect_api_url_that_is_no_prefect_3_api_is_one_line_at_once(
    health: int | None, version: bytes | None, delay: float, says: str | None,
) -> None:
    from factflow_flows.server import check_external_api

    from factflow.errors import ServerError

    server = _server(health, version, delay) if health is not None else None
    url = f"http://127.0.0.1:{server.server_address[1] if server else 9}/api"
    try:
        if says is None:
            check_external_api(url, timeout=1)
            return
        with pytest.raises(ServerError) as info:
            check_external_api(url, timeout=1)
        assert str(info.value).startswith(f"PREFECT_API_URL {url}: {says}") and "unset PREFECT_API_URL" in str(info.value), str(info.value)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()


def test_a_run_whose_server_stops_answering_ends_with_one_error_line_in_seconds(seed_dir: Path, tmp_path: Path) -> None:
    # The served server answers the run's health check, then goes (as when `factflow serve` is stopped
    # mid-run): one Error line naming the server and what to do, exit 1, no traceback, and no wait at
    # exit for Prefect to deliver what it holds to a server that is gone (it took minutes).
    gone = threading.Event()

    class HealthOnce(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            self.send_response(200)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"true")
            gone.set()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), HealthOnce)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api"

    def close_after_health() -> None:
        gone.wait(120)
        server.shutdown()
        server.server_close()

    threading.Thread(target=close_after_health, daemon=True).start()
    home = tmp_path / "prefect-home"
    _record(home, url, os.getpid())
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-m", "factflow_flows.cli", "run", "--config", str(CONFIG), "--seeds", str(seed_dir), "--out", str(tmp_path / "out")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr[-3000:]
    assert f"Error: the Prefect server at {url} did not answer (ConnectError" in done.stderr, done.stderr[-3000:]
    assert "run again (it starts a server of its own)" in done.stderr
    assert "Traceback" not in done.stderr, done.stderr[-3000:]


@pytest.mark.parametrize("home", ["a-file", "a-file/below"])
def test_a_prefect_home_that_cannot_be_a_folder_is_one_error_line(seed_dir: Path, tmp_path: Path, home: str) -> None:
    (tmp_path / "a-file").write_text("not a folder\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / home)
    done = subprocess.run(
        [sys.executable, "-m", "factflow_flows.cli", "run", "--config", str(CONFIG), "--seeds", str(seed_dir), "--out", str(tmp_path / "out")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr[-3000:]
    assert f"Error: PREFECT_HOME {tmp_path / home}: cannot use it as Prefect's folder (" in done.stderr
    assert "set PREFECT_HOME to a folder you can write" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(("setting", "said"), [
    ("PREFECT_CLIENT_MAX_RETRIES=abc", "ClientSettings: max_retries: Input should be a valid integer"),
    ("PREFECT_LOGGING_LEVEL=LOUD", "LoggingSettings: level: Input should be 'DEBUG'"),
])
def test_a_prefect_setting_prefect_refuses_is_one_error_line(seed_dir: Path, tmp_path: Path, setting: str, said: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    name, _, value = setting.partition("=")
    env.update({"PREFECT_HOME": str(tmp_path / "prefect-home"), name: value})
    done = subprocess.run(
        [sys.executable, "-m", "factflow_flows.cli", "run", "--config", str(CONFIG), "--seeds", str(seed_dir), "--out", str(tmp_path / "out")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr[-3000:]
    assert f"Error: Prefect refused one of its settings ({said}" in done.stderr, done.stderr[-3000:]
    assert "check the PREFECT_* variables" in done.stderr and "Traceback" not in done.stderr


def test_local_servers_get_two_client_retries_unless_the_user_chose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from factflow_flows.cli import prefect_defaults

    for name in ("PREFECT_API_URL", "PREFECT_CLIENT_MAX_RETRIES", "PREFECT_HOME"):
        monkeypatch.delenv(name, raising=False)
    prefect_defaults(tmp_path)
    assert os.environ["PREFECT_CLIENT_MAX_RETRIES"] == "2"
    monkeypatch.setenv("PREFECT_CLIENT_MAX_RETRIES", "7")
    prefect_defaults(tmp_path)
    assert os.environ["PREFECT_CLIENT_MAX_RETRIES"] == "7"  # the user's own wins
    monkeypatch.delenv("PREFECT_CLIENT_MAX_RETRIES")
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    prefect_defaults(tmp_path)
    assert "PREFECT_CLIENT_MAX_RETRIES" not in os.environ  # a server of the user's: Prefect's own retries


@pytest.mark.parametrize(("args", "raising"), [([], False), (["--debug"], True)])
def test_undeliverable_log_lines_print_no_traceback_without_debug(args: list[str], raising: bool) -> None:
    import logging

    from click.testing import CliRunner
    from factflow_flows.cli import main

    before = logging.raiseExceptions
    try:
        CliRunner().invoke(main, [*args, "check", "--config", str(CONFIG)])
        assert logging.raiseExceptions is raising
    finally:
        logging.raiseExceptions = before


def test_a_second_serve_of_the_project_is_refused_while_the_first_runs(healthy: str, tmp_path: Path) -> None:
    """A second serve on one PREFECT_HOME started a second server on the same database; when it stopped, Prefect
    paused the deployment both served and the first ran nothing more, without a word."""
    home = tmp_path / "prefect-home"
    _record(home, healthy, os.getpid())  # a live serve's record: its process alive, its server answering
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(home)
    done = subprocess.run([sys.executable, "-m", "factflow_flows.cli", "serve", "--interval", "60", "--config", str(CONFIG),
                           "--out", str(tmp_path / "out")], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert f"a `factflow serve` of this project is running already (its Prefect server: {healthy}); stop it first" in done.stderr
    assert "Prefect UI" not in done.stdout  # refused before any server starts


def test_a_damaged_prefect_database_is_one_line_naming_the_cause_and_the_log(seed_dir: Path, tmp_path: Path) -> None:
    """The error pasted the server log's last 2,000 characters: 33 lines of a traceback starting mid-word."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    (home / "prefect.db").write_bytes(bytes(range(256)) * 400)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-m", "factflow_flows.cli", "run", "-q", "--config", str(CONFIG), "--seeds", str(seed_dir), "--out", str(tmp_path / "out")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-3000:]
    (line,) = [line for line in done.stderr.splitlines() if line.strip()]
    assert line.startswith("Error: prefect server exited with status") and "file is not a database" in line, line
    assert line.endswith(f"its log is {home / 'temporary-server.log'}")

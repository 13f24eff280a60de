"""Start and stop a local Prefect server for commands that need a long-running one.

Schedules (``factflow serve``), forms in the UI and Dask workers need a real server: the temporary
one a plain run starts lives inside that one process. :func:`prefect_api` uses ``PREFECT_API_URL``
when it is set, and otherwise starts ``prefect server start`` on 127.0.0.1, waits until it
answers, and stops it (and only it, by its process id) when the block ends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from factflow.errors import FactflowError


class ServerError(FactflowError):
    """The local Prefect server could not be started."""


@dataclass(frozen=True)
class PrefectAPI:
    """Where the Prefect API is, and the server process we started for it (None if we did not)."""

    url: str
    pid: int | None

    @property
    def ui(self) -> str:
        """The address of the Prefect UI."""
        return self.url.removesuffix("/api")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes] | None, timeout: float, log: Path | None = None) -> None:
    """Wait until ``url``/health answers; raise ServerError if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise ServerError(f"prefect server exited with status {process.returncode}:\n{tail}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise ServerError(f"prefect server at {url} did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Stop a process we started, with its own children (its process group): SIGTERM, then SIGKILL."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


@contextmanager
def prefect_api(home: Path, port: int | None = None, timeout: float = 120) -> Iterator[PrefectAPI]:
    """The Prefect API to use: ``PREFECT_API_URL`` if set, else a local server started for this block."""
    existing = os.environ.get("PREFECT_API_URL")
    if existing:
        yield PrefectAPI(url=existing.rstrip("/"), pid=None)
        return
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    url = f"http://127.0.0.1:{port}/api"
    # PREFECT_UI_API_URL: the UI in the browser must call this server's port, not the default 4200.
    env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_UI_API_URL=url)
    log_path = home / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            wait_healthy(url, process, timeout, log_path)
            os.environ["PREFECT_API_URL"] = url
            try:
                yield PrefectAPI(url=url, pid=process.pid)
            finally:
                os.environ.pop("PREFECT_API_URL", None)
        finally:
            stop(process)

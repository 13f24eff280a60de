"""Start and stop a local Prefect server.

Schedules (``factflow serve``) and forms in the UI need a real server (``prefect server start``,
with its services). A run needs only an API for the time it runs: :func:`prefect_api` with
``temporary=True`` starts the same light server Prefect starts by itself when no
``PREFECT_API_URL`` is set, but from here, so that (1) it boots while this process is still
importing and loading (it takes seconds), (2) this process never imports Prefect's server
package (seconds and ~80 MB, only to launch it), and (3) Dask workers can reach it too.
:func:`prefect_api` uses ``PREFECT_API_URL`` when it is set, and otherwise starts a server on
127.0.0.1, waits until it answers, and stops it (and only it, by its process id) when the block ends.
A server that ``factflow serve`` started says where it is in ``$PREFECT_HOME/served-api.json`` while
it runs; a run started meanwhile in the same project uses it instead of a temporary server of its
own: the run shows in that server's UI beside the scheduled ones, and skips the seconds a
temporary server takes to boot.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from factflow.errors import ServerError


@dataclass(frozen=True)
class PrefectAPI:
    """Where the Prefect API is, and the server process we started for it (None if we did not)."""

    url: str
    pid: int | None
    #: The server a ``factflow serve`` of this project started and still runs (see :func:`served_api`).
    served: bool = False
    #: The server process we started, to see whether it is still running (None if we did not start one).
    process: subprocess.Popen[bytes] | None = field(default=None, compare=False, repr=False)

    @property
    def ui(self) -> str:
        """The address of the Prefect UI."""
        return self.url.removesuffix("/api")


#: In PREFECT_HOME while ``factflow serve`` runs the server it started: ``{"url": ..., "pid": ...}``.
SERVED_FILE = "served-api.json"
#: In PREFECT_HOME: the output of the server ``serve`` starts, and of a run's temporary server.
SERVER_LOG, TEMPORARY_SERVER_LOG = "server.log", "temporary-server.log"


def served_api(home: Path, timeout: float = 2) -> str | None:
    """The API address of the server a ``factflow serve`` started with this PREFECT_HOME, when its
    record is there, its process is alive and it answers on 127.0.0.1 now; otherwise None (a record
    that a killed serve left behind, or that someone edited, is ignored)."""
    try:
        record = json.loads((home / SERVED_FILE).read_text(encoding="utf-8"))
        url, pid = record["url"], record["pid"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(url, str) or not url.startswith("http://127.0.0.1:") or type(pid) is not int or pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except OSError:
        pass  # alive, and someone else's to signal
    try:
        return url if httpx.get(f"{url}/health", timeout=timeout).status_code == 200 else None
    except httpx.HTTPError:
        return None


#: Set when a run lost its Prefect API (see :func:`lost_api`): the command then ends without Prefect's
#: wait, at exit, to send the events and log lines it still holds to a server that is gone (each
#: tried for seconds: 67 events took 9 minutes).
API_LOST = threading.Event()


def lost_api(api: PrefectAPI, exc: BaseException) -> ServerError | None:
    """The error of a run whose Prefect API did not answer (``exc``: httpx's error, or Prefect's
    "Failed to reach API" with it), naming the server and what to do, and recorded in
    :data:`API_LOST`; None when ``exc`` is something else."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, httpx.TransportError):
        cause = cause.__cause__ or cause.__context__
    if cause is None and not (isinstance(exc, RuntimeError) and str(exc).startswith("Failed to reach API")):
        return None
    API_LOST.set()
    if api.served:
        hint = "`factflow serve` stopped while the run went on; run again (it starts a server of its own) or start serve again"
    elif api.pid is None:
        hint = "check that the server PREFECT_API_URL names is running, or unset PREFECT_API_URL to run with a temporary server"
    else:
        log = Path(os.environ.get("PREFECT_HOME", "$PREFECT_HOME")) / TEMPORARY_SERVER_LOG
        hint = f"the temporary server stopped; its log is {log}; run again"
    shown = cause or exc
    reason = f"{type(shown).__name__}: {shown}" if str(shown) else type(shown).__name__
    return ServerError(f"the Prefect server at {api.url} did not answer ({reason}); the run stopped before its end; {hint}")


def watch_server(api: PrefectAPI, gone: Callable[[int], object], every: float = 1.0) -> threading.Event:
    """Call ``gone(status)`` once, from a daemon thread, if the server we started for ``api`` exits
    before the returned event is set (set it when done with the server). For ``serve``: without it,
    a server killed under it (out of memory, by hand) left serve waiting for ever with nothing to
    schedule its runs."""
    done = threading.Event()
    process = api.process
    if process is None:
        return done

    def watch() -> None:
        while not done.wait(every):
            status = process.poll()
            if status is not None:
                if not done.is_set():
                    gone(status)
                return

    threading.Thread(target=watch, name="factflow-server-watch", daemon=True).start()
    return done


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: A Python exception's last line in a log ("sqlite3.DatabaseError: file is not a database"): the cause, said once.
_EXCEPTION_LINE = re.compile(r"^[\w.]+(?:Error|Exception): ")


def wait_healthy(url: str, process: subprocess.Popen[bytes] | None, timeout: float, log: Path | None = None) -> None:
    """Wait until ``url``/health answers; raise ServerError if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            # The log's last error line, not its last 2,000 characters (a traceback cut mid-word): the log is named.
            lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()] if log and log.exists() else []
            said = next((line for line in reversed(lines) if _EXCEPTION_LINE.match(line) or "already in use" in line),
                        next((line for line in reversed(lines) if "error" in line.lower()), lines[-1] if lines else ""))
            where = f"; its log is {log}" if log else ""
            raise ServerError(f"prefect server exited with status {process.returncode}: {said[:300]}{where}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)  # a refused connection costs well under a millisecond; a run waits on this
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


def _die_with_parent() -> None:
    """In the child before it runs: ask Linux to stop it if we die (killed, so our cleanup never runs).

    Linux sends the signal when the thread that started the child ends: start servers from the main thread.
    """
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


#: Seconds a server PREFECT_API_URL names has to answer its health check: Prefect's own client waits 60 s a
#: request and retries five times, so a server that took connections and never answered was 7 minutes of silence.
EXTERNAL_TIMEOUT = 10.0


def check_external_api(url: str, timeout: float = EXTERNAL_TIMEOUT) -> None:
    """ServerError, in one line, unless ``url`` (PREFECT_API_URL) answers as a Prefect 3 API: its health check
    within ``timeout``, and its version, where it tells one, 3.x. A refused or silent address, a web server that
    is not Prefect's, or a Prefect 2 server ended the run or ``serve`` in a traceback of Prefect's client."""
    hint = "start the Prefect 3 server it names (prefect server start), or unset PREFECT_API_URL to run with a temporary server"
    key = os.environ.get("PREFECT_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        with httpx.Client(timeout=timeout, headers=headers, follow_redirects=False) as client:
            health = client.get(f"{url}/health")
            if health.status_code != 200:
                raise ServerError(f"PREFECT_API_URL {url}: its health check answered HTTP {health.status_code}, so it is no "
                                  f"Prefect API (a Prefect API URL ends in /api); {hint}")
            answer = client.get(f"{url}/admin/version")
    except httpx.HTTPError as exc:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise ServerError(f"PREFECT_API_URL {url}: no answer within {timeout:g} s ({reason}); {hint}") from exc
    if answer.status_code != 200:
        return  # a server that does not tell its version (Prefect Cloud's workspaces): the client checks it
    try:
        version = answer.json()
    except ValueError:
        version = None
    if not isinstance(version, str) or not version[:1].isdigit():
        raise ServerError(f"PREFECT_API_URL {url}: it does not answer as a Prefect server (its version is {str(version)[:40]!r}); {hint}")
    if version.split(".")[0] != "3":
        raise ServerError(f"PREFECT_API_URL {url}: it is Prefect {version}, and factflow runs with Prefect 3; {hint}")


@contextmanager
def prefect_api(
    home: Path, port: int | None = None, timeout: float = 120, temporary: bool = False,
    while_starting: Callable[[], object] | None = None,
) -> Iterator[PrefectAPI]:
    """The Prefect API to use: ``PREFECT_API_URL`` if set, else a local server started for this block.

    ``temporary``: the light server of one run (no UI, no scheduler). ``while_starting`` runs
    while the server boots (imports, say), before waiting for it to answer.
    """
    existing = os.environ.get("PREFECT_API_URL")
    if existing:
        check_external_api(existing.rstrip("/"))
        if while_starting:
            while_starting()
        yield PrefectAPI(url=existing.rstrip("/"), pid=None)
        return
    served = served_api(home) if temporary else None
    if served:
        with _pointed_at(served):
            if while_starting:
                while_starting()
            yield PrefectAPI(url=served, pid=None, served=True)
        return
    try:
        if home.exists() and not home.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "it is a file, not a folder", str(home))
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ServerError(f"PREFECT_HOME {home}: cannot use it as Prefect's folder ({exc.strerror or exc}); set PREFECT_HOME "
                          "to a folder you can write, or unset it (factflow then keeps Prefect's state in ./.prefect)") from exc
    port = port or free_port()
    url = f"http://127.0.0.1:{port}/api"
    # PREFECT_UI_API_URL: the UI in the browser must call this server's port, not the default 4200.
    env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_UI_API_URL=url)
    if temporary:
        # What prefect.server.api.server.SubprocessASGIServer runs for its temporary server (Prefect 3.9).
        env.update(PREFECT_UI_ENABLED="0", PREFECT__SERVER_EPHEMERAL="1", PREFECT__SERVER_FINAL="1")
        command = ["uvicorn", "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                   "--port", str(port), "--log-level", "error", "--lifespan", "on"]
    else:
        command = ["prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    log_path = home / (TEMPORARY_SERVER_LOG if temporary else SERVER_LOG)
    try:
        log = log_path.open("wb")
    except OSError as exc:
        raise ServerError(f"{log_path}: cannot write the Prefect server's log ({exc.strerror or exc}); set PREFECT_HOME "
                          "to a folder you can write") from exc
    with log:
        process = subprocess.Popen(
            [sys.executable, "-m", *command], env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        record: Path | None = None
        try:
            # Set before waiting: Prefect reads its settings when it is imported, perhaps while starting.
            with _pointed_at(url):
                if while_starting:
                    while_starting()
                wait_healthy(url, process, timeout, log_path)
                record = None if temporary else _record_served(home, url, process.pid)
                yield PrefectAPI(url=url, pid=process.pid, process=process)
        finally:
            if record is not None:
                _forget_served(record, url)
            stop(process)


@contextmanager
def _pointed_at(url: str) -> Iterator[None]:
    """Prefect pointed at ``url`` for a block: in the environment (for Prefect imported from now on,
    and for processes started from here, Dask workers included) and in an already imported Prefect;
    at the end, the log lines Prefect still holds are sent while the server is up."""
    os.environ["PREFECT_API_URL"] = url
    try:
        with _api_setting(url):
            yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        _send_pending_logs()


def _record_served(home: Path, url: str, pid: int) -> Path | None:
    """Say where the server of ``factflow serve`` is (see :func:`served_api`); None if it cannot be written
    (runs then start temporary servers of their own, as without it)."""
    from factflow.errors import WriteError
    from factflow.fileio import atomic_write_text

    path = home / SERVED_FILE
    text = json.dumps({"url": url, "pid": pid}) + "\n"
    try:
        atomic_write_text(path, text, durable=False)
    except WriteError:
        return None
    return path


def _forget_served(path: Path, url: str) -> None:
    """Remove the record of our server, unless another serve has written its own there since."""
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")).get("url") == url:
            path.unlink()


def _send_pending_logs(timeout: float = 5) -> None:
    """Let Prefect send the log lines it still holds (a run stopped by Ctrl-C logs its crash as it
    ends) while the server is up: sent once it is gone, each batch printed "Error logging to API"."""
    if "prefect.logging.handlers" not in sys.modules:
        return
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=timeout)


def _api_setting(url: str) -> contextlib.AbstractContextManager[object]:
    """Point an already imported Prefect at ``url`` for a block (it read the environment when imported)."""
    if "prefect.settings" not in sys.modules:
        return contextlib.nullcontext()
    from prefect.settings import PREFECT_API_URL, temporary_settings

    return temporary_settings(updates={PREFECT_API_URL: url})

"""`factflow serve`: a real local Prefect server, a schedule that runs, and a clean stop."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CONFIG

pytestmark = pytest.mark.prefect


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_runs_the_flow_on_schedule_and_stops_its_server(seed_dir: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"))
    log = (tmp_path / "serve.log").open("w+")
    serve = subprocess.Popen(
        [sys.executable, "-m", "factflow.cli", "serve", "--config", str(CONFIG), "--seeds", str(seed_dir),
         "--out", str(tmp_path / "out"), "--interval", "5"],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    server_pid = None
    try:
        deadline = time.monotonic() + 120
        while server_pid is None:
            assert serve.poll() is None, Path(log.name).read_text()
            assert time.monotonic() < deadline, "serve did not print the UI address"
            m = re.search(r"Prefect UI: (http://127\.0\.0\.1:\d+) \(started by factflow, pid (\d+)\)", Path(log.name).read_text())
            if m:
                ui, server_pid = m.group(1), int(m.group(2))
            time.sleep(0.5)
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
                assert serve.poll() is None, Path(log.name).read_text()[-3000:]
                assert time.monotonic() < deadline, f"only {done} scheduled run(s) completed:\n" + Path(log.name).read_text()[-3000:]
                time.sleep(2)
                done = asyncio.run(completed())
        assert (tmp_path / "out" / "reports" / "verdicts.yaml").is_file()
    finally:
        if serve.poll() is None:
            os.kill(serve.pid, signal.SIGTERM)
            try:
                serve.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(serve.pid, signal.SIGKILL)
                serve.wait(timeout=10)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "Stopped." in output, output[-3000:]
    assert server_pid is not None
    for _ in range(40):
        if not _alive(server_pid):
            break
        time.sleep(0.5)
    stopped = not _alive(server_pid)
    if not stopped:  # never leave a server behind, even when the assertion below fails
        os.killpg(server_pid, signal.SIGKILL)
    assert stopped, "the Prefect server factflow started is still running"

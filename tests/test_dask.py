"""Scale-out: the flow on Dask writes the same report as the plain pipeline, on a two-worker local
cluster the run starts, and on a cluster started with the ``dask`` command (a scheduler and two
workers, each its own process), as the README's "Scaling out" shows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from factflow.config import load_config
from factflow.pipeline import run_pipeline  # Dask names a task's key after its function (extract)
from factflow.stages import batches, extract, load_stage
from tests.conftest import CONFIG, NEWS, mixed_seeds, write

pytestmark = pytest.mark.prefect

_STAMPS = re.compile(r"^(generated_at|  since): .*$", re.MULTILINE)

# Loaded by every Dask worker (Dask's distributed.worker.preload): each task a worker finishes is
# appended to <DASK_RECORD>/<worker pid>.txt, so the test sees which process ran what.
_RECORD = """
import os
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin


class Record(WorkerPlugin):
    def transition(self, key, start, finish, **kwargs):
        if finish == "memory":
            with (Path(os.environ["DASK_RECORD"]) / f"{os.getpid()}.txt").open("a", encoding="utf-8") as f:
                f.write(f"{key}\\n")


async def dask_setup(worker):
    await worker.plugin_add(Record(), name="record")
"""


def test_dask_runner_gives_the_same_report_as_the_default(tmp_path: Path) -> None:
    """The seed plus 40 articles of the news sample (when ../shared is there) plus a few small documents."""
    seeds = mixed_seeds(tmp_path / "seeds", 40)
    batch = 5 if NEWS.is_file() else 1  # several batches, so both workers take some (the seed; the small documents, by length)
    config = write(tmp_path / "config.yaml", CONFIG.read_text(encoding="utf-8").replace("batch_size: 50", f"batch_size: {batch}"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    record = tmp_path / "dask-tasks"
    record.mkdir()
    env.update(DASK_RECORD=str(record), DASK_DISTRIBUTED__WORKER__PRELOAD=repr([str(write(tmp_path / "record.py", _RECORD))]))
    reports = {}
    for name, args in {"plain": ["--engine", "plain"], "dask": ["--task-runner", "dask"]}.items():
        out = tmp_path / name
        done = subprocess.run(
            [sys.executable, "-m", "factflow_flows.cli", "run", "--config", str(config), "--seeds", str(seeds), "--out", str(out), *args],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr and "ERROR" not in done.stderr, done.stderr
        reports[name] = _STAMPS.sub("", (out / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))
    assert reports["dask"] == reports["plain"]
    assert reports["dask"].count("\n- id: c-") >= 10
    # Every batch was extracted on a Dask worker, and both workers took some.
    extracted = _extracted_by(record)
    assert sum(map(len, extracted.values())) == _batches(seeds, config) >= 2, extracted
    assert len([pid for pid, keys in extracted.items() if keys]) == 2, extracted


def _batches(seeds: Path, config: Path) -> int:
    """How many extraction batches a run of ``config`` on ``seeds`` makes (one worker: run.batch_size, short documents by length)."""
    loaded = load_config(config)
    return len(batches(load_stage(seeds, loaded)[0], loaded.config.run.batch_size))


def _extracted_by(record: Path) -> dict[str, list[str]]:
    """The extraction tasks each Dask worker process finished (by pid), as the preloaded Record plugin wrote them."""
    ran = {path.stem: path.read_text(encoding="utf-8").split() for path in record.glob("*.txt")}
    return {pid: [key for key in keys if key.startswith(f"{extract.__name__}-")] for pid, keys in ran.items()}


@pytest.fixture
def dask_cli_cluster(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A Dask scheduler on 127.0.0.1 and two workers of one thread, each started with the ``dask``
    command as its own process (with its own process group), as the README shows; stopped, with
    their children, when the test ends, passed or failed. Yields the scheduler's address and the
    folder where the workers record the tasks they finish."""
    from distributed import Client
    from factflow_flows.server import free_port, stop

    dask = Path(sys.executable).with_name("dask")
    address = f"tcp://127.0.0.1:{free_port()}"
    record = tmp_path / "dask-tasks"
    record.mkdir()
    # No Prefect settings of their own: each task brings the run's (the API's address included).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DASK_"))}
    env.update(PREFECT_HOME=str(tmp_path / "worker-prefect-home"), DASK_RECORD=str(record))
    commands = [
        [str(dask), "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
        *([str(dask), "worker", address, "--nthreads", "1", "--no-dashboard", "--name", f"worker-{i}",
           "--preload", str(write(tmp_path / "record.py", _RECORD))] for i in (1, 2)),
    ]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for i, command in enumerate(commands):
            with (tmp_path / f"dask-{i}.log").open("wb") as log:
                processes.append(subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
                                                  stdin=subprocess.DEVNULL, start_new_session=True))
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, record
    finally:
        for process in reversed(processes):  # the workers first, so none waits for a scheduler that is gone
            stop(process, timeout=10)


def test_a_dask_cluster_started_with_the_dask_command_runs_the_flow_as_the_plain_pipeline(
    dask_cli_cluster: tuple[str, Path], tmp_path: Path
) -> None:
    """``run.task_runner: dask`` with ``run.dask_address`` at a scheduler the ``dask`` command started:
    both workers extract batches, and the report is the plain pipeline's."""
    address, record = dask_cli_cluster
    seeds = mixed_seeds(tmp_path / "seeds", 12)
    batch = 3 if NEWS.is_file() else 1  # several batches, so both workers take some (the seed; the small documents, by length)
    config = write(tmp_path / "config.yaml", CONFIG.read_text(encoding="utf-8").replace("batch_size: 50", f"batch_size: {batch}")
                   .replace("task_runner: threads", "task_runner: dask")
                   .replace("dask_address: null", f"dask_address: {address}"))
    loaded = load_config(config)
    assert (loaded.config.run.task_runner, loaded.config.run.dask_address) == ("dask", address)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    done = subprocess.run(
        [sys.executable, "-m", "factflow_flows.cli", "run", "--config", str(config), "--seeds", str(seeds), "--out", str(tmp_path / "dask")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "ERROR" not in done.stderr, done.stderr
    plain = run_pipeline(loaded.with_changes("run", task_runner="threads", dask_address=None), seeds, tmp_path / "plain")
    dask_report = _STAMPS.sub("", (tmp_path / "dask" / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))
    assert dask_report == _STAMPS.sub("", plain.report_path.read_text(encoding="utf-8"))
    assert plain.report.summary.claims >= 10
    extracted = _extracted_by(record)
    assert sum(map(len, extracted.values())) == _batches(seeds, config) >= 2, extracted
    assert len([pid for pid, keys in extracted.items() if keys]) == 2, extracted


def test_a_dask_scheduler_that_does_not_answer_is_one_line_before_the_flow_starts() -> None:
    """'--task-runner dask=tcp://127.0.0.1:9' failed inside the flow after 30 s with two tracebacks: Prefect's
    log of the crashed flow run and the command's own."""
    import socket
    import time

    from factflow_flows.factcheck import check_scheduler

    from factflow.errors import SchedulerError

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    started = time.monotonic()
    with pytest.raises(SchedulerError) as caught:
        check_scheduler(address, timeout=1)
    assert time.monotonic() - started < 10
    assert str(caught.value).startswith(f"no Dask scheduler answered at {address} (")
    assert "\n" not in str(caught.value)

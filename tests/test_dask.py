"""Scale-out: the flow on a two-worker local Dask cluster writes the same report as the plain pipeline."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from factflow.pipeline import extract  # Dask names a task's key after its function
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
    batch = 5 if NEWS.is_file() else 2  # several batches, so both workers take some
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
    documents = re.search(r"^  documents: (\d+)$", reports["dask"], re.MULTILINE)
    assert documents is not None
    ran = {path.stem: path.read_text(encoding="utf-8").split() for path in record.glob("*.txt")}
    extracted = {pid: [key for key in keys if key.startswith(f"{extract.__name__}-")] for pid, keys in ran.items()}
    assert sum(map(len, extracted.values())) == math.ceil(int(documents.group(1)) / batch) > 2, ran
    assert len([pid for pid, keys in extracted.items() if keys]) == 2, ran

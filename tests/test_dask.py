"""Scale-out: the flow on a two-worker local Dask cluster writes the same report as the plain pipeline."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CONFIG, SEED, SHARED, write

NEWS = SHARED / "data" / "news" / "fakenewscorpus_sample.csv"

pytestmark = pytest.mark.prefect

_STAMPS = re.compile(r"^(generated_at|  since): .*$", re.MULTILINE)


def test_dask_runner_gives_the_same_report_as_the_default(tmp_path: Path) -> None:
    """The seed plus the news sample (when ../shared is there) plus a few small documents."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    if NEWS.is_file():
        (seeds / NEWS.name).symlink_to(NEWS)
    for i in range(6):
        write(seeds / f"extra-{i}.txt", f"Extra {i}\n\nOfficials said {40 + i} people died in the Ohio floods on Monday.\n"
                                        f"The city spent ${i + 1}.5 million on the new bridge in 2019.\nThank you for reading.\n")
    batch = 25 if NEWS.is_file() else 2  # several batches, so both workers take some
    config = write(tmp_path / "config.yaml", CONFIG.read_text(encoding="utf-8").replace("batch_size: 50", f"batch_size: {batch}"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
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

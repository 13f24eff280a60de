"""Worker processes (run.workers): the plain runner's batches on a process pool, each worker with
its share of the cores, the same report as one process, errors and dead workers reported."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from factflow.config import LoadedConfig
from factflow.errors import InputError, WorkerError
from factflow.models import Document
from factflow.pipeline import PlainRunner, Stage, run_pipeline
from factflow.runtime import default_threads
from factflow.stages import ARTICLE_CHARS, MIN_WEIGHT, RunContext, extract_batches, weight
from factflow.workers import processes, threads_per_worker
from tests.conftest import ROOT, mixed_seeds

_STAMP = re.compile(r"^generated_at: .*$", re.MULTILINE)


# Stage functions for these tests. Worker processes import them by name, so they live at module level.


def where_it_ran(ctx: RunContext, batch: list[int]) -> tuple[list[int], int, int]:
    """The batch back, with the process that ran it and the model threads that process allows.

    Each batch first waits (up to a minute) until two processes have written their pid under
    ``ctx.out``: the batches finish only if two workers run at the same time.
    """
    (ctx.out / f"{os.getpid()}.pid").touch()
    deadline = time.monotonic() + 60
    while len(list(ctx.out.glob("*.pid"))) < 2:
        if time.monotonic() > deadline:
            raise TimeoutError("a second worker process never started")
        time.sleep(0.05)
    return batch, os.getpid(), default_threads()


def fails_on_two(ctx: RunContext, batch: list[int]) -> list[int]:
    """The batch back, or an input error for the batch holding 2."""
    if 2 in batch:
        raise InputError(ctx.seeds / "two.txt", "two is not allowed here", line=2)
    return batch


def dies_on_two(ctx: RunContext, batch: list[int]) -> list[int]:
    """The batch back; the process taking the batch holding 2 exits at once, as a killed worker would."""
    if 2 in batch:
        os._exit(9)
    return batch


def sleeps(ctx: RunContext, batch: list[int]) -> list[int]:
    """The batch back, after writing this process's pid under ``ctx.out`` and a minute's sleep, as a long batch."""
    (ctx.out / f"{os.getpid()}.pid").touch()
    time.sleep(60)
    return batch


# A run of the sleeping stage on two workers, in a process of its own (argv: the output folder).
_RUN_OF_SLEEPS = """
import sys
from pathlib import Path

from factflow.config import load_config
from factflow.pipeline import PlainRunner, Stage
from factflow.stages import RunContext
from tests.test_workers import sleeps

out = Path(sys.argv[1])
list(PlainRunner().map(Stage("sleeps", "Sleeping", sleeps), RunContext(load_config(None).with_changes("run", workers=2), out, out), [[0], [1], [2]]))
"""


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _context(loaded: LoadedConfig, tmp_path: Path, workers: int) -> RunContext:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return RunContext(loaded.with_changes("run", workers=workers), tmp_path, out)


def test_batches_run_on_two_worker_processes_each_with_its_share_of_the_cores(loaded: LoadedConfig, tmp_path: Path) -> None:
    ctx = _context(loaded, tmp_path, workers=2)
    batches = [[0, 1], [2], [3, 4], [5]]
    finished = list(PlainRunner().map(Stage("where", "Where", where_it_ran), ctx, batches))
    assert sorted(i for i, _ in finished) == [0, 1, 2, 3]
    assert all(result[0] == batches[i] for i, result in finished)
    pids = {pid for _, (_, pid, _) in finished}
    assert len(pids) == 2 and os.getpid() not in pids
    assert {threads for _, (_, _, threads) in finished} == {max(1, (os.cpu_count() or 1) // 2)}
    assert default_threads() == min(2, os.cpu_count() or 1)  # this process keeps its own


def test_one_worker_runs_the_batches_in_this_process(loaded: LoadedConfig, tmp_path: Path) -> None:
    ctx = _context(loaded, tmp_path, workers=1)
    (ctx.out / "other.pid").touch()  # where_it_ran waits for two pids: ours and this one
    finished = list(PlainRunner().map(Stage("where", "Where", where_it_ran), ctx, [[0], [1]]))
    assert [(i, pid) for i, (_, pid, _) in finished] == [(0, os.getpid()), (1, os.getpid())]


def test_a_pool_is_only_started_for_more_than_one_batch(loaded: LoadedConfig) -> None:
    run = loaded.with_changes("run", workers=4).config.run
    assert [processes(run, [[0]] * n) for n in (0, 1, 2, 3, 9)] == [1, 1, 2, 3, 4]
    assert threads_per_worker(1) == os.cpu_count() and threads_per_worker(10_000) == 1


def _documents(n: int, chars: int) -> list[Document]:
    return [Document(id=f"d{i}", path=f"d{i}.txt", title="T", text="x" * chars, sha256="0" * 64) for i in range(n)]


def test_with_several_workers_each_gets_several_batches(loaded: LoadedConfig, tmp_path: Path) -> None:
    documents = _documents(250, ARTICLE_CHARS)  # article-sized: each counts as one
    sizes = {}
    for workers in (1, 2, 4):
        ctx = _context(loaded.with_changes("run", batch_size=50), tmp_path, workers)
        sizes[workers] = [len(b) for b in extract_batches(ctx, documents, None)]
        assert [d for b in extract_batches(ctx, documents, None) for d in b] == documents
    assert sizes[1] == [50] * 5  # one worker: run.batch_size as it is
    assert sizes[2] == [16] * 15 + [10]
    assert sizes[4] == [8] * 31 + [2]
    ctx = _context(loaded.with_changes("run", batch_size=5), tmp_path, workers=2)
    assert [len(b) for b in extract_batches(ctx, documents, None)] == [5] * 50  # never more than run.batch_size


def test_short_documents_share_a_batch_by_their_length(loaded: LoadedConfig, tmp_path: Path) -> None:
    """A task run costs the same whatever it holds: 2,000 one-sentence documents are not 40 batches of 50."""
    ctx = _context(loaded.with_changes("run", batch_size=50), tmp_path, workers=1)
    short = _documents(2_000, ARTICLE_CHARS // 10)  # a tenth of an article each: 500 to a batch
    assert [len(b) for b in extract_batches(ctx, short, None)] == [500] * 4
    longer = _documents(120, 3 * ARTICLE_CHARS)  # longer than an article: still one each
    assert [len(b) for b in extract_batches(ctx, longer, None)] == [50, 50, 20]
    empty = _documents(10_000, 0)  # even an empty document counts for something
    assert [len(b) for b in extract_batches(ctx, empty, None)] == [5_000] * 2
    mixed = [*_documents(45, ARTICLE_CHARS), *short[:100], *longer[:10]]  # 45 + 100 tenths: 50 in the first batch, then the rest
    assert [len(b) for b in extract_batches(ctx, mixed, None)] == [95, 60]
    assert [d for b in extract_batches(ctx, mixed, None) for d in b] == mixed
    two = _context(loaded.with_changes("run", batch_size=50), tmp_path, workers=2)  # 200 articles' worth: 13 a batch, 16 batches
    assert [len(b) for b in extract_batches(two, short, None)] == [130] * 15 + [50]
    assert weight(short[0]) == pytest.approx(0.1) and weight(longer[0]) == 1.0 and weight(empty[0]) == MIN_WEIGHT


def test_an_error_in_a_worker_reaches_the_run_as_itself(loaded: LoadedConfig, tmp_path: Path) -> None:
    ctx = _context(loaded, tmp_path, workers=2)
    with pytest.raises(InputError) as caught:
        list(PlainRunner().map(Stage("fails", "Failing", fails_on_two), ctx, [[0, 1], [2, 3], [4]]))
    assert (caught.value.path, caught.value.line) == (str(tmp_path / "two.txt"), 2)
    assert str(caught.value) == f"{tmp_path / 'two.txt'}:2: two is not allowed here"


def test_a_worker_that_dies_stops_the_run_with_a_hint(loaded: LoadedConfig, tmp_path: Path) -> None:
    ctx = _context(loaded, tmp_path, workers=2)
    with pytest.raises(WorkerError, match=r"a worker process died while running dies .*set run.workers: 1"):
        list(PlainRunner().map(Stage("dies", "Dying", dies_on_two), ctx, [[0, 1], [2, 3], [4]]))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_workers_end_when_the_run_is_killed(tmp_path: Path) -> None:
    run = subprocess.Popen([sys.executable, "-c", _RUN_OF_SLEEPS, str(tmp_path)], cwd=ROOT)
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(pids) < 2 and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.1)
            pids = [int(path.stem) for path in tmp_path.glob("*.pid")]
        assert len(pids) == 2, "two workers should be sleeping on a batch each"
        run.kill()  # as the OOM killer or kill -9 would: no clean-up runs in the run's process
        run.wait()
        deadline = time.monotonic() + 15
        while any(map(_alive, pids)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(map(_alive, pids)), "a worker outlived the run that started it"
    finally:
        run.kill()
        for pid in filter(_alive, pids):
            os.kill(pid, signal.SIGKILL)


def test_two_workers_write_the_same_report_as_one(loaded: LoadedConfig, tmp_path: Path) -> None:
    """The seed, 12 articles of the news sample (when ../shared is there) and a few small documents,
    in batches of 3, extracted by one process and by two worker processes."""
    seeds = mixed_seeds(tmp_path / "seeds", 12)
    reports, tasks = {}, {}
    for workers in (1, 2):
        out = tmp_path / f"out-{workers}"
        result = run_pipeline(loaded.with_changes("run", workers=workers, batch_size=3), seeds, out)
        assert result.extracted == result.report.summary.documents >= 7
        reports[workers] = _STAMP.sub("", result.report_path.read_text(encoding="utf-8"))
        tasks[workers] = {p.name: p.read_text(encoding="utf-8") for p in (out / "review" / "tasks").glob("*.yaml")}
    assert reports[2] == reports[1]
    assert tasks[2] == tasks[1] and len(tasks[1]) >= 10

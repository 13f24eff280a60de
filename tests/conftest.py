"""Shared fixtures: small folders named for what they hold, real files, no mocks of our code."""

from __future__ import annotations

import csv
import fcntl
import functools
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from factflow.config import Config, LoadedConfig, load_config

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_5a79ae4ef19c807c.txt"
CONFIG = ROOT / "config" / "factflow.yaml"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """A seeds folder holding a copy of the seed article."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """An empty output folder."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def loaded() -> LoadedConfig:
    """The shipped config."""
    return load_config(CONFIG)


def write(path: Path, text: str) -> Path:
    """Write a UTF-8 file, creating folders; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def api_server() -> Iterator[HTTPServer]:
    """A real, threaded HTTP server on 127.0.0.1 (a free port); tests register the answers it gives."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


def online_config(server: HTTPServer, out: Path, **http: Any) -> LoadedConfig:
    """The shipped config, online, with every API pointed at ``server`` and quick, polite-but-fast HTTP settings."""
    base = load_config(CONFIG)
    base_url = server.url_for("/").rstrip("/")
    data = base.config.model_dump()
    data["sources"]["online"] = True
    for api in data["sources"]["apis"]:
        data["sources"]["apis"][api]["base_url"] = base_url
    data["http"].update({"min_interval_seconds": 0.0, "backoff_seconds": 0.01, "timeout_seconds": 5.0, **http})
    data["ingest"]["allow_loopback"] = True
    return LoadedConfig(config=Config.model_validate(data), path=str(CONFIG), sha256=base.sha256)


NEWS = SHARED / "data" / "news" / "fakenewscorpus_sample.csv"


def news_sample(path: Path, articles: int) -> Path:
    """The first ``articles`` rows of the news sample, as a CSV of the same columns."""
    csv.field_size_limit(2**31 - 1)
    with NEWS.open(encoding="utf-8", newline="") as source, path.open("w", encoding="utf-8", newline="") as target:
        rows = csv.reader(source)
        csv.writer(target).writerows(row for _, row in zip(range(articles + 1), rows, strict=False))
    return path


def mixed_seeds(folder: Path, articles: int) -> Path:
    """A seeds folder for runs that spread batches over workers: the seed, the first ``articles``
    articles of the news sample (when ../shared is there) and six small documents."""
    folder.mkdir(parents=True)
    shutil.copy(SEED, folder / SEED.name)
    if NEWS.is_file():
        news_sample(folder / NEWS.name, articles)
    for i in range(6):
        write(folder / f"extra-{i}.txt", f"Extra {i}\n\nOfficials said {40 + i} people died in the Ohio floods on Monday.\n"
                                         f"The city spent ${i + 1}.5 million on the new bridge in 2019.\nThank you for reading.\n")
    return folder


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``make test`` runs the suite on pytest-xdist's workers. Tests that share a fixture built once per
    session or module run on one worker, so that it is built once: the large desk (a run over 750
    articles), a module's Prefect server. Every other test goes to whichever worker is free, in the
    order of :func:`pytest_collection_modifyitems`. Other --dist modes keep xdist's own scheduler."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtures(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _shared_fixtures(nodeid.split("::", 1)[0]) or nodeid

    config.option.loadscopereorder = False  # keep the collection's order
    return SharedFixtures(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The large desk's tests first, the Prefect tests (a server, workers, flow runs: several processes
    each) last: on two workers, the desk's timed commands then run beside single-process tests only."""
    def rank(item: pytest.Item) -> int:
        if _shared_fixtures(item.nodeid.split("::", 1)[0]) == "large_desk":
            return 0
        return 2 if item.get_closest_marker("prefect") else 1

    items.sort(key=rank)  # stable: each module's tests keep their order


@functools.cache
def _shared_fixtures(module: str) -> str | None:
    """What the tests of a module share, read from its text (the scheduler sees test ids, not fixtures):
    the large desk, or a fixture of its own built once per module; None if nothing."""
    path = ROOT / module
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if "large_desk" in text:
        return "large_desk"
    return module if re.search(r"scope=[\"'](module|session)[\"']", text) else None


@pytest.fixture(autouse=True)
def _sentences_scored_afresh() -> None:
    """Each test starts with no remembered assessments and the shipped memo size (see
    factflow.claims.scoring._Memo), as a new process would: a test that counts what reaches a model must not find it scored by an earlier test."""
    from factflow.claims.scoring import forget_sentences, remember_sentences

    remember_sentences()  # the shipped size, whatever an earlier test set
    forget_sentences()


#: This pytest-xdist worker's two lock files (a gate, and the machine), shared by all workers; None when serial.
_LOCKS: tuple[int, int] | None = None


@pytest.fixture(autouse=True)
def _sharing_the_machine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """On pytest-xdist's workers each test holds the machine lock shared while it runs; :func:`alone` takes it whole."""
    global _LOCKS
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    if _LOCKS is None:
        root = tmp_path_factory.getbasetemp().parent  # the run's folder, above each worker's own
        _LOCKS = (os.open(root / "machine.gate", os.O_RDWR | os.O_CREAT), os.open(root / "machine.lock", os.O_RDWR | os.O_CREAT))
    gate, machine = _LOCKS
    fcntl.flock(gate, fcntl.LOCK_SH)  # not past a worker that waits for the machine to itself
    fcntl.flock(machine, fcntl.LOCK_SH)
    fcntl.flock(gate, fcntl.LOCK_UN)
    try:
        yield
    finally:
        fcntl.flock(machine, fcntl.LOCK_UN)


@contextmanager
def alone() -> Iterator[None]:
    """A section that a wall-clock bound measures: on pytest-xdist's workers it waits until the other
    workers' current tests end and holds their next ones back, so that the bound measures the command
    on this machine, as a serial run does, and not the suite's other tests beside it."""
    if _LOCKS is None:
        yield
        return
    gate, machine = _LOCKS
    fcntl.flock(machine, fcntl.LOCK_UN)  # our own test's share first, or two workers wanting the machine would wait on each other
    fcntl.flock(gate, fcntl.LOCK_EX)
    fcntl.flock(machine, fcntl.LOCK_EX)
    fcntl.flock(gate, fcntl.LOCK_UN)
    try:
        yield
    finally:
        fcntl.flock(machine, fcntl.LOCK_SH)


@pytest.fixture(scope="session")
def large_desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of a real run on 750 articles (the news sample and two copies with shifted
    figures, as bench/pipeline.py makes them): over 5,000 claims, with verdicts agreeing, disagreeing
    and pending, collected by a second run."""
    import sys

    if not NEWS.is_file():
        pytest.skip(f"the news sample is not there ({NEWS}); the large-desk tests need it")
    sys.path.insert(0, str(ROOT / "bench"))
    from pipeline import generate  # bench/pipeline.py: the benchmark's own corpus generator

    from factflow.pipeline import run_pipeline

    base = tmp_path_factory.mktemp("large-desk")
    seeds = generate(NEWS, base / "seeds", copies=3).parent
    out = base / "out"
    # The n-gram detector: these tests are about reading and showing a desk of this size, and the
    # fastest detector makes the most claims of the 750 articles in the least time.
    loaded = load_config(CONFIG).with_changes("claims", detector="ngram")
    report = run_pipeline(loaded, seeds, out).report
    ratings = ["true", "mostly-true", "half-true", "mostly-false", "false", "pants-on-fire", "unverifiable"]
    for i, claim in enumerate(report.claims[:600]):
        for j, reviewer in enumerate(claim.assigned_to):
            if i % 5 == 4 and j == 1:
                continue  # pending: one reviewer has not rated yet
            rating = ratings[(i + j * (i % 3 == 0)) % len(ratings)]  # every third claim disputed
            write(out / "review" / "verdicts" / reviewer / f"{claim.id}.yaml",
                  f"claim: {claim.id}\nreviewer: {reviewer}\nrating: '{rating}'\nrationale: Checked claim {i}.\n"
                  f"evidence: [https://example.org/{claim.id}]\n")
    run_pipeline(loaded, seeds, out)
    return out

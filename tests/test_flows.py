"""The Prefect flow, under Prefect's test harness: same report as the plain pipeline; quiet CLI run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import yaml
from pytest_httpserver import HTTPServer

from factflow.config import LoadedConfig, load_config
from factflow.pipeline import Stage, run_pipeline
from factflow.reportfile import report_schema
from factflow.stages import RunContext
from tests import public_apis
from tests.conftest import CONFIG, ROOT, mixed_seeds, online_config, write
from tests.test_workers import where_it_ran

pytestmark = pytest.mark.prefect

_STAMP = re.compile(r"^generated_at: .*$", re.MULTILINE)


@pytest.fixture(scope="module")
def prefect_harness() -> Iterator[None]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), prefect_test_harness(server_startup_timeout=60):
        yield


def test_flow_writes_the_same_report_as_the_plain_pipeline(
    prefect_harness: None, seed_dir: Path, tmp_path: Path, loaded: LoadedConfig
) -> None:
    from factflow_flows.factcheck import factcheck

    flow_out, plain_out = tmp_path / "flow", tmp_path / "plain"
    result = factcheck(config=str(CONFIG), seeds=str(seed_dir), out=str(flow_out))
    run_pipeline(loaded, seed_dir, plain_out)
    flow_text = (flow_out / "reports" / "verdicts.yaml").read_text(encoding="utf-8")
    plain_text = (plain_out / "reports" / "verdicts.yaml").read_text(encoding="utf-8")
    assert _STAMP.sub("", flow_text) == _STAMP.sub("", plain_text)
    report = yaml.safe_load(flow_text)
    jsonschema.validate(report, report_schema())
    assert result.report.summary.claims == len(report["claims"]) > 0
    texts = [c["text"] for c in report["claims"]]
    for needle in ["hundreds of soldiers", "25 to 30 percent", "Idlib", "only Quneitra", "Division 52", "Putin in Moscow"]:
        assert sum(needle in t for t in texts) == 1, needle
    for needle in ["logged in", "WorldTribune", "I can’t see the Russian presence", "Combat will continue"]:
        assert not any(needle in t for t in texts), needle
    assert sum("Russian Air Force technicians" in t for t in texts) <= 1
    stubs = list((flow_out / "review" / "verdicts").glob("*/c-*.yaml"))
    assert len(stubs) == 2 * len(texts)


def test_flow_publishes_its_summary_and_progress_as_artifacts(prefect_harness: None, seed_dir: Path, out_dir: Path) -> None:
    import asyncio

    from factflow_flows.factcheck import factcheck
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    state = factcheck(config=str(CONFIG), seeds=str(seed_dir), out=str(out_dir), return_state=True)
    result = state.result()

    async def artifacts() -> list:
        async with get_client() as client:
            return await client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))

    found = {a.key: a for a in asyncio.run(artifacts())}
    assert {"factcheck-summary", "factcheck-report", "factcheck-progress"} <= found.keys()
    assert found["factcheck-progress"].data == 100.0
    table = found["factcheck-summary"].data
    rows = json.loads(table) if isinstance(table, str) else table
    assert {"what": "claims", "count": result.report.summary.claims} in rows
    assert "| Claim | Type | Consensus |" in found["factcheck-report"].data


def test_flow_collects_a_verdict_on_rerun(prefect_harness: None, seed_dir: Path, out_dir: Path) -> None:
    from factflow_flows.factcheck import factcheck

    first = factcheck(config=str(CONFIG), seeds=str(seed_dir), out=str(out_dir))
    cid = first.report.claims[0].id
    for reviewer in ("reviewer-1", "reviewer-2"):
        (out_dir / "review" / "verdicts" / reviewer / f"{cid}.yaml").write_text(
            f"claim: {cid}\nreviewer: {reviewer}\nrating: mostly-true\nrationale: Matches agency figures.\n"
            "evidence: [https://example.org/source]\n",
            encoding="utf-8",
        )
    second = factcheck(config=str(CONFIG), seeds=str(seed_dir), out=str(out_dir))
    assert (first.extracted, second.extracted, second.cached) == (1, 0, 1)  # the rerun took the seed from the cache
    assert [c.id for c in second.report.claims] == [c.id for c in first.report.claims]
    assert second.report.claims[0].consensus.status == "agreed"
    assert second.report.summary.by_consensus["agreed"] == 1


def test_flow_with_two_workers_writes_the_same_report_as_the_plain_pipeline(prefect_harness: None, tmp_path: Path) -> None:
    """run.workers: 2 sends the extraction batches to Prefect's process pool; the report is the one of a plain run in one process."""
    from factflow_flows.factcheck import factcheck

    seeds = mixed_seeds(tmp_path / "seeds", 12)
    config = write(tmp_path / "config.yaml", CONFIG.read_text(encoding="utf-8").replace("batch_size: 50", "batch_size: 3")
                   .replace("  workers: 1 ", "  workers: 2 "))
    loaded = load_config(config)
    assert (loaded.config.run.workers, loaded.config.run.batch_size) == (2, 3)
    flow_out, plain_out = tmp_path / "flow", tmp_path / "plain"
    result = factcheck(config=str(config), seeds=str(seeds), out=str(flow_out))
    run_pipeline(loaded.with_changes("run", workers=1), seeds, plain_out)
    flow_text = (flow_out / "reports" / "verdicts.yaml").read_text(encoding="utf-8")
    assert _STAMP.sub("", flow_text) == _STAMP.sub("", (plain_out / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))
    assert result.extracted == result.report.summary.documents >= 7


def test_flow_runs_a_mapped_stage_on_two_processes_when_run_workers_is_two(prefect_harness: None, loaded: LoadedConfig, tmp_path: Path) -> None:
    from factflow_flows.runner import PrefectRunner
    from prefect import flow

    out = tmp_path / "out"
    out.mkdir()
    ctx = RunContext(loaded.with_changes("run", workers=2), tmp_path, out)
    batches = [[0, 1], [2], [3, 4], [5]]

    @flow
    def mapped() -> list[tuple[int, tuple[list[int], int, int]]]:
        return list(PrefectRunner().map(Stage("where", "Where", where_it_ran), ctx, batches))

    finished = mapped()
    assert sorted(i for i, _ in finished) == [0, 1, 2, 3]
    assert all(result[0] == batches[i] for i, result in finished)
    pids = {pid for _, (_, pid, _) in finished}
    assert len(pids) == 2 and os.getpid() not in pids  # where_it_ran waits until two processes run it at once
    assert {threads for _, (_, _, threads) in finished} == {max(1, (os.cpu_count() or 1) // 2)}


def test_cli_run_is_quiet_and_isolated(seed_dir: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    done = subprocess.run(
        [sys.executable, "-m", "factflow_flows.cli", "run", "--config", str(CONFIG), "--seeds", str(seed_dir), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Traceback" not in output and "ERROR" not in output and "| INFO" not in output
    assert "claims" in done.stdout and "Report:" in done.stdout
    assert (tmp_path / ".prefect").is_dir(), "PREFECT_HOME should default to ./.prefect"
    assert (tmp_path / "out" / "reports" / "verdicts.yaml").is_file()
    assert ROOT.exists()


def test_online_flow_resolves_sources_like_the_plain_pipeline(
    prefect_harness: None, seed_dir: Path, tmp_path: Path, api_server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from factflow_flows.factcheck import factcheck

    monkeypatch.setenv("FACTCHECK_API_KEY", public_apis.SECRET_KEY)
    public_apis.install(api_server)
    loaded = online_config(api_server, tmp_path)
    config = tmp_path / "online.yaml"
    data = loaded.config.model_dump()
    data["sources"]["online"] = False  # the flow's online parameter turns it on, as --online does
    config.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    flow_out, plain_out = tmp_path / "flow", tmp_path / "plain"
    result = factcheck(config=str(config), seeds=str(seed_dir), out=str(flow_out), online=True)
    run_pipeline(load_config(config).going_online(), seed_dir, plain_out)
    flow_text = (flow_out / "reports" / "verdicts.yaml").read_text(encoding="utf-8")
    assert _STAMP.sub("", flow_text) == _STAMP.sub("", (plain_out / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))
    statuses = {s.status for c in result.report.claims for s in c.sources}
    assert "resolved" in statuses
    assert public_apis.SECRET_KEY not in flow_text


def test_a_run_on_its_own_temporary_server_sends_no_heartbeats(monkeypatch: pytest.MonkeyPatch) -> None:
    from factflow_flows.cli import no_heartbeats
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, get_current_settings, temporary_settings

    def frequency() -> int | None:
        return get_current_settings().flows.heartbeat_frequency

    monkeypatch.delenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", raising=False)
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: 90}):  # heartbeats on, as by Prefect's default
        with no_heartbeats(temporary=True):
            assert frequency() is None
        assert frequency() == 90
        with no_heartbeats(temporary=False):  # a long-running server (PREFECT_API_URL) watches for crashed runs
            assert frequency() == 90
        monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "60")  # the user's own setting stands
        with no_heartbeats(temporary=True):
            assert frequency() == 90


def test_the_flow_lets_go_of_the_extractions_once_claims_are_planned(prefect_harness: None, seed_dir: Path, tmp_path: Path) -> None:
    """As the plain runner does: by the time task files are written, no document's extraction is alive.
    Prefect's futures of the extraction batches hold their results in reference cycles, which the
    paused cyclic collector would keep until the flow ends (a quarter of a gigabyte at 100,000 documents)."""
    import gc

    from factflow_flows.factcheck import PROGRESS, factcheck

    from factflow.models import DocumentClaims

    for i in range(6):  # several batches: each a task run, each with its future
        write(seed_dir / f"more-{i}.txt", f"Report {i}\n\nOfficials said {40 + i} people died in the Ohio floods on Monday.\n")
    alive: dict[str, int] = {}

    def count(label: str, done: int, total: int) -> None:
        if label not in alive:
            alive[label] = sum(1 for o in gc.get_objects() if isinstance(o, DocumentClaims))

    token = PROGRESS.set(count)
    try:
        config = tmp_path / "small-batches.yaml"
        data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
        data.setdefault("run", {})["batch_size"] = 1
        config.write_text(yaml.safe_dump(data), encoding="utf-8")
        factcheck(config=str(config), seeds=str(seed_dir), out=str(tmp_path / "out"))
    finally:
        PROGRESS.reset(token)
    assert alive["Planning tasks"] >= 7  # the extractions, while claims are merged
    assert alive["Writing tasks"] == 0 and alive["Writing the report"] == 0


def test_a_config_pattern_that_backtracks_stops_the_flow_with_one_error_line_and_no_traceback(tmp_path: Path) -> None:
    """Under Prefect the task run's failure was logged with Prefect's traceback before the Error line;
    our errors are printed once, in one line (the traceback only with --debug)."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Title\n\nThe ministry said 300 troops arrived in 2015.\n" + "abc" * 990 + "!\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text("claims:\n  max_sentence_chars: 50000\n  boilerplate_patterns:\n  - '(abc|a\\wc)+$'\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    command = [sys.executable, "-m", "factflow_flows.cli", "run", "--config", str(config), "--seeds", str(seeds), "--out", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output, output
    [line] = [x for x in output.splitlines() if x.startswith("Error: ")]
    assert line.startswith("Error: claims.boilerplate_patterns: ") and " took more than 2 s on the sentence at " in line and "a.txt:4 " in line


def test_without_debug_prefects_run_loggers_show_no_traceback_and_our_errors_not_at_all() -> None:
    import logging

    from factflow_flows.console import _NoTracebackForOurErrors

    from factflow.errors import ConfigError

    def record(exc: BaseException) -> logging.LogRecord:
        try:
            raise exc
        except BaseException:
            return logging.LogRecord("prefect.task_runs", logging.ERROR, __file__, 1, "Task run failed", None, sys.exc_info())

    keep = _NoTracebackForOurErrors()
    assert not keep.filter(record(ConfigError("claims.boilerplate_patterns", "took too long")))
    other = record(RuntimeError("a bug"))
    assert keep.filter(other) and other.exc_info is None
    assert "Traceback" not in logging.Formatter().format(other)
    plain = logging.LogRecord("prefect.task_runs", logging.ERROR, __file__, 1, "Finished in state Failed", None, None)
    assert keep.filter(plain)

"""Every command works on the report a real run writes at desk size (over 5,000 claims), in seconds."""

from __future__ import annotations

import json
import time
from pathlib import Path

import yaml
from click.testing import CliRunner
from factflow_flows.cli import main

from tests.conftest import CONFIG, alone


def invoke(*args: str) -> tuple[int, str, float]:
    with alone():
        start = time.perf_counter()
        result = CliRunner().invoke(main, list(args))
        return result.exit_code, result.output, time.perf_counter() - start


def summary_of(report: Path) -> dict:
    """The report's summary, parsed from the top of the file alone (the whole file takes a while)."""
    text = report.read_text(encoding="utf-8")
    return yaml.safe_load(text[:text.index("\nscale:")])["summary"]


def test_the_large_desk_is_large(large_desk: Path) -> None:
    summary = summary_of(large_desk / "reports" / "verdicts.yaml")
    assert summary["claims"] >= 5000
    assert summary["by_consensus"]["agreed"] > 50 and summary["by_consensus"]["disputed"] > 50


def test_report_html_and_markdown_read_a_desk_size_report(large_desk: Path, tmp_path: Path) -> None:
    report = large_desk / "reports" / "verdicts.yaml"
    for fmt, name in (("html", "summary.html"), ("markdown", "summary.md")):
        code, out, seconds = invoke("report", "--report", str(report), "--format", fmt, "-o", str(tmp_path / name))
        assert code == 0, out
        assert seconds < 20, f"{fmt}: {seconds:.1f} s"
        assert (tmp_path / name).stat().st_size > 100_000


def test_export_claimreview_reads_a_desk_size_report(large_desk: Path) -> None:
    report = large_desk / "reports" / "verdicts.yaml"
    code, out, seconds = invoke("export", "claimreview", "--report", str(report), "--config", str(CONFIG),
                                "--publisher-url", "https://desk.example/checks")
    assert code == 0, out[-2000:]
    reviews = json.loads(out)
    by_consensus = summary_of(report)["by_consensus"]
    assert len(reviews) == by_consensus["agreed"] + by_consensus["adjudicated"] > 50
    assert seconds < 10, f"{seconds:.1f} s"


def test_check_reads_a_desk_size_output_folder(large_desk: Path) -> None:
    code, out, _ = invoke("check", "--config", str(CONFIG), "--out", str(large_desk))
    assert code == 0, out[-2000:]
    assert "with problems: 0" in out or " 0 with problems" in out

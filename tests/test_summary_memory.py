"""``factflow report`` at desk size: what the summary holds in memory while it reads a report and writes the page.

A report of a few thousand claims (each a real run's claim with its reasons, anatomy and eight
sources) and as many documents; the peak is measured with tracemalloc around the command, in this
process, and bounded per claim. The figures are of the command, not the machine: no timing.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner
from factflow_flows.cli import main

from factflow.config import LoadedConfig
from factflow.export import load_report
from factflow.models import ReportDocument
from factflow.pipeline import run_pipeline
from factflow.reportfile import write_report
from tests.conftest import write

CLAIMS = 3_000


@pytest.fixture(scope="module")
def desk_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report of :data:`CLAIMS` claims in as many documents, a quarter of them rated, written as a run writes it (with its twin)."""
    from factflow.config import load_config
    from tests.conftest import CONFIG

    loaded: LoadedConfig = load_config(CONFIG)
    base = tmp_path_factory.mktemp("summary-memory")
    write(base / "seeds" / "a.txt", "Bridge costs\n\nThe city spent $3.2 million on the new bridge in 2019, officials said.\n"
                                    "Rebels seized the northern city of Idlib in March 2015, according to the army.\n"
                                    "Unemployment fell to 4.1 percent in 2019, according to the Labor Department.\n"
                                    "Officials said 40 people died in the Ohio floods on Monday.\n")
    out = base / "out"
    run_pipeline(loaded, base / "seeds", out)
    for claim in load_report(out / "reports" / "verdicts.yaml").claims:
        for reviewer in claim.assigned_to:
            write(out / "review" / "verdicts" / reviewer / f"{claim.id}.yaml",
                  f"claim: {claim.id}\nreviewer: {reviewer}\nrating: mostly-true\nrationale: Checked the figures.\n"
                  f"evidence: [https://example.org/{claim.id}]\n")
    run_pipeline(loaded, base / "seeds", out)
    real = load_report(out / "reports" / "verdicts.yaml")
    document = real.documents[0]
    documents = [ReportDocument(**(document.model_dump() | {"id": f"doc-{i:05d}", "title": f"{document.title} {i}", "claims": 1}))
                 for i in range(CLAIMS)]
    claims = [claim.model_copy(update={"id": f"c-{i:012x}", "text": f"{claim.text} (copy {i})", "document": f"doc-{i:05d}",
                                       "sources": [*claim.sources, *claim.sources][:8]})
              for i in range(CLAIMS) for claim in [real.claims[i % len(real.claims)]]]
    path = base / "big" / "verdicts.yaml"
    write_report(real.model_copy(update={"documents": documents, "claims": claims}), path)
    for fmt in ("markdown", "html"):  # once before measuring: the modules and charts' fonts a first summary loads are not the report's
        CliRunner().invoke(main, ["report", "--report", str(real_path(out)), "--format", fmt, "-o", str(base / f"first.{fmt}")])
    return path


def real_path(out: Path) -> Path:
    return out / "reports" / "verdicts.yaml"


def peak_of(*args: str) -> int:
    """The command's peak of traced memory, in bytes (what it allocates beyond what this process held)."""
    tracemalloc.start()
    try:
        result = CliRunner().invoke(main, list(args))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 0, result.output
    return peak


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_the_summary_reads_only_what_it_shows_of_each_claim(desk_report: Path, tmp_path: Path, fmt: str) -> None:
    """A claim's reasons, anatomy, appearances and the fields of its sources that the page does not show
    are skipped as the report is read (a whole report's claims held 127 MB at 9,400 claims); and the page is
    written as it is made, a claim at a time, never held whole as text (60 MB of text at 34,000 claims, held
    as the HTML data, its escaped copy, the template's copy of it and the page, two bytes a character)."""
    peak = peak_of("report", "--report", str(desk_report), "--format", fmt, "-o", str(tmp_path / f"summary.{fmt}"))
    print(f"{fmt}: {peak / CLAIMS:.0f} bytes a claim at the peak")
    assert peak / CLAIMS < {"markdown": 5_500, "html": 6_000}[fmt], f"{peak / CLAIMS:.0f} bytes a claim"


def test_the_claimreview_export_reads_only_what_a_review_shows(desk_report: Path) -> None:
    """A review shows a claim's text, where it appeared and its consensus: the rest of each claim (its
    sources, reasons, anatomy, verdicts) and of each document is skipped as the report is read
    (451 MB -> 153 MB at 34,000 claims and 100,000 documents)."""
    peak = peak_of("export", "claimreview", "--report", str(desk_report), "--publisher-url", "https://desk.example/checks")
    assert peak / CLAIMS < 6_000, f"{peak / CLAIMS:.0f} bytes a claim"

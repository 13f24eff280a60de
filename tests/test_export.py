"""Exports: ClaimReview JSON-LD, the HTML and Markdown summaries, and the summary in a real browser."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from factflow_flows.cli import main

from factflow.config import LoadedConfig
from factflow.pipeline import run_pipeline
from tests.conftest import ROOT, write

ARTIFACTS = ROOT / ".pytest-artifacts"


@pytest.fixture
def rated_report(tmp_path: Path, loaded: LoadedConfig) -> Path:
    """A run on two documents (one with front-matter-like metadata set) with agreed, disputed, unverifiable and pending claims."""
    seeds = tmp_path / "seeds"
    write(seeds / "a.txt", "Bridge costs\n\nThe city spent $3.2 million on the new bridge in 2019, officials said.\n"
                            "Rebels seized the northern city of Idlib in March 2015.\n"
                            "Unemployment fell to 4.1 percent in 2019, according to the Labor Department.\n"
                            "Officials said 40 people died in the Ohio floods on Monday.\n")
    out = tmp_path / "out"
    run_pipeline(loaded, seeds, out)
    report = json.loads(json.dumps(__import__("yaml").safe_load((out / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))))
    ids = [c["id"] for c in report["claims"]]
    ratings = {ids[0]: ("mostly-true", "mostly-true"), ids[1]: ("'false'", "half-true"), ids[2]: ("unverifiable", "unverifiable")}
    for cid, (r1, r2) in ratings.items():
        for reviewer, rating in (("reviewer-1", r1), ("reviewer-2", r2)):
            write(out / "review" / "verdicts" / reviewer / f"{cid}.yaml",
                  f"claim: {cid}\nreviewer: {reviewer}\nrating: {rating}\nrationale: Checked <b>sources</b>.\nevidence: [https://example.org/{cid}]\n")
    run_pipeline(loaded, seeds, out)
    return out / "reports" / "verdicts.yaml"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_claimreview_lists_only_claims_with_a_consensus_rating(rated_report: Path) -> None:
    code, out = invoke("export", "claimreview", "--report", str(rated_report), "--publisher", "Desk", "--publisher-url", "https://desk.example/checks")
    assert code == 0, out
    reviews = json.loads(out)
    assert [r["reviewRating"]["alternateName"] for r in reviews] == ["Mostly true", "Unverifiable"]  # the scale's display names
    first = reviews[0]
    assert first["@context"] == "https://schema.org" and first["@type"] == "ClaimReview"
    assert first["claimReviewed"].startswith("The city spent $3.2 million")
    assert first["reviewRating"] == {"@type": "Rating", "ratingValue": 5, "bestRating": 6, "worstRating": 1, "alternateName": "Mostly true"}
    assert first["itemReviewed"]["@type"] == "Claim"
    assert first["author"] == {"@type": "Organization", "name": "Desk", "url": "https://desk.example/checks"}
    assert first["url"].startswith("https://desk.example/checks#c-")
    assert len(first["datePublished"]) == 10
    assert "ratingValue" not in reviews[1]["reviewRating"]  # unverifiable is off the numeric scale


def test_claimreview_names_the_outlet_date_and_appearance_when_known(rated_report: Path, tmp_path: Path) -> None:
    from factflow.export import load_report
    from factflow.export.claimreview import claim_reviews

    report = load_report(rated_report)
    doc = report.documents[0].model_copy(update={"url": "https://news.example/a", "published": "2019-05-02", "outlet": "Example News"})
    report = report.model_copy(update={"documents": [doc]})
    item = claim_reviews(report, "Desk", "https://desk.example")[0]["itemReviewed"]
    assert item == {"@type": "Claim", "author": {"@type": "Organization", "name": "Example News"}, "datePublished": "2019-05-02",
                    "appearance": [{"@type": "CreativeWork", "url": "https://news.example/a"}]}


def test_claimreview_needs_a_publisher_url(rated_report: Path, tmp_path: Path) -> None:
    code, out = invoke("export", "claimreview", "--report", str(rated_report), "--config", str(tmp_path / "none.yaml"))
    assert code == 2 and "--publisher-url" in out


def test_a_report_that_is_not_a_report_is_a_clear_error(tmp_path: Path) -> None:
    bad = write(tmp_path / "r.yaml", "schema_version: '1.0'\nclaims: 3\n")
    code, out = invoke("report", "--report", str(bad))
    assert code == 1 and f"{bad}:" in out and "required key is missing" in out


def claims_data(html: str) -> dict:
    """The claims the HTML summary carries for its script."""
    start = html.index('<script type="application/json" id="claims-data">') + len('<script type="application/json" id="claims-data">')
    return json.loads(html[start:html.index("</script>", start)])


def test_html_summary_shows_totals_charts_reviewers_and_carries_every_claim(rated_report: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "summary.html"
    code, out = invoke("report", "--report", str(rated_report), "--format", "html", "-o", str(out_file))
    assert code == 0, out
    html = out_file.read_text(encoding="utf-8")
    assert html.count("<svg") == 2
    assert 'id="reviewers"' in html and "alpha, ordinal): " in html
    assert "<script src" not in html and "<link" not in html and "http://" not in html.split("<body>")[0]  # self-contained
    data = claims_data(html)
    texts = [c["text"] for c in data["claims"]]
    assert any(t.startswith("The city spent $3.2 million") for t in texts)
    links = [url for c in data["claims"] for _, url in c["links"]]
    assert any(url.startswith("https://en.wikipedia.org/w/index.php?search=") for url in links)
    assert any(url.startswith("https://example.org/c-") for url in links)  # evidence links
    assert "Checked <b>sources</b>." in [v[2] for c in data["claims"] for v in c["verdicts"]]
    assert "<b>sources" not in html  # reviewers' text cannot end the script element or add markup
    again = tmp_path / "again.html"
    invoke("report", "--report", str(rated_report), "--format", "html", "-o", str(again))
    assert again.read_bytes() == out_file.read_bytes()  # deterministic, charts included


def test_html_summary_says_when_there_is_nothing_to_show(tmp_path: Path, loaded: LoadedConfig) -> None:
    seeds = tmp_path / "seeds"
    write(seeds / "a.txt", "Bridge costs\n\nThe city spent $3.2 million on the new bridge in 2019, officials said.\n")
    run_pipeline(loaded, seeds, tmp_path / "out")
    out_file = tmp_path / "summary.html"
    assert invoke("report", "--report", str(tmp_path / "out" / "reports" / "verdicts.yaml"), "-o", str(out_file))[0] == 0
    html = out_file.read_text(encoding="utf-8")
    assert html.count("<svg") == 1 and "No ratings yet" in html  # no empty chart frame
    assert "Agreement between reviewers: not measured yet" in html and "none yet" in html


def test_markdown_summary_writes_its_charts_beside_it(rated_report: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "summary.md"
    code, _ = invoke("report", "--report", str(rated_report), "--format", "markdown", "-o", str(out_file))
    assert code == 0
    text = out_file.read_text(encoding="utf-8")
    assert "![Ratings (claims with a consensus)](summary-ratings.svg)" in text
    assert (tmp_path / "summary-ratings.svg").read_text(encoding="utf-8").startswith("<svg")
    assert "| The city spent $3.2 million" in text and "**mostly-true**" in text
    code, stdout = invoke("report", "--report", str(rated_report), "--format", "markdown")
    assert code == 0 and "Claims by type:" in stdout


def test_a_capped_summary_lists_disputed_claims_first_and_counts_the_rest(rated_report: Path) -> None:
    from factflow.export import load_report
    from factflow.export.summary import render

    report = load_report(rated_report)
    disputed = next(c for c in report.claims if c.consensus.status == "disputed")
    text, _ = render(report, "markdown", max_claims=1)
    assert text.count("<br>`c-") == 1 and f"`{disputed.id}`" in text
    assert f"{len(report.claims) - 1} more claims are in the report." in text
    full, _ = render(report, "markdown")
    assert full.count("<br>`c-") == len(report.claims) and "more claims" not in full
    bars = [line for line in full.splitlines() if line.startswith("- ") and "█" in line]
    assert bars and all(0 < line.count("█") <= 40 for line in bars)


def test_html_summary_renders_in_headless_chromium(rated_report: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (make test installs Debian's package when run as root)")
    page = tmp_path / "summary.html"
    assert invoke("report", "--report", str(rated_report), "-o", str(page))[0] == 0
    flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "The city spent $3.2 million" in dom.stdout and dom.stdout.count("<svg") == 2
    assert 'id="claims"' in dom.stdout and "agreed" in dom.stdout
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-summary.png"
    shot.unlink(missing_ok=True)
    done = subprocess.run([*flags, "--window-size=1280,1600", f"--screenshot={shot}", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and shot.stat().st_size > 10_000, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot: {shot}")


def test_a_report_is_read_from_its_json_twin_only_while_the_twin_mirrors_it(rated_report: Path) -> None:
    from factflow.export import load_report
    from factflow.reportfile import twin_path

    assert twin_path(rated_report).is_file()
    fast = load_report(rated_report)
    edited = rated_report.read_text(encoding="utf-8") + "# edited by hand\n"
    rated_report.write_text(edited.replace("Checked <b>sources</b>.", "Checked again."), encoding="utf-8")
    slow = load_report(rated_report)  # the twin no longer mirrors the file: the YAML is read
    assert "Checked again." in [v.rationale for c in slow.claims for v in c.verdicts]
    assert slow.model_copy(update={"claims": fast.claims}) == fast
    twin_path(rated_report).unlink()
    assert load_report(rated_report) == slow


def test_a_twin_that_is_not_whole_is_not_read_and_one_of_the_layout_before_is(rated_report: Path) -> None:
    """The twin holds a line per document and claim after its layout line; one short of a line, one line
    longer, or a claim's line that is not JSON is not read: the YAML is, and says the same. (A reader of
    the claims alone skips the documents' lines unparsed.) The layout before (the report as one JSON
    object after the digest) is still read."""
    import hashlib
    import json

    from factflow.export import load_report
    from factflow.models import Report, ReportQueue
    from factflow.reportfile import read_twin, twin_path

    twin = twin_path(rated_report)
    good = twin.read_bytes()
    digest = hashlib.sha256(rated_report.read_bytes()).hexdigest()
    first, layout, head, *items = good.split(b"\n")
    assert first.decode() == digest and items.pop() == b"" and len(items) == sum(json.loads(layout)[k] for k in ("documents", "claims"))
    whole = read_twin(rated_report, digest, Report)
    assert whole is not None and read_twin(rated_report, digest, ReportQueue) is not None
    twin.unlink()
    from_yaml = load_report(rated_report)
    assert whole == from_yaml

    old = json.dumps({**json.loads(head), "documents": [json.loads(i) for i in items[:-len(from_yaml.claims)]],
                      "claims": [json.loads(i) for i in items[-len(from_yaml.claims):]]})
    damaged = {
        "a line short": b"\n".join([first, layout, head, *items[:-1]]) + b"\n",
        "a line more": good + items[0] + b"\n",
        "a claim's line not JSON": b"\n".join([first, layout, head, *items[:-1], items[-1][:-1]]) + b"\n",
        "another report": hashlib.sha256(b"other").hexdigest().encode() + good[64:],
    }
    twin.write_bytes(first + b"\n" + old.encode())  # the layout before: the whole report as one JSON object, still read
    assert read_twin(rated_report, digest, Report) == from_yaml
    for name, data in damaged.items():
        twin.write_bytes(data)
        assert read_twin(rated_report, digest, Report) is None, name
        assert read_twin(rated_report, digest, ReportQueue) is None, name
        assert load_report(rated_report) == from_yaml, name


def test_a_report_read_for_its_queue_holds_what_the_whole_report_says_of_each_claim(rated_report: Path) -> None:
    from factflow.export import load_report
    from factflow.models import ReportQueue
    from factflow.reportfile import twin_path

    whole = load_report(rated_report)

    def projected(report: ReportQueue) -> list[tuple[object, ...]]:
        return [(c.id, c.text, c.document, c.checkworthiness, c.assigned_to, c.consensus) for c in report.claims]

    expected = [(c.id, c.text, c.document, c.checkworthiness, c.assigned_to, c.consensus) for c in whole.claims]
    assert {c.consensus.status for c in whole.claims} >= {"agreed", "disputed", "pending"}
    from_twin = load_report(rated_report, ReportQueue)
    assert projected(from_twin) == expected and from_twin.generated_at == whole.generated_at
    twin_path(rated_report).unlink()  # the YAML, read for the same part
    assert projected(load_report(rated_report, ReportQueue)) == expected


def test_claimreview_is_dated_when_the_consensus_was_reached_and_reruns_keep_the_date(
    rated_report: Path, loaded: LoadedConfig, tmp_path: Path
) -> None:
    import time

    from factflow.export import load_report
    from factflow.export.claimreview import claim_reviews

    out = rated_report.parents[1]
    first = load_report(rated_report)
    agreed = {c.id: c.consensus.since for c in first.claims if c.consensus.status == "agreed"}
    assert agreed and all(since == first.generated_at for since in agreed.values())
    assert all(c.consensus.since is None for c in first.claims if c.consensus.status == "pending")
    time.sleep(1.1)  # the report's times have whole seconds
    run_pipeline(loaded, tmp_path / "seeds", out)
    second = load_report(rated_report)
    assert second.generated_at != first.generated_at
    assert {c.id: c.consensus.since for c in second.claims if c.id in agreed} == agreed
    dates = {r["url"]: r["datePublished"] for r in claim_reviews(second, "Desk", "https://desk.example")}
    assert set(dates.values()) == {first.generated_at[:10]}
    changed = next(iter(agreed))  # both reviewers change their minds: a new consensus, a new date
    for reviewer in ("reviewer-1", "reviewer-2"):
        write(out / "review" / "verdicts" / reviewer / f"{changed}.yaml",
              f"claim: {changed}\nreviewer: {reviewer}\nrating: half-true\nrationale: Rechecked.\n")
    run_pipeline(loaded, tmp_path / "seeds", out)
    third = load_report(rated_report)
    assert next(c for c in third.claims if c.id == changed).consensus.since == third.generated_at


def test_claimreview_names_ratings_as_the_scale_says(rated_report: Path) -> None:
    from factflow.config import RatingLevel
    from factflow.export import load_report
    from factflow.export.claimreview import claim_reviews

    report = load_report(rated_report)
    scale = [RatingLevel(**(level.model_dump() | {"name": f"Rated {level.label.upper()}"})) for level in report.scale]
    names = [r["reviewRating"]["alternateName"] for r in claim_reviews(report.model_copy(update={"scale": scale}), "Desk", "https://d.example")]
    assert names == ["Rated MOSTLY-TRUE", "Rated UNVERIFIABLE"]
    assert RatingLevel(label="pants-on-fire").name == "Pants on fire"


def test_the_summary_is_written_through_a_link_and_into_a_pipe_in_place(rated_report: Path, tmp_path: Path) -> None:
    """-o names where the summary goes: through a symbolic link (the link stays), into a pipe with a reader
    (written in place: renaming a file over a pipe or a device would replace the node itself), and a pipe
    nothing reads from is one error, not a wait."""
    import os
    import threading

    target = write(tmp_path / "real.html", "old")
    (tmp_path / "link.html").symlink_to(target)
    result = CliRunner().invoke(main, ["report", "--report", str(rated_report), "-o", str(tmp_path / "link.html")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "link.html").is_symlink() and target.read_text(encoding="utf-8").startswith("<!doctype html>")
    pipe = tmp_path / "pipe.md"
    os.mkfifo(pipe)
    result = CliRunner().invoke(main, ["report", "--report", str(rated_report), "--format", "markdown", "-o", str(pipe)])
    assert result.exit_code == 1 and f"{pipe}: a named pipe nothing reads from" in result.output
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    while not received:
        result = CliRunner().invoke(main, ["report", "--report", str(rated_report), "--format", "markdown", "-o", str(pipe)])
        if result.exit_code == 0:
            break  # (until the reader has opened its end, the pipe has no reader)
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert pipe.exists() and not pipe.is_file()  # still a pipe, not a file renamed over it
    assert received[0].decode("utf-8").startswith("# Verdict report")
    assert not list(tmp_path.glob("pipe-*.svg"))  # no chart files beside a pipe: text bars instead


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_a_summary_never_replaces_the_report_it_is_made_from(rated_report: Path, tmp_path: Path, fmt: str) -> None:
    """`factflow report -o reports/verdicts.yaml` (the default --report) wrote the HTML summary over the
    report it had just read, and over its JSON twin likewise; under any name of that file it is now a usage error."""
    import os

    twin = rated_report.with_name(f".{rated_report.name}.json")
    before = rated_report.read_bytes(), twin.read_bytes()
    os.link(rated_report, tmp_path / "hard.yaml")
    for target in (rated_report, rated_report.parent / ".." / "reports" / rated_report.name, twin, tmp_path / "hard.yaml"):
        result = CliRunner().invoke(main, ["report", "--report", str(rated_report), "--format", fmt, "-o", str(target)])
        assert result.exit_code == 2, result.output
        assert f"{target} is the report this command reads; name another file" in " ".join(result.output.split())
    assert (rated_report.read_bytes(), twin.read_bytes()) == before
    code, _ = invoke("report", "--report", str(rated_report), "--format", fmt, "-o", str(rated_report.parent / "summary.out"))
    assert code == 0


@pytest.mark.parametrize(("edit", "says"), [
    (lambda r: r["summary"]["by_type"].update({r"$\frac{1}{$": 2}), None),  # matplotlib read it as a formula and failed
    (lambda r: r["summary"]["by_type"].update({"statistic": 10**30}), "summary.by_type.statistic"),  # an OverflowError drawing
    (lambda r: r["summary"]["by_type"].update({"statistic": -3}), "summary.by_type.statistic"),  # drawn as a bar to the left
])
def test_a_hand_edited_report_is_summarised_or_refused_in_one_line(rated_report: Path, tmp_path: Path, edit, says: str | None) -> None:  # type: ignore[no-untyped-def]
    import yaml

    data = yaml.safe_load(rated_report.read_text(encoding="utf-8"))
    edit(data)
    edited = write(tmp_path / "edited.yaml", yaml.safe_dump(data, allow_unicode=True))
    result = CliRunner().invoke(main, ["report", "--report", str(edited), "--format", "markdown", "-o", str(tmp_path / "s.md")])
    if says is None:
        assert result.exit_code == 0, result.output
        svg = (tmp_path / "s-types.svg").read_text(encoding="utf-8")
        assert svg.startswith("<svg") and "frac" in svg  # drawn as text (matplotlib names each string in a comment)
    else:
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        assert says in result.output and "Traceback" not in result.output, result.output


@pytest.mark.parametrize(("where", "says"), [
    ("review/verdicts/reviewer-1/{claim}.yaml", "lies in review/, where tasks and reviewers' verdicts live"),
    ("review/tasks/summary.md", "lies in review/, where tasks and reviewers' verdicts live"),
    ("memory/claimreviews.json", "lies in memory/, where imported fact-checks are kept"),
    (".factflow-cache/claims.json", "lies in .factflow-cache/, the flow's own state"),
    (".factflow.lock", "is the lock of the run writing there"),
])
def test_a_summary_never_replaces_a_reviewers_verdict_or_the_flows_files(rated_report: Path, where: str, says: str) -> None:
    """`factflow report --format markdown -o review/verdicts/reviewer-1/c-....yaml` replaced a rated verdict with
    the summary (and wrote its charts beside it): a usage error now, for every place an output folder keeps files."""
    out = rated_report.parent.parent
    claim = next((out / "review" / "verdicts" / "reviewer-1").glob("c-*.yaml")).stem
    target = out / where.format(claim=claim)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = CliRunner().invoke(main, ["report", "--report", str(rated_report), "--format", "markdown", "-o", str(target)])
    assert result.exit_code == 2 and says in " ".join(result.output.split()), result.output
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("url", ["javascript:alert(1)", "http://", "https://desk.example/a b", 'https://desk.example/"><script>',
                                 "https://desk.example/checks#frag",  # each review's url was '...#frag#c-...'
                                 "https://editor:secret@desk.example/checks",  # the password published in every review
                                 "https://desk.example:99999/checks"])
def test_a_publisher_url_that_may_not_be_a_link_is_a_usage_error(rated_report: Path, url: str) -> None:
    """report.publisher_url is checked as an http(s) URL, but --publisher-url was taken as given: every
    review's url became 'javascript:alert(1)#c-...'. The url passes the rule of every link the desk publishes."""
    result = CliRunner().invoke(main, ["export", "claimreview", "--report", str(rated_report), "--publisher-url", url])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for --publisher-url / report.publisher_url: {url!r}:" in " ".join(result.output.split())
    assert "ClaimReview" not in result.output


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_a_summary_to_dash_goes_to_standard_output(rated_report: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """`-o -` is standard output, as with most commands, not a file named "-" (and "--types.svg" beside it)."""
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    result = CliRunner().invoke(main, ["report", "--report", str(rated_report), "--format", fmt, "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("<!doctype html>" if fmt == "html" else "# Verdict report")
    assert list(here.iterdir()) == []


def test_standard_output_that_refuses_writes_is_named_as_such(rated_report: Path) -> None:
    """`factflow report > /dev/full` said "disk full writing the output folder"; nothing there was written."""
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "factflow_flows.cli", "report", "--report", str(rated_report), "--format", "markdown"],
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == "Error: disk full writing standard output; nothing was lost"


def test_a_summary_written_below_a_file_names_the_file_in_the_way(rated_report: Path, tmp_path: Path) -> None:
    """'-o afile/x.html' where afile is a file said 'cannot write (File exists)', naming neither path."""
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    code, out = invoke("report", "--report", str(rated_report), "-o", str(tmp_path / "afile" / "x.html"))
    assert code == 1 and f"{tmp_path / 'afile'} is a file, where a folder is needed" in out and "Traceback" not in out

"""The desk's commands: reviewing (``review``, ``status``, ``check``), the report's summaries and
ClaimReview (``report``, ``export``, ``import``), and the claim tools (``claims score``, ``claims match``).
None imports Prefect: each stays fast and works without a Prefect server."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import TextIO

import click
from factflow_flows.console import (
    collector_paused,
    config_option,
    handle_errors,
    loaded_config,
    main,
    openable,
    out_option,
    output_folder,
    stderr,
    stdout,
)
from rich.table import Table

from factflow.claims import registry
from factflow.config import LoadedConfig
from factflow.errors import OutputError, refused_writes
from factflow.layout import DEFAULT_REPORT
from factflow.models import FileProblems, Problem
from factflow.text import printable


@main.group()
def claims() -> None:
    """Claim detection on its own.

    Example: factflow claims score ../shared/data/checkworthy/dev-test.tsv > scores.tsv
    """


def _a_number(value: float | None, param: click.Parameter) -> float | None:
    """``value``, unless it is NaN, which click's FloatRange lets through (no comparison with NaN is true):
    '--threshold nan' labelled every sentence No."""
    if value is not None and math.isnan(value):
        raise click.BadParameter("nan is not a number; give one from 0 to 1", param=param)
    return value


@claims.command("score")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--detector", type=click.Choice(registry.names()), default=registry.DEFAULT, show_default=True,
              help="The detector, as in claims.detector: " + registry.describe() + ".")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None, callback=lambda ctx, param, value: _a_number(value, param),
              help="Label threshold (default: the detector's shipped one).")
@handle_errors
@collector_paused
def claims_score(file: Path, detector: str, threshold: float | None) -> None:
    """Score each sentence of a TSV (header Sentence_id<TAB>Text) for check-worthiness.

    Writes Sentence_id<TAB>score<TAB>label (Yes/No) to stdout, one row per input row, in order;
    each sentence is scored by the same scorer the flow uses (read in batches, written in order).
    Fields may be quoted as CSV quotes them; a sentence that starts with a quote needs none. A row
    that cannot be read (no text column, a line over a million characters) is reported on stderr
    and has no output row.

    Example: factflow claims score sentences.tsv > scores.tsv
    """
    from factflow.claims.scoring import make_scorer, score_tsv

    problems = FileProblems(str(file))
    with refused_writes("standard output"):  # '> /dev/full' named no file
        score_tsv(file, make_scorer(detector, threshold), _standard_output("factflow claims score FILE > scores.tsv"), problems)
    _print_problems(problems.listed())


@claims.command("match")
@click.argument("queries", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("candidates", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--top", "k", type=click.IntRange(min=1), default=5, show_default=True, help="Candidates listed per query.")
@handle_errors
@collector_paused
def claims_match(queries: Path, candidates: Path, k: int) -> None:
    """For each query, the candidates that state the same claim, most similar first (both TSVs: header id<TAB>text).

    Writes query_id<TAB>rank<TAB>candidate_id<TAB>score; the score is the cosine similarity of the
    packaged sentence encoder, less 1 when the two state different figures (so a changed number
    never reaches sources.match_threshold). Bad rows are reported on stderr and skipped.

    Example: factflow claims match new-claims.tsv checked-claims.tsv --top 3 > matches.tsv
    """
    from factflow.matching import match_tsv

    def announce(n: int) -> None:
        if n >= 1000:  # seconds or more
            stderr.print(f"Encoding {n:,} sentences (a few hundred a second) ...", highlight=False)

    with refused_writes("standard output"):  # '> /dev/full' named no file
        found = match_tsv(queries, candidates, k, _standard_output("factflow claims match QUERIES CANDIDATES > matches.tsv"),
                          on_encode=announce)
    _print_problems(found)


def _standard_output(example: str, what: str = "the table") -> TextIO:
    """Standard output, where the command writes ``what``; a usage error when it was closed (``>&-``): it would
    go nowhere (a TypeError traceback from the CSV writer; 'report' and 'status' exited 0 having written nothing)."""
    if sys.stdout is None:
        raise click.UsageError(f"standard output is closed, and {what} is written there; redirect it to a file: {example}")
    return sys.stdout


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        stderr.print(printable(f"problem {problem.file}:{problem.line}: {problem.message}"), highlight=False)


_REPORT_OPTION = click.option(
    "--report", "report_path", type=click.Path(path_type=Path, dir_okay=False), default=Path(DEFAULT_REPORT),
    show_default=True, help="The report a run wrote.",
)


@main.group()
def export() -> None:
    """Export a report for other systems.

    Example: factflow export claimreview --publisher "Desk" --publisher-url https://desk.example/checks > reviews.json
    """


@export.command("claimreview")
@_REPORT_OPTION
@config_option("Config file: report.publisher and report.publisher_url are the defaults.")
@click.option("--publisher", default=None, help="Who publishes the reviews (default: report.publisher).")
@click.option("--publisher-url", default=None, help="The publisher's page (default: report.publisher_url).")
@handle_errors
@collector_paused
def export_claimreview(report_path: Path, config_path: Path, publisher: str | None, publisher_url: str | None) -> None:
    """Print schema.org ClaimReview JSON-LD for every claim with a consensus rating (agreed or adjudicated).

    Example: factflow export claimreview --publisher-url https://desk.example/checks > reviews.json
    """

    from factflow.export import load_report
    from factflow.export.claimreview import claim_reviews, to_json

    _standard_output("factflow export claimreview > reviews.json", "the ClaimReview JSON")

    defaults = loaded_config(config_path).config.report if config_path.exists() else None
    publisher = publisher or (defaults.publisher if defaults else "Fact-check desk")
    publisher_url = publisher_url or (defaults.publisher_url if defaults else None)
    if not publisher_url:
        raise click.UsageError("a ClaimReview needs the publisher's url: pass --publisher-url or set report.publisher_url in the config")
    from factflow.links import check_publisher_url

    try:  # every review's url is built on it: the rule of every link the desk publishes, as report.publisher_url's
        check_publisher_url(publisher_url)
    except ValueError as exc:
        raise click.BadParameter(f"{publisher_url!r}: {exc}", param_hint="--publisher-url / report.publisher_url") from exc
    from factflow.models import ReportExport

    # Only what a review shows of each claim and document is read (the whole report takes several times the memory).
    reviews = claim_reviews(load_report(report_path, ReportExport), publisher, publisher_url)
    click.echo(to_json(reviews))


@main.group("import")
def import_() -> None:
    """Bring in what other fact-checkers have published.

    Example: factflow import claimreview reviews.json --out .
    """


@import_.command("claimreview")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@out_option("The output folder (the --out of factflow run) whose index receives the reviews.")
@handle_errors
@collector_paused
def import_claimreview(files: tuple[Path, ...], out: Path) -> None:
    """Add schema.org ClaimReview JSON-LD (a list, an @graph, a DataFeed, one object, or one object per line) to the index of claims already checked.

    Reviews are keyed by URL, so importing a file again changes nothing. Bad items are reported
    (file, item number, line for JSON Lines) and skipped; the others are imported.

    Example: factflow import claimreview reviews.json more.jsonl --out .
    """
    from factflow.memory.claimreview import import_files

    def announce(n: int) -> None:
        if n >= 1000:  # seconds or more
            stderr.print(f"Encoding {n:,} claims for matching (about a hundred a second; once: runs read the vectors) ...",
                         highlight=False)

    from factflow.config import RunConfig
    from factflow.lock import output_lock

    folder = output_folder(out)
    # The index and its vectors are the run's files too (a run reads them, and clears stale temporary files):
    # one writer at a time, so an import waits for a run on the same folder, and a run for an import.
    with output_lock(folder, RunConfig().lock_timeout, lambda message: stderr.print(message, highlight=False)):
        result = import_files(list(files), folder, on_encode=announce)
    for problem in result.problems:
        where = f"{problem.file}:{problem.line}" if problem.line else problem.file
        stderr.print(printable(f"problem {where}: {problem.message}"), highlight=False)
    stdout.print(f"Imported {result.added:,} new, {result.updated:,} updated, {result.unchanged:,} unchanged; "
                 f"{result.total:,} reviews in {openable(result.path)}", highlight=False)


@main.command("report")
@_REPORT_OPTION
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default="html", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True), default=None,
              help="File to write (Markdown also writes its charts beside it); default (or -): standard output.")
@handle_errors
@collector_paused
def report_summary(report_path: Path, fmt: str, output: Path | None) -> None:
    """Write a summary an editor reads: totals, charts of ratings and claim types, the claims with their links.

    Example: factflow report --format html -o reports/summary.html
    """
    from factflow.export import load_report
    from factflow.export.summary import write_summary
    from factflow.layout import kept_there, twin_of

    if output == Path("-"):  # the usual name of standard output, not a file called "-"
        output = None
    if output is None:
        _standard_output("factflow report -o reports/summary.html", "the summary")  # '>&-': it exited 0, nothing written
    if output is not None and any(_same_file(output, p) for p in (report_path, twin_of(report_path))):
        # The summary would replace the report it is made from (or its twin): the desk's record, gone.
        raise click.BadParameter(f"{output} is the report this command reads; name another file, such as reports/summary.{'md' if fmt == 'markdown' else 'html'}",
                                 param_hint="-o / --output")
    kept = kept_there(output) if output is not None else None
    if kept is not None:  # a reviewer's verdict replaced by a summary, its charts written beside it
        raise click.BadParameter(f"{output} {kept}; name a file elsewhere, such as reports/summary.{'md' if fmt == 'markdown' else 'html'}",
                                 param_hint="-o / --output")
    from factflow.models import ReportSummary

    # Only what the summary shows of each claim and document is read (the whole report takes several times the memory).
    blocks, written = write_summary(load_report(report_path, ReportSummary), fmt, output)
    if output is None:
        for block in blocks:  # printed as it is made: tens of megabytes at tens of thousands of claims
            click.echo(block, nl=False)
    else:
        stderr.print("Wrote " + ", ".join(str(p) for p in written), highlight=False)


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (the same path, or links or hard links to one file)."""
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except (OSError, RuntimeError):  # one is missing (a file to be made) or a link loop
        return False


@main.command()
@config_option()
@out_option("Folder that holds review/.")
@click.option("--seeds", type=click.Path(path_type=Path), default=None,
              help="Also read this seeds folder as a run would (no claims, nothing fetched) and list its problems.")
@handle_errors
@collector_paused
def check(config_path: Path, out: Path, seeds: Path | None) -> None:
    """Validate the config and every verdict file, without running the pipeline; with --seeds, the seeds too.

    Lists every problem of every file, each with its file and line; exits 1 when there is one.
    Example: factflow check --out . --seeds seeds
    """
    from factflow.errors import ConfigError
    from factflow.pipeline import check_output_paths
    from factflow.review import collect_verdicts, load_ledger
    from factflow.review.files import ParsedVerdicts

    try:
        loaded = loaded_config(config_path)
    except ConfigError as exc:  # every problem of the config, each on its line, not the first alone
        for line, message in exc.details:
            stderr.print(printable(f"{exc.path}:{line}: {message}" if line else f"{exc.path}: {message}"), highlight=False)
        sys.exit(1)
    if seeds is not None and not seeds.is_dir():
        raise click.BadParameter(f"{seeds} is not a folder", param_hint="--seeds")
    if not out.is_dir():  # a mistyped --out would check nothing and say all is well
        raise OutputError(out, "is not a folder; pass the output folder of `factflow run` with --out (default: .)")
    check_output_paths(out, seeds if seeds is not None else Path("seeds"), loaded)  # where the run would refuse to write
    seed_problems = _seed_problems(seeds, loaded) if seeds is not None else []
    layout = loaded.layout(out)
    claim_ids = {p.stem for p in layout.tasks.glob("c-*.yaml")}
    ledger = load_ledger(out, loaded.config.review)[0] if layout.ledger.exists() else None
    # The run's parse cache, read and never written here: only files changed since the last run are
    # parsed again (every file's run-dependent checks still run), as in `factflow status`.
    verdicts, problems = collect_verdicts(out, claim_ids, loaded.config.review, ledger, ParsedVerdicts(out, loaded.config.review))
    bad_files = len({p.file for p in problems})
    stdout.print(f"Config {config_path}: valid. Verdict files: {len(verdicts)} valid, {bad_files} with problems"
                 + (f" ({len(problems)} problem{'' if len(problems) == 1 else 's'})." if problems else "."))
    problems = [*seed_problems, *problems]
    for problem in problems:
        where = f"{problem.file}:{problem.line}" if problem.line else problem.file
        stderr.print(printable(f"{where}: {problem.message}"), highlight=False)
    if problems:
        sys.exit(1)


def _seed_problems(seeds: Path, loaded: LoadedConfig) -> list[Problem]:
    """The problems a run would meet reading ``seeds`` (its documents read, no claims extracted, no URL fetched), said in a line."""
    from factflow.ingest import load_documents

    documents, problems = load_documents(seeds, loaded.config.ingest, offline_note=False)
    files = len({p.file.rpartition(":")[0] if p.file.rpartition(":")[2].isdigit() else p.file for p in problems})
    stdout.print(f"Seeds {seeds}: {len(documents):,} document{'' if len(documents) == 1 else 's'} read"
                 + (f", {len(problems):,} problem{'' if len(problems) == 1 else 's'} in {files:,} file{'' if files == 1 else 's'}."
                    if problems else ", no problems."), highlight=False)
    return problems


@main.command()
@click.option("--reviewer", "person", default=None, help="Show this reviewer's (or adjudicator's) queue only.")
@config_option()
@out_option("Folder that holds review/ and reports/ (the --out of factflow run).")
@click.option("--next", "shown", type=click.IntRange(min=0), default=5, show_default=True, help="Open tasks to list per person.")
@handle_errors
@collector_paused
def status(person: str | None, config_path: Path, out: Path, shown: int) -> None:
    """Who owes what: per reviewer, open, overdue and done tasks, and the next open ones in queue order.

    Verdict files are read as they are now; claims and assignments are the last run's. Disputed
    claims with no adjudicator configured are listed as waiting for one.

    Example: factflow status --reviewer reviewer-1
    """
    from datetime import UTC, datetime

    from factflow.review.status import desk_status

    _standard_output("factflow status > status.txt", "the status")
    loaded = loaded_config(config_path)
    if person is not None and person not in loaded.config.review.people:
        raise click.BadParameter(f"{person!r} is not a configured reviewer or adjudicator; known: "
                                 f"{', '.join(loaded.config.review.people)}", param_hint="--reviewer")
    desk = desk_status(out, loaded, datetime.now(UTC))
    people = [p for p in desk.people if person is None or p.id == person]
    table = Table(title=f"factflow status: {desk.claims:,} claims (run of {desk.report_time})", header_style="bold")
    for column in ("reviewer", "role", "assigned", "done", "open", "overdue"):
        table.add_column(column, justify="left" if column in ("reviewer", "role") else "right")
    for p in people:
        table.add_row(p.id if p.name == p.id else f"{p.id} ({printable(p.name)})", p.role, f"{p.assigned:,}", f"{p.done:,}", f"{p.open:,}",
                      f"{p.overdue:,}", style="yellow" if p.overdue else None)
    stdout.print(table)
    for p in people:
        if shown and p.queue:
            stdout.print(f"Next for {p.id} ({p.open:,} open):", highlight=False)
            for item in p.queue[:shown]:
                late = "  [overdue]" if item.overdue else ""
                stdout.print(f"  {item.claim}  {printable(item.document)}: {_clip(item.text)}{late}", highlight=False)
    if desk.waiting_for_adjudicator and person is None:
        stdout.print(f"Waiting for an adjudicator: {len(desk.waiting_for_adjudicator):,} disputed claims, and none is "
                     "configured (add one under review.adjudicators to settle them).", highlight=False, style="yellow")
        for item in desk.waiting_for_adjudicator[:shown]:
            stdout.print(f"  {item.claim}  {printable(item.document)}: {_clip(item.text)}", highlight=False)
    if desk.problems:
        stderr.print(f"{len(desk.problems):,} problems in verdict files; `factflow check` lists them.", highlight=False)


def _clip(text: str, width: int = 90) -> str:
    text = printable(" ".join(text.split()))
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


@main.command()
@click.option("--reviewer", "person", required=True, help="Your reviewer (or adjudicator) id, as in the config.")
@config_option()
@out_option("Folder that holds review/ (the --out of factflow run).")
@handle_errors
def review(person: str, config_path: Path, out: Path) -> None:
    """Rate your open tasks in the terminal: see each claim, its context and sources, give a verdict.

    Each verdict is checked and saved to review/verdicts/<reviewer>/<claim-id>.yaml. At the rating
    prompt, s skips a task and q quits; run it again to resume. Works with answers piped to stdin.

    Example: factflow review --reviewer reviewer-1 --out .
    """
    from factflow.review import ReviewSession
    from factflow.review.terminal import review_in_terminal

    loaded = loaded_config(config_path)
    outcome = review_in_terminal(ReviewSession(out, loaded.config.review, person, report=loaded.layout(out).report))
    if outcome.stopped:  # a script's answers refused again and again: what was saved is kept, but the script failed
        sys.exit(1)

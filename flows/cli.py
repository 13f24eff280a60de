"""The ``factflow`` command line, in the shell layer beside the Prefect flows.

Each command is a few lines around library calls; the options several commands share are
declared once below, and :func:`handle_errors` turns factflow's exception tree into one line and
an exit status, in one place. Only ``factflow run`` (with the default engine), ``serve`` and the
review form import Prefect; every other command stays fast and works without a Prefect server.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import importlib
import logging
import math
import os
import select
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from factflow import __version__
from factflow.claims import registry
from factflow.config import LoadedConfig, RunConfig, load_config
from factflow.errors import FactflowError, OutputError, WriteError
from factflow.layout import DEFAULT_REPORT, OutputLayout
from factflow.pipeline import ProgressHook, check_output_paths, run_pipeline
from factflow.stages import RunResult
from factflow.text import printable

F = TypeVar("F", bound=Callable[..., Any])

class _Console(Console):
    """rich's console, whose closed pipe reaches :func:`handle_errors` as the BrokenPipeError it is (rich's
    own handling exits with status 1, as a failure would)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


# No markup: what is printed holds file names, ids and text from outside ("x[/]a.txt" stopped a finished
# run with rich's MarkupError); colours are given as styles. Outside text goes through text.printable.
stdout = _Console(soft_wrap=True, markup=False)
stderr = _Console(stderr=True, soft_wrap=True, markup=False)


def _output_closed() -> bool:
    """Whether standard output or error is a pipe whose reader has gone (poll reports an error on it)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            poller = select.poll()
            poller.register(stream.fileno(), select.POLLOUT)
            if any(events & select.POLLERR for _, events in poller.poll(0)):
                return True
        except (OSError, ValueError, AttributeError):  # not a file descriptor (a test's capture), or no poll here
            continue
    return False


def _reader_gone() -> NoReturn:
    """The reader of our output went away (``factflow status | head -1``): stop at once, quietly, with the
    status a Unix tool stopped by SIGPIPE has (141), as ``seq 100000 | head -1`` does. Standard output and
    error then write to /dev/null, so the interpreter's last flush meets no closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # not a file descriptor (a test's capture)
                os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except OSError:
        pass
    raise SystemExit(128 + signal.SIGPIPE)


def handle_errors(func: F) -> F:
    """Turn factflow's errors into one line and an exit status; tracebacks only with --debug.

    Every error of the tree (``factflow/errors.py``) ends a command the same way, whatever its kind
    (a bad config, input or output path, a refused write, a locked output folder, a Prefect server
    that did not start): ``Error: <message>`` on stderr and exit status 1. Status 2 stays click's,
    for a usage error.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BrokenPipeError:
            if not _output_closed():
                raise  # another pipe (a worker's): not ours to hide
            _reader_gone()
        except (FactflowError, OSError) as exc:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            if isinstance(exc, OSError):
                # A write outside our atomic writers (a cache database, the lock file) that the disk refused.
                if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                    raise
                exc = WriteError(exc.filename or ("standard output" if _writing_standard_output(exc) else "the output folder"), exc)
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def _writing_standard_output(exc: BaseException) -> bool:
    """Whether an error came from printing (rich's console, click.echo), as ``> /dev/full`` makes it."""
    frame = exc.__traceback__
    while frame is not None:
        if frame.tb_frame.f_globals.get("__name__") in ("rich.console", "click.utils"):
            return True
        frame = frame.tb_next
    return False


def collector_paused(func: F) -> F:
    """A command that reads (or writes) a whole output folder and ends, with Python's cyclic garbage
    collector paused meanwhile (:func:`factflow.runtime.collector_paused`: at 100,000 documents its
    full collections walk every claim and verdict again and again). Not for ``serve`` or ``review``,
    which run for as long as someone works with them."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from factflow.runtime import collector_paused as paused

        with paused():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def config_option(help: str = "Config file (YAML).") -> Callable[[F], F]:
    """--config, as every command that reads the config takes it."""
    return click.option("--config", "config_path", type=click.Path(path_type=Path), default=Path("config/factflow.yaml"),
                        show_default=True, help=help)


def output_folder(out: Path) -> Path:
    """``--out`` made when missing (:func:`factflow.lock.make_output_folder`); a usage error naming it
    when it is not a folder or cannot be made."""
    from factflow.lock import make_output_folder

    try:
        make_output_folder(out)
    except OutputError as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from exc
    return out


def out_option(help: str) -> Callable[[F], F]:
    """--out, the output folder of ``factflow run`` (``help`` says what the command reads or writes there)."""
    return click.option("--out", type=click.Path(path_type=Path), default=Path("."), show_default=True, help=help)


seeds_option = click.option("--seeds", type=click.Path(path_type=Path), default=Path("seeds"), show_default=True,
                            help="Folder of documents to read.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="factflow")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
def main(debug: bool) -> None:
    """factflow: news articles in, verification tasks, reviewer verdicts and a YAML report out.

    Example: factflow run --config config/factflow.yaml --seeds seeds --out .
    """
    # The domain's warnings (a run waiting for another) reach the terminal, and so do those of the HTTP
    # cache library (a cache it cannot write), as one line each: the traceback it logs only with --debug.
    for name in ("factflow", "hishel"):
        log = logging.getLogger(name)
        if not log.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(_OneLine(debug))
            log.addHandler(handler)
            log.setLevel(logging.WARNING)
            log.propagate = False


class _OneLine(logging.Formatter):
    """``Warning: <message>``; the traceback a library logs with it only with ``--debug``."""

    def __init__(self, debug: bool) -> None:
        super().__init__("Warning: %(message)s")
        self.debug = debug

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record) if self.debug else f"Warning: {record.getMessage()}"


def prefect_defaults(home: Path) -> None:
    """Isolate and quieten Prefect for a local run, leaving every setting the user made alone."""
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")  # the client's analytics, and their notice in a terminal
    # Prefect's INFO lines (temporary server start/stop, task states) would bury the progress bar;
    # warnings and errors still show.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")


def no_heartbeats(temporary: bool) -> contextlib.AbstractContextManager[object]:
    """No flow-run heartbeats against a run's own temporary server (unless the user set their frequency).

    Heartbeats let a long-running server tell a crashed run from a slow one; a temporary server ends
    with the run, so they serve no one there, and the run's end waits up to a second for their thread.
    """
    if not temporary or "PREFECT_FLOWS_HEARTBEAT_FREQUENCY" in os.environ:
        return contextlib.nullcontext()
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


@contextmanager
def progress_bar(enabled: bool) -> Iterator[ProgressHook | None]:
    """A rich progress bar, fed by the pipeline's progress hook."""
    if not enabled:
        yield None
        return
    columns = (TextColumn("{task.description:<26}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=False) as bar:
        ids: dict[str, Any] = {}
        totals: dict[str, int] = {}

        def hook(stage: str, done: int, total: int) -> None:
            if stage not in ids:
                for earlier, task_id in ids.items():  # a new stage means the earlier ones are done
                    bar.update(task_id, completed=totals[earlier])
                ids[stage] = bar.add_task(stage, total=total)
            totals[stage] = total
            bar.update(ids[stage], completed=done, total=total)

        yield hook


def print_summary(result: RunResult, layout: OutputLayout, waiting: int = 0) -> None:
    """The short summary a run ends with: its totals, the problems, where the report, tasks and verdicts are.

    ``waiting``: disputed claims that wait for an adjudicator when none is configured.
    """
    table = Table(title="factflow run", show_header=True, header_style="bold")
    table.add_column("", style="bold")
    table.add_column("count", justify="right")
    warn = {"overdue tasks", "waiting for an adjudicator", "sources unresolved", "problems"}
    for label, value in result.totals(waiting):
        shown = "  " + label.removeprefix("consensus: ") if label.startswith("consensus: ") else \
            "  from cache" if label == "from cache" else label
        table.add_row(shown, str(value), style="yellow" if label in warn and value else None)
    stdout.print(table)
    for problem in result.problems[:10]:
        where = f"{problem.file}:{problem.line}" if problem.line else problem.file
        stderr.print(Text.assemble(("problem", "yellow"), f" {printable(where)}: {printable(problem.message)}"), highlight=False)
    if len(result.problems) > 10:
        stderr.print(f"... and {len(result.problems) - 10} more problems in the report")
    stdout.print(f"Report:   {openable(result.report_path)}", highlight=False)
    stdout.print(f"Tasks:    {openable(layout.tasks)}/<claim-id>.yaml", highlight=False)
    stdout.print(f"Verdicts: {openable(layout.verdicts)}/<reviewer>/<claim-id>.yaml", highlight=False)
    if waiting:
        stderr.print(f"{waiting} disputed claims wait for an adjudicator and none is configured: add one under "
                     "review.adjudicators (`factflow status` lists the claims).", highlight=False)


def waiting_for_adjudicator(result: RunResult, loaded: LoadedConfig) -> int:
    """Disputed claims nobody can settle, since no adjudicator is configured."""
    return 0 if loaded.config.review.adjudicators else result.summary.by_consensus.get("disputed", 0)


def openable(path: Path) -> str:
    """A path as the user can open it from where they stand: relative to the current folder inside it, else absolute."""
    full = Path(os.path.abspath(path))
    here = Path.cwd()
    return str(full.relative_to(here)) if full.is_relative_to(here) else str(full)


def _load(config: Path | None) -> LoadedConfig:
    return load_config(config)


def _task_runner(loaded: LoadedConfig, option: str | None) -> RunConfig:
    """The run settings, with --task-runner (threads, dask, dask=ADDRESS) applied over the config."""
    run_cfg = loaded.config.run
    if option is None:
        return run_cfg
    name, _, address = option.partition("=")
    if name not in ("threads", "dask") or (name == "threads" and address):
        raise click.BadParameter(f"{option!r}: use threads, dask or dask=tcp://HOST:PORT", param_hint="--task-runner")
    try:
        return RunConfig(**(run_cfg.model_dump() | {"task_runner": name, "dask_address": address or None}))
    except ValueError as exc:
        raise click.BadParameter(f"{option!r}: the address must look like tcp://HOST:PORT", param_hint="--task-runner") from exc


@main.command()
@config_option()
@seeds_option
@out_option("Folder that receives review/ and reports/.")
@click.option("--engine", type=click.Choice(["prefect", "plain"]), default="prefect", show_default=True,
              help="Run as a Prefect flow, or as plain Python in this process (same stages, same report).")
@click.option("--refresh", is_flag=True, help="Ignore the extraction cache: process every document again.")
@click.option("--task-runner", "runner", default=None, metavar="threads|dask[=ADDRESS]",
              help="Run extraction on threads, or on Dask: a local cluster, or the scheduler at ADDRESS (default: run.task_runner).")
@click.option("--online", is_flag=True,
              help="Resolve sources over HTTP and fetch the seeds' URL list (same as sources.online: true).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@handle_errors
def run(config_path: Path, seeds: Path, out: Path, engine: str, refresh: bool, runner: str | None, online: bool, quiet: bool) -> None:
    """Run the pipeline: read seeds, extract claims, write tasks, collect verdicts, write the report.

    Offline by default; --online resolves sources with Wikipedia, Wikidata, the Wayback Machine
    and (with FACTCHECK_API_KEY set) Google Fact Check Tools.

    Example: factflow run --seeds seeds --out . --online
    """
    loaded = _load(config_path).going_online(online)  # fail fast, with a clean message, before Prefect starts
    run_cfg = _task_runner(loaded, runner)
    if not seeds.is_dir():
        raise click.BadParameter(f"{seeds} is not a folder", param_hint="--seeds")
    output_folder(out)
    check_output_paths(out, seeds, loaded)  # fail fast, before Prefect starts; the run checks again under its lock
    with progress_bar(enabled=not quiet and sys.stderr.isatty() or os.environ.get("FACTFLOW_PROGRESS") == "1") as hook:
        if engine == "plain":
            result = run_pipeline(loaded, seeds, out, progress=hook, refresh=refresh)
        else:
            prefect_defaults(Path.cwd() / ".prefect")
            from factflow_flows.server import prefect_api

            if hook:
                hook("Starting Prefect", 0, 1)  # the temporary Prefect server takes a few seconds to start
            # Without PREFECT_API_URL, a temporary server for this run (Dask workers reach it too),
            # booting while Prefect and the flow are imported here.
            with prefect_api(Path(os.environ["PREFECT_HOME"]), temporary=True,
                             while_starting=lambda: importlib.import_module("factflow_flows.factcheck")) as api, \
                    no_heartbeats(temporary=api.pid is not None):
                from factflow_flows.factcheck import PROGRESS, run_factcheck

                token = PROGRESS.set(hook)
                try:
                    result = run_factcheck(config_path, seeds, out, run_cfg, refresh=refresh, online=online)
                finally:
                    PROGRESS.reset(token)
    print_summary(result, loaded.layout(out), waiting_for_adjudicator(result, loaded))


#: The longest --interval: a year. Prefect's schedule turned 10**20 seconds into an OverflowError traceback.
MAX_INTERVAL_S = 366 * 24 * 3600


@main.command()
@config_option()
@seeds_option
@out_option("Folder that receives review/ and reports/.")
@click.option("--cron", default=None, help="Run on this cron schedule, e.g. '0 */6 * * *'.")
@click.option("--interval", type=click.IntRange(min=1, max=MAX_INTERVAL_S), default=None,
              help="Run every SECONDS seconds (at most a year).")
@click.option("--timezone", default="UTC", show_default=True, help="Time zone of the cron schedule.")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port of the local Prefect server (default: a free one).")
@handle_errors
def serve(config_path: Path, seeds: Path, out: Path, cron: str | None, interval: int | None, timezone: str, port: int | None) -> None:
    """Run the flow on a schedule on this machine, until Ctrl-C or SIGTERM.

    Uses PREFECT_API_URL when set; otherwise starts a local Prefect server on 127.0.0.1, prints
    the UI address, and stops that server when it stops. Default schedule: every 6 hours.

    Example: factflow serve --cron "0 */6 * * *"
    """
    if cron and interval:
        raise click.UsageError("give --cron or --interval, not both")
    _load(config_path)  # a bad config or output folder stops here, with its message, before any server starts
    output_folder(out)
    if not cron and not interval:
        cron = "0 */6 * * *"
    prefect_defaults(Path.cwd() / ".prefect")
    schedule = _schedule(cron, timezone, interval)  # a cron or time zone Prefect refuses stops here, before any server starts

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, _stop_serving)
    from factflow_flows.server import prefect_api

    # Ctrl-C or SIGTERM at any moment (the server booting included): stop serving, then the server, exit 0.
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError), prefect_api(Path(os.environ["PREFECT_HOME"]), port=port) as api:
        started = f" (started by factflow, pid {api.pid})" if api.pid else ""
        stdout.print(f"Prefect UI: {api.ui}{started}", highlight=False)
        when = f"cron '{cron}' ({timezone})" if cron else f"every {interval} s"
        stdout.print(f"Serving factcheck {when}; a line per finished run; Ctrl-C to stop.", highlight=False)
        from factflow_flows.factcheck import factcheck

        # announce: each run prints its line (time, claims, verdicts, report path) here.
        parameters = {"config": str(config_path.resolve()), "seeds": str(seeds.resolve()), "out": str(out.resolve()), "announce": True}
        # limit=1: runs write the same output folder, so they take turns.
        factcheck.serve(name="factflow-serve", parameters=parameters, print_starting_message=False, limit=1, **schedule)
    stdout.print("Stopped.")


def _schedule(cron: str | None, timezone: str, interval: int | None) -> dict[str, Any]:
    """Flow.serve's schedule: an interval, or a cron schedule in its time zone (Flow.serve takes no time
    zone of its own: a schedule object carries it). A usage error when Prefect refuses the cron
    expression or the time zone."""
    if not cron:
        return {"interval": interval}
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.schedules import Cron
    from pydantic import ValidationError

    try:
        CronSchedule(cron=cron, timezone=timezone or None)  # what the deployment will be checked against
    except ValidationError as exc:
        reason = "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
        raise click.BadParameter(reason, param_hint="--cron / --timezone") from exc
    return {"schedule": Cron(cron, timezone=timezone or None)}


def _stop_serving(signum: int, frame: Any) -> None:
    """Ctrl-C while serving: before the event loop runs, stop at once; while it runs, cancel its main
    task (Prefect's serve), as Python's own handling would, and again every few seconds until it ends.

    Python's handler cancels the task once and, if that cancellation is absorbed, does nothing more
    until a second Ctrl-C. Prefect's runner absorbed it once in our tests (the Ctrl-C landing as a
    run finished, on a loaded machine): serving went on. Raising KeyboardInterrupt inside the running
    loop instead stops it too, but the loop's shutdown then prints tracebacks.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise KeyboardInterrupt from None
    main_task = next((t for t in asyncio.all_tasks(loop) if t.get_coro() is not None
                      and getattr(t.get_coro(), "__qualname__", "").endswith("Runner.start")), None)
    if main_task is None:
        raise KeyboardInterrupt

    def cancel() -> None:
        if not main_task.done():
            main_task.cancel()
            loop.call_later(_CANCEL_AGAIN_S, cancel)

    loop.call_soon_threadsafe(cancel)


#: How long a cancelled serve may take to wind down before it is cancelled again.
_CANCEL_AGAIN_S = 3.0


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

    Example: factflow claims score sentences.tsv > scores.tsv
    """
    from factflow.claims.scoring import make_scorer, score_tsv

    score_tsv(file, make_scorer(detector, threshold), sys.stdout)


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

    for problem in match_tsv(queries, candidates, k, sys.stdout):
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

    defaults = _load(config_path).config.report if config_path.exists() else None
    publisher = publisher or (defaults.publisher if defaults else "Fact-check desk")
    publisher_url = publisher_url or (defaults.publisher_url if defaults else None)
    if not publisher_url:
        raise click.UsageError("a ClaimReview needs the publisher's url: pass --publisher-url or set report.publisher_url in the config")
    from factflow.models import check_link

    try:  # every review's url is built on it: the rule of every link the desk publishes, as report.publisher_url's
        check_link(publisher_url)
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
    """Add schema.org ClaimReview JSON-LD (a list, an @graph, one object, or one object per line) to the index of claims already checked.

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
    from factflow.layout import twin_of

    if output == Path("-"):  # the usual name of standard output, not a file called "-"
        output = None
    if output is not None and any(_same_file(output, p) for p in (report_path, twin_of(report_path))):
        # The summary would replace the report it is made from (or its twin): the desk's record, gone.
        raise click.BadParameter(f"{output} is the report this command reads; name another file, such as reports/summary.{'md' if fmt == 'markdown' else 'html'}",
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
@handle_errors
@collector_paused
def check(config_path: Path, out: Path) -> None:
    """Validate the config and every verdict file, without running the pipeline.

    Lists every problem of every file, each with its file and line; exits 1 when there is one.
    Example: factflow check --out .
    """
    from factflow.errors import ConfigError
    from factflow.review import collect_verdicts, load_ledger
    from factflow.review.files import ParsedVerdicts

    try:
        loaded = _load(config_path)
    except ConfigError as exc:  # every problem of the config, each on its line, not the first alone
        for line, message in exc.details:
            stderr.print(printable(f"{exc.path}:{line}: {message}" if line else f"{exc.path}: {message}"), highlight=False)
        sys.exit(1)
    if not out.is_dir():  # a mistyped --out would check nothing and say all is well
        raise OutputError(out, "is not a folder; pass the output folder of `factflow run` with --out (default: .)")
    layout = loaded.layout(out)
    claim_ids = {p.stem for p in layout.tasks.glob("c-*.yaml")}
    ledger = load_ledger(out, loaded.config.review)[0] if layout.ledger.exists() else None
    # The run's parse cache, read and never written here: only files changed since the last run are
    # parsed again (every file's run-dependent checks still run), as in `factflow status`.
    verdicts, problems = collect_verdicts(out, claim_ids, loaded.config.review, ledger, ParsedVerdicts(out, loaded.config.review))
    bad_files = len({p.file for p in problems})
    stdout.print(f"Config {config_path}: valid. Verdict files: {len(verdicts)} valid, {bad_files} with problems"
                 + (f" ({len(problems)} problems)." if problems else "."))
    for problem in problems:
        where = f"{problem.file}:{problem.line}" if problem.line else problem.file
        stderr.print(printable(f"{where}: {problem.message}"), highlight=False)
    if problems:
        sys.exit(1)


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

    loaded = _load(config_path)
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

    loaded = _load(config_path)
    outcome = review_in_terminal(ReviewSession(out, loaded.config.review, person, report=loaded.layout(out).report))
    if outcome.stopped:  # a script's answers refused again and again: what was saved is kept, but the script failed
        sys.exit(1)


def entry() -> None:
    """The ``factflow`` command: :func:`main`, and an exit without a last garbage collection.

    Python collects every object still tracked once more as it exits: after a run over thousands of
    claims, a tenth of a second or more spent on objects that are freed anyway. ``gc.freeze()`` moves
    them out of the collector's sight on the way out (they are still freed). Only here, at the real
    exit: ``main`` itself runs in tests and other programs' processes, which go on collecting.
    """
    try:
        main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    entry()

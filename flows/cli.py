"""The ``factflow`` command line, in the shell layer beside the Prefect flows: its entry point, and
the commands that run the flow (``run``, ``serve``).

Each command is a few lines around library calls. The parts every command shares (the consoles,
:func:`~factflow_flows.console.handle_errors`, the shared options, the ``factflow`` group) are in
``console.py``; the desk's commands (``review``, ``status``, ``check``, ``report``, ``export``,
``import``, ``claims``) in ``desk.py``, which join the group as it is imported here. Only ``factflow
run`` (with the default engine), ``serve`` and the review form import Prefect; every other command
stays fast and works without a Prefect server.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import factflow_flows.desk  # noqa: F401 - the desk's commands join the factflow group as it is imported
from factflow_flows.console import (
    config_option,
    handle_errors,
    loaded_config,
    main,
    openable,
    out_option,
    output_folder,
    quiet_prefect_console,
    seeds_option,
    stderr,
    stdout,
)
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from factflow.config import LoadedConfig, RunConfig
from factflow.errors import ServerError
from factflow.layout import OutputLayout
from factflow.pipeline import ProgressHook, check_output_paths, run_pipeline
from factflow.stages import RunResult
from factflow.text import printable


def prefect_defaults(home: Path) -> None:
    """Isolate and quieten Prefect for a local run, leaving every setting the user made alone."""
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")  # the client's analytics, and their notice in a terminal
    # Prefect's INFO lines (temporary server start/stop, task states) would bury the progress bar;
    # warnings and errors still show.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    if not os.environ.get("PREFECT_API_URL"):
        # A server on this machine (a run's own, or serve's) that refuses a connection is gone: two retries,
        # 6 s, not Prefect's five (62 s, for each call the run still makes) before the run says so.
        os.environ.setdefault("PREFECT_CLIENT_MAX_RETRIES", "2")


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
    and (with FACTCHECK_API_KEY set) Google Fact Check Tools. The flow uses PREFECT_API_URL when
    set, the server of a `factflow serve` running in this project, or else a temporary server.

    Example: factflow run --seeds seeds --out . --online
    """
    loaded = loaded_config(config_path).going_online(online)  # fail fast, with a clean message, before Prefect starts
    run_cfg = _task_runner(loaded, runner)
    if not seeds.is_dir():
        raise click.BadParameter(f"{seeds} is not a folder", param_hint="--seeds")
    output_folder(out)
    check_output_paths(out, seeds, loaded)  # fail fast, before Prefect starts; the run checks again under its lock
    shown = not quiet and sys.stderr is not None and sys.stderr.isatty()  # closed (2>&-), it is None
    with progress_bar(enabled=shown or os.environ.get("FACTFLOW_PROGRESS") == "1") as hook:
        if engine == "plain":
            result = run_pipeline(loaded, seeds, out, progress=hook, refresh=refresh)
        else:
            prefect_defaults(Path.cwd() / ".prefect")
            import httpx
            from factflow_flows.server import prefect_api

            if hook:
                hook("Starting Prefect", 0, 1)  # the temporary Prefect server takes a few seconds to start
            # Without PREFECT_API_URL, a temporary server for this run (Dask workers reach it too),
            # booting while Prefect and the flow are imported here.
            with prefect_api(Path(os.environ["PREFECT_HOME"]), temporary=True,
                             while_starting=lambda: importlib.import_module("factflow_flows.factcheck")) as api, \
                    no_heartbeats(temporary=api.pid is not None):
                if api.served:
                    stderr.print(f"Prefect: this run uses the server `factflow serve` started; it shows in its UI at {api.ui}", highlight=False)
                from factflow_flows.factcheck import PROGRESS, run_factcheck

                quiet_prefect_console()
                token = PROGRESS.set(hook)
                try:
                    result = run_factcheck(config_path, seeds, out, run_cfg, refresh=refresh, online=online)
                except (httpx.TransportError, RuntimeError) as exc:  # online lookups never raise: the Prefect API is gone
                    from factflow_flows.server import lost_api

                    lost = lost_api(api, exc)
                    if lost is None:
                        raise
                    raise lost from exc
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
    loaded_config(config_path)  # a bad config or output folder stops here, with its message, before any server starts
    output_folder(out)
    if not cron and not interval:
        cron = "0 */6 * * *"
    prefect_defaults(Path.cwd() / ".prefect")
    schedule = _schedule(cron, timezone, interval)  # a cron or time zone Prefect refuses stops here, before any server starts

    from factflow_flows.server import API_LOST, SERVER_LOG, prefect_api, served_api, watch_server

    if not os.environ.get("PREFECT_API_URL"):
        # A second serve on this PREFECT_HOME started a second server on the same database; when it stopped,
        # Prefect paused the deployment they share and the first served nothing more, without a word.
        running = served_api(Path(os.environ["PREFECT_HOME"]))
        if running:
            raise ServerError(f"a `factflow serve` of this project is running already (its Prefect server: {running}); "
                              "stop it first (Ctrl-C), or leave it: it runs the flow on its schedule, and `factflow run` uses its server")
    signal.signal(signal.SIGTERM, _stop_serving)  # as Ctrl-C
    signal.signal(signal.SIGINT, _stop_serving)

    server_exit: list[int] = []

    def server_gone(status: int) -> None:  # from the watching thread: stop serving as Ctrl-C does
        server_exit.append(status)
        API_LOST.set()
        signal.raise_signal(signal.SIGINT)

    # Ctrl-C or SIGTERM at any moment (the server booting included): stop serving, then the server, exit 0.
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError), prefect_api(Path(os.environ["PREFECT_HOME"]), port=port) as api:
        started = f" (started by factflow, pid {api.pid})" if api.pid else ""
        stdout.print(f"Prefect UI: {api.ui}{started}", highlight=False)
        when = f"cron '{cron}' ({timezone})" if cron else f"every {interval} s"
        stdout.print(f"Serving factcheck {when}; a line per finished run; Ctrl-C to stop.", highlight=False)
        stdout.print(f"Reviewers' forms: {api.ui}/deployments, review/by-reviewer, Custom run with your reviewer id.", highlight=False)
        from factflow_flows.factcheck import factcheck
        from factflow_flows.review import review
        from prefect.runner import Runner

        quiet_prefect_console()
        # announce: each run prints its line (time, claims, verdicts, report path) here.
        parameters = {"config": str(config_path.resolve()), "seeds": str(seeds.resolve()), "out": str(out.resolve()), "announce": True}
        # Two runners: fact-check runs write the same output folder, so they take turns (limit=1: a run due while
        # one runs waits in the runner, no process started); a review run pauses for each verdict for as long as
        # its reviewer takes, so reviews (any number at once) must not hold up the schedule.
        scheduled = Runner(name="factflow-serve", limit=1)
        forms = Runner(name="factflow-review-forms", limit=None)

        async def serving() -> None:
            runners = [asyncio.ensure_future(scheduled.start()), asyncio.ensure_future(forms.start())]
            await asyncio.sleep(0)  # both have begun, and each has made SIGTERM stop itself alone: both stop on it
            signal.signal(signal.SIGTERM, _stop_serving)
            await asyncio.gather(*runners, return_exceptions=True)

        watching = watch_server(api, server_gone)
        try:
            scheduled.add_flow(factcheck, name="factflow-serve", parameters=parameters, **schedule)
            # Reviewers' forms in the UI: Deployments > review/by-reviewer > Custom run, with their id.
            forms.add_flow(review, name="by-reviewer", parameters={"config": str(config_path.resolve()), "out": str(out.resolve())})
            asyncio.run(serving())
        except Exception:
            # The server we started gone as the deployments were registered (a refused connection before the
            # watcher saw it exit): said as the watcher would have said it, not as a traceback.
            status = _exit_status(api.process)
            if status is None:
                raise
            server_exit.append(status)
        finally:
            watching.set()
    if server_exit:
        raise ServerError(f"the Prefect server factflow started exited (status {server_exit[0]}); serving stopped, "
                          f"no scheduled run can start without it; its log is {Path(os.environ['PREFECT_HOME']) / SERVER_LOG}; "
                          "start factflow serve again")
    stdout.print("Stopped.")


def _exit_status(process: subprocess.Popen[bytes] | None, wait: float = 5.0) -> int | None:
    """The exit status of the server ``serve`` started once it has exited (within ``wait`` seconds), else None
    (still running, or a server serve did not start)."""
    if process is None:
        return None
    try:
        return process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        return None


def _schedule(cron: str | None, timezone: str, interval: int | None) -> dict[str, Any]:
    """Flow.serve's schedule: an interval, or a cron schedule in its time zone (Flow.serve takes no time
    zone of its own: a schedule object carries it). A usage error when Prefect refuses the cron
    expression or the time zone."""
    if not cron:
        if timezone and timezone != "UTC":  # taken and ignored, 'Mars/X' too
            raise click.BadParameter(f"{timezone!r}: --timezone is the time zone of a --cron schedule; an --interval "
                                     "runs every so many seconds in any zone (leave --timezone out, or give --cron)",
                                     param_hint="--cron / --timezone")
        return {"interval": interval}
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.schedules import Cron
    from pydantic import ValidationError

    try:
        CronSchedule(cron=cron, timezone=timezone or None)  # what the deployment will be checked against
    except ValidationError as exc:
        reason = "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
        raise click.BadParameter(reason, param_hint="--cron / --timezone") from exc
    if not _fires(cron, timezone):
        raise click.BadParameter(
            f"{cron!r} never fires: Prefect's scheduler finds no date it matches (such as a day its months do not have: "
            "'0 0 30 2 *' is February 30); give a day those months have, such as '0 0 28 2 *'", param_hint="--cron")
    return {"schedule": Cron(cron, timezone=timezone or None)}


def _fires(cron: str, timezone: str) -> bool:
    """Whether a valid cron expression has a next run, as the Prefect server works it out (its vendored croniter,
    which gives up after decades: '0 0 31 2 *' passed Prefect's syntax check, then serve waited for ever)."""
    from prefect.server.schemas.schedules import CronSchedule as ServerCronSchedule

    try:
        return bool(asyncio.run(ServerCronSchedule(cron=cron, timezone=timezone or None).get_dates(n=1)))
    except ValueError:  # croniter's "failed to find next date"
        return False


def _stop_serving(signum: int, frame: Any) -> None:
    """Ctrl-C (or SIGTERM) while serving: before the event loop runs, stop at once; while it runs, cancel
    Prefect's runners (the schedule's and the review forms'), as Python's own handling would cancel a
    main task, and again every few seconds until they end.

    Python's handler cancels the task once and, if that cancellation is absorbed, does nothing more
    until a second Ctrl-C. Prefect's runner absorbed it once in our tests (the Ctrl-C landing as a
    run finished, on a loaded machine): serving went on. Raising KeyboardInterrupt inside the running
    loop instead stops it too, but the loop's shutdown then prints tracebacks.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise KeyboardInterrupt from None
    runners = [t for t in asyncio.all_tasks(loop) if t.get_coro() is not None
               and getattr(t.get_coro(), "__qualname__", "").endswith("Runner.start")]
    if not runners:
        raise KeyboardInterrupt

    def cancel() -> None:
        running = [task for task in runners if not task.done()]
        for task in running:
            task.cancel()
        if running:
            loop.call_later(_CANCEL_AGAIN_S, cancel)

    loop.call_soon_threadsafe(cancel)


#: How long a cancelled serve may take to wind down before it is cancelled again.
_CANCEL_AGAIN_S = 3.0


def entry() -> None:
    """The ``factflow`` command: :func:`main`, and an exit without a last garbage collection.

    Python collects every object still tracked once more as it exits: after a run over thousands of
    claims, a tenth of a second or more spent on objects that are freed anyway. ``gc.freeze()`` moves
    them out of the collector's sight on the way out (they are still freed). Only here, at the real
    exit: ``main`` itself runs in tests and other programs' processes, which go on collecting.
    """
    try:
        main()
    except SystemExit as exc:
        from factflow_flows.server import API_LOST

        if API_LOST.is_set():  # its one Error line is out: end now, not after Prefect tried to reach the lost server
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
            os._exit(exc.code if isinstance(exc.code, int) else 1)
        raise
    finally:
        gc.freeze()


if __name__ == "__main__":
    entry()

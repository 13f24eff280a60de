"""The command line's shared parts: its consoles (no markup: outside text goes through
:func:`factflow.text.printable`), :func:`handle_errors`, which turns factflow's exception tree into one
line and an exit status in one place, the options several commands share, and the ``factflow`` group
that every command joins (``cli.py``: running the flow; ``desk.py``: the desk's commands)."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import signal
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from pydantic import ValidationError
from rich.console import Console

from factflow import __version__
from factflow.config import LoadedConfig, load_config
from factflow.errors import FactflowError, OutputError, WriteError

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
        except ValidationError as exc:
            # Our own models' errors become ConfigError and the like before they get here: this is
            # Prefect refusing a setting (PREFECT_* in the environment, or its profile) as it is imported.
            if _debugging() or not exc.title.endswith("Settings"):
                raise
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or exc.title}: {error['msg']}"
                + (f" (got {error['input']!r})" if isinstance(error.get("input"), str | int | float) else "")
                for error in exc.errors()[:3]
            )
            raise click.ClickException(
                f"Prefect refused one of its settings ({exc.title}: {problems}); check the PREFECT_* variables in the "
                "environment and the profile in $PREFECT_HOME/profiles.toml") from exc
        except (FactflowError, OSError) as exc:
            if _debugging():
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
    try:
        os.getcwd()
    except OSError as exc:  # every relative path, the Prefect home, the paths shown, hang on it
        raise click.UsageError("the current folder no longer exists (it was deleted or moved); cd to a folder that does") from exc
    for stream in (sys.stdout, sys.stderr):  # a claim's curly quote on an ASCII terminal (LC_ALL=C) was a UnicodeEncodeError
        if stream is not None and hasattr(stream, "reconfigure") and (stream.encoding or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(errors="backslashreplace")
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
    # A log line that cannot be delivered (Prefect's, to a server that stopped answering) is dropped
    # without the traceback the logging module prints to stderr; --debug shows it.
    logging.raiseExceptions = debug
    for name in ("prefect.task_runs", "prefect.flow_runs"):  # set for each command (tests run several in one process)
        _no_tracebacks(logging.getLogger(name), debug)


def _debugging() -> bool:
    """Whether the command runs with ``--debug``."""
    return bool(click.get_current_context().find_root().params.get("debug"))


def quiet_prefect_console() -> None:
    """Without ``--debug``, no traceback from any of Prefect's loggers on the terminal (a websocket
    closed under a runner, say): the filter of Prefect's run loggers (:class:`_NoTracebackForOurErrors`)
    set on the console handler Prefect installs when it is imported (call this after). What Prefect
    sends to its API keeps its traceback."""
    for handler in logging.getLogger().handlers:
        if type(handler).__name__ == "PrefectConsoleHandler":
            _no_tracebacks(handler, _debugging())


def _no_tracebacks(where: logging.Filterer, debug: bool) -> None:
    """:class:`_NoTracebackForOurErrors` on a logger or handler, once (commands run several times in one
    process), or taken off with ``--debug``."""
    for old in [f for f in where.filters if isinstance(f, _NoTracebackForOurErrors)]:
        where.removeFilter(old)
    if not debug:
        where.addFilter(_NoTracebackForOurErrors())


class _NoTracebackForOurErrors(logging.Filter):
    """Without ``--debug``, no traceback from Prefect's run loggers: a record of a task or flow run that
    failed with one of our errors (a config pattern that backtracks, a file that cannot be written) is
    dropped, since the command prints it as one ``Error:`` line; any other keeps its line, without
    the traceback (it points into Prefect; ``--debug`` shows it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info:
            return True
        if isinstance(record.exc_info[1], FactflowError):
            return False
        record.exc_info, record.exc_text = None, None
        return True


class _OneLine(logging.Formatter):
    """``Warning: <message>``; the traceback a library logs with it only with ``--debug``."""

    def __init__(self, debug: bool) -> None:
        super().__init__("Warning: %(message)s")
        self.debug = debug

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record) if self.debug else f"Warning: {record.getMessage()}"


def openable(path: Path) -> str:
    """A path as the user can open it from where they stand: relative to the current folder inside it, else absolute."""
    full = Path(os.path.abspath(path))
    here = Path.cwd()
    return str(full.relative_to(here)) if full.is_relative_to(here) else str(full)


def loaded_config(config: Path | None) -> LoadedConfig:
    """The config at ``config`` (the default one when None), checked."""
    return load_config(config)

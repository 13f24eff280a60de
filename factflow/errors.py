"""The one exception tree of factflow: every exception class factflow and its flows define is here.

    FactflowError                   raised on purpose; the CLI prints it as "Error: ..." and exits 1
    ├── LocatedError                points at a file and, where known, a line in it
    │   ├── ConfigError             the configuration is invalid; the run cannot start
    │   │   └── UnknownNameError    a name no registry knows (detector, source API); lists the known ones
    │   ├── InputError              one input file is bad (path, line); the run goes on
    │   │   └── VerdictError        a reviewer's verdict file is bad
    │   └── OutputError             an output path is not safe to write (a link, inside the seeds); the run stops
    ├── OutputLockedError           another run kept the output folder locked past the wait
    ├── ServerError                 the local Prefect server could not be started
    ├── SchedulerError              the Dask scheduler of run.dask_address could not be reached
    ├── WriteError                  the OS refused a write (disk full, quota); earlier files are whole
    ├── WorkerError                 a worker process of run.workers died (killed, out of memory)
    ├── StaleCacheError             one cache disagrees with another (a file edited by hand); caught: the run redoes the work
    └── SourceError                 a reference source could not be resolved
        ├── TransientSourceError    worth retrying (timeouts, 429, 5xx)
        └── PermanentSourceError    not worth retrying (404, malformed answer)

Low-level errors (yaml, pydantic, OSError, httpx) are translated at the boundary
with ``raise Mapped(msg) from exc`` so callers only ever catch this tree. Every error of the tree
pickles with its attributes, so one raised in a worker process (``run.workers``, Dask, Prefect's
process pool) reaches the run as itself.

Inside the HTTP client our own transports raise httpx's exceptions, so that httpx and the cache
above them handle them as their own; :func:`factflow.http.get_json` and the URL fetcher
(``factflow.ingest.web``) translate them into the tree above, so they never reach a caller:

    httpx.TransportError
    ├── ResponseTooLarge            a response body is over http.max_response_bytes
    ├── RefusedAddress              a host resolves to an address the config does not allow
    └── httpx.TimeoutException
        └── DeadlineExceeded        the stage's overall time budget (http.deadline_seconds) ran out

Names written ``httpx.X`` are httpx's classes, drawn to show where ours hang; a test parses
both drawings and checks them against the classes below, so they cannot drift.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

import httpx


class FactflowError(Exception):
    """Base of every error factflow raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling calls ``cls(*self.args)``, which our constructors do not take
        # (``args`` holds the finished message): rebuild without the constructor, then restore the attributes.
        return _rebuild, (type(self), self.args), self.__dict__


def _rebuild(cls: type[FactflowError], args: tuple[Any, ...]) -> FactflowError:
    return cls.__new__(cls, *args)


class LocatedError(FactflowError):
    """An error that points at a file and, where known, a line in it."""

    def __init__(self, path: Path | str, message: str, line: int | None = None,
                 details: Sequence[tuple[int | None, str]] = ()) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        #: Every problem found in the file, each with its own line; ``message`` sums them up in one line.
        self.details: list[tuple[int | None, str]] = list(details) or [(line, message)]
        super().__init__(self.__str__())

    @classmethod
    def of_many(cls, path: Path | str, details: Sequence[tuple[int | None, str]]) -> Self:
        """One error for several problems of one file (at least one): the first leads, the others follow."""
        (line, first), rest = details[0], details[1:]
        message = first + (f" (and {len(rest)} more: " + "; ".join(m for _, m in rest) + ")" if rest else "")
        return cls(path, message, line=line, details=details)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class ConfigError(LocatedError):
    """The configuration file is missing or invalid."""


class UnknownNameError(ConfigError):
    """A name that no registry knows (a detector, a source API); the message lists the registered ones.

    ``path`` is the setting that names it (``claims.detector``), so the message says where to fix it.
    """

    def __init__(self, setting: str, kind: str, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(setting, f"unknown {kind} {name!r}; choose one of {', '.join(known)}")


class InputError(LocatedError):
    """An input file (seed document, verdict file) cannot be used."""


class VerdictError(InputError):
    """A reviewer's verdict file is malformed or breaks the rules."""


class OutputError(LocatedError):
    """An output path the run would write is not safe: a symbolic link, a reviewer's folder, the seeds."""


class OutputLockedError(FactflowError):
    """Another run kept the output folder locked for longer than we were willing to wait."""


class ServerError(FactflowError):
    """The local Prefect server could not be started, or the Prefect server a run used stopped answering."""


class SchedulerError(FactflowError):
    """The Dask scheduler a run was sent to (``run.dask_address``, ``--task-runner dask=ADDRESS``) could not be
    reached; checked before the flow starts, so the run stops with one line instead of Dask's tracebacks."""


class WriteError(FactflowError):
    """The operating system refused a write (disk full, quota, file size limit); nothing earlier was lost.

    Every file is written to a temporary file and renamed into place, so the file being written
    keeps its old content and every file written before it is whole.
    """

    def __init__(self, path: Path | str, exc: OSError) -> None:
        self.path = str(path)
        self.errno = exc.errno
        reasons = {errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded", errno.EFBIG: "file size limit reached"}
        reason = reasons.get(exc.errno or 0, f"cannot write ({exc.strerror or exc})")
        if exc.errno in (errno.EEXIST, errno.ENOTDIR):
            # "-o afile/x.html" where afile is a file: mkdir says "File exists", which names neither path.
            blocking = next((p for p in reversed(Path(path).parents) if p.exists() and not p.is_dir()), None)
            if blocking is not None:
                reason = f"{blocking} is a file, where a folder is needed,"
        message = f"{reason} writing {self.path}; nothing was lost"
        if exc.errno == errno.EISDIR and Path(path).is_dir():
            # A folder made where the flow keeps a file stopped every run with "cannot write (Is a directory)".
            message = f"{self.path} is a folder, where the flow writes a file; move it away and run again; nothing was lost"
        super().__init__(message)


@contextmanager
def refused_writes(name: Path | str) -> Iterator[None]:
    """A full disk, a quota or a file size limit met while writing ``name`` through something that names no file
    (a temporary file, standard output) is a :class:`WriteError` naming it, not the catch-all 'the output folder'."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise WriteError(name, exc) from exc
        raise


class WorkerError(FactflowError):
    """A worker process died while it ran a stage's batches (killed, out of memory); the run stops."""


class StaleCacheError(FactflowError):
    """A cache disagrees with another (the saved merge names a claim sentence that the document's cached
    extraction does not hold: a file edited by hand); caught where raised, and the work redone from the other."""


class SourceError(FactflowError):
    """A reference source could not be resolved."""


class TransientSourceError(SourceError):
    """A source failed in a way that may succeed on retry."""


class PermanentSourceError(SourceError):
    """A source failed in a way that retrying will not fix."""


class ResponseTooLarge(httpx.TransportError):
    """A response body (decoded) is over http.max_response_bytes; it was not read further."""


class RefusedAddress(httpx.TransportError):
    """The host of a URL resolves to an address the config does not allow; nothing was sent."""


class DeadlineExceeded(httpx.TimeoutException):
    """The stage's overall time budget (http.deadline_seconds) ran out."""

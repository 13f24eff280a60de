"""The one exception tree of factflow.

    FactflowError
    ├── ConfigError            the configuration is invalid; the run cannot start
    ├── InputError             one input file is bad (path, line); the run goes on
    │   └── VerdictError       a reviewer's verdict file is bad
    ├── OutputError            an output path is not safe to write (a link, inside the seeds); the run stops
    ├── WriteError             the OS refused a write (disk full, quota); earlier files are whole
    └── SourceError            a reference source could not be resolved
        ├── TransientSourceError   worth retrying (timeouts, 429, 5xx)
        └── PermanentSourceError   not worth retrying (404, malformed answer)

Low-level errors (yaml, pydantic, OSError, httpx) are translated at the boundary
with ``raise Mapped(msg) from exc`` so callers only ever catch this tree.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from pathlib import Path
from typing import Self


class FactflowError(Exception):
    """Base of every error factflow raises on purpose."""


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


class InputError(LocatedError):
    """An input file (seed document, verdict file) cannot be used."""


class VerdictError(InputError):
    """A reviewer's verdict file is malformed or breaks the rules."""


class OutputError(LocatedError):
    """An output path the run would write is not safe: a symbolic link, a reviewer's folder, the seeds."""


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
        super().__init__(f"{reason} writing {self.path}; nothing was lost")


class SourceError(FactflowError):
    """A reference source could not be resolved."""


class TransientSourceError(SourceError):
    """A source failed in a way that may succeed on retry."""


class PermanentSourceError(SourceError):
    """A source failed in a way that retrying will not fix."""

"""One run at a time per output folder: a lock file that a second run waits on, with a clear message."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from factflow.errors import OutputError, OutputLockedError, WriteError
from factflow.layout import OutputLayout


def make_output_folder(out: Path) -> None:
    """Make the output folder when missing; OutputError naming it when it is not a folder or cannot be
    made (a file, a pipe, a device, a path through a file)."""
    if (out.exists() or out.is_symlink()) and not out.is_dir():
        raise OutputError(out, "is not a folder; the output folder must be a folder (it is made when missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(out, f"cannot make the output folder: {exc.strerror or exc}") from exc


@contextmanager
def output_lock(out: Path, timeout: float, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold ``<out>/.factflow.lock`` for the block; a second run waits up to ``timeout`` seconds.

    The lock is an OS file lock (flock on POSIX): it is released when its holder exits, even when
    it is killed, so a crashed run never leaves the folder locked.
    """
    make_output_folder(out)
    path = OutputLayout(out).lock
    if path.is_symlink():  # opening it made the file it names, outside the output folder, and then failed
        raise OutputError(path, "is a symbolic link; the lock is a file of the output folder's own (remove the link)")
    try:  # the lock library counts a lock file it cannot open as one held by another run, and waits
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644))
    except OSError as exc:  # a folder the run may not write in: one line, at once
        raise WriteError(path, exc) from exc
    lock = FileLock(path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait is not None:
            on_wait(f"another factflow run is writing to {out}; waiting for it to finish (up to {timeout:.0f} s)")
        try:
            lock.acquire(timeout=timeout)
        except Timeout as exc:
            raise OutputLockedError(
                f"{out}: another factflow run has been writing here for over {timeout:.0f} s; "
                "wait for it, or give this run another --out (run.lock_timeout sets the wait)"
            ) from exc
    except OSError as exc:  # (after Timeout, a TimeoutError) a folder the run may not write in: one line
        raise WriteError(path, exc) from exc
    try:
        yield
    finally:
        lock.release()

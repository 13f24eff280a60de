"""Files in and out: reading what a person named (without waiting on a pipe for ever, within a size),
walking folders, reading lines within a bound, and atomic writes for every file the flow writes:
a reader sees the old file or the new one, never a torn one."""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import itertools
import os
import select
import stat
import tempfile
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import IO, BinaryIO, TypeVar

from factflow.errors import LocatedError, WriteError

T = TypeVar("T")


#: Bytes read at a time from a file a person named.
_READ_BLOCK = 1 << 20
#: How long a named pipe may keep a reader waiting for its first byte (or its writer's end).
PIPE_WAIT_SECONDS = 10.0


def open_input(path: Path, error: type[LocatedError]) -> BinaryIO:
    """Open, for reading, a file a person named on the command line (a config, a report, a TSV).

    A regular file, or a pipe (``--config <(sed ... config.yaml)``). Opened without blocking and
    checked first: a named pipe nothing writes to within :data:`PIPE_WAIT_SECONDS` is an error
    instead of a wait for ever; a device (``/dev/zero``) would never end and is refused, and so is a folder.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise error(path, "file not found") from exc
    except OSError as exc:
        raise error(path, f"cannot read: {exc.strerror or exc}") from exc
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise error(path, "a folder, not a file")
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
            raise error(path, "a device, not a file; name a file (or a pipe, such as <(command))")
        if stat.S_ISFIFO(mode):  # wait for its writer's first byte or its end, not for ever
            waiting = select.poll()
            waiting.register(fd, select.POLLIN)
            if not waiting.poll(int(PIPE_WAIT_SECONDS * 1000)):
                raise error(path, f"a named pipe nothing wrote to within {PIPE_WAIT_SECONDS:g} s; name a file, or write to the pipe")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def is_stream(path: Path) -> bool:
    """True when ``path`` (through any link) is a device, pipe or socket: a target written in place, not replaced."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def write_output(path: Path, text: str | Iterable[str], error: type[LocatedError]) -> None:
    """Write a file a person named on the command line (``-o``): ``text``, or text made piece by piece (never all in memory).

    A regular file (or a new one) is written atomically, through a symbolic link rather than over it.
    A device or a pipe (``-o /dev/stdout``, ``-o >(gzip > x.gz)``) is written in place: renaming a file
    over it would replace the device node itself. A named pipe nothing reads from is an error, not a wait.
    """
    chunks = [text] if isinstance(text, str) else text
    if not is_stream(path):
        atomic_write_chunks(path.resolve(), chunks)
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise error(path, "a named pipe nothing reads from; name a file, or read from the pipe") from exc
        raise error(path, f"cannot write: {exc.strerror or exc}") from exc
    os.set_blocking(fd, True)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk.encode("utf-8"))
    except OSError as exc:  # /dev/full, a reader that went away
        raise WriteError(path, exc) from exc


def read_input_bytes(path: Path, error: type[LocatedError], max_bytes: int, hint: str = "") -> bytes:
    """The bytes of a file a person named (see :func:`open_input`), OS errors translated to ``error``; at most
    ``max_bytes``, so a pipe that never ends (``--config <(yes)``, which ran memory out) is an error, not a
    read without end. ``hint``: what to do about a larger file."""
    blocks: list[bytes] = []
    size = 0
    with open_input(path, error) as handle:
        try:
            # In blocks: read(max_bytes + 1) allocates max_bytes at once (500 MB for a ClaimReview file of 10 MB).
            while size <= max_bytes and (block := handle.read(min(_READ_BLOCK, max_bytes + 1 - size))):
                blocks.append(block)
                size += len(block)
        except OSError as exc:
            raise error(path, f"cannot read: {exc.strerror or exc}") from exc
    if size > max_bytes:
        raise error(path, f"larger than {max_bytes:,} bytes{'; ' + hint if hint else ''}")
    return blocks[0] if len(blocks) == 1 else b"".join(blocks)


def decode_input(raw: bytes, path: Path, error: type[LocatedError]) -> str:
    """UTF-8 text (a byte-order mark dropped), or ``error`` saying where it is not."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(path, f"not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc


#: What :func:`walk_tree` finds: every entry (path relative to the root, whether a folder), and the folders it could not list.
Tree = tuple[list[tuple[str, bool]], list[OSError]]


def walk_tree(root: Path, hidden: bool = False) -> Tree:
    """Everything under ``root``: (its path relative to ``root``, '/'-separated; whether it is a folder itself,
    not a link to one), and the error of each folder that could not be listed. Names beginning with a dot
    are left out (and not entered) unless ``hidden``; links to folders are listed, never entered.

    A loop, not recursion (``Path.rglob`` and ``os.walk`` recurse: folders nested a thousand deep raised
    RecursionError), and a folder whose path is longer than the system takes (ENAMETOOLONG) is one error,
    as an unreadable one is, never a stopped walk.
    """
    entries: list[tuple[str, bool]] = []
    errors: list[OSError] = []
    pending = [""]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(os.path.join(root, folder) if folder else root) as listing:
                children = [(child.name, _is_folder(child)) for child in listing]
        except OSError as exc:
            errors.append(exc)
            continue
        for name, is_folder in children:
            if name.startswith(".") and not hidden:
                continue
            path = f"{folder}/{name}" if folder else name
            entries.append((path, is_folder))
            if is_folder:
                pending.append(path)
    return entries, errors


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def files_matching(entries: Iterable[tuple[str, bool]], patterns: Iterable[str], case_sensitive: bool = False) -> list[str]:
    """The files (not folders) among :func:`walk_tree`'s ``entries`` that match any of ``patterns`` (see :func:`glob_match`)."""
    patterns = list(patterns)
    return [path for path, is_folder in entries if not is_folder and any(glob_match(path, p, case_sensitive) for p in patterns)]


def glob_match(path: str, pattern: str, case_sensitive: bool = False) -> bool:
    """Whether ``path`` (relative, '/'-separated) is one ``Path.rglob(pattern)`` finds: the pattern's last
    parts match the path's last parts, each as ``fnmatch``, ``**`` standing for any number of folders; a
    pattern ending in ``**`` finds folders only, so no file. Case-insensitive unless ``case_sensitive``, as on
    Windows and macOS: ``*.html`` finds ``PAGE.HTML`` (a page saved on Windows was skipped without a word)."""
    if not case_sensitive:
        path, pattern = path.lower(), pattern.lower()
    wanted = ["**", *(part for part in pattern.split("/") if part not in ("", "."))]
    if wanted[-1] == "**":
        return False
    parts = path.split("/")
    # reach[j]: the path's first i parts can be matched by the pattern's first j parts (i grows by one each round)
    reach = [True] + [False] * len(wanted)
    for j, want in enumerate(wanted, 1):
        reach[j] = reach[j - 1] and want == "**"
    for part in parts:
        row = [False] * (len(wanted) + 1)
        for j, want in enumerate(wanted, 1):
            if want == "**":
                row[j] = row[j - 1] or reach[j]
            else:
                row[j] = reach[j - 1] and fnmatch.fnmatchcase(part, want)
        reach = row
    return reach[-1]


def read_regular(path: Path) -> bytes | None:
    """The bytes of a regular file, or None when it is missing, unreadable, or anything else (a pipe, a
    device, a folder: never blocks). For the files a run keeps for itself (caches, the ledger, the
    report's snapshot and twin): one that is not a plain file is treated as absent and written anew."""
    return with_regular(path, lambda handle: handle.read())


def regular_digest(path: Path) -> str | None:
    """The SHA-256 (hex) of a regular file's bytes, read a megabyte at a time (never held whole); None
    when it is missing, unreadable or not a regular file (never blocks)."""
    def digest(handle: BinaryIO) -> str:
        found = hashlib.sha256()
        while block := handle.read(1 << 20):
            found.update(block)
        return found.hexdigest()

    return with_regular(path, digest)


def with_regular(path: Path, read: Callable[[BinaryIO], T]) -> T | None:
    """``read(handle)`` on a regular file opened for binary reading, or None when it is missing, unreadable
    (an OS error while reading too) or not a regular file (never blocks): see :func:`read_regular`.

    Anything else is not even opened: opening a pipe would let a writer waiting on it go on to write to a
    reader about to close, and the reader that comes next (``open_input``, for a report given as a pipe)
    would wait in vain. Checked again once open, in case the file was replaced in between."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return read(handle)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_lines(handle: IO[bytes], count: int, parse: Callable[[bytes], T]) -> list[T] | None:
    """The next ``count`` lines of ``handle``, each through ``parse``; None when fewer remain. For the
    files a run keeps a line of JSON an item (the report's twin, the saved merge), read an item at a time."""
    found = [parse(line) for line in itertools.islice(handle, count)]
    return found if len(found) == count else None


#: The longest line of a TSV that holds a sentence a row (``claims score``, ``claims match``): far above any sentence.
MAX_TSV_LINE_CHARS = 1_000_000

#: Characters read at a time from a line too long to keep, while it is skipped.
_SKIP_BLOCK = 1 << 16


class BoundedLines:
    """The lines of a text file, each at most ``limit`` characters (line end aside), for a reader that
    takes lines (``csv``, JSON Lines). A longer line is read to its end a block at a time and never held:
    ``error`` (the file, the line, "longer than N characters; " + ``hint``) is raised in its place, and the
    next line follows it. Reading a file's lines whole, one line with no end (a JSON array saved as JSON
    Lines, a CSV field whose quote never closes) took a few times its size in memory. ``number``: the
    lines read so far, the skipped one included."""

    def __init__(self, handle: IO[str], path: Path | str, limit: int, hint: str, error: type[LocatedError]) -> None:
        self.handle, self.path, self.limit, self.hint, self.error = handle, path, limit, hint, error
        self.number = 0

    def __iter__(self) -> BoundedLines:
        return self

    def __next__(self) -> str:
        line = self.handle.readline(self.limit + 2)  # room for a line end of two characters
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) <= self.limit or len(line.rstrip("\r\n")) <= self.limit:
            return line
        if not line.endswith(("\n", "\r")):
            while (rest := self.handle.readline(_SKIP_BLOCK)) and not rest.endswith(("\n", "\r")):
                pass
        raise self.error(self.path, f"line longer than {self.limit:,} characters; {self.hint}", line=self.number)


#: The largest config (or other YAML file named on the command line) read: a config is a few kilobytes.
MAX_CONFIG_BYTES = 10_000_000


def read_text(path: Path, error: type[LocatedError], max_bytes: int = MAX_CONFIG_BYTES) -> str:
    """Read a UTF-8 text file a person named (see :func:`open_input`), translating OS and decoding errors to
    ``error``; at most ``max_bytes`` (:func:`read_input_bytes`)."""
    return decode_input(read_input_bytes(path, error, max_bytes, "is it the right file?"), path, error)


#: The largest verdict (or other person-written review) file read: far above any real one.
MAX_REVIEW_FILE_BYTES = 1_000_000


def read_plain_file(path: Path, error: type[LocatedError], max_bytes: int = MAX_REVIEW_FILE_BYTES, follow_links: bool = False) -> str:
    """Read a UTF-8 file that must be a regular file of at most ``max_bytes``, never following a symbolic link.

    Opened without blocking and checked before reading: a named pipe would hang the run, a link
    to ``/dev/zero`` would never end, a link elsewhere would read a file that is not ours.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | (0 if follow_links else os.O_NOFOLLOW))
    except FileNotFoundError as exc:
        raise error(path, "file not found") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise error(path, "a symbolic link; files here must be plain files, links are not followed") from exc
        raise error(path, f"cannot read: {exc.strerror or exc}") from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(path, "a folder, named as a file; files here must be plain files")
        if not stat.S_ISREG(info.st_mode):
            raise error(path, "not a regular file (a pipe, socket or device); files here must be plain files")
        if info.st_size > max_bytes:
            raise error(path, f"file is {info.st_size:,} bytes, over the limit of {max_bytes:,}; is it the right file?")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise error(path, f"cannot read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    if len(raw) > max_bytes:
        raise error(path, f"file is over the limit of {max_bytes:,} bytes; is it the right file?")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(path, f"not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Permissions of files we write: what open() would give, not mkstemp's owner-only 0600.
_FILE_MODE = 0o666 & ~_current_umask()


def atomic_write_text(path: Path, text: str, durable: bool = True, suffix: str = ".tmp") -> None:
    """Replace ``path`` with ``text`` atomically: readers see the old or the new file, never a torn one.

    ``durable`` also flushes the file to disk before the rename (fsync), for power loss; writers of
    thousands of files pass False and call :func:`flush_to_disk` once when they are done, since a
    killed process loses nothing either way and one fsync per file costs milliseconds each.
    ``suffix`` names the temporary file (``.<name>.<random><suffix>``): writers other than the flow
    use their own, so a run's clean-up of its stale ``.tmp`` files never touches theirs.
    """
    atomic_write_chunks(path, [text], durable, suffix)


def atomic_write_bytes(path: Path, data: bytes | memoryview, durable: bool = True, suffix: str = ".tmp") -> None:
    """Like :func:`atomic_write_text`, for bytes (an array file)."""
    atomic_write_chunks(path, [data], durable, suffix)


def atomic_write_chunks(path: Path, chunks: Iterable[str] | Iterable[bytes | memoryview], durable: bool = True, suffix: str = ".tmp") -> None:
    """Like :func:`atomic_write_text`, for text (or bytes) produced piece by piece (never all in memory)."""
    atomic_write_with(path, partial(_write_chunks, chunks), durable, suffix)


def atomic_write_with(path: Path, write: Callable[[BinaryIO], object], durable: bool = True, suffix: str = ".tmp") -> None:
    """Like :func:`atomic_write_text`, for a writer that writes to a binary file as it goes (a zip archive
    of arrays, which seeks back to write each member's size)."""
    tmp = _write_temp(path, write, durable, suffix)
    try:
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteError(path, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_chunks(chunks: Iterable[str] | Iterable[bytes | memoryview], handle: BinaryIO) -> None:
    for chunk in chunks:
        handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)


def _write_temp(path: Path, write: Callable[[BinaryIO], object], durable: bool, suffix: str = ".tmp") -> Path:
    """Write a new temporary file beside ``path`` (``.<name>.<random><suffix>``) with ``write`` and return it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    except OSError as exc:
        raise WriteError(path, exc) from exc
    tmp = Path(name)
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
    except OSError as exc:  # disk full, quota, size limit: one line, and the old file stays as it was
        tmp.unlink(missing_ok=True)
        raise WriteError(path, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def create_exclusive(path: Path, text: str, durable: bool = True) -> bool:
    """Create ``path`` with ``text`` only if it does not exist; never overwrites. True if created.

    The text is written to a temporary file first and then hard-linked into place, so the file
    appears whole or not at all, and a file someone created meanwhile is left untouched.
    """
    if path.exists():
        return False
    tmp = _write_temp(path, partial(_write_chunks, [text]), durable)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    except OSError as exc:
        raise WriteError(path, exc) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return True


def flush_to_disk() -> None:
    """Flush every file written without ``durable`` to disk in one call (after a batch of writes)."""
    os.sync()

"""YAML in and out: one safe loader for every file a person writes, atomic writes for every file the flow writes.

Every YAML file a person edits (config, verdicts) goes through :func:`load_model`, which
validates it against a pydantic model and maps each validation error back to the YAML line
it came from, so a message reads ``review/verdicts/reviewer-1/c-1a2b.yaml:3: rating: ...``.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import itertools
import os
import re
import select
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from factflow.errors import LocatedError, WriteError
from factflow.text import scrub
from factflow.yamlemit import emit

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SafeLoader(_BaseLoader):
    """PyYAML's safe loader reading YAML 1.2 core types only; text that looks like something else stays text.

    Hand-written because PyYAML only implements YAML 1.1, where ``yes``, ``no``, ``on`` and
    ``off`` are booleans, ``2015-02-30`` is a date (and an error), ``0b1`` and ``0o17`` are
    numbers and ``1:20`` is sexagesimal: a reviewer's ``rationale: no`` must stay the word "no".
    See :func:`_core_schema`. No other well-kept library gives a fast 1.2 loader with marks that
    PyYAML's node API exposes.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping; a key written twice is an error at its second line (YAML forbids it, PyYAML keeps the last)."""
        seen: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            marker = (key_node.tag, key_node.value)
            if marker in seen:
                raise yaml.constructor.ConstructorError(
                    None, None,
                    f"duplicate key {key_node.value!r} (first on line {seen[marker]}); write each key once",
                    key_node.start_mark,
                )
            seen[marker] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int | str:
        """A decimal integer; one too long for Python to convert stays text (validation then says what is allowed)."""
        text = str(self.construct_scalar(node))
        try:
            return int(text.replace("_", ""))
        except ValueError:
            return text

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        """A YAML 1.2 float (the resolver below admits only 1.2 forms)."""
        text = str(self.construct_scalar(node)).lower()
        if text.endswith((".inf", ".nan")):
            return float(text.replace(".", ""))
        return float(text)


def _core_schema() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    """Implicit resolvers of the YAML 1.2 core schema: null, true/false, decimal ints and floats, merge keys.

    Everything else a YAML 1.1 reader would turn into another type (dates, ``0b``/``0x``/octal
    and sexagesimal numbers, ``yes``/``no``, ``=``) stays a string here.
    """
    rules = [
        ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
        ("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", list("-+0123456789")),
        (
            "tag:yaml.org,2002:float",
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
            list("-+.0123456789"),
        ),
        ("tag:yaml.org,2002:merge", r"^<<$", ["<"]),
    ]
    resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for tag, pattern, firsts in rules:
        rx = re.compile(pattern)
        for first in firsts:
            resolvers.setdefault(first, []).append((tag, rx))  # in order: "12" is an int before a float
    return resolvers


SafeLoader.yaml_implicit_resolvers = _core_schema()
SafeLoader.add_constructor("tag:yaml.org,2002:int", SafeLoader.construct_yaml_int)
SafeLoader.add_constructor("tag:yaml.org,2002:float", SafeLoader.construct_yaml_float)


def dump_yaml(data: Any) -> str:
    """Serialise plain data to readable, deterministic YAML (UTF-8 text, block style)."""
    return emit(data)


#: Values that aliases (``*name``) may add to a YAML file when expanded: far above what any config or
#: verdict uses, far below what an alias bomb ("billion laughs") expands to. Values written out in
#: the file count nothing, so a report of any size is read.
MAX_YAML_VALUES = 100_000


def alias_expansion(root: yaml.Node, limit: int = MAX_YAML_VALUES) -> int | None:
    """How many values the aliases of a node tree add when expanded; None when over ``limit`` or recursive.

    An alias is a second reference to a node already built; each one to a mapping or a list adds
    that node's expanded size (an alias to a scalar is one value, like any value written out). Each
    collection is measured once, so a bomb costs linear time to detect, and a file without
    aliases costs one walk over its lists and mappings.
    """
    sizes: dict[int, int] = {}  # expanded size of each collection measured so far
    in_progress: set[int] = set()
    added = 0

    def size(node: yaml.Node) -> int | None:
        nonlocal added
        key = id(node)
        in_progress.add(key)
        children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
        total = 1
        for child in children:
            if isinstance(child, yaml.ScalarNode):
                total += 1
                continue
            child_key = id(child)
            if child_key in sizes:  # an alias: it adds all it expands to
                added += sizes[child_key]
                if added > limit:
                    return None
                total += sizes[child_key]
            elif child_key in in_progress:
                return None  # an alias to one of its own ancestors: infinite when expanded
            else:
                child_size = size(child)
                if child_size is None:
                    return None
                total += child_size
        in_progress.discard(key)
        sizes[key] = total
        return total

    if isinstance(root, yaml.ScalarNode):
        return 0
    return None if size(root) is None else added


def parse_yaml(text: str, path: Path | str, error: type[LocatedError]) -> tuple[Any, yaml.Node | None]:
    """Parse YAML text safely, returning the data and its node tree (for line numbers).

    Only plain YAML is built (mappings, lists, strings, numbers, booleans, null): a tag such as
    ``!!python/object/apply`` is refused, never run. Aliases that would expand to more than
    :data:`MAX_YAML_VALUES` values beyond those written out, or into themselves, are refused before
    anything is built.
    """
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None and alias_expansion(node) is None:
            raise error(
                path, f"anchors and aliases (&name, *name) expand to more than {MAX_YAML_VALUES:,} values "
                "or into themselves; write the values out instead", line=1,
            )
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        line = _syntax_line(exc, text)
        problem = exc.problem or "invalid YAML"
        if problem.startswith("could not determine a constructor for the tag "):
            tag = problem.removeprefix("could not determine a constructor for the tag ")
            raise error(
                path, f"the tag {tag} is not allowed; only plain YAML is read (mappings, lists, strings, numbers, "
                "true/false, null), nothing is constructed or run", line=line,
            ) from exc
        raise error(path, f"not valid YAML: {problem}", line=line) from exc
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control, U+FFFE): no mark, a position
        line = text.count("\n", 0, max(0, exc.position)) + 1
        raise error(path, f"not valid YAML: character {exc.character!r} is not allowed in a YAML file", line=line) from exc
    except yaml.YAMLError as exc:
        raise error(path, f"not valid YAML: {exc}") from exc
    except RecursionError as exc:
        raise error(path, "not valid YAML: nested too deeply", line=1) from exc
    finally:
        loader.dispose()
    return data, node


def _syntax_line(exc: yaml.MarkedYAMLError, text: str) -> int | None:
    """The line to show for a YAML syntax error: where the broken construct began.

    PyYAML marks where it gave up: for a key without its colon or a quote never closed, that is
    a line later, or past the end of the file; its context mark is where the key or quote began.
    A tab is reported where it is.
    """
    mark = exc.problem_mark
    if exc.context_mark is not None and (mark is None or "tab character" not in (exc.problem or "")):
        mark = exc.context_mark
    if mark is None:
        return None
    return min(mark.line + 1, max(1, len(text.splitlines())))


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
    with open_input(path, error) as handle:
        try:
            raw = handle.read(max_bytes + 1)
        except OSError as exc:
            raise error(path, f"cannot read: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise error(path, f"larger than {max_bytes:,} bytes{'; ' + hint if hint else ''}")
    return raw


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


def files_matching(entries: Iterable[tuple[str, bool]], patterns: Iterable[str]) -> list[str]:
    """The files (not folders) among :func:`walk_tree`'s ``entries`` that match any of ``patterns`` (see :func:`glob_match`)."""
    patterns = list(patterns)
    return [path for path, is_folder in entries if not is_folder and any(glob_match(path, p) for p in patterns)]


def glob_match(path: str, pattern: str) -> bool:
    """Whether ``path`` (relative, '/'-separated) is one ``Path.rglob(pattern)`` finds: the pattern's last
    parts match the path's last parts, each as ``fnmatch`` (case-sensitive), ``**`` standing for any
    number of folders; a pattern ending in ``**`` finds folders only, so no file."""
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


def node_line(node: yaml.Node | None, loc: Iterable[int | str]) -> int | None:
    """The 1-based line of the YAML node at ``loc`` (or of its deepest existing ancestor)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    current: yaml.Node = node
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if key_node.value == str(part):
                    child = value_node
                    line = key_node.start_mark.line + 1
                    break
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(current.value):
            child = current.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        current = child
    return line


def _field_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str] | None:
    """The keys allowed in the mapping at ``loc`` of ``model``, for "unknown key" messages."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        current = _model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return None


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as ``list[Reviewer] | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters (a 5,000-digit number is not worth echoing)."""
    text = repr(value) if not isinstance(value, int) or value.bit_length() < 200 else f"a {len(str(abs(value))):,}-digit number"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_error(model: type[BaseModel], err: Mapping[str, Any]) -> str:
    """One readable line for one pydantic error: the dotted key, what is wrong, what is allowed."""
    loc = tuple(p for p in err["loc"] if p not in ("__root__",))
    dotted = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _field_keys(model, loc[:-1])
        hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        return f"{dotted}: unknown key{hint}"
    if kind == "missing":
        return f"{dotted}: required key is missing"
    msg = str(err["msg"]).removeprefix("Value error, ")
    got = err.get("input")
    shown = "" if isinstance(got, dict | list) or got is None else f" (got {_short(got)})"
    return f"{dotted}: {msg}{shown}" if dotted else f"{msg}{shown}"


def load_model(
    path: Path,
    model: type[M],
    error: type[LocatedError],
    context: dict[str, Any] | None = None,
    text: str | None = None,
) -> M:
    """Read, parse and validate one YAML file; any problem raises ``error`` naming file and line."""
    return load_model_node(path, model, error, context, text)[0]


def load_model_node(
    path: Path,
    model: type[M],
    error: type[LocatedError],
    context: dict[str, Any] | None = None,
    text: str | None = None,
) -> tuple[M, yaml.Node | None]:
    """Like :func:`load_model`, also returning the YAML node tree for later line look-ups."""
    if text is None:
        text = read_text(path, error)
    data, node = parse_yaml(text, path, error)
    data = scrub(data)  # a "\ud800" escape must not reach a model: no file could be written with it
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise error(path, f"expected a mapping of keys to values, found {type(data).__name__}", line=1)
    try:
        return model.model_validate(data, context=context), node
    except ValidationError as exc:
        details = [(node_line(node, e["loc"]), describe_error(model, e)) for e in exc.errors()]
        raise error.of_many(path, details) from exc


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
    tmp = _write_temp(path, chunks, durable, suffix)
    try:
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteError(path, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_temp(path: Path, chunks: Iterable[str] | Iterable[bytes | memoryview], durable: bool, suffix: str = ".tmp") -> Path:
    """Write the text (or bytes) to a new temporary file beside ``path`` (``.<name>.<random><suffix>``) and return it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    except OSError as exc:
        raise WriteError(path, exc) from exc
    tmp = Path(name)
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
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
    tmp = _write_temp(path, [text], durable)
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

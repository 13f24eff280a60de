"""YAML in and out: one safe loader for every file a person writes.

Every YAML file a person edits (config, verdicts) goes through :func:`load_model`, which
validates it against a pydantic model and maps each validation error back to the YAML line
it came from, so a message reads ``review/verdicts/reviewer-1/c-1a2b.yaml:3: rating: ...``.
Reading and writing the files themselves is :mod:`factflow.fileio`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from factflow.errors import LocatedError
from factflow.fileio import read_text
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
        if not isinstance(node, yaml.MappingNode):  # '!!map [1]': PyYAML would unpack the list's items as pairs
            raise yaml.constructor.ConstructorError(None, None, f"expected a mapping, but found a {node.id}", node.start_mark)
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

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float | str:
        """A YAML 1.2 float (the resolver below admits only 1.2 forms); text tagged ``!!float`` that is no
        number stays text (validation then says what is allowed)."""
        text = str(self.construct_scalar(node))
        low = text.lower()
        try:
            return float(low.replace(".", "") if low.endswith((".inf", ".nan")) else low.replace("_", ""))
        except ValueError:
            return text

    def construct_yaml_bool(self, node: yaml.ScalarNode) -> bool | str:
        """true or false; text tagged ``!!bool`` that is neither stays text."""
        text = str(self.construct_scalar(node))
        return {"true": True, "false": False}.get(text.lower(), text)


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
# The core schema's types only: PyYAML's safe loader also builds !!timestamp (a date, or a ValueError for
# '2015-02-30'), !!binary (bytes), !!set, !!omap and !!pairs when a file names them; here such a tag is
# refused like any other (see parse_yaml), and nothing but text, numbers, true/false, null, lists and
# mappings reaches a model.
SafeLoader.yaml_constructors = {
    tag: constructor for tag, constructor in yaml.constructor.SafeConstructor.yaml_constructors.items()
    if tag is None or tag.removeprefix("tag:yaml.org,2002:") in ("null", "str", "seq", "map")
}
SafeLoader.add_constructor("tag:yaml.org,2002:bool", SafeLoader.construct_yaml_bool)
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
            tag = problem.removeprefix("could not determine a constructor for the tag ").replace("tag:yaml.org,2002:", "!!")
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
    if isinstance(value, date | datetime):  # a TOML date: as written, not 'datetime.date(1, 1, 1)'
        return repr(value.isoformat())
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
    shown = "" if isinstance(got, dict | list) or got is None or _short(got) in msg else f" (got {_short(got)})"  # said once
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


def parse_mapping(text: str, path: Path | str, error: type[LocatedError], what: str = "", line: int = 1) -> tuple[dict[Any, Any], yaml.Node | None]:
    """:func:`parse_yaml` of a document that must be a mapping (empty: an empty one), its strings scrubbed; else
    ``error`` at ``line``, its message starting with ``what`` (such as 'front matter: ')."""
    data, node = parse_yaml(text, path, error)
    data = scrub(data)  # a "\ud800" escape must not reach a model: no file could be written with it
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise error(path, f"{what}expected a mapping of keys to values, found {type(data).__name__}", line=line)
    return data, node


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
    data, node = parse_mapping(text, path, error)
    try:
        return model.model_validate(data, context=context), node
    except ValidationError as exc:
        details = [(node_line(node, e["loc"]), describe_error(model, e)) for e in exc.errors()]
        raise error.of_many(path, details) from exc

"""The one exception tree: every exception class lives in factflow/errors.py, drawn there as it is."""

from __future__ import annotations

import errno
import importlib
import inspect
import pickle
import re

import httpx

from factflow import errors
from tests.conftest import ROOT

#: One line of a drawing: the guides and branch that set its depth, then a class name.
_NODE = re.compile(r"^(?P<guides>(?:│   |    )*)(?P<branch>[├└]── )?(?P<name>[A-Za-z_][\w.]*)(?:\s|$)")


def _modules(folder: str, package: str) -> list[str]:
    """Every module of a package folder (installed as ``package``), by file, so a module no one imports is not missed."""
    return sorted(
        ".".join((package, *path.relative_to(ROOT / folder).with_suffix("").parts)).removesuffix(".__init__")
        for path in (ROOT / folder).rglob("*.py")
    )


def _drawings(doc: str) -> list[list[str]]:
    """The indented blocks of a docstring (each a drawing), their lines without the indent."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in [*doc.splitlines(), ""]:
        if line.startswith("    ") and line.strip():
            current.append(line[4:])
        elif current:
            blocks.append(current)
            current = []
    return blocks


def _parse(lines: list[str]) -> list[tuple[str, str | None, bool]]:
    """(name, parent name, drawn as last child) for every node of one drawing."""
    nodes: list[tuple[str, str | None, bool]] = []
    stack: list[str] = []
    for line in lines:
        m = _NODE.match(line)
        assert m, f"not a line of a tree drawing: {line!r}"
        depth = len(m["guides"]) // 4 + (1 if m["branch"] else 0)
        assert depth <= len(stack), f"{m['name']} is drawn deeper than its parent"
        del stack[depth:]
        nodes.append((m["name"], stack[-1] if stack else None, (m["branch"] or "").startswith("└")))
        stack.append(m["name"])
    return nodes


def _resolve(name: str) -> type[BaseException]:
    owner, _, attr = name.rpartition(".")
    cls = getattr(httpx if owner == "httpx" else errors, attr)
    assert owner in ("", "httpx") and inspect.isclass(cls) and issubclass(cls, BaseException), name
    return cls


def test_every_exception_class_of_factflow_and_flows_is_defined_in_errors() -> None:
    names = _modules("factflow", "factflow") + _modules("flows", "factflow_flows")
    assert {"factflow", "factflow.ingest.web", "factflow_flows.server", "factflow_flows.cli"} <= set(names)
    elsewhere: list[str] = []
    for name in names:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            defined_here = inspect.isclass(value) and value.__module__ == name and name != errors.__name__
            if defined_here and issubclass(value, BaseException):
                elsewhere.append(f"{name}.{attr}")
    assert elsewhere == [], f"define these in factflow/errors.py: {', '.join(elsewhere)}"


def test_the_drawing_in_errors_is_the_class_hierarchy_exactly() -> None:
    assert errors.__doc__
    drawn: dict[type[BaseException], type[BaseException] | None] = {}
    for drawing in _drawings(errors.__doc__):
        nodes = _parse(drawing)
        children: dict[str | None, list[str]] = {}
        for name, parent, _last in nodes:
            cls = _resolve(name)
            assert cls not in drawn, f"{name} is drawn twice"
            drawn[cls] = _resolve(parent) if parent else None
            children.setdefault(parent, []).append(name)
        for name, parent, last in nodes:
            if parent is not None:
                assert last == (children[parent][-1] == name), f"{name}: '└──' marks the last child of {parent}, '├──' the others"
    ours = {cls for cls in vars(errors).values() if inspect.isclass(cls) and issubclass(cls, BaseException) and cls.__module__ == errors.__name__}
    assert {cls for cls in drawn if cls.__module__ == errors.__name__} == ours, "every class of errors.py is drawn, and only those"
    for cls, parent in drawn.items():
        if cls in ours:
            assert cls.__bases__ == ((parent,) if parent else (Exception,)), f"{cls.__name__} is drawn under {parent}, but its bases are {cls.__bases__}"
        else:
            assert parent is None or issubclass(cls, parent), f"httpx.{cls.__name__} is drawn under {parent}"


def test_every_error_of_the_tree_comes_back_from_pickling_as_itself() -> None:
    """What a worker process raises (run.workers, Prefect's process pool, Dask) reaches the run pickled."""
    made = [
        errors.FactflowError("plain"), errors.LocatedError("a.txt", "located"),
        errors.ConfigError("config.yaml", "bad key", line=3),
        errors.UnknownNameError("claims.detector", "detector", "bert", ["minilm", "ngram"]),
        errors.InputError("seeds/a.txt", "unreadable", line=7), errors.OutputError("out", "is a symbolic link"),
        errors.VerdictError.of_many("review/verdicts/reviewer-1/c-1.yaml", [(2, "rating: 'maybe' is not a label"), (None, "no reviewer")]),
        errors.OutputLockedError("out is locked"), errors.ServerError("no server"), errors.SchedulerError("no scheduler"),
        errors.WriteError("out/x.yaml", OSError(errno.ENOSPC, "No space left on device")), errors.WorkerError("a worker died"), errors.StaleCacheError("a row names sentence 3"),
        errors.SourceError("source"), errors.TransientSourceError("timeout"), errors.PermanentSourceError("404"),
    ]
    tree = {cls for cls in vars(errors).values() if inspect.isclass(cls) and issubclass(cls, errors.FactflowError)}
    assert {type(e) for e in made} == tree, "add an instance of every new error class here"
    for error in made:
        back = pickle.loads(pickle.dumps(error))
        assert (type(back), str(back), back.args, vars(back)) == (type(error), str(error), error.args, vars(error))

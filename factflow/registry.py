"""A registry: the things of one kind (detectors, source APIs) by name, registered in one place.

The config, the CLI's choices and the docs read :meth:`Registry.names`; an unknown name is an
:class:`~factflow.errors.UnknownNameError` that names the setting and lists the known ones.
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from factflow.errors import UnknownNameError


class Entry(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def summary(self) -> str: ...


E = TypeVar("E", bound=Entry)


class Registry(Generic[E]):
    """Entries of one ``kind`` ("detector"), chosen by the setting ``setting`` ("claims.detector"), in registration order."""

    def __init__(self, kind: str, setting: str) -> None:
        self.kind = kind
        self.setting = setting
        self._entries: dict[str, E] = {}

    def add(self, entry: E) -> None:
        """Register ``entry`` under its name; a name registered twice is a programming error."""
        if entry.name in self._entries:
            raise ValueError(f"{self.kind} {entry.name!r} is registered twice")
        self._entries[entry.name] = entry

    def names(self) -> tuple[str, ...]:
        """The registered names, in registration order."""
        return tuple(self._entries)

    def get(self, name: str) -> E:
        """The entry registered under ``name``; an unknown name is an UnknownNameError that lists the known ones."""
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(self.setting, self.kind, name, self.names()) from None

    def describe(self) -> str:
        """One line per entry, for help texts and docs."""
        return "; ".join(f"{entry.name}: {entry.summary}" for entry in self._entries.values())

    def pop(self, name: str, default: E | None = None) -> E | None:
        """Remove the entry of ``name`` (a test that registered one for a while takes it back)."""
        return self._entries.pop(name, default)

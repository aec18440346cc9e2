"""Registries: how a higher app plugs into a lower one without the lower one importing it.

A lower app owns a registry (commerce owns the event types and the order page's panels, core the scheduled
jobs, notifications the handlers for replies to our email); a higher app adds its entries when Django starts
(its `AppConfig.ready`). Plain Python: no Django import.
"""

from collections.abc import Iterator
from typing import Protocol


class Entry(Protocol):
    name: str
    order: int


class Registry[E: Entry]:
    """Named entries, read in their declared `order` (then by name). Registering the very same entry again
    changes nothing (Django may run `ready` more than once); another entry under a taken name is a mistake."""

    def __init__(self, what: str):
        self.what = what
        self._entries: dict[str, E] = {}

    def add(self, entry: E) -> E:
        known = self._entries.get(entry.name)
        if known is not None and known != entry:
            raise ValueError(f"another {self.what} is already registered as {entry.name!r}")
        self._entries[entry.name] = entry
        return entry

    def get(self, name: str) -> E | None:
        return self._entries.get(name)

    def names(self) -> list[str]:
        return [entry.name for entry in self]

    def __iter__(self) -> Iterator[E]:
        return iter(sorted(self._entries.values(), key=lambda entry: (entry.order, entry.name)))

    def __len__(self) -> int:
        return len(self._entries)

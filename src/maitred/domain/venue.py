"""The floor: zones, tables and which tables may be pushed together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from maitred.domain.policy import Policy


@dataclass(frozen=True, slots=True)
class Zone:
    """An area of the floor; tables merge only within one zone."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Table:
    """A table. `max_party` is the largest party it seats on its own."""

    id: str
    label: str
    zone_id: str
    capacity: int
    min_party: int = 1
    max_party: int | None = None
    mergeable: bool = True
    active: bool = True
    priority: int = 0

    @property
    def single_max_party(self) -> int:
        return self.capacity if self.max_party is None else self.max_party

    def seats_alone(self, party_size: int) -> bool:
        """Whether this table on its own accepts a party of this size."""
        return self.min_party <= party_size <= self.single_max_party and self.capacity >= party_size


def edge(table_a: str, table_b: str) -> tuple[str, str]:
    """The canonical form of an undirected edge: the smaller id first."""
    return (table_a, table_b) if table_a < table_b else (table_b, table_a)


@dataclass(frozen=True, slots=True)
class Venue:
    """A snapshot of one restaurant's floor and policy at one venue version."""

    zones: tuple[Zone, ...]
    tables: tuple[Table, ...]
    adjacency: frozenset[tuple[str, str]]
    policy: Policy
    timezone: str = "UTC"
    version: int = 0
    name: str = ""
    _by_id: dict[str, Table] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {table.id: table for table in self.tables})

    def table(self, table_id: str) -> Table:
        return self._by_id[table_id]

    def has_table(self, table_id: str) -> bool:
        return table_id in self._by_id

    def adjacent(self, table_a: str, table_b: str) -> bool:
        return edge(table_a, table_b) in self.adjacency

    def neighbours(self, table_id: str) -> frozenset[str]:
        return frozenset(b if a == table_id else a for a, b in self.adjacency if table_id in (a, b))

    def labels(self, table_ids: Iterable[str]) -> list[str]:
        return [self._by_id[table_id].label for table_id in table_ids]

"""Hypothesis strategies: random small floors, busy tables around a request, waiting bookings."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

from hypothesis import strategies as st

from maitred.domain.booking import Allocation, AllocationKind, Booking
from maitred.domain.policy import AdjacencyMode
from maitred.domain.venue import Table, Venue
from maitred.domain.window import Window
from support.floors import at, booking, busy, policy, table, venue

REQUEST = at(19, 0, 120)

# Where a busy interval sits against REQUEST [19:00, 21:00): inside, around, across either
# edge, back to back on either side, or clear of it.
PLACEMENTS = {
    "inside": (30, 30),
    "enclosing": (-30, 150),
    "across start": (-60, 60),
    "across end": (90, 60),
    "ends at start": (-90, 90),
    "starts at end": (120, 60),
    "clear": (180, 60),
    "a second inside": (0, 0),
}


@dataclass(frozen=True)
class Scenario:
    venue: Venue
    party: int
    allocations: tuple[Allocation, ...]
    avoid: frozenset[str]


@st.composite
def tables(draw: st.DrawFn, count: int, zones: int) -> list[Table]:
    found = []
    for number in range(1, count + 1):
        capacity = draw(st.integers(1, 8))
        min_party = draw(st.integers(1, min(3, capacity)))
        max_party = draw(st.none() | st.integers(min_party, capacity))
        found.append(
            table(
                f"T{number}",
                capacity,
                zone=f"z{draw(st.integers(0, zones - 1))}",
                min_party=min_party,
                max_party=max_party,
                mergeable=draw(st.sampled_from([True, True, True, False])),
                active=draw(st.sampled_from([True, True, True, True, False])),
                priority=draw(st.integers(0, 2)),
            )
        )
    return found


@st.composite
def floors(draw: st.DrawFn, max_tables: int = 9, mode: AdjacencyMode | None = None) -> Venue:
    count = draw(st.integers(1, max_tables))
    zones = draw(st.integers(1, 2))
    found = draw(tables(count, zones))
    pairs = list(itertools.combinations([t.id for t in found], 2))
    edges = [pair for pair in pairs if draw(st.integers(0, 99)) < 45]
    rules = policy(
        mode=mode or draw(st.sampled_from(list(AdjacencyMode))),
        max_tables=draw(st.integers(1, 6)),
        slack=draw(st.integers(0, 4)),
    )
    return venue(found, edges, rules)


def placed(table_id: str, placement: str, kind: AllocationKind) -> Allocation:
    offset, minutes = PLACEMENTS[placement]
    start = REQUEST.start + timedelta(minutes=offset)
    length = timedelta(minutes=minutes) if minutes else timedelta(seconds=1)
    return busy(table_id, Window(start, start + length), kind)


@st.composite
def occupants(draw: st.DrawFn, floor: Venue) -> tuple[Allocation, ...]:
    found = []
    for t in floor.tables:
        for _ in range(draw(st.integers(0, 2))):
            placement = draw(st.sampled_from(sorted(PLACEMENTS)))
            kind = draw(st.sampled_from(list(AllocationKind)))
            found.append(placed(t.id, placement, kind))
    return tuple(found)


@st.composite
def scenarios(draw: st.DrawFn, max_tables: int = 9) -> Scenario:
    floor = draw(floors(max_tables))
    ids = [t.id for t in floor.tables]
    avoid = frozenset(draw(st.lists(st.sampled_from(ids), max_size=2)))
    return Scenario(floor, draw(st.integers(1, 14)), draw(occupants(floor)), avoid)


@st.composite
def waiting_bookings(draw: st.DrawFn, count: int) -> list[Booking]:
    """Bookings with no tables yet, overlapping REQUEST or not."""
    found = []
    for number in range(count):
        hour = draw(st.sampled_from([17, 18, 19, 20, 21]))
        minute = draw(st.sampled_from([0, 30]))
        found.append(booking(f"w{number}", draw(st.integers(1, 10)), at(hour, minute, 120)))
    return found

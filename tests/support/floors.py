"""Small floors, windows and bookings for planner tests, and a brute-force reference planner.

The reference planner shares no code with `maitred.planning`: it tries every subset of tables
with itertools and checks the rules of DESIGN §1 literally, on table ids.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from maitred.domain.booking import Allocation, AllocationKind, Booking, BookingStatus
from maitred.domain.policy import AdjacencyMode, Pacing, Policy, Service
from maitred.domain.venue import Table, Venue, Zone, edge
from maitred.domain.window import Window

DAY = date(2026, 11, 27)  # a Friday; Europe/London is on UTC then
DINNER = Service.model_validate({"name": "dinner", "start": "17:00", "end": "23:00"})


def policy(
    mode: AdjacencyMode = AdjacencyMode.CONNECTED,
    max_tables: int = 3,
    slack: int = 4,
    pacing: int | None = None,
    buffer: int = 0,
) -> Policy:
    return Policy(
        services=(DINNER,),
        adjacency_mode=mode,
        max_tables_per_combination=max_tables,
        slack_budget=slack,
        pacing=Pacing(max_covers=pacing) if pacing else None,
        buffer_minutes=buffer,
    )


def table(label: str, capacity: int, zone: str = "main", **fields: object) -> Table:
    """A table whose id is its label, in zone `zone` (zone id = zone name)."""
    return Table(id=label, label=label, zone_id=zone, capacity=capacity, **fields)  # type: ignore[arg-type]


def venue(
    tables: Iterable[Table],
    edges: Iterable[tuple[str, str]] = (),
    the_policy: Policy | None = None,
    timezone: str = "Europe/London",
) -> Venue:
    tables = tuple(tables)
    zones = tuple(Zone(name, name.title()) for name in sorted({t.zone_id for t in tables}))
    return Venue(
        zones=zones,
        tables=tables,
        adjacency=frozenset(edge(a, b) for a, b in edges),
        policy=the_policy or policy(),
        timezone=timezone,
    )


def at(hour: int, minute: int = 0, minutes: int = 120) -> Window:
    """A window on DAY starting at hour:minute UTC and lasting `minutes`."""
    start = datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=UTC)
    return Window(start, start + timedelta(minutes=minutes))


def busy(
    table_id: str,
    window: Window,
    kind: AllocationKind = AllocationKind.ASSIGNMENT,
    booking_id: str | None = None,
) -> Allocation:
    return Allocation(table_id, window, kind, booking_id=booking_id)


def booking(
    booking_id: str,
    party: int,
    window: Window,
    tables: Sequence[str] = (),
    pinned: bool = False,
    status: BookingStatus = BookingStatus.CONFIRMED,
) -> Booking:
    return Booking(
        id=booking_id,
        party_size=party,
        window=window,
        service="dinner",
        service_date=DAY,
        status=status,
        ref=booking_id.upper(),
        pinned=pinned,
        tables=tuple(tables),
    )


# The brute-force reference -------------------------------------------------------------------


def _adjacent(venue: Venue, a: str, b: str) -> bool:
    return (min(a, b), max(a, b)) in venue.adjacency


def _connected(venue: Venue, ids: list[str]) -> bool:
    reached = {ids[0]}
    changed = True
    while changed:
        changed = False
        for x in ids:
            if x not in reached and any(_adjacent(venue, x, y) for y in reached):
                reached.add(x)
                changed = True
    return len(reached) == len(ids)


def touching(venue: Venue, ids: list[str], mode: AdjacencyMode) -> bool:
    pairs = list(itertools.combinations(ids, 2))
    if mode is AdjacencyMode.PAIRWISE:
        return all(_adjacent(venue, a, b) for a, b in pairs)
    if mode is AdjacencyMode.NEIGHBORS:
        return any(all(_adjacent(venue, h, o) for o in ids if o != h) for h in ids)
    return _connected(venue, ids)


def feasible(
    venue: Venue, ids: Sequence[str], party: int, mode: AdjacencyMode | None = None
) -> bool:
    """Whether these tables may seat the party by the rules alone (automatic slack rule)."""
    rules = venue.policy
    mode = mode or rules.adjacency_mode
    tables = [venue.table(i) for i in ids]
    seats = sum(t.capacity for t in tables)
    if not tables or not all(t.active for t in tables):
        return False
    if len(tables) == 1:
        t = tables[0]
        limit = t.capacity if t.max_party is None else t.max_party
        return t.capacity >= party and t.min_party <= party <= limit
    return (
        len(tables) <= rules.max_tables_per_combination
        and all(t.mergeable for t in tables)
        and len({t.zone_id for t in tables}) == 1
        and touching(venue, list(ids), mode)
        and party <= seats <= party + rules.slack_budget
    )


def minimal(
    venue: Venue, ids: Sequence[str], party: int, mode: AdjacencyMode | None = None
) -> bool:
    """No proper non-empty subset is itself feasible."""
    return not any(
        feasible(venue, subset, party, mode)
        for size in range(1, len(ids))
        for subset in itertools.combinations(ids, size)
    )


def brute_force_plans(
    venue: Venue,
    party: int,
    window: Window,
    allocations: Iterable[Allocation] = (),
    avoid: Iterable[str] = (),
    mode: AdjacencyMode | None = None,
) -> set[frozenset[str]]:
    """Every feasible minimal combination of free, not avoided tables."""
    taken = {
        a.table_id
        for a in allocations
        if a.window.start < window.end and window.start < a.window.end
    }
    usable = sorted(t.id for t in venue.tables if t.id not in taken and t.id not in set(avoid))
    limit = max(1, venue.policy.max_tables_per_combination)
    found = set()
    for size in range(1, min(limit, len(usable)) + 1):
        for ids in itertools.combinations(usable, size):
            if feasible(venue, ids, party, mode) and minimal(venue, ids, party, mode):
                found.add(frozenset(ids))
    return found


# A small floor in the file format, for database and API tests.
SMALL_FLOOR = """
restaurant: {name: %(name)s, timezone: Europe/London}
policy:
  services:
    - {name: lunch, start: "12:00", end: "15:00", allow_overrun: true}
    - {name: dinner, start: "17:00", end: "22:00"}
  buffer_minutes: 15
zones:
  - name: Main
    tables:
      - {label: T1, capacity: 2}
      - {label: T2, capacity: 2}
      - {label: T3, capacity: 4, min_party: 3, max_party: 4}
      - {label: B1, capacity: 6, mergeable: false}
    adjacency: [[T1, T2], [T2, T3]]
  - name: Patio
    tables:
      - {label: P1, capacity: 4}
"""

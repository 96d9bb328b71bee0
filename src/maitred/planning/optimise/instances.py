"""The allocation-quality benchmark's floors and days, seeded.

Three floors: a 240-seat casual venue of mostly 4-tops, a 50-seat room of combinable 2-tops,
and the planner benchmark's 150-table mixed venue. A day is drawn at a *load*: bookings are
added (seeded party sizes and start times, in the order they were made) until the covers
booked at the busiest moment reach `load` times the floor's seats. At 1.0 the peak asks for
every seat at once, which a floor of fixed tables can never quite give.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time

from maitred.domain.booking import Booking, BookingStatus
from maitred.domain.policy import Policy, Service, TurnTime
from maitred.domain.venue import Table, Venue, Zone, edge
from maitred.domain.window import booking_window
from maitred.planning.occupancy import BUCKET, span
from maitred.planning.synthetic import (
    PARTY_WEIGHTS,
    SERVICE_DATE,
    TIMEZONE,
    FloorShape,
    random_start,
    synthetic_floor,
)

CASUAL_PARTIES = {1: 8, 2: 52, 3: 12, 4: 14, 5: 4, 6: 4, 7: 2, 8: 2, 9: 1, 10: 1}
TWO_TOP_PARTIES = {1: 8, 2: 52, 3: 14, 4: 16, 5: 4, 6: 4, 7: 1, 8: 1}
DINNER = Service(name="dinner", start=time(17), end=time(23))


@dataclass(frozen=True, slots=True)
class FloorKind:
    """A benchmark floor: how to build it and who books it."""

    name: str
    build: Callable[[int], Venue]
    parties: dict[int, int]


def _policy(max_tables: int) -> Policy:
    return Policy(
        services=(DINNER,),
        turn_times=(
            TurnTime(max_party=2, minutes=75),
            TurnTime(max_party=4, minutes=90),
            TurnTime(max_party=6, minutes=105),
            TurnTime(max_party=99, minutes=120),
        ),
        buffer_minutes=10,
        max_tables_per_combination=max_tables,
        slack_budget=4,
    )


def _rows(tables: list[Table], width: int) -> set[tuple[str, str]]:
    """Each table pushes together with the one to its right and the one behind it."""
    edges = set()
    for position, table in enumerate(tables):
        if (position + 1) % width and position + 1 < len(tables):
            edges.add(edge(table.id, tables[position + 1].id))
        if position + width < len(tables):
            edges.add(edge(table.id, tables[position + width].id))
    return edges


def casual_floor(seed: int = 1) -> Venue:
    """240 seats: 2 two-tops, 56 four-tops in rows of pushable tables, 2 six-top booths."""
    main, terrace = Zone("main", "Main"), Zone("terrace", "Terrace")
    fours = [Table(f"c{n:02d}", f"C{n}", "main" if n <= 32 else "terrace", 4) for n in range(1, 57)]
    edges: set[tuple[str, str]] = set()
    for zone_tables in (fours[:32], fours[32:]):
        edges |= {
            edge(a.id, b.id)
            for row in range(0, len(zone_tables), 8)
            for a, b in zip(zone_tables[row : row + 7], zone_tables[row + 1 : row + 8], strict=True)
        }
    twos = [Table(f"d{n}", f"D{n}", "main", 2) for n in (1, 2)]
    edges |= {edge("d1", "d2"), edge("d2", "c01")}
    booths = [Table(f"b{n}", f"B{n}", "main", 6, min_party=3, mergeable=False) for n in (1, 2)]
    return Venue(
        zones=(main, terrace),
        tables=(*twos, *fours, *booths),
        adjacency=frozenset(edges),
        policy=_policy(3),
        timezone=TIMEZONE,
        name="Casual 240",
    )


def two_top_floor(seed: int = 1) -> Venue:
    """50 seats: 25 two-tops in a 5 x 5 grid, any neighbours pushed together (up to 4)."""
    tables = [Table(f"t{n:02d}", f"T{n}", "room", 2) for n in range(1, 26)]
    return Venue(
        zones=(Zone("room", "Room"),),
        tables=tuple(tables),
        adjacency=frozenset(_rows(tables, 5)),
        policy=_policy(4),
        timezone=TIMEZONE,
        name="Two-tops 50",
    )


def mixed_floor(seed: int = 1) -> Venue:
    """The planner benchmark's 150-table floor (2- to 8-tops, up to 4 tables merged)."""
    return synthetic_floor(FloorShape(150, max_tables_per_combination=4), seed)


FLOORS = (
    FloorKind("casual-240", casual_floor, CASUAL_PARTIES),
    FloorKind("two-tops-50", two_top_floor, TWO_TOP_PARTIES),
    FloorKind("mixed-150", mixed_floor, PARTY_WEIGHTS),
)


def seats(venue: Venue) -> int:
    return sum(table.capacity for table in venue.tables if table.active)


def _party(rng: random.Random, weights: dict[int, int]) -> int:
    parties = list(weights)
    return rng.choices(parties, weights=[weights[p] for p in parties])[0]


def _booking(venue: Venue, number: int, party: int, start: time) -> Booking:
    found = booking_window(venue.policy, venue.timezone, SERVICE_DATE, start, party)
    return Booking(
        id=f"b{number:04d}",
        party_size=party,
        window=found.window,
        service=found.service,
        service_date=found.service_date,
        status=BookingStatus.CONFIRMED,
        ref=f"B{number}",
    )


class _Peak:
    """Covers booked per 5-minute bucket, to find the busiest moment."""

    def __init__(self) -> None:
        self.buckets: dict[int, int] = {}
        self.peak = 0

    def add(self, booking: Booking) -> None:
        start, end = span(booking.window)
        for bucket in range(start // BUCKET, (end - 1) // BUCKET + 1):
            covers = self.buckets.get(bucket, 0) + booking.party_size
            self.buckets[bucket] = covers
            self.peak = max(self.peak, covers)


def peak_load(venue: Venue, day: list[Booking]) -> float:
    """The covers booked at the busiest moment, as a share of the floor's seats."""
    demand = _Peak()
    for booking in day:
        demand.add(booking)
    return demand.peak / seats(venue)


def loaded_day(venue: Venue, parties: dict[int, int], load: float, seed: int = 1) -> list[Booking]:
    """Bookings in the order they were made, until the peak asks for `load` x the seats."""
    rng = random.Random(seed)
    target = load * seats(venue)
    demand, day = _Peak(), list[Booking]()
    while demand.peak < target:
        booking = _booking(venue, len(day) + 1, _party(rng, parties), random_start(rng))
        demand.add(booking)
        day.append(booking)
    return day


def day_of_size(
    venue: Venue, parties: dict[int, int], bookings: int, seed: int = 1
) -> list[Booking]:
    """Exactly `bookings` bookings, whatever the load they make."""
    rng = random.Random(seed)
    return [
        _booking(venue, number, _party(rng, parties), random_start(rng))
        for number in range(1, bookings + 1)
    ]

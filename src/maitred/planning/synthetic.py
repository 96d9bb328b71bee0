"""Seeded synthetic floors and days, for the planner benchmark and for tests.

Floors: 2-, 4-, 6- and 8-tops in realistic proportions (40/35/15/10 %), in zones of about 25
tables laid out in rows; each table may be pushed together with the table to its right and the
one behind it (degree <= 4), with a few gaps and a few fixed booths. Days: parties of 1 to 12
(mostly twos and fours) starting every 15 minutes of a 17:00-23:00 dinner, peaking around 19:30.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, time

from maitred.domain.booking import Booking, BookingStatus
from maitred.domain.policy import AdjacencyMode, Policy, Service
from maitred.domain.venue import Table, Venue, Zone, edge
from maitred.domain.window import booking_window

TABLE_SIZES = (2, 4, 6, 8)
SIZE_SHARES = (0.40, 0.35, 0.15, 0.10)
ZONE_NAMES = ("Main", "Terrace", "Bar", "Garden", "Mezzanine", "Library", "Cellar", "Loft")
ZONE_SIZE = 25
PARTY_WEIGHTS = {1: 4, 2: 44, 3: 12, 4: 22, 5: 5, 6: 5, 7: 2, 8: 2, 9: 1, 10: 1, 11: 1, 12: 1}
SERVICE_DATE = date(2026, 11, 27)  # a Friday
TIMEZONE = "Europe/London"


@dataclass(frozen=True, slots=True)
class FloorShape:
    """What to generate: how many tables and which merge rules."""

    tables: int
    max_tables_per_combination: int = 4
    adjacency_mode: AdjacencyMode = AdjacencyMode.CONNECTED
    slack_budget: int = 4


def dinner_policy(shape: FloorShape) -> Policy:
    return Policy(
        services=(Service(name="dinner", start=time(17), end=time(23)),),
        buffer_minutes=10,
        max_tables_per_combination=shape.max_tables_per_combination,
        adjacency_mode=shape.adjacency_mode,
        slack_budget=shape.slack_budget,
    )


def _sizes(count: int, rng: random.Random) -> list[int]:
    """Table sizes in the target shares (largest remainder), shuffled."""
    exact = [share * count for share in SIZE_SHARES]
    counts = [math.floor(value) for value in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[: count - sum(counts)]:
        counts[i] += 1
    sizes = [size for size, n in zip(TABLE_SIZES, counts, strict=True) for _ in range(n)]
    rng.shuffle(sizes)
    return sizes


def _table(number: int, zone: Zone, capacity: int, rng: random.Random) -> Table:
    return Table(
        id=f"t{number:03d}",
        label=f"{zone.name[0]}{number}",
        zone_id=zone.id,
        capacity=capacity,
        min_party={6: 3, 8: 5}.get(capacity, 1),
        mergeable=rng.random() >= 0.08,
        priority=1 if rng.random() < 0.1 else 0,
    )


def _row_edges(tables: list[Table], rng: random.Random) -> set[tuple[str, str]]:
    """Right and behind neighbours in a grid of rows, with some gaps (degree <= 4)."""
    width = max(2, round(math.sqrt(len(tables) * 1.5)))
    edges = set()
    for position, table in enumerate(tables):
        for step in (1, width):
            other = position + step
            same_row = step == width or other % width != 0
            if other < len(tables) and same_row and rng.random() < 0.85:
                edges.add(edge(table.id, tables[other].id))
    return edges


def synthetic_floor(shape: FloorShape, seed: int = 1) -> Venue:
    """A floor of `shape.tables` tables, the same for the same seed."""
    rng = random.Random(seed)
    sizes = _sizes(shape.tables, rng)
    zone_count = max(1, round(shape.tables / ZONE_SIZE))
    zones = tuple(
        Zone(f"z{i}", ZONE_NAMES[i % len(ZONE_NAMES)] + str(i // 8 or ""))
        for i in range(zone_count)
    )
    tables: list[Table] = []
    adjacency: set[tuple[str, str]] = set()
    for z, zone in enumerate(zones):
        share = sizes[z::zone_count]
        zone_tables = [_table(len(tables) + i + 1, zone, size, rng) for i, size in enumerate(share)]
        adjacency |= _row_edges(zone_tables, rng)
        tables += zone_tables
    return Venue(
        zones=zones,
        tables=tuple(tables),
        adjacency=frozenset(adjacency),
        policy=dinner_policy(shape),
        timezone=TIMEZONE,
        name=f"Synthetic {shape.tables}",
    )


def random_party(rng: random.Random) -> int:
    parties = list(PARTY_WEIGHTS)
    return rng.choices(parties, weights=[PARTY_WEIGHTS[p] for p in parties])[0]


def random_start(rng: random.Random) -> time:
    """A start between 17:00 and 21:45 in 15-minute steps, busiest around 19:30."""
    slot = round(rng.triangular(0, 19, 10))
    minutes = 17 * 60 + 15 * slot
    return time(minutes // 60, minutes % 60)


def synthetic_day(venue: Venue, bookings: int, seed: int = 1) -> list[Booking]:
    """`bookings` pending bookings for the venue's dinner on SERVICE_DATE."""
    rng = random.Random(seed)
    day = []
    for number in range(1, bookings + 1):
        party = random_party(rng)
        start = random_start(rng)
        found = booking_window(venue.policy, venue.timezone, SERVICE_DATE, start, party)
        day.append(
            Booking(
                id=f"b{number:04d}",
                party_size=party,
                window=found.window,
                service=found.service,
                service_date=found.service_date,
                status=BookingStatus.CONFIRMED,
                ref=f"B{number}",
            )
        )
    return day

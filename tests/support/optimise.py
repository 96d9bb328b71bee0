"""Small random days for the optimiser's tests, and a brute-force optimum to hold it to.

The brute force shares no code with `maitred.planning.optimise`: each booking's candidates come
from the itertools reference of `support.floors`, and every way to seat the day (a candidate or
nothing per booking, no table twice at once) is tried.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from maitred.domain.booking import Booking, BookingStatus
from maitred.domain.venue import Venue
from maitred.planning.combinations import CombinationIndex
from maitred.planning.dayplan import DayPlan
from maitred.planning.validator import validate_day
from support.floors import at, booking, brute_force_plans, policy, table, venue

SIZES = (2, 2, 4, 4, 6)


def random_floor(rng: random.Random, tables: int, max_tables: int = 3) -> Venue:
    """`tables` tables in one row (each pushes against the next), a few not mergeable."""
    chosen = [
        table(f"T{n}", rng.choice(SIZES), mergeable=rng.random() > 0.15)
        for n in range(1, tables + 1)
    ]
    edges = [(f"T{n}", f"T{n + 1}") for n in range(1, tables) if rng.random() < 0.8]
    return venue(chosen, edges, policy(max_tables=max_tables, slack=3))


def random_day(
    rng: random.Random,
    count: int,
    pending: float = 0.0,
    parties: Sequence[int] = (1, 2, 2, 2, 3, 4, 4, 5, 6, 8),
) -> list[Booking]:
    """`count` bookings starting on the half hour from 17:00 to 20:00, 60 to 120 minutes."""
    day = []
    for number in range(1, count + 1):
        start = rng.randrange(0, 7) * 30
        window = at(17 + start // 60, start % 60, rng.choice((60, 90, 120)))
        status = BookingStatus.PENDING if rng.random() < pending else BookingStatus.CONFIRMED
        day.append(booking(f"b{number}", rng.choice(parties), window, status=status))
    return day


def brute_force_covers(floor: Venue, day: Sequence[Booking]) -> int:
    """The most covers any valid assignment of the day seats."""
    plans = [sorted(brute_force_plans(floor, b.party_size, b.window), key=sorted) for b in day]
    order = sorted(range(len(day)), key=lambda i: -day[i].party_size)
    remaining = [sum(day[i].party_size for i in order[k:]) for k in range(len(order) + 1)]
    best = 0

    def search(k: int, covers: int, taken: list[tuple[frozenset[str], int]]) -> None:
        nonlocal best
        best = max(best, covers)
        if k == len(order) or covers + remaining[k] <= best:
            return
        i = order[k]
        window = day[i].window
        for tables in plans[i]:
            clash = any(tables & used and day[j].window.overlaps(window) for used, j in taken)
            if not clash:
                search(k + 1, covers + day[i].party_size, [*taken, (tables, i)])
        search(k + 1, covers, taken)

    search(0, 0, [])
    return best


def assert_valid(index: CombinationIndex, plan: DayPlan, day: Sequence[Booking]) -> None:
    found = validate_day(index, plan.bookings(), before=day)
    assert found == [], [v.message for v in found]

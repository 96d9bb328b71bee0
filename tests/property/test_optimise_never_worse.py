"""On hundreds of random seeded days, the optimiser's plan is valid, keeps pinned and seated
bookings where they are, and never seats fewer covers than the greedy planner (nor as many
with more empty seats)."""

from __future__ import annotations

import random
from dataclasses import replace
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from maitred.domain.booking import AllocationKind, Booking, BookingStatus
from maitred.planning.combinations import CombinationIndex
from maitred.planning.dayplan import DayPlan
from maitred.planning.greedy import plan_day
from maitred.planning.optimise import OptimiseOptions, optimise_day
from maitred.planning.optimise import solve as solve_module
from support.floors import at, busy
from support.optimise import assert_valid, random_day, random_floor

OPTIONS = OptimiseOptions(time_limit_seconds=2, workers=1, seed=0)


def empty_seats(plan: DayPlan) -> int:
    return sum(a.seats - a.booking.party_size for a in plan.assignments)


def seeded_day(seed: int) -> tuple[CombinationIndex, list[Booking], list]:  # type: ignore[type-arg]
    """A random floor and day; some bookings already sit (a few pinned, one seated), and a
    table may be blocked for an hour."""
    rng = random.Random(seed)
    floor = random_floor(rng, rng.randint(4, 9))
    index = CombinationIndex.build(floor)
    day = random_day(rng, rng.randint(6, 22), pending=0.3)
    first = plan_day(index, day[: len(day) // 3]).bookings()
    seated = []
    for booking in first:
        if booking.tables and rng.random() < 0.3:
            booking = replace(booking, pinned=True)
        elif booking.tables and rng.random() < 0.1:
            booking = replace(booking, status=BookingStatus.SEATED)
        seated.append(booking)
    blocks = []
    if rng.random() < 0.5:
        blocks.append(busy(rng.choice(floor.tables).id, at(19, 0, 60), AllocationKind.BLOCK))
    return index, [*seated, *day[len(day) // 3 :]], blocks


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.integers(0, 10**9), st.booleans(), st.booleans())
def test_never_worse_than_greedy_and_always_valid(
    seed: int, reoptimise: bool, restricted: bool
) -> None:
    """`restricted` makes CP-SAT search only the LP's support and first candidates, as it does
    on days with many options."""
    index, day, blocks = seeded_day(seed)
    greedy = plan_day(index, day, blocks)
    whole = 0 if restricted else solve_module.WHOLE_SEARCH_OPTIONS
    with patch.object(solve_module, "WHOLE_SEARCH_OPTIONS", whole):
        result = optimise_day(index, day, blocks, replace(OPTIONS, reoptimise=reoptimise))
    ours, theirs = result.plan.metrics, greedy.metrics
    assert ours.seated_covers >= theirs.seated_covers
    if ours.seated_covers == theirs.seated_covers:
        assert empty_seats(result.plan) <= empty_seats(greedy)
    if result.covers_bound is not None:
        assert ours.seated_covers <= result.covers_bound
    assert_valid(index, result.plan, day)
    where = {a.booking.id: set(a.table_ids) for a in result.plan.assignments}
    for booking in day:
        if booking.tables and (booking.pinned or booking.status is BookingStatus.SEATED):
            assert where[booking.id] == set(booking.tables)
        if booking.tables and not reoptimise:
            assert where[booking.id] == set(booking.tables)
        if booking.tables:
            assert booking.id in where  # nobody who had a table loses it

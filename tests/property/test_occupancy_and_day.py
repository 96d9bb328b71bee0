"""Occupancy masks against plain interval overlap; whole day plans against the validator."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from maitred.domain.booking import Allocation, AllocationKind
from maitred.domain.window import Window
from maitred.planning.combinations import CombinationIndex
from maitred.planning.greedy import plan_day
from maitred.planning.occupancy import Occupancy
from maitred.planning.validator import validate_day
from support.floors import booking
from support.strategies import floors, occupants, waiting_bookings

ORIGIN = datetime(2026, 11, 27, 17, tzinfo=UTC)
TABLES = [f"T{i}" for i in range(6)]
POSITIONS = {table_id: position for position, table_id in enumerate(TABLES)}

# Seconds from 17:00: small enough to land often on the same 5-minute bucket or its edge.
moments = st.integers(0, 4 * 3600).map(lambda s: ORIGIN + timedelta(seconds=s))


@st.composite
def windows(draw: st.DrawFn) -> Window:
    start = draw(moments)
    length = draw(st.sampled_from([1, 59, 60, 299, 300, 301, 900, 5400, 7200]))
    return Window(start, start + timedelta(seconds=length + draw(st.integers(0, 3))))


@st.composite
def allocations(draw: st.DrawFn) -> list[Allocation]:
    return [
        Allocation(draw(st.sampled_from(TABLES)), draw(windows()), AllocationKind.ASSIGNMENT)
        for _ in range(draw(st.integers(0, 12)))
    ]


def expected_mask(found: list[Allocation], query: Window) -> int:
    return sum({1 << POSITIONS[a.table_id] for a in found if a.window.overlaps(query)}, start=0)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(allocations(), allocations(), st.lists(windows(), min_size=1, max_size=6))
def test_busy_masks_are_exactly_the_overlapping_tables(
    first: list[Allocation], later: list[Allocation], queries: list[Window]
) -> None:
    occupancy = Occupancy.from_allocations(POSITIONS, first)
    for query in queries:
        assert occupancy.busy_mask_for(query) == expected_mask(first, query)
    grown = occupancy.copy()
    for allocation in later:
        grown.add(allocation)
    for query in queries:
        assert grown.busy_mask_for(query) == expected_mask(first + later, query)
        assert occupancy.busy_mask_for(query) == expected_mask(first, query)  # copy is apart


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.data())
def test_a_greedy_day_always_validates_and_ignores_input_order(data: st.DataObject) -> None:
    floor = data.draw(floors(max_tables=8))
    index = CombinationIndex.build(floor)
    drawn = [a for a in data.draw(occupants(floor)) if a.kind is AllocationKind.BLOCK]
    blocks = list({a.table_id: a for a in drawn}.values())  # at most one block per table
    day = data.draw(waiting_bookings(8))
    pinned_table = data.draw(st.sampled_from([t.id for t in floor.tables]))
    day.append(booking("pin", 1, day[0].window, [pinned_table], pinned=True))
    plan = plan_day(index, day, blocks)
    # Only the pinned booking (taken as given) may break a rule.
    found = validate_day(index, plan.bookings(), blocks, day)
    assert all(v.booking_id == "pin" for v in found), found
    seed = data.draw(st.integers(0, 1000))
    shuffled = random.Random(seed).sample(day, len(day))
    assert plan_day(index, shuffled, blocks[::-1]).to_json() == plan.to_json()
    seated = {a.booking.id for a in plan.assignments}
    assert seated | {u.booking.id for u in plan.unseated} == {b.id for b in day}

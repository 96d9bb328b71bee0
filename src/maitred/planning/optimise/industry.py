"""The industry-style greedy baseline of the quality benchmark (never used to plan).

What booking systems commonly ship: bookings in the order they were made, each on the smallest
single table that fits (ties by label), else on the first combination that fits in the floor's
label order; no look-ahead, no re-planning. It uses the same combination rules as maitred, so
the benchmark compares allocation decisions, not rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from maitred.domain.booking import Allocation, AllocationKind, Booking
from maitred.planning.combinations import Combination, CombinationIndex
from maitred.planning.dayplan import Assignment, DayPlan, Unseated
from maitred.planning.occupancy import Occupancy
from maitred.planning.reasons import why_no_plan
from maitred.planning.request import booking_allocations


def industry_plan(
    index: CombinationIndex, bookings: Sequence[Booking], allocations: Iterable[Allocation] = ()
) -> DayPlan:
    """Seat the waiting bookings first come, first served."""
    active = [booking for booking in bookings if booking.active]
    kept = [booking for booking in active if booking.tables]
    waiting = [booking for booking in active if not booking.tables]
    planned = {booking.id for booking in waiting}
    others = [a for a in allocations if a.booking_id is None or a.booking_id not in planned]
    occupancy = Occupancy.from_allocations(index.positions, [*others, *booking_allocations(kept)])
    assignments = [_kept(index, booking) for booking in kept]
    unseated = []
    for booking in waiting:
        combination = first_fit(index, occupancy.busy_mask_for(booking.window), booking.party_size)
        if combination is None:
            reason, message = why_no_plan(index, booking.party_size)
            unseated.append(Unseated(booking, reason, message))
            continue
        for table_id in combination.table_ids:
            occupancy.add(
                Allocation(table_id, booking.window, AllocationKind.ASSIGNMENT, booking.id)
            )
        assignments.append(
            Assignment(booking, combination.table_ids, combination.labels, combination.capacity)
        )
    return DayPlan.build(assignments, unseated, index.venue.timezone)


def first_fit(index: CombinationIndex, blocked: int, party_size: int) -> Combination | None:
    """The smallest free single table that seats the party, else the first free combination."""
    singles: list[Combination] = []
    merges: list[Combination] = []
    for group in index.candidates(party_size):
        (singles if group.size == 1 else merges).extend(group.free(blocked))
    if singles:
        return min(singles, key=lambda c: (c.capacity, c.order_key))
    return min(merges, key=lambda c: c.order_key, default=None)


def _kept(index: CombinationIndex, booking: Booking) -> Assignment:
    venue = index.venue
    ordered = tuple(t for t in booking.tables if venue.has_table(t))
    seats = sum(venue.table(t).capacity for t in ordered)
    return Assignment(booking, ordered, tuple(venue.labels(ordered)), seats)

"""The greedy day planner: hardest bookings first, each taking its best plan.

Hardest means the largest party, then the fewest candidate plans at its time (counted against
the day as it stood before planning), then the earliest start and the reference, so the order
never depends on how the bookings were listed. Each booking then takes the best-ranked plan,
whose damage term already counts the bookings still waiting. A later optimiser (CP-SAT) starts
from this plan and must never do worse.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from maitred.domain.booking import Allocation, AllocationKind, Booking
from maitred.planning.combinations import CombinationIndex
from maitred.planning.day import DayBookings
from maitred.planning.dayplan import Assignment, DayPlan, Unseated
from maitred.planning.occupancy import Occupancy, span
from maitred.planning.reasons import why_no_plan
from maitred.planning.request import PlanRequest, booking_allocations
from maitred.planning.rules import label_key
from maitred.planning.scoring import rank_plans
from maitred.planning.search import count_plans


def plan_day(
    index: CombinationIndex,
    bookings: Sequence[Booking],
    allocations: Iterable[Allocation] = (),
) -> DayPlan:
    """Seat every active booking of the day that has no tables yet.

    Bookings that already have tables (pinned or assigned) keep them. `allocations` are the
    day's other occupants (blocks, holds); the holds of the bookings being planned are left
    out, since those bookings are planned afresh.
    """
    venue = index.venue
    active = [booking for booking in bookings if booking.active]
    kept = [booking for booking in active if booking.tables]
    waiting = [booking for booking in active if not booking.tables]
    planned = {booking.id for booking in waiting}
    others = [a for a in allocations if a.booking_id is None or a.booking_id not in planned]
    occupancy = Occupancy.from_allocations(index.positions, [*others, *booking_allocations(kept)])
    day = DayBookings.build(active, venue.policy, venue.timezone)
    assignments = [_kept(index, booking) for booking in kept]
    unseated = []
    for booking in hardest_first(index, occupancy, waiting):
        request = PlanRequest(booking.party_size, booking.window, booking_id=booking.id)
        best = rank_plans(index, occupancy, request, day, top=1)
        if not best:
            reason, message = why_no_plan(index, booking.party_size)
            unseated.append(Unseated(booking, reason, message))
            continue
        plan = best[0]
        for table_id in plan.table_ids:
            occupancy.add(
                Allocation(table_id, booking.window, AllocationKind.ASSIGNMENT, booking.id)
            )
        assignments.append(
            Assignment(booking, plan.table_ids, plan.labels, plan.combination.capacity, plan)
        )
    return DayPlan.build(assignments, unseated, venue.timezone)


def hardest_first(
    index: CombinationIndex, occupancy: Occupancy, bookings: Iterable[Booking]
) -> list[Booking]:
    """Largest party first, then fewest free candidate plans, then earliest, then reference."""
    keyed = []
    for booking in bookings:
        blocked = occupancy.busy_mask(*span(booking.window))
        options = count_plans(index, blocked, booking.party_size)
        reference = label_key(booking.ref or booking.id)
        keyed.append(
            ((-booking.party_size, options, booking.window.start, reference, booking.id), booking)
        )
    keyed.sort(key=lambda item: item[0])
    return [booking for _, booking in keyed]


def _kept(index: CombinationIndex, booking: Booking) -> Assignment:
    """A booking that keeps its tables; unknown table ids are kept as they are, for the
    validator to report."""
    venue = index.venue

    def label(table_id: str) -> str:
        return venue.table(table_id).label if venue.has_table(table_id) else table_id

    ordered = sorted(booking.tables, key=lambda table_id: label_key(label(table_id)))
    seats = sum(venue.table(t).capacity for t in ordered if venue.has_table(t))
    return Assignment(booking, tuple(ordered), tuple(label(t) for t in ordered), seats)

"""What a day plan changes, checked and written in the caller's transaction.

A plan may seat bookings that had no tables (*new*) and, when re-optimising, move bookings that
had tables and may move (*moved*: not pinned, not seated). Anything else it changes is a defect
and is refused before a row is touched. The write frees every moved booking's tables first and
then inserts every new and moved assignment: delete-then-insert in one transaction, so bookings
can swap tables without the exclusion constraint ever seeing two of them on one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from maitred.db.database import Connection
from maitred.db.repositories import allocations as allocation_rows
from maitred.db.repositories import bookings as booking_rows
from maitred.db.repositories import outbox
from maitred.db.repositories import service_day as day_rows
from maitred.domain.actors import Actor
from maitred.domain.booking import Allocation, Booking
from maitred.domain.window import Window
from maitred.planning.combinations import CombinationIndex
from maitred.planning.dayplan import Assignment, DayPlan
from maitred.planning.optimise.problem import may_move
from maitred.planning.validator import DayCode, Violation, validate_day
from maitred.services.assignments import write_assignment
from maitred.services.floor import Floor
from maitred.services.views import booking_view

Row = dict[str, Any]


class PlanRejected(Exception):
    """A planner produced a plan the validator refuses: a defect, never written."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__(f"the day plan breaks {len(violations)} rule(s): {violations[0].message}")


@dataclass(frozen=True, slots=True)
class Changes:
    new: tuple[Assignment, ...]  # bookings that had no tables
    moved: tuple[Assignment, ...]  # bookings that had tables and now have others

    @property
    def ids(self) -> set[str]:
        return {a.booking.id for a in (*self.new, *self.moved)}

    def __bool__(self) -> bool:
        return bool(self.new or self.moved)


def changes(plan: DayPlan, bookings: tuple[Booking, ...], reoptimise: bool) -> Changes:
    """The plan's new and moved assignments; a plan that seats an unknown booking or moves one
    it may not move is refused."""
    before = {booking.id: booking for booking in bookings}
    new, moved = [], []
    for assignment in plan.assignments:
        old = before.get(assignment.booking.id)
        if old is None:
            message = "The plan seats a booking that was not given to the planner."
            raise PlanRejected([Violation("UNKNOWN_BOOKING", assignment.booking.id, message)])
        if not old.tables:
            new.append(assignment)
        elif set(old.tables) != set(assignment.table_ids):
            if not (reoptimise and may_move(old)):
                message = "The plan moves a booking that may not move."
                raise PlanRejected([Violation("BOOKING_MOVED", old.id, message)])
            moved.append(assignment)
    return Changes(tuple(new), tuple(moved))


def _touches(violation: Violation, ids: set[str]) -> bool:
    uses = violation.details.get("uses", ())
    return (
        violation.code == DayCode.PINNED_MOVED
        or violation.booking_id in ids
        or any(use.get("booking_id") in ids for use in uses)
    )


def validate(
    index: CombinationIndex,
    plan: DayPlan,
    bookings: tuple[Booking, ...],
    allocations: tuple[Allocation, ...],
    found: Changes,
) -> None:
    """Refuse the plan if it breaks any rule with a changed assignment or moves a pinned
    booking. What was there before (an override, an import) is not judged again."""
    violations = validate_day(index, plan.bookings(), allocations, before=bookings)
    broken = [v for v in violations if _touches(v, found.ids)]
    if broken:
        raise PlanRejected(broken)


def write(
    conn: Connection,
    floor: Floor,
    rows: dict[str, Row],
    found: Changes,
    actor: Actor,
    run_id: UUID,
) -> None:
    """Free the moved bookings' tables, write every new and moved assignment through the ops
    insert path, then one event per booking."""
    rid = floor.restaurant_id
    written = [rows[a.booking.id] for a in (*found.new, *found.moved)]
    allocation_rows.lock_days(conn, rid, (row["service_date"] for row in written))
    windows = [a.booking.window for a in (*found.new, *found.moved)]
    day_rows.delete_expired_holds(
        conn, rid, Window(min(w.start for w in windows), max(w.end for w in windows))
    )
    day_rows.delete_assignments_of(conn, rid, [UUID(a.booking.id) for a in found.moved])
    for assignment in (*found.new, *found.moved):
        write_assignment(conn, floor, rows[assignment.booking.id], assignment.table_ids, actor)
    service_date = rows[(found.new or found.moved)[0].booking.id]["service_date"]
    fresh = {str(r["booking_id"]): r for r in booking_rows.of_day(conn, rid, service_date)}
    for action, assignments in (("assigned", found.new), ("moved", found.moved)):
        for assignment in assignments:
            booking_id = assignment.booking.id
            outbox.add(
                conn,
                rid,
                UUID(booking_id),
                "assignment.changed",
                f"assignment.changed:{booking_id}:{uuid4()}",
                {
                    "action": action,
                    "run_id": str(run_id),
                    "booking": booking_view(fresh[booking_id], floor.venue),
                },
            )

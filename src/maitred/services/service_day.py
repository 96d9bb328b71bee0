"""Seating a whole service day at once, and the service day's public use cases.

Auto-assign plans with a pluggable day planner (`PLANNERS`: the greedy planner now, CP-SAT
later), checks the plan with the independent validator before anything is written, and writes
every new assignment in one transaction through the same insert path as an ops assignment.
The timeline and availability live in their own modules and are re-exported here.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from maitred.db.database import Connection, Database
from maitred.db.ranges import range_window
from maitred.db.repositories import allocations as allocation_rows
from maitred.db.repositories import bookings as booking_rows
from maitred.db.repositories import outbox
from maitred.db.repositories import service_day as day_rows
from maitred.domain.actors import Actor
from maitred.domain.booking import ACTIVE_STATUSES, Allocation, AllocationKind, Booking
from maitred.domain.errors import InvalidRequest, TableConflict
from maitred.domain.window import Window
from maitred.planning.combinations import CombinationIndex
from maitred.planning.dayplan import Assignment, DayPlan
from maitred.planning.greedy import plan_day
from maitred.planning.validator import DayCode, Violation, validate_day
from maitred.services.assignments import write_assignment
from maitred.services.availability import availability
from maitred.services.floor import Floor, read_floor, to_allocation, to_booking
from maitred.services.timeline import day_timeline
from maitred.services.views import View, booking_view

Row = dict[str, Any]

ACTIVE = sorted(status.value for status in ACTIVE_STATUSES)

__all__ = [
    "PLANNERS",
    "DayPlanner",
    "PlanRejected",
    "auto_assign_day",
    "availability",
    "day_timeline",
]


# A day planner: (combinations, the day's bookings, the other occupants, time limit) -> plan.
# Bookings that have tables keep them; the others are seated where the planner can.
DayPlanner = Callable[
    [CombinationIndex, Sequence[Booking], Sequence[Allocation], float | None], DayPlan
]


def _greedy(
    index: CombinationIndex,
    bookings: Sequence[Booking],
    allocations: Sequence[Allocation],
    time_limit_seconds: float | None,
) -> DayPlan:
    return plan_day(index, bookings, allocations)


PLANNERS: dict[str, DayPlanner] = {"greedy": _greedy}

WRITE_ATTEMPTS = 4


class PlanRejected(Exception):
    """A planner produced a plan the validator refuses: a defect, never written."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__(f"the day plan breaks {len(violations)} rule(s): {violations[0].message}")


@dataclass(frozen=True, slots=True)
class Day:
    """A service day as read for planning."""

    rows: dict[str, Row]  # the active bookings planned or kept, by id
    bookings: tuple[Booking, ...]
    held: tuple[Row, ...]  # bookings without tables whose live hold stays put
    allocations: tuple[Allocation, ...]


def _read_day(conn: Connection, floor: Floor, service_date: date) -> Day:
    rid = floor.restaurant_id
    rows = booking_rows.of_day(conn, rid, service_date, ACTIVE)
    if not rows:
        return Day({}, (), (), ())
    windows = [range_window(row["time_window"]) for row in rows]
    around = Window(min(w.start for w in windows), max(w.end for w in windows))
    allocations = tuple(to_allocation(r) for r in allocation_rows.live_around(conn, rid, around))
    held_ids = {a.booking_id for a in allocations if a.kind is AllocationKind.HOLD}
    held = tuple(r for r in rows if not r["table_ids"] and str(r["booking_id"]) in held_ids)
    held_rows = {r["booking_id"] for r in held}
    planned = [r for r in rows if r["booking_id"] not in held_rows]
    return Day(
        {str(r["booking_id"]): r for r in planned},
        tuple(to_booking(r) for r in planned),
        held,
        allocations,
    )


def _new_assignments(plan: DayPlan, day: Day) -> list[Assignment]:
    """The plan's assignments for bookings that had no tables; a plan that seats an unknown
    booking or moves one that had tables is a defect (moves come with re-optimisation)."""
    before = {booking.id: booking for booking in day.bookings}
    new = []
    for assignment in plan.assignments:
        old = before.get(assignment.booking.id)
        if old is None:
            message = "The plan seats a booking that was not given to the planner."
            raise PlanRejected([Violation("UNKNOWN_BOOKING", assignment.booking.id, message)])
        if not old.tables:
            new.append(assignment)
        elif set(old.tables) != set(assignment.table_ids):
            message = "The plan moves a booking that already had tables."
            raise PlanRejected([Violation("BOOKING_MOVED", old.id, message)])
    return new


def _touches(violation: Violation, new_ids: set[str]) -> bool:
    uses = violation.details.get("uses", ())
    return (
        violation.code == DayCode.PINNED_MOVED
        or violation.booking_id in new_ids
        or any(use.get("booking_id") in new_ids for use in uses)
    )


def _validate(index: CombinationIndex, plan: DayPlan, day: Day, new_ids: set[str]) -> None:
    """Refuse the plan if it breaks any rule with a new assignment or moves a pinned booking.
    What was there before (an override, an import) is not judged again."""
    found = validate_day(index, plan.bookings(), day.allocations, before=day.bookings)
    broken = [v for v in found if _touches(v, new_ids)]
    if broken:
        raise PlanRejected(broken)


def _write(
    conn: Connection, floor: Floor, day: Day, new: list[Assignment], run: Run, run_id: UUID
) -> None:
    """Every new assignment through the ops insert path, then one event per seated booking.

    Expired holds in the way are removed first: they never block anyone."""
    rid = floor.restaurant_id
    windows = [a.booking.window for a in new]
    day_rows.delete_expired_holds(
        conn, rid, Window(min(w.start for w in windows), max(w.end for w in windows))
    )
    for assignment in new:
        row = day.rows[assignment.booking.id]
        write_assignment(conn, floor, row, assignment.table_ids, run.actor)
    fresh = {str(r["booking_id"]): r for r in booking_rows.of_day(conn, rid, run.service_date)}
    for assignment in new:
        booking_id = assignment.booking.id
        outbox.add(
            conn,
            rid,
            UUID(booking_id),
            "assignment.changed",
            f"assignment.changed:{booking_id}:{uuid4()}",
            {
                "action": "assigned",
                "run_id": str(run_id),
                "booking": booking_view(fresh[booking_id], floor.venue),
            },
        )


def _report(plan: DayPlan, day: Day, new_ids: set[str], run: Run, run_id: UUID | None) -> View:
    """The plan as in DESIGN §8, with booking and table ids, what stays held, and the counts."""
    document = plan.to_json()
    return {
        "strategy": run.strategy,
        "dry_run": run.dry_run,
        "run_id": None if run_id is None else str(run_id),
        "assignments": [
            {
                **entry,
                "booking_id": a.booking.id,
                "table_ids": list(a.table_ids),
                "kept": a.booking.id not in new_ids,
            }
            for entry, a in zip(document["assignments"], plan.assignments, strict=True)
        ],
        "unseated": [
            {"booking_id": u.booking.id, **entry, "message": u.message}
            for entry, u in zip(document["unseated"], plan.unseated, strict=True)
        ],
        "held": [
            {"booking_id": str(r["booking_id"]), "ref": r["ref"], "party_size": r["party_size"]}
            for r in day.held
        ],
        "metrics": document["metrics"],
        "moves": 0,
        "written": 0 if run.dry_run else len(new_ids),
    }


def _planner(strategy: str, time_limit_seconds: float | None) -> DayPlanner:
    planner = PLANNERS.get(strategy)
    if planner is None:
        raise InvalidRequest(
            f"Unknown strategy {strategy!r}.", strategy=strategy, strategies=sorted(PLANNERS)
        )
    if time_limit_seconds is not None and not time_limit_seconds > 0:
        raise InvalidRequest(
            "The time limit must be a positive number of seconds.",
            time_limit_seconds=time_limit_seconds,
        )
    return planner


@dataclass(frozen=True, slots=True)
class Run:
    """One auto-assign request."""

    service_date: date
    actor: Actor
    strategy: str
    planner: DayPlanner
    dry_run: bool
    time_limit_seconds: float | None


def _summary(run: Run, report: View) -> View:
    return {
        "service_date": run.service_date.isoformat(),
        "strategy": run.strategy,
        "actor": run.actor.id,
        "written": report["written"],
        "metrics": report["metrics"],
        "unseated": report["unseated"],
    }


def _assign_once(db: Database, restaurant_id: UUID, defaults: dict[str, Any], run: Run) -> View:
    """Read, plan, validate and (unless a dry run) write, in one transaction."""
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        if not run.dry_run:
            day_rows.lock_day_bookings(conn, restaurant_id, run.service_date)
        day = _read_day(conn, floor, run.service_date)
        plan = run.planner(floor.index, day.bookings, day.allocations, run.time_limit_seconds)
        new = _new_assignments(plan, day)
        new_ids = {a.booking.id for a in new}
        _validate(floor.index, plan, day, new_ids)
        if run.dry_run:
            return _report(plan, day, new_ids, run, None)
        run_id = uuid4()
        if new:
            _write(conn, floor, day, new, run, run_id)
        report = _report(plan, day, new_ids, run, run_id)
        outbox.add(
            conn,
            restaurant_id,
            run_id,
            "day.auto_assigned",
            f"day.auto_assigned:{run_id}",
            _summary(run, report),
        )
        return report


def auto_assign_day(
    db: Database,
    restaurant_id: UUID,
    service_date: date,
    actor: Actor,
    defaults: dict[str, Any],
    strategy: str = "greedy",
    dry_run: bool = False,
    time_limit_seconds: float | None = None,
) -> View:
    """Seat every active booking of the day that has no tables, around everything that is
    there (assignments, live holds, blocks), and report the plan; write it unless `dry_run`.

    A write that loses a race to another writer undoes the whole transaction, which is tried
    again from a fresh read, up to WRITE_ATTEMPTS times, then refused with TABLE_CONFLICT.
    """
    planner = _planner(strategy, time_limit_seconds)
    run = Run(service_date, actor, strategy, planner, dry_run, time_limit_seconds)
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            return _assign_once(db, restaurant_id, defaults, run)
        except TableConflict as exc:
            if attempt == WRITE_ATTEMPTS:
                raise TableConflict(
                    "The floor kept changing while the day was being assigned; nothing was"
                    " written. Try again.",
                    attempts=WRITE_ATTEMPTS,
                ) from exc
            clock.sleep(random.uniform(0, 0.02 * 2**attempt))
    raise AssertionError("unreachable")

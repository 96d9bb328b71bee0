"""Seating a whole service day at once, and the service day's public use cases.

Auto-assign plans with a pluggable day planner (`PLANNERS`: `greedy`, and `optimal`, the CP-SAT
day optimiser, never worse than greedy), checks the plan with the independent validator before
anything is written, and writes every new assignment in one transaction through the same insert
path as an ops assignment. Re-optimisation (`reoptimise=True`, optimal only) may also move
bookings that have tables but are neither pinned nor seated, as few as it can; see
`day_changes` for how a plan's changes are checked and written. The flexible-times what-if
reports how many more covers shifted start times would seat, and writes nothing.
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
from maitred.planning.optimise import Optimised, OptimiseOptions, optimise_day
from maitred.planning.optimise.flexible import what_if_flexible
from maitred.planning.optimise.solve import DEFAULT_TIME_LIMIT
from maitred.planning.rules import label_key
from maitred.services import day_changes
from maitred.services.availability import availability
from maitred.services.day_changes import Changes, PlanRejected
from maitred.services.floor import Floor, read_floor, to_allocation, to_booking
from maitred.services.timeline import day_timeline
from maitred.services.views import View

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

# How far pending bookings may shift in the flexible-times what-if, at most.
MAX_WHAT_IF_TOLERANCE = 120

Progress = Callable[[str], None]

# A day planner: (combinations, the day's bookings, the other occupants, time limit) -> plan,
# or the optimiser's outcome (its plan with how it got there). Bookings that have tables keep
# them; the others are seated where the planner can.
DayPlanner = Callable[
    [CombinationIndex, Sequence[Booking], Sequence[Allocation], float | None],
    DayPlan | Optimised,
]


def _greedy(
    index: CombinationIndex,
    bookings: Sequence[Booking],
    allocations: Sequence[Allocation],
    time_limit_seconds: float | None,
) -> DayPlan:
    return plan_day(index, bookings, allocations)


def _optimal(
    index: CombinationIndex,
    bookings: Sequence[Booking],
    allocations: Sequence[Allocation],
    time_limit_seconds: float | None,
) -> Optimised:
    limit = DEFAULT_TIME_LIMIT if time_limit_seconds is None else time_limit_seconds
    return optimise_day(index, bookings, allocations, OptimiseOptions(time_limit_seconds=limit))


PLANNERS: dict[str, DayPlanner] = {"greedy": _greedy, "optimal": _optimal}

WRITE_ATTEMPTS = 4


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


@dataclass(frozen=True, slots=True)
class Run:
    """One auto-assign request."""

    service_date: date
    actor: Actor
    strategy: str
    planner: DayPlanner
    dry_run: bool
    time_limit_seconds: float | None
    reoptimise: bool = False
    what_if_tolerance_minutes: int | None = None
    progress: Progress | None = None

    def say(self, phase: str) -> None:
        if self.progress is not None:
            self.progress(phase)

    def options(self) -> OptimiseOptions:
        limit = DEFAULT_TIME_LIMIT if self.time_limit_seconds is None else self.time_limit_seconds
        return OptimiseOptions(
            time_limit_seconds=limit, reoptimise=self.reoptimise, progress=self.progress
        )


def _plan(floor: Floor, day: Day, run: Run) -> tuple[DayPlan, Optimised | None]:
    """The day's plan from the run's planner (the optimiser is called with the run's options:
    re-optimisation, progress)."""
    if run.reoptimise or run.planner is _optimal:
        outcome: DayPlan | Optimised = optimise_day(
            floor.index, day.bookings, day.allocations, run.options()
        )
    else:
        outcome = run.planner(floor.index, day.bookings, day.allocations, run.time_limit_seconds)
    if isinstance(outcome, Optimised):
        return outcome.plan, outcome
    return outcome, None


def _assignment_view(
    entry: View, assignment: Assignment, found: Changes, floor: Floor, day: Day
) -> View:
    booking_id = assignment.booking.id
    view: View = {
        **entry,
        "booking_id": booking_id,
        "table_ids": list(assignment.table_ids),
        "kept": booking_id not in found.ids,
        "moved": any(a.booking.id == booking_id for a in found.moved),
        "pinned": assignment.booking.pinned,
    }
    if view["moved"]:
        before = next(b for b in day.bookings if b.id == booking_id)
        venue = floor.venue
        view["previous_tables"] = sorted(
            (venue.table(t).label for t in before.tables if venue.has_table(t)), key=label_key
        )
    return view


def _report(
    plan: DayPlan,
    floor: Floor,
    day: Day,
    found: Changes,
    run: Run,
    run_id: UUID | None,
    optimised: Optimised | None,
) -> View:
    """The plan as in DESIGN §8, with booking and table ids, what moved, what stays held, the
    counts, and how the optimiser got there."""
    document = plan.to_json()
    report: View = {
        "strategy": run.strategy,
        "reoptimise": run.reoptimise,
        "dry_run": run.dry_run,
        "time_limit_seconds": run.time_limit_seconds,
        "run_id": None if run_id is None else str(run_id),
        "assignments": [
            _assignment_view(entry, a, found, floor, day)
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
        "moves": len(found.moved),
        "written": 0 if run.dry_run else len(found.ids),
    }
    if optimised is not None:
        report["optimiser"] = optimised.report()
        report["fallback"] = optimised.fallback
    return report


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


def _check_options(strategy: str, reoptimise: bool, tolerance: int | None) -> None:
    if reoptimise and strategy != "optimal":
        raise InvalidRequest(
            "Re-optimisation moves bookings, which only the optimal strategy does.",
            strategy=strategy,
            reoptimise=reoptimise,
        )
    if tolerance is not None and not (
        0 < tolerance <= MAX_WHAT_IF_TOLERANCE and tolerance % 15 == 0
    ):
        raise InvalidRequest(
            f"The what-if tolerance is a multiple of 15 minutes, up to {MAX_WHAT_IF_TOLERANCE}.",
            what_if_tolerance_minutes=tolerance,
        )


def _summary(run: Run, report: View) -> View:
    return {
        "service_date": run.service_date.isoformat(),
        "strategy": run.strategy,
        "reoptimise": run.reoptimise,
        "actor": run.actor.id,
        "written": report["written"],
        "moves": report["moves"],
        "metrics": report["metrics"],
        "unseated": report["unseated"],
    }


def _what_if(floor: Floor, day: Day, plan: DayPlan, run: Run) -> View | None:
    if run.what_if_tolerance_minutes is None:
        return None
    run.say("what-if: flexible times")
    found = what_if_flexible(
        floor.index,
        day.bookings,
        day.allocations,
        plan,
        run.what_if_tolerance_minutes,
        run.options(),
    )
    return found.to_json()


def _assign_once(db: Database, restaurant_id: UUID, defaults: dict[str, Any], run: Run) -> View:
    """Read, plan, validate and (unless a dry run) write, in one transaction."""
    with db.tenant(restaurant_id) as conn:
        run.say("reading the day")
        floor = read_floor(conn, restaurant_id, defaults)
        if not run.dry_run:
            day_rows.lock_day_bookings(conn, restaurant_id, run.service_date)
        day = _read_day(conn, floor, run.service_date)
        run.say("planning" if run.strategy == "greedy" else "optimising")
        plan, optimised = _plan(floor, day, run)
        run.say("validating")
        found = day_changes.changes(plan, day.bookings, run.reoptimise)
        day_changes.validate(floor.index, plan, day.bookings, day.allocations, found)
        what_if = _what_if(floor, day, plan, run)
        run_id = None if run.dry_run else uuid4()
        report = _report(plan, floor, day, found, run, run_id, optimised)
        if what_if is not None:
            report["flexible_times"] = what_if
        if run_id is None:
            return report
        run.say("writing")
        if found:
            day_changes.write(conn, floor, day.rows, found, run.actor, run_id)
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
    reoptimise: bool = False,
    what_if_tolerance_minutes: int | None = None,
    progress: Progress | None = None,
) -> View:
    """Seat every active booking of the day that has no tables, around everything that is
    there (assignments, live holds, blocks), and report the plan; write it unless `dry_run`.

    With `reoptimise` (strategy `optimal` only) bookings that have tables but are neither
    pinned nor seated may move too, as few as possible once the covers, empty seats and tables
    are best. `what_if_tolerance_minutes` adds the flexible-times what-if to the report.
    A write that loses a race to another writer undoes the whole transaction, which is tried
    again from a fresh read, up to WRITE_ATTEMPTS times, then refused with TABLE_CONFLICT.
    """
    planner = _planner(strategy, time_limit_seconds)
    _check_options(strategy, reoptimise, what_if_tolerance_minutes)
    run = Run(
        service_date,
        actor,
        strategy,
        planner,
        dry_run,
        time_limit_seconds,
        reoptimise,
        what_if_tolerance_minutes,
        progress,
    )
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
            run.say(f"the floor changed; planning again (attempt {attempt + 1})")
            clock.sleep(random.uniform(0, 0.02 * 2**attempt))
    raise AssertionError("unreachable")

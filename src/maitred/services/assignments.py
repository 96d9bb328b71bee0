"""Manual assignment for hosts and ops: the context, validating a selection, assigning,
moving and unassigning tables.

A selection is checked with every rule at once. Hard failures (unknown or inactive tables, a
table taken) always refuse; soft ones (seats, slack, party limits, merge rules) refuse unless a
manager or owner overrides them with a reason, which is recorded on the assignment rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

from maitred.db.database import Connection, Database, savepoint
from maitred.db.ranges import range_window
from maitred.db.repositories import allocations as allocation_rows
from maitred.db.repositories import bookings as booking_rows
from maitred.db.repositories import holds as hold_rows
from maitred.db.repositories import outbox
from maitred.domain.actors import Actor
from maitred.domain.booking import ACTIVE_STATUSES
from maitred.domain.errors import (
    BookingNotAssignable,
    Forbidden,
    NotFound,
)
from maitred.domain.venue import Table
from maitred.planning.selection import SelectionResult, SlackRule, check_selection
from maitred.services.floor import Floor, LiveDay, read_floor, read_live_day, to_allocation
from maitred.services.holds import booking_holds, require_context
from maitred.services.retry import retry_transient
from maitred.services.selection import SOFT_CHECKS, described_conflicts, selection_error
from maitred.services.views import View, booking_view, local_iso

Row = dict[str, Any]


def active_booking(conn: Connection, restaurant_id: UUID, booking_id: UUID) -> Row:
    """The booking, locked, when its status still needs tables."""
    row = booking_rows.get(conn, restaurant_id, booking_id, lock=True)
    if row is None:
        raise NotFound("No such booking.")
    if row["status"] not in ACTIVE_STATUSES:
        raise BookingNotAssignable(
            f"A {row['status']} booking has no tables.", status=row["status"]
        )
    return row


def _table_view(table: Table, floor: Floor) -> View:
    return {
        "id": table.id,
        "label": table.label,
        "zone": floor.index.zone_name(table.zone_id),
        "capacity": table.capacity,
        "min_party": table.min_party,
        "max_party": table.single_max_party,
        "mergeable": table.mergeable,
        "active": table.active,
    }


def _table_state(table: Table, busy: list[View], own: bool) -> str:
    if not table.active:
        return "inactive"
    if own:
        return "own"
    kinds = {entry["kind"] for entry in busy}
    for kind, state in (("block", "blocked"), ("assignment", "assigned"), ("hold", "held")):
        if kind in kinds:
            return state
    return "free"


def _busy_view(floor: Floor, allocation: Any, holders: dict[str, str]) -> View:
    entry: View = {
        "kind": allocation.kind.value,
        "start": local_iso(allocation.window.start, floor.venue.timezone),
        "end": local_iso(allocation.window.end, floor.venue.timezone),
    }
    if allocation.booking_id:
        entry["booking_id"] = allocation.booking_id
    if allocation.hold_id:
        entry["held_by"] = holders.get(allocation.hold_id)
    return entry


def assignment_context(
    db: Database, restaurant_id: UUID, booking_id: UUID, defaults: dict[str, Any]
) -> View:
    """Every table with its state for the booking's window, the booking's holds, the
    adjacency, and the context version to send back with a hold or confirm."""
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        row = booking_rows.get(conn, restaurant_id, booking_id)
        if row is None:
            raise NotFound("No such booking.")
        window = range_window(row["time_window"])
        rows = allocation_rows.live_around(conn, restaurant_id, window)
        holders = _holders(conn, restaurant_id, rows)
        tables = []
        for table in floor.venue.tables:
            mine = [r for r in rows if str(r["table_id"]) == table.id]
            busy = [
                _busy_view(floor, to_allocation(r), holders)
                for r in mine
                if r["booking_id"] != booking_id
            ]
            own = any(r["booking_id"] == booking_id for r in mine)
            tables.append(
                {**_table_view(table, floor), "state": _table_state(table, busy, own), "busy": busy}
            )
        return {
            "booking": booking_view(row, floor.venue),
            "context_version": require_context(conn, restaurant_id, row, None),
            "venue_version": floor.venue.version,
            "tables": tables,
            "holds": booking_holds(conn, floor, booking_id),
            "adjacency": sorted([a, b] for a, b in floor.venue.adjacency),
            "zones": [{"id": z.id, "name": z.name} for z in floor.venue.zones],
        }


def _holders(conn: Connection, restaurant_id: UUID, rows: list[Row]) -> dict[str, str]:
    """Who holds each hold among these allocations (an actor id, never a guest)."""
    holders = {}
    for hold_id in {r["hold_id"] for r in rows if r["hold_id"] is not None}:
        hold = hold_rows.get(conn, restaurant_id, hold_id)
        if hold is not None:
            holders[str(hold_id)] = hold["actor"]
    return holders


def _check(
    conn: Connection, floor: Floor, row: Row, table_ids: Sequence[str]
) -> tuple[SelectionResult, LiveDay]:
    """Every rule the selection breaks, and the live day it was judged on."""
    window = range_window(row["time_window"])
    live = read_live_day(conn, floor, window, ignore_booking=row["booking_id"])
    result = check_selection(
        floor.index, live.occupancy, row["party_size"], window, table_ids, SlackRule.SELECTION
    )
    return result, live


def validate_selection(
    db: Database,
    restaurant_id: UUID,
    booking_id: UUID,
    table_ids: Sequence[str],
    defaults: dict[str, Any],
) -> View:
    """`{ok, checks}`: every rule the selection breaks for this booking, none when valid."""
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        row = booking_rows.get(conn, restaurant_id, booking_id)
        if row is None:
            raise NotFound("No such booking.")
        return _check(conn, floor, row, table_ids)[0].to_json()


def write_assignment(
    conn: Connection,
    floor: Floor,
    row: Row,
    table_ids: Sequence[str],
    actor: Actor,
    override_reason: str | None = None,
) -> None:
    """Replace the booking's holds and tables by these tables, in a savepoint. Expired holds
    on these tables that the sweeper has not yet removed go first: they block nobody."""
    rid, booking_id = floor.restaurant_id, row["booking_id"]
    group, window = uuid4(), range_window(row["time_window"])
    tables = [UUID(table_id) for table_id in sorted(set(table_ids))]
    allocation_rows.lock_days(conn, rid, [row["service_date"]])  # before any row is touched
    with savepoint(conn):
        allocation_rows.delete_expired_holds_on(conn, rid, tables, window)
        hold_rows.delete_of_booking(conn, rid, booking_id)
        allocation_rows.delete_assignments(conn, rid, booking_id)
        allocation_rows.insert(
            conn,
            rid,
            [
                {
                    "table_id": table_id,
                    "kind": "assignment",
                    "time_window": window,
                    "group_id": group,
                    "booking_id": booking_id,
                    "service_date": row["service_date"],
                    "created_by": actor.id,
                    "override_reason": override_reason,
                }
                for table_id in tables
            ],
        )
        if row["status"] == "pending":
            booking_rows.update(conn, rid, booking_id, status="confirmed")


def _refuse_unless_overridden(
    result: SelectionResult,
    actor: Actor,
    override_reason: str | None,
    floor: Floor,
    live: LiveDay,
    row: Row,
) -> str | None:
    """The override reason to record, or the refusal when the selection may not be written."""
    if result.ok:
        return None
    soft = all(check.code in SOFT_CHECKS for check in result.checks)
    if soft and override_reason and actor.may_override:
        return override_reason
    error = selection_error(result, floor, live, row)
    if soft and override_reason:
        raise Forbidden(
            "Only a manager or owner may override seating rules.", checks=error.details["checks"]
        )
    raise error


def _assignment_event(conn: Connection, floor: Floor, booking_id: UUID, action: str) -> View:
    row = booking_rows.get(conn, floor.restaurant_id, booking_id)
    assert row is not None
    view = booking_view(row, floor.venue)
    outbox.add(
        conn,
        floor.restaurant_id,
        booking_id,
        "assignment.changed",
        f"assignment.changed:{booking_id}:{uuid4()}",
        {"action": action, "booking": view},
    )
    return view


@retry_transient
def assign_tables(
    db: Database,
    restaurant_id: UUID,
    booking_id: UUID,
    table_ids: Sequence[str],
    actor: Actor,
    defaults: dict[str, Any],
    *,
    override_reason: str | None = None,
    context_version: int | None = None,
) -> View:
    """Assign (or move) a booking to these tables directly; the booking's view."""
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        row = active_booking(conn, restaurant_id, booking_id)
        require_context(conn, restaurant_id, row, context_version)
        result, live = _check(conn, floor, row, table_ids)
        reason = _refuse_unless_overridden(result, actor, override_reason, floor, live, row)
        with described_conflicts(conn, floor, row, table_ids):
            write_assignment(conn, floor, row, table_ids, actor, reason)
        return _assignment_event(
            conn, floor, booking_id, "moved" if row["table_ids"] else "assigned"
        )


def unassign_tables(
    db: Database,
    restaurant_id: UUID,
    booking_id: UUID,
    defaults: dict[str, Any],
    table_id: UUID | None = None,
) -> View:
    """Take one table, or all of them, away from a booking."""
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        row = booking_rows.get(conn, restaurant_id, booking_id, lock=True)
        if row is None:
            raise NotFound("No such booking.")
        removed = allocation_rows.delete_assignments(conn, restaurant_id, booking_id, table_id)
        if table_id is not None and removed == 0:
            raise NotFound("The booking is not assigned to that table.")
        return _assignment_event(conn, floor, booking_id, "unassigned")

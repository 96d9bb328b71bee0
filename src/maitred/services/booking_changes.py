"""Changing a booking: cancel it (its tables are freed), or change its party size or time.

A change keeps the current tables when they still seat the party at the new time; otherwise it
re-plans on the live floor. Either everything changes or nothing does: a booking is never left
half-assigned.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any
from uuid import UUID, uuid4

from maitred.db.database import Connection, Database
from maitred.db.ranges import range_window
from maitred.db.repositories import allocations as allocation_rows
from maitred.db.repositories import bookings as booking_rows
from maitred.db.repositories import holds as hold_rows
from maitred.db.repositories import outbox
from maitred.domain.actors import Actor
from maitred.domain.errors import BookingNotAssignable, BookingStateInvalid, NotFound
from maitred.domain.window import BookingWindow, booking_window
from maitred.planning.quote import quote
from maitred.planning.request import QuoteRequest
from maitred.planning.selection import SlackRule, check_selection
from maitred.services.assignments import active_booking, write_assignment
from maitred.services.floor import Floor, read_floor, read_live_day
from maitred.services.retry import retry_transient
from maitred.services.views import View, booking_view

Row = dict[str, Any]

FINAL_STATUSES = ("completed", "no_show")


def _event(conn: Connection, floor: Floor, booking_id: UUID, event_type: str) -> View:
    row = booking_rows.get(conn, floor.restaurant_id, booking_id)
    assert row is not None
    view = booking_view(row, floor.venue)
    outbox.add(
        conn,
        floor.restaurant_id,
        booking_id,
        event_type,
        f"{event_type}:{booking_id}:{uuid4()}",
        view,
    )
    return view


def cancel_booking(
    db: Database, restaurant_id: UUID, booking_id: UUID, defaults: dict[str, Any]
) -> View:
    """Cancel a booking and free its tables (holds and assignments). Cancelling twice is a
    no-op; a completed or no-show booking cannot be cancelled."""
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        row = booking_rows.get(conn, restaurant_id, booking_id, lock=True)
        if row is None:
            raise NotFound("No such booking.")
        if row["status"] == "cancelled":
            return booking_view(row, floor.venue)
        if row["status"] in FINAL_STATUSES:
            raise BookingStateInvalid(
                f"A {row['status']} booking cannot be cancelled.", status=row["status"]
            )
        hold_rows.delete_of_booking(conn, restaurant_id, booking_id)
        allocation_rows.delete_assignments(conn, restaurant_id, booking_id)
        booking_rows.update(conn, restaurant_id, booking_id, status="cancelled")
        return _event(conn, floor, booking_id, "booking.cancelled")


def _tables_still_fit(
    conn: Connection, floor: Floor, row: Row, found: BookingWindow, party_size: int
) -> bool:
    if not row["table_ids"]:
        return False
    live = read_live_day(conn, floor, found.window, ignore_booking=row["booking_id"])
    result = check_selection(
        floor.index,
        live.occupancy,
        party_size,
        found.window,
        [str(t) for t in row["table_ids"]],
        SlackRule.MERGES,
    )
    return result.ok


def _replan(conn: Connection, floor: Floor, row: Row, changed: Row, actor: Actor) -> None:
    """Seat the changed booking afresh, or refuse the whole change."""
    live = read_live_day(
        conn, floor, range_window(changed["time_window"]), ignore_booking=row["booking_id"]
    )
    request = QuoteRequest(
        changed["party_size"],
        changed["local_date"],
        changed["local_time"],
        booking_id=str(row["booking_id"]),
        duration_minutes=changed["duration_minutes"],
    )
    result = quote(floor.index, live.occupancy, request, live.day, top=1)
    if not result.plans:
        raise BookingNotAssignable(
            "The current tables no longer fit and nothing else does; nothing was changed.",
            reason=result.reason.value if result.reason else None,
            alternative_times=[t.strftime("%H:%M") for t in result.alternative_times],
        )
    write_assignment(conn, floor, changed, result.plans[0].table_ids, actor)


@retry_transient
def change_booking(
    db: Database,
    restaurant_id: UUID,
    booking_id: UUID,
    actor: Actor,
    defaults: dict[str, Any],
    *,
    party_size: int | None = None,
    local_date: date | None = None,
    local_time: time | None = None,
) -> View:
    """Change party size and/or time. Assigned tables are kept when they still fit, the
    booking is re-planned otherwise, and the change is refused when nothing fits."""
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        row = active_booking(conn, restaurant_id, booking_id)
        party = party_size or row["party_size"]
        day, at = local_date or row["local_date"], local_time or row["local_time"]
        venue = floor.venue
        found = booking_window(
            venue.policy, venue.timezone, day, at, party, row["duration_minutes"]
        )
        keep = _tables_still_fit(conn, floor, row, found, party)
        # Both days' write locks, in date order, before any row is touched (`lock_days`).
        allocation_rows.lock_days(conn, restaurant_id, [row["service_date"], found.service_date])
        hold_rows.delete_of_booking(conn, restaurant_id, booking_id)
        booking_rows.update(
            conn,
            restaurant_id,
            booking_id,
            party_size=party,
            local_date=day,
            local_time=at,
            service=found.service,
            service_date=found.service_date,
            time_window=found.window,
        )
        if keep:
            allocation_rows.move_booking_window(
                conn, restaurant_id, booking_id, found.window, found.service_date
            )
        elif row["table_ids"]:
            changed = booking_rows.get(conn, restaurant_id, booking_id)
            assert changed is not None
            _replan(conn, floor, row, changed, actor)
        return _event(conn, floor, booking_id, "booking.changed")
